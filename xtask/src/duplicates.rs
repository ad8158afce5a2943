//! The duplicate-crate half of `cargo deny check bans`, without cargo-deny: building cargo-deny
//! takes about 12 minutes on the CI machine, and its advisory half needs github.com, which CI
//! cannot reach. Every crate that the shipped build (no dev-dependencies, on deny.toml's
//! targets) holds in two versions must have all versions but one in deny.toml's `skip` list,
//! with its reason there; a new duplicate fails the check, naming the crate.

use std::collections::BTreeMap;
use std::path::Path;

/// The `targets` of deny.toml's `[graph]`.
const TARGETS: [&str; 4] = [
    "x86_64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
];

/// Duplicates not explained in deny.toml, as "name (versions)" lines; empty when all are.
pub fn unexplained(tree_output: &str, deny_toml: &str) -> Vec<String> {
    let skips = skip_specs(deny_toml);
    let mut versions: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    // `cargo tree -d` prints each duplicated package at the left margin, then who uses it.
    for line in tree_output.lines() {
        let mut words = line.split_whitespace();
        let (Some(name), Some(version)) = (words.next(), words.next()) else {
            continue;
        };
        if line.starts_with(char::is_whitespace) || !version.starts_with('v') {
            continue;
        }
        let entry = versions.entry(name).or_default();
        if !entry.contains(&&version[1..]) {
            entry.push(&version[1..]);
        }
    }
    versions
        .into_iter()
        .filter(|(_, vs)| vs.len() > 1)
        .filter(|(name, vs)| {
            let unskipped = vs
                .iter()
                .filter(|v| !skips.iter().any(|(n, spec)| n == name && matches(spec, v)))
                .count();
            unskipped > 1
        })
        .map(|(name, vs)| format!("{name} ({})", vs.join(", ")))
        .collect()
}

/// The `crate = "name@version"` entries of deny.toml.
fn skip_specs(deny_toml: &str) -> Vec<(String, String)> {
    deny_toml
        .lines()
        .filter_map(|line| {
            let rest = line.trim_start().strip_prefix("{ crate = \"")?;
            let spec = &rest[..rest.find('"')?];
            let (name, version) = spec.split_once('@')?;
            Some((name.to_string(), version.to_string()))
        })
        .collect()
}

/// cargo-deny's `name@0.22` takes every 0.22.x: the spec is a prefix ending at a dot.
fn matches(spec: &str, version: &str) -> bool {
    version == spec
        || version
            .strip_prefix(spec)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// Runs `cargo tree -d` for the shipped build and checks it against deny.toml.
pub fn check(root: &Path) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = std::process::Command::new(cargo);
    command.current_dir(root).args([
        "tree",
        "--workspace",
        "--locked",
        "--all-features",
        "-e",
        "normal,build",
        "-d",
    ]);
    for target in TARGETS {
        command.args(["--target", target]);
    }
    let out = command
        .output()
        .map_err(|e| format!("cannot run cargo tree: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo tree failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let deny = std::fs::read_to_string(root.join("deny.toml"))
        .map_err(|e| format!("cannot read deny.toml: {e}"))?;
    let missing = unexplained(&String::from_utf8_lossy(&out.stdout), &deny);
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "crates built in two versions without a reason in deny.toml's [bans] skip list: {}. \
             Align the versions, or add {{ crate = \"name@version\", reason = \"...\" }} for the \
             version you accept",
            missing.join("; ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TREE: &str = "\
base64 v0.22.1
└── postgres-protocol v0.6.12
    └── postgres v0.19.14

base64 v0.23.1
└── pem v4.0.0

untrusted v0.7.1
└── aws-lc-rs v1.19.0

untrusted v0.9.0
└── rustls-webpki v0.103.17
";

    #[test]
    fn a_duplicate_needs_all_but_one_version_skipped() {
        let deny = "skip = [\n    { crate = \"base64@0.22\", reason = \"postgres\" },\n]\n";
        assert_eq!(
            unexplained(TREE, deny),
            vec!["untrusted (0.7.1, 0.9.0)".to_string()]
        );
        let both = format!("{deny}    {{ crate = \"untrusted@0.7\", reason = \"aws-lc-rs\" }},\n");
        assert!(unexplained(TREE, &both).is_empty());
    }

    #[test]
    fn a_spec_is_a_version_prefix_ending_at_a_dot() {
        assert!(matches("0.22", "0.22.1"));
        assert!(matches("1", "1.0.3"));
        assert!(!matches("0.2", "0.22.1"));
        assert!(!matches("0.22", "0.23.0"));
    }
}
