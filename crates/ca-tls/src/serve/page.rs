//! The page `ca serve` answers with: the handshake from the server's side.

use std::fmt::Write as _;

use super::Connection;

/// The handshake as the server saw it, as plain text.
pub fn page(c: &Connection) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "ca serve: your TLS handshake, as this server saw it\n");
    let _ = writeln!(out, "1. Your client hello (what your client offered)");
    let _ = writeln!(
        out,
        "   SNI             {}",
        c.sni.as_deref().unwrap_or("none")
    );
    let _ = writeln!(
        out,
        "   cipher suites   {}",
        c.offered_cipher_suites.join(", ")
    );
    let _ = writeln!(out, "   groups          {}", c.offered_groups.join(", "));
    let _ = writeln!(
        out,
        "   signatures      {}",
        c.offered_signature_schemes.join(", ")
    );
    let alpn = if c.offered_alpn.is_empty() {
        "none".to_string()
    } else {
        c.offered_alpn.join(", ")
    };
    let _ = writeln!(out, "   ALPN            {alpn}\n");
    let _ = writeln!(out, "2. The server hello (what this server chose)");
    let _ = writeln!(
        out,
        "   version         {}",
        c.version.as_deref().unwrap_or("-")
    );
    let _ = writeln!(
        out,
        "   cipher suite    {}",
        c.cipher_suite.as_deref().unwrap_or("-")
    );
    let pq = if c.post_quantum {
        " (hybrid post-quantum)"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "   group           {}{pq}",
        c.group.as_deref().unwrap_or("-")
    );
    let _ = writeln!(
        out,
        "   ALPN            {}\n",
        c.alpn.as_deref().unwrap_or("none")
    );
    let _ = writeln!(out, "3-4. Your client certificate");
    match (&c.client_cert, c.client_cert_required) {
        (Some(cert), _) => {
            let _ = writeln!(out, "   subject         {}", cert.subject);
            let _ = writeln!(out, "   issuer          {}", cert.issuer);
            let _ = writeln!(out, "   SHA-256         {}", cert.sha256);
            let verdict = if cert.valid {
                "valid (ca-verify, purpose clientAuth)".to_string()
            } else {
                format!("NOT VALID: {}", cert.reason.as_deref().unwrap_or(""))
            };
            let _ = writeln!(out, "   verdict         {verdict}");
            if !cert.path.is_empty() {
                let _ = writeln!(out, "   path            {}", cert.path.join(" <- "));
            }
        }
        (None, true) => {
            let _ = writeln!(out, "   required, none received");
        }
        (None, false) => {
            let _ = writeln!(
                out,
                "   not asked for (start `ca serve` with --client-ca to ask)"
            );
        }
    }
    let _ = writeln!(
        out,
        "\nYour request: {}",
        c.request.as_deref().unwrap_or("-")
    );
    out
}
