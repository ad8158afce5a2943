//! `ca completions SHELL` and `ca man`: generated from the same clap
//! definitions as the parser, so they never drift from the real flags.

use std::path::PathBuf;

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
    let mut command = crate::lazy::full_command::<crate::Cli>();
    // Into memory first: clap_complete panics on a closed pipe (`| head`).
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "ca", &mut script);
    super::inspect::emit(&String::from_utf8_lossy(&script))
}

/// Print the whole manual (roff): the `ca` page, then every command's page
/// as a section of it. Or write one page per command into a directory.
#[derive(clap::Args, Debug)]
#[command(after_help = "Read it with: ca man | man -l -
Install the pages: ca man --out ~/.local/share/man/man1 (then man ca-issue)")]
pub struct ManArgs {
    /// Write ca.1 and ca-COMMAND.1 for every command into DIR instead.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn run_man(args: ManArgs) -> Result<(), CliError> {
    let command = crate::lazy::full_command::<crate::Cli>();
    let Some(dir) = args.out else {
        let manual = whole_manual(command)
            .map_err(|e| CliError::bad_input(format!("cannot render the manual: {e}")))?;
        // Through emit: `ca man | head` is not an error.
        return super::inspect::emit(&String::from_utf8_lossy(&manual));
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

/// The `ca` page followed by every command's page (depth first), each as a
/// section named after the command, its own sections demoted to
/// subsections: one document that `man -l -` shows whole, rather than an
/// index of pages nobody installed.
fn whole_manual(command: clap::Command) -> std::io::Result<Vec<u8>> {
    let mut command = command.disable_help_subcommand(true);
    // Fills in the subcommands' names as `ca issue` (bin names) and flags.
    command.build();
    let mut manual = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut manual)?;
    append_commands(&command, &mut manual)?;
    Ok(manual)
}

fn append_commands(command: &clap::Command, manual: &mut Vec<u8>) -> std::io::Result<()> {
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let mut page = Vec::new();
        clap_mangen::Man::new(sub.clone()).render(&mut page)?;
        let title = sub.get_bin_name().unwrap_or(sub.get_name());
        manual.extend_from_slice(format!(".SH \"{}\"\n", title.to_uppercase()).as_bytes());
        for line in String::from_utf8_lossy(&page).lines() {
            // The page's own title goes; its sections become subsections.
            if line.starts_with(".TH ") {
                continue;
            }
            match line.strip_prefix(".SH ") {
                Some(heading) => manual.extend_from_slice(format!(".SS {heading}").as_bytes()),
                None => manual.extend_from_slice(line.as_bytes()),
            }
            manual.push(b'\n');
        }
        append_commands(sub, manual)?;
    }
    Ok(())
}
