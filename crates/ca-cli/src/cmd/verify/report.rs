//! How `ca verify` prints a verdict: one short summary, the `--explain`
//! walk through the chain, or one JSON object.
//!
//! Subjects, issuers, names and the reasons that quote them come from the certificates: in
//! text they go through `esc` (control characters made visible); JSON keeps them exact.

use std::fmt::Write as _;

use ca_core::text::escape_untrusted as esc;
use ca_verify::{
    Certificate, CheckRecord, ExpectedName, PathCert, PolicyInputs, Profile, Purpose, Reason,
    RevocationScope, Role, UnknownRevocationStatus, VerifiedPath, VerifyError, ANY_POLICY,
};
use serde_json::{json, Value};

use super::input::count;
use super::path::{failing_path, valid_path, Step};
use super::Request;
use crate::cmd::common::print_json as print_json_value;
use crate::cmd::inspect::emit;
use crate::exit::CliError;

type Verdict = Result<VerifiedPath, VerifyError>;

/// The message of a refusal (exit 1): what failed, where, and what to do.
pub fn error_text(req: &Request, e: &VerifyError) -> String {
    let mut text = format!(
        "chain not valid: {}\nwhat to do: {}",
        failure_text(e),
        what_to_do(req, e)
    );
    if let Some(note) = same_name_note(req, e) {
        text.push_str("\nnote: ");
        text.push_str(&note);
    }
    text
}

/// A trusted certificate bears the issuer's name but not its key: no issuer was found (the
/// key identifiers differ), or the signature does not verify with the anchor's key. Worth
/// saying, since the names alone look right.
fn same_name_note(req: &Request, e: &VerifyError) -> Option<String> {
    let (issuer, fingerprint, why) = match &e.reason {
        Reason::UnknownIssuer(issuer) => {
            let anchor = req
                .inputs
                .anchors
                .iter()
                .find(|a| a.certificate().subject() == issuer)?;
            let why = "the authority key identifier does not match";
            (issuer.clone(), anchor.certificate().sha256_hex(), why)
        }
        Reason::BadSignature(_) | Reason::AlgorithmKeyMismatch { .. } => {
            let position = e.cert.as_ref()?.position;
            let step = failing_path(e).into_iter().nth(position + 1)?;
            let anchor = step.cert.filter(|_| step.role == Role::TrustAnchor)?;
            let why = "the signature does not verify with its key";
            (step.subject, anchor.sha256_hex(), why)
        }
        _ => return None,
    };
    let issuer = esc(&issuer);
    Some(format!(
        "the trusted certificate {issuer} has the issuer's name but not its key ({why}): \
         it is another CA of the same name, or the same CA with a new key; trust the root that \
         signed this chain (SHA-256 of the one given: {fingerprint})"
    ))
}

fn failure_text(e: &VerifyError) -> String {
    let reason = match &e.reason {
        // Purposes in words, not bare OIDs.
        Reason::ExtendedKeyUsage { .. } => usages_in_words(&e.reason.to_string()),
        other => other.to_string(),
    };
    match &e.cert {
        Some(c) => format!(
            "{} #{} ({}): {}",
            c.role,
            c.position,
            esc(&c.subject),
            esc(&reason)
        ),
        None => esc(&reason).into_owned(),
    }
}

/// The advice for a refusal: the verifier's, unless what was asked of
/// `ca verify` itself is the likelier mistake (an IP address given to
/// --host, a client certificate checked for the default server purpose, a
/// root not among the anchors given).
fn what_to_do(req: &Request, e: &VerifyError) -> String {
    match &e.reason {
        Reason::NameMismatch { presented, .. } => {
            if let Some(ExpectedName::Dns(host)) = &req.opts.name {
                if let Ok(ip) = host.parse::<std::net::IpAddr>() {
                    return format!(
                        "{host} is an IP address, and --host matches DNS names only: check it \
                         with --ip {ip} (the certificate has: {presented})"
                    );
                }
            }
        }
        Reason::ExtendedKeyUsage { present, .. }
            if req.opts.purpose == Purpose::ServerAuth
                && present.contains(ca_verify::OID_CLIENT_AUTH) =>
        {
            return "this is a TLS client authentication certificate, and the check was for \
                    TLS server authentication (the default purpose): check it with \
                    --purpose client"
                .into();
        }
        Reason::ExtendedKeyUsage { present, .. }
            if req.opts.purpose == Purpose::ClientAuth
                && present.contains(ca_verify::OID_SERVER_AUTH) =>
        {
            return "this is a TLS server authentication certificate, and the check was for \
                    TLS client authentication: check it with --purpose server"
                .into();
        }
        Reason::UnknownIssuer(issuer) => return unknown_issuer_advice(req, issuer, e.hint()),
        _ => {}
    }
    e.hint().to_string()
}

