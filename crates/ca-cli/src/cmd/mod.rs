//! One file per subcommand.
pub mod completions;
pub mod convert;
pub mod export;
pub mod inspect;
pub mod needs_renewal;
