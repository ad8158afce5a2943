//! Certificate policy processing, RFC 5280 6.1.2 to 6.1.5: the valid policy tree (kept as a
//! graph, see `graph`), policy mappings, requireExplicitPolicy, inhibitPolicyMapping,
//! inhibitAnyPolicy and the four initial inputs ([`crate::PolicyInputs`]). The result is the
//! user-constrained-policy-set, in the trust anchor's policy domain.
//!
//! Rules: the `policy.*` rows of the rulebook (`crate::rules`, docs/rules.md), kind `pkix`;
//! [`PolicyFailure::rule`] names the row of a failure.

mod ext;
mod graph;

use std::collections::BTreeSet;
use std::fmt;

pub(crate) use ext::PolicyExtensions;
use graph::Graph;

use crate::cert::Certificate;
use crate::options::PolicyInputs;

/// anyPolicy (RFC 5280 4.2.1.4).
pub const ANY_POLICY: &str = "2.5.29.32.0";

/// Nodes and edges the policy graph of one path may create: far more than any real path
/// needs (PKITS needs a few dozen), small enough to stay fast on a hostile one.
const MAX_POLICY_WORK: usize = 20_000;

/// Why certificate policy processing failed a path.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyFailure {
    /// An explicit policy is required (by `requireExplicitPolicy` or by the caller) and no
    /// acceptable policy is valid for the whole path.
    NoValidPolicy {
        /// Path position (0 = leaf) of the certificate after which the check failed.
        position: usize,
        /// What required an explicit policy.
        required_by: String,
    },
    /// policyMappings maps to or from anyPolicy (RFC 5280 6.1.4 (a)).
    AnyPolicyMapped { position: usize },
    /// The policy graph outgrew its work budget.
    TooComplex,
}

impl PolicyFailure {
    /// The rule of the rulebook the failure breaks.
    pub fn rule(&self) -> crate::rules::RuleId {
        use crate::rules::RuleId as R;
        match self {
            PolicyFailure::NoValidPolicy { .. } => R::PolicyExplicit,
            PolicyFailure::AnyPolicyMapped { .. } => R::PolicyNoAnyMapping,
            PolicyFailure::TooComplex => R::PolicyBounded,
        }
    }

    /// The path position (0 = leaf) of the certificate the failure concerns, if one.
    pub fn position(&self) -> Option<usize> {
        match self {
            PolicyFailure::NoValidPolicy { position, .. }
            | PolicyFailure::AnyPolicyMapped { position } => Some(*position),
            PolicyFailure::TooComplex => None,
        }
    }
}

impl fmt::Display for PolicyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyFailure::NoValidPolicy {
                position,
                required_by,
            } => write!(
                f,
                "no acceptable certificate policy is valid for the path up to #{position}, and \
                 {required_by} requires an explicit policy (RFC 5280 6.1.3 (f), 6.1.5 (g))"
            ),
            PolicyFailure::AnyPolicyMapped { position } => write!(
                f,
                "#{position} maps to or from anyPolicy in policyMappings (RFC 5280 6.1.4 (a))"
            ),
            PolicyFailure::TooComplex => write!(
                f,
                "the policy tree outgrew its budget of {MAX_POLICY_WORK} nodes and edges \
                 (too many policies and mappings)"
            ),
        }
    }
}

/// What policy processing found on a valid path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct PolicyOutcome {
    /// The user-constrained-policy-set (sorted; anyPolicy when every policy is acceptable).
    pub(crate) user_constrained: Vec<String>,
    /// For each certificate, leaf first (the anchor excluded): the valid policies after it,
    /// or None when the tree was NULL by then. Empty when policies are not in play (the
    /// explanation does not report them then).
    pub(crate) after_each: Vec<Option<Vec<String>>>,
    /// Whether any certificate of the path has a policy extension, or the inputs are not the
    /// defaults (for the explanation: are policies in play?).
    pub(crate) in_play: bool,
}

