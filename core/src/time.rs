//! Virtual time: [`SimTime`] (an instant) and [`SimDuration`] (a span), both in
//! microseconds since the run's epoch.
//!
//! The engine never reads a clock. Its driver tells it what time it is; the
//! wall-clock instant of `SimTime(0)` is configuration data (see
//! [`crate::engine::EngineOptions::epoch_unix_micros`]) used only for business hours.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An instant of virtual time: microseconds since the run's epoch.
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct SimTime(pub u64);

/// A span of virtual time in microseconds.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimDuration(pub u64);

impl SimTime {
    /// The epoch of the run.
    pub const ZERO: SimTime = SimTime(0);

    /// The microseconds since the epoch.
    pub fn micros(self) -> u64 {
        self.0
    }

    /// The span from `earlier` to `self`, zero if `earlier` is later.
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);

    /// A span of whole seconds.
    pub const fn from_secs(secs: u64) -> SimDuration {
        SimDuration(secs.saturating_mul(1_000_000))
    }

    /// A span of milliseconds.
    pub const fn from_millis(ms: u64) -> SimDuration {
        SimDuration(ms.saturating_mul(1_000))
    }

    /// The span in microseconds.
    pub fn micros(self) -> u64 {
        self.0
    }

    /// The span in seconds, as a float (for statistics only).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }

    /// Parses a human duration such as `18s`, `500ms`, `2m30s`, `1h`, `1d` or `0`.
    ///
    /// Units: `d`, `h`, `m`, `s`, `ms`, `us`. Several parts may follow each other
    /// (`1h30m`). A bare `0` is allowed; any other bare number is refused because
    /// its unit would be a guess.
    pub fn parse(text: &str) -> Result<SimDuration, String> {
        let t = text.trim();
        if t == "0" {
            return Ok(SimDuration::ZERO);
        }
        if t.is_empty() {
            return Err(
                "an empty duration; write one such as \"18s\", \"500ms\" or \"2m30s\"".into(),
            );
        }
        let bytes = t.as_bytes();
        let mut i = 0;
        let mut total: u64 = 0;
        while i < bytes.len() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if start == i {
                return Err(format!(
                    "\"{text}\" is not a duration; write one such as \"18s\", \"500ms\" or \"2m30s\""
                ));
            }
            let number: u64 = t[start..i]
                .parse()
                .map_err(|_| format!("\"{text}\" holds a number too large for a duration"))?;
            let ustart = i;
            while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
            let unit: u64 = match &t[ustart..i] {
                "d" => 86_400_000_000,
                "h" => 3_600_000_000,
                "m" | "min" => 60_000_000,
                "s" => 1_000_000,
                "ms" => 1_000,
                "us" => 1,
                "" => {
                    return Err(format!(
                        "\"{text}\" lacks a unit; write \"{}s\" for seconds",
                        &t[start..i]
                    ));
                }
                other => {
                    return Err(format!(
                        "\"{text}\" has the unknown unit \"{other}\"; use d, h, m, s or ms"
                    ));
                }
            };
            let part = number
                .checked_mul(unit)
                .ok_or_else(|| format!("\"{text}\" is too long a duration"))?;
            total = total
                .checked_add(part)
                .ok_or_else(|| format!("\"{text}\" is too long a duration"))?;
        }
        Ok(SimDuration(total))
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, rhs: SimDuration) {
        self.0 = self.0.saturating_add(rhs.0);
    }
}

impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    fn sub(self, rhs: SimTime) -> SimDuration {
        self.since(rhs)
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, rhs: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(rhs.0))
    }
}

/// Formats as `HH:MM:SS.mmm`, with a leading `Nd ` past the first day.
impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0 / 1_000;
        let days = ms / 86_400_000;
        let rem = ms % 86_400_000;
        let (h, m, s, milli) = (
            rem / 3_600_000,
            (rem / 60_000) % 60,
            (rem / 1_000) % 60,
            rem % 1_000,
        );
        if days > 0 {
            write!(f, "{days}d ")?;
        }
        write!(f, "{h:02}:{m:02}:{s:02}.{milli:03}")
    }
}

/// Formats in the shortest exact form of [`SimDuration::parse`]: `18s`, `1m30s`, `250ms`.
impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        let mut rest = self.0;
        for (unit, name) in [
            (86_400_000_000u64, "d"),
            (3_600_000_000, "h"),
            (60_000_000, "m"),
            (1_000_000, "s"),
            (1_000, "ms"),
            (1, "us"),
        ] {
            if rest >= unit {
                write!(f, "{}{name}", rest / unit)?;
                rest %= unit;
            }
        }
        Ok(())
    }
}

impl Serialize for SimDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SimDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        SimDuration::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_durations() {
        for (text, micros, shown) in [
            ("18s", 18_000_000, "18s"),
            ("500ms", 500_000, "500ms"),
            ("2m30s", 150_000_000, "2m30s"),
            ("1h", 3_600_000_000, "1h"),
            ("90s", 90_000_000, "1m30s"),
            ("0", 0, "0s"),
            ("1d2h", 93_600_000_000, "1d2h"),
        ] {
            let d = SimDuration::parse(text).unwrap();
            assert_eq!(d.0, micros, "{text}");
            assert_eq!(d.to_string(), shown);
            assert_eq!(SimDuration::parse(&d.to_string()).unwrap(), d);
        }
    }

    #[test]
    fn refuses_bad_durations_with_a_sentence() {
        for bad in ["", "18", "s", "3x", "99999999999999999999s", "-1s"] {
            let err = SimDuration::parse(bad).unwrap_err();
            assert!(err.contains('"') || err.contains("empty"), "{bad}: {err}");
        }
    }

    #[test]
    fn formats_instants() {
        assert_eq!(SimTime(0).to_string(), "00:00:00.000");
        assert_eq!(SimTime(61_500_000).to_string(), "00:01:01.500");
        assert_eq!(SimTime(90_000_000_000).to_string(), "1d 01:00:00.000");
    }
}
