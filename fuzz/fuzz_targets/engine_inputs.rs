//! The engine fed arbitrary courses of events. The fuzz input decodes (with
//! `arbitrary`) into a starting instant, whether the agents start Available,
//! and a sequence of (time gap, input) steps on a fixed, rich tenant (agents
//! with softphones and a handset, voice, chat, email and SMS entry points, a
//! flow with hours, a menu, variables and callbacks, three preview campaigns).
//! Ids are small numbers taken modulo the live entities (255 names one past
//! the end, to try unknown ones); some inputs are resolved against what the
//! engine asked of the outside (a prompt actually playing finishes, a number
//! actually being dialled answers, an offer actually showing is answered),
//! which reaches the deep states (consults, conferences, transfers, campaigns)
//! that random ids rarely do. Inputs are drawn with weights: agents' actions
//! often, configuration changes (slow: a whole compile) rarely.
//!
//! After every input and every batch of timers, `Engine::audit` must hold; a
//! violation, like any panic, is a finding. Timers due by each step's instant
//! fire one instant at a time, as a driver would fire them.

#![no_main]

#[path = "../../core/tests/common/rich.rs"]
mod rich;
use rich::{CONFIG, LISTS, reconfiguration};
use std::sync::{Arc, OnceLock};

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use switchboard_core::audio::amd::{AmdResult, Cause, Verdict};
use switchboard_core::dtmf::Digit;
use switchboard_core::event::WorkPhase;
use switchboard_core::ids::*;
use switchboard_core::input::{DialOutcome, Target};
use switchboard_core::legs::Channel;
use switchboard_core::message::{
    EmailHeaders, InboundMessage, MessageContent, MessagePart, PartKind,
};
use switchboard_core::{
    AgentAction, Effect, Engine, EngineOptions, Input, Output, PhoneEvent, SimTime, Tenant,
};

/// At most this many steps of one input are run.
const MAX_STEPS: usize = 400;

/// The decoded fuzz input.
#[derive(Arbitrary, Debug)]
struct Plan {
    start: Start,
    /// Every agent logs in and becomes Available at time zero.
    warm: bool,
    steps: Vec<Step>,
}

/// The wall-clock instant of `SimTime(0)`: the business hours of `h` (Warsaw,
/// Monday 00:00-12:00, Tuesday all day) open, about to close, closed, about to open.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Start {
    /// Monday 2026-01-05 10:00 UTC (11:00 in Warsaw: open for an hour).
    MondayMorning,
    /// Monday 2026-01-05 12:00 UTC (closed).
    MondayAfternoon,
    /// Tuesday 2026-01-06 09:00 UTC (open all day).
    Tuesday,
    /// Sunday 2026-01-04 22:30 UTC (closed; opens in half an hour).
    SundayNight,
}

impl Start {
    fn epoch_unix_micros(self) -> i64 {
        let monday_10 = 1_767_607_200i64;
        let secs = match self {
            Start::MondayMorning => monday_10,
            Start::MondayAfternoon => monday_10 + 2 * 3600,
            Start::Tuesday => monday_10 + 23 * 3600,
            Start::SundayNight => monday_10 - 11 * 3600 - 1800,
        };
        secs * 1_000_000
    }
}

#[derive(Arbitrary, Debug)]
struct Step {
    gap: Gap,
    op: Op,
}

/// How much virtual time passes before the step.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Gap {
    None,
    Millis(u8),
    Seconds(u8),
    Minutes(u8),
}

impl Gap {
    fn micros(self) -> u64 {
        match self {
            Gap::None => 0,
            Gap::Millis(n) => u64::from(n) * 1_000,
            Gap::Seconds(n) => u64::from(n) * 1_000_000,
            Gap::Minutes(n) => u64::from(n) * 60_000_000,
        }
    }
}

/// Free text or one of a few meaningful values.
#[derive(Arbitrary, Debug, Clone)]
enum Text {
    Known(u8),
    Free(String),
}

