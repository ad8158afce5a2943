//! `ca convert IN --to der|pem`: change the encoding, not the contents.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use ca_core::atomic::{self, FileMode};
use ca_core::inspect::{decode, Encoding};

use super::common::core_error;
use super::inspect::Input;
use crate::exit::CliError;

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pem,
    Der,
}

/// Convert a certificate, CSR, CRL or key between PEM and DER.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
The contents are kept as they are (a PKCS#1 key stays PKCS#1): only the \
encoding changes. DER holds one object, so a PEM bundle converts to DER only \
if it has one block. Private keys are written with mode 0600, and are printed \
on standard output only with an explicit `--out -`.

Exit codes: 0 converted; 1 OUT exists (use --force); 2 bad input.")]
pub struct Args {
    /// The file to convert, or - for standard input.
    pub input: PathBuf,

    /// The encoding to write [default: DER for PEM input, PEM for DER input].
    #[arg(long, value_enum)]
    pub to: Option<Format>,

    /// Where to write, or - for standard output [default: standard output,
    /// except for private keys and for DER to a terminal].
    #[arg(long, short, value_name = "OUT")]
    pub out: Option<PathBuf>,

    /// Replace OUT if it exists.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let input = Input::read(&args.input)?;
    let decoded = decode(&input.bytes).map_err(|e| input.error(e))?;
    let to = args.to.unwrap_or(match decoded.encoding {
        Encoding::Pem => Format::Der,
        Encoding::Der => Format::Pem,
    });
    let output = match to {
        Format::Pem => decoded
            .blocks
            .iter()
            .map(|b| b.to_pem())
            .collect::<String>()
            .into_bytes(),
        Format::Der => match decoded.blocks.as_slice() {
            [one] => one.der.clone(),
            blocks => {
                return Err(input.error(format!(
                    "it holds {} objects and DER holds one; split the bundle, or convert to PEM",
                    blocks.len()
                )))
            }
        },
    };
    let private = decoded.blocks.iter().any(|b| b.kind.is_private_key());
    match args.out.as_deref() {
        Some(out) if out.as_os_str() != "-" => {
            let mode = if private {
                FileMode::Private
            } else {
                FileMode::Public
            };
            atomic::write_file(out, &output, mode, args.force.into()).map_err(core_error)?;
            eprintln!("wrote {}", out.display());
            Ok(())
        }
        explicit => {
            let stdout = std::io::stdout();
            if explicit.is_none() && private {
                return Err(CliError::bad_input(format!(
                    "{}: this is a private key; give --out FILE (written with mode 0600), \
                     or --out - to print it",
                    input.name
                )));
            }
            if explicit.is_none() && to == Format::Der && stdout.is_terminal() {
                return Err(CliError::bad_input(
                    "DER is binary and standard output is a terminal; give --out FILE, or pipe the output",
                ));
            }
            match stdout.lock().write_all(&output) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::bad_input(
                    format!("cannot write standard output: {e}"),
                )),
                _ => Ok(()),
            }
        }
    }
}
