//! 8 kHz <-> 48 kHz resampling for the denoiser (AUD-01): a polyphase FIR
//! filter, factor 6 both ways.
//!
//! One prototype low-pass filter serves both directions: 144 taps at 48 kHz, a
//! windowed sinc cut at 4 kHz (the telephone Nyquist) with a Kaiser window
//! (beta 6: about 60 dB stop-band, transition about 3.4-4.6 kHz). Upsampling
//! inserts five zeros between samples and filters, computed as six 24-tap
//! phases so the zeros are never multiplied; downsampling filters and keeps one
//! sample in six, computing only the kept ones. Each direction delays by 71.5
//! samples at 48 kHz (about 1.5 ms).
//!
//! The coefficients are computed once when a resampler is built (double
//! precision, then rounded to `f32`); processing allocates nothing and keeps
//! its history in fixed arrays, so a frame of any length can be fed.

/// The resampling factor.
pub const FACTOR: usize = 6;
/// Taps of the prototype filter (at 48 kHz).
pub const TAPS: usize = 144;
const PHASE_TAPS: usize = TAPS / FACTOR;
/// Input samples handled per inner block (any frame is cut into these).
const BLOCK: usize = 160;

/// The prototype filter: windowed sinc, cut-off 4 kHz at 48 kHz, unity DC gain.
fn prototype() -> [f64; TAPS] {
    let mut h = [0f64; TAPS];
    let fc = 4000.0 / 48000.0; // cycles per sample
    let beta = 6.0;
    let mid = (TAPS - 1) as f64 / 2.0;
    let i0_beta = bessel_i0(beta);
    for (n, c) in h.iter_mut().enumerate() {
        let t = n as f64 - mid;
        let sinc = if t == 0.0 {
            2.0 * fc
        } else {
            (2.0 * std::f64::consts::PI * fc * t).sin() / (std::f64::consts::PI * t)
        };
        let r = t / mid;
        let w = bessel_i0(beta * (1.0 - r * r).max(0.0).sqrt()) / i0_beta;
        *c = sinc * w;
    }
    let sum: f64 = h.iter().sum();
    h.iter_mut().for_each(|c| *c /= sum);
    h
}

/// The modified Bessel function of the first kind, order 0 (power series).
fn bessel_i0(x: f64) -> f64 {
    let mut sum = 1.0;
    let mut term = 1.0;
    let half = x / 2.0;
    for k in 1..40 {
        term *= half / k as f64;
        sum += term * term;
        if term * term < sum * 1e-17 {
            break;
        }
    }
    sum
}

/// The dot product, in eight lanes so that it vectorizes.
#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    let mut s = acc.iter().sum::<f32>();
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// 8 kHz to 48 kHz.
#[derive(Clone)]
pub struct Upsampler {
    /// phases[p][k] = h[p + 6 (23 - k)] * 6: reversed, so that a phase is a dot
    /// product with the input window oldest-first.
    phases: [[f32; PHASE_TAPS]; FACTOR],
    /// The last 23 input samples, then the block being processed.
    buf: [f32; PHASE_TAPS - 1 + BLOCK],
}

impl Default for Upsampler {
    fn default() -> Self {
        Self::new()
    }
}

impl Upsampler {
    pub fn new() -> Self {
        let h = prototype();
        let mut phases = [[0f32; PHASE_TAPS]; FACTOR];
        for (p, phase) in phases.iter_mut().enumerate() {
            for (k, c) in phase.iter_mut().enumerate() {
                *c = (h[p + FACTOR * (PHASE_TAPS - 1 - k)] * FACTOR as f64) as f32;
            }
        }
        Upsampler {
            phases,
            buf: [0.0; PHASE_TAPS - 1 + BLOCK],
        }
    }

    /// Resamples `input` (8 kHz) into `output` (48 kHz), which must hold six
    /// samples per input sample; extra output is left alone and missing room
    /// drops the input that does not fit.
    pub fn process(&mut self, input: &[f32], output: &mut [f32]) {
        let n = input.len().min(output.len() / FACTOR);
        const H: usize = PHASE_TAPS - 1;
        for (inp, out) in input[..n]
            .chunks(BLOCK)
            .zip(output[..n * FACTOR].chunks_mut(BLOCK * FACTOR))
        {
            self.buf[H..H + inp.len()].copy_from_slice(inp);
            for (i, o) in out.chunks_exact_mut(FACTOR).enumerate() {
                let window = &self.buf[i..i + PHASE_TAPS];
                for (p, y) in o.iter_mut().enumerate() {
                    *y = dot(&self.phases[p], window);
                }
            }
            self.buf.copy_within(inp.len()..inp.len() + H, 0);
        }
    }

