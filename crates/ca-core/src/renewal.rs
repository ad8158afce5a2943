//! When a certificate needs renewing: a threshold such as `30d`, `12h` or
//! `20%` (of the certificate's whole lifetime), and the decision for one
//! certificate at a given time.
//!
//! ```
//! use ca_core::renewal::RenewBefore;
//! use time::macros::datetime;
//!
//! let threshold: RenewBefore = "20%".parse().unwrap();
//! let not_before = datetime!(2026-01-01 0:00 UTC);
//! let not_after = datetime!(2026-01-11 0:00 UTC); // 10 days: renew in the last 2
//! assert!(!threshold.decide(not_before, not_after, datetime!(2026-01-08 0:00 UTC)).needs_renewal());
//! assert!(threshold.decide(not_before, not_after, datetime!(2026-01-10 0:00 UTC)).needs_renewal());
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// How long before its notAfter a certificate should be renewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenewBefore {
    /// A fixed time before notAfter: `30d`, `12h`, `2w`, `90m`, `45s`.
    Time { amount: u32, unit: Unit },
    /// A share of the certificate's lifetime (notBefore to notAfter): `20%`.
    Percent(u8),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Seconds,
    Minutes,
    Hours,
    Days,
    Weeks,
}

impl Unit {
    fn suffix(self) -> char {
        match self {
            Unit::Seconds => 's',
            Unit::Minutes => 'm',
            Unit::Hours => 'h',
            Unit::Days => 'd',
            Unit::Weeks => 'w',
        }
    }

    fn from_suffix(c: char) -> Option<Unit> {
        Some(match c {
            's' => Unit::Seconds,
            'm' => Unit::Minutes,
            'h' => Unit::Hours,
            'd' => Unit::Days,
            'w' => Unit::Weeks,
            _ => return None,
        })
    }

    fn seconds(self) -> i64 {
        match self {
            Unit::Seconds => 1,
            Unit::Minutes => 60,
            Unit::Hours => 3_600,
            Unit::Days => 86_400,
            Unit::Weeks => 7 * 86_400,
        }
    }
}

/// Why a threshold string was refused; the message shows valid examples.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{input}' is not a renewal threshold: {problem}; write a time such as 30d, 12h, 2w, 90m or 45s, or a share of the lifetime such as 20%")]
pub struct ThresholdError {
    pub input: String,
    pub problem: &'static str,
}

impl FromStr for RenewBefore {
    type Err = ThresholdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |problem| ThresholdError {
            input: s.to_string(),
            problem,
        };
        let s = s.trim();
        let last = s.chars().last().ok_or(err("it is empty"))?;
        let number = &s[..s.len() - last.len_utf8()];
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("it must be a whole number followed by a unit"));
        }
        let value: u32 = number.parse().map_err(|_| err("the number is too large"))?;
        if last == '%' {
            return match value {
                1..=100 => Ok(RenewBefore::Percent(value as u8)),
                _ => Err(err("a percentage must be between 1 and 100")),
            };
        }
        let unit = Unit::from_suffix(last).ok_or(err("unknown unit"))?;
        if value == 0 {
            return Err(err("it must be more than zero"));
        }
        // Refuse amounts beyond what any certificate can live (about 10,000 years).
        if i64::from(value) * unit.seconds() > 10_000 * 366 * 86_400 {
            return Err(err("the time is too long"));
        }
        Ok(RenewBefore::Time {
            amount: value,
            unit,
        })
    }
}

impl fmt::Display for RenewBefore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenewBefore::Time { amount, unit } => write!(f, "{amount}{}", unit.suffix()),
            RenewBefore::Percent(p) => write!(f, "{p}%"),
        }
    }
}

impl Serialize for RenewBefore {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RenewBefore {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The verdict for one certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renewal {
    /// notAfter has passed.
    Expired { not_after: OffsetDateTime },
    /// Inside the renewal window: `now >= renew_at`.
    Due {
        renew_at: OffsetDateTime,
        not_after: OffsetDateTime,
    },
    /// Fine until `renew_at`.
    NotDue {
        renew_at: OffsetDateTime,
        not_after: OffsetDateTime,
    },
}

impl Renewal {
    pub fn needs_renewal(&self) -> bool {
        !matches!(self, Renewal::NotDue { .. })
    }

    /// `expired`, `due` or `ok`, for JSON output.
    pub fn word(&self) -> &'static str {
        match self {
            Renewal::Expired { .. } => "expired",
            Renewal::Due { .. } => "due",
            Renewal::NotDue { .. } => "ok",
        }
    }

    /// A sentence for people, e.g. "expires in 12 days (renew within 30d)".
    pub fn explain(&self, now: OffsetDateTime, threshold: RenewBefore) -> String {
        match *self {
            Renewal::Expired { not_after } => {
                format!("expired {} ago", span(now - not_after))
            }
            Renewal::Due { not_after, .. } => format!(
                "expires in {} (inside the renewal threshold {threshold})",
                span(not_after - now)
            ),
            Renewal::NotDue {
                renew_at,
                not_after,
            } => format!(
                "expires in {}; renewal due in {}",
                span(not_after - now),
                span(renew_at - now)
            ),
        }
    }
}

/// "12 days", "5 hours", "1 day": the largest whole unit.
fn span(d: Duration) -> String {
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if d.whole_days() >= 1 {
        plural(d.whole_days(), "day")
    } else if d.whole_hours() >= 1 {
        plural(d.whole_hours(), "hour")
    } else if d.whole_minutes() >= 1 {
        plural(d.whole_minutes(), "minute")
    } else {
        plural(d.whole_seconds().max(0), "second")
    }
}

impl RenewBefore {
    /// How long before notAfter renewal is due, for a certificate valid
    /// from `not_before` to `not_after`.
    pub fn lead_time(self, not_before: OffsetDateTime, not_after: OffsetDateTime) -> Duration {
        match self {
            RenewBefore::Time { amount, unit } => {
                Duration::seconds(i64::from(amount) * unit.seconds())
            }
            RenewBefore::Percent(p) => {
                let lifetime = (not_after - not_before).max(Duration::ZERO);
                lifetime * f64::from(p) / 100.0
            }
        }
    }

