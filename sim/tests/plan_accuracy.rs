//! `switchboard plan` against the analytic references (issue 7): for the M/M/c
//! (Erlang C) and M/M/c+M (Erlang A) reference cases, the simulated service
//! level and abandonment lie within 1 percentage point, and the ASA within 5%,
//! of the analytic values. The full engine runs each case (answer at once, no
//! wrap-up, no RONA), with a one-hour warm-up left out; the figures are printed
//! with `--nocapture`. Where waits are rare (ASA well under a second, or M/M/c
//! close to saturation) the ASA's own 95% confidence interval over the
//! replications is wider than 5% in any horizon a CI run affords; there the
//! analytic ASA must lie within that interval instead.
//!
//! The horizons are long enough for the check not to hang on the one seed
//! used here: each case was run with the CLI on seeds 1 to 8 (`switchboard
//! plan --warm-up 3600 --seed N --days D --replications R ...`, the same model
//! and seeds). Every service level and abandonment held on every seed; of the
//! 192 ASA checks, one missed (seed 4, Erlang C at 880 agents: 0.42 s against
//! 0.45 s, its interval 0.03 s), as a 95% interval does now and then where
//! few calls wait (7% there). The queues nearest saturation converge
//! slowly (M/M/c at 95% to 98% occupancy): on the horizons used before (12
//! days of 1000/h, 1.5 days of 10000/h, two replications), five and six seeds
//! in eight missed by up to 6 points of service level.

use switchboard_sim::plan::{self, Arrivals, Dist, Model, Staffing};

struct Case {
    per_hour: f64,
    aht: f64,
    patience: Option<f64>,
    agents: Vec<u32>,
    days: f64,
    replications: u32,
}

fn check(case: &Case) -> Vec<String> {
    let m = Model {
        arrivals: Arrivals::Constant {
            per_hour: case.per_hour,
        },
        handle: Dist::Exponential { mean: case.aht },
        patience: case.patience.map(|p| Dist::Exponential { mean: p }),
        wrap_up_s: 0.0,
        callback: None,
        no_answer: 0.0,
        threshold_s: 20.0,
        staffing: Staffing::List(case.agents.clone()),
        horizon_s: (case.days * 86400.0) as u64,
        warm_up_s: 3600,
        replications: case.replications,
        seed: 7,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
    };
    let r = plan::run(&m, None, &|| {}).expect("the plan runs");
    let mut bad = Vec::new();
    for l in &r.levels {
        let a = l.analytic.expect("an analytic reference");
        let o = &l.overall;
        let (sl, ab, asa) = (o.service_level.mean, o.abandonment.mean, o.asa.mean);
        println!(
            "{:>6}/h aht {:>3} {:>9} c={:<4} SL {:6.2}% (analytic {:6.2}%)  abandoned {:5.2}% ({:5.2}%)  ASA {:7.3} s ({:7.3} s)",
            case.per_hour,
            case.aht,
            if case.patience.is_some() {
                "Erlang A"
            } else {
                "Erlang C"
            },
            l.agents,
            sl * 100.0,
            a.service_level * 100.0,
            ab * 100.0,
            a.abandonment * 100.0,
            asa,
            a.asa
        );
        if (sl - a.service_level).abs() > 0.01 {
            bad.push(format!(
                "c={}: SL {:.2}% vs {:.2}%",
                l.agents,
                sl * 100.0,
                a.service_level * 100.0
            ));
        }
        if (ab - a.abandonment).abs() > 0.01 {
            bad.push(format!(
                "c={}: abandonment {:.2}% vs {:.2}%",
                l.agents,
                ab * 100.0,
                a.abandonment * 100.0
            ));
        }
        // ASA within 5%; where waits are rare (high staffing) the estimate's own
        // 95% confidence interval is wider than that in any horizon CI can
        // afford, and the check is that the analytic value lies within it.
        let tolerance = (0.05 * a.asa).max(o.asa.half_width);
        if (asa - a.asa).abs() > tolerance {
            bad.push(format!(
                "c={}: ASA {asa:.3} s vs {:.3} s (tolerance {tolerance:.3} s)",
                l.agents, a.asa
            ));
        }
    }
    bad
}

#[test]
fn erlang_a_reference_cases() {
    let cases = [
        Case {
            per_hour: 100.0,
            aht: 180.0,
            patience: Some(120.0),
            agents: vec![6, 7, 8],
            days: 120.0,
            replications: 2,
        },
        Case {
            per_hour: 1000.0,
            aht: 240.0,
            patience: Some(120.0),
            agents: (70..=75).collect(),
            days: 24.0,
            replications: 4,
        },
        Case {
            per_hour: 10000.0,
            aht: 300.0,
            patience: Some(120.0),
            agents: vec![850, 865, 880],
            days: 6.0,
            replications: 4,
        },
    ];
    let bad: Vec<String> = cases.iter().flat_map(check).collect();
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn erlang_c_reference_cases() {
    let cases = [
        Case {
            per_hour: 100.0,
            aht: 180.0,
            patience: None,
            agents: vec![6, 7, 8],
            days: 240.0,
            replications: 4,
        },
        Case {
            per_hour: 1000.0,
            aht: 240.0,
            patience: None,
            agents: (70..=75).collect(),
            days: 50.0,
            replications: 8,
        },
        Case {
            per_hour: 10000.0,
            aht: 300.0,
            patience: None,
            agents: vec![850, 865, 880],
            days: 50.0,
            replications: 8,
        },
    ];
    let bad: Vec<String> = cases.iter().flat_map(check).collect();
    assert!(bad.is_empty(), "{bad:#?}");
}
