//! Finds saved as ordinary corpus cases: a profile folder (its name is the
//! profile's) with a `manifest.toml` and one template per find, which `check
//! --corpus` (or the built-in corpus, for `corpus/regressions/`) replays from
//! then on. A saved case expects only what every answer must be (the generic
//! checks: addressing, the fault table, HTTP status and content type, schema
//! validity), which is what the oracle judged.

use std::io::Write;
use std::path::Path;

use super::run::Find;
use super::{Credentials, MutatedRequest};

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Writes `find` (its shrunk `request`) under `dir`. A body that is not
/// UTF-8 cannot be a template: it is written as `<id>.bin` beside the
/// manifest, without a case, and the error says so.
///
/// # Errors
/// I/O errors, and a request that cannot be a template.
pub fn save(dir: &Path, find: &Find, request: &MutatedRequest) -> Result<(), String> {
    let profile = dir.file_name().and_then(|n| n.to_str()).ok_or_else(|| format!("{} has no usable folder name", dir.display()))?.to_owned();
    let name = if find.case == u64::MAX { format!("attack-{}", request.operator_names().join("-")) } else { format!("case-{}", find.case) };
    let id = format!("{}/{name}", find.kind);
    let folder = dir.join(&find.kind);
    std::fs::create_dir_all(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    let body = request.body.to_bytes();
    let Ok(text) = String::from_utf8(body.to_vec()) else {
        let path = folder.join(format!("{name}.bin"));
        std::fs::write(&path, &body).map_err(|e| format!("{}: {e}", path.display()))?;
        return Err(format!("the body is not UTF-8: kept as {} without a case", path.display()));
    };
    if text.contains("{{") {
        return Err("the body holds `{{`, which a template would expand".to_owned());
    }
    let template = folder.join(format!("{name}.xml"));
    std::fs::write(&template, text.as_bytes()).map_err(|e| format!("{}: {e}", template.display()))?;
    let manifest = dir.join("manifest.toml");
    let fresh = !manifest.exists();
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let mut entry = String::new();
    if fresh {
        entry.push_str(&format!(
            "# Shrunk fuzz finds, replayed by check. Written by `wsman-harness fuzz --save-regressions`; format: corpus/README.md.\n\nprofile = {}\ndescription = \"Fuzz finds: each request once drew an answer the fuzz oracle refused\"\n",
            toml_string(&profile)
        ));
    }
    entry.push_str(&format!("\n[[case]]\nid = {}\n", toml_string(&id)));
    entry.push_str(&format!("title = {}\n", toml_string(&format!("{} (mutations {}; {})", find.message, find.mutations.join(" "), find.reproduce))));
    entry.push_str(&format!("clause = {}\n", toml_string(&format!("fuzz find: {}", find.kind))));
    entry.push_str("raw = true\nexpect = { either = true }\n");
    let mut http = Vec::new();
    if request.content_type.as_deref() != Some(super::SOAP_CONTENT_TYPE) {
        match &request.content_type {
            Some(ct) => http.push(format!("content_type = {}", toml_string(ct))),
            None => http.push("headers = { }".to_owned()),
        }
    }
    match &request.credentials {
        Credentials::Session => {}
        Credentials::Missing => http.push("auth = \"none\"".to_owned()),
        Credentials::Header(_) => http.push("auth = \"wrong\"".to_owned()),
    }
    if !request.headers.is_empty() {
        let hs: Vec<String> = request.headers.iter().map(|(k, v)| format!("{} = {}", toml_string(k), toml_string(v))).collect();
        http.push(format!("headers = {{ {} }}", hs.join(", ")));
    }
    if let super::Framing::Chunked { chunk } = request.framing {
        http.push(format!("chunked = {chunk}"));
    }
    http.retain(|h| h != "headers = { }");
    if !http.is_empty() {
        entry.push_str(&format!("http = {{ {} }}\n", http.join(", ")));
    }
    f.write_all(entry.as_bytes()).map_err(|e| format!("{}: {e}", manifest.display()))
}
