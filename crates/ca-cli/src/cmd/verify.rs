//! `ca verify LEAF`: check a certificate chain the way a TLS client does in
//! step 4 of the handshake, with `ca-verify`. This file turns flags into
//! `VerifyOptions` and a verdict into an exit code; `input` reads the
//! certificates, `path` finds those of a failing path, `report` prints them.

// `ca probe` reads its trust anchors and prints its chain check with these too.
pub(crate) mod input;
mod path;
pub(crate) mod report;

use std::net::IpAddr;
use std::path::PathBuf;

use ca_verify::{
    ExpectedName, PolicyInputs, Profile, Purpose, Reason, RevocationScope, UnknownRevocationStatus,
    VerifyError, VerifyOptions, ANY_POLICY,
};
use time::OffsetDateTime;

use super::common::{core_error, CaDirArgs};
use crate::exit::CliError;

use input::Inputs;

/// Check a certificate chain the way a TLS client does.
///
/// Finds a path from LEAF up to a trusted root, checking at each step the
/// signature with the issuer's public key, the validity window, the CA
/// constraints, key usages and names; then the expected host name, IP
/// address or e-mail address and the purpose.
///
/// Trust comes from --roots and --system-roots; with neither, from the
/// root of the CA directory (--ca-dir, $CA_DIR, ...), whose intermediates
/// are then also offered as untrusted certificates.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  ca verify localhost-fullchain.pem --host localhost
  ca verify server.pem --untrusted intermediate.pem --roots root.pem --host www.example.test
  ca verify site.pem --system-roots --host example.com --explain
  ca verify client.pem --purpose client --roots root.pem --json
  ca verify server.pem --roots root.pem --crl root.crl --crl int.crl --at 2030-01-01T00:00:00Z
  ca verify ee.pem --untrusted ca.pem --roots root.pem --profile pkix --policy 2.16.840.1.101.3.2.1.48.1 --require-explicit-policy

Exit codes: 0 the chain is valid; 1 it is not (the message says what failed, \
on which certificate, and what to do); 2 bad usage or unreadable input \
(a missing, empty or damaged file, no trust anchors at all).")]
pub struct Args {
    /// The certificate to verify: PEM or DER. A PEM bundle is the leaf
    /// first, then intermediates (as a server sends them). - reads standard input.
    #[arg(value_name = "LEAF")]
    pub leaf: PathBuf,

    /// Untrusted intermediate certificates, PEM (any number) or DER, in any
    /// order (repeatable).
    #[arg(long, value_name = "FILE")]
    pub untrusted: Vec<PathBuf>,

    /// Trusted root certificates, PEM (any number) or DER (repeatable)
    /// [default: the CA directory's root].
    #[arg(long, value_name = "FILE")]
    pub roots: Vec<PathBuf>,

    /// Trust the system's trust store: $SSL_CERT_FILE, else
    /// /etc/ssl/certs/ca-certificates.crt.
    #[arg(long)]
    pub system_roots: bool,

    /// The DNS host name the certificate must be valid for (matched against
    /// its subjectAltName, wildcards allowed; never the common name).
    #[arg(long, value_name = "NAME", conflicts_with_all = ["ip", "email"])]
    pub host: Option<String>,

    /// The IP address the certificate must be valid for.
    #[arg(long, value_name = "ADDR", conflicts_with = "email")]
    pub ip: Option<IpAddr>,

    /// The e-mail address the certificate must be valid for.
    #[arg(long, value_name = "ADDR")]
    pub email: Option<String>,

    /// What the certificate is for: server (TLS server, serverAuth), client
    /// (TLS client, clientAuth) or an extended key usage OID such as
    /// 1.3.6.1.5.5.7.3.3.
    #[arg(long, value_name = "PURPOSE", default_value = "server")]
    pub purpose: String,

    /// Verify at this time, RFC 3339 (e.g. 2030-01-31T12:00:00Z) [default: now].
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,

    /// Certificate revocation lists, PEM or DER (repeatable). With any given,
    /// every certificate but the root needs a current CRL that covers it
    /// (RFC 5280 6.3): give the root's CRL too. A certificate no CRL covers is
    /// refused (see --crl-leaf-only, --crl-soft-fail).
    #[arg(long, value_name = "FILE")]
    pub crl: Vec<PathBuf>,

    /// Check the revocation of the leaf only, not of the intermediates.
    #[arg(long, requires = "crl")]
    pub crl_leaf_only: bool,

    /// Let a certificate whose revocation status no CRL decides pass
    /// ("soft-fail"); a revoked certificate is still refused.
    #[arg(long, requires = "crl")]
    pub crl_soft_fail: bool,

    /// A certificate policy OID the path must be valid for (repeatable; RFC
    /// 5280 user-initial-policy-set) [default: any policy]. An empty result
    /// fails only with an explicit policy required.
    #[arg(long = "policy", value_name = "OID")]
    pub policies: Vec<String>,

    /// Require the path to be valid for an acceptable policy
    /// (initial-explicit-policy).
    #[arg(long)]
    pub require_explicit_policy: bool,

    /// Forbid policy mapping anywhere in the path
    /// (initial-policy-mapping-inhibit).
    #[arg(long)]
    pub inhibit_policy_mapping: bool,

    /// Make anyPolicy in a CA certificate match no policy
    /// (initial-any-policy-inhibit).
    #[arg(long)]
    pub inhibit_any_policy: bool,

    /// The largest number of intermediates allowed between leaf and root
    /// [default: 8].
    #[arg(long, value_name = "N")]
    pub max_depth: Option<usize>,

