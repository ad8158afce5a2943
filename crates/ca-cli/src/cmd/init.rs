//! `ca init`: create the root CA of a CA directory, or import one.

use std::path::PathBuf;

use ca_core::{CaOptions, CertDer, ImportRules, KeyType, PrivateKey, Subject};
use serde_json::json;

use super::common::{
    abs, cert_json, clock, core_error, parse_subject, print_json, warn_all, CaDirArgs,
    ConstraintArgs, PassphraseArgs, ValidityArgs,
};
use crate::exit::CliError;

/// Create the root CA (or import an existing one).
///
/// The root certificate (root/cert.pem in the CA directory) is the one to
/// add to trust stores. Its key stays in the CA directory (mode 0600),
/// encrypted when a passphrase is given.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  ca init
  ca init --ca-dir ./pki --key-type ecdsa-p384 --cn 'Example Test Root'
  ca init --permit-dns example.test --permit-ip 10.0.0.0/8
  ca init --import-cert root.pem --import-key root-key.pem
  cat corp-ca.pem corp-root.pem > bundle.pem
  ca init --import-cert bundle.pem --import-key corp-ca-key.pem

An imported CA that is not self-signed (an intermediate of another root) \
is given as a bundle: its certificate first, then its issuers in order, \
ideally up to the self-signed root. Each must have signed the one before it. \
The chains of certificates issued later carry the CA and its issuers (not \
the root), and the `root` path printed with --json is that root \
(root/anchor.pem in the CA directory).

Exit codes: 0 created; 1 refused (a CA already exists in the directory); \
2 bad input (unreadable, malformed or mismatched import files, a bundle out of order, \
a wrong passphrase).")]
pub struct Args {
    /// The key type: ecdsa-p256, ecdsa-p384, ecdsa-p521, ed25519, rsa-2048, rsa-3072, rsa-4096, or
    /// the post-quantum ml-dsa-44, ml-dsa-65, ml-dsa-87 (FIPS 204; outside the Web PKI).
    #[arg(long, value_name = "TYPE", default_value_t = KeyType::EcdsaP256)]
    pub key_type: KeyType,

    /// The subject common name [default: "ca root" and a short id].
    #[arg(long, value_name = "NAME")]
    pub cn: Option<String>,

    /// More subject attributes: "O=Acme, OU=Platform, C=DE" (C, ST, L, O,
    /// OU; write \, for a comma in a value). An O replaces the default
    /// organisation "ca development CA".
    #[arg(long, value_name = "ATTRS", value_parser = parse_subject, conflicts_with = "import_cert")]
    pub subject: Option<Subject>,

    /// The root's pathLenConstraint [default: none].
    #[arg(long, value_name = "N")]
    pub path_len: Option<u8>,

    /// Import this CA certificate (PEM or DER) instead of creating one;
    /// a PEM bundle adds its issuers after it, up to the root.
    #[arg(long, value_name = "FILE", requires = "import_key")]
    pub import_cert: Option<PathBuf>,

    /// The private key of --import-cert: PKCS#8 (plain or encrypted),
    /// PKCS#1 or SEC1, PEM or DER. An encrypted key is unlocked with
    /// --passphrase-* and stored encrypted with the same passphrase.
    #[arg(long, value_name = "FILE", requires = "import_cert")]
    pub import_key: Option<PathBuf>,

    /// Import --import-cert even when a certificate of it breaks a rule of the rulebook
    /// (docs/rules.md) that clients enforce; each violation is shown as a warning. Without it
    /// such a certificate is refused, naming the rule.
    #[arg(long, requires = "import_cert")]
    pub accept_violations: bool,

    /// Print one JSON object (cert, key, serial, not_after, sha256, ...).
    #[arg(long)]
    pub json: bool,

    /// Refuse to issue a certificate that breaks a Web PKI (CA/Browser Forum) rule, such as an
    /// Ed25519 key, instead of warning (docs/rules.md).
    #[arg(long)]
    pub strict_webpki: bool,

    #[command(flatten)]
    pub validity: ValidityArgs,

    #[command(flatten)]
    pub constraints: ConstraintArgs,

    #[command(flatten)]
    pub passphrases: PassphraseArgs,

    #[command(flatten)]
    pub ca: CaDirArgs,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let at = clock();
    let ca_dir = args.ca.ca_dir()?;
    let passphrase = args.passphrases.key()?;
    let created = match (&args.import_cert, &args.import_key) {
        (Some(cert_path), Some(key_path)) => {
            let unlock = args.passphrases.ca()?;
            let chain = CertDer::read_file_all(cert_path).map_err(core_error)?;
            let key = PrivateKey::read_file(key_path, unlock.as_ref()).map_err(core_error)?;
            let rules = ImportRules {
                strict_webpki: args.strict_webpki,
                accept_violations: args.accept_violations,
            };
            ca_dir
                .import_chain(chain, key, unlock.as_ref(), &at, rules)
                .map_err(|e| core_error(e.in_file(cert_path)))?
        }
        _ => {
            let options = CaOptions {
                common_name: args.cn.clone(),
                subject: args.subject.clone().unwrap_or_default(),
                key_type: args.key_type,
                validity: args.validity.request()?,
                path_len: args.path_len,
                name_constraints: args.constraints.spec(),
                strict_webpki: args.strict_webpki,
            };
            let _progress = super::progress::Progress::key_generation(args.key_type, args.json);
            ca_dir
                .init(&options, passphrase.as_ref(), &at)
                .map_err(core_error)?
        }
    };
    warn_all(&created.warnings);
    super::key_safety::warn_if_git_would_commit(&created.key_path);
    let cert = created.issuer.cert();
    if args.json {
        let mut out = cert_json(cert);
        out.insert("cert".into(), json!(abs(&created.cert_path)));
        out.insert("key".into(), json!(abs(&created.key_path)));
        out.insert("root".into(), json!(abs(&ca_dir.anchor_path())));
        out.insert(
            "key_type".into(),
            json!(created.issuer.key().key_type().to_string()),
        );
        out.insert("ca_dir".into(), json!(abs(ca_dir.path())));
        return print_json(&out.into());
    }
    let anchor = ca_dir.anchor_path();
    let (verb, what) = match (args.import_cert.is_some(), anchor == created.cert_path) {
        (false, _) => ("Created", "root CA"),
        (true, true) => ("Imported", "root CA"),
        (true, false) => ("Imported", "CA"),
    };
    println!(
        "{verb} the {what} \"{}\" in {}.",
        cert.info().subject,
        ca_dir.path().display()
    );
    println!("  certificate: {}", created.cert_path.display());
    println!("  key:         {}", created.key_path.display());
    if anchor != created.cert_path {
        println!("  root:        {}", anchor.display());
        println!("Clients should trust the root; issued chains carry the CA and its issuers.");
        return Ok(());
    }
    println!("Add the certificate to the trust store of the clients that should trust it.");
    Ok(())
}
