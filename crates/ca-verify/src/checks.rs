//! Per-certificate checks: each rule is a small function; `leaf` and `issuer` run them in order,
//! writing a record of each when asked to explain.

use crate::cert::{format_unix, Certificate, PublicKey};
use crate::error::{Reason, Role};
use crate::explain::Log;
use crate::name;
use crate::options::{KeyUsageBit, Profile, VerifyOptions, OID_ANY_EKU};

const KU_KEY_CERT_SIGN: u16 = 1 << 5;

/// Everything about the leaf that does not depend on the path above it.
pub(crate) fn leaf(
    cert: &Certificate,
    opts: &VerifyOptions,
    log: &mut Log<'_>,
) -> Result<(), Reason> {
    let webpki = opts.profile == Profile::WebPki;
    let role = Role::Leaf;
    log.step("encoding", structure(cert, role, opts.profile), || {
        format!("X.509 v{}, serial {}", cert.version, cert.serial_hex())
    })?;
    log.step("validity", validity(cert, opts.unix_time()), || {
        validity_text(cert, opts)
    })?;
    log.step(
        "basic constraints",
        leaf_constraints(cert, opts.profile),
        || match &cert.ext.basic_constraints {
            Some(b) if b.value.ca => "CA certificate in leaf position (allowed by RFC 5280)".into(),
            _ => "not a CA".into(),
        },
    )?;
    // pkits: the section-4 profile rule is not part of path validation under Profile::Pkix.
    if opts.profile != Profile::Pkix {
        log.step("authority key identifier", require_aki(cert), || {
            "present".into()
        })?;
    }
    log.step("public key", leaf_key(&cert.public_key), || {
        cert.public_key.to_string()
    })?;
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
        name::check_san_syntax(cert),
        || cert.subject_alt_names().join(", "),
    )?;
    if webpki {
        log.step("common name", name::check_cn_copies_san(cert), || {
            "subject CN (if any) copies a SAN entry".into()
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
    log.step("encoding", structure(cert, role, opts.profile), || {
        format!("X.509 v{}, serial {}", cert.version, cert.serial_hex())
    })?;
    log.step("validity", validity(cert, opts.unix_time()), || {
        validity_text(cert, opts)
    })?;
    log.step(
        "basic constraints",
        ca_constraints(cert, opts.profile),
        || match cert
            .ext
            .basic_constraints
            .as_ref()
            .and_then(|b| b.value.path_len)
        {
            Some(n) => format!("CA, pathLenConstraint {n}"),
            None => "CA, no path length limit".into(),
        },
    )?;
    log.step("key usage", ca_key_usage(cert), || {
        match cert.ext.key_usage {
            Some(_) => "keyCertSign".into(),
            None => "no keyUsage extension".into(),
        }
    })?;
    log.step(
        "key identifiers",
        ca_key_ids(cert, role, opts.profile),
        || "subject/authority key identifiers consistent".into(),
    )?;
    log.step(
        "extended key usage",
        ca_eku(cert, role, opts),
        || match &cert.ext.eku {
            Some(_) => format!("allows {}", opts.purpose.oid()),
            None => "no extendedKeyUsage extension (no restriction)".into(),
        },
    )?;
    if let Some(nc) = &cert.ext.name_constraints {
        let critical_ok = if nc.critical || opts.profile != Profile::Rfc5280 {
            Ok(())
        } else {
            Err(Reason::Profile(
                "nameConstraints must be critical (RFC 5280 4.2.1.10)".into(),
            ))
        };
        log.step(
            "name constraints syntax",
            critical_ok.and_then(|_| name::constraints::validate(&nc.value)),
            || "well-formed".into(),
        )?;
    }
    Ok(())
}

/// Structural rules every certificate on a path must follow, whatever its role.
fn structure(cert: &Certificate, role: Role, profile: Profile) -> Result<(), Reason> {
    let e = &cert.ext;
    if cert.version != 3 && (profile == Profile::WebPki || e.count > 0) {
        return Err(Reason::Profile(format!(
            "X.509 v{} (v3 required)",
            cert.version
        )));
    }
    if cert.has_unique_ids && cert.version < 2 {
        return Err(Reason::Malformed(
            "unique identifiers in a v1 certificate".into(),
        ));
    }
    // Some long-lived roots have serial 0: anchors may, other certificates may not.
    serial(&cert.serial, role == Role::TrustAnchor)?;
    if !cert.algorithms_match || cert.signature_algorithm != cert.tbs_signature_algorithm {
        return Err(Reason::SignatureAlgorithmMismatch);
    }
    if let Some(oid) = &e.duplicate {
        return Err(Reason::DuplicateExtension(oid.clone()));
    }
    if let Some(oid) = e.unknown_critical.first() {
        return Err(Reason::UnknownCriticalExtension(oid.clone()));
    }
    if profile == Profile::Pkix {
        // pkits: RFC 5280 section 6 only; what follows are section-4 profile rules.
        return Ok(());
    }
    let profile_err = |m: &str| Err(Reason::Profile(m.to_string()));
    if e.aki.as_ref().is_some_and(|a| a.critical) {
        return profile_err("authorityKeyIdentifier must not be critical (RFC 5280 4.2.1.1)");
    }
    if e.ski.as_ref().is_some_and(|s| s.critical) {
        return profile_err("subjectKeyIdentifier must not be critical (RFC 5280 4.2.1.2)");
    }
    if e.policy_constraints_critical == Some(false) {
        return profile_err("policyConstraints must be critical (RFC 5280 4.2.1.11)");
    }
    if e.eku.as_ref().is_some_and(|k| k.value.is_empty()) {
        return profile_err("extendedKeyUsage lists no purpose (RFC 5280 4.2.1.12)");
    }
    if e.aia_empty {
        return profile_err("authorityInfoAccess lists no access description");
    }
    if cert.subject.is_empty() && !e.san.as_ref().is_some_and(|s| s.critical) {
        return profile_err("empty subject requires a critical subjectAltName (RFC 5280 4.1.2.6)");
    }
    let ca = cert.is_ca();
    let ku = e.key_usage.as_ref().map(|k| k.value);
    if !ca && ku.is_some_and(|k| k & KU_KEY_CERT_SIGN != 0) {
        return profile_err("keyUsage keyCertSign without basicConstraints cA (RFC 5280 4.2.1.9)");
    }
    if let Some(b) = &e.basic_constraints {
        if b.value.path_len.is_some() && (!ca || ku.is_some_and(|k| k & KU_KEY_CERT_SIGN == 0)) {
            return profile_err("pathLenConstraint without cA and keyCertSign (RFC 5280 4.2.1.9)");
        }
    }
    if e.name_constraints.is_some() && !ca {
        return profile_err(
            "nameConstraints in a certificate that is not a CA (RFC 5280 4.2.1.10)",
        );
    }
    Ok(())
}

/// RFC 5280 4.1.2.2: a positive integer of at most 20 octets.
fn serial(s: &[u8], zero_allowed: bool) -> Result<(), Reason> {
    let bad = |m: &str| {
        Err(Reason::Profile(format!(
            "serial number {m} (RFC 5280 4.1.2.2)"
        )))
    };
    match s {
        [] => bad("is empty"),
        [b, ..] if b & 0x80 != 0 => bad("is negative"),
        _ if !zero_allowed && s.iter().all(|&b| b == 0) => bad("is zero"),
        _ if s.len() > 21 || (s.len() == 21 && s[0] != 0) => bad("is longer than 20 octets"),
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

fn leaf_constraints(cert: &Certificate, profile: Profile) -> Result<(), Reason> {
    if profile == Profile::WebPki && cert.is_ca() {
        return Err(Reason::CaUsedAsLeaf);
    }
    Ok(())
}

/// RFC 5280 4.2.1.1: every certificate but a self-signed one names its issuer's key.
fn require_aki(cert: &Certificate) -> Result<(), Reason> {
    match &cert.ext.aki {
        Some(a) if a.value.key_id.is_some() => Ok(()),
        _ if cert.is_self_issued() => Ok(()),
        _ => Err(Reason::Profile(
            "authorityKeyIdentifier with keyIdentifier is missing (RFC 5280 4.2.1.1)".into(),
        )),
    }
}

/// Keys a leaf may carry: the CA/B Forum list (RSA >= 2048 and a multiple of 8, ECDSA on
/// P-256/P-384/P-521, Ed25519).
fn leaf_key(key: &PublicKey) -> Result<(), Reason> {
    match key {
        PublicKey::Rsa { bits, .. } if *bits < 2048 || bits % 8 != 0 => {
            Err(Reason::UnsupportedKey(format!(
                "RSA-{bits} (at least 2048 bits and a multiple of 8 required)"
            )))
        }
        PublicKey::Rsa { .. } | PublicKey::Ec { .. } | PublicKey::Ed25519(_) => Ok(()),
        PublicKey::Unusable(why) => Err(Reason::UnsupportedKey(why.clone())),
    }
}

fn leaf_key_usage(cert: &Certificate, required: &[KeyUsageBit]) -> Result<(), Reason> {
    let Some(ku) = &cert.ext.key_usage else {
        return Ok(());
    };
    match required.iter().find(|b| ku.value & b.flag() == 0) {
        Some(b) => Err(Reason::KeyUsage(b.name())),
        None => Ok(()),
    }
}

fn eku_text(oids: &[String]) -> String {
    oids.join(", ")
}

fn leaf_eku(cert: &Certificate, opts: &VerifyOptions) -> Result<(), Reason> {
    let purpose = opts.purpose.oid();
    let webpki = opts.profile == Profile::WebPki;
    let Some(eku) = &cert.ext.eku else {
        if webpki {
            return Err(Reason::ExtendedKeyUsage {
                purpose: purpose.to_string(),
                present: "no extendedKeyUsage extension (required by CA/B BR 7.1.2.7.6)".into(),
            });
        }
        return Ok(());
    };
    if webpki && eku.critical {
        return Err(Reason::Profile(
            "extendedKeyUsage must not be critical (CA/B BR 7.1.2.7.6)".into(),
        ));
    }
    if webpki && eku.value.iter().any(|o| o == OID_ANY_EKU) {
        return Err(Reason::Profile(
            "anyExtendedKeyUsage in a subscriber certificate (CA/B BR 7.1.2.7.10)".into(),
        ));
    }
    let ok = eku
        .value
        .iter()
        .any(|o| o == purpose || (!webpki && o == OID_ANY_EKU));
    if !ok {
        return Err(Reason::ExtendedKeyUsage {
            purpose: purpose.to_string(),
            present: eku_text(&eku.value),
        });
    }
    Ok(())
}

fn ca_constraints(cert: &Certificate, profile: Profile) -> Result<(), Reason> {
    match &cert.ext.basic_constraints {
        None => Err(Reason::NotCa("no basicConstraints extension".into())),
        Some(b) if !b.value.ca => Err(Reason::NotCa("basicConstraints cA is FALSE".into())),
        // pkits: criticality and subject are section-4 profile rules, not path validation.
        Some(_) if profile == Profile::Pkix => Ok(()),
        Some(b) if !b.critical => Err(Reason::Profile(
            "basicConstraints of a CA must be critical (RFC 5280 4.2.1.9)".into(),
        )),
        Some(_) if cert.subject.is_empty() => Err(Reason::Profile(
            "a CA certificate has an empty subject (RFC 5280 4.1.2.6)".into(),
        )),
        Some(_) => Ok(()),
    }
}

fn ca_key_usage(cert: &Certificate) -> Result<(), Reason> {
    match &cert.ext.key_usage {
        Some(k) if k.value & KU_KEY_CERT_SIGN == 0 => Err(Reason::KeyUsage("keyCertSign")),
        _ => Ok(()),
    }
}

fn ca_key_ids(cert: &Certificate, role: Role, profile: Profile) -> Result<(), Reason> {
    let e = &cert.ext;
    if profile == Profile::Pkix {
        // pkits: key identifiers are section-4 profile rules, not path validation.
        return Ok(());
    }
    if e.ski.is_none() {
        return Err(Reason::Profile(
            "a CA certificate lacks subjectKeyIdentifier (RFC 5280 4.2.1.2)".into(),
        ));
    }
    if role == Role::Intermediate {
        require_aki(cert)?;
    }
    if role == Role::TrustAnchor && profile == Profile::WebPki {
        if let Some(aki) = &e.aki {
            if aki.value.key_id.is_none() {
                return Err(Reason::Profile(
                    "root authorityKeyIdentifier lacks keyIdentifier (CA/B BR 7.1.2.1.3)".into(),
                ));
            }
            if aki.value.has_issuer || aki.value.has_serial {
                return Err(Reason::Profile(
                    "root authorityKeyIdentifier has authorityCertIssuer/SerialNumber (CA/B BR 7.1.2.1.3)"
                        .into(),
                ));
            }
            if let (Some(k), Some(s)) = (&aki.value.key_id, &e.ski) {
                if cert.is_self_issued() && *k != s.value {
                    return Err(Reason::Profile(
                        "root authorityKeyIdentifier differs from its subjectKeyIdentifier".into(),
                    ));
                }
            }
        }
    }
    Ok(())
}

fn ca_eku(cert: &Certificate, role: Role, opts: &VerifyOptions) -> Result<(), Reason> {
    let Some(eku) = &cert.ext.eku else {
        return Ok(());
    };
    if role == Role::TrustAnchor && opts.profile == Profile::WebPki {
        return Err(Reason::Profile(
            "a root carries extendedKeyUsage (CA/B BR 7.1.2.1.2)".into(),
        ));
    }
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

/// pathLenConstraint of `issuer` against the intermediates below it (self-issued ones not
/// counted, RFC 5280 6.1.4 (l)).
pub(crate) fn path_len<'a>(
    issuer: &Certificate,
    below: impl Iterator<Item = &'a Certificate>,
) -> Result<(), Reason> {
    let Some(n) = issuer
        .ext
        .basic_constraints
        .as_ref()
        .and_then(|b| b.value.path_len)
    else {
        return Ok(());
    };
    let found = below.filter(|c| !c.is_self_issued()).count();
    if found > n as usize {
        return Err(Reason::PathLenExceeded { path_len: n, found });
    }
    Ok(())
}

/// What `path_len` found, for the explanation.
pub(crate) fn path_len_text<'a>(
    issuer: &Certificate,
    below: impl Iterator<Item = &'a Certificate>,
) -> String {
    let limit = issuer
        .ext
        .basic_constraints
        .as_ref()
        .and_then(|b| b.value.path_len);
    let found = below.filter(|c| !c.is_self_issued()).count();
    let below = match found {
        1 => "1 intermediate below".to_string(),
        n => format!("{n} intermediates below"),
    };
    match limit {
        Some(n) => format!("pathLenConstraint {n}, {below}"),
        None => format!("no pathLenConstraint, {below}"),
    }
}
