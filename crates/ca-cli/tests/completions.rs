//! `ca completions` and `ca man` come from the real clap definitions.

mod common;

use common::*;

#[test]
fn completion_scripts_name_the_real_subcommands() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let run = ca(dir.path(), &["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        // fish writes long flags as `-l within`.
        for word in ["inspect", "needs-renewal", "within", "p12", "legacy"] {
            assert!(run.stdout.contains(word), "{shell} script lacks {word}");
        }
    }
    let run = ca(dir.path(), &["completions", "tcsh"]);
    assert_eq!(run.code, 2);
}

#[test]
fn bash_accepts_the_script() {
    let dir = tempfile::tempdir().unwrap();
    let run = ca(dir.path(), &["completions", "bash"]);
    let script = write(dir.path(), "ca.bash", &run.stdout);
    let status = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn man_pages_render() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = ca(d, &["man"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with(".ie \\n(.g .ds Aq") || run.stdout.contains(".TH ca 1"),
        "{}",
        &run.stdout[..200]
    );
    assert!(
        run.stdout.contains("needs\\-renewal"),
        "main page lists the commands"
    );
    // The whole manual, every command included: what `man -l -` shows
    // holds each command's flags and help, not an index of other pages.
    let page = write(d, "ca.1", &run.stdout);
    let shown = tool::MAN
        .command()
        .arg("-l")
        .arg(&page)
        .env("MANWIDTH", "200")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .output()
        .expect("run man");
    assert!(
        shown.status.success(),
        "{}",
        String::from_utf8_lossy(&shown.stderr)
    );
    let shown = String::from_utf8_lossy(&shown.stdout);
    for words in [
        "CA ISSUE",
        "--ca-passphrase-file",
        "CA VERIFY",
        "--purpose",
        "CA FIXTURE REVOKED",
        "CA NEEDS-RENEWAL",
        "--within",
        "CA LIST",
        "--tree",
    ] {
        assert!(shown.contains(words), "the manual lacks {words}");
    }

    let run = ca(d, &["man", "--out", "man"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for page in ["ca.1", "ca-inspect.1", "ca-needs-renewal.1", "ca-export.1"] {
        let text = std::fs::read_to_string(d.join("man").join(page)).unwrap();
        assert!(text.contains(".TH"), "{page}");
    }
    let page = std::fs::read_to_string(d.join("man/ca-needs-renewal.1")).unwrap();
    assert!(
        page.contains("Exit codes"),
        "the page carries the help text"
    );
}

/// `ca COMMAND` builds only that command's arguments (src/lazy.rs); what
/// its help says must not depend on it: `ca COMMAND -h` opens with the
/// description `ca --help` lists, and `ca help COMMAND` (the whole tree)
/// prints what `ca COMMAND --help` (one command) prints.
#[test]
fn a_command_built_alone_has_the_help_of_the_whole_tree() {
    let dir = tempfile::tempdir().unwrap();
    let root = ca(dir.path(), &["--help"]);
    assert_eq!(root.code, 0, "{}", root.stderr);
    let listed = listed_commands(&root.stdout);
    assert!(listed.len() > 20, "{listed:?}");
    for (name, description) in &listed {
        let short = ca(dir.path(), &[name, "-h"]);
        assert_eq!(short.code, 0, "{name}: {}", short.stderr);
        let first = short.stdout.split("\n\n").next().unwrap_or_default();
        assert_eq!(
            words(first),
            words(description.trim_end_matches(" [alias: root]")),
            "ca {name} -h"
        );
        let alone = ca(dir.path(), &[name, "--help"]);
        let in_tree = ca(dir.path(), &["help", name]);
        assert_eq!(alone.stdout, in_tree.stdout, "ca {name} --help");
    }
    let typo = ca(dir.path(), &["isue", "x"]);
    assert_eq!(typo.code, 2);
    assert!(typo.stderr.contains("'issue'"), "{}", typo.stderr);
}

/// The commands of `ca --help`, each with its description (continuation
/// lines joined).
fn listed_commands(help: &str) -> Vec<(String, String)> {
    let section = help
        .split("Commands:\n")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .expect("a Commands section");
    let mut listed: Vec<(String, String)> = Vec::new();
    for line in section.lines() {
        let text = line.trim_start();
        let indent = line.len() - text.len();
        match listed.last_mut() {
            Some((_, description)) if indent > 2 => {
                description.push(' ');
                description.push_str(text);
            }
            _ => {
                let (name, description) = text.split_once(' ').expect("name and description");
                listed.push((name.to_string(), description.trim().to_string()));
            }
        }
    }
    listed.retain(|(name, _)| name != "help");
    listed
}

fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
