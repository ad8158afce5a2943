//! The Windows ROOT store of the local machine, through `certutil.exe`
//! (UNTESTED: this project cannot build or run Windows code; see
//! docs/trust.md). The store identifies certificates by their SHA-1
//! thumbprint, which makes uninstall exact.

use std::path::PathBuf;
use std::process::Command;

use crate::tool::{self, Tool};
use crate::{
    Action, Anchor, Change, Detection, LocationStatus, Places, StoreKind, TrustError, TrustStore,
};

const LOCATION: &str = "Windows ROOT store (local machine)";
const CERTUTIL_EXE: Tool = Tool {
    program: "certutil.exe",
    package: "Windows' own certutil.exe (System32)",
};

pub struct RootStore {
    places: Places,
}

impl RootStore {
    pub fn new(places: Places) -> RootStore {
        RootStore { places }
    }

    fn certutil(&self) -> Result<PathBuf, TrustError> {
        CERTUTIL_EXE.find(&self.places.search_path)
    }
}

fn thumbprint(der: &[u8]) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, der)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl TrustStore for RootStore {
    fn kind(&self) -> StoreKind {
        StoreKind::Windows
    }

    fn detect(&self) -> Detection {
        match self.certutil() {
            Ok(_) => Detection::Found(LOCATION.into()),
            Err(e) => Detection::Absent(e.to_string()),
        }
    }

    fn status(&self, anchor: &Anchor) -> Result<Vec<LocationStatus>, TrustError> {
        let mut cmd = Command::new(self.certutil()?);
        cmd.args(["-store", "Root"]).arg(thumbprint(anchor.der()));
        let installed = tool::run(&mut cmd, None)?.status.success();
        // Every certificate of ROOT is trusted for every purpose unless its
        // properties restrict it; ours are set by nobody.
        Ok(vec![LocationStatus {
            location: LOCATION.into(),
            installed,
            trusted_for_servers: installed,
        }])
    }

    fn install(&self, anchor: &Anchor) -> Result<Vec<Change>, TrustError> {
        if self.status(anchor)?.iter().all(LocationStatus::ok) {
            return Ok(vec![Change {
                location: LOCATION.into(),
                action: Action::AlreadyThere,
            }]);
        }
        let file = std::env::temp_dir().join(format!("{}.cer", anchor.name()));
        std::fs::write(&file, anchor.der()).map_err(|e| TrustError::io(&file, "write", e))?;
        let mut cmd = Command::new(self.certutil()?);
        cmd.args(["-addstore", "-f", "Root"]).arg(&file);
        let result = tool::run_ok(&mut cmd, None);
        let _ = std::fs::remove_file(&file);
        result.map_err(|e| match e {
            TrustError::ToolFailed { ref output, .. } if output.contains("0x80070005") => {
                TrustError::NeedsRoot {
                    path: PathBuf::from(LOCATION),
                    action: "add to the store (run as Administrator)",
                }
            }
            other => other,
        })?;
        Ok(vec![Change {
            location: LOCATION.into(),
            action: Action::Added,
        }])
    }

    fn uninstall(&self, anchor: &Anchor) -> Result<Vec<Change>, TrustError> {
        if !self.status(anchor)?.iter().any(|s| s.installed) {
            return Ok(vec![Change {
                location: LOCATION.into(),
                action: Action::WasNotThere,
            }]);
        }
        let mut cmd = Command::new(self.certutil()?);
        cmd.args(["-delstore", "Root"])
            .arg(thumbprint(anchor.der()));
        tool::run_ok(&mut cmd, None)?;
        Ok(vec![Change {
            location: LOCATION.into(),
            action: Action::Removed,
        }])
    }
}
