//! Snapshots of an engine's run-time state, so that a driver restarts fast: it
//! restores the last snapshot and feeds only the inputs logged after it, instead
//! of replaying its whole input log into a new engine.
//!
//! # What a snapshot holds
//!
//! [`EngineSnapshot`] holds everything the engine changes as it runs: its time,
//! every agent (presence, work, hook state, ready flags, counters), every queue
//! (waiting entries, ready sets, staffed count, handle-time estimate, counters),
//! every live task with its legs, flow position, variables, consult, callback,
//! campaign contact and the last mix sent, the customers' calls, the dialled
//! legs and pending dials, the armed timers with their sequence, the id
//! counters, the routing flags, the campaigns' contact lists, the digital
//! conversations (open, threaded, remembered per customer, messages being
//! sent), the task counters, and when the configuration last changed.
//!
//! It does **not** hold:
//!
//! - the tenant configuration: [`Engine::restore`] is given it, and checks that
//!   the snapshot fits it (below). After an [`crate::Input::Reconfigure`], the
//!   configuration to restore with is the new one;
//! - the [`EngineOptions`]: given to [`Engine::restore`] like to [`Engine::new`];
//! - the queued outputs. Take a snapshot between inputs, once `poll_output()`
//!   has been drained (the driver must drain it anyway before the next input):
//!   outputs still queued are not in the snapshot, and the restored engine never
//!   gives them;
//! - caches rebuilt from the code (the participants' table's controls).
//!
//! Same configuration + same snapshot + same inputs => the same outputs as the
//! engine the snapshot was taken from (a property test holds restore to it).
//!
//! # Format
//!
//! The snapshot is plain serde data, written for `serde_json` (the production
//! server keeps it as JSON text): structs as objects, enums externally tagged,
//! durations as text (`"1m30s"`), maps whose keys are tuples or structs (the
//! timers, the conversation threads) as sequences of `[key, value]` pairs, and
//! the id-windowed maps of tasks and calls as `[id, value]` pairs in increasing
//! id order. `format` is [`EngineSnapshot::FORMAT`]; a snapshot of another
//! format is refused. Unknown fields at the top level are refused.
//!
//! # Validation
//!
//! [`Engine::restore`] never trusts a snapshot: one that was tampered with, cut,
//! or taken under another configuration gives a [`SnapshotError`], never a panic.
//! It checks, in order:
//!
//! 1. the format;
//! 2. the configuration: the number of agents, queues, entry points, flows,
//!    prompts, campaigns, idle reasons and wrap-up reasons, and a fingerprint of
//!    their names (with the flows' step and variable names), recorded when the
//!    snapshot was taken, must be those of the configuration given; and the
//!    snapshot must hold one state per agent, queue and campaign;
//! 3. every index in the state (agents, queues, entry points, flows and their
//!    steps, prompts, campaigns, idle reasons) is in range, a task's variables
//!    are as many as its flow's, and a task has a callback's or a campaign
//!    contact's data only if it is one;
//! 4. the id counters (tasks, requests, legs, timers, queue arrivals) are ahead
//!    of every id in use, and no counter is so large that the engine could
//!    overflow it;
//! 5. the engine's own [`Engine::audit`] of its invariants, on the restored engine.
//!
//! A consult's target (kept for the record, never looked up) is not checked.
//! Restoring under a configuration with the same entities but other settings
//! is accepted when the state passes the audit under it; to change the
//! configuration, restore under the old one, then apply `Input::Reconfigure`.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::config::Tenant;
use crate::event::TaskKind;
use crate::ids::*;
use crate::legs::Leg;
use crate::time::SimTime;
use crate::window::IdWindow;

use super::agents::AgentRt;
use super::audit::Violation;
use super::campaigns::CampaignRt;
use super::conversations::Conversations;
use super::flow::FlowWait;
use super::routing::QueueRt;
use super::tally::TaskTally;
use super::tasks::{Recording, Stage, Task};
use super::timers::{TimerKey, TimerKind, Timers};
use super::{Engine, EngineOptions};

