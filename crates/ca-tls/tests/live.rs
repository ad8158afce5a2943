//! The library on 127.0.0.1: STARTTLS (SMTP, PostgreSQL) before a real rustls server, the
//! probe against the library's own server (mutual TLS included), and the notes on a chain
//! as sent (order, duplicates, missing intermediate). Certificates are made with rcgen.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ca_tls::chain::ChainNotes;
use ca_tls::serve::{ServeOptions, Server};
use ca_tls::{probe, ChainCheck, Identity, ProbeOptions, StartTls, Step, Versions};
use ca_verify::{ExpectedName, Purpose, TrustAnchor, VerifyOptions};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use time::OffsetDateTime;

struct Ca {
    key: KeyPair,
    params: CertificateParams,
    der: Vec<u8>,
}

fn ca(cn: &str, parent: Option<&Ca>) -> Ca {
    ca_with(cn, parent, &rcgen::PKCS_ECDSA_P256_SHA256)
}

fn ca_with(cn: &str, parent: Option<&Ca>, alg: &'static rcgen::SignatureAlgorithm) -> Ca {
    let key = KeyPair::generate_for(alg).unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let now = OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(365);
    params.use_authority_key_identifier_extension = parent.is_some();
    let cert = match parent {
        None => params.self_signed(&key).unwrap(),
        Some(p) => params
            .signed_by(&key, &Issuer::from_params(&p.params, &p.key))
            .unwrap(),
    };
    Ca {
        der: cert.der().to_vec(),
        key,
        params,
    }
}

/// A leaf for `localhost` (server) or a client, DER and PKCS#8 key.
fn leaf(issuer: &Ca, client: bool) -> (Vec<u8>, Vec<u8>) {
    leaf_with(issuer, client, &rcgen::PKCS_ECDSA_P256_SHA256)
}

fn leaf_with(
    issuer: &Ca,
    client: bool,
    alg: &'static rcgen::SignatureAlgorithm,
) -> (Vec<u8>, Vec<u8>) {
    let key = KeyPair::generate_for(alg).unwrap();
    let name = if client { "client.test" } else { "localhost" };
    let mut params = CertificateParams::new(vec![name.to_string()]).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    let now = OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(30);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![if client {
        ExtendedKeyUsagePurpose::ClientAuth
    } else {
        ExtendedKeyUsagePurpose::ServerAuth
    }];
    params.use_authority_key_identifier_extension = true;
    let cert = params
        .signed_by(&key, &Issuer::from_params(&issuer.params, &issuer.key))
        .unwrap();
    (cert.der().to_vec(), key.serialize_der())
}

fn options(port: u16, root: &Ca) -> ProbeOptions {
    let now = OffsetDateTime::now_utc();
    ProbeOptions {
        connect: format!("127.0.0.1:{port}"),
        server_name: "localhost".into(),
        versions: Versions::Both,
        alpn: Vec::new(),
        identity: None,
        timeout: Duration::from_secs(10),
        starttls: None,
        http: false,
        check: ChainCheck {
            anchors: vec![TrustAnchor::from_der(&root.der).unwrap()],
            opts: VerifyOptions::server(now, Some(ExpectedName::Dns("localhost".into()))),
        },
    }
}

/// A rustls server (the library's own provider) on an accepted socket.
fn tls_server(mut sock: TcpStream, chain: Vec<Vec<u8>>, key: Vec<u8>) {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let config = rustls::ServerConfig::builder_with_provider(ca_tls::provider::provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            chain.into_iter().map(CertificateDer::from).collect(),
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key)),
        )
        .unwrap();
    let mut conn = rustls::ServerConnection::new(Arc::new(config)).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    while conn.is_handshaking() {
        if conn.complete_io(&mut sock).is_err() {
            return;
        }
    }
    // Until the client's close_notify.
    let _ = conn.complete_io(&mut sock);
    conn.send_close_notify();
    let _ = conn.complete_io(&mut sock);
}

