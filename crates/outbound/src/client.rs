//! The guarded HTTP client.

use std::error::Error as _;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::{Host, Url};

use crate::error::{OutboundError, Refusal};
use crate::policy::OutboundPolicy;

/// The methods an outgoing call may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    fn as_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        }
    }

    /// The method's name as on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// What the peer answered. Any status is an answer, 3xx included: redirects are never followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundResponse {
    pub status: u16,
    /// At most `max_body_bytes` of the body; the rest was never read.
    pub body: Vec<u8>,
    /// Whether the body was longer than `max_body_bytes` (or may have been: it filled the
    /// limit exactly and the peer did not say how long it was).
    pub truncated: bool,
    /// From the start of the call (including name resolution) to the last byte kept.
    pub elapsed: Duration,
}

impl OutboundResponse {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The one way maksa calls addresses that clients supply. Every call checks the URL against
/// the policy, resolves the host once, checks every address it resolved to, and connects only
/// to those checked addresses, with a fresh connection (no pool is shared between calls).
#[derive(Debug)]
pub struct OutboundClient {
    policy: OutboundPolicy,
    /// TLS with the platform's roots, built on the first `https` call.
    verified_tls: OnceLock<Result<rustls::ClientConfig, String>>,
    /// A TLS configuration that trusts nothing; given to `http` calls, which never use it
    /// (reqwest wants one, and finding the system's roots must not be needed for plain HTTP).
    plain_tls: OnceLock<Result<rustls::ClientConfig, String>>,
}

/// A call that passed the URL checks.
struct Target {
    url: Url,
    https: bool,
    host: Host<String>,
    port: u16,
}

impl OutboundClient {
    pub fn new(policy: OutboundPolicy) -> OutboundClient {
        OutboundClient {
            policy,
            verified_tls: OnceLock::new(),
            plain_tls: OnceLock::new(),
        }
    }

    pub fn policy(&self) -> &OutboundPolicy {
        &self.policy
    }

    /// `GET url` with the given headers.
    pub async fn get(
        &self,
        url: &str,
        headers: &[(String, String)],
    ) -> Result<OutboundResponse, OutboundError> {
        self.send(Method::Get, url, headers, None).await
    }

    /// One call. See the crate documentation for the rules it enforces.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
    ) -> Result<OutboundResponse, OutboundError> {
        let started = Instant::now();
        let target = match self.check_url(url) {
            Ok(target) => target,
            Err(reason) => {
                tracing::debug!(method = method.as_str(), %reason, "outbound call refused");
                return Err(reason.into());
            }
        };
        let shown = loggable(&target.url);
        tracing::debug!(method = method.as_str(), target = %shown, "outbound call");
        let result = tokio::time::timeout(
            self.policy.timeout,
            self.call(method, &target, headers, body, started),
        )
        .await
        .unwrap_or(Err(OutboundError::Timeout));
        match &result {
            Ok(response) => tracing::debug!(
                method = method.as_str(),
                target = %shown,
                status = response.status,
                bytes = response.body.len(),
                truncated = response.truncated,
                elapsed = ?response.elapsed,
                "outbound call answered"
            ),
            Err(error) => tracing::debug!(
                method = method.as_str(),
                target = %shown,
                %error,
                elapsed = ?started.elapsed(),
                "outbound call failed"
            ),
        }
        result
    }

