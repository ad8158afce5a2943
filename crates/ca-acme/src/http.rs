//! A small HTTPS/1.1 server for the ACME endpoint: std threads, rustls over
//! TcpStream, one request per connection (`Connection: close`). Hostile
//! input is bounded: header and body sizes, per-read and per-request time,
//! and the number of connections served at once.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

use crate::problem::Problem;
use crate::service::{AcmeService, Request, Response};

/// Bounds on what one client may send.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_header_bytes: usize,
    pub max_body_bytes: usize,
    /// Any single read or write.
    pub io_timeout: Duration,
    /// Handshake plus the whole request.
    pub request_timeout: Duration,
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_header_bytes: 16 * 1024,
            // A JWS around the largest payload (base64 grows it by 4/3).
            max_body_bytes: 96 * 1024,
            io_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_connections: 256,
        }
    }
}

/// rustls server configuration from a PEM chain's DER certificates and a
/// PKCS#8 key.
pub fn tls_config(
    chain: Vec<Vec<u8>>,
    pkcs8_key: Vec<u8>,
) -> Result<Arc<ServerConfig>, rustls::Error> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(
            chain.into_iter().map(CertificateDer::from).collect(),
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pkcs8_key)),
        )?;
    Ok(Arc::new(config))
}

/// A bound listener, ready to serve.
pub struct Server {
    listener: TcpListener,
    tls: Arc<ServerConfig>,
    service: Arc<AcmeService>,
    limits: Limits,
}

impl Server {
    pub fn bind(
        addr: SocketAddr,
        tls: Arc<ServerConfig>,
        service: Arc<AcmeService>,
        limits: Limits,
    ) -> io::Result<Server> {
        let listener = TcpListener::bind(addr)?;
        Ok(Server {
            listener,
            tls,
            service,
            limits,
        })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `stop` is set, then stops accepting and waits (up to
    /// the request timeout) for the requests in flight to finish.
    pub fn serve(self, stop: &AtomicBool) -> io::Result<()> {
        self.listener.set_nonblocking(true)?;
        let active = Arc::new(AtomicUsize::new(0));
        while !stop.load(Ordering::SeqCst) {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    if active.load(Ordering::SeqCst) >= self.limits.max_connections {
                        drop(stream); // Over the limit: refuse rather than queue.
                        continue;
                    }
                    active.fetch_add(1, Ordering::SeqCst);
                    let (tls, service, limits, active) = (
                        Arc::clone(&self.tls),
                        Arc::clone(&self.service),
                        self.limits,
                        Arc::clone(&active),
                    );
                    std::thread::spawn(move || {
                        // A broken connection concerns that client alone.
                        let _ = serve_connection(stream, tls, &service, limits);
                        active.fetch_sub(1, Ordering::SeqCst);
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => wait_readable(&self.listener),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        let deadline = Instant::now() + self.limits.request_timeout;
        while active.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }
}

fn serve_connection(
    stream: TcpStream,
    tls: Arc<ServerConfig>,
    service: &AcmeService,
    limits: Limits,
) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(limits.io_timeout))?;
    stream.set_write_timeout(Some(limits.io_timeout))?;
    stream.set_nodelay(true)?;
    let conn = ServerConnection::new(tls).map_err(io::Error::other)?;
    let mut tls_stream = StreamOwned::new(conn, stream);
    let deadline = Instant::now() + limits.request_timeout;
    let response = match read_request(&mut tls_stream, limits, deadline) {
        Ok(req) => service.handle(&req),
        Err(ReadError::Io(e)) => return Err(e),
        Err(ReadError::Refused(problem)) => service.respond_problem(&problem),
    };
    write_response(&mut tls_stream, &response)?;
    tls_stream.conn.send_close_notify();
    tls_stream.flush()
}

pub(crate) enum ReadError {
    Io(io::Error),
    /// The request is refused with this problem (size, framing).
    Refused(Problem),
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

/// Reads one request: the head up to a blank line, then exactly
/// Content-Length bytes of body.
pub(crate) fn read_request<R: Read>(
    r: &mut R,
    limits: Limits,
    deadline: Instant,
) -> Result<Request, ReadError> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos;
        }
        if buf.len() > limits.max_header_bytes {
            return Err(ReadError::Refused(
                Problem::malformed(format!(
                    "the request head exceeds {} bytes",
                    limits.max_header_bytes
                ))
                .with_status(431),
            ));
        }
        read_some(r, &mut buf, &mut chunk, deadline)?;
    };
    let head = std::str::from_utf8(&buf[..head_end])
        .map_err(|_| ReadError::Refused(Problem::malformed("the request head is not UTF-8")))?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split(' ');
    let (method, target, version) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    if method.is_empty() || !target.starts_with('/') || !version.starts_with("HTTP/1.") {
        return Err(ReadError::Refused(Problem::malformed(format!(
            "bad request line {request_line:?}"
        ))));
    }
    let mut content_type = None;
    let mut length = 0usize;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err(ReadError::Refused(Problem::malformed(format!(
                "bad header line {line:?}"
            ))));
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-type" => content_type = Some(value.to_string()),
            "content-length" => {
                length = value.parse().map_err(|_| {
                    ReadError::Refused(Problem::malformed("Content-Length is not a number"))
                })?
            }
            "transfer-encoding" => {
                return Err(ReadError::Refused(
                    Problem::malformed("chunked bodies are not accepted; send Content-Length")
                        .with_status(411),
                ))
            }
            _ => {}
        }
    }
    if length > limits.max_body_bytes {
        return Err(ReadError::Refused(
            Problem::malformed(format!(
                "the body of {length} bytes exceeds {} bytes",
                limits.max_body_bytes
            ))
            .with_status(413),
        ));
    }
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        read_some(r, &mut body, &mut chunk, deadline)?;
    }
    body.truncate(length);
    let path = target.split('?').next().unwrap_or(target).to_string();
    Ok(Request {
        method: method.to_string(),
        path,
        content_type,
        body,
    })
}

