//! Revocation rules of RFC 5280 6.3, one test per clause, with rcgen-made certificates and CRLs
//! (PKITS covers them too; these do not depend on its data).

#[path = "support/pki.rs"]
mod pki;

use ca_verify::{
    verify, ExpectedName, Reason, RuleId, TrustAnchor, UnknownRevocation, UnknownRevocationStatus,
    VerifiedPath, VerifyError, VerifyOptions,
};
use pki::*;
use rcgen::{
    CertificateRevocationListParams, CrlDistributionPoint, CrlIssuingDistributionPoint, CrlScope,
    KeyIdMethod, KeyUsagePurpose, RevocationReason, RevokedCertParams, SerialNumber,
};
use time::Duration;

const LEAF_SERIAL: u64 = 42;
const SIGNER_SERIAL: u64 = 77;
const DP_URI: &str = "http://crl.example.test/ica.crl";

type Signer = rcgen::Issuer<'static, rcgen::KeyPair>;

struct Crl<'a> {
    signer: &'a Signer,
    revoked: Vec<(u64, Option<RevocationReason>)>,
    this_update: time::OffsetDateTime,
    idp: Option<CrlIssuingDistributionPoint>,
}

impl<'a> Crl<'a> {
    fn by(signer: &'a Signer) -> Self {
        Crl {
            signer,
            revoked: Vec::new(),
            this_update: now() - Duration::days(1),
            idp: None,
        }
    }

    fn revoking(mut self, serial: u64, reason: Option<RevocationReason>) -> Self {
        self.revoked.push((serial, reason));
        self
    }

