//! Rate limits on signing in, signing up, posting and verifying badges, so that password guessing,
//! spam floods and using the verifier to fetch from other sites in bulk are slowed without
//! bothering ordinary members. Limits are kept in memory per process (a
//! restart forgets them; several processes each count on their own), which is enough for their job.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::{DefaultKeyedRateLimiter, Quota};

use super::Failure;
use crate::config::RateLimitSettings;

/// The limiters of one running server.
#[derive(Clone)]
pub struct RateLimits {
    sign_in: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    sign_up: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    posting: Arc<DefaultKeyedRateLimiter<i64>>,
    verify: Arc<DefaultKeyedRateLimiter<IpAddr>>,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RateLimits")
    }
}

fn at_least_one(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

impl RateLimits {
    pub fn new(settings: &RateLimitSettings) -> RateLimits {
        RateLimits {
            sign_in: Arc::new(DefaultKeyedRateLimiter::keyed(Quota::per_minute(
                at_least_one(settings.sign_in_per_minute),
            ))),
            sign_up: Arc::new(DefaultKeyedRateLimiter::keyed(Quota::per_hour(
                at_least_one(settings.sign_up_per_hour),
            ))),
            posting: Arc::new(DefaultKeyedRateLimiter::keyed(Quota::per_minute(
                at_least_one(settings.posts_per_minute),
            ))),
            verify: Arc::new(DefaultKeyedRateLimiter::keyed(Quota::per_minute(
                at_least_one(settings.verify_per_minute),
            ))),
        }
    }

    pub fn sign_in(&self, client: IpAddr) -> Result<(), Failure> {
        self.sign_in
            .check_key(&client)
            .map_err(|_| Failure::TooManyRequests)
    }

    pub fn sign_up(&self, client: IpAddr) -> Result<(), Failure> {
        self.sign_up
            .check_key(&client)
            .map_err(|_| Failure::TooManyRequests)
    }

    pub fn post(&self, member_id: i64) -> Result<(), Failure> {
        self.posting
            .check_key(&member_id)
            .map_err(|_| Failure::TooManyRequests)
    }

    /// One badge verification, page or API alike: the limit is on what the server fetches.
    pub fn verify(&self, client: IpAddr) -> Result<(), Failure> {
        self.verify
            .check_key(&client)
            .map_err(|_| Failure::TooManyRequests)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_attempt_after_the_quota_is_refused_and_others_are_not() {
        let limits = RateLimits::new(&RateLimitSettings {
            sign_in_per_minute: 2,
            ..RateLimitSettings::default()
        });
        let guesser: IpAddr = [10, 0, 0, 1].into();
        assert!(limits.sign_in(guesser).is_ok());
        assert!(limits.sign_in(guesser).is_ok());
        assert!(matches!(
            limits.sign_in(guesser),
            Err(Failure::TooManyRequests)
        ));
        assert!(
            limits.sign_in([10, 0, 0, 2].into()).is_ok(),
            "another address is unaffected"
        );
    }
}
