//! Recording what a CA directory issued: the index line, the copy in
//! `issued/`, and the one flush a command owes before it returns.

use std::path::{Path, PathBuf};

use super::{index, CaDir, IndexEntry};
use crate::atomic::{self, Durability, FileMode, FileToWrite, Overwrite};
use crate::cert::{CertDer, CertInfo};
use crate::context::IssueContext;
use crate::error::Result;
use crate::key::KeyType;
use crate::profile::CertProfile;
use crate::validity::rfc3339;

impl CaDir {
    /// Records a certificate issued by `issuer` (its name in this
    /// directory): keeps a copy in `issued/` and appends to the index.
    pub fn record(
        &self,
        cert: &CertDer,
        issuer: &str,
        profile: CertProfile,
        key_type: KeyType,
        out: Option<&Path>,
        at: &IssueContext,
    ) -> Result<IndexEntry> {
        let mut pending = Pending::default();
        let entry =
            self.record_deferred(cert, issuer, (profile, key_type), out, at, &mut pending)?;
        pending.flush()?;
        Ok(entry)
    }

    /// [`CaDir::record`], leaving the flush of the index to the caller.
    /// The copy in `issued/` is not flushed: the index line is the record.
    pub(crate) fn record_deferred(
        &self,
        cert: &CertDer,
        issuer: &str,
        (profile, key_type): (CertProfile, KeyType),
        out: Option<&Path>,
        at: &IssueContext,
        pending: &mut Pending,
    ) -> Result<IndexEntry> {
        let _lock = self.lock()?;
        let info = cert.info();
        let issued_dir = self.path.join("issued");
        atomic::create_private_dir(&issued_dir)?;
        let file = issued_dir.join(format!("{}.pem", info.serial));
        let copy = [FileToWrite {
            path: file.clone(),
            contents: cert.pem().into_bytes(),
            mode: FileMode::Public,
        }];
        atomic::write_files_with(&copy, Overwrite::Refuse, Durability::Atomic)?;
        let entry = index_entry(info, issuer, profile, key_type, &file, out, at);
        self.append_entry(entry, pending)
    }

    /// Appends to the index and has the caller flush it. Caller holds the
    /// exclusive lock.
    pub(super) fn append_entry(
        &self,
        entry: IndexEntry,
        pending: &mut Pending,
    ) -> Result<IndexEntry> {
        let path = self.index_path();
        if !path.exists() {
            // A new name in the CA directory.
            pending.add(self.path.clone());
        }
        index::append(&path, &entry)?;
        pending.add(path);
        Ok(entry)
    }
}

/// What a command must flush before it returns: the index (once, however
/// many lines it appended) and the directories it created names in. One
/// flush for all of them, at the end (see docs/benchmarks.md).
#[derive(Debug, Default)]
pub(crate) struct Pending(Vec<PathBuf>);

impl Pending {
    pub(crate) fn add(&mut self, path: PathBuf) {
        if !self.0.contains(&path) {
            self.0.push(path);
        }
    }

    pub(crate) fn flush(self) -> Result<()> {
        atomic::flush_all(&self.0)
    }
}

/// The index line of `cert`, issued by `issuer` at `at.now`, kept at `file`
/// (and written for the user to `out`).
pub(super) fn index_entry(
    info: CertInfo,
    issuer: &str,
    profile: CertProfile,
    key_type: KeyType,
    file: &Path,
    out: Option<&Path>,
    at: &IssueContext,
) -> IndexEntry {
    IndexEntry {
        serial: info.serial,
        subject: info.subject,
        names: info.names,
        not_before: rfc3339(info.not_before),
        not_after: rfc3339(info.not_after),
        profile,
        issuer: issuer.to_string(),
        key_type,
        sha256: info.sha256,
        file: absolute(file),
        out: out.map(absolute),
        issued_at: rfc3339(at.now),
    }
}

fn absolute(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}
