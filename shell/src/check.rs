//! `switchboard check CONFIG [--contacts CAMPAIGN=FILE ...]`: validates a whole
//! tenant configuration (CHN-08) and prints every error with its file, line and
//! column; with `--contacts`, also validates campaign contact lists (CMP-01),
//! printing every rejected row with its line.

use std::path::Path;
use std::process::ExitCode;

use switchboard_core::Tenant;
use switchboard_core::campaign::contacts::parse_contacts;

pub fn run(path: &Path, contacts: &[String]) -> ExitCode {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    };
    let tenant = match Tenant::from_toml(&text) {
        Ok(t) => {
            println!(
                "{}: ok: tenant \"{}\" with {} agents, {} teams, {} queues, {} entry points, {} flows, {} campaigns",
                path.display(),
                t.name,
                t.agents.len(),
                t.teams.len(),
                t.queues.len(),
                t.entry_points.len(),
                t.flows.len(),
                t.campaigns.len()
            );
            t
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
            return ExitCode::FAILURE;
        }
    };
    let mut ok = true;
    for arg in contacts {
        ok &= check_contacts(&tenant, arg);
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Validates one `CAMPAIGN=FILE` list; whether it is clean.
fn check_contacts(tenant: &Tenant, arg: &str) -> bool {
    let Some((name, file)) = arg.split_once('=') else {
        eprintln!(
            "error: --contacts {arg}: write it as CAMPAIGN=FILE, such as renewals=lists/renewals.csv"
        );
        return false;
    };
    let Some(campaign) = tenant.campaign_by_name(name) else {
        eprintln!("error: --contacts {arg}: the configuration has no campaign \"{name}\"");
        return false;
    };
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {file}: {e}");
            return false;
        }
    };
    let (list, rejected) = match parse_contacts(&text) {
        Ok(r) => r,
        Err(message) => {
            eprintln!("{file}: the contact list cannot be used: {message}");
            return false;
        }
    };
    let mut ok = true;
    for shown in &tenant.campaigns[campaign.ix()].show {
        if !list.columns.iter().any(|c| c.eq_ignore_ascii_case(shown)) {
            eprintln!(
                "{file}: campaign \"{name}\" shows column \"{shown}\", which the list does not have"
            );
            ok = false;
        }
    }
    for r in &rejected {
        eprintln!("{file}:{}: {}", r.line, r.message);
    }
    let line = format!(
        "{file}: {} contact(s) kept, {} row(s) rejected for campaign \"{name}\"",
        list.contacts.len(),
        rejected.len()
    );
    if ok && rejected.is_empty() {
        println!("{line}");
        true
    } else {
        eprintln!("{line}");
        false
    }
}
