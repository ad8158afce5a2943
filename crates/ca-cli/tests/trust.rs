//! `ca trust` against real stores kept inside a temporary folder: the
//! Debian system store through `--root-dir` (update-ca-certificates on a
//! filesystem image), NSS databases of Chromium and of Firefox profiles at
//! every known location (certutil) with HOME pointing inside, and a Java
//! keystore given with `--java-keystore` (keytool). For each: status
//! before/after, idempotence (one entry after two installs), exact
//! uninstall (another CA's entry stays), two CAs at once. Then the
//! failures: bad input (exit 2), missing tools naming their package, no
//! store at all, and a store that needs root (exit 1 with what to run).
//!
//! Clients proving the trust (curl, OpenSSL, Python, Chromium, Java) are in
//! tests/peers/trust.rs.

mod trust_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use trust_support::*;

#[test]
fn system_store_on_a_debian_image_install_idempotent_exact_uninstall() {
    tool("update-ca-certificates", "ca-certificates");
    let w = World::new();
    let root = w.debian_root();
    let root_arg = root.to_str().unwrap();
    let store = ["--store", "system", "--root-dir", root_arg];
    let bundle = root.join("etc/ssl/certs/ca-certificates.crt");
    let anchors = root.join("usr/local/share/ca-certificates");

    let before = w.trust("status", "a", &store, 1);
    assert!(before.stdout.contains("not installed"), "{}", before.stdout);

    let first = w.trust("install", "a", &store, 0);
    assert!(first.stdout.contains("added"), "{}", first.stdout);
    let second = w.trust("install", "a", &store, 0);
    assert!(
        second.stdout.contains("nothing changed") && second.stdout.contains("already there"),
        "a second install must change nothing and say so: {}",
        second.stdout
    );
    assert_eq!(count_in_bundle(&bundle, &w.root_cert("a")), 1);
    assert_eq!(count_in_bundle(&bundle, &w.root_cert("distro")), 1);
    let a_file = anchors.join(format!("{}.crt", anchor_name(&w, "a")));
    assert_eq!(std::fs::read_dir(&anchors).unwrap().count(), 1);
    assert_eq!(der_of(&a_file), der_of(&w.root_cert("a")));

    // Two CAs at once, each under its own name.
    w.trust("install", "b", &store, 0);
    assert_eq!(std::fs::read_dir(&anchors).unwrap().count(), 2);
    let status = w.trust("status", "a", &[&store[..], &["--json"]].concat(), 0);
    let json: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(json["installed_everywhere"], true);
    assert_eq!(
        json["stores"][0]["locations"][0]["trusted_for_servers"],
        true
    );

    // Uninstall removes a, and only a.
    let removed = w.trust("uninstall", "a", &store, 0);
    assert!(removed.stdout.contains("removed"), "{}", removed.stdout);
    assert!(!a_file.exists());
    assert_eq!(count_in_bundle(&bundle, &w.root_cert("a")), 0);
    assert_eq!(count_in_bundle(&bundle, &w.root_cert("b")), 1);
    assert_eq!(count_in_bundle(&bundle, &w.root_cert("distro")), 1);
    w.trust("status", "a", &store, 1);
    w.trust("status", "b", &store, 0);
    let again = w.trust("uninstall", "a", &store, 0);
    assert!(again.stdout.contains("nothing changed"), "{}", again.stdout);
}

/// Every NSS database a browser may read, each a real certutil database.
fn nss_databases(w: &World) -> Vec<PathBuf> {
    let home = w.home();
    let profiles = [
        ".mozilla/firefox/abcd1234.default-release",
        "snap/firefox/common/.mozilla/firefox/efgh5678.default",
        ".var/app/org.mozilla.firefox/.mozilla/firefox/ijkl9012.default-release",
        ".config/mozilla/firefox/mnop3456.default-release",
        "snap/chromium/current/.pki/nssdb",
    ];
    let mut dbs = Vec::new();
    for p in profiles {
        let dir = home.join(p);
        std::fs::create_dir_all(&dir).unwrap();
        let out = Command::new(certutil())
            .args(["-N", "--empty-password", "-d"])
            .arg(format!("sql:{}", dir.display()))
            .output()
            .unwrap();
        assert!(out.status.success(), "certutil -N: {out:?}");
        dbs.push(dir);
    }
    dbs
}

