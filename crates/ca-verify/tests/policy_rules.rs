//! Certificate policy processing, RFC 5280 6.1.2 to 6.1.5, one test per rule, with rcgen-made
//! chains whose policy extensions are written here in DER.

#[path = "support/pki.rs"]
mod pki;

use std::time::{Duration, Instant};

use ca_verify::{
    verify, PolicyFailure, PolicyInputs, Profile, Reason, RuleId, TrustAnchor, VerifiedPath,
    VerifyError, VerifyOptions, ANY_POLICY,
};
use pki::*;
use rcgen::{CertificateParams, CustomExtension};

const P1: &str = "2.16.840.1.101.3.2.1.48.1";
const P2: &str = "2.16.840.1.101.3.2.1.48.2";

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|&b| b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').map(|a| a.parse().unwrap()).collect();
    let mut body = Vec::new();
    let mut push = |mut v: u64| {
        let mut chunk = vec![(v & 0x7f) as u8];
        v >>= 7;
        while v > 0 {
            chunk.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        chunk.reverse();
        body.extend(chunk);
    };
    push(arcs[0] * 40 + arcs[1]);
    for &a in &arcs[2..] {
        push(a);
    }
    tlv(0x06, &body)
}

fn ext(arcs: &[u64], value: Vec<u8>, critical: bool) -> CustomExtension {
    let mut e = CustomExtension::from_oid_content(arcs, value);
    e.set_criticality(critical);
    e
}

/// certificatePolicies (2.5.29.32) with these OIDs.
fn policies(oids: &[&str]) -> CustomExtension {
    let list: Vec<u8> = oids.iter().flat_map(|o| tlv(0x30, &oid(o))).collect();
    ext(&[2, 5, 29, 32], tlv(0x30, &list), false)
}

/// policyMappings (2.5.29.33).
fn mappings(pairs: &[(&str, &str)]) -> CustomExtension {
    let list: Vec<u8> = pairs
        .iter()
        .flat_map(|(a, b)| tlv(0x30, &[oid(a), oid(b)].concat()))
        .collect();
    ext(&[2, 5, 29, 33], tlv(0x30, &list), true)
}

/// policyConstraints (2.5.29.36).
fn constraints(require_explicit: Option<u8>, inhibit_mapping: Option<u8>) -> CustomExtension {
    let mut body = Vec::new();
    if let Some(r) = require_explicit {
        body.extend(tlv(0x80, &[r]));
    }
    if let Some(m) = inhibit_mapping {
        body.extend(tlv(0x81, &[m]));
    }
    ext(&[2, 5, 29, 36], tlv(0x30, &body), true)
}

/// inhibitAnyPolicy (2.5.29.54).
fn inhibit_any(skip: u8) -> CustomExtension {
    ext(&[2, 5, 29, 54], tlv(0x02, &[skip]), true)
}

/// root -> intermediate (with `ica_ext`) -> leaf (with `leaf_ext`).
fn chain(ica_ext: Vec<CustomExtension>, leaf_ext: Vec<CustomExtension>) -> (Ca, Ca, Vec<u8>) {
    let root = root("Policy Root", Alg::P256);
    let mut p = ca_params("Policy CA");
    p.custom_extensions = ica_ext;
    let ica = ca_signed_by(p, Alg::P256, &root);
    let mut l = leaf_params(&["example.com"]);
    l.custom_extensions = leaf_ext;
    let leaf = leaf_signed_by(l, Alg::P256, &ica);
    (root, ica, leaf)
}

fn run(c: &(Ca, Ca, Vec<u8>), inputs: PolicyInputs) -> Result<VerifiedPath, VerifyError> {
    let mut o = VerifyOptions::server(now(), None);
    o.profile = Profile::Pkix;
    o.policy = inputs;
    let anchors = [TrustAnchor::from_der(&der(&c.0)).unwrap()];
    verify(&c.2, &[der(&c.1)], &anchors, &o)
}

fn accepting(set: &[&str], explicit: bool) -> PolicyInputs {
    PolicyInputs {
        initial_policy_set: set.iter().map(|s| s.to_string()).collect(),
        require_explicit_policy: explicit,
        ..PolicyInputs::default()
    }
}

fn no_valid_policy(e: &VerifyError) -> bool {
    matches!(
        e.reason,
        Reason::Policy(PolicyFailure::NoValidPolicy { .. })
    )
}

#[test]
fn the_user_constrained_set_is_the_intersection_with_the_initial_set() {
    // 6.1.5 (g): default inputs give the authorities' set; a narrower initial set cuts it.
    let c = chain(vec![policies(&[P1, P2])], vec![policies(&[P1])]);
    let any = run(&c, PolicyInputs::default()).unwrap();
    assert_eq!(any.user_constrained_policy_set(), [P1]);
    let p1 = run(&c, accepting(&[P1], true)).unwrap();
    assert_eq!(p1.user_constrained_policy_set(), [P1]);
    // P2 only: empty, which fails only with an explicit policy required (6.1.5 (g), (f)).
    let p2 = run(&c, accepting(&[P2], false)).unwrap();
    assert!(p2.user_constrained_policy_set().is_empty());
    assert!(no_valid_policy(
        &run(&c, accepting(&[P2], true)).unwrap_err()
    ));
}

