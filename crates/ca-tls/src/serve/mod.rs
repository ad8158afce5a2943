//! The server side: a TLS endpoint on rustls that serves a chain made by `ca` and answers any
//! HTTP request with a short page describing the handshake as the server saw it — what the
//! client offered (from its ClientHello), what was chosen, and for mutual TLS the client's
//! certificate and ca-verify's verdict on it.
//!
//! One thread per connection, at most [`MAX_CONNECTIONS`] at once; every connection is
//! bounded in time (the socket timeouts) and size (the request head). The accept loop polls
//! a stop flag, so SIGINT/SIGTERM (set by the caller) end it cleanly. The ClientHello is read
//! with rustls's `Acceptor`, which hands it over before the connection's configuration is
//! chosen: a configuration per connection carries that connection's client check.

mod page;
mod verifier;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ca_verify::{TrustAnchor, VerifyOptions};
use rustls::pki_types::CertificateDer;
use rustls::server::{Acceptor, ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::ServerConfig;
use serde::Serialize;
use time::OffsetDateTime;

use crate::names;
use crate::probe::Versions;
use crate::provider::provider;
use verifier::ClientCheck;

pub use page::page;

/// Connections served at the same time; more wait in the listen queue.
pub const MAX_CONNECTIONS: usize = 64;
/// How often the accept loop looks at the stop flag when nobody connects.
const POLL: Duration = Duration::from_millis(10);
/// The largest request head read (request line and headers).
const MAX_REQUEST: usize = 16 * 1024;

/// A clock: the server reads the time per connection through it (time comes in).
pub type Clock = dyn Fn() -> OffsetDateTime + Send + Sync;

/// What to serve and how.
pub struct ServeOptions {
    /// The leaf then its intermediates, DER.
    pub chain: Vec<Vec<u8>>,
    /// The private key, PKCS#8 DER.
    pub key_pkcs8: Vec<u8>,
    /// Require client certificates that chain to these anchors (mutual TLS).
    pub client_anchors: Option<Vec<TrustAnchor>>,
    pub versions: Versions,
    /// Bounds a whole connection: hello, handshake, request and answer (a client that
    /// trickles bytes cannot hold a thread longer).
    pub io_timeout: Duration,
    pub clock: Arc<Clock>,
}

/// The client's certificate and the verdict on it.
#[derive(Clone, Debug, Serialize)]
pub struct ClientCertSeen {
    pub subject: String,
    pub issuer: String,
    pub sha256: String,
    pub valid: bool,
    pub reason: Option<String>,
    /// The path found, leaf to anchor, by subject.
    pub path: Vec<String>,
}

/// One connection as the server saw it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Connection {
    pub peer: String,
    pub time: String,
    pub sni: Option<String>,
    pub offered_cipher_suites: Vec<String>,
    pub offered_groups: Vec<String>,
    pub offered_signature_schemes: Vec<String>,
    pub offered_alpn: Vec<String>,
    pub version: Option<String>,
    pub cipher_suite: Option<String>,
    pub group: Option<String>,
    pub post_quantum: bool,
    pub alpn: Option<String>,
    pub client_cert_required: bool,
    pub client_cert: Option<ClientCertSeen>,
    /// The HTTP request line.
    pub request: Option<String>,
    /// Why the connection failed, if it did.
    pub error: Option<String>,
}

/// The loaded chain and key, checked to belong together.
struct Served {
    key: Arc<CertifiedKey>,
}

impl std::fmt::Debug for Served {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Served")
    }
}

impl ResolvesServerCert for Served {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.key.clone())
    }
}

/// A server ready to run: its listener and what it serves.
pub struct Server {
    listener: TcpListener,
    opts: Arc<ServeOptions>,
    served: Arc<Served>,
}

impl Server {
    /// Checks that the key matches the leaf and binds `listen`.
    pub fn bind(listen: &str, opts: ServeOptions) -> Result<Server, String> {
        if opts.chain.is_empty() {
            return Err("no certificate to serve".into());
        }
        let chain = opts
            .chain
            .iter()
            .map(|d| CertificateDer::from(d.clone()))
            .collect();
        let key = CertifiedKey::from_der(chain, crate::probe::pkcs8(&opts.key_pkcs8), &provider())
            .map_err(|e| format!("the key cannot be used with the certificate: {e}"))?;
        let listener =
            TcpListener::bind(listen).map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        Ok(Server {
            listener,
            opts: Arc::new(opts),
            served: Arc::new(Served { key: Arc::new(key) }),
        })
    }

