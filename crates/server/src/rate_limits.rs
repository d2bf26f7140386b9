//! Rate limits (docs/rate-limits.md): a GCRA bucket per client and API
//! method (REST, SOAP), and per address on the payer's pages, the
//! providers' return endpoints and the console's sign-in. Over the limit the
//! door answers `429` with `Retry-After` and `MM-Error: RATE_LIMITED`.
//!
//! Nothing from outside grows memory without bound: the buckets are at most
//! `max_keys` (a full map first forgets the buckets that are full again,
//! then the one nearest to full), and the console's list of refusals keeps
//! the latest `REFUSALS_KEPT`.

use crate::labels::limits as label;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use maksa_app::error::ErrorCode;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// How many refusals (per subject and method) the console lists.
pub const REFUSALS_KEPT: usize = 200;

/// A rate: `burst` calls at once, then one every `per / count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: u32,
    pub per: Duration,
    pub burst: u32,
}

impl Rate {
    pub const fn per_second(count: u32, burst: u32) -> Rate {
        Rate {
            count,
            per: Duration::from_secs(1),
            burst,
        }
    }

    /// The time one call "costs" (GCRA's emission interval).
    fn interval(self) -> Duration {
        self.per
            .checked_div(self.count.max(1))
            .unwrap_or(Duration::from_secs(1))
            .max(Duration::from_nanos(1))
    }

    /// Calls per second as text for the console (`20/s`, `1/3600 s`).
    pub fn describe(self) -> String {
        if self.per == Duration::from_secs(1) {
            format!("{}/s", self.count)
        } else {
            format!("{}/{} s", self.count, self.per.as_secs())
        }
    }
}

/// `[rate_limits]` (docs/configuration.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitSettings {
    /// Per client and method: the calls that change something
    /// (`savepaymentrequest`, `createinvoice`, `cancelpaymentrequest`).
    pub create: Rate,
    /// Per client and method: every other API call (status, lists, documents).
    pub query: Rate,
    /// Per address: the payer's pages and the providers' return endpoints.
    pub pages: Rate,
    /// Per address: the console's sign-in.
    pub sign_in: Rate,
    /// The most buckets kept at once.
    pub max_keys: usize,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        RateLimitSettings {
            create: Rate::per_second(20, 40),
            query: Rate::per_second(50, 100),
            // Generous: a payer coming back from the bank loads a page, its
            // stylesheet and script, maybe twice.
            pages: Rate::per_second(10, 60),
            sign_in: Rate {
                count: 10,
                per: Duration::from_secs(60),
                burst: 10,
            },
            max_keys: 100_000,
        }
    }
}

/// Which limit a call falls under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    Create,
    Query,
    Pages,
    SignIn,
}

/// Who is counted: a client (API) or an address (pages, sign-in).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    Client(String),
    Address(IpAddr),
}

impl Subject {
    pub fn describe(&self) -> String {
        match self {
            Subject::Client(client) => client.clone(),
            Subject::Address(address) => address.to_string(),
        }
    }
}

/// One row of the console's list of refusals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub door: &'static str,
    pub subject: Subject,
    pub method: &'static str,
    pub count: u64,
    pub last: OffsetDateTime,
}

type BucketKey = (Subject, &'static str, &'static str);

/// The limiter of one node.
pub struct RateLimiter {
    settings: RateLimitSettings,
    /// (subject, door, method) → the theoretical arrival time.
    buckets: Mutex<HashMap<BucketKey, Instant>>,
    refusals: Mutex<Vec<Refusal>>,
}

impl RateLimiter {
    pub fn new(settings: RateLimitSettings) -> RateLimiter {
        RateLimiter {
            settings,
            buckets: Mutex::default(),
            refusals: Mutex::default(),
        }
    }

    pub fn settings(&self) -> &RateLimitSettings {
        &self.settings
    }

    fn rate(&self, class: Class) -> Rate {
        match class {
            Class::Create => self.settings.create,
            Class::Query => self.settings.query,
            Class::Pages => self.settings.pages,
            Class::SignIn => self.settings.sign_in,
        }
    }

