//! Serving an axum router over plain TCP or mutual TLS, under the connection
//! limits of [`crate::connections`], telling handlers who the client is.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use rustls::pki_types::UnixTime;
use rustls::server::danger::ClientCertVerifier;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::connections::{
    Activity, ConnectionGate, ConnectionLimits, ConnectionPermit, GuardedBody, Refusal, Watched,
    WatchedBody,
};
use crate::tls::{ring_provider, trusted_ca_verifier};
use crate::{CertError, CertificateInfo};

/// Pause after an accept error that is not about one connection (e.g. out of file descriptors).
const ACCEPT_ERROR_BACKOFF: Duration = Duration::from_millis(200);
/// After the last answer of a connection whose client may still be sending (a
/// body refused before it was read), how long its bytes are read and dropped
/// before the socket closes: closing with unread data would reset the
/// connection, and the client would lose the answer it has not read yet.
const LINGER: Duration = Duration::from_secs(2);
/// The most a lingering connection reads before it closes anyway.
const LINGER_MAX_BYTES: usize = 4 * 1024 * 1024;
/// At most one warning this often about connections refused at the caps.
const REFUSAL_WARNING_INTERVAL: Duration = Duration::from_secs(10);

/// The client certificate of a TLS connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerCertificate {
    pub info: CertificateInfo,
    /// Whether the presented chain verifies, now, up to one of the configured client CAs
    /// (signatures, validity periods, clientAuth usage). `false` for self-signed certificates.
    pub chains_to_trusted_ca: bool,
}

/// Request extension added by [`serve`] to every request of a TLS connection.
///
/// Present: the request came over TLS; `None` inside: the client sent no
/// certificate. Absent: the request came over plain HTTP (another listener).
/// Extract it with `Option<axum::Extension<TlsPeer>>`.
#[derive(Debug, Clone)]
pub struct TlsPeer(pub Option<Arc<PeerCertificate>>);

/// What a listener speaks.
pub enum Security<'a> {
    /// HTTP/1.1 over plain TCP.
    Plain,
    /// HTTP/1.1 over TLS; `client_ca_pems` are the CAs whose client
    /// certificates count as chained ([`PeerCertificate::chains_to_trusted_ca`]).
    Tls {
        config: Arc<rustls::ServerConfig>,
        client_ca_pems: &'a [String],
    },
}

/// Serves `router` over TLS on `listener` until `shutdown` resolves, under the
/// default [`ConnectionLimits`] counted for this listener alone. See [`serve`].
pub fn serve_tls(
    listener: TcpListener,
    config: Arc<rustls::ServerConfig>,
    client_ca_pems: &[String],
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> impl Future<Output = io::Result<()>> + Send + 'static {
    serve(
        listener,
        Security::Tls {
            config,
            client_ca_pems,
        },
        router,
        ConnectionGate::new(ConnectionLimits::default()),
        shutdown,
    )
}

/// Serves `router` on `listener` until `shutdown` resolves: the one accept
/// loop of every listener, plain or TLS.
///
/// Each request gets an `axum::extract::ConnectInfo<SocketAddr>` extension,
/// and over TLS a [`TlsPeer`]. A connection over one of `gate`'s caps is
/// closed as soon as it is accepted; a client that misses a deadline of the
/// gate's [`ConnectionLimits`] (handshake, head, body, idle) loses its
/// connection. Either only ends that connection. On shutdown the listener is
/// closed, idle connections are closed and requests in flight are answered
/// before the returned future completes.
///
/// The returned future is `'static` (CA PEMs are read before it starts), so it
/// can be handed to `tokio::spawn`; it fails only when `client_ca_pems` are
/// unusable.
pub fn serve(
    listener: TcpListener,
    security: Security<'_>,
    router: Router,
    gate: ConnectionGate,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> impl Future<Output = io::Result<()>> + Send + 'static {
    let handshake = match security {
        Security::Plain => Ok(Handshake::Plain),
        Security::Tls {
            config,
            client_ca_pems,
        } => trusted_ca_verifier(client_ca_pems, &ring_provider()).map(|chain_verifier| {
            Handshake::Tls {
                acceptor: TlsAcceptor::from(config),
                chain_verifier,
            }
        }),
    };
    async move {
        let handshake =
            handshake.map_err(|error| io::Error::new(io::ErrorKind::InvalidInput, error))?;
        accept_loop(listener, handshake, router, gate, shutdown).await;
        Ok(())
    }
}

