//! IANA names for what rustls negotiates, as the RFCs and `openssl ciphers -stdname` spell
//! them, so that a report can be compared with what other tools print.

use rustls::{CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};

/// "TLSv1.3", "TLSv1.2" (OpenSSL's spelling, which users know).
pub fn version(v: ProtocolVersion) -> String {
    match v {
        ProtocolVersion::TLSv1_3 => "TLSv1.3".into(),
        ProtocolVersion::TLSv1_2 => "TLSv1.2".into(),
        ProtocolVersion::TLSv1_1 => "TLSv1.1".into(),
        ProtocolVersion::TLSv1_0 => "TLSv1.0".into(),
        other => format!("{other:?}"),
    }
}

/// The IANA name of a cipher suite: rustls spells the TLS 1.3 ones `TLS13_...`.
pub fn cipher_suite(s: CipherSuite) -> String {
    let name = s
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| format!("0x{:04x}", u16::from(s)));
    match name.strip_prefix("TLS13_") {
        Some(rest) => format!("TLS_{rest}"),
        None => name,
    }
}

/// The IANA name of a key-exchange group (RFC 8446 section 4.2.7; RFC 7919; the hybrid
/// post-quantum X25519MLKEM768 of draft-ietf-tls-ecdhe-mlkem).
pub fn group(g: NamedGroup) -> String {
    match g {
        NamedGroup::X25519 => "x25519".into(),
        NamedGroup::X448 => "x448".into(),
        NamedGroup::secp256r1 => "secp256r1".into(),
        NamedGroup::secp384r1 => "secp384r1".into(),
        NamedGroup::secp521r1 => "secp521r1".into(),
        NamedGroup::X25519MLKEM768 => "X25519MLKEM768".into(),
        NamedGroup::secp256r1MLKEM768 => "SecP256r1MLKEM768".into(),
        NamedGroup::MLKEM768 => "MLKEM768".into(),
        other => match other.as_str() {
            Some(s) => s.to_string(),
            None => format!("0x{:04x}", u16::from(other)),
        },
    }
}

/// Whether a group resists a quantum computer (ML-KEM, alone or in a hybrid).
pub fn is_post_quantum(g: NamedGroup) -> bool {
    matches!(
        g,
        NamedGroup::X25519MLKEM768
            | NamedGroup::secp256r1MLKEM768
            | NamedGroup::MLKEM512
            | NamedGroup::MLKEM768
            | NamedGroup::MLKEM1024
    )
}

/// The IANA name of a signature scheme (RFC 8446 section 4.2.3).
pub fn signature_scheme(s: SignatureScheme) -> String {
    let name = match s {
        SignatureScheme::RSA_PKCS1_SHA1 => "rsa_pkcs1_sha1",
        SignatureScheme::ECDSA_SHA1_Legacy => "ecdsa_sha1",
        SignatureScheme::RSA_PKCS1_SHA256 => "rsa_pkcs1_sha256",
        SignatureScheme::ECDSA_NISTP256_SHA256 => "ecdsa_secp256r1_sha256",
        SignatureScheme::RSA_PKCS1_SHA384 => "rsa_pkcs1_sha384",
        SignatureScheme::ECDSA_NISTP384_SHA384 => "ecdsa_secp384r1_sha384",
        SignatureScheme::RSA_PKCS1_SHA512 => "rsa_pkcs1_sha512",
        SignatureScheme::ECDSA_NISTP521_SHA512 => "ecdsa_secp521r1_sha512",
        SignatureScheme::RSA_PSS_SHA256 => "rsa_pss_rsae_sha256",
        SignatureScheme::RSA_PSS_SHA384 => "rsa_pss_rsae_sha384",
        SignatureScheme::RSA_PSS_SHA512 => "rsa_pss_rsae_sha512",
        SignatureScheme::ED25519 => "ed25519",
        SignatureScheme::ED448 => "ed448",
        SignatureScheme::ML_DSA_44 => "mldsa44",
        SignatureScheme::ML_DSA_65 => "mldsa65",
        SignatureScheme::ML_DSA_87 => "mldsa87",
        // TLS 1.2 hash/signature pairs that TLS 1.3 never named (RFC 5246 section 7.4.1.4.1).
        other => match u16::from(other) {
            0x0809 => "rsa_pss_pss_sha256",
            0x080a => "rsa_pss_pss_sha384",
            0x080b => "rsa_pss_pss_sha512",
            0x0301 => "rsa_sha224",
            0x0302 => "dsa_sha224",
            0x0303 => "ecdsa_sha224",
            0x0202 => "dsa_sha1",
            0x0402 => "dsa_sha256",
            0x0502 => "dsa_sha384",
            0x0602 => "dsa_sha512",
            n => return format!("0x{n:04x}"),
        },
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls13_suites_take_their_iana_names() {
        assert_eq!(
            cipher_suite(CipherSuite::TLS13_AES_256_GCM_SHA384),
            "TLS_AES_256_GCM_SHA384"
        );
        assert_eq!(
            cipher_suite(CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        );
    }

    #[test]
    fn hybrid_groups_are_post_quantum() {
        assert!(is_post_quantum(NamedGroup::X25519MLKEM768));
        assert!(!is_post_quantum(NamedGroup::X25519));
        assert_eq!(group(NamedGroup::X25519MLKEM768), "X25519MLKEM768");
    }
}
