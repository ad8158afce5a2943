use std::sync::OnceLock;

use time::Duration;
use x509_parser::extensions::ParsedExtension;

use super::*;
use crate::name::SubjectName;
use crate::test_tool as tool;

fn at() -> IssueContext<'static> {
    IssueContext::at(OffsetDateTime::now_utc())
}
use crate::validity::ValidityRequest;

/// RSA generation is slow: one key per type per test run.
fn key(key_type: KeyType) -> PrivateKey {
    static KEYS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        std::thread::scope(|s| {
            let handles: Vec<_> = KeyType::GENERATABLE
                .iter()
                .map(|&t| s.spawn(move || PrivateKey::generate(t).unwrap().pkcs8_der().to_vec()))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        })
    });
    let i = KeyType::GENERATABLE
        .iter()
        .position(|&t| t == key_type)
        .unwrap();
    PrivateKey::from_pkcs8_der(&keys[i]).unwrap()
}

fn openssl_verify(root: &CertDer, chain: &str, host: &str, purpose: &str) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let root_path = dir.path().join("root.pem");
    let chain_path = dir.path().join("chain.pem");
    std::fs::write(&root_path, root.pem()).unwrap();
    std::fs::write(&chain_path, chain).unwrap();
    let mut cmd = tool::OPENSSL.command();
    cmd.args(["verify", "-x509_strict", "-purpose", purpose, "-CAfile"])
        .arg(&root_path)
        .arg("-untrusted")
        .arg(&chain_path);
    if !host.is_empty() {
        cmd.args(["-verify_hostname", host]);
    }
    cmd.arg(&chain_path);
    let out = cmd.output().expect("run openssl");
    out.status.success()
}

fn extensions(cert: &CertDer) -> Vec<(String, bool)> {
    cert.parsed()
        .extensions()
        .iter()
        .map(|e| (e.oid.to_id_string(), e.critical))
        .collect()
}

#[test]
fn every_key_type_makes_a_chain_openssl_accepts() {
    // The openssl of Debian 12 (3.0) has no ML-DSA (3.5 added it): ML-DSA chains are checked
    // by `ca verify` and Python `cryptography` (tests of issue 13).
    for key_type in KeyType::GENERATABLE
        .into_iter()
        .filter(|t| t.ml_dsa().is_none())
    {
        let options = CaOptions {
            key_type,
            ..Default::default()
        };
        let (root, _) = Issuer::new_root_with_key(&options, key(key_type), &at()).unwrap();
        let (intermediate, _) = root
            .new_intermediate_with_key(&options, "web", key(key_type), &at())
            .unwrap();
        let leaf_options = LeafOptions::server(&["localhost", "127.0.0.1"]).unwrap();
        let leaf = intermediate
            .issue_with_key(&leaf_options, key(key_type), &at())
            .unwrap();
        // Ed25519 is fine for private use and outside the Web PKI (CA/B BR 6.1.5): a warning
        // naming the rule, nothing else.
        let expected = usize::from(key_type == KeyType::Ed25519);
        assert_eq!(leaf.warnings.len(), expected, "{:?}", leaf.warnings);
        assert!(
            leaf.warnings
                .iter()
                .all(|w| w.contains("key.webpki-algorithms")),
            "{:?}",
            leaf.warnings
        );
        assert_eq!(leaf.intermediates.len(), 1);
        let chain = leaf.fullchain_pem();
        assert!(
            openssl_verify(root.root(), &chain, "localhost", "sslserver"),
            "{key_type}"
        );
        assert!(
            !openssl_verify(root.root(), &chain, "other.test", "sslserver"),
            "{key_type}"
        );
        let other_root = Issuer::new_test_root().unwrap();
        assert!(!openssl_verify(
            other_root.root(),
            &chain,
            "localhost",
            "sslserver"
        ));
        // keyEncipherment only for RSA server keys.
        let parsed = leaf.cert.parsed();
        let ku = parsed.key_usage().unwrap().unwrap().value;
        assert!(ku.digital_signature());
        assert_eq!(ku.key_encipherment(), key_type.is_rsa(), "{key_type}");
    }
}