/// "No issuer found": which issuer the certificate names, and the trust
/// anchors that were tried (subject and file), so the wrong root or a
/// missing intermediate shows.
fn unknown_issuer_advice(req: &Request, issuer: &str, hint: &str) -> String {
    let anchors = &req.inputs.anchors;
    let mut text = format!("{hint}. The certificate names its issuer {issuer}; ");
    if anchors.is_empty() {
        text.push_str("no trust anchor was given");
        return text;
    }
    let _ = write!(text, "tried {}:", count(anchors.len(), "trust anchor"));
    const SHOWN: usize = 5;
    for (i, anchor) in anchors.iter().enumerate().take(SHOWN) {
        let from = req
            .inputs
            .anchor_origins
            .get(i)
            .map(String::as_str)
            .unwrap_or("?");
        let _ = write!(text, "\n  {} (from {from})", anchor.certificate().subject());
    }
    if anchors.len() > SHOWN {
        let _ = write!(text, "\n  ... and {} more", anchors.len() - SHOWN);
    }
    text
}

/// Known extended key usage OIDs in `text`, followed by their names.
fn usages_in_words(text: &str) -> String {
    const NAMES: [(&str, &str); 6] = [
        ("1.3.6.1.5.5.7.3.1", "TLS server authentication"),
        ("1.3.6.1.5.5.7.3.2", "TLS client authentication"),
        ("1.3.6.1.5.5.7.3.3", "code signing"),
        ("1.3.6.1.5.5.7.3.4", "e-mail protection"),
        ("1.3.6.1.5.5.7.3.8", "time stamping"),
        ("1.3.6.1.5.5.7.3.9", "OCSP signing"),
    ];
    let mut out = text.to_string();
    for (oid, name) in NAMES {
        out = out.replace(oid, &format!("{name} ({oid})"));
    }
    out
}

/// The valid-chain summary: the path, one certificate a line, and what it was checked for.
pub fn print_summary(req: &Request, path: &VerifiedPath) -> Result<(), CliError> {
    let mut out = String::new();
    for (i, c) in path.certificates().iter().enumerate() {
        let lead = if i == 0 { "valid:" } else { "  issued by" };
        let _ = write!(out, "{lead} {}", esc(c.cert.subject()));
        if let Some(source) = &c.source {
            let _ = write!(out, " (trust anchor from {source})");
        }
        out.push('\n');
    }
    let _ = writeln!(out, "checked {}", asked(req));
    emit(&out)
}

/// What the chain was checked for, on one line.
fn asked(req: &Request) -> String {
    let name = match &req.opts.name {
        Some(n) => format!("for {n}, "),
        None => "for no particular name, ".into(),
    };
    format!(
        "{name}purpose {}, at {}{}, profile {}",
        purpose_text(&req.opts.purpose),
        ca_core::validity::rfc3339(req.opts.time),
        if req.now { " (now)" } else { "" },
        profile_name(req.opts.profile)
    )
}

fn purpose_text(p: &Purpose) -> String {
    match p {
        Purpose::ServerAuth => format!("TLS server (serverAuth, {})", p.oid()),
        Purpose::ClientAuth => format!("TLS client (clientAuth, {})", p.oid()),
        Purpose::Other(oid) => format!("extended key usage {oid}"),
    }
}

fn profile_name(p: Profile) -> &'static str {
    p.name()
}

/// `--explain`: the chain as a TLS client walks it, every check marked.
pub fn print_explain(req: &Request, verdict: &Verdict) -> Result<(), CliError> {
    emit(&explain_text(req, verdict))
}

