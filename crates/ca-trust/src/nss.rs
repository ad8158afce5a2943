//! NSS databases, read by Chromium (the user's `~/.pki/nssdb`) and
//! Firefox (one database per profile), changed with `certutil`.
//!
//! Databases looked for, under HOME unless said otherwise:
//! - `.pki/nssdb` (Chromium, Chrome; created when missing, as mkcert does,
//!   because Chromium reads it from its first start on),
//! - `snap/chromium/current/.pki/nssdb` (Chromium snap),
//! - `/etc/pki/nssdb` (system-wide NSS on Fedora; needs root),
//! - every Firefox profile in `.mozilla/firefox` (classic),
//!   `snap/firefox/common/.mozilla/firefox` (snap),
//!   `.var/app/org.mozilla.firefox/.mozilla/firefox` (Flatpak) and
//!   `.config/mozilla/firefox` (the XDG profile directory of 2026 builds).
//!
//! A directory is a database when it holds `cert9.db` (SQLite, `sql:`) or
//! `cert8.db` (legacy Berkeley DB, `dbm:`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::tool::{self, CERTUTIL};
use crate::{
    Action, Anchor, Change, Detection, LocationStatus, Places, StoreKind, TrustError, TrustStore,
};

/// Trust flags "C,,": a trusted CA for TLS servers (the first of the SSL,
/// S/MIME and code-signing fields), nothing else.
const SERVER_CA_TRUST: &str = "C,,";

const CHROMIUM_DBS: [&str; 2] = [".pki/nssdb", "snap/chromium/current/.pki/nssdb"];
const SYSTEM_DB: &str = "/etc/pki/nssdb";
const FIREFOX_PROFILE_DIRS: [&str; 4] = [
    ".mozilla/firefox",
    "snap/firefox/common/.mozilla/firefox",
    ".var/app/org.mozilla.firefox/.mozilla/firefox",
    ".config/mozilla/firefox",
];

/// One NSS database.
#[derive(Debug, Clone)]
struct Database {
    dir: PathBuf,
    /// `sql:` or `dbm:`.
    prefix: &'static str,
}

impl Database {
    fn at(dir: PathBuf) -> Option<Database> {
        let prefix = if dir.join("cert9.db").is_file() {
            "sql:"
        } else if dir.join("cert8.db").is_file() {
            "dbm:"
        } else {
            return None;
        };
        Some(Database { dir, prefix })
    }

    fn arg(&self) -> String {
        format!("{}{}", self.prefix, self.dir.display())
    }
}

pub struct NssStore {
    places: Places,
}

impl NssStore {
    pub fn new(places: Places) -> NssStore {
        NssStore { places }
    }

    fn databases(&self) -> Vec<Database> {
        let mut dirs = Vec::new();
        if let Some(home) = &self.places.home {
            dirs.extend(CHROMIUM_DBS.iter().map(|d| home.join(d)));
            for profiles in FIREFOX_PROFILE_DIRS {
                dirs.extend(subdirectories(&home.join(profiles)));
            }
        }
        dirs.push(self.places.under_root(SYSTEM_DB));
        dirs.into_iter().filter_map(Database::at).collect()
    }

    fn certutil(&self) -> Result<PathBuf, TrustError> {
        CERTUTIL.find(&self.places.search_path)
    }

    /// `~/.pki/nssdb`, created empty (no password) when missing.
    fn ensure_user_database(&self, certutil: &Path) -> Result<(), TrustError> {
        let Some(home) = &self.places.home else {
            return Ok(());
        };
        let dir = home.join(CHROMIUM_DBS[0]);
        if Database::at(dir.clone()).is_some() {
            return Ok(());
        }
        create_private_dirs(&dir)?;
        let mut cmd = Command::new(certutil);
        cmd.arg("-N")
            .arg("--empty-password")
            .arg("-d")
            .arg(format!("sql:{}", dir.display()));
        tool::run_ok(&mut cmd, None).map(drop)
    }

    fn status_in(
        &self,
        certutil: &Path,
        db: &Database,
        anchor: &Anchor,
    ) -> Result<LocationStatus, TrustError> {
        let location = db.dir.display().to_string();
        // `-L -n NAME -r`: the certificate under our name, in DER.
        let mut cmd = Command::new(certutil);
        cmd.arg("-L")
            .arg("-d")
            .arg(db.arg())
            .arg("-n")
            .arg(anchor.name())
            .arg("-r");
        let out = tool::run(&mut cmd, None)?;
        if !out.status.success() || out.stdout != anchor.der() {
            return Ok(LocationStatus {
                location,
                installed: false,
                trusted_for_servers: false,
            });
        }
        let flags = trust_flags(certutil, db, anchor.name())?;
        Ok(LocationStatus {
            location,
            installed: true,
            trusted_for_servers: flags
                .as_deref()
                .and_then(|f| f.split(',').next())
                .is_some_and(|ssl| ssl.contains('C')),
        })
    }
}