#[test]
fn profiles_have_the_documented_extensions() {
    let (root, _) = Issuer::new_root(&CaOptions::default(), &at()).unwrap();
    let root_cert = root.cert().parsed();
    let bc = root_cert.basic_constraints().unwrap().unwrap();
    assert!(bc.critical && bc.value.ca && bc.value.path_len_constraint.is_none());
    let ku = root_cert.key_usage().unwrap().unwrap();
    assert!(ku.critical && ku.value.key_cert_sign() && ku.value.crl_sign());
    let ski_oid = "2.5.29.14";
    assert!(extensions(root.cert()).iter().any(|(o, _)| o == ski_oid));
    let not_after = root_cert.validity().not_after.to_datetime();
    let days = (not_after - OffsetDateTime::now_utc()).whole_days();
    assert!((3649..=3650).contains(&days), "{days}");

    let (intermediate, _) = root
        .new_intermediate(&CaOptions::default(), "x", &at())
        .unwrap();
    let parsed = intermediate.cert().parsed();
    let bc = parsed.basic_constraints().unwrap().unwrap().value;
    assert_eq!(bc.path_len_constraint, Some(0));
    let exts = extensions(intermediate.cert());
    assert!(exts.iter().any(|(o, _)| o == "2.5.29.35"), "AKI");
    assert!(exts.iter().any(|(o, _)| o == ski_oid), "SKI");

    let leaf = intermediate.issue_client(&["ops@example.test"]).unwrap();
    let parsed = leaf.cert.parsed();
    assert_eq!(parsed.subject().to_string(), "CN=ops@example.test");
    let eku = parsed.extended_key_usage().unwrap().unwrap().value;
    assert!(eku.client_auth && !eku.server_auth);
    assert!(!parsed.is_ca());
    let days = (parsed.validity().not_after.to_datetime() - OffsetDateTime::now_utc()).whole_days();
    assert!((396..=397).contains(&days), "{days}");
    let serial = parsed.raw_serial();
    assert!(serial.len() <= 20 && serial[0] & 0x80 == 0);

    // Key ids: RFC 7093 method 1, and each AKI is its issuer's SKI.
    let ski = |c: &CertDer| {
        c.parsed()
            .extensions()
            .iter()
            .find_map(|e| match e.parsed_extension() {
                ParsedExtension::SubjectKeyIdentifier(id) => Some(id.0.to_vec()),
                _ => None,
            })
            .unwrap()
    };
    let aki = |c: &CertDer| {
        c.parsed()
            .extensions()
            .iter()
            .find_map(|e| match e.parsed_extension() {
                ParsedExtension::AuthorityKeyIdentifier(a) => {
                    a.key_identifier.as_ref().map(|k| k.0.to_vec())
                }
                _ => None,
            })
            .unwrap()
    };
    let root_key = rcgen::PublicKeyData::der_bytes(root.key()).to_vec();
    assert_eq!(ski(root.cert()), crate::profile::key_identifier(&root_key));
    assert_eq!(aki(intermediate.cert()), ski(root.cert()));
    assert_eq!(aki(&leaf.cert), ski(intermediate.cert()));

    // An intermediate with pathLen 0 cannot make another CA.
    let err = intermediate
        .new_intermediate(&CaOptions::default(), "y", &at())
        .unwrap_err();
    assert!(err.is_refusal(), "{err}");
}

#[test]
fn name_constraints_are_written_and_enforced_by_openssl() {
    let options = CaOptions {
        name_constraints: crate::profile::NameConstraintsSpec {
            permit_dns: vec!["example.test".into()],
            exclude_ip: vec!["10.0.0.0/8".into()],
            ..Default::default()
        },
        ..Default::default()
    };
    let root = Issuer::new_test_root().unwrap();
    let (constrained, _) = root.new_intermediate(&options, "c", &at()).unwrap();
    let parsed = constrained.cert().parsed();
    let nc = parsed.name_constraints().unwrap().unwrap();
    assert!(nc.critical);
    let ok = constrained.issue_server(&["www.example.test"]).unwrap();
    assert!(openssl_verify(
        root.root(),
        &ok.fullchain_pem(),
        "www.example.test",
        "sslserver"
    ));
    // Names outside the constraints are refused by the issuing call itself, with the rule.
    constrained
        .issue_server(&["www.example.test", "192.0.2.1"])
        .unwrap();
    for bad in ["www.other.test", "10.1.2.3"] {
        let err = constrained.issue_server(&[bad]).unwrap_err();
        assert!(err.is_refusal(), "{err}");
        let text = err.to_string();
        assert!(text.contains("nc.subtrees") && text.contains(bad), "{text}");
    }
    let spec = crate::profile::NameConstraintsSpec::from_certificate(constrained.cert());
    assert_eq!(spec.permit_dns, ["example.test"]);
    assert_eq!(spec.exclude_ip, ["10.0.0.0/8"]);
}

