//! ITU-T G.711: mu-law and A-law companding between 16-bit linear samples and
//! 8-bit codes (AUD-01).
//!
//! Decoding is a 256-entry table built at compile time from the standard's
//! reconstruction values; encoding finds the segment with one `leading_zeros`
//! and takes the step from the next four bits, exactly as the standard's
//! decision levels say (the same results as the G.191 reference software). The
//! tests check every code and every one of the 65,536 linear inputs against the
//! tables of G.711 itself.

/// The codec of a leg: which G.711 law its RTP payload uses.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Law {
    /// PCMU (RTP payload type 0), North America and Japan.
    #[default]
    MuLaw,
    /// PCMA (RTP payload type 8), the rest of the world.
    ALaw,
}

impl Law {
    /// Decodes one code.
    #[inline]
    pub fn decode(self, code: u8) -> i16 {
        match self {
            Law::MuLaw => ulaw_decode(code),
            Law::ALaw => alaw_decode(code),
        }
    }

    /// Encodes one sample.
    #[inline]
    pub fn encode(self, sample: i16) -> u8 {
        match self {
            Law::MuLaw => ulaw_encode(sample),
            Law::ALaw => alaw_encode(sample),
        }
    }

    /// Decodes a payload into `out` (as many samples as both have).
    pub fn decode_into(self, codes: &[u8], out: &mut [i16]) {
        match self {
            Law::MuLaw => codes
                .iter()
                .zip(out.iter_mut())
                .for_each(|(c, o)| *o = ULAW_TABLE[*c as usize]),
            Law::ALaw => codes
                .iter()
                .zip(out.iter_mut())
                .for_each(|(c, o)| *o = ALAW_TABLE[*c as usize]),
        }
    }

    /// Encodes samples into `out` (as many codes as both have).
    pub fn encode_into(self, samples: &[i16], out: &mut [u8]) {
        match self {
            Law::MuLaw => samples
                .iter()
                .zip(out.iter_mut())
                .for_each(|(s, o)| *o = ulaw_encode(*s)),
            Law::ALaw => samples
                .iter()
                .zip(out.iter_mut())
                .for_each(|(s, o)| *o = alaw_encode(*s)),
        }
    }

    /// The code of silence.
    pub fn silence(self) -> u8 {
        match self {
            Law::MuLaw => 0xFF,
            Law::ALaw => 0xD5,
        }
    }
}

const ULAW_BIAS: i32 = 0x84;

const fn ulaw_value(code: u8) -> i16 {
    // G.711 Table 2: after inversion, sign | segment (3 bits) | step (4 bits);
    // the magnitude on the 14-bit scale is ((2 * step + 33) << segment) - 33.
    let u = !code;
    let step = (u & 0x0F) as i32;
    let seg = ((u & 0x70) >> 4) as i32;
    let t = (((step << 3) + ULAW_BIAS) << seg) - ULAW_BIAS;
    if u & 0x80 != 0 { -t as i16 } else { t as i16 }
}

const fn alaw_value(code: u8) -> i16 {
    // G.711 Table 1: after the even-bit inversion, sign | segment | step; the
    // magnitude on the 13-bit scale is 2 * step + 1 in segment 0 and
    // (2 * step + 33) << (segment - 1) above, here on the 16-bit scale.
    let a = code ^ 0x55;
    let step = (a & 0x0F) as i32;
    let seg = ((a & 0x70) >> 4) as i32;
    let mut t = step << 4;
    t += if seg == 0 { 8 } else { 0x108 };
    if seg > 1 {
        t <<= seg - 1;
    }
    if a & 0x80 != 0 { t as i16 } else { -t as i16 }
}

const fn table(law_a: bool) -> [i16; 256] {
    let mut t = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = if law_a {
            alaw_value(i as u8)
        } else {
            ulaw_value(i as u8)
        };
        i += 1;
    }
    t
}

