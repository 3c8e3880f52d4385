//! The in-band DTMF detector: finds the key tones of ITU-T Q.23 in 8 kHz
//! linear audio and reports each key press once.
//!
//! # How it listens
//!
//! The design follows spandsp and Asterisk's `dsp.c` (a Goertzel bank over
//! blocks of 102 samples, energy, twist and relative-peak checks, and a rule of
//! consecutive hits), with two additions that let it meet the frequency and
//! duration limits of Q.24 where those detectors are loose:
//!
//! - **Half blocks.** The audio is cut into half blocks of 51 samples
//!   (6.375 ms). For each of the 8 tones (697, 770, 852, 941 Hz; 1209, 1336,
//!   1477, 1633 Hz) and each half block the detector keeps two single-bin DFT
//!   sums (one plain, one weighted by the rising half of a Hann window) and the
//!   half block's energy. Two neighbouring half blocks make one 102-sample block
//!   in both its rectangular and its Hann-windowed form, for the price of one.
//! - **One decision per half block**, over the last three half blocks (153
//!   samples, 19 ms): the two overlapping blocks A (halves 1-2) and B (halves
//!   2-3).
//!
//! A decision is a *hit* for the key (row, column) when all of these hold:
//!
//! 1. **Best tones**: the row and column tones with the most energy in the
//!    rectangular blocks A and B.
//! 2. **Relative peak**: every other tone of the same group is at least 8 dB
//!    weaker (as spandsp's `DTMF_RELATIVE_PEAK_ROW/COL`).
//! 3. **Level**: each tone, measured in the Hann blocks, is at least
//!    -35 dBm0 (see *Levels* below). Q.24 asks operation down to -25 dBm0 per
//!    tone; 10 dB of margin covers line loss and G.711.
//! 4. **Twist**: the row tone at most 9 dB above the column tone ("normal"
//!    twist) and the column tone at most 5 dB above the row tone ("reverse"
//!    twist). spandsp and Asterisk put their limits right at the 8 dB and 4 dB
//!    that a detector must accept (power ratios 6.3 and 2.5, which is 3.98 dB:
//!    a 4 dB reverse twist fails there); the limits here sit halfway between
//!    the figures that must pass (8/4 dB) and those that are well beyond them
//!    (10/6 dB), so measurement error does not decide.
//! 5. **Frequency**: each tone within ±2.5% of its nominal frequency (Q.24:
//!    accept ±1.5%, reject ±3.5%). The Goertzel magnitude alone cannot tell
//!    1.5% from 3.5% in 12.75 ms (a 3.5% error costs only 1-3 dB), so the
//!    detector measures the frequency: the phase turned by a tone's Hann block
//!    between A and B (51 samples apart) gives its offset from nominal to about
//!    1 Hz at 15 dB SNR; the Hann window keeps the other group's tone out of
//!    that phase.
//! 6. **Not a voice**: the measured column/row frequency ratio is not within
//!    0.4% of 2:1, 3:2, 4:3, 5:3 or 5:2. Talk-off comes from a high voice whose
//!    2nd and 3rd (or 3rd and 4th...) harmonics fall on a row and a column:
//!    then the ratio is exact. The DTMF frequencies were chosen so that no
//!    key's ratio is within 3.6% of these, so tones within ±1.5% (3% at most
//!    in the ratio) stay 0.7% away.
//! 7. **Purity**: the two tones hold at least 80% of the energy of the 153
//!    samples (Asterisk's `DTMF_TO_TOTAL_ENERGY` asks about the same of one
//!    block). This rejects most speech and noise; a second-harmonic check,
//!    which spandsp dropped, is not used.
//! 8. **Presence**: each of the three half blocks holds at least 60% of the
//!    energy the two tones would put in it, so the tones fill (nearly) all
//!    153 samples. This is what makes short bursts fail.
//!
//! # When a key is pressed
//!
//! Three consecutive hits of the same key (19 ms of analysis, stepped by
//! 6.375 ms) whose tones stay within 8 Hz of their frequencies at the first of
//! them (a key's tones are steady; a voice glides) make a key-down, reported
//! once through `on_digit`. The key stays down until five consecutive
//! decisions are not hits of it (or another key makes its three hits), so a
//! held key is one press and a dropout of a decision or two (noise, a 10 ms
//! interruption) does not split it. With the presence check, a tone lasting
//! 40 ms gives at least 3 hits at any alignment and one of 23 ms at most 2,
//! so 40 ms tones are detected and 23 ms tones are not (measured: every tone of
//! 35 ms or more is heard, none of 25 ms or less); a gap of 40 ms between two
//! tones gives at least 8 non-hits, so two presses of the same key separated
//! by it are two presses.
//!
//! # Levels
//!
//! dBm0 follows G.711: a full-scale sine (amplitude 32768) is +3.14 dBm0, so a
//! 0 dBm0 sine has an amplitude of 32768 × 10^(-3.14/20) ≈ 22 828. Two tones
//! of 0 dBm0 each exceed 16-bit full scale at their peaks; they are still
//! detected when clipped.
//!
//! # Signal-to-noise ratio
//!
//! "15 dB SNR" in the tests means the total power of the two tones over the
//! power of white Gaussian noise over the whole 0-4 kHz band.
//!
//! The detector works on `f32`, allocates nothing, and its tables (sines,
//! cosines, window) are computed at compile time with plain IEEE arithmetic,
//! so its results are the same on every machine.

