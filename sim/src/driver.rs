//! The virtual-time loop: a clock, a queue of scheduled stimuli, the engine and
//! its virtual parties. Each turn takes the earliest of {scheduled stimulus,
//! engine timeout, checkpoint}, feeds the engine, drains its outputs, lets the
//! parties react to them (a phone rings, then is answered 2 s later; a dialled
//! number answers or is busy...), and hands every output to the [`Hooks`]
//! (trace, statistics, invariants).
//!
//! At equal times engine timers fire first, then stimuli in the order they were
//! scheduled, then checkpoints: everything due at an instant has happened before
//! anything is checked at that instant.

use std::collections::{BTreeMap, BTreeSet, BinaryHeap, VecDeque};

use compact_str::CompactString;
use switchboard_core::address::Address;
use switchboard_core::config::PreviewAction;
use switchboard_core::dialnum::DialNumber;
use switchboard_core::dtmf::Digit;
use switchboard_core::event::{AgentState, EventClass, EventKind, WorkPhase};
use switchboard_core::ids::*;
use switchboard_core::input::DialOutcome;
use switchboard_core::legs::{Channel, Leg};
use switchboard_core::media::Pcm;
use switchboard_core::message::{InboundMessage, MessageContent};
use switchboard_core::output::{EffectClass, NoticeClass};
use switchboard_core::window::IdWindow;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::audio::{AudioSim, TICK};
use crate::inputlog::InputLog;
use switchboard_core::{
    AgentAction, Effect, Engine, Input, Notice, Output, OutputFilter, PhoneEvent, Refusal,
    SimDuration, SimTime,
};

/// What a virtual agent does after RONA.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum AfterRona {
    Available,
    Idle(IdleReasonIdx),
}

/// How a virtual agent (person and phone) behaves.
#[derive(Copy, Clone, Debug)]
pub struct AgentBehaviour {
    /// From Connecting until the phone rings.
    pub ring_delay: SimDuration,
    /// Answer this long after ringing starts; `None` never answers.
    pub answer: Option<SimDuration>,
    /// Accept a digital request this long after it shows; `None` never accepts.
    pub accept: Option<SimDuration>,
    /// The phone fails when rung.
    pub fail: bool,
    /// End a task this long after engaging on it.
    pub end_after: Option<SimDuration>,
    /// Submit this reason this long after a task ends.
    pub wrap_up: Option<(WrapUpReasonIdx, SimDuration)>,
    /// A handset goes down this long after the call is released.
    pub hang_up_after: SimDuration,
    /// Leave RONA this way, this long after it.
    pub after_rona: Option<(AfterRona, SimDuration)>,
    /// Decide a campaign preview this way, this long after it shows.
    pub preview: Option<(PreviewAction, SimDuration)>,
    /// Write back this long after engaging on a digital task and after each
    /// customer message.
    pub reply: Option<SimDuration>,
    /// The chance (0 to 1) that the agent lets a ringing offer go unanswered,
    /// drawn per offer from the driver's seeded generator (see [`Driver::set_seed`]).
    pub no_answer: f64,
    /// The phone answers by itself (a softphone set to auto-answer): it reports
    /// no ringing, only the answer, `answer` after the offer reaches it. An
    /// offer the agent lets go (`no_answer`) rings as on any phone.
    pub auto_answer: bool,
}

impl Default for AgentBehaviour {
    fn default() -> Self {
        AgentBehaviour {
            ring_delay: SimDuration::ZERO,
            answer: Some(SimDuration::from_secs(2)),
            accept: Some(SimDuration::from_secs(2)),
            fail: false,
            end_after: None,
            wrap_up: None,
            hang_up_after: SimDuration::from_secs(2),
            after_rona: None,
            preview: None,
            reply: None,
            no_answer: 0.0,
            auto_answer: false,
        }
    }
}

/// What a run's virtual parties do, for [`Driver::outputs_needed_by`].
#[derive(Copy, Clone, Debug)]
pub struct Parties {
    /// The run has chats, emails or messages (agents accept those from the
    /// contact request).
    pub digital: bool,
    /// Some agent submits wrap-up reasons itself ([`AgentBehaviour::wrap_up`]).
    pub agents_wrap_up: bool,
    /// Some agent has a handset (its release is followed by putting it down).
    pub handsets: bool,
}

/// How a virtual caller reaches us.
#[derive(Clone, Debug)]
pub enum Arrival {
    /// A call to a number.
    Call { to: CompactString },
    /// A chat, email or message at a digital entry point: its first message.
    Digital {
        ep: EpIdx,
        message: Box<InboundMessage>,
    },
    /// A web callback request (CBK-02): call back `from`. Boxed: callers are many
    /// and moved often, web requests rare.
    WebCallback(Box<WebRequest>),
}

/// A web callback request's own data.
#[derive(Clone, Debug)]
pub struct WebRequest {
    pub ep: EpIdx,
    pub queue: QueueIdx,
    pub name: CompactString,
}

