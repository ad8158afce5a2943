//! `ca`: a certificate authority and PKI toolkit.
//!
//! This binary is thin on purpose: it parses arguments, calls `ca-core` and
//! `ca-verify`, and prints. Each subcommand lives in its own file under `cmd/`.

mod cmd;
mod exit;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::exit::CliError;

/// A certificate authority and PKI toolkit: issue test certificates, verify
/// chains the way a TLS client does, and script PKI setups in CI.
#[derive(Parser, Debug)]
#[command(name = "ca", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {}

fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {}
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => err.report(),
    }
}
