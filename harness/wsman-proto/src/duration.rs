//! `xs:duration` as WS-Management uses it (OperationTimeout, Expires,
//! Heartbeats): `PnYnMnDTnHnMnS` with fractional seconds.

use std::time::Duration;

/// A non-negative `xs:duration`, kept in milliseconds. Years count 365 days
/// and months 30 days (WS-Man timeouts are never that long in practice).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct XsDuration {
    millis: u64,
}

impl XsDuration {
    /// From milliseconds.
    pub fn from_millis(millis: u64) -> Self {
        XsDuration { millis }
    }

    /// In milliseconds.
    pub fn as_millis(self) -> u64 {
        self.millis
    }

    /// As a std duration.
    pub fn to_std(self) -> Duration {
        Duration::from_millis(self.millis)
    }

    /// Parses the lexical form. Negative durations and empty designators are refused.
    pub fn parse(s: &str) -> Option<XsDuration> {
        let s = s.trim();
        let rest = s.strip_prefix('P')?;
        if rest.is_empty() {
            return None;
        }
        let (date, time) = match rest.split_once('T') {
            Some((d, t)) if !t.is_empty() => (d, Some(t)),
            Some(_) => return None,
            None => (rest, None),
        };
        let mut millis: u128 = 0;
        let mut any = false;
        let mut take = |part: &str, units: &[(char, u128)], allow_fraction_on: Option<char>| -> Option<()> {
            let mut num = String::new();
            let mut order = 0usize;
            for c in part.chars() {
                if c.is_ascii_digit() || (c == '.' && allow_fraction_on.is_some()) {
                    num.push(c);
                    continue;
                }
                let pos = units.iter().position(|(u, _)| *u == c)?;
                if pos < order || num.is_empty() {
                    return None;
                }
                order = pos + 1;
                let factor = units[pos].1;
                if num.contains('.') {
                    if Some(c) != allow_fraction_on {
                        return None;
                    }
                    let (whole, frac) = num.split_once('.')?;
                    if whole.is_empty() && frac.is_empty() {
                        return None;
                    }
                    let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
                    let frac3: String = frac.chars().chain(std::iter::repeat('0')).take(3).collect();
                    if !frac.chars().all(|c| c.is_ascii_digit()) {
                        return None;
                    }
                    millis = millis.checked_add(whole.checked_mul(factor)?)?.checked_add(frac3.parse::<u128>().ok()?)?;
                } else {
                    millis = millis.checked_add(num.parse::<u128>().ok()?.checked_mul(factor)?)?;
                }
                any = true;
                num.clear();
            }
            num.is_empty().then_some(())
        };
        const DAY: u128 = 86_400_000;
        take(date, &[('Y', 365 * DAY), ('M', 30 * DAY), ('D', DAY)], None)?;
        if let Some(t) = time {
            take(t, &[('H', 3_600_000), ('M', 60_000), ('S', 1000)], Some('S'))?;
        }
        if !any {
            return None;
        }
        Some(XsDuration { millis: u64::try_from(millis).ok()? })
    }

    /// The canonical lexical form: `PT<seconds>[.<millis>]S`.
    pub fn to_lexical(self) -> String {
        let (s, ms) = (self.millis / 1000, self.millis % 1000);
        if ms == 0 {
            format!("PT{s}S")
        } else {
            format!("PT{s}.{ms:03}S")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_clients_send() {
        assert_eq!(XsDuration::parse("PT60S").unwrap().as_millis(), 60_000);
        assert_eq!(XsDuration::parse("PT60.000S").unwrap().as_millis(), 60_000);
        assert_eq!(XsDuration::parse("PT0.5S").unwrap().as_millis(), 500);
        assert_eq!(XsDuration::parse("P1DT1H1M1.25S").unwrap().as_millis(), 86_400_000 + 3_661_250);
        assert_eq!(XsDuration::parse("PT20S").unwrap().to_lexical(), "PT20S");
    }

    #[test]
    fn refuses_bad_forms() {
        for bad in ["", "P", "PT", "60", "PT-1S", "-PT1S", "PT1.S2", "PTS", "PT1H2H", "PT1S1M", "P1S", "PT1.5M", "PTxS", "PT60"] {
            assert_eq!(XsDuration::parse(bad), None, "{bad}");
        }
    }
}
