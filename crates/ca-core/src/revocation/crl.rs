//! Signed CRLs (RFC 5280 section 5): version 2, with the authority key
//! identifier of the issuing CA, a CRL number that grows by one with each
//! CRL a CA makes, thisUpdate/nextUpdate, and a reason code per entry.

use std::path::PathBuf;

use rcgen::{CertificateRevocationListParams, KeyIdMethod, RevokedCertParams, SerialNumber};
use time::{Duration, OffsetDateTime};
use x509_parser::extensions::ParsedExtension;

use super::{list_path, read_list, Revocation};
use crate::atomic::{self, FileMode, Overwrite};
use crate::error::{Error, Result};
use crate::issuer::Issuer;
use crate::store::CaDir;

/// A CRL just made.
#[derive(Debug, Clone)]
pub struct CrlMade {
    pub pem: String,
    pub der: Vec<u8>,
    /// Where the directory keeps the latest CRL of this CA.
    pub path: PathBuf,
    pub number: u64,
    pub this_update: OffsetDateTime,
    pub next_update: OffsetDateTime,
    /// The entries it lists.
    pub revoked: Vec<Revocation>,
}

/// Signs a CRL listing `revoked` with `issuer`'s key.
pub fn build_crl(
    issuer: &Issuer,
    revoked: &[Revocation],
    number: u64,
    this_update: OffsetDateTime,
    next_update: OffsetDateTime,
) -> Result<Vec<u8>> {
    let revoked_certs = revoked
        .iter()
        .map(|r| {
            Ok(RevokedCertParams {
                serial_number: SerialNumber::from_slice(r.serial.as_bytes()),
                revocation_time: r.revoked_at_time()?,
                reason_code: r.reason.to_rcgen(),
                invalidity_date: None,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let params = CertificateRevocationListParams {
        this_update,
        next_update,
        crl_number: SerialNumber::from(number),
        issuing_distribution_point: None,
        revoked_certs,
        key_identifier_method: authority_key_id(issuer),
    };
    Ok(params.signed_by(issuer.rcgen_issuer())?.der().to_vec())
}

/// PEM (`-----BEGIN X509 CRL-----`), LF line endings.
pub fn crl_pem(der: &[u8]) -> String {
    crate::pem_text::encode("X509 CRL", der)
}

/// The CA certificate's own subject key identifier, so the CRL's AKI
/// matches it even for an imported CA that derived it another way.
fn authority_key_id(issuer: &Issuer) -> KeyIdMethod {
    let cert = issuer.cert().parsed();
    cert.extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(ski) => {
                Some(KeyIdMethod::PreSpecified(ski.0.to_vec()))
            }
            _ => None,
        })
        .unwrap_or(KeyIdMethod::Sha256)
}

/// Makes the next CRL of the CA named `name` (loaded as `issuer`), valid
/// for `days` from `now`, and keeps it as `CA_DIR/crl/NAME.pem`.
pub fn write_crl(
    ca_dir: &CaDir,
    name: &str,
    issuer: &Issuer,
    days: u32,
    now: OffsetDateTime,
) -> Result<CrlMade> {
    if days == 0 {
        return Err(Error::Profile("a CRL must last at least 1 day".into()));
    }
    let this_update = now.replace_nanosecond(0).unwrap_or(now);
    let next_update = this_update
        .checked_add(Duration::days(i64::from(days)))
        .ok_or_else(|| {
            Error::Profile("nextUpdate must be before the year 10000; give fewer days".into())
        })?;
    let _lock = ca_dir.lock()?;
    let revoked: Vec<Revocation> = read_list(&list_path(ca_dir))?
        .into_iter()
        .filter(|r| r.issuer == name)
        .collect();
    let dir = ca_dir.path().join("crl");
    atomic::create_private_dir(&dir)?;
    let number_path = dir.join(format!("{name}.number"));
    let last = match std::fs::read_to_string(&number_path) {
        Ok(text) => text.trim().parse::<u64>().map_err(|_| {
            Error::ca_dir(
                Some(&number_path),
                "not a CRL number; it must hold the last number used (restore it)",
            )
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
        Err(e) => return Err(Error::io(&number_path, "read the CRL number", e)),
    };
    let number = last + 1;
    let der = build_crl(issuer, &revoked, number, this_update, next_update)?;
    let pem = crl_pem(&der);
    // The number first: a crash after it skips a number, never reuses one.
    atomic::write_file(
        &number_path,
        format!("{number}\n").as_bytes(),
        FileMode::Public,
        Overwrite::Replace,
    )?;
    let path = dir.join(format!("{name}.pem"));
    atomic::write_file(&path, pem.as_bytes(), FileMode::Public, Overwrite::Replace)?;
    Ok(CrlMade {
        pem,
        der,
        path,
        number,
        this_update,
        next_update,
        revoked,
    })
}
