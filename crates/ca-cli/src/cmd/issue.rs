//! `ca issue NAME...`: a server (or client) certificate, its key and chain.

use ca_core::name::parse_names;
use ca_core::profile::LeafKind;
use ca_core::store::{IssueRequest, OutputFile, OutputKind, ROOT};
use ca_core::{CaOptions, KeyType, LeafOptions, Subject};
use serde_json::json;

use super::common::{
    abs, cert_json, chain_files_json, chain_files_text, clock, core_error, parse_subject,
    print_json, warn_issued, CaDirArgs, OutputArgs, PassphraseArgs, ValidityArgs,
};
use crate::exit::CliError;

/// Issue a certificate and key for names (creates a CA if there is none).
///
/// Each NAME is a DNS name (`localhost`, `*.example.test`, `bücher.test`),
/// an IP address (`127.0.0.1`, `::1`), an e-mail address or a URI; the
/// first one is also the subject's common name. Writes, into --out and
/// named after the first name, the files certbot users know:
/// NAME.pem (the certificate), NAME-key.pem (its key, mode 0600),
/// NAME-fullchain.pem (the certificate followed by its intermediates: what
/// a server serves, e.g. nginx's ssl_certificate) and NAME-chain.pem (the
/// intermediates alone, e.g. Apache's SSLCertificateChainFile; not written
/// when the root signs directly: there are no intermediates).
///
/// With no CA yet in the default CA directory, creates one first (and says
/// where), so `ca issue localhost 127.0.0.1` is all it takes. A --ca-dir or
/// CA_DIR that holds no CA is refused: create it with `ca init --ca-dir DIR`.
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

    /// The key type: ecdsa-p256, ecdsa-p384, ecdsa-p521, ed25519, rsa-2048, rsa-3072, rsa-4096, or
    /// the post-quantum ml-dsa-44, ml-dsa-65, ml-dsa-87 (FIPS 204; outside the Web PKI).
    #[arg(long, value_name = "TYPE", default_value_t = KeyType::EcdsaP256)]
    pub key_type: KeyType,

    /// Subject attributes before the CN: "O=Acme, OU=Platform, C=DE" (C,
    /// ST, L, O, OU; write \, for a comma in a value) [default: the CN alone].
    #[arg(long, value_name = "ATTRS", value_parser = parse_subject)]
    pub subject: Option<Subject>,

    /// Sign with this intermediate (see `ca intermediate`) [default: the root].
    #[arg(long, value_name = "NAME")]
    pub issuer: Option<String>,

    /// Refuse to issue a certificate that breaks a Web PKI (CA/Browser Forum) rule, such as an
    /// Ed25519 key, instead of warning (docs/rules.md).
    #[arg(long)]
    pub strict_webpki: bool,

    #[command(flatten)]
    pub output: OutputArgs,

    /// Print one JSON object (cert, key, chain, fullchain, root, serial,
    /// not_after, sha256, ...) instead of text; chain is null when the root
    /// signed directly.
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
    let at = clock();
    let names = parse_names(&args.names).map_err(core_error)?;
    let validity = args.validity.request()?;
    let key_passphrase = args.passphrases.key()?;
    let ca_passphrase = args.passphrases.ca()?;
    let [cert_path, key_path, chain_path, fullchain_path] = args.output.paths(
        &names[0].file_stem(),
        [".pem", "-key.pem", "-chain.pem", "-fullchain.pem"],
    )?;

    let issuer_name = args.issuer.as_deref().unwrap_or(ROOT);
    let ca_dir = if issuer_name == ROOT {
        args.ca.ca_dir_created_on_first_use()?
    } else {
        args.ca.ca_dir()?
    };
    let request = IssueRequest {
        issuer: issuer_name,
        leaf: LeafOptions {
            names,
            kind: if args.client {
                LeafKind::Client
            } else {
                LeafKind::Server
            },
            key_type: args.key_type,
            validity,
            subject: args.subject.clone().unwrap_or_default(),
            strict_webpki: args.strict_webpki,
            crl_distribution_points: Vec::new(),
        },
        csr: None,
        outputs: vec![
            OutputFile::new(OutputKind::Key, &key_path),
            OutputFile::new(OutputKind::Cert, &cert_path),
            OutputFile::new(OutputKind::Chain, &chain_path),
            OutputFile::new(OutputKind::FullChain, &fullchain_path),
        ],
        overwrite: args.output.force.into(),
        key_passphrase: key_passphrase.as_ref(),
        ca_passphrase: ca_passphrase.as_ref(),
        create_root: Some(&CaOptions::default()),
    };
    let progress = super::progress::Progress::key_generation(args.key_type, args.json);
    let outcome = ca_dir.issue(&request, &at).map_err(core_error)?;
    drop(progress);
    if let Some(created) = &outcome.created_root {
        announce_new_ca(&created.cert_path, &ca_dir, args.json);
    }
    warn_issued(&outcome, issuer_name);
    if let Some(created) = &outcome.created_root {
        super::key_safety::warn_if_git_would_commit(&created.key_path);
    }
    super::key_safety::warn_if_git_would_commit(&key_path);
    let issued = &outcome.issued;
    let key_type = outcome.entry.key_type.to_string();

    let root_path = ca_dir.anchor_path();
    if args.json {
        let mut out = cert_json(&issued.cert);
        out.insert("cert".into(), json!(abs(&cert_path)));
        out.insert("key".into(), json!(abs(&key_path)));
        chain_files_json(&outcome, &mut out);
        out.insert("root".into(), json!(abs(&root_path)));
        out.insert("issuer".into(), json!(issuer_name));
        out.insert("profile".into(), json!(issued.profile.as_str()));
        out.insert("key_type".into(), json!(key_type));
        out.insert("ca_dir".into(), json!(abs(ca_dir.path())));
        return print_json(&out.into());
    }
    // The index line holds what the text needs, read from the certificate once. Formatted
    // first, then one write: stdout writes out every piece that holds a line's end.
    let entry = &outcome.entry;
    let text = format!(
        "Issued a {} certificate for {} (signed by {issuer_name}, valid until {}).\n\
         \x20 certificate: {}\n\
         \x20 key:         {}\n\
         {}\
         \x20 root CA:     {}\n\
         Clients trust it once they trust the root: `ca trust install{}` adds the root to this \
         machine's trust stores.\n",
        issued.profile.as_str(),
        entry.names.join(", "),
        entry.not_after,
        cert_path.display(),
        key_path.display(),
        chain_files_text(&outcome),
        root_path.display(),
        match &args.ca.ca_dir {
            Some(d) => format!(" --ca-dir {}", d.display()),
            None => String::new(),
        }
    );
    print!("{text}");
    Ok(())
}

/// Tells the user (on stderr, so --json stays clean) that a CA was made.
/// The text output ends with how to trust the root; with --json only this line can say it.
pub fn announce_new_ca(root_cert: &std::path::Path, ca_dir: &ca_core::CaDir, json: bool) {
    // Formatted first: stderr is unbuffered, and each piece would be a write of its own.
    let text = format!(
        "Created a new local CA in {} (there was none).\n\
         Its root certificate is {}{}\n",
        ca_dir.path().display(),
        root_cert.display(),
        if json {
            ": clients trust what this CA issues once they trust it \
             (`ca trust install` adds it to this machine's trust stores)."
        } else {
            "."
        }
    );
    eprint!("{text}");
}
