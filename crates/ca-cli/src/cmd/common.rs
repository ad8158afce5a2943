//! Flags and helpers shared by the issuing commands (`init`,
//! `intermediate`, `issue`, `csr`, `sign`, `list`).

use std::path::{Path, PathBuf};

use ca_core::atomic::{self, FileMode, FileToWrite};
use ca_core::store::{locate_ca_dir, resolve_ca_dir, CaDirOrigin, OutputKind};
use ca_core::validity::parse_rfc3339;
use ca_core::{
    CaDir, CertDer, IssueContext, IssueOutcome, KeyError, NameConstraintsSpec, Passphrase, Subject,
    ValidityRequest,
};
use serde_json::{json, Map, Value};

use crate::exit::CliError;

/// `--ca-dir DIR`.
#[derive(clap::Args, Debug, Clone)]
pub struct CaDirArgs {
    /// The CA directory [default: $CA_DIR, else $XDG_DATA_HOME/ca, else
    /// ~/.local/share/ca].
    #[arg(long, value_name = "DIR")]
    pub ca_dir: Option<PathBuf>,
}

impl CaDirArgs {
    pub fn ca_dir(&self) -> Result<CaDir, CliError> {
        resolve_ca_dir(self.ca_dir.as_deref())
            .map(CaDir::at)
            .map_err(core_error)
    }

    /// The CA directory for a command that creates the root on first use
    /// (`ca issue`). Only the default location is created that way: a
    /// directory named with --ca-dir or CA_DIR must already hold a CA, so
    /// a mistyped path is refused (exit 2) instead of becoming a second CA.
    pub fn ca_dir_created_on_first_use(&self) -> Result<CaDir, CliError> {
        let (path, origin) = locate_ca_dir(self.ca_dir.as_deref()).map_err(core_error)?;
        let ca_dir = CaDir::at(path);
        // A file in the way is explained when the CA is opened.
        let missing_or_empty = !ca_dir.path().exists() || ca_dir.path().is_dir();
        if origin == CaDirOrigin::Default || ca_dir.is_initialized() || !missing_or_empty {
            return Ok(ca_dir);
        }
        Err(no_ca_in_named_dir(ca_dir.path(), origin))
    }
}

/// The refusal for a --ca-dir or CA_DIR that holds no CA.
fn no_ca_in_named_dir(path: &Path, origin: CaDirOrigin) -> CliError {
    let given = match origin {
        CaDirOrigin::Env => "CA_DIR",
        _ => "--ca-dir",
    };
    let state = if path.exists() {
        "holds no CA"
    } else {
        "does not exist"
    };
    CliError::bad_input(format!(
        "no CA here yet: {} (given with {given}) {state}. If that is the right \
         place, create the CA first with `ca init --ca-dir {}`; otherwise fix the \
         path. Only the default CA directory is created on first use, so a \
         mistyped path never makes a second CA.",
        path.display(),
        shell_quote(&path.display().to_string()),
    ))
}

/// `text` as one shell word, for commands the user may copy.
fn shell_quote(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+:=@%,".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// Passphrases: for the key a command writes, and for the CA key it
/// signs with. Never taken as a command-line value.
#[derive(clap::Args, Debug, Clone)]
pub struct PassphraseArgs {
    /// Encrypt the new private key with the passphrase in FILE (one
    /// trailing newline is ignored). Also unlocks an encrypted CA key when
    /// --ca-passphrase-* is not given.
    #[arg(long, value_name = "FILE", conflicts_with = "passphrase_env")]
    pub passphrase_file: Option<PathBuf>,

    /// Like --passphrase-file, with the passphrase in the environment
    /// variable VAR.
    #[arg(long, value_name = "VAR")]
    pub passphrase_env: Option<String>,

    /// Unlock an encrypted CA key with the passphrase in FILE.
    #[arg(long, value_name = "FILE", conflicts_with = "ca_passphrase_env")]
    pub ca_passphrase_file: Option<PathBuf>,

    /// Unlock an encrypted CA key with the passphrase in the environment
    /// variable VAR.
    #[arg(long, value_name = "VAR")]
    pub ca_passphrase_env: Option<String>,
}

impl PassphraseArgs {
    /// The passphrase for keys this command writes.
    pub fn key(&self) -> Result<Option<Passphrase>, CliError> {
        read_passphrase(
            self.passphrase_file.as_deref(),
            self.passphrase_env.as_deref(),
        )
    }

    /// The passphrase for the CA key: --ca-passphrase-*, else --passphrase-*.
    pub fn ca(&self) -> Result<Option<Passphrase>, CliError> {
        match read_passphrase(
            self.ca_passphrase_file.as_deref(),
            self.ca_passphrase_env.as_deref(),
        )? {
            Some(p) => Ok(Some(p)),
            None => self.key(),
        }
    }
}

/// The CA key's passphrase alone, for commands that write no private key
/// (`ca sign`). `--passphrase-file`/`--passphrase-env`, which it took
/// before, still work as hidden aliases.
#[derive(clap::Args, Debug, Clone)]
pub struct CaPassphraseArgs {
    /// Unlock an encrypted CA key with the passphrase in FILE (one
    /// trailing newline is ignored).
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "ca_passphrase_env",
        alias = "passphrase-file"
    )]
    pub ca_passphrase_file: Option<PathBuf>,

    /// Unlock an encrypted CA key with the passphrase in the environment
    /// variable VAR.
    #[arg(long, value_name = "VAR", alias = "passphrase-env")]
    pub ca_passphrase_env: Option<String>,
}

