//! SDR repository records (IPMI v2.0 §43): Full Sensor Records for the
//! threshold sensors and a Management Controller Device Locator for the BMC.

use super::sensor::{event_mask, Sensor};

/// Encodes the Full Sensor Record (type 01h) of `s` with record id `id`.
pub fn full_sensor_record(id: u16, s: &Sensor) -> Vec<u8> {
    let readable = s.readable_mask();
    let lower = readable & 0x07;
    let upper = (readable >> 3) & 0x07;
    let events = event_mask(readable);
    let m = (s.conv.m as u16) & 0x3FF;
    let b = (s.conv.b as u16) & 0x3FF;
    let exps = (((s.conv.r_exp as u8) & 0x0F) << 4) | ((s.conv.b_exp as u8) & 0x0F);
    let t = |i: usize| s.thresholds[i].unwrap_or(0);
    let mut body = vec![
        0x20, // sensor owner: BMC slave address
        0x00, // owner LUN
        s.number,
        s.entity_id,
        0x01, // entity instance
        0x7F, // init: scanning, events, thresholds, hysteresis, type; events + scanning enabled
        0x68, // capabilities: auto re-arm, hysteresis r/w, thresholds r/w, per-threshold event control
        s.kind.sensor_type(),
        0x01, // event/reading type: threshold
        (events & 0xFF) as u8,
        ((events >> 8) as u8 & 0x0F) | (lower << 4),
        (events & 0xFF) as u8,
        ((events >> 8) as u8 & 0x0F) | (upper << 4),
        readable,
        readable, // settable = readable
        0x00,     // unsigned analog, no rate, no modifier
        s.kind.base_unit(),
        0x00,
        0x00, // linear
        (m & 0xFF) as u8,
        ((m >> 8) as u8) << 6,
        (b & 0xFF) as u8,
        ((b >> 8) as u8) << 6,
        0x00,
        exps,
        0x01, // nominal reading specified
        s.nominal,
        0xFF,
        0x00,
        0xFF, // sensor maximum reading
        0x00, // sensor minimum reading
        t(5),
        t(4),
        t(3),
        t(2),
        t(1),
        t(0),
        s.hyst_pos,
        s.hyst_neg,
        0x00,
        0x00,
        0x00, // OEM
    ];
    let name = s.name.as_bytes();
    let name = &name[..name.len().min(16)];
    body.push(0xC0 | name.len() as u8);
    body.extend_from_slice(name);
    with_header(id, 0x01, body)
}

/// Encodes the Management Controller Device Locator (type 12h) of the BMC.
pub fn mc_locator(id: u16, name: &str) -> Vec<u8> {
    let mut body = vec![
        0x20, // device slave address
        0x00, // channel 0
        0x00, // power state notification / global init
        0x8F, // capabilities: chassis, FRU, SEL, SDR repository, sensor device
        0x00, 0x00, 0x00, 0x2E, // entity: BMC
        0x01, 0x00, // OEM
    ];
    let name = &name.as_bytes()[..name.len().min(16)];
    body.push(0xC0 | name.len() as u8);
    body.extend_from_slice(name);
    with_header(id, 0x12, body)
}

fn with_header(id: u16, kind: u8, body: Vec<u8>) -> Vec<u8> {
    let mut r = Vec::with_capacity(body.len() + 5);
    r.extend_from_slice(&id.to_le_bytes());
    r.push(0x51);
    r.push(kind);
    r.push(body.len() as u8);
    r.extend(body);
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    #[test]
    fn full_record_layout() {
        let sc = Scenario::builtin_default();
        let s = Sensor::new(7, &sc.sensors[7], &sc.faults); // 12V: m = 6, r_exp = -2, all six thresholds
        let r = full_sensor_record(9, &s);
        assert_eq!(&r[..4], &[9, 0, 0x51, 0x01]);
        assert_eq!(r[4] as usize, r.len() - 5);
        assert_eq!(r[7], s.number);
        assert_eq!(r[12], 0x02, "voltage sensor type");
        assert_eq!(r[18], 0x3F, "all six thresholds readable");
        assert_eq!(r[21], 4, "volts");
        assert_eq!(r[24], 6, "M");
        assert_eq!(r[29] >> 4, 0x0E, "R exponent -2");
        assert_eq!(r[36], s.thresholds[5].expect("unr"));
        assert_eq!(r[47], 0xC0 | 3);
        assert_eq!(&r[48..], b"12V");
    }
}
