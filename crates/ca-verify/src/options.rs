//! What a verification is asked to check: time, purpose, name, depth, CRLs, profile.

use std::net::IpAddr;

use time::OffsetDateTime;

/// OID of id-kp-serverAuth.
pub const OID_SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
/// OID of id-kp-clientAuth.
pub const OID_CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";
/// OID of id-kp-codeSigning.
pub const OID_CODE_SIGNING: &str = "1.3.6.1.5.5.7.3.3";
/// OID of id-kp-timeStamping.
pub const OID_TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";
/// OID of anyExtendedKeyUsage.
pub const OID_ANY_EKU: &str = "2.5.29.37.0";

/// What the leaf certificate is going to be used for (checked against extendedKeyUsage).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A TLS server certificate (id-kp-serverAuth).
    ServerAuth,
    /// A TLS client certificate (id-kp-clientAuth).
    ClientAuth,
    /// Any other extended key usage, by dotted OID (e.g. "1.3.6.1.5.5.7.3.3" for code signing).
    Other(String),
}

impl Purpose {
    /// The dotted OID of the purpose.
    pub fn oid(&self) -> &str {
        match self {
            Purpose::ServerAuth => OID_SERVER_AUTH,
            Purpose::ClientAuth => OID_CLIENT_AUTH,
            Purpose::Other(oid) => oid,
        }
    }
}

/// `server`/`serverAuth`, `client`/`clientAuth`, or an extended key usage
/// by dotted OID (RFC 5280 4.2.1.12: a KeyPurposeId is an OBJECT IDENTIFIER,
/// whose first arc is 0, 1 or 2, X.660).
impl std::str::FromStr for Purpose {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "server" | "serverAuth" | OID_SERVER_AUTH => return Ok(Purpose::ServerAuth),
            "client" | "clientAuth" | OID_CLIENT_AUTH => return Ok(Purpose::ClientAuth),
            _ => {}
        }
        let arcs: Vec<&str> = text.split('.').collect();
        let is_oid = arcs.len() >= 2
            && arcs
                .iter()
                .all(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_digit()))
            && matches!(arcs[0], "0" | "1" | "2");
        if is_oid {
            Ok(Purpose::Other(text.to_string()))
        } else {
            Err(format!(
                "'{text}' is not a purpose: give server, client, or an extended key usage OID \
                 such as 1.3.6.1.5.5.7.3.3"
            ))
        }
    }
}

/// The identity the leaf must be valid for, matched against its subjectAltName only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExpectedName {
    /// A DNS host name (ASCII, IDNs as A-labels); matched against dNSName entries.
    Dns(String),
    /// An IP address; matched against iPAddress entries, never against DNS names.
    Ip(IpAddr),
    /// An e-mail address; matched against rfc822Name entries.
    Email(String),
}

impl std::fmt::Display for ExpectedName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExpectedName::Dns(n) => write!(f, "DNS name {n}"),
            ExpectedName::Ip(ip) => write!(f, "IP address {ip}"),
            ExpectedName::Email(e) => write!(f, "e-mail address {e}"),
        }
    }
}

/// Which rules to apply: a set of kinds of rules of the rulebook (`crate::rules`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Profile {
    /// All three kinds: the RFC 5280 path-validation algorithm, the RFC 5280 certificate
    /// profile and the CA/Browser Forum Baseline Requirements (what browsers enforce). The
    /// default for TLS server validation.
    #[default]
    WebPki,
    /// The RFC 5280 path-validation algorithm and the section 4 requirements addressed to CAs
    /// (the strict reading): EKU only checked when present, a CA may be a leaf, name
    /// constraints must be critical.
    Rfc5280,
    /// The RFC 5280 section 6 path-validation algorithm only (what every relying party must
    /// check; what NIST PKITS tests).
    Pkix,
}

impl Profile {
    /// Whether the profile enforces rules of `kind`.
    pub fn includes(self, kind: crate::rules::Kind) -> bool {
        use crate::rules::Kind;
        match self {
            Profile::WebPki => true,
            Profile::Rfc5280 => kind != Kind::WebPki,
            Profile::Pkix => kind == Kind::Pkix,
        }
    }

    /// "webpki", "rfc5280" or "pkix".
    pub fn name(self) -> &'static str {
        match self {
            Profile::WebPki => "webpki",
            Profile::Rfc5280 => "rfc5280",
            Profile::Pkix => "pkix",
        }
    }
}

