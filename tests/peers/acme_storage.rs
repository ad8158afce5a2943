//! The Storage methods the protocol features added (key rollover, RFC
//! 8555 §7.3.5; revocation by a validating account, §7.6; the shared
//! per-account rate limit, §6.6) on both backends: SQLite in a temporary
//! file and a throw-away PostgreSQL cluster.

use ca_acme::resources::{Account, Authz, Challenge, Identifier, Order, Status};
use ca_acme::{PostgresStorage, SqliteStorage, Storage};

use crate::postgres::PgCluster;

fn account(id: &str, thumbprint: &str) -> Account {
    Account {
        id: id.into(),
        jwk: "{}".into(),
        thumbprint: thumbprint.into(),
        status: Status::Valid,
        contact: vec![],
        created: 0,
        terms_agreed: None,
        eab_kid: None,
    }
}

fn authz(id: &str, status: Status) -> Authz {
    Authz {
        id: id.into(),
        account_id: "a1".into(),
        identifier: Identifier {
            kind: "dns".into(),
            value: "a.test".into(),
        },
        status,
        expires: i64::MAX,
        challenges: vec![Challenge {
            kind: "dns-01".into(),
            token: "t".into(),
            status,
            validated: None,
            error: None,
            started: None,
        }],
        wildcard: false,
    }
}

fn order(id: &str, created: i64, authz_ids: Vec<String>) -> Order {
    Order {
        id: id.into(),
        account_id: "a1".into(),
        status: Status::Pending,
        expires: i64::MAX,
        identifiers: vec![],
        authz_ids,
        cert_id: None,
        error: None,
        not_before: None,
        not_after: None,
        created,
        replaces: None,
        processing_since: None,
    }
}

fn exercise(db: &dyn Storage) {
    db.insert_account(&account("a1", "t1")).unwrap();
    db.insert_account(&account("a2", "t2")).unwrap();
    // Rollover to a key no one has: the thumbprint column moves with it.
    assert!(db.change_account_key(&account("a1", "t1-new")).unwrap());
    assert_eq!(
        db.account_by_thumbprint("t1-new").unwrap().unwrap().id,
        "a1"
    );
    assert!(db.account_by_thumbprint("t1").unwrap().is_none());
    // Rollover to another account's key: refused, nothing changed.
    assert!(!db.change_account_key(&account("a1", "t2")).unwrap());
    assert_eq!(db.account_by_thumbprint("t2").unwrap().unwrap().id, "a2");
    assert_eq!(
        db.account_by_thumbprint("t1-new").unwrap().unwrap().id,
        "a1"
    );

    // Only valid authorizations count for revocation.
    let (valid, pending) = (authz("z1", Status::Valid), authz("z2", Status::Pending));
    db.insert_order(
        &order("o1", 100, vec!["z1".into(), "z2".into()]),
        &[valid, pending],
    )
    .unwrap();
    let found: Vec<String> = db
        .valid_authzs_of("a1")
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(found, ["z1"]);
    assert!(db.valid_authzs_of("a2").unwrap().is_empty());

    // Order creation times in a window, per account.
    db.insert_order(&order("o2", 160, vec![]), &[]).unwrap();
    db.insert_order(&order("o3", 200, vec![]), &[]).unwrap();
    let mut times = db.order_times_since("a1", 150).unwrap();
    times.sort();
    assert_eq!(times, [160, 200]);
    assert!(db.order_times_since("a2", 0).unwrap().is_empty());
}

#[test]
fn sqlite_stores_key_changes_valid_authorizations_and_order_times() {
    let dir = tempfile::tempdir().unwrap();
    exercise(&SqliteStorage::open(&dir.path().join("acme.sqlite3")).unwrap());
}

#[test]
fn postgres_stores_key_changes_valid_authorizations_and_order_times() {
    let pg = PgCluster::start();
    exercise(&PostgresStorage::open(&pg.url).unwrap());
}
