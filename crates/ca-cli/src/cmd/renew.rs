//! `ca renew FILE...`: reissue certificates this CA issued, in place.

use std::path::{Path, PathBuf};

use ca_core::atomic::Overwrite;
use ca_core::name::parse_names;
use ca_core::profile::LeafKind;
use ca_core::store::{IssueRequest, OutputFile, OutputKind};
use ca_core::{CertDer, CertProfile, Csr, LeafOptions, PrivateKey, Subject};
use serde_json::{json, Value};

use super::common::{
    abs, cert_json, chain_files_json, clock, core_error, print_chain_files, print_json,
    warn_issued, CaDirArgs, PassphraseArgs, ValidityArgs,
};
use crate::exit::CliError;

/// Renew certificates: reissue each with the same names, subject
/// attributes, profile (server or client), key type and issuer, and replace
/// its files in place.
///
/// As `certbot renew` does, renewing replaces the files: FILE (NAME.pem)
/// and, next to it, NAME-key.pem (a new key, unless --reuse-key),
/// NAME-fullchain.pem and NAME-chain.pem, each written atomically (a
/// reader sees the old file or the new one, never half of one). The old
/// certificate stays in the CA directory (issued/SERIAL.pem). Only a
/// certificate this CA directory issued is renewed; for the leaves of a
/// `ca apply` file, re-run `ca apply` instead.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  ca renew localhost.pem
  ca renew certs/*.pem --reuse-key --json
  ca needs-renewal certs/www.pem --within 30d || ca renew certs/www.pem

--json prints {\"renewed\": [...]}, one object per FILE as `ca issue --json` prints \
it, with \"replaced\" (the old serial).

Exit codes: 0 renewed; 1 refused (a certificate this CA directory did not issue); \
2 bad input (not a certificate, an unreadable key, a locked CA key).")]
pub struct Args {
    /// The certificates to renew (NAME.pem as `ca issue` wrote them).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Keep the private key (NAME-key.pem) and certify it again, instead of
    /// making a new one.
    #[arg(long)]
    pub reuse_key: bool,

    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub validity: ValidityArgs,

    #[command(flatten)]
    pub passphrases: PassphraseArgs,

    #[command(flatten)]
    pub ca: CaDirArgs,
}

/// The files of one certificate, named after FILE the way `ca issue` names them.
struct Files {
    cert: PathBuf,
    key: PathBuf,
    chain: PathBuf,
    fullchain: PathBuf,
}

impl Files {
    fn of(cert: &Path) -> Files {
        let name = cert
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stem = name.strip_suffix(".pem").unwrap_or(&name);
        let sibling = |suffix: &str| cert.with_file_name(format!("{stem}{suffix}"));
        Files {
            cert: cert.to_path_buf(),
            key: sibling("-key.pem"),
            chain: sibling("-chain.pem"),
            fullchain: sibling("-fullchain.pem"),
        }
    }
}

pub fn run(args: Args) -> Result<(), CliError> {
    let at = clock();
    let ca_dir = args.ca.ca_dir()?;
    let index = ca_dir.index().map_err(core_error)?;
    let key_passphrase = args.passphrases.key()?;
    let ca_passphrase = args.passphrases.ca()?;
    let validity = args.validity.request()?;
    let mut renewed = Vec::new();
    for path in &args.files {
        let old = CertDer::read_file(path).map_err(core_error)?;
        let info = old.info();
        // The index knows the issuer, profile and key type of what this CA made.
        let Some(entry) = index.find(&info.serial) else {
            return Err(CliError::refused(format!(
                "{}: serial {} is not in the index of {}: this CA directory did not issue it; \
                 give the right --ca-dir, or issue a new certificate with `ca issue`",
                path.display(),
                info.serial.to_hex(),
                ca_dir.path().display()
            )));
        };
        let kind = match entry.profile {
            CertProfile::Server => LeafKind::Server,
            CertProfile::Client => LeafKind::Client,
            other => {
                return Err(CliError::bad_input(format!(
                    "{}: a {} certificate; `ca renew` renews server and client \
                     certificates",
                    path.display(),
                    other.as_str()
                )))
            }
        };
        let files = Files::of(path);
        let names = parse_names(&info.names).map_err(core_error)?;
        let key_type = entry.key_type;
        // --reuse-key: certify the same public key, through a CSR signed with it.
        let csr = match args.reuse_key {
            true => {
                let key = PrivateKey::read_file(&files.key, key_passphrase.as_ref())
                    .map_err(core_error)?;
                if key.public_key_der() != old.parsed().public_key().raw {
                    return Err(CliError::bad_input(format!(
                        "{}: not the key of {}; --reuse-key needs the certificate's own key",
                        files.key.display(),
                        path.display()
                    )));
                }
                Some(Csr::create(&key, &names).map_err(core_error)?)
            }
            false => None,
        };
        let mut outputs = vec![OutputFile::new(OutputKind::Cert, &files.cert)];
        if csr.is_none() {
            outputs.insert(0, OutputFile::new(OutputKind::Key, &files.key));
        }
        outputs.push(OutputFile::new(OutputKind::Chain, &files.chain));
        outputs.push(OutputFile::new(OutputKind::FullChain, &files.fullchain));
        let request = IssueRequest {
            issuer: &entry.issuer,
            leaf: LeafOptions {
                names,
                kind,
                key_type,
                validity,
                subject: Subject::of(&old),
                ..Default::default()
            },
            csr: csr.as_ref(),
            outputs,
            // Renewing replaces the files: that is what was asked for.
            overwrite: Overwrite::Replace,
            key_passphrase: key_passphrase.as_ref(),
            ca_passphrase: ca_passphrase.as_ref(),
            create_root: None,
        };
        let progress = match csr {
            Some(_) => super::progress::Progress::spinner("Renewing", args.json),
            None => super::progress::Progress::key_generation(key_type, args.json),
        };
        let outcome = ca_dir.issue(&request, &at).map_err(core_error)?;
        drop(progress);
        warn_issued(&outcome, &entry.issuer);
        if csr.is_none() {
            super::key_safety::warn_if_git_would_commit(&files.key);
        }
        if args.json {
            let mut out = cert_json(&outcome.issued.cert);
            out.insert("cert".into(), json!(abs(&files.cert)));
            out.insert("key".into(), json!(abs(&files.key)));
            chain_files_json(&outcome, &mut out);
            out.insert("issuer".into(), json!(entry.issuer));
            out.insert("profile".into(), json!(entry.profile.as_str()));
            out.insert("key_type".into(), json!(entry.key_type.to_string()));
            out.insert("new_key".into(), json!(csr.is_none()));
            out.insert("replaced".into(), json!(info.serial.to_hex()));
            renewed.push(Value::from(out));
            continue;
        }
        let new = outcome.issued.cert.info();
        println!(
            "Renewed {} for {} (serial {} replaces {}, signed by {}, valid until {}; {}).",
            path.display(),
            new.names.join(", "),
            new.serial.to_hex(),
            info.serial.to_hex(),
            entry.issuer,
            ca_core::validity::rfc3339(new.not_after),
            if csr.is_none() { "new key" } else { "same key" }
        );
        println!("  certificate: {}", files.cert.display());
        println!("  key:         {}", files.key.display());
        print_chain_files(&outcome);
    }
    if args.json {
        return print_json(&json!({ "renewed": renewed }));
    }
    Ok(())
}
