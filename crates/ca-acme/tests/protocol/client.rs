//! A small ACME client for the tests: ES256 account keys (ring), requests
//! built by hand so that each can be broken on purpose.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use ca_acme::jws::b64encode;
use ca_acme::storage::Counts;
use ca_acme::{
    AcmeService, CaIssuance, Policy, Request, Response, SqliteStorage, ValidationConfig,
};
use ca_core::{CaDir, CaOptions};
use serde_json::{json, Value};

pub const BASE: &str = "https://acme.test:14000";

/// Key authorizations the test's http-01 responder serves, by token.
pub type Answers = Arc<Mutex<HashMap<String, String>>>;

pub struct Env {
    /// Kept so the CA directory and database live as long as the test.
    pub _dir: tempfile::TempDir,
    pub service: AcmeService,
    pub answers: Answers,
    pub ca_dir: CaDir,
}

impl Env {
    /// A fresh CA, database and http-01 responder (on 127.0.0.1, a free
    /// port; its thread ends with the test process).
    pub fn new() -> Env {
        Env::with(|_, _| {})
    }

    /// Like `new`, with the validation settings and the policy adjusted.
    pub fn with(configure: impl FnOnce(&mut ValidationConfig, &mut Policy)) -> Env {
        Env::with_ca(&CaOptions::default(), configure)
    }

    /// Like `with`, the CA made with `options` (e.g. name constraints).
    pub fn with_ca(
        options: &CaOptions,
        configure: impl FnOnce(&mut ValidationConfig, &mut Policy),
    ) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let ca_dir = CaDir::at(dir.path().join("ca"));
        ca_dir
            .ensure_initialized(
                options,
                None,
                &ca_core::IssueContext::at(time::OffsetDateTime::now_utc()),
            )
            .unwrap();
        // As `ca acme serve` does: certificates point at this server's CRL.
        let ca = Arc::new(
            CaIssuance::load(CaDir::at(ca_dir.path()), None)
                .unwrap()
                .with_crl_urls(vec![format!("{BASE}/crl")]),
        );
        let storage = Arc::new(SqliteStorage::open(&dir.path().join("acme.sqlite3")).unwrap());
        let answers: Answers = Arc::default();
        let port = http01_responder(Arc::clone(&answers));
        let mut resolve = HashMap::new();
        for name in ["a.test", "b.test", "other.test"] {
            resolve.insert(name.to_string(), "127.0.0.1".parse().unwrap());
        }
        let validation = ValidationConfig {
            http01_port: port,
            resolve,
            attempts: 1,
            ..ValidationConfig::default()
        };
        let mut validation = validation;
        let mut policy = Policy::default();
        configure(&mut validation, &mut policy);
        let clock: ca_acme::service::Clock = Arc::new(time::OffsetDateTime::now_utc);
        let service = AcmeService::new(BASE, storage, ca, validation, clock).with_policy(policy);
        Env {
            _dir: dir,
            service,
            answers,
            ca_dir,
        }
    }

    /// Swaps in a service over the same database and CA with another
    /// policy (an operator restarting the server with other flags).
    pub fn restart_with(&mut self, policy: Policy) {
        let ca = Arc::new(CaIssuance::load(CaDir::at(self.ca_dir.path()), None).unwrap());
        let clock: ca_acme::service::Clock = Arc::new(time::OffsetDateTime::now_utc);
        self.service = AcmeService::new(
            BASE,
            Arc::clone(self.service.storage()),
            ca,
            ValidationConfig::default(),
            clock,
        )
        .with_policy(policy);
    }

    pub fn counts(&self) -> Counts {
        self.service.storage().counts().unwrap()
    }

    pub fn nonce(&self) -> String {
        let r = self.service.handle(&Request {
            method: "HEAD".into(),
            path: "/acme/new-nonce".into(),
            content_type: None,
            body: vec![],
        });
        assert_eq!(r.status, 200);
        r.header("Replay-Nonce").unwrap().to_string()
    }

    pub fn raw_post(&self, path: &str, body: Vec<u8>) -> Response {
        self.service.handle(&Request {
            method: "POST".into(),
            path: path.into(),
            content_type: Some("application/jose+json".into()),
            body,
        })
    }
}

pub struct Account {
    pub key: EcdsaKeyPair,
    pub pkcs8: Vec<u8>,
    pub kid: Option<String>,
}

/// What to put in a request's protected header and how to sign it.
pub struct Jws<'a> {
    pub path: &'a str,
    pub payload: Option<Value>,
    pub nonce: String,
    pub url: Option<String>,
    pub use_jwk: bool,
    pub kid: Option<String>,
}

impl Account {
    pub fn new() -> Account {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let key =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
        Account {
            key,
            pkcs8: pkcs8.as_ref().to_vec(),
            kid: None,
        }
    }

    pub fn jwk(&self) -> Value {
        let point = self.key.public_key().as_ref();
        json!({"kty": "EC", "crv": "P-256", "x": b64encode(&point[1..33]), "y": b64encode(&point[33..])})
    }

