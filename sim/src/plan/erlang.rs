//! The analytic references of capacity planning: Erlang C (M/M/c) and
//! Erlang A (M/M/c+M), in plain `f64`.
//!
//! Notation: arrivals Poisson with rate λ (per second), service exponential
//! with rate μ = 1/AHT, patience exponential with rate θ = 1/patience, `c`
//! agents, offered load a = λ/μ (Erlangs), threshold `t` (seconds). The
//! figures are those of [`Analytic`]: service level = answered within `t` /
//! offered (an abandoned call is a miss), service level among answered,
//! ASA = mean wait of the answered calls, abandonment = P(abandon), occupancy
//! = carried load / agents = λ·(1 − P(abandon))·AHT / c.
//!
//! # Erlang B, the common building block
//!
//! B(c, a) = (aᶜ/c!) / Σ_{n≤c} aⁿ/n!, computed by the classic recursion
//! B(0) = 1, B(n) = a·B(n−1) / (n + a·B(n−1)): every step is a convex
//! combination, so it neither overflows nor loses precision for thousands of
//! agents and loads of thousands of Erlangs (no factorials, no powers).
//!
//! # Erlang C (Erlang 1917; e.g. Kleinrock, *Queueing Systems* I, §3.5)
//!
//! Stable iff a < c. The probability of waiting is
//! C(c, a) = c·B / (c − a·(1 − B)); the wait is 0 with probability 1 − C and
//! otherwise exponential with rate cμ − λ, so
//! P(W ≤ t) = 1 − C·e^{−(cμ−λ)t} and ASA = C / (cμ − λ). Nobody abandons:
//! both service levels coincide and occupancy = a/c.
//!
//! # Erlang A (Palm 1943; Garnett, Mandelbaum & Reiman 2002, "Designing a call
//! center with impatient customers"; Mandelbaum & Zeltyn, "The M/M/n+G queue:
//! summary of performance measures")
//!
//! The number in system is a birth–death chain with birth rate λ and death
//! rate min(n, c)·μ + max(n − c, 0)·θ, always stable. Its stationary law is
//! πₙ ∝ aⁿ/n! for n ≤ c and π_{c+k} = π_c·q_k with
//! q_k = Π_{j=1..k} λ/(cμ + jθ). The mass below `c` comes from Erlang B,
//! Σ_{n<c} πₙ / π_c = 1/B − 1; the queue part is summed in log space, scaled by
//! its peak (at k ≈ (λ − cμ)/θ) and truncated past the peak once terms fall
//! below e^{−40} ≈ 4·10⁻¹⁸ of it.
//!
//! An arrival (PASTA) finding k ≥ 0 waiting ahead, all agents busy, reaches an
//! agent (FCFS) after stages j = k, …, 0 that end at rate cμ + jθ (a service or
//! an abandonment ahead), while its own patience runs out at rate θ. So it is
//! served with probability Π_{j=0..k} (cμ + jθ)/(cμ + (j+1)θ), which telescopes
//! to P_k = cμ / (cμ + (k+1)θ); given it is served, its stages last
//! independent Exp(cμ + (j+1)θ) times (competing exponentials), hence
//! E[W·1{served} | k] = P_k·Σ_{j=0..k} 1/(cμ + (j+1)θ) and
//! P(served, W ≤ t | k) = P_k·P(T_k ≤ t), T_k a sum of exponentials of rates
//! θ(α + i), i = 1..k+1, α = cμ/θ.
//!
//! The textbook alternating sum for that hypoexponential CDF cancels
//! catastrophically (rates only θ apart). Instead: substituting u = e^{−θs} in
//! its Laplace transform shows e^{−θT_k} ~ Beta(α + 1, k + 1), so
//! P(T_k ≤ t) = 1 − I_x(α + 1, k + 1) with x = e^{−θt} (the regularized
//! incomplete beta; this is the incomplete-gamma/beta form of Mandelbaum &
//! Zeltyn), and for an integer second argument I_x(α + 1, k + 1) = P(N ≤ k)
//! for N negative binomial with pmf g_j = Γ(α+1+j)/(Γ(α+1)·j!)·x^{α+1}(1−x)^j.
//! Those terms are all positive; they are accumulated in log space
//! (ln g_0 = −(cμ + θ)t, ln g_j = ln g_{j−1} + ln(1 + α/j) + ln(1 − x)), one
//! more per k, so every k costs O(1) and nothing under- or overflows.

