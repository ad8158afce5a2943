//! Where the ACME state lives, behind one trait so that SQLite (the
//! default, a file in the CA directory) and PostgreSQL (shared by several
//! replicas) serve it the same way.
//!
//! Everything replicas must agree on goes through here: nonces (issued by
//! one replica, accepted once by any), accounts, orders, authorizations,
//! certificates, revocations and the serial numbers reserved before
//! signing. Transitions that two replicas could race on (an order going
//! `ready` -> `processing`, a revocation) are compare-and-set in the
//! database, not behind an in-process lock.

mod pool;
mod postgres;
mod sqlite;

pub use self::postgres::PostgresStorage;
pub use sqlite::SqliteStorage;

use ca_core::Serial;

use crate::resources::{Account, Authz, CertRecord, Order, Status};

#[derive(Debug, thiserror::Error)]
#[error("ACME database: {0}")]
pub struct StorageError(pub String);

pub type StorageResult<T> = Result<T, StorageError>;

/// How many rows of each kind: what the tests use to check that a refused
/// request stored nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub accounts: u64,
    pub orders: u64,
    pub authzs: u64,
    pub certs: u64,
}

/// A revocation as the database keeps it (RFC 5280 §5.3.1 reason code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationRow {
    /// Hex, as in the CA directory's index.
    pub serial: String,
    pub issuer: String,
    pub reason: u8,
    /// Unix seconds.
    pub revoked_at: i64,
}

/// Every write replaces the whole resource (`put_*` is an upsert); callers
/// serialise read-modify-write sequences themselves, or use the `*_if`
/// compare-and-set methods when another replica may write the same row.
pub trait Storage: Send + Sync {
    /// Inserts a new account, or returns the one that already has this key
    /// thumbprint (RFC 8555 §7.3.1: one account per key).
    fn insert_account(&self, account: &Account) -> StorageResult<Account>;
    fn put_account(&self, account: &Account) -> StorageResult<()>;
    fn account(&self, id: &str) -> StorageResult<Option<Account>>;
    fn account_by_thumbprint(&self, thumbprint: &str) -> StorageResult<Option<Account>>;
    /// Key rollover (RFC 8555 §7.3.5): stores the account with its new key
    /// and thumbprint; false, changing nothing, when another account has
    /// that thumbprint.
    fn change_account_key(&self, account: &Account) -> StorageResult<bool>;
    /// A new order and its new authorizations, in one transaction.
    fn insert_order(&self, order: &Order, authzs: &[Authz]) -> StorageResult<()>;
    fn put_order(&self, order: &Order) -> StorageResult<()>;
    fn order(&self, id: &str) -> StorageResult<Option<Order>>;
    fn orders_of(&self, account_id: &str) -> StorageResult<Vec<String>>;
    /// The creation times (unix seconds) of the account's orders created at
    /// or after `since`: what the per-account rate limit counts, shared by
    /// replicas.
    fn order_times_since(&self, account_id: &str, since: i64) -> StorageResult<Vec<i64>>;
    fn put_authz(&self, authz: &Authz) -> StorageResult<()>;
    fn authz(&self, id: &str) -> StorageResult<Option<Authz>>;
    /// Every authorization of an account whose status is `valid` (what
    /// revocation by a validating account looks through, RFC 8555 §7.6).
    fn valid_authzs_of(&self, account_id: &str) -> StorageResult<Vec<Authz>>;
    /// A new certificate and the order that now points to it, in one transaction.
    fn insert_cert(&self, cert: &CertRecord, order: &Order) -> StorageResult<()>;
    fn put_cert(&self, cert: &CertRecord) -> StorageResult<()>;
    fn cert(&self, id: &str) -> StorageResult<Option<CertRecord>>;
    fn cert_by_serial(&self, serial: &str) -> StorageResult<Option<CertRecord>>;
    fn counts(&self) -> StorageResult<Counts>;

    /// The schema version after the migrations that ran at open.
    fn schema_version(&self) -> StorageResult<i64>;

    /// Records a nonce just handed out (RFC 8555 §6.5), at `issued_at`
    /// (unix seconds).
    fn insert_nonce(&self, nonce: &str, issued_at: i64) -> StorageResult<()>;
    /// Uses up a nonce: true exactly once for a nonce that was inserted at
    /// or after `not_before`, whichever replica inserted it and whichever
    /// asks; false for a replay, an unknown or an expired nonce.
    fn consume_nonce(&self, nonce: &str, not_before: i64) -> StorageResult<bool>;
    /// Forgets the nonces issued before `before`; returns how many.
    fn prune_nonces(&self, before: i64) -> StorageResult<u64>;

    /// Reserves a serial number (hex) for a certificate `issuer` is about
    /// to sign: true when it was free, false when any replica has ever
    /// reserved it (a unique constraint decides, RFC 5280 §4.1.2.2).
    fn reserve_serial(&self, issuer: &str, serial: &str, at: i64) -> StorageResult<bool>;
    /// Every serial ever reserved, oldest first.
    fn serials(&self) -> StorageResult<Vec<String>>;
    /// Every certificate issued over ACME, oldest first.
    fn certs(&self) -> StorageResult<Vec<CertRecord>>;

    /// Replaces the order only if its stored status is still `expected`:
    /// false when another request (of this or another replica) moved it.
    fn put_order_if(&self, order: &Order, expected: Status) -> StorageResult<bool>;

    /// Records a revocation and marks the certificate revoked, in one
    /// transaction: false when the serial was already revoked.
    fn insert_revocation(&self, revocation: &RevocationRow) -> StorageResult<bool>;
    fn revocations(&self) -> StorageResult<Vec<RevocationRow>>;

    /// [`Storage::insert_nonce`] for several at once (one round trip where
    /// the backend can).
    fn insert_nonces(&self, nonces: &[String], issued_at: i64) -> StorageResult<()> {
        for nonce in nonces {
            self.insert_nonce(nonce, issued_at)?;
        }
        Ok(())
    }
}

/// A serial number no replica has used: random (RFC 5280 §4.1.2.2; CA/B
/// Forum BR §7.1: at least 64 bits of CSPRNG output), reserved in the
/// database under its unique constraint before anything is signed.
pub fn reserve_random_serial(
    storage: &dyn Storage,
    issuer: &str,
    now: i64,
) -> StorageResult<Serial> {
    for _ in 0..8 {
        let serial = Serial::random();
        if storage.reserve_serial(issuer, &serial.to_hex(), now)? {
            return Ok(serial);
        }
    }
    Err(StorageError(
        "eight random serial numbers in a row were already reserved: the serial source is broken"
            .into(),
    ))
}

/// How a status is spelled in the `status` column (as in the JSON).
pub(crate) fn status_name(status: Status) -> &'static str {
    match status {
        Status::Pending => "pending",
        Status::Ready => "ready",
        Status::Processing => "processing",
        Status::Valid => "valid",
        Status::Invalid => "invalid",
        Status::Deactivated => "deactivated",
        Status::Revoked => "revoked",
        Status::Expired => "expired",
    }
}
