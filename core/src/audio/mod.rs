//! The audio pipeline: what a voice leg's media goes through inside the core.
//! Pure, deterministic signal processing on 8 kHz telephone audio (and the
//! 48 kHz the denoiser works at): no I/O, no clock, no allocation once a leg's
//! state is built.
//!
//! - [`g711`] — mu-law and A-law decode/encode (ITU-T G.711).
//! - [`resample`] — 8 kHz <-> 48 kHz polyphase resampling.
//! - [`denoise`] — noise removal (nnnoiseless) with its voice-activity estimate.
//! - [`dtmf`] — the in-band DTMF detector (Goertzel).
//! - [`rfc4733`] — RTP telephone-events (RFC 4733) to digits.
//! - [`amd`] — answering-machine detection.
//! - [`pipeline`] — one leg's inbound path through all of the above.
//! - [`wav`] — prompts read from WAV, recordings written with their pauses marked.

pub mod amd;
pub mod denoise;
pub mod dtmf;
pub mod g711;
pub mod pipeline;
pub mod resample;
pub mod rfc4733;
pub mod wav;

/// The telephone sample rate.
pub const RATE: u32 = 8000;
/// Samples in one 20 ms frame at 8 kHz (one RTP packet of G.711).
pub const FRAME: usize = 160;
