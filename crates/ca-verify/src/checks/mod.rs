//! Per-certificate checks: each rule is a small function; `leaf` and `issuer` run them in order,
//! writing a record of each when asked to explain.

use crate::cert::{format_unix, Certificate, PublicKey};
use crate::error::{Reason, Role};
use crate::explain::Log;
use crate::name;
use crate::options::{
    KeyUsageBit, Profile, Purpose, VerifyOptions, OID_ANY_EKU, OID_CODE_SIGNING, OID_SERVER_AUTH,
    OID_TIME_STAMPING,
};
use crate::rules::RuleId;

mod ml_dsa;
mod path_len;

use ml_dsa::{ml_dsa_algorithms, ml_dsa_key_usage};
pub(crate) use path_len::{path_len, path_len_text};

const KU_KEY_CERT_SIGN: u16 = 1 << 5;

/// Everything about the leaf that does not depend on the path above it.
pub(crate) fn leaf(
    cert: &Certificate,
    opts: &VerifyOptions,
    log: &mut Log<'_>,
) -> Result<(), Reason> {
    let p = opts.profile;
    let role = Role::Leaf;
    log.step("encoding", structure(cert, role, p), || {
        format!("X.509 v{}, serial {}", cert.version, cert.serial_hex())
    })?;
    log.step("validity", validity(cert, opts.unix_time()), || {
        validity_text(cert, opts)
    })?;
    log.step(
        "basic constraints",
        leaf_constraints(cert, p),
        || match &cert.ext.basic_constraints {
            Some(b) if b.value.ca => format!(
                "CA certificate in leaf position (allowed by the {} profile)",
                p.name()
            ),
            _ => "not a CA".into(),
        },
    )?;
    log.step(
        "authority key identifier",
        require_aki(cert, p),
        || match &cert.ext.aki {
            Some(_) => "present".into(),
            None => "absent (self-issued, or not required by this profile)".into(),
        },
    )?;
    log.step("public key", key(cert, p), || cert.public_key.to_string())?;
    log.step(
        "key usage",
        leaf_key_usage(cert, &opts.required_key_usage),
        || match cert.ext.key_usage {
            Some(_) => "allows the required usages".into(),
            None => "no keyUsage extension".into(),
        },
    )?;
    log.step("extended key usage", leaf_eku(cert, opts), || {
        format!("allows {}", opts.purpose.oid())
    })?;
    log.step(
        "subject alternative name",
        name::check_leaf_san(cert, p),
        || cert.subject_alt_names().join(", "),
    )?;
    if RuleId::CnExactCopy.applies(p) {
        log.step("common name", name::check_cn_exact_copy(cert), || {
            "subject CN (if any) names no SAN entry in another form".into()
        })?;
    }
    if let Some(expected) = &opts.name {
        log.step("name", name::verify_expected_name(cert, expected), || {
            format!("{expected} is in subjectAltName")
        })?;
    }
    Ok(())
}

/// Everything about a CA certificate used as an issuer that does not depend on the path below.
pub(crate) fn issuer(
    cert: &Certificate,
    role: Role,
    opts: &VerifyOptions,
    log: &mut Log<'_>,
) -> Result<(), Reason> {
    let p = opts.profile;
    log.step("encoding", structure(cert, role, p), || {
        format!("X.509 v{}, serial {}", cert.version, cert.serial_hex())
    })?;
    log.step("validity", validity(cert, opts.unix_time()), || {
        validity_text(cert, opts)
    })?;
    log.step("basic constraints", ca_constraints(cert, p), || match cert
        .ext
        .basic_constraints
        .as_ref()
        .and_then(|b| b.value.path_len)
    {
        Some(n) => format!("CA, pathLenConstraint {n}"),
        None => "CA, no path length limit".into(),
    })?;
    log.step("public key", key(cert, p), || cert.public_key.to_string())?;
    log.step("key usage", ca_key_usage(cert, p), || {
        match cert.ext.key_usage {
            Some(_) => "keyCertSign".into(),
            None => "no keyUsage extension".into(),
        }
    })?;
    log.step("key identifiers", ca_key_ids(cert, role, p), || {
        "subject/authority key identifiers consistent".into()
    })?;
    log.step(
        "extended key usage",
        ca_eku(cert, role, opts),
        || match &cert.ext.eku {
            Some(_) => format!("allows {}", opts.purpose.oid()),
            None => "no extendedKeyUsage extension (no restriction)".into(),
        },
    )?;
    if let Some(nc) = &cert.ext.rare().name_constraints {
        let critical_ok = if !nc.critical && RuleId::NameConstraintsCritical.applies(p) {
            Err(Reason::Criticality {
                rule: RuleId::NameConstraintsCritical,
                extension: "nameConstraints",
                critical: false,
            })
        } else {
            Ok(())
        };
        log.step(
            "name constraints syntax",
            critical_ok.and_then(|_| name::constraints::validate(&nc.value)),
            || "well-formed".into(),
        )?;
    }
    Ok(())
}