/// How a virtual caller behaves.
#[derive(Clone, Debug)]
pub struct CallerBehaviour {
    pub from: CompactString,
    pub arrival: Arrival,
    /// Hang up this long after calling, if not answered by then.
    pub patience: Option<SimDuration>,
    /// Hang up this long after being answered.
    pub talk: Option<SimDuration>,
    /// Keys to press, one per menu prompt.
    pub keys: Vec<Digit>,
    /// How long into a menu prompt the key is pressed.
    pub key_delay: SimDuration,
}

/// How a number the engine dials behaves (a consulted expert, a customer called back).
#[derive(Clone, Debug)]
pub struct NumberBehaviour {
    /// Answers this long after the dial; `None`: no answer (reported after 30 s).
    pub answer: Option<SimDuration>,
    pub busy: bool,
    pub fail: bool,
    /// Hangs up this long after answering.
    pub talk: Option<SimDuration>,
    /// An answering machine answers (CMP-09).
    pub machine: bool,
    /// What the party says from the moment it answers (with audio on): a
    /// person's "hello", a machine's greeting.
    pub audio: Option<Pcm>,
    /// A network fault: the result is reported this much later than it happened
    /// (it may arrive after the engine stopped waiting for it).
    pub late: Option<SimDuration>,
    /// A network fault: the result is reported a second time, this long after the first.
    pub duplicate: Option<SimDuration>,
}

impl Default for NumberBehaviour {
    fn default() -> Self {
        NumberBehaviour {
            answer: Some(SimDuration::from_secs(3)),
            busy: false,
            fail: false,
            talk: None,
            machine: false,
            audio: None,
            late: None,
            duplicate: None,
        }
    }
}

/// How long a sent message takes to be reported delivered (or not).
const DELIVERY_AFTER: SimDuration = SimDuration::from_secs(1);

/// How long a number that never answers rings before the network reports it.
const NO_ANSWER_AFTER: SimDuration = SimDuration::from_secs(30);

#[derive(Clone, Debug)]
struct Caller {
    b: CallerBehaviour,
    next_key: usize,
    prompt: Option<RequestId>,
    answered: bool,
    /// When the caller gives up and the sequence number its stimulus has,
    /// reserved when the caller was added (see [`Driver::arm_patience`]).
    patience: Option<(SimTime, u64)>,
}

#[derive(Clone, Debug)]
struct AgentParty {
    b: AgentBehaviour,
    /// Bumped when a ring is withdrawn: scheduled phone events of older rings are void.
    ring_gen: u32,
}

/// A scheduled stimulus.
#[derive(Clone, Debug)]
pub enum Stim {
    Arrive(CallId),
    Patience(CallId),
    TalkEnd(CallId),
    Key(CallId, Digit),
    PromptDone(CallId, RequestId),
    Phone(AgentIdx, u32, PhoneEvent),
    Accept(AgentIdx, TaskId),
    WrapUp(AgentIdx, TaskId, WrapUpReasonIdx),
    End(AgentIdx, TaskId),
    AfterRona(AgentIdx, AfterRona),
    Preview(AgentIdx, TaskId, PreviewAction),
    HandsetDown(AgentIdx),
    DialResult(RequestId, DialOutcome),
    /// A sent message's delivery result.
    Delivery(RequestId, bool),
    /// The agent writes back on a digital task.
    Reply(AgentIdx, TaskId),
    LegHangUp(LegId),
    /// A party starts saying something (with audio on). Boxed: the heap's
    /// entries stay small.
    Play(Box<(Leg, Pcm)>),
    /// The next 20 ms of audio.
    AudioTick,
    /// A scripted step, handled by [`Hooks::script`].
    Script(usize),
}

/// A scheduled stimulus in a heap: ordered by its key, (time << 64 |
/// sequence number), alone, the earliest first; the stimulus rides along.
/// Shared with the plan's own loop (`plan/drive.rs`).
#[derive(Debug)]
pub(crate) struct Scheduled<S> {
    pub key: u128,
    pub stim: S,
}

impl<S> Scheduled<S> {
    /// A stimulus due at `at`, `seq`th in the order of scheduling.
    pub fn new(at: SimTime, seq: u64, stim: S) -> Self {
        Scheduled {
            key: ((at.0 as u128) << 64) | seq as u128,
            stim,
        }
    }

    /// When it is due.
    pub fn at(&self) -> SimTime {
        key_time(self.key)
    }
}

/// When a stimulus with this [`Scheduled`] key is due.
pub(crate) fn key_time(key: u128) -> SimTime {
    SimTime((key >> 64) as u64)
}

impl<S> PartialEq for Scheduled<S> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl<S> Eq for Scheduled<S> {}

impl<S> PartialOrd for Scheduled<S> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<S> Ord for Scheduled<S> {
    /// Reversed, so that the max-heap pops the earliest.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other.key.cmp(&self.key)
    }
}

/// What a loop over the engine does next (see [`next_turn`]).
pub(crate) enum Turn {
    /// The instant is over with callers who arrived in it: arm their patience.
    ArmPatience,
    /// Go to this time: the earliest stimulus or engine timer.
    At(SimTime),
    /// Nothing is left.
    Idle,
}

