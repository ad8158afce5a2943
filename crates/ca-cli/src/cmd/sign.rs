//! `ca sign CSR`: a certificate for a CSR, with our profile.

use std::path::PathBuf;

use ca_core::profile::LeafKind;
use ca_core::store::{IssueRequest, OutputFile, OutputKind, ROOT};
use ca_core::{Csr, LeafOptions};
use serde_json::json;

use super::common::{
    abs, cert_json, chain_files_json, clock, core_error, print_chain_files, print_json,
    warn_issued, CaDirArgs, CaPassphraseArgs, OutputArgs, ValidityArgs,
};
use crate::exit::CliError;

/// Sign a certificate signing request with our profile.
///
/// The CSR's signature must verify. Only its public key and its names
/// (subjectAltName, or the CN when there is none) are used: the
/// certificate gets our server (or --client) profile, and nothing else the
/// CSR asks for (basicConstraints, key usages, other extensions) is copied.
/// Writes NAME.pem (the certificate), NAME-fullchain.pem (it and its
/// intermediates: what a server serves) and NAME-chain.pem (the
/// intermediates alone; not written when the root signs) into --out, named
/// after the first name.
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

    /// Print one JSON object (cert, chain, fullchain, root, serial, not_after,
    /// sha256, ...); chain is null when the root signed directly.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub validity: ValidityArgs,

    #[command(flatten)]
    pub passphrases: CaPassphraseArgs,

    #[command(flatten)]
    pub ca: CaDirArgs,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let at = clock();
    let csr = Csr::read_file(&args.csr).map_err(core_error)?;
    if csr.names().is_empty() {
        return Err(CliError::bad_input(format!(
            "{}: the CSR names nothing (no subjectAltName and no usable CN); \
             make one with names, e.g. `ca csr NAME...`",
            args.csr.display()
        )));
    }
    let validity = args.validity.request()?;
    let [cert_path, chain_path, fullchain_path] = args.output.paths(
        &csr.names()[0].file_stem(),
        [".pem", "-chain.pem", "-fullchain.pem"],
    )?;

    let ca_dir = args.ca.ca_dir()?;
    let issuer_name = args.issuer.as_deref().unwrap_or(ROOT);
    let ca_passphrase = args.passphrases.ca()?;
    let request = IssueRequest {
        issuer: issuer_name,
        leaf: LeafOptions {
            names: csr.names().to_vec(),
            kind: if args.client {
                LeafKind::Client
            } else {
                LeafKind::Server
            },
            key_type: csr.key_type(),
            validity,
            strict_webpki: args.strict_webpki,
            ..Default::default()
        },
        csr: Some(&csr),
        outputs: vec![
            OutputFile::new(OutputKind::Cert, &cert_path),
            OutputFile::new(OutputKind::Chain, &chain_path),
            OutputFile::new(OutputKind::FullChain, &fullchain_path),
        ],
        overwrite: args.output.force.into(),
        key_passphrase: None,
        ca_passphrase: ca_passphrase.as_ref(),
        create_root: None,
    };
    let outcome = ca_dir.issue(&request, &at).map_err(core_error)?;
    if !csr.ignored().is_empty() {
        eprintln!(
            "note: not copied from the CSR (our profile decides): {}",
            ca_core::text::escape_untrusted(&csr.ignored().join(", "))
        );
    }
    warn_issued(&outcome, issuer_name);
    let issued = &outcome.issued;

    let root_path = ca_dir.anchor_path();
    if args.json {
        let mut out = cert_json(&issued.cert);
        out.insert("cert".into(), json!(abs(&cert_path)));
        chain_files_json(&outcome, &mut out);
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
        // The names came from the CSR: escaped.
        ca_core::text::escape_untrusted(&info.names.join(", ")),
        ca_core::validity::rfc3339(info.not_after)
    );
    println!("  certificate: {}", cert_path.display());
    print_chain_files(&outcome);
    println!("  root CA:     {}", root_path.display());
    Ok(())
}
