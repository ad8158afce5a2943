//! The x509-limbo harness logic, shared by `examples/limbo.rs` and `tests/limbo.rs`: one verifier
//! call per testcase, skips only by feature tag or by an input the API cannot express.

use std::sync::mpsc;
use std::time::Duration;

use ca_verify::{verify, ExpectedName, KeyUsageBit, Profile, Purpose, TrustAnchor, VerifyOptions};
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// How long one case may run before it is reported as HANG.
pub const CASE_TIME_LIMIT: Duration = Duration::from_secs(20);

/// Feature tags we skip, with the reason given in `context`. The one list of skips by tag.
/// Empty: every signature algorithm of the limbo corpus is checked, ML-DSA-44/65/87 (RFC 9881)
/// included, so no case is skipped for its algorithm.
pub const SKIPPED_FEATURES: &[(&str, &str)] = &[];

/// The feature tag of a case that asks for the RFC 5280 reading where it is stricter than the
/// Web PKI: such a case runs under [`Profile::Rfc5280`].
const RFC5280_FEATURE: &str = "rfc5280-incompatible-with-webpki";

/// The profile a SERVER case asks for. Limbo has no profile field: a case that conflicts with
/// another (`conflicts_with`) follows the rulebook its namespace names (README, "rfc5280 vs
/// webpki"), and the `rfc5280-incompatible-with-webpki` tag asks for RFC 5280 outright. Every
/// other SERVER case runs the Web PKI profile, the default of a TLS client.
fn server_profile(tc: &Testcase) -> Profile {
    let namespace = tc.id.split("::").next().unwrap_or("");
    let conflicting_rfc5280 = !tc.conflicts_with.is_empty() && namespace == "rfc5280";
    if conflicting_rfc5280 || tc.features.iter().any(|f| f == RFC5280_FEATURE) {
        Profile::Rfc5280
    } else {
        Profile::WebPki
    }
}

#[derive(Deserialize)]
pub struct Testcases {
    pub testcases: Vec<Testcase>,
}

#[derive(Deserialize, Clone)]
pub struct PeerName {
    pub kind: String,
    pub value: String,
}

#[derive(Deserialize, Clone)]
pub struct Testcase {
    pub id: String,
    /// Read by the conformance test (the bar), not by the harness.
    #[allow(dead_code)]
    pub expected_result: String,
    pub validation_kind: String,
    pub trusted_certs: Vec<String>,
    pub untrusted_intermediates: Vec<String>,
    pub peer_certificate: String,
    pub validation_time: Option<String>,
    pub expected_peer_name: Option<PeerName>,
    #[serde(default)]
    pub expected_peer_names: Vec<PeerName>,
    #[serde(default)]
    pub extended_key_usage: Vec<String>,
    #[serde(default)]
    pub key_usage: Vec<String>,
    #[serde(default)]
    pub signature_algorithms: Vec<String>,
    pub max_chain_depth: Option<usize>,
    #[serde(default)]
    pub crls: Vec<String>,
    #[serde(default)]
    pub features: Vec<String>,
    #[serde(default)]
    pub conflicts_with: Vec<String>,
}

/// One result line.
pub struct Outcome {
    pub id: String,
    pub actual: &'static str,
    pub context: Option<String>,
}

