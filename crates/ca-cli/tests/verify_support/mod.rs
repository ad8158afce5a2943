//! Chains made by openssl alone for the `ca verify` tests: root -> intermediate
//! -> leaf with `openssl req` and `openssl x509 -req` and extension files, each
//! in its own temporary directory, and CRLs made with `openssl ca -gencrl`.

use std::path::Path;
use std::sync::OnceLock;

use tempfile::TempDir;

use crate::common::{openssl, write};

/// Key types as `openssl req -newkey` takes them.
#[derive(Clone, Copy)]
pub enum Key {
    P256,
    P384,
    Rsa2048,
    Ed25519,
}

impl Key {
    fn newkey(self) -> Vec<&'static str> {
        match self {
            Key::P256 => vec!["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
            Key::P384 => vec!["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
            Key::Rsa2048 => vec!["-newkey", "rsa:2048"],
            Key::Ed25519 => vec!["-newkey", "ed25519"],
        }
    }
}

const ROOT_CNF: &str = "\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = OpenSSL Test Root
[v3_root]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
";

const INTERMEDIATE_EXT: &str = "\
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
";

fn leaf_ext(eku: &str, san: &str) -> String {
    format!(
        "basicConstraints = critical, CA:false\n\
         keyUsage = critical, digitalSignature\n\
         extendedKeyUsage = {eku}\n\
         subjectAltName = {san}\n\
         subjectKeyIdentifier = hash\n\
         authorityKeyIdentifier = keyid:always\n"
    )
}

/// A root -> intermediate -> leaf chain made by openssl alone, in its own directory.
pub struct OpensslChain {
    dir: TempDir,
}

impl OpensslChain {
    /// `eku` is serverAuth or clientAuth; the leaf is CN=www.example.test with
    /// DNS:www.example.test and IP:127.0.0.1 (or alice@example.test for clients).
    pub fn new(keys: [Key; 3], eku: &str) -> OpensslChain {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(d, "root.cnf", ROOT_CNF);
        let mut args = vec![
            "req",
            "-x509",
            "-config",
            "root.cnf",
            "-extensions",
            "v3_root",
        ];
        args.extend(keys[0].newkey());
        args.extend([
            "-nodes", "-keyout", "root.key", "-out", "root.pem", "-days", "3650",
        ]);
        openssl(d, &args);
        write(d, "int.ext", INTERMEDIATE_EXT);
        sign(
            d,
            keys[1],
            "int",
            "/CN=OpenSSL Test Intermediate",
            "root",
            "int.ext",
            1825,
        );
        let (cn, san) = if eku == "clientAuth" {
            ("/CN=alice@example.test", "email:alice@example.test")
        } else {
            ("/CN=www.example.test", "DNS:www.example.test, IP:127.0.0.1")
        };
        write(d, "leaf.ext", leaf_ext(eku, san));
        sign(d, keys[2], "leaf", cn, "int", "leaf.ext", 365);
        let chain = [read(d, "leaf.pem"), read(d, "int.pem")].concat();
        write(d, "chain.pem", chain);
        OpensslChain { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Revokes the leaf with `openssl ca -revoke` and writes int.crl with `openssl ca -gencrl`.
    pub fn revoke_leaf(&self) {
        let d = self.path();
        write(d, "index.txt", "");
        write(d, "crlnumber", "1000\n");
        write(
            d,
            "ca.cnf",
            "[ca]\ndefault_ca = int_ca\n[int_ca]\ndatabase = index.txt\ncrlnumber = crlnumber\n\
             default_md = sha256\ndefault_crl_days = 30\ncrl_extensions = crl_ext\n\
             [crl_ext]\nauthorityKeyIdentifier = keyid:always\n",
        );
        let ca = [
            "ca", "-config", "ca.cnf", "-cert", "int.pem", "-keyfile", "int.key",
        ];
        openssl(
            d,
            &[
                &ca[..],
                &["-revoke", "leaf.pem", "-crl_reason", "keyCompromise"],
            ]
            .concat(),
        );
        openssl(d, &[&ca[..], &["-gencrl", "-out", "int.crl"]].concat());
    }
}

/// A key and CSR made with `openssl req`, signed with `openssl x509 -req` by `ca`.
fn sign(d: &Path, key: Key, name: &str, subj: &str, ca: &str, ext: &str, days: u32) {
    let (key_file, csr, cert) = (
        format!("{name}.key"),
        format!("{name}.csr"),
        format!("{name}.pem"),
    );
    let mut args = vec![
        "req", "-new", "-nodes", "-subj", subj, "-keyout", &key_file, "-out", &csr,
    ];
    args.extend(key.newkey());
    openssl(d, &args);
    let (ca_cert, ca_key, days) = (format!("{ca}.pem"), format!("{ca}.key"), days.to_string());
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &ca_cert,
            "-CAkey",
            &ca_key,
            "-CAcreateserial",
            "-extfile",
            ext,
            "-days",
            &days,
            "-out",
            &cert,
        ],
    );
}

/// `openssl x509|crl -in PEM -outform DER -out DER`.
pub fn to_der(d: &Path, what: &str, pem: &str, der: &str) {
    openssl(d, &[what, "-in", pem, "-outform", "DER", "-out", der]);
}

fn read(d: &Path, name: &str) -> String {
    std::fs::read_to_string(d.join(name)).unwrap()
}

/// The P-256 chain most tests use, made once per run.
pub fn p256() -> &'static OpensslChain {
    static CHAIN: OnceLock<OpensslChain> = OnceLock::new();
    CHAIN.get_or_init(|| OpensslChain::new([Key::P256; 3], "serverAuth"))
}

/// RSA keys are slow to make: one RSA root for the run. The leaf key is ECDSA: the Web PKI
/// (the default profile for servers) allows no Ed25519 keys (CA/B BR 6.1.5).
pub fn rsa() -> &'static OpensslChain {
    static CHAIN: OnceLock<OpensslChain> = OnceLock::new();
    CHAIN.get_or_init(|| OpensslChain::new([Key::Rsa2048, Key::P384, Key::P256], "serverAuth"))
}

/// A chain of Ed25519 keys: fine under RFC 5280 (RFC 8410), outside the Web PKI.
pub fn ed25519() -> &'static OpensslChain {
    static CHAIN: OnceLock<OpensslChain> = OnceLock::new();
    CHAIN.get_or_init(|| OpensslChain::new([Key::Ed25519; 3], "serverAuth"))
}

pub fn client() -> &'static OpensslChain {
    static CHAIN: OnceLock<OpensslChain> = OnceLock::new();
    CHAIN.get_or_init(|| OpensslChain::new([Key::P256; 3], "clientAuth"))
}
