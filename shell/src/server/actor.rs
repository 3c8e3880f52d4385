//! The engine's actor: one thread per tenant owns the [`Engine`] and the
//! [`Store`]. I/O tasks send it [`Command`]s over a channel; it
//!
//! 1. takes every command waiting (up to [`MAX_BATCH`]) as one batch,
//! 2. turns each into an input, stamped with the engine's clock (wall time
//!    since the database's epoch, never going back),
//! 3. appends the batch's inputs to the input log and commits them: group
//!    commit, one fsync per batch,
//! 4. only then hands them to the engine, one by one, and executes the
//!    outputs: pushes to agents' desktops ([`Outbox`]), the virtual phones
//!    when they stand in for telephony, the trace file,
//! 5. answers each command.
//!
//! Timers: when the engine's next deadline (or a virtual party's) passes with
//! no input, the actor logs a timeout entry and calls `handle_timeout`, so the
//! log holds every call made to the engine and replays byte for byte.
//!
//! Nothing is applied that is not durable: if the commit fails, the batch is
//! answered 503 and the engine never sees it.

use std::collections::{BTreeMap, VecDeque};
use std::io::Write;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::{Value, json};
use switchboard_core::engine::Engine;
use switchboard_core::event::EventKind;
use switchboard_core::ids::{AgentIdx, CallId};
use switchboard_core::render::{NumberedCalls, render};
use switchboard_core::{Effect, Input, Output, SimTime};
use switchboard_sim::inputlog::Entry;
use tokio::sync::{broadcast, oneshot};

use super::auth::Tokens;
use super::requests::{AgentReq, ApiError, resolve};
use super::store::{Store, contact_of};
use super::views;
use super::virtual_phones::VirtualPhones;

/// The most commands taken as one batch (one transaction).
pub const MAX_BATCH: usize = 4096;
/// Pushes kept per agent for clients that reconnect.
const RING: usize = 1024;

/// What an I/O task asks of the engine's actor.
pub enum Command {
    /// An agent's request (the agent is the token's).
    Agent {
        agent: String,
        req: AgentReq,
        reply: oneshot::Sender<Result<Value, ApiError>>,
    },
    /// An input from outside as it is (telephony stand-ins, the admin's raw inputs).
    Input {
        input: Input,
        reply: oneshot::Sender<Result<Value, ApiError>>,
    },
    /// A virtual customer calls (with virtual phones): hangs up after `patience`
    /// unanswered, or `talk` after the answer.
    VirtualCall {
        from: String,
        to: String,
        patience: Option<Duration>,
        talk: Option<Duration>,
        reply: oneshot::Sender<Result<Value, ApiError>>,
    },
    /// A read-only view.
    Query {
        query: Query,
        reply: oneshot::Sender<Result<Value, ApiError>>,
    },
    /// A desktop subscribes to its agent's pushes after sequence `after`.
    Subscribe {
        agent: String,
        after: u64,
        reply: oneshot::Sender<Result<Subscription, ApiError>>,
    },
    /// Issue a token for `subject` (`admin` or `agent:ID`); replies with the token.
    IssueToken {
        subject: String,
        reply: oneshot::Sender<Result<Value, ApiError>>,
    },
    /// Revoke tokens: one, or every token of an agent.
    RevokeTokens {
        which: super::auth::Revoke,
        reply: oneshot::Sender<Result<Value, ApiError>>,
    },
    /// Save a snapshot now and stop.
    Shutdown { reply: oneshot::Sender<()> },
    /// At start: apply the configuration file, which differs from the one in
    /// force, as a logged reconfiguration (the start fails if it is refused).
    StartupReconfigure {
        config: String,
        reply: std::sync::mpsc::Sender<Result<Value, ApiError>>,
    },
}

/// The read-only views.
#[derive(Clone, Debug)]
pub enum Query {
    /// One agent (by id): state and tasks.
    Agent(String),
    /// Every agent.
    Agents,
    /// Every queue: waiting tasks and counters.
    Queues,
    /// The live counters.
    Stats,
    /// One task.
    Task(u64),
    /// Everything at once, with the log length it reflects.
    State,
}

/// What a subscribing desktop gets: the pushes it missed, then the live stream.
pub struct Subscription {
    /// Pushes after the requested sequence, in order.
    pub backlog: Vec<Arc<str>>,
    /// Pushes were lost between the requested sequence and the backlog (the
    /// server kept too few, or restarted from a snapshot): the desktop must
    /// reload its state (`GET /api/agent`).
    pub gap: bool,
    /// The live stream, starting right after the backlog.
    pub live: broadcast::Receiver<Arc<str>>,
    /// The sequence number of the last push so far.
    pub last: u64,
}

