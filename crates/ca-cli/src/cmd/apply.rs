//! `ca apply FILE`: make the CA directory and the issued files match a
//! declarative TOML file.

use std::path::{Path, PathBuf};

use ca_core::apply::{self, Action, ApplyOptions, LoadError, Outcome, StepKind, StepProgress};
use ca_core::store::{resolve_ca_dir, ROOT};
use ca_core::text::escape_untrusted as esc;
use ca_core::CaDir;
use serde_json::json;

use super::common::{abs, clock, core_error, print_json, warn_all, CaDirArgs, PassphraseArgs};
use crate::exit::CliError;

/// Create or update a whole PKI from one TOML file.
///
/// The file describes a root, intermediates (path length, name
/// constraints) and leaves (server or client, names, key type, validity,
/// output files, renewal threshold); docs/apply.md documents every key and
/// `ca schema` prints its JSON Schema. Relative paths in the file resolve
/// against the current directory.
///
/// Creates what is missing and leaves what is valid untouched: a second
/// run changes no byte and says so. Reissues a leaf that is expired, due
/// for renewal (renew_before), or whose names, kind, key type or issuer no
/// longer match the file. It overwrites only leaf files that this CA
/// directory issued (and that it decided to reissue); a file it did not
/// issue is refused unless --force. CAs that exist are never replaced.
///
/// Mistakes in the file are reported with their line and column before any
/// key is generated or any file written.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  ca apply pki.toml --dry-run
  ca apply pki.toml --json
  ca schema > apply.schema.json

The CA directory is --ca-dir, else the file's ca_dir, else $CA_DIR, else the default.

Exit codes: 0 applied (or nothing to do); 1 refused (a file this CA did not issue is in \
the way: use --force); 2 bad input (a mistake in the file, an unreadable key or CA).")]
pub struct Args {
    /// The TOML file describing the PKI.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Print the plan without generating or writing anything.
    #[arg(long)]
    pub dry_run: bool,

    /// Print the plan (with --dry-run) or the result as one JSON object.
    #[arg(long)]
    pub json: bool,

    /// Replace leaf files that this CA directory did not issue.
    #[arg(long)]
    pub force: bool,

    #[command(flatten)]
    pub passphrases: PassphraseArgs,

    #[command(flatten)]
    pub ca: CaDirArgs,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let at = clock();
    let desired = apply::load(&args.file, at.now).map_err(|e| match e {
        LoadError::Io { .. } => CliError::bad_input(e.to_string()),
        LoadError::Spec(errors) => CliError::bad_input(format!(
            "{errors}\n{} mistake(s) in {}; nothing was generated or written",
            errors.diagnostics.len(),
            args.file.display()
        )),
    })?;
    let explicit = args.ca.ca_dir.clone().or_else(|| desired.ca_dir.clone());
    let ca_dir = CaDir::at(resolve_ca_dir(explicit.as_deref()).map_err(core_error)?);
    let mut options = ApplyOptions {
        dry_run: args.dry_run,
        force: args.force,
        key_passphrase: args.passphrases.key()?,
        ca_passphrase: args.passphrases.ca()?,
        progress: StepProgress::default(),
    };
    // A bar over the CAs and leaves to make: a run with many leaves (or
    // RSA keys) takes a while.
    let progress = super::progress::Progress::bar(0, args.json);
    let bar = progress.handle();
    options.progress = StepProgress::new(move |done, total, step| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
        bar.set_message(format!(
            "{} {} {}",
            step.action.as_str(),
            step.kind.as_str(),
            step.name
        ));
    });
    let outcome = apply::apply(&desired, &ca_dir, &options, &at).map_err(core_error)?;
    drop(progress);
    if !args.dry_run {
        let made = outcome
            .plan
            .steps
            .iter()
            .filter(|s| s.action != Action::Keep);
        for step in made {
            // A CA's key lands in the CA directory, which a file's relative
            // `ca_dir` may put inside the repository.
            let key = match (step.kind, &step.files) {
                (_, Some(files)) => files.key.clone(),
                (StepKind::Root, None) => ca_dir.key_path(ROOT),
                (_, None) => ca_dir.key_path(&step.name),
            };
            super::key_safety::warn_if_git_would_commit(&key);
        }
    }
    if args.json {
        return print_json(&json!({
            "file": abs(&args.file),
            "ca_dir": abs(ca_dir.path()),
            "dry_run": args.dry_run,
            "changed": outcome.plan.changes() && !args.dry_run,
            "would_change": outcome.plan.changes(),
            "steps": outcome.plan.steps,
            "warnings": outcome.warnings,
        }));
    }
    warn_all(&outcome.warnings);
    print_text(&args.file, &ca_dir, &outcome, args.dry_run);
    Ok(())
}

fn print_text(file: &Path, ca_dir: &CaDir, outcome: &Outcome, dry_run: bool) {
    let plan = &outcome.plan;
    if !plan.changes() {
        println!(
            "Nothing to do: everything {} describes is in place (CA directory {}); no file was changed.",
            file.display(),
            ca_dir.path().display()
        );
        return;
    }
    println!(
        "{} {} (CA directory {}):",
        if dry_run { "Plan for" } else { "Applied" },
        file.display(),
        ca_dir.path().display()
    );
    for step in &plan.steps {
        // Names and reasons come from the file (and from certificates on disk): escaped.
        let mut line = format!(
            "  {:<8}{:<13}{}",
            step.action.as_str(),
            step.kind.as_str(),
            esc(&step.name)
        );
        if let Some(files) = &step.files {
            line.push_str(&format!(" -> {}", files.cert.display()));
        }
        if step.action != Action::Keep {
            let reasons: Vec<_> = step.reasons.iter().map(|r| esc(r)).collect();
            line.push_str(&format!(": {}", reasons.join("; ")));
        }
        println!("{line}");
    }
    let count = |a: Action| plan.steps.iter().filter(|s| s.action == a).count();
    println!(
        "{}{} created, {} reissued, {} kept.",
        if dry_run { "Would make: " } else { "" },
        count(Action::Create),
        count(Action::Reissue),
        count(Action::Keep)
    );
    if dry_run {
        println!("Dry run: nothing was generated or written.");
    }
}