/// The order every loop over the engine keeps (this driver's and the plan's,
/// `plan/drive.rs`): from the earliest stimulus due (`stim_at`) and engine
/// timer (`timer_at`), and whether callers `arrived` this instant, what
/// happens next. At equal times, the caller decides which of a timer and a
/// stimulus goes first (timers do).
#[inline]
pub(crate) fn next_turn(
    now: SimTime,
    stim_at: Option<SimTime>,
    timer_at: Option<SimTime>,
    arrived: bool,
) -> Turn {
    if arrived && stim_at.is_none_or(|t| t > now) && timer_at.is_none_or(|t| t > now) {
        return Turn::ArmPatience;
    }
    match (stim_at, timer_at) {
        (Some(a), Some(b)) => Turn::At(a.min(b)),
        (Some(t), None) | (None, Some(t)) => Turn::At(t),
        (None, None) => Turn::Idle,
    }
}

/// What the driver's user does with the run.
pub trait Hooks {
    /// Every output of the engine, in order, after the parties reacted to it.
    fn output(&mut self, _now: SimTime, _out: Output, _engine: &Engine) {}
    /// A caller is about to call (before the engine hears of it).
    fn arrival(&mut self, _driver: &mut Driver, _call: CallId) {}
    /// A scripted step is due.
    fn script(&mut self, _driver: &mut Driver, _index: usize) {}
    /// After every engine step (input or timeout) and its outputs; `false` stops the run.
    fn stepped(&mut self, _driver: &Driver) -> bool {
        true
    }
    /// The next checkpoint time, if any.
    fn next_check(&self) -> Option<SimTime> {
        None
    }
    /// A checkpoint is due (everything at or before `at` has happened).
    fn check(&mut self, _driver: &Driver, _at: SimTime) {}
}

/// The simulator: engine, clock, stimuli and parties.
pub struct Driver {
    pub engine: Engine,
    now: SimTime,
    /// Scheduled stimuli keyed (time << 64 | sequence number), earliest first.
    heap: BinaryHeap<Scheduled<Stim>>,
    /// Stimuli due now, in the order they were scheduled.
    now_queue: VecDeque<Stim>,
    seq: u64,
    /// Callers who arrived this instant, whose patience is armed when the
    /// instant is over unless they were answered in it.
    arriving: Vec<CallId>,
    agents: Vec<AgentParty>,
    callers: IdWindow<CallId, Caller>,
    numbers: BTreeMap<DialNumber, NumberBehaviour>,
    /// Customers whom messages do not reach.
    undelivered: BTreeSet<Address>,
    /// Dialled legs whose party is still on the line.
    live_legs: BTreeMap<LegId, ()>,
    prompt_len: Vec<SimDuration>,
    steps: u64,
    /// The media plane and the parties' sound, when the run has audio.
    audio: Option<Box<AudioSim>>,
    /// An audio tick is scheduled.
    ticking: bool,
    /// What callers say from the moment their call arrives (with audio on);
    /// kept apart so that a caller without audio stays small.
    caller_audio: BTreeMap<CallId, Pcm>,
    /// How numbers not set with [`Driver::set_number`] behave.
    default_number: NumberBehaviour,
    /// The parties' chance draws (agents' no-answer), seeded.
    rng: ChaCha8Rng,
    /// Every call made to the engine, when recording (see [`Driver::record_inputs`]).
    recording: Option<InputLog>,
}

impl Driver {
    /// A driver around an engine; every agent behaves by default, every prompt lasts 3 s.
    pub fn new(engine: Engine) -> Driver {
        let t = engine.tenant().clone();
        Driver {
            agents: t
                .agents
                .iter()
                .map(|_| AgentParty {
                    b: AgentBehaviour::default(),
                    ring_gen: 0,
                })
                .collect(),
            prompt_len: vec![SimDuration::from_secs(3); t.prompts.len()],
            engine,
            now: SimTime::ZERO,
            heap: BinaryHeap::new(),
            now_queue: VecDeque::new(),
            seq: 0,
            arriving: Vec::new(),
            callers: IdWindow::default(),
            numbers: BTreeMap::new(),
            live_legs: BTreeMap::new(),
            undelivered: BTreeSet::new(),
            steps: 0,
            audio: None,
            ticking: false,
            caller_audio: BTreeMap::new(),
            default_number: NumberBehaviour::default(),
            rng: ChaCha8Rng::seed_from_u64(0),
            recording: None,
        }
    }

    /// Records from now on every call the driver makes to the engine
    /// ([`Engine::handle`] and [`Engine::handle_timeout`]) into an
    /// [`InputLog`] that [`crate::inputlog::replay_log`] replays. Call it right
    /// after [`Driver::new`], before any input, so that the log is the engine's
    /// whole history. Calling it again keeps what was recorded so far.
    pub fn record_inputs(&mut self) {
        if self.recording.is_none() {
            self.recording = Some(InputLog::default());
        }
    }

