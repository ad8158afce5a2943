//! `ca revoke SERIAL|FILE`: record a revocation in the CA directory.

use ca_core::revocation::{self, RevocationReason, Target, TargetProblem};
use ca_core::CaDir;
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

Exit codes: 0 revoked; 1 refused (already revoked, or a certificate this CA did not \
issue: altered, or from another CA); 2 bad input (unknown serial or \
issuer, unreadable file, bad reason).")]
pub struct Args {
    /// The certificate: a serial number in hex, or a certificate file.
    #[arg(value_name = "SERIAL|FILE")]
    pub target: String,

    /// Why it is revoked.
    #[arg(long, value_name = "REASON", default_value = "unspecified")]
    pub reason: RevocationReason,

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
    let target = match Target::parse(&args.target).map_err(core_error)? {
        Some(target) => target,
        None => {
            return Err(CliError::bad_input(format!(
                "'{}' is neither a file nor a serial number in hex (like 3f:2a:... or 3f2a...)",
                args.target
            )))
        }
    };
    let resolved = revocation::resolve(&ca_dir, &target, args.issuer.as_deref());
    let (serial, issuer) = resolved
        .map_err(core_error)?
        .map_err(|problem| advice(problem, &args, &ca_dir))?;
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

/// What went wrong, with the flags that fix it. A certificate this CA did
/// not issue is a refusal (exit 1): the file was read, and the answer is no.
fn advice(problem: TargetProblem, args: &Args, ca_dir: &CaDir) -> CliError {
    let dir = ca_dir.path().display();
    let target = &args.target;
    match problem {
        TargetProblem::Root => CliError::bad_input(format!(
            "{target}: this is the root CA itself; a root cannot be revoked by a CRL it signs"
        )),
        TargetProblem::UnknownSerial(serial) => CliError::bad_input(format!(
            "serial {serial} is not in the index of {dir}; check it with `ca list`, or give \
             --issuer NAME to revoke it anyway"
        )),
        TargetProblem::NotIssuedHere => CliError::refused(format!(
            "{target}: no CA in {dir} issued this certificate (none has its issuer name); \
             nothing was revoked; give the --ca-dir of the CA that issued it"
        )),
        TargetProblem::NotSignedBy(ca) => CliError::refused(format!(
            "{target}: CA '{ca}' in {dir} did not issue this certificate: it is not the one \
             recorded in the index, and its signature does not verify with the CA's key \
             (altered, or issued by another CA with the same name); nothing was revoked"
        )),
        TargetProblem::OtherIssuer { serial, found } => CliError::bad_input(format!(
            "serial {serial} was issued by '{found}', not '{}'; drop --issuer or fix it",
            args.issuer.as_deref().unwrap_or_default()
        )),
        TargetProblem::NoSuchCa(name) => CliError::bad_input(format!(
            "there is no CA named '{name}' in {dir}; see `ca list`"
        )),
    }
}
