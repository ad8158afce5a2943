//! CSRs cross between OpenSSL and `ca` in both directions, for every key
//! type: `ca sign` signs a CSR that `openssl req` made (applying our
//! profile: a CA:TRUE request is not copied) and `openssl verify` accepts
//! the result; `openssl req -verify` accepts the CSRs `ca csr` writes, and
//! their key files.

use std::path::{Path, PathBuf};

use crate::support::{
    certificate_public_key, csr_public_key, key_public_key, openssl_verify, pki, read_text,
    run_json, succeed, Pki, OPENSSL,
};

const CSR_NAME: &str = "csr.example.test";

/// `openssl genpkey` arguments for a `ca` key type.
fn genpkey_args(key_type: &str) -> Vec<String> {
    let args = match key_type {
        "ecdsa-p256" => "-algorithm EC -pkeyopt ec_paramgen_curve:P-256",
        "ecdsa-p384" => "-algorithm EC -pkeyopt ec_paramgen_curve:P-384",
        "ecdsa-p521" => "-algorithm EC -pkeyopt ec_paramgen_curve:P-521",
        "ed25519" => "-algorithm ED25519",
        "rsa-2048" => "-algorithm RSA -pkeyopt rsa_keygen_bits:2048",
        "rsa-3072" => "-algorithm RSA -pkeyopt rsa_keygen_bits:3072",
        "rsa-4096" => "-algorithm RSA -pkeyopt rsa_keygen_bits:4096",
        other => panic!("no openssl equivalent for key type {other}"),
    };
    args.split(' ').map(str::to_owned).collect()
}

fn json_path(json: &serde_json::Value, key: &str) -> PathBuf {
    PathBuf::from(
        json[key]
            .as_str()
            .unwrap_or_else(|| panic!("no `{key}` in {json}")),
    )
}

/// `ca sign CSR --json` with the hierarchy's CA, into a new folder.
fn ca_sign(pki: &Pki, csr: &Path) -> serde_json::Value {
    run_json(
        pki.ca
            .command("sign")
            .arg(csr)
            .arg("--out")
            .arg(pki.ca.new_out_dir())
            .arg("--json"),
    )
}

fn ca_signs_openssl_csr(key_type: &str) {
    let pki = pki(key_type);
    let work = pki.ca.new_out_dir();
    let key = work.join("openssl-key.pem");
    succeed(
        OPENSSL
            .command()
            .arg("genpkey")
            .args(genpkey_args(key_type))
            .arg("-out")
            .arg(&key),
    );
    let csr = work.join("request.csr");
    // The request also asks to be a CA: our profile must not copy that.
    succeed(
        OPENSSL
            .command()
            .args(["req", "-new", "-subj"])
            .arg(format!("/CN={CSR_NAME}"))
            .arg("-addext")
            .arg(format!("subjectAltName=DNS:{CSR_NAME},IP:127.0.0.1"))
            .args(["-addext", "basicConstraints=critical,CA:TRUE"])
            .arg("-key")
            .arg(&key)
            .arg("-out")
            .arg(&csr),
    );
    let signed = ca_sign(pki, &csr);
    let cert = json_path(&signed, "cert");
    let chain = json_path(&signed, "fullchain");
    for host in [["-verify_hostname", CSR_NAME], ["-verify_ip", "127.0.0.1"]] {
        succeed(&mut openssl_verify(
            &pki.root.cert,
            &chain,
            &cert,
            "sslserver",
            &host,
        ));
    }
    assert_eq!(
        certificate_public_key(&cert),
        key_public_key(&key, None),
        "the signed certificate does not carry the CSR's key"
    );
    let text = succeed(
        OPENSSL
            .command()
            .args(["x509", "-noout", "-ext", "basicConstraints", "-in"])
            .arg(&cert),
    );
    assert!(
        !String::from_utf8_lossy(&text.stdout).contains("CA:TRUE"),
        "`ca sign` copied CA:TRUE from the CSR: {}",
        String::from_utf8_lossy(&text.stdout)
    );
}

mod ca_signs_openssl_csr {
    crate::support::test_each_key_type!(super::ca_signs_openssl_csr);
}

fn openssl_reads_ca_csr(key_type: &str) {
    let pki = pki(key_type);
    let out = pki.ca.new_out_dir();
    let made = run_json(
        pki.ca
            .command_without_ca_dir("csr")
            .args([CSR_NAME, "127.0.0.1", "--key-type", key_type, "--json"])
            .arg("--out")
            .arg(&out),
    );
    let csr = json_path(&made, "csr");
    let key = json_path(&made, "key");
    let checked = succeed(
        OPENSSL
            .command()
            .args(["req", "-verify", "-noout", "-text", "-in"])
            .arg(&csr),
    );
    let text = String::from_utf8_lossy(&checked.stdout);
    assert!(
        text.contains(&format!("DNS:{CSR_NAME}")) && text.contains("IP Address:127.0.0.1"),
        "the CSR does not request the names:\n{text}"
    );
    assert!(read_text(&key).starts_with("-----BEGIN PRIVATE KEY-----"));
    assert_eq!(
        csr_public_key(&csr),
        key_public_key(&key, None),
        "the CSR is not for the key written beside it"
    );
    // And the CSR `ca` wrote signs into a certificate openssl accepts.
    let signed = ca_sign(pki, &csr);
    succeed(&mut openssl_verify(
        &pki.root.cert,
        &json_path(&signed, "fullchain"),
        &json_path(&signed, "cert"),
        "sslserver",
        &["-verify_hostname", CSR_NAME],
    ));
}

mod openssl_reads_ca_csr {
    crate::support::test_each_key_type!(super::openssl_reads_ca_csr);
}
