//! Small ordered collections for the routing hot path: a queue's waiting
//! entries and its ready agents. Both are sorted double-ended vectors.
//!
//! Their use is queue-like: a new waiting entry has the latest arrival key and
//! goes at the back, the head is served first; an agent who becomes ready is
//! usually the latest ready (longest-available routing) and the head is
//! offered first. A sorted `VecDeque` makes those ends cheap (no node to
//! allocate or rebalance), finds anything else by binary search, and shifts
//! the shorter side on an insert or removal in the middle. They serialize
//! exactly as `BTreeMap` and `BTreeSet` do, so snapshots are unchanged.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An ordered map with unique keys, smallest first.
#[derive(Clone, PartialEq, Eq)]
pub struct SortedMap<K, V> {
    items: VecDeque<(K, V)>,
}

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        SortedMap {
            items: VecDeque::new(),
        }
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    fn find(&self, key: &K) -> Result<usize, usize> {
        // Most inserts are at the back: check it before searching.
        match self.items.back() {
            Some((last, _)) if last < key => Err(self.items.len()),
            _ => self.items.binary_search_by(|(k, _)| k.cmp(key)),
        }
    }

    /// Inserts or replaces; returns the value replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.items[i].1, value)),
            Err(i) if i == self.items.len() => {
                self.items.push_back((key, value));
                None
            }
            Err(i) => {
                self.items.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove(&mut self, key: &K) -> Option<V> {
        match self.items.front() {
            Some((first, _)) if first == key => self.items.pop_front().map(|(_, v)| v),
            _ => {
                let i = self.find(key).ok()?;
                self.items.remove(i).map(|(_, v)| v)
            }
        }
    }

    pub fn get(&self, key: &K) -> Option<&V> {
        self.find(key).ok().map(|i| &self.items[i].1)
    }

    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.find(key).ok().map(|i| &mut self.items[i].1)
    }

    pub fn contains_key(&self, key: &K) -> bool {
        self.find(key).is_ok()
    }

    /// The entries with keys below `key`, in order.
    pub fn before(&self, key: &K) -> impl DoubleEndedIterator<Item = (&K, &V)> {
        let end = self.items.partition_point(|(k, _)| k < key);
        self.items.range(..end).map(|(k, v)| (k, v))
    }
}

