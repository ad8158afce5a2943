//! `--explain`: the handshake drawn as the study note draws it — client and server side by
//! side, one arrow per flight with the messages in it, the note's step numbers beside them,
//! the failing step marked — then each step in words, from what happened on this connection.
//!
//! Messages in braces are encrypted (TLS 1.3 encrypts everything after the ServerHello).

use ca_verify::text::escape_untrusted as esc;
use std::fmt::Write as _;

use crate::chain::ChainNotes;
use crate::record::{Handshake, RsaKeyTransport, Step, Transmit};

/// The width between the two columns.
const WIDTH: usize = 56;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    ToServer,
    ToClient,
    /// Work on the client's side (the check of the chain).
    Client,
}

struct Flight {
    dir: Dir,
    /// Each message with the step it belongs to.
    messages: Vec<(String, Option<Step>)>,
    failed: bool,
}

impl Flight {
    fn new(dir: Dir) -> Flight {
        Flight {
            dir,
            messages: Vec::new(),
            failed: false,
        }
    }

    fn add(&mut self, text: impl Into<String>, step: Option<Step>) -> &mut Self {
        self.messages.push((text.into(), step));
        self
    }
}

/// The picture and the steps in words. `walk` is the chain check as `ca verify --explain`
/// prints it (the CLI owns that text).
pub fn render(hs: &Handshake, notes: &ChainNotes, walk: Option<&str>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "The handshake with {} ({}), as the study note numbers it: [n] is the step.\n",
        hs.server_name, hs.peer
    );
    picture(&mut out, hs);
    out.push('\n');
    words(&mut out, hs, notes, walk);
    out
}

fn picture(out: &mut String, hs: &Handshake) {
    let _ = writeln!(
        out,
        "{:8}{:<w$}server",
        "",
        "client (ca probe)",
        w = WIDTH - 4
    );
    for f in flights(hs) {
        draw(out, &f);
    }
}

