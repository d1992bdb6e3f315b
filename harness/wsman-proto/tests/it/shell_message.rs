//! The WinRS shell bodies (`message::shell`): decode(encode(m)) == m for
//! every type through the wire, decoding with foreign prefixes and the shapes
//! real clients and Windows write, and the fault of every malformed body.

use proptest::prelude::*;
use wsman_proto::message::shell::{
    shell_id_of, CommandLine, CommandResponse, CommandState, CommandStateKind, DesiredStream, EnvironmentVariable, Receive, ReceiveResponse, Send,
    SendResponse, Shell, Signal, SignalCode, SignalResponse, Stream,
};
use wsman_proto::message::{Create, CreateResponse, Message, MessageError};
use wsman_proto::xml::{Element, Node};
use wsman_proto::{ns, Action, FaultDetail, FaultKind, XsDuration};

use super::message::{body, through_the_wire};
use super::roundtrip::{element, name, text, uri};

// ---------------------------------------------------------------- helpers

fn fault<M: Message + std::fmt::Debug>(inner: &str) -> (FaultKind, Option<FaultDetail>) {
    let f = M::decode(&body(inner)).expect_err("the body is refused").to_fault();
    (f.kind, f.detail)
}

/// A named case: a valid body, the same body broken, and the decoder.
type Case = (&'static str, String, String, fn(&[Element]) -> Result<(), MessageError>);

const SCHEMA: (FaultKind, Option<FaultDetail>) = (FaultKind::SchemaValidationError, None);
const INVALID: (FaultKind, Option<FaultDetail>) = (FaultKind::InvalidParameter, Some(FaultDetail::InvalidValue));

fn id() -> impl Strategy<Value = String> {
    "[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}"
}

fn stream_names() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(name(), 0..3)
}

fn duration() -> impl Strategy<Value = XsDuration> {
    (0u64..10_000_000_000).prop_map(XsDuration::from_millis)
}

/// Text kept as written: spaces at either end, XML specials, maybe empty.
fn raw_text() -> impl Strategy<Value = String> {
    "[ a-zA-Z0-9<>&'\"=/\\\\._-]{0,12}"
}

fn shell() -> impl Strategy<Value = Shell> {
    let env = prop::option::of(prop::collection::vec((text(), raw_text()).prop_map(|(name, value)| EnvironmentVariable { name, value }), 0..3));
    // `other` children are never rsp elements this type reads into fields.
    let other = prop::collection::vec(element(), 0..2);
    (
        (prop::option::of(id()), prop::option::of(text()), prop::option::of(uri()), prop::option::of(text()), prop::option::of(text())),
        (stream_names(), stream_names(), prop::option::of(text()), env),
        (prop::option::of(duration()), prop::option::of(duration()), prop::option::of(duration()), prop::option::of(duration()), other),
    )
        .prop_map(
            |(
                (shell_id, name, resource_uri, owner, client_ip),
                (input_streams, output_streams, working_directory, environment),
                (idle_timeout, lifetime, shell_run_time, shell_inactivity, other),
            )| Shell {
                shell_id,
                name,
                resource_uri,
                owner,
                client_ip,
                input_streams,
                output_streams,
                working_directory,
                environment,
                idle_timeout,
                lifetime,
                shell_run_time,
                shell_inactivity,
                other,
            },
        )
}

fn stream() -> impl Strategy<Value = Stream> {
    (name(), prop::option::of(id()), any::<bool>(), prop::collection::vec(any::<u8>(), 0..48)).prop_map(|(name, command_id, end, data)| Stream {
        name,
        command_id,
        end,
        data,
    })
}

fn state() -> impl Strategy<Value = CommandStateKind> {
    prop_oneof![Just(CommandStateKind::Running), Just(CommandStateKind::Done), Just(CommandStateKind::Pending), uri().prop_map(CommandStateKind::Other)]
}

fn signal_code() -> impl Strategy<Value = SignalCode> {
    prop_oneof![
        Just(SignalCode::Terminate),
        Just(SignalCode::CtrlC),
        Just(SignalCode::CtrlBreak),
        Just(SignalCode::PowerShellCtrlC),
        uri().prop_map(SignalCode::Other)
    ]
}

