//! The issuing pipeline: from a request to a certificate recorded in the
//! CA directory and its files on disk, in one call. `ca issue`, `ca sign`
//! and `ca apply` use it (and so should anything else that issues leaves:
//! renewal, an ACME server); they only parse arguments and print.
//!
//! The steps, always in this order: load the issuer (creating the root
//! first when asked and there is none), check the names against the name
//! constraints above it, sign, encode, record in the index (with a copy in
//! `issued/`), write the output files. The record comes before the files:
//! a crash never leaves a certificate on disk that the CA does not know.
//!
//! What waits for the disk (docs/benchmarks.md has the measurements): one
//! flush round, shared, makes a new root's key and certificate, the index
//! and the new directory entries durable before the output files are
//! written; the output files and the copy in `issued/` are moved into place
//! atomically but not flushed. Every file is moved into place whole.

use std::path::PathBuf;

use super::{CaDir, CreatedCa, IndexEntry, Pending, ROOT};
use crate::atomic::{self, Durability, FileMode, FileToWrite, Overwrite};
use crate::context::IssueContext;
use crate::csr::Csr;
use crate::error::{Error, Result};
use crate::issuer::{Issued, Issuer};
use crate::passphrase::Passphrase;
use crate::profile::{CaOptions, LeafOptions};
use crate::revocation::{self, Revocation};

/// What one output file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutputKind {
    /// The certificate alone.
    Cert,
    /// Its private key (mode 0600); only when the pipeline made the key.
    Key,
    /// The intermediates alone, no root (certbot's `chain.pem`). Not
    /// written when the root signed the certificate directly: there is
    /// nothing to put in it.
    Chain,
    /// The certificate followed by its intermediates, no root (certbot's
    /// `fullchain.pem`: what a server serves).
    FullChain,
}

/// One file to write, and what goes into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub kind: OutputKind,
    pub path: PathBuf,
}

impl OutputFile {
    pub fn new(kind: OutputKind, path: impl Into<PathBuf>) -> Self {
        OutputFile {
            kind,
            path: path.into(),
        }
    }
}

/// Everything one issuance needs, as data.
#[derive(Debug, Clone)]
pub struct IssueRequest<'a> {
    /// The issuing CA's name in the directory: [`ROOT`] or an intermediate's.
    pub issuer: &'a str,
    /// Names, profile, key type and validity of the certificate.
    pub leaf: LeafOptions,
    /// Sign this CSR's public key instead of making a key (`leaf.key_type`
    /// is then the CSR's).
    pub csr: Option<&'a Csr>,
    /// The files to write, in this order; the first [`OutputKind::Cert`] is
    /// recorded in the index as where the certificate went.
    pub outputs: Vec<OutputFile>,
    pub overwrite: Overwrite,
    /// Encrypts the new private key.
    pub key_passphrase: Option<&'a Passphrase>,
    /// Unlocks the issuing CA's key.
    pub ca_passphrase: Option<&'a Passphrase>,
    /// When the directory has no CA yet and the issuer is the root, create
    /// one with these options first (`ca issue`'s "one command" promise).
    pub create_root: Option<&'a CaOptions>,
}

/// What an issuance made.
#[derive(Debug)]
pub struct IssueOutcome {
    pub issued: Issued,
    /// Its line in the index.
    pub entry: IndexEntry,
    /// The files written: those requested, less a [`OutputKind::Chain`]
    /// with no intermediates to hold.
    pub outputs: Vec<OutputFile>,
    /// The root CA, when this call had to create it.
    pub created_root: Option<CreatedCa>,
    /// The issuing intermediate's revocation, when it was revoked: what it
    /// signs is refused by clients that check the root's CRL. Issued anyway
    /// (tests may want exactly that); callers should warn.
    pub issuer_revoked: Option<Revocation>,
}

impl CaDir {
    /// Issues a leaf: loads the issuer named in `request` (creating the
    /// root first when asked), then [`CaDir::issue_by`].
    pub fn issue(&self, request: &IssueRequest<'_>, at: &IssueContext) -> Result<IssueOutcome> {
        let mut pending = Pending::default();
        let created_root = match request.create_root {
            // A new CA has no intermediates: another issuer then fails
            // below without making a CA as a side effect.
            Some(options) if request.issuer == ROOT => {
                self.ensure_initialized_deferred(options, request.ca_passphrase, at, &mut pending)?
            }
            _ => None,
        };
        let mut outcome = match &created_root {
            // Just made: no need to read it (and its key) back.
            Some(created) => self.issue_pending(&created.issuer, request, at, pending)?,
            None => {
                let issuer = self.load_issuer(Some(request.issuer), request.ca_passphrase)?;
                self.issue_pending(&issuer, request, at, pending)?
            }
        };
        outcome.created_root = created_root;
        Ok(outcome)
    }