/// What happens between accepting a connection and speaking HTTP on it.
#[derive(Clone)]
enum Handshake {
    Plain,
    Tls {
        acceptor: TlsAcceptor,
        chain_verifier: Option<Arc<dyn ClientCertVerifier>>,
    },
}

async fn accept_loop(
    listener: TcpListener,
    handshake: Handshake,
    router: Router,
    gate: ConnectionGate,
    shutdown: impl Future<Output = ()>,
) {
    let (stop_sender, stop_receiver) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = pin!(shutdown);
    let mut last_warning: Option<tokio::time::Instant> = None;
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, remote)) => match gate.admit(remote.ip()) {
                    Ok(permit) => {
                        connections.spawn(serve_connection(
                            handshake.clone(),
                            tcp,
                            remote,
                            permit,
                            gate.limits(),
                            router.clone(),
                            stop_receiver.clone(),
                        ));
                    }
                    // Dropping the stream closes it at once: no task, no buffer.
                    Err(refusal) => warn_refused(refusal, remote, &mut last_warning),
                },
                Err(error) if is_connection_error(&error) => {
                    tracing::debug!(%error, "accepting a connection failed");
                }
                Err(error) => {
                    tracing::warn!(%error, "accepting connections failed; retrying");
                    tokio::time::sleep(ACCEPT_ERROR_BACKOFF).await;
                }
            },
            // Reap finished connections so the set does not grow without bound.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    stop_sender.send_replace(true);
    while connections.join_next().await.is_some() {}
}

/// Logs a refused connection; a warning at most every few seconds, so a flood
/// of them cannot flood the log too.
fn warn_refused(
    refusal: Refusal,
    remote: SocketAddr,
    last_warning: &mut Option<tokio::time::Instant>,
) {
    let reason = match refusal {
        Refusal::AddressFull => "the client's address holds the most connections allowed",
        Refusal::NodeFull => "the node holds the most connections allowed",
    };
    let now = tokio::time::Instant::now();
    if last_warning.is_none_or(|last| now.duration_since(last) >= REFUSAL_WARNING_INTERVAL) {
        *last_warning = Some(now);
        tracing::warn!(%remote, reason, "connection refused (more are logged at debug level)");
    } else {
        tracing::debug!(%remote, reason, "connection refused");
    }
}

/// Errors that concern one connection only; anything else may be resource exhaustion.
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

async fn serve_connection(
    handshake: Handshake,
    tcp: TcpStream,
    remote: SocketAddr,
    // Held until the connection ends.
    _permit: ConnectionPermit,
    limits: ConnectionLimits,
    router: Router,
    mut stop: watch::Receiver<bool>,
) {
    let activity = Activity::new(limits);
    match handshake {
        Handshake::Plain => {
            serve_http(tcp, remote, None, activity, router, &mut stop).await;
        }
        Handshake::Tls {
            acceptor,
            chain_verifier,
        } => {
            // The handshake counts against the time to the first request head.
            let accepting = acceptor.accept(tcp);
            let handshake = async {
                match activity.deadline() {
                    Some((deadline, _)) => tokio::time::timeout_at(deadline, accepting).await,
                    None => Ok(accepting.await),
                }
            };
            let tls = tokio::select! {
                outcome = handshake => match outcome {
                    Ok(Ok(tls)) => tls,
                    Ok(Err(error)) => {
                        tracing::debug!(%remote, %error, "TLS handshake failed");
                        return;
                    }
                    Err(_) => {
                        tracing::debug!(%remote, "TLS handshake timed out");
                        return;
                    }
                },
                // Nothing was asked yet, so nothing is lost by dropping the connection.
                () = until_stopping(&mut stop) => return,
            };
            let peer = match peer_certificate(tls.get_ref().1, chain_verifier.as_deref()) {
                Ok(peer) => TlsPeer(peer.map(Arc::new)),
                Err(error) => {
                    // The TLS verifier already refuses unparsable certificates, so this is unexpected.
                    tracing::debug!(%remote, %error, "unreadable client certificate");
                    return;
                }
            };
            serve_http(tls, remote, Some(peer), activity, router, &mut stop).await;
        }
    }
}

