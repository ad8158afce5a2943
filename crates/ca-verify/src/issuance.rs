//! The rulebook applied to one certificate before it is issued: what `ca` runs on the DER it
//! is about to write, so that it never issues what `ca verify` would refuse.

use crate::anchor::TrustAnchor;
use crate::cert::{format_unix, hex_colon, unix_to_datetime, Certificate};
use crate::checks;
use crate::error::{CertRef, Reason, Role, VerifyError};
use crate::explain::Log;
use crate::options::{Profile, Purpose, VerifyOptions};
use crate::path;
use crate::revocation;
use crate::rules::{Kind, Rule, RuleId};
use crate::signature::{
    verify_signed, AwsLcVerifier, SignatureAlgorithm, SignatureFailure, SignatureVerifier,
    VerificationKey,
};

/// One rule a certificate about to be issued breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The reason, as the verifier would give it.
    pub reason: Reason,
}

impl Violation {
    /// The rule broken (a violation without one, e.g. an unusable key, counts as
    /// `key.usable`).
    pub fn rule(&self) -> &'static Rule {
        self.reason.rule().unwrap_or(RuleId::KeyUsable).rule()
    }

    /// Whether the rule is a CA/B Forum rule (else RFC 5280, always a refusal).
    pub fn is_webpki(&self) -> bool {
        self.rule().kind == Kind::WebPki
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.reason)
    }
}

/// Runs the rulebook on `der`, a certificate about to be issued for `role` (`Role::TrustAnchor`
/// for a root) and, for a leaf, `purpose`. First the pkix and rfc5280 rules (the first one
/// broken is returned alone: it is always a refusal); when they all hold, every Web PKI rule
/// broken, issuance-only rules included. The certificate is checked at its own notBefore.
/// Signatures and the path are not checked here: the issuer signed it a moment ago.
pub fn check_before_issuance(der: &[u8], role: Role, purpose: &Purpose) -> Vec<Violation> {
    match Certificate::from_der(der) {
        Ok(cert) => check_parsed_before_issuance(&cert, role, purpose),
        Err(reason) => vec![Violation { reason }],
    }
}

/// Runs the rulebook rows on a certificate already parsed (see [`check_before_issuance`]):
/// issuance parses the new certificate once and hands it to this and to
/// [`IssuingChain::check_issued`].
pub fn check_parsed_before_issuance(
    cert: &Certificate,
    role: Role,
    purpose: &Purpose,
) -> Vec<Violation> {
    let mut opts = VerifyOptions::server(unix_to_datetime(cert.not_before), None);
    opts.purpose = purpose.clone();
    opts.profile = Profile::Rfc5280;
    let strict = match role {
        Role::Leaf => checks::leaf(cert, &opts, &mut Log::silent()),
        _ => checks::issuer(cert, role, &opts, &mut Log::silent()),
    };
    if let Err(reason) = strict {
        return vec![Violation { reason }];
    }
    opts.profile = Profile::WebPki;
    checks::webpki_for_issuance(cert, role, &opts)
        .into_iter()
        .map(|reason| Violation { reason })
        .collect()
}

/// The chain of a CA that signs (issuer first, root last), parsed once, to check the
/// certificates it has just signed against everything above them: the names chaining, the
/// issuer being a CA allowed to sign certificates (basicConstraints, keyCertSign), path
/// length, the name constraints, EKU and policies of every CA above (RFC 5280 6.1), the
/// authority key identifier matching the issuer's subject key identifier (4.2.1.1) and the
/// certificate not outliving its issuer.
///
/// What it does NOT do is check again the signature the caller has just made. Why that is
/// safe: the caller signed the new certificate's TBS with its own signer and the issuer's
/// private key a moment ago. [`IssuingChain::new`] checks, once, that the issuer
/// certificate's SubjectPublicKeyInfo is byte for byte the signing key's, so a signature
/// made with that key verifies with the issuer certificate's key: checking it again (the
/// most expensive step, more than making it) would only test the signing library. A key/
/// certificate pair that does not match, the one mistake that would make the signature
/// invalid, is still refused. The signatures of the chain above (intermediates signed by
/// the root), which the caller did not make, are verified once, when the chain is built,
/// and the others still go to the real verifier. Only for certificates the caller signed
/// itself with the key given to [`IssuingChain::new`].
#[derive(Debug)]
pub struct IssuingChain {
    /// The issuer and the CAs above it, the root excluded.
    pool: Vec<Certificate>,
    anchor: [TrustAnchor; 1],
    /// Indexes `i` of the links `pool[i]` -> its parent whose signature verified at `new`.
    verified_links: Vec<usize>,
    /// The latest notBefore on the chain: path checks run at `max(this, new notBefore)`.
    latest_start: i64,
    /// The (algorithm, kind of key) pairs the verifier was found to accept.
    supported: std::sync::Mutex<Vec<(SignatureAlgorithm, KeyKind)>>,
}

