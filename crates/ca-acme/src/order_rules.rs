//! The rules an order must meet beyond its shape: the CSR names exactly
//! the order's identifiers (RFC 8555 §7.4), the requested validity (§7.4),
//! the per-account rate limit (§6.6), Retry-After (§7.4, §8.2), and who
//! may revoke (§7.6).

use ca_core::{CertDer, Csr, SubjectName};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::orders::ORDER_LIFETIME;
use crate::policy::challenge_types;
use crate::problem::{AcmeResult, Problem, ProblemType};
use crate::resources::{Authz, Challenge, Identifier, Order, Status};
use crate::service::{AcmeService, Response};

/// RFC 8555 §7.4: the CSR must name exactly the order's identifiers (DNS
/// names, wildcards included, and IP addresses, RFC 8738 §3), nothing else.
pub(crate) fn check_csr_names(csr: &Csr, identifiers: &[Identifier]) -> AcmeResult<()> {
    let key = |name: &SubjectName| -> Option<String> {
        match name {
            SubjectName::Dns(n) => Some(format!("dns:{}", n.to_ascii_lowercase())),
            SubjectName::Ip(ip) => Some(format!("ip:{ip}")),
            _ => None,
        }
    };
    let mut wanted: Vec<String> = identifiers
        .iter()
        .map(|i| format!("{}:{}", i.kind, i.value))
        .collect();
    let mut named: Vec<String> = Vec::new();
    for name in csr.names() {
        let k = key(name).ok_or_else(|| {
            Problem::new(
                ProblemType::BadCsr,
                format!("the CSR names {name}, which the order does not have"),
            )
        })?;
        if !wanted.contains(&k) {
            return Err(Problem::new(
                ProblemType::BadCsr,
                format!("the CSR names {name}, which the order does not have"),
            ));
        }
        named.push(k);
    }
    wanted.sort();
    named.sort();
    named.dedup();
    if named != wanted {
        let list: Vec<&str> = identifiers.iter().map(|i| i.value.as_str()).collect();
        return Err(Problem::new(
            ProblemType::BadCsr,
            format!(
                "the CSR must name exactly the order's identifiers: {}",
                list.join(", ")
            ),
        ));
    }
    Ok(())
}

impl AcmeService {
    pub(crate) fn with_retry_after(&self, response: Response) -> Response {
        response.with_header(
            "Retry-After",
            self.policy.retry_after.as_secs().max(1).to_string(),
        )
    }

    /// RFC 8555 §7.4: notBefore/notAfter (RFC 3339) in a newOrder. The
    /// server may refuse what it will not issue: here a window that is
    /// empty, already over, starting more than an hour ago or after the
    /// order expires, longer than the policy's maximum, or ending after
    /// the issuing CA does. Refusals are malformed, saying which rule.
    pub(crate) fn order_validity(
        &self,
        payload: &serde_json::Map<String, Value>,
    ) -> AcmeResult<(Option<i64>, Option<i64>)> {
        let read = |field: &str| -> AcmeResult<Option<OffsetDateTime>> {
            match payload.get(field) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(text)) => OffsetDateTime::parse(text, &Rfc3339)
                    .map(Some)
                    .map_err(|e| {
                        Problem::malformed(format!(
                            "{field} {text:?} is not an RFC 3339 date-time ({e})"
                        ))
                    }),
                Some(_) => Err(Problem::malformed(format!(
                    "{field} must be an RFC 3339 date-time string"
                ))),
            }
        };
        let (not_before, not_after) = (read("notBefore")?, read("notAfter")?);
        if not_before.is_none() && not_after.is_none() {
            return Ok((None, None));
        }
        let now = (self.clock)();
        let start = not_before.unwrap_or(now);
        let default_end = start + time::Duration::days(i64::from(ca_core::profile::LEAF_DAYS));
        let end = not_after.unwrap_or(default_end);
        let refuse = |why: String| Err(Problem::malformed(format!("notBefore/notAfter: {why}")));
        if end <= start {
            return refuse("notAfter must be later than notBefore".into());
        }
        if end <= now {
            return refuse("notAfter is in the past".into());
        }
        if start < now - time::Duration::HOUR {
            return refuse("notBefore may be at most one hour in the past".into());
        }
        if start > now + ORDER_LIFETIME {
            return refuse(format!(
                "notBefore is after the order would expire ({} days from now)",
                ORDER_LIFETIME.as_secs() / 86400
            ));
        }
        let max = time::Duration::try_from(self.policy.max_validity).unwrap_or(time::Duration::MAX);
        if end - start > max {
            return refuse(format!(
                "the window is longer than this server issues ({} days at most)",
                max.whole_days()
            ));
        }
        if end > self.ca.issuer_not_after() {
            return refuse(format!(
                "notAfter is after the issuing CA expires ({})",
                ca_core::validity::rfc3339(self.ca.issuer_not_after())
            ));
        }
        Ok((
            not_before.map(|t| t.unix_timestamp()),
            not_after.map(|t| t.unix_timestamp()),
        ))
    }
}

impl AcmeService {
    /// RFC 8555 §7.6: an account may revoke a certificate it did not order
    /// when it holds a valid, unexpired authorization for every name in it
    /// (a wildcard name: a wildcard authorization of its base name).
    pub(crate) fn validated_all_names(&self, account_id: &str, leaf: &CertDer) -> AcmeResult<bool> {
        let authzs = self.unexpired_valid_authzs(account_id)?;
        let names = leaf.info().names;
        Ok(!names.is_empty()
            && names.iter().all(|name| {
                let (base, wildcard) = match name.strip_prefix("*.") {
                    Some(base) => (base, true),
                    None => (name.as_str(), false),
                };
                authzs.iter().any(|a| {
                    a.wildcard == wildcard && a.identifier.value.eq_ignore_ascii_case(base)
                })
            }))
    }
}

