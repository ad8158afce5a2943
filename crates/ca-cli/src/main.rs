//! `ca`: a certificate authority and PKI toolkit.
//!
//! This binary is thin on purpose: it parses arguments, calls `ca-core` and
//! `ca-verify`, and prints. Each subcommand lives in its own file under `cmd/`.

mod cmd;
mod exit;
mod lazy;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::exit::CliError;
use crate::lazy::Lazy;

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
    Init(Lazy<cmd::init::Args>),
    Intermediate(Lazy<cmd::intermediate::Args>),
    Issue(Lazy<cmd::issue::Args>),
    Csr(Lazy<cmd::csr::Args>),
    Sign(Lazy<cmd::sign::Args>),
    Renew(Lazy<cmd::renew::Args>),
    List(Lazy<cmd::list::Args>),
    #[command(visible_alias = "root")]
    Info(Lazy<cmd::info::Args>),
    /// Show what a certificate, bundle, CSR, CRL or key file holds.
    Inspect(Lazy<cmd::inspect::Args>),
    /// Convert a certificate, CSR, CRL or key between PEM and DER.
    Convert(Lazy<cmd::convert::Args>),
    /// Export a key, its certificate and chain as PKCS#12 (--p12).
    #[cfg(feature = "p12")]
    Export(Lazy<cmd::export::Args>),
    /// Check whether certificates expire soon (exit 1 if any does).
    NeedsRenewal(Lazy<cmd::needs_renewal::Args>),
    /// Check a certificate chain the way a TLS client does (exit 1 if not valid).
    Verify(Lazy<cmd::verify::Args>),
    Probe(Lazy<cmd::probe::Args>),
    Serve(Lazy<cmd::serve::Args>),
    /// Create or update a whole PKI from one TOML file (see `ca schema`).
    Apply(Lazy<cmd::apply::Args>),
    /// Print the JSON Schema of the `ca apply` file.
    Schema(Lazy<cmd::schema::Args>),
    /// Revoke a certificate this CA issued (then publish with `ca crl`).
    Revoke(Lazy<cmd::revoke::Args>),
    /// Write a signed CRL of one CA's revocations.
    Crl(Lazy<cmd::crl::Args>),
    /// Write test fixtures no peer offers (`ca fixture revoked`).
    Fixture(Lazy<cmd::fixture::Args>),
    /// Make the CA's root trusted by browsers, the system and Java (install, status, env).
    Trust(Lazy<cmd::trust::Args>),
    /// Run an ACME server (RFC 8555) issuing from this CA (`ca acme serve`).
    Acme(Lazy<cmd::acme::Args>),
    /// Print a shell completion script (bash, zsh, fish).
    Completions(Lazy<cmd::completions::Args>),
    /// Print the man page, or write all man pages to a directory.
    Man(Lazy<cmd::completions::ManArgs>),
}

fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Init(Lazy(args)) => cmd::init::run(args),
        Command::Intermediate(Lazy(args)) => cmd::intermediate::run(args),
        Command::Issue(Lazy(args)) => cmd::issue::run(args),
        Command::Csr(Lazy(args)) => cmd::csr::run(args),
        Command::Sign(Lazy(args)) => cmd::sign::run(args),
        Command::Renew(Lazy(args)) => cmd::renew::run(args),
        Command::List(Lazy(args)) => cmd::list::run(args),
        Command::Info(Lazy(args)) => cmd::info::run(args),
        Command::Inspect(Lazy(args)) => cmd::inspect::run(args),
        Command::Convert(Lazy(args)) => cmd::convert::run(args),
        #[cfg(feature = "p12")]
        Command::Export(Lazy(args)) => cmd::export::run(args),
        Command::NeedsRenewal(Lazy(args)) => cmd::needs_renewal::run(args),
        Command::Verify(Lazy(args)) => cmd::verify::run(args),
        Command::Probe(Lazy(args)) => cmd::probe::run(args),
        Command::Serve(Lazy(args)) => cmd::serve::run(args),
        Command::Apply(Lazy(args)) => cmd::apply::run(args),
        Command::Schema(Lazy(args)) => cmd::schema::run(args),
        Command::Revoke(Lazy(args)) => cmd::revoke::run(args),
        Command::Crl(Lazy(args)) => cmd::crl::run(args),
        Command::Fixture(Lazy(args)) => cmd::fixture::run(args),
        Command::Trust(Lazy(args)) => cmd::trust::run(args),
        Command::Acme(Lazy(args)) => cmd::acme::run(args),
        Command::Completions(Lazy(args)) => cmd::completions::run(args),
        Command::Man(Lazy(args)) => cmd::completions::run_man(args),
    }
}

fn main() -> ExitCode {
    quiet_on_closed_stdout();
    let cli = lazy::parse::<Cli, Command>();
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
