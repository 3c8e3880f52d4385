//! Queues and routing (FLW-02, AGT-02..05): waiting tasks ordered by priority
//! then arrival, ready agents ordered by the queue's strategy, the two-step offer
//! (Connecting, then Contact Request), and RONA, which puts the task back at its
//! original position.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::Queue;
use crate::event::{EventKind, OfferOutcome, StateReason};
use crate::ids::*;
use crate::output::{ContactRequest, Effect, Notice};

use crate::time::SimDuration;

use super::Engine;
use super::agents::{Phase, Presence, VoiceWork};
use super::tasks::Stage;
use super::timers::{TimerKey, TimerKind};

/// A waiting task's place: (9 - priority, arrival sequence). Smaller is served first.
/// The key is kept by the task across offers, so a task that comes back after RONA
/// takes its original place.
pub(crate) type QueueKey = (u8, u64);

/// A queue's run-time state.
#[derive(Clone, Debug)]
pub(crate) struct QueueRt {
    pub waiting: BTreeMap<QueueKey, TaskId>,
    /// Ready member agents, best first: (strategy key, agent).
    pub ready: BTreeSet<(u64, AgentIdx)>,
    /// Member agents who are staffed for voice: logged in, not Idle, not in RONA.
    pub staffed: u32,
    /// Moving average of handle times (FLW-03), seeded by the queue's configured estimate.
    pub handle_estimate: SimDuration,
}

impl QueueRt {
    pub fn new(q: &Queue) -> QueueRt {
        QueueRt {
            waiting: BTreeMap::new(),
            ready: BTreeSet::new(),
            staffed: 0,
            handle_estimate: q.handle_time_estimate,
        }
    }
}

impl Engine {
    /// Estimated wait of the task at `position` (FLW-03), in whole seconds rounded up: the tasks ahead that ready
    /// agents cannot take at once, times the queue's handle-time estimate, shared among
    /// its staffed agents: `max(0, position - ready) x estimate / staffed`. `None` while
    /// no agent is staffed (the wait is unbounded).
    pub(crate) fn ewt(&self, queue: QueueIdx, position: u32) -> Option<SimDuration> {
        let q = &self.queues[queue.ix()];
        let ahead = (position as u64).saturating_sub(q.ready.len() as u64);
        (q.staffed > 0).then(|| {
            let micros = q.handle_estimate.0 * ahead / q.staffed as u64;
            SimDuration::from_secs(micros.div_ceil(1_000_000))
        })
    }

    /// Folds a handled task's handle time into its queue's estimate (weight 1/8).
    pub(crate) fn learn_handle_time(&mut self, queue: QueueIdx, handle: SimDuration) {
        let q = &mut self.queues[queue.ix()];
        let (old, new) = (q.handle_estimate.0 as i128, handle.0 as i128);
        q.handle_estimate = SimDuration((old + (new - old) / 8) as u64);
    }

    /// 1-based position of the task with `key` in `queue`.
    pub(crate) fn position(&self, queue: QueueIdx, key: QueueKey) -> u32 {
        self.queues[queue.ix()].waiting.range(..key).count() as u32 + 1
    }

    /// Puts a task in a queue (FLW-02).
    pub(crate) fn enqueue(&mut self, task: TaskId, queue: QueueIdx, priority: u8) {
        self.next_seq += 1;
        let key = (9 - priority.min(9), self.next_seq);
        let now = self.now;
        let t = self.tasks.get_mut(&task).expect("live task");
        t.stage = Stage::Queued;
        t.queue = Some(queue);
        t.key = key;
        t.first_queued.get_or_insert(now);
        let call = t.call;
        self.queues[queue.ix()].waiting.insert(key, task);
        let position = self.position(queue, key);
        let ewt = self.ewt(queue, position);
        self.event(EventKind::TaskQueued {
            task,
            queue,
            position,
            priority,
            requeued: false,
            ewt,
        });
        self.effect(Effect::QueueMusic { call, queue });
        self.route_pending = true;
    }

    /// Puts a task back at its original position (AGT-04).
    fn requeue(&mut self, task: TaskId) {
        let t = self.tasks.get_mut(&task).expect("live task");
        let queue = t.queue.expect("an offered task came from a queue");
        let key = t.key;
        let priority = 9 - key.0;
        t.stage = Stage::Queued;
        t.agent = None;
        let call = t.call;
        self.queues[queue.ix()].waiting.insert(key, task);
        let position = self.position(queue, key);
        let ewt = self.ewt(queue, position);
        self.event(EventKind::TaskQueued {
            task,
            queue,
            position,
            priority,
            requeued: true,
            ewt,
        });

        self.effect(Effect::QueueMusic { call, queue });
        self.route_pending = true;
    }

