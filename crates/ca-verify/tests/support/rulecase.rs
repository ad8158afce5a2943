//! For the rulebook tests: a P-256 root -> intermediate PKI, leaves for example.com, and a
//! small DER editor that changes one field of a certificate and signs it again, for the
//! defects rcgen cannot express (a critical SKI, a negative serial, a v1 certificate, ...).
#![allow(dead_code)] // each test file uses a different part

use ca_verify::{verify, ExpectedName, Profile, Reason, RuleId, TrustAnchor, VerifyOptions};
use rcgen::{CertificateParams, KeyPair, SigningKey};

use super::pki::*;

/// OIDs by their DER content octets.
pub const OID_SKI: &[u8] = &[0x55, 0x1d, 0x0e];
pub const OID_KU: &[u8] = &[0x55, 0x1d, 0x0f];
pub const OID_SAN: &[u8] = &[0x55, 0x1d, 0x11];
pub const OID_BC: &[u8] = &[0x55, 0x1d, 0x13];
pub const OID_NC: &[u8] = &[0x55, 0x1d, 0x1e];
pub const OID_AKI: &[u8] = &[0x55, 0x1d, 0x23];
pub const OID_EKU: &[u8] = &[0x55, 0x1d, 0x25];
pub const OID_AIA: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01];

/// root -> intermediate, both P-256.
pub struct Pki {
    pub root: Ca,
    pub ica: Ca,
}

impl Pki {
    pub fn new() -> Pki {
        let root = root("Rulebook Root", Alg::P256);
        let ica = ca_signed_by(ca_params("Rulebook Intermediate"), Alg::P256, &root);
        Pki { root, ica }
    }

    /// A leaf signed by the intermediate.
    pub fn leaf(&self, p: CertificateParams) -> Vec<u8> {
        leaf_signed_by(p, Alg::P256, &self.ica)
    }

    /// The usual good leaf for example.com.
    pub fn good_leaf(&self) -> Vec<u8> {
        self.leaf(leaf_params(&["example.com"]))
    }

    /// Verifies `leaf` for example.com under `profile`.
    pub fn verify(&self, leaf: &[u8], profile: Profile) -> Result<(), Reason> {
        self.verify_chain(leaf, &der(&self.ica), &der(&self.root), profile)
    }

    /// Verifies `leaf` under `o` with this PKI.
    pub fn verify_opts(&self, leaf: &[u8], o: &VerifyOptions) -> Result<(), Reason> {
        run(leaf, &der(&self.ica), &der(&self.root), o)
    }

    /// Verifies with another intermediate and root (e.g. edited ones).
    pub fn verify_chain(
        &self,
        leaf: &[u8],
        ica: &[u8],
        root: &[u8],
        profile: Profile,
    ) -> Result<(), Reason> {
        let mut o = VerifyOptions::server(now(), Some(ExpectedName::Dns("example.com".into())));
        o.profile = profile;
        run(leaf, ica, root, &o)
    }

    /// Edits the leaf `der` and signs it again with the intermediate's key.
    pub fn edit_leaf(&self, der: &[u8], f: impl FnOnce(&mut Tbs)) -> Vec<u8> {
        edit(der, self.ica.key(), f)
    }

    /// The intermediate, edited and signed again by the root (same name and key, so leaves it
    /// signed still verify).
    pub fn edit_ica(&self, f: impl FnOnce(&mut Tbs)) -> Vec<u8> {
        edit(&der(&self.ica), self.root.key(), f)
    }

    /// The root, edited and signed again by itself.
    pub fn edit_root(&self, f: impl FnOnce(&mut Tbs)) -> Vec<u8> {
        edit(&der(&self.root), self.root.key(), f)
    }
}

pub fn run(leaf: &[u8], ica: &[u8], root: &[u8], o: &VerifyOptions) -> Result<(), Reason> {
    let anchors = [TrustAnchor::from_der(root).map_err(|e| e.reason)?];
    verify(leaf, &[ica.to_vec()], &anchors, o)
        .map(|_| ())
        .map_err(|e| e.reason)
}

/// Asserts that `r` is a refusal by `rule`.
#[track_caller]
pub fn refused_by(r: Result<(), Reason>, rule: RuleId) {
    match r {
        Err(reason) => assert_eq!(reason.rule(), Some(rule), "refused, but by: {reason}"),
        Ok(()) => panic!("accepted; expected a refusal by {}", rule.id()),
    }
}

/// Asserts acceptance.
#[track_caller]
pub fn accepted(r: Result<(), Reason>) {
    if let Err(reason) = r {
        panic!(
            "refused: {reason} (rule {:?})",
            reason.rule().map(|r| r.id())
        );
    }
}

