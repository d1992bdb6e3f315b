use crate::{spnego, Acceptor, Credential, Initiator, NegotiateError, Session, Step, ENCRYPTED_CONTENT_TYPE};

fn users() -> Vec<Credential> {
    vec![Credential::new("admin", "s3cret"), Credential::new("CORP\\alice", "wonder")]
}

/// A full raw handshake; returns (user, client session, server session).
fn handshake(client: Credential) -> Result<(String, Session, Session), NegotiateError> {
    let mut acceptor = Acceptor::new(users());
    let mut init = Initiator::new(client)?;
    let negotiate = init.initial_token()?;
    let Step::Continue(challenge) = acceptor.step(&negotiate)? else { panic!("expected a challenge") };
    let (auth, client_session) = init.step(&challenge)?;
    match acceptor.step(&auth)? {
        Step::Done { user, out_token, session } => {
            assert!(out_token.is_none(), "raw NTLM has no final token");
            Ok((user, client_session, session))
        }
        Step::Continue(_) => panic!("expected the end of the handshake"),
    }
}

#[test]
fn raw_handshake_and_seal_both_ways() {
    let (user, mut c, mut s) = handshake(Credential::new("admin", "s3cret")).unwrap();
    assert_eq!(user, "admin");
    for i in 0..3 {
        let msg = format!("<s:Envelope>request {i}</s:Envelope>");
        let body = c.seal(msg.as_bytes());
        assert!(!body.windows(msg.len()).any(|w| w == msg.as_bytes()), "plaintext visible in the sealed body");
        assert_eq!(s.unseal(&body, ENCRYPTED_CONTENT_TYPE).unwrap(), msg.as_bytes());
        let answer = format!("<s:Envelope>response {i}</s:Envelope>");
        let body = s.seal(answer.as_bytes());
        assert_eq!(c.unseal(&body, ENCRYPTED_CONTENT_TYPE).unwrap(), answer.as_bytes());
    }
    assert_eq!(c.sequence_numbers(), (3, 3));
}

#[test]
fn domain_user_matches_and_name_without_domain_matches_any_domain() {
    let (user, _, _) = handshake(Credential::new("CORP\\alice", "wonder")).unwrap();
    assert_eq!(user, "CORP\\alice");
    // admin has no domain configured: a client naming a domain still matches.
    let (user, _, _) = handshake(Credential::new("OTHER\\admin", "s3cret")).unwrap();
    assert_eq!(user, "admin");
    // alice is bound to CORP.
    assert_eq!(handshake(Credential::new("OTHER\\alice", "wonder")).unwrap_err(), NegotiateError::LogonDenied);
}

#[test]
fn wrong_password_and_unknown_user_refused() {
    assert_eq!(handshake(Credential::new("admin", "wrong")).unwrap_err(), NegotiateError::LogonDenied);
    assert_eq!(handshake(Credential::new("nobody", "s3cret")).unwrap_err(), NegotiateError::LogonDenied);
}

#[test]
fn tampered_byte_refused() {
    let (_, mut c, mut s) = handshake(Credential::new("admin", "s3cret")).unwrap();
    let mut body = c.seal(b"<s:Envelope>hello</s:Envelope>");
    // The last sealed byte sits just before the closing boundary.
    let at = body.len() - b"--Encrypted Boundary--\r\n".len() - 1;
    body[at] ^= 0x01;
    assert_eq!(s.unseal(&body, ENCRYPTED_CONTENT_TYPE).unwrap_err(), NegotiateError::BadSignature);
}

#[test]
fn tampered_byte_accepted_without_signature_check() {
    let (_, mut c, mut s) = handshake(Credential::new("admin", "s3cret")).unwrap();
    let mut body = c.seal(b"<s:Envelope>hello</s:Envelope>");
    let at = body.len() - b"--Encrypted Boundary--\r\n".len() - 1;
    body[at] ^= 0x01;
    let plain = s.unseal_without_signature_check(&body, ENCRYPTED_CONTENT_TYPE).unwrap();
    assert_eq!(plain.len(), 30);
    assert_ne!(plain, b"<s:Envelope>hello</s:Envelope>");
}

