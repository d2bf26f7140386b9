//! What one client may hold of a node: how long it may take to send a request
//! and how many connections it may keep open.
//!
//! A connection is in one of four phases, and each phase but one has a deadline
//! that only the client can miss:
//!
//! - *head*: from accepting the connection (TLS handshake included) to a
//!   complete request head, or from the first byte of a later request to its
//!   complete head — [`ConnectionLimits::header_timeout`];
//! - *body*: from the head to the last byte of the request body —
//!   [`ConnectionLimits::body_timeout`], for the whole body, so a body dripped
//!   a byte at a time cannot hold the connection either;
//! - *handling*: our handler runs; no deadline, the client is not the one
//!   keeping us;
//! - *idle*: the answer was sent and the connection is kept alive for another
//!   request — [`ConnectionLimits::idle_timeout`].
//!
//! A deadline is checked whenever the connection waits to read from the client,
//! which is exactly when the client can be late. An answer the client does not
//! read (its window stays full) is given up after `body_timeout` without
//! progress. A missed deadline ends the connection with an I/O error, which
//! closes it.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv6Addr};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use hyper::body::{Body, Bytes, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// Timeouts and connection caps of the listeners of a node. The defaults suit a
/// node facing the internet directly; behind a reverse proxy every connection
/// comes from the proxy's address, so raise `per_address` there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// From accepting a connection (TLS handshake included) to its first
    /// complete request head, and from the first byte of a later request to
    /// its complete head.
    pub header_timeout: Duration,
    /// From a request's head to the last byte of its body; also how long an
    /// answer may wait for a client that does not read it.
    pub body_timeout: Duration,
    /// How long a kept-alive connection may wait for its next request.
    pub idle_timeout: Duration,
    /// Open connections from one client address (IPv6: one /64 network), over
    /// every listener of the node together.
    pub per_address: usize,
    /// Open connections in total. Keep it below the process's file descriptor
    /// limit minus what the database and files need.
    pub total: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            per_address: 64,
            total: 768,
        }
    }
}

/// Counts the open connections of a node's listeners; share one gate (it is a
/// cheap clone) between the listeners so the caps hold for the node.
#[derive(Clone, Debug)]
pub struct ConnectionGate {
    limits: ConnectionLimits,
    counts: Arc<Mutex<Counts>>,
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// Why a connection was closed as soon as it was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The client's address holds `per_address` connections already.
    AddressFull,
    /// The node holds `total` connections already.
    NodeFull,
}

impl ConnectionGate {
    pub fn new(limits: ConnectionLimits) -> Self {
        ConnectionGate {
            limits,
            counts: Arc::default(),
        }
    }

    pub fn limits(&self) -> ConnectionLimits {
        self.limits
    }