#[test]
fn leaves_are_clamped_to_the_issuer_and_past_windows_warn() {
    let options = CaOptions {
        validity: ValidityRequest::days(10),
        ..Default::default()
    };
    let (root, _) = Issuer::new_root(&options, &at()).unwrap();
    let leaf = root
        .issue(
            &LeafOptions {
                validity: ValidityRequest::days(30),
                ..LeafOptions::server(&["a.test"]).unwrap()
            },
            &at(),
        )
        .unwrap();
    assert!(
        leaf.warnings.iter().any(|w| w.contains("cut back")),
        "{:?}",
        leaf.warnings
    );
    assert_eq!(leaf.cert.info().not_after, root.not_after());

    let now = OffsetDateTime::now_utc();
    let expired = root
        .issue(
            &LeafOptions {
                validity: ValidityRequest {
                    not_before: Some(now - Duration::days(3)),
                    not_after: Some(now - Duration::days(1)),
                    days: None,
                },
                ..LeafOptions::server(&["a.test"]).unwrap()
            },
            &at(),
        )
        .unwrap();
    assert!(expired.warnings.iter().any(|w| w.contains("expired")));
    assert!(!openssl_verify(
        root.root(),
        &expired.fullchain_pem(),
        "a.test",
        "sslserver"
    ));
}

#[test]
fn csr_round_trip_applies_our_profile() {
    let root = Issuer::new_test_root().unwrap();
    let key = key(KeyType::EcdsaP384);
    let names = crate::name::parse_names(&["svc.example.test", "::1"]).unwrap();
    let csr = Csr::create(&key, &names).unwrap();
    let csr = Csr::parse(csr.pem().as_bytes()).unwrap();
    assert_eq!(csr.names(), names.as_slice());
    assert_eq!(csr.key_type(), KeyType::EcdsaP384);
    let options = LeafOptions {
        names: csr.names().to_vec(),
        ..Default::default()
    };
    let issued = root.sign_csr(&csr, &options, &at()).unwrap();
    assert!(issued.key.is_none());
    assert_eq!(
        issued.cert.parsed().public_key().raw,
        key.public_key_der().as_slice()
    );
    assert!(openssl_verify(
        root.root(),
        &issued.fullchain_pem(),
        "svc.example.test",
        "sslserver"
    ));
}

