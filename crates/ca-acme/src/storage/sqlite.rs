//! SQLite storage: one file (by default `CA_DIR/acme.sqlite3`), WAL mode,
//! versioned migrations applied on open (PRAGMA user_version).
//!
//! Each resource is a row with its id, the columns we look it up by, and
//! the resource as JSON.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{status_name, Counts, RevocationRow, Storage, StorageError, StorageResult};
use crate::resources::{Account, Authz, CertRecord, Order, Status};

/// Migration N brings the schema from version N to N+1. Append only: never
/// edit a released step.
const MIGRATIONS: &[&str] = &[
    // 0 -> 1: the first schema.
    "CREATE TABLE accounts (id TEXT PRIMARY KEY, thumbprint TEXT NOT NULL UNIQUE, data TEXT NOT NULL);
     CREATE TABLE orders (id TEXT PRIMARY KEY, account_id TEXT NOT NULL, data TEXT NOT NULL);
     CREATE INDEX orders_account ON orders(account_id);
     CREATE TABLE authzs (id TEXT PRIMARY KEY, account_id TEXT NOT NULL, data TEXT NOT NULL);
     CREATE TABLE certs (id TEXT PRIMARY KEY, serial TEXT NOT NULL UNIQUE, account_id TEXT NOT NULL, data TEXT NOT NULL);",
    // 1 -> 2: nonces, serial reservations and revocations in the database;
    // the order status as a column for compare-and-set.
    "ALTER TABLE orders ADD COLUMN status TEXT NOT NULL DEFAULT '';
     UPDATE orders SET status = json_extract(data, '$.status');
     CREATE TABLE nonces (nonce TEXT PRIMARY KEY, issued_at INTEGER NOT NULL);
     CREATE INDEX nonces_issued_at ON nonces(issued_at);
     CREATE TABLE serials (serial TEXT PRIMARY KEY, issuer TEXT NOT NULL, reserved_at INTEGER NOT NULL);
     INSERT INTO serials (serial, issuer, reserved_at)
       SELECT serial, json_extract(data, '$.issuer'), 0 FROM certs;
     CREATE TABLE revocations (serial TEXT PRIMARY KEY, issuer TEXT NOT NULL,
       reason INTEGER NOT NULL, revoked_at INTEGER NOT NULL);
     INSERT INTO revocations (serial, issuer, reason, revoked_at)
       SELECT serial, json_extract(data, '$.issuer'), 0, 0 FROM certs
       WHERE json_extract(data, '$.revoked') = 1;",
];

pub struct SqliteStorage {
    conn: Mutex<Connection>,
}

fn err(e: impl std::fmt::Display) -> StorageError {
    StorageError(e.to_string())
}

fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("resources serialise")
}

fn from_json<T: DeserializeOwned>(text: String) -> StorageResult<T> {
    serde_json::from_str(&text)
        .map_err(|e| StorageError(format!("a stored row does not parse ({e})")))
}

impl SqliteStorage {
    pub fn open(path: &Path) -> StorageResult<SqliteStorage> {
        let conn =
            Connection::open(path).map_err(|e| StorageError(format!("{}: {e}", path.display())))?;
        Self::init(conn)
    }

    pub fn in_memory() -> StorageResult<SqliteStorage> {
        Self::init(Connection::open_in_memory().map_err(err)?)
    }

    fn init(mut conn: Connection) -> StorageResult<SqliteStorage> {
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        migrate(&mut conn)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(SqliteStorage {
            conn: Mutex::new(conn),
        })
    }

    fn get<T: DeserializeOwned>(&self, sql: &str, key: &str) -> StorageResult<Option<T>> {
        let conn = self.conn.lock().expect("db lock");
        let text: Option<String> = conn
            .prepare_cached(sql)
            .and_then(|mut statement| statement.query_row([key], |r| r.get(0)).optional())
            .map_err(err)?;
        text.map(from_json).transpose()
    }

