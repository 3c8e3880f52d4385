//! [`IdWindow`]: a map for ids handed out in increasing order, where most
//! entries are removed soon after they are added (tasks, calls). It is a sliding
//! window of slots indexed by `id - base`: constant-time lookup, insert and
//! removal. An entry that lingers far behind the window's front (a callback
//! waiting for days, say) moves to an ordered overflow map, so memory stays
//! proportional to the live entries, not to the span of ids between the oldest
//! and the newest. Iteration is in id order.
//!
//! It serializes as its entries, a sequence of `(id, value)` pairs in id order
//! (engine snapshots, [`crate::engine::snapshot`]); the layout of slots and
//! overflow is rebuilt as the entries come back.

use std::collections::{BTreeMap, VecDeque};
use std::marker::PhantomData;

use serde::de::{Error as _, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An id handed out in increasing order.
pub trait SeqId: Copy + Ord {
    fn seq(self) -> u64;
    fn from_seq(seq: u64) -> Self;
}

impl SeqId for crate::ids::TaskId {
    fn seq(self) -> u64 {
        self.0
    }
    fn from_seq(seq: u64) -> Self {
        crate::ids::TaskId(seq)
    }
}

impl SeqId for crate::ids::CallId {
    fn seq(self) -> u64 {
        self.0
    }
    fn from_seq(seq: u64) -> Self {
        crate::ids::CallId(seq)
    }
}

/// Window length from which lingering entries are moved out of the window...
const COMPACT_FROM: usize = 4096;
/// ...when fewer than one slot in this many is occupied.
const SPARSENESS: usize = 16;

/// A map from increasing ids to values; see the module documentation.
#[derive(Clone)]
pub struct IdWindow<K, V> {
    base: u64,
    /// The front slot is always occupied (or there are none): the slots
    /// empty at the front are dropped as they empty.
    slots: VecDeque<Option<V>>,
    in_window: usize,
    overflow: BTreeMap<u64, V>,
    _key: std::marker::PhantomData<K>,
}

impl<K, V> Default for IdWindow<K, V> {
    fn default() -> Self {
        IdWindow {
            base: 0,
            slots: VecDeque::new(),
            in_window: 0,
            overflow: BTreeMap::new(),
            _key: std::marker::PhantomData,
        }
    }
}

impl<K: SeqId, V> IdWindow<K, V> {
    /// Adds an entry. An id below the window's front (out of order) goes to the
    /// overflow map; an id already present is replaced.
    pub fn insert(&mut self, id: K, value: V) {
        let seq = id.seq();
        if let Some(v) = self.overflow.get_mut(&seq) {
            *v = value;
            return;
        }
        if self.slots.is_empty() && self.in_window == 0 {
            self.base = seq;
        }
        if seq < self.base {
            self.overflow.insert(seq, value);
            return;
        }
        // An id far ahead of the window (ids come from outside: a telephony
        // driver, a client) starts a new window there rather than opening one
        // empty slot for every id in between.
        let end = self.base.saturating_add(self.slots.len() as u64);
        if seq - end.min(seq) > COMPACT_FROM as u64 {
            self.evict_window();
            self.base = seq;
        }
        let ix = (seq - self.base) as usize;
        while self.slots.len() < ix {
            self.slots.push_back(None);
        }
        // Ids mostly arrive in order: the value goes straight into a new slot
        // (one move of a possibly large value, not a placeholder and a swap).
        if ix == self.slots.len() {
            self.slots.push_back(Some(value));
            self.in_window += 1;
        } else if self.slots[ix].replace(value).is_none() {
            self.in_window += 1;
        }
        self.compact();
    }

    /// [`IdWindow::insert`] of the value `make` builds, built in its slot
    /// when the id is the next one (the common case): a value built first
    /// and then moved in is stored on the stack field by field and copied
    /// in wider loads, which stall until those stores reach the cache.
    #[inline]
    pub fn insert_with(&mut self, id: K, make: impl FnOnce() -> V) {
        let seq = id.seq();
        if self.overflow.is_empty()
            && !self.slots.is_empty()
            && seq == self.base.saturating_add(self.slots.len() as u64)
            && self.slots.len() + 1 < COMPACT_FROM
        {
            let mut make = Some(make);
            self.slots
                .resize_with(self.slots.len() + 1, || make.take().map(|f| f()));
            self.in_window += 1;
        } else {
            self.insert(id, make());
        }
    }

    fn slot(&self, seq: u64) -> Option<usize> {
        let ix = seq.checked_sub(self.base)? as usize;
        (ix < self.slots.len()).then_some(ix)
    }

    // An id is either in a window slot or in the overflow map, never both; an id
    // inserted out of order may sit in the overflow within the window's range, so a
    // lookup that finds an empty slot asks the overflow (free while it is empty).

    pub fn get(&self, id: &K) -> Option<&V> {
        let seq = id.seq();
        match self.slot(seq).and_then(|ix| self.slots[ix].as_ref()) {
            Some(v) => Some(v),
            None => self.overflow.get(&seq),
        }
    }

    pub fn get_mut(&mut self, id: &K) -> Option<&mut V> {
        let seq = id.seq();
        match self.slot(seq) {
            Some(ix) if self.slots[ix].is_some() => self.slots[ix].as_mut(),
            _ => self.overflow.get_mut(&seq),
        }
    }

    pub fn contains_key(&self, id: &K) -> bool {
        self.get(id).is_some()
    }

    pub fn remove(&mut self, id: &K) -> Option<V> {
        let seq = id.seq();
        let value = match self.slot(seq) {
            Some(ix) if self.slots[ix].is_some() => {
                let v = self.slots[ix].take()?;
                self.in_window -= 1;
                // Only the front slot's going can leave empty slots in front.
                if ix == 0 {
                    self.trim_front();
                }
                v
            }
            _ => return self.overflow.remove(&seq),
        };
        Some(value)
    }

    /// Removes an entry and drops it where it lies (no copy of a large value out);
    /// whether it was there.
    pub fn delete(&mut self, id: &K) -> bool {
        let seq = id.seq();
        match self.slot(seq) {
            Some(ix) if self.slots[ix].is_some() => {
                self.slots[ix] = None;
                self.in_window -= 1;
                if ix == 0 {
                    self.trim_front();
                }
                true
            }
            _ => self.overflow.remove(&seq).is_some(),
        }
    }

    /// Drops the empty slots at the front of the window.
    fn trim_front(&mut self) {
        let empty = self.slots.iter().take_while(|s| s.is_none()).count();
        if empty > 0 {
            self.slots.drain(..empty);
            self.base += empty as u64;
        }
    }

    /// Moves lingering entries from the front of a sparse window to the overflow map.
    fn compact(&mut self) {
        while self.slots.len() >= COMPACT_FROM && self.in_window * SPARSENESS < self.slots.len() {
            if let Some(Some(v)) = self.slots.pop_front() {
                self.overflow.insert(self.base, v);
                self.in_window -= 1;
            }
            self.base += 1;
            while let Some(None) = self.slots.front() {
                self.slots.pop_front();
                self.base += 1;
            }
        }
    }

    pub fn len(&self) -> usize {
        self.in_window + self.overflow.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every entry, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (K, &V)> {
        let base = self.base;
        let window = self
            .slots
            .iter()
            .enumerate()
            .filter_map(move |(i, v)| Some((K::from_seq(base + i as u64), v.as_ref()?)));
        // Overflow entries are older than the window, except ids inserted out of order.
        let older = self
            .overflow
            .range(..base)
            .map(|(k, v)| (K::from_seq(*k), v));
        let newer = self
            .overflow
            .range(base..)
            .map(|(k, v)| (K::from_seq(*k), v));
        older.chain(merge_sorted(window, newer))
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.iter().map(|(_, v)| v)
    }

    /// Every value, mutably (in no particular order).
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.overflow
            .values_mut()
            .chain(self.slots.iter_mut().filter_map(|v| v.as_mut()))
    }

    /// The number of slots the window spans (for tests of its memory bound).
    pub fn window_len(&self) -> usize {
        self.slots.len()
    }

    /// Appends an entry above every id present (deserialization). A gap wider
    /// than the sparseness allows moves the window's entries to the overflow
    /// first, so ids far apart never open a window of empty slots between them.
    fn push_above(&mut self, id: K, value: V) {
        let end = self.base.saturating_add(self.slots.len() as u64);
        if !self.slots.is_empty() && id.seq().saturating_sub(end) > SPARSENESS as u64 {
            self.evict_window();
        }
        self.insert(id, value);
    }

    /// Moves every entry of the window to the overflow map, leaving no slots.
    fn evict_window(&mut self) {
        let base = self.base;
        for (i, slot) in std::mem::take(&mut self.slots).into_iter().enumerate() {
            if let Some(v) = slot {
                self.overflow.insert(base + i as u64, v);
            }
        }
        self.in_window = 0;
    }
}

/// The entries, as a map in id order (whatever the layout of slots and overflow).
impl<K: SeqId + std::fmt::Debug, V: std::fmt::Debug> std::fmt::Debug for IdWindow<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// The entries, as a sequence of `(id, value)` pairs in id order.
impl<K: SeqId + Serialize, V: Serialize> Serialize for IdWindow<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// From a sequence of `(id, value)` pairs in strictly increasing id order.
impl<'de, K: SeqId + Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de> for IdWindow<K, V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entries<K, V>(PhantomData<(K, V)>);
        impl<'de, K: SeqId + Deserialize<'de>, V: Deserialize<'de>> Visitor<'de> for Entries<K, V> {
            type Value = IdWindow<K, V>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a sequence of [id, value] pairs in increasing id order")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut w = IdWindow::default();
                let mut last: Option<u64> = None;
                while let Some((id, value)) = seq.next_element::<(K, V)>()? {
                    let n = id.seq();
                    if last.is_some_and(|l| n <= l) {
                        return Err(A::Error::custom(format!(
                            "id {n} comes after id {}: ids must increase",
                            last.unwrap_or_default()
                        )));
                    }
                    last = Some(n);
                    w.push_above(id, value);
                }
                Ok(w)
            }
        }
        d.deserialize_seq(Entries(PhantomData))
    }
}

