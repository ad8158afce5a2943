//! Where the ACME state lives, behind one trait so that SQLite (the
//! default, a file in the CA directory) and other databases can serve it.

mod sqlite;

pub use sqlite::SqliteStorage;

use crate::resources::{Account, Authz, CertRecord, Order};

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

/// Every write replaces the whole resource (`put_*` is an upsert); callers
/// serialise read-modify-write sequences themselves.
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
}
