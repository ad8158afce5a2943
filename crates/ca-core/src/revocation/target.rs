//! Which certificate a revocation is about, and which of the directory's
//! CAs issued it (the one whose CRL will list it, RFC 5280 5.1).

use std::path::Path;

use super::issuer_of;
use crate::cert::CertDer;
use crate::error::Result;
use crate::profile::CertProfile;
use crate::serial::Serial;
use crate::store::{CaDir, ROOT};

/// What to revoke: a serial number, or a certificate file.
#[derive(Debug, Clone)]
pub enum Target {
    Serial(Serial),
    Certificate(CertDer),
}

impl Target {
    /// A path to an existing file is a certificate file; anything else must
    /// be a serial in hex. `None` when it is neither.
    pub fn parse(text: &str) -> Result<Option<Target>> {
        let path = Path::new(text);
        if path.exists() {
            return Ok(Some(Target::Certificate(CertDer::read_file(path)?)));
        }
        Ok(Serial::from_hex(text).map(Target::Serial))
    }
}

/// Why a target cannot be revoked as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetProblem {
    /// The root CA: no CRL above it can list it.
    Root,
    /// A serial the index does not know, and no issuer was named.
    UnknownSerial(Serial),
    /// A certificate none of the directory's CAs issued.
    NotIssuedHere,
    /// A certificate that names this CA as its issuer, is not the one
    /// recorded in the index, and whose signature the CA's key does not
    /// verify: altered, or issued by another CA with the same name.
    NotSignedBy(String),
    /// The issuer named is not the one that issued it.
    OtherIssuer { serial: Serial, found: String },
    /// The issuer named does not exist in the directory.
    NoSuchCa(String),
}

/// The serial to revoke and the name of the CA that issued it. `issuer`
/// is the name the caller gave, if any: it must agree with the index, and
/// is trusted for serials the index does not know.
pub fn resolve(
    ca_dir: &CaDir,
    target: &Target,
    issuer: Option<&str>,
) -> Result<std::result::Result<(Serial, String), TargetProblem>> {
    let (serial, found) = match target {
        Target::Serial(serial) => {
            let index = ca_dir.index()?;
            let entry = index.find(serial);
            if entry.is_some_and(|e| e.profile == CertProfile::Root) {
                return Ok(Err(TargetProblem::Root));
            }
            (serial.clone(), entry.map(|e| e.issuer.clone()))
        }
        Target::Certificate(cert) => {
            if *cert == CertDer::read_file(&ca_dir.cert_path(ROOT))? {
                return Ok(Err(TargetProblem::Root));
            }
            let found = match issuer_of(ca_dir, cert)? {
                Some(Ok(found)) => found,
                Some(Err(ca)) => return Ok(Err(TargetProblem::NotSignedBy(ca))),
                None => return Ok(Err(TargetProblem::NotIssuedHere)),
            };
            (cert.info().serial, Some(found))
        }
    };
    let issuer = match (issuer, found) {
        (Some(given), Some(found)) if given != found => {
            return Ok(Err(TargetProblem::OtherIssuer { serial, found }));
        }
        (Some(given), _) => given.to_string(),
        (None, Some(found)) => found,
        (None, None) => return Ok(Err(TargetProblem::UnknownSerial(serial))),
    };
    if issuer != ROOT && !ca_dir.cert_path(&issuer).is_file() {
        return Ok(Err(TargetProblem::NoSuchCa(issuer)));
    }
    Ok(Ok((serial, issuer)))
}
