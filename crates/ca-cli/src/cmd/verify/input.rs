//! Reads what `ca verify` checks: the leaf (and the intermediates bundled
//! after it), more untrusted certificates, the trust anchors (files, the
//! system store or the CA directory's root) and CRLs.

use std::path::{Path, PathBuf};

use ca_core::inspect::{decode, Block, Kind};
use ca_verify::TrustAnchor;

use super::Args;
use crate::cmd::common::core_error;
use crate::cmd::inspect::Input;
use crate::exit::CliError;

/// Everything read, with where it came from (for the reports).
pub struct Inputs {
    /// The LEAF argument as given ("<stdin>" for -).
    pub leaf_name: String,
    pub leaf: Vec<u8>,
    /// Untrusted certificates: those after the leaf in its file, then --untrusted,
    /// then the CA directory's intermediates (when its root is the anchor).
    pub pool: Vec<Vec<u8>>,
    /// One line per source of untrusted certificates ("2 from chain.pem").
    pub pool_sources: Vec<String>,
    pub anchors: Vec<TrustAnchor>,
    /// Where each anchor came from, by index (for the walk of a failing path, which the
    /// verifier reports by position only).
    pub anchor_origins: Vec<String>,
    /// One line per source of anchors ("1 from the CA directory: DIR/root/cert.pem").
    pub anchor_sources: Vec<String>,
    pub crls: Vec<Vec<u8>>,
    pub crl_names: Vec<String>,
}

impl Inputs {
    pub fn read(args: &Args) -> Result<Inputs, CliError> {
        let (leaf_name, mut leaf_file) = read_certs(&args.leaf, "the certificate to verify")?;
        let leaf = leaf_file.remove(0);
        let mut inputs = Inputs {
            leaf_name,
            leaf,
            pool: Vec::new(),
            pool_sources: Vec::new(),
            anchors: Vec::new(),
            anchor_origins: Vec::new(),
            anchor_sources: Vec::new(),
            crls: Vec::new(),
            crl_names: Vec::new(),
        };
        let bundled = format!("after the leaf in {}", inputs.leaf_name);
        inputs.add_pool(leaf_file, &bundled);
        for path in &args.untrusted {
            let (name, certs) = read_certs(path, "intermediate certificates (--untrusted)")?;
            inputs.add_pool(certs, &name);
        }
        for path in &args.roots {
            inputs.add_root_file(path)?;
        }
        if args.system_roots {
            inputs.add_system_roots()?;
        }
        if args.roots.is_empty() && !args.system_roots {
            inputs.add_ca_dir(args)?;
        }
        for path in &args.crl {
            let (name, blocks) = read_blocks(path)?;
            let crls = of_kind(blocks, Kind::Crl);
            if crls.is_empty() {
                return Err(CliError::bad_input(format!(
                    "{name}: holds no CRL (X509 CRL); give a certificate revocation list, PEM or DER"
                )));
            }
            inputs.crls.extend(crls);
            inputs.crl_names.push(name);
        }
        Ok(inputs)
    }

    fn add_pool(&mut self, certs: Vec<Vec<u8>>, source: &str) {
        if !certs.is_empty() {
            self.pool_sources
                .push(format!("{} {source}", count(certs.len(), "certificate")));
            self.pool.extend(certs);
        }
    }

    fn add_anchor(&mut self, anchor: TrustAnchor, source: String) {
        self.anchors.push(anchor.with_source(source.clone()));
        self.anchor_origins.push(source);
    }

    fn add_root_file(&mut self, path: &Path) -> Result<(), CliError> {
        let (name, certs) = read_certs(path, "trusted root certificates (--roots)")?;
        let several = certs.len() > 1;
        for (i, der) in certs.iter().enumerate() {
            let source = if several {
                format!("{name} (certificate {})", i + 1)
            } else {
                name.clone()
            };
            let anchor = TrustAnchor::from_der(der).map_err(|e| {
                CliError::bad_input(format!(
                    "{source}: cannot be used as a trust anchor: {}; give the root certificate in PEM or DER",
                    e.reason
                ))
            })?;
            self.add_anchor(anchor, source);
        }
        self.anchor_sources
            .push(format!("{} from {name}", count(certs.len(), "certificate")));
        Ok(())
    }

