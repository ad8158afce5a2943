//! The certificates of a path, for the walk `--explain` prints: the verified
//! path, or the failing candidate path the verifier's error carries.

use ca_verify::{Certificate, PathCert, Role, VerifiedPath, VerifyError};

/// One certificate of the walk.
pub struct Step {
    pub role: Role,
    pub subject: String,
    /// The certificate (always known now that the verifier reports the path).
    pub cert: Option<Certificate>,
    /// For a trust anchor: where it was found.
    pub source: Option<String>,
    /// How many distinct certificates given bear this subject and role; above 1, the
    /// verifier does not say which it was, and `cert` is the one it tries first.
    pub namesakes: usize,
}

impl Step {
    fn of(pc: &PathCert) -> Step {
        Step {
            role: pc.role,
            subject: pc.cert.subject().to_string(),
            cert: Some(pc.cert.clone()),
            source: pc.source.clone(),
            namesakes: 1,
        }
    }
}

pub fn valid_path(path: &VerifiedPath) -> Vec<Step> {
    path.certificates().iter().map(Step::of).collect()
}

/// The path the failure was found on, as the verifier reports it (`VerifyError::path`).
pub fn failing_path(e: &VerifyError) -> Vec<Step> {
    e.path().iter().map(Step::of).collect()
}