/// Fails with `reason` when `rule` is in `profile` and `broken` holds.
#[inline(always)]
fn rule(
    profile: Profile,
    rule: RuleId,
    broken: bool,
    reason: impl FnOnce(RuleId) -> Reason,
) -> Result<(), Reason> {
    if broken && rule.applies(profile) {
        Err(reason(rule))
    } else {
        Ok(())
    }
}

fn criticality(extension: &'static str, critical: bool) -> impl FnOnce(RuleId) -> Reason {
    move |rule| Reason::Criticality {
        rule,
        extension,
        critical,
    }
}

/// Structural rules every certificate on a path must follow, whatever its role.
fn structure(cert: &Certificate, role: Role, p: Profile) -> Result<(), Reason> {
    use RuleId as R;
    let e = &cert.ext;
    let version = |rule| Reason::Version {
        rule,
        version: cert.version,
    };
    rule(
        p,
        R::ExtensionsNeedV3,
        cert.version < 3 && e.count > 0,
        version,
    )?;
    rule(
        p,
        R::UniqueIdsNeedV2,
        cert.has_unique_ids && cert.version < 2,
        version,
    )?;
    rule(p, R::V3Required, cert.version != 3, version)?;
    serial(&cert.serial, role == Role::TrustAnchor, p)?;
    if !cert.algorithms_match || cert.signature_algorithm != cert.tbs_signature_algorithm {
        return Err(Reason::SignatureAlgorithmMismatch);
    }
    if let Some(oid) = &e.rare().duplicate {
        return Err(Reason::DuplicateExtension(oid.clone()));
    }
    if let Some(oid) = e.rare().unknown_critical.first() {
        return Err(Reason::UnknownCriticalExtension(oid.clone()));
    }
    rule(
        p,
        R::AkiNotCritical,
        e.aki.as_ref().is_some_and(|a| a.critical),
        criticality("authorityKeyIdentifier", true),
    )?;
    rule(
        p,
        R::SkiNotCritical,
        e.ski.as_ref().is_some_and(|a| a.critical),
        criticality("subjectKeyIdentifier", true),
    )?;
    rule(
        p,
        R::PolicyConstraintsCritical,
        e.rare().policy_constraints_critical == Some(false),
        criticality("policyConstraints", false),
    )?;
    rule(
        p,
        R::InhibitAnyPolicyCritical,
        e.rare().inhibit_any_policy_critical == Some(false),
        criticality("inhibitAnyPolicy", false),
    )?;
    rule(
        p,
        R::AiaNotCritical,
        e.rare().aia_critical,
        criticality("authorityInfoAccess", true),
    )?;
    // The message is only formatted when the rule is broken.
    let empty = |what: &'static str| {
        move |rule| Reason::Syntax {
            rule,
            detail: format!("{what} lists no entry"),
        }
    };
    rule(
        p,
        R::SyntaxNotEmpty,
        e.eku.as_ref().is_some_and(|k| k.value.is_empty()),
        empty("extendedKeyUsage"),
    )?;
    rule(
        p,
        R::SyntaxNotEmpty,
        e.rare().aia_empty,
        empty("authorityInfoAccess"),
    )?;
    rule(
        p,
        R::SyntaxNotEmpty,
        e.san.as_ref().is_some_and(|s| s.value.is_empty()),
        empty("subjectAltName"),
    )?;
    name::check_san_syntax(cert, p)?;
    rule(
        p,
        R::EmptySubjectNeedsCriticalSan,
        cert.subject.is_empty() && !e.san.as_ref().is_some_and(|s| s.critical),
        |rule| Reason::Subject {
            rule,
            detail: match &e.san {
                None => "empty subject and no subjectAltName".into(),
                Some(_) => "empty subject and a non-critical subjectAltName".into(),
            },
        },
    )?;
    let ca = cert.is_ca();
    let ku = e.key_usage.as_ref().map(|k| k.value);
    let ca_ext = |rule| Reason::CaExtensions { rule };
    rule(p, R::KeyUsageNotEmpty, ku == Some(0), ca_ext)?;
    rule(
        p,
        R::KeyCertSignNeedsCa,
        !ca && ku.is_some_and(|k| k & KU_KEY_CERT_SIGN != 0),
        ca_ext,
    )?;
    let path_len = e
        .basic_constraints
        .as_ref()
        .is_some_and(|b| b.value.path_len.is_some());
    rule(
        p,
        R::PathLenNeedsCa,
        path_len && (!ca || ku.is_some_and(|k| k & KU_KEY_CERT_SIGN == 0)),
        ca_ext,
    )?;
    rule(
        p,
        R::NameConstraintsOnlyInCa,
        e.rare().name_constraints.is_some() && !ca,
        ca_ext,
    )?;
    Ok(())
}

