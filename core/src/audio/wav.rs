//! WAV files, over any reader or writer (the core opens no file itself):
//! prompts and music read into 8 kHz samples, and call recordings written with
//! their pauses marked (REC-02, AUD-05).
//!
//! A recording keeps the call's timeline: a paused stretch is digital silence
//! of the same length, and each pause is marked as a labelled region (a `cue `
//! point with an `ltxt` length and a `labl` text in a `LIST`/`adtl` chunk, the
//! markers audio editors show), so that a listener sees where and for how long
//! nothing was recorded, and the recording lines up with the call's event log.
//! Samples are written with `hound`; the two marker chunks follow its `data`
//! chunk.

use std::io::{Read, Seek, SeekFrom, Write};

use super::resample::{Downsampler, FACTOR};

/// Why a WAV file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum WavError {
    #[error("{name}: not a WAV file we can read ({error})")]
    Read { name: String, error: hound::Error },
    #[error(
        "{name}: {channels} channels at {rate} Hz, {bits} bits; prompts must be mono 16-bit PCM at 8000 or 48000 Hz"
    )]
    Format {
        name: String,
        channels: u16,
        rate: u32,
        bits: u16,
    },
    #[error("{name}: holds no audio")]
    Empty { name: String },
    #[error("{name}: is longer than {max_secs} s")]
    TooLong { name: String, max_secs: u32 },
    #[error("cannot write the recording: {0}")]
    Write(String),
}

/// The longest prompt or music accepted (10 minutes).
pub const MAX_PROMPT_SECS: u32 = 600;

/// Reads a WAV file (mono, 16-bit PCM, 8 or 48 kHz) into 8 kHz samples.
/// `name` says which file, for errors.
pub fn read_pcm(name: &str, reader: impl Read) -> Result<Vec<i16>, WavError> {
    let mut wav = hound::WavReader::new(reader).map_err(|error| WavError::Read {
        name: name.to_string(),
        error,
    })?;
    let spec = wav.spec();
    let ok = spec.channels == 1
        && spec.bits_per_sample == 16
        && spec.sample_format == hound::SampleFormat::Int
        && (spec.sample_rate == 8000 || spec.sample_rate == 48000);
    if !ok {
        return Err(WavError::Format {
            name: name.to_string(),
            channels: spec.channels,
            rate: spec.sample_rate,
            bits: spec.bits_per_sample,
        });
    }
    let max = MAX_PROMPT_SECS as usize * spec.sample_rate as usize;
    if wav.len() as usize > max {
        return Err(WavError::TooLong {
            name: name.to_string(),
            max_secs: MAX_PROMPT_SECS,
        });
    }
    let samples: Vec<i16> = wav
        .samples::<i16>()
        .collect::<Result<_, _>>()
        .map_err(|error| WavError::Read {
            name: name.to_string(),
            error,
        })?;
    let pcm = if spec.sample_rate == 48000 {
        let input: Vec<f32> = samples.iter().map(|s| *s as f32).collect();
        let mut out = vec![0i16; input.len() / FACTOR];
        let n = Downsampler::new().process_i16(&input, &mut out);
        out.truncate(n);
        out
    } else {
        samples
    };
    if pcm.is_empty() {
        return Err(WavError::Empty {
            name: name.to_string(),
        });
    }
    Ok(pcm)
}

/// A stretch of a recording in which nothing was recorded, in samples at 8 kHz.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Gap {
    pub start: u64,
    pub len: u64,
}

/// The label of a pause region.
pub const GAP_LABEL: &str = "recording paused";

/// Writes one call's recording: 8 kHz mono 16-bit PCM, pauses as silence marked
/// by labelled regions.
pub struct RecordingWriter<'w, W: Write + Seek> {
    wav: hound::WavWriter<&'w mut W>,
    written: u64,
    gaps: Vec<Gap>,
    /// Where the open pause began.
    paused: Option<u64>,
}

impl<'w, W: Write + Seek> RecordingWriter<'w, W> {
    pub fn new(out: &'w mut W) -> Result<Self, WavError> {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let wav = hound::WavWriter::new(out, spec).map_err(|e| WavError::Write(e.to_string()))?;
        Ok(RecordingWriter {
            wav,
            written: 0,
            gaps: Vec::new(),
            paused: None,
        })
    }