    fn der(self) -> Vec<u8> {
        CertificateRevocationListParams {
            this_update: self.this_update,
            next_update: self.this_update + Duration::days(7),
            crl_number: SerialNumber::from(3u64),
            issuing_distribution_point: self.idp,
            revoked_certs: self
                .revoked
                .iter()
                .map(|&(s, reason_code)| RevokedCertParams {
                    serial_number: SerialNumber::from(s),
                    revocation_time: self.this_update,
                    reason_code,
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        }
        .signed_by(self.signer)
        .unwrap()
        .der()
        .to_vec()
    }
}

struct Pki {
    root: Ca,
    ica: Ca,
    leaf: Vec<u8>,
}

fn pki_with(ica_usages: Vec<KeyUsagePurpose>, leaf_dp: bool) -> Pki {
    let root = root("Rev Root", Alg::P256);
    let mut p = ca_params("Rev Intermediate");
    p.key_usages = ica_usages;
    let ica = ca_signed_by(p, Alg::P256, &root);
    let mut l = leaf_params(&["example.com"]);
    l.serial_number = Some(SerialNumber::from(LEAF_SERIAL));
    if leaf_dp {
        l.crl_distribution_points = vec![CrlDistributionPoint {
            uris: vec![DP_URI.into()],
        }];
    }
    let leaf = leaf_signed_by(l, Alg::P256, &ica);
    Pki { root, ica, leaf }
}

fn pki() -> Pki {
    pki_with(
        vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign],
        false,
    )
}

fn run(
    p: &Pki,
    extra: &[Vec<u8>],
    crls: Vec<Vec<u8>>,
    soft_fail: bool,
) -> Result<VerifiedPath, VerifyError> {
    let mut o = VerifyOptions::server(now(), Some(ExpectedName::Dns("example.com".into())));
    o.crls = crls;
    if soft_fail {
        o.revocation.unknown_status = UnknownRevocationStatus::AllowSoftFail;
    }
    let anchors = [TrustAnchor::from_der(&der(&p.root)).unwrap()];
    let mut pool = vec![der(&p.ica)];
    pool.extend_from_slice(extra);
    verify(&p.leaf, &pool, &anchors, &o)
}

fn unknown(e: &VerifyError) -> &UnknownRevocation {
    match &e.reason {
        Reason::RevocationUnknown(u) => u,
        other => panic!("expected an unknown revocation status, got {other}"),
    }
}

/// The error is an unknown status by `rule` of the rulebook, with its code.
fn unknown_by(e: &VerifyError, rule: RuleId) -> &UnknownRevocation {
    assert_eq!(e.reason.rule(), Some(rule), "{e}");
    assert_eq!(e.reason.code(), "revocation_unknown");
    unknown(e)
}

fn leaf_revocation_detail(path: &VerifiedPath) -> String {
    path.checks()
        .iter()
        .find(|r| r.check == "revocation" && r.position == 0)
        .map(|r| r.detail.clone())
        .unwrap()
}

/// A certificate named like the intermediate, issued by the root, allowed only to sign CRLs.
fn separate_crl_signer(p: &Pki) -> Ca {
    let mut s = ca_params("Rev Intermediate");
    s.is_ca = rcgen::IsCa::ExplicitNoCa;
    s.key_usages = vec![KeyUsagePurpose::CrlSign];
    s.serial_number = Some(SerialNumber::from(SIGNER_SERIAL));
    ca_signed_by(s, Alg::P256, &p.root)
}

#[test]
fn a_crl_signed_by_a_separate_crl_signing_key_decides_and_can_revoke() {
    // RFC 5280 6.3.3 (f): the CRL issuer's key need not be the one that signed the leaf.
    let p = pki();
    let signer = separate_crl_signer(&p);
    let root_crl = || Crl::by(&p.root).der();
    let path = run(
        &p,
        &[der(&signer)],
        vec![Crl::by(&signer).der(), root_crl()],
        false,
    )
    .unwrap();
    assert!(
        leaf_revocation_detail(&path)
            .contains("signed by CN=Rev Intermediate (a separate certificate, serial 4D"),
        "{}",
        leaf_revocation_detail(&path)
    );
    let revoking = Crl::by(&signer)
        .revoking(LEAF_SERIAL, Some(RevocationReason::KeyCompromise))
        .der();
    let e = run(&p, &[der(&signer)], vec![revoking, root_crl()], false).unwrap_err();
    assert_eq!(e.reason.rule(), Some(RuleId::CrlRevoked));
    assert!(
        matches!(
            e.reason,
            Reason::Revoked {
                reason: Some("keyCompromise"),
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn a_crl_signer_revoked_by_its_own_issuer_leaves_the_status_unknown() {
    // 6.3.3 (f): the CRL signer's path is validated with its own revocation check.
    let p = pki();
    let signer = separate_crl_signer(&p);
    let root_crl = Crl::by(&p.root).revoking(SIGNER_SERIAL, None).der();
    let e = run(
        &p,
        &[der(&signer)],
        vec![Crl::by(&signer).der(), root_crl],
        false,
    )
    .unwrap_err();
    assert!(
        matches!(unknown_by(&e, RuleId::CrlSignerPath), UnknownRevocation::CrlSignerInvalid { why, .. } if why.contains("revoked")),
        "{e}"
    );
}

#[test]
fn a_crl_from_an_issuer_without_crl_sign_leaves_the_status_unknown() {
    // 6.3.3 (f): keyUsage present without cRLSign. rcgen refuses to sign a CRL for such an
    // issuer, so the CRL is signed with the same name and key through other parameters.
    let k = key(Alg::P256);
    let same_key = rcgen::KeyPair::try_from(k.serialize_der()).unwrap();
    let root = root("Rev Root", Alg::P256);
    let mut params = ca_params("Rev Intermediate");
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    let ica = rcgen::CertifiedIssuer::signed_by(params, k, &root).unwrap();
    let mut l = leaf_params(&["example.com"]);
    l.serial_number = Some(SerialNumber::from(LEAF_SERIAL));
    let leaf = leaf_signed_by(l, Alg::P256, &ica);
    let crl_signer = rcgen::Issuer::new(ca_params("Rev Intermediate"), same_key);
    let p = Pki { root, ica, leaf };
    let e = run(
        &p,
        &[],
        vec![Crl::by(&crl_signer).der(), Crl::by(&p.root).der()],
        false,
    )
    .unwrap_err();
    assert!(
        matches!(
            unknown_by(&e, RuleId::CrlIssuerCrlSign),
            UnknownRevocation::CrlSignerLacksCrlSign { .. }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("cRLSign"), "{e}");
}

#[test]
fn a_crl_whose_signature_does_not_verify_leaves_the_status_unknown() {
    // 6.3.3 (g): a CA of the same name with another key signed it.
    let p = pki();
    let impostor = root("Rev Intermediate", Alg::P256);
    let e = run(
        &p,
        &[],
        vec![Crl::by(&impostor).der(), Crl::by(&p.root).der()],
        false,
    )
    .unwrap_err();
    assert!(
        matches!(
            unknown_by(&e, RuleId::CrlSignature),
            UnknownRevocation::CrlSignatureInvalid { .. }
        ),
        "{e}"
    );
}

#[test]
fn the_idp_scope_decides_which_certificates_a_crl_covers() {
    // RuleId::CrlScope, 6.3.3 (b) (2) (ii), (iii): onlyContainsUserCerts / onlyContainsCACerts.
    let p = pki_with(
        vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign],
        true,
    );
    let scoped = |scope| {
        let mut c = Crl::by(&p.ica);
        c.idp = Some(CrlIssuingDistributionPoint {
            distribution_point: CrlDistributionPoint {
                uris: vec![DP_URI.into()],
            },
            scope: Some(scope),
        });
        c.der()
    };
    run(
        &p,
        &[],
        vec![scoped(CrlScope::UserCertsOnly), Crl::by(&p.root).der()],
        false,
    )
    .unwrap();
    let e = run(
        &p,
        &[],
        vec![scoped(CrlScope::CaCertsOnly), Crl::by(&p.root).der()],
        false,
    )
    .unwrap_err();
    assert!(
        matches!(unknown_by(&e, RuleId::CrlStatusDetermined), UnknownRevocation::NoCrlInScope { detail } if detail.contains("onlyContainsCACerts")),
        "{e}"
    );
}

#[test]
fn a_crl_for_another_distribution_point_does_not_cover_the_certificate() {
    // 6.3.3 (b) (2) (i): the IDP's name must match the certificate's distribution point.
    let p = pki_with(
        vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign],
        true,
    );
    let at = |uri: &str| {
        let mut c = Crl::by(&p.ica);
        c.idp = Some(CrlIssuingDistributionPoint {
            distribution_point: CrlDistributionPoint {
                uris: vec![uri.into()],
            },
            scope: None,
        });
        c.der()
    };
    run(&p, &[], vec![at(DP_URI), Crl::by(&p.root).der()], false).unwrap();
    let e = run(
        &p,
        &[],
        vec![
            at("http://crl.example.test/other.crl"),
            Crl::by(&p.root).der(),
        ],
        false,
    )
    .unwrap_err();
    assert!(
        // crl.scope: the CRL does not cover it, so no CRL decides (crl.status-determined).
        matches!(unknown_by(&e, RuleId::CrlStatusDetermined), UnknownRevocation::NoCrlInScope { detail } if detail.contains("another distribution point")),
        "{e}"
    );
}

#[test]
fn remove_from_crl_on_a_crl_does_not_revoke() {
    // RFC 5280 5.3.1, 6.3.3 (k): removeFromCRL means the certificate is not revoked.
    let p = pki();
    let crl = Crl::by(&p.ica)
        .revoking(LEAF_SERIAL, Some(RevocationReason::RemoveFromCrl))
        .der();
    run(&p, &[], vec![crl, Crl::by(&p.root).der()], false).unwrap();
}

#[test]
fn a_certificate_on_hold_is_refused() {
    let p = pki();
    let crl = Crl::by(&p.ica)
        .revoking(LEAF_SERIAL, Some(RevocationReason::CertificateHold))
        .der();
    let e = run(&p, &[], vec![crl, Crl::by(&p.root).der()], false).unwrap_err();
    assert!(
        matches!(
            e.reason,
            Reason::Revoked {
                reason: Some("certificateHold"),
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn soft_fail_lets_an_unknown_status_pass_and_says_so_but_never_a_revoked_one() {
    let p = pki();
    // No CRL of the intermediate: the leaf's status is unknown.
    let path = run(&p, &[], vec![Crl::by(&p.root).der()], true).unwrap();
    let detail = leaf_revocation_detail(&path);
    assert!(
        detail.contains("unknown, allowed by soft-fail") && detail.contains("no CRL in scope"),
        "{detail}"
    );
    let crl = Crl::by(&p.ica).revoking(LEAF_SERIAL, None).der();
    let e = run(&p, &[], vec![crl, Crl::by(&p.root).der()], true).unwrap_err();
    assert!(matches!(e.reason, Reason::Revoked { .. }), "{e}");
}

#[test]
fn many_same_name_crl_signers_and_crls_stay_bounded() {
    // Hostile input: 30 CRLs from keys nobody certified, and 30 certificates bearing the
    // CRL issuer's name, each a candidate signer for each CRL. The work budget stops it.
    let p = pki();
    let pool: Vec<Vec<u8>> = (0..30).map(|_| der(&separate_crl_signer(&p))).collect();
    let impostors: Vec<Ca> = (0..30)
        .map(|_| root("Rev Intermediate", Alg::P256))
        .collect();
    let mut crls: Vec<Vec<u8>> = impostors.iter().map(|i| Crl::by(i).der()).collect();
    crls.push(Crl::by(&p.root).der());
    let start = std::time::Instant::now();
    let e = run(&p, &pool, crls, false).unwrap_err();
    assert!(matches!(e.reason, Reason::RevocationUnknown(_)), "{e}");
    assert!(
        start.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_stale_crl_leaves_the_status_unknown() {
    // RuleId::CrlCurrent, 6.3.3 (a): nextUpdate before the time.
    let p = pki();
    let mut old = Crl::by(&p.ica);
    old.this_update = now() - Duration::days(30);
    let e = run(&p, &[], vec![old.der(), Crl::by(&p.root).der()], false).unwrap_err();
    assert!(
        matches!(
            unknown_by(&e, RuleId::CrlCurrent),
            UnknownRevocation::CrlNotCurrent { .. }
        ),
        "{e}"
    );
}

#[test]
fn a_crl_whose_algorithms_differ_is_not_used() {
    // RuleId::CrlAlgorithmsMatch, RFC 5280 5.1.1.2: tbsCertList.signature says SHA-384 while
    // signatureAlgorithm says SHA-256 (the first ecdsa-with-SHA256 OID is the inner one).
    let p = pki();
    let mut der = Crl::by(&p.ica).der();
    let oid = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    let at = der.windows(oid.len()).position(|w| w == oid).unwrap();
    der[at + oid.len() - 1] = 0x03;
    let e = run(&p, &[], vec![der, Crl::by(&p.root).der()], false).unwrap_err();
    assert!(
        matches!(
            unknown_by(&e, RuleId::CrlAlgorithmsMatch),
            UnknownRevocation::CrlUnusable { .. }
        ),
        "{e}"
    );
}
