//! Hostile requests (issue 10): each refused with the right ACME error
//! (RFC 8555 §6.7) and nothing stored.

use ca_acme::jws::b64encode;
use serde_json::{json, Value};

use crate::client::{body, path_of, problem, ready_order, text, Account, Env, Jws};
use crate::flow::csr_for;

fn new_order_payload() -> Option<Value> {
    Some(json!({"identifiers": [{"type": "dns", "value": "a.test"}]}))
}

fn jws<'a>(path: &'a str, env: &Env, payload: Option<Value>) -> Jws<'a> {
    Jws {
        path,
        payload,
        nonce: env.nonce(),
        url: None,
        use_jwk: false,
        kid: None,
    }
}

#[test]
fn a_bad_signature_is_malformed_and_registers_nothing() {
    let env = Env::new();
    let account = Account::new();
    let mut request: Value = serde_json::from_slice(&account.sign(Jws {
        use_jwk: true,
        ..jws("/acme/new-account", &env, Some(json!({})))
    }))
    .unwrap();
    // Sign something else: a valid signature over other bytes.
    let other = account.sign(Jws {
        use_jwk: true,
        ..jws("/acme/new-account", &env, Some(json!({"x": 1})))
    });
    let other: Value = serde_json::from_slice(&other).unwrap();
    request["signature"] = other["signature"].clone();
    let r = env.raw_post("/acme/new-account", request.to_string().into_bytes());
    assert_eq!(problem(&r), "malformed");
    assert!(text(&r).contains("signature"), "{}", text(&r));
    assert_eq!(env.counts().accounts, 0);
}

#[test]
fn a_replayed_nonce_is_bad_nonce_and_stores_nothing() {
    let env = Env::new();
    let account = Account::register(&env);
    let nonce = env.nonce();
    let first = account.sign(Jws {
        nonce: nonce.clone(),
        ..jws("/acme/new-order", &env, new_order_payload())
    });
    assert_eq!(env.raw_post("/acme/new-order", first.clone()).status, 201);
    let before = env.counts();
    // The same request again, and another request with the same nonce.
    assert_eq!(problem(&env.raw_post("/acme/new-order", first)), "badNonce");
    let second = account.sign(Jws {
        nonce,
        ..jws("/acme/new-order", &env, new_order_payload())
    });
    let r = env.raw_post("/acme/new-order", second);
    assert_eq!(problem(&r), "badNonce");
    assert_eq!(r.status, 400);
    assert!(
        r.header("Replay-Nonce").is_some(),
        "a fresh nonce comes with badNonce (RFC 8555 §6.5)"
    );
    assert_eq!(env.counts(), before);
}

#[test]
fn an_unknown_nonce_is_bad_nonce() {
    let env = Env::new();
    let account = Account::new();
    let body = account.sign(Jws {
        nonce: b64encode(b"never handed out"),
        use_jwk: true,
        ..jws("/acme/new-account", &env, Some(json!({})))
    });
    assert_eq!(
        problem(&env.raw_post("/acme/new-account", body)),
        "badNonce"
    );
    assert_eq!(env.counts().accounts, 0);
}

#[test]
fn a_url_that_is_not_the_request_url_is_unauthorized() {
    let env = Env::new();
    let account = Account::register(&env);
    let before = env.counts();
    let body = account.sign(Jws {
        url: Some("https://acme.test:14000/acme/new-account".into()),
        ..jws("/acme/new-order", &env, new_order_payload())
    });
    let r = env.raw_post("/acme/new-order", body);
    assert_eq!(problem(&r), "unauthorized");
    assert_eq!(r.status, 403);
    assert_eq!(env.counts(), before);
}

