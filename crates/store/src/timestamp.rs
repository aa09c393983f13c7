//! UTC timestamps in RFC 3339, without a date crate: records only need the proleptic Gregorian
//! calendar in UTC, whose arithmetic is the agent crate's [`Date`] (shared with the model
//! shutdown dates), plus the time of day here.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use switchboard_agent::Date;

/// `t` as RFC 3339 in UTC with milliseconds: `2026-11-24T10:00:00.250Z`. Times before 1970 are
/// written as 1970-01-01T00:00:00.000Z.
pub fn format(t: SystemTime) -> String {
    let ms = t
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    format_ms(ms)
}

/// Milliseconds since the epoch as RFC 3339 in UTC with milliseconds.
pub(crate) fn format_ms(ms: i64) -> String {
    let (days, in_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let date = Date::from_days_since_epoch(days);
    let secs = in_day / 1000;
    format!(
        "{date}T{:02}:{:02}:{:02}.{:03}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        in_day % 1000
    )
}

/// Parses an RFC 3339 timestamp (`2026-11-24T10:00:00Z`, `2026-11-24T10:00:00.5+01:00`,
/// a space instead of `T`) or a date (`2026-11-24`, midnight UTC).
pub fn parse(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    let days = Date::parse(text.get(..10)?)?.days_since_epoch();
    let rest = &text[10..];
    let secs = if rest.is_empty() {
        0
    } else {
        let rest = rest.strip_prefix(['T', 't', ' '])?;
        let (clock, offset) = split_offset(rest)?;
        let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
        let mut parts = hms.split(':');
        let h: i64 = number(parts.next()?, 2)?;
        let m: i64 = number(parts.next()?, 2)?;
        let s: i64 = number(parts.next()?, 2)?;
        if parts.next().is_some() || h > 23 || m > 59 || s > 60 {
            return None;
        }
        if !frac.bytes().all(|b| b.is_ascii_digit()) || (clock.contains('.') && frac.is_empty()) {
            return None;
        }
        let nanos: u32 = format!("{frac:0<9}").get(..9)?.parse().ok()?;
        let secs = h * 3600 + m * 60 + s - offset;
        return at(days * 86_400 + secs, nanos);
    };
    at(days * 86_400 + secs, 0)
}

fn at(secs: i64, nanos: u32) -> Option<SystemTime> {
    let secs = u64::try_from(secs).ok()?;
    UNIX_EPOCH.checked_add(Duration::new(secs, nanos))
}

/// The clock part and the offset from UTC in seconds.
fn split_offset(rest: &str) -> Option<(&str, i64)> {
    if let Some(clock) = rest.strip_suffix(['Z', 'z']) {
        return Some((clock, 0));
    }
    let at = rest.rfind(['+', '-'])?;
    let (clock, offset) = rest.split_at(at);
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let (h, m) = offset[1..].split_once(':')?;
    let (h, m): (i64, i64) = (number(h, 2)?, number(m, 2)?);
    if h > 23 || m > 59 {
        return None;
    }
    Some((clock, sign * (h * 3600 + m * 60)))
}

fn number(text: &str, width: usize) -> Option<i64> {
    (text.len() == width && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
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
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }
}