#[test]
fn starttls_smtp_then_a_real_handshake() {
    let root = ca("live root", None);
    let (leaf_der, key) = leaf(&root, false);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (sock, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(sock.try_clone().unwrap());
        let mut w = sock.try_clone().unwrap();
        let mut line = String::new();
        w.write_all(b"220 mail.test ESMTP\r\n").unwrap();
        reader.read_line(&mut line).unwrap();
        assert!(line.starts_with("EHLO "), "{line}");
        w.write_all(b"250-mail.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n")
            .unwrap();
        line.clear();
        reader.read_line(&mut line).unwrap();
        assert_eq!(line, "STARTTLS\r\n");
        w.write_all(b"220 go ahead\r\n").unwrap();
        tls_server(sock, vec![leaf_der], key);
    });
    let mut opts = options(port, &root);
    opts.starttls = Some(StartTls::Smtp);
    let hs = probe(&opts).unwrap();
    server.join().unwrap();
    assert!(hs.ok(), "{:?}", hs.failure);
    assert_eq!(hs.starttls.len(), 7, "{:?}", hs.starttls);
    assert_eq!(hs.starttls.last().unwrap(), "S: 220 go ahead");
}

#[test]
fn starttls_refused_is_no_connection() {
    let root = ca("live root", None);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut sock, _) = listener.accept().unwrap();
        let mut request = [0u8; 8];
        sock.read_exact(&mut request).unwrap();
        assert_eq!(request, [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
        // PostgreSQL without TLS answers N.
        sock.write_all(b"N").unwrap();
    });
    let mut opts = options(port, &root);
    opts.starttls = Some(StartTls::Postgres);
    let err = probe(&opts).unwrap_err();
    server.join().unwrap();
    let text = format!("{err:?}");
    assert!(
        text.contains("NotTls") && text.contains("answered N"),
        "{text}"
    );
}

fn start_server(opts: ServeOptions) -> (u16, Arc<AtomicBool>, std::thread::JoinHandle<()>) {
    let server = Server::bind("127.0.0.1:0", opts).unwrap();
    let port: u16 = server
        .local_addr()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let handle = std::thread::spawn(move || {
        server.run(&flag, Arc::new(|_| {})).unwrap();
    });
    (port, stop, handle)
}

#[test]
fn probe_and_serve_with_mutual_tls() {
    let root = ca("live root", None);
    let inter = ca("live intermediate", Some(&root));
    let (leaf_der, key) = leaf(&inter, false);
    let (client_der, client_key) = leaf(&root, true);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let server = Server::bind(
        "127.0.0.1:0",
        ServeOptions {
            chain: vec![leaf_der, inter.der.clone()],
            key_pkcs8: key,
            client_anchors: Some(vec![TrustAnchor::from_der(&root.der).unwrap()]),
            versions: Versions::Both,
            io_timeout: Duration::from_secs(10),
            clock: Arc::new(OffsetDateTime::now_utc),
        },
    )
    .unwrap();
    let port: u16 = server
        .local_addr()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let (flag, log) = (stop.clone(), seen.clone());
    let handle = std::thread::spawn(move || {
        server
            .run(
                &flag,
                Arc::new(move |c| log.lock().unwrap().push(c.clone())),
            )
            .unwrap();
    });

    // Without a client certificate: refused by the server, after the client's Finished.
    let hs = probe(&options(port, &root)).unwrap();
    let failure = hs.failure.as_ref().expect("refused");
    assert!(failure.by_server);
    assert_eq!(failure.step, Step::Finished);
    assert!(hs.client_auth.requested && !hs.client_auth.sent);
    // The chain is judged all the same.
    assert!(hs.chain_valid());

    let mut opts = options(port, &root);
    opts.identity = Some(Identity {
        chain: vec![client_der],
        key_pkcs8: client_key,
    });
    opts.http = true;
    opts.versions = Versions::Tls12;
    let hs = probe(&opts).unwrap();
    assert!(hs.ok(), "{:?}", hs.failure);
    assert_eq!(hs.chosen.version.as_deref(), Some("TLSv1.2"));
    match &hs.transmit {
        Some(ca_tls::Transmit::Status(s)) => assert_eq!(s, "HTTP/1.1 200 OK"),
        other => panic!("{other:?}"),
    }

    stop.store(true, Ordering::Relaxed);
    handle.join().unwrap();
    let seen = seen.lock().unwrap();
    // The two probes, and the ClientHello that asked about RSA key transport (TLS 1.2).
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(seen[0].error.is_some());
    let with_cert: Vec<_> = seen.iter().filter_map(|c| c.client_cert.as_ref()).collect();
    assert_eq!(with_cert.len(), 1, "{seen:?}");
    let client = with_cert[0];
    assert!(client.valid, "{client:?}");
    assert_eq!(client.subject, "CN=client.test");
}

