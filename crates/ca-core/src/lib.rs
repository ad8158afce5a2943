//! Keys, certificate profiles, CSRs, signing and the on-disk CA state.

pub mod apply;
pub mod atomic;
pub mod cert;
pub mod csr;
pub mod error;
pub mod inspect;
pub mod issuer;
pub mod key;
pub mod name;
pub mod p12;
pub mod passphrase;
pub mod profile;
pub mod renewal;
pub mod revocation;
pub mod serial;
pub mod store;
pub mod validity;

pub use cert::{CertInfo, Certificate};
pub use csr::Csr;
pub use error::{Error, Result};
pub use issuer::{Issued, Issuer};
pub use key::{KeyError, KeyFormat, KeyType, PrivateKey};
pub use name::SubjectName;
pub use passphrase::Passphrase;
pub use profile::{CaOptions, LeafOptions, NameConstraintsSpec, Profile};
pub use serial::Serial;
pub use store::{CaDir, IndexEntry};
pub use validity::ValidityRequest;
