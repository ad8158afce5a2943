//! The readable text form of a [`Report`]: one aligned `label: value` line
//! per field, objects separated by a blank line. Every value goes through
//! [`escape_untrusted`]: names and extension values come from the file, and a
//! control character in them must not forge a line or drive the terminal.

use std::fmt::{self, Display, Formatter, Write};

use crate::text::escape_untrusted;

use super::fields::{Extensions, ListExtension, Name, PublicKeyInfo};
use super::{CertificateInfo, CrlInfo, CsrInfo, KeyInfo, Object, Report};

/// Collects `label: value` lines and aligns the values; each value is
/// escaped unless it was escaped already.
struct Lines(Vec<(String, String, bool)>);

impl Lines {
    fn new() -> Self {
        Lines(Vec::new())
    }

    fn add(&mut self, label: &str, value: impl Into<String>) {
        self.0.push((label.to_string(), value.into(), false));
    }

    /// A value already escaped for a terminal (a name's `text` form).
    fn add_escaped(&mut self, label: &str, value: impl Into<String>) {
        self.0.push((label.to_string(), value.into(), true));
    }

    fn add_opt(&mut self, label: &str, value: Option<impl Into<String>>) {
        if let Some(v) = value {
            self.add(label, v);
        }
    }

    fn write(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let width = self.0.iter().map(|(l, ..)| l.len()).max().unwrap_or(0) + 1;
        for (label, value, escaped) in &self.0 {
            let value = if *escaped {
                value.into()
            } else {
                escape_untrusted(value)
            };
            writeln!(f, "  {:<width$} {value}", format!("{label}:"))?;
        }
        Ok(())
    }
}

impl Display for Report {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let count = self.objects.len();
        for (i, object) in self.objects.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            let title = match object {
                Object::Certificate(c)
                    if c.extensions
                        .basic_constraints
                        .as_ref()
                        .is_some_and(|b| b.ca) =>
                {
                    "CA certificate"
                }
                Object::Certificate(_) => "Certificate",
                Object::CertificateRequest(_) => "Certificate request (CSR)",
                Object::Crl(_) => "Certificate revocation list (CRL)",
                Object::Key(k) if k.private => "Private key",
                Object::Key(_) => "Public key",
                Object::Unreadable(_) => "Unreadable block",
            };
            if count > 1 {
                writeln!(f, "[{}/{count}] {title}", i + 1)?;
            } else {
                writeln!(f, "{title}")?;
            }
            let mut lines = Lines::new();
            match object {
                Object::Certificate(c) => certificate(&mut lines, c),
                Object::CertificateRequest(c) => csr(&mut lines, c),
                Object::Crl(c) => crl(&mut lines, c),
                Object::Key(k) => key(&mut lines, k),
                Object::Unreadable(u) => lines.add("Error", &u.error),
            }
            lines.write(f)?;
        }
        Ok(())
    }
}

fn certificate(l: &mut Lines, c: &CertificateInfo) {
    l.add_escaped("Subject", &c.subject_text);
    l.add_escaped(
        "Issuer",
        if c.self_issued {
            format!("{} (self-issued)", c.issuer_text)
        } else {
            c.issuer_text.clone()
        },
    );
    if c.serial_negative {
        l.add(
            "Serial",
            format!(
                "{} (NEGATIVE: RFC 5280 4.1.2.2 requires a positive serial number)",
                c.serial
            ),
        );
    } else {
        l.add("Serial", &c.serial);
    }
    l.add("Not before", &c.not_before);
    l.add(
        "Not after",
        format!("{} ({})", c.not_after, days_phrase(c.days_left, c.status)),
    );
    l.add("Names", names(&c.names));
    public_key(l, &c.public_key);
    l.add("Signature", &c.signature_algorithm);
    extensions(l, &c.extensions);
    if let Some(why) = &c.verify_refuses {
        l.add("Verify", format!("REFUSED as malformed: {why}"));
    }
    l.add("SHA-256", &c.sha256);
}

