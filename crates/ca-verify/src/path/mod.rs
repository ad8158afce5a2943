//! Path building: depth-first search with backtracking over every candidate issuer, bounded by
//! a maximum depth and a work budget, keeping the most specific error.

use crate::anchor::TrustAnchor;
use crate::cert::Certificate;
use crate::checks;
use crate::error::{
    BestError, CertRef, Reason, Role, VerifyError, HINT_ANCHOR_AS_LEAF, HINT_OTHER_CA_SAME_NAME,
};
use crate::explain::{CheckRecord, Log, PathCert};
use crate::name::constraints;
use crate::options::{Profile, VerifyOptions};
use crate::policy::{self, PolicyOutcome};
use crate::revocation::{self, Status};
use crate::signature::{verify_signed, SignatureAlgorithm, SignatureVerifier};

mod found;
mod node_cache;

pub(crate) use found::{Found, Link, Links};
use node_cache::NodeCache;

/// Intermediates allowed (self-issued ones not counted) when the caller sets no maximum.
pub const DEFAULT_MAX_INTERMEDIATES: usize = 8;
/// Certificates on a path, counting everything, whatever the caller asks for.
const HARD_MAX_PATH_LEN: usize = 16;
/// Work budget: distinct signature checks, search steps, name-constraint comparisons.
const MAX_SIGNATURE_CHECKS: usize = 300;
const MAX_STEPS: usize = 20_000;
const MAX_NC_COMPARISONS: usize = 250_000;

/// A path being built, leaf first: inline up to the longest path allowed.
type Chain = smallvec::SmallVec<[Node; HARD_MAX_PATH_LEN]>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Node {
    Leaf,
    Pool(usize),
    Anchor(usize),
}

pub(crate) struct Search<'a> {
    opts: &'a VerifyOptions,
    backend: &'a dyn SignatureVerifier,
    leaf: &'a Certificate,
    pool: &'a [Certificate],
    anchors: &'a [TrustAnchor],
    /// pkits: the CRLs and what revocation checking shares with nested CRL-signer searches.
    revocation: &'a revocation::Shared,
    /// pkits: how many CRL-signer validations this search is nested in (0 for the caller's).
    nesting: usize,
    /// pkits: what the path-level checks found on the path that completed.
    completed: Option<(Vec<Status>, PolicyOutcome)>,
    signatures: NodeCache<(Node, Node), Result<SignatureAlgorithm, Reason>>,
    issuer_checks: NodeCache<Node, Result<(), Reason>>,
    signature_budget: usize,
    steps: usize,
    nc_budget: usize,
    best: BestError<Vec<Node>>,
}

impl<'a> Search<'a> {
    pub(crate) fn new(
        opts: &'a VerifyOptions,
        backend: &'a dyn SignatureVerifier,
        leaf: &'a Certificate,
        pool: &'a [Certificate],
        anchors: &'a [TrustAnchor],
        revocation: &'a revocation::Shared,
        nesting: usize,
    ) -> Self {
        Search {
            opts,
            backend,
            leaf,
            pool,
            anchors,
            revocation,
            nesting,
            completed: None,
            signatures: NodeCache::new(),
            issuer_checks: NodeCache::new(),
            signature_budget: MAX_SIGNATURE_CHECKS,
            steps: MAX_STEPS,
            nc_budget: MAX_NC_COMPARISONS,
            best: BestError::default(),
        }
    }