    fn exec(&self, sql: &str, params: &[&dyn rusqlite::ToSql]) -> StorageResult<()> {
        let conn = self.conn.lock().expect("db lock");
        run(&conn, sql, params).map(|_| ()).map_err(err)
    }
}

/// Runs `sql` through the connection's statement cache: each statement is
/// parsed once, not at every request.
fn run(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(params)
}

fn migrate(conn: &mut Connection) -> StorageResult<()> {
    let tx = conn.transaction().map_err(err)?;
    let version: i64 = tx
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(err)?;
    if version as usize > MIGRATIONS.len() {
        return Err(StorageError(format!(
            "the database schema is version {version}, newer than this `ca` knows ({}); upgrade `ca`",
            MIGRATIONS.len()
        )));
    }
    for step in &MIGRATIONS[version as usize..] {
        tx.execute_batch(step).map_err(err)?;
    }
    tx.pragma_update(None, "user_version", MIGRATIONS.len() as i64)
        .map_err(err)?;
    tx.commit().map_err(err)
}

const UPSERT_ORDER: &str =
    "INSERT INTO orders (id, account_id, data, status) VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT(id) DO UPDATE SET data = excluded.data, status = excluded.status";
const UPSERT_AUTHZ: &str = "INSERT INTO authzs (id, account_id, data) VALUES (?1, ?2, ?3)
     ON CONFLICT(id) DO UPDATE SET data = excluded.data";
const UPSERT_CERT: &str = "INSERT INTO certs (id, serial, account_id, data) VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT(id) DO UPDATE SET data = excluded.data";

impl Storage for SqliteStorage {
    fn insert_account(&self, account: &Account) -> StorageResult<Account> {
        let conn = self.conn.lock().expect("db lock");
        let inserted = run(
            &conn,
            "INSERT INTO accounts (id, thumbprint, data) VALUES (?1, ?2, ?3)
                 ON CONFLICT(thumbprint) DO NOTHING",
            params![account.id, account.thumbprint, to_json(account)],
        )
        .map_err(err)?;
        if inserted == 1 {
            return Ok(account.clone());
        }
        let text: String = conn
            .query_row(
                "SELECT data FROM accounts WHERE thumbprint = ?1",
                [&account.thumbprint],
                |r| r.get(0),
            )
            .map_err(err)?;
        from_json(text)
    }

    fn put_account(&self, account: &Account) -> StorageResult<()> {
        self.exec(
            "UPDATE accounts SET data = ?2 WHERE id = ?1",
            &[&account.id, &to_json(account)],
        )
    }