#[test]
fn require_explicit_policy_in_a_ca_fails_a_leaf_without_policies() {
    // 4.2.1.11 requireExplicitPolicy 0; 6.1.4 (i), 6.1.3 (e), (f).
    let c = chain(vec![policies(&[P1]), constraints(Some(0), None)], vec![]);
    let e = run(&c, PolicyInputs::default()).unwrap_err();
    assert!(no_valid_policy(&e), "{e}");
    assert!(e.to_string().contains("requireExplicitPolicy 0"), "{e}");
    // Without the constraint the same leaf is valid, for no policy.
    let c = chain(vec![policies(&[P1])], vec![]);
    assert!(run(&c, PolicyInputs::default())
        .unwrap()
        .user_constrained_policy_set()
        .is_empty());
}

#[test]
fn a_mapping_translates_the_policy_unless_mapping_is_inhibited() {
    // 6.1.4 (b) (1): P1 in the anchor's domain is P2 below the mapping CA.
    let c = chain(
        vec![policies(&[P1]), mappings(&[(P1, P2)])],
        vec![policies(&[P2])],
    );
    let path = run(&c, accepting(&[P1], true)).unwrap();
    assert_eq!(path.user_constrained_policy_set(), [P1]);
    // 6.1.4 (b) (2): with policy_mapping 0 the mapped policy is deleted.
    let inhibited = PolicyInputs {
        inhibit_policy_mapping: true,
        ..accepting(&[P1], true)
    };
    assert!(no_valid_policy(&run(&c, inhibited).unwrap_err()));
    // The same through inhibitPolicyMapping 0 in the CA itself (6.1.4 (i)).
    let c = chain(
        vec![
            policies(&[P1]),
            mappings(&[(P1, P2)]),
            constraints(None, Some(0)),
        ],
        vec![policies(&[P2])],
    );
    // policy_mapping is set to 0 only after the CA's own mappings are processed: allowed.
    assert_eq!(
        run(&c, accepting(&[P1], true))
            .unwrap()
            .user_constrained_policy_set(),
        [P1]
    );
}

#[test]
fn mapping_to_or_from_any_policy_is_refused() {
    // 6.1.4 (a).
    for pair in [(ANY_POLICY, P1), (P1, ANY_POLICY)] {
        let c = chain(
            vec![policies(&[P1]), mappings(&[pair])],
            vec![policies(&[P1])],
        );
        let e = run(&c, PolicyInputs::default()).unwrap_err();
        assert!(
            matches!(
                e.reason,
                Reason::Policy(PolicyFailure::AnyPolicyMapped { position: 1 })
            ),
            "{e}"
        );
    }
}

#[test]
fn any_policy_in_a_ca_stands_for_every_policy_unless_inhibited() {
    // 6.1.3 (d) (2): anyPolicy matches while inhibit_anyPolicy > 0.
    let c = chain(vec![policies(&[ANY_POLICY])], vec![policies(&[P1])]);
    assert_eq!(
        run(&c, accepting(&[P1], true))
            .unwrap()
            .user_constrained_policy_set(),
        [P1]
    );
    let inhibited = PolicyInputs {
        inhibit_any_policy: true,
        ..accepting(&[P1], true)
    };
    assert!(no_valid_policy(&run(&c, inhibited).unwrap_err()));
    // inhibitAnyPolicy 0 in the CA: anyPolicy in the leaf below stops counting (6.1.4 (j)).
    let c = chain(
        vec![policies(&[ANY_POLICY]), inhibit_any(0)],
        vec![policies(&[ANY_POLICY])],
    );
    assert!(no_valid_policy(
        &run(&c, accepting(&[P1], true)).unwrap_err()
    ));
}

#[test]
fn a_chain_built_to_blow_up_the_policy_tree_stops_fast_with_a_clear_reason() {
    // CVE-2023-0464: many policies times many mappings in several CAs. Each CA asserts N
    // policies and maps each of them to all N: a tree would have N^depth nodes.
    const N: usize = 48;
    let oids: Vec<String> = (0..N).map(|i| format!("1.3.6.1.4.1.55555.{i}")).collect();
    let refs: Vec<&str> = oids.iter().map(String::as_str).collect();
    let pairs: Vec<(&str, &str)> = refs
        .iter()
        .flat_map(|a| refs.iter().map(move |b| (*a, *b)))
        .collect();
    let root = root("Blow-up Root", Alg::P256);
    let mut issuer = root;
    let mut pool = Vec::new();
    let mut keep = Vec::new();
    for depth in 0..5 {
        let mut p: CertificateParams = ca_params(&format!("Blow-up CA {depth}"));
        p.custom_extensions = vec![policies(&refs), mappings(&pairs)];
        let ca = ca_signed_by(p, Alg::P256, &issuer);
        pool.push(der(&ca));
        keep.push(std::mem::replace(&mut issuer, ca));
    }
    let mut l = leaf_params(&["example.com"]);
    l.custom_extensions = vec![policies(&refs)];
    let leaf = leaf_signed_by(l, Alg::P256, &issuer);
    let mut o = VerifyOptions::server(now(), None);
    o.profile = Profile::Pkix;
    let anchors = [TrustAnchor::from_der(&der(&keep[0])).unwrap()];
    let start = Instant::now();
    let e = verify(&leaf, &pool, &anchors, &o).unwrap_err();
    let took = start.elapsed();
    assert!(
        matches!(e.reason, Reason::Policy(PolicyFailure::TooComplex)),
        "{e}"
    );
    assert!(e.to_string().contains("budget"), "{e}");
    assert_eq!(e.reason.rule(), Some(RuleId::PolicyBounded));
    assert!(took < Duration::from_secs(5), "took {took:?}");
}
