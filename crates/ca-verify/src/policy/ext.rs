//! The policy extensions of one certificate (RFC 5280 4.2.1.4, 4.2.1.5, 4.2.1.11, 4.2.1.14),
//! copied out of x509-parser's parse.

use x509_parser::extensions::ParsedExtension;

/// What path validation needs of a certificate's policy extensions.
#[derive(Clone, Debug, Default)]
pub(crate) struct PolicyExtensions {
    /// certificatePolicies: the policy OIDs (dotted, duplicates dropped), or None when absent.
    pub(crate) policies: Option<Vec<String>>,
    /// policyMappings: (issuerDomainPolicy, subjectDomainPolicy) pairs.
    pub(crate) mappings: Vec<(String, String)>,
    /// policyConstraints requireExplicitPolicy.
    pub(crate) require_explicit: Option<u32>,
    /// policyConstraints inhibitPolicyMapping.
    pub(crate) inhibit_mapping: Option<u32>,
    /// inhibitAnyPolicy SkipCerts.
    pub(crate) inhibit_any: Option<u32>,
}

impl PolicyExtensions {
    /// Whether `take` would take `parsed`.
    pub(crate) fn handles(parsed: &ParsedExtension<'_>) -> bool {
        matches!(
            parsed,
            ParsedExtension::CertificatePolicies(_)
                | ParsedExtension::PolicyMappings(_)
                | ParsedExtension::PolicyConstraints(_)
                | ParsedExtension::InhibitAnyPolicy(_)
        )
    }

    /// Takes what it needs from one parsed extension; false when the extension is not one of
    /// the policy extensions.
    pub(crate) fn take(&mut self, parsed: &ParsedExtension<'_>) -> bool {
        match parsed {
            ParsedExtension::CertificatePolicies(list) => {
                let mut oids: Vec<String> = Vec::with_capacity(list.len());
                for p in list {
                    let oid = p.policy_id.to_id_string();
                    if !oids.contains(&oid) {
                        oids.push(oid);
                    }
                }
                self.policies = Some(oids);
            }
            ParsedExtension::PolicyMappings(m) => {
                self.mappings = m
                    .mappings
                    .iter()
                    .map(|p| {
                        (
                            p.issuer_domain_policy.to_id_string(),
                            p.subject_domain_policy.to_id_string(),
                        )
                    })
                    .collect();
            }
            ParsedExtension::PolicyConstraints(c) => {
                self.require_explicit = c.require_explicit_policy;
                self.inhibit_mapping = c.inhibit_policy_mapping;
            }
            ParsedExtension::InhibitAnyPolicy(i) => self.inhibit_any = Some(i.skip_certs),
            _ => return false,
        }
        true
    }
}