static ULAW_TABLE: [i16; 256] = table(false);
static ALAW_TABLE: [i16; 256] = table(true);

/// Decodes a mu-law code to a 16-bit linear sample.
#[inline]
pub fn ulaw_decode(code: u8) -> i16 {
    ULAW_TABLE[code as usize]
}

/// Decodes an A-law code to a 16-bit linear sample.
#[inline]
pub fn alaw_decode(code: u8) -> i16 {
    ALAW_TABLE[code as usize]
}

/// Encodes a 16-bit linear sample to mu-law (14-bit magnitude, clipped at 8159).
#[inline]
pub fn ulaw_encode(sample: i16) -> u8 {
    let mut v = (sample as i32) >> 2;
    let mask: u8 = if v < 0 {
        v = -v;
        0x7F
    } else {
        0xFF
    };
    // Clipped at 8158: 8159 and above all take the top code (segment 7, step 15).
    v = v.min(8158) + (ULAW_BIAS >> 2);
    // v is in 0x21..=0x1FFF: its segment is the position of its top bit above bit 5.
    let seg = (26 - (v as u32).leading_zeros()) as i32; // 0..=7
    let code = ((seg << 4) | ((v >> (seg + 1)) & 0x0F)) as u8;
    code ^ mask
}

/// Encodes a 16-bit linear sample to A-law (13-bit magnitude).
#[inline]
pub fn alaw_encode(sample: i16) -> u8 {
    let mut v = (sample as i32) >> 3;
    let mask: u8 = if v >= 0 {
        0xD5
    } else {
        v = -v - 1;
        0x55
    };
    // v is in 0..=0xFFF; segment 0 covers 0..=0x1F, then one per bit.
    let seg = if v < 0x20 {
        0
    } else {
        (27 - (v as u32).leading_zeros()) as i32
    };
    let step = if seg < 2 {
        (v >> 1) & 0x0F
    } else {
        (v >> seg) & 0x0F
    };
    (((seg << 4) | step) as u8) ^ mask
}

#[cfg(test)]
mod tests {
    use super::*;

    /// G.711 Table 2 (mu-law): for each code, the decoder output on the
    /// standard's uniform scale (+-8031 at the ends of segment 7, with the
    /// 14-bit representation times 4 on 16 bits).
    fn ulaw_reference(code: u8) -> i32 {
        let u = !code;
        let sign = if u & 0x80 != 0 { -1 } else { 1 };
        let seg = ((u >> 4) & 7) as i32;
        let step = (u & 15) as i32;
        // Decoder output value y = (2 * step + 33) * 2^seg - 33 (Table 2, column 7),
        // on the 14-bit scale; times 4 to 16 bits.
        sign * (((2 * step + 33) << seg) - 33) * 4
    }

    /// G.711 Table 1 (A-law): the decoder output on the 13-bit scale
    /// (segment 0: 2 * step + 1; above: (2 * step + 33) * 2^(seg - 1)), times 8.
    fn alaw_reference(code: u8) -> i32 {
        let a = code ^ 0x55;
        let sign = if a & 0x80 != 0 { 1 } else { -1 };
        let seg = ((a >> 4) & 7) as i32;
        let step = (a & 15) as i32;
        let m = if seg == 0 {
            2 * step + 1
        } else {
            (2 * step + 33) << (seg - 1)
        };
        sign * m * 8
    }

    #[test]
    fn every_code_decodes_to_the_table_value() {
        for c in 0..=255u8 {
            assert_eq!(ulaw_decode(c) as i32, ulaw_reference(c), "mu-law {c:#04x}");
            assert_eq!(alaw_decode(c) as i32, alaw_reference(c), "A-law {c:#04x}");
        }
        // Landmarks of the tables.
        assert_eq!(ulaw_decode(0xFF), 0);
        assert_eq!(ulaw_decode(0x7F), 0);
        assert_eq!(ulaw_decode(0x80), 32124);
        assert_eq!(ulaw_decode(0x00), -32124);
        assert_eq!(alaw_decode(0xD5), 8);
        assert_eq!(alaw_decode(0x55), -8);
        assert_eq!(alaw_decode(0xAA), 32256);
        assert_eq!(alaw_decode(0x2A), -32256);
    }

