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

/// Reads an address written loosely: IPv4 octets with leading zeros, IPv6 in any case or
/// compression. Used only to recognise a CN that names an address.
pub(crate) fn parse_lenient(text: &str) -> Option<IpAddr> {
    if text.contains(':') {
        return text.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut octets = [0u8; 4];
    for (o, p) in octets.iter_mut().zip(parts) {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *o = p.parse().ok()?;
    }
    Some(IpAddr::V4(Ipv4Addr::from(octets)))
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
}
