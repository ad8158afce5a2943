//! Does a server accept TLS 1.2 RSA key transport, the key exchange the study note describes
//! in step 5 (the client encrypts the premaster secret with the server's public key)?
//!
//! rustls does not implement it, on purpose: whoever records the traffic and later obtains
//! the server's private key decrypts every past session (no forward secrecy), and its
//! PKCS#1 v1.5 padding invites Bleichenbacher-style oracles (ROBOT). TLS 1.3 removed it
//! (RFC 8446 section 1.2: "Static RSA and Diffie-Hellman cipher suites have been removed;
//! all public-key based key exchange mechanisms now provide forward secrecy").
//!
//! To *say* whether a server would accept it, this module sends one hand-made TLS 1.2
//! ClientHello (RFC 5246 section 7.4.1.2) offering only RSA key-transport suites, reads the
//! first answer and stops: a ServerHello naming one of them, or an alert. No key is ever
//! sent; the connection is dropped.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use rustls::{AlertDescription, CipherSuite};

use crate::names;
use crate::probe::net::{arm, is_timeout};
use crate::record::RsaKeyTransport;

/// RSA key-transport suites (RFC 5246 appendix A.5; RFC 5288 for GCM).
const RSA_SUITES: [u16; 6] = [
    0x009c, // TLS_RSA_WITH_AES_128_GCM_SHA256
    0x009d, // TLS_RSA_WITH_AES_256_GCM_SHA384
    0x003c, // TLS_RSA_WITH_AES_128_CBC_SHA256
    0x003d, // TLS_RSA_WITH_AES_256_CBC_SHA256
    0x002f, // TLS_RSA_WITH_AES_128_CBC_SHA
    0x0035, // TLS_RSA_WITH_AES_256_CBC_SHA
];

/// The largest record we read (RFC 5246 section 6.2.1: 2^14 plus expansion).
const MAX_RECORD: usize = 16384 + 2048;

/// Sends the ClientHello on `sock` (already connected, STARTTLS done) and reads the answer.
/// `sni` is a DNS name or none; `random` the 32 bytes of ClientHello.random.
pub fn ask(
    sock: &mut TcpStream,
    sni: Option<&str>,
    random: [u8; 32],
    deadline: Instant,
) -> RsaKeyTransport {
    match exchange(sock, sni, random, deadline) {
        Ok(answer) => answer,
        Err(e) => RsaKeyTransport::Unknown(e),
    }
}

fn exchange(
    sock: &mut TcpStream,
    sni: Option<&str>,
    random: [u8; 32],
    deadline: Instant,
) -> Result<RsaKeyTransport, String> {
    arm(sock, deadline, "asking about RSA key transport").map_err(|e| e.to_string())?;
    sock.write_all(&client_hello(sni, random))
        .map_err(|e| format!("cannot send: {e}"))?;
    let mut header = [0u8; 5];
    read(sock, &mut header)?;
    let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
    if len == 0 || len > MAX_RECORD {
        return Err(format!("a record of {len} bytes"));
    }
    let mut body = vec![0u8; len];
    read(sock, &mut body)?;
    match header[0] {
        // Alert: level, description.
        21 if body.len() >= 2 => Ok(RsaKeyTransport::Refused(crate::probe::alert_name(
            AlertDescription::from(body[1]),
        ))),
        22 => server_hello_suite(&body).map(|suite| {
            if RSA_SUITES.contains(&suite) {
                RsaKeyTransport::Accepted(names::cipher_suite(CipherSuite::from(suite)))
            } else {
                RsaKeyTransport::Unknown(format!(
                    "the server chose {}, which was not offered",
                    names::cipher_suite(CipherSuite::from(suite))
                ))
            }
        }),
        t => Err(format!("unexpected record type {t}")),
    }
}

fn read(sock: &mut TcpStream, buf: &mut [u8]) -> Result<(), String> {
    sock.read_exact(buf).map_err(|e| {
        if is_timeout(&e) {
            "no answer within the timeout".to_string()
        } else {
            format!("the server closed the connection ({e})")
        }
    })
}

