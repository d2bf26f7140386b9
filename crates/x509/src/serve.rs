//! Serving an axum router over mutual TLS, telling handlers who the client is.

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
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::tls::{ring_provider, trusted_ca_verifier};
use crate::{CertError, CertificateInfo};

/// A client that neither completes its handshake nor gives up must not hold a task forever.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Same for a client that opens a connection and sends its request headers slowly (or never).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Pause after an accept error that is not about one connection (e.g. out of file descriptors).
const ACCEPT_ERROR_BACKOFF: Duration = Duration::from_millis(200);

/// The client certificate of a TLS connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerCertificate {
    pub info: CertificateInfo,
    /// Whether the presented chain verifies, now, up to one of the configured client CAs
    /// (signatures, validity periods, clientAuth usage). `false` for self-signed certificates.
    pub chains_to_trusted_ca: bool,
}

/// Request extension added by [`serve_tls`] to every request of a TLS connection.
///
/// Present: the request came over TLS; `None` inside: the client sent no
/// certificate. Absent: the request came over plain HTTP (another listener).
/// Extract it with `Option<axum::Extension<TlsPeer>>`.
#[derive(Debug, Clone)]
pub struct TlsPeer(pub Option<Arc<PeerCertificate>>);

/// Serves `router` over TLS on `listener` until `shutdown` resolves.
///
/// Each request gets a [`TlsPeer`] and an `axum::extract::ConnectInfo<SocketAddr>`
/// extension. Failed or slow handshakes only end their own connection. On
/// shutdown the listener is closed, idle connections are closed and requests
/// in flight are answered before the returned future completes.
///
/// The returned future is `'static` (CA PEMs are read before it starts), so it
/// can be handed to `tokio::spawn`; it fails only when `client_ca_pems` are
/// unusable.
pub fn serve_tls(
    listener: TcpListener,
    config: Arc<rustls::ServerConfig>,
    client_ca_pems: &[String],
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> impl Future<Output = io::Result<()>> + Send + 'static {
    let chain_verifier = trusted_ca_verifier(client_ca_pems, &ring_provider());
    async move {
        let chain_verifier =
            chain_verifier.map_err(|error| io::Error::new(io::ErrorKind::InvalidInput, error))?;
        accept_loop(listener, config, chain_verifier, router, shutdown).await;
        Ok(())
    }
}

async fn accept_loop(
    listener: TcpListener,
    config: Arc<rustls::ServerConfig>,
    chain_verifier: Option<Arc<dyn ClientCertVerifier>>,
    router: Router,
    shutdown: impl Future<Output = ()>,
) {
    let acceptor = TlsAcceptor::from(config);
    let (stop_sender, stop_receiver) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, remote)) => {
                    connections.spawn(serve_connection(
                        acceptor.clone(),
                        tcp,
                        remote,
                        chain_verifier.clone(),
                        router.clone(),
                        stop_receiver.clone(),
                    ));
                }
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
    acceptor: TlsAcceptor,
    tcp: TcpStream,
    remote: SocketAddr,
    chain_verifier: Option<Arc<dyn ClientCertVerifier>>,
    router: Router,
    mut stop: watch::Receiver<bool>,
) {
    let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp));
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
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(peer.clone());
        request.extensions_mut().insert(ConnectInfo(remote));
        router.clone().oneshot(request)
    });

    let mut connection = pin!(
        hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_READ_TIMEOUT)
            .serve_connection(TokioIo::new(tls), service)
    );
    let outcome = tokio::select! {
        outcome = connection.as_mut() => outcome,
        () = until_stopping(&mut stop) => {
            // Finish the request in progress, if any, then close.
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(error) = outcome {
        tracing::debug!(%remote, %error, "HTTP connection ended with an error");
    }
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
