//! ARI (RFC 9773): renewalInfo windows and newOrder's `replaces`; the CRL
//! distribution point in issued certificates (RFC 5280 §4.2.1.13); and
//! revocation by an account that validated every name (RFC 8555 §7.6).

use ca_acme::jws::b64encode;
use ca_acme::renewal::cert_id;
use ca_acme::Request;
use ca_core::CertDer;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};

use crate::client::{body, path_of, problem, ready_order, text, Account, Env, BASE};
use crate::flow::csr_for;

/// Orders, validates and finalizes `names`; the leaf.
fn issue(env: &Env, account: &Account, names: &[&str], extra: Value) -> CertDer {
    let order = ready_order_with(env, account, names, extra);
    let order = body(&account.post(env, &order, None));
    let (_key, csr) = csr_for(names);
    let r = account.post(
        env,
        &path_of(order["finalize"].as_str().unwrap()),
        Some(json!({ "csr": csr })),
    );
    assert_eq!(r.status, 200, "{}", text(&r));
    let done = body(&r);
    let pem = account.post(env, &path_of(done["certificate"].as_str().unwrap()), None);
    CertDer::parse_all(&pem.body).unwrap().remove(0)
}

/// `ready_order` with extra newOrder fields (`replaces`).
fn ready_order_with(env: &Env, account: &Account, names: &[&str], extra: Value) -> String {
    if extra.as_object().is_none_or(|o| o.is_empty()) {
        return ready_order(env, account, names);
    }
    let mut payload = extra;
    payload["identifiers"] = names
        .iter()
        .map(|n| json!({"type": "dns", "value": n}))
        .collect();
    let r = account.post(env, "/acme/new-order", Some(payload));
    assert_eq!(r.status, 201, "{}", text(&r));
    // The authorizations are new; validate them the usual way.
    let created = body(&r);
    let path = path_of(r.header("Location").unwrap());
    let thumbprint = ca_acme::jws::Jwk::from_json(&account.jwk())
        .unwrap()
        .thumbprint();
    for authz in created["authorizations"].as_array().unwrap() {
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
            .insert(token.into(), format!("{token}.{thumbprint}"));
        account.post(
            env,
            &path_of(chall["url"].as_str().unwrap()),
            Some(json!({})),
        );
    }
    crate::client::wait_status(env, account, &path, "ready");
    path
}

fn get(env: &Env, path: &str) -> ca_acme::Response {
    env.service.handle(&Request {
        method: "GET".into(),
        path: path.into(),
        content_type: None,
        body: vec![],
    })
}

fn window(r: &ca_acme::Response) -> (OffsetDateTime, OffsetDateTime) {
    let v = body(r);
    let at = |k: &str| {
        OffsetDateTime::parse(v["suggestedWindow"][k].as_str().unwrap(), &Rfc3339).unwrap()
    };
    (at("start"), at("end"))
}

#[test]
fn renewal_info_suggests_a_window_inside_the_validity_and_now_once_revoked() {
    let env = Env::new();
    let dir = body(&get(&env, "/directory"));
    assert_eq!(dir["renewalInfo"], format!("{BASE}/acme/renewal-info"));
    let account = Account::register(&env);
    let leaf = issue(&env, &account, &["a.test"], json!({}));
    let id = cert_id(&leaf).unwrap();
    let r = get(&env, &format!("/acme/renewal-info/{id}"));
    assert_eq!(r.status, 200, "{}", text(&r));
    assert!(r.header("Retry-After").is_some());
    let (start, end) = window(&r);
    let info = leaf.info();
    assert!(
        info.not_before < start && start < end && end < info.not_after,
        "{start} {end}"
    );

    // RFC 9773 §4.2: revoked, the window is in the past (renew now).
    let revoke = json!({"certificate": b64encode(leaf.der())});
    assert_eq!(
        account.post(&env, "/acme/revoke-cert", Some(revoke)).status,
        200
    );
    let (start, end) = window(&get(&env, &format!("/acme/renewal-info/{id}")));
    let now = OffsetDateTime::now_utc();
    assert!(start < end && end < now, "{start} {end}");

    // An unknown serial, and text that is no certID.
    let (aki, _) = id.split_once('.').unwrap();
    let r = get(&env, &format!("/acme/renewal-info/{aki}.AQID"));
    assert_eq!(r.status, 404);
    assert_eq!(
        problem(&get(&env, "/acme/renewal-info/not-a-cert-id")),
        "malformed"
    );
}

