//! The in-memory file tree that `cd`, `dir` and `type` walk. Nothing here
//! touches the host's file system.
//!
//! Paths are Windows paths (`C:\Users\alice`); names compare without regard to
//! case, as NTFS does, and keep the case they were created with for display.

use std::collections::BTreeMap;

/// One node of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A directory: its entries keyed by lower-case name, each with its display name.
    Dir(BTreeMap<String, (String, Node)>),
    /// A file and its bytes.
    File(Vec<u8>),
}

/// A drive `C:` holding directories and files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FsTree {
    root: Node,
}

impl Default for FsTree {
    fn default() -> Self {
        FsTree { root: Node::Dir(BTreeMap::new()) }
    }
}

fn components(path: &str) -> impl Iterator<Item = &str> {
    path.split(['\\', '/']).filter(|c| !c.is_empty())
}

impl FsTree {
    /// The tree of a freshly installed host with one profile for `user`:
    /// `C:\Windows\System32`, `C:\Program Files`, `C:\Temp` and
    /// `C:\Users\<user>` with `Desktop`, `Documents` and `hello.txt`.
    pub fn for_user(user: &str) -> Self {
        let profile = format!("C:\\Users\\{user}");
        FsTree::default()
            .with_dir("C:\\Program Files")
            .with_dir("C:\\Temp")
            .with_dir("C:\\Windows\\System32")
            .with_dir(&format!("{profile}\\Desktop"))
            .with_dir(&format!("{profile}\\Documents"))
            .with_file(&format!("{profile}\\hello.txt"), b"Hello from the simulated host.\r\n".to_vec())
    }

    fn node_mut(&mut self, path: &str, create_last_as_dir: bool) -> Option<&mut Node> {
        let mut node = &mut self.root;
        let parts: Vec<&str> = components(strip_drive(path)).collect();
        for (i, part) in parts.iter().enumerate() {
            let Node::Dir(entries) = node else { return None };
            let is_last = i + 1 == parts.len();
            if !is_last || create_last_as_dir {
                let entry = entries.entry(part.to_lowercase()).or_insert_with(|| (part.to_string(), Node::Dir(BTreeMap::new())));
                node = &mut entry.1;
            } else {
                node = &mut entries.get_mut(&part.to_lowercase())?.1;
            }
        }
        Some(node)
    }

    /// Adds a directory and its missing parents.
    pub fn with_dir(mut self, path: &str) -> Self {
        self.node_mut(path, true);
        self
    }

    /// Adds a file (and its missing parent directories); replaces a file of that name.
    pub fn with_file(mut self, path: &str, content: Vec<u8>) -> Self {
        let trimmed = strip_drive(path).trim_end_matches(['\\', '/']);
        let (parent, name) = match trimmed.rfind(['\\', '/']) {
            Some(i) => (&trimmed[..i], &trimmed[i + 1..]),
            None => ("", trimmed),
        };
        if name.is_empty() {
            return self;
        }
        if let Some(Node::Dir(entries)) = self.node_mut(parent, true) {
            entries.insert(name.to_lowercase(), (name.to_string(), Node::File(content)));
        }
        self
    }

    /// Resolves `arg` against the working directory `cwd` (absolute, relative,
    /// `\`-rooted, `.` and `..`) to the canonical path of an existing node,
    /// spelled with the names' display case.
    pub fn resolve(&self, cwd: &str, arg: &str) -> Option<(String, &Node)> {
        let arg = arg.trim();
        let mut parts: Vec<String> = Vec::new();
        let rest = if has_drive(arg) {
            &arg[2..]
        } else if arg.starts_with(['\\', '/']) {
            arg
        } else {
            parts.extend(components(strip_drive(cwd)).map(str::to_string));
            arg
        };
        for c in components(rest) {
            match c {
                "." => {}
                ".." => {
                    parts.pop();
                }
                other => parts.push(other.to_string()),
            }
        }
        let mut node = &self.root;
        let mut canonical = String::from("C:");
        for part in &parts {
            let Node::Dir(entries) = node else { return None };
            let (display, child) = entries.get(&part.to_lowercase())?;
            canonical.push('\\');
            canonical.push_str(display);
            node = child;
        }
        if parts.is_empty() {
            canonical.push('\\');
        }
        Some((canonical, node))
    }
}

fn has_drive(path: &str) -> bool {
    let b = path.as_bytes();
    b.len() >= 2 && b[1] == b':' && b[0].is_ascii_alphabetic()
}

fn strip_drive(path: &str) -> &str {
    if has_drive(path) {
        &path[2..]
    } else {
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_absolute_and_dotdot_case_insensitively() {
        let fs = FsTree::for_user("alice");
        let home = "C:\\Users\\alice";
        assert_eq!(fs.resolve(home, "desktop").map(|r| r.0), Some("C:\\Users\\alice\\Desktop".to_string()));
        assert_eq!(fs.resolve(home, "..\\..\\windows\\system32").map(|r| r.0), Some("C:\\Windows\\System32".to_string()));
        assert_eq!(fs.resolve(home, "\\").map(|r| r.0), Some("C:\\".to_string()));
        assert_eq!(fs.resolve(home, "c:/temp").map(|r| r.0), Some("C:\\Temp".to_string()));
        assert!(fs.resolve(home, "nowhere").is_none());
        assert!(matches!(fs.resolve(home, "HELLO.TXT"), Some((_, Node::File(_)))));
        assert!(fs.resolve(home, "hello.txt\\x").is_none());
    }
}