#[test]
fn csr_asking_for_a_ca_gets_a_leaf() {
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("key.pem");
    let key = key(KeyType::EcdsaP256);
    std::fs::write(&key_path, key.to_pem()).unwrap();
    let out = tool::OPENSSL
        .command()
        .args([
            "req",
            "-new",
            "-subj",
            "/CN=evil.test",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
        ])
        .args([
            "-addext",
            "keyUsage=critical,keyCertSign",
            "-addext",
            "1.2.3.4=DER:05:00",
        ])
        .arg("-key")
        .arg(&key_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csr = Csr::parse(&out.stdout).unwrap();
    assert_eq!(csr.names(), &[SubjectName::Dns("evil.test".into())]);
    assert!(
        csr.ignored().iter().any(|i| i == "basicConstraints"),
        "{:?}",
        csr.ignored()
    );
    let root = Issuer::new_test_root().unwrap();
    let options = LeafOptions {
        names: csr.names().to_vec(),
        ..Default::default()
    };
    let issued = root.sign_csr(&csr, &options, &at()).unwrap();
    let parsed = issued.cert.parsed();
    assert!(!parsed.is_ca());
    assert!(!parsed.key_usage().unwrap().unwrap().value.key_cert_sign());
    assert!(parsed.extensions().iter().all(|e| !matches!(
        e.parsed_extension(),
        ParsedExtension::UnsupportedExtension { .. }
    )));
}

#[test]
fn tampered_csr_is_refused() {
    let key = key(KeyType::EcdsaP256);
    let names = crate::name::parse_names(&["a.test"]).unwrap();
    let mut der = Csr::create(&key, &names).unwrap().der().to_vec();
    let pos = der.windows(6).position(|w| w == b"a.test").unwrap();
    der[pos] = b'b';
    let err = Csr::parse(&der).unwrap_err();
    assert!(
        err.to_string().contains("signature does not verify"),
        "{err}"
    );
}

#[test]
fn from_parts_checks_key_and_ca() {
    let root = Issuer::new_test_root().unwrap();
    let other = key(KeyType::EcdsaP256);
    let err =
        Issuer::from_parts(root.cert().clone(), other, vec![], root.root().clone()).unwrap_err();
    assert!(err.to_string().contains("does not belong"), "{err}");
    let leaf = root.issue_server(&["a.test"]).unwrap();
    let err = Issuer::from_parts(
        leaf.cert.clone(),
        leaf.key.unwrap(),
        vec![],
        root.root().clone(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("not a CA"), "{err}");
    // A re-loaded root still signs chains openssl accepts.
    let reloaded = Issuer::from_parts(
        root.cert().clone(),
        PrivateKey::from_pkcs8_der(root.key().pkcs8_der()).unwrap(),
        vec![],
        root.root().clone(),
    )
    .unwrap();
    let leaf = reloaded.issue_server(&["a.test"]).unwrap();
    assert!(openssl_verify(
        root.root(),
        &leaf.fullchain_pem(),
        "a.test",
        "sslserver"
    ));
}

#[test]
fn a_dns_constraint_with_a_leading_period_is_refused_by_the_rulebook() {
    // RFC 5280 4.2.1.10 gives the leading period a meaning for URIs and e-mail only:
    // verifiers refuse such a CA (rule nc.syntax), so it is not issued.
    let options = CaOptions {
        name_constraints: crate::profile::NameConstraintsSpec {
            permit_dns: vec![".example.test".into()],
            ..Default::default()
        },
        ..Default::default()
    };
    let root = Issuer::new_test_root().unwrap();
    let err = root.new_intermediate(&options, "dot", &at()).unwrap_err();
    assert!(err.is_refusal(), "{err}");
    assert!(err.to_string().contains("nc.syntax"), "{err}");
}

/// The issuance check trusts the signature just made only because the signing key is the
/// issuer certificate's key: a key that is not is refused when the chain is built.
#[test]
fn a_signing_key_that_is_not_the_issuers_is_refused() {
    let ca = Issuer::new_test_root().unwrap();
    let other = key(KeyType::EcdsaP256);
    let err = compliance::issuing_chain(&[ca.cert().der()], &other.public_key_der()).unwrap_err();
    assert!(
        err.to_string()
            .contains("the signing key is not the key of the issuer certificate"),
        "{err}"
    );
    compliance::issuing_chain(&[ca.cert().der()], &ca.key().public_key_der()).unwrap();
}

/// Only the signature made with the chain's own key is taken as made: a certificate signed by
/// another CA with the same name is verified, and refused.
#[test]
fn a_certificate_another_ca_signed_is_still_verified() {
    let named = |cn: &str| CaOptions {
        common_name: Some(cn.into()),
        ..CaOptions::default()
    };
    let (a, _) = Issuer::new_root(&named("twin root"), &at()).unwrap();
    let (b, _) = Issuer::new_root(&named("twin root"), &at()).unwrap();
    let from_a = a.issue_server(&["example.test"]).unwrap();
    let chain_b = compliance::issuing_chain(&[b.cert().der()], &b.key().public_key_der()).unwrap();
    let err = compliance::check(
        from_a.cert.der(),
        Issuing::ServerLeaf,
        Some(&chain_b),
        false,
    )
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("not issued"), "{err}");
    assert!(
        err.contains("signature") || err.contains("key identifier"),
        "{err}"
    );
    // The same certificate against its own issuer passes.
    let chain_a = compliance::issuing_chain(&[a.cert().der()], &a.key().public_key_der()).unwrap();
    compliance::check(
        from_a.cert.der(),
        Issuing::ServerLeaf,
        Some(&chain_a),
        false,
    )
    .unwrap();
}

/// The signatures above the issuer, which this process did not make, are verified: an
/// intermediate whose signature (one byte of it changed) the root did not make issues nothing.
#[test]
fn an_intermediate_the_root_did_not_sign_issues_nothing() {
    let root = Issuer::new_test_root().unwrap();
    let (int, _) = root
        .new_intermediate(&CaOptions::default(), "tampered", &at())
        .unwrap();
    let mut der = int.cert().der().to_vec();
    let last = der.len() - 1;
    der[last] ^= 0x01;
    let tampered = CertDer::from_der(der).unwrap();
    let int = Issuer::from_parts(
        tampered,
        PrivateKey::from_pkcs8_der(int.key().pkcs8_der()).unwrap(),
        Vec::new(),
        root.cert().clone(),
    )
    .unwrap();
    let err = int.issue_server(&["example.test"]).unwrap_err().to_string();
    assert!(err.starts_with("not issued"), "{err}");
    assert!(err.contains("signature"), "{err}");
}
