//! Invariants of the engine's state, checked by the simulator after every step
//! (and by seed sweeps): every live task in exactly one place, no agent with two
//! voice offers, every offer with an armed deadline (so every offer ends), ready
//! sets that match the agents' states, every timer owned by a live entity, and
//! dense queue positions. A violation names the invariant and what broke it.

use std::collections::BTreeMap;
use std::fmt;

use crate::ids::*;

use super::Engine;
use super::agents::{Phase, Presence};
use super::flow::FlowWait;
use super::tasks::Stage;
use super::timers::TimerKind;

/// A broken invariant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The invariant's name.
    pub invariant: &'static str,
    /// What breaks it.
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invariant \"{}\" broken: {}",
            self.invariant, self.detail
        )
    }
}

fn fail(invariant: &'static str, detail: String) -> Result<(), Violation> {
    Err(Violation { invariant, detail })
}

impl Engine {
    /// Checks every invariant of the current state.
    pub fn audit(&self) -> Result<(), Violation> {
        self.audit_tasks()?;
        self.audit_agents()?;
        self.audit_timers()?;
        self.audit_queues()
    }

    fn audit_tasks(&self) -> Result<(), Violation> {
        const PLACE: &str = "a task is in exactly one place";
        let mut in_queues: BTreeMap<TaskId, usize> = BTreeMap::new();
        for (qi, q) in self.queues.iter().enumerate() {
            for (&key, &task) in &q.waiting {
                *in_queues.entry(task).or_default() += 1;
                match self.tasks.get(&task) {
                    None => {
                        return fail(
                            PLACE,
                            format!("queue {qi} holds {task}, which is not live (lost)"),
                        );
                    }
                    Some(t)
                        if t.stage != Stage::Queued
                            || t.queue != Some(QueueIdx(qi as u32))
                            || t.key != key =>
                    {
                        return fail(
                            PLACE,
                            format!(
                                "queue {qi} holds {task}, which is {} elsewhere",
                                t.stage.name()
                            ),
                        );
                    }
                    Some(_) => {}
                }
            }
        }
        for (id, t) in self.tasks.iter() {
            let queued = in_queues.get(&id).copied().unwrap_or(0);
            let expected = usize::from(t.stage == Stage::Queued);
            if queued != expected {
                return fail(
                    PLACE,
                    format!("{id} is {} but sits in {queued} queue(s)", t.stage.name()),
                );
            }
            let holders: Vec<usize> = self
                .agents
                .iter()
                .enumerate()
                .filter(|(_, a)| a.voice.is_some_and(|w| w.task == id))
                .map(|(i, _)| i)
                .collect();
            let phase_ok = |phases: &[Phase]| -> bool {
                holders.len() == 1
                    && t.agent == Some(AgentIdx(holders[0] as u32))
                    && self.agents[holders[0]]
                        .voice
                        .is_some_and(|w| phases.contains(&w.phase))
            };
            let ok = match t.stage {
                Stage::Flow(_) | Stage::Queued => holders.is_empty(),
                Stage::Offered => phase_ok(&[Phase::Connecting, Phase::Ringing]),
                Stage::Connected => phase_ok(&[Phase::Engaged]),
                Stage::WrapUp => phase_ok(&[Phase::WrapUp]),
            };
            if !ok {
                return fail(
                    PLACE,
                    format!(
                        "{id} is {} but is held by agent(s) {holders:?} (task names {:?})",
                        t.stage.name(),
                        t.agent
                    ),
                );
            }
            let call_ok = match t.stage {
                Stage::WrapUp => self.calls.get(&t.call) != Some(&id),
                _ => self.calls.get(&t.call) == Some(&id),
            };
            if !call_ok {
                return fail(PLACE, format!("{id} and its {} disagree", t.call));
            }
            if let Stage::Flow(FlowWait::Running) = t.stage {
                return fail(
                    PLACE,
                    format!("{id} was left running its flow between inputs"),
                );
            }
        }
        for (call, task) in self.calls.iter() {
            if !self.tasks.contains_key(task) {
                return fail(
                    PLACE,
                    format!("{call} points at {task}, which is not live (lost)"),
                );
            }
        }
        Ok(())
    }