fn flights(hs: &Handshake) -> Vec<Flight> {
    let tls13 = hs.is_tls13();
    let fail_step = hs.failure.as_ref().map(|f| f.step);
    let got = |step: Step| fail_step.is_none_or(|f| f > step);
    let mut all = Vec::new();

    let mut tcp = Flight::new(Dir::ToServer);
    tcp.add("TCP connection", None);
    if !hs.starttls.is_empty() {
        tcp.add(
            format!("plain text: {} messages of STARTTLS", hs.starttls.len()),
            None,
        );
    }
    all.push(tcp);

    let mut hello = Flight::new(Dir::ToServer);
    hello.add("ClientHello", Some(Step::ClientHello));
    if hs.offer.versions.iter().any(|v| v == "TLSv1.3") {
        hello.add("  + key shares (TLS 1.3)", Some(Step::KeyExchange));
    }
    all.push(hello);

    if got(Step::ServerHello) {
        let mut server = Flight::new(Dir::ToClient);
        if tls13 {
            server.add("ServerHello + key share", Some(Step::ServerHello));
            server.add("{EncryptedExtensions}", None);
            if hs.client_auth.requested {
                server.add("{CertificateRequest}", None);
            }
            if !hs.chain.certificates.is_empty() {
                server.add(
                    format!("{{Certificate}} ({} sent)", hs.chain.certificates.len()),
                    Some(Step::Certificate),
                );
            }
            if let Some(s) = &hs.signature_scheme {
                server.add(
                    format!("{{CertificateVerify}} {s}"),
                    Some(Step::CertificateCheck),
                );
                server.add("{Finished}", Some(Step::Finished));
            }
        } else if hs.chosen.version.is_some() {
            server.add("ServerHello", Some(Step::ServerHello));
            if !hs.chain.certificates.is_empty() {
                server.add(
                    format!("Certificate ({} sent)", hs.chain.certificates.len()),
                    Some(Step::Certificate),
                );
            }
            if hs.chain.ocsp.is_some() {
                server.add("CertificateStatus (OCSP staple)", Some(Step::Certificate));
            }
            if let Some(s) = &hs.signature_scheme {
                server.add(
                    format!("ServerKeyExchange, signed {s}"),
                    Some(Step::KeyExchange),
                );
            }
            if hs.client_auth.requested {
                server.add("CertificateRequest", None);
            }
            if got(Step::CertificateCheck) || hs.signature_scheme.is_some() {
                server.add("ServerHelloDone", Some(Step::Certificate));
            }
        }
        if !server.messages.is_empty() {
            all.push(server);
        }
    }

    if let Some(verdict) = &hs.verdict {
        let mut check = Flight::new(Dir::Client);
        let text = match verdict {
            Ok(_) => "chain checked with ca-verify: VALID",
            Err(_) => "chain checked with ca-verify: NOT VALID",
        };
        check.add(text, Some(Step::CertificateCheck));
        check.failed = verdict.is_err();
        if tls13 && hs.signature_scheme.is_some() {
            check.add(
                "CertificateVerify checked with the leaf's key",
                Some(Step::CertificateCheck),
            );
        }
        all.push(check);
    }

    let client_done = hs.finished
        || fail_step.is_some_and(|s| {
            if tls13 {
                s >= Step::Finished
            } else {
                s > Step::KeyExchange
                    || (s == Step::KeyExchange && hs.failure.as_ref().is_some_and(|f| f.by_server))
            }
        });
    if client_done {
        let mut client = Flight::new(Dir::ToServer);
        let brace = |m: &str| {
            if tls13 {
                format!("{{{m}}}")
            } else {
                m.to_string()
            }
        };
        if hs.client_auth.requested {
            let what = if hs.client_auth.sent {
                "Certificate"
            } else {
                "Certificate (empty: none given)"
            };
            client.add(brace(what), None);
        }
        if !tls13 {
            client.add(
                "ClientKeyExchange (ECDHE public key)",
                Some(Step::KeyExchange),
            );
        }
        if hs.client_auth.sent {
            client.add(brace("CertificateVerify"), None);
        }
        if !tls13 {
            client.add("ChangeCipherSpec", Some(Step::Finished));
        }
        client.add(brace("Finished"), Some(Step::Finished));
        all.push(client);
        if !tls13 && hs.finished {
            let mut server = Flight::new(Dir::ToClient);
            server.add("ChangeCipherSpec", Some(Step::Finished));
            server.add("Finished", Some(Step::Finished));
            all.push(server);
        }
    }

    match &hs.transmit {
        Some(Transmit::Status(line)) => {
            let mut req = Flight::new(Dir::ToServer);
            req.add("{HEAD / HTTP/1.1}", Some(Step::Transmit));
            all.push(req);
            let mut answer = Flight::new(Dir::ToClient);
            answer.add(format!("{{{}}}", short(line)), Some(Step::Transmit));
            all.push(answer);
        }
        Some(Transmit::Skipped(_)) => {
            let mut skip = Flight::new(Dir::Client);
            skip.add(
                "no application data: the chain is not valid",
                Some(Step::Transmit),
            );
            all.push(skip);
        }
        Some(Transmit::Failed(why)) => {
            let mut req = Flight::new(Dir::ToServer);
            req.add(
                format!("{{HEAD / HTTP/1.1}}: {}", short(why)),
                Some(Step::Transmit),
            );
            all.push(req);
        }
        None => {}
    }

    if let Some(f) = &hs.failure {
        let mut fail = Flight::new(if f.by_server {
            Dir::ToClient
        } else {
            Dir::Client
        });
        let text = match (&f.alert, f.by_server) {
            (Some(alert), _) => format!("alert {alert}"),
            (None, true) => "connection closed".to_string(),
            (None, false) => "stopped: the client refuses".to_string(),
        };
        fail.add(text, Some(f.step));
        fail.failed = true;
        if !f.by_server {
            let mut alert = Flight::new(Dir::ToServer);
            alert.add("alert", None);
            all.push(fail);
            all.push(alert);
        } else {
            all.push(fail);
        }
    } else if hs.close.sent {
        let mut bye = Flight::new(Dir::ToServer);
        bye.add("close_notify", Some(Step::Close));
        all.push(bye);
        if hs.close.received {
            let mut back = Flight::new(Dir::ToClient);
            back.add("close_notify", Some(Step::Close));
            all.push(back);
        }
    }
    all
}

