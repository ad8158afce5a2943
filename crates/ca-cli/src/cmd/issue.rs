//! `ca issue NAME...`: a server (or client) certificate, its key and chain.

use ca_core::atomic::FileMode;
use ca_core::name::parse_names;
use ca_core::store::ROOT;
use ca_core::{CaOptions, KeyType, LeafOptions};
use serde_json::json;

use super::common::{
    abs, cert_json, core_error, file, print_json, warn_all, warn_if_revoked, CaDirArgs, OutputArgs,
    PassphraseArgs, ValidityArgs,
};
use crate::exit::CliError;

/// Issue a certificate and key for names (creates a CA if there is none).
///
/// Each NAME is a DNS name (`localhost`, `*.example.test`, `bücher.test`),
/// an IP address (`127.0.0.1`, `::1`), an e-mail address or a URI; the
/// first one is also the subject's common name. Writes NAME.pem (the
/// certificate), NAME-key.pem (its key, mode 0600) and NAME-chain.pem
/// (the certificate followed by its intermediates, what a server serves)
/// into --out, named after the first name.
///
/// With no CA yet, creates one first (and says where), so
/// `ca issue localhost 127.0.0.1` is all it takes.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  ca issue localhost 127.0.0.1 ::1
  ca issue '*.example.test' --out certs/ --json
  ca issue alice@example.test --client --key-type ed25519
  ca issue api.example.test --issuer web --days 30

Exit codes: 0 issued; 1 refused (an output file exists: use --force); \
2 bad input (a bad name, an unreadable or locked CA key, an unwritable --out).")]
pub struct Args {
    /// Names for the certificate: DNS names, IP addresses, e-mails or URIs.
    #[arg(required = true, value_name = "NAME")]
    pub names: Vec<String>,

    /// Make a client certificate (extendedKeyUsage clientAuth) instead of a
    /// server one.
    #[arg(long)]
    pub client: bool,

    /// The key type: ecdsa-p256, ecdsa-p384, ed25519, rsa-2048, rsa-3072, rsa-4096.
    #[arg(long, value_name = "TYPE", default_value_t = KeyType::EcdsaP256)]
    pub key_type: KeyType,

    /// Sign with this intermediate (see `ca intermediate`) [default: the root].
    #[arg(long, value_name = "NAME")]
    pub issuer: Option<String>,

    /// Refuse to issue a certificate that breaks a Web PKI (CA/Browser Forum) rule, such as an
    /// Ed25519 key, instead of warning (docs/rules.md).
    #[arg(long)]
    pub strict_webpki: bool,

    #[command(flatten)]
    pub output: OutputArgs,

    /// Print one JSON object (cert, key, chain, root, serial, not_after,
    /// sha256, ...) instead of text.
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
    let names = parse_names(&args.names).map_err(core_error)?;
    let validity = args.validity.request()?;
    let key_passphrase = args.passphrases.key()?;
    let ca_passphrase = args.passphrases.ca()?;
    let [cert_path, key_path, chain_path] = args
        .output
        .paths(&names[0].file_stem(), [".pem", "-key.pem", "-chain.pem"])?;

    let ca_dir = args.ca.ca_dir()?;
    let issuer_name = args.issuer.as_deref().unwrap_or(ROOT);
    // A new CA has no intermediates: --issuer NAME then fails below
    // without making a CA as a side effect.
    let created = if issuer_name == ROOT {
        ca_dir
            .ensure_initialized(&CaOptions::default(), ca_passphrase.as_ref())
            .map_err(core_error)?
    } else {
        None
    };
    if let Some(created) = &created {
        announce_new_ca(&created.cert_path, &ca_dir);
    }
    let issuer = match created {
        // Just made: no need to read it back.
        Some(created) if issuer_name == ROOT => created.issuer,
        _ => ca_dir
            .load_issuer(Some(issuer_name), ca_passphrase.as_ref())
            .map_err(core_error)?,
    };
    warn_if_revoked(&ca_dir, issuer_name, &issuer);

    let options = LeafOptions {
        names,
        client: args.client,
        key_type: args.key_type,
        validity,
        strict_webpki: args.strict_webpki,
    };
    let issued = issuer.issue(&options).map_err(core_error)?;
    let key = issued.key.as_ref().expect("issue() makes a key");
    let key_pem = key
        .to_pem_with(key_passphrase.as_ref())
        .map_err(|e| core_error(e.into()))?;
    let files = [
        file(&key_path, key_pem, FileMode::Private),
        file(&cert_path, issued.cert.pem(), FileMode::Public),
        file(&chain_path, issued.chain_pem(), FileMode::Public),
    ];
    // Recorded before the files are written (as `ca apply` does): a crash
    // or a broken CA directory never leaves a certificate the CA does not know.
    ca_dir
        .record(
            &issued.cert,
            issuer_name,
            issued.profile,
            key.key_type(),
            Some(&cert_path),
        )
        .map_err(core_error)?;
    args.output.write(&files)?;
    warn_all(&issued.warnings);

    let root_path = ca_dir.anchor_path();
    if args.json {
        let mut out = cert_json(&issued.cert);
        out.insert("cert".into(), json!(abs(&cert_path)));
        out.insert("key".into(), json!(abs(&key_path)));
        out.insert("chain".into(), json!(abs(&chain_path)));
        out.insert("root".into(), json!(abs(&root_path)));
        out.insert("issuer".into(), json!(issuer_name));
        out.insert("profile".into(), json!(issued.profile.as_str()));
        out.insert("key_type".into(), json!(key.key_type().to_string()));
        out.insert("ca_dir".into(), json!(abs(ca_dir.path())));
        return print_json(&out.into());
    }
    let info = issued.cert.info();
    println!(
        "Issued a {} certificate for {} (signed by {issuer_name}, valid until {}).",
        issued.profile.as_str(),
        info.names.join(", "),
        ca_core::validity::rfc3339(info.not_after)
    );
    println!("  certificate: {}", cert_path.display());
    println!("  key:         {}", key_path.display());
    println!("  chain:       {}", chain_path.display());
    println!("  root CA:     {}", root_path.display());
    Ok(())
}

/// Tells the user (on stderr, so --json stays clean) that a CA was made.
pub fn announce_new_ca(root_cert: &std::path::Path, ca_dir: &ca_core::CaDir) {
    eprintln!(
        "Created a new local CA in {} (there was none).\n\
         Its root certificate is {}: add it to the trust store of the clients that should \
         trust what this CA issues.",
        ca_dir.path().display(),
        root_cert.display()
    );
}
