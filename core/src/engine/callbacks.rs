//! Callbacks (CBK-01..CBK-10, AGT-13): a customer asks to be called back instead
//! of waiting, and the engine calls them when an agent takes the callback.
//!
//! A callback comes from a flow's callback step (an IVR choice), from the
//! courtesy offer a queue step makes while the caller waits, from direct
//! callback (the queue's overflow action: "press 1 for a callback", first 30 s
//! after overflow holds, then every 120 s), or from a web site ([`crate::Input::WebCallback`]).
//! A caller who accepts hears a confirmation and is released; the task keeps its
//! place in the queue as a callback. When it reaches the front it is offered like
//! a call (the agent's phone rings with the callback's Contact Request); once the
//! agent answers, the customer is dialled. A customer who does not answer puts
//! the callback back at the end of the queue until the queue's attempts are used.
//! Callbacks wait while their queue's callback hours are closed.

use serde::{Deserialize, Serialize};

use crate::config::{
    CallbackPolicy, Courtesy, DIRECT_CALLBACK_EVERY, DIRECT_CALLBACK_FIRST, Overflow,
    OverflowChoice,
};
use crate::dialnum::DialNumber;
use crate::dtmf::Digit;
use crate::event::{CallbackSource, EventKind, StateReason, TaskKind, TaskOutcome};
use crate::ids::*;
use crate::input::DialOutcome;
use crate::legs::{Channel, Leg};
use crate::output::{Effect, Notice};
use crate::refusal::Refusal;
use crate::time::{SimDuration, SimTime};

use super::Engine;
use super::agents::Work;
use super::tasks::Stage;
use super::timers::{TimerKey, TimerKind};

/// A callback's own data, once a task is one.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct CallbackInfo {
    pub number: DialNumber,
    /// The customer's name, when the request gave one (a web callback).
    pub name: Option<compact_str::CompactString>,
    /// When it was requested: the agent's timer runs from here (AGT-13).
    pub requested: SimTime,
    /// Dials made so far (CBK-04).
    pub attempts: u8,
    /// The leg the request came on (the caller's call, the web request): the task
    /// names it again between attempts.
    pub caller: Leg,
}

/// What a caller waiting in a queue may be offered, and the offer under way.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct WaitOffer {
    /// Direct callback's rule, until it holds for this caller (CBK-06).
    pub overflow: Option<Overflow>,
    pub offer: Option<OfferState>,
    /// The confirmation playing after the caller accepted (CBK-08).
    pub confirming: Option<RequestId>,
}

/// An offer of a callback to a waiting caller (CBK-01, CBK-07).
#[derive(Copy, Clone, Debug, Serialize, Deserialize)]
pub(crate) struct OfferState {
    pub source: CallbackSource,
    pub key: Digit,
    pub prompt: PromptIdx,
    pub confirm: PromptIdx,
    pub every: SimDuration,
    /// The next offer.
    pub timer: Option<TimerKey>,
    /// The offer prompt playing now.
    pub playing: Option<RequestId>,
    /// Offers played so far; the key counts once the first has begun.
    pub count: u32,
}

impl Engine {
    /// A queue step: the caller waits in `queue`, with the courtesy offer and the
    /// overflow rule that apply there.
    pub(crate) fn queue_caller(
        &mut self,
        task: TaskId,
        queue: QueueIdx,
        priority: u8,
        overflow: OverflowChoice,
        courtesy: Option<Courtesy>,
    ) {
        self.enqueue(task, queue, priority);
        let rule = match overflow {
            OverflowChoice::Queue => self.tenant.queues[queue.ix()].overflow,
            OverflowChoice::Off => None,
            OverflowChoice::Rule(r) => Some(r),
        };
        if rule.is_none() && courtesy.is_none() {
            return;
        }
        let t = &self.tasks[&task];
        // Only a caller who called from a number can be called back.
        let callable = t.channel == Channel::Voice
            && t.customer_live
            && matches!(t.customer, Leg::Customer(_))
            && DialNumber::parse(&t.from).is_ok();
        if !callable {
            return;
        }
        let offer = courtesy.map(|c| OfferState {
            source: CallbackSource::Courtesy,
            key: c.key,
            prompt: c.prompt,
            confirm: c.confirm,
            every: c.every,
            timer: Some(
                self.timers
                    .set(self.now + c.after, TimerKind::CallbackOffer { task }),
            ),
            playing: None,
            count: 0,
        });
        // One offer at a time: a courtesy offer makes direct callback moot.
        let overflow = if offer.is_some() { None } else { rule };
        let t = self.tasks.get_mut(&task).expect("live task");
        t.waiting = Some(Box::new(WaitOffer {
            overflow,
            offer,
            confirming: None,
        }));
        if overflow.is_some() {
            self.queues[queue.ix()].overflow_rules = true;
            self.check_overflow(queue);
        }
    }

