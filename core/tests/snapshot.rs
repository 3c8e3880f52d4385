//! Engine snapshots (core/src/engine/snapshot.rs): a snapshot taken at any point
//! of a random course of calls, chats, consults, callbacks, campaigns and
//! configuration changes, written as JSON, read back and restored, gives an
//! engine that continues exactly as the original (the same outputs, refusals,
//! timers, counters and final state) and passes the audit at every step; a
//! snapshot that does not fit the configuration, or was tampered with, is an
//! error and never a panic.

use std::sync::Arc;
#[path = "common/intents.rs"]
mod intents;
#[path = "common/rich.rs"]
mod rich;
use intents::{Intent, Pending, intent, resolve};
use rich::{CONFIG, reconfiguration};

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;
use switchboard_core::dtmf::Digit;
use switchboard_core::ids::*;
use switchboard_core::message::{EmailHeaders, InboundMessage, MessageContent};
use switchboard_core::{
    AgentAction, Engine, EngineOptions, EngineSnapshot, Input, PhoneEvent, SimTime, SnapshotError,
    Tenant,
};

/// Monday 2026-01-05 10:00 UTC: business hours open.
const OPTS: EngineOptions = EngineOptions {
    epoch_unix_micros: 1_767_607_200_000_000,
    outputs: switchboard_core::OutputFilter::ALL,
};

fn tenant(text: &str) -> Arc<Tenant> {
    Arc::new(Tenant::from_toml(text).expect("a valid configuration"))
}

/// Snapshot -> JSON text -> snapshot -> a new engine under the configuration in
/// force, compiled again from its text (as a restarting server would).
fn restart(e: &Engine) -> Result<Engine, String> {
    let json = serde_json::to_string(&e.snapshot()).map_err(|e| format!("to JSON: {e}"))?;
    let snapshot: EngineSnapshot =
        serde_json::from_str(&json).map_err(|e| format!("from JSON: {e}"))?;
    let config = tenant(&e.tenant().source);
    let restored = Engine::restore(config, e.options(), snapshot).map_err(|e| e.to_string())?;
    let again = serde_json::to_string(&restored.snapshot()).map_err(|e| e.to_string())?;
    if again != json {
        return Err("the restored engine's snapshot differs from the original's".into());
    }
    if state_of(&restored) != state_of(e) {
        return Err("the restored engine's state differs from the original's".into());
    }
    Ok(restored)
}

fn json_of(e: &Engine) -> String {
    serde_json::to_string(&e.snapshot()).expect("a snapshot serializes")
}

/// The whole state, through Debug rather than serde: a field serde left out
/// would still show here.
fn state_of(e: &Engine) -> String {
    format!("{:?}", e.snapshot())
}

// ---- a course of calls, resolved against the live state ----

/// Drains an engine's outputs as Debug lines, telling `pending` what they ask for.
fn drain(e: &mut Engine, pending: Option<&mut Pending>) -> Vec<String> {
    let mut lines = Vec::new();
    let mut pending = pending;
    while let Some(out) = e.poll_output() {
        if let Some(p) = pending.as_deref_mut() {
            p.observe(&out);
        }
        lines.push(format!("{out:?}"));
    }
    lines
}

