//! Core tests with a frozen and stepped scenario clock.

use std::time::Duration;

use super::*;

fn bmc() -> Bmc {
    Bmc::new(
        Scenario::builtin_default(),
        &[("admin".into(), "secret".into())],
    )
    .expect("default scenario")
}

fn req(netfn: u8, cmd: u8, data: &[u8]) -> Request {
    Request {
        netfn,
        cmd,
        data: data.to_vec(),
    }
}

const T0: Duration = Duration::ZERO;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn unknown_command_is_c1() {
    let mut b = bmc();
    assert_eq!(
        b.handle(T0, &req(netfn::APP, 0xEE, &[])).cc,
        cc::INVALID_COMMAND
    );
    assert_eq!(b.handle(T0, &req(0x2C, 0x00, &[])).cc, cc::INVALID_COMMAND);
    assert_eq!(
        b.handle(T0, &req(netfn::STORAGE, 0x99, &[])).cc,
        cc::INVALID_COMMAND
    );
}

#[test]
fn device_id_and_guids() {
    let mut b = bmc();
    let r = b.handle(T0, &req(netfn::APP, 0x01, &[]));
    assert_eq!(r.cc, 0);
    assert_eq!(r.data.len(), 11);
    assert_eq!(r.data[4], 0x02, "IPMI 2.0");
    assert_eq!(r.data[3], 0x02, "minor 02 in BCD");
    let g = b.handle(T0, &req(netfn::APP, 0x37, &[]));
    assert_eq!(g.data, b.system_guid().to_vec());
    assert_ne!(b.device_guid(), b.system_guid());
}

#[test]
fn sdr_walk_visits_every_record() {
    let mut b = bmc();
    let resv = b.handle(T0, &req(netfn::STORAGE, 0x22, &[])).data;
    let mut id = 0u16;
    let mut seen = 0;
    for _ in 0..100 {
        let idb = id.to_le_bytes();
        let hdr = b.handle(
            T0,
            &req(
                netfn::STORAGE,
                0x23,
                &[resv[0], resv[1], idb[0], idb[1], 0, 5],
            ),
        );
        assert_eq!(hdr.cc, 0);
        let len = usize::from(hdr.data[6]);
        let body = b.handle(
            T0,
            &req(
                netfn::STORAGE,
                0x23,
                &[resv[0], resv[1], idb[0], idb[1], 5, len as u8],
            ),
        );
        assert_eq!(body.data.len(), 2 + len);
        seen += 1;
        id = u16::from_le_bytes([hdr.data[0], hdr.data[1]]);
        if id == 0xFFFF {
            break;
        }
    }
    assert_eq!(seen, b.sensors().len() + 1);
    // a stale reservation is refused for partial reads
    assert_eq!(
        b.handle(T0, &req(netfn::STORAGE, 0x23, &[0x77, 0x77, 2, 0, 5, 4]))
            .cc,
        cc::INVALID_RESERVATION
    );
}

#[test]
fn fan_fault_logs_sel_and_recovers() {
    let mut b = bmc();
    let fan2 = b
        .sensors()
        .iter()
        .position(|s| s.name == "Fan 2")
        .expect("fan 2");
    let num = b.sensors()[fan2].number;
    b.advance(secs(29));
    assert!(b.sel().records().iter().all(|r| r.sensor_number() != num));
    b.advance(secs(31));
    let fan_events: Vec<_> = b
        .sel()
        .records()
        .iter()
        .filter(|r| r.sensor_number() == num)
        .cloned()
        .collect();
    // LNC, LCR, LNR all asserted going low
    assert_eq!(fan_events.len(), 3, "{fan_events:?}");
    assert!(fan_events
        .iter()
        .all(|r| !r.is_deassertion() && r.sensor_type() == 0x04));
    assert_eq!(fan_events[0].timestamp(), 1_700_000_030);
    let r = b.handle(secs(31), &req(netfn::SENSOR_EVENT, 0x2D, &[num]));
    assert_eq!(r.data[0], 0);
    assert_eq!(r.data[2] & 0x07, 0x07, "below all lower thresholds");
    // back at 10 min: three deassertions
    b.advance(secs(601));
    let de = b
        .sel()
        .records()
        .iter()
        .filter(|r| r.sensor_number() == num && r.is_deassertion())
        .count();
    assert_eq!(de, 3);
}

