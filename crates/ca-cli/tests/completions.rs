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