#[test]
fn a_kid_of_another_account_is_refused() {
    let env = Env::new();
    let alice = Account::register(&env);
    let mallory = Account::register(&env);
    let before = env.counts();
    // Mallory signs with her key but names Alice's account.
    let body = mallory.sign(Jws {
        kid: alice.kid.clone(),
        ..jws("/acme/new-order", &env, new_order_payload())
    });
    assert_eq!(problem(&env.raw_post("/acme/new-order", body)), "malformed");
    assert_eq!(env.counts(), before);

    // Mallory, as herself, on Alice's order and authorization.
    let r = alice.post(&env, "/acme/new-order", new_order_payload());
    let order = path_of(r.header("Location").unwrap());
    let authz = path_of(body_of(&r)["authorizations"][0].as_str().unwrap());
    assert_eq!(problem(&mallory.post(&env, &order, None)), "unauthorized");
    assert_eq!(problem(&mallory.post(&env, &authz, None)), "unauthorized");
    // An account URL that does not exist.
    let ghost = mallory.sign(Jws {
        kid: Some("https://acme.test:14000/acme/acct/ffff".into()),
        ..jws("/acme/new-order", &env, new_order_payload())
    });
    assert_eq!(
        problem(&env.raw_post("/acme/new-order", ghost)),
        "accountDoesNotExist"
    );
}

fn body_of(r: &ca_acme::Response) -> Value {
    body(r)
}

#[test]
fn a_csr_naming_what_was_not_validated_is_bad_csr_and_issues_nothing() {
    let env = Env::new();
    let account = Account::register(&env);
    let order = ready_order(&env, &account, &["a.test"]);
    let finalize = path_of(
        body(&account.post(&env, &order, None))["finalize"]
            .as_str()
            .unwrap(),
    );
    let index_before = env.ca_dir.index().unwrap().entries.len();
    for names in [
        &["a.test", "other.test"][..],
        &["other.test"],
        &["a.test", "127.0.0.1"],
    ] {
        let (_key, csr) = csr_for(names);
        let r = account.post(&env, &finalize, Some(json!({ "csr": csr })));
        assert_eq!(problem(&r), "badCSR", "{names:?}");
        assert!(text(&r).contains("the order does not have"), "{}", text(&r));
    }
    // Not a CSR at all.
    let r = account.post(
        &env,
        &finalize,
        Some(json!({"csr": b64encode(b"not a CSR")})),
    );
    assert_eq!(problem(&r), "badCSR");
    assert_eq!(env.counts().certs, 0);
    assert_eq!(env.ca_dir.index().unwrap().entries.len(), index_before);
    assert_eq!(body(&account.post(&env, &order, None))["status"], "ready");
}

#[test]
fn finalize_before_validation_is_order_not_ready() {
    let env = Env::new();
    let account = Account::register(&env);
    let r = account.post(&env, "/acme/new-order", new_order_payload());
    let finalize = path_of(body(&r)["finalize"].as_str().unwrap());
    let (_key, csr) = csr_for(&["a.test"]);
    let r = account.post(&env, &finalize, Some(json!({ "csr": csr })));
    assert_eq!(problem(&r), "orderNotReady");
    assert_eq!(r.status, 403);
    assert_eq!(env.counts().certs, 0);
}

#[test]
fn an_oversized_payload_is_refused() {
    let env = Env::new();
    let account = Account::register(&env);
    let before = env.counts();
    let huge = "x".repeat(70 * 1024);
    let r = account.post(
        &env,
        "/acme/new-order",
        Some(json!({"identifiers": [{"type": "dns", "value": huge}]})),
    );
    assert_eq!(problem(&r), "malformed");
    assert_eq!(r.status, 413);
    assert_eq!(env.counts(), before);
}

#[test]
fn malformed_json_is_malformed() {
    let env = Env::new();
    let account = Account::register(&env);
    let before = env.counts();
    for raw in [&b"{not json"[..], b"[]", b"{\"protected\": 1}", b""] {
        let r = env.raw_post("/acme/new-order", raw.to_vec());
        assert_eq!(problem(&r), "malformed", "{}", String::from_utf8_lossy(raw));
    }
    // A well-signed JWS whose payload is not JSON.
    let protected = b64encode(
        json!({"alg": "ES256", "nonce": env.nonce(), "url": "https://acme.test:14000/acme/new-order", "kid": account.kid})
            .to_string()
            .as_bytes(),
    );
    let payload = b64encode(b"{\"identifiers\": [");
    let sig = account
        .key
        .sign(
            &aws_lc_rs::rand::SystemRandom::new(),
            format!("{protected}.{payload}").as_bytes(),
        )
        .unwrap();
    let raw =
        json!({"protected": protected, "payload": payload, "signature": b64encode(sig.as_ref())});
    let r = env.raw_post("/acme/new-order", raw.to_string().into_bytes());
    assert_eq!(problem(&r), "malformed");
    assert!(text(&r).contains("payload is not JSON"), "{}", text(&r));
    assert_eq!(env.counts(), before);
}

