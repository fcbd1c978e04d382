//! Spacing out calls in time, e.g. requests to a service that allows one call per interval.

use std::thread;
use std::time::{Duration, Instant};

/// Lets one call through per `interval`; `wait` sleeps until the next call is allowed.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    last: Option<Instant>,
}

impl RateLimiter {
    /// A limiter that allows one call per `interval`.
    ///
    /// ```
    /// let mut limiter = tally::rate::RateLimiter::new(std::time::Duration::from_millis(50));
    /// limiter.wait(); // at once
    /// limiter.wait(); // 50 ms later
    /// ```
    pub fn new(interval: Duration) -> Self {
        RateLimiter { interval, last: None }
    }

    /// Sleeps until a call is allowed, then records it. The first call never waits.
    pub fn wait(&mut self) {
        if let Some(last) = self.last {
            let next = last + self.interval;
            let now = Instant::now();
            if next > now {
                thread::sleep(next - now);
            }
        }
        self.last = Some(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::RateLimiter;
    use std::time::{Duration, Instant};

    #[test]
    fn first_call_does_not_wait() {
        let start = Instant::now();
        RateLimiter::new(Duration::from_secs(10)).wait();
        assert!(start.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn spaces_calls_by_the_interval() {
        let mut limiter = RateLimiter::new(Duration::from_millis(200));
        let start = Instant::now();
        for _ in 0..3 {
            limiter.wait();
        }
        assert!(start.elapsed() >= Duration::from_millis(400));
    }

    #[test]
    fn late_calls_do_not_wait() {
        let mut limiter = RateLimiter::new(Duration::from_millis(100));
        limiter.wait();
        std::thread::sleep(Duration::from_millis(250));
        let start = Instant::now();
        limiter.wait();
        assert!(start.elapsed() < Duration::from_millis(50));
    }

    #[test]
    #[ignore = "slow: a real-time check over 1.5 s; run with include_ignored = true"]
    fn long_interval() {
        let mut limiter = RateLimiter::new(Duration::from_millis(1500));
        limiter.wait();
        let start = Instant::now();
        limiter.wait();
        assert!(start.elapsed() >= Duration::from_millis(1500));
    }
}
