//! Tests of the in-place reader: it agrees with the x509-parser road on every certificate of
//! x509-limbo and PKITS it reads, and its time and integer rules.

use super::*;
use crate::cert::Certificate;

/// Every certificate this reader accepts, the x509-parser road accepts with the same data.
fn same_as_x509_parser_road(der: &[u8], what: &str) -> bool {
    let Some(fast) = parse(der) else {
        return false;
    };
    match Certificate::parse_with_x509_parser(der) {
        Ok(full) => assert_eq!(format!("{fast:?}"), format!("{full:?}"), "{what}"),
        Err(r) => panic!("{what}: read in place, but the full parse refuses it: {r}"),
    }
    true
}

fn conformance() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance")
}

#[test]
fn agrees_with_the_full_parse_on_pkits() {
    let dir = conformance().join("pkits/certs");
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (shared/ beside the workspace)", dir.display()));
    let (mut total, mut fast) = (0, 0);
    for entry in entries {
        let path = entry.unwrap().path();
        let der = std::fs::read(&path).unwrap();
        total += 1;
        fast += usize::from(same_as_x509_parser_road(&der, &path.display().to_string()));
    }
    assert!(total > 400 && fast > 0, "{fast} of {total} read in place");
}

#[test]
fn agrees_with_the_full_parse_on_limbo() {
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) if s.contains("-----BEGIN CERTIFICATE-----") => {
                out.push(s.clone())
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            serde_json::Value::Object(o) => o.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let path = conformance().join("limbo-public.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (shared/ beside the workspace)", path.display()));
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut pems = Vec::new();
    walk(&doc, &mut pems);
    let (mut total, mut fast) = (0, 0);
    for (i, pem) in pems.iter().enumerate() {
        for block in x509_parser::pem::Pem::iter_from_buffer(pem.as_bytes()) {
            let Ok(block) = block else { continue };
            total += 1;
            fast += usize::from(same_as_x509_parser_road(
                &block.contents,
                &format!("limbo PEM string {i}"),
            ));
        }
    }
    assert!(
        total > 10_000 && fast > 1_000,
        "{fast} of {total} read in place"
    );
    eprintln!("limbo: {fast} of {total} certificates read in place");
}

#[test]
fn civil_days() {
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    assert_eq!(days_from_civil(1969, 12, 31), -1);
}

#[test]
fn times() {
    let t = |tag: u8, text: &str| {
        time(Tlv {
            tag,
            content: text.as_bytes(),
            whole: &[],
        })
    };
    assert_eq!(t(0x17, "491231235959Z"), Some(2_524_607_999));
    assert_eq!(t(0x17, "500101000000Z"), Some(-631_152_000));
    assert_eq!(t(0x18, "20000229120000Z"), Some(951_825_600));
    assert_eq!(t(0x18, "20010229120000Z"), None); // not a leap year
    assert_eq!(t(0x17, "991301000000Z"), None); // month 13
    assert_eq!(t(0x17, "990101240000Z"), None); // hour 24
    assert_eq!(t(0x17, "9901010000000"), None); // no Z
    assert_eq!(t(0x17, "99010100000Z"), None); // too short
    assert_eq!(t(0x18, "2000022912000Z"), None);
    assert_eq!(t(0x17, "9a0101000000Z"), None);
}

#[test]
fn oid_and_integer_forms() {
    assert!(valid_oid(&[0x55, 0x1d, 0x13]));
    assert!(!valid_oid(&[0x55, 0x80, 0x01]));
    assert!(!valid_oid(&[0x55, 0x81]));
    assert!(minimal_integer(&[0x00, 0x80]));
    assert!(!minimal_integer(&[0x00, 0x7f]));
    assert!(!minimal_integer(&[0xff, 0x80]));
    assert!(!minimal_integer(&[]));
}
