//! `ca revoke SERIAL|FILE`: record a revocation in the CA directory.

use std::path::{Path, PathBuf};

use ca_core::revocation::{self, Reason};
use ca_core::store::ROOT;
use ca_core::{CaDir, Certificate, Serial};
use serde_json::json;
use time::OffsetDateTime;

use super::common::{abs, core_error, print_json, CaDirArgs};
use crate::exit::CliError;

/// Revoke a certificate this CA issued.
///
/// Give the certificate's serial (hex, as `ca list` prints it; `:` allowed)
/// or its file. The revocation is recorded in the CA directory
/// (revoked.jsonl, under its lock, replaced atomically); run `ca crl` to
/// publish a CRL that lists it.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  ca revoke www.example.test.pem --reason key-compromise
  ca revoke 3f2a...c1 --issuer web
  ca crl --issuer web --out web.crl

Reasons: unspecified (default), key-compromise, ca-compromise, affiliation-changed, \
superseded, cessation-of-operation, certificate-hold, privilege-withdrawn, aa-compromise.

Exit codes: 0 revoked; 1 refused (already revoked); 2 bad input (unknown serial or \
issuer, unreadable file, bad reason).")]
pub struct Args {
    /// The certificate: a serial number in hex, or a certificate file.
    #[arg(value_name = "SERIAL|FILE")]
    pub target: String,

    /// Why it is revoked.
    #[arg(long, value_name = "REASON", default_value = "unspecified")]
    pub reason: Reason,

    /// The CA that issued it (`root` or an intermediate's name) [default:
    /// found in the index].
    #[arg(long, value_name = "NAME")]
    pub issuer: Option<String>,

    /// Print one JSON object (serial, issuer, reason, revoked_at).
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub ca: CaDirArgs,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let ca_dir = args.ca.ca_dir()?;
    if !ca_dir.is_initialized() {
        return Err(CliError::bad_input(format!(
            "{}: no CA here yet; give the right --ca-dir",
            ca_dir.path().display()
        )));
    }
    let (serial, found_issuer) = target(&ca_dir, &args.target)?;
    let issuer = match (&args.issuer, found_issuer) {
        (Some(given), Some(found)) if *given != found => {
            return Err(CliError::bad_input(format!(
                "serial {serial} was issued by '{found}', not '{given}'; drop --issuer or fix it"
            )))
        }
        (Some(given), _) => given.clone(),
        (None, Some(found)) => found,
        (None, None) => {
            return Err(CliError::bad_input(format!(
                "serial {serial} is not in the index of {}; check it with `ca list`, or give \
                 --issuer NAME to revoke it anyway",
                ca_dir.path().display()
            )))
        }
    };
    if issuer != ROOT && !ca_dir.cert_path(&issuer).is_file() {
        return Err(CliError::bad_input(format!(
            "there is no CA named '{issuer}' in {}; see `ca list`",
            ca_dir.path().display()
        )));
    }
    let record = revocation::revoke(
        &ca_dir,
        &serial,
        &issuer,
        args.reason,
        OffsetDateTime::now_utc(),
    )
    .map_err(core_error)?;
    if args.json {
        return print_json(&json!({
            "serial": record.serial.to_hex(),
            "issuer": record.issuer,
            "reason": record.reason.as_str(),
            "revoked_at": record.revoked_at,
            "ca_dir": abs(ca_dir.path()),
        }));
    }
    println!(
        "Revoked serial {} (issued by {}), reason {}.",
        record.serial.to_hex(),
        record.issuer,
        record.reason
    );
    println!(
        "Publish it with: ca crl --issuer {}{}",
        record.issuer,
        match &args.ca.ca_dir {
            Some(d) => format!(" --ca-dir {}", d.display()),
            None => String::new(),
        }
    );
    Ok(())
}

/// The serial to revoke and, when the index or the CA certificates tell,
/// the CA that issued it.
fn target(ca_dir: &CaDir, text: &str) -> Result<(Serial, Option<String>), CliError> {
    let path = PathBuf::from(text);
    if path.exists() {
        return from_file(ca_dir, &path);
    }
    let serial = Serial::from_hex(text).ok_or_else(|| {
        CliError::bad_input(format!(
            "'{text}' is neither a file nor a serial number in hex (like 3f:2a:... or 3f2a...)"
        ))
    })?;
    let index = ca_dir.index().map_err(core_error)?;
    let entry = index.find(&serial);
    if entry.is_some_and(|e| e.profile == "root") {
        return Err(CliError::bad_input(
            "this is the root CA itself; a root cannot be revoked by a CRL it signs",
        ));
    }
    Ok((serial, entry.map(|e| e.issuer.clone())))
}

fn from_file(ca_dir: &CaDir, path: &Path) -> Result<(Serial, Option<String>), CliError> {
    let cert = Certificate::read_file(path).map_err(core_error)?;
    if cert == Certificate::read_file(&ca_dir.cert_path(ROOT)).map_err(core_error)? {
        return Err(CliError::bad_input(format!(
            "{}: this is the root CA itself; a root cannot be revoked by a CRL it signs",
            path.display()
        )));
    }
    let issuer = revocation::issuer_of(ca_dir, &cert).map_err(core_error)?;
    if issuer.is_none() {
        return Err(CliError::bad_input(format!(
            "{}: no CA in {} issued this certificate; give the right --ca-dir",
            path.display(),
            ca_dir.path().display()
        )));
    }
    Ok((cert.info().serial, issuer))
}