    /// Direct callback (CBK-06): for each caller in `queue` whose overflow rule
    /// has not held yet, whether it holds now: more than `waiting_above` tasks wait
    /// in the queue, or the caller's estimated wait is above `wait_above` (an
    /// unknown wait, with nobody staffed, is above any). Once it holds, the offer
    /// runs for that caller until it ends (CBK-07).
    pub(crate) fn check_overflow(&mut self, queue: QueueIdx) {
        if !self.queues[queue.ix()].overflow_rules {
            return;
        }
        let waiting = &self.queues[queue.ix()].waiting[Channel::Voice.ix()];
        let count = waiting.values().filter(|e| !e.consult).count() as u32;
        let mut holds = Vec::new();
        for (i, e) in waiting.values().filter(|e| !e.consult).enumerate() {
            let position = i as u32 + 1;
            let Some(rule) = self
                .tasks
                .get(&e.task)
                .and_then(|t| t.waiting.as_ref())
                .and_then(|w| w.overflow)
            else {
                continue;
            };
            let by_count = rule.waiting_above.is_some_and(|n| count > n);
            let by_wait = rule.wait_above.is_some_and(|limit| {
                self.ewt(queue, Channel::Voice, position)
                    .is_none_or(|ewt| ewt > limit)
            });
            if by_count || by_wait {
                holds.push((e.task, rule));
            }
        }
        for (task, rule) in holds {
            self.event(EventKind::OverflowHolds { task, queue });
            let timer = self.timers.set(
                self.now + DIRECT_CALLBACK_FIRST,
                TimerKind::CallbackOffer { task },
            );
            let w = self
                .tasks
                .get_mut(&task)
                .and_then(|t| t.waiting.as_deref_mut())
                .expect("checked above");
            w.overflow = None;
            w.offer = Some(OfferState {
                source: CallbackSource::Direct,
                key: Digit::ONE,
                prompt: rule.offer,
                confirm: rule.confirm,
                every: DIRECT_CALLBACK_EVERY,
                timer: Some(timer),
                playing: None,
                count: 0,
            });
        }
    }

    /// Time for the next callback offer to a waiting caller.
    pub(crate) fn callback_offer_due(&mut self, key: TimerKey, task: TaskId) {
        let Some(t) = self.tasks.get_mut(&task) else {
            return;
        };
        let (stage, customer, live) = (t.stage, t.customer, t.customer_live);
        let Some(w) = t.waiting.as_deref_mut() else {
            return;
        };
        let Some(o) = w.offer.as_mut().filter(|o| o.timer == Some(key)) else {
            return;
        };
        let every = o.every;
        o.timer = None;
        // An offer starts every `every` from the previous start; while an agent's
        // phone rings for the call the offer is skipped, not moved.
        if stage == Stage::Queued
            && live
            && w.confirming.is_none()
            && let Leg::Customer(call) = customer
        {
            let request = RequestId(self.next_request);
            self.next_request += 1;
            let o = w.offer.as_mut().expect("checked above");
            o.playing = Some(request);
            o.count += 1;
            let (prompt, source, count) = (o.prompt, o.source, o.count);
            self.event(EventKind::CallbackOffered {
                task,
                source,
                offer: count,
            });
            self.effect(Effect::PlayPrompt {
                call,
                prompt,
                request,
                collect_digits: true,
            });
        }
        let next = self
            .timers
            .set(self.now + every, TimerKind::CallbackOffer { task });
        if let Some(o) = self
            .tasks
            .get_mut(&task)
            .and_then(|t| t.waiting.as_deref_mut())
            .and_then(|w| w.offer.as_mut())
        {
            o.timer = Some(next);
        }
    }

    /// A prompt of the waiting treatment finished: an offer (the queue's music
    /// resumes) or the confirmation (the caller is released, CBK-08). Whether it was one.
    pub(crate) fn waiting_prompt_finished(&mut self, task: TaskId, request: RequestId) -> bool {
        let Some(t) = self.tasks.get_mut(&task) else {
            return false;
        };
        let (customer, queue, stage) = (t.customer, t.queue, t.stage);
        let Some(w) = t.waiting.as_deref_mut() else {
            return false;
        };
        if w.confirming == Some(request) {
            w.confirming = None;
            self.release_caller_of_callback(task);
            return true;
        }
        if let Some(o) = w.offer.as_mut().filter(|o| o.playing == Some(request)) {
            o.playing = None;
            if stage == Stage::Queued
                && let (Leg::Customer(call), Some(queue)) = (customer, queue)
            {
                let music = self.music_of(task);
                self.effect(Effect::QueueMusic { call, queue, music });
            }
            return true;
        }
        false
    }

