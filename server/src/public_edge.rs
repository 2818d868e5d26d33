//! Who the console answers as and whom it believes: the `public_url` people use (it decides
//! `Secure` / `__Host-` cookies, HSTS, and which `Host` / `Origin` values are accepted, against
//! DNS rebinding of a console on localhost), and the proxies whose `X-Forwarded-For` names the
//! client (everyone else's is ignored, so a client cannot choose its own throttling address).

use axum::http::{HeaderMap, header};
use ipnet::IpNet;
use std::net::IpAddr;

#[derive(Debug, Clone, Default)]
pub struct PublicEdge {
    /// `https://batch.example.com` (scheme and authority; no path).
    pub public_url: Option<PublicUrl>,
    pub trusted_proxies: Vec<IpNet>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    pub https: bool,
    /// `host` or `host:port`, as browsers send it in `Host`.
    pub authority: String,
}

impl PublicUrl {
    pub fn parse(text: &str) -> Result<PublicUrl, String> {
        let text = text.trim().trim_end_matches('/');
        let (https, rest) = match (text.strip_prefix("https://"), text.strip_prefix("http://")) {
            (Some(rest), _) => (true, rest),
            (None, Some(rest)) => (false, rest),
            _ => return Err(format!("{text:?} must start with https:// or http://")),
        };
        let well_formed = !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c));
        if !well_formed {
            return Err(format!("{text:?} must be a scheme and a host[:port], with no path"));
        }
        Ok(PublicUrl { https, authority: rest.to_ascii_lowercase() })
    }

    pub fn origin(&self) -> String {
        format!("{}://{}", if self.https { "https" } else { "http" }, self.authority)
    }
}

/// `10.0.0.0/8` or a bare address (one host).
pub fn parse_proxy(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{text:?} is not an address or a network such as 10.0.0.0/8"))
}

impl PublicEdge {
    pub fn https(&self) -> bool {
        self.public_url.as_ref().is_some_and(|url| url.https)
    }

    /// The session cookie's name: `__Host-` prefixed over https, so no subdomain can set it.
    pub fn cookie_name(&self) -> &'static str {
        if self.https() { "__Host-batch_session" } else { "batch_session" }
    }

    /// The client: the peer, unless the peer is a trusted proxy; then the right-most address
    /// of `X-Forwarded-For` that is not itself a trusted proxy.
    pub fn client_address(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.is_trusted(peer) {
            return peer;
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter_map(|part| part.trim().parse().ok())
            .collect();
        forwarded.into_iter().rev().find(|address| !self.is_trusted(*address)).unwrap_or(peer)
    }

    fn is_trusted(&self, address: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|net| net.contains(&address))
    }

    /// Whether a console request's `Host` is one this server answers as: the public URL's, or,
    /// without one, an address literal or `localhost` (a DNS-rebinding page reaches a
    /// localhost console under a name of its own, never one of these).
    pub fn accepts_host(&self, headers: &HeaderMap) -> bool {
        let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else { return false };
        let host = host.to_ascii_lowercase();
        if let Some(url) = &self.public_url {
            return host == url.authority;
        }
        let name = match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => host.rsplit_once(':').map_or(host.as_str(), |(name, _)| name),
        };
        name == "localhost" || name.parse::<IpAddr>().is_ok()
    }

    /// Whether `Origin` is this console's own: the public URL's origin, or `Host`'s.
    pub fn is_own_origin(&self, origin: &str, host: Option<&str>) -> bool {
        match &self.public_url {
            Some(url) => origin.eq_ignore_ascii_case(&url.origin()),
            None => origin.split_once("://").is_some_and(|(_, authority)| Some(authority) == host),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let edge = PublicEdge {
            trusted_proxies: vec![parse_proxy("10.0.0.0/8").unwrap(), parse_proxy("192.168.1.1").unwrap()],
            ..Default::default()
        };
        let peer = |s: &str| s.parse::<IpAddr>().unwrap();
        let spoofed = headers(&[("x-forwarded-for", "1.2.3.4")]);
        assert_eq!(edge.client_address(peer("203.0.113.9"), &spoofed), peer("203.0.113.9"), "not from a proxy: ignored");
        assert_eq!(edge.client_address(peer("10.1.1.1"), &spoofed), peer("1.2.3.4"));
        let chain = headers(&[("x-forwarded-for", "6.6.6.6, 198.51.100.7"), ("x-forwarded-for", "192.168.1.1")]);
        assert_eq!(edge.client_address(peer("10.1.1.1"), &chain), peer("198.51.100.7"), "the right-most untrusted hop");
        assert_eq!(edge.client_address(peer("10.1.1.1"), &headers(&[])), peer("10.1.1.1"));
        assert!(parse_proxy("not-an-address").is_err());
    }

    #[test]
    fn without_a_public_url_only_address_literals_and_localhost_are_hosts() {
        let edge = PublicEdge::default();
        for host in ["127.0.0.1:3000", "localhost:3000", "[::1]:3000", "10.0.0.5"] {
            assert!(edge.accepts_host(&headers(&[("host", host)])), "{host}");
        }
        assert!(!edge.accepts_host(&headers(&[("host", "rebind.attacker.example:3000")])));
        assert!(!edge.accepts_host(&headers(&[])));
    }

    #[test]
    fn a_public_url_decides_host_origin_and_cookies() {
        let edge = PublicEdge { public_url: Some(PublicUrl::parse("https://Batch.example.com/").unwrap()), ..Default::default() };
        assert!(edge.accepts_host(&headers(&[("host", "batch.example.com")])));
        assert!(!edge.accepts_host(&headers(&[("host", "127.0.0.1:3000")])));
        assert!(edge.is_own_origin("https://batch.example.com", Some("whatever")));
        assert!(!edge.is_own_origin("http://batch.example.com", Some("batch.example.com")));
        assert_eq!(edge.cookie_name(), "__Host-batch_session");
        assert!(PublicUrl::parse("ftp://x").is_err() && PublicUrl::parse("https://x/path").is_err());
    }
}