#[test]
fn replayed_and_out_of_order_refused() {
    let (_, mut c, mut s) = handshake(Credential::new("admin", "s3cret")).unwrap();
    let first = c.seal(b"one");
    let second = c.seal(b"two");
    let third = c.seal(b"three");
    assert_eq!(s.unseal(&first, ENCRYPTED_CONTENT_TYPE).unwrap(), b"one");
    assert_eq!(s.unseal(&first, ENCRYPTED_CONTENT_TYPE).unwrap_err(), NegotiateError::Replayed { got: 0, expected: 1 });
    assert_eq!(s.unseal(&third, ENCRYPTED_CONTENT_TYPE).unwrap_err(), NegotiateError::OutOfOrder { got: 2, expected: 1 });
    assert_eq!(s.unseal(&second, ENCRYPTED_CONTENT_TYPE).unwrap(), b"two");
}

#[test]
fn framing_is_the_ms_wsmv_form() {
    let (_, mut c, mut s) = handshake(Credential::new("admin", "s3cret")).unwrap();
    let body = c.seal(b"abcd");
    let head = b"--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=4\r\n--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n\x10\x00\x00\x00";
    assert!(body.starts_with(head), "{:?}", String::from_utf8_lossy(&body));
    assert_eq!(body.len(), head.len() + 16 + 4 + b"--Encrypted Boundary--\r\n".len());
    assert!(body.ends_with(b"--Encrypted Boundary--\r\n"));
    // Wrong content type, truncated body, bad signature length: framing errors.
    assert!(matches!(s.unseal(&body, "application/soap+xml").unwrap_err(), NegotiateError::BadFraming(_)));
    assert!(matches!(s.unseal(&body[..head.len() + 3], ENCRYPTED_CONTENT_TYPE).unwrap_err(), NegotiateError::BadFraming(_)));
    let mut bad = body.clone();
    bad[head.len() - 4] = 15;
    assert!(matches!(s.unseal(&bad, ENCRYPTED_CONTENT_TYPE).unwrap_err(), NegotiateError::BadFraming(_)));
    assert_eq!(s.unseal(&body, ENCRYPTED_CONTENT_TYPE).unwrap(), b"abcd");
}

#[test]
fn multi_part_body_opens_in_order() {
    let (_, mut c, mut s) = handshake(Credential::new("admin", "s3cret")).unwrap();
    let mut body = Vec::new();
    for chunk in [&b"first half "[..], b"second half"] {
        let (sig, sealed) = c.seal_message(chunk);
        crate::framing::write_part(&mut body, crate::framing::SOAP_TYPE, &sig, &sealed);
    }
    crate::framing::finish(&mut body);
    let ct = "multipart/x-multi-encrypted;protocol=\"application/HTTP-SPNEGO-session-encrypted\";boundary=\"Encrypted Boundary\"";
    assert_eq!(s.unseal(&body, ct).unwrap(), b"first half second half");
}

#[test]
fn garbage_tokens_refused_without_panic() {
    for t in [&b""[..], b"x", b"NTLMSSP\0\x03\0\0\0", b"\x60\x82\xff\xff", b"\xa1\x03\x30\x01"] {
        let mut a = Acceptor::new(users());
        assert!(a.step(t).is_err(), "{t:?}");
        assert!(a.is_finished());
    }
    // A token after the end.
    let mut a = Acceptor::new(users());
    let _ = a.step(b"junk");
    assert_eq!(a.step(b"NTLMSSP\0").unwrap_err(), NegotiateError::OutOfSequence("the handshake is over"));
}

/// SPNEGO, as pyspnego sends it: NegTokenInit with NTLM first and the
/// NEGOTIATE inside, then NegTokenResp with the AUTHENTICATE and a mechListMIC.
#[test]
fn spnego_handshake_with_mech_list_mic() {
    let mut acceptor = Acceptor::new(users());
    let mut init = Initiator::new(Credential::new("admin", "s3cret")).unwrap();
    let negotiate = init.initial_token().unwrap();
    let Step::Continue(resp) = acceptor.step(&spnego::write_init(&negotiate)).unwrap() else { panic!() };
    let resp = spnego::parse_resp(&resp).unwrap();
    assert_eq!(resp.neg_state, Some(spnego::ACCEPT_INCOMPLETE));
    let challenge = resp.response_token.unwrap();
    let (auth, mut c) = init.step(&challenge).unwrap();
    let mech_types = spnego::ntlm_only_mech_types();
    let mic = c.sign_mic(&mech_types);
    let Step::Done { user, out_token, session: mut s } = acceptor.step(&spnego::write_client_resp(&auth, Some(&mic))).unwrap() else { panic!() };
    assert_eq!(user, "admin");
    let last = spnego::parse_resp(&out_token.unwrap()).unwrap();
    assert_eq!(last.neg_state, Some(spnego::ACCEPT_COMPLETED));
    c.verify_mic(&mech_types, &last.mech_list_mic.unwrap()).unwrap();
    // Both MICs used number 0; messages go on from 1.
    assert_eq!(c.sequence_numbers(), (1, 1));
    let body = c.seal(b"after spnego");
    assert_eq!(s.unseal(&body, ENCRYPTED_CONTENT_TYPE).unwrap(), b"after spnego");
}

