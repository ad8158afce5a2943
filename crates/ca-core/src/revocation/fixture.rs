//! A revoked leaf for test suites: a root, an intermediate, a server leaf
//! it issued and then revoked, and the CRLs that say so. Made in memory,
//! independent of any CA directory.

use time::{Duration, OffsetDateTime};

use super::{build_crl, Revocation, RevocationReason};
use crate::context::IssueContext;
use crate::error::{Error, Result};
use crate::issuer::{Issued, Issuer};
use crate::profile::{CaOptions, LeafOptions};
use crate::validity::rfc3339;

/// Everything a revocation test needs.
#[derive(Debug)]
pub struct RevokedFixture {
    pub root: Issuer,
    pub intermediate: Issuer,
    /// The revoked leaf, its key and chain (leaf then intermediate).
    pub leaf: Issued,
    /// The intermediate's CRL, listing the leaf.
    pub crl_der: Vec<u8>,
    /// The root's CRL, listing nothing (for checks of the whole chain).
    pub root_crl_der: Vec<u8>,
    pub revocation: Revocation,
}

/// A server leaf for `names`, revoked for `reason` one minute before `now`,
/// with CRLs valid from `now` for `days`.
pub fn revoked_fixture<S: AsRef<str>>(
    names: &[S],
    reason: RevocationReason,
    days: u32,
    now: OffsetDateTime,
) -> Result<RevokedFixture> {
    let root_options = CaOptions {
        common_name: Some("ca revoked-fixture root".into()),
        ..Default::default()
    };
    let at = IssueContext::at(now);
    let (root, _) = Issuer::new_root(&root_options, &at)?;
    let (intermediate, _) = root.new_intermediate(
        &CaOptions {
            common_name: Some("ca revoked-fixture intermediate".into()),
            ..Default::default()
        },
        "revoked-fixture",
        &at,
    )?;
    let leaf = intermediate.issue(&LeafOptions::server(names)?, &at)?;
    let this_update = now.replace_nanosecond(0).unwrap_or(now);
    let next_update = this_update
        .checked_add(Duration::days(i64::from(days.max(1))))
        .ok_or_else(|| {
            Error::Profile("nextUpdate must be before the year 10000; give fewer days".into())
        })?;
    let revocation = Revocation {
        serial: leaf.cert.info().serial,
        issuer: "revoked-fixture".into(),
        reason,
        revoked_at: rfc3339(this_update - Duration::minutes(1)),
    };
    let crl_der = build_crl(
        &intermediate,
        std::slice::from_ref(&revocation),
        1,
        this_update,
        next_update,
    )?;
    let root_crl_der = build_crl(&root, &[], 1, this_update, next_update)?;
    Ok(RevokedFixture {
        root,
        intermediate,
        leaf,
        crl_der,
        root_crl_der,
        revocation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_parser::prelude::FromDer;
    use x509_parser::revocation_list::CertificateRevocationList;

    #[test]
    fn the_crl_lists_the_leaf_with_its_reason() {
        let now = OffsetDateTime::now_utc();
        let f =
            revoked_fixture(&["revoked.test"], RevocationReason::KeyCompromise, 7, now).unwrap();
        let (_, crl) = CertificateRevocationList::from_der(&f.crl_der).unwrap();
        let entries: Vec<_> = crl.iter_revoked_certificates().collect();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].raw_serial(), f.leaf.cert.parsed().raw_serial());
        assert_eq!(crl.crl_number().map(|n| n.to_string()), Some("1".into()));
        assert_eq!(
            crl.issuer().as_raw(),
            f.intermediate.cert().parsed().subject().as_raw()
        );
        let (_, root_crl) = CertificateRevocationList::from_der(&f.root_crl_der).unwrap();
        assert_eq!(root_crl.iter_revoked_certificates().count(), 0);
    }
}
