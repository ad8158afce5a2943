//! Account rules beyond registration: key rollover (RFC 8555 §7.3.5),
//! External Account Binding (§7.3.4) and the terms of service (§7.3,
//! §7.3.3). Both rollover and EAB carry a JWS inside the request's JWS;
//! [`InnerJws`] reads it.

use aws_lc_rs::hmac;
use serde_json::{Map, Value};

use crate::jws::{b64decode, Jwk, Jws};
use crate::problem::{AcmeResult, Problem, ProblemType};
use crate::resources::Account;
use crate::service::{AcmeService, KeyForm, Request, Response};

/// A flattened JWS carried as a JSON value inside another request's
/// payload: its header, payload and signature, not yet verified.
pub(crate) struct InnerJws {
    pub header: Map<String, Value>,
    pub payload: Vec<u8>,
    signing_input: Vec<u8>,
    signature: Vec<u8>,
}

impl InnerJws {
    /// `what` names the field in errors. RFC 8555 §7.3.4/§7.3.5: the inner
    /// JWS has a protected header and MUST NOT have a nonce.
    pub fn parse(value: &Value, what: &str) -> AcmeResult<InnerJws> {
        let obj = value.as_object().ok_or_else(|| {
            Problem::malformed(format!("{what} must be a flattened JWS (a JSON object)"))
        })?;
        if obj.contains_key("signatures") || obj.contains_key("header") {
            return Err(Problem::malformed(format!(
                "{what} must use the flattened serialization with a protected header only"
            )));
        }
        let field = |name: &str| {
            obj.get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| Problem::malformed(format!("{what} has no {name:?} string")))
        };
        let (protected, payload, signature) =
            (field("protected")?, field("payload")?, field("signature")?);
        let header: Value = serde_json::from_slice(&b64decode("protected", protected)?)
            .map_err(|e| Problem::malformed(format!("{what}'s header is not JSON ({e})")))?;
        let Value::Object(header) = header else {
            return Err(Problem::malformed(format!(
                "{what}'s header is not a JSON object"
            )));
        };
        if header.contains_key("nonce") {
            return Err(Problem::malformed(format!(
                "{what}'s header MUST NOT have a \"nonce\" (RFC 8555 §7.3.4, §7.3.5)"
            )));
        }
        if header.contains_key("crit") || header.contains_key("b64") {
            return Err(Problem::malformed(format!(
                "{what}: \"crit\" and \"b64\" are not supported"
            )));
        }
        Ok(InnerJws {
            payload: b64decode("payload", payload)?,
            signature: b64decode("signature", signature)?,
            signing_input: format!("{protected}.{payload}").into_bytes(),
            header,
        })
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        self.header.get(name).and_then(Value::as_str)
    }

    /// Verifies a signature by `key` (the algorithm checks of [`Jws`]).
    pub fn verify_with(&self, key: &Jwk) -> AcmeResult<()> {
        let alg = self
            .text("alg")
            .ok_or_else(|| Problem::malformed("the inner JWS has no \"alg\""))?;
        Jws::verify_detached(alg, key, &self.signing_input, &self.signature)
    }

    /// Verifies an HMAC (HS256/HS384/HS512, RFC 7518 §3.2) with `key`.
    pub fn verify_mac(&self, key: &[u8]) -> AcmeResult<()> {
        let algorithm = match self.text("alg") {
            Some("HS256") => hmac::HMAC_SHA256,
            Some("HS384") => hmac::HMAC_SHA384,
            Some("HS512") => hmac::HMAC_SHA512,
            other => {
                return Err(Problem::new(
                    ProblemType::BadSignatureAlgorithm,
                    format!(
                        "the external account binding's alg is {other:?}; it must be a MAC (HS256, HS384, HS512)"
                    ),
                ))
            }
        };
        hmac::verify(
            &hmac::Key::new(algorithm, key),
            &self.signing_input,
            &self.signature,
        )
        .map_err(|_| {
            Problem::unauthorized(
                "the external account binding's MAC does not verify with the key of its kid",
            )
        })
    }
}

impl AcmeService {
    /// RFC 8555 §7.3.4: when the server has EAB keys, newAccount needs an
    /// `externalAccountBinding`: a JWS MACed with the key of its `kid`, its
    /// `url` the newAccount URL, its payload the account key. Returns the
    /// binding's kid.
    pub(crate) fn check_external_binding(
        &self,
        payload: &Map<String, Value>,
        account_key: &Jwk,
        url: &str,
    ) -> AcmeResult<Option<String>> {
        if self.policy.eab_keys.is_empty() {
            return Ok(None);
        }
        let binding = payload.get("externalAccountBinding").ok_or_else(|| {
            Problem::new(
                ProblemType::ExternalAccountRequired,
                "this server registers only accounts bound to an external account: \
                 add externalAccountBinding with the key id and HMAC key the operator gave you",
            )
        })?;
        let inner = InnerJws::parse(binding, "externalAccountBinding")?;
        let kid = inner
            .text("kid")
            .ok_or_else(|| Problem::malformed("externalAccountBinding has no \"kid\""))?
            .to_string();
        if inner.header.contains_key("jwk") {
            return Err(Problem::malformed(
                "externalAccountBinding's header has a \"jwk\"; it takes \"kid\" only",
            ));
        }
        if inner.text("url") != Some(url) {
            return Err(Problem::unauthorized(format!(
                "externalAccountBinding's url must be the newAccount URL {url:?}"
            )));
        }
        let key = self.policy.eab_keys.get(&kid).ok_or_else(|| {
            Problem::unauthorized(format!("no external account key has the id {kid:?}"))
        })?;
        inner.verify_mac(key)?;
        let bound: Value = serde_json::from_slice(&inner.payload).map_err(|e| {
            Problem::malformed(format!(
                "externalAccountBinding's payload is not a JWK ({e})"
            ))
        })?;
        if Jwk::from_json(&bound)?.thumbprint() != account_key.thumbprint() {
            return Err(Problem::unauthorized(
                "externalAccountBinding binds another key than the one this request is signed with",
            ));
        }
        Ok(Some(kid))
    }

