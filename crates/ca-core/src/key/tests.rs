use std::sync::OnceLock;

use super::*;
use crate::test_tool as tool;

/// RSA generation is slow: one key per size per test run.
fn generated(key_type: KeyType) -> &'static PrivateKey {
    static KEYS: OnceLock<Vec<PrivateKey>> = OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        std::thread::scope(|s| {
            let handles: Vec<_> = KeyType::GENERATABLE
                .iter()
                .map(|&t| s.spawn(move || PrivateKey::generate(t).unwrap()))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        })
    });
    keys.iter().find(|k| k.key_type() == key_type).unwrap()
}

/// The openssl of Debian 12 (3.0) has no ML-DSA (OpenSSL 3.5 added it): the ML-DSA keys are
/// checked against Python `cryptography` instead (tests/peers, issue 13).
fn openssl_knows(t: &KeyType) -> bool {
    t.ml_dsa().is_none()
}

fn passphrase() -> Passphrase {
    Passphrase::new("correct horse").unwrap()
}

fn openssl(args: &[&str], stdin: Option<&[u8]>) -> Vec<u8> {
    use std::io::Write;
    let mut child = tool::OPENSSL
        .command()
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run openssl");
    let mut input = child.stdin.take().unwrap();
    if let Some(data) = stdin {
        input.write_all(data).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn key_type_names_round_trip() {
    for t in KeyType::GENERATABLE {
        assert_eq!(t.to_string().parse::<KeyType>().unwrap(), t);
    }
    assert_eq!(KeyType::default().to_string(), "ecdsa-p256");
    let err = "rsa-1024".parse::<KeyType>().unwrap_err();
    assert!(err.contains("ecdsa-p256"), "{err}");
}

#[test]
fn every_key_type_round_trips_as_pkcs8_pem_and_der() {
    for t in KeyType::GENERATABLE {
        let key = generated(t);
        assert_eq!(key.key_type(), t);
        let from_pem = PrivateKey::parse(key.to_pem().as_bytes(), None).unwrap();
        assert_eq!(from_pem.key_type(), t);
        assert_eq!(from_pem.public_key_der(), key.public_key_der());
        let from_der = PrivateKey::parse(key.pkcs8_der(), None).unwrap();
        assert_eq!(from_der.public_key_der(), key.public_key_der());
        assert_eq!(from_der.source_format(), KeyFormat::Pkcs8);
    }
}

#[test]
fn encrypted_keys_round_trip_and_need_the_right_passphrase() {
    let key = generated(KeyType::EcdsaP256);
    let pem = key.to_encrypted_pem(&passphrase()).unwrap();
    assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    let back = PrivateKey::parse(pem.as_bytes(), Some(&passphrase())).unwrap();
    assert_eq!(back.public_key_der(), key.public_key_der());
    assert_eq!(back.source_format(), KeyFormat::EncryptedPkcs8);

    let wrong = Passphrase::new("wrong").unwrap();
    assert_eq!(
        PrivateKey::parse(pem.as_bytes(), Some(&wrong)).unwrap_err(),
        KeyError::WrongPassphrase
    );
    assert_eq!(
        PrivateKey::parse(pem.as_bytes(), None).unwrap_err(),
        KeyError::PassphraseRequired
    );
}

#[test]
fn openssl_reads_our_plain_and_encrypted_keys() {
    for t in KeyType::GENERATABLE.into_iter().filter(openssl_knows) {
        let key = generated(t);
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain.pem");
        let encrypted = dir.path().join("encrypted.pem");
        let pass = dir.path().join("pass");
        std::fs::write(&pass, "correct horse\n").unwrap();
        key.write_file(&plain, None, Overwrite::Refuse).unwrap();
        key.write_file(&encrypted, Some(&passphrase()), Overwrite::Refuse)
            .unwrap();
        let ours = openssl(
            &[
                "pkey",
                "-pubout",
                "-outform",
                "DER",
                "-in",
                plain.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(ours, key.public_key_der(), "{t}");
        let pass_arg = format!("file:{}", pass.display());
        let decrypted = openssl(
            &[
                "pkey",
                "-pubout",
                "-outform",
                "DER",
                "-passin",
                &pass_arg,
                "-in",
                encrypted.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(decrypted, key.public_key_der(), "{t}");
    }
}

/// Every format openssl writes, for every key type we support.
#[test]
fn we_read_keys_openssl_writes() {
    let dir = tempfile::tempdir().unwrap();
    let pass_file = dir.path().join("pass");
    std::fs::write(&pass_file, "correct horse").unwrap();
    let pass_arg = "pass:correct horse";
    for t in KeyType::GENERATABLE.into_iter().filter(openssl_knows) {
        // Re-export our key with openssl: that exercises openssl's writers
        // without generating more RSA keys.
        let pkcs8 = generated(t).to_pem();
        let mut variants: Vec<(&str, Vec<u8>, bool)> = vec![
            (
                "pkcs8 pem",
                openssl(&["pkey"], Some(pkcs8.as_bytes())),
                false,
            ),
            (
                "pkcs8 der",
                openssl(&["pkey", "-outform", "DER"], Some(pkcs8.as_bytes())),
                false,
            ),
            (
                "encrypted pkcs8 pbkdf2",
                openssl(
                    &["pkey", "-aes256", "-passout", pass_arg],
                    Some(pkcs8.as_bytes()),
                ),
                true,
            ),
            (
                "encrypted pkcs8 der",
                openssl(
                    &[
                        "pkcs8",
                        "-topk8",
                        "-v2",
                        "aes-256-cbc",
                        "-outform",
                        "DER",
                        "-passout",
                        pass_arg,
                    ],
                    Some(pkcs8.as_bytes()),
                ),
                true,
            ),
            (
                "encrypted pkcs8 scrypt",
                openssl(
                    &["pkcs8", "-topk8", "-scrypt", "-passout", pass_arg],
                    Some(pkcs8.as_bytes()),
                ),
                true,
            ),
        ];
        if t.is_rsa() {
            variants.push((
                "pkcs1 pem",
                openssl(&["rsa", "-traditional"], Some(pkcs8.as_bytes())),
                false,
            ));
            variants.push((
                "pkcs1 der",
                openssl(
                    &["rsa", "-traditional", "-outform", "DER"],
                    Some(pkcs8.as_bytes()),
                ),
                false,
            ));
        }
        if matches!(
            t,
            KeyType::EcdsaP256 | KeyType::EcdsaP384 | KeyType::EcdsaP521
        ) {
            variants.push(("sec1 pem", openssl(&["ec"], Some(pkcs8.as_bytes())), false));
            variants.push((
                "sec1 der",
                openssl(&["ec", "-outform", "DER"], Some(pkcs8.as_bytes())),
                false,
            ));
        }
        for (name, data, encrypted) in variants {
            let pass = encrypted.then(passphrase);
            let key = PrivateKey::parse(&data, pass.as_ref())
                .unwrap_or_else(|e| panic!("{t} {name}: {e}"));
            assert_eq!(key.key_type(), t, "{name}");
            assert_eq!(
                key.public_key_der(),
                generated(t).public_key_der(),
                "{t} {name}"
            );
        }
    }
    // A key openssl generates itself (PKCS#8 v1 EC key with the public key).
    let fresh = openssl(
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-384",
        ],
        None,
    );
    assert_eq!(
        PrivateKey::parse(&fresh, None).unwrap().key_type(),
        KeyType::EcdsaP384
    );
    // P-521 from openssl, and as SEC1 without its public key (RFC 5915 3: publicKey is
    // OPTIONAL): read, and the public key is the one openssl computes.
    let p521 = openssl(
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-521",
        ],
        None,
    );
    let key = PrivateKey::parse(&p521, None).unwrap();
    assert_eq!(key.key_type(), KeyType::EcdsaP521);
    let bare = openssl(&["ec", "-no_public"], Some(&p521));
    let bare_key = PrivateKey::parse(&bare, None).unwrap();
    assert_eq!(bare_key.public_key_der(), key.public_key_der());
    let openssl_public = openssl(&["pkey", "-pubout", "-outform", "DER"], Some(&p521));
    assert_eq!(key.public_key_der(), openssl_public);
    let ed = openssl(&["genpkey", "-algorithm", "ED25519"], None);
    assert_eq!(
        PrivateKey::parse(&ed, None).unwrap().key_type(),
        KeyType::Ed25519
    );
    // `openssl ecparam -genkey` puts an EC PARAMETERS block first.
    let with_params = openssl(&["ecparam", "-name", "prime256v1", "-genkey"], None);
    assert_eq!(
        PrivateKey::parse(&with_params, None).unwrap().key_type(),
        KeyType::EcdsaP256
    );
}

#[test]
fn bad_inputs_get_clear_errors() {
    assert_eq!(PrivateKey::parse(b"", None).unwrap_err(), KeyError::Empty);
    assert_eq!(
        PrivateKey::parse(b"\n  \n", None).unwrap_err(),
        KeyError::Empty
    );
    assert!(matches!(
        PrivateKey::parse(b"this is not a key at all", None).unwrap_err(),
        KeyError::Malformed(_)
    ));
    let pem = generated(KeyType::EcdsaP256).to_pem();
    let truncated = &pem[..pem.len() / 2];
    assert!(matches!(
        PrivateKey::parse(truncated.as_bytes(), None).unwrap_err(),
        KeyError::Malformed(_)
    ));
    let der = generated(KeyType::EcdsaP256).pkcs8_der();
    assert!(matches!(
        PrivateKey::parse(&der[..der.len() - 10], None).unwrap_err(),
        KeyError::Malformed(_)
    ));
    let public = pem::encode(&pem::Pem::new(
        "PUBLIC KEY",
        generated(KeyType::EcdsaP256).public_key_der(),
    ));
    assert_eq!(
        PrivateKey::parse(public.as_bytes(), None).unwrap_err(),
        KeyError::NotAKey {
            found: "a public key"
        }
    );
    let cert = rcgen::CertificateParams::new(vec!["a.test".to_string()])
        .unwrap()
        .self_signed(&generated(KeyType::EcdsaP256))
        .unwrap();
    assert_eq!(
        PrivateKey::parse(cert.pem().as_bytes(), None).unwrap_err(),
        KeyError::NotAKey {
            found: "a certificate"
        }
    );
    assert_eq!(
        PrivateKey::parse(cert.der(), None).unwrap_err(),
        KeyError::NotAKey {
            found: "a certificate"
        }
    );
    // A named curve `ca` does not sign with: the error names the curve and the ones it does.
    let k1 = openssl(
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:secp256k1",
        ],
        None,
    );
    for key in [k1.clone(), openssl(&["ec"], Some(&k1))] {
        let err = PrivateKey::parse(&key, None).unwrap_err().to_string();
        assert!(err.contains("1.3.132.0.10"), "{err}");
        assert!(err.contains("P-256, P-384 or P-521"), "{err}");
    }
}

#[test]
fn read_file_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.pem");
    std::fs::write(&path, "garbage").unwrap();
    let err = PrivateKey::read_file(&path, None).unwrap_err();
    assert!(
        err.to_string().starts_with(&path.display().to_string()),
        "{err}"
    );
    let missing = dir.path().join("missing.pem");
    let err = PrivateKey::read_file(&missing, None).unwrap_err();
    assert!(err.to_string().contains("missing.pem"), "{err}");
}

#[test]
fn written_keys_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key.pem");
    generated(KeyType::Ed25519)
        .write_file(&path, None, Overwrite::Refuse)
        .unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}
