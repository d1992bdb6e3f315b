//! schemas/catalog.toml agrees with the schema files and with the crate's namespace list.

use std::collections::BTreeSet;
use std::path::Path;

use schema_check::schema_set::{EMBEDDED, ENTRY_SCHEMA, SCHEMA_NAMESPACES};
use schema_check::{PrefixMap, XmlDocument};

fn schemas_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas")
}

#[test]
fn catalog_maps_each_namespace_to_the_file_that_defines_it() {
    let text = std::fs::read_to_string(schemas_dir().join("catalog.toml")).expect("catalog");
    let catalog: toml::Table = toml::from_str(&text).expect("catalog is TOML");
    assert_eq!(catalog.get("entry").and_then(|e| e.as_str()), Some(ENTRY_SCHEMA));
    let namespaces = catalog.get("namespaces").and_then(|n| n.as_table()).expect("[namespaces]");
    let mut listed_files = BTreeSet::new();
    for (namespace, file) in namespaces {
        let file = file.as_str().expect("file name");
        listed_files.insert(file.to_owned());
        let bytes = std::fs::read(schemas_dir().join(file)).expect("listed file exists");
        let doc = XmlDocument::parse(&bytes).expect("schema is well-formed");
        let target = doc.xpath(&PrefixMap::new()).expect("xpath").string("string(/*/@targetNamespace)").expect("eval");
        assert_eq!(&target, namespace, "{file}");
    }
    let catalog_ns: BTreeSet<&str> = namespaces.keys().map(String::as_str).collect();
    let crate_ns: BTreeSet<&str> = SCHEMA_NAMESPACES.iter().copied().collect();
    assert_eq!(catalog_ns, crate_ns, "catalog.toml and schema_set::SCHEMA_NAMESPACES differ");
    // Every embedded file is the entry, a listed namespace schema, or an include.
    let includes = catalog.get("includes").and_then(|i| i.as_table()).expect("[includes]");
    for (name, _) in EMBEDDED {
        assert!(
            *name == ENTRY_SCHEMA || listed_files.contains(*name) || includes.contains_key(*name),
            "{name} is not in catalog.toml"
        );
    }
}