    /// What was recorded since [`Driver::record_inputs`] (or the last take);
    /// recording goes on into a fresh log. Empty when not recording.
    pub fn take_input_log(&mut self) -> InputLog {
        self.recording
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// [`Engine::handle`] now, recorded when recording.
    #[inline]
    fn engine_handle(&mut self, input: Input) -> Result<(), Refusal> {
        if let Some(log) = self.recording.as_mut() {
            log.push_input(self.now, input.clone());
        }
        self.engine.handle(self.now, input)
    }

    /// [`Engine::handle_timeout`] at `at`, recorded when recording.
    #[inline]
    fn engine_timeout(&mut self, at: SimTime) {
        if let Some(log) = self.recording.as_mut() {
            log.push_timeout(at);
        }
        self.engine.handle_timeout(at);
    }

    /// The outputs the virtual parties act on (see [`Driver::react`]): what a
    /// driver whose own user reads nothing else can ask the engine for (see
    /// [`switchboard_core::OutputFilter`]). `digital`: the run has chats,
    /// emails or messages (agents accept those from the contact request).
    pub fn outputs_needed(digital: bool) -> OutputFilter {
        Driver::outputs_needed_by(Parties {
            digital,
            agents_wrap_up: true,
            handsets: true,
        })
    }

    /// [`Driver::outputs_needed`] for parties that do less: without agents
    /// who submit wrap-up reasons themselves, the wrap-up notice is not
    /// needed; without handsets, neither is the release of an agent's phone.
    pub fn outputs_needed_by(parties: Parties) -> OutputFilter {
        let f = OutputFilter::NONE
            .with_event(EventClass::TaskAnswered)
            .with_event(EventClass::Transferred)
            .with_effect(EffectClass::RingAgent)
            .with_effect(EffectClass::StopRinging)
            .with_effect(EffectClass::PlayPrompt)
            .with_effect(EffectClass::StopPrompt)
            .with_effect(EffectClass::Release)
            .with_effect(EffectClass::Dial)
            .with_effect(EffectClass::SendMessage)
            .with_notice(NoticeClass::Message)
            .with_notice(NoticeClass::WrapUp)
            .with_notice(NoticeClass::Rona)
            .with_notice(NoticeClass::Preview);
        let f = if parties.digital {
            f.with_notice(NoticeClass::ContactRequest)
        } else {
            f
        };
        let f = if parties.agents_wrap_up {
            f
        } else {
            f.without_notice(NoticeClass::WrapUp)
        };
        if parties.handsets {
            f
        } else {
            f.without_agent_release()
        }
    }

    /// Seeds the parties' chance draws.
    pub fn set_seed(&mut self, seed: u64) {
        self.rng = ChaCha8Rng::seed_from_u64(seed);
    }

    /// How numbers without their own behaviour answer (by default: after 3 s,
    /// and they stay on the line until the agent ends).
    pub fn set_default_number(&mut self, b: NumberBehaviour) {
        self.default_number = b;
    }

    /// What a caller says from the moment its call arrives (with audio on).
    pub fn set_caller_audio(&mut self, call: CallId, pcm: Pcm) {
        self.caller_audio.insert(call, pcm);
    }

    /// Runs the media plane beside the engine: prompts with audio play from
    /// it, parties' sound goes through it, keys and machines are heard by it.
    pub fn enable_audio(&mut self, audio: AudioSim) {
        self.audio = Some(Box::new(audio));
    }

    /// The run's audio, if it has any.
    pub fn audio(&self) -> Option<&AudioSim> {
        self.audio.as_deref()
    }

    /// A party starts saying `pcm` now (with audio on; ignored otherwise).
    pub fn play(&mut self, leg: Leg, pcm: Pcm) {
        if let Some(a) = self.audio.as_mut() {
            a.play(leg, pcm);
        }
        self.keep_ticking();
    }

    /// A party sends keys as RFC 4733 telephone-events (with audio on).
    pub fn telephone_events(&mut self, leg: Leg, digits: &[Digit]) {
        let mut inputs = Vec::new();
        if let Some(a) = self.audio.as_mut() {
            for d in digits {
                a.telephone_event(leg, *d);
            }
            a.drain(&mut inputs);
        }
        for i in inputs {
            let _ = self.input(i);
        }
    }

    /// Schedules the next audio tick while the media has anything to do.
    fn keep_ticking(&mut self) {
        if !self.ticking && self.audio.as_ref().is_some_and(|a| a.active()) {
            self.ticking = true;
            self.schedule(self.now + TICK, Stim::AudioTick);
        }
    }

    /// The virtual time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Engine steps taken so far (inputs and timeouts).
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Sets how an agent behaves.
    pub fn set_agent(&mut self, agent: AgentIdx, b: AgentBehaviour) {
        // An agent who wraps up by itself needs the wrap-up notice (see
        // [`Driver::outputs_needed_by`]).
        debug_assert!(
            b.wrap_up.is_none()
                || self
                    .engine
                    .options()
                    .outputs
                    .wants_notice_class(NoticeClass::WrapUp),
            "an agent that wraps up by itself under an output filter without the wrap-up notice"
        );
        if let Some(a) = self.agents.get_mut(agent.ix()) {
            a.b = b;
        }
    }

    /// Sets how a dialled number behaves (others answer after 3 s).
    pub fn set_number(&mut self, number: DialNumber, b: NumberBehaviour) {
        self.numbers.insert(number, b);
    }

    /// Messages sent to this address are reported undelivered.
    pub fn set_undelivered(&mut self, address: Address) {
        self.undelivered.insert(address);
    }

    /// Sets how long a prompt plays.
    pub fn set_prompt_len(&mut self, prompt: PromptIdx, len: SimDuration) {
        if let Some(p) = self.prompt_len.get_mut(prompt.ix()) {
            *p = len;
        }
    }

    /// Adds a caller who calls (or writes) at `at`; without it, one who writes only
    /// when told (or is contacted).
    pub fn add_caller(&mut self, call: CallId, at: Option<SimTime>, b: CallerBehaviour) {
        let patience = b.patience;
        let mut caller = Caller {
            b,
            next_key: 0,
            prompt: None,
            answered: false,
            patience: None,
        };
        if let Some(at) = at {
            self.schedule(at, Stim::Arrive(call));
            // The patience stimulus takes the next sequence number now, so that
            // it keeps its place among stimuli due at the same time, but joins
            // the heap only if the caller is still waiting when the arrival's
            // instant is over (most callers are answered at once).
            if let Some(p) = patience {
                self.seq += 1;
                caller.patience = Some((at + p, self.seq));
            }
        }
        self.callers.insert(call, caller);
    }

    /// Arms the patience of the callers who arrived in the instant just over
    /// and are still waiting: exactly as if it had been scheduled with the
    /// arrival (a caller answered does not give up).
    fn arm_patience(&mut self) {
        // Taken and put back, so that the list keeps its allocation.
        let mut arriving = std::mem::take(&mut self.arriving);
        for call in arriving.drain(..) {
            if let Some(c) = self.callers.get(&call)
                && !c.answered
                && let Some((at, seq)) = c.patience
            {
                self.push(at, seq, Stim::Patience(call));
            }
        }
        self.arriving = arriving;
    }

    /// Schedules a stimulus. One due now runs after everything already due now.
    pub fn schedule(&mut self, at: SimTime, stim: Stim) {
        if at <= self.now {
            self.now_queue.push_back(stim);
            return;
        }
        self.seq += 1;
        self.push(at, self.seq, stim);
    }

    /// Puts a stimulus in the heap under its time and sequence number.
    fn push(&mut self, at: SimTime, seq: u64, stim: Stim) {
        self.heap.push(Scheduled::new(at, seq, stim));
    }

    /// When the earliest scheduled stimulus is due.
    fn heap_next(&self) -> Option<SimTime> {
        self.heap.peek().map(Scheduled::at)
    }

    /// The next stimulus due at `t`: heap entries due by then were scheduled before
    /// anything in the queue of stimuli due now, so they go first.
    fn pop_due(&mut self, t: SimTime) -> Option<Stim> {
        if self.heap_next().is_some_and(|at| at <= t) {
            return self.heap.pop().map(|s| s.stim);
        }
        self.now_queue.pop_front()
    }

    /// Feeds one input to the engine now (outputs are drained by the loop).
    pub fn input(&mut self, input: Input) -> Result<(), Refusal> {
        self.steps += 1;
        if self.audio.is_some() {
            return self.input_with_audio(input);
        }
        self.engine_handle(input)
    }

    /// [`Driver::input`] with the media plane beside the engine (kept out of
    /// the way of runs without audio).
    #[inline(never)]
    fn input_with_audio(&mut self, input: Input) -> Result<(), Refusal> {
        // A party that hangs up is gone from the media too (as the network tells both).
        let gone = match &input {
            Input::CustomerHungUp { call } => Some(Leg::Customer(*call)),
            Input::LegHungUp { leg } => Some(Leg::External(*leg)),
            _ => None,
        };
        let reconfigure = matches!(input, Input::Reconfigure { .. });
        let result = self.engine_handle(input);
        if let Some(a) = self.audio.as_mut() {
            if let Some(leg) = gone {
                a.silence(leg);
                a.media.hung_up(leg);
            }
            if reconfigure {
                // The media follows the configuration in force (NOI-02).
                a.media
                    .set_noise_removal(self.engine.tenant().noise_removal);
            }
        }
        result
    }

    /// Whether anything is still scheduled (a stimulus or an engine timer).
    pub fn pending(&self) -> bool {
        !self.now_queue.is_empty()
            || !self.heap.is_empty()
            || !self.arriving.is_empty()
            || self.engine.poll_timeout().is_some()
    }

    /// Runs until nothing is left to happen, or past `end`. Returns the final time.
    pub fn run(&mut self, hooks: &mut impl Hooks, end: Option<SimTime>) -> SimTime {
        self.run_until(hooks, end, None)
    }

    /// Like [`Driver::run`], and without `end` it stops (leaving the clock at the
    /// last thing that happened) before anything due after `limit`: see [`Driver::pending`].
    pub fn run_until(
        &mut self,
        hooks: &mut impl Hooks,
        end: Option<SimTime>,
        limit: Option<SimTime>,
    ) -> SimTime {
        loop {
            let stim_at = if self.now_queue.is_empty() {
                self.heap_next()
            } else {
                Some(self.now)
            };
            let timer_at = self.engine.poll_timeout();
            let next = match next_turn(self.now, stim_at, timer_at, !self.arriving.is_empty()) {
                Turn::ArmPatience => {
                    self.arm_patience();
                    continue;
                }
                Turn::At(t) => Some(t),
                Turn::Idle => None,
            };
            if let Some(c) = hooks.next_check()
                && next.is_none_or(|n| c < n)
                && end.is_none_or(|e| c <= e)
            {
                self.now = self.now.max(c);
                self.engine_timeout(self.now);
                hooks.check(self, c);
                continue;
            }
            let Some(t) = next else { break };
            if end.is_some_and(|e| t > e) || limit.is_some_and(|l| t > l) {
                break;
            }
            self.now = t;
            if timer_at == Some(t) {
                self.steps += 1;
                self.engine_timeout(t);
            } else {
                let stim = self.pop_due(t).expect("a stimulus is due");
                self.apply(stim, hooks);
            }
            self.drain(hooks);
            if !hooks.stepped(self) {
                break;
            }
        }
        if let Some(e) = end {
            self.now = self.now.max(e);
            self.engine_timeout(self.now);
            self.drain(hooks);
        }
        self.now
    }

    /// Drains the engine's outputs into the parties and the hooks.
    pub fn drain(&mut self, hooks: &mut impl Hooks) {
        if self.audio.is_some() {
            return self.drain_with_audio(hooks);
        }
        while let Some(out) = self.engine.poll_output() {
            self.react(&out);
            hooks.output(self.now, out, &self.engine);
        }
    }

    /// [`Driver::drain`] with the media plane: it sees every effect too.
    #[inline(never)]
    fn drain_with_audio(&mut self, hooks: &mut impl Hooks) {
        while let Some(out) = self.engine.poll_output() {
            self.react(&out);
            if let (Some(a), Output::Effect(e)) = (self.audio.as_mut(), &out) {
                a.media.effect(e);
                if let Effect::Release { leg } = e {
                    a.silence(*leg);
                }
            }
            hooks.output(self.now, out, &self.engine);
        }
        self.keep_ticking();
    }

    fn apply(&mut self, stim: Stim, hooks: &mut impl Hooks) {
        let e = &self.engine;
        let working = |agent: AgentIdx, task: TaskId, phase: WorkPhase| {
            e.agent_phase(agent, task) == Some(phase)
        };
        let input = match stim {
            Stim::Arrive(call) => {
                hooks.arrival(self, call);
                let Some(c) = self.callers.get(&call) else {
                    return;
                };
                let (voice, patience) = (matches!(c.b.arrival, Arrival::Call { .. }), c.patience);
                if voice
                    && !self.caller_audio.is_empty()
                    && let Some(pcm) = self.caller_audio.remove(&call)
                {
                    self.play(Leg::Customer(call), pcm);
                }
                match patience {
                    // Giving up at once: due now, before what the arrival leads to.
                    Some((at, seq)) if at <= self.now => self.push(at, seq, Stim::Patience(call)),
                    Some(_) => self.arriving.push(call),
                    None => {}
                }
                let Some(c) = self.callers.get(&call) else {
                    return;
                };
                match &c.b.arrival {
                    Arrival::Call { to } => Input::CallArrived {
                        call,
                        from: c.b.from.clone(),
                        to: to.clone(),
                    },
                    Arrival::Digital { ep, message } => Input::MessageReceived {
                        contact: call,
                        ep: *ep,
                        message: message.clone(),
                    },
                    Arrival::WebCallback(w) => Input::WebCallback {
                        contact: call,
                        ep: w.ep,
                        queue: w.queue,
                        name: w.name.clone(),
                        number: c.b.from.to_string(),
                    },
                }
            }
            Stim::Patience(call) => match self.callers.get(&call) {
                Some(c) if !c.answered => Input::CustomerHungUp { call },
                _ => return,
            },
            Stim::TalkEnd(call) => {
                if !self.callers.contains_key(&call) {
                    return;
                }
                Input::CustomerHungUp { call }
            }
            Stim::Key(call, digit) => {
                if !self.callers.contains_key(&call) {
                    return;
                }
                Input::CustomerDigit { call, digit }
            }
            Stim::PromptDone(call, request) => match self.callers.get_mut(&call) {
                Some(c) if c.prompt == Some(request) => {
                    c.prompt = None;
                    Input::PromptFinished { call, request }
                }
                _ => return,
            },
            Stim::Phone(agent, ring, event) => {
                if self.agents[agent.ix()].ring_gen != ring {
                    return;
                }
                Input::Phone { agent, event }
            }
            Stim::Accept(agent, task) => {
                let showing = working(agent, task, WorkPhase::Ringing)
                    || working(agent, task, WorkPhase::Connecting);
                if !showing {
                    return;
                }
                Input::Agent {
                    agent,
                    action: AgentAction::Accept { task },
                }
            }
            Stim::WrapUp(agent, task, reason) => {
                if !working(agent, task, WorkPhase::WrapUp) {
                    return;
                }
                Input::Agent {
                    agent,
                    action: AgentAction::WrapUp {
                        task,
                        reason,
                        idle: None,
                    },
                }
            }
            Stim::End(agent, task) => {
                // Only the owner ends a call; a consulted agent's part ends with the consult.
                if !working(agent, task, WorkPhase::Engaged)
                    || e.task_view(task).is_none_or(|v| v.agent != Some(agent))
                {
                    return;
                }
                Input::Agent {
                    agent,
                    action: AgentAction::End { task },
                }
            }
            Stim::AfterRona(agent, choice) => {
                if e.agent_state(agent) != Some(AgentState::Rona) {
                    return;
                }
                let action = match choice {
                    AfterRona::Available => AgentAction::SetAvailable,
                    AfterRona::Idle(reason) => AgentAction::SetIdle { reason },
                };
                Input::Agent { agent, action }
            }
            Stim::Preview(agent, task, choice) => {
                if e.agent_phase(agent, task) != Some(WorkPhase::Engaged)
                    || e.task_view(task).is_none_or(|v| v.stage != "preview")
                {
                    return;
                }
                let action = match choice {
                    PreviewAction::Accept => AgentAction::PreviewAccept { task },
                    PreviewAction::Skip => AgentAction::PreviewSkip { task },
                    PreviewAction::Remove => AgentAction::PreviewRemove { task },
                };
                Input::Agent { agent, action }
            }
            Stim::HandsetDown(agent) => {
                if e.agent_off_hook(agent) != Some(true) {
                    return;
                }
                Input::Phone {
                    agent,
                    event: PhoneEvent::HungUp,
                }
            }
            Stim::DialResult(request, outcome) => Input::DialResult { request, outcome },
            Stim::Delivery(request, delivered) => Input::MessageResult { request, delivered },
            Stim::Reply(agent, task) => {
                if !working(agent, task, WorkPhase::Engaged) {
                    return;
                }
                Input::Agent {
                    agent,
                    action: AgentAction::SendMessage {
                        task,
                        content: Box::new(MessageContent {
                            text: "Thank you for writing; we are on it.".into(),
                            ..Default::default()
                        }),
                    },
                }
            }
            Stim::LegHangUp(leg) => {
                if self.live_legs.remove(&leg).is_none() {
                    return;
                }
                Input::LegHungUp { leg }
            }
            Stim::Script(i) => {
                hooks.script(self, i);
                return;
            }
            Stim::Play(p) => {
                let (leg, pcm) = *p;
                self.play(leg, pcm);
                return;
            }
            Stim::AudioTick => {
                self.ticking = false;
                let mut inputs = Vec::new();
                if let Some(a) = self.audio.as_mut() {
                    a.tick(&mut inputs);
                }
                for i in inputs {
                    let _ = self.input(i);
                }
                self.keep_ticking();
                return;
            }
        };
        if let Input::CustomerHungUp { call } = &input {
            self.callers.delete(call);
        }
        let _ = self.input(input);
    }

    /// The parties react to what the engine asks or records.
    #[inline]
    fn react(&mut self, out: &Output) {
        // Most outputs ask nothing of the parties: decide that without a call.
        let wanted = match out {
            Output::Event(e) => matches!(
                e.kind,
                EventKind::TaskAnswered { .. } | EventKind::Transferred { .. }
            ),
            Output::Effect(Effect::Notify { notice, .. }) => matches!(
                notice,
                Notice::ContactRequest(_)
                    | Notice::Message { .. }
                    | Notice::WrapUp { .. }
                    | Notice::Rona { .. }
                    | Notice::Preview(_)
            ),
            Output::Effect(
                Effect::QueueMusic { .. }
                | Effect::Mix(_)
                | Effect::StartRecording { .. }
                | Effect::StopRecording { .. },
            ) => false,
            Output::Effect(_) => true,
        };
        if wanted {
            self.react_to(out);
        }
    }

    /// The parties' reactions (see [`Driver::react`]).
    #[inline(never)]
    fn react_to(&mut self, out: &Output) {
        let now = self.now;
        match out {
            Output::Effect(effect) => match effect {
                Effect::RingAgent { agent, .. } => {
                    let a = &mut self.agents[agent.ix()];
                    a.ring_gen += 1;
                    let (ring, b) = (a.ring_gen, a.b);
                    let ring_at = now + b.ring_delay;
                    if b.fail {
                        self.schedule(ring_at, Stim::Phone(*agent, ring, PhoneEvent::Failed));
                    } else {
                        let ignores = b.no_answer > 0.0 && self.rng.random::<f64>() < b.no_answer;
                        if let Some(d) = b.answer.filter(|_| b.auto_answer && !ignores) {
                            self.schedule(
                                ring_at + d,
                                Stim::Phone(*agent, ring, PhoneEvent::Answered),
                            );
                            return;
                        }
                        self.schedule(ring_at, Stim::Phone(*agent, ring, PhoneEvent::Ringing));
                        if let Some(d) = b.answer.filter(|_| !ignores) {
                            self.schedule(
                                ring_at + d,
                                Stim::Phone(*agent, ring, PhoneEvent::Answered),
                            );
                        }
                    }
                }
                Effect::StopRinging { agent, .. } => self.agents[agent.ix()].ring_gen += 1,
                Effect::PlayPrompt {
                    call,
                    prompt,
                    request,
                    collect_digits,
                } => {
                    let len = self
                        .prompt_len
                        .get(prompt.ix())
                        .copied()
                        .unwrap_or(SimDuration::from_secs(3));
                    let Some(c) = self.callers.get_mut(call) else {
                        return;
                    };
                    c.prompt = Some(*request);
                    let timed = self.audio.as_ref().is_none_or(|a| !a.media.plays(*prompt));
                    let key = if *collect_digits && c.next_key < c.b.keys.len() {
                        c.next_key += 1;
                        Some((c.b.keys[c.next_key - 1], c.b.key_delay))
                    } else {
                        None
                    };
                    if timed {
                        self.schedule(now + len, Stim::PromptDone(*call, *request));
                    }
                    if let Some((digit, delay)) = key {
                        self.schedule(now + delay, Stim::Key(*call, digit));
                    }
                }
                Effect::StopPrompt { call } => {
                    if let Some(c) = self.callers.get_mut(call) {
                        c.prompt = None;
                    }
                }
                Effect::Release {
                    leg: Leg::Customer(call),
                } => {
                    self.callers.delete(call);
                }
                Effect::Release {
                    leg: Leg::Agent(agent),
                } if self.engine.tenant().agents[agent.ix()].handset => {
                    let after = self.agents[agent.ix()].b.hang_up_after;
                    self.schedule(now + after, Stim::HandsetDown(*agent));
                }
                Effect::Release {
                    leg: Leg::External(leg),
                } => {
                    self.live_legs.remove(leg);
                }
                Effect::Dial {
                    leg,
                    number,
                    request,
                    ..
                } => {
                    let b = self
                        .numbers
                        .get(number)
                        .cloned()
                        .unwrap_or_else(|| self.default_number.clone());
                    let (at, outcome) = if b.fail {
                        (now + SimDuration::from_secs(1), DialOutcome::Failed)
                    } else if b.busy {
                        (now + SimDuration::from_secs(1), DialOutcome::Busy)
                    } else {
                        match (b.answer, b.machine) {
                            (Some(d), false) => (now + d, DialOutcome::Answered),
                            (Some(d), true) => (now + d, DialOutcome::Machine),
                            (None, _) => (now + NO_ANSWER_AFTER, DialOutcome::NoAnswer),
                        }
                    };
                    let reported = at + b.late.unwrap_or(SimDuration::ZERO);
                    self.schedule(reported, Stim::DialResult(*request, outcome));
                    if let Some(again) = b.duplicate {
                        self.schedule(reported + again, Stim::DialResult(*request, outcome));
                    }
                    if outcome.connected() {
                        self.live_legs.insert(*leg, ());
                        if let Some(pcm) = b.audio.clone() {
                            self.schedule(at, Stim::Play(Box::new((Leg::External(*leg), pcm))));
                        }
                        if let Some(talk) = b.talk {
                            self.schedule(at + talk, Stim::LegHangUp(*leg));
                        }
                    }
                }
                Effect::Notify {
                    agent,
                    notice: Notice::ContactRequest(c),
                } if c.channel != Channel::Voice => {
                    if let Some(after) = self.agents[agent.ix()].b.accept {
                        self.schedule(now + after, Stim::Accept(*agent, c.task));
                    }
                }
                Effect::SendMessage(m) => {
                    let delivered = !self.undelivered.contains(&m.to);
                    self.schedule(now + DELIVERY_AFTER, Stim::Delivery(m.request, delivered));
                }
                Effect::Notify {
                    agent,
                    notice: Notice::Message { task, .. },
                } => {
                    if let Some(after) = self.agents[agent.ix()].b.reply {
                        self.schedule(now + after, Stim::Reply(*agent, *task));
                    }
                }
                Effect::Notify {
                    agent,
                    notice: Notice::WrapUp { task, .. },
                } => {
                    if let Some((reason, after)) = self.agents[agent.ix()].b.wrap_up {
                        self.schedule(now + after, Stim::WrapUp(*agent, *task, reason));
                    }
                }
                Effect::Notify {
                    agent,
                    notice: Notice::Preview(p),
                } => {
                    if let Some((choice, after)) = self.agents[agent.ix()].b.preview {
                        self.schedule(now + after, Stim::Preview(*agent, p.task, choice));
                    }
                }
                Effect::Notify {
                    agent,
                    notice: Notice::Rona { .. },
                } => {
                    if let Some((choice, after)) = self.agents[agent.ix()].b.after_rona {
                        self.schedule(now + after, Stim::AfterRona(*agent, choice));
                    }
                }
                _ => {}
            },
            Output::Event(event) => {
                if let EventKind::TaskAnswered { task, agent, .. } = event.kind {
                    if let Some(call) = self.engine.call_of_task(task)
                        && let Some(c) = self.callers.get_mut(&call)
                    {
                        c.answered = true;
                        if let Some(talk) = c.b.talk {
                            self.schedule(now + talk, Stim::TalkEnd(call));
                        }
                    }
                    let b = self.agents[agent.ix()].b;
                    if let Some(after) = b.end_after {
                        self.schedule(now + after, Stim::End(agent, task));
                    }
                    if let Some(after) = b.reply
                        && self
                            .engine
                            .task_view(task)
                            .is_some_and(|v| v.channel != Channel::Voice)
                    {
                        self.schedule(now + after, Stim::Reply(agent, task));
                    }
                }
                if let EventKind::Transferred {
                    task,
                    to: Leg::Agent(agent),
                } = event.kind
                    && let Some(after) = self.agents[agent.ix()].b.end_after
                {
                    self.schedule(now + after, Stim::End(agent, task));
                }
            }
        }
    }
}
