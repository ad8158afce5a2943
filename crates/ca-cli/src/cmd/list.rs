//! `ca list`: every certificate the CA directory issued.

use ca_core::store::IndexEntry;
use ca_core::text::escape_untrusted as esc;
use serde_json::json;

use super::common::{core_error, print_json, CaDirArgs};
use crate::exit::CliError;

/// List every certificate the CA directory issued.
///
/// Oldest first: the root, intermediates and leaves, with serial, expiry,
/// profile, issuer and names.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
--json prints {\"ca_dir\": ..., \"certificates\": [...]}, each with serial (hex), \
subject, names, not_before, not_after (RFC 3339), profile, issuer, key_type, \
sha256, file (the copy kept in the CA directory) and out (where it was written).

Exit codes: 0 listed (also when empty); 2 the CA directory cannot be read.")]
pub struct Args {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub ca: CaDirArgs,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let ca_dir = args.ca.ca_dir()?;
    let index = ca_dir.index().map_err(core_error)?;
    if index.skipped_lines > 0 {
        eprintln!(
            "warning: skipped {} damaged line(s) of the index (left by an interrupted write)",
            index.skipped_lines
        );
    }
    if args.json {
        return print_json(&json!({
            "ca_dir": ca_dir.path().display().to_string(),
            "certificates": index.entries,
        }));
    }
    if index.entries.is_empty() {
        println!(
            "No certificates in {} yet (create a CA with `ca init`, or just `ca issue NAME`).",
            ca_dir.path().display()
        );
        return Ok(());
    }
    println!(
        "{:<32}  {:<20}  {:<12}  {:<12}  NAMES",
        "SERIAL", "NOT AFTER", "PROFILE", "ISSUER"
    );
    // Subjects and names come from the certificates (a signed CSR chose them): escaped.
    for entry in &index.entries {
        println!(
            "{:<32}  {:<20}  {:<12}  {:<12}  {}",
            entry.serial.to_hex(),
            esc(&entry.not_after),
            entry.profile.as_str(),
            esc(&entry.issuer),
            what(entry)
        );
    }
    Ok(())
}

/// The names, or the subject for CA certificates (which have none).
fn what(entry: &IndexEntry) -> String {
    if entry.names.is_empty() {
        esc(&entry.subject).into_owned()
    } else {
        let names: Vec<_> = entry.names.iter().map(|n| esc(n)).collect();
        names.join(", ")
    }
}
