//! `switchboard check CONFIG`: validates a whole tenant configuration (CHN-08)
//! and prints every error with its file, line and column.

use std::path::Path;
use std::process::ExitCode;

use switchboard_core::Tenant;

pub fn run(path: &Path) -> ExitCode {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    };
    match Tenant::from_toml(&text) {
        Ok(t) => {
            println!(
                "{}: ok: tenant \"{}\" with {} agents, {} teams, {} queues, {} entry points, {} flows",
                path.display(),
                t.name,
                t.agents.len(),
                t.teams.len(),
                t.queues.len(),
                t.entry_points.len(),
                t.flows.len()
            );
            ExitCode::SUCCESS
        }
        Err(errors) => {
            for e in &errors.0 {
                eprintln!("{}:{e}", path.display());
            }
            eprintln!(
                "{}: {} error(s); nothing of this configuration was applied",
                path.display(),
                errors.0.len()
            );
            ExitCode::FAILURE
        }
    }
}
