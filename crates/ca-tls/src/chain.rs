//! The chain as the server sent it, before any path is built: its order, its duplicates,
//! and whether it reaches a trusted CA or stops short.
//!
//! RFC 8446 section 4.4.2: the sender's certificate comes first and "each following
//! certificate SHOULD directly certify the one immediately preceding it"; clients "SHOULD be
//! prepared to handle potentially extraneous certificates and arbitrary orderings". So a
//! wrong order is worth saying but does not make the chain invalid; a missing intermediate
//! does (the client has no other source for it).

use ca_verify::{Certificate, TrustAnchor};

/// One certificate as sent.
#[derive(Clone, Debug)]
pub struct SentCert {
    pub position: usize,
    pub subject: String,
    pub issuer: String,
    pub sha256: String,
    pub not_after: Option<String>,
    pub self_signed: bool,
    /// The subject's public key ("ECDSA P256", "RSA-2048"; ML-DSA keys by parameter set).
    pub key: Option<String>,
    /// The algorithm its issuer signed it with, as ca-verify names it.
    pub signature: Option<String>,
    /// Parsing failed: why.
    pub unreadable: Option<String>,
}

/// What the order and contents of the chain say.
#[derive(Clone, Debug, Default)]
pub struct ChainNotes {
    pub certs: Vec<SentCert>,
    /// Positions that repeat an earlier certificate (same SHA-256).
    pub duplicates: Vec<(usize, usize)>,
    /// Some certificate is not followed by its issuer while the issuer was sent later.
    pub out_of_order: bool,
    /// The issuer of the last certificate in the issuing line from the leaf, when it was not
    /// sent and is no trust anchor: the intermediate the server should send.
    pub missing_issuer: Option<String>,
    /// A trust anchor was sent (allowed, useless: the client has it already).
    pub root_sent: bool,
}

impl ChainNotes {
    /// Looks at the certificates in the order sent.
    pub fn of(sent: &[Vec<u8>], anchors: &[TrustAnchor]) -> ChainNotes {
        let parsed: Vec<Option<Certificate>> =
            sent.iter().map(|d| Certificate::from_der(d).ok()).collect();
        let mut notes = ChainNotes::default();
        for (i, der) in sent.iter().enumerate() {
            notes.certs.push(match &parsed[i] {
                Some(c) => SentCert {
                    position: i,
                    subject: c.subject().to_string(),
                    issuer: c.issuer().to_string(),
                    sha256: c.sha256_hex(),
                    not_after: Some(rfc3339(c.not_after())),
                    self_signed: c.subject() == c.issuer(),
                    key: Some(c.public_key_description()),
                    signature: Some(c.signature_algorithm_description()),
                    unreadable: None,
                },
                None => SentCert {
                    position: i,
                    subject: "(unreadable)".into(),
                    issuer: String::new(),
                    sha256: sha256_hex(der),
                    not_after: None,
                    self_signed: false,
                    key: None,
                    signature: None,
                    unreadable: Certificate::from_der(der).err().map(|r| r.to_string()),
                },
            });
        }
        for i in 0..notes.certs.len() {
            if let Some(j) = (0..i).find(|&j| notes.certs[j].sha256 == notes.certs[i].sha256) {
                notes.duplicates.push((i, j));
            }
        }
        let anchor_subjects: Vec<&str> =
            anchors.iter().map(|a| a.certificate().subject()).collect();
        notes.root_sent = notes.certs.iter().any(|c| {
            anchors
                .iter()
                .any(|a| a.certificate().sha256_hex() == c.sha256)
        });
        // Follow the issuing line from the leaf through what was sent.
        let mut current = 0usize;
        let mut visited = vec![false; notes.certs.len()];
        while let Some(c) = notes.certs.get(current) {
            visited[current] = true;
            if c.self_signed || c.unreadable.is_some() {
                break;
            }
            let issuer = notes
                .certs
                .iter()
                .position(|d| d.subject == c.issuer && d.sha256 != c.sha256);
            match issuer {
                Some(next) if !visited[next] => {
                    if next != current + 1 {
                        notes.out_of_order = true;
                    }
                    current = next;
                }
                Some(_) => break,
                None => {
                    if !anchor_subjects.contains(&c.issuer.as_str()) {
                        notes.missing_issuer = Some(c.issuer.clone());
                    }
                    break;
                }
            }
        }
        notes
    }

    /// One line per thing worth saying about the order and contents.
    pub fn remarks(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.out_of_order {
            out.push(
                "the certificates are not in issuing order (each should be followed by its \
                 issuer, RFC 8446 section 4.4.2); clients that reorder accept it, older ones may \
                 not: send the leaf, then its issuer, then the issuer's issuer"
                    .to_string(),
            );
        }
        for (i, j) in &self.duplicates {
            out.push(format!(
                "certificate #{i} is sent twice (the same as #{j}): remove the repeat from the \
                 server's chain file"
            ));
        }
        if let Some(issuer) = &self.missing_issuer {
            out.push(format!(
                "the chain stops at a certificate issued by {issuer}, which was not sent and is \
                 not trusted: the server does not send its intermediate CA certificate (put it \
                 after the leaf in the server's chain file)"
            ));
        }
        if self.root_sent {
            out.push(
                "the server sends a trusted root; harmless, but useless: the client has it already"
                    .to_string(),
            );
        }
        out
    }
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

fn sha256_hex(der: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    for b in aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der).as_ref() {
        let _ = write!(s, "{b:02x}");
    }
    s
}
