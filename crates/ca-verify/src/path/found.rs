//! What a successful search returns, and the verified path it becomes.

use super::{Chain, Node};
use crate::anchor::TrustAnchor;
use crate::cert::Certificate;
use crate::error::Role;
use crate::explain::{PathCert, VerifiedPath};
use crate::options::VerifyOptions;
use crate::policy::PolicyOutcome;
use crate::revocation::Status;
use crate::signature::SignatureAlgorithm;

/// A path found by the search: the certificates, and what each link's checks found.
pub(crate) struct Found {
    pub(super) nodes: Chain,
    pub(super) links: Links,
    pub(super) policy: PolicyOutcome,
}

/// The links of a path, inline for the usual two or three.
pub(crate) type Links = smallvec::SmallVec<[Link; 3]>;

/// What was found on one link of the path (certificate -> its issuer), for the explanation.
#[derive(Clone, Debug)]
pub(crate) struct Link {
    pub(crate) alg: SignatureAlgorithm,
    /// The revocation status of the certificate (not of its issuer).
    pub(crate) revocation: Status,
}

impl Found {
    /// Builds the verified path: the leaf, the intermediates used (shared with the pool) and
    /// the anchor.
    pub(crate) fn into_path(
        self,
        leaf: Certificate,
        pool: &[Certificate],
        anchors: &[TrustAnchor],
        opts: &VerifyOptions,
    ) -> VerifiedPath {
        let mut leaf = Some(leaf);
        let mut certs = crate::explain::PathCerts::new();
        for &n in &self.nodes {
            certs.push(match n {
                Node::Leaf => PathCert {
                    cert: leaf.take().expect("leaf once"),
                    role: Role::Leaf,
                    source: None,
                },
                Node::Pool(i) => PathCert {
                    cert: pool[i].clone(),
                    role: Role::Intermediate,
                    source: None,
                },
                Node::Anchor(a) => PathCert {
                    cert: anchors[a].cert.clone(),
                    role: Role::TrustAnchor,
                    source: anchors[a].source.clone(),
                },
            });
        }
        VerifiedPath::new(certs, self.links, self.policy, opts)
    }
}