// ---------------------------------------------------------------- round trips

proptest! {
    #[test]
    fn shell_round_trips(m in shell()) {
        prop_assert_eq!(through_the_wire(&m), m.clone());
        // The same shell through the WS-Transfer types: Create, then CreateResponse.
        let create = through_the_wire(&m.to_create());
        prop_assert_eq!(Shell::from_create(&create), Ok(m.clone()));
        let response = through_the_wire(&m.create_response("http://host:5985/wsman"));
        prop_assert_eq!(Shell::from_create_response(&response), Ok(Some(m.clone())));
        prop_assert_eq!(shell_id_of(&response), Some(m.shell_id.clone().unwrap_or_default()));
    }

    #[test]
    fn command_bodies_round_trip(command_id in prop::option::of(id()), command in prop_oneof![Just(String::new()), text()],
                                 arguments in prop::collection::vec(raw_text(), 0..4), response_id in id()) {
        let m = CommandLine { command_id, command, arguments };
        prop_assert_eq!(through_the_wire(&m), m);
        let r = CommandResponse { command_id: response_id };
        prop_assert_eq!(through_the_wire(&r), r);
    }

    #[test]
    fn send_bodies_round_trip(streams in prop::collection::vec(stream(), 1..4)) {
        let m = Send { streams };
        prop_assert_eq!(through_the_wire(&m), m);
        prop_assert_eq!(through_the_wire(&SendResponse), SendResponse);
    }

    #[test]
    fn receive_round_trips(sequence_id in prop::option::of(any::<u64>()), command_id in prop::option::of(id()), names in stream_names()) {
        let m = Receive { sequence_id, desired_stream: DesiredStream { command_id, names } };
        prop_assert_eq!(through_the_wire(&m), m);
    }

    #[test]
    fn receive_response_round_trips(streams in prop::collection::vec(stream(), 0..5),
                                    command_state in prop::option::of((id(), state(), prop::option::of(any::<i64>())))) {
        let command_state = command_state.map(|(command_id, state, exit_code)| CommandState { command_id, state, exit_code });
        let m = ReceiveResponse { streams, command_state };
        prop_assert_eq!(through_the_wire(&m), m);
    }

    #[test]
    fn signal_bodies_round_trip(command_id in prop::option::of(id()), code in signal_code()) {
        let m = Signal { command_id, code };
        prop_assert_eq!(through_the_wire(&m), m);
        prop_assert_eq!(through_the_wire(&SignalResponse), SignalResponse);
    }

    #[test]
    fn decoders_never_panic_on_arbitrary_shell_trees(
        root in prop::sample::select(vec!["Shell", "CommandLine", "CommandResponse", "Send", "Receive", "ReceiveResponse", "Signal", "Stream"]),
        kids in prop::collection::vec(
            (prop::sample::select(vec!["Stream", "DesiredStream", "CommandState", "ExitCode", "Code", "Command", "Arguments", "IdleTimeOut", "Environment"]),
             prop::collection::vec((prop::sample::select(vec!["Name", "CommandId", "End", "State", "SequenceId"]), raw_text()), 0..3),
             prop::option::of(raw_text()), prop::collection::vec(element(), 0..2)),
            0..4),
    ) {
        let mut el = Element::ns(ns::RSP, root);
        for (n, attrs, t, grandkids) in kids {
            let mut k = Element::ns(ns::RSP, n);
            attrs.into_iter().for_each(|(a, v)| k.set_attr(None, a, v));
            if let Some(t) = t { k.children.push(Node::Text(t)); }
            k.children.extend(grandkids.into_iter().map(Node::Element));
            el.push(k);
        }
        let b = vec![el];
        let _ = Shell::decode(&b);
        let _ = CommandLine::decode(&b);
        let _ = CommandResponse::decode(&b);
        let _ = Send::decode(&b);
        let _ = Receive::decode(&b);
        let _ = ReceiveResponse::decode(&b);
        let _ = Signal::decode(&b);
    }
}

// ---------------------------------------------------------------- client shapes, foreign prefixes

