//! RTP telephone-events (RFC 4733) to digits: the DTMF a phone sends out of
//! band, as RTP packets of the `telephone-event` payload type.
//!
//! One event's payload block is 4 bytes (RFC 4733 §2.3):
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |     event     |E|R| volume    |          duration             |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//!
//! Events 0-9 are the digits, 10 is `*`, 11 is `#`, 12-15 are `A`-`D`
//! (RFC 4733 §3); other events (flash, modem and fax tones...) are ignored.
//! A payload may carry several blocks back to back (RFC 4733 lets a sender
//! pack the blocks of earlier events before the current one); the last block
//! is the current event. A payload that is not whole blocks is refused.
//!
//! A sender sends one event as many packets with the same RTP timestamp (the
//! event's start): a first packet, updates with a growing duration, and the
//! end packet three times (RFC 4733's retransmission of the final packet). [`EventReceiver`] reports the
//! digit once, with the first packet of a new timestamp it sees, whichever
//! that is (the start packets may be lost), and never again for later packets
//! of that timestamp, even ones reordered after the next event's.

use crate::dtmf::Digit;

/// The length of one event block.
const BLOCK: usize = 4;
/// How many recent event timestamps the receiver remembers.
const REMEMBERED: usize = 8;

/// One telephone-event block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent {
    /// The event code (0-15 are DTMF keys).
    pub event: u8,
    /// The E bit: this packet ends the event.
    pub end: bool,
    /// The power level of the tone, in -dBm0 (0-63).
    pub volume: u8,
    /// The duration so far, in RTP timestamp units.
    pub duration: u16,
}

impl TelephoneEvent {
    /// The event of a DTMF key (RFC 4733 section 3.2: 0-9, * = 10, # = 11, A-D = 12-15).
    pub fn code(digit: Digit) -> u8 {
        match digit.as_char() {
            c @ '0'..='9' => c as u8 - b'0',
            '*' => 10,
            '#' => 11,
            c => (c as u8).saturating_sub(b'A').min(3) + 12,
        }
    }

    /// The four bytes of the block, as sent.
    pub fn to_bytes(&self) -> [u8; 4] {
        let d = self.duration.to_be_bytes();
        [
            self.event,
            (u8::from(self.end) << 7) | (self.volume & 0x3F),
            d[0],
            d[1],
        ]
    }

    /// The DTMF key of the event, if it is one (events 0-15).
    pub fn digit(&self) -> Option<Digit> {
        let c = match self.event {
            0..=9 => char::from(b'0' + self.event),
            10 => '*',
            11 => '#',
            12..=15 => char::from(b'A' + (self.event - 12)),
            _ => return None,
        };
        Digit::from_char(c)
    }
}

/// Why a telephone-event payload cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// Fewer than the 4 bytes of one event block.
    #[error("a telephone-event payload needs at least 4 bytes, but this one has {len}")]
    TooShort {
        /// The payload's length.
        len: usize,
    },
    /// Not made of whole 4-byte blocks.
    #[error(
        "a telephone-event payload is made of 4-byte blocks, but this one has {len} bytes, not a multiple of 4"
    )]
    PartialBlock {
        /// The payload's length.
        len: usize,
    },
}

/// Reads a telephone-event payload: its last (current) event block.
pub fn parse(payload: &[u8]) -> Result<TelephoneEvent, EventError> {
    let len = payload.len();
    if len < BLOCK {
        return Err(EventError::TooShort { len });
    }
    if !len.is_multiple_of(BLOCK) {
        return Err(EventError::PartialBlock { len });
    }
    match payload.rchunks_exact(BLOCK).next() {
        Some(&[event, flags, d0, d1]) => Ok(TelephoneEvent {
            event,
            end: flags & 0x80 != 0,
            volume: flags & 0x3f,
            duration: u16::from_be_bytes([d0, d1]),
        }),
        _ => Err(EventError::TooShort { len }),
    }
}

/// Turns the telephone-event packets of one RTP stream into key presses.
#[derive(Debug, Clone, Default)]
pub struct EventReceiver {
    /// The timestamps of the latest events reported, in a ring.
    recent: [Option<u32>; REMEMBERED],
    /// Where the next timestamp goes in `recent`.
    next: usize,
}

impl EventReceiver {
    /// A receiver that has seen no event yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// One RTP packet of payload type telephone-event with its RTP timestamp;
    /// returns the digit once per event (the first packet of a new event
    /// timestamp, including when only the end packets arrive, and not again
    /// for retransmitted end packets or later updates of the same timestamp).
    /// Events that are not keys give `Ok(None)`.
    pub fn receive(
        &mut self,
        rtp_timestamp: u32,
        payload: &[u8],
    ) -> Result<Option<Digit>, EventError> {
        let event = parse(payload)?;
        let Some(digit) = event.digit() else {
            return Ok(None);
        };
        if self.recent.contains(&Some(rtp_timestamp)) {
            return Ok(None);
        }
        if let Some(slot) = self.recent.get_mut(self.next) {
            *slot = Some(rtp_timestamp);
        }
        self.next = (self.next + 1) % REMEMBERED;
        Ok(Some(digit))
    }