#[test]
fn header_rules_jwk_xor_kid_alg_and_content_type() {
    let env = Env::new();
    let account = Account::register(&env);
    let before = env.counts();
    // A jwk where the account URL is required.
    let r = env.raw_post(
        "/acme/new-order",
        account.sign(Jws {
            use_jwk: true,
            ..jws("/acme/new-order", &env, new_order_payload())
        }),
    );
    assert_eq!(problem(&r), "malformed");
    // alg "none" and MACs are refused (RFC 8555 §6.2).
    let protected = b64encode(
        json!({"alg": "HS256", "nonce": env.nonce(), "url": "https://acme.test:14000/acme/new-order", "kid": account.kid})
            .to_string()
            .as_bytes(),
    );
    let raw = json!({"protected": protected, "payload": "", "signature": "AAAA"});
    assert_eq!(
        problem(&env.raw_post("/acme/new-order", raw.to_string().into_bytes())),
        "badSignatureAlgorithm"
    );
    // The content type is application/jose+json (RFC 8555 §6.2).
    let r = env.service.handle(&ca_acme::Request {
        method: "POST".into(),
        path: "/acme/new-order".into(),
        content_type: Some("application/json".into()),
        body: account.sign(jws("/acme/new-order", &env, new_order_payload())),
    });
    assert_eq!((problem(&r).as_str(), r.status), ("malformed", 415));
    assert_eq!(env.counts(), before);
}

#[test]
fn identifiers_outside_policy_are_rejected() {
    let env = Env::new();
    let account = Account::register(&env);
    for (value, kind, expected) in [
        // RFC 8555 §7.1.3: a wildcard is `*.` and a name, nothing else.
        ("a.*.test", "dns", "rejectedIdentifier"),
        ("*a.test", "dns", "rejectedIdentifier"),
        ("not a name", "dns", "rejectedIdentifier"),
        // RFC 8738 §3: an ip identifier holds an address.
        ("1.2.3", "ip", "rejectedIdentifier"),
        // An address sent as a DNS name (RFC 8738 §3: type ip).
        ("127.0.0.1", "dns", "rejectedIdentifier"),
        ("a@b.test", "email", "unsupportedIdentifier"),
    ] {
        let r = account.post(
            &env,
            "/acme/new-order",
            Some(json!({"identifiers": [{"type": kind, "value": value}]})),
        );
        assert_eq!(problem(&r), expected, "{value}");
    }
    assert_eq!(env.counts().orders, 0);
}

/// A 1024-bit RSA CSR, made by OpenSSL (ca-core cannot make weak keys).
fn weak_csr(dir: &std::path::Path) -> Vec<u8> {
    let out = dir.join("weak.csr");
    let status = std::process::Command::new("openssl")
        .args([
            "req",
            "-new",
            "-newkey",
            "rsa:1024",
            "-nodes",
            "-subj",
            "/CN=a.test",
        ])
        .args([
            "-addext",
            "subjectAltName=DNS:a.test",
            "-outform",
            "DER",
            "-keyout",
        ])
        .arg(dir.join("weak.key"))
        .arg("-out")
        .arg(&out)
        .status()
        .expect("this test needs `openssl` (the Debian package `openssl`)");
    assert!(status.success());
    std::fs::read(out).unwrap()
}

#[test]
fn a_csr_with_a_weak_key_is_bad_csr() {
    let env = Env::new();
    let account = Account::register(&env);
    let order = ready_order(&env, &account, &["a.test"]);
    let finalize = path_of(
        body(&account.post(&env, &order, None))["finalize"]
            .as_str()
            .unwrap(),
    );
    let tmp = tempfile::tempdir().unwrap();
    let r = account.post(
        &env,
        &finalize,
        Some(json!({"csr": b64encode(&weak_csr(tmp.path()))})),
    );
    assert_eq!(problem(&r), "badCSR");
    assert!(text(&r).contains("1024-bit RSA"), "{}", text(&r));
    assert_eq!(env.counts().certs, 0);
}