/// The state variables of RFC 5280 6.1.2.
struct State {
    tree: Option<Graph>,
    explicit_policy: usize,
    policy_mapping: usize,
    inhibit_any_policy: usize,
    /// What last set explicit_policy below n+1 (for the error).
    explicit_by: String,
}

/// Runs policy processing over a path given leaf first and ending with the trust anchor (whose
/// extensions are not processed: it is the anchor, not part of the path).
pub(crate) fn process(
    chain: &[&Certificate],
    inputs: &PolicyInputs,
) -> Result<PolicyOutcome, PolicyFailure> {
    match without_policies(chain, inputs) {
        Some(outcome) => Ok(outcome),
        None => process_in_full(chain, inputs),
    }
}

/// The outcome of [`process_in_full`] when no certificate of the path (the anchor excluded)
/// has a policy extension and the inputs are the defaults, computed without building the
/// policy graph; None otherwise.
///
/// Why it is the same (RFC 5280 6.1): certificate 1 has no certificatePolicies, so 6.1.3 (e)
/// sets valid_policy_tree to NULL and it stays NULL. explicit_policy starts at n+1
/// (initial-explicit-policy false) and only (h) lowers it, by one per certificate 1..n-1, so
/// it is at least 2 at every 6.1.3 (f) check and at least 1 after 6.1.5 (a); no
/// requireExplicitPolicy lowers it. No policyMappings means 6.1.4 (a) cannot fail. So the
/// path passes, with an empty user-constrained-policy-set (6.1.5 (g) (i)) and a NULL tree
/// after each certificate.
fn without_policies(chain: &[&Certificate], inputs: &PolicyInputs) -> Option<PolicyOutcome> {
    let path = &chain[..chain.len().saturating_sub(1)];
    let bare = |c: &&Certificate| {
        let pe = &c.ext.rare().policy;
        pe.policies.is_none()
            && pe.mappings.is_empty()
            && pe.require_explicit.is_none()
            && pe.inhibit_mapping.is_none()
            && pe.inhibit_any.is_none()
    };
    let default_inputs = !inputs.require_explicit_policy
        && !inputs.inhibit_policy_mapping
        && !inputs.inhibit_any_policy
        && inputs.initial_policy_set.len() == 1
        && inputs.initial_policy_set[0] == ANY_POLICY;
    (!path.is_empty() && default_inputs && path.iter().all(bare)).then(|| PolicyOutcome {
        user_constrained: Vec::new(),
        after_each: Vec::new(),
        in_play: false,
    })
}

