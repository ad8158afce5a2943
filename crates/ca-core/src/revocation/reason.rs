//! Why a certificate was revoked (RFC 5280 5.3.1 CRLReason).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RevocationReason {
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

impl RevocationReason {
    pub const ALL: [RevocationReason; 9] = [
        RevocationReason::Unspecified,
        RevocationReason::KeyCompromise,
        RevocationReason::CaCompromise,
        RevocationReason::AffiliationChanged,
        RevocationReason::Superseded,
        RevocationReason::CessationOfOperation,
        RevocationReason::CertificateHold,
        RevocationReason::PrivilegeWithdrawn,
        RevocationReason::AaCompromise,
    ];

    /// How the CLI, the revocation list and `--json` spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            RevocationReason::Unspecified => "unspecified",
            RevocationReason::KeyCompromise => "key-compromise",
            RevocationReason::CaCompromise => "ca-compromise",
            RevocationReason::AffiliationChanged => "affiliation-changed",
            RevocationReason::Superseded => "superseded",
            RevocationReason::CessationOfOperation => "cessation-of-operation",
            RevocationReason::CertificateHold => "certificate-hold",
            RevocationReason::PrivilegeWithdrawn => "privilege-withdrawn",
            RevocationReason::AaCompromise => "aa-compromise",
        }
    }

    /// The CRL entry's reason code, `None` for `unspecified`.
    pub fn to_rcgen(self) -> Option<rcgen::RevocationReason> {
        use rcgen::RevocationReason as R;
        Some(match self {
            RevocationReason::Unspecified => return None,
            RevocationReason::KeyCompromise => R::KeyCompromise,
            RevocationReason::CaCompromise => R::CaCompromise,
            RevocationReason::AffiliationChanged => R::AffiliationChanged,
            RevocationReason::Superseded => R::Superseded,
            RevocationReason::CessationOfOperation => R::CessationOfOperation,
            RevocationReason::CertificateHold => R::CertificateHold,
            RevocationReason::PrivilegeWithdrawn => R::PrivilegeWithdrawn,
            RevocationReason::AaCompromise => R::AaCompromise,
        })
    }
}

impl fmt::Display for RevocationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RevocationReason {
    type Err = String;

    /// Accepts `key-compromise`, `key_compromise` and `keyCompromise`.
    fn from_str(s: &str) -> Result<Self, String> {
        let plain = |t: &str| t.replace(['-', '_'], "").to_ascii_lowercase();
        RevocationReason::ALL
            .into_iter()
            .find(|r| plain(r.as_str()) == plain(s))
            .ok_or_else(|| {
                let names: Vec<&str> = RevocationReason::ALL.iter().map(|r| r.as_str()).collect();
                format!(
                    "unknown revocation reason '{s}'; choose one of: {}",
                    names.join(", ")
                )
            })
    }
}

impl Serialize for RevocationReason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RevocationReason {
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
        for r in RevocationReason::ALL {
            assert_eq!(r.as_str().parse::<RevocationReason>(), Ok(r));
        }
        assert_eq!("keyCompromise".parse(), Ok(RevocationReason::KeyCompromise));
        assert_eq!(
            "KEY_COMPROMISE".parse(),
            Ok(RevocationReason::KeyCompromise)
        );
        assert!("stolen".parse::<RevocationReason>().is_err());
        assert_eq!(RevocationReason::Unspecified.to_rcgen(), None);
    }
}
