//! The quality of answering-machine detection on labelled greetings: every WAV
//! of `fixtures/audio/greetings/{human,machine}/` (made by
//! `scripts/make-amd-fixtures.sh`) goes through G.711 mu-law and, 20 ms at a
//! time, through the detector with its default (`app_amd`) parameters; the
//! test prints the confusion matrix and every file's verdict
//! (`cargo test -p switchboard-sim --test audio_amd_quality -- --nocapture`).
//!
//! It measures twice: on the energy of the audio alone, and with noise removal
//! on the leg (the denoised frame and the denoiser's voice-activity
//! probability, as the media pipeline gives them).

use std::path::{Path, PathBuf};

use switchboard_core::audio::FRAME;
use switchboard_core::audio::amd::{Amd, AmdParams, AmdResult, Verdict};
use switchboard_core::audio::denoise::Denoiser;
use switchboard_core::audio::g711::{ulaw_decode, ulaw_encode};

/// One labelled greeting, as the far end's audio after mu-law.
struct Greeting {
    name: String,
    human: bool,
    audio: Vec<i16>,
}

fn greetings_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/audio/greetings")
}

fn load() -> Vec<Greeting> {
    let mut all = Vec::new();
    for (label, human) in [("human", true), ("machine", false)] {
        let dir = greetings_dir().join(label);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e} (run scripts/make-amd-fixtures.sh)", dir.display()))
            .map(|e| e.expect("readable entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "wav"))
            .collect();
        files.sort();
        for path in files {
            let mut reader =
                hound::WavReader::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let spec = reader.spec();
            assert_eq!(
                (spec.sample_rate, spec.channels, spec.bits_per_sample),
                (8000, 1, 16),
                "{} must be 8 kHz mono 16-bit",
                path.display()
            );
            let audio: Vec<i16> = reader
                .samples::<i16>()
                .map(|s| ulaw_decode(ulaw_encode(s.expect("a sample"))))
                .collect();
            assert!(
                audio.len() <= 6 * 8000,
                "{} is longer than 6 s",
                path.display()
            );
            let file = path.file_name().expect("a name").to_string_lossy();
            all.push(Greeting {
                name: format!("{label}/{file}"),
                human,
                audio,
            });
        }
    }
    all
}

/// Runs the detector over the greeting, 20 ms at a time; `None` if the audio
/// ends first.
fn detect(g: &Greeting, denoise: bool) -> Option<AmdResult> {
    let mut amd = Amd::new(&AmdParams::default());
    let mut denoiser = denoise.then(Denoiser::new);
    let mut frame = [0i16; FRAME];
    for chunk in g.audio.chunks(FRAME) {
        let frame = &mut frame[..chunk.len()];
        frame.copy_from_slice(chunk);
        let probability = denoiser.as_mut().map(|d| d.process(frame));
        if let Some(r) = amd.process(frame, probability) {
            return Some(r);
        }
    }
    None
}

/// The scores of one run.
struct Score {
    /// `[truth human, truth machine][verdict human, machine, not sure]`.
    matrix: [[usize; 3]; 2],
}

impl Score {
    fn total(&self) -> usize {
        self.matrix.iter().flatten().sum()
    }
    fn correct(&self) -> usize {
        self.matrix[0][0] + self.matrix[1][1]
    }
    fn accuracy(&self) -> f64 {
        self.correct() as f64 / self.total().max(1) as f64
    }
}

fn run(greetings: &[Greeting], denoise: bool, title: &str) -> Score {
    let mut matrix = [[0usize; 3]; 2];
    println!("\n{title}");
    for g in greetings {
        let result = detect(g, denoise);
        let column = match result.map(|r| r.verdict) {
            Some(Verdict::Human) => 0,
            Some(Verdict::Machine) => 1,
            Some(Verdict::NotSure) | None => 2,
        };
        matrix[usize::from(!g.human)][column] += 1;
        let ok = if column == usize::from(!g.human) {
            ""
        } else {
            "  <- wrong"
        };
        match result {
            Some(r) => println!(
                "  {:<16} {:<9} {:<16} after {:>4} ms{ok}",
                g.name,
                format!("{:?}", r.verdict),
                format!("{:?}", r.cause),
                r.after_ms
            ),
            None => println!("  {:<16} no verdict before the audio ended{ok}", g.name),
        }
    }
    let score = Score { matrix };
    println!("                   verdict: human  machine  not sure");
    for (truth, row) in ["human", "machine"].iter().zip(matrix) {
        println!(
            "  truth {truth:<7}            {:>5}  {:>7}  {:>8}",
            row[0], row[1], row[2]
        );
    }
    println!(
        "  accuracy {}/{} = {:.1}%",
        score.correct(),
        score.total(),
        100.0 * score.accuracy()
    );
    score
}

#[test]
fn amd_classifies_the_labelled_greetings() {
    let greetings = load();
    let humans = greetings.iter().filter(|g| g.human).count();
    assert!(
        humans >= 12 && greetings.len() - humans >= 12,
        "expected at least 12 greetings of each kind"
    );

    let energy = run(
        &greetings,
        false,
        "AMD, default parameters, energy only (G.711 mu-law, 20 ms frames):",
    );
    let denoised = run(
        &greetings,
        true,
        "AMD, default parameters, with noise removal (denoised frames + voice probability):",
    );

    for (score, what) in [(&energy, "energy only"), (&denoised, "with noise removal")] {
        assert!(
            score.accuracy() >= 0.9,
            "{what}: accuracy {:.1}% is under 90%",
            100.0 * score.accuracy()
        );
        assert!(
            score.matrix[0][1] <= 1,
            "{what}: {} people were taken for machines",
            score.matrix[0][1]
        );
    }
}

/// Per-frame traces for tuning: `#` loud and voiced, `+` loud but vetoed,
/// `:` quiet but voiced, `.` quiet; run with `--ignored --nocapture`.
#[test]
#[ignore]
fn trace() {
    let level: i32 = std::env::var("AMD_NOISE").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    for mut g in load() {
        add_noise(&mut g.audio, level);
        let mut d = Denoiser::new();
        let mut line = String::new();
        let mut probs = String::new();
        for chunk in g.audio.chunks(FRAME) {
            let mut frame = [0i16; FRAME];
            let frame = &mut frame[..chunk.len()];
            frame.copy_from_slice(chunk);
            let loud = chunk
                .iter()
                .map(|s| i64::from(s.unsigned_abs()))
                .sum::<i64>()
                >= 256 * chunk.len() as i64;
            let p = d.process(frame);
            line.push(match (loud, p >= 0.5) {
                (true, true) => '#',
                (true, false) => '+',
                (false, true) => ':',
                (false, false) => '.',
            });
            probs.push(char::from(b'0' + (p * 9.99) as u8));
            if std::env::var_os("AMD_CSV").is_some() {
                let mean = chunk.iter().map(|s| i64::from(s.unsigned_abs())).sum::<i64>()
                    / chunk.len() as i64;
                let dmean = frame.iter().map(|s| i64::from(s.unsigned_abs())).sum::<i64>()
                    / chunk.len() as i64;
                eprintln!("CSV,{},{mean},{dmean},{p}", g.name);
            }
        }
        println!("{:<15} {line}\n{:<15} {probs}", g.name, "");
    }
}

/// Adds deterministic low-passed ("brown-ish") noise of about `rms`.
fn add_noise(audio: &mut [i16], rms: i32) {
    if rms == 0 {
        return;
    }
    let mut x: u32 = 0x2545_f491;
    let mut lp = 0.0f32;
    for s in audio.iter_mut() {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let white = (x as f32 / u32::MAX as f32) * 2.0 - 1.0;
        lp = 0.9 * lp + 0.1 * white;
        let n = lp * rms as f32 * 5.5;
        *s = (f32::from(*s) + n).clamp(-32768.0, 32767.0) as i16;
    }
}
