//! `xs:dateTime` as WS-Eventing uses it (absolute `wse:Expires`): read into a
//! [`SystemTime`] and written back in UTC.
//!
//! The accepted form is `YYYY-MM-DDThh:mm:ss[.fraction][Z|(+|-)hh:mm]`; a
//! time without a zone is taken as UTC. Times before 1970 are refused (no
//! expiration can lie there that a server would accept anyway).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Days since 1970-01-01 of a proleptic Gregorian date (the civil-from-days
/// inverse; valid for every year ≥ 1970 used here).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn digits(s: &str, n: usize) -> Option<i64> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

/// Parses an `xs:dateTime`; `None` when it is not one (or lies before 1970).
pub fn parse(text: &str) -> Option<SystemTime> {
    let s = text.trim();
    let (date, time) = s.split_once('T')?;
    let mut date_parts = date.split('-');
    let (y, m, d) = (digits(date_parts.next()?, 4)?, digits(date_parts.next()?, 2)?, digits(date_parts.next()?, 2)?);
    if date_parts.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Split the zone off the time.
    let (clock, offset_secs) = if let Some(c) = time.strip_suffix('Z') {
        (c, 0i64)
    } else if let Some(pos) = time.rfind(['+', '-']) {
        let (c, z) = time.split_at(pos);
        let sign = if z.starts_with('-') { -1 } else { 1 };
        let (hh, mm) = z[1..].split_once(':')?;
        let (hh, mm) = (digits(hh, 2)?, digits(mm, 2)?);
        if hh > 14 || mm > 59 {
            return None;
        }
        (c, sign * (hh * 3600 + mm * 60))
    } else {
        (time, 0)
    };
    let mut clock_parts = clock.split(':');
    let (hh, mi, sec) = (digits(clock_parts.next()?, 2)?, digits(clock_parts.next()?, 2)?, clock_parts.next()?);
    if clock_parts.next().is_some() {
        return None;
    }
    let (whole, frac) = match sec.split_once('.') {
        Some((w, f)) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => (w, f),
        Some(_) => return None,
        None => (sec, ""),
    };
    let ss = digits(whole, 2)?;
    if hh > 24 || mi > 59 || ss > 60 || (hh == 24 && (mi, ss) != (0, 0)) {
        return None;
    }
    let nanos: u32 = frac.chars().chain(std::iter::repeat('0')).take(9).collect::<String>().parse().ok()?;
    let secs = days_from_civil(y, m, d) * 86_400 + hh * 3600 + mi * 60 + ss - offset_secs;
    let secs = u64::try_from(secs).ok()?;
    UNIX_EPOCH.checked_add(Duration::new(secs, nanos))
}

/// Writes `t` as a UTC `xs:dateTime` with milliseconds when it has any
/// (`2026-12-02T09:30:00Z`, `2026-12-02T09:30:00.250Z`). Times before 1970
/// are written as the epoch.
pub fn format(t: SystemTime) -> String {
    let ms = t.duration_since(UNIX_EPOCH).unwrap_or_default().subsec_millis();
    if ms == 0 {
        format_fraction(t, 0)
    } else {
        format_fraction(t, 3)
    }
}

/// Writes `t` as a UTC `xs:dateTime` with exactly `digits` (0 to 9) digits
/// of fraction, truncated: 7 is Windows' 100 ns precision
/// (`2022-09-21T14:48:21.6986159Z`), 0 whole seconds. Times before 1970 are
/// written as the epoch.
pub fn format_fraction(t: SystemTime, digits: u32) -> String {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = i64::try_from(since.as_secs()).unwrap_or(i64::MAX / 2);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    let (hh, mi, ss) = (rem / 3600, rem % 3600 / 60, rem % 60);
    let digits = digits.min(9);
    if digits == 0 {
        return std::format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mi:02}:{ss:02}Z");
    }
    let fraction = since.subsec_nanos() / 10u32.pow(9 - digits);
    std::format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mi:02}:{ss:02}.{fraction:0width$}Z", width = digits as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_are_truncated_to_the_digits_asked_for() {
        let t = UNIX_EPOCH + Duration::new(1_663_771_701, 698_615_912);
        assert_eq!(format_fraction(t, 7), "2022-09-21T14:48:21.6986159Z");
        assert_eq!(format_fraction(t, 0), "2022-09-21T14:48:21Z");
        assert_eq!(format(t), "2022-09-21T14:48:21.698Z");
    }

    #[test]
    fn known_instants() {
        assert_eq!(parse("1970-01-01T00:00:00Z"), Some(UNIX_EPOCH));
        assert_eq!(parse("2000-01-01T00:00:00Z"), Some(UNIX_EPOCH + Duration::from_secs(946_684_800)));
        assert_eq!(parse("2000-01-01T01:00:00+01:00"), parse("2000-01-01T00:00:00Z"));
        assert_eq!(parse("2000-03-01T00:00:00.5"), Some(UNIX_EPOCH + Duration::from_millis(951_868_800_500)));
        assert_eq!(format(UNIX_EPOCH + Duration::from_secs(946_684_800)), "2000-01-01T00:00:00Z");
    }

    #[test]
    fn refuses_what_is_not_a_date_time() {
        for bad in ["", "soon", "PT10S", "-PT10S", "2000-13-01T00:00:00Z", "2000-01-01", "2000-01-01T00:00Z", "1969-12-31T23:59:59Z", "2000-01-01T00:00:00.Z"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn format_then_parse_is_the_identity_to_the_millisecond() {
        for ms in [0u64, 1, 999, 86_399_999, 951_782_400_000, 4_102_444_800_123, 253_402_300_799_000] {
            let t = UNIX_EPOCH + Duration::from_millis(ms);
            assert_eq!(parse(&format(t)), Some(t), "{ms}");
        }
    }
}
