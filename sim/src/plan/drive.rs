//! The plan's own event loop: one replication of the real engine, driven by
//! the plan's virtual parties, with nothing else.
//!
//! The simulator's general [`Driver`](crate::driver::Driver) plays any
//! scenario: callers who press any keys, write, send audio; agents with every
//! behaviour; numbers that are busy, fail or answer late. A plan needs a few of
//! those parties only: callers who call, wait with some patience, press 1 to a
//! callback offer or not, and talk for a handle time; agents on auto-answering
//! softphones who let an offer ring unanswered with the model's probability
//! (RONA) and make themselves available again at once; customers called back
//! who answer after 3 s and talk for the mean handle time; a staffing
//! schedule. This loop plays exactly those, with small records and no
//! general dispatch, so that a plan spends its time in the engine.
//!
//! It keeps the general driver's order to the letter (its stimuli, sequence
//! numbers and ties: engine timers first at an instant, then stimuli in the
//! order they were scheduled; a caller's patience armed when the instant of
//! its arrival is over unless answered in it): a plan gives byte-identical
//! figures with either, which a test checks on models with every feature.
//! The engine and its rules are the same; only the parties are written for
//! the plan.

use std::collections::{BTreeSet, BinaryHeap, VecDeque};

use compact_str::CompactString;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use switchboard_core::dtmf::Digit;
use switchboard_core::event::{AgentState, EventClass, EventKind};
use switchboard_core::ids::{AgentIdx, CallId, LegId, RequestId};
use switchboard_core::input::DialOutcome;
use switchboard_core::intervals::{IntervalCollector, IntervalSums};
use switchboard_core::legs::Leg;
use switchboard_core::output::{EffectClass, NoticeClass};
use switchboard_core::window::IdWindow;
use switchboard_core::{
    AgentAction, Effect, Engine, EngineOptions, Input, Notice, Output, OutputFilter, PhoneEvent,
    SimDuration, SimTime, Tenant,
};

use super::traffic::{Drawn, Model, Staffing, Traffic, secs};
use crate::driver::{Scheduled, Turn, key_time, next_turn};

/// The number callers call (the plan tenant's entry point).
pub(super) const SUPPORT: &str = "+18005550100";
/// The number callers call from.
pub(super) const CALLER: &str = "+15550000000";
/// How long every prompt lasts (the callback offer and its confirmation).
pub(super) const PROMPT: SimDuration = SimDuration::from_secs(3);
/// How long into the callback offer a caller who accepts presses 1.
pub(super) const KEY_DELAY: SimDuration = SimDuration::from_secs(1);
/// How long a customer called back takes to answer.
pub(super) const CALLED_BACK_ANSWER: SimDuration = SimDuration::from_secs(3);
/// Mixed into a replication's seed for the parties' own draws (agents'
/// no-answer), apart from the traffic's.
pub(super) const PARTIES_SEED: u64 = 0x5eed_a9e7;
/// The most tasks a replication may hold at once (about 400 MB):
/// past it, the model is overloaded with a queue that grows without bound
/// (callers who never give up, or callbacks that pile up), and the
/// replication stops with [`Overloaded`] instead of exhausting memory.
pub(super) const MAX_LIVE_TASKS: usize = 1_000_000;

/// A replication stopped because its queue grew past [`MAX_LIVE_TASKS`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Overloaded {
    /// When it stopped.
    pub at: SimTime,
}

/// What the plan's parties act on, and what its collector counts: the engine
/// builds nothing else.
fn outputs() -> OutputFilter {
    IntervalCollector::NEEDS
        .with_event(EventClass::TaskAnswered)
        .with_effect(EffectClass::RingAgent)
        .with_effect(EffectClass::StopRinging)
        .with_effect(EffectClass::PlayPrompt)
        .with_effect(EffectClass::StopPrompt)
        .with_effect(EffectClass::Release)
        .with_effect(EffectClass::Dial)
        .with_notice(NoticeClass::Rona)
        .without_agent_release()
}