use crate::dtmf::Digit;

/// The row (low group) and column (high group) frequencies of a key, in Hz
/// (ITU-T Q.23), for whoever has to make the tone.
pub fn frequencies(digit: Digit) -> (f64, f64) {
    let key = digit.as_char();
    for (r, row) in KEYS.iter().enumerate() {
        for (c, k) in row.iter().enumerate() {
            if *k == key {
                return (TONES_HZ[r], TONES_HZ[4 + c]);
            }
        }
    }
    // Every digit is on the keypad; keep the last key rather than panic.
    (TONES_HZ[3], TONES_HZ[7])
}

/// Samples in a half block.
const HALF: usize = 51;
/// The tones: rows (low group) then columns (high group), in Hz.
const TONES_HZ: [f64; 8] = [697.0, 770.0, 852.0, 941.0, 1209.0, 1336.0, 1477.0, 1633.0];
/// The keys by row and column.
const KEYS: [[char; 4]; 4] = [
    ['1', '2', '3', 'A'],
    ['4', '5', '6', 'B'],
    ['7', '8', '9', 'C'],
    ['*', '0', '#', 'D'],
];

/// The amplitude of a 0 dBm0 sine (G.711: full scale is +3.14 dBm0).
pub const DBM0_AMPLITUDE: f32 = 22_828.0;
/// The weakest tone accepted, in dBm0.
const MIN_LEVEL_DBM0: f32 = -35.0;
/// Row power over column power, at most (9 dB).
const NORMAL_TWIST: f32 = 7.943;
/// Column power over row power, at most (5 dB).
const REVERSE_TWIST: f32 = 3.162;
/// The best tone of a group over any other of its group, at least (8 dB).
const RELATIVE_PEAK: f32 = 6.31;
/// Largest accepted frequency error, as a fraction of the nominal frequency.
const MAX_DEVIATION: f64 = 0.025;
/// Share of the energy the two tones must hold.
const PURITY: f32 = 0.8;
/// Share of its expected tone energy each half block must hold.
const PRESENCE: f32 = 0.6;
/// Hz per radian of phase turn per half block.
const HZ_PER_TURN: f64 = 8000.0 / (2.0 * core::f64::consts::PI * HALF as f64);
/// Largest change of a tone's frequency during a key-down's hits, in Hz.
const MAX_DRIFT_HZ: f64 = 8.0;
/// The same as a change of phase turn per half block, in radians.
const MAX_DRIFT: f32 = (MAX_DRIFT_HZ / HZ_PER_TURN) as f32;
/// Column over row frequency ratios of two low harmonics of one voice
/// (2:1, 3:2, 4:3, 5:3, 5:2): none is within 3.6% of a key's ratio, so no
/// pair of tones within ±1.5% of nominal (at most 3% off in ratio) comes within
/// 0.7% of one.
const HARMONIC_RATIOS: [f32; 5] = [2.0, 1.5, 4.0 / 3.0, 5.0 / 3.0, 2.5];
/// How close to a harmonic ratio the measured ratio is refused (0.4%).
const HARMONIC_WINDOW: f32 = 0.004;
/// Consecutive hits that make a key-down.
const HITS_TO_BEGIN: u8 = 3;
/// Consecutive decisions without the key that make its key-up.
const MISSES_TO_END: u8 = 5;

