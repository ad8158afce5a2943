//! The `ca apply` file as written: TOML deserialised with the byte span of
//! every value that a later check may have to point at.
//!
//! ```toml
//! ca_dir = "ca"
//!
//! [root]
//! common_name = "Example Test Root"
//!
//! [intermediates.web]
//! permit_dns = ["example.test"]
//!
//! [leaves.www]
//! issuer = "web"
//! names = ["www.example.test"]
//! out = "certs"
//! ```
//!
//! docs/apply.md documents every key; [`super::schema`] publishes them as
//! JSON Schema. Unknown keys are refused (`deny_unknown_fields`) so that a
//! misspelled key never silently means "use the default".

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecFile {
    /// Format version; only 1 exists.
    pub version: Option<Spanned<u32>>,
    /// The CA directory, relative to the current directory.
    pub ca_dir: Option<Spanned<String>>,
    /// Refuse certificates that break a Web PKI (CA/B Forum) rule instead of warning.
    pub strict_webpki: Option<Spanned<bool>>,
    pub root: Option<Spanned<CaSpec>>,
    #[serde(default)]
    pub intermediates: BTreeMap<Spanned<String>, Spanned<CaSpec>>,
    #[serde(default)]
    pub leaves: BTreeMap<Spanned<String>, Spanned<LeafSpec>>,
}

/// A root or an intermediate CA.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaSpec {
    pub common_name: Option<Spanned<String>>,
    pub key_type: Option<Spanned<String>>,
    pub days: Option<Spanned<u32>>,
    pub path_len: Option<Spanned<u8>>,
    #[serde(default)]
    pub permit_dns: Vec<Spanned<String>>,
    #[serde(default)]
    pub exclude_dns: Vec<Spanned<String>>,
    #[serde(default)]
    pub permit_ip: Vec<Spanned<String>>,
    #[serde(default)]
    pub exclude_ip: Vec<Spanned<String>>,
    #[serde(default)]
    pub permit_email: Vec<Spanned<String>>,
    #[serde(default)]
    pub exclude_email: Vec<Spanned<String>>,
}

/// A server or client certificate and where its files go.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeafSpec {
    /// `root` (the default) or the name of an intermediate of this file.
    pub issuer: Option<Spanned<String>>,
    pub kind: Option<Spanned<LeafKind>>,
    pub names: Spanned<Vec<Spanned<String>>>,
    pub key_type: Option<Spanned<String>>,
    pub days: Option<Spanned<u32>>,
    pub not_after: Option<Spanned<String>>,
    pub renew_before: Option<Spanned<String>>,
    /// Directory for NAME.pem, NAME-key.pem and NAME-chain.pem.
    pub out: Option<Spanned<String>>,
    pub cert: Option<Spanned<String>>,
    pub key: Option<Spanned<String>>,
    pub chain: Option<Spanned<String>>,
}

/// What a leaf is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LeafKind {
    #[default]
    Server,
    Client,
}

impl LeafKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LeafKind::Server => "server",
            LeafKind::Client => "client",
        }
    }
}