#[test]
fn replaces_is_checked_and_a_certificate_is_replaced_once() {
    let env = Env::new();
    let account = Account::register(&env);
    let other = Account::register(&env);
    let old = issue(&env, &account, &["a.test"], json!({}));
    let id = cert_id(&old).unwrap();
    let order = |who: &Account, name: &str| {
        who.post(
            &env,
            "/acme/new-order",
            Some(json!({"identifiers": [{"type": "dns", "value": name}], "replaces": id})),
        )
    };
    // Another account's certificate, or no shared identifier: refused.
    assert_eq!(problem(&order(&other, "a.test")), "unauthorized");
    assert_eq!(problem(&order(&account, "b.test")), "malformed");
    let orders = env.counts().orders;
    let new = issue(&env, &account, &["a.test"], json!({"replaces": id}));
    assert_ne!(cert_id(&new), Some(id.clone()));
    let r = order(&account, "a.test");
    assert_eq!(r.status, 409, "{}", text(&r));
    assert_eq!(problem(&r), "alreadyReplaced");
    assert_eq!(env.counts().orders, orders + 1);
}

#[test]
fn certificates_name_the_crl_of_this_server() {
    let env = Env::new();
    let account = Account::register(&env);
    let leaf = issue(&env, &account, &["a.test"], json!({}));
    let parsed = leaf.parsed();
    let uris: Vec<String> = parsed
        .extensions()
        .iter()
        .filter_map(|e| match e.parsed_extension() {
            ParsedExtension::CRLDistributionPoints(points) => Some(points),
            _ => None,
        })
        .flat_map(|points| points.points.iter())
        .filter_map(|p| match &p.distribution_point {
            Some(DistributionPointName::FullName(names)) => Some(names),
            _ => None,
        })
        .flatten()
        .filter_map(|n| match n {
            GeneralName::URI(u) => Some(u.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(uris, [format!("{BASE}/crl")]);
}

#[test]
fn an_account_that_validated_every_name_may_revoke_and_another_may_not() {
    let env = Env::new();
    let owner = Account::register(&env);
    let leaf = issue(&env, &owner, &["a.test", "b.test"], json!({}));
    let revoke = json!({"certificate": b64encode(leaf.der())});

    // Validated a.test only: not enough.
    let partial = Account::register(&env);
    ready_order(&env, &partial, &["a.test"]);
    let r = partial.post(&env, "/acme/revoke-cert", Some(revoke.clone()));
    assert_eq!(problem(&r), "unauthorized");
    assert!(ca_core::revocation::revocations(&env.ca_dir)
        .unwrap()
        .is_empty());

    // Validated both names in another order of its own: allowed (§7.6).
    let validator = Account::register(&env);
    ready_order(&env, &validator, &["a.test", "b.test"]);
    let r = validator.post(&env, "/acme/revoke-cert", Some(revoke));
    assert_eq!(r.status, 200, "{}", text(&r));
    assert_eq!(
        ca_core::revocation::revocations(&env.ca_dir).unwrap().len(),
        1
    );
}

#[test]
fn the_crl_is_served_over_plain_http_and_nothing_else_is() {
    use std::io::{Read, Write};
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;

    // The listener shares the service; the test stops it by its own flag.
    static STOP: AtomicBool = AtomicBool::new(false);
    // `_dir` keeps the CA directory (where the CRL is written) alive.
    let Env { _dir, service, .. } = Env::new();
    let service = Arc::new(service);
    let crl = ca_acme::crl_http::CrlServer::bind("127.0.0.1:0".parse().unwrap(), service).unwrap();
    let addr = crl.local_addr().unwrap();
    let thread = std::thread::spawn(move || crl.serve(&STOP));
    let fetch = |request: &str| {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        ca_acme::validation::parse_http_response(&raw).unwrap()
    };
    let (status, der) = fetch("GET /crl HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(status, 200);
    use x509_parser::prelude::FromDer;
    assert!(x509_parser::revocation_list::CertificateRevocationList::from_der(&der).is_ok());
    assert_eq!(fetch("GET /directory HTTP/1.1\r\nHost: x\r\n\r\n").0, 404);
    assert_eq!(
        fetch("POST /crl HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").0,
        405
    );
    STOP.store(true, std::sync::atomic::Ordering::SeqCst);
    thread.join().unwrap().unwrap();
}
