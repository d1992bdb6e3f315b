//! Loading a corpus from a directory or from the copy built into the binary.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use include_dir::{include_dir, Dir};
use serde::Deserialize;

use super::model::{Case, Expect, HttpOptions, Profile, Repeat, Step, XPathAssertion};
use super::waiver::Waivers;

/// Where the partials live, relative to the corpus root (`partials/<name>.xml`).
pub const PARTIALS: &str = "partials/";

/// The repository's `corpus/`, embedded at build time.
static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../corpus");

/// Upper bounds while reading a corpus directory (every loop is bounded).
const MAX_FILES: usize = 20_000;
const MAX_DEPTH: usize = 8;

/// Why a corpus could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A manifest is not valid TOML for the corpus format.
    #[error("{path}: {message}")]
    Manifest {
        /// Manifest path relative to the corpus root.
        path: String,
        /// What the TOML parser said.
        message: String,
    },
    /// The manifests parse but break a rule of the format (every problem listed).
    #[error("invalid corpus:\n  {}", .0.join("\n  "))]
    Invalid(Vec<String>),
    /// Too many files (bounded read).
    #[error("more than {MAX_FILES} files under the corpus directory")]
    TooLarge,
}

/// A loaded corpus: profiles, cases, templates and waivers.
#[derive(Debug, Clone)]
pub struct Corpus {
    /// Profiles, by name order.
    pub profiles: Vec<Profile>,
    /// Every case, in manifest order per profile.
    pub cases: Vec<Case>,
    /// Template text by path relative to the corpus root (`core/identify/basic.xml`).
    pub templates: BTreeMap<String, String>,
    /// `waivers.toml`, empty when absent.
    pub waivers: Waivers,
    /// `coverage.toml` text, when present.
    pub coverage: Option<String>,
    /// sha256 (hex) of the corpus files ([`digest`]): the same for the
    /// embedded copy and `--corpus` of the same directory.
    pub digest: String,
}

