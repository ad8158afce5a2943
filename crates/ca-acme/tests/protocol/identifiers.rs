//! dns-01 (RFC 8555 §8.4) through a real DNS server the test starts
//! (Debian's `pebble-challtestsrv`), wildcard orders (§7.1.3, §7.1.4), IP
//! identifiers (RFC 8738) and names resolved through `--dns`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ca_acme::jws::Jwk;
use ca_acme::validation::dns01_value;
use ca_core::{CertDer, SubjectName};
use serde_json::{json, Value};

use crate::client::{body, path_of, problem, text, wait_status, Account, Env};
use crate::flow::csr_for;

/// `pebble-challtestsrv` serving DNS on 127.0.0.1 (A queries answer
/// 127.0.0.1), its management API on another port; killed on drop.
pub(crate) struct ChallTestSrv {
    child: Child,
    pub(crate) dns: SocketAddr,
    management: SocketAddr,
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn free_tcp_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl ChallTestSrv {
    pub(crate) fn start() -> ChallTestSrv {
        let dns: SocketAddr = format!("127.0.0.1:{}", free_udp_port()).parse().unwrap();
        let management: SocketAddr = format!("127.0.0.1:{}", free_tcp_port()).parse().unwrap();
        let child = Command::new("pebble-challtestsrv")
            .args(["-dns01", &dns.to_string()])
            .args(["-management", &management.to_string()])
            .args(["-http01", "", "-https01", "", "-tlsalpn01", ""])
            .args(["-defaultIPv4", "127.0.0.1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "pebble-challtestsrv did not start ({e}): install the Debian package `pebble`"
                )
            });
        let server = ChallTestSrv {
            child,
            dns,
            management,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(management).is_err() {
            assert!(
                Instant::now() < deadline,
                "pebble-challtestsrv's management port did not open"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// POST /set-txt: adds a TXT record (several may share a name).
    pub(crate) fn set_txt(&self, name: &str, value: &str) {
        self.manage(
            "/set-txt",
            json!({"host": format!("{name}."), "value": value}),
        );
    }

    /// POST /add-caa: the CAA records of `name`, as (tag, value) pairs.
    pub(crate) fn add_caa(&self, name: &str, policies: &[(&str, &str)]) {
        let policies: Vec<Value> = policies
            .iter()
            .map(|(tag, value)| json!({"tag": tag, "value": value}))
            .collect();
        self.manage(
            "/add-caa",
            json!({"host": format!("{name}."), "policies": policies}),
        );
    }

    /// One request to the management API, which must answer 200.
    fn manage(&self, path: &str, body: Value) {
        let body = body.to_string();
        let mut s = TcpStream::connect(self.management).unwrap();
        write!(
            s,
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut reply = String::new();
        s.read_to_string(&mut reply).unwrap();
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    }
}

impl Drop for ChallTestSrv {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn thumbprint(account: &Account) -> String {
    Jwk::from_json(&account.jwk()).unwrap().thumbprint()
}

/// The order's authorizations, as JSON.
pub(crate) fn authorizations(env: &Env, account: &Account, order: &Value) -> Vec<Value> {
    order["authorizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| body(&account.post(env, &path_of(a.as_str().unwrap()), None)))
        .collect()
}

pub(crate) fn challenge<'a>(authz: &'a Value, kind: &str) -> &'a Value {
    authz["challenges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {authz}"))
}

fn kinds(authz: &Value) -> Vec<String> {
    let mut k: Vec<String> = authz["challenges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap().to_string())
        .collect();
    k.sort();
    k
}

pub(crate) fn new_order(env: &Env, account: &Account, ids: Value) -> (String, Value) {
    let r = account.post(env, "/acme/new-order", Some(json!({ "identifiers": ids })));
    assert_eq!(r.status, 201, "{}", text(&r));
    (path_of(r.header("Location").unwrap()), body(&r))
}

pub(crate) fn respond(env: &Env, account: &Account, chall: &Value) {
    let r = account.post(
        env,
        &path_of(chall["url"].as_str().unwrap()),
        Some(json!({})),
    );
    assert_eq!(r.status, 200, "{}", text(&r));
}

fn finalize(env: &Env, account: &Account, order: &Value, names: &[&str]) -> CertDer {
    let (_key, csr) = csr_for(names);
    let r = account.post(
        env,
        &path_of(order["finalize"].as_str().unwrap()),
        Some(json!({ "csr": csr })),
    );
    assert_eq!(r.status, 200, "{}", text(&r));
    let done = body(&r);
    let r = account.post(env, &path_of(done["certificate"].as_str().unwrap()), None);
    CertDer::parse_all(&r.body).unwrap().remove(0)
}

#[test]
fn a_wildcard_and_its_base_name_are_validated_by_dns_01() {
    let dns = ChallTestSrv::start();
    let env = Env::with(|v, _| v.dns = Some(dns.dns));
    let account = Account::register(&env);
    let (order_path, order) = new_order(
        &env,
        &account,
        json!([{"type": "dns", "value": "*.w.test"}, {"type": "dns", "value": "w.test"}]),
    );
    let authzs = authorizations(&env, &account, &order);
    // RFC 8555 §7.1.4: the wildcard's authorization names the base
    // domain, says `wildcard`, and offers dns-01 only (§8.4).
    let wild = authzs.iter().find(|a| a["wildcard"] == true).unwrap();
    assert_eq!(
        wild["identifier"],
        json!({"type": "dns", "value": "w.test"})
    );
    assert_eq!(kinds(wild), ["dns-01"]);
    let plain = authzs.iter().find(|a| a["wildcard"] != true).unwrap();
    assert_eq!(kinds(plain), ["dns-01", "http-01", "tls-alpn-01"]);

    // Both answers live at the same name, _acme-challenge.w.test.
    for authz in &authzs {
        let chall = challenge(authz, "dns-01");
        let token = chall["token"].as_str().unwrap();
        let value = dns01_value(&format!("{token}.{}", thumbprint(&account)));
        dns.set_txt("_acme-challenge.w.test", &value);
    }
    for authz in &authzs {
        respond(&env, &account, challenge(authz, "dns-01"));
    }
    let order = wait_status(&env, &account, &order_path, "ready");
    let cert = finalize(&env, &account, &order, &["*.w.test", "w.test"]);
    let mut names = cert.info().names;
    names.sort();
    assert_eq!(names, ["*.w.test", "w.test"]);
}

#[test]
fn a_wrong_or_missing_txt_record_fails_dns_01_with_the_reason() {
    let dns = ChallTestSrv::start();
    let env = Env::with(|v, _| v.dns = Some(dns.dns));
    let account = Account::register(&env);
    dns.set_txt("_acme-challenge.wrong.test", "not-the-digest");
    for (name, expected) in [
        ("wrong.test", "incorrectResponse"),
        ("missing.test", "unauthorized"),
    ] {
        let (order_path, order) =
            new_order(&env, &account, json!([{"type": "dns", "value": name}]));
        let authz = authorizations(&env, &account, &order).remove(0);
        let chall = challenge(&authz, "dns-01");
        respond(&env, &account, chall);
        let failed = wait_status(
            &env,
            &account,
            &path_of(chall["url"].as_str().unwrap()),
            "invalid",
        );
        let error = failed["error"]["type"].as_str().unwrap();
        assert_eq!(error, format!("urn:ietf:params:acme:error:{expected}"));
        assert!(
            failed["error"]["detail"]
                .as_str()
                .unwrap()
                .contains(&format!("_acme-challenge.{name}")),
            "{failed}"
        );
        let order = body(&account.post(&env, &order_path, None));
        assert_eq!(order["status"], "invalid");
    }
}

#[test]
fn names_resolve_through_the_dns_server_for_http_01() {
    // viadns.test is not in --resolve: its A record (127.0.0.1, the
    // server's default) leads http-01 to the test's responder.
    let dns = ChallTestSrv::start();
    let env = Env::with(|v, _| v.dns = Some(dns.dns));
    let account = Account::register(&env);
    let order = crate::client::ready_order(&env, &account, &["viadns.test"]);
    let order = body(&account.post(&env, &order, None));
    let cert = finalize(&env, &account, &order, &["viadns.test"]);
    assert_eq!(cert.info().names, ["viadns.test"]);
}

#[test]
fn an_ip_identifier_is_validated_by_http_01_and_issued_as_an_ip_san() {
    let env = Env::new();
    let account = Account::register(&env);
    let (order_path, order) = new_order(
        &env,
        &account,
        json!([{"type": "ip", "value": "127.0.0.1"}]),
    );
    let authz = authorizations(&env, &account, &order).remove(0);
    // RFC 8738 §7: no dns-01 for an address.
    assert_eq!(kinds(&authz), ["http-01", "tls-alpn-01"]);
    let chall = challenge(&authz, "http-01");
    let token = chall["token"].as_str().unwrap();
    env.answers.lock().unwrap().insert(
        token.to_string(),
        format!("{token}.{}", thumbprint(&account)),
    );
    respond(&env, &account, chall);
    let order = wait_status(&env, &account, &order_path, "ready");
    // A CSR naming the address as a DNS name is not what was ordered.
    let (_key, csr) = csr_for(&["ip.test"]);
    let r = account.post(
        &env,
        &path_of(order["finalize"].as_str().unwrap()),
        Some(json!({ "csr": csr })),
    );
    assert_eq!(problem(&r), "badCSR");
    let cert = finalize(&env, &account, &order, &["127.0.0.1"]);
    let names: Vec<SubjectName> = cert
        .info()
        .names
        .iter()
        .map(|n| SubjectName::parse(n).unwrap())
        .collect();
    assert_eq!(names, [SubjectName::Ip("127.0.0.1".parse().unwrap())]);
}

#[test]
fn dns_01_cannot_validate_an_ip_and_wildcards_offer_nothing_else() {
    let env = Env::new();
    let account = Account::register(&env);
    let (_, order) = new_order(&env, &account, json!([{"type": "ip", "value": "::1"}]));
    let authz = authorizations(&env, &account, &order).remove(0);
    let chall_url = format!(
        "{}/dns-01",
        path_of(authz["challenges"][0]["url"].as_str().unwrap())
            .rsplit_once('/')
            .unwrap()
            .0
    );
    let r = account.post(&env, &chall_url, Some(json!({})));
    assert_eq!(r.status, 404, "{}", text(&r));
}

/// A tls-alpn-01 responder on 127.0.0.1 (RFC 8737 §3) for an IP
/// identifier: it serves a certificate whose only SAN is the iPAddress
/// `san`, with the acmeIdentifier extension, and records the SNI it got.
fn alpn_responder(
    san: std::net::IpAddr,
    key_authorization: &str,
) -> (u16, std::sync::Arc<std::sync::Mutex<Option<String>>>) {
    use std::sync::{Arc, Mutex};
    let digest =
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, key_authorization.as_bytes());
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.subject_alt_names = vec![rcgen::SanType::IpAddress(san)];
    params.custom_extensions = vec![rcgen::CustomExtension::new_acme_identifier(digest.as_ref())];
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let signing = rustls::crypto::aws_lc_rs::sign::any_supported_type(
        &rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
    )
    .unwrap();
    let certified = Arc::new(rustls::sign::CertifiedKey::new(
        vec![cert.der().clone()],
        signing,
    ));

    #[derive(Debug)]
    struct Recorder(Arc<rustls::sign::CertifiedKey>, Arc<Mutex<Option<String>>>);
    impl rustls::server::ResolvesServerCert for Recorder {
        fn resolve(
            &self,
            hello: rustls::server::ClientHello<'_>,
        ) -> Option<Arc<rustls::sign::CertifiedKey>> {
            *self.1.lock().unwrap() = hello.server_name().map(str::to_string);
            Some(Arc::clone(&self.0))
        }
    }
    let sni: Arc<Mutex<Option<String>>> = Arc::default();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(Recorder(certified, Arc::clone(&sni))));
    config.alpn_protocols = vec![ca_acme::validation::ACME_TLS_ALPN.to_vec()];
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut conn = rustls::ServerConnection::new(Arc::clone(&config)).unwrap();
            while conn.is_handshaking() {
                if conn.complete_io(&mut stream).is_err() {
                    break;
                }
            }
            let _ = conn.complete_io(&mut stream);
        }
    });
    (port, sni)
}

