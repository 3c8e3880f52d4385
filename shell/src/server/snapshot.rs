//! Snapshots for fast restarts: every so many log entries, and at a graceful
//! stop, the actor saves the engine's state (core's `EngineSnapshot`, as JSON)
//! with the configuration then in force, the agents' push sequence numbers and
//! the last call number, tagged with the log length it includes. At start,
//! recovery restores the latest snapshot and replays only the entries after it.
//!
//! A snapshot is only an accelerator: the log alone rebuilds the same state. A
//! snapshot that does not load (damaged, or from another build) is reported and
//! ignored: recovery falls back to the whole log.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use switchboard_core::engine::EngineSnapshot;
use switchboard_core::{Engine, EngineOptions, Tenant};

use super::actor::Actor;
use super::store::{SavedSnapshot, Store};

#[derive(Serialize, Deserialize)]
struct Pushes {
    pushes: BTreeMap<String, u64>,
    next_call: u64,
}

/// A snapshot restored.
pub struct Loaded {
    pub engine: Engine,
    pub config: String,
    pub pushes: BTreeMap<String, u64>,
    /// The log entries it includes.
    pub seq: u64,
    pub next_call: u64,
}

/// Saves the actor's engine state, tagged with the log length.
pub fn save(actor: &mut Actor) -> Result<(), String> {
    if actor.store.is_empty() || actor.store.len() == actor.snapshot_at {
        return Ok(());
    }
    let state = serde_json::to_string(&actor.engine.snapshot()).map_err(|e| e.to_string())?;
    let pushes = serde_json::to_string(&Pushes {
        pushes: actor
            .outboxes
            .iter()
            .map(|(id, o)| (id.clone(), o.last))
            .collect(),
        next_call: actor.next_call(),
    })
    .map_err(|e| e.to_string())?;
    actor
        .store
        .save_snapshot(&SavedSnapshot {
            seq: actor.store.len(),
            config: actor.config.clone(),
            state,
            pushes,
        })
        .map_err(|e| e.0)
}

/// The latest snapshot, restored; `None` if there is none or it does not load
/// (reported on stderr: the whole log is replayed instead).
pub fn load(store: &Store, opts: EngineOptions) -> Result<Option<Loaded>, String> {
    let Some(s) = store.latest_snapshot().map_err(|e| e.0)? else {
        return Ok(None);
    };
    match restore(&s, opts) {
        Ok(l) => Ok(Some(l)),
        Err(e) => {
            eprintln!(
                "warning: the snapshot at log entry {} does not load ({e}); replaying the whole log",
                s.seq
            );
            Ok(None)
        }
    }
}

fn restore(s: &SavedSnapshot, opts: EngineOptions) -> Result<Loaded, String> {
    let tenant = Tenant::from_toml(&s.config)
        .map(Arc::new)
        .map_err(|_| "its configuration is not valid".to_string())?;
    let state: EngineSnapshot = serde_json::from_str(&s.state).map_err(|e| e.to_string())?;
    let engine = Engine::restore(tenant, opts, state).map_err(|e| e.to_string())?;
    let p: Pushes = serde_json::from_str(&s.pushes).map_err(|e| e.to_string())?;
    Ok(Loaded {
        engine,
        config: s.config.clone(),
        pushes: p.pushes,
        seq: s.seq,
        next_call: p.next_call,
    })
}