/// sha256 (lowercase hex) over the corpus files a corpus is built from (the
/// `.xml` and `.toml` files, which are all [`Corpus::from_dir`] reads): for
/// each in sorted relative-path order, the path, a NUL, the text, a NUL.
pub fn digest(files: &BTreeMap<String, String>) -> String {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    for (path, text) in files.iter().filter(|(p, _)| p.ends_with(".xml") || p.ends_with(".toml")) {
        h.update(path.as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
        h.update([0]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    profile: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    unimplemented_when: Vec<String>,
    #[serde(default)]
    vars: BTreeMap<String, String>,
    #[serde(default)]
    namespaces: BTreeMap<String, String>,
    #[serde(default)]
    case: Vec<RawCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    id: String,
    title: String,
    #[serde(default)]
    profiles: Vec<String>,
    clause: String,
    #[serde(default)]
    rules: Vec<String>,
    #[serde(default)]
    headers: Vec<String>,
    #[serde(default)]
    exclusive: bool,
    #[serde(default)]
    vars: BTreeMap<String, String>,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    min_instances: Option<u32>,
    #[serde(default)]
    template: Option<String>,
    #[serde(default)]
    raw: bool,
    #[serde(default)]
    http: HttpOptions,
    #[serde(default)]
    expect: Expect,
    #[serde(default)]
    capture: BTreeMap<String, String>,
    #[serde(default)]
    repeat: Option<Repeat>,
    #[serde(default, rename = "assert")]
    asserts: Vec<XPathAssertion>,
    #[serde(default)]
    step: Vec<Step>,
}

impl Corpus {
    /// The corpus built into the binary (the repository's `corpus/`).
    ///
    /// # Errors
    /// As [`Corpus::from_files`]; the project's tests keep the embedded copy valid.
    pub fn embedded() -> Result<Corpus, CorpusError> {
        let mut files = BTreeMap::new();
        collect_embedded(&EMBEDDED, &mut files);
        Corpus::from_files(files)
    }

    /// Reads a corpus directory (`--corpus DIR`).
    ///
    /// # Errors
    /// [`CorpusError::Io`] when the directory cannot be read, else as
    /// [`Corpus::from_files`].
    pub fn from_dir(root: &Path) -> Result<Corpus, CorpusError> {
        let mut files = BTreeMap::new();
        walk(root, root, 0, &mut files)?;
        Corpus::from_files(files)
    }

    /// Builds a corpus from `relative path -> text` (`/`-separated paths).
    /// Directories without a `manifest.toml` (such as `bmc/`) are ignored.
    ///
    /// # Errors
    /// [`CorpusError::Manifest`] for a manifest that does not parse,
    /// [`CorpusError::Invalid`] listing every broken rule.
    pub fn from_files(files: BTreeMap<String, String>) -> Result<Corpus, CorpusError> {
        let mut profiles = Vec::new();
        let mut cases = Vec::new();
        let mut problems = Vec::new();
        for (path, text) in &files {
            let Some(dir) = path.strip_suffix("/manifest.toml") else { continue };
            if dir.contains('/') {
                continue;
            }
            let raw: RawManifest = toml::from_str(text).map_err(|e| CorpusError::Manifest { path: path.clone(), message: e.to_string() })?;
            if raw.profile != dir {
                problems.push(format!("{path}: profile {:?} does not match its directory", raw.profile));
            }
            for rc in raw.case {
                match normalize(dir, rc) {
                    Ok(c) => cases.push(c),
                    Err(p) => problems.push(format!("{path}: {p}")),
                }
            }
            profiles.push(Profile {
                name: raw.profile,
                description: raw.description,
                unimplemented_when: raw.unimplemented_when,
                vars: raw.vars,
                namespaces: raw.namespaces,
            });
        }
        let partials: BTreeMap<String, String> =
            files.iter().filter_map(|(p, t)| Some((p.strip_prefix(PARTIALS)?.strip_suffix(".xml")?.to_owned(), t.clone()))).collect();
        let mut templates = BTreeMap::new();
        for (path, text) in files.iter().filter(|(p, _)| p.ends_with(".xml") && !p.starts_with(PARTIALS)) {
            match super::partial::expand(text, &partials) {
                Ok(t) => {
                    templates.insert(path.clone(), t);
                }
                Err(e) => problems.push(format!("{path}: {e}")),
            }
        }
        problems.extend(check_cases(&cases, &templates, &profiles));
        let waivers = match files.get("waivers.toml") {
            Some(t) => Waivers::parse(t).map_err(|m| CorpusError::Manifest { path: "waivers.toml".into(), message: m })?,
            None => Waivers::default(),
        };
        if !problems.is_empty() {
            return Err(CorpusError::Invalid(problems));
        }
        let digest = digest(&files);
        Ok(Corpus { profiles, cases, templates, waivers, coverage: files.get("coverage.toml").cloned(), digest })
    }

    /// The profile named `name`.
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.name == name)
    }

    /// The case with id `id`.
    pub fn case(&self, id: &str) -> Option<&Case> {
        self.cases.iter().find(|c| c.id == id)
    }

    /// The template of `step` of `case`.
    pub fn template(&self, case: &Case, step: &Step) -> Option<&str> {
        self.templates.get(&format!("{}/{}", case.profile, step.template)).map(String::as_str)
    }
}

fn normalize(profile: &str, rc: RawCase) -> Result<Case, String> {
    let id = format!("{profile}/{}", rc.id);
    let steps = if rc.step.is_empty() {
        vec![Step {
            template: rc.template.unwrap_or_else(|| format!("{}.xml", rc.id)),
            raw: rc.raw,
            vars: BTreeMap::new(),
            http: rc.http,
            expect: rc.expect,
            capture: rc.capture,
            repeat: rc.repeat,
            asserts: rc.asserts,
        }]
    } else {
        let has_single = rc.template.is_some()
            || rc.raw
            || !rc.asserts.is_empty()
            || !rc.capture.is_empty()
            || rc.repeat.is_some()
            || rc.expect != Expect::default()
            || rc.http != HttpOptions::default();
        if has_single {
            return Err(format!("case {id}: steps and case-level template/expect/assert/capture/http are exclusive"));
        }
        rc.step
    };
    let profiles = if rc.profiles.is_empty() { vec![profile.to_owned()] } else { rc.profiles };
    Ok(Case {
        id,
        title: rc.title,
        profile: profile.to_owned(),
        profiles,
        clause: rc.clause,
        rules: rc.rules,
        headers: rc.headers,
        exclusive: rc.exclusive,
        vars: rc.vars,
        roles: rc.roles,
        fragments: BTreeMap::new(),
        min_instances: rc.min_instances,
        steps,
    })
}

fn check_cases(cases: &[Case], templates: &BTreeMap<String, String>, profiles: &[Profile]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut ids = BTreeSet::new();
    let mut used = BTreeSet::new();
    for c in cases {
        if !ids.insert(c.id.as_str()) {
            problems.push(format!("duplicate case id {}", c.id));
        }
        if c.clause.trim().is_empty() {
            problems.push(format!("{}: empty clause", c.id));
        }
        for h in &c.headers {
            if !(h.starts_with('+') || h.starts_with('-')) {
                problems.push(format!("{}: header {h:?} must start with + or -", c.id));
            }
        }
        for (i, s) in c.steps.iter().enumerate() {
            let path = format!("{}/{}", c.profile, s.template);
            if !templates.contains_key(&path) {
                problems.push(format!("{} step {}: template {path} not found", c.id, i + 1));
            }
            used.insert(path);
            problems.extend(check_step(&c.id, i + 1, s));
        }
        problems.extend(check_roles(c, templates, profiles));
    }
    let manifest_dirs: BTreeSet<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
    for t in templates.keys() {
        let top = t.split('/').next().unwrap_or("");
        if manifest_dirs.contains(top) && !used.contains(t) {
            problems.push(format!("template {t} is used by no case"));
        }
    }
    problems
}

/// The names of the `{{name}}` / `{{name | default}}` placeholders of `text`
/// (includes, `{{> ...}}`, are not placeholders).
fn placeholders(text: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = text;
    // Each iteration consumes one `{{`, so the loop is bounded by the text length.
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let inner = &after[..end];
        if !inner.starts_with('>') {
            names.push(inner.split('|').next().unwrap_or("").trim());
        }
        rest = &after[end + 2..];
    }
    names
}

