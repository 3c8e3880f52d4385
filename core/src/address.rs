//! Customers' addresses on digital channels, normalized so that one customer has
//! one identity per address (OUT-08): an E.164 mobile number (SMS, WhatsApp), an
//! email address, or an opaque id (a Messenger sender id, a chat visitor).
//!
//! - A number must carry its country code: `+` then 8 to 15 digits, the first not
//!   0; spaces, dots, dashes and parentheses are dropped.
//! - An email address is `local@domain`: the local part 1 to 64 characters of
//!   letters, digits and ``!#$%&'*+/=?^_`{|}~-`` in dot-separated words; the
//!   domain two or more labels of letters, digits and inner dashes (1 to 63
//!   characters each), the last alphabetic; at most 254 characters in all. It is
//!   lowercased whole: nearly every provider treats local parts without case, and
//!   one customer must not become two.
//! - An opaque id is kept as given, trimmed: 1 to 256 characters, none a control
//!   character.

use std::fmt;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::config::{ChannelKind, SocialKind};

/// What kind of address a channel uses.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressKind {
    /// An E.164 mobile number (SMS, WhatsApp).
    Phone,
    Email,
    /// A Messenger sender id, a chat visitor: kept as given.
    Opaque,
}

impl AddressKind {
    /// The kind of address the customers of an entry point of this channel have.
    pub fn of(channel: ChannelKind, social: Option<SocialKind>) -> AddressKind {
        match (channel, social) {
            (ChannelKind::Email, _) => AddressKind::Email,
            (ChannelKind::Social, Some(SocialKind::Sms | SocialKind::Whatsapp)) => {
                AddressKind::Phone
            }
            _ => AddressKind::Opaque,
        }
    }
}

/// A normalized customer address.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Address(CompactString);

/// Why a text is not an address, in one sentence.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error(
        "\"{0}\" is not a mobile number with its country code; write it as +<country code><number>, such as +48601234567"
    )]
    NoCountryCode(String),
    #[error("\"{0}\" is not a mobile number: only digits may follow the +")]
    BadPhoneCharacter(String),
    #[error("\"{0}\" holds {1} digits; a mobile number with its country code holds 8 to 15")]
    PhoneLength(String, usize),
    #[error("\"{0}\" is not an email address: {1}")]
    BadEmail(String, &'static str),
    #[error("an address must hold 1 to 256 characters without control characters")]
    BadOpaque,
}

const MAX_OPAQUE_CHARS: usize = 256;
const MAX_EMAIL_CHARS: usize = 254;
const MAX_LOCAL_CHARS: usize = 64;
const MAX_LABEL_CHARS: usize = 63;