/// One agent's pushes to its desktops, numbered from 1.
pub struct Outbox {
    pub last: u64,
    ring: VecDeque<(u64, Arc<str>)>,
    tx: broadcast::Sender<Arc<str>>,
}

impl Outbox {
    fn new(last: u64) -> Outbox {
        Outbox {
            last,
            ring: VecDeque::new(),
            tx: broadcast::channel(RING).0,
        }
    }

    fn push(&mut self, at: SimTime, body: &impl Serialize) {
        self.last += 1;
        let body = serde_json::to_string(body).unwrap_or_else(|_| "null".into());
        let text: Arc<str> =
            format!("{{\"seq\":{},\"at\":{},\"push\":{body}}}", self.last, at.0).into();
        if self.ring.len() == RING {
            self.ring.pop_front();
        }
        self.ring.push_back((self.last, text.clone()));
        let _ = self.tx.send(text);
    }

    fn subscribe(&self, after: u64) -> Subscription {
        let oldest = self.ring.front().map_or(self.last + 1, |(s, _)| *s);
        let gap = after > self.last || (after + 1 < oldest && after < self.last);
        Subscription {
            backlog: self
                .ring
                .iter()
                .filter(|(s, _)| *s > after)
                .map(|(_, t)| t.clone())
                .collect(),
            gap,
            live: self.tx.subscribe(),
            last: self.last,
        }
    }
}

/// The engine's clock: wall time since the epoch, never going back.
pub struct Clock {
    epoch_unix_micros: i64,
    last: SimTime,
}

impl Clock {
    pub fn new(epoch_unix_micros: i64, last: SimTime) -> Clock {
        Clock {
            epoch_unix_micros,
            last,
        }
    }

    pub fn now(&mut self) -> SimTime {
        let wall = unix_micros() - self.epoch_unix_micros;
        let t = SimTime(wall.max(0) as u64).max(self.last);
        self.last = t;
        t
    }

    /// How long from now until `at` (zero if it has passed).
    fn until(&self, at: SimTime) -> Duration {
        let wall = (unix_micros() - self.epoch_unix_micros).max(0) as u64;
        Duration::from_micros(at.0.saturating_sub(wall))
    }
}

/// Microseconds since the Unix epoch.
pub fn unix_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// The actor's state.
pub struct Actor {
    pub engine: Engine,
    pub store: Store,
    pub clock: Clock,
    /// Per agent id (ids survive configuration changes; indices may not).
    pub outboxes: BTreeMap<String, Outbox>,
    pub phones: Option<VirtualPhones>,
    pub trace: Option<std::io::BufWriter<std::fs::File>>,
    pub tokens: Tokens,
    /// The configuration text in force (for snapshots).
    pub config: String,
    /// Save a snapshot every this many log entries.
    pub snapshot_every: u64,
    /// The log length at the last snapshot.
    pub snapshot_at: u64,
    /// The highest contact id used (a call's, a web callback's, a
    /// conversation's): virtual calls take the next one up.
    next_call: u64,
}

