//! Who is asking: the client's address, for throttling and the audit log.
//! Behind a reverse proxy the connection comes from the proxy, which names the
//! client in `X-Forwarded-For`; anyone can write that header, so it is read
//! only when the connection comes from a proxy the configuration trusts.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::AppState;

/// A proxy whose `X-Forwarded-For` is believed: one address (`10.0.0.5`) or a
/// network (`10.0.0.0/8`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedProxy {
    network: IpAddr,
    prefix: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustedProxyError {
    #[error("\"{0}\" is not an IP address (like 10.0.0.5) or a network (like 10.0.0.0/8)")]
    NotAnAddress(String),
    #[error("\"{text}\": a prefix length is at most {max}")]
    PrefixTooLong { text: String, max: u8 },
}

impl TrustedProxy {
    /// True when `address` is this proxy, or in its network.
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.network, address.to_canonical()) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(network) & mask == u32::from(address) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(network) & mask == u128::from(address) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for TrustedProxy {
    type Err = TrustedProxyError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let not_an_address = || TrustedProxyError::NotAnAddress(text.to_owned());
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        // An IPv4-mapped IPv6 address is the IPv4 address it maps.
        let network = IpAddr::from_str(address)
            .map_err(|_| not_an_address())?
            .to_canonical();
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(prefix) => prefix.parse::<u8>().map_err(|_| not_an_address())?,
        };
        if prefix > max {
            return Err(TrustedProxyError::PrefixTooLong {
                text: text.to_owned(),
                max,
            });
        }
        Ok(TrustedProxy { network, prefix })
    }
}

impl fmt::Display for TrustedProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// The client's address: the connection's peer, unless the peer is a trusted
/// proxy; then the right-most address of `X-Forwarded-For` that is not a
/// trusted proxy (each proxy appends the address it was reached from, so the
/// entries to its left are the client's to write). When every entry is
/// trusted, the left-most; when an entry cannot be read, the last trusted hop
/// before it.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[TrustedProxy]) -> IpAddr {
    let peer = peer.to_canonical();
    let is_trusted = |address: IpAddr| trusted.iter().any(|proxy| proxy.contains(address));
    if !is_trusted(peer) {
        return peer;
    }
    // Several header lines read as one list, in order.
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect();
    let mut client = peer;
    for entry in entries.iter().rev() {
        let Some(address) = forwarded_address(entry) else {
            break;
        };
        client = address;
        if !is_trusted(address) {
            break;
        }
    }
    client
}

/// An address as proxies write it: `1.2.3.4`, `2001:db8::1`, with a port
/// (`1.2.3.4:5678`, `[2001:db8::1]:443`) or in brackets.
fn forwarded_address(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    let address = IpAddr::from_str(entry)
        .ok()
        .or_else(|| SocketAddr::from_str(entry).ok().map(|s| s.ip()))
        .or_else(|| {
            entry
                .strip_prefix('[')
                .and_then(|e| e.strip_suffix(']'))
                .and_then(|e| IpAddr::from_str(e).ok())
        })?;
    Some(address.to_canonical())
}

