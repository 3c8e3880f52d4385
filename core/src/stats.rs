//! Statistics derived from the event log (FLW-04, CHN-05), per entry point,
//! queue and agent. The collector observes events one by one, with the tenant
//! in force when each happened, so it works live, on a finished log, and across
//! configuration changes.
//!
//! Definitions (see docs/statistics.md):
//! - *offered* to a queue: tasks that entered it (a task coming back after RONA counts once);
//! - *wait*: from first entering a queue to the answer; ASA is its mean over answered tasks;
//! - *within service level*: answered with a wait at most the threshold (the queue's, else the
//!   entry point's for queue figures; the entry point's for its own figures);
//! - *service level*: within / offered (an abandoned or unanswered task is a miss), and
//!   *among answered*: within / answered;
//! - *handle time*: of a task, from its answer to its last wrap-up (talk, hold, transfers and
//!   wrap-up); of an agent, from its engagement on the task to its own wrap-up;
//! - *occupancy*: time with a task Engaged or in WrapUp / time logged in and Available or working;
//! - per channel (call, chat, email, social): tasks *offered* (entered a queue), *handled*,
//!   agent-initiated conversations *started*, and the *first response time* of a customer's
//!   conversation, from its arrival to the first message an agent sends;
//! - an agent's *concurrency*: the tasks it holds (offered, engaged or in wrap-up) averaged
//!   over its staffed time, and the most it held at once.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::config::Tenant;
use crate::event::{Event, EventKind, OfferOutcome, Presence, TaskKind, TaskOutcome, WorkPhase};
use crate::ids::TaskId;
use crate::legs::Channel;
use crate::time::{SimDuration, SimTime};

#[derive(Clone, Debug)]
struct TaskRec {
    ep: String,
    ep_threshold: SimDuration,
    queue: Option<(String, SimDuration)>,
    answered: Option<SimTime>,
    channel: Channel,
    created: SimTime,
    /// A customer's conversation waiting for its first answer.
    awaiting_response: bool,
}

/// Figures of one channel.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct ChannelFigures {
    /// Tasks that entered a queue.
    pub offered: u64,
    pub handled: u64,
    /// Conversations agents started (OUT-01).
    pub started: u64,
    /// Customers' conversations an agent wrote to, and the time until the first message.
    pub responded: u64,
    pub first_response_total: SimDuration,
}

impl ChannelFigures {
    /// Mean first response time, seconds.
    pub fn first_response(&self) -> Option<f64> {
        (self.responded > 0)
            .then(|| self.first_response_total.as_secs_f64() / self.responded as f64)
    }
}

/// Counters of one entry point or queue.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Counters {
    /// Entry points: calls that arrived. Queues: always equal to `offered`.
    pub arrived: u64,
    /// Tasks that entered a queue.
    pub offered: u64,
    pub answered: u64,
    pub abandoned: u64,
    /// Ended by the flow (closed hours, disconnect, no menu choice).
    pub disconnected: u64,
    pub within_service_level: u64,
    /// Offers that ended in RONA.
    pub rona: u64,
    pub handled: u64,
    pub wait_total: SimDuration,
    pub handle_total: SimDuration,
}

impl Counters {
    /// Within / offered, in percent.
    pub fn service_level(&self) -> Option<f64> {
        (self.offered > 0).then(|| 100.0 * self.within_service_level as f64 / self.offered as f64)
    }
    /// Within / answered, in percent.
    pub fn service_level_answered(&self) -> Option<f64> {
        (self.answered > 0).then(|| 100.0 * self.within_service_level as f64 / self.answered as f64)
    }
    /// Average speed of answer, seconds.
    pub fn asa(&self) -> Option<f64> {
        (self.answered > 0).then(|| self.wait_total.as_secs_f64() / self.answered as f64)
    }
    /// Average handle time, seconds.
    pub fn aht(&self) -> Option<f64> {
        (self.handled > 0).then(|| self.handle_total.as_secs_f64() / self.handled as f64)
    }
    /// Abandoned / offered, in percent.
    pub fn abandonment(&self) -> Option<f64> {
        (self.offered > 0).then(|| 100.0 * self.abandoned as f64 / self.offered as f64)
    }
}

/// An agent's figures.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct AgentFigures {
    pub handled: u64,
    pub rona: u64,
    pub staffed: SimDuration,
    pub busy: SimDuration,
    pub handle_total: SimDuration,
    /// Tasks held x time, over the staffed time (for the mean concurrency).
    pub task_time: SimDuration,
    /// The most tasks held at once.
    pub max_concurrent: u64,
}

