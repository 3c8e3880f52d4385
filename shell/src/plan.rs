//! `switchboard plan`: capacity planning with the real engine on synthetic
//! traffic. Reads the options and files, runs the plan (with a progress bar on
//! a terminal), prints the table or JSON, writes the plot.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use switchboard_sim::plan::{self, Arrivals, Dist, Model, PlanResult, Staffing, Target};

/// Options of `switchboard plan`.
#[derive(Args, Debug)]
pub struct PlanArgs {
    /// Calls per hour, constant all day (Poisson arrivals); a replication may
    /// offer at most a billion calls.
    #[arg(long, value_name = "CALLS_PER_HOUR", conflicts_with = "profile")]
    rate: Option<f64>,
    /// Intraday profile: a CSV with one row per 15- or 30-minute interval of the
    /// day (96 or 48 rows), the call volume in the last column; repeated daily.
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// Mean handle (talk) time, seconds (at most 86,400).
    #[arg(long, value_name = "SECONDS", default_value_t = 180.0)]
    aht: f64,
    /// Handle time distribution: exponential, lognormal (with --cv) or
    /// empirical (with --handle-file).
    #[arg(long, value_name = "KIND", default_value = "exponential")]
    handle: String,
    /// Coefficient of variation of a lognormal handle time (at most 100).
    #[arg(long, value_name = "CV", default_value_t = 1.0)]
    cv: f64,
    /// Observed handle times for --handle empirical: a CSV, seconds in the first column
    /// (each at most 86,400).
    #[arg(long, value_name = "FILE")]
    handle_file: Option<PathBuf>,
    /// Mean patience, seconds (exponential): callers hang up after waiting this
    /// long on average. Without it (or --patience-file) nobody abandons, and a
    /// replication whose queue grows past a million calls stops the plan with
    /// an error (the model is overloaded).
    #[arg(long, value_name = "SECONDS")]
    patience: Option<f64>,
    /// Observed patience times (empirical), a CSV, seconds in the first column (each at
    /// most 86,400).
    #[arg(long, value_name = "FILE", conflicts_with = "patience")]
    patience_file: Option<PathBuf>,
    /// Wrap-up after each call, seconds (0 to 3600): the tenant's automatic
    /// wrap-up submits the reason when it is over.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0)]
    wrap_up: f64,
    /// Offer a courtesy callback this long into the wait, at most 86,400 s (then every
    /// 120 s)...
    #[arg(long, value_name = "SECONDS", requires = "callback_share")]
    callback_after: Option<f64>,
    /// ...and this share of the callers offered one (0 to 1) accept it.
    #[arg(long, value_name = "SHARE", requires = "callback_after")]
    callback_share: Option<f64>,
    /// The chance (0 to 1) that an agent lets an offer ring unanswered (RONA).
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    no_answer: f64,
    /// Agents: a count (72), a range to sweep (70..75) or a list (70,72,75).
    #[arg(long, value_name = "N|A..B", conflicts_with = "schedule")]
    agents: Option<String>,
    /// Agents per interval: a CSV with 96 or 48 rows, the count in the last column.
    #[arg(long, value_name = "FILE")]
    schedule: Option<PathBuf>,
    /// Service-level threshold, seconds, at most 86,400 (also set by --target).
    #[arg(long, value_name = "SECONDS", default_value_t = 20.0)]
    threshold: f64,
    /// The service level to meet, as PERCENT/SECONDS (80/20): the smallest
    /// staffing that meets it is reported.
    #[arg(long, value_name = "PERCENT/SECONDS")]
    target: Option<String>,
    /// Simulated days per replication.
    #[arg(long, value_name = "DAYS", default_value_t = 1.0)]
    days: f64,
    /// Simulated time left out at the start of each replication, seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.0)]
    warm_up: f64,
    /// Independent replications (seeds derived from --seed); 95% confidence
    /// intervals come from their spread.
    #[arg(long, value_name = "N", default_value_t = 10)]
    replications: u32,
    /// The seed of the whole plan.
    #[arg(long, value_name = "SEED", default_value_t = 1)]
    seed: u64,
    /// Threads (default: the machine's cores); each engine stays on one thread.
    #[arg(long, value_name = "N")]
    threads: Option<u32>,
    /// Print the per-interval figures too (always with --profile or --schedule).
    #[arg(long)]
    intervals: bool,
    /// Print JSON instead of tables.
    #[arg(long)]
    json: bool,
    /// Write an SVG plot of service level and abandonment against agents.
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<PathBuf>,
}