impl Text {
    fn pick(&self, known: &[&str]) -> String {
        match self {
            Text::Known(i) => known[usize::from(*i) % known.len()].to_string(),
            Text::Free(s) => s.clone(),
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Outcome {
    Answered,
    Machine,
    Busy,
    NoAnswer,
    Failed,
}

impl From<Outcome> for DialOutcome {
    fn from(o: Outcome) -> DialOutcome {
        match o {
            Outcome::Answered => DialOutcome::Answered,
            Outcome::Machine => DialOutcome::Machine,
            Outcome::Busy => DialOutcome::Busy,
            Outcome::NoAnswer => DialOutcome::NoAnswer,
            Outcome::Failed => DialOutcome::Failed,
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Phone {
    Ringing,
    Answered,
    HungUp,
    Failed,
}

impl From<Phone> for PhoneEvent {
    fn from(p: Phone) -> PhoneEvent {
        match p {
            Phone::Ringing => PhoneEvent::Ringing,
            Phone::Answered => PhoneEvent::Answered,
            Phone::HungUp => PhoneEvent::HungUp,
            Phone::Failed => PhoneEvent::Failed,
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Amd {
    Human,
    Machine(u8),
    NotSure,
}

/// A task an agent acts on.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum TaskRef {
    /// The agent's current task (or the first of its work).
    Mine,
    /// The i-th task of the agent's work.
    Work(u8),
    /// Any task id, live or not.
    Raw(u8),
}

#[derive(Arbitrary, Debug, Clone)]
enum TargetSpec {
    Agent(u8),
    Queue(u8),
    EntryPoint(u8),
    Number(Text),
}

#[derive(Arbitrary, Debug, Clone)]
struct Content {
    subject: Option<Text>,
    text: Text,
    /// An inline image of this many kilobytes, or an attachment with a Content-ID.
    part: Option<(bool, u16)>,
}

#[derive(Arbitrary, Debug, Clone)]
struct Message {
    from: Text,
    content: Content,
    message_id: Option<u8>,
    in_reply_to: Option<u8>,
}

#[derive(Arbitrary, Debug, Clone)]
enum Action {
    Login,
    Logout,
    SetAvailable,
    SetIdle(u8),
    Accept(TaskRef),
    AcceptAll,
    Hold(TaskRef),
    Resume(TaskRef),
    End(TaskRef),
    WrapUp(TaskRef, u8, Option<u8>),
    Consult(TaskRef, TargetSpec),
    EndConsult(TaskRef),
    HoldConsulted(TaskRef),
    ResumeConsulted(TaskRef),
    Transfer(TaskRef, Option<TargetSpec>),
    Conference(TaskRef),
    Exit(TaskRef),
    PauseRecording(TaskRef),
    ResumeRecording(TaskRef),
    SaveVariable(TaskRef, u8, Text, u8),
    RevertVariable(TaskRef, u8),
    RevealVariable(TaskRef, u8),
    Outdial(Text, Option<u8>),
    PullContact(u8),
    PreviewAccept(TaskRef),
    PreviewSkip(TaskRef),
    PreviewRemove(TaskRef),
    SendMessage(TaskRef, Content),
    StartConversation(u8, Text, Content),
}

/// One input. Decoded with weights (see `Arbitrary for Op`): agents act and
/// offers are answered more often than configurations change.
#[derive(Debug, Clone)]
enum Op {
    CallArrived {
        call: u8,
        from: Text,
        to: Text,
    },
    CustomerHungUp(u8),
    CustomerDigit(u8, u8),
    /// A raw prompt result (any call, any request id).
    PromptFinished(u8, u8),
    /// The i-th prompt actually playing finishes.
    PromptDone(u8),
    /// A raw dial result.
    DialResult(u8, Outcome),
    /// The i-th pending dial gets its result.
    Dialled(u8, Outcome),
    LegHungUp(u8),
    /// The i-th connected dialled leg hangs up.
    NumberHangsUp(u8),
    /// The verdict on the i-th leg the engine asked to analyse.
    MachineDetected(u8, Amd),
    Phone(u8, Phone),
    /// The i-th offer showing is answered (the phone, or Accept for a digital one).
    AnswerShowing(u8),
    Agent(u8, Action),
    Reconfigure(u8),
    WebCallback {
        contact: u8,
        ep: u8,
        queue: u8,
        number: Text,
    },
    LoadContacts(u8, Text),
    MessageReceived {
        contact: u8,
        ep: u8,
        message: Message,
    },
    /// A raw message result.
    MessageResult(u8, bool),
    /// The i-th message sent is delivered or not.
    Delivered(u8, bool),
}

impl<'a> Arbitrary<'a> for Op {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Op> {
        // Weights out of 64, roughly those of the core's property tests.
        Ok(match u.int_in_range(0u8..=63)? {
            0..=3 => Op::CallArrived {
                call: u.arbitrary()?,
                from: u.arbitrary()?,
                to: u.arbitrary()?,
            },
            4..=5 => Op::CustomerHungUp(u.arbitrary()?),
            6..=8 => Op::CustomerDigit(u.arbitrary()?, u.arbitrary()?),
            9 => Op::PromptFinished(u.arbitrary()?, u.arbitrary()?),
            10..=14 => Op::PromptDone(u.arbitrary()?),
            15 => Op::DialResult(u.arbitrary()?, u.arbitrary()?),
            16..=19 => Op::Dialled(u.arbitrary()?, u.arbitrary()?),
            20 => Op::LegHungUp(u.arbitrary()?),
            21..=22 => Op::NumberHangsUp(u.arbitrary()?),
            23..=24 => Op::MachineDetected(u.arbitrary()?, u.arbitrary()?),
            25..=27 => Op::Phone(u.arbitrary()?, u.arbitrary()?),
            28..=33 => Op::AnswerShowing(u.arbitrary()?),
            34..=51 => Op::Agent(u.arbitrary()?, u.arbitrary()?),
            52 => Op::Reconfigure(u.arbitrary()?),
            53..=54 => Op::WebCallback {
                contact: u.arbitrary()?,
                ep: u.arbitrary()?,
                queue: u.arbitrary()?,
                number: u.arbitrary()?,
            },
            55..=56 => Op::LoadContacts(u.arbitrary()?, u.arbitrary()?),
            57..=60 => Op::MessageReceived {
                contact: u.arbitrary()?,
                ep: u.arbitrary()?,
                message: u.arbitrary()?,
            },
            61 => Op::MessageResult(u.arbitrary()?, u.arbitrary()?),
            _ => Op::Delivered(u.arbitrary()?, u.arbitrary()?),
        })
    }
}

const TO: &[&str] = &["+18005550100", "+1 800 555 0101", "+18005550199", "999", ""];
const FROM: &[&str] = &["+48601000000", "+48601000001", "anonymous", ""];
const NUMBERS: &[&str] = &[
    "+18005550101",
    "+48221234567",
    "12",
    "+1 (800) 555-0199",
    "1002",
    "+18005550100",
];
const SENDERS: &[&str] = &[
    "v@example.com",
    "V@Example.COM",
    "+48601000001",
    "+48 601 000 001",
    "visitor-1",
    "not an address",
    "",
];
const SUBJECTS: &[&str] = &["Order", "RE: order", "re: ORDER", "Other", " "];
const MESSAGE_IDS: &[&str] = &["<a@x>", "<b@x>", "<1.1@switchboard>", "<2.1@switchboard>"];
const TEXTS: &[&str] = &["hi", "hello", "", "a longer message with some words"];
const VALUES: &[&str] = &["x", "12", "not a number", ""];
const CONVERSATION_TO: &[&str] = &["+48601000001", "v@example.com", "601", ""];
const CALLBACK_NUMBERS: &[&str] = &["+48221234599", "x", "+48601000000"];
const KEYS: &[u8] = b"0123456789*#ABCD";

/// What the outside owes the engine, read from its effects.
#[derive(Default)]
struct Pending {
    prompts: Vec<(CallId, RequestId)>,
    dials: Vec<(RequestId, LegId)>,
    legs: Vec<LegId>,
    sends: Vec<RequestId>,
    detections: Vec<LegId>,
}

impl Pending {
    fn observe(&mut self, out: &Output) {
        if let Output::Effect(e) = out {
            match e {
                Effect::PlayPrompt { call, request, .. } => self.prompts.push((*call, *request)),
                Effect::Dial { leg, request, .. } => self.dials.push((*request, *leg)),
                Effect::SendMessage(m) => self.sends.push(m.request),
                Effect::DetectMachine { leg, .. } => self.detections.push(*leg),
                _ => {}
            }
        }
        // Bound what is remembered: old requests are as good as raw ids.
        if self.prompts.len() > 64 {
            self.prompts.remove(0);
        }
        if self.dials.len() > 64 {
            self.dials.remove(0);
        }
        if self.sends.len() > 64 {
            self.sends.remove(0);
        }
        if self.detections.len() > 64 {
            self.detections.remove(0);
        }
    }
}

/// `take(v, i)`: remove and return the (i mod len)-th element.
fn take<T>(v: &mut Vec<T>, i: u8) -> Option<T> {
    if v.is_empty() {
        None
    } else {
        let n = usize::from(i) % v.len();
        Some(v.remove(n))
    }
}

/// An index of one of `n` live entities, or (for 255) one past the end.
fn idx(i: u8, n: usize) -> u32 {
    if i == u8::MAX || n == 0 {
        n as u32
    } else {
        (usize::from(i) % n) as u32
    }
}

fn content(c: &Content) -> MessageContent {
    MessageContent {
        subject: c.subject.as_ref().map(|s| s.pick(SUBJECTS)),
        text: c.text.pick(TEXTS),
        parts: c
            .part
            .map(|(inline, kb)| {
                if inline {
                    MessagePart {
                        kind: PartKind::InlineImage,
                        name: "image.png".into(),
                        bytes: u64::from(kb) * 1024,
                        content_id: None,
                    }
                } else {
                    MessagePart {
                        kind: PartKind::Attachment,
                        name: "file.pdf".into(),
                        bytes: u64::from(kb),
                        content_id: Some("c1".into()),
                    }
                }
            })
            .into_iter()
            .collect(),
    }
}

fn target(engine: &Engine, t: &TargetSpec) -> Target {
    let tenant = engine.tenant();
    match t {
        TargetSpec::Agent(a) => Target::Agent(AgentIdx(idx(*a, tenant.agents.len()))),
        TargetSpec::Queue(q) => Target::Queue(QueueIdx(idx(*q, tenant.queues.len()))),
        TargetSpec::EntryPoint(e) => Target::EntryPoint(EpIdx(idx(*e, tenant.entry_points.len()))),
        TargetSpec::Number(n) => Target::Number(n.pick(NUMBERS)),
    }
}

fn task(engine: &Engine, agent: AgentIdx, t: TaskRef) -> TaskId {
    match t {
        TaskRef::Mine => engine
            .agent_task(agent)
            .or_else(|| engine.agent_work(agent).first().map(|w| w.0))
            .unwrap_or(TaskId(0)),
        TaskRef::Work(i) => {
            let work = engine.agent_work(agent);
            work.get(usize::from(i) % work.len().max(1))
                .map_or(TaskId(0), |w| w.0)
        }
        TaskRef::Raw(n) => TaskId(u64::from(n) % 12),
    }
}

fn action(engine: &Engine, agent: AgentIdx, a: &Action) -> AgentAction {
    let tenant = engine.tenant();
    let t = |r: &TaskRef| task(engine, agent, *r);
    match a {
        Action::Login => AgentAction::Login,
        Action::Logout => AgentAction::Logout,
        Action::SetAvailable => AgentAction::SetAvailable,
        Action::SetIdle(r) => AgentAction::SetIdle {
            reason: IdleReasonIdx(idx(*r, tenant.idle_reasons.len())),
        },
        Action::Accept(r) => AgentAction::Accept { task: t(r) },
        Action::AcceptAll => AgentAction::AcceptAll,
        Action::Hold(r) => AgentAction::Hold { task: t(r) },
        Action::Resume(r) => AgentAction::Resume { task: t(r) },
        Action::End(r) => AgentAction::End { task: t(r) },
        Action::WrapUp(r, reason, idle) => AgentAction::WrapUp {
            task: t(r),
            reason: WrapUpReasonIdx(idx(*reason, tenant.wrap_up.reasons.len())),
            idle: idle.map(|i| IdleReasonIdx(idx(i, tenant.idle_reasons.len()))),
        },
        Action::Consult(r, to) => AgentAction::Consult {
            task: t(r),
            target: target(engine, to),
        },
        Action::EndConsult(r) => AgentAction::EndConsult { task: t(r) },
        Action::HoldConsulted(r) => AgentAction::HoldConsulted { task: t(r) },
        Action::ResumeConsulted(r) => AgentAction::ResumeConsulted { task: t(r) },
        Action::Transfer(r, to) => AgentAction::Transfer {
            task: t(r),
            target: to.as_ref().map(|to| target(engine, to)),
        },
        Action::Conference(r) => AgentAction::Conference { task: t(r) },
        Action::Exit(r) => AgentAction::Exit { task: t(r) },
        Action::PauseRecording(r) => AgentAction::PauseRecording { task: t(r) },
        Action::ResumeRecording(r) => AgentAction::ResumeRecording { task: t(r) },
        Action::SaveVariable(r, var, value, version) => AgentAction::SaveVariable {
            task: t(r),
            var: VarIdx(u32::from(*var % 5)),
            value: value.pick(VALUES),
            version: u32::from(*version % 4),
        },
        Action::RevertVariable(r, var) => AgentAction::RevertVariable {
            task: t(r),
            var: VarIdx(u32::from(*var % 5)),
        },
        Action::RevealVariable(r, var) => AgentAction::RevealVariable {
            task: t(r),
            var: VarIdx(u32::from(*var % 5)),
        },
        Action::Outdial(number, ep) => AgentAction::Outdial {
            number: number.pick(NUMBERS),
            ep: ep.map(|e| EpIdx(idx(e, tenant.entry_points.len()))),
        },
        Action::PullContact(c) => AgentAction::PullContact {
            campaign: CampaignIdx(idx(*c, tenant.campaigns.len())),
        },
        Action::PreviewAccept(r) => AgentAction::PreviewAccept { task: t(r) },
        Action::PreviewSkip(r) => AgentAction::PreviewSkip { task: t(r) },
        Action::PreviewRemove(r) => AgentAction::PreviewRemove { task: t(r) },
        Action::SendMessage(r, c) => AgentAction::SendMessage {
            task: t(r),
            content: Box::new(content(c)),
        },
        Action::StartConversation(ep, to, c) => AgentAction::StartConversation {
            ep: EpIdx(idx(*ep, tenant.entry_points.len())),
            to: to.pick(CONVERSATION_TO),
            content: Box::new(content(c)),
        },
    }
}

fn resolve(engine: &Engine, pending: &mut Pending, op: &Op) -> Option<Input> {
    let tenant = engine.tenant();
    let agents = tenant.agents.len();
    Some(match op {
        Op::CallArrived { call, from, to } => Input::CallArrived {
            call: CallId(u64::from(*call % 10)),
            from: from.pick(FROM).into(),
            to: to.pick(TO).into(),
        },
        Op::CustomerHungUp(c) => Input::CustomerHungUp {
            call: CallId(u64::from(*c % 10)),
        },
        Op::CustomerDigit(c, k) => Input::CustomerDigit {
            call: CallId(u64::from(*c % 10)),
            digit: Digit::from_char(char::from(KEYS[usize::from(*k) % KEYS.len()]))?,
        },
        Op::PromptFinished(c, r) => Input::PromptFinished {
            call: CallId(u64::from(*c % 10)),
            request: RequestId(u64::from(*r % 32)),
        },
        Op::PromptDone(i) => {
            let (call, request) = take(&mut pending.prompts, *i)?;
            Input::PromptFinished { call, request }
        }
        Op::DialResult(r, outcome) => Input::DialResult {
            request: RequestId(u64::from(*r % 32)),
            outcome: (*outcome).into(),
        },
        Op::Dialled(i, outcome) => {
            let (request, leg) = take(&mut pending.dials, *i)?;
            let outcome = DialOutcome::from(*outcome);
            if outcome.connected() && pending.legs.len() < 64 {
                pending.legs.push(leg);
            }
            Input::DialResult { request, outcome }
        }
        Op::LegHungUp(l) => Input::LegHungUp {
            leg: LegId(u64::from(*l % 10)),
        },
        Op::NumberHangsUp(i) => Input::LegHungUp {
            leg: take(&mut pending.legs, *i)?,
        },
        Op::MachineDetected(i, amd) => {
            let leg = take(&mut pending.detections, *i)?;
            let (verdict, cause) = match amd {
                Amd::Human => (Verdict::Human, Cause::Human),
                Amd::Machine(c) => (
                    Verdict::Machine,
                    [
                        Cause::InitialSilence,
                        Cause::LongGreeting,
                        Cause::MaxWords,
                        Cause::MaxWordLength,
                    ][usize::from(*c) % 4],
                ),
                Amd::NotSure => (Verdict::NotSure, Cause::TooLong),
            };
            Input::MachineDetected {
                leg,
                result: AmdResult {
                    verdict,
                    cause,
                    after_ms: 1500,
                },
            }
        }
        Op::Phone(a, event) => Input::Phone {
            agent: AgentIdx(idx(*a, agents)),
            event: (*event).into(),
        },
        Op::AnswerShowing(i) => {
            let showing: Vec<(AgentIdx, TaskId, Channel)> = (0..agents as u32)
                .map(AgentIdx)
                .flat_map(|a| {
                    engine
                        .agent_work(a)
                        .into_iter()
                        .filter_map(move |(task, channel, phase)| {
                            matches!(phase, WorkPhase::Connecting | WorkPhase::Ringing)
                                .then_some((a, task, channel))
                        })
                })
                .collect();
            let &(agent, task, channel) = showing.get(usize::from(*i) % showing.len().max(1))?;
            if channel == Channel::Voice {
                Input::Phone {
                    agent,
                    event: PhoneEvent::Answered,
                }
            } else {
                Input::Agent {
                    agent,
                    action: AgentAction::Accept { task },
                }
            }
        }
        Op::Agent(a, act) => {
            let agent = AgentIdx(idx(*a, agents));
            Input::Agent {
                agent,
                action: action(engine, agent, act),
            }
        }
        Op::Reconfigure(i) => Input::Reconfigure {
            config: reconfiguration(usize::from(*i) % 7),
        },
        Op::WebCallback {
            contact,
            ep,
            queue,
            number,
        } => Input::WebCallback {
            contact: CallId(u64::from(*contact % 10)),
            ep: EpIdx(idx(*ep, tenant.entry_points.len())),
            queue: QueueIdx(idx(*queue, tenant.queues.len())),
            name: "Web".into(),
            number: number.pick(CALLBACK_NUMBERS),
        },
        Op::LoadContacts(c, csv) => Input::LoadContacts {
            campaign: CampaignIdx(idx(*c, tenant.campaigns.len())),
            csv: csv.pick(&LISTS),
        },
        Op::MessageReceived {
            contact,
            ep,
            message,
        } => Input::MessageReceived {
            contact: CallId(u64::from(*contact % 10)),
            ep: EpIdx(idx(*ep, tenant.entry_points.len())),
            message: Box::new(InboundMessage {
                from: message.from.pick(SENDERS),
                content: content(&message.content),
                email: EmailHeaders {
                    message_id: message
                        .message_id
                        .map(|i| MESSAGE_IDS[usize::from(i) % MESSAGE_IDS.len()].into()),
                    in_reply_to: message
                        .in_reply_to
                        .map(|i| MESSAGE_IDS[usize::from(i) % MESSAGE_IDS.len()].into()),
                    references: Vec::new(),
                },
            }),
        },
        Op::MessageResult(r, delivered) => Input::MessageResult {
            request: RequestId(u64::from(*r % 32)),
            delivered: *delivered,
        },
        Op::Delivered(i, delivered) => Input::MessageResult {
            request: take(&mut pending.sends, *i)?,
            delivered: *delivered,
        },
    })
}

fn tenant() -> Arc<Tenant> {
    static TENANT: OnceLock<Arc<Tenant>> = OnceLock::new();
    TENANT
        .get_or_init(|| Arc::new(Tenant::from_toml(CONFIG).expect("the fuzz tenant is valid")))
        .clone()
}

fn drain(engine: &mut Engine, pending: &mut Pending) {
    while let Some(out) = engine.poll_output() {
        pending.observe(&out);
    }
}

fn audit(engine: &Engine, what: &dyn Fn() -> String) {
    if let Err(v) = engine.audit() {
        panic!("{v} (after {}, at {:?})", what(), engine.now());
    }
}

/// Fires the timers due by `now`, one instant at a time, auditing after each.
fn fire_timers(engine: &mut Engine, pending: &mut Pending, now: u64) {
    let mut last = None;
    while let Some(t) = engine.poll_timeout().filter(|t| t.0 <= now) {
        assert!(
            last.is_none_or(|l| t > l),
            "the timer at {t:?} is still due after handle_timeout({t:?})"
        );
        last = Some(t);
        engine.handle_timeout(t);
        drain(engine, pending);
        audit(engine, &|| format!("the timers at {t:?}"));
    }
}

fuzz_target!(|plan: Plan| {
    let mut engine = Engine::new(
        tenant(),
        EngineOptions {
            epoch_unix_micros: plan.start.epoch_unix_micros(),
            ..Default::default()
        },
    );
    let mut pending = Pending::default();
    if plan.warm {
        for a in 0..engine.tenant().agents.len() as u32 {
            for action in [AgentAction::Login, AgentAction::SetAvailable] {
                let input = Input::Agent {
                    agent: AgentIdx(a),
                    action,
                };
                let shown = input.clone();
                let _ = engine.handle(SimTime::ZERO, input);
                drain(&mut engine, &mut pending);
                audit(&engine, &|| format!("warming up: {shown:?}"));
            }
        }
    }
    let mut now = 0u64;
    for (i, step) in plan.steps.iter().take(MAX_STEPS).enumerate() {
        now += step.gap.micros();
        fire_timers(&mut engine, &mut pending, now);
        let Some(input) = resolve(&engine, &mut pending, &step.op) else {
            continue;
        };
        let shown = input.clone();
        let _ = engine.handle(SimTime(now), input);
        drain(&mut engine, &mut pending);
        audit(&engine, &|| format!("step {i}: {shown:?}"));
    }
    // Let what is left run its course for an hour of virtual time.
    fire_timers(&mut engine, &mut pending, now + 3_600_000_000);
});
