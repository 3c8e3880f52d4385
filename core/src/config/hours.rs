//! Business hours (CHN-06): a weekly schedule of open ranges and a list of
//! holidays, evaluated in the entry point's time zone at a task's arrival.
//!
//! Ranges are `HH:MM-HH:MM` with the start before the end (`24:00` may end a
//! day); a range across midnight is written as two ranges. A holiday closes the
//! whole local day, whatever the weekly schedule says.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, TimeZone, Timelike};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// Whether an entry point is open at an instant.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoursStatus {
    Open,
    Closed,
    Holiday,
}

/// A compiled schedule.
#[derive(Clone, Debug)]
pub struct BusinessHours {
    pub name: String,
    /// Open ranges per weekday (Monday first), in minutes since local midnight, sorted.
    pub week: [Vec<(u16, u16)>; 7],
    pub holidays: BTreeSet<NaiveDate>,
}

impl BusinessHours {
    /// The status at `unix_micros` (a UTC instant) in the time zone `tz`.
    pub fn status_at(&self, tz: Tz, unix_micros: i64) -> HoursStatus {
        let secs = unix_micros.div_euclid(1_000_000);
        let Some(local) = tz.timestamp_opt(secs, 0).single() else {
            // A UTC instant always maps to exactly one local time; this branch is unreachable
            // for real time zones, and closed is the safe answer.
            return HoursStatus::Closed;
        };
        if self.holidays.contains(&local.date_naive()) {
            return HoursStatus::Holiday;
        }
        let minute = (local.hour() * 60 + local.minute()) as u16;
        let day = local.weekday().num_days_from_monday() as usize;
        if self.week[day]
            .iter()
            .any(|&(start, end)| start <= minute && minute < end)
        {
            HoursStatus::Open
        } else {
            HoursStatus::Closed
        }
    }
}

/// How far ahead [`BusinessHours::next_open`] looks for an opening.
pub const OPENING_HORIZON_DAYS: i64 = 400;

impl BusinessHours {
    /// The first instant at or after `unix_micros` at which the schedule is open in
    /// `tz` (CBK-10: a callback waits for it); `None` when it does not open within
    /// [`OPENING_HORIZON_DAYS`] days. An opening that falls in a daylight-saving gap
    /// happens when the local clock reaches the range again (the first valid instant
    /// after the gap, if the range is still open then).
    pub fn next_open(&self, tz: Tz, unix_micros: i64) -> Option<i64> {
        if self.status_at(tz, unix_micros) == HoursStatus::Open {
            return Some(unix_micros);
        }
        let secs = unix_micros.div_euclid(1_000_000);
        let today = tz.timestamp_opt(secs, 0).single()?.date_naive();
        for offset in 0..=OPENING_HORIZON_DAYS {
            let day = today.checked_add_signed(chrono::Duration::days(offset))?;
            if self.holidays.contains(&day) {
                continue;
            }
            let weekday = day.weekday().num_days_from_monday() as usize;
            for &(start, end) in &self.week[weekday] {
                // Try each minute of the range until one exists in the zone (DST gaps).
                for minute in start..end {
                    let Some(naive) =
                        day.and_hms_opt(u32::from(minute / 60), u32::from(minute % 60), 0)
                    else {
                        continue;
                    };
                    let Some(local) = tz.from_local_datetime(&naive).earliest() else {
                        continue;
                    };
                    let at = local.timestamp().saturating_mul(1_000_000);
                    if at > unix_micros {
                        return Some(at);
                    }
                    break;
                }
            }
        }
        None
    }
}

/// Parses `HH:MM-HH:MM` into minutes since midnight.
pub fn parse_range(text: &str) -> Result<(u16, u16), String> {
    let bad = || format!("\"{text}\" is not a time range; write one such as \"09:00-17:30\"");
    let (a, b) = text.split_once('-').ok_or_else(bad)?;
    let start = parse_clock(a.trim()).ok_or_else(bad)?;
    let end = parse_clock(b.trim()).ok_or_else(bad)?;
    if start >= end {
        return Err(format!(
            "\"{text}\" ends before it starts; split a range across midnight into two (\"22:00-24:00\" and \"00:00-06:00\")"
        ));
    }
    Ok((start, end))
}

fn parse_clock(text: &str) -> Option<u16> {
    let (h, m) = text.split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let h: u16 = h.parse().ok()?;
    let m: u16 = m.parse().ok()?;
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return None;
    }
    Some(h * 60 + m)
}

