//! `ca crl`: a signed CRL of one CA's revocations.

use std::path::PathBuf;

use ca_core::atomic::{self, FileMode};
use ca_core::revocation;
use ca_core::store::ROOT;
use ca_core::validity::rfc3339;
use ca_core::Passphrase;
use serde_json::json;
use time::OffsetDateTime;

use super::common::{abs, core_error, print_json, CaDirArgs};
use crate::exit::CliError;

/// Write a signed CRL of the revocations of one CA.
///
/// The CRL (version 2) carries the CA's authority key identifier, a CRL
/// number one higher than the CA's previous CRL, thisUpdate (now),
/// nextUpdate (now + --days) and the reason of each entry. The latest CRL
/// is also kept in the CA directory as crl/NAME.pem.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  ca crl --out root.crl
  ca crl --issuer web --days 1 --out web.crl --force
  openssl crl -in web.crl -noout -text

Exit codes: 0 written; 1 refused (--out exists: use --force); 2 bad input (unknown issuer, \
unreadable CA key).")]
pub struct Args {
    /// The CA whose CRL to make: `root` or an intermediate's name.
    #[arg(long, value_name = "NAME", default_value = ROOT)]
    pub issuer: String,

    /// Also write the CRL to FILE [default: only CA_DIR/crl/NAME.pem].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Days until nextUpdate.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 7,
        allow_negative_numbers = true
    )]
    pub days: u32,

    /// Write --out as DER instead of PEM.
    #[arg(long)]
    pub der: bool,

    /// Replace --out if it exists.
    #[arg(long)]
    pub force: bool,

    /// Print one JSON object (crl, number, this_update, next_update, revoked).
    #[arg(long)]
    pub json: bool,

    /// Unlock an encrypted CA key with the passphrase in FILE.
    #[arg(long, value_name = "FILE", conflicts_with = "ca_passphrase_env")]
    pub ca_passphrase_file: Option<PathBuf>,

    /// Unlock an encrypted CA key with the passphrase in the environment
    /// variable VAR.
    #[arg(long, value_name = "VAR")]
    pub ca_passphrase_env: Option<String>,

    #[command(flatten)]
    pub ca: CaDirArgs,
}

pub fn run(args: Args) -> Result<(), CliError> {
    if args.days == 0 {
        return Err(CliError::bad_input("--days must be at least 1"));
    }
    // Before the CRL number moves on.
    if let Some(out) = args
        .out
        .as_ref()
        .filter(|o| !args.force && o.symlink_metadata().is_ok())
    {
        return Err(CliError::refused(format!(
            "{}: already exists; not overwriting it (use --force to replace it)",
            out.display()
        )));
    }
    let passphrase = match (&args.ca_passphrase_file, &args.ca_passphrase_env) {
        (Some(f), _) => Some(Passphrase::from_file(f).map_err(core_error)?),
        (None, Some(v)) => Some(Passphrase::from_env(v).map_err(core_error)?),
        (None, None) => None,
    };
    let ca_dir = args.ca.ca_dir()?;
    let issuer = ca_dir
        .load_issuer(Some(&args.issuer), passphrase.as_ref())
        .map_err(core_error)?;
    let crl = revocation::write_crl(
        &ca_dir,
        &args.issuer,
        &issuer,
        args.days,
        OffsetDateTime::now_utc(),
    )
    .map_err(core_error)?;
    if let Some(out) = &args.out {
        let bytes = if args.der {
            crl.der.clone()
        } else {
            crl.pem.clone().into_bytes()
        };
        atomic::write_file(out, &bytes, FileMode::Public, args.force.into()).map_err(core_error)?;
    }
    let shown = args.out.as_ref().unwrap_or(&crl.path);
    if args.json {
        let revoked: Vec<_> = crl
            .revoked
            .iter()
            .map(|r| json!({"serial": r.serial.to_hex(), "reason": r.reason.as_str(), "revoked_at": r.revoked_at}))
            .collect();
        return print_json(&json!({
            "crl": abs(shown),
            "kept": abs(&crl.path),
            "issuer": args.issuer,
            "number": crl.number,
            "this_update": rfc3339(crl.this_update),
            "next_update": rfc3339(crl.next_update),
            "revoked": revoked,
        }));
    }
    println!(
        "Wrote CRL number {} of '{}' listing {} revoked certificate(s), valid until {}.",
        crl.number,
        args.issuer,
        crl.revoked.len(),
        rfc3339(crl.next_update)
    );
    println!("  crl: {}", shown.display());
    Ok(())
}
