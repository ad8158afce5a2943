//! `ca acme serve` state in a database, through crashes (issue 10):
//! two replicas sharing a throw-away PostgreSQL cluster, one killed with
//! SIGKILL while 100 orders are in flight; and SQLite killed -9 mid-run
//! then restarted. Afterwards: every order the clients retried completed,
//! no serial repeats, and the database and the CA directory agree.

use std::collections::{BTreeSet, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use ca_acme::{PostgresStorage, SqliteStorage, Storage};
use ca_core::{CaDir, CertDer};
use serde_json::json;

use crate::acme_client::{request, start_responder, tls_config, AcmeClient, Answers};
use crate::postgres::PgCluster;
use crate::support::{free_port, succeed, Ca};

/// One `ca acme serve` process; SIGKILL on demand, SIGTERM when dropped.
struct Replica {
    child: Child,
    directory: String,
}

impl Replica {
    /// Starts one on a free port; again on another if it exits before it
    /// listens (a port taken meanwhile by a parallel test).
    fn start(ca: &Ca, http01_port: u16, db: Option<&str>) -> Replica {
        for attempt in 1..=3 {
            match Replica::try_start(ca, http01_port, db) {
                Ok(replica) => return replica,
                Err(why) if attempt < 3 => eprintln!("`ca acme serve` attempt {attempt}: {why}"),
                Err(why) => panic!("`ca acme serve` did not start: {why}"),
            }
        }
        unreachable!()
    }

    fn try_start(ca: &Ca, http01_port: u16, db: Option<&str>) -> Result<Replica, String> {
        let mut cmd = ca.command_without_ca_dir("acme");
        cmd.arg("serve")
            .arg("--ca-dir")
            .arg(&ca.dir)
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", free_port()))
            .arg("--http-01-port")
            .arg(http01_port.to_string())
            .arg("--resolve")
            .arg("*.replica.test=127.0.0.1");
        if let Some(db) = db {
            cmd.arg("--db").arg(db);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cannot start `ca acme serve`");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let line = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => line,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(format!("it exited with {}", child.wait().unwrap()));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err("it printed no directory URL within 60 s".into());
            }
        };
        let directory = line
            .strip_prefix("ACME directory: ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Ok(Replica { child, directory })
    }

    fn sigkill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            // SAFETY: kill on our own child's pid.
            unsafe {
                libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
            }
            let deadline = Instant::now() + Duration::from_secs(20);
            while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// What one client got: its name, whether its first server failed it,
/// and the certificate in the end (from the first server or the retry).
struct Outcome {
    name: String,
    retried: Option<Retry>,
    cert: Result<CertDer, String>,
}

/// How a client whose server failed it got its certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    /// Its order, carried on at the other server.
    Resumed,
    /// A new order (its order was left `processing`, or never created).
    Reordered,
}

/// `orders` clients at once, client `i` on `first(i)`; `kill` runs once
/// `kill_after` orders completed. A client whose order failed retries it
/// from the start with the same account key on `retry()`, after checking
/// there that its account is known (RFC 8555 §7.3.1).
fn run_orders(
    orders: usize,
    tls: &Arc<rustls::ClientConfig>,
    answers: &Answers,
    first: impl Fn(usize) -> String + Sync,
    kill_after: usize,
    kill: impl FnOnce() + Send,
    retry: impl Fn() -> String + Sync,
) -> Vec<Outcome> {
    let done = AtomicUsize::new(0);
    let killed = Mutex::new(false);
    let killed_signal = std::sync::Condvar::new();
    let outcomes = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        s.spawn(|| {
            let deadline = Instant::now() + Duration::from_secs(300);
            while done.load(Ordering::SeqCst) < kill_after && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            kill();
            *killed.lock().unwrap() = true;
            killed_signal.notify_all();
        });
        for i in 0..orders {
            let (first, retry, done, outcomes, killed, killed_signal) =
                (&first, &retry, &done, &outcomes, &killed, &killed_signal);
            s.spawn(move || {
                let name = format!("o{i}.replica.test");
                let mut client = AcmeClient::new(Arc::clone(tls));
                let first_try = client
                    .use_server(&first(i))
                    .and_then(|_| client.order(&name, answers));
                let (retried, cert) = match first_try {
                    Ok((_, cert)) => (None, Ok(cert)),
                    Err(first_error) => {
                        // Only the killed server fails a client: wait
                        // for the kill to be over, then go elsewhere.
                        let mut k = killed.lock().unwrap();
                        while !*k {
                            k = killed_signal.wait(k).unwrap();
                        }
                        drop(k);
                        // The order itself, through the other server
                        // (same database: same order), else a new one.
                        let (to, from) = (retry(), first(i));
                        let again = client.use_server(&to).and_then(|_| {
                            let base = |d: &str| d.trim_end_matches("/directory").to_string();
                            let resumed = client.last_order.clone().and_then(|url| {
                                let url = url.replace(&base(&from), &base(&to));
                                client.complete(&url, &name, answers).ok()
                            });
                            match resumed {
                                Some(cert) => Ok((Retry::Resumed, cert)),
                                None => client
                                    .order(&name, answers)
                                    .map(|(_, c)| (Retry::Reordered, c)),
                            }
                        });
                        match again {
                            Ok((how, cert)) => (Some(how), Ok(cert)),
                            Err(e) => (
                                Some(Retry::Reordered),
                                Err(format!("first: {first_error}; retry: {e}")),
                            ),
                        }
                    }
                };
                done.fetch_add(1, Ordering::SeqCst);
                outcomes.lock().unwrap().push(Outcome {
                    name,
                    retried,
                    cert,
                });
            });
        }
    });
    outcomes.into_inner().unwrap()
}

