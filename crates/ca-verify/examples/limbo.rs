//! x509-limbo harness: reads a limbo testcase file (FILE, or stdin when none is given) and prints
//! limbo's results JSON on stdout. Logs go to stderr.
//!
//! ```text
//! cargo run --release -p ca-verify --example limbo -- FILE > results.json
//! ```

use std::io::Read;
use std::process::ExitCode;

#[path = "../tests/support/limbo_harness.rs"]
mod harness;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let text = match args.as_slice() {
        [] => {
            let mut s = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut s) {
                eprintln!("limbo: cannot read stdin: {e}");
                return ExitCode::from(2);
            }
            s
        }
        [path] => match std::fs::read_to_string(path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("limbo: cannot read {path}: {e}");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("usage: limbo [FILE]   (reads stdin when FILE is absent)");
            return ExitCode::from(2);
        }
    };
    let cases: harness::Testcases = match serde_json::from_str(&text) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("limbo: not a limbo testcase file: {e}");
            return ExitCode::from(2);
        }
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let start = std::time::Instant::now();
    let outcomes = harness::run_all(&cases.testcases, threads);
    eprintln!("limbo: {} cases in {:.1?}", outcomes.len(), start.elapsed());
    println!("{}", harness::results_json(&outcomes));
    ExitCode::SUCCESS
}