fn step_mark(step: Option<Step>) -> String {
    match step {
        Some(Step::Transmit) => "[T]".into(),
        Some(Step::Close) => "[C]".into(),
        Some(s) => format!("[{}]", s as u8),
        None => String::new(),
    }
}

fn draw(out: &mut String, f: &Flight) {
    let blank = format!("{:8}|{:w$}|", "", "", w = WIDTH);
    let _ = writeln!(out, "{blank}");
    let failed = if f.failed { "  <== FAILED" } else { "" };
    for (i, (text, step)) in f.messages.iter().enumerate() {
        let mark = step_mark(*step);
        let (left, right) = match f.dir {
            Dir::ToServer | Dir::Client => (mark, String::new()),
            Dir::ToClient => (String::new(), mark),
        };
        let body = if f.dir == Dir::Client {
            format!("  ({text})")
        } else {
            format!("  {text}")
        };
        let body: String = body.chars().take(WIDTH).collect();
        // Work on the client's side has no arrow: its first line carries the mark.
        let tail = if f.dir == Dir::Client && i == 0 {
            failed
        } else {
            ""
        };
        let line = format!("{left:>6}  |{body:<w$}|  {right}{tail}", w = WIDTH);
        let _ = writeln!(out, "{}", line.trim_end());
    }
    let arrow = match f.dir {
        Dir::ToServer => format!("{}>", "-".repeat(WIDTH - 1)),
        Dir::ToClient => format!("<{}", "-".repeat(WIDTH - 1)),
        Dir::Client => return,
    };
    let _ = writeln!(out, "{:8}|{arrow}|{failed}", "");
}

fn short(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let cut: String = text.chars().take(MAX - 3).collect();
        format!("{cut}...")
    }
}

