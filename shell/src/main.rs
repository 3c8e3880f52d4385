//! The `switchboard` command: replay scenarios, check configurations, plan
//! capacity, sweep seeds and serve production. This file only parses
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
        /// Replay a production database's input log instead (the flight
        /// recorder) and print the trace the server produced.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["paths", "stats", "trace"])]
        from_db: Option<PathBuf>,
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
    /// Run the production server: the agent and admin API over HTTP and
    /// WebSocket, every input committed to the SQLite input log first.
    Serve(ServeArgs),
}

/// `switchboard serve` options.
#[derive(clap::Args)]
struct ServeArgs {
    /// The tenant configuration (TOML). On a new database it is the starting
    /// configuration; on an existing one, if it differs from the configuration
    /// in force, it is applied as a reconfiguration (or the start fails).
    #[arg(long)]
    config: PathBuf,
    /// The SQLite database: input log, snapshots, tokens. Created on first start.
    #[arg(long, default_value = "switchboard.db")]
    db: PathBuf,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
    /// Let virtual parties stand in for telephony, email and SMS: phones ring,
    /// dialled numbers answer, prompts finish, messages are delivered; virtual
    /// callers come through POST /api/admin/calls.
    #[arg(long)]
    virtual_phones: bool,
    /// Append the event trace (one line per output) to this file.
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// Save a snapshot of the engine every this many log entries.
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    snapshot_every: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Replay {
            from_db: Some(db), ..
        } => replay::run_from_db(&db),
        Command::Replay {
            paths,
            trace,
            stats,
            from_db: None,
        } => replay::run(paths, trace, stats),
        Command::Check { config, contacts } => check::run(&config, &contacts),
        Command::Plan(args) => plan::run(*args),
        Command::Sweep(args) => sweep::run(args),
        Command::Serve(a) => switchboard::server::run(switchboard::server::ServeOptions {
            config: a.config,
            db: a.db,
            listen: a.listen,
            virtual_phones: a.virtual_phones,
            trace: a.trace,
            snapshot_every: a.snapshot_every.max(1),
        }),
    }
}
