//! Server-to-server notifications: the outbox rows a final status writes, and
//! the worker that delivers them.
//!
//! Delivery is the original's: `GET ServerResponseUrl + PaymentRequestId`, no
//! body. Beyond the original every call carries `MM-Event-Id` (the outbox row's
//! id, so a client can drop duplicates: delivery is at least once) and
//! `MM-Signature: t=<unix time>,v1=<hex HMAC-SHA256>[,v1=…]` over
//! `"<t>.GET.<url>"` with each active secret of the client (several during a
//! rotation). A non-2xx answer, a timeout or a refused connection is retried on
//! the schedule, then the row is parked as dead until an operator re-sends it.

use crate::clock::Clock;
use crate::metrics::Metrics;
use crate::store::prelude::*;
use crate::store::{
    DeliveryAttempt, DeliveryResult, NewNotification, Notification, NotificationKind, StoreError,
};
use crate::workflows::Workflows;
use async_trait::async_trait;
use maksa_domain::request::PaymentRequest;
use maksa_domain::status::Status;
use std::sync::Arc;
use std::time::Duration as StdDuration;
use time::{Duration, OffsetDateTime};

/// The notifications announcing `status`: the original's `GET` when the request
/// asked for them (`ServerResponseUrl`), and the IVIS answer to the
/// submission's `ResponseEndPoint` when it came through the IVIS door.
pub fn notifications_for(
    request: &PaymentRequest,
    status: Status,
    now: OffsetDateTime,
) -> Vec<NewNotification> {
    notifications_drawn(request, status, now, &mut |random| {
        maksa_domain::request::Entropy::fill(&mut crate::clock::OsEntropy, random);
    })
}

/// [`notifications_for`] with the random part of each id drawn by `draw`
/// (the demo's history draws from its fixed seed).
pub fn notifications_drawn(
    request: &PaymentRequest,
    status: Status,
    now: OffsetDateTime,
    draw: &mut dyn FnMut(&mut [u8]),
) -> Vec<NewNotification> {
    let mut new = |kind: NotificationKind, url: String| {
        // Time-ordered, so the outbox's key index grows at its end.
        let mut random = [0_u8; 10];
        draw(&mut random);
        NewNotification {
            id: maksa_domain::ids::time_ordered_uuid(now, random),
            kind,
            request_id: request.id,
            client: request.owner.clone(),
            url,
            status,
            created_at: now,
        }
    };
    let mut notifications = Vec::new();
    if let Some(base) = &request.terms.server_response_url {
        notifications.push(new(NotificationKind::Get, format!("{base}{}", request.id)));
    }
    if let Some(route) = &request.terms.ivis {
        notifications.push(new(NotificationKind::Ivis, route.response_endpoint.clone()));
    }
    notifications
}

/// Delays between delivery attempts. The default — 1 min, 5 min ×2, 10 min ×5,
/// 1 h ×5, 6 h ×3 — spans about a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule {
    delays: Vec<Duration>,
}

impl Default for RetrySchedule {
    fn default() -> Self {
        // The text is a constant known to parse; an empty schedule would only
        // mean "dead after the first failure".
        RetrySchedule::parse("1m,5m*2,10m*5,1h*5,6h*3")
            .unwrap_or(RetrySchedule { delays: Vec::new() })
    }
}