impl IssuingChain {
    /// Parses `chain` (the issuer's certificate first, the root last; the root alone for a
    /// root) and checks that the issuer certificate's public key is `signing_spki` (the DER
    /// SubjectPublicKeyInfo of the key that signs).
    pub fn new(chain: &[&[u8]], signing_spki: &[u8]) -> Result<Self, VerifyError> {
        let mut certs = Vec::with_capacity(chain.len());
        for (i, der) in chain.iter().enumerate() {
            let role = if i + 1 == chain.len() {
                Role::TrustAnchor
            } else {
                Role::Intermediate
            };
            let at = |subject: &str| CertRef {
                position: i + 1,
                subject: subject.to_string(),
                role,
            };
            certs.push(
                Certificate::from_der(der)
                    .map_err(|r| VerifyError::new(r, Some(at("(unparsable)"))))?,
            );
        }
        let Some(root) = certs.pop() else {
            return Err(VerifyError::new(
                Reason::UnknownIssuer("no issuer certificate given".into()),
                None,
            ));
        };
        let issuer = certs.first().unwrap_or(&root);
        if issuer.spki() != signing_spki {
            return Err(VerifyError::new(
                Reason::BadSignature(
                    "the signing key is not the key of the issuer certificate".into(),
                ),
                Some(CertRef {
                    position: 1,
                    subject: issuer.subject.text().to_string(),
                    role: if certs.is_empty() {
                        Role::TrustAnchor
                    } else {
                        Role::Intermediate
                    },
                }),
            ));
        }
        let parent = |i: usize| certs.get(i + 1).unwrap_or(&root);
        let verified_links = (0..certs.len())
            .filter(|&i| {
                let c = &certs[i];
                verify_signed(
                    &AwsLcVerifier,
                    &c.signature_algorithm,
                    c.tbs_der(),
                    c.signature(),
                    parent(i),
                )
                .is_ok()
            })
            .collect();
        let latest_start = certs
            .iter()
            .chain([&root])
            .map(|c| c.not_before)
            .max()
            .unwrap_or(i64::MIN);
        Ok(IssuingChain {
            pool: certs,
            anchor: [TrustAnchor {
                cert: root,
                source: None,
            }],
            verified_links,
            latest_start,
            supported: Default::default(),
        })
    }

