//! Orders, authorizations, challenges, finalization, certificate download
//! and revocation (RFC 8555 §7.4-§7.6).

use std::sync::Arc;
use std::time::Duration;

use ca_core::{CertDer, Csr, Serial};
use serde_json::Value;
use time::OffsetDateTime;

use crate::issuance::{reason_code, reason_from_code};
use crate::jws::{b64decode, Signer};
use crate::order_rules::{check_csr_names, OrderAuthzs};
use crate::policy::canonical_identifier;
use crate::problem::{AcmeResult, Problem, ProblemType};
use crate::resources::{Authz, CertRecord, Identifier, Order, Status};
use crate::service::{AcmeService, KeyForm, Request, Response};
use crate::storage::{reserve_random_serial, RevocationRow};

/// How long an order and its authorizations stay usable.
pub(crate) const ORDER_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);
/// The most identifiers in one order.
const MAX_IDENTIFIERS: usize = 100;
/// After this long in `processing`, an order or a challenge was left by a
/// replica that died (or hangs): finalize signs in milliseconds and a
/// request is cut after 30 s; validation takes at most 3 attempts of 5 s.
/// Such an order is `ready` again, such a challenge can be started again.
pub(crate) const STALE_PROCESSING_SECS: i64 = 60;

impl AcmeService {
    /// RFC 8555 §7.4.
    pub(crate) fn new_order(&self, req: &Request) -> AcmeResult<Response> {
        let caller = self.authenticate(req, KeyForm::Kid)?;
        let account = Self::caller_account(&caller)?;
        self.check_current_terms(account)?;
        let payload = caller.jws.json_payload()?;
        let (not_before, not_after) = self.order_validity(&payload)?;
        let identifiers: Vec<Identifier> =
            serde_json::from_value(payload.get("identifiers").cloned().unwrap_or(Value::Null))
                .map_err(|e| {
                    Problem::malformed(format!(
                        "identifiers must be an array of {{type, value}} ({e})"
                    ))
                })?;
        if identifiers.is_empty() || identifiers.len() > MAX_IDENTIFIERS {
            return Err(Problem::malformed(format!(
                "an order needs 1 to {MAX_IDENTIFIERS} identifiers"
            )));
        }
        let mut unique: Vec<Identifier> = Vec::new();
        let mut names = Vec::new();
        for id in &identifiers {
            let (id, name) = canonical_identifier(id)?;
            self.policy.check_allowed(&id)?;
            if !unique.contains(&id) {
                unique.push(id);
                names.push(name);
            }
        }
        let values: Vec<String> = unique.iter().map(|i| i.value.clone()).collect();
        let replaces = self.check_replaces(&payload, &account.id, &values)?;
        // The issuing CA's name constraints and the rulebook (rejectedIdentifier).
        self.ca.check_names(&names, (self.clock)())?;
        // RFC 8555 §6.6: over the limit, rateLimited with Retry-After.
        let now = (self.clock)().unix_timestamp();
        if let Some(limit) = &self.policy.rate_limit {
            if let Some(wait) = self.rate_limit_wait(limit, &account.id, now)? {
                return Err(Problem::new(
                    ProblemType::RateLimited,
                    format!(
                        "this account may create {} orders per {} s; retry in {} s",
                        limit.count,
                        limit.per.as_secs(),
                        wait
                    ),
                )
                .with_header("Retry-After", wait.to_string()));
            }
        }
        let OrderAuthzs {
            ids: authz_ids,
            new: authzs,
            expires,
            all_reused,
        } = self.order_authzs(&account.id, &unique)?;
        let order = Order {
            id: self.new_id(),
            account_id: account.id.clone(),
            // Every authorization reused: nothing left to validate (§7.1.6).
            status: if all_reused {
                Status::Ready
            } else {
                Status::Pending
            },
            expires,
            identifiers: unique,
            authz_ids,
            cert_id: None,
            error: None,
            not_before,
            not_after,
            created: now,
            replaces,
            processing_since: None,
        };
        self.storage.insert_order(&order, &authzs)?;
        Ok(Response::json(201, &self.urls.order_json(&order))
            .with_header("Location", self.urls.order(&order.id)))
    }

