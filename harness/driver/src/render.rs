//! Template rendering: `{{name}}` placeholders replaced by variable values;
//! `{{name | default}}` gives the default text when no scope defines `name`.
//! (Includes of partials, `{{> name}}`, are expanded earlier, when the corpus
//! loads: [`crate::corpus::partial`].)
//!
//! Values inserted into a template are XML-escaped, so a value can never
//! change the structure of the envelope; values may themselves contain
//! placeholders (expanded first, up to [`MAX_DEPTH`] levels).
//!
//! Lookup order: `captured.<name>` (values captured by earlier steps), the
//! target's fragments (`{{keyed.selector_set}}`, markup inserted as is), step
//! variables, case variables, profile variables, the variables of the roles
//! the case declares (`{{keyed.class}}`), then the built-ins below.
//!
//! | built-in | value |
//! |---|---|
//! | `to` | the endpoint URL |
//! | `message_id` | `uuid:` + a fresh upper-case UUID, per exchange |
//! | `session_id` | `uuid:` + a UUID fixed for the run |
//! | `uuid`, `uuid_lower` | a fresh UUID at each use |
//! | `unique` | 8 hex digits fixed for the case (names of created objects) |
//! | `pad:N` | `N` times `x` (N at most 16 MiB), for size limits |

use std::collections::BTreeMap;

/// Maximum nesting of variables inside variable values.
pub const MAX_DEPTH: usize = 8;
/// Largest `pad:N`.
pub const MAX_PAD: usize = 16 << 20;

/// Why a template could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// A placeholder names no variable.
    #[error("unknown variable {{{{{0}}}}}")]
    Unknown(String),
    /// `{{` without `}}`.
    #[error("unclosed placeholder at byte {0}")]
    Unclosed(usize),
    /// Variables nest deeper than [`MAX_DEPTH`] (probably a cycle).
    #[error("variables nest deeper than {MAX_DEPTH} levels at {{{{{0}}}}}")]
    TooDeep(String),
    /// A `pad:N` that is not a number or too large.
    #[error("bad padding {0:?}")]
    BadPad(String),
}

/// The variables of one exchange, in lookup order.
#[derive(Debug, Clone, Default)]
pub struct Scope<'a> {
    /// Endpoint URL (`{{to}}`).
    pub to: &'a str,
    /// Run session id (`{{session_id}}`).
    pub session_id: &'a str,
    /// Per-case unique token (`{{unique}}`).
    pub unique: &'a str,
    /// The message id generated for this exchange (`{{message_id}}` unless overridden).
    pub message_id: &'a str,
    /// Values captured by earlier steps.
    pub captured: Option<&'a BTreeMap<String, String>>,
    /// Variable layers, highest priority first (step, case, profile, target roles).
    pub layers: Vec<&'a BTreeMap<String, String>>,
    /// XML fragments of the run's target ([`crate::Target::role_fragments`]):
    /// inserted as markup, not escaped; placeholders inside them are rendered
    /// (and escaped) like template text. Only the target layer produces them.
    pub fragments: Option<&'a BTreeMap<String, String>>,
}

/// A fresh `uuid:`-prefixed upper-case message id.
pub fn new_message_id() -> String {
    format!("uuid:{}", uuid::Uuid::new_v4().to_string().to_uppercase())
}

