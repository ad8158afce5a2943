//! The rulebook: every rule the verifier enforces, as data.
//!
//! One row per rule: a stable id, the clause it comes from, its kind (which decides the profiles
//! it belongs to), the roles it applies to and the reason code it yields. The checks in
//! `checks`, `name` and `path` name the row they enforce by its [`RuleId`], and ask
//! [`RuleId::applies`] whether the profile in force includes it. `docs/rules.md` is generated
//! from this table ([`markdown`]), together with the requirements deliberately not enforced
//! ([`NOT_ENFORCED`]).

use crate::options::Profile;

/// Where a rule comes from, which decides the profiles that include it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// RFC 5280 section 6 (and the syntax it relies on): what every conforming relying party
    /// checks. In every profile.
    Pkix,
    /// RFC 5280 section 4 requirements addressed to CAs ("conforming CAs MUST ..."), checked by
    /// a strict reader. In the rfc5280 and webpki profiles.
    Rfc5280,
    /// CA/Browser Forum Baseline Requirements (and the purpose-specific CA/B documents). In the
    /// webpki profile only.
    WebPki,
}

impl Kind {
    /// The name used in `docs/rules.md` and in explanations.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Pkix => "pkix",
            Kind::Rfc5280 => "rfc5280",
            Kind::WebPki => "webpki",
        }
    }
}

/// The certificate roles (and CRLs) a rule applies to, as a bit set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Roles(u8);

impl Roles {
    /// The end-entity certificate.
    pub const LEAF: Roles = Roles(1);
    /// An untrusted CA certificate on the path.
    pub const INTERMEDIATE: Roles = Roles(2);
    /// A trust anchor given by the caller.
    pub const ANCHOR: Roles = Roles(4);
    /// A CRL.
    pub const CRL: Roles = Roles(8);
    /// Every CA certificate.
    pub const CA: Roles = Roles(2 | 4);
    /// Every certificate.
    pub const CERTS: Roles = Roles(1 | 2 | 4);

    const fn or(self, o: Roles) -> Roles {
        Roles(self.0 | o.0)
    }

    /// Whether `role` is in the set.
    pub fn contains(self, role: crate::error::Role) -> bool {
        let bit = match role {
            crate::error::Role::Leaf => 1,
            crate::error::Role::Intermediate => 2,
            crate::error::Role::TrustAnchor => 4,
        };
        self.0 & bit != 0
    }

