//! `switchboard sweep`: seed sweeps. Each seed generates a random world (see
//! `switchboard_sim::sweep`), runs it with every invariant checked after every
//! step, and reports failures with the command that reproduces each; with
//! `--shrink DIR`, each failing seed is reduced to a small scenario file there.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::Args;
use switchboard_sim::sweep::{self, Outcome, shrink};

#[derive(Args)]
pub struct SweepArgs {
    /// The seeds to run: a range A..B (B excluded) or one seed.
    #[arg(long, default_value = "0..1000")]
    seeds: String,
    /// Also run this many seeds drawn at random (each printed, to be reproduced).
    #[arg(long, default_value_t = 0)]
    random: u32,
    /// Also run the seeds listed in this file (one per line, # comments): the
    /// regressions found by earlier sweeps.
    #[arg(long, value_name = "FILE")]
    regressions: Option<PathBuf>,
    /// Shrink each failing seed to a minimal scenario file written in this folder.
    #[arg(long, value_name = "DIR")]
    shrink: Option<PathBuf>,
    /// At most this many runs per shrink.
    #[arg(long, default_value_t = 400)]
    shrink_budget: usize,
    /// Print the generated scenario of each seed run (for one seed, to read it).
    #[arg(long)]
    print: bool,
    /// Threads (default: the machine's cores).
    #[arg(long)]
    threads: Option<usize>,
}

pub fn run(a: SweepArgs) -> ExitCode {
    let mut seeds: Vec<u64> = match sweep::parse_seeds(&a.seeds) {
        Ok(r) => r.collect(),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(file) = &a.regressions {
        let listed = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))
            .and_then(|t| {
                sweep::parse_regressions(&t).map_err(|e| format!("{}: {e}", file.display()))
            });
        match listed {
            Ok(l) => seeds.extend(l),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if a.random > 0 {
        // The only place the sweep reads entropy: the seeds it draws are
        // printed, and each run is then as deterministic as any other.
        let mut rng = rand::rng();
        for _ in 0..a.random {
            let s = sweep::world::fresh_seed(&mut rng);
            let comment = if a.print { "# " } else { "" };
            println!("{comment}random seed: {s}");
            seeds.push(s);
        }
    }
    if a.print {
        for &s in &seeds {
            println!("# seed {s}\n{}", sweep::generate(s).to_toml());
        }
    }
    let threads = a
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 64);
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new(seeds.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} seeds ({per_sec}, {eta} left)",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let started = std::time::Instant::now();
    let next = AtomicUsize::new(0);
    let outcomes: Mutex<Vec<Outcome>> = Mutex::new(Vec::new());
    std::thread::scope(|sc| {
        for _ in 0..threads.min(seeds.len().max(1)) {
            sc.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&seed) = seeds.get(i) else { break };
                    let o = sweep::run_seed(seed);
                    if !o.passed()
                        && let Ok(mut v) = outcomes.lock()
                    {
                        v.push(o);
                    }
                    if let Some(b) = &bar {
                        b.inc(1);
                    }
                }
            });
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut failures = outcomes.into_inner().unwrap_or_default();
    failures.sort_by_key(|o| o.seed);
    // With --print the report follows the scenarios as TOML comments, so that
    // the output of one seed replays as it is.
    let say = |line: String| {
        if a.print {
            println!("# {}", line.replace('\n', "\n# "));
        } else {
            println!("{line}");
        }
    };
    for o in &failures {
        say(format!(
            "seed {}: invariant \"{}\": {}",
            o.seed,
            o.invariant().unwrap_or_default(),
            o.failures.first().map_or("", |f| f.as_str())
        ));
        say(format!(
            "  reproduce: switchboard sweep --seeds {} --threads 1 --print",
            o.seed
        ));
        if let Some(dir) = &a.shrink {
            let world = sweep::generate(o.seed);
            let first = o.failures.first().cloned().unwrap_or_default();
            let s = shrink::shrink(o.seed, &world.scenario, &first, a.shrink_budget);
            match shrink::write(dir, o.seed, &s) {
                Ok(p) => say(format!(
                    "  shrunk in {} runs from {} callers, {} agents, {} steps to {}, {}, {}: {}",
                    s.runs,
                    s.before.0,
                    s.before.1,
                    s.before.2,
                    s.after.0,
                    s.after.1,
                    s.after.2,
                    p.display()
                )),
                Err(e) => say(format!("  could not write the shrunk scenario: {e}")),
            }
        }
    }
    say(format!(
        "{} seeds, {} failures ({:.1} s, {:.0} seeds/s on {threads} thread(s))",
        seeds.len(),
        failures.len(),
        elapsed,
        seeds.len() as f64 / elapsed.max(1e-9)
    ));
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
