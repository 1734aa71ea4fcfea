//! The client's address behind trusted reverse proxies: per-address rate limits must count
//! the citizen's address, not the load balancer's, and must not trust a header anyone can
//! send. `X-Forwarded-For` is read only when the TCP peer is a configured proxy, from the
//! right, skipping the configured proxies; the first other address is the client.

use std::net::IpAddr;
use std::str::FromStr;

/// An address block, `10.0.0.0/8` or a single address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpBlock {
    net: IpAddr,
    prefix: u8,
}

impl FromStr for IpBlock {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("not an address or address/prefix: {s}");
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let net: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
            None => max,
        };
        Ok(IpBlock { net, prefix })
    }
}

impl IpBlock {
    pub fn contains(&self, ip: IpAddr) -> bool {
        fn bits(ip: IpAddr) -> (u128, u32) {
            match ip {
                IpAddr::V4(v) => (u128::from(u32::from(v)), 32),
                IpAddr::V6(v) => (u128::from(v), 128),
            }
        }
        let ip = match ip {
            IpAddr::V6(v) => v.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        let ((net, width), (addr, addr_width)) = (bits(self.net), bits(ip));
        if width != addr_width {
            return false;
        }
        let host_bits = width - u32::from(self.prefix);
        host_bits >= width || (net >> host_bits) == (addr >> host_bits)
    }
}

/// The client address for a request from `peer` with these `X-Forwarded-For` values.
pub fn client_address<'a>(
    peer: IpAddr,
    forwarded_for: impl Iterator<Item = &'a str>,
    trusted: &[IpBlock],
) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|b| b.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded_for.flat_map(|v| v.split(',')).collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if is_trusted(ip) => client = ip,
            Ok(ip) => return ip,
            // A garbled entry: everything to its left is unverifiable; the last trusted hop
            // is the best we know.
            Err(_) => return client,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn blocks(list: &[&str]) -> Vec<IpBlock> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn blocks_parse_and_match_by_prefix() {
        let b: IpBlock = "10.0.0.0/8".parse().unwrap();
        assert!(b.contains(ip("10.200.1.2")));
        assert!(!b.contains(ip("11.0.0.1")));
        assert!(b.contains(ip("::ffff:10.1.1.1")), "IPv4-mapped IPv6 peers");
        let one: IpBlock = "192.168.1.5".parse().unwrap();
        assert!(one.contains(ip("192.168.1.5")) && !one.contains(ip("192.168.1.6")));
        let all: IpBlock = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("8.8.8.8")));
        let v6: IpBlock = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("10.0.0.1")));
        for bad in ["10.0.0.0/33", "10.0.0/8", "x", "::/129", "10.0.0.0/"] {
            assert!(bad.parse::<IpBlock>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_header_is_ignored_unless_the_peer_is_a_trusted_proxy() {
        let trusted = blocks(&["10.0.0.0/8"]);
        let client = client_address(ip("203.0.113.9"), ["1.2.3.4"].into_iter(), &trusted);
        assert_eq!(client, ip("203.0.113.9"));
        let no_proxies = client_address(ip("10.0.0.2"), ["1.2.3.4"].into_iter(), &[]);
        assert_eq!(no_proxies, ip("10.0.0.2"));
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client_so_a_forged_left_part_is_ignored() {
        let trusted = blocks(&["10.0.0.0/8"]);
        // The citizen forged "6.6.6.6"; their real address was appended by our proxies.
        let client = client_address(
            ip("10.0.0.2"),
            ["6.6.6.6, 198.51.100.7", "10.0.0.9"].into_iter(),
            &trusted,
        );
        assert_eq!(client, ip("198.51.100.7"));
    }

    #[test]
    fn without_a_usable_header_the_last_trusted_hop_is_used() {
        let trusted = blocks(&["10.0.0.0/8"]);
        assert_eq!(
            client_address(ip("10.0.0.2"), std::iter::empty(), &trusted),
            ip("10.0.0.2")
        );
        assert_eq!(
            client_address(ip("10.0.0.2"), ["junk, 10.0.0.7"].into_iter(), &trusted),
            ip("10.0.0.7")
        );
    }
}
