//! How `ca probe` prints a connection: a short summary, the `--explain` picture with the
//! chain walk of `ca verify --explain` as step 4, or one JSON object; and `--save`.

use ca_core::text::escape_untrusted as esc;
use std::fmt::Write as _;
use std::path::Path;

use ca_core::atomic::{write_files, FileMode, FileToWrite};
use ca_tls::chain::ChainNotes;
use ca_tls::{Handshake, RsaKeyTransport, Transmit};
use serde_json::{json, Value};

use crate::cmd::common::{core_error, print_json as print_json_value};
use crate::cmd::inspect::emit;
use crate::cmd::verify::report::{
    error_json, explain_text, path_json, print_summary as print_verdict,
};
use crate::cmd::verify::Request;
use crate::exit::CliError;

/// When the server refused the hello and accepts only RSA key transport: why `ca` does not.
pub fn rsa_only(hs: &Handshake) -> Option<String> {
    let refused_hello = hs
        .failure
        .as_ref()
        .is_some_and(|f| f.by_server && f.step == ca_tls::Step::ServerHello);
    match &hs.rsa_key_transport {
        Some(RsaKeyTransport::Accepted(suite)) if refused_hello => Some(format!(
            "the server only offers RSA key transport ({suite}): `ca` (rustls) does not do RSA \
             key transport, by design: the client sends the session key encrypted with the \
             server's RSA key, so whoever records the traffic and later gets that key decrypts \
             every past session (no forward secrecy), and its PKCS#1 v1.5 padding invites \
             Bleichenbacher-style attacks (ROBOT). TLS 1.3 removed it (RFC 8446 section 1.2). \
             Enable ECDHE suites on the server (e.g. ECDHE-RSA-AES128-GCM-SHA256) or TLS 1.3."
        )),
        _ => None,
    }
}

/// The default output: what was negotiated, the chain as sent, and the verdict.
pub fn print_summary(req: &Request, hs: &Handshake, notes: &ChainNotes) -> Result<(), CliError> {
    let mut out = String::new();
    let c = &hs.chosen;
    let _ = write!(out, "{} ({})", hs.server_name, hs.peer);
    if let Some(v) = &c.version {
        let _ = write!(
            out,
            ": {v}, {}, group {}{}",
            c.cipher_suite.as_deref().unwrap_or("-"),
            c.group.as_deref().unwrap_or("-"),
            if c.post_quantum {
                " (post-quantum hybrid)"
            } else {
                ""
            }
        );
        if let Some(s) = &hs.signature_scheme {
            let _ = write!(out, ", signature {s}");
        }
        if let Some(a) = &c.alpn {
            let _ = write!(out, ", ALPN {}", esc(a));
        }
    }
    out.push('\n');
    let _ = writeln!(out, "chain as sent: {}", chain_line(notes));
    // On a failure the notes are part of the error message.
    if hs.ok() {
        for r in notes.remarks() {
            let _ = writeln!(out, "note: {r}");
        }
    }
    match &hs.transmit {
        Some(Transmit::Status(line)) => {
            let _ = writeln!(out, "HEAD / -> {line}");
        }
        Some(Transmit::Skipped(why)) | Some(Transmit::Failed(why)) => {
            let _ = writeln!(out, "HEAD / not done: {why}");
        }
        None => {}
    }
    if let Some(RsaKeyTransport::Accepted(suite)) = &hs.rsa_key_transport {
        let _ = writeln!(
            out,
            "note: the server also accepts RSA key transport ({suite}), which has no forward \
             secrecy; `ca` never uses it"
        );
    }
    emit(&out)?;
    if let (Some(Ok(path)), None) = (&hs.verdict, &hs.failure) {
        print_verdict(req, path)?;
    }
    Ok(())
}

fn chain_line(notes: &ChainNotes) -> String {
    if notes.certs.is_empty() {
        return "nothing".into();
    }
    let list: Vec<String> = notes
        .certs
        .iter()
        .map(|c| format!("#{} {}", c.position, esc(&c.subject)))
        .collect();
    format!(
        "{} ({})",
        list.join(", "),
        crate::cmd::verify::input::count(notes.certs.len(), "certificate")
    )
}

/// `--explain`: the picture, each step in words, and ca-verify's walk as step 4.
pub fn print_explain(req: &Request, hs: &Handshake, notes: &ChainNotes) -> Result<(), CliError> {
    let walk = hs.verdict.as_ref().map(|v| explain_text(req, v));
    let mut text = ca_tls::explain::render(hs, notes, walk.as_deref());
    if let Some(rsa) = rsa_only(hs) {
        let _ = writeln!(text, "{rsa}");
    }
    emit(&text)
}

