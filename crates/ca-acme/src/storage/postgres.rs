//! PostgreSQL storage (`--db postgres://...`): what several `ca acme
//! serve` replicas share. Same tables as SQLite; versioned migrations run
//! on open under an advisory lock, so replicas starting together migrate
//! once. Uniqueness (nonces, serials, account keys) and compare-and-set
//! (order status, revocations) are decided by the database, never by one
//! process's memory.

use std::str::FromStr;

use postgres::types::ToSql;
use postgres::Config;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::pool::Pool;
use super::{status_name, Counts, RevocationRow, Storage, StorageError, StorageResult};
use crate::resources::{Account, Authz, CertRecord, Order, Status};

/// Migration N brings the schema from version N to N+1. Append only.
const MIGRATIONS: &[&str] = &[
    // 0 -> 1: the first schema (the same content as SQLite's version 2).
    "CREATE TABLE accounts (id TEXT PRIMARY KEY, thumbprint TEXT NOT NULL UNIQUE,
       data TEXT NOT NULL, seq BIGSERIAL);
     CREATE TABLE orders (id TEXT PRIMARY KEY, account_id TEXT NOT NULL, status TEXT NOT NULL,
       data TEXT NOT NULL, seq BIGSERIAL);
     CREATE INDEX orders_account ON orders(account_id, seq);
     CREATE TABLE authzs (id TEXT PRIMARY KEY, account_id TEXT NOT NULL, data TEXT NOT NULL);
     CREATE TABLE certs (id TEXT PRIMARY KEY, serial TEXT NOT NULL UNIQUE,
       account_id TEXT NOT NULL, data TEXT NOT NULL, seq BIGSERIAL);
     CREATE TABLE nonces (nonce TEXT PRIMARY KEY, issued_at BIGINT NOT NULL);
     CREATE INDEX nonces_issued_at ON nonces(issued_at);
     CREATE TABLE serials (serial TEXT PRIMARY KEY, issuer TEXT NOT NULL,
       reserved_at BIGINT NOT NULL, seq BIGSERIAL);
     CREATE TABLE revocations (serial TEXT PRIMARY KEY, issuer TEXT NOT NULL,
       reason SMALLINT NOT NULL, revoked_at BIGINT NOT NULL, seq BIGSERIAL);",
    // 1 -> 2: nonces need no durability (after a crash of the database a
    // client gets badNonce and retries with a fresh one, RFC 8555 §6.5):
    // unlogged, they cost no WAL write and no fsync per request.
    "ALTER TABLE nonces SET UNLOGGED;",
];

/// The advisory lock key that serialises migrations ("acme" in ASCII).
const MIGRATION_LOCK: i64 = 0x6163_6d65;

/// Connections each replica keeps at most.
const MAX_CONNECTIONS: usize = 24;

pub struct PostgresStorage {
    pool: Pool,
}

fn err(e: postgres::Error) -> StorageError {
    StorageError(format!("PostgreSQL: {e}"))
}

fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("resources serialise")
}

fn from_json<T: DeserializeOwned>(text: String) -> StorageResult<T> {
    serde_json::from_str(&text)
        .map_err(|e| StorageError(format!("a stored row does not parse ({e})")))
}

impl PostgresStorage {
    /// Connects to `url` (`postgres://user:password@host:port/db`, or the
    /// `host=... dbname=...` form) and brings the schema up to date.
    pub fn open(url: &str) -> StorageResult<PostgresStorage> {
        let config = Config::from_str(url).map_err(|e| {
            StorageError(format!(
                "--db: not a PostgreSQL connection string ({e}); expected postgres://USER@HOST:PORT/DBNAME"
            ))
        })?;
        let storage = PostgresStorage {
            pool: Pool::new(config, MAX_CONNECTIONS),
        };
        storage.migrate()?;
        Ok(storage)
    }