#[test]
fn long_jumps_are_bounded_and_still_log() {
    let mut b = bmc();
    b.advance(T0);
    b.advance(secs(10 * 86_400));
    // CPU1 ramps past UNC (75) within the scenario: an assertion exists
    let cpu1 = b
        .sensors()
        .iter()
        .find(|s| s.name == "CPU1 Temp")
        .expect("cpu1")
        .number;
    assert!(b
        .sel()
        .records()
        .iter()
        .any(|r| r.sensor_number() == cpu1 && r.offset() == 0x07));
}

#[test]
fn sel_add_get_clear_with_reservation() {
    let mut b = bmc();
    let mut rec = [0u8; 16];
    rec[2] = 0x02;
    rec[10] = 0x01;
    let add = b.handle(secs(5), &req(netfn::STORAGE, 0x44, &rec));
    assert_eq!(add.cc, 0);
    let info = b.handle(secs(5), &req(netfn::STORAGE, 0x40, &[]));
    // The power-up "System Boot Initiated" record, then ours.
    assert_eq!(u16::from_le_bytes([info.data[1], info.data[2]]), 2);
    assert_eq!(b.sel().records()[0].sensor_type(), 0x1D);
    let got = b.handle(secs(5), &req(netfn::STORAGE, 0x43, &[0, 0, 0xFF, 0xFF, 0, 0xFF]));
    assert_eq!(got.cc, 0);
    assert_eq!(&got.data[0..2], &[0xFF, 0xFF], "last record");
    assert_eq!(&got.data[2..4], &add.data[..]);
    assert_eq!(
        u32::from_le_bytes([got.data[5], got.data[6], got.data[7], got.data[8]]),
        1_700_000_005
    );
    // clear needs the current reservation
    assert_eq!(
        b.handle(
            secs(6),
            &req(netfn::STORAGE, 0x47, &[9, 9, b'C', b'L', b'R', 0xAA])
        )
        .cc,
        cc::INVALID_RESERVATION
    );
    let r = b.handle(secs(6), &req(netfn::STORAGE, 0x42, &[])).data;
    let clr = b.handle(
        secs(6),
        &req(netfn::STORAGE, 0x47, &[r[0], r[1], b'C', b'L', b'R', 0xAA]),
    );
    assert_eq!(clr.data, vec![0x01]);
    assert!(b.sel().records().is_empty());
}

#[test]
fn sel_time_set_and_get() {
    let mut b = bmc();
    assert_eq!(
        b.handle(
            secs(10),
            &req(netfn::STORAGE, 0x49, &2_000_000_000u32.to_le_bytes())
        )
        .cc,
        0
    );
    let t = b.handle(secs(15), &req(netfn::STORAGE, 0x48, &[])).data;
    assert_eq!(u32::from_le_bytes([t[0], t[1], t[2], t[3]]), 2_000_000_005);
}

#[test]
fn chassis_power_control() {
    let mut b = bmc();
    let st = |b: &mut Bmc| b.handle(T0, &req(netfn::CHASSIS, 0x01, &[])).data[0] & 1;
    assert_eq!(st(&mut b), 1);
    assert_eq!(b.handle(T0, &req(netfn::CHASSIS, 0x02, &[0x00])).cc, 0);
    assert_eq!(st(&mut b), 0);
    assert_eq!(
        b.handle(T0, &req(netfn::CHASSIS, 0x02, &[0x02])).cc,
        0xD5,
        "cycle while off"
    );
    assert_eq!(b.handle(T0, &req(netfn::CHASSIS, 0x02, &[0x01])).cc, 0);
    assert_eq!(st(&mut b), 1);
    assert_eq!(b.handle(T0, &req(netfn::CHASSIS, 0x07, &[])).data[0], 0x01);
    assert_eq!(
        b.handle(T0, &req(netfn::CHASSIS, 0x02, &[0x09])).cc,
        cc::INVALID_DATA
    );
    // operator privilege is needed
    assert_eq!(
        b.handle_as(T0, Privilege::User, &req(netfn::CHASSIS, 0x02, &[0x00]))
            .cc,
        cc::INSUFFICIENT_PRIVILEGE
    );
    // power restore policy lands in the status byte
    assert_eq!(
        b.handle(T0, &req(netfn::CHASSIS, 0x06, &[0x02])).data,
        vec![0x07]
    );
    assert_eq!(
        b.handle(T0, &req(netfn::CHASSIS, 0x01, &[])).data[0] >> 5,
        2
    );
}