    /// RFC 8555 §7.3: with terms of service, newAccount must say
    /// `termsOfServiceAgreed: true`. Refused as userActionRequired with
    /// the terms' Link (§7.3.3), so that the client can show them.
    pub(crate) fn check_terms_agreed(
        &self,
        payload: &Map<String, Value>,
    ) -> AcmeResult<Option<String>> {
        let Some(terms) = &self.policy.terms_of_service else {
            return Ok(None);
        };
        if payload.get("termsOfServiceAgreed") != Some(&Value::Bool(true)) {
            return Err(self.terms_problem(
                "read the terms of service and agree with termsOfServiceAgreed: true",
            ));
        }
        Ok(Some(terms.clone()))
    }

    fn terms_problem(&self, detail: &str) -> Problem {
        let terms = self.policy.terms_of_service.clone().unwrap_or_default();
        let mut p = Problem::new(
            ProblemType::UserActionRequired,
            format!("{detail}: {terms}"),
        )
        .with_header("Link", format!("<{terms}>;rel=\"terms-of-service\""));
        p.instance = Some(terms);
        p
    }

    /// RFC 8555 §7.3.3: when the terms changed since the account agreed,
    /// its requests are userActionRequired until it agrees again (here: an
    /// account update with termsOfServiceAgreed: true).
    pub(crate) fn check_current_terms(&self, account: &Account) -> AcmeResult<()> {
        match &self.policy.terms_of_service {
            Some(terms) if account.terms_agreed.as_deref() != Some(terms.as_str()) => {
                Err(self.terms_problem("the terms of service changed; agree to the new ones"))
            }
            _ => Ok(()),
        }
    }

    /// RFC 8555 §7.3.5: the outer JWS is signed by the account's current
    /// key (kid); its payload is a JWS signed by the new key (jwk), with
    /// the same url, whose payload names the account and its old key.
    pub(crate) fn key_change(&self, req: &Request) -> AcmeResult<Response> {
        let caller = self.authenticate(req, KeyForm::Kid)?;
        let mut account = Self::caller_account(&caller)?.clone();
        let outer: Value = serde_json::from_slice(&caller.jws.payload)
            .map_err(|e| Problem::malformed(format!("the payload is not JSON ({e})")))?;
        let inner = InnerJws::parse(&outer, "the keyChange payload")?;
        let new_key = Jwk::from_json(inner.header.get("jwk").ok_or_else(|| {
            Problem::malformed("the inner JWS must carry the new key as \"jwk\"")
        })?)?;
        if inner.header.contains_key("kid") {
            return Err(Problem::malformed("the inner JWS must not have a \"kid\""));
        }
        // "Check that the inner JWS verifies using the key in its jwk field."
        inner.verify_with(&new_key)?;
        // "Check that the url parameters of the inner and outer JWSs are the same."
        if inner.text("url") != Some(caller.jws.url.as_str()) {
            return Err(Problem::malformed(
                "the inner JWS's url must equal the outer JWS's url",
            ));
        }
        let body: Value = serde_json::from_slice(&inner.payload)
            .map_err(|e| Problem::malformed(format!("the inner payload is not JSON ({e})")))?;
        // "Check that the account field of the keyChange object contains
        // the kid of the outer JWS."
        if body.get("account").and_then(Value::as_str)
            != Some(self.urls.account(&account.id).as_str())
        {
            return Err(Problem::malformed(
                "the inner payload's \"account\" must be the account URL of the outer kid",
            ));
        }
        // "Check that the oldKey field of the keyChange object is the
        // current key for the account."
        let old = Jwk::from_json(
            body.get("oldKey")
                .ok_or_else(|| Problem::malformed("the inner payload has no \"oldKey\""))?,
        )?;
        if old.thumbprint() != account.thumbprint {
            return Err(Problem::malformed(
                "the inner payload's oldKey is not the account's current key",
            ));
        }
        let thumbprint = new_key.thumbprint();
        // "Check that no account exists whose account key is the same as
        // the key in the jwk header parameter of the inner JWS": 409 and
        // that account's URL.
        let conflict = |id: &str| {
            Problem::malformed("another account already has the new key")
                .with_status(409)
                .with_header("Location", self.urls.account(id))
        };
        if let Some(other) = self.storage.account_by_thumbprint(&thumbprint)? {
            return Err(conflict(&other.id));
        }
        account.jwk = new_key.canonical_json();
        account.thumbprint = thumbprint.clone();
        if !self.storage.change_account_key(&account)? {
            // Taken between the look-up and the update.
            let other = self
                .storage
                .account_by_thumbprint(&thumbprint)?
                .map(|a| a.id)
                .unwrap_or_default();
            return Err(conflict(&other));
        }
        Ok(Response::json(200, &self.urls.account_json(&account))
            .with_header("Location", self.urls.account(&account.id)))
    }
}
