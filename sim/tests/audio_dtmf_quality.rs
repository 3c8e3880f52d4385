//! The quality figures of the in-band DTMF detector
//! (`switchboard_core::audio::dtmf`), measured and enforced: detection at
//! 15 dB SNR through G.711 mu-law, frequency tolerance, twist, duration and
//! level limits, talk-off on the committed speech fixtures, and the committed
//! DTMF fixtures. Each test prints its table; run
//! `cargo test -p switchboard-sim --test audio_dtmf_quality -- --nocapture`
//! to see them.
//!
//! Conventions: dBm0 as in G.711 (a full-scale sine is +3.14 dBm0, so 0 dBm0
//! is an amplitude of 22 828); SNR is the total power of the two tones over
//! the power of white Gaussian noise over the whole 0-4 kHz band. Noise comes
//! from a small xorshift generator with fixed seeds, so every run measures the
//! same signals.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use switchboard_core::audio::dtmf::{DBM0_AMPLITUDE, DtmfDetector};
use switchboard_core::audio::g711::{ulaw_decode, ulaw_encode};

const KEYS: &str = "0123456789*#ABCD";
const RATE: f64 = 8000.0;
/// Samples per millisecond.
const MS: usize = 8;

/// The row and column frequencies of a key.
fn freqs(key: char) -> (f64, f64) {
    let rows = [697.0, 770.0, 852.0, 941.0];
    let cols = [1209.0, 1336.0, 1477.0, 1633.0];
    let pad = ["123A", "456B", "789C", "*0#D"];
    for (r, line) in pad.iter().enumerate() {
        if let Some(c) = line.find(key) {
            return (rows[r], cols[c]);
        }
    }
    panic!("not a key: {key}")
}

/// xorshift64* with Box-Muller.
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

/// One key tone: frequency errors (fractions), levels (dBm0), phases.
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
        phases: (0.4, 2.0),
    }
}

fn amplitude(dbm0: f64) -> f64 {
    f64::from(DBM0_AMPLITUDE) * 10f64.powf(dbm0 / 20.0)
}

/// Adds `len` samples of a tone at `start`.
fn add(buf: &mut [f64], start: usize, len: usize, t: Tone) {
    let (fr, fc) = freqs(t.key);
    let (wr, wc) = (
        std::f64::consts::TAU * fr * (1.0 + t.row_dev) / RATE,
        std::f64::consts::TAU * fc * (1.0 + t.col_dev) / RATE,
    );
    let (ar, ac) = (amplitude(t.row_dbm0), amplitude(t.col_dbm0));
    for (n, x) in buf[start..start + len].iter_mut().enumerate() {
        let n = n as f64;
        *x += ar * (wr * n + t.phases.0).sin() + ac * (wc * n + t.phases.1).sin();
    }
}

/// Rounds to 16 bits (clipping) and sends through G.711 mu-law.
fn mu_law(buf: &[f64]) -> Vec<i16> {
    buf.iter()
        .map(|x| ulaw_decode(ulaw_encode(x.round().clamp(-32768.0, 32767.0) as i16)))
        .collect()
}

/// The keys heard, fed in 20 ms frames.
fn detect(samples: &[i16]) -> String {
    let mut d = DtmfDetector::new();
    let mut out = String::new();
    for frame in samples.chunks(160) {
        d.process(frame, |k| out.push(k.as_char()));
    }
    out
}

/// A tone of `len` samples after `lead` samples of silence, 50 ms after.
fn single(t: Tone, lead: usize, len: usize) -> Vec<i16> {
    let mut buf = vec![0.0; lead + len + 400];
    add(&mut buf, lead, len, t);
    mu_law(&buf)
}

/// Whether a clean 60 ms tone is heard as its key (and nothing else).
fn heard(t: Tone) -> bool {
    detect(&single(t, 400, 60 * MS)) == t.key.to_string()
}

/// Fraction of trials, at `snr` dB, of 60 ms tones at random phase and
/// alignment through mu-law, heard as exactly their key.
fn rate_at_snr(key: char, snr: f64, trials: usize, seed: u64) -> usize {
    let mut rng = Rng::new(seed);
    let mut ok = 0;
    for _ in 0..trials {
        let t = Tone {
            phases: (rng.uniform() * 6.3, rng.uniform() * 6.3),
            ..tone(key)
        };
        let lead = 400 + (rng.uniform() * 160.0) as usize;
        let mut buf = vec![0.0; lead + 60 * MS + 400];
        add(&mut buf, lead, 60 * MS, t);
        let power = (amplitude(t.row_dbm0).powi(2) + amplitude(t.col_dbm0).powi(2)) / 2.0;
        let sigma = (power / 10f64.powf(snr / 10.0)).sqrt();
        for x in buf.iter_mut() {
            *x += sigma * rng.gauss();
        }
        if detect(&mu_law(&buf)) == key.to_string() {
            ok += 1;
        }
    }
    ok
}

