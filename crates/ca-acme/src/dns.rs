//! A small DNS stub client (RFC 1035) for dns-01 (RFC 8555 §8.4) and for
//! the addresses http-01 and tls-alpn-01 connect to when `--dns` names a
//! server: one question, recursion desired, UDP then TCP when the answer
//! is truncated (RFC 1035 §4.2.1, RFC 7766).
//!
//! The answer comes from a server we do not trust to be well-behaved, so
//! every read is bounded: the time of the whole query, the message size,
//! the number of records, compression pointers (backwards only, a bounded
//! number of hops), CNAME chains. An answer must carry our ID and repeat
//! our question (RFC 5452 §4), else it is ignored and we keep waiting.
//!
//! Written here rather than taken from hickory-resolver: that crate brings
//! an async runtime and a few dozen crates to ask one question of one
//! server, where this needs ~300 lines that the tests below exercise.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

/// Record types we ask for.
pub const TYPE_A: u16 = 1;
pub const TYPE_CNAME: u16 = 5;
pub const TYPE_TXT: u16 = 16;
pub const TYPE_AAAA: u16 = 28;
const CLASS_IN: u16 = 1;

/// The largest message we read: the UDP limit we advertise nothing beyond
/// (no EDNS), with room for servers that send more; TCP answers up to this.
const MAX_MESSAGE: usize = 16 * 1024;
/// The most answer records we look at.
const MAX_ANSWERS: usize = 64;
/// The most CNAME links followed (RFC 1034 §3.6.2 chains).
const MAX_CNAME_HOPS: usize = 8;
/// The most compression pointers followed while reading one name.
const MAX_POINTER_HOPS: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    #[error("{0:?} is not a DNS name we can ask for")]
    BadName(String),
    #[error("the DNS server {server} did not answer within {timeout:?}")]
    Timeout {
        server: SocketAddr,
        timeout: Duration,
    },
    #[error("the DNS server {server}: {detail}")]
    Io { server: SocketAddr, detail: String },
    #[error("the DNS server answered {name} with {rcode}")]
    Rcode { name: String, rcode: &'static str },
    #[error("the DNS answer is malformed: {0}")]
    Malformed(&'static str),
}

/// One server to ask, with a deadline for each question.
#[derive(Debug, Clone)]
pub struct DnsClient {
    pub server: SocketAddr,
    pub timeout: Duration,
}

impl DnsClient {
    pub fn new(server: SocketAddr, timeout: Duration) -> DnsClient {
        DnsClient { server, timeout }
    }

    /// The first `nameserver` of /etc/resolv.conf (port 53), if any.
    pub fn from_resolv_conf(timeout: Duration) -> Option<DnsClient> {
        let text = std::fs::read_to_string("/etc/resolv.conf").ok()?;
        let ip = text.lines().find_map(|line| {
            let mut words = line.split_whitespace();
            (words.next() == Some("nameserver"))
                .then(|| words.next()?.parse::<IpAddr>().ok())
                .flatten()
        })?;
        Some(DnsClient::new(SocketAddr::new(ip, 53), timeout))
    }

    /// The TXT strings at `name` (each record's character-strings joined,
    /// as RFC 8555 §8.4 values are one string). NXDOMAIN is no records.
    pub fn txt(&self, name: &str) -> Result<Vec<String>, DnsError> {
        Ok(self
            .query(name, TYPE_TXT)?
            .iter()
            .map(|rdata| String::from_utf8_lossy(&join_character_strings(rdata)).into_owned())
            .collect())
    }

    /// The IPv4 then IPv6 addresses of `name`.
    pub fn addresses(&self, name: &str) -> Result<Vec<IpAddr>, DnsError> {
        let mut out: Vec<IpAddr> = Vec::new();
        for rdata in self.query(name, TYPE_A)? {
            if let Ok(octets) = <[u8; 4]>::try_from(rdata.as_slice()) {
                out.push(IpAddr::V4(Ipv4Addr::from(octets)));
            }
        }
        for rdata in self.query(name, TYPE_AAAA)? {
            if let Ok(octets) = <[u8; 16]>::try_from(rdata.as_slice()) {
                out.push(IpAddr::V6(Ipv6Addr::from(octets)));
            }
        }
        Ok(out)
    }

    /// The RDATA of every `rtype` record answering `name` (following
    /// CNAMEs within the answer).
    pub fn query(&self, name: &str, rtype: u16) -> Result<Vec<Vec<u8>>, DnsError> {
        let mut id = [0u8; 2];
        aws_lc_rs::rand::SecureRandom::fill(&aws_lc_rs::rand::SystemRandom::new(), &mut id)
            .map_err(|_| self.io("no randomness for the query ID"))?;
        let id = u16::from_be_bytes(id);
        let question = encode_query(id, name, rtype)?;
        let deadline = Instant::now() + self.timeout;
        let answer = match self.exchange_udp(&question, id, name, rtype, deadline)? {
            Reply::Complete(answer) => answer,
            Reply::Truncated => self.exchange_tcp(&question, id, name, rtype, deadline)?,
        };
        Ok(answer)
    }

    fn io(&self, detail: impl std::fmt::Display) -> DnsError {
        DnsError::Io {
            server: self.server,
            detail: detail.to_string(),
        }
    }

    fn timed_out(&self) -> DnsError {
        DnsError::Timeout {
            server: self.server,
            timeout: self.timeout,
        }
    }

    fn exchange_udp(
        &self,
        question: &[u8],
        id: u16,
        name: &str,
        rtype: u16,
        deadline: Instant,
    ) -> Result<Reply, DnsError> {
        let local: SocketAddr = match self.server {
            SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
            SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
        };
        let socket = UdpSocket::bind(local).map_err(|e| self.io(e))?;
        // connect(2): the kernel drops datagrams from any other address.
        socket.connect(self.server).map_err(|e| self.io(e))?;
        socket.send(question).map_err(|e| self.io(e))?;
        let mut buf = vec![0u8; MAX_MESSAGE];
        loop {
            let left = deadline
                .checked_duration_since(Instant::now())
                .filter(|d| !d.is_zero())
                .ok_or_else(|| self.timed_out())?;
            socket
                .set_read_timeout(Some(left))
                .map_err(|e| self.io(e))?;
            let n = match socket.recv(&mut buf) {
                Ok(n) => n,
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(self.timed_out())
                }
                Err(e) => return Err(self.io(e)),
            };
            // A datagram with another ID or question is not our answer
            // (a late or forged one): keep waiting until the deadline.
            match parse_answer(&buf[..n], id, name, rtype) {
                Err(Parsed::NotOurs) => continue,
                Err(Parsed::Error(e)) => return Err(e),
                Ok(reply) => return Ok(reply),
            }
        }
    }

    fn exchange_tcp(
        &self,
        question: &[u8],
        id: u16,
        name: &str,
        rtype: u16,
        deadline: Instant,
    ) -> Result<Vec<Vec<u8>>, DnsError> {
        let left = |c: &DnsClient| {
            deadline
                .checked_duration_since(Instant::now())
                .filter(|d| !d.is_zero())
                .ok_or_else(|| c.timed_out())
        };
        let mut stream =
            TcpStream::connect_timeout(&self.server, left(self)?).map_err(|e| self.io(e))?;
        stream
            .set_write_timeout(Some(left(self)?))
            .map_err(|e| self.io(e))?;
        // RFC 1035 §4.2.2: a two-byte length, then the message.
        let mut framed = (question.len() as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(question);
        stream.write_all(&framed).map_err(|e| self.io(e))?;
        stream
            .set_read_timeout(Some(left(self)?))
            .map_err(|e| self.io(e))?;
        let mut len = [0u8; 2];
        stream.read_exact(&mut len).map_err(|e| self.io(e))?;
        let len = usize::from(u16::from_be_bytes(len));
        if len > MAX_MESSAGE {
            return Err(DnsError::Malformed("the TCP answer is larger than 16 KiB"));
        }
        let mut message = vec![0u8; len];
        stream
            .set_read_timeout(Some(left(self)?))
            .map_err(|e| self.io(e))?;
        stream.read_exact(&mut message).map_err(|e| self.io(e))?;
        match parse_answer(&message, id, name, rtype) {
            Ok(Reply::Complete(answer)) => Ok(answer),
            Ok(Reply::Truncated) => Err(DnsError::Malformed("a truncated answer over TCP")),
            Err(Parsed::NotOurs) => Err(DnsError::Malformed(
                "the TCP answer does not match the question (ID or name)",
            )),
            Err(Parsed::Error(e)) => Err(e),
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Reply {
    Complete(Vec<Vec<u8>>),
    Truncated,
}

#[derive(Debug)]
enum Parsed {
    /// Another ID, not a response, or another question.
    NotOurs,
    Error(DnsError),
}

impl From<DnsError> for Parsed {
    fn from(e: DnsError) -> Parsed {
        Parsed::Error(e)
    }
}

/// The wire form of `name` (RFC 1035 §3.1): ASCII labels of 1-63 bytes,
/// 255 bytes in all; a trailing dot is allowed.
fn encode_name(name: &str) -> Result<Vec<u8>, DnsError> {
    let bad = || DnsError::BadName(name.chars().take(80).collect());
    let trimmed = name.strip_suffix('.').unwrap_or(name);
    if trimmed.is_empty() || !trimmed.is_ascii() {
        return Err(bad());
    }
    let mut out = Vec::with_capacity(trimmed.len() + 2);
    for label in trimmed.split('.') {
        if label.is_empty() || label.len() > 63 || label.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(bad());
        }
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    if out.len() > 255 {
        return Err(bad());
    }
    Ok(out)
}

/// A standard query for (`name`, `rtype`, IN) with recursion desired.
fn encode_query(id: u16, name: &str, rtype: u16) -> Result<Vec<u8>, DnsError> {
    let mut out = Vec::with_capacity(300);
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&0x0100u16.to_be_bytes()); // RD
    out.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]); // QD=1, AN=NS=AR=0
    out.extend_from_slice(&encode_name(name)?);
    out.extend_from_slice(&rtype.to_be_bytes());
    out.extend_from_slice(&CLASS_IN.to_be_bytes());
    Ok(out)
}

struct Cursor<'a> {
    msg: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DnsError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.msg.len())
            .ok_or(DnsError::Malformed("the message ends inside a record"))?;
        let out = &self.msg[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn u16(&mut self) -> Result<u16, DnsError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    /// A name, lower-cased, dot-separated, without the root dot
    /// (RFC 1035 §4.1.4: pointers go to earlier names only).
    fn name(&mut self) -> Result<String, DnsError> {
        let mut labels: Vec<String> = Vec::new();
        let mut pos = self.pos;
        let mut resume = None;
        let mut hops = 0;
        let mut length = 0usize;
        loop {
            let len = *self
                .msg
                .get(pos)
                .ok_or(DnsError::Malformed("a name runs past the message"))?;
            match len & 0xc0 {
                0x00 if len == 0 => {
                    pos += 1;
                    break;
                }
                0x00 => {
                    let label = self
                        .msg
                        .get(pos + 1..pos + 1 + usize::from(len))
                        .ok_or(DnsError::Malformed("a label runs past the message"))?;
                    length += label.len() + 1;
                    if length > 255 {
                        return Err(DnsError::Malformed("a name longer than 255 bytes"));
                    }
                    labels.push(String::from_utf8_lossy(label).to_ascii_lowercase());
                    pos += 1 + usize::from(len);
                }
                0xc0 => {
                    let low = *self
                        .msg
                        .get(pos + 1)
                        .ok_or(DnsError::Malformed("a pointer runs past the message"))?;
                    let target = usize::from(u16::from_be_bytes([len & 0x3f, low]));
                    hops += 1;
                    if target >= pos || hops > MAX_POINTER_HOPS {
                        return Err(DnsError::Malformed("a compression pointer loops"));
                    }
                    resume.get_or_insert(pos + 2);
                    pos = target;
                }
                _ => return Err(DnsError::Malformed("an unknown label type")),
            }
        }
        self.pos = resume.unwrap_or(pos);
        Ok(labels.join("."))
    }
}

