//! Flattened JWS (RFC 7515 §7.2.2) as ACME uses it (RFC 8555 §6.2):
//! parsing, the protected header, the account key (JWK, RFC 7517) and its
//! thumbprint (RFC 7638), and signature verification for ES256, ES384,
//! RS256 and EdDSA (Ed25519, RFC 8037).

use aws_lc_rs::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Map, Value};

use crate::problem::{AcmeResult, Problem, ProblemType};

/// The largest decoded payload we accept; an ACME payload is at most a CSR
/// or a certificate, a few kilobytes (RFC 8555 §6.2 leaves the limit to us).
pub const MAX_PAYLOAD: usize = 64 * 1024;

/// base64url without padding (RFC 7515 §2); anything else is malformed.
pub fn b64decode(field: &str, text: &str) -> AcmeResult<Vec<u8>> {
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|e| Problem::malformed(format!("{field} is not base64url without padding ({e})")))
}

pub fn b64encode(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// The signature algorithms RFC 8555 §6.2 asks for (and EdDSA).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    Es256,
    Es384,
    Rs256,
    EdDsa,
}

impl Alg {
    fn parse(name: &str) -> AcmeResult<Alg> {
        match name {
            "ES256" => Ok(Alg::Es256),
            "ES384" => Ok(Alg::Es384),
            "RS256" => Ok(Alg::Rs256),
            "EdDSA" => Ok(Alg::EdDsa),
            // RFC 8555 §6.2: "none" and MAC algorithms MUST be refused.
            other => Err(Problem::new(
                ProblemType::BadSignatureAlgorithm,
                format!(
                    "JWS algorithm {other:?} is not supported; use ES256, ES384, RS256 or EdDSA"
                ),
            )),
        }
    }
}

/// An account public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Jwk {
    /// P-256 or P-384: the curve name and the coordinates.
    Ec {
        crv: String,
        x: Vec<u8>,
        y: Vec<u8>,
    },
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    /// Ed25519 (RFC 8037).
    Okp {
        crv: String,
        x: Vec<u8>,
    },
}

fn member<'a>(jwk: &'a Map<String, Value>, name: &str) -> AcmeResult<&'a str> {
    jwk.get(name).and_then(Value::as_str).ok_or_else(|| {
        Problem::new(
            ProblemType::BadPublicKey,
            format!("the JWK has no {name:?} string"),
        )
    })
}

fn bytes(jwk: &Map<String, Value>, name: &str) -> AcmeResult<Vec<u8>> {
    b64decode(&format!("JWK member {name:?}"), member(jwk, name)?)
        .map_err(|p| Problem::new(ProblemType::BadPublicKey, p.detail))
}

impl Jwk {
    pub fn from_json(value: &Value) -> AcmeResult<Jwk> {
        let map = value
            .as_object()
            .ok_or_else(|| Problem::new(ProblemType::BadPublicKey, "jwk is not a JSON object"))?;
        let bad = |d: String| Problem::new(ProblemType::BadPublicKey, d);
        let key = match member(map, "kty")? {
            "EC" => {
                let crv = member(map, "crv")?.to_string();
                let size = match crv.as_str() {
                    "P-256" => 32,
                    "P-384" => 48,
                    other => {
                        return Err(bad(format!(
                            "EC curve {other:?} is not supported (P-256, P-384)"
                        )))
                    }
                };
                let (x, y) = (bytes(map, "x")?, bytes(map, "y")?);
                if x.len() != size || y.len() != size {
                    return Err(bad(format!("{crv} coordinates must be {size} bytes each")));
                }
                Jwk::Ec { crv, x, y }
            }
            "RSA" => {
                let (n, e) = (bytes(map, "n")?, bytes(map, "e")?);
                let bits = n.iter().skip_while(|b| **b == 0).count() * 8;
                // Baseline Requirements §6.1.5: RSA keys of at least 2048 bits.
                if !(2048..=8192).contains(&bits) {
                    return Err(bad(format!("RSA modulus of {bits} bits; use 2048 to 8192")));
                }
                Jwk::Rsa { n, e }
            }
            "OKP" => {
                let crv = member(map, "crv")?.to_string();
                if crv != "Ed25519" {
                    return Err(bad(format!("OKP curve {crv:?} is not supported (Ed25519)")));
                }
                let x = bytes(map, "x")?;
                if x.len() != 32 {
                    return Err(bad("Ed25519 public keys are 32 bytes".into()));
                }
                Jwk::Okp { crv, x }
            }
            other => {
                return Err(bad(format!(
                    "key type {other:?} is not supported (EC, RSA, OKP)"
                )))
            }
        };
        Ok(key)
    }

