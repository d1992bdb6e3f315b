//! Storage network function (IPMI v2.0 §31, §33, §34): FRU inventory, SDR
//! repository and SEL commands.

use std::time::Duration;

use super::{cc, Bmc, Request, Response};

/// Most bytes one Read FRU Data / Get SDR / Get SEL Entry returns: keeps
/// every response well inside one LAN datagram.
const MAX_READ: usize = 32;

impl Bmc {
    pub(super) fn storage_cmd(&mut self, now: Duration, req: &Request) -> Response {
        let d = &req.data;
        match req.cmd {
            // Get FRU Inventory Area Info
            0x10 => {
                let Some(&id) = d.first() else {
                    return Response::err(cc::BAD_LENGTH);
                };
                if id != 0 {
                    return Response::err(cc::NOT_PRESENT);
                }
                let len = (self.fru.len() as u16).to_le_bytes();
                Response::ok(vec![len[0], len[1], 0x00])
            }
            // Read FRU Data
            0x11 => {
                if d.len() < 4 {
                    return Response::err(cc::BAD_LENGTH);
                }
                if d[0] != 0 {
                    return Response::err(cc::NOT_PRESENT);
                }
                let off = usize::from(u16::from_le_bytes([d[1], d[2]]));
                if off >= self.fru.len() {
                    return Response::err(cc::OUT_OF_RANGE);
                }
                let n = usize::from(d[3]).min(MAX_READ).min(self.fru.len() - off);
                let mut out = vec![n as u8];
                out.extend_from_slice(&self.fru[off..off + n]);
                Response::ok(out)
            }
            // Write FRU Data
            0x12 => {
                if d.len() < 3 {
                    return Response::err(cc::BAD_LENGTH);
                }
                if d[0] != 0 {
                    return Response::err(cc::NOT_PRESENT);
                }
                let off = usize::from(u16::from_le_bytes([d[1], d[2]]));
                let bytes = &d[3..];
                if off + bytes.len() > self.fru.len() {
                    return Response::err(cc::OUT_OF_RANGE);
                }
                self.fru[off..off + bytes.len()].copy_from_slice(bytes);
                Response::ok(vec![bytes.len() as u8])
            }
            // Get SDR Repository Info
            0x20 => {
                let count = (self.sdr.len() as u16).to_le_bytes();
                let epoch = self.scenario.bmc.epoch.to_le_bytes();
                let mut out = vec![0x51, count[0], count[1], 0x00, 0x00];
                out.extend_from_slice(&epoch); // most recent addition
                out.extend_from_slice(&[0, 0, 0, 0]); // most recent erase
                out.push(0x02); // reserve supported
                Response::ok(out)
            }
            // Reserve SDR Repository
            0x22 => {
                self.sdr_reservation = self.sdr_reservation.wrapping_add(1).max(1);
                Response::ok(self.sdr_reservation.to_le_bytes().to_vec())
            }
            // Get SDR
            0x23 => self.get_sdr(d),
            // Get SEL Info
            0x40 => {
                let n = (self.sel.records().len() as u16).to_le_bytes();
                let free = self.sel.free_bytes().to_le_bytes();
                let mut out = vec![0x51, n[0], n[1], free[0], free[1]];
                out.extend_from_slice(&self.sel.last_add.to_le_bytes());
                out.extend_from_slice(&self.sel.last_erase.to_le_bytes());
                out.push(0x0A); // delete and reserve supported
                Response::ok(out)
            }
            // Reserve SEL
            0x42 => Response::ok(self.sel.reserve().to_le_bytes().to_vec()),
            // Get SEL Entry
            0x43 => {
                if d.len() < 6 {
                    return Response::err(cc::BAD_LENGTH);
                }
                let resv = u16::from_le_bytes([d[0], d[1]]);
                let id = u16::from_le_bytes([d[2], d[3]]);
                let (off, count) = (usize::from(d[4]), usize::from(d[5]));
                if off != 0 && resv != self.sel.reservation {
                    return Response::err(cc::INVALID_RESERVATION);
                }
                let Some((rec, next)) = self.sel.get(id) else {
                    return Response::err(cc::NOT_PRESENT);
                };
                if off >= 16 {
                    return Response::err(cc::OUT_OF_RANGE);
                }
                let n = if count == 0xFF {
                    16 - off
                } else {
                    count.min(16 - off)
                };
                let mut out = next.to_le_bytes().to_vec();
                out.extend_from_slice(&rec.bytes[off..off + n]);
                Response::ok(out)
            }
            // Add SEL Entry
            0x44 => {
                let Ok(rec) = <[u8; 16]>::try_from(d.as_slice()) else {
                    return Response::err(cc::BAD_LENGTH);
                };
                let ts = self.sel_time(now);
                match self.sel.add(rec, ts) {
                    Some(id) => Response::ok(id.to_le_bytes().to_vec()),
                    None => Response::err(0x80), // out of space
                }
            }
            // Delete SEL Entry
            0x46 => {
                if d.len() < 4 {
                    return Response::err(cc::BAD_LENGTH);
                }
                if u16::from_le_bytes([d[0], d[1]]) != self.sel.reservation {
                    return Response::err(cc::INVALID_RESERVATION);
                }
                let id = u16::from_le_bytes([d[2], d[3]]);
                let id = match self.sel.get(id) {
                    Some((r, _)) => r.id,
                    None => return Response::err(cc::NOT_PRESENT),
                };
                self.sel.delete(id);
                Response::ok(id.to_le_bytes().to_vec())
            }
            // Clear SEL
            0x47 => {
                if d.len() < 6 {
                    return Response::err(cc::BAD_LENGTH);
                }
                if u16::from_le_bytes([d[0], d[1]]) != self.sel.reservation {
                    return Response::err(cc::INVALID_RESERVATION);
                }
                if &d[2..5] != b"CLR" {
                    return Response::err(cc::INVALID_DATA);
                }
                match d[5] {
                    0xAA => self.clear_sel(now),
                    0x00 => {}
                    _ => return Response::err(cc::INVALID_DATA),
                }
                Response::ok(vec![0x01]) // erasure completed
            }
            // Get SEL Time
            0x48 => Response::ok(self.sel_time(now).to_le_bytes().to_vec()),
            // Set SEL Time
            0x49 => {
                let Ok(t) = <[u8; 4]>::try_from(d.as_slice()) else {
                    return Response::err(cc::BAD_LENGTH);
                };
                let want = i64::from(u32::from_le_bytes(t));
                let base = i64::from(self.sel_time(now)) - self.sel_time_offset;
                self.sel_time_offset = want - base;
                Response::ok(vec![])
            }
            // Get SEL Time UTC Offset: unspecified
            0x5C => Response::ok(vec![0xFF, 0x07]),
            _ => Response::err(cc::INVALID_COMMAND),
        }
    }

