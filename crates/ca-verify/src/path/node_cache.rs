//! The path search's caches (signature results and issuer checks), keyed by nodes.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The search's caches are keyed by nodes (small integers the search itself makes, never
/// attacker-chosen), so a multiply-rotate hash does; SipHash's protection is not needed.
#[derive(Default)]
struct NodeHasher(u64);

impl Hasher for NodeHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn write_isize(&mut self, n: isize) {
        self.write_u64(n as u64);
    }
}

type NodeMap<K, V> = HashMap<K, V, BuildHasherDefault<NodeHasher>>;

/// The search's caches: the first entries inline, looked up in order (a usual path needs two
/// or three, and no allocation); past that a hash map, so that a hostile pool of many
/// candidates still costs one hash per lookup.
pub(super) struct NodeCache<K, V> {
    few: smallvec::SmallVec<[(K, V); 4]>,
    many: NodeMap<K, V>,
}

/// Entries kept inline before moving to the hash map.
const INLINE_CACHE: usize = 8;

impl<K: Copy + Eq + std::hash::Hash, V> NodeCache<K, V> {
    pub(super) fn new() -> Self {
        NodeCache {
            few: smallvec::SmallVec::new(),
            many: NodeMap::default(),
        }
    }

    pub(super) fn get(&self, k: &K) -> Option<&V> {
        if self.many.is_empty() {
            self.few.iter().find(|(x, _)| x == k).map(|(_, v)| v)
        } else {
            self.many.get(k)
        }
    }

    pub(super) fn insert(&mut self, k: K, v: V) {
        if self.many.is_empty() {
            if let Some(slot) = self.few.iter_mut().find(|(x, _)| *x == k) {
                slot.1 = v;
                return;
            }
            if self.few.len() < INLINE_CACHE {
                self.few.push((k, v));
                return;
            }
            self.many.extend(self.few.drain(..));
        }
        self.many.insert(k, v);
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.few.iter().map(|(k, v)| (k, v)).chain(self.many.iter())
    }
}

impl<K: Copy + Eq + std::hash::Hash, V> std::ops::Index<&K> for NodeCache<K, V> {
    type Output = V;

    fn index(&self, k: &K) -> &V {
        self.get(k).expect("an entry the search made")
    }
}