#[test]
fn boot_options_round_trip() {
    let mut b = bmc();
    assert_eq!(
        b.handle(T0, &req(netfn::CHASSIS, 0x08, &[0x05, 0x80, 0x04, 0, 0, 0]))
            .cc,
        0
    );
    let r = b.handle(T0, &req(netfn::CHASSIS, 0x09, &[0x05, 0, 0]));
    assert_eq!(r.data, vec![0x01, 0x05, 0x80, 0x04, 0, 0, 0]);
    assert_eq!(
        b.handle(T0, &req(netfn::CHASSIS, 0x09, &[0x60, 0, 0])).cc,
        0x80
    );
}

#[test]
fn fru_reads_back_the_image() {
    let mut b = bmc();
    let info = b.handle(T0, &req(netfn::STORAGE, 0x10, &[0]));
    let size = usize::from(u16::from_le_bytes([info.data[0], info.data[1]]));
    assert_eq!(size, b.fru().len());
    let mut img = Vec::new();
    while img.len() < size {
        let off = (img.len() as u16).to_le_bytes();
        let r = b.handle(T0, &req(netfn::STORAGE, 0x11, &[0, off[0], off[1], 16]));
        assert_eq!(r.cc, 0);
        assert!(r.data[0] > 0);
        img.extend_from_slice(&r.data[1..]);
    }
    assert_eq!(img, b.fru());
    assert_eq!(
        b.handle(T0, &req(netfn::STORAGE, 0x10, &[3])).cc,
        cc::NOT_PRESENT
    );
}

#[test]
fn users_and_cipher_suites() {
    let mut b = bmc();
    let name = b.handle(T0, &req(netfn::APP, 0x46, &[2])).data;
    assert_eq!(&name[..5], b"admin");
    assert_eq!(name.len(), 16);
    let access = b.handle(T0, &req(netfn::APP, 0x44, &[1, 2])).data;
    assert_eq!(access[3] & 0x0F, 4, "administrator");
    assert_eq!(b.handle(T0, &req(netfn::APP, 0x44, &[1, 3])).data[3], 0x0F);
    let p0 = b.handle(T0, &req(netfn::APP, 0x54, &[0x0E, 0, 0x80])).data;
    let p1 = b.handle(T0, &req(netfn::APP, 0x54, &[0x0E, 0, 0x81])).data;
    assert_eq!(p0.len(), 17);
    let p2 = b.handle(T0, &req(netfn::APP, 0x54, &[0x0E, 0, 0x82])).data;
    assert_eq!(p2.len(), 4);
    let all: Vec<u8> = p0[1..]
        .iter()
        .chain(&p1[1..])
        .chain(&p2[1..])
        .copied()
        .collect();
    assert_eq!(all.len(), 35);
    assert!(all.windows(2).any(|w| w == [0xC0, 17]));
    // set and test a password
    let mut set = vec![0x82, 0x02];
    set.extend(
        b"newpass"
            .iter()
            .copied()
            .chain(std::iter::repeat(0))
            .take(20),
    );
    assert_eq!(b.handle(T0, &req(netfn::APP, 0x47, &set)).cc, 0);
    assert_eq!(
        b.users().lookup(b"admin").expect("admin").1.password,
        b"newpass"
    );
}

#[test]
fn thresholds_get_set() {
    let mut b = bmc();
    let n = b.sensors()[7].number; // 12V
    let t = b.handle(T0, &req(netfn::SENSOR_EVENT, 0x27, &[n])).data;
    assert_eq!(t[0], 0x3F);
    assert_eq!(
        b.handle(
            T0,
            &req(netfn::SENSOR_EVENT, 0x26, &[n, 0x08, 0, 0, 0, 250, 0, 0])
        )
        .cc,
        0
    );
    assert_eq!(
        b.handle(T0, &req(netfn::SENSOR_EVENT, 0x27, &[n])).data[4],
        250
    );
    assert_eq!(
        b.handle(T0, &req(netfn::SENSOR_EVENT, 0x2D, &[0xEE])).cc,
        cc::NOT_PRESENT
    );
    assert_eq!(
        b.handle(T0, &req(netfn::SENSOR_EVENT, 0x2D, &[])).cc,
        cc::BAD_LENGTH
    );
}
