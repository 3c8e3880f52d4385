//! Property tests: no input from a file, a peer or a user makes the core panic.
//! Arbitrary text into the configuration parser; arbitrary sequences of inputs
//! (valid or not, in any order, with stale ids: calls, chats, phones, desktop
//! actions of every kind, dial results, configuration changes) into the engine,
//! whose invariants must hold after every step.

use std::sync::Arc;
#[path = "common/rich.rs"]
mod rich;
use rich::{CONFIG, LISTS, reconfiguration};

use proptest::prelude::*;
use switchboard_core::dtmf::Digit;
use switchboard_core::event::{EventClass, WorkPhase};
use switchboard_core::ids::*;
use switchboard_core::input::{DialOutcome, Target};
use switchboard_core::message::{
    EmailHeaders, InboundMessage, MessageContent, MessagePart, PartKind,
};
use switchboard_core::output::{EffectClass, NoticeClass};
use switchboard_core::{
    AgentAction, Engine, EngineOptions, Input, OutputFilter, PhoneEvent, SimTime, Tenant,
};

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        (0u32..4).prop_map(|a| Target::Agent(AgentIdx(a))),
        (0u32..4).prop_map(|q| Target::Queue(QueueIdx(q))),
        (0u32..5).prop_map(|e| Target::EntryPoint(EpIdx(e))),
        prop_oneof![
            Just("+18005550101"),
            Just("+48221234567"),
            Just("12"),
            Just("+1 (800) 555-0199")
        ]
        .prop_map(|n| Target::Number(n.to_string())),
    ]
}

/// A customer's message: senders of every channel's kind (and none), subjects that
/// thread or not, Message-IDs that answer earlier ones or nothing.
fn message() -> impl Strategy<Value = InboundMessage> {
    let from = prop_oneof![
        Just("v@example.com"),
        Just("V@Example.COM"),
        Just("+48601000001"),
        Just("+48 601 000 001"),
        Just("visitor-1"),
        Just("not an address"),
        Just(""),
    ];
    let subject =
        proptest::option::of(prop_oneof![Just("Order"), Just("RE: order"), Just("Other")]);
    let id = proptest::option::of(prop_oneof![
        Just("<a@x>"),
        Just("<b@x>"),
        Just("<1.1@switchboard>")
    ]);
    (from, subject, id.clone(), id).prop_map(|(from, subject, message_id, in_reply_to)| {
        InboundMessage {
            from: from.to_string(),
            content: MessageContent {
                subject: subject.map(str::to_string),
                text: "hi".into(),
                parts: Vec::new(),
            },
            email: EmailHeaders {
                message_id: message_id.map(Into::into),
                in_reply_to: in_reply_to.map(Into::into),
                references: Vec::new(),
            },
        }
    })
}

/// What an agent writes: text, a subject or none, images small, large or with a Content-ID.
fn content() -> impl Strategy<Value = MessageContent> {
    let part = prop_oneof![
        Just(None),
        (1u64..40_000).prop_map(|bytes| Some((PartKind::InlineImage, bytes, None))),
        Just(Some((PartKind::Attachment, 100, Some("c1".to_string())))),
    ];
    let subject = proptest::option::of(prop_oneof![
        Just("Order"),
        Just("re: ORDER"),
        Just("New"),
        Just(" ")
    ]);
    (subject, part).prop_map(|(subject, part)| MessageContent {
        subject: subject.map(str::to_string),
        text: "hello".into(),
        parts: part
            .map(|(kind, bytes, content_id)| MessagePart {
                kind,
                name: "p".into(),
                bytes,
                content_id,
            })
            .into_iter()
            .collect(),
    })
}

