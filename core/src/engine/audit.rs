//! Invariants of the engine's state, checked by the simulator after every step
//! (and by seed sweeps): every live task in exactly one place with the agents its
//! stage implies, at most one voice task per agent, every offer with an armed
//! deadline (so every offer ends), ready sets that match the agents' states per
//! channel, every timer, dialled leg and pending dial owned by a live task, dense
//! queue positions and right staffed counts, no agent above its profile's
//! capacity and no more dialled calls than the concurrent call limit. A
//! violation names the invariant and what broke it.

use std::collections::BTreeMap;
use std::fmt;

use crate::event::{Presence, Role, WorkPhase};
use crate::ids::*;
use crate::legs::{Channel, Leg};

use super::Engine;
use super::flow::FlowWait;
use super::tasks::{Recording, Stage};
use super::timers::TimerKind;
use crate::output::RequestKind;
use crate::time::SimTime;

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

const PLACE: &str = "a task is in exactly one place";

impl Engine {
    /// Checks every invariant of the current state.
    pub fn audit(&self) -> Result<(), Violation> {
        self.audit_queues_entries()?;
        self.audit_tasks()?;
        self.audit_agents()?;
        self.audit_capacity()?;
        self.audit_legs()?;
        self.audit_timers()?;
        self.audit_queues()?;
        self.audit_conversations()
    }

    /// Every open conversation is a live digital task's, and every thread and
    /// Message-ID points at an open conversation with that address (OUT-04, OUT-08).
    fn audit_conversations(&self) -> Result<(), Violation> {
        const OPEN: &str = "open conversations are live digital tasks, threaded once";
        let c = &self.conversations;
        for (task, conv) in &c.open {
            match self.tasks.get(task) {
                Some(t) if t.channel != Channel::Voice && t.stage != Stage::Ended => {}
                _ => {
                    return fail(
                        OPEN,
                        format!("conversation of {task} is open but its task is not"),
                    );
                }
            }
            if c.threads
                .get(&(conv.ep, conv.address.clone(), conv.subject.clone()))
                != Some(task)
            {
                return fail(
                    OPEN,
                    format!("conversation of {task} is not in the thread index"),
                );
            }
        }
        for ((ep, address, _), task) in &c.threads {
            if c.open
                .get(task)
                .is_none_or(|conv| conv.ep != *ep || conv.address != *address)
            {
                return fail(
                    OPEN,
                    format!("thread of {address} points at {task}, which is not its conversation"),
                );
            }
        }
        if c.threads.len() != c.open.len() {
            return fail(
                OPEN,
                format!(
                    "{} threads for {} open conversations",
                    c.threads.len(),
                    c.open.len()
                ),
            );
        }
        for (id, task) in &c.email_ids {
            if !c.open.contains_key(task) {
                return fail(
                    OPEN,
                    format!("Message-ID {id} points at {task}, whose conversation is closed"),
                );
            }
        }
        for (task, t) in self.tasks.iter() {
            if t.channel != Channel::Voice && t.stage != Stage::Ended && !c.open.contains_key(&task)
            {
                return fail(
                    OPEN,
                    format!("{task} is a live digital task without its conversation"),
                );
            }
        }
        Ok(())
    }

