//! Answering-machine detection: was an outbound call answered by a person or a
//! machine? The rules are those of Asterisk's `app_amd`, re-expressed over
//! sample counts so frames of any length give the same verdict.
//!
//! # The algorithm
//!
//! Every frame is classified as voice or silence: its mean absolute amplitude
//! (`sum |s| / len`) is compared with [`AmdParams::silence_threshold`] (voice
//! when at or above it, as Asterisk's silence detector does). When the
//! denoiser runs on the leg, its voice-activity probability vetoes loud frames
//! it is confident are not speech: a frame is voice only when its energy is at
//! or above the threshold **and** the probability is at least
//! [`VOICE_PROBABILITY_THRESHOLD`] (0.2). A probability only ever turns voice
//! into silence, never silence into voice (RNNoise's estimate is unreliable on
//! near-digital silence), so steady background noise loud enough to cross the
//! energy threshold (traffic, a fan, a busy room) no longer reads as one
//! endless greeting. A missing or non-finite probability leaves the energy
//! alone in charge.
//!
//! Why 0.2 and not 0.5: on the labelled greetings of
//! `fixtures/audio/greetings/`, 95% of the loud frames of added noise score
//! under 0.2, while 3% of the loud frames of speech do (8% under 0.5: the
//! model dips on fricatives and transitions inside words, and a veto there
//! splits one word into several). With noise at about -38 dBFS, energy alone
//! takes every person for a machine (12 of 24 right); with the veto it is
//! nearly as good as on clean lines (22 of 24, against 23). See
//! `sim/tests/audio_amd_quality.rs`.
//!
//! Then, frame by frame, in `app_amd`'s order:
//!
//! 1. The frame's length is added to the time analysed; once that reaches
//!    `total_analysis_time` the verdict is **not sure** (`TooLong`), without
//!    looking at the frame.
//! 2. A silent frame extends the current run of silence. Once the run reaches
//!    `between_words_silence`, the current word has ended (the next voice
//!    starts a new word). If no word was heard yet and the run reaches
//!    `initial_silence`: **machine** (`InitialSilence`, nobody says hello). If
//!    the greeting has started and the run reaches `after_greeting_silence`:
//!    **human** (`Human`: a short hello, then the person waits for the
//!    caller).
//! 3. A voice frame ends the run of silence and adds to the current word and
//!    to the total of voice. When the current word reaches `min_word_length`
//!    after a pause, it counts as a word, and the first one starts the
//!    greeting. Then, in order: a word reaching `maximum_word_length` is a
//!    **machine** (`MaxWordLength`); more than `maximum_number_of_words` words
//!    is a **machine** (`MaxWords`); a greeting whose voice totals `greeting`
//!    is a **machine** (`LongGreeting`).
//!
//! As in `app_amd`, a word is only counted after a pause of at least
//! `between_words_silence`, so speech that starts on the very first frame
//! (without a pause before it) is not counted as a word until the first
//! pause; `maximum_number_of_words` is *exceeded*, not reached (the default 2
//! makes the third word a machine); and the voice of words shorter than
//! `min_word_length` still adds to the greeting's total.
//!
//! Durations are measured in samples at 8 kHz (one millisecond is 8 samples),
//! so a 20 ms frame counts 20 ms, a 10 ms frame 10 ms, and an empty slice
//! nothing. The detector allocates nothing, never panics, and gives its
//! verdict exactly once.

use crate::time::SimDuration;

/// The voice-activity probability under which the denoiser's estimate vetoes a
/// loud frame (calls it noise, not voice). Measured; see the module's doc.
pub const VOICE_PROBABILITY_THRESHOLD: f32 = 0.2;

/// Samples per millisecond at the telephone rate.
const SAMPLES_PER_MS: u64 = 8;

/// The longest analysis [`AmdParams::validate`] accepts.
const MAX_ANALYSIS: SimDuration = SimDuration::from_secs(60);

