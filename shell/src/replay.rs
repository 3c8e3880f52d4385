//! `switchboard replay [PATH...]`: replays scenario files in virtual time,
//! prints one line per scenario and `N passed, M failed`; exits 1 on any failure.

use std::path::PathBuf;
use std::process::ExitCode;

use switchboard_sim::{discover, replay_file};

pub fn run(paths: Vec<PathBuf>, trace: bool, stats: bool) -> ExitCode {
    let paths = if paths.is_empty() {
        vec![PathBuf::from("scenarios")]
    } else {
        paths
    };
    let files = match discover(&paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if files.is_empty() {
        eprintln!("error: no scenario files (*.toml) under {}", show(&paths));
        return ExitCode::FAILURE;
    }
    let (mut passed, mut failed) = (0usize, 0usize);
    for file in &files {
        match replay_file(file) {
            Ok(result) => {
                if result.passed() {
                    passed += 1;
                    println!("PASS  {}  {}", file.display(), result.title);
                } else {
                    failed += 1;
                    println!("FAIL  {}  {}", file.display(), result.title);
                    for f in &result.failures {
                        println!("      {f}");
                    }
                }
                if trace {
                    for line in &result.trace {
                        println!("      {line}");
                    }
                }
                if stats {
                    println!("      statistics at {}:", result.end);
                    for line in result.report.to_string().lines() {
                        println!("      {line}");
                    }
                }
            }
            Err(e) => {
                failed += 1;
                println!("FAIL  {}", file.display());
                for line in e.to_string().lines() {
                    println!("      {line}");
                }
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn show(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `switchboard replay --from-db FILE`: the flight recorder. Replays a
/// production input log in the simulator's engine and prints the trace the
/// server produced (the same lines its `--trace` file holds).
pub fn run_from_db(db: &std::path::Path) -> ExitCode {
    match switchboard::server::recover::trace_of_db(db, &mut std::io::stdout().lock()) {
        Ok(n) => {
            eprintln!("{n} log entries replayed from {}", db.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
