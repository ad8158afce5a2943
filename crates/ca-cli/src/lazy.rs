//! Builds only the subcommand that runs.
//!
//! clap's derive builds the arguments of all 25 subcommands (with their help
//! texts) before it parses anything: about a quarter of a millisecond, most
//! of what `ca issue` has left after the operating system starts it
//! (docs/benchmarks.md). [`Lazy`] defers each subcommand's arguments until
//! clap enters that subcommand. When the command line names no subcommand
//! (`ca`, `ca --help`, `ca help ...`), and for completion scripts and man
//! pages, [`full_command`] builds the whole tree as the derive always did,
//! so every help text, error message, script and page stays the same.

use std::sync::atomic::{AtomicBool, Ordering};

use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Subcommand};

/// Set once the whole tree is wanted; never unset.
static EAGER: AtomicBool = AtomicBool::new(false);

/// A subcommand's arguments, added to its `clap::Command` when clap first
/// needs them rather than when the tree is made.
#[derive(Debug)]
pub struct Lazy<A>(pub A);

impl<A: Args> Args for Lazy<A> {
    fn augment_args(command: clap::Command) -> clap::Command {
        if EAGER.load(Ordering::Relaxed) {
            A::augment_args(command)
        } else {
            command.defer(keeping_about::<A>)
        }
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        // Only for `update_from_arg_matches`, which `ca` never calls.
        A::augment_args_for_update(command)
    }

    fn group_id() -> Option<clap::Id> {
        A::group_id()
    }
}

impl<A: FromArgMatches> FromArgMatches for Lazy<A> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        A::from_arg_matches(matches).map(Lazy)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(matches)
    }
}

/// `A`'s arguments, added late. The derive gives a subcommand the doc
/// comment of its enum variant, when it has one, after its arguments'
/// own; run later, the arguments would win, so the variant's is put back.
fn keeping_about<A: Args>(command: clap::Command) -> clap::Command {
    let about = command.get_about().cloned();
    let long_about = command.get_long_about().cloned();
    let command = A::augment_args(command);
    match (about, long_about) {
        (Some(about), Some(long)) => command.about(about).long_about(long),
        (Some(about), None) => command.about(about).long_about(None::<&str>),
        (None, _) => command,
    }
}

/// The whole command tree, every subcommand built: for help that lists
/// them, completion scripts and man pages.
pub fn full_command<C: CommandFactory>() -> clap::Command {
    EAGER.store(true, Ordering::Relaxed);
    C::command()
}

/// Parses the command line into `C`, building the arguments of the named
/// subcommand only. Exits, as clap does, on bad input, `--help` and
/// `--version`.
pub fn parse<C: CommandFactory + FromArgMatches, S: Subcommand>() -> C {
    let first = std::env::args_os().nth(1);
    let names_one = first
        .as_ref()
        .and_then(|arg| arg.to_str())
        .is_some_and(|name| name != "help" && S::has_subcommand(name));
    let command = if names_one {
        C::command()
    } else {
        full_command::<C>()
    };
    let mut matches = command.get_matches();
    C::from_arg_matches_mut(&mut matches)
        .map_err(|e| e.format(&mut C::command()))
        .unwrap_or_else(|e| e.exit())
}