/// Parses a holiday date `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("\"{text}\" is not a date; write one such as \"2026-12-25\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn office() -> BusinessHours {
        let nine_to_five = vec![(9 * 60, 17 * 60)];
        BusinessHours {
            name: "office".into(),
            week: [
                nine_to_five.clone(),
                nine_to_five.clone(),
                nine_to_five.clone(),
                nine_to_five.clone(),
                nine_to_five,
                vec![],
                vec![],
            ],
            holidays: [NaiveDate::from_ymd_opt(2026, 12, 25).unwrap()].into(),
        }
    }

    fn unix(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
        chrono::NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, 0)
            .unwrap()
            .and_utc()
            .timestamp()
            * 1_000_000
    }

    #[test]
    fn evaluates_in_the_entry_points_time_zone() {
        let ny: Tz = "America/New_York".parse().unwrap();
        let warsaw: Tz = "Europe/Warsaw".parse().unwrap();
        // Monday 2026-11-23 13:30 UTC is 08:30 in New York (closed) and 14:30 in Warsaw (open).
        let t = unix(2026, 11, 23, 13, 30);
        assert_eq!(office().status_at(ny, t), HoursStatus::Closed);
        assert_eq!(office().status_at(warsaw, t), HoursStatus::Open);
        // 14:00 UTC is 09:00 in New York: open at the first minute.
        assert_eq!(
            office().status_at(ny, unix(2026, 11, 23, 14, 0)),
            HoursStatus::Open
        );
        // Christmas Friday is a holiday in the local calendar.
        assert_eq!(
            office().status_at(ny, unix(2026, 12, 25, 15, 0)),
            HoursStatus::Holiday
        );
        // Saturday closed.
        assert_eq!(
            office().status_at(ny, unix(2026, 11, 28, 15, 0)),
            HoursStatus::Closed
        );
    }

    #[test]
    fn daylight_saving_shifts_the_utc_opening() {
        let ny: Tz = "America/New_York".parse().unwrap();
        // After the 2026-11-01 change New York is UTC-5: 09:00 local is 14:00 UTC.
        assert_eq!(
            office().status_at(ny, unix(2026, 11, 2, 13, 59)),
            HoursStatus::Closed
        );
        // Before it (UTC-4), 13:00 UTC is already 09:00 local.
        assert_eq!(
            office().status_at(ny, unix(2026, 10, 26, 13, 0)),
            HoursStatus::Open
        );
    }

    #[test]
    fn next_opening_skips_nights_weekends_and_holidays() {
        let ny: Tz = "America/New_York".parse().unwrap();
        // Open now: now.
        let t = unix(2026, 11, 23, 15, 0);
        assert_eq!(office().next_open(ny, t), Some(t));
        // Monday 08:30 local: 09:00 the same day.
        assert_eq!(
            office().next_open(ny, unix(2026, 11, 23, 13, 30)),
            Some(unix(2026, 11, 23, 14, 0))
        );
        // Friday 18:00 local: Monday 09:00.
        assert_eq!(
            office().next_open(ny, unix(2026, 11, 27, 23, 0)),
            Some(unix(2026, 11, 30, 14, 0))
        );
        // Thursday 2026-12-24 after hours: Christmas Friday is a holiday, so Monday the 28th.
        assert_eq!(
            office().next_open(ny, unix(2026, 12, 24, 23, 0)),
            Some(unix(2026, 12, 28, 14, 0))
        );
        // Across the daylight-saving change: Friday 2026-10-30 evening (UTC-4) to
        // Monday 2026-11-02 09:00 (UTC-5).
        assert_eq!(
            office().next_open(ny, unix(2026, 10, 30, 22, 0)),
            Some(unix(2026, 11, 2, 14, 0))
        );
        // A schedule that never opens.
        let never = BusinessHours {
            name: "never".into(),
            week: Default::default(),
            holidays: Default::default(),
        };
        assert_eq!(never.next_open(ny, t), None);
    }

    #[test]
    fn an_opening_inside_a_daylight_saving_gap_is_at_the_first_valid_minute() {
        let ny: Tz = "America/New_York".parse().unwrap();
        // 2026-03-08: 02:00 local does not exist (clocks go to 03:00, UTC-4).
        let early = BusinessHours {
            name: "early".into(),
            week: [
                vec![],
                vec![],
                vec![],
                vec![],
                vec![],
                vec![],
                vec![(120, 240)],
            ],
            holidays: Default::default(),
        };
        assert_eq!(
            early.next_open(ny, unix(2026, 3, 8, 5, 0)),
            Some(unix(2026, 3, 8, 7, 0))
        );
    }

    #[test]
    fn parses_ranges_and_refuses_bad_ones() {
        assert_eq!(parse_range("09:00-17:30"), Ok((540, 1050)));
        assert_eq!(parse_range("22:00-24:00"), Ok((1320, 1440)));
        assert!(parse_range("17:00-09:00").unwrap_err().contains("midnight"));
        assert!(parse_range("9-5").is_err());
        assert!(parse_range("09:60-10:00").is_err());
        assert!(parse_date("2026-02-30").is_err());
    }
}
