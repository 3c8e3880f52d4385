//! Audio benchmark (issue: the audio pipeline): how many concurrent voice legs
//! one core carries in real time through the full inbound pipeline (G.711
//! decode, DTMF, 8→48 kHz, nnnoiseless, 48→8 kHz, recording tap, G.711 encode),
//! measured in the same run as bare nnnoiseless on the same audio, and a leg
//! without noise removal (decode, DTMF, tap, encode).
//!
//! The input is `fixtures/audio/speech/speech_noise.wav` (8 kHz, about 12 s),
//! mu-law encoded into 20 ms payloads. Legs run side by side as a media plane
//! runs them: every 20 ms tick, each leg takes one frame (each leg starts at a
//! different place in the clip and plays all of it once, from a fresh state
//! built before the clock starts). The bare case feeds nnnoiseless the same
//! audio, decoded and brought to 48 kHz with the core's upsampler, 480 samples
//! a call, from the same shared weights the pipeline uses. One thread; each
//! measurement takes at least about half a second; measurements are
//! interleaved and repeated, and medians reported. A per-stage breakdown (each
//! stage alone, on the audio it sees in the pipeline) follows.
//!
//! Run: `cargo bench -p switchboard-sim --bench audio` (add `-- --runs N`).

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use nnnoiseless::DenoiseState;
use switchboard_core::audio::denoise::{STEP, model};
use switchboard_core::audio::dtmf::DtmfDetector;
use switchboard_core::audio::g711::Law;
use switchboard_core::audio::pipeline::LegPipeline;
use switchboard_core::audio::resample::{Downsampler, FACTOR, Upsampler};
use switchboard_core::audio::{FRAME, RATE};

/// Samples of one nnnoiseless frame (10 ms at 48 kHz).
const FRAME48: usize = STEP * FACTOR;
/// Seconds of audio in one 20 ms frame.
const FRAME_S: f64 = FRAME as f64 / RATE as f64;
/// Least measured time of one sample of the three main cases, and of a stage.
const TARGET_S: f64 = 0.6;
const STAGE_TARGET_S: f64 = 0.3;
/// Most legs side by side; beyond, the clip is played again by fresh legs.
const MAX_LEGS: usize = 64;
/// Frames between the starting points of two legs in the clip.
const LEG_OFFSET: usize = 37;
/// The recorder's buffer per leg, in 20 ms frames (what the tap copies into).
const RING: usize = 10;
/// Targets of the issue.
const MIN_FULL_OVER_BARE: f64 = 0.75;
const MAX_PLAIN_OVER_FULL: f64 = 0.10;

/// The clip, in every form a stage sees it.
struct Clip {
    /// 20 ms mu-law payloads: a leg's input.
    payloads: Vec<[u8; FRAME]>,
    /// The same, decoded.
    pcm: Vec<[i16; FRAME]>,
    /// The decoded audio at 48 kHz, 10 ms frames (two per payload).
    frames48: Vec<[f32; FRAME48]>,
    /// nnnoiseless's output for `frames48`.
    denoised48: Vec<[f32; FRAME48]>,
    /// What the full pipeline makes of each payload (the other parties hear).
    heard: Vec<[i16; FRAME]>,
}

impl Clip {
    fn load() -> (Clip, f64) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("fixtures/audio/speech/speech_noise.wav");
        let mut reader = hound::WavReader::open(&path).expect("speech_noise.wav");
        let spec = reader.spec();
        assert_eq!(
            (spec.sample_rate, spec.channels, spec.bits_per_sample),
            (RATE, 1, 16),
            "{} is not 8 kHz mono 16-bit",
            path.display()
        );
        let samples: Vec<i16> = reader
            .samples::<i16>()
            .collect::<Result<_, _>>()
            .expect("readable samples");
        let secs = samples.len() as f64 / RATE as f64;
        let law = Law::MuLaw;
        let payloads: Vec<[u8; FRAME]> = samples
            .chunks(FRAME)
            .map(|c| {
                let mut f = [0i16; FRAME];
                f[..c.len()].copy_from_slice(c);
                let mut p = [0u8; FRAME];
                law.encode_into(&f, &mut p);
                p
            })
            .collect();
        let pcm: Vec<[i16; FRAME]> = payloads
            .iter()
            .map(|p| {
                let mut f = [0i16; FRAME];
                law.decode_into(p, &mut f);
                f
            })
            .collect();
        let mut up = Upsampler::new();
        let mut frames48 = Vec::with_capacity(pcm.len() * 2);
        for f in &pcm {
            for half in f.chunks_exact(STEP) {
                let mut o = [0f32; FRAME48];
                up.process_i16(half, &mut o);
                frames48.push(o);
            }
        }
        let mut state = DenoiseState::with_model(model());
        let denoised48 = frames48
            .iter()
            .map(|i| {
                let mut o = [0f32; FRAME48];
                state.process_frame(&mut o, i);
                o
            })
            .collect();
        let mut leg = LegPipeline::new(law, true);
        let heard = payloads
            .iter()
            .map(|p| {
                leg.receive(p);
                *leg.heard()
            })
            .collect();
        let clip = Clip {
            payloads,
            pcm,
            frames48,
            denoised48,
            heard,
        };
        (clip, secs)
    }

    fn frames(&self) -> usize {
        self.payloads.len()
    }
}

