//! Recounts the engine's live counters ([`Tally`]) from its event log alone, so
//! that the runner can check after every step that the statistics the event
//! log implies equal the counters the engine keeps on its own code paths.
//!
//! The definitions mirror core/src/engine/tally.rs, in terms of events: a task
//! *entered* a queue with each `TaskQueued` that is not a return, *returned*
//! with each that is; it was *answered* from the queue of its last `TaskQueued`
//! when its `TaskAnswered` came; it was *abandoned* there when it closed
//! abandoned having been queued and never answered.

use std::collections::BTreeMap;

use switchboard_core::config::Tenant;
use switchboard_core::engine::tally::{AgentTally, QueueTally, Tally};
use switchboard_core::event::{Event, EventKind, TaskOutcome};
use switchboard_core::ids::TaskId;

#[derive(Clone, Debug, Default)]
struct TaskSeen {
    /// The queue of its last `TaskQueued`, by name.
    queue: Option<String>,
    answered: bool,
}

/// The counters, recounted from events.
#[derive(Clone, Debug, Default)]
pub struct Recount {
    tally: Tally,
    tasks: BTreeMap<TaskId, TaskSeen>,
}

impl Recount {
    pub fn new() -> Recount {
        Recount::default()
    }

    /// Takes one event into account; `tenant` is the configuration in force when it happened.
    pub fn observe(&mut self, e: &Event, tenant: &Tenant) {
        let queue_name = |q: switchboard_core::ids::QueueIdx| {
            tenant
                .queues
                .get(q.ix())
                .map_or_else(|| format!("#{}", q.0), |q| q.name.clone())
        };
        let agent_id = |a: switchboard_core::ids::AgentIdx| {
            tenant
                .agents
                .get(a.ix())
                .map_or_else(|| format!("#{}", a.0), |a| a.id.clone())
        };
        match &e.kind {
            EventKind::TaskCreated { task, .. } => {
                self.tally.tasks.created += 1;
                self.tasks.insert(*task, TaskSeen::default());
            }
            EventKind::TaskQueued {
                task,
                queue,
                requeued,
                ..
            } => {
                let name = queue_name(*queue);
                let q = self.queue(&name);
                if *requeued {
                    q.returned += 1;
                } else {
                    q.entered += 1;
                }
                if let Some(t) = self.tasks.get_mut(task) {
                    t.queue = Some(name);
                }
            }
            EventKind::TaskAnswered { task, .. } => {
                let Some(t) = self.tasks.get_mut(task) else {
                    return;
                };
                t.answered = true;
                if let Some(name) = t.queue.clone() {
                    self.queue(&name).answered += 1;
                }
            }
            EventKind::TaskClosed { task, outcome } => {
                self.tally.tasks.close(*outcome);
                let Some(t) = self.tasks.remove(task) else {
                    return;
                };
                if let (TaskOutcome::Abandoned { .. }, Some(name), false) =
                    (outcome, t.queue, t.answered)
                {
                    self.queue(&name).abandoned += 1;
                }
            }
            EventKind::OfferEnded { agent, outcome, .. } => {
                self.agent(&agent_id(*agent)).offer_ended(*outcome);
            }
            EventKind::WrapUpSubmitted { agent, .. } => {
                self.agent(&agent_id(*agent)).handled += 1;
            }
            EventKind::ConfigApplied => {
                // Queues and agents that left the configuration take their counters with them.
                let queues: Vec<&str> = tenant.queues.iter().map(|q| q.name.as_str()).collect();
                let agents: Vec<&str> = tenant.agents.iter().map(|a| a.id.as_str()).collect();
                self.tally
                    .queues
                    .retain(|q, _| queues.contains(&q.as_str()));
                self.tally
                    .agents
                    .retain(|a, _| agents.contains(&a.as_str()));
            }
            _ => {}
        }
    }

    fn queue(&mut self, name: &str) -> &mut QueueTally {
        self.tally.queues.entry(name.to_string()).or_default()
    }

    fn agent(&mut self, id: &str) -> &mut AgentTally {
        self.tally.agents.entry(id.to_string()).or_default()
    }