/// RFC 5280 6.1.2 to 6.1.5, step by step.
fn process_in_full(
    chain: &[&Certificate],
    inputs: &PolicyInputs,
) -> Result<PolicyOutcome, PolicyFailure> {
    // The path of RFC 5280: certificate 1 is issued by the anchor, certificate n is the leaf.
    let path: Vec<&Certificate> = chain[..chain.len().saturating_sub(1)]
        .iter()
        .rev()
        .copied()
        .collect();
    let n = path.len();
    let position = |i: usize| n - i; // 1-based i to the leaf-first position
    let start = |inhibit: bool| if inhibit { 0 } else { n + 1 };
    let mut s = State {
        tree: Some(Graph::new(MAX_POLICY_WORK)),
        explicit_policy: start(inputs.require_explicit_policy),
        policy_mapping: start(inputs.inhibit_policy_mapping),
        inhibit_any_policy: start(inputs.inhibit_any_policy),
        explicit_by: "the caller (initial-explicit-policy)".into(),
    };
    let mut after_each = Vec::with_capacity(n);
    let mut in_play = *inputs != PolicyInputs::default();
    for (idx, cert) in path.iter().enumerate() {
        let i = idx + 1;
        let pe = &cert.ext.rare().policy;
        in_play |= pe.policies.is_some()
            || !pe.mappings.is_empty()
            || pe.require_explicit.is_some()
            || pe.inhibit_mapping.is_some()
            || pe.inhibit_any.is_some();
        process_certificate(&mut s, cert, i, n)?;
        // 6.1.3 (f)
        if s.explicit_policy == 0 && s.tree.as_ref().is_none_or(Graph::is_null) {
            return Err(PolicyFailure::NoValidPolicy {
                position: position(i),
                required_by: s.explicit_by.clone(),
            });
        }
        if i < n {
            prepare_next(&mut s, cert, position(i))?;
        }
        after_each.push(
            s.tree
                .as_ref()
                .map(|t| t.deepest().iter().map(|node| node.policy.clone()).collect()),
        );
    }
    // 6.1.5 (a), (b)
    if s.explicit_policy > 0 {
        s.explicit_policy -= 1;
    }
    if let Some(leaf) = path.last() {
        if leaf.ext.rare().policy.require_explicit == Some(0) {
            s.explicit_policy = 0;
            s.explicit_by = format!("requireExplicitPolicy 0 of #{}", position(n));
        }
    }
    // 6.1.5 (g): the intersection with the user-initial-policy-set.
    let authority = match &s.tree {
        Some(t) if !t.is_null() => t.authority_policies(),
        _ => BTreeSet::new(),
    };
    let initial: BTreeSet<String> = inputs.initial_policy_set.iter().cloned().collect();
    let user: BTreeSet<String> = if initial.contains(ANY_POLICY) {
        authority
    } else if authority.contains(ANY_POLICY) {
        initial
    } else {
        authority.intersection(&initial).cloned().collect()
    };
    if s.explicit_policy == 0 && user.is_empty() {
        return Err(PolicyFailure::NoValidPolicy {
            position: 0,
            required_by: s.explicit_by,
        });
    }
    after_each.reverse();
    if !in_play {
        after_each = Vec::new();
    }
    Ok(PolicyOutcome {
        user_constrained: user.into_iter().collect(),
        after_each,
        in_play,
    })
}

/// RFC 5280 6.1.3 (d), (e): certificate i's policies.
fn process_certificate(
    s: &mut State,
    cert: &Certificate,
    i: usize,
    n: usize,
) -> Result<(), PolicyFailure> {
    let pe = &cert.ext.rare().policy;
    match (&pe.policies, s.tree.as_mut()) {
        (Some(policies), Some(tree)) => {
            // (d) (2): anyPolicy counts while inhibit_anyPolicy > 0, and always in a
            // self-issued intermediate.
            let any_allowed = s.inhibit_any_policy > 0 || (i < n && cert.is_self_issued());
            tree.add_depth(policies, any_allowed)?;
            if tree.is_null() {
                s.tree = None;
            }
        }
        // (e): no certificatePolicies, no tree.
        (None, _) => s.tree = None,
        (Some(_), None) => {}
    }
    Ok(())
}

