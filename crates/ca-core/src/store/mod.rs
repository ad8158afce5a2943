//! The CA directory: a root, named intermediates, and an index of every
//! certificate issued, safe to use from several processes at once.
//!
//! ```text
//! CA_DIR/
//!   root/cert.pem                  the root CA certificate (share this one)
//!   root/key.pem                   its private key (0600, PKCS#8, maybe encrypted)
//!   root/issuers.pem               for an imported CA that is not self-signed: the
//!                                  certificates above it that chains carry (no root)
//!   root/anchor.pem                ... and the root clients trust (or the top given)
//!   intermediates/NAME/cert.pem    an intermediate CA, signed by the root
//!   intermediates/NAME/key.pem
//!   issued/SERIAL.pem              a copy of every certificate issued
//!   index.jsonl                    one JSON line per certificate (see `index`)
//!   lock                           taken by every writer (and, shared, by readers)
//! ```
//!
//! Where it is: `--ca-dir DIR`, else `$CA_DIR`, else `$XDG_DATA_HOME/ca`,
//! else `~/.local/share/ca` (see [`resolve_ca_dir`]).

mod import;
mod index;
mod issue;
mod record;

use std::fs::File;
use std::path::{Path, PathBuf};

pub use import::ImportRules;
pub use index::{Index, IndexEntry};
pub use issue::{IssueOutcome, IssueRequest, OutputFile, OutputKind};
use record::{index_entry, Pending};

use crate::atomic::{self, Durability, FileMode, FileToWrite, Overwrite};
use crate::cert::{pem_bundle, CertDer};
use crate::context::IssueContext;
use crate::error::{Error, Result};
use crate::issuer::Issuer;
use crate::key::PrivateKey;
use crate::passphrase::Passphrase;
use crate::profile::{CaOptions, CertProfile};

/// The name by which commands refer to the root (`--issuer root`).
pub const ROOT: &str = "root";

/// Where the CA directory is: `explicit` (`--ca-dir`), else `$CA_DIR`,
/// else `$XDG_DATA_HOME/ca`, else `$HOME/.local/share/ca`.
pub fn resolve_ca_dir(explicit: Option<&Path>) -> Result<PathBuf> {
    locate_ca_dir(explicit).map(|(path, _)| path)
}

/// Who chose the CA directory. Only the default location is created on
/// first use: a directory the user named (and may have mistyped) must
/// already hold a CA, so a typo never makes a second CA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaDirOrigin {
    /// `--ca-dir DIR` (or a `ca_dir` in an apply file).
    Flag,
    /// `$CA_DIR`.
    Env,
    /// `$XDG_DATA_HOME/ca` or `$HOME/.local/share/ca`.
    Default,
}

/// [`resolve_ca_dir`], also saying who chose the directory.
pub fn locate_ca_dir(explicit: Option<&Path>) -> Result<(PathBuf, CaDirOrigin)> {
    if let Some(dir) = explicit {
        return Ok((dir.to_path_buf(), CaDirOrigin::Flag));
    }
    let from_env = |var: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = from_env("CA_DIR") {
        return Ok((dir, CaDirOrigin::Env));
    }
    if let Some(data) = from_env("XDG_DATA_HOME").filter(|p| p.is_absolute()) {
        return Ok((data.join("ca"), CaDirOrigin::Default));
    }
    if let Some(home) = from_env("HOME") {
        return Ok((home.join(".local/share/ca"), CaDirOrigin::Default));
    }
    Err(Error::ca_dir(
        None,
        "cannot tell where the CA directory is: neither CA_DIR, XDG_DATA_HOME nor HOME is set",
    ))
}

/// A CA directory (which may not exist yet).
#[derive(Debug, Clone)]
pub struct CaDir {
    path: PathBuf,
}

/// A CA just created in a directory.
#[derive(Debug)]
pub struct CreatedCa {
    pub issuer: Issuer,
    pub cert_path: PathBuf,
    pub key_path: PathBuf,
    pub warnings: Vec<String>,
}

/// The anchor and untrusted CA certificates of a directory (see
/// [`CaDir::trust_material`]).
#[derive(Debug, Clone)]
pub struct TrustMaterial {
    pub anchor: CertDer,
    pub anchor_path: PathBuf,
    pub untrusted: Vec<CertDer>,
}

