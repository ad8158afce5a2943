//! The JSON Schema of the apply file (`ca schema`), for editors and CI
//! linters. Written by hand rather than derived (schemars): the parser's
//! types carry byte spans that are no part of the format, and the
//! descriptions here are the user documentation, kept next to the format.
//! A test checks that it lists exactly the keys the parser accepts.

use serde_json::{json, Value};

use crate::key::KeyType;

fn key_type() -> Value {
    json!({
        "description": "The key type of a new key.",
        "enum": KeyType::GENERATABLE.iter().map(|t| t.to_string()).collect::<Vec<_>>(),
        "default": "ecdsa-p256"
    })
}

fn list(description: &str) -> Value {
    json!({"description": description, "type": "array", "items": {"type": "string"}, "default": []})
}

fn ca(what: &str, default_days: u32) -> Value {
    json!({
        "type": "object",
        "description": what,
        "additionalProperties": false,
        "properties": {
            "common_name": {"type": "string", "minLength": 1, "maxLength": 64,
                "description": "Subject CN of the CA certificate [default: a generated name]."},
            "key_type": key_type(),
            "days": {"type": "integer", "minimum": 1, "default": default_days,
                "description": "Lifetime in days."},
            "path_len": {"type": "integer", "minimum": 0, "maximum": 255,
                "description": "pathLenConstraint: how many CA levels may follow below this CA \
                    [default: none for the root, 0 for intermediates]."},
            "permit_dns": list("Only DNS names in these domains (and below); `.domain` for below only."),
            "exclude_dns": list("No DNS names in these domains (and below)."),
            "permit_ip": list("Only IP addresses in these CIDR blocks, e.g. 10.0.0.0/8."),
            "exclude_ip": list("No IP addresses in these CIDR blocks."),
            "permit_email": list("Only e-mail addresses matching a mailbox, a host or `.domain`."),
            "exclude_email": list("No e-mail addresses matching a mailbox, a host or `.domain`.")
        }
    })
}

fn path(description: &str) -> Value {
    json!({"type": "string", "description": description})
}

/// The schema, draft 2020-12.
pub fn schema() -> Value {
    let leaf = json!({
        "type": "object",
        "description": "A server or client certificate, its key and its chain.",
        "additionalProperties": false,
        "required": ["names"],
        "properties": {
            "issuer": {"type": "string", "default": "root",
                "description": "`root` or the name of an intermediate defined in this file."},
            "kind": {"enum": ["server", "client"], "default": "server",
                "description": "server: extendedKeyUsage serverAuth; client: clientAuth."},
            "names": {"type": "array", "minItems": 1, "items": {"type": "string"},
                "description": "DNS names, IP addresses, e-mail addresses or URIs; the first is also the CN."},
            "key_type": key_type(),
            "days": {"type": "integer", "minimum": 1, "default": 397,
                "description": "Lifetime in days (clamped to the issuer's). Not with not_after."},
            "not_after": {"type": "string", "format": "date-time",
                "description": "End of validity, RFC 3339. Not with days."},
            "renew_before": {"type": "string", "pattern": "^[0-9]+[smhdw%]$", "default": "33%",
                "description": "Reissue when this close to notAfter: a time (30d, 12h, 2w, 90m, 45s) or a share of the lifetime (20%)."},
            "out": path("Directory for NAME.pem, NAME-key.pem and NAME-chain.pem, relative to the current directory [default: .]."),
            "cert": path("The certificate file [default: OUT/NAME.pem]."),
            "key": path("The private key file, mode 0600 [default: OUT/NAME-key.pem]."),
            "chain": path("The certificate followed by its intermediates [default: OUT/NAME-chain.pem].")
        }
    });
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "ca apply file",
        "description": "A whole PKI for `ca apply`: a root, intermediates and leaves. See docs/apply.md.",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "version": {"const": 1, "description": "Format version."},
            "ca_dir": path("The CA directory, relative to the current directory [default: --ca-dir, $CA_DIR, then the usual default]."),
            "strict_webpki": {"type": "boolean", "description": "Refuse, instead of warning about, certificates that break a Web PKI (CA/B Forum) rule, e.g. Ed25519 keys (docs/rules.md) [default: false]."},
            "root": ca("The root CA.", crate::profile::ROOT_DAYS),
            "intermediates": {
                "type": "object",
                "description": "Intermediate CAs signed by the root, by name (letters, digits, '.', '-', '_').",
                "additionalProperties": ca("An intermediate CA.", crate::profile::INTERMEDIATE_DAYS)
            },
            "leaves": {
                "type": "object",
                "description": "Leaf certificates, by name (the default file names).",
                "additionalProperties": leaf
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys serde accepts in a table, from its "unknown field" error.
    fn accepted(toml_text: &str) -> Vec<String> {
        let err = toml::from_str::<crate::apply::spec::SpecFile>(toml_text).unwrap_err();
        let message = err.message().to_string();
        let (_, list) = message.split_once("expected").expect(&message);
        let mut keys: Vec<String> = list
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        keys.sort();
        keys
    }

    fn properties(v: &Value) -> Vec<String> {
        let mut keys: Vec<String> = v["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    }

    #[test]
    fn schema_lists_exactly_the_accepted_keys() {
        let s = schema();
        assert_eq!(properties(&s), accepted("zzz = 1"));
        assert_eq!(
            properties(&s["properties"]["root"]),
            accepted("[root]\nzzz = 1")
        );
        assert_eq!(
            properties(&s["properties"]["intermediates"]["additionalProperties"]),
            accepted("[intermediates.a]\nzzz = 1")
        );
        assert_eq!(
            properties(&s["properties"]["leaves"]["additionalProperties"]),
            accepted("[leaves.a]\nnames = []\nzzz = 1")
        );
    }
}
