//! `ca intermediate NAME`: an intermediate CA signed by the root.

use ca_core::{CaOptions, KeyType, Subject};
use serde_json::json;

use super::common::{
    abs, cert_json, clock, core_error, parse_subject, print_json, warn_all, CaDirArgs,
    ConstraintArgs, PassphraseArgs, ValidityArgs,
};
use crate::exit::CliError;

/// Create an intermediate CA, signed by the root.
///
/// Later commands refer to it by NAME: `ca issue --issuer NAME` signs with
/// it (without --issuer, the root signs). By default it may sign leaves
/// only (pathLenConstraint 0). Name constraints limit what it may sign.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  ca intermediate web
  ca intermediate corp --permit-dns example.test --exclude-ip 10.0.0.0/8
  ca issue --issuer web www.example.test

Exit codes: 0 created; 1 refused (NAME exists); 2 bad input (no CA yet, \
a bad NAME or constraint, a locked root key).")]
pub struct Args {
    /// The intermediate's name: letters, digits, '.', '-' and '_'.
    #[arg(value_name = "NAME")]
    pub name: String,

    /// The key type: ecdsa-p256, ecdsa-p384, ecdsa-p521, ed25519, rsa-2048, rsa-3072, rsa-4096, or
    /// the post-quantum ml-dsa-44, ml-dsa-65, ml-dsa-87 (FIPS 204; outside the Web PKI).
    #[arg(long, value_name = "TYPE", default_value_t = KeyType::EcdsaP256)]
    pub key_type: KeyType,

    /// The subject common name [default: "ca intermediate NAME"].
    #[arg(long, value_name = "CN")]
    pub cn: Option<String>,

    /// More subject attributes: "O=Acme, OU=Platform, C=DE" (C, ST, L, O,
    /// OU; write \, for a comma in a value). An O replaces the default
    /// organisation "ca development CA".
    #[arg(long, value_name = "ATTRS", value_parser = parse_subject)]
    pub subject: Option<Subject>,

    /// pathLenConstraint: how many CA levels may follow below it.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub path_len: u8,

    /// Print one JSON object (name, cert, key, serial, not_after, sha256, ...).
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
    let options = CaOptions {
        common_name: args.cn.clone(),
        subject: args.subject.clone().unwrap_or_default(),
        key_type: args.key_type,
        validity: args.validity.request()?,
        path_len: Some(args.path_len),
        name_constraints: args.constraints.spec(),
        strict_webpki: args.strict_webpki,
    };
    let progress = super::progress::Progress::key_generation(args.key_type, args.json);
    let created = ca_dir
        .create_intermediate(
            &args.name,
            &options,
            args.passphrases.ca()?.as_ref(),
            args.passphrases.key()?.as_ref(),
            &at,
        )
        .map_err(core_error)?;
    drop(progress);
    warn_all(&created.warnings);
    super::key_safety::warn_if_git_would_commit(&created.key_path);
    if args.json {
        let mut out = cert_json(created.issuer.cert());
        out.insert("name".into(), json!(args.name));
        out.insert("cert".into(), json!(abs(&created.cert_path)));
        out.insert("key".into(), json!(abs(&created.key_path)));
        out.insert("root".into(), json!(abs(&ca_dir.anchor_path())));
        out.insert("key_type".into(), json!(args.key_type.to_string()));
        return print_json(&out.into());
    }
    println!(
        "Created the intermediate CA '{}' in {}.",
        args.name,
        ca_dir.path().display()
    );
    println!("  certificate: {}", created.cert_path.display());
    println!("  key:         {}", created.key_path.display());
    println!("Issue with it: ca issue --issuer {} NAME...", args.name);
    Ok(())
}