    /// The address it listens on (port 0 becomes the port picked).
    pub fn local_addr(&self) -> String {
        self.listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default()
    }

    /// Serves until `stop` is set; `report` gets every connection once it is over.
    pub fn run(
        self,
        stop: &AtomicBool,
        report: Arc<dyn Fn(&Connection) + Send + Sync>,
    ) -> Result<(), String> {
        self.listener
            .set_nonblocking(true)
            .map_err(|e| format!("listener: {e}"))?;
        let active = Arc::new(AtomicUsize::new(0));
        let mut workers = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            match self.listener.accept() {
                Ok((sock, peer)) => {
                    if active.load(Ordering::Relaxed) >= MAX_CONNECTIONS {
                        // Too many at once: drop this one rather than grow without bound.
                        continue;
                    }
                    active.fetch_add(1, Ordering::Relaxed);
                    let (opts, served, report, active) = (
                        self.opts.clone(),
                        self.served.clone(),
                        report.clone(),
                        active.clone(),
                    );
                    workers.push(std::thread::spawn(move || {
                        let seen = serve_one(sock, peer.to_string(), &opts, &served);
                        report(&seen);
                        active.fetch_sub(1, Ordering::Relaxed);
                    }));
                    workers.retain(|w| !w.is_finished());
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    // Polled so that the stop flag (set by SIGINT/SIGTERM: signal-hook
                    // restarts an interrupted accept) is seen; 10 ms is both quick to
                    // answer and idle.
                    std::thread::sleep(POLL);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("accept: {e}")),
            }
        }
        // Connections in flight end within their own timeouts.
        for w in workers {
            let _ = w.join();
        }
        Ok(())
    }
}

/// One connection: ClientHello, handshake, one HTTP request, the page, close.
fn serve_one(
    mut sock: TcpStream,
    peer: String,
    opts: &ServeOptions,
    served: &Arc<Served>,
) -> Connection {
    let now = (opts.clock)();
    let mut seen = Connection {
        peer,
        time: now
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        client_cert_required: opts.client_anchors.is_some(),
        ..Connection::default()
    };
    if let Err(e) = handshake_and_answer(&mut sock, opts, served, now, &mut seen) {
        seen.error = Some(e);
    }
    seen
}

fn handshake_and_answer(
    sock: &mut TcpStream,
    opts: &ServeOptions,
    served: &Arc<Served>,
    now: OffsetDateTime,
    seen: &mut Connection,
) -> Result<(), String> {
    let _ = sock.set_nonblocking(false);
    let deadline = Instant::now() + opts.io_timeout;
    arm(sock, deadline)?;

    // The ClientHello, read before the configuration is chosen.
    let mut acceptor = Acceptor::default();
    let accepted = loop {
        arm(sock, deadline)?;
        match acceptor.read_tls(sock) {
            Ok(0) => return Err("the client closed before its hello".into()),
            Ok(_) => {}
            Err(e) => return Err(format!("reading the client hello: {e}")),
        }
        match acceptor.accept() {
            Ok(Some(a)) => break a,
            Ok(None) => {}
            Err((e, mut alert)) => {
                let _ = alert.write_all(sock);
                return Err(format!("not a TLS client hello: {e}"));
            }
        }
    };
    record_hello(&accepted.client_hello(), seen);

    let client_seen = Arc::new(Mutex::new(None));
    let config = config(opts, served, now, &client_seen)?;
    let mut conn = match accepted.into_connection(Arc::new(config)) {
        Ok(c) => c,
        Err((e, mut alert)) => {
            let _ = alert.write_all(sock);
            return Err(format!("handshake refused: {e}"));
        }
    };
    let done = loop {
        if !conn.is_handshaking() {
            break Ok(());
        }
        if let Err(e) = arm(sock, deadline).map_err(std::io::Error::other) {
            break Err(e);
        }
        if let Err(e) = conn.complete_io(sock) {
            break Err(e);
        }
    };
    seen.client_cert = client_seen.lock().unwrap_or_else(|p| p.into_inner()).take();
    seen.version = conn.protocol_version().map(names::version);
    seen.cipher_suite = conn
        .negotiated_cipher_suite()
        .map(|s| names::cipher_suite(s.suite()));
    let group = conn.negotiated_key_exchange_group().map(|g| g.name());
    seen.group = group.map(names::group);
    seen.post_quantum = group.is_some_and(names::is_post_quantum);
    seen.alpn = conn
        .alpn_protocol()
        .map(|p| String::from_utf8_lossy(p).into_owned());
    if let Err(e) = done {
        let _ = conn.write_tls(sock);
        return Err(format!("handshake failed: {e}"));
    }

    let head = match read_request(&mut conn, sock, deadline) {
        Ok(head) => head,
        Err(e) => {
            // Answer the client's close_notify (or end a broken exchange) with ours.
            conn.send_close_notify();
            let _ = conn.write_tls(sock);
            return Err(e);
        }
    };
    let request_line = head.lines().next().unwrap_or_default().to_string();
    seen.request = Some(request_line.clone());
    let body = page(seen);
    let mut response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    if !request_line.starts_with("HEAD ") {
        response.push_str(&body);
    }
    conn.writer()
        .write_all(response.as_bytes())
        .map_err(|e| format!("answering: {e}"))?;
    conn.send_close_notify();
    while conn.wants_write() {
        if conn.write_tls(sock).is_err() {
            break;
        }
    }
    Ok(())
}