    fn audit_agents(&self) -> Result<(), Violation> {
        for (i, a) in self.agents.iter().enumerate() {
            let agent = AgentIdx(i as u32);
            let offers = self
                .tasks
                .values()
                .filter(|t| t.stage == Stage::Offered && t.agent == Some(agent))
                .count();
            if offers > 1 {
                return fail(
                    "no agent has two voice offers",
                    format!("agent {i} has {offers} voice offers"),
                );
            }
            if a.presence == Presence::LoggedOut && (a.voice.is_some() || a.ready) {
                return fail(
                    "a logged-out agent holds nothing",
                    format!("agent {i} is logged out but holds work"),
                );
            }
            if a.offer_showing() {
                let armed = a.timer.is_some_and(|k| self.timers.contains(&k));
                if !armed {
                    return fail(
                        "every offer ends",
                        format!("agent {i}'s offer has no RONA deadline armed"),
                    );
                }
            }
            if a.ready != self.routable_now(agent) {
                return fail(
                    "ready agents are exactly the routable ones",
                    format!("agent {i} ready={} disagrees with its state", a.ready),
                );
            }
            let tenant = &self.tenant;
            for m in &tenant.agents[i].queues {
                let key = (self.ready_key(agent, m.queue, m.rank), agent);
                if self.queues[m.queue.ix()].ready.contains(&key) != a.ready {
                    return fail(
                        "ready agents are exactly the routable ones",
                        format!("agent {i} and queue {}'s ready set disagree", m.queue.0),
                    );
                }
            }
        }
        let ready_total: usize = self.queues.iter().map(|q| q.ready.len()).sum();
        let expected: usize = self
            .agents
            .iter()
            .enumerate()
            .filter(|(_, a)| a.ready)
            .map(|(i, _)| self.tenant.agents[i].queues.len())
            .sum();
        if ready_total != expected {
            return fail(
                "ready agents are exactly the routable ones",
                format!("ready sets hold {ready_total} entries, {expected} expected"),
            );
        }
        Ok(())
    }

    pub(crate) fn routable_now(&self, agent: AgentIdx) -> bool {
        let a = &self.agents[agent.ix()];
        a.presence == Presence::Available
            && a.voice.is_none()
            && !a.off_hook
            && self.tenant.profile_of(agent).voice > 0
    }

    fn audit_timers(&self) -> Result<(), Violation> {
        const OWNED: &str = "every timer belongs to a live entity";
        for (key, kind) in self.timers.iter() {
            let ok = match *kind {
                TimerKind::Rona { agent, task } => self.agents.get(agent.ix()).is_some_and(|a| {
                    a.timer == Some(*key) && a.offer_showing() && a.voice.is_some_and(|w| w.task == task)
                }),
                TimerKind::AutoWrapUp { agent, task } => self.agents.get(agent.ix()).is_some_and(|a| {
                    a.timer == Some(*key) && a.voice == Some(super::agents::VoiceWork { task, phase: Phase::WrapUp })
                }),
                TimerKind::MenuTimeout { task } => self.tasks.get(&task).is_some_and(|t| {
                    matches!(t.stage, Stage::Flow(FlowWait::Menu { timer: Some(k), .. }) if k == *key)
                }),
            };
            if !ok {
                return fail(
                    OWNED,
                    format!("timer at {} ({kind:?}) has no live owner", key.0),
                );
            }
            if key.0 < self.now {
                return fail(
                    "time never goes back",
                    format!("timer at {} is overdue at {}", key.0, self.now),
                );
            }
        }
        Ok(())
    }