/// An engine's whole run-time state, without its configuration, options or
/// queued outputs; see the [module documentation](self).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineSnapshot {
    format: u32,
    /// The configuration the state belongs to, as counts and name fingerprints.
    configuration: Shape,
    now: SimTime,
    agents: Vec<AgentRt>,
    queues: Vec<QueueRt>,
    tasks: IdWindow<TaskId, Task>,
    calls: IdWindow<CallId, TaskId>,
    legs: BTreeMap<LegId, TaskId>,
    dials: BTreeMap<RequestId, (TaskId, LegId)>,
    timers: Timers,
    next_task: u64,
    next_request: u64,
    next_seq: u64,
    next_leg: u64,
    route_pending: [bool; 4],
    campaigns: Vec<CampaignRt>,
    conversations: Conversations,
    task_tally: TaskTally,
    reconfigured: Option<(SimTime, u64)>,
}

/// Why a snapshot cannot be restored, in one sentence.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    /// Written by an engine of another snapshot format.
    #[error("the snapshot is in format {found}, and this engine reads format {expected} only")]
    Format { found: u32, expected: u32 },
    /// Taken under a configuration with another number of some entity.
    #[error(
        "the snapshot was taken under a configuration with {snapshot} {what}, and this one has {tenant}"
    )]
    Count {
        what: &'static str,
        snapshot: u32,
        tenant: u32,
    },
    /// Taken under a configuration whose entities of a kind have other names.
    #[error(
        "the snapshot was taken under a configuration whose {what} have other names than this one's"
    )]
    Names { what: &'static str },
    /// An index in the state beyond what the configuration has.
    #[error(
        "{owner} in the snapshot refers to {what} {index}, and the configuration has only {count}"
    )]
    OutOfRange {
        owner: String,
        what: &'static str,
        index: u32,
        count: usize,
    },
    /// Parts of the state that cannot go together (an id ahead of its
    /// counter, a counter about to overflow, a task's data of another kind).
    #[error("the snapshot is inconsistent: {detail}")]
    Inconsistent { detail: String },
    /// The restored engine fails its audit ([`Engine::audit`]).
    #[error("the restored state breaks an invariant of the engine: {0}")]
    Audit(Violation),
}

impl EngineSnapshot {
    /// The snapshot format this engine writes and reads.
    pub const FORMAT: u32 = 1;

    /// The engine's time when the snapshot was taken.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The number of live tasks in the snapshot.
    pub fn live_tasks(&self) -> usize {
        self.tasks.len()
    }
}

impl Engine {
    /// The engine's run-time state, for [`Engine::restore`]. Take it between
    /// inputs with the output queue drained: queued outputs are not part of it.
    pub fn snapshot(&self) -> EngineSnapshot {
        // Every field named (no `..`): a new field must be decided on here.
        let Engine {
            tenant,
            opts: _,
            now,
            agents,
            queues,
            tasks,
            calls,
            legs,
            dials,
            timers,
            out: _,
            next_task,
            next_request,
            next_seq,
            next_leg,
            route_pending,
            campaigns,
            conversations,
            control_table: _,
            task_tally,
            reconfigured,
        } = self;
        EngineSnapshot {
            format: EngineSnapshot::FORMAT,
            configuration: Shape::of(tenant),
            now: *now,
            agents: agents.clone(),
            queues: queues.clone(),
            tasks: tasks.clone(),
            calls: calls.clone(),
            legs: legs.clone(),
            dials: dials.clone(),
            timers: timers.clone(),
            next_task: *next_task,
            next_request: *next_request,
            next_seq: *next_seq,
            next_leg: *next_leg,
            route_pending: *route_pending,
            campaigns: campaigns.clone(),
            conversations: conversations.clone(),
            task_tally: *task_tally,
            reconfigured: *reconfigured,
        }
    }

