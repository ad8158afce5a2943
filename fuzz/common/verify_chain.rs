//! The small real chain the `verify_*` targets check against, made once with openssl
//! (P-256; see README.md): root -> intermediate (pathlen 0, permits example.com) -> leaf for
//! example.com, and the intermediate's CRL revoking a second leaf.

#![allow(dead_code)] // each target uses a different part

use ca_verify::{ExpectedName, Profile, VerifyOptions};

pub const ROOT: &[u8] = include_bytes!("../seeds/verify/root.der");
pub const INTERMEDIATE: &[u8] = include_bytes!("../seeds/verify/intermediate.der");
pub const LEAF: &[u8] = include_bytes!("../seeds/verify/leaf.der");
pub const REVOKED_LEAF: &[u8] = include_bytes!("../seeds/verify/revoked-leaf.der");
pub const CRL: &[u8] = include_bytes!("../seeds/verify/intermediate.crl.der");

/// 2027-06-01T00:00:00Z, inside every validity period of the chain and the CRL.
pub const NOW_UNIX: i64 = 1_811_808_000;

pub fn server_options(crls: Vec<Vec<u8>>, profile: Profile) -> VerifyOptions {
    let now = time::OffsetDateTime::from_unix_timestamp(NOW_UNIX).unwrap();
    let mut opts = VerifyOptions::server(now, Some(ExpectedName::Dns("example.com".into())));
    opts.crls = crls;
    // The seed chain has the intermediate's CRL only: with the default (every certificate but
    // the anchor, fail closed) no leaf could ever verify, and the leaf's revocation lookup is
    // what the targets exercise.
    opts.revocation.scope = ca_verify::RevocationScope::LeafOnly;
    opts.profile = profile;
    opts
}
