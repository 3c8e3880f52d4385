//! The test parties shared by the engine's property tests (never_panics.rs,
//! snapshot.rs): what a party does ([`Intent`]), drawn by proptest, and
//! resolved against the live state when it happens ([`resolve`]) with what the
//! outside owes the engine ([`Pending`]), so that random courses reach deep
//! states: answered calls, consults, conferences, transfers, callbacks.

#![allow(dead_code)]

use proptest::prelude::*;
use switchboard_core::dtmf::Digit;
use switchboard_core::event::WorkPhase;
use switchboard_core::ids::*;
use switchboard_core::input::{DialOutcome, Target};
use switchboard_core::message::{EmailHeaders, InboundMessage, MessageContent};
use switchboard_core::{AgentAction, Engine, Input, PhoneEvent};

use super::rich::{LISTS, reconfiguration};

pub fn target() -> impl Strategy<Value = Target> {
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
pub fn message() -> impl Strategy<Value = InboundMessage> {
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

/// What a test party does, resolved against the live state when it happens: an
/// agent acts on its own current task, a dial result answers a dial actually
/// pending, a prompt actually playing finishes. This reaches the deep states
/// (answered calls, consults, conferences, transfers) that random ids rarely do.
#[derive(Clone, Debug)]
pub enum Intent {
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

pub fn intent() -> impl Strategy<Value = Intent> {
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
pub struct Pending {
    pub prompts: Vec<(CallId, RequestId)>,
    pub dials: Vec<(RequestId, LegId)>,
    pub legs: Vec<LegId>,
    pub sends: Vec<RequestId>,
}

impl Pending {
    pub fn observe(&mut self, out: &switchboard_core::Output) {
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

pub fn resolve(engine: &Engine, pending: &mut Pending, intent: Intent) -> Option<Input> {
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
