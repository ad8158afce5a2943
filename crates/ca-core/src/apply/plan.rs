//! What `ca apply` has to do: compares what the file asks for with the CA
//! directory and the files on disk, and decides, for each CA and leaf,
//! whether to create it, reissue it (with the reasons) or keep it. Reads
//! only: nothing is generated or written here.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Serialize;
use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;

use super::drift;
use super::validate::{Desired, DesiredLeaf};
use crate::cert::CertDer;
use crate::error::{Error, Result};
use crate::inspect::PublicKeyInfo;
use crate::key::PrivateKey;
use crate::passphrase::Passphrase;
use crate::profile::{CaOptions, CertProfile, LeafKind};
use crate::renewal::Renewal;
use crate::store::{CaDir, ROOT};
use crate::validity::rfc3339;

/// What to do with one CA or leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// It does not exist yet.
    Create,
    /// It exists but no longer matches the file, or is due for renewal.
    Reissue,
    /// It exists and is valid: nothing is touched.
    Keep,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Reissue => "reissue",
            Action::Keep => "keep",
        }
    }
}

/// What a step is about; `root`, `intermediate` or `leaf` in `--json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    Root,
    Intermediate,
    Leaf,
}

impl StepKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Root => "root",
            StepKind::Intermediate => "intermediate",
            StepKind::Leaf => "leaf",
        }
    }
}

/// The output files of a leaf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeafFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// The intermediates alone; none for a leaf the root signs.
    pub chain: Option<PathBuf>,
    /// The certificate followed by its intermediates.
    pub fullchain: PathBuf,
}

/// One CA or leaf and what happens to it.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub kind: StepKind,
    pub name: String,
    pub action: Action,
    /// Why it is created or reissued (empty when kept).
    pub reasons: Vec<String>,
    /// For leaves: the issuing CA's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<LeafFiles>,
    /// The certificate kept, or the one made by `execute`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_after: Option<String>,
}

/// Every step, CAs first, then leaves.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub ca_dir: PathBuf,
    pub steps: Vec<Step>,
    /// Things the user should hear about that change nothing (a CA in the
    /// directory that differs from the file).
    pub warnings: Vec<String>,
}

impl Plan {
    /// True when applying would write anything.
    pub fn changes(&self) -> bool {
        self.steps.iter().any(|s| s.action != Action::Keep)
    }
}

/// Compares the file with the disk at time `now`. `force` allows replacing
/// leaf files that this CA directory did not issue; without it they are
/// refused. `key_passphrase` reads leaf keys written encrypted.
pub fn plan(
    desired: &Desired,
    ca_dir: &CaDir,
    now: OffsetDateTime,
    force: bool,
    key_passphrase: Option<&Passphrase>,
) -> Result<Plan> {
    let mut warnings = Vec::new();
    let mut steps = Vec::new();
    let root_exists = ca_dir.is_initialized();
    steps.push(ca_step(
        ca_dir,
        ROOT,
        &desired.root,
        root_exists,
        &mut warnings,
    )?);
    for ca in &desired.intermediates {
        let exists = root_exists && ca_dir.cert_path(&ca.name).is_file();
        steps.push(ca_step(
            ca_dir,
            &ca.name,
            &ca.options,
            exists,
            &mut warnings,
        )?);
    }
    let new_cas: HashSet<String> = steps
        .iter()
        .filter(|s| s.action != Action::Keep)
        .map(|s| s.name.clone())
        .collect();
    let issued: HashSet<String> = ca_dir
        .index()?
        .entries
        .into_iter()
        .map(|e| e.sha256)
        .collect();
    for leaf in &desired.leaves {
        let check = LeafCheck {
            ca_dir,
            leaf,
            now,
            issued: &issued,
            force,
            key_passphrase,
        };
        steps.push(check.step(new_cas.contains(&leaf.issuer))?);
    }
    Ok(Plan {
        ca_dir: ca_dir.path().to_path_buf(),
        steps,
        warnings,
    })
}