    /// The key's required members only, in lexicographic order: the input
    /// of the thumbprint (RFC 7638 §3.2) and the form we store.
    pub fn canonical_json(&self) -> String {
        let value = match self {
            Jwk::Ec { crv, x, y } => {
                json!({"crv": crv, "kty": "EC", "x": b64encode(x), "y": b64encode(y)})
            }
            Jwk::Rsa { n, e } => json!({"e": b64encode(e), "kty": "RSA", "n": b64encode(n)}),
            Jwk::Okp { crv, x } => json!({"crv": crv, "kty": "OKP", "x": b64encode(x)}),
        };
        // serde_json's map is ordered by key (no preserve_order feature).
        value.to_string()
    }

    /// RFC 7638 thumbprint, SHA-256, base64url.
    pub fn thumbprint(&self) -> String {
        b64encode(
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, self.canonical_json().as_bytes())
                .as_ref(),
        )
    }

    /// The public key as it sits in a certificate's subjectPublicKey BIT
    /// STRING: the uncompressed point, the raw Ed25519 key, or for RSA the
    /// (n, e) pair, so that revokeCert can compare a JWK with a certificate.
    pub fn matches_spki(&self, algorithm_oid: &str, subject_public_key: &[u8]) -> bool {
        match self {
            Jwk::Ec { x, y, .. } => {
                algorithm_oid == "1.2.840.10045.2.1"
                    && subject_public_key.len() == 1 + x.len() + y.len()
                    && subject_public_key[0] == 4
                    && subject_public_key[1..=x.len()] == x[..]
                    && subject_public_key[1 + x.len()..] == y[..]
            }
            Jwk::Okp { x, .. } => algorithm_oid == "1.3.101.112" && subject_public_key == &x[..],
            Jwk::Rsa { n, e } => {
                algorithm_oid == "1.2.840.113549.1.1.1"
                    && rsa_components(subject_public_key)
                        .is_some_and(|(cn, ce)| strip(&cn) == strip(n) && strip(&ce) == strip(e))
            }
        }
    }

    fn verify(&self, alg: Alg, message: &[u8], sig: &[u8]) -> AcmeResult<()> {
        let mismatch = || {
            Problem::new(
                ProblemType::BadSignatureAlgorithm,
                format!("JWS algorithm {alg:?} does not match the key type"),
            )
        };
        let ok = match (self, alg) {
            (Jwk::Ec { crv, x, y }, Alg::Es256 | Alg::Es384) => {
                let algorithm = match (crv.as_str(), alg) {
                    ("P-256", Alg::Es256) => &signature::ECDSA_P256_SHA256_FIXED,
                    ("P-384", Alg::Es384) => &signature::ECDSA_P384_SHA384_FIXED,
                    _ => return Err(mismatch()),
                };
                let mut point = vec![4u8];
                point.extend_from_slice(x);
                point.extend_from_slice(y);
                UnparsedPublicKey::new(algorithm, point)
                    .verify(message, sig)
                    .is_ok()
            }
            (Jwk::Rsa { n, e }, Alg::Rs256) => RsaPublicKeyComponents {
                n: strip(n),
                e: strip(e),
            }
            .verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, sig)
            .is_ok(),
            (Jwk::Okp { x, .. }, Alg::EdDsa) => UnparsedPublicKey::new(&signature::ED25519, x)
                .verify(message, sig)
                .is_ok(),
            _ => return Err(mismatch()),
        };
        if ok {
            Ok(())
        } else {
            Err(Problem::malformed(
                "JWS signature does not verify with the account key",
            ))
        }
    }
}

fn strip(v: &[u8]) -> &[u8] {
    let start = v.iter().position(|b| *b != 0).unwrap_or(v.len());
    &v[start..]
}

/// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 A.1.1).
fn rsa_components(der: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    use x509_parser::der_parser::ber::BerObjectContent;
    let (_, seq) = x509_parser::der_parser::parse_der(der).ok()?;
    match seq.content {
        BerObjectContent::Sequence(items) if items.len() == 2 => {
            let n = items[0].as_slice().ok()?.to_vec();
            let e = items[1].as_slice().ok()?.to_vec();
            Some((n, e))
        }
        _ => None,
    }
}

/// Who signed: an account URL (`kid`) or a key carried in the request (`jwk`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signer {
    Kid(String),
    Jwk(Jwk),
}