/// Each step in words.
fn words(out: &mut String, hs: &Handshake, notes: &ChainNotes, walk: Option<&str>) {
    let o = &hs.offer;
    let c = &hs.chosen;
    if !hs.starttls.is_empty() {
        let _ = writeln!(out, "Before TLS (STARTTLS):");
        for line in &hs.starttls {
            let _ = writeln!(out, "   {line}");
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "1. Client hello (client -> server): what the client can do."
    );
    let _ = writeln!(out, "   versions        {}", o.versions.join(", "));
    let _ = writeln!(out, "   cipher suites   {}", o.cipher_suites.join(", "));
    let _ = writeln!(
        out,
        "   groups          {} (key exchange)",
        o.groups.join(", ")
    );
    let _ = writeln!(out, "   signatures      {}", o.signature_schemes.join(", "));
    let sni = o.sni.clone().unwrap_or_else(|| {
        format!(
            "none ({} is an IP address: RFC 6066 sends no SNI for one)",
            hs.server_name
        )
    });
    let _ = writeln!(out, "   SNI             {sni}");
    let alpn = if o.alpn.is_empty() {
        "none".to_string()
    } else {
        o.alpn.join(", ")
    };
    let _ = writeln!(out, "   ALPN            {alpn}\n");

    let _ = writeln!(
        out,
        "2. Server hello (server -> client): what the server chose."
    );
    match &c.version {
        Some(v) => {
            let _ = writeln!(out, "   version         {v}");
            let _ = writeln!(
                out,
                "   cipher suite    {}",
                c.cipher_suite.as_deref().unwrap_or("-")
            );
            let group = match &c.group {
                Some(g) if c.post_quantum => match hybrid_parts(g) {
                    Some((classical, kem)) => format!(
                        "{g} (hybrid post-quantum: {classical} + {kem}, resists a quantum computer)"
                    ),
                    None => format!("{g} (post-quantum: ML-KEM, FIPS 203)"),
                },
                Some(g) => {
                    format!("{g} (classical elliptic-curve Diffie-Hellman, not post-quantum)")
                }
                None => "-".into(),
            };
            let _ = writeln!(out, "   group           {group}");
            let _ = writeln!(
                out,
                "   ALPN            {}",
                esc(c.alpn.as_deref().unwrap_or("none"))
            );
            if let Some(k) = &c.kind {
                let _ = writeln!(out, "   handshake       {k}");
            }
        }
        None => {
            let _ = writeln!(out, "   no server hello");
        }
    }
    out.push('\n');

    let _ = writeln!(out, "3. Certificate (server -> client): the chain as sent.");
    if notes.certs.is_empty() {
        let _ = writeln!(out, "   none received");
    }
    for s in &notes.certs {
        // Names come from the peer: escaped before they reach the terminal.
        let _ = writeln!(out, "   #{} {}", s.position, esc(&s.subject));
        if let Some(why) = &s.unreadable {
            let _ = writeln!(out, "      does not parse: {why}");
        } else {
            let _ = writeln!(out, "      issued by {}", esc(&s.issuer));
            let _ = writeln!(
                out,
                "      expires   {}",
                s.not_after.as_deref().unwrap_or("-")
            );
        }
        let _ = writeln!(out, "      SHA-256   {}", s.sha256);
    }
    for r in notes.remarks() {
        let _ = writeln!(out, "   note: {r}");
    }
    let staple = match &hs.chain.ocsp {
        Some(o) => format!("{} bytes (not checked by this probe)", o.len()),
        None => "none".into(),
    };
    let _ = writeln!(out, "   OCSP staple     {staple}");
    if hs.client_auth.requested {
        let _ = writeln!(
            out,
            "   the server asked for a client certificate ({} acceptable issuers named); {}",
            hs.client_auth.acceptable_issuers,
            if hs.client_auth.sent {
                "one was sent"
            } else {
                "none was given"
            }
        );
    }
    out.push('\n');

    let _ = writeln!(
        out,
        "4. The client checks the certificate: each signature with the issuer's public key, up \
         to a trusted CA (ca-verify)."
    );
    signatures(out, notes);
    match walk {
        Some(w) => {
            for line in w.lines() {
                let _ = writeln!(out, "{}", format!("   {line}").trim_end());
            }
        }
        None => {
            let _ = writeln!(out, "   no chain to check");
        }
    }
    if let Some(s) = &hs.signature_scheme {
        let what = if hs.is_tls13() {
            "CertificateVerify: the server signed the handshake transcript"
        } else {
            "ServerKeyExchange: the server signed its key-exchange parameters"
        };
        let _ = writeln!(
            out,
            "   {what} with {s}; verified with the leaf's public key: it holds the key."
        );
    }
    out.push('\n');

    let _ = writeln!(
        out,
        "5. Key exchange: how both sides got the same session keys."
    );
    key_exchange(out, hs);
    out.push('\n');

    let _ = writeln!(
        out,
        "6. Finished: each side sends a MAC over the whole handshake."
    );
    let done = if hs.finished {
        "   both Finished messages verified: same keys, nothing altered; the handshake is done."
    } else {
        "   not reached."
    };
    let _ = writeln!(out, "{done}\n");

    match &hs.transmit {
        Some(Transmit::Status(line)) => {
            let _ = writeln!(out, "Transmit: HEAD / -> {line}");
        }
        Some(Transmit::Skipped(why)) => {
            let _ = writeln!(out, "Transmit: skipped, {why}");
        }
        Some(Transmit::Failed(why)) => {
            let _ = writeln!(out, "Transmit: failed, {why}");
        }
        None => {
            let _ = writeln!(
                out,
                "Transmit: nothing sent (give --http for a HEAD request)"
            );
        }
    }
    let _ = writeln!(
        out,
        "Close: close_notify {}, {}\n",
        if hs.close.sent { "sent" } else { "not sent" },
        if hs.close.received {
            "received"
        } else {
            "not received"
        }
    );
    if let Some(f) = &hs.failure {
        let who = if f.by_server {
            "the server refused"
        } else {
            "the client stopped"
        };
        let _ = writeln!(out, "FAILED at {}: {who}: {}", f.step.label(), f.message);
    }
}

fn key_exchange(out: &mut String, hs: &Handshake) {
    let group = hs.chosen.group.as_deref().unwrap_or("?");
    if hs.chosen.version.is_none() {
        let _ = writeln!(out, "   not reached.");
    } else if let Some((classical, kem)) = hybrid_parts(group).filter(|_| hs.is_tls13()) {
        let _ = writeln!(
            out,
            "   TLS 1.3, hybrid post-quantum key exchange on {group}: {classical} + {kem}. The \
             client's key share held an {classical} public key and an {kem} encapsulation key; \
             the server answered with its own {classical} public key and an {kem} ciphertext \
             (a secret encapsulated to the client's key). Each side got two shared secrets, \
             the {classical} Diffie-Hellman one and the {kem} one, and HKDF derived the \
             session keys from both together: an attacker must break both, so traffic \
             recorded today stays secret even from a future quantum computer (which breaks \
             {classical} but not ML-KEM, FIPS 203). No key travels on the wire, and the key \
             shares are thrown away (forward secrecy)."
        );
    } else if hs.is_tls13() {
        let _ = writeln!(
            out,
            "   TLS 1.3: (EC)DHE on {group}. The client sent a key share in its hello, the server \
             answered with its own; each combined its private half with the other's public half \
             into the same secret, then HKDF derived the session keys. No key travels on the \
             wire, and the key shares are thrown away: recording the traffic and later stealing \
             the server's key reveals nothing (forward secrecy)."
        );
    } else {
        let _ = writeln!(
            out,
            "   TLS 1.2: ECDHE on {group}. The server sent a signed public key \
             (ServerKeyExchange), the client its own (ClientKeyExchange); both derive the same \
             premaster secret, and from it the session keys (forward secrecy)."
        );
    }
    let _ = writeln!(
        out,
        "   The note describes RSA key transport instead: the client makes the key and sends it \
         encrypted with the server's public key. TLS 1.3 removed it (RFC 8446 section 1.2): \
         whoever records the traffic and later gets the server's private key decrypts every \
         past session (no forward secrecy). rustls, hence `ca`, does not do it."
    );
    match &hs.rsa_key_transport {
        Some(RsaKeyTransport::Accepted(suite)) => {
            let _ = writeln!(
                out,
                "   Asked with a TLS 1.2 hello offering only RSA key transport, this server \
                 accepts it ({suite}): disable those suites on the server."
            );
        }
        Some(RsaKeyTransport::Refused(alert)) => {
            let _ = writeln!(
                out,
                "   Asked with a TLS 1.2 hello offering only RSA key transport, this server \
                 refuses it (alert {alert}): good."
            );
        }
        Some(RsaKeyTransport::Unknown(why)) => {
            let _ = writeln!(
                out,
                "   Whether this server accepts RSA key transport is unknown: {why}."
            );
        }
        None => {
            let _ = writeln!(
                out,
                "   (Give --tls 1.2 to ask whether this server still accepts RSA key transport.)"
            );
        }
    }
}

/// The two halves of a hybrid key-exchange group (draft-ietf-tls-ecdhe-mlkem), by the names
/// `names::group` gives: the classical Diffie-Hellman and the ML-KEM parameter set.
fn hybrid_parts(group: &str) -> Option<(&'static str, &'static str)> {
    match group {
        "X25519MLKEM768" => Some(("X25519", "ML-KEM-768")),
        "SecP256r1MLKEM768" => Some(("secp256r1 ECDH", "ML-KEM-768")),
        "SecP384r1MLKEM1024" => Some(("secp384r1 ECDH", "ML-KEM-1024")),
        _ => None,
    }
}

/// Step 4, certificate by certificate as sent: which algorithm signed it and what key it
/// holds, so that a post-quantum chain (ML-DSA, FIPS 204) is named with its parameter sets.
fn signatures(out: &mut String, notes: &ChainNotes) {
    let mut ml_dsa = false;
    for c in notes.certs.iter().filter(|c| c.unreadable.is_none()) {
        let signature = c.signature.as_deref().unwrap_or("?");
        let key = c.key.as_deref().unwrap_or("?");
        ml_dsa |= signature.starts_with("ML-DSA") || key.starts_with("ML-DSA");
        let by = if c.self_signed {
            "itself"
        } else {
            "its issuer"
        };
        let _ = writeln!(
            out,
            "   #{} signed with {signature} by {by}; its own key is {key}",
            c.position
        );
    }
    if ml_dsa {
        let _ = writeln!(
            out,
            "   ML-DSA (FIPS 204; RFC 9881 in certificates) is a post-quantum signature: a \
             quantum computer that breaks RSA and ECDSA cannot forge it."
        );
    }
}