fn ca_step(
    ca_dir: &CaDir,
    name: &str,
    wanted: &CaOptions,
    exists: bool,
    warnings: &mut Vec<String>,
) -> Result<Step> {
    let kind = if name == ROOT {
        StepKind::Root
    } else {
        StepKind::Intermediate
    };
    let mut step = Step {
        kind,
        name: name.to_string(),
        action: Action::Create,
        reasons: Vec::new(),
        issuer: None,
        files: None,
        serial: None,
        not_after: None,
    };
    if !exists {
        step.reasons.push("it does not exist yet".into());
        return Ok(step);
    }
    let path = ca_dir.cert_path(name);
    let cert = CertDer::read_file(&path)?;
    step.action = Action::Keep;
    let info = cert.info();
    step.serial = Some(info.serial.to_hex());
    step.not_after = Some(rfc3339(info.not_after));
    let profile = if name == ROOT {
        CertProfile::Root
    } else {
        CertProfile::Intermediate
    };
    let differs = drift::differences(&cert.parsed(), wanted, profile);
    if !differs.is_empty() {
        // Replacing a CA would invalidate everything it signed: say so,
        // never do it behind the user's back.
        warnings.push(format!(
            "{} '{name}' ({}) differs from the file: {}; `ca apply` never replaces a CA \
             (move it away to have a new one made)",
            kind.as_str(),
            path.display(),
            differs.join("; ")
        ));
    }
    Ok(step)
}

struct LeafCheck<'a> {
    ca_dir: &'a CaDir,
    leaf: &'a DesiredLeaf,
    now: OffsetDateTime,
    issued: &'a HashSet<String>,
    force: bool,
    key_passphrase: Option<&'a Passphrase>,
}

