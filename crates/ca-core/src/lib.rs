//! Keys, certificate profiles, CSRs, signing and the on-disk CA state.

pub mod atomic;
pub mod error;
pub mod key;
pub mod passphrase;

pub use error::{Error, Result};
pub use key::{KeyError, KeyFormat, KeyType, PrivateKey};
pub use passphrase::Passphrase;