/// Every client ended with a certificate for its name, serials unique.
fn check_outcomes(outcomes: &[Outcome]) -> BTreeSet<String> {
    let mut serials = BTreeSet::new();
    for o in outcomes {
        let cert = o
            .cert
            .as_ref()
            .unwrap_or_else(|e| panic!("{} (retried: {:?}): {e}", o.name, o.retried));
        assert!(
            cert.info().names.iter().any(|n| n.contains(&o.name)),
            "{}: {:?}",
            o.name,
            cert.info().names
        );
        assert!(
            serials.insert(cert.info().serial.to_hex()),
            "serial {} issued twice",
            cert.info().serial.to_hex()
        );
    }
    serials
}

/// The database and the CA directory agree: every certificate in the
/// database is in the index, every certificate in the index had its
/// serial reserved in the database first, no serial twice anywhere. The
/// index may hold a few more than the database (a replica killed after
/// recording, before its database write): at most `in_flight`, each
/// reserved.
fn check_agreement(db: &dyn Storage, ca_dir: &Path, in_flight: usize) -> usize {
    let certs = db.certs().unwrap();
    let db_certs: HashSet<String> = certs.iter().map(|c| c.serial.clone()).collect();
    assert_eq!(db_certs.len(), certs.len(), "a serial twice in certs");
    let reserved = db.serials().unwrap();
    let reserved_set: HashSet<String> = reserved.iter().cloned().collect();
    assert_eq!(
        reserved_set.len(),
        reserved.len(),
        "a serial reserved twice"
    );
    let index = CaDir::at(ca_dir).index().unwrap();
    assert_eq!(index.skipped_lines, 0, "a torn line in the index");
    let mut index_serials = HashSet::new();
    // The CA certificates (`ca init`) are in the index too; the replicas
    // sign only leaves.
    let leaves: Vec<_> = index
        .entries
        .iter()
        .filter(|e| !e.profile.is_ca())
        .collect();
    for entry in &leaves {
        let serial = entry.serial.to_hex();
        assert!(
            index_serials.insert(serial.clone()),
            "{serial} twice in the index"
        );
        assert!(
            reserved_set.contains(&serial),
            "{serial} is in the index but was never reserved in the database"
        );
    }
    for serial in &db_certs {
        assert!(
            index_serials.contains(serial),
            "{serial} is in the database but not in the CA directory's index"
        );
    }
    // Index entries the database has no certificate for: the replicas'
    // own HTTPS certificates (CN=localhost) and what a killed one signed.
    let orphans = leaves
        .iter()
        .filter(|e| !db_certs.contains(&e.serial.to_hex()))
        .filter(|e| !e.names.iter().any(|n| n.contains("localhost")))
        .count();
    assert!(
        orphans <= in_flight,
        "{orphans} certificates in the index without a database row (at most {in_flight} were in flight)"
    );
    certs.len()
}

/// `ca list --json` shows every serial.
fn check_ca_list(ca: &Ca, serials: &BTreeSet<String>) {
    let list = String::from_utf8(succeed(ca.command("list").arg("--json")).stdout).unwrap();
    for serial in serials {
        assert!(list.contains(serial.as_str()), "`ca list` lacks {serial}");
    }
}