/// Everything a verification needs besides the certificates.
#[derive(Clone, Debug)]
pub struct VerifyOptions {
    /// The time to verify at. The verifier never reads the clock. Fractions of a second are
    /// dropped: certificate times have one-second resolution.
    pub time: OffsetDateTime,
    /// What the leaf is for.
    pub purpose: Purpose,
    /// The name the leaf must be valid for, or `None` to skip the name check.
    pub name: Option<ExpectedName>,
    /// The largest number of intermediate CA certificates between leaf and anchor (self-issued
    /// ones not counted), or `None` for the default limit of 8.
    pub max_depth: Option<usize>,
    /// DER CRLs to check revocation against (RFC 5280 6.3). When any is given, revocation is
    /// checked for the certificates [`RevocationOptions::scope`] names, and a certificate
    /// whose status no valid, current CRL in scope decides fails the path (unless
    /// [`RevocationOptions::unknown_status`] says otherwise). With none, nothing is checked.
    pub crls: Vec<Vec<u8>>,
    /// What revocation checking covers and what an undetermined status means.
    pub revocation: RevocationOptions,
    /// The four policy inputs of RFC 5280 6.1.1 (c), (e), (f), (g).
    pub policy: PolicyInputs,
    /// Key usage bits the leaf must assert, if it has a keyUsage extension at all.
    pub required_key_usage: Vec<KeyUsageBit>,
    /// The rulebook.
    pub profile: Profile,
}

impl VerifyOptions {
    /// Options for checking a TLS server `name` at `time` with the Web PKI profile.
    pub fn server(time: OffsetDateTime, name: Option<ExpectedName>) -> Self {
        VerifyOptions {
            time,
            purpose: Purpose::ServerAuth,
            name,
            max_depth: None,
            crls: Vec::new(),
            required_key_usage: Vec::new(),
            profile: Profile::WebPki,
            revocation: RevocationOptions::default(),
            policy: PolicyInputs::default(),
        }
    }

    /// Options for checking a TLS client certificate at `time`, with the RFC 5280 profile (the
    /// CA/Browser Forum rules govern TLS server certificates only).
    pub fn client(time: OffsetDateTime, name: Option<ExpectedName>) -> Self {
        VerifyOptions {
            purpose: Purpose::ClientAuth,
            profile: Profile::Rfc5280,
            ..VerifyOptions::server(time, name)
        }
    }

    pub(crate) fn unix_time(&self) -> i64 {
        // unix_timestamp() truncates toward zero; floor for times before 1970.
        let t = self.time.unix_timestamp();
        if t < 0 && self.time.nanosecond() > 0 {
            t - 1
        } else {
            t
        }
    }
}

/// Which certificates of the path have their revocation status checked when CRLs are given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RevocationScope {
    /// Every certificate except the trust anchor (RFC 5280 6.3).
    #[default]
    EveryCertificate,
    /// Only the leaf; intermediates are not checked.
    LeafOnly,
}

/// What a revocation status that no CRL decides (RFC 5280 6.3.3: UNDETERMINED) means.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UnknownRevocationStatus {
    /// Fails the path, with the reason the status is unknown (fail closed).
    #[default]
    Fail,
    /// Lets the certificate pass ("soft fail"); the explanation still says why its status is
    /// unknown. A certificate found revoked fails whatever this says.
    AllowSoftFail,
}

/// Revocation checking options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RevocationOptions {
    /// Which certificates are checked.
    pub scope: RevocationScope,
    /// What an unknown status means.
    pub unknown_status: UnknownRevocationStatus,
}

/// The policy inputs of path validation (RFC 5280 6.1.1). The default is what most relying
/// parties use: any policy, nothing required or inhibited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyInputs {
    /// user-initial-policy-set: the policy OIDs the relying party accepts (dotted);
    /// `["2.5.29.32.0"]` (anyPolicy) accepts every policy. An empty list accepts none.
    pub initial_policy_set: Vec<String>,
    /// initial-explicit-policy: the path must be valid for a policy of the initial set.
    pub require_explicit_policy: bool,
    /// initial-policy-mapping-inhibit: policy mapping is not allowed in the path.
    pub inhibit_policy_mapping: bool,
    /// initial-any-policy-inhibit: anyPolicy in a certificate matches no policy.
    pub inhibit_any_policy: bool,
}

impl Default for PolicyInputs {
    fn default() -> Self {
        PolicyInputs {
            initial_policy_set: vec![crate::policy::ANY_POLICY.to_string()],
            require_explicit_policy: false,
            inhibit_policy_mapping: false,
            inhibit_any_policy: false,
        }
    }
}

/// A keyUsage bit (RFC 5280 4.2.1.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyUsageBit {
    DigitalSignature,
    ContentCommitment,
    KeyEncipherment,
    DataEncipherment,
    KeyAgreement,
    KeyCertSign,
    CrlSign,
    EncipherOnly,
    DecipherOnly,
}

impl KeyUsageBit {
    /// The bit as x509-parser numbers the flags (bit 0 = digitalSignature).
    pub(crate) fn flag(self) -> u16 {
        1 << (self as u16)
    }

    /// The RFC 5280 name of the bit.
    pub fn name(self) -> &'static str {
        match self {
            KeyUsageBit::DigitalSignature => "digitalSignature",
            KeyUsageBit::ContentCommitment => "contentCommitment",
            KeyUsageBit::KeyEncipherment => "keyEncipherment",
            KeyUsageBit::DataEncipherment => "dataEncipherment",
            KeyUsageBit::KeyAgreement => "keyAgreement",
            KeyUsageBit::KeyCertSign => "keyCertSign",
            KeyUsageBit::CrlSign => "cRLSign",
            KeyUsageBit::EncipherOnly => "encipherOnly",
            KeyUsageBit::DecipherOnly => "decipherOnly",
        }
    }
}