    /// An engine with a snapshot's state, under `tenant` (the configuration in
    /// force when the snapshot was taken) and `opts`, with no output queued.
    /// The snapshot is checked against the configuration and the engine's
    /// invariants first; one that does not fit is an error, never a panic.
    pub fn restore(
        tenant: Arc<Tenant>,
        opts: EngineOptions,
        snapshot: EngineSnapshot,
    ) -> Result<Engine, SnapshotError> {
        snapshot.check(&tenant)?;
        let EngineSnapshot {
            format: _,
            configuration: _,
            now,
            agents,
            queues,
            tasks,
            calls,
            legs,
            dials,
            timers,
            next_task,
            next_request,
            next_seq,
            next_leg,
            route_pending,
            campaigns,
            conversations,
            task_tally,
            reconfigured,
        } = snapshot;
        let engine = Engine {
            tenant,
            opts,
            now,
            agents,
            queues,
            tasks,
            calls,
            legs,
            dials,
            timers,
            out: VecDeque::with_capacity(64),
            next_task,
            next_request,
            next_seq,
            next_leg,
            route_pending,
            campaigns,
            conversations,
            control_table: crate::matrix::ControlTable::new(),
            task_tally,
            reconfigured,
        };
        engine.audit().map_err(SnapshotError::Audit)?;
        Ok(engine)
    }
}

// ---- the configuration's shape ----

/// How many of each configured entity there are, and a fingerprint of their names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Shape {
    agents: Part,
    queues: Part,
    entry_points: Part,
    /// With each flow's step and variable names.
    flows: Part,
    prompts: Part,
    campaigns: Part,
    idle_reasons: Part,
    wrap_up_reasons: Part,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Part {
    count: u32,
    /// FNV-1a (64 bits) of the names in index order, in hexadecimal.
    names: String,
}

impl Part {
    fn new<'a>(count: usize, names: impl IntoIterator<Item = &'a str>) -> Part {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for name in names {
            // 0xff never occurs in UTF-8: it ends each name unambiguously.
            for b in name.bytes().chain([0xff]) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        Part {
            count: count as u32,
            names: format!("{h:016x}"),
        }
    }
}

impl Shape {
    fn of(t: &Tenant) -> Shape {
        let flows = t.flows.iter().flat_map(|f| {
            std::iter::once(f.name.as_str())
                .chain(std::iter::once("\u{1}steps"))
                .chain(f.step_names.iter().map(String::as_str))
                .chain(std::iter::once("\u{1}variables"))
                .chain(f.variables.iter().map(|v| v.name.as_str()))
        });
        Shape {
            agents: Part::new(t.agents.len(), t.agents.iter().map(|a| a.id.as_str())),
            queues: Part::new(t.queues.len(), t.queues.iter().map(|q| q.name.as_str())),
            entry_points: Part::new(
                t.entry_points.len(),
                t.entry_points.iter().map(|e| e.name.as_str()),
            ),
            flows: Part::new(t.flows.len(), flows),
            prompts: Part::new(t.prompts.len(), t.prompts.iter().map(|p| p.name.as_str())),
            campaigns: Part::new(
                t.campaigns.len(),
                t.campaigns.iter().map(|c| c.name.as_str()),
            ),
            idle_reasons: Part::new(
                t.idle_reasons.len(),
                t.idle_reasons.iter().map(String::as_str),
            ),
            wrap_up_reasons: Part::new(
                t.wrap_up.reasons.len(),
                t.wrap_up.reasons.iter().map(String::as_str),
            ),
        }
    }

