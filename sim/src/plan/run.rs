//! Running a plan: one replication is the real engine, driven by the plan's
//! virtual parties on the model's traffic ([`drive`]), with the figures
//! counted from the engine's events per interval of the day by the core's
//! `intervals::IntervalCollector` (the statistics' definitions live in the
//! core). Replications (with seeds derived from the plan's) and staffing
//! levels are spread over threads; each engine stays on its thread. Memory
//! does not grow with simulated time: callers are created one arrival ahead
//! and only live tasks are remembered.

use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use switchboard_core::Tenant;
use switchboard_core::intervals::IntervalSums;

use super::drive::{self, SUPPORT};
use super::traffic::{Model, Staffing};
use super::{Estimate, IntervalResult, LevelResult, Metrics, PlanResult, Target, erlang};

/// Whether the plan's agents keep a persistent connection: when the model
/// has no RONA. They answer at once either way; on a persistent connection
/// the call connects without the phone's ringing and answer, the same instant,
/// so the figures are the same (checked by a test) for less work. A model with
/// RONA needs the phone to ring.
fn persistent(m: &Model) -> bool {
    m.no_answer == 0.0
}

/// The tenant a plan runs: one queue, one entry point, `agents` agents, with
/// a persistent connection or not.
fn config(m: &Model, agents: u32, persistent: bool) -> String {
    let mut c = format!(
        r#"
[tenant]
name = "plan"
timezone = "UTC"
concurrent_call_limit = 100000

[wrap_up]
reasons = ["Done"]
default_reason = "Done"
auto_after = "{wrap_up}ms"

[profiles.voice]
voice = 1

[teams.all]

[prompts.offer]
text = "Press 1 to be called back."

[prompts.confirm]
text = "We will call you back."

[queues.support]
teams = ["all"]
handle_time_estimate = "{aht}s"

[entry_points.Support]
queue_type = "inbound"
channel = "telephony"
service_level = "{threshold}ms"
flow = "direct"
support_numbers = ["{SUPPORT}"]

[flows.direct]
start = "queue"
[flows.direct.steps.queue]
type = "queue"
queue = "support"
"#,
        aht = m.handle.mean().round().max(1.0) as u64,
        threshold = (m.threshold_s * 1000.0).round() as u64,
        wrap_up = (m.wrap_up_s * 1000.0).round() as u64,
    );
    if let Some((after, _)) = m.callback {
        let _ = writeln!(
            c,
            "callback = {{ after = \"{}ms\", every = \"120s\", key = \"1\", prompt = \"offer\", confirm = \"confirm\" }}",
            (after * 1000.0).round() as u64
        );
    }
    for i in 0..agents {
        let _ = write!(
            c,
            "\n[agents.a{i:05}]\nname = \"Agent {i}\"\ndn = \"{}\"\nteam = \"all\"\nprofile = \"voice\"\npersistent_connection = {persistent}\n",
            100_000 + i
        );
    }
    c
}

/// One interval of the day in one replication: what the engine's events
/// gave (counted by the core's [`IntervalCollector`]) and the staffed time.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Sums {
    counted: IntervalSums,
    staffed_s: f64,
}

impl Sums {
    fn add(&mut self, o: &Sums) {
        self.counted.add(&o.counted);
        self.staffed_s += o.staffed_s;
    }

    /// The figures, in the order of [`Metrics`]' fields.
    fn figures(&self) -> [f64; 7] {
        let c = &self.counted;
        let occupancy = if self.staffed_s > 0.0 {
            c.busy_s / self.staffed_s
        } else {
            0.0
        };
        [
            c.offered as f64,
            c.service_level(),
            c.service_level_among_answered(),
            c.asa(),
            c.abandonment(),
            c.callback_share(),
            occupancy,
        ]
    }
}

/// Runs one replication at one staffing level (the plan's own event loop,
/// [`drive`]); returns the sums per interval of the day, or why the
/// replication stopped.
fn replicate(m: &Model, tenant: &Arc<Tenant>, level: u32, seed: u64) -> Replication {
    match drive::replicate(m, tenant, level, seed) {
        Ok(sums) => Ok(with_staffed_time(m, level, sums)),
        Err(o) => Err(overloaded(level, o, drive::MAX_LIVE_TASKS)),
    }
}