/// A caller, from the moment its arrival is scheduled until it hangs up or is
/// released.
struct Caller {
    /// How long it talks once answered.
    talk: SimDuration,
    /// When it gives up and the sequence number its stimulus has, reserved
    /// when the caller was created (see [`PlanDriver::arm_patience`]).
    patience: Option<(SimTime, u64)>,
    /// It will press 1 to the next prompt that collects digits.
    accepts: bool,
    answered: bool,
    /// The prompt playing to it.
    prompt: Option<RequestId>,
    /// The number of prompts played to it: a prompt's end stimulus names
    /// its number, so that the stimulus stays small (the heap's entries
    /// are 32 bytes).
    prompts: u32,
}

/// A scheduled stimulus.
#[derive(Clone, Copy)]
enum Stim {
    Arrive(CallId),
    Patience(CallId),
    TalkEnd(CallId),
    /// The caller presses 1.
    Key(CallId),
    /// The caller's `n`th prompt is over, if it is still the one playing.
    PromptDone(CallId, u32),
    /// An agent's phone reports, for the ring of that number (a ring
    /// withdrawn since makes it void).
    Phone(AgentIdx, u32, PhoneEvent),
    /// The agent makes itself available after RONA.
    AfterRona(AgentIdx),
    /// A customer called back answers.
    Answered(RequestId),
    /// A customer called back hangs up.
    LegHangUp(LegId),
    /// The staffing schedule's next interval starts.
    Staffing,
}

/// One replication: the engine, the clock, the stimuli and the parties.
struct PlanDriver<'m> {
    m: &'m Model,
    engine: Engine,
    now: SimTime,
    heap: BinaryHeap<Scheduled<Stim>>,
    /// Stimuli due now, in the order they were scheduled.
    now_queue: VecDeque<Stim>,
    seq: u64,
    /// The next caller's arrival when it is later than now, kept out of the
    /// heap (there is one at a time).
    arrival: Option<Scheduled<CallId>>,
    /// Callers who arrived this instant, whose patience is armed when the
    /// instant is over unless they were answered in it.
    arriving: Vec<CallId>,
    callers: IdWindow<CallId, Caller>,
    /// Customers called back who are on the line.
    live_legs: BTreeSet<LegId>,
    /// Per agent, the number of its phone's current ring.
    ring: Vec<u32>,
    /// The parties' draws (agents' no-answer).
    parties_rng: ChaCha8Rng,
    traffic: Traffic,
    next_call: u64,
    horizon: SimTime,
    from: CompactString,
    to: CompactString,
    /// How long a customer called back talks.
    called_back_talk: SimDuration,
    counter: IntervalCollector,
    /// Set when the replication stopped, overloaded.
    overloaded: Option<Overloaded>,
    /// The most tasks live at once ([`MAX_LIVE_TASKS`]).
    max_live: usize,
}

/// Runs one replication of `m` at staffing `level` on `tenant` (the plan's);
/// returns what the engine's events gave, per interval of the day, or when it
/// stopped if it was overloaded.
pub(super) fn replicate(
    m: &Model,
    tenant: &std::sync::Arc<Tenant>,
    level: u32,
    seed: u64,
) -> Result<Vec<IntervalSums>, Overloaded> {
    replicate_capped(m, tenant, level, seed, MAX_LIVE_TASKS)
}

