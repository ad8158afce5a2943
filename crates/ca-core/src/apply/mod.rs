//! `ca apply`: one TOML file describes a whole PKI (a root, intermediates
//! with path lengths and name constraints, server and client leaves with
//! their output files and renewal thresholds); applying it creates what is
//! missing, reissues what no longer matches or is due, and leaves the rest
//! byte for byte untouched.
//!
//! The steps, one module each: [`spec`] (the file as written, with spans),
//! [`validate`] (every mistake with its line and column, before anything
//! happens), [`plan`] (compare with the disk, read only), [`execute`].
//!
//! ```no_run
//! use ca_core::apply::{self, ApplyOptions};
//! use ca_core::CaDir;
//!
//! // One reading of the clock: the file is checked, renewal judged and
//! // certificates issued at this instant.
//! let at = ca_core::IssueContext::at(time::OffsetDateTime::now_utc());
//! let desired = apply::load(std::path::Path::new("pki.toml"), at.now)?;
//! let ca_dir = CaDir::at(desired.ca_dir.clone().unwrap_or_else(|| "ca".into()));
//! let outcome = apply::apply(&desired, &ca_dir, &ApplyOptions::default(), &at)?;
//! println!("changed: {}", outcome.plan.changes());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod constraints;
pub mod diagnostic;
pub mod drift;
pub mod execute;
pub mod plan;
pub mod schema;
pub mod spec;
pub mod validate;

use std::path::Path;

pub use diagnostic::{Diagnostic, SpecErrors};
pub use execute::Passphrases;
pub use plan::{Action, Plan, Step, StepKind};
pub use validate::{Desired, DesiredLeaf};

use time::OffsetDateTime;

use crate::context::IssueContext;
use crate::error::Result;
use crate::passphrase::Passphrase;
use crate::store::CaDir;

/// Why a file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: cannot read the apply file: {source}")]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Mistakes in the file, each with its line and column.
    #[error("{0}")]
    Spec(#[from] SpecErrors),
}

/// Parses and checks a file's text (`path` is only for messages) at
/// the time `now`.
pub fn parse(source: &str, path: &Path, now: OffsetDateTime) -> Result<Desired, SpecErrors> {
    let file: spec::SpecFile = toml::from_str(source).map_err(|e| SpecErrors {
        file: path.to_path_buf(),
        diagnostics: vec![diagnostic::from_toml(source, &e)],
    })?;
    validate::validate(&file, source, path, now)
}

/// Reads, parses and checks an apply file.
pub fn load(path: &Path, now: OffsetDateTime) -> Result<Desired, LoadError> {
    let source = crate::input::read_file_to_string(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(parse(&source, path, now)?)
}

/// How to apply.
#[derive(Debug, Default, Clone)]
pub struct ApplyOptions {
    /// Only make the plan.
    pub dry_run: bool,
    /// Replace leaf files this CA directory did not issue.
    pub force: bool,
    /// Encrypts new keys (and reads existing leaf keys).
    pub key_passphrase: Option<Passphrase>,
    /// Unlocks the CA keys; the key passphrase when `None`.
    pub ca_passphrase: Option<Passphrase>,
    /// Told before each CA or leaf is made (a progress bar for long runs).
    pub progress: StepProgress,
}

/// A callback told `(made so far, to make in all, the step about to be
/// made)` before each step that creates or reissues something.
#[derive(Clone, Default)]
pub struct StepProgress(Option<std::sync::Arc<ProgressFn>>);

type ProgressFn = dyn Fn(usize, usize, &Step) + Send + Sync;

impl StepProgress {
    pub fn new(report: impl Fn(usize, usize, &Step) + Send + Sync + 'static) -> Self {
        StepProgress(Some(std::sync::Arc::new(report)))
    }

    pub(crate) fn report(&self, done: usize, total: usize, step: &Step) {
        if let Some(report) = &self.0 {
            report(done, total, step);
        }
    }
}

impl std::fmt::Debug for StepProgress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "StepProgress(set)"
        } else {
            "StepProgress(none)"
        })
    }
}

/// What an apply did (or, with `dry_run`, would do).
#[derive(Debug, Clone)]
pub struct Outcome {
    pub plan: Plan,
    pub warnings: Vec<String>,
}

/// Plans and, unless `dry_run`, executes. Applies to one CA directory run
/// one at a time (they hold `CA_DIR/apply.lock` from plan to end), so
/// concurrent runs of the same file do the work once; each certificate is
/// recorded under the CA directory's own lock, as `ca issue` does.
/// Renewal is judged, and everything issued, at the one instant `at.now`.
pub fn apply(
    desired: &Desired,
    ca_dir: &CaDir,
    options: &ApplyOptions,
    at: &IssueContext,
) -> Result<Outcome> {
    let now = at.now;
    let key = options.key_passphrase.as_ref();
    if options.dry_run {
        let plan = plan::plan(desired, ca_dir, now, options.force, key)?;
        let warnings = plan.warnings.clone();
        return Ok(Outcome { plan, warnings });
    }
    let _lock = ca_dir.apply_lock()?;
    let mut plan = plan::plan(desired, ca_dir, now, options.force, key)?;
    let mut warnings = plan.warnings.clone();
    let passphrases = Passphrases {
        key,
        ca: options.ca_passphrase.as_ref().or(key),
    };
    warnings.extend(execute::execute(
        desired,
        &mut plan,
        ca_dir,
        passphrases,
        &options.progress,
        at,
    )?);
    Ok(Outcome { plan, warnings })
}

#[cfg(test)]
mod tests;
