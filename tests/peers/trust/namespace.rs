//! A private mount namespace in which the Debian system store is a copy
//! on tmpfs, so that `ca trust install --store system` runs for real
//! without touching the machine's store.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::support::{self, Tool, OPENSSL};

pub const UNSHARE: Tool = Tool {
    program: "unshare",
    package: "the Debian package `util-linux`",
};
pub const NSENTER: Tool = Tool {
    program: "nsenter",
    package: "the Debian package `util-linux`",
};

/// The Debian system store: where anchors go, and the directory holding
/// the bundle and hashed links clients read.
const ANCHOR_DIR: &str = "/usr/local/share/ca-certificates";
const CERTS_DIR: &str = "/etc/ssl/certs";
pub const BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";
/// Hooks run by update-ca-certificates (Debian's Java hook changes dpkg
/// state): hidden behind an empty tmpfs in the namespace.
const HOOKS_DIR: &str = "/etc/ca-certificates/update.d";
pub const JAVA_CACERTS: &str = "/etc/ssl/certs/java/cacerts";
const CERTS_CONF: &str = "/etc/ca-certificates.conf";

/// A private mount namespace in which the system store is a copy on
/// tmpfs. A holder process keeps it alive; commands enter it with
/// nsenter. Dropping it kills the holder, and the copies go with it.
pub struct PrivateStore {
    holder: Child,
}

impl PrivateStore {
    pub fn new(stage: &Path) -> PrivateStore {
        let script = format!(
            r#"set -eu
stage="$1"
for d in {ANCHOR_DIR} {CERTS_DIR}; do
  mkdir -p "$stage$d"
  cp -a "$d/." "$stage$d/"
  mount -t tmpfs -o mode=0755 tmpfs "$d"
  cp -a "$stage$d/." "$d/"
done
if [ -d {HOOKS_DIR} ]; then mount -t tmpfs -o mode=0755 tmpfs {HOOKS_DIR}; fi
cp {CERTS_CONF} "$stage/ca-certificates.conf"
mount --bind "$stage/ca-certificates.conf" {CERTS_CONF}
echo READY
# Bounded: the namespace ends with this process even if the test is killed.
exec sleep 900
"#
        );
        let mut holder = UNSHARE
            .command()
            .args([
                "--mount",
                "--propagation",
                "private",
                "bash",
                "-c",
                &script,
                "ns",
            ])
            .arg(stage)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start unshare");
        let stdout = holder.stdout.take().expect("piped");
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        if line.trim() != "READY" {
            let _ = holder.kill();
            let out = holder.wait_with_output().expect("wait for unshare");
            panic!(
                "cannot make a private mount namespace (this test runs as root: \
                 `unshare --mount` needs CAP_SYS_ADMIN): {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        PrivateStore { holder }
    }

    /// `program` run inside the namespace.
    pub fn command(&self, program: &Path) -> Command {
        let mut cmd = NSENTER.command();
        cmd.arg("--target")
            .arg(self.holder.id().to_string())
            .arg("--mount")
            .arg("--")
            .arg(program);
        cmd
    }
}

impl Drop for PrivateStore {
    fn drop(&mut self) {
        let _ = self.holder.kill();
        let _ = self.holder.wait();
    }
}

/// What the real system store holds, to check nothing leaked into it.
pub fn real_store_snapshot() -> String {
    let mut snapshot = String::new();
    for dir in [ANCHOR_DIR, CERTS_DIR] {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        snapshot += &format!("{dir}: {}\n", names.join(" "));
    }
    // Debian's Java cacerts lives in /etc/ssl/certs/java (a link from the JDK).
    for file in [BUNDLE, CERTS_CONF, JAVA_CACERTS] {
        if !Path::new(file).exists() {
            continue;
        }
        let out = support::succeed(OPENSSL.command().args(["dgst", "-sha256", file]));
        snapshot += &String::from_utf8_lossy(&out.stdout);
    }
    snapshot
}
