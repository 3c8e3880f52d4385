//! Bad input of every kind gives one clear sentence (what and where) and never
//! a panic: malformed TOML, unknown keys, dangling references, out-of-range
//! values, wrong types, and actions not allowed in the current state.

use std::sync::Arc;

use switchboard_core::config::ConfigErrors;
use switchboard_core::ids::*;
use switchboard_core::{
    AgentAction, Engine, EngineOptions, Input, PhoneEvent, Refusal, SimTime, Tenant,
};

const BASE: &str = include_str!("fixtures/small_tenant.toml");

fn errors(text: &str) -> ConfigErrors {
    match Tenant::from_toml(text) {
        Ok(_) => panic!("the configuration should be refused:\n{text}"),
        Err(e) => e,
    }
}

/// One sentence each: no line breaks, a location, a message.
fn assert_sentences(e: &ConfigErrors) {
    for err in &e.0 {
        let text = err.to_string();
        assert!(!text.contains('\n'), "one line: {text}");
        assert!(!err.message.is_empty());
    }
}

#[test]
fn the_base_configuration_is_valid() {
    Tenant::from_toml(BASE).expect("valid");
}

#[test]
fn malformed_toml_names_line_and_column() {
    let e = errors("[tenant\nname = 1");
    assert_eq!(e.0.len(), 1);
    assert_eq!((e.0[0].line, e.0[0].column), (1, 8));
    assert!(
        e.0[0].message.contains("expected `]`"),
        "{}",
        e.0[0].message
    );
    let e = errors("[tenant]\nname = \"unterminated\n");
    assert_eq!(e.0[0].line, 2);
    assert_sentences(&e);
}

#[test]
fn unknown_keys_are_refused_where_they_are() {
    let e = errors(&BASE.replace("[queues.q]\n", "[queues.q]\ncolour = \"red\"\n"));
    assert_eq!(e.0.len(), 1);
    assert!(
        e.0[0].message.contains("unknown key `colour`"),
        "{}",
        e.0[0].message
    );
    let line = BASE
        .replace("[queues.q]\n", "[queues.q]\ncolour = \"red\"\n")
        .lines()
        .position(|l| l.starts_with("colour"))
        .unwrap()
        + 1;
    assert_eq!(e.0[0].line, line);
    // Inside a flow step (an internally tagged table) the key itself is located too.
    let text = BASE.replace("queue = \"q\"\n\"#", "queue = \"q\"\nnext = \"x\"\n");
    let text = text.replace(
        "type = \"queue\"\nqueue = \"q\"\n",
        "type = \"queue\"\nqueue = \"q\"\nnxt = \"s\"\n",
    );
    let e = errors(&text);
    assert!(
        e.0[0].message.contains("unknown key `nxt`"),
        "{}",
        e.0[0].message
    );
    assert_eq!(
        e.0[0].line,
        text.lines().position(|l| l.starts_with("nxt")).unwrap() + 1
    );
    assert!(
        errors(&format!("{BASE}\n[nonsense]\nx = 1\n")).0[0]
            .message
            .contains("unknown key `nonsense`")
    );
}

#[test]
fn dangling_references_are_each_reported() {
    let text = BASE
        .replacen("team = \"t1\"", "team = \"t9\"", 1)
        .replacen("profile = \"voice\"", "profile = \"p9\"", 1)
        .replace("teams = [\"t1\"]", "teams = [\"t1\", \"t8\"]")
        .replace("flow = \"f\"", "flow = \"f9\"")
        .replace("queue = \"q\"\n", "queue = \"q9\"\n");
    let e = errors(&text);
    let all = e.to_string();
    for want in [
        "agents.a1.team: unknown team \"t9\"",
        "agents.a1.profile: unknown profile \"p9\"",
        "queues.q.teams[1]: unknown team \"t8\"",
        "entry_points.Line.flow: unknown flow \"f9\"",
        "flows.f.steps.s.queue: unknown queue \"q9\"",
    ] {
        assert!(all.contains(want), "missing {want:?} in:\n{all}");
    }
    assert_eq!(e.0.len(), 5, "{all}");
    assert!(e.0.iter().all(|x| x.line > 0));
    assert_sentences(&e);
}

#[test]
fn out_of_range_values_say_the_range() {
    let text = BASE
        .replace("concurrent_call_limit = 5", "concurrent_call_limit = -3")
        .replace("[queues.q]\n", "[queues.q]\nmax_time_available = \"2h\"\n")
        .replace("voice = 1", "voice = 2");
    let e = errors(&text);
    let all = e.to_string();
    assert!(
        all.contains(
            "tenant.concurrent_call_limit: -3 is out of range; use a value from 1 to 100000"
        ),
        "{all}"
    );
    assert!(
        all.contains("queues.q.max_time_available: 2h is out of range; use a value from 1s to 10m"),
        "{all}"
    );
    assert!(
        all.contains("profiles.voice.voice: 2 is out of range; use a value from 0 to 1"),
        "{all}"
    );
    assert_eq!(e.0.len(), 3, "{all}");
}

