//! Threshold sensors: linear conversion, readings over scenario time, and
//! threshold state with hysteresis (IPMI v2.0 §36).

use std::time::Duration;

use crate::scenario::{FaultSpec, SensorKind, SensorSpec, Waveform};

/// Index of each threshold in [`Sensor::thresholds`] and its bit in the
/// readable/status masks: LNC, LCR, LNR, UNC, UCR, UNR.
pub const THRESHOLD_NAMES: [&str; 6] = ["lnc", "lcr", "lnr", "unc", "ucr", "unr"];

/// Linear conversion factors of a Full Sensor Record.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Conversion {
    /// M (10-bit signed).
    pub m: i16,
    /// B (10-bit signed).
    pub b: i16,
    /// B exponent.
    pub b_exp: i8,
    /// Result exponent.
    pub r_exp: i8,
}

impl Conversion {
    /// Raw (unsigned 8-bit) to engineering units.
    pub fn to_value(&self, raw: u8) -> f64 {
        let b = f64::from(self.b) * 10f64.powi(self.b_exp.into());
        (f64::from(self.m) * f64::from(raw) + b) * 10f64.powi(self.r_exp.into())
    }

    /// Engineering units to the nearest raw reading, clamped to 0..=255.
    pub fn to_raw(&self, value: f64) -> u8 {
        let b = f64::from(self.b) * 10f64.powi(self.b_exp.into());
        let raw = (value / 10f64.powi(self.r_exp.into()) - b) / f64::from(self.m);
        if raw.is_nan() {
            0
        } else {
            raw.round().clamp(0.0, 255.0) as u8
        }
    }
}

/// A sensor of the simulated BMC: its static description and its live state.
#[derive(Clone, Debug)]
pub struct Sensor {
    /// ID string.
    pub name: String,
    /// What it measures.
    pub kind: SensorKind,
    /// Sensor number.
    pub number: u8,
    /// Entity id.
    pub entity_id: u8,
    /// Conversion factors.
    pub conv: Conversion,
    /// Raw thresholds in the order of [`THRESHOLD_NAMES`]; `None` = not readable.
    pub thresholds: [Option<u8>; 6],
    /// Positive-going hysteresis (raw counts).
    pub hyst_pos: u8,
    /// Negative-going hysteresis (raw counts).
    pub hyst_neg: u8,
    /// Nominal raw reading.
    pub nominal: u8,
    waveform: Waveform,
    faults: Vec<FaultSpec>,
    /// Asserted thresholds, bit `i` = `THRESHOLD_NAMES[i]`.
    pub state: u8,
    walk_cache: Option<(u64, f64)>,
}

impl Sensor {
    /// Builds the live sensor from its scenario entry and the faults naming it.
    pub fn new(index: usize, spec: &SensorSpec, faults: &[FaultSpec]) -> Sensor {
        let conv = Conversion {
            m: spec.m,
            b: spec.b,
            b_exp: spec.b_exp,
            r_exp: spec.r_exp,
        };
        let t = &spec.thresholds;
        let thresholds =
            [t.lnc, t.lcr, t.lnr, t.unc, t.ucr, t.unr].map(|v| v.map(|v| conv.to_raw(v)));
        let first = spec.nominal.unwrap_or(match &spec.reading {
            Waveform::Constant { value } => *value,
            Waveform::Ramp { from, .. } => *from,
            Waveform::Steps { initial, .. } => *initial,
            Waveform::RandomWalk { start, .. } => *start,
        });
        Sensor {
            name: spec.name.clone(),
            kind: spec.kind,
            number: spec.number.unwrap_or((index + 1) as u8),
            entity_id: spec.entity_id.unwrap_or(spec.kind.default_entity()),
            conv,
            thresholds,
            hyst_pos: spec.hysteresis,
            hyst_neg: spec.hysteresis,
            nominal: conv.to_raw(first),
            waveform: spec.reading.clone(),
            faults: faults
                .iter()
                .filter(|f| f.sensor == spec.name)
                .cloned()
                .collect(),
            state: 0,
            walk_cache: None,
        }
    }

