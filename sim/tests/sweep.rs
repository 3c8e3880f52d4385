//! The seed sweep in CI: a fixed range of 2,000 seeds, one random seed
//! (printed, so that a failure can be reproduced with `switchboard sweep
//! --seeds N`), and every seed of the regression list (sweep/regressions.txt),
//! each run with every invariant checked after every step.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use switchboard_sim::sweep;

const FIXED: std::ops::Range<u64> = 0..2000;

fn run_all(seeds: &[u64]) -> Vec<sweep::Outcome> {
    let next = AtomicUsize::new(0);
    let failed = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().min(8));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&seed) = seeds.get(i) else { break };
                    let o = sweep::run_seed(seed);
                    if !o.passed() {
                        failed.lock().unwrap().push(o);
                    }
                }
            });
        }
    });
    let mut f = failed.into_inner().unwrap();
    f.sort_by_key(|o| o.seed);
    f
}

#[test]
fn fixed_random_and_regression_seeds_keep_every_invariant() {
    let mut seeds: Vec<u64> = FIXED.collect();
    let random = sweep::world::fresh_seed(&mut rand::rng());
    println!("random seed: {random} (reproduce: switchboard sweep --seeds {random})");
    seeds.push(random);
    let listed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../sweep/regressions.txt"
    ))
    .expect("sweep/regressions.txt");
    seeds.extend(sweep::parse_regressions(&listed).expect("a valid regression list"));
    let failures = run_all(&seeds);
    let report: Vec<String> = failures
        .iter()
        .map(|o| {
            format!(
                "seed {}: {}\n  reproduce: switchboard sweep --seeds {} --shrink sweep/shrunk",
                o.seed,
                o.failures.first().map_or("", |f| f.as_str()),
                o.seed
            )
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} seeds, {} failures:\n{}",
        seeds.len(),
        failures.len(),
        report.join("\n")
    );
}

/// A failure is shrunk to a scenario that still fails the same way: checked on
/// a world made to fail (its secret is declared where every trace shows it).
#[test]
fn a_failing_world_shrinks_and_still_fails() {
    let seed = 3;
    let mut world = sweep::generate(seed);
    // Declare the caller's own number secret: every created task shows it.
    let from = world.scenario["callers"]
        .as_table()
        .and_then(|c| c.values().next())
        .and_then(|c| c.get("from"))
        .and_then(|v| v.as_str())
        .expect("a caller")
        .to_string();
    world.scenario.insert(
        "secrets".into(),
        toml::Value::Array(vec![toml::Value::String(from)]),
    );
    let failures = sweep::run_text(&sweep::scenario_path(seed), &world.to_toml());
    assert!(!failures.is_empty());
    let first = failures[0].clone();
    assert!(
        first.contains("secure call data never leaves the engine"),
        "{first}"
    );
    let s = sweep::shrink::shrink(seed, &world.scenario, &first, 200);
    assert!(s.after.0 <= s.before.0 && s.after.2 <= s.before.2);
    assert!(s.after.0 <= 1, "one caller is enough: {:?}", s.after);
    let again = sweep::run_text(&sweep::scenario_path(seed), &s.text);
    assert!(
        again
            .iter()
            .any(|f| sweep::invariant_of(f) == sweep::invariant_of(&first)),
        "{again:?}"
    );
}