impl RetrySchedule {
    /// `"30s,1m*3,2h"`: a comma-separated list of delays (`s`, `m`, `h`, `d`),
    /// each optionally repeated with `*n`.
    pub fn parse(text: &str) -> Result<RetrySchedule, String> {
        let mut delays = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (delay, times) = match part.split_once('*') {
                Some((d, n)) => (
                    d.trim(),
                    n.trim()
                        .parse::<usize>()
                        .map_err(|_| format!("`{part}`: the repeat count is not a number"))?,
                ),
                None => (part, 1),
            };
            let unit = delay
                .chars()
                .last()
                .ok_or_else(|| format!("`{part}` is empty"))?;
            let number: i64 = delay
                .strip_suffix(unit)
                .and_then(|digits| digits.parse().ok())
                // Beyond a few hundred years `Duration` would overflow.
                .filter(|n| (1..=100_000).contains(n))
                .ok_or_else(|| format!("`{part}`: expected e.g. 30s, 5m, 1h, 1d"))?;
            let one = match unit {
                's' => Duration::seconds(number),
                'm' => Duration::minutes(number),
                'h' => Duration::hours(number),
                'd' => Duration::days(number),
                _ => return Err(format!("`{part}`: the unit must be s, m, h or d")),
            };
            if one <= Duration::ZERO || times == 0 || times > 1000 {
                return Err(format!("`{part}`: delays and counts must be positive"));
            }
            delays.extend(std::iter::repeat_n(one, times));
        }
        Ok(RetrySchedule { delays })
    }

    /// After the `failures`-th failed attempt: how long until the next one, or
    /// `None` when the schedule is spent (the notification is dead).
    pub fn after_failure(&self, failures: u32) -> Option<Duration> {
        let index = usize::try_from(failures).ok()?.checked_sub(1)?;
        self.delays.get(index).copied()
    }

    /// The longest delay of the schedule: no retry is ever scheduled further
    /// ahead than this.
    pub fn longest(&self) -> Duration {
        self.delays.iter().copied().max().unwrap_or(Duration::ZERO)
    }

    pub fn total(&self) -> Duration {
        self.delays
            .iter()
            .fold(Duration::ZERO, |sum, d| sum.saturating_add(*d))
    }
}

/// `t=<unix>,v1=<hex>` for each secret (newest first), over
/// `"<t>.<method>.<url>"`.
pub fn signature_header(secrets: &[String], at: OffsetDateTime, method: &str, url: &str) -> String {
    signed_header(
        secrets,
        at,
        format!("{}.{method}.{url}", at.unix_timestamp()),
    )
}

/// The same for a call with a body (the IVIS answer): over
/// `"<t>.POST.<url>.<body>"`, so the message cannot be altered either.
pub fn body_signature_header(
    secrets: &[String],
    at: OffsetDateTime,
    url: &str,
    body: &str,
) -> String {
    signed_header(
        secrets,
        at,
        format!("{}.POST.{url}.{body}", at.unix_timestamp()),
    )
}

fn signed_header(secrets: &[String], at: OffsetDateTime, message: String) -> String {
    let timestamp = at.unix_timestamp();
    let mut header = format!("t={timestamp}");
    for secret in secrets {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
        let tag = ring::hmac::sign(&key, message.as_bytes());
        header.push_str(",v1=");
        header.push_str(&hex(tag.as_ref()));
    }
    header
}

/// Lower-case hexadecimal, as signatures and secrets are written.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(
        String::with_capacity(bytes.len().saturating_mul(2)),
        |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        },
    )
}

/// What a delivery attempt got back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportAnswer {
    pub status: u16,
    pub elapsed: StdDuration,
}

/// The outgoing HTTP the notifier uses (the SSRF-guarded client in production).
#[async_trait]
pub trait Transport: Send + Sync + 'static {
    async fn get(&self, url: &str, headers: &[(String, String)])
    -> Result<TransportAnswer, String>;
    async fn post(
        &self,
        url: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
    ) -> Result<TransportAnswer, String>;
}

/// Writes the IVIS message that answers a submission's `ResponseEndPoint`
/// (the IVIS door's writer, docs/ivis.md): the SOAP 1.2 envelope and its
/// `Content-Type`. `None` when the request did not come through IVIS.
pub trait IvisAnswers: Send + Sync + 'static {
    fn response_endpoint_message(
        &self,
        request: &PaymentRequest,
        status: Status,
        message_id: uuid::Uuid,
        at: OffsetDateTime,
    ) -> Option<(String, String)>;
}

