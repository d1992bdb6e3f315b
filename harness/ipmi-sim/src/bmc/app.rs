//! Application network function (IPMI v2.0 §20, §22): identity, GUIDs,
//! channels, users, cipher suites. Session commands (Get Session Challenge,
//! Activate Session, Set Session Privilege, Close Session) belong to the LAN
//! face, which answers them before they reach the core.

use std::time::Duration;

use super::users::MAX_USERS;
use super::{cc, Bmc, Privilege, Request, Response};

/// The LAN channel number.
pub(crate) const LAN_CHANNEL: u8 = 1;

/// Cipher suites offered on the LAN channel: (id, authentication, integrity, confidentiality) algorithm numbers.
pub(crate) const CIPHER_SUITES: [(u8, u8, u8, u8); 7] = [
    (0, 0, 0, 0),
    (1, 1, 0, 0),
    (2, 1, 1, 0),
    (3, 1, 1, 1),
    (15, 3, 0, 0),
    (16, 3, 4, 0),
    (17, 3, 4, 1),
];

impl Bmc {
    pub(super) fn app_cmd(&mut self, _now: Duration, req: &Request) -> Response {
        let d = &req.data;
        match req.cmd {
            // Get Device ID
            0x01 => {
                let b = &self.scenario.bmc;
                let m = b.manufacturer_id.to_le_bytes();
                let p = b.product_id.to_le_bytes();
                let minor_bcd = ((b.firmware_minor / 10) << 4) | (b.firmware_minor % 10);
                Response::ok(vec![
                    b.device_id,
                    0x01, // device revision 1, no device SDRs
                    b.firmware_major & 0x7F,
                    minor_bcd,
                    0x02, // IPMI 2.0
                    0x8F, // chassis, FRU inventory, SEL, SDR repository, sensor device
                    m[0],
                    m[1],
                    m[2] & 0x0F,
                    p[0],
                    p[1],
                ])
            }
            // Cold Reset / Warm Reset: accepted, state is kept
            0x02 | 0x03 => Response::ok(vec![]),
            // Get Self Test Results: no error
            0x04 => Response::ok(vec![0x55, 0x00]),
            // Get Device GUID
            0x08 => Response::ok(self.device_guid.to_vec()),
            // Get BMC Global Enables: SEL and event message buffer enabled
            0x2F => Response::ok(vec![0x0C]),
            // Get System GUID
            0x37 => Response::ok(self.system_guid.to_vec()),
            // Get Channel Authentication Capabilities
            0x38 => self.channel_auth_caps(d),
            // Get Channel Access
            0x41 => {
                let Some(&ch) = d.first() else {
                    return Response::err(cc::BAD_LENGTH);
                };
                if resolve_channel(ch) != Some(LAN_CHANNEL) {
                    return Response::err(cc::INVALID_DATA);
                }
                Response::ok(vec![0x22, 0x04]) // always available, PEF alerting disabled; admin limit
            }
            // Get Channel Info
            0x42 => {
                let Some(&ch) = d.first() else {
                    return Response::err(cc::BAD_LENGTH);
                };
                match resolve_channel(ch) {
                    Some(LAN_CHANNEL) => Response::ok(vec![
                        LAN_CHANNEL,
                        0x04,
                        0x01,
                        0x80,
                        0xF2,
                        0x1B,
                        0x00,
                        0x00,
                        0x00,
                    ]),
                    Some(0x0F) => {
                        Response::ok(vec![0x0F, 0x0C, 0x05, 0x00, 0xF2, 0x1B, 0x00, 0x00, 0x00])
                    }
                    _ => Response::err(cc::INVALID_DATA),
                }
            }
            // Set User Access
            0x43 => {
                if d.len() < 3 {
                    return Response::err(cc::BAD_LENGTH);
                }
                let Some(user) = self.users.get_mut(d[1] & 0x3F) else {
                    return Response::err(cc::INVALID_DATA);
                };
                user.privilege = Privilege::from_code(d[2]).filter(|p| *p != Privilege::Oem);
                Response::ok(vec![])
            }
            // Get User Access
            0x44 => {
                if d.len() < 2 {
                    return Response::err(cc::BAD_LENGTH);
                }
                if resolve_channel(d[0]) != Some(LAN_CHANNEL) {
                    return Response::err(cc::INVALID_DATA);
                }
                let Some(user) = self.users.get(d[1] & 0x3F) else {
                    return Response::err(cc::INVALID_DATA);
                };
                let access = match (user.enabled, user.privilege) {
                    (true, Some(p)) => 0x40 | 0x20 | p as u8, // IPMI messaging, link auth
                    _ => 0x0F,
                };
                Response::ok(vec![
                    MAX_USERS,
                    0x40 | self.users.enabled_count(),
                    0x01,
                    access,
                ])
            }
            // Set User Name
            0x45 => {
                if d.len() < 17 {
                    return Response::err(cc::BAD_LENGTH);
                }
                let id = d[0] & 0x3F;
                if id <= 1 {
                    return Response::err(cc::INVALID_DATA); // user 1 has a fixed null name
                }
                let Some(user) = self.users.get_mut(id) else {
                    return Response::err(cc::INVALID_DATA);
                };
                let name: Vec<u8> = d[1..17].iter().copied().take_while(|b| *b != 0).collect();
                user.name = String::from_utf8_lossy(&name).into_owned();
                Response::ok(vec![])
            }
            // Get User Name
            0x46 => {
                let Some(&id) = d.first() else {
                    return Response::err(cc::BAD_LENGTH);
                };
                let Some(user) = self.users.get(id & 0x3F) else {
                    return Response::err(cc::INVALID_DATA);
                };
                let mut name = user.name.as_bytes().to_vec();
                name.resize(16, 0);
                Response::ok(name)
            }
            // Set User Password
            0x47 => self.set_user_password(d),
            // Get Channel Cipher Suites
            0x54 => {
                if d.len() < 3 {
                    return Response::err(cc::BAD_LENGTH);
                }
                if resolve_channel(d[0]) != Some(LAN_CHANNEL) || d[1] & 0x3F != 0 {
                    return Response::err(cc::INVALID_DATA);
                }
                let mut records = Vec::new();
                for (id, a, i, c) in CIPHER_SUITES {
                    records.extend_from_slice(&[0xC0, id, a, 0x40 | i, 0x80 | c]);
                }
                let start = usize::from(d[2] & 0x3F) * 16;
                let mut out = vec![LAN_CHANNEL];
                out.extend(records.iter().skip(start).take(16));
                Response::ok(out)
            }
            _ => Response::err(cc::INVALID_COMMAND),
        }
    }