fn normalise(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

fn rcode_name(rcode: u8) -> &'static str {
    match rcode {
        1 => "FORMERR",
        2 => "SERVFAIL",
        4 => "NOTIMP",
        5 => "REFUSED",
        _ => "an error code",
    }
}

/// Checks the header and question against ours, then collects the RDATA
/// of `rtype` records for `name` or the names its CNAMEs lead to.
fn parse_answer(msg: &[u8], id: u16, name: &str, rtype: u16) -> Result<Reply, Parsed> {
    if msg.len() < 12 {
        return Err(Parsed::NotOurs);
    }
    let mut c = Cursor { msg, pos: 0 };
    let got_id = c.u16()?;
    let flags = c.u16()?;
    // QR must be set (a response) and the opcode QUERY.
    if got_id != id || flags & 0x8000 == 0 || flags & 0x7800 != 0 {
        return Err(Parsed::NotOurs);
    }
    let qdcount = c.u16()?;
    let ancount = c.u16()?;
    c.u16()?;
    c.u16()?;
    if qdcount != 1 {
        return Err(Parsed::NotOurs);
    }
    let qname = c.name()?;
    let qtype = c.u16()?;
    let qclass = c.u16()?;
    let wanted = normalise(name);
    if qname != wanted || qtype != rtype || qclass != CLASS_IN {
        return Err(Parsed::NotOurs);
    }
    if flags & 0x0200 != 0 {
        return Ok(Reply::Truncated);
    }
    match (flags & 0x000f) as u8 {
        0 => {}
        // NXDOMAIN: the name has no records at all.
        3 => return Ok(Reply::Complete(Vec::new())),
        other => {
            return Err(Parsed::Error(DnsError::Rcode {
                name: wanted,
                rcode: rcode_name(other),
            }))
        }
    }
    if usize::from(ancount) > MAX_ANSWERS {
        return Err(Parsed::Error(DnsError::Malformed(
            "more than 64 answer records",
        )));
    }
    let mut records: Vec<(String, u16, Vec<u8>)> = Vec::new();
    for _ in 0..ancount {
        let owner = c.name()?;
        let kind = c.u16()?;
        let class = c.u16()?;
        c.take(4)?; // TTL
        let len = usize::from(c.u16()?);
        let start = c.pos;
        let rdata = c.take(len)?.to_vec();
        if class != CLASS_IN {
            continue;
        }
        if kind == TYPE_CNAME {
            // The target is a (possibly compressed) name inside RDATA.
            let mut inner = Cursor { msg, pos: start };
            let target = inner.name()?;
            if inner.pos > start + len {
                return Err(Parsed::Error(DnsError::Malformed(
                    "a CNAME target runs past its record",
                )));
            }
            records.push((owner, kind, target.into_bytes()));
        } else {
            records.push((owner, kind, rdata));
        }
    }
    let mut owner = wanted;
    for _ in 0..=MAX_CNAME_HOPS {
        let found: Vec<Vec<u8>> = records
            .iter()
            .filter(|(o, k, _)| *o == owner && *k == rtype)
            .map(|(_, _, d)| d.clone())
            .collect();
        if !found.is_empty() {
            return Ok(Reply::Complete(found));
        }
        match records
            .iter()
            .find(|(o, k, _)| *o == owner && *k == TYPE_CNAME)
        {
            Some((_, _, target)) => owner = String::from_utf8_lossy(target).into_owned(),
            None => return Ok(Reply::Complete(Vec::new())),
        }
    }
    Err(Parsed::Error(DnsError::Malformed("a CNAME chain too long")))
}

/// TXT RDATA (RFC 1035 §3.3.14): length-prefixed strings, joined. A length
/// past the end keeps what is there.
fn join_character_strings(rdata: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = rdata;
    while let Some((&len, tail)) = rest.split_first() {
        let n = usize::from(len).min(tail.len());
        out.extend_from_slice(&tail[..n]);
        rest = &tail[n..];
    }
    out
}

#[cfg(test)]
mod tests;