/// An engine after `intents`.
fn run(intents: Vec<(u64, Intent)>) -> Engine {
    let mut e = Engine::new(tenant(CONFIG), OPTS);
    let mut pending = Pending::default();
    let mut now = 0u64;
    for (gap, intent) in intents {
        now += gap;
        if let Some(t) = e.poll_timeout().filter(|t| t.0 <= now) {
            e.handle_timeout(t);
            drain(&mut e, Some(&mut pending));
        }
        if let Some(input) = resolve(&e, &mut pending, intent) {
            let _ = e.handle(SimTime(now), input);
            drain(&mut e, Some(&mut pending));
        }
    }
    e
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
        ..ProptestConfig::default()
    })]

    /// Restored at any point, an engine continues exactly as the original: the
    /// same outputs (compared as Debug text), refusals, next deadlines and
    /// counters at every step, both passing the audit, and the same final state.
    #[test]
    fn a_restored_engine_continues_exactly_as_the_original(
        intents in proptest::collection::vec((0u64..4_000_000, intent()), 1..200),
        cut in any::<Index>(),
    ) {
        let cut = cut.index(intents.len() + 1);
        let mut a = Engine::new(tenant(CONFIG), OPTS);
        let mut b: Option<Engine> = None;
        let mut pending = Pending::default();
        let mut now = 0u64;
        for (i, (gap, intent)) in intents.into_iter().enumerate() {
            if i == cut {
                b = Some(restart(&a).map_err(TestCaseError::fail)?);
            }
            now += gap;
            if let Some(b) = b.as_ref() {
                prop_assert_eq!(a.poll_timeout(), b.poll_timeout());
            }
            if let Some(t) = a.poll_timeout().filter(|t| t.0 <= now) {
                a.handle_timeout(t);
                let want = drain(&mut a, Some(&mut pending));
                prop_assert!(a.audit().is_ok(), "original: {:?}", a.audit());
                if let Some(b) = b.as_mut() {
                    b.handle_timeout(t);
                    prop_assert_eq!(&drain(b, None), &want, "outputs of the timer at {}", t);
                    prop_assert!(b.audit().is_ok(), "restored: {:?}", b.audit());
                }
            }
            let Some(input) = resolve(&a, &mut pending, intent) else { continue };
            let ra = a.handle(SimTime(now), input.clone());
            let want = drain(&mut a, Some(&mut pending));
            prop_assert!(a.audit().is_ok(), "original: {:?}", a.audit());
            if let Some(b) = b.as_mut() {
                let rb = b.handle(SimTime(now), input.clone());
                prop_assert_eq!(&ra, &rb, "result of {:?}", input);
                prop_assert_eq!(&drain(b, None), &want, "outputs of {:?}", input);
                prop_assert!(b.audit().is_ok(), "restored: {:?}", b.audit());
                prop_assert_eq!(a.tally(), b.tally());
            }
        }
        let b = match b {
            Some(b) => b,
            None => restart(&a).map_err(TestCaseError::fail)?,
        };
        prop_assert_eq!(json_of(&a), json_of(&b));
        prop_assert_eq!(state_of(&a), state_of(&b));
    }

    /// A snapshot with any of its values changed, removed or replaced by
    /// garbage is refused with an error, or restores into an engine that passes
    /// the audit: never a panic.
    #[test]
    fn a_tampered_snapshot_is_an_error_never_a_panic(
        intents in proptest::collection::vec((0u64..4_000_000, intent()), 1..120),
        edits in proptest::collection::vec((any::<Index>(), 0u8..48), 1..4),
    ) {
        let e = run(intents);
        let mut value = serde_json::to_value(e.snapshot()).expect("serializes");
        for (at, how) in edits {
            tamper(&mut value, at, how);
        }
        let Ok(snapshot) = serde_json::from_value::<EngineSnapshot>(value) else {
            return Ok(());
        };
        if let Ok(restored) = Engine::restore(e.tenant().clone(), OPTS, snapshot) {
            prop_assert!(restored.audit().is_ok(), "{:?}", restored.audit());
        }
    }
}

/// Every place in a JSON value: (path of keys and indices, the value there).
fn places(v: &Value, path: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    out.push(path.clone());
    match v {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(PathStep::Index(i));
                places(item, path, out);
                path.pop();
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                path.push(PathStep::Key(k.clone()));
                places(item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum PathStep {
    Index(usize),
    Key(String),
}

fn at_mut<'a>(v: &'a mut Value, path: &[PathStep]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, step| match step {
        PathStep::Index(i) => v.get_mut(*i),
        PathStep::Key(k) => v.get_mut(k),
    })
}

fn at_ref<'a>(v: &'a Value, path: &[PathStep]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, step| match step {
        PathStep::Index(i) => v.get(*i),
        PathStep::Key(k) => v.get(k),
    })
}