use super::Analytic;

/// Past its peak, the queue-length distribution is cut where its terms fall
/// below e^{-TAIL} of the peak.
const TAIL: f64 = 40.0;

/// The most queue states Erlang A sums, which bounds its time (≈ 0.1 s at
/// worst unoptimized). Reached only when the arrival rate × the patience is
/// in the millions (e.g. 100 calls/s with 5-hour patience), or with a
/// patience of years at a load within 2·10⁻⁵ of the agents: then `None`.
const MAX_QUEUE: u64 = 2_000_000;

/// Erlang C (M/M/c): Poisson arrivals `rate` per second, exponential service
/// with mean `aht` seconds, `agents` servers, infinite patience; service level
/// threshold `threshold` seconds.
///
/// `None` when unstable (offered load `rate · aht` ≥ `agents`) or on invalid
/// input (NaN, negative or infinite rate, non-positive or infinite handle time,
/// zero agents, NaN or negative threshold). An infinite threshold is allowed.
pub fn erlang_c(rate: f64, aht: f64, agents: u32, threshold: f64) -> Option<Analytic> {
    if !valid(rate, aht, agents, threshold) {
        return None;
    }
    let c = f64::from(agents);
    let load = rate * aht;
    if load.is_nan() || load >= c {
        return None;
    }
    let b = erlang_b(agents, load);
    let p_wait = c * b / (c - load * (1.0 - b));
    // cμ − λ = (c − a)/AHT, without forming μ (which overflows for tiny AHT).
    let gap = (c - load) / aht;
    let service_level = if threshold.is_infinite() {
        1.0
    } else {
        1.0 - p_wait * (-gap * threshold).exp()
    };
    Some(Analytic {
        model: "erlang_c",
        service_level,
        service_level_among_answered: service_level,
        asa: p_wait / gap,
        abandonment: 0.0,
        occupancy: load / c,
    })
}