    /// Appends recorded audio (ending a pause, if one is open).
    pub fn audio(&mut self, samples: &[i16]) -> Result<(), WavError> {
        if let Some(start) = self.paused.take() {
            self.gaps.push(Gap {
                start,
                len: self.written - start,
            });
        }
        self.put(samples)
    }

    /// A paused stretch of `samples` samples: silence, marked.
    pub fn pause(&mut self, samples: u64) -> Result<(), WavError> {
        if self.paused.is_none() {
            self.paused = Some(self.written);
        }
        let zeros = [0i16; 160];
        let mut left = samples;
        while left > 0 {
            let n = left.min(zeros.len() as u64) as usize;
            self.put(&zeros[..n])?;
            left -= n as u64;
        }
        Ok(())
    }

    fn put(&mut self, samples: &[i16]) -> Result<(), WavError> {
        let mut w = self.wav.get_i16_writer(samples.len() as u32);
        for s in samples {
            w.write_sample(*s);
        }
        w.flush().map_err(|e| WavError::Write(e.to_string()))?;
        self.written += samples.len() as u64;
        Ok(())
    }

    /// Samples written so far.
    pub fn len(&self) -> u64 {
        self.written
    }

    pub fn is_empty(&self) -> bool {
        self.written == 0
    }

    /// Finishes the file: the samples' header, then the pause markers. Returns
    /// the recording's length in samples and its gaps.
    pub fn finish(mut self) -> Result<(u64, Vec<Gap>), WavError> {
        if let Some(start) = self.paused.take() {
            self.gaps.push(Gap {
                start,
                len: self.written - start,
            });
        }
        let RecordingWriter {
            wav, written, gaps, ..
        } = self;
        wav.finalize().map_err(|e| WavError::Write(e.to_string()))?;
        Ok((written, gaps))
    }
}

/// Writes a whole recording: `samples` hold the call's timeline, `gaps` the
/// paused stretches in it (written as silence, whatever the samples there,
/// and marked). Gaps are in order and do not overlap.
pub fn write_recording<W: Write + Seek>(
    out: &mut W,
    samples: &[i16],
    gaps: &[Gap],
) -> Result<(), WavError> {
    let mut w = RecordingWriter::new(out)?;
    let len = samples.len() as u64;
    let mut at = 0u64;
    for g in gaps {
        let start = g.start.clamp(at, len);
        w.audio(&samples[at as usize..start as usize])?;
        w.pause(g.len)?;
        at = (start + g.len).min(len);
    }
    w.audio(&samples[at as usize..])?;
    let (_, gaps) = w.finish()?;
    mark_gaps(out, &gaps)
}

/// Appends the pause markers of `gaps` to a finished WAV file in `out` and
/// fixes the RIFF size.
pub fn mark_gaps<W: Write + Seek>(out: &mut W, gaps: &[Gap]) -> Result<(), WavError> {
    if gaps.is_empty() {
        return Ok(());
    }
    let io = |e: std::io::Error| WavError::Write(e.to_string());
    let mut cue = Vec::new();
    cue.extend_from_slice(&(gaps.len() as u32).to_le_bytes());
    for (i, g) in gaps.iter().enumerate() {
        let pos = g.start.min(u32::MAX as u64) as u32;
        cue.extend_from_slice(&(i as u32 + 1).to_le_bytes());
        cue.extend_from_slice(&pos.to_le_bytes());
        cue.extend_from_slice(b"data");
        cue.extend_from_slice(&0u32.to_le_bytes());
        cue.extend_from_slice(&0u32.to_le_bytes());
        cue.extend_from_slice(&pos.to_le_bytes());
    }
    let mut adtl = Vec::new();
    adtl.extend_from_slice(b"adtl");
    for (i, g) in gaps.iter().enumerate() {
        let id = (i as u32 + 1).to_le_bytes();
        let mut ltxt = Vec::new();
        ltxt.extend_from_slice(&id);
        ltxt.extend_from_slice(&(g.len.min(u32::MAX as u64) as u32).to_le_bytes());
        ltxt.extend_from_slice(b"rgn ");
        ltxt.extend_from_slice(&[0u8; 8]); // country, language, dialect, code page
        push_chunk(&mut adtl, b"ltxt", &ltxt);
        let mut labl = Vec::new();
        labl.extend_from_slice(&id);
        labl.extend_from_slice(GAP_LABEL.as_bytes());
        labl.push(0);
        push_chunk(&mut adtl, b"labl", &labl);
    }
    let mut tail = Vec::new();
    push_chunk(&mut tail, b"cue ", &cue);
    push_chunk(&mut tail, b"LIST", &adtl);
    let end = out.seek(SeekFrom::End(0)).map_err(io)?;
    out.write_all(&tail).map_err(io)?;
    let riff = (end + tail.len() as u64 - 8).min(u32::MAX as u64) as u32;
    out.seek(SeekFrom::Start(4)).map_err(io)?;
    out.write_all(&riff.to_le_bytes()).map_err(io)?;
    out.seek(SeekFrom::End(0)).map_err(io)?;
    Ok(())
}

