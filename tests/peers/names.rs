//! Every kind of name `ca issue` takes, and name constraints, as OpenSSL,
//! GnuTLS and pkilint see them: a wildcard, an IPv6 address, an
//! internationalised name (written as its A-label), an e-mail client
//! certificate. Name constraints on an intermediate: pkilint finds them
//! well formed, `ca` refuses to issue outside them, and OpenSSL and GnuTLS
//! enforce them on leaves that OpenSSL signs with the intermediate's key.

use std::path::{Path, PathBuf};

use crate::support::{
    openssl_verify, read_text, refuse, run, succeed, write_file, Ca, CaCert, Issued, CERTTOOL,
    OPENSSL, PKILINT,
};

fn openssl_accepts(root: &Path, leaf: &Issued, purpose: &str, checks: &[&str]) {
    succeed(&mut openssl_verify(
        root,
        &leaf.fullchain,
        &leaf.cert,
        purpose,
        checks,
    ));
}

fn openssl_refuses(root: &Path, leaf: &Issued, purpose: &str, checks: &[&str]) {
    refuse(&mut openssl_verify(
        root,
        &leaf.fullchain,
        &leaf.cert,
        purpose,
        checks,
    ));
}

/// pkilint finds no error (ERROR or FATAL) in one certificate.
fn pkilint_clean(cert: &Path) {
    let out = succeed(
        PKILINT
            .command()
            .args(["lint", "--severity", "ERROR", "--format", "TEXT"])
            .arg(cert),
    );
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.trim().is_empty(),
        "pkilint reports problems in {}:\n{report}",
        cert.display()
    );
}

#[test]
fn ipv6_and_internationalised_names() {
    let ca = Ca::new();
    let root = ca.init("ecdsa-p256");
    let leaf = ca.issue::<&str>(&["bücher.example.test", "::1"], &[]);
    let root = &root.cert;
    openssl_accepts(root, &leaf, "sslserver", &["-verify_ip", "::1"]);
    openssl_accepts(
        root,
        &leaf,
        "sslserver",
        &["-verify_hostname", "xn--bcher-kva.example.test"],
    );
    openssl_refuses(root, &leaf, "sslserver", &["-verify_ip", "::2"]);
    openssl_refuses(
        root,
        &leaf,
        "sslserver",
        &["-verify_hostname", "bucher.example.test"],
    );
    pkilint_clean(&leaf.cert);
}

/// (Not linted: RFC 5280 leaves wildcards out of scope, section 4.2.1.6,
/// and pkilint's RFC 5280 linter calls `*.example.test` bad syntax.)
#[test]
fn wildcard_names() {
    let ca = Ca::new();
    let root = ca.init("ecdsa-p256");
    let leaf = ca.issue::<&str>(&["*.example.test"], &[]);
    let root = &root.cert;
    openssl_accepts(
        root,
        &leaf,
        "sslserver",
        &["-verify_hostname", "www.example.test"],
    );
    // A wildcard covers one label, not the domain itself nor two labels.
    openssl_refuses(
        root,
        &leaf,
        "sslserver",
        &["-verify_hostname", "example.test"],
    );
    openssl_refuses(
        root,
        &leaf,
        "sslserver",
        &["-verify_hostname", "a.b.example.test"],
    );
    let gnutls = certtool_verify_chain(root, &leaf, "www.example.test");
    assert!(
        gnutls.status.success(),
        "certtool refused the wildcard leaf:\n{}",
        String::from_utf8_lossy(&gnutls.stdout)
    );
}

#[test]
fn email_client_certificate() {
    let ca = Ca::new();
    let root = ca.init("ecdsa-p256");
    let leaf = ca.issue(&["alice@example.test"], &["--client"]);
    openssl_accepts(
        &root.cert,
        &leaf,
        "sslclient",
        &["-verify_email", "alice@example.test"],
    );
    openssl_refuses(
        &root.cert,
        &leaf,
        "sslclient",
        &["-verify_email", "bob@example.test"],
    );
    pkilint_clean(&leaf.cert);
}

/// `certtool --verify` of a chain for a host name.
fn certtool_verify(root: &CaCert, leaf: &Issued, host: &str) -> std::process::Output {
    certtool_verify_chain(&root.cert, leaf, host)
}

fn certtool_verify_chain(root: &Path, leaf: &Issued, host: &str) -> std::process::Output {
    run(CERTTOOL
        .command()
        .arg("--verify")
        .arg("--load-ca-certificate")
        .arg(root)
        .arg("--infile")
        .arg(&leaf.fullchain)
        .arg(format!("--verify-hostname={host}")))
}

