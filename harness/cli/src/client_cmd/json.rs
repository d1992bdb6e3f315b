//! `--format json`: a faithful mapping of response XML, presentation only
//! (no library needs it, so it lives with the commands).
//!
//! ```text
//! element with xsi:nil="true"              -> null
//! element with text only, no attributes    -> "text"  (always a string: the wire has no types)
//! any other element                         -> { "@attr": "value", ..., "#text": "text", "Child": ..., ... }
//!   children keyed by local name, in document order of first appearance;
//!   a name that occurs more than once      -> [ ..., ... ] in document order
//!   (an array property with one item is therefore a plain value: the wire cannot tell)
//!   "#text" only when the element also has attributes or children and non-blank text
//! the top element                           -> its value (an instance is the object of its properties)
//! ```
//!
//! Keys keep document order (Windows sends properties sorted), which is why
//! this writes its own small tree instead of serde_json's sorted map.

use wsman_proto::xml::Node;
use wsman_proto::{ns, Element};

/// A JSON value with ordered object keys.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    Null,
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

/// The mapping of one element (see the module documentation).
pub(crate) fn of_element(el: &Element) -> Json {
    if matches!(el.attr(Some(ns::XSI), "nil"), Some("true" | "1")) {
        return Json::Null;
    }
    let attrs: Vec<_> = el.attrs.iter().collect();
    let text: String = el.children.iter().filter_map(|n| if let Node::Text(t) = n { Some(t.as_str()) } else { None }).collect();
    let has_children = el.elements().next().is_some();
    if attrs.is_empty() && !has_children {
        return Json::Str(text);
    }
    let mut fields: Vec<(String, Json)> = attrs.iter().map(|a| (format!("@{}", a.name), Json::Str(a.value.clone()))).collect();
    if !text.trim().is_empty() {
        fields.push(("#text".to_owned(), Json::Str(if has_children { text.trim().to_owned() } else { text })));
    }
    let mut children: Vec<(String, Vec<Json>)> = Vec::new();
    for c in el.elements() {
        let value = of_element(c);
        match children.iter_mut().find(|(name, _)| *name == c.name) {
            Some((_, values)) => values.push(value),
            None => children.push((c.name.clone(), vec![value])),
        }
    }
    for (name, mut values) in children {
        let value = if values.len() == 1 { values.remove(0) } else { Json::Arr(values) };
        fields.push((name, value));
    }
    Json::Obj(fields)
}

impl Json {
    /// Pretty text, two spaces per level, with a final newline.
    pub(crate) fn to_pretty(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, 0);
        out.push('\n');
        out
    }

    /// One line: no whitespace between tokens, no final newline (`collect`'s JSON lines).
    pub(crate) fn to_compact(&self) -> String {
        let mut out = String::new();
        self.write_compact(&mut out);
        out
    }

    fn write_compact(&self, out: &mut String) {
        let string = |out: &mut String, s: &str| out.push_str(&serde_json::Value::String(s.to_owned()).to_string());
        match self {
            Json::Null => out.push_str("null"),
            Json::Str(s) => string(out, s),
            Json::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_compact(out);
                }
                out.push(']');
            }
            Json::Obj(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    string(out, k);
                    out.push(':');
                    v.write_compact(out);
                }
                out.push('}');
            }
        }
    }

    fn write(&self, out: &mut String, depth: usize) {
        let pad = |out: &mut String, d: usize| out.extend(std::iter::repeat_n("  ", d));
        match self {
            Json::Null => out.push_str("null"),
            Json::Str(s) => out.push_str(&serde_json::Value::String(s.clone()).to_string()),
            Json::Arr(items) if items.is_empty() => out.push_str("[]"),
            Json::Obj(fields) if fields.is_empty() => out.push_str("{}"),
            Json::Arr(items) => {
                out.push_str("[\n");
                for (i, item) in items.iter().enumerate() {
                    pad(out, depth + 1);
                    item.write(out, depth + 1);
                    out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
                }
                pad(out, depth);
                out.push(']');
            }
            Json::Obj(fields) => {
                out.push_str("{\n");
                for (i, (k, v)) in fields.iter().enumerate() {
                    pad(out, depth + 1);
                    out.push_str(&serde_json::Value::String(k.clone()).to_string());
                    out.push_str(": ");
                    v.write(out, depth + 1);
                    out.push_str(if i + 1 < fields.len() { ",\n" } else { "\n" });
                }
                pad(out, depth);
                out.push('}');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wsman_proto::{Instance, Value};

    #[test]
    fn instances_map_to_objects_with_arrays_nulls_and_nesting() {
        let uri = format!("{}root/cimv2/X_Class", ns::WMI_RESOURCE_PREFIX);
        let el = Instance::new(&uri, "X_Class")
            .with("Name", Value::str("a \"q\""))
            .with("Gone", Value::Null)
            .with("List", Value::Array(vec![Value::str("1"), Value::str("2")]))
            .with("When", Value::Datetime("2024-01-02T03:04:05Z".into()))
            .with("Empty", Value::str(""))
            .to_element()
            .with_child(Element::ns(ns::WSMAN, "Selector").with_attr(None, "Name", "Id").with_text("7"));
        let json = of_element(&el);
        let text = json.to_pretty();
        let parsed: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(parsed["Name"], "a \"q\"");
        assert!(parsed["Gone"].is_null());
        assert_eq!(parsed["List"], serde_json::json!(["1", "2"]));
        assert_eq!(parsed["When"], serde_json::json!({"Datetime": "2024-01-02T03:04:05Z"}));
        assert_eq!(parsed["Empty"], "");
        assert_eq!(parsed["Selector"], serde_json::json!({"@Name": "Id", "#text": "7"}));
        // Document order (Windows' alphabetical one), not the sorted map's.
        let keys: Vec<&str> = match &json {
            Json::Obj(f) => f.iter().map(|(k, _)| k.as_str()).collect(),
            _ => vec![],
        };
        assert_eq!(keys, ["Empty", "Gone", "List", "Name", "When", "Selector"]);
        let line = json.to_compact();
        assert!(!line.contains('\n'));
        assert_eq!(serde_json::from_str::<serde_json::Value>(&line).expect("valid JSON"), parsed, "the same value on one line");
    }
}
