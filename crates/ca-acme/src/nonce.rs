//! Replay nonces (RFC 8555 §6.5): each one is handed out once and accepted
//! once. They live in the database, so that a nonce one replica handed out
//! is accepted (once) by another; the database's atomic delete decides.
//! Each replica records them in batches and hands them out from memory.
//! They expire after [`NONCE_LIFETIME_SECS`] (a client holding an old one
//! gets `badNonce` and retries with a fresh one, §6.5).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use aws_lc_rs::rand::{SecureRandom, SystemRandom};

use crate::jws::b64encode;
use crate::storage::{Storage, StorageResult};

/// How long a nonce stays good.
pub const NONCE_LIFETIME_SECS: i64 = 3600;
/// Every this many batches recorded, the expired nonces are deleted.
const PRUNE_EVERY: u64 = 128;
/// Nonces are recorded this many at a time (one database round trip), then
/// handed out one by one: a request costs no write for its Replay-Nonce.
const BATCH: usize = 32;
/// Recorded nonces not handed out within this long are dropped unused, so
/// that what a client gets has most of its lifetime left.
const BATCH_FRESH_SECS: i64 = 300;

pub struct NonceStore {
    storage: Arc<dyn Storage>,
    /// Recorded and not yet handed out, and when they were recorded.
    ready: Mutex<(Vec<String>, i64)>,
    batches: AtomicU64,
    rng: SystemRandom,
}

impl NonceStore {
    pub fn new(storage: Arc<dyn Storage>) -> NonceStore {
        NonceStore {
            storage,
            ready: Mutex::new((Vec::new(), 0)),
            batches: AtomicU64::new(0),
            rng: SystemRandom::new(),
        }
    }

    /// A fresh nonce, 128 random bits, base64url (§6.5.1), recorded in the
    /// database before it is handed out (`now` in unix seconds).
    pub fn issue(&self, now: i64) -> StorageResult<String> {
        {
            let mut ready = self.ready.lock().expect("nonce lock");
            if now - ready.1 <= BATCH_FRESH_SECS {
                if let Some(nonce) = ready.0.pop() {
                    return Ok(nonce);
                }
            }
        }
        let mut batch: Vec<String> = (0..BATCH).map(|_| self.fresh()).collect();
        self.storage.insert_nonces(&batch, now)?;
        if self.batches.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.storage.prune_nonces(now - NONCE_LIFETIME_SECS)?;
        }
        let nonce = batch.pop().expect("a batch is not empty");
        // Another thread may have recorded a batch meanwhile: keep both.
        let mut ready = self.ready.lock().expect("nonce lock");
        ready.0.extend(batch);
        ready.1 = now;
        Ok(nonce)
    }

    fn fresh(&self) -> String {
        let mut raw = [0u8; 16];
        self.rng.fill(&mut raw).expect("the system RNG works");
        b64encode(&raw)
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
    fn every_nonce_of_several_batches_is_distinct_and_good_once() {
        let store = NonceStore::new(Arc::new(SqliteStorage::in_memory().unwrap()));
        let nonces: Vec<String> = (0..3 * BATCH).map(|_| store.issue(1000).unwrap()).collect();
        let distinct: std::collections::HashSet<&String> = nonces.iter().collect();
        assert_eq!(distinct.len(), nonces.len());
        for n in &nonces {
            assert!(store.consume(n, 1000).unwrap());
            assert!(!store.consume(n, 1000).unwrap());
        }
    }

    #[test]
    fn a_batch_left_unused_for_long_is_not_handed_out() {
        let store = NonceStore::new(Arc::new(SqliteStorage::in_memory().unwrap()));
        store.issue(1000).unwrap();
        let late = 1000 + BATCH_FRESH_SECS + 1;
        let n = store.issue(late).unwrap();
        // Recorded at `late`, not at 1000: still good a lifetime after `late`.
        assert!(store.consume(&n, late + NONCE_LIFETIME_SECS).unwrap());
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