/// A replication's sums per interval of the day, or why it stopped.
type Replication = Result<Vec<Sums>, String>;

/// Why a replication at `level` agents stopped with `max_live` tasks live.
fn overloaded(level: u32, o: drive::Overloaded, max_live: usize) -> String {
    let s = o.at.0 / 1_000_000;
    format!(
        "at {level} agents more than {max_live} calls were in the system at once by day {} \
         {:02}:{:02}: the model is overloaded and its queue grows without bound (give callers a \
         --patience, or more agents)",
        s / 86_400 + 1,
        s % 86_400 / 3600,
        s % 3600 / 60,
    )
}

/// The counted figures per interval of the day, with the staffed time of
/// each over the counted time.
fn with_staffed_time(m: &Model, level: u32, counted: Vec<IntervalSums>) -> Vec<Sums> {
    let interval_s = m.interval_s();
    counted
        .into_iter()
        .enumerate()
        .map(|(i, counted)| {
            let start = i as u64 * interval_s;
            // Seconds of this interval of the day within [warm_up, horizon).
            let mut seconds = 0u64;
            let mut day = 0u64;
            while day * 86400 + start < m.horizon_s {
                let a = (day * 86400 + start).max(m.warm_up_s);
                let b = (day * 86400 + start + interval_s).min(m.horizon_s);
                seconds += b.saturating_sub(a);
                day += 1;
            }
            Sums {
                counted,
                staffed_s: seconds as f64 * m.agents_at(level, start) as f64,
            }
        })
        .collect()
}

/// A replication's seed: the plan's seed and the replication's number mixed
/// (SplitMix64), so that replications are independent and reproducible.
pub fn derive_seed(seed: u64, replication: u32) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15u64.wrapping_mul(replication as u64 + 1));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The mean and 95% half-width of values over replications.
fn estimate(values: &[f64]) -> Estimate {
    let n = values.len();
    let mean = values.iter().sum::<f64>() / n.max(1) as f64;
    if n < 2 {
        return Estimate {
            mean,
            half_width: 0.0,
        };
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    Estimate {
        mean,
        half_width: student_t95(n - 1) * (var / n as f64).sqrt(),
    }
}

/// The two-sided 95% quantile of Student's t with `df` degrees of freedom.
fn student_t95(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => T[df - 1],
        31..=60 => 2.000,
        61..=120 => 1.980,
        _ => 1.960,
    }
}

/// Metrics from per-replication sums.
fn metrics(reps: &[Sums]) -> Metrics {
    let figs: Vec<[f64; 7]> = reps.iter().map(Sums::figures).collect();
    let col = |k: usize| estimate(&figs.iter().map(|f| f[k]).collect::<Vec<_>>());
    Metrics {
        offered: col(0),
        service_level: col(1),
        service_level_among_answered: col(2),
        asa: col(3),
        abandonment: col(4),
        callbacks: col(5),
        occupancy: col(6),
    }
}