/// [`replicate`], stopping when `max_live` tasks are live at once.
pub(super) fn replicate_capped(
    m: &Model,
    tenant: &std::sync::Arc<Tenant>,
    level: u32,
    seed: u64,
    max_live: usize,
) -> Result<Vec<IntervalSums>, Overloaded> {
    let opts = EngineOptions {
        outputs: outputs(),
        ..EngineOptions::default()
    };
    let horizon = SimTime(m.horizon_s * 1_000_000);
    let mut d = PlanDriver {
        m,
        engine: Engine::new(tenant.clone(), opts),
        now: SimTime::ZERO,
        heap: BinaryHeap::new(),
        now_queue: VecDeque::new(),
        seq: 0,
        arrival: None,
        arriving: Vec::new(),
        callers: IdWindow::default(),
        live_legs: BTreeSet::new(),
        ring: vec![0; tenant.agents.len()],
        parties_rng: ChaCha8Rng::seed_from_u64(seed ^ PARTIES_SEED),
        traffic: Traffic::new(seed, horizon),
        next_call: 0,
        horizon,
        from: CompactString::from(CALLER),
        to: CompactString::from(SUPPORT),
        called_back_talk: secs(m.handle.mean()),
        counter: IntervalCollector::new(
            SimDuration::from_secs(m.interval_s()),
            secs(m.threshold_s),
            SimTime(m.warm_up_s * 1_000_000),
        ),
        overloaded: None,
        max_live,
    };
    match m.staffing {
        Staffing::Schedule { interval_s, .. } => {
            d.set_staffing(m.agents_at(level, 0));
            d.schedule(SimTime(interval_s * 1_000_000), Stim::Staffing);
        }
        _ => d.set_staffing(level),
    }
    d.add_next();
    d.drain();
    d.run();
    match d.overloaded {
        Some(o) => Err(o),
        None => Ok(d.counter.into_sums()),
    }
}