    /// "leaf, intermediate, anchor, CRL" (those present).
    pub fn names(self) -> String {
        let all = [(1, "leaf"), (2, "intermediate"), (4, "anchor"), (8, "CRL")];
        all.iter()
            .filter(|(b, _)| self.0 & b != 0)
            .map(|(_, n)| *n)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One row of the rulebook.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// The typed name of the rule.
    pub rule: RuleId,
    /// The stable id, e.g. `san.critical-iff-empty-subject`.
    pub id: &'static str,
    /// The clause(s) it comes from.
    pub clause: &'static str,
    /// RFC 5280 path validation, RFC 5280 profile, or CA/B Forum.
    pub kind: Kind,
    /// Where it applies.
    pub roles: Roles,
    /// The code of the [`crate::Reason`] a violation yields (`Reason::code`).
    pub reason: &'static str,
    /// What it requires, in one line.
    pub requires: &'static str,
    /// The CA/B Forum explicitly relaxes this RFC 5280 rule: not in the webpki profile.
    pub relaxed_by_webpki: bool,
    /// Checked before `ca` issues a certificate, not when verifying one: Web PKI clients do
    /// not enforce it, and the BetterTLS expectations (what browsers do) accept certificates
    /// that break it.
    pub issuance_only: bool,
}

macro_rules! rulebook {
    ($( $variant:ident: $id:literal, $kind:ident, $roles:expr, $clause:literal, $reason:literal,
        $requires:literal $(, relaxed_by_webpki = $relaxed:literal)?
        $(, issuance_only = $issuance:literal)?; )*) => {
        /// Every rule of the rulebook, by name. [`RuleId::rule`] gives its row.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum RuleId { $( #[doc = $requires] $variant, )* }

        /// The rulebook, in the order of [`RuleId`].
        pub static RULES: &[Rule] = &[ $( Rule {
            rule: RuleId::$variant,
            id: $id,
            clause: $clause,
            kind: Kind::$kind,
            roles: $roles,
            reason: $reason,
            requires: $requires,
            relaxed_by_webpki: false $( || $relaxed )?,
            issuance_only: false $( || $issuance )?,
        }, )* ];
    };
}

const L: Roles = Roles::LEAF;
const I: Roles = Roles::INTERMEDIATE;
const A: Roles = Roles::ANCHOR;
const CA: Roles = Roles::CA;
const ALL: Roles = Roles::CERTS;
const LI: Roles = L.or(I);

rulebook! {
    // --- Encoding and syntax ------------------------------------------------------------------
    DerSyntax: "cert.der-syntax", Pkix, ALL, "RFC 5280 4.1; X.690 (DER)", "malformed",
        "the certificate is DER-encoded X.509: no trailing bytes, known extensions well-formed";
    SignatureAlgorithmsMatch: "cert.signature-algorithms-match", Pkix, ALL, "RFC 5280 4.1.1.2",
        "signature_algorithm_mismatch",
        "signatureAlgorithm equals tbsCertificate.signature";
    NoDuplicateExtensions: "cert.no-duplicate-extensions", Pkix, ALL, "RFC 5280 4.2",
        "duplicate_extension", "no extension appears more than once";
    UnknownCriticalExtension: "cert.unknown-critical-extension", Pkix, ALL,
        "RFC 5280 4.2; 6.1.4 (o)", "unknown_critical_extension",
        "no critical extension the verifier does not process";
    ExtensionsNeedV3: "cert.extensions-need-v3", Rfc5280, ALL, "RFC 5280 4.1.2.1", "version",
        "a certificate with extensions is version 3";
    UniqueIdsNeedV2: "cert.unique-ids-need-v2", Rfc5280, ALL, "RFC 5280 4.1.2.8", "version",
        "issuerUniqueID / subjectUniqueID only in version 2 or 3";
    V3Required: "cert.v3-required", WebPki, ALL, "CA/B BR 7.1.1", "version",
        "every certificate is X.509 version 3";
    SyntaxNotEmpty: "cert.sequences-not-empty", Pkix, ALL,
        "RFC 5280 4.2.1.6, 4.2.1.12, 4.2.2.1 (SIZE (1..MAX))", "syntax",
        "subjectAltName, extendedKeyUsage and authorityInfoAccess list at least one entry";
    SanIpLength: "san.ip-address-length", Pkix, ALL, "RFC 5280 4.2.1.6", "syntax",
        "an iPAddress entry of subjectAltName has 4 (IPv4) or 16 (IPv6) octets";

    // --- Serial number ------------------------------------------------------------------------
    SerialPositive: "serial.positive", Rfc5280, ALL, "RFC 5280 4.1.2.2", "serial_number",
        "the serial number is a positive integer (a trust anchor may have serial 0: some long-lived roots do)";
    SerialLength: "serial.max-20-octets", Rfc5280, ALL, "RFC 5280 4.1.2.2", "serial_number",
        "the serial number is at most 20 octets";

    // --- Signatures and keys ------------------------------------------------------------------
    SignatureVerifies: "sig.verifies", Pkix, LI, "RFC 5280 6.1.3 (a)(1)", "bad_signature",
        "the signature verifies with the issuer's public key";
    SignatureAlgorithm: "sig.supported-algorithm", Pkix, LI,
        "RFC 5280 6.1.3 (a)(1); RFC 4055, 5758, 8410; local policy: no MD5 or SHA-1",
        "unsupported_signature_algorithm",
        "the signature algorithm is RSA PKCS#1 v1.5 / PSS or ECDSA with SHA-2, Ed25519, or ML-DSA-44/65/87";
    KeyUsable: "key.usable", Pkix, ALL, "RFC 5280 4.1.2.7; RFC 3279, 5480, 8410, 9881 4",
        "unsupported_key", "the public key is RSA, ECDSA on a named NIST curve, Ed25519 or ML-DSA, and well-formed";
    MlDsaNoParameters: "alg.ml-dsa-no-parameters", Pkix, ALL, "RFC 9881 2, 4", "syntax",
        "an ML-DSA AlgorithmIdentifier (signatureAlgorithm, tbsCertificate.signature and subjectPublicKeyInfo) has no parameters field: absent, not NULL";
    MlDsaKeyUsage: "ku.ml-dsa-bits", Rfc5280, ALL, "RFC 9881 5", "ca_extensions",
        "the keyUsage of a certificate with an ML-DSA key asserts only digitalSignature, nonRepudiation, keyCertSign and cRLSign (no keyEncipherment, dataEncipherment, keyAgreement, encipherOnly, decipherOnly)";
    RsaMinimum: "key.rsa-2048", Pkix, ALL, "local policy (NIST SP 800-131A)", "unsupported_key",
        "RSA keys have at least 2048 bits";
    WebPkiKeyAlgorithms: "key.webpki-algorithms", WebPki, ALL, "CA/B BR 6.1.5, 7.1.3.1",
        "key_not_allowed",
        "keys are RSA (a multiple of 8 bits) or ECDSA on P-256/P-384/P-521: no Ed25519, DSA or other keys";

    // --- Validity -----------------------------------------------------------------------------
    ValidityWindow: "validity.window", Pkix, ALL, "RFC 5280 6.1.3 (a)(2), 4.1.2.5",
        "expired",
        "notBefore <= time <= notAfter (trust anchors too: an expired root is refused)";

    // --- Issuer chaining and path ------------------------------------------------------------
    IssuerNameChaining: "path.issuer-name-chaining", Pkix, LI, "RFC 5280 6.1.3 (a)(4)",
        "unknown_issuer", "each certificate's issuer is the subject of the next one up";
    IssuerIsCa: "bc.issuer-is-ca", Pkix, CA, "RFC 5280 6.1.4 (k)", "not_ca",
        "every issuer (trust anchors too) has basicConstraints with cA TRUE";
    PathLength: "bc.path-len", Pkix, CA, "RFC 5280 6.1.4 (l), (m)", "path_len_exceeded",
        "no more non-self-issued intermediates below a CA than its pathLenConstraint";
    CaBasicConstraintsCritical: "bc.ca-critical", Rfc5280, CA, "RFC 5280 4.2.1.9",
        "criticality", "a CA's basicConstraints is critical (trust anchors too)";
    PathLenNeedsCa: "bc.path-len-needs-ca-keycertsign", Rfc5280, ALL, "RFC 5280 4.2.1.9",
        "ca_extensions",
        "pathLenConstraint only with cA TRUE and, when keyUsage is present, keyCertSign";
    LeafNotCa: "bc.leaf-not-ca", WebPki, L, "CA/B BR 7.1.2.7.8", "ca_used_as_leaf",
        "a subscriber (leaf) certificate is not a CA";

    // --- Key usage ----------------------------------------------------------------------------
    IssuerKeyCertSign: "ku.issuer-keycertsign", Pkix, CA, "RFC 5280 6.1.4 (n)", "key_usage",
        "an issuer's keyUsage, when present, asserts keyCertSign";
    CaKeyUsageRequired: "ku.ca-required", Rfc5280, CA, "RFC 5280 4.2.1.3", "ca_extensions",
        "a CA certificate (whose key verifies certificates) has a keyUsage extension (issuance only: RFC 5280 6.1.4 (n) checks keyUsage only if present, and verifiers accept CAs without it)",
        issuance_only = true;
    CaKeyUsageCritical: "ku.ca-critical", WebPki, CA, "CA/B BR 7.1.2.1.1, 7.1.2.10.7", "criticality",
        "a CA certificate's keyUsage is critical (issuance only: browsers accept a non-critical one)",
        issuance_only = true;
    KeyCertSignNeedsCa: "ku.keycertsign-needs-ca", Rfc5280, ALL, "RFC 5280 4.2.1.3, 4.2.1.9",
        "ca_extensions", "keyCertSign only in a certificate with cA TRUE";
    KeyUsageNotEmpty: "ku.not-empty", Rfc5280, ALL, "RFC 5280 4.2.1.3", "ca_extensions",
        "a keyUsage extension asserts at least one bit";
    LeafRequiredKeyUsage: "ku.leaf-required-bits", Pkix, L, "RFC 5280 4.2.1.3",
        "key_usage", "the leaf's keyUsage, when present, asserts the bits the caller requires";

    // --- Extended key usage -------------------------------------------------------------------
    EkuPurpose: "eku.purpose", Pkix, ALL,
        "RFC 5280 4.2.1.12 (applied to CA certificates too, as Mozilla, Chrome, Go and OpenSSL do)",
        "extended_key_usage",
        "an extendedKeyUsage, when present, allows the purpose (or anyExtendedKeyUsage, except in webpki leaves)";
    LeafEkuRequired: "eku.leaf-required", WebPki, L, "CA/B BR 7.1.2.7.10", "eku_profile",
        "a subscriber certificate has an extendedKeyUsage";
    LeafNoAnyEku: "eku.leaf-no-any", WebPki, L, "CA/B BR 7.1.2.7.10", "eku_profile",
        "a subscriber certificate's extendedKeyUsage does not list anyExtendedKeyUsage";
    LeafEkuNotCritical: "eku.leaf-not-critical", WebPki, L, "CA/B BR 7.1.2.7.10",
        "criticality", "a subscriber certificate's extendedKeyUsage is not critical";
    RootNoEku: "eku.root-absent", WebPki, A, "CA/B BR 7.1.2.1.2", "eku_profile",
        "a root (trust anchor) certificate has no extendedKeyUsage";
    TimeStampingEku: "eku.time-stamping", Rfc5280, L, "RFC 3161 2.3", "eku_profile",
        "for time-stamping: the extendedKeyUsage lists id-kp-timeStamping only, and is critical";
    CodeSigningEku: "eku.code-signing", WebPki, L, "CA/B Code Signing BR 7.1.2.3 (f)",
        "eku_profile",
        "for code signing: the extendedKeyUsage lists id-kp-codeSigning, and neither anyExtendedKeyUsage nor id-kp-serverAuth";

    // --- Key identifiers ----------------------------------------------------------------------
    AkiNotCritical: "aki.not-critical", Rfc5280, ALL, "RFC 5280 4.2.1.1", "criticality",
        "authorityKeyIdentifier is not critical";
    AkiRequired: "aki.required", Rfc5280, LI, "RFC 5280 4.2.1.1", "key_identifier",
        "every certificate but a self-issued one has an authorityKeyIdentifier with keyIdentifier";
    SkiNotCritical: "ski.not-critical", Rfc5280, ALL, "RFC 5280 4.2.1.2", "criticality",
        "subjectKeyIdentifier is not critical";
    SkiRequiredInCa: "ski.ca-required", Rfc5280, CA, "RFC 5280 4.2.1.2", "key_identifier",
        "every CA certificate (trust anchors too) has a subjectKeyIdentifier";
    RootAkiKeyId: "aki.root-keyid", WebPki, A, "CA/B BR 7.1.2.1.3", "key_identifier",
        "a root's authorityKeyIdentifier, when present, has keyIdentifier";
    RootAkiNoIssuerSerial: "aki.root-no-issuer-serial", WebPki, A, "CA/B BR 7.1.2.1.3",
        "key_identifier",
        "a root's authorityKeyIdentifier has no authorityCertIssuer or authorityCertSerialNumber";
    RootAkiMatchesSki: "aki.root-matches-ski", WebPki, A, "CA/B BR 7.1.2.1.3",
        "key_identifier", "a self-issued root's authorityKeyIdentifier equals its subjectKeyIdentifier";

    // --- Subject and subjectAltName -----------------------------------------------------------
    CaSubjectNotEmpty: "subject.ca-not-empty", Rfc5280, CA, "RFC 5280 4.1.2.6", "subject",
        "a CA certificate has a non-empty subject";
    EmptySubjectNeedsCriticalSan: "subject.empty-needs-critical-san", Rfc5280, ALL,
        "RFC 5280 4.1.2.6, 4.2.1.6", "subject",
        "a certificate with an empty subject has a critical subjectAltName";
    SanCriticalIffEmptySubject: "san.critical-iff-empty-subject", WebPki, L,
        "CA/B BR 7.1.2.7.12", "criticality",
        "subjectAltName is critical if and only if the subject is empty";
    SanRequired: "san.required", WebPki, L, "CA/B BR 7.1.2.7.12", "subject_alt_name",
        "a subscriber certificate has a subjectAltName";
    SanDnsSyntax: "san.dns-syntax", Rfc5280, ALL,
        "RFC 5280 4.2.1.6; RFC 1034 3.5, RFC 1123 2.1; RFC 6125 6.4.3 (wildcard)",
        "subject_alt_name",
        "a dNSName is a host name in preferred name syntax (letters, digits, '-'; no '_', no empty label, no trailing dot; IDNs as A-labels), optionally under one leading '*.' label; not a dotted-decimal IP address";
    SanWildcardPublicSuffix: "san.wildcard-public-suffix", WebPki, L, "CA/B BR 3.2.2.6",
        "subject_alt_name",
        "no wildcard dNSName directly under a public suffix (e.g. *.co.uk) or a single label (*.com)";
    CnCopiesSan: "subject.cn-copies-san", WebPki, L, "CA/B BR 7.1.4.3, 7.1.2.7.2", "subject",
        "the subject has at most one commonName, and it is a character-for-character copy of a dNSName or the canonical text of an iPAddress in subjectAltName",
        issuance_only = true;
    CnExactCopy: "subject.cn-exact-copy", WebPki, L, "CA/B BR 7.1.4.3", "subject",
        "a subject commonName that names a subjectAltName entry (equal up to letter case, or the same IP address in another notation) is a character-for-character copy of it";
    ExpectedName: "name.matches-expected", Pkix, L, "RFC 6125 6.4 (RFC 9525)", "name_mismatch",
        "the name asked for is in subjectAltName (dNSName, iPAddress or rfc822Name; never the CN)";

    // --- Name constraints ---------------------------------------------------------------------
    NameConstraintsCritical: "nc.critical", Rfc5280, CA, "RFC 5280 4.2.1.10; relaxed by CA/B BR 7.1.2.5.2",
        "criticality", "nameConstraints is critical", relaxed_by_webpki = true;
    NameConstraintsSyntax: "nc.syntax", Pkix, CA, "RFC 5280 4.2.1.10",
        "invalid_name_constraints",
        "nameConstraints has permitted or excluded subtrees, minimum 0, no maximum, and well-formed bases";
    NameConstraintsOnlyInCa: "nc.only-in-ca", Rfc5280, ALL, "RFC 5280 4.2.1.10",
        "ca_extensions", "nameConstraints only in a CA certificate";
    NameConstraintsSubtrees: "nc.subtrees", Pkix, CA, "RFC 5280 6.1.3 (b), (c); 6.1.4 (g)",
        "name_constraint_violation",
        "every name below a constrained CA (SANs, subject DN, e-mail in the subject; never the CN) is within the permitted and outside the excluded subtrees";

    // --- Policies and access information -------------------------------------------------------
    PolicyConstraintsCritical: "pc.critical", Rfc5280, ALL, "RFC 5280 4.2.1.11", "criticality",
        "policyConstraints is critical";
    InhibitAnyPolicyCritical: "inhibit-any-policy.critical", Rfc5280, ALL, "RFC 5280 4.2.1.14",
        "criticality", "inhibitAnyPolicy is critical";
    AiaNotCritical: "aia.not-critical", Rfc5280, ALL, "RFC 5280 4.2.2.1", "criticality",
        "authorityInfoAccess is not critical";

    // --- Revocation (RFC 5280 6.3; the checks live in revocation/) ----------------------------
    CrlStatusDetermined: "crl.status-determined", Pkix, LI, "RFC 5280 6.3.3",
        "revocation_unknown",
        "with CRLs given, every certificate but the anchor has its status decided by a valid, current CRL in scope (fail closed; leaf-only and soft-fail only when asked)";
    CrlScope: "crl.scope", Pkix, Roles::CRL, "RFC 5280 6.3.3 (b), (c), (d); 5.2.5; 5.3.3",
        "revocation_unknown",
        "a CRL decides only for what its issuer (or cRLIssuer, with indirectCRL), issuingDistributionPoint (distribution point, onlyContainsUser/CA/AttributeCerts) and reasons cover";
    CrlCurrent: "crl.current", Pkix, Roles::CRL, "RFC 5280 6.3.3 (a); 5.1.2.4, 5.1.2.5",
        "revocation_unknown", "a CRL is used only when thisUpdate <= time <= nextUpdate";
    CrlSignature: "crl.signature", Pkix, Roles::CRL, "RFC 5280 6.3.3 (g)", "revocation_unknown",
        "the CRL's signature verifies with the key of a certificate named as its issuer";
    CrlIssuerCrlSign: "crl.issuer-crlsign", Pkix, Roles::CRL, "RFC 5280 6.3.3 (f)",
        "revocation_unknown", "the CRL issuer's keyUsage, when present, asserts cRLSign";
    CrlSignerPath: "crl.signer-path", Pkix, Roles::CRL, "RFC 5280 6.3.3 (f)",
        "revocation_unknown",
        "a CRL signer that is not on the path has a valid path of its own to the same anchor, its own revocation included";
    CrlUnknownCriticalExtension: "crl.unknown-critical-extension", Pkix, Roles::CRL,
        "RFC 5280 5.2, 5.3", "revocation_unknown",
        "a CRL with a critical CRL or entry extension that is not processed is not used";
    CrlAlgorithmsMatch: "crl.signature-algorithms-match", Pkix, Roles::CRL, "RFC 5280 5.1.1.2",
        "revocation_unknown", "a CRL's signatureAlgorithm equals tbsCertList.signature";
    CrlDeltaWithBase: "crl.delta-with-base", Pkix, Roles::CRL,
        "RFC 5280 5.2.4; 6.3.3 (b)(3), (h), (i)", "revocation_unknown",
        "a delta CRL is used only with its complete CRL (same issuer, scope and key; base not newer)";
    CrlNumber: "crl.number", Rfc5280, Roles::CRL, "RFC 5280 5.2.3", "revocation_unknown",
        "a CRL has a non-critical CRLNumber";
    CrlRevoked: "crl.not-revoked", Pkix, ALL.or(Roles::CRL),
        "RFC 5280 6.1.3 (a)(3), 6.3.3 (i)-(k)", "revoked",
        "no certificate on the path is listed on a CRL in scope (removeFromCRL un-lists)";

    // --- Certificate policies (RFC 5280 6.1.2-6.1.5; the checks live in policy/) ---------------
    PolicyExplicit: "policy.explicit-required", Pkix, LI,
        "RFC 5280 6.1.3 (d)-(f), 6.1.4 (b), (h)-(j), 6.1.5 (g); 4.2.1.4, 4.2.1.5, 4.2.1.11, 4.2.1.14",
        "certificate_policy",
        "when an explicit policy is required (initial-explicit-policy or requireExplicitPolicy), the path is valid for an acceptable policy, after mappings, inhibitPolicyMapping and inhibitAnyPolicy";
    PolicyNoAnyMapping: "policy.no-any-policy-mapping", Pkix, I, "RFC 5280 6.1.4 (a); 4.2.1.5",
        "certificate_policy", "policyMappings maps neither to nor from anyPolicy";
    PolicyBounded: "policy.bounded", Pkix, I, "local policy (CVE-2023-0464)",
        "certificate_policy",
        "the valid policy graph of a path stays within 20,000 nodes and edges";
}

impl RuleId {
    /// The row of the rule.
    pub fn rule(self) -> &'static Rule {
        &RULES[self as usize]
    }