    fn audit_queues_entries(&self) -> Result<(), Violation> {
        let mut tasks_seen: BTreeMap<TaskId, usize> = BTreeMap::new();
        let mut consults_seen: BTreeMap<TaskId, usize> = BTreeMap::new();
        for (qi, q) in self.queues.iter().enumerate() {
            for channel in Channel::ALL {
                for (&key, entry) in &q.waiting[channel.ix()] {
                    let task = entry.task;
                    let Some(t) = self.tasks.get(&task) else {
                        return fail(
                            PLACE,
                            format!("queue {qi} holds {task}, which is not live (lost)"),
                        );
                    };
                    let queue = Some(QueueIdx(qi as u32));
                    let ok = if entry.consult {
                        *consults_seen.entry(task).or_default() += 1;
                        channel == Channel::Voice
                            && t.consult.as_ref().is_some_and(|c| {
                                c.queued == queue && c.key == key && c.offered_to.is_none()
                            })
                    } else {
                        *tasks_seen.entry(task).or_default() += 1;
                        t.stage == Stage::Queued
                            && t.queue == queue
                            && t.key == key
                            && t.channel == channel
                    };
                    if !ok {
                        let what = if entry.consult {
                            "a consult request of"
                        } else {
                            ""
                        };
                        return fail(
                            PLACE,
                            format!(
                                "queue {qi} holds {what} {task}, which is {} elsewhere",
                                t.stage.name()
                            ),
                        );
                    }
                }
            }
        }
        for (id, t) in self.tasks.iter() {
            let queued = tasks_seen.get(&id).copied().unwrap_or(0);
            if queued != usize::from(t.stage == Stage::Queued) {
                return fail(
                    PLACE,
                    format!("{id} is {} but sits in {queued} queue(s)", t.stage.name()),
                );
            }
            let consult_queued = t.consult.as_ref().is_some_and(|c| c.queued.is_some());
            if consults_seen.get(&id).copied().unwrap_or(0) != usize::from(consult_queued) {
                return fail(
                    PLACE,
                    format!("{id}'s consult request is not in its queue exactly once"),
                );
            }
        }
        Ok(())
    }

