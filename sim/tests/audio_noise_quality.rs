//! Noise-removal quality through the telephone path (NOI-01): speech with pink
//! noise at 5 dB SNR, sent 48 kHz -> 8 kHz G.711 (mu-law) -> 48 kHz, then
//! denoised; SNR and segmental SNR must each improve by at least 4 dB.
//!
//! Method
//!
//! - Speech: `fixtures/audio/speech/speech.wav` (about 12 s of synthetic speech,
//!   espeak-ng, 16 kHz mono 16-bit, -6 dBFS peak), kept on the 16-bit scale and
//!   interpolated by 3 to 48 kHz with a Kaiser-windowed sinc (32 input taps per
//!   phase, cut-off 7.2 kHz, beta 8, each phase normalised to unity DC gain)
//!   => `clean48`.
//! - Noise: white noise from a seeded xorshift64 generator through Paul
//!   Kellett's refined pink filter (-3 dB/octave), run one second before use,
//!   scaled so that mean speech power / mean noise power over the whole clip at
//!   48 kHz is exactly the target SNR (5 dB; 0 and 10 dB for context; since
//!   the clip has pauses, the SNR over active speech is a few dB higher).
//!   `noisy48 = clean48 + noise`.
//! - Telephone path, identical for the clean reference and the noisy signal:
//!   `Downsampler` 48 -> 8 kHz, `to_i16`, mu-law encode + decode, `Upsampler`
//!   8 -> 48 kHz => `ref48` (clean) and `tel48` (noisy). Both carry the same
//!   resampler delay, so they are aligned with each other.
//! - Denoising: `Denoiser::process_48k` on 480-sample frames of `tel48` =>
//!   `den48`. Its delay is found as the integer lag in 0..=1000 samples that
//!   maximises the cross-correlation of `den48` (shifted) with `ref48`
//!   (coarse to fine: every 4th lag, then every lag around the best).
//! - Measures over the same region for before (`tel48` vs `ref48`) and after
//!   (`den48` shifted by the lag vs `ref48`), starting 0.5 s in (the network's
//!   warm-up) and ending 1000 samples before the end:
//!   - SNR = 10 log10(sum ref^2 / sum (x - ref)^2);
//!   - segmental SNR = mean, over 20 ms frames whose reference energy is
//!     within 40 dB of the loudest frame's (speech-active frames), of the
//!     per-frame SNR clamped to [-10, 35] dB (Quackenbush et al. 1988;
//!     Hansen & Pellom 1998).
//! - The same at 8 kHz, what an agent hears: the noisy decoded G.711 through
//!   `Denoiser::process` on 160-sample frames, compared with the clean decoded
//!   G.711 (lag searched in 0..=250 samples, 20 ms = 160-sample frames).
//! - Voice activity: the mean of `process_48k`'s probability over 10 ms frames
//!   whose reference is speech-active (within 40 dB of the loudest 10 ms
//!   frame) and over the rest.

use std::fmt::Write as _;

use switchboard_core::audio::denoise::Denoiser;
use switchboard_core::audio::g711::{ulaw_decode, ulaw_encode};
use switchboard_core::audio::resample::{Downsampler, Upsampler, to_i16};

const FS: usize = 48_000;
/// Samples at 48 kHz per 8 kHz sample.
const UP: usize = 6;
/// One denoiser frame at 48 kHz (10 ms).
const FRAME48: usize = 480;
/// One segmental-SNR frame (20 ms) at 48 and at 8 kHz.
const SEG48: usize = 960;
const SEG8: usize = 160;
/// Samples discarded at the start: the network's warm-up (0.5 s).
const WARMUP48: usize = FS / 2;
const WARMUP8: usize = WARMUP48 / UP;
/// The lag searched, in samples.
const MAX_LAG48: usize = 1000;
const MAX_LAG8: usize = 250;
/// Speech-active frames: within this many dB of the loudest.
const ACTIVE_DB: f64 = 40.0;
const SEG_MIN: f64 = -10.0;
const SEG_MAX: f64 = 35.0;

/// The clean speech fixture at 16 kHz, on the 16-bit scale.
fn speech16k() -> Vec<f32> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/audio/speech/speech.wav"
    );
    let mut reader = hound::WavReader::open(path).expect("open speech.wav");
    let spec = reader.spec();
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (1, 16_000, 16),
        "speech.wav should be 16 kHz mono 16-bit"
    );
    reader
        .samples::<i16>()
        .map(|s| s.expect("sample") as f32)
        .collect()
}

