//! `ca acme serve` refusing bad input before it listens (exit 2, a
//! message saying what to fix). The protocol is tested in ca-acme and
//! with real clients in tests/peers/acme.rs.

mod common;

use common::ca;

#[test]
fn bad_input_is_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let no_ca = ca(
        d,
        &[
            "acme",
            "serve",
            "--ca-dir",
            "missing",
            "--listen",
            "127.0.0.1:0",
        ],
    );
    assert_eq!(no_ca.code, 2, "{}", no_ca.stderr);
    assert!(no_ca.stderr.contains("ca init"), "{}", no_ca.stderr);
    assert!(
        !d.join("missing").exists(),
        "a mistyped --ca-dir leaves nothing behind"
    );

    assert_eq!(ca(d, &["init", "--ca-dir", "ca"]).code, 0);
    for (args, hint) in [
        (
            &["--db", "mysql://localhost/acme"][..],
            "expected sqlite:PATH or postgres://",
        ),
        // Nothing listens on port 1: the database is checked before serving.
        (
            &["--db", "postgres://acme:secret@127.0.0.1:1/acme"],
            "connecting to PostgreSQL",
        ),
        (&["--resolve", "app.test"], "NAME=ADDR"),
        (&["--resolve", "app.test=nowhere"], "not an IP address"),
        (&["--dns", "localhost"], "--dns"),
        (&["--allow-dns", "not a name"], "--allow-dns"),
        (&["--allow-ip", "10.0.0.0/40"], "0 to 32"),
        (&["--tos", "terms.txt"], "http(s) URL"),
        (&["--eab", "kid-only"], "KID=KEY"),
        (&["--eab", "kid=c2hvcnQ"], "shorter than 16 bytes"),
        (&["--rate-limit", "ten/min"], "--rate-limit"),
        (&["--crl-url", "ldap://x/crl"], "http://"),
        (&["--caa-identity", "ca..example"], "--caa-identity"),
        (&["--caa-identity", "ca_1.example"], "--caa-identity"),
        (&["--crl-listen", "nowhere"], "--crl-listen"),
    ] {
        let mut all = vec!["acme", "serve", "--ca-dir", "ca", "--listen", "127.0.0.1:0"];
        all.extend_from_slice(args);
        let run = ca(d, &all);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(hint), "{args:?}: {}", run.stderr);
        assert!(
            !run.stderr.contains("secret"),
            "a password is never printed: {}",
            run.stderr
        );
    }
}
