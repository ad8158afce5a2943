//! Carries out a plan: creates the missing CAs, then issues the leaves
//! the plan creates or reissues. Each leaf is recorded in the index before
//! its files are written (atomically, all three or none), so a crash never
//! leaves a certificate on disk that the CA directory does not know.

use std::collections::HashMap;

use super::plan::{Action, Plan};
use super::validate::Desired;
use crate::atomic::{self, FileMode, FileToWrite, Overwrite};
use crate::error::{Error, Result};
use crate::issuer::Issuer;
use crate::passphrase::Passphrase;
use crate::store::{CaDir, ROOT};
use crate::validity::rfc3339;

/// Passphrases: for new keys (CA and leaf) and for the CA keys that sign.
#[derive(Debug, Default, Clone, Copy)]
pub struct Passphrases<'a> {
    pub key: Option<&'a Passphrase>,
    pub ca: Option<&'a Passphrase>,
}

/// Executes `plan` (made from `desired` against `ca_dir`); fills in the
/// serial and notAfter of what it made, and returns the warnings.
pub fn execute(
    desired: &Desired,
    plan: &mut Plan,
    ca_dir: &CaDir,
    passphrases: Passphrases<'_>,
) -> Result<Vec<String>> {
    let mut warnings = Vec::new();
    let mut issuers: HashMap<String, Issuer> = HashMap::new();
    for step in plan.steps.iter_mut() {
        if step.action == Action::Keep {
            continue;
        }
        let made = match step.kind {
            "root" => {
                let created = ca_dir.ensure_initialized(&desired.root, passphrases.key)?;
                created.map(|c| {
                    warnings.extend(c.warnings);
                    c.issuer
                })
            }
            "intermediate" => {
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
                )?;
                warnings.extend(created.warnings);
                Some(created.issuer)
            }
            _ => {
                let leaf = desired
                    .leaves
                    .iter()
                    .find(|l| l.name == step.name)
                    .expect("plan steps come from the file");
                if !issuers.contains_key(&leaf.issuer) {
                    let issuer = ca_dir.load_issuer(Some(&leaf.issuer), passphrases.ca)?;
                    issuers.insert(leaf.issuer.clone(), issuer);
                }
                let issuer = &issuers[&leaf.issuer];
                let issued = issuer.issue(&leaf.options)?;
                let key = issued.key.as_ref().expect("issue() makes a key");
                let key_pem = key.to_pem_with(passphrases.key)?;
                ca_dir.record(
                    &issued.cert,
                    &leaf.issuer,
                    issued.profile,
                    key.key_type(),
                    Some(&leaf.cert),
                )?;
                for path in [&leaf.cert, &leaf.key, &leaf.chain] {
                    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                        std::fs::create_dir_all(parent)
                            .map_err(|e| Error::io(parent, "create the directory", e))?;
                    }
                }
                let files = [
                    file(&leaf.key, key_pem, FileMode::Private),
                    file(&leaf.cert, issued.cert.pem(), FileMode::Public),
                    file(&leaf.chain, issued.chain_pem(), FileMode::Public),
                ];
                // Create: none of the files exists (refuse if one appeared
                // since); Reissue: the plan checked they are ours.
                let overwrite = match step.action {
                    Action::Reissue => Overwrite::Replace,
                    _ => Overwrite::Refuse,
                };
                atomic::write_files(&files, overwrite)?;
                warnings.extend(
                    issued
                        .warnings
                        .iter()
                        .map(|w| format!("leaf '{}': {w}", leaf.name)),
                );
                let info = issued.cert.info();
                step.serial = Some(info.serial.to_hex());
                step.not_after = Some(rfc3339(info.not_after));
                continue;
            }
        };
        if let Some(issuer) = made {
            let info = issuer.cert().info();
            step.serial = Some(info.serial.to_hex());
            step.not_after = Some(rfc3339(info.not_after));
            // Just made: no need to read it back (and its key) for leaves.
            let name = if step.kind == "root" {
                ROOT
            } else {
                &step.name
            };
            issuers.insert(name.to_string(), issuer);
        }
    }
    Ok(warnings)
}

fn file(path: &std::path::Path, contents: impl Into<Vec<u8>>, mode: FileMode) -> FileToWrite {
    FileToWrite {
        path: path.to_path_buf(),
        contents: contents.into(),
        mode,
    }
}
