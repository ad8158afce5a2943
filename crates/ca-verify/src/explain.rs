//! The verified path and the record of every check made on it (for `--explain`).

use crate::cert::Certificate;
use crate::error::{Reason, Role};

/// One check made on one certificate of the path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckRecord {
    /// Position in the path (0 = leaf).
    pub position: usize,
    /// What was checked ("signature", "validity", "name constraints", ...).
    pub check: &'static str,
    /// Whether it passed.
    pub passed: bool,
    /// What was found: the key and algorithm that verified a signature, the validity window
    /// against the time, the constraint that applied, or the failure.
    pub detail: String,
}

/// Collects check records when explaining; does nothing (and formats nothing) otherwise.
pub(crate) struct Log<'a> {
    records: Option<&'a mut Vec<CheckRecord>>,
    pub(crate) position: usize,
}

impl<'a> Log<'a> {
    pub(crate) fn silent() -> Log<'static> {
        Log {
            records: None,
            position: 0,
        }
    }

    pub(crate) fn recording(records: &'a mut Vec<CheckRecord>) -> Self {
        Log {
            records: Some(records),
            position: 0,
        }
    }

    pub(crate) fn step(
        &mut self,
        check: &'static str,
        result: Result<(), Reason>,
        detail: impl FnOnce() -> String,
    ) -> Result<(), Reason> {
        if let Some(r) = self.records.as_deref_mut() {
            let (passed, detail) = match &result {
                Ok(()) => (true, detail()),
                Err(e) => (false, e.to_string()),
            };
            r.push(CheckRecord {
                position: self.position,
                check,
                passed,
                detail,
            });
        }
        result
    }
}

/// A certificate on the verified path.
#[derive(Clone, Debug)]
pub struct PathCert {
    /// The certificate.
    pub cert: Certificate,
    /// Its role on the path.
    pub role: Role,
    /// For the trust anchor: where it came from, as given to `TrustAnchor::with_source`.
    pub source: Option<String>,
}

/// A valid path from the leaf to a trust anchor, with the record of the checks that passed.
#[derive(Clone, Debug)]
pub struct VerifiedPath {
    pub(crate) certs: Vec<PathCert>,
    pub(crate) checks: Vec<CheckRecord>,
}

impl VerifiedPath {
    /// The path: leaf first, then the intermediates used, then the trust anchor.
    pub fn certificates(&self) -> &[PathCert] {
        &self.certs
    }

    /// The leaf.
    pub fn leaf(&self) -> &Certificate {
        &self.certs[0].cert
    }

    /// The trust anchor the path ends at.
    pub fn anchor(&self) -> &PathCert {
        &self.certs[self.certs.len() - 1]
    }

    /// The intermediates used, leaf side first.
    pub fn intermediates(&self) -> impl Iterator<Item = &Certificate> {
        self.certs[1..self.certs.len() - 1].iter().map(|c| &c.cert)
    }

    /// Every check made, in order, per certificate.
    pub fn checks(&self) -> &[CheckRecord] {
        &self.checks
    }
}