/// The tuning of the detector, with `app_amd`'s defaults. In configuration the
/// durations are written as strings such as `"2500ms"` or `"2s500ms"` (see
/// [`SimDuration::parse`]); missing fields take their default.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AmdParams {
    /// Silence before any word after which the answer is a machine (2500 ms).
    pub initial_silence: SimDuration,
    /// Voice in the greeting after which the answer is a machine (1500 ms).
    pub greeting: SimDuration,
    /// Silence after the greeting after which the answer is a human (800 ms).
    pub after_greeting_silence: SimDuration,
    /// Audio analysed before giving up as not sure (5000 ms).
    pub total_analysis_time: SimDuration,
    /// Voice needed for a word (100 ms).
    pub min_word_length: SimDuration,
    /// Silence that separates two words (50 ms).
    pub between_words_silence: SimDuration,
    /// Words beyond which the answer is a machine (2: the third word is one).
    pub maximum_number_of_words: u32,
    /// Length of one word after which the answer is a machine (5000 ms).
    pub maximum_word_length: SimDuration,
    /// Mean absolute amplitude (of 16-bit samples) at or above which a frame
    /// is voice (256).
    pub silence_threshold: u32,
}

impl Default for AmdParams {
    fn default() -> Self {
        AmdParams {
            initial_silence: SimDuration::from_millis(2500),
            greeting: SimDuration::from_millis(1500),
            after_greeting_silence: SimDuration::from_millis(800),
            total_analysis_time: SimDuration::from_millis(5000),
            min_word_length: SimDuration::from_millis(100),
            between_words_silence: SimDuration::from_millis(50),
            maximum_number_of_words: 2,
            maximum_word_length: SimDuration::from_millis(5000),
            silence_threshold: 256,
        }
    }
}

impl AmdParams {
    /// Checks that the parameters make sense: every duration at least 1 ms and
    /// no longer than `total_analysis_time` (itself at most 60 s), at least
    /// one word, and a threshold between 1 and 32768.
    pub fn validate(&self) -> Result<(), String> {
        let total = self.total_analysis_time;
        if total < SimDuration::from_millis(1) || total > MAX_ANALYSIS {
            return Err(format!(
                "amd total_analysis_time is {total}; it must be between 1ms and {MAX_ANALYSIS}"
            ));
        }
        for (name, value) in [
            ("initial_silence", self.initial_silence),
            ("greeting", self.greeting),
            ("after_greeting_silence", self.after_greeting_silence),
            ("min_word_length", self.min_word_length),
            ("between_words_silence", self.between_words_silence),
            ("maximum_word_length", self.maximum_word_length),
        ] {
            if value < SimDuration::from_millis(1) {
                return Err(format!("amd {name} is {value}; it must be at least 1ms"));
            }
            if value > total {
                return Err(format!(
                    "amd {name} is {value}, longer than total_analysis_time ({total}), so it could never apply"
                ));
            }
        }
        if self.maximum_number_of_words == 0 {
            return Err("amd maximum_number_of_words is 0; it must be at least 1".into());
        }
        if self.silence_threshold == 0 || self.silence_threshold > 32768 {
            return Err(format!(
                "amd silence_threshold is {}; it must be between 1 and 32768 (a mean absolute 16-bit amplitude)",
                self.silence_threshold
            ));
        }
        Ok(())
    }
}

/// Who answered.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A person (`HUMAN`).
    Human,
    /// An answering machine or voicemail (`MACHINE`).
    Machine,
    /// The analysis ran out of time (`NOTSURE`).
    NotSure,
}

/// Why the detector decided, as `app_amd`'s `AMDCAUSE`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// Machine: silence from the answer for `initial_silence`.
    InitialSilence,
    /// Machine: the greeting's voice reached `greeting`.
    LongGreeting,
    /// Machine: more than `maximum_number_of_words` words.
    MaxWords,
    /// Machine: one word reached `maximum_word_length`.
    MaxWordLength,
    /// Human: silence for `after_greeting_silence` after a short greeting.
    Human,
    /// Not sure: `total_analysis_time` of audio without a decision.
    TooLong,
}