/// A DER element: tag and content, constructed ones parsed into children.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Der {
    pub tag: u8,
    pub body: Body,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    Prim(Vec<u8>),
    Cons(Vec<Der>),
}

impl Der {
    pub fn prim(tag: u8, data: &[u8]) -> Der {
        Der {
            tag,
            body: Body::Prim(data.to_vec()),
        }
    }

    pub fn cons(tag: u8, kids: Vec<Der>) -> Der {
        Der {
            tag,
            body: Body::Cons(kids),
        }
    }

    pub fn parse(b: &[u8]) -> (Der, usize) {
        let tag = b[0];
        let (len, hdr) = match b[1] {
            l if l < 0x80 => (l as usize, 2),
            0x81 => (b[2] as usize, 3),
            0x82 => (((b[2] as usize) << 8) | b[3] as usize, 4),
            other => panic!("length form {other:#x} not supported"),
        };
        let content = &b[hdr..hdr + len];
        let body = if tag & 0x20 != 0 {
            let mut kids = Vec::new();
            let mut at = 0;
            while at < content.len() {
                let (k, used) = Der::parse(&content[at..]);
                kids.push(k);
                at += used;
            }
            Body::Cons(kids)
        } else {
            Body::Prim(content.to_vec())
        };
        (Der { tag, body }, hdr + len)
    }

    pub fn encode(&self) -> Vec<u8> {
        let content = match &self.body {
            Body::Prim(d) => d.clone(),
            Body::Cons(kids) => kids.iter().flat_map(Der::encode).collect(),
        };
        let mut out = vec![self.tag];
        match content.len() {
            l if l < 0x80 => out.push(l as u8),
            l if l < 0x100 => out.extend([0x81, l as u8]),
            l => out.extend([0x82, (l >> 8) as u8, l as u8]),
        }
        out.extend(content);
        out
    }

    pub fn kids(&mut self) -> &mut Vec<Der> {
        match &mut self.body {
            Body::Cons(k) => k,
            Body::Prim(_) => panic!("not constructed"),
        }
    }
}

fn is_ext(e: &Der, oid: &[u8]) -> bool {
    matches!(&e.body, Body::Cons(k) if k.first().map(|o| &o.body) == Some(&Body::Prim(oid.to_vec())))
}

/// The tbsCertificate being edited.
pub struct Tbs(pub Der);

impl Tbs {
    fn offset(&mut self) -> usize {
        usize::from(self.0.kids()[0].tag == 0xa0)
    }

    /// version: 1, 2 or 3 (1 drops the field, as DER requires).
    pub fn set_version(&mut self, v: u8) {
        let has = self.offset() == 1;
        let kids = self.0.kids();
        if has {
            kids.remove(0);
        }
        if v > 1 {
            kids.insert(0, Der::cons(0xa0, vec![Der::prim(0x02, &[v - 1])]));
        }
    }

    pub fn set_serial(&mut self, content: &[u8]) {
        let o = self.offset();
        self.0.kids()[o] = Der::prim(0x02, content);
    }

    /// Replaces the subject with an empty name.
    pub fn empty_subject(&mut self) {
        let o = self.offset();
        self.0.kids()[o + 4] = Der::cons(0x30, vec![]);
    }

    /// Sets the subject to CN=`cn` (UTF8String) followed by the given extra CNs.
    pub fn set_subject_cns(&mut self, cns: &[&str]) {
        let o = self.offset();
        let rdns = cns
            .iter()
            .map(|cn| {
                Der::cons(
                    0x31,
                    vec![Der::cons(
                        0x30,
                        vec![
                            Der::prim(0x06, &[0x55, 0x04, 0x03]),
                            Der::prim(0x0c, cn.as_bytes()),
                        ],
                    )],
                )
            })
            .collect();
        self.0.kids()[o + 4] = Der::cons(0x30, rdns);
    }

    fn extensions(&mut self) -> &mut Vec<Der> {
        let kids = self.0.kids();
        if kids.last().map(|d| d.tag) != Some(0xa3) {
            kids.push(Der::cons(0xa3, vec![Der::cons(0x30, vec![])]));
        }
        kids.last_mut().unwrap().kids()[0].kids()
    }

    fn ext(&mut self, oid: &[u8]) -> Option<&mut Der> {
        self.extensions().iter_mut().find(|e| is_ext(e, oid))
    }

