//! Benchmarks live in `benches/`; see README.md. This library holds what
//! they share: the baseline scan every XML benchmark is measured beside.

/// Reads every event of `bytes` with namespace resolution and counts the
/// elements: quick-xml's bare namespace-resolving scan, the floor a decoder
/// of the same document cannot go under.
///
/// # Panics
/// When `bytes` is not UTF-8 (the benchmarks' documents are).
pub fn scan(bytes: &[u8]) -> usize {
    let text = std::str::from_utf8(bytes).expect("utf-8");
    let mut r = quick_xml::NsReader::from_str(text);
    let mut n = 0;
    loop {
        match r.read_resolved_event() {
            Ok((_, quick_xml::events::Event::Start(_) | quick_xml::events::Event::Empty(_))) => n += 1,
            Ok((_, quick_xml::events::Event::Eof)) | Err(_) => return n,
            Ok(_) => {}
        }
    }
}