/// The client's address of a request (see [`client_address`]), as an extractor.
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = <ConnectInfo<SocketAddr> as FromRequestParts<AppState>>::Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ConnectInfo(peer) = ConnectInfo::<SocketAddr>::from_request_parts(parts, state).await?;
        Ok(ClientAddr(client_address(
            peer.ip(),
            &parts.headers,
            &state.config.trusted_proxies,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn proxies(list: &[&str]) -> Vec<TrustedProxy> {
        list.iter().map(|p| p.parse().unwrap()).collect()
    }

    fn forwarded(lines: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for line in lines {
            headers.append("x-forwarded-for", HeaderValue::from_str(line).unwrap());
        }
        headers
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let headers = forwarded(&["203.0.113.7"]);
        assert_eq!(
            client_address(ip("198.51.100.1"), &headers, &[]),
            ip("198.51.100.1")
        );
        let trusted = proxies(&["10.0.0.5"]);
        assert_eq!(
            client_address(ip("198.51.100.1"), &headers, &trusted),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn a_trusted_proxy_names_the_client() {
        let trusted = proxies(&["10.0.0.5"]);
        let headers = forwarded(&["203.0.113.7"]);
        assert_eq!(
            client_address(ip("10.0.0.5"), &headers, &trusted),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn the_right_most_untrusted_entry_wins_over_what_the_client_wrote() {
        // The client wrote 1.1.1.1 itself; the proxy appended the real address.
        let trusted = proxies(&["10.0.0.0/8"]);
        let headers = forwarded(&["1.1.1.1, 203.0.113.7, 10.0.0.9"]);
        assert_eq!(
            client_address(ip("10.0.0.5"), &headers, &trusted),
            ip("203.0.113.7")
        );
        // Several header lines are one list.
        let headers = forwarded(&["1.1.1.1", "203.0.113.7", "10.0.0.9"]);
        assert_eq!(
            client_address(ip("10.0.0.5"), &headers, &trusted),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn a_trusted_peer_without_the_header_is_the_client() {
        let trusted = proxies(&["10.0.0.5"]);
        assert_eq!(
            client_address(ip("10.0.0.5"), &HeaderMap::new(), &trusted),
            ip("10.0.0.5")
        );
    }

    #[test]
    fn all_trusted_gives_the_left_most_and_garbage_stops_the_walk() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let headers = forwarded(&["10.1.1.1, 10.2.2.2"]);
        assert_eq!(
            client_address(ip("10.0.0.5"), &headers, &trusted),
            ip("10.1.1.1")
        );
        let headers = forwarded(&["203.0.113.7, unknown, 10.2.2.2"]);
        assert_eq!(
            client_address(ip("10.0.0.5"), &headers, &trusted),
            ip("10.2.2.2")
        );
    }

    #[test]
    fn ports_brackets_and_mapped_addresses_are_read() {
        let trusted = proxies(&["10.0.0.5", "2001:db8::1"]);
        let headers = forwarded(&["203.0.113.7:5555"]);
        assert_eq!(
            client_address(ip("10.0.0.5"), &headers, &trusted),
            ip("203.0.113.7")
        );
        let headers = forwarded(&["[2001:db8::7]:443"]);
        assert_eq!(
            client_address(ip("2001:db8::1"), &headers, &trusted),
            ip("2001:db8::7")
        );
        let headers = forwarded(&["[2001:db8::7]"]);
        assert_eq!(
            client_address(ip("2001:db8::1"), &headers, &trusted),
            ip("2001:db8::7")
        );
        // A proxy reached over IPv6 sockets as ::ffff:10.0.0.5 is still 10.0.0.5.
        let headers = forwarded(&["::ffff:203.0.113.7"]);
        assert_eq!(
            client_address(ip("::ffff:10.0.0.5"), &headers, &trusted),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn trusted_proxies_parse_addresses_and_networks() {
        let one: TrustedProxy = "10.0.0.5".parse().unwrap();
        assert!(one.contains(ip("10.0.0.5")));
        assert!(!one.contains(ip("10.0.0.6")));
        let net: TrustedProxy = " 10.0.0.0/8 ".parse().unwrap();
        assert!(net.contains(ip("10.200.3.4")));
        assert!(!net.contains(ip("11.0.0.1")));
        assert!(!net.contains(ip("::1")));
        let v6: TrustedProxy = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")));
        assert!(!v6.contains(ip("fe80::1")));
        let all: TrustedProxy = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.7")));
        assert_eq!(net.to_string(), "10.0.0.0/8");
        assert_eq!(
            "10.0.0.0/33".parse::<TrustedProxy>(),
            Err(TrustedProxyError::PrefixTooLong {
                text: "10.0.0.0/33".into(),
                max: 32
            })
        );
        assert!(matches!(
            "proxy.local".parse::<TrustedProxy>(),
            Err(TrustedProxyError::NotAnAddress(_))
        ));
        assert!(matches!(
            "10.0.0.0/x".parse::<TrustedProxy>(),
            Err(TrustedProxyError::NotAnAddress(_))
        ));
    }
}
