//! Bad input never panics the server, never hangs it, and gets a SOAP fault
//! (or a transport status): mutated copies of valid requests over the wire.

use std::num::NonZeroU64;

use proptest::prelude::*;
use test_support::{Client, TestServer};
use wsman_client::message::{Enumerate, Get, Pull};
use wsman_client::Resource;

fn seeds(c: &Client) -> Vec<Vec<u8>> {
    let svc = Resource::cimv2("Win32_Service");
    let pull = Pull { context: "uuid:0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9".into(), max_elements: NonZeroU64::new(5), ..Pull::default() };
    vec![c.request(&svc.clone().selector("Name", "WinRM"), Get).encode(), c.request(&svc, Enumerate::default()).encode(), c.request(&svc, pull).encode()]
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (
            any::<usize>(),
            prop::sample::select(vec![b"<".to_vec(), b"&".to_vec(), b"</s:Body>".to_vec(), b"<!DOCTYPE x>".to_vec(), vec![0xFF, 0xFE], b"]]>".to_vec()])
        )
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
    ]
}

fn apply(mut bytes: Vec<u8>, muts: &[Mutation]) -> Vec<u8> {
    for m in muts {
        let len = bytes.len().max(1);
        match m {
            Mutation::Flip(i, b) => {
                if !bytes.is_empty() {
                    bytes[i % len] = *b;
                }
            }
            Mutation::Truncate(i) => bytes.truncate(i % len),
            Mutation::Insert(i, v) => {
                let at = (i % len).min(bytes.len());
                bytes.splice(at..at, v.iter().copied());
            }
            Mutation::Delete(i, n) => {
                let at = (i % len).min(bytes.len());
                let end = (at + n).min(bytes.len());
                bytes.drain(at..end);
            }
        }
    }
    bytes
}

#[test]
fn mutated_requests_get_a_fault_or_a_success_never_a_crash() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let server = rt.block_on(TestServer::default_server());
    let client = Client::admin(&server);
    let seeds = seeds(&client);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig { cases: 300, ..ProptestConfig::default() });
    runner
        .run(&(0..seeds.len(), prop::collection::vec(mutation(), 1..4)), |(seed, muts)| {
            let body = apply(seeds[seed].clone(), &muts);
            let r = rt.block_on(client.post(body));
            prop_assert!(r.status == 200 || r.status == 500, "status {} for a SOAP POST: {}", r.status, r.text());
            if r.status == 500 {
                let env = wsman_proto::Envelope::decode(&r.body, &Default::default());
                let fault = env.ok().and_then(|e| e.fault());
                prop_assert!(fault.is_some_and(|f| f.kind().is_some()), "a 500 carries a known SOAP fault: {}", r.text());
            }
            Ok(())
        })
        .expect("every mutated request got a well-formed answer");
    // The server is still alive and correct afterwards.
    let ok = rt.block_on(client.post(client.request(&Resource::cimv2("Win32_OperatingSystem"), Get).encode()));
    assert_eq!(ok.status, 200);
}