    /// Like [`Upsampler::process`], from 16-bit samples.
    pub fn process_i16(&mut self, input: &[i16], output: &mut [f32]) {
        let mut block = [0f32; BLOCK];
        let n = input.len().min(output.len() / FACTOR);
        for (inp, out) in input[..n]
            .chunks(BLOCK)
            .zip(output[..n * FACTOR].chunks_mut(BLOCK * FACTOR))
        {
            for (b, s) in block.iter_mut().zip(inp) {
                *b = *s as f32;
            }
            self.process(&block[..inp.len()], out);
        }
    }

    pub fn reset(&mut self) {
        self.buf = [0.0; PHASE_TAPS - 1 + BLOCK];
    }
}

/// 48 kHz to 8 kHz.
#[derive(Clone)]
pub struct Downsampler {
    /// The prototype reversed (a dot product with the window oldest-first).
    taps: [f32; TAPS],
    /// The last 143 input samples, then the block being processed.
    buf: [f32; TAPS - 1 + BLOCK * FACTOR],
    /// Input samples held over until a whole group of six has arrived.
    pending: usize,
}

impl Default for Downsampler {
    fn default() -> Self {
        Self::new()
    }
}

impl Downsampler {
    pub fn new() -> Self {
        let h = prototype();
        let mut taps = [0f32; TAPS];
        for (k, c) in taps.iter_mut().enumerate() {
            *c = h[TAPS - 1 - k] as f32;
        }
        Downsampler {
            taps,
            buf: [0.0; TAPS - 1 + BLOCK * FACTOR],
            pending: 0,
        }
    }

    /// Resamples `input` (48 kHz) into `output` (8 kHz); returns how many
    /// samples were written (one per six input samples, with a remainder held
    /// over to the next call). Input that does not fit in `output` is dropped.
    pub fn process(&mut self, input: &[f32], output: &mut [f32]) -> usize {
        const H: usize = TAPS - 1;
        let mut written = 0;
        let mut rest = input;
        while !rest.is_empty() && written < output.len() {
            // Fill the block after the history and any held-over samples.
            let room = (BLOCK * FACTOR - self.pending).min((output.len() - written) * FACTOR);
            let take = rest.len().min(room);
            self.buf[H + self.pending..H + self.pending + take].copy_from_slice(&rest[..take]);
            rest = &rest[take..];
            let have = self.pending + take;
            let outs = have / FACTOR;
            for (m, y) in output[written..written + outs].iter_mut().enumerate() {
                // The window ends at the group's last sample.
                let s = m * FACTOR + FACTOR - 1;
                *y = dot(&self.taps, &self.buf[s..s + TAPS]);
            }
            written += outs;
            let used = outs * FACTOR;
            // Keep the history (143) plus the held-over samples for next time.
            self.buf.copy_within(used..used + H + (have - used), 0);
            self.pending = have - used;
            if outs == 0 {
                break;
            }
        }
        written
    }

    /// Like [`Downsampler::process`], into 16-bit samples (rounded, saturated).
    pub fn process_i16(&mut self, input: &[f32], output: &mut [i16]) -> usize {
        let mut block = [0f32; BLOCK];
        let mut written = 0;
        for inp in input.chunks(BLOCK * FACTOR / 2) {
            let n = self.process(inp, &mut block);
            let n = n.min(output.len() - written);
            for (o, s) in output[written..written + n].iter_mut().zip(&block[..n]) {
                *o = to_i16(*s);
            }
            written += n;
        }
        written
    }

    pub fn reset(&mut self) {
        self.buf = [0.0; TAPS - 1 + BLOCK * FACTOR];
        self.pending = 0;
    }
}

