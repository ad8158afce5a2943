//! CRL parsing (RFC 5280 section 5): an owned copy of what revocation checking needs, with the
//! extensions it does not understand recorded (a critical one makes the CRL unusable, 5.2).

use x509_parser::extensions::{ParsedExtension, SubjectAlternativeName};
use x509_parser::prelude::{CertificateRevocationList, FromDer};

use super::scope::IssuingDistributionPoint;
use crate::cert::{AlgId, GeneralName, Name};
use crate::error::Reason;

const OID_DELTA_CRL_INDICATOR: &str = "2.5.29.27";
const OID_FRESHEST_CRL: &str = "2.5.29.46";
const OID_CERTIFICATE_ISSUER: &str = "2.5.29.29";
const OID_ISSUING_DISTRIBUTION_POINT: &str = "2.5.29.28";

/// RFC 5280 5.3.1 reason code removeFromCRL.
pub(crate) const REMOVE_FROM_CRL: u8 = 8;

/// One revoked certificate listed on a CRL.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) serial: Vec<u8>,
    /// The reasonCode entry extension.
    pub(crate) reason: Option<u8>,
    pub(crate) revoked_at: i64,
    /// Index into [`Crl::entry_issuers`]: the issuer of the listed certificate (RFC 5280
    /// 5.3.3: the CRL issuer until a certificateIssuer entry extension says otherwise, then
    /// that issuer for the following entries too).
    pub(crate) issuer: usize,
}

/// RFC 5280 5.3.1 CRLReason names.
pub(crate) fn reason_name(code: u8) -> &'static str {
    match code {
        0 => "unspecified",
        1 => "keyCompromise",
        2 => "cACompromise",
        3 => "affiliationChanged",
        4 => "superseded",
        5 => "cessationOfOperation",
        6 => "certificateHold",
        8 => "removeFromCRL",
        9 => "privilegeWithdrawn",
        10 => "aACompromise",
        _ => "unknown reason code",
    }
}