    /// The flattened JWS body for `spec`.
    pub fn sign(&self, spec: Jws<'_>) -> Vec<u8> {
        let mut protected = json!({
            "alg": "ES256",
            "nonce": spec.nonce,
            "url": spec.url.unwrap_or_else(|| format!("{BASE}{}", spec.path)),
        });
        if spec.use_jwk {
            protected["jwk"] = self.jwk();
        } else {
            protected["kid"] = json!(spec.kid.or_else(|| self.kid.clone()).expect("registered"));
        }
        let protected = b64encode(protected.to_string().as_bytes());
        let payload = spec
            .payload
            .map(|p| b64encode(p.to_string().as_bytes()))
            .unwrap_or_default();
        let signature = self
            .key
            .sign(
                &SystemRandom::new(),
                format!("{protected}.{payload}").as_bytes(),
            )
            .unwrap();
        json!({"protected": protected, "payload": payload, "signature": b64encode(signature.as_ref())})
            .to_string()
            .into_bytes()
    }

    /// A flattened JWS over `payload` with exactly this protected header
    /// (e.g. an inner JWS, RFC 8555 §7.3.5), signed by this key.
    pub fn jws_value(&self, protected: Value, payload: &Value) -> Value {
        let protected = b64encode(protected.to_string().as_bytes());
        let payload = b64encode(payload.to_string().as_bytes());
        let signature = self
            .key
            .sign(
                &SystemRandom::new(),
                format!("{protected}.{payload}").as_bytes(),
            )
            .unwrap();
        json!({"protected": protected, "payload": payload, "signature": b64encode(signature.as_ref())})
    }

    /// A well-formed request with a fresh nonce.
    pub fn post(&self, env: &Env, path: &str, payload: Option<Value>) -> Response {
        let body = self.sign(Jws {
            path,
            payload,
            nonce: env.nonce(),
            url: None,
            use_jwk: self.kid.is_none(),
            kid: None,
        });
        env.raw_post(path, body)
    }

    pub fn register(env: &Env) -> Account {
        let mut account = Account::new();
        let r = account.post(
            env,
            "/acme/new-account",
            Some(json!({"termsOfServiceAgreed": true})),
        );
        assert_eq!(r.status, 201, "{}", text(&r));
        account.kid = Some(r.header("Location").unwrap().to_string());
        account
    }
}

pub fn text(r: &Response) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

pub fn body(r: &Response) -> Value {
    serde_json::from_slice(&r.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(r)))
}

/// The problem type of an error response, after `urn:ietf:params:acme:error:`.
pub fn problem(r: &Response) -> String {
    let v = body(r);
    assert_eq!(
        r.header("Content-Type"),
        Some("application/problem+json"),
        "{v}"
    );
    v["type"]
        .as_str()
        .unwrap()
        .trim_start_matches("urn:ietf:params:acme:error:")
        .to_string()
}

pub fn path_of(url: &str) -> String {
    url.strip_prefix(BASE).unwrap().to_string()
}

/// Orders `names`, answers http-01 for each and waits for the order to be
/// ready; returns the order's path.
pub fn ready_order(env: &Env, account: &Account, names: &[&str]) -> String {
    let ids: Vec<Value> = names
        .iter()
        .map(|n| json!({"type": "dns", "value": n}))
        .collect();
    let r = account.post(env, "/acme/new-order", Some(json!({ "identifiers": ids })));
    assert_eq!(r.status, 201, "{}", text(&r));
    let order_path = path_of(r.header("Location").unwrap());
    let thumbprint = ca_acme::jws::Jwk::from_json(&account.jwk())
        .unwrap()
        .thumbprint();
    for authz in body(&r)["authorizations"].as_array().unwrap() {
        let a = body(&account.post(env, &path_of(authz.as_str().unwrap()), None));
        let chall = a["challenges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["type"] == "http-01")
            .unwrap()
            .clone();
        let token = chall["token"].as_str().unwrap();
        env.answers
            .lock()
            .unwrap()
            .insert(token.to_string(), format!("{token}.{thumbprint}"));
        let r = account.post(
            env,
            &path_of(chall["url"].as_str().unwrap()),
            Some(json!({})),
        );
        assert_eq!(r.status, 200, "{}", text(&r));
    }
    wait_status(env, account, &order_path, "ready");
    order_path
}

pub fn wait_status(env: &Env, account: &Account, path: &str, status: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let v = body(&account.post(env, path, None));
        if v["status"] == status {
            return v;
        }
        assert!(
            Instant::now() < deadline && v["status"] != "invalid",
            "{path} stuck: {v}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Serves /.well-known/acme-challenge/TOKEN from `answers`, 404 otherwise.
fn http01_responder(answers: Answers) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).to_string();
            let token = head
                .split(' ')
                .nth(1)
                .and_then(|p| p.strip_prefix("/.well-known/acme-challenge/"))
                .unwrap_or("")
                .to_string();
            let answer = answers.lock().unwrap().get(&token).cloned();
            let reply = match answer {
                Some(a) => format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{a}", a.len()),
                None => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_string(),
            };
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    port
}

impl Account {
    /// An account whose key is a PKCS#8 P-256 key (e.g. a certificate's).
    pub fn from_pkcs8(pkcs8: &[u8]) -> Account {
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8).unwrap();
        Account {
            key,
            pkcs8: pkcs8.to_vec(),
            kid: None,
        }
    }
}

/// ring key pairs do not clone; tests keep the PKCS#8 to make a twin.
pub fn clone_key(account: &Account) -> EcdsaKeyPair {
    let pkcs8 = account.pkcs8.clone();
    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &pkcs8).unwrap()
}
