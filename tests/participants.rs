//! The participants' table has one source, [`switchboard_core::matrix`]: the
//! documentation holds it as generated (docs/participants.md), and the
//! scenarios under scenarios/matrix/ try every cell of it against the engine.

use std::collections::BTreeSet;

use switchboard_core::matrix::{self, CallState, Control, Participant};
use switchboard_tests::root;

const BEGIN: &str = "<!-- generated from core/src/matrix.rs: begin -->";
const END: &str = "<!-- generated from core/src/matrix.rs: end -->";

#[test]
fn the_documentation_holds_the_table_of_the_code() {
    let doc =
        std::fs::read_to_string(root().join("docs/participants.md")).expect("docs/participants.md");
    let (start, end) = (
        doc.find(BEGIN).expect("begin marker"),
        doc.find(END).expect("end marker"),
    );
    let held = doc[start + BEGIN.len()..end].trim();
    let generated = matrix::markdown();
    if held != generated.trim() {
        let path = std::env::temp_dir().join("participants.generated.md");
        let _ = std::fs::write(&path, &generated);
        panic!(
            "docs/participants.md differs from matrix::markdown(); the generated table is in {} (paste it between the markers)",
            path.display()
        );
    }
}

/// The scenario action for an agent's control.
fn action(c: Control) -> &'static str {
    match c {
        Control::HangUp => "hang_up",
        Control::Hold => "hold",
        Control::Resume => "resume",
        Control::End => "end",
        Control::Consult => "consult",
        Control::EndConsult => "end_consult",
        Control::HoldConsulted => "hold_consulted",
        Control::ResumeConsulted => "resume_consulted",
        Control::Transfer => "transfer",
        Control::BlindTransfer => "transfer",
        Control::Conference => "conference",
        Control::Exit => "exit",
        Control::PauseRecording => "pause_recording",
        Control::ResumeRecording => "resume_recording",
        Control::EditVariables => "save",
        Control::WrapUp => "wrap_up",
    }
}

#[test]
fn the_matrix_scenarios_try_every_cell() {
    let mut missing = Vec::new();
    for state in CallState::ALL {
        let name = switchboard_sim::expect::call_state_name(state);
        let path = root().join(format!("scenarios/matrix/{name}.toml"));
        let file: switchboard_sim::scenario::ScenarioFile = toml::from_str(
            &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // (agent or "customer", action, refused code or "" when done, with a target?)
        let tried: BTreeSet<(String, String, String, bool)> = file
            .steps
            .iter()
            .map(|s| {
                let who = s.agent.clone().unwrap_or_else(|| "customer".into());
                (
                    who,
                    s.action.clone(),
                    s.refused.clone().unwrap_or_default(),
                    s.to_agent.is_some(),
                )
            })
            .collect();
        for who in Participant::ALL {
            let agent = match who {
                Participant::Customer => "customer",
                Participant::Agent1 => "a1",
                Participant::Agent2 => "a3",
            };
            if who == Participant::Agent2 && !state.has_consult() && state != CallState::Conference
            {
                continue; // there is no agent 2
            }
            let controls: &[Control] = if who == Participant::Customer {
                &[Control::HangUp]
            } else {
                &Control::AGENT
            };
            for &c in controls {
                let code = matrix::rule(state, who, c)
                    .err()
                    .map(|r| r.code().to_string())
                    .unwrap_or_default();
                let with_target = c == Control::BlindTransfer || c == Control::Consult;
                let cell = (
                    agent.to_string(),
                    action(c).to_string(),
                    code.clone(),
                    with_target,
                );
                if !tried.contains(&cell) {
                    missing.push(format!(
                        "{name}: {} {} ({})",
                        who.label(),
                        c.label(),
                        if code.is_empty() { "done" } else { &code }
                    ));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "cells of the participants' table no scenario tries:\n{}",
        missing.join("\n")
    );
}