    /// A key while the caller waits in a queue: the offer's key accepts it.
    /// Whether the key meant something.
    pub(crate) fn waiting_digit(&mut self, task: TaskId, digit: Digit) -> bool {
        let Some(t) = self.tasks.get(&task) else {
            return false;
        };
        if t.stage != Stage::Queued {
            return false;
        }
        let Some(o) = t
            .waiting
            .as_ref()
            .and_then(|w| w.offer)
            .filter(|o| o.count > 0 && o.key == digit)
        else {
            return false;
        };
        let Ok(number) = DialNumber::parse(&t.from) else {
            return false;
        };
        if let Some(key) = o.timer {
            self.timers.cancel(key);
        }
        if let (Some(_), Leg::Customer(call)) = (o.playing, t.customer) {
            self.effect(Effect::StopPrompt { call });
        }
        self.become_callback(task, number, None, o.source);
        let request = self.new_request();
        let t = self.tasks.get_mut(&task).expect("live task");
        let customer = t.customer;
        if let Some(w) = t.waiting.as_deref_mut() {
            w.offer = None;
            w.confirming = Some(request);
        }
        if let Leg::Customer(call) = customer {
            self.effect(Effect::PlayPrompt {
                call,
                prompt: o.confirm,
                request,
                collect_digits: false,
            });
        }
        true
    }

    /// The task becomes a callback to `number`, keeping its place in its queue if it
    /// waits in one (CBK-08).
    fn become_callback(
        &mut self,
        task: TaskId,
        number: DialNumber,
        name: Option<compact_str::CompactString>,
        source: CallbackSource,
    ) {
        let now = self.now;
        let t = self.tasks.get_mut(&task).expect("live task");
        t.kind = TaskKind::Callback;
        t.callback = Some(Box::new(CallbackInfo {
            number: number.clone(),
            name,
            requested: now,
            attempts: 0,
            caller: t.customer,
        }));
        if t.stage == Stage::Queued
            && let Some(queue) = t.queue
        {
            let key = t.key;
            if let Some(e) = self.queues[queue.ix()].waiting[Channel::Voice.ix()].get_mut(&key) {
                e.callback = true;
            }
        }
        self.event(EventKind::CallbackRequested {
            task,
            source,
            number,
        });
    }

    /// The caller of a new callback is released; the callback stays.
    pub(crate) fn release_caller_of_callback(&mut self, task: TaskId) {
        let t = self.tasks.get_mut(&task).expect("live task");
        if !t.customer_live || !matches!(t.customer, Leg::Customer(_)) {
            return;
        }
        t.customer_live = false;
        let customer = t.customer;
        if let Some(w) = t.waiting.as_deref_mut() {
            w.confirming = None;
        }
        if let Leg::Customer(call) = customer {
            if self.calls.get(&call) == Some(&task) {
                self.calls.remove(&call);
            }
            self.effect(Effect::Release { leg: customer });
        }
    }

    /// The caller hung up while waiting as a callback (during the confirmation):
    /// the callback stays.
    pub(crate) fn callback_caller_left(&mut self, task: TaskId) {
        let t = self.tasks.get_mut(&task).expect("live task");
        t.customer_live = false;
        let customer = t.customer;
        if let Some(w) = t.waiting.as_deref_mut() {
            w.confirming = None;
        }
        if let Leg::Customer(call) = customer
            && self.calls.get(&call) == Some(&task)
        {
            self.calls.remove(&call);
        }
    }

    /// The waiting treatment ends (the call is answered, or the caller gone).
    pub(crate) fn stop_waiting_offer(&mut self, task: TaskId) {
        let Some(w) = self.tasks.get_mut(&task).and_then(|t| t.waiting.take()) else {
            return;
        };
        if let Some(key) = w.offer.and_then(|o| o.timer) {
            self.timers.cancel(key);
        }
    }