    /// The decision levels (G.711 Tables 1 and 2): each code stands for an
    /// interval of input magnitudes on the standard's scale (14 bits for
    /// mu-law, 13 for A-law), two steps wide around its reconstruction value;
    /// every one of the 65,536 inputs must take the code whose interval holds it.
    #[test]
    fn every_input_encodes_to_the_code_of_its_interval() {
        for s in i16::MIN..=i16::MAX {
            // mu-law: magnitude |s / 4|; the top interval takes all overload.
            let x = (s as i32) >> 2;
            let (neg, m) = if x < 0 {
                (true, (-x).min(8158))
            } else {
                (false, x.min(8158))
            };
            let u = !ulaw_encode(s);
            assert_eq!(u & 0x80 != 0, neg, "mu-law sign of {s}");
            let (seg, q) = (((u >> 4) & 7) as i32, (u & 15) as i32);
            let lo = ((2 * q + 32) << seg) - 33;
            let hi = ((2 * q + 34) << seg) - 33;
            assert!(
                lo <= m && m < hi,
                "mu-law {s}: magnitude {m} not in [{lo}, {hi})"
            );

            // A-law: magnitude s / 8, one's complement for negatives.
            let x = (s as i32) >> 3;
            let (neg, m) = if x < 0 { (true, -x - 1) } else { (false, x) };
            let a = alaw_encode(s) ^ 0x55;
            assert_eq!(a & 0x80 == 0, neg, "A-law sign of {s}");
            let (seg, q) = (((a >> 4) & 7) as i32, (a & 15) as i32);
            let (lo, hi) = if seg == 0 {
                (2 * q, 2 * q + 2)
            } else {
                ((2 * q + 32) << (seg - 1), (2 * q + 34) << (seg - 1))
            };
            assert!(
                lo <= m && m < hi,
                "A-law {s}: magnitude {m} not in [{lo}, {hi})"
            );
        }
    }

    #[test]
    fn decode_then_encode_is_the_identity() {
        for c in 0..=255u8 {
            // mu-law has two zeros (0x7F and 0xFF); both encode back to 0xFF.
            let back = ulaw_encode(ulaw_decode(c));
            if c == 0x7F {
                assert_eq!(back, 0xFF);
            } else {
                assert_eq!(back, c, "mu-law {c:#04x}");
            }
            assert_eq!(alaw_encode(alaw_decode(c)), c, "A-law {c:#04x}");
        }
    }

    #[test]
    fn encoding_is_monotonic() {
        for law in [Law::MuLaw, Law::ALaw] {
            let mut last = i32::MIN;
            for s in i16::MIN..=i16::MAX {
                let v = law.decode(law.encode(s)) as i32;
                assert!(v >= last, "{law:?} not monotonic at {s}");
                last = v;
            }
        }
    }

    #[test]
    fn slices_round_trip() {
        let pcm: Vec<i16> = (0..160).map(|i| (i * 400 - 32000) as i16).collect();
        for law in [Law::MuLaw, Law::ALaw] {
            let mut codes = [0u8; 160];
            let mut back = [0i16; 160];
            law.encode_into(&pcm, &mut codes);
            law.decode_into(&codes, &mut back);
            for (a, b) in pcm.iter().zip(back.iter()) {
                let err = (*a as i32 - *b as i32).abs();
                assert!(
                    err <= (a.unsigned_abs() as i32) / 16 + 16,
                    "{law:?} {a} -> {b}"
                );
            }
            assert!(law.decode(law.silence()).abs() <= 8);
        }
    }
}