/// The `--explain` walk as text (also step 4 of `ca probe --explain`).
pub fn explain_text(req: &Request, verdict: &Verdict) -> String {
    let mut out = String::new();
    header(&mut out, req);
    match verdict {
        Ok(path) => {
            walk(&mut out, &valid_path(path), path.checks());
            let set = path.user_constrained_policy_set();
            if req.opts.policy != PolicyInputs::default() || set.iter().any(|p| p != ANY_POLICY) {
                let set = if set.is_empty() {
                    "none (valid for no particular policy)".to_string()
                } else {
                    set.join(", ")
                };
                let _ = writeln!(out, "Policies the path is valid for: {set}\n");
            }
            let _ = writeln!(
                out,
                "VALID: every certificate from the leaf up to the trust anchor passed every check."
            );
        }
        Err(e) => {
            if e.checks().is_empty() {
                // Failed before any check was made: a leaf that does not parse, a search
                // given up.
                let _ = writeln!(out, "No valid path.\n\n[FAIL] {}\n", failure_text(e));
            } else {
                let _ = writeln!(
                    out,
                    "No valid path. Of the candidate paths, the one with the most specific \
                     failure, with the checks made on it up to the failed one:\n"
                );
                walk(&mut out, &failing_path(e), e.checks());
            }
            if let Some(rule) = e.rule_text() {
                let _ = writeln!(
                    out,
                    "Refused by rule {rule} of the {} profile (docs/rules.md).",
                    profile_name(req.opts.profile)
                );
            }
            if let Reason::UnknownIssuer(_) = e.reason {
                trusted(&mut out, req);
            }
            let _ = writeln!(out, "NOT VALID: {}", failure_text(e));
            let _ = writeln!(out, "What to do: {}", what_to_do(req, e));
            if let Some(note) = same_name_note(req, e) {
                let _ = writeln!(out, "Note: {note}");
            }
        }
    }
    out
}

fn header(out: &mut String, req: &Request) {
    let i = &req.inputs;
    let _ = writeln!(
        out,
        "Checking {} as a TLS client does in step 4 of the handshake:\n\
         each certificate's signature with its issuer's public key, up to a trusted CA.\n",
        i.leaf_name
    );
    let name = match &req.opts.name {
        Some(n) => n.to_string(),
        None => "none (no name check)".into(),
    };
    let _ = writeln!(out, "  name       {name}");
    let _ = writeln!(out, "  purpose    {}", purpose_text(&req.opts.purpose));
    let _ = writeln!(
        out,
        "  time       {}{}",
        ca_core::validity::rfc3339(req.opts.time),
        if req.now { " (now)" } else { " (--at)" }
    );
    let _ = writeln!(out, "  profile    {}", profile_name(req.opts.profile));
    let _ = writeln!(out, "  trusted    {}", i.anchor_sources.join("; "));
    let untrusted = if i.pool_sources.is_empty() {
        "none".to_string()
    } else {
        i.pool_sources.join("; ")
    };
    let _ = writeln!(out, "  untrusted  {untrusted}");
    let crls = if i.crl_names.is_empty() {
        "none (revocation not checked)".to_string()
    } else {
        i.crl_names.join(", ")
    };
    let _ = writeln!(out, "  CRLs       {crls}");
    if !i.crl_names.is_empty() {
        let r = &req.opts.revocation;
        let scope = match r.scope {
            RevocationScope::LeafOnly => "the leaf only",
            _ => "every certificate but the trust anchor",
        };
        let unknown = match r.unknown_status {
            UnknownRevocationStatus::AllowSoftFail => "allowed (soft-fail)",
            _ => "refused",
        };
        let _ = writeln!(
            out,
            "  revocation {scope} checked; a status no CRL decides is {unknown}"
        );
    }
    let p = &req.opts.policy;
    if *p != PolicyInputs::default() {
        let mut line = format!("acceptable {}", p.initial_policy_set.join(", "));
        for (on, what) in [
            (p.require_explicit_policy, "explicit policy required"),
            (p.inhibit_policy_mapping, "policy mapping inhibited"),
            (p.inhibit_any_policy, "anyPolicy inhibited"),
        ] {
            if on {
                line.push_str("; ");
                line.push_str(what);
            }
        }
        let _ = writeln!(out, "  policies   {line}");
    }
    out.push('\n');
}

/// Each certificate of the path with the checks recorded for it.
fn walk(out: &mut String, steps: &[Step], records: &[CheckRecord]) {
    for (i, step) in steps.iter().enumerate() {
        let _ = writeln!(out, "#{i} {}: {}", step.role, esc(&step.subject));
        match &step.cert {
            Some(c) => {
                let issuer = if c.issuer() == c.subject() {
                    "itself (self-signed)".to_string()
                } else {
                    esc(c.issuer()).into_owned()
                };
                let _ = writeln!(out, "   issued by    {issuer}");
                facts(out, c);
            }
            None => {
                let _ = writeln!(out, "   (no certificate given has this exact name)");
            }
        }
        if step.namesakes > 1 {
            let _ = writeln!(
                out,
                "   note         {} certificates given bear this name; shown: the one the verifier tries first",
                step.namesakes
            );
        }
        if let Some(source) = &step.source {
            let _ = writeln!(
                out,
                "   trusted      found in {source} (an anchor's own signature is not checked)"
            );
        }
        for r in records.iter().filter(|r| r.position == i) {
            let mark = if r.passed { "[pass]" } else { "[FAIL]" };
            let line = format!("   {mark} {:<25} {}", r.check, esc(&r.detail));
            let _ = writeln!(out, "{}", line.trim_end());
        }
        out.push('\n');
    }
}