/// Holds the directory lock until dropped.
#[derive(Debug)]
pub struct CaLock {
    _file: File,
}

impl CaDir {
    /// The directory at `path`; nothing is read or created yet.
    pub fn at(path: impl Into<PathBuf>) -> CaDir {
        CaDir { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True once a root CA exists here. An empty root certificate is what
    /// a power cut during the creation can leave (the files are flushed
    /// once, at the end): that CA never came into being, and is made again.
    pub fn is_initialized(&self) -> bool {
        is_complete(&self.cert_path(ROOT))
    }

    /// The certificate of an issuer (`root` or an intermediate's name).
    pub fn cert_path(&self, issuer: &str) -> PathBuf {
        self.issuer_dir(issuer).join("cert.pem")
    }

    /// The private key of an issuer.
    pub fn key_path(&self, issuer: &str) -> PathBuf {
        self.issuer_dir(issuer).join("key.pem")
    }

    /// The certificate clients should trust: the root's, or for an
    /// imported CA that is not self-signed, the root given with it (else
    /// the top certificate given).
    pub fn anchor_path(&self) -> PathBuf {
        let imported = self.imported_anchor_path();
        if imported.is_file() {
            imported
        } else {
            self.cert_path(ROOT)
        }
    }

    fn imported_anchor_path(&self) -> PathBuf {
        self.issuer_dir(ROOT).join("anchor.pem")
    }

    fn imported_issuers_path(&self) -> PathBuf {
        self.issuer_dir(ROOT).join("issuers.pem")
    }

    fn issuer_dir(&self, issuer: &str) -> PathBuf {
        if issuer == ROOT {
            self.path.join(ROOT)
        } else {
            self.path.join("intermediates").join(issuer)
        }
    }

    fn index_path(&self) -> PathBuf {
        self.path.join("index.jsonl")
    }

    /// Takes the directory lock exclusively (writers).
    pub fn lock(&self) -> Result<CaLock> {
        self.take_lock("lock", true)
    }

    /// Takes the directory lock shared (readers).
    pub fn lock_shared(&self) -> Result<CaLock> {
        self.take_lock("lock", false)
    }

    /// Serialises whole `ca apply` runs on this directory. A lock of its own,
    /// because apply takes (and releases) the directory lock for each write inside.
    pub fn apply_lock(&self) -> Result<CaLock> {
        self.take_lock("apply.lock", true)
    }

    fn take_lock(&self, file_name: &str, exclusive: bool) -> Result<CaLock> {
        atomic::create_private_dir(&self.path)?;
        let path = self.path.join(file_name);
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(&path, "open the lock file", e))?;
        let locked = if exclusive {
            file.lock()
        } else {
            file.lock_shared()
        };
        locked.map_err(|e| Error::io(&path, "lock the CA directory", e))?;
        Ok(CaLock { _file: file })
    }

    /// Creates a new root CA here. Refused if one exists.
    pub fn init(
        &self,
        options: &CaOptions,
        passphrase: Option<&Passphrase>,
        at: &IssueContext,
    ) -> Result<CreatedCa> {
        let _lock = self.lock()?;
        self.refuse_existing()?;
        let (issuer, warnings) = Issuer::new_root(options, at)?;
        let mut pending = Pending::default();
        let created = self.store_root(issuer, warnings, passphrase, None, at, &mut pending)?;
        pending.flush()?;
        Ok(created)
    }

    /// Creates the root CA unless one exists; returns it when this call
    /// created it. Safe against concurrent calls: exactly one creates it.
    pub fn ensure_initialized(
        &self,
        options: &CaOptions,
        passphrase: Option<&Passphrase>,
        at: &IssueContext,
    ) -> Result<Option<CreatedCa>> {
        let mut pending = Pending::default();
        let created = self.ensure_initialized_deferred(options, passphrase, at, &mut pending)?;
        pending.flush()?;
        Ok(created)
    }

    /// [`CaDir::ensure_initialized`], leaving the last flush (the index and
    /// the new directory entries) to the caller, who may share it.
    pub(crate) fn ensure_initialized_deferred(
        &self,
        options: &CaOptions,
        passphrase: Option<&Passphrase>,
        at: &IssueContext,
        pending: &mut Pending,
    ) -> Result<Option<CreatedCa>> {
        if self.is_initialized() {
            return Ok(None);
        }
        let _lock = self.lock()?;
        if self.is_initialized() {
            return Ok(None);
        }
        let (issuer, warnings) = Issuer::new_root(options, at)?;
        self.store_root(issuer, warnings, passphrase, None, at, pending)
            .map(Some)
    }

    /// Makes an existing CA certificate and key this directory's root
    /// issuer. A certificate that is not self-signed is accepted (chains
    /// then end at it), with a warning; see [`CaDir::import_chain`].
    pub fn import(
        &self,
        cert: CertDer,
        key: PrivateKey,
        passphrase: Option<&Passphrase>,
        at: &IssueContext,
    ) -> Result<CreatedCa> {
        self.import_chain(vec![cert], key, passphrase, at, ImportRules::default())
    }

    /// Makes an existing CA this directory's root issuer: `chain` is its
    /// certificate first, then the certificates that issued it, up to
    /// (optionally including) the self-signed root. Each must have signed
    /// the one before it. Chains issued later carry the CA and its issuers
    /// (not the root), and [`CaDir::anchor_path`] is the root.
    ///
    /// Every certificate of `chain` is held to the rulebook as issuance holds
    /// what it makes (see [`crate::compliance`]): one that clients would refuse
    /// is refused, naming the rule, unless `rules.accept_violations`.
    pub fn import_chain(
        &self,
        chain: Vec<CertDer>,
        key: PrivateKey,
        passphrase: Option<&Passphrase>,
        at: &IssueContext,
        rules: ImportRules,
    ) -> Result<CreatedCa> {
        let Some(cert) = chain.first().cloned() else {
            return Err(Error::cert_at(None, "no CA certificate given"));
        };
        // Checked before the lock, which creates the directory: a refused
        // import leaves nothing behind.
        let given = chain.clone();
        let mut imported = import::check_chain(chain)?;
        let mut above = Vec::new();
        if !imported.ca_is_root {
            above.push(cert.clone());
            above.extend(imported.issuers.iter().cloned());
        }
        let issuer = Issuer::from_parts(cert, key, above, imported.anchor.clone())?;
        // Bad input first (a bundle in the wrong order, a leaf, a key that does not match:
        // exit 2), then the rules (a refusal: exit 1).
        imported
            .warnings
            .extend(import::check_rules(&given, rules)?);
        let _lock = self.lock()?;
        self.refuse_existing()?;
        let warnings = imported.warnings.clone();
        let mut pending = Pending::default();
        let created = self.store_root(
            issuer,
            warnings,
            passphrase,
            Some(&imported),
            at,
            &mut pending,
        )?;
        pending.flush()?;
        Ok(created)
    }

    fn refuse_existing(&self) -> Result<()> {
        if self.is_initialized() {
            return Err(Error::CaExists {
                path: self.path.clone(),
            });
        }
        Ok(())
    }

    /// Writes the root's key then its certificate (the certificate marks
    /// the CA as complete), and records it. Caller holds the lock, and
    /// flushes `pending` (the index, the new names) before it returns.
    fn store_root(
        &self,
        issuer: Issuer,
        warnings: Vec<String>,
        passphrase: Option<&Passphrase>,
        imported: Option<&import::ImportedChain>,
        at: &IssueContext,
        pending: &mut Pending,
    ) -> Result<CreatedCa> {
        index::drop_roots(&self.index_path())?;
        self.store_imported_issuers(imported)?;
        // The index line first, the certificate (which marks the CA as
        // complete) after it: a kill -9 in between leaves a root line
        // without a root certificate, which `drop_roots` removes when the
        // root is made again, never a complete CA the index does not know.
        self.append_entry(
            index_entry(
                issuer.cert().info(),
                ROOT,
                CertProfile::Root,
                issuer.key().key_type(),
                &self.cert_path(ROOT),
                None,
                at,
            ),
            pending,
        )?;
        let (cert_path, key_path) = self.store_issuer(ROOT, &issuer, passphrase, pending)?;
        // The names root/, root/key.pem and root/cert.pem.
        pending.add(self.issuer_dir(ROOT));
        pending.add(self.path.clone());
        Ok(CreatedCa {
            issuer,
            cert_path,
            key_path,
            warnings,
        })
    }

    /// Writes the issuers and the anchor of an imported CA that is not
    /// self-signed; otherwise removes those a crashed import left behind.
    fn store_imported_issuers(&self, imported: Option<&import::ImportedChain>) -> Result<()> {
        let paths = [self.imported_issuers_path(), self.imported_anchor_path()];
        let Some(imported) = imported.filter(|i| !i.ca_is_root) else {
            for path in &paths {
                match std::fs::remove_file(path) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(Error::io(path, "remove a stale file", e));
                    }
                    _ => {}
                }
            }
            return Ok(());
        };
        atomic::create_private_dir(&self.issuer_dir(ROOT))?;
        let [issuers_path, anchor_path] = paths;
        let files = [
            FileToWrite {
                path: issuers_path,
                contents: pem_bundle(&imported.issuers).into_bytes(),
                mode: FileMode::Public,
            },
            FileToWrite {
                path: anchor_path,
                contents: imported.anchor.pem().into_bytes(),
                mode: FileMode::Public,
            },
        ];
        atomic::write_files(&files, Overwrite::Replace)
    }

    /// The certificates above the root issuer that chains carry (the root
    /// issuer first), and the anchor: nothing and the root issuer itself,
    /// unless it is an imported CA that is not self-signed.
    fn read_imported_issuers(&self, root: CertDer) -> Result<(Vec<CertDer>, CertDer)> {
        let anchor_path = self.imported_anchor_path();
        if !anchor_path.is_file() {
            return Ok((Vec::new(), root));
        }
        let anchor = CertDer::read_file(&anchor_path)?;
        let path = self.imported_issuers_path();
        let data = crate::input::read_file(&path)
            .map_err(|e| Error::io(&path, "read the imported CA's issuers", e))?;
        let mut above = vec![root];
        if !data.iter().all(u8::is_ascii_whitespace) {
            above.extend(CertDer::parse_all(&data).map_err(|e| e.in_file(&path))?);
        }
        Ok((above, anchor))
    }

    /// Moves the issuer's key and certificate into place atomically; they
    /// join `pending`, whose one flush makes them durable with the index.
    fn store_issuer(
        &self,
        name: &str,
        issuer: &Issuer,
        passphrase: Option<&Passphrase>,
        pending: &mut Pending,
    ) -> Result<(PathBuf, PathBuf)> {
        atomic::create_private_dir(&self.issuer_dir(name))?;
        let cert_path = self.cert_path(name);
        let key_path = self.key_path(name);
        let key_pem = issuer
            .key()
            .to_pem_with(passphrase)
            .map_err(|e| Error::key_at(&key_path, e))?;
        // The key goes into place first: the certificate marks the issuer
        // as complete. The caller holds the lock and checked that the
        // certificate does not exist; a key without one is what a crash
        // during creation leaves behind, and is replaced.
        let files = [
            FileToWrite {
                path: key_path.clone(),
                contents: key_pem.into_bytes(),
                mode: FileMode::Private,
            },
            FileToWrite {
                path: cert_path.clone(),
                contents: issuer.cert().pem().into_bytes(),
                mode: FileMode::Public,
            },
        ];
        atomic::write_files_with(&files, Overwrite::Replace, Durability::Atomic)?;
        pending.add(key_path.clone());
        pending.add(cert_path.clone());
        Ok((cert_path, key_path))
    }

    /// Loads an issuer: `None` or `Some("root")` is the root, anything else
    /// an intermediate created with [`CaDir::create_intermediate`].
    pub fn load_issuer(
        &self,
        name: Option<&str>,
        passphrase: Option<&Passphrase>,
    ) -> Result<Issuer> {
        let name = name.unwrap_or(ROOT);
        // Before the lock, which creates the directory: a mistyped --ca-dir
        // must not leave one behind. The root certificate is written last,
        // so it alone says the CA is complete.
        if !self.is_initialized() {
            return Err(Error::NoCa {
                path: self.path.clone(),
            });
        }
        let _lock = self.lock_shared()?;
        let root = CertDer::read_file(&self.cert_path(ROOT))?;
        let (above, anchor) = self.read_imported_issuers(root)?;
        if name != ROOT {
            validate_intermediate_name(name)?;
            if !self.cert_path(name).is_file() {
                let known = self.intermediates()?;
                return Err(Error::ca_dir(
                    Some(&self.path),
                    format!(
                        "there is no intermediate named '{name}' (known: {}); \
                         create it with `ca intermediate {name}`",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                ));
            }
        }
        let cert = CertDer::read_file(&self.cert_path(name))?;
        let key = PrivateKey::read_file(&self.key_path(name), passphrase)?;
        Issuer::from_parts(cert, key, above, anchor).map_err(|e| e.in_file(&self.cert_path(name)))
    }

    /// What a verifier needs to check the certificates of this directory:
    /// the trust anchor ([`CaDir::anchor_path`]: the root, or for an
    /// imported CA that is not self-signed the root given with it, never
    /// the imported CA itself) and the CA certificates below it, untrusted:
    /// the imported CA and its issuers, then the intermediates.
    pub fn trust_material(&self) -> Result<TrustMaterial> {
        if !self.is_initialized() {
            return Err(Error::ca_dir(Some(&self.path), "no CA here yet"));
        }
        let _lock = self.lock_shared()?;
        let root = CertDer::read_file(&self.cert_path(ROOT))?;
        let (mut untrusted, anchor) = self.read_imported_issuers(root)?;
        for name in self.intermediates()? {
            untrusted.push(CertDer::read_file(&self.cert_path(&name))?);
        }
        Ok(TrustMaterial {
            anchor,
            anchor_path: self.anchor_path(),
            untrusted,
        })
    }

    /// Creates an intermediate CA named `name`, signed by the root.
    pub fn create_intermediate(
        &self,
        name: &str,
        options: &CaOptions,
        ca_passphrase: Option<&Passphrase>,
        key_passphrase: Option<&Passphrase>,
        at: &IssueContext,
    ) -> Result<CreatedCa> {
        validate_intermediate_name(name)?;
        let root = self.load_issuer(Some(ROOT), ca_passphrase)?;
        let key = PrivateKey::generate(options.key_type)?;
        let _lock = self.lock()?;
        // An empty certificate is what a power cut during the creation
        // can leave: that intermediate never came into being.
        if is_complete(&self.cert_path(name)) {
            return Err(Error::Refused(format!(
                "{}: an intermediate named '{name}' already exists; pick another name",
                self.cert_path(name).display()
            )));
        }
        let (issuer, warnings) = root.new_intermediate_with_key(options, name, key, at)?;
        let mut pending = Pending::default();
        // As for the root: the index line first, the certificate (which marks the
        // intermediate as complete) after it. A kill -9 in between leaves a line without a
        // certificate, dropped here when the intermediate is made again; never a usable
        // intermediate that the index does not know.
        index::drop_intermediate(&self.index_path(), name)?;
        self.append_entry(
            index_entry(
                issuer.cert().info(),
                ROOT,
                CertProfile::Intermediate,
                issuer.key().key_type(),
                &self.cert_path(name),
                None,
                at,
            ),
            &mut pending,
        )?;
        let (cert_path, key_path) =
            self.store_issuer(name, &issuer, key_passphrase, &mut pending)?;
        let dir = self.issuer_dir(name);
        pending.add(dir.parent().expect("intermediates/NAME").to_path_buf());
        pending.add(dir);
        pending.flush()?;
        Ok(CreatedCa {
            issuer,
            cert_path,
            key_path,
            warnings,
        })
    }

    /// The names of the intermediates, sorted.
    pub fn intermediates(&self) -> Result<Vec<String>> {
        let dir = self.path.join("intermediates");
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io(&dir, "list the intermediates", e)),
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().join("cert.pem").is_file())
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        names.sort();
        Ok(names)
    }

    /// Every certificate recorded in the index, oldest first.
    pub fn index(&self) -> Result<Index> {
        if !self.path.exists() {
            return Ok(Index::default());
        }
        let _lock = self.lock_shared()?;
        index::read(&self.index_path())
    }
}

/// A CA certificate file that exists and is not empty (see
/// [`CaDir::is_initialized`]).
fn is_complete(cert: &Path) -> bool {
    std::fs::metadata(cert).is_ok_and(|m| m.is_file() && m.len() > 0)
}

/// Intermediate names become directory names: keep them plain.
pub fn validate_intermediate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name != ROOT
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(Error::Name(format!(
            "'{name}' cannot name an intermediate: use 1 to 64 letters, digits, '.', '-' or '_' \
             (not starting with '.'), and not 'root'"
        )))
    }
}

#[cfg(test)]
mod tests;
