//! Issues N P-256 leaves with `Issuer::issue` or with rcgen alone, for counting
//! instructions (stable where the criterion bench is noisy on a busy machine):
//!
//! cargo build --release -p ca-core --example issue_cost
//! perf stat -e instructions:u target/release/examples/issue_cost {ca|rcgen} 2000
//!
//! Subtract a run with N = 0 (set-up) and divide by N. The rcgen side builds the
//! same certificate as `benches/issue.rs`, with the rcgen (and backend) ca-core uses.

use ca_core::{IssueContext, Issuer, LeafOptions};
use time::OffsetDateTime;

#[path = "../benches/support/rcgen_alone.rs"]
mod rcgen_alone;
use rcgen_alone::{rcgen_alone, rcgen_ca};

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_default();
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let now = OffsetDateTime::now_utc();
    let mut total = 0usize;
    match which.as_str() {
        "ca" => {
            let ca = Issuer::new_test_root().expect("a root CA");
            let at = IssueContext::at(now);
            let options = LeafOptions::server(&["localhost", "127.0.0.1"]).expect("names");
            for _ in 0..n {
                let issued = ca.issue(&options, &at).expect("issued");
                let key = issued.key_pem().unwrap_or_default();
                total += issued.cert.pem().len() + key.len() + issued.fullchain_pem().len();
            }
        }
        "rcgen" => {
            let ca = rcgen_ca();
            for _ in 0..n {
                total += rcgen_alone(&ca, now).len();
            }
        }
        _ => {
            eprintln!("usage: issue_cost {{ca|rcgen}} N");
            std::process::exit(2);
        }
    }
    println!("{total}");
}