/// `--json`: every fact as a field.
pub fn print_json(req: &Request, hs: &Handshake, notes: &ChainNotes) -> Result<(), CliError> {
    let (valid, path, reason, error) = match &hs.verdict {
        Some(Ok(p)) if !notes.duplicates.is_empty() => (
            Some(false),
            p.certificates().iter().enumerate().map(path_json).collect(),
            json!("duplicate_certificate"),
            json!({
                "reason": "duplicate_certificate",
                "message": super::duplicate_text(notes),
            }),
        ),
        Some(Ok(p)) => (
            Some(true),
            p.certificates().iter().enumerate().map(path_json).collect(),
            Value::Null,
            Value::Null,
        ),
        Some(Err(e)) => (
            Some(false),
            Vec::new(),
            json!(e.reason.code()),
            error_json(req, e),
        ),
        None => (None, Vec::new(), Value::Null, Value::Null),
    };
    let chain: Vec<Value> = notes
        .certs
        .iter()
        .map(|c| {
            json!({
                "position": c.position,
                "subject": c.subject,
                "issuer": c.issuer,
                "sha256": c.sha256,
                "not_after": c.not_after,
                "public_key": c.key,
                "signature_algorithm": c.signature,
            })
        })
        .collect();
    let o = &hs.offer;
    let c = &hs.chosen;
    let failure = hs.failure.as_ref().map(|f| {
        json!({
            "step": f.step as u8,
            "step_name": f.step.name(),
            "by": if f.by_server { "server" } else { "client" },
            "message": f.message,
        })
    });
    let rsa = hs.rsa_key_transport.as_ref().map(|r| match r {
        RsaKeyTransport::Accepted(s) => json!({"accepted": true, "cipher_suite": s}),
        RsaKeyTransport::Refused(a) => json!({"accepted": false, "alert": a}),
        RsaKeyTransport::Unknown(why) => json!({"accepted": Value::Null, "why": why}),
    });
    let transmit = hs.transmit.as_ref().map(|t| match t {
        Transmit::Status(s) => json!({"status_line": s}),
        Transmit::Skipped(w) => json!({"skipped": w}),
        Transmit::Failed(w) => json!({"failed": w}),
    });
    print_json_value(&json!({
        "ok": hs.ok() && notes.duplicates.is_empty(),
        "server_name": hs.server_name,
        "peer": hs.peer,
        "starttls": hs.starttls,
        "offered": {
            "versions": o.versions,
            "cipher_suites": o.cipher_suites,
            "groups": o.groups,
            "signature_schemes": o.signature_schemes,
            "sni": o.sni,
            "alpn": o.alpn,
        },
        "version": c.version,
        "cipher_suite": c.cipher_suite,
        "group": c.group,
        "post_quantum": c.post_quantum,
        "signature_scheme": hs.signature_scheme,
        "alpn": c.alpn,
        "handshake": c.kind,
        "chain": chain,
        "chain_notes": notes.remarks(),
        "ocsp_staple_bytes": hs.chain.ocsp.as_ref().map(Vec::len),
        "client_certificate": {
            "requested": hs.client_auth.requested,
            "sent": hs.client_auth.sent,
        },
        "verdict": match valid { Some(true) => json!("valid"), Some(false) => json!("not valid"), None => Value::Null },
        "valid": valid,
        "reason": reason,
        "error": error,
        "path": path,
        "rsa_key_transport": rsa,
        "finished": hs.finished,
        "failure": failure,
        "transmit": transmit,
        "close_notify": {"sent": hs.close.sent, "received": hs.close.received},
        "time": ca_core::validity::rfc3339(req.opts.time),
    }))
}

/// `--save DIR`: the certificates as sent, PEM; never replaces a file without --force.
pub fn save(dir: &Path, hs: &Handshake, force: bool) -> Result<(), CliError> {
    let certs = &hs.chain.certificates;
    if certs.is_empty() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| {
        CliError::bad_input(format!(
            "--save {}: cannot create the folder: {e}",
            dir.display()
        ))
    })?;
    let pem = |ders: &[Vec<u8>]| -> String {
        ders.iter()
            .map(|d| ::pem::encode(&::pem::Pem::new("CERTIFICATE", d.clone())))
            .collect()
    };
    let mut files = vec![FileToWrite {
        path: dir.join("leaf.pem"),
        contents: pem(&certs[..1]).into_bytes(),
        mode: FileMode::Public,
    }];
    if certs.len() > 1 {
        files.push(FileToWrite {
            path: dir.join("intermediates.pem"),
            contents: pem(&certs[1..]).into_bytes(),
            mode: FileMode::Public,
        });
    }
    files.push(FileToWrite {
        path: dir.join("chain.pem"),
        contents: pem(certs).into_bytes(),
        mode: FileMode::Public,
    });
    write_files(&files, force.into()).map_err(core_error)
}
