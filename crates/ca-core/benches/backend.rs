//! The crypto backend, measured (issue 13): key generation, signing and verifying with ring and
//! with aws-lc-rs, side by side in one criterion run, plus ML-DSA (FIPS 204), which only
//! aws-lc-rs has. ring cannot generate RSA keys: its row is the `rsa` crate, which `ca` used
//! for RSA key generation before aws-lc-rs. ring is a dev-dependency of this bench only.
//!
//! The message signed is 1 KiB, about the size of a certificate's tbsCertificate.
//!
//! Run: cargo bench -p ca-core --bench backend -- --warm-up-time 1 --measurement-time 3

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

const MESSAGE: [u8; 1024] = [0x5a; 1024];

/// Signs a message with a key read once.
type Signer = Box<dyn Fn(&[u8]) -> Vec<u8>>;

/// The classical algorithms both backends have.
#[derive(Clone, Copy)]
enum Alg {
    P256,
    P384,
    Ed25519,
    Rsa2048,
}

const CLASSICAL: [(Alg, &str); 4] = [
    (Alg::P256, "P-256"),
    (Alg::P384, "P-384"),
    (Alg::Ed25519, "Ed25519"),
    (Alg::Rsa2048, "RSA-2048"),
];

/// An RSA-2048 PKCS#8 key made once (generation is measured on its own).
fn rsa_pkcs8() -> Vec<u8> {
    use aws_lc_rs::encoding::AsDer;
    let key = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    // PKCS#8 v1, which both backends read.
    let pkcs8: aws_lc_rs::encoding::Pkcs8V1Der<'_> = key.as_der().unwrap();
    pkcs8.as_ref().to_vec()
}

mod with_ring {
    use ring::rand::SystemRandom;
    use ring::signature::{self as sig, KeyPair};

    use super::{Alg, Signer};

    pub fn generate(alg: Alg, rng: &SystemRandom) -> Vec<u8> {
        match alg {
            Alg::P256 => {
                sig::EcdsaKeyPair::generate_pkcs8(&sig::ECDSA_P256_SHA256_ASN1_SIGNING, rng)
                    .unwrap()
                    .as_ref()
                    .to_vec()
            }
            Alg::P384 => {
                sig::EcdsaKeyPair::generate_pkcs8(&sig::ECDSA_P384_SHA384_ASN1_SIGNING, rng)
                    .unwrap()
                    .as_ref()
                    .to_vec()
            }
            Alg::Ed25519 => sig::Ed25519KeyPair::generate_pkcs8(rng)
                .unwrap()
                .as_ref()
                .to_vec(),
            Alg::Rsa2048 => {
                use rsa::pkcs8::EncodePrivateKey;
                let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
                key.to_pkcs8_der().unwrap().as_bytes().to_vec()
            }
        }
    }

    pub fn signer(alg: Alg, pkcs8: &[u8]) -> Signer {
        let rng = SystemRandom::new();
        match alg {
            Alg::P256 | Alg::P384 => {
                let params = if matches!(alg, Alg::P256) {
                    &sig::ECDSA_P256_SHA256_ASN1_SIGNING
                } else {
                    &sig::ECDSA_P384_SHA384_ASN1_SIGNING
                };
                let key = sig::EcdsaKeyPair::from_pkcs8(params, pkcs8, &rng).unwrap();
                Box::new(move |m| key.sign(&rng, m).unwrap().as_ref().to_vec())
            }
            Alg::Ed25519 => {
                let key = sig::Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8).unwrap();
                Box::new(move |m| key.sign(m).as_ref().to_vec())
            }
            Alg::Rsa2048 => {
                let key = sig::RsaKeyPair::from_pkcs8(pkcs8).unwrap();
                Box::new(move |m| {
                    let mut out = vec![0; key.public().modulus_len()];
                    key.sign(&sig::RSA_PKCS1_SHA256, &rng, m, &mut out).unwrap();
                    out
                })
            }
        }
    }

    pub fn public_key(alg: Alg, pkcs8: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match alg {
            Alg::P256 => {
                sig::EcdsaKeyPair::from_pkcs8(&sig::ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8, &rng)
                    .unwrap()
                    .public_key()
                    .as_ref()
                    .to_vec()
            }
            Alg::P384 => {
                sig::EcdsaKeyPair::from_pkcs8(&sig::ECDSA_P384_SHA384_ASN1_SIGNING, pkcs8, &rng)
                    .unwrap()
                    .public_key()
                    .as_ref()
                    .to_vec()
            }
            Alg::Ed25519 => sig::Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8)
                .unwrap()
                .public_key()
                .as_ref()
                .to_vec(),
            Alg::Rsa2048 => sig::RsaKeyPair::from_pkcs8(pkcs8)
                .unwrap()
                .public_key()
                .as_ref()
                .to_vec(),
        }
    }

    pub fn verify(alg: Alg, public_key: &[u8], msg: &[u8], signature: &[u8]) {
        let params: &dyn sig::VerificationAlgorithm = match alg {
            Alg::P256 => &sig::ECDSA_P256_SHA256_ASN1,
            Alg::P384 => &sig::ECDSA_P384_SHA384_ASN1,
            Alg::Ed25519 => &sig::ED25519,
            Alg::Rsa2048 => &sig::RSA_PKCS1_2048_8192_SHA256,
        };
        sig::UnparsedPublicKey::new(params, public_key)
            .verify(msg, signature)
            .unwrap()
    }
}

