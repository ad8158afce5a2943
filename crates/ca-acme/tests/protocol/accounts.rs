//! Key rollover (RFC 8555 §7.3.5), External Account Binding (§7.3.4) and
//! the terms of service (§7.3, §7.3.3); each refusal changes nothing.

use aws_lc_rs::hmac;
use ca_acme::jws::b64encode;
use ca_acme::Policy;
use serde_json::{json, Value};

use crate::client::{body, problem, text, Account, Env, BASE};

const KEY_CHANGE: &str = "/acme/key-change";

/// The keyChange payload: `new` signs {account, oldKey} with its jwk.
fn key_change_payload(
    account: &Account,
    new: &Account,
    tweak: impl FnOnce(&mut Value, &mut Value),
) -> Value {
    let mut protected =
        json!({"alg": "ES256", "jwk": new.jwk(), "url": format!("{BASE}{KEY_CHANGE}")});
    let mut inner = json!({"account": account.kid.clone().unwrap(), "oldKey": account.jwk()});
    tweak(&mut protected, &mut inner);
    new.jws_value(protected, &inner)
}

/// The account as its current key sees it (POST-as-GET on its URL).
fn fetch(env: &Env, account: &Account) -> ca_acme::Response {
    let kid = account.kid.clone().unwrap();
    account.post(env, kid.strip_prefix(BASE).unwrap(), None)
}

#[test]
fn key_rollover_moves_the_account_to_the_new_key() {
    let env = Env::new();
    let account = Account::register(&env);
    let mut new = Account::new();
    let r = account.post(
        &env,
        KEY_CHANGE,
        Some(key_change_payload(&account, &new, |_, _| {})),
    );
    assert_eq!(r.status, 200, "{}", text(&r));
    new.kid = account.kid.clone();
    // The new key speaks for the account; the old one no longer does.
    assert_eq!(fetch(&env, &new).status, 200);
    assert_eq!(problem(&fetch(&env, &account)), "malformed");
    // onlyReturnExisting with the new key finds the same account.
    let mut lookup = Account::from_pkcs8(&new.pkcs8);
    lookup.kid = None;
    let r = lookup.post(
        &env,
        "/acme/new-account",
        Some(json!({"onlyReturnExisting": true})),
    );
    assert_eq!(r.header("Location"), account.kid.as_deref());
    assert_eq!(env.counts().accounts, 1);
}

#[test]
fn key_rollover_refusals_leave_the_old_key_in_place() {
    let env = Env::new();
    let account = Account::register(&env);
    let other = Account::register(&env);
    let new = Account::new();
    let cases: Vec<(&str, Value, &str)> = vec![
        // §7.3.5: the inner JWS MUST NOT have a nonce.
        (
            "nonce",
            key_change_payload(&account, &new, |h, _| h["nonce"] = json!(env.nonce())),
            "malformed",
        ),
        // The inner url must equal the outer url.
        (
            "url",
            key_change_payload(&account, &new, |h, _| {
                h["url"] = json!(format!("{BASE}/acme/new-order"))
            }),
            "malformed",
        ),
        // account must be the outer kid.
        (
            "account",
            key_change_payload(&account, &new, |_, p| {
                p["account"] = json!(other.kid.clone())
            }),
            "malformed",
        ),
        // oldKey must be the account's current key.
        (
            "oldKey",
            key_change_payload(&account, &new, |_, p| p["oldKey"] = other.jwk()),
            "malformed",
        ),
        // The inner JWS must be signed by the key in its jwk.
        (
            "signature",
            key_change_payload(&account, &new, |h, _| h["jwk"] = other.jwk()),
            "malformed",
        ),
        // A kid instead of a jwk.
        (
            "kid",
            key_change_payload(&account, &new, |h, _| {
                h.as_object_mut().unwrap().remove("jwk");
                h["kid"] = json!(account.kid.clone());
            }),
            "malformed",
        ),
    ];
    for (what, payload, expected) in cases {
        let r = account.post(&env, KEY_CHANGE, Some(payload));
        assert_eq!(problem(&r), expected, "{what}: {}", text(&r));
        assert_eq!(
            fetch(&env, &account).status,
            200,
            "{what}: the old key still works"
        );
    }
    // The new key is another account's: 409 Conflict, with its URL.
    let taken = Account::from_pkcs8(&other.pkcs8);
    let r = account.post(
        &env,
        KEY_CHANGE,
        Some(key_change_payload(&account, &taken, |_, _| {})),
    );
    assert_eq!(r.status, 409, "{}", text(&r));
    assert_eq!(r.header("Location"), other.kid.as_deref());
    assert_eq!(fetch(&env, &account).status, 200);
    assert_eq!(fetch(&env, &other).status, 200);
}

