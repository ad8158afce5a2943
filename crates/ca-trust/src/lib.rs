//! Making a CA certificate trusted where clients look for it: the system
//! store of the Linux distributions, the NSS databases of Chromium and
//! Firefox, Java's cacerts, the macOS keychain and the Windows ROOT store.
//!
//! Every store implements [`TrustStore`]: is it here, is our certificate in
//! it (and trusted for TLS servers), install, uninstall. The certificate is
//! installed under a name carrying its SHA-256 fingerprint
//! ([`Anchor::name`]), so two CAs never collide and uninstall removes
//! exactly ours. Where things are (the filesystem root, HOME, JAVA_HOME,
//! the search path) comes in through [`Places`]: nothing below reads the
//! process environment, so tests can point every store somewhere else.

pub mod env;
mod error;
mod java;
mod nss;
mod pem_bundle;
mod system;
mod tool;

// Only runnable on their platforms, but plain std code: test builds on
// Linux compile them too, so at least they type-check here.
#[cfg(any(target_os = "macos", test))]
#[cfg_attr(not(target_os = "macos"), allow(dead_code))]
mod macos;
#[cfg(any(windows, test))]
#[cfg_attr(not(windows), allow(dead_code))]
mod windows;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use ca_core::CertDer;

pub use error::TrustError;

/// The certificate to trust, with the name it is installed under.
#[derive(Debug, Clone)]
pub struct Anchor {
    cert: CertDer,
    name: String,
}

impl Anchor {
    /// Only CA certificates can be anchors: a client never accepts a
    /// server certificate as its own issuer (RFC 5280 §6.1: the trust
    /// anchor is the issuer of the first certificate of the path).
    pub fn new(cert: CertDer) -> Result<Anchor, TrustError> {
        let info = cert.info();
        if !info.is_ca {
            return Err(TrustError::NotAnAnchor(format!(
                "\"{}\" is not a CA certificate (no basicConstraints cA=TRUE): install the \
                 root that issued it instead",
                info.subject
            )));
        }
        let name = format!("ca-root-{}", &info.sha256[..16]);
        Ok(Anchor { cert, name })
    }

    /// `ca-root-` and the first 16 hex digits of the SHA-256 fingerprint.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn certificate(&self) -> &CertDer {
        &self.cert
    }

    pub fn der(&self) -> &[u8] {
        self.cert.der()
    }

    pub fn pem(&self) -> String {
        self.cert.pem()
    }

    /// SHA-256 fingerprint, lower-case hex.
    pub fn sha256(&self) -> String {
        self.cert.sha256()
    }

    pub fn subject(&self) -> String {
        self.cert.info().subject
    }
}

/// Where the stores are. [`Places::from_process`] reads them from the
/// process; tests build their own.
#[derive(Debug, Clone)]
pub struct Places {
    /// The root of the filesystem holding the system store (`/`, or an
    /// image being prepared for a container).
    pub root: PathBuf,
    /// The user's home: NSS databases and Firefox profiles.
    pub home: Option<PathBuf>,
    /// `JAVA_HOME`: keytool and cacerts.
    pub java_home: Option<PathBuf>,
    /// Another Java keystore to use instead of the runtime's cacerts.
    pub java_keystore: Option<PathBuf>,
    /// Directories searched for programs (the PATH, then sbin directories).
    pub search_path: Vec<PathBuf>,
}

impl Places {
    /// `/`, `$HOME`, `$JAVA_HOME` and `$PATH` (plus /usr/sbin and /sbin,
    /// where Debian keeps update-ca-certificates and which a user's PATH
    /// may leave out).
    pub fn from_process() -> Places {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let mut search_path: Vec<PathBuf> = var("PATH")
            .map(|p| std::env::split_paths(&p).collect())
            .unwrap_or_default();
        for extra in ["/usr/local/sbin", "/usr/sbin", "/sbin"] {
            let extra = PathBuf::from(extra);
            if !search_path.contains(&extra) {
                search_path.push(extra);
            }
        }
        Places {
            root: PathBuf::from("/"),
            home: var("HOME").map(PathBuf::from),
            java_home: var("JAVA_HOME").map(PathBuf::from),
            java_keystore: None,
            search_path,
        }
    }

    /// `path` (absolute, as the store knows it) under [`Places::root`].
    pub(crate) fn under_root(&self, path: &str) -> PathBuf {
        self.root.join(path.trim_start_matches('/'))
    }
}

/// The kinds of store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreKind {
    System,
    Nss,
    Java,
    Macos,
    Windows,
}

impl StoreKind {
    pub const ALL: [StoreKind; 5] = [
        StoreKind::System,
        StoreKind::Nss,
        StoreKind::Java,
        StoreKind::Macos,
        StoreKind::Windows,
    ];

