//! The whole order flow: account, order, http-01, finalize, download,
//! revocation; and what the CA directory records.

use ca_acme::jws::b64encode;
use ca_core::{CertDer, Csr, KeyType, PrivateKey, SubjectName};
use serde_json::json;

use crate::client::{body, path_of, problem, ready_order, text, Account, Env};

pub fn csr_for(names: &[&str]) -> (PrivateKey, String) {
    let key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
    let names: Vec<SubjectName> = names
        .iter()
        .map(|n| SubjectName::parse(n).unwrap())
        .collect();
    let csr = Csr::create(&key, &names).unwrap();
    (key, b64encode(csr.der()))
}

#[test]
fn an_order_is_validated_finalized_downloaded_and_revoked() {
    let env = Env::new();
    let account = Account::register(&env);
    let order = ready_order(&env, &account, &["a.test", "b.test"]);
    let finalize = body(&account.post(&env, &order, None))["finalize"]
        .as_str()
        .unwrap()
        .to_string();
    let (_key, csr) = csr_for(&["b.test", "a.test"]);
    let r = account.post(&env, &path_of(&finalize), Some(json!({ "csr": csr })));
    assert_eq!(r.status, 200, "{}", text(&r));
    let done = body(&r);
    assert_eq!(done["status"], "valid");

    let r = account.post(&env, &path_of(done["certificate"].as_str().unwrap()), None);
    assert_eq!(
        r.header("Content-Type"),
        Some("application/pem-certificate-chain")
    );
    let chain = CertDer::parse_all(&r.body).unwrap();
    assert!(chain.len() >= 2, "leaf then its issuer");
    let mut names = chain[0].info().names;
    names.sort();
    assert_eq!(names, ["a.test", "b.test"]);

    // The CA directory's index has it: `ca list` and `ca revoke` see it.
    let serial = chain[0].info().serial;
    assert!(env.ca_dir.index().unwrap().find(&serial).is_some());

    let revoke = json!({"certificate": b64encode(chain[0].der()), "reason": 4});
    let r = account.post(&env, "/acme/revoke-cert", Some(revoke.clone()));
    assert_eq!(r.status, 200, "{}", text(&r));
    let revoked = ca_core::revocation::revocations(&env.ca_dir).unwrap();
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].serial, serial);
    let r = account.post(&env, "/acme/revoke-cert", Some(revoke));
    assert_eq!(problem(&r), "alreadyRevoked");

    // GET /crl lists it, signed by the issuer.
    let r = env.service.handle(&ca_acme::Request {
        method: "GET".into(),
        path: "/crl".into(),
        content_type: None,
        body: vec![],
    });
    assert_eq!(r.header("Content-Type"), Some("application/pkix-crl"));
    use x509_parser::prelude::FromDer;
    let (_, crl) =
        x509_parser::revocation_list::CertificateRevocationList::from_der(&r.body).unwrap();
    let listed: Vec<Vec<u8>> = crl
        .iter_revoked_certificates()
        .map(|c| c.raw_serial().to_vec())
        .collect();
    assert!(
        listed.iter().any(|s| s.as_slice() == serial.as_bytes()),
        "{listed:?}"
    );
    let root = ca_core::CertDer::read_file(&env.ca_dir.anchor_path()).unwrap();
    assert!(crl.verify_signature(root.parsed().public_key()).is_ok());
}

