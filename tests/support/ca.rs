//! Driving the `ca` binary: a CA directory in a temporary folder, and a
//! ready-made hierarchy per key type that every peer test checks.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use serde_json::Value;
use tempfile::TempDir;

use super::{succeed, KEY_TYPES};

/// A CA directory of its own, in a temporary folder that also holds the
/// files `ca issue` writes. Nothing outside that folder is touched: the
/// CA directory is always given with `--ca-dir` and `HOME` points inside.
pub struct Ca {
    work: TempDir,
    pub dir: PathBuf,
    outputs: AtomicUsize,
}

/// A CA certificate and its key, as `ca init --json` and
/// `ca intermediate --json` report them.
#[derive(Clone, Debug)]
pub struct CaCert {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// What `ca issue --json` reports.
#[derive(Clone, Debug)]
pub struct Issued {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// The intermediates alone (`NAME-chain.pem`); `None` when the root
    /// signed the leaf and no chain file was written.
    pub chain: Option<PathBuf>,
    /// The leaf followed by its intermediates (`NAME-fullchain.pem`).
    pub fullchain: PathBuf,
    pub root: PathBuf,
    pub serial: String,
    pub not_after: String,
    pub sha256: String,
}

impl Ca {
    pub fn new() -> Ca {
        // Under Cargo's scratch folder for tests, so that the files of a
        // cached hierarchy (never dropped) stay out of the system's /tmp.
        let work = tempfile::Builder::new()
            .prefix("ca-peers-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("cannot create a temporary folder under CARGO_TARGET_TMPDIR");
        let dir = work.path().join("ca");
        Ca {
            work,
            dir,
            outputs: AtomicUsize::new(0),
        }
    }

    /// The temporary folder: the working directory of every `ca` command.
    pub fn work(&self) -> &Path {
        self.work.path()
    }

    /// `ca SUBCOMMAND --ca-dir DIR`, run in the work folder, with the
    /// caller's `CA_DIR` removed and `HOME` inside the work folder.
    pub fn command(&self, subcommand: &str) -> Command {
        let mut cmd = self.command_without_ca_dir(subcommand);
        cmd.arg("--ca-dir").arg(&self.dir);
        cmd
    }

    /// `ca SUBCOMMAND` for commands that take no CA directory (`ca csr`),
    /// run in the work folder like [`Ca::command`].
    pub fn command_without_ca_dir(&self, subcommand: &str) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ca"));
        cmd.arg(subcommand)
            .current_dir(self.work())
            .env_remove("CA_DIR")
            .env("HOME", self.work());
        cmd
    }

    /// A new, empty folder under the work folder, for `--out`.
    pub fn new_out_dir(&self) -> PathBuf {
        let n = self.outputs.fetch_add(1, Ordering::Relaxed);
        let dir = self.work().join(format!("out-{n}"));
        std::fs::create_dir(&dir).expect("cannot create an output folder");
        dir
    }

    /// `ca init --key-type KEY_TYPE --json`.
    pub fn init(&self, key_type: &str) -> CaCert {
        self.init_with::<&str>(key_type, &[])
    }

    /// `ca init --key-type KEY_TYPE EXTRA... --json`.
    pub fn init_with<S: AsRef<OsStr>>(&self, key_type: &str, extra: &[S]) -> CaCert {
        let json = run_json(
            self.command("init")
                .args(["--key-type", key_type, "--json"])
                .args(extra),
        );
        ca_cert(&json, self.work())
    }

    /// `ca intermediate NAME --key-type KEY_TYPE --json`.
    pub fn intermediate(&self, name: &str, key_type: &str) -> CaCert {
        self.intermediate_with(name, &["--key-type", key_type])
    }

    /// `ca intermediate NAME EXTRA... --json`.
    pub fn intermediate_with(&self, name: &str, extra: &[&str]) -> CaCert {
        let json = run_json(
            self.command("intermediate")
                .arg(name)
                .args(extra)
                .arg("--json"),
        );
        ca_cert(&json, self.work())
    }