impl PlanDriver<'_> {
    /// Creates the next caller, if one arrives within the horizon, and
    /// schedules its arrival. With too many tasks live, the replication
    /// stops instead.
    fn add_next(&mut self) {
        if self.counter.live() >= self.max_live {
            self.overloaded = Some(Overloaded { at: self.now });
            self.horizon = self.now;
            return;
        }
        let Some(Drawn {
            at: t,
            talk,
            patience,
            accepts,
        }) = self.traffic.next(self.m)
        else {
            return;
        };
        self.next_call += 1;
        let call = CallId(self.next_call);
        if t <= self.now {
            self.now_queue.push_back(Stim::Arrive(call));
        } else {
            self.seq += 1;
            self.arrival = Some(Scheduled::new(t, self.seq, call));
        }
        // The patience stimulus takes the next sequence number now, so that
        // it keeps its place among stimuli due at the same time, but joins
        // the heap only if the caller is still waiting when the arrival's
        // instant is over (most callers are answered at once).
        let patience = patience.map(|p| {
            self.seq += 1;
            (t + p, self.seq)
        });
        self.callers.insert_with(call, || Caller {
            talk,
            patience,
            accepts,
            answered: false,
            prompt: None,
            prompts: 0,
        });
    }

    /// Schedules a stimulus. One due now runs after everything already due now.
    fn schedule(&mut self, at: SimTime, stim: Stim) {
        if at <= self.now {
            self.now_queue.push_back(stim);
            return;
        }
        self.seq += 1;
        self.heap.push(Scheduled::new(at, self.seq, stim));
    }

    /// The key of the earliest scheduled stimulus: the heap's or the next
    /// arrival's (see [`Scheduled`]).
    fn earliest(&self) -> Option<u128> {
        let heap = self.heap.peek().map(|s| s.key);
        match (heap, &self.arrival) {
            (Some(h), Some(a)) => Some(h.min(a.key)),
            (h, a) => h.or(a.as_ref().map(|a| a.key)),
        }
    }

    /// The next stimulus due at `t`: scheduled ones due by then were
    /// scheduled before anything due now, so they go first.
    fn pop_due(&mut self, t: SimTime) -> Option<Stim> {
        if let Some(k) = self.earliest()
            && key_time(k) <= t
        {
            if let Some(a) = &self.arrival
                && a.key == k
            {
                let call = a.stim;
                self.arrival = None;
                return Some(Stim::Arrive(call));
            }
            return self.heap.pop().map(|s| s.stim);
        }
        self.now_queue.pop_front()
    }

    /// Arms the patience of the callers who arrived in the instant just over
    /// and are still waiting: exactly as if it had been scheduled with the
    /// arrival (a caller answered does not give up).
    fn arm_patience(&mut self) {
        for i in 0..self.arriving.len() {
            let call = self.arriving[i];
            if let Some(c) = self.callers.get(&call)
                && !c.answered
                && let Some((at, seq)) = c.patience
            {
                self.heap
                    .push(Scheduled::new(at, seq, Stim::Patience(call)));
            }
        }
        self.arriving.clear();
    }

    /// Runs to the horizon: at equal times engine timers fire first, then
    /// stimuli in the order they were scheduled.
    fn run(&mut self) {
        loop {
            let stim_at = if self.now_queue.is_empty() {
                self.earliest().map(key_time)
            } else {
                Some(self.now)
            };
            let timer_at = self.engine.poll_timeout();
            let next = match next_turn(self.now, stim_at, timer_at, !self.arriving.is_empty()) {
                Turn::ArmPatience => {
                    self.arm_patience();
                    continue;
                }
                Turn::At(t) => t,
                Turn::Idle => break,
            };
            if next > self.horizon {
                break;
            }
            self.now = next;
            if timer_at == Some(next) {
                self.engine.handle_timeout(next);
            } else if let Some(stim) = self.pop_due(next) {
                self.apply(stim);
            }
            self.drain();
        }
        if self.overloaded.is_some() {
            return;
        }
        self.now = self.now.max(self.horizon);
        self.engine.handle_timeout(self.now);
        self.drain();
    }

    /// Feeds one input to the engine now (a refusal changes nothing; the
    /// parties act on what happened).
    fn input(&mut self, input: Input) {
        let _ = self.engine.handle(self.now, input);
    }

    /// A stimulus happens: the party acts, if what it acts on still holds.
    fn apply(&mut self, stim: Stim) {
        let input = match stim {
            Stim::Arrive(call) => {
                self.add_next();
                let Some(c) = self.callers.get(&call) else {
                    return;
                };
                match c.patience {
                    // Giving up at once: due now, before what the arrival leads to.
                    Some((at, seq)) if at <= self.now => {
                        self.heap
                            .push(Scheduled::new(at, seq, Stim::Patience(call)))
                    }
                    Some(_) => self.arriving.push(call),
                    None => {}
                }
                Input::CallArrived {
                    call,
                    from: self.from.clone(),
                    to: self.to.clone(),
                }
            }
            Stim::Patience(call) => match self.callers.get(&call) {
                Some(c) if !c.answered => {
                    self.callers.delete(&call);
                    Input::CustomerHungUp { call }
                }
                _ => return,
            },
            Stim::TalkEnd(call) => {
                if !self.callers.delete(&call) {
                    return;
                }
                Input::CustomerHungUp { call }
            }
            Stim::Key(call) => {
                if !self.callers.contains_key(&call) {
                    return;
                }
                Input::CustomerDigit {
                    call,
                    digit: Digit::ONE,
                }
            }
            Stim::PromptDone(call, n) => match self.callers.get_mut(&call) {
                Some(c) if c.prompts == n => match c.prompt.take() {
                    Some(request) => Input::PromptFinished { call, request },
                    None => return,
                },
                _ => return,
            },
            Stim::Phone(agent, ring, event) => {
                if self.ring[agent.ix()] != ring {
                    return;
                }
                Input::Phone { agent, event }
            }
            Stim::AfterRona(agent) => {
                if self.engine.agent_state(agent) != Some(AgentState::Rona) {
                    return;
                }
                Input::Agent {
                    agent,
                    action: AgentAction::SetAvailable,
                }
            }
            Stim::Answered(request) => Input::DialResult {
                request,
                outcome: DialOutcome::Answered,
            },
            Stim::LegHangUp(leg) => {
                if !self.live_legs.remove(&leg) {
                    return;
                }
                Input::LegHungUp { leg }
            }
            Stim::Staffing => {
                self.next_staffing();
                return;
            }
        };
        self.input(input);
    }

    /// The staffing schedule's interval starts: its agents are logged in or
    /// out, and the next change is scheduled.
    fn next_staffing(&mut self) {
        let Staffing::Schedule { interval_s, .. } = self.m.staffing else {
            return;
        };
        let t = self.now.0 / 1_000_000;
        self.set_staffing(self.m.agents_at(0, t));
        let next = SimTime(((t / interval_s) + 1) * interval_s * 1_000_000);
        if next < self.horizon {
            self.schedule(next, Stim::Staffing);
        }
    }

    /// Logs agents in or out so that the first `want` are logged in (those
    /// busy log out when they can: a refused logout is retried by the next
    /// change).
    fn set_staffing(&mut self, want: u32) {
        for a in 0..self.ring.len() as u32 {
            let agent = AgentIdx(a);
            let on = self
                .engine
                .agent_state(agent)
                .is_some_and(|s| s != AgentState::LoggedOut);
            let action = match (a < want, on) {
                (true, false) => AgentAction::Login,
                (false, true) => AgentAction::Logout,
                _ => continue,
            };
            self.input(Input::Agent { agent, action });
        }
    }

    /// Drains the engine's outputs: the parties react, the collector counts.
    fn drain(&mut self) {
        while let Some(out) = self.engine.poll_output() {
            match out {
                Output::Event(e) => {
                    if let EventKind::TaskAnswered { task, .. } = e.kind
                        && let Some(call) = self.engine.call_of_task(task)
                        && let Some(c) = self.callers.get_mut(&call)
                    {
                        c.answered = true;
                        let at = self.now + c.talk;
                        self.schedule(at, Stim::TalkEnd(call));
                    }
                    self.counter.observe(&e);
                }
                Output::Effect(effect) => self.react(effect),
            }
        }
    }

    /// The parties react to what the engine asks of them.
    fn react(&mut self, effect: Effect) {
        let now = self.now;
        match effect {
            Effect::RingAgent { agent, .. } => {
                let ring = &mut self.ring[agent.ix()];
                *ring += 1;
                let ring = *ring;
                // An auto-answering softphone answers the offer at once,
                // unless the agent lets it go (then it rings, unanswered).
                let p = self.m.no_answer;
                let ignores = p > 0.0 && rand::RngExt::random::<f64>(&mut self.parties_rng) < p;
                let event = if ignores {
                    PhoneEvent::Ringing
                } else {
                    PhoneEvent::Answered
                };
                self.schedule(now, Stim::Phone(agent, ring, event));
            }
            Effect::StopRinging { agent, .. } => self.ring[agent.ix()] += 1,
            Effect::PlayPrompt {
                call,
                request,
                collect_digits,
                ..
            } => {
                let Some(c) = self.callers.get_mut(&call) else {
                    return;
                };
                c.prompt = Some(request);
                c.prompts += 1;
                let n = c.prompts;
                let key = collect_digits && c.accepts;
                if key {
                    c.accepts = false;
                }
                self.schedule(now + PROMPT, Stim::PromptDone(call, n));
                if key {
                    self.schedule(now + KEY_DELAY, Stim::Key(call));
                }
            }
            Effect::StopPrompt { call } => {
                if let Some(c) = self.callers.get_mut(&call) {
                    c.prompt = None;
                }
            }
            Effect::Release {
                leg: Leg::Customer(call),
            } => {
                self.callers.delete(&call);
            }
            Effect::Release {
                leg: Leg::External(leg),
            } => {
                self.live_legs.remove(&leg);
            }
            Effect::Dial { leg, request, .. } => {
                let at = now + CALLED_BACK_ANSWER;
                self.schedule(at, Stim::Answered(request));
                self.live_legs.insert(leg);
                self.schedule(at + self.called_back_talk, Stim::LegHangUp(leg));
            }
            Effect::Notify {
                agent,
                notice: Notice::Rona { .. },
            } => self.schedule(now, Stim::AfterRona(agent)),
            _ => {}
        }
    }
}