    /// The order with its status brought up to date from its
    /// authorizations and its expiry (RFC 8555 §7.1.6).
    fn current_order(&self, id: &str, account_id: &str) -> AcmeResult<Order> {
        let mut order = self
            .storage
            .order(id)?
            .ok_or_else(|| Problem::not_found("order"))?;
        if order.account_id != account_id {
            return Err(Problem::unauthorized(
                "this order belongs to another account",
            ));
        }
        let now = (self.clock)().unix_timestamp();
        if order.status == Status::Processing && is_stale(order.processing_since, now) {
            // The finalize that moved it died: ready again, once (of two
            // replicas noticing it, one moves it).
            let mut back = order.clone();
            back.status = Status::Ready;
            back.processing_since = None;
            if self.storage.put_order_if(&back, Status::Processing)? {
                order = back;
            }
        }
        let before = order.status;
        if matches!(order.status, Status::Pending | Status::Ready) && now > order.expires {
            order.status = Status::Invalid;
        } else if order.status == Status::Pending {
            let mut all_valid = true;
            for authz_id in &order.authz_ids {
                let authz = self
                    .storage
                    .authz(authz_id)?
                    .ok_or_else(|| Problem::internal("an order's authorization is missing"))?;
                match authz.status {
                    Status::Valid => {}
                    Status::Pending => all_valid = false,
                    _ => {
                        order.status = Status::Invalid;
                        order.error = authz.challenges.iter().find_map(|c| c.error.clone());
                        all_valid = false;
                        break;
                    }
                }
            }
            if all_valid {
                order.status = Status::Ready;
            }
        }
        if order.status != before {
            self.storage.put_order(&order)?;
        }
        Ok(order)
    }

    pub(crate) fn get_order(&self, req: &Request, id: &str) -> AcmeResult<Response> {
        let caller = self.authenticate(req, KeyForm::Kid)?;
        let account = Self::caller_account(&caller)?;
        let _state = self.state.lock().expect("state lock");
        let order = self.current_order(id, &account.id)?;
        let response = Response::json(200, &self.urls.order_json(&order));
        // RFC 8555 §7.4: Retry-After while the client has to wait.
        Ok(match order.status {
            Status::Pending | Status::Processing => self.with_retry_after(response),
            _ => response,
        })
    }

    fn owned_authz(&self, id: &str, account_id: &str) -> AcmeResult<Authz> {
        let authz = self
            .storage
            .authz(id)?
            .ok_or_else(|| Problem::not_found("authorization"))?;
        if authz.account_id != account_id {
            return Err(Problem::unauthorized(
                "this authorization belongs to another account",
            ));
        }
        Ok(authz)
    }

    /// RFC 8555 §7.5 (POST-as-GET) and §7.5.2 (deactivation).
    pub(crate) fn post_authz(&self, req: &Request, id: &str) -> AcmeResult<Response> {
        let caller = self.authenticate(req, KeyForm::Kid)?;
        let account = Self::caller_account(&caller)?;
        let _state = self.state.lock().expect("state lock");
        let mut authz = self.owned_authz(id, &account.id)?;
        if !caller.jws.payload.is_empty() {
            let payload = caller.jws.json_payload()?;
            if payload.get("status").and_then(Value::as_str) != Some("deactivated") {
                return Err(Problem::malformed(
                    "an authorization can only be set to \"deactivated\"",
                ));
            }
            if !matches!(authz.status, Status::Pending | Status::Valid) {
                return Err(Problem::malformed(format!(
                    "the authorization is {:?}",
                    authz.status
                )));
            }
            authz.status = Status::Deactivated;
            self.storage.put_authz(&authz)?;
        }
        let response = Response::json(200, &self.urls.authz_json(&authz));
        Ok(if authz.status == Status::Pending {
            self.with_retry_after(response)
        } else {
            response
        })
    }

