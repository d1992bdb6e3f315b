//! HDR interval logs read back, and merged: the histograms of several logs
//! (one per shard) added tag by tag give the exact whole-run percentiles,
//! as if one process had recorded every sample.

use std::collections::BTreeMap;

use base64::Engine as _;
use hdrhistogram::serialization::interval_log::{IntervalLogIterator, LogEntry};
use hdrhistogram::serialization::Deserializer;
use hdrhistogram::Histogram;

use crate::record::{new_histogram, ERRORS_TAG_SUFFIX};

/// A log that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HdrLogError {
    /// A line that is not an interval log line.
    #[error("not an HDR interval log (unreadable line at byte {0})")]
    Syntax(usize),
    /// An interval whose histogram does not decode.
    #[error("an interval histogram does not decode: {0}")]
    Histogram(String),
}

/// Whether `bytes` look like an interval log rather than a JSON report:
/// the first character that is not white space is not `{`.
pub fn looks_like_interval_log(bytes: &[u8]) -> bool {
    bytes.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|b| *b != b'{')
}

/// The histograms of one or more logs, by tag.
#[derive(Debug, Clone, Default)]
pub struct MergedLog {
    /// The right answers of each tag (an operation or a flow step).
    pub ok: BTreeMap<String, Histogram<u64>>,
    /// The failures of each tag.
    pub failed: BTreeMap<String, Histogram<u64>>,
    /// Intervals read.
    pub intervals: u64,
    /// Seconds from the first interval's start to the last one's end (per log, the longest).
    pub span_s: f64,
}

impl MergedLog {
    /// Adds every interval of `log` (a whole file's bytes).
    ///
    /// # Errors
    /// [`HdrLogError`] for a line or a histogram that does not read.
    pub fn add_log(&mut self, log: &[u8]) -> Result<(), HdrLogError> {
        let mut deserializer = Deserializer::new();
        let (mut first, mut last) = (f64::INFINITY, 0f64);
        for entry in IntervalLogIterator::new(log) {
            let entry = entry.map_err(|e| match e {
                hdrhistogram::serialization::interval_log::LogIteratorError::ParseError { offset } => HdrLogError::Syntax(offset),
            })?;
            let LogEntry::Interval(interval) = entry else { continue };
            let bytes = base64::engine::general_purpose::STANDARD.decode(interval.encoded_histogram()).map_err(|e| HdrLogError::Histogram(e.to_string()))?;
            let h: Histogram<u64> = deserializer.deserialize(&mut bytes.as_slice()).map_err(|e| HdrLogError::Histogram(format!("{e:?}")))?;
            let tag = interval.tag().map(|t| t.as_str().to_owned()).unwrap_or_default();
            let (map, name) = match tag.strip_suffix(ERRORS_TAG_SUFFIX) {
                Some(name) => (&mut self.failed, name.to_owned()),
                None => (&mut self.ok, tag),
            };
            let into = map.entry(name).or_insert_with(new_histogram);
            into.add(&h).map_err(|e| HdrLogError::Histogram(format!("{e:?}")))?;
            self.intervals += 1;
            let start = interval.start_timestamp().as_secs_f64();
            first = first.min(start);
            last = last.max(start + interval.duration().as_secs_f64());
        }
        if last > first {
            self.span_s = self.span_s.max(last - first);
        }
        Ok(())
    }

    /// Every tag, of right answers or failures.
    pub fn tags(&self) -> Vec<String> {
        let mut t: Vec<String> = self.ok.keys().chain(self.failed.keys()).cloned().collect();
        t.sort();
        t.dedup();
        t
    }
}
