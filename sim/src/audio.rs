//! The simulator's audio: the media plane of the core driven in virtual time,
//! what the virtual parties say (WAV fixtures played into their legs, keys sent
//! as tones or as RFC 4733 telephone-events), and the calls' recordings written
//! as WAV files.
//!
//! A party only makes sound here; what the sound means (a key, an answering
//! machine) is the core's media plane's business, exactly as in production.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use switchboard_core::audio::FRAME;
use switchboard_core::audio::dtmf;
use switchboard_core::audio::g711::Law;
use switchboard_core::audio::rfc4733::TelephoneEvent;
use switchboard_core::audio::wav::{self, Gap};
use switchboard_core::dtmf::Digit;
use switchboard_core::ids::TaskId;
use switchboard_core::legs::Leg;
use switchboard_core::media::{Media, MediaOutput, Pcm, RecordChunk};
use switchboard_core::{Input, SimDuration};

/// One media frame.
pub const TICK: SimDuration = SimDuration::from_millis(20);

/// Reads a WAV fixture (mono 16-bit, 8 or 48 kHz) into shared samples.
pub fn load(path: &Path) -> Result<Pcm, String> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| format!("{name}: cannot open: {e}"))?;
    wav::read_pcm(&name, std::io::BufReader::new(file))
        .map(Pcm::from)
        .map_err(|e| e.to_string())
}

/// A key as a DTMF tone: 100 ms of the two frequencies at about -10 dBm0 each,
/// then 100 ms of silence.
pub fn tone(digit: Digit) -> Pcm {
    let (row, col) = dtmf::frequencies(digit);
    let mut pcm = vec![0i16; 1600];
    for (i, s) in pcm.iter_mut().take(800).enumerate() {
        let t = i as f64 / 8000.0;
        let v = 7000.0 * (std::f64::consts::TAU * row * t).sin()
            + 7000.0 * (std::f64::consts::TAU * col * t).sin();
        *s = v as i16;
    }
    pcm.into()
}

/// RFC 4733 packets for one key: a start, two updates and three end packets
/// (the end repeated, as senders do), each `(timestamp, payload)`.
pub fn telephone_event_packets(digit: Digit, timestamp: u32) -> Vec<(u32, [u8; 4])> {
    [
        (false, 160u16),
        (false, 320),
        (false, 480),
        (true, 800),
        (true, 800),
        (true, 800),
    ]
    .into_iter()
    .map(|(end, duration)| {
        let e = TelephoneEvent {
            event: TelephoneEvent::code(digit),
            end,
            volume: 10,
            duration,
        };
        (timestamp, e.to_bytes())
    })
    .collect()
}

/// A finished recording.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// Length in samples at 8 kHz.
    pub samples: u64,
    pub gaps: Vec<Gap>,
    /// The file written, when the run writes recordings.
    pub path: Option<PathBuf>,
}

/// A recording being made: the call's timeline, and the paused stretches in it.
#[derive(Default)]
struct Recording {
    samples: Vec<i16>,
    gaps: Vec<Gap>,
}

/// The media side of a simulated run.
pub struct AudioSim {
    pub media: Media,
    /// What each party is saying: samples and how far it has got.
    sources: BTreeMap<Leg, (Pcm, usize)>,
    law: Law,
    recording: BTreeMap<TaskId, Recording>,
    /// Finished recordings by task.
    pub recorded: BTreeMap<TaskId, Recorded>,
    /// Where recordings are written (`task-N.wav`), if anywhere.
    dir: Option<PathBuf>,
    /// The next RFC 4733 timestamp.
    rtp_clock: u32,
    /// Problems met (a recording that could not be written); the runner
    /// reports them as failures.
    pub errors: Vec<String>,
}

impl AudioSim {
    pub fn new(media: Media, law: Law, dir: Option<PathBuf>) -> AudioSim {
        AudioSim {
            media,
            sources: BTreeMap::new(),
            law,
            recording: BTreeMap::new(),
            recorded: BTreeMap::new(),
            dir,
            rtp_clock: 0,
            errors: Vec::new(),
        }
    }

    /// A party starts saying `pcm` (replacing what it was saying).
    pub fn play(&mut self, leg: Leg, pcm: Pcm) {
        self.sources.insert(leg, (pcm, 0));
    }