#[test]
fn a_create_of_pywinrm_and_pypsrp_shape_decodes() {
    // pywinrm / pypsrp: streams, environment, options in the header; a default
    // namespace instead of a prefix.
    let b = body(&format!(
        r#"<Shell xmlns="{rsp}"><InputStreams>stdin</InputStreams><OutputStreams> stdout  stderr </OutputStreams><WorkingDirectory>C:\Users\a</WorkingDirectory><Environment><Variable Name="PATH">C:\bin; </Variable><Variable Name="E&amp;">&lt;x&gt;</Variable></Environment><IdleTimeOut>PT3600S</IdleTimeOut><Lifetime>PT60.5S</Lifetime><Name>job</Name></Shell>"#,
        rsp = ns::RSP
    ));
    let s = Shell::decode(&b).expect("a client's Create decodes");
    assert_eq!(s.input_streams, ["stdin"]);
    assert_eq!(s.output_streams, ["stdout", "stderr"]);
    assert_eq!(s.working_directory.as_deref(), Some(r"C:\Users\a"));
    let env = s.environment.as_deref().expect("Environment");
    assert_eq!((env[0].name.as_str(), env[0].value.as_str()), ("PATH", r"C:\bin; "));
    assert_eq!((env[1].name.as_str(), env[1].value.as_str()), ("E&", "<x>"));
    assert_eq!(s.idle_timeout, Some(XsDuration::from_millis(3_600_000)));
    assert_eq!(s.lifetime, Some(XsDuration::from_millis(60_500)));
    assert_eq!(s.name.as_deref(), Some("job"));
    assert!(s.other.is_empty() && s.shell_id.is_none());
    // The same body as a WS-Transfer Create.
    let create = Create::decode(&b).expect("a representation");
    assert_eq!(Shell::from_create(&create), Ok(s));
}

#[test]
fn a_psrp_create_keeps_its_shell_id_attribute_and_creation_xml() {
    let b = body(
        r#"<sh:Shell ShellId="AB-12"><sh:InputStreams>stdin pr</sh:InputStreams><sh:OutputStreams>stdout</sh:OutputStreams><creationXml xmlns="urn:ps">AAAA</creationXml></sh:Shell>"#,
    );
    let s = Shell::decode(&b).expect("a PSRP Create decodes");
    assert_eq!(s.shell_id.as_deref(), Some("AB-12"));
    assert_eq!(s.input_streams, ["stdin", "pr"]);
    assert_eq!(s.other.len(), 1);
    assert!(s.other[0].is("urn:ps", "creationXml"));
}