#[test]
fn detection_at_15_db_snr_through_mu_law() {
    const TRIALS: usize = 60;
    let mut out = String::from(
        "\n(a) Detection of 60 ms keys at -10 dBm0 per tone in white noise, through G.711 mu-law,\n    random phases and alignment, 60 trials per key and SNR (SNR = both tones over noise, 0-4 kHz)\n    key |  15 dB |  12 dB |  10 dB |   8 dB\n",
    );
    let mut failures = Vec::new();
    let mut totals = [0usize; 4];
    for (i, key) in KEYS.chars().enumerate() {
        let mut cells = vec![format!("     {key} ")];
        for (j, snr) in [15.0, 12.0, 10.0, 8.0].into_iter().enumerate() {
            let ok = rate_at_snr(key, snr, TRIALS, 1000 + i as u64 * 10 + j as u64);
            totals[j] += ok;
            cells.push(format!("{:5.1}%", 100.0 * ok as f64 / TRIALS as f64));
            if j == 0 && ok < TRIALS {
                failures.push(format!("{key}: {ok}/{TRIALS} at 15 dB"));
            }
        }
        let _ = writeln!(out, "{}", cells.join(" | "));
    }
    let mut cells = vec!["    all".to_string()];
    for t in totals {
        cells.push(format!("{:5.1}%", 100.0 * t as f64 / (16 * TRIALS) as f64));
    }
    let _ = writeln!(out, "{}", cells.join(" | "));
    println!("{out}");
    assert!(
        failures.is_empty(),
        "missed keys at 15 dB SNR: {failures:?}"
    );
}

#[test]
fn frequency_tolerance() {
    let mut out = String::from(
        "\n(b) Frequency error: keys heard out of 16 (60 ms, -10 dBm0, mu-law)\n     error | row tone | col tone | both, same way | both, opposite ways\n",
    );
    let mut failures = Vec::new();
    for dev in [-5.0, -3.5, -3.0, -2.0, -1.5, 0.0, 1.5, 2.0, 3.0, 3.5, 5.0] {
        let d = dev / 100.0;
        let cases = [(d, 0.0), (0.0, d), (d, d), (d, -d)];
        let mut cells = vec![format!("    {dev:+5.1}%")];
        for (c, (r, k)) in cases.into_iter().enumerate() {
            let n = KEYS
                .chars()
                .filter(|&key| {
                    heard(Tone {
                        row_dev: r,
                        col_dev: k,
                        ..tone(key)
                    })
                })
                .count();
            cells.push(format!("{n:>w$}", w = [8, 8, 14, 19][c]));
            let must = if f64::abs(dev) <= 1.5 {
                Some(16)
            } else if f64::abs(dev) >= 3.5 {
                Some(0)
            } else {
                None
            };
            if must.is_some_and(|m| m != n) {
                failures.push(format!("{dev:+}% case {c}: {n}/16"));
            }
        }
        let _ = writeln!(out, "{}", cells.join(" | "));
    }
    // The measured acceptance band of each tone, in steps of 0.1%.
    out.push_str("    accepted band per tone (0.1% steps, the other tone exact):\n");
    for (tone_hz, key, is_row) in [
        (697, '1', true),
        (770, '4', true),
        (852, '7', true),
        (941, '*', true),
        (1209, '1', false),
        (1336, '2', false),
        (1477, '3', false),
        (1633, 'A', false),
    ] {
        let edge = |sign: f64| {
            let mut last = 0.0;
            for step in 1..=50 {
                let d = sign * step as f64 / 1000.0;
                let t = if is_row {
                    Tone {
                        row_dev: d,
                        ..tone(key)
                    }
                } else {
                    Tone {
                        col_dev: d,
                        ..tone(key)
                    }
                };
                if !heard(t) {
                    break;
                }
                last = d * 100.0;
            }
            last
        };
        let _ = writeln!(
            out,
            "      {tone_hz:>4} Hz: {:+.1}% .. {:+.1}%",
            edge(-1.0),
            edge(1.0)
        );
    }
    println!("{out}");
    assert!(failures.is_empty(), "frequency tolerance: {failures:?}");
}

