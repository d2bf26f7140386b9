//! Group commit for new payment requests. Each create waits until its row is
//! durable, but many creates share one transaction and one disk flush: a worker
//! takes whatever is queued (up to `MAX_BATCH`), writes it in one transaction and
//! answers everyone. An answer is still given only after the commit.

use crate::store::prelude::*;
use crate::store::{AuditEvent, KeyedRequest, NewIdempotencyKey, StoreError};
use maksa_domain::request::PaymentRequest;
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc, oneshot};

const MAX_BATCH: usize = 256;
const QUEUE: usize = 4096;

struct Job {
    request: PaymentRequest,
    audit: AuditEvent,
    /// The call's idempotency key row, committed with the request.
    key: Option<NewIdempotencyKey>,
    reply: oneshot::Sender<Result<(), StoreError>>,
}

#[derive(Clone)]
pub struct RequestWriter {
    queue: mpsc::Sender<Job>,
}

impl RequestWriter {
    /// Starts the store's `write_concurrency()` workers on the current runtime.
    pub fn start(store: Arc<dyn Store>) -> Self {
        let (queue, receiver) = mpsc::channel::<Job>(QUEUE);
        let receiver = Arc::new(Mutex::new(receiver));
        for _ in 0..store.write_concurrency().max(1) {
            let store = Arc::clone(&store);
            let receiver = Arc::clone(&receiver);
            tokio::spawn(async move {
                loop {
                    let batch = {
                        let mut receiver = receiver.lock().await;
                        let Some(first) = receiver.recv().await else {
                            return;
                        };
                        let mut batch = vec![first];
                        while batch.len() < MAX_BATCH {
                            match receiver.try_recv() {
                                Ok(job) => batch.push(job),
                                Err(_) => break,
                            }
                        }
                        batch
                    };
                    write_batch(store.as_ref(), batch).await;
                }
            });
        }
        RequestWriter { queue }
    }

    /// Returns once the request and its audit event are committed.
    pub async fn insert(
        &self,
        request: PaymentRequest,
        audit: AuditEvent,
    ) -> Result<(), StoreError> {
        self.insert_keyed(request, audit, None).await
    }

    /// `insert` with the call's idempotency key row (docs/idempotency.md) in
    /// the same transaction: `Conflict` (and nothing written) when the key
    /// is taken.
    pub async fn insert_keyed(
        &self,
        request: PaymentRequest,
        audit: AuditEvent,
        key: Option<NewIdempotencyKey>,
    ) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Job {
                request,
                audit,
                key,
                reply,
            })
            .await
            .map_err(|_| StoreError::Unavailable("the request writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Unavailable("the request writer has stopped".into()))?
    }
}

async fn write_batch(store: &dyn Store, batch: Vec<Job>) {
    let (items, replies): (Vec<KeyedRequest>, Vec<_>) = batch
        .into_iter()
        .map(|job| {
            let item = KeyedRequest {
                request: job.request,
                audit: job.audit,
                key: job.key,
            };
            (item, job.reply)
        })
        .unzip();
    match store.insert_keyed_payment_requests(&items).await {
        Ok(results) => {
            let mut results = results.into_iter();
            for reply in replies {
                let result = results.next().unwrap_or_else(|| {
                    Err(StoreError::Corrupt(
                        "the store answered fewer items than it was given".into(),
                    ))
                });
                // The caller may have gone away (client disconnected); the row stays.
                let _ = reply.send(result);
            }
        }
        Err(error) => {
            // A full disk or a failed storage keeps its kind (its own code on
            // the wire); anything else fails the batch as unavailable.
            let each = match error {
                StoreError::Full(_) | StoreError::Failed(_) => error,
                other => StoreError::Unavailable(other.to_string()),
            };
            for reply in replies {
                let _ = reply.send(Err(each.clone()));
            }
        }
    }
}