fn agent_action() -> impl Strategy<Value = AgentAction> {
    let task = (0u64..8).prop_map(TaskId);
    let var = (0u32..5).prop_map(VarIdx);
    let value =
        prop_oneof![Just("x"), Just("12"), Just("not a number"), Just("")].prop_map(str::to_string);
    let basic = prop_oneof![
        Just(AgentAction::Login),
        Just(AgentAction::Logout),
        Just(AgentAction::SetAvailable),
        (0u32..2).prop_map(|r| AgentAction::SetIdle {
            reason: IdleReasonIdx(r)
        }),
        task.clone().prop_map(|task| AgentAction::Accept { task }),
        Just(AgentAction::AcceptAll),
        task.clone().prop_map(|task| AgentAction::Hold { task }),
        task.clone().prop_map(|task| AgentAction::Resume { task }),
        task.clone().prop_map(|task| AgentAction::End { task }),
        (task.clone(), 0u32..3, proptest::option::of(0u32..2)).prop_map(|(task, r, idle)| {
            AgentAction::WrapUp {
                task,
                reason: WrapUpReasonIdx(r),
                idle: idle.map(IdleReasonIdx),
            }
        }),
    ];
    let call = prop_oneof![
        (task.clone(), target()).prop_map(|(task, target)| AgentAction::Consult { task, target }),
        task.clone()
            .prop_map(|task| AgentAction::EndConsult { task }),
        task.clone()
            .prop_map(|task| AgentAction::HoldConsulted { task }),
        task.clone()
            .prop_map(|task| AgentAction::ResumeConsulted { task }),
        (task.clone(), proptest::option::of(target()))
            .prop_map(|(task, target)| AgentAction::Transfer { task, target }),
        task.clone()
            .prop_map(|task| AgentAction::Conference { task }),
        task.clone().prop_map(|task| AgentAction::Exit { task }),
        task.clone()
            .prop_map(|task| AgentAction::PauseRecording { task }),
        task.clone()
            .prop_map(|task| AgentAction::ResumeRecording { task }),
        (task.clone(), var.clone(), value, 0u32..3).prop_map(|(task, var, value, version)| {
            AgentAction::SaveVariable {
                task,
                var,
                value,
                version,
            }
        }),
        (task.clone(), var.clone())
            .prop_map(|(task, var)| AgentAction::RevertVariable { task, var }),
        (task, var).prop_map(|(task, var)| AgentAction::RevealVariable { task, var }),
        (
            prop_oneof![Just("+48221234567"), Just("1"), Just("+18005550100")],
            proptest::option::of(0u32..5)
        )
            .prop_map(|(n, ep)| AgentAction::Outdial {
                number: n.to_string(),
                ep: ep.map(EpIdx)
            }),
    ];
    let task = (0u64..8).prop_map(TaskId);
    let campaign = prop_oneof![
        (0u32..4).prop_map(|c| AgentAction::PullContact {
            campaign: CampaignIdx(c)
        }),
        task.clone()
            .prop_map(|task| AgentAction::PreviewAccept { task }),
        task.clone()
            .prop_map(|task| AgentAction::PreviewSkip { task }),
        task.clone()
            .prop_map(|task| AgentAction::PreviewRemove { task }),
    ];
    let digital = prop_oneof![
        (task, content()).prop_map(|(task, c)| AgentAction::SendMessage {
            task,
            content: Box::new(c)
        }),
        (
            0u32..7,
            prop_oneof![
                Just("+48601000001"),
                Just("v@example.com"),
                Just("601"),
                Just("")
            ],
            content()
        )
            .prop_map(|(ep, to, c)| AgentAction::StartConversation {
                ep: EpIdx(ep),
                to: to.to_string(),
                content: Box::new(c)
            }),
    ];
    prop_oneof![3 => basic, 2 => call, 1 => campaign, 1 => digital]
}

