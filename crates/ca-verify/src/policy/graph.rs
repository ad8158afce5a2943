//! The valid policy graph: RFC 5280's valid_policy_tree with the nodes of one depth that share
//! a valid_policy merged into one node with several parents (the representation of RFC 9618).
//! It holds the same information as the tree, but a depth never has more nodes than there are
//! distinct policy OIDs, so it cannot grow exponentially (CVE-2023-0464). Every node and edge
//! created is also charged to a work budget.

use std::collections::BTreeSet;

use super::{PolicyFailure, ANY_POLICY};

#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub(crate) policy: String,
    /// expected_policy_set.
    pub(crate) expected: BTreeSet<String>,
    /// Indices of the parents in the depth above.
    pub(crate) parents: Vec<usize>,
}

/// The graph, depth 0 (the anyPolicy root) first. `None` in [`super::State`] is RFC 5280's
/// NULL tree.
#[derive(Clone, Debug)]
pub(crate) struct Graph {
    pub(crate) depths: Vec<Vec<Node>>,
    budget: usize,
}

impl Graph {
    pub(crate) fn new(budget: usize) -> Self {
        let root = Node {
            policy: ANY_POLICY.into(),
            expected: BTreeSet::from([ANY_POLICY.to_string()]),
            parents: Vec::new(),
        };
        Graph {
            depths: vec![vec![root]],
            budget,
        }
    }

    pub(crate) fn charge(&mut self, units: usize) -> Result<(), PolicyFailure> {
        self.budget = self
            .budget
            .checked_sub(units)
            .ok_or(PolicyFailure::TooComplex)?;
        Ok(())
    }

    pub(crate) fn deepest(&self) -> &[Node] {
        self.depths.last().expect("the root depth is never removed")
    }

    pub(crate) fn find(depth: &[Node], policy: &str) -> Option<usize> {
        depth.iter().position(|n| n.policy == policy)
    }

    /// 6.1.3 (d) (1) and (2): the depth for a certificate asserting `policies`.
    /// `any_allowed`: anyPolicy in the certificate stands for every expected policy.
    pub(crate) fn add_depth(
        &mut self,
        policies: &[String],
        any_allowed: bool,
    ) -> Result<(), PolicyFailure> {
        let above = self.deepest().to_vec();
        let mut depth: Vec<Node> = Vec::new();
        for p in policies.iter().filter(|p| *p != ANY_POLICY) {
            // (1) (i): every node above that expects P; (ii) failing that, an anyPolicy node.
            let mut parents: Vec<usize> = (0..above.len())
                .filter(|&i| above[i].expected.contains(p))
                .collect();
            if parents.is_empty() {
                parents.extend(Graph::find(&above, ANY_POLICY));
            }
            if !parents.is_empty() {
                self.charge(1 + parents.len())?;
                depth.push(Node {
                    policy: p.clone(),
                    expected: BTreeSet::from([p.clone()]),
                    parents,
                });
            }
        }
        if any_allowed && policies.iter().any(|p| p == ANY_POLICY) {
            // (2): every expected policy above that no node of this depth has yet.
            let expected: BTreeSet<&String> = above.iter().flat_map(|n| &n.expected).collect();
            for p in expected {
                if Graph::find(&depth, p).is_some() {
                    continue;
                }
                let parents: Vec<usize> = (0..above.len())
                    .filter(|&i| above[i].expected.contains(p))
                    .collect();
                self.charge(1 + parents.len())?;
                depth.push(Node {
                    policy: p.clone(),
                    expected: BTreeSet::from([p.clone()]),
                    parents,
                });
            }
        }
        self.depths.push(depth);
        // (3): nodes above without a child go, and so on upward.
        self.prune();
        Ok(())
    }

