//! Any bytes through the envelope decoder and, when they decode, through
//! every typed message decoder and back: the decoder must never panic, and
//! what it decoded must survive its own encoder (decode(encode(e)) == e).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wsman_proto::message::shell::{CommandLine, Receive, ReceiveResponse, Send, Shell, Signal};
use wsman_proto::message::{Create, Enumerate, EnumerateResponse, Get, Message, Pull, PullResponse, Put};
use wsman_proto::{Envelope, Limits};

fn typed<M: Message>(body: &[wsman_proto::xml::Element]) {
    let _ = M::decode(body);
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let Ok(env) = Envelope::decode(data, &limits) else { return };
    typed::<Get>(&env.body);
    typed::<Put>(&env.body);
    typed::<Create>(&env.body);
    typed::<Enumerate>(&env.body);
    typed::<EnumerateResponse>(&env.body);
    typed::<Pull>(&env.body);
    typed::<PullResponse>(&env.body);
    typed::<Shell>(&env.body);
    typed::<CommandLine>(&env.body);
    typed::<Send>(&env.body);
    typed::<Receive>(&env.body);
    typed::<ReceiveResponse>(&env.body);
    typed::<Signal>(&env.body);
    typed::<wsman_proto::message::eventing::Subscribe>(&env.body);
    let again = Envelope::decode(&env.encode(), &limits).expect("an encoded envelope decodes");
    assert_eq!(again.encode(), env.encode(), "encode is stable under decode");
});
