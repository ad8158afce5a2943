//! The fuzz targets' bodies, run in every `cargo test` on the seed corpus of
//! fuzz/seeds and on mutations of it (bit flips, truncations, splices),
//! so a parser panic is caught even where cargo-fuzz does not run.
//! The real fuzzing is `cargo fuzz run TARGET` in fuzz/ (see fuzz/README.md).

use std::path::PathBuf;

use ca_core::inspect::{certificates, inspect, CertificateInfo, CrlInfo, CsrInfo, InspectOptions};
use ca_core::renewal::{check_certificate, RenewBefore};
use ca_core::PrivateKey;
use time::OffsetDateTime;

fn seeds() -> Vec<Vec<u8>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds");
    let mut out = Vec::new();
    for target in std::fs::read_dir(&root).expect("fuzz/seeds exists") {
        for file in std::fs::read_dir(target.unwrap().path()).unwrap() {
            out.push(std::fs::read(file.unwrap().path()).unwrap());
        }
    }
    assert!(out.len() >= 20, "the seed corpus is there");
    out
}

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut data = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = data.len();
        match rng.below(6) {
            0 if len > 0 => {
                let i = rng.below(len);
                data[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                data[i] = [0x00, 0x7f, 0x80, 0xff, 0x30, 0x81, 0x82, 0x84][rng.below(8)];
            }
            2 => data.truncate(rng.below(len + 1)),
            3 if len > 0 => {
                let i = rng.below(len);
                let j = i + rng.below(len - i);
                data.drain(i..j);
            }
            4 => {
                let i = rng.below(len + 1);
                let start = rng.below(other.len());
                let end = start + rng.below(other.len() - start + 1);
                data.splice(i..i, other[start..end].iter().copied());
            }
            _ => {
                let i = rng.below(len + 1);
                data.insert(i, rng.next() as u8);
            }
        }
    }
    data
}

/// Everything the fuzz targets call. Must not panic, whatever `data` is.
fn exercise(data: &[u8]) {
    let now = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
    let options = InspectOptions {
        now,
        passphrase: None,
    };
    match inspect(data, &options) {
        Ok(report) => {
            assert_terminal_safe(&report.to_string());
            serde_json::to_string(&report).expect("reports serialise");
        }
        Err(e) => assert_terminal_safe(&e.to_string()),
    }
    let _ = certificates(data);
    let _ = CertificateInfo::from_der(data, now);
    let _ = check_certificate(data, RenewBefore::Percent(50), now);
    let _ = CsrInfo::from_der(data);
    let _ = CrlInfo::from_der(data, now);
    let _ = PrivateKey::parse(data, None);
    if let Ok(certs) = ca_core::CertDer::parse_all(data) {
        for cert in certs {
            let _ = cert.info();
        }
    }
    if let Ok(csr) = ca_core::Csr::parse(data) {
        let _ = (csr.names(), csr.key_type(), csr.ignored());
    }
}

/// What `inspect` prints holds no raw control character (C0, DEL, C1, bidi override) other
/// than the layout's line feeds: what the file says is escaped (issue 15).
fn assert_terminal_safe(text: &str) {
    if let Some(c) = text
        .chars()
        .find(|&c| c != '\n' && ca_core::text::is_unsafe_char(c))
    {
        panic!("raw {c:?} in text output:\n{}", text.escape_debug());
    }
}

#[test]
fn seeds_parse_and_mutations_never_panic() {
    let seeds = seeds();
    for seed in &seeds {
        exercise(seed);
    }
    let mut rng = Rng(0x5eed_ca11_ab1e_f00d);
    let rounds = 300;
    for (i, seed) in seeds.iter().enumerate() {
        let other = &seeds[(i + 1) % seeds.len()];
        for _ in 0..rounds {
            exercise(&mutate(&mut rng, seed, other));
        }
    }
}

#[test]
fn every_truncation_of_a_certificate_is_refused() {
    let seeds = seeds();
    let der = seeds
        .iter()
        .find(|s| CertificateInfo::from_der(s, OffsetDateTime::now_utc()).is_ok())
        .expect("a DER certificate seed");
    for len in 0..der.len() {
        assert!(
            inspect(&der[..len], &InspectOptions::at(OffsetDateTime::now_utc())).is_err(),
            "{len} bytes of {} accepted",
            der.len()
        );
    }
}