fn bessel_i0(x: f64) -> f64 {
    let (mut sum, mut term) = (1.0, 1.0);
    for k in 1..50 {
        term *= x / 2.0 / k as f64;
        sum += term * term;
    }
    sum
}

/// Interpolates by 3 (16 -> 48 kHz) with a Kaiser-windowed sinc: output `3m + p`
/// is the input around `m` weighted by the kernel at offsets `j - p/3`.
fn upsample3(x: &[f32]) -> Vec<f32> {
    const HALF: isize = 16; // input taps each side
    const BETA: f64 = 8.0;
    const FC: f64 = 0.45; // cycles per input sample (7.2 kHz)
    let i0 = bessel_i0(BETA);
    let phases: Vec<Vec<f32>> = (0..3)
        .map(|p| {
            let frac = p as f64 / 3.0;
            let mut h: Vec<f64> = (-HALF + 1..=HALF)
                .map(|k| {
                    // Tap k weights input m + k; the output sits at m + frac.
                    let t = k as f64 - frac;
                    let sinc = if t == 0.0 {
                        2.0 * FC
                    } else {
                        (2.0 * std::f64::consts::PI * FC * t).sin() / (std::f64::consts::PI * t)
                    };
                    let r = t / HALF as f64;
                    sinc * bessel_i0(BETA * (1.0 - r * r).max(0.0).sqrt()) / i0
                })
                .collect();
            let sum: f64 = h.iter().sum();
            h.iter_mut().for_each(|c| *c /= sum);
            h.into_iter().map(|c| c as f32).collect()
        })
        .collect();
    let n = x.len() as isize;
    let mut y = Vec::with_capacity(x.len() * 3);
    for m in 0..n {
        for phase in &phases {
            let mut acc = 0f32;
            for (i, c) in phase.iter().enumerate() {
                let j = m + i as isize - HALF + 1;
                if (0..n).contains(&j) {
                    acc += c * x[j as usize];
                }
            }
            y.push(acc);
        }
    }
    y
}