    /// Deletes, from the depth above the deepest upward, every node without a child. Returns
    /// false when the root itself went (the tree is NULL).
    pub(crate) fn prune(&mut self) -> bool {
        for d in (0..self.depths.len() - 1).rev() {
            let has_child: Vec<bool> = {
                let mut v = vec![false; self.depths[d].len()];
                for n in &self.depths[d + 1] {
                    for &p in &n.parents {
                        v[p] = true;
                    }
                }
                v
            };
            if has_child.iter().all(|&c| c) {
                continue;
            }
            let mut new_index = vec![usize::MAX; has_child.len()];
            let mut next = 0;
            for (i, &keep) in has_child.iter().enumerate() {
                if keep {
                    new_index[i] = next;
                    next += 1;
                }
            }
            let mut i = 0;
            self.depths[d].retain(|_| {
                i += 1;
                has_child[i - 1]
            });
            for n in &mut self.depths[d + 1] {
                for p in &mut n.parents {
                    *p = new_index[*p];
                }
            }
        }
        !self.depths[0].is_empty()
    }

    /// Whether the graph still has a node at its deepest depth.
    pub(crate) fn is_null(&self) -> bool {
        self.depths[0].is_empty() || self.deepest().is_empty()
    }

    /// The policies of the trust anchor's domain (what RFC 5280 6.1.5 (g) (iii) calls the
    /// valid_policy_node_set, read through any mappings) that some node of the deepest depth
    /// stands for; anyPolicy when a chain of anyPolicy nodes reaches the deepest depth.
    pub(crate) fn authority_policies(&self) -> BTreeSet<String> {
        // For each node, the root-domain policies it comes from, depth by depth.
        let mut above: Vec<BTreeSet<String>> = vec![BTreeSet::from([ANY_POLICY.to_string()])];
        for d in 1..self.depths.len() {
            let parents_any = |n: &Node| {
                n.parents
                    .iter()
                    .all(|&p| self.depths[d - 1][p].policy == ANY_POLICY)
            };
            let here: Vec<BTreeSet<String>> = self.depths[d]
                .iter()
                .map(|n| {
                    if n.policy == ANY_POLICY || !parents_any(n) {
                        n.parents
                            .iter()
                            .flat_map(|&p| above[p].iter().cloned())
                            .collect()
                    } else {
                        BTreeSet::from([n.policy.clone()])
                    }
                })
                .collect();
            above = here;
        }
        above.into_iter().flatten().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn childless_nodes_are_pruned_upward_and_the_authority_set_follows() {
        let mut g = Graph::new(1000);
        g.add_depth(&oids(&["1.1", "1.2"]), true).unwrap();
        assert_eq!(g.deepest().len(), 2);
        // 6.1.3 (d) (3): 1.2 has no child at the next depth and goes.
        g.add_depth(&oids(&["1.1"]), true).unwrap();
        assert_eq!(g.depths[1].len(), 1);
        assert_eq!(g.depths[1][0].policy, "1.1");
        assert_eq!(g.authority_policies(), BTreeSet::from(["1.1".to_string()]));
        // A depth with nothing expected above empties the graph.
        g.add_depth(&oids(&["1.9"]), true).unwrap();
        assert!(g.is_null());
    }

    #[test]
    fn any_policy_expands_to_the_expected_policies_above_or_stays_any() {
        let mut g = Graph::new(1000);
        g.add_depth(&oids(&[ANY_POLICY]), true).unwrap();
        assert_eq!(
            g.authority_policies(),
            BTreeSet::from([ANY_POLICY.to_string()])
        );
        g.add_depth(&oids(&["1.1"]), true).unwrap();
        // 1.1 hangs under anyPolicy: it is in the authorities' set as itself.
        assert_eq!(g.authority_policies(), BTreeSet::from(["1.1".to_string()]));
        // anyPolicy not allowed (inhibited): it matches nothing at this depth.
        g.add_depth(&oids(&[ANY_POLICY]), false).unwrap();
        assert!(g.is_null());
    }

    #[test]
    fn the_budget_stops_growth() {
        let many: Vec<String> = (0..100).map(|i| format!("1.{i}")).collect();
        let mut g = Graph::new(50);
        assert_eq!(g.add_depth(&many, true), Err(PolicyFailure::TooComplex));
    }
}
