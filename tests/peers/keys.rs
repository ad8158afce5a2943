//! Key files cross between `ca` and OpenSSL in both directions.
//!
//! - OpenSSL reads every key `ca` writes (PKCS#8 PEM, mode 0600), for every
//!   key type, and its public key is the one in the certificate; encrypted
//!   keys open with the passphrase and only with it.
//! - `ca` reads the keys OpenSSL writes in every format (PKCS#8 PEM and DER,
//!   encrypted PKCS#8 PEM and DER, PKCS#1 RSA and SEC1 EC, PEM and DER):
//!   OpenSSL makes a CA key and certificate, `ca init --import-cert
//!   --import-key` takes them, `ca issue` signs a leaf with that key, and
//!   `openssl verify` accepts the leaf under OpenSSL's own CA certificate.

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::support;
use crate::support::{
    certificate_public_key, curl, key_public_key, openssl_verify, pki, read_text, refuse, succeed,
    write_file, Ca, Server, OPENSSL,
};

const PASSPHRASE: &str = "correct horse battery staple";

fn assert_private_key_file(key: &Path, label: &str) {
    let text = read_text(key);
    assert!(
        text.starts_with(&format!("-----BEGIN {label}-----")),
        "{} is not a `{label}` PEM file",
        key.display()
    );
    let mode = key
        .metadata()
        .expect("the key file exists")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600, "{} has mode {mode:o}, not 600", key.display());
}

fn openssl_reads_our_keys(key_type: &str) {
    let pki = pki(key_type);
    let pairs = [
        ("root", &pki.root.cert, &pki.root.key),
        (
            "intermediate",
            &pki.intermediate.cert,
            &pki.intermediate.key,
        ),
        ("server leaf", &pki.server.cert, &pki.server.key),
        (
            "server leaf via the intermediate",
            &pki.server_via_intermediate.cert,
            &pki.server_via_intermediate.key,
        ),
        ("client leaf", &pki.client.cert, &pki.client.key),
    ];
    for (what, cert, key) in pairs {
        assert_private_key_file(key, "PRIVATE KEY");
        assert_eq!(
            key_public_key(key, None),
            certificate_public_key(cert),
            "{key_type} {what}: the key file does not hold the certificate's key"
        );
    }
}

mod openssl_reads_our_keys {
    crate::support::test_each_key_type!(super::openssl_reads_our_keys);
}

/// A key format OpenSSL writes, and how to make it from a PKCS#8 PEM key.
#[derive(Clone, Copy, Debug)]
enum Format {
    Pkcs8Pem,
    Pkcs8Der,
    EncryptedPkcs8Pem,
    EncryptedPkcs8Der,
    /// PKCS#1 for RSA, SEC1 for EC: OpenSSL's "traditional" formats.
    TraditionalPem,
    TraditionalDer,
}

impl Format {
    fn encrypted(self) -> bool {
        matches!(self, Format::EncryptedPkcs8Pem | Format::EncryptedPkcs8Der)
    }

    fn der(self) -> bool {
        matches!(
            self,
            Format::Pkcs8Der | Format::EncryptedPkcs8Der | Format::TraditionalDer
        )
    }

    /// Converts the PKCS#8 PEM key `from` into this format at `to`.
    fn convert(self, from: &Path, to: &Path, passphrase_file: &Path) {
        let mut cmd = OPENSSL.command();
        match self {
            Format::Pkcs8Pem => cmd.args(["pkey"]),
            Format::Pkcs8Der => cmd.args(["pkey", "-outform", "DER"]),
            Format::EncryptedPkcs8Pem | Format::EncryptedPkcs8Der => {
                cmd.args(["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-passout"])
                    .arg(pass_arg(passphrase_file));
                if self.der() {
                    cmd.args(["-outform", "DER"]);
                }
                &mut cmd
            }
            Format::TraditionalPem => cmd.args(["pkey", "-traditional"]),
            Format::TraditionalDer => cmd.args(["pkey", "-traditional", "-outform", "DER"]),
        };
        cmd.arg("-in").arg(from).arg("-out").arg(to);
        succeed(&mut cmd);
    }
}