fn push_chunk(out: &mut Vec<u8>, id: &[u8; 4], body: &[u8]) {
    out.extend_from_slice(id);
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(body);
    if body.len() % 2 == 1 {
        out.push(0);
    }
}

/// What a recording file holds: its length in samples and its marked pauses
/// (read back from the file, for tests and expectations).
pub fn read_recording(bytes: &[u8]) -> Result<(u64, Vec<Gap>), String> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err("not a RIFF/WAVE file".to_string());
    }
    let mut pos = 12;
    let mut samples = None;
    let mut starts: Vec<(u32, u64)> = Vec::new();
    let mut lens: Vec<(u32, u64)> = Vec::new();
    let mut labels: Vec<u32> = Vec::new();
    while pos + 8 <= bytes.len() {
        let id = &bytes[pos..pos + 4];
        let size = u32::from_le_bytes([
            bytes[pos + 4],
            bytes[pos + 5],
            bytes[pos + 6],
            bytes[pos + 7],
        ]) as usize;
        let body = bytes
            .get(pos + 8..pos + 8 + size)
            .ok_or_else(|| format!("chunk {:?} runs past the end", String::from_utf8_lossy(id)))?;
        match id {
            b"data" => samples = Some(size as u64 / 2),
            b"cue " => {
                let n = body
                    .get(0..4)
                    .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
                for i in 0..n as usize {
                    let p = body
                        .get(4 + i * 24..4 + i * 24 + 24)
                        .ok_or("a short cue chunk")?;
                    let cid = u32::from_le_bytes([p[0], p[1], p[2], p[3]]);
                    let at = u32::from_le_bytes([p[20], p[21], p[22], p[23]]);
                    starts.push((cid, at as u64));
                }
            }
            b"LIST" if body.starts_with(b"adtl") => {
                let mut q = 4;
                while q + 8 <= body.len() {
                    let sid = &body[q..q + 4];
                    let ssize =
                        u32::from_le_bytes([body[q + 4], body[q + 5], body[q + 6], body[q + 7]])
                            as usize;
                    let sub = body.get(q + 8..q + 8 + ssize).ok_or("a short adtl chunk")?;
                    if sub.len() >= 8 {
                        let cid = u32::from_le_bytes([sub[0], sub[1], sub[2], sub[3]]);
                        if sid == b"ltxt" {
                            lens.push((
                                cid,
                                u32::from_le_bytes([sub[4], sub[5], sub[6], sub[7]]) as u64,
                            ));
                        } else if sid == b"labl" && sub[4..].starts_with(GAP_LABEL.as_bytes()) {
                            labels.push(cid);
                        }
                    }
                    q += 8 + ssize + (ssize % 2);
                }
            }
            _ => {}
        }
        pos += 8 + size + (size % 2);
    }
    let samples = samples.ok_or("no data chunk")?;
    let mut gaps: Vec<Gap> = starts
        .iter()
        .filter(|(id, _)| labels.contains(id))
        .map(|(id, start)| Gap {
            start: *start,
            len: lens.iter().find(|(l, _)| l == id).map_or(0, |(_, n)| *n),
        })
        .collect();
    gaps.sort_by_key(|g| g.start);
    Ok((samples, gaps))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn a_recording_with_pauses_reads_back() {
        let mut file = Cursor::new(Vec::new());
        let mut w = RecordingWriter::new(&mut file).unwrap();
        w.audio(&[100; 8000]).unwrap();
        w.pause(16000).unwrap();
        w.audio(&[200; 4000]).unwrap();
        w.pause(800).unwrap();
        let (len, gaps) = w.finish().unwrap();
        assert_eq!(len, 28800);
        mark_gaps(&mut file, &gaps).unwrap();
        let bytes = file.into_inner();
        let (n, back) = read_recording(&bytes).unwrap();
        assert_eq!(n, 28800);
        assert_eq!(
            back,
            vec![
                Gap {
                    start: 8000,
                    len: 16000
                },
                Gap {
                    start: 28000,
                    len: 800
                }
            ]
        );
        // hound still reads the samples.
        let mut r = hound::WavReader::new(Cursor::new(bytes)).unwrap();
        assert_eq!(r.len(), 28800);
        let s: Vec<i16> = r.samples::<i16>().map(|s| s.unwrap()).collect();
        assert_eq!(s[0], 100);
        assert_eq!(s[8000], 0);
        assert_eq!(s[24000], 200);
    }

    #[test]
    fn a_whole_timeline_writes_its_gaps_as_silence() {
        let samples = vec![7i16; 24000];
        let gaps = [
            Gap {
                start: 8000,
                len: 4000,
            },
            Gap {
                start: 20000,
                len: 4000,
            },
        ];
        let mut file = Cursor::new(Vec::new());
        write_recording(&mut file, &samples, &gaps).unwrap();
        let bytes = file.into_inner();
        assert_eq!(read_recording(&bytes).unwrap(), (24000, gaps.to_vec()));
        let mut r = hound::WavReader::new(Cursor::new(bytes)).unwrap();
        let s: Vec<i16> = r.samples::<i16>().map(|s| s.unwrap()).collect();
        assert_eq!(
            (s[7999], s[8000], s[11999], s[12000], s[23999]),
            (7, 0, 0, 7, 0)
        );
    }

    #[test]
    fn prompts_read_at_8_and_48_khz() {
        for rate in [8000u32, 48000] {
            let mut file = Cursor::new(Vec::new());
            let spec = hound::WavSpec {
                channels: 1,
                sample_rate: rate,
                bits_per_sample: 16,
                sample_format: hound::SampleFormat::Int,
            };
            let mut w = hound::WavWriter::new(&mut file, spec).unwrap();
            for i in 0..rate {
                w.write_sample(((i % 100) as i16) * 100).unwrap();
            }
            w.finalize().unwrap();
            let pcm = read_pcm("x.wav", Cursor::new(file.into_inner())).unwrap();
            assert_eq!(pcm.len(), 8000, "{rate}");
        }
    }

    #[test]
    fn bad_files_are_refused_with_a_sentence() {
        let e = read_pcm("junk.wav", Cursor::new(b"not a wav".to_vec())).unwrap_err();
        assert!(e.to_string().starts_with("junk.wav: not a WAV file"), "{e}");
        let mut file = Cursor::new(Vec::new());
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 44100,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::new(&mut file, spec).unwrap();
        w.write_sample(1i16).unwrap();
        w.write_sample(1i16).unwrap();
        w.finalize().unwrap();
        let e = read_pcm("stereo.wav", Cursor::new(file.into_inner())).unwrap_err();
        assert_eq!(
            e.to_string(),
            "stereo.wav: 2 channels at 44100 Hz, 16 bits; prompts must be mono 16-bit PCM at 8000 or 48000 Hz"
        );
        assert!(read_recording(b"RIFF").is_err());
        assert!(read_recording(b"RIFF\0\0\0\0WAVEdata\xff\xff\xff\xff").is_err());
    }
}
