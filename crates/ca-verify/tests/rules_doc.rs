//! `docs/rules.md` is generated from the rulebook table and must stay equal to it.
//! Regenerate with `UPDATE_RULES_MD=1 cargo test -p ca-verify --test rules_doc`.

use std::path::Path;

#[test]
fn docs_rules_md_is_the_generated_rulebook() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md");
    let generated = ca_verify::rules::markdown();
    if std::env::var_os("UPDATE_RULES_MD").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "{} differs from the rulebook table (crates/ca-verify/src/rules.rs); regenerate it with \
         UPDATE_RULES_MD=1 cargo test -p ca-verify --test rules_doc",
        path.display()
    );
}