    fn change_account_key(&self, account: &Account) -> StorageResult<bool> {
        let conn = self.conn.lock().expect("db lock");
        match conn.execute(
            "UPDATE accounts SET thumbprint = ?2, data = ?3 WHERE id = ?1",
            params![account.id, account.thumbprint, to_json(account)],
        ) {
            Ok(_) => Ok(true),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Ok(false)
            }
            Err(e) => Err(err(e)),
        }
    }

    fn account(&self, id: &str) -> StorageResult<Option<Account>> {
        self.get("SELECT data FROM accounts WHERE id = ?1", id)
    }

    fn account_by_thumbprint(&self, thumbprint: &str) -> StorageResult<Option<Account>> {
        self.get(
            "SELECT data FROM accounts WHERE thumbprint = ?1",
            thumbprint,
        )
    }

    fn insert_order(&self, order: &Order, authzs: &[Authz]) -> StorageResult<()> {
        let mut conn = self.conn.lock().expect("db lock");
        let tx = conn.transaction().map_err(err)?;
        for a in authzs {
            run(&tx, UPSERT_AUTHZ, params![a.id, a.account_id, to_json(a)]).map_err(err)?;
        }
        run(
            &tx,
            UPSERT_ORDER,
            params![
                order.id,
                order.account_id,
                to_json(order),
                status_name(order.status)
            ],
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }

    fn put_order(&self, order: &Order) -> StorageResult<()> {
        self.exec(
            UPSERT_ORDER,
            &[
                &order.id,
                &order.account_id,
                &to_json(order),
                &status_name(order.status),
            ],
        )
    }

    fn order(&self, id: &str) -> StorageResult<Option<Order>> {
        self.get("SELECT data FROM orders WHERE id = ?1", id)
    }

    fn orders_of(&self, account_id: &str) -> StorageResult<Vec<String>> {
        let conn = self.conn.lock().expect("db lock");
        let mut stmt = conn
            .prepare("SELECT id FROM orders WHERE account_id = ?1 ORDER BY rowid")
            .map_err(err)?;
        let rows = stmt.query_map([account_id], |r| r.get(0)).map_err(err)?;
        rows.collect::<Result<_, _>>().map_err(err)
    }

    fn order_times_since(&self, account_id: &str, since: i64) -> StorageResult<Vec<i64>> {
        let conn = self.conn.lock().expect("db lock");
        let mut stmt = conn
            .prepare(
                "SELECT created FROM (SELECT CAST(json_extract(data, '$.created') AS INTEGER) AS created
                 FROM orders WHERE account_id = ?1) WHERE created >= ?2",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map(params![account_id, since], |r| r.get(0))
            .map_err(err)?;
        rows.collect::<Result<_, _>>().map_err(err)
    }

    fn put_authz(&self, authz: &Authz) -> StorageResult<()> {
        self.exec(
            UPSERT_AUTHZ,
            &[&authz.id, &authz.account_id, &to_json(authz)],
        )
    }

    fn authz(&self, id: &str) -> StorageResult<Option<Authz>> {
        self.get("SELECT data FROM authzs WHERE id = ?1", id)
    }

    fn valid_authzs_of(&self, account_id: &str) -> StorageResult<Vec<Authz>> {
        let conn = self.conn.lock().expect("db lock");
        let mut stmt = conn
            .prepare("SELECT data FROM authzs WHERE account_id = ?1")
            .map_err(err)?;
        let rows = stmt
            .query_map([account_id], |r| r.get::<_, String>(0))
            .map_err(err)?;
        let mut out = Vec::new();
        for row in rows {
            let authz: Authz = from_json(row.map_err(err)?)?;
            if authz.status == crate::resources::Status::Valid {
                out.push(authz);
            }
        }
        Ok(out)
    }

    fn insert_cert(&self, cert: &CertRecord, order: &Order) -> StorageResult<()> {
        let mut conn = self.conn.lock().expect("db lock");
        let tx = conn.transaction().map_err(err)?;
        run(
            &tx,
            UPSERT_CERT,
            params![cert.id, cert.serial, cert.account_id, to_json(cert)],
        )
        .map_err(err)?;
        run(
            &tx,
            UPSERT_ORDER,
            params![
                order.id,
                order.account_id,
                to_json(order),
                status_name(order.status)
            ],
        )
        .map_err(err)?;
        tx.commit().map_err(err)
    }

    fn put_cert(&self, cert: &CertRecord) -> StorageResult<()> {
        self.exec(
            UPSERT_CERT,
            &[&cert.id, &cert.serial, &cert.account_id, &to_json(cert)],
        )
    }

    fn cert(&self, id: &str) -> StorageResult<Option<CertRecord>> {
        self.get("SELECT data FROM certs WHERE id = ?1", id)
    }

    fn cert_by_serial(&self, serial: &str) -> StorageResult<Option<CertRecord>> {
        self.get("SELECT data FROM certs WHERE serial = ?1", serial)
    }

    fn counts(&self) -> StorageResult<Counts> {
        let conn = self.conn.lock().expect("db lock");
        let count = |table: &str| -> StorageResult<u64> {
            conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as u64)
            .map_err(err)
        };
        Ok(Counts {
            accounts: count("accounts")?,
            orders: count("orders")?,
            authzs: count("authzs")?,
            certs: count("certs")?,
        })
    }

    fn schema_version(&self) -> StorageResult<i64> {
        let conn = self.conn.lock().expect("db lock");
        conn.query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err)
    }

    fn insert_nonce(&self, nonce: &str, issued_at: i64) -> StorageResult<()> {
        self.exec(
            "INSERT INTO nonces (nonce, issued_at) VALUES (?1, ?2)",
            &[&nonce, &issued_at],
        )
    }

    fn insert_nonces(&self, nonces: &[String], issued_at: i64) -> StorageResult<()> {
        let mut conn = self.conn.lock().expect("db lock");
        let tx = conn.transaction().map_err(err)?;
        for nonce in nonces {
            run(
                &tx,
                "INSERT INTO nonces (nonce, issued_at) VALUES (?1, ?2)",
                params![nonce, issued_at],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    fn consume_nonce(&self, nonce: &str, not_before: i64) -> StorageResult<bool> {
        let conn = self.conn.lock().expect("db lock");
        // One statement: the delete both checks and uses the nonce up.
        let deleted = run(
            &conn,
            "DELETE FROM nonces WHERE nonce = ?1 AND issued_at >= ?2",
            params![nonce, not_before],
        )
        .map_err(err)?;
        Ok(deleted == 1)
    }

    fn prune_nonces(&self, before: i64) -> StorageResult<u64> {
        let conn = self.conn.lock().expect("db lock");
        run(&conn, "DELETE FROM nonces WHERE issued_at < ?1", [before])
            .map(|n| n as u64)
            .map_err(err)
    }

    fn reserve_serial(&self, issuer: &str, serial: &str, at: i64) -> StorageResult<bool> {
        let conn = self.conn.lock().expect("db lock");
        let inserted = run(
            &conn,
            "INSERT INTO serials (serial, issuer, reserved_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(serial) DO NOTHING",
            params![serial, issuer, at],
        )
        .map_err(err)?;
        Ok(inserted == 1)
    }

    fn serials(&self) -> StorageResult<Vec<String>> {
        let conn = self.conn.lock().expect("db lock");
        let mut stmt = conn
            .prepare("SELECT serial FROM serials ORDER BY rowid")
            .map_err(err)?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(err)?;
        rows.collect::<Result<_, _>>().map_err(err)
    }

    fn certs(&self) -> StorageResult<Vec<CertRecord>> {
        let conn = self.conn.lock().expect("db lock");
        let mut stmt = conn
            .prepare("SELECT data FROM certs ORDER BY rowid")
            .map_err(err)?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(err)?;
        let texts: Vec<String> = rows.collect::<Result<_, _>>().map_err(err)?;
        texts.into_iter().map(from_json).collect()
    }

    fn put_order_if(&self, order: &Order, expected: Status) -> StorageResult<bool> {
        let conn = self.conn.lock().expect("db lock");
        let updated = run(
            &conn,
            "UPDATE orders SET data = ?2, status = ?3 WHERE id = ?1 AND status = ?4",
            params![
                order.id,
                to_json(order),
                status_name(order.status),
                status_name(expected)
            ],
        )
        .map_err(err)?;
        Ok(updated == 1)
    }

    fn insert_revocation(&self, revocation: &RevocationRow) -> StorageResult<bool> {
        let mut conn = self.conn.lock().expect("db lock");
        let tx = conn.transaction().map_err(err)?;
        let inserted = run(
            &tx,
            "INSERT INTO revocations (serial, issuer, reason, revoked_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(serial) DO NOTHING",
            params![
                revocation.serial,
                revocation.issuer,
                revocation.reason,
                revocation.revoked_at
            ],
        )
        .map_err(err)?;
        if inserted == 1 {
            run(&tx,
                "UPDATE certs SET data = json_set(data, '$.revoked', json('true')) WHERE serial = ?1",
                [&revocation.serial],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(inserted == 1)
    }

    fn revocations(&self) -> StorageResult<Vec<RevocationRow>> {
        let conn = self.conn.lock().expect("db lock");
        let mut stmt = conn
            .prepare("SELECT serial, issuer, reason, revoked_at FROM revocations ORDER BY rowid")
            .map_err(err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(RevocationRow {
                    serial: r.get(0)?,
                    issuer: r.get(1)?,
                    reason: r.get(2)?,
                    revoked_at: r.get(3)?,
                })
            })
            .map_err(err)?;
        rows.collect::<Result<_, _>>().map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::Status;

    #[test]
    fn migrations_run_once_and_reopen_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("acme.sqlite3");
        let db = SqliteStorage::open(&path).unwrap();
        assert_eq!(db.schema_version().unwrap(), MIGRATIONS.len() as i64);
        let account = Account {
            id: "a1".into(),
            jwk: "{}".into(),
            thumbprint: "t1".into(),
            status: Status::Valid,
            contact: vec![],
            created: 0,
            terms_agreed: None,
            eab_kid: None,
        };
        db.insert_account(&account).unwrap();
        drop(db);
        let db = SqliteStorage::open(&path).unwrap();
        assert_eq!(db.account_by_thumbprint("t1").unwrap().unwrap().id, "a1");
        // The same key again gets the existing account, not a second one.
        let again = Account {
            id: "a2".into(),
            ..account
        };
        assert_eq!(db.insert_account(&again).unwrap().id, "a1");
        assert_eq!(db.counts().unwrap().accounts, 1);
    }

    #[test]
    fn a_version_1_database_is_migrated_with_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("acme.sqlite3");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            let order = serde_json::json!({"id": "o1", "account_id": "a1", "status": "ready",
                "expires": 0, "identifiers": [], "authz_ids": [], "cert_id": "c1", "error": null});
            conn.execute(
                "INSERT INTO orders (id, account_id, data) VALUES ('o1', 'a1', ?1)",
                [order.to_string()],
            )
            .unwrap();
            let cert = serde_json::json!({"id": "c1", "account_id": "a1", "serial": "0abc",
                "issuer": "root", "chain_pem": "", "revoked": true});
            conn.execute(
                "INSERT INTO certs (id, serial, account_id, data) VALUES ('c1', '0abc', 'a1', ?1)",
                [cert.to_string()],
            )
            .unwrap();
        }
        let db = SqliteStorage::open(&path).unwrap();
        assert_eq!(db.schema_version().unwrap(), MIGRATIONS.len() as i64);
        // The status column was filled from the JSON: compare-and-set works.
        let mut order = db.order("o1").unwrap().unwrap();
        order.status = Status::Processing;
        assert!(!db.put_order_if(&order, Status::Pending).unwrap());
        assert!(db.put_order_if(&order, Status::Ready).unwrap());
        // The issued serial stays reserved; the revocation is a row.
        assert_eq!(db.serials().unwrap(), vec!["0abc".to_string()]);
        assert!(!db.reserve_serial("root", "0abc", 5).unwrap());
        assert_eq!(db.revocations().unwrap()[0].serial, "0abc");
    }

    #[test]
    fn a_revocation_is_recorded_once_and_marks_the_certificate() {
        let db = SqliteStorage::in_memory().unwrap();
        let cert = CertRecord {
            id: "c1".into(),
            account_id: "a1".into(),
            serial: "01".into(),
            issuer: "root".into(),
            chain_pem: String::new(),
            revoked: false,
            replaced: false,
        };
        db.put_cert(&cert).unwrap();
        let row = RevocationRow {
            serial: "01".into(),
            issuer: "root".into(),
            reason: 1,
            revoked_at: 7,
        };
        assert!(db.insert_revocation(&row).unwrap());
        assert!(!db.insert_revocation(&row).unwrap());
        assert!(db.cert("c1").unwrap().unwrap().revoked);
        assert_eq!(db.revocations().unwrap(), vec![row]);
    }
}