#[test]
fn an_invalid_chain_is_shown_and_no_data_is_sent() {
    let root = ca("live root", None);
    let other = ca("another root", None);
    let (leaf_der, key) = leaf(&root, false);
    let (port, stop, handle) = start_server(ServeOptions {
        chain: vec![leaf_der.clone()],
        key_pkcs8: key,
        client_anchors: None,
        versions: Versions::Tls13,
        io_timeout: Duration::from_secs(10),
        clock: Arc::new(OffsetDateTime::now_utc),
    });
    let mut opts = options(port, &other);
    opts.http = true;
    let hs = probe(&opts).unwrap();
    assert!(hs.finished, "the handshake goes on to show every step");
    assert!(!hs.chain_valid());
    assert!(!hs.ok());
    assert_eq!(hs.chain.certificates, vec![leaf_der]);
    assert!(matches!(hs.transmit, Some(ca_tls::Transmit::Skipped(_))));
    stop.store(true, Ordering::Relaxed);
    handle.join().unwrap();
}

#[test]
fn chain_notes_say_order_duplicates_and_what_is_missing() {
    let root = ca("notes root", None);
    let inter = ca("notes intermediate", Some(&root));
    let (leaf_der, _) = leaf(&inter, false);
    let anchors = vec![TrustAnchor::from_der(&root.der).unwrap()];

    let good = ChainNotes::of(&[leaf_der.clone(), inter.der.clone()], &anchors);
    assert!(good.remarks().is_empty(), "{:?}", good.remarks());

    let missing = ChainNotes::of(std::slice::from_ref(&leaf_der), &anchors);
    assert_eq!(
        missing.missing_issuer.as_deref(),
        Some("CN=notes intermediate")
    );

    let wrong_order = ChainNotes::of(
        &[leaf_der.clone(), root.der.clone(), inter.der.clone()],
        &anchors,
    );
    assert!(wrong_order.out_of_order);
    assert!(wrong_order.root_sent);
    assert!(wrong_order.missing_issuer.is_none());

    let twice = ChainNotes::of(&[leaf_der.clone(), leaf_der, inter.der.clone()], &anchors);
    assert_eq!(twice.duplicates, vec![(1, 0)]);

    // The server-auth purpose is the one checked by default.
    assert_eq!(
        VerifyOptions::server(OffsetDateTime::now_utc(), None).purpose,
        Purpose::ServerAuth
    );
}

/// A plain-text server that plays `script` (lines to send, or `>` and a line expected from
/// the client), then a real TLS server.
fn scripted_then_tls(script: &'static [&'static str], root: &Ca) -> u16 {
    let (leaf_der, key) = leaf(root, false);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let (sock, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(sock.try_clone().unwrap());
        let mut w = sock.try_clone().unwrap();
        for step in script {
            match step.strip_prefix('>') {
                Some(expected) => {
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap();
                    assert_eq!(line.trim_end(), expected);
                }
                None => w.write_all(format!("{step}\r\n").as_bytes()).unwrap(),
            }
        }
        tls_server(sock, vec![leaf_der], key);
    });
    port
}

