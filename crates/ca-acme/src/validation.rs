//! Challenge validation: http-01 (RFC 8555 §8.3), dns-01 (RFC 8555 §8.4)
//! and tls-alpn-01 (RFC 8737 §3), for DNS and IP identifiers (RFC 8738).
//! Each attempt is bounded in time and in bytes read; a failure says what
//! was expected and what came back.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use crate::dns::DnsClient;
use crate::problem::{Problem, ProblemType};
use crate::resources::Identifier;

/// Where and how challenges are checked.
#[derive(Debug, Clone)]
pub struct ValidationConfig {
    /// The port http-01 connects to (RFC 8555 §8.3: 80).
    pub http01_port: u16,
    /// The port tls-alpn-01 connects to (RFC 8737 §3: 443).
    pub tls_alpn01_port: u16,
    /// Fixed addresses for names (`--resolve NAME=ADDR`), asked before DNS.
    pub resolve: HashMap<String, IpAddr>,
    /// The DNS server to ask (`--dns ADDR:PORT`): TXT records for dns-01,
    /// and A/AAAA for names `resolve` does not cover. Without it, dns-01
    /// asks the first nameserver of /etc/resolv.conf and addresses come
    /// from the system resolver.
    pub dns: Option<SocketAddr>,
    /// This CA's issuer domain name for CAA (RFC 8659 §4.2,
    /// `--caa-identity`); None: CAA is not checked.
    pub caa_identity: Option<String>,
    /// For each attempt: connect, send, read.
    pub timeout: Duration,
    pub attempts: u32,
    pub retry_delay: Duration,
}

impl Default for ValidationConfig {
    fn default() -> Self {
        ValidationConfig {
            http01_port: 80,
            tls_alpn01_port: 443,
            resolve: HashMap::new(),
            dns: None,
            caa_identity: None,
            timeout: Duration::from_secs(5),
            attempts: 3,
            retry_delay: Duration::from_millis(500),
        }
    }
}

/// The TXT value dns-01 expects (RFC 8555 §8.4).
pub fn dns01_value(key_authorization: &str) -> String {
    let digest =
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, key_authorization.as_bytes());
    crate::jws::b64encode(digest.as_ref())
}

/// The most of a challenge response we read (a key authorization is ~90 bytes).
const MAX_RESPONSE: usize = 16 * 1024;

/// The ALPN protocol of RFC 8737 §6.2.
pub const ACME_TLS_ALPN: &[u8] = b"acme-tls/1";

/// id-pe-acmeIdentifier (RFC 8737 §6.1).
const ACME_IDENTIFIER_OID: &str = "1.3.6.1.5.5.7.1.31";

impl ValidationConfig {
    /// `--resolve` first: the name itself, then `*.PARENT` entries from
    /// the closest parent up; else the system resolver.
    fn address(&self, name: &str, port: u16) -> Result<SocketAddr, Problem> {
        if let Some(ip) = self.resolve.get(name) {
            return Ok(SocketAddr::new(*ip, port));
        }
        let mut rest = name;
        while let Some((_, parent)) = rest.split_once('.') {
            if let Some(ip) = self.resolve.get(&format!("*.{parent}")) {
                return Ok(SocketAddr::new(*ip, port));
            }
            rest = parent;
        }
        if let Some(server) = self.dns {
            let found = DnsClient::new(server, self.timeout)
                .addresses(name)
                .map_err(|e| Problem::new(ProblemType::Dns, format!("looking up {name}: {e}")))?;
            return found
                .first()
                .map(|ip| SocketAddr::new(*ip, port))
                .ok_or_else(|| {
                    Problem::new(
                        ProblemType::Dns,
                        format!("{name} has no A or AAAA record at {server}"),
                    )
                });
        }
        (name, port)
            .to_socket_addrs()
            .ok()
            .and_then(|mut addrs| addrs.next())
            .ok_or_else(|| {
                Problem::new(ProblemType::Connection, format!("{name} does not resolve"))
            })
    }