/// RFC 5280 4.1.2.2: a positive integer of at most 20 octets.
fn serial(s: &[u8], anchor: bool, p: Profile) -> Result<(), Reason> {
    let bad = |rule, detail| Reason::SerialNumber { rule, detail };
    let positive = RuleId::SerialPositive;
    match s {
        [] => rule(p, positive, true, |r| bad(r, "is empty")),
        [b, ..] if b & 0x80 != 0 => rule(p, positive, true, |r| bad(r, "is negative")),
        // Some long-lived roots have serial 0: anchors may, other certificates may not.
        _ if !anchor && s.iter().all(|&b| b == 0) => rule(p, positive, true, |r| bad(r, "is zero")),
        _ if s.len() > 21 || (s.len() == 21 && s[0] != 0) => {
            rule(p, RuleId::SerialLength, true, |r| {
                bad(r, "is longer than 20 octets")
            })
        }
        _ => Ok(()),
    }
}

pub(crate) fn validity(cert: &Certificate, now: i64) -> Result<(), Reason> {
    if now < cert.not_before {
        return Err(Reason::NotYetValid {
            not_before: format_unix(cert.not_before),
            time: format_unix(now),
        });
    }
    if now > cert.not_after {
        return Err(Reason::Expired {
            not_after: format_unix(cert.not_after),
            time: format_unix(now),
        });
    }
    Ok(())
}

fn validity_text(cert: &Certificate, opts: &VerifyOptions) -> String {
    format!(
        "{} <= {} <= {}",
        format_unix(cert.not_before),
        format_unix(opts.unix_time()),
        format_unix(cert.not_after)
    )
}

fn leaf_constraints(cert: &Certificate, p: Profile) -> Result<(), Reason> {
    rule(p, RuleId::LeafNotCa, cert.is_ca(), |_| Reason::CaUsedAsLeaf)
}

/// RFC 5280 4.2.1.1: every certificate but a self-signed one names its issuer's key.
fn require_aki(cert: &Certificate, p: Profile) -> Result<(), Reason> {
    let has_key_id = cert
        .ext
        .aki
        .as_ref()
        .is_some_and(|a| a.value.key_id.is_some());
    rule(
        p,
        RuleId::AkiRequired,
        !has_key_id && !cert.is_self_issued(),
        |rule| Reason::KeyIdentifier { rule },
    )
}

