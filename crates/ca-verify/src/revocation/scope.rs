//! Distribution points and CRL scope (RFC 5280 4.2.1.13, 5.2.5, 6.3.3 (b), (c)): which CRLs
//! can decide a certificate's status, and for which revocation reasons.

use x509_parser::extensions::GeneralName as XGeneralName;
use x509_parser::prelude::FromDer;
use x509_parser::x509::AttributeTypeAndValue;

use crate::cert::{AttrBuf, Certificate, GeneralName, Name};
use crate::der::{read_tlv, Tlv};
use crate::name::dn;
use crate::name::dn::AttrBytes;

/// The elements of a DER content, in order.
fn elements(mut content: &[u8]) -> Result<Vec<Tlv<'_>>, String> {
    let mut out = Vec::new();
    while !content.is_empty() {
        let (t, rest) = read_tlv(content).ok_or("malformed DER")?;
        out.push(t);
        content = rest;
    }
    Ok(out)
}

/// Exactly one element (of tag `tag`, unless 0).
fn single(der: &[u8], tag: u8) -> Result<Tlv<'_>, String> {
    match read_tlv(der) {
        Some((t, [])) if tag == 0 || t.tag == tag => Ok(t),
        _ => Err("malformed DER".into()),
    }
}

/// GeneralNames content: one or more GeneralName.
fn general_names(content: &[u8]) -> Result<Vec<GeneralName>, String> {
    let names = elements(content)?
        .iter()
        .map(|el| {
            let (_, g) =
                XGeneralName::from_der(el.whole).map_err(|e| format!("GeneralName: {e}"))?;
            GeneralName::from_x509(&g)
        })
        .collect::<Result<Vec<_>, _>>()?;
    if names.is_empty() {
        return Err("empty GeneralNames".into());
    }
    Ok(names)
}

/// ReasonFlags (a BIT STRING content) as bits 0..=8 of a u16 (bit n = flag n).
fn reason_flags(content: &[u8]) -> Result<u16, String> {
    let (&unused, bytes) = content.split_first().ok_or("empty ReasonFlags")?;
    if unused > 7 || (bytes.is_empty() && unused != 0) {
        return Err("malformed ReasonFlags".into());
    }
    let mut flags = 0u16;
    for (i, &b) in bytes.iter().take(2).enumerate() {
        for bit in 0..8 {
            if b & (0x80 >> bit) != 0 {
                flags |= 1 << (i * 8 + bit);
            }
        }
    }
    Ok(flags & ALL_REASONS)
}

/// Every reason of ReasonFlags (RFC 5280 4.2.1.13), bits 1 to 8: keyCompromise to aACompromise.
pub(crate) const ALL_REASONS: u16 = 0x1fe;

/// A DistributionPointName.
#[derive(Clone, Debug)]
pub(crate) enum DpName {
    Full(Vec<GeneralName>),
    /// nameRelativeToCRLIssuer: one RDN to append to the CRL issuer's name.
    Relative(Vec<AttrBuf>),
}

impl DpName {
    /// DistributionPointName ::= CHOICE { fullName [0] GeneralNames,
    /// nameRelativeToCRLIssuer [1] RelativeDistinguishedName } (implicitly tagged). Read here:
    /// x509-parser 0.18 loses a nameRelativeToCRLIssuer, and the rest of its DistributionPoint
    /// with it.
    fn from_der(t: &Tlv<'_>) -> Result<Self, String> {
        match t.tag {
            0xa0 => Ok(DpName::Full(general_names(t.content)?)),
            0xa1 => {
                let mut attrs = Vec::new();
                for el in elements(t.content)? {
                    let (_, a) = AttributeTypeAndValue::from_der(el.whole)
                        .map_err(|e| format!("nameRelativeToCRLIssuer: {e}"))?;
                    attrs.push(AttrBuf {
                        oid: AttrBytes::from_slice(a.attr_type().as_bytes()),
                        tag: a.attr_value().tag().0,
                        value: AttrBytes::from_slice(a.attr_value().data),
                    });
                }
                if attrs.is_empty() {
                    return Err("empty nameRelativeToCRLIssuer".into());
                }
                Ok(DpName::Relative(attrs))
            }
            other => Err(format!("DistributionPointName with tag {other:#04x}")),
        }
    }