    fn channel_auth_caps(&self, d: &[u8]) -> Response {
        if d.len() < 2 {
            return Response::err(cc::BAD_LENGTH);
        }
        if resolve_channel(d[0]) != Some(LAN_CHANNEL) || Privilege::from_code(d[1]).is_none() {
            return Response::err(cc::INVALID_DATA);
        }
        let v2 = d[0] & 0x80 != 0;
        // auth types: none, MD5, straight password
        let types = 0x01 | 0x04 | 0x10 | if v2 { 0x80 } else { 0x00 };
        // non-null user names enabled; per-message and user-level authentication enabled
        let status = 0x04;
        let ext = if v2 { 0x02 | 0x01 } else { 0x00 };
        Response::ok(vec![
            LAN_CHANNEL,
            types,
            status,
            ext,
            0x00,
            0x00,
            0x00,
            0x00,
        ])
    }

    fn set_user_password(&mut self, d: &[u8]) -> Response {
        if d.len() < 2 {
            return Response::err(cc::BAD_LENGTH);
        }
        let id = d[0] & 0x3F;
        let len20 = d[0] & 0x80 != 0;
        let Some(user) = self.users.get_mut(id) else {
            return Response::err(cc::INVALID_DATA);
        };
        let pw_len = if len20 { 20 } else { 16 };
        let pw = |d: &[u8]| -> Option<Vec<u8>> {
            let p = d.get(2..2 + pw_len)?;
            Some(p.iter().copied().take_while(|b| *b != 0).collect())
        };
        match d[1] & 0x03 {
            0 => user.enabled = false,
            1 => user.enabled = true,
            2 => match pw(d) {
                Some(p) => user.password = p,
                None => return Response::err(cc::BAD_LENGTH),
            },
            _ => match pw(d) {
                Some(p) if p == user.password => {}
                Some(_) => return Response::err(0x80), // password test failed
                None => return Response::err(cc::BAD_LENGTH),
            },
        }
        Response::ok(vec![])
    }
}

/// Channel number of a request byte: 0Eh means "this channel" (the LAN channel).
fn resolve_channel(b: u8) -> Option<u8> {
    match b & 0x0F {
        0x0E | LAN_CHANNEL => Some(LAN_CHANNEL),
        0x0F => Some(0x0F),
        _ => None,
    }
}
