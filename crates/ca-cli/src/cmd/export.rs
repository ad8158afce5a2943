//! `ca export --p12 OUT`: a key, its certificate and chain as PKCS#12.

use std::path::{Path, PathBuf};

use ca_core::atomic::{self, FileMode};
use ca_core::inspect::certificates;
use ca_core::p12::{default_friendly_name, P12Contents, P12Encryption, P12Error};
use ca_core::{Passphrase, PrivateKey};

use super::common::core_error;
use super::inspect::{emit, json_text, passphrase, Input};
use crate::exit::CliError;

/// Export a key with its certificate and chain as a PKCS#12 (.p12/.pfx) file.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Encryption: by default PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) with a SHA-256 \
MAC, which OpenSSL 3, Java 8u301+, Windows Server 2019+ and macOS read. \
--legacy uses pbeWithSHAAnd3-KeyTripleDES-CBC with a SHA-1 MAC, for older \
Java and Windows. Check a file with: openssl pkcs12 -in OUT -noenc -passin file:F

Exit codes: 0 written; 1 OUT exists (use --force); 2 bad input (unreadable \
files, a key that does not match the certificate, an empty password).")]
pub struct Args {
    /// The PKCS#12 file to write (mode 0600).
    #[arg(long, value_name = "OUT")]
    pub p12: PathBuf,

    /// The certificate (PEM or DER). If it holds several certificates, the
    /// first is the key's and the others are its chain.
    #[arg(long, value_name = "CERT")]
    pub cert: PathBuf,

    /// The private key of the certificate (PKCS#8, PKCS#1 or SEC1; PEM or DER).
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,

    /// Issuer certificates to include (PEM bundle or DER), leaf's issuer first.
    #[arg(long, value_name = "CHAIN")]
    pub chain: Option<PathBuf>,

    /// File holding the PKCS#12 password (one trailing newline is ignored).
    #[arg(long, value_name = "FILE")]
    pub password_file: PathBuf,

    /// The friendly name (Java's alias) [default: the certificate's common
    /// name, or its first subject alternative name].
    #[arg(long, value_name = "FRIENDLY")]
    pub name: Option<String>,

    /// Use the old encryption (3DES, SHA-1 MAC) for old Java and Windows.
    #[arg(long)]
    pub legacy: bool,

    /// File holding the passphrase of an encrypted KEY.
    #[arg(long, value_name = "FILE", conflicts_with = "passphrase_env")]
    pub passphrase_file: Option<PathBuf>,

    /// Environment variable holding the passphrase of an encrypted KEY.
    #[arg(long, value_name = "VAR")]
    pub passphrase_env: Option<String>,

    /// Replace OUT if it exists.
    #[arg(long)]
    pub force: bool,

    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let mut certs = read_certificates(&args.cert)?;
    if let Some(chain) = &args.chain {
        for der in read_certificates(chain)? {
            if !certs.contains(&der) {
                certs.push(der);
            }
        }
    }
    let key_passphrase = passphrase(
        args.passphrase_file.as_deref(),
        args.passphrase_env.as_deref(),
    )?;
    let key = PrivateKey::read_file(&args.key, key_passphrase.as_ref()).map_err(core_error)?;
    let password = Passphrase::from_file(&args.password_file).map_err(core_error)?;
    let (leaf, chain) = certs
        .split_first()
        .expect("read_certificates returns at least one");
    let friendly_name = match args.name {
        Some(name) => name,
        None => default_friendly_name(leaf),
    };
    let encryption = if args.legacy {
        P12Encryption::Legacy
    } else {
        P12Encryption::Modern
    };
    let contents = P12Contents {
        key: &key,
        cert: leaf,
        chain,
        friendly_name: &friendly_name,
    };
    let der = contents.to_der(&password, encryption).map_err(|e| {
        // Name the file to fix, not the one we did not write.
        let file = match e {
            P12Error::KeyMismatch => &args.key,
            P12Error::BadCertificate(_) => &args.cert,
            P12Error::PasswordNotText => &args.password_file,
            P12Error::EmptyName | P12Error::Encode(_) => &args.p12,
        };
        CliError::bad_input(format!("{}: {e}", file.display()))
    })?;
    atomic::write_file(&args.p12, &der, FileMode::Private, args.force.into())
        .map_err(core_error)?;
    if let Some(level) = key.key_type().ml_dsa().map(|l| l.name()) {
        // The file is well formed (PKCS#12 holds any PKCS#8 key), but the usual readers of
        // PKCS#12 do not know ML-DSA keys yet: say so before someone imports it.
        eprintln!(
            "warning: {}: the key is {level}; PKCS#12 readers that do not know ML-DSA keys \
             (OpenSSL before 3.5, Java, Windows, macOS, Python cryptography 50) refuse the \
             file: keep the PEM key and certificate for them",
            args.p12.display()
        );
    }
    if args.json {
        #[derive(serde::Serialize)]
        struct Output<'a> {
            p12: &'a Path,
            friendly_name: &'a str,
            encryption: &'static str,
            certificates: usize,
        }
        emit(&json_text(&Output {
            p12: &args.p12,
            friendly_name: &friendly_name,
            encryption: if args.legacy { "legacy" } else { "modern" },
            certificates: certs.len(),
        }))
    } else {
        emit(&format!(
            "wrote {} (key and {} certificate{}, friendly name \"{friendly_name}\")\n",
            args.p12.display(),
            certs.len(),
            if certs.len() == 1 { "" } else { "s" }
        ))
    }
}

fn read_certificates(path: &Path) -> Result<Vec<Vec<u8>>, CliError> {
    let input = Input::read(path)?;
    certificates(&input.bytes).map_err(|e| input.error(e))
}