    /// Whether a snapshot taken under `self` fits a configuration of shape `now`.
    fn fits(&self, now: &Shape) -> Result<(), SnapshotError> {
        let pairs = [
            ("agents", &self.agents, &now.agents),
            ("queues", &self.queues, &now.queues),
            ("entry points", &self.entry_points, &now.entry_points),
            ("flows", &self.flows, &now.flows),
            ("prompts", &self.prompts, &now.prompts),
            ("campaigns", &self.campaigns, &now.campaigns),
            ("idle reasons", &self.idle_reasons, &now.idle_reasons),
            (
                "wrap-up reasons",
                &self.wrap_up_reasons,
                &now.wrap_up_reasons,
            ),
        ];
        for (what, snap, tenant) in pairs {
            if snap.count != tenant.count {
                return Err(SnapshotError::Count {
                    what,
                    snapshot: snap.count,
                    tenant: tenant.count,
                });
            }
            if snap.names != tenant.names {
                return Err(SnapshotError::Names { what });
            }
        }
        Ok(())
    }
}

// ---- validation ----

/// Counters stay below this: far beyond anything a real engine reaches, far
/// enough below `u64::MAX` that incrementing them never overflows, and within
/// the arrival numbers a queue key holds.
const COUNTER_LIMIT: u64 = 1 << 60;

fn inconsistent(detail: String) -> SnapshotError {
    SnapshotError::Inconsistent { detail }
}

/// The sizes of the configuration's index spaces.
struct Limits<'a> {
    tenant: &'a Tenant,
}

impl Limits<'_> {
    fn index(
        what: &'static str,
        index: u32,
        count: usize,
        owner: impl FnOnce() -> String,
    ) -> Result<(), SnapshotError> {
        if (index as usize) < count {
            Ok(())
        } else {
            Err(SnapshotError::OutOfRange {
                owner: owner(),
                what,
                index,
                count,
            })
        }
    }

    fn agent(&self, a: AgentIdx, owner: impl FnOnce() -> String) -> Result<(), SnapshotError> {
        Self::index("agent", a.0, self.tenant.agents.len(), owner)
    }

    fn queue(&self, q: QueueIdx, owner: impl FnOnce() -> String) -> Result<(), SnapshotError> {
        Self::index("queue", q.0, self.tenant.queues.len(), owner)
    }

    fn entry_point(&self, e: EpIdx, owner: impl FnOnce() -> String) -> Result<(), SnapshotError> {
        Self::index("entry point", e.0, self.tenant.entry_points.len(), owner)
    }

    fn prompt(&self, p: PromptIdx, owner: impl FnOnce() -> String) -> Result<(), SnapshotError> {
        Self::index("prompt", p.0, self.tenant.prompts.len(), owner)
    }

    fn leg(&self, l: Leg, owner: impl FnOnce() -> String) -> Result<(), SnapshotError> {
        match l {
            Leg::Agent(a) => self.agent(a, owner),
            Leg::Customer(_) | Leg::External(_) => Ok(()),
        }
    }
}

/// Every id the state uses, to check that the counters are ahead of them.
#[derive(Default)]
struct IdsInUse {
    tasks: Vec<TaskId>,
    requests: Vec<RequestId>,
    legs: Vec<LegId>,
    timers: Vec<TimerKey>,
    /// Arrival numbers of queue keys (waiting entries, and tasks' own keys,
    /// which they keep across offers).
    arrivals: Vec<u64>,
}

impl IdsInUse {
    fn leg(&mut self, l: Leg) {
        if let Leg::External(l) = l {
            self.legs.push(l);
        }
    }
}

fn below(value: u64, limit: u64, what: impl FnOnce() -> String) -> Result<(), SnapshotError> {
    if value < limit {
        Ok(())
    } else {
        Err(inconsistent(format!(
            "{} is {value}, more than the engine can count on from there",
            what()
        )))
    }
}