/// The detector's decision.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AmdResult {
    /// Who answered.
    pub verdict: Verdict,
    /// Which rule decided.
    pub cause: Cause,
    /// audio analysed until the verdict, ms
    pub after_ms: u32,
}

/// The detector of one answered leg. Build it when the far end answers and
/// feed it the leg's audio until it gives its verdict.
#[derive(Clone, Debug)]
pub struct Amd {
    // The parameters, in samples.
    initial_silence: u64,
    greeting: u64,
    after_greeting_silence: u64,
    total_analysis: u64,
    min_word: u64,
    between_words: u64,
    max_words: u32,
    max_word: u64,
    threshold: u64,
    // The analysis.
    /// Samples analysed so far.
    elapsed: u64,
    /// The current run of silent samples.
    silence: u64,
    /// Voiced samples since the start.
    voice: u64,
    /// Voiced samples of the current word (since the last pause).
    word: u64,
    /// Words counted.
    words: u32,
    /// A pause of `between_words` was heard since the last counted word.
    in_silence: bool,
    /// No word yet.
    in_initial_silence: bool,
    /// The first word was heard.
    in_greeting: bool,
    result: Option<AmdResult>,
}

/// A duration in samples at 8 kHz (125 us each).
fn samples(d: SimDuration) -> u64 {
    d.micros() / 125
}

impl Amd {
    /// A detector with these parameters. Invalid parameters (see
    /// [`AmdParams::validate`]) give a detector that still never panics, but
    /// whose verdicts mean little.
    pub fn new(params: &AmdParams) -> Self {
        Amd {
            initial_silence: samples(params.initial_silence),
            greeting: samples(params.greeting),
            after_greeting_silence: samples(params.after_greeting_silence),
            total_analysis: samples(params.total_analysis_time),
            min_word: samples(params.min_word_length),
            between_words: samples(params.between_words_silence),
            max_words: params.maximum_number_of_words,
            max_word: samples(params.maximum_word_length),
            threshold: u64::from(params.silence_threshold),
            elapsed: 0,
            silence: 0,
            voice: 0,
            word: 0,
            words: 0,
            // app_amd starts "in a word": speech from the first frame is not a
            // word until a pause has been heard.
            in_silence: false,
            in_initial_silence: true,
            in_greeting: false,
            result: None,
        }
    }

    /// Feeds one frame of 8 kHz audio (any length, typically 160 samples) of the answered party, with the denoiser's voice-activity probability for that frame when noise removal runs on the leg (None otherwise). Returns the verdict once (then None forever).
    pub fn process(
        &mut self,
        samples: &[i16],
        voice_probability: Option<f32>,
    ) -> Option<AmdResult> {
        if self.result.is_some() || samples.is_empty() {
            return None;
        }
        let len = samples.len() as u64;
        self.elapsed = self.elapsed.saturating_add(len);
        if self.elapsed >= self.total_analysis {
            return self.decide(Verdict::NotSure, Cause::TooLong);
        }
        if self.is_voice(samples, voice_probability) {
            self.silence = 0;
            self.word = self.word.saturating_add(len);
            self.voice = self.voice.saturating_add(len);
            if self.word >= self.min_word && self.in_silence {
                self.words = self.words.saturating_add(1);
                self.in_silence = false;
            }
            if self.word >= self.max_word {
                return self.decide(Verdict::Machine, Cause::MaxWordLength);
            }
            if self.words > self.max_words {
                return self.decide(Verdict::Machine, Cause::MaxWords);
            }
            if self.in_greeting && self.voice >= self.greeting {
                return self.decide(Verdict::Machine, Cause::LongGreeting);
            }
            if self.word >= self.min_word && !self.in_greeting {
                self.in_initial_silence = false;
                self.in_greeting = true;
            }
        } else {
            self.silence = self.silence.saturating_add(len);
            if self.silence >= self.between_words {
                self.in_silence = true;
                self.word = 0;
            }
            if self.in_initial_silence && self.silence >= self.initial_silence {
                return self.decide(Verdict::Machine, Cause::InitialSilence);
            }
            if self.in_greeting && self.silence >= self.after_greeting_silence {
                return self.decide(Verdict::Human, Cause::Human);
            }
        }
        None
    }