impl AgentFigures {
    /// Tasks held at once, on average over the staffed time.
    pub fn concurrency(&self) -> Option<f64> {
        (self.staffed.0 > 0).then(|| self.task_time.0 as f64 / self.staffed.0 as f64)
    }

    /// Busy / staffed, in percent.
    pub fn occupancy(&self) -> Option<f64> {
        (self.staffed.0 > 0).then(|| 100.0 * self.busy.0 as f64 / self.staffed.0 as f64)
    }
}

#[derive(Clone, Debug)]
struct AgentClock {
    presence: Presence,
    /// The agent's tasks and its phase on each; with when it became engaged on it.
    work: BTreeMap<TaskId, (WorkPhase, Option<SimTime>)>,
    since: SimTime,
}

impl AgentClock {
    /// Logged in, and Available or working (Idle and RONA without work are not staffed).
    fn staffed(&self) -> bool {
        self.presence != Presence::LoggedOut
            && (self.presence == Presence::Available || !self.work.is_empty())
    }

    /// Handling at least one task (engaged or wrapping up).
    fn busy(&self) -> bool {
        self.work
            .values()
            .any(|(p, _)| matches!(p, WorkPhase::Engaged | WorkPhase::WrapUp))
    }
}

/// Collects statistics from events.
#[derive(Clone, Debug, Default)]
pub struct StatsCollector {
    tasks: BTreeMap<TaskId, TaskRec>,
    eps: BTreeMap<String, Counters>,
    queues: BTreeMap<String, Counters>,
    agents: BTreeMap<String, AgentFigures>,
    clocks: BTreeMap<String, AgentClock>,
    /// Queue name -> its member agents' ids (as configured when last seen).
    members: BTreeMap<String, Vec<String>>,
    channels: BTreeMap<Channel, ChannelFigures>,
}

impl StatsCollector {
    pub fn new() -> StatsCollector {
        StatsCollector::default()
    }