    /// A flow's callback step (CBK-01): the caller chose a callback.
    pub(crate) fn flow_callback(
        &mut self,
        task: TaskId,
        queue: QueueIdx,
        number: DialNumber,
        prompt: Option<PromptIdx>,
        priority: u8,
    ) {
        self.enqueue(task, queue, priority);
        self.become_callback(task, number, None, CallbackSource::Flow);
        match prompt {
            Some(prompt) => {
                let request = self.new_request();
                let t = self.tasks.get_mut(&task).expect("live task");
                t.waiting = Some(Box::new(WaitOffer {
                    confirming: Some(request),
                    ..WaitOffer::default()
                }));
                if let Leg::Customer(call) = t.customer {
                    self.effect(Effect::PlayPrompt {
                        call,
                        prompt,
                        request,
                        collect_digits: false,
                    });
                }
            }
            None => self.release_caller_of_callback(task),
        }
        self.note_closed_hours(task);
    }

    /// A web callback request (CBK-02).
    pub(crate) fn web_callback(
        &mut self,
        contact: CallId,
        ep: EpIdx,
        queue: QueueIdx,
        name: compact_str::CompactString,
        number: &str,
    ) -> Result<(), Refusal> {
        let Some(e) = self.tenant.entry_points.get(ep.ix()) else {
            return Err(Refusal::UnknownTarget {
                what: "entry point".into(),
                index: ep.0,
            });
        };
        if e.channel != crate::config::ChannelKind::Telephony
            || e.queue_type != crate::config::QueueType::Inbound
        {
            return Err(Refusal::NotCallbackEntryPoint { ep: e.name.clone() });
        }
        if queue.ix() >= self.tenant.queues.len() {
            return Err(Refusal::UnknownTarget {
                what: "queue".into(),
                index: queue.0,
            });
        }
        if self.calls.contains_key(&contact) {
            return Err(Refusal::DuplicateCall { call: contact });
        }
        let number = DialNumber::parse(number).map_err(|e| Refusal::InvalidNumber {
            error: e.to_string(),
        })?;
        let to = e
            .support_numbers
            .first()
            .map(|n| compact_str::CompactString::from(n.as_str()))
            .unwrap_or_default();
        let from = compact_str::CompactString::from(number.as_str());
        let task = self.create_task(
            TaskKind::Callback,
            Channel::Voice,
            Leg::Customer(contact),
            ep,
            from,
            to,
        );
        // No call is live: the request's id names the task, not a call.
        self.tasks.get_mut(&task).expect("live task").customer_live = false;
        self.calls.remove(&contact);
        self.enqueue(task, queue, 0);
        let name = (!name.trim().is_empty()).then_some(name);
        self.become_callback(task, number, name, CallbackSource::Web);
        self.note_closed_hours(task);
        Ok(())
    }

    /// Whether `queue`'s callbacks may be offered now (CBK-10).
    pub(crate) fn callback_hours_open(&self, queue: QueueIdx) -> bool {
        match self.tenant.queues[queue.ix()].callback.hours {
            None => true,
            Some(h) => {
                self.tenant.hours[h.ix()].status_at(self.tenant.timezone, self.wall_now())
                    == crate::config::HoursStatus::Open
            }
        }
    }

    /// The wall-clock instant of now, in microseconds since the Unix epoch.
    pub(crate) fn wall_now(&self) -> i64 {
        self.opts
            .epoch_unix_micros
            .saturating_add(self.now.0 as i64)
    }

    /// When a queue's callback hours open next, in virtual time.
    fn callback_hours_open_at(&self, queue: QueueIdx) -> Option<SimTime> {
        let h = self.tenant.queues[queue.ix()].callback.hours?;
        let at = self.tenant.hours[h.ix()].next_open(self.tenant.timezone, self.wall_now())?;
        let micros = at.checked_sub(self.opts.epoch_unix_micros)?;
        Some(SimTime(u64::try_from(micros).ok()?))
    }

    /// A callback queued while its queue's callback hours are closed waits for them
    /// (CBK-10); the queue's timer wakes routing when they open.
    pub(crate) fn note_closed_hours(&mut self, task: TaskId) {
        let Some(queue) = self.tasks.get(&task).and_then(|t| t.queue) else {
            return;
        };
        if self.callback_hours_open(queue) {
            return;
        }
        let opens = self.callback_hours_open_at(queue);
        self.event(EventKind::CallbackWaitsForHours { task, opens });
        self.arm_callback_hours(queue);
    }

    /// Arms the queue's callback-hours timer, if callbacks wait for the hours.
    pub(crate) fn arm_callback_hours(&mut self, queue: QueueIdx) {
        if self.queues[queue.ix()].hours_timer.is_some() {
            return;
        }
        if let Some(at) = self.callback_hours_open_at(queue)
            && at > self.now
        {
            let key = self.timers.set(at, TimerKind::CallbackHours { queue });
            self.queues[queue.ix()].hours_timer = Some(key);
        }
    }

