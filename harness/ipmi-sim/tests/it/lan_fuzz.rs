//! Property: the LAN session layer never panics, whatever the datagram.

use std::time::Duration;

use ipmi_sim::{Bmc, Lan, Scenario};
use proptest::prelude::*;

fn bmc() -> Bmc {
    Bmc::new(
        Scenario::builtin_default(),
        &[("admin".into(), "pw".into())],
    )
    .expect("scenario")
}

/// Datagrams that reach the deeper layers: a valid RMCP header, then an
/// IPMI 1.5 or RMCP+ session header prefix, then arbitrary bytes.
fn datagram() -> impl Strategy<Value = Vec<u8>> {
    let any_bytes = proptest::collection::vec(any::<u8>(), 0..200);
    let prefix = prop_oneof![
        Just(vec![]),
        Just(vec![0x06, 0x00, 0xFF, 0x07]),
        Just(vec![0x06, 0x00, 0xFF, 0x06, 0x00, 0x00, 0x11, 0xBE, 0x80]),
        Just(vec![0x06, 0x00, 0xFF, 0x07, 0x06]),
        Just(vec![
            0x06, 0x00, 0xFF, 0x07, 0x06, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0x00
        ]),
        Just(vec![
            0x06, 0x00, 0xFF, 0x07, 0x06, 0x12, 0, 0, 0, 0, 0, 0, 0, 0
        ]),
        Just(vec![0x06, 0x00, 0xFF, 0x07, 0x06, 0xC0]),
        Just(vec![0x06, 0x00, 0xFF, 0x07, 0x02]),
        Just(vec![0x06, 0x00, 0xFF, 0x07, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]),
    ];
    (prefix, any_bytes).prop_map(|(mut p, rest)| {
        p.extend(rest);
        p
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn never_panics(dgrams in proptest::collection::vec(datagram(), 1..8), step in 0u64..120) {
        let mut core = bmc();
        let mut lan = Lan::with_seed(&core, 7);
        let mut now = Duration::ZERO;
        for d in &dgrams {
            if let Some(reply) = lan.handle_datagram(now, &mut core, d) {
                // every reply is an RMCP datagram
                prop_assert_eq!(reply[0], 0x06);
                prop_assert!(reply.len() <= 1024);
            }
            now += Duration::from_secs(step);
        }
    }
}
