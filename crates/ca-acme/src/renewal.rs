//! ACME Renewal Information (ARI, RFC 9773): the `renewalInfo` resource
//! answering a suggested renewal window per certificate, and the
//! `replaces` field of newOrder.

use ca_core::{CertDer, Serial};
use serde_json::{json, Value};
use time::OffsetDateTime;
use x509_parser::extensions::ParsedExtension;

use crate::jws::{b64decode, b64encode};
use crate::problem::{AcmeResult, Problem, ProblemType};
use crate::resources::{rfc3339, CertRecord, Order};
use crate::service::{AcmeService, Response};

/// How often clients should ask again (RFC 9773 §4.3: Retry-After; six
/// hours is the value the RFC's examples use).
const ARI_RETRY_AFTER_SECS: u64 = 6 * 3600;

/// The ARI certificate identifier (RFC 9773 §4.1): base64url of the
/// authorityKeyIdentifier's keyIdentifier, ".", base64url of the serial
/// number's DER content octets.
pub fn cert_id(leaf: &CertDer) -> Option<String> {
    let parsed = leaf.parsed();
    let aki = parsed
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(aki) => aki.key_identifier.as_ref(),
            _ => None,
        })?;
    Some(format!(
        "{}.{}",
        b64encode(aki.0),
        b64encode(parsed.raw_serial())
    ))
}

/// The suggested window (RFC 9773 §4.2): from two thirds to five sixths
/// of the certificate's life, so that renewal happens well before expiry;
/// for a revoked certificate a window already past, meaning "now".
pub fn suggested_window(
    leaf: &CertDer,
    revoked: bool,
    now: OffsetDateTime,
) -> (OffsetDateTime, OffsetDateTime) {
    if revoked {
        return (now - time::Duration::HOUR * 2, now - time::Duration::HOUR);
    }
    let info = leaf.info();
    let life = info.not_after - info.not_before;
    (
        info.not_before + life * 2 / 3,
        info.not_before + life * 5 / 6,
    )
}

impl AcmeService {
    /// The certificate a certID names (RFC 9773 §4.1), issued here.
    pub(crate) fn cert_by_cert_id(&self, id: &str) -> AcmeResult<(CertRecord, CertDer)> {
        let (aki, serial) = id.split_once('.').ok_or_else(|| {
            Problem::malformed(format!(
                "{id:?} is not a certID (base64url keyIdentifier \".\" base64url serial, RFC 9773 §4.1)"
            ))
        })?;
        let aki = b64decode("the certID's keyIdentifier", aki)?;
        let serial = b64decode("the certID's serial", serial)?;
        if aki.is_empty() || serial.is_empty() || serial.len() > 21 {
            return Err(Problem::malformed(
                "the certID's parts are empty or too long",
            ));
        }
        let unknown = || Problem::not_found("certificate issued by this server for that certID");
        let record = self
            .storage
            .cert_by_serial(&Serial::from_be_bytes(&serial).to_hex())?
            .ok_or_else(unknown)?;
        let leaf = CertDer::parse(record.chain_pem.as_bytes())
            .map_err(|e| Problem::internal(format!("a stored certificate does not parse: {e}")))?;
        if cert_id(&leaf).as_deref() != Some(id) {
            return Err(unknown());
        }
        Ok((record, leaf))
    }

    /// GET renewalInfo/<certID> (RFC 9773 §4.2): unauthenticated.
    pub(crate) fn renewal_info(&self, id: &str) -> AcmeResult<Response> {
        let (record, leaf) = self.cert_by_cert_id(id)?;
        let (start, end) = suggested_window(&leaf, record.revoked, (self.clock)());
        Ok(Response::json(
            200,
            &json!({"suggestedWindow": {
                "start": rfc3339(start.unix_timestamp()),
                "end": rfc3339(end.unix_timestamp()),
            }}),
        )
        .with_header("Retry-After", ARI_RETRY_AFTER_SECS.to_string()))
    }

    /// newOrder's `replaces` (RFC 9773 §5): the certificate must be one
    /// this account was issued, share an identifier with the order, and
    /// not be replaced already (alreadyReplaced).
    pub(crate) fn check_replaces(
        &self,
        payload: &serde_json::Map<String, Value>,
        account_id: &str,
        order_values: &[String],
    ) -> AcmeResult<Option<String>> {
        let Some(value) = payload.get("replaces") else {
            return Ok(None);
        };
        let id = value
            .as_str()
            .ok_or_else(|| Problem::malformed("replaces must be a certID string"))?;
        let (record, leaf) = self.cert_by_cert_id(id)?;
        if record.account_id != account_id {
            return Err(Problem::unauthorized(
                "replaces names a certificate of another account",
            ));
        }
        if !leaf
            .info()
            .names
            .iter()
            .any(|n| order_values.iter().any(|v| n.eq_ignore_ascii_case(v)))
        {
            return Err(Problem::malformed(
                "replaces names a certificate that shares no identifier with this order",
            ));
        }
        if record.replaced {
            return Err(Problem::new(
                ProblemType::AlreadyReplaced,
                "that certificate was already replaced by another order",
            )
            .with_status(409));
        }
        Ok(Some(id.to_string()))
    }

    /// After finalize: the certificate the order replaces is marked so.
    pub(crate) fn mark_replaced(&self, order: &Order) -> AcmeResult<()> {
        if let Some(id) = &order.replaces {
            if let Ok((mut record, _)) = self.cert_by_cert_id(id) {
                record.replaced = true;
                self.storage.put_cert(&record)?;
            }
        }
        Ok(())
    }
}