impl CaPassphraseArgs {
    pub fn ca(&self) -> Result<Option<Passphrase>, CliError> {
        read_passphrase(
            self.ca_passphrase_file.as_deref(),
            self.ca_passphrase_env.as_deref(),
        )
    }
}

fn read_passphrase(file: Option<&Path>, env: Option<&str>) -> Result<Option<Passphrase>, CliError> {
    let read = match (file, env) {
        (Some(f), _) => Passphrase::from_file(f),
        (None, Some(v)) => Passphrase::from_env(v),
        (None, None) => return Ok(None),
    };
    read.map(Some).map_err(core_error)
}

/// `--days`, `--not-before`, `--not-after`.
#[derive(clap::Args, Debug, Clone)]
pub struct ValidityArgs {
    /// Days the certificate is valid, from --not-before (or now).
    // Negative numbers parse as values, so `--days -5` is refused as a bad
    // value rather than with clap's "to pass '-5' as a value, use '-- -5'".
    #[arg(
        long,
        value_name = "N",
        conflicts_with = "not_after",
        allow_negative_numbers = true
    )]
    pub days: Option<u32>,

    /// Start of validity, RFC 3339 (e.g. 2030-01-31T12:00:00Z) [default: now].
    /// A window in the past is allowed (for tests) with a warning.
    #[arg(long, value_name = "TIME")]
    pub not_before: Option<String>,

    /// End of validity, RFC 3339.
    #[arg(long, value_name = "TIME")]
    pub not_after: Option<String>,
}

impl ValidityArgs {
    pub fn request(&self) -> Result<ValidityRequest, CliError> {
        let parse = |t: &Option<String>| t.as_deref().map(parse_rfc3339).transpose();
        Ok(ValidityRequest {
            not_before: parse(&self.not_before).map_err(core_error)?,
            not_after: parse(&self.not_after).map_err(core_error)?,
            days: self.days,
        })
    }
}

/// Name constraints for a CA certificate.
#[derive(clap::Args, Debug, Clone)]
pub struct ConstraintArgs {
    /// Only allow DNS names in DOMAIN and below (repeatable).
    #[arg(long, value_name = "DOMAIN", help_heading = "Name constraints")]
    pub permit_dns: Vec<String>,
    /// Forbid DNS names in DOMAIN and below (repeatable).
    #[arg(long, value_name = "DOMAIN", help_heading = "Name constraints")]
    pub exclude_dns: Vec<String>,
    /// Only allow IP addresses in CIDR, e.g. 10.0.0.0/8 (repeatable).
    #[arg(long, value_name = "CIDR", help_heading = "Name constraints")]
    pub permit_ip: Vec<String>,
    /// Forbid IP addresses in CIDR (repeatable).
    #[arg(long, value_name = "CIDR", help_heading = "Name constraints")]
    pub exclude_ip: Vec<String>,
    /// Only allow e-mail addresses at HOST, .DOMAIN or one MAILBOX (repeatable).
    #[arg(long, value_name = "WHERE", help_heading = "Name constraints")]
    pub permit_email: Vec<String>,
    /// Forbid e-mail addresses at HOST, .DOMAIN or one MAILBOX (repeatable).
    #[arg(long, value_name = "WHERE", help_heading = "Name constraints")]
    pub exclude_email: Vec<String>,
}

