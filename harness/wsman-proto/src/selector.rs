//! `wsman:SelectorSet` and `wsman:OptionSet` (DSP0226 §7.2, §6.4).

use crate::ns;
use crate::xml::Element;

/// One `wsman:Selector`: a name and a value (a nested EPR value is kept as text of its address).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selector {
    /// `@Name`.
    pub name: String,
    /// The selector's text value.
    pub value: String,
    /// True when the value was an endpoint reference (DSP0226 §7.2.3), not text.
    pub is_epr: bool,
}

/// An ordered set of selectors. Duplicates are kept so they can be refused
/// with the DuplicateSelectors fault detail.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SelectorSet {
    /// The selectors in document order.
    pub selectors: Vec<Selector>,
}

impl SelectorSet {
    /// Adds a selector.
    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.selectors.push(Selector { name: name.to_owned(), value: value.into(), is_epr: false });
    }

    /// Builder form of [`push`](Self::push).
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.push(name, value);
        self
    }

    /// The value of a selector, by name compared case-insensitively (as Windows does).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.selectors.iter().find(|s| s.name.eq_ignore_ascii_case(name)).map(|s| s.value.as_str())
    }

    /// True when there are no selectors.
    pub fn is_empty(&self) -> bool {
        self.selectors.is_empty()
    }

    /// Number of selectors.
    pub fn len(&self) -> usize {
        self.selectors.len()
    }

    /// The first selector name that appears more than once (case-insensitively).
    pub fn duplicate(&self) -> Option<&str> {
        self.selectors.iter().enumerate().find_map(|(i, s)| {
            self.selectors[..i].iter().any(|t| t.name.eq_ignore_ascii_case(&s.name)).then_some(s.name.as_str())
        })
    }

    /// Decodes a `wsman:SelectorSet` element.
    pub fn from_element(el: &Element) -> Result<SelectorSet, String> {
        let mut set = SelectorSet::default();
        for sel in el.elements() {
            if !sel.is(ns::WSMAN, "Selector") {
                return Err(format!("unexpected element {} in SelectorSet", sel.name));
            }
            let name = sel.attr(None, "Name").ok_or("Selector without Name")?;
            let (value, is_epr) = match sel.elements().next() {
                // An EPR-valued selector: keep its address text.
                Some(epr) => (epr.child(ns::WSA, "Address").map(|a| a.text().trim().to_owned()).unwrap_or_default(), true),
                None => (sel.text().into_owned(), false),
            };
            set.selectors.push(Selector { name: name.to_owned(), value, is_epr });
        }
        Ok(set)
    }

    /// Encodes as `wsman:SelectorSet`.
    pub fn to_element(&self) -> Element {
        let mut el = Element::ns(ns::WSMAN, "SelectorSet");
        for s in &self.selectors {
            let sel = Element::ns(ns::WSMAN, "Selector").with_attr(None, "Name", s.name.clone());
            el.push(if s.is_epr {
                sel.with_child(Element::ns(ns::WSA, "EndpointReference").with_child(Element::ns(ns::WSA, "Address").with_text(s.value.clone())))
            } else {
                sel.with_text(s.value.clone())
            });
        }
        el
    }
}

/// One `wsman:Option`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WsOption {
    /// `@Name`.
    pub name: String,
    /// Text value (may be empty).
    pub value: String,
    /// `@MustComply="true"`.
    pub must_comply: bool,
    /// `@Type`, if given.
    pub type_: Option<String>,
}

/// `wsman:OptionSet`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct OptionSet {
    /// The options in document order.
    pub options: Vec<WsOption>,
    /// `s:mustUnderstand` on the OptionSet itself.
    pub must_understand: bool,
}

impl OptionSet {
    /// The value of an option, by exact name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.options.iter().find(|o| o.name == name).map(|o| o.value.as_str())
    }

    /// True when there are no options.
    pub fn is_empty(&self) -> bool {
        self.options.is_empty()
    }

    /// Decodes a `wsman:OptionSet` element.
    pub fn from_element(el: &Element) -> Result<OptionSet, String> {
        let mut set = OptionSet { options: Vec::new(), must_understand: crate::header::must_understand(el) };
        for opt in el.elements() {
            if !opt.is(ns::WSMAN, "Option") {
                return Err(format!("unexpected element {} in OptionSet", opt.name));
            }
            let name = opt.attr(None, "Name").ok_or("Option without Name")?.to_owned();
            let must_comply = match opt.attr(None, "MustComply") {
                None | Some("false") | Some("0") => false,
                Some("true") | Some("1") => true,
                Some(other) => return Err(format!("MustComply={other:?} is not a boolean")),
            };
            set.options.push(WsOption { name, value: opt.text().into_owned(), must_comply, type_: opt.attr(None, "Type").map(str::to_owned) });
        }
        Ok(set)
    }

    /// Encodes as `wsman:OptionSet`.
    pub fn to_element(&self) -> Element {
        let mut el = Element::ns(ns::WSMAN, "OptionSet");
        if self.must_understand {
            el.set_attr(Some(ns::SOAP), "mustUnderstand", "true");
        }
        for o in &self.options {
            let mut e = Element::ns(ns::WSMAN, "Option").with_attr(None, "Name", o.name.clone());
            if o.must_comply {
                e.set_attr(None, "MustComply", "true");
            }
            if let Some(t) = &o.type_ {
                e.set_attr(None, "Type", t.clone());
            }
            if !o.value.is_empty() {
                e = e.with_text(o.value.clone());
            }
            el.push(e);
        }
        el
    }
}
