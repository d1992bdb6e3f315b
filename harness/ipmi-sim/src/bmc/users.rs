//! BMC users (IPMI v2.0 §22.26-22.30): a fixed table of user ids, names,
//! passwords (up to 20 bytes) and the LAN channel privilege limit.

use super::Privilege;

/// Number of user ids the BMC offers (ids 1..=MAX_USERS).
pub const MAX_USERS: u8 = 10;

/// One user slot.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct User {
    /// Name (at most 16 bytes); user 1 has the null name.
    pub name: String,
    /// Password bytes (at most 20).
    pub password: Vec<u8>,
    /// Privilege limit on the LAN channel.
    pub privilege: Option<Privilege>,
    /// Whether the user may log in.
    pub enabled: bool,
}

/// The user table; index 0 is user id 1.
#[derive(Clone, Debug)]
pub struct Users {
    slots: Vec<User>,
}

impl Users {
    /// A table with user 1 (null name, disabled) and the given users as
    /// administrators from id 2 on. Names longer than 16 or passwords longer
    /// than 20 bytes are truncated; users beyond the table size are dropped.
    pub fn new(users: &[(String, String)]) -> Users {
        let mut slots = vec![User::default(); usize::from(MAX_USERS)];
        for (slot, (name, pass)) in slots.iter_mut().skip(1).zip(users) {
            let n = name.as_bytes();
            let p = pass.as_bytes();
            *slot = User {
                name: String::from_utf8_lossy(&n[..n.len().min(16)]).into_owned(),
                password: p[..p.len().min(20)].to_vec(),
                privilege: Some(Privilege::Admin),
                enabled: true,
            };
        }
        Users { slots }
    }

    /// The slot of user `id` (1-based).
    pub fn get(&self, id: u8) -> Option<&User> {
        self.slots.get(usize::from(id).checked_sub(1)?)
    }

    /// Mutable slot of user `id`.
    pub fn get_mut(&mut self, id: u8) -> Option<&mut User> {
        self.slots.get_mut(usize::from(id).checked_sub(1)?)
    }

    /// Finds an enabled user by name (the null name never matches).
    pub fn lookup(&self, name: &[u8]) -> Option<(u8, &User)> {
        if name.is_empty() {
            return None;
        }
        self.slots
            .iter()
            .enumerate()
            .find(|(_, u)| u.enabled && u.name.as_bytes() == name)
            .map(|(i, u)| ((i + 1) as u8, u))
    }

    /// Number of enabled users.
    pub fn enabled_count(&self) -> u8 {
        self.slots.iter().filter(|u| u.enabled).count() as u8
    }

    /// All slots, id order.
    pub fn all(&self) -> impl Iterator<Item = (u8, &User)> {
        self.slots
            .iter()
            .enumerate()
            .map(|(i, u)| ((i + 1) as u8, u))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_by_name() {
        let u = Users::new(&[
            ("admin".into(), "secret".into()),
            ("ops".into(), "x".repeat(30)),
        ]);
        let (id, user) = u.lookup(b"admin").expect("admin");
        assert_eq!(id, 2);
        assert_eq!(user.password, b"secret");
        assert_eq!(u.lookup(b"ops").expect("ops").1.password.len(), 20);
        assert!(u.lookup(b"").is_none());
        assert!(u.lookup(b"nobody").is_none());
        assert_eq!(u.enabled_count(), 2);
    }
}