/// The cipher suite of a ServerHello at the start of a handshake record:
/// type(1) length(3) version(2) random(32) session_id<0..32> cipher_suite(2).
fn server_hello_suite(body: &[u8]) -> Result<u16, String> {
    if body.first() != Some(&2) {
        return Err("the first handshake message is not a ServerHello".into());
    }
    let sid_len = usize::from(*body.get(38).ok_or("a truncated ServerHello")?);
    let at = 39 + sid_len;
    match body.get(at..at + 2) {
        Some(s) => Ok(u16::from_be_bytes([s[0], s[1]])),
        None => Err("a truncated ServerHello".into()),
    }
}

/// A TLS 1.2 ClientHello offering only [`RSA_SUITES`].
fn client_hello(sni: Option<&str>, random: [u8; 32]) -> Vec<u8> {
    let mut ext = Vec::new();
    if let Some(name) = sni {
        // server_name (RFC 6066 section 3): list of one host_name.
        let name = name.as_bytes();
        let mut list = vec![0u8];
        push_u16_prefixed(&mut list, name);
        let mut data = Vec::new();
        push_u16_prefixed(&mut data, &list);
        push_extension(&mut ext, 0x0000, &data);
    }
    // signature_algorithms (RFC 5246 section 7.4.1.4.1): RSA PKCS#1 and PSS with SHA-2.
    let schemes: [u16; 6] = [0x0401, 0x0501, 0x0601, 0x0804, 0x0805, 0x0806];
    let mut list = Vec::new();
    for s in schemes {
        list.extend_from_slice(&s.to_be_bytes());
    }
    let mut data = Vec::new();
    push_u16_prefixed(&mut data, &list);
    push_extension(&mut ext, 0x000d, &data);
    // renegotiation_info (RFC 5746), empty: some servers insist.
    push_extension(&mut ext, 0xff01, &[0]);

    let mut hello = Vec::new();
    hello.extend_from_slice(&[3, 3]); // client_version TLS 1.2
    hello.extend_from_slice(&random);
    hello.push(0); // no session id
    let mut suites = Vec::new();
    for s in RSA_SUITES {
        suites.extend_from_slice(&s.to_be_bytes());
    }
    push_u16_prefixed(&mut hello, &suites);
    hello.extend_from_slice(&[1, 0]); // compression: null only
    push_u16_prefixed(&mut hello, &ext);

    let mut handshake = vec![1u8]; // client_hello
    handshake.extend_from_slice(&u24(hello.len()));
    handshake.extend_from_slice(&hello);
    // Record: handshake, legacy version 3.1 (RFC 8446 appendix D.4 advises it for the
    // first ClientHello), length.
    let mut record = vec![22u8, 3, 1];
    record.extend_from_slice(&(handshake.len() as u16).to_be_bytes());
    record.extend_from_slice(&handshake);
    record
}

fn push_u16_prefixed(out: &mut Vec<u8>, data: &[u8]) {
    out.extend_from_slice(&(data.len() as u16).to_be_bytes());
    out.extend_from_slice(data);
}

fn push_extension(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    out.extend_from_slice(&kind.to_be_bytes());
    push_u16_prefixed(out, data);
}

fn u24(n: usize) -> [u8; 3] {
    [(n >> 16) as u8, (n >> 8) as u8, n as u8]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_hello_offers_only_rsa_key_transport() {
        let record = client_hello(Some("localhost"), [7; 32]);
        assert_eq!(record[0], 22);
        assert_eq!(
            usize::from(u16::from_be_bytes([record[3], record[4]])),
            record.len() - 5
        );
        let hello = &record[9..];
        assert_eq!(&hello[..2], &[3, 3]);
        // After version and random: empty session id, then the suites.
        assert_eq!(hello[34], 0);
        let n = usize::from(u16::from_be_bytes([hello[35], hello[36]]));
        assert_eq!(n, RSA_SUITES.len() * 2);
        assert_eq!(&hello[37..39], &[0x00, 0x9c]);
    }

    #[test]
    fn the_suite_of_a_server_hello_is_read_past_its_session_id() {
        let mut body = vec![2, 0, 0, 0, 3, 3];
        body.extend_from_slice(&[0; 32]);
        body.push(4);
        body.extend_from_slice(&[9, 9, 9, 9]);
        body.extend_from_slice(&[0x00, 0x9c, 0]);
        assert_eq!(server_hello_suite(&body), Ok(0x009c));
        assert!(server_hello_suite(&body[..40]).is_err());
    }
}
