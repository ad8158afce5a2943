//! Signed data: which algorithms are accepted, and the one trait that checks a signature.

use std::fmt;

use x509_parser::der_parser::asn1_rs::{Any, FromDer};
use x509_parser::signature_algorithm::RsaSsaPssParams;

use crate::cert::{AlgId, CertData, Curve, PublicKey};
use crate::error::Reason;
use crate::key::MlDsaLevel;
use crate::rules::RuleId;

/// The signature algorithms the verifier accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    RsaPkcs1Sha256,
    RsaPkcs1Sha384,
    RsaPkcs1Sha512,
    RsaPssSha256,
    RsaPssSha384,
    RsaPssSha512,
    EcdsaSha256,
    EcdsaSha384,
    EcdsaSha512,
    Ed25519,
    /// ML-DSA (FIPS 204) of one parameter set, pure mode with an empty context (RFC 9881 3).
    MlDsa(MlDsaLevel),
}

impl fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SignatureAlgorithm::RsaPkcs1Sha256 => "RSA PKCS#1 v1.5 SHA-256",
            SignatureAlgorithm::RsaPkcs1Sha384 => "RSA PKCS#1 v1.5 SHA-384",
            SignatureAlgorithm::RsaPkcs1Sha512 => "RSA PKCS#1 v1.5 SHA-512",
            SignatureAlgorithm::RsaPssSha256 => "RSA-PSS SHA-256",
            SignatureAlgorithm::RsaPssSha384 => "RSA-PSS SHA-384",
            SignatureAlgorithm::RsaPssSha512 => "RSA-PSS SHA-512",
            SignatureAlgorithm::EcdsaSha256 => "ECDSA SHA-256",
            SignatureAlgorithm::EcdsaSha384 => "ECDSA SHA-384",
            SignatureAlgorithm::EcdsaSha512 => "ECDSA SHA-512",
            SignatureAlgorithm::Ed25519 => "Ed25519",
            SignatureAlgorithm::MlDsa(level) => return write!(f, "{level}"),
        })
    }
}

const SHA256: &str = "2.16.840.1.101.3.4.2.1";
const SHA384: &str = "2.16.840.1.101.3.4.2.2";
const SHA512: &str = "2.16.840.1.101.3.4.2.3";
const MGF1: &str = "1.2.840.113549.1.1.8";

/// Maps an AlgorithmIdentifier to an accepted algorithm, or says why it is refused.
pub(crate) fn identify(alg: &AlgId) -> Result<SignatureAlgorithm, Reason> {
    use SignatureAlgorithm::*;
    let rsa_null = |a| {
        if alg.params_are_null() {
            Ok(a)
        } else {
            Err(Reason::UnsupportedSignatureAlgorithm(format!(
                "{} with parameters other than NULL",
                alg.oid
            )))
        }
    };
    let no_params = |a| {
        if alg.params.is_none() {
            Ok(a)
        } else {
            Err(Reason::UnsupportedSignatureAlgorithm(format!(
                "{} with parameters",
                alg.oid
            )))
        }
    };
    match alg.oid.as_ref() {
        "1.2.840.113549.1.1.11" => rsa_null(RsaPkcs1Sha256),
        "1.2.840.113549.1.1.12" => rsa_null(RsaPkcs1Sha384),
        "1.2.840.113549.1.1.13" => rsa_null(RsaPkcs1Sha512),
        "1.2.840.113549.1.1.10" => pss(alg),
        "1.2.840.10045.4.3.2" => no_params(EcdsaSha256),
        "1.2.840.10045.4.3.3" => no_params(EcdsaSha384),
        "1.2.840.10045.4.3.4" => no_params(EcdsaSha512),
        "1.3.101.112" => no_params(Ed25519),
        oid if MlDsaLevel::from_oid(oid).is_some() => ml_dsa(alg),
        "1.2.840.113549.1.1.4" => Err(Reason::WeakSignatureAlgorithm(
            "md5WithRSAEncryption".into(),
        )),
        "1.2.840.113549.1.1.2" => Err(Reason::WeakSignatureAlgorithm(
            "md2WithRSAEncryption".into(),
        )),
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => Err(Reason::WeakSignatureAlgorithm(
            "sha1WithRSAEncryption".into(),
        )),
        "1.2.840.10045.4.1" => Err(Reason::WeakSignatureAlgorithm("ecdsa-with-SHA1".into())),
        "1.2.840.10040.4.3" => Err(Reason::WeakSignatureAlgorithm("dsa-with-SHA1".into())),
        "2.16.840.1.101.3.4.3.2" | "2.16.840.1.101.3.4.3.1" => Err(
            Reason::UnsupportedSignatureAlgorithm("DSA signatures are not allowed".into()),
        ),
        other => Err(Reason::UnsupportedSignatureAlgorithm(other.to_string())),
    }
}