    /// The stable id, e.g. `san.critical-iff-empty-subject`.
    pub fn id(self) -> &'static str {
        self.rule().id
    }

    /// Whether verification under `profile` enforces the rule.
    pub fn applies(self, profile: Profile) -> bool {
        !self.rule().issuance_only && self.applies_at_issuance(profile)
    }

    /// Whether issuance under `profile` enforces the rule (every rule of the profile's kinds).
    pub fn applies_at_issuance(self, profile: Profile) -> bool {
        let r = self.rule();
        profile.includes(r.kind) && !(profile == Profile::WebPki && r.relaxed_by_webpki)
    }
}

/// Requirements of the standards a verifier could check but this one deliberately does not:
/// (clause, requirement, why not).
pub static NOT_ENFORCED: &[(&str, &str, &str)] = &[
    ("RFC 5280 4.1.2.5", "validity dates through 2049 in UTCTime, from 2050 in GeneralizedTime",
        "an encoding choice with no security effect; the time read is the same either way"),
    ("RFC 5280 4.1.2.4, 4.1.2.6", "issuer and subject names use PrintableString or UTF8String",
        "legacy encodings (TeletexString, BMPString) still appear in trusted roots; names are compared as RFC 5280 7.1 says"),
    ("RFC 5280 4.2.1.3", "keyUsage SHOULD be critical", "a SHOULD (the CA/B Forum makes it a MUST for CA certificates: ku.ca-critical)"),
    ("CA/B BR 7.1.2.7.12", "a subscriber certificate's subjectAltName holds dNSName and iPAddress entries only, no reserved IP addresses or internal names",
        "validation of the names belongs to the issuing CA; browsers match the names asked for and ignore the rest"),
    ("RFC 5280 4.2.1.4", "policy qualifiers (CPS pointer, user notice) are shown to the relying party",
        "not processed: they never change a verdict (RFC 5280 6.1.3 (d) keeps them for the application)"),
    ("RFC 5280 4.2.1.7", "issuerAltName SHOULD NOT be critical", "a SHOULD"),
    ("RFC 5280 4.2.1.13", "cRLDistributionPoints SHOULD be non-critical", "a SHOULD"),
    ("RFC 5280 4.2.1.15", "freshestCRL MUST be non-critical",
        "not processed: a critical freshestCRL is refused as an unknown critical extension"),
    ("RFC 5280 4.2.2.2", "subjectInfoAccess MUST be non-critical",
        "not processed: a critical subjectInfoAccess is refused as an unknown critical extension"),
    ("RFC 5280 4.2.1.6", "subjectAltName URIs and e-mail addresses are well-formed",
        "only checked where they are matched (name constraints, e-mail names): a malformed one never matches"),
    ("CA/B BR 6.3.2", "subscriber certificates valid for at most 398 days",
        "browsers enforce it for publicly-trusted roots only; private hierarchies issue longer-lived certificates"),
    ("CA/B BR 7.1.2.7.9", "subscriber certificates carry certificatePolicies",
        "no browser refuses a certificate for lacking it; belongs with policy processing"),
    ("CA/B BR 7.1.2.7.11", "keyUsage bits by key type (digitalSignature; keyEncipherment for RSA only)",
        "browsers do not refuse on it; checked where the TLS handshake needs it"),
    ("CA/B BR 7.1.2.7.7, 7.1.2.11.1", "authorityInformationAccess with an HTTP caIssuers / OCSP URL",
        "no browser refuses a certificate for lacking it"),
    ("CA/B BR 7.1.4.1", "subject attributes in the order and encodings of the BR table",
        "an issuance rule with no effect on what a relying party may accept"),
    ("CA/B BR 7.1.2.3, 7.1.2.5", "CRL distribution points and certificate policies in subordinate CAs",
        "no browser refuses a path for lacking them"),
    ("RFC 5280 6.1.3 (a)(3)", "revocation status of every certificate",
        "checked only against the CRLs the caller gives (no fetching, no OCSP)"),
];