fn pass_arg(passphrase_file: &Path) -> OsString {
    let mut arg = OsString::from("file:");
    arg.push(passphrase_file);
    arg
}

/// The CA profile OpenSSL uses for the certificate it makes.
const OPENSSL_CA_CONFIG: &str = "[req]
distinguished_name = dn
x509_extensions = v3_ca
prompt = no
[dn]
CN = Root made by OpenSSL
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
";

/// OpenSSL generates a key (`genpkey` arguments), writes it in `format`,
/// and self-signs a CA certificate with it; `ca` imports both and issues a
/// leaf that OpenSSL then verifies under its own certificate.
fn ca_imports_openssl_key(genpkey: &[&str], format: Format) {
    let ca = Ca::new();
    let work = ca.work();
    let passphrase_file = work.join("passphrase");
    write_file(&passphrase_file, format!("{PASSPHRASE}\n"));
    let pkcs8 = work.join("openssl-key.pem");
    succeed(
        OPENSSL
            .command()
            .arg("genpkey")
            .args(genpkey)
            .arg("-out")
            .arg(&pkcs8),
    );
    let key = work.join(if format.der() {
        "ca-key.der"
    } else {
        "ca-key.pem"
    });
    format.convert(&pkcs8, &key, &passphrase_file);

    let config = work.join("ca.cnf");
    write_file(&config, OPENSSL_CA_CONFIG);
    let root = work.join("openssl-root.pem");
    let mut req = OPENSSL.command();
    req.args(["req", "-x509", "-new", "-days", "30", "-config"])
        .arg(&config)
        .arg("-key")
        .arg(&key)
        .arg("-out")
        .arg(&root);
    if format.der() {
        req.args(["-keyform", "DER"]);
    }
    if format.encrypted() {
        req.arg("-passin").arg(pass_arg(&passphrase_file));
    }
    succeed(&mut req);

    let mut import = ca.command("init");
    import
        .arg("--import-cert")
        .arg(&root)
        .arg("--import-key")
        .arg(&key);
    let unlock: Vec<OsString> = if format.encrypted() {
        vec!["--passphrase-file".into(), passphrase_file.clone().into()]
    } else {
        Vec::new()
    };
    import.args(&unlock);
    succeed(&mut import);

    // The imported key is kept encrypted: `ca issue` needs the passphrase
    // to sign (and leaves the new leaf key plain).
    let unlock_ca: Vec<OsString> = if format.encrypted() {
        vec![
            "--ca-passphrase-file".into(),
            passphrase_file.clone().into(),
        ]
    } else {
        Vec::new()
    };
    let leaf = ca.issue(&["localhost"], &unlock_ca);
    let accepted = succeed(&mut openssl_verify(
        &root,
        &leaf.fullchain,
        &leaf.cert,
        "sslserver",
        &["-verify_hostname", "localhost"],
    ));
    assert!(String::from_utf8_lossy(&accepted.stdout).contains(": OK"));
    assert_eq!(
        read_text(&leaf.root),
        read_text(&root),
        "the imported certificate is the root `ca issue` reports"
    );
}

macro_rules! import_cases {
    ($($name:ident: [$($genpkey:expr),*] as $format:ident;)*) => {
        mod ca_imports_openssl_key {
            $(
                #[test]
                fn $name() {
                    super::ca_imports_openssl_key(&[$($genpkey),*], super::Format::$format);
                }
            )*
        }
    };
}

