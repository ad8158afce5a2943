//! x509-limbo conformance: runs the harness on the file named by `LIMBO_JSON` and fails on any
//! wrong-accept or a drop below the bar (every `bettertls::*` case agreed, at least 95% of the
//! other cases agreed). Without `LIMBO_JSON` it looks for `../shared/conformance/limbo-public.json`
//! beside the workspace (where CI lays it out); when neither exists it says so on the terminal,
//! past the test harness's output capture, and passes.

use std::path::{Path, PathBuf};

#[path = "support/limbo_harness.rs"]
mod harness;

/// Resolves a relative path against the current directory, then against the workspace root.
fn resolve(raw: &str) -> PathBuf {
    let p = Path::new(raw);
    if p.is_absolute() || p.exists() {
        return p.to_path_buf();
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.join(p)
}

#[derive(Default)]
struct Tally {
    total: usize,
    agreed: usize,
    wrong_accept: Vec<String>,
    disagreed: Vec<String>,
}

#[test]
fn limbo_bar() {
    let beside =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/limbo-public.json");
    let raw = match std::env::var("LIMBO_JSON") {
        Ok(raw) => raw,
        Err(_) if beside.is_file() => beside.to_string_lossy().into_owned(),
        Err(_) => {
            // libtest captures eprintln!; a direct write to stderr reaches the terminal.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "limbo conformance test: NOTHING RUN: LIMBO_JSON is not set and {} does not exist",
                beside.display()
            );
            return;
        }
    };
    let path = resolve(&raw);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("LIMBO_JSON={raw}: cannot read {}: {e}", path.display()));
    let cases: harness::Testcases = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{}: not a limbo testcase file: {e}", path.display()));
    assert!(
        !cases.testcases.is_empty(),
        "{}: no testcases",
        path.display()
    );

    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let outcomes = harness::run_all(&cases.testcases, threads);

    let doc = harness::results_json(&outcomes);
    assert_eq!(
        doc["results"].as_array().map(Vec::len),
        Some(cases.testcases.len())
    );

    let (mut bettertls, mut others) = (Tally::default(), Tally::default());
    for (tc, out) in cases.testcases.iter().zip(&outcomes) {
        assert_eq!(tc.id, out.id);
        let t = if tc.id.starts_with("bettertls::") {
            &mut bettertls
        } else {
            &mut others
        };
        t.total += 1;
        let line = format!(
            "{} expected {} got {}: {:?}",
            tc.id, tc.expected_result, out.actual, out.context
        );
        if out.actual == tc.expected_result {
            t.agreed += 1;
        } else {
            if tc.expected_result == "FAILURE" && out.actual == "SUCCESS" {
                t.wrong_accept.push(line.clone());
            }
            t.disagreed.push(line);
        }
    }
    eprintln!(
        "limbo: bettertls {}/{} agreed; others {}/{} agreed",
        bettertls.agreed, bettertls.total, others.agreed, others.total
    );
    for l in bettertls.disagreed.iter().chain(&others.disagreed) {
        eprintln!("  disagree: {l}");
    }
    let wrong_accepts: Vec<&String> = bettertls
        .wrong_accept
        .iter()
        .chain(&others.wrong_accept)
        .collect();
    assert!(
        wrong_accepts.is_empty(),
        "wrong-accepts: {wrong_accepts:#?}"
    );
    assert_eq!(
        bettertls.agreed, bettertls.total,
        "bettertls disagreements: {:#?}",
        bettertls.disagreed
    );
    assert!(
        others.agreed * 100 >= others.total * 95,
        "non-bettertls agreed {}/{} is under 95%: {:#?}",
        others.agreed,
        others.total,
        others.disagreed
    );
}
