//! Java's trust store (`cacerts`), changed with `keytool`.
//!
//! keytool comes from `JAVA_HOME/bin`, else PATH, else next to the `java`
//! found on PATH (symbolic links followed: /usr/bin/java on Debian points
//! into /usr/lib/jvm/...). The keystore is the one given
//! ([`Places::java_keystore`]), else `JAVA_HOME/lib/security/cacerts`
//! (`jre/lib/security/cacerts` for Java 8), else the one of that `java`.
//! On Debian, cacerts is /etc/ssl/certs/java/cacerts, which the
//! ca-certificates-java hook also fills from the system store.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::tool::{self, find_in, KEYTOOL};
use crate::{
    Action, Anchor, Change, Detection, LocationStatus, Places, StoreKind, TrustError, TrustStore,
};

/// The password of every JDK's cacerts; it protects integrity only.
const STORE_PASSWORD: &str = "changeit";

pub struct JavaStore {
    places: Places,
}

impl JavaStore {
    pub fn new(places: Places) -> JavaStore {
        JavaStore { places }
    }

    /// The Java home: JAVA_HOME, else the one of `java` on PATH.
    fn java_home(&self) -> Option<PathBuf> {
        if let Some(home) = &self.places.java_home {
            return Some(home.clone());
        }
        let java = find_in("java", &self.places.search_path)?;
        let real = std::fs::canonicalize(java).ok()?;
        // JAVA_HOME/bin/java
        Some(real.parent()?.parent()?.to_path_buf())
    }

    fn keytool(&self) -> Result<PathBuf, TrustError> {
        if let Some(home) = &self.places.java_home {
            let candidate = home.join("bin/keytool");
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
        if let Ok(found) = KEYTOOL.find(&self.places.search_path) {
            return Ok(found);
        }
        self.java_home()
            .map(|h| h.join("bin/keytool"))
            .filter(|p| p.is_file())
            .ok_or(TrustError::ToolMissing {
                program: KEYTOOL.program,
                package: KEYTOOL.package,
            })
    }

    fn keystore(&self) -> Result<PathBuf, TrustError> {
        if let Some(given) = &self.places.java_keystore {
            return if given.is_file() {
                Ok(given.clone())
            } else {
                Err(TrustError::Absent {
                    looked_for: format!("the Java keystore {} does not exist", given.display()),
                })
            };
        }
        let home = self.java_home().ok_or_else(|| TrustError::Absent {
            looked_for: "no JAVA_HOME and no `java` on PATH".into(),
        })?;
        let candidates = [
            home.join("lib/security/cacerts"),
            home.join("jre/lib/security/cacerts"),
        ];
        candidates
            .iter()
            .find(|p| p.is_file())
            .cloned()
            .ok_or_else(|| TrustError::Absent {
                looked_for: format!(
                    "no cacerts in {} (lib/security or jre/lib/security)",
                    home.display()
                ),
            })
    }

    fn keytool_command(&self, keytool: &Path, keystore: &Path, action: &str) -> Command {
        let mut cmd = Command::new(keytool);
        // English output whatever the user's locale: we read it.
        cmd.arg("-J-Duser.language=en")
            .arg(action)
            .arg("-keystore")
            .arg(keystore)
            .arg("-storepass")
            .arg(STORE_PASSWORD);
        cmd
    }

    fn status_at(
        &self,
        keytool: &Path,
        keystore: &Path,
        anchor: &Anchor,
    ) -> Result<LocationStatus, TrustError> {
        let mut cmd = self.keytool_command(keytool, keystore, "-list");
        cmd.arg("-v").arg("-alias").arg(anchor.name());
        let out = tool::run(&mut cmd, None)?;
        let text = String::from_utf8_lossy(&out.stdout);
        let ours =
            out.status.success() && listed_sha256(&text).is_some_and(|fp| fp == anchor.sha256());
        Ok(LocationStatus {
            location: keystore.display().to_string(),
            installed: ours,
            // Java trusts every trustedCertEntry of its trust store, for
            // every purpose.
            trusted_for_servers: ours && text.contains("trustedCertEntry"),
        })
    }

    fn check_writable(keystore: &Path) -> Result<(), TrustError> {
        std::fs::OpenOptions::new()
            .append(true)
            .open(keystore)
            .map(drop)
            .map_err(|e| TrustError::io(keystore, "write the Java keystore", e))
    }
}

/// The SHA-256 fingerprint `keytool -list -v` prints ("SHA256: AB:CD:..."),
/// as lower-case hex without colons.
fn listed_sha256(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let value = line.trim().strip_prefix("SHA256:")?;
        Some(value.trim().replace(':', "").to_ascii_lowercase())
    })
}

impl TrustStore for JavaStore {
    fn kind(&self) -> StoreKind {
        StoreKind::Java
    }

    fn detect(&self) -> Detection {
        match (self.keystore(), self.keytool()) {
            (Ok(store), Ok(_)) => Detection::Found(store.display().to_string()),
            (Ok(store), Err(e)) => Detection::Found(format!("{} ({e})", store.display())),
            (Err(e), _) => Detection::Absent(e.absence()),
        }
    }

    fn status(&self, anchor: &Anchor) -> Result<Vec<LocationStatus>, TrustError> {
        let keystore = self.keystore()?;
        let keytool = self.keytool()?;
        Ok(vec![self.status_at(&keytool, &keystore, anchor)?])
    }

    fn install(&self, anchor: &Anchor) -> Result<Vec<Change>, TrustError> {
        let keystore = self.keystore()?;
        let keytool = self.keytool()?;
        let now = self.status_at(&keytool, &keystore, anchor)?;
        if now.ok() {
            return Ok(vec![Change {
                location: now.location,
                action: Action::AlreadyThere,
            }]);
        }
        Self::check_writable(&keystore)?;
        let mut cmd = self.keytool_command(&keytool, &keystore, "-importcert");
        // The certificate comes on standard input.
        cmd.arg("-noprompt").arg("-alias").arg(anchor.name());
        tool::run_ok(&mut cmd, Some(anchor.pem().as_bytes()))?;
        Ok(vec![Change {
            location: now.location,
            action: Action::Added,
        }])
    }

    fn uninstall(&self, anchor: &Anchor) -> Result<Vec<Change>, TrustError> {
        let keystore = self.keystore()?;
        let keytool = self.keytool()?;
        let now = self.status_at(&keytool, &keystore, anchor)?;
        if !now.installed {
            return Ok(vec![Change {
                location: now.location,
                action: Action::WasNotThere,
            }]);
        }
        Self::check_writable(&keystore)?;
        let mut cmd = self.keytool_command(&keytool, &keystore, "-delete");
        cmd.arg("-alias").arg(anchor.name());
        tool::run_ok(&mut cmd, None)?;
        Ok(vec![Change {
            location: now.location,
            action: Action::Removed,
        }])
    }
}

#[cfg(test)]
mod tests {
    use super::listed_sha256;

    #[test]
    fn reads_the_sha256_line_of_keytool_list() {
        let text = "Alias name: ca-root-0123\nEntry type: trustedCertEntry\n\
                    Certificate fingerprints:\n\t SHA1: AA:BB\n\t SHA256: 0A:FF:10\n";
        assert_eq!(listed_sha256(text).as_deref(), Some("0aff10"));
        assert_eq!(listed_sha256("keytool error: alias does not exist"), None);
    }
}
