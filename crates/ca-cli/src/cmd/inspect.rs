//! `ca inspect FILE|-`: what a certificate, bundle, CSR, CRL or key holds.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use ca_core::inspect::{inspect, InspectOptions};
use ca_core::Passphrase;

use super::common::core_error;
use crate::exit::CliError;

/// Show what a certificate, bundle, CSR, CRL or key file holds.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Reads PEM (any number of blocks) or DER, and detects what it is. Keys show \
public information only, never the private key.

Exit codes: 0 the file was read; 2 it is empty, damaged, truncated or not \
a certificate, CSR, CRL or key.")]
pub struct Args {
    /// The file to read, or - for standard input.
    pub file: PathBuf,

    /// Print one JSON object with every field (and the PEM of certificates,
    /// CSRs and CRLs) instead of text.
    #[arg(long)]
    pub json: bool,

    /// File holding the passphrase of an encrypted key (to show its public key).
    #[arg(long, value_name = "FILE", conflicts_with = "passphrase_env")]
    pub passphrase_file: Option<PathBuf>,

    /// Environment variable holding the passphrase of an encrypted key.
    #[arg(long, value_name = "VAR")]
    pub passphrase_env: Option<String>,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let input = Input::read(&args.file)?;
    let options = InspectOptions {
        passphrase: passphrase(
            args.passphrase_file.as_deref(),
            args.passphrase_env.as_deref(),
        )?,
        ..InspectOptions::at(time::OffsetDateTime::now_utc())
    };
    let report = inspect(&input.bytes, &options).map_err(|e| input.error(e))?;
    if args.json {
        #[derive(serde::Serialize)]
        struct Output<'a> {
            file: &'a str,
            #[serde(flatten)]
            report: &'a ca_core::inspect::Report,
        }
        let output = Output {
            file: &input.name,
            report: &report,
        };
        emit(&json_text(&output))?;
    } else {
        emit(&report.to_string())?;
    }
    // Every readable block was shown; the others make the exit code 2.
    match report.unreadable() {
        0 => Ok(()),
        n => Err(input.error(format!(
            "{n} of {} blocks could not be read (shown as 'Unreadable block' above)",
            report.objects.len()
        ))),
    }
}

/// Pretty JSON with a final newline, fields in declaration order.
pub fn json_text(value: &impl serde::Serialize) -> String {
    let text = serde_json::to_string_pretty(value).expect("our reports serialise to JSON");
    let mut text = crate::exit::json_terminal_safe(text);
    text.push('\n');
    text
}

/// Writes to standard output; a closed pipe (`ca inspect x | head`) is not an error.
/// The text's untrusted parts were escaped where it was put together; what is
/// left of control characters (other than line feeds and tabs) is escaped here.
pub fn emit(text: &str) -> Result<(), CliError> {
    use std::io::Write;
    let text = ca_core::text::escape_output(text);
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::bad_input(format!(
            "cannot write standard output: {e}"
        ))),
        _ => Ok(()),
    }
}

/// Bytes read from a file or standard input, with the name to use in messages.
pub struct Input {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl Input {
    /// Reads `path`, or standard input for `-` (refusing an interactive terminal).
    pub fn read(path: &Path) -> Result<Input, CliError> {
        if path.as_os_str() == "-" {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                return Err(CliError::bad_input(
                    "standard input is a terminal; pipe a file in (`ca inspect - < cert.pem`) or give its path",
                ));
            }
            let bytes = ca_core::input::read_limited(stdin.lock())
                .map_err(|e| CliError::bad_input(format!("cannot read standard input: {e}")))?;
            return Ok(Input {
                name: "<stdin>".into(),
                bytes,
            });
        }
        let bytes = ca_core::input::read_file(path).map_err(|e| {
            CliError::bad_input(format!("{}: cannot read the file: {e}", path.display()))
        })?;
        Ok(Input {
            name: path.display().to_string(),
            bytes,
        })
    }

    /// A bad-input error that names this input.
    pub fn error(&self, e: impl std::fmt::Display) -> CliError {
        CliError::bad_input(format!("{}: {e}", self.name))
    }
}

/// The passphrase from `--passphrase-file` or `--passphrase-env`, if given.
pub fn passphrase(file: Option<&Path>, env: Option<&str>) -> Result<Option<Passphrase>, CliError> {
    let read = match (file, env) {
        (Some(f), _) => Passphrase::from_file(f),
        (None, Some(v)) => Passphrase::from_env(v),
        (None, None) => return Ok(None),
    };
    read.map(Some).map_err(core_error)
}