pub struct Notifier {
    delivery: Delivery,
    lease: Duration,
}

/// What every delivery needs, shared by the deliveries of one batch.
#[derive(Clone)]
struct Delivery {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    transport: Arc<dyn Transport>,
    ivis: Option<Arc<dyn IvisAnswers>>,
    schedule: RetrySchedule,
    metrics: Arc<Metrics>,
    /// This node's name in leases.
    worker: String,
}

impl Notifier {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        transport: Arc<dyn Transport>,
        schedule: RetrySchedule,
        metrics: Arc<Metrics>,
        worker: String,
    ) -> Self {
        Notifier {
            delivery: Delivery {
                store,
                clock,
                transport,
                ivis: None,
                schedule,
                metrics,
                worker,
            },
            lease: Duration::seconds(60),
        }
    }

    /// Lets the notifier deliver IVIS answers (the IVIS door's writer).
    pub fn with_ivis(mut self, ivis: Arc<dyn IvisAnswers>) -> Self {
        self.delivery.ivis = Some(ivis);
        self
    }

    /// Delivers what is due now (one batch); answers how many were attempted.
    pub async fn run_once(&self, batch: u32) -> Result<usize, StoreError> {
        let shared = Arc::new(self.delivery.clone());
        let now = shared.clock.now();
        // A retry is never scheduled further ahead than the schedule's longest
        // step: one that is was scheduled before the clock was set back, and
        // is due now rather than when the wall clock catches up.
        let horizon = now
            .saturating_add(shared.schedule.longest())
            .saturating_add(self.lease);
        let moved = shared
            .store
            .reschedule_notifications_beyond(horizon, now)
            .await?;
        if moved > 0 {
            tracing::warn!(
                moved,
                "notifications were due further ahead than any retry step (the clock was set back): due now"
            );
        }
        let due = shared
            .store
            .claim_notifications(now, &shared.worker, now.saturating_add(self.lease), batch)
            .await?;
        let count = due.len();
        let mut deliveries = tokio::task::JoinSet::new();
        for notification in due {
            let delivery = Arc::clone(&shared);
            deliveries.spawn(async move { delivery.deliver(notification).await });
        }
        while let Some(done) = deliveries.join_next().await {
            match done {
                Ok(Err(error)) => return Err(error),
                Err(panicked) => return Err(StoreError::Unavailable(panicked.to_string())),
                Ok(Ok(())) => {}
            }
        }
        Ok(count)
    }
}