fn read(path: &PathBuf) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))
}

fn model(a: &PlanArgs) -> Result<(Model, Option<Target>), String> {
    let arrivals = match (&a.rate, &a.profile) {
        (Some(r), None) => Arrivals::Constant { per_hour: *r },
        (None, Some(p)) => Arrivals::profile(&read(p)?, &p.display().to_string())?,
        _ => return Err("give --rate CALLS_PER_HOUR or --profile FILE".into()),
    };
    let handle = match a.handle.as_str() {
        "exponential" => Dist::Exponential { mean: a.aht },
        "lognormal" => Dist::LogNormal {
            mean: a.aht,
            cv: a.cv,
        },
        "empirical" => {
            let f = a
                .handle_file
                .as_ref()
                .ok_or("--handle empirical needs --handle-file FILE")?;
            Dist::empirical(&read(f)?, &f.display().to_string())?
        }
        other => {
            return Err(format!(
                "--handle \"{other}\" is not one of exponential, lognormal, empirical"
            ));
        }
    };
    let patience = match (&a.patience, &a.patience_file) {
        (Some(p), _) => Some(Dist::Exponential { mean: *p }),
        (None, Some(f)) => Some(Dist::empirical(&read(f)?, &f.display().to_string())?),
        (None, None) => None,
    };
    let staffing = match (&a.agents, &a.schedule) {
        (Some(s), None) => parse_agents(s)?,
        (None, Some(f)) => Staffing::schedule(&read(f)?, &f.display().to_string())?,
        _ => return Err("give --agents N (or A..B) or --schedule FILE".into()),
    };
    let target = a.target.as_deref().map(parse_target).transpose()?;
    let threshold_s = target.map_or(a.threshold, |t| t.seconds);
    if !(a.days.is_finite() && a.days > 0.0 && a.days <= 3650.0) {
        return Err("--days must be more than 0 and at most 3650".into());
    }
    if !(a.warm_up.is_finite() && a.warm_up >= 0.0) {
        return Err("--warm-up must be zero or more seconds".into());
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    Ok((
        Model {
            arrivals,
            handle,
            patience,
            wrap_up_s: a.wrap_up,
            callback: a.callback_after.zip(a.callback_share),
            no_answer: a.no_answer,
            threshold_s,
            staffing,
            horizon_s: (a.days * 86400.0).round() as u64,
            warm_up_s: a.warm_up.round() as u64,
            replications: a.replications,
            seed: a.seed,
            threads: a.threads.unwrap_or(cores).max(1),
        },
        target,
    ))
}

fn parse_agents(s: &str) -> Result<Staffing, String> {
    let bad = || {
        format!("--agents \"{s}\" is neither a count (72), a range (70..75) nor a list (70,72,75)")
    };
    if s.contains(',') {
        let v = s
            .split(',')
            .map(|x| x.trim().parse::<u32>().map_err(|_| bad()))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Staffing::List(v));
    }
    match s.split_once("..") {
        Some((a, b)) => {
            let a: u32 = a.trim().parse().map_err(|_| bad())?;
            let b: u32 = b.trim().parse().map_err(|_| bad())?;
            if a > b {
                return Err(format!("--agents \"{s}\": the range runs backwards"));
            }
            Ok(Staffing::Range(a, b))
        }
        None => Ok(Staffing::Fixed(s.trim().parse().map_err(|_| bad())?)),
    }
}

fn parse_target(s: &str) -> Result<Target, String> {
    let bad = || format!("--target \"{s}\" is not PERCENT/SECONDS, such as 80/20");
    let (p, t) = s.split_once('/').ok_or_else(bad)?;
    let percent: f64 = p.trim().trim_end_matches('%').parse().map_err(|_| bad())?;
    let seconds: f64 = t.trim().trim_end_matches('s').parse().map_err(|_| bad())?;
    if !((0.0..=100.0).contains(&percent) && seconds.is_finite() && seconds > 0.0) {
        return Err(bad());
    }
    Ok(Target { percent, seconds })
}

pub fn run(a: PlanArgs) -> ExitCode {
    match plan_cmd(&a) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("switchboard plan: {e}");
            ExitCode::from(2)
        }
    }
}