/// The target role a variable name belongs to (`keyed.class` -> `keyed`).
pub(crate) fn role_of(name: &str) -> Option<&'static str> {
    let head = name.split_once('.')?.0;
    crate::target::ROLES.iter().copied().find(|r| *r == head)
}

/// A case's roles are known names, and every role variable the case uses
/// (in its templates, variables, expectations, assertions, captures, and the
/// profile variables these name) belongs to a role it declares.
fn check_roles(c: &Case, templates: &BTreeMap<String, String>, profiles: &[Profile]) -> Vec<String> {
    let mut p = Vec::new();
    for r in &c.roles {
        if !crate::target::ROLES.contains(&r.as_str()) {
            p.push(format!("{}: unknown role {r:?} (one of {})", c.id, crate::target::ROLES.join(", ")));
        }
    }
    if c.min_instances.is_some() && !c.roles.iter().any(|r| r == "keyed") {
        p.push(format!("{}: min_instances needs roles = [\"keyed\"]", c.id));
    }
    let profile_vars = profiles.iter().find(|pr| pr.name == c.profile).map(|pr| &pr.vars);
    // A name the case or a step defines is not the profile's (its value is scanned itself).
    let own = |name: &str| c.vars.contains_key(name) || c.steps.iter().any(|s| s.vars.contains_key(name));
    let mut texts: Vec<&str> = c.vars.values().map(String::as_str).collect();
    for s in &c.steps {
        if let Some(t) = templates.get(&format!("{}/{}", c.profile, s.template)) {
            texts.push(t);
        }
        texts.extend(s.vars.values().map(String::as_str));
        texts.extend(s.capture.values().map(String::as_str));
        texts.extend(s.expect.action.as_deref());
        texts.extend(s.repeat.as_ref().map(|r| r.until.as_str()));
        for a in &s.asserts {
            texts.push(&a.xpath);
            texts.extend(a.equals.as_deref());
            texts.extend(a.matches.as_deref());
        }
    }
    let mut undeclared = BTreeSet::new();
    let mut used = BTreeSet::new();
    let mut seen = BTreeSet::new();
    // Follow profile variables a bounded number of levels (they may name each other).
    for _ in 0..8 {
        let mut next = Vec::new();
        for t in texts.drain(..) {
            for name in placeholders(t) {
                if let Some(role) = role_of(name) {
                    used.insert(role);
                    if !c.roles.iter().any(|r| r == role) {
                        undeclared.insert(role);
                    }
                } else if let Some(v) = profile_vars.and_then(|m| m.get(name)).filter(|_| !own(name) && seen.insert(name.to_owned())) {
                    next.push(v.as_str());
                }
            }
        }
        if next.is_empty() {
            break;
        }
        texts = next;
    }
    for role in undeclared {
        p.push(format!("{}: uses {{{{{role}.…}}}} without roles = [\"{role}\"]", c.id));
    }
    // A declared role the case does not use would SKIP it for nothing.
    for role in c.roles.iter().filter(|r| role_of(&format!("{r}.")).is_some() && !used.contains(r.as_str())) {
        p.push(format!("{}: declares role {role:?} but uses none of its variables", c.id));
    }
    p
}