#[test]
fn starttls_imap_and_pop3() {
    let root = ca("live root", None);
    let imap: &[&str] = &[
        "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready",
        ">a1 STARTTLS",
        "* an untagged line first",
        "a1 OK Begin TLS negotiation now",
    ];
    let pop3: &[&str] = &["+OK POP3 ready", ">STLS", "+OK Begin TLS negotiation"];
    for (proto, script) in [(StartTls::Imap, imap), (StartTls::Pop3, pop3)] {
        let port = scripted_then_tls(script, &root);
        let mut opts = options(port, &root);
        opts.starttls = Some(proto);
        let hs = probe(&opts).unwrap();
        assert!(hs.ok(), "{proto:?}: {:?}", hs.failure);
        assert_eq!(hs.starttls.len(), script.len(), "{:?}", hs.starttls);
    }
    // A server that refuses the upgrade: no TLS connection (exit 2 in the CLI).
    let port = scripted_then_tls(&["+OK POP3 ready", ">STLS", "-ERR not here"], &root);
    let mut opts = options(port, &root);
    opts.starttls = Some(StartTls::Pop3);
    let err = format!("{:?}", probe(&opts).unwrap_err());
    assert!(err.contains("-ERR not here"), "{err}");
}

/// Serves `chain` over TLS 1.3 with the library's provider and probes it trusting `root`.
fn probe_tls13(chain: Vec<Vec<u8>>, key: Vec<u8>, root: &Ca) -> ca_tls::Handshake {
    let (port, stop, handle) = start_server(ServeOptions {
        chain,
        key_pkcs8: key,
        client_anchors: None,
        versions: Versions::Tls13,
        io_timeout: Duration::from_secs(10),
        clock: Arc::new(OffsetDateTime::now_utc),
    });
    let hs = probe(&options(port, root)).unwrap();
    stop.store(true, Ordering::Relaxed);
    handle.join().unwrap();
    hs
}

/// Both sides offer the hybrid X25519MLKEM768 first (provider.rs), so two `ca` ends agree
/// on it, whatever the certificate's key; step 2 and step 5 say so.
#[test]
fn a_classical_chain_over_the_hybrid_post_quantum_group() {
    let root = ca("hybrid root", None);
    let (leaf_der, key) = leaf(&root, false);
    let hs = probe_tls13(vec![leaf_der.clone()], key, &root);
    assert!(hs.ok(), "{:?}", hs.failure);
    assert_eq!(hs.chosen.group.as_deref(), Some("X25519MLKEM768"));
    assert!(hs.chosen.post_quantum);
    assert_eq!(hs.offer.groups[0], "X25519MLKEM768");
    assert_eq!(
        hs.signature_scheme.as_deref(),
        Some("ecdsa_secp256r1_sha256")
    );
    let notes = ChainNotes::of(&[leaf_der], &[TrustAnchor::from_der(&root.der).unwrap()]);
    let text = ca_tls::explain::render(&hs, &notes, None);
    assert!(
        text.contains("group           X25519MLKEM768 (hybrid post-quantum: X25519 + ML-KEM-768"),
        "{text}"
    );
    assert!(
        text.contains("hybrid post-quantum key exchange on X25519MLKEM768: X25519 + ML-KEM-768"),
        "{text}"
    );
    assert!(
        text.contains("#0 signed with ECDSA SHA-256 by its issuer; its own key is ECDSA P256"),
        "{text}"
    );
    assert!(!text.contains("ML-DSA (FIPS 204"), "{text}");
}

/// An ML-DSA-65 root over an ML-DSA-44 leaf: the server signs the handshake with ML-DSA-44
/// (TLS 1.3 scheme mldsa44, 0x0904), the client checks that signature with the leaf's key.
#[test]
fn an_ml_dsa_leaf_in_a_tls13_handshake() {
    let root = ca_with("ML-DSA root", None, &rcgen::PKCS_ML_DSA_65);
    let (leaf_der, key) = leaf_with(&root, false, &rcgen::PKCS_ML_DSA_44);
    let hs = probe_tls13(vec![leaf_der.clone()], key, &root);
    assert!(hs.finished, "{:?}", hs.failure);
    assert_eq!(hs.chosen.version.as_deref(), Some("TLSv1.3"));
    assert_eq!(hs.chosen.group.as_deref(), Some("X25519MLKEM768"));
    assert_eq!(hs.signature_scheme.as_deref(), Some("mldsa44"));
    let notes = ChainNotes::of(&[leaf_der], &[TrustAnchor::from_der(&root.der).unwrap()]);
    let text = ca_tls::explain::render(&hs, &notes, None);
    assert!(
        text.contains("CertificateVerify: the server signed the handshake transcript with mldsa44"),
        "{text}"
    );
}