    /// Offers waiting tasks to ready agents until no queue has both.
    /// Across queues, the task with the best (priority, arrival) goes first.
    pub(crate) fn route(&mut self) {
        if !self.route_pending {
            return;
        }
        self.route_pending = false;
        loop {
            let mut best: Option<(QueueKey, usize)> = None;
            for (qi, q) in self.queues.iter().enumerate() {
                if q.ready.is_empty() {
                    continue;
                }
                if let Some((&key, _)) = q.waiting.first_key_value()
                    && best.is_none_or(|(b, _)| key < b)
                {
                    best = Some((key, qi));
                }
            }
            let Some((key, qi)) = best else { return };
            let q = &mut self.queues[qi];
            let task = q.waiting.remove(&key).expect("head exists");
            let &(_, agent) = q.ready.first().expect("ready agent exists");
            self.offer(task, agent, QueueIdx(qi as u32));
        }
    }

    /// Step one of an offer: Connecting, ring the phone, arm RONA (AGT-03, AGT-04).
    fn offer(&mut self, task: TaskId, agent: AgentIdx, queue: QueueIdx) {
        let deadline = self.now + self.tenant.queues[queue.ix()].max_time_available;
        let timer = self.timers.set(deadline, TimerKind::Rona { agent, task });
        let t = self.tasks.get_mut(&task).expect("live task");
        t.stage = Stage::Offered;
        t.agent = Some(agent);
        let a = &mut self.agents[agent.ix()];
        let before = a.view();
        a.voice = Some(VoiceWork {
            task,
            phase: Phase::Connecting,
        });
        a.timer = Some(timer);
        self.event(EventKind::OfferConnecting { task, agent });
        self.agent_changed(agent, before, StateReason::Offer);
        self.notify(agent, Notice::Connecting { task });
        self.effect(Effect::RingAgent { agent, task });
    }

    /// Step two: the phone rings, the Contact Request shows (AGT-03).
    pub(crate) fn contact_request(&mut self, agent: AgentIdx) {
        let a = &mut self.agents[agent.ix()];
        let before = a.view();
        let Some(work) = a.voice.as_mut() else { return };
        work.phase = Phase::Ringing;
        let task = work.task;
        self.event(EventKind::ContactRequest { task, agent });
        self.agent_changed(agent, before, StateReason::ContactRequest);
        let t = &self.tasks[&task];
        let queue = t.queue.expect("offered from a queue");
        let notice = Notice::ContactRequest(Box::new(ContactRequest {
            task,
            from: t.from.clone(),
            to: t.to.clone(),
            queue,
            variables: self.popover_variables(task),
            timeout: self.tenant.queues[queue.ix()].max_time_available,
        }));
        self.notify(agent, notice);
    }

    pub(crate) fn rona_timer(&mut self, key: TimerKey, agent: AgentIdx, task: TaskId) {
        let a = &self.agents[agent.ix()];
        if a.timer == Some(key) && a.voice.is_some_and(|w| w.task == task) {
            self.agents[agent.ix()].timer = None;
            self.rona(agent, OfferOutcome::NoAnswer);
        }
    }

    /// The offer failed: the agent goes to RONA, the task back to its place (AGT-04, AGT-05).
    pub(crate) fn rona(&mut self, agent: AgentIdx, outcome: OfferOutcome) {
        let a = &mut self.agents[agent.ix()];
        let before = a.view();
        let Some(work) = a.voice.take() else { return };
        if let Some(key) = a.timer.take() {
            self.timers.cancel(key);
        }
        a.presence = Presence::Rona;
        let task = work.task;
        if outcome != OfferOutcome::DeviceFailed {
            self.effect(Effect::StopRinging { agent, task });
        }
        self.event(EventKind::OfferEnded {
            task,
            agent,
            outcome,
        });
        let reason = match outcome {
            OfferOutcome::Declined => StateReason::Declined,
            OfferOutcome::DeviceFailed => StateReason::DeviceFailed,
            _ => StateReason::NoAnswer,
        };
        self.agent_changed(agent, before, reason);
        self.notify(agent, Notice::Rona { task });
        self.requeue(task);
    }

    /// The offer ends because the caller hung up.
    pub(crate) fn withdraw_offer(&mut self, agent: AgentIdx, task: TaskId) {
        let a = &mut self.agents[agent.ix()];
        let before = a.view();
        a.voice = None;
        if let Some(key) = a.timer.take() {
            self.timers.cancel(key);
        }
        self.effect(Effect::StopRinging { agent, task });
        self.event(EventKind::OfferEnded {
            task,
            agent,
            outcome: OfferOutcome::Withdrawn,
        });
        self.agent_changed(agent, before, StateReason::OfferWithdrawn);
        self.notify(agent, Notice::OfferWithdrawn { task });
    }
}