    /// The full names, a relative name resolved against `base` (RFC 5280 4.2.1.13).
    fn full(&self, base: &Name) -> Vec<GeneralName> {
        match self {
            DpName::Full(v) => v.clone(),
            DpName::Relative(rdn) => vec![GeneralName::Directory(Box::new(base.extended(rdn)))],
        }
    }
}

/// One DistributionPoint of a certificate's cRLDistributionPoints.
#[derive(Clone, Debug)]
pub(crate) struct DistributionPoint {
    pub(crate) name: Option<DpName>,
    /// ReasonFlags bits, or None for every reason.
    pub(crate) reasons: Option<u16>,
    pub(crate) crl_issuer: Option<Vec<GeneralName>>,
}

impl DistributionPoint {
    /// CRLDistributionPoints ::= SEQUENCE OF DistributionPoint (RFC 5280 4.2.1.13), from the
    /// extension value.
    pub(crate) fn from_der(value: &[u8]) -> Result<Vec<Self>, String> {
        let outer = single(value, 0x30)?;
        let mut out = Vec::new();
        for dp in elements(outer.content)? {
            if dp.tag != 0x30 {
                return Err("a DistributionPoint is not a SEQUENCE".into());
            }
            let mut point = DistributionPoint {
                name: None,
                reasons: None,
                crl_issuer: None,
            };
            let mut last: Option<u8> = None;
            for f in elements(dp.content)? {
                // Context tags [0], [1], ... in increasing order.
                let number = f.tag & 0x1f;
                if last.is_some_and(|l| number <= l) {
                    return Err("DistributionPoint fields out of order".into());
                }
                last = Some(number);
                match f.tag {
                    0xa0 => point.name = Some(DpName::from_der(&single(f.content, 0)?)?),
                    0x81 => point.reasons = Some(reason_flags(f.content)?),
                    0xa2 => point.crl_issuer = Some(general_names(f.content)?),
                    t => return Err(format!("unexpected DistributionPoint field {t:#04x}")),
                }
            }
            if point.name.is_none() && point.crl_issuer.is_none() {
                // RFC 5280 4.2.1.13: a DistributionPoint MUST NOT have only reasons.
                return Err("a DistributionPoint without distributionPoint or cRLIssuer".into());
            }
            out.push(point);
        }
        Ok(out)
    }

    /// The distribution point RFC 5280 6.3.3 assumes for CRLs named by no distribution point:
    /// the certificate issuer's name, every reason, no cRLIssuer.
    pub(crate) fn implicit(cert: &Certificate) -> Self {
        DistributionPoint {
            name: Some(DpName::Full(vec![GeneralName::Directory(Box::new(
                cert.issuer.clone(),
            ))])),
            reasons: None,
            crl_issuer: None,
        }
    }

    /// The directory names of cRLIssuer.
    pub(crate) fn crl_issuer_names(&self) -> impl Iterator<Item = &Name> {
        self.crl_issuer.iter().flatten().filter_map(|g| match g {
            GeneralName::Directory(n) => Some(&**n),
            _ => None,
        })
    }

    /// This point's names (relative ones resolved against the cRLIssuer, else the
    /// certificate issuer); with no distributionPoint, the cRLIssuer names.
    pub(crate) fn names(&self, cert: &Certificate) -> Vec<GeneralName> {
        match &self.name {
            Some(n) => {
                let base = self.crl_issuer_names().next().unwrap_or(&cert.issuer);
                n.full(base)
            }
            None => self.crl_issuer.clone().unwrap_or_default(),
        }
    }
}

/// An issuingDistributionPoint (RFC 5280 5.2.5).
#[derive(Clone, Debug, Default)]
pub(crate) struct IssuingDistributionPoint {
    pub(crate) name: Option<DpName>,
    pub(crate) only_user: bool,
    pub(crate) only_ca: bool,
    pub(crate) only_some_reasons: Option<u16>,
    pub(crate) indirect: bool,
    pub(crate) only_attribute: bool,
}

