//! Template includes: `{{> name key="value" ...}}` in a case template is
//! replaced, when the corpus loads, by the text of `partials/<name>.xml`.
//!
//! A partial holds what many cases repeat (the standard request header
//! block), so a template shows only what is special about its case:
//!
//! ```text
//! <s:Header>
//!   {{> request_headers action="http://schemas.xmlsoap.org/ws/2004/09/transfer/Get"}}
//!   <w:SelectorSet><w:Selector Name="Name">WinRM</w:Selector></w:SelectorSet>
//! </s:Header>
//! ```
//!
//! Arguments replace the partial's placeholders of the same name
//! (`{{action}}`, or `{{max_envelope_size | 153600}}` with its default) as
//! template text, so an argument may itself hold placeholders
//! (`resource_uri="{{svc_uri}}"`), which are rendered with the case's
//! variables later like any other. Placeholders that no argument names stay
//! for rendering. Every line of the partial after the first is indented as
//! the include is, so the expanded template reads as if written out.
//!
//! Errors (an unknown partial, an argument the partial does not use, bad
//! syntax, includes nested deeper than [`MAX_NESTING`]) are corpus errors:
//! a case never runs with a half-expanded template.

use std::collections::BTreeMap;

/// Deepest chain of partials including partials.
pub const MAX_NESTING: usize = 4;

/// Expands every include of `template`.
///
/// # Errors
/// A one-line description of the first problem.
pub fn expand(template: &str, partials: &BTreeMap<String, String>) -> Result<String, String> {
    expand_at(template, partials, 0)
}