impl Address {
    /// Validates and normalizes `raw` as an address of `kind`.
    pub fn parse(kind: AddressKind, raw: &str) -> Result<Address, AddressError> {
        let text = raw.trim();
        match kind {
            AddressKind::Phone => parse_phone(text),
            AddressKind::Email => parse_email(text),
            AddressKind::Opaque => {
                let n = text.chars().count();
                if n == 0 || n > MAX_OPAQUE_CHARS || text.chars().any(char::is_control) {
                    return Err(AddressError::BadOpaque);
                }
                Ok(Address(CompactString::from(text)))
            }
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Printable excerpt of a bad input for an error (at most 80 characters).
fn shown(text: &str) -> String {
    text.chars().take(80).collect()
}

fn parse_phone(text: &str) -> Result<Address, AddressError> {
    let Some(rest) = text.strip_prefix('+') else {
        return Err(AddressError::NoCountryCode(shown(text)));
    };
    let mut digits = CompactString::from("+");
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return Err(AddressError::BadPhoneCharacter(shown(text))),
        }
    }
    let n = digits.len() - 1;
    if !(8..=15).contains(&n) {
        return Err(AddressError::PhoneLength(shown(text), n));
    }
    if digits.as_bytes().get(1) == Some(&b'0') {
        return Err(AddressError::NoCountryCode(shown(text)));
    }
    Ok(Address(digits))
}

fn parse_email(text: &str) -> Result<Address, AddressError> {
    let bad = |why: &'static str| AddressError::BadEmail(shown(text), why);
    if text.chars().count() > MAX_EMAIL_CHARS {
        return Err(bad("it is longer than 254 characters"));
    }
    let Some((local, domain)) = text.rsplit_once('@') else {
        return Err(bad("it has no @"));
    };
    if local.is_empty() || local.len() > MAX_LOCAL_CHARS {
        return Err(bad("the part before the @ must hold 1 to 64 characters"));
    }
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    if local
        .split('.')
        .any(|w| w.is_empty() || !w.chars().all(atext))
    {
        return Err(bad(
            "the part before the @ holds a character or a dot that is not allowed there",
        ));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err(bad(
            "the domain needs at least two labels, such as example.com",
        ));
    }
    for label in &labels {
        let ok = !label.is_empty()
            && label.len() <= MAX_LABEL_CHARS
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return Err(bad(
                "a domain label holds 1 to 63 letters, digits and inner dashes",
            ));
        }
    }
    let tld = labels.last().copied().unwrap_or_default();
    if tld.len() < 2 || !tld.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(bad(
            "the domain must end in an alphabetic label, such as .com",
        ));
    }
    Ok(Address(CompactString::from(text.to_ascii_lowercase())))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn ok(kind: AddressKind, raw: &str) -> String {
        Address::parse(kind, raw)
            .unwrap_or_else(|e| panic!("{raw}: {e}"))
            .to_string()
    }

    #[test]
    fn phones_keep_their_country_code_and_drop_separators() {
        assert_eq!(ok(AddressKind::Phone, " +48 601 234 567 "), "+48601234567");
        assert_eq!(ok(AddressKind::Phone, "+1 (555) 123-4567"), "+15551234567");
        assert_eq!(ok(AddressKind::Phone, "+44.7911.123456"), "+447911123456");
        for bad in [
            "601234567",
            "0048601234567",
            "+0601234567",
            "+48 601 23",
            "+123456789012345678",
            "+48-601-ABC",
            "",
        ] {
            assert!(Address::parse(AddressKind::Phone, bad).is_err(), "{bad}");
        }
        assert_eq!(
            Address::parse(AddressKind::Phone, "601234567")
                .unwrap_err()
                .to_string(),
            "\"601234567\" is not a mobile number with its country code; write it as +<country code><number>, such as +48601234567"
        );
    }

    #[test]
    fn emails_are_checked_and_lowercased() {
        assert_eq!(
            ok(AddressKind::Email, " Ann.Lee@Example.COM "),
            "ann.lee@example.com"
        );
        assert_eq!(
            ok(AddressKind::Email, "o'brien+tag@mail.example.co.uk"),
            "o'brien+tag@mail.example.co.uk"
        );
        for bad in [
            "ann",
            "@example.com",
            "ann@",
            "ann@example",
            "ann@@example.com",
            "ann..lee@example.com",
            ".ann@example.com",
            "ann@-example.com",
            "ann@example.c0m",
            "ann lee@example.com",
            "ann@exa_mple.com",
            "ann@example.c",
        ] {
            assert!(Address::parse(AddressKind::Email, bad).is_err(), "{bad}");
        }
        let long = format!("{}@example.com", "a".repeat(65));
        assert!(Address::parse(AddressKind::Email, &long).is_err());
    }

    #[test]
    fn opaque_ids_are_kept_as_given() {
        assert_eq!(ok(AddressKind::Opaque, " PSID-123 "), "PSID-123");
        assert!(Address::parse(AddressKind::Opaque, "").is_err());
        assert!(Address::parse(AddressKind::Opaque, "a\u{7}b").is_err());
        assert!(Address::parse(AddressKind::Opaque, &"x".repeat(257)).is_err());
    }

    proptest! {
        /// Any text: no panic; a normalized address parses to itself again.
        #[test]
        fn never_panics_and_normalizing_is_stable(text in "\\PC{0,80}", k in 0u8..3) {
            let kind = [AddressKind::Phone, AddressKind::Email, AddressKind::Opaque][k as usize];
            if let Ok(a) = Address::parse(kind, &text) {
                prop_assert_eq!(Address::parse(kind, a.as_str()), Ok(a.clone()));
                if kind == AddressKind::Phone {
                    let digits = a.as_str().len() - 1;
                    prop_assert!((8..=15).contains(&digits));
                    prop_assert!(a.as_str()[1..].bytes().all(|b| b.is_ascii_digit()));
                }
            }
        }
    }
}