fn facts(out: &mut String, c: &Certificate) {
    let _ = writeln!(out, "   serial       {}", c.serial_hex());
    let _ = writeln!(
        out,
        "   valid        {} to {}",
        ca_core::validity::rfc3339(c.not_before()),
        ca_core::validity::rfc3339(c.not_after())
    );
    let _ = writeln!(out, "   public key   {}", c.public_key_description());
    let names = c.subject_alt_names();
    if !names.is_empty() {
        let names: Vec<_> = names.iter().map(|n| esc(n)).collect();
        let _ = writeln!(out, "   names        {}", names.join(", "));
    }
    let _ = writeln!(out, "   SHA-256      {}", c.sha256_hex());
}

/// A handful of anchors is worth listing when no issuer was found: a wrong root is easy to
/// spot by name.
fn trusted(out: &mut String, req: &Request) {
    let anchors = &req.inputs.anchors;
    let _ = write!(out, "Trusted: {}", count(anchors.len(), "certificate"));
    if anchors.len() <= 5 {
        for a in anchors {
            let _ = write!(out, "\n   {}", esc(a.certificate().subject()));
        }
    }
    out.push_str("\n\n");
}

/// `--json`: verdict, path, checks and error in one object.
pub fn print_json(req: &Request, verdict: &Verdict) -> Result<(), CliError> {
    // A failure's path is the candidate path the verifier reports with its error.
    let (path, checks, error): (Vec<Value>, _, _) = match verdict {
        Ok(p) => (
            p.certificates().iter().enumerate().map(path_json).collect(),
            p.checks(),
            Value::Null,
        ),
        Err(e) => (
            e.path().iter().enumerate().map(path_json).collect(),
            e.checks(),
            error_json(req, e),
        ),
    };
    let checks: Vec<Value> = checks.iter().map(check_json).collect();
    let name = req.opts.name.as_ref().map(|n| match n {
        ExpectedName::Dns(d) => json!({"type": "dns", "value": d}),
        ExpectedName::Ip(ip) => json!({"type": "ip", "value": ip.to_string()}),
        ExpectedName::Email(m) => json!({"type": "email", "value": m}),
    });
    let valid = verdict.is_ok();
    print_json_value(&json!({
        "verdict": if valid { "valid" } else { "not valid" },
        "valid": valid,
        "leaf": req.inputs.leaf_name,
        "time": ca_core::validity::rfc3339(req.opts.time),
        "purpose": req.opts.purpose.oid(),
        "name": name,
        "profile": profile_name(req.opts.profile),
        "policy_set": verdict.as_ref().ok().map(|p| p.user_constrained_policy_set()),
        "path": path,
        "checks": checks,
        "error": error,
    }))
}

pub(crate) fn path_json((position, pc): (usize, &PathCert)) -> Value {
    let c = &pc.cert;
    json!({
        "position": position,
        "role": role_name(pc.role),
        "subject": c.subject(),
        "issuer": c.issuer(),
        "serial": c.serial_hex(),
        "not_before": ca_core::validity::rfc3339(c.not_before()),
        "not_after": ca_core::validity::rfc3339(c.not_after()),
        "sha256": c.sha256().iter().map(|b| format!("{b:02x}")).collect::<String>(),
        "source": pc.source,
    })
}

fn check_json(r: &CheckRecord) -> Value {
    json!({
        "position": r.position,
        "check": r.check,
        "passed": r.passed,
        "detail": r.detail,
    })
}

pub(crate) fn error_json(req: &Request, e: &VerifyError) -> Value {
    json!({
        "reason": e.reason.code(),
        "rule": e.reason.rule().map(|r| r.id()),
        "clause": e.reason.rule().map(|r| r.rule().clause),
        "message": e.reason.to_string(),
        "hint": what_to_do(req, e),
        "position": e.cert.as_ref().map(|c| c.position),
        "role": e.cert.as_ref().map(|c| role_name(c.role)),
        "subject": e.cert.as_ref().map(|c| c.subject.clone()),
    })
}

fn role_name(r: Role) -> &'static str {
    match r {
        Role::Leaf => "leaf",
        Role::Intermediate => "intermediate",
        Role::TrustAnchor => "trust_anchor",
    }
}