    /// The checks that need no network: scheme, host, user info, port.
    fn check_url(&self, text: &str) -> Result<Target, Refusal> {
        let url = Url::parse(text).map_err(|e| Refusal::InvalidUrl(e.to_string()))?;
        let https = match url.scheme() {
            "http" => false,
            "https" => true,
            other => return Err(Refusal::Scheme(other.to_owned())),
        };
        let host = url.host().ok_or(Refusal::NoHost)?.to_owned();
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Refusal::UserInfo);
        }
        let port = url
            .port_or_known_default()
            .unwrap_or(if https { 443 } else { 80 });
        if !self.policy.allowed_ports.contains(&port) {
            return Err(Refusal::Port(port));
        }
        Ok(Target {
            url,
            https,
            host,
            port,
        })
    }

    async fn call(
        &self,
        method: Method,
        target: &Target,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
        started: Instant,
    ) -> Result<OutboundResponse, OutboundError> {
        let headers = header_map(headers)?;
        let addrs = self.resolve_and_check(target).await?;

        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.policy.timeout)
            .pool_max_idle_per_host(0)
            .user_agent(concat!("maksa/", env!("CARGO_PKG_VERSION")))
            .tls_backend_preconfigured(self.tls_config(target.https)?);
        if let Host::Domain(name) = &target.host {
            builder = builder.dns_resolver(Arc::new(Pinned {
                host: name.clone(),
                addrs,
            }));
        }
        let client = builder
            .build()
            .map_err(|e| OutboundError::Protocol(error_chain(e)))?;

        let mut request = client
            .request(method.as_reqwest(), target.url.clone())
            .headers(headers);
        if let Some(body) = body {
            request = request.body(body);
        }
        let mut response = request.send().await.map_err(map_reqwest)?;
        let status = response.status().as_u16();
        let limit = self.policy.max_body_bytes;
        let declared = response.content_length();
        let mut kept = Vec::with_capacity(limit.min(declared_len(declared)));
        let mut truncated = false;
        while kept.len() < limit {
            let Some(chunk) = response.chunk().await.map_err(map_reqwest)? else {
                break;
            };
            let room = limit - kept.len();
            if chunk.len() > room {
                kept.extend_from_slice(&chunk[..room]);
                truncated = true;
            } else {
                kept.extend_from_slice(&chunk);
            }
        }
        if kept.len() >= limit && !truncated {
            // Filled exactly: more may follow, which is not read. Only a declared length
            // equal to the limit says the body is complete.
            truncated = declared != u64::try_from(limit).ok();
        }
        drop(response);
        Ok(OutboundResponse {
            status,
            body: kept,
            truncated,
            elapsed: started.elapsed(),
        })
    }

    /// Resolves the host once (an IP literal is its own resolution) and checks every address.
    async fn resolve_and_check(&self, target: &Target) -> Result<Vec<SocketAddr>, OutboundError> {
        let (name, ips): (String, Vec<IpAddr>) = match &target.host {
            Host::Ipv4(ip) => (ip.to_string(), vec![IpAddr::V4(*ip)]),
            Host::Ipv6(ip) => (ip.to_string(), vec![IpAddr::V6(*ip)]),
            Host::Domain(name) => {
                let found = tokio::net::lookup_host((name.as_str(), target.port))
                    .await
                    .map_err(|e| OutboundError::Resolve(format!("{name}: {e}")))?;
                let mut ips: Vec<IpAddr> = Vec::new();
                for addr in found {
                    if !ips.contains(&addr.ip()) {
                        ips.push(addr.ip());
                    }
                }
                if ips.is_empty() {
                    return Err(OutboundError::Resolve(format!("{name}: no addresses")));
                }
                (name.clone(), ips)
            }
        };
        for ip in &ips {
            if let Err(blocked) = self.policy.check_address(*ip) {
                let reason = Refusal::Address {
                    host: name,
                    addr: *ip,
                    blocked: Box::new(blocked),
                };
                tracing::debug!(%reason, "outbound call refused");
                return Err(reason.into());
            }
        }
        Ok(ips
            .into_iter()
            .map(|ip| SocketAddr::new(ip, target.port))
            .collect())
    }

    fn tls_config(&self, https: bool) -> Result<rustls::ClientConfig, OutboundError> {
        let slot = if https {
            self.verified_tls.get_or_init(|| {
                rustls_platform_verifier::BuilderVerifierExt::with_platform_verifier(tls_builder()?)
                    .map(|b| b.with_no_client_auth())
                    .map_err(|e| e.to_string())
            })
        } else {
            self.plain_tls.get_or_init(|| {
                Ok(tls_builder()?
                    .with_root_certificates(rustls::RootCertStore::empty())
                    .with_no_client_auth())
            })
        };
        slot.clone()
            .map_err(|e| OutboundError::Connect(format!("TLS setup: {e}")))
    }
}

fn tls_builder()
-> Result<rustls::ConfigBuilder<rustls::ClientConfig, rustls::WantsVerifier>, String> {
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())
}

fn declared_len(declared: Option<u64>) -> usize {
    declared
        .and_then(|len| usize::try_from(len).ok())
        .unwrap_or(0)
}

fn header_map(headers: &[(String, String)]) -> Result<HeaderMap, OutboundError> {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        let header_name =
            HeaderName::from_bytes(name.as_bytes()).map_err(|_| Refusal::Header(name.clone()))?;
        let header_value =
            HeaderValue::from_str(value).map_err(|_| Refusal::Header(name.clone()))?;
        map.append(header_name, header_value);
    }
    Ok(map)
}

/// The resolver of one call: the checked addresses for the checked name, nothing else. It
/// replaces reqwest's own resolver so that no second lookup can happen.
struct Pinned {
    host: String,
    addrs: Vec<SocketAddr>,
}

impl reqwest::dns::Resolve for Pinned {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let result: Result<reqwest::dns::Addrs, Box<dyn std::error::Error + Send + Sync>> =
            if name.as_str().eq_ignore_ascii_case(&self.host) {
                Ok(Box::new(self.addrs.clone().into_iter()))
            } else {
                Err(format!("{} is not the checked host", name.as_str()).into())
            };
        Box::pin(std::future::ready(result))
    }
}

