//! One voice leg's inbound pipeline (AUD-01..04): a 20 ms G.711 frame from the
//! network is decoded, listened to for DTMF, cleaned of noise (when the leg is a
//! customer's and the tenant has noise removal on), listened to for an
//! answering machine when asked, and kept as what the other parties hear and
//! what the recording takes.
//!
//! ```text
//!  G.711 ─▶ decode ─▶ DTMF detector ─▶ 8→48 kHz ─▶ nnnoiseless ─▶ 48→8 kHz ─▶ heard ─▶ mix / record
//!                 └──────────────────── (no noise removal) ───────────────────▶
//!                                            voice activity ─▶ AMD
//! ```
//!
//! DTMF is detected before noise removal, which would take the tones for noise.
//! RFC 4733 telephone-events are the other way a key arrives; once a leg has
//! sent one, its in-band detector is switched off, so that a phone sending both
//! (as some do) does not press every key twice. Everything is allocated when
//! the leg is built; a frame allocates nothing.

use crate::dtmf::Digit;

use super::FRAME;
use super::amd::{Amd, AmdParams, AmdResult};
use super::denoise::Denoiser;
use super::dtmf::DtmfDetector;
use super::g711::Law;
use super::rfc4733::{EventError, EventReceiver};

/// What one frame of a leg's audio meant.
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct Heard {
    /// A key pressed (in-band tone or telephone-event).
    pub digit: Option<Digit>,
    /// Answering-machine detection's verdict, once.
    pub machine: Option<AmdResult>,
    /// The denoiser's voice-activity probability (0 when noise removal is off).
    pub voice: f32,
}

/// The inbound pipeline of one leg.
pub struct LegPipeline {
    law: Law,
    denoiser: Option<Box<Denoiser>>,
    dtmf: DtmfDetector,
    events: EventReceiver,
    /// An RFC 4733 event has arrived: in-band detection is off.
    out_of_band: bool,
    amd: Option<Amd>,
    /// The last frame, as the other parties hear it.
    heard: [i16; FRAME],
}

impl LegPipeline {
    /// A leg using `law`; `denoise` turns noise removal on for it.
    pub fn new(law: Law, denoise: bool) -> Self {
        LegPipeline {
            law,
            denoiser: denoise.then(|| Box::new(Denoiser::new())),
            dtmf: DtmfDetector::new(),
            events: EventReceiver::new(),
            out_of_band: false,
            amd: None,
            heard: [0; FRAME],
        }
    }

    /// Starts answering-machine detection on what comes from now on.
    pub fn detect_machine(&mut self, params: &AmdParams) {
        self.amd = Some(Amd::new(params));
    }

    /// Whether answering-machine detection is still listening.
    pub fn detecting_machine(&self) -> bool {
        self.amd.as_ref().is_some_and(|a| a.result().is_none())
    }

    /// Whether noise removal runs on this leg.
    pub fn denoising(&self) -> bool {
        self.denoiser.is_some()
    }

    /// One frame of G.711 from the network (160 codes; a shorter payload is
    /// padded with silence, a longer one cut).
    pub fn receive(&mut self, payload: &[u8]) -> Heard {
        let mut pcm = [0i16; FRAME];
        let n = payload.len().min(FRAME);
        self.law.decode_into(&payload[..n], &mut pcm[..n]);
        self.receive_pcm(&pcm)
    }

    /// One frame of decoded 8 kHz audio (the same path without the decoder).
    pub fn receive_pcm(&mut self, pcm: &[i16; FRAME]) -> Heard {
        let mut heard = Heard::default();
        if !self.out_of_band {
            self.dtmf.process(pcm, |d| heard.digit = Some(d));
        }
        self.heard = *pcm;
        if let Some(d) = self.denoiser.as_mut() {
            heard.voice = d.process(&mut self.heard);
        }
        if let Some(amd) = self.amd.as_mut() {
            // With noise removal, the detector listens to the cleaned audio and
            // takes the network's voice-activity estimate as a veto: on a noisy
            // line energy alone hears words everywhere (BENCHMARKS.md).
            let vad = self.denoiser.is_some().then_some(heard.voice);
            heard.machine = amd.process(&self.heard, vad);
        }
        heard
    }