    fn cert(&self, n: Node) -> &'a Certificate {
        match n {
            Node::Leaf => self.leaf,
            Node::Pool(i) => &self.pool[i],
            Node::Anchor(i) => &self.anchors[i].cert,
        }
    }

    /// A copy of the certificate at `n`, for the failing path of an error.
    fn path_cert(&self, n: Node) -> PathCert {
        let (role, source) = match n {
            Node::Leaf => (Role::Leaf, None),
            Node::Pool(_) => (Role::Intermediate, None),
            Node::Anchor(a) => (Role::TrustAnchor, self.anchors[a].source.clone()),
        };
        PathCert {
            cert: self.cert(n).clone(),
            role,
            source,
        }
    }

    fn cert_ref(&self, n: Node, position: usize) -> CertRef {
        let role = match n {
            Node::Leaf => Role::Leaf,
            Node::Pool(_) => Role::Intermediate,
            Node::Anchor(_) => Role::TrustAnchor,
        };
        CertRef {
            position,
            subject: self.cert(n).subject.text().to_string(),
            role,
        }
    }

    /// Finds a valid path, or the most specific reason there is none.
    pub(crate) fn run(mut self) -> Result<Found, VerifyError> {
        // Inline up to the longest path there can be: no allocation while searching.
        let mut chain = Chain::new();
        chain.push(Node::Leaf);
        match self.extend(&mut chain) {
            Ok(true) => {
                let (statuses, policy) = self.completed.take().expect("set when a path completes");
                // No statuses when revocation was not checked: NotChecked for every link.
                let mut statuses = statuses.into_iter();
                let mut links = Links::new();
                for w in chain.windows(2) {
                    links.push(Link {
                        alg: self.signatures[&(w[0], w[1])]
                            .clone()
                            .expect("checked on the path"),
                        revocation: statuses.next().unwrap_or(Status::NotChecked),
                    });
                }
                Ok(Found {
                    nodes: chain,
                    links,
                    policy,
                })
            }
            Ok(false) => {
                let best = std::mem::take(&mut self.best).take();
                let (e, path) = best.unwrap_or_else(|| {
                    let e = VerifyError::new(
                        Reason::UnknownIssuer(self.leaf.issuer.text().to_string()),
                        Some(self.cert_ref(Node::Leaf, 0)),
                    );
                    (e, vec![Node::Leaf])
                });
                let checks = self.describe_failure(&path, &e);
                let e = match self.better_hint(&path, &e) {
                    Some(hint) => e.with_hint(hint),
                    None => e,
                };
                let certs = path.iter().map(|&n| self.path_cert(n)).collect();
                Err(e.with_checks(checks).with_path(certs))
            }
            Err(fatal) => Err(fatal),
        }
    }

    /// Extends `chain` upward. Ok(true): `chain` is now a valid path ending at an anchor.
    /// Err: the work budget ran out.
    fn extend(&mut self, chain: &mut Chain) -> Result<bool, VerifyError> {
        let child_node = *chain.last().expect("chain starts with the leaf");
        let child = self.cert(child_node);
        let position = chain.len();
        let mut candidates: smallvec::SmallVec<[Node; 4]> = smallvec::SmallVec::new();
        for (i, a) in self.anchors.iter().enumerate() {
            if self.is_candidate(child, &a.cert) {
                candidates.push(Node::Anchor(i));
            }
        }
        for (i, c) in self.pool.iter().enumerate() {
            if self.is_candidate(child, c) {
                candidates.push(Node::Pool(i));
            }
        }
        if candidates.is_empty() {
            let e = VerifyError::new(
                Reason::UnknownIssuer(child.issuer.text().to_string()),
                Some(self.cert_ref(child_node, position - 1)),
            );
            self.best.offer(e, || chain.to_vec());
            return Ok(false);
        }
        // Issuers whose key id matches the child's authority key id first.
        candidates.sort_by_key(|&n| {
            (
                !matches!(n, Node::Anchor(_)),
                !self.key_id_matches(child, self.cert(n)),
            )
        });
        let mut tried_any = false;
        for cand in candidates {
            if self.steps == 0 {
                return Err(self.fatal(
                    Reason::TooMuchWork("too many path-building steps"),
                    child_node,
                    position - 1,
                ));
            }
            self.steps -= 1;
            if chain.contains(&cand) || self.same_ca_in_chain(chain, cand) {
                continue; // a loop
            }
            tried_any = true;
            if let Node::Pool(_) = cand {
                if let Err(r) = self.depth_allows(chain, cand) {
                    let e = VerifyError::new(r, Some(self.cert_ref(cand, position)));
                    self.best.offer(e, || extended(chain, cand));
                    continue;
                }
            }
            if let Err((r, at)) = self.try_issuer(chain, cand) {
                if let Reason::TooMuchWork(_) = r {
                    return Err(VerifyError::new(r, Some(at)));
                }
                self.best
                    .offer(VerifyError::new(r, Some(at)), || extended(chain, cand));
                continue;
            }
            chain.push(cand);
            let done = match cand {
                Node::Anchor(_) => match self.path_checks(chain) {
                    Ok(()) => true,
                    Err((r, at)) => {
                        self.best
                            .offer(VerifyError::new(r, Some(at)), || chain.to_vec());
                        false
                    }
                },
                _ => self.extend(chain)?,
            };
            if done {
                return Ok(true);
            }
            chain.pop();
        }
        if !tried_any {
            let why = if child_node == Node::Leaf && self.leaf_is_anchor() {
                "the leaf is itself a trust anchor, not a certificate issued by one"
            } else {
                "every candidate is already on the path (a loop)"
            };
            let e = VerifyError::new(
                Reason::UnknownIssuer(format!("{}; {why}", child.issuer.text())),
                Some(self.cert_ref(child_node, position - 1)),
            );
            self.best.offer(e, || chain.to_vec());
        }
        Ok(false)
    }

    /// The checks along the candidate path that produced `e`, ending with the failure.
    fn describe_failure(&mut self, path: &[Node], e: &VerifyError) -> Vec<CheckRecord> {
        let mut records = Vec::new();
        let _ = checks::leaf(self.leaf, self.opts, &mut Log::recording(&mut records));
        for (i, w) in path.windows(2).enumerate() {
            let (child, issuer_node) = (w[0], w[1]);
            let issuer = self.cert(issuer_node);
            let role = match issuer_node {
                Node::Anchor(_) => Role::TrustAnchor,
                _ => Role::Intermediate,
            };
            let mut log = Log::recording(&mut records);
            log.position = i + 1;
            if checks::issuer(issuer, role, self.opts, &mut log).is_err() {
                break;
            }
            log.position = i;
            let Some(sig) = self.signatures.get(&(child, issuer_node)).cloned() else {
                break;
            };
            let alg = sig.as_ref().map(|a| a.to_string()).unwrap_or_default();
            let passed = log.step("signature", sig.map(|_| ()), || {
                format!(
                    "signed with {alg} by #{} ({}), verified with its key",
                    i + 1,
                    issuer.subject.text()
                )
            });
            if passed.is_err() {
                break;
            }
            log.position = i + 1;
            let below = || path[1..=i].iter().map(|&n| self.cert(n));
            if log
                .step("path length", checks::path_len(issuer, below()), || {
                    checks::path_len_text(issuer, below())
                })
                .is_err()
            {
                break;
            }
        }
        if records.iter().all(|r| r.passed) {
            records.push(CheckRecord {
                position: e.cert.as_ref().map_or(0, |c| c.position),
                check: failed_check(&e.reason),
                passed: false,
                detail: e.reason.to_string(),
            });
        }
        records
    }

    /// A hint closer to the cause than the reason's own, from what the search saw.
    fn better_hint(&self, path: &[Node], e: &VerifyError) -> Option<&'static str> {
        match e.reason {
            Reason::BadSignature(_) | Reason::AlgorithmKeyMismatch { .. } => {
                let child = path.len().checked_sub(2).map(|i| path[i])?;
                self.only_other_anchors_fail_signature(child)
                    .then_some(HINT_OTHER_CA_SAME_NAME)
            }
            Reason::UnknownIssuer(_) if self.leaf_is_anchor() => Some(HINT_ANCHOR_AS_LEAF),
            _ => None,
        }
    }

    /// Every candidate issuer of `child` whose signature check failed is a trust anchor with
    /// another key than the one that signed `child` (a key of another type, or a key id other
    /// than the child's authority key id): the name matches, the CA does not.
    fn only_other_anchors_fail_signature(&self, child: Node) -> bool {
        let c = self.cert(child);
        let failed: Vec<Node> = self
            .signatures
            .iter()
            .filter(|((ch, _), r)| *ch == child && r.is_err())
            .map(|((_, issuer), _)| *issuer)
            .collect();
        !failed.is_empty()
            && failed.iter().all(|&n| {
                let Node::Anchor(_) = n else { return false };
                match &self.signatures[&(child, n)] {
                    Err(Reason::AlgorithmKeyMismatch { .. }) => true,
                    Err(Reason::BadSignature(_)) => {
                        let aki = c.ext.aki.as_ref().and_then(|a| a.value.key_id.as_ref());
                        let ski = self.cert(n).ext.ski.as_ref().map(|s| &s.value);
                        matches!((aki, ski), (Some(a), Some(s)) if a != s)
                    }
                    _ => false,
                }
            })
    }

    /// The leaf is one of the trust anchors (same name and key).
    fn leaf_is_anchor(&self) -> bool {
        crate::anchor::is_anchor(self.anchors, self.leaf)
    }

    fn fatal(&self, r: Reason, n: Node, position: usize) -> VerifyError {
        VerifyError::new(r, Some(self.cert_ref(n, position)))
    }

    /// Same issuer name. Key identifiers only order the candidates: a wrong key id must not
    /// hide the issuer (and with it the real reason a path fails); the signature decides.
    fn is_candidate(&self, child: &Certificate, issuer: &Certificate) -> bool {
        crate::name::dn::equal(&issuer.subject, &child.issuer)
    }

    fn key_id_matches(&self, child: &Certificate, issuer: &Certificate) -> bool {
        matches!((child.ext.aki.as_ref().and_then(|a| a.value.key_id.as_ref()), &issuer.ext.ski),
            (Some(aki), Some(ski)) if *aki == ski.value)
    }

    /// The same CA (name and key) twice on a path is a loop even with different certificates.
    fn same_ca_in_chain(&self, chain: &[Node], cand: Node) -> bool {
        let c = self.cert(cand);
        chain.iter().any(|&n| {
            let x = self.cert(n);
            x.subject.raw == c.subject.raw && x.spki() == c.spki()
        })
    }

    fn depth_allows(&self, chain: &[Node], cand: Node) -> Result<(), Reason> {
        if chain.len() + 2 > HARD_MAX_PATH_LEN {
            return Err(Reason::MaxDepthExceeded(HARD_MAX_PATH_LEN - 2));
        }
        let max = self.opts.max_depth.unwrap_or(DEFAULT_MAX_INTERMEDIATES);
        let counted = chain[1..]
            .iter()
            .chain(std::iter::once(&cand))
            .filter(|&&n| !self.cert(n).is_self_issued())
            .count();
        if counted > max {
            return Err(Reason::MaxDepthExceeded(max));
        }
        Ok(())
    }

    /// Can `cand` issue the top of `chain`? Its own checks, the signature, and the constraints
    /// it places on the certificates below.
    fn try_issuer(&mut self, chain: &[Node], cand: Node) -> Result<(), (Reason, CertRef)> {
        let position = chain.len();
        let at = |s: &Self| s.cert_ref(cand, position);
        let issuer = self.cert(cand);
        let role = if let Node::Anchor(_) = cand {
            Role::TrustAnchor
        } else {
            Role::Intermediate
        };
        let static_result = match self.issuer_checks.get(&cand) {
            Some(r) => r.clone(),
            None => {
                let r = checks::issuer(issuer, role, self.opts, &mut Log::silent());
                self.issuer_checks.insert(cand, r.clone());
                r
            }
        };
        static_result.map_err(|r| (r, at(self)))?;

        let child_node = chain[position - 1];
        self.signature(child_node, cand)
            .map_err(|r| (r, self.cert_ref(child_node, position - 1)))?;

        self.path_len(chain, issuer).map_err(|r| (r, at(self)))?;
        if let Some(nc) = &issuer.ext.rare().name_constraints {
            for (i, &n) in chain.iter().enumerate() {
                let below = self.cert(n);
                if i > 0 && below.is_self_issued() {
                    continue; // RFC 5280 4.2.1.10: self-issued intermediates are exempt
                }
                constraints::check(&nc.value, issuer.subject.text(), below, &mut self.nc_budget)
                    .map_err(|r| (r, self.cert_ref(n, i)))?;
            }
        }
        Ok(())
    }

    fn signature(&mut self, child: Node, issuer: Node) -> Result<SignatureAlgorithm, Reason> {
        if let Some(r) = self.signatures.get(&(child, issuer)) {
            return r.clone();
        }
        if self.signature_budget == 0 {
            return Err(Reason::TooMuchWork("too many signature checks"));
        }
        self.signature_budget -= 1;
        let c = self.cert(child);
        let r = verify_signed(
            self.backend,
            &c.signature_algorithm,
            c.tbs_der(),
            c.signature(),
            self.cert(issuer),
        )
        .map_err(|r| match r {
            Reason::BadSignature(alg) => Reason::BadSignature(format!(
                "{alg}, key of {}",
                self.cert(issuer).subject.text()
            )),
            other => other,
        });
        self.signatures.insert((child, issuer), r.clone());
        r
    }

    fn path_len(&self, chain: &[Node], issuer: &Certificate) -> Result<(), Reason> {
        checks::path_len(issuer, chain[1..].iter().map(|&n| self.cert(n)))
    }

    /// pkits: the checks of a complete path (leaf to anchor): certificate policies (RFC 5280
    /// 6.1.3 to 6.1.5), then revocation (6.3). Both live in their own modules.
    fn path_checks(&mut self, chain: &[Node]) -> Result<(), (Reason, CertRef)> {
        let mut certs: smallvec::SmallVec<[&Certificate; 4]> = smallvec::SmallVec::new();
        for &n in chain {
            certs.push(self.cert(n));
        }
        let policy = policy::process(&certs, &self.opts.policy).map_err(|f| {
            let at = f.position().unwrap_or(0).min(chain.len() - 1);
            (Reason::Policy(f), self.cert_ref(chain[at], at))
        })?;
        let Some(&Node::Anchor(a)) = chain.last() else {
            unreachable!("a complete path ends at an anchor")
        };
        let env = revocation::Env {
            opts: self.opts,
            backend: self.backend,
            pool: self.pool,
            anchor: &self.anchors[a..=a],
            shared: self.revocation,
            nesting: self.nesting,
        };
        let statuses = revocation::check_path(&env, &certs)
            .map_err(|(r, i)| (r, self.cert_ref(chain[i], i)))?;
        self.completed = Some((statuses, policy));
        Ok(())
    }
}