mod with_aws_lc {
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{self as sig, KeyPair};

    use super::{Alg, Signer};

    pub fn generate(alg: Alg, rng: &SystemRandom) -> Vec<u8> {
        match alg {
            Alg::P256 => {
                sig::EcdsaKeyPair::generate_pkcs8(&sig::ECDSA_P256_SHA256_ASN1_SIGNING, rng)
                    .unwrap()
                    .as_ref()
                    .to_vec()
            }
            Alg::P384 => {
                sig::EcdsaKeyPair::generate_pkcs8(&sig::ECDSA_P384_SHA384_ASN1_SIGNING, rng)
                    .unwrap()
                    .as_ref()
                    .to_vec()
            }
            Alg::Ed25519 => sig::Ed25519KeyPair::generate_pkcs8(rng)
                .unwrap()
                .as_ref()
                .to_vec(),
            Alg::Rsa2048 => {
                use aws_lc_rs::encoding::AsDer;
                let key =
                    aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
                let der: aws_lc_rs::encoding::Pkcs8V1Der<'_> = key.as_der().unwrap();
                der.as_ref().to_vec()
            }
        }
    }

    pub fn signer(alg: Alg, pkcs8: &[u8]) -> Signer {
        let rng = SystemRandom::new();
        match alg {
            Alg::P256 | Alg::P384 => {
                let params = if matches!(alg, Alg::P256) {
                    &sig::ECDSA_P256_SHA256_ASN1_SIGNING
                } else {
                    &sig::ECDSA_P384_SHA384_ASN1_SIGNING
                };
                let key = sig::EcdsaKeyPair::from_pkcs8(params, pkcs8).unwrap();
                Box::new(move |m| key.sign(&rng, m).unwrap().as_ref().to_vec())
            }
            Alg::Ed25519 => {
                let key = sig::Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8).unwrap();
                Box::new(move |m| key.sign(m).as_ref().to_vec())
            }
            Alg::Rsa2048 => {
                let key = sig::RsaKeyPair::from_pkcs8(pkcs8).unwrap();
                Box::new(move |m| {
                    let mut out = vec![0; key.public_modulus_len()];
                    key.sign(&sig::RSA_PKCS1_SHA256, &rng, m, &mut out).unwrap();
                    out
                })
            }
        }
    }

    pub fn public_key(alg: Alg, pkcs8: &[u8]) -> Vec<u8> {
        match alg {
            Alg::P256 => sig::EcdsaKeyPair::from_pkcs8(&sig::ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8)
                .unwrap()
                .public_key()
                .as_ref()
                .to_vec(),
            Alg::P384 => sig::EcdsaKeyPair::from_pkcs8(&sig::ECDSA_P384_SHA384_ASN1_SIGNING, pkcs8)
                .unwrap()
                .public_key()
                .as_ref()
                .to_vec(),
            Alg::Ed25519 => sig::Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8)
                .unwrap()
                .public_key()
                .as_ref()
                .to_vec(),
            Alg::Rsa2048 => sig::RsaKeyPair::from_pkcs8(pkcs8)
                .unwrap()
                .public_key()
                .as_ref()
                .to_vec(),
        }
    }

    pub fn verify(alg: Alg, public_key: &[u8], msg: &[u8], signature: &[u8]) {
        let params: &dyn sig::VerificationAlgorithm = match alg {
            Alg::P256 => &sig::ECDSA_P256_SHA256_ASN1,
            Alg::P384 => &sig::ECDSA_P384_SHA384_ASN1,
            Alg::Ed25519 => &sig::ED25519,
            Alg::Rsa2048 => &sig::RSA_PKCS1_2048_8192_SHA256,
        };
        sig::UnparsedPublicKey::new(params, public_key)
            .verify(msg, signature)
            .unwrap()
    }
}

/// One key per algorithm, the same PKCS#8 for both backends (each reads the other's).
fn keys() -> Vec<(Alg, &'static str, Vec<u8>)> {
    let rng = aws_lc_rs::rand::SystemRandom::new();
    CLASSICAL
        .iter()
        .map(|&(alg, name)| {
            let pkcs8 = match alg {
                Alg::Rsa2048 => rsa_pkcs8(),
                // ring reads PKCS#8 v1 and v2; aws-lc-rs writes v1 for EC.
                _ => with_aws_lc::generate(alg, &rng),
            };
            (alg, name, pkcs8)
        })
        .collect()
}

