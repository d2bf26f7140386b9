//! The status check's point lookup, on connections of its own.
//!
//! `checkpaymentrequeststatus` is the most frequent call. Through the pool each
//! look-up cost two round trips to a PostgreSQL backend and a task: the query,
//! then sqlx's test of the connection on its return to the pool (a `ping`, from
//! a task spawned for the return). Here a few connections are held directly,
//! each behind a lock, and the one prepared statement (kept by the connection's
//! statement cache) runs on whichever is free: one round trip per look-up. A
//! connection whose query failed (a restarted server, a terminated backend) is
//! dropped; the look-up then runs once more on a new one.

use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use tokio::sync::Mutex;
use uuid::Uuid;

const STATUS: &str = "SELECT status FROM payment_requests WHERE id = $1 AND owner = $2";

#[derive(Debug)]
pub(crate) struct StatusLookup {
    options: PgConnectOptions,
    connections: Vec<Mutex<Option<PgConnection>>>,
    next: AtomicUsize,
    closed: AtomicBool,
}

impl StatusLookup {
    /// `count` connections with `options`, opened on first use.
    pub(crate) fn new(options: PgConnectOptions, count: usize) -> StatusLookup {
        StatusLookup {
            options,
            connections: (0..count.max(1)).map(|_| Mutex::new(None)).collect(),
            next: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
        }
    }

    /// The status letter of request `id` of `owner`; `None` when there is none.
    pub(crate) async fn status(
        &self,
        id: Uuid,
        owner: &str,
    ) -> Result<Option<String>, sqlx::Error> {
        let first = self.next.fetch_add(1, Ordering::Relaxed);
        let count = self.connections.len();
        // A free connection if there is one, else wait for this caller's turn.
        let free = (0..count)
            .filter_map(|offset| self.connections.get(first.wrapping_add(offset) % count))
            .find_map(|slot| slot.try_lock().ok());
        let mut slot = match free {
            Some(slot) => slot,
            None => match self.connections.get(first % count) {
                Some(slot) => slot.lock().await,
                None => return Err(sqlx::Error::PoolClosed),
            },
        };
        // Checked under the lock: `close` takes every lock after setting it.
        if self.closed.load(Ordering::Acquire) {
            return Err(sqlx::Error::PoolClosed);
        }
        loop {
            let (mut connection, fresh) = match slot.take() {
                Some(connection) => (connection, false),
                None => (self.options.connect().await?, true),
            };
            match sqlx::query_scalar(STATUS)
                .bind(id)
                .bind(owner)
                .fetch_optional(&mut connection)
                .await
            {
                Ok(letter) => {
                    *slot = Some(connection);
                    return Ok(letter);
                }
                // A connection that worked before may have been lost since: the
                // look-up is read-only, so it runs once more on a new one.
                Err(_) if !fresh => continue,
                Err(error) => return Err(error),
            }
        }
    }

    /// Closes the connections; a look-up after this fails.
    pub(crate) async fn close(&self) {
        self.closed.store(true, Ordering::Release);
        for slot in &self.connections {
            if let Some(connection) = slot.lock().await.take() {
                let _ = sqlx::Connection::close(connection).await;
            }
        }
    }
}
