//! Rebuilding the engine at start: from the latest snapshot if there is one
//! (else from the starting configuration), then every log entry after it, fed
//! exactly as the actor fed them. What the replayed outputs would have pushed
//! to desktops is counted, so that push sequence numbers carry on where they
//! were.

use std::collections::BTreeMap;
use std::sync::Arc;

use switchboard_core::{Engine, EngineOptions, Input, SimTime, Tenant};
use switchboard_sim::inputlog::Entry;

use super::actor::desktop_of;
use super::store::{Meta, Store};

/// The engine as the log left it.
pub struct Recovered {
    pub engine: Engine,
    /// The configuration text in force.
    pub config: String,
    /// Pushes made so far, per agent id.
    pub pushes: BTreeMap<String, u64>,
    /// The time of the last entry.
    pub last_at: SimTime,
    /// The highest contact id used (a call's, a web callback's, a conversation's).
    pub next_call: u64,
    /// Entries replayed (after the snapshot).
    pub replayed: u64,
}

/// The engine's options for a database.
pub fn options(meta: &Meta) -> EngineOptions {
    EngineOptions {
        epoch_unix_micros: meta.epoch_unix_micros,
        ..EngineOptions::default()
    }
}

fn compile(text: &str, what: &str) -> Result<Arc<Tenant>, String> {
    Tenant::from_toml(text).map(Arc::new).map_err(|e| {
        format!(
            "the {what} stored in the database is not valid: {}",
            e.0.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        )
    })
}

/// Rebuilds the engine from the store.
pub fn recover(store: &Store, meta: &Meta) -> Result<Recovered, String> {
    let opts = options(meta);
    let (mut engine, mut config, mut pushes, after, mut next_call) =
        match super::snapshot::load(store, opts)? {
            Some(s) => (s.engine, s.config, s.pushes, s.seq, s.next_call),
            None => (
                Engine::new(compile(&meta.config, "starting configuration")?, opts),
                meta.config.clone(),
                BTreeMap::new(),
                0,
                0,
            ),
        };
    let log = store.read_log(after).map_err(|e| e.0)?;
    let mut last_at = engine.now();
    for entry in log.entries() {
        let at = entry.at();
        last_at = last_at.max(at);
        match entry {
            Entry::Input { input, .. } => {
                if let Some(c) = super::store::contact_of(input) {
                    next_call = next_call.max(c);
                }
                let reconfig = match input {
                    Input::Reconfigure { config } => Some(config.clone()),
                    _ => None,
                };
                if engine.handle(at, input.clone()).is_ok()
                    && let Some(text) = reconfig
                {
                    config = text;
                }
            }
            Entry::Timeout { .. } => engine.handle_timeout(at),
        }
        while let Some(out) = engine.poll_output() {
            if let Some(a) = desktop_of(&out)
                && let Some(agent) = engine.tenant().agents.get(a.ix())
            {
                *pushes.entry(agent.id.clone()).or_default() += 1;
            }
        }
    }
    Ok(Recovered {
        engine,
        config,
        pushes,
        last_at,
        next_call,
        replayed: log.len() as u64,
    })
}

/// Replays a database's whole log from its starting configuration (never from
/// a snapshot) and writes the trace, one line per output, as the server's
/// `--trace` file has it. Returns the number of entries replayed.
pub fn trace_of_db(db: &std::path::Path, out: &mut impl std::io::Write) -> Result<u64, String> {
    if !db.is_file() {
        return Err(format!("database {} does not exist", db.display()));
    }
    let (store, meta, _) = Store::open(db, || unreachable!("the file exists")).map_err(|e| e.0)?;
    let tenant = compile(&meta.config, "starting configuration")?;
    let log = store.read_log(0).map_err(|e| e.0)?;
    let mut failed = None;
    switchboard_sim::inputlog::replay_log_with(tenant, options(&meta), &log, |at, o, engine| {
        let line = switchboard_core::render::render(
            at,
            &o,
            engine.tenant(),
            &switchboard_core::render::NumberedCalls,
        );
        if failed.is_none()
            && let Err(e) = writeln!(out, "{line}")
        {
            failed = Some(e.to_string());
        }
    });
    match failed {
        Some(e) => Err(format!("cannot write the trace: {e}")),
        None => Ok(log.len() as u64),
    }
}
