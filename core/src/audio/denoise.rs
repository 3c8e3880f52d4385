//! Noise removal on telephone audio (NOI-01, AUD-02): 8 kHz frames up to the
//! 48 kHz that nnnoiseless (a Rust port of RNNoise) works at, denoised in 10 ms
//! frames, and back down to 8 kHz, with the network's voice-activity
//! probability for each frame.
//!
//! All denoisers share one copy of the network's weights (built on first use),
//! so a thousand legs do not carry a thousand copies through the caches. After
//! [`Denoiser::new`] nothing is allocated. The whole path delays the audio by
//! about 13 ms (two 1.5 ms filters and the network's 10 ms frame).

use std::sync::LazyLock;

use nnnoiseless::{DenoiseState, RnnModel};

use super::resample::{Downsampler, FACTOR, Upsampler, to_i16};

/// Samples of one denoiser frame at 8 kHz (10 ms).
pub const STEP: usize = 80;
const STEP48: usize = STEP * FACTOR;

static MODEL: LazyLock<RnnModel> = LazyLock::new(RnnModel::default);

/// The network's weights, shared by every denoiser (and the benchmark's bare one).
pub fn model() -> &'static RnnModel {
    &MODEL
}

/// The noise-removal state of one leg.
pub struct Denoiser {
    state: Box<DenoiseState<'static>>,
    up: Upsampler,
    down: Downsampler,
    in48: [f32; STEP48],
    out48: [f32; STEP48],
    back: [i16; STEP],
}

impl Default for Denoiser {
    fn default() -> Self {
        Self::new()
    }
}

impl Denoiser {
    pub fn new() -> Self {
        Denoiser {
            state: DenoiseState::with_model(model()),
            up: Upsampler::new(),
            down: Downsampler::new(),
            in48: [0.0; STEP48],
            out48: [0.0; STEP48],
            back: [0; STEP],
        }
    }

    /// Denoises 8 kHz audio in place, 10 ms at a time, and returns the highest
    /// voice-activity probability among its 10 ms frames (0 for an empty slice).
    /// Telephone frames are multiples of 10 ms; a trailing part shorter than
    /// 10 ms is left as it is.
    pub fn process(&mut self, samples: &mut [i16]) -> f32 {
        let mut vad = 0f32;
        for chunk in samples.chunks_exact_mut(STEP) {
            self.up.process_i16(chunk, &mut self.in48);
            vad = vad.max(self.state.process_frame(&mut self.out48, &self.in48));
            let n = self.down.process_i16(&self.out48, &mut self.back);
            debug_assert_eq!(n, STEP);
            chunk[..n].copy_from_slice(&self.back[..n]);
        }
        vad
    }

    /// Denoises one 10 ms frame at 48 kHz (samples on the 16-bit scale) and
    /// returns its voice-activity probability.
    pub fn process_48k(&mut self, input: &[f32; STEP48], output: &mut [f32; STEP48]) -> f32 {
        self.state.process_frame(output, input)
    }
}

/// Rounds and saturates a 48 kHz sample to 16 bits.
pub fn sample(s: f32) -> i16 {
    to_i16(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic noise source (xorshift), uniform in [-1, 1).
    struct Noise(u64);
    impl Noise {
        fn next(&mut self) -> f32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            ((self.0 >> 40) as f32 / (1u64 << 23) as f32) - 1.0
        }
    }

    fn energy(x: &[i16]) -> f64 {
        x.iter().map(|s| (*s as f64).powi(2)).sum::<f64>()
    }

    #[test]
    fn steady_noise_is_removed() {
        let mut d = Denoiser::new();
        let mut n = Noise(7);
        let mut before = 0.0;
        let mut after = 0.0;
        for i in 0..400 {
            let mut frame = [0i16; 160];
            for s in frame.iter_mut() {
                *s = (n.next() * 2000.0) as i16;
            }
            let e = energy(&frame);
            let vad = d.process(&mut frame);
            assert!((0.0..=1.0).contains(&vad));
            // The network needs a few seconds to learn the noise.
            if i >= 200 {
                before += e;
                after += energy(&frame);
            }
        }
        let db = 10.0 * (before / after).log10();
        assert!(db > 10.0, "white noise reduced by only {db:.1} dB");
    }

    #[test]
    fn the_same_input_gives_the_same_output() {
        let run = || {
            let mut d = Denoiser::new();
            let mut n = Noise(3);
            let mut out = Vec::new();
            for _ in 0..20 {
                let mut frame = [0i16; 160];
                for (i, s) in frame.iter_mut().enumerate() {
                    *s = (n.next() * 500.0 + 3000.0 * ((i as f32) * 0.3).sin()) as i16;
                }
                let v = d.process(&mut frame);
                out.extend_from_slice(&frame);
                out.push((v * 1e6) as i16);
            }
            out
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn odd_lengths_never_panic() {
        let mut d = Denoiser::new();
        assert_eq!(d.process(&mut []), 0.0);
        let mut odd = [i16::MAX; 37];
        d.process(&mut odd);
        assert!(odd.iter().all(|s| *s == i16::MAX));
        let mut extreme = [i16::MIN; 240];
        d.process(&mut extreme);
    }
}
