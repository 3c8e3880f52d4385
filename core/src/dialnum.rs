//! Dial numbers (VOI-21): one pure function that normalizes and validates.
//!
//! Only digits and `+ # * :` are kept; every other character is stripped
//! before the number is used. After stripping a number holds 3 to 18 digits.
//! Forms: US `+1` + area code + 7 digits; E.164 `+` + country code + number
//! (at most 15 digits); IDD prefix + country code + number (at most 18 digits
//! in all); and plain numbers such as an agent's extension.

use std::fmt;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

/// A normalized dial number: only digits and `+ # * :` remain.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DialNumber(CompactString);

/// Why a dial number is not valid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DialNumberError {
    #[error("\"{input}\" holds {digits} digit(s) once stripped; a dial number needs at least 3")]
    TooFewDigits { input: String, digits: usize },
    #[error("\"{input}\" holds {digits} digits once stripped; a dial number holds at most 18")]
    TooManyDigits { input: String, digits: usize },
    #[error("\"{input}\" has a + that does not lead the number")]
    MisplacedPlus { input: String },
    #[error(
        "\"{input}\" is a +1 number with {digits} digits; the US form is +1, a 3-digit area code and 7 digits"
    )]
    BadUsForm { input: String, digits: usize },
    #[error("\"{input}\" is an E.164 number with {digits} digits; E.164 allows at most 15")]
    TooLongE164 { input: String, digits: usize },
}

impl DialNumber {
    /// Normalizes and validates `input` (VOI-21).
    pub fn parse(input: &str) -> Result<DialNumber, DialNumberError> {
        let mut kept = CompactString::default();
        for c in input.chars() {
            if c.is_ascii_digit() || matches!(c, '+' | '#' | '*' | ':') {
                kept.push(c);
            }
        }
        let digits = kept.bytes().filter(u8::is_ascii_digit).count();
        let err_input = || input.to_string();
        if kept.bytes().skip(1).any(|b| b == b'+') {
            return Err(DialNumberError::MisplacedPlus { input: err_input() });
        }
        if digits < 3 {
            return Err(DialNumberError::TooFewDigits {
                input: err_input(),
                digits,
            });
        }
        if digits > 18 {
            return Err(DialNumberError::TooManyDigits {
                input: err_input(),
                digits,
            });
        }
        if let Some(rest) = kept.strip_prefix('+') {
            if rest.starts_with('1') && rest.bytes().all(|b| b.is_ascii_digit()) && digits != 11 {
                return Err(DialNumberError::BadUsForm {
                    input: err_input(),
                    digits,
                });
            }
            if digits > 15 {
                return Err(DialNumberError::TooLongE164 {
                    input: err_input(),
                    digits,
                });
            }
        }
        Ok(DialNumber(kept))
    }

    /// The normalized text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Lookups by `&str` in maps keyed by dial numbers (ordering is the text's ordering).
impl std::borrow::Borrow<str> for DialNumber {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DialNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_documented_forms() {
        for (input, normal) in [
            ("+12015532447", "+12015532447"),
            ("+1 (201) 553-2447", "+12015532447"),
            ("+11234567890", "+11234567890"),
            ("01161123456789", "01161123456789"),
            ("+48 22 123 45 67", "+48221234567"),
            ("1001", "1001"),
            ("*720#", "*720#"),
            ("555:123", "555:123"),
            ("tel. 800-FLOWERS 123", "800123"),
        ] {
            assert_eq!(
                DialNumber::parse(input).unwrap().as_str(),
                normal,
                "{input}"
            );
        }
    }

    #[test]
    fn refuses_with_a_reason() {
        assert!(matches!(
            DialNumber::parse("12"),
            Err(DialNumberError::TooFewDigits { digits: 2, .. })
        ));
        assert!(matches!(
            DialNumber::parse("1234567890123456789"),
            Err(DialNumberError::TooManyDigits { digits: 19, .. })
        ));
        assert!(matches!(
            DialNumber::parse("12+34"),
            Err(DialNumberError::MisplacedPlus { .. })
        ));
        assert!(matches!(
            DialNumber::parse("+1201553244"),
            Err(DialNumberError::BadUsForm { .. })
        ));
        assert!(matches!(
            DialNumber::parse("+4412345678901234"),
            Err(DialNumberError::TooLongE164 { .. })
        ));
        assert!(matches!(
            DialNumber::parse("abc"),
            Err(DialNumberError::TooFewDigits { .. })
        ));
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Any text: no panic, and every accepted number holds 3 to 18 digits of the
        /// allowed alphabet, with a + only in front.
        #[test]
        fn never_panics_and_accepts_only_valid_numbers(text in "\\PC{0,40}") {
            if let Ok(n) = DialNumber::parse(&text) {
                let s = n.as_str();
                let digits = s.bytes().filter(u8::is_ascii_digit).count();
                prop_assert!((3..=18).contains(&digits), "{s}");
                prop_assert!(s.chars().all(|c| c.is_ascii_digit() || "+#*:".contains(c)), "{s}");
                prop_assert!(!s[1..].contains('+'), "{s}");
            }
        }

        /// Numbers made of the allowed alphabet with separators mixed in normalize to
        /// the same number as without them.
        #[test]
        fn separators_do_not_matter(digits in "[0-9]{3,15}", seps in "[ ().-]{0,6}") {
            let plain = format!("+{digits}");
            let mut noisy = String::from("+");
            for (i, c) in digits.chars().enumerate() {
                noisy.push(c);
                if let Some(sep) = seps.chars().nth(i) {
                    noisy.push(sep);
                }
            }
            prop_assert_eq!(DialNumber::parse(&plain).ok(), DialNumber::parse(&noisy).ok());
        }
    }
}
