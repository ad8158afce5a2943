//! Load generator: N concurrent ACME clients completing orders end to end
//! (newOrder, http-01, finalize, download) against one or more servers,
//! in one run; prints orders per second and p50/p99 latency for each.
//!
//! ```text
//! cargo run --release -p ca-acme --example load -- \
//!     --clients 16 --orders 400 --responder 127.0.0.1:5002 \
//!     --target ca=https://127.0.0.1:14000/directory,ROOT.pem \
//!     --target pebble=https://127.0.0.1:14001/dir,ROOT.pem
//! ```
//!
//! Every target's http-01 validation must reach `--responder` (ca: run
//! `ca acme serve --http-01-port 5002 --resolve '*.load.test=127.0.0.1'`;
//! Pebble: `httpPort` 5002 and pebble-challtestsrv as its DNS server).
//! Names are `oN.cC.load.test`. Each request is a new TLS connection.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use ca_acme::jws::{b64encode, Jwk};
use ca_acme::validation::parse_http_response;
use ca_core::{CertDer, Csr, KeyType, PrivateKey, SubjectName};
use rustls::pki_types::ServerName;
use serde_json::{json, Value};

type Answers = Arc<Mutex<HashMap<String, String>>>;

struct Target {
    label: String,
    directory: String,
    tls: Arc<rustls::ClientConfig>,
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

fn request(target: &Target, method: &str, url: &str, body: Option<&[u8]>) -> Reply {
    let rest = url.strip_prefix("https://").expect("https URL");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority
        .rsplit_once(':')
        .map(|(h, _)| h)
        .unwrap_or(authority);
    let sock = TcpStream::connect(authority).expect("connect");
    sock.set_nodelay(true).ok();
    let conn = rustls::ClientConnection::new(
        Arc::clone(&target.tls),
        ServerName::try_from(host.to_string()).unwrap(),
    )
    .unwrap();
    let mut tls = rustls::StreamOwned::new(conn, sock);
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nUser-Agent: ca-acme-load\r\n");
    if let Some(b) = body {
        head.push_str(&format!(
            "Content-Type: application/jose+json\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    head.push_str("\r\n");
    tls.write_all(head.as_bytes()).unwrap();
    if let Some(b) = body {
        tls.write_all(b).unwrap();
    }
    let mut raw = Vec::new();
    let _ = tls.read_to_end(&mut raw); // Some servers close without close_notify.
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP response");
    let headers = String::from_utf8_lossy(&raw[..end])
        .split("\r\n")
        .skip(1)
        .filter_map(|l| {
            l.split_once(':')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        })
        .collect();
    let (status, body) = parse_http_response(&raw).expect("an HTTP response");
    Reply {
        status,
        headers,
        body,
    }
}

struct Client<'a> {
    target: &'a Target,
    directory: Value,
    key: EcdsaKeyPair,
    jwk: Value,
    kid: Option<String>,
    nonce: Option<String>,
}

impl<'a> Client<'a> {
    fn new(target: &'a Target, directory: Value) -> Self {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let key =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
        let point = key.public_key().as_ref();
        let jwk = json!({"kty": "EC", "crv": "P-256", "x": b64encode(&point[1..33]), "y": b64encode(&point[33..])});
        Client {
            target,
            directory,
            key,
            jwk,
            kid: None,
            nonce: None,
        }
    }

    fn post(&mut self, url: &str, payload: Option<Value>) -> Reply {
        for _ in 0..10 {
            let nonce = match self.nonce.take() {
                Some(n) => n,
                None => request(
                    self.target,
                    "HEAD",
                    self.directory["newNonce"].as_str().unwrap(),
                    None,
                )
                .header("Replay-Nonce")
                .expect("a nonce"),
            };
            let mut protected = json!({"alg": "ES256", "nonce": nonce, "url": url});
            match &self.kid {
                Some(kid) => protected["kid"] = json!(kid),
                None => protected["jwk"] = self.jwk.clone(),
            }
            let protected = b64encode(protected.to_string().as_bytes());
            let payload = payload
                .as_ref()
                .map(|p| b64encode(p.to_string().as_bytes()))
                .unwrap_or_default();
            let sig = self
                .key
                .sign(
                    &SystemRandom::new(),
                    format!("{protected}.{payload}").as_bytes(),
                )
                .unwrap();
            let body = json!({"protected": protected, "payload": payload, "signature": b64encode(sig.as_ref())});
            let reply = request(self.target, "POST", url, Some(body.to_string().as_bytes()));
            self.nonce = reply.header("Replay-Nonce");
            // RFC 8555 §6.5: retry a badNonce with the fresh nonce.
            if reply.status == 400 && reply.json()["type"] == "urn:ietf:params:acme:error:badNonce"
            {
                continue;
            }
            return reply;
        }
        panic!("{url}: badNonce ten times in a row");
    }

    fn register(&mut self) {
        let url = self.directory["newAccount"].as_str().unwrap().to_string();
        let r = self.post(&url, Some(json!({"termsOfServiceAgreed": true})));
        assert!(
            r.status == 201 || r.status == 200,
            "newAccount: {}",
            String::from_utf8_lossy(&r.body)
        );
        self.kid = r.header("Location");
    }

    fn poll(&mut self, url: &str, want: &str) -> Value {
        loop {
            let v = self.post(url, None).json();
            if v["status"] == want {
                return v;
            }
            assert!(v["status"] != "invalid", "{url} invalid: {v}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// One order end to end.
    fn order(&mut self, name: &str, answers: &Answers) {
        let thumbprint = Jwk::from_json(&self.jwk).unwrap().thumbprint();
        let url = self.directory["newOrder"].as_str().unwrap().to_string();
        let r = self.post(
            &url,
            Some(json!({"identifiers": [{"type": "dns", "value": name}]})),
        );
        assert_eq!(
            r.status,
            201,
            "newOrder: {}",
            String::from_utf8_lossy(&r.body)
        );
        let order_url = r.header("Location").unwrap();
        let order = r.json();
        for authz in order["authorizations"].as_array().unwrap() {
            let authz = authz.as_str().unwrap();
            let a = self.post(authz, None).json();
            if a["status"] == "valid" {
                continue; // Pebble reuses authorizations.
            }
            let chall = a["challenges"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["type"] == "http-01")
                .unwrap()
                .clone();
            let token = chall["token"].as_str().unwrap().to_string();
            answers
                .lock()
                .unwrap()
                .insert(token.clone(), format!("{token}.{thumbprint}"));
            self.post(chall["url"].as_str().unwrap(), Some(json!({})));
            self.poll(authz, "valid");
        }
        self.poll(&order_url, "ready");
        let key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
        let csr = Csr::create(&key, &[SubjectName::parse(name).unwrap()]).unwrap();
        let r = self.post(
            order["finalize"].as_str().unwrap(),
            Some(json!({"csr": b64encode(csr.der())})),
        );
        assert_eq!(
            r.status,
            200,
            "finalize: {}",
            String::from_utf8_lossy(&r.body)
        );
        let done = self.poll(&order_url, "valid");
        let cert = self.post(done["certificate"].as_str().unwrap(), None);
        assert_eq!(cert.status, 200);
        assert!(!CertDer::parse_all(&cert.body).unwrap().is_empty());
    }
}

fn responder(addr: &str, answers: Answers) {
    let listener = TcpListener::bind(addr).unwrap_or_else(|e| panic!("--responder {addr}: {e}"));
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

fn tls_config(root_pem: &str) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertDer::parse_all(&std::fs::read(root_pem).expect("the root PEM")).unwrap() {
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

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .map(|i| args[i + 1].clone())
    };
    let clients: usize = value("--clients").map_or(16, |v| v.parse().unwrap());
    let orders: usize = value("--orders").map_or(320, |v| v.parse().unwrap());
    let answers: Answers = Arc::default();
    responder(
        &value("--responder").unwrap_or_else(|| "127.0.0.1:5002".into()),
        Arc::clone(&answers),
    );
    let targets: Vec<Target> = args
        .windows(2)
        .filter(|w| w[0] == "--target")
        .map(|w| {
            let (label, rest) = w[1].split_once('=').expect("--target LABEL=URL,ROOT");
            let (directory, root) = rest.split_once(',').expect("--target LABEL=URL,ROOT");
            Target {
                label: label.into(),
                directory: directory.into(),
                tls: tls_config(root),
            }
        })
        .collect();
    println!("| server | clients | orders | orders/s | p50 ms | p99 ms |");
    println!("|---|---|---|---|---|---|");
    for (t, target) in targets.iter().enumerate() {
        let directory = request(target, "GET", &target.directory, None).json();
        let next = AtomicUsize::new(0);
        let latencies = Mutex::new(Vec::new());
        let start = Instant::now();
        std::thread::scope(|s| {
            for c in 0..clients {
                let (directory, next, latencies, answers) =
                    (directory.clone(), &next, &latencies, &answers);
                s.spawn(move || {
                    let mut client = Client::new(target, directory);
                    client.register();
                    loop {
                        let n = next.fetch_add(1, Ordering::SeqCst);
                        if n >= orders {
                            break;
                        }
                        let began = Instant::now();
                        client.order(&format!("o{n}.t{t}c{c}.load.test"), answers);
                        latencies.lock().unwrap().push(began.elapsed());
                    }
                });
            }
        });
        let elapsed = start.elapsed();
        let mut l = latencies.into_inner().unwrap();
        l.sort();
        println!(
            "| {} | {clients} | {} | {:.1} | {} | {} |",
            target.label,
            l.len(),
            l.len() as f64 / elapsed.as_secs_f64(),
            percentile(&l, 0.5).as_millis(),
            percentile(&l, 0.99).as_millis()
        );
    }
}
