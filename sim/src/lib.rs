//! # switchboard-sim
//!
//! Drives the engine of `switchboard-core` in virtual time. [`driver`] is the
//! loop with its virtual parties; [`scenario`] reads scenario files; [`runner`]
//! replays one scenario with its invariants and expectations ([`expect`]) and
//! the engine's counters checked against a [`recount`] of its event log;
//! [`audio`] runs the core's media plane with the parties' sound and recordings.

pub mod audio;
pub mod driver;
pub mod expect;
pub mod inputlog;
pub mod plan;
pub mod recount;
pub mod runner;
pub mod scenario;
pub mod steps;
pub mod sweep;

pub use runner::{ScenarioResult, replay, replay_file};
pub use scenario::{LoadError, Scenario, discover};