    fn add_system_roots(&mut self) -> Result<(), CliError> {
        let path = system_store()?;
        let (name, certs) = read_certs(&path, "the system trust store")?;
        let source = format!("the system trust store {name}");
        let total = certs.len();
        let before = self.anchors.len();
        // Old roots the strict parser refuses cannot anchor a valid path anyway.
        for anchor in certs.iter().filter_map(|d| TrustAnchor::from_der(d).ok()) {
            self.add_anchor(anchor, source.clone());
        }
        let used = self.anchors.len() - before;
        let skipped = match total - used {
            0 => String::new(),
            n => format!(" ({n} more that do not parse strictly left out)"),
        };
        self.anchor_sources.push(format!(
            "{} from {source}{skipped}",
            count(used, "certificate")
        ));
        Ok(())
    }

    /// The CA directory's root as the anchor and its intermediates as untrusted certificates.
    fn add_ca_dir(&mut self, args: &Args) -> Result<(), CliError> {
        let dir = args.ca.ca_dir().ok().filter(|d| d.is_initialized());
        let Some(dir) = dir else {
            let where_ = match args.ca.ca_dir() {
                Ok(d) => format!(" (there is none in {})", d.path().display()),
                Err(_) => String::new(),
            };
            return Err(CliError::bad_input(format!(
                "no trust anchors: give --roots FILE (the root CA certificate), --system-roots \
                 (the system trust store), or --ca-dir DIR of a CA made with `ca init`{where_}"
            )));
        };
        // The directory's anchor, never an imported sub-CA itself: a
        // verifier must reach the root the CA was imported with.
        let trust = dir.trust_material().map_err(core_error)?;
        let name = trust.anchor_path.display().to_string();
        let source = format!("the CA directory {name}");
        let anchor = TrustAnchor::from_der(trust.anchor.der()).map_err(|e| {
            CliError::bad_input(format!(
                "{name}: cannot be used as a trust anchor: {}",
                e.reason
            ))
        })?;
        self.add_anchor(anchor, source.clone());
        self.anchor_sources
            .push(format!("1 certificate from {source}"));
        let untrusted: Vec<Vec<u8>> = trust.untrusted.iter().map(|c| c.der().to_vec()).collect();
        self.add_pool(
            untrusted,
            &format!("from the CA directory {}", dir.path().display()),
        );
        Ok(())
    }
}

fn system_store() -> Result<PathBuf, CliError> {
    ca_core::trust_store::system_bundle()
        .map_err(|e| CliError::bad_input(format!("--system-roots: {e}; or give --roots FILE")))
}

/// Every PEM block (or the one DER object) of a file or standard input.
fn read_blocks(path: &Path) -> Result<(String, Vec<Block>), CliError> {
    let input = Input::read(path)?;
    let decoded = decode(&input.bytes).map_err(|e| input.error(e))?;
    Ok((input.name, decoded.blocks))
}

/// The certificates of a file, in order; an error when it holds none.
fn read_certs(path: &Path, what: &str) -> Result<(String, Vec<Vec<u8>>), CliError> {
    let (name, blocks) = read_blocks(path)?;
    let kinds: Vec<&str> = blocks.iter().map(|b| b.kind.describe()).collect();
    let certs = of_kind(blocks, Kind::Certificate);
    if certs.is_empty() {
        return Err(CliError::bad_input(format!(
            "{name}: holds no certificate (found: {}); give {what}, PEM or DER",
            kinds.join(", ")
        )));
    }
    Ok((name, certs))
}

fn of_kind(blocks: Vec<Block>, kind: Kind) -> Vec<Vec<u8>> {
    blocks
        .into_iter()
        .filter(|b| b.kind == kind)
        .map(|b| b.der)
        .collect()
}

/// "1 certificate", "3 certificates".
pub fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