impl<K, V> SortedMap<K, V> {
    pub fn first_key_value(&self) -> Option<(&K, &V)> {
        self.items.front().map(|(k, v)| (k, v))
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> + Clone {
        self.items.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> {
        self.items.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> {
        self.items.iter().map(|(_, v)| v)
    }

    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut V> {
        self.items.iter_mut().map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn clear(&mut self) {
        self.items.clear();
    }

    /// Removes and returns the entry with the smallest key.
    pub fn pop_first(&mut self) -> Option<(K, V)> {
        self.items.pop_front()
    }

    /// Keeps only the entries `keep` says yes to.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.items.retain_mut(|(k, v)| keep(k, v));
    }
}

impl<'a, K, V> IntoIterator for &'a SortedMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<
        std::collections::vec_deque::Iter<'a, (K, V)>,
        fn(&'a (K, V)) -> (&'a K, &'a V),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter().map(|(k, v)| (k, v))
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for SortedMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        // Through a BTreeMap: sorted, and a repeated key keeps its last value.
        let map: BTreeMap<K, V> = iter.into_iter().collect();
        SortedMap {
            items: map.into_iter().collect(),
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for SortedMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Serialize, V: Serialize> Serialize for SortedMap<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Deserialize<'de> for SortedMap<K, V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<K, V>::deserialize(d)?;
        Ok(SortedMap {
            items: map.into_iter().collect(),
        })
    }
}

/// An ordered set, smallest first: a [`SortedMap`] of keys alone.
#[derive(Clone, PartialEq, Eq)]
pub struct SortedSet<T> {
    map: SortedMap<T, ()>,
}

impl<T> Default for SortedSet<T> {
    fn default() -> Self {
        SortedSet {
            map: SortedMap::default(),
        }
    }
}

impl<T: Ord> SortedSet<T> {
    /// Adds `value`; `false` if it was there.
    pub fn insert(&mut self, value: T) -> bool {
        self.map.insert(value, ()).is_none()
    }

    /// Removes `value`; `false` if it was not there.
    pub fn remove(&mut self, value: &T) -> bool {
        self.map.remove(value).is_some()
    }

    pub fn contains(&self, value: &T) -> bool {
        self.map.contains_key(value)
    }
}

impl<T> SortedSet<T> {
    pub fn first(&self) -> Option<&T> {
        self.map.first_key_value().map(|(k, _)| k)
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> {
        self.map.keys()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn clear(&mut self) {
        self.map.clear();
    }
}

impl<'a, T> IntoIterator for &'a SortedSet<T> {
    type Item = &'a T;
    type IntoIter =
        std::iter::Map<std::collections::vec_deque::Iter<'a, (T, ())>, fn(&'a (T, ())) -> &'a T>;

    fn into_iter(self) -> Self::IntoIter {
        self.map.items.iter().map(|(k, _)| k)
    }
}

impl<T: Ord> FromIterator<T> for SortedSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        SortedSet {
            map: iter.into_iter().map(|v| (v, ())).collect(),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for SortedSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<T: Serialize> Serialize for SortedSet<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de, T: Deserialize<'de> + Ord> Deserialize<'de> for SortedSet<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(BTreeSet::<T>::deserialize(d)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any sequence of operations leaves the map as a BTreeMap would.
        #[test]
        fn map_matches_a_btreemap(ops in proptest::collection::vec((0u8..6, 0u16..64, any::<u32>()), 0..300)) {
            let mut ours = SortedMap::default();
            let mut theirs = BTreeMap::new();
            for (op, k, v) in ops {
                match op {
                    0 | 1 => prop_assert_eq!(ours.insert(k, v), theirs.insert(k, v)),
                    2 => prop_assert_eq!(ours.remove(&k), theirs.remove(&k)),
                    3 => prop_assert_eq!(ours.pop_first(), theirs.pop_first()),
                    4 => {
                        ours.retain(|key, _| key % 3 != k % 3);
                        theirs.retain(|key, _| key % 3 != k % 3);
                    }
                    _ => {
                        prop_assert_eq!(ours.get(&k), theirs.get(&k));
                        prop_assert_eq!(ours.before(&k).count(), theirs.range(..k).count());
                    }
                }
                prop_assert_eq!(ours.first_key_value(), theirs.first_key_value());
                prop_assert!(ours.iter().eq(theirs.iter()));
            }
            let json = serde_json::to_string(&ours).unwrap();
            prop_assert_eq!(&json, &serde_json::to_string(&theirs).unwrap());
            let back: SortedMap<u16, u32> = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back, ours);
        }

        /// Any sequence of operations leaves the set as a BTreeSet would.
        #[test]
        fn set_matches_a_btreeset(ops in proptest::collection::vec((0u8..3, 0u16..64), 0..300)) {
            let mut ours = SortedSet::default();
            let mut theirs = BTreeSet::new();
            for (op, v) in ops {
                match op {
                    0 => prop_assert_eq!(ours.insert(v), theirs.insert(v)),
                    1 => prop_assert_eq!(ours.remove(&v), theirs.remove(&v)),
                    _ => prop_assert_eq!(ours.contains(&v), theirs.contains(&v)),
                }
                prop_assert_eq!(ours.first(), theirs.first());
                prop_assert!(ours.iter().eq(theirs.iter()));
            }
            let json = serde_json::to_string(&ours).unwrap();
            prop_assert_eq!(&json, &serde_json::to_string(&theirs).unwrap());
            let back: SortedSet<u16> = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back, ours);
        }
    }
}
