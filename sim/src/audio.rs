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
use switchboard_core::audio::g711::Law;
use switchboard_core::audio::wav::{self, Gap, RecordingWriter};
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

/// A key as a DTMF tone: 100 ms of the two frequencies at -10 dBm0 each, then
/// 100 ms of silence.
pub fn tone(digit: Digit) -> Pcm {
    const ROWS: [f64; 4] = [697.0, 770.0, 852.0, 941.0];
    const COLS: [f64; 4] = [1209.0, 1336.0, 1477.0, 1633.0];
    let (r, c) = match digit.as_char() {
        '1' => (0, 0),
        '2' => (0, 1),
        '3' => (0, 2),
        'A' => (0, 3),
        '4' => (1, 0),
        '5' => (1, 1),
        '6' => (1, 2),
        'B' => (1, 3),
        '7' => (2, 0),
        '8' => (2, 1),
        '9' => (2, 2),
        'C' => (2, 3),
        '*' => (3, 0),
        '0' => (3, 1),
        '#' => (3, 2),
        _ => (3, 3),
    };
    let mut pcm = vec![0i16; 1600];
    for (i, s) in pcm.iter_mut().take(800).enumerate() {
        let t = i as f64 / 8000.0;
        let v = 7000.0 * (2.0 * std::f64::consts::PI * ROWS[r] * t).sin()
            + 7000.0 * (2.0 * std::f64::consts::PI * COLS[c] * t).sin();
        *s = v as i16;
    }
    pcm.into()
}

/// RFC 4733 packets for one key: a start, two updates and three end packets
/// (the end repeated, as senders do), each `(timestamp, payload)`.
pub fn telephone_event_packets(digit: Digit, timestamp: u32) -> Vec<(u32, [u8; 4])> {
    let event = match digit.as_char() {
        c @ '0'..='9' => c as u8 - b'0',
        '*' => 10,
        '#' => 11,
        c => c as u8 - b'A' + 12,
    };
    let volume = 10u8;
    let mut packets = Vec::new();
    for (end, duration) in [
        (false, 160u16),
        (false, 320),
        (false, 480),
        (true, 800),
        (true, 800),
        (true, 800),
    ] {
        let d = duration.to_be_bytes();
        packets.push((
            timestamp,
            [event, (u8::from(end) << 7) | volume, d[0], d[1]],
        ));
    }
    packets
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

/// A recording being made: the samples, and the paused stretches.
#[derive(Default)]
struct Recording {
    samples: Vec<i16>,
    /// (start, length) of each pause, in samples.
    pauses: Vec<(u64, u64)>,
    paused: bool,
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
    /// Problems met (a recording that could not be written).
    pub errors: Vec<String>,
    /// Frames sent to the parties (what they heard), counted.
    pub frames_out: u64,
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
            frames_out: 0,
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
                MediaOutput::Frame { .. } => self.frames_out += 1,
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
                    r.paused = false;
                    r.samples.extend_from_slice(&frame[..]);
                }
            }
            RecordChunk::Paused => {
                if let Some(r) = self.recording.get_mut(&task) {
                    let at = r.samples.len() as u64;
                    match r.pauses.last_mut() {
                        Some((start, len)) if r.paused && *start + *len == at => {
                            *len += FRAME as u64
                        }
                        _ => r.pauses.push((at, FRAME as u64)),
                    }
                    r.paused = true;
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
        let gaps: Vec<Gap> = r
            .pauses
            .iter()
            .map(|(start, len)| Gap {
                start: *start,
                len: *len,
            })
            .collect();
        let mut done = Recorded {
            samples: r.samples.len() as u64,
            gaps: gaps.clone(),
            path: None,
        };
        let Some(dir) = &self.dir else {
            return done;
        };
        let path = dir.join(format!("task-{}.wav", task.0));
        match write_recording(&path, &r.samples, &r.pauses) {
            Ok(()) => done.path = Some(path),
            Err(e) => self.errors.push(format!(
                "{}: cannot write the recording: {e}",
                path.display()
            )),
        }
        done
    }
}

/// Writes a recording: audio and pauses in order, the pauses marked.
fn write_recording(path: &Path, samples: &[i16], pauses: &[(u64, u64)]) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).map_err(|e| e.to_string())?);
    let mut w = RecordingWriter::new(&mut file).map_err(|e| e.to_string())?;
    let mut at = 0u64;
    for (start, len) in pauses {
        let s = (*start as usize).min(samples.len());
        w.audio(&samples[at as usize..s])
            .map_err(|e| e.to_string())?;
        w.pause(*len).map_err(|e| e.to_string())?;
        at = (start + len).min(samples.len() as u64);
    }
    w.audio(&samples[at as usize..])
        .map_err(|e| e.to_string())?;
    let (_, gaps) = w.finish().map_err(|e| e.to_string())?;
    wav::mark_gaps(&mut file, &gaps).map_err(|e| e.to_string())?;
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
