//! Who is calling from where: the client IP (honouring `X-Forwarded-For` only from trusted
//! proxies), the request id and the user agent, for audit records and rate limits.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use ipnet::IpNet;

use crate::api::envelope::ApiError;
use crate::api::request_id::RequestId;
use crate::audit::Origin;
use crate::state::AppState;

/// Facts about the current request.
#[derive(Debug, Clone)]
pub struct RequestMeta {
    /// The request id and the client's address, as the audit log records them.
    pub origin: Origin,
    /// The `User-Agent` header, truncated.
    pub user_agent: Option<String>,
}

impl RequestMeta {
    /// The request id.
    pub fn request_id(&self) -> &str {
        &self.origin.request_id
    }

    /// The client's address, if known.
    pub fn ip(&self) -> Option<IpAddr> {
        self.origin.ip
    }

    /// Key for per-IP rate limits. IPv6 clients are grouped by /64, the block one
    /// subscriber usually holds, so rotating addresses inside it buys no extra budget.
    pub fn ip_key(&self) -> String {
        match self.origin.ip {
            Some(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
            Some(IpAddr::V6(v6)) => v6
                .to_ipv4_mapped()
                .map(|v4| v4.to_string())
                .unwrap_or_default(),
            Some(ip) => ip.to_string(),
            None => "unknown".to_owned(),
        }
    }
}

/// The client address: the socket peer, or, when the peer is a trusted proxy, the right-most
/// address in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_ip(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[IpNet],
) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let peer = peer?;
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let Some(chain) = forwarded_for else {
        return Some(peer);
    };
    let mut last = peer;
    for hop in chain.rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if is_trusted(&ip) => last = ip,
            Ok(ip) => return Some(ip),
            Err(_) => return Some(last),
        }
    }
    Some(last)
}

impl FromRequestParts<AppState> for RequestMeta {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        // A proxy may append its own X-Forwarded-For line instead of extending the first,
        // so every line counts, in order.
        let forwarded: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let forwarded = (!forwarded.is_empty()).then(|| forwarded.join(","));
        let ip = client_ip(peer, forwarded.as_deref(), &state.config.trusted_proxies);
        let request_id = parts
            .extensions
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(256).collect());
        Ok(Self {
            origin: Origin { request_id, ip },
            user_agent,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_share_a_budget_per_64() {
        let meta = |addr: &str| RequestMeta {
            origin: Origin {
                request_id: String::new(),
                ip: Some(addr.parse().unwrap()),
            },
            user_agent: None,
        };
        assert_eq!(
            meta("2001:db8:1:2:aaaa::1").ip_key(),
            meta("2001:db8:1:2:bbbb::9").ip_key()
        );
        assert_ne!(
            meta("2001:db8:1:2::1").ip_key(),
            meta("2001:db8:1:3::1").ip_key()
        );
        assert_eq!(meta("::ffff:192.0.2.7").ip_key(), "192.0.2.7");
        assert_eq!(meta("192.0.2.7").ip_key(), "192.0.2.7");
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        // Untrusted peer: its header is ignored.
        assert_eq!(
            client_ip(Some(ip("203.0.113.9")), Some("1.2.3.4"), &trusted),
            Some(ip("203.0.113.9"))
        );
        // Trusted proxy: the right-most untrusted hop is the client; spoofed left entries are ignored.
        assert_eq!(
            client_ip(
                Some(ip("10.0.0.1")),
                Some("6.6.6.6, 198.51.100.7, 10.0.0.2"),
                &trusted
            ),
            Some(ip("198.51.100.7"))
        );
        // Trusted proxy without the header.
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), None, &trusted),
            Some(ip("10.0.0.1"))
        );
        // Garbage in the header stops the walk.
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), Some("nonsense"), &trusted),
            Some(ip("10.0.0.1"))
        );
        // Several header lines read as one list, in order.
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), Some("6.6.6.6,198.51.100.8"), &trusted),
            Some(ip("198.51.100.8"))
        );
        // Nothing trusted by default.
        assert_eq!(
            client_ip(Some(ip("127.0.0.1")), Some("1.2.3.4"), &[]),
            Some(ip("127.0.0.1"))
        );
    }
}