    /// Issues a leaf with an issuer already loaded (`request.issuer` is
    /// its name here): checks the names, signs, records, writes the files.
    pub fn issue_by(
        &self,
        issuer: &Issuer,
        request: &IssueRequest<'_>,
        at: &IssueContext,
    ) -> Result<IssueOutcome> {
        self.issue_pending(issuer, request, at, Pending::default())
    }

    /// [`CaDir::issue_by`], with flushes still owed by earlier steps
    /// (a root just created) joining its own.
    fn issue_pending(
        &self,
        issuer: &Issuer,
        request: &IssueRequest<'_>,
        at: &IssueContext,
        mut pending: Pending,
    ) -> Result<IssueOutcome> {
        refuse_existing(&request.outputs, request.overwrite)?;
        // Names and the issuer's name constraints are checked inside the issuing call, by the
        // rulebook (ca_core::compliance), on the certificate it is about to return.
        let issued = match request.csr {
            Some(csr) => issuer.sign_csr(csr, &request.leaf, at)?,
            None => issuer.issue(&request.leaf, at)?,
        };
        let key_type = match (&issued.key, request.csr) {
            (Some(key), _) => key.key_type(),
            (None, Some(csr)) => csr.key_type(),
            (None, None) => request.leaf.key_type,
        };
        let outputs: Vec<OutputFile> = request
            .outputs
            .iter()
            .filter(|o| o.kind != OutputKind::Chain || !issued.intermediates.is_empty())
            .cloned()
            .collect();
        let files = encode(&issued, &outputs, request.key_passphrase)?;
        let cert_out = request
            .outputs
            .iter()
            .find(|o| o.kind == OutputKind::Cert)
            .map(|o| o.path.as_path());
        let entry = self.record_deferred(
            &issued.cert,
            request.issuer,
            (issued.profile, key_type),
            cert_out,
            at,
            &mut pending,
        )?;
        // Durable before the files exist: even after a power cut, no
        // certificate is on disk that the index does not know.
        pending.flush()?;
        create_parents(&files)?;
        atomic::write_files_with(&files, request.overwrite, Durability::Atomic)?;
        let issuer_revoked = self.revocation_of(request.issuer, issuer);
        Ok(IssueOutcome {
            issued,
            entry,
            outputs,
            created_root: None,
            issuer_revoked,
        })
    }

    /// The revocation of the intermediate `name`, if it was revoked (a
    /// root cannot be: nothing above it publishes a CRL).
    fn revocation_of(&self, name: &str, issuer: &Issuer) -> Option<Revocation> {
        if name == ROOT {
            return None;
        }
        let serial = issuer.cert().info().serial;
        revocation::revocations(self)
            .unwrap_or_default()
            .into_iter()
            .find(|r| r.serial == serial)
    }
}

/// Checked before anything is signed or recorded, so that a refusal
/// leaves no trace; [`atomic::write_files`] checks again when writing.
fn refuse_existing(outputs: &[OutputFile], overwrite: Overwrite) -> Result<()> {
    if overwrite == Overwrite::Replace {
        return Ok(());
    }
    match outputs.iter().find(|o| o.path.symlink_metadata().is_ok()) {
        Some(existing) => Err(Error::Exists {
            path: existing.path.clone(),
        }),
        None => Ok(()),
    }
}

/// The bytes of every output file.
fn encode(
    issued: &Issued,
    outputs: &[OutputFile],
    key_passphrase: Option<&Passphrase>,
) -> Result<Vec<FileToWrite>> {
    let mut key_pem = None;
    let mut files = Vec::with_capacity(outputs.len());
    for output in outputs {
        let (contents, mode) = match output.kind {
            OutputKind::Cert => (issued.cert.pem(), FileMode::Public),
            OutputKind::Chain => (issued.intermediates_pem(), FileMode::Public),
            OutputKind::FullChain => (issued.fullchain_pem(), FileMode::Public),
            OutputKind::Key => {
                let Some(key) = &issued.key else {
                    return Err(Error::Refused(format!(
                        "{}: no private key to write: the key of a signed CSR stays with \
                         whoever made the CSR",
                        output.path.display()
                    )));
                };
                if key_pem.is_none() {
                    key_pem = Some(
                        key.to_pem_with(key_passphrase)
                            .map_err(|e| Error::key_at(&output.path, e))?,
                    );
                }
                (key_pem.clone().expect("just set"), FileMode::Private)
            }
        };
        files.push(FileToWrite {
            path: output.path.clone(),
            contents: contents.into_bytes(),
            mode,
        });
    }
    Ok(files)
}

fn create_parents(files: &[FileToWrite]) -> Result<()> {
    for file in files {
        if let Some(parent) = file.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            if !parent.is_dir() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| Error::io(parent, "create the directory", e))?;
            }
        }
    }
    Ok(())
}
