//! UTC timestamps in RFC 3339, as call records and `--since` write them, with `chrono`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

/// `t` as RFC 3339 in UTC with milliseconds: `2026-11-24T10:00:00.250Z`. Times before 1970 are
/// written as 1970-01-01T00:00:00.000Z.
pub fn format(t: SystemTime) -> String {
    to_utc(t).to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `t` as a UTC date and time, for other renderings. Times before 1970 are the epoch, and
/// times past chrono's range its last instant (`DateTime::from` would panic on those).
pub fn to_utc(t: SystemTime) -> DateTime<Utc> {
    let since_epoch = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since_epoch.as_secs())
        .ok()
        .and_then(|secs| DateTime::<Utc>::from_timestamp(secs, since_epoch.subsec_nanos()))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Parses an RFC 3339 timestamp (`2026-11-24T10:00:00Z`, `2026-11-24T10:00:00.5+01:00`,
/// a space instead of `T`) or a date (`2026-11-24`, midnight UTC). `None` for anything else,
/// and for times before 1970, which no record holds.
pub fn parse(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    let utc = if is_date(text) {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()?
            .and_hms_opt(0, 0, 0)?
            .and_utc()
    } else {
        DateTime::parse_from_rfc3339(text).ok()?.to_utc()
    };
    let secs = u64::try_from(utc.timestamp()).ok()?;
    UNIX_EPOCH.checked_add(Duration::new(secs, utc.timestamp_subsec_nanos()))
}

/// `YYYY-MM-DD` exactly: chrono's `%Y` also takes signs and more digits.
fn is_date(text: &str) -> bool {
    text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(s)
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(format(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        assert_eq!(format(secs(951_782_400)), "2000-02-29T00:00:00.000Z");
        assert_eq!(
            format(secs(1_795_514_400) + Duration::from_millis(250)),
            "2026-11-24T10:00:00.250Z"
        );
        // Milliseconds are cut, not rounded; times before 1970 are written as the epoch.
        assert_eq!(
            format(secs(1_795_514_400) + Duration::from_micros(999_999)),
            "2026-11-24T10:00:00.999Z"
        );
        assert_eq!(
            format(UNIX_EPOCH - Duration::from_secs(86_400)),
            "1970-01-01T00:00:00.000Z"
        );
    }

    #[test]
    fn parses_what_it_formats_and_common_forms() {
        let t = secs(1_795_514_400) + Duration::from_millis(250);
        assert_eq!(parse(&format(t)), Some(t));
        assert_eq!(parse("2026-11-24T10:00:00Z"), Some(secs(1_795_514_400)));
        assert_eq!(
            parse("2026-11-24 11:00:00+01:00"),
            Some(secs(1_795_514_400))
        );
        assert_eq!(
            parse("2026-11-24T05:30:00-04:30"),
            Some(secs(1_795_514_400))
        );
        assert_eq!(parse("2026-11-24"), Some(secs(1_795_478_400)));
        assert_eq!(parse("2000-02-29"), Some(secs(951_782_400)));
        assert_eq!(parse(" 2026-11-24t10:00:00z\n"), Some(secs(1_795_514_400)));
        assert_eq!(
            parse("2026-11-24T10:00:00.123456789Z"),
            Some(secs(1_795_514_400) + Duration::from_nanos(123_456_789))
        );
        assert_eq!(
            parse("1970-01-01T01:00:00+01:00"),
            Some(UNIX_EPOCH),
            "the epoch, written in another zone"
        );
    }

    #[test]
    fn refuses_what_is_not_a_timestamp() {
        for text in [
            "",
            "2026",
            "2026-13-01",
            "2026-02-30",
            "2025-02-29",
            "26-11-24",
            "2026-11-24T",
            "2026-11-24T10:00Z",
            "2026-11-24T25:00:00Z",
            "2026-11-24T10:00:00",
            "2026-11-24T10:00:00.Z",
            "2026-11-24x",
            "1969-12-31",
            "2026-11-24T10:00:00+1:00",
            "2026-11-24T10:00:00+0100",
            "+2026-11-24",
            "02026-11-24",
            "2026-1-24",
            "1970-01-01T00:59:59+01:00",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }
}