impl ConstraintArgs {
    pub fn spec(&self) -> NameConstraintsSpec {
        NameConstraintsSpec {
            permit_dns: self.permit_dns.clone(),
            exclude_dns: self.exclude_dns.clone(),
            permit_ip: self.permit_ip.clone(),
            exclude_ip: self.exclude_ip.clone(),
            permit_email: self.permit_email.clone(),
            exclude_email: self.exclude_email.clone(),
        }
    }
}

/// Exit 1 for refusals (a file or CA exists), 2 for everything else.
/// The library says what is wrong; the advice about flags is added here.
pub fn core_error(e: ca_core::Error) -> CliError {
    match &e {
        ca_core::Error::Exists { .. } => {
            return CliError::refused(format!("{e} (use --force to replace it)"));
        }
        ca_core::Error::CaExists { .. } => {
            return CliError::refused(format!("{e}; use it, or give another --ca-dir"));
        }
        ca_core::Error::NoCa { .. } => {
            return CliError::bad_input(format!(
                "{e}; create one with `ca init` (or give the right --ca-dir)"
            ));
        }
        _ => {}
    }
    if let ca_core::Error::Key {
        path: Some(path),
        source,
    } = &e
    {
        if is_ca_key(path) {
            let problem = match source {
                KeyError::PassphraseRequired => "the CA key is encrypted",
                KeyError::WrongPassphrase => "wrong passphrase for the CA key",
                _ => return CliError::bad_input(e.to_string()),
            };
            // --passphrase-* encrypts the key a command writes; sending the
            // user there would encrypt the new key as well.
            return CliError::bad_input(format!(
                "{}: {problem}; unlock it with --ca-passphrase-file FILE or \
                 --ca-passphrase-env VAR",
                path.display()
            ));
        }
    }
    if e.is_refusal() {
        CliError::refused(e.to_string())
    } else {
        CliError::bad_input(e.to_string())
    }
}

/// `--subject ATTRS`, for clap.
pub fn parse_subject(text: &str) -> Result<Subject, String> {
    Subject::parse(text).map_err(|e| e.to_string().replacen("--subject: ", "", 1))
}

/// A CA's key in the CA directory: `root/key.pem` or
/// `intermediates/NAME/key.pem` (see `ca_core::store`).
fn is_ca_key(path: &Path) -> bool {
    let parent = path.parent();
    let name = |p: Option<&Path>| p.and_then(Path::file_name).map(|n| n.to_os_string());
    path.file_name() == Some("key.pem".as_ref())
        && (name(parent) == Some("root".into())
            || name(parent.and_then(Path::parent)) == Some("intermediates".into()))
}

/// The one reading of the clock a command makes: everything it judges
/// and issues happens at this instant (ca-core never reads the clock).
pub fn clock() -> IssueContext<'static> {
    IssueContext::at(time::OffsetDateTime::now_utc())
}

/// The warnings of an issuance: the issuer's revocation (what it signs is
/// refused by every client that checks the root's CRL; only a warning:
/// tests may want exactly such certificates), then the profile's.
pub fn warn_issued(outcome: &IssueOutcome, issuer_name: &str) {
    if let Some(r) = &outcome.issuer_revoked {
        eprintln!(
            "warning: the intermediate '{issuer_name}' was revoked ({}, {}): clients that \
             check the root's CRL refuse what it signs; use another --issuer",
            r.reason, r.revoked_at
        );
    }
    warn_all(&outcome.issued.warnings);
}

/// The chain files of an issuance, in `--json` (`chain`: the
/// intermediates alone, null when the root signed the certificate and no
/// chain file was written; `fullchain`: the certificate then the
/// intermediates) and as text lines.
pub fn chain_files_json(outcome: &IssueOutcome, out: &mut Map<String, Value>) {
    let written = |kind| {
        outcome
            .outputs
            .iter()
            .find(|o| o.kind == kind)
            .map(|o| abs(&o.path))
    };
    out.insert("chain".into(), json!(written(OutputKind::Chain)));
    out.insert("fullchain".into(), json!(written(OutputKind::FullChain)));
}

/// The text lines for [`chain_files_json`]'s files.
pub fn print_chain_files(outcome: &IssueOutcome) {
    print!("{}", chain_files_text(outcome));
}

/// The chain lines of [`print_chain_files`], for output written at once.
pub fn chain_files_text(outcome: &IssueOutcome) -> String {
    let written = |kind| outcome.outputs.iter().find(|o| o.kind == kind);
    let mut text = match written(OutputKind::Chain) {
        Some(chain) => format!(
            "  chain:       {} (the intermediates alone)\n",
            chain.path.display()
        ),
        None => "  chain:       none (the root signed it: no intermediates to send)\n".to_string(),
    };
    if let Some(full) = written(OutputKind::FullChain) {
        text.push_str(&format!(
            "  fullchain:   {} (certificate and intermediates: what a server serves)\n",
            full.path.display()
        ));
    }
    text
}