    /// An IP identifier is validated at that address (RFC 8738 §§4-6).
    fn connect(&self, name: &str, port: u16) -> Result<TcpStream, Problem> {
        let addr = match name.parse::<IpAddr>() {
            Ok(ip) => SocketAddr::new(ip, port),
            Err(_) => self.address(name, port)?,
        };
        let stream = TcpStream::connect_timeout(&addr, self.timeout).map_err(|e| {
            Problem::new(
                ProblemType::Connection,
                format!("connecting to {name} at {addr}: {e}"),
            )
        })?;
        stream.set_read_timeout(Some(self.timeout)).ok();
        stream.set_write_timeout(Some(self.timeout)).ok();
        Ok(stream)
    }

    /// Runs `kind` for `name` up to `attempts` times; Ok once one succeeds,
    /// else the last failure.
    /// `identifier` is the authorization's: for a wildcard order, the base
    /// name (RFC 8555 §7.1.4).
    pub fn validate(
        &self,
        kind: &str,
        identifier: &Identifier,
        token: &str,
        key_authorization: &str,
    ) -> Result<(), Problem> {
        let name = identifier.value.as_str();
        let mut last = Problem::internal("no attempt made");
        for attempt in 0..self.attempts.max(1) {
            if attempt > 0 {
                std::thread::sleep(self.retry_delay);
            }
            let result = match kind {
                "http-01" => self.http01(name, token, key_authorization),
                "tls-alpn-01" => self.tls_alpn01(name, key_authorization),
                "dns-01" if identifier.kind == "dns" => self.dns01(name, key_authorization),
                other => Err(Problem::malformed(format!(
                    "unknown challenge type {other}"
                ))),
            };
            match result {
                Ok(()) => return Ok(()),
                Err(p) => last = p,
            }
        }
        Err(last)
    }