    /// The verdict, once given.
    pub fn result(&self) -> Option<AmdResult> {
        self.result
    }

    /// Whether a frame is voice: loud enough, and not vetoed by the denoiser.
    fn is_voice(&self, samples: &[i16], voice_probability: Option<f32>) -> bool {
        let sum: u64 = samples.iter().map(|s| u64::from(s.unsigned_abs())).sum();
        // mean >= threshold, without the division (and its rounding).
        let loud = sum >= self.threshold.saturating_mul(samples.len() as u64);
        match voice_probability {
            Some(p) if p.is_finite() => loud && p >= VOICE_PROBABILITY_THRESHOLD,
            _ => loud,
        }
    }

    fn decide(&mut self, verdict: Verdict, cause: Cause) -> Option<AmdResult> {
        let ms = self.elapsed / SAMPLES_PER_MS;
        let result = AmdResult {
            verdict,
            cause,
            after_ms: u32::try_from(ms).unwrap_or(u32::MAX),
        };
        self.result = Some(result);
        Some(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::FRAME;

    /// A loud, word-like frame: a triangle wave of about 400 Hz with a mean
    /// absolute amplitude of `level / 2`.
    fn tone(level: i16) -> [i16; FRAME] {
        let mut f = [0i16; FRAME];
        for (i, s) in f.iter_mut().enumerate() {
            let phase = (i % 20) as i32; // 400 Hz at 8 kHz
            let tri = if phase < 10 { phase } else { 20 - phase } - 5; // -5..=5
            *s = (i32::from(level) * tri / 5) as i16;
        }
        f
    }

    /// Quiet deterministic noise well under the threshold.
    fn hiss() -> [i16; FRAME] {
        let mut f = [0i16; FRAME];
        let mut x: u32 = 12345;
        for s in f.iter_mut() {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            *s = ((x >> 16) % 201) as i16 - 100;
        }
        f
    }

    enum Seg {
        Voice(u32),
        Silence(u32),
    }

    /// Feeds 20 ms frames of the pattern, then silence, until a verdict.
    fn run(params: &AmdParams, pattern: &[Seg]) -> AmdResult {
        let mut amd = Amd::new(params);
        let (loud, quiet) = (tone(4000), hiss());
        let frames = pattern.iter().flat_map(|seg| {
            let (frame, ms) = match seg {
                Seg::Voice(ms) => (&loud, *ms),
                Seg::Silence(ms) => (&quiet, *ms),
            };
            std::iter::repeat_n(frame, (ms / 20) as usize)
        });
        for f in frames.chain(std::iter::repeat_n(&quiet, 1000)) {
            if let Some(r) = amd.process(f, None) {
                assert_eq!(amd.result(), Some(r));
                assert_eq!(amd.process(f, None), None, "the verdict comes once");
                assert_eq!(amd.result(), Some(r));
                return r;
            }
        }
        panic!("no verdict");
    }

    fn res(verdict: Verdict, cause: Cause, after_ms: u32) -> AmdResult {
        AmdResult {
            verdict,
            cause,
            after_ms,
        }
    }

    #[test]
    fn defaults_are_app_amds() {
        let p = AmdParams::default();
        assert_eq!(p.initial_silence, SimDuration::from_millis(2500));
        assert_eq!(p.greeting, SimDuration::from_millis(1500));
        assert_eq!(p.after_greeting_silence, SimDuration::from_millis(800));
        assert_eq!(p.total_analysis_time, SimDuration::from_millis(5000));
        assert_eq!(p.min_word_length, SimDuration::from_millis(100));
        assert_eq!(p.between_words_silence, SimDuration::from_millis(50));
        assert_eq!(p.maximum_number_of_words, 2);
        assert_eq!(p.maximum_word_length, SimDuration::from_millis(5000));
        assert_eq!(p.silence_threshold, 256);
        assert_eq!(p.validate(), Ok(()));
    }

    #[test]
    fn nobody_speaking_is_a_machine_by_initial_silence() {
        let r = run(&AmdParams::default(), &[]);
        assert_eq!(r, res(Verdict::Machine, Cause::InitialSilence, 2500));
    }

    #[test]
    fn a_short_hello_then_silence_is_a_human() {
        use Seg::*;
        let r = run(&AmdParams::default(), &[Silence(300), Voice(500)]);
        assert_eq!(r, res(Verdict::Human, Cause::Human, 300 + 500 + 800));
        // Two words ("Yeah, hello?") are still a human.
        let r = run(
            &AmdParams::default(),
            &[Silence(400), Voice(200), Silence(200), Voice(500)],
        );
        assert_eq!(r, res(Verdict::Human, Cause::Human, 400 + 900 + 800));
    }

    #[test]
    fn a_long_continuous_greeting_is_a_machine() {
        use Seg::*;
        let r = run(&AmdParams::default(), &[Silence(500), Voice(4000)]);
        assert_eq!(r, res(Verdict::Machine, Cause::LongGreeting, 500 + 1500));
        // Pauses shorter than after_greeting_silence do not end the greeting;
        // two words, then the long one.
        let r = run(
            &AmdParams::default(),
            &[
                Silence(500),
                Voice(700),
                Silence(400),
                Voice(600),
                Silence(600),
                Voice(2000),
            ],
        );
        assert_eq!(
            r,
            res(Verdict::Machine, Cause::MaxWords, 500 + 1700 + 600 + 100)
        );
        let r = run(
            &AmdParams::default(),
            &[Silence(500), Voice(700), Silence(400), Voice(2000)],
        );
        assert_eq!(
            r,
            res(Verdict::Machine, Cause::LongGreeting, 500 + 1100 + 800)
        );
    }

    #[test]
    fn a_third_word_is_a_machine() {
        use Seg::*;
        let r = run(
            &AmdParams::default(),
            &[
                Silence(300),
                Voice(200),
                Silence(100),
                Voice(200),
                Silence(100),
                Voice(200),
            ],
        );
        // The third word counts once it has lasted min_word_length.
        assert_eq!(r, res(Verdict::Machine, Cause::MaxWords, 300 + 600 + 100));
    }

    #[test]
    fn a_pause_shorter_than_between_words_silence_does_not_split_a_word() {
        use Seg::*;
        let r = run(
            &AmdParams::default(),
            &[
                Silence(300),
                Voice(200),
                Silence(40),
                Voice(200),
                Silence(40),
                Voice(200),
            ],
        );
        assert_eq!(r, res(Verdict::Human, Cause::Human, 300 + 680 + 800));
    }

    #[test]
    fn one_endless_word_is_a_machine_by_maximum_word_length() {
        use Seg::*;
        let params = AmdParams {
            greeting: SimDuration::from_millis(4000),
            maximum_word_length: SimDuration::from_millis(1000),
            ..AmdParams::default()
        };
        let r = run(&params, &[Silence(200), Voice(3000)]);
        assert_eq!(r, res(Verdict::Machine, Cause::MaxWordLength, 1200));
    }

    #[test]
    fn clicks_without_words_run_out_of_time() {
        use Seg::*;
        // 60 ms blips are shorter than a word, and break every run of silence.
        let pattern: Vec<Seg> = (0..20).flat_map(|_| [Silence(500), Voice(60)]).collect();
        let r = run(&AmdParams::default(), &pattern);
        assert_eq!(r, res(Verdict::NotSure, Cause::TooLong, 5000));
    }

    #[test]
    fn speech_from_the_first_frame_is_counted_from_the_first_pause() {
        use Seg::*;
        // As app_amd: the detector starts "in a word", so the first burst is
        // not a counted word, but it does start the greeting.
        let r = run(
            &AmdParams::default(),
            &[
                Voice(200),
                Silence(100),
                Voice(200),
                Silence(100),
                Voice(200),
            ],
        );
        assert_eq!(r, res(Verdict::Human, Cause::Human, 800 + 800));
    }

    #[test]
    fn the_voice_probability_vetoes_loud_noise() {
        let params = AmdParams::default();
        let loud = tone(4000);
        // Loud noise the denoiser calls noise: silence, so a machine by
        // initial silence.
        let mut amd = Amd::new(&params);
        let r = (0..200).find_map(|_| amd.process(&loud, Some(0.05)));
        assert_eq!(r, Some(res(Verdict::Machine, Cause::InitialSilence, 2500)));
        // Without the estimate the same audio is one long greeting.
        let mut amd = Amd::new(&params);
        let r = (0..200).find_map(|_| amd.process(&loud, None));
        assert_eq!(r, Some(res(Verdict::Machine, Cause::LongGreeting, 1500)));
        // A high probability never turns quiet audio into voice.
        let mut amd = Amd::new(&params);
        let r = (0..200).find_map(|_| amd.process(&hiss(), Some(1.0)));
        assert_eq!(r, Some(res(Verdict::Machine, Cause::InitialSilence, 2500)));
        // A non-finite estimate is ignored.
        let mut amd = Amd::new(&params);
        let mut verdict = None;
        for i in 0..300 {
            let frame = if (15..40).contains(&i) { loud } else { hiss() };
            verdict = verdict.or(amd.process(&frame, Some(f32::NAN)));
        }
        assert_eq!(
            verdict,
            Some(res(Verdict::Human, Cause::Human, 300 + 500 + 800))
        );
    }

    #[test]
    fn frame_length_does_not_change_the_verdict() {
        let params = AmdParams::default();
        let mut audio = Vec::new();
        audio.extend(std::iter::repeat_n(hiss(), 15).flatten());
        audio.extend(std::iter::repeat_n(tone(3000), 25).flatten());
        audio.extend(std::iter::repeat_n(hiss(), 100).flatten());
        let mut verdicts = Vec::new();
        for chunk in [20usize, 80, 160] {
            let mut amd = Amd::new(&params);
            verdicts.push(audio.chunks(chunk).find_map(|c| amd.process(c, None)));
        }
        assert_eq!(verdicts[0], Some(res(Verdict::Human, Cause::Human, 1600)));
        assert!(verdicts.iter().all(|v| *v == verdicts[0]), "{verdicts:?}");
    }

    #[test]
    fn never_panics() {
        let extremes = AmdParams {
            initial_silence: SimDuration(u64::MAX),
            greeting: SimDuration::ZERO,
            after_greeting_silence: SimDuration(1),
            total_analysis_time: SimDuration(u64::MAX),
            min_word_length: SimDuration::ZERO,
            between_words_silence: SimDuration(u64::MAX),
            maximum_number_of_words: u32::MAX,
            maximum_word_length: SimDuration(u64::MAX),
            silence_threshold: u32::MAX,
        };
        let zeros = AmdParams {
            initial_silence: SimDuration::ZERO,
            greeting: SimDuration::ZERO,
            after_greeting_silence: SimDuration::ZERO,
            total_analysis_time: SimDuration::ZERO,
            min_word_length: SimDuration::ZERO,
            between_words_silence: SimDuration::ZERO,
            maximum_number_of_words: 0,
            maximum_word_length: SimDuration::ZERO,
            silence_threshold: 0,
        };
        let big = vec![i16::MIN; 100_000];
        let frames: [&[i16]; 6] = [&[], &[0], &[i16::MIN], &[i16::MAX; 7], &big, &[-1; 160]];
        let probs = [
            None,
            Some(f32::NAN),
            Some(f32::INFINITY),
            Some(-1.0),
            Some(2.0),
            Some(0.5),
        ];
        for params in [AmdParams::default(), extremes, zeros] {
            let mut amd = Amd::new(&params);
            let mut verdicts = 0;
            for _ in 0..50 {
                for f in frames {
                    for p in probs {
                        verdicts += usize::from(amd.process(f, p).is_some());
                    }
                }
            }
            assert!(verdicts <= 1);
        }
        // An empty slice is no time at all.
        let mut amd = Amd::new(&AmdParams::default());
        for _ in 0..1000 {
            assert_eq!(amd.process(&[], None), None);
        }
        assert_eq!(amd.result(), None);
    }

    #[test]
    fn validation_names_the_field() {
        let ok = AmdParams::default();
        let cases: [(AmdParams, &str); 8] = [
            (
                AmdParams {
                    total_analysis_time: SimDuration::ZERO,
                    ..ok.clone()
                },
                "total_analysis_time",
            ),
            (
                AmdParams {
                    total_analysis_time: SimDuration::from_secs(61),
                    ..ok.clone()
                },
                "total_analysis_time",
            ),
            (
                AmdParams {
                    initial_silence: SimDuration::ZERO,
                    ..ok.clone()
                },
                "initial_silence",
            ),
            (
                AmdParams {
                    greeting: SimDuration::from_secs(6),
                    ..ok.clone()
                },
                "greeting",
            ),
            (
                AmdParams {
                    between_words_silence: SimDuration(999),
                    ..ok.clone()
                },
                "between_words_silence",
            ),
            (
                AmdParams {
                    maximum_number_of_words: 0,
                    ..ok.clone()
                },
                "maximum_number_of_words",
            ),
            (
                AmdParams {
                    silence_threshold: 0,
                    ..ok.clone()
                },
                "silence_threshold",
            ),
            (
                AmdParams {
                    silence_threshold: 40000,
                    ..ok.clone()
                },
                "silence_threshold",
            ),
        ];
        for (params, field) in cases {
            let err = params.validate().unwrap_err();
            assert!(err.contains(field), "{field}: {err}");
            assert!(!err.contains('\n'), "{err}");
        }
    }

    #[test]
    fn parameters_read_from_configuration() {
        let p: AmdParams = toml::from_str(
            "initial_silence = \"3s\"\ngreeting = \"1200ms\"\nmaximum_number_of_words = 3\n",
        )
        .unwrap();
        assert_eq!(p.initial_silence, SimDuration::from_secs(3));
        assert_eq!(p.greeting, SimDuration::from_millis(1200));
        assert_eq!(p.maximum_number_of_words, 3);
        assert_eq!(p.after_greeting_silence, SimDuration::from_millis(800));
        let text = toml::to_string(&AmdParams::default()).unwrap();
        assert!(text.contains("initial_silence = \"2s500ms\""), "{text}");
        assert_eq!(
            toml::from_str::<AmdParams>(&text).unwrap(),
            AmdParams::default()
        );
        assert!(toml::from_str::<AmdParams>("greting = \"1s\"").is_err());
        let r = AmdResult {
            verdict: Verdict::NotSure,
            cause: Cause::MaxWordLength,
            after_ms: 5,
        };
        let json = toml::to_string(&r).unwrap();
        assert!(
            json.contains("\"not_sure\"") && json.contains("\"max_word_length\""),
            "{json}"
        );
    }
}
