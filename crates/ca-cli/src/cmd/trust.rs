//! `ca trust install|uninstall|status|env`: make the CA's root trusted
//! where clients look for it. The stores live in the ca-trust crate; this
//! file picks the certificate and the stores, and reports.

use std::path::{Path, PathBuf};

use ca_core::CertDer;
use ca_trust::env::{self as trust_env, Shell};
use ca_trust::{Anchor, Change, Detection, Places, StoreKind, TrustError, TrustStore};
use serde_json::json;

use super::common::{abs, core_error, print_json, CaDirArgs};
use crate::exit::CliError;

/// Install the CA's root into the trust stores clients read (system, NSS for
/// Chromium and Firefox, Java), check it, or remove it.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Stores: system (update-ca-certificates, update-ca-trust or p11-kit's trust), \
nss (certutil: ~/.pki/nssdb and every Firefox profile), java (keytool: cacerts), \
macos and windows (untested). See docs/trust.md.

Exit codes: 0 done (status: installed in every store asked); 1 a store failed \
or (status) the root is missing somewhere; 2 bad input.")]
pub struct Args {
    #[command(subcommand)]
    command: TrustCommand,
}

#[derive(clap::Subcommand, Debug)]
enum TrustCommand {
    /// Install the root into each store (by default every store found).
    Install(StoreArgs),
    /// Remove exactly this root from each store, nothing else.
    Uninstall(StoreArgs),
    /// Show, for each store, whether the root is installed and trusted.
    Status(StatusArgs),
    /// Print environment variables for runtimes with their own roots.
    Env(EnvArgs),
}

/// The certificate: the CA directory's root, or a file.
#[derive(clap::Args, Debug)]
struct Source {
    #[command(flatten)]
    ca_dir: CaDirArgs,

    /// Trust this CA certificate (PEM or DER; the first of a bundle)
    /// instead of the CA directory's root.
    #[arg(long, value_name = "FILE", conflicts_with = "ca_dir")]
    cert: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct StoreArgs {
    #[command(flatten)]
    source: Source,

    /// The stores, comma-separated: system, nss, java, macos, windows
    /// [default: every store found on this machine].
    #[arg(long, value_name = "STORES", value_delimiter = ',', value_parser = parse_store)]
    store: Vec<StoreKind>,

    /// The root of the filesystem holding the system store (an image
    /// being prepared for a container; Debian layout only).
    #[arg(long, value_name = "DIR", default_value = "/")]
    root_dir: PathBuf,

    /// A Java keystore to use instead of the runtime's cacerts (password
    /// `changeit`).
    #[arg(long, value_name = "FILE")]
    java_keystore: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct StatusArgs {
    #[command(flatten)]
    stores: StoreArgs,

    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args, Debug)]
struct EnvArgs {
    #[command(flatten)]
    source: Source,

    /// The shell to print for.
    #[arg(long, value_enum, default_value = "sh")]
    shell: ShellName,

    /// Where to write the bundle and the root's PEM [default: the CA
    /// directory's `trust/` folder].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// The root of the filesystem holding the system's bundle of roots.
    #[arg(long, value_name = "DIR", default_value = "/")]
    root_dir: PathBuf,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy)]
enum ShellName {
    Sh,
    Fish,
    Powershell,
}

fn parse_store(s: &str) -> Result<StoreKind, String> {
    s.trim().parse()
}

pub fn run(args: Args) -> Result<(), CliError> {
    match args.command {
        TrustCommand::Install(a) => change(a, Direction::Install),
        TrustCommand::Uninstall(a) => change(a, Direction::Uninstall),
        TrustCommand::Status(a) => status(a),
        TrustCommand::Env(a) => env(a),
    }
}

/// The certificate to trust and the file it came from.
fn anchor(source: &Source) -> Result<(Anchor, PathBuf), CliError> {
    let path = match &source.cert {
        Some(file) => file.clone(),
        None => {
            let dir = source.ca_dir.ca_dir()?;
            if !dir.is_initialized() {
                return Err(CliError::bad_input(format!(
                    "{}: no CA here; create one with `ca init`, or give --ca-dir DIR or --cert FILE",
                    dir.path().display()
                )));
            }
            dir.anchor_path()
        }
    };
    let cert = CertDer::read_file(&path).map_err(core_error)?;
    let anchor =
        Anchor::new(cert).map_err(|e| CliError::bad_input(format!("{}: {e}", path.display())))?;
    Ok((anchor, path))
}

fn places(args: &StoreArgs) -> Places {
    let mut places = Places::from_process();
    places.root = args.root_dir.clone();
    places.java_keystore = args.java_keystore.clone();
    places
}

/// A store, or why it cannot be used here.
type OpenedStore = Result<Box<dyn TrustStore>, TrustError>;

