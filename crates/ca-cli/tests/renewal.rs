//! `ca needs-renewal`: exit 0 / 1 / 2, the list of what needs renewal, JSON.

mod common;

use common::*;
use time::Duration;

#[test]
fn fixed_threshold_decides_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = TestCa::new("Root", None);
    let soon = root.leaf(
        &["soon.test"],
        -Duration::days(60),
        Duration::days(10) + Duration::hours(1),
    );
    let later = root.leaf(&["later.test"], -Duration::days(1), Duration::days(200));
    write(d, "soon.pem", &soon.pem);
    write(d, "later.pem", &later.pem);

    let run = ca(d, &["needs-renewal", "later.pem", "--within", "30d"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("ok") && run.stdout.contains("later.pem"),
        "{}",
        run.stdout
    );

    let run = ca(
        d,
        &["needs-renewal", "later.pem", "soon.pem", "--within", "30d"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let soon_line = run.stdout.lines().find(|l| l.contains("soon.pem")).unwrap();
    assert!(soon_line.starts_with("RENEW"), "{soon_line}");
    assert!(soon_line.contains("expires in 10 days"), "{soon_line}");
    assert!(run.stderr.contains("1 of 2"), "{}", run.stderr);

    assert_eq!(
        ca(d, &["needs-renewal", "soon.pem", "--within", "240h"]).code,
        0
    );
    assert_eq!(
        ca(d, &["needs-renewal", "soon.pem", "--within", "2w"]).code,
        1
    );
}

#[test]
fn percentage_of_lifetime() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = TestCa::new("Root", None);
    // 100 days long, 40 left.
    let cert = root.leaf(&["p.test"], -Duration::days(60), Duration::days(40));
    write(d, "p.pem", &cert.pem);
    assert_eq!(
        ca(d, &["needs-renewal", "p.pem", "--within", "35%"]).code,
        0
    );
    assert_eq!(
        ca(d, &["needs-renewal", "p.pem", "--within", "45%"]).code,
        1
    );
}

#[test]
fn expired_certificates_in_a_bundle_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = TestCa::new("Root", None);
    let dead = root.leaf(
        &["dead.test"],
        -Duration::days(60),
        -Duration::days(2) - Duration::hours(1),
    );
    write(d, "bundle.pem", format!("{}{}", dead.pem, root.pem));
    let run = ca(d, &["needs-renewal", "bundle.pem", "--within", "1d"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("RENEW bundle.pem[1]: CN=dead.test: expired 2 days ago"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("ok    bundle.pem[2]"), "{}", run.stdout);

    let run = ca(
        d,
        &["needs-renewal", "--json", "bundle.pem", "--within", "1d"],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.is_empty(),
        "JSON mode keeps stderr quiet: {}",
        run.stderr
    );
    let v = json(&run);
    assert_eq!(v["within"], "1d");
    assert_eq!(v["needs_renewal"], true);
    let certs = v["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 2);
    assert_eq!(certs[0]["file"], "bundle.pem");
    assert_eq!(certs[0]["index"], 1);
    assert_eq!(certs[0]["status"], "expired");
    assert_eq!(certs[0]["needs_renewal"], true);
    assert_eq!(certs[0]["days_left"], -3);
    assert_eq!(certs[1]["status"], "ok");
    assert!(certs[1]["not_after"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn bad_input_is_exit_2_even_when_other_files_need_renewal() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = TestCa::new("Root", None);
    let dead = root.leaf(&["dead.test"], -Duration::days(60), -Duration::days(1));
    write(d, "dead.pem", &dead.pem);
    write(d, "key.pem", &dead.key_pem);
    write(d, "junk.pem", "junk");
    for (args, words) in [
        (vec!["needs-renewal", "dead.pem", "junk.pem"], "junk.pem"),
        (
            vec!["needs-renewal", "dead.pem", "missing.pem"],
            "missing.pem",
        ),
        (vec!["needs-renewal", "key.pem"], "not a certificate"),
        (vec!["needs-renewal", "dead.pem", "--within", "soon"], "30d"),
        (
            vec!["needs-renewal", "dead.pem", "--within", "0%"],
            "between 1 and 100",
        ),
    ] {
        let run = ca(d, &args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stdout);
        assert!(run.stderr.contains(words), "{args:?}: {}", run.stderr);
    }
    let run = ca(d, &["needs-renewal"]);
    assert_eq!(run.code, 2);
}

#[test]
fn help_documents_the_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let run = ca(dir.path(), &["needs-renewal", "--help"]);
    assert_eq!(run.code, 0);
    for words in [
        "Exit codes:",
        "0  no certificate needs renewal",
        "1  at least one",
        "2  bad input",
    ] {
        assert!(run.stdout.contains(words), "{words}: {}", run.stdout);
    }
}
