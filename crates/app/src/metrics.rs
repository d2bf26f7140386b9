//! Counters the operator scrapes at `/metrics` (Prometheus text format). Plain
//! atomics: no registry, no dependency, nothing that can fail.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds (seconds) of the delivery latency histogram.
const LATENCY_BUCKETS: [f64; 8] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

#[derive(Default)]
pub struct Metrics {
    /// (method, HTTP status) → count.
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    delivered: AtomicU64,
    retries: AtomicU64,
    dead: AtomicU64,
    expiries: AtomicU64,
    recovered: AtomicU64,
    /// Worker rounds that failed and were followed by a longer pause, and the
    /// seconds paused in all (lifecycle's back-off).
    worker_backoffs: AtomicU64,
    worker_backoff_seconds: AtomicU64,
    card_day_mismatches: AtomicU64,
    /// (door, method) → calls refused over a rate limit; both from fixed sets.
    rate_limited: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
    latency_buckets: [AtomicU64; 8],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
}

impl Metrics {
    pub fn request(&self, method: &str, status: u16) {
        if let Ok(mut map) = self.requests.lock() {
            let count = map.entry((method.to_owned(), status)).or_default();
            *count = count.saturating_add(1);
        }
    }

    pub fn notification_delivered(&self, latency: Duration) {
        self.delivered.fetch_add(1, Ordering::Relaxed);
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.latency_sum_micros.fetch_add(micros, Ordering::Relaxed);
        for (bucket, bound) in self.latency_buckets.iter().zip(LATENCY_BUCKETS) {
            // Integer comparison in microseconds; the bounds are exact decimals.
            if micros <= bound_micros(bound) {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    pub fn notification_retried(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }

    pub fn notification_dead(&self) {
        self.dead.fetch_add(1, Ordering::Relaxed);
    }

    pub fn expired(&self, count: u64) {
        self.expiries.fetch_add(count, Ordering::Relaxed);
    }

    pub fn recovered(&self) {
        self.recovered.fetch_add(1, Ordering::Relaxed);
    }

    /// The workers' round failed; they pause `pause` before the next.
    pub fn worker_backoff(&self, pause: Duration) {
        self.worker_backoffs.fetch_add(1, Ordering::Relaxed);
        self.worker_backoff_seconds
            .fetch_add(pause.as_secs(), Ordering::Relaxed);
    }

    /// A call refused over a rate limit (docs/rate-limits.md).
    pub fn rate_limited(&self, door: &'static str, method: &'static str) {
        if let Ok(mut map) = self.rate_limited.lock() {
            let count = map.entry((door, method)).or_default();
            *count = count.saturating_add(1);
        }
    }

    pub fn card_day_mismatch(&self) {
        self.card_day_mismatches.fetch_add(1, Ordering::Relaxed);
    }

    /// The text `/metrics` answers; `backlog` is (pending, dead) read from the store.
    pub fn render(&self, backlog: Option<(u64, u64)>) -> String {
        let mut out = String::new();
        out.push_str("# HELP maksa_http_requests_total HTTP requests answered, by API method or page and status.\n# TYPE maksa_http_requests_total counter\n");
        if let Ok(map) = self.requests.lock() {
            for ((method, status), count) in map.iter() {
                let _ = writeln!(
                    out,
                    "maksa_http_requests_total{{method=\"{method}\",status=\"{status}\"}} {count}"
                );
            }
        }
        let counters = [
            (
                "maksa_notifications_delivered_total",
                "Notifications delivered (2xx answer).",
                &self.delivered,
            ),
            (
                "maksa_notification_retries_total",
                "Failed delivery attempts scheduled for a retry.",
                &self.retries,
            ),
            (
                "maksa_notifications_dead_total",
                "Notifications parked as dead after the whole schedule.",
                &self.dead,
            ),
            (
                "maksa_requests_expired_total",
                "Requests moved to R by the expiry worker.",
                &self.expiries,
            ),
            (
                "maksa_attempts_recovered_total",
                "Open payments settled by a status query.",
                &self.recovered,
            ),
            (
                "maksa_worker_backoffs_total",
                "Worker rounds that failed (the database unavailable, its disk full) and were followed by a doubled pause.",
                &self.worker_backoffs,
            ),
            (
                "maksa_worker_backoff_seconds_total",
                "Seconds the workers paused after failed rounds.",
                &self.worker_backoff_seconds,
            ),
            (
                "maksa_card_day_close_mismatches_total",
                "Business days closed at a card acquirer whose totals differ from the hub's.",
                &self.card_day_mismatches,
            ),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                value.load(Ordering::Relaxed)
            );
        }
        out.push_str("# HELP maksa_rate_limited_total Calls refused over a rate limit, by door and method.\n# TYPE maksa_rate_limited_total counter\n");
        if let Ok(map) = self.rate_limited.lock() {
            for ((door, method), count) in map.iter() {
                let _ = writeln!(
                    out,
                    "maksa_rate_limited_total{{door=\"{door}\",method=\"{method}\"}} {count}"
                );
            }
        }
        if let Some((pending, dead)) = backlog {
            let _ = writeln!(
                out,
                "# HELP maksa_notification_backlog Notifications not yet delivered, by state.\n# TYPE maksa_notification_backlog gauge\nmaksa_notification_backlog{{state=\"pending\"}} {pending}\nmaksa_notification_backlog{{state=\"dead\"}} {dead}"
            );
        }
        out.push_str("# HELP maksa_notification_delivery_seconds Latency of delivered notifications.\n# TYPE maksa_notification_delivery_seconds histogram\n");
        for (bucket, bound) in self.latency_buckets.iter().zip(LATENCY_BUCKETS) {
            let _ = writeln!(
                out,
                "maksa_notification_delivery_seconds_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Ordering::Relaxed)
            );
        }
        let count = self.latency_count.load(Ordering::Relaxed);
        let sum = self.latency_sum_micros.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "maksa_notification_delivery_seconds_bucket{{le=\"+Inf\"}} {count}\nmaksa_notification_delivery_seconds_sum {}.{:06}\nmaksa_notification_delivery_seconds_count {count}",
            sum / 1_000_000,
            sum % 1_000_000
        );
        out
    }
}

fn bound_micros(seconds: f64) -> u64 {
    // The bounds are the fixed constants above; this is display arithmetic on
    // latencies, never money.
    #[allow(
        clippy::float_arithmetic,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let micros = (seconds * 1_000_000.0).round() as u64;
    micros
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        m.request("savepaymentrequest", 200);
        m.request("savepaymentrequest", 200);
        m.request("savepaymentrequest", 400);
        m.notification_delivered(Duration::from_millis(30));
        m.notification_retried();
        m.expired(3);
        let text = m.render(Some((4, 1)));
        assert!(
            text.contains(
                "maksa_http_requests_total{method=\"savepaymentrequest\",status=\"200\"} 2"
            )
        );
        assert!(
            text.contains(
                "maksa_http_requests_total{method=\"savepaymentrequest\",status=\"400\"} 1"
            )
        );
        assert!(text.contains("maksa_notifications_delivered_total 1"));
        assert!(text.contains("maksa_notification_retries_total 1"));
        assert!(text.contains("maksa_requests_expired_total 3"));
        assert!(text.contains("maksa_notification_backlog{state=\"pending\"} 4"));
        assert!(text.contains("maksa_notification_delivery_seconds_bucket{le=\"0.025\"} 0"));
        assert!(text.contains("maksa_notification_delivery_seconds_bucket{le=\"0.05\"} 1"));
        assert!(text.contains("maksa_notification_delivery_seconds_sum 0.030000"));
    }
}