    /// A party stops making sound (it hung up).
    pub fn silence(&mut self, leg: Leg) {
        self.sources.remove(&leg);
    }

    /// Whether the media needs ticking.
    pub fn active(&self) -> bool {
        self.media.active() || !self.sources.is_empty() || !self.recording.is_empty()
    }

    /// Sends a key as RFC 4733 telephone-events.
    pub fn telephone_event(&mut self, leg: Leg, digit: Digit) {
        self.rtp_clock = self.rtp_clock.wrapping_add(8000);
        for (ts, payload) in telephone_event_packets(digit, self.rtp_clock) {
            if let Err(e) = self.media.telephone_event(leg, ts, &payload) {
                self.errors.push(e.to_string());
            }
        }
    }

    /// One 20 ms frame: the parties speak (through G.711, as on the wire), the
    /// media mixes; returns the inputs for the engine.
    pub fn tick(&mut self, inputs: &mut Vec<Input>) {
        let mut ended = Vec::new();
        for (leg, (pcm, pos)) in self.sources.iter_mut() {
            let mut frame = [0i16; FRAME];
            let n = (pcm.len() - *pos).min(FRAME);
            frame[..n].copy_from_slice(&pcm[*pos..*pos + n]);
            *pos += n;
            let mut payload = [0u8; FRAME];
            self.law.encode_into(&frame, &mut payload);
            self.media.receive(*leg, &payload);
            if *pos >= pcm.len() {
                ended.push(*leg);
            }
        }
        for leg in ended {
            self.sources.remove(&leg);
        }
        self.media.tick();
        self.drain(inputs);
    }

    /// Collects what the media gave out: inputs for the engine, recordings.
    pub fn drain(&mut self, inputs: &mut Vec<Input>) {
        while let Some(out) = self.media.poll() {
            match out {
                // The virtual parties do not listen.
                MediaOutput::Frame { .. } => {}
                MediaOutput::Input(i) => inputs.push(i),
                MediaOutput::Record { task, chunk } => self.record(task, chunk),
            }
        }
    }

    fn record(&mut self, task: TaskId, chunk: RecordChunk) {
        match chunk {
            RecordChunk::Start => {
                self.recording.insert(task, Recording::default());
            }
            RecordChunk::Audio(frame) => {
                if let Some(r) = self.recording.get_mut(&task) {
                    r.samples.extend_from_slice(&frame[..]);
                }
            }
            RecordChunk::Paused => {
                if let Some(r) = self.recording.get_mut(&task) {
                    // A pause goes on while nothing was recorded since it began.
                    let at = r.samples.len() as u64;
                    match r.gaps.last_mut() {
                        Some(g) if g.start + g.len == at => g.len += FRAME as u64,
                        _ => r.gaps.push(Gap {
                            start: at,
                            len: FRAME as u64,
                        }),
                    }
                    r.samples.extend_from_slice(&[0; FRAME]);
                }
            }
            RecordChunk::Stop => {
                if let Some(r) = self.recording.remove(&task) {
                    let done = self.finish(task, r);
                    self.recorded.insert(task, done);
                }
            }
        }
    }

    /// Writes a finished recording (when the run writes them).
    fn finish(&mut self, task: TaskId, r: Recording) -> Recorded {
        let mut done = Recorded {
            samples: r.samples.len() as u64,
            gaps: r.gaps.clone(),
            path: None,
        };
        let Some(dir) = &self.dir else {
            return done;
        };
        let path = dir.join(format!("task-{}.wav", task.0));
        match write_recording(&path, &r.samples, &r.gaps) {
            Ok(()) => done.path = Some(path),
            Err(e) => self.errors.push(format!(
                "{}: cannot write the recording: {e}",
                path.display()
            )),
        }
        done
    }
}

/// Writes a recording file.
fn write_recording(path: &Path, samples: &[i16], gaps: &[Gap]) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).map_err(|e| e.to_string())?);
    wav::write_recording(&mut file, samples, gaps).map_err(|e| e.to_string())?;
    use std::io::Write;
    file.flush().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_as_tones_and_events_are_well_formed() {
        for c in "0123456789*#ABCD".chars() {
            let d = Digit::from_char(c).unwrap();
            assert_eq!(tone(d).len(), 1600);
            let p = telephone_event_packets(d, 8000);
            assert_eq!(p.len(), 6);
            assert!(p[5].1[1] & 0x80 != 0);
        }
    }
}
