//! Two `AcmeService`s over one database: what two replicas are, each with
//! its own in-process lock. What they could race on is decided by the
//! database (the PostgreSQL variant, with processes, is
//! tests/peers/acme_db.rs).

use std::sync::Arc;

use ca_acme::{AcmeService, CaIssuance, Request, ValidationConfig};
use ca_core::CaDir;
use serde_json::json;

use crate::client::{body, path_of, problem, ready_order, Account, Env, Jws, BASE};
use crate::flow::csr_for;

fn second_replica(env: &Env) -> AcmeService {
    let ca = Arc::new(CaIssuance::load(CaDir::at(env.ca_dir.path()), None).unwrap());
    AcmeService::new(
        BASE,
        Arc::clone(env.service.storage()),
        ca,
        ValidationConfig::default(),
        Arc::new(time::OffsetDateTime::now_utc),
    )
}

#[test]
fn of_two_finalize_requests_at_two_replicas_one_signs() {
    let env = Env::new();
    let other = second_replica(&env);
    let account = Account::register(&env);
    let order = ready_order(&env, &account, &["a.test"]);
    let finalize = path_of(
        body(&account.post(&env, &order, None))["finalize"]
            .as_str()
            .unwrap(),
    );
    let (_key, csr) = csr_for(&["a.test"]);
    // Both nonces come from the first replica: the second accepts them.
    let request = |nonce: String| Request {
        method: "POST".into(),
        path: finalize.clone(),
        content_type: Some("application/jose+json".into()),
        body: account.sign(Jws {
            path: &finalize,
            payload: Some(json!({ "csr": csr })),
            nonce,
            url: None,
            use_jwk: false,
            kid: None,
        }),
    };
    let (to_a, to_b) = (request(env.nonce()), request(env.nonce()));
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| env.service.handle(&to_a));
        let b = s.spawn(|| other.handle(&to_b));
        (a.join().unwrap(), b.join().unwrap())
    });
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 403], "one signs, the other is refused");
    let refused = if a.status == 403 { &a } else { &b };
    assert_eq!(problem(refused), "orderNotReady");
    assert_eq!(env.counts().certs, 1, "one certificate for one order");
}

#[test]
fn a_nonce_is_used_once_whichever_replica_sees_it() {
    let env = Env::new();
    let other = second_replica(&env);
    let account = Account::register(&env);
    let nonce = env.nonce();
    let request = Request {
        method: "POST".into(),
        path: "/acme/new-order".into(),
        content_type: Some("application/jose+json".into()),
        body: account.sign(Jws {
            path: "/acme/new-order",
            payload: Some(json!({"identifiers": [{"type": "dns", "value": "a.test"}]})),
            nonce,
            url: None,
            use_jwk: false,
            kid: None,
        }),
    };
    assert_eq!(other.handle(&request).status, 201);
    let replay = env.service.handle(&request);
    assert_eq!(problem(&replay), "badNonce");
    assert_eq!(env.counts().orders, 1);
}
