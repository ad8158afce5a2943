use super::*;
use crate::profile::LeafOptions;

#[test]
fn init_issue_record_and_list() {
    let dir = tempfile::tempdir().unwrap();
    let ca = CaDir::at(dir.path().join("ca"));
    assert!(!ca.is_initialized());
    let created = ca.init(&CaOptions::default(), None).unwrap();
    assert!(ca.is_initialized());
    assert_eq!(created.cert_path, ca.cert_path(ROOT));
    let err = ca.init(&CaOptions::default(), None).unwrap_err();
    assert!(err.is_refusal(), "{err}");

    let inter = ca
        .create_intermediate("web", &CaOptions::default(), None, None)
        .unwrap();
    assert_eq!(ca.intermediates().unwrap(), vec!["web".to_string()]);
    assert!(ca
        .create_intermediate("web", &CaOptions::default(), None, None)
        .unwrap_err()
        .is_refusal());

    let issuer = ca.load_issuer(Some("web"), None).unwrap();
    assert_eq!(issuer.cert(), inter.issuer.cert());
    assert_eq!(issuer.intermediates().len(), 1);
    let leaf = issuer.issue_server(&["a.test"]).unwrap();
    let entry = ca
        .record(&leaf.cert, "web", Profile::Server, KeyType::EcdsaP256, None)
        .unwrap();
    assert_eq!(entry.names, vec!["a.test".to_string()]);
    assert!(Path::new(&entry.file).is_file());

    let index = ca.index().unwrap();
    let profiles: Vec<&str> = index.entries.iter().map(|e| e.profile.as_str()).collect();
    assert_eq!(profiles, ["root", "intermediate", "server"]);
    assert_eq!(index.skipped_lines, 0);

    let err = ca.load_issuer(Some("nope"), None).unwrap_err();
    assert!(err.to_string().contains("ca intermediate nope"), "{err}");
}

#[test]
fn concurrent_first_use_creates_one_root() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ca");
    let created: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|_| {
                s.spawn(|| {
                    CaDir::at(&path)
                        .ensure_initialized(&CaOptions::default(), None)
                        .unwrap()
                        .is_some()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap() as usize)
            .sum()
    });
    assert_eq!(created, 1);
    let index = CaDir::at(&path).index().unwrap();
    assert_eq!(index.entries.len(), 1);
}

#[test]
fn encrypted_root_key_needs_its_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let ca = CaDir::at(dir.path());
    let pass = Passphrase::new("pw").unwrap();
    ca.init(&CaOptions::default(), Some(&pass)).unwrap();
    let err = ca.load_issuer(None, None).unwrap_err();
    assert!(err.to_string().contains("--passphrase"), "{err}");
    ca.load_issuer(None, Some(&pass)).unwrap();
}

#[test]
fn import_an_existing_ca() {
    let (root, _) = Issuer::new_root(&CaOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca = CaDir::at(dir.path());
    let key = PrivateKey::from_pkcs8_der(root.key().pkcs8_der()).unwrap();
    let created = ca.import(root.cert().clone(), key, None).unwrap();
    assert!(created.warnings.is_empty());
    let loaded = ca.load_issuer(None, None).unwrap();
    assert_eq!(loaded.cert(), root.cert());
    loaded
        .issue(&LeafOptions::server(&["a.test"]).unwrap())
        .unwrap();
}

#[test]
fn import_an_intermediate_with_its_root() {
    let (root, _) = Issuer::new_root(&CaOptions::default()).unwrap();
    let (corp, _) = root
        .new_intermediate(&CaOptions::default(), "corp")
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca = CaDir::at(dir.path().join("ca"));
    let key = || PrivateKey::from_pkcs8_der(corp.key().pkcs8_der()).unwrap();
    let backwards = vec![root.cert().clone(), corp.cert().clone()];
    assert!(ca.import_chain(backwards, key(), None).is_err());
    assert!(!ca.path().exists());

    let chain = vec![corp.cert().clone(), root.cert().clone()];
    let created = ca.import_chain(chain, key(), None).unwrap();
    assert!(created.warnings.is_empty(), "{:?}", created.warnings);
    assert_eq!(ca.anchor_path(), ca.path().join("root/anchor.pem"));
    assert_eq!(
        Certificate::read_file(&ca.anchor_path()).unwrap(),
        *root.cert()
    );
    let issued = ca
        .load_issuer(None, None)
        .unwrap()
        .issue(&LeafOptions::server(&["a.test"]).unwrap())
        .unwrap();
    assert_eq!(issued.intermediates, vec![corp.cert().clone()]);
    assert_eq!(issued.root, *root.cert());
}

#[test]
fn resolves_the_directory() {
    assert_eq!(
        resolve_ca_dir(Some(Path::new("/x"))).unwrap(),
        PathBuf::from("/x")
    );
}

#[test]
fn intermediate_names_are_plain() {
    for bad in ["", "root", "../x", "a/b", ".hidden", "a b"] {
        assert!(validate_intermediate_name(bad).is_err(), "{bad}");
    }
    validate_intermediate_name("web-2024.eu_1").unwrap();
}
