//! Resource URI -> provider.

use std::collections::HashMap;
use std::sync::Arc;

use wsman_proto::ResourceProvider;

/// Every mounted provider, by the resource URIs it serves.
pub(crate) struct Registry {
    by_uri: HashMap<String, Arc<dyn ResourceProvider>>,
}

impl Registry {
    pub(crate) fn new(providers: Vec<Arc<dyn ResourceProvider>>) -> Self {
        let mut by_uri = HashMap::new();
        for p in providers {
            for uri in p.resource_uris() {
                by_uri.insert(uri, p.clone());
            }
        }
        Registry { by_uri }
    }

    /// The provider of an exact resource URI.
    pub(crate) fn get(&self, uri: &str) -> Option<&Arc<dyn ResourceProvider>> {
        self.by_uri.get(uri)
    }

    /// For a WQL enumeration of `<namespace>/*`: the URI of `class` in that
    /// namespace, compared case-insensitively as WMI compares class names.
    pub(crate) fn class_in(&self, namespace_uri: &str, class: &str) -> Option<(&str, &Arc<dyn ResourceProvider>)> {
        self.by_uri.iter().find_map(|(uri, p)| {
            let (ns, name) = uri.rsplit_once('/')?;
            (ns == namespace_uri && name.eq_ignore_ascii_case(class)).then_some((uri.as_str(), p))
        })
    }
}
