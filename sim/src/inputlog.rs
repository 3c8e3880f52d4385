//! The input log of a run: every call a driver made to the engine, in order,
//! so that the run can be replayed without its driver, its virtual parties or
//! its random draws.
//!
//! The engine is sans-IO and deterministic: all it knows of the world is what
//! enters through [`Engine::handle`] (an [`Input`] at a time) and
//! [`Engine::handle_timeout`] (a time). An [`InputLog`] holds exactly those
//! calls, one [`Entry`] each; [`replay_log`] feeds them, in the same order and
//! at the same times, to a fresh engine built from the same tenant and
//! [`EngineOptions`], and collects every output. Replay equivalence is the
//! property that this gives the outputs of the original run, so that the
//! rendered trace is byte-identical (see `sim/tests/replay_equivalence.rs`).
//!
//! A [`Driver`](crate::driver::Driver) records its calls when asked
//! ([`Driver::record_inputs`](crate::driver::Driver::record_inputs) right after
//! it is made; [`Driver::take_input_log`](crate::driver::Driver::take_input_log)
//! at the end). Only calls the driver makes are recorded: a caller who feeds
//! `driver.engine` directly, or an engine fed before it was handed to the
//! driver, makes a log that is not the engine's whole history.
//!
//! ## Format
//!
//! JSON Lines: one entry per line, in order, each an object tagged by `entry`:
//!
//! ```text
//! {"entry":"input","at":2000000,"input":{"input":"customer_hung_up","call":3}}
//! {"entry":"timeout","at":2500000}
//! ```
//!
//! `at` is the virtual time in microseconds; `input` is the [`Input`] as the
//! core serializes it (so a production input log of the same shape replays
//! here too). Blank lines are ignored.
//!
//! ## Output times
//!
//! [`replay_log`] pairs each output with the time of the entry whose call
//! produced it: the `now` a driver renders an effect at, provided the driver
//! drains the engine after each call before its clock moves on (as
//! [`Driver::run`](crate::driver::Driver::run) does; inputs fed before the run
//! starts must be drained by hand, as with any driver). After an
//! [`Input::Reconfigure`] the tenant in force changes: render with
//! [`replay_log_with`], which shows the engine to its callback.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use switchboard_core::{Engine, EngineOptions, Input, Output, SimTime, Tenant};

/// One call made to the engine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "entry", rename_all = "snake_case")]
pub enum Entry {
    /// `engine.handle(at, input)`.
    Input { at: SimTime, input: Input },
    /// `engine.handle_timeout(at)`.
    Timeout { at: SimTime },
}

impl Entry {
    /// The time the call was made at.
    pub fn at(&self) -> SimTime {
        match self {
            Entry::Input { at, .. } | Entry::Timeout { at } => *at,
        }
    }
}

/// The calls made to an engine, in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InputLog {
    entries: Vec<Entry>,
}

impl InputLog {
    /// An empty log.
    pub fn new() -> InputLog {
        InputLog::default()
    }

    /// Appends `engine.handle(at, input)`.
    pub fn push_input(&mut self, at: SimTime, input: Input) {
        self.entries.push(Entry::Input { at, input });
    }

    /// Appends `engine.handle_timeout(at)`.
    pub fn push_timeout(&mut self, at: SimTime) {
        self.entries.push(Entry::Timeout { at });
    }

    /// The entries, in order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// How many calls the log holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the log holds no call.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The log as JSON Lines: one entry per line, each line ended by `\n`.
    pub fn to_jsonl(&self) -> String {
        let mut text = String::with_capacity(self.entries.len() * 80);
        for e in &self.entries {
            // An entry is plain data (no maps with non-string keys, no
            // fallible `Serialize`): writing it into a string cannot fail.
            let line = serde_json::to_string(e).expect("an input log entry serializes to JSON");
            text.push_str(&line);
            text.push('\n');
        }
        text
    }

    /// Reads a log written by [`InputLog::to_jsonl`] (or by hand, in the same
    /// shape). Blank lines are skipped; on the first line that is not an entry,
    /// a one-sentence error naming that line (counted from 1).
    pub fn from_jsonl(text: &str) -> Result<InputLog, String> {
        let mut entries = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let entry = serde_json::from_str::<Entry>(line).map_err(|e| {
                // serde_json ends its message with its own position ("at line 1
                // column 7"): the line is ours, only the column is worth keeping.
                let message = e.to_string();
                let suffix = format!(" at line {} column {}", e.line(), e.column());
                match message.strip_suffix(&suffix) {
                    Some(m) if e.column() > 0 => format!(
                        "input log line {} is not a valid entry: {m} (at column {})",
                        i + 1,
                        e.column()
                    ),
                    _ => format!("input log line {} is not a valid entry: {message}", i + 1),
                }
            })?;
            entries.push(entry);
        }
        Ok(InputLog { entries })
    }
}

/// Replays `log` into a fresh engine of `tenant` and `opts`: every entry's call
/// in order, each followed by draining the engine's outputs, which are handed
/// to `output` with the entry's time and the engine (whose tenant is the one in
/// force, should the log reconfigure it). Refusals are not returned (they show
/// in the outputs, as in the original run). Returns the engine as the log left it.
pub fn replay_log_with(
    tenant: Arc<Tenant>,
    opts: EngineOptions,
    log: &InputLog,
    mut output: impl FnMut(SimTime, Output, &Engine),
) -> Engine {
    let mut engine = Engine::new(tenant, opts);
    for entry in &log.entries {
        let at = entry.at();
        match entry {
            Entry::Input { input, .. } => {
                let _ = engine.handle(at, input.clone());
            }
            Entry::Timeout { .. } => engine.handle_timeout(at),
        }
        while let Some(out) = engine.poll_output() {
            output(at, out, &engine);
        }
    }
    engine
}

/// Replays `log` into a fresh engine of `tenant` and `opts` (see
/// [`replay_log_with`]): every output, in order, with the time of the entry
/// that produced it.
pub fn replay_log(
    tenant: Arc<Tenant>,
    opts: EngineOptions,
    log: &InputLog,
) -> Vec<(SimTime, Output)> {
    let mut outputs = Vec::new();
    replay_log_with(tenant, opts, log, |at, out, _| outputs.push((at, out)));
    outputs
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_core::AgentAction;
    use switchboard_core::ids::{AgentIdx, CallId};

    #[test]
    fn round_trips_through_jsonl() {
        let mut log = InputLog::new();
        log.push_input(
            SimTime(1),
            Input::CallArrived {
                call: CallId(7),
                from: "+48 \"601\"\n".into(),
                to: "+18005550100".into(),
            },
        );
        log.push_timeout(SimTime(2_000_000));
        log.push_input(
            SimTime(u64::MAX),
            Input::Agent {
                agent: AgentIdx(1),
                action: AgentAction::Login,
            },
        );
        let text = log.to_jsonl();
        assert_eq!(text.lines().count(), 3);
        assert_eq!(InputLog::from_jsonl(&text), Ok(log));
    }

    #[test]
    fn names_the_bad_line() {
        let text = "{\"entry\":\"timeout\",\"at\":1}\n\n{\"entry\":\"timeout\"}\n";
        let e = InputLog::from_jsonl(text).unwrap_err();
        assert!(
            e.starts_with("input log line 3 is not a valid entry: "),
            "{e}"
        );
        assert!(e.contains("`at`"), "{e}");
    }
}