/// A complex number.
#[derive(Copy, Clone, Debug, Default, PartialEq)]
struct Cplx {
    re: f32,
    im: f32,
}

impl Cplx {
    fn add(self, o: Cplx) -> Cplx {
        Cplx {
            re: self.re + o.re,
            im: self.im + o.im,
        }
    }
    fn sub(self, o: Cplx) -> Cplx {
        Cplx {
            re: self.re - o.re,
            im: self.im - o.im,
        }
    }
    fn mul(self, o: Cplx) -> Cplx {
        Cplx {
            re: self.re * o.re - self.im * o.im,
            im: self.re * o.im + self.im * o.re,
        }
    }
    fn conj(self) -> Cplx {
        Cplx {
            re: self.re,
            im: -self.im,
        }
    }
    fn norm(self) -> f32 {
        self.re * self.re + self.im * self.im
    }
}

/// Sine and cosine by range reduction and Taylor series, in `const` so the
/// tables do not depend on the platform's math library.
const fn sin_cos(x: f64) -> (f64, f64) {
    const TAU: f64 = 2.0 * core::f64::consts::PI;
    let mut r = x - ((x / TAU) as i64) as f64 * TAU;
    if r > core::f64::consts::PI {
        r -= TAU;
    } else if r < -core::f64::consts::PI {
        r += TAU;
    }
    let (mut s, mut c) = (0.0, 0.0);
    let (mut ts, mut tc) = (r, 1.0);
    let mut k = 0;
    while k < 30 {
        s += ts;
        c += tc;
        let n = (2 * k + 2) as f64;
        ts = -ts * r * r / (n * (n + 1.0));
        tc = -tc * r * r / ((n - 1.0) * n);
        k += 1;
    }
    (s, c)
}

/// The angle of (x, y) in (-π, π], by a polynomial (error below 1e-5 rad)
/// rather than the platform's math library.
fn atan2(y: f32, x: f32) -> f32 {
    use core::f32::consts::{FRAC_PI_2, PI};
    let (ax, ay) = (x.abs(), y.abs());
    if ax == 0.0 && ay == 0.0 {
        return 0.0;
    }
    let (r, swap) = if ay > ax {
        (ax / ay, true)
    } else {
        (ay / ax, false)
    };
    let r2 = r * r;
    let mut a = r
        * (0.999_977_3
            + r2 * (-0.332_623_5
                + r2 * (0.193_543_5
                    + r2 * (-0.116_432_9 + r2 * (0.052_653_3 - r2 * 0.011_721_2)))));
    if swap {
        a = FRAC_PI_2 - a;
    }
    if x < 0.0 {
        a = PI - a;
    }
    if y < 0.0 { -a } else { a }
}

/// The detector's fixed tables.
struct Tables {
    /// `cos(ω n)` per tone, for n in a half block.
    cos: [[f32; HALF]; 8],
    /// `-sin(ω n)` per tone, for n in a half block.
    nsin: [[f32; HALF]; 8],
    /// The rising half of a periodic Hann window of 102 samples; the falling
    /// half is `1 - rise`.
    rise: [f32; HALF],
    /// `e^(-jω·51)` per tone: moves a half block's sums to the block's start.
    rot: [Cplx; 8],
    /// The largest accepted phase turn between blocks A and B, beyond the
    /// nominal one (radians).
    theta_max: [f32; 8],
}

impl Tables {
    const fn build() -> Tables {
        let mut t = Tables {
            cos: [[0.0; HALF]; 8],
            nsin: [[0.0; HALF]; 8],
            rise: [0.0; HALF],
            rot: [Cplx { re: 0.0, im: 0.0 }; 8],
            theta_max: [0.0; 8],
        };
        const TAU: f64 = 2.0 * core::f64::consts::PI;
        let mut n = 0;
        while n < HALF {
            let (_, c) = sin_cos(TAU * n as f64 / (2 * HALF) as f64);
            t.rise[n] = (0.5 - 0.5 * c) as f32;
            n += 1;
        }
        let mut k = 0;
        while k < 8 {
            let w = TAU * TONES_HZ[k] / 8000.0;
            let mut n = 0;
            while n < HALF {
                let (s, c) = sin_cos(w * n as f64);
                t.cos[k][n] = c as f32;
                t.nsin[k][n] = -s as f32;
                n += 1;
            }
            let (s, c) = sin_cos(w * HALF as f64);
            t.rot[k] = Cplx {
                re: c as f32,
                im: -s as f32,
            };
            t.theta_max[k] = (w * MAX_DEVIATION * HALF as f64) as f32;
            k += 1;
        }
        t
    }
}