/// A parsed, not yet verified, request.
#[derive(Debug)]
pub struct Jws {
    pub alg: Alg,
    pub nonce: String,
    pub url: String,
    pub signer: Signer,
    /// Empty for POST-as-GET (RFC 8555 §6.3).
    pub payload: Vec<u8>,
    signing_input: Vec<u8>,
    signature: Vec<u8>,
}

impl Jws {
    /// Parses a flattened JWS; every structural fault is `malformed`,
    /// an unknown algorithm `badSignatureAlgorithm`.
    pub fn parse(body: &[u8]) -> AcmeResult<Jws> {
        let outer: Value = serde_json::from_slice(body)
            .map_err(|e| Problem::malformed(format!("the request body is not JSON ({e})")))?;
        let outer = outer.as_object().ok_or_else(|| {
            Problem::malformed("the request body is not a JSON object (a flattened JWS)")
        })?;
        // RFC 8555 §6.2: the flattened serialization only, one signature.
        if outer.contains_key("signatures") || outer.contains_key("header") {
            return Err(Problem::malformed(
                "only the flattened JWS serialization with a protected header is accepted",
            ));
        }
        let field = |name: &str| {
            outer
                .get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| Problem::malformed(format!("the JWS has no {name:?} string")))
        };
        let (protected_b64, payload_b64, sig_b64) =
            (field("protected")?, field("payload")?, field("signature")?);
        let payload = b64decode("payload", payload_b64)?;
        if payload.len() > MAX_PAYLOAD {
            return Err(
                Problem::malformed(format!("the payload exceeds {MAX_PAYLOAD} bytes"))
                    .with_status(413),
            );
        }
        let header: Value = serde_json::from_slice(&b64decode("protected", protected_b64)?)
            .map_err(|e| Problem::malformed(format!("the protected header is not JSON ({e})")))?;
        let header = header
            .as_object()
            .ok_or_else(|| Problem::malformed("the protected header is not a JSON object"))?;
        let text = |name: &str| header.get(name).and_then(Value::as_str);
        let alg = Alg::parse(
            text("alg").ok_or_else(|| Problem::malformed("the protected header has no \"alg\""))?,
        )?;
        if header.contains_key("crit") || header.contains_key("b64") {
            return Err(Problem::malformed(
                "\"crit\" and \"b64\" header parameters are not supported",
            ));
        }
        let nonce = text("nonce")
            .ok_or_else(|| {
                Problem::new(
                    ProblemType::BadNonce,
                    "the protected header has no \"nonce\"",
                )
            })?
            .to_string();
        let url = text("url")
            .ok_or_else(|| {
                Problem::unauthorized("the protected header has no \"url\" (RFC 8555 §6.4)")
            })?
            .to_string();
        // RFC 8555 §6.2: "jwk" and "kid" are mutually exclusive, one is required.
        let signer = match (header.get("jwk"), header.get("kid")) {
            (Some(jwk), None) => Signer::Jwk(Jwk::from_json(jwk)?),
            (None, Some(Value::String(kid))) => Signer::Kid(kid.clone()),
            (None, Some(_)) => {
                return Err(Problem::malformed(
                    "\"kid\" must be a string (the account URL)",
                ))
            }
            _ => {
                return Err(Problem::malformed(
                    "the protected header must have exactly one of \"jwk\" and \"kid\"",
                ))
            }
        };
        let signature = b64decode("signature", sig_b64)?;
        let signing_input = format!("{protected_b64}.{payload_b64}").into_bytes();
        Ok(Jws {
            alg,
            nonce,
            url,
            signer,
            payload,
            signing_input,
            signature,
        })
    }

    /// Verifies the signature with `key` (the request's jwk or the account's).
    pub fn verify(&self, key: &Jwk) -> AcmeResult<()> {
        key.verify(self.alg, &self.signing_input, &self.signature)
    }

    /// The same checks for a JWS read elsewhere (an inner JWS, RFC 8555
    /// §7.3.5): the algorithm by name, then the signature.
    pub fn verify_detached(
        alg: &str,
        key: &Jwk,
        signing_input: &[u8],
        signature: &[u8],
    ) -> AcmeResult<()> {
        key.verify(Alg::parse(alg)?, signing_input, signature)
    }

    /// The payload as a JSON object; POST-as-GET (empty payload) is refused.
    pub fn json_payload(&self) -> AcmeResult<Map<String, Value>> {
        if self.payload.is_empty() {
            return Err(Problem::malformed(
                "this resource needs a JSON payload, not POST-as-GET",
            ));
        }
        match serde_json::from_slice(&self.payload) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(Problem::malformed("the payload is not a JSON object")),
            Err(e) => Err(Problem::malformed(format!("the payload is not JSON ({e})"))),
        }
    }
}
