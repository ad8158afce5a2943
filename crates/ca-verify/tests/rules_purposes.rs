//! Rulebook tests, purposes beyond TLS: time-stamping (RFC 3161 2.3) and code signing (CA/B
//! Code Signing BR 7.1.2.3 (f)).

#[path = "support/pki.rs"]
mod pki;
#[path = "support/rulecase.rs"]
mod rulecase;

use ca_verify::{Profile, Purpose, RuleId, VerifyOptions, OID_CODE_SIGNING, OID_TIME_STAMPING};
use pki::*;
use rcgen::ExtendedKeyUsagePurpose as Eku;
use rulecase::*;

fn opts(purpose: &str, profile: Profile) -> VerifyOptions {
    let mut o = VerifyOptions::server(now(), None);
    o.purpose = Purpose::Other(purpose.into());
    o.profile = profile;
    o
}

fn leaf(pki: &Pki, ekus: Vec<Eku>, critical: bool) -> Vec<u8> {
    let mut p = leaf_params(&["tsa.example.com"]);
    p.extended_key_usages = ekus;
    let der = pki.leaf(p);
    if critical {
        pki.edit_leaf(&der, |t| t.set_critical(OID_EKU, true))
    } else {
        der
    }
}

#[test]
fn time_stamping_eku_is_the_only_one_and_critical() {
    // RFC 3161 2.3: the TSA certificate MUST contain only one instance of the extended key
    // usage field extension, with id-kp-timeStamping, and the extension MUST be critical.
    let pki = Pki::new();
    let good = leaf(&pki, vec![Eku::TimeStamping], true);
    for p in [Profile::Rfc5280, Profile::WebPki] {
        accepted(pki.verify_opts(&good, &opts(OID_TIME_STAMPING, p)));
    }
    let not_critical = leaf(&pki, vec![Eku::TimeStamping], false);
    let two = leaf(&pki, vec![Eku::TimeStamping, Eku::ServerAuth], true);
    for bad in [not_critical.clone(), two] {
        refused_by(
            pki.verify_opts(&bad, &opts(OID_TIME_STAMPING, Profile::Rfc5280)),
            RuleId::TimeStampingEku,
        );
    }
    // The path-validation rules alone check the EKU lists the purpose, nothing more.
    accepted(pki.verify_opts(&not_critical, &opts(OID_TIME_STAMPING, Profile::Pkix)));
}

#[test]
fn code_signing_eku_without_server_auth_or_any() {
    // CA/B Code Signing BR 7.1.2.3 (f): id-kp-codeSigning MUST be present; anyExtendedKeyUsage
    // and id-kp-serverAuth MUST NOT.
    let pki = Pki::new();
    let good = leaf(&pki, vec![Eku::CodeSigning], false);
    accepted(pki.verify_opts(&good, &opts(OID_CODE_SIGNING, Profile::WebPki)));
    let mixed = leaf(&pki, vec![Eku::CodeSigning, Eku::ServerAuth], false);
    refused_by(
        pki.verify_opts(&mixed, &opts(OID_CODE_SIGNING, Profile::WebPki)),
        RuleId::CodeSigningEku,
    );
    accepted(pki.verify_opts(&mixed, &opts(OID_CODE_SIGNING, Profile::Rfc5280)));
}
