//! Carries out a plan: creates the missing CAs, then issues the leaves
//! the plan creates or reissues through the CA directory's issuing pipeline
//! ([`CaDir::issue_by`]): each leaf is recorded in the index before its
//! files are written (atomically, all three or none), so a crash never
//! leaves a certificate on disk that the CA directory does not know.

use std::collections::HashMap;

use super::plan::{Action, Plan, StepKind};
use super::validate::Desired;
use super::StepProgress;
use crate::atomic::Overwrite;
use crate::context::IssueContext;
use crate::error::Result;
use crate::issuer::Issuer;
use crate::passphrase::Passphrase;
use crate::store::{CaDir, IssueRequest, OutputFile, OutputKind, ROOT};
use crate::validity::rfc3339;

/// Passphrases: for new keys (CA and leaf) and for the CA keys that sign.
#[derive(Debug, Default, Clone, Copy)]
pub struct Passphrases<'a> {
    pub key: Option<&'a Passphrase>,
    pub ca: Option<&'a Passphrase>,
}

/// Executes `plan` (made from `desired` against `ca_dir` at `at.now`);
/// fills in the serial and notAfter of what it made, and returns the
/// warnings.
pub fn execute(
    desired: &Desired,
    plan: &mut Plan,
    ca_dir: &CaDir,
    passphrases: Passphrases<'_>,
    progress: &StepProgress,
    at: &IssueContext,
) -> Result<Vec<String>> {
    let mut warnings = Vec::new();
    let mut issuers: HashMap<String, Issuer> = HashMap::new();
    let total = plan
        .steps
        .iter()
        .filter(|s| s.action != Action::Keep)
        .count();
    let mut done = 0;
    for step in plan.steps.iter_mut() {
        if step.action == Action::Keep {
            continue;
        }
        progress.report(done, total, step);
        done += 1;
        let made = match step.kind {
            StepKind::Root => {
                let created = ca_dir.ensure_initialized(&desired.root, passphrases.key, at)?;
                created.map(|c| {
                    warnings.extend(c.warnings);
                    c.issuer
                })
            }
            StepKind::Intermediate => {
                let ca = desired
                    .intermediates
                    .iter()
                    .find(|c| c.name == step.name)
                    .expect("plan steps come from the file");
                let created = ca_dir.create_intermediate(
                    &ca.name,
                    &ca.options,
                    passphrases.ca.or(passphrases.key),
                    passphrases.key,
                    at,
                )?;
                warnings.extend(created.warnings);
                Some(created.issuer)
            }
            StepKind::Leaf => {
                let leaf = desired
                    .leaves
                    .iter()
                    .find(|l| l.name == step.name)
                    .expect("plan steps come from the file");
                if !issuers.contains_key(&leaf.issuer) {
                    let issuer = ca_dir.load_issuer(Some(&leaf.issuer), passphrases.ca)?;
                    issuers.insert(leaf.issuer.clone(), issuer);
                }
                let request = IssueRequest {
                    issuer: &leaf.issuer,
                    leaf: leaf.options.clone(),
                    csr: None,
                    outputs: vec![
                        OutputFile::new(OutputKind::Key, &leaf.key),
                        OutputFile::new(OutputKind::Cert, &leaf.cert),
                        OutputFile::new(OutputKind::Chain, &leaf.chain),
                        OutputFile::new(OutputKind::FullChain, &leaf.fullchain),
                    ],
                    // Create: none of the files exists (refuse if one
                    // appeared since); Reissue: the plan checked they are ours.
                    overwrite: match step.action {
                        Action::Reissue => Overwrite::Replace,
                        _ => Overwrite::Refuse,
                    },
                    key_passphrase: passphrases.key,
                    ca_passphrase: passphrases.ca,
                    create_root: None,
                };
                let outcome = ca_dir.issue_by(&issuers[&leaf.issuer], &request, at)?;
                warnings.extend(
                    outcome
                        .issued
                        .warnings
                        .iter()
                        .map(|w| format!("leaf '{}': {w}", leaf.name)),
                );
                step.serial = Some(outcome.entry.serial.to_hex());
                step.not_after = Some(outcome.entry.not_after.clone());
                continue;
            }
        };
        if let Some(issuer) = made {
            let info = issuer.cert().info();
            step.serial = Some(info.serial.to_hex());
            step.not_after = Some(rfc3339(info.not_after));
            // Just made: no need to read it back (and its key) for leaves.
            let name = if step.kind == StepKind::Root {
                ROOT
            } else {
                &step.name
            };
            issuers.insert(name.to_string(), issuer);
        }
    }
    Ok(warnings)
}