    pub fn name(self) -> &'static str {
        match self {
            StoreKind::System => "system",
            StoreKind::Nss => "nss",
            StoreKind::Java => "java",
            StoreKind::Macos => "macos",
            StoreKind::Windows => "windows",
        }
    }

    /// The stores that can exist on the platform this was built for.
    pub fn on_this_platform() -> Vec<StoreKind> {
        if cfg!(target_os = "macos") {
            vec![StoreKind::Macos, StoreKind::Nss, StoreKind::Java]
        } else if cfg!(windows) {
            vec![StoreKind::Windows, StoreKind::Java]
        } else {
            vec![StoreKind::System, StoreKind::Nss, StoreKind::Java]
        }
    }
}

impl fmt::Display for StoreKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for StoreKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StoreKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = StoreKind::ALL.iter().map(|k| k.name()).collect();
                format!("unknown store `{s}`; the stores are {}", names.join(", "))
            })
    }
}

/// Whether a store exists here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detection {
    /// It does; what was found, e.g. "debian: /usr/local/share/ca-certificates".
    Found(String),
    /// It does not; what was looked for.
    Absent(String),
}

/// Our certificate in one place of a store (a store may have several: NSS
/// has one database per browser profile).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LocationStatus {
    pub location: String,
    /// The certificate is there, under our name.
    pub installed: bool,
    /// Clients reading this place accept it as an issuer of TLS server
    /// certificates.
    pub trusted_for_servers: bool,
}

impl LocationStatus {
    pub fn ok(&self) -> bool {
        self.installed && self.trusted_for_servers
    }
}

/// What an install or uninstall did at one place.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    pub location: String,
    pub action: Action,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Added,
    AlreadyThere,
    Removed,
    WasNotThere,
}

impl Action {
    pub fn changed(self) -> bool {
        matches!(self, Action::Added | Action::Removed)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Action::Added => "added",
            Action::AlreadyThere => "already there, unchanged",
            Action::Removed => "removed",
            Action::WasNotThere => "was not there, unchanged",
        }
    }
}

/// One trust store.
pub trait TrustStore {
    fn kind(&self) -> StoreKind;
    /// Whether the store exists on this machine.
    fn detect(&self) -> Detection;
    /// Where our certificate is, and whether it is trusted there.
    fn status(&self, anchor: &Anchor) -> Result<Vec<LocationStatus>, TrustError>;
    /// Adds the certificate where it is missing; leaves it where it is.
    fn install(&self, anchor: &Anchor) -> Result<Vec<Change>, TrustError>;
    /// Removes exactly this certificate (by its name), nothing else.
    fn uninstall(&self, anchor: &Anchor) -> Result<Vec<Change>, TrustError>;
}

/// The store of `kind` at `places`.
pub fn open(kind: StoreKind, places: &Places) -> Result<Box<dyn TrustStore>, TrustError> {
    match kind {
        StoreKind::System => Ok(Box::new(system::SystemStore::new(places.clone()))),
        StoreKind::Nss => Ok(Box::new(nss::NssStore::new(places.clone()))),
        StoreKind::Java => Ok(Box::new(java::JavaStore::new(places.clone()))),
        #[cfg(target_os = "macos")]
        StoreKind::Macos => Ok(Box::new(macos::KeychainStore::new(places.clone()))),
        #[cfg(windows)]
        StoreKind::Windows => Ok(Box::new(windows::RootStore::new(places.clone()))),
        #[allow(unreachable_patterns)]
        other => Err(TrustError::Unsupported(format!(
            "the {other} store exists only on {}",
            if other == StoreKind::Macos {
                "macOS"
            } else {
                "Windows"
            }
        ))),
    }
}

/// Installs, then reads the store back: success only when every place is
/// found installed and trusted for TLS servers (a tool that exits 0 is not
/// proof), and never when nothing was installed anywhere.
pub fn install_checked(store: &dyn TrustStore, anchor: &Anchor) -> Result<Vec<Change>, TrustError> {
    let changes = store.install(anchor)?;
    let status = store.status(anchor)?;
    if status.is_empty() || changes.is_empty() {
        return Err(TrustError::NotVerified {
            location: store.kind().to_string(),
            problem: "no place in this store took the certificate".into(),
        });
    }
    if let Some(bad) = status.iter().find(|s| !s.ok()) {
        return Err(TrustError::NotVerified {
            location: bad.location.clone(),
            problem: if bad.installed {
                "the certificate is there but not trusted for TLS servers".into()
            } else {
                "the store's tool succeeded, but the certificate is not there".into()
            },
        });
    }
    Ok(changes)
}

/// Uninstalls, then reads the store back: our certificate must be gone
/// from every place.
pub fn uninstall_checked(
    store: &dyn TrustStore,
    anchor: &Anchor,
) -> Result<Vec<Change>, TrustError> {
    let changes = store.uninstall(anchor)?;
    for left in store.status(anchor)? {
        let problem = match (left.installed, left.trusted_for_servers) {
            (true, _) => "the certificate is still there after removing it",
            // Clients still trust it: say so rather than report success.
            (false, true) => {
                "our entry is gone, but clients reading this store still trust the \
                 certificate (added another way, or the bundle was not rebuilt)"
            }
            (false, false) => continue,
        };
        return Err(TrustError::NotVerified {
            location: left.location,
            problem: problem.into(),
        });
    }
    Ok(changes)
}