fn check_step(id: &str, n: usize, s: &Step) -> Vec<String> {
    let mut p = Vec::new();
    let e = &s.expect;
    if e.action.is_some() && (e.fault.is_some() || !e.transport.is_empty()) {
        p.push(format!("{id} step {n}: expect.action excludes fault/transport"));
    }
    if e.either && (e.fault.is_some() || e.action.is_some() || !e.transport.is_empty()) {
        p.push(format!("{id} step {n}: expect.either excludes the other expectations"));
    }
    if let Some(r) = &s.repeat {
        if r.max == 0 || r.max > 1000 {
            p.push(format!("{id} step {n}: repeat.max must be 1..=1000"));
        }
    }
    for a in &s.asserts {
        let kinds = [a.equals.is_some(), a.matches.is_some(), a.count.is_some(), a.min.is_some() || a.max.is_some()];
        if kinds.iter().filter(|k| **k).count() != 1 {
            p.push(format!("{id} step {n}: assertion {:?} needs exactly one of equals, matches, count, min/max", a.xpath));
        }
    }
    if let Some(enc) = &s.http.encoding {
        if !matches!(enc.as_str(), "utf-8" | "utf-16le") {
            p.push(format!("{id} step {n}: unknown encoding {enc:?}"));
        }
    }
    if let Some(a) = &s.http.auth {
        if !matches!(a.as_str(), "basic" | "none" | "wrong") {
            p.push(format!("{id} step {n}: unknown auth {a:?}"));
        }
    }
    p
}