/// The authorizations of a new order: reused ones and new pending ones.
pub(crate) struct OrderAuthzs {
    /// In the order's identifier order.
    pub ids: Vec<String>,
    /// The new pending authorizations to store with the order.
    pub new: Vec<Authz>,
    /// When the order expires: its lifetime, or earlier with a reused
    /// authorization that expires earlier.
    pub expires: i64,
    /// Every one reused: the order is ready at once (§7.1.6).
    pub all_reused: bool,
}

impl AcmeService {
    /// For each identifier of a new order: the account's valid
    /// authorization for it, else a new pending one with its challenges.
    pub(crate) fn order_authzs(
        &self,
        account_id: &str,
        unique: &[Identifier],
    ) -> AcmeResult<OrderAuthzs> {
        let authz_expires = ((self.clock)() + ORDER_LIFETIME).unix_timestamp();
        let mut expires = authz_expires;
        let reusable = self.unexpired_valid_authzs(account_id)?;
        let mut authz_ids = Vec::new();
        let mut reused = 0;
        let authzs: Vec<Authz> = unique
            .iter()
            .filter_map(|identifier| {
                // RFC 8555 §7.1.4: a wildcard's authorization is for the
                // base name, marked `wildcard`.
                let base = identifier.value.strip_prefix("*.");
                let authz_identifier = Identifier {
                    kind: identifier.kind.clone(),
                    value: base.unwrap_or(&identifier.value).to_string(),
                };
                let wildcard = base.is_some();
                // §7.1.3, §7.4: a valid authorization of this account for
                // the same identifier (and wildcard-ness) is reused; the
                // order then expires no later than it.
                if let Some(valid) = reusable
                    .iter()
                    .find(|a| a.identifier == authz_identifier && a.wildcard == wildcard)
                {
                    authz_ids.push(valid.id.clone());
                    expires = expires.min(valid.expires);
                    reused += 1;
                    return None;
                }
                let id = self.new_id();
                authz_ids.push(id.clone());
                Some(Authz {
                    id,
                    account_id: account_id.to_string(),
                    status: Status::Pending,
                    expires: authz_expires,
                    challenges: challenge_types(&authz_identifier, wildcard)
                        .iter()
                        .map(|kind| Challenge {
                            kind: kind.to_string(),
                            token: self.new_token(),
                            status: Status::Pending,
                            validated: None,
                            error: None,
                            started: None,
                        })
                        .collect(),
                    identifier: authz_identifier,
                    wildcard,
                })
            })
            .collect();
        Ok(OrderAuthzs {
            ids: authz_ids,
            new: authzs,
            expires,
            all_reused: reused == unique.len(),
        })
    }
}

/// How long a CAA check stays good for issuance (CA/B Forum Baseline
/// Requirements §3.2.2.8: the CA may issue within the greater of the CAA
/// record's TTL and 8 hours of checking it; we do not keep TTLs).
const CAA_GOOD_FOR_SECS: i64 = 8 * 3600;

impl AcmeService {
    /// At finalize: an authorization validated (and so CAA-checked) more
    /// than 8 hours ago, as a reused one can be, has its CAA checked again
    /// (RFC 8659 §3 wants CAA checked before issuance). Nothing without a
    /// CAA identity.
    pub(crate) fn recheck_caa(&self, order: &Order) -> AcmeResult<()> {
        if self.validation.caa_identity.is_none() {
            return Ok(());
        }
        let now = (self.clock)().unix_timestamp();
        for authz_id in &order.authz_ids {
            let Some(authz) = self.storage.authz(authz_id)? else {
                continue;
            };
            let validated = authz.challenges.iter().filter_map(|c| c.validated).max();
            if validated.is_none_or(|t| now - t > CAA_GOOD_FOR_SECS) {
                self.validation
                    .check_caa(&authz.identifier, authz.wildcard)?;
            }
        }
        Ok(())
    }

    /// The account's valid authorizations that have not expired: what
    /// revocation by a validating account needs (§7.6), and what a new
    /// order may reuse instead of a new pending authorization (§7.1.3:
    /// "authorizations ... that the server has already ... completed";
    /// §7.4: the server may reuse authorizations, as Let's Encrypt does).
    pub(crate) fn unexpired_valid_authzs(&self, account_id: &str) -> AcmeResult<Vec<Authz>> {
        let now = (self.clock)().unix_timestamp();
        Ok(self
            .storage
            .valid_authzs_of(account_id)?
            .into_iter()
            .filter(|a| a.status == Status::Valid && a.expires > now)
            .collect())
    }

    /// None when the account has created fewer than `limit.count` orders
    /// in the last `limit.per` (counted in the database, so replicas share
    /// it), else the seconds until the oldest of them leaves the window.
    pub(crate) fn rate_limit_wait(
        &self,
        limit: &crate::policy::RateLimit,
        account_id: &str,
        now: i64,
    ) -> AcmeResult<Option<u64>> {
        let window = limit.per.as_secs() as i64;
        let times = self
            .storage
            .order_times_since(account_id, now - window + 1)?;
        if times.len() < limit.count as usize {
            return Ok(None);
        }
        let oldest = times.iter().copied().min().unwrap_or(now);
        Ok(Some((oldest + window - now).clamp(1, window) as u64))
    }
}
