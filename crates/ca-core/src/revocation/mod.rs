//! Revocations recorded in a CA directory, and the CRLs made from them.
//!
//! ```text
//! CA_DIR/revoked.jsonl        one JSON object per revoked certificate
//! CA_DIR/crl/NAME.pem         the latest CRL of the CA named NAME
//! CA_DIR/crl/NAME.number      the last CRL number NAME used
//! ```
//!
//! Every change happens under the CA directory's exclusive lock, and each
//! file is replaced atomically (a new file renamed over the old one), so a
//! crash leaves either the old state or the new one.

mod crl;
mod fixture;
mod reason;
mod target;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use crl::{build_crl, crl_pem, write_crl, CrlMade};
pub use fixture::{revoked_fixture, RevokedFixture};
pub use reason::RevocationReason;
pub use target::{resolve, Target, TargetProblem};

use crate::atomic::{self, FileMode, Overwrite};
use crate::cert::CertDer;
use crate::error::{Error, Result};
use crate::serial::Serial;
use crate::store::{CaDir, ROOT};
use crate::validity::{parse_rfc3339, rfc3339};

/// One revoked certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    pub serial: Serial,
    /// The name of the CA that issued it (`root` or an intermediate's).
    pub issuer: String,
    pub reason: RevocationReason,
    /// RFC 3339.
    pub revoked_at: String,
}

impl Revocation {
    pub fn revoked_at_time(&self) -> Result<OffsetDateTime> {
        parse_rfc3339(&self.revoked_at)
    }
}

fn list_path(ca_dir: &CaDir) -> PathBuf {
    ca_dir.path().join("revoked.jsonl")
}

/// Every revocation recorded in the directory, oldest first.
pub fn revocations(ca_dir: &CaDir) -> Result<Vec<Revocation>> {
    if !ca_dir.path().exists() {
        return Ok(Vec::new());
    }
    let _lock = ca_dir.lock_shared()?;
    read_list(&list_path(ca_dir))
}

/// Reads the list; the caller holds the lock.
fn read_list(path: &Path) -> Result<Vec<Revocation>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(path, "read the revocation list", e)),
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| {
                Error::ca_dir(
                    Some(path),
                    format!(
                        "line {} is not a revocation record ({e}); repair or restore the file",
                        i + 1
                    ),
                )
            })
        })
        .collect()
}

/// Records that the certificate `serial`, issued by the CA named `issuer`,
/// is revoked. Refused when it already is.
pub fn revoke(
    ca_dir: &CaDir,
    serial: &Serial,
    issuer: &str,
    reason: RevocationReason,
    now: OffsetDateTime,
) -> Result<Revocation> {
    if !ca_dir.is_initialized() {
        return Err(Error::NoCa {
            path: ca_dir.path().to_path_buf(),
        });
    }
    let _lock = ca_dir.lock()?;
    let path = list_path(ca_dir);
    let mut list = read_list(&path)?;
    if let Some(done) = list
        .iter()
        .find(|r| &r.serial == serial && r.issuer == issuer)
    {
        return Err(Error::Refused(format!(
            "the certificate with serial {serial} is already revoked (since {}, reason {})",
            done.revoked_at, done.reason
        )));
    }
    let record = Revocation {
        serial: serial.clone(),
        issuer: issuer.to_string(),
        reason,
        revoked_at: rfc3339(now),
    };
    list.push(record.clone());
    let mut text = String::new();
    for r in &list {
        text.push_str(&serde_json::to_string(r).expect("revocations serialise"));
        text.push('\n');
    }
    atomic::write_file(&path, text.as_bytes(), FileMode::Public, Overwrite::Replace)?;
    Ok(record)
}

/// Which of this directory's CAs issued `cert`: by the index when it is
/// recorded there byte for byte, else by the CA whose name is the
/// certificate's issuer name and whose key verifies its signature (a
/// certificate an imported CA issued before the import). `Err(name)` when
/// the names match but the signature does not verify with that CA's key: a
/// tampered certificate, or one another CA with the same name issued.
pub fn issuer_of(
    ca_dir: &CaDir,
    cert: &CertDer,
) -> Result<Option<std::result::Result<String, String>>> {
    let serial = cert.info().serial;
    if let Some(entry) = ca_dir.index()?.find(&serial) {
        if entry.sha256 == cert.sha256() {
            return Ok(Some(Ok(entry.issuer.clone())));
        }
    }
    let parsed = cert.parsed();
    let mut names = vec![ROOT.to_string()];
    names.extend(ca_dir.intermediates()?);
    let mut same_name = None;
    for name in names {
        let path = ca_dir.cert_path(&name);
        if !path.is_file() {
            continue;
        }
        let ca = CertDer::read_file(&path)?;
        let ca_parsed = ca.parsed();
        if ca_parsed.subject().as_raw() != parsed.issuer().as_raw() || ca == *cert {
            continue;
        }
        // RFC 5280 6.1.3 (a)(1): the signature, not the name, says who issued it.
        if parsed
            .verify_signature(Some(ca_parsed.public_key()))
            .is_ok()
        {
            return Ok(Some(Ok(name)));
        }
        same_name.get_or_insert(name);
    }
    Ok(same_name.map(Err))
}
