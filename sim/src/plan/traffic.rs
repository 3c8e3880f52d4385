//! The traffic model of a plan: when calls arrive, how long they take, how
//! patient callers are, what agents do. Every draw comes from a seeded
//! generator, so a plan is reproducible.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use switchboard_core::{SimDuration, SimTime};

/// A distribution of durations, in seconds.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    Fixed(f64),
    Exponential {
        mean: f64,
    },
    /// Lognormal with this mean and coefficient of variation (sd / mean).
    LogNormal {
        mean: f64,
        cv: f64,
    },
    /// Drawn uniformly from observed values.
    Empirical(Vec<f64>),
}

impl Dist {
    /// One draw, in seconds (never negative).
    pub fn sample(&self, rng: &mut ChaCha8Rng) -> f64 {
        match self {
            Dist::Fixed(v) => *v,
            Dist::Exponential { mean } => -(1.0 - rng.random::<f64>()).ln() * mean,
            Dist::LogNormal { mean, cv } => {
                let s2 = (1.0 + cv * cv).ln();
                let mu = mean.ln() - s2 / 2.0;
                (mu + s2.sqrt() * normal(rng)).exp()
            }
            Dist::Empirical(v) => {
                let i = ((rng.random::<f64>() * v.len() as f64) as usize).min(v.len() - 1);
                v[i]
            }
        }
    }

    pub fn mean(&self) -> f64 {
        match self {
            Dist::Fixed(v) => *v,
            Dist::Exponential { mean } | Dist::LogNormal { mean, .. } => *mean,
            Dist::Empirical(v) => v.iter().sum::<f64>() / v.len() as f64,
        }
    }

    /// Whether it is exponential (for the analytic reference).
    pub fn exponential_mean(&self) -> Option<f64> {
        match self {
            Dist::Exponential { mean } => Some(*mean),
            _ => None,
        }
    }

    /// Observed durations from a CSV file's text: one number of seconds per
    /// line (a header line is allowed); `what` names the file for errors.
    pub fn empirical(text: &str, what: &str) -> Result<Dist, String> {
        let mut v = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let cell = line.split(',').next().unwrap_or("").trim();
            if cell.is_empty() {
                continue;
            }
            match cell.parse::<f64>() {
                Ok(x) if x > MAX_DURATION_S => {
                    return Err(format!(
                        "{what}:{}: {cell} seconds is more than a day ({MAX_DURATION_S} s)",
                        i + 1
                    ));
                }
                Ok(x) if x.is_finite() && x >= 0.0 => v.push(x),
                _ if i == 0 => continue,
                _ => {
                    return Err(format!(
                        "{what}:{}: \"{cell}\" is not a number of seconds",
                        i + 1
                    ));
                }
            }
        }
        if v.is_empty() {
            return Err(format!("{what}: holds no durations"));
        }
        Ok(Dist::Empirical(v))
    }
}

/// A standard normal draw (Box-Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// When calls arrive: Poisson, at a constant rate or following an intraday
/// profile (piecewise constant, repeated every day).
#[derive(Clone, Debug, PartialEq)]
pub enum Arrivals {
    Constant { per_hour: f64 },
    Profile { interval_s: u64, volumes: Vec<f64> },
}

impl Arrivals {
    /// The calls expected in a day.
    pub fn per_day(&self) -> f64 {
        match self {
            Arrivals::Constant { per_hour } => per_hour * 24.0,
            Arrivals::Profile { volumes, .. } => volumes.iter().sum(),
        }
    }

    /// Calls per second at `t` seconds from the start.
    pub fn rate_at(&self, t: f64) -> f64 {
        match self {
            Arrivals::Constant { per_hour } => per_hour / 3600.0,
            Arrivals::Profile {
                interval_s,
                volumes,
            } => {
                let i = ((t % 86400.0) / *interval_s as f64) as usize;
                volumes.get(i).copied().unwrap_or(0.0) / *interval_s as f64
            }
        }
    }