    /// The reading in engineering units at scenario time `now` (before quantisation).
    pub fn value_at(&mut self, now: Duration) -> f64 {
        let forced = self
            .faults
            .iter()
            .rev()
            .find(|f| f.at <= now && f.until.is_none_or(|u| now < u));
        if let Some(f) = forced {
            return f.value;
        }
        match &self.waveform {
            Waveform::Constant { value } => *value,
            Waveform::Ramp {
                from,
                to,
                start,
                duration,
            } => {
                if now <= *start {
                    *from
                } else if duration.is_zero() || now >= *start + *duration {
                    *to
                } else {
                    let f = (now - *start).as_secs_f64() / duration.as_secs_f64();
                    from + (to - from) * f
                }
            }
            Waveform::Steps { initial, steps } => steps
                .iter()
                .rfind(|s| s.at <= now)
                .map_or(*initial, |s| s.value),
            Waveform::RandomWalk {
                start,
                step,
                min,
                max,
                seed,
                interval,
            } => {
                // Bounded: one million steps at most (11 days at 1 s).
                let n = (now.as_nanos() / interval.as_nanos().max(1)).min(1_000_000) as u64;
                let (mut i, mut v) = match self.walk_cache {
                    Some((i, v)) if i <= n => (i, v),
                    _ => (0, *start),
                };
                while i < n {
                    i += 1;
                    let r = splitmix64(seed.wrapping_add(i));
                    v = if r & 1 == 0 { v + step } else { v - step }.clamp(*min, *max);
                }
                self.walk_cache = Some((n, v));
                v
            }
        }
    }

    /// The raw reading at `now`.
    pub fn raw_at(&mut self, now: Duration) -> u8 {
        let v = self.value_at(now);
        self.conv.to_raw(v)
    }

    /// Readable-threshold mask (bit i = threshold i present).
    pub fn readable_mask(&self) -> u8 {
        self.thresholds
            .iter()
            .enumerate()
            .filter(|(_, t)| t.is_some())
            .fold(0, |m, (i, _)| m | (1 << i))
    }

    /// The asserted-threshold mask the sensor would have for `raw`, starting
    /// from the current state (hysteresis delays deassertion).
    pub fn next_state(&self, raw: u8) -> u8 {
        let mut state = 0u8;
        for (i, t) in self.thresholds.iter().enumerate() {
            let Some(t) = *t else { continue };
            let was = self.state & (1 << i) != 0;
            let on = if i < 3 {
                // lower thresholds: assert at or below; deassert above t + positive hysteresis
                if was {
                    raw <= t.saturating_add(self.hyst_pos)
                } else {
                    raw <= t
                }
            } else if was {
                raw >= t.saturating_sub(self.hyst_neg)
            } else {
                raw >= t
            };
            if on {
                state |= 1 << i;
            }
        }
        state
    }
}

/// The IPMI event offset of a threshold crossing (Table 42-2): lower
/// thresholds "going low", upper thresholds "going high".
pub fn event_offset(threshold: usize) -> u8 {
    match threshold {
        0 => 0x00, // LNC going low
        1 => 0x02, // LCR going low
        2 => 0x04, // LNR going low
        3 => 0x07, // UNC going high
        4 => 0x09, // UCR going high
        _ => 0x0B, // UNR going high
    }
}

