//! The macOS System keychain, through `security` (UNTESTED: this project
//! cannot build or run macOS code; see docs/trust.md).
//!
//! The keychain names certificates by hash, not by a name we choose, so
//! exact uninstall uses the SHA-1 hash `security` shows (`-Z`).

use std::path::PathBuf;
use std::process::Command;

use crate::tool::{self, Tool};
use crate::{
    Action, Anchor, Change, Detection, LocationStatus, Places, StoreKind, TrustError, TrustStore,
};

const KEYCHAIN: &str = "/Library/Keychains/System.keychain";
const SECURITY: Tool = Tool {
    program: "security",
    package: "macOS's own /usr/bin/security",
};

pub struct KeychainStore {
    places: Places,
}

impl KeychainStore {
    pub fn new(places: Places) -> KeychainStore {
        KeychainStore { places }
    }

    fn security(&self) -> Result<PathBuf, TrustError> {
        SECURITY.find(&self.places.search_path)
    }

    /// The certificate in a file for `security`, which reads no stdin.
    fn temp_file(anchor: &Anchor) -> Result<PathBuf, TrustError> {
        let path =
            std::env::temp_dir().join(format!("{}-{}.pem", anchor.name(), std::process::id()));
        std::fs::write(&path, anchor.pem()).map_err(|e| TrustError::io(&path, "write", e))?;
        Ok(path)
    }
}

fn sha1_hex(der: &[u8]) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, der)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

impl TrustStore for KeychainStore {
    fn kind(&self) -> StoreKind {
        StoreKind::Macos
    }

    fn detect(&self) -> Detection {
        match self.security() {
            Ok(_) => Detection::Found(KEYCHAIN.into()),
            Err(e) => Detection::Absent(e.to_string()),
        }
    }

    fn status(&self, anchor: &Anchor) -> Result<Vec<LocationStatus>, TrustError> {
        let security = self.security()?;
        let mut find = Command::new(&security);
        find.args(["find-certificate", "-a", "-Z", KEYCHAIN]);
        let listed = tool::run_ok(&mut find, None)?;
        let installed = String::from_utf8_lossy(&listed.stdout).contains(&sha1_hex(anchor.der()));
        let file = Self::temp_file(anchor)?;
        let mut verify = Command::new(&security);
        verify.args(["verify-cert", "-p", "ssl", "-c"]).arg(&file);
        let trusted = tool::run(&mut verify, None)?.status.success();
        let _ = std::fs::remove_file(&file);
        Ok(vec![LocationStatus {
            location: KEYCHAIN.into(),
            installed,
            trusted_for_servers: installed && trusted,
        }])
    }

    fn install(&self, anchor: &Anchor) -> Result<Vec<Change>, TrustError> {
        if self.status(anchor)?.iter().all(LocationStatus::ok) {
            return Ok(vec![Change {
                location: KEYCHAIN.into(),
                action: Action::AlreadyThere,
            }]);
        }
        let file = Self::temp_file(anchor)?;
        let mut cmd = Command::new(self.security()?);
        cmd.args([
            "add-trusted-cert",
            "-d",
            "-r",
            "trustRoot",
            "-p",
            "ssl",
            "-p",
            "basic",
            "-k",
            KEYCHAIN,
        ])
        .arg(&file);
        let result = tool::run_ok(&mut cmd, None);
        let _ = std::fs::remove_file(&file);
        result?;
        Ok(vec![Change {
            location: KEYCHAIN.into(),
            action: Action::Added,
        }])
    }

    fn uninstall(&self, anchor: &Anchor) -> Result<Vec<Change>, TrustError> {
        if !self.status(anchor)?.iter().any(|s| s.installed) {
            return Ok(vec![Change {
                location: KEYCHAIN.into(),
                action: Action::WasNotThere,
            }]);
        }
        let mut cmd = Command::new(self.security()?);
        // -t: its trust settings too.
        cmd.args(["delete-certificate", "-t", "-Z"])
            .arg(sha1_hex(anchor.der()))
            .arg(KEYCHAIN);
        tool::run_ok(&mut cmd, None)?;
        Ok(vec![Change {
            location: KEYCHAIN.into(),
            action: Action::Removed,
        }])
    }
}
