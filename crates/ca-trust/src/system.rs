//! The system store of the Linux distributions: an anchor file in the
//! distribution's directory, then its tool, which rebuilds the bundle that
//! OpenSSL, GnuTLS, curl, Python's `ssl`, Go and most programs read.
//!
//! | layout        | anchor file                                         | tool                           | bundle                                             |
//! |---------------|-----------------------------------------------------|--------------------------------|----------------------------------------------------|
//! | Fedora/RHEL   | /etc/pki/ca-trust/source/anchors/NAME.pem           | `update-ca-trust extract`      | /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem  |
//! | Debian/Ubuntu | /usr/local/share/ca-certificates/NAME.crt           | `update-ca-certificates`       | /etc/ssl/certs/ca-certificates.crt                 |
//! | Arch          | /etc/ca-certificates/trust-source/anchors/NAME.crt  | `trust extract-compat` (p11-kit) | /etc/ssl/certs/ca-certificates.crt               |
//! | SUSE          | /usr/share/pki/trust/anchors/NAME.pem               | `update-ca-certificates`       | /var/lib/ca-certificates/ca-bundle.pem             |
//!
//! The first layout whose anchor directory exists wins (Fedora first: its
//! systems may also carry Debian-style directories).

use std::path::PathBuf;
use std::process::Command;

use ca_core::atomic::{self, FileMode, Overwrite};

use crate::tool::{self, Tool, P11_KIT_TRUST, UPDATE_CA_CERTIFICATES, UPDATE_CA_TRUST};
use crate::{
    pem_bundle, Action, Anchor, Change, Detection, LocationStatus, Places, StoreKind, TrustError,
    TrustStore,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavour {
    Fedora,
    Debian,
    Arch,
    Suse,
}

struct Layout {
    flavour: Flavour,
    anchors: &'static str,
    extension: &'static str,
    bundle: &'static str,
    tool: Tool,
}

const LAYOUTS: [Layout; 4] = [
    Layout {
        flavour: Flavour::Fedora,
        anchors: "/etc/pki/ca-trust/source/anchors",
        extension: "pem",
        bundle: "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
        tool: UPDATE_CA_TRUST,
    },
    Layout {
        flavour: Flavour::Debian,
        anchors: "/usr/local/share/ca-certificates",
        // update-ca-certificates reads only `*.crt` files (in PEM).
        extension: "crt",
        bundle: "/etc/ssl/certs/ca-certificates.crt",
        tool: UPDATE_CA_CERTIFICATES,
    },
    Layout {
        flavour: Flavour::Arch,
        anchors: "/etc/ca-certificates/trust-source/anchors",
        extension: "crt",
        bundle: "/etc/ssl/certs/ca-certificates.crt",
        tool: P11_KIT_TRUST,
    },
    Layout {
        flavour: Flavour::Suse,
        anchors: "/usr/share/pki/trust/anchors",
        extension: "pem",
        bundle: "/var/lib/ca-certificates/ca-bundle.pem",
        tool: UPDATE_CA_CERTIFICATES,
    },
];

pub struct SystemStore {
    places: Places,
}

impl SystemStore {
    pub fn new(places: Places) -> SystemStore {
        SystemStore { places }
    }

    fn layout(&self) -> Result<&'static Layout, TrustError> {
        LAYOUTS
            .iter()
            .find(|l| self.places.under_root(l.anchors).is_dir())
            .ok_or_else(|| TrustError::Absent {
                looked_for: format!(
                    "none of the anchor directories {} exists under {}",
                    LAYOUTS
                        .iter()
                        .map(|l| l.anchors)
                        .collect::<Vec<_>>()
                        .join(", "),
                    self.places.root.display()
                ),
            })
    }

    fn anchor_file(&self, layout: &Layout, anchor: &Anchor) -> PathBuf {
        self.places.under_root(layout.anchors).join(format!(
            "{}.{}",
            anchor.name(),
            layout.extension
        ))
    }

    fn is_real_root(&self) -> bool {
        self.places.root == std::path::Path::new("/")
    }

    /// The command that rebuilds the bundle from the anchor files.
    fn rebuild(&self, layout: &Layout, removing: bool) -> Result<Command, TrustError> {
        let program = layout.tool.find(&self.places.search_path)?;
        let mut cmd = Command::new(program);
        match layout.flavour {
            Flavour::Fedora => {
                cmd.arg("extract");
            }
            Flavour::Arch => {
                cmd.arg("extract-compat");
            }
            Flavour::Debian => {
                // Without --fresh, a removed local certificate leaves its
                // dangling symlinks in /etc/ssl/certs.
                if removing {
                    cmd.arg("--fresh");
                }
                if !self.is_real_root() {
                    let r = |p: &str| self.places.under_root(p);
                    cmd.arg("--certsconf")
                        .arg(r("/etc/ca-certificates.conf"))
                        .arg("--certsdir")
                        .arg(r("/usr/share/ca-certificates"))
                        .arg("--localcertsdir")
                        .arg(r(layout.anchors))
                        .arg("--etccertsdir")
                        .arg(r("/etc/ssl/certs"))
                        .arg("--hooksdir")
                        .arg(r("/etc/ca-certificates/update.d"));
                }
            }
            Flavour::Suse => {}
        }
        if !self.is_real_root() && layout.flavour != Flavour::Debian {
            return Err(TrustError::Unsupported(format!(
                "a filesystem root other than / is supported for the Debian layout only; run \
                 `{}` inside {}",
                tool::describe(&cmd),
                self.places.root.display()
            )));
        }
        Ok(cmd)
    }

    fn run_rebuild(&self, layout: &Layout, removing: bool) -> Result<(), TrustError> {
        let mut cmd = self.rebuild(layout, removing)?;
        let out = tool::run(&mut cmd, None)?;
        if out.status.success() {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&out.stderr).to_lowercase();
        if text.contains("permission denied") || text.contains("read-only") {
            return Err(TrustError::NeedsRoot {
                path: self.places.under_root(layout.bundle),
                action: "rebuild the bundle",
            });
        }
        Err(tool::failed(&cmd, &out))
    }
}