/// The assertion-event mask for the SDR: going-low for lower thresholds,
/// going-high for upper ones, for each readable threshold.
pub fn event_mask(readable: u8) -> u16 {
    (0..6)
        .filter(|i| readable & (1 << i) != 0)
        .fold(0, |m, i| m | (1u16 << event_offset(i)))
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Scenario, Thresholds};

    fn spec(reading: Waveform) -> SensorSpec {
        SensorSpec {
            name: "T".into(),
            kind: SensorKind::Temperature,
            number: None,
            entity_id: None,
            m: 1,
            b: 0,
            b_exp: 0,
            r_exp: 0,
            thresholds: Thresholds {
                unc: Some(40.0),
                lnc: Some(10.0),
                ..Default::default()
            },
            hysteresis: 2,
            nominal: None,
            reading,
        }
    }

    #[test]
    fn conversion_round_trips() {
        let c = Conversion {
            m: 6,
            b: 0,
            b_exp: 0,
            r_exp: -2,
        };
        assert_eq!(c.to_raw(12.06), 201);
        assert!((c.to_value(201) - 12.06).abs() < 1e-9);
        let c = Conversion {
            m: 2,
            b: -5,
            b_exp: 1,
            r_exp: 0,
        };
        assert_eq!(c.to_value(30), 10.0);
        assert_eq!(c.to_raw(10.0), 30);
        assert_eq!(c.to_raw(-1000.0), 0);
        assert_eq!(c.to_raw(1e9), 255);
    }

    #[test]
    fn ramp_and_steps_follow_time() {
        let mut s = Sensor::new(
            0,
            &spec(Waveform::Ramp {
                from: 30.0,
                to: 50.0,
                start: Duration::from_secs(10),
                duration: Duration::from_secs(20),
            }),
            &[],
        );
        assert_eq!(s.raw_at(Duration::ZERO), 30);
        assert_eq!(s.raw_at(Duration::from_secs(20)), 40);
        assert_eq!(s.raw_at(Duration::from_secs(100)), 50);
        let steps = Waveform::Steps {
            initial: 1.0,
            steps: vec![crate::scenario::Step {
                at: Duration::from_secs(5),
                value: 7.0,
            }],
        };
        let mut s = Sensor::new(0, &spec(steps), &[]);
        assert_eq!(s.raw_at(Duration::from_secs(4)), 1);
        assert_eq!(s.raw_at(Duration::from_secs(5)), 7);
    }

    #[test]
    fn random_walk_is_seeded_and_bounded() {
        let w = Waveform::RandomWalk {
            start: 20.0,
            step: 1.0,
            min: 18.0,
            max: 23.0,
            seed: 9,
            interval: Duration::from_secs(1),
        };
        let mut a = Sensor::new(0, &spec(w.clone()), &[]);
        let mut b = Sensor::new(0, &spec(w), &[]);
        let seq_a: Vec<u8> = (0..50).map(|t| a.raw_at(Duration::from_secs(t))).collect();
        // b jumps straight to the end, then goes back: same values (pure function of time).
        let last = b.raw_at(Duration::from_secs(49));
        assert_eq!(last, seq_a[49]);
        assert_eq!(b.raw_at(Duration::from_secs(10)), seq_a[10]);
        assert!(seq_a.iter().all(|v| (18..=23).contains(v)));
        assert!(seq_a.windows(2).any(|w| w[0] != w[1]));
    }

    #[test]
    fn hysteresis_delays_deassertion() {
        let mut s = Sensor::new(0, &spec(Waveform::Constant { value: 20.0 }), &[]);
        assert_eq!(s.next_state(40), 1 << 3);
        s.state = 1 << 3;
        assert_eq!(s.next_state(39), 1 << 3, "within hysteresis");
        assert_eq!(s.next_state(37), 0);
        assert_eq!(s.next_state(10), 1 << 0);
    }

    #[test]
    fn fault_overrides_reading() {
        let sc = Scenario::builtin_default();
        let idx = sc
            .sensors
            .iter()
            .position(|s| s.name == "Fan 2")
            .expect("fan 2");
        let mut s = Sensor::new(idx, &sc.sensors[idx], &sc.faults);
        assert!(s.value_at(Duration::from_secs(29)) > 5000.0);
        assert_eq!(s.value_at(Duration::from_secs(30)), 0.0);
        assert!(s.value_at(Duration::from_secs(600)) > 5000.0);
    }
}