/// Keys any certificate may carry: usable ones (`key.usable`), RSA of 2048 bits or more
/// (`key.rsa-2048`), ML-DSA encoded as RFC 9881 says (`alg.ml-dsa-no-parameters`,
/// `ku.ml-dsa-bits`), and in the Web PKI the CA/B Forum list (`key.webpki-algorithms`).
fn key(cert: &Certificate, p: Profile) -> Result<(), Reason> {
    ml_dsa_algorithms(cert)?;
    let key = &cert.public_key;
    match key {
        PublicKey::Unusable(why) => Err(Reason::UnsupportedKey(why.clone())),
        PublicKey::Rsa { bits, .. } if *bits < 2048 => Err(Reason::KeyNotAllowed {
            rule: RuleId::RsaMinimum,
            key: key.to_string(),
        }),
        PublicKey::Rsa { bits, .. } => {
            rule(p, RuleId::WebPkiKeyAlgorithms, bits % 8 != 0, |rule| {
                Reason::KeyNotAllowed {
                    rule,
                    key: key.to_string(),
                }
            })
        }
        PublicKey::Ec { .. } => Ok(()),
        PublicKey::Ed25519(_) => rule(p, RuleId::WebPkiKeyAlgorithms, true, |rule| {
            Reason::KeyNotAllowed {
                rule,
                key: key.to_string(),
            }
        }),
        PublicKey::MlDsa { .. } => {
            ml_dsa_key_usage(cert, p)?;
            // BR 6.1.5 lists RSA and ECDSA only.
            rule(p, RuleId::WebPkiKeyAlgorithms, true, |rule| {
                Reason::KeyNotAllowed {
                    rule,
                    key: key.to_string(),
                }
            })
        }
    }
}

fn leaf_key_usage(cert: &Certificate, required: &[KeyUsageBit]) -> Result<(), Reason> {
    let Some(ku) = &cert.ext.key_usage else {
        return Ok(());
    };
    match required.iter().find(|b| ku.value & b.flag() == 0) {
        Some(b) => Err(Reason::KeyUsage {
            rule: RuleId::LeafRequiredKeyUsage,
            missing: b.name(),
        }),
        None => Ok(()),
    }
}

