//! Property tests: no input from a file, a peer or a user makes the core panic.
//! Arbitrary text into the configuration parser; arbitrary sequences of inputs
//! (valid or not, in any order, with stale ids: calls, chats, phones, desktop
//! actions of every kind, dial results, configuration changes) into the engine,
//! whose invariants must hold after every step.

use std::sync::Arc;
#[path = "common/intents.rs"]
mod intents;
#[path = "common/rich.rs"]
mod rich;
use intents::{Pending, intent, message, resolve, target};
use rich::{CONFIG, LISTS, reconfiguration};

use proptest::prelude::*;
use switchboard_core::dtmf::Digit;
use switchboard_core::event::EventClass;
use switchboard_core::ids::*;
use switchboard_core::input::DialOutcome;
use switchboard_core::message::{MessageContent, MessagePart, PartKind};
use switchboard_core::output::{EffectClass, NoticeClass};
use switchboard_core::{
    AgentAction, Engine, EngineOptions, Input, OutputFilter, PhoneEvent, SimTime, Tenant,
};

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
    // Releases of agents' phones apart from the others, now and then.
    if !bits.next().unwrap_or(true) {
        f = f.without_agent_release();
    }
    // Tasks created without the caller's numbers, now and then.
    if !bits.next().unwrap_or(true) {
        f = f.without_call_numbers();
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
        keep in proptest::collection::vec(any::<bool>(), 98),
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
                    expected.push(filter.shaped(out));
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