    /// The next arrival after `t` (seconds), or `None` if none ever comes.
    pub fn next(&self, t: f64, rng: &mut ChaCha8Rng) -> Option<f64> {
        match self {
            Arrivals::Constant { per_hour } => {
                if *per_hour <= 0.0 {
                    return None;
                }
                Some(t - (1.0 - rng.random::<f64>()).ln() * 3600.0 / per_hour)
            }
            Arrivals::Profile { interval_s, .. } => {
                // Piecewise-constant rate: draw a unit-rate exponential and
                // walk the intervals until it is used up.
                let mut need = -(1.0 - rng.random::<f64>()).ln();
                let len = *interval_s as f64;
                let mut now = t;
                for _ in 0..(2 * 86400 / interval_s.max(&1) + 2) {
                    let end = ((now / len).floor() + 1.0) * len;
                    let rate = self.rate_at(now);
                    let have = rate * (end - now);
                    if rate > 0.0 && have >= need {
                        return Some(now + need / rate);
                    }
                    need -= have;
                    now = end;
                }
                None
            }
        }
    }

    /// An intraday profile from a CSV file's text: one row per interval of the
    /// day, its volume in the last column (a start time before it is allowed);
    /// 96 rows are 15-minute intervals, 48 rows 30-minute ones.
    pub fn profile(text: &str, what: &str) -> Result<Arrivals, String> {
        let mut volumes = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let cell = line.rsplit(',').next().unwrap_or("").trim();
            match cell.parse::<f64>() {
                Ok(x) if x.is_finite() && x >= 0.0 => volumes.push(x),
                _ if i == 0 => continue,
                _ => {
                    return Err(format!("{what}:{}: \"{cell}\" is not a call volume", i + 1));
                }
            }
        }
        let interval_s = match volumes.len() {
            96 => 900,
            48 => 1800,
            n => {
                return Err(format!(
                    "{what}: {n} intervals; a profile has 96 (15 minutes) or 48 (30 minutes)"
                ));
            }
        };
        Ok(Arrivals::Profile {
            interval_s,
            volumes,
        })
    }
}

/// How many agents work when.
#[derive(Clone, Debug, PartialEq)]
pub enum Staffing {
    Fixed(u32),
    /// Every count from the first to the last, inclusive.
    Range(u32, u32),
    /// These counts.
    List(Vec<u32>),
    /// Agents per interval of the day, repeated every day.
    Schedule {
        interval_s: u64,
        agents: Vec<u32>,
    },
}

impl Staffing {
    /// A schedule from a CSV file's text: agents per interval in the last
    /// column, 96 or 48 rows.
    pub fn schedule(text: &str, what: &str) -> Result<Staffing, String> {
        let mut agents = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let cell = line.rsplit(',').next().unwrap_or("").trim();
            match cell.parse::<u32>() {
                Ok(x) if x <= MAX_AGENTS => agents.push(x),
                _ if i == 0 => continue,
                _ => {
                    return Err(format!(
                        "{what}:{}: \"{cell}\" is not a number of agents (0 to {MAX_AGENTS})",
                        i + 1
                    ));
                }
            }
        }
        let interval_s = match agents.len() {
            96 => 900,
            48 => 1800,
            n => {
                return Err(format!(
                    "{what}: {n} intervals; a schedule has 96 (15 minutes) or 48 (30 minutes)"
                ));
            }
        };
        Ok(Staffing::Schedule { interval_s, agents })
    }

    /// The staffing levels to run: one per count of a range, else one.
    pub fn levels(&self) -> Vec<u32> {
        match self {
            Staffing::Fixed(n) => vec![*n],
            Staffing::Range(a, b) => (*a..=*b).collect(),
            Staffing::List(v) => v.clone(),
            Staffing::Schedule { agents, .. } => vec![agents.iter().copied().max().unwrap_or(0)],
        }
    }
}

/// The most agents a plan simulates.
pub const MAX_AGENTS: u32 = 20_000;
/// The longest mean handle time, threshold or callback delay a model may
/// have, and the longest observed duration in a file: a day, in seconds.
pub const MAX_DURATION_S: f64 = 86_400.0;
/// The largest coefficient of variation of a lognormal handle time.
pub const MAX_CV: f64 = 100.0;
/// The most calls a replication may be expected to offer.
pub const MAX_CALLS: u64 = 1_000_000_000;