    /// Forgets the events seen (a new RTP stream).
    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_encodes_and_parses_back() {
        for c in "0123456789*#ABCD".chars() {
            let d = Digit::from_char(c).unwrap();
            let e = TelephoneEvent {
                event: TelephoneEvent::code(d),
                end: true,
                volume: 10,
                duration: 800,
            };
            assert_eq!(parse(&e.to_bytes()), Ok(e));
            assert_eq!(e.digit(), Some(d));
        }
    }

    fn block(event: u8, end: bool, volume: u8, duration: u16) -> [u8; 4] {
        let d = duration.to_be_bytes();
        [event, u8::from(end) << 7 | volume, d[0], d[1]]
    }

    /// The packets a phone sends for one press: start, updates, 3 ends.
    fn press(event: u8) -> Vec<[u8; 4]> {
        let mut p: Vec<[u8; 4]> = (1..=5).map(|i| block(event, false, 10, i * 160)).collect();
        p.extend([block(event, true, 10, 960); 3]);
        p
    }

    fn keys(rx: &mut EventReceiver, ts: u32, packets: &[[u8; 4]]) -> String {
        packets
            .iter()
            .filter_map(|p| rx.receive(ts, p).unwrap())
            .map(|d| d.as_char())
            .collect()
    }

    #[test]
    fn blocks_are_read_field_by_field() {
        assert_eq!(
            parse(&[11, 0x8a, 0x03, 0x20]),
            Ok(TelephoneEvent {
                event: 11,
                end: true,
                volume: 10,
                duration: 800
            })
        );
        // The R bit is ignored; the volume is 6 bits.
        assert_eq!(
            parse(&[5, 0x7f, 0, 0]).map(|e| (e.end, e.volume)),
            Ok((false, 63))
        );
        let names: String = (0..=16)
            .filter_map(|e| parse(&[e, 0, 0, 0]).unwrap().digit())
            .map(|d| d.as_char())
            .collect();
        assert_eq!(names, "0123456789*#ABCD");
    }

    #[test]
    fn with_several_blocks_the_last_is_the_event() {
        let mut payload = block(1, true, 10, 800).to_vec();
        payload.extend(block(2, false, 10, 160));
        assert_eq!(parse(&payload).map(|e| e.event), Ok(2));
    }

    #[test]
    fn malformed_payloads_are_errors() {
        for len in 0..4 {
            assert_eq!(parse(&[1u8; 3][..len]), Err(EventError::TooShort { len }));
        }
        assert_eq!(parse(&[1u8; 6]), Err(EventError::PartialBlock { len: 6 }));
        let e = EventReceiver::new().receive(0, &[1, 2]).unwrap_err();
        assert!(e.to_string().contains("at least 4 bytes"), "{e}");
        assert!(
            EventError::PartialBlock { len: 7 }
                .to_string()
                .contains("not a multiple of 4")
        );
    }

    #[test]
    fn one_press_is_one_digit() {
        let mut rx = EventReceiver::new();
        assert_eq!(keys(&mut rx, 1000, &press(5)), "5");
    }

    #[test]
    fn two_presses_are_two_digits_even_of_the_same_key() {
        let mut rx = EventReceiver::new();
        assert_eq!(keys(&mut rx, 1000, &press(10)), "*");
        assert_eq!(keys(&mut rx, 3000, &press(11)), "#");
        assert_eq!(keys(&mut rx, 5000, &press(11)), "#");
    }

    #[test]
    fn a_press_whose_start_was_lost_is_heard_from_its_end() {
        let mut rx = EventReceiver::new();
        let p = press(9);
        assert_eq!(keys(&mut rx, 1000, &p[5..]), "9");
        assert_eq!(keys(&mut rx, 2000, &p[3..]), "9");
    }

    #[test]
    fn late_packets_of_an_earlier_press_are_not_heard_again() {
        let mut rx = EventReceiver::new();
        let p = press(1);
        assert_eq!(keys(&mut rx, 1000, &p[..6]), "1");
        assert_eq!(keys(&mut rx, 2000, &press(2)[..2]), "2");
        assert_eq!(keys(&mut rx, 1000, &p[6..]), "");
        assert_eq!(keys(&mut rx, 2000, &press(2)[2..]), "");
    }

    #[test]
    fn events_that_are_not_keys_are_ignored() {
        let mut rx = EventReceiver::new();
        for event in [16, 32, 255] {
            assert_eq!(keys(&mut rx, 500, &press(event)), "");
        }
        // The timestamp of an ignored event does not hide a key.
        assert_eq!(keys(&mut rx, 500, &press(0)), "0");
    }

    #[test]
    fn timestamps_wrap_around() {
        let mut rx = EventReceiver::new();
        assert_eq!(keys(&mut rx, u32::MAX - 100, &press(3)), "3");
        assert_eq!(keys(&mut rx, 700, &press(4)), "4");
        assert_eq!(keys(&mut rx, u32::MAX - 100, &press(3)[7..]), "");
        assert_eq!(keys(&mut rx, 0, &press(3)), "3");
    }

    #[test]
    fn many_events_later_a_timestamp_may_come_back() {
        let mut rx = EventReceiver::new();
        for i in 0..=REMEMBERED as u32 {
            assert_eq!(keys(&mut rx, i * 1000, &press(7)), "7");
        }
        assert_eq!(keys(&mut rx, 0, &press(7)), "7");
        rx.reset();
        assert_eq!(keys(&mut rx, REMEMBERED as u32 * 1000, &press(7)), "7");
    }
}