fn input() -> impl Strategy<Value = Input> {
    let call = (0u64..6).prop_map(CallId);
    let agent = (0u32..4).prop_map(AgentIdx);
    let phone = prop_oneof![
        Just(PhoneEvent::Ringing),
        Just(PhoneEvent::Answered),
        Just(PhoneEvent::HungUp),
        Just(PhoneEvent::Failed)
    ];
    let outcome = prop_oneof![
        Just(DialOutcome::Answered),
        Just(DialOutcome::Machine),
        Just(DialOutcome::Busy),
        Just(DialOutcome::NoAnswer),
        Just(DialOutcome::Failed)
    ];
    prop_oneof![
        1 => (call.clone(), prop_oneof![Just("+18005550100"), Just("+1 800 555 0100"), Just("999"), Just("")])
            .prop_map(|(call, to)| Input::CallArrived { call, from: "+48601000000".into(), to: to.into() }),
        2 => (call.clone(), 0u32..7, message()).prop_map(|(contact, ep, message)| Input::MessageReceived {
            contact,
            ep: EpIdx(ep),
            message: Box::new(message),
        }),
        1 => (0u64..16, any::<bool>()).prop_map(|(r, delivered)| Input::MessageResult { request: RequestId(r), delivered }),
        1 => call.clone().prop_map(|call| Input::CustomerHungUp { call }),
        1 => (call.clone(), prop_oneof![Just('1'), Just('2'), Just('3'), Just('9'), Just('#')])
            .prop_map(|(call, c)| Input::CustomerDigit { call, digit: Digit::from_char(c).expect("a key") }),
        1 => (call.clone(), 0u64..16).prop_map(|(call, r)| Input::PromptFinished { call, request: RequestId(r) }),
        1 => (0u64..16, outcome).prop_map(|(r, outcome)| Input::DialResult { request: RequestId(r), outcome }),
        1 => (0u64..6).prop_map(|l| Input::LegHungUp { leg: LegId(l) }),
        1 => (agent.clone(), phone).prop_map(|(agent, event)| Input::Phone { agent, event }),
        4 => (agent, agent_action()).prop_map(|(agent, action)| Input::Agent { agent, action }),
        1 => (0usize..7).prop_map(|i| Input::Reconfigure { config: reconfiguration(i) }),
        1 => (call.clone(), 0u32..6, 0u32..4, prop_oneof![Just("+48221234599"), Just("x")])
            .prop_map(|(contact, ep, queue, number)| Input::WebCallback {
                contact,
                ep: EpIdx(ep),
                queue: QueueIdx(queue),
                name: "Web".into(),
                number: number.into(),
            }),
        1 => (0u32..4, 0usize..LISTS.len()).prop_map(|(c, l)| Input::LoadContacts {
            campaign: CampaignIdx(c),
            csv: LISTS[l].to_string(),
        }),
    ]
}

proptest! {
    // 512 cases by default; PROPTEST_CASES=N runs more.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512),
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_config_parser_never_panics(text in "\\PC{0,400}") {
        let _ = Tenant::from_toml(&text);
    }

    #[test]
    fn mangled_configurations_never_panic(cut in 0usize..3000, junk in "[\\[\\]=\"a-z0-9 .\n]{0,20}") {
        let at = cut.min(CONFIG.len());
        let at = (0..=at).rev().find(|i| CONFIG.is_char_boundary(*i)).unwrap_or(0);
        let text = format!("{}{junk}{}", &CONFIG[..at], &CONFIG[at..]);
        let _ = Tenant::from_toml(&text);
    }

    #[test]
    fn any_input_sequence_keeps_the_invariants(steps in proptest::collection::vec((0u64..5_000_000, input()), 1..160)) {
        let tenant = Arc::new(Tenant::from_toml(CONFIG).expect("valid"));
        // Monday 2026-01-05 10:00 UTC: business hours open.
        let mut engine = Engine::new(tenant, EngineOptions { epoch_unix_micros: 1_767_607_200_000_000, ..Default::default() });
        let mut now = 0u64;
        for (gap, input) in steps {
            now += gap;
            let _ = engine.handle(SimTime(now), input);
            while engine.poll_output().is_some() {}
            if let Err(v) = engine.audit() {
                return Err(TestCaseError::fail(format!("{v}")));
            }
            if let Some(t) = engine.poll_timeout().filter(|t| t.0 <= now + 30_000_000) {
                engine.handle_timeout(t);
                while engine.poll_output().is_some() {}
                prop_assert!(engine.audit().is_ok(), "{:?}", engine.audit());
                now = now.max(t.0);
            }
        }
    }
}