/// HTTP/1.1 on one connection, under its activity's deadlines.
async fn serve_http<S>(
    io: S,
    remote: SocketAddr,
    peer: Option<TlsPeer>,
    activity: Arc<Activity>,
    router: Router,
    stop: &mut watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let io = Watched::new(io, Arc::clone(&activity));
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        use hyper::body::Body as _;
        let guard = activity.request_started(!request.body().is_end_stream());
        if let Some(peer) = &peer {
            request.extensions_mut().insert(peer.clone());
        }
        request.extensions_mut().insert(ConnectInfo(remote));
        let activity = Arc::clone(&activity);
        let request = request.map(|body| axum::body::Body::new(WatchedBody::new(body, activity)));
        let router = router.clone();
        // Boxed so that the connection is `Unpin` and gives its stream back.
        Box::pin(async move {
            let response = router.oneshot(request).await?;
            Ok::<_, Infallible>(
                response.map(|body| axum::body::Body::new(GuardedBody::new(body, guard))),
            )
        })
    });

    let mut connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        // The head's deadline is the connection's (see `connections`):
        // hyper's own would also cut kept-alive connections at the header timeout.
        .header_read_timeout(None)
        .serve_connection(TokioIo::new(io), service);
    let outcome = tokio::select! {
        outcome = std::future::poll_fn(|cx| connection.poll_without_shutdown(cx)) => outcome,
        () = until_stopping(stop) => {
            // Finish the request in progress, if any, then close.
            std::pin::Pin::new(&mut connection).graceful_shutdown();
            std::future::poll_fn(|cx| connection.poll_without_shutdown(cx)).await
        }
    };
    match outcome {
        Ok(()) => linger(connection.into_parts().io.into_inner()).await,
        Err(error) => tracing::debug!(%remote, %error, "HTTP connection ended with an error"),
    }
}

/// Closes a connection after its last answer the way a client can read that
/// answer: our side first (the answer is flushed, a TLS close_notify sent),
/// then what the client still sends is read and dropped for [`LINGER`] at most,
/// so that the socket does not close with unread data — which resets the
/// connection and takes the unread answer with it.
async fn linger<S: AsyncRead + AsyncWrite + Unpin>(mut io: S) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = tokio::time::timeout(LINGER, async {
        if io.shutdown().await.is_err() {
            return;
        }
        let mut sink = vec![0u8; 16 * 1024];
        let mut drained = 0usize;
        while drained < LINGER_MAX_BYTES {
            match io.read(&mut sink).await {
                Ok(0) | Err(_) => return,
                Ok(read) => drained = drained.saturating_add(read),
            }
        }
    })
    .await;
}

/// Resolves once the server stops (or is dropped, which ends connections just the same).
async fn until_stopping(stop: &mut watch::Receiver<bool>) {
    // The guard wait_for returns is not Send; it must not live across another await.
    let _ = stop.wait_for(|stopping| *stopping).await;
}

/// The client's certificate, if it sent one, and whether it chains to a trusted CA.
fn peer_certificate(
    connection: &rustls::ServerConnection,
    chain_verifier: Option<&dyn ClientCertVerifier>,
) -> Result<Option<PeerCertificate>, CertError> {
    let Some((end_entity, intermediates)) = connection
        .peer_certificates()
        .and_then(|chain| chain.split_first())
    else {
        return Ok(None);
    };
    let info = CertificateInfo::from_der(end_entity)?;
    let chains_to_trusted_ca = chain_verifier.is_some_and(|verifier| {
        verifier
            .verify_client_cert(end_entity, intermediates, UnixTime::now())
            .is_ok()
    });
    Ok(Some(PeerCertificate {
        info,
        chains_to_trusted_ca,
    }))
}
