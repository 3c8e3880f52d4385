//! Queues and routing (FLW-02, FLW-03, AGT-02..05, AGT-09..12): waiting tasks
//! ordered by priority then arrival, per channel; ready agents ordered by the
//! queue's strategy; the two-step offer (Connecting, then Contact Request) with
//! the popover each kind of request shows; and offers that fail (RONA), which
//! put an inbound task back at its original position.

use serde::{Deserialize, Serialize};

use crate::config::Queue;
use crate::event::{
    AbandonStage, ConsultEnd, EventClass, EventKind, OfferOutcome, Presence, Role, StateReason,
    TaskKind, TaskOutcome, WorkPhase,
};
use crate::ids::*;
use crate::legs::{Channel, Leg};
use crate::output::{ContactRequest, Effect, EffectClass, Notice, NoticeClass, RequestKind};
use crate::sorted::{SortedMap, SortedSet};
use crate::time::SimDuration;

use super::Engine;
use super::agents::Work;
use super::tasks::Stage;
use super::timers::{TimerKey, TimerKind};

/// A waiting entry's place: (9 - priority, arrival sequence), packed in one word
/// (the rank in the top 4 bits). Smaller is served first. A task keeps its key
/// across offers, so after RONA it takes its original place.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct QueueKey(u64);

impl QueueKey {
    const SEQ_BITS: u32 = 60;

    /// The key of priority `priority` (0 to 9, higher first) and arrival `seq`.
    pub fn new(priority: u8, seq: u64) -> QueueKey {
        let rank = u64::from(9 - priority.min(9));
        QueueKey(rank << Self::SEQ_BITS | (seq & ((1 << Self::SEQ_BITS) - 1)))
    }

    pub fn priority(self) -> u8 {
        9 - (self.0 >> Self::SEQ_BITS) as u8
    }

    /// The same priority, a later arrival.
    pub fn with_seq(self, seq: u64) -> QueueKey {
        QueueKey::new(self.priority(), seq)
    }

    /// The arrival sequence number.
    pub fn seq(self) -> u64 {
        self.0 & ((1 << Self::SEQ_BITS) - 1)
    }
}

/// What waits in a queue: a task, or a consult request about a task (VOI-03).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Entry {
    pub task: TaskId,
    pub consult: bool,
    /// A callback: it waits while its queue's callback hours are closed (CBK-10).
    pub callback: bool,
}

/// A queue's run-time state.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct QueueRt {
    /// Waiting entries per channel.
    pub waiting: [SortedMap<QueueKey, Entry>; 4],
    /// Ready member agents per channel, best first: (strategy key, agent).
    pub ready: [SortedSet<(u64, AgentIdx)>; 4],
    /// Member agents staffed for voice: logged in, and Available or on a call.
    pub staffed: u32,
    /// Moving average of handle times (FLW-03), seeded by the queue's configured estimate.
    pub handle_estimate: SimDuration,
    /// Some caller queued here has a direct-callback rule (CBK-06): check them on changes.
    pub overflow_rules: bool,
    /// Armed while callbacks wait for the queue's callback hours (CBK-10).
    pub hours_timer: Option<TimerKey>,
    /// The queue's live counters.
    pub tally: super::tally::QueueTally,
}

/// The RONA timeout of an offer that comes through no queue.
const DIRECT_OFFER_TIMEOUT: SimDuration = SimDuration::from_secs(18);

impl QueueRt {
    pub fn new(q: &Queue) -> QueueRt {
        QueueRt {
            waiting: Default::default(),
            ready: Default::default(),
            staffed: 0,
            handle_estimate: q.handle_time_estimate,
            overflow_rules: false,
            hours_timer: None,
            tally: Default::default(),
        }
    }
}

