//! Capacity planning: the real engine on synthetic traffic (`switchboard plan`).
//!
//! - [`traffic`] — the traffic model: arrivals, handle times, patience,
//!   wrap-up, callback acceptance, agents' no-answer probability.
//! - [`erlang`] — the analytic references, Erlang C (M/M/c) and Erlang A
//!   (M/M/c+M).
//! - [`drive`] — one replication: the engine driven by the plan's parties.
//! - [`run`](self::run) — replications with derived seeds across threads.
//! - [`plot`] — service level and abandonment against agents, as SVG.

mod drive;
pub mod erlang;
#[cfg(test)]
mod oracle;
pub mod plot;
pub mod run;
pub mod traffic;

pub use run::run;
pub use traffic::{Arrivals, Dist, Model, Staffing};

use serde::Serialize;

/// A figure estimated over replications: the mean and the half-width of its
/// 95% confidence interval (Student's t; 0 with a single replication).
#[derive(Copy, Clone, Debug, Default, PartialEq, Serialize)]
pub struct Estimate {
    pub mean: f64,
    pub half_width: f64,
}

/// The figures of one interval (or of the whole run) at one staffing level.
/// Rates are fractions (0.8 = 80%), times in seconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Metrics {
    /// Calls offered (arrived at the entry point).
    pub offered: Estimate,
    /// Answered within the threshold / offered (an abandoned call is a miss).
    pub service_level: Estimate,
    /// Answered within the threshold / answered.
    pub service_level_among_answered: Estimate,
    /// Mean wait of the answered calls.
    pub asa: Estimate,
    /// Abandoned / offered.
    pub abandonment: Estimate,
    /// Callbacks requested / offered.
    pub callbacks: Estimate,
    /// Agents' time talking or wrapping up / their staffed time.
    pub occupancy: Estimate,
}

/// The analytic figures of a constant-rate model (Erlang C without patience,
/// Erlang A with exponential patience).
#[derive(Copy, Clone, Debug, PartialEq, Serialize)]
pub struct Analytic {
    /// "erlang_c" or "erlang_a".
    pub model: &'static str,
    pub service_level: f64,
    pub service_level_among_answered: f64,
    pub asa: f64,
    pub abandonment: f64,
    pub occupancy: f64,
}

/// One interval of the day (from the profile or the schedule).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IntervalResult {
    /// Start, seconds from the start of the day.
    pub start_s: u64,
    pub length_s: u64,
    /// Agents staffed in it.
    pub agents: u32,
    pub metrics: Metrics,
}

/// The results at one staffing level (a fixed count, or one point of a sweep,
/// or a schedule).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LevelResult {
    /// The agent count (for a schedule: its largest interval).
    pub agents: u32,
    pub overall: Metrics,
    pub intervals: Vec<IntervalResult>,
    /// The analytic reference, for constant-rate runs.
    pub analytic: Option<Analytic>,
    /// Whether it meets `--target`.
    pub meets_target: Option<bool>,
}

/// A service-level target: `percent` of calls answered within `seconds`.
#[derive(Copy, Clone, Debug, PartialEq, Serialize)]
pub struct Target {
    pub percent: f64,
    pub seconds: f64,
}

/// Everything a plan run found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlanResult {
    /// The service-level threshold, seconds.
    pub threshold_s: f64,
    pub replications: u32,
    pub seed: u64,
    /// Simulated time per replication, seconds.
    pub horizon_s: u64,
    pub levels: Vec<LevelResult>,
    pub target: Option<Target>,
    /// The smallest staffing level meeting the target.
    pub recommended: Option<u32>,
}
