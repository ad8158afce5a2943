//! Helpers for the tests of the issuing commands: a `ca` command with its
//! own CA directory and work folder, and checks with openssl.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

// The peer lookup the end-to-end tests use: a missing openssl fails
// naming the package to install.
#[path = "../../../../tests/support/tool.rs"]
pub mod tool;

/// A work folder with a CA directory inside (`WORK/ca`), not yet created.
pub struct Env {
    pub work: TempDir,
    pub ca_dir: PathBuf,
}

impl Env {
    pub fn new() -> Env {
        let work = tempfile::tempdir().unwrap();
        let ca_dir = work.path().join("ca");
        Env { work, ca_dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.work.path().join(name)
    }

    /// `ca ARGS...` run in WORK, with WORK/ca as the default CA directory
    /// (`XDG_DATA_HOME=WORK`, no CA_DIR, HOME in WORK): like a user's own
    /// default CA, it is created on first use (a --ca-dir or CA_DIR must
    /// already hold a CA).
    pub fn ca(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ca"));
        cmd.args(args)
            .current_dir(self.work.path())
            .env_remove("CA_DIR")
            .env("XDG_DATA_HOME", self.work.path())
            .env("HOME", self.work.path());
        cmd
    }

    /// Runs `ca ARGS...`, which must exit with `code`.
    pub fn run(&self, args: &[&str], code: i32) -> Output {
        expect_code(&mut self.ca(args), code)
    }

    /// Runs `ca ARGS... --json`, which must succeed, and parses its output.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.run(&all, 0);
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "not one JSON object ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// The serials in `ca list --json`.
    pub fn listed_serials(&self) -> Vec<String> {
        let list = self.json(&["list"]);
        list["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["serial"].as_str().unwrap().to_string())
            .collect()
    }
}

pub fn expect_code(cmd: &mut Command, code: i32) -> Output {
    let out = cmd.output().expect("cannot run ca");
    assert_eq!(
        out.status.code(),
        Some(code),
        "{cmd:?}\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn field(json: &Value, key: &str) -> PathBuf {
    PathBuf::from(
        json[key]
            .as_str()
            .unwrap_or_else(|| panic!("no `{key}` in {json}")),
    )
}

/// `openssl verify` of a leaf against a root, with the chain as untrusted.
pub fn openssl_verify(root: &Path, chain: &Path, leaf: &Path, host: Option<&str>) -> bool {
    let mut cmd = tool::OPENSSL.command();
    cmd.args(["verify", "-x509_strict", "-CAfile"])
        .arg(root)
        .arg("-untrusted")
        .arg(chain);
    if let Some(host) = host {
        cmd.args(["-verify_hostname", host]);
    }
    cmd.arg(leaf)
        .output()
        .expect("run openssl")
        .status
        .success()
}

/// Runs openssl with ARGS, which must succeed; returns stdout.
pub fn openssl(args: &[&str]) -> String {
    let out = tool::OPENSSL
        .command()
        .args(args)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}