    fn migrate(&self) -> StorageResult<()> {
        let mut pooled = self.pool.get()?;
        let mut tx = pooled.conn().client.transaction().map_err(err)?;
        // Replicas starting together: one migrates, the others wait here
        // and then find the schema current.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .map_err(err)?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS acme_schema (version INTEGER NOT NULL)")
            .map_err(err)?;
        let version: i32 = match tx
            .query_opt("SELECT version FROM acme_schema", &[])
            .map_err(err)?
        {
            Some(row) => row.get(0),
            None => {
                tx.execute("INSERT INTO acme_schema (version) VALUES (0)", &[])
                    .map_err(err)?;
                0
            }
        };
        let known = MIGRATIONS.len() as i32;
        if version > known {
            return Err(StorageError(format!(
                "the database schema is version {version}, newer than this `ca` knows ({known}); upgrade `ca`"
            )));
        }
        for step in &MIGRATIONS[version as usize..] {
            tx.batch_execute(step).map_err(err)?;
        }
        tx.execute("UPDATE acme_schema SET version = $1", &[&known])
            .map_err(err)?;
        tx.commit().map_err(err)
    }

    fn get<T: DeserializeOwned>(&self, sql: &'static str, key: &str) -> StorageResult<Option<T>> {
        let mut pooled = self.pool.get()?;
        let conn = pooled.conn();
        let statement = conn.statement(sql).map_err(err)?;
        let row = conn.client.query_opt(&statement, &[&key]).map_err(err)?;
        row.map(|r| from_json(r.get(0))).transpose()
    }