impl LeafCheck<'_> {
    fn step(&self, issuer_is_new: bool) -> Result<Step> {
        let leaf = self.leaf;
        let files = LeafFiles {
            cert: leaf.cert.clone(),
            key: leaf.key.clone(),
            chain: (leaf.issuer != ROOT).then(|| leaf.chain.clone()),
            fullchain: leaf.fullchain.clone(),
        };
        let mut step = Step {
            kind: StepKind::Leaf,
            name: leaf.name.clone(),
            action: Action::Keep,
            reasons: Vec::new(),
            issuer: Some(leaf.issuer.clone()),
            files: Some(files),
            serial: None,
            not_after: None,
        };
        let present: Vec<&Path> = [&leaf.cert, &leaf.key, &leaf.fullchain]
            .into_iter()
            .chain((leaf.issuer != ROOT).then_some(&leaf.chain))
            .map(PathBuf::as_path)
            .filter(|p| p.symlink_metadata().is_ok())
            .collect();
        if present.is_empty() {
            step.action = Action::Create;
            step.reasons.push("it does not exist yet".into());
            return Ok(step);
        }
        let cert = match leaf.cert.is_file() {
            true => CertDer::read_file(&leaf.cert).ok(),
            false => None,
        };
        let managed = cert
            .as_ref()
            .is_some_and(|c| self.issued.contains(&c.sha256()));
        if !managed && !self.force {
            return Err(Error::Refused(format!(
                "{}: leaf '{}' would replace this file, which this CA directory did not issue; \
                 move it away, change the leaf's paths, or give --force to replace it",
                present[0].display(),
                leaf.name
            )));
        }
        step.action = Action::Reissue;
        let Some(cert) = cert else {
            step.reasons.push(format!(
                "{} is missing or not a certificate",
                leaf.cert.display()
            ));
            return Ok(step);
        };
        let info = cert.info();
        step.serial = Some(info.serial.to_hex());
        step.not_after = Some(rfc3339(info.not_after));
        step.reasons = self.reasons(&cert, issuer_is_new)?;
        if !managed {
            step.reasons.insert(
                0,
                "this CA directory did not issue it (replaced as forced)".into(),
            );
        }
        if step.reasons.is_empty() {
            step.action = Action::Keep;
        }
        Ok(step)
    }

    /// Why the leaf on disk must be reissued; empty when it is fine.
    fn reasons(&self, cert: &CertDer, issuer_is_new: bool) -> Result<Vec<String>> {
        let leaf = self.leaf;
        let mut reasons = Vec::new();
        let info = cert.info();
        let parsed = cert.parsed();
        match leaf
            .renew_before
            .decide(info.not_before, info.not_after, self.now)
        {
            Renewal::NotDue { .. } => {}
            verdict => reasons.push(verdict.explain(self.now, leaf.renew_before)),
        }
        let wanted: Vec<String> = leaf.options.names.iter().map(|n| n.to_string()).collect();
        if info.names != wanted {
            reasons.push(format!(
                "its names are [{}], the file asks for [{}]",
                info.names.join(", "),
                wanted.join(", ")
            ));
        }
        let kind = leaf_kind(&parsed);
        let wanted_kind = leaf.options.kind;
        if kind != Some(wanted_kind) {
            reasons.push(format!(
                "it is a {} certificate, the file asks for a {} one",
                kind.map_or("neither server nor client", LeafKind::as_str),
                wanted_kind.as_str()
            ));
        }
        let key_type = cert_key_type(&parsed);
        if key_type != leaf.options.key_type.to_string() {
            reasons.push(format!(
                "its key is {key_type}, the file asks for {}",
                leaf.options.key_type
            ));
        }
        if issuer_is_new {
            reasons.push(format!("its issuer '{}' is new", leaf.issuer));
            return Ok(reasons);
        }
        let issuer = CertDer::read_file(&self.ca_dir.cert_path(&leaf.issuer))?;
        if !signed_by(&parsed, &issuer.parsed()) {
            reasons.push(format!(
                "it was not issued by '{}' (the file's issuer)",
                leaf.issuer
            ));
        }
        if let Some(why) = self.key_problem(cert)? {
            reasons.push(why);
        }
        // chain: the intermediate (none under the root); fullchain: the
        // certificate, then the intermediate.
        let chain = match leaf.issuer != ROOT {
            true => issuer.pem(),
            false => String::new(),
        };
        let fullchain = cert.pem() + &chain;
        let differs = |path: &Path, expected: &str| {
            std::fs::read(path).ok().as_deref() != Some(expected.as_bytes())
        };
        if leaf.issuer != ROOT && differs(&leaf.chain, &chain) {
            reasons.push(format!(
                "{} is missing or is not its issuer's certificate",
                leaf.chain.display()
            ));
        }
        if differs(&leaf.fullchain, &fullchain) {
            reasons.push(format!(
                "{} is missing or is not its full chain",
                leaf.fullchain.display()
            ));
        }
        Ok(reasons)
    }

    fn key_problem(&self, cert: &CertDer) -> Result<Option<String>> {
        let path = &self.leaf.key;
        if !path.is_file() {
            return Ok(Some(format!("its key {} is missing", path.display())));
        }
        // A key we cannot read (encrypted, no passphrase given) is not
        // replaced: that would lose a key the user may still need.
        let key = PrivateKey::read_file(path, self.key_passphrase)?;
        if key.public_key_der() != cert.parsed().public_key().raw {
            return Ok(Some(format!(
                "{} does not hold the certificate's key",
                path.display()
            )));
        }
        Ok(None)
    }
}

/// `ecdsa-p256`, `rsa-2048`, ... as `KeyType` prints them.
pub(super) fn cert_key_type(cert: &X509Certificate<'_>) -> String {
    PublicKeyInfo::from_spki(cert.public_key()).key_type
}

pub(super) fn common_name(cert: &X509Certificate<'_>) -> Option<String> {
    cert.subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_string)
}

fn leaf_kind(cert: &X509Certificate<'_>) -> Option<LeafKind> {
    let eku = cert.extended_key_usage().ok().flatten()?.value;
    match (eku.server_auth, eku.client_auth) {
        (true, false) => Some(LeafKind::Server),
        (false, true) => Some(LeafKind::Client),
        _ => None,
    }
}

/// The issuer's name and key identifier match: enough to tell which of
/// our CAs signed a certificate we issued.
fn signed_by(cert: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> bool {
    if cert.issuer().as_raw() != issuer.subject().as_raw() {
        return false;
    }
    let aki = cert
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                aki.key_identifier.as_ref().map(|k| k.0)
            }
            _ => None,
        });
    let ski = issuer
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(ski) => Some(ski.0),
            _ => None,
        });
    match (aki, ski) {
        (Some(a), Some(s)) => a == s,
        _ => true,
    }
}
