//! `ca csr` and `ca sign`.

mod issuing_support;

use issuing_support::*;

#[test]
fn csr_then_sign() {
    let env = Env::new();
    env.run(&["init"], 0);
    let made = env.json(&[
        "csr",
        "api.example.test",
        "10.0.0.5",
        "--key-type",
        "ecdsa-p384",
    ]);
    let csr = field(&made, "csr");
    let key = field(&made, "key");
    assert_eq!(mode(&key), 0o600);
    openssl(&["req", "-verify", "-noout", "-in", csr.to_str().unwrap()]);
    env.run(&["csr", "api.example.test"], 1);

    let signed = env.json(&["sign", csr.to_str().unwrap(), "--out", "."]);
    let cert = field(&signed, "cert");
    assert!(openssl_verify(
        &field(&signed, "root"),
        &field(&signed, "fullchain"),
        &cert,
        Some("api.example.test")
    ));
    // The certificate is for the CSR's key.
    let cert_key = openssl(&["x509", "-noout", "-pubkey", "-in", cert.to_str().unwrap()]);
    let csr_key = openssl(&["pkey", "-pubout", "-in", key.to_str().unwrap()]);
    assert_eq!(cert_key, csr_key);
    env.run(&["sign", csr.to_str().unwrap()], 1);
}

#[test]
fn sign_applies_our_profile_to_a_greedy_csr() {
    let env = Env::new();
    env.run(&["init"], 0);
    let key = env.path("key.pem");
    openssl(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        key.to_str().unwrap(),
    ]);
    let csr = env.path("greedy.csr");
    openssl(&[
        "req",
        "-new",
        "-key",
        key.to_str().unwrap(),
        "-out",
        csr.to_str().unwrap(),
        "-subj",
        "/CN=greedy.test",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        "-addext",
        "subjectAltName=DNS:greedy.test",
    ]);
    let out = env.run(&["sign", csr.to_str().unwrap()], 0);
    assert!(
        stderr(&out).contains("basicConstraints"),
        "{}",
        stderr(&out)
    );
    let text = openssl(&[
        "x509",
        "-noout",
        "-text",
        "-in",
        env.path("greedy.test.pem").to_str().unwrap(),
    ]);
    assert!(text.contains("CA:FALSE"), "{text}");
    assert!(!text.contains("Certificate Sign"), "{text}");
    assert!(text.contains("TLS Web Server Authentication"), "{text}");
}

#[test]
fn sign_refuses_what_is_not_a_good_csr() {
    let env = Env::new();
    env.run(&["init"], 0);
    let issued = env.json(&["issue", "a.test"]);
    std::fs::write(env.path("garbage.csr"), "garbage").unwrap();
    std::fs::write(env.path("empty.csr"), "").unwrap();
    for (file, message) in [
        ("garbage.csr", "not a valid certificate signing request"),
        ("empty.csr", "empty"),
        ("missing.csr", "missing.csr"),
        (
            issued["cert"].as_str().unwrap(),
            "this is a certificate, not a CSR",
        ),
    ] {
        let out = env.run(&["sign", file], 2);
        let err = stderr(&out);
        assert!(err.contains(message), "{file}: {err}");
        assert!(
            err.contains(file.rsplit('/').next().unwrap()),
            "names the file: {err}"
        );
    }
}
