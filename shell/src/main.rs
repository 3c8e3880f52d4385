//! The `switchboard` command: replay scenarios, check configurations, plan
//! capacity (and, in later versions, serve production). This file only parses
//! the command line; each command lives in its own module.

mod check;
mod plan;
mod replay;
mod sweep;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Switchboard: a deterministic contact-center engine.
#[derive(Parser)]
#[command(name = "switchboard", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay scenario files or folders (default: scenarios/) and check their expectations.
    Replay {
        /// Scenario files or folders to replay.
        paths: Vec<PathBuf>,
        /// Print each scenario's event trace.
        #[arg(long)]
        trace: bool,
        /// Print each scenario's statistics (per entry point, queue and agent).
        #[arg(long)]
        stats: bool,
    },
    /// Validate a tenant configuration and print every error with its location.
    Check {
        /// The configuration file (TOML).
        config: PathBuf,
        /// Also validate a campaign's contact list: CAMPAIGN=FILE (CSV); repeatable.
        #[arg(long = "contacts", value_name = "CAMPAIGN=FILE")]
        contacts: Vec<String>,
    },
    /// Plan capacity: run the real engine on synthetic traffic, per staffing
    /// level and interval, with confidence intervals and the Erlang reference.
    Plan(Box<plan::PlanArgs>),
    /// Seed sweeps: random worlds run with every invariant checked after every
    /// step; failures print their seed and the command that reproduces them.
    Sweep(sweep::SweepArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Replay {
            paths,
            trace,
            stats,
        } => replay::run(paths, trace, stats),
        Command::Check { config, contacts } => check::run(&config, &contacts),
        Command::Plan(args) => plan::run(*args),
        Command::Sweep(args) => sweep::run(args),
    }
}
