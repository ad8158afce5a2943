//! Chains made by the openssl command line (not by rcgen): RSA-PSS and ECDSA verify; SHA-1 and
//! RSA-1024 are refused with the reason. Needs the `openssl` binary.

use std::path::Path;
use std::process::Command;

use ca_verify::{verify, ExpectedName, Reason, TrustAnchor, VerifyOptions};

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn read_der(dir: &Path, pem: &str) -> Vec<u8> {
    let text = std::fs::read(dir.join(pem)).unwrap();
    x509_parser::pem::parse_x509_pem(&text).unwrap().1.contents
}

const EXT: &str = "[ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[leaf]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:example.com
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
";

/// root (key `root_key`) -> intermediate (P-384) -> leaf (P-256), signed with `sign` options.
fn make_chain(dir: &Path, root_key: &[&str], sign: &[&str]) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    std::fs::write(dir.join("ext.cnf"), EXT).unwrap();
    let mut genroot = vec!["genpkey", "-out", "root.key"];
    genroot.extend_from_slice(root_key);
    openssl(dir, &genroot);
    let mut req = vec![
        "req",
        "-x509",
        "-key",
        "root.key",
        "-out",
        "root.pem",
        "-subj",
        "/CN=OpenSSL Root",
        "-days",
        "30",
        "-config",
        "ext.cnf",
        "-extensions",
        "ca",
    ];
    req.extend_from_slice(sign);
    openssl(dir, &req);
    for (name, curve, subj) in [
        ("ica", "P-384", "/CN=OpenSSL Intermediate"),
        ("leaf", "P-256", "/CN=example.com"),
    ] {
        openssl(
            dir,
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                &format!("ec_paramgen_curve:{curve}"),
                "-out",
                &format!("{name}.key"),
            ],
        );
        openssl(
            dir,
            &[
                "req",
                "-new",
                "-key",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
                "-subj",
                subj,
            ],
        );
    }
    let mut ica = vec![
        "x509",
        "-req",
        "-in",
        "ica.csr",
        "-CA",
        "root.pem",
        "-CAkey",
        "root.key",
        "-out",
        "ica.pem",
        "-days",
        "20",
        "-extfile",
        "ext.cnf",
        "-extensions",
        "ca",
        "-set_serial",
        "1000",
    ];
    ica.extend_from_slice(sign);
    openssl(dir, &ica);
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ica.pem",
            "-CAkey",
            "ica.key",
            "-out",
            "leaf.pem",
            "-days",
            "10",
            "-extfile",
            "ext.cnf",
            "-extensions",
            "leaf",
            "-set_serial",
            "2000",
            "-sha384",
        ],
    );
    (
        read_der(dir, "root.pem"),
        read_der(dir, "ica.pem"),
        read_der(dir, "leaf.pem"),
    )
}

fn check(
    root: &[u8],
    ica: &[u8],
    leaf: &[u8],
) -> Result<ca_verify::VerifiedPath, ca_verify::VerifyError> {
    check_with(root, ica, leaf, ca_verify::Profile::WebPki)
}

fn check_with(
    root: &[u8],
    ica: &[u8],
    leaf: &[u8],
    profile: ca_verify::Profile,
) -> Result<ca_verify::VerifiedPath, ca_verify::VerifyError> {
    let mut opts = VerifyOptions::server(
        time::OffsetDateTime::now_utc(),
        Some(ExpectedName::Dns("example.com".into())),
    );
    opts.profile = profile;
    let anchors = [TrustAnchor::from_der(root).unwrap()];
    verify(leaf, &[ica.to_vec()], &anchors, &opts)
}

#[test]
fn rsa_pss_root_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let (root, ica, leaf) = make_chain(
        dir.path(),
        &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        &[
            "-sha256",
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:digest",
        ],
    );
    let path = check(&root, &ica, &leaf).unwrap();
    let sig = path
        .checks()
        .iter()
        .find(|r| r.check == "signature" && r.position == 1)
        .unwrap();
    assert!(sig.detail.contains("RSA-PSS SHA-256"), "{}", sig.detail);
}

#[test]
fn ecdsa_p384_root_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let (root, ica, leaf) = make_chain(
        dir.path(),
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
        &["-sha384"],
    );
    check(&root, &ica, &leaf).unwrap();
}

#[test]
fn sha1_signatures_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (root, ica, leaf) = make_chain(
        dir.path(),
        &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        &["-sha1"],
    );
    let e = check(&root, &ica, &leaf).unwrap_err();
    assert!(matches!(e.reason, Reason::WeakSignatureAlgorithm(_)), "{e}");
}

#[test]
fn rsa_1024_issuers_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (root, ica, leaf) = make_chain(
        dir.path(),
        &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
        &["-sha256"],
    );
    let e = check(&root, &ica, &leaf).unwrap_err();
    assert_eq!(e.reason.rule(), Some(ca_verify::RuleId::RsaMinimum), "{e}");
}

#[test]
fn ed25519_root_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let (root, ica, leaf) = make_chain(dir.path(), &["-algorithm", "ED25519"], &[]);
    // CA/B BR 6.1.5: no Ed25519 in the Web PKI; RFC 8410 makes it fine under RFC 5280.
    let e = check(&root, &ica, &leaf).unwrap_err();
    assert_eq!(
        e.reason.rule(),
        Some(ca_verify::RuleId::WebPkiKeyAlgorithms),
        "{e}"
    );
    let path = check_with(&root, &ica, &leaf, ca_verify::Profile::Rfc5280).unwrap();
    let sig = path
        .checks()
        .iter()
        .find(|r| r.check == "signature" && r.position == 1)
        .unwrap();
    assert!(sig.detail.contains("Ed25519"), "{}", sig.detail);
}

#[test]
fn rsa_pss_with_an_unconventional_salt_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (root, ica, leaf) = make_chain(
        dir.path(),
        &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        &[
            "-sha256",
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:20",
        ],
    );
    let e = check(&root, &ica, &leaf).unwrap_err();
    assert!(
        matches!(e.reason, Reason::UnsupportedSignatureAlgorithm(_)),
        "{e}"
    );
    assert!(e.to_string().contains("salt"), "{e}");
}
