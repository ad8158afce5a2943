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

use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

#[path = "../tests/support/pki.rs"]
mod pki;

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
    let root_der = CertificateDer::from(root.clone());
    let webpki_anchors = vec![webpki::anchor_from_trusted_cert(&root_der)
        .unwrap()
        .to_owned()];
    let webpki_inter: Vec<CertificateDer<'_>> = intermediates
        .iter()
        .map(|d| CertificateDer::from(d.as_slice()))
        .collect();
    let leaf_der = CertificateDer::from(leaf.as_slice());
    let time = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        pki::now().unix_timestamp() as u64,
    ));
    let name = ServerName::try_from("example.com").unwrap();
    let start = std::time::Instant::now();
    timed_ca(n, &mut || {
        ca_verify::verify(&leaf, &intermediates, &anchors, &opts).unwrap();
    });
    let ca = start.elapsed() / n.max(1) as u32;
    let start = std::time::Instant::now();
    timed_webpki(n, &mut || {
        let ee = webpki::EndEntityCert::try_from(&leaf_der).unwrap();
        ee.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &webpki_anchors,
            &webpki_inter,
            time,
            webpki::KeyUsage::server_auth(),
            None,
            None,
        )
        .unwrap();
        ee.verify_is_valid_for_subject_name(&name).unwrap();
    });
    let webpki = start.elapsed() / n.max(1) as u32;
    eprintln!(
        "{n} verifications each: ca-verify {ca:?}, rustls-webpki {webpki:?} per verification"
    );
}
