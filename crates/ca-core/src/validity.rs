//! Validity windows: `--not-before`, `--not-after` (RFC 3339) and
//! `--days`, with the defaults of each profile. Windows in the past are
//! allowed (tests need expired certificates) but produce a warning.

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::error::{Error, Result};

/// What the user asked for; every field is optional.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ValidityRequest {
    pub not_before: Option<OffsetDateTime>,
    pub not_after: Option<OffsetDateTime>,
    pub days: Option<u32>,
}

/// A resolved window, whole seconds in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

impl ValidityRequest {
    /// `--days N`.
    pub fn days(days: u32) -> Self {
        ValidityRequest {
            days: Some(days),
            ..Self::default()
        }
    }

    /// Resolves the request at time `now`: notBefore defaults to `now`,
    /// notAfter to notBefore plus `--days` or `default_days`. Warnings for
    /// odd but allowed windows are pushed to `warnings`.
    pub fn resolve(
        &self,
        now: OffsetDateTime,
        default_days: u32,
        warnings: &mut Vec<String>,
    ) -> Result<Validity> {
        if self.days.is_some() && self.not_after.is_some() {
            return Err(Error::Profile(
                "give either a number of days or an end (notAfter), not both".into(),
            ));
        }
        if self.days == Some(0) {
            return Err(Error::Profile(
                "the number of days must be at least 1".into(),
            ));
        }
        let not_before = whole_seconds(self.not_before.unwrap_or(now));
        let too_late =
            || Error::Profile("notAfter must be before the year 10000; give fewer days".into());
        let not_after = match self.not_after {
            Some(t) => whole_seconds(t),
            // Checked: --days 4294967295 must be refused, not overflow.
            None => not_before
                .checked_add(Duration::days(i64::from(self.days.unwrap_or(default_days))))
                .ok_or_else(too_late)?,
        };
        if not_after <= not_before {
            return Err(Error::Profile(format!(
                "the certificate would end ({}) before it starts ({}); \
                 give a later --not-after or an earlier --not-before",
                rfc3339(not_after),
                rfc3339(not_before)
            )));
        }
        if not_after.year() > 9999 {
            return Err(too_late());
        }
        if not_after < now {
            warnings.push(format!(
                "the certificate is already expired: its notAfter ({}) is in the past",
                rfc3339(not_after)
            ));
        } else if not_before > now {
            warnings.push(format!(
                "the certificate is not valid yet: its notBefore ({}) is in the future",
                rfc3339(not_before)
            ));
        }
        Ok(Validity {
            not_before,
            not_after,
        })
    }
}

impl Validity {
    /// Keeps a certificate inside its issuer's lifetime: a notAfter beyond
    /// the issuer's is cut back to it, with a warning.
    pub fn clamp_to_issuer(
        mut self,
        issuer_not_after: OffsetDateTime,
        warnings: &mut Vec<String>,
    ) -> Result<Self> {
        if self.not_after > issuer_not_after {
            warnings.push(format!(
                "notAfter cut back from {} to {}, when the issuing CA expires",
                rfc3339(self.not_after),
                rfc3339(issuer_not_after)
            ));
            self.not_after = issuer_not_after;
        }
        if self.not_after <= self.not_before {
            return Err(Error::Profile(format!(
                "the issuing CA expires ({}) before the certificate would start ({})",
                rfc3339(issuer_not_after),
                rfc3339(self.not_before)
            )));
        }
        Ok(self)
    }
}

/// Parses an RFC 3339 time such as `2030-01-01T00:00:00Z`.
pub fn parse_rfc3339(text: &str) -> Result<OffsetDateTime> {
    OffsetDateTime::parse(text.trim(), &Rfc3339).map_err(|e| {
        Error::Profile(format!(
            "'{text}' is not an RFC 3339 time ({e}); write it like 2030-01-31T12:00:00Z"
        ))
    })
}

/// Formats a time as RFC 3339 in UTC, e.g. `2030-01-31T12:00:00Z`.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

fn whole_seconds(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.replace_nanosecond(0).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-06-01 12:00:00.5 UTC);

    #[test]
    fn defaults_and_days() {
        let mut w = Vec::new();
        let v = ValidityRequest::default()
            .resolve(NOW, 397, &mut w)
            .unwrap();
        assert_eq!(v.not_before, datetime!(2026-06-01 12:00:00 UTC));
        assert_eq!(v.not_after - v.not_before, Duration::days(397));
        let v = ValidityRequest::days(2).resolve(NOW, 397, &mut w).unwrap();
        assert_eq!(v.not_after - v.not_before, Duration::days(2));
        assert!(w.is_empty());
    }

    #[test]
    fn past_windows_warn() {
        let mut w = Vec::new();
        let req = ValidityRequest {
            not_before: Some(datetime!(2020-01-01 0:00 UTC)),
            not_after: Some(datetime!(2020-02-01 0:00 UTC)),
            days: None,
        };
        req.resolve(NOW, 397, &mut w).unwrap();
        assert!(w[0].contains("already expired"), "{w:?}");
    }

    #[test]
    fn bad_windows_are_refused() {
        let mut w = Vec::new();
        let both = ValidityRequest {
            not_after: Some(NOW),
            days: Some(3),
            ..Default::default()
        };
        assert!(both.resolve(NOW, 397, &mut w).is_err());
        let backwards = ValidityRequest {
            not_after: Some(datetime!(2020-02-01 0:00 UTC)),
            ..Default::default()
        };
        assert!(backwards.resolve(NOW, 397, &mut w).is_err());
    }

    #[test]
    fn clamps_to_the_issuer() {
        let mut w = Vec::new();
        let v = ValidityRequest::days(400)
            .resolve(NOW, 397, &mut w)
            .unwrap();
        let issuer_end = datetime!(2026-07-01 0:00 UTC);
        let clamped = v.clamp_to_issuer(issuer_end, &mut w).unwrap();
        assert_eq!(clamped.not_after, issuer_end);
        assert!(w[0].contains("cut back"));
    }

    #[test]
    fn rfc3339_round_trips() {
        let t = parse_rfc3339("2030-01-31T12:00:00+01:00").unwrap();
        assert_eq!(rfc3339(t), "2030-01-31T11:00:00Z");
        assert!(parse_rfc3339("tomorrow").is_err());
    }
}
