//! `ca completions SHELL` and `ca man`: generated from the same clap
//! definitions as the parser, so they never drift from the real flags.

use std::path::PathBuf;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::exit::CliError;

/// Print a shell completion script.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Install, for example:
  bash: ca completions bash > ~/.local/share/bash-completion/completions/ca
  zsh:  ca completions zsh > ~/.zfunc/_ca   (with fpath+=(~/.zfunc) in .zshrc)
  fish: ca completions fish > ~/.config/fish/completions/ca.fish")]
pub struct Args {
    /// The shell: bash, zsh, fish, elvish or powershell.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let mut command = crate::Cli::command();
    // Into memory first: clap_complete panics on a closed pipe (`| head`).
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "ca", &mut script);
    super::inspect::emit(&String::from_utf8_lossy(&script))
}

/// Print the man page (roff), or write one page per command into a directory.
#[derive(clap::Args, Debug)]
#[command(after_help = "Read it with: ca man | man -l -")]
pub struct ManArgs {
    /// Write ca.1 and ca-COMMAND.1 for every command into DIR instead.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn run_man(args: ManArgs) -> Result<(), CliError> {
    let command = crate::Cli::command();
    let Some(dir) = args.out else {
        let mut out = std::io::stdout();
        return match clap_mangen::Man::new(command).render(&mut out) {
            // `ca man | head`: the reader has all it wanted.
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CliError::bad_input(
                format!("cannot write the man page: {e}"),
            )),
            _ => Ok(()),
        };
    };
    std::fs::create_dir_all(&dir).map_err(|e| {
        CliError::bad_input(format!(
            "{}: cannot create the directory: {e}",
            dir.display()
        ))
    })?;
    clap_mangen::generate_to(command, &dir).map_err(|e| {
        CliError::bad_input(format!(
            "{}: cannot write the man pages: {e}",
            dir.display()
        ))
    })?;
    println!("wrote man pages to {}", dir.display());
    Ok(())
}
