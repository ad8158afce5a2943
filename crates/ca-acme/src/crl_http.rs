//! The CRL over plain HTTP (`ca acme serve --crl-listen`): RFC 5280
//! §4.2.1.13 and the Baseline Requirements (§7.1.2.11.2) want a CRL
//! distribution point to be an `http://` URL, fetched without TLS (a
//! client checking revocation cannot depend on TLS that itself needs
//! revocation checking). This listener answers `GET /crl` (and `HEAD`)
//! with the issuer's DER CRL and nothing else: the ACME protocol stays on
//! HTTPS.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::http::{read_request, wait_readable, write_response, Limits, ReadError};
use crate::service::{AcmeService, Response};

/// A bound plain-HTTP listener for the CRL.
pub struct CrlServer {
    listener: TcpListener,
    service: Arc<AcmeService>,
    limits: Limits,
}

fn text(status: u16, body: &str) -> Response {
    Response {
        status,
        headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
        body: body.as_bytes().to_vec(),
    }
}

impl AcmeService {
    /// The issuer's current CRL, DER (`application/pkix-crl`, RFC 5280
    /// §4.2.1.13).
    pub fn crl_response(&self) -> Response {
        match self.ca.current_crl((self.clock)()) {
            Ok(der) => Response {
                status: 200,
                headers: vec![("Content-Type".into(), "application/pkix-crl".into())],
                body: der,
            },
            Err(p) => text(500, &format!("the CRL could not be made: {}\n", p.detail)),
        }
    }
}

impl CrlServer {
    pub fn bind(addr: SocketAddr, service: Arc<AcmeService>) -> io::Result<CrlServer> {
        Ok(CrlServer {
            listener: TcpListener::bind(addr)?,
            service,
            limits: Limits {
                // A GET has no body worth reading.
                max_body_bytes: 0,
                ..Limits::default()
            },
        })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `stop` is set, then waits for requests in flight.
    pub fn serve(self, stop: &AtomicBool) -> io::Result<()> {
        self.listener.set_nonblocking(true)?;
        let active = Arc::new(AtomicUsize::new(0));
        while !stop.load(Ordering::SeqCst) {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    if active.load(Ordering::SeqCst) >= self.limits.max_connections {
                        continue;
                    }
                    active.fetch_add(1, Ordering::SeqCst);
                    let (service, limits, active) =
                        (Arc::clone(&self.service), self.limits, Arc::clone(&active));
                    std::thread::spawn(move || {
                        let _ = serve_one(stream, &service, limits);
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

fn serve_one(mut stream: TcpStream, service: &AcmeService, limits: Limits) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(limits.io_timeout))?;
    stream.set_write_timeout(Some(limits.io_timeout))?;
    let deadline = Instant::now() + limits.request_timeout;
    let response = match read_request(&mut stream, limits, deadline) {
        Ok(req) => match (req.method.as_str(), req.path.as_str()) {
            ("GET", "/crl") => service.crl_response(),
            ("HEAD", "/crl") => Response {
                body: Vec::new(),
                ..service.crl_response()
            },
            (_, "/crl") => text(405, "only GET and HEAD\n").with_header("Allow", "GET, HEAD"),
            _ => text(404, "only /crl is served here; ACME is on HTTPS\n"),
        },
        Err(ReadError::Io(e)) => return Err(e),
        Err(ReadError::Refused(p)) => text(p.status(), &format!("{}\n", p.detail)),
    };
    write_response(&mut stream, &response)
}