/// Changes one place of the value, of the kind `how` picks: a number made
/// another (one more or less, 0 to 3, 7, doubled, huge), a boolean flipped, a
/// value made null or text, a list with an item removed, doubled or reversed,
/// or emptied, or an object with a field removed.
fn tamper(root: &mut Value, at: Index, how: u8) {
    let mut all = Vec::new();
    places(root, &mut Vec::new(), &mut all);
    let kind = how % 4;
    let variant = how / 4;
    let fits = |v: &Value| match kind {
        0 | 1 => v.is_number(),
        2 => !v.is_array() && !v.is_object(),
        _ => v.is_array() || v.is_object(),
    };
    let candidates: Vec<Vec<PathStep>> = all
        .into_iter()
        .filter(|p| at_ref(root, p).is_some_and(fits))
        .collect();
    if candidates.is_empty() {
        return;
    }
    let path = &candidates[at.index(candidates.len())];
    let Some(v) = at_mut(root, path) else { return };
    match (kind, v) {
        (0 | 1, v) => {
            let n = v.as_u64().unwrap_or(0);
            *v = Value::from(match (kind * 12 + variant) % 10 {
                0 => n.saturating_add(1),
                1 => n.saturating_sub(1),
                2 => n.saturating_mul(2),
                3 => 1 << 62,
                4 => u64::MAX,
                k => k as u64 - 5,
            });
        }
        (2, v) => {
            *v = match (variant % 3, &*v) {
                (0, Value::Bool(b)) => Value::Bool(!b),
                (1, _) => Value::Null,
                _ => Value::from("x"),
            }
        }
        (_, Value::Array(items)) if !items.is_empty() => match variant % 4 {
            0 => {
                items.remove(usize::from(variant) % items.len());
            }
            1 => {
                let first = items[0].clone();
                items.push(first);
            }
            2 => items.reverse(),
            _ => items.clear(),
        },
        (_, Value::Object(map)) if !map.is_empty() => {
            let key = map
                .keys()
                .nth(usize::from(variant) % map.len())
                .cloned()
                .unwrap_or_default();
            map.remove(&key);
        }
        _ => {}
    }
}

// ---- examples ----

fn agent(e: &mut Engine, at: u64, a: u32, action: AgentAction) {
    e.handle(
        SimTime(at),
        Input::Agent {
            agent: AgentIdx(a),
            action,
        },
    )
    .expect("accepted");
    drain(e, None);
}

/// An engine with agents in, calls offered, answered and waiting, a chat.
fn busy_engine() -> Engine {
    busy_engine_with(&[0, 1, 2])
}

/// The same with only `agents` logged in.
fn busy_engine_with(agents: &[u32]) -> Engine {
    let mut e = Engine::new(tenant(CONFIG), OPTS);
    for &a in agents {
        agent(&mut e, 0, a, AgentAction::Login);
    }
    // Five callers choose 1 at the menu: some are offered, the others wait.
    for call in 1..=5 {
        let arrive = Input::CallArrived {
            call: CallId(call),
            from: "+48601000000".into(),
            to: "+18005550100".into(),
        };
        e.handle(SimTime(call * 100_000), arrive).expect("arrival");
        let key = Input::CustomerDigit {
            call: CallId(call),
            digit: Digit::from_char('1').expect("a key"),
        };
        e.handle(SimTime(call * 100_000 + 1), key).expect("a key");
        drain(&mut e, None);
    }
    // The first agent answers.
    let answer = Input::Phone {
        agent: AgentIdx(0),
        event: PhoneEvent::Answered,
    };
    e.handle(SimTime(1_000_000), answer).expect("answered");
    drain(&mut e, None);
    let chat = Input::MessageReceived {
        contact: CallId(7),
        ep: e.tenant().entry_point_by_name("Chat").expect("Chat"),
        message: Box::new(InboundMessage {
            from: "visitor-1".into(),
            content: MessageContent {
                subject: None,
                text: "hi".into(),
                parts: Vec::new(),
            },
            email: EmailHeaders::default(),
        }),
    };
    e.handle(SimTime(5_000_000), chat).expect("a chat");
    drain(&mut e, None);
    e.audit().expect("a healthy engine");
    assert!(e.live_tasks() >= 4);
    e
}