    /// RFC 8555 §8.3: GET http://NAME/.well-known/acme-challenge/TOKEN must
    /// answer 200 with the key authorization (trailing whitespace allowed).
    pub fn http01(&self, name: &str, token: &str, key_authorization: &str) -> Result<(), Problem> {
        let mut stream = self.connect(name, self.http01_port)?;
        let path = format!("/.well-known/acme-challenge/{token}");
        // RFC 8738 §5: an IPv6 address goes in brackets in the Host header.
        let host = match name.parse::<IpAddr>() {
            Ok(IpAddr::V6(v6)) => format!("[{v6}]"),
            _ => name.to_string(),
        };
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: ca-acme\r\nAccept: */*\r\nConnection: close\r\n\r\n"
        );
        let conn_err = |e: std::io::Error| {
            Problem::new(ProblemType::Connection, format!("http-01 at {name}: {e}"))
        };
        stream.write_all(request.as_bytes()).map_err(conn_err)?;
        let raw = read_bounded(&mut stream, self.timeout).map_err(conn_err)?;
        let (status, body) = parse_http_response(&raw).ok_or_else(|| {
            Problem::new(
                ProblemType::Connection,
                format!("http-01 at {name}: not an HTTP response"),
            )
        })?;
        if status != 200 {
            return Err(Problem::unauthorized(format!(
                "http-01: http://{host}{path} answered status {status}, expected 200"
            )));
        }
        let text = String::from_utf8_lossy(&body);
        if text.trim_end() != key_authorization {
            return Err(Problem::new(
                ProblemType::Incorrect,
                format!(
                    "http-01: http://{host}{path} answered {:?}, expected {key_authorization:?}",
                    truncate(&text)
                ),
            ));
        }
        Ok(())
    }

    /// The DNS server dns-01 and CAA ask: `--dns`, else resolv.conf's.
    pub(crate) fn dns_client(&self, purpose: &str) -> Result<DnsClient, Problem> {
        match self.dns {
            Some(server) => Ok(DnsClient::new(server, self.timeout)),
            None => DnsClient::from_resolv_conf(self.timeout).ok_or_else(|| {
                Problem::new(
                    ProblemType::Dns,
                    format!(
                        "no DNS server to ask for {purpose}: start the server with --dns ADDR:PORT"
                    ),
                )
            }),
        }
    }

    /// RFC 8555 §8.4: a TXT record at `_acme-challenge.NAME` must hold
    /// base64url(SHA-256(key authorization)); other records may be there too.
    pub fn dns01(&self, name: &str, key_authorization: &str) -> Result<(), Problem> {
        let record = format!("_acme-challenge.{name}");
        let client = self.dns_client("dns-01")?;
        let found = client
            .txt(&record)
            .map_err(|e| Problem::new(ProblemType::Dns, format!("dns-01 for {name}: {e}")))?;
        let expected = dns01_value(key_authorization);
        if found.iter().any(|v| v.trim() == expected) {
            return Ok(());
        }
        if found.is_empty() {
            return Err(Problem::unauthorized(format!(
                "dns-01: no TXT record at {record} (asked {})",
                client.server
            )));
        }
        Err(Problem::new(
            ProblemType::Incorrect,
            format!(
                "dns-01: the TXT records at {record} are {:?}, expected {expected:?}",
                found
                    .iter()
                    .take(5)
                    .map(|v| truncate(v))
                    .collect::<Vec<_>>()
            ),
        ))
    }

    /// RFC 8737 §3: a TLS handshake with SNI NAME and ALPN acme-tls/1 must
    /// show a certificate for NAME alone, with a critical acmeIdentifier
    /// extension holding SHA-256(key authorization).
    pub fn tls_alpn01(&self, name: &str, key_authorization: &str) -> Result<(), Problem> {
        let tls_err =
            |d: String| Problem::new(ProblemType::Tls, format!("tls-alpn-01 at {name}: {d}"));
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_err(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate))
            .with_no_client_auth();
        config.alpn_protocols = vec![ACME_TLS_ALPN.to_vec()];
        // RFC 8738 §6: for an IP, the SNI is its reverse-mapping name.
        let sni = match name.parse::<IpAddr>() {
            Ok(ip) => reverse_name(ip),
            Err(_) => name.to_string(),
        };
        let server_name = ServerName::try_from(sni).map_err(|e| tls_err(e.to_string()))?;
        let mut conn = rustls::ClientConnection::new(Arc::new(config), server_name)
            .map_err(|e| tls_err(e.to_string()))?;
        let mut sock = self.connect(name, self.tls_alpn01_port)?;
        let deadline = Instant::now() + self.timeout;
        while conn.is_handshaking() {
            if Instant::now() > deadline {
                return Err(tls_err("the handshake timed out".into()));
            }
            conn.complete_io(&mut sock)
                .map_err(|e| tls_err(format!("handshake failed: {e}")))?;
        }
        // RFC 8737 §3: the server MUST negotiate acme-tls/1.
        if conn.alpn_protocol() != Some(ACME_TLS_ALPN) {
            return Err(tls_err(
                "the server did not negotiate the acme-tls/1 protocol".into(),
            ));
        }
        let cert = conn
            .peer_certificates()
            .and_then(|c| c.first())
            .ok_or_else(|| tls_err("no certificate".into()))?;
        check_alpn_certificate(cert, name, key_authorization).map_err(|d| {
            Problem::new(
                ProblemType::Unauthorized,
                format!("tls-alpn-01 at {name}: {d}"),
            )
        })
    }
}

/// RFC 8737 §3 rules for the validation certificate.
fn check_alpn_certificate(der: &[u8], name: &str, key_authorization: &str) -> Result<(), String> {
    use x509_parser::prelude::*;
    let (_, cert) = X509Certificate::from_der(der)
        .map_err(|e| format!("the certificate does not parse ({e})"))?;
    // "The certificate MUST contain a subjectAltName extension containing
    // the dNSName being validated and no other identifiers."
    let san = cert
        .subject_alternative_name()
        .map_err(|e| format!("bad subjectAltName ({e})"))?
        .ok_or("the certificate has no subjectAltName")?;
    // RFC 8738 §6: for an IP identifier, exactly that iPAddress.
    let names = &san.value.general_names;
    let matches = match (names.as_slice(), name.parse::<IpAddr>()) {
        ([GeneralName::IPAddress(raw)], Ok(ip)) => ip_of(raw) == Some(ip),
        ([GeneralName::DNSName(n)], Err(_)) => n.eq_ignore_ascii_case(name),
        _ => false,
    };
    if !matches {
        let kind = if name.parse::<IpAddr>().is_ok() {
            "iPAddress"
        } else {
            "dNSName"
        };
        return Err(format!("the subjectAltName must be exactly {kind} {name}"));
    }
    // "... MUST contain ... a critical acmeIdentifier extension" whose
    // value is the DER OCTET STRING of SHA-256(key authorization).
    let ext = cert
        .extensions()
        .iter()
        .find(|e| e.oid.to_id_string() == ACME_IDENTIFIER_OID)
        .ok_or("the certificate has no acmeIdentifier extension")?;
    if !ext.critical {
        return Err("the acmeIdentifier extension is not critical".into());
    }
    let digest =
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, key_authorization.as_bytes());
    let mut expected = vec![0x04, 0x20];
    expected.extend_from_slice(digest.as_ref());
    if ext.value != expected.as_slice() {
        return Err("the acmeIdentifier does not match the key authorization".into());
    }
    Ok(())
}

fn ip_of(raw: &[u8]) -> Option<IpAddr> {
    match raw.len() {
        4 => Some(IpAddr::from(<[u8; 4]>::try_from(raw).ok()?)),
        16 => Some(IpAddr::from(<[u8; 16]>::try_from(raw).ok()?)),
        _ => None,
    }
}

/// The in-addr.arpa / ip6.arpa name of an address (RFC 1035 §3.5, RFC 3596 §2.5).
pub fn reverse_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(v6) => {
            let mut out = String::with_capacity(72);
            for byte in v6.octets().iter().rev() {
                out.push_str(&format!("{:x}.{:x}.", byte & 0x0f, byte >> 4));
            }
            out.push_str("ip6.arpa");
            out
        }
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(120).collect()
}

/// Reads until EOF, at most MAX_RESPONSE bytes, within `limit` overall.
fn read_bounded(stream: &mut TcpStream, limit: Duration) -> std::io::Result<Vec<u8>> {
    let deadline = Instant::now() + limit;
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while out.len() < MAX_RESPONSE && Instant::now() < deadline {
        match stream.read(&mut buf)? {
            0 => break,
            n => out.extend_from_slice(&buf[..n]),
        }
    }
    Ok(out)
}

/// Status and body of an HTTP/1.x response (Content-Length, chunked or
/// read to EOF).
pub fn parse_http_response(raw: &[u8]) -> Option<(u16, Vec<u8>)> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    if !status_line.starts_with("HTTP/1.") {
        return None;
    }
    let status: u16 = status_line.split(' ').nth(1)?.parse().ok()?;
    let mut length = None;
    let mut chunked = false;
    for line in lines {
        let (k, v) = line.split_once(':')?;
        match k.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = v.trim().parse::<usize>().ok(),
            "transfer-encoding" => chunked = v.to_ascii_lowercase().contains("chunked"),
            _ => {}
        }
    }
    let body = &raw[end + 4..];
    let body = if chunked {
        dechunk(body)?
    } else if let Some(n) = length {
        body.get(..n)?.to_vec()
    } else {
        body.to_vec()
    };
    Some((status, body))
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

/// tls-alpn-01 looks at the certificate's content, not at who issued it
/// (RFC 8737 §3: it is self-signed). The handshake signature is still
/// checked, here with ring directly: webpki refuses the certificate's
/// critical acmeIdentifier extension, which it does not know.
#[derive(Debug)]
struct AnyCertificate;

const SCHEMES: [SignatureScheme; 7] = [
    SignatureScheme::ECDSA_NISTP256_SHA256,
    SignatureScheme::ECDSA_NISTP384_SHA384,
    SignatureScheme::ED25519,
    SignatureScheme::RSA_PSS_SHA256,
    SignatureScheme::RSA_PSS_SHA384,
    SignatureScheme::RSA_PKCS1_SHA256,
    SignatureScheme::RSA_PKCS1_SHA384,
];

fn verify_handshake(
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
) -> Result<HandshakeSignatureValid, rustls::Error> {
    use aws_lc_rs::signature as sig;
    use x509_parser::prelude::*;
    let bad = || rustls::Error::InvalidCertificate(rustls::CertificateError::BadSignature);
    let (_, parsed) = X509Certificate::from_der(cert.as_ref()).map_err(|_| bad())?;
    let key = &parsed.public_key().subject_public_key.data;
    let algorithm: &dyn sig::VerificationAlgorithm = match dss.scheme {
        SignatureScheme::ECDSA_NISTP256_SHA256 => &sig::ECDSA_P256_SHA256_ASN1,
        SignatureScheme::ECDSA_NISTP384_SHA384 => &sig::ECDSA_P384_SHA384_ASN1,
        SignatureScheme::ED25519 => &sig::ED25519,
        SignatureScheme::RSA_PSS_SHA256 => &sig::RSA_PSS_2048_8192_SHA256,
        SignatureScheme::RSA_PSS_SHA384 => &sig::RSA_PSS_2048_8192_SHA384,
        SignatureScheme::RSA_PKCS1_SHA256 => &sig::RSA_PKCS1_2048_8192_SHA256,
        SignatureScheme::RSA_PKCS1_SHA384 => &sig::RSA_PKCS1_2048_8192_SHA384,
        _ => {
            return Err(rustls::Error::PeerIncompatible(
                rustls::PeerIncompatible::NoSignatureSchemesInCommon,
            ))
        }
    };
    sig::UnparsedPublicKey::new(algorithm, key.as_ref())
        .verify(message, dss.signature())
        .map(|_| HandshakeSignatureValid::assertion())
        .map_err(|_| bad())
}

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_handshake(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        // RFC 8446 §4.4.3: no PKCS#1 v1.5 in TLS 1.3.
        if matches!(
            dss.scheme,
            SignatureScheme::RSA_PKCS1_SHA256 | SignatureScheme::RSA_PKCS1_SHA384
        ) {
            return Err(rustls::Error::PeerMisbehaved(
                rustls::PeerMisbehaved::SignedHandshakeWithUnadvertisedSigScheme,
            ));
        }
        verify_handshake(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        SCHEMES.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_entries_match_names_and_wildcard_parents() {
        let mut config = ValidationConfig::default();
        config
            .resolve
            .insert("a.test".into(), "127.0.0.2".parse().unwrap());
        config
            .resolve
            .insert("*.load.test".into(), "127.0.0.3".parse().unwrap());
        let ip = |n: &str| config.address(n, 80).map(|a| a.ip().to_string());
        assert_eq!(ip("a.test").unwrap(), "127.0.0.2");
        assert_eq!(ip("x.y.load.test").unwrap(), "127.0.0.3");
        assert!(ip("load.test").is_err() || ip("load.test").unwrap() != "127.0.0.3");
    }

    #[test]
    fn reverse_names_follow_rfc_1035_and_3596() {
        assert_eq!(
            reverse_name("192.0.2.1".parse().unwrap()),
            "1.2.0.192.in-addr.arpa"
        );
        let v6 = reverse_name("2001:db8::1".parse().unwrap());
        assert!(v6.starts_with("1.0.0.0.0.0.0.0."), "{v6}");
        assert!(v6.ends_with(".8.b.d.0.1.0.0.2.ip6.arpa"), "{v6}");
        assert_eq!(v6.split('.').count(), 34);
    }

    #[test]
    fn http_responses_parse_with_length_chunks_or_eof() {
        let r = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef";
        assert_eq!(parse_http_response(r), Some((200, b"abc".to_vec())));
        let r = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        assert_eq!(parse_http_response(r), Some((200, b"abcde".to_vec())));
        let r = b"HTTP/1.0 404 Not Found\r\n\r\nnope";
        assert_eq!(parse_http_response(r), Some((404, b"nope".to_vec())));
        assert_eq!(parse_http_response(b"SSH-2.0\r\n\r\n"), None);
    }
}