fn expand_at(template: &str, partials: &BTreeMap<String, String>, depth: usize) -> Result<String, String> {
    if !template.contains("{{>") {
        return Ok(template.to_owned());
    }
    if depth >= MAX_NESTING {
        return Err(format!("includes nest deeper than {MAX_NESTING} levels"));
    }
    let mut out = String::with_capacity(template.len() * 2);
    let mut rest = template;
    // Each iteration consumes one include, so the loop is bounded by the text length.
    while let Some(start) = rest.find("{{>") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 3..];
        let end = closing(after).ok_or_else(|| "an include `{{>` has no closing `}}`".to_owned())?;
        let include = Include::parse(&after[..end])?;
        let text = partials.get(include.name).ok_or_else(|| format!("no partial named {:?} (partials/{}.xml)", include.name, include.name))?;
        let body = include.apply(text)?;
        let body = expand_at(&body, partials, depth + 1).map_err(|e| format!("in partial {:?}: {e}", include.name))?;
        let indent = indent_before(&out).to_owned();
        let trimmed = body.trim_end_matches(['\n', '\r']);
        for (i, line) in trimmed.split('\n').enumerate() {
            if i > 0 {
                out.push('\n');
                if !line.is_empty() {
                    out.push_str(&indent);
                }
            }
            out.push_str(line);
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The whitespace between the last line break of `text` and its end, when the
/// include stands alone at the start of its line.
fn indent_before(text: &str) -> &str {
    let line = &text[text.rfind('\n').map_or(0, |i| i + 1)..];
    if line.chars().all(|c| c == ' ' || c == '\t') {
        line
    } else {
        ""
    }
}

/// The offset of the `}}` that closes an include, skipping quoted argument
/// values (which may hold placeholders of their own).
fn closing(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut quoted = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => quoted = !quoted,
            b'}' if !quoted && bytes.get(i + 1) == Some(&b'}') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// `name key="value" key2=value2`.
#[derive(Debug, PartialEq)]
struct Include<'a> {
    name: &'a str,
    args: Vec<(&'a str, &'a str)>,
}

impl<'a> Include<'a> {
    fn parse(s: &'a str) -> Result<Include<'a>, String> {
        let s = s.trim();
        let (name, mut rest) = s.split_once(char::is_whitespace).unwrap_or((s, ""));
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(format!("bad partial name {name:?}"));
        }
        let mut args = Vec::new();
        loop {
            rest = rest.trim_start();
            if rest.is_empty() {
                break;
            }
            let (key, after) = rest.split_once('=').ok_or_else(|| format!("include of {name}: argument {rest:?} is not key=value"))?;
            let key = key.trim();
            if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("include of {name}: bad argument name {key:?}"));
            }
            let (value, after) = match after.strip_prefix('"') {
                Some(q) => {
                    let close = q.find('"').ok_or_else(|| format!("include of {name}: unclosed quote in {key}"))?;
                    (&q[..close], &q[close + 1..])
                }
                None => after.split_once(char::is_whitespace).unwrap_or((after, "")),
            };
            if args.iter().any(|(k, _)| *k == key) {
                return Err(format!("include of {name}: argument {key} given twice"));
            }
            args.push((key, value));
            rest = after;
        }
        Ok(Include { name, args })
    }

    /// The partial's text with the arguments in place of their placeholders.
    fn apply(&self, partial: &str) -> Result<String, String> {
        let mut used = vec![false; self.args.len()];
        let mut out = String::with_capacity(partial.len());
        let mut rest = partial;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else {
                // Left for the renderer, which reports the unclosed placeholder.
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let inner = &after[..end];
            let var = inner.split('|').next().unwrap_or("").trim();
            match self.args.iter().position(|(k, _)| *k == var) {
                Some(i) => {
                    used[i] = true;
                    out.push_str(self.args[i].1);
                }
                None => {
                    out.push_str("{{");
                    out.push_str(inner);
                    out.push_str("}}");
                }
            }
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        if let Some(i) = used.iter().position(|u| !u) {
            return Err(format!("partial {} has no placeholder {{{{{}}}}}", self.name, self.args[i].0));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partials() -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        m.insert("hdr".to_owned(), "<a>{{action}}</a>\n<m>{{max | 100}}</m>\n<t>{{to}}</t>\n".to_owned());
        m.insert("outer".to_owned(), "<o/>\n{{> hdr action=\"X\"}}".to_owned());
        m.insert("loop".to_owned(), "{{> loop}}".to_owned());
        m
    }

    #[test]
    fn expands_with_arguments_indentation_and_leaves_other_placeholders() {
        let t = "<h>\n    {{> hdr action=\"http://a/{{op}}\" max=7}}\n    <s/>\n</h>";
        let out = expand(t, &partials()).unwrap();
        assert_eq!(out, "<h>\n    <a>http://a/{{op}}</a>\n    <m>7</m>\n    <t>{{to}}</t>\n    <s/>\n</h>");
        let plain = expand("  {{> hdr action=Y}}", &partials()).unwrap();
        assert_eq!(plain, "  <a>Y</a>\n  <m>{{max | 100}}</m>\n  <t>{{to}}</t>");
    }

    #[test]
    fn nested_partials_expand_and_cycles_stop() {
        assert_eq!(expand("{{> outer}}", &partials()).unwrap(), "<o/>\n<a>X</a>\n<m>{{max | 100}}</m>\n<t>{{to}}</t>");
        assert!(expand("{{> loop}}", &partials()).unwrap_err().contains("deeper"));
    }

    #[test]
    fn mistakes_are_errors() {
        let p = partials();
        assert!(expand("{{> nope}}", &p).unwrap_err().contains("no partial"));
        assert!(expand("{{> hdr actoin=X}}", &p).unwrap_err().contains("no placeholder"));
        assert!(expand("{{> hdr action=X action=Y}}", &p).unwrap_err().contains("twice"));
        assert!(expand("{{> hdr action=\"X}}", &p).is_err());
        assert!(expand("{{> hdr action}}", &p).unwrap_err().contains("key=value"));
        assert!(expand("{{> }}", &p).unwrap_err().contains("bad partial name"));
    }

    #[test]
    fn templates_without_includes_are_unchanged() {
        let t = "<x>{{to}}</x>";
        assert_eq!(expand(t, &partials()).unwrap(), t);
    }
}