    fn audit_tasks(&self) -> Result<(), Violation> {
        let mut workers: BTreeMap<TaskId, Vec<(AgentIdx, Role, WorkPhase)>> = BTreeMap::new();
        for (i, a) in self.agents.iter().enumerate() {
            for w in &a.work {
                workers
                    .entry(w.task)
                    .or_default()
                    .push((AgentIdx(i as u32), w.role, w.phase));
            }
        }
        for (task, list) in &workers {
            if !self.tasks.contains_key(task) {
                return fail(
                    PLACE,
                    format!("agents {list:?} work on {task}, which is not live (lost)"),
                );
            }
        }
        for (id, t) in self.tasks.iter() {
            let list = workers.remove(&id).unwrap_or_default();
            if list.len() != t.workers as usize {
                return fail(
                    PLACE,
                    format!(
                        "{id} counts {} workers but {} agents work on it",
                        t.workers,
                        list.len()
                    ),
                );
            }
            let offer = |p: WorkPhase| matches!(p, WorkPhase::Connecting | WorkPhase::Ringing);
            let mut expected: BTreeMap<AgentIdx, (Role, &str)> = BTreeMap::new();
            match t.stage {
                Stage::Flow(FlowWait::Running) => {
                    return fail(
                        PLACE,
                        format!("{id} was left running its flow between inputs"),
                    );
                }
                Stage::Flow(_) | Stage::Queued | Stage::Ended => {}
                Stage::Offered => {
                    if let Some(a) = t.owner {
                        expected.insert(a, (Role::Owner, "offer"));
                    } else if t.transfer_dial.is_none() {
                        return fail(PLACE, format!("{id} is offered to nobody"));
                    }
                }
                Stage::Preview => match t.owner {
                    Some(a) if t.campaign.is_some() => {
                        expected.insert(a, (Role::Owner, "engaged"));
                    }
                    _ => {
                        return fail(
                            PLACE,
                            format!("{id} shows a preview without its agent and contact"),
                        );
                    }
                },
                Stage::Dialing | Stage::Connected => match (t.owner, t.external_owner) {
                    (Some(a), None) => {
                        expected.insert(a, (Role::Owner, "engaged"));
                    }
                    (None, Some(_)) if t.stage == Stage::Connected => {}
                    _ => {
                        return fail(
                            PLACE,
                            format!("{id} is {} without exactly one owner", t.stage.name()),
                        );
                    }
                },
            }
            if let Some(a2) = self.conversations.open.get(&id).and_then(|c| c.transfer_to) {
                expected.insert(a2, (Role::Owner, "offer"));
            }
            if let Some(c) = &t.consult {
                if t.stage != Stage::Connected || t.owner.is_none() {
                    return fail(
                        PLACE,
                        format!("{id} has a consult but no agent owns the call"),
                    );
                }
                if let Some(a2) = c.offered_to {
                    expected.insert(a2, (Role::Consulted, "offer"));
                }
                if let Some(Leg::Agent(a2)) = c.party {
                    expected.insert(a2, (Role::Consulted, "engaged"));
                }
                let pending = [
                    c.offered_to.is_some(),
                    c.queued.is_some(),
                    c.dial.is_some(),
                    c.party.is_some(),
                ];
                if pending.iter().filter(|p| **p).count() != 1 {
                    return fail(
                        PLACE,
                        format!(
                            "{id}'s consult is in {pending:?} places (offered, queued, dialling, joined)"
                        ),
                    );
                }
            }
            for (agent, role, phase) in &list {
                let ok = match expected.remove(agent) {
                    Some((r, "offer")) => r == *role && offer(*phase),
                    Some((r, _)) => r == *role && *phase == WorkPhase::Engaged,
                    None => *phase == WorkPhase::WrapUp,
                };
                if !ok {
                    return fail(
                        PLACE,
                        format!(
                            "{id} is {} but agent {} holds it as {role:?} in {phase:?}",
                            t.stage.name(),
                            agent.0
                        ),
                    );
                }
            }
            if let Some((agent, _)) = expected.into_iter().next() {
                return fail(
                    PLACE,
                    format!(
                        "{id} is {} but agent {} does not hold it",
                        t.stage.name(),
                        agent.0
                    ),
                );
            }
            if let Leg::Customer(call) = t.customer {
                let mapped = self.calls.get(&call) == Some(&id);
                if mapped != t.customer_live {
                    return fail(PLACE, format!("{id} and its {call} disagree"));
                }
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
            let voice = a
                .work
                .iter()
                .filter(|w| w.channel == Channel::Voice)
                .count();
            if voice > 1 {
                return fail(
                    "no agent has two voice offers",
                    format!("agent {i} holds {voice} voice tasks"),
                );
            }
            if a.presence == Presence::LoggedOut
                && (!a.work.is_empty() || a.ready.iter().any(|r| *r))
            {
                return fail(
                    "a logged-out agent holds nothing",
                    format!("agent {i} is logged out but holds work"),
                );
            }
            if a.connected
                && (a.presence == Presence::LoggedOut
                    || !self.tenant.agents[i].persistent_connection)
            {
                return fail(
                    "a persistent connection is a logged-in agent's whose softphone keeps one",
                    format!(
                        "agent {i}'s persistent connection is up against its state or configuration"
                    ),
                );
            }
            for w in &a.work {
                if matches!(w.phase, WorkPhase::Connecting | WorkPhase::Ringing) {
                    let armed = w.timer.is_some_and(|k| {
                        self.timers.get(&k)
                            == Some(&TimerKind::Rona {
                                agent,
                                task: w.task,
                            })
                    });
                    if !armed {
                        return fail(
                            "every offer ends",
                            format!("agent {i}'s offer of {} has no RONA deadline armed", w.task),
                        );
                    }
                }
            }
            for channel in Channel::ALL {
                let ready = a.ready[channel.ix()];
                if ready != self.routable(agent, channel) {
                    return fail(
                        "ready agents are exactly the routable ones",
                        format!("agent {i} ready={ready} for {channel} disagrees with its state"),
                    );
                }
                for m in &self.tenant.agents[i].queues {
                    let key = (self.ready_key(agent, channel, m.queue, m.rank), agent);
                    if self.queues[m.queue.ix()].ready[channel.ix()].contains(&key) != ready {
                        return fail(
                            "ready agents are exactly the routable ones",
                            format!(
                                "agent {i} and queue {}'s {channel} ready set disagree",
                                m.queue.0
                            ),
                        );
                    }
                }
            }
        }
        for channel in Channel::ALL {
            let total: usize = self
                .queues
                .iter()
                .map(|q| q.ready[channel.ix()].len())
                .sum();
            let expected: usize = self
                .agents
                .iter()
                .enumerate()
                .filter(|(_, a)| a.ready[channel.ix()])
                .map(|(i, _)| self.tenant.agents[i].queues.len())
                .sum();
            if total != expected {
                return fail(
                    "ready agents are exactly the routable ones",
                    format!("{channel} ready sets hold {total} entries, {expected} expected"),
                );
            }
        }
        Ok(())
    }

    /// No agent holds more tasks of a channel, or more conversations it started,
    /// than its profile allows (AGT-14, OUT-05); no more calls are dialled than the
    /// tenant's concurrent call limit (VOI-20). A configuration change that lowers
    /// a cap or the limit takes nothing away: what was taken on before it may stay
    /// above the new figure, but nothing new may be added while above it.
    fn audit_capacity(&self) -> Result<(), Violation> {
        let before_change = |since: SimTime| self.reconfigured.is_some_and(|(at, _)| since <= at);
        for (i, a) in self.agents.iter().enumerate() {
            let p = self.tenant.profile_of(AgentIdx(i as u32));
            for channel in Channel::ALL {
                let cap = match channel {
                    Channel::Voice => p.voice.min(1),
                    Channel::Chat => p.chat,
                    Channel::Email => p.email,
                    Channel::Social => p.social,
                };
                let held = a.work.iter().filter(|w| w.channel == channel);
                if held.clone().count() > cap as usize
                    && !held.clone().all(|w| before_change(w.since))
                {
                    return fail(
                        "agent capacity per profile never exceeded",
                        format!(
                            "agent {i} holds {} {channel} tasks, its profile allows {cap}",
                            held.count()
                        ),
                    );
                }
            }
            let started = a
                .work
                .iter()
                .filter(|w| w.request == RequestKind::Conversation);
            if started.clone().count() > p.outbound as usize
                && !started.clone().all(|w| before_change(w.since))
            {
                return fail(
                    "agent capacity per profile never exceeded",
                    format!(
                        "agent {i} holds {} conversations it started, its profile allows {}",
                        started.count(),
                        p.outbound
                    ),
                );
            }
        }
        let limit = self.tenant.concurrent_call_limit as usize;
        let all_before_change = self
            .legs
            .keys()
            .all(|l| self.reconfigured.is_some_and(|(_, last)| l.0 <= last));
        if self.legs.len() > limit && !all_before_change {
            return fail(
                "concurrent call limit never exceeded",
                format!(
                    "{} dialled calls are live, the limit is {limit}",
                    self.legs.len()
                ),
            );
        }
        Ok(())
    }

    /// Every dialled leg and pending dial belongs to a live task that refers to it.
    fn audit_legs(&self) -> Result<(), Violation> {
        const OWNED: &str = "every dialled leg belongs to a live task";
        for (leg, task) in &self.legs {
            let Some(t) = self.tasks.get(task) else {
                return fail(OWNED, format!("{leg} points at {task}, which is not live"));
            };
            let c = t.consult.as_ref();
            let refers = (t.customer == Leg::External(*leg) && t.customer_live)
                || t.external_owner == Some(*leg)
                || t.transfer_dial == Some(*leg)
                || c.is_some_and(|c| {
                    c.party == Some(Leg::External(*leg)) || c.dial.is_some_and(|d| d.1 == *leg)
                });
            if !refers {
                return fail(OWNED, format!("{leg} of {task} is not used by it"));
            }
        }
        for (request, (task, leg)) in &self.dials {
            if self.legs.get(leg) != Some(task) {
                return fail(OWNED, format!("dial {request} of {task} has no live {leg}"));
            }
        }
        for (id, t) in self.tasks.iter() {
            let mut used: Vec<LegId> = t.external_owner.into_iter().collect();
            used.extend(t.transfer_dial);
            // A digital customer's address is not a dialled leg.
            if let (Leg::External(l), true, Channel::Voice) =
                (t.customer, t.customer_live, t.channel)
            {
                used.push(l);
            }
            if let Some(c) = &t.consult {
                used.extend(c.dial.map(|d| d.1));
                if let Some(Leg::External(l)) = c.party {
                    used.push(l);
                }
            }
            for l in used {
                if self.legs.get(&l) != Some(&id) {
                    return fail(OWNED, format!("{id} uses {l}, which is not live"));
                }
            }
        }
        Ok(())
    }

    fn audit_timers(&self) -> Result<(), Violation> {
        const OWNED: &str = "every timer belongs to a live entity";
        for (key, kind) in self.timers.iter() {
            let work_timer = |agent: AgentIdx, task: TaskId, phases: &[WorkPhase]| {
                self.agents
                    .get(agent.ix())
                    .and_then(|a| a.work_on(task))
                    .is_some_and(|w| w.timer == Some(*key) && phases.contains(&w.phase))
            };
            let ok = match *kind {
                TimerKind::Rona { agent, task } => {
                    work_timer(agent, task, &[WorkPhase::Connecting, WorkPhase::Ringing])
                }
                TimerKind::AutoWrapUp { agent, task } => work_timer(agent, task, &[WorkPhase::WrapUp]),
                TimerKind::MenuTimeout { task } => self.tasks.get(&task).is_some_and(|t| {
                    matches!(t.stage, Stage::Flow(FlowWait::Menu { timer: Some(k), .. }) if k == *key)
                }),
                TimerKind::PrivacyShield { task } => self
                    .tasks
                    .get(&task)
                    .is_some_and(|t| t.recording == Recording::Paused { timer: Some(*key) }),
                TimerKind::CallbackOffer { task } => self
                    .tasks
                    .get(&task)
                    .and_then(|t| t.waiting.as_ref())
                    .and_then(|w| w.offer)
                    .is_some_and(|o| o.timer == Some(*key)),
                TimerKind::CallbackHours { queue } => self
                    .queues
                    .get(queue.ix())
                    .is_some_and(|q| q.hours_timer == Some(*key)),
                TimerKind::PreviewTimeout { agent, task } => self.tasks.get(&task).is_some_and(|t| {
                    t.owner == Some(agent)
                        && t.campaign
                            .as_ref()
                            .is_some_and(|c| c.preview_timer == Some(*key))
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
    /// must be exactly 1..=n for that queue and channel: no gap, no duplicate, none missing.
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
        let mut seen: Vec<[Vec<u32>; 4]> = vec![Default::default(); self.queues.len()];
        for t in self.tasks.values() {
            if let (Stage::Queued, Some(q)) = (t.stage, t.queue) {
                seen[q.ix()][t.channel.ix()].push(self.position(q, t.channel, t.key));
            }
        }
        for (qi, per_channel) in seen.into_iter().enumerate() {
            for (ci, mut positions) in per_channel.into_iter().enumerate() {
                positions.sort_unstable();
                let dense = positions
                    .iter()
                    .enumerate()
                    .all(|(n, &p)| p as usize == n + 1);
                let tasks_waiting = self.queues[qi].waiting[ci]
                    .values()
                    .filter(|e| !e.consult)
                    .count();
                if !dense || positions.len() != tasks_waiting {
                    return fail(
                        DENSE,
                        format!(
                            "queue {qi} has positions {positions:?} for {tasks_waiting} waiting task(s)"
                        ),
                    );
                }
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

    const VOICE: usize = 0;

    #[test]
    fn a_task_lost_from_its_queue_is_caught() {
        let mut e = busy_engine();
        e.queues[0].waiting[VOICE].clear();
        assert_eq!(broken(&e), "a task is in exactly one place");
    }

    #[test]
    fn a_task_in_two_places_is_caught() {
        let mut e = busy_engine();
        e.queues[0].waiting[VOICE].insert(
            super::super::routing::QueueKey::new(0, 999),
            super::super::routing::Entry {
                task: TaskId(1),
                consult: false,
                callback: false,
            },
        );
        assert_eq!(broken(&e), "a task is in exactly one place");
    }

    #[test]
    fn a_second_voice_task_is_caught() {
        let mut e = busy_engine();
        let extra = e.agents[0].work[0];
        e.agents[0].work.push(super::super::agents::Work {
            task: TaskId(2),
            ..extra
        });
        e.tasks.get_mut(&TaskId(2)).expect("task 2").workers += 1;
        let caught = broken(&e);
        assert!(
            caught == "no agent has two voice offers" || caught == "a task is in exactly one place",
            "{caught}"
        );
    }

    #[test]
    fn work_beyond_the_profile_is_caught_unless_taken_on_before_a_change() {
        let mut e = busy_engine();
        let profile = e.tenant.agent(AgentIdx(0)).profile;
        Arc::make_mut(&mut e.tenant).profiles[profile.ix()].voice = 0;
        assert_eq!(broken(&e), "agent capacity per profile never exceeded");
        // Lowered by a configuration change after the offer: the offer may stay.
        e.reconfigured = Some((e.now, e.next_leg));
        e.audit_capacity().expect("taken on before the change");
    }

    #[test]
    fn calls_beyond_the_limit_are_caught_unless_dialled_before_a_change() {
        let mut e = busy_engine();
        let limit = e.tenant.concurrent_call_limit as u64;
        for leg in 1..=limit + 1 {
            e.legs.insert(LegId(leg), TaskId(1));
        }
        e.next_leg = limit + 1;
        assert_eq!(broken(&e), "concurrent call limit never exceeded");
        e.reconfigured = Some((e.now, e.next_leg));
        e.audit_capacity().expect("dialled before the change");
    }

    #[test]
    fn an_offer_without_its_deadline_is_caught() {
        let mut e = busy_engine();
        let key = e.agents[0].work[0].timer.take().expect("the RONA timer");
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
        e.queues[0].ready[VOICE].insert((0, AgentIdx(1)));
        assert_eq!(broken(&e), "ready agents are exactly the routable ones");
    }

    #[test]
    fn wrong_staffed_counts_are_caught() {
        let mut e = busy_engine();
        e.queues[0].staffed += 1;
        assert_eq!(broken(&e), "queue counters match the agents");
    }

    #[test]
    fn a_wrong_worker_count_is_caught() {
        let mut e = busy_engine();
        e.tasks.get_mut(&TaskId(1)).expect("task 1").workers += 1;
        assert_eq!(broken(&e), "a task is in exactly one place");
    }

    #[test]
    fn an_orphan_dialled_leg_is_caught() {
        let mut e = busy_engine();
        e.legs.insert(LegId(5), TaskId(1));
        assert_eq!(broken(&e), "every dialled leg belongs to a live task");
    }

    #[test]
    fn a_gap_in_queue_positions_is_caught() {
        let mut e = busy_engine();
        // Task 2 believes it waits in the queue, which holds another key instead.
        let key = e.tasks[&TaskId(2)].key;
        let entry = e.queues[0].waiting[VOICE].remove(&key).expect("waiting");
        e.queues[0].waiting[VOICE].insert(key.with_seq(9_999), entry);
        let caught = broken(&e);
        assert!(
            caught == "a task is in exactly one place" || caught == "queue positions are dense",
            "{caught}"
        );
    }
}