    /// Counts one call at `now`: `Ok` when it may go ahead, otherwise how
    /// long until it would be allowed.
    pub fn check(
        &self,
        class: Class,
        subject: Subject,
        door: &'static str,
        method: &'static str,
        now: Instant,
    ) -> Result<(), Duration> {
        let rate = self.rate(class);
        let interval = rate.interval();
        // The most a bucket may run ahead of now: `burst` intervals.
        let tolerance = interval.saturating_mul(rate.burst.max(1));
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        let key = (subject, door, method);
        if !buckets.contains_key(&key) && buckets.len() >= self.settings.max_keys {
            // A bucket whose time has passed is full again: as good as absent.
            buckets.retain(|_, tat| *tat > now);
            if buckets.len() >= self.settings.max_keys
                && let Some(nearest) = buckets
                    .iter()
                    .min_by_key(|(_, tat)| **tat)
                    .map(|(k, _)| k.clone())
            {
                buckets.remove(&nearest);
            }
        }
        let tat = buckets.get(&key).copied().unwrap_or(now).max(now);
        let next = tat.checked_add(interval).unwrap_or(tat);
        let ahead = next.saturating_duration_since(now);
        if ahead > tolerance {
            return Err(ahead.saturating_sub(tolerance));
        }
        buckets.insert(key, next);
        Ok(())
    }

    /// Notes a refusal for the console.
    pub fn record(
        &self,
        subject: Subject,
        door: &'static str,
        method: &'static str,
        at: OffsetDateTime,
    ) {
        let Ok(mut list) = self.refusals.lock() else {
            return;
        };
        if let Some(row) = list
            .iter_mut()
            .find(|r| r.subject == subject && r.door == door && r.method == method)
        {
            row.count = row.count.saturating_add(1);
            row.last = at;
            return;
        }
        if list.len() >= REFUSALS_KEPT
            && let Some(oldest) = list
                .iter()
                .enumerate()
                .min_by_key(|(_, r)| r.last)
                .map(|(i, _)| i)
        {
            list.swap_remove(oldest);
        }
        list.push(Refusal {
            door,
            subject,
            method,
            count: 1,
            last: at,
        });
    }

    /// The refusals kept, latest first.
    pub fn refusals(&self) -> Vec<Refusal> {
        let mut list = self.refusals.lock().map(|l| l.clone()).unwrap_or_default();
        list.sort_by_key(|r| std::cmp::Reverse(r.last));
        list
    }
}

/// `Retry-After` in whole seconds, at least 1.
pub fn retry_after_seconds(wait: Duration) -> u64 {
    let whole = wait.as_secs();
    if wait.subsec_nanos() > 0 {
        whole.saturating_add(1).max(1)
    } else {
        whole.max(1)
    }
}

/// Marks an answer as a refusal over a rate limit: `429`, `Retry-After`,
/// `MM-Error: RATE_LIMITED` (the SOAP door's fault).
pub(crate) fn mark_refusal(response: &mut Response, wait: Duration) {
    *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    let seconds = retry_after_seconds(wait);
    limit_headers(
        response,
        wait,
        &format!("too many calls: retry after {seconds} s"),
    );
}

fn limit_headers(response: &mut Response, wait: Duration, message: &str) {
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&retry_after_seconds(wait).to_string()) {
        headers.insert(header::RETRY_AFTER, value);
    }
    headers.insert(
        HeaderName::from_static("mm-error"),
        HeaderValue::from_static(ErrorCode::RateLimited.as_str()),
    );
    if let Ok(value) = HeaderValue::from_str(&message.replace(' ', "%20")) {
        headers.insert(HeaderName::from_static("mm-errormessage"), value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// The API's answer over the limit (docs/errors.md's JSON shape).
pub fn api_refusal(wait: Duration) -> Response {
    let seconds = retry_after_seconds(wait);
    let message = format!("too many calls: retry after {seconds} s");
    let body = serde_json::json!({
        "error": ErrorCode::RateLimited.as_str(),
        "message": message,
        "details": [],
    });
    let mut response = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
    limit_headers(&mut response, wait, &message);
    response
}

/// The payer's and the sign-in page's answer over the limit: a small page in
/// Latvian and English.
pub fn page_refusal(wait: Duration) -> Response {
    let seconds = retry_after_seconds(wait);
    let page = maud::html! {
        (maud::DOCTYPE)
        html lang="lv" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (label::PAGE_TITLE.lv) " / " (label::PAGE_TITLE.en) }
            }
            body {
                main data-state="rate-limited" {
                    h1 { (label::PAGE_TITLE.lv) }
                    p { (label::PAGE_TEXT.lv) " " (seconds) " s." }
                    div lang="en" {
                        h2 { (label::PAGE_TITLE.en) }
                        p { (label::PAGE_TEXT.en) " " (seconds) " s." }
                    }
                }
            }
        }
    };
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        axum::response::Html(page.into_string()),
    )
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'"),
    );
    limit_headers(
        &mut response,
        wait,
        &format!("too many requests: retry after {seconds} s"),
    );
    response
}

