//! The operator's policy: allowed identifiers (rejectedIdentifier, RFC
//! 8555 §7.4), per-account rate limits (rateLimited + Retry-After, §6.6),
//! Retry-After on resources still pending (§7.4, §8.2), and the order's
//! notBefore/notAfter (§7.4).

use ca_acme::policy::{Cidr, RateLimit};
use ca_core::CertDer;
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::client::{body, path_of, problem, ready_order, text, Account, Env};
use crate::flow::csr_for;

fn order(value: &str, kind: &str) -> Option<serde_json::Value> {
    Some(json!({"identifiers": [{"type": kind, "value": value}]}))
}

#[test]
fn identifiers_outside_the_allowed_suffixes_and_ranges_are_rejected() {
    let env = Env::with(|_, policy| {
        policy.allow_dns = vec!["a.test".into()];
        policy.allow_ip = vec![Cidr::parse("10.0.0.0/8").unwrap()];
    });
    let account = Account::register(&env);
    for (value, kind) in [
        ("b.test", "dns"),
        ("xa.test", "dns"),
        ("*.b.test", "dns"),
        ("127.0.0.1", "ip"),
        ("::1", "ip"),
    ] {
        let r = account.post(&env, "/acme/new-order", order(value, kind));
        assert_eq!(problem(&r), "rejectedIdentifier", "{value}");
        assert!(text(&r).contains(value), "{}", text(&r));
    }
    // One refused identifier refuses the whole order.
    let r = account.post(
        &env,
        "/acme/new-order",
        Some(json!({"identifiers": [{"type": "dns", "value": "a.test"}, {"type": "dns", "value": "b.test"}]})),
    );
    assert_eq!(problem(&r), "rejectedIdentifier");
    assert_eq!(env.counts().orders, 0);
    assert_eq!(env.counts().authzs, 0);
    for (value, kind) in [
        ("a.test", "dns"),
        ("x.y.a.test", "dns"),
        ("*.a.test", "dns"),
        ("10.2.3.4", "ip"),
    ] {
        let r = account.post(&env, "/acme/new-order", order(value, kind));
        assert_eq!(r.status, 201, "{value}: {}", text(&r));
    }
}

#[test]
fn identifiers_outside_the_issuing_cas_name_constraints_are_rejected() {
    // RFC 5280 §4.2.1.10 on the issuer, checked at newOrder (RFC 8555
    // §7.4: rejectedIdentifier), not at finalize.
    let options = ca_core::CaOptions {
        name_constraints: ca_core::NameConstraintsSpec {
            permit_dns: vec!["a.test".into()],
            permit_ip: vec!["127.0.0.0/8".into()],
            ..Default::default()
        },
        ..Default::default()
    };
    let env = Env::with_ca(&options, |_, _| {});
    let account = Account::register(&env);
    for (value, kind) in [("b.test", "dns"), ("*.b.test", "dns"), ("10.0.0.1", "ip")] {
        let r = account.post(&env, "/acme/new-order", order(value, kind));
        assert_eq!(problem(&r), "rejectedIdentifier", "{value}: {}", text(&r));
    }
    assert_eq!(env.counts().orders, 0);
    for (value, kind) in [
        ("x.a.test", "dns"),
        ("*.a.test", "dns"),
        ("127.0.0.1", "ip"),
    ] {
        let r = account.post(&env, "/acme/new-order", order(value, kind));
        assert_eq!(r.status, 201, "{value}: {}", text(&r));
    }
}

#[test]
fn an_account_over_its_rate_limit_is_told_when_to_retry() {
    let env = Env::with(|_, policy| policy.rate_limit = Some(RateLimit::parse("2/min").unwrap()));
    let account = Account::register(&env);
    let other = Account::register(&env);
    for _ in 0..2 {
        assert_eq!(
            account
                .post(&env, "/acme/new-order", order("a.test", "dns"))
                .status,
            201
        );
    }
    let r = account.post(&env, "/acme/new-order", order("a.test", "dns"));
    assert_eq!(r.status, 429);
    assert_eq!(problem(&r), "rateLimited");
    let wait: u64 = r.header("Retry-After").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(env.counts().orders, 2);
    // Per account: another account is not limited by the first one.
    assert_eq!(
        other
            .post(&env, "/acme/new-order", order("a.test", "dns"))
            .status,
        201
    );
}