    /// Decides for one certificate at time `now`.
    pub fn decide(
        self,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Renewal {
        let renew_at = not_after - self.lead_time(not_before, not_after);
        if now > not_after {
            Renewal::Expired { not_after }
        } else if now >= renew_at {
            Renewal::Due {
                renew_at,
                not_after,
            }
        } else {
            Renewal::NotDue {
                renew_at,
                not_after,
            }
        }
    }
}

/// The renewal verdict for one certificate, ready to print or serialise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateRenewal {
    pub subject: String,
    pub serial: String,
    pub not_before: String,
    pub not_after: String,
    /// Whole days until notAfter (negative once expired).
    pub days_left: i64,
    pub needs_renewal: bool,
    /// `expired`, `due` or `ok`.
    pub status: &'static str,
    /// A sentence saying why, e.g. "expires in 12 days (inside the renewal threshold 30d)".
    pub reason: String,
}

/// Decides for one DER certificate.
pub fn check_certificate(
    der: &[u8],
    threshold: RenewBefore,
    now: OffsetDateTime,
) -> Result<CertificateRenewal, String> {
    use x509_parser::prelude::FromDer;
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(der)
        .map_err(|e| format!("not a readable certificate: {e}"))?;
    let not_before = cert.validity().not_before.to_datetime();
    let not_after = cert.validity().not_after.to_datetime();
    let renewal = threshold.decide(not_before, not_after, now);
    Ok(CertificateRenewal {
        subject: cert.subject().to_string(),
        serial: crate::inspect::serial_hex(cert.raw_serial()),
        not_before: crate::inspect::rfc3339(not_before),
        not_after: crate::inspect::rfc3339(not_after),
        days_left: crate::inspect::days_between(now, not_after),
        needs_renewal: renewal.needs_renewal(),
        status: renewal.word(),
        reason: renewal.explain(now, threshold),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn parses_and_prints_thresholds() {
        for s in ["30d", "12h", "2w", "90m", "45s", "20%", "100%", "1%"] {
            assert_eq!(s.parse::<RenewBefore>().unwrap().to_string(), s);
        }
        assert_eq!(" 7d ".parse::<RenewBefore>().unwrap().to_string(), "7d");
    }

    #[test]
    fn refuses_bad_thresholds() {
        for s in [
            "",
            "d",
            "30",
            "30x",
            "-3d",
            "0d",
            "0%",
            "101%",
            "1.5d",
            "99999999999d",
            "3 d",
            "%",
        ] {
            let err = s.parse::<RenewBefore>().unwrap_err();
            assert!(err.to_string().contains("30d"), "{s}: {err}");
        }
    }

    #[test]
    fn fixed_time_window() {
        let t: RenewBefore = "30d".parse().unwrap();
        let nb = datetime!(2026-01-01 0:00 UTC);
        let na = datetime!(2026-12-31 0:00 UTC);
        assert_eq!(
            t.decide(nb, na, datetime!(2026-11-30 0:00 UTC)).word(),
            "ok"
        );
        assert_eq!(
            t.decide(nb, na, datetime!(2026-12-01 0:00 UTC)).word(),
            "due"
        );
        assert_eq!(
            t.decide(nb, na, datetime!(2026-12-31 0:00 UTC)).word(),
            "due"
        );
        assert_eq!(
            t.decide(nb, na, datetime!(2026-12-31 0:00:01 UTC)).word(),
            "expired"
        );
    }

    #[test]
    fn percentage_of_lifetime() {
        let t: RenewBefore = "25%".parse().unwrap();
        let nb = datetime!(2026-01-01 0:00 UTC);
        let na = datetime!(2026-01-05 0:00 UTC);
        assert_eq!(t.lead_time(nb, na), Duration::days(1));
        assert!(!t
            .decide(nb, na, datetime!(2026-01-03 23:59 UTC))
            .needs_renewal());
        assert!(t
            .decide(nb, na, datetime!(2026-01-04 0:00 UTC))
            .needs_renewal());
    }

    #[test]
    fn explains_in_words() {
        let t: RenewBefore = "30d".parse().unwrap();
        let now = datetime!(2026-06-01 0:00 UTC);
        let r = t.decide(now - Duration::days(100), now + Duration::days(12), now);
        assert_eq!(
            r.explain(now, t),
            "expires in 12 days (inside the renewal threshold 30d)"
        );
        let r = t.decide(now - Duration::days(100), now - Duration::days(1), now);
        assert_eq!(r.explain(now, t), "expired 1 day ago");
    }

    #[test]
    fn serde_round_trip() {
        let t: RenewBefore = serde_json::from_str("\"20%\"").unwrap();
        assert_eq!(t, RenewBefore::Percent(20));
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"20%\"");
        assert!(serde_json::from_str::<RenewBefore>("\"20\"").is_err());
    }
}
