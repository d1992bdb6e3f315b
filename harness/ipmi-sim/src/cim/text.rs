//! Small text conversions for CIM values.

/// Unix seconds as an ISO 8601 UTC date-time (`2023-11-14T22:13:20Z`).
pub(crate) fn iso8601(unix: u32) -> String {
    wsman_proto::datetime::format_fraction(std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix.into()), 0)
}

/// Lower-case hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Canonical text of a GUID in IPMI wire order (first three fields little-endian).
pub(crate) fn guid_text(g: &[u8; 16]) -> String {
    let mut b = *g;
    b[0..4].reverse();
    b[4..6].reverse();
    b[6..8].reverse();
    let h = hex(&b);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// An unsigned number in decimal or `0x` hex.
pub(crate) fn parse_uint(s: &str) -> Option<u64> {
    let s = s.trim();
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn guids_and_numbers() {
        let g = crate::scenario::parse_guid("00112233-4455-6677-8899-aabbccddeeff").expect("guid");
        assert_eq!(guid_text(&g), "00112233-4455-6677-8899-aabbccddeeff");
        assert_eq!(parse_uint("0x2d"), Some(45));
        assert_eq!(parse_uint(" 12 "), Some(12));
        assert_eq!(parse_uint("x"), None);
    }
}