    fn exec(&self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> StorageResult<u64> {
        let mut pooled = self.pool.get()?;
        let conn = pooled.conn();
        let statement = conn.statement(sql).map_err(err)?;
        conn.client.execute(&statement, params).map_err(err)
    }

    fn strings(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> StorageResult<Vec<String>> {
        let mut pooled = self.pool.get()?;
        let conn = pooled.conn();
        let statement = conn.statement(sql).map_err(err)?;
        let rows = conn.client.query(&statement, params).map_err(err)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }
}

const UPSERT_ORDER: &str =
    "INSERT INTO orders (id, account_id, data, status) VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET data = excluded.data, status = excluded.status";
const UPSERT_AUTHZ: &str = "INSERT INTO authzs (id, account_id, data) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET data = excluded.data";
const UPSERT_CERT: &str = "INSERT INTO certs (id, serial, account_id, data) VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET data = excluded.data";

impl Storage for PostgresStorage {
    fn insert_account(&self, account: &Account) -> StorageResult<Account> {
        let inserted = self.exec(
            "INSERT INTO accounts (id, thumbprint, data) VALUES ($1, $2, $3)
             ON CONFLICT (thumbprint) DO NOTHING",
            &[&account.id, &account.thumbprint, &to_json(account)],
        )?;
        if inserted == 1 {
            return Ok(account.clone());
        }
        self.account_by_thumbprint(&account.thumbprint)?
            .ok_or_else(|| StorageError("an account with this key vanished".into()))
    }

    fn put_account(&self, account: &Account) -> StorageResult<()> {
        self.exec(
            "UPDATE accounts SET data = $2 WHERE id = $1",
            &[&account.id, &to_json(account)],
        )
        .map(|_| ())
    }

    fn change_account_key(&self, account: &Account) -> StorageResult<bool> {
        let mut pooled = self.pool.get()?;
        let conn = pooled.conn();
        let statement = conn
            .statement("UPDATE accounts SET thumbprint = $2, data = $3 WHERE id = $1")
            .map_err(err)?;
        match conn.client.execute(
            &statement,
            &[&account.id, &account.thumbprint, &to_json(account)],
        ) {
            Ok(_) => Ok(true),
            // The thumbprint is UNIQUE: another account has the new key.
            Err(e) if e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION) => Ok(false),
            Err(e) => Err(err(e)),
        }
    }

    fn account(&self, id: &str) -> StorageResult<Option<Account>> {
        self.get("SELECT data FROM accounts WHERE id = $1", id)
    }

    fn account_by_thumbprint(&self, thumbprint: &str) -> StorageResult<Option<Account>> {
        self.get(
            "SELECT data FROM accounts WHERE thumbprint = $1",
            thumbprint,
        )
    }

    fn insert_order(&self, order: &Order, authzs: &[Authz]) -> StorageResult<()> {
        let mut pooled = self.pool.get()?;
        let conn = pooled.conn();
        let (upsert_authz, upsert_order) = (
            conn.statement(UPSERT_AUTHZ).map_err(err)?,
            conn.statement(UPSERT_ORDER).map_err(err)?,
        );
        let mut tx = conn.client.transaction().map_err(err)?;
        for a in authzs {
            tx.execute(&upsert_authz, &[&a.id, &a.account_id, &to_json(a)])
                .map_err(err)?;
        }
        tx.execute(
            &upsert_order,
            &[
                &order.id,
                &order.account_id,
                &to_json(order),
                &status_name(order.status),
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
        .map(|_| ())
    }

    fn order(&self, id: &str) -> StorageResult<Option<Order>> {
        self.get("SELECT data FROM orders WHERE id = $1", id)
    }

    fn orders_of(&self, account_id: &str) -> StorageResult<Vec<String>> {
        self.strings(
            "SELECT id FROM orders WHERE account_id = $1 ORDER BY seq",
            &[&account_id],
        )
    }

    fn order_times_since(&self, account_id: &str, since: i64) -> StorageResult<Vec<i64>> {
        let mut pooled = self.pool.get()?;
        let conn = pooled.conn();
        let statement = conn
            .statement(
                "SELECT created FROM (SELECT COALESCE((data::jsonb->>'created')::bigint, 0) AS created
                 FROM orders WHERE account_id = $1) AS o WHERE created >= $2",
            )
            .map_err(err)?;
        let rows = conn
            .client
            .query(&statement, &[&account_id, &since])
            .map_err(err)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn put_authz(&self, authz: &Authz) -> StorageResult<()> {
        self.exec(
            UPSERT_AUTHZ,
            &[&authz.id, &authz.account_id, &to_json(authz)],
        )
        .map(|_| ())
    }

    fn authz(&self, id: &str) -> StorageResult<Option<Authz>> {
        self.get("SELECT data FROM authzs WHERE id = $1", id)
    }

    fn valid_authzs_of(&self, account_id: &str) -> StorageResult<Vec<Authz>> {
        let rows = self.strings(
            "SELECT data FROM authzs WHERE account_id = $1",
            &[&account_id],
        )?;
        let mut out = Vec::new();
        for text in rows {
            let authz: Authz = from_json(text)?;
            if authz.status == Status::Valid {
                out.push(authz);
            }
        }
        Ok(out)
    }

    fn insert_cert(&self, cert: &CertRecord, order: &Order) -> StorageResult<()> {
        let mut pooled = self.pool.get()?;
        let conn = pooled.conn();
        let (upsert_cert, upsert_order) = (
            conn.statement(UPSERT_CERT).map_err(err)?,
            conn.statement(UPSERT_ORDER).map_err(err)?,
        );
        let mut tx = conn.client.transaction().map_err(err)?;
        tx.execute(
            &upsert_cert,
            &[&cert.id, &cert.serial, &cert.account_id, &to_json(cert)],
        )
        .map_err(err)?;
        tx.execute(
            &upsert_order,
            &[
                &order.id,
                &order.account_id,
                &to_json(order),
                &status_name(order.status),
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
        .map(|_| ())
    }

    fn cert(&self, id: &str) -> StorageResult<Option<CertRecord>> {
        self.get("SELECT data FROM certs WHERE id = $1", id)
    }

    fn cert_by_serial(&self, serial: &str) -> StorageResult<Option<CertRecord>> {
        self.get("SELECT data FROM certs WHERE serial = $1", serial)
    }

    fn counts(&self) -> StorageResult<Counts> {
        let mut pooled = self.pool.get()?;
        let row = pooled
            .conn()
            .client
            .query_one(
                "SELECT (SELECT COUNT(*) FROM accounts), (SELECT COUNT(*) FROM orders),
                        (SELECT COUNT(*) FROM authzs), (SELECT COUNT(*) FROM certs)",
                &[],
            )
            .map_err(err)?;
        let n = |i: usize| row.get::<_, i64>(i) as u64;
        Ok(Counts {
            accounts: n(0),
            orders: n(1),
            authzs: n(2),
            certs: n(3),
        })
    }

    fn schema_version(&self) -> StorageResult<i64> {
        let mut pooled = self.pool.get()?;
        let row = pooled
            .conn()
            .client
            .query_one("SELECT version FROM acme_schema", &[])
            .map_err(err)?;
        Ok(i64::from(row.get::<_, i32>(0)))
    }

    fn insert_nonce(&self, nonce: &str, issued_at: i64) -> StorageResult<()> {
        self.exec(
            "INSERT INTO nonces (nonce, issued_at) VALUES ($1, $2)",
            &[&nonce, &issued_at],
        )
        .map(|_| ())
    }

    fn insert_nonces(&self, nonces: &[String], issued_at: i64) -> StorageResult<()> {
        self.exec(
            "INSERT INTO nonces (nonce, issued_at) SELECT unnest($1::text[]), $2",
            &[&nonces, &issued_at],
        )
        .map(|_| ())
    }

    fn consume_nonce(&self, nonce: &str, not_before: i64) -> StorageResult<bool> {
        // One statement: of two replicas deleting the same nonce at once,
        // the row lock lets exactly one see it deleted.
        self.exec(
            "DELETE FROM nonces WHERE nonce = $1 AND issued_at >= $2",
            &[&nonce, &not_before],
        )
        .map(|n| n == 1)
    }

    fn prune_nonces(&self, before: i64) -> StorageResult<u64> {
        self.exec("DELETE FROM nonces WHERE issued_at < $1", &[&before])
    }

    fn reserve_serial(&self, issuer: &str, serial: &str, at: i64) -> StorageResult<bool> {
        self.exec(
            "INSERT INTO serials (serial, issuer, reserved_at) VALUES ($1, $2, $3)
             ON CONFLICT (serial) DO NOTHING",
            &[&serial, &issuer, &at],
        )
        .map(|n| n == 1)
    }

    fn serials(&self) -> StorageResult<Vec<String>> {
        self.strings("SELECT serial FROM serials ORDER BY seq", &[])
    }

    fn certs(&self) -> StorageResult<Vec<CertRecord>> {
        self.strings("SELECT data FROM certs ORDER BY seq", &[])?
            .into_iter()
            .map(from_json)
            .collect()
    }

    fn put_order_if(&self, order: &Order, expected: Status) -> StorageResult<bool> {
        self.exec(
            "UPDATE orders SET data = $2, status = $3 WHERE id = $1 AND status = $4",
            &[
                &order.id,
                &to_json(order),
                &status_name(order.status),
                &status_name(expected),
            ],
        )
        .map(|n| n == 1)
    }

    fn insert_revocation(&self, revocation: &RevocationRow) -> StorageResult<bool> {
        let mut pooled = self.pool.get()?;
        let mut tx = pooled.conn().client.transaction().map_err(err)?;
        let inserted = tx
            .execute(
                "INSERT INTO revocations (serial, issuer, reason, revoked_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (serial) DO NOTHING",
                &[
                    &revocation.serial,
                    &revocation.issuer,
                    &i16::from(revocation.reason),
                    &revocation.revoked_at,
                ],
            )
            .map_err(err)?;
        if inserted == 1 {
            tx.execute(
                "UPDATE certs SET data = (data::jsonb || '{\"revoked\": true}'::jsonb)::text
                 WHERE serial = $1",
                &[&revocation.serial],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(inserted == 1)
    }

    fn revocations(&self) -> StorageResult<Vec<RevocationRow>> {
        let mut pooled = self.pool.get()?;
        let rows = pooled
            .conn()
            .client
            .query(
                "SELECT serial, issuer, reason, revoked_at FROM revocations ORDER BY seq",
                &[],
            )
            .map_err(err)?;
        Ok(rows
            .iter()
            .map(|r| RevocationRow {
                serial: r.get(0),
                issuer: r.get(1),
                reason: r.get::<_, i16>(2) as u8,
                revoked_at: r.get(3),
            })
            .collect())
    }
}