    /// Takes one event into account; `tenant` is the configuration in force when it happened.
    pub fn observe(&mut self, e: &Event, tenant: &Tenant) {
        use EventKind::*;
        match &e.kind {
            TaskCreated {
                task,
                ep,
                channel,
                kind,
                ..
            } => {
                let ep = &tenant.entry_points[ep.ix()];
                self.eps.entry(ep.name.clone()).or_default().arrived += 1;
                let digital = *channel != Channel::Voice;
                if *kind == TaskKind::Conversation {
                    self.channels.entry(*channel).or_default().started += 1;
                }
                self.tasks.insert(
                    *task,
                    TaskRec {
                        ep: ep.name.clone(),
                        ep_threshold: ep.service_level,
                        queue: None,
                        answered: None,
                        channel: *channel,
                        created: e.at,
                        awaiting_response: digital && *kind == TaskKind::Inbound,
                    },
                );
            }
            MessageSent { task, .. } => {
                if let Some(rec) = self.tasks.get_mut(task)
                    && std::mem::replace(&mut rec.awaiting_response, false)
                {
                    let c = self.channels.entry(rec.channel).or_default();
                    c.responded += 1;
                    c.first_response_total = c.first_response_total + e.at.since(rec.created);
                }
            }
            TaskQueued {
                task,
                queue,
                requeued: false,
                ..
            } => {
                let Some(rec) = self.tasks.get_mut(task) else {
                    return;
                };
                if rec.queue.is_none() {
                    let q = &tenant.queues[queue.ix()];
                    rec.queue = Some((q.name.clone(), q.service_level.unwrap_or(rec.ep_threshold)));
                    self.members.insert(
                        q.name.clone(),
                        q.members
                            .iter()
                            .map(|a| tenant.agents[a.ix()].id.clone())
                            .collect(),
                    );
                    let qc = self.queues.entry(q.name.clone()).or_default();
                    qc.offered += 1;
                    qc.arrived += 1;
                    self.eps.entry(rec.ep.clone()).or_default().offered += 1;
                    self.channels.entry(rec.channel).or_default().offered += 1;
                }
            }
            TaskAnswered { task, waited, .. } => {
                let Some(rec) = self.tasks.get_mut(task) else {
                    return;
                };
                rec.answered = Some(e.at);
                let ep = self.eps.entry(rec.ep.clone()).or_default();
                ep.answered += 1;
                ep.wait_total = ep.wait_total + *waited;
                if *waited <= rec.ep_threshold {
                    ep.within_service_level += 1;
                }
                if let Some((q, threshold)) = &rec.queue {
                    let qc = self.queues.entry(q.clone()).or_default();
                    qc.answered += 1;
                    qc.wait_total = qc.wait_total + *waited;
                    if waited <= threshold {
                        qc.within_service_level += 1;
                    }
                }
            }
            OfferEnded {
                task,
                agent,
                outcome,
            } => {
                if matches!(
                    outcome,
                    OfferOutcome::NoAnswer | OfferOutcome::Declined | OfferOutcome::DeviceFailed
                ) {
                    self.agents
                        .entry(tenant.agents[agent.ix()].id.clone())
                        .or_default()
                        .rona += 1;
                    if let Some(rec) = self.tasks.get(task) {
                        self.eps.entry(rec.ep.clone()).or_default().rona += 1;
                        if let Some((q, _)) = &rec.queue {
                            self.queues.entry(q.clone()).or_default().rona += 1;
                        }
                    }
                }
            }
            WrapUpSubmitted { task, agent, .. } => {
                // The agent's own part: from its engagement on the task to its wrap-up.
                let id = tenant.agents[agent.ix()].id.clone();
                let started = self
                    .clocks
                    .get(&id)
                    .and_then(|c| c.work.get(task))
                    .and_then(|w| w.1);
                let handle = e.at.since(started.unwrap_or(e.at));
                let a = self.agents.entry(id).or_default();
                a.handled += 1;
                a.handle_total = a.handle_total + handle;
            }
            TaskClosed { task, outcome } => {
                let Some(rec) = self.tasks.remove(task) else {
                    return;
                };
                if *outcome == TaskOutcome::Handled {
                    self.channels.entry(rec.channel).or_default().handled += 1;
                }
                if let (TaskOutcome::Handled, Some(answered)) = (outcome, rec.answered) {
                    let handle = e.at.since(answered);
                    let ep = self.eps.entry(rec.ep.clone()).or_default();
                    ep.handled += 1;
                    ep.handle_total = ep.handle_total + handle;
                    if let Some((q, _)) = &rec.queue {
                        let qc = self.queues.entry(q.clone()).or_default();
                        qc.handled += 1;
                        qc.handle_total = qc.handle_total + handle;
                    }
                }
                match outcome {
                    TaskOutcome::Abandoned { .. } => {
                        self.eps.entry(rec.ep.clone()).or_default().abandoned += 1;
                        if let Some((q, _)) = &rec.queue {
                            self.queues.entry(q.clone()).or_default().abandoned += 1;
                        }
                    }
                    TaskOutcome::Disconnected => {
                        self.eps.entry(rec.ep).or_default().disconnected += 1
                    }
                    TaskOutcome::Handled
                    | TaskOutcome::NotReached
                    | TaskOutcome::Cancelled
                    | TaskOutcome::Skipped
                    | TaskOutcome::Removed => {}
                }
            }
            AgentState { agent, to, .. } => {
                let id = tenant.agents[agent.ix()].id.clone();
                self.account(&id, e.at);
                self.clock(&id, e.at).presence = *to;
                self.agents.entry(id).or_default();
            }
            Work {
                agent, task, to, ..
            } => {
                let id = tenant.agents[agent.ix()].id.clone();
                self.account(&id, e.at);
                let clock = self.clock(&id, e.at);
                match to {
                    Some(phase) => {
                        let started = clock.work.get(task).and_then(|w| w.1);
                        let started = match (phase, started) {
                            (WorkPhase::Engaged, None) => Some(e.at),
                            (_, s) => s,
                        };
                        clock.work.insert(*task, (*phase, started));
                    }
                    None => {
                        clock.work.remove(task);
                    }
                }
            }
            _ => {}
        }
    }

    fn clock(&mut self, id: &str, at: SimTime) -> &mut AgentClock {
        self.clocks
            .entry(id.to_string())
            .or_insert_with(|| AgentClock {
                presence: Presence::LoggedOut,
                work: BTreeMap::new(),
                since: at,
            })
    }

    /// Counts the time since the agent's last change, and starts a new interval.
    fn account(&mut self, id: &str, until: SimTime) {
        if let Some(clock) = self.clocks.get_mut(id) {
            let span = until.since(clock.since);
            let (staffed, busy) = (clock.staffed(), clock.busy());
            let held = clock.work.len() as u64;
            clock.since = until;
            let a = self.agents.entry(id.to_string()).or_default();
            a.max_concurrent = a.max_concurrent.max(held);
            if staffed {
                a.staffed = a.staffed + span;
                a.task_time = SimDuration(a.task_time.0 + span.0 * held);
            }
            if busy {
                a.busy = a.busy + span;
            }
        }
    }