fn eku_text(oids: &[std::borrow::Cow<'static, str>]) -> String {
    oids.join(", ")
}

/// The CA/B TLS rules (BR 7.1.2.7.10, 7.1.2.1.2) concern TLS certificates only.
fn is_tls(purpose: &Purpose) -> bool {
    matches!(purpose, Purpose::ServerAuth | Purpose::ClientAuth)
}

fn leaf_eku(cert: &Certificate, opts: &VerifyOptions) -> Result<(), Reason> {
    use RuleId as R;
    let p = opts.profile;
    let purpose = opts.purpose.oid();
    let tls = is_tls(&opts.purpose);
    let profile_err = |rule| Reason::EkuProfile { rule };
    let (oids, critical): (&[std::borrow::Cow<'static, str>], bool) = match &cert.ext.eku {
        Some(e) => (&e.value, e.critical),
        None => (&[], false),
    };
    let has = |o: &str| oids.iter().any(|x| x == o);
    if purpose == OID_TIME_STAMPING {
        // RFC 3161 2.3: exactly one purpose, id-kp-timeStamping, in a critical extension.
        let ok = critical && oids.len() == 1 && has(OID_TIME_STAMPING);
        rule(p, R::TimeStampingEku, !ok, profile_err)?;
    }
    if purpose == OID_CODE_SIGNING {
        let ok = has(OID_CODE_SIGNING) && !has(OID_ANY_EKU) && !has(OID_SERVER_AUTH);
        rule(p, R::CodeSigningEku, !ok, profile_err)?;
    }
    let Some(eku) = &cert.ext.eku else {
        return rule(p, R::LeafEkuRequired, tls, profile_err);
    };
    if tls {
        rule(
            p,
            R::LeafEkuNotCritical,
            eku.critical,
            criticality("extendedKeyUsage", true),
        )?;
        rule(p, R::LeafNoAnyEku, has(OID_ANY_EKU), profile_err)?;
    }
    let any_counts = !(tls && R::LeafNoAnyEku.applies(p));
    if !(has(purpose) || (any_counts && has(OID_ANY_EKU))) {
        return Err(Reason::ExtendedKeyUsage {
            purpose: purpose.to_string(),
            present: eku_text(&eku.value),
        });
    }
    Ok(())
}

fn ca_constraints(cert: &Certificate, p: Profile) -> Result<(), Reason> {
    match &cert.ext.basic_constraints {
        None => return Err(Reason::NotCa("no basicConstraints extension".into())),
        Some(b) if !b.value.ca => return Err(Reason::NotCa("basicConstraints cA is FALSE".into())),
        Some(b) => rule(
            p,
            RuleId::CaBasicConstraintsCritical,
            !b.critical,
            criticality("basicConstraints", false),
        )?,
    }
    rule(
        p,
        RuleId::CaSubjectNotEmpty,
        cert.subject.is_empty(),
        |rule| Reason::Subject {
            rule,
            detail: "a CA certificate with an empty subject".into(),
        },
    )
}

fn ca_key_usage(cert: &Certificate, p: Profile) -> Result<(), Reason> {
    let ku = &cert.ext.key_usage;
    rule(p, RuleId::CaKeyUsageRequired, ku.is_none(), |rule| {
        Reason::CaExtensions { rule }
    })?;
    rule(
        p,
        RuleId::CaKeyUsageCritical,
        ku.as_ref().is_some_and(|k| !k.critical),
        criticality("keyUsage", false),
    )?;
    match ku {
        Some(k) if k.value & KU_KEY_CERT_SIGN == 0 => Err(Reason::KeyUsage {
            rule: RuleId::IssuerKeyCertSign,
            missing: "keyCertSign",
        }),
        _ => Ok(()),
    }
}

fn ca_key_ids(cert: &Certificate, role: Role, p: Profile) -> Result<(), Reason> {
    use RuleId as R;
    let e = &cert.ext;
    let kid = |rule| Reason::KeyIdentifier { rule };
    rule(p, R::SkiRequiredInCa, e.ski.is_none(), kid)?;
    if role == Role::Intermediate {
        require_aki(cert, p)?;
    }
    if role == Role::TrustAnchor {
        if let Some(aki) = &e.aki {
            rule(p, R::RootAkiKeyId, aki.value.key_id.is_none(), kid)?;
            rule(
                p,
                R::RootAkiNoIssuerSerial,
                aki.value.has_issuer || aki.value.has_serial,
                kid,
            )?;
            let mismatch = match (&aki.value.key_id, &e.ski) {
                (Some(k), Some(s)) => cert.is_self_issued() && *k != s.value,
                _ => false,
            };
            rule(p, R::RootAkiMatchesSki, mismatch, kid)?;
        }
    }
    Ok(())
}

fn ca_eku(cert: &Certificate, role: Role, opts: &VerifyOptions) -> Result<(), Reason> {
    let Some(eku) = &cert.ext.eku else {
        return Ok(());
    };
    let root_rule = role == Role::TrustAnchor && is_tls(&opts.purpose);
    rule(opts.profile, RuleId::RootNoEku, root_rule, |rule| {
        Reason::EkuProfile { rule }
    })?;
    let purpose = opts.purpose.oid();
    if eku.value.iter().any(|o| o == purpose || o == OID_ANY_EKU) {
        Ok(())
    } else {
        Err(Reason::ExtendedKeyUsage {
            purpose: purpose.to_string(),
            present: eku_text(&eku.value),
        })
    }
}

/// The Web PKI rules for `role`, each family run on its own so that one violation does not
/// hide another (for issuance, which reports them all). Run after the rfc5280 profile passed,
/// so whatever fails here is a webpki rule or an issuance-only rule (of any kind).
pub(crate) fn webpki_for_issuance(
    cert: &Certificate,
    role: Role,
    opts: &VerifyOptions,
) -> Vec<Reason> {
    let p = Profile::WebPki;
    let mut found: Vec<Reason> = Vec::new();
    let mut add = |r: Result<(), Reason>| {
        if let Err(r) = r {
            if !found.contains(&r) {
                found.push(r);
            }
        }
    };
    add(structure(cert, role, p));
    add(key(cert, p));
    match role {
        Role::Leaf => {
            add(leaf_constraints(cert, p));
            add(leaf_eku(cert, opts));
            add(name::check_leaf_san(cert, p));
            // BR 7.1.4.3 governs TLS server certificates.
            if opts.purpose == Purpose::ServerAuth {
                add(name::check_cn_copies_san(cert));
            }
        }
        Role::Intermediate | Role::TrustAnchor => {
            match &cert.ext.key_usage {
                None => add(Err(Reason::CaExtensions {
                    rule: RuleId::CaKeyUsageRequired,
                })),
                Some(k) if !k.critical => add(Err(criticality("keyUsage", false)(
                    RuleId::CaKeyUsageCritical,
                ))),
                Some(_) => {}
            }
            add(ca_key_ids(cert, role, p));
            add(ca_eku(cert, role, opts));
        }
    }
    found
}