impl EngineSnapshot {
    /// Everything [`Engine::restore`] checks before the audit: see the module documentation.
    fn check(&self, tenant: &Tenant) -> Result<(), SnapshotError> {
        if self.format != Self::FORMAT {
            return Err(SnapshotError::Format {
                found: self.format,
                expected: Self::FORMAT,
            });
        }
        self.configuration.fits(&Shape::of(tenant))?;
        for (what, held, configured) in [
            ("agents", self.agents.len(), tenant.agents.len()),
            ("queues", self.queues.len(), tenant.queues.len()),
            ("campaigns", self.campaigns.len(), tenant.campaigns.len()),
        ] {
            if held != configured {
                return Err(inconsistent(format!(
                    "it holds the state of {held} {what} for {configured} configured"
                )));
            }
        }
        let limits = Limits { tenant };
        let mut ids = IdsInUse::default();
        self.check_agents_and_queues(&limits, &mut ids)?;
        for (id, t) in self.tasks.iter() {
            self.check_task(&limits, &mut ids, id, t)?;
        }
        self.check_timers(&limits, &mut ids)?;
        self.check_conversations(&limits, &mut ids)?;
        ids.legs.extend(self.legs.keys());
        for (request, (_, leg)) in &self.dials {
            ids.requests.push(*request);
            ids.legs.push(*leg);
        }
        self.check_counters(&ids)
    }

    fn check_agents_and_queues(
        &self,
        limits: &Limits<'_>,
        ids: &mut IdsInUse,
    ) -> Result<(), SnapshotError> {
        let idle_reasons = limits.tenant.idle_reasons.len();
        for (i, a) in self.agents.iter().enumerate() {
            if let crate::event::Presence::Idle(r) = a.presence {
                Limits::index("idle reason", r.0, idle_reasons, || format!("agent {i}"))?;
            }
            ids.timers.extend(a.work.iter().filter_map(|w| w.timer));
            let t = a.tally;
            for v in [t.accepted, t.failed, t.withdrawn, t.handled] {
                below(v, COUNTER_LIMIT, || format!("a counter of agent {i}"))?;
            }
        }
        for (qi, q) in self.queues.iter().enumerate() {
            for set in &q.ready {
                for (_, a) in set {
                    limits.agent(*a, || format!("the ready set of queue {qi}"))?;
                }
            }
            ids.timers.extend(q.hours_timer);
            for waiting in &q.waiting {
                ids.arrivals.extend(waiting.keys().map(|k| k.seq()));
            }
            let t = q.tally;
            for v in [t.entered, t.returned, t.answered, t.abandoned] {
                below(v, COUNTER_LIMIT, || format!("a counter of queue {qi}"))?;
            }
        }
        Ok(())
    }