#[test]
fn the_reconfigurations_are_valid_except_the_garbage() {
    for i in 0..6 {
        if let Err(e) = Tenant::from_toml(&reconfiguration(i)) {
            panic!("reconfiguration {i} should be valid: {e}");
        }
    }
    assert!(Tenant::from_toml(&reconfiguration(6)).is_err());
}

/// What a test party does, resolved against the live state when it happens: an
/// agent acts on its own current task, a dial result answers a dial actually
/// pending, a prompt actually playing finishes. This reaches the deep states
/// (answered calls, consults, conferences, transfers) that random ids rarely do.
#[derive(Clone, Debug)]
enum Intent {
    Call(u64),
    /// A customer writes (a new conversation, or into an open one).
    Chat(u64, u8, InboundMessage),
    /// The i-th message sent is delivered or not.
    Delivered(usize, bool),
    HangUp(u64),
    Key(u64, char),
    PromptDone(usize),
    Dialled(usize, DialOutcome),
    NumberHangsUp(usize),
    Phone(u32, PhoneEvent),
    /// The i-th agent with a request showing answers it (its phone, or Accept for a chat).
    AnswerShowing(usize),
    Login(u32),
    Act(u32, u8, Option<Target>),
    Reconfigure(usize),
    /// A web callback request with this id.
    WebCallback(u64),
    /// A contact list (LISTS) into a campaign.
    Contacts(u32, usize),
}

fn intent() -> impl Strategy<Value = Intent> {
    let outcome = prop_oneof![
        3 => Just(DialOutcome::Answered),
        1 => Just(DialOutcome::Machine),
        1 => Just(DialOutcome::Busy),
        1 => Just(DialOutcome::NoAnswer),
        1 => Just(DialOutcome::Failed)
    ];
    let phone = prop_oneof![
        4 => Just(PhoneEvent::Answered),
        1 => Just(PhoneEvent::Ringing),
        1 => Just(PhoneEvent::HungUp),
        1 => Just(PhoneEvent::Failed)
    ];
    prop_oneof![
        2 => (0u64..6).prop_map(Intent::Call),
        2 => ((6u64..9), (0u8..3), message()).prop_map(|(c, ep, m)| Intent::Chat(c, ep, m)),
        1 => ((0usize..4), any::<bool>()).prop_map(|(i, d)| Intent::Delivered(i, d)),
        1 => (0u64..9).prop_map(Intent::HangUp),
        1 => ((0u64..6), prop_oneof![Just('1'), Just('2'), Just('3'), Just('9')]).prop_map(|(c, k)| Intent::Key(c, k)),
        2 => (0usize..4).prop_map(Intent::PromptDone),
        2 => ((0usize..4), outcome).prop_map(|(i, o)| Intent::Dialled(i, o)),
        1 => (0usize..4).prop_map(Intent::NumberHangsUp),
        1 => ((0u32..3), phone).prop_map(|(a, e)| Intent::Phone(a, e)),
        4 => (0usize..3).prop_map(Intent::AnswerShowing),
        2 => (0u32..3).prop_map(Intent::Login),
        4 => ((0u32..3), (0u8..10), proptest::option::of(target())).prop_map(|(a, k, t)| Intent::Act(a, k, t)),
        8 => ((0u32..3), (10u8..22), proptest::option::of(target())).prop_map(|(a, k, t)| Intent::Act(a, k, t)),
        3 => ((0u32..3), (22u8..27), proptest::option::of(target())).prop_map(|(a, k, t)| Intent::Act(a, k, t)),
        4 => ((0u32..3), (27u8..33), proptest::option::of(target())).prop_map(|(a, k, t)| Intent::Act(a, k, t)),
        1 => (0usize..40).prop_map(Intent::Reconfigure),
        1 => (9u64..12).prop_map(Intent::WebCallback),
        1 => ((0u32..3), (0usize..LISTS.len())).prop_map(|(c, l)| Intent::Contacts(c, l)),
    ]
}

