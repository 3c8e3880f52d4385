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
//! - *handle time*: from the answer to the wrap-up's submission (talk, hold and wrap-up);
//! - *occupancy*: time Engaged or in WrapUp / time logged in and not Idle nor RONA.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::config::Tenant;
use crate::event::{AgentState, Event, EventKind, OfferOutcome, TaskOutcome};
use crate::ids::TaskId;
use crate::time::{SimDuration, SimTime};

#[derive(Clone, Debug)]
struct TaskRec {
    ep: String,
    ep_threshold: SimDuration,
    queue: Option<(String, SimDuration)>,
    answered: Option<SimTime>,
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
}

impl AgentFigures {
    /// Busy / staffed, in percent.
    pub fn occupancy(&self) -> Option<f64> {
        (self.staffed.0 > 0).then(|| 100.0 * self.busy.0 as f64 / self.staffed.0 as f64)
    }
}

#[derive(Clone, Debug)]
struct AgentClock {
    state: AgentState,
    since: SimTime,
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
}

fn staffed(s: AgentState) -> bool {
    !matches!(
        s,
        AgentState::LoggedOut | AgentState::Idle(_) | AgentState::Rona
    )
}

fn busy(s: AgentState) -> bool {
    matches!(s, AgentState::Engaged | AgentState::WrapUp)
}

impl StatsCollector {
    pub fn new() -> StatsCollector {
        StatsCollector::default()
    }

    /// Takes one event into account; `tenant` is the configuration in force when it happened.
    pub fn observe(&mut self, e: &Event, tenant: &Tenant) {
        use EventKind::*;
        match &e.kind {
            TaskCreated { task, ep, .. } => {
                let ep = &tenant.entry_points[ep.ix()];
                self.eps.entry(ep.name.clone()).or_default().arrived += 1;
                self.tasks.insert(
                    *task,
                    TaskRec {
                        ep: ep.name.clone(),
                        ep_threshold: ep.service_level,
                        queue: None,
                        answered: None,
                    },
                );
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
                let Some(rec) = self.tasks.get(task) else {
                    return;
                };
                let handle = e.at.since(rec.answered.unwrap_or(e.at));
                let a = self
                    .agents
                    .entry(tenant.agents[agent.ix()].id.clone())
                    .or_default();
                a.handled += 1;
                a.handle_total = a.handle_total + handle;
                let ep = self.eps.entry(rec.ep.clone()).or_default();
                ep.handled += 1;
                ep.handle_total = ep.handle_total + handle;
                if let Some((q, _)) = &rec.queue {
                    let qc = self.queues.entry(q.clone()).or_default();
                    qc.handled += 1;
                    qc.handle_total = qc.handle_total + handle;
                }
            }
            TaskClosed { task, outcome } => {
                let Some(rec) = self.tasks.remove(task) else {
                    return;
                };
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
                    TaskOutcome::Handled => {}
                }
            }
            AgentState { agent, to, .. } => {
                let id = tenant.agents[agent.ix()].id.clone();
                self.account(&id, e.at);
                self.clocks.insert(
                    id.clone(),
                    AgentClock {
                        state: *to,
                        since: e.at,
                    },
                );
                self.agents.entry(id).or_default();
            }
            _ => {}
        }
    }

    fn account(&mut self, id: &str, until: SimTime) {
        if let Some(clock) = self.clocks.get(id) {
            let span = until.since(clock.since);
            let a = self.agents.entry(id.to_string()).or_default();
            if staffed(clock.state) {
                a.staffed = a.staffed + span;
            }
            if busy(clock.state) {
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
            if let Some(c) = me.clocks.get_mut(&id) {
                c.since = end;
            }
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
