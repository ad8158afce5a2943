use super::*;
use crate::key::KeyType;
use crate::profile::LeafOptions;
use crate::serial::Serial;
use time::OffsetDateTime;

fn at() -> IssueContext<'static> {
    IssueContext::at(OffsetDateTime::now_utc())
}

#[test]
fn init_issue_record_and_list() {
    let dir = tempfile::tempdir().unwrap();
    let ca = CaDir::at(dir.path().join("ca"));
    assert!(!ca.is_initialized());
    let created = ca.init(&CaOptions::default(), None, &at()).unwrap();
    assert!(ca.is_initialized());
    assert_eq!(created.cert_path, ca.cert_path(ROOT));
    let err = ca.init(&CaOptions::default(), None, &at()).unwrap_err();
    assert!(err.is_refusal(), "{err}");

    let inter = ca
        .create_intermediate("web", &CaOptions::default(), None, None, &at())
        .unwrap();
    assert_eq!(ca.intermediates().unwrap(), vec!["web".to_string()]);
    assert!(ca
        .create_intermediate("web", &CaOptions::default(), None, None, &at())
        .unwrap_err()
        .is_refusal());

    let issuer = ca.load_issuer(Some("web"), None).unwrap();
    assert_eq!(issuer.cert(), inter.issuer.cert());
    assert_eq!(issuer.intermediates().len(), 1);
    let leaf = issuer.issue_server(&["a.test"]).unwrap();
    let entry = ca
        .record(
            &leaf.cert,
            "web",
            CertProfile::Server,
            KeyType::EcdsaP256,
            None,
            &at(),
        )
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
                        .ensure_initialized(&CaOptions::default(), None, &at())
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
    ca.init(&CaOptions::default(), Some(&pass), &at()).unwrap();
    let err = ca.load_issuer(None, None).unwrap_err();
    assert!(err.to_string().contains("--passphrase"), "{err}");
    ca.load_issuer(None, Some(&pass)).unwrap();
}

#[test]
fn import_an_existing_ca() {
    let (root, _) = Issuer::new_root(&CaOptions::default(), &at()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca = CaDir::at(dir.path());
    let key = PrivateKey::from_pkcs8_der(root.key().pkcs8_der()).unwrap();
    let created = ca.import(root.cert().clone(), key, None, &at()).unwrap();
    assert!(created.warnings.is_empty());
    let loaded = ca.load_issuer(None, None).unwrap();
    assert_eq!(loaded.cert(), root.cert());
    loaded
        .issue(&LeafOptions::server(&["a.test"]).unwrap(), &at())
        .unwrap();
}

#[test]
fn import_an_intermediate_with_its_root() {
    let (root, _) = Issuer::new_root(&CaOptions::default(), &at()).unwrap();
    let (corp, _) = root
        .new_intermediate(&CaOptions::default(), "corp", &at())
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca = CaDir::at(dir.path().join("ca"));
    let key = || PrivateKey::from_pkcs8_der(corp.key().pkcs8_der()).unwrap();
    let backwards = vec![root.cert().clone(), corp.cert().clone()];
    assert!(ca
        .import_chain(backwards, key(), None, &at(), Default::default())
        .is_err());
    assert!(!ca.path().exists());

    let chain = vec![corp.cert().clone(), root.cert().clone()];
    let created = ca
        .import_chain(chain, key(), None, &at(), Default::default())
        .unwrap();
    assert!(created.warnings.is_empty(), "{:?}", created.warnings);
    assert_eq!(ca.anchor_path(), ca.path().join("root/anchor.pem"));
    assert_eq!(CertDer::read_file(&ca.anchor_path()).unwrap(), *root.cert());
    let issued = ca
        .load_issuer(None, None)
        .unwrap()
        .issue(&LeafOptions::server(&["a.test"]).unwrap(), &at())
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

#[test]
fn the_pipeline_issues_records_and_writes_at_the_time_given() {
    let dir = tempfile::tempdir().unwrap();
    let ca = CaDir::at(dir.path().join("ca"));
    let now = time::macros::datetime!(2030-01-02 03:04:05 UTC);
    let next = std::sync::atomic::AtomicU8::new(1);
    let counter =
        || Serial::from_be_bytes(&[next.fetch_add(1, std::sync::atomic::Ordering::SeqCst)]);
    let at = IssueContext::with_serials(now, &counter);
    let out = dir.path().join("out");
    let request = IssueRequest {
        issuer: ROOT,
        leaf: LeafOptions::server(&["a.test"]).unwrap(),
        csr: None,
        outputs: vec![
            OutputFile::new(OutputKind::Key, out.join("a-key.pem")),
            OutputFile::new(OutputKind::Cert, out.join("a.pem")),
            OutputFile::new(OutputKind::Chain, out.join("a-chain.pem")),
            OutputFile::new(OutputKind::FullChain, out.join("a-fullchain.pem")),
        ],
        overwrite: Overwrite::Refuse,
        key_passphrase: None,
        ca_passphrase: None,
        create_root: Some(&CaOptions::default()),
    };
    let outcome = ca.issue(&request, &at).unwrap();
    assert!(outcome.created_root.is_some());
    assert_eq!(
        outcome.entry.serial,
        Serial::from_be_bytes(&[2]),
        "the root took serial 1"
    );
    assert_eq!(outcome.entry.issued_at, "2030-01-02T03:04:05Z");
    assert_eq!(outcome.issued.cert.info().not_before, now);
    let written = CertDer::read_file(&out.join("a.pem")).unwrap();
    assert_eq!(written, outcome.issued.cert);
    assert!(out.join("a-key.pem").is_file() && out.join("a-fullchain.pem").is_file());
    // Signed by the root: no intermediates, so no chain file.
    assert!(!out.join("a-chain.pem").exists());
    assert_eq!(outcome.outputs.len(), 3);
    let index = ca.index().unwrap();
    assert_eq!(index.entries.len(), 2);
    assert_eq!(
        index.entries[1].out.as_deref(),
        Some(out.join("a.pem").to_str().unwrap())
    );

    // The same files again: refused before anything is signed or recorded.
    let err = ca.issue(&request, &at).unwrap_err();
    assert!(err.is_refusal(), "{err}");
    assert_eq!(ca.index().unwrap().entries.len(), 2);
}

#[test]
fn an_empty_root_left_by_a_power_cut_is_made_again() {
    // The root's files are flushed once, at the end of the command: a
    // power cut before that can leave them empty. That CA never existed.
    let dir = tempfile::tempdir().unwrap();
    let ca = CaDir::at(dir.path().join("ca"));
    std::fs::create_dir_all(ca.path().join("root")).unwrap();
    std::fs::write(ca.cert_path(ROOT), "").unwrap();
    std::fs::write(ca.key_path(ROOT), "").unwrap();
    assert!(!ca.is_initialized());
    let created = ca
        .ensure_initialized(&CaOptions::default(), None, &at())
        .unwrap();
    assert!(created.is_some());
    ca.load_issuer(None, None).unwrap();
}

#[test]
fn an_empty_intermediate_left_by_a_power_cut_is_made_again() {
    let dir = tempfile::tempdir().unwrap();
    let ca = CaDir::at(dir.path().join("ca"));
    ca.init(&CaOptions::default(), None, &at()).unwrap();
    std::fs::create_dir_all(ca.cert_path("web").parent().unwrap()).unwrap();
    std::fs::write(ca.cert_path("web"), "").unwrap();
    std::fs::write(ca.key_path("web"), "").unwrap();
    ca.create_intermediate("web", &CaOptions::default(), None, None, &at())
        .unwrap();
    ca.load_issuer(Some("web"), None).unwrap();
}
