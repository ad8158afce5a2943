//! The ACME protocol over abstract requests: authentication of every POST
//! (RFC 8555 §6.2-6.5), routing, accounts (§7.3). Transport-free, so the
//! HTTP server and the tests drive the same code.

use std::sync::{Arc, Mutex};

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use crate::issuance::CaIssuance;
use crate::jws::{Jwk, Jws, Signer};
use crate::nonce::NonceStore;
use crate::policy::Policy;
use crate::problem::{AcmeResult, Problem, ProblemType};
use crate::resources::{Account, Status, Urls};
use crate::storage::{Storage, StorageError};
use crate::validation::ValidationConfig;

/// One HTTP request, as the server parsed it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The path, without query.
    pub path: String,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(status: u16, value: &Value) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: serde_json::to_vec_pretty(value).expect("JSON serialises"),
        }
    }

    pub fn empty(status: u16) -> Response {
        Response {
            status,
            headers: vec![],
            body: vec![],
        }
    }

    pub fn problem(p: &Problem) -> Response {
        let mut r = Response::json(p.status(), &p.to_json());
        r.headers[0].1 = "application/problem+json".into();
        r.headers.extend(p.headers.iter().cloned());
        r
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Response {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl From<StorageError> for Problem {
    fn from(e: StorageError) -> Problem {
        Problem::internal(e.to_string())
    }
}

/// Reads the clock; the server passes the real one, tests may pass another.
pub type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// Everything a request needs; cheap to share between threads.
pub struct AcmeService {
    pub(crate) urls: Urls,
    pub(crate) storage: Arc<dyn Storage>,
    pub(crate) nonces: NonceStore,
    pub(crate) ca: Arc<CaIssuance>,
    pub(crate) validation: Arc<ValidationConfig>,
    /// Serialises read-modify-write of orders, authorizations and
    /// certificates within this process; what replicas could race on is
    /// compare-and-set in the database (see [`Storage::put_order_if`]).
    pub(crate) state: Arc<Mutex<()>>,
    pub(crate) clock: Clock,
    pub(crate) policy: Policy,
    rng: SystemRandom,
}

/// Who made an authenticated request.
pub(crate) struct Caller {
    pub jws: Jws,
    /// The account (for `kid` requests).
    pub account: Option<Account>,
    /// The verified key.
    pub key: Jwk,
}

/// Which key forms a resource accepts (RFC 8555 §6.2).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyForm {
    Kid,
    Jwk,
    Either,
}

impl AcmeService {
    pub fn new(
        base_url: &str,
        storage: Arc<dyn Storage>,
        ca: Arc<CaIssuance>,
        validation: ValidationConfig,
        clock: Clock,
    ) -> AcmeService {
        AcmeService {
            urls: Urls {
                base: base_url.trim_end_matches('/').to_string(),
            },
            nonces: NonceStore::new(Arc::clone(&storage)),
            storage,
            ca,
            validation: Arc::new(validation),
            state: Arc::new(Mutex::new(())),
            clock,
            policy: Policy::default(),
            rng: SystemRandom::new(),
        }
    }

    /// The operator's policy (identifiers, terms, EAB, rate limits).
    pub fn with_policy(mut self, policy: Policy) -> AcmeService {
        self.policy = policy;
        self
    }

    pub fn directory_url(&self) -> String {
        self.urls.directory()
    }

    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.storage
    }

    /// A fresh random identifier for a resource (96 bits, hex).
    pub(crate) fn new_id(&self) -> String {
        let mut raw = [0u8; 12];
        self.rng.fill(&mut raw).expect("the system RNG works");
        raw.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// A challenge token: 128 bits of entropy at least (RFC 8555 §8.3).
    pub(crate) fn new_token(&self) -> String {
        let mut raw = [0u8; 32];
        self.rng.fill(&mut raw).expect("the system RNG works");
        crate::jws::b64encode(&raw)
    }

    /// Answers one request. Every answer carries a fresh Replay-Nonce and
    /// the directory link (RFC 8555 §6.5, §7.1).
    pub fn handle(&self, req: &Request) -> Response {
        let response = match self.route(req) {
            Ok(r) => r,
            Err(p) => Response::problem(&p),
        };
        self.with_common_headers(response)
    }

    /// The Replay-Nonce, the directory link, no caching. When the database
    /// cannot record a nonce the answer becomes a 500 without one.
    fn with_common_headers(&self, response: Response) -> Response {
        let (response, nonce) = match self.nonces.issue((self.clock)().unix_timestamp()) {
            Ok(nonce) => (response, Some(nonce)),
            Err(e) => (Response::problem(&Problem::from(e)), None),
        };
        let response = match nonce {
            Some(nonce) => response.with_header("Replay-Nonce", nonce),
            None => response,
        };
        response
            .with_header("Link", format!("<{}>;rel=\"index\"", self.urls.directory()))
            .with_header("Cache-Control", "no-store")
    }

    fn route(&self, req: &Request) -> AcmeResult<Response> {
        let parts: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
        let method = req.method.as_str();
        match (method, parts.as_slice()) {
            ("GET", ["directory"]) => Ok(Response::json(200, &self.directory_json())),
            // RFC 8555 §7.2: HEAD answers 200, GET 204.
            ("HEAD", ["acme", "new-nonce"]) => Ok(Response::empty(200)),
            ("GET", ["acme", "new-nonce"]) => Ok(Response::empty(204)),
            // The issuer's CRL, DER (RFC 5280 §4.2.1.13 asks for DER over HTTP).
            ("GET", ["crl"]) => Ok(Response {
                status: 200,
                headers: vec![("Content-Type".into(), "application/pkix-crl".into())],
                body: self.ca.current_crl((self.clock)())?,
            }),
            ("POST", ["acme", "new-account"]) => self.new_account(req),
            ("POST", ["acme", "acct", id]) => self.account_update(req, id),
            ("POST", ["acme", "acct", id, "orders"]) => self.account_orders(req, id),
            ("POST", ["acme", "new-order"]) => self.new_order(req),
            ("POST", ["acme", "order", id]) => self.get_order(req, id),
            ("POST", ["acme", "authz", id]) => self.post_authz(req, id),
            ("POST", ["acme", "chall", authz, kind]) => self.post_challenge(req, authz, kind),
            ("POST", ["acme", "finalize", id]) => self.finalize(req, id),
            ("POST", ["acme", "cert", id]) => self.get_cert(req, id),
            ("POST", ["acme", "revoke-cert"]) => self.revoke_cert(req),
            ("POST", ["acme", "key-change"]) => self.key_change(req),
            // RFC 9773 §4.2: renewal information is a plain GET.
            ("GET", ["acme", "renewal-info", id]) => self.renewal_info(id),
            (_, ["directory"] | ["acme", "new-nonce"]) => {
                Err(Problem::malformed(format!("{method} is not allowed here")).with_status(405))
            }
            (_, ["acme", ..]) => Err(Problem::malformed(format!(
                "{method} {} is not an ACME resource here (resources take POST, RFC 8555 §6.3)",
                req.path
            ))
            .with_status(if method == "GET" { 405 } else { 404 })),
            _ => Err(Problem::not_found("resource")),
        }
    }

    /// RFC 8555 §6.2-§6.5: content type, JWS structure, key form, the
    /// account, the signature, then the url and the nonce. Nothing is
    /// stored before this passes.
    pub(crate) fn authenticate(&self, req: &Request, form: KeyForm) -> AcmeResult<Caller> {
        if req
            .content_type
            .as_deref()
            .map(|c| c.split(';').next().unwrap_or("").trim())
            != Some("application/jose+json")
        {
            return Err(Problem::malformed(
                "the Content-Type must be application/jose+json (RFC 8555 §6.2)",
            )
            .with_status(415));
        }
        let jws = Jws::parse(&req.body)?;
        let (account, key) = match (&jws.signer, form) {
            (Signer::Jwk(_), KeyForm::Kid) => {
                return Err(Problem::malformed(
                    "this resource needs \"kid\" (your account URL), not \"jwk\"",
                ))
            }
            (Signer::Kid(_), KeyForm::Jwk) => {
                return Err(Problem::malformed(
                    "this resource needs \"jwk\" (the new key), not \"kid\"",
                ))
            }
            (Signer::Jwk(key), _) => (None, key.clone()),
            (Signer::Kid(kid), _) => {
                let account = self.account_of_kid(kid)?;
                let key = Jwk::from_json(
                    &serde_json::from_str(&account.jwk)
                        .map_err(|e| Problem::internal(e.to_string()))?,
                )?;
                (Some(account), key)
            }
        };
        jws.verify(&key)?;
        let expected = self.urls.path(&req.path);
        // RFC 8555 §6.4: the url header MUST be the request URL.
        if jws.url != expected {
            return Err(Problem::unauthorized(format!(
                "the JWS url {:?} does not match the request URL {expected:?}",
                jws.url
            )));
        }
        if !self
            .nonces
            .consume(&jws.nonce, (self.clock)().unix_timestamp())?
        {
            return Err(Problem::new(
                ProblemType::BadNonce,
                "the nonce is unknown or already used; get a fresh one from newNonce",
            ));
        }
        Ok(Caller { jws, account, key })
    }

    fn account_of_kid(&self, kid: &str) -> AcmeResult<Account> {
        let prefix = self.urls.account("");
        let id = kid
            .strip_prefix(&prefix)
            .filter(|id| !id.is_empty() && !id.contains('/'))
            .ok_or_else(|| {
                Problem::new(
                    ProblemType::AccountDoesNotExist,
                    format!("kid {kid:?} is not an account URL of this server"),
                )
            })?;
        let account = self.storage.account(id)?.ok_or_else(|| {
            Problem::new(
                ProblemType::AccountDoesNotExist,
                format!("no account {kid}"),
            )
        })?;
        // RFC 8555 §7.3.6: a deactivated account's requests are unauthorized.
        if account.status != Status::Valid {
            return Err(Problem::unauthorized(format!(
                "the account {kid} is {:?}",
                account.status
            )));
        }
        Ok(account)
    }

    /// RFC 8555 §7.1.1, with the policy's meta fields.
    fn directory_json(&self) -> Value {
        let mut v = self.urls.directory_json();
        v["meta"]["externalAccountRequired"] = json!(!self.policy.eab_keys.is_empty());
        if let Some(terms) = &self.policy.terms_of_service {
            v["meta"]["termsOfService"] = json!(terms);
        }
        v
    }

    /// The caller's account, for `kid` requests.
    pub(crate) fn caller_account(caller: &Caller) -> AcmeResult<&Account> {
        caller
            .account
            .as_ref()
            .ok_or_else(|| Problem::malformed("this resource needs \"kid\""))
    }

    /// RFC 8555 §7.3.
    fn new_account(&self, req: &Request) -> AcmeResult<Response> {
        let caller = self.authenticate(req, KeyForm::Jwk)?;
        let payload = caller.jws.json_payload()?;
        let thumbprint = caller.key.thumbprint();
        if let Some(existing) = self.storage.account_by_thumbprint(&thumbprint)? {
            // §7.3.1: the key is known: 200 and the account's URL.
            return Ok(Response::json(200, &self.urls.account_json(&existing))
                .with_header("Location", self.urls.account(&existing.id)));
        }
        if payload.get("onlyReturnExisting") == Some(&Value::Bool(true)) {
            return Err(Problem::new(
                ProblemType::AccountDoesNotExist,
                "no account has this key",
            ));
        }
        let contact = contacts(&payload)?;
        let terms_agreed = self.check_terms_agreed(&payload)?;
        let eab_kid =
            self.check_external_binding(&payload, &caller.key, &self.urls.path(&req.path))?;
        let account = Account {
            id: self.new_id(),
            jwk: caller.key.canonical_json(),
            thumbprint,
            status: Status::Valid,
            contact,
            created: (self.clock)().unix_timestamp(),
            terms_agreed,
            eab_kid,
        };
        let stored = self.storage.insert_account(&account)?;
        let status = if stored.id == account.id { 201 } else { 200 };
        Ok(Response::json(status, &self.urls.account_json(&stored))
            .with_header("Location", self.urls.account(&stored.id)))
    }

    /// RFC 8555 §7.3.2 (update), §7.3.6 (deactivation), POST-as-GET.
    fn account_update(&self, req: &Request, id: &str) -> AcmeResult<Response> {
        let caller = self.authenticate(req, KeyForm::Kid)?;
        let mut account = Self::caller_account(&caller)?.clone();
        if account.id != id {
            return Err(Problem::unauthorized("the kid is not this account"));
        }
        if !caller.jws.payload.is_empty() {
            let payload = caller.jws.json_payload()?;
            if payload.contains_key("contact") {
                account.contact = contacts(&payload)?;
            }
            // Agreeing again after the terms changed (RFC 8555 §7.3.3).
            if payload.get("termsOfServiceAgreed") == Some(&Value::Bool(true)) {
                account.terms_agreed = self.policy.terms_of_service.clone();
            }
            match payload.get("status").and_then(Value::as_str) {
                None => {}
                Some("deactivated") => account.status = Status::Deactivated,
                Some(other) => {
                    return Err(Problem::malformed(format!(
                        "an account cannot be set to {other:?}"
                    )))
                }
            }
            self.storage.put_account(&account)?;
        }
        Ok(Response::json(200, &self.urls.account_json(&account))
            .with_header("Location", self.urls.account(&account.id)))
    }

    /// RFC 8555 §7.1.2.1.
    fn account_orders(&self, req: &Request, id: &str) -> AcmeResult<Response> {
        let caller = self.authenticate(req, KeyForm::Kid)?;
        if Self::caller_account(&caller)?.id != id {
            return Err(Problem::unauthorized("these are another account's orders"));
        }
        let orders: Vec<String> = self
            .storage
            .orders_of(id)?
            .iter()
            .map(|o| self.urls.order(o))
            .collect();
        Ok(Response::json(200, &json!({ "orders": orders })))
    }
}

/// `contact`: mailto: URLs only (RFC 8555 §7.3), a handful at most.
fn contacts(payload: &Map<String, Value>) -> AcmeResult<Vec<String>> {
    let Some(value) = payload.get("contact") else {
        return Ok(Vec::new());
    };
    let list = value
        .as_array()
        .ok_or_else(|| Problem::malformed("contact must be an array of URLs"))?;
    if list.len() > 10 {
        return Err(Problem::malformed("at most 10 contacts"));
    }
    list.iter()
        .map(|c| match c.as_str() {
            Some(s)
                if s.starts_with("mailto:")
                    && s.len() > 7
                    && s.len() <= 320
                    && !s.contains(',') =>
            {
                Ok(s.to_string())
            }
            _ => Err(Problem::new(
                ProblemType::InvalidContact,
                format!("contact {c} is not a single mailto: URL"),
            )),
        })
        .collect()
}

impl AcmeService {
    /// A problem found before routing (size, framing), with the headers
    /// every response carries.
    pub fn respond_problem(&self, problem: &Problem) -> Response {
        self.with_common_headers(Response::problem(problem))
    }
}