fn days_phrase(days_left: i64, status: &str) -> String {
    match status {
        "expired" => format!("expired {} days ago", -days_left - 1),
        "not_yet_valid" => format!("not yet valid; {days_left} days left after that"),
        _ => format!("{days_left} days left"),
    }
}

fn csr(l: &mut Lines, c: &CsrInfo) {
    l.add_escaped("Subject", &c.subject_text);
    l.add("Names", names(&c.names));
    public_key(l, &c.public_key);
    l.add(
        "Signature",
        format!(
            "{} ({})",
            c.signature_algorithm,
            if c.signature_valid {
                "valid"
            } else {
                "INVALID"
            }
        ),
    );
    extensions(l, &c.extensions);
    l.add("SHA-256", &c.sha256);
}

fn crl(l: &mut Lines, c: &CrlInfo) {
    l.add_escaped("Issuer", &c.issuer_text);
    l.add_opt("CRL number", c.crl_number.clone());
    l.add("This update", &c.this_update);
    match (&c.next_update, c.days_until_next_update) {
        (Some(t), Some(d)) if d < 0 => {
            l.add("Next update", format!("{t} (overdue by {} days)", -d - 1))
        }
        (Some(t), Some(d)) => l.add("Next update", format!("{t} ({d} days left)")),
        _ => l.add("Next update", "none"),
    }
    l.add_opt("Authority key id", c.authority_key_id.clone());
    l.add("Signature", &c.signature_algorithm);
    l.add("Revoked", c.entries.len().to_string());
    for e in &c.entries {
        let mut s = format!("{} at {}", e.serial, e.revoked_at);
        if let Some(r) = &e.reason {
            let _ = write!(s, ", {r}");
        }
        l.add("  Serial", s);
    }
    l.add("SHA-256", &c.sha256);
}

fn key(l: &mut Lines, k: &KeyInfo) {
    l.add("Format", k.format);
    match &k.public_key {
        Some(pk) => public_key(l, pk),
        None => l.add("Public key", "unknown"),
    }
    l.add_opt("Note", k.note.clone());
}

fn public_key(l: &mut Lines, pk: &PublicKeyInfo) {
    l.add("Key", pk.describe());
    match pk.sha256_note {
        Some(note) => l.add("Public key SHA-256", format!("{} ({note})", pk.sha256)),
        None => l.add("Public key SHA-256", &pk.sha256),
    }
}

fn names(names: &[Name]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names
            .iter()
            .map(Name::display)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn list(e: &ListExtension) -> String {
    let mut s = e.values.join(", ");
    if e.critical {
        s.push_str(" (critical)");
    }
    s
}

fn extensions(l: &mut Lines, e: &Extensions) {
    if let Some(bc) = &e.basic_constraints {
        let mut s = format!("CA:{}", if bc.ca { "TRUE" } else { "FALSE" });
        if let Some(n) = bc.path_len {
            let _ = write!(s, ", pathlen:{n}");
        }
        if bc.critical {
            s.push_str(" (critical)");
        }
        l.add("Basic constraints", s);
    }
    l.add_opt("Key usage", e.key_usage.as_ref().map(list));
    l.add_opt(
        "Extended key usage",
        e.extended_key_usage.as_ref().map(list),
    );
    l.add_opt("Subject key id", e.subject_key_id.clone());
    l.add_opt("Authority key id", e.authority_key_id.clone());
    if let Some(nc) = &e.name_constraints {
        if !nc.permitted.is_empty() {
            l.add("Permitted names", names(&nc.permitted));
        }
        if !nc.excluded.is_empty() {
            l.add("Excluded names", names(&nc.excluded));
        }
    }
    if !e.crl_distribution_points.is_empty() {
        l.add("CRL distribution", names(&e.crl_distribution_points));
    }
    for ad in &e.authority_info_access {
        l.add(
            "Authority info",
            format!("{}: {}", ad.method, ad.location.display()),
        );
    }
    if !e.certificate_policies.is_empty() {
        l.add("Policies", e.certificate_policies.join(", "));
    }
    for o in &e.other {
        let crit = if o.critical { " (critical)" } else { "" };
        l.add("Extension", format!("{} ({}){crit}", o.name, o.oid));
    }
}