#[test]
fn pending_orders_and_authorizations_say_retry_after() {
    let env = Env::new();
    let account = Account::register(&env);
    let r = account.post(&env, "/acme/new-order", order("a.test", "dns"));
    let created = body(&r);
    let order_path = path_of(r.header("Location").unwrap());
    let r = account.post(&env, &order_path, None);
    assert_eq!(body(&r)["status"], "pending");
    assert!(r.header("Retry-After").is_some());
    let authz = path_of(created["authorizations"][0].as_str().unwrap());
    assert!(account
        .post(&env, &authz, None)
        .header("Retry-After")
        .is_some());
    // A ready order needs no waiting.
    let ready = ready_order(&env, &account, &["b.test"]);
    assert!(account
        .post(&env, &ready, None)
        .header("Retry-After")
        .is_none());
}

fn at(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap()
}

#[test]
fn the_order_validity_is_honoured_or_refused_with_the_rule() {
    let env = Env::new();
    let account = Account::register(&env);
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    let day = time::Duration::DAY;
    for (nb, na, why) in [
        (now + day, now, "later than notBefore"),
        (now - 3 * day, now - day, "in the past"),
        (now - day, now + day, "one hour in the past"),
        (now, now + 500 * day, "longer than"),
        (now, now + 40_000 * day, "longer than"),
    ] {
        let r = account.post(
            &env,
            "/acme/new-order",
            Some(json!({"identifiers": [{"type": "dns", "value": "a.test"}], "notBefore": at(nb), "notAfter": at(na)})),
        );
        assert_eq!(problem(&r), "malformed", "{why}");
        assert!(text(&r).contains(why), "{why}: {}", text(&r));
    }
    let r = account.post(
        &env,
        "/acme/new-order",
        Some(json!({"identifiers": [{"type": "dns", "value": "a.test"}], "notAfter": "tomorrow"})),
    );
    assert_eq!(problem(&r), "malformed");
    assert_eq!(env.counts().orders, 0);

    // Honoured: the order echoes the window and the certificate has it.
    let (nb, na) = (now + time::Duration::HOUR, now + 10 * day);
    let r = account.post(
        &env,
        "/acme/new-order",
        Some(json!({"identifiers": [{"type": "dns", "value": "a.test"}], "notBefore": at(nb), "notAfter": at(na)})),
    );
    assert_eq!(r.status, 201, "{}", text(&r));
    let created = body(&r);
    assert_eq!(created["notBefore"], at(nb));
    assert_eq!(created["notAfter"], at(na));
    let order_path = path_of(r.header("Location").unwrap());
    let thumbprint = ca_acme::jws::Jwk::from_json(&account.jwk())
        .unwrap()
        .thumbprint();
    let authz = body(&account.post(
        &env,
        &path_of(created["authorizations"][0].as_str().unwrap()),
        None,
    ));
    let chall = authz["challenges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "http-01")
        .unwrap();
    let token = chall["token"].as_str().unwrap();
    env.answers
        .lock()
        .unwrap()
        .insert(token.into(), format!("{token}.{thumbprint}"));
    account.post(
        &env,
        &path_of(chall["url"].as_str().unwrap()),
        Some(json!({})),
    );
    let ready = crate::client::wait_status(&env, &account, &order_path, "ready");
    let (_key, csr) = csr_for(&["a.test"]);
    let done = body(&account.post(
        &env,
        &path_of(ready["finalize"].as_str().unwrap()),
        Some(json!({ "csr": csr })),
    ));
    let pem = account.post(&env, &path_of(done["certificate"].as_str().unwrap()), None);
    let leaf = CertDer::parse_all(&pem.body).unwrap().remove(0);
    assert_eq!(leaf.info().not_before, nb);
    assert_eq!(leaf.info().not_after, na);
}