#[test]
fn twist_duration_and_level() {
    let mut failures = Vec::new();
    let mut out = String::from(
        "\n(c) Twist: keys heard out of 16 (60 ms, stronger tone at -6 dBm0, mu-law)\n    twist dB | normal (column weaker) | reverse (row weaker)\n",
    );
    for db in [0.0, 2.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 12.0] {
        let count = |row: f64, col: f64| {
            KEYS.chars()
                .filter(|&key| {
                    heard(Tone {
                        row_dbm0: row,
                        col_dbm0: col,
                        ..tone(key)
                    })
                })
                .count()
        };
        let normal = count(-6.0, -6.0 - db);
        let reverse = count(-6.0 - db, -6.0);
        let _ = writeln!(out, "    {db:>8} | {normal:>22} | {reverse:>20}");
        if (db <= 8.0 && normal != 16) || (db >= 10.0 && normal != 0) {
            failures.push(format!("normal twist {db} dB: {normal}/16"));
        }
        if (db <= 4.0 && reverse != 16) || (db >= 6.0 && reverse != 0) {
            failures.push(format!("reverse twist {db} dB: {reverse}/16"));
        }
    }

    out.push_str(
        "\n    Duration: tones heard, of 16 keys x 51 start offsets (one per sample of a 51-sample step)\n    duration ms | heard\n",
    );
    for ms in [15, 20, 23, 25, 28, 30, 32, 35, 38, 40, 45, 50] {
        let mut n = 0;
        for (i, key) in KEYS.chars().enumerate() {
            for offset in 0..51 {
                let phases = (offset as f64 * 0.37 + i as f64, offset as f64 * 0.61);
                let t = Tone {
                    phases,
                    ..tone(key)
                };
                if detect(&single(t, 400 + offset, ms * MS)) == key.to_string() {
                    n += 1;
                }
            }
        }
        let _ = writeln!(out, "    {ms:>11} | {n:>3}/816");
        if (ms >= 40 && n != 816) || (ms <= 23 && n != 0) {
            failures.push(format!("{ms} ms: {n}/816"));
        }
    }

    out.push_str("\n    Level per tone (both tones equal, 60 ms, mu-law; 0 dBm0 clips at the peaks)\n    dBm0 | heard of 16\n");
    for db in [
        0.0, -3.0, -10.0, -20.0, -25.0, -30.0, -33.0, -35.0, -37.0, -40.0, -45.0,
    ] {
        let n = KEYS
            .chars()
            .filter(|&key| {
                heard(Tone {
                    row_dbm0: db,
                    col_dbm0: db,
                    ..tone(key)
                })
            })
            .count();
        let _ = writeln!(out, "    {db:>4} | {n:>2}");
        if (db >= -25.0 && n != 16) || (db <= -40.0 && n != 0) {
            failures.push(format!("level {db} dBm0: {n}/16"));
        }
    }

    // Presses: a held key, a repeated key, a dialled sequence.
    let mut held = vec![0.0; 400 + 2000 * MS + 400];
    add(&mut held, 400, 2000 * MS, tone('5'));
    let held = detect(&mu_law(&held));
    let mut twice = vec![0.0; 400 + 120 * MS + 400];
    add(&mut twice, 400, 40 * MS, tone('7'));
    add(&mut twice, 400 + 80 * MS, 40 * MS, tone('7'));
    let twice = detect(&mu_law(&twice));
    let mut dialled = vec![0.0; 400 + 16 * 100 * MS + 400];
    for (i, key) in KEYS.chars().enumerate() {
        add(&mut dialled, 400 + i * 100 * MS, 50 * MS, tone(key));
    }
    let dialled = detect(&mu_law(&dialled));
    let _ = write!(
        out,
        "\n    Presses: '5' held 2 s -> {held:?}; '7' 40 ms, 40 ms gap, 40 ms -> {twice:?};\n             {KEYS} at 50 ms on / 50 ms off -> {dialled:?}\n"
    );
    if held != "5" || twice != "77" || dialled != KEYS {
        failures.push(format!("presses: {held:?} {twice:?} {dialled:?}"));
    }
    println!("{out}");
    assert!(failures.is_empty(), "twist, duration, level: {failures:?}");
}

/// The repository's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every WAV file under `dir`, sorted.
fn wavs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            wavs(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("wav"))
        {
            out.push(path);
        }
    }
    out.sort();
}

