//! TCP with a deadline: name resolution, connection and every read are bounded by the one
//! `--timeout`, so that a peer that never answers cannot hold the probe past it.

use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Why no connection was made at all (exit 2 in the CLI): each its own message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectError {
    /// The name does not resolve.
    Dns(String),
    /// Nothing listens there (connection refused, host unreachable).
    Refused(String),
    /// No answer within the timeout, at the stage named.
    Timeout(String),
    /// Something answered, but it is not a TLS server (or STARTTLS failed).
    NotTls(String),
    /// Any other socket error.
    Io(String),
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectError::Dns(m)
            | ConnectError::Refused(m)
            | ConnectError::Timeout(m)
            | ConnectError::NotTls(m)
            | ConnectError::Io(m) => f.write_str(m),
        }
    }
}

impl ConnectError {
    /// A short, stable name for JSON and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            ConnectError::Dns(_) => "dns",
            ConnectError::Refused(_) => "refused",
            ConnectError::Timeout(_) => "timeout",
            ConnectError::NotTls(_) => "not_tls",
            ConnectError::Io(_) => "io",
        }
    }
}

/// The time left before a deadline; an error once it has passed.
pub fn left(deadline: Instant, stage: &str) -> Result<Duration, ConnectError> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(ConnectError::Timeout(format!(
            "no answer within the timeout ({stage})"
        )));
    }
    Ok(left)
}

/// Resolves `addr` ("host:port") and connects to the first address that accepts, all before
/// `deadline`. The system resolver has no timeout of its own: it runs on a thread that is
/// left behind if it does not answer in time.
pub fn connect(addr: &str, deadline: Instant) -> Result<(TcpStream, SocketAddr), ConnectError> {
    let addrs = resolve(addr, deadline)?;
    let mut last = None;
    for a in &addrs {
        let wait = left(deadline, &format!("connecting to {a}"))?;
        match TcpStream::connect_timeout(a, wait) {
            Ok(s) => {
                // Handshake messages are small: send them as they come.
                let _ = s.set_nodelay(true);
                return Ok((s, *a));
            }
            Err(e) => last = Some((*a, e)),
        }
    }
    let (a, e) = last.expect("resolve returns at least one address");
    Err(match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => ConnectError::Timeout(format!(
            "no answer from {a} within the timeout (TCP connect): a firewall may drop the packets"
        )),
        io::ErrorKind::ConnectionRefused => ConnectError::Refused(format!(
            "connection refused by {a}: nothing listens on that port (check the port, or that \
             the server runs)"
        )),
        _ => ConnectError::Refused(format!("cannot connect to {a}: {e}")),
    })
}

fn resolve(addr: &str, deadline: Instant) -> Result<Vec<SocketAddr>, ConnectError> {
    // A literal address needs no resolver.
    if let Ok(a) = addr.parse::<SocketAddr>() {
        return Ok(vec![a]);
    }
    let (tx, rx) = mpsc::channel();
    let owned = addr.to_string();
    std::thread::spawn(move || {
        let _ = tx.send(owned.to_socket_addrs().map(|i| i.collect::<Vec<_>>()));
    });
    let wait = left(deadline, "resolving the name")?;
    match rx.recv_timeout(wait) {
        Ok(Ok(list)) if !list.is_empty() => Ok(list),
        Ok(Ok(_)) => Err(ConnectError::Dns(format!(
            "{addr}: the name has no address"
        ))),
        Ok(Err(e)) => Err(ConnectError::Dns(format!(
            "cannot resolve {addr}: {e} (check the spelling, or give --connect ADDR:PORT)"
        ))),
        Err(_) => Err(ConnectError::Timeout(format!(
            "resolving {addr} took longer than the timeout"
        ))),
    }
}

/// Sets the socket's read and write timeouts to what is left before `deadline`.
pub fn arm(sock: &TcpStream, deadline: Instant, stage: &str) -> Result<(), ConnectError> {
    let wait = left(deadline, stage)?;
    sock.set_read_timeout(Some(wait))
        .and_then(|()| sock.set_write_timeout(Some(wait)))
        .map_err(|e| ConnectError::Io(format!("socket: {e}")))
}

/// A read or write that ran into the socket timeout.
pub fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}