/// pkits: validates a CRL signer's certificate (RFC 5280 6.3.3 (f)): a path of its own to the
/// same trust anchor, under the same rules, its own revocation included. Its use is signing
/// CRLs, not the caller's purpose or name: no name is checked, the CA/Browser Forum
/// subscriber rules do not apply, and the policy inputs are the defaults.
pub(crate) fn validate_crl_signer(
    env: &revocation::Env<'_>,
    signer: &Certificate,
) -> Result<(), VerifyError> {
    let opts = VerifyOptions {
        time: env.opts.time,
        purpose: env.opts.purpose.clone(),
        name: None,
        max_depth: env.opts.max_depth,
        // The CRLs are in `env.shared`.
        crls: Vec::new(),
        revocation: env.opts.revocation,
        policy: Default::default(),
        // The key usage the signer needs, cRLSign, is checked by the revocation module.
        required_key_usage: Vec::new(),
        profile: match env.opts.profile {
            Profile::WebPki => Profile::Rfc5280,
            p => p,
        },
    };
    checks::leaf(signer, &opts, &mut Log::silent()).map_err(|r| VerifyError::new(r, None))?;
    Search::new(
        &opts,
        env.backend,
        signer,
        env.pool,
        env.anchor,
        env.shared,
        env.nesting + 1,
    )
    .run()
    .map(|_| ())
}

fn extended(chain: &[Node], next: Node) -> Vec<Node> {
    let mut v = chain.to_vec();
    v.push(next);
    v
}

/// The check a failure found after every per-link check passed belongs to.
fn failed_check(reason: &Reason) -> &'static str {
    match reason {
        Reason::Revoked { .. } | Reason::InvalidCrl(_) | Reason::RevocationUnknown(_) => {
            "revocation"
        }
        Reason::Policy(_) => "certificate policies",
        Reason::NameConstraintViolation { .. } | Reason::InvalidNameConstraints(_) => {
            "name constraints"
        }
        _ => "path",
    }
}