static TABLES: Tables = Tables::build();

/// The sums of one half block.
#[derive(Copy, Clone, Debug, Default, PartialEq)]
struct Half {
    /// Per tone, the DFT weighted by the rising half of the Hann window.
    rise: [Cplx; 8],
    /// Per tone, the plain DFT.
    flat: [Cplx; 8],
    /// Sum of the squared samples.
    energy: f32,
}

/// One decision's key (index row * 4 + column) and the phase turns of its
/// row and column tones beyond nominal (radians per half block), which give
/// their frequency errors.
#[derive(Copy, Clone, Debug, PartialEq)]
struct Hit {
    key: u8,
    turn: [f32; 2],
}

/// What the last decisions said about one key.
#[derive(Copy, Clone, Debug, Default, PartialEq)]
struct Persistence {
    /// The key of the last hits, how many in a row with steady frequencies,
    /// and the phase turns of the first of them.
    candidate: Option<u8>,
    hits: u8,
    turn: [f32; 2],
    /// The key currently down, and how many decisions in a row missed it.
    down: Option<u8>,
    misses: u8,
}

/// An in-band DTMF detector for one 8 kHz audio stream.
#[derive(Clone, Debug, Default)]
pub struct DtmfDetector {
    /// The half block being filled, and how many samples it holds.
    current: Half,
    fill: usize,
    /// The last three complete half blocks, oldest first, and how many of
    /// them are valid (up to 3).
    halves: [Half; 3],
    complete: u8,
    state: Persistence,
}

impl DtmfDetector {
    /// A detector that has heard nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets everything heard (a new call, or a gap in the stream).
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Feeds samples (any length, typically 160); calls `on_digit` once per
    /// key press, when the press is recognised (not repeated while held).
    pub fn process(&mut self, samples: &[i16], mut on_digit: impl FnMut(Digit)) {
        let mut rest = samples;
        while !rest.is_empty() {
            let start = self.fill.min(HALF);
            let take = (HALF - start).min(rest.len());
            let (now, later) = rest.split_at(take);
            rest = later;
            self.accumulate(start, now);
            self.fill = start + take;
            if self.fill == HALF {
                self.fill = 0;
                let done = core::mem::take(&mut self.current);
                self.halves = [self.halves[1], self.halves[2], done];
                self.complete = (self.complete + 1).min(3);
                if self.complete == 3 {
                    let hit = self.decide();
                    if let Some(key) = self.persist(hit) {
                        let row = usize::from(key / 4);
                        let col = usize::from(key % 4);
                        let c = KEYS.get(row).and_then(|r| r.get(col)).copied();
                        if let Some(d) = c.and_then(Digit::from_char) {
                            on_digit(d);
                        }
                    }
                }
            }
        }
    }

    /// Adds `samples`, which start at position `start` of the half block.
    fn accumulate(&mut self, start: usize, samples: &[i16]) {
        let tables = &TABLES;
        let end = start + samples.len();
        let (Some(rise), true) = (tables.rise.get(start..end), end <= HALF) else {
            return;
        };
        let cur = &mut self.current;
        for k in 0..8 {
            let (Some(cos), Some(nsin)) = (
                tables.cos[k].get(start..end),
                tables.nsin[k].get(start..end),
            ) else {
                return;
            };
            let (mut fr, mut fi, mut rr, mut ri) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
            for (((&x, &c), &s), &w) in samples.iter().zip(cos).zip(nsin).zip(rise) {
                let x = f32::from(x);
                let a = x * c;
                let b = x * s;
                fr += a;
                fi += b;
                rr += w * a;
                ri += w * b;
            }
            cur.flat[k].re += fr;
            cur.flat[k].im += fi;
            cur.rise[k].re += rr;
            cur.rise[k].im += ri;
        }
        cur.energy += samples
            .iter()
            .map(|&x| {
                let x = f32::from(x);
                x * x
            })
            .sum::<f32>();
    }