/// Erlang A (M/M/c+M): as [`erlang_c`] plus exponential patience with mean
/// `patience` seconds (a caller abandons while waiting).
///
/// Always stable. `None` on invalid input (as for [`erlang_c`], plus a NaN,
/// non-positive or infinite patience), or in the degenerate case where the
/// queue-length distribution would need more than 2·10⁶ states: arrival rate ×
/// patience in the millions, or a patience of years at a load within 2·10⁻⁵
/// of the agents (see `MAX_QUEUE`; use [`erlang_c`] then).
pub fn erlang_a(
    rate: f64,
    aht: f64,
    patience: f64,
    agents: u32,
    threshold: f64,
) -> Option<Analytic> {
    if !(valid(rate, aht, agents, threshold) && patience > 0.0 && patience.is_finite()) {
        return None;
    }
    let c = f64::from(agents);
    let load = rate * aht;
    let c_mu = c / aht;
    let theta = 1.0 / patience;
    if !(load.is_finite() && c_mu.is_finite() && theta.is_finite()) {
        return None;
    }
    let b = erlang_b(agents, load);

    // The peak of q_k: the ratios λ/(cμ + jθ) are ≥ 1 up to j = (λ − cμ)/θ.
    let peak = if rate > c_mu {
        ((rate - c_mu) / theta).floor()
    } else {
        0.0
    };
    if peak >= MAX_QUEUE as f64 {
        return None;
    }
    let peak = peak as u64;
    let mut ln_peak = 0.0;
    for j in 1..=peak {
        ln_peak += (rate / (c_mu + j as f64 * theta)).ln();
    }

    // The waiting-time distribution's negative binomial (see the module doc).
    let alpha = c_mu / theta;
    let ln_one_minus_x = (-(-theta * threshold).exp_m1()).ln();
    let ln_g0 = -(c_mu + theta) * threshold;

    // Sums over the queue states k, each term weighted by q_k / q_peak.
    let mut mass = 0.0; // Σ w_k
    let mut served = 0.0; // Σ w_k P_k
    let mut abandoned = 0.0; // Σ w_k (1 − P_k)
    let mut within = 0.0; // Σ w_k P_k P(T_k ≤ t)
    let mut waited = 0.0; // Σ w_k E[W·1{served} | k]
    let mut ln_q = 0.0;
    let mut stage_means = 0.0; // Σ_{j ≤ k} 1/(cμ + (j+1)θ)
    let mut ln_g = ln_g0;
    let mut ln_cdf = f64::NEG_INFINITY; // ln P(N ≤ k)
    let mut k: u64 = 0;
    loop {
        let kf = k as f64;
        let rate_out = c_mu + (kf + 1.0) * theta;
        let p_served = c_mu / rate_out;
        let p_abandon = (kf + 1.0) * theta / rate_out;
        stage_means += 1.0 / rate_out;
        if k > 0 {
            ln_g += (alpha / kf).ln_1p() + ln_one_minus_x;
        }
        ln_cdf = log_add_exp(ln_cdf, ln_g);
        let p_within = if threshold.is_infinite() {
            1.0
        } else {
            (-ln_cdf.exp_m1()).max(0.0) // ln_cdf may round above 0
        };
        let w = (ln_q - ln_peak).exp();
        mass += w;
        served += w * p_served;
        abandoned += w * p_abandon;
        within += w * p_served * p_within;
        waited += w * p_served * stage_means;
        if k >= peak && ln_q - ln_peak < -TAIL {
            break;
        }
        k += 1;
        if k >= MAX_QUEUE {
            return None;
        }
        ln_q += (rate / (c_mu + k as f64 * theta)).ln();
    }

    // Weights of "an agent is free" (1/B − 1 times π_c) and of the queue
    // states, scaled so that the larger is 1: ln of their ratio, relative to
    // the queue's peak. B = 0 (underflow) gives +∞: nobody waits.
    let ln_free = (1.0 - b).ln() - b.ln() - ln_peak;
    let (free, queue) = if ln_free > 0.0 {
        (1.0, (-ln_free).exp())
    } else {
        (ln_free.exp(), 1.0)
    };
    let total = free + queue * mass;
    let answered = free + queue * served;
    let answered_within = free + queue * within;
    let abandonment = queue * abandoned / total;
    let asa = if answered > 0.0 {
        queue * waited / answered
    } else {
        0.0
    };
    let service_level_among_answered = if answered > 0.0 {
        answered_within / answered
    } else {
        0.0
    };
    Some(Analytic {
        model: "erlang_a",
        service_level: answered_within / total,
        service_level_among_answered,
        asa,
        abandonment,
        // Carried load ≤ c; clamp the last rounding.
        occupancy: (load * (1.0 - abandonment) / c).min(1.0),
    })
}

/// The inputs common to both models.
fn valid(rate: f64, aht: f64, agents: u32, threshold: f64) -> bool {
    agents > 0
        && rate >= 0.0
        && rate.is_finite()
        && aht > 0.0
        && aht.is_finite()
        && threshold >= 0.0
}

/// Erlang B blocking probability B(c, a), by the recursion
/// B(n) = a·B(n−1) / (n + a·B(n−1)).
fn erlang_b(agents: u32, load: f64) -> f64 {
    let mut b = 1.0;
    for n in 1..=agents {
        b = load * b / (f64::from(n) + load * b);
        if b == 0.0 {
            break;
        }
    }
    b
}