impl Engine {
    /// Estimated wait of the task at `position` (FLW-03), in whole seconds rounded up:
    /// the tasks ahead that ready agents cannot take at once, times the queue's
    /// handle-time estimate, shared among its staffed agents:
    /// `max(0, position - ready) x estimate / staffed`. `None` while no agent is
    /// staffed (the wait is unbounded).
    pub(crate) fn ewt(
        &self,
        queue: QueueIdx,
        channel: Channel,
        position: u32,
    ) -> Option<SimDuration> {
        let q = &self.queues[queue.ix()];
        let ahead = (position as u64).saturating_sub(q.ready[channel.ix()].len() as u64);
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

    /// 1-based position of a task with `key` in the queue's map for `channel`, among
    /// the tasks (consult requests waiting there are agents', not customers').
    pub(crate) fn position(&self, queue: QueueIdx, channel: Channel, key: QueueKey) -> u32 {
        self.queues[queue.ix()].waiting[channel.ix()]
            .before(&key)
            .filter(|(_, e)| !e.consult)
            .count() as u32
            + 1
    }

    /// Puts a task in a queue (FLW-02), keeping its priority if it had one.
    pub(crate) fn enqueue(&mut self, task: TaskId, queue: QueueIdx, priority: u8) {
        self.next_seq += 1;
        let key = QueueKey::new(priority, self.next_seq);
        let now = self.now;
        let t = self.tasks.get_mut(&task).expect("live task");
        t.stage = Stage::Queued;
        t.queue = Some(queue);
        t.key = key;
        t.first_queued.get_or_insert(now);
        self.put_back(task, false);
    }

    /// Puts a task at its key in its queue (a new entry, or back after RONA: AGT-04).
    fn put_back(&mut self, task: TaskId, requeued: bool) {
        let t = self.tasks.get_mut(&task).expect("live task");
        let queue = t.queue.expect("a queued task has a queue");
        let (key, channel, customer) = (t.key, t.channel, t.customer);
        let (live, callback) = (t.customer_live, t.kind == TaskKind::Callback);
        t.stage = Stage::Queued;
        t.owner = None;
        self.queues[queue.ix()].waiting[channel.ix()].insert(
            key,
            Entry {
                task,
                consult: false,
                callback,
            },
        );
        let tally = &mut self.queues[queue.ix()].tally;
        if requeued {
            tally.returned += 1;
        } else {
            tally.entered += 1;
        }
        // The position is counted through the queue: only for a driver that reads it.
        if self.opts.outputs.wants_event_class(EventClass::TaskQueued) {
            let position = self.position(queue, channel, key);
            let ewt = self.ewt(queue, channel, position);
            self.event(EventKind::TaskQueued {
                task,
                queue,
                position,
                priority: key.priority(),
                requeued,
                ewt,
            });
        }
        if let Leg::Customer(call) = customer
            && channel == Channel::Voice
            && live
            && self.wants_effect(EffectClass::QueueMusic)
        {
            let music = self.music_of(task);
            self.effect(Effect::QueueMusic { call, queue, music });
        }
        self.route_pending[channel.ix()] = true;
        self.check_overflow(queue);
    }

    /// Puts a task in its queue again at a new key (a callback's next attempt, CBK-04).
    pub(crate) fn enqueue_again(&mut self, task: TaskId) {
        self.put_back(task, false);
    }

    /// Puts a consult request in a queue, or back at its place.
    pub(crate) fn queue_consult(&mut self, task: TaskId, queue: QueueIdx, key: QueueKey) {
        let waiting = &mut self.queues[queue.ix()].waiting[Channel::Voice.ix()];
        waiting.insert(
            key,
            Entry {
                task,
                consult: true,
                callback: false,
            },
        );
        let position = waiting.before(&key).filter(|(_, e)| e.consult).count() as u32 + 1;
        self.event(EventKind::ConsultQueued {
            task,
            queue,
            position,
        });
        self.route_pending[Channel::Voice.ix()] = true;
    }

    /// Whether `agent` may be offered `entry` (never the transferring agent, VOI-17;
    /// never the consulting agent its own consult).
    fn may_offer(&self, entry: Entry, agent: AgentIdx) -> bool {
        let t = &self.tasks[&entry.task];
        if entry.callback
            && let Some(q) = t.queue
            && !self.callback_hours_open(q)
        {
            return false;
        }
        // A digital task is never offered to an agent who still holds it (wrapping
        // it up after transferring it to a queue); a call cannot be, as its
        // wrap-up fills the agent's one voice place.
        if t.channel != Channel::Voice && self.agents[agent.ix()].work_on(entry.task).is_some() {
            return false;
        }
        if entry.consult {
            t.owner != Some(agent)
        } else {
            t.exclude != Some(agent)
        }
    }

    /// The first (entry, agent) a queue can match for a channel.
    fn candidate(&self, queue: usize, channel: Channel) -> Option<(QueueKey, Entry, AgentIdx)> {
        let q = &self.queues[queue];
        let ready = &q.ready[channel.ix()];
        if ready.is_empty() {
            return None;
        }
        let waiting = &q.waiting[channel.ix()];
        // Nearly always the first waiting entry goes to the first ready agent; only
        // an entry excluded from that agent (VOI-17, a consult) looks further.
        let (&key, &entry) = waiting.first_key_value()?;
        let &(_, first) = ready.first()?;
        if self.may_offer(entry, first) {
            return Some((key, entry, first));
        }
        for (&key, &entry) in waiting {
            if let Some(&(_, agent)) = ready.iter().find(|(_, a)| self.may_offer(entry, *a)) {
                return Some((key, entry, agent));
            }
        }
        None
    }

    /// Offers waiting entries to ready agents until none can be matched. Per channel,
    /// across queues, the best (priority, arrival) goes first.
    pub(crate) fn route(&mut self) {
        let voice = self.route_pending[Channel::Voice.ix()];
        // A channel is looked at again if routing itself made it pending.
        while let Some(ci) = self.route_pending.iter().position(|p| *p) {
            self.route_pending[ci] = false;
            let channel = Channel::ALL[ci];
            loop {
                let mut best: Option<(QueueKey, usize, Entry, AgentIdx)> = None;
                for qi in 0..self.queues.len() {
                    if let Some((key, entry, agent)) = self.candidate(qi, channel)
                        && best.is_none_or(|b| key < b.0)
                    {
                        best = Some((key, qi, entry, agent));
                    }
                }
                let Some((key, qi, entry, agent)) = best else {
                    break;
                };
                self.queues[qi].waiting[channel.ix()].remove(&key);
                let queue = QueueIdx(qi as u32);
                if entry.consult {
                    let via_ep_dn = self.tasks[&entry.task]
                        .consult
                        .as_ref()
                        .is_some_and(|c| c.via_ep_dn);
                    if let Some(c) = self
                        .tasks
                        .get_mut(&entry.task)
                        .and_then(|t| t.consult.as_mut())
                    {
                        c.queued = None;
                        c.offered_to = Some(agent);
                        c.key = key;
                    }
                    let kind = if via_ep_dn {
                        RequestKind::ConsultViaEntryPoint
                    } else {
                        RequestKind::Consult
                    };
                    self.offer(entry.task, agent, Some(queue), kind, Role::Consulted);
                } else {
                    let t = self.tasks.get_mut(&entry.task).expect("live task");
                    t.stage = Stage::Offered;
                    t.owner = Some(agent);
                    let kind = if t.transferred {
                        RequestKind::QueuedTransfer
                    } else if t.kind == TaskKind::Callback {
                        RequestKind::Callback
                    } else {
                        RequestKind::Inbound
                    };
                    self.offer(entry.task, agent, Some(queue), kind, Role::Owner);
                }
            }
        }
        // The dialer looks after every step: an agent freed, a list loaded, or a
        // call ended under the concurrent call limit can each let it reserve.
        // Reservations take agents out of the ready sets, never put them in.
        if !self.tenant.campaigns.is_empty() {
            self.dial_campaigns();
        }
        if voice && self.tenant.callback_hours {
            self.wake_for_callback_hours();
        }
    }

    /// Step one of an offer: Connecting, ring the phone, arm RONA (AGT-03, AGT-04);
    /// on a persistent connection, the call connects at once instead.
    /// A digital request shows its Contact Request at once (there is no phone).
    pub(crate) fn offer(
        &mut self,
        task: TaskId,
        agent: AgentIdx,
        queue: Option<QueueIdx>,
        request: RequestKind,
        role: Role,
    ) {
        let timeout = match (request, queue) {
            (RequestKind::Reservation, _) => self.reservation_timeout(task),
            (_, Some(q)) => self.tenant.queues[q.ix()].max_time_available,
            (_, None) => DIRECT_OFFER_TIMEOUT,
        };
        let channel = self.tasks[&task].channel;
        // A persistent connection takes a call at once: nothing rings, so
        // nothing can go unanswered (docs/persistent-connection.md).
        let connect = channel == Channel::Voice && self.agents[agent.ix()].connected;
        let timer = (!connect).then(|| {
            self.timers
                .set(self.now + timeout, TimerKind::Rona { agent, task })
        });
        let work = Work {
            task,
            channel,
            role,
            phase: WorkPhase::Connecting,
            request,
            timer,
            since: self.now,
            controls: Default::default(),
        };
        self.event_of(EventClass::OfferConnecting, || EventKind::OfferConnecting {
            task,
            agent,
        });
        if connect {
            // The desktop is told, and the agent is on the call at once: from
            // no work on the task straight to Engaged.
            self.notify_of(agent, NoticeClass::Connecting, || Notice::Connecting {
                task,
            });
            self.agents[agent.ix()].off_hook = true;
            self.accept_work(agent, task, work);
            return;
        }
        self.set_work(agent, task, Some(work), StateReason::Offer);
        self.notify_of(agent, NoticeClass::Connecting, || Notice::Connecting {
            task,
        });
        if channel == Channel::Voice {
            self.effect(Effect::RingAgent { agent, task });
        } else {
            self.contact_request(agent, task);
        }
    }

    /// The offer's timeout, for the Contact Request.
    fn offer_timeout(&self, task: TaskId, request: RequestKind) -> SimDuration {
        if request == RequestKind::Reservation {
            return self.reservation_timeout(task);
        }
        let t = &self.tasks[&task];
        let queue = match request {
            RequestKind::Consult | RequestKind::ConsultViaEntryPoint => t
                .consult
                .as_ref()
                .and_then(|c| c.queue_of_request)
                .or(t.queue),
            _ => t.queue,
        };
        queue.map_or(DIRECT_OFFER_TIMEOUT, |q| {
            self.tenant.queues[q.ix()].max_time_available
        })
    }

    /// Step two: the phone rings, the Contact Request shows (AGT-03) with what its
    /// kind of request shows (AGT-09..AGT-12).
    pub(crate) fn contact_request(&mut self, agent: AgentIdx, task: TaskId) {
        let Some(mut work) = self.agents[agent.ix()].work_on(task).copied() else {
            return;
        };
        work.phase = WorkPhase::Ringing;
        self.event(EventKind::ContactRequest { task, agent });
        self.set_work(agent, task, Some(work), StateReason::ContactRequest);
        if !self.wants_notice(crate::output::NoticeClass::ContactRequest) {
            return;
        }
        let t = &self.tasks[&task];
        let mut variables = Vec::new();
        let owner = t.owner.filter(|_| work.role == Role::Consulted);
        match (work.request, owner) {
            (RequestKind::Consult, Some(a1)) => {
                // AGT-11: the consulting agent's name, DN and team, then up to six.
                let a = &self.tenant.agents[a1.ix()];
                variables.push(("Agent Name".to_string(), a.name.clone()));
                variables.push(("Agent DN".to_string(), a.dn.to_string()));
                variables.push((
                    "Agent Team".to_string(),
                    self.tenant.teams[a.team.ix()].name.clone(),
                ));
            }
            (RequestKind::ConsultViaEntryPoint, Some(a1)) => {
                // AGT-12: the consulting agent's DN, then up to six.
                variables.push((
                    "Agent DN".to_string(),
                    self.tenant.agents[a1.ix()].dn.to_string(),
                ));
            }
            _ => {}
        }
        variables.extend(self.popover_variables(task));
        let since = t.callback.as_ref().map(|c| c.requested);
        if let Some(name) = t.callback.as_ref().and_then(|c| c.name.clone()) {
            variables.insert(0, ("Name".to_string(), name.to_string()));
        }
        // OUT-12: a conversation that continues a closed one shows where its history is.
        if let Some(previous) = self.conversations.open.get(&task).and_then(|c| c.previous) {
            variables.push(("History".to_string(), previous.to_string()));
        }
        if let Some(c) = t.campaign.as_deref() {
            if work.request == RequestKind::Reservation {
                // CMP-02: the contact shows only once the reservation is answered.
                let name = self.tenant.campaigns[c.campaign.ix()].name.clone();
                variables.push(("Campaign".to_string(), name));
            } else {
                // AGT-10: a preview campaign's outdial shows the campaign's columns.
                variables.extend(self.campaign_values(c));
            }
        }
        // A reservation is the dialer calling the agent: from the campaign's entry
        // point, to the agent's number; the contact is not shown yet (CMP-02).
        let (from, to) = if work.request == RequestKind::Reservation {
            (
                compact_str::CompactString::from(self.tenant.entry_points[t.ep.ix()].name.as_str()),
                compact_str::CompactString::from(self.tenant.agents[agent.ix()].dn.as_str()),
            )
        } else {
            (t.from.clone(), t.to.clone())
        };
        let notice = ContactRequest {
            task,
            kind: work.request,
            channel: t.channel,
            from,
            to,
            queue: t.queue,
            variables,
            timeout: self.offer_timeout(task, work.request),
            since,
        };
        self.notify(agent, Notice::ContactRequest(Box::new(notice)));
    }

    pub(crate) fn rona_timer(&mut self, key: TimerKey, agent: AgentIdx, task: TaskId) {
        let armed = self.agents[agent.ix()]
            .work_on(task)
            .is_some_and(|w| w.timer == Some(key));
        if armed {
            if let Some(w) = self.agents[agent.ix()].work_on_mut(task) {
                w.timer = None;
            }
            self.offer_failed(agent, task, OfferOutcome::NoAnswer);
        }
    }

    /// Ends an offer's work: the agent's request disappears and its timer with it.
    fn end_offer(
        &mut self,
        agent: AgentIdx,
        task: TaskId,
        outcome: OfferOutcome,
        reason: StateReason,
    ) -> Option<Work> {
        let work = self.agents[agent.ix()].work_on(task).copied()?;
        if let Some(key) = work.timer {
            self.timers.cancel(key);
        }
        if work.channel == Channel::Voice && outcome != OfferOutcome::DeviceFailed {
            self.effect(Effect::StopRinging { agent, task });
        }
        self.offer_ended(agent, task, outcome);
        self.set_work(agent, task, None, reason);
        Some(work)
    }

    /// The offer failed (no answer, declined, device failure). The agent goes to
    /// RONA (AGT-04, AGT-05), except for its own outdial; what happens to the
    /// request depends on what it was.
    pub(crate) fn offer_failed(&mut self, agent: AgentIdx, task: TaskId, outcome: OfferOutcome) {
        let reason = match outcome {
            OfferOutcome::Declined => StateReason::Declined,
            OfferOutcome::DeviceFailed => StateReason::DeviceFailed,
            _ => StateReason::NoAnswer,
        };
        let Some(work) = self.end_offer(agent, task, outcome, reason) else {
            return;
        };
        if work.request != RequestKind::Outdial {
            self.set_presence(agent, Presence::Rona, reason);
            self.notify(agent, Notice::Rona { task });
        }
        match work.request {
            RequestKind::Inbound | RequestKind::Callback | RequestKind::QueuedTransfer => {
                self.put_back(task, true)
            }
            RequestKind::Reservation => self.reservation_failed(task),
            RequestKind::Consult | RequestKind::ConsultViaEntryPoint => {
                self.consult_offer_failed(task)
            }
            // Never offered: an agent's own conversation is accepted when created.
            RequestKind::Conversation => {}
            // OUT-13: a digital transfer not accepted stays with the agent who asked.
            RequestKind::Transfer if self.digital_transfer_to(task) == Some(agent) => {
                self.digital_transfer_rejected(agent, task)
            }
            RequestKind::Transfer => {
                // VOI-16: a transfer the target does not accept abandons the call.
                self.release_customer(task);
                self.customer_gone(
                    task,
                    TaskOutcome::Abandoned {
                        stage: AbandonStage::Transfer,
                    },
                );
            }
            // A campaign's outdial not started: its contact goes back to the front.
            RequestKind::Outdial if self.tasks[&task].campaign.is_some() => {
                self.reservation_failed(task)
            }
            RequestKind::Outdial => {
                let t = self.tasks.get_mut(&task).expect("live task");
                t.outcome = Some(TaskOutcome::Cancelled);
                t.stage = Stage::Ended;
                self.close_if_done(task);
            }
        }
    }

    /// The offer ends because the caller hung up or the request was taken back.
    pub(crate) fn withdraw_offer(&mut self, agent: AgentIdx, task: TaskId) {
        if self
            .end_offer(
                agent,
                task,
                OfferOutcome::Withdrawn,
                StateReason::OfferWithdrawn,
            )
            .is_some()
        {
            self.notify(agent, Notice::OfferWithdrawn { task });
        }
    }

    /// A consult request's offer failed: a consult to a named agent fails (VOI-07);
    /// one through a queue waits for the next agent, at its place.
    fn consult_offer_failed(&mut self, task: TaskId) {
        let Some(c) = self.tasks.get_mut(&task).and_then(|t| t.consult.as_mut()) else {
            return;
        };
        c.offered_to = None;
        match c.queue_of_request {
            Some(queue) => {
                let key = c.key;
                c.queued = Some(queue);
                self.queue_consult(task, queue, key);
            }
            None => self.consult_failed(task, ConsultEnd::Failed),
        }
    }
}
