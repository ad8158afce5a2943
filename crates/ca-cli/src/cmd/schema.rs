//! `ca schema`: the JSON Schema of the `ca apply` file.

use super::common::print_json;
use crate::exit::CliError;

/// Print the JSON Schema of the `ca apply` file.
///
/// Point an editor or a CI linter at it to check apply files as they are
/// written; docs/apply.md documents the same keys.
#[derive(clap::Args, Debug)]
#[command(after_help = "Example:\n  ca schema > apply.schema.json")]
pub struct Args {}

pub fn run(_args: Args) -> Result<(), CliError> {
    print_json(&ca_core::apply::schema::schema())
}
