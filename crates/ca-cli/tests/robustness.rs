//! The hostile user: inputs and situations the other tests do not try,
//! each once a real defect (a panic, a file written before the CA knew
//! of it, a name typed wrongly). Each test says what must hold.

use std::path::PathBuf;
use std::process::{Command, Output};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn ca_dir(&self) -> PathBuf {
        self.path("ca")
    }

    /// Runs `ca ARGS --ca-dir CA` in the temp dir, checking the exit code.
    fn run(&self, args: &[&str], code: i32) -> Output {
        let out = Command::new(env!("CARGO_BIN_EXE_ca"))
            .args(args)
            .arg("--ca-dir")
            .arg(self.ca_dir())
            .current_dir(self.dir.path())
            .env_remove("CA_DIR")
            .output()
            .expect("run ca");
        assert_eq!(
            out.status.code(),
            Some(code),
            "ca {args:?}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// The file names directly in the temp dir (not the CA directory).
    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
            .expect("read temp dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n != "ca")
            .collect();
        names.sort();
        names
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn huge_days_are_refused_not_a_panic() {
    let env = Env::new();
    env.run(&["init"], 0);
    // 4294967295 days overflowed the date arithmetic: exit 101 and a
    // backtrace instead of an error.
    for args in [
        &["issue", "a.test", "--days", "4294967295"][..],
        &["issue", "a.test", "--not-before", "9999-12-31T23:59:59Z"][..],
        &["intermediate", "web", "--days", "4294967295"][..],
        &["crl", "--out", "crl.pem", "--days", "4294967295"][..],
    ] {
        let out = env.run(args, 2);
        assert!(stderr(&out).contains("year 10000"), "{}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    }
    assert!(env.files().is_empty(), "{:?}", env.files());
    let out = Command::new(env!("CARGO_BIN_EXE_ca"))
        .args(["fixture", "revoked", "--days", "4294967295", "--out"])
        .arg(env.dir.path())
        .output()
        .expect("run ca");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(env.files().is_empty(), "{:?}", env.files());
}