    /// Whether the last three half blocks hold a key: its index (row * 4 +
    /// column), or `None`.
    fn decide(&self) -> Option<Hit> {
        let t = &TABLES;
        let [h0, h1, h2] = &self.halves;
        // Per tone: rectangular power (A + B), Hann-block power (corrected for
        // the measured frequency offset) and whether the frequency is in range.
        let mut rect = [0.0f32; 8];
        let mut hann = [0.0f32; 8];
        let mut in_range = [false; 8];
        let mut turn = [0.0f32; 8];
        for k in 0..8 {
            let rot = t.rot[k];
            let ra = h0.flat[k].add(rot.mul(h1.flat[k]));
            let rb = h1.flat[k].add(rot.mul(h2.flat[k]));
            rect[k] = ra.norm() + rb.norm();
            let xa = h0.rise[k].add(rot.mul(h1.flat[k].sub(h1.rise[k])));
            let xb = h1.rise[k].add(rot.mul(h2.flat[k].sub(h2.rise[k])));
            // The phase turned from A to B beyond the nominal ω·51.
            let z = xb.mul(xa.conj()).mul(rot);
            let theta = atan2(z.im, z.re);
            let power = 0.5 * (xa.norm() + xb.norm());
            in_range[k] = theta.abs() <= t.theta_max[k];
            turn[k] = theta;
            // Hann scalloping: the offset in bins of a 102-sample block is the
            // phase turn over π; the window's gain there is ≈ 1 - 0.645 δ².
            let delta = theta / core::f32::consts::PI;
            let gain = 1.0 - 0.645 * delta * delta;
            hann[k] = if gain > 0.1 {
                power / (gain * gain)
            } else {
                power
            };
        }
        let best = |from: usize| {
            let mut b = from;
            for k in from..from + 4 {
                if rect[k] > rect[b] {
                    b = k;
                }
            }
            b
        };
        let (row, col) = (best(0), best(4));
        // 2. Relative peak within each group.
        for k in 0..8 {
            let peak = if k < 4 { rect[row] } else { rect[col] };
            if k != row && k != col && rect[k] * RELATIVE_PEAK > peak {
                return None;
            }
        }
        // 3. Level. A tone of amplitude a gives |X| = a/2 · Σw = a · 51/2 in a
        // Hann block, so its mean power a²/2 is 2|X|²/51².
        let scale = 2.0 / (HALF * HALF) as f32;
        let (pr, pc) = (hann[row] * scale, hann[col] * scale);
        let min_amp = DBM0_AMPLITUDE * 10f32.powf(MIN_LEVEL_DBM0 / 20.0);
        let min_power = 0.5 * min_amp * min_amp;
        if pr < min_power || pc < min_power {
            return None;
        }
        // 4. Twist.
        if pr > NORMAL_TWIST * pc || pc > REVERSE_TWIST * pr {
            return None;
        }
        // 5. Frequency.
        if !in_range[row] || !in_range[col] {
            return None;
        }
        // 6. Not two harmonics of one voice.
        let hz = |k: usize| TONES_HZ[k] as f32 + turn[k] * HZ_PER_TURN as f32;
        let (fr, fc) = (hz(row), hz(col));
        if HARMONIC_RATIOS
            .iter()
            .any(|h| (fc - h * fr).abs() <= HARMONIC_WINDOW * h * fr)
        {
            return None;
        }
        // 7. Purity and 8. presence.
        let expected = (pr + pc) * HALF as f32;
        let total = h0.energy + h1.energy + h2.energy;
        if 3.0 * expected < PURITY * total {
            return None;
        }
        if [h0, h1, h2].iter().any(|h| h.energy < PRESENCE * expected) {
            return None;
        }
        Some(Hit {
            key: u8::try_from(row * 4 + (col - 4)).ok()?,
            turn: [turn[row], turn[col]],
        })
    }

