//! A small bounded pool of PostgreSQL connections: the server runs a
//! thread per request, each takes a connection for one call and gives it
//! back. Bounded so that replicas together stay under the server's
//! `max_connections`; a broken connection is dropped, not given back.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use postgres::{Client, Config, NoTls, Statement};

use super::{StorageError, StorageResult};

/// A connection and the statements prepared on it: each query is parsed
/// once per connection, then only bound and run (one round trip, not two).
pub(super) struct Conn {
    pub(super) client: Client,
    statements: HashMap<&'static str, Statement>,
}

impl Conn {
    /// The statement for `sql`, prepared on this connection once.
    pub(super) fn statement(&mut self, sql: &'static str) -> Result<Statement, postgres::Error> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql)?;
        self.statements.insert(sql, statement.clone());
        Ok(statement)
    }
}

pub(super) struct Pool {
    config: Config,
    max: usize,
    /// Idle connections and how many are open in all.
    state: Mutex<(Vec<Conn>, usize)>,
    freed: Condvar,
}

/// How long a request waits for a connection before it fails.
const WAIT: Duration = Duration::from_secs(30);

impl Pool {
    pub(super) fn new(config: Config, max: usize) -> Pool {
        Pool {
            config,
            max,
            state: Mutex::new((Vec::new(), 0)),
            freed: Condvar::new(),
        }
    }

    pub(super) fn get(&self) -> StorageResult<Pooled<'_>> {
        let mut state = self.state.lock().expect("pool lock");
        loop {
            if let Some(conn) = state.0.pop() {
                return Ok(Pooled {
                    pool: self,
                    conn: Some(conn),
                });
            }
            if state.1 < self.max {
                state.1 += 1;
                drop(state);
                return match self.config.connect(NoTls) {
                    Ok(client) => Ok(Pooled {
                        pool: self,
                        conn: Some(Conn {
                            client,
                            statements: HashMap::new(),
                        }),
                    }),
                    Err(e) => {
                        self.state.lock().expect("pool lock").1 -= 1;
                        self.freed.notify_one();
                        Err(StorageError(format!("connecting to PostgreSQL: {e}")))
                    }
                };
            }
            let (next, timeout) = self.freed.wait_timeout(state, WAIT).expect("pool lock");
            state = next;
            if timeout.timed_out() && state.0.is_empty() && state.1 >= self.max {
                return Err(StorageError(format!(
                    "all {} PostgreSQL connections stayed busy for {} s",
                    self.max,
                    WAIT.as_secs()
                )));
            }
        }
    }
}

/// A connection on loan; goes back to the pool when dropped.
pub(super) struct Pooled<'a> {
    pool: &'a Pool,
    conn: Option<Conn>,
}

impl Pooled<'_> {
    pub(super) fn conn(&mut self) -> &mut Conn {
        self.conn.as_mut().expect("a pooled connection")
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        let conn = self.conn.take().expect("a pooled connection");
        let mut state = self.pool.state.lock().expect("pool lock");
        if conn.client.is_closed() {
            state.1 -= 1;
        } else {
            state.0.push(conn);
        }
        drop(state);
        self.pool.freed.notify_one();
    }
}