fn snapshot_json(e: &Engine) -> Value {
    serde_json::to_value(e.snapshot()).expect("serializes")
}

fn restore_json(config: &str, v: Value) -> Result<Engine, SnapshotError> {
    let snapshot: EngineSnapshot = serde_json::from_value(v).expect("well-formed");
    Engine::restore(tenant(config), OPTS, snapshot)
}

#[test]
fn a_snapshot_round_trips_through_json_text() {
    let e = busy_engine();
    let text = serde_json::to_string_pretty(&e.snapshot()).expect("serializes");
    if std::env::var_os("SHOW_SNAPSHOT").is_some() {
        println!("{text}");
    }
    let snapshot: EngineSnapshot = serde_json::from_str(&text).expect("parses");
    assert_eq!(snapshot.now(), e.now());
    assert_eq!(snapshot.live_tasks(), e.live_tasks());
    let r = Engine::restore(tenant(CONFIG), OPTS, snapshot).expect("restores");
    assert_eq!(json_of(&r), json_of(&e));
    assert_eq!(r.poll_timeout(), e.poll_timeout());
    assert_eq!(r.tally(), e.tally());
}

#[test]
fn a_snapshot_taken_after_a_reconfiguration_restores_under_the_new_configuration() {
    // a2 (logged out) is renamed a9: the same number of agents, other names.
    let mut e = busy_engine_with(&[0, 2]);
    let new = reconfiguration(2);
    e.handle(
        SimTime(6_000_000),
        Input::Reconfigure {
            config: new.clone(),
        },
    )
    .expect("applied");
    drain(&mut e, None);
    let v = snapshot_json(&e);
    let mut r = restore_json(&new, v.clone()).expect("restores under the new configuration");
    assert_eq!(
        restore_json(CONFIG, v).err(),
        Some(SnapshotError::Names { what: "agents" })
    );
    // Both go on alike.
    let steps = [
        Input::Agent {
            agent: AgentIdx(1),
            action: AgentAction::Login,
        },
        Input::CallArrived {
            call: CallId(9),
            from: "+48601000009".into(),
            to: "+18005550100".into(),
        },
        Input::CustomerHungUp { call: CallId(2) },
    ];
    for (i, input) in steps.into_iter().enumerate() {
        let at = SimTime(7_000_000 + i as u64 * 10_000_000);
        assert_eq!(e.handle(at, input.clone()), r.handle(at, input));
        assert_eq!(drain(&mut e, None), drain(&mut r, None));
        r.audit().expect("the invariants hold");
    }
    assert_eq!(json_of(&e), json_of(&r));
}