#[test]
fn tls_alpn_01_for_an_ip_sends_the_reverse_name_and_wants_the_ip_san() {
    // RFC 8738 §6: SNI is the in-addr.arpa name; the certificate's only
    // subjectAltName is the iPAddress.
    let ip: std::net::IpAddr = "127.0.0.1".parse().unwrap();
    let key_authorization = "token.thumbprint";
    let (port, sni) = alpn_responder(ip, key_authorization);
    let config = ca_acme::ValidationConfig {
        tls_alpn01_port: port,
        ..ca_acme::ValidationConfig::default()
    };
    config.tls_alpn01("127.0.0.1", key_authorization).unwrap();
    assert_eq!(
        sni.lock().unwrap().as_deref(),
        Some("1.0.0.127.in-addr.arpa")
    );
    // Another key authorization, or another address in the SAN: refused.
    let wrong = config
        .tls_alpn01("127.0.0.1", "other.thumbprint")
        .unwrap_err();
    assert_eq!(wrong.kind, ca_acme::ProblemType::Unauthorized);
    let (port, _) = alpn_responder("127.0.0.2".parse().unwrap(), key_authorization);
    let config = ca_acme::ValidationConfig {
        tls_alpn01_port: port,
        ..config
    };
    let other_ip = config
        .tls_alpn01("127.0.0.1", key_authorization)
        .unwrap_err();
    assert!(
        other_ip.detail.contains("iPAddress 127.0.0.1"),
        "{other_ip}"
    );
}