    /// `ca issue NAMES... EXTRA... --out NEW_DIR --json`.
    pub fn issue<S: AsRef<OsStr>>(&self, names: &[&str], extra: &[S]) -> Issued {
        let out = self.new_out_dir();
        let json = run_json(
            self.command("issue")
                .args(names)
                .args(extra)
                .arg("--out")
                .arg(&out)
                .arg("--json"),
        );
        issued(&json, self.work())
    }
}

impl Default for Ca {
    fn default() -> Self {
        Ca::new()
    }
}

/// Runs a `ca` command that must succeed and print one JSON object.
pub fn run_json(cmd: &mut Command) -> Value {
    let out = succeed(cmd);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|err| {
        panic!(
            "`ca` did not print one JSON object on stdout ({err}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn ca_cert(json: &Value, base: &Path) -> CaCert {
    CaCert {
        cert: path_field(json, "cert", base),
        key: path_field(json, "key", base),
    }
}

/// Reads the `ca issue --json` object; every key the contract promises
/// must be there.
pub fn issued(json: &Value, base: &Path) -> Issued {
    Issued {
        cert: path_field(json, "cert", base),
        key: path_field(json, "key", base),
        chain: json
            .get("chain")
            .unwrap_or_else(|| panic!("no `chain` in {json}"))
            .as_str()
            .map(|p| base.join(p)),
        fullchain: path_field(json, "fullchain", base),
        root: path_field(json, "root", base),
        serial: string_field(json, "serial"),
        not_after: string_field(json, "not_after"),
        sha256: string_field(json, "sha256"),
    }
}

fn string_field(json: &Value, key: &str) -> String {
    json.get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("the JSON output has no string `{key}`: {json}"))
        .to_owned()
}

/// A path from the JSON output; a relative one is relative to `base`, the
/// working directory of the command. The file must exist.
fn path_field(json: &Value, key: &str, base: &Path) -> PathBuf {
    let path = base.join(string_field(json, key));
    assert!(
        path.is_file(),
        "`{key}` in the JSON output names {}, which is not a file",
        path.display()
    );
    path
}

/// One hierarchy of a single key type: a root, an intermediate, and
/// leaves signed by each.
pub struct Pki {
    pub key_type: &'static str,
    pub ca: Ca,
    pub root: CaCert,
    /// Named [`Pki::INTERMEDIATE`].
    pub intermediate: CaCert,
    /// A server leaf for `localhost` and `127.0.0.1`, signed by the root.
    pub server: Issued,
    /// The same names, signed by the intermediate.
    pub server_via_intermediate: Issued,
    /// A client leaf (`--client`) for [`Pki::CLIENT_NAME`], signed by the
    /// intermediate.
    pub client: Issued,
}

impl Pki {
    pub const INTERMEDIATE: &'static str = "issuing";
    pub const CLIENT_NAME: &'static str = "client.example.test";

    fn create(key_type: &'static str) -> Pki {
        let ca = Ca::new();
        let root = ca.init(key_type);
        let leaf_key = ["--key-type", key_type];
        let via = ["--key-type", key_type, "--issuer", Self::INTERMEDIATE];
        let client = [&via[..], &["--client"]].concat();
        // Key generation dominates (seconds for RSA 4096): issue what does
        // not depend on each other at the same time. `ca` locks its CA
        // directory for concurrent commands.
        let (server, intermediate) = std::thread::scope(|s| {
            // Signed by the root: the default issuer (`ca issue --help`).
            let server = s.spawn(|| ca.issue(&["localhost", "127.0.0.1"], &leaf_key));
            let intermediate = ca.intermediate(Self::INTERMEDIATE, key_type);
            (
                server.join().expect("issuing the server leaf"),
                intermediate,
            )
        });
        let (server_via_intermediate, client) = std::thread::scope(|s| {
            let via = s.spawn(|| ca.issue(&["localhost", "127.0.0.1"], &via));
            let client = ca.issue(&[Self::CLIENT_NAME], &client);
            (via.join().expect("issuing the server leaf"), client)
        });
        Pki {
            key_type,
            ca,
            root,
            intermediate,
            server,
            server_via_intermediate,
            client,
        }
    }

    /// The server leaves, each with a label for assertion messages.
    pub fn servers(&self) -> [(&'static str, &Issued); 2] {
        [
            ("signed by the root", &self.server),
            ("signed by the intermediate", &self.server_via_intermediate),
        ]
    }
}

/// The hierarchy for `key_type`, created on first use and shared by the
/// tests of one test binary (RSA key generation is slow).
pub fn pki(key_type: &str) -> &'static Pki {
    static CACHE: [OnceLock<Pki>; KEY_TYPES.len()] = [const { OnceLock::new() }; KEY_TYPES.len()];
    let index = KEY_TYPES
        .iter()
        .position(|known| *known == key_type)
        .unwrap_or_else(|| panic!("unknown key type {key_type}"));
    CACHE[index].get_or_init(|| Pki::create(KEY_TYPES[index]))
}

/// A root of another CA, which must not vouch for any of our leaves.
pub fn other_root() -> &'static CaCert {
    static OTHER: OnceLock<(Ca, CaCert)> = OnceLock::new();
    &OTHER
        .get_or_init(|| {
            let ca = Ca::new();
            let root = ca.init("ecdsa-p256");
            (ca, root)
        })
        .1
}
