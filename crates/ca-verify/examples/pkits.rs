//! NIST PKITS harness: reads a PKITS manifest (paths in it are relative to its folder) and
//! prints the results JSON that `pkits-score` reads on stdout. Logs go to stderr.
//!
//! ```text
//! cargo run --release -p ca-verify --example pkits -- MANIFEST > results.json
//! ```

use std::path::Path;
use std::process::ExitCode;

#[path = "../tests/support/pkits_harness.rs"]
mod harness;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [manifest] = args.as_slice() else {
        eprintln!("usage: pkits MANIFEST   (e.g. shared/conformance/pkits/manifest.json)");
        return ExitCode::from(2);
    };
    let loaded = match harness::load(Path::new(manifest)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("pkits: {e}");
            return ExitCode::from(2);
        }
    };
    // The workers borrow the manifest for the whole run.
    let loaded: &'static harness::Loaded = Box::leak(Box::new(loaded));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let start = std::time::Instant::now();
    let outcomes = harness::run_all(loaded, threads);
    eprintln!(
        "pkits: {} entries in {:.1?}",
        outcomes.len(),
        start.elapsed()
    );
    println!("{}", harness::results_json(&outcomes));
    ExitCode::SUCCESS
}
