//! `ca sign CSR`: a certificate for a CSR, with our profile.

use std::path::PathBuf;

use ca_core::atomic::FileMode;
use ca_core::store::ROOT;
use ca_core::{Csr, LeafOptions};
use serde_json::json;

use super::common::{
    abs, cert_json, core_error, file, print_json, warn_all, warn_if_revoked, CaDirArgs, OutputArgs,
    PassphraseArgs, ValidityArgs,
};
use crate::exit::CliError;

/// Sign a certificate signing request with our profile.
///
/// The CSR's signature must verify. Only its public key and its names
/// (subjectAltName, or the CN when there is none) are used: the
/// certificate gets our server (or --client) profile, and nothing else the
/// CSR asks for (basicConstraints, key usages, other extensions) is copied.
/// Writes NAME.pem and NAME-chain.pem into --out, named after the first name.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  ca sign api.example.test.csr
  ca sign request.der --client --issuer corp --json

Exit codes: 0 signed; 1 refused (an output file exists: use --force); \
2 bad input (not a CSR, a bad signature, an unsupported key, no names).")]
pub struct Args {
    /// The CSR file.
    #[arg(value_name = "CSR")]
    pub csr: PathBuf,

    /// Make a client certificate (clientAuth) instead of a server one.
    #[arg(long)]
    pub client: bool,

    /// Sign with this intermediate [default: the root].
    #[arg(long, value_name = "NAME")]
    pub issuer: Option<String>,

    /// Refuse to issue a certificate that breaks a Web PKI (CA/Browser Forum) rule, such as an
    /// Ed25519 key, instead of warning (docs/rules.md).
    #[arg(long)]
    pub strict_webpki: bool,

    #[command(flatten)]
    pub output: OutputArgs,

    /// Print one JSON object (cert, chain, root, serial, not_after, sha256, ...).
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub validity: ValidityArgs,

    #[command(flatten)]
    pub passphrases: PassphraseArgs,

    #[command(flatten)]
    pub ca: CaDirArgs,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let csr = Csr::read_file(&args.csr).map_err(core_error)?;
    if csr.names().is_empty() {
        return Err(CliError::bad_input(format!(
            "{}: the CSR names nothing (no subjectAltName and no usable CN); \
             make one with names, e.g. `ca csr NAME...`",
            args.csr.display()
        )));
    }
    let validity = args.validity.request()?;
    let [cert_path, chain_path] = args
        .output
        .paths(&csr.names()[0].file_stem(), [".pem", "-chain.pem"])?;

    let ca_dir = args.ca.ca_dir()?;
    let issuer_name = args.issuer.as_deref().unwrap_or(ROOT);
    let issuer = ca_dir
        .load_issuer(Some(issuer_name), args.passphrases.ca()?.as_ref())
        .map_err(core_error)?;
    warn_if_revoked(&ca_dir, issuer_name, &issuer);
    let options = LeafOptions {
        names: csr.names().to_vec(),
        client: args.client,
        key_type: csr.key_type(),
        validity,
        strict_webpki: args.strict_webpki,
    };
    let issued = issuer.sign_csr(&csr, &options).map_err(core_error)?;
    let files = [
        file(&cert_path, issued.cert.pem(), FileMode::Public),
        file(&chain_path, issued.chain_pem(), FileMode::Public),
    ];
    // Recorded before the files are written, as in `ca issue`.
    ca_dir
        .record(
            &issued.cert,
            issuer_name,
            issued.profile,
            csr.key_type(),
            Some(&cert_path),
        )
        .map_err(core_error)?;
    args.output.write(&files)?;
    if !csr.ignored().is_empty() {
        eprintln!(
            "note: not copied from the CSR (our profile decides): {}",
            csr.ignored().join(", ")
        );
    }
    warn_all(&issued.warnings);

    let root_path = ca_dir.anchor_path();
    if args.json {
        let mut out = cert_json(&issued.cert);
        out.insert("cert".into(), json!(abs(&cert_path)));
        out.insert("chain".into(), json!(abs(&chain_path)));
        out.insert("root".into(), json!(abs(&root_path)));
        out.insert("issuer".into(), json!(issuer_name));
        out.insert("profile".into(), json!(issued.profile.as_str()));
        out.insert("key_type".into(), json!(csr.key_type().to_string()));
        return print_json(&out.into());
    }
    let info = issued.cert.info();
    println!(
        "Signed a {} certificate for {} (signed by {issuer_name}, valid until {}).",
        issued.profile.as_str(),
        info.names.join(", "),
        ca_core::validity::rfc3339(info.not_after)
    );
    println!("  certificate: {}", cert_path.display());
    println!("  chain:       {}", chain_path.display());
    println!("  root CA:     {}", root_path.display());
    Ok(())
}
