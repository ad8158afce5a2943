//! `cargo xtask install [--root DIR]`: builds the `ca` binary with the `dist` profile (release,
//! with fat LTO: Cargo.toml) and installs it into `DIR/bin` (default: cargo's own,
//! `$CARGO_HOME/bin`).
//!
//! On Linux with glibc the binary is linked statically (static-pie, so its addresses are still
//! randomised): each run then skips the dynamic loader (opening three libraries, 17,700
//! relocations against them): `ca --version` 1.4 -> 1.0 ms, a fresh `ca issue` 2.5 -> 2.1 ms
//! (docs/benchmarks.md). Only the final link takes `crt-static`, through `cargo rustc`: given
//! to every crate (RUSTFLAGS), it would break the proc-macro crates, which must be dynamic
//! libraries. Elsewhere this is `cargo build --profile dist`.

use std::fs;
use std::path::{Path, PathBuf};

use crate::{cargo, run};

pub fn install(root: &Path, flags: &[String]) -> Result<(), String> {
    let into = match flags {
        [] => cargo_home()?.join("bin"),
        [flag, dir] if flag == "--root" => PathBuf::from(dir).join("bin"),
        _ => return Err("usage: cargo xtask install [--root DIR]".into()),
    };
    let static_glibc = cfg!(all(target_os = "linux", target_env = "gnu"));
    let mut build = if static_glibc {
        cargo(
            root,
            &[
                "rustc",
                "--profile",
                "dist",
                "--locked",
                "--package",
                "ca-cli",
                "--bin",
                "ca",
                "--",
                "-C",
                "target-feature=+crt-static",
            ],
        )
    } else {
        cargo(
            root,
            &[
                "build",
                "--profile",
                "dist",
                "--locked",
                "--package",
                "ca-cli",
            ],
        )
    };
    if !run("build", &mut build)? {
        return Err("the build failed".into());
    }
    let built = root
        .join("target")
        .join("dist")
        .join(format!("ca{}", std::env::consts::EXE_SUFFIX));
    fs::create_dir_all(&into).map_err(|e| format!("{}: {e}", into.display()))?;
    let target = into.join(built.file_name().expect("a file name"));
    // Into place whole: a shell that runs `ca` meanwhile gets the old one or the new one.
    let temporary = into.join(".ca.xtask-install");
    fs::copy(&built, &temporary)
        .and_then(|_| fs::rename(&temporary, &target))
        .map_err(|e| {
            format!(
                "cannot install {} as {}: {e}",
                built.display(),
                target.display()
            )
        })?;
    println!("installed {}", target.display());
    Ok(())
}

fn cargo_home() -> Result<PathBuf, String> {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return Ok(PathBuf::from(home));
    }
    std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".cargo"))
        .ok_or_else(|| "neither CARGO_HOME nor HOME is set: give --root DIR".into())
}
