//! STARTTLS: the plain-text exchange that turns a connection into TLS, for the protocols
//! that upgrade rather than start with TLS (as `openssl s_client -starttls` does).
//!
//! - SMTP, RFC 3207: greeting 220, `EHLO`, `STARTTLS`, 220.
//! - IMAP, RFC 9051 section 6.2.1 (and RFC 3501): greeting `* OK`, `a1 STARTTLS`, `a1 OK`.
//! - POP3, RFC 2595 section 4: greeting `+OK`, `STLS`, `+OK`.
//! - PostgreSQL, protocol 3 "SSLRequest": 8 bytes (length 8, code 80877103), answer `S`.
//!
//! Every line is bounded (the server is not trusted) and every read is bounded by the
//! deadline.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use crate::probe::net::{arm, is_timeout, ConnectError};

/// A protocol that upgrades to TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartTls {
    Smtp,
    Imap,
    Pop3,
    Postgres,
}

impl StartTls {
    pub fn name(self) -> &'static str {
        match self {
            StartTls::Smtp => "smtp",
            StartTls::Imap => "imap",
            StartTls::Pop3 => "pop3",
            StartTls::Postgres => "postgres",
        }
    }

    /// The port the protocol's STARTTLS usually runs on.
    pub fn default_port(self) -> u16 {
        match self {
            StartTls::Smtp => 587,
            StartTls::Imap => 143,
            StartTls::Pop3 => 110,
            StartTls::Postgres => 5432,
        }
    }
}

impl std::str::FromStr for StartTls {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "smtp" => Ok(StartTls::Smtp),
            "imap" => Ok(StartTls::Imap),
            "pop3" => Ok(StartTls::Pop3),
            "postgres" | "postgresql" => Ok(StartTls::Postgres),
            _ => Err(format!(
                "unknown STARTTLS protocol '{s}': give smtp, imap, pop3 or postgres"
            )),
        }
    }
}

/// The longest line accepted from the server (RFC 5321 section 4.5.3.1.5 allows 512 for
/// SMTP replies; IMAP greetings can carry capabilities, hence more).
const MAX_LINE: usize = 8192;
/// The most lines of one multi-line reply.
const MAX_LINES: usize = 100;

/// Runs the plain-text exchange; `log` gets one line per message ("S: 220 ...", "C: EHLO").
pub fn upgrade(
    sock: &mut TcpStream,
    proto: StartTls,
    deadline: Instant,
    log: &mut Vec<String>,
) -> Result<(), ConnectError> {
    let mut talk = Talk {
        sock,
        deadline,
        log,
        proto,
    };
    match proto {
        StartTls::Smtp => {
            talk.expect_reply("220", "the greeting")?;
            talk.send("EHLO ca-probe.invalid")?;
            talk.expect_reply("250", "the answer to EHLO")?;
            talk.send("STARTTLS")?;
            talk.expect_reply("220", "the answer to STARTTLS")
        }
        StartTls::Imap => {
            talk.expect_line("* OK", "the greeting")?;
            talk.send("a1 STARTTLS")?;
            // Untagged lines may come before the tagged answer.
            for _ in 0..MAX_LINES {
                let line = talk.line()?;
                if line.starts_with("a1 ") {
                    return talk.check(&line, "a1 OK", "the answer to STARTTLS");
                }
            }
            Err(talk.refused("no tagged answer to STARTTLS"))
        }
        StartTls::Pop3 => {
            talk.expect_line("+OK", "the greeting")?;
            talk.send("STLS")?;
            talk.expect_line("+OK", "the answer to STLS")
        }
        StartTls::Postgres => {
            // Int32 length 8, Int32 80877103 (0x04d2162f).
            talk.write(&[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f], "C: SSLRequest")?;
            let mut answer = [0u8; 1];
            talk.read_exact(&mut answer)?;
            talk.log.push(format!("S: {:?}", answer[0] as char));
            match answer[0] {
                b'S' => Ok(()),
                b'N' => Err(talk.refused("the server does not do TLS (answered N to SSLRequest)")),
                other => Err(talk.refused(&format!(
                    "unexpected answer {other:#04x} to SSLRequest: not a PostgreSQL server?"
                ))),
            }
        }
    }
}

struct Talk<'a> {
    sock: &'a mut TcpStream,
    deadline: Instant,
    log: &'a mut Vec<String>,
    proto: StartTls,
}

impl Talk<'_> {
    fn refused(&self, what: &str) -> ConnectError {
        ConnectError::NotTls(format!("STARTTLS ({}): {what}", self.proto.name()))
    }

    fn send(&mut self, line: &str) -> Result<(), ConnectError> {
        self.write(format!("{line}\r\n").as_bytes(), &format!("C: {line}"))
    }

    fn write(&mut self, bytes: &[u8], log: &str) -> Result<(), ConnectError> {
        arm(self.sock, self.deadline, "STARTTLS")?;
        self.sock
            .write_all(bytes)
            .map_err(|e| ConnectError::Io(format!("STARTTLS: cannot send: {e}")))?;
        self.log.push(log.to_string());
        Ok(())
    }

    fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), ConnectError> {
        arm(self.sock, self.deadline, "STARTTLS")?;
        self.sock.read_exact(buf).map_err(|e| self.io_error(e))
    }

    fn io_error(&self, e: std::io::Error) -> ConnectError {
        if is_timeout(&e) {
            ConnectError::Timeout(format!(
                "STARTTLS ({}): no answer within the timeout",
                self.proto.name()
            ))
        } else {
            self.refused(&format!("the server closed the connection ({e})"))
        }
    }

    /// One line, CRLF removed. Read a byte at a time: what follows the last line is TLS and
    /// must be left in the socket.
    fn line(&mut self) -> Result<String, ConnectError> {
        let mut line = Vec::new();
        let mut byte = [0u8; 1];
        loop {
            self.read_exact(&mut byte)?;
            if byte[0] == b'\n' {
                break;
            }
            if line.len() >= MAX_LINE {
                return Err(self.refused(&format!("a line longer than {MAX_LINE} bytes")));
            }
            line.push(byte[0]);
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        let text = String::from_utf8_lossy(&line).into_owned();
        self.log.push(format!("S: {text}"));
        Ok(text)
    }

    fn check(&self, line: &str, prefix: &str, what: &str) -> Result<(), ConnectError> {
        if line.starts_with(prefix) {
            Ok(())
        } else {
            Err(self.refused(&format!("{what} was '{line}', not {prefix}")))
        }
    }

    fn expect_line(&mut self, prefix: &str, what: &str) -> Result<(), ConnectError> {
        let line = self.line()?;
        self.check(&line, prefix, what)
    }

    /// An SMTP reply: lines "250-..." continue, "250 ..." ends (RFC 5321 section 4.2.1).
    fn expect_reply(&mut self, code: &str, what: &str) -> Result<(), ConnectError> {
        for _ in 0..MAX_LINES {
            let line = self.line()?;
            if !line.starts_with(code) {
                return self.check(&line, code, what);
            }
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok(());
            }
        }
        Err(self.refused(&format!("{what}: more than {MAX_LINES} lines")))
    }
}