fn eab(account: &Account, kid: &str, key: &[u8], url: &str) -> Value {
    let protected = b64encode(
        json!({"alg": "HS256", "kid": kid, "url": url})
            .to_string()
            .as_bytes(),
    );
    let payload = b64encode(account.jwk().to_string().as_bytes());
    let tag = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, key),
        format!("{protected}.{payload}").as_bytes(),
    );
    json!({"protected": protected, "payload": payload, "signature": b64encode(tag.as_ref())})
}

#[test]
fn external_account_binding_is_required_and_checked() {
    let key = b"0123456789abcdef0123456789abcdef".to_vec();
    let env = Env::with(|_, policy| {
        policy.eab_keys.insert("kid-1".into(), key.clone());
    });
    let dir = body(&env.service.handle(&ca_acme::Request {
        method: "GET".into(),
        path: "/directory".into(),
        content_type: None,
        body: vec![],
    }));
    assert_eq!(dir["meta"]["externalAccountRequired"], true);
    let url = format!("{BASE}/acme/new-account");
    let account = Account::new();
    let other = Account::new();
    let cases = [
        (None, "externalAccountRequired"),
        (
            Some(eab(&account, "kid-1", b"not the key", &url)),
            "unauthorized",
        ),
        (Some(eab(&account, "kid-2", &key, &url)), "unauthorized"),
        (
            Some(eab(
                &account,
                "kid-1",
                &key,
                &format!("{BASE}/acme/new-order"),
            )),
            "unauthorized",
        ),
        // A binding made for another account key.
        (Some(eab(&other, "kid-1", &key, &url)), "unauthorized"),
    ];
    for (binding, expected) in cases {
        let mut payload = json!({"termsOfServiceAgreed": true});
        if let Some(b) = binding {
            payload["externalAccountBinding"] = b;
        }
        let r = account.post(&env, "/acme/new-account", Some(payload));
        assert_eq!(problem(&r), expected, "{}", text(&r));
        assert_eq!(env.counts().accounts, 0);
    }
    let r = account.post(
        &env,
        "/acme/new-account",
        Some(json!({"externalAccountBinding": eab(&account, "kid-1", &key, &url)})),
    );
    assert_eq!(r.status, 201, "{}", text(&r));
}

#[test]
fn terms_of_service_must_be_agreed_and_agreed_again_when_they_change() {
    let terms = "https://ca.example.test/terms/v1";
    let mut env = Env::with(|_, policy| policy.terms_of_service = Some(terms.into()));
    let dir = body(&env.service.handle(&ca_acme::Request {
        method: "GET".into(),
        path: "/directory".into(),
        content_type: None,
        body: vec![],
    }));
    assert_eq!(dir["meta"]["termsOfService"], terms);
    let mut account = Account::new();
    let r = account.post(&env, "/acme/new-account", Some(json!({"contact": []})));
    assert_eq!(problem(&r), "userActionRequired");
    assert_eq!(
        r.header("Link").map(|l| l.contains("terms-of-service")),
        Some(true)
    );
    assert_eq!(env.counts().accounts, 0);
    let r = account.post(
        &env,
        "/acme/new-account",
        Some(json!({"termsOfServiceAgreed": true})),
    );
    assert_eq!(r.status, 201, "{}", text(&r));
    account.kid = Some(r.header("Location").unwrap().to_string());
    let order = json!({"identifiers": [{"type": "dns", "value": "a.test"}]});
    assert_eq!(
        account
            .post(&env, "/acme/new-order", Some(order.clone()))
            .status,
        201
    );

    // §7.3.3: new terms; orders are refused until the account agrees again.
    let v2 = "https://ca.example.test/terms/v2";
    env.restart_with(Policy {
        terms_of_service: Some(v2.into()),
        ..Policy::default()
    });
    let r = account.post(&env, "/acme/new-order", Some(order.clone()));
    assert_eq!(problem(&r), "userActionRequired");
    assert_eq!(body(&r)["instance"], v2);
    let kid = account.kid.clone().unwrap();
    let r = account.post(
        &env,
        kid.strip_prefix(BASE).unwrap(),
        Some(json!({"termsOfServiceAgreed": true})),
    );
    assert_eq!(r.status, 200, "{}", text(&r));
    assert_eq!(
        account.post(&env, "/acme/new-order", Some(order)).status,
        201
    );
}