    /// RFC 8555 §7.5.1: an empty JSON object starts validation; an empty
    /// payload is POST-as-GET.
    pub(crate) fn post_challenge(
        &self,
        req: &Request,
        authz_id: &str,
        kind: &str,
    ) -> AcmeResult<Response> {
        let caller = self.authenticate(req, KeyForm::Kid)?;
        let account = Self::caller_account(&caller)?.clone();
        let start = !caller.jws.payload.is_empty();
        if start {
            caller.jws.json_payload()?;
        }
        let _state = self.state.lock().expect("state lock");
        let mut authz = self.owned_authz(authz_id, &account.id)?;
        let index = authz
            .challenges
            .iter()
            .position(|c| c.kind == kind)
            .ok_or_else(|| Problem::not_found("challenge"))?;
        let now = (self.clock)().unix_timestamp();
        let challenge = &authz.challenges[index];
        let startable = challenge.status == Status::Pending
            || (challenge.status == Status::Processing && is_stale(challenge.started, now));
        if start && authz.status == Status::Pending && startable {
            authz.challenges[index].status = Status::Processing;
            authz.challenges[index].started = Some(now);
            self.storage.put_authz(&authz)?;
            let key_authorization =
                format!("{}.{}", authz.challenges[index].token, account.thumbprint);
            self.spawn_validation(authz.id.clone(), index, key_authorization);
        }
        let response = Response::json(
            200,
            &self
                .urls
                .challenge_json(&authz.id, &authz.challenges[index]),
        );
        // RFC 8555 §8.2: Retry-After while validation runs.
        let response = if authz.challenges[index].status == Status::Processing {
            self.with_retry_after(response)
        } else {
            response
        };
        Ok(response.with_header(
            "Link",
            format!("<{}>;rel=\"up\"", self.urls.authz(&authz.id)),
        ))
    }

    /// Validation runs on its own thread; the client polls (RFC 8555 §7.5.1).
    fn spawn_validation(&self, authz_id: String, index: usize, key_authorization: String) {
        let storage = Arc::clone(&self.storage);
        let config = Arc::clone(&self.validation);
        let state = Arc::clone(&self.state);
        let clock = Arc::clone(&self.clock);
        let run = move || -> Result<(), Problem> {
            let Some(authz) = storage.authz(&authz_id)? else {
                return Ok(());
            };
            let challenge = &authz.challenges[index];
            let outcome = config
                .validate(
                    &challenge.kind,
                    &authz.identifier,
                    &challenge.token,
                    &key_authorization,
                )
                // RFC 8659: CAA once control is shown (checked after it, as
                // the answer is then the freshest before issuance).
                .and_then(|()| config.check_caa(&authz.identifier, authz.wildcard));
            let _state = state.lock().expect("state lock");
            let Some(mut authz) = storage.authz(&authz_id)? else {
                return Ok(());
            };
            if authz.challenges[index].status != Status::Processing {
                return Ok(());
            }
            let challenge = &mut authz.challenges[index];
            match outcome {
                Ok(()) => {
                    challenge.status = Status::Valid;
                    challenge.validated = Some(clock().unix_timestamp());
                    authz.status = Status::Valid;
                }
                Err(problem) => {
                    challenge.status = Status::Invalid;
                    challenge.error = Some(problem.to_json());
                    authz.status = Status::Invalid;
                }
            }
            storage.put_authz(&authz)?;
            Ok(())
        };
        std::thread::spawn(move || {
            if let Err(p) = run() {
                eprintln!("acme: validation of authorization failed to complete: {p}");
            }
        });
    }

