//! The apply file parser on hostile input, in every CI run (the `apply`
//! fuzz target does the same, longer): truncations and deterministic
//! mutations of the example must give diagnostics, never a panic, and
//! every diagnostic must point inside the file.

use std::path::Path;

use ca_core::apply;

fn example() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/apply/example.toml"),
    )
    .unwrap()
}

fn check(text: &str) {
    if let Err(errors) = apply::parse(text, Path::new("x.toml"), time::OffsetDateTime::now_utc()) {
        assert!(!errors.diagnostics.is_empty());
        let lines = text.lines().count().max(1) + 1;
        for d in &errors.diagnostics {
            assert!(d.line >= 1 && d.line <= lines, "{d} in {text:?}");
            assert!(d.column >= 1, "{d}");
        }
        let _ = errors.to_string();
    }
}

#[test]
fn truncations_never_panic() {
    let text = example();
    for end in (0..text.len()).filter(|&i| text.is_char_boundary(i)) {
        check(&text[..end]);
    }
}

#[test]
fn mutations_never_panic() {
    let text = example().into_bytes();
    let inserts: [&[u8]; 8] = [
        b"[",
        b"]",
        b"\"",
        b"=",
        b"\n",
        b"[[leaves]]\n",
        b"{",
        b"\xff",
    ];
    // A small linear congruential generator: the same cases every run.
    let mut state: u64 = 0x5eed;
    let mut next = |n: usize| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize % n
    };
    for _ in 0..3000 {
        let mut bytes = text.clone();
        for _ in 0..1 + next(3) {
            let at = next(bytes.len());
            match next(3) {
                0 => bytes[at] = next(256) as u8,
                1 => {
                    bytes.remove(at);
                }
                _ => {
                    let piece = inserts[next(inserts.len())];
                    bytes.splice(at..at, piece.iter().copied());
                }
            }
        }
        if let Ok(text) = std::str::from_utf8(&bytes) {
            check(text);
        }
    }
}

#[test]
fn every_mistake_among_many_leaves_is_reported() {
    let mut text = String::from("[intermediates.web]\npermit_dns = [\"example.test\"]\n");
    for i in 0..300 {
        text.push_str(&format!(
            "[leaves.l{i}]\nissuer = \"web\"\nnames = [\"a{i}.example.test\", \"b{i}.example.org\"]\n"
        ));
    }
    let errors =
        apply::parse(&text, Path::new("x.toml"), time::OffsetDateTime::now_utc()).unwrap_err();
    assert_eq!(errors.diagnostics.len(), 300);
}

#[test]
fn huge_days_are_refused_not_overflowed() {
    for table in [
        "[root]",
        "[intermediates.a]",
        "[leaves.a]\nnames = [\"a.test\"]",
    ] {
        let text = format!("{table}\ndays = 4294967295\n");
        let errors =
            apply::parse(&text, Path::new("x.toml"), time::OffsetDateTime::now_utc()).unwrap_err();
        assert!(
            errors.to_string().contains("`days` is too large"),
            "{errors}"
        );
    }
}