    fn check_task(
        &self,
        limits: &Limits<'_>,
        ids: &mut IdsInUse,
        id: TaskId,
        t: &Task,
    ) -> Result<(), SnapshotError> {
        let tenant = limits.tenant;
        let owner = || id.to_string();
        ids.tasks.push(id);
        ids.arrivals.push(t.key.seq());
        if (t.kind == TaskKind::Callback) != t.callback.is_some() {
            return Err(inconsistent(format!(
                "{id} is a {:?} task with{} a callback's data",
                t.kind,
                if t.callback.is_some() { "" } else { "out" }
            )));
        }
        if t.campaign.is_some() && t.kind != TaskKind::Campaign {
            return Err(inconsistent(format!(
                "{id} is a {:?} task with a campaign contact",
                t.kind
            )));
        }
        limits.entry_point(t.ep, owner)?;
        limits.leg(t.customer, owner)?;
        ids.leg(t.customer);
        if let Some(q) = t.queue {
            limits.queue(q, owner)?;
        }
        for a in [t.owner, t.exclude].into_iter().flatten() {
            limits.agent(a, owner)?;
        }
        ids.legs.extend(t.external_owner);
        ids.legs.extend(t.transfer_dial);
        let flow = match t.flow {
            Some(f) => {
                Limits::index("flow", f.0, tenant.flows.len(), owner)?;
                Some(&tenant.flows[f.ix()])
            }
            None => None,
        };
        let variables = flow.map_or(0, |f| f.variables.len());
        if t.vars.len() != variables {
            return Err(inconsistent(format!(
                "{id} holds {} variables, and its flow has {variables}",
                t.vars.len()
            )));
        }
        for slot in &t.vars {
            if let Some(a) = slot.saved_by {
                limits.agent(a, || format!("a variable of {id}"))?;
            }
            below(u64::from(slot.version), u64::from(u32::MAX), || {
                format!("a variable's version in {id}")
            })?;
        }
        if let Stage::Flow(wait) = t.stage {
            let step = match wait {
                FlowWait::Prompt { step, request } => {
                    ids.requests.push(request);
                    Some(step)
                }
                FlowWait::Menu {
                    step,
                    request,
                    timer,
                    ..
                } => {
                    ids.requests.extend(request);
                    ids.timers.extend(timer);
                    Some(step)
                }
                FlowWait::Goodbye { request } => {
                    ids.requests.push(request);
                    None
                }
                FlowWait::Running => None,
            };
            if let (Some(step), Some(f)) = (step, flow) {
                Limits::index("step", step.0, f.steps.len(), owner)?;
            }
        }
        if let Recording::Paused { timer } = t.recording {
            ids.timers.extend(timer);
        }
        if let Some(c) = &t.consult {
            for q in [c.queue_of_request, c.queued].into_iter().flatten() {
                limits.queue(q, owner)?;
            }
            if let Some(a) = c.offered_to {
                limits.agent(a, owner)?;
            }
            ids.arrivals.push(c.key.seq());
            if let Some(party) = c.party {
                limits.leg(party, owner)?;
                ids.leg(party);
            }
            if let Some((request, leg)) = c.dial {
                ids.requests.push(request);
                ids.legs.push(leg);
            }
        }
        if let Some(m) = &t.mix {
            for leg in m.talking.iter().flatten().chain(m.on_hold.iter()) {
                limits.leg(*leg, || format!("the mix of {id}"))?;
                ids.leg(*leg);
            }
        }
        if let Some(cb) = &t.callback {
            limits.leg(cb.caller, owner)?;
            below(u64::from(cb.attempts), u64::from(u8::MAX), || {
                format!("the callback attempts of {id}")
            })?;
        }
        if let Some(w) = &t.waiting {
            let mut prompts = Vec::new();
            if let Some(o) = w.offer {
                prompts.extend([o.prompt, o.confirm]);
                ids.timers.extend(o.timer);
                ids.requests.extend(o.playing);
                below(u64::from(o.count), u64::from(u32::MAX), || {
                    format!("the callback offers of {id}")
                })?;
            }
            if let Some(r) = w.overflow {
                prompts.extend([r.offer, r.confirm]);
            }
            for p in prompts {
                limits.prompt(p, || format!("the callback offer of {id}"))?;
            }
            ids.requests.extend(w.confirming);
        }
        if let Some(c) = &t.campaign {
            Limits::index("campaign", c.campaign.0, tenant.campaigns.len(), owner)?;
            ids.timers.extend(c.preview_timer);
        }
        Ok(())
    }

    fn check_timers(&self, limits: &Limits<'_>, ids: &mut IdsInUse) -> Result<(), SnapshotError> {
        for (key, kind) in self.timers.iter() {
            ids.timers.push(*key);
            let owner = || format!("the timer at {}", key.0);
            match *kind {
                TimerKind::Rona { agent, .. }
                | TimerKind::AutoWrapUp { agent, .. }
                | TimerKind::PreviewTimeout { agent, .. } => limits.agent(agent, owner)?,
                TimerKind::CallbackHours { queue } => limits.queue(queue, owner)?,
                TimerKind::MenuTimeout { .. }
                | TimerKind::PrivacyShield { .. }
                | TimerKind::CallbackOffer { .. } => {}
            }
        }
        Ok(())
    }