/// RFC 5280 6.1.4 (a), (b), (h), (i), (j): preparing for the next certificate, after `cert`
/// at path `position` (0 = leaf).
fn prepare_next(s: &mut State, cert: &Certificate, position: usize) -> Result<(), PolicyFailure> {
    let pe = &cert.ext.rare().policy;
    // (a)
    if pe
        .mappings
        .iter()
        .any(|(from, to)| from == ANY_POLICY || to == ANY_POLICY)
    {
        return Err(PolicyFailure::AnyPolicyMapped { position });
    }
    // (b)
    if !pe.mappings.is_empty() {
        if let Some(tree) = s.tree.as_mut() {
            let mut issuer_policies: Vec<&String> = Vec::new();
            for (from, _) in &pe.mappings {
                if !issuer_policies.contains(&from) {
                    issuer_policies.push(from);
                }
            }
            for from in issuer_policies {
                let mapped: BTreeSet<String> = pe
                    .mappings
                    .iter()
                    .filter(|(f, _)| f == from)
                    .map(|(_, t)| t.clone())
                    .collect();
                tree.charge(1 + mapped.len())?;
                let d = tree.depths.len() - 1;
                let depth = &mut tree.depths[d];
                if s.policy_mapping > 0 {
                    // (1)
                    if let Some(k) = Graph::find(depth, from) {
                        depth[k].expected = mapped;
                    } else if let Some(a) = Graph::find(depth, ANY_POLICY) {
                        let parents = depth[a].parents.clone();
                        depth.push(graph::Node {
                            policy: from.clone(),
                            expected: mapped,
                            parents,
                        });
                    }
                } else if let Some(k) = Graph::find(depth, from) {
                    // (2): mapping inhibited, the mapped policy goes.
                    depth.remove(k);
                    tree.prune();
                }
            }
            if tree.is_null() {
                s.tree = None;
            }
        }
    }
    // (h)
    if !cert.is_self_issued() {
        for v in [
            &mut s.explicit_policy,
            &mut s.policy_mapping,
            &mut s.inhibit_any_policy,
        ] {
            *v = v.saturating_sub(1);
        }
    }
    // (i)
    if let Some(r) = pe.require_explicit {
        if (r as usize) < s.explicit_policy {
            s.explicit_policy = r as usize;
            s.explicit_by = format!("requireExplicitPolicy {r} of #{position}");
        }
    }
    if let Some(m) = pe.inhibit_mapping {
        s.policy_mapping = s.policy_mapping.min(m as usize);
    }
    // (j)
    if let Some(skip) = pe.inhibit_any {
        s.inhibit_any_policy = s.inhibit_any_policy.min(skip as usize);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};

    /// leaf, intermediate(s), root as parsed certificates; none has a policy extension.
    fn chain_without_policies(intermediates: usize) -> Vec<Certificate> {
        let ca_params = |cn: &str| {
            let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
            p.distinguished_name
                .push(rcgen::DnType::CommonName, cn.to_string());
            p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            p
        };
        let root_key = KeyPair::generate().unwrap();
        let root_params = ca_params("root");
        let root = root_params.clone().self_signed(&root_key).unwrap();
        let mut issuer = rcgen::Issuer::new(root_params, root_key);
        let mut certs = vec![Certificate::from_der(root.der()).unwrap()];
        for i in 0..intermediates {
            let key = KeyPair::generate().unwrap();
            let params = ca_params(&format!("intermediate {i}"));
            let c = params.signed_by(&key, &issuer).unwrap();
            certs.push(Certificate::from_der(c.der()).unwrap());
            issuer = rcgen::Issuer::new(params, key);
        }
        let key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["example.com".to_string()])
            .unwrap()
            .signed_by(&key, &issuer)
            .unwrap();
        certs.push(Certificate::from_der(leaf.der()).unwrap());
        certs.reverse();
        certs
    }

    #[test]
    fn the_shortcut_without_policies_gives_the_full_result() {
        for intermediates in 0..3 {
            let certs = chain_without_policies(intermediates);
            let chain: Vec<&Certificate> = certs.iter().collect();
            let inputs = PolicyInputs::default();
            let short = without_policies(&chain, &inputs).expect("no policies: shortcut");
            assert_eq!(Ok(short), process_in_full(&chain, &inputs));
        }
    }

    #[test]
    fn the_shortcut_is_not_taken_for_other_inputs() {
        let certs = chain_without_policies(1);
        let chain: Vec<&Certificate> = certs.iter().collect();
        let explicit = PolicyInputs {
            require_explicit_policy: true,
            ..PolicyInputs::default()
        };
        assert!(without_policies(&chain, &explicit).is_none());
        // And the full processing refuses: no policy is valid, one is required.
        assert!(matches!(
            process(&chain, &explicit),
            Err(PolicyFailure::NoValidPolicy { .. })
        ));
        let narrowed = PolicyInputs {
            initial_policy_set: vec!["1.2.3".into()],
            ..PolicyInputs::default()
        };
        assert!(without_policies(&chain, &narrowed).is_none());
    }
}