    /// Admits a connection from `address` if both caps allow it; the permit
    /// gives its place back when dropped.
    pub(crate) fn admit(&self, address: IpAddr) -> Result<ConnectionPermit, Refusal> {
        let key = address_key(address);
        let mut counts = self.lock();
        if counts.total >= self.limits.total {
            return Err(Refusal::NodeFull);
        }
        let held = counts.by_address.entry(key).or_insert(0);
        if *held >= self.limits.per_address {
            return Err(Refusal::AddressFull);
        }
        *held = held.saturating_add(1);
        counts.total = counts.total.saturating_add(1);
        Ok(ConnectionPermit {
            gate: self.clone(),
            key,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Counts> {
        // Nothing panics while the lock is held; should it, the counts are still whole.
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One admitted connection's place under the caps.
#[derive(Debug)]
pub(crate) struct ConnectionPermit {
    gate: ConnectionGate,
    key: IpAddr,
}

impl Drop for ConnectionPermit {
    fn drop(&mut self) {
        let mut counts = self.gate.lock();
        counts.total = counts.total.saturating_sub(1);
        if let Some(held) = counts.by_address.get_mut(&self.key) {
            *held = held.saturating_sub(1);
            if *held == 0 {
                counts.by_address.remove(&self.key);
            }
        }
    }
}

/// The address a connection counts against: IPv4 addresses one by one (an
/// IPv4-mapped IPv6 address as its IPv4 address), IPv6 by /64, the smallest
/// network a client is usually given.
fn address_key(address: IpAddr) -> IpAddr {
    const NETWORK_64: u128 = 0xffff_ffff_ffff_ffff_0000_0000_0000_0000;
    match address.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & NETWORK_64)),
        v4 => v4,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Head,
    Body,
    Handling,
    Idle,
}

impl Phase {
    fn timeout_message(self) -> &'static str {
        match self {
            Phase::Head => "no complete request head within the header timeout",
            Phase::Body => "no complete request body within the body timeout",
            Phase::Idle => "no new request within the idle timeout",
            // Never has a deadline; listed for completeness.
            Phase::Handling => "timed out while handling a request",
        }
    }
}

/// Where one connection is in its life, and until when the client may stay
/// silent. Shared by the connection's I/O (which reads the deadline and notes
/// the first byte of a request) and its service (which notes heads, bodies and
/// answers).
#[derive(Debug)]
pub(crate) struct Activity {
    limits: ConnectionLimits,
    state: Mutex<ActivityState>,
}

#[derive(Debug)]
struct ActivityState {
    phase: Phase,
    deadline: Option<Instant>,
    /// Requests whose answer is not yet sent (more than one when pipelined).
    in_flight: usize,
    /// The task waiting to read, to be woken when a deadline starts: a read
    /// that began without one must start its timer.
    reader: Option<Waker>,
}

impl Activity {
    /// A connection just accepted: its head (and TLS handshake) is due.
    pub(crate) fn new(limits: ConnectionLimits) -> Arc<Activity> {
        Arc::new(Activity {
            limits,
            state: Mutex::new(ActivityState {
                phase: Phase::Head,
                deadline: after(limits.header_timeout),
                in_flight: 0,
                reader: None,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, ActivityState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current deadline, if the client is the one we wait for.
    pub(crate) fn deadline(&self) -> Option<(Instant, Phase)> {
        let state = self.lock();
        state.deadline.map(|deadline| (deadline, state.phase))
    }

    /// A read is waiting: the current deadline, and a note to wake `waker`
    /// when a later one starts.
    fn reading(&self, waker: &Waker) -> Option<(Instant, Phase)> {
        let mut state = self.lock();
        match &mut state.reader {
            Some(reader) if reader.will_wake(waker) => {}
            reader => *reader = Some(waker.clone()),
        }
        state.deadline.map(|deadline| (deadline, state.phase))
    }

    /// Bytes arrived: on an idle connection, a new request has begun.
    fn received(&self) {
        let mut state = self.lock();
        if state.phase == Phase::Idle {
            state.phase = Phase::Head;
            state.deadline = after(self.limits.header_timeout);
        }
    }

    /// A request head is complete; `body_expected` when a body follows.
    pub(crate) fn request_started(self: &Arc<Self>, body_expected: bool) -> RequestGuard {
        let mut state = self.lock();
        state.in_flight = state.in_flight.saturating_add(1);
        let reader = if body_expected {
            state.phase = Phase::Body;
            state.deadline = after(self.limits.body_timeout);
            state.reader.take()
        } else {
            state.phase = Phase::Handling;
            state.deadline = None;
            None
        };
        drop(state);
        if let Some(reader) = reader {
            reader.wake();
        }
        RequestGuard(Arc::clone(self))
    }

    fn body_finished(&self) {
        let mut state = self.lock();
        if state.phase == Phase::Body {
            state.phase = Phase::Handling;
            state.deadline = None;
        }
    }

    fn request_finished(&self) {
        let mut state = self.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        if state.in_flight == 0 {
            state.phase = Phase::Idle;
            state.deadline = after(self.limits.idle_timeout);
            // The connection may be waiting for the next request already,
            // with no timer: wake it to start the idle one.
            let reader = state.reader.take();
            drop(state);
            if let Some(reader) = reader {
                reader.wake();
            }
        }
    }
}

/// `None` (no deadline) only if the duration does not fit the clock.
fn after(duration: Duration) -> Option<Instant> {
    Instant::now().checked_add(duration)
}

/// Held by a request's answer: the request is finished when the answer has
/// been sent (or given up), which is when the connection drops the answer.
#[derive(Debug)]
pub(crate) struct RequestGuard(Arc<Activity>);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        self.0.request_finished();
    }
}

/// A request body that tells the connection when it has been read to the end.
pub(crate) struct WatchedBody<B> {
    inner: B,
    activity: Arc<Activity>,
}

impl<B> WatchedBody<B> {
    pub(crate) fn new(inner: B, activity: Arc<Activity>) -> Self {
        WatchedBody { inner, activity }
    }
}

impl<B: Body + Unpin> Body for WatchedBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        let ended = match &polled {
            Poll::Ready(None | Some(Err(_))) => true,
            Poll::Ready(Some(Ok(_))) => self.inner.is_end_stream(),
            Poll::Pending => false,
        };
        if ended {
            self.activity.body_finished();
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// An answer's body carrying its request's guard, so the request counts as
/// finished when the body is dropped.
pub(crate) struct GuardedBody<B> {
    inner: B,
    _guard: RequestGuard,
}

impl<B> GuardedBody<B> {
    pub(crate) fn new(inner: B, guard: RequestGuard) -> Self {
        GuardedBody {
            inner,
            _guard: guard,
        }
    }
}

impl<B: Body<Data = Bytes> + Unpin> Body for GuardedBody<B> {
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A connection's byte stream under its [`Activity`]'s deadlines: a read that
/// waits past the deadline fails with `TimedOut`, and so does a write that
/// makes no progress for the body timeout.
pub(crate) struct Watched<S> {
    io: S,
    activity: Arc<Activity>,
    read_timer: Option<Pin<Box<Sleep>>>,
    /// A read deadline passed: the connection is being closed, and nothing
    /// more is written — a handler that saw its body fail would otherwise
    /// answer for an error that is not the client's (e.g. "too large").
    timed_out: bool,
    /// Until when a stalled write may wait; `None` while writes progress.
    write_deadline: Option<Instant>,
    write_timer: Option<Pin<Box<Sleep>>>,
}

impl<S> Watched<S> {
    pub(crate) fn new(io: S, activity: Arc<Activity>) -> Self {
        Watched {
            io,
            activity,
            read_timer: None,
            timed_out: false,
            write_deadline: None,
            write_timer: None,
        }
    }

    /// Called when a write is pending: fails once it has stalled too long.
    fn write_stalled(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        let deadline = match self.write_deadline {
            Some(deadline) => deadline,
            None => match after(self.activity.limits.body_timeout) {
                Some(deadline) => *self.write_deadline.insert(deadline),
                None => return Poll::Pending,
            },
        };
        if expired(&mut self.write_timer, deadline, cx) {
            Poll::Ready(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client did not read the answer within the body timeout",
            ))
        } else {
            Poll::Pending
        }
    }

    fn wrote<T>(
        &mut self,
        result: Poll<io::Result<T>>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<T>> {
        match result {
            Poll::Pending => self.write_stalled(cx).map(Err),
            ready => {
                self.write_deadline = None;
                ready
            }
        }
    }
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "the client missed a deadline")
}

/// Whether `deadline` has passed; if not, `timer` wakes the task when it does.
fn expired(timer: &mut Option<Pin<Box<Sleep>>>, deadline: Instant, cx: &mut Context<'_>) -> bool {
    let sleep = timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
    if sleep.deadline() != deadline {
        sleep.as_mut().reset(deadline);
    }
    sleep.as_mut().poll(cx).is_ready()
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.activity.received();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => match this.activity.reading(cx.waker()) {
                Some((deadline, phase)) if expired(&mut this.read_timer, deadline, cx) => {
                    this.timed_out = true;
                    Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        phase.timeout_message(),
                    )))
                }
                _ => Poll::Pending,
            },
            failed => failed,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.timed_out {
            return Poll::Ready(Err(timed_out()));
        }
        let result = Pin::new(&mut self.io).poll_write(cx, data);
        self.wrote(result, cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.timed_out {
            return Poll::Ready(Err(timed_out()));
        }
        let result = Pin::new(&mut self.io).poll_write_vectored(cx, data);
        self.wrote(result, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let result = Pin::new(&mut self.io).poll_flush(cx);
        self.wrote(result, cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let result = Pin::new(&mut self.io).poll_shutdown(cx);
        self.wrote(result, cx)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn limits(per_address: usize, total: usize) -> ConnectionLimits {
        ConnectionLimits {
            per_address,
            total,
            ..ConnectionLimits::default()
        }
    }

    #[test]
    fn caps_per_address_and_in_total() {
        let gate = ConnectionGate::new(limits(2, 3));
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = gate.admit(a).unwrap();
        let _second = gate.admit(a).unwrap();
        assert_eq!(gate.admit(a).unwrap_err(), Refusal::AddressFull);
        let _third = gate.admit(b).unwrap();
        assert_eq!(gate.admit(b).unwrap_err(), Refusal::NodeFull);
        drop(first);
        assert!(gate.admit(a).is_ok(), "a closed connection frees its place");
    }

    #[test]
    fn ipv6_counts_by_network_and_mapped_ipv4_as_ipv4() {
        let gate = ConnectionGate::new(limits(1, 10));
        let _one = gate.admit("2001:db8:1:2::1".parse().unwrap()).unwrap();
        assert_eq!(
            gate.admit("2001:db8:1:2:ffff::9".parse().unwrap())
                .unwrap_err(),
            Refusal::AddressFull
        );
        assert!(gate.admit("2001:db8:1:3::1".parse().unwrap()).is_ok());
        let _v4 = gate.admit("192.0.2.7".parse().unwrap()).unwrap();
        assert_eq!(
            gate.admit("::ffff:192.0.2.7".parse().unwrap()).unwrap_err(),
            Refusal::AddressFull
        );
    }

    #[tokio::test]
    async fn an_answer_the_client_does_not_read_fails_after_the_body_timeout() {
        use tokio::io::AsyncWriteExt;
        let limits = ConnectionLimits {
            body_timeout: Duration::from_millis(200),
            ..ConnectionLimits::default()
        };
        // The client's end stays open and unread: 16 bytes fit, then writes wait.
        let (ours, _client) = tokio::io::duplex(16);
        let mut io = Watched::new(ours, Activity::new(limits));
        let written = tokio::time::timeout(Duration::from_secs(10), io.write_all(&[b'x'; 64]))
            .await
            .expect("a stalled write is given up");
        assert_eq!(written.unwrap_err().kind(), io::ErrorKind::TimedOut);
    }

    #[tokio::test]
    async fn after_a_missed_read_deadline_nothing_is_written() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let limits = ConnectionLimits {
            header_timeout: Duration::from_millis(100),
            ..ConnectionLimits::default()
        };
        let (ours, _client) = tokio::io::duplex(1024);
        let mut io = Watched::new(ours, Activity::new(limits));
        let mut buffer = [0u8; 8];
        let read = tokio::time::timeout(Duration::from_secs(10), io.read(&mut buffer))
            .await
            .expect("a silent client is given up");
        assert_eq!(read.unwrap_err().kind(), io::ErrorKind::TimedOut);
        let write = io.write(b"HTTP/1.1 413").await;
        assert_eq!(write.unwrap_err().kind(), io::ErrorKind::TimedOut);
    }

    #[tokio::test]
    async fn phases_move_the_deadline() {
        let activity = Activity::new(ConnectionLimits::default());
        assert_eq!(activity.deadline().map(|(_, p)| p), Some(Phase::Head));
        let guard = activity.request_started(true);
        assert_eq!(activity.deadline().map(|(_, p)| p), Some(Phase::Body));
        activity.body_finished();
        assert_eq!(
            activity.deadline(),
            None,
            "our own handling has no deadline"
        );
        activity.received();
        assert_eq!(activity.deadline(), None, "pipelined bytes while handling");
        drop(guard);
        assert_eq!(activity.deadline().map(|(_, p)| p), Some(Phase::Idle));
        activity.received();
        assert_eq!(activity.deadline().map(|(_, p)| p), Some(Phase::Head));
    }
}