/// The nicknames and trust flags `certutil -L` lists.
fn nss_entries(db: &Path) -> Vec<(String, String)> {
    let out = Command::new(certutil())
        .arg("-L")
        .arg("-d")
        .arg(format!("sql:{}", db.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "certutil -L: {out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(4)
        .filter_map(|l| {
            let (nick, flags) = l.trim_end().rsplit_once(char::is_whitespace)?;
            Some((nick.trim().to_owned(), flags.to_owned()))
        })
        .collect()
}

#[test]
fn nss_every_browser_database_idempotent_exact_uninstall() {
    let w = World::new();
    let profiles = nss_databases(&w);
    let chromium_db = w.home().join(".pki/nssdb");
    assert!(!chromium_db.exists());
    let store = ["--store", "nss"];
    let a = anchor_name(&w, "a");
    let b = anchor_name(&w, "b");

    let before = w.trust("status", "a", &store, 1);
    assert!(before.stdout.contains("not installed"), "{}", before.stdout);

    w.trust("install", "a", &store, 0);
    // ~/.pki/nssdb is created when missing: Chromium reads it.
    assert!(chromium_db.join("cert9.db").is_file());
    let second = w.trust("install", "a", &store, 0);
    assert!(
        second.stdout.contains("nothing changed"),
        "{}",
        second.stdout
    );
    w.trust("install", "b", &store, 0);

    let all: Vec<PathBuf> = profiles.iter().cloned().chain([chromium_db]).collect();
    for db in &all {
        let entries = nss_entries(db);
        let ours: Vec<_> = entries.iter().filter(|(n, _)| *n == a).collect();
        assert_eq!(
            ours.len(),
            1,
            "{}: one entry for {a}: {entries:?}",
            db.display()
        );
        assert_eq!(ours[0].1, "C,,", "trusted for TLS servers only");
        assert!(entries.iter().any(|(n, _)| *n == b));
    }
    let status = w.trust("status", "a", &["--store", "nss", "--json"], 0);
    let json: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(
        json["stores"][0]["locations"].as_array().unwrap().len(),
        all.len(),
        "every database is reported: {}",
        status.stdout
    );

    w.trust("uninstall", "a", &store, 0);
    for db in &all {
        let entries = nss_entries(db);
        assert!(
            !entries.iter().any(|(n, _)| *n == a),
            "{}: {entries:?}",
            db.display()
        );
        assert!(
            entries.iter().any(|(n, _)| *n == b),
            "b must stay in {}",
            db.display()
        );
    }
    w.trust("status", "a", &store, 1);
    w.trust("status", "b", &store, 0);
}

/// The aliases of a Java keystore.
fn java_aliases(keystore: &Path) -> Vec<String> {
    let out = Command::new(keytool())
        .args([
            "-J-Duser.language=en",
            "-list",
            "-storepass",
            "changeit",
            "-keystore",
        ])
        .arg(keystore)
        .output()
        .unwrap();
    assert!(out.status.success(), "keytool -list: {out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("trustedCertEntry"))
        .map(|l| l.split(',').next().unwrap().to_owned())
        .collect()
}

#[test]
fn java_keystore_idempotent_exact_uninstall() {
    let w = World::new();
    let keystore = w.path().join("cacerts");
    // A keystore holding one other root, as a runtime's cacerts does.
    let out = Command::new(keytool())
        .args([
            "-importcert",
            "-noprompt",
            "-storetype",
            "PKCS12",
            "-storepass",
            "changeit",
        ])
        .args(["-alias", "distro", "-keystore"])
        .arg(&keystore)
        .arg("-file")
        .arg(w.root_cert("distro"))
        .output()
        .unwrap();
    assert!(out.status.success(), "keytool -importcert: {out:?}");
    let ks = keystore.to_str().unwrap();
    let store = ["--store", "java", "--java-keystore", ks];
    let a = anchor_name(&w, "a");
    let b = anchor_name(&w, "b");

    w.trust("status", "a", &store, 1);
    w.trust("install", "a", &store, 0);
    let second = w.trust("install", "a", &store, 0);
    assert!(
        second.stdout.contains("nothing changed"),
        "{}",
        second.stdout
    );
    w.trust("install", "b", &store, 0);
    let mut aliases = java_aliases(&keystore);
    aliases.sort();
    assert_eq!(aliases, {
        let mut v = vec![a.clone(), b.clone(), "distro".to_owned()];
        v.sort();
        v
    });
    w.trust("status", "a", &store, 0);

    w.trust("uninstall", "a", &store, 0);
    let mut aliases = java_aliases(&keystore);
    aliases.sort();
    assert_eq!(aliases, vec![b.clone(), "distro".to_owned()]);
    w.trust("status", "a", &store, 1);
    w.trust("status", "b", &store, 0);
}

#[test]
fn bad_input_exits_2() {
    let w = World::new();
    let unknown = w.trust("install", "a", &["--store", "nss,chrome"], 2);
    assert!(
        unknown.stderr.contains("unknown store `chrome`"),
        "{}",
        unknown.stderr
    );

    let missing_ca = w.trust("install", "nowhere", &["--store", "nss"], 2);
    assert!(
        missing_ca.stderr.contains("no CA here"),
        "{}",
        missing_ca.stderr
    );

    // A server certificate is not an anchor.
    let issued = w.ca(&["issue", "leaf.test", "--ca-dir", "a", "--out", "."]);
    assert_eq!(issued.code, 0, "{}", issued.stderr);
    let leaf = w.ca(&[
        "trust",
        "install",
        "--cert",
        "leaf.test.pem",
        "--store",
        "nss",
    ]);
    assert_eq!(leaf.code, 2, "{}", leaf.stderr);
    assert!(
        leaf.stderr.contains("not a CA certificate"),
        "{}",
        leaf.stderr
    );

    let both = w.ca(&["trust", "status", "--ca-dir", "a", "--cert", "x.pem"]);
    assert_eq!(both.code, 2, "{}", both.stderr);
}

#[test]
fn missing_tools_and_absent_stores_fail_precisely() {
    let w = World::new();
    let empty_path = w.path().join("no-tools");
    std::fs::create_dir(&empty_path).unwrap();
    let empty_root = w.path().join("empty-root");
    std::fs::create_dir(&empty_root).unwrap();
    let run = |args: &[&str]| {
        finish(
            w.ca_cmd(args)
                .env("PATH", &empty_path)
                .output()
                .expect("run ca"),
        )
    };

    // A database exists, certutil does not: name the package.
    nss_databases(&w);
    let nss = run(&["trust", "install", "--ca-dir", "a", "--store", "nss"]);
    assert_eq!(nss.code, 1, "{}", nss.stderr);
    assert!(
        nss.stderr.contains("`certutil` is not installed") && nss.stderr.contains("libnss3-tools"),
        "{}",
        nss.stderr
    );
    assert!(
        nss.stderr.contains("install failed in 1 store: nss"),
        "{}",
        nss.stderr
    );

    // No store at all: never success.
    std::fs::remove_dir_all(w.home()).unwrap();
    std::fs::create_dir(w.home()).unwrap();
    let root = format!("--root-dir={}", empty_root.display());
    let nothing = run(&["trust", "install", "--ca-dir", "a", &root]);
    assert_eq!(nothing.code, 1, "{}\n{}", nothing.stdout, nothing.stderr);
    // Each store of the platform that is not here is named (mkcert #182:
    // Java skipped without a word).
    for store in ["system", "nss", "java"] {
        assert!(
            nothing
                .stderr
                .contains(&format!("{store}: skipped, not on this machine (")),
            "{}",
            nothing.stderr
        );
    }
    assert!(
        nothing.stderr.contains("no trust store found"),
        "{}",
        nothing.stderr
    );
    let status = run(&["trust", "status", "--ca-dir", "a", &root]);
    assert_eq!(status.code, 1, "{}", status.stdout);

    // Asked by name but absent: say what was looked for, exit 1.
    let system = run(&[
        "trust", "install", "--ca-dir", "a", "--store", "system", &root,
    ]);
    assert_eq!(system.code, 1);
    assert!(
        system.stderr.contains("/usr/local/share/ca-certificates"),
        "{}",
        system.stderr
    );
    let java = run(&["trust", "install", "--ca-dir", "a", "--store", "java"]);
    assert_eq!(java.code, 1);
    assert!(
        java.stderr.contains("no JAVA_HOME and no `java` on PATH"),
        "{}",
        java.stderr
    );
}

#[test]
fn a_store_only_root_may_change_says_so_and_what_to_run() {
    tool("update-ca-certificates", "ca-certificates");
    // In /tmp (searchable by everyone), for the run as nobody below.
    let w = World::in_dir(Path::new("/tmp"));
    let root = w.debian_root();
    let anchors = root.join("usr/local/share/ca-certificates");
    let args = [
        "trust",
        "install",
        "--ca-dir",
        "a",
        "--store",
        "system",
        "--root-dir",
        root.to_str().unwrap(),
    ];
    let mut cmd = w.ca_cmd(&args);
    if is_root() {
        // root may write anywhere: run as nobody, as a user would.
        let mut dropped = Command::new(tool("setpriv", "util-linux"));
        dropped
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_ca"))
            .args(args)
            .current_dir(w.path())
            .env("HOME", w.home())
            .env_remove("CA_DIR");
        // nobody must be able to read the CA and reach the files.
        make_world_readable(w.path());
        cmd = dropped;
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&anchors, std::fs::Permissions::from_mode(0o555)).unwrap();
    }
    let run = finish(cmd.output().unwrap());
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("needs root privileges"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("run: sudo ")
            && run.stderr.contains("trust install --store system --cert /"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_dir(&anchors).unwrap().count(), 0);
}

#[test]
fn env_points_runtimes_at_system_roots_plus_ours() {
    tool("update-ca-certificates", "ca-certificates");
    let w = World::new();
    let root = w.debian_root();
    // Build the image's bundle (the distro root) with the real tool.
    w.trust(
        "install",
        "b",
        &["--store", "system", "--root-dir", root.to_str().unwrap()],
        0,
    );
    let root_arg = format!("--root-dir={}", root.display());
    let sh = w.trust("env", "a", &[&root_arg], 0);
    let vars: Vec<(String, String)> = sh
        .stdout
        .lines()
        .map(|l| {
            let rest = l.strip_prefix("export ").expect("sh syntax");
            let (name, value) = rest.split_once('=').unwrap();
            (name.to_owned(), value.trim_matches('\'').to_owned())
        })
        .collect();
    let names: Vec<&str> = vars.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "SSL_CERT_FILE",
            "REQUESTS_CA_BUNDLE",
            "NODE_EXTRA_CA_CERTS",
            "CURL_CA_BUNDLE",
            "GIT_SSL_CAINFO"
        ]
    );
    for (name, value) in &vars {
        let file = Path::new(value);
        assert!(file.is_absolute() && file.is_file(), "{name}={value}");
        assert!(file.starts_with(w.path().join("a/trust")), "{name}={value}");
        assert_eq!(count_in_bundle(file, &w.root_cert("a")), 1, "{name}");
        let system_roots = count_in_bundle(file, &w.root_cert("distro"))
            + count_in_bundle(file, &w.root_cert("b"));
        if name == "NODE_EXTRA_CA_CERTS" {
            // Adds to Node's roots: ours alone.
            assert_eq!(system_roots, 0, "{name}");
        } else {
            // Replaces the runtime's roots: the system's stay in.
            assert_eq!(system_roots, 2, "{name}");
        }
    }
    let fish = w.trust("env", "a", &[&root_arg, "--shell", "fish"], 0);
    assert!(
        fish.stdout.lines().all(|l| l.starts_with("set -gx ")),
        "{}",
        fish.stdout
    );
    let ps = w.trust("env", "a", &[&root_arg, "--shell", "powershell"], 0);
    assert!(
        ps.stdout.lines().all(|l| l.starts_with("$env:")),
        "{}",
        ps.stdout
    );
}

#[test]
fn other_distribution_layouts_are_recognised_and_their_tools_named() {
    tool("update-ca-certificates", "ca-certificates");
    let w = World::new();
    let empty_path = w.path().join("no-tools");
    std::fs::create_dir(&empty_path).unwrap();
    let layouts = [
        (
            "fedora",
            "etc/pki/ca-trust/source/anchors",
            "update-ca-trust",
            "ca-certificates",
        ),
        (
            "arch",
            "etc/ca-certificates/trust-source/anchors",
            "trust",
            "p11-kit",
        ),
        (
            "suse",
            "usr/share/pki/trust/anchors",
            "update-ca-certificates",
            "ca-certificates",
        ),
    ];
    for (flavour, anchors, program, package) in layouts {
        let root = w.path().join(format!("root-{flavour}"));
        std::fs::create_dir_all(root.join(anchors)).unwrap();
        if flavour == "fedora" {
            // Fedora's systems may carry the Debian directory too: Fedora wins.
            std::fs::create_dir_all(root.join("usr/local/share/ca-certificates")).unwrap();
        }
        let root_arg = format!("--root-dir={}", root.display());
        let status = w.trust("status", "a", &["--store", "system", &root_arg], 1);
        assert!(
            status.stdout.contains(&format!(
                "system: {flavour}: {}",
                root.join(anchors).display()
            )),
            "{}",
            status.stdout
        );
        let install = finish(
            w.ca_cmd(&[
                "trust", "install", "--ca-dir", "a", "--store", "system", &root_arg,
            ])
            .env("PATH", &empty_path)
            .output()
            .unwrap(),
        );
        assert_eq!(install.code, 1, "{}", install.stderr);
        let expected = if flavour == "suse" {
            // `ca` also searches /usr/sbin, where Debian's
            // update-ca-certificates is: found, but an image of another
            // distribution cannot be updated from here.
            "a filesystem root other than / is supported for the Debian layout only".to_owned()
        } else {
            format!("`{program}` is not installed; install the")
        };
        assert!(
            install.stderr.contains(&expected) && install.stderr.contains(package),
            "{flavour}: {}",
            install.stderr
        );
        // The tool is looked for first: no anchor file without a bundle.
        assert_eq!(std::fs::read_dir(root.join(anchors)).unwrap().count(), 0);
    }
}