/// Rounds and saturates a sample to 16 bits.
#[inline]
pub fn to_i16(s: f32) -> i16 {
    s.round().clamp(i16::MIN as f32, i16::MAX as f32) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f64, rate: f64, n: usize, amp: f64) -> Vec<f32> {
        (0..n)
            .map(|i| (amp * (2.0 * std::f64::consts::PI * freq * i as f64 / rate).sin()) as f32)
            .collect()
    }

    fn rms(x: &[f32]) -> f64 {
        (x.iter().map(|v| (*v as f64) * (*v as f64)).sum::<f64>() / x.len() as f64).sqrt()
    }

    /// The amplitude of `freq` in `x` (a single-bin DFT).
    fn tone(x: &[f32], freq: f64, rate: f64) -> f64 {
        let (mut re, mut im) = (0.0, 0.0);
        for (i, v) in x.iter().enumerate() {
            let w = 2.0 * std::f64::consts::PI * freq * i as f64 / rate;
            re += *v as f64 * w.cos();
            im += *v as f64 * w.sin();
        }
        2.0 * (re * re + im * im).sqrt() / x.len() as f64
    }

    #[test]
    fn up_then_down_keeps_the_telephone_band() {
        for freq in [300.0, 1000.0, 2000.0, 3000.0, 3400.0] {
            let x = sine(freq, 8000.0, 1600, 10000.0);
            let mut up = Upsampler::new();
            let mut down = Downsampler::new();
            let mut mid = vec![0f32; x.len() * 6];
            let mut back = vec![0f32; x.len()];
            for (i, o) in x.chunks(160).zip(mid.chunks_mut(960)) {
                up.process(i, o);
            }
            // The 48 kHz signal carries the tone at the same level.
            let a48 = tone(&mid[1200..], freq, 48000.0);
            assert!(
                (a48 / 10000.0 - 1.0).abs() < 0.02,
                "{freq} Hz at 48 kHz: {a48}"
            );
            let mut n = 0;
            for c in mid.chunks(960) {
                n += down.process(c, &mut back[n..]);
            }
            assert_eq!(n, x.len());
            let a8 = tone(&back[400..], freq, 8000.0);
            assert!(
                (a8 / 10000.0 - 1.0).abs() < 0.03,
                "{freq} Hz back at 8 kHz: {a8}"
            );
        }
    }

    #[test]
    fn images_and_aliases_are_attenuated() {
        // Upsampling a 1 kHz tone: its first image at 7 kHz is 50 dB down or more.
        let x = sine(1000.0, 8000.0, 1600, 10000.0);
        let mut up = Upsampler::new();
        let mut mid = vec![0f32; x.len() * 6];
        up.process(&x, &mut mid);
        let image = tone(&mid[1200..], 7000.0, 48000.0);
        assert!(image < 10000.0 * 0.003, "image at 7 kHz: {image}");
        // Downsampling a 6 kHz tone (aliases to 2 kHz): 50 dB down or more.
        let y = sine(6000.0, 48000.0, 9600, 10000.0);
        let mut down = Downsampler::new();
        let mut back = vec![0f32; 1600];
        let n = down.process(&y, &mut back);
        assert_eq!(n, 1600);
        assert!(
            rms(&back[200..]) < 10000.0 * 0.003,
            "alias: {}",
            rms(&back[200..])
        );
    }

    #[test]
    fn any_chunking_gives_the_same_samples() {
        let x = sine(440.0, 48000.0, 4800, 8000.0);
        let mut a = Downsampler::new();
        let mut whole = vec![0f32; 800];
        assert_eq!(a.process(&x, &mut whole), 800);
        let mut b = Downsampler::new();
        let mut parts = vec![0f32; 800];
        let mut n = 0;
        let mut i = 0;
        for len in [1usize, 5, 7, 960, 13, 2000, 1].iter().cycle() {
            if i >= x.len() {
                break;
            }
            let end = (i + len).min(x.len());
            n += b.process(&x[i..end], &mut parts[n..]);
            i = end;
        }
        assert_eq!(n, 800);
        assert_eq!(whole, parts);

        let y = sine(440.0, 8000.0, 800, 8000.0);
        let mut u1 = Upsampler::new();
        let mut w1 = vec![0f32; 4800];
        u1.process(&y, &mut w1);
        let mut u2 = Upsampler::new();
        let mut w2 = vec![0f32; 4800];
        let mut i = 0;
        for len in [3usize, 160, 1, 400, 17].iter().cycle() {
            if i >= y.len() {
                break;
            }
            let end = (i + len).min(y.len());
            u2.process(&y[i..end], &mut w2[i * 6..end * 6]);
            i = end;
        }
        assert_eq!(w1, w2);
    }

    #[test]
    fn short_output_never_panics() {
        let mut up = Upsampler::new();
        let mut down = Downsampler::new();
        let x = [i16::MAX as f32; 500];
        up.process(&x, &mut [0f32; 7]);
        up.process(&[], &mut []);
        assert_eq!(down.process(&x, &mut [0f32; 3]), 3);
        assert_eq!(down.process(&x, &mut []), 0);
        let mut o = [0i16; 10];
        assert!(down.process_i16(&[1e9; 100], &mut o) <= 10);
    }
}
