//! `ca trust env`: environment variables for runtimes that keep their own
//! roots and read none of the stores (Python requests/certifi, Node, curl
//! and git builds with a bundled CA file, programs linked to a static
//! OpenSSL).
//!
//! Variables that *replace* the runtime's roots point at a bundle holding
//! the system's roots plus ours, so public sites keep working; Node's
//! `NODE_EXTRA_CA_CERTS` *adds* to its roots and gets our certificate alone.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use ca_core::atomic::{self, FileMode, Overwrite};

use crate::{pem_bundle, Anchor, Places, TrustError};

/// Where the distributions keep the bundle of system roots, in the order
/// looked at (Debian/Ubuntu/Arch, Fedora/RHEL, SUSE, Alpine/others).
const SYSTEM_BUNDLES: [&str; 5] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/var/lib/ca-certificates/ca-bundle.pem",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// Each variable, and whether it replaces the runtime's roots.
pub const VARIABLES: [(&str, Replaces); 5] = [
    // OpenSSL (and Python's ssl, Ruby, PHP, Go, rustls-native-certs).
    ("SSL_CERT_FILE", Replaces::Yes),
    // Python requests (certifi otherwise).
    ("REQUESTS_CA_BUNDLE", Replaces::Yes),
    // Node.js, in addition to its compiled-in roots.
    ("NODE_EXTRA_CA_CERTS", Replaces::No),
    // curl.
    ("CURL_CA_BUNDLE", Replaces::Yes),
    // git over HTTPS.
    ("GIT_SSL_CAINFO", Replaces::Yes),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replaces {
    Yes,
    No,
}

/// The shells `ca trust env` prints for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    Sh,
    Fish,
    Powershell,
}

/// The files the variables point at.
#[derive(Debug, Clone)]
pub struct EnvFiles {
    /// The system roots plus ours.
    pub bundle: PathBuf,
    /// Ours alone (PEM).
    pub anchor: PathBuf,
    /// The system bundle copied in, if one was found.
    pub system_bundle: Option<PathBuf>,
    /// How many certificates the bundle holds.
    pub bundle_certificates: usize,
}

/// The first bundle of system roots that exists under `places.root`.
pub fn system_bundle(places: &Places) -> Option<PathBuf> {
    SYSTEM_BUNDLES
        .iter()
        .map(|p| places.under_root(p))
        .find(|p| p.is_file())
}

/// Writes `DIR/NAME.pem` (ours) and `DIR/NAME-bundle.pem` (the system
/// roots, then ours unless already among them), replacing earlier ones:
/// they are derived files, rebuilt on every run so that they follow
/// changes to the system store.
pub fn write_files(anchor: &Anchor, dir: &Path, places: &Places) -> Result<EnvFiles, TrustError> {
    std::fs::create_dir_all(dir).map_err(|e| TrustError::io(dir, "create the directory", e))?;
    let anchor_path = dir.join(format!("{}.pem", anchor.name()));
    let bundle_path = dir.join(format!("{}-bundle.pem", anchor.name()));
    let system = system_bundle(places);
    let mut text = String::new();
    let mut count = 0;
    let mut has_ours = false;
    if let Some(system) = &system {
        for der in pem_bundle::certificates(system)? {
            has_ours |= der == anchor.der();
            text.push_str(&pem_text(&der));
            count += 1;
        }
    }
    if !has_ours {
        text.push_str(&anchor.pem());
        count += 1;
    }
    for (path, contents) in [(&anchor_path, anchor.pem()), (&bundle_path, text)] {
        atomic::write_file(
            path,
            contents.as_bytes(),
            FileMode::Public,
            Overwrite::Replace,
        )
        .map_err(|e| TrustError::from_core(path.as_path(), "write the bundle", e))?;
    }
    Ok(EnvFiles {
        bundle: bundle_path,
        anchor: anchor_path,
        system_bundle: system,
        bundle_certificates: count,
    })
}

fn pem_text(der: &[u8]) -> String {
    pem::encode_config(
        &pem::Pem::new("CERTIFICATE", der.to_vec()),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

/// Each variable and the file it points at.
pub fn variables(files: &EnvFiles) -> Vec<(&'static str, &Path)> {
    VARIABLES
        .iter()
        .map(|(name, replaces)| {
            let file = match replaces {
                Replaces::Yes => files.bundle.as_path(),
                Replaces::No => files.anchor.as_path(),
            };
            (*name, file)
        })
        .collect()
}

/// The lines that set the variables in `shell`.
pub fn render(shell: Shell, variables: &[(&str, &Path)]) -> String {
    let mut out = String::new();
    for (name, path) in variables {
        let value = path.display().to_string();
        let _ = match shell {
            Shell::Sh => writeln!(out, "export {name}={}", quote_sh(&value)),
            Shell::Fish => writeln!(out, "set -gx {name} {}", quote_sh(&value)),
            Shell::Powershell => writeln!(out, "$env:{name} = {}", quote_powershell(&value)),
        };
    }
    out
}

/// Single quotes, each `'` written as `'\''`: close, an escaped quote,
/// reopen. POSIX sh and fish both read it so.
fn quote_sh(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// Single quotes, each `'` doubled (PowerShell verbatim strings).
fn quote_powershell(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_survive_each_shell() {
        let path = Path::new("/tmp/it's here");
        let vars = [("SSL_CERT_FILE", path)];
        assert_eq!(
            render(Shell::Sh, &vars),
            "export SSL_CERT_FILE='/tmp/it'\\''s here'\n"
        );
        assert_eq!(
            render(Shell::Powershell, &vars),
            "$env:SSL_CERT_FILE = '/tmp/it''s here'\n"
        );
    }
}
