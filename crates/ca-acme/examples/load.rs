//! Load generator: N concurrent ACME clients completing orders end to end
//! (newOrder, http-01, finalize, download) against one or more servers,
//! in one run; prints orders per second and p50/p99 latency for each.
//!
//! ```text
//! cargo run --release -p ca-acme --example load -- \
//!     --clients 16 --orders 400 --responder 127.0.0.1:5002 \
//!     --target ca=https://127.0.0.1:14000/directory,ROOT.pem \
//!     --target pebble=https://127.0.0.1:14001/dir,ROOT.pem
//! ```
//!
//! Every target's http-01 validation must reach `--responder` (ca: run
//! `ca acme serve --http-01-port 5002 --resolve '*.load.test=127.0.0.1'`;
//! Pebble: `httpPort` 5002 and pebble-challtestsrv as its DNS server).
//! Names are `oN.tTcC.load.test`. Each request is a new TLS connection. The
//! client is the one the ACME peer tests use (`tests/peers/acme_client.rs`),
//! polling every 10 ms.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[path = "../../../tests/peers/acme_client.rs"]
#[allow(dead_code)] // the peer tests use more of it
mod acme_client;

use acme_client::{start_responder, tls_config, AcmeClient, Answers};

struct Target {
    label: String,
    directory: String,
    tls: Arc<rustls::ClientConfig>,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .map(|i| args[i + 1].clone())
    };
    let clients: usize = value("--clients").map_or(16, |v| v.parse().unwrap());
    let orders: usize = value("--orders").map_or(320, |v| v.parse().unwrap());
    let answers: Answers = Arc::default();
    let responder = value("--responder").unwrap_or_else(|| "127.0.0.1:5002".into());
    let port = responder
        .strip_prefix("127.0.0.1:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("--responder {responder}: give 127.0.0.1:PORT"));
    start_responder(port, Arc::clone(&answers));
    let targets: Vec<Target> = args
        .windows(2)
        .filter(|w| w[0] == "--target")
        .map(|w| {
            let (label, rest) = w[1].split_once('=').expect("--target LABEL=URL,ROOT");
            let (directory, root) = rest.split_once(',').expect("--target LABEL=URL,ROOT");
            Target {
                label: label.into(),
                directory: directory.into(),
                tls: tls_config(&std::fs::read(root).expect("the root PEM")),
            }
        })
        .collect();
    println!("| server | clients | orders | orders/s | p50 ms | p99 ms |");
    println!("|---|---|---|---|---|---|");
    for (t, target) in targets.iter().enumerate() {
        let next = AtomicUsize::new(0);
        let latencies = Mutex::new(Vec::new());
        let start = Instant::now();
        std::thread::scope(|s| {
            for c in 0..clients {
                let (next, latencies, answers) = (&next, &latencies, &answers);
                s.spawn(move || {
                    let mut client = AcmeClient::new(Arc::clone(&target.tls));
                    client.poll_every = Duration::from_millis(10);
                    client.use_server(&target.directory).expect("newAccount");
                    loop {
                        let n = next.fetch_add(1, Ordering::SeqCst);
                        if n >= orders {
                            break;
                        }
                        let began = Instant::now();
                        let name = format!("o{n}.t{t}c{c}.load.test");
                        client.order(&name, answers).expect("an order end to end");
                        latencies.lock().unwrap().push(began.elapsed());
                    }
                });
            }
        });
        let elapsed = start.elapsed();
        let mut l = latencies.into_inner().unwrap();
        l.sort();
        println!(
            "| {} | {clients} | {} | {:.1} | {} | {} |",
            target.label,
            l.len(),
            l.len() as f64 / elapsed.as_secs_f64(),
            percentile(&l, 0.5).as_millis(),
            percentile(&l, 0.99).as_millis()
        );
    }
}
