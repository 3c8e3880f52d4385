//! Arbitrary bytes into the tenant configuration parser and compiler
//! (`Tenant::from_toml`). Whatever the text, the parser must not panic; a
//! rejection must name at least one error, each placed inside the text; and a
//! configuration it accepts must give an engine that keeps its invariants when
//! its agents log in and a call reaches its first support number.

#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use switchboard_core::ids::{AgentIdx, CallId};
use switchboard_core::{AgentAction, Engine, EngineOptions, Input, SimTime, Tenant};

fuzz_target!(|data: &[u8]| {
    // Configuration files are UTF-8 text: other bytes never reach the parser.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Tenant::from_toml(text) {
        Err(errors) => {
            assert!(
                !errors.0.is_empty(),
                "a rejected configuration names no error"
            );
            let lines = text.matches('\n').count() + 1;
            for e in &errors.0 {
                assert!(
                    e.line <= lines,
                    "error placed on line {} of a {lines}-line text: {e}",
                    e.line
                );
            }
            // Rendering the errors (paths, messages) must not panic either.
            let _ = errors.to_string();
        }
        Ok(tenant) => exercise(tenant),
    }
});

/// A few inputs into an engine for an accepted configuration.
fn exercise(tenant: Tenant) {
    let to = tenant
        .entry_points
        .iter()
        .flat_map(|ep| ep.support_numbers.first())
        .next()
        .map(|n| n.as_str().to_string());
    let agents = tenant.agents.len().min(8) as u32;
    let mut engine = Engine::new(
        Arc::new(tenant),
        EngineOptions {
            // Monday 2026-01-05 10:00 UTC.
            epoch_unix_micros: 1_767_607_200_000_000,
            ..Default::default()
        },
    );
    let mut now = 0u64;
    let mut step = |engine: &mut Engine, input: Input| {
        now += 1_000_000;
        let _ = engine.handle(SimTime(now), input);
        while engine.poll_output().is_some() {}
        if let Err(v) = engine.audit() {
            panic!("invariant violated: {v}");
        }
    };
    for a in 0..agents {
        step(
            &mut engine,
            Input::Agent {
                agent: AgentIdx(a),
                action: AgentAction::Login,
            },
        );
    }
    if let Some(to) = to {
        step(
            &mut engine,
            Input::CallArrived {
                call: CallId(1),
                from: "+48601000000".into(),
                to: to.into(),
            },
        );
    }
    // Let up to a few timers fire.
    for _ in 0..4 {
        let Some(t) = engine.poll_timeout() else {
            break;
        };
        engine.handle_timeout(t);
        while engine.poll_output().is_some() {}
        if let Err(v) = engine.audit() {
            panic!("invariant violated after the timer at {t:?}: {v}");
        }
    }
}