#[test]
fn a_persistent_connection_on_a_handset_is_refused_where_it_is() {
    let text = BASE.replace(
        "[agents.a1]\n",
        "[agents.a1]\nhandset = true\npersistent_connection = true\n",
    );
    let e = errors(&text);
    let all = e.to_string();
    assert_eq!(e.0.len(), 1, "{all}");
    assert!(
        all.contains("agents.a1.persistent_connection: agent \"a1\" has a handset"),
        "{all}"
    );
    let line = text
        .lines()
        .position(|l| l.starts_with("persistent_connection"))
        .unwrap()
        + 1;
    assert_eq!(e.0[0].line, line);
    assert_sentences(&e);
    // On a softphone it is fine.
    Tenant::from_toml(&BASE.replace(
        "[agents.a1]\n",
        "[agents.a1]\npersistent_connection = true\n",
    ))
    .expect("valid");
}

#[test]
fn wrong_types_and_bad_durations_are_located() {
    let e = errors(&BASE.replace(
        "concurrent_call_limit = 5",
        "concurrent_call_limit = \"five\"",
    ));
    assert!(
        e.0[0].message.contains("invalid type"),
        "{}",
        e.0[0].message
    );
    let line = BASE
        .lines()
        .position(|l| l.starts_with("concurrent_call_limit"))
        .expect("the key")
        + 1;
    assert_eq!(e.0[0].line, line);
    let e = errors(&BASE.replace("[queues.q]\n", "[queues.q]\nmax_time_available = \"18\"\n"));
    assert!(
        e.0[0].message.contains("lacks a unit"),
        "{}",
        e.0[0].message
    );
}

fn engine() -> Engine {
    Engine::new(
        Arc::new(Tenant::from_toml(BASE).expect("valid")),
        EngineOptions::default(),
    )
}

const A1: AgentIdx = AgentIdx(0);

fn act(e: &mut Engine, at: u64, action: AgentAction) -> Result<(), Refusal> {
    e.handle(SimTime(at * 1_000_000), Input::Agent { agent: A1, action })
}

#[test]
fn actions_not_allowed_now_are_refused_and_change_nothing() {
    let mut e = engine();
    assert_eq!(
        act(&mut e, 0, AgentAction::Logout),
        Err(Refusal::NotLoggedIn)
    );
    assert_eq!(
        act(&mut e, 0, AgentAction::SetAvailable),
        Err(Refusal::NotLoggedIn)
    );
    act(&mut e, 1, AgentAction::Login).unwrap();
    assert_eq!(
        act(&mut e, 1, AgentAction::Login),
        Err(Refusal::AlreadyLoggedIn)
    );
    assert!(matches!(
        act(
            &mut e,
            1,
            AgentAction::SetIdle {
                reason: IdleReasonIdx(7)
            }
        ),
        Err(Refusal::UnknownIdleReason { .. })
    ));
    assert!(matches!(
        act(&mut e, 1, AgentAction::Hold { task: TaskId(42) }),
        Err(Refusal::UnknownTask { .. })
    ));
    e.handle(
        SimTime(2_000_000),
        Input::CallArrived {
            call: CallId(1),
            from: "+15550001".into(),
            to: "+18005550100".into(),
        },
    )
    .unwrap();
    let state = e.agent_state(A1);
    assert_eq!(
        act(&mut e, 3, AgentAction::Logout),
        Err(Refusal::OfferShowing)
    );
    assert!(matches!(
        act(&mut e, 3, AgentAction::End { task: TaskId(1) }),
        Err(Refusal::NotAccepted { .. })
    ));
    assert_eq!(e.agent_state(A1), state, "a refused action changes nothing");
    e.audit().expect("invariants hold after refusals");
    // Unknown agents and calls, and time going back.
    assert!(matches!(
        e.handle(
            SimTime(4_000_000),
            Input::Agent {
                agent: AgentIdx(99),
                action: AgentAction::Login
            }
        ),
        Err(Refusal::UnknownAgent { agent: 99 })
    ));
    assert!(matches!(
        e.handle(
            SimTime(4_000_000),
            Input::Phone {
                agent: AgentIdx(99),
                event: PhoneEvent::Answered
            }
        ),
        Err(Refusal::UnknownAgent { .. })
    ));
    assert!(matches!(
        e.handle(
            SimTime(1),
            Input::Agent {
                agent: A1,
                action: AgentAction::Logout
            }
        ),
        Err(Refusal::TimeWentBack { .. })
    ));
    assert!(matches!(
        e.handle(
            SimTime(5_000_000),
            Input::CallArrived {
                call: CallId(1),
                from: "x".into(),
                to: "+18005550100".into()
            }
        ),
        Err(Refusal::DuplicateCall { .. })
    ));
    assert!(matches!(
        e.handle(
            SimTime(5_000_000),
            Input::Reconfigure {
                config: "not toml [".into()
            }
        ),
        Err(Refusal::InvalidConfig { .. })
    ));
    e.audit().expect("invariants hold");
    // Every refusal reads as one sentence.
    while let Some(out) = e.poll_output() {
        if let switchboard_core::Output::Event(ev) = out
            && let switchboard_core::EventKind::Refused { reason, .. } = ev.kind
        {
            let text = reason.to_string();
            assert!(!text.contains('\n') && !text.is_empty(), "{text}");
        }
    }
}