import_cases! {
    p256_pkcs8_pem: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"] as Pkcs8Pem;
    p256_pkcs8_der: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"] as Pkcs8Der;
    p256_encrypted_pkcs8_pem: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"] as EncryptedPkcs8Pem;
    p256_encrypted_pkcs8_der: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"] as EncryptedPkcs8Der;
    p256_sec1_pem: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"] as TraditionalPem;
    p256_sec1_der: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"] as TraditionalDer;
    p384_pkcs8_pem: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"] as Pkcs8Pem;
    p384_pkcs8_der: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"] as Pkcs8Der;
    p384_encrypted_pkcs8_pem: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"] as EncryptedPkcs8Pem;
    p384_sec1_pem: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"] as TraditionalPem;
    p384_sec1_der: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"] as TraditionalDer;
    ed25519_pkcs8_pem: ["-algorithm", "ED25519"] as Pkcs8Pem;
    ed25519_pkcs8_der: ["-algorithm", "ED25519"] as Pkcs8Der;
    ed25519_encrypted_pkcs8_pem: ["-algorithm", "ED25519"] as EncryptedPkcs8Pem;
    ed25519_encrypted_pkcs8_der: ["-algorithm", "ED25519"] as EncryptedPkcs8Der;
    rsa2048_pkcs8_pem: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"] as Pkcs8Pem;
    rsa2048_pkcs8_der: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"] as Pkcs8Der;
    rsa2048_encrypted_pkcs8_pem: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"] as EncryptedPkcs8Pem;
    rsa2048_encrypted_pkcs8_der: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"] as EncryptedPkcs8Der;
    rsa2048_pkcs1_pem: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"] as TraditionalPem;
    rsa2048_pkcs1_der: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"] as TraditionalDer;
    rsa3072_pkcs8_pem: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"] as Pkcs8Pem;
    rsa4096_pkcs1_pem: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096"] as TraditionalPem;
}

/// Keys `ca` writes with a passphrase: encrypted PKCS#8 with a modern KDF
/// and AES-256, which `openssl pkey` opens with the passphrase and only
/// with it.
fn openssl_reads_our_encrypted_keys(key_type: &str) {
    let ca = Ca::new();
    let passphrase_file = ca.work().join("passphrase");
    write_file(&passphrase_file, format!("{PASSPHRASE}\n"));
    let wrong_file = ca.work().join("wrong-passphrase");
    write_file(&wrong_file, "not the passphrase\n");
    let flag: [OsString; 2] = ["--passphrase-file".into(), passphrase_file.clone().into()];

    let root = ca.init_with(key_type, &flag);
    let leaf = ca.issue(
        &["localhost"],
        &[&flag[..], &["--key-type".into(), key_type.into()]].concat(),
    );
    for (what, cert, key) in [
        ("root", &root.cert, &root.key),
        ("leaf", &leaf.cert, &leaf.key),
    ] {
        assert_private_key_file(key, "ENCRYPTED PRIVATE KEY");
        assert_encryption_is_modern(key);
        assert_eq!(
            key_public_key(key, Some(&pass_arg(&passphrase_file))),
            certificate_public_key(cert),
            "{key_type} {what}: the encrypted key is not the certificate's key"
        );
        refuse(
            OPENSSL
                .command()
                .args(["pkey", "-noout", "-in"])
                .arg(key)
                .arg("-passin")
                .arg(pass_arg(&wrong_file)),
        );
    }
    // A server reads the encrypted key as it is: nginx with the passphrase
    // in its `ssl_password_file`.
    let server = Server::nginx(
        ca.work(),
        &leaf.fullchain,
        &leaf.key,
        Some(&passphrase_file),
        None,
    );
    let mut curl = curl(server.port, "localhost", &root.cert);
    let out = support::run(&mut curl);
    assert!(
        out.status.success(),
        "{key_type}: nginx with our encrypted key: {}\nnginx log:\n{}",
        support::describe(&curl, &out),
        server.log_text()
    );
}

/// PBES2 with PBKDF2 or scrypt, and AES-256.
fn assert_encryption_is_modern(key: &Path) {
    let out = succeed(OPENSSL.command().args(["asn1parse", "-in"]).arg(key));
    let structure = String::from_utf8_lossy(&out.stdout);
    assert!(
        structure.contains("PBES2"),
        "{} is not encrypted with PBES2:\n{structure}",
        key.display()
    );
    assert!(
        structure.contains("PBKDF2") || structure.contains("id-scrypt"),
        "{} uses neither PBKDF2 nor scrypt:\n{structure}",
        key.display()
    );
    assert!(
        structure.contains("aes-256"),
        "{} is not encrypted with AES-256:\n{structure}",
        key.display()
    );
}

mod openssl_reads_our_encrypted_keys {
    crate::support::test_each_key_type!(super::openssl_reads_our_encrypted_keys);
}
