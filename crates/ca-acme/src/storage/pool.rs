//! A small bounded pool of PostgreSQL connections: the server runs a
//! thread per request, each takes a connection for one call and gives it
//! back. Bounded so that replicas together stay under the server's
//! `max_connections`; a broken connection is dropped, not given back.

use std::ops::{Deref, DerefMut};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use postgres::{Client, Config, NoTls};

use super::{StorageError, StorageResult};

pub(super) struct Pool {
    config: Config,
    max: usize,
    /// Idle connections and how many are open in all.
    state: Mutex<(Vec<Client>, usize)>,
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
            if let Some(client) = state.0.pop() {
                return Ok(Pooled {
                    pool: self,
                    client: Some(client),
                });
            }
            if state.1 < self.max {
                state.1 += 1;
                drop(state);
                return match self.config.connect(NoTls) {
                    Ok(client) => Ok(Pooled {
                        pool: self,
                        client: Some(client),
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
    client: Option<Client>,
}

impl Deref for Pooled<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.client.as_ref().expect("a pooled client")
    }
}

impl DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.client.as_mut().expect("a pooled client")
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        let client = self.client.take().expect("a pooled client");
        let mut state = self.pool.state.lock().expect("pool lock");
        if client.is_closed() {
            state.1 -= 1;
        } else {
            state.0.push(client);
        }
        drop(state);
        self.pool.freed.notify_one();
    }
}