impl Delivery {
    async fn deliver(&self, notification: Notification) -> Result<(), StoreError> {
        let Delivery {
            store,
            clock,
            transport,
            ivis,
            schedule,
            metrics,
            worker,
        } = self;
        let (store, clock, transport, ivis) = (&**store, &**clock, &**transport, ivis.as_deref());
        let secrets = store.notification_secrets(&notification.client).await?;
        let at = clock.now();
        let mut headers = vec![("MM-Event-Id".to_owned(), notification.id.to_string())];
        let answer = match notification.kind {
            NotificationKind::Get => {
                if !secrets.is_empty() {
                    headers.push((
                        "MM-Signature".to_owned(),
                        signature_header(&secrets, at, "GET", &notification.url),
                    ));
                }
                transport.get(&notification.url, &headers).await
            }
            NotificationKind::Ivis => {
                let request = store.payment_request_by_id(notification.request_id).await?;
                let message = request.as_ref().and_then(|request| {
                    ivis?.response_endpoint_message(
                        request,
                        notification.status,
                        notification.id,
                        at,
                    )
                });
                match message {
                    // Retried like an unreachable peer: a node without the IVIS
                    // writer (or a request without its route) is a configuration
                    // fault an operator can mend, and the row must not be lost.
                    None => Err("this node cannot write the IVIS answer".to_owned()),
                    Some((content_type, body)) => {
                        headers.push(("Content-Type".to_owned(), content_type));
                        if !secrets.is_empty() {
                            headers.push((
                                "MM-Signature".to_owned(),
                                body_signature_header(&secrets, at, &notification.url, &body),
                            ));
                        }
                        transport
                            .post(&notification.url, &headers, body.into_bytes())
                            .await
                    }
                }
            }
        };
        let (http_status, latency, error) = match &answer {
            Ok(a) if (200..300).contains(&a.status) => (Some(a.status), a.elapsed, None),
            Ok(a) => (
                Some(a.status),
                a.elapsed,
                Some(format!("answered {}", a.status)),
            ),
            Err(e) => (None, StdDuration::ZERO, Some(e.clone())),
        };
        let latency_ms = u32::try_from(latency.as_millis()).unwrap_or(u32::MAX);
        let failures = notification.attempts.saturating_add(1);
        let result = if error.is_none() {
            metrics.notification_delivered(latency);
            DeliveryResult::Delivered
        } else {
            match schedule.after_failure(failures) {
                Some(delay) => {
                    metrics.notification_retried();
                    DeliveryResult::RetryAt(clock.now().saturating_add(delay))
                }
                None => {
                    metrics.notification_dead();
                    DeliveryResult::Dead
                }
            }
        };
        if let Some(reason) = &error {
            // The URL's query may carry ids: log the request id, not the URL.
            tracing::info!(notification = %notification.id, request = %notification.request_id, reason, "notification not delivered");
        }
        let attempt = DeliveryAttempt {
            at,
            http_status,
            latency_ms,
            error,
        };
        store
            .finish_delivery(notification.id, worker, &attempt, result)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_default_schedule_spans_about_a_day() {
        let schedule = RetrySchedule::default();
        assert_eq!(schedule.after_failure(1), Some(Duration::minutes(1)));
        assert_eq!(schedule.after_failure(2), Some(Duration::minutes(5)));
        assert_eq!(schedule.after_failure(3), Some(Duration::minutes(5)));
        assert_eq!(schedule.after_failure(4), Some(Duration::minutes(10)));
        assert_eq!(schedule.after_failure(9), Some(Duration::hours(1)));
        assert_eq!(schedule.after_failure(14), Some(Duration::hours(6)));
        assert_eq!(schedule.after_failure(16), Some(Duration::hours(6)));
        assert_eq!(schedule.after_failure(17), None);
        assert_eq!(schedule.after_failure(0), None);
        assert_eq!(
            schedule.total(),
            Duration::minutes(1 + 10 + 50) + Duration::hours(5 + 18)
        );
    }

    #[test]
    fn schedules_parse_and_refuse_nonsense() {
        let s = RetrySchedule::parse("30s, 2m*2 ,1d").unwrap();
        assert_eq!(s.after_failure(1), Some(Duration::seconds(30)));
        assert_eq!(s.after_failure(3), Some(Duration::minutes(2)));
        assert_eq!(s.after_failure(4), Some(Duration::days(1)));
        assert_eq!(s.after_failure(5), None);
        for bad in ["5x", "m", "0s", "1m*0", "1m*z", "-1m"] {
            assert!(RetrySchedule::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_time_method_and_url() {
        let at = datetime!(2026-11-23 10:00 UTC);
        let header = signature_header(
            &["key".to_owned(), "old".to_owned()],
            at,
            "GET",
            "https://e.lv/s2s?id=1",
        );
        let t = at.unix_timestamp();
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"key");
        let expected = hex(ring::hmac::sign(
            &key,
            format!("{t}.GET.https://e.lv/s2s?id=1").as_bytes(),
        )
        .as_ref());
        assert!(
            header.starts_with(&format!("t={t},v1={expected},v1=")),
            "{header}"
        );
        assert_eq!(header.matches("v1=").count(), 2);
        // A known vector (RFC 4231 style check of our hex): HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog").
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"key");
        assert_eq!(
            hex(ring::hmac::sign(&key, b"The quick brown fox jumps over the lazy dog").as_ref()),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }
}
