//! CAA (RFC 8659) checked after a successful challenge when the server
//! has a CAA identity: records served by `pebble-challtestsrv` (its
//! /add-caa management API), looked up through `--dns`.

use std::time::{Duration, Instant};

use ca_acme::validation::dns01_value;
use serde_json::{json, Value};

use crate::client::{body, path_of, Account, Env};
use crate::flow::csr_for;
use crate::identifiers::{authorizations, challenge, new_order, respond, thumbprint, ChallTestSrv};

const US: &str = "ca.example.test";

/// An environment asking `dns` for CAA (and nothing else: every name
/// under caa.test is answered at 127.0.0.1 by `--resolve`).
fn env(dns: &ChallTestSrv, identity: Option<&str>) -> Env {
    Env::with(|v, _| {
        v.dns = Some(dns.dns);
        v.caa_identity = identity.map(str::to_string);
        v.resolve
            .insert("*.caa.test".into(), "127.0.0.1".parse().unwrap());
    })
}

/// Polls the authorization at `url` until it is valid or invalid.
fn settled(env: &Env, account: &Account, url: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let a = body(&account.post(env, &path_of(url), None));
        if a["status"] == "valid" || a["status"] == "invalid" {
            return a;
        }
        assert!(Instant::now() < deadline, "{url} stuck: {a}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Orders `name`, answers its `kind` challenge correctly, and returns
/// the settled authorization (the wildcard's one for `*.` names).
fn validate(env: &Env, account: &Account, dns: &ChallTestSrv, name: &str, kind: &str) -> Value {
    let (_, order) = new_order(env, account, json!([{"type": "dns", "value": name}]));
    let authz = authorizations(env, account, &order).remove(0);
    let chall = challenge(&authz, kind);
    let token = chall["token"].as_str().unwrap();
    let key_authorization = format!("{token}.{}", thumbprint(account));
    match kind {
        "http-01" => {
            env.answers
                .lock()
                .unwrap()
                .insert(token.to_string(), key_authorization);
        }
        _ => dns.set_txt(
            &format!("_acme-challenge.{}", name.trim_start_matches("*.")),
            &dns01_value(&key_authorization),
        ),
    }
    respond(env, account, chall);
    settled(env, account, order["authorizations"][0].as_str().unwrap())
}

/// The problem a failed authorization's challenge carries.
fn error_of(authz: &Value) -> Value {
    authz["challenges"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|c| c.get("error").cloned())
        .unwrap_or_else(|| panic!("no error in {authz}"))
}

#[test]
fn caa_issue_records_allow_or_refuse_this_ca() {
    let dns = ChallTestSrv::start();
    dns.add_caa(
        "allowed.caa.test",
        &[("issue", "CA.example.test; account=1")],
    );
    dns.add_caa(
        "denied.caa.test",
        &[("issue", "letsencrypt.org"), ("iodef", "mailto:a@b.test")],
    );
    dns.add_caa("parent.caa.test", &[("issue", "letsencrypt.org")]);
    dns.add_caa("nobody.caa.test", &[("issue", ";")]);
    dns.add_caa("iodef.caa.test", &[("iodef", "mailto:a@b.test")]);
    let env = env(&dns, Some(US));
    let account = Account::register(&env);

    for allowed in ["allowed.caa.test", "none.caa.test", "iodef.caa.test"] {
        let a = validate(&env, &account, &dns, allowed, "http-01");
        assert_eq!(a["status"], "valid", "{allowed}: {a}");
    }
    // The name's own records, then its closest parent's (RFC 8659 §3).
    for (denied, at, named) in [
        ("denied.caa.test", "denied.caa.test", "letsencrypt.org"),
        ("www.parent.caa.test", "parent.caa.test", "letsencrypt.org"),
        ("nobody.caa.test", "nobody.caa.test", ";"),
    ] {
        let a = validate(&env, &account, &dns, denied, "http-01");
        assert_eq!(a["status"], "invalid", "{denied}: {a}");
        let error = error_of(&a);
        assert_eq!(error["type"], "urn:ietf:params:acme:error:caa", "{error}");
        let detail = error["detail"].as_str().unwrap();
        assert!(
            detail.contains(at) && detail.contains(named) && detail.contains(US),
            "{detail}"
        );
    }
}

#[test]
fn issuewild_governs_wildcards_and_issue_the_rest() {
    let dns = ChallTestSrv::start();
    // RFC 8659 §4.3: issuewild, when present, decides for wildcards only.
    dns.add_caa(
        "wild.caa.test",
        &[("issue", US), ("issuewild", "letsencrypt.org")],
    );
    dns.add_caa("tame.caa.test", &[("issue", US)]);
    let env = env(&dns, Some(US));
    let account = Account::register(&env);

    let base = validate(&env, &account, &dns, "wild.caa.test", "dns-01");
    assert_eq!(base["status"], "valid", "{base}");
    let wild = validate(&env, &account, &dns, "*.wild.caa.test", "dns-01");
    assert_eq!(wild["status"], "invalid", "{wild}");
    let error = error_of(&wild);
    assert_eq!(error["type"], "urn:ietf:params:acme:error:caa", "{error}");
    assert!(
        error["detail"].as_str().unwrap().contains("issuewild"),
        "{error}"
    );
    // No issuewild: issue decides for the wildcard too.
    let wild = validate(&env, &account, &dns, "*.tame.caa.test", "dns-01");
    assert_eq!(wild["status"], "valid", "{wild}");
}

#[test]
fn without_a_caa_identity_caa_is_not_checked() {
    let dns = ChallTestSrv::start();
    dns.add_caa("denied.caa.test", &[("issue", "letsencrypt.org")]);
    let env = env(&dns, None);
    let account = Account::register(&env);
    let a = validate(&env, &account, &dns, "denied.caa.test", "http-01");
    assert_eq!(a["status"], "valid", "{a}");
}

/// A reused authorization (RFC 8555 §7.1.3) whose CAA check is over 8
/// hours old (Baseline Requirements §3.2.2.8) is checked again at
/// finalize: records added since then refuse the issuance with `caa`,
/// and the order stays ready.
#[test]
fn a_reused_authorization_has_its_caa_checked_again_at_finalize() {
    let dns = ChallTestSrv::start();
    let env = env(&dns, Some(US));
    let account = Account::register(&env);
    let name = "later.caa.test";
    let a = validate(&env, &account, &dns, name, "http-01");
    assert_eq!(a["status"], "valid", "{a}");
    // The owner forbids this CA afterwards.
    dns.add_caa(name, &[("issue", "letsencrypt.org")]);

    let finalize = |expect: u16| -> Value {
        let (order_path, order) =
            new_order(&env, &account, json!([{"type": "dns", "value": name}]));
        assert_eq!(order["status"], "ready", "reused: {order}");
        let (_key, csr) = csr_for(&[name]);
        let r = account.post(
            &env,
            &path_of(order["finalize"].as_str().unwrap()),
            Some(json!({ "csr": csr })),
        );
        assert_eq!(r.status, expect, "{}", String::from_utf8_lossy(&r.body));
        let after = body(&account.post(&env, &order_path, None));
        json!({"reply": body(&r), "order": after})
    };
    // Checked less than 8 hours ago: good for issuance.
    let done = finalize(200);
    assert_eq!(done["order"]["status"], "valid", "{done}");

    // Make the check 9 hours old in the database.
    let storage = env.service.storage();
    let url = a_url(&env, &account, name);
    let authz_id = url.rsplit('/').next().unwrap().to_string();
    let mut stored = storage.authz(&authz_id).unwrap().unwrap();
    for c in &mut stored.challenges {
        if let Some(t) = c.validated.as_mut() {
            *t -= 9 * 3600;
        }
    }
    storage.put_authz(&stored).unwrap();

    let refused = finalize(400);
    assert_eq!(
        refused["reply"]["type"], "urn:ietf:params:acme:error:caa",
        "{refused}"
    );
    assert_eq!(refused["order"]["status"], "ready", "{refused}");
}

/// The URL of the authorization a new order for `name` reuses.
fn a_url(env: &Env, account: &Account, name: &str) -> String {
    let (_, order) = new_order(env, account, json!([{"type": "dns", "value": name}]));
    order["authorizations"][0].as_str().unwrap().to_string()
}
