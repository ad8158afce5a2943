//! Replay nonces (RFC 8555 §6.5): each one is handed out once and accepted
//! once. Kept in memory, bounded: the oldest are forgotten first (a client
//! holding one gets `badNonce` and retries with a fresh one, §6.5).

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

use aws_lc_rs::rand::{SecureRandom, SystemRandom};

use crate::jws::b64encode;

pub struct NonceStore {
    capacity: usize,
    inner: Mutex<(HashSet<String>, VecDeque<String>)>,
    rng: SystemRandom,
}

impl NonceStore {
    pub fn new(capacity: usize) -> NonceStore {
        NonceStore {
            capacity,
            inner: Mutex::new((HashSet::new(), VecDeque::new())),
            rng: SystemRandom::new(),
        }
    }

    /// A fresh nonce: 128 random bits, base64url (§6.5.1).
    pub fn issue(&self) -> String {
        let mut raw = [0u8; 16];
        self.rng.fill(&mut raw).expect("the system RNG works");
        let nonce = b64encode(&raw);
        let mut guard = self.inner.lock().expect("nonce lock");
        let (set, order) = &mut *guard;
        set.insert(nonce.clone());
        order.push_back(nonce.clone());
        while order.len() > self.capacity {
            if let Some(old) = order.pop_front() {
                set.remove(&old);
            }
        }
        nonce
    }

    /// True once per nonce we issued; false for replays and strangers.
    pub fn consume(&self, nonce: &str) -> bool {
        let mut guard = self.inner.lock().expect("nonce lock");
        // The queue keeps the used one until it ages out; the set decides.
        guard.0.remove(nonce)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_good_once() {
        let store = NonceStore::new(4);
        let n = store.issue();
        assert!(store.consume(&n));
        assert!(!store.consume(&n));
        assert!(!store.consume("never-issued"));
    }

    #[test]
    fn the_oldest_nonces_are_forgotten() {
        let store = NonceStore::new(2);
        let first = store.issue();
        store.issue();
        store.issue();
        assert!(!store.consume(&first));
    }
}
