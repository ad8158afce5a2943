//! `ca needs-renewal FILE... --within 30d|20%`: a yes/no check for scripts.

use std::path::PathBuf;

use ca_core::inspect::certificates;
use ca_core::renewal::{check_certificate, CertificateRenewal, RenewBefore};
use serde::Serialize;
use time::OffsetDateTime;

use super::inspect::{emit, json_text, Input};
use crate::exit::CliError;

/// Check whether certificates expire within a threshold (exit 1 if any does).
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Every certificate in every FILE is checked (a bundle checks its intermediates \
too). A certificate needs renewal when it has expired or when its notAfter is \
within the threshold: a time (30d, 12h, 2w, 90m, 45s) or a share of its whole \
lifetime (20%: renew during the last fifth).

Exit codes:
  0  no certificate needs renewal
  1  at least one certificate needs renewal (each is listed, with the reason)
  2  bad input: a file is missing, unreadable or not a certificate, or the
     threshold is malformed")]
pub struct Args {
    /// Certificate files (PEM, a PEM bundle, or DER), or - for standard input.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,

    /// Renewal threshold: a time before expiry (30d, 12h, 2w) or a share of
    /// the lifetime (20%).
    #[arg(
        long,
        value_name = "THRESHOLD",
        default_value = "30d",
        allow_hyphen_values = true
    )]
    pub within: String,

    /// Print one JSON object with a verdict per certificate.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Verdict {
    file: String,
    /// 1-based position in the file (bundles hold several certificates).
    index: usize,
    #[serde(flatten)]
    renewal: CertificateRenewal,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let threshold: RenewBefore = args
        .within
        .parse()
        .map_err(|e| CliError::bad_input(format!("--within: {e}")))?;
    let now = OffsetDateTime::now_utc();
    // Read everything first: bad input is exit 2 whatever the other files say.
    let mut verdicts = Vec::new();
    for path in &args.files {
        let input = Input::read(path)?;
        let certs = certificates(&input.bytes).map_err(|e| input.error(e))?;
        for (i, der) in certs.iter().enumerate() {
            let renewal = check_certificate(der, threshold, now)
                .map_err(|e| input.error(format!("certificate {}: {e}", i + 1)))?;
            verdicts.push(Verdict {
                file: input.name.clone(),
                index: i + 1,
                renewal,
            });
        }
    }
    let due = verdicts.iter().filter(|v| v.renewal.needs_renewal).count();
    if args.json {
        #[derive(Serialize)]
        struct Output<'a> {
            within: RenewBefore,
            needs_renewal: bool,
            certificates: &'a [Verdict],
        }
        emit(&json_text(&Output {
            within: threshold,
            needs_renewal: due > 0,
            certificates: &verdicts,
        }))?;
    } else {
        let mut text = String::new();
        for v in &verdicts {
            let position = if v.index > 1 || count_in(&verdicts, &v.file) > 1 {
                format!("{}[{}]", v.file, v.index)
            } else {
                v.file.clone()
            };
            let mark = if v.renewal.needs_renewal {
                "RENEW"
            } else {
                "ok   "
            };
            text.push_str(&format!(
                "{mark} {position}: {}: {}\n",
                ca_core::text::escape_untrusted(&v.renewal.subject),
                ca_core::text::escape_untrusted(&v.renewal.reason)
            ));
        }
        emit(&text)?;
    }
    if due > 0 {
        // The list above says which; the message only sums up.
        return Err(CliError::refused(if args.json {
            String::new()
        } else {
            format!(
                "{due} of {} certificates need renewal (threshold {threshold})",
                verdicts.len()
            )
        }));
    }
    Ok(())
}

fn count_in(verdicts: &[Verdict], file: &str) -> usize {
    verdicts.iter().filter(|v| v.file == file).count()
}