    fn get_sdr(&self, d: &[u8]) -> Response {
        if d.len() < 6 {
            return Response::err(cc::BAD_LENGTH);
        }
        let resv = u16::from_le_bytes([d[0], d[1]]);
        let id = u16::from_le_bytes([d[2], d[3]]);
        let (off, count) = (usize::from(d[4]), usize::from(d[5]));
        if off != 0 && resv != self.sdr_reservation {
            return Response::err(cc::INVALID_RESERVATION);
        }
        let idx = match id {
            0x0000 => 0,
            0xFFFF => self.sdr.len().saturating_sub(1),
            id => match self
                .sdr
                .iter()
                .position(|r| u16::from_le_bytes([r[0], r[1]]) == id)
            {
                Some(i) => i,
                None => return Response::err(cc::NOT_PRESENT),
            },
        };
        let Some(rec) = self.sdr.get(idx) else {
            return Response::err(cc::NOT_PRESENT);
        };
        if off > rec.len() {
            return Response::err(cc::OUT_OF_RANGE);
        }
        let next = self
            .sdr
            .get(idx + 1)
            .map_or(0xFFFF, |r| u16::from_le_bytes([r[0], r[1]]));
        let n = if count == 0xFF {
            rec.len() - off
        } else {
            count.min(rec.len() - off)
        };
        // SDRs are at most 64 bytes: a whole record always fits one datagram.
        let mut out = next.to_le_bytes().to_vec();
        out.extend_from_slice(&rec[off..off + n]);
        Response::ok(out)
    }
}