    /// Checks `cert`, just signed by this chain's issuer with the signing key, up to the root
    /// under `opts.profile` and `opts.purpose` (`opts.time` is ignored: the path is judged at
    /// the latest notBefore on it, since the window is the caller's choice and may lie in the
    /// past on purpose). Everything [`crate::verify`] checks except the new signature and
    /// the validity windows; plus AKI = issuer SKI and validity nesting.
    pub fn check_issued(
        &self,
        cert: &Certificate,
        opts: &VerifyOptions,
    ) -> Result<(), VerifyError> {
        let issuer = self.pool.first().unwrap_or(&self.anchor[0].cert);
        let issuer_ref = || CertRef {
            position: 1,
            subject: issuer.subject.text().to_string(),
            role: if self.pool.is_empty() {
                Role::TrustAnchor
            } else {
                Role::Intermediate
            },
        };
        key_ids_match(cert, issuer).map_err(|r| VerifyError::new(r, Some(issuer_ref())))?;
        // Not required by RFC 5280, but a certificate that outlives its issuer stops
        // verifying before its own notAfter: issuance clamps, and this holds it to that.
        if cert.not_after > issuer.not_after {
            return Err(VerifyError::new(
                Reason::Expired {
                    not_after: format_unix(issuer.not_after),
                    time: format!(
                        "{} (the new certificate's notAfter)",
                        format_unix(cert.not_after)
                    ),
                },
                Some(issuer_ref()),
            ));
        }
        let mut opts = opts.clone();
        opts.time = unix_to_datetime(self.latest_start.max(cert.not_before));
        opts.crls = Vec::new();
        let leaf_ref = || CertRef {
            position: 0,
            subject: cert.subject.text().to_string(),
            role: Role::Leaf,
        };
        let windows_ignored = |r: Result<(), Reason>| match r {
            Err(r) if matches!(r.rule(), Some(RuleId::ValidityWindow)) => Ok(()),
            other => other,
        };
        windows_ignored(checks::leaf(cert, &opts, &mut Log::silent()))
            .map_err(|r| VerifyError::new(r, Some(leaf_ref())))?;
        let backend = JustSigned {
            chain: self,
            new: cert,
            issuer,
        };
        let shared = revocation::Shared::new(Vec::new());
        match path::Search::new(&opts, &backend, cert, &self.pool, &self.anchor, &shared, 0).run() {
            Ok(_) => Ok(()),
            Err(e) if matches!(e.reason.rule(), Some(RuleId::ValidityWindow)) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// RFC 5280 4.2.1.1: the keyIdentifier of the authority key identifier, when there is one,
/// identifies the issuer's key; when the issuer has a subject key identifier they are equal.
fn key_ids_match(cert: &Certificate, issuer: &Certificate) -> Result<(), Reason> {
    let aki = cert.ext.aki.as_ref().and_then(|a| a.value.key_id.as_ref());
    let ski = issuer.ext.ski.as_ref().map(|s| &s.value);
    match (aki, ski) {
        (Some(aki), Some(ski)) if aki != ski => Err(Reason::UnknownIssuer(format!(
            "{}: the authority key identifier {} is not the issuer's subject key identifier {}",
            issuer.subject.text(),
            hex_colon(aki),
            hex_colon(ski)
        ))),
        _ => Ok(()),
    }
}

/// The signature backend of [`IssuingChain::check_issued`]: the signature just made and the
/// chain links verified at [`IssuingChain::new`] pass without being checked again (see the
/// security argument on [`IssuingChain`]); anything else goes to the real verifier.
struct JustSigned<'a> {
    chain: &'a IssuingChain,
    new: &'a Certificate,
    issuer: &'a Certificate,
}

impl JustSigned<'_> {
    fn known(&self, key: &[u8], message: &[u8], signature: &[u8]) -> bool {
        let same = |c: &Certificate, signer: &Certificate| {
            c.tbs_der() == message
                && c.signature() == signature
                && signer
                    .verification_key()
                    .is_ok_and(|k| key_bytes(&k) == key)
        };
        let parent = |i: usize| {
            self.chain
                .pool
                .get(i + 1)
                .unwrap_or(&self.chain.anchor[0].cert)
        };
        same(self.new, self.issuer)
            || self
                .chain
                .verified_links
                .iter()
                .any(|&i| same(&self.chain.pool[i], parent(i)))
    }
}

impl SignatureVerifier for JustSigned<'_> {
    fn verify(
        &self,
        alg: SignatureAlgorithm,
        key: VerificationKey<'_>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), SignatureFailure> {
        if !self.known(key_bytes(&key), message, signature) {
            return AwsLcVerifier.verify(alg, key, message, signature);
        }
        // The algorithm must still be one the verifier accepts with this key (e.g. no
        // ECDSA with SHA-512 on P-256): ask it, once per chain, with an empty signature, which it
        // refuses as invalid when the pair is supported and as unsupported otherwise.
        let mut supported = self
            .chain
            .supported
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let pair = (alg, key_kind(&key));
        if supported.contains(&pair) {
            return Ok(());
        }
        match AwsLcVerifier.verify(alg, key, message, &[]) {
            Err(SignatureFailure::Unsupported(why)) => Err(SignatureFailure::Unsupported(why)),
            _ => {
                supported.push(pair);
                Ok(())
            }
        }
    }
}

/// The kind of a key, for the cache of supported pairs.
type KeyKind = u8;

fn key_kind(key: &VerificationKey<'_>) -> KeyKind {
    match key {
        VerificationKey::Rsa { .. } => 0,
        VerificationKey::EcdsaP256(_) => 1,
        VerificationKey::EcdsaP384(_) => 2,
        VerificationKey::EcdsaP521(_) => 3,
        VerificationKey::Ed25519(_) => 4,
        VerificationKey::MlDsa(level, _) => 5 + *level as u8,
    }
}

fn key_bytes<'k>(key: &VerificationKey<'k>) -> &'k [u8] {
    match *key {
        VerificationKey::Rsa { der, .. } => der,
        VerificationKey::EcdsaP256(k)
        | VerificationKey::EcdsaP384(k)
        | VerificationKey::EcdsaP521(k)
        | VerificationKey::Ed25519(k)
        | VerificationKey::MlDsa(_, k) => k,
    }
}