/// The trust flags of `name` as `certutil -L` lists them ("C,," ...).
fn trust_flags(certutil: &Path, db: &Database, name: &str) -> Result<Option<String>, TrustError> {
    let mut cmd = Command::new(certutil);
    cmd.arg("-L").arg("-d").arg(db.arg());
    let out = tool::run_ok(&mut cmd, None)?;
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text.lines().find_map(|line| {
        let (nick, flags) = line.trim_end().rsplit_once(char::is_whitespace)?;
        (nick.trim_end() == name).then(|| flags.to_owned())
    }))
}

fn subdirectories(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn create_private_dirs(dir: &Path) -> Result<(), TrustError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| TrustError::io(dir, "create the NSS database directory", e))
}

/// certutil says why it could not write; turn that into "needs root".
fn needs_root(err: TrustError, db: &Database) -> TrustError {
    match &err {
        TrustError::ToolFailed { output, .. }
            if output.contains("SEC_ERROR_READ_ONLY")
                || output.to_lowercase().contains("permission denied") =>
        {
            TrustError::NeedsRoot {
                path: db.dir.clone(),
                action: "write the NSS database",
            }
        }
        _ => err,
    }
}

impl TrustStore for NssStore {
    fn kind(&self) -> StoreKind {
        StoreKind::Nss
    }

    fn detect(&self) -> Detection {
        let dbs = self.databases();
        let certutil = self.certutil();
        match (&certutil, dbs.is_empty()) {
            (Err(_), true) => Detection::Absent(
                "no NSS database (~/.pki/nssdb, Firefox profiles) and no certutil".into(),
            ),
            (Ok(path), true) => Detection::Found(format!(
                "{}; no database yet, ~/.pki/nssdb will be created",
                path.display()
            )),
            (_, false) => Detection::Found(format!(
                "{} database{}: {}",
                dbs.len(),
                if dbs.len() == 1 { "" } else { "s" },
                dbs.iter()
                    .map(|d| d.dir.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    fn status(&self, anchor: &Anchor) -> Result<Vec<LocationStatus>, TrustError> {
        let dbs = self.databases();
        if dbs.is_empty() {
            return Ok(Vec::new());
        }
        let certutil = self.certutil()?;
        dbs.iter()
            .map(|db| self.status_in(&certutil, db, anchor))
            .collect()
    }

    fn install(&self, anchor: &Anchor) -> Result<Vec<Change>, TrustError> {
        let certutil = self.certutil()?;
        if self.places.home.is_none() && self.databases().is_empty() {
            return Err(TrustError::Absent {
                looked_for: "no home directory (HOME) to find or create ~/.pki/nssdb in".into(),
            });
        }
        self.ensure_user_database(&certutil)?;
        let mut changes = Vec::new();
        for db in self.databases() {
            let now = self.status_in(&certutil, &db, anchor)?;
            let location = now.location.clone();
            if now.ok() {
                changes.push(Change {
                    location,
                    action: Action::AlreadyThere,
                });
                continue;
            }
            let mut cmd = Command::new(&certutil);
            if now.installed {
                // There, but without server trust: set the flags.
                cmd.arg("-M");
            } else {
                // Reads the certificate (DER) from standard input.
                cmd.arg("-A");
            }
            cmd.arg("-d")
                .arg(db.arg())
                .arg("-n")
                .arg(anchor.name())
                .arg("-t")
                .arg(SERVER_CA_TRUST);
            let input = (!now.installed).then_some(anchor.der());
            tool::run_ok(&mut cmd, input).map_err(|e| needs_root(e, &db))?;
            changes.push(Change {
                location,
                action: Action::Added,
            });
        }
        Ok(changes)
    }

    fn uninstall(&self, anchor: &Anchor) -> Result<Vec<Change>, TrustError> {
        let dbs = self.databases();
        if dbs.is_empty() {
            return Ok(Vec::new());
        }
        let certutil = self.certutil()?;
        let mut changes = Vec::new();
        for db in dbs {
            let location = db.dir.display().to_string();
            // Only the entry under our name, and only if it holds our
            // certificate: another CA's entry stays whatever its name.
            if !self.status_in(&certutil, &db, anchor)?.installed {
                changes.push(Change {
                    location,
                    action: Action::WasNotThere,
                });
                continue;
            }
            let mut cmd = Command::new(&certutil);
            cmd.arg("-D")
                .arg("-d")
                .arg(db.arg())
                .arg("-n")
                .arg(anchor.name());
            tool::run_ok(&mut cmd, None).map_err(|e| needs_root(e, &db))?;
            changes.push(Change {
                location,
                action: Action::Removed,
            });
        }
        Ok(changes)
    }
}