    /// The first difference between the recount and the engine's counters, in one
    /// sentence; `None` when they agree. Queues and agents the recount never saw
    /// count as all zero.
    pub fn differs(&self, engine: &Tally) -> Option<String> {
        if self.tally.tasks != engine.tasks {
            return Some(format!(
                "tasks: the event log gives {:?}, the engine counts {:?}",
                self.tally.tasks, engine.tasks
            ));
        }
        let zero_q = QueueTally::default();
        for (name, counted) in &engine.queues {
            let seen = self.tally.queues.get(name).unwrap_or(&zero_q);
            if seen != counted {
                return Some(format!(
                    "queue \"{name}\": the event log gives {seen:?}, the engine counts {counted:?}"
                ));
            }
        }
        let zero_a = AgentTally::default();
        for (id, counted) in &engine.agents {
            let seen = self.tally.agents.get(id).unwrap_or(&zero_a);
            if seen != counted {
                return Some(format!(
                    "agent \"{id}\": the event log gives {seen:?}, the engine counts {counted:?}"
                ));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use switchboard_core::input::{AgentAction, Input, PhoneEvent};
    use switchboard_core::output::Output;
    use switchboard_core::time::SimDuration;
    use switchboard_core::{Engine, EngineOptions, SimTime, Tenant};

    use super::*;
    use switchboard_core::ids::{AgentIdx, CallId};

    const CONFIG: &str = include_str!("../../core/tests/fixtures/small_tenant.toml");

    /// a1 logs in; call 1 rings it out (RONA, back to the queue), call 2 hangs up
    /// waiting, then a1 comes back and answers call 1: every queue counter moves.
    fn run() -> (Engine, Vec<Event>) {
        let tenant = Arc::new(Tenant::from_toml(CONFIG).expect("valid"));
        let mut e = Engine::new(tenant, EngineOptions::default());
        let mut events = Vec::new();
        let mut drain = |e: &mut Engine| {
            while let Some(o) = e.poll_output() {
                if let Output::Event(ev) = o {
                    events.push(ev);
                }
            }
        };
        let a1 = |action| Input::Agent {
            agent: AgentIdx(0),
            action,
        };
        e.handle(SimTime(0), a1(AgentAction::Login)).expect("login");
        for call in [1, 2] {
            let arrive = Input::CallArrived {
                call: CallId(call),
                from: "1".into(),
                to: "+18005550100".into(),
            };
            e.handle(SimTime::ZERO + SimDuration::from_secs(call), arrive)
                .expect("arrival");
        }
        drain(&mut e);
        let deadline = e.poll_timeout().expect("the RONA deadline");
        e.handle_timeout(deadline);
        drain(&mut e);
        let hang_up = Input::CustomerHungUp { call: CallId(2) };
        e.handle(deadline, hang_up).expect("hang up");
        drain(&mut e);
        e.handle(deadline, a1(AgentAction::SetAvailable))
            .expect("available");
        drain(&mut e);
        for event in [PhoneEvent::Ringing, PhoneEvent::Answered] {
            let phone = Input::Phone {
                agent: AgentIdx(0),
                event,
            };
            e.handle(deadline, phone).expect("answer");
        }
        drain(&mut e);
        (e, events)
    }

    #[test]
    fn the_recount_of_the_event_log_equals_the_engine_counters() {
        let (e, events) = run();
        let tenant = e.tenant().clone();
        let mut recount = Recount::new();
        for ev in &events {
            recount.observe(ev, &tenant);
        }
        let tally = e.tally();
        assert_eq!(recount.differs(&tally), None);
        let q = tally.queues["q"];
        assert_eq!(
            (q.entered, q.returned, q.answered, q.abandoned),
            (2, 1, 1, 1),
            "{q:?}"
        );
        assert_eq!(tally.agents["a1"].failed, 1);
        assert_eq!(tally.tasks.abandoned, 1);
    }

    #[test]
    fn a_missing_event_is_a_difference() {
        let (e, events) = run();
        let tenant = e.tenant().clone();
        let counted = |ev: &Event| {
            matches!(
                ev.kind,
                EventKind::TaskCreated { .. }
                    | EventKind::TaskQueued { .. }
                    | EventKind::TaskAnswered { .. }
                    | EventKind::TaskClosed { .. }
                    | EventKind::OfferEnded { .. }
            )
        };
        for skip in (0..events.len()).filter(|&i| counted(&events[i])) {
            let mut recount = Recount::new();
            for (i, ev) in events.iter().enumerate() {
                if i != skip {
                    recount.observe(ev, &tenant);
                }
            }
            assert!(
                recount.differs(&e.tally()).is_some(),
                "dropping {:?} went unnoticed",
                events[skip]
            );
        }
    }
}