fn read_some<R: Read>(
    r: &mut R,
    buf: &mut Vec<u8>,
    chunk: &mut [u8],
    deadline: Instant,
) -> Result<(), ReadError> {
    if Instant::now() > deadline {
        return Err(ReadError::Io(io::Error::new(
            io::ErrorKind::TimedOut,
            "request too slow",
        )));
    }
    match r.read(chunk)? {
        0 => Err(ReadError::Io(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed mid-request",
        ))),
        n => {
            buf.extend_from_slice(&chunk[..n]);
            Ok(())
        }
    }
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        431 => "Request Header Fields Too Large",
        _ => "Internal Server Error",
    }
}

pub(crate) fn write_response<W: Write>(w: &mut W, response: &Response) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason_phrase(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        response.body.len()
    ));
    w.write_all(head.as_bytes())?;
    w.write_all(&response.body)
}

/// Waits until a connection is pending, or 100 ms so that the stop flag
/// is checked (poll(2) returns at once when a client connects; sleeping
/// instead would add its length to every request).
pub(crate) fn wait_readable(listener: &TcpListener) {
    use std::os::fd::AsRawFd;
    let mut fd = libc::pollfd {
        fd: listener.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd for the duration of the call.
    unsafe {
        libc::poll(&mut fd, 1, 100);
    }
}

/// SIGTERM and SIGINT set `STOP` (the handler does nothing else, as a
/// signal handler must).
pub static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// Installs the handlers for SIGTERM and SIGINT.
pub fn stop_on_signals() {
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &[u8]) -> Result<Request, ReadError> {
        read_request(
            &mut &raw[..],
            Limits::default(),
            Instant::now() + Duration::from_secs(5),
        )
    }

    #[test]
    fn a_request_with_a_body_parses() {
        let req = parse(b"POST /acme/new-order?x=1 HTTP/1.1\r\nContent-Type: application/jose+json\r\nContent-Length: 2\r\n\r\n{}")
            .ok()
            .unwrap();
        assert_eq!(
            (req.method.as_str(), req.path.as_str(), req.body.as_slice()),
            ("POST", "/acme/new-order", &b"{}"[..])
        );
    }

    #[test]
    fn oversized_and_chunked_bodies_are_refused() {
        let big = format!(
            "POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
            10 * 1024 * 1024
        );
        assert!(matches!(parse(big.as_bytes()), Err(ReadError::Refused(p)) if p.status() == 413));
        let chunked = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert!(matches!(parse(chunked), Err(ReadError::Refused(p)) if p.status() == 411));
        let head = vec![b'a'; 20 * 1024];
        assert!(matches!(parse(&head), Err(ReadError::Refused(p)) if p.status() == 431));
    }
}