#[test]
fn the_certificate_key_may_revoke_without_the_account() {
    let env = Env::new();
    let account = Account::register(&env);
    let order = ready_order(&env, &account, &["a.test"]);
    let finalize = body(&account.post(&env, &order, None))["finalize"]
        .as_str()
        .unwrap()
        .to_string();
    let (key, csr) = csr_for(&["a.test"]);
    let done = body(&account.post(&env, &path_of(&finalize), Some(json!({ "csr": csr }))));
    let pem = account
        .post(&env, &path_of(done["certificate"].as_str().unwrap()), None)
        .body;
    let leaf = CertDer::parse(&pem).unwrap();

    // Another account's key, in jwk form, is not the certificate's key.
    let stranger = Account::new();
    let r = stranger.post(
        &env,
        "/acme/revoke-cert",
        Some(json!({"certificate": b64encode(leaf.der())})),
    );
    assert_eq!(problem(&r), "unauthorized");
    assert!(ca_core::revocation::revocations(&env.ca_dir)
        .unwrap()
        .is_empty());

    // The certificate's own key (RFC 8555 §7.6).
    let holder = crate::client::Account::from_pkcs8(key.pkcs8_der());
    let r = holder.post(
        &env,
        "/acme/revoke-cert",
        Some(json!({"certificate": b64encode(leaf.der()), "reason": 1})),
    );
    assert_eq!(r.status, 200, "{}", text(&r));
    assert_eq!(
        ca_core::revocation::revocations(&env.ca_dir).unwrap().len(),
        1
    );
}

#[test]
fn the_same_key_finds_its_account_and_only_return_existing_creates_none() {
    let env = Env::new();
    let first = Account::register(&env);
    let mut again = Account::new();
    again.key = crate::client::clone_key(&first);
    let r = again.post(&env, "/acme/new-account", Some(json!({})));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Location"), first.kid.as_deref());

    let r = Account::new().post(
        &env,
        "/acme/new-account",
        Some(json!({"onlyReturnExisting": true})),
    );
    assert_eq!(problem(&r), "accountDoesNotExist");
    assert_eq!(env.counts().accounts, 1);
}

#[test]
fn a_failed_challenge_tells_the_client_why() {
    let env = Env::new();
    let account = Account::register(&env);
    let r = account.post(
        &env,
        "/acme/new-order",
        Some(json!({"identifiers": [{"type": "dns", "value": "a.test"}]})),
    );
    let order = path_of(r.header("Location").unwrap());
    let authz = path_of(body(&r)["authorizations"][0].as_str().unwrap());
    let a = body(&account.post(&env, &authz, None));
    let chall = a["challenges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "http-01")
        .unwrap()
        .clone();
    // No answer registered: the responder says 404.
    account.post(
        &env,
        &path_of(chall["url"].as_str().unwrap()),
        Some(json!({})),
    );
    let v = crate::client::wait_status(&env, &account, &authz, "invalid");
    let error = &v["challenges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "http-01")
        .unwrap()["error"];
    assert_eq!(error["type"], "urn:ietf:params:acme:error:unauthorized");
    assert!(error["detail"].as_str().unwrap().contains("404"), "{error}");
    assert_eq!(body(&account.post(&env, &order, None))["status"], "invalid");
}

/// A replica that died while signing leaves the order `processing` in the
/// shared database: for a minute that is a finalize in flight (a second
/// one is refused), after that the order is `ready` again and finalizes.
#[test]
fn an_order_left_processing_by_a_dead_finalizer_is_ready_again_after_a_minute() {
    let env = Env::new();
    let account = Account::register(&env);
    let order_path = ready_order(&env, &account, &["a.test"]);
    let id = order_path.rsplit('/').next().unwrap();
    let storage = env.service.storage();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut order = storage.order(id).unwrap().unwrap();
    order.status = ca_acme::resources::Status::Processing;
    order.processing_since = Some(now - 10);
    storage.put_order(&order).unwrap();
    let finalize = body(&account.post(&env, &order_path, None))["finalize"]
        .as_str()
        .unwrap()
        .to_string();
    let (_key, csr) = csr_for(&["a.test"]);
    let r = account.post(&env, &path_of(&finalize), Some(json!({ "csr": csr })));
    assert_eq!(problem(&r), "orderNotReady");

    order.processing_since = Some(now - 61);
    storage.put_order(&order).unwrap();
    assert_eq!(
        body(&account.post(&env, &order_path, None))["status"],
        "ready"
    );
    let r = account.post(&env, &path_of(&finalize), Some(json!({ "csr": csr })));
    assert_eq!(r.status, 200, "{}", text(&r));
    assert_eq!(body(&r)["status"], "valid");
}