/// Everything a plan simulates.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub arrivals: Arrivals,
    pub handle: Dist,
    /// Callers give up after this long unanswered; `None`: they never do.
    pub patience: Option<Dist>,
    /// Wrap-up after each call, seconds (fixed).
    pub wrap_up_s: f64,
    /// A courtesy callback is offered this long into the wait (and every two
    /// minutes after), and this share of callers accept it.
    pub callback: Option<(f64, f64)>,
    /// The chance that an agent does not answer an offer (RONA).
    pub no_answer: f64,
    /// Service-level threshold, seconds.
    pub threshold_s: f64,
    pub staffing: Staffing,
    /// Simulated time per replication, seconds, and the warm-up left out of the figures.
    pub horizon_s: u64,
    pub warm_up_s: u64,
    pub replications: u32,
    pub seed: u64,
    pub threads: u32,
}

impl Model {
    /// The interval length of the per-interval figures.
    pub fn interval_s(&self) -> u64 {
        match (&self.arrivals, &self.staffing) {
            (_, Staffing::Schedule { interval_s, .. }) => *interval_s,
            (Arrivals::Profile { interval_s, .. }, _) => *interval_s,
            _ => 3600,
        }
    }

    /// Agents working at `t` seconds, for a staffing level of `level`.
    pub fn agents_at(&self, level: u32, t: u64) -> u32 {
        match &self.staffing {
            Staffing::Schedule { interval_s, agents } => {
                let i = ((t % 86400) / interval_s) as usize;
                agents.get(i).copied().unwrap_or(0)
            }
            _ => level,
        }
    }

    /// Checks the figures a user gave: one sentence per problem.
    pub fn check(&self) -> Result<(), String> {
        let positive = |v: f64, what: &str| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(format!("{what} must be a positive number of seconds"))
            }
        };
        let at_most_a_day = |v: f64, what: &str| {
            if v <= MAX_DURATION_S {
                Ok(())
            } else {
                Err(format!(
                    "{what} must be at most {MAX_DURATION_S} seconds (a day)"
                ))
            }
        };
        match &self.handle {
            Dist::Exponential { mean } | Dist::Fixed(mean) => positive(*mean, "--aht")?,
            Dist::LogNormal { mean, cv } => {
                positive(*mean, "--aht")?;
                if !(cv.is_finite() && *cv > 0.0 && *cv <= MAX_CV) {
                    return Err(format!("--cv must be a positive number, at most {MAX_CV}"));
                }
            }
            Dist::Empirical(_) => {}
        }
        at_most_a_day(self.handle.mean(), "--aht")?;
        if let Some(Dist::Exponential { mean }) = &self.patience {
            positive(*mean, "--patience")?;
        }
        if let Arrivals::Constant { per_hour } = self.arrivals
            && !(per_hour.is_finite() && per_hour > 0.0)
        {
            return Err("--rate must be a positive number of calls per hour".into());
        }
        if !(self.wrap_up_s.is_finite() && (0.0..=3600.0).contains(&self.wrap_up_s)) {
            return Err("--wrap-up must be from 0 to 3600 seconds".into());
        }
        if !(0.0..1.0).contains(&self.no_answer) {
            return Err("--no-answer must be a probability from 0 up to (not including) 1".into());
        }
        if let Some((after, share)) = self.callback {
            positive(after, "--callback-after")?;
            if !(0.0..=1.0).contains(&share) {
                return Err("--callback-share must be a probability from 0 to 1".into());
            }
        }
        positive(self.threshold_s, "--threshold")?;
        at_most_a_day(self.threshold_s, "--threshold")?;
        if let Some((after, _)) = self.callback {
            at_most_a_day(after, "--callback-after")?;
        }
        if self.horizon_s <= self.warm_up_s {
            return Err("the simulated time must be longer than the warm-up".into());
        }
        if self.replications == 0 || self.replications > 10_000 {
            return Err("--replications must be 1 to 10,000".into());
        }
        let levels = self.staffing.levels();
        if levels.is_empty() || levels.iter().any(|n| *n == 0 || *n > MAX_AGENTS) {
            return Err(format!(
                "--agents must be 1 to {MAX_AGENTS} (a range as 70..75)"
            ));
        }
        if levels.len() > 1000 {
            return Err("--agents: at most 1,000 staffing levels in a sweep".into());
        }
        let calls = self.arrivals.per_day() * self.horizon_s as f64 / 86_400.0;
        if calls > MAX_CALLS as f64 {
            return Err(format!(
                "the model offers about {calls:.3e} calls in a replication; at most {MAX_CALLS:.0e} \
                 are simulated (lower the rate or --days)"
            ));
        }
        Ok(())
    }
}