    /// The rules (docs/rules.md): webpki (CA/Browser Forum rules on top of
    /// RFC 5280), rfc5280 (RFC 5280 path validation and its certificate
    /// profile) or pkix (RFC 5280 path validation only) [default: webpki for
    /// --purpose server, rfc5280 otherwise].
    #[arg(long, value_name = "PROFILE", value_enum)]
    pub profile: Option<ProfileArg>,

    /// Walk the chain certificate by certificate and show every check made.
    #[arg(long, conflicts_with = "json")]
    pub explain: bool,

    /// Print one JSON object (verdict, path, checks, error) on standard output.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub ca: CaDirArgs,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileArg {
    Webpki,
    Rfc5280,
    Pkix,
}

/// What was asked, for the reports.
pub struct Request {
    pub inputs: Inputs,
    pub opts: VerifyOptions,
    /// True when --at was not given.
    pub now: bool,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let mut opts = options(&args)?;
    let inputs = Inputs::read(&args)?;
    opts.crls = inputs.crls.clone();
    let request = Request {
        inputs,
        opts,
        now: args.at.is_none(),
    };
    let result = ca_verify::verify(
        &request.inputs.leaf,
        &request.inputs.pool,
        &request.inputs.anchors,
        &request.opts,
    );
    if let Err(e) = &result {
        if let Some(bad) = bad_input(e) {
            return Err(bad);
        }
    }
    if args.json {
        report::print_json(&request, &result)?;
    } else if args.explain {
        report::print_explain(&request, &result)?;
    } else if let Ok(path) = &result {
        report::print_summary(&request, path)?;
    }
    match result {
        Ok(_) => Ok(()),
        // The JSON says why; print nothing more.
        Err(_) if args.json => Err(CliError::refused("")),
        Err(e) => Err(CliError::refused(report::error_text(&request, &e))),
    }
}

/// Errors that come from what was asked rather than from the chain: exit 2.
pub(crate) fn bad_input(e: &VerifyError) -> Option<CliError> {
    match (&e.reason, &e.cert) {
        (Reason::InvalidExpectedName(name), _) => Some(CliError::bad_input(format!(
            "'{name}' is not a valid name to check the certificate for; give a DNS name to \
             --host, an IP address to --ip, an e-mail address to --email"
        ))),
        (Reason::Malformed(_) | Reason::InvalidCrl(_), None) => Some(CliError::bad_input(format!(
            "a --crl file cannot be used: {}; give a DER or PEM CRL",
            ca_core::text::escape_untrusted(&e.reason.to_string())
        ))),
        _ => None,
    }
}

fn options(args: &Args) -> Result<VerifyOptions, CliError> {
    let time = time_of(args.at.as_deref())?;
    let purpose = purpose(&args.purpose)?;
    let name = if let Some(h) = &args.host {
        Some(ExpectedName::Dns(h.clone()))
    } else if let Some(ip) = args.ip {
        Some(ExpectedName::Ip(ip))
    } else {
        args.email.clone().map(ExpectedName::Email)
    };
    let profile = profile_for(args.profile, &purpose);
    let mut opts = VerifyOptions::server(time, name);
    opts.purpose = purpose;
    opts.profile = profile;
    opts.max_depth = args.max_depth;
    if args.crl_leaf_only {
        opts.revocation.scope = RevocationScope::LeafOnly;
    }
    if args.crl_soft_fail {
        opts.revocation.unknown_status = UnknownRevocationStatus::AllowSoftFail;
    }
    for oid in &args.policies {
        if !is_oid(oid) {
            return Err(CliError::bad_input(format!(
                "--policy '{oid}': give a certificate policy OID such as 2.23.140.1.2.1 \
                 ({ANY_POLICY} is anyPolicy)"
            )));
        }
    }
    opts.policy = PolicyInputs {
        initial_policy_set: if args.policies.is_empty() {
            vec![ANY_POLICY.to_string()]
        } else {
            args.policies.clone()
        },
        require_explicit_policy: args.require_explicit_policy,
        inhibit_policy_mapping: args.inhibit_policy_mapping,
        inhibit_any_policy: args.inhibit_any_policy,
    };
    Ok(opts)
}

/// A dotted OID: at least two arcs of digits, the first 0, 1 or 2.
fn is_oid(text: &str) -> bool {
    let arcs: Vec<&str> = text.split('.').collect();
    arcs.len() >= 2
        && arcs
            .iter()
            .all(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()))
        && matches!(arcs[0], "0" | "1" | "2")
}

/// --at, else now (the CLI reads the clock; the verifier never does).
pub(crate) fn time_of(at: Option<&str>) -> Result<OffsetDateTime, CliError> {
    Ok(match at {
        Some(t) => ca_core::validity::parse_rfc3339(t).map_err(core_error)?,
        None => {
            let now = OffsetDateTime::now_utc();
            now.replace_nanosecond(0).unwrap_or(now)
        }
    })
}

/// --profile, else webpki for a TLS server and rfc5280 for anything else.
pub(crate) fn profile_for(arg: Option<ProfileArg>, purpose: &Purpose) -> Profile {
    match arg {
        Some(ProfileArg::Webpki) => Profile::WebPki,
        Some(ProfileArg::Rfc5280) => Profile::Rfc5280,
        Some(ProfileArg::Pkix) => Profile::Pkix,
        None if *purpose == Purpose::ServerAuth => Profile::WebPki,
        None => Profile::Rfc5280,
    }
}

pub(crate) fn purpose(text: &str) -> Result<Purpose, CliError> {
    text.parse()
        .map_err(|e| CliError::bad_input(format!("--purpose {e}")))
}