/// The test's view of what the outside owes the engine.
#[derive(Default)]
struct Pending {
    prompts: Vec<(CallId, RequestId)>,
    dials: Vec<(RequestId, LegId)>,
    legs: Vec<LegId>,
    sends: Vec<RequestId>,
}

impl Pending {
    fn observe(&mut self, out: &switchboard_core::Output) {
        use switchboard_core::{Effect, Output};
        if let Output::Effect(e) = out {
            match e {
                Effect::PlayPrompt { call, request, .. } => self.prompts.push((*call, *request)),
                Effect::Dial { leg, request, .. } => self.dials.push((*request, *leg)),
                Effect::SendMessage(m) => self.sends.push(m.request),
                _ => {}
            }
        }
    }
}

fn resolve(engine: &Engine, pending: &mut Pending, intent: Intent) -> Option<Input> {
    Some(match intent {
        Intent::Call(c) => Input::CallArrived {
            call: CallId(c),
            from: "+48601000000".into(),
            to: "+18005550100".into(),
        },
        Intent::Chat(c, ep, message) => {
            let name = ["Chat", "Mail", "Text"][ep as usize % 3];
            Input::MessageReceived {
                contact: CallId(c),
                ep: engine.tenant().entry_point_by_name(name)?,
                message: Box::new(message),
            }
        }
        Intent::Delivered(i, delivered) => {
            if pending.sends.is_empty() {
                return None;
            }
            Input::MessageResult {
                request: pending.sends.remove(i % pending.sends.len()),
                delivered,
            }
        }
        Intent::HangUp(c) => Input::CustomerHungUp { call: CallId(c) },
        Intent::Key(c, k) => Input::CustomerDigit {
            call: CallId(c),
            digit: Digit::from_char(k)?,
        },
        Intent::PromptDone(i) => {
            if pending.prompts.is_empty() {
                return None;
            }
            let (call, request) = pending.prompts.remove(i % pending.prompts.len());
            Input::PromptFinished { call, request }
        }
        Intent::Dialled(i, outcome) => {
            if pending.dials.is_empty() {
                return None;
            }
            let (request, leg) = pending.dials.remove(i % pending.dials.len());
            if outcome.connected() {
                pending.legs.push(leg);
            }
            Input::DialResult { request, outcome }
        }
        Intent::NumberHangsUp(i) => {
            if pending.legs.is_empty() {
                return None;
            }
            Input::LegHungUp {
                leg: pending.legs.remove(i % pending.legs.len()),
            }
        }
        Intent::Phone(a, event) => Input::Phone {
            agent: AgentIdx(a),
            event,
        },
        Intent::Login(a) => Input::Agent {
            agent: AgentIdx(a),
            action: AgentAction::Login,
        },
        Intent::AnswerShowing(i) => {
            let showing: Vec<(AgentIdx, TaskId, switchboard_core::legs::Channel)> = (0..3)
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
            let &(agent, task, channel) = showing.get(i % showing.len().max(1))?;
            if channel == switchboard_core::legs::Channel::Voice {
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
        Intent::Act(a, kind, target) => {
            let agent = AgentIdx(a);
            let task = engine
                .agent_task(agent)
                .or_else(|| engine.agent_work(agent).first().map(|w| w.0))
                .unwrap_or(TaskId(0));
            let to = || {
                target
                    .clone()
                    .unwrap_or(Target::Agent(AgentIdx((a + 1) % 3)))
            };
            let action = match kind {
                0 => AgentAction::Login,
                1 => AgentAction::Logout,
                2 => AgentAction::SetAvailable,
                3 => AgentAction::SetIdle {
                    reason: IdleReasonIdx(0),
                },
                4 => AgentAction::Accept { task },
                5 => AgentAction::AcceptAll,
                6 => AgentAction::Hold { task },
                7 => AgentAction::Resume { task },
                8 => AgentAction::End { task },
                9 => AgentAction::WrapUp {
                    task,
                    reason: WrapUpReasonIdx(0),
                    idle: None,
                },
                10 | 11 => AgentAction::Consult { task, target: to() },
                12 => AgentAction::EndConsult { task },
                13 => AgentAction::HoldConsulted { task },
                14 => AgentAction::ResumeConsulted { task },
                15 => AgentAction::Transfer { task, target: None },
                16 => AgentAction::Transfer {
                    task,
                    target: target.clone(),
                },
                17 => AgentAction::Conference { task },
                18 => AgentAction::Exit { task },
                19 => AgentAction::PauseRecording { task },
                20 => AgentAction::SaveVariable {
                    task,
                    var: VarIdx(0),
                    value: "v".into(),
                    version: 0,
                },
                21 => AgentAction::Outdial {
                    number: "+48221234567".into(),
                    ep: None,
                },
                22 => AgentAction::PullContact {
                    campaign: CampaignIdx(1),
                },
                23 | 24 => AgentAction::PreviewAccept { task },
                25 => AgentAction::PreviewSkip { task },
                26 => AgentAction::PreviewRemove { task },
                27 | 28 => AgentAction::SendMessage {
                    task,
                    content: Box::new(MessageContent {
                        subject: None,
                        text: "reply".into(),
                        parts: Vec::new(),
                    }),
                },
                29 | 30 => {
                    let (ep, to, subject) = if kind == 29 {
                        ("Text", "+48601000001", None)
                    } else {
                        ("Mail", "v@example.com", Some(format!("Case {}", a)))
                    };
                    AgentAction::StartConversation {
                        ep: engine.tenant().entry_point_by_name(ep)?,
                        to: to.into(),
                        content: Box::new(MessageContent {
                            subject,
                            text: "hello".into(),
                            parts: Vec::new(),
                        }),
                    }
                }
                // A digital transfer: to the chat queue or another agent.
                _ => AgentAction::Transfer {
                    task,
                    target: Some(
                        target
                            .clone()
                            .unwrap_or(Target::Queue(engine.tenant().queue_by_name("chat")?)),
                    ),
                },
            };
            Input::Agent { agent, action }
        }
        // Most draws apply the same configuration again; a few change it.
        Intent::Reconfigure(i) => Input::Reconfigure {
            config: reconfiguration(if i < 7 { i } else { 0 }),
        },
        Intent::WebCallback(c) => Input::WebCallback {
            contact: CallId(c),
            ep: EpIdx(1),
            queue: QueueIdx(0),
            name: "Web".into(),
            number: format!("+4860100000{c}"),
        },
        Intent::Contacts(c, l) => Input::LoadContacts {
            campaign: CampaignIdx(c),
            csv: LISTS[l].to_string(),
        },
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512),
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_course_of_calls_keeps_the_invariants(intents in proptest::collection::vec((0u64..4_000_000, intent()), 1..200)) {
        let tenant = Arc::new(Tenant::from_toml(CONFIG).expect("valid"));
        let mut engine = Engine::new(tenant, EngineOptions { epoch_unix_micros: 1_767_607_200_000_000, ..Default::default() });
        let mut pending = Pending::default();
        let mut now = 0u64;
        for (gap, intent) in intents {
            now += gap;
            if let Some(t) = engine.poll_timeout().filter(|t| t.0 <= now) {
                engine.handle_timeout(t);
                while let Some(out) = engine.poll_output() {
                    pending.observe(&out);
                }
                prop_assert!(engine.audit().is_ok(), "{:?}", engine.audit());
            }
            let Some(input) = resolve(&engine, &mut pending, intent) else { continue };
            let _ = engine.handle(SimTime(now), input);
            while let Some(out) = engine.poll_output() {
                pending.observe(&out);
            }
            if let Err(v) = engine.audit() {
                return Err(TestCaseError::fail(format!("{v}")));
            }
        }
    }
}

/// A filter with each kind of output kept or not, by `keep`'s bits.
fn filter_of(keep: &[bool]) -> OutputFilter {
    use strum::IntoEnumIterator;
    let mut bits = keep.iter().copied().cycle();
    let mut f = OutputFilter::NONE;
    for c in EventClass::iter() {
        if bits.next().unwrap_or(true) {
            f = f.with_event(c);
        }
    }
    for c in EffectClass::iter() {
        if bits.next().unwrap_or(true) {
            f = f.with_effect(c);
        }
    }
    for c in NoticeClass::iter() {
        if bits.next().unwrap_or(true) {
            f = f.with_notice(c);
        }
    }
    f
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
        ..ProptestConfig::default()
    })]

    /// The rules do not depend on what the driver reads: an engine with any
    /// output filter gives exactly the outputs of the unfiltered engine that the
    /// filter keeps, in the same order, and ends in the same state.
    #[test]
    fn a_filtered_engine_gives_exactly_the_wanted_outputs(
        keep in proptest::collection::vec(any::<bool>(), 97),
        intents in proptest::collection::vec((0u64..4_000_000, intent()), 1..200),
    ) {
        let tenant = Arc::new(Tenant::from_toml(CONFIG).expect("valid"));
        let filter = filter_of(&keep);
        let opts = EngineOptions { epoch_unix_micros: 1_767_607_200_000_000, ..Default::default() };
        let mut full = Engine::new(tenant.clone(), opts);
        let mut filtered = Engine::new(tenant, EngineOptions { outputs: filter, ..opts });
        let mut pending = Pending::default();
        let mut now = 0u64;
        let mut expected = Vec::new();
        let mut got = Vec::new();
        let mut drain = |full: &mut Engine, filtered: &mut Engine, pending: &mut Pending| {
            while let Some(out) = full.poll_output() {
                pending.observe(&out);
                if filter.wants(&out) {
                    expected.push(out);
                }
            }
            while let Some(out) = filtered.poll_output() {
                got.push(out);
            }
        };
        for (gap, intent) in intents {
            now += gap;
            if let Some(t) = full.poll_timeout().filter(|t| t.0 <= now) {
                prop_assert_eq!(filtered.poll_timeout(), Some(t));
                full.handle_timeout(t);
                filtered.handle_timeout(t);
                drain(&mut full, &mut filtered, &mut pending);
            }
            let Some(input) = resolve(&full, &mut pending, intent) else { continue };
            let a = full.handle(SimTime(now), input.clone());
            let b = filtered.handle(SimTime(now), input);
            prop_assert_eq!(a, b);
            drain(&mut full, &mut filtered, &mut pending);
        }
        prop_assert_eq!(&got, &expected);
        prop_assert!(filtered.audit().is_ok(), "{:?}", filtered.audit());
        prop_assert_eq!(full.live_tasks(), filtered.live_tasks());
        prop_assert_eq!(full.armed_timers(), filtered.armed_timers());
        for a in 0..full.tenant().agents.len() as u32 {
            let a = switchboard_core::ids::AgentIdx(a);
            prop_assert_eq!(full.agent_state(a), filtered.agent_state(a));
            prop_assert_eq!(full.agent_work(a), filtered.agent_work(a));
        }
    }
}