    /// RFC 8555 §7.4: the CSR must name exactly the order's identifiers.
    pub(crate) fn finalize(&self, req: &Request, id: &str) -> AcmeResult<Response> {
        let caller = self.authenticate(req, KeyForm::Kid)?;
        let account = Self::caller_account(&caller)?;
        let payload = caller.jws.json_payload()?;
        let csr_b64 = payload
            .get("csr")
            .and_then(Value::as_str)
            .ok_or_else(|| Problem::malformed("finalize needs {\"csr\": base64url DER}"))?;
        let der =
            b64decode("csr", csr_b64).map_err(|p| Problem::new(ProblemType::BadCsr, p.detail))?;
        let state = self.state.lock().expect("state lock");
        let mut order = self.current_order(id, &account.id)?;
        if order.status != Status::Ready {
            return Err(Problem::new(
                ProblemType::OrderNotReady,
                format!(
                    "the order is {:?}; finalize needs it ready (every authorization valid)",
                    order.status
                ),
            ));
        }
        let csr = Csr::parse(&der).map_err(|e| Problem::new(ProblemType::BadCsr, e.to_string()))?;
        check_csr_names(&csr, &order.identifiers)?;
        // Signing and recording in the CA directory (which writes files)
        // happen outside the state lock: the order is `processing` (RFC
        // 8555 §7.1.6) meanwhile, so a second finalize gets orderNotReady.
        // The move to `processing` is compare-and-set in the database:
        // of two finalize requests reaching two replicas, one signs.
        order.status = Status::Processing;
        order.processing_since = Some((self.clock)().unix_timestamp());
        if !self.storage.put_order_if(&order, Status::Ready)? {
            return Err(Problem::new(
                ProblemType::OrderNotReady,
                "the order is being finalized by another request",
            ));
        }
        drop(state);
        let validity = ca_core::ValidityRequest {
            not_before: order
                .not_before
                .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok()),
            not_after: order
                .not_after
                .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok()),
            days: None,
        };
        let now = (self.clock)();
        let issued = match self
            .recheck_caa(&order)
            .and_then(|()| self.reserve_serial(now.unix_timestamp()))
            .and_then(|serial| self.ca.issue_with_validity(&csr, validity, now, serial))
        {
            Ok(issued) => issued,
            Err(problem) => {
                let _state = self.state.lock().expect("state lock");
                let mut back = order.clone();
                back.status = Status::Ready;
                back.processing_since = None;
                self.storage.put_order_if(&back, Status::Processing)?;
                return Err(problem);
            }
        };
        let _state = self.state.lock().expect("state lock");
        let cert = CertRecord {
            id: self.new_id(),
            account_id: account.id.clone(),
            serial: issued.serial,
            issuer: self.ca.issuer_name().to_string(),
            chain_pem: issued.chain_pem,
            revoked: false,
            replaced: false,
        };
        order.status = Status::Valid;
        order.processing_since = None;
        order.cert_id = Some(cert.id.clone());
        self.storage.insert_cert(&cert, &order)?;
        self.mark_replaced(&order)?;
        Ok(Response::json(200, &self.urls.order_json(&order))
            .with_header("Location", self.urls.order(&order.id)))
    }

    /// RFC 8555 §7.4.2: the PEM chain, leaf first.
    pub(crate) fn get_cert(&self, req: &Request, id: &str) -> AcmeResult<Response> {
        let caller = self.authenticate(req, KeyForm::Kid)?;
        let account = Self::caller_account(&caller)?;
        let cert = self
            .storage
            .cert(id)?
            .ok_or_else(|| Problem::not_found("certificate"))?;
        if cert.account_id != account.id {
            return Err(Problem::unauthorized(
                "this certificate belongs to another account",
            ));
        }
        Ok(Response {
            status: 200,
            headers: vec![(
                "Content-Type".into(),
                "application/pem-certificate-chain".into(),
            )],
            body: cert.chain_pem.into_bytes(),
        })
    }

    /// RFC 8555 §7.6: by the account that ordered it, or signed with the
    /// certificate's own key.
    pub(crate) fn revoke_cert(&self, req: &Request) -> AcmeResult<Response> {
        let caller = self.authenticate(req, KeyForm::Either)?;
        let payload = caller.jws.json_payload()?;
        let der = b64decode(
            "certificate",
            payload
                .get("certificate")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    Problem::malformed("revokeCert needs {\"certificate\": base64url DER}")
                })?,
        )?;
        let reason = match payload.get("reason") {
            None => reason_from_code(0)?,
            Some(v) => reason_from_code(v.as_u64().ok_or_else(|| {
                Problem::new(
                    ProblemType::BadRevocationReason,
                    "reason must be an RFC 5280 reason code",
                )
            })?)?,
        };
        let leaf =
            CertDer::from_der(der).map_err(|e| Problem::malformed(format!("certificate: {e}")))?;
        let _state = self.state.lock().expect("state lock");
        let record = self
            .storage
            .cert_by_serial(&leaf.info().serial.to_hex())?
            .filter(|r| CertDer::parse(r.chain_pem.as_bytes()).is_ok_and(|c| c.der() == leaf.der()))
            .ok_or_else(|| Problem::not_found("certificate issued by this server"))?;
        match &caller.jws.signer {
            Signer::Kid(_) => {
                let account = Self::caller_account(&caller)?;
                if account.id != record.account_id
                    && !self.validated_all_names(&account.id, &leaf)?
                {
                    return Err(Problem::unauthorized(
                        "the certificate was ordered by another account, and this account                          holds no valid authorization for each of its names (RFC 8555 §7.6)",
                    ));
                }
            }
            Signer::Jwk(key) => {
                let parsed = leaf.parsed();
                let spki = parsed.public_key();
                if !key.matches_spki(
                    &spki.algorithm.algorithm.to_id_string(),
                    &spki.subject_public_key.data,
                ) {
                    return Err(Problem::unauthorized(
                        "the request is not signed with the certificate's key",
                    ));
                }
            }
        }
        if record.revoked {
            return Err(Problem::new(
                ProblemType::AlreadyRevoked,
                "the certificate is already revoked",
            ));
        }
        let now = (self.clock)();
        // The CA directory first (what `ca crl` lists), then the database:
        // a crash in between leaves the certificate on the CRL, and the
        // next request finds it revoked there and brings the database along.
        let in_ca_dir = self.ca.revoke(&leaf, &record.issuer, reason, now);
        let row = RevocationRow {
            serial: record.serial.clone(),
            issuer: record.issuer.clone(),
            reason: reason_code(reason),
            revoked_at: now.unix_timestamp(),
        };
        match in_ca_dir {
            Ok(()) => {
                if !self.storage.insert_revocation(&row)? {
                    return Err(Problem::new(
                        ProblemType::AlreadyRevoked,
                        "the certificate is already revoked",
                    ));
                }
                Ok(Response::empty(200))
            }
            Err(p) if p.kind == ProblemType::AlreadyRevoked => {
                // Revoked by `ca revoke`, or by a request that stopped
                // half-way: the database learns it now.
                self.storage.insert_revocation(&row)?;
                Err(p)
            }
            Err(p) => Err(p),
        }
    }

    /// Revocations the CA directory has and the database lacks (`ca
    /// revoke` of an ACME certificate, or a revokeCert that stopped between
    /// the two writes): recorded in the database. Returns how many. The
    /// server runs this at start.
    pub fn reconcile_revocations(&self) -> AcmeResult<usize> {
        let listed = ca_core::revocation::revocations(self.ca.ca_dir())
            .map_err(|e| Problem::internal(format!("reading the revocations: {e}")))?;
        let mut learnt = 0;
        for r in listed.iter().filter(|r| r.issuer == self.ca.issuer_name()) {
            let serial = r.serial.to_hex();
            let Some(cert) = self.storage.cert_by_serial(&serial)? else {
                continue; // not issued over ACME
            };
            if cert.revoked {
                continue;
            }
            let revoked_at = r
                .revoked_at_time()
                .map_err(|e| Problem::internal(e.to_string()))?;
            if self.storage.insert_revocation(&RevocationRow {
                serial,
                issuer: r.issuer.clone(),
                reason: reason_code(r.reason),
                revoked_at: revoked_at.unix_timestamp(),
            })? {
                learnt += 1;
            }
        }
        Ok(learnt)
    }

    /// A serial number no replica has used, reserved in the database.
    pub(crate) fn reserve_serial(&self, now: i64) -> AcmeResult<Serial> {
        Ok(reserve_random_serial(
            self.storage.as_ref(),
            self.ca.issuer_name(),
            now,
        )?)
    }
}

/// Whether something `processing` since `since` was left by a request or
/// thread that died; no start time (stored before the time was) counts as
/// stale.
fn is_stale(since: Option<i64>, now: i64) -> bool {
    since.is_none_or(|t| now - t > STALE_PROCESSING_SECS)
}
