//! Helpers of the `ca trust` CLI tests: a temporary world (HOME, CA
//! directories, a Debian filesystem image) and readers of what the stores
//! hold.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A program the test drives, and the Debian package that has it.
pub fn tool(program: &str, package: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|d| d.join(program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("`{program}` is not installed: this test needs it. Install the Debian package `{package}`.")
        })
}

pub fn certutil() -> PathBuf {
    tool("certutil", "libnss3-tools")
}

pub fn keytool() -> PathBuf {
    tool("keytool", "openjdk-17-jdk-headless")
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn finish(out: Output) -> Run {
    Run {
        code: out.status.code().expect("exited normally"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A temporary world: HOME, two CA directories (`a` and `b`), a third CA
/// standing for a root the distribution ships, and a Debian filesystem
/// image for the system store.
pub struct World {
    dir: tempfile::TempDir,
}

impl World {
    pub fn new() -> World {
        World::in_dir(&std::env::temp_dir())
    }

    pub fn in_dir(parent: &Path) -> World {
        let dir = tempfile::tempdir_in(parent).expect("temporary folder");
        let w = World { dir };
        std::fs::create_dir(w.home()).unwrap();
        for name in ["a", "b", "distro"] {
            let run = w.ca(&[
                "init",
                "--ca-dir",
                name,
                "--cn",
                &format!("Trust test {name}"),
            ]);
            assert_eq!(run.code, 0, "ca init: {}", run.stderr);
        }
        w
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn home(&self) -> PathBuf {
        self.path().join("home")
    }

    pub fn root_cert(&self, ca: &str) -> PathBuf {
        self.path().join(ca).join("root/cert.pem")
    }

    pub fn ca_cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ca"));
        cmd.args(args)
            .current_dir(self.path())
            .env("HOME", self.home())
            .env_remove("CA_DIR")
            .env_remove("XDG_DATA_HOME")
            .env_remove("JAVA_HOME")
            .stdin(Stdio::null());
        cmd
    }

    pub fn ca(&self, args: &[&str]) -> Run {
        finish(self.ca_cmd(args).output().expect("run ca"))
    }

    /// `ca trust SUB --ca-dir CA EXTRA...`, which must exit `code`.
    pub fn trust(&self, sub: &str, ca: &str, extra: &[&str], code: i32) -> Run {
        let mut args = vec!["trust", sub, "--ca-dir", ca];
        args.extend_from_slice(extra);
        let run = self.ca(&args);
        assert_eq!(
            run.code, code,
            "ca {args:?}: expected exit {code}\nstdout: {}\nstderr: {}",
            run.stdout, run.stderr
        );
        run
    }

    /// A Debian filesystem image: the distribution ships `distro`'s root.
    pub fn debian_root(&self) -> PathBuf {
        let root = self.path().join("rootfs");
        for dir in [
            "usr/share/ca-certificates/distro",
            "usr/local/share/ca-certificates",
            "etc/ssl/certs",
            "etc/ca-certificates/update.d",
        ] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        std::fs::copy(
            self.root_cert("distro"),
            root.join("usr/share/ca-certificates/distro/distro.crt"),
        )
        .unwrap();
        std::fs::write(root.join("etc/ca-certificates.conf"), "distro/distro.crt\n").unwrap();
        root
    }
}

pub fn der_of(pem_file: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(pem_file).unwrap();
    let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    decode_base64(&body)
}

pub fn decode_base64(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = ALPHABET.iter().position(|a| *a == c).expect("base64") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// How many times the bundle holds the certificate of `cert`.
pub fn count_in_bundle(bundle: &Path, cert: &Path) -> usize {
    let ours = der_of(cert);
    let text = std::fs::read_to_string(bundle).unwrap_or_default();
    text.split("-----END CERTIFICATE-----")
        .filter(|block| block.contains("-----BEGIN CERTIFICATE-----"))
        .map(|block| {
            let body: String = block
                .lines()
                .skip_while(|l| !l.starts_with("-----BEGIN"))
                .skip(1)
                .collect();
            decode_base64(&body)
        })
        .filter(|der| *der == ours)
        .count()
}

pub fn anchor_name(w: &World, ca: &str) -> String {
    let run = w.trust("status", ca, &["--store", "nss", "--json"], 1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let name = json["name"].as_str().unwrap().to_owned();
    let sha = json["sha256"].as_str().unwrap();
    assert_eq!(name, format!("ca-root-{}", &sha[..16]));
    name
}

pub fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("id -u");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// Lets other users (nobody) read and search everything under `dir`.
pub fn make_world_readable(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for entry in walk(dir).into_iter().chain([dir.to_path_buf()]) {
        let mode = std::fs::metadata(&entry).unwrap().permissions().mode();
        std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(mode | 0o005)).unwrap();
    }
}

pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() && !p.is_symlink() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
}