impl Actor {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        engine: Engine,
        store: Store,
        clock: Clock,
        pushes: BTreeMap<String, u64>,
        phones: Option<VirtualPhones>,
        trace: Option<std::io::BufWriter<std::fs::File>>,
        tokens: Tokens,
        config: String,
        snapshot_every: u64,
        next_call: u64,
    ) -> Actor {
        let snapshot_at = store.len();
        Actor {
            engine,
            store,
            clock,
            outboxes: pushes
                .into_iter()
                .map(|(id, last)| (id, Outbox::new(last)))
                .collect(),
            phones,
            trace,
            tokens,
            config,
            snapshot_every,
            snapshot_at,
            next_call,
        }
    }

    /// Runs until the channel closes or a shutdown command comes.
    pub fn run(mut self, rx: Receiver<Command>) {
        loop {
            let deadline = self.next_deadline();
            let first = match deadline {
                Some(at) => match rx.recv_timeout(self.clock.until(at)) {
                    Ok(c) => Some(c),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => break,
                },
                None => match rx.recv() {
                    Ok(c) => Some(c),
                    Err(_) => break,
                },
            };
            let mut batch = Vec::new();
            batch.extend(first);
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(c) => batch.push(c),
                    Err(_) => break,
                }
            }
            if self.step(batch) {
                break;
            }
        }
        self.save_snapshot();
        if let Some(t) = self.trace.as_mut() {
            let _ = t.flush();
        }
    }

    fn next_deadline(&self) -> Option<SimTime> {
        let engine = self.engine.poll_timeout();
        let phones = self.phones.as_ref().and_then(|p| p.next_due());
        match (engine, phones) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// One batch. Returns true to stop.
    fn step(&mut self, batch: Vec<Command>) -> bool {
        let now = self.clock.now();
        // Inputs to log and apply, each with the index of the command to answer.
        let mut inputs: Vec<(Input, Option<usize>)> = Vec::new();
        if let Some(p) = self.phones.as_mut() {
            for input in p.due(now) {
                inputs.push((input, None));
            }
        }
        let mut replies: Vec<Pending> = Vec::new();
        let mut virtual_calls = Vec::new();
        let mut forward = Vec::new();
        let mut stop = None;
        // Contact ids the batch's inputs carry (not in the store yet).
        let mut contacts: Vec<u64> = Vec::new();
        for cmd in batch {
            match cmd {
                Command::Agent { agent, req, reply } => match self
                    .agent_idx(&agent)
                    .and_then(|a| resolve(&self.engine, a, &req))
                {
                    Ok(input) => {
                        inputs.push((input, Some(replies.len())));
                        replies.push(Pending::Input(reply, Value::Null));
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e));
                    }
                },
                Command::StartupReconfigure { config, reply } => {
                    let (tx, rx) = oneshot::channel();
                    inputs.push((Input::Reconfigure { config }, Some(replies.len())));
                    replies.push(Pending::Input(tx, Value::Null));
                    forward.push((rx, reply));
                }
                Command::Input { input, reply } => {
                    if let Err(e) = self.check_contact(&input, &contacts) {
                        let _ = reply.send(Err(e));
                        continue;
                    }
                    if let Some(c) = contact_of(&input) {
                        self.next_call = self.next_call.max(c);
                        contacts.push(c);
                    }
                    inputs.push((input, Some(replies.len())));
                    replies.push(Pending::Input(reply, Value::Null));
                }
                Command::VirtualCall {
                    from,
                    to,
                    patience,
                    talk,
                    reply,
                } => {
                    if self.phones.is_none() {
                        let _ = reply.send(Err(ApiError::new(
                            409,
                            "no_virtual_phones",
                            "virtual calls need the server started with --virtual-phones",
                        )));
                        continue;
                    }
                    self.next_call += 1;
                    let call = CallId(self.next_call);
                    inputs.push((
                        Input::CallArrived {
                            call,
                            from: from.into(),
                            to: to.into(),
                        },
                        Some(replies.len()),
                    ));
                    virtual_calls.push((replies.len(), call, patience, talk));
                    replies.push(Pending::Input(reply, json!({"call": call.0})));
                }
                Command::Query { query, reply } => replies.push(Pending::Query(query, reply)),
                Command::Subscribe {
                    agent,
                    after,
                    reply,
                } => replies.push(Pending::Subscribe(agent, after, reply)),
                Command::IssueToken { subject, reply } => {
                    let _ = reply.send(self.issue_token(&subject));
                }
                Command::RevokeTokens { which, reply } => {
                    let _ = reply.send(self.revoke_tokens(&which));
                }
                Command::Shutdown { reply } => stop = Some(reply),
            }
        }
        // A deadline passed with nothing else to do: the log records the timeout.
        let timeout = inputs.is_empty() && self.engine.poll_timeout().is_some_and(|d| d <= now);
        let mut entries: Vec<Entry> = inputs
            .iter()
            .map(|(input, _)| Entry::Input {
                at: now,
                input: input.clone(),
            })
            .collect();
        if timeout {
            entries.push(Entry::Timeout { at: now });
        }
        let mut results: Vec<Option<Result<Value, ApiError>>> = vec![None; replies.len()];
        match self.store.append(&entries) {
            Ok(()) => {
                for (input, who) in inputs {
                    let call = match &input {
                        Input::CallArrived { call, .. } => Some(call.0),
                        _ => None,
                    };
                    let reconfig = match &input {
                        Input::Reconfigure { config } => Some(config.clone()),
                        _ => None,
                    };
                    let r = self.engine.handle(now, input);
                    if let (Ok(()), Some(text)) = (&r, reconfig) {
                        self.config = text;
                    }
                    // A virtual caller whose call the engine took starts its clock.
                    if r.is_ok()
                        && let Some(i) = who
                        && let Some(&(_, call, patience, talk)) =
                            virtual_calls.iter().find(|(w, ..)| *w == i)
                        && let Some(p) = self.phones.as_mut()
                    {
                        p.caller(call, now, patience, talk);
                    }
                    self.drain(now);
                    if let Some(i) = who {
                        results[i] = Some(match r {
                            Ok(()) => Ok(call
                                .map_or(json!({"ok": true}), |c| json!({"ok": true, "call": c}))),
                            Err(e) => Err(ApiError::refused(&e)),
                        });
                    }
                }
                if timeout {
                    self.engine.handle_timeout(now);
                    self.drain(now);
                }
            }
            Err(e) => {
                eprintln!("switchboard serve: {e}");
                for r in results.iter_mut() {
                    *r = Some(Err(ApiError::new(
                        503,
                        "log_unavailable",
                        "the input log could not be written, so nothing was done; retry later",
                    )));
                }
            }
        }
        if let Some(t) = self.trace.as_mut() {
            let _ = t.flush();
        }
        for (i, pending) in replies.into_iter().enumerate() {
            match pending {
                Pending::Input(reply, extra) => {
                    let mut r = results[i].take().unwrap_or(Ok(json!({"ok": true})));
                    if let (Ok(Value::Object(m)), Value::Object(x)) = (&mut r, extra) {
                        m.extend(x);
                    }
                    let _ = reply.send(r);
                }
                Pending::Query(q, reply) => {
                    let _ = reply.send(self.query(&q));
                }
                Pending::Subscribe(agent, after, reply) => {
                    let r = self.agent_idx(&agent).map(|_| {
                        self.outboxes
                            .entry(agent)
                            .or_insert_with(|| Outbox::new(0))
                            .subscribe(after)
                    });
                    let _ = reply.send(r);
                }
            }
        }
        for (mut rx, reply) in forward {
            let _ = reply.send(rx.try_recv().unwrap_or_else(|_| {
                Err(ApiError::new(
                    503,
                    "unavailable",
                    "the engine did not answer",
                ))
            }));
        }
        if self.store.len() >= self.snapshot_at + self.snapshot_every {
            self.save_snapshot();
        }
        if let Some(reply) = stop {
            self.save_snapshot();
            let _ = reply.send(());
            return true;
        }
        false
    }

    /// Executes the engine's outputs.
    fn drain(&mut self, now: SimTime) {
        while let Some(out) = self.engine.poll_output() {
            if let Some(t) = self.trace.as_mut() {
                let line = render(now, &out, self.engine.tenant(), &NumberedCalls);
                let _ = writeln!(t, "{line}");
            }
            if let Some(p) = self.phones.as_mut() {
                p.react(now, &out, &self.engine);
            }
            if let Some(id) = desktop_of(&out).and_then(|a| self.engine.tenant().agents.get(a.ix()))
            {
                self.outboxes
                    .entry(id.id.clone())
                    .or_insert_with(|| Outbox::new(0))
                    .push(now, &out);
            }
        }
    }

    /// The highest contact id used.
    pub fn next_call(&self) -> u64 {
        self.next_call
    }

    /// Refuses a call or web callback whose id was used before: a client's
    /// late retry of a call that has since ended must not bring it back. An id
    /// above every id used so far is new without asking the store; one whose
    /// call is still in progress is left to the engine (`duplicate_call`).
    fn check_contact(&self, input: &Input, batch: &[u64]) -> Result<(), ApiError> {
        let c = match input {
            Input::CallArrived { call, .. } => call.0,
            Input::WebCallback { contact, .. } => contact.0,
            _ => return Ok(()),
        };
        if i64::try_from(c).is_err() {
            return Err(ApiError::bad_request(format!(
                "call id {c} is too large: ids go up to {}",
                i64::MAX
            )));
        }
        if c > self.next_call || self.engine.task_of_call(CallId(c)).is_some() {
            return Ok(());
        }
        let used = batch.contains(&c)
            || self.store.contact_used(c).map_err(|e| {
                eprintln!("switchboard serve: {e}");
                ApiError::new(
                    503,
                    "log_unavailable",
                    "the input log could not be read, so nothing was done; retry later",
                )
            })?;
        if used {
            return Err(ApiError::new(
                409,
                "duplicate_call",
                format!(
                    "call {c} was taken before and has ended; a new call needs an id never used"
                ),
            ));
        }
        Ok(())
    }

    /// The index of an agent id in the configuration in force (403 if it left it).
    fn agent_idx(&self, id: &str) -> Result<AgentIdx, ApiError> {
        self.engine.tenant().agent_by_id(id).ok_or_else(|| {
            ApiError::new(
                403,
                "forbidden",
                format!("agent \"{id}\" is not in the configuration in force"),
            )
        })
    }

    fn issue_token(&mut self, subject: &str) -> Result<Value, ApiError> {
        if let Some(id) = subject.strip_prefix("agent:")
            && self.engine.tenant().agent_by_id(id).is_none()
        {
            return Err(ApiError::not_found(format!("there is no agent \"{id}\"")));
        }
        let (token, digest) = super::auth::new_token();
        self.store
            .add_token(&digest, subject)
            .map_err(|e| ApiError::new(503, "store_unavailable", e.0))?;
        self.tokens.insert(digest, subject.to_string());
        Ok(json!({"subject": subject, "token": token}))
    }

    /// Revokes tokens, in the store first, so that a refused write revokes
    /// nothing; the last admin token is never revoked (the server would have no
    /// administrator left).
    fn revoke_tokens(&mut self, which: &super::auth::Revoke) -> Result<Value, ApiError> {
        let (digests, admin_left) = self.tokens.select(which);
        if !admin_left {
            return Err(ApiError::new(
                409,
                "last_admin_token",
                "this is the last admin token; issue another before revoking it",
            ));
        }
        if digests.is_empty() {
            return Err(ApiError::not_found(match which {
                super::auth::Revoke::Token(_) => "there is no such token".to_string(),
                super::auth::Revoke::Agent(id) => format!("agent \"{id}\" has no token"),
            }));
        }
        self.store
            .remove_tokens(&digests)
            .map_err(|e| ApiError::new(503, "store_unavailable", e.0))?;
        self.tokens.remove(&digests);
        Ok(json!({"revoked": digests.len()}))
    }

    fn save_snapshot(&mut self) {
        if let Err(e) = super::snapshot::save(self) {
            eprintln!("switchboard serve: the snapshot was not saved: {e}");
        }
        self.snapshot_at = self.store.len();
    }

    fn query(&self, q: &Query) -> Result<Value, ApiError> {
        let e = &self.engine;
        let with_seq = |a: AgentIdx| {
            let mut v = views::agent(e, a);
            if let Value::Object(m) = &mut v {
                let last = self
                    .outboxes
                    .get(&e.tenant().agent(a).id)
                    .map_or(0, |o| o.last);
                m.insert("push_seq".into(), json!(last));
            }
            v
        };
        Ok(match q {
            Query::Agent(id) => with_seq(self.agent_idx(id)?),
            Query::Agents => Value::Array(
                (0..e.tenant().agents.len())
                    .map(|i| with_seq(AgentIdx(i as u32)))
                    .collect(),
            ),
            Query::Queues => views::queues(e),
            Query::Stats => json!({
                "live_tasks": e.live_tasks(),
                "log_entries": self.store.len(),
                "counters": e.tally(),
            }),
            Query::State => views::state(e, self.store.len()),
            Query::Task(task) => {
                let task = switchboard_core::ids::TaskId(*task);
                let v = e
                    .task_view(task)
                    .ok_or_else(|| ApiError::not_found(format!("there is no live {task}")))?;
                json!(v)
            }
        })
    }
}

enum Pending {
    Input(oneshot::Sender<Result<Value, ApiError>>, Value),
    Query(Query, oneshot::Sender<Result<Value, ApiError>>),
    Subscribe(String, u64, oneshot::Sender<Result<Subscription, ApiError>>),
}

/// The agent whose desktop an output goes to: its notices, its phone's
/// ringing, its own state and work changes. Secure variables are masked by the
/// engine itself.
pub fn desktop_of(out: &Output) -> Option<AgentIdx> {
    match out {
        Output::Effect(Effect::Notify { agent, .. })
        | Output::Effect(Effect::RingAgent { agent, .. })
        | Output::Effect(Effect::StopRinging { agent, .. }) => Some(*agent),
        Output::Event(e) => match &e.kind {
            EventKind::AgentState { agent, .. } | EventKind::Work { agent, .. } => Some(*agent),
            _ => None,
        },
        _ => None,
    }
}
