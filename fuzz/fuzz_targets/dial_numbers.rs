//! Arbitrary text into the dial-number normalizer (`DialNumber::parse`, VOI-21)
//! and the customer-address normalizer (`Address::parse`, OUT-08), checking the
//! properties their documentation promises:
//!
//! - an accepted dial number holds 3 to 18 digits, only digits and `+ # * :`,
//!   a `+` only in front, and parses again to itself;
//! - an accepted address parses again to itself (normalizing is stable); a phone
//!   address is `+` and 8 to 15 digits, the first not 0; an email address is
//!   lowercase, at most 254 characters, `local@domain`; an opaque id is 1 to 256
//!   characters, trimmed, without control characters.

#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_core::address::{Address, AddressKind};
use switchboard_core::dialnum::DialNumber;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    dial_number(text);
    for kind in [AddressKind::Phone, AddressKind::Email, AddressKind::Opaque] {
        address(kind, text);
    }
});

fn dial_number(text: &str) {
    match DialNumber::parse(text) {
        Ok(n) => {
            let s = n.as_str();
            let digits = s.bytes().filter(u8::is_ascii_digit).count();
            assert!(
                (3..=18).contains(&digits),
                "{text:?} -> {s:?}: {digits} digits"
            );
            assert!(
                s.chars().all(|c| c.is_ascii_digit() || "+#*:".contains(c)),
                "{text:?} -> {s:?}: a character outside the alphabet"
            );
            assert!(!s[1..].contains('+'), "{text:?} -> {s:?}: an inner +");
            if let Some(rest) = s.strip_prefix('+') {
                let e164_digits = rest.bytes().filter(u8::is_ascii_digit).count();
                assert!(e164_digits <= 15, "{text:?} -> {s:?}: E.164 over 15 digits");
            }
            assert_eq!(n.to_string(), s);
            assert_eq!(
                DialNumber::parse(s).as_ref(),
                Ok(&n),
                "{text:?} -> {s:?} does not parse to itself"
            );
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

fn address(kind: AddressKind, text: &str) {
    match Address::parse(kind, text) {
        Ok(a) => {
            let s = a.as_str();
            assert_eq!(
                Address::parse(kind, s).as_ref(),
                Ok(&a),
                "{kind:?}: {text:?} -> {s:?} does not parse to itself"
            );
            assert_eq!(a.to_string(), s);
            match kind {
                AddressKind::Phone => {
                    let rest = s.strip_prefix('+').expect("a phone address starts with +");
                    assert!((8..=15).contains(&rest.len()), "{text:?} -> {s:?}");
                    assert!(
                        rest.bytes().all(|b| b.is_ascii_digit()),
                        "{text:?} -> {s:?}"
                    );
                    assert!(!rest.starts_with('0'), "{text:?} -> {s:?}");
                }
                AddressKind::Email => {
                    assert!(s.chars().count() <= 254, "{text:?} -> {s:?}");
                    assert_eq!(s, s.to_ascii_lowercase(), "{text:?} -> {s:?}");
                    let (local, domain) = s.rsplit_once('@').expect("an email address has an @");
                    assert!((1..=64).contains(&local.len()), "{text:?} -> {s:?}");
                    assert!(domain.contains('.'), "{text:?} -> {s:?}");
                }
                AddressKind::Opaque => {
                    assert!((1..=256).contains(&s.chars().count()), "{text:?} -> {s:?}");
                    assert_eq!(s, s.trim(), "{text:?} -> {s:?}");
                    assert!(!s.chars().any(char::is_control), "{text:?} -> {s:?}");
                }
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}