    /// The figures as of `end` (open agent intervals are counted up to it).
    pub fn report(&self, end: SimTime) -> Report {
        let mut me = self.clone();
        let ids: Vec<String> = me.clocks.keys().cloned().collect();
        for id in ids {
            me.account(&id, end);
        }
        let queue_occupancy = me
            .queues
            .keys()
            .map(|q| {
                let (mut busy, mut staffed) = (0u64, 0u64);
                for id in me.members.get(q).into_iter().flatten() {
                    if let Some(a) = me.agents.get(id) {
                        busy += a.busy.0;
                        staffed += a.staffed.0;
                    }
                }
                (
                    q.clone(),
                    (staffed > 0).then(|| 100.0 * busy as f64 / staffed as f64),
                )
            })
            .collect();
        Report {
            entry_points: me.eps,
            queues: me.queues,
            agents: me.agents,
            queue_occupancy,
            channels: me.channels,
        }
    }
}

/// Statistics at one instant.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Report {
    pub entry_points: BTreeMap<String, Counters>,
    pub queues: BTreeMap<String, Counters>,
    pub agents: BTreeMap<String, AgentFigures>,
    /// Occupancy of each queue's member agents, in percent.
    pub queue_occupancy: BTreeMap<String, Option<f64>>,
    pub channels: BTreeMap<Channel, ChannelFigures>,
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v:.1}%"))
}

fn secs(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v:.1}s"))
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header = format!(
            "{:<28} {:>7} {:>7} {:>8} {:>9} {:>6} {:>7} {:>8} {:>9} {:>8} {:>8}",
            "",
            "arrived",
            "offered",
            "answered",
            "abandoned",
            "RONA",
            "in SL",
            "SL",
            "SL(ans)",
            "ASA",
            "AHT"
        );
        let row = |f: &mut fmt::Formatter<'_>, name: &str, c: &Counters| {
            writeln!(
                f,
                "{:<28} {:>7} {:>7} {:>8} {:>9} {:>6} {:>7} {:>8} {:>9} {:>8} {:>8}",
                name,
                c.arrived,
                c.offered,
                c.answered,
                c.abandoned,
                c.rona,
                c.within_service_level,
                pct(c.service_level()),
                pct(c.service_level_answered()),
                secs(c.asa()),
                secs(c.aht())
            )
        };
        writeln!(f, "{header}")?;
        for (name, c) in &self.entry_points {
            row(f, &format!("entry point {name}"), c)?;
        }
        for (name, c) in &self.queues {
            row(f, &format!("queue {name}"), c)?;
        }
        writeln!(
            f,
            "{:<28} {:>7} {:>6} {:>9} {:>10}",
            "", "handled", "RONA", "AHT", "occupancy"
        )?;
        for (name, a) in &self.agents {
            let aht = (a.handled > 0).then(|| a.handle_total.as_secs_f64() / a.handled as f64);
            writeln!(
                f,
                "{:<28} {:>7} {:>6} {:>9} {:>10}",
                format!("agent {name}"),
                a.handled,
                a.rona,
                secs(aht),
                pct(a.occupancy())
            )?;
        }
        // Per channel, when more than calls were seen (FLW-04).
        if self.channels.keys().any(|c| *c != Channel::Voice) {
            writeln!(
                f,
                "{:<28} {:>7} {:>7} {:>7} {:>14}",
                "", "offered", "handled", "started", "first response"
            )?;
            for (channel, c) in &self.channels {
                writeln!(
                    f,
                    "{:<28} {:>7} {:>7} {:>7} {:>14}",
                    format!("channel {channel}"),
                    c.offered,
                    c.handled,
                    c.started,
                    secs(c.first_response())
                )?;
            }
            writeln!(f, "{:<28} {:>11} {:>14}", "", "concurrency", "most at once")?;
            for (name, a) in &self.agents {
                writeln!(
                    f,
                    "{:<28} {:>11} {:>14}",
                    format!("agent {name}"),
                    a.concurrency()
                        .map_or_else(|| "-".to_string(), |c| format!("{c:.2}")),
                    a.max_concurrent
                )?;
            }
        }
        for (name, occ) in &self.queue_occupancy {
            writeln!(
                f,
                "{:<28} {:>7} {:>6} {:>9} {:>10}",
                format!("queue {name} agents"),
                "",
                "",
                "",
                pct(*occ)
            )?;
        }
        Ok(())
    }
}
