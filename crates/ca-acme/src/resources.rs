//! The ACME resources (RFC 8555 §7.1): accounts, orders, authorizations,
//! challenges and certificates, as stored, and their JSON for clients.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use time::OffsetDateTime;

/// Resource states (RFC 8555 §7.1.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pending,
    Ready,
    Processing,
    Valid,
    Invalid,
    Deactivated,
    Revoked,
    Expired,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identifier {
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    /// The canonical JWK (see `Jwk::canonical_json`).
    pub jwk: String,
    pub thumbprint: String,
    pub status: Status,
    pub contact: Vec<String>,
    pub created: i64,
    /// The terms-of-service URL the account agreed to (RFC 8555 §7.3.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms_agreed: Option<String>,
    /// The External Account Binding key id it registered with (§7.3.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eab_kid: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    pub account_id: String,
    pub status: Status,
    pub expires: i64,
    pub identifiers: Vec<Identifier>,
    pub authz_ids: Vec<String>,
    pub cert_id: Option<String>,
    pub error: Option<Value>,
    /// The validity the client asked for (RFC 8555 §7.4), unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_after: Option<i64>,
    /// When the order was created (unix seconds): what rate limits count.
    #[serde(default)]
    pub created: i64,
    /// The ARI certID of the certificate this order replaces (RFC 9773 §5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
    /// When a finalize moved it to `processing` (unix seconds): a replica
    /// that died while signing leaves it so, which its age tells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_since: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Challenge {
    /// `http-01`, `dns-01` or `tls-alpn-01`.
    pub kind: String,
    pub token: String,
    pub status: Status,
    pub validated: Option<i64>,
    pub error: Option<Value>,
    /// When its validation started (unix seconds): a replica that died
    /// while validating leaves it `processing`, which its age tells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Authz {
    pub id: String,
    pub account_id: String,
    pub identifier: Identifier,
    pub status: Status,
    pub expires: i64,
    pub challenges: Vec<Challenge>,
    /// For an order of `*.NAME`: the identifier is NAME (RFC 8555 §7.1.4).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub wildcard: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CertRecord {
    pub id: String,
    pub account_id: String,
    /// Hex, as in the CA directory's index.
    pub serial: String,
    /// The CA that signed it (`root` or an intermediate's name).
    pub issuer: String,
    /// Leaf then intermediates, PEM (`application/pem-certificate-chain`).
    pub chain_pem: String,
    pub revoked: bool,
    /// A later order said it `replaces` this one (RFC 9773 §5).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replaced: bool,
}

pub fn rfc3339(unix: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp(unix).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    ca_core::validity::rfc3339(t)
}

/// URLs of every resource, from the server's base URL (`https://host:port`).
#[derive(Debug, Clone)]
pub struct Urls {
    pub base: String,
}

impl Urls {
    pub fn directory(&self) -> String {
        format!("{}/directory", self.base)
    }
    pub fn path(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
    pub fn account(&self, id: &str) -> String {
        format!("{}/acme/acct/{id}", self.base)
    }
    pub fn order(&self, id: &str) -> String {
        format!("{}/acme/order/{id}", self.base)
    }
    pub fn authz(&self, id: &str) -> String {
        format!("{}/acme/authz/{id}", self.base)
    }
    pub fn challenge(&self, authz: &str, kind: &str) -> String {
        format!("{}/acme/chall/{authz}/{kind}", self.base)
    }
    pub fn cert(&self, id: &str) -> String {
        format!("{}/acme/cert/{id}", self.base)
    }

    /// RFC 8555 §7.1.1.
    pub fn directory_json(&self) -> Value {
        json!({
            "newNonce": self.path("/acme/new-nonce"),
            "newAccount": self.path("/acme/new-account"),
            "newOrder": self.path("/acme/new-order"),
            "revokeCert": self.path("/acme/revoke-cert"),
            "keyChange": self.path("/acme/key-change"),
            "renewalInfo": self.path("/acme/renewal-info"),
            "meta": {"externalAccountRequired": false}
        })
    }

    /// RFC 8555 §7.1.2.
    pub fn account_json(&self, a: &Account) -> Value {
        json!({
            "status": a.status,
            "contact": a.contact,
            "orders": format!("{}/orders", self.account(&a.id)),
        })
    }

    /// RFC 8555 §7.1.3.
    pub fn order_json(&self, o: &Order) -> Value {
        let mut v = json!({
            "status": o.status,
            "expires": rfc3339(o.expires),
            "identifiers": o.identifiers,
            "authorizations": o.authz_ids.iter().map(|a| self.authz(a)).collect::<Vec<_>>(),
            "finalize": format!("{}/acme/finalize/{}", self.base, o.id),
        });
        if let Some(cert) = &o.cert_id {
            v["certificate"] = json!(self.cert(cert));
        }
        if let Some(id) = &o.replaces {
            v["replaces"] = json!(id);
        }
        if let Some(t) = o.not_before {
            v["notBefore"] = json!(rfc3339(t));
        }
        if let Some(t) = o.not_after {
            v["notAfter"] = json!(rfc3339(t));
        }
        if let Some(err) = &o.error {
            v["error"] = err.clone();
        }
        v
    }

    /// RFC 8555 §7.1.4.
    pub fn authz_json(&self, a: &Authz) -> Value {
        let mut v = json!({
            "status": a.status,
            "expires": rfc3339(a.expires),
            "identifier": a.identifier,
            "challenges": a.challenges.iter().map(|c| self.challenge_json(&a.id, c)).collect::<Vec<_>>(),
        });
        if a.wildcard {
            v["wildcard"] = json!(true);
        }
        v
    }

    /// RFC 8555 §8.
    pub fn challenge_json(&self, authz_id: &str, c: &Challenge) -> Value {
        let mut v = json!({
            "type": c.kind,
            "url": self.challenge(authz_id, &c.kind),
            "status": c.status,
            "token": c.token,
        });
        if let Some(t) = c.validated {
            v["validated"] = json!(rfc3339(t));
        }
        if let Some(err) = &c.error {
            v["error"] = err.clone();
        }
        v
    }
}