fn keygen(c: &mut Criterion) {
    let mut group = c.benchmark_group("keygen");
    let ring_rng = ring::rand::SystemRandom::new();
    let aws_rng = aws_lc_rs::rand::SystemRandom::new();
    for (alg, name) in CLASSICAL {
        // RSA generation takes tens of milliseconds: fewer samples.
        if matches!(alg, Alg::Rsa2048) {
            group.sample_size(10);
        } else {
            group.sample_size(100);
        }
        let ring_label = if matches!(alg, Alg::Rsa2048) {
            "rsa crate"
        } else {
            "ring"
        };
        group.bench_function(BenchmarkId::new(ring_label, name), |b| {
            b.iter(|| with_ring::generate(alg, &ring_rng))
        });
        group.bench_function(BenchmarkId::new("aws-lc-rs", name), |b| {
            b.iter(|| with_aws_lc::generate(alg, &aws_rng))
        });
    }
    group.sample_size(100);
    for (alg, name) in ML_DSA {
        group.bench_function(BenchmarkId::new("aws-lc-rs", name), |b| {
            b.iter(|| aws_lc_rs::signature::PqdsaKeyPair::generate(alg).unwrap())
        });
    }
    group.finish();
}

fn sign(c: &mut Criterion) {
    let mut group = c.benchmark_group("sign 1 KiB");
    for (alg, name, pkcs8) in keys() {
        let ring_signer = with_ring::signer(alg, &pkcs8);
        let aws_signer = with_aws_lc::signer(alg, &pkcs8);
        group.bench_function(BenchmarkId::new("ring", name), |b| {
            b.iter(|| ring_signer(&MESSAGE))
        });
        group.bench_function(BenchmarkId::new("aws-lc-rs", name), |b| {
            b.iter(|| aws_signer(&MESSAGE))
        });
    }
    for (alg, name) in ML_DSA {
        let key = aws_lc_rs::signature::PqdsaKeyPair::generate(alg).unwrap();
        let mut out = vec![0; alg.signature_len()];
        group.bench_function(BenchmarkId::new("aws-lc-rs", name), |b| {
            b.iter(|| key.sign(&MESSAGE, &mut out).unwrap())
        });
    }
    group.finish();
}

fn verify(c: &mut Criterion) {
    let mut group = c.benchmark_group("verify 1 KiB");
    for (alg, name, pkcs8) in keys() {
        let signature = with_aws_lc::signer(alg, &pkcs8)(&MESSAGE);
        let ring_public = with_ring::public_key(alg, &pkcs8);
        let aws_public = with_aws_lc::public_key(alg, &pkcs8);
        group.bench_function(BenchmarkId::new("ring", name), |b| {
            b.iter(|| with_ring::verify(alg, &ring_public, &MESSAGE, &signature))
        });
        group.bench_function(BenchmarkId::new("aws-lc-rs", name), |b| {
            b.iter(|| with_aws_lc::verify(alg, &aws_public, &MESSAGE, &signature))
        });
    }
    for ((alg, name), verification) in ML_DSA.into_iter().zip(ML_DSA_VERIFY) {
        use aws_lc_rs::signature::KeyPair;
        let key = aws_lc_rs::signature::PqdsaKeyPair::generate(alg).unwrap();
        let mut signature = vec![0; alg.signature_len()];
        key.sign(&MESSAGE, &mut signature).unwrap();
        let public = key.public_key().as_ref().to_vec();
        group.bench_function(BenchmarkId::new("aws-lc-rs", name), |b| {
            b.iter(|| {
                aws_lc_rs::signature::UnparsedPublicKey::new(verification, &public)
                    .verify(&MESSAGE, &signature)
                    .unwrap()
            })
        });
    }
    group.finish();
}

type PqSigning = &'static aws_lc_rs::signature::PqdsaSigningAlgorithm;

const ML_DSA: [(PqSigning, &str); 3] = [
    (&aws_lc_rs::signature::ML_DSA_44_SIGNING, "ML-DSA-44"),
    (&aws_lc_rs::signature::ML_DSA_65_SIGNING, "ML-DSA-65"),
    (&aws_lc_rs::signature::ML_DSA_87_SIGNING, "ML-DSA-87"),
];

const ML_DSA_VERIFY: [&aws_lc_rs::signature::PqdsaVerificationAlgorithm; 3] = [
    &aws_lc_rs::signature::ML_DSA_44,
    &aws_lc_rs::signature::ML_DSA_65,
    &aws_lc_rs::signature::ML_DSA_87,
];

criterion_group!(benches, keygen, sign, verify);
criterion_main!(benches);
