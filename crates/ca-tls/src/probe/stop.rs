//! Why and where a handshake stopped: the step the client reached, the alert or error, in
//! words; or "no TLS server here" when nothing TLS ever came back (exit 2 in the CLI).

use rustls::{AlertDescription, ClientConnection, ProtocolVersion};

use super::net::ConnectError;
use super::watch::SharedSeen;
use super::{ProbeError, ProbeOptions};
use crate::record::{Failure, Handshake, Step};

/// Why the handshake stopped.
pub(super) enum Stop {
    Tls(rustls::Error),
    Eof,
    Timeout,
    Io(std::io::Error),
}

/// The last step the client reached.
pub(super) fn reached(conn: &ClientConnection, seen: &SharedSeen) -> Step {
    let seen = seen.lock();
    if !conn.is_handshaking() {
        Step::Finished
    } else if seen.signature_scheme.is_some() {
        Step::CertificateCheck
    } else if !seen.chain.is_empty() {
        Step::Certificate
    } else if conn.protocol_version().is_some() {
        Step::ServerHello
    } else {
        Step::ClientHello
    }
}

/// The step after `reached`, where the handshake stopped.
fn next(reached: Step, tls13: bool) -> Step {
    match reached {
        Step::ClientHello => Step::ServerHello,
        Step::ServerHello => Step::Certificate,
        Step::Certificate => Step::CertificateCheck,
        // TLS 1.3 agreed the keys in the hellos; TLS 1.2 does it after the certificate.
        Step::CertificateCheck if tls13 => Step::Finished,
        Step::CertificateCheck => Step::KeyExchange,
        Step::KeyExchange => Step::Finished,
        _ => Step::Close,
    }
}

/// Turns a stop into a recorded failure, or into "no TLS server here" (exit 2).
pub(super) fn failure(
    stop: Stop,
    reached: Step,
    conn: &ClientConnection,
    hs: &Handshake,
    opts: &ProbeOptions,
) -> Result<Failure, ProbeError> {
    let tls13 = conn.protocol_version() == Some(ProtocolVersion::TLSv1_3);
    let step = next(reached, tls13);
    let nothing_yet = reached == Step::ClientHello;
    let not_tls = |what: &str| {
        ProbeError::Connect(ConnectError::NotTls(format!(
            "{} answered the client hello with {what}: not a TLS server{}",
            hs.peer,
            if opts.starttls.is_none() {
                " (a plain-text service? for one that upgrades, give --starttls)"
            } else {
                ""
            }
        )))
    };
    match stop {
        Stop::Timeout => Err(ProbeError::Connect(ConnectError::Timeout(format!(
            "{} did not answer within the timeout ({:?}) at {}",
            hs.peer,
            opts.timeout,
            step.label()
        )))),
        Stop::Eof | Stop::Io(_) if nothing_yet => Err(not_tls(
            "a closed connection and no TLS record (it may also refuse this client hello silently)",
        )),
        Stop::Tls(
            rustls::Error::InvalidMessage(_)
            | rustls::Error::InappropriateMessage { .. }
            | rustls::Error::InappropriateHandshakeMessage { .. },
        ) if nothing_yet => Err(not_tls("bytes that are not TLS")),
        Stop::Eof => Ok(Failure {
            step,
            by_server: true,
            alert: None,
            message: "the server closed the connection without an alert".into(),
        }),
        Stop::Io(e) => Ok(Failure {
            step,
            by_server: true,
            alert: None,
            message: format!("the connection broke: {e}"),
        }),
        Stop::Tls(rustls::Error::AlertReceived(alert)) => Ok(alert_failure(alert, step, hs)),
        Stop::Tls(e) => Ok(Failure {
            step,
            by_server: false,
            alert: None,
            message: client_error(&e),
        }),
    }
}

/// An alert from the server, said in words.
pub(super) fn alert_failure(alert: AlertDescription, step: Step, hs: &Handshake) -> Failure {
    let name = alert_name(alert);
    let missing_client_cert = hs.client_auth.requested && !hs.client_auth.sent;
    let message = match alert {
        AlertDescription::CertificateRequired => format!(
            "the server demands a client certificate and none was given (alert {name}): give \
             --client-cert FILE --client-key FILE"
        ),
        AlertDescription::HandshakeFailure | AlertDescription::BadCertificate
            if missing_client_cert =>
        {
            format!(
                "the server asked for a client certificate, none was given, and it refused to go \
                 on (alert {name}): give --client-cert FILE --client-key FILE"
            )
        }
        AlertDescription::BadCertificate
        | AlertDescription::UnknownCA
        | AlertDescription::CertificateUnknown
        | AlertDescription::UnsupportedCertificate
        | AlertDescription::CertificateExpired
        | AlertDescription::AccessDenied
            if hs.client_auth.sent =>
        {
            format!("the server refused the client certificate (alert {name})")
        }
        AlertDescription::HandshakeFailure | AlertDescription::InsufficientSecurity
            if step == Step::ServerHello =>
        {
            format!(
                "the server refused the client hello (alert {name}): it shares no cipher suite, \
                 group or signature scheme with what was offered"
            )
        }
        AlertDescription::ProtocolVersion => format!(
            "the server refused the protocol versions offered ({}) (alert {name})",
            hs.offer.versions.join(", ")
        ),
        AlertDescription::UnrecognisedName => format!(
            "the server does not know the name {} (alert {name}): check the name, or give \
             --connect to reach the right server",
            hs.server_name
        ),
        AlertDescription::NoApplicationProtocol => format!(
            "the server speaks none of the ALPN protocols offered ({}) (alert {name})",
            hs.offer.alpn.join(", ")
        ),
        _ => format!("the server sent the alert {name}"),
    };
    // A refused client certificate is known only after the client's Finished (TLS 1.3) or
    // its key exchange (TLS 1.2).
    let step = if missing_client_cert || hs.client_auth.sent && step >= Step::Finished {
        if hs.is_tls13() {
            Step::Finished
        } else {
            Step::KeyExchange
        }
    } else {
        step
    };
    Failure {
        step,
        by_server: true,
        alert: Some(name),
        message,
    }
}

/// The alert's name as RFC 8446 section 6 spells it.
pub fn alert_name(alert: AlertDescription) -> String {
    let debug = format!("{alert:?}");
    let mut out = String::new();
    for (i, c) in debug.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out.replace("unknown_c_a", "unknown_ca")
}

/// An error found on the client side.
fn client_error(e: &rustls::Error) -> String {
    match e {
        rustls::Error::InvalidCertificate(c) => format!(
            "the server's handshake signature does not verify with the public key of the \
             certificate it sent ({c:?}): the server does not hold the key of its certificate"
        ),
        rustls::Error::PeerIncompatible(p) => {
            format!("the server chose something this client does not offer or support ({p:?})")
        }
        rustls::Error::PeerMisbehaved(p) => format!("the server broke the protocol ({p:?})"),
        rustls::Error::DecryptError => {
            "a record did not decrypt: the two sides do not share the same keys".into()
        }
        other => format!("{other}"),
    }
}

/// The server refused at step 2: maybe it only speaks what rustls does not (RSA key transport).
pub(super) fn refused_hello(hs: &Handshake) -> bool {
    hs.failure
        .as_ref()
        .is_some_and(|f| f.by_server && f.step == Step::ServerHello)
}
