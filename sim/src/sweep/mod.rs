//! Seed sweeps (deterministic simulation testing, in the manner of
//! FoundationDB's simulator and TigerBeetle's VOPR): each seed makes a random
//! world ([`world`]), the scenario runner plays it with every invariant checked
//! after every engine step (the engine's audit, the trace's own invariants,
//! secure call data never in an output, liveness at the end), and a failing
//! seed is shrunk ([`shrink`]) to a small scenario that still fails, ready to
//! be added under scenarios/ as a regression.

pub mod shrink;
pub mod world;

use std::path::{Path, PathBuf};

use crate::runner;
use crate::scenario::Scenario;

pub use world::{World, generate};

/// What one seed gave.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub seed: u64,
    /// The failures, one sentence each (the first is the one reported).
    pub failures: Vec<String>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// The broken invariant's name (or the failure's first words), which a
    /// shrunk scenario must still break.
    pub fn invariant(&self) -> Option<String> {
        self.failures.first().map(|f| invariant_of(f))
    }
}

/// The invariant a failure sentence names.
pub fn invariant_of(failure: &str) -> String {
    if let Some(i) = failure.find("invariant \"") {
        let rest = &failure[i + 11..];
        if let Some(j) = rest.find('"') {
            return rest[..j].to_string();
        }
    }
    if failure.starts_with("liveness") {
        return "liveness".into();
    }
    failure.chars().take(60).collect()
}

/// The name a seed's scenario goes by.
pub fn scenario_path(seed: u64) -> PathBuf {
    PathBuf::from(format!("sweep/seed-{seed}.toml"))
}

/// Runs a scenario text as the file `path`: its failures.
pub fn run_text(path: &Path, text: &str) -> Vec<String> {
    let scenario = match Scenario::from_text(path, text) {
        Ok(s) => s,
        Err(e) => return vec![format!("the generated scenario did not load: {e}")],
    };
    // A panic is a failure of its seed like any other, not the end of the sweep.
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runner::replay(&scenario)));
    match run {
        Ok(Ok(r)) => r.failures,
        Ok(Err(e)) => vec![format!("the generated scenario did not load: {e}")],
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".into());
            vec![format!(
                "invariant \"the engine never panics\" broken: {message}"
            )]
        }
    }
}

/// Runs one seed.
pub fn run_seed(seed: u64) -> Outcome {
    let world = generate(seed);
    Outcome {
        seed,
        failures: run_text(&scenario_path(seed), &world.to_toml()),
    }
}

/// Parses a seed range "A..B" (B excluded) or a single seed "A".
pub fn parse_seeds(text: &str) -> Result<std::ops::Range<u64>, String> {
    let bad = || format!("--seeds \"{text}\": give a range such as 0..2000, or one seed");
    match text.split_once("..") {
        Some((a, b)) => {
            let a: u64 = a.trim().parse().map_err(|_| bad())?;
            let b: u64 = b.trim().parse().map_err(|_| bad())?;
            if b <= a {
                return Err(format!(
                    "--seeds \"{text}\": the range is empty (its end must be above its start)"
                ));
            }
            Ok(a..b)
        }
        None => {
            let a: u64 = text.trim().parse().map_err(|_| bad())?;
            Ok(a..a.saturating_add(1))
        }
    }
}

/// Reads a regression list: one seed per line; `#` starts a comment.
pub fn parse_regressions(text: &str) -> Result<Vec<u64>, String> {
    let mut seeds = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        seeds.push(
            line.parse()
                .map_err(|_| format!("line {}: \"{line}\" is not a seed", n + 1))?,
        );
    }
    Ok(seeds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_and_ranges() {
        assert_eq!(parse_seeds("0..10"), Ok(0..10));
        assert_eq!(parse_seeds("7"), Ok(7..8));
        assert!(parse_seeds("10..3").is_err());
        assert!(parse_seeds("a..b").is_err());
        assert_eq!(parse_regressions("# x\n12\n\n 5 # why\n"), Ok(vec![12, 5]));
        assert!(parse_regressions("x").unwrap_err().starts_with("line 1"));
    }

    #[test]
    fn invariant_names() {
        assert_eq!(
            invariant_of("invariant \"no task lost\" broken: T1"),
            "no task lost"
        );
        assert_eq!(invariant_of("liveness broken: 1 task(s)"), "liveness");
    }

    #[test]
    fn worlds_are_deterministic_and_load() {
        for seed in 0..50 {
            let a = generate(seed).to_toml();
            assert_eq!(a, generate(seed).to_toml(), "seed {seed}");
            Scenario::from_text(&scenario_path(seed), &a)
                .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{a}"));
        }
    }
}
