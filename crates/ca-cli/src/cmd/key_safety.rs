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
    // Starting git costs milliseconds, as much as the rest of `ca issue`: ask it only when a
    // work tree can be there, i.e. a `.git` (directory, or file for worktrees and submodules)
    // in the folder or one above it, or a GIT_DIR / GIT_WORK_TREE that points elsewhere.
    let git_env =
        std::env::var_os("GIT_DIR").is_some() || std::env::var_os("GIT_WORK_TREE").is_some();
    if !git_env && !inside_git_folder(dir) {
        return false;
    }
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

/// Whether `dir` or a folder above it holds a `.git` entry.
fn inside_git_folder(dir: &Path) -> bool {
    let Ok(dir) = std::path::absolute(dir) else {
        return true; // cannot tell: let git decide
    };
    dir.ancestors()
        .any(|d| d.join(".git").symlink_metadata().is_ok())
}

#[cfg(test)]
mod tests {
    use super::inside_git_folder;

    #[test]
    fn a_git_entry_in_the_folder_or_above_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        // tempdir() is outside any repository on the machines the tests run on, but a
        // developer's TMPDIR might not be: only assert what the folder itself decides.
        let before = inside_git_folder(&deep);
        // A worktree or submodule has a `.git` *file*.
        std::fs::write(dir.path().join("a/.git"), "gitdir: elsewhere\n").unwrap();
        assert!(inside_git_folder(&deep));
        std::fs::remove_file(dir.path().join("a/.git")).unwrap();
        assert_eq!(inside_git_folder(&deep), before);
    }
}