fn plan_cmd(a: &PlanArgs) -> Result<(), String> {
    let (m, target) = model(a)?;
    let jobs = (m.staffing.levels().len() as u64) * m.replications as u64;
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new(jobs);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} replications ({eta} left)",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let tick = || {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let result = plan::run(&m, target, &tick)?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if let Some(path) = &a.plot {
        let svg = plan::plot::svg(&result)?;
        std::fs::write(path, svg).map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
    }
    if a.json {
        let text = serde_json::to_string_pretty(&result).map_err(|e| e.to_string())?;
        println!("{text}");
    } else {
        let per_interval = a.intervals || a.profile.is_some() || a.schedule.is_some();
        print!("{}", table(&result, per_interval));
    }
    Ok(())
}

/// An estimate as `mean±half-width` (the half-width left out when there is
/// none), scaled (100 for percentages).
fn est(e: &plan::Estimate, scale: f64) -> String {
    if e.half_width > 0.0 {
        format!("{:.1}±{:.1}", e.mean * scale, e.half_width * scale)
    } else {
        format!("{:.1}", e.mean * scale)
    }
}

fn pct(e: &plan::Estimate) -> String {
    est(e, 100.0)
}

fn secs(e: &plan::Estimate) -> String {
    est(e, 1.0)
}

/// The tables: one row per staffing level (with the analytic reference beside
/// it), then the intervals of each level when asked.
fn table(r: &PlanResult, per_interval: bool) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let days = r.horizon_s as f64 / 86400.0;
    let _ = writeln!(
        s,
        "{} replication(s) of {days} day(s), seed {}; service level = answered within {} s / offered; ± is the 95% confidence half-width",
        r.replications, r.seed, r.threshold_s
    );
    let _ = writeln!(
        s,
        "{:>7} {:>10} {:>12} {:>13} {:>11} {:>12} {:>10} {:>11}   analytic (SL %, ASA s, abandoned %)",
        "agents",
        "offered",
        "SL %",
        "SL answered %",
        "ASA s",
        "abandoned %",
        "callback %",
        "occupancy %",
    );
    for l in &r.levels {
        let o = &l.overall;
        let analytic = l.analytic.map_or(String::new(), |a| {
            format!(
                "{}: {:.1}, {:.1}, {:.1}",
                if a.model == "erlang_a" {
                    "Erlang A"
                } else {
                    "Erlang C"
                },
                a.service_level * 100.0,
                a.asa,
                a.abandonment * 100.0
            )
        });
        let mark = if r.recommended == Some(l.agents) {
            "*"
        } else {
            " "
        };
        let _ = writeln!(
            s,
            "{:>6}{mark} {:>10.0} {:>12} {:>13} {:>11} {:>12} {:>10} {:>11}   {analytic}",
            l.agents,
            o.offered.mean,
            pct(&o.service_level),
            pct(&o.service_level_among_answered),
            secs(&o.asa),
            pct(&o.abandonment),
            pct(&o.callbacks),
            pct(&o.occupancy),
        );
    }
    if let Some(t) = r.target {
        match r.recommended {
            Some(n) => {
                let _ = writeln!(
                    s,
                    "target {}% within {} s: met from {n} agents (*)",
                    t.percent, t.seconds
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "target {}% within {} s: not met by any staffing level tried",
                    t.percent, t.seconds
                );
            }
        }
    }
    if per_interval {
        for l in &r.levels {
            let _ = writeln!(s, "\nagents {}: per interval of the day", l.agents);
            let _ = writeln!(
                s,
                "{:>11} {:>7} {:>9} {:>12} {:>11} {:>12} {:>10} {:>11}",
                "interval",
                "agents",
                "offered",
                "SL %",
                "ASA s",
                "abandoned %",
                "callback %",
                "occupancy %"
            );
            for i in &l.intervals {
                let (h, m) = (i.start_s / 3600, (i.start_s % 3600) / 60);
                let (h2, m2) = (
                    (i.start_s + i.length_s) / 3600,
                    ((i.start_s + i.length_s) % 3600) / 60,
                );
                let x = &i.metrics;
                let _ = writeln!(
                    s,
                    "{h:02}:{m:02}-{h2:02}:{m2:02} {:>7} {:>9.1} {:>12} {:>11} {:>12} {:>10} {:>11}",
                    i.agents,
                    x.offered.mean,
                    pct(&x.service_level),
                    secs(&x.asa),
                    pct(&x.abandonment),
                    pct(&x.callbacks),
                    pct(&x.occupancy),
                );
            }
        }
    }
    s
}
