//! IP addresses: SAN octets, constraint ranges, canonical text.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The address in a 4- or 16-octet iPAddress SAN.
pub(crate) fn ip_from_bytes(b: &[u8]) -> Option<IpAddr> {
    match b.len() {
        4 => Some(IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            Some(IpAddr::V6(Ipv6Addr::from(a)))
        }
        _ => None,
    }
}

pub(crate) fn ip_octets(ip: &IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

/// The addresses a loosely written text may stand for: IPv6 in any case or compression, IPv4
/// in dotted decimal with leading zeros, or in the inet_aton forms (hex, octal, fewer parts).
/// Used only to recognise a CN that names the same address as an iPAddress SAN.
pub(crate) fn parse_lenient(text: &str) -> Vec<IpAddr> {
    let mut out = Vec::new();
    if text.contains(':') {
        out.extend(text.parse::<Ipv6Addr>().ok().map(IpAddr::V6));
        return out;
    }
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() == 4 && parts.iter().all(|p| (1..=3).contains(&p.len())) {
        let decimal: Option<Vec<u8>> = parts.iter().map(|p| p.parse::<u8>().ok()).collect();
        if let Some(d) = decimal {
            out.push(IpAddr::V4(Ipv4Addr::new(d[0], d[1], d[2], d[3])));
        }
    }
    if let Some(a) = inet_aton(&parts) {
        out.push(IpAddr::V4(a));
    }
    out
}

fn inet_aton(parts: &[&str]) -> Option<Ipv4Addr> {
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let nums: Vec<u64> = parts
        .iter()
        .map(|p| {
            if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
                u64::from_str_radix(h, 16).ok()
            } else if p.len() > 1 && p.starts_with('0') {
                u64::from_str_radix(&p[1..], 8).ok()
            } else {
                p.parse().ok()
            }
        })
        .collect::<Option<_>>()?;
    let (last, head) = nums.split_last()?;
    if head.iter().any(|&n| n > 255) || *last >= 1u64 << (8 * (4 - head.len())) {
        return None;
    }
    let mut v: u64 = 0;
    for (i, &n) in head.iter().enumerate() {
        v |= n << (24 - 8 * i);
    }
    Some(Ipv4Addr::from((v | last) as u32))
}

/// A constraint base is address + mask (8 or 32 octets) with a contiguous prefix mask.
pub(crate) fn is_valid_constraint(base: &[u8]) -> bool {
    if base.len() != 8 && base.len() != 32 {
        return false;
    }
    let mask = &base[base.len() / 2..];
    let mut seen_zero = false;
    for &byte in mask {
        for bit in (0..8).rev() {
            let one = byte & (1 << bit) != 0;
            if one && seen_zero {
                return false;
            }
            seen_zero |= !one;
        }
    }
    true
}

/// Whether a SAN address lies in a (valid) constraint range. Addresses of the other family never do.
pub(crate) fn in_range(addr: &[u8], base: &[u8]) -> bool {
    let n = base.len() / 2;
    if addr.len() != n {
        return false;
    }
    let (net, mask) = base.split_at(n);
    addr.iter()
        .zip(net)
        .zip(mask)
        .all(|((a, n), m)| a & m == n & m)
}

/// Display of a constraint range as address/prefix.
pub(crate) fn range_text(base: &[u8]) -> String {
    let n = base.len() / 2;
    let prefix: u32 = base[n..].iter().map(|b| b.count_ones()).sum();
    match ip_from_bytes(&base[..n]) {
        Some(ip) => format!("{ip}/{prefix}"),
        None => format!("<{} bytes>", base.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        let base = [192, 0, 2, 0, 255, 255, 255, 0];
        assert!(is_valid_constraint(&base));
        assert!(in_range(&[192, 0, 2, 7], &base));
        assert!(!in_range(&[192, 0, 3, 1], &base));
        assert!(!in_range(&[0; 16], &base));
        assert!(!is_valid_constraint(&[192, 0, 2, 0]));
        assert!(!is_valid_constraint(&[192, 0, 2, 0, 255, 0, 255, 0]));
        assert_eq!(range_text(&base), "192.0.2.0/24");
    }

    #[test]
    fn lenient_readings() {
        let a: IpAddr = "192.168.1.1".parse().unwrap();
        assert!(parse_lenient("192.168.001.001").contains(&a));
        assert!(parse_lenient("0xc0.0xa8.1.1").contains(&a));
        assert!(parse_lenient("3232235777").contains(&a));
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(parse_lenient("2001:DB8:0:0::1"), vec![v6]);
        assert!(parse_lenient("EE").is_empty());
    }
}
