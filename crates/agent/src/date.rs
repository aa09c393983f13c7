//! Calendar dates in the proleptic Gregorian calendar, without a date crate: model shutdown
//! dates and call records only need days since 1970-01-01 and back, which is a few lines of
//! arithmetic (Howard Hinnant's `days_from_civil` and `civil_from_days`).
//!
//! Nothing here reads a clock: whoever needs today passes it in.

use std::fmt;

/// A calendar day, e.g. 2027-01-20. Ordered by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Days since 1970-01-01 (negative before it).
    days: i64,
}

impl Date {
    /// The date `year-month-day`, or `None` when there is no such day (2026-02-30).
    pub fn new(year: i64, month: u32, day: u32) -> Option<Self> {
        let valid = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        valid.then(|| Self {
            days: days_from_civil(year, i64::from(month), i64::from(day)),
        })
    }

    /// A date the caller knows to be valid, for tables written in the source. Only for
    /// `const` tables: an invalid day would be a different day, not an error.
    pub(crate) const fn known(year: i64, month: i64, day: i64) -> Self {
        Self {
            days: days_from_civil(year, month, day),
        }
    }

    /// The day `days` days after 1970-01-01.
    pub fn from_days_since_epoch(days: i64) -> Self {
        Self { days }
    }

    /// Days since 1970-01-01.
    pub fn days_since_epoch(self) -> i64 {
        self.days
    }

    /// Parses `YYYY-MM-DD` (four-digit year, two-digit month and day).
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split('-');
        let year = digits(parts.next()?, 4)?;
        let month = digits(parts.next()?, 2)?;
        let day = digits(parts.next()?, 2)?;
        if parts.next().is_some() {
            return None;
        }
        Self::new(i64::from(year), u32::from(month), u32::from(day))
    }

    /// Year, month (1–12) and day (1–31).
    pub fn ymd(self) -> (i64, u32, u32) {
        let (y, m, d) = civil_from_days(self.days);
        // Both come out of the arithmetic in 1..=12 and 1..=31.
        (y, m as u32, d as u32)
    }

    /// Days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        later.days - self.days
    }

    /// The day `n` days after this one.
    pub fn plus_days(self, n: i64) -> Self {
        Self {
            days: self.days.saturating_add(n),
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

/// Exactly `width` ASCII digits.
fn digits(text: &str, width: usize) -> Option<u16> {
    (text.len() == width && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

const fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_days_count_from_the_epoch() {
        assert_eq!(
            Date::parse("1970-01-01").map(Date::days_since_epoch),
            Some(0)
        );
        assert_eq!(
            Date::parse("2000-02-29").map(Date::days_since_epoch),
            Some(11_016)
        );
        assert_eq!(
            Date::known(2027, 1, 20),
            Date::parse("2027-01-20").expect("a date")
        );
        assert_eq!(Date::known(2027, 1, 20).to_string(), "2027-01-20");
        assert_eq!(Date::from_days_since_epoch(-1).to_string(), "1969-12-31");
    }

    #[test]
    fn refuses_what_is_not_a_day() {
        for text in [
            "",
            "2026",
            "2026-13-01",
            "2026-02-30",
            "2025-02-29",
            "26-11-24",
            "2026-1-24",
            "2026-11-24x",
            "2026-11-24-01",
            "+026-11-24",
        ] {
            assert_eq!(Date::parse(text), None, "{text:?}");
        }
        assert_eq!(Date::new(2026, 0, 1), None);
        assert_eq!(Date::new(2026, 4, 31), None);
    }

    #[test]
    fn days_between_dates() {
        let today = Date::known(2026, 12, 7);
        let shutdown = Date::known(2027, 1, 20);
        assert_eq!(today.days_until(shutdown), 44);
        assert_eq!(shutdown.days_until(today), -44);
        assert_eq!(today.plus_days(44), shutdown);
        assert!(today < shutdown);
    }

    #[test]
    fn every_day_round_trips() {
        for days in (-800_000..800_000).step_by(7) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            let date = Date::from_days_since_epoch(days);
            let (y, m, d) = date.ymd();
            assert_eq!(Date::new(y, m, d), Some(date));
        }
    }
}