/// Which per-address limit a path falls under, if any: the payer's pages
/// (ours and the original's paths), the workspace, the providers' return
/// endpoints, and the console's sign-in.
pub(crate) fn address_class(path: &str) -> Option<(Class, &'static str)> {
    let path = path.to_ascii_lowercase();
    if path == "/admin/sign-in" {
        return Some((Class::SignIn, "admin_sign_in"));
    }
    if path.starts_with("/providers/") && path.ends_with("/return") {
        return Some((Class::Pages, "provider_return"));
    }
    if path == "/payer" || path.starts_with("/payer/") {
        return Some((Class::Pages, "workspace"));
    }
    if crate::pages::is_page_path(&path) {
        return Some((Class::Pages, "payer_page"));
    }
    None
}

/// The per-address limit, before anything of the request is read.
pub(crate) async fn by_address(
    State(state): State<crate::AppState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(limiter) = state.rate_limits.clone() else {
        return next.run(request).await;
    };
    let Some((class, method)) = address_class(request.uri().path()) else {
        return next.run(request).await;
    };
    let Some(ConnectInfo(address)) = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .copied()
    else {
        return next.run(request).await;
    };
    let subject = Subject::Address(address.ip());
    match limiter.check(class, subject.clone(), "pages", method, Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            limiter.record(subject, "pages", method, state.requests.clock_now());
            state.metrics.rate_limited("pages", method);
            page_refusal(wait)
        }
    }
}

/// The per-client limit of an API method (REST or SOAP), once the client is known.
pub(crate) fn by_client(
    state: &crate::AppState,
    client: &maksa_domain::ids::ClientId,
    door: &'static str,
    method: &'static str,
    class: Class,
) -> Result<(), Duration> {
    let Some(limiter) = &state.rate_limits else {
        return Ok(());
    };
    let subject = Subject::Client(client.to_string());
    limiter
        .check(class, subject.clone(), door, method, Instant::now())
        .inspect_err(|_| {
            limiter.record(subject, door, method, state.requests.clock_now());
            state.metrics.rate_limited(door, method);
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn limiter(max_keys: usize) -> RateLimiter {
        RateLimiter::new(RateLimitSettings {
            create: Rate::per_second(2, 3),
            max_keys,
            ..RateLimitSettings::default()
        })
    }

    fn client(name: &str) -> Subject {
        Subject::Client(name.into())
    }

    #[test]
    fn a_burst_then_the_rate() {
        let l = limiter(10);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(l.check(Class::Create, client("a"), "rest", "m", t0).is_ok());
        }
        let wait = l
            .check(Class::Create, client("a"), "rest", "m", t0)
            .unwrap_err();
        assert_eq!(wait, Duration::from_millis(500));
        assert_eq!(retry_after_seconds(wait), 1);
        // Another client, another method: their own buckets.
        assert!(l.check(Class::Create, client("b"), "rest", "m", t0).is_ok());
        assert!(l.check(Class::Create, client("a"), "rest", "n", t0).is_ok());
        // Half a second later one more call fits.
        let t1 = t0 + Duration::from_millis(500);
        assert!(l.check(Class::Create, client("a"), "rest", "m", t1).is_ok());
        assert!(
            l.check(Class::Create, client("a"), "rest", "m", t1)
                .is_err()
        );
    }

    #[test]
    fn the_map_stays_bounded() {
        let l = limiter(5);
        let t0 = Instant::now();
        for i in 0..100 {
            let _ = l.check(Class::Create, client(&i.to_string()), "rest", "m", t0);
        }
        assert!(l.buckets.lock().unwrap().len() <= 5);
    }

    #[test]
    fn refusals_are_counted_and_bounded() {
        let l = limiter(5);
        let at = OffsetDateTime::UNIX_EPOCH;
        l.record(client("a"), "rest", "m", at);
        l.record(client("a"), "rest", "m", at + time::Duration::seconds(1));
        assert_eq!(l.refusals()[0].count, 2);
        for i in 0..(REFUSALS_KEPT * 2) {
            l.record(client(&i.to_string()), "rest", "m", at);
        }
        assert_eq!(l.refusals().len(), REFUSALS_KEPT);
    }

    #[test]
    fn retry_after_is_whole_seconds_at_least_one() {
        assert_eq!(retry_after_seconds(Duration::ZERO), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_seconds(Duration::from_secs(2)), 2);
        assert_eq!(retry_after_seconds(Duration::from_millis(2001)), 3);
    }
}