/// How many legs play the clip: `legs` side by side, `rounds` times.
#[derive(Copy, Clone)]
struct Load {
    legs: usize,
    rounds: usize,
}

impl Load {
    fn one() -> Load {
        Load { legs: 1, rounds: 1 }
    }
    fn streams(self) -> usize {
        self.legs * self.rounds
    }
}

/// Seconds to play the clip through `load` fresh states from `make` (each
/// round's states built before its clock starts); `step` takes a state, the
/// tick and the frame of the clip that leg is at.
fn measure<S>(
    n: usize,
    load: Load,
    mut make: impl FnMut() -> S,
    mut step: impl FnMut(&mut S, usize, usize),
) -> f64 {
    let mut secs = 0.0;
    for _ in 0..load.rounds {
        let mut legs: Vec<S> = (0..load.legs).map(|_| make()).collect();
        let start = Instant::now();
        for t in 0..n {
            for (k, s) in legs.iter_mut().enumerate() {
                step(s, t, (t + k * LEG_OFFSET) % n);
            }
        }
        secs += start.elapsed().as_secs_f64();
        drop(black_box(legs));
    }
    secs
}

/// One thing measured: a name and how to run it for a load.
struct Case<'a> {
    name: &'static str,
    target: f64,
    run: Box<dyn Fn(Load) -> f64 + 'a>,
    load: Load,
    secs: Vec<f64>,
}

impl<'a> Case<'a> {
    fn new(name: &'static str, target: f64, run: impl Fn(Load) -> f64 + 'a) -> Self {
        Case {
            name,
            target,
            run: Box::new(run),
            load: Load::one(),
            secs: Vec::new(),
        }
    }

    /// Warms up, then picks enough legs for the target time.
    fn calibrate(&mut self) {
        (self.run)(Load::one());
        let one = (self.run)(Load::one()).max(1e-6);
        let streams = ((self.target / one).ceil() as usize).max(1);
        let legs = streams.min(MAX_LEGS);
        self.load = Load {
            legs,
            rounds: streams.div_ceil(legs),
        };
    }

    fn sample(&mut self) {
        self.secs.push((self.run)(self.load));
    }

    /// Median seconds of CPU per second of audio, with the least and most.
    fn cost(&self, clip_s: f64) -> (f64, f64, f64) {
        let audio = clip_s * self.load.streams() as f64;
        let mut v: Vec<f64> = self.secs.iter().map(|s| s / audio).collect();
        v.sort_by(|a, b| a.total_cmp(b));
        (v[v.len() / 2], v[0], v[v.len() - 1])
    }
}