#[test]
fn a_snapshot_of_another_tenant_is_an_error() {
    let v = snapshot_json(&busy_engine());
    let small = include_str!("fixtures/small_tenant.toml");
    match restore_json(small, v.clone()) {
        Err(SnapshotError::Count {
            what: "agents",
            snapshot: 3,
            tenant: 2,
        }) => {}
        other => panic!("expected too few agents, got {:?}", other.err()),
    }
    // One agent fewer in the same tenant.
    let fewer = CONFIG
        .replace(
            "[agents.a3]\nname = \"A Three\"\ndn = \"1003\"\nteam = \"t1\"\nprofile = \"blended\"\npersistent_connection = true\n",
            "",
        )
        .replace("agents = [\"a1\", \"a3\"]", "agents = [\"a1\"]")
        .replace("agents = [\"a3\"]", "agents = [\"a1\"]");
    let err = restore_json(&fewer, v).err().expect("refused");
    assert!(
        matches!(err, SnapshotError::Count { what: "agents", .. }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "the snapshot was taken under a configuration with 3 agents, and this one has 2"
    );
}

/// Sets the value at a JSON pointer.
fn set(v: &mut Value, pointer: &str, to: Value) {
    *v.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{pointer} in the snapshot")) = to;
}

#[test]
fn garbage_in_a_snapshot_is_an_error_not_a_panic() {
    let good = snapshot_json(&busy_engine());
    let parse = |v: Value| serde_json::from_value::<EngineSnapshot>(v);

    // Not a snapshot at all, unknown fields, wrong types, ids out of order.
    for text in ["", "{}", "[]", "null", "{\"format\": 1}", "12"] {
        assert!(
            serde_json::from_str::<EngineSnapshot>(text).is_err(),
            "{text}"
        );
    }
    let mut v = good.clone();
    v["surprise"] = Value::from(1);
    assert!(parse(v).is_err(), "an unknown field");
    let mut v = good.clone();
    v["agents"] = Value::from("three");
    assert!(parse(v).is_err(), "a string for a list");
    let mut v = good.clone();
    v["now"] = Value::from(-5);
    assert!(parse(v).is_err(), "a negative time");
    let mut v = good.clone();
    let tasks = v["tasks"].as_array_mut().expect("tasks");
    tasks.swap(0, 1);
    assert!(parse(v).is_err(), "task ids out of order");
    let mut v = good.clone();
    let timers = v["timers"]["map"].as_array_mut().expect("timers");
    let first = timers[0].clone();
    timers.push(first);
    assert!(parse(v).is_err(), "a timer twice");

    // Well-formed, but not this engine's.
    let mut v = good.clone();
    set(&mut v, "/format", Value::from(99));
    assert_eq!(
        restore_json(CONFIG, v).err(),
        Some(SnapshotError::Format {
            found: 99,
            expected: EngineSnapshot::FORMAT
        })
    );
    let mut v = good.clone();
    set(&mut v, "/tasks/0/1/ep", Value::from(40));
    let err = restore_json(CONFIG, v).err().expect("refused");
    let eps = tenant(CONFIG).entry_points.len();
    assert_eq!(
        err.to_string(),
        format!(
            "task 1 in the snapshot refers to entry point 40, and the configuration has only {eps}"
        )
    );
    let mut v = good.clone();
    set(&mut v, "/tasks/0/1/owner", Value::from(3));
    assert!(matches!(
        restore_json(CONFIG, v),
        Err(SnapshotError::OutOfRange { what: "agent", .. })
    ));
    let mut v = good.clone();
    v["agents"].as_array_mut().expect("agents").pop();
    assert!(matches!(
        restore_json(CONFIG, v),
        Err(SnapshotError::Inconsistent { .. })
    ));
    let mut v = good.clone();
    set(&mut v, "/next_task", Value::from(1));
    assert!(matches!(
        restore_json(CONFIG, v),
        Err(SnapshotError::Inconsistent { .. })
    ));
    let mut v = good.clone();
    set(&mut v, "/next_request", Value::from(u64::MAX));
    assert!(matches!(
        restore_json(CONFIG, v),
        Err(SnapshotError::Inconsistent { .. })
    ));
    // In range and counted right, but against the invariants: a queued task taken out.
    let mut v = good.clone();
    let q = tenant(CONFIG).queue_by_name("q").expect("q").ix();
    let waiting = v["queues"][q]["waiting"][0]
        .as_object_mut()
        .expect("voice queue");
    assert!(!waiting.is_empty(), "a call waits");
    waiting.clear();
    let err = restore_json(CONFIG, v).err().expect("refused");
    assert!(matches!(err, SnapshotError::Audit(_)), "{err}");
    assert!(
        err.to_string()
            .starts_with("the restored state breaks an invariant of the engine: invariant"),
        "{err}"
    );
}

#[test]
fn a_snapshot_of_a_fresh_engine_restores() {
    let e = Engine::new(tenant(CONFIG), OPTS);
    let r = restart(&e).expect("restores");
    assert_eq!(r.now(), SimTime::ZERO);
    assert_eq!(r.live_tasks(), 0);
}
