//! Runs N verifications of one leaf -> intermediate -> root chain with ca-verify and with
//! rustls-webpki, the same chain for both, for instruction counts that do not depend on
//! machine load:
//!
//! ```text
//! cargo build --release -p ca-verify --example verify_cost
//! valgrind --tool=callgrind --toggle-collect='verify_cost::timed_*' \
//!     target/release/examples/verify_cost p256 50
//! callgrind_annotate --inclusive=yes callgrind.out.PID | grep timed_
//! ```
//!
//! Only `timed_ca` and `timed_webpki` (N verifications each) are counted, not the set-up (key
//! generation). Criterion's wall-clock group in `benches/verify.rs` is the reference; this is
//! for a busy machine.

#[path = "../tests/support/pki.rs"]
mod pki;
#[path = "../tests/support/webpki_chain.rs"]
mod webpki_chain;

/// The measured parts: `n` verifications each.
#[inline(never)]
fn timed_ca(n: usize, verify_once: &mut dyn FnMut()) {
    for _ in 0..n {
        verify_once();
    }
}

#[inline(never)]
fn timed_webpki(n: usize, verify_once: &mut dyn FnMut()) {
    for _ in 0..n {
        verify_once();
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (alg, n) = match args.as_slice() {
        [a, n] => (a.as_str(), n.parse::<usize>().expect("N")),
        _ => {
            eprintln!("usage: verify_cost p256|rsa N");
            std::process::exit(2);
        }
    };
    let alg = if alg == "rsa" {
        pki::Alg::Rsa2048
    } else {
        pki::Alg::P256
    };
    let chain = pki::chain(alg);
    let root = pki::der(&chain.root);
    let intermediates = vec![pki::der(&chain.intermediate)];
    let leaf = chain.leaf.clone();
    let anchors = vec![ca_verify::TrustAnchor::from_der(&root).unwrap()];
    let opts = ca_verify::VerifyOptions::server(
        pki::now(),
        Some(ca_verify::ExpectedName::Dns("example.com".into())),
    );
    let webpki_chain = webpki_chain::WebpkiChain::new(&root, &intermediates, &leaf, pki::now());
    let start = std::time::Instant::now();
    timed_ca(n, &mut || {
        ca_verify::verify(&leaf, &intermediates, &anchors, &opts).unwrap();
    });
    let ca = start.elapsed() / n.max(1) as u32;
    let start = std::time::Instant::now();
    timed_webpki(n, &mut || {
        webpki_chain.verify().unwrap();
    });
    let webpki = start.elapsed() / n.max(1) as u32;
    eprintln!(
        "{n} verifications each: ca-verify {ca:?}, rustls-webpki {webpki:?} per verification"
    );
}