/// Prints warnings on stderr.
pub fn warn_all(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {}", ca_core::text::escape_output(w));
    }
}

/// `--out DIR` and `--force`, for commands that write files for the user.
#[derive(clap::Args, Debug, Clone)]
pub struct OutputArgs {
    /// The directory to write the files into.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,

    /// Replace existing output files.
    #[arg(long)]
    pub force: bool,
}

impl OutputArgs {
    /// `DIR/STEM{suffix}` for each suffix, once --out is known to be a
    /// directory and (without --force) none of the files exists.
    pub fn paths<const N: usize>(
        &self,
        stem: &str,
        suffixes: [&str; N],
    ) -> Result<[PathBuf; N], CliError> {
        check_out_dir(&self.out)?;
        let paths = suffixes.map(|suffix| out_path(&self.out, &format!("{stem}{suffix}")));
        let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
        refuse_existing(&refs, self.force)?;
        Ok(paths)
    }

    /// Writes the files together and atomically (see `ca_core::atomic`).
    pub fn write(&self, files: &[FileToWrite]) -> Result<(), CliError> {
        atomic::write_files(files, self.force.into()).map_err(core_error)
    }
}

/// Checks that `--out DIR` is a directory we can write into.
pub fn check_out_dir(dir: &Path) -> Result<(), CliError> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => check_can_create_files(dir),
        Ok(_) => Err(CliError::bad_input(format!(
            "{}: not a directory; give an existing directory with --out",
            dir.display()
        ))),
        Err(e) => Err(CliError::bad_input(format!(
            "{}: cannot use as the output directory ({e}); create it first or give another --out",
            dir.display()
        ))),
    }
}

/// Asked before anything is issued: `ca issue` records a certificate in
/// the CA directory before writing its files, so a directory we cannot
/// write into must be found out first.
fn check_can_create_files(dir: &Path) -> Result<(), CliError> {
    let probe = out_path(dir, &format!(".ca-probe-{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(CliError::bad_input(format!(
            "{}: cannot create files in this directory ({e}); check its permissions or give \
             another --out",
            dir.display()
        ))),
    }
}

/// `DIR/NAME`, without a `./` prefix for the current directory.
pub fn out_path(dir: &Path, name: &str) -> PathBuf {
    if dir == Path::new(".") || dir.as_os_str().is_empty() {
        PathBuf::from(name)
    } else {
        dir.join(name)
    }
}

/// Refuses (exit 1) when any of the files exists and `--force` is off.
pub fn refuse_existing(files: &[&Path], force: bool) -> Result<(), CliError> {
    if force {
        return Ok(());
    }
    match files.iter().find(|p| p.symlink_metadata().is_ok()) {
        Some(p) => Err(CliError::refused(format!(
            "{}: already exists; not overwriting it (use --force to replace it)",
            p.display()
        ))),
        None => Ok(()),
    }
}

pub fn file(path: &Path, contents: impl Into<Vec<u8>>, mode: FileMode) -> FileToWrite {
    FileToWrite {
        path: path.to_path_buf(),
        contents: contents.into(),
        mode,
    }
}

/// An absolute path as text, for `--json` output.
pub fn abs(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// The certificate facts every `--json` output shares.
pub fn cert_json(cert: &CertDer) -> Map<String, Value> {
    let info = cert.info();
    let mut map = Map::new();
    map.insert("serial".into(), json!(info.serial.to_hex()));
    map.insert(
        "not_before".into(),
        json!(ca_core::validity::rfc3339(info.not_before)),
    );
    map.insert(
        "not_after".into(),
        json!(ca_core::validity::rfc3339(info.not_after)),
    );
    map.insert("sha256".into(), json!(info.sha256));
    map.insert("subject".into(), json!(info.subject));
    map.insert("names".into(), json!(info.names));
    map
}

/// Prints one JSON object (pretty, with a final newline) on stdout.
pub fn print_json(value: &Value) -> Result<(), CliError> {
    use std::io::Write;
    let text = serde_json::to_string_pretty(value).expect("JSON values serialise");
    let mut text = crate::exit::json_terminal_safe(text);
    text.push('\n');
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::bad_input(format!(
            "cannot write standard output: {e}"
        ))),
        _ => Ok(()),
    }
}