    /// A frame in which nothing arrived (the party sends silence, or packets were
    /// lost): the other parties hear silence, and answering-machine detection
    /// counts it as silence.
    pub fn silent(&mut self) -> Heard {
        self.heard = [0; FRAME];
        let mut heard = Heard::default();
        if let Some(amd) = self.amd.as_mut() {
            heard.machine = amd.process(&self.heard, None);
        }
        heard
    }

    /// An RTP telephone-event packet (RFC 4733) from the leg.
    pub fn telephone_event(
        &mut self,
        rtp_timestamp: u32,
        payload: &[u8],
    ) -> Result<Option<Digit>, EventError> {
        self.out_of_band = true;
        self.events.receive(rtp_timestamp, payload)
    }

    /// The last frame as the other parties hear it (denoised when on).
    pub fn heard(&self) -> &[i16; FRAME] {
        &self.heard
    }

    /// Encodes a frame towards the leg.
    pub fn send(&self, pcm: &[i16; FRAME], out: &mut [u8; FRAME]) {
        self.law.encode_into(pcm, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::g711::ulaw_encode;

    fn tone(f1: f64, f2: f64, n: usize, start: usize) -> Vec<i16> {
        (start..start + n)
            .map(|i| {
                let t = i as f64 / 8000.0;
                (6000.0 * (2.0 * std::f64::consts::PI * f1 * t).sin()
                    + 6000.0 * (2.0 * std::f64::consts::PI * f2 * t).sin()) as i16
            })
            .collect()
    }

    fn frames(pcm: &[i16]) -> Vec<[u8; FRAME]> {
        pcm.chunks(FRAME)
            .map(|c| {
                let mut f = [0xFFu8; FRAME];
                for (o, s) in f.iter_mut().zip(c) {
                    *o = ulaw_encode(*s);
                }
                f
            })
            .collect()
    }

    #[test]
    fn a_tone_is_a_key_with_or_without_noise_removal() {
        for denoise in [false, true] {
            let mut leg = LegPipeline::new(Law::MuLaw, denoise);
            let mut pcm = vec![0i16; 800];
            pcm.extend(tone(697.0, 1209.0, 800, 0));
            pcm.extend(vec![0i16; 1600]);
            let keys: Vec<Digit> = frames(&pcm)
                .iter()
                .filter_map(|f| leg.receive(f).digit)
                .collect();
            assert_eq!(keys, vec![Digit::ONE], "denoise {denoise}");
        }
    }

    #[test]
    fn telephone_events_switch_the_tone_detector_off() {
        let mut leg = LegPipeline::new(Law::ALaw, false);
        // Event 1, end bit, volume 10, duration 800.
        let d = leg
            .telephone_event(1000, &[1, 0x80 | 10, 0x03, 0x20])
            .unwrap();
        assert_eq!(d, Some(Digit::ONE));
        let pcm = tone(697.0, 1209.0, 800, 0);
        let mut codes = [0u8; FRAME];
        let mut any = false;
        for c in pcm.chunks(FRAME) {
            let mut f = [0i16; FRAME];
            f[..c.len()].copy_from_slice(c);
            Law::ALaw.encode_into(&f, &mut codes);
            any |= leg.receive(&codes).digit.is_some();
        }
        assert!(!any, "the tone was heard after telephone-events");
    }

    #[test]
    fn a_long_greeting_is_a_machine() {
        let mut leg = LegPipeline::new(Law::MuLaw, false);
        leg.detect_machine(&AmdParams::default());
        assert!(leg.detecting_machine());
        // 300 ms of silence, then 3 s of steady "voice".
        let mut verdict = None;
        for i in 0..200 {
            let h = if i < 15 {
                leg.silent()
            } else {
                let f = frames(&tone(300.0, 900.0, FRAME, i * FRAME));
                leg.receive(&f[0])
            };
            if let Some(m) = h.machine {
                verdict = Some(m);
                break;
            }
        }
        let v = verdict.expect("a verdict");
        assert_eq!(v.verdict, crate::audio::amd::Verdict::Machine);
        assert!(!leg.detecting_machine());
    }

    #[test]
    fn short_and_long_payloads_never_panic() {
        let mut leg = LegPipeline::new(Law::MuLaw, true);
        leg.receive(&[]);
        leg.receive(&[0u8; 7]);
        leg.receive(&[0x80u8; 999]);
        assert!(leg.telephone_event(0, &[1, 2]).is_err());
        let mut out = [0u8; FRAME];
        leg.send(&[i16::MIN; FRAME], &mut out);
    }
}
