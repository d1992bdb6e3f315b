//! The System Event Log (IPMI v2.0 §31): 16-byte records, reservations, time.

/// One SEL record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelRecord {
    /// Record id (bytes 0-1 of the record).
    pub id: u16,
    /// The full 16-byte record, id included.
    pub bytes: [u8; 16],
}

impl SelRecord {
    /// Record type (02h = system event).
    pub fn record_type(&self) -> u8 {
        self.bytes[2]
    }
    /// Timestamp (seconds since 1970) for timestamped record types.
    pub fn timestamp(&self) -> u32 {
        u32::from_le_bytes([self.bytes[3], self.bytes[4], self.bytes[5], self.bytes[6]])
    }
    /// Sensor type of a system event record.
    pub fn sensor_type(&self) -> u8 {
        self.bytes[10]
    }
    /// Sensor number of a system event record.
    pub fn sensor_number(&self) -> u8 {
        self.bytes[11]
    }
    /// True for a deassertion event.
    pub fn is_deassertion(&self) -> bool {
        self.bytes[12] & 0x80 != 0
    }
    /// Event offset (event data 1, low nibble).
    pub fn offset(&self) -> u8 {
        self.bytes[13] & 0x0F
    }
}

/// Capacity of the SEL in records.
pub const SEL_CAPACITY: usize = 512;

/// The SEL store.
#[derive(Clone, Debug, Default)]
pub struct Sel {
    records: Vec<SelRecord>,
    next_id: u16,
    /// Current reservation id (0 = none granted yet).
    pub reservation: u16,
    /// Timestamp of the last addition.
    pub last_add: u32,
    /// Timestamp of the last erase.
    pub last_erase: u32,
    /// Records ever added (erases and deletions do not lower it).
    added: u64,
}

impl Sel {
    /// All records, oldest first.
    pub fn records(&self) -> &[SelRecord] {
        &self.records
    }

    /// How many records were ever added. An observer that remembers this
    /// count finds the records added since: the last `added() - seen` of
    /// [`Sel::records`] (fewer if some were deleted since).
    pub fn added(&self) -> u64 {
        self.added
    }

    /// Appends a record, assigning its id (bytes 0-1 are overwritten);
    /// `None` when the SEL is full.
    pub fn add(&mut self, mut bytes: [u8; 16], timestamp: u32) -> Option<u16> {
        if self.records.len() >= SEL_CAPACITY {
            return None;
        }
        self.next_id = match self.next_id {
            0 | 0xFFFE.. => 1,
            n => n + 1,
        };
        let id = self.next_id;
        bytes[0..2].copy_from_slice(&id.to_le_bytes());
        if bytes[2] < 0xE0 {
            // timestamped record types carry the SEL time of the addition
            bytes[3..7].copy_from_slice(&timestamp.to_le_bytes());
        }
        self.records.push(SelRecord { id, bytes });
        self.last_add = timestamp;
        self.added += 1;
        Some(id)
    }

    /// A new reservation id (never 0); it cancels the previous one.
    pub fn reserve(&mut self) -> u16 {
        self.reservation = self.reservation.wrapping_add(1).max(1);
        self.reservation
    }

    /// Erases every record.
    pub fn clear(&mut self, timestamp: u32) {
        self.records.clear();
        self.last_erase = timestamp;
    }

    /// Deletes one record; false when absent.
    pub fn delete(&mut self, id: u16) -> bool {
        let before = self.records.len();
        self.records.retain(|r| r.id != id);
        before != self.records.len()
    }

    /// Looks up a record by id (0000h = first, FFFFh = last), with the id of the next one (FFFFh after the last).
    pub fn get(&self, id: u16) -> Option<(&SelRecord, u16)> {
        let idx = match id {
            0x0000 => (!self.records.is_empty()).then_some(0)?,
            0xFFFF => self.records.len().checked_sub(1)?,
            id => self.records.iter().position(|r| r.id == id)?,
        };
        let next = self.records.get(idx + 1).map_or(0xFFFF, |r| r.id);
        Some((&self.records[idx], next))
    }

    /// Free space in bytes.
    pub fn free_bytes(&self) -> u16 {
        ((SEL_CAPACITY - self.records.len()) * 16) as u16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_walk() {
        let mut sel = Sel::default();
        assert!(sel.get(0).is_none());
        let a = sel.add([0x55; 16], 100).expect("room");
        let mut rec = [0u8; 16];
        rec[2] = 0x02;
        let b = sel.add(rec, 200).expect("room");
        assert_ne!(a, b);
        let (first, next) = sel.get(0).expect("first");
        assert_eq!(first.id, a);
        assert_eq!(next, b);
        let (last, next) = sel.get(0xFFFF).expect("last");
        assert_eq!(last.timestamp(), 200);
        assert_eq!(next, 0xFFFF);
        assert!(sel.delete(a));
        assert_eq!(sel.records().len(), 1);
        assert_eq!(sel.added(), 2);
        sel.clear(300);
        assert_eq!(sel.added(), 2, "an erase does not lower the count of additions");
        assert!(sel.records().is_empty());
        assert_eq!(sel.last_erase, 300);
    }

    #[test]
    fn reservations_change() {
        let mut sel = Sel::default();
        let r1 = sel.reserve();
        let r2 = sel.reserve();
        assert_ne!(r1, r2);
        assert_ne!(r1, 0);
    }
}