impl TrustStore for SystemStore {
    fn kind(&self) -> StoreKind {
        StoreKind::System
    }

    fn detect(&self) -> Detection {
        match self.layout() {
            Ok(layout) => Detection::Found(format!(
                "{}: {}",
                match layout.flavour {
                    Flavour::Fedora => "fedora",
                    Flavour::Debian => "debian",
                    Flavour::Arch => "arch",
                    Flavour::Suse => "suse",
                },
                self.places.under_root(layout.anchors).display()
            )),
            Err(e) => Detection::Absent(e.absence()),
        }
    }

    fn status(&self, anchor: &Anchor) -> Result<Vec<LocationStatus>, TrustError> {
        let layout = self.layout()?;
        let file = self.anchor_file(layout, anchor);
        Ok(vec![LocationStatus {
            location: file.display().to_string(),
            installed: pem_bundle::contains(&file, anchor.der())?,
            trusted_for_servers: pem_bundle::contains(
                &self.places.under_root(layout.bundle),
                anchor.der(),
            )?,
        }])
    }

    fn install(&self, anchor: &Anchor) -> Result<Vec<Change>, TrustError> {
        let layout = self.layout()?;
        // Find the tool before writing anything: a missing tool must not
        // leave an anchor file that nothing turned into trust.
        self.rebuild(layout, false)?;
        let file = self.anchor_file(layout, anchor);
        let location = file.display().to_string();
        let bundle = self.places.under_root(layout.bundle);
        let in_file = pem_bundle::contains(&file, anchor.der())?;
        if in_file && pem_bundle::contains(&bundle, anchor.der())? {
            return Ok(vec![Change {
                location,
                action: Action::AlreadyThere,
            }]);
        }
        if !in_file {
            atomic::write_file(
                &file,
                anchor.pem().as_bytes(),
                FileMode::Public,
                Overwrite::Replace,
            )
            .map_err(|e| TrustError::from_core(&file, "write the anchor file", e))?;
        }
        self.run_rebuild(layout, false)?;
        Ok(vec![Change {
            location,
            action: Action::Added,
        }])
    }

    fn uninstall(&self, anchor: &Anchor) -> Result<Vec<Change>, TrustError> {
        let layout = self.layout()?;
        self.rebuild(layout, true)?;
        let file = self.anchor_file(layout, anchor);
        let location = file.display().to_string();
        // Only our file: a certificate that reached the bundle another way
        // (another name, ca-certificates.conf) is not ours to remove.
        if file.symlink_metadata().is_err() {
            return Ok(vec![Change {
                location,
                action: Action::WasNotThere,
            }]);
        }
        std::fs::remove_file(&file)
            .map_err(|e| TrustError::io(&file, "remove the anchor file", e))?;
        self.run_rebuild(layout, true)?;
        Ok(vec![Change {
            location,
            action: Action::Removed,
        }])
    }
}