#[test]
fn command_send_receive_signal_of_client_shapes_decode() {
    let c = CommandLine::decode(&body(
        r#"<sh:CommandLine><sh:Command> cmd.exe </sh:Command><sh:Arguments>/c</sh:Arguments><sh:Arguments> echo  hi </sh:Arguments></sh:CommandLine>"#,
    ))
    .expect("Command");
    assert_eq!(c, CommandLine { command_id: None, command: "cmd.exe".into(), arguments: vec!["/c".into(), " echo  hi ".into()] });

    // pypsrp: End="True"/"False", unqualified attributes.
    let s = Send::decode(&body(r#"<sh:Send><sh:Stream Name="stdin" CommandId="C1" End="False">aGVs</sh:Stream><sh:Stream Name="stdin" CommandId="C1" End="True">bG8K</sh:Stream></sh:Send>"#))
        .expect("Send");
    assert_eq!(s.streams.iter().map(|s| (s.end, s.data.clone())).collect::<Vec<_>>(), vec![(false, b"hel".to_vec()), (true, b"lo\n".to_vec())]);
    assert!(s.streams.iter().all(|s| s.command_id.as_deref() == Some("C1") && s.name == "stdin"));

    // pywinrm: unqualified CommandId; winrm4j: rsp:CommandId.
    let plain = Receive::decode(&body(r#"<sh:Receive><sh:DesiredStream CommandId="C1">stdout stderr</sh:DesiredStream></sh:Receive>"#)).expect("Receive");
    let qualified =
        Receive::decode(&body(r#"<sh:Receive><sh:DesiredStream sh:CommandId="C1">stdout stderr</sh:DesiredStream></sh:Receive>"#)).expect("Receive");
    assert_eq!(plain, qualified);
    assert_eq!(plain.desired_stream, DesiredStream { command_id: Some("C1".into()), names: vec!["stdout".into(), "stderr".into()] });
    // PSRP: the shell's own stream, a sequence number.
    let psrp = Receive::decode(&body(r#"<sh:Receive SequenceId="7"><sh:DesiredStream>stdout</sh:DesiredStream></sh:Receive>"#)).expect("Receive");
    assert_eq!((psrp.sequence_id, psrp.desired_stream.command_id), (Some(7), None));

    let sig = |code: &str| Signal::decode(&body(&format!(r#"<sh:Signal CommandId="C1"><sh:Code> {code} </sh:Code></sh:Signal>"#))).expect("Signal").code;
    assert_eq!(sig(&format!("{}/signal/terminate", ns::RSP)), SignalCode::Terminate);
    // pypsrp's spelling, which Windows accepts.
    assert_eq!(sig(&format!("{}/signal/Terminate", ns::RSP)), SignalCode::Terminate);
    assert_eq!(sig(&format!("{}/signal/ctrl_c", ns::RSP)), SignalCode::CtrlC);
    assert_eq!(sig(&format!("{}/signal/ctrl_break", ns::RSP)), SignalCode::CtrlBreak);
    assert_eq!(sig("powershell/signal/ctrl_c"), SignalCode::PowerShellCtrlC);
    assert_eq!(sig("powershell/signal/crtl_c"), SignalCode::PowerShellCtrlC);
    assert_eq!(sig(&format!("{}/signal/ctrl_z", ns::RSP)), SignalCode::Other(format!("{}/signal/ctrl_z", ns::RSP)));
}

// ---------------------------------------------------------------- Windows shapes

#[test]
fn a_windows_create_response_gives_the_shell_and_its_id() {
    let b = body(&format!(
        r#"<t:ResourceCreated><ad:Address>http://h:5985/wsman</ad:Address><ad:ReferenceParameters><m:ResourceURI>{uri}</m:ResourceURI><m:SelectorSet><m:Selector Name="ShellId">S-1</m:Selector></m:SelectorSet></ad:ReferenceParameters></t:ResourceCreated><sh:Shell><sh:ShellId>S-1</sh:ShellId><sh:ResourceUri>{uri}</sh:ResourceUri><sh:Owner>alice</sh:Owner><sh:ClientIP>10.0.0.9</sh:ClientIP><sh:ProcessId>4242</sh:ProcessId><sh:IdleTimeOut>PT7200.000S</sh:IdleTimeOut><sh:InputStreams>stdin</sh:InputStreams><sh:OutputStreams>stdout stderr</sh:OutputStreams><sh:State>Connected</sh:State><sh:ShellRunTime>P0DT0H0M3S</sh:ShellRunTime><sh:ShellInactivity>P0DT0H0M0S</sh:ShellInactivity></sh:Shell>"#,
        uri = ns::SHELL_CMD_RESOURCE
    ));
    let r = CreateResponse::decode(&b).expect("CreateResponse");
    assert_eq!(shell_id_of(&r).as_deref(), Some("S-1"));
    let s = Shell::from_create_response(&r).expect("the shell decodes").expect("a shell");
    assert_eq!((s.shell_id.as_deref(), s.owner.as_deref(), s.client_ip.as_deref()), (Some("S-1"), Some("alice"), Some("10.0.0.9")));
    assert_eq!(s.idle_timeout, Some(XsDuration::from_millis(7_200_000)));
    assert_eq!(s.shell_run_time, Some(XsDuration::from_millis(3000)));
    assert_eq!(s.other.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["ProcessId", "State"]);
    // Without the selector (older Windows), the id comes from rsp:Shell.
    let mut no_selector = r.clone();
    no_selector.resource_created.selectors = None;
    assert_eq!(shell_id_of(&no_selector).as_deref(), Some("S-1"));
    no_selector.representation = None;
    assert_eq!(shell_id_of(&no_selector), None);
}

#[test]
fn a_windows_receive_response_gives_bytes_state_and_exit_code() {
    let done = format!("{}/CommandState/Done", ns::RSP);
    let b = body(&format!(
        r#"<sh:ReceiveResponse><sh:Stream Name="stdout" CommandId="C1">aGkN</sh:Stream><sh:Stream Name="stdout" CommandId="C1">Cg==</sh:Stream><sh:Stream Name="stderr" CommandId="C1">ZQ==</sh:Stream><sh:Stream Name="stdout" CommandId="C1" End="true"></sh:Stream><sh:Stream Name="stderr" CommandId="C1" End="true"/><sh:CommandState CommandId="C1" State="{done}"><sh:ExitCode>3</sh:ExitCode></sh:CommandState></sh:ReceiveResponse>"#
    ));
    let r = ReceiveResponse::decode(&b).expect("ReceiveResponse");
    assert_eq!(r.data_of("stdout"), b"hi\r\n");
    assert_eq!(r.data_of("stderr"), b"e");
    assert_eq!(r.streams.iter().filter(|s| s.end).count(), 2);
    assert_eq!(r.command_state, Some(CommandState { command_id: "C1".into(), state: CommandStateKind::Done, exit_code: Some(3) }));

    let running = body(&format!(r#"<sh:ReceiveResponse><sh:CommandState CommandId="C1" State="{}/CommandState/Running"/></sh:ReceiveResponse>"#, ns::RSP));
    let r = ReceiveResponse::decode(&running).expect("ReceiveResponse");
    assert_eq!(r.command_state.map(|c| (c.state, c.exit_code)), Some((CommandStateKind::Running, None)));

    let c = CommandResponse::decode(&body("<sh:CommandResponse><sh:CommandId> C1 </sh:CommandId></sh:CommandResponse>")).expect("CommandResponse");
    assert_eq!(c.command_id, "C1");
    assert_eq!(SendResponse::decode(&body("<sh:SendResponse/>")), Ok(SendResponse));
    assert_eq!(SignalResponse::decode(&body("<sh:SignalResponse/>")), Ok(SignalResponse));
}

#[test]
fn encoded_bodies_use_the_shell_namespace_and_windows_attribute_spelling() {
    let m = ReceiveResponse {
        streams: vec![Stream { name: "stdout".into(), command_id: Some("C1".into()), end: true, data: b"ok".to_vec() }],
        command_state: Some(CommandState { command_id: "C1".into(), state: CommandStateKind::Done, exit_code: Some(0) }),
    };
    let el = &m.encode()[0];
    assert!(el.is(ns::RSP, "ReceiveResponse"));
    let s = el.child(ns::RSP, "Stream").expect("Stream");
    assert_eq!((s.attr(None, "Name"), s.attr(None, "CommandId"), s.attr(None, "End"), s.text().as_ref()), (Some("stdout"), Some("C1"), Some("true"), "b2s="));
    let cs = el.child(ns::RSP, "CommandState").expect("CommandState");
    assert_eq!(cs.attr(None, "State").map(str::to_owned), Some(format!("{}/CommandState/Done", ns::RSP)));
    assert_eq!(cs.child_text(ns::RSP, "ExitCode").as_deref(), Some("0"));
    // A stream that does not end carries no End attribute.
    let s = Stream { end: false, ..Stream::default() };
    assert_eq!(Send { streams: vec![s] }.encode()[0].child(ns::RSP, "Stream").and_then(|s| s.attr(None, "End")), None);
}

// ---------------------------------------------------------------- malformed bodies

#[test]
fn a_body_without_its_element_is_a_schema_error() {
    let other = "<sh:Other/>";
    assert_eq!(fault::<Shell>(other), SCHEMA);
    assert_eq!(fault::<CommandLine>(other), SCHEMA);
    assert_eq!(fault::<CommandResponse>(other), SCHEMA);
    assert_eq!(fault::<Send>(other), SCHEMA);
    assert_eq!(fault::<SendResponse>(other), SCHEMA);
    assert_eq!(fault::<Receive>(other), SCHEMA);
    assert_eq!(fault::<ReceiveResponse>(other), SCHEMA);
    assert_eq!(fault::<Signal>(other), SCHEMA);
    assert_eq!(fault::<SignalResponse>(other), SCHEMA);
    // An element of the right name in another namespace is not the element.
    assert_eq!(fault::<Shell>(r#"<Shell xmlns="urn:not-rsp"/>"#), SCHEMA);
    // A Create whose representation is not rsp:Shell.
    let create = Create { representation: Element::ns(ns::WSMAN, "Shell") };
    assert_eq!(Shell::from_create(&create).map_err(|e| e.to_fault().kind), Err(FaultKind::SchemaValidationError));
}

/// Each case: a valid body that decodes, and the same body broken one way.
#[test]
fn a_missing_required_part_is_a_schema_error() {
    let done = format!("{}/CommandState/Done", ns::RSP);
    let pairs: Vec<Case> = vec![
        (
            "Command",
            "<sh:CommandLine><sh:Command>x</sh:Command></sh:CommandLine>".into(),
            "<sh:CommandLine><sh:Arguments>x</sh:Arguments></sh:CommandLine>".into(),
            |b| CommandLine::decode(b).map(drop),
        ),
        ("CommandId", "<sh:CommandResponse><sh:CommandId>C</sh:CommandId></sh:CommandResponse>".into(), "<sh:CommandResponse/>".into(), |b| {
            CommandResponse::decode(b).map(drop)
        }),
        ("Stream", r#"<sh:Send><sh:Stream Name="stdin"/></sh:Send>"#.into(), "<sh:Send/>".into(), |b| Send::decode(b).map(drop)),
        (
            "Stream@Name",
            r#"<sh:Send><sh:Stream Name="stdin">YQ==</sh:Stream></sh:Send>"#.into(),
            r#"<sh:Send><sh:Stream>YQ==</sh:Stream></sh:Send>"#.into(),
            |b| Send::decode(b).map(drop),
        ),
        ("DesiredStream", "<sh:Receive><sh:DesiredStream>stdout</sh:DesiredStream></sh:Receive>".into(), "<sh:Receive/>".into(), |b| {
            Receive::decode(b).map(drop)
        }),
        ("Code", "<sh:Signal><sh:Code>x</sh:Code></sh:Signal>".into(), "<sh:Signal/>".into(), |b| Signal::decode(b).map(drop)),
        (
            "CommandState@State",
            format!(r#"<sh:ReceiveResponse><sh:CommandState CommandId="C" State="{done}"/></sh:ReceiveResponse>"#),
            r#"<sh:ReceiveResponse><sh:CommandState CommandId="C"/></sh:ReceiveResponse>"#.into(),
            |b| ReceiveResponse::decode(b).map(drop),
        ),
        (
            "CommandState@CommandId",
            format!(r#"<sh:ReceiveResponse><sh:CommandState CommandId="C" State="{done}"/></sh:ReceiveResponse>"#),
            format!(r#"<sh:ReceiveResponse><sh:CommandState State="{done}"/></sh:ReceiveResponse>"#),
            |b| ReceiveResponse::decode(b).map(drop),
        ),
    ];
    for (what, good, bad, decode) in pairs {
        assert_eq!(decode(&body(&good)), Ok(()), "{what}: the valid body decodes");
        let e = decode(&body(&bad)).expect_err(what);
        assert!(matches!(e, MessageError::MissingElement { .. }), "{what}: {e:?}");
        let f = e.to_fault();
        assert_eq!((f.kind, f.detail), SCHEMA, "{what}");
    }
}

#[test]
fn a_value_that_does_not_parse_is_an_invalid_parameter() {
    let done = format!("{}/CommandState/Done", ns::RSP);
    let cases: Vec<Case> = vec![
        (
            "base64",
            r#"<sh:Send><sh:Stream Name="stdin">aGk=</sh:Stream></sh:Send>"#.into(),
            r#"<sh:Send><sh:Stream Name="stdin">aGk*</sh:Stream></sh:Send>"#.into(),
            |b| Send::decode(b).map(drop),
        ),
        ("End", r#"<sh:Send><sh:Stream Name="stdin" End="TRUE"/></sh:Send>"#.into(), r#"<sh:Send><sh:Stream Name="stdin" End="yes"/></sh:Send>"#.into(), |b| {
            Send::decode(b).map(drop)
        }),
        (
            "ExitCode",
            format!(
                r#"<sh:ReceiveResponse><sh:CommandState CommandId="C" State="{done}"><sh:ExitCode>-1</sh:ExitCode></sh:CommandState></sh:ReceiveResponse>"#
            ),
            format!(
                r#"<sh:ReceiveResponse><sh:CommandState CommandId="C" State="{done}"><sh:ExitCode>one</sh:ExitCode></sh:CommandState></sh:ReceiveResponse>"#
            ),
            |b| ReceiveResponse::decode(b).map(drop),
        ),
        (
            "receive base64",
            r#"<sh:ReceiveResponse><sh:Stream Name="stdout">YQ==</sh:Stream></sh:ReceiveResponse>"#.into(),
            r#"<sh:ReceiveResponse><sh:Stream Name="stdout">YQ=</sh:Stream></sh:ReceiveResponse>"#.into(),
            |b| ReceiveResponse::decode(b).map(drop),
        ),
        (
            "SequenceId",
            r#"<sh:Receive SequenceId="0"><sh:DesiredStream>stdout</sh:DesiredStream></sh:Receive>"#.into(),
            r#"<sh:Receive SequenceId="-1"><sh:DesiredStream>stdout</sh:DesiredStream></sh:Receive>"#.into(),
            |b| Receive::decode(b).map(drop),
        ),
        (
            "IdleTimeOut",
            "<sh:Shell><sh:IdleTimeOut>PT60S</sh:IdleTimeOut></sh:Shell>".into(),
            "<sh:Shell><sh:IdleTimeOut>60</sh:IdleTimeOut></sh:Shell>".into(),
            |b| Shell::decode(b).map(drop),
        ),
        ("Lifetime", "<sh:Shell><sh:Lifetime>P1D</sh:Lifetime></sh:Shell>".into(), "<sh:Shell><sh:Lifetime>forever</sh:Lifetime></sh:Shell>".into(), |b| {
            Shell::decode(b).map(drop)
        }),
    ];
    for (what, good, bad, decode) in cases {
        assert_eq!(decode(&body(&good)), Ok(()), "{what}: the valid body decodes");
        let e = decode(&body(&bad)).expect_err(what);
        assert!(matches!(e, MessageError::InvalidValue { .. }), "{what}: {e:?}");
        let f = e.to_fault();
        assert_eq!((f.kind, f.detail), INVALID, "{what}");
        assert_eq!(f.reason, e.to_string());
    }
}

#[test]
fn a_cmd_receive_without_command_id_is_the_invalid_parameter_windows_answers() {
    let with = Receive::decode(&body(r#"<sh:Receive><sh:DesiredStream CommandId="C1">stdout stderr</sh:DesiredStream></sh:Receive>"#)).expect("Receive");
    assert_eq!(with.require_command_id(), Ok("C1"));
    let without = Receive::decode(&body("<sh:Receive><sh:DesiredStream>stdout stderr</sh:DesiredStream></sh:Receive>")).expect("PSRP shape decodes");
    let f = without.require_command_id().expect_err("the cmd shell needs a CommandId").to_fault();
    assert_eq!((f.kind, f.detail), INVALID);
}

#[test]
fn actions_are_the_shell_operations() {
    let rsp = |local: &str| format!("{}/{local}", ns::RSP);
    assert_eq!(Shell::default().action(), Some(Action::Create));
    assert_eq!(CommandLine::default().action(), Some(Action::Command));
    assert_eq!(Send::default().action(), Some(Action::Send));
    assert_eq!(Receive::default().action(), Some(Action::Receive));
    assert_eq!(Signal { command_id: None, code: SignalCode::CtrlC }.action(), Some(Action::Signal));
    assert_eq!(CommandResponse::default().action().map(|a| a.uri()), Some(rsp("CommandResponse")));
    assert_eq!(SendResponse.action().map(|a| a.uri()), Some(rsp("SendResponse")));
    assert_eq!(ReceiveResponse::default().action().map(|a| a.uri()), Some(rsp("ReceiveResponse")));
    assert_eq!(SignalResponse.action().map(|a| a.uri()), Some(rsp("SignalResponse")));
}