/// A parsed CRL, owning its data.
#[derive(Clone, Debug)]
pub(crate) struct Crl {
    pub(crate) issuer: Name,
    pub(crate) tbs: Vec<u8>,
    pub(crate) alg: AlgId,
    pub(crate) inner_alg: AlgId,
    pub(crate) signature: Vec<u8>,
    pub(crate) this_update: i64,
    pub(crate) next_update: Option<i64>,
    pub(crate) entries: Vec<Entry>,
    /// The certificate issuers entries refer to; [0] is the CRL issuer.
    pub(crate) entry_issuers: Vec<Vec<GeneralName>>,
    /// CRLNumber, as hex, when present.
    pub(crate) number: Option<String>,
    pub(crate) number_value: Option<Vec<u8>>,
    pub(crate) number_critical: bool,
    pub(crate) idp: Option<IssuingDistributionPoint>,
    /// deltaCRLIndicator BaseCRLNumber: this is a delta CRL.
    pub(crate) delta_base: Option<Vec<u8>>,
    /// A critical extension (of the CRL or of an entry) not understood: the CRL must not be
    /// used (RFC 5280 5.2, 5.3).
    pub(crate) unknown_critical: Option<String>,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// Compares two non-negative DER INTEGER contents by value.
pub(crate) fn cmp_unsigned(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let trim = |x: &[u8]| -> Vec<u8> { x.iter().skip_while(|&&v| v == 0).copied().collect() };
    let (a, b) = (trim(a), trim(b));
    a.len().cmp(&b.len()).then_with(|| a.cmp(&b))
}

/// The content octets of a DER INTEGER value (the extension value of CRLNumber and
/// deltaCRLIndicator).
fn integer_content(v: &[u8]) -> Option<Vec<u8>> {
    match v {
        [0x02, len, rest @ ..] if (*len as usize) == rest.len() && *len < 0x80 => {
            Some(rest.to_vec())
        }
        _ => None,
    }
}

impl Crl {
    pub(crate) fn from_der(der: &[u8]) -> Result<Self, Reason> {
        let bad = |m: String| Reason::InvalidCrl(m);
        let (rest, crl) = CertificateRevocationList::from_der(der)
            .map_err(|e| bad(format!("malformed DER: {e}")))?;
        if !rest.is_empty() {
            return Err(bad("bytes after the CRL".into()));
        }
        let tbs = crate::der::first_in_sequence(der).ok_or_else(|| bad("malformed DER".into()))?;
        let issuer = Name::from_x509(crl.issuer())
            .ok_or_else(|| bad("an issuer attribute lies outside the issuer's encoding".into()))?;
        let mut out = Crl {
            issuer: issuer.clone(),
            tbs: tbs.to_vec(),
            alg: AlgId::from_x509(&crl.signature_algorithm),
            inner_alg: AlgId::from_x509(&crl.tbs_cert_list.signature),
            signature: crl.signature_value.as_ref().to_vec(),
            this_update: crl.last_update().timestamp(),
            next_update: crl.next_update().map(|t| t.timestamp()),
            entries: Vec::new(),
            entry_issuers: vec![vec![GeneralName::Directory(Box::new(issuer))]],
            number: None,
            number_value: None,
            number_critical: false,
            idp: None,
            delta_base: None,
            unknown_critical: None,
        };
        for ext in crl.extensions() {
            let oid = ext.oid.to_id_string();
            match ext.parsed_extension() {
                // Read with our own DER reader, whatever x509-parser made of it.
                _ if oid == OID_ISSUING_DISTRIBUTION_POINT => {
                    out.idp = Some(
                        IssuingDistributionPoint::from_der(ext.value)
                            .map_err(|m| bad(format!("issuingDistributionPoint: {m}")))?,
                    );
                }
                ParsedExtension::ParseError { error } => {
                    return Err(bad(format!("extension {oid}: {error}")))
                }
                ParsedExtension::CRLNumber(_) => {
                    let v = integer_content(ext.value)
                        .ok_or_else(|| bad("CRLNumber is not an INTEGER".into()))?;
                    out.number = Some(hex(&v));
                    out.number_value = Some(v);
                    out.number_critical = ext.critical;
                }
                ParsedExtension::AuthorityKeyIdentifier(_) => {}
                _ if oid == OID_DELTA_CRL_INDICATOR => {
                    out.delta_base = Some(
                        integer_content(ext.value)
                            .ok_or_else(|| bad("deltaCRLIndicator is not an INTEGER".into()))?,
                    );
                }
                _ if oid == OID_FRESHEST_CRL => {} // where deltas are; we are given them
                _ if ext.critical => {
                    out.unknown_critical
                        .get_or_insert(format!("critical CRL extension {oid}"));
                }
                _ => {}
            }
        }
        let mut current_issuer = 0;
        for r in crl.iter_revoked_certificates() {
            for e in r.extensions() {
                let oid = e.oid.to_id_string();
                match e.parsed_extension() {
                    ParsedExtension::ReasonCode(_) | ParsedExtension::InvalidityDate(_) => {}
                    _ if oid == OID_CERTIFICATE_ISSUER => {
                        // GeneralNames has the syntax of subjectAltName.
                        let (_, names) =
                            SubjectAlternativeName::from_der(e.value).map_err(|err| {
                                bad(format!("certificateIssuer entry extension: {err}"))
                            })?;
                        let names = names
                            .general_names
                            .iter()
                            .map(GeneralName::from_x509)
                            .collect::<Result<Vec<_>, _>>()
                            .map_err(|m| bad(format!("certificateIssuer: {m}")))?;
                        out.entry_issuers.push(names);
                        current_issuer = out.entry_issuers.len() - 1;
                    }
                    _ if e.critical => {
                        out.unknown_critical
                            .get_or_insert(format!("critical CRL entry extension {oid}"));
                    }
                    _ => {}
                }
            }
            out.entries.push(Entry {
                serial: r.raw_serial().to_vec(),
                reason: r.reason_code().map(|(_, c)| c.0),
                revoked_at: r.revocation_date.timestamp(),
                issuer: current_issuer,
            });
        }
        Ok(out)
    }

    pub(crate) fn is_delta(&self) -> bool {
        self.delta_base.is_some()
    }

    pub(crate) fn is_indirect(&self) -> bool {
        self.idp.as_ref().is_some_and(|i| i.indirect)
    }

    /// "CRL of ISSUER (number N)" for messages.
    pub(crate) fn describe(&self) -> String {
        let kind = if self.is_delta() { "delta CRL" } else { "CRL" };
        match &self.number {
            Some(n) => format!("{kind} of {} (number {n})", self.issuer.text()),
            None => format!("{kind} of {}", self.issuer.text()),
        }
    }

    /// The entry listing the certificate with this issuer and serial.
    pub(crate) fn find(&self, issuer: &Name, serial: &[u8]) -> Option<&Entry> {
        self.entries.iter().find(|e| {
            e.serial == serial
                && self.entry_issuers[e.issuer].iter().any(|g| match g {
                    GeneralName::Directory(n) => crate::name::dn::equal(n, issuer),
                    _ => false,
                })
        })
    }
}