/// Parses every PEM block with the given label.
fn pem_blocks(text: &str, label: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    let mut rest = text.as_bytes();
    while let Some(start) = find(rest, b"-----BEGIN ") {
        rest = &rest[start..];
        match x509_parser::pem::Pem::read(std::io::Cursor::new(rest)) {
            Ok((pem, used)) => {
                if pem.label == label {
                    out.push(pem.contents);
                }
                rest = &rest[used.max(1)..];
            }
            Err(e) => return Err(format!("bad PEM: {e}")),
        }
    }
    Ok(out)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn one_pem(text: &str, label: &str) -> Result<Vec<u8>, String> {
    pem_blocks(text, label)?
        .into_iter()
        .next()
        .ok_or_else(|| format!("no {label} PEM block"))
}

/// Builds the verifier input, or says why the case cannot be expressed (a skip).
struct Prepared {
    leaf: Vec<u8>,
    intermediates: Vec<Vec<u8>>,
    anchors: Vec<TrustAnchor>,
    opts: VerifyOptions,
    notes: Vec<String>,
}

fn eku_purpose(name: &str) -> Option<Purpose> {
    Some(match name {
        "serverAuth" => Purpose::ServerAuth,
        "clientAuth" => Purpose::ClientAuth,
        "codeSigning" => Purpose::Other("1.3.6.1.5.5.7.3.3".into()),
        "emailProtection" => Purpose::Other("1.3.6.1.5.5.7.3.4".into()),
        "timeStamping" => Purpose::Other("1.3.6.1.5.5.7.3.8".into()),
        "OCSPSigning" => Purpose::Other("1.3.6.1.5.5.7.3.9".into()),
        _ => return None,
    })
}

fn key_usage_bit(name: &str) -> Option<KeyUsageBit> {
    Some(match name {
        "digitalSignature" => KeyUsageBit::DigitalSignature,
        "contentCommitment" | "nonRepudiation" => KeyUsageBit::ContentCommitment,
        "keyEncipherment" => KeyUsageBit::KeyEncipherment,
        "dataEncipherment" => KeyUsageBit::DataEncipherment,
        "keyAgreement" => KeyUsageBit::KeyAgreement,
        "keyCertSign" => KeyUsageBit::KeyCertSign,
        "cRLSign" => KeyUsageBit::CrlSign,
        "encipherOnly" => KeyUsageBit::EncipherOnly,
        "decipherOnly" => KeyUsageBit::DecipherOnly,
        _ => return None,
    })
}

fn expected_name(n: &PeerName) -> Result<ExpectedName, String> {
    match n.kind.as_str() {
        "DNS" => Ok(ExpectedName::Dns(n.value.clone())),
        "IP" => n
            .value
            .parse()
            .map(ExpectedName::Ip)
            .map_err(|_| format!("cannot parse IP address {:?}", n.value)),
        "RFC822" => Ok(ExpectedName::Email(n.value.clone())),
        other => Err(format!("peer name kind {other} is not supported")),
    }
}

/// Err(Ok(reason)): skip; Err(Err(msg)): the case's input is unusable (a FAILURE).
fn prepare(tc: &Testcase) -> Result<Prepared, Result<String, String>> {
    if let Some((tag, why)) = SKIPPED_FEATURES
        .iter()
        .find(|(tag, _)| tc.features.iter().any(|f| f == tag))
    {
        return Err(Ok(format!("feature {tag}: {why}")));
    }
    if !tc.signature_algorithms.is_empty() {
        return Err(Ok(
            "a signature_algorithms restriction cannot be expressed".into()
        ));
    }
    let (purpose, profile, name) = match tc.validation_kind.as_str() {
        "SERVER" => {
            let name = tc
                .expected_peer_name
                .as_ref()
                .map(expected_name)
                .transpose()
                .map_err(Ok)?;
            (Purpose::ServerAuth, server_profile(tc), name)
        }
        "CLIENT" => {
            if tc.expected_peer_names.len() > 1 {
                return Err(Ok("several expected peer names cannot be expressed".into()));
            }
            let name = tc
                .expected_peer_names
                .first()
                .map(expected_name)
                .transpose()
                .map_err(Ok)?;
            // The CA/Browser Forum profile governs TLS server certificates only.
            (Purpose::ClientAuth, Profile::Rfc5280, name)
        }
        other => return Err(Ok(format!("validation kind {other} is not supported"))),
    };
    let purpose = match tc.extended_key_usage.as_slice() {
        [] => purpose,
        [one] => eku_purpose(one).ok_or_else(|| Ok(format!("extended key usage {one} unknown")))?,
        _ => {
            return Err(Ok(
                "several required extended key usages cannot be expressed".into(),
            ))
        }
    };
    let required_key_usage = tc
        .key_usage
        .iter()
        .map(|k| key_usage_bit(k).ok_or_else(|| Ok(format!("key usage {k} unknown"))))
        .collect::<Result<Vec<_>, _>>()?;
    let time = match &tc.validation_time {
        Some(t) => {
            OffsetDateTime::parse(t, &Rfc3339).map_err(|e| Err(format!("bad time {t}: {e}")))?
        }
        // limbo: null means "now"; the harness reads the clock, the verifier never does.
        None => OffsetDateTime::now_utc(),
    };
    let leaf = one_pem(&tc.peer_certificate, "CERTIFICATE").map_err(Err)?;
    let mut intermediates = Vec::new();
    for p in &tc.untrusted_intermediates {
        intermediates.extend(pem_blocks(p, "CERTIFICATE").map_err(Err)?);
    }
    let mut anchors = Vec::new();
    let mut notes = Vec::new();
    for (i, p) in tc.trusted_certs.iter().enumerate() {
        for der in pem_blocks(p, "CERTIFICATE").map_err(Err)? {
            match TrustAnchor::from_der(&der) {
                Ok(a) => anchors.push(a.with_source(format!("trusted_certs[{i}]"))),
                Err(e) => notes.push(format!("trusted_certs[{i}] unusable: {e}")),
            }
        }
    }
    let mut crls = Vec::new();
    for p in &tc.crls {
        crls.extend(pem_blocks(p, "X509 CRL").map_err(Err)?);
    }
    let opts = VerifyOptions {
        time,
        purpose,
        name,
        max_depth: tc.max_chain_depth,
        crls,
        required_key_usage,
        profile,
        revocation: Default::default(),
        policy: Default::default(),
    };
    Ok(Prepared {
        leaf,
        intermediates,
        anchors,
        opts,
        notes,
    })
}

/// Runs one case (no time limit).
pub fn run_case(tc: &Testcase) -> Outcome {
    let (actual, context) = match prepare(tc) {
        Err(Ok(skip)) => ("SKIPPED", Some(skip)),
        Err(Err(bad)) => ("FAILURE", Some(bad)),
        Ok(p) => match verify(&p.leaf, &p.intermediates, &p.anchors, &p.opts) {
            Ok(path) => {
                let chain: Vec<&str> = path
                    .certificates()
                    .iter()
                    .map(|c| c.cert.subject())
                    .collect();
                ("SUCCESS", Some(format!("path: {}", chain.join(" <- "))))
            }
            Err(e) => {
                let mut msg = e.to_string();
                for n in p.notes {
                    msg.push_str("; ");
                    msg.push_str(&n);
                }
                ("FAILURE", Some(msg))
            }
        },
    };
    Outcome {
        id: tc.id.clone(),
        actual,
        context,
    }
}

/// Runs one case on its own thread under [`CASE_TIME_LIMIT`]; HANG when it runs out.
pub fn run_case_guarded(tc: &Testcase) -> Outcome {
    let (tx, rx) = mpsc::channel();
    let owned = tc.clone();
    std::thread::spawn(move || {
        let _ = tx.send(run_case(&owned));
    });
    match rx.recv_timeout(CASE_TIME_LIMIT) {
        Ok(o) => o,
        Err(_) => Outcome {
            id: tc.id.clone(),
            actual: "HANG",
            context: Some(format!("no verdict within {:?}", CASE_TIME_LIMIT)),
        },
    }
}

/// Runs every case on `threads` worker threads, keeping the input order.
pub fn run_all(cases: &[Testcase], threads: usize) -> Vec<Outcome> {
    let threads = threads.max(1);
    let chunk = cases.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(run_case_guarded).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("harness worker panicked"))
            .collect()
    })
}

/// The results document limbo expects.
pub fn results_json(outcomes: &[Outcome]) -> serde_json::Value {
    let results: Vec<serde_json::Value> = outcomes
        .iter()
        .map(|o| serde_json::json!({"id": o.id, "actual_result": o.actual, "context": o.context}))
        .collect();
    serde_json::json!({
        "version": 1,
        "harness": concat!("ca-verify-", env!("CARGO_PKG_VERSION")),
        "results": results,
    })
}
