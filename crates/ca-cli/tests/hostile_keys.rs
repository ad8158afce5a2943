//! Key files other tools write: EC points stored compressed, 8192-bit RSA, keys encrypted with
//! the PKCS#12 PBE schemes, EC keys without a named curve. Built with `openssl` (Debian
//! package `openssl`, with its legacy provider for RC2/RC4, in libssl3) and by editing DER.

mod common;
mod hostile_support;

use common::*;
use hostile_support::*;

#[test]
fn a_key_stored_compressed_and_its_certificate_have_one_public_key_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for curve in ["prime256v1", "secp384r1"] {
        openssl(
            d,
            &[
                "ecparam", "-name", curve, "-genkey", "-noout", "-out", "key.pem",
            ],
        );
        // The same key with its point compressed, and a certificate carrying that form.
        openssl(
            d,
            &[
                "ec",
                "-in",
                "key.pem",
                "-conv_form",
                "compressed",
                "-out",
                "key-c.pem",
            ],
        );
        openssl(
            d,
            &[
                "ec",
                "-in",
                "key.pem",
                "-conv_form",
                "compressed",
                "-pubout",
                "-out",
                "pub-c.pem",
            ],
        );
        openssl(
            d,
            &[
                "req",
                "-new",
                "-x509",
                "-key",
                "key-c.pem",
                "-subj",
                "/CN=compressed",
                "-days",
                "30",
                "-out",
                "cert.pem",
            ],
        );
        let point = openssl(d, &["x509", "-in", "cert.pem", "-noout", "-text"]).stdout;
        assert!(
            point.contains("pub:\n                    02")
                || point.contains("pub:\n                    03"),
            "{curve}: openssl wrote the certificate's point compressed:\n{point}"
        );
        let cert = inspect_json(d, "cert.pem");
        let key = inspect_json(d, "key.pem");
        let public = inspect_json(d, "pub-c.pem");
        assert_eq!(public_key_sha256(&cert), public_key_sha256(&key), "{curve}");
        assert_eq!(
            public_key_sha256(&public),
            public_key_sha256(&key),
            "{curve}"
        );
        assert_eq!(
            cert["objects"][0]["public_key"]["sha256_note"],
            "EC point stored compressed; hashed uncompressed"
        );
        assert!(key["objects"][0]["public_key"].get("sha256_note").is_none());
        // The uncompressed form is what openssl hashes for the usual (uncompressed) key.
        openssl(
            d,
            &[
                "pkey", "-in", "key.pem", "-pubout", "-outform", "DER", "-out", "pub.der",
            ],
        );
        let digest = openssl(d, &["dgst", "-sha256", "-r", "pub.der"]).stdout;
        assert!(digest.starts_with(&public_key_sha256(&key)), "{digest}");
        let text = ca(d, &["inspect", "cert.pem"]).stdout;
        assert!(
            text.contains("(EC point stored compressed; hashed uncompressed)"),
            "{text}"
        );
    }
}

