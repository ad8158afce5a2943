//! `ca info` (alias `ca root`): where the CA lives and which root clients
//! should trust, like `mkcert -CAROOT`.

use ca_core::store::ROOT;
use ca_core::CertDer;
use serde_json::{json, Value};

use super::common::{abs, core_error, print_json, CaDirArgs};
use crate::exit::CliError;

/// Show where the CA lives: its directory, the root certificate to trust
/// (path and SHA-256 fingerprint) and its intermediates.
///
/// Reads only: with no CA yet it says where one would be created.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  ca info
  ca info --dir                       # the CA directory alone, like mkcert -CAROOT
  curl --cacert \"$(ca info --json | jq -r .root.cert)\" https://localhost:8443/

--json prints {\"ca_dir\", \"initialized\", \"root\": {\"cert\", \"key\", \"subject\", \
\"serial\", \"not_before\", \"not_after\", \"sha256\"} or null, \"intermediates\": \
[{\"name\", \"cert\", \"subject\", \"not_after\", \"sha256\"}]}.

Exit codes: 0 shown (also when there is no CA yet); 2 the CA directory or its \
root certificate cannot be read.")]
pub struct Args {
    /// Print only the CA directory's path.
    #[arg(long, conflicts_with = "json")]
    pub dir: bool,

    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub ca: CaDirArgs,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let ca_dir = args.ca.ca_dir()?;
    if args.dir {
        println!("{}", abs(ca_dir.path()));
        return Ok(());
    }
    if !ca_dir.is_initialized() {
        if args.json {
            return print_json(&json!({
                "ca_dir": abs(ca_dir.path()),
                "initialized": false,
                "root": Value::Null,
                "intermediates": [],
            }));
        }
        println!("CA directory: {} (no CA yet)", abs(ca_dir.path()));
        println!("Create one with `ca init`, or just `ca issue NAME`.");
        return Ok(());
    }
    let root_path = ca_dir.anchor_path();
    let root = CertDer::read_file(&root_path).map_err(core_error)?;
    let mut intermediates = Vec::new();
    for name in ca_dir.intermediates().map_err(core_error)? {
        let path = ca_dir.cert_path(&name);
        let cert = CertDer::read_file(&path).map_err(core_error)?;
        intermediates.push((name, path, cert));
    }
    if args.json {
        let root_info = root.info();
        return print_json(&json!({
            "ca_dir": abs(ca_dir.path()),
            "initialized": true,
            "root": {
                "cert": abs(&root_path),
                "key": abs(&ca_dir.key_path(ROOT)),
                "subject": root_info.subject,
                "serial": root_info.serial.to_hex(),
                "not_before": ca_core::validity::rfc3339(root_info.not_before),
                "not_after": ca_core::validity::rfc3339(root_info.not_after),
                "sha256": root_info.sha256,
            },
            "intermediates": intermediates.iter().map(|(name, path, cert)| {
                let info = cert.info();
                json!({
                    "name": name,
                    "cert": abs(path),
                    "subject": info.subject,
                    "not_after": ca_core::validity::rfc3339(info.not_after),
                    "sha256": info.sha256,
                })
            }).collect::<Vec<_>>(),
        }));
    }
    let info = root.info();
    println!("CA directory:  {}", abs(ca_dir.path()));
    println!("Root to trust: {}", abs(&root_path));
    println!("  subject:     {}", info.subject);
    println!("  SHA-256:     {}", colon_hex(&info.sha256));
    println!(
        "  valid until: {}",
        ca_core::validity::rfc3339(info.not_after)
    );
    println!("Root key:      {}", abs(&ca_dir.key_path(ROOT)));
    if intermediates.is_empty() {
        println!("Intermediates: none (`ca intermediate NAME` makes one)");
    }
    for (name, path, cert) in &intermediates {
        println!(
            "Intermediate {name}: {} ({})",
            abs(path),
            cert.info().subject
        );
    }
    Ok(())
}

/// `ab12cd...` as `AB:12:CD:...`, the way `openssl x509 -fingerprint
/// -sha256` and browsers show a fingerprint.
fn colon_hex(hex: &str) -> String {
    hex.as_bytes()
        .chunks(2)
        .map(|pair| String::from_utf8_lossy(pair).to_uppercase())
        .collect::<Vec<_>>()
        .join(":")
}
