//! The CRL signer (RFC 5280 6.3.3 (f), (g)): the certificate whose key verifies a CRL, named
//! as its issuer, allowed to sign CRLs (cRLSign), with a valid path of its own to the same
//! trust anchor as the certificate being checked (and its own revocation checked). It may be
//! the certificate's issuer on the path, a separate CRL-signing certificate of the same CA, or
//! the other key of a self-issued key rollover.

use crate::cert::{Certificate, PublicKey};
use crate::name::dn;
use crate::signature::verify_signed;

use super::crl::Crl;
use super::status::UnknownRevocation;
use super::Env;

const KU_CRL_SIGN: u16 = 1 << 6;

/// Nested CRL-signer path validations allowed (a signer whose CRL has a signer ...).
const MAX_NESTING: usize = 4;

/// What validating one CRL signer's path costs of the revocation work budget (a CRL signature
/// check costs 1): at most 16 signer paths per verification.
const SIGNER_PATH_COST: usize = 25;

/// A CRL signer found valid.
#[derive(Clone, Debug)]
pub(crate) struct Signer {
    pub(crate) subject: String,
    /// Its certificate, whose key verified the CRL (and verifies its delta CRLs).
    pub(crate) cert: Certificate,
}

/// The state of a (CRL, anchor) signer search, shared across nested validations.
#[derive(Clone, Debug)]
pub(crate) enum SignerState {
    /// Being validated further up the stack: this candidate, whose key verified the CRL.
    /// A CRL signer whose own certificate is covered by the CRL it signs (an indirect CRL's
    /// issuer, PKITS 4.14.30) is reached again here; its path is still being checked below.
    InProgress(Signer),
    Done(Result<Signer, UnknownRevocation>),
}

/// Whether the key of `signer` verifies the CRL's signature (cached, charged to the work
/// budget).
pub(crate) fn verifies(
    env: &Env<'_>,
    crl_index: usize,
    crl: &Crl,
    signer: &Certificate,
) -> Result<bool, UnknownRevocation> {
    let cache_key = (crl_index, key_bytes(signer));
    if let Some(&v) = env.shared.signatures.borrow().get(&cache_key) {
        return Ok(v);
    }
    env.shared.charge(1)?;
    let ok = verify_signed(env.backend, &crl.alg, &crl.tbs, &crl.signature, signer).is_ok();
    env.shared.signatures.borrow_mut().insert(cache_key, ok);
    Ok(ok)
}

/// The bytes that identify a key, for the signature cache.
fn key_bytes(c: &Certificate) -> Vec<u8> {
    let part = |r: &std::ops::Range<usize>| c.der.get(r.clone()).unwrap_or_default().to_vec();
    match &c.public_key {
        PublicKey::Rsa { der, .. } => part(der),
        PublicKey::Ec { point, .. } => part(point),
        PublicKey::Ed25519(k) => part(k),
        PublicKey::MlDsa { key, .. } => part(key),
        PublicKey::Unusable(why) => why.as_bytes().to_vec(),
    }
}

fn crl_sign_allowed(c: &Certificate) -> bool {
    c.ext
        .key_usage
        .as_ref()
        .is_none_or(|k| k.value & KU_CRL_SIGN != 0)
}

/// Finds the valid signer of CRL `crl_index`. `path_issuer` is the issuer of the certificate
/// being checked on the path under validation: already validated by it, so it needs no path of
/// its own.
pub(crate) fn find(
    env: &Env<'_>,
    crl_index: usize,
    crl: &Crl,
    path_issuer: &Certificate,
) -> Result<Signer, UnknownRevocation> {
    let mut problem: Option<UnknownRevocation> = None;
    let signer = |c: &Certificate, role: &str| Signer {
        subject: format!("{} ({role})", c.subject.text()),
        cert: c.clone(),
    };
    let lacks_crl_sign = |c: &Certificate| UnknownRevocation::CrlSignerLacksCrlSign {
        crl: crl.describe(),
        signer: c.subject.text().to_string(),
    };
    let anchor = &env.anchor[0].cert;
    // The path issuer and the trust anchor are validated already.
    for (c, role) in [
        (path_issuer, "the certificate's issuer on the path"),
        (anchor, "the trust anchor"),
    ] {
        if dn::equal(&c.subject, &crl.issuer) && verifies(env, crl_index, crl, c)? {
            if crl_sign_allowed(c) {
                return Ok(signer(c, role));
            }
            problem.get_or_insert_with(|| lacks_crl_sign(c));
        }
    }
    let cache_key = (crl_index, anchor as *const Certificate as usize);
    if let Some(state) = env.shared.signers.borrow().get(&cache_key) {
        return match state {
            SignerState::InProgress(s) => Ok(s.clone()),
            SignerState::Done(r) => r.clone().map_err(|u| problem.clone().unwrap_or(u)),
        };
    }
    let result = find_in_pool(env, crl_index, crl, cache_key, &mut problem);
    env.shared
        .signers
        .borrow_mut()
        .insert(cache_key, SignerState::Done(result.clone()));
    result
}

fn find_in_pool(
    env: &Env<'_>,
    crl_index: usize,
    crl: &Crl,
    cache_key: (usize, usize),
    problem: &mut Option<UnknownRevocation>,
) -> Result<Signer, UnknownRevocation> {
    for c in env
        .pool
        .iter()
        .filter(|c| dn::equal(&c.subject, &crl.issuer))
    {
        if !verifies(env, crl_index, crl, c)? {
            continue;
        }
        if !crl_sign_allowed(c) {
            problem.get_or_insert_with(|| UnknownRevocation::CrlSignerLacksCrlSign {
                crl: crl.describe(),
                signer: c.subject.text().to_string(),
            });
            continue;
        }
        if env.nesting >= MAX_NESTING {
            return Err(UnknownRevocation::CrlSignerInvalid {
                crl: crl.describe(),
                why: format!("CRL signers nested more than {MAX_NESTING} deep"),
            });
        }
        // A signer path is a whole path search: it costs as much as many signatures.
        env.shared.charge(SIGNER_PATH_COST)?;
        let s = Signer {
            subject: format!(
                "{} (a separate certificate, serial {}, its own path validated)",
                c.subject.text(),
                c.serial_hex()
            ),
            cert: c.clone(),
        };
        env.shared
            .signers
            .borrow_mut()
            .insert(cache_key, SignerState::InProgress(s.clone()));
        match crate::path::validate_crl_signer(env, c) {
            Ok(()) => return Ok(s),
            Err(e) => {
                // A signer with a bad path is a reason to report whatever came before.
                let why = UnknownRevocation::CrlSignerInvalid {
                    crl: crl.describe(),
                    why: format!(
                        "its certificate {} (serial {}) does not validate: {e}",
                        c.subject.text(),
                        c.serial_hex()
                    ),
                };
                if problem
                    .as_ref()
                    .is_none_or(|p| !matches!(p, UnknownRevocation::CrlSignerInvalid { .. }))
                {
                    *problem = Some(why);
                }
            }
        }
    }
    Err(problem
        .clone()
        .unwrap_or_else(|| UnknownRevocation::CrlSignatureInvalid {
            crl: crl.describe(),
        }))
}
