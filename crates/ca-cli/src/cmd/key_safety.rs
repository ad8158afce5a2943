//! A private key written inside a git work tree that does not ignore it is
//! one `git add .` away from being published: say so when writing it.

use std::path::Path;
use std::process::{Command, Stdio};

/// Warns (on stderr) when `key` lies inside a git work tree whose ignore
/// rules do not cover it. Quiet outside a work tree, when the key is
/// ignored, and when git is not installed: the check is a courtesy, never
/// a reason to fail.
pub fn warn_if_git_would_commit(key: &Path) {
    if git_would_commit(key) {
        eprintln!(
            "warning: {} is a private key inside a git work tree that does not ignore it; \
             add `*-key.pem` (or the file) to .gitignore, or write keys outside the \
             repository (--out DIR), so that it is never committed",
            key.display()
        );
    }
}

fn git_would_commit(key: &Path) -> bool {
    let (Some(dir), Some(file)) = (key.parent(), key.file_name()) else {
        return false;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    // `git check-ignore -q PATH`: 0 ignored, 1 not ignored (so inside a
    // work tree), 128 not a work tree or another fatal error.
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["check-ignore", "-q", "--"])
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.code() == Some(1))
}
