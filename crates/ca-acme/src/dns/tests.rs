//! The DNS client against well-formed and hostile answers.

use super::*;

/// An answer to `query` with these (type, rdata) records for its name,
/// the name written as a pointer to the question (offset 12).
fn answer(query: &[u8], rcode: u16, records: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut out = query.to_vec();
    out[2] = 0x81; // QR, RD
    out[3] = 0x80 | rcode as u8; // RA
    out[6..8].copy_from_slice(&(records.len() as u16).to_be_bytes());
    for (kind, rdata) in records {
        out.extend_from_slice(&[0xc0, 12]);
        out.extend_from_slice(&kind.to_be_bytes());
        out.extend_from_slice(&CLASS_IN.to_be_bytes());
        out.extend_from_slice(&60u32.to_be_bytes());
        out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        out.extend_from_slice(rdata);
    }
    out
}

const NAME: &str = "_acme-challenge.a.test";

#[test]
fn txt_records_are_found_and_joined() {
    let q = encode_query(7, NAME, TYPE_TXT).unwrap();
    let a = answer(&q, 0, &[(TYPE_TXT, b"\x03abc\x02de".to_vec())]);
    let Reply::Complete(found) = parse_answer(&a, 7, NAME, TYPE_TXT).unwrap() else {
        panic!("truncated")
    };
    assert_eq!(join_character_strings(&found[0]), b"abcde");
}

#[test]
fn answers_with_another_id_or_question_are_not_ours() {
    // RFC 5452 §4: ID and question must match before anything is used.
    let q = encode_query(7, NAME, TYPE_TXT).unwrap();
    let a = answer(&q, 0, &[(TYPE_TXT, b"\x01x".to_vec())]);
    assert!(matches!(
        parse_answer(&a, 8, NAME, TYPE_TXT),
        Err(Parsed::NotOurs)
    ));
    assert!(matches!(
        parse_answer(&a, 7, "_acme-challenge.b.test", TYPE_TXT),
        Err(Parsed::NotOurs)
    ));
    assert!(matches!(
        parse_answer(&a, 7, NAME, TYPE_A),
        Err(Parsed::NotOurs)
    ));
    // Our own query echoed back (QR clear) is not an answer.
    assert!(matches!(
        parse_answer(&q, 7, NAME, TYPE_TXT),
        Err(Parsed::NotOurs)
    ));
}

#[test]
fn nxdomain_is_empty_and_servfail_an_error() {
    let q = encode_query(1, NAME, TYPE_TXT).unwrap();
    assert_eq!(
        parse_answer(&answer(&q, 3, &[]), 1, NAME, TYPE_TXT).unwrap(),
        Reply::Complete(vec![])
    );
    assert!(matches!(
        parse_answer(&answer(&q, 2, &[]), 1, NAME, TYPE_TXT),
        Err(Parsed::Error(DnsError::Rcode {
            rcode: "SERVFAIL",
            ..
        }))
    ));
}

#[test]
fn hostile_answers_are_refused_in_bounded_work() {
    let q = encode_query(1, NAME, TYPE_TXT).unwrap();
    // A pointer to itself (a loop) in the answer's owner name.
    let mut a = answer(&q, 0, &[(TYPE_TXT, b"\x01x".to_vec())]);
    let at = q.len();
    a[at] = 0xc0;
    a[at + 1] = at as u8;
    assert!(matches!(
        parse_answer(&a, 1, NAME, TYPE_TXT),
        Err(Parsed::Error(DnsError::Malformed(_)))
    ));
    // An RDATA length past the end of the message.
    let mut a = answer(&q, 0, &[(TYPE_TXT, b"\x01x".to_vec())]);
    let len_at = a.len() - 2 - 2;
    a[len_at] = 0xff;
    assert!(matches!(
        parse_answer(&a, 1, NAME, TYPE_TXT),
        Err(Parsed::Error(DnsError::Malformed(_)))
    ));
    // Too many answers claimed.
    let mut a = answer(&q, 0, &[]);
    a[6..8].copy_from_slice(&1000u16.to_be_bytes());
    assert!(parse_answer(&a, 1, NAME, TYPE_TXT).is_err());
    // Truncated: asks for TCP.
    let mut a = answer(&q, 0, &[]);
    a[2] |= 0x02;
    assert_eq!(
        parse_answer(&a, 1, NAME, TYPE_TXT).unwrap(),
        Reply::Truncated
    );
}

#[test]
fn cname_chains_are_followed_within_the_answer() {
    let q = encode_query(1, "a.test", TYPE_A).unwrap();
    let mut target = encode_name("b.test").unwrap();
    let mut a = answer(&q, 0, &[(TYPE_CNAME, target.clone())]);
    // b.test A 127.0.0.9, the owner written out.
    a[7] = 2;
    a.append(&mut target);
    a.extend_from_slice(&TYPE_A.to_be_bytes());
    a.extend_from_slice(&CLASS_IN.to_be_bytes());
    a.extend_from_slice(&[0, 0, 0, 60, 0, 4, 127, 0, 0, 9]);
    assert_eq!(
        parse_answer(&a, 1, "a.test", TYPE_A).unwrap(),
        Reply::Complete(vec![vec![127, 0, 0, 9]])
    );
}

#[test]
fn names_are_checked_before_asking() {
    assert!(encode_name("a..test").is_err());
    assert!(encode_name(&"a".repeat(64)).is_err());
    assert!(encode_name(&["abc"; 80].join(".")).is_err());
    assert!(encode_name("bücher.test").is_err());
    assert_eq!(encode_name("a.test.").unwrap(), b"\x01a\x04test\x00");
}

#[test]
fn a_server_that_never_answers_times_out() {
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let client = DnsClient::new(silent.local_addr().unwrap(), Duration::from_millis(200));
    let started = Instant::now();
    assert!(matches!(client.txt(NAME), Err(DnsError::Timeout { .. })));
    assert!(started.elapsed() < Duration::from_secs(2));
}
