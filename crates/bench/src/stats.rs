//! Latency percentiles and rates in integer arithmetic: microseconds and
//! requests per second are exact enough for reporting, and integers keep the
//! workspace's `float_arithmetic` lint without exceptions.

use serde::Serialize;
use std::time::Duration;

/// Percentiles of a set of latencies, in microseconds (nearest-rank method).
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Latency {
    pub count: u64,
    pub mean_us: u64,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
}

impl Latency {
    /// Sorts `samples` in place and summarises them.
    pub fn of(samples: &mut [u32]) -> Latency {
        if samples.is_empty() {
            return Latency::default();
        }
        samples.sort_unstable();
        let count = samples.len() as u64;
        let sum: u64 = samples.iter().map(|&s| u64::from(s)).sum();
        Latency {
            count,
            mean_us: sum / count,
            p50_us: percentile(samples, 500),
            p90_us: percentile(samples, 900),
            p99_us: percentile(samples, 990),
            max_us: samples.last().map_or(0, |&s| u64::from(s)),
        }
    }
}

/// The nearest-rank percentile of sorted samples; `permille` 990 is p99.
fn percentile(sorted: &[u32], permille: u64) -> u64 {
    let n = sorted.len() as u64;
    if n == 0 {
        return 0;
    }
    let rank = (permille * n).div_ceil(1000).clamp(1, n);
    usize::try_from(rank - 1)
        .ok()
        .and_then(|i| sorted.get(i))
        .map_or(0, |&s| u64::from(s))
}

/// A latency sample in microseconds; anything over u32::MAX µs (71 minutes) saturates.
pub fn micros(elapsed: Duration) -> u32 {
    u32::try_from(elapsed.as_micros()).unwrap_or(u32::MAX)
}

/// Events per second over `elapsed`, rounded down.
pub fn per_second(events: u64, elapsed: Duration) -> u64 {
    let micros = elapsed.as_micros().max(1);
    u64::try_from(u128::from(events) * 1_000_000 / micros).unwrap_or(u64::MAX)
}

/// Microseconds as milliseconds with two decimals: `1234` → `1.23`.
pub fn ms(us: u64) -> String {
    format!("{}.{:02}", us / 1000, (us % 1000) / 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut samples: Vec<u32> = (1..=100).rev().collect();
        let latency = Latency::of(&mut samples);
        assert_eq!(latency.count, 100);
        assert_eq!(latency.p50_us, 50);
        assert_eq!(latency.p90_us, 90);
        assert_eq!(latency.p99_us, 99);
        assert_eq!(latency.max_us, 100);
        assert_eq!(latency.mean_us, 50);
        let mut one = vec![7];
        assert_eq!(Latency::of(&mut one).p99_us, 7);
        assert_eq!(Latency::of(&mut []), Latency::default());
    }

    #[test]
    fn rates_and_formatting() {
        assert_eq!(per_second(5_000, Duration::from_millis(500)), 10_000);
        assert_eq!(per_second(1, Duration::ZERO), 1_000_000);
        assert_eq!(ms(1234), "1.23");
        assert_eq!(ms(10_005), "10.00");
        assert_eq!(micros(Duration::from_millis(3)), 3000);
    }
}
