//! # switchboard-core
//!
//! The deterministic, sans-IO contact-center engine. Everything a contact
//! center decides (who gets which call, when an offer times out, what an agent
//! may do now) is decided here, from inputs and virtual time alone: no I/O, no
//! clock, no threads, no ambient randomness. Drivers (the simulator in
//! `switchboard-sim`, the production shell) feed [`Engine::handle`] and execute
//! what [`Engine::poll_output`] asks for.

pub mod address;
pub mod audio;
pub mod campaign;
pub mod config;
pub mod dialnum;
pub mod dtmf;
pub mod engine;
pub mod event;
pub mod filter;
pub mod ids;
pub mod input;
pub mod intervals;
pub mod legs;
pub mod matrix;
pub mod media;
pub mod message;
pub mod output;
pub mod refusal;
pub mod render;
pub mod sorted;
pub mod stats;
pub mod time;
pub mod window;

pub use config::Tenant;
pub use engine::{Engine, EngineOptions, EngineSnapshot, SnapshotError};
pub use event::{Event, EventKind};
pub use filter::OutputFilter;
pub use input::{AgentAction, Input, PhoneEvent};
pub use output::{Effect, Notice, Output};
pub use refusal::Refusal;
pub use time::{SimDuration, SimTime};
