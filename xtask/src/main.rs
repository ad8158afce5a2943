//! `cargo xtask test`: the one command that sets up a fresh Debian or Ubuntu machine for the
//! tests and runs all of them.
//!
//! 1. Installs the Debian packages of the real peers the tests talk to (OpenSSL, curl, GnuTLS,
//!    nginx, ...) when any is missing: directly as root, through `sudo -n` otherwise, or else
//!    prints the one `apt-get` line to run and stops.
//! 2. Puts the Python peers (pkilint, pyca/cryptography) into a virtual environment under `target/peers-venv`.
//! 3. Finds the conformance suites in `../shared/conformance` when they are there.
//! 4. Runs `cargo test --workspace --locked --no-fail-fast` with the peers first on `PATH`, so
//!    that every test binary runs even when one fails, then `cargo fmt --check` and
//!    `cargo clippy -D warnings`, and checks that every crate built in two versions is explained
//!    in deny.toml (skip these three with `--no-lint`).
//!
//! Arguments after `--` go to `cargo test` (e.g. `cargo xtask test -- -p ca-verify`).

mod duplicates;
mod install;
mod peers;

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use peers::{Provides, PythonPeer, DEBIAN_PEERS, PYTHON_PEERS, VENV_PACKAGE};

const USAGE: &str = "\
usage: cargo xtask test [--no-lint] [--no-install] [-- CARGO-TEST-ARGS...]
       cargo xtask setup [--no-install]
       cargo xtask deps
       cargo xtask install [--root DIR]

  test       install the test peers when missing, then run every test, fmt and clippy
  setup      only install the test peers, and print the environment the tests need
  deps       only check that every crate built in two versions is explained in deny.toml
  install    build `ca` for release (statically linked on Linux) into DIR/bin [$CARGO_HOME/bin]
  --no-lint  skip `cargo fmt --check` and `cargo clippy` after the tests
  --no-install  never install Debian packages; fail naming them instead";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let (own, passthrough) = match args.iter().position(|a| a == "--") {
        Some(i) => (&args[..i], args[i + 1..].to_vec()),
        None => (&args[..], Vec::new()),
    };
    let Some((task, flags)) = own.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    if task == "install" {
        return match install::install(&workspace_root(), flags) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("xtask: {message}");
                ExitCode::from(2)
            }
        };
    }
    let mut lint = true;
    let mut install = true;
    for flag in flags {
        match flag.as_str() {
            "--no-lint" => lint = false,
            "--no-install" => install = false,
            other => {
                eprintln!("xtask: unknown flag `{other}`\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let result = match task.as_str() {
        "test" => test(install, lint, &passthrough),
        "setup" => setup(install).map(|env| {
            for (key, value) in env.vars {
                println!("export {key}={}", value.to_string_lossy());
            }
        }),
        "deps" => duplicates::check(&workspace_root()),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown task `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::from(2)
        }
    }
}

/// The environment the tests run in.
struct TestEnv {
    vars: Vec<(&'static str, OsString)>,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits inside the workspace")
        .to_path_buf()
}

fn test(install: bool, lint: bool, passthrough: &[String]) -> Result<(), String> {
    let env = setup(install)?;
    let root = workspace_root();
    let mut failures = Vec::new();

    let mut cargo_test = vec!["test", "--workspace", "--locked", "--no-fail-fast"];
    if !passthrough.is_empty() {
        // The caller picks the packages and filters.
        cargo_test = vec!["test", "--locked", "--no-fail-fast"];
    }
    let mut command = cargo(&root, &cargo_test);
    command.args(passthrough);
    if !run("tests", command.envs(env.vars.iter().map(|(k, v)| (k, v))))? {
        failures.push("cargo test");
    }
    if lint {
        if !run(
            "format",
            &mut cargo(&root, &["fmt", "--all", "--", "--check"]),
        )? {
            failures.push("cargo fmt --check (run `cargo fmt --all`)");
        }
        let clippy = [
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ];
        if !run("lints", &mut cargo(&root, &clippy))? {
            failures.push("cargo clippy");
        }
        println!("== dependencies: duplicate crates against deny.toml (cargo tree -d)");
        if let Err(message) = duplicates::check(&root) {
            eprintln!("xtask: {message}");
            failures.push("duplicate crates (deny.toml)");
        }
    }
    if failures.is_empty() {
        println!("== xtask test: everything passed");
        Ok(())
    } else {
        Err(format!("failed: {}", failures.join(", ")))
    }
}

fn cargo(root: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(root).args(args);
    command
}

/// Runs a step, saying what it is; `Ok(false)` when it ran and failed.
fn run(what: &str, command: &mut Command) -> Result<bool, String> {
    println!("== {what}: {}", describe(command));
    let status = command
        .status()
        .map_err(|e| format!("cannot start {}: {e}", describe(command)))?;
    Ok(status.success())
}

fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// Installs what is missing and returns the environment the tests need.
fn setup(install: bool) -> Result<TestEnv, String> {
    let root = workspace_root();
    let mut missing: Vec<&str> = DEBIAN_PEERS
        .iter()
        .filter(|peer| find_program(peer.program).is_none())
        .map(|peer| peer.package)
        .collect();
    let python = find_program("python3")
        .ok_or("python3 is not installed: install the Debian packages python3 and python3-venv")?;
    let venv = root.join("target/peers-venv");
    let venv_ready = venv.join("bin/python").exists();
    if !venv_ready && !has_venv_support(&python) {
        missing.push(VENV_PACKAGE);
    }
    missing.sort_unstable();
    missing.dedup();
    if !missing.is_empty() {
        apt_install(&missing, install)?;
    }

    python_peers(&python, &venv)?;

    let mut path = vec![venv.join("bin")];
    if let Some(current) = env::var_os("PATH") {
        path.extend(env::split_paths(&current));
    }
    // Debian keeps daemons such as nginx in sbin, which a non-login shell leaves out.
    for sbin in ["/usr/sbin", "/sbin"] {
        if !path.iter().any(|p| p == Path::new(sbin)) {
            path.push(PathBuf::from(sbin));
        }
    }
    path.extend(postgres_bin_dirs().into_iter().take(1));
    let path = env::join_paths(path).map_err(|e| format!("PATH: {e}"))?;
    let mut vars = vec![("PATH", path)];

    let shared = root.join("../shared/conformance");
    let limbo = shared.join("limbo-public.json");
    if limbo.is_file() {
        let limbo = limbo.canonicalize().unwrap_or(limbo);
        println!("== limbo conformance file: {}", limbo.display());
        vars.push(("LIMBO_JSON", limbo.into_os_string()));
    } else {
        println!(
            "== no limbo conformance file at {}: the limbo test will say so",
            limbo.display()
        );
    }
    for peer in DEBIAN_PEERS {
        match find_program_in(peer.program, &vars[0].1) {
            Some(at) => println!("   {:<24} {}", peer.program, at.display()),
            None => println!("   {:<24} MISSING (package {})", peer.program, peer.package),
        }
    }
    Ok(TestEnv { vars })
}

fn has_venv_support(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import ensurepip, venv"])
        .output()
        .is_ok_and(|out| out.status.success())
}

/// Installs Debian packages as root, or through `sudo -n`; otherwise says what to run.
fn apt_install(packages: &[&str], allowed: bool) -> Result<(), String> {
    let line = format!(
        "apt-get update && apt-get install -y --no-install-recommends {}",
        packages.join(" ")
    );
    if !allowed {
        return Err(format!(
            "missing Debian packages: {}. Install them with:\n    sudo sh -c '{line}'",
            packages.join(" ")
        ));
    }
    let as_root = is_root();
    let sudo_ok = !as_root
        && Command::new("sudo")
            .args(["-n", "true"])
            .output()
            .is_ok_and(|out| out.status.success());
    if !as_root && !sudo_ok {
        return Err(format!(
            "the tests need Debian packages that are not installed ({}), and installing them \
             needs root. Run this once, then run the tests again:\n    sudo sh -c '{line}'",
            packages.join(" ")
        ));
    }
    println!("== installing Debian packages: {}", packages.join(" "));
    let apt = |args: &[&str]| {
        let mut command = if as_root {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.args(["-n", "apt-get"]);
            sudo
        };
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    if !run("apt-get update", &mut apt(&["update", "-qq"]))? {
        return Err(format!("apt-get update failed; try by hand:\n    {line}"));
    }
    let mut install = apt(&["install", "-y", "-qq", "--no-install-recommends"]);
    install.args(packages);
    if !run("apt-get install", &mut install)? {
        return Err(format!("apt-get install failed; try by hand:\n    {line}"));
    }
    Ok(())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// Creates the virtual environment when needed and installs each pinned Python peer into it
/// unless that exact version is already there.
fn python_peers(python: &Path, venv: &Path) -> Result<(), String> {
    let venv_python = venv.join("bin/python");
    if !venv_python.exists() {
        let mut create = Command::new(python);
        create.arg("-m").arg("venv").arg(venv);
        if !run("python venv", &mut create)? {
            return Err(format!(
                "could not create a Python virtual environment at {} (on Debian and Ubuntu it \
                 needs the package {VENV_PACKAGE})",
                venv.display()
            ));
        }
    }
    for peer in PYTHON_PEERS {
        let requirement = peer.requirement;
        let (name, version) = requirement.split_once("==").unwrap_or((requirement, ""));
        let installed = Command::new(&venv_python)
            .args(["-m", "pip", "show", name])
            .output()
            .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
            .unwrap_or_default();
        let wanted = format!("Version: {version}");
        if installed.lines().any(|l| l.trim() == wanted) && is_usable(peer, venv) {
            continue;
        }
        let mut pip = Command::new(&venv_python);
        pip.args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            requirement,
        ]);
        if !run(&format!("pip install {requirement}"), &mut pip)? {
            return Err(format!(
                "pip could not install {requirement} into {}",
                venv.display()
            ));
        }
        if !is_usable(peer, venv) {
            let what = match peer.provides {
                Provides::Script(script) => format!("no script {script}"),
                Provides::Module(module) => format!("python cannot import {module}"),
            };
            return Err(format!(
                "pip installed {requirement} into {}, but {what}",
                venv.display()
            ));
        }
    }
    Ok(())
}

/// Whether an installed Python peer provides what the tests use.
fn is_usable(peer: &PythonPeer, venv: &Path) -> bool {
    match peer.provides {
        Provides::Script(script) => venv.join("bin").join(script).exists(),
        Provides::Module(module) => Command::new(venv.join("bin/python"))
            .args(["-c", &format!("import {module}")])
            .output()
            .is_ok_and(|out| out.status.success()),
    }
}

fn find_program(program: &str) -> Option<PathBuf> {
    let mut path = env::var_os("PATH").unwrap_or_default();
    path.push(":/usr/sbin:/sbin");
    for dir in postgres_bin_dirs() {
        path.push(":");
        path.push(dir);
    }
    find_program_in(program, &path)
}

/// Debian keeps PostgreSQL's server programs (initdb, postgres) in
/// /usr/lib/postgresql/<version>/bin, off PATH: the newest version first.
fn postgres_bin_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            Some((version, e.path().join("bin")))
        })
        .filter(|(_, bin)| bin.is_dir())
        .collect();
    dirs.sort_by_key(|d| std::cmp::Reverse(d.0));
    dirs.into_iter().map(|(_, bin)| bin).collect()
}

fn find_program_in(program: &str, path: &OsString) -> Option<PathBuf> {
    env::split_paths(path)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}