    /// Positions seen from the tasks (each task that believes it waits in a queue)
    /// must be exactly 1..=n for that queue: no gap, no duplicate, none missing.
    fn audit_queues(&self) -> Result<(), Violation> {
        const DENSE: &str = "queue positions are dense";
        let counted = self.count_staffed();
        for (qi, q) in self.queues.iter().enumerate() {
            if q.staffed != counted[qi] {
                return fail(
                    "queue counters match the agents",
                    format!(
                        "queue {qi} counts {} staffed agents, {} are",
                        q.staffed, counted[qi]
                    ),
                );
            }
        }

        let mut seen: Vec<Vec<u32>> = vec![Vec::new(); self.queues.len()];
        for t in self.tasks.values() {
            if let (Stage::Queued, Some(q)) = (t.stage, t.queue) {
                seen[q.ix()].push(self.position(q, t.key));
            }
        }
        for (qi, mut positions) in seen.into_iter().enumerate() {
            positions.sort_unstable();
            let dense = positions
                .iter()
                .enumerate()
                .all(|(n, &p)| p as usize == n + 1);
            if !dense || positions.len() != self.queues[qi].waiting.len() {
                return fail(
                    DENSE,
                    format!(
                        "queue {qi} has positions {positions:?} for {} waiting task(s)",
                        self.queues[qi].waiting.len()
                    ),
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::input::{AgentAction, Input};
    use crate::{EngineOptions, SimTime, Tenant};

    const CONFIG: &str = include_str!("../../tests/fixtures/small_tenant.toml");

    /// An engine with a1 ringing for call 1 and call 2 waiting.
    fn busy_engine() -> Engine {
        let tenant = Arc::new(Tenant::from_toml(CONFIG).expect("valid"));
        let mut e = Engine::new(tenant, EngineOptions::default());
        let login = Input::Agent {
            agent: AgentIdx(0),
            action: AgentAction::Login,
        };
        e.handle(SimTime(0), login).expect("login");
        for call in [1, 2] {
            let arrive = Input::CallArrived {
                call: CallId(call),
                from: "1".into(),
                to: "+18005550100".into(),
            };
            e.handle(SimTime(call), arrive).expect("arrival");
        }
        while e.poll_output().is_some() {}
        e.audit().expect("a healthy engine");
        e
    }

    fn broken(e: &Engine) -> &'static str {
        e.audit()
            .expect_err("the corruption must be caught")
            .invariant
    }

    #[test]
    fn a_task_lost_from_its_queue_is_caught() {
        let mut e = busy_engine();
        e.queues[0].waiting.clear();
        assert_eq!(broken(&e), "a task is in exactly one place");
    }

    #[test]
    fn a_task_in_two_places_is_caught() {
        let mut e = busy_engine();
        e.queues[0].waiting.insert((9, 999), TaskId(1));
        assert_eq!(broken(&e), "a task is in exactly one place");
    }

    #[test]
    fn a_second_voice_offer_is_caught() {
        let mut e = busy_engine();
        let t2 = e.tasks.get_mut(&TaskId(2)).expect("task 2");
        t2.stage = Stage::Offered;
        t2.agent = Some(AgentIdx(0));
        e.queues[0].waiting.clear();
        let caught = broken(&e);
        assert!(
            caught == "no agent has two voice offers" || caught == "a task is in exactly one place",
            "{caught}"
        );
    }

    #[test]
    fn an_offer_without_its_deadline_is_caught() {
        let mut e = busy_engine();
        let key = e.agents[0].timer.take().expect("the RONA timer");
        e.timers.cancel(key);
        assert_eq!(broken(&e), "every offer ends");
    }

    #[test]
    fn an_orphan_timer_is_caught() {
        let mut e = busy_engine();
        e.timers
            .set(SimTime(50), TimerKind::MenuTimeout { task: TaskId(77) });
        assert_eq!(broken(&e), "every timer belongs to a live entity");
    }

    #[test]
    fn a_ready_set_out_of_step_is_caught() {
        let mut e = busy_engine();
        e.queues[0].ready.insert((0, AgentIdx(1)));
        assert_eq!(broken(&e), "ready agents are exactly the routable ones");
    }

    #[test]
    fn wrong_staffed_counts_are_caught() {
        let mut e = busy_engine();
        e.queues[0].staffed += 1;
        assert_eq!(broken(&e), "queue counters match the agents");
    }

    #[test]
    fn a_gap_in_queue_positions_is_caught() {
        let mut e = busy_engine();
        // Task 2 believes it waits in the queue, which holds another key instead.
        let key = e.tasks[&TaskId(2)].key;
        let task = e.queues[0].waiting.remove(&key).expect("waiting");
        e.queues[0].waiting.insert((key.0, key.1 + 1), task);
        let caught = broken(&e);
        assert!(
            caught == "a task is in exactly one place" || caught == "queue positions are dense",
            "{caught}"
        );
    }
}
