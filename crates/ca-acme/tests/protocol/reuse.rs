//! Authorization reuse (RFC 8555 §7.1.3, §7.4): a new order of the same
//! account for an identifier it holds a valid, unexpired authorization
//! for gets that authorization back instead of a new pending one; other
//! accounts, wildcards and deactivated authorizations do not.

use serde_json::{json, Value};

use crate::client::{body, path_of, ready_order, text, wait_status, Account, Env};
use crate::flow::csr_for;

/// newOrder for `names`: the order object and its path.
fn new_order(env: &Env, account: &Account, names: &[&str]) -> (Value, String) {
    let ids: Vec<Value> = names
        .iter()
        .map(|n| json!({"type": "dns", "value": n}))
        .collect();
    let r = account.post(env, "/acme/new-order", Some(json!({ "identifiers": ids })));
    assert_eq!(r.status, 201, "{}", text(&r));
    (body(&r), path_of(r.header("Location").unwrap()))
}

fn authz_urls(order: &Value) -> Vec<String> {
    order["authorizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_valid_authorization_is_reused_by_the_same_account_only() {
    let env = Env::new();
    let account = Account::register(&env);
    let first = ready_order(&env, &account, &["a.test"]);
    let first_authz = authz_urls(&body(&account.post(&env, &first, None)))[0].clone();
    let before = env.counts();

    // The same name again: the valid authorization, and the order is ready
    // at once (§7.1.6: every authorization valid).
    let (order, path) = new_order(&env, &account, &["a.test"]);
    assert_eq!(authz_urls(&order), vec![first_authz.clone()], "{order}");
    assert_eq!(order["status"], "ready", "{order}");
    assert_eq!(env.counts().authzs, before.authzs, "no new authorization");
    let authz = body(&account.post(&env, &path_of(&first_authz), None));
    assert_eq!(authz["status"], "valid");
    // The order expires no later than the authorization it relies on.
    assert!(order["expires"].as_str().unwrap() <= authz["expires"].as_str().unwrap());
    // Finalized without any validation: the http-01 answers are gone.
    env.answers.lock().unwrap().clear();
    let (_key, csr) = csr_for(&["a.test"]);
    let r = account.post(
        &env,
        &path_of(order["finalize"].as_str().unwrap()),
        Some(json!({ "csr": csr })),
    );
    assert_eq!(r.status, 200, "{}", text(&r));
    wait_status(&env, &account, &path, "valid");

    // A new name next to it: the old one reused, a new pending one.
    let (order, _) = new_order(&env, &account, &["b.test", "a.test"]);
    let urls = authz_urls(&order);
    assert_eq!(order["status"], "pending", "{order}");
    assert_eq!(urls.len(), 2);
    assert_eq!(urls[1], first_authz);
    assert_ne!(urls[0], first_authz);
    assert_eq!(
        body(&account.post(&env, &path_of(&urls[0]), None))["status"],
        "pending"
    );

    // Another account never gets it.
    let other = Account::register(&env);
    let (order, _) = new_order(&env, &other, &["a.test"]);
    assert_eq!(order["status"], "pending", "{order}");
    assert_ne!(authz_urls(&order), vec![first_authz.clone()]);

    // A wildcard needs its own (dns-01) authorization (§7.1.4).
    let (order, _) = new_order(&env, &account, &["*.a.test"]);
    assert_eq!(order["status"], "pending", "{order}");
    assert_ne!(authz_urls(&order), vec![first_authz.clone()]);
}

#[test]
fn a_deactivated_authorization_is_not_reused() {
    let env = Env::new();
    let account = Account::register(&env);
    let first = ready_order(&env, &account, &["a.test"]);
    let first_authz = authz_urls(&body(&account.post(&env, &first, None)))[0].clone();
    // §7.5.2: the client gives the authorization up.
    let r = account.post(
        &env,
        &path_of(&first_authz),
        Some(json!({"status": "deactivated"})),
    );
    assert_eq!(r.status, 200, "{}", text(&r));
    assert_eq!(body(&r)["status"], "deactivated");

    let (order, _) = new_order(&env, &account, &["a.test"]);
    assert_eq!(order["status"], "pending", "{order}");
    let urls = authz_urls(&order);
    assert_ne!(urls, vec![first_authz]);
    assert_eq!(
        body(&account.post(&env, &path_of(&urls[0]), None))["status"],
        "pending"
    );
}
