//! The protocol schemas and where libxml2 reads them from.
//!
//! The XSDs of the repository's `schemas/` folder are compiled into the binary. libxml2
//! resolves `xs:import`/`xs:include` through file locations, so on first use the set is
//! written to a folder of the system temporary directory whose name carries a hash of
//! the contents (`wsman-harness-schemas-<hash>`); files are written under a temporary
//! name and renamed, so concurrent processes never see a partial file. The binary
//! therefore runs from any working directory.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use wsman_proto::ns;

use crate::error::SchemaError;

/// The schema that imports all the others: the one to validate against.
pub const ENTRY_SCHEMA: &str = "wsman-all.xsd";

macro_rules! embed {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../../schemas/", $name)))),*]
    };
}

/// `(file name, contents)` of every embedded schema.
pub const EMBEDDED: &[(&str, &str)] = embed!(
    "wsman-all.xsd",
    "common-types.xsd",
    "xml.xsd",
    "soap-envelope.xsd",
    "addressing.xsd",
    "transfer.xsd",
    "enumeration.xsd",
    "eventing.xsd",
    "wsman.xsd",
    "wsmanidentity.xsd",
    "wsmv.xsd",
    "wsmanfault.xsd",
    "shell.xsd",
);

/// The namespaces the schema set declares elements or attributes in.
///
/// Elements outside these namespaces are resource payloads (`p:Win32_Service`, ...)
/// that the envelope schemas admit through lax wildcards.
pub const SCHEMA_NAMESPACES: &[&str] = &[
    ns::XML,
    ns::SOAP,
    ns::WSA,
    ns::WXF,
    ns::WSEN,
    ns::WSE,
    ns::WSMAN,
    ns::WSMID,
    ns::WSMV,
    ns::WSMANFAULT,
    ns::RSP,
];

/// Whether `namespace` is one the schema set covers.
pub fn is_schema_namespace(namespace: &str) -> bool {
    SCHEMA_NAMESPACES.contains(&namespace)
}

/// Where a [`crate::Validator`] loads its schemas from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaSet {
    /// The schemas compiled into the binary.
    Embedded,
    /// A folder holding `wsman-all.xsd` and the files it imports (for example a
    /// checkout's `schemas/` while editing them).
    Dir(PathBuf),
}

impl SchemaSet {
    /// The path of the entry schema, writing the embedded set out first if needed.
    ///
    /// # Errors
    /// [`SchemaError::Materialize`] if the temporary folder cannot be written,
    /// [`SchemaError::MissingEntry`] if a folder lacks the entry schema.
    pub fn entry_path(&self) -> Result<PathBuf, SchemaError> {
        match self {
            SchemaSet::Embedded => materialized_dir().map(|dir| dir.join(ENTRY_SCHEMA)),
            SchemaSet::Dir(dir) => {
                let entry = dir.join(ENTRY_SCHEMA);
                if entry.is_file() {
                    Ok(entry)
                } else {
                    Err(SchemaError::MissingEntry(entry))
                }
            }
        }
    }
}

/// FNV-1a over the names and contents: names the folder after the set's version.
fn contents_hash() -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, text) in EMBEDDED {
        for byte in name.bytes().chain([0]).chain(text.bytes()).chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

fn materialized_dir() -> Result<PathBuf, SchemaError> {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    if let Some(dir) = DIR.get() {
        return Ok(dir.clone());
    }
    let dir = std::env::temp_dir().join(format!("wsman-harness-schemas-{:016x}", contents_hash()));
    write_set(&dir)?;
    Ok(DIR.get_or_init(|| dir).clone())
}

fn write_set(dir: &Path) -> Result<(), SchemaError> {
    fs::create_dir_all(dir).map_err(|source| SchemaError::Materialize {
        path: dir.to_path_buf(),
        source,
    })?;
    for (name, text) in EMBEDDED {
        let path = dir.join(name);
        if fs::read(&path).is_ok_and(|existing| existing == text.as_bytes()) {
            continue;
        }
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let result = fs::write(&tmp, text).and_then(|()| fs::rename(&tmp, &path));
        if let Err(source) = result {
            let _ = fs::remove_file(&tmp);
            return Err(SchemaError::Materialize { path, source });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_set_lists_every_schema_file_of_the_folder() {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
        let mut on_disk: Vec<String> = fs::read_dir(&folder)
            .expect("schemas folder")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".xsd"))
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = EMBEDDED.iter().map(|(n, _)| (*n).to_owned()).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded, "schemas/*.xsd and EMBEDDED differ");
    }

    #[test]
    fn embedded_set_is_written_once_with_identical_contents() {
        let entry = SchemaSet::Embedded.entry_path().expect("materialize");
        let dir = entry.parent().expect("parent");
        for (name, text) in EMBEDDED {
            assert_eq!(fs::read_to_string(dir.join(name)).expect("read back"), *text);
        }
        assert_eq!(SchemaSet::Embedded.entry_path().expect("again"), entry);
    }

    #[test]
    fn a_folder_without_entry_schema_is_an_error() {
        let err = SchemaSet::Dir(PathBuf::from("/nonexistent-folder")).entry_path();
        assert!(matches!(err, Err(SchemaError::MissingEntry(_))));
    }
}
