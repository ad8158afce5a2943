//! How `ca verify` prints a verdict: one short summary, the `--explain`
//! walk through the chain, or one JSON object.

use std::fmt::Write as _;

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
        e.hint()
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
    Some(format!(
        "the trusted certificate {issuer} has the issuer's name but not its key ({why}): \
         it is another CA of the same name, or the same CA with a new key; trust the root that \
         signed this chain (SHA-256 of the one given: {fingerprint})"
    ))
}

fn failure_text(e: &VerifyError) -> String {
    match &e.cert {
        Some(c) => format!("{} #{} ({}): {}", c.role, c.position, c.subject, e.reason),
        None => e.reason.to_string(),
    }
}

/// The valid-chain summary: the path, one certificate a line, and what it was checked for.
pub fn print_summary(req: &Request, path: &VerifiedPath) -> Result<(), CliError> {
    let mut out = String::new();
    for (i, c) in path.certificates().iter().enumerate() {
        let lead = if i == 0 { "valid:" } else { "  issued by" };
        let _ = write!(out, "{lead} {}", c.cert.subject());
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
            let _ = writeln!(out, "What to do: {}", e.hint());
            if let Some(note) = same_name_note(req, e) {
                let _ = writeln!(out, "Note: {note}");
            }
        }
    }
    emit(&out)
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
        let _ = writeln!(out, "#{i} {}: {}", step.role, step.subject);
        match &step.cert {
            Some(c) => {
                let issuer = if c.issuer() == c.subject() {
                    "itself (self-signed)".to_string()
                } else {
                    c.issuer().to_string()
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
            let line = format!("   {mark} {:<25} {}", r.check, r.detail);
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
            let _ = write!(out, "\n   {}", a.certificate().subject());
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
            error_json(e),
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

fn path_json((position, pc): (usize, &PathCert)) -> Value {
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

fn error_json(e: &VerifyError) -> Value {
    json!({
        "reason": e.reason.code(),
        "rule": e.reason.rule().map(|r| r.id()),
        "clause": e.reason.rule().map(|r| r.rule().clause),
        "message": e.reason.to_string(),
        "hint": e.hint(),
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
