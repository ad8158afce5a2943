//! Checks the chain of an imported CA certificate: the CA first, then the
//! certificates that issued it, up to (optionally including) the root.
//!
//! Chains we issue must lead clients to the root they trust, so every
//! certificate given has to have signed the one before it; a bundle in the
//! wrong order or with a stray certificate is refused rather than stored.

use x509_parser::error::X509Error;

use crate::cert::CertDer;
use crate::compliance::{self, Issuing};
use crate::error::{Error, Result};

/// How an imported chain is held to the rulebook (`docs/rules.md`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportRules {
    /// Web PKI (CA/B Forum) rules refuse too, instead of warning (`--strict-webpki`).
    pub strict_webpki: bool,
    /// Import even a certificate that breaks a rule, each violation becoming a warning
    /// (`--accept-violations`): for a CA the user must keep using as it is.
    pub accept_violations: bool,
}

/// Runs the rulebook on every certificate given (the CA first, then its issuers, the root
/// last), as issuance runs it on what it makes: the top certificate as a trust anchor, the
/// others as intermediates verified up to it. Returns the warnings, or the first refusal
/// naming the certificate and the rule.
pub(super) fn check_rules(given: &[CertDer], rules: ImportRules) -> Result<Vec<String>> {
    let ders: Vec<&[u8]> = given.iter().map(CertDer::der).collect();
    let mut warnings = Vec::new();
    for (i, der) in ders.iter().enumerate() {
        let above = &ders[i + 1..];
        let what = if above.is_empty() {
            Issuing::Root
        } else {
            Issuing::Intermediate
        };
        let which = format!(
            "certificate {} (\"{}\") of --import-cert",
            i + 1,
            given[i].info().subject
        );
        match compliance::check_with_signatures(der, what, above, rules.strict_webpki) {
            Ok(found) => warnings.extend(found.into_iter().map(|w| format!("{which}: {w}"))),
            Err(Error::Refused(why)) => {
                let why = why.strip_prefix("not issued, ").unwrap_or(&why);
                if rules.accept_violations {
                    warnings.push(format!(
                        "{which} breaks {why}; imported anyway (--accept-violations)"
                    ));
                } else {
                    return Err(Error::Refused(format!(
                        "{which} is not imported: {why}. Import it anyway with \
                         --accept-violations if it must be used as it is"
                    )));
                }
            }
            Err(other) => return Err(other),
        }
    }
    Ok(warnings)
}

/// What an imported CA's chain comes to.
#[derive(Debug)]
pub(super) struct ImportedChain {
    /// The CA is a self-signed root, given alone: nothing more to keep.
    pub ca_is_root: bool,
    /// The issuers of the CA that go into chains, nearest first: all the
    /// certificates given after the CA except a self-signed root.
    pub issuers: Vec<CertDer>,
    /// The trust anchor: the self-signed root when given, else the top
    /// certificate given (the CA itself when it came alone).
    pub anchor: CertDer,
    pub warnings: Vec<String>,
}

/// Checks that each certificate in `given` (the CA first) was signed by
/// the next one, and that each of them is a CA.
pub(super) fn check_chain(mut given: Vec<CertDer>) -> Result<ImportedChain> {
    for (at, pair) in given.windows(2).enumerate() {
        let (child, parent) = (&pair[0], &pair[1]);
        if is_self_signed(child) {
            return Err(Error::cert_at(
                None,
                format!(
                    "certificate {} (\"{}\") is a self-signed root, so it must come last; \
                     give the CA certificate first, then its issuers in order up to the root",
                    at + 1,
                    child.info().subject
                ),
            ));
        }
        if !parent.parsed().is_ca() {
            return Err(Error::cert_at(
                None,
                format!(
                    "certificate {} (\"{}\") is not a CA certificate, so it cannot have issued \
                     certificate {}; give only the CA certificate and its issuers",
                    at + 2,
                    parent.info().subject,
                    at + 1
                ),
            ));
        }
        check_signed_by(child, parent, at + 1)?;
    }
    let top = given.last().expect("at least the CA certificate").clone();
    let mut warnings = Vec::new();
    let top_is_root = is_self_signed(&top);
    let ca_is_root = top_is_root && given.len() == 1;
    if top_is_root {
        given.pop();
    } else {
        warnings.push(format!(
            "no self-signed root was given: chains we issue end at \"{}\" (issued by \"{}\"), \
             and `root` paths point at it; append the root certificate to --import-cert so \
             that they point at the root clients trust",
            top.info().subject,
            top.info().issuer
        ));
    }
    if !given.is_empty() {
        // The CA itself is the issuer, not one of its issuers.
        given.remove(0);
    }
    Ok(ImportedChain {
        ca_is_root,
        issuers: given,
        anchor: top,
        warnings,
    })
}

fn check_signed_by(child: &CertDer, parent: &CertDer, at: usize) -> Result<()> {
    let parent_parsed = parent.parsed();
    let child_parsed = child.parsed();
    match crate::x509_signature::verify_x509_signature(
        parent_parsed.public_key(),
        &child_parsed.signature_algorithm,
        &child_parsed.signature_value.data,
        child_parsed.tbs_certificate.as_ref(),
    ) {
        Ok(()) => Ok(()),
        Err(X509Error::SignatureUnsupportedAlgorithm) => Err(Error::cert_at(
            None,
            format!(
                "cannot check that certificate {} (\"{}\") signed certificate {at}: its \
                 signature algorithm is not supported (RSA, ECDSA P-256/P-384/P-521, Ed25519 and ML-DSA are)",
                at + 1,
                parent.info().subject
            ),
        )),
        Err(_) => Err(Error::cert_at(
            None,
            format!(
                "certificate {} (\"{}\") did not sign certificate {at} (\"{}\", issued by \
                 \"{}\"); give the CA certificate first, then the certificate that issued it, \
                 and so on up to the root",
                at + 1,
                parent.info().subject,
                child.info().subject,
                child.info().issuer
            ),
        )),
    }
}

/// Issued by itself, and the signature checks with its own key.
pub(super) fn is_self_signed(cert: &CertDer) -> bool {
    let parsed = cert.parsed();
    parsed.subject().as_raw() == parsed.issuer().as_raw()
        && crate::x509_signature::verify_x509_signature(
            parsed.public_key(),
            &parsed.signature_algorithm,
            &parsed.signature_value.data,
            parsed.tbs_certificate.as_ref(),
        )
        .is_ok()
}
