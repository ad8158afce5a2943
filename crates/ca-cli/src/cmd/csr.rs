//! `ca csr NAME...`: a private key and a certificate signing request.

use ca_core::atomic::FileMode;
use ca_core::name::parse_names;
use ca_core::{Csr, KeyType, PrivateKey};
use serde_json::json;

use super::common::{abs, core_error, file, print_json, OutputArgs, PassphraseArgs};
use crate::exit::CliError;

/// Make a key and a certificate signing request.
///
/// Writes NAME.csr and NAME-key.pem (mode 0600) into --out, named after the
/// first name. The CSR asks for the names as subjectAltName; its subject CN
/// is the first name. Sign it with `ca sign NAME.csr`, or send it to
/// another CA.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  ca csr api.example.test 10.0.0.5
  ca sign api.example.test.csr

Exit codes: 0 written; 1 refused (an output file exists: use --force); 2 bad input.")]
pub struct Args {
    /// Names to request: DNS names, IP addresses, e-mails or URIs.
    #[arg(required = true, value_name = "NAME")]
    pub names: Vec<String>,

    /// The key type: ecdsa-p256, ecdsa-p384, ecdsa-p521, ed25519, rsa-2048, rsa-3072, rsa-4096, or
    /// the post-quantum ml-dsa-44, ml-dsa-65, ml-dsa-87 (FIPS 204; outside the Web PKI).
    #[arg(long, value_name = "TYPE", default_value_t = KeyType::EcdsaP256)]
    pub key_type: KeyType,

    #[command(flatten)]
    pub output: OutputArgs,

    /// Print one JSON object (csr, key, names) instead of text.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub passphrases: PassphraseArgs,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let names = parse_names(&args.names).map_err(core_error)?;
    let passphrase = args.passphrases.key()?;
    let [csr_path, key_path] = args
        .output
        .paths(&names[0].file_stem(), [".csr", "-key.pem"])?;

    let progress = super::progress::Progress::key_generation(args.key_type, args.json);
    let key = PrivateKey::generate(args.key_type).map_err(|e| core_error(e.into()))?;
    drop(progress);
    let csr = Csr::create(&key, &names).map_err(core_error)?;
    let key_pem = key
        .to_pem_with(passphrase.as_ref())
        .map_err(|e| core_error(e.into()))?;
    let files = [
        file(&key_path, key_pem, FileMode::Private),
        file(&csr_path, csr.pem(), FileMode::Public),
    ];
    args.output.write(&files)?;
    super::key_safety::warn_if_git_would_commit(&key_path);
    if args.json {
        let names: Vec<String> = names.iter().map(ToString::to_string).collect();
        return print_json(&json!({
            "csr": abs(&csr_path),
            "key": abs(&key_path),
            "names": names,
            "key_type": args.key_type.to_string(),
        }));
    }
    println!("Wrote a {} key and a CSR.", args.key_type);
    println!("  csr: {}", csr_path.display());
    println!("  key: {}", key_path.display());
    println!("Sign it with: ca sign {}", csr_path.display());
    Ok(())
}