/// The stores asked for, or (none asked) every store found here, each
/// opened. Stores of this platform that are not here are said so on
/// stderr, never skipped in silence.
fn stores(args: &StoreArgs, places: &Places) -> Vec<(StoreKind, OpenedStore)> {
    if !args.store.is_empty() {
        return unique(&args.store)
            .into_iter()
            .map(|k| (k, ca_trust::open(k, places)))
            .collect();
    }
    let mut found = Vec::new();
    for kind in StoreKind::on_this_platform() {
        let store = ca_trust::open(kind, places);
        let absent = match &store {
            Ok(s) => match s.detect() {
                Detection::Found(_) => None,
                Detection::Absent(why) => Some(why),
            },
            Err(e) => Some(e.to_string()),
        };
        match absent {
            None => found.push((kind, store)),
            Some(why) => eprintln!("{kind}: skipped, not on this machine ({why})"),
        }
    }
    found
}

/// The stores in the order asked, each once.
fn unique(kinds: &[StoreKind]) -> Vec<StoreKind> {
    let mut seen = Vec::new();
    for k in kinds {
        if !seen.contains(k) {
            seen.push(*k);
        }
    }
    seen
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Install,
    Uninstall,
}

fn change(args: StoreArgs, direction: Direction) -> Result<(), CliError> {
    let (anchor, cert_path) = anchor(&args.source)?;
    let places = places(&args);
    let stores = stores(&args, &places);
    let verb = match direction {
        Direction::Install => "install",
        Direction::Uninstall => "uninstall",
    };
    if stores.is_empty() {
        return Err(CliError::refused(format!(
            "no trust store found on this machine (looked for: {}); nothing was {verb}ed. \
             Install the tools (e.g. Debian `ca-certificates`, `libnss3-tools`) or name a \
             store with --store",
            StoreKind::on_this_platform()
                .iter()
                .map(|k| k.name())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    println!(
        "{} \"{}\" (SHA-256 {}) as {}",
        match direction {
            Direction::Install => "installing",
            Direction::Uninstall => "uninstalling",
        },
        anchor.subject(),
        anchor.sha256(),
        anchor.name()
    );
    let mut failed = Vec::new();
    let mut changed = 0;
    for (kind, store) in stores {
        let result = store.and_then(|s| match direction {
            Direction::Install => ca_trust::install_checked(s.as_ref(), &anchor),
            Direction::Uninstall => ca_trust::uninstall_checked(s.as_ref(), &anchor),
        });
        match result {
            Ok(changes) => {
                if changes.is_empty() {
                    println!("{kind}: no database to {verb} from, unchanged");
                }
                for Change { location, action } in &changes {
                    println!("{kind}: {location}: {}", action.describe());
                    changed += usize::from(action.changed());
                }
            }
            Err(e) => {
                let mut message = format!("{kind}: {e}");
                if e.needs_root() {
                    message += &format!(
                        "; run: sudo {}",
                        rerun_command(verb, kind, &cert_path, &args)
                    );
                }
                eprintln!("error: {message}");
                failed.push(kind);
            }
        }
    }
    if !failed.is_empty() {
        let names: Vec<_> = failed.iter().map(|k| k.name()).collect();
        return Err(CliError::refused(format!(
            "{verb} failed in {} store{}: {} (see above)",
            failed.len(),
            if failed.len() == 1 { "" } else { "s" },
            names.join(", ")
        )));
    }
    if changed == 0 {
        println!(
            "nothing changed: {} was already {}",
            anchor.name(),
            match direction {
                Direction::Install => "installed in every store asked",
                Direction::Uninstall => "absent from every store asked",
            }
        );
    }
    Ok(())
}

/// The same command for one store, with absolute paths, for `sudo`.
/// Only the options that store reads; NSS databases are found from HOME,
/// which sudo resets, so it is passed on.
fn rerun_command(verb: &str, kind: StoreKind, cert: &Path, args: &StoreArgs) -> String {
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "ca".into());
    let mut line = String::new();
    if kind == StoreKind::Nss {
        if let Some(home) = std::env::var_os("HOME") {
            line += &format!(
                "env HOME={} ",
                shell_word(&Path::new(&home).display().to_string())
            );
        }
    }
    line += &format!(
        "{} trust {verb} --store {kind} --cert {}",
        shell_word(&exe),
        shell_word(&abs(cert))
    );
    if kind == StoreKind::System && args.root_dir != Path::new("/") {
        line += &format!(" --root-dir {}", shell_word(&abs(&args.root_dir)));
    }
    if kind == StoreKind::Java {
        if let Some(ks) = &args.java_keystore {
            line += &format!(" --java-keystore {}", shell_word(&abs(ks)));
        }
    }
    line
}

fn shell_word(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+=:".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

fn status(args: StatusArgs) -> Result<(), CliError> {
    let (anchor, _) = anchor(&args.stores.source)?;
    let places = places(&args.stores);
    let asked = !args.stores.store.is_empty();
    let kinds = if asked {
        unique(&args.stores.store)
    } else {
        StoreKind::on_this_platform()
    };
    let mut everywhere = true;
    let mut any_found = false;
    let mut reports = Vec::new();
    for kind in kinds {
        let report = store_status(kind, &places, &anchor);
        let counts = asked || report.found;
        any_found |= report.found;
        if counts && !report.installed() {
            everywhere = false;
        }
        reports.push(report);
    }
    if !any_found {
        everywhere = false;
    }
    if args.json {
        let stores: Vec<_> = reports
            .iter()
            .map(|r| {
                json!({
                    "store": r.kind,
                    "found": r.found,
                    "detail": r.detail,
                    "installed": r.installed(),
                    "locations": r.locations,
                    "error": r.error,
                })
            })
            .collect();
        print_json(&json!({
            "name": anchor.name(),
            "subject": anchor.subject(),
            "sha256": anchor.sha256(),
            "installed_everywhere": everywhere,
            "stores": stores,
        }))?;
    } else {
        println!(
            "\"{}\" (SHA-256 {}) as {}",
            anchor.subject(),
            anchor.sha256(),
            anchor.name()
        );
        for r in &reports {
            print_store_status(r);
        }
    }
    if everywhere {
        Ok(())
    } else {
        Err(CliError::refused(if any_found {
            "not installed and trusted in every store asked"
        } else {
            "no trust store found on this machine"
        }))
    }
}

struct StoreStatus {
    kind: StoreKind,
    found: bool,
    detail: String,
    locations: Vec<ca_trust::LocationStatus>,
    error: Option<String>,
}

impl StoreStatus {
    /// Installed and trusted at every place, and at least one place.
    fn installed(&self) -> bool {
        self.error.is_none() && !self.locations.is_empty() && self.locations.iter().all(|l| l.ok())
    }
}

fn store_status(kind: StoreKind, places: &Places, anchor: &Anchor) -> StoreStatus {
    let store = match ca_trust::open(kind, places) {
        Ok(s) => s,
        Err(e) => {
            return StoreStatus {
                kind,
                found: false,
                detail: e.to_string(),
                locations: Vec::new(),
                error: None,
            }
        }
    };
    match store.detect() {
        Detection::Absent(why) => StoreStatus {
            kind,
            found: false,
            detail: why,
            locations: Vec::new(),
            error: None,
        },
        Detection::Found(detail) => {
            let (locations, error) = match store.status(anchor) {
                Ok(l) => (l, None),
                Err(e) => (Vec::new(), Some(e.to_string())),
            };
            StoreStatus {
                kind,
                found: true,
                detail,
                locations,
                error,
            }
        }
    }
}

fn print_store_status(r: &StoreStatus) {
    if !r.found {
        println!("{}: not on this machine ({})", r.kind, r.detail);
        return;
    }
    println!("{}: {}", r.kind, r.detail);
    if let Some(e) = &r.error {
        println!("  error: {e}");
    }
    if r.locations.is_empty() && r.error.is_none() {
        println!("  no database yet: not installed");
    }
    for l in &r.locations {
        let state = match (l.installed, l.trusted_for_servers) {
            (true, true) => "installed, trusted for TLS servers",
            (true, false) => "installed, NOT trusted for TLS servers",
            (false, true) => "not installed under our name, but trusted (added some other way)",
            (false, false) => "not installed",
        };
        println!("  {}: {state}", l.location);
    }
}

fn env(args: EnvArgs) -> Result<(), CliError> {
    let (anchor, _) = anchor(&args.source)?;
    let dir = match &args.out {
        Some(dir) => dir.clone(),
        None => args.source.ca_dir.ca_dir()?.path().join("trust"),
    };
    let mut places = Places::from_process();
    places.root = args.root_dir.clone();
    let files = trust_env::write_files(&anchor, &dir, &places)
        .map_err(|e| CliError::bad_input(e.to_string()))?;
    if files.system_bundle.is_none() {
        eprintln!(
            "warning: no bundle of system roots found (install the Debian package \
             `ca-certificates`); {} holds only {}, so public sites will fail with it",
            files.bundle.display(),
            anchor.name()
        );
    }
    let shell = match args.shell {
        ShellName::Sh => Shell::Sh,
        ShellName::Fish => Shell::Fish,
        ShellName::Powershell => Shell::Powershell,
    };
    let absolute: Vec<(&str, PathBuf)> = trust_env::variables(&files)
        .into_iter()
        .map(|(name, path)| (name, PathBuf::from(abs(path))))
        .collect();
    let vars: Vec<(&str, &Path)> = absolute.iter().map(|(n, p)| (*n, p.as_path())).collect();
    print!("{}", trust_env::render(shell, &vars));
    Ok(())
}
