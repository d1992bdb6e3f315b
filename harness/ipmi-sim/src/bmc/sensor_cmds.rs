//! Sensor/Event network function (IPMI v2.0 §35): readings, thresholds,
//! hysteresis, event enables.

use std::time::Duration;

use super::sensor::event_mask;
use super::{cc, Bmc, Request, Response};

impl Bmc {
    pub(super) fn sensor_cmd(&mut self, now: Duration, req: &Request) -> Response {
        let d = &req.data;
        // Every command here starts with the sensor number, except Get Device SDR Info.
        if req.cmd == 0x20 {
            return Response::err(cc::INVALID_COMMAND); // no device SDRs (the repository holds them)
        }
        if !matches!(req.cmd, 0x24..=0x29 | 0x2B | 0x2D) {
            return Response::err(cc::INVALID_COMMAND);
        }
        let Some(&num) = d.first() else {
            return Response::err(cc::BAD_LENGTH);
        };
        let Some(idx) = self.sensors.iter().position(|s| s.number == num) else {
            return Response::err(cc::NOT_PRESENT);
        };
        match req.cmd {
            // Set Sensor Hysteresis
            0x24 => {
                if d.len() < 4 {
                    return Response::err(cc::BAD_LENGTH);
                }
                let s = &mut self.sensors[idx];
                s.hyst_pos = d[2];
                s.hyst_neg = d[3];
                Response::ok(vec![])
            }
            // Get Sensor Hysteresis
            0x25 => {
                let s = &self.sensors[idx];
                Response::ok(vec![s.hyst_pos, s.hyst_neg])
            }
            // Set Sensor Thresholds
            0x26 => {
                if d.len() < 8 {
                    return Response::err(cc::BAD_LENGTH);
                }
                let s = &mut self.sensors[idx];
                let mask = d[1] & 0x3F;
                if mask & !s.readable_mask() != 0 {
                    return Response::err(cc::INVALID_DATA);
                }
                for i in 0..6 {
                    if mask & (1 << i) != 0 {
                        s.thresholds[i] = Some(d[2 + i]);
                    }
                }
                Response::ok(vec![])
            }
            // Get Sensor Thresholds
            0x27 => {
                let s = &self.sensors[idx];
                let mut out = vec![s.readable_mask()];
                out.extend(s.thresholds.iter().map(|t| t.unwrap_or(0)));
                Response::ok(out)
            }
            // Set Sensor Event Enable: accepted (events are always generated)
            0x28 => Response::ok(vec![]),
            // Get Sensor Event Enable
            0x29 => {
                let m = event_mask(self.sensors[idx].readable_mask()).to_le_bytes();
                Response::ok(vec![0xC0, m[0], m[1], m[0], m[1]])
            }
            // Get Sensor Type
            0x2B => Response::ok(vec![self.sensors[idx].kind.sensor_type(), 0x01]),
            // Get Sensor Reading
            _ => {
                let raw = self.sensors[idx].raw_at(now);
                let status = self.sensors[idx].state;
                Response::ok(vec![raw, 0xC0, status, 0x80])
            }
        }
    }
}