/// Socket timeouts set to what is left of the connection's time.
fn arm(sock: &TcpStream, deadline: Instant) -> Result<(), String> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err("the connection took longer than the timeout".into());
    }
    sock.set_read_timeout(Some(left))
        .and_then(|()| sock.set_write_timeout(Some(left)))
        .map_err(|e| format!("socket: {e}"))
}

fn record_hello(hello: &ClientHello<'_>, seen: &mut Connection) {
    seen.sni = hello.server_name().map(str::to_string);
    seen.offered_cipher_suites = hello
        .cipher_suites()
        .iter()
        .map(|s| names::cipher_suite(*s))
        .collect();
    seen.offered_groups = hello
        .named_groups()
        .unwrap_or_default()
        .iter()
        .map(|g| names::group(*g))
        .collect();
    seen.offered_signature_schemes = hello
        .signature_schemes()
        .iter()
        .map(|s| names::signature_scheme(*s))
        .collect();
    seen.offered_alpn = hello
        .alpn()
        .map(|list| {
            list.map(|p| String::from_utf8_lossy(p).into_owned())
                .collect()
        })
        .unwrap_or_default();
}

fn config(
    opts: &ServeOptions,
    served: &Arc<Served>,
    now: OffsetDateTime,
    client_seen: &Arc<Mutex<Option<ClientCertSeen>>>,
) -> Result<ServerConfig, String> {
    let provider = provider();
    let versions: &[&'static rustls::SupportedProtocolVersion] = match opts.versions {
        Versions::Both => &[&rustls::version::TLS13, &rustls::version::TLS12],
        Versions::Tls12 => &[&rustls::version::TLS12],
        Versions::Tls13 => &[&rustls::version::TLS13],
    };
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .map_err(|e| format!("TLS configuration: {e}"))?;
    let builder = match &opts.client_anchors {
        Some(anchors) => builder.with_client_cert_verifier(Arc::new(ClientCheck {
            anchors: Arc::new(anchors.clone()),
            opts: VerifyOptions::client(now, None),
            provider: provider.clone(),
            seen: client_seen.clone(),
        })),
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_cert_resolver(served.clone());
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The request head, up to the blank line, bounded in size.
fn read_request(
    conn: &mut rustls::ServerConnection,
    sock: &mut TcpStream,
    deadline: Instant,
) -> Result<String, String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            head.truncate(end);
            return Ok(String::from_utf8_lossy(&head).into_owned());
        }
        if head.len() > MAX_REQUEST {
            return Err(format!("a request head longer than {MAX_REQUEST} bytes"));
        }
        match conn.reader().read(&mut buf) {
            Ok(0) => return Err("the client closed without a request".into()),
            Ok(n) => {
                head.extend_from_slice(&buf[..n]);
                continue;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(format!("reading the request: {e}")),
        }
        arm(sock, deadline)?;
        match conn.complete_io(sock) {
            Ok((0, 0)) => return Err("the client closed without a request".into()),
            Ok(_) => {}
            Err(e) => return Err(format!("reading the request: {e}")),
        }
    }
}
