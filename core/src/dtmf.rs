//! DTMF digits as the engine understands them: one of `0-9`, `*`, `#`
//! (and `A-D`, which telephones rarely send). How a digit was heard (in-band
//! tone or RFC 4733 event) is the audio pipeline's business; the engine only
//! sees the semantic event.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One DTMF key.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digit(u8);

impl Digit {
    /// The key 1: it accepts a direct callback (CBK-07).
    pub const ONE: Digit = Digit(b'1');

    /// The digit for a key character, if it is one.
    pub fn from_char(c: char) -> Option<Digit> {
        match c {
            '0'..='9' | '*' | '#' | 'A'..='D' => Some(Digit(c as u8)),
            'a'..='d' => Some(Digit(c.to_ascii_uppercase() as u8)),
            _ => None,
        }
    }

    /// The key as a character.
    pub fn as_char(self) -> char {
        self.0 as char
    }
}

impl fmt::Display for Digit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_char())
    }
}

impl Serialize for Digit {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_char(self.as_char())
    }
}

impl<'de> Deserialize<'de> for Digit {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let mut chars = text.chars();
        match (chars.next().and_then(Digit::from_char), chars.next()) {
            (Some(digit), None) => Ok(digit),
            _ => Err(serde::de::Error::custom(format!(
                "\"{text}\" is not a DTMF key; use one of 0-9, * or #"
            ))),
        }
    }
}