/// `docs/rules.md`, generated from [`RULES`] and [`NOT_ENFORCED`].
pub fn markdown() -> String {
    let mut s = String::new();
    s.push_str("# The rulebook\n\n");
    s.push_str(
        "Generated from `crates/ca-verify/src/rules.rs` (do not edit by hand; regenerate with\n\
         `UPDATE_RULES_MD=1 cargo test -p ca-verify --test rules_doc`).\n\n\
         Every rule ca-verify enforces, with the clause it comes from. The kind decides the\n\
         profiles: `pkix` rules (RFC 5280 section 6, the path-validation algorithm, and the syntax\n\
         it relies on) are in every profile; `rfc5280` rules (section 4 requirements addressed to\n\
         CAs) are in `--profile rfc5280` and `--profile webpki`; `webpki` rules (CA/Browser Forum)\n\
         only in `--profile webpki`, the default for server validation. A rule marked\n\
         \"relaxed by webpki\" is one the CA/B Forum explicitly relaxes. `ca` runs the same rules\n\
         before it writes a certificate; a rule marked \"issuance only\" is checked there and not\n\
         when verifying, because Web PKI clients accept certificates that break it.\n\n",
    );
    s.push_str("| id | kind | applies to | clause | reason | requires |\n");
    s.push_str("|---|---|---|---|---|---|\n");
    for r in RULES {
        let mut kind = r.kind.name().to_string();
        if r.relaxed_by_webpki {
            kind.push_str(" (relaxed by webpki)");
        }
        if r.issuance_only {
            kind.push_str(" (issuance only)");
        }
        s.push_str(&format!(
            "| `{}` | {} | {} | {} | `{}` | {} |\n",
            r.id,
            kind,
            r.roles.names(),
            r.clause,
            r.reason,
            r.requires
        ));
    }
    s.push_str("\n## Deliberately not enforced\n\n");
    s.push_str("| clause | requirement | why not |\n|---|---|---|\n");
    for (clause, what, why) in NOT_ENFORCED {
        s.push_str(&format!("| {clause} | {what} | {why} |\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_in_enum_order_with_unique_ids() {
        for (i, r) in RULES.iter().enumerate() {
            assert_eq!(r.rule as usize, i, "{}", r.id);
            assert_eq!(r.rule.id(), r.id);
        }
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len(), "duplicate rule ids");
    }

    #[test]
    fn profiles_are_nested_sets_of_kinds() {
        assert!(RuleId::IssuerIsCa.applies(Profile::Pkix));
        assert!(!RuleId::CaBasicConstraintsCritical.applies(Profile::Pkix));
        assert!(RuleId::CaBasicConstraintsCritical.applies(Profile::Rfc5280));
        assert!(RuleId::CaBasicConstraintsCritical.applies(Profile::WebPki));
        assert!(!RuleId::LeafNotCa.applies(Profile::Rfc5280));
        assert!(RuleId::LeafNotCa.applies(Profile::WebPki));
        assert!(RuleId::NameConstraintsCritical.applies(Profile::Rfc5280));
        assert!(!RuleId::NameConstraintsCritical.applies(Profile::WebPki));
    }
}