#[test]
fn an_8192_bit_rsa_key_is_read_inspected_and_verified_and_signing_is_refused_in_plain_words() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(fixture("rsa-8192-key.pem"), d.join("root-key.pem")).unwrap();
    openssl(
        d,
        &[
            "req",
            "-new",
            "-x509",
            "-key",
            "root-key.pem",
            "-subj",
            "/CN=Big Root",
            "-days",
            "30",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-out",
            "root.pem",
        ],
    );
    openssl(
        d,
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            "leaf-key.pem",
        ],
    );
    openssl(
        d,
        &[
            "req",
            "-new",
            "-key",
            "leaf-key.pem",
            "-subj",
            "/CN=leaf.test",
            "-out",
            "leaf.csr",
        ],
    );
    write(
        d,
        "ext.cnf",
        "subjectAltName=DNS:leaf.test\nbasicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    );
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "root.pem",
            "-CAkey",
            "root-key.pem",
            "-days",
            "20",
            "-extfile",
            "ext.cnf",
            "-out",
            "leaf.pem",
        ],
    );

    let key = inspect_json(d, "root-key.pem");
    assert_eq!(key["objects"][0]["public_key"]["key_type"], "rsa-8192");
    let cert = inspect_json(d, "root.pem");
    assert_eq!(cert["objects"][0]["public_key"]["bits"], 8192);
    assert_eq!(
        public_key_sha256(&key),
        public_key_sha256(&cert),
        "the key and its certificate match"
    );
    let run = ca(
        d,
        &[
            "verify",
            "leaf.pem",
            "--roots",
            "root.pem",
            "--host",
            "leaf.test",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);

    // Signing: ring takes RSA keys up to 4096 bits; the refusal says so and what to do.
    let run = ca(
        d,
        &[
            "init",
            "--ca-dir",
            "ca",
            "--import-cert",
            "root.pem",
            "--import-key",
            "root-key.pem",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains("8192-bit RSA key cannot sign here")
            && run.stderr.contains("at most 4096 bits"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("ring: TooLarge"), "{}", run.stderr);
}

#[test]
fn keys_encrypted_with_the_pkcs12_pbe_schemes_are_read_and_others_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl(
        d,
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            "plain.pem",
        ],
    );
    write(d, "pass", "correct horse\n");
    write(d, "wrong", "wrong horse\n");
    let plain = public_key_sha256(&inspect_json(d, "plain.pem"));
    // RC2 and RC4 live in OpenSSL 3's legacy provider (in Debian's libssl3).
    let legacy = ["-provider", "legacy", "-provider", "default"];
    for (scheme, needs_legacy) in [
        ("PBE-SHA1-3DES", false),
        ("PBE-SHA1-2DES", false),
        ("PBE-SHA1-RC2-40", true),
        ("PBE-SHA1-RC2-128", true),
    ] {
        let out = format!("{scheme}.pem");
        let mut args = vec!["pkcs8", "-topk8", "-v1", scheme, "-in", "plain.pem"];
        if needs_legacy {
            args.extend(legacy);
        }
        args.extend(["-passout", "file:pass", "-out", &out]);
        openssl(d, &args);
        let run = ca(d, &["inspect", "--json", "--passphrase-file", "pass", &out]);
        assert_eq!(run.code, 0, "{scheme}: {}", run.stderr);
        let key = json(&run);
        assert_eq!(key["objects"][0]["encrypted"], true);
        assert_eq!(public_key_sha256(&key), plain, "{scheme}");
        let run = ca(d, &["inspect", "--passphrase-file", "wrong", &out]);
        assert_eq!(run.code, 2);
        assert!(
            run.stderr.contains("wrong passphrase"),
            "{scheme}: {}",
            run.stderr
        );
    }
    // Usable to sign: a CA imported with a 3DES-encrypted key issues.
    openssl(
        d,
        &[
            "req",
            "-new",
            "-x509",
            "-key",
            "plain.pem",
            "-subj",
            "/CN=Legacy Key Root",
            "-days",
            "30",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-out",
            "root.pem",
        ],
    );
    let run = ca(
        d,
        &[
            "init",
            "--ca-dir",
            "ca",
            "--import-cert",
            "root.pem",
            "--import-key",
            "PBE-SHA1-3DES.pem",
            "--passphrase-file",
            "pass",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = ca(
        d,
        &[
            "issue",
            "--ca-dir",
            "ca",
            "--ca-passphrase-file",
            "pass",
            "web.test",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);

    // RC4 is not read: the error names the scheme.
    let mut args = vec![
        "pkcs8",
        "-topk8",
        "-v1",
        "PBE-SHA1-RC4-128",
        "-in",
        "plain.pem",
    ];
    args.extend(legacy);
    args.extend(["-passout", "file:pass", "-out", "rc4.pem"]);
    openssl(d, &args);
    let run = ca(d, &["inspect", "--passphrase-file", "pass", "rc4.pem"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("pbeWithSHAAnd128BitRC4 (1.2.840.113549.1.12.1.1)")
            && run.stderr.contains("openssl pkcs8 -topk8 -v2 aes-256-cbc"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("malformed ASN.1"), "{}", run.stderr);
}

const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];

#[test]
fn ec_keys_without_a_named_curve_are_of_an_unknown_curve_never_p256() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let refused_as_unknown = |file: &str, why: &str| {
        let run = ca(d, &["inspect", file]);
        assert_eq!(run.code, 2, "{file}: {}", run.stdout);
        assert!(
            run.stderr.contains("unknown curve") && run.stderr.contains(why),
            "{file}: {}",
            run.stderr
        );
        assert!(!run.stdout.contains("P-256"), "{file}: {}", run.stdout);
    };

    // A secp256k1 SEC1 key with its parameters cut out: a 32-byte scalar, like P-256's.
    openssl(
        d,
        &[
            "ecparam",
            "-name",
            "secp256k1",
            "-genkey",
            "-noout",
            "-outform",
            "DER",
            "-out",
            "k1.der",
        ],
    );
    let sec1 = std::fs::read(d.join("k1.der")).unwrap();
    let (_, head, _) = element(&sec1, 0);
    let mut body = Vec::new();
    let mut at = head;
    while at < sec1.len() {
        let (tag, h, n) = element(&sec1, at);
        if tag != 0xa0 {
            body.extend_from_slice(&sec1[at..at + h + n]);
        }
        at += h + n;
    }
    std::fs::write(d.join("no-params.der"), tlv(0x30, &body)).unwrap();
    refused_as_unknown("no-params.der", "names no curve");

    // Explicit curve parameters (the P-256 domain spelled out): private key and public key.
    openssl(
        d,
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-param_enc",
            "explicit",
            "-out",
            "explicit.pem",
        ],
    );
    refused_as_unknown("explicit.pem", "explicit parameters");
    openssl(
        d,
        &["pkey", "-in", "explicit.pem", "-out", "explicit-p8.pem"],
    );
    refused_as_unknown("explicit-p8.pem", "names no curve");
    openssl(
        d,
        &[
            "pkey",
            "-in",
            "explicit.pem",
            "-pubout",
            "-out",
            "explicit-pub.pem",
        ],
    );
    let run = ca(d, &["inspect", "explicit-pub.pem"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("EC, unknown curve"), "{}", run.stdout);
    assert!(!run.stdout.contains("P-256"), "{}", run.stdout);
    let report = inspect_json(d, "explicit-pub.pem");
    assert_eq!(
        report["objects"][0]["public_key"]["key_type"],
        "ec-unknown-curve"
    );

    // Contradictory: PKCS#8 says P-384, the SEC1 key inside says P-256.
    openssl(
        d,
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-outform",
            "DER",
            "-out",
            "p256.der",
        ],
    );
    let inner = std::fs::read(d.join("p256.der")).unwrap();
    let mut algorithm = tlv(0x06, OID_EC_PUBLIC_KEY);
    algorithm.extend(tlv(0x06, OID_P384));
    let mut pkcs8 = vec![0x02, 0x01, 0x00];
    pkcs8.extend(tlv(0x30, &algorithm));
    pkcs8.extend(tlv(0x04, &inner));
    std::fs::write(d.join("contradictory.der"), tlv(0x30, &pkcs8)).unwrap();
    refused_as_unknown("contradictory.der", "contradictory curves");
}
