//! Host names to addresses through the system resolver (`getaddrinfo`, so `/etc/hosts`
//! and the host's DNS settings apply), with a bound on how many lookups run at once.
//!
//! `getaddrinfo` blocks a thread for as long as the resolver takes. Unbounded, a thousand
//! checks against a slow or dead name server would occupy the runtime's whole blocking
//! pool; bounded, they wait their turn in async code (within their own timeouts) and the
//! threads stay available to everything else.

use std::net::SocketAddr;
use std::sync::LazyLock;
use std::time::Duration;

use tokio::sync::Semaphore;

/// Most `getaddrinfo` calls running at once, across every check of the process.
pub const MAX_CONCURRENT_LOOKUPS: usize = 32;

static LOOKUPS: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(MAX_CONCURRENT_LOOKUPS));

/// Every address of `host` (with `port`), within `timeout`; the error reads as a
/// monitor's message ("cannot resolve ...", "timed out resolving ...").
pub async fn lookup(host: &str, port: u16, timeout: Duration) -> Result<Vec<SocketAddr>, String> {
    // An address needs no lookup (and no thread).
    if let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let resolve = async {
        let _turn = LOOKUPS
            .acquire()
            .await
            .expect("the lookup semaphore is never closed");
        tokio::net::lookup_host((host, port)).await
    };
    match tokio::time::timeout(timeout, resolve).await {
        Ok(Ok(addresses)) => Ok(addresses.collect()),
        Ok(Err(err)) => Err(format!("cannot resolve {host}: {err}")),
        Err(_) => Err(format!(
            "timed out resolving {host} after {} s",
            timeout.as_secs_f64()
        )),
    }
}

/// The first address of `host`, within `timeout`.
pub async fn first(host: &str, port: u16, timeout: Duration) -> Result<SocketAddr, String> {
    lookup(host, port, timeout)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| format!("{host} has no address"))
}

/// The same bounded lookups for reqwest's connections (HTTP checks), whose own resolver
/// would call `getaddrinfo` on the blocking pool without a bound.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BoundedResolver;

/// Longest a lookup made for reqwest may take; the request's own timeout usually ends it
/// sooner.
const REQWEST_LOOKUP_TIMEOUT: Duration = Duration::from_secs(60);

impl reqwest::dns::Resolve for BoundedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let addresses = lookup(name.as_str(), 0, REQWEST_LOOKUP_TIMEOUT)
                .await
                .map_err(|reason| -> Box<dyn std::error::Error + Send + Sync> { reason.into() })?;
            Ok(Box::new(addresses.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn addresses_need_no_lookup_and_names_resolve() {
        let second = Duration::from_secs(1);
        assert_eq!(
            lookup("[::1]", 80, second).await.unwrap(),
            vec!["[::1]:80".parse().unwrap()]
        );
        assert_eq!(
            first("127.0.0.1", 8080, second).await.unwrap(),
            "127.0.0.1:8080".parse().unwrap()
        );
        let local = lookup("localhost", 443, Duration::from_secs(5))
            .await
            .unwrap();
        assert!(
            local
                .iter()
                .all(|a| a.ip().is_loopback() && a.port() == 443),
            "{local:?}"
        );
        assert!(lookup("no-such-host.invalid", 80, Duration::from_secs(5))
            .await
            .unwrap_err()
            .contains("no-such-host.invalid"));
    }
}