impl IssuingDistributionPoint {
    /// IssuingDistributionPoint (RFC 5280 5.2.5), from the extension value.
    pub(crate) fn from_der(value: &[u8]) -> Result<Self, String> {
        let outer = single(value, 0x30)?;
        let mut idp = IssuingDistributionPoint::default();
        let mut last: Option<u8> = None;
        for f in elements(outer.content)? {
            let number = f.tag & 0x1f;
            if last.is_some_and(|l| number <= l) {
                return Err("issuingDistributionPoint fields out of order".into());
            }
            last = Some(number);
            let flag = || -> Result<bool, String> {
                match f.content {
                    [0xff] => Ok(true),
                    // DER: a DEFAULT FALSE boolean is omitted, never encoded as FALSE.
                    _ => Err(format!("field {:#04x} is not a DER TRUE", f.tag)),
                }
            };
            match f.tag {
                0xa0 => idp.name = Some(DpName::from_der(&single(f.content, 0)?)?),
                0x81 => idp.only_user = flag()?,
                0x82 => idp.only_ca = flag()?,
                0x83 => idp.only_some_reasons = Some(reason_flags(f.content)?),
                0x84 => idp.indirect = flag()?,
                0x85 => idp.only_attribute = flag()?,
                t => return Err(format!("unexpected field {t:#04x}")),
            }
        }
        Ok(idp)
    }

    /// The point's full names, relative ones resolved against the CRL issuer.
    pub(crate) fn names(&self, crl_issuer: &Name) -> Option<Vec<GeneralName>> {
        self.name.as_ref().map(|n| n.full(crl_issuer))
    }

    /// Same scope (for a delta CRL and its base, RFC 5280 6.3.3 (h)).
    pub(crate) fn same_scope(&self, other: &Self, crl_issuer: &Name) -> bool {
        self.only_user == other.only_user
            && self.only_ca == other.only_ca
            && self.only_some_reasons == other.only_some_reasons
            && self.indirect == other.indirect
            && self.only_attribute == other.only_attribute
            && match (self.names(crl_issuer), other.names(crl_issuer)) {
                (None, None) => true,
                (Some(a), Some(b)) => {
                    a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| general_eq(x, y)))
                }
                _ => false,
            }
    }
}

/// GeneralName equality for distribution point matching: directory names by RFC 5280 7.1,
/// URIs and DNS names ignoring ASCII case, the rest exactly.
pub(crate) fn general_eq(a: &GeneralName, b: &GeneralName) -> bool {
    match (a, b) {
        (GeneralName::Directory(x), GeneralName::Directory(y)) => dn::equal(x, y),
        (GeneralName::Uri(x), GeneralName::Uri(y))
        | (GeneralName::Dns(x), GeneralName::Dns(y))
        | (GeneralName::Email(x), GeneralName::Email(y)) => x.eq_ignore_ascii_case(y),
        (GeneralName::Ip(x), GeneralName::Ip(y)) => x == y,
        _ => false,
    }
}

pub(crate) fn any_match(a: &[GeneralName], b: &[GeneralName]) -> bool {
    a.iter().any(|x| b.iter().any(|y| general_eq(x, y)))
}