impl Scope<'_> {
    fn lookup(&self, name: &str, depth: usize) -> Result<String, RenderError> {
        if depth > MAX_DEPTH {
            return Err(RenderError::TooDeep(name.to_owned()));
        }
        if let Some(c) = name.strip_prefix("captured.") {
            return self.captured.and_then(|m| m.get(c)).cloned().ok_or_else(|| RenderError::Unknown(name.to_owned()));
        }
        if let Some(n) = name.strip_prefix("pad:") {
            let n: usize = n.trim().parse().map_err(|_| RenderError::BadPad(n.to_owned()))?;
            if n > MAX_PAD {
                return Err(RenderError::BadPad(n.to_string()));
            }
            return Ok("x".repeat(n));
        }
        // Variables defined in the corpus win over built-ins, so a case can
        // pin `message_id` to an unusual form.
        for layer in &self.layers {
            if let Some(v) = layer.get(name) {
                return self.expand_at(v, depth + 1);
            }
        }
        Ok(match name {
            "to" => self.to.to_owned(),
            "message_id" => self.message_id.to_owned(),
            "session_id" => self.session_id.to_owned(),
            "unique" => self.unique.to_owned(),
            "uuid" => uuid::Uuid::new_v4().to_string().to_uppercase(),
            "uuid_lower" => uuid::Uuid::new_v4().to_string(),
            _ => return Err(RenderError::Unknown(name.to_owned())),
        })
    }

    fn substitute(&self, text: &str, depth: usize, escape: bool) -> Result<String, RenderError> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        let mut offset = 0usize;
        // Each iteration consumes at least one placeholder, so the loop is bounded by the text length.
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find("}}").ok_or(RenderError::Unclosed(offset + start))?;
            let inner = &after[..end];
            // `{{name | default}}`: the default when no scope defines `name`.
            let (name, default) = match inner.split_once('|') {
                Some((n, d)) => (n.trim(), Some(d.trim())),
                None => (inner.trim(), None),
            };
            if let Some(fragment) = self.fragments.and_then(|f| f.get(name)) {
                if depth >= MAX_DEPTH {
                    return Err(RenderError::TooDeep(name.to_owned()));
                }
                out.push_str(&self.substitute(fragment, depth + 1, true)?);
                let consumed = start + 2 + end + 2;
                offset += consumed;
                rest = &rest[consumed..];
                continue;
            }
            let value = match (self.lookup(name, depth), default) {
                (Err(RenderError::Unknown(missing)), Some(d)) if missing == name => d.to_owned(),
                (v, _) => v?,
            };
            if escape {
                out.push_str(&quick_xml::escape::escape(value.as_str()));
            } else {
                out.push_str(&value);
            }
            let consumed = start + 2 + end + 2;
            offset += consumed;
            rest = &rest[consumed..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn expand_at(&self, text: &str, depth: usize) -> Result<String, RenderError> {
        self.substitute(text, depth, false)
    }

    /// Expands placeholders without escaping (XPath values, actions, URIs).
    ///
    /// # Errors
    /// [`RenderError`] for unknown or cyclic variables.
    pub fn expand(&self, text: &str) -> Result<String, RenderError> {
        self.expand_at(text, 0)
    }

    /// Renders an envelope template: placeholders replaced by XML-escaped values.
    ///
    /// # Errors
    /// [`RenderError`] for unknown or cyclic variables.
    pub fn render(&self, template: &str) -> Result<String, RenderError> {
        self.substitute(template, 0, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope<'a>(layers: Vec<&'a BTreeMap<String, String>>, captured: Option<&'a BTreeMap<String, String>>) -> Scope<'a> {
        Scope { to: "http://h/wsman", session_id: "uuid:S", unique: "ab12", message_id: "uuid:M", captured, layers, fragments: None }
    }

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn renders_builtins_layers_and_captures_with_escaping() {
        let case = map(&[("resource_uri", "{{base}}/X"), ("name", "a<b&c")]);
        let profile = map(&[("base", "http://r"), ("resource_uri", "ignored")]);
        let cap = map(&[("ctx", "uuid:C")]);
        let s = scope(vec![&case, &profile], Some(&cap));
        let out = s.render("<a>{{to}}</a><b>{{ resource_uri }}</b><c>{{name}}</c><d>{{captured.ctx}}</d><e>{{message_id}}-{{unique}}</e>").unwrap();
        assert_eq!(out, "<a>http://h/wsman</a><b>http://r/X</b><c>a&lt;b&amp;c</c><d>uuid:C</d><e>uuid:M-ab12</e>");
        assert_eq!(s.expand("{{name}}").unwrap(), "a<b&c");
    }

    #[test]
    fn corpus_variables_override_builtins() {
        let case = map(&[("message_id", "urn:uuid:{{unique}}")]);
        assert_eq!(scope(vec![&case], None).render("{{message_id}}").unwrap(), "urn:uuid:ab12");
    }

    #[test]
    fn errors_are_typed() {
        let cyc = map(&[("a", "{{b}}"), ("b", "{{a}}")]);
        let s = scope(vec![&cyc], None);
        assert_eq!(s.render("{{nope}}"), Err(RenderError::Unknown("nope".into())));
        assert_eq!(s.render("x {{to"), Err(RenderError::Unclosed(2)));
        assert!(matches!(s.render("{{a}}"), Err(RenderError::TooDeep(_))));
        assert_eq!(s.render("{{captured.x}}"), Err(RenderError::Unknown("captured.x".into())));
        assert!(matches!(s.render("{{pad:zz}}"), Err(RenderError::BadPad(_))));
        assert_eq!(s.render("{{pad:3}}").unwrap(), "xxx");
    }

    #[test]
    fn defaults_apply_only_when_nothing_defines_the_name() {
        let case = map(&[("timeout", "PT5S")]);
        let s = scope(vec![&case], None);
        assert_eq!(s.render("{{timeout | PT60S}}/{{size|153600}}/{{to | x}}").unwrap(), "PT5S/153600/http://h/wsman");
        assert_eq!(s.render("{{d | a<b}}").unwrap(), "a&lt;b");
        let nested = map(&[("a", "{{missing}}")]);
        assert_eq!(scope(vec![&nested], None).render("{{a | fallback}}"), Err(RenderError::Unknown("missing".into())));
    }

    #[test]
    fn fragments_are_markup_and_their_placeholders_are_escaped() {
        let case = map(&[("v", "a<b")]);
        let frags = map(&[("keyed.selector_set", "<w:S N=\"x\">{{v}}-{{unique}}</w:S>")]);
        let mut s = scope(vec![&case], None);
        s.fragments = Some(&frags);
        assert_eq!(s.render("[{{keyed.selector_set}}]").unwrap(), "[<w:S N=\"x\">a&lt;b-ab12</w:S>]");
        // Without the fragment layer the name is an ordinary (unknown) variable.
        assert_eq!(scope(vec![], None).render("{{keyed.selector_set}}"), Err(RenderError::Unknown("keyed.selector_set".into())));
    }

    #[test]
    fn fresh_uuids_differ() {
        let s = scope(vec![], None);
        let a = s.render("{{uuid}}").unwrap();
        assert_ne!(a, s.render("{{uuid}}").unwrap());
        assert_eq!(a.len(), 36);
        assert!(new_message_id().starts_with("uuid:"));
    }
}