#[test]
fn spnego_bad_mic_and_missing_ntlm_refused() {
    let mut acceptor = Acceptor::new(users());
    let mut init = Initiator::new(Credential::new("admin", "s3cret")).unwrap();
    let negotiate = init.initial_token().unwrap();
    let Step::Continue(resp) = acceptor.step(&spnego::write_init(&negotiate)).unwrap() else { panic!() };
    let challenge = spnego::parse_resp(&resp).unwrap().response_token.unwrap();
    let (auth, _) = init.step(&challenge).unwrap();
    assert_eq!(acceptor.step(&spnego::write_client_resp(&auth, Some(&[0u8; 16]))).unwrap_err(), NegotiateError::BadSignature);

    // mechTypes with Kerberos (1.2.840.113554.1.2.2) only.
    let krb = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02];
    let mut seq = spnego::encode(0xa0, &spnego::encode(0x30, &krb));
    seq.extend(spnego::encode(0xa2, &spnego::encode(0x04, b"x")));
    let mut app = vec![0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02];
    app.extend(spnego::encode(0xa0, &spnego::encode(0x30, &seq)));
    let token = spnego::encode(0x60, &app);
    assert_eq!(Acceptor::new(users()).step(&token).unwrap_err(), NegotiateError::NoCommonMechanism);
}

#[test]
fn credential_parse() {
    assert_eq!(Credential::new("D\\u", "p"), Credential { domain: Some("D".into()), user: "u".into(), password: "p".into() });
    assert_eq!(Credential::new("u", "p").domain, None);
    assert_eq!(Credential::new("D\\u", "p").login(), "D\\u");
    assert!(!format!("{:?}", Credential::new("u", "hidden")).contains("hidden"));
}

#[test]
fn client_naming_no_domain_matches_a_domain_user() {
    let mut acceptor = Acceptor::new(vec![Credential::new("CORP\\neg", "pw")]);
    let mut init = Initiator::new(Credential::new("neg", "pw")).unwrap();
    let Step::Continue(challenge) = acceptor.step(&init.initial_token().unwrap()).unwrap() else { panic!() };
    let (auth, _) = init.step(&challenge).unwrap();
    let (_, domain, user) = crate::ntlm::authenticate_names_for_test(&auth).unwrap();
    assert_eq!((domain.as_str(), user.as_str()), ("", "neg"));
    let Step::Done { user, .. } = acceptor.step(&auth).unwrap() else { panic!() };
    assert_eq!(user, "CORP\\neg");
}

/// The framing, byte for byte, as pywinrm 0.5.0's `Encryption._encrypt_message`
/// builds it (and pypsrp 0.9.1's `WinRMEncryption.wrap_message` joins it) for a
/// 4-byte message whose signature is sixteen `S` and whose sealed bytes are zeros.
#[test]
fn framing_bytes_match_pywinrm() {
    let mut body = Vec::new();
    crate::framing::write_part(&mut body, crate::framing::SOAP_TYPE, &[b'S'; 16], &[0u8; 4]);
    crate::framing::finish(&mut body);
    let pywinrm: &[u8] = b"--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=4\r\n--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n\x10\x00\x00\x00SSSSSSSSSSSSSSSS\x00\x00\x00\x00--Encrypted Boundary--\r\n";
    assert_eq!(body, pywinrm);
    let parts = crate::framing::parse(pywinrm, ENCRYPTED_CONTENT_TYPE).unwrap();
    assert_eq!(parts.len(), 1);
    assert_eq!((parts[0].signature, parts[0].sealed), (&[b'S'; 16][..], &[0u8; 4][..]));
    assert_eq!(crate::original_content_type(pywinrm).as_deref(), Some("application/soap+xml;charset=UTF-8"));
    // A message sealed as another type says so, and only there.
    let mut other = Vec::new();
    crate::framing::write_part(&mut other, "text/plain\r\nX: y", &[b'S'; 16], &[0u8; 4]);
    crate::framing::finish(&mut other);
    assert_eq!(crate::original_content_type(&other).as_deref(), Some("text/plainX: y"), "no header line break is written");
    assert_eq!(crate::framing::parse(&other, ENCRYPTED_CONTENT_TYPE).unwrap()[0].sealed, &[0u8; 4][..]);
}
