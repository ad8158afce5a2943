//! Keys, certificate profiles, CSRs, signing and the on-disk CA state.

pub mod atomic;
pub mod error;
pub mod inspect;
pub mod key;
pub mod p12;
pub mod passphrase;
pub mod renewal;

pub use error::{Error, Result};
pub use key::{KeyError, KeyFormat, KeyType, PrivateKey};
pub use passphrase::Passphrase;