/// ln(eˣ + eʸ), exact for −∞ arguments.
fn log_add_exp(x: f64, y: f64) -> f64 {
    let (hi, lo) = if x >= y { (x, y) } else { (y, x) };
    if lo == f64::NEG_INFINITY {
        return hi;
    }
    hi + (lo - hi).exp().ln_1p()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: f64 = 3600.0;

    /// Agreement to `rel` relative (the references carry 7 significant
    /// digits, so 1e-6 is stricter than the 4 digits asked of the model).
    fn close(got: f64, want: f64, rel: f64, what: &str) {
        assert!(
            (got - want).abs() <= rel * want.abs(),
            "{what}: got {got}, want {want}"
        );
    }

    // Erlang C references: exact rational arithmetic with Python's fractions
    // for C(c, a) and ASA = C/(cμ − λ), the classic factorial form (no
    // recursion), then SL = 1 − C·exp(−(cμ − λ)·20) in float:
    //
    //     # Erlang C reference: exact rational arithmetic (fractions) for C(c,a) and ASA,
    //     # classic formula C = (a^c/c! * c/(c-a)) / (sum_{n<c} a^n/n! + a^c/c! * c/(c-a)).
    //     from fractions import Fraction as F
    //     from math import exp
    //     T = 20
    //     cases = [(100, 180, [6, 7, 8]), (1000, 240, [70, 71, 72, 73, 74, 75]), (10000, 300, [850, 865, 880])]
    //     for per_hour, aht, cs in cases:
    //         lam = F(per_hour, 3600); a = lam * aht
    //         for c in cs:
    //             term, s = F(1), F(0)
    //             for n in range(c):
    //                 s += term; term = term * a / (n + 1)      # term = a^n/n!
    //             top = term * c / (c - a)                       # a^c/c! * c/(c-a)
    //             C = top / (s + top)
    //             gap = F(c, aht) - lam                          # c*mu - lambda
    //             sl = 1 - float(C) * exp(-float(gap) * T)
    //             asa = C / gap
    //             print(f"C {per_hour} {aht} {c} sl={sl:.10f} asa={float(asa):.10f} occ={float(a/c):.10f} pwait={float(C):.10f}")
    //
    // Columns: calls/h, AHT s, agents, SL (= SL among answered), ASA s, occupancy.
    const ERLANG_C: [(f64, f64, u32, f64, f64, f64); 12] = [
        (100.0, 180.0, 6, 0.4742672, 105.7530, 0.8333333),
        (100.0, 180.0, 7, 0.7404410, 29.17350, 0.7142857),
        (100.0, 180.0, 8, 0.8801483, 10.03599, 0.6250000),
        (1000.0, 240.0, 70, 0.5536939, 42.42312, 0.9523810),
        (1000.0, 240.0, 71, 0.6544280, 27.46352, 0.9389671),
        (1000.0, 240.0, 72, 0.7342377, 18.65201, 0.9259259),
        (1000.0, 240.0, 73, 0.7970480, 13.03717, 0.9132420),
        (1000.0, 240.0, 74, 0.8461363, 9.277866, 0.9009009),
        (1000.0, 240.0, 75, 0.8842228, 6.677422, 0.8888889),
        (10000.0, 300.0, 850, 0.8508293, 8.156528, 0.9803922),
        (10000.0, 300.0, 865, 0.9767261, 1.820671, 0.9633911),
        (10000.0, 300.0, 880, 0.9969128, 0.4454708, 0.9469697),
    ];

    // Erlang A references (patience exponential, mean 120 s; threshold 20 s):
    // mpmath at 600 digits (identical to 10 digits at 350), by a method
    // independent of the one above — explicit product-form stationary law and
    // the alternating partial-fraction hypoexponential density — with
    // P(abandon) checked against θ·E[queue]/λ (agree to 10 digits):
    //
    //     # Erlang A reference, independent of the Rust method: mpmath at high precision,
    //     # stationary law from the explicit product form a^n/n! (n<=c) and
    //     # pi_c * prod lam/(c mu + j theta); per queue position k, the hypoexponential
    //     # density of the time-to-agent T_k (untilted rates r_i = c mu + i theta, i=0..k)
    //     # by the textbook alternating partial-fraction sum f(s) = sum_i A_i r_i e^{-r_i s},
    //     # A_i = prod_{j!=i} r_j/(r_j - r_i) (exact at 600 digits), integrated in closed
    //     # form against the caller's own survival e^{-theta s}:
    //     #   P(served, W<=t|k) = sum A_i r_i/(r_i+th) (1-e^{-(r_i+th)t}),
    //     #   P(served|k) = sum A_i r_i/(r_i+th), E[W 1{served}|k] = sum A_i r_i/(r_i+th)^2.
    //     # Check: P(ab) must equal theta E[Q] / lambda (Little's law on the abandoners).
    //     import sys
    //     from mpmath import mp, mpf, exp, fsum
    //     mp.dps = int(sys.argv[1]) if len(sys.argv) > 1 else 600
    //     T = mpf(20); th = mpf(1) / 120
    //     cases = [(100, 180, [6, 7, 8]), (1000, 240, [70, 71, 72, 73, 74, 75]), (10000, 300, [850, 865, 880])]
    //     for per_hour, aht, cs in cases:
    //         lam = mpf(per_hour) / 3600; mu = mpf(1) / aht; a = lam / mu
    //         for c in cs:
    //             u = [mpf(1)]
    //             for n in range(1, c + 1): u.append(u[-1] * a / n)
    //             q = [u[c]]
    //             while True:
    //                 k = len(q)
    //                 q.append(q[-1] * lam / (c * mu + k * th))
    //                 if q[-1] < q[0] * mpf(10) ** -30 and q[-1] < q[-2]: break
    //             Z = fsum(u[:c]) + fsum(q)
    //             free = fsum(u[:c]) / Z
    //             sl, srv, wt = free, free, mpf(0)
    //             r = []; A = []
    //             for k in range(len(q)):
    //                 rk = c * mu + k * th
    //                 A = [Ai * rk / (rk - ri) for Ai, ri in zip(A, r)]
    //                 Ak = mpf(1)
    //                 for rj in r: Ak *= rj / (rj - rk)
    //                 r.append(rk); A.append(Ak)
    //                 p = q[k] / Z
    //                 sl += p * fsum(Ai * ri / (ri + th) * (1 - exp(-(ri + th) * T)) for Ai, ri in zip(A, r))
    //                 srv += p * fsum(Ai * ri / (ri + th) for Ai, ri in zip(A, r))
    //                 wt += p * fsum(Ai * ri / (ri + th) ** 2 for Ai, ri in zip(A, r))
    //             ab = 1 - srv
    //             little = th * fsum(k * qk for k, qk in enumerate(q)) / Z / lam
    //             print(f"A {per_hour} {aht} {c} sl={float(sl):.10f} sla={float(sl/srv):.10f} asa={float(wt/srv):.10f} "
    //                   f"ab={float(ab):.10f} occ={float(a*srv/c):.10f} little_ab={float(little):.10f} K={len(q)}")
    //
    // Columns: calls/h, AHT s, agents, [SL, SL among answered, ASA s,
    // abandonment, occupancy].
    const ERLANG_A: [(f64, f64, u32, [f64; 5]); 12] = [
        (
            100.0,
            180.0,
            6,
            [0.7319651, 0.8245967, 10.84642, 0.1123356, 0.7397204],
        ),
        (
            100.0,
            180.0,
            7,
            [0.8456636, 0.9000141, 5.788955, 0.06038848, 0.6711511],
        ),
        (
            100.0,
            180.0,
            8,
            [0.9196451, 0.9479518, 2.880097, 0.02986088, 0.6063369],
        ),
        (
            1000.0,
            240.0,
            70,
            [0.8962020, 0.9286592, 3.922568, 0.03495056, 0.9190947],
        ),
        (
            1000.0,
            240.0,
            71,
            [0.9134179, 0.9413183, 3.319134, 0.02963973, 0.9111364],
        ),
        (
            1000.0,
            240.0,
            72,
            [0.9284630, 0.9521943, 2.786086, 0.02492282, 0.9028492],
        ),
        (
            1000.0,
            240.0,
            73,
            [0.9414646, 0.9614371, 2.319295, 0.02077358, 0.8942707],
        ),
        (
            1000.0,
            240.0,
            74,
            [0.9525735, 0.9692049, 1.914222, 0.01715991, 0.8854415],
        ),
        (
            1000.0,
            240.0,
            75,
            [0.9619564, 0.9756594, 1.566017, 0.01404482, 0.8764046],
        ),
        (
            10000.0,
            300.0,
            850,
            [0.9914730, 0.9997620, 0.9728879, 0.008290965, 0.9722638],
        ),
        (
            10000.0,
            300.0,
            865,
            [0.9962952, 0.9999501, 0.4282745, 0.003655037, 0.9598699],
        ),
        (
            10000.0,
            300.0,
            880,
            [0.9986647, 0.9999916, 0.1555443, 0.001326902, 0.9457132],
        ),
    ];

    #[test]
    fn erlang_c_matches_exact_references() {
        for (per_hour, aht, agents, sl, asa, occupancy) in ERLANG_C {
            let what = format!("{per_hour}/h AHT {aht} c={agents}");
            let got = erlang_c(per_hour / HOUR, aht, agents, 20.0).unwrap();
            assert_eq!(got.model, "erlang_c");
            close(got.service_level, sl, 1e-6, &format!("{what} SL"));
            close(
                got.service_level_among_answered,
                sl,
                1e-6,
                &format!("{what} SLa"),
            );
            close(got.asa, asa, 1e-6, &format!("{what} ASA"));
            close(got.occupancy, occupancy, 1e-6, &format!("{what} occupancy"));
            assert_eq!(got.abandonment, 0.0);
        }
    }

    #[test]
    fn erlang_a_matches_independent_references() {
        for (per_hour, aht, agents, want) in ERLANG_A {
            let what = format!("{per_hour}/h AHT {aht} c={agents}");
            let got = erlang_a(per_hour / HOUR, aht, 120.0, agents, 20.0).unwrap();
            assert_eq!(got.model, "erlang_a");
            let got5 = [
                got.service_level,
                got.service_level_among_answered,
                got.asa,
                got.abandonment,
                got.occupancy,
            ];
            for (i, name) in ["SL", "SLa", "ASA", "abandonment", "occupancy"]
                .iter()
                .enumerate()
            {
                close(got5[i], want[i], 1e-6, &format!("{what} {name}"));
            }
        }
    }

    #[test]
    fn erlang_a_overloaded_matches_independent_references() {
        // The script above with `cases = [(1000, 240, [50, 60]),
        // (10000, 300, [700])]` and T = 20 or 60 (400 and 600 digits agree).
        // Columns: calls/h, AHT s, agents, threshold s, [SL, SLa, ASA, abandonment, occupancy].
        let cases: [(f64, f64, u32, f64, [f64; 5]); 6] = [
            (
                1000.0,
                240.0,
                50,
                20.0,
                [0.2350946, 0.3147059, 32.84772, 0.2529706, 0.9960392],
            ),
            (
                1000.0,
                240.0,
                60,
                20.0,
                [0.6036024, 0.6871422, 14.36389, 0.1215757, 0.9760270],
            ),
            (
                10000.0,
                300.0,
                700,
                20.0,
                [0.3902293, 0.4645638, 20.70997, 0.1600091, 0.9999891],
            ),
            (
                1000.0,
                240.0,
                50,
                60.0,
                [0.6560237, 0.8781766, 32.84772, 0.2529706, 0.9960392],
            ),
            (
                1000.0,
                240.0,
                60,
                60.0,
                [0.8653842, 0.9851551, 14.36389, 0.1215757, 0.9760270],
            ),
            (
                10000.0,
                300.0,
                700,
                60.0,
                [0.8399908, 0.9999999, 20.70997, 0.1600091, 0.9999891],
            ),
        ];
        for (per_hour, aht, agents, threshold, want) in cases {
            let what = format!("{per_hour}/h AHT {aht} c={agents} t={threshold}");
            let got = erlang_a(per_hour / HOUR, aht, 120.0, agents, threshold).unwrap();
            let got5 = [
                got.service_level,
                got.service_level_among_answered,
                got.asa,
                got.abandonment,
                got.occupancy,
            ];
            for (i, name) in ["SL", "SLa", "ASA", "abandonment", "occupancy"]
                .iter()
                .enumerate()
            {
                close(got5[i], want[i], 1e-6, &format!("{what} {name}"));
            }
        }
    }

    #[test]
    fn erlang_a_with_huge_patience_approaches_erlang_c() {
        for (per_hour, aht, agents, ..) in ERLANG_C {
            let c = erlang_c(per_hour / HOUR, aht, agents, 20.0).unwrap();
            let a = erlang_a(per_hour / HOUR, aht, 1e9, agents, 20.0).unwrap();
            close(a.service_level, c.service_level, 1e-5, "SL");
            close(a.service_level_among_answered, c.service_level, 1e-5, "SLa");
            close(a.asa, c.asa, 1e-5, "ASA");
            close(a.occupancy, c.occupancy, 1e-5, "occupancy");
            assert!(a.abandonment < 1e-6, "{}", a.abandonment);
        }
    }

    #[test]
    fn service_level_rises_to_one_with_agents() {
        let (rate, aht) = (10_000.0 / HOUR, 300.0);
        let mut last = (0.0, 0.0);
        for agents in (840..=2000).step_by(10) {
            let c = erlang_c(rate, aht, agents, 20.0).unwrap();
            let a = erlang_a(rate, aht, 120.0, agents, 20.0).unwrap();
            assert!(c.service_level >= last.0 && a.service_level >= last.1);
            // Abandonment only shortens the queue ahead of an answered call (but
            // counts as a miss in the SL, which may then fall below Erlang C's).
            assert!(a.service_level_among_answered >= c.service_level - 1e-14);
            last = (c.service_level, a.service_level);
        }
        assert!(1.0 - last.0 < 1e-12 && 1.0 - last.1 < 1e-12, "{last:?}");
        // Far past the load nobody waits (Erlang B underflows to 0).
        let a = erlang_a(rate, aht, 120.0, 100_000, 20.0).unwrap();
        assert_eq!((a.service_level, a.asa, a.abandonment), (1.0, 0.0, 0.0));
    }

    #[test]
    fn large_systems_and_overload_stay_finite() {
        // Up to 2000 agents and 1000 Erlangs offered, stable or not.
        for agents in [1, 10, 500, 999, 1000, 1001, 1100, 2000] {
            for load in [0.5, 100.0, 999.0, 1000.0] {
                let aht = 240.0;
                let rate = load / aht;
                let a = erlang_a(rate, aht, 120.0, agents, 20.0).unwrap();
                for x in [
                    a.service_level,
                    a.service_level_among_answered,
                    a.abandonment,
                    a.occupancy,
                ] {
                    assert!((0.0..=1.0).contains(&x), "{agents} {load}: {a:?}");
                }
                assert!(a.asa.is_finite() && a.asa >= 0.0, "{a:?}");
                assert!(a.service_level <= a.service_level_among_answered);
                if let Some(c) = erlang_c(rate, aht, agents, 20.0) {
                    assert!((0.0..=1.0).contains(&c.service_level), "{c:?}");
                    assert!(c.asa.is_finite() && c.asa >= 0.0, "{c:?}");
                } else {
                    assert!(load >= f64::from(agents));
                }
            }
        }
        // Heavy overload: the agents are saturated, the excess abandons.
        let a = erlang_a(1000.0 / 240.0 * 10.0, 240.0, 120.0, 1000, 20.0).unwrap();
        close(a.occupancy, 1.0, 1e-3, "overload occupancy");
        close(a.abandonment, 0.9, 1e-3, "overload abandonment");
    }

    #[test]
    fn thresholds_and_empty_traffic() {
        let (rate, aht) = (1000.0 / HOUR, 240.0);
        // Threshold 0: SL = P(no wait); infinite: every answered call counts.
        let c0 = erlang_c(rate, aht, 72, 0.0).unwrap();
        close(1.0 - c0.service_level, 0.4144891933, 1e-9, "C(72, 66.67)");
        let cinf = erlang_c(rate, aht, 72, f64::INFINITY).unwrap();
        assert_eq!(cinf.service_level, 1.0);
        let a0 = erlang_a(rate, aht, 120.0, 72, 0.0).unwrap();
        let a20 = erlang_a(rate, aht, 120.0, 72, 20.0).unwrap();
        assert!(c0.service_level < a0.service_level && a0.service_level < a20.service_level);
        let ainf = erlang_a(rate, aht, 120.0, 72, f64::INFINITY).unwrap();
        close(ainf.service_level, 1.0 - ainf.abandonment, 1e-12, "SL at ∞");
        assert_eq!(ainf.service_level_among_answered, 1.0);
        // No calls: everything answered at once, idle agents.
        for got in [
            erlang_c(0.0, aht, 5, 20.0),
            erlang_a(0.0, aht, 60.0, 5, 20.0),
        ] {
            let got = got.unwrap();
            assert_eq!(
                (got.service_level, got.asa, got.abandonment, got.occupancy),
                (1.0, 0.0, 0.0, 0.0)
            );
        }
        // Unstable Erlang C.
        assert_eq!(erlang_c(rate, aht, 66, 20.0), None);
        assert_eq!(
            erlang_c(rate, aht, 67, 20.0).map(|c| c.model),
            Some("erlang_c")
        );
    }

    #[test]
    fn invalid_input_gives_none() {
        let nan = f64::NAN;
        let inf = f64::INFINITY;
        let (r, h, p, t) = (0.3, 240.0, 120.0, 20.0);
        for (rate, aht, agents, threshold) in [
            (nan, h, 70, t),
            (r, nan, 70, t),
            (r, h, 70, nan),
            (r, h, 0, t),
            (-r, h, 70, t),
            (r, -h, 70, t),
            (r, 0.0, 70, t),
            (r, h, 70, -t),
            (inf, h, 70, t),
            (r, inf, 70, t),
            (-inf, h, 70, t),
        ] {
            assert_eq!(erlang_c(rate, aht, agents, threshold), None);
            assert_eq!(erlang_a(rate, aht, p, agents, threshold), None);
        }
        for patience in [nan, 0.0, -p, inf] {
            assert_eq!(erlang_a(r, h, patience, 70, t), None);
        }
        // Extremes that are valid must not panic.
        for (rate, aht, patience) in [
            (1e300, 1e-300, 1e-300),
            (1e-300, 1e300, 1e300),
            (f64::MAX, f64::MIN_POSITIVE, 1.0),
            (1.0, 1e-310, 1e-310),
        ] {
            for agents in [1, 2000, u32::MAX] {
                let _ = erlang_c(rate, aht, agents, t);
                let _ = erlang_a(rate, aht, patience, agents, t);
            }
        }
    }
}