    /// Marks the extension critical or not.
    pub fn set_critical(&mut self, oid: &[u8], critical: bool) {
        let e = self.ext(oid).expect("extension present").kids();
        if e.len() == 3 {
            e.remove(1);
        }
        if critical {
            e.insert(1, Der::prim(0x01, &[0xff]));
        }
    }

    pub fn remove_ext(&mut self, oid: &[u8]) {
        self.extensions().retain(|e| !is_ext(e, oid));
    }

    /// Adds (or replaces) an extension with the DER `value`.
    pub fn set_ext(&mut self, oid: &[u8], critical: bool, value: &[u8]) {
        self.remove_ext(oid);
        let mut kids = vec![Der::prim(0x06, oid)];
        if critical {
            kids.push(Der::prim(0x01, &[0xff]));
        }
        kids.push(Der::prim(0x04, value));
        self.extensions().push(Der::cons(0x30, kids));
    }

    /// The DER value of an extension.
    pub fn ext_value(&mut self, oid: &[u8]) -> Vec<u8> {
        let e = self.ext(oid).expect("extension present").kids();
        match &e.last().unwrap().body {
            Body::Prim(d) => d.clone(),
            Body::Cons(_) => unreachable!(),
        }
    }
}

impl Tbs {
    /// Replaces subjectPublicKeyInfo with `spki` (DER).
    pub fn set_spki(&mut self, spki: &[u8]) {
        let o = self.offset();
        self.0.kids()[o + 5] = Der::parse(spki).0;
    }

    /// Replaces the issuer name with an empty one.
    pub fn empty_issuer(&mut self) {
        let o = self.offset();
        self.0.kids()[o + 2] = Der::cons(0x30, vec![]);
    }

    /// Sets tbsCertificate.signature (the outer algorithm follows it when signing again).
    pub fn set_signature_algorithm(&mut self, oid: &[u8]) {
        let o = self.offset();
        self.0.kids()[o + 1] = Der::cons(0x30, vec![Der::prim(0x06, oid)]);
    }

    /// Appends a second copy of an extension.
    pub fn duplicate_ext(&mut self, oid: &[u8]) {
        let e = self.ext(oid).expect("extension present").clone();
        self.extensions().push(e);
    }
}

/// Applies `f` to the tbsCertificate of `cert` and signs it again with `key`. The outer
/// signatureAlgorithm is a copy of the (possibly edited) tbsCertificate.signature.
pub fn edit(cert: &[u8], key: &KeyPair, f: impl FnOnce(&mut Tbs)) -> Vec<u8> {
    let (mut c, _) = Der::parse(cert);
    let kids = c.kids();
    let mut tbs = Tbs(kids[0].clone());
    f(&mut tbs);
    let o = tbs.offset();
    let alg = tbs.0.kids()[o + 1].clone();
    let tbs_der = tbs.0.encode();
    let sig = key.sign(&tbs_der).unwrap();
    let mut bits = vec![0u8];
    bits.extend(sig);
    Der::cons(0x30, vec![tbs.0, alg, Der::prim(0x03, &bits)]).encode()
}

/// `cert` with another outer signatureAlgorithm (not signed again).
pub fn with_outer_algorithm(cert: &[u8], oid: &[u8]) -> Vec<u8> {
    let (mut c, _) = Der::parse(cert);
    c.kids()[1] = Der::cons(0x30, vec![Der::prim(0x06, oid)]);
    c.encode()
}

/// An RSA subjectPublicKeyInfo whose modulus has exactly `bits` bits (a made-up key: only its
/// size matters to the rule; a leaf's key verifies nothing on the path).
pub fn rsa_spki(bits: usize) -> Vec<u8> {
    let bytes = bits.div_ceil(8);
    let mut modulus = vec![0xa5u8; bytes];
    let top = bits - (bytes - 1) * 8; // bits used in the first byte, 1..=8
    modulus[0] = 1 << (top - 1) | 1;
    *modulus.last_mut().unwrap() |= 1;
    if modulus[0] & 0x80 != 0 {
        modulus.insert(0, 0);
    }
    let rsa_key = Der::cons(
        0x30,
        vec![
            Der::prim(0x02, &modulus),
            Der::prim(0x02, &[0x01, 0x00, 0x01]),
        ],
    )
    .encode();
    let mut bitstring = vec![0u8];
    bitstring.extend(rsa_key);
    Der::cons(
        0x30,
        vec![
            Der::cons(
                0x30,
                vec![
                    Der::prim(
                        0x06,
                        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01],
                    ),
                    Der::prim(0x05, &[]),
                ],
            ),
            Der::prim(0x03, &bitstring),
        ],
    )
    .encode()
}