/// A WAV file's first channel as 16-bit samples, and its rate.
fn read_wav(path: &Path) -> (Vec<i16>, u32) {
    let mut reader = hound::WavReader::open(path)
        .unwrap_or_else(|e| panic!("{}: not a readable WAV file: {e}", path.display()));
    let spec = reader.spec();
    assert!(
        spec.sample_format == hound::SampleFormat::Int && spec.bits_per_sample == 16,
        "{}: expected 16-bit PCM, found {spec:?}",
        path.display()
    );
    let channels = usize::from(spec.channels.max(1));
    let samples = reader
        .samples::<i16>()
        .step_by(channels)
        .map(|s| s.unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect();
    (samples, spec.sample_rate)
}

/// Plays `x` (at `rate_in` Hz) at `speed` times its normal speed into 8 kHz, with
/// a gain, by linear interpolation.
fn replay(x: &[i16], rate_in: u32, speed: f64, gain_db: f64) -> Vec<f64> {
    let step = f64::from(rate_in) / RATE * speed;
    let gain = 10f64.powf(gain_db / 20.0);
    let len = ((x.len().saturating_sub(1)) as f64 / step) as usize;
    (0..len)
        .map(|i| {
            let pos = i as f64 * step;
            let n = pos as usize;
            let frac = pos - n as f64;
            let a = f64::from(x[n]);
            let b = f64::from(*x.get(n + 1).unwrap_or(&x[n]));
            gain * (a + (b - a) * frac)
        })
        .collect()
}

#[test]
fn talk_off_on_speech_fixtures() {
    let audio = root().join("fixtures/audio");
    let mut files = Vec::new();
    for folder in ["speech", "greetings", "prompts"] {
        wavs(&audio.join(folder), &mut files);
    }
    files.retain(|f| {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        !name.starts_with("dtmf") && !f.components().any(|c| c.as_os_str() == "dtmf")
    });
    let clips: Vec<(String, Vec<i16>, u32)> = files
        .iter()
        .map(|f| {
            let (samples, rate) = read_wav(f);
            let name = f.strip_prefix(&audio).unwrap_or(f).display().to_string();
            (name, samples, rate)
        })
        .collect();
    let original: f64 = clips
        .iter()
        .map(|(_, s, r)| s.len() as f64 / f64::from(*r))
        .sum::<f64>()
        / 60.0;
    assert!(
        original >= 1.0,
        "talk-off needs at least 1 minute of speech under fixtures/audio/speech and fixtures/audio/greetings; found {original:.2} min in {} files",
        clips.len()
    );
    // Every clip at 9 playback speeds, each with its own gain, through mu-law.
    let variants = [
        (0.80, -9.0),
        (0.85, 0.0),
        (0.90, -6.0),
        (0.95, 3.0),
        (1.00, 0.0),
        (1.05, -12.0),
        (1.10, -3.0),
        (1.15, 6.0),
        (1.20, -20.0),
    ];
    let mut seconds = 0.0;
    let mut false_keys = Vec::new();
    let mut count = 0;
    for (name, samples, rate) in &clips {
        for (speed, gain) in variants {
            let audio = mu_law(&replay(samples, *rate, speed, gain));
            seconds += audio.len() as f64 / RATE;
            let keys = detect(&audio);
            count += keys.chars().count();
            if !keys.is_empty() {
                false_keys.push(format!("{name} at x{speed} {gain:+} dB: {keys:?}"));
            }
        }
    }
    println!(
        "\n(d) Talk-off: {} speech/greeting/prompt files ({original:.2} min), each played at speeds \
         x0.80..x1.20 (9 speeds, linear interpolation, gains -20..+6 dB) through mu-law:\n    \
         {:.1} minutes analysed, {count} false keys{}\n",
        clips.len(),
        seconds / 60.0,
        if false_keys.is_empty() {
            String::new()
        } else {
            format!(":\n    {}", false_keys.join("\n    "))
        }
    );
    assert!(
        seconds >= 600.0,
        "talk-off must analyse at least 10 minutes, got {seconds:.0} s"
    );
    assert!(false_keys.is_empty(), "talk-off: {false_keys:?}");
}

#[test]
fn committed_dtmf_fixtures_are_heard() {
    let dir = root().join("fixtures/audio/dtmf");
    let mut files = Vec::new();
    wavs(&dir, &mut files);
    let mut out = String::from("\n(e) Committed DTMF fixtures (as recorded, and through mu-law)\n");
    let mut failures = Vec::new();
    for f in &files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let want = match name.trim_end_matches(".wav") {
            "digits" | "digits_noise" => KEYS.to_string(),
            "digit_star" => "*".to_string(),
            "digit_hash" => "#".to_string(),
            other => match other.strip_prefix("digit_") {
                Some(rest) => rest.chars().next().map(String::from).unwrap_or_default(),
                None => continue,
            },
        };
        let (samples, rate) = read_wav(f);
        if rate != 8000 {
            continue;
        }
        let plain = detect(&samples);
        let coded = detect(&mu_law(
            &samples.iter().map(|&s| f64::from(s)).collect::<Vec<_>>(),
        ));
        let _ = writeln!(
            out,
            "    {name:<24} want {want:<17} heard {plain:<17} mu-law {coded}"
        );
        if plain != want || coded != want {
            failures.push(format!("{name}: {plain:?} / {coded:?}, want {want:?}"));
        }
    }
    println!("{out}");
    assert!(failures.is_empty(), "DTMF fixtures: {failures:?}");
}
