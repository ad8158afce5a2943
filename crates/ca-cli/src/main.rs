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
enum Command {
    // The issuing commands take their help from their Args doc comments.
    Init(cmd::init::Args),
    Intermediate(cmd::intermediate::Args),
    Issue(cmd::issue::Args),
    Csr(cmd::csr::Args),
    Sign(cmd::sign::Args),
    Renew(cmd::renew::Args),
    List(cmd::list::Args),
    #[command(visible_alias = "root")]
    Info(cmd::info::Args),
    /// Show what a certificate, bundle, CSR, CRL or key file holds.
    Inspect(cmd::inspect::Args),
    /// Convert a certificate, CSR, CRL or key between PEM and DER.
    Convert(cmd::convert::Args),
    /// Export a key, its certificate and chain as PKCS#12 (--p12).
    #[cfg(feature = "p12")]
    Export(cmd::export::Args),
    /// Check whether certificates expire soon (exit 1 if any does).
    NeedsRenewal(cmd::needs_renewal::Args),
    /// Check a certificate chain the way a TLS client does (exit 1 if not valid).
    Verify(cmd::verify::Args),
    Probe(cmd::probe::Args),
    Serve(cmd::serve::Args),
    /// Create or update a whole PKI from one TOML file (see `ca schema`).
    Apply(cmd::apply::Args),
    /// Print the JSON Schema of the `ca apply` file.
    Schema(cmd::schema::Args),
    /// Revoke a certificate this CA issued (then publish with `ca crl`).
    Revoke(cmd::revoke::Args),
    /// Write a signed CRL of one CA's revocations.
    Crl(cmd::crl::Args),
    /// Write test fixtures no peer offers (`ca fixture revoked`).
    Fixture(cmd::fixture::Args),
    /// Make the CA's root trusted by browsers, the system and Java (install, status, env).
    Trust(cmd::trust::Args),
    /// Run an ACME server (RFC 8555) issuing from this CA (`ca acme serve`).
    Acme(cmd::acme::Args),
    /// Print a shell completion script (bash, zsh, fish).
    Completions(cmd::completions::Args),
    /// Print the man page, or write all man pages to a directory.
    Man(cmd::completions::ManArgs),
}

fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Init(args) => cmd::init::run(args),
        Command::Intermediate(args) => cmd::intermediate::run(args),
        Command::Issue(args) => cmd::issue::run(args),
        Command::Csr(args) => cmd::csr::run(args),
        Command::Sign(args) => cmd::sign::run(args),
        Command::Renew(args) => cmd::renew::run(args),
        Command::List(args) => cmd::list::run(args),
        Command::Info(args) => cmd::info::run(args),
        Command::Inspect(args) => cmd::inspect::run(args),
        Command::Convert(args) => cmd::convert::run(args),
        #[cfg(feature = "p12")]
        Command::Export(args) => cmd::export::run(args),
        Command::NeedsRenewal(args) => cmd::needs_renewal::run(args),
        Command::Verify(args) => cmd::verify::run(args),
        Command::Probe(args) => cmd::probe::run(args),
        Command::Serve(args) => cmd::serve::run(args),
        Command::Apply(args) => cmd::apply::run(args),
        Command::Schema(args) => cmd::schema::run(args),
        Command::Revoke(args) => cmd::revoke::run(args),
        Command::Crl(args) => cmd::crl::run(args),
        Command::Fixture(args) => cmd::fixture::run(args),
        Command::Trust(args) => cmd::trust::run(args),
        Command::Acme(args) => cmd::acme::run(args),
        Command::Completions(args) => cmd::completions::run(args),
        Command::Man(args) => cmd::completions::run_man(args),
    }
}

fn main() -> ExitCode {
    quiet_on_closed_stdout();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => err.report(),
    }
}

/// `ca list | head`: once the reader has gone, `println!` panics with
/// "failed printing to stdout: Broken pipe". The reader took what it
/// wanted; exit 0 without a backtrace, as `print_json` and `emit` do. The
/// output comes after the work, so nothing is left half done.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info.payload().downcast_ref::<String>();
        if message.is_some_and(|m| {
            m.starts_with("failed printing to stdout") && m.contains("Broken pipe")
        }) {
            std::process::exit(0);
        }
        default(info);
    }));
}