    fn check_conversations(
        &self,
        limits: &Limits<'_>,
        ids: &mut IdsInUse,
    ) -> Result<(), SnapshotError> {
        let c = &self.conversations;
        for (task, conv) in &c.open {
            let owner = || format!("the conversation of {task}");
            limits.entry_point(conv.ep, owner)?;
            if let Some(a) = conv.transfer_to {
                limits.agent(a, owner)?;
            }
            ids.tasks.extend(conv.previous);
            for n in [conv.received, conv.sent] {
                below(u64::from(n), u64::from(u32::MAX), || {
                    format!("the message count of {task}")
                })?;
            }
        }
        for ((ep, _, _), task) in &c.threads {
            limits.entry_point(*ep, || format!("the thread of {task}"))?;
        }
        for record in c.customers.values() {
            for (ep, task) in &record.closed {
                limits.entry_point(*ep, || format!("the record of {task}"))?;
                ids.tasks.push(*task);
            }
        }
        for (request, task) in &c.sending {
            ids.requests.push(*request);
            ids.tasks.push(*task);
        }
        Ok(())
    }

    fn check_counters(&self, ids: &IdsInUse) -> Result<(), SnapshotError> {
        let t = self.task_tally;
        let counters = [
            ("the time in microseconds", self.now.0),
            ("the next task id", self.next_task),
            ("the next request id", self.next_request),
            ("the next queue arrival", self.next_seq),
            ("the last leg id", self.next_leg),
            ("the last timer's number", self.timers.last_seq()),
            ("a task counter", t.created),
            ("a task counter", t.handled),
            ("a task counter", t.abandoned),
            ("a task counter", t.disconnected),
            ("a task counter", t.not_reached),
            ("a task counter", t.cancelled),
            ("a task counter", t.skipped),
            ("a task counter", t.removed),
        ];
        for (what, value) in counters {
            below(value, COUNTER_LIMIT, || what.to_string())?;
        }
        let ahead = |what: &str, id: u64, next: u64| {
            if id < next {
                Ok(())
            } else {
                Err(inconsistent(format!(
                    "{what} {id} is in use, and the next one would be {next}"
                )))
            }
        };
        for task in &ids.tasks {
            ahead("task", task.0, self.next_task)?;
        }
        for request in &ids.requests {
            ahead("request", request.0, self.next_request)?;
        }
        // Legs are numbered from 1: `next_leg` is the last one dialled.
        for leg in &ids.legs {
            ahead("leg", leg.0, self.next_leg.saturating_add(1))?;
        }
        for arrival in &ids.arrivals {
            ahead("queue arrival", *arrival, self.next_seq.saturating_add(1))?;
        }
        for key in &ids.timers {
            ahead(
                "timer number",
                key.1.get(),
                self.timers.last_seq().saturating_add(1),
            )?;
        }
        Ok(())
    }
}

/// Serde for a map whose keys are not strings or numbers (JSON object keys):
/// a sequence of `[key, value]` pairs in key order. A key given twice is an error.
pub(crate) mod pairs {
    use std::collections::BTreeMap;

    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<K: Serialize, V: Serialize, S: Serializer>(
        map: &BTreeMap<K, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.iter())
    }

    pub fn deserialize<'de, K, V, D>(d: D) -> Result<BTreeMap<K, V>, D::Error>
    where
        K: Ord + Deserialize<'de>,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        let pairs = Vec::<(K, V)>::deserialize(d)?;
        let n = pairs.len();
        let map: BTreeMap<K, V> = pairs.into_iter().collect();
        if map.len() != n {
            return Err(D::Error::custom("a key appears twice in a map"));
        }
        Ok(map)
    }

    pub fn serialize_sorted<K: Serialize, V: Serialize, S: Serializer>(
        map: &crate::sorted::SortedMap<K, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.iter())
    }

    pub fn deserialize_sorted<'de, K, V, D>(
        d: D,
    ) -> Result<crate::sorted::SortedMap<K, V>, D::Error>
    where
        K: Ord + Deserialize<'de>,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        deserialize(d).map(|m: BTreeMap<K, V>| m.into_iter().collect())
    }
}