/// RFC 5280 6.3.3 (b) (2): whether a CRL with this issuingDistributionPoint covers `cert`
/// through `dp`; Err says why not.
pub(crate) fn idp_covers(
    idp: &IssuingDistributionPoint,
    crl_issuer: &Name,
    dp: &DistributionPoint,
    cert: &Certificate,
) -> Result<(), &'static str> {
    if let Some(idp_names) = idp.names(crl_issuer) {
        // (i): a name of the IDP matches a name of the DP (or of its cRLIssuer).
        if !any_match(&idp_names, &dp.names(cert)) {
            return Err("its issuingDistributionPoint names another distribution point");
        }
    }
    if idp.only_user && cert.is_ca() {
        return Err("it holds only end-entity certificates (onlyContainsUserCerts)");
    }
    if idp.only_ca && !cert.is_ca() {
        return Err("it holds only CA certificates (onlyContainsCACerts)");
    }
    if idp.only_attribute {
        return Err("it holds only attribute certificates (onlyContainsAttributeCerts)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        assert!(content.len() < 0x80);
        [&[tag, content.len() as u8][..], content].concat()
    }

    /// An AttributeTypeAndValue commonName = `cn` (PrintableString).
    fn cn(cn: &str) -> Vec<u8> {
        tlv(
            0x30,
            &[tlv(0x06, &[0x55, 0x04, 0x03]), tlv(0x13, cn.as_bytes())].concat(),
        )
    }

    /// A Name of one RDN holding `cn`.
    fn name(cn_value: &str) -> Vec<u8> {
        tlv(0x30, &tlv(0x31, &cn(cn_value)))
    }

    #[test]
    fn a_relative_name_resolves_against_the_crl_issuer_and_reasons_are_read() {
        // DistributionPoint { distributionPoint [0] { nameRelativeToCRLIssuer [1] { CN=part1 } },
        //   reasons [1] keyCompromise|cACompromise, cRLIssuer [2] { directoryName [4] CN=CRL Issuer } }
        let dp_name = tlv(0xa0, &tlv(0xa1, &cn("part1")));
        let reasons = tlv(0x81, &[0x05, 0x60]);
        let issuer = tlv(0xa2, &tlv(0xa4, &name("CRL Issuer")));
        let value = tlv(0x30, &tlv(0x30, &[dp_name, reasons, issuer].concat()));
        let points = DistributionPoint::from_der(&value).unwrap();
        assert_eq!(points.len(), 1);
        let p = &points[0];
        assert_eq!(p.reasons, Some(0b110));
        assert_eq!(p.crl_issuer_names().count(), 1);
        let base = p.crl_issuer_names().next().unwrap().clone();
        // The relative name is the cRLIssuer's name plus one RDN.
        let Some(DpName::Relative(rdn)) = &p.name else {
            panic!("relative name expected")
        };
        let full = DpName::Relative(rdn.clone()).full(&base);
        let [GeneralName::Directory(n)] = full.as_slice() else {
            panic!("one directory name expected")
        };
        assert_eq!(n.rdns().count(), 2);
        assert_eq!(
            n.rdns().nth(1).unwrap().iter().next().unwrap().value,
            b"part1"
        );
        // The same construction matches; another RDN does not.
        let same = DpName::Relative(rdn.clone()).full(&base);
        assert!(any_match(&full, &same));
        let other = DpName::Relative(vec![AttrBuf {
            value: AttrBytes::from_slice(b"part2"),
            ..rdn[0].clone()
        }])
        .full(&base);
        assert!(!any_match(&full, &other));
    }

    #[test]
    fn a_distribution_point_with_only_reasons_or_fields_out_of_order_is_malformed() {
        // RFC 5280 4.2.1.13: distributionPoint or cRLIssuer MUST be present.
        let only_reasons = tlv(0x30, &tlv(0x30, &tlv(0x81, &[0x07, 0x80])));
        assert!(DistributionPoint::from_der(&only_reasons).is_err());
        let issuer = tlv(0xa2, &tlv(0xa4, &name("X")));
        let dp_name = tlv(0xa0, &tlv(0xa1, &cn("p")));
        let reversed = tlv(0x30, &tlv(0x30, &[issuer, dp_name].concat()));
        assert!(DistributionPoint::from_der(&reversed).is_err());
    }

    #[test]
    fn idp_flags_are_read_and_an_encoded_false_is_refused() {
        // onlyContainsCACerts [2] TRUE, onlySomeReasons [3] keyCompromise, indirectCRL [4] TRUE.
        let value = tlv(
            0x30,
            &[
                tlv(0x82, &[0xff]),
                tlv(0x83, &[0x06, 0x40]),
                tlv(0x84, &[0xff]),
            ]
            .concat(),
        );
        let idp = IssuingDistributionPoint::from_der(&value).unwrap();
        assert!(idp.only_ca && idp.indirect && !idp.only_user && !idp.only_attribute);
        assert_eq!(idp.only_some_reasons, Some(0b10));
        // DER: a DEFAULT FALSE field is absent, never encoded.
        let explicit_false = tlv(0x30, &tlv(0x81, &[0x00]));
        assert!(IssuingDistributionPoint::from_der(&explicit_false).is_err());
    }
}