#[test]
fn two_replicas_on_postgres_share_the_state_through_a_sigkill() {
    let pg = PgCluster::start();
    let ca = Ca::new();
    let root = ca.init("ecdsa-p256").cert;
    let tls = tls_config(&std::fs::read(&root).unwrap());
    let http01 = free_port();
    let answers = Answers::default();
    start_responder(http01, Arc::clone(&answers));
    let mut a = Replica::start(&ca, http01, Some(&pg.url));
    let b = Replica::start(&ca, http01, Some(&pg.url));
    let db = PostgresStorage::open(&pg.url).unwrap();
    assert_eq!(db.schema_version().unwrap(), 2);

    // A nonce replica A handed out is good once, at replica B.
    let mut probe = AcmeClient::new(Arc::clone(&tls));
    probe.use_server(&b.directory).unwrap();
    let new_nonce_a = a.directory.replace("/directory", "/acme/new-nonce");
    let nonce = request(&tls, "HEAD", &new_nonce_a, None)
        .unwrap()
        .header("Replay-Nonce")
        .unwrap();
    let url = probe.url("newOrder").unwrap();
    let payload = json!({"identifiers": [{"type": "dns", "value": "nonce.replica.test"}]});
    let body = probe.signed(&url, &nonce, Some(&payload));
    let first = request(&tls, "POST", &url, Some(&body)).unwrap();
    assert_eq!(
        first.status,
        201,
        "{}",
        String::from_utf8_lossy(&first.body)
    );
    let replay = request(&tls, "POST", &url, Some(&body)).unwrap();
    assert_eq!(
        replay.json()["type"],
        "urn:ietf:params:acme:error:badNonce",
        "a replayed nonce"
    );

    let (dir_a, dir_b) = (a.directory.clone(), b.directory.clone());
    let a_cell = Mutex::new(&mut a);
    let outcomes = run_orders(
        100,
        &tls,
        &answers,
        |i| {
            if i % 2 == 0 {
                dir_a.clone()
            } else {
                dir_b.clone()
            }
        },
        30,
        || a_cell.lock().unwrap().sigkill(),
        || dir_b.clone(),
    );
    let retried = outcomes.iter().filter(|o| o.retried.is_some()).count();
    let resumed = outcomes
        .iter()
        .filter(|o| o.retried == Some(Retry::Resumed))
        .count();
    let serials = check_outcomes(&outcomes);
    assert_eq!(serials.len(), 100);
    assert!(
        retried > 0,
        "the SIGKILL hit no order in flight: nothing was retried"
    );
    let in_db = check_agreement(&db, &ca.dir, retried);
    // The 100, plus what the killed replica finished but its client never saw.
    assert!(in_db >= 100, "{in_db} certificates in the database");
    for serial in &serials {
        assert!(
            db.cert_by_serial(serial).unwrap().is_some(),
            "{serial} is not in the database"
        );
    }
    check_ca_list(&ca, &serials);
    eprintln!(
        "postgres: {retried} orders retried on replica B after the SIGKILL of A, {resumed} of them carried on (the rest ordered again)"
    );
    drop(b);
}

#[test]
fn sqlite_survives_a_sigkill_mid_run_and_loses_nothing() {
    let ca = Ca::new();
    let root = ca.init("ecdsa-p256").cert;
    let tls = tls_config(&std::fs::read(&root).unwrap());
    let http01 = free_port();
    let answers = Answers::default();
    start_responder(http01, Arc::clone(&answers));
    let mut server = Replica::start(&ca, http01, None);
    let directory = server.directory.clone();
    let restarted: Mutex<Option<Replica>> = Mutex::new(None);
    let restarted_dir = Mutex::new(String::new());
    let cell = Mutex::new(&mut server);
    let outcomes = run_orders(
        24,
        &tls,
        &answers,
        |_| directory.clone(),
        8,
        || {
            cell.lock().unwrap().sigkill();
            // What every order completed before the kill left behind.
            let replica = Replica::start(&ca, http01, None);
            *restarted_dir.lock().unwrap() = replica.directory.clone();
            *restarted.lock().unwrap() = Some(replica);
        },
        || restarted_dir.lock().unwrap().clone(),
    );
    let retried = outcomes.iter().filter(|o| o.retried.is_some()).count();
    let resumed = outcomes
        .iter()
        .filter(|o| o.retried == Some(Retry::Resumed))
        .count();
    let serials = check_outcomes(&outcomes);
    assert!(retried > 0, "the kill hit no order in flight");
    let db = SqliteStorage::open(&ca.dir.join("acme.sqlite3")).unwrap();
    for serial in &serials {
        let cert = db
            .cert_by_serial(serial)
            .unwrap()
            .unwrap_or_else(|| panic!("{serial} was issued but is not in the database"));
        assert!(!cert.chain_pem.is_empty());
    }
    check_agreement(&db, &ca.dir, retried);
    check_ca_list(&ca, &serials);
    eprintln!("sqlite: {retried} orders retried after the restart, {resumed} carried on");

    // `ca revoke` of an ACME certificate: the server learns it at start.
    let revoked = serials.iter().next().unwrap();
    succeed(ca.command("revoke").arg(revoked));
    drop(restarted);
    let again = Replica::start(&ca, http01, None);
    let db = SqliteStorage::open(&ca.dir.join("acme.sqlite3")).unwrap();
    assert!(db.cert_by_serial(revoked).unwrap().unwrap().revoked);
    assert!(
        db.revocations()
            .unwrap()
            .iter()
            .any(|r| &r.serial == revoked),
        "the revocation by `ca revoke` is in the database"
    );
    drop(again);
}
