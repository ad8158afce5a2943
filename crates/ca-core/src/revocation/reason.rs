//! Why a certificate was revoked (RFC 5280 5.3.1 CRLReason).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reason {
    /// No reason given; CRL entries then carry no reason code (RFC 5280
    /// asks to omit `unspecified`).
    #[default]
    Unspecified,
    KeyCompromise,
    CaCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
    CertificateHold,
    PrivilegeWithdrawn,
    AaCompromise,
}

impl Reason {
    pub const ALL: [Reason; 9] = [
        Reason::Unspecified,
        Reason::KeyCompromise,
        Reason::CaCompromise,
        Reason::AffiliationChanged,
        Reason::Superseded,
        Reason::CessationOfOperation,
        Reason::CertificateHold,
        Reason::PrivilegeWithdrawn,
        Reason::AaCompromise,
    ];

    /// How the CLI, the revocation list and `--json` spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Unspecified => "unspecified",
            Reason::KeyCompromise => "key-compromise",
            Reason::CaCompromise => "ca-compromise",
            Reason::AffiliationChanged => "affiliation-changed",
            Reason::Superseded => "superseded",
            Reason::CessationOfOperation => "cessation-of-operation",
            Reason::CertificateHold => "certificate-hold",
            Reason::PrivilegeWithdrawn => "privilege-withdrawn",
            Reason::AaCompromise => "aa-compromise",
        }
    }

    /// The CRL entry's reason code, `None` for `unspecified`.
    pub fn to_rcgen(self) -> Option<rcgen::RevocationReason> {
        use rcgen::RevocationReason as R;
        Some(match self {
            Reason::Unspecified => return None,
            Reason::KeyCompromise => R::KeyCompromise,
            Reason::CaCompromise => R::CaCompromise,
            Reason::AffiliationChanged => R::AffiliationChanged,
            Reason::Superseded => R::Superseded,
            Reason::CessationOfOperation => R::CessationOfOperation,
            Reason::CertificateHold => R::CertificateHold,
            Reason::PrivilegeWithdrawn => R::PrivilegeWithdrawn,
            Reason::AaCompromise => R::AaCompromise,
        })
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Reason {
    type Err = String;

    /// Accepts `key-compromise`, `key_compromise` and `keyCompromise`.
    fn from_str(s: &str) -> Result<Self, String> {
        let plain = |t: &str| t.replace(['-', '_'], "").to_ascii_lowercase();
        Reason::ALL
            .into_iter()
            .find(|r| plain(r.as_str()) == plain(s))
            .ok_or_else(|| {
                let names: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
                format!(
                    "unknown revocation reason '{s}'; choose one of: {}",
                    names.join(", ")
                )
            })
    }
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Reason {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        for r in Reason::ALL {
            assert_eq!(r.as_str().parse::<Reason>(), Ok(r));
        }
        assert_eq!("keyCompromise".parse(), Ok(Reason::KeyCompromise));
        assert_eq!("KEY_COMPROMISE".parse(), Ok(Reason::KeyCompromise));
        assert!("stolen".parse::<Reason>().is_err());
        assert_eq!(Reason::Unspecified.to_rcgen(), None);
    }
}
