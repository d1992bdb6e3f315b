//! Session-layer behaviour driven in-process with a stepped clock: presence
//! ping, pre-session commands, Open Session privilege, limits and timeouts.

use std::time::Duration;

use ipmi_sim::{Bmc, Lan, Scenario};

fn bmc() -> Bmc {
    Bmc::new(
        Scenario::builtin_default(),
        &[("admin".into(), "pw".into())],
    )
    .expect("scenario")
}

fn checksum(b: &[u8]) -> u8 {
    b.iter().fold(0u8, |a, x| a.wrapping_add(*x)).wrapping_neg()
}

/// An IPMI 1.5 session-less request.
fn v15_request(netfn: u8, cmd: u8, data: &[u8]) -> Vec<u8> {
    let mut m = vec![0x20, netfn << 2];
    m.push(checksum(&m));
    m.extend_from_slice(&[0x81, 0x04, cmd]);
    m.extend_from_slice(data);
    let c = checksum(&m[3..]);
    m.push(c);
    let mut p = vec![
        0x06,
        0x00,
        0xFF,
        0x07,
        0x00,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        m.len() as u8,
    ];
    p.extend(m);
    p
}

/// An RMCP+ Open Session request for suite 17 with the given requested privilege.
fn open_session(tag: u8, privilege: u8, console_id: u32) -> Vec<u8> {
    let mut payload = vec![tag, privilege, 0, 0];
    payload.extend_from_slice(&console_id.to_le_bytes());
    payload.extend_from_slice(&[0x00, 0, 0, 8, 3, 0, 0, 0]);
    payload.extend_from_slice(&[0x01, 0, 0, 8, 4, 0, 0, 0]);
    payload.extend_from_slice(&[0x02, 0, 0, 8, 1, 0, 0, 0]);
    let mut p = vec![0x06, 0x00, 0xFF, 0x07, 0x06, 0x10, 0, 0, 0, 0, 0, 0, 0, 0];
    p.extend_from_slice(&(payload.len() as u16).to_le_bytes());
    p.extend(payload);
    p
}

#[test]
fn presence_ping_gets_pong_with_same_tag() {
    let mut core = bmc();
    let mut lan = Lan::with_seed(&core, 1);
    let ping = [
        0x06, 0x00, 0xFF, 0x06, 0x00, 0x00, 0x11, 0xBE, 0x80, 0x5A, 0x00, 0x00,
    ];
    let pong = lan
        .handle_datagram(Duration::ZERO, &mut core, &ping)
        .expect("pong");
    assert_eq!(pong[3], 0x06);
    assert_eq!(pong[8], 0x40, "pong message type");
    assert_eq!(pong[9], 0x5A, "tag echoed");
}

#[test]
fn channel_auth_caps_advertises_v2_md5_password() {
    let mut core = bmc();
    let mut lan = Lan::with_seed(&core, 1);
    let r = lan
        .handle_datagram(
            Duration::ZERO,
            &mut core,
            &v15_request(0x06, 0x38, &[0x8E, 0x04]),
        )
        .expect("reply");
    // RMCP(4) + session header(9) + len(1) + rqAddr netfn chk rsAddr seq cmd cc
    let cc = r[20];
    assert_eq!(cc, 0);
    let types = r[22];
    assert_eq!(types & 0x80, 0x80, "IPMI 2.0 extended data");
    assert_eq!(types & 0x14, 0x14, "MD5 and straight password");
    assert_eq!(r[24] & 0x02, 0x02, "IPMI 2.0 connections");
}

#[test]
fn commands_outside_a_session_need_privilege() {
    let mut core = bmc();
    let mut lan = Lan::with_seed(&core, 1);
    let r = lan
        .handle_datagram(Duration::ZERO, &mut core, &v15_request(0x00, 0x02, &[0x00]))
        .expect("reply");
    assert_eq!(r[20], 0xD4);
    assert!(core.chassis().power_on, "no power change without a session");
}