/// Merges two iterators sorted by key.
fn merge_sorted<'a, K: Ord + Copy, V: 'a>(
    a: impl Iterator<Item = (K, &'a V)>,
    b: impl Iterator<Item = (K, &'a V)>,
) -> impl Iterator<Item = (K, &'a V)> {
    let mut a = a.peekable();
    let mut b = b.peekable();
    std::iter::from_fn(move || match (a.peek(), b.peek()) {
        (Some(x), Some(y)) => {
            if x.0 <= y.0 {
                a.next()
            } else {
                b.next()
            }
        }
        (Some(_), None) => a.next(),
        (None, _) => b.next(),
    })
}

impl<K: SeqId, V> std::ops::Index<&K> for IdWindow<K, V> {
    type Output = V;
    fn index(&self, id: &K) -> &V {
        self.get(id).expect("a live entry")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TaskId;

    #[test]
    fn a_lingering_entry_does_not_hold_the_window_open() {
        let mut w: IdWindow<TaskId, u64> = IdWindow::default();
        w.insert(TaskId(1), 1);
        for id in 2..=20_000u64 {
            w.insert(TaskId(id), id);
            assert_eq!(w.remove(&TaskId(id)), Some(id));
        }
        assert!(
            w.window_len() < COMPACT_FROM,
            "window of {} slots",
            w.window_len()
        );
        assert_eq!(w.get(&TaskId(1)), Some(&1));
        assert_eq!(w.remove(&TaskId(1)), Some(1));
        assert!(w.is_empty());
    }

    #[test]
    fn an_id_far_ahead_opens_no_slots_for_the_ids_in_between() {
        let mut w: IdWindow<TaskId, u64> = IdWindow::default();
        w.insert(TaskId(1), 1);
        w.insert(TaskId(2), 2);
        w.insert(TaskId(u64::MAX - 1), 3);
        w.insert(TaskId(1_000_000_000_000), 4);
        w.insert(TaskId(3), 5);
        assert!(w.window_len() <= 2, "window of {} slots", w.window_len());
        let all: Vec<_> = w.iter().map(|(k, v)| (k.0, *v)).collect();
        assert_eq!(
            all,
            [
                (1, 1),
                (2, 2),
                (3, 5),
                (1_000_000_000_000, 4),
                (u64::MAX - 1, 3)
            ]
        );
        assert_eq!(w.remove(&TaskId(u64::MAX - 1)), Some(3));
        assert_eq!(w.get(&TaskId(1_000_000_000_000)), Some(&4));
        assert_eq!(w.len(), 4);
    }

    #[test]
    fn agrees_with_an_ordered_map() {
        let mut w: IdWindow<TaskId, u64> = IdWindow::default();
        let mut model: BTreeMap<u64, u64> = BTreeMap::new();
        let mut x: u64 = 7;
        for id in 1..=30_000u64 {
            w.insert(TaskId(id), id * 10);
            model.insert(id, id * 10);
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            if x % 10 < 9
                && let Some(&victim) = model.keys().nth((x >> 33) as usize % model.len())
            {
                assert_eq!(w.remove(&TaskId(victim)), model.remove(&victim));
            }
            if id % 997 == 0 {
                let got: Vec<(u64, u64)> = w.iter().map(|(k, v)| (k.0, *v)).collect();
                let want: Vec<(u64, u64)> = model.iter().map(|(k, v)| (*k, *v)).collect();
                assert_eq!(got, want);
            }
        }
        assert_eq!(w.len(), model.len());
        assert!(w.get(&TaskId(0)).is_none());
        assert!(w.get(&TaskId(30_001)).is_none());
        // Emptied in any order, the window holds no slot.
        let mut left: Vec<u64> = model.keys().copied().collect();
        left.reverse();
        let third = left.len() / 3;
        left.rotate_left(third);
        for id in left {
            assert!(w.delete(&TaskId(id)));
        }
        assert_eq!((w.len(), w.window_len()), (0, 0));
    }

    /// `insert_with` builds in place when it can and otherwise inserts: the
    /// window it leaves is exactly `insert`'s, over the next ids, ids out of
    /// order, ids far ahead, ids present again, removals and compaction.
    #[test]
    fn insert_with_leaves_what_insert_leaves() {
        let mut a: IdWindow<TaskId, u64> = IdWindow::default();
        let mut b: IdWindow<TaskId, u64> = IdWindow::default();
        let mut present: Vec<u64> = Vec::new();
        let mut x: u64 = 11;
        let mut next = 1u64;
        let mut in_place = 0;
        for step in 0..40_000u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let id = match (x >> 40) % 1_000 {
                0..=9 => next.saturating_sub((x >> 20) % 50),
                10 => next + 5_000,
                11 | 12 => (x >> 8) % next.max(1),
                _ => next,
            };
            let fast = b.overflow.is_empty() && id == b.base + b.slots.len() as u64;
            next = next.max(id + 1);
            a.insert(TaskId(id), step);
            b.insert_with(TaskId(id), || step);
            in_place += fast as u32;
            present.push(id);
            // Removals keep about a hundred entries, the oldest and the
            // newest alike, so that the overflow empties now and then.
            while present.len() > 100 {
                let i = (x >> 16) as usize % present.len();
                let victim = TaskId(present.swap_remove(i));
                assert_eq!(a.remove(&victim), b.remove(&victim));
            }
            if step % 1_000 == 0 {
                assert!(a.iter().eq(b.iter()), "step {step}");
            }
            assert_eq!((a.len(), a.window_len()), (b.len(), b.window_len()));
        }
        assert!(a.iter().eq(b.iter()));
        assert!(in_place > 10_000, "{in_place}");
    }

    #[test]
    fn a_window_restarting_below_the_overflow_still_finds_everything() {
        // The sequence the engine's property test found: 5, 2 (out of order), 5 leaves, 0, 3.
        let mut w: IdWindow<TaskId, u64> = IdWindow::default();
        for id in [5, 2] {
            w.insert(TaskId(id), id);
        }
        assert_eq!(w.remove(&TaskId(5)), Some(5));
        for id in [0, 3] {
            w.insert(TaskId(id), id);
        }
        for id in [0, 2, 3] {
            assert_eq!(w.get(&TaskId(id)), Some(&id), "id {id}");
        }
        let got: Vec<u64> = w.iter().map(|(k, _)| k.0).collect();
        assert_eq!(got, vec![0, 2, 3]);
        w.insert(TaskId(2), 22);
        assert_eq!(w.len(), 3);
        assert_eq!(w.remove(&TaskId(2)), Some(22));
        assert_eq!(w.get(&TaskId(2)), None);
    }

    #[test]
    fn serializes_as_its_entries_and_comes_back_without_opening_gaps() {
        let mut w: IdWindow<TaskId, u64> = IdWindow::default();
        for id in [3, 4, 9] {
            w.insert(TaskId(id), id * 2);
        }
        w.insert(TaskId(1), 2); // out of order: in the overflow
        let json = serde_json::to_string(&w).expect("serializes");
        assert_eq!(json, "[[1,2],[3,6],[4,8],[9,18]]");
        let back: IdWindow<TaskId, u64> = serde_json::from_str(&json).expect("parses");
        let got: Vec<(u64, u64)> = back.iter().map(|(k, v)| (k.0, *v)).collect();
        assert_eq!(got, vec![(1, 2), (3, 6), (4, 8), (9, 18)]);
        // Ids far apart (a callback waiting for days among new calls) open no
        // window of empty slots between them.
        let far = "[[1,1],[2,2],[1000000000000,3],[1000000000002,4]]";
        let mut back: IdWindow<TaskId, u64> = serde_json::from_str(far).expect("parses");
        assert!(back.window_len() <= 3, "{} slots", back.window_len());
        assert_eq!(serde_json::to_string(&back).expect("serializes"), far);
        for (id, v) in [
            (1, 1),
            (2, 2),
            (1_000_000_000_000, 3),
            (1_000_000_000_002, 4),
        ] {
            assert_eq!(back.get(&TaskId(id)), Some(&v), "id {id}");
        }
        back.insert(TaskId(1_000_000_000_003), 5);
        assert_eq!(back.remove(&TaskId(1)), Some(1));
        assert_eq!(back.len(), 4);
        for bad in ["[[2,0],[1,0]]", "[[1,0],[1,0]]", "{}", "[[1]]"] {
            assert!(
                serde_json::from_str::<IdWindow<TaskId, u64>>(bad).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn ids_out_of_order_still_work() {
        let mut w: IdWindow<TaskId, u64> = IdWindow::default();
        w.insert(TaskId(100), 100);
        w.insert(TaskId(5), 5);
        w.insert(TaskId(101), 101);
        let got: Vec<u64> = w.iter().map(|(k, _)| k.0).collect();
        assert_eq!(got, vec![5, 100, 101]);
        assert_eq!(w.remove(&TaskId(5)), Some(5));
        assert_eq!(w.len(), 2);
    }
}
