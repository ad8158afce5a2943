use std::path::Path;

use time::{Duration, OffsetDateTime};

use super::*;
use crate::renewal::RenewBefore;

fn example() -> Desired {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/apply/example.toml");
    load(&path).unwrap()
}

#[test]
fn the_example_parses_to_what_it_says() {
    let d = example();
    assert_eq!(d.ca_dir.as_deref(), Some(Path::new("ca")));
    assert_eq!(d.intermediates.len(), 1);
    assert_eq!(
        d.intermediates[0].options.name_constraints.permit_dns,
        ["example.test"]
    );
    let names: Vec<&str> = d.leaves.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["alice", "api", "www"]);
    let www = &d.leaves[2];
    assert_eq!(www.cert, Path::new("certs/www.pem"));
    assert_eq!(www.key, Path::new("certs/www-key.pem"));
    assert_eq!(www.issuer, "web");
    assert_eq!(d.leaves[1].renew_before, RenewBefore::Percent(20));
    assert!(d.leaves[0].options.client);
}

/// The example with its files in `dir` instead of the current directory.
fn example_in(dir: &Path) -> (Desired, CaDir) {
    let mut d = example();
    for leaf in &mut d.leaves {
        for p in [&mut leaf.cert, &mut leaf.key, &mut leaf.chain] {
            *p = dir.join(&*p);
        }
    }
    (d, CaDir::at(dir.join("ca")))
}

fn actions(outcome: &Outcome) -> Vec<(String, Action)> {
    outcome
        .plan
        .steps
        .iter()
        .map(|s| (s.name.clone(), s.action))
        .collect()
}

#[test]
fn expired_and_due_leaves_are_reissued_when_time_passes() {
    let dir = tempfile::tempdir().unwrap();
    let (desired, ca_dir) = example_in(dir.path());
    let first = apply(&desired, &ca_dir, &ApplyOptions::default()).unwrap();
    assert!(first.plan.changes());
    let later = |days| ApplyOptions {
        now: Some(OffsetDateTime::now_utc() + Duration::days(days)),
        dry_run: true,
        ..Default::default()
    };
    // After 70 days: www (90 days, renew 30d before) is due, api (30 days)
    // expired, alice (365 days, renew in the last third) fine.
    let plan = apply(&desired, &ca_dir, &later(70)).unwrap();
    assert_eq!(
        actions(&plan)[2..],
        [
            ("alice".to_string(), Action::Keep),
            ("api".to_string(), Action::Reissue),
            ("www".to_string(), Action::Reissue),
        ]
    );
    let api = &plan.plan.steps[3];
    assert!(api.reasons[0].starts_with("expired"), "{:?}", api.reasons);
    let www = &plan.plan.steps[4];
    assert!(
        www.reasons[0].contains("renewal threshold 30d"),
        "{:?}",
        www.reasons
    );
    // Today nothing is due.
    let now = apply(&desired, &ca_dir, &later(0)).unwrap();
    assert!(!now.plan.changes());
}

#[test]
fn a_leaf_under_a_new_intermediate_is_reissued_too() {
    let dir = tempfile::tempdir().unwrap();
    let (desired, ca_dir) = example_in(dir.path());
    apply(&desired, &ca_dir, &ApplyOptions::default()).unwrap();
    std::fs::rename(
        ca_dir.path().join("intermediates/web"),
        dir.path().join("old-web"),
    )
    .unwrap();
    let outcome = apply(&desired, &ca_dir, &ApplyOptions::default()).unwrap();
    let expected = [
        ("root", Action::Keep),
        ("web", Action::Create),
        ("alice", Action::Reissue),
        ("api", Action::Reissue),
        ("www", Action::Reissue),
    ];
    let expected: Vec<(String, Action)> =
        expected.iter().map(|(n, a)| (n.to_string(), *a)).collect();
    assert_eq!(actions(&outcome), expected);
    assert!(outcome.plan.steps[2]
        .reasons
        .contains(&"its issuer 'web' is new".to_string()));
    let again = apply(&desired, &ca_dir, &ApplyOptions::default()).unwrap();
    assert!(!again.plan.changes());
}

#[test]
fn a_ca_that_differs_from_the_file_is_kept_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let (mut desired, ca_dir) = example_in(dir.path());
    let first = apply(&desired, &ca_dir, &ApplyOptions::default()).unwrap();
    // The example's `api` leaf has an Ed25519 key: outside the Web PKI, a warning only.
    let webpki_only = |w: &Vec<String>| w.iter().all(|w| w.contains("key.webpki-algorithms"));
    assert!(webpki_only(&first.warnings), "{:?}", first.warnings);
    let same = apply(&desired, &ca_dir, &ApplyOptions::default()).unwrap();
    assert!(same.warnings.is_empty(), "{:?}", same.warnings);

    let web = &mut desired.intermediates[0].options;
    web.name_constraints.exclude_ip = vec!["10.0.0.0/8".into()];
    web.path_len = Some(1);
    let outcome = apply(&desired, &ca_dir, &ApplyOptions::default()).unwrap();
    assert!(!outcome.plan.changes());
    let [warning] = &outcome.warnings[..] else {
        panic!("{:?}", outcome.warnings)
    };
    assert!(warning.contains("intermediate 'web'"), "{warning}");
    assert!(
        warning.contains("its path length is 0, the file asks for 1"),
        "{warning}"
    );
    assert!(warning.contains("exclude [ip:10.0.0.0/8]"), "{warning}");
}