#[test]
fn open_session_privilege_zero_gets_administrator() {
    let mut core = bmc();
    let mut lan = Lan::with_seed(&core, 1);
    let r = lan
        .handle_datagram(Duration::ZERO, &mut core, &open_session(9, 0, 0xAABBCCDD))
        .expect("reply");
    assert_eq!(r[5], 0x11, "open session response");
    let p = &r[16..];
    assert_eq!(p[0], 9, "tag");
    assert_eq!(p[1], 0, "status ok");
    assert_eq!(p[2], 4, "administrator");
    assert_eq!(&p[4..8], &0xAABBCCDDu32.to_le_bytes());
    assert_ne!(&p[8..12], &[0, 0, 0, 0], "BMC session id");
    assert_eq!(
        (p[16], p[24], p[32]),
        (3, 4, 1),
        "suite 17 algorithms echoed"
    );
}

#[test]
fn unsupported_algorithm_is_refused() {
    let mut core = bmc();
    let mut lan = Lan::with_seed(&core, 1);
    let mut req = open_session(1, 4, 7);
    req[16 + 12] = 2; // HMAC-MD5 authentication: not offered
    let r = lan
        .handle_datagram(Duration::ZERO, &mut core, &req)
        .expect("reply");
    assert_eq!(r[17], 0x04, "invalid authentication algorithm");
    assert_eq!(lan.session_count(), 0);
}

#[test]
fn session_limit_and_idle_timeout() {
    let mut core = bmc();
    let limit = core.scenario().bmc.max_sessions;
    let timeout = core.scenario().bmc.session_timeout;
    let mut lan = Lan::with_seed(&core, 1);
    let t0 = Duration::from_secs(5);
    for i in 0..limit {
        let r = lan
            .handle_datagram(t0, &mut core, &open_session(i as u8, 4, 100 + i as u32))
            .expect("reply");
        assert_eq!(r[17], 0, "session {i} accepted");
    }
    let r = lan
        .handle_datagram(t0, &mut core, &open_session(99, 4, 999))
        .expect("reply");
    assert_eq!(r[17], 0x01, "insufficient resources");
    assert_eq!(lan.session_count(), limit);
    // still there at exactly the timeout, gone after it
    let ping = [
        0x06, 0x00, 0xFF, 0x06, 0x00, 0x00, 0x11, 0xBE, 0x80, 0x01, 0x00, 0x00,
    ];
    lan.handle_datagram(t0 + timeout, &mut core, &ping);
    assert_eq!(lan.session_count(), limit);
    lan.handle_datagram(t0 + timeout + Duration::from_secs(1), &mut core, &ping);
    assert_eq!(lan.session_count(), 0);
}

#[test]
fn rakp1_for_unknown_user_is_unauthorized_name() {
    let mut core = bmc();
    let mut lan = Lan::with_seed(&core, 1);
    let r = lan
        .handle_datagram(Duration::ZERO, &mut core, &open_session(1, 4, 7))
        .expect("reply");
    let bmc_id = &r[16 + 8..16 + 12];
    let mut payload = vec![2, 0, 0, 0];
    payload.extend_from_slice(bmc_id);
    payload.extend_from_slice(&[0x11; 16]);
    payload.extend_from_slice(&[0x14, 0, 0, 6]);
    payload.extend_from_slice(b"nobody");
    let mut p = vec![0x06, 0x00, 0xFF, 0x07, 0x06, 0x12, 0, 0, 0, 0, 0, 0, 0, 0];
    p.extend_from_slice(&(payload.len() as u16).to_le_bytes());
    p.extend(payload);
    let r = lan
        .handle_datagram(Duration::ZERO, &mut core, &p)
        .expect("rakp2");
    assert_eq!(r[5], 0x13);
    assert_eq!(r[17], 0x0D, "unauthorized name");
    assert_eq!(lan.session_count(), 0, "session torn down");
}
