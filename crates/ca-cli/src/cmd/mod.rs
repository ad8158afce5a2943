//! One file per subcommand.
pub mod common;
pub mod completions;
pub mod convert;
pub mod csr;
pub mod export;
pub mod init;
pub mod inspect;
pub mod intermediate;
pub mod issue;
pub mod list;
pub mod needs_renewal;
pub mod sign;
pub mod verify;