/// ML-DSA: RFC 9881 section 2, "the contents of the parameters component for each algorithm
/// MUST be absent" (not NULL either).
fn ml_dsa(alg: &AlgId) -> Result<SignatureAlgorithm, Reason> {
    let level = MlDsaLevel::from_oid(&alg.oid).expect("an ML-DSA OID");
    if alg.params.is_some() {
        return Err(Reason::Syntax {
            rule: RuleId::MlDsaNoParameters,
            detail: format!("the {level} signatureAlgorithm has a parameters field"),
        });
    }
    Ok(SignatureAlgorithm::MlDsa(level))
}

/// RSASSA-PSS: only the three conventional parameter sets (MGF1 with the same hash, salt as long
/// as the hash, trailer 1).
fn pss(alg: &AlgId) -> Result<SignatureAlgorithm, Reason> {
    let bad = |why: &str| Reason::UnsupportedSignatureAlgorithm(format!("RSASSA-PSS {why}"));
    let Some((tag, data)) = &alg.params else {
        return Err(bad("without parameters"));
    };
    if *tag != 16 {
        return Err(bad("parameters are not a SEQUENCE"));
    }
    // Re-wrap the SEQUENCE so x509-parser can parse the parameters.
    let mut seq = vec![0x30];
    push_len(&mut seq, data.len());
    seq.extend_from_slice(data);
    let (_, any) = Any::from_der(&seq).map_err(|_| bad("parameters are malformed"))?;
    let params = RsaSsaPssParams::try_from(&any).map_err(|_| bad("parameters are malformed"))?;
    let hash = params.hash_algorithm_oid().to_id_string();
    let mgf = params
        .mask_gen_algorithm()
        .map_err(|_| bad("mask generation is malformed"))?;
    if mgf.mgf.to_id_string() != MGF1 || mgf.hash.to_id_string() != hash {
        return Err(bad("mask generation must be MGF1 with the same hash"));
    }
    if params.trailer_field() != 1 {
        return Err(bad("trailer field must be 1"));
    }
    let (a, salt) = match hash.as_str() {
        SHA256 => (SignatureAlgorithm::RsaPssSha256, 32),
        SHA384 => (SignatureAlgorithm::RsaPssSha384, 48),
        SHA512 => (SignatureAlgorithm::RsaPssSha512, 64),
        "1.3.14.3.2.26" => {
            return Err(Reason::WeakSignatureAlgorithm(
                "RSASSA-PSS with SHA-1".into(),
            ))
        }
        other => return Err(bad(&format!("with hash {other}"))),
    };
    if params.salt_length() != salt {
        return Err(bad("salt length must equal the hash length"));
    }
    Ok(a)
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// A public key ready for a signature check.
#[derive(Clone, Copy, Debug)]
pub enum VerificationKey<'a> {
    /// RSA: the DER RSAPublicKey and its modulus size.
    Rsa { der: &'a [u8], bits: usize },
    /// ECDSA P-256: the SEC1 point.
    EcdsaP256(&'a [u8]),
    /// ECDSA P-384: the SEC1 point.
    EcdsaP384(&'a [u8]),
    /// ECDSA P-521: the SEC1 point.
    EcdsaP521(&'a [u8]),
    /// Ed25519: the 32-byte key.
    Ed25519(&'a [u8]),
    /// ML-DSA: the raw public key of the parameter set (FIPS 204 pkEncode).
    MlDsa(MlDsaLevel, &'a [u8]),
}

/// Checks one signature. The verifier uses aws-lc-rs through [`AwsLcVerifier`]; another
/// backend implements this trait. Return `Err` with a reason when the algorithm/key pair is not supported.
pub trait SignatureVerifier: Send + Sync {
    /// Verifies `signature` over `message` with `key` under `alg`.
    fn verify(
        &self,
        alg: SignatureAlgorithm,
        key: VerificationKey<'_>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), SignatureFailure>;
}

/// Why a signature check failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureFailure {
    /// The signature is wrong.
    Invalid,
    /// The backend cannot check this algorithm with this key.
    Unsupported(String),
}

/// The aws-lc-rs backend: the workspace's one crypto library (docs/benchmarks.md).
#[derive(Clone, Copy, Debug, Default)]
pub struct AwsLcVerifier;

impl AwsLcVerifier {
    /// The aws-lc-rs algorithm for `alg` with `key`, and the key bytes it takes.
    fn algorithm<'k>(
        alg: SignatureAlgorithm,
        key: VerificationKey<'k>,
    ) -> Result<
        (
            &'static dyn aws_lc_rs::signature::VerificationAlgorithm,
            &'k [u8],
        ),
        SignatureFailure,
    > {
        use aws_lc_rs::signature as r;
        use SignatureAlgorithm::*;
        Ok(match (alg, key) {
            (RsaPkcs1Sha256, VerificationKey::Rsa { der, .. }) => {
                (&r::RSA_PKCS1_2048_8192_SHA256, der)
            }
            (RsaPkcs1Sha384, VerificationKey::Rsa { der, .. }) => {
                (&r::RSA_PKCS1_2048_8192_SHA384, der)
            }
            (RsaPkcs1Sha512, VerificationKey::Rsa { der, .. }) => {
                (&r::RSA_PKCS1_2048_8192_SHA512, der)
            }
            (RsaPssSha256, VerificationKey::Rsa { der, .. }) => (&r::RSA_PSS_2048_8192_SHA256, der),
            (RsaPssSha384, VerificationKey::Rsa { der, .. }) => (&r::RSA_PSS_2048_8192_SHA384, der),
            (RsaPssSha512, VerificationKey::Rsa { der, .. }) => (&r::RSA_PSS_2048_8192_SHA512, der),
            (EcdsaSha256, VerificationKey::EcdsaP256(k)) => (&r::ECDSA_P256_SHA256_ASN1, k),
            (EcdsaSha384, VerificationKey::EcdsaP256(k)) => (&r::ECDSA_P256_SHA384_ASN1, k),
            (EcdsaSha256, VerificationKey::EcdsaP384(k)) => (&r::ECDSA_P384_SHA256_ASN1, k),
            (EcdsaSha384, VerificationKey::EcdsaP384(k)) => (&r::ECDSA_P384_SHA384_ASN1, k),
            // P-521 with SHA-512 is the pairing of RFC 5758 3.2 and CA/B BR 7.1.3.2.2; the two
            // shorter hashes are what other verifiers take too.
            (EcdsaSha512, VerificationKey::EcdsaP521(k)) => (&r::ECDSA_P521_SHA512_ASN1, k),
            (EcdsaSha384, VerificationKey::EcdsaP521(k)) => (&r::ECDSA_P521_SHA384_ASN1, k),
            (EcdsaSha256, VerificationKey::EcdsaP521(k)) => (&r::ECDSA_P521_SHA256_ASN1, k),
            (Ed25519, VerificationKey::Ed25519(k)) => (&r::ED25519, k),
            (MlDsa(alg_level), VerificationKey::MlDsa(key_level, k)) if alg_level == key_level => {
                (ml_dsa_verification(alg_level), k)
            }
            (alg, key) => {
                return Err(SignatureFailure::Unsupported(format!(
                    "{alg} with a {} key",
                    key_name(&key)
                )))
            }
        })
    }
}

impl SignatureVerifier for AwsLcVerifier {
    fn verify(
        &self,
        alg: SignatureAlgorithm,
        key: VerificationKey<'_>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), SignatureFailure> {
        let (params, key) = Self::algorithm(alg, key)?;
        let checked = match digest_of(alg, message) {
            // Hash-then-sign algorithms: the digest is checked with the issuer's key as this
            // thread last parsed it (crate::parsed_keys), which also skips the EVP_DigestVerify
            // context aws-lc-rs would set up and copy for the message.
            Some(digest) => crate::parsed_keys::with_parsed(alg, params, key, |parsed| {
                parsed.verify_digest_sig(&digest, signature)
            })
            .map_err(|_| SignatureFailure::Invalid)?,
            None => {
                aws_lc_rs::signature::UnparsedPublicKey::new(params, key).verify(message, signature)
            }
        };
        checked.map_err(|_| SignatureFailure::Invalid)
    }
}

/// The message's digest for the hash-then-sign algorithms (RSA and ECDSA); `None` for Ed25519
/// and ML-DSA, which sign the message itself.
fn digest_of(alg: SignatureAlgorithm, message: &[u8]) -> Option<aws_lc_rs::digest::Digest> {
    use aws_lc_rs::digest;
    use SignatureAlgorithm::*;
    let hash = match alg {
        RsaPkcs1Sha256 | RsaPssSha256 | EcdsaSha256 => &digest::SHA256,
        RsaPkcs1Sha384 | RsaPssSha384 | EcdsaSha384 => &digest::SHA384,
        RsaPkcs1Sha512 | RsaPssSha512 | EcdsaSha512 => &digest::SHA512,
        Ed25519 | MlDsa(_) => return None,
    };
    Some(digest::digest(hash, message))
}

fn ml_dsa_verification(
    level: MlDsaLevel,
) -> &'static aws_lc_rs::signature::PqdsaVerificationAlgorithm {
    match level {
        MlDsaLevel::MlDsa44 => &aws_lc_rs::signature::ML_DSA_44,
        MlDsaLevel::MlDsa65 => &aws_lc_rs::signature::ML_DSA_65,
        MlDsaLevel::MlDsa87 => &aws_lc_rs::signature::ML_DSA_87,
    }
}

fn key_name(k: &VerificationKey<'_>) -> String {
    match k {
        VerificationKey::Rsa { bits, .. } => format!("RSA-{bits}"),
        VerificationKey::EcdsaP256(_) => "P-256".into(),
        VerificationKey::EcdsaP384(_) => "P-384".into(),
        VerificationKey::EcdsaP521(_) => "P-521".into(),
        VerificationKey::Ed25519(_) => "Ed25519".into(),
        VerificationKey::MlDsa(level, _) => level.to_string(),
    }
}

/// An ML-DSA subjectPublicKeyInfo with a parameters field (RFC 9881 section 2).
pub(crate) fn ml_dsa_key_parameters(level: MlDsaLevel) -> Reason {
    Reason::Syntax {
        rule: RuleId::MlDsaNoParameters,
        detail: format!("the {level} subjectPublicKeyInfo algorithm has a parameters field"),
    }
}

/// The smallest RSA modulus accepted for signatures.
pub(crate) const MIN_RSA_BITS: usize = 2048;

/// Turns a parsed key into a verification key, refusing weak or unusable keys.
pub(crate) fn verification_key<'d>(
    key: &PublicKey,
    der: &'d [u8],
) -> Result<VerificationKey<'d>, Reason> {
    // The ranges were taken from `der` when it was read: always inside it.
    let bytes = |r: &std::ops::Range<usize>| {
        der.get(r.clone())
            .ok_or_else(|| Reason::UnsupportedKey("the key lies outside the certificate".into()))
    };
    match key {
        PublicKey::Rsa { der: r, bits } => {
            if *bits < MIN_RSA_BITS || bits % 8 != 0 {
                return Err(Reason::UnsupportedKey(format!(
                    "RSA-{bits} (at least {MIN_RSA_BITS} bits and a multiple of 8 required)"
                )));
            }
            Ok(VerificationKey::Rsa {
                der: bytes(r)?,
                bits: *bits,
            })
        }
        PublicKey::Ec {
            curve: Curve::P256,
            point,
        } => Ok(VerificationKey::EcdsaP256(bytes(point)?)),
        PublicKey::Ec {
            curve: Curve::P384,
            point,
        } => Ok(VerificationKey::EcdsaP384(bytes(point)?)),
        PublicKey::Ec {
            curve: Curve::P521,
            point,
        } => Ok(VerificationKey::EcdsaP521(bytes(point)?)),
        PublicKey::Ed25519(k) => Ok(VerificationKey::Ed25519(bytes(k)?)),
        PublicKey::MlDsa {
            level, parameters, ..
        } if *parameters => Err(ml_dsa_key_parameters(*level)),
        PublicKey::MlDsa { level, key, .. } => Ok(VerificationKey::MlDsa(*level, bytes(key)?)),
        PublicKey::Unusable(why) => Err(Reason::UnsupportedKey(why.clone())),
    }
}

/// Verifies a signed object (certificate or CRL): algorithm accepted, algorithm fits the key,
/// signature valid. Returns the algorithm for the record.
pub(crate) fn verify_signed(
    backend: &dyn SignatureVerifier,
    alg: &AlgId,
    tbs: &[u8],
    signature: &[u8],
    issuer: &CertData,
) -> Result<SignatureAlgorithm, Reason> {
    let sig_alg = identify(alg)?;
    let key = issuer.verification_key()?;
    check(backend, sig_alg, key, &issuer.public_key, tbs, signature)
}

/// One signature check, its failure as the reason path validation gives.
#[inline]
fn check(
    backend: &dyn SignatureVerifier,
    sig_alg: SignatureAlgorithm,
    key: VerificationKey<'_>,
    key_kind: &PublicKey,
    message: &[u8],
    signature: &[u8],
) -> Result<SignatureAlgorithm, Reason> {
    match backend.verify(sig_alg, key, message, signature) {
        Ok(()) => Ok(sig_alg),
        Err(SignatureFailure::Invalid) => Err(Reason::BadSignature(sig_alg.to_string())),
        Err(SignatureFailure::Unsupported(_)) => Err(Reason::AlgorithmKeyMismatch {
            alg: sig_alg.to_string(),
            key: key_kind.to_string(),
        }),
    }
}

/// Checks one signature made by the key of `spki` outside a path: a CSR's self-signature (RFC
/// 2986 4.2) or a certificate checked against a given issuer. The algorithm, the key and their
/// pairing are held to the same rules as in path validation (weak algorithms, RSA sizes,
/// parameters, RFC 9881 for ML-DSA), with aws-lc-rs. Returns the algorithm for the record.
pub fn verify_signature_by_key(
    spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>,
    alg: &x509_parser::x509::AlgorithmIdentifier<'_>,
    message: &[u8],
    signature: &[u8],
) -> Result<SignatureAlgorithm, Reason> {
    let sig_alg = identify(&AlgId::from_x509(alg))?;
    let key = crate::key::public_key(spki, spki.raw);
    let verification_key = verification_key(&key, spki.raw)?;
    check(
        &AwsLcVerifier,
        sig_alg,
        verification_key,
        &key,
        message,
        signature,
    )
}