#[test]
fn name_constraints_hold_in_openssl_and_gnutls() {
    let ca = Ca::new();
    let root = ca.init("ecdsa-p256");
    let intermediate = ca.intermediate_with(
        "constrained",
        &[
            "--permit-dns",
            "example.test",
            "--permit-ip",
            "10.0.0.0/8",
            "--exclude-dns",
            "secret.example.test",
        ],
    );
    pkilint_clean(&intermediate.cert);

    let inside = ca.issue(
        &["www.example.test", "10.1.2.3"],
        &["--issuer", "constrained"],
    );
    openssl_accepts(
        &root.cert,
        &inside,
        "sslserver",
        &["-verify_hostname", "www.example.test"],
    );
    let gnutls = certtool_verify(&root, &inside, "www.example.test");
    assert!(
        gnutls.status.success(),
        "certtool refused a leaf inside the constraints:\n{}",
        String::from_utf8_lossy(&gnutls.stdout)
    );
    pkilint_clean(&inside.cert);

    // `ca` refuses to issue outside the constraints, and says why.
    for outside in ["www.other.test", "secret.example.test", "192.168.1.1"] {
        let refused = refuse(
            ca.command("issue")
                .args([outside, "--issuer", "constrained", "--out"])
                .arg(ca.new_out_dir()),
        );
        let message = String::from_utf8_lossy(&refused.stderr);
        assert!(
            message.contains(outside) && message.contains("subtree"),
            "the refusal to issue {outside} does not say which constraint: {message}"
        );
    }
    // The peers enforce the constraints as `ca` encoded them: OpenSSL signs
    // leaves with the intermediate's key, and only the one inside passes.
    let inside = openssl_signed_leaf(&ca, &intermediate, "DNS:www.example.test");
    openssl_accepts_chain(
        &root.cert,
        &inside,
        &["-verify_hostname", "www.example.test"],
    );
    for (san, check) in [
        ("DNS:www.other.test", ["-verify_hostname", "www.other.test"]),
        (
            "DNS:secret.example.test",
            ["-verify_hostname", "secret.example.test"],
        ),
        ("IP:192.168.1.1", ["-verify_ip", "192.168.1.1"]),
    ] {
        let outside = openssl_signed_leaf(&ca, &intermediate, san);
        refuse(&mut openssl_verify(
            &root.cert,
            &outside,
            &outside,
            "sslserver",
            &check,
        ));
        let host = &check[1];
        refuse(
            CERTTOOL
                .command()
                .arg("--verify")
                .arg("--load-ca-certificate")
                .arg(&root.cert)
                .arg("--infile")
                .arg(&outside)
                .arg(format!("--verify-hostname={host}")),
        );
    }
}

/// A leaf for one subjectAltName, made and signed by OpenSSL with the
/// given CA's key; returns a chain file (leaf, then the CA certificate).
fn openssl_signed_leaf(ca: &Ca, issuer: &CaCert, san: &str) -> PathBuf {
    let dir = ca.new_out_dir();
    let key = dir.join("key.pem");
    let csr = dir.join("leaf.csr");
    succeed(
        OPENSSL
            .command()
            .args(["req", "-new", "-newkey", "ec", "-pkeyopt"])
            .args([
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-subj",
                "/CN=openssl leaf",
            ])
            .arg("-addext")
            .arg(format!("subjectAltName={san}"))
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&csr),
    );
    let leaf = dir.join("leaf.pem");
    let extensions = dir.join("leaf.ext");
    write_file(
        &extensions,
        format!(
            "basicConstraints = critical,CA:FALSE\n\
             keyUsage = critical,digitalSignature\n\
             extendedKeyUsage = serverAuth\n\
             authorityKeyIdentifier = keyid\n\
             subjectAltName = {san}\n"
        ),
    );
    succeed(
        OPENSSL
            .command()
            .args(["x509", "-req", "-days", "2", "-in"])
            .arg(&csr)
            .arg("-CA")
            .arg(&issuer.cert)
            .arg("-CAkey")
            .arg(&issuer.key)
            .arg("-extfile")
            .arg(&extensions)
            .arg("-out")
            .arg(&leaf),
    );
    let chain = dir.join("chain.pem");
    write_file(&chain, read_text(&leaf) + &read_text(&issuer.cert));
    chain
}

fn openssl_accepts_chain(root: &Path, chain: &Path, checks: &[&str]) {
    succeed(&mut openssl_verify(root, chain, chain, "sslserver", checks));
}