/// Runs the plan. `progress` is told each time a replication finishes (from
/// any thread).
pub fn run(
    m: &Model,
    target: Option<Target>,
    progress: &(dyn Fn() + Sync),
) -> Result<PlanResult, String> {
    m.check()?;
    let levels = m.staffing.levels();
    let max = levels.iter().copied().max().unwrap_or(0);
    let tenant = Arc::new(
        Tenant::from_toml(&config(m, max, persistent(m)))
            .map_err(|e| format!("the plan's tenant: {}", e))?,
    );
    let jobs: Vec<(usize, u32)> = (0..levels.len())
        .flat_map(|l| (0..m.replications).map(move |r| (l, r)))
        .collect();
    let next = AtomicUsize::new(0);
    let results: std::sync::Mutex<Vec<Option<Replication>>> =
        std::sync::Mutex::new(vec![None; jobs.len()]);
    let threads = m.threads.clamp(1, 256).min(jobs.len() as u32);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let j = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(l, r)) = jobs.get(j) else { break };
                    let sums = replicate(m, &tenant, levels[l], derive_seed(m.seed, r));
                    if sums.is_err() {
                        // No other replication is started: the plan fails.
                        next.store(jobs.len(), Ordering::Relaxed);
                    }
                    if let Ok(mut v) = results.lock() {
                        v[j] = Some(sums);
                    }
                    progress();
                }
            });
        }
    });
    let results = results
        .into_inner()
        .map_err(|_| "a replication failed".to_string())?;
    // The first failure in the order of the jobs: every job before it was
    // started before it, so this does not depend on the threads' timing.
    if let Some(e) = results.iter().flatten().find_map(|r| r.as_ref().err()) {
        return Err(e.clone());
    }
    let interval_s = m.interval_s();
    let mut out = Vec::new();
    for (l, &level) in levels.iter().enumerate() {
        let reps: Vec<&Vec<Sums>> = jobs
            .iter()
            .zip(&results)
            .filter(|((jl, _), _)| *jl == l)
            .filter_map(|(_, r)| r.as_ref().and_then(|r| r.as_ref().ok()))
            .collect();
        let totals: Vec<Sums> = reps
            .iter()
            .map(|r| {
                let mut t = Sums::default();
                r.iter().for_each(|s| t.add(s));
                t
            })
            .collect();
        let n_int = reps.first().map_or(0, |r| r.len());
        let intervals = (0..n_int)
            .map(|i| IntervalResult {
                start_s: i as u64 * interval_s,
                length_s: interval_s,
                agents: m.agents_at(level, i as u64 * interval_s),
                metrics: metrics(&reps.iter().map(|r| r[i]).collect::<Vec<_>>()),
            })
            .collect();
        let analytic = match (&m.arrivals, &m.staffing, m.handle.exponential_mean()) {
            (
                super::traffic::Arrivals::Constant { per_hour },
                Staffing::Fixed(_) | Staffing::Range(..) | Staffing::List(_),
                Some(aht),
            ) if m.wrap_up_s == 0.0 && m.callback.is_none() && m.no_answer == 0.0 => {
                let rate = per_hour / 3600.0;
                match m.patience.as_ref().map(|p| p.exponential_mean()) {
                    None => erlang::erlang_c(rate, aht, level, m.threshold_s),
                    Some(Some(p)) => erlang::erlang_a(rate, aht, p, level, m.threshold_s),
                    Some(None) => None,
                }
            }
            _ => None,
        };
        let overall = metrics(&totals);
        let meets_target = target.map(|t| overall.service_level.mean * 100.0 >= t.percent);
        out.push(LevelResult {
            agents: level,
            overall,
            intervals,
            analytic,
            meets_target,
        });
    }
    let recommended = out
        .iter()
        .find(|l| l.meets_target == Some(true))
        .map(|l| l.agents);
    Ok(PlanResult {
        threshold_s: m.threshold_s,
        replications: m.replications,
        seed: m.seed,
        horizon_s: m.horizon_s,
        levels: out,
        target,
        recommended,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Arrivals, Dist};
    use switchboard_core::SimTime;

    /// A busy day with waits, abandonment, callbacks and wrap-up.
    fn model(staffing: Staffing) -> Model {
        Model {
            arrivals: Arrivals::Constant { per_hour: 120.0 },
            handle: Dist::LogNormal {
                mean: 200.0,
                cv: 0.8,
            },
            patience: Some(Dist::Exponential { mean: 90.0 }),
            wrap_up_s: 15.0,
            callback: Some((30.0, 0.3)),
            no_answer: 0.0,
            threshold_s: 20.0,
            staffing,
            horizon_s: 86_400,
            warm_up_s: 3600,
            replications: 1,
            seed: 11,
            threads: 1,
        }
    }

    /// The plan's own loop plays exactly what the general driver plays with
    /// the same parties: byte-identical figures on models with every feature
    /// (waits, abandonment, callbacks, wrap-up, RONA, staffing schedules, an
    /// intraday profile, empirical times, no patience), on both kinds of phone.
    #[test]
    fn the_plans_loop_plays_what_the_general_driver_plays() {
        let schedule = Staffing::Schedule {
            interval_s: 1800,
            agents: (0..48).map(|i| 5 + (i % 5) as u32).collect(),
        };
        let rona = Model {
            no_answer: 0.2,
            ..model(Staffing::Fixed(8))
        };
        let rona_schedule = Model {
            no_answer: 0.1,
            ..model(schedule.clone())
        };
        let profile = Model {
            arrivals: Arrivals::Profile {
                interval_s: 3600,
                volumes: (0..24).map(|h| 40.0 + 10.0 * (h % 7) as f64).collect(),
            },
            handle: Dist::Empirical(vec![60.0, 180.0, 240.0, 600.0]),
            patience: None,
            callback: None,
            wrap_up_s: 0.0,
            ..model(Staffing::Fixed(6))
        };
        let models = [
            model(Staffing::Fixed(7)),
            model(schedule),
            rona,
            rona_schedule,
            profile,
        ];
        for (i, m) in models.iter().enumerate() {
            let level = m.staffing.levels()[0];
            let max = m.staffing.levels().into_iter().max().unwrap_or(0).max(10);
            for persistent in [false, true] {
                if persistent && m.no_answer > 0.0 {
                    continue;
                }
                let tenant =
                    Arc::new(Tenant::from_toml(&config(m, max, persistent)).expect("tenant"));
                let seed = 17 + i as u64;
                let a = drive::replicate(m, &tenant, level, seed).expect("not overloaded");
                let b = super::super::oracle::replicate(m, &tenant, level, seed);
                assert!(a.iter().map(|s| s.offered).sum::<u64>() > 1000, "model {i}");
                if m.no_answer > 0.0 {
                    assert!(
                        a.iter().map(|s| s.answered).sum::<u64>() > 1000,
                        "model {i}"
                    );
                }
                assert_eq!(a, b, "model {i}, persistent connection {persistent}");
            }
        }
    }

    /// The same on random models: rates, distributions, patience, wrap-up,
    /// callbacks, RONA and staffing drawn from a seeded generator, each model
    /// replayed through both loops (a seed that fails names its model).
    #[test]
    fn the_plans_loop_plays_what_the_general_driver_plays_on_random_models() {
        use rand::{RngExt, SeedableRng};
        let dist = |r: &mut rand_chacha::ChaCha8Rng, mean: f64| match r.random_range(0..4u8) {
            0 => Dist::Exponential { mean },
            1 => Dist::LogNormal {
                mean,
                cv: r.random_range(0.2..1.5),
            },
            2 => Dist::Empirical((0..5).map(|i| mean * (0.2 + 0.4 * i as f64)).collect()),
            _ => Dist::Fixed(mean),
        };
        for seed in 0..40u64 {
            let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            let per_hour = r.random_range(20.0..240.0);
            let aht = r.random_range(60.0..400.0);
            let agents = ((per_hour * aht / 3600.0) as u32).max(1) + r.random_range(0..3u32);
            let m = Model {
                arrivals: if r.random_bool(0.7) {
                    Arrivals::Constant { per_hour }
                } else {
                    Arrivals::Profile {
                        interval_s: 1800,
                        volumes: (0..48).map(|_| r.random_range(0.0..per_hour)).collect(),
                    }
                },
                handle: dist(&mut r, aht),
                patience: r.random_bool(0.8).then(|| {
                    let mean = r.random_range(20.0..300.0);
                    dist(&mut r, mean)
                }),
                wrap_up_s: [0.0, 5.0, 30.0][r.random_range(0..3usize)],
                callback: r
                    .random_bool(0.5)
                    .then(|| (r.random_range(5.0..90.0), r.random_range(0.0..0.8))),
                no_answer: if r.random_bool(0.5) {
                    0.0
                } else {
                    r.random_range(0.01..0.4)
                },
                threshold_s: 20.0,
                staffing: if r.random_bool(0.6) {
                    Staffing::Fixed(agents)
                } else {
                    Staffing::Schedule {
                        interval_s: [900, 1800, 3600][r.random_range(0..3usize)],
                        agents: (0..96)
                            .map(|_| agents.saturating_sub(2) + r.random_range(0..5u32))
                            .collect(),
                    }
                },
                horizon_s: 43_200,
                warm_up_s: 1800,
                replications: 1,
                seed,
                threads: 1,
            };
            let level = m.staffing.levels()[0];
            let max = m.staffing.levels().into_iter().max().unwrap_or(1).max(1);
            let tenant =
                Arc::new(Tenant::from_toml(&config(&m, max, persistent(&m))).expect("tenant"));
            let a = drive::replicate(&m, &tenant, level, seed).expect("not overloaded");
            let b = super::super::oracle::replicate(&m, &tenant, level, seed);
            assert!(
                a.iter().map(|s| s.offered).sum::<u64>() > 50,
                "seed {seed}: {m:?}"
            );
            assert_eq!(a, b, "seed {seed}: {m:?}");
        }
    }

    /// The plan's agents keep a persistent connection when the model has no
    /// RONA, for speed: the figures must be exactly those of agents whose
    /// phones ring and answer at once.
    #[test]
    fn a_persistent_connection_changes_no_figure() {
        let staffings = [
            Staffing::Fixed(7),
            // Agents logging in and out through the day.
            Staffing::Schedule {
                interval_s: 1800,
                agents: (0..48).map(|i| 5 + (i % 5) as u32).collect(),
            },
        ];
        for staffing in staffings {
            let m = model(staffing);
            assert!(persistent(&m));
            let level = m.staffing.levels()[0];
            let max = m.staffing.levels().into_iter().max().unwrap_or(0).max(10);
            let ringing = Arc::new(Tenant::from_toml(&config(&m, max, false)).expect("tenant"));
            let connected = Arc::new(Tenant::from_toml(&config(&m, max, true)).expect("tenant"));
            let a = replicate(&m, &ringing, level, 5).expect("not overloaded");
            let b = replicate(&m, &connected, level, 5).expect("not overloaded");
            assert!(a.iter().map(|s| s.counted.offered).sum::<u64>() > 2000);
            assert!(a.iter().map(|s| s.counted.callbacks).sum::<u64>() > 10);
            assert!(a.iter().map(|s| s.counted.abandoned).sum::<u64>() > 10);
            assert_eq!(a, b);
        }
    }

    /// A queue that grows without bound (callers who never give up, far too
    /// few agents) stops the replication when too many calls are live,
    /// instead of exhausting memory; a model that keeps up does not.
    #[test]
    fn an_overloaded_replication_stops_with_a_clear_error() {
        let swamped = Model {
            patience: None,
            callback: None,
            ..model(Staffing::Fixed(2))
        };
        let tenant = Arc::new(Tenant::from_toml(&config(&swamped, 2, true)).expect("tenant"));
        let o = drive::replicate_capped(&swamped, &tenant, 2, 5, 500)
            .expect_err("the queue grows past 500 calls");
        // 120 calls an hour against 2 agents who serve about 36: 500 calls
        // are live in the system after about six hours.
        assert!(
            (SimTime(4 * 3_600_000_000)..SimTime(9 * 3_600_000_000)).contains(&o.at),
            "{o:?}"
        );
        let why = overloaded(2, o, 500);
        assert!(
            why.starts_with(
                "at 2 agents more than 500 calls were in the system at once by day 1 0"
            ),
            "{why}"
        );
        assert!(
            why.ends_with("(give callers a --patience, or more agents)"),
            "{why}"
        );
        // The same traffic, served: no stop.
        let served = Model {
            patience: None,
            callback: None,
            ..model(Staffing::Fixed(12))
        };
        let tenant = Arc::new(Tenant::from_toml(&config(&served, 12, true)).expect("tenant"));
        assert!(drive::replicate_capped(&served, &tenant, 12, 5, 500).is_ok());
    }
}
