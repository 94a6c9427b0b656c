//! Request rate limits for the endpoints that attract guessing and abuse (login, password
//! recovery, registration), keyed by client IP and by account.
//!
//! Built on `governor` (GCRA): memory per key is one integer, and idle keys are swept
//! periodically so the tables stay small however many addresses knock.

use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use monitron_proto::duration::parse as parse_duration;

/// `N/period`: at most N requests per period, the budget refilling evenly over it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateSpec {
    /// Requests allowed per period (also the burst).
    pub count: u32,
    /// The period.
    pub period: Duration,
}

impl RateSpec {
    const fn new(count: u32, period_s: u64) -> Self {
        Self {
            count,
            period: Duration::from_secs(period_s),
        }
    }

    fn quota(&self) -> Quota {
        let burst = NonZeroU32::new(self.count).expect("validated non-zero");
        Quota::with_period(self.period / self.count)
            .expect("validated non-zero period")
            .allow_burst(burst)
    }
}

impl FromStr for RateSpec {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        let (count, period) = raw
            .split_once('/')
            .ok_or_else(|| format!("expected N/period such as 10/1m, got {raw:?}"))?;
        let count: u32 = count
            .trim()
            .parse()
            .ok()
            .filter(|c| *c > 0)
            .ok_or_else(|| format!("expected a positive count in {raw:?}"))?;
        let period = parse_duration(period)?;
        if period.as_millis() < u128::from(count) {
            return Err(format!("period in {raw:?} is too short for its count"));
        }
        Ok(Self { count, period })
    }
}

impl fmt::Display for RateSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}s", self.count, self.period.as_secs())
    }
}

/// The configured limits.
#[derive(Debug, Clone, Copy)]
pub struct RateLimits {
    /// Login attempts from one client IP.
    pub login_per_ip: RateSpec,
    /// Login attempts against one username or e-mail.
    pub login_per_account: RateSpec,
    /// Password-recovery requests from one client IP.
    pub forgot_per_ip: RateSpec,
    /// Password-recovery requests for one e-mail address.
    pub forgot_per_email: RateSpec,
    /// Registrations from one client IP.
    pub register_per_ip: RateSpec,
    /// Heartbeat pings for one ping URL.
    pub ping_per_token: RateSpec,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            login_per_ip: RateSpec::new(30, 60),
            login_per_account: RateSpec::new(10, 300),
            forgot_per_ip: RateSpec::new(10, 3_600),
            forgot_per_email: RateSpec::new(3, 3_600),
            register_per_ip: RateSpec::new(10, 3_600),
            ping_per_token: RateSpec::new(60, 60),
        }
    }
}

/// One keyed limiter.
#[derive(Clone)]
pub struct Limiter(Arc<DefaultKeyedRateLimiter<String>>);

impl Limiter {
    fn new(spec: RateSpec) -> Self {
        Self(Arc::new(RateLimiter::keyed(spec.quota())))
    }

    /// Counts one request for `key`; on refusal, says how long until the next is allowed.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        self.0
            .check_key(&key.to_owned())
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

/// All limiters of the server.
#[derive(Clone)]
pub struct Limiters {
    /// See [`RateLimits::login_per_ip`].
    pub login_ip: Limiter,
    /// See [`RateLimits::login_per_account`].
    pub login_account: Limiter,
    /// See [`RateLimits::forgot_per_ip`].
    pub forgot_ip: Limiter,
    /// See [`RateLimits::forgot_per_email`].
    pub forgot_email: Limiter,
    /// See [`RateLimits::register_per_ip`].
    pub register_ip: Limiter,
    /// See [`RateLimits::ping_per_token`].
    pub ping_token: Limiter,
}

impl Limiters {
    /// Builds the limiters from their configuration.
    pub fn new(limits: &RateLimits) -> Self {
        Self {
            login_ip: Limiter::new(limits.login_per_ip),
            login_account: Limiter::new(limits.login_per_account),
            forgot_ip: Limiter::new(limits.forgot_per_ip),
            forgot_email: Limiter::new(limits.forgot_per_email),
            register_ip: Limiter::new(limits.register_per_ip),
            ping_token: Limiter::new(limits.ping_per_token),
        }
    }

    /// Forgets keys whose budget is full again, bounding memory.
    pub fn sweep(&self) {
        for l in [
            &self.login_ip,
            &self.login_account,
            &self.forgot_ip,
            &self.forgot_email,
            &self.register_ip,
            &self.ping_token,
        ] {
            l.0.retain_recent();
            l.0.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_parses_and_rejects() {
        assert_eq!("5/1m".parse(), Ok(RateSpec::new(5, 60)));
        assert_eq!("10/1h".parse(), Ok(RateSpec::new(10, 3_600)));
        for bad in ["", "5", "0/1m", "x/1m", "5/soon", "5000/1ms"] {
            assert!(bad.parse::<RateSpec>().is_err(), "{bad}");
        }
    }

    #[test]
    fn limiter_refuses_past_the_burst_and_keys_are_independent() {
        let limiter = Limiter::new(RateSpec::new(2, 60));
        assert!(limiter.check("a").is_ok());
        assert!(limiter.check("a").is_ok());
        let wait = limiter.check("a").unwrap_err();
        assert!(
            wait > Duration::from_secs(20) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        assert!(limiter.check("b").is_ok());
    }
}