/// Nanoseconds per 20 ms frame, for a cost in seconds of CPU per second of audio.
fn ns_per_frame(cost: f64) -> f64 {
    cost * FRAME_S * 1e9
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runs = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(7usize);
    let (clip, clip_s) = Clip::load();
    let clip = &clip;
    let n = clip.frames();
    let law = Law::MuLaw;

    let bare = |load| {
        measure(
            n,
            load,
            || (DenoiseState::with_model(model()), [0f32; FRAME48]),
            |(state, out), _, j| {
                for i in &clip.frames48[2 * j..2 * j + 2] {
                    black_box(state.process_frame(out, i));
                    black_box(&*out);
                }
            },
        )
    };
    let leg = |denoise: bool| {
        move |load| {
            measure(
                n,
                load,
                || {
                    let leg = LegPipeline::new(law, denoise);
                    (leg, [[0i16; FRAME]; RING], [0u8; FRAME])
                },
                |(leg, recording, out), t, j| {
                    black_box(leg.receive(&clip.payloads[j]));
                    // The recording tap: the media plane's recorder takes a copy.
                    recording[t % RING] = *leg.heard();
                    leg.send(leg.heard(), out);
                    black_box(&*out);
                },
            )
        }
    };
    let mut main_cases = [
        Case::new("bare nnnoiseless (48 kHz)", TARGET_S, bare),
        Case::new("full pipeline", TARGET_S, leg(true)),
        Case::new("leg without noise removal", TARGET_S, leg(false)),
    ];

    // The stages alone, each on the audio it sees in the pipeline.
    let decode = move |load| {
        measure(
            n,
            load,
            || [0i16; FRAME],
            |pcm, _, j| {
                law.decode_into(&clip.payloads[j], pcm);
                black_box(&*pcm);
            },
        )
    };
    let dtmf = |load| {
        measure(n, load, DtmfDetector::new, |d, _, j| {
            d.process(&clip.pcm[j], |k| {
                black_box(k);
            });
        })
    };
    let up = |load| {
        measure(
            n,
            load,
            || (Upsampler::new(), [0f32; FRAME48]),
            |(up, out), _, j| {
                for half in clip.pcm[j].chunks_exact(STEP) {
                    up.process_i16(half, out);
                    black_box(&*out);
                }
            },
        )
    };
    let down = |load| {
        measure(
            n,
            load,
            || (Downsampler::new(), [0i16; STEP]),
            |(down, out), _, j| {
                for i in &clip.denoised48[2 * j..2 * j + 2] {
                    black_box(down.process_i16(i, out));
                    black_box(&*out);
                }
            },
        )
    };
    let encode = move |load| {
        measure(
            n,
            load,
            || [0u8; FRAME],
            |out, _, j| {
                law.encode_into(&clip.heard[j], out);
                black_box(&*out);
            },
        )
    };
    let tap = |load| {
        measure(
            n,
            load,
            || [[0i16; FRAME]; RING],
            |recording, t, j| {
                recording[t % RING] = *black_box(&clip.heard[j]);
                black_box(&recording[t % RING]);
            },
        )
    };
    let mut stages = [
        Case::new("decode (G.711 mu-law)", STAGE_TARGET_S, decode),
        Case::new("DTMF detector", STAGE_TARGET_S, dtmf),
        Case::new("resample 8 -> 48 kHz", STAGE_TARGET_S, up),
        Case::new("resample 48 -> 8 kHz", STAGE_TARGET_S, down),
        Case::new("encode (G.711 mu-law)", STAGE_TARGET_S, encode),
        Case::new("recording tap (copy)", STAGE_TARGET_S, tap),
    ];

    for c in main_cases.iter_mut().chain(stages.iter_mut()) {
        c.calibrate();
    }
    for _ in 0..runs {
        for c in main_cases.iter_mut().chain(stages.iter_mut()) {
            c.sample();
        }
    }

    println!(
        "audio benchmark: speech_noise.wav ({clip_s:.1} s, {n} frames of 20 ms, mu-law), one thread, {runs} runs (medians)"
    );
    println!(
        "  {:<27} {:>11} {:>27} {:>14} {:>13}",
        "", "legs x rounds", "streams/core (min-max)", "ns/20ms frame", "CPU ms/aud s"
    );
    let mut cost = [0f64; 3];
    for (c, slot) in main_cases.iter().zip(cost.iter_mut()) {
        let (med, lo, hi) = c.cost(clip_s);
        *slot = med;
        let streams = format!("{:.1} ({:.1}-{:.1})", 1.0 / med, 1.0 / hi, 1.0 / lo);
        println!(
            "  {:<27} {:>5} x {:<5} {:>27} {:>14.0} {:>13.3}",
            c.name,
            c.load.legs,
            c.load.rounds,
            streams,
            ns_per_frame(med),
            med * 1e3
        );
    }
    let [bare_cost, full_cost, plain_cost] = cost;
    let verdict = |ok: bool| if ok { "PASS" } else { "MISS" };
    let ratio = bare_cost / full_cost;
    println!(
        "  full / bare throughput: {ratio:.3} (target >= {MIN_FULL_OVER_BARE:.2}): {}",
        verdict(ratio >= MIN_FULL_OVER_BARE)
    );
    let plain = plain_cost / full_cost;
    println!(
        "  no-NR / full cost:      {plain:.4} (target < {MAX_PLAIN_OVER_FULL:.2}): {}",
        verdict(plain < MAX_PLAIN_OVER_FULL)
    );

    println!("per-stage breakdown (each stage alone, ns per 20 ms frame, medians):");
    let mut sum = 0.0;
    let mut row = |name: &str, cost: f64| {
        let ns = ns_per_frame(cost);
        sum += ns;
        println!(
            "  {name:<27} {ns:>9.0} ns  {:>5.1}% of the full pipeline",
            100.0 * cost / full_cost
        );
    };
    for (i, c) in stages.iter().enumerate() {
        row(c.name, c.cost(clip_s).0);
        if i == 2 {
            row("denoise (= bare nnnoiseless)", bare_cost);
        }
    }
    let full_ns = ns_per_frame(full_cost);
    println!(
        "  sum of stages {sum:>23.0} ns; full pipeline {full_ns:.0} ns; the rest (glue) {:.0} ns",
        full_ns - sum
    );
}