/// Uniform white noise in [-1, 1) from xorshift64.
struct White(u64);
impl White {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

/// Pink noise, Paul Kellett's refined filter (accurate to +-0.05 dB above 9 Hz
/// at 44.1 kHz; at 48 kHz the corners move up by 9 %), unscaled.
fn pink(n: usize, seed: u64) -> Vec<f64> {
    let mut w = White(seed);
    let mut b = [0f64; 7];
    let mut step = || {
        let white = w.next();
        b[0] = 0.99886 * b[0] + white * 0.0555179;
        b[1] = 0.99332 * b[1] + white * 0.0750759;
        b[2] = 0.96900 * b[2] + white * 0.1538520;
        b[3] = 0.86650 * b[3] + white * 0.3104856;
        b[4] = 0.55000 * b[4] + white * 0.5329522;
        b[5] = -0.7616 * b[5] - white * 0.0168980;
        let out = b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + white * 0.5362;
        b[6] = white * 0.115926;
        out
    };
    for _ in 0..FS {
        step();
    }
    (0..n).map(|_| step()).collect()
}

fn power(x: &[f32]) -> f64 {
    x.iter().map(|s| (*s as f64).powi(2)).sum::<f64>() / x.len() as f64
}

/// The telephone path: 48 kHz -> 8 kHz -> 16-bit -> mu-law -> decoded, and that
/// back up to 48 kHz. Returns (decoded 8 kHz, 48 kHz).
fn telephone(x48: &[f32]) -> (Vec<i16>, Vec<f32>) {
    let mut down = Downsampler::new();
    let mut y8 = vec![0f32; x48.len() / UP];
    let n = down.process(x48, &mut y8);
    assert_eq!(n, y8.len());
    let dec: Vec<i16> = y8
        .iter()
        .map(|s| ulaw_decode(ulaw_encode(to_i16(*s))))
        .collect();
    let mut up = Upsampler::new();
    let mut y48 = vec![0f32; dec.len() * UP];
    up.process_i16(&dec, &mut y48);
    (dec, y48)
}

/// The lag in 0..=max_lag maximising sum ref[n] x[n + lag] over the region.
/// Searched coarse to fine so that a debug build stays quick: every `step`-th
/// lag on every `step`-th sample first, then every lag within `step` of the
/// best on every sample. `step` must be well under the correlation's main lobe
/// (at 48 kHz a 4 kHz-band signal's lobe is about +-6 samples; use 1 at 8 kHz).
fn best_lag(
    reference: &[f32],
    x: &[f32],
    start: usize,
    end: usize,
    max_lag: usize,
    step: usize,
) -> usize {
    let corr = |lag: usize, stride: usize| -> f64 {
        reference[start..end]
            .iter()
            .zip(&x[start + lag..end + lag])
            .step_by(stride)
            .map(|(r, s)| *r as f64 * *s as f64)
            .sum()
    };
    let best = |lags: &mut dyn Iterator<Item = usize>, stride: usize| {
        lags.map(|lag| (lag, corr(lag, stride)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap()
            .0
    };
    let coarse = best(&mut (0..=max_lag).step_by(step), step);
    best(
        &mut (coarse.saturating_sub(step)..=(coarse + step).min(max_lag)),
        1,
    )
}

fn energy(x: &[f32]) -> f64 {
    x.iter().map(|s| (*s as f64).powi(2)).sum()
}

fn err_energy(reference: &[f32], x: &[f32]) -> f64 {
    reference
        .iter()
        .zip(x)
        .map(|(r, s)| (*s as f64 - *r as f64).powi(2))
        .sum()
}

/// Frames of `len` in `start..end` whose reference energy is within 40 dB of the
/// loudest frame's, by frame start.
fn active_frames(reference: &[f32], start: usize, end: usize, len: usize) -> Vec<(usize, bool)> {
    let frames: Vec<(usize, f64)> = (start..end - len + 1)
        .step_by(len)
        .map(|s| (s, energy(&reference[s..s + len])))
        .collect();
    let loudest = frames.iter().map(|f| f.1).fold(0.0, f64::max);
    let floor = loudest * 10f64.powf(-ACTIVE_DB / 10.0);
    frames
        .into_iter()
        .map(|(s, e)| (s, e > 0.0 && e >= floor))
        .collect()
}

/// (SNR, segmental SNR) of `x[n + lag]` against `reference[n]`, n in start..end.
fn measure(
    reference: &[f32],
    x: &[f32],
    lag: usize,
    start: usize,
    end: usize,
    seg: usize,
) -> (f64, f64) {
    let snr = 10.0
        * (energy(&reference[start..end])
            / err_energy(&reference[start..end], &x[start + lag..end + lag]))
        .log10();
    let mut sum = 0.0;
    let mut count = 0usize;
    for (s, active) in active_frames(reference, start, end, seg) {
        if !active {
            continue;
        }
        let r = &reference[s..s + seg];
        let e = err_energy(r, &x[s + lag..s + lag + seg]);
        let db = 10.0 * (energy(r) / e.max(1e-9)).log10();
        sum += db.clamp(SEG_MIN, SEG_MAX);
        count += 1;
    }
    (snr, sum / count as f64)
}

/// The clean side, shared by every case: clean48 and its telephone versions.
struct Clean {
    clean48: Vec<f32>,
    ref8: Vec<f32>,
    ref48: Vec<f32>,
}

fn clean() -> Clean {
    let mut clean48 = upsample3(&speech16k());
    // Whole 20 ms frames at both rates.
    clean48.resize(clean48.len().div_ceil(SEG48) * SEG48, 0.0);
    let (dec, ref48) = telephone(&clean48);
    Clean {
        clean48,
        ref8: dec.iter().map(|s| *s as f32).collect(),
        ref48,
    }
}

struct Outcome {
    snr_db: f64,
    lag48: usize,
    before48: (f64, f64),
    after48: (f64, f64),
    lag8: usize,
    before8: (f64, f64),
    after8: (f64, f64),
    vad_active: f64,
    vad_silent: f64,
    active_share: f64,
}

fn run(c: &Clean, snr_db: f64) -> Outcome {
    let n48 = c.clean48.len();
    let noise = pink(n48, 0x5EED_0001);
    let p_noise = noise.iter().map(|s| s * s).sum::<f64>() / n48 as f64;
    let gain = (power(&c.clean48) / p_noise / 10f64.powf(snr_db / 10.0)).sqrt();
    let noisy48: Vec<f32> = c
        .clean48
        .iter()
        .zip(&noise)
        .map(|(s, v)| s + (v * gain) as f32)
        .collect();
    let got = 10.0 * (power(&c.clean48) / (p_noise * gain * gain)).log10();
    assert!((got - snr_db).abs() < 1e-6);

    let (tel8, tel48) = telephone(&noisy48);

    // 48 kHz: the denoiser alone on the telephone-band signal.
    let mut d = Denoiser::new();
    let mut den48 = vec![0f32; n48];
    let mut vad = Vec::with_capacity(n48 / FRAME48);
    for (inp, out) in tel48
        .chunks_exact(FRAME48)
        .zip(den48.chunks_exact_mut(FRAME48))
    {
        vad.push(d.process_48k(inp.try_into().unwrap(), out.try_into().unwrap()));
    }
    let (start, end) = (WARMUP48, n48 - MAX_LAG48);
    let lag48 = best_lag(&c.ref48, &den48, start, end, MAX_LAG48, 4);
    let before48 = measure(&c.ref48, &tel48, 0, start, end, SEG48);
    let after48 = measure(&c.ref48, &den48, lag48, start, end, SEG48);

    // Voice activity against the reference's 10 ms frames.
    let (mut va, mut na, mut vs, mut ns) = (0.0, 0usize, 0.0, 0usize);
    for (s, active) in active_frames(&c.ref48, start, end, FRAME48) {
        let p = vad[s / FRAME48] as f64;
        if active {
            va += p;
            na += 1;
        } else {
            vs += p;
            ns += 1;
        }
    }

    // 8 kHz: what the pipeline gives an agent.
    let n8 = tel8.len();
    let mut den8 = tel8.clone();
    let mut d8 = Denoiser::new();
    for frame in den8.chunks_exact_mut(SEG8) {
        d8.process(frame);
    }
    let tel8: Vec<f32> = tel8.iter().map(|s| *s as f32).collect();
    let den8: Vec<f32> = den8.iter().map(|s| *s as f32).collect();
    let (start8, end8) = (WARMUP8, n8 - MAX_LAG8);
    let lag8 = best_lag(&c.ref8, &den8, start8, end8, MAX_LAG8, 1);
    let before8 = measure(&c.ref8, &tel8, 0, start8, end8, SEG8);
    let after8 = measure(&c.ref8, &den8, lag8, start8, end8, SEG8);

    Outcome {
        snr_db,
        lag48,
        before48,
        after48,
        lag8,
        before8,
        after8,
        vad_active: va / na.max(1) as f64,
        vad_silent: vs / ns.max(1) as f64,
        active_share: na as f64 / (na + ns) as f64,
    }
}

fn table(outcomes: &[Outcome]) -> String {
    let mut t = String::new();
    writeln!(
        t,
        "noise removal, pink noise, telephone path (48k -> 8k mu-law -> 48k); dB"
    )
    .unwrap();
    writeln!(t, "input  rate  lag     SNR before  after  gain   segSNR before  after  gain   VAD speech/silent").unwrap();
    for o in outcomes {
        let row = |rate: &str, lag: usize, b: (f64, f64), a: (f64, f64), vad: String| {
            format!(
                "{:>4.0}   {rate}  {lag:>4}   {:>10.2} {:>6.2} {:>+5.2}   {:>13.2} {:>6.2} {:>+5.2}   {vad}",
                o.snr_db,
                b.0,
                a.0,
                a.0 - b.0,
                b.1,
                a.1,
                a.1 - b.1
            )
        };
        let vad = format!(
            "{:.2} / {:.2} ({:.0} % active)",
            o.vad_active,
            o.vad_silent,
            o.active_share * 100.0
        );
        writeln!(t, "{}", row("48k", o.lag48, o.before48, o.after48, vad)).unwrap();
        writeln!(
            t,
            "{}",
            row(" 8k", o.lag8, o.before8, o.after8, String::new()).trim_end()
        )
        .unwrap();
    }
    t
}

#[test]
fn denoising_pink_noise_at_5_db_gains_4_db_snr_and_segmental_snr() {
    let c = clean();
    let o = run(&c, 5.0);
    println!("{}", table(std::slice::from_ref(&o)));
    let snr_gain = o.after48.0 - o.before48.0;
    let seg_gain = o.after48.1 - o.before48.1;
    assert!(
        (400..=700).contains(&o.lag48),
        "denoiser delay {} samples",
        o.lag48
    );
    assert!(snr_gain >= 4.0, "SNR improved by only {snr_gain:.2} dB");
    assert!(
        seg_gain >= 4.0,
        "segmental SNR improved by only {seg_gain:.2} dB"
    );
}

#[test]
fn denoising_at_0_and_10_db_for_context() {
    let c = clean();
    let outcomes: Vec<Outcome> = [0.0, 10.0].iter().map(|db| run(&c, *db)).collect();
    println!("{}", table(&outcomes));
}