/// A duration in seconds, as the engine's microseconds (a negative one is zero).
pub(super) fn secs(s: f64) -> SimDuration {
    SimDuration((s.max(0.0) * 1e6) as u64)
}

/// One caller as the traffic draws it.
pub(super) struct Drawn {
    /// When it calls.
    pub at: SimTime,
    /// How long it talks once answered.
    pub talk: SimDuration,
    /// How long it waits before giving up.
    pub patience: Option<SimDuration>,
    /// It accepts a callback offer.
    pub accepts: bool,
}

/// A replication's callers, drawn one arrival ahead from its own generator,
/// in a fixed order: the arrival, the handle time, the patience, the
/// callback acceptance.
pub(super) struct Traffic {
    rng: ChaCha8Rng,
    /// The last arrival, in seconds.
    last: f64,
    horizon: SimTime,
    /// Whether more callers may come (none after the first beyond the horizon).
    more: bool,
}

impl Traffic {
    pub fn new(seed: u64, horizon: SimTime) -> Traffic {
        Traffic {
            rng: ChaCha8Rng::seed_from_u64(seed),
            last: 0.0,
            horizon,
            more: true,
        }
    }

    /// The next caller of `m`, if one arrives within the horizon.
    pub fn next(&mut self, m: &Model) -> Option<Drawn> {
        if !self.more {
            return None;
        }
        let Some(last) = m.arrivals.next(self.last, &mut self.rng) else {
            self.more = false;
            return None;
        };
        let at = SimTime((last * 1e6) as u64);
        if at >= self.horizon {
            self.more = false;
            return None;
        }
        self.last = last;
        let talk = secs(m.handle.sample(&mut self.rng));
        let patience = m.patience.as_ref().map(|p| secs(p.sample(&mut self.rng)));
        let accepts = m
            .callback
            .is_some_and(|(_, share)| self.rng.random::<f64>() < share);
        Some(Drawn {
            at,
            talk,
            patience,
            accepts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn distributions_have_their_means() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for d in [
            Dist::Exponential { mean: 240.0 },
            Dist::LogNormal {
                mean: 240.0,
                cv: 0.8,
            },
            Dist::Empirical(vec![100.0, 200.0, 420.0]),
        ] {
            let n = 200_000;
            let m = (0..n).map(|_| d.sample(&mut rng)).sum::<f64>() / n as f64;
            assert!((m / d.mean() - 1.0).abs() < 0.02, "{d:?}: {m}");
        }
    }

    #[test]
    fn a_profile_gives_its_volumes() {
        let mut csv = String::from("start,calls\n");
        for i in 0..48 {
            csv.push_str(&format!("{i},{}\n", if i == 20 { 300 } else { 0 }));
        }
        let a = Arrivals::profile(&csv, "p.csv").unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let (mut t, mut n) = (0.0, 0);
        while let Some(next) = a.next(t, &mut rng) {
            if next >= 86400.0 * 10.0 {
                break;
            }
            assert_eq!(((next % 86400.0) / 1800.0) as usize, 20);
            t = next;
            n += 1;
        }
        assert!((n as f64 / 3000.0 - 1.0).abs() < 0.06, "{n}");
        assert!(
            Arrivals::profile("1\n2\n", "x.csv")
                .unwrap_err()
                .contains("2 intervals")
        );
        assert!(
            Arrivals::profile("a,b\n1,x\n", "x.csv")
                .unwrap_err()
                .contains("x.csv:2")
        );
    }
}
