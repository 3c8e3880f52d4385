//! Property tests: no input from a file, a peer or a user makes the core panic.
//! Arbitrary text into the configuration parser; arbitrary sequences of inputs
//! (valid or not, in any order, with stale ids) into the engine, whose
//! invariants must hold after every step.

use std::sync::Arc;

use proptest::prelude::*;
use switchboard_core::dtmf::Digit;
use switchboard_core::ids::*;
use switchboard_core::{AgentAction, Engine, EngineOptions, Input, PhoneEvent, SimTime, Tenant};

const CONFIG: &str = r#"
[tenant]
name = "t"
timezone = "Europe/Warsaw"
concurrent_call_limit = 5

[wrap_up]
reasons = ["Done", "Other"]
auto_after = "20s"
default_reason = "Done"

[idle]
reasons = ["Break"]

[profiles.voice]
voice = 1

[teams.t1]

[agents.a1]
name = "A One"
dn = "1001"
team = "t1"
profile = "voice"

[agents.a2]
name = "A Two"
dn = "1002"
team = "t1"
profile = "voice"
handset = true

[queues.q]
teams = ["t1"]
max_time_available = "10s"
recording = true

[queues.r]
agents = ["a2"]
strategy = "linear"

[business_hours.h]
mon = ["00:00-12:00"]
tue = ["00:00-24:00"]

[prompts.p]

[entry_points.Line]
queue_type = "inbound"
channel = "telephony"
flow = "f"
support_numbers = ["+18005550100"]

[flows.f]
start = "hours"
[flows.f.variables.v]
popover = 1
[flows.f.steps.hours]
type = "business_hours"
hours = "h"
open = "menu"
closed = "bye"
[flows.f.steps.menu]
type = "menu"
prompt = "p"
options = { 1 = "set", 2 = "to_r" }
timeout = "2s"
attempts = 2
default = "to_q"
[flows.f.steps.set]
type = "set"
variable = "v"
value = "{ani}/{digits}"
next = "to_q"
[flows.f.steps.to_q]
type = "queue"
queue = "q"
[flows.f.steps.to_r]
type = "queue"
queue = "r"
priority = 3
[flows.f.steps.bye]
type = "disconnect"
prompt = "p"
"#;

fn agent_action() -> impl Strategy<Value = AgentAction> {
    let task = (0u64..8).prop_map(TaskId);
    prop_oneof![
        Just(AgentAction::Login),
        Just(AgentAction::Logout),
        Just(AgentAction::SetAvailable),
        (0u32..2).prop_map(|r| AgentAction::SetIdle {
            reason: IdleReasonIdx(r)
        }),
        task.clone().prop_map(|task| AgentAction::Accept { task }),
        task.clone().prop_map(|task| AgentAction::Hold { task }),
        task.clone().prop_map(|task| AgentAction::Resume { task }),
        task.clone().prop_map(|task| AgentAction::End { task }),
        (task, 0u32..3, proptest::option::of(0u32..2)).prop_map(|(task, r, idle)| {
            AgentAction::WrapUp {
                task,
                reason: WrapUpReasonIdx(r),
                idle: idle.map(IdleReasonIdx),
            }
        }),
    ]
}

fn input() -> impl Strategy<Value = Input> {
    let call = (0u64..6).prop_map(CallId);
    let agent = (0u32..3).prop_map(AgentIdx);
    let phone = prop_oneof![
        Just(PhoneEvent::Ringing),
        Just(PhoneEvent::Answered),
        Just(PhoneEvent::HungUp),
        Just(PhoneEvent::Failed)
    ];
    prop_oneof![
        (
            call.clone(),
            prop_oneof![
                Just("+18005550100"),
                Just("+1 800 555 0100"),
                Just("999"),
                Just("")
            ]
        )
            .prop_map(|(call, to)| Input::CallArrived {
                call,
                from: "+48601000000".into(),
                to: to.into()
            }),
        call.clone().prop_map(|call| Input::CustomerHungUp { call }),
        (
            call.clone(),
            prop_oneof![Just('1'), Just('2'), Just('9'), Just('#')]
        )
            .prop_map(|(call, c)| Input::CustomerDigit {
                call,
                digit: Digit::from_char(c).expect("a key")
            }),
        (call, 0u64..12).prop_map(|(call, r)| Input::PromptFinished {
            call,
            request: RequestId(r)
        }),
        (agent.clone(), phone).prop_map(|(agent, event)| Input::Phone { agent, event }),
        (agent, agent_action()).prop_map(|(agent, action)| Input::Agent { agent, action }),
        (0usize..7).prop_map(|i| Input::Reconfigure {
            config: reconfiguration(i)
        }),
    ]
}

/// Configuration changes of every kind: none, a shorter RONA time, a removed agent,
/// a removed queue, a flow step of another kind, an entry point renamed, garbage.
fn reconfiguration(i: usize) -> String {
    match i {
        0 => CONFIG.to_string(),
        1 => CONFIG.replace(
            "max_time_available = \"10s\"",
            "max_time_available = \"3s\"",
        ),
        2 => CONFIG
            .replace("[agents.a2]", "[agents.a9]")
            .replace("agents = [\"a2\"]", "agents = [\"a9\"]"),
        3 => CONFIG
            .replace("[queues.r]\nagents = [\"a2\"]\nstrategy = \"linear\"\n", "")
            .replace("queue = \"r\"\npriority = 3", "queue = \"q\"\npriority = 3"),
        4 => {
            // The same steps, but "menu" is now a play step (a caller at the menu blocks it).
            let flow = CONFIG.find("[flows.f]").expect("the flow");
            format!(
                "{}{}",
                &CONFIG[..flow],
                r#"[flows.f]
start = "hours"
[flows.f.variables.v]
popover = 1
[flows.f.steps.hours]
type = "business_hours"
hours = "h"
open = "menu"
closed = "bye"
[flows.f.steps.menu]
type = "play"
prompt = "p"
next = "set"
[flows.f.steps.set]
type = "set"
variable = "v"
value = "{ani}"
next = "to_r"
[flows.f.steps.to_r]
type = "queue"
queue = "r"
[flows.f.steps.bye]
type = "disconnect"
prompt = "p"
"#
            )
        }
        5 => CONFIG.replace("[entry_points.Line]", "[entry_points.Renamed]"),
        _ => "[tenant]\nname = 3".to_string(),
    }
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
    fn mangled_configurations_never_panic(cut in 0usize..2000, junk in "[\\[\\]=\"a-z0-9 .\n]{0,20}") {
        let at = cut.min(CONFIG.len());
        let at = (0..=at).rev().find(|i| CONFIG.is_char_boundary(*i)).unwrap_or(0);
        let text = format!("{}{junk}{}", &CONFIG[..at], &CONFIG[at..]);
        let _ = Tenant::from_toml(&text);
    }

    #[test]
    fn any_input_sequence_keeps_the_invariants(steps in proptest::collection::vec((0u64..5_000_000, input()), 1..120)) {
        let tenant = Arc::new(Tenant::from_toml(CONFIG).expect("valid"));
        // Monday 2026-01-05 10:00 UTC: business hours open.
        let mut engine = Engine::new(tenant, EngineOptions { epoch_unix_micros: 1_767_607_200_000_000 });
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
