//! Replay nonces (RFC 8555 §6.5): each one is handed out once and accepted
//! once. They live in the database, so that a nonce one replica handed out
//! is accepted (once) by another; the database's atomic delete decides.
//! They expire after [`NONCE_LIFETIME_SECS`] (a client holding an old one
//! gets `badNonce` and retries with a fresh one, §6.5).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use aws_lc_rs::rand::{SecureRandom, SystemRandom};

use crate::jws::b64encode;
use crate::storage::{Storage, StorageResult};

/// How long a nonce stays good.
pub const NONCE_LIFETIME_SECS: i64 = 3600;
/// Every this many nonces issued, the expired ones are deleted.
const PRUNE_EVERY: u64 = 4096;

pub struct NonceStore {
    storage: Arc<dyn Storage>,
    issued: AtomicU64,
    rng: SystemRandom,
}

impl NonceStore {
    pub fn new(storage: Arc<dyn Storage>) -> NonceStore {
        NonceStore {
            storage,
            issued: AtomicU64::new(0),
            rng: SystemRandom::new(),
        }
    }

    /// A fresh nonce, 128 random bits, base64url (§6.5.1), recorded at `now`
    /// (unix seconds).
    pub fn issue(&self, now: i64) -> StorageResult<String> {
        let mut raw = [0u8; 16];
        self.rng.fill(&mut raw).expect("the system RNG works");
        let nonce = b64encode(&raw);
        self.storage.insert_nonce(&nonce, now)?;
        if self.issued.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.storage.prune_nonces(now - NONCE_LIFETIME_SECS)?;
        }
        Ok(nonce)
    }

    /// True once per nonce issued (by any replica) in the last hour; false
    /// for replays, strangers and expired ones.
    pub fn consume(&self, nonce: &str, now: i64) -> StorageResult<bool> {
        self.storage.consume_nonce(nonce, now - NONCE_LIFETIME_SECS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::SqliteStorage;

    #[test]
    fn a_nonce_is_good_once() {
        let store = NonceStore::new(Arc::new(SqliteStorage::in_memory().unwrap()));
        let n = store.issue(1000).unwrap();
        assert!(store.consume(&n, 1000).unwrap());
        assert!(!store.consume(&n, 1000).unwrap());
        assert!(!store.consume("never-issued", 1000).unwrap());
    }

    #[test]
    fn old_nonces_expire() {
        let store = NonceStore::new(Arc::new(SqliteStorage::in_memory().unwrap()));
        let n = store.issue(1000).unwrap();
        assert!(!store.consume(&n, 1000 + NONCE_LIFETIME_SECS + 1).unwrap());
    }

    #[test]
    fn a_nonce_from_one_handle_is_good_once_through_another() {
        // Two stores over one database: what two replicas are.
        let db: Arc<dyn Storage> = Arc::new(SqliteStorage::in_memory().unwrap());
        let a = NonceStore::new(Arc::clone(&db));
        let b = NonceStore::new(db);
        let n = a.issue(1000).unwrap();
        assert!(b.consume(&n, 1000).unwrap());
        assert!(!a.consume(&n, 1000).unwrap());
    }
}
