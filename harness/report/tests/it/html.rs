use report::{html, Status};

use crate::fixture::{sample, FAILED_REQUEST};

#[test]
fn failed_request_is_escaped_in_pre() {
    let r = sample();
    let page = html::render(&r);
    assert!(page.contains("&lt;s:Envelope&gt;&lt;s:Header&gt;"), "escaped request missing");
    assert!(!page.contains("<s:Envelope"), "raw envelope leaked into the page");
    assert!(page.contains("wrong subcode &amp; more"), "response text not escaped");
    // The escaped request sits inside a <pre>.
    let at = page.find("&lt;s:Envelope&gt;&lt;s:Header&gt;").expect("request");
    let pre = page[..at].rfind("<pre").expect("a <pre> before the request");
    assert!(!page[pre..at].contains("</pre>"));
    assert!(FAILED_REQUEST.starts_with("<s:Envelope>"));
}

#[test]
fn groups_come_first_with_ids_and_clauses() {
    let r = sample();
    let page = html::render(&r);
    let profiles = page.find("id=\"profiles\"").expect("profile table");
    let failures = page.find("id=\"groups\"").expect("root-cause groups");
    assert!(profiles < failures, "the profile table comes before the groups");
    let cases = page.find("id=\"cases\"").expect("cases section");
    assert!(failures < cases);
    let failed = r.failures().next().expect("a failure");
    let section = &page[failures..cases];
    assert!(section.contains(&failed.assertion));
    assert!(section.contains(&failed.clause));
    assert!(section.contains("&lt;w:Other&gt; | line 2"), "message escaped");
    // Every case is listed, with every assertion id.
    for res in &r.results {
        assert!(page[cases..].contains(&res.case), "case {} missing", res.case);
        assert!(page[cases..].contains(&res.assertion), "assertion {} missing", res.assertion);
    }
}

/// The page with the content of every `<pre>` (escaped payloads) and
/// `<code>` (URIs shown as identifiers) element and every occurrence of the
/// endpoint URL removed.
fn outside_payloads(page: &str, endpoint: &str) -> String {
    let mut text = page.replace(endpoint, "");
    for (open, close) in [("<pre", "</pre>"), ("<code", "</code>")] {
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(at) = rest.find(open) {
            out.push_str(&rest[..at]);
            rest = match rest[at..].find(close) {
                Some(end) => &rest[at + end + close.len()..],
                None => "",
            };
        }
        out.push_str(rest);
        text = out;
    }
    text
}

#[test]
fn self_contained() {
    let mut r = sample();
    // URLs the page shows as text: in payloads, the endpoint, the Identify answer.
    r.audit.identify = Some(report::IdentifyRecord {
        protocol_versions: vec![wsman_proto::ns::WSMAN.into()],
        response: format!("<wsmid:ProtocolVersion>{}</wsmid:ProtocolVersion>", wsman_proto::ns::WSMAN),
        ..Default::default()
    });
    let page = html::render(&r);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<style>"));
    assert!(page.contains("<script>"), "the filters are inline script");
    for banned in [
        "<link",
        "src=",
        "http-equiv",
        "@import",
        "url(",
        "<iframe",
        "<img",
        "<object",
        "<embed",
        "fetch(",
        "XMLHttpRequest",
        "import(",
        "sendBeacon",
        "WebSocket",
    ] {
        assert!(!page.contains(banned), "found {banned}");
    }
    let rest = outside_payloads(&page, &r.endpoint);
    for scheme in ["http://", "https://", "//cdn", "ftp://"] {
        assert!(
            !rest.contains(scheme),
            "a network reference outside payloads: {}",
            &rest[rest.find(scheme).unwrap_or(0).saturating_sub(80)..][..160.min(rest.len())]
        );
    }
    // Every link stays on the page.
    for (at, _) in page.match_indices("href=\"") {
        assert!(page[at + 6..].starts_with('#'), "a link off the page: {}", &page[at..at + 60]);
    }
}

#[test]
fn a_network_reference_would_be_caught() {
    // The check above can fail: an asset URL outside a payload is found.
    let page = html::render(&sample()).replace("<style>", "<style>body{background:x}</style><a href=\"https://cdn.example/x.css\"><style>");
    let rest = outside_payloads(&page, "http://127.0.0.1:5985/wsman");
    assert!(rest.contains("https://"));
    let inside = html::render(&sample());
    assert!(!outside_payloads(&inside, "http://127.0.0.1:5985/wsman").contains("http://"));
}

#[test]
fn filter_controls_and_case_data_attributes() {
    let r = sample();
    let page = html::render(&r);
    for id in ["f-status", "f-profile", "f-assertion", "f-q"] {
        assert!(page.contains(&format!("id=\"{id}\"")), "{id} missing");
    }
    let cases = page.matches("<details class=\"case\"").count();
    assert_eq!(cases, 5, "four records and one id seen only in results");
    assert!(page.contains(&format!("<span id=\"shown\">{cases}</span>")));
    assert!(page.contains("data-id=\"core/get-bad-selector\" data-status=\"fail\" data-profile=\"core\" data-assertions=\"fault.subcode\""), "{page}");
    // Results without a record: profile from the id.
    assert!(page.contains("data-id=\"regressions/orphan\" data-status=\"pass\" data-profile=\"regressions\" data-assertions=\"\""));
    assert!(page.contains("location.hash"), "filters settable from the fragment");
}

#[test]
fn the_profile_table_has_a_verdict_line_per_profile() {
    let page = html::render(&sample());
    assert!(page.contains("core: 1 assertion failing in 1 case, 1 pass"), "{page}");
    assert!(page.contains("enumeration: 1 assertion waived in 1 case, 1 unimplemented (endpoint answered ActionNotSupported)"), "{page}");
}

#[test]
fn a_group_names_its_cases_and_one_exchange() {
    let mut r = sample();
    for i in 0..7 {
        let mut extra = r.results[3].clone();
        extra.case = format!("core/extra-{i}");
        r.results.push(extra);
    }
    let page = html::render(&r);
    let sections: Vec<&str> = page.split("<section class=\"group fail\"").skip(1).map(|s| &s[..s.find("</section>").unwrap_or(s.len())]).collect();
    assert_eq!(sections.len(), 2, "the recorded case and the seven without traffic differ in the fault seen");
    // Largest first: seven cases without traffic, five ids shown, all in a <details>.
    let big = sections[0];
    assert!(big.contains("no traffic recorded") && big.contains(">7 cases<"), "{big}");
    assert_eq!(big.matches("href=\"#case-core/extra-").count(), html::GROUP_IDS_SHOWN + 7, "{big}");
    assert!(big.contains("all 7 cases"));
    assert!(!big.contains("<pre"), "no traffic to show");
    let small = sections[1];
    assert!(small.contains(">1 case<") && small.contains("core/get-bad-selector"), "{small}");
    assert!(small.contains("<pre class=\"request\">") && small.contains("wrong subcode &amp; more"), "one request/response pair: {small}");
    assert!(small.contains("DSP0226 §8.2"));
}

#[test]
fn traffic_of_passing_cases_is_left_out() {
    let mut r = sample();
    for res in &mut r.results {
        res.status = Status::Pass;
    }
    let page = html::render(&r);
    assert!(!page.contains("&lt;s:Envelope&gt;"));
    assert!(!page.contains("id=\"groups\""));
    assert!(page.contains("PASSED"));
}

#[test]
fn writes_report_html() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = html::write(&sample(), dir.path()).expect("write");
    assert_eq!(path, dir.path().join("report.html"));
    assert!(std::fs::read_to_string(path).expect("read").contains("</html>"));
}