    /// Applies one decision to the key state; returns a key that just went down.
    fn persist(&mut self, hit: Option<Hit>) -> Option<u8> {
        let s = &mut self.state;
        let key = hit.map(|h| h.key);
        let steady = match hit {
            Some(h) if key == s.candidate => h
                .turn
                .iter()
                .zip(s.turn)
                .all(|(now, before)| (now - before).abs() <= MAX_DRIFT),
            _ => false,
        };
        if steady {
            s.hits = s.hits.saturating_add(1);
        } else {
            s.hits = u8::from(key.is_some());
        }
        s.candidate = key;
        if !steady {
            s.turn = hit.map_or([0.0; 2], |h| h.turn);
        }
        if key.is_some() && key == s.down {
            s.misses = 0;
            return None;
        }
        if s.down.is_some() {
            s.misses = s.misses.saturating_add(1);
            if s.misses >= MISSES_TO_END {
                s.down = None;
                s.misses = 0;
            }
        }
        if key.is_some() && s.hits >= HITS_TO_BEGIN {
            s.down = key;
            s.misses = 0;
            return key;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::g711::{alaw_decode, alaw_encode, ulaw_decode, ulaw_encode};

    const ALL: &str = "0123456789*#ABCD";
    const MS: usize = 8;

    /// The row and column frequencies of a key.
    fn freqs(key: char) -> (f64, f64) {
        frequencies(Digit::from_char(key).expect("a key"))
    }

    /// xorshift64* with Box-Muller: deterministic noise for the tests.
    struct Rng(u64);
    impl Rng {
        fn new(seed: u64) -> Rng {
            Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
        }
        fn uniform(&mut self) -> f64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let v = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
            ((v >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        }
        fn gauss(&mut self) -> f64 {
            let (u, v) = (self.uniform(), self.uniform());
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        }
    }

    /// One key tone.
    #[derive(Clone, Copy)]
    struct Tone {
        key: char,
        row_dev: f64,
        col_dev: f64,
        row_dbm0: f64,
        col_dbm0: f64,
        phases: (f64, f64),
    }

    fn tone(key: char) -> Tone {
        Tone {
            key,
            row_dev: 0.0,
            col_dev: 0.0,
            row_dbm0: -10.0,
            col_dbm0: -10.0,
            phases: (0.3, 1.1),
        }
    }

    fn amplitude(dbm0: f64) -> f64 {
        f64::from(DBM0_AMPLITUDE) * 10f64.powf(dbm0 / 20.0)
    }

    /// Adds a tone of `len` samples at `start`.
    fn add(buf: &mut [f64], start: usize, len: usize, t: Tone) {
        let (fr, fc) = freqs(t.key);
        let (fr, fc) = (fr * (1.0 + t.row_dev), fc * (1.0 + t.col_dev));
        let (ar, ac) = (amplitude(t.row_dbm0), amplitude(t.col_dbm0));
        for n in 0..len {
            let time = n as f64 / 8000.0;
            buf[start + n] += ar * (std::f64::consts::TAU * fr * time + t.phases.0).sin()
                + ac * (std::f64::consts::TAU * fc * time + t.phases.1).sin();
        }
    }

    fn pcm(buf: &[f64]) -> Vec<i16> {
        buf.iter()
            .map(|x| x.round().clamp(-32768.0, 32767.0) as i16)
            .collect()
    }

    /// The keys heard in `samples`, fed in frames of 160.
    fn detect(samples: &[i16]) -> String {
        let mut d = DtmfDetector::new();
        let mut out = String::new();
        for frame in samples.chunks(160) {
            d.process(frame, |k| out.push(k.as_char()));
        }
        out
    }

    /// A tone of `ms` ms after `lead` samples of silence, with 100 ms after.
    fn single(t: Tone, lead: usize, ms: usize) -> Vec<i16> {
        let mut buf = vec![0.0; lead + ms * MS + 800];
        add(&mut buf, lead, ms * MS, t);
        pcm(&buf)
    }

    #[test]
    fn every_key_is_heard() {
        for key in ALL.chars() {
            assert_eq!(detect(&single(tone(key), 800, 60)), key.to_string());
        }
    }

    #[test]
    fn frequency_errors_up_to_1_5_percent_pass_and_3_5_percent_fail() {
        for key in ALL.chars() {
            for dev in [-0.015, 0.015] {
                for (r, c) in [(dev, 0.0), (0.0, dev), (dev, dev), (dev, -dev)] {
                    let t = Tone {
                        row_dev: r,
                        col_dev: c,
                        ..tone(key)
                    };
                    assert_eq!(
                        detect(&single(t, 800, 60)),
                        key.to_string(),
                        "{key} {r} {c}"
                    );
                }
            }
            for dev in [-0.035, 0.035, -0.05, 0.05] {
                for (r, c) in [(dev, 0.0), (0.0, dev), (dev, dev)] {
                    let t = Tone {
                        row_dev: r,
                        col_dev: c,
                        ..tone(key)
                    };
                    assert_eq!(detect(&single(t, 800, 60)), "", "{key} {r} {c}");
                }
            }
        }
    }

    #[test]
    fn twist_of_8_db_normal_and_4_db_reverse_passes() {
        for key in ALL.chars() {
            for (row, col, heard) in [
                (-6.0, -14.0, true),
                (-10.0, -6.0, true),
                (-6.0, -16.0, false),
                (-12.0, -6.0, false),
            ] {
                let t = Tone {
                    row_dbm0: row,
                    col_dbm0: col,
                    ..tone(key)
                };
                let want = if heard {
                    key.to_string()
                } else {
                    String::new()
                };
                assert_eq!(detect(&single(t, 800, 60)), want, "{key} {row} {col}");
            }
        }
    }

    #[test]
    fn tones_of_40_ms_are_heard_and_of_23_ms_are_not_at_any_alignment() {
        for key in ["1", "0", "#", "D", "5"] {
            let key = key.chars().next().unwrap();
            for lead in 800..800 + 2 * HALF {
                let phases = (lead as f64 * 0.37, lead as f64 * 0.71);
                let t = Tone {
                    phases,
                    ..tone(key)
                };
                assert_eq!(
                    detect(&single(t, lead, 40)),
                    key.to_string(),
                    "{key} {lead}"
                );
                let mut buf = vec![0.0; lead + 184 + 800];
                add(&mut buf, lead, 184, t);
                assert_eq!(detect(&pcm(&buf)), "", "{key} {lead} 23 ms");
            }
        }
    }

    /// White Gaussian noise whose power is the tones' total power minus `snr` dB.
    fn noisy(t: Tone, ms: usize, snr: f64, rng: &mut Rng) -> Vec<f64> {
        let mut buf = vec![0.0; 800 + ms * MS + 800];
        add(&mut buf, 800, ms * MS, t);
        let power = (amplitude(t.row_dbm0).powi(2) + amplitude(t.col_dbm0).powi(2)) / 2.0;
        let sigma = (power / 10f64.powf(snr / 10.0)).sqrt();
        for x in buf.iter_mut() {
            *x += sigma * rng.gauss();
        }
        buf
    }

    #[test]
    fn every_key_is_heard_at_15_db_snr() {
        let mut rng = Rng::new(7);
        for key in ALL.chars() {
            for _ in 0..20 {
                let phases = (rng.uniform() * 6.3, rng.uniform() * 6.3);
                let buf = noisy(
                    Tone {
                        phases,
                        ..tone(key)
                    },
                    60,
                    15.0,
                    &mut rng,
                );
                assert_eq!(detect(&pcm(&buf)), key.to_string());
            }
        }
    }

    #[test]
    fn levels_from_minus_25_to_0_dbm0_are_heard_and_quiet_ones_not() {
        for key in ALL.chars() {
            for level in [-25.0, -20.0, -10.0, -3.0, 0.0] {
                let t = Tone {
                    row_dbm0: level,
                    col_dbm0: level,
                    ..tone(key)
                };
                assert_eq!(
                    detect(&single(t, 800, 60)),
                    key.to_string(),
                    "{key} {level}"
                );
            }
            for level in [-42.0, -50.0] {
                let t = Tone {
                    row_dbm0: level,
                    col_dbm0: level,
                    ..tone(key)
                };
                assert_eq!(detect(&single(t, 800, 60)), "", "{key} {level}");
            }
        }
        assert_eq!(detect(&[0; 8000]), "");
        let mut rng = Rng::new(3);
        for sigma in [1.0, 30.0, 1000.0, 8000.0] {
            let noise: Vec<f64> = (0..16000).map(|_| sigma * rng.gauss()).collect();
            assert_eq!(detect(&pcm(&noise)), "", "noise {sigma}");
        }
    }

    #[test]
    fn a_held_key_is_one_press_and_a_gap_of_40_ms_makes_two() {
        for key in ALL.chars() {
            assert_eq!(detect(&single(tone(key), 800, 2000)), key.to_string());
            let mut buf = vec![0.0; 800 + 320 * 3 + 800];
            add(&mut buf, 800, 320, tone(key));
            add(&mut buf, 800 + 640, 320, tone(key));
            assert_eq!(detect(&pcm(&buf)), format!("{key}{key}"));
        }
    }

    #[test]
    fn a_dialled_sequence_is_heard_in_order() {
        let mut buf = vec![0.0; 800 + 16 * 800 + 800];
        for (i, key) in ALL.chars().enumerate() {
            add(&mut buf, 800 + i * 800, 400, tone(key));
        }
        assert_eq!(detect(&pcm(&buf)), ALL);
    }

    #[test]
    fn g711_round_trips_keep_the_keys() {
        let mut rng = Rng::new(11);
        for key in ALL.chars() {
            for level in [-25.0, -10.0, -3.0] {
                let t = Tone {
                    row_dbm0: level,
                    col_dbm0: level,
                    ..tone(key)
                };
                let buf = noisy(t, 45, 20.0, &mut rng);
                let lin = pcm(&buf);
                let mu: Vec<i16> = lin.iter().map(|&x| ulaw_decode(ulaw_encode(x))).collect();
                let a: Vec<i16> = lin.iter().map(|&x| alaw_decode(alaw_encode(x))).collect();
                assert_eq!(detect(&mu), key.to_string(), "mu-law {key} {level}");
                assert_eq!(detect(&a), key.to_string(), "A-law {key} {level}");
            }
        }
    }

    #[test]
    fn frames_of_any_size_give_the_same_keys() {
        let mut buf = vec![0.0; 800 + 4 * 800];
        for (i, key) in "9#1D".chars().enumerate() {
            add(&mut buf, 800 + i * 800, 400, tone(key));
        }
        let samples = pcm(&buf);
        for size in [1, 7, 50, 51, 52, 160, 1000, samples.len()] {
            let mut d = DtmfDetector::default();
            let mut out = String::new();
            for chunk in samples.chunks(size) {
                d.process(chunk, |k| out.push(k.as_char()));
                d.process(&[], |k| out.push(k.as_char()));
            }
            assert_eq!(out, "9#1D", "frames of {size}");
        }
    }

    #[test]
    fn reset_forgets_a_half_heard_key() {
        let samples = single(tone('3'), 0, 40);
        let (first, second) = samples.split_at(160);
        let mut out = String::new();
        let mut d = DtmfDetector::new();
        d.process(first, |k| out.push(k.as_char()));
        d.process(second, |k| out.push(k.as_char()));
        assert_eq!(out, "3", "40 ms in two frames is one key");
        d.reset();
        out.clear();
        d.process(first, |k| out.push(k.as_char()));
        d.reset();
        d.process(second, |k| out.push(k.as_char()));
        assert_eq!(
            out, "",
            "a reset between the frames cuts the key in two short ones"
        );
    }

    #[test]
    fn extreme_input_never_panics() {
        let mut d = DtmfDetector::new();
        let mut count = 0;
        let mut feed = |d: &mut DtmfDetector, s: &[i16]| d.process(s, |_| count += 1);
        feed(&mut d, &[]);
        feed(&mut d, &[i16::MIN; 1001]);
        feed(&mut d, &[i16::MAX; 3]);
        let square: Vec<i16> = (0..20_000)
            .map(|n| if (n / 3) % 2 == 0 { i16::MIN } else { i16::MAX })
            .collect();
        feed(&mut d, &square);
        let mut rng = Rng::new(5);
        let wild: Vec<i16> = (0..20_000)
            .map(|_| (rng.uniform() * 65535.0 - 32768.0) as i16)
            .collect();
        for size in [1, 13, 160, 4097] {
            for chunk in wild.chunks(size) {
                feed(&mut d, chunk);
            }
        }
        // Keys at full scale, square-wave keys: whatever is heard, nothing breaks.
        let mut buf = vec![0.0; 8000];
        add(
            &mut buf,
            0,
            8000,
            Tone {
                row_dbm0: 6.0,
                col_dbm0: 6.0,
                ..tone('5')
            },
        );
        let clipped = pcm(&buf);
        feed(&mut d, &clipped);
        let _ = count;
    }
}
