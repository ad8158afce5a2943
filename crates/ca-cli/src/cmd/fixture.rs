//! `ca fixture revoked`: ready-made PKI fixtures for test suites.

use std::path::PathBuf;

use ca_core::atomic::FileMode;
use ca_core::revocation::{crl_pem, revoked_fixture, RevocationReason};
use serde_json::json;
use time::OffsetDateTime;

use super::common::{abs, cert_json, core_error, file, print_json, OutputArgs};
use crate::exit::CliError;

/// Write test fixtures that no peer tool offers.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub fixture: Fixture,
}

#[derive(clap::Subcommand, Debug)]
pub enum Fixture {
    /// A revoked server leaf with everything to check it: root.pem,
    /// intermediate.pem, leaf.pem, leaf-key.pem, chain.pem (leaf then
    /// intermediate), crl.pem (the intermediate's CRL, listing the leaf)
    /// and root-crl.pem (the root's CRL, empty).
    ///
    /// Made with a throw-away CA in memory: the CA directory is not used.
    #[command(after_help = "\
Example:
  ca fixture revoked --out fixtures/revoked
  openssl verify -crl_check -CAfile fixtures/revoked/root.pem \\
      -untrusted fixtures/revoked/intermediate.pem -CRLfile fixtures/revoked/crl.pem \\
      fixtures/revoked/leaf.pem        # fails: certificate revoked

Exit codes: 0 written; 1 refused (a file exists: use --force); 2 bad input.")]
    Revoked(RevokedArgs),
}

#[derive(clap::Args, Debug)]
pub struct RevokedArgs {
    #[command(flatten)]
    pub output: OutputArgs,

    /// Names of the leaf (repeatable).
    #[arg(long = "name", value_name = "NAME", default_values = ["localhost", "127.0.0.1"])]
    pub names: Vec<String>,

    /// The revocation reason in the CRL.
    #[arg(long, value_name = "REASON", default_value = "key-compromise")]
    pub reason: RevocationReason,

    /// Days until the CRLs' nextUpdate.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 30,
        allow_negative_numbers = true
    )]
    pub days: u32,

    /// Print one JSON object with the paths and the leaf's serial.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> Result<(), CliError> {
    match args.fixture {
        Fixture::Revoked(args) => revoked(args),
    }
}

fn revoked(args: RevokedArgs) -> Result<(), CliError> {
    if args.days == 0 {
        return Err(CliError::bad_input("--days must be at least 1"));
    }
    let names = [
        "root.pem",
        "intermediate.pem",
        "leaf.pem",
        "leaf-key.pem",
        "chain.pem",
        "crl.pem",
        "root-crl.pem",
    ];
    let paths: [PathBuf; 7] = args.output.paths("", names)?;
    let f = revoked_fixture(
        &args.names,
        args.reason,
        args.days,
        OffsetDateTime::now_utc(),
    )
    .map_err(core_error)?;
    let key_pem = f.leaf.key_pem().expect("issue() makes a key");
    let contents: [(String, FileMode); 7] = [
        (f.root.cert().pem(), FileMode::Public),
        (f.intermediate.cert().pem(), FileMode::Public),
        (f.leaf.cert.pem(), FileMode::Public),
        (key_pem, FileMode::Private),
        (f.leaf.fullchain_pem(), FileMode::Public),
        (crl_pem(&f.crl_der), FileMode::Public),
        (crl_pem(&f.root_crl_der), FileMode::Public),
    ];
    let files: Vec<_> = paths
        .iter()
        .zip(contents)
        .map(|(p, (text, mode))| file(p, text, mode))
        .collect();
    args.output.write(&files)?;
    // paths[3] is leaf-key.pem (see `names`).
    super::key_safety::warn_if_git_would_commit(&paths[3]);
    if args.json {
        let mut out = cert_json(&f.leaf.cert);
        for (name, path) in names.iter().zip(&paths) {
            let key = name.trim_end_matches(".pem").replace('-', "_");
            out.insert(key, json!(abs(path)));
        }
        out.insert("reason".into(), json!(args.reason.as_str()));
        return print_json(&out.into());
    }
    println!(
        "Wrote a revoked leaf (serial {}, reason {}) with its chain, root and CRLs:",
        f.leaf.cert.info().serial.to_hex(),
        args.reason
    );
    for path in &paths {
        println!("  {}", path.display());
    }
    Ok(())
}