fn map_reqwest(error: reqwest::Error) -> OutboundError {
    let error = error.without_url();
    if error.is_timeout() {
        OutboundError::Timeout
    } else if error.is_connect() {
        OutboundError::Connect(error_chain(error))
    } else {
        OutboundError::Protocol(error_chain(error))
    }
}

/// The error and its sources, joined with `: ` (reqwest's own message alone says little).
fn error_chain(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let part = cause.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = cause.source();
    }
    text
}

/// What may be logged of a URL: `scheme://host:port/path`, never the query (it may carry ids
/// or personal data) nor user info or fragment.
pub fn loggable(url: &Url) -> String {
    let host = url.host().map(|h| h.to_string()).unwrap_or_default();
    match url.port_or_known_default() {
        Some(port) => format!("{}://{}:{}{}", url.scheme(), host, port, url.path()),
        None => format!("{}://{}{}", url.scheme(), host, url.path()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn loggable_drops_query_userinfo_and_fragment() {
        let cases: &[(&str, &str)] = &[
            (
                "https://shop.example/notify?id=123&code=010101-12345",
                "https://shop.example:443/notify",
            ),
            (
                "http://u:p@10.0.0.1:8080/a/b?x#frag",
                "http://10.0.0.1:8080/a/b",
            ),
            ("http://[::1]/", "http://[::1]:80/"),
            ("http://Example.COM", "http://example.com:80/"),
        ];
        for (url, shown) in cases {
            assert_eq!(loggable(&Url::parse(url).unwrap()), *shown, "{url}");
        }
    }

    fn refusal(policy: OutboundPolicy, url: &str) -> Option<Refusal> {
        OutboundClient::new(policy).check_url(url).err()
    }

    #[test]
    fn url_checks() {
        let p = OutboundPolicy::default;
        let cases: &[(&str, Option<Refusal>)] = &[
            ("https://shop.example/notify?x=1", None),
            ("http://shop.example:8080/", None),
            ("HTTP://shop.example:8443/", None),
            ("ftp://x/", Some(Refusal::Scheme("ftp".into()))),
            ("file:///etc/passwd", Some(Refusal::Scheme("file".into()))),
            ("gopher://x:70/", Some(Refusal::Scheme("gopher".into()))),
            ("http://shop.example:22/", Some(Refusal::Port(22))),
            ("https://shop.example:80/", None),
            ("http://user@shop.example/", Some(Refusal::UserInfo)),
            ("http://:pw@shop.example/", Some(Refusal::UserInfo)),
            ("http://u:pw@shop.example/", Some(Refusal::UserInfo)),
        ];
        for (url, expected) in cases {
            assert_eq!(refusal(p(), url), *expected, "{url}");
        }
        assert!(matches!(
            refusal(p(), "not a url"),
            Some(Refusal::InvalidUrl(_))
        ));
        assert!(matches!(
            refusal(p(), "http://exa mple.com/"),
            Some(Refusal::InvalidUrl(_))
        ));
    }

    #[test]
    fn headers_are_validated() {
        let ok = [("X-A".to_owned(), "1".to_owned())];
        assert!(header_map(&ok).is_ok());
        for (name, value) in [("Bad Name", "x"), ("X-A", "a\r\nInjected: 1"), ("", "x")] {
            let error = header_map(&[(name.to_owned(), value.to_owned())]).unwrap_err();
            assert!(error.is_refused(), "{name:?}");
        }
    }

    #[test]
    fn messages_never_carry_the_query() {
        let error: OutboundError = Refusal::InvalidUrl(
            Url::parse("http://[::1")
                .err()
                .map(|e| e.to_string())
                .unwrap(),
        )
        .into();
        assert!(
            error
                .to_string()
                .starts_with("outbound call refused: not a valid URL")
        );
        assert!(!error.retryable());
        let blocked = crate::blocked_range("169.254.169.254".parse().unwrap()).unwrap();
        let literal = Refusal::Address {
            host: "169.254.169.254".into(),
            addr: "169.254.169.254".parse().unwrap(),
            blocked: Box::new(blocked),
        };
        assert_eq!(
            literal.to_string(),
            "address 169.254.169.254 is in 169.254.0.0/16 (link-local, incl. the cloud metadata address)"
        );
        let named = Refusal::Address {
            host: "metadata.internal".into(),
            addr: "169.254.169.254".parse().unwrap(),
            blocked: Box::new(blocked),
        };
        assert!(
            named
                .to_string()
                .starts_with("metadata.internal resolves to 169.254.169.254, in")
        );
        assert!(OutboundError::Timeout.retryable());
        assert!(!OutboundError::Timeout.is_refused());
    }
}