    /// The queue's callback hours opened: routing looks at its callbacks again.
    pub(crate) fn callback_hours_opened(&mut self, key: TimerKey, queue: QueueIdx) {
        if self.queues[queue.ix()].hours_timer == Some(key) {
            self.queues[queue.ix()].hours_timer = None;
            self.route_pending[Channel::Voice.ix()] = true;
        }
    }

    /// After routing: queues whose callbacks wait for closed hours get their timer.
    pub(crate) fn wake_for_callback_hours(&mut self) {
        for qi in 0..self.queues.len() {
            let queue = QueueIdx(qi as u32);
            if self.tenant.queues[qi].callback.hours.is_none()
                || self.queues[qi].hours_timer.is_some()
            {
                continue;
            }
            let waits = self.queues[qi].waiting[Channel::Voice.ix()]
                .values()
                .any(|e| e.callback);
            if waits && !self.callback_hours_open(queue) {
                self.arm_callback_hours(queue);
            }
        }
    }

    /// The agent accepted a callback (CBK-03, CBK-09): the customer is dialled.
    pub(crate) fn callback_accepted(&mut self, agent: AgentIdx, task: TaskId, work: Work) {
        self.engage(agent, task, work, StateReason::Answered);
        // A caller still hearing the confirmation is released before we call back.
        self.release_caller_of_callback(task);
        self.stop_waiting_offer(task);
        let policy = self.callback_policy(task);
        let t = self.tasks.get_mut(&task).expect("live task");
        let Some(cb) = t.callback.as_deref_mut() else {
            return;
        };
        cb.attempts += 1;
        let number = cb.number.clone();
        if let Err(reason) = self.check_call_limit() {
            // VOI-20: no call can be placed now; the attempt fails at once.
            self.event(EventKind::Refused {
                agent: Some(agent),
                action: crate::input::ActionKind::Accept,
                reason: Box::new(reason),
            });
            self.callback_not_reached(agent, task, DialOutcome::Failed);
            return;
        }
        self.dial_customer(task, number, policy.cancel);
    }

    /// Dials the customer of an outbound task the agent now owns; the agent's card
    /// shows Ringing (or Cancel, when `cancel`).
    pub(crate) fn dial_customer(&mut self, task: TaskId, number: DialNumber, cancel: bool) {
        let now = self.now;
        let t = self.tasks.get_mut(&task).expect("live task");
        // An outdial's leg was numbered when it was placed; a callback's is new.
        let leg = match t.customer {
            Leg::External(leg) => leg,
            _ => {
                self.next_leg += 1;
                LegId(self.next_leg)
            }
        };
        t.stage = Stage::Dialing;
        t.customer = Leg::External(leg);
        t.customer_live = true;
        let owner = t.owner;
        self.place_dial(task, leg, number);
        if let Some(agent) = owner {
            self.notify(
                agent,
                Notice::Dialing {
                    task,
                    since: now,
                    cancel,
                },
            );
        }
    }

    /// The callback's queue policy.
    pub(crate) fn callback_policy(&self, task: TaskId) -> CallbackPolicy {
        let queue = self.tasks.get(&task).and_then(|t| t.queue);
        queue.map_or(
            CallbackPolicy {
                hours: None,
                attempts: crate::config::outbound::DEFAULT_CALLBACK_ATTEMPTS,
                cancel: false,
            },
            |q| self.tenant.queues[q.ix()].callback,
        )
    }

    /// The customer did not answer the callback (CBK-04): the agent wraps up the
    /// attempt and the callback goes back to the end of its queue, until the
    /// queue's attempts are used.
    pub(crate) fn callback_not_reached(
        &mut self,
        agent: AgentIdx,
        task: TaskId,
        outcome: DialOutcome,
    ) {
        self.notify(agent, Notice::NotReached { task, outcome });
        self.start_wrap_up(agent, task, true, true);
        let attempts = self.callback_policy(task).attempts;
        let t = self.tasks.get_mut(&task).expect("live task");
        t.customer_live = false;
        if let Leg::External(leg) = t.customer {
            self.forget_leg(leg);
        }
        let t = self.tasks.get_mut(&task).expect("live task");
        if let Some(caller) = t.callback.as_ref().map(|c| c.caller) {
            t.customer = caller;
        }
        let made = t.callback.as_ref().map_or(u8::MAX, |c| c.attempts);
        if made < attempts && t.queue.is_some() {
            self.next_seq += 1;
            t.key = t.key.with_seq(self.next_seq);
            self.enqueue_again(task);
            self.note_closed_hours(task);
        } else {
            self.customer_gone(task, TaskOutcome::NotReached);
        }
    }
}