fn collect_embedded(dir: &Dir<'static>, out: &mut BTreeMap<String, String>) {
    for f in dir.files() {
        let path = f.path().to_string_lossy().replace('\\', "/");
        if let Some(text) = f.contents_utf8() {
            out.insert(path, text.to_owned());
        }
    }
    for d in dir.dirs() {
        collect_embedded(d, out);
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> CorpusError + '_ {
    move |source| CorpusError::Io { path: path.to_owned(), source }
}

fn walk(root: &Path, dir: &Path, depth: usize, out: &mut BTreeMap<String, String>) -> Result<(), CorpusError> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir).map_err(io(dir))?.collect::<Result<_, _>>().map_err(io(dir))?;
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let path = e.path();
        let ft = e.file_type().map_err(io(&path))?;
        if ft.is_dir() {
            walk(root, &path, depth + 1, out)?;
        } else if ft.is_file() && matches!(path.extension().and_then(|x| x.to_str()), Some("xml" | "toml")) {
            if out.len() >= MAX_FILES {
                return Err(CorpusError::TooLarge);
            }
            let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            let text = std::fs::read_to_string(&path).map_err(io(&path))?;
            out.insert(rel, text);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_covers_paths_and_texts_and_matches_the_directory_copy() {
        let mut a = BTreeMap::new();
        a.insert("core/manifest.toml".to_owned(), "x".to_owned());
        a.insert("core/a.xml".to_owned(), "<a/>".to_owned());
        let d = digest(&a);
        assert_eq!(d.len(), 64);
        assert!(d.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        // sha256sum of `printf 'core/a.xml\0<a/>\0core/manifest.toml\0x\0'`.
        assert_eq!(d, "74b6a4086c4a20dc0aed618df5ef21336dbb0ae2482e2fedda9804b1423516c4");
        let mut b = a.clone();
        b.insert("README.md".to_owned(), "not a corpus file".to_owned());
        assert_eq!(digest(&b), d, "only .xml and .toml files count");
        b.insert("core/a.xml".to_owned(), "<b/>".to_owned());
        assert_ne!(digest(&b), d, "a changed text changes the digest");
        let mut c = a.clone();
        let text = c.remove("core/a.xml").unwrap_or_default();
        c.insert("core/b.xml".to_owned(), text);
        assert_ne!(digest(&c), d, "a renamed file changes the digest");
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus");
        let embedded = Corpus::embedded().expect("embedded corpus");
        let dir = Corpus::from_dir(&root).expect("corpus dir");
        assert_eq!(embedded.digest, dir.digest, "--corpus corpus/ and the built-in copy are the same corpus");
    }

    fn files(manifest: &str, templates: &[(&str, &str)]) -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        m.insert("p/manifest.toml".to_owned(), manifest.to_owned());
        for (k, v) in templates {
            m.insert(format!("p/{k}"), (*v).to_owned());
        }
        m
    }

    #[test]
    fn embedded_corpus_loads_and_has_300_cases() {
        let c = Corpus::embedded().unwrap();
        assert!(c.cases.len() >= 300, "{} cases", c.cases.len());
        assert!(c.profile("core").is_some());
        assert!(c.cases.iter().all(|c| !c.steps.is_empty()));
    }

    #[test]
    fn single_step_case_defaults_its_template() {
        let m = "profile = \"p\"\n[[case]]\nid = \"op/one\"\ntitle = \"t\"\nclause = \"DSP0226 §1\"\n";
        let c = Corpus::from_files(files(m, &[("op/one.xml", "<x/>")])).unwrap();
        assert_eq!(c.cases[0].id, "p/op/one");
        assert_eq!(c.cases[0].steps[0].template, "op/one.xml");
        assert_eq!(c.template(&c.cases[0], &c.cases[0].steps[0]), Some("<x/>"));
    }

    #[test]
    fn partials_are_expanded_on_load_and_their_mistakes_name_the_template() {
        let m = "profile = \"p\"\n[[case]]\nid = \"op/one\"\ntitle = \"t\"\nclause = \"DSP0226 §1\"\n";
        let mut f = files(m, &[("op/one.xml", "<h>\n  {{> hdr action=\"A\"}}\n</h>")]);
        f.insert("partials/hdr.xml".into(), "<a>{{action}}</a>\n<b>{{to}}</b>\n".into());
        let c = Corpus::from_files(f.clone()).unwrap();
        assert_eq!(c.template(&c.cases[0], &c.cases[0].steps[0]), Some("<h>\n  <a>A</a>\n  <b>{{to}}</b>\n</h>"));
        assert!(c.templates.keys().all(|k| !k.starts_with(PARTIALS)), "a partial is not a template");
        f.insert("p/op/one.xml".into(), "{{> hdr acton=\"A\"}}".into());
        let CorpusError::Invalid(p) = Corpus::from_files(f).unwrap_err() else { panic!("not Invalid") };
        assert!(p.iter().any(|e| e.starts_with("p/op/one.xml:") && e.contains("acton")), "{p:?}");
    }

    #[test]
    fn broken_rules_are_all_listed() {
        let m = "profile = \"p\"\n[[case]]\nid = \"op/one\"\ntitle = \"t\"\nclause = \"\"\nheaders = [\"wsa:To\"]\n\
                 [[case.assert]]\nxpath = \"/\"\n";
        let err = Corpus::from_files(files(m, &[("op/orphan.xml", "<x/>")])).unwrap_err();
        let CorpusError::Invalid(p) = err else { panic!("{err}") };
        let text = p.join("\n");
        for needle in ["empty clause", "must start with", "not found", "used by no case", "exactly one of"] {
            assert!(text.contains(needle), "{needle} missing from {text}");
        }
    }

    #[test]
    fn role_variables_need_their_role_declared() {
        let m = "profile = \"p\"\n[vars]\nu = \"{{keyed.resource_uri}}\"\n\
                 [[case]]\nid = \"op/one\"\ntitle = \"t\"\nclause = \"c\"\nvars = { resource_uri = \"{{u}}\" }\n\
                 [[case]]\nid = \"op/two\"\ntitle = \"t\"\nclause = \"c\"\nroles = [\"keyed\", \"keyd\"]\nmin_instances = 2\n\
                 [[case.assert]]\nxpath = \"//m:{{method.class}}\"\ncount = 1\n\
                 [[case]]\nid = \"op/three\"\ntitle = \"t\"\nclause = \"c\"\nroles = [\"singleton\"]\n";
        let t = [("op/one.xml", "<x/>"), ("op/two.xml", "{{keyed.selector_set}}"), ("op/three.xml", "<x>{{singleton.class}}</x>")];
        let CorpusError::Invalid(p) = Corpus::from_files(files(m, &t)).unwrap_err() else { panic!("not Invalid") };
        let text = p.join("\n");
        assert!(text.contains("p/op/one: uses {{keyed.…}} without roles"), "{text}");
        assert!(text.contains("p/op/two: uses {{method.…}}"), "{text}");
        assert!(text.contains("unknown role \"keyd\""), "{text}");
        assert!(!text.contains("op/three"), "{text}");
        assert_eq!(p.len(), 3, "{text}");
    }

    #[test]
    fn unknown_manifest_key_is_an_error() {
        let m = "profile = \"p\"\n[[case]]\nid = \"a\"\ntitle = \"t\"\nclause = \"c\"\nexpct = {}\n";
        assert!(matches!(Corpus::from_files(files(m, &[("a.xml", "<x/>")])), Err(CorpusError::Manifest { .. })));
    }
}
