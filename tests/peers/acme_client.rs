//! A small ACME client for tests that kill servers: every step returns an
//! error instead of panicking, so that a client whose replica died can
//! go on with another. ES256 account keys, JWS signed with aws-lc-rs, a new
//! TLS connection per request. The load generator
//! (`crates/ca-acme/examples/load.rs`) drives the same client.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use ca_acme::jws::{b64encode, Jwk};
use ca_acme::validation::parse_http_response;
use ca_core::{CertDer, Csr, KeyType, PrivateKey, SubjectName};
use rustls::pki_types::ServerName;
use serde_json::{json, Value};

/// http-01 answers by token, served by [`start_responder`].
pub type Answers = Arc<Mutex<HashMap<String, String>>>;

pub type Step<T> = Result<T, String>;

pub struct Reply {
    pub status: u16,
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One HTTPS request; any failure (refused, reset, timeout) is an error.
pub fn request(
    tls: &Arc<rustls::ClientConfig>,
    method: &str,
    url: &str,
    body: Option<&[u8]>,
) -> Step<Reply> {
    let rest = url
        .strip_prefix("https://")
        .ok_or(format!("{url}: not https"))?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority
        .rsplit_once(':')
        .map(|(h, _)| h)
        .unwrap_or(authority);
    let sock = TcpStream::connect(authority).map_err(|e| format!("{url}: {e}"))?;
    sock.set_read_timeout(Some(Duration::from_secs(30))).ok();
    sock.set_nodelay(true).ok();
    let conn = rustls::ClientConnection::new(
        Arc::clone(tls),
        ServerName::try_from(host.to_string()).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let mut stream = rustls::StreamOwned::new(conn, sock);
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nUser-Agent: ca-test\r\n"
    );
    if let Some(b) = body {
        head.push_str(&format!(
            "Content-Type: application/jose+json\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    head.push_str("\r\n");
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body.unwrap_or_default()))
        .map_err(|e| format!("{url}: {e}"))?;
    let mut raw = Vec::new();
    // The server closes after the response (it sends close_notify; a
    // killed one resets or sends nothing, which is an error below).
    let _ = stream.read_to_end(&mut raw);
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or(format!("{url}: no HTTP response ({} bytes)", raw.len()))?;
    let headers = String::from_utf8_lossy(&raw[..end])
        .split("\r\n")
        .skip(1)
        .filter_map(|l| {
            l.split_once(':')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        })
        .collect();
    let (status, body) = parse_http_response(&raw).ok_or(format!("{url}: a bad HTTP response"))?;
    Ok(Reply {
        status,
        headers,
        body,
    })
}

/// A client trusting only `root_pem`.
pub fn tls_config(root_pem: &[u8]) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertDer::parse_all(root_pem).unwrap() {
        roots.add(cert.der().to_vec().into()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// One account key, talking to one server (directory) at a time.
pub struct AcmeClient {
    tls: Arc<rustls::ClientConfig>,
    directory: Value,
    key: EcdsaKeyPair,
    jwk: Value,
    kid: Option<String>,
    nonce: Option<String>,
    /// The URL of the last order placed.
    pub last_order: Option<String>,
    /// How long to wait between two polls of a pending resource.
    pub poll_every: Duration,
}

impl AcmeClient {
    pub fn new(tls: Arc<rustls::ClientConfig>) -> AcmeClient {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let key =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
        let point = key.public_key().as_ref();
        let jwk = json!({"kty": "EC", "crv": "P-256", "x": b64encode(&point[1..33]), "y": b64encode(&point[33..])});
        AcmeClient {
            tls,
            directory: Value::Null,
            key,
            jwk,
            kid: None,
            nonce: None,
            last_order: None,
            poll_every: Duration::from_millis(20),
        }
    }

    /// Talks to the server at `directory` from now on, with the same
    /// account key: newAccount there finds the account if the servers
    /// share a database (RFC 8555 §7.3.1). Returns its HTTP status.
    pub fn use_server(&mut self, directory: &str) -> Step<u16> {
        self.directory = request(&self.tls, "GET", directory, None)?.json();
        self.nonce = None;
        self.kid = None;
        let url = self.url("newAccount")?;
        let r = self.post(&url, Some(json!({"termsOfServiceAgreed": true})))?;
        if r.status != 201 && r.status != 200 {
            return Err(format!("newAccount: {} {}", r.status, r.text()));
        }
        self.kid = r.header("Location");
        Ok(r.status)
    }

    pub fn url(&self, name: &str) -> Step<String> {
        self.directory[name]
            .as_str()
            .map(str::to_string)
            .ok_or(format!("the directory has no {name}"))
    }

    /// A flattened JWS (RFC 7515 §7.2.2) for `url` with `nonce`: `kid`
    /// once registered, else the `jwk`.
    pub fn signed(&self, url: &str, nonce: &str, payload: Option<&Value>) -> Vec<u8> {
        let mut protected = json!({"alg": "ES256", "nonce": nonce, "url": url});
        match &self.kid {
            Some(kid) => protected["kid"] = json!(kid),
            None => protected["jwk"] = self.jwk.clone(),
        }
        let protected = b64encode(protected.to_string().as_bytes());
        let payload = payload
            .map(|p| b64encode(p.to_string().as_bytes()))
            .unwrap_or_default();
        let sig = self
            .key
            .sign(
                &SystemRandom::new(),
                format!("{protected}.{payload}").as_bytes(),
            )
            .unwrap();
        json!({"protected": protected, "payload": payload, "signature": b64encode(sig.as_ref())})
            .to_string()
            .into_bytes()
    }

    pub fn post(&mut self, url: &str, payload: Option<Value>) -> Step<Reply> {
        for _ in 0..10 {
            let nonce = match self.nonce.take() {
                Some(n) => n,
                None => request(&self.tls, "HEAD", &self.url("newNonce")?, None)?
                    .header("Replay-Nonce")
                    .ok_or("newNonce gave no nonce")?,
            };
            let body = self.signed(url, &nonce, payload.as_ref());
            let reply = request(&self.tls, "POST", url, Some(&body))?;
            self.nonce = reply.header("Replay-Nonce");
            // RFC 8555 §6.5: retry a badNonce with the fresh nonce.
            if reply.status == 400 && reply.json()["type"] == "urn:ietf:params:acme:error:badNonce"
            {
                continue;
            }
            return Ok(reply);
        }
        Err(format!("{url}: badNonce ten times in a row"))
    }

    fn poll(&mut self, url: &str, want: &str) -> Step<Value> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let v = self.post(url, None)?.json();
            if v["status"] == want {
                return Ok(v);
            }
            if v["status"] == "invalid" || Instant::now() > deadline {
                return Err(format!("{url}: waiting for {want}: {v}"));
            }
            std::thread::sleep(self.poll_every);
        }
    }

    /// One order end to end (newOrder, http-01, finalize, download):
    /// the order URL and the certificate.
    pub fn order(&mut self, name: &str, answers: &Answers) -> Step<(String, CertDer)> {
        let url = self.url("newOrder")?;
        let r = self.post(
            &url,
            Some(json!({"identifiers": [{"type": "dns", "value": name}]})),
        )?;
        if r.status != 201 {
            return Err(format!("newOrder: {} {}", r.status, r.text()));
        }
        let order_url = r.header("Location").ok_or("newOrder: no Location")?;
        self.last_order = Some(order_url.clone());
        let cert = self.carry_on(&order_url, r.json(), name, answers)?;
        Ok((order_url, cert))
    }

    /// Takes the order at `order_url` from whatever state it is in to its
    /// certificate: validates what is pending, finalizes what is ready,
    /// downloads what is valid. An order in `processing` or `invalid`, or
    /// a challenge left `processing`, is an error.
    pub fn complete(&mut self, order_url: &str, name: &str, answers: &Answers) -> Step<CertDer> {
        let order = self.post(order_url, None)?;
        if order.status != 200 {
            return Err(format!("{order_url}: {} {}", order.status, order.text()));
        }
        self.carry_on(order_url, order.json(), name, answers)
    }

    /// [`AcmeClient::complete`] from the order object already fetched.
    fn carry_on(
        &mut self,
        order_url: &str,
        order: Value,
        name: &str,
        answers: &Answers,
    ) -> Step<CertDer> {
        let thumbprint = Jwk::from_json(&self.jwk).unwrap().thumbprint();
        if !["pending", "ready", "valid"].contains(&order["status"].as_str().unwrap_or("")) {
            return Err(format!("{order_url} is {}", order["status"]));
        }
        if order["status"] == "pending" {
            for authz in order["authorizations"]
                .as_array()
                .ok_or("no authorizations")?
            {
                let authz = authz.as_str().ok_or("authorization URL")?;
                let a = self.post(authz, None)?.json();
                if a["status"] == "valid" {
                    continue;
                }
                let chall = a["challenges"]
                    .as_array()
                    .and_then(|c| c.iter().find(|c| c["type"] == "http-01"))
                    .ok_or(format!("no http-01 challenge: {a}"))?
                    .clone();
                if chall["status"] != "pending" {
                    return Err(format!("the challenge is {}: {a}", chall["status"]));
                }
                let token = chall["token"].as_str().ok_or("no token")?.to_string();
                answers
                    .lock()
                    .unwrap()
                    .insert(token.clone(), format!("{token}.{thumbprint}"));
                self.post(
                    chall["url"].as_str().ok_or("challenge URL")?,
                    Some(json!({})),
                )?;
                self.poll(authz, "valid")?;
            }
        }
        let order = if order["status"] == "valid" {
            order
        } else {
            self.poll(order_url, "ready")?;
            let key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
            let csr = Csr::create(&key, &[SubjectName::parse(name).unwrap()]).unwrap();
            let finalize = order["finalize"].as_str().ok_or("finalize URL")?;
            let r = self.post(finalize, Some(json!({"csr": b64encode(csr.der())})))?;
            if r.status != 200 {
                return Err(format!("finalize: {} {}", r.status, r.text()));
            }
            self.poll(order_url, "valid")?
        };
        let cert = self.post(
            order["certificate"].as_str().ok_or("certificate URL")?,
            None,
        )?;
        if cert.status != 200 {
            return Err(format!("certificate: {} {}", cert.status, cert.text()));
        }
        CertDer::parse_all(&cert.body)
            .map_err(|e| e.to_string())?
            .into_iter()
            .next()
            .ok_or("an empty chain".into())
    }
}

/// Answers http-01 on `port` for every server that validates there.
pub fn start_responder(port: u16, answers: Answers) {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .unwrap_or_else(|e| panic!("the http-01 port 127.0.0.1:{port}: {e}"));
    for _ in 0..8 {
        let listener = listener.try_clone().unwrap();
        let answers = Arc::clone(&answers);
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
                    .unwrap_or("");
                let reply = match answers.lock().unwrap().get(token) {
                    Some(a) => format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{a}",
                        a.len()
                    ),
                    None => {
                        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .into()
                    }
                };
                let _ = stream.write_all(reply.as_bytes());
            }
        });
    }
}
