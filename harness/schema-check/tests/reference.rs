//! The schemas against the reference envelopes of ../shared/reference: real Windows
//! traffic (pypsrp recordings, WinRM-ruby stubs) and the specification examples.
//!
//! Every envelope must validate, except the ones listed in [`EXCEPTIONS`], each with the
//! clause that makes it wrong; an exception that starts to validate fails the test too,
//! so the list cannot go stale. Without the folder the test prints a notice and passes.


use schema_check::{PrefixMap, Validator, XmlDocument};

/// `(file name or "file#message.direction", element local name expected in the first
/// violation, reason)`.
const EXCEPTIONS: &[(&str, &str, &str)] = &[
    (
        "test_psrp_is_alive_other_wsman_error.yml#3.request",
        "OperationTimeout",
        "request sent on purpose with OperationTimeout PT-1S to provoke a fault: XML Schema \
         Part 2 §3.2.6.1 allows a minus sign only before the P, and DSP0226 §6.1 requires an \
         xs:duration (Windows answers InvalidMessageInformationHeader, as the recording shows)",
    ),
    (
        "from_001.xml",
        "From",
        "openwsman test input: wsa:From holds a bare URI, but WS-Addressing (2004/08) §3 makes \
         it an endpoint reference whose wsa:Address child is required",
    ),
    (
        "from_002.xml",
        "From",
        "openwsman test input: wsa:From holds a bare URI, but WS-Addressing (2004/08) §3 makes \
         it an endpoint reference whose wsa:Address child is required",
    ),
    (
        "MS-WSMV_4.11.1_A_CIM_Operation_that_Prompts_Once_with_t_01.xml",
        "Option",
        "wsman:Option/@Type=\"xs:int\" with no xmlns:xs in scope: DSP0226 §6.4 types Type as \
         xs:QName, whose prefix must be declared (XML Schema Part 2 §3.2.18, Namespaces in XML §5)",
    ),
    (
        "MS-WSMV_4.11.1_A_CIM_Operation_that_Prompts_Once_with_t_03.xml",
        "Option",
        "wsman:Option/@Type=\"xs:boolean\" with no xmlns:xs in scope (DSP0226 §6.4, XML Schema \
         Part 2 §3.2.18)",
    ),
    (
        "MS-WSMV_4.11.2_A_CIM_Operation_that_Returns_Streaming_O_01.xml",
        "Option",
        "wsman:Option/@Type=\"xs:int\" with no xmlns:xs in scope (DSP0226 §6.4, XML Schema \
         Part 2 §3.2.18)",
    ),
    (
        "MS-WSMV_4.10_Fault_Detail_02.xml",
        "Value",
        "s:Subcode/s:Value \"a:DestinationUnreachable\" with no xmlns:a in scope: SOAP 1.2 \
         Part 1 §5.4.1.3 makes Subcode/Value an xs:QName, whose prefix must be declared",
    ),
    (
        "MS-WSMV_4.7.9_Disconnect_Shell_01.xml",
        "Disconnect",
        "the example carries the editorial note \"* //optional\" as text inside rsp:Disconnect, \
         whose content is element-only (MS-WSMV §2.2.4.10 DisconnectType)",
    ),
];

/// MS-WSMAN examples whose namespace URIs the Markdown rendering split across lines
/// ("http://www.w3.org/2003/05/ soap-envelope"): as printed, the root is not a SOAP 1.2
/// Envelope (SOAP 1.2 Part 1 §5.1), so validation must fail at the root.
fn root_namespace_is_split(doc: &XmlDocument) -> bool {
    let Ok(xpath) = doc.xpath(&PrefixMap::new()) else { return false };
    xpath
        .string("namespace-uri(/*)")
        .is_ok_and(|uri| uri.contains(char::is_whitespace) && uri.contains("soap-envelope"))
}

/// `(label, bytes)` of every envelope the shared extractor finds; the label is
/// the file name (plus `#n.request|response` for recordings), as EXCEPTIONS names them.
fn candidates(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let (found, _excluded) = test_support::reference::envelopes(dir);
    found.into_iter().map(|e| (e.name.rsplit('/').next().unwrap_or(&e.name).to_owned(), e.bytes)).collect()
}

/// Whether `bytes` is a well-formed document whose root is named Envelope (any namespace).
fn is_envelope(bytes: &[u8]) -> bool {
    if bytes.windows(2).any(|w| w == b"${") {
        return false; // recordings with ${placeholders}
    }
    let Ok(doc) = XmlDocument::parse(bytes) else { return false };
    let Ok(xpath) = doc.xpath(&PrefixMap::new()) else { return false };
    xpath.boolean("local-name(/*) = 'Envelope'").unwrap_or(false)
}

#[test]
fn schemas_accept_reference_envelopes_or_the_listed_exceptions() {
    let Some(dir) = test_support::reference_dir() else {
        eprintln!("SKIP: ../shared/reference not found; reference envelopes not checked");
        return;
    };
    let mut validator = Validator::new().expect("schemas compile");
    let (mut valid, mut excepted, mut split) = (0usize, 0usize, 0usize);
    let mut failures = Vec::new();
    let mut seen_exceptions = Vec::new();
    for (label, bytes) in candidates(&dir) {
        if !is_envelope(&bytes) {
            continue;
        }
        let violations = validator.validate(&bytes);
        let exception = EXCEPTIONS.iter().find(|(name, _, _)| *name == label);
        let split_ns = XmlDocument::parse(&bytes).is_ok_and(|doc| root_namespace_is_split(&doc));
        match (exception, split_ns) {
            (Some((_, element, reason)), _) => {
                seen_exceptions.push(label.clone());
                let first = violations.first();
                if first.and_then(|v| v.element_local_name()) != Some(*element) {
                    failures.push(format!(
                        "{label}: listed as an exception ({reason}) but the first violation is {first:?}"
                    ));
                } else {
                    excepted += 1;
                }
            }
            (None, true) => {
                let at_root = violations.first().is_some_and(|v| v.message.contains("validation root"));
                if at_root {
                    split += 1;
                } else {
                    failures.push(format!("{label}: split namespace but violations {violations:?}"));
                }
            }
            (None, false) => {
                if violations.is_empty() {
                    valid += 1;
                } else {
                    let text: Vec<String> = violations.iter().take(3).map(ToString::to_string).collect();
                    failures.push(format!("{label}: {}", text.join(" | ")));
                }
            }
        }
    }
    for (name, _, _) in EXCEPTIONS {
        if !seen_exceptions.iter().any(|s| s == name) {
            failures.push(format!("exception {name} matched no file"));
        }
    }
    eprintln!("reference envelopes: {valid} valid, {excepted} listed exceptions, {split} with split namespace URIs");
    assert!(failures.is_empty(), "{} problems:\n{}", failures.len(), failures.join("\n"));
    assert!(valid > 1000, "expected the ~1,150 reference envelopes, validated {valid}");
}
