//! Idempotency keys in the store (`IdempotencyStore` and the unit of work's
//! `insert_idempotency_key`, docs/idempotency.md): a key row commits with its
//! request or not at all, a live key refuses a second row, an expired one is
//! replaced, and expired keys are deleted in bounded rounds.

use crate::fixtures::{BASE_TIME, client, creation_audit, single_payment_request};
use maksa_app::store::prelude::*;
use maksa_app::store::{IdempotencyRecord, KeyedRequest, NewIdempotencyKey, StoreError};
use maksa_app::workflows::Workflows;
use maksa_domain::ids::ClientId;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

fn key(owner: &ClientId, text: &str, hash: &str, at: OffsetDateTime) -> NewIdempotencyKey {
    NewIdempotencyKey {
        record: IdempotencyRecord {
            client: owner.clone(),
            key: text.to_owned(),
            method: "savepaymentrequest".into(),
            body_hash: hash.to_owned(),
            result: String::new(),
            created_at: at,
        },
        replaces_before: at - Duration::hours(24),
    }
}

pub async fn idempotency_keys_commit_with_their_requests(store: Arc<dyn Store>) {
    let demo = client("demo");
    let other = client("other");
    let first = single_payment_request(&demo, 1);
    let second = single_payment_request(&demo, 2);
    let same_key = single_payment_request(&demo, 3);
    let others = single_payment_request(&other, 4);
    let batch = vec![
        KeyedRequest {
            audit: creation_audit(&first),
            request: first.clone(),
            key: Some(key(&demo, "k1", "h1", BASE_TIME)),
        },
        KeyedRequest {
            audit: creation_audit(&second),
            request: second.clone(),
            key: None,
        },
        // The same key twice in one batch: the second item fails alone.
        KeyedRequest {
            audit: creation_audit(&same_key),
            request: same_key.clone(),
            key: Some(key(&demo, "k1", "h2", BASE_TIME)),
        },
        // Keys are the client's.
        KeyedRequest {
            audit: creation_audit(&others),
            request: others.clone(),
            key: Some(key(&other, "k1", "h1", BASE_TIME)),
        },
    ];
    let results = store.insert_keyed_payment_requests(&batch).await.unwrap();
    assert!(results[0].is_ok() && results[1].is_ok() && results[3].is_ok());
    assert!(matches!(results[2], Err(StoreError::Conflict(_))));
    assert!(
        store
            .payment_request(&demo, same_key.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .payment_request(&demo, first.id)
            .await
            .unwrap()
            .is_some()
    );

    let stored = store
        .idempotency_record(&demo, "k1", BASE_TIME - Duration::hours(24))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.result, first.id.to_string());
    assert_eq!(stored.body_hash, "h1");
    assert_eq!(stored.created_at, BASE_TIME);
    // Older than `since`: as if absent.
    assert!(
        store
            .idempotency_record(&demo, "k1", BASE_TIME + Duration::seconds(1))
            .await
            .unwrap()
            .is_none()
    );
    let theirs = store
        .idempotency_record(&other, "k1", BASE_TIME - Duration::hours(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(theirs.result, others.id.to_string());
    assert_eq!(store.idempotency_key_count().await.unwrap(), 2);

    // In a unit of work: a live key refuses, and nothing of the work stays.
    assert!(matches!(
        store
            .record_idempotency_key(&key(&demo, "k1", "h3", BASE_TIME), "")
            .await,
        Err(StoreError::Conflict(_))
    ));
    // An expired key is replaced.
    let later = BASE_TIME + Duration::hours(25);
    store
        .record_idempotency_key(&key(&demo, "k1", "h4", later), "x")
        .await
        .unwrap();
    let replaced = store
        .idempotency_record(&demo, "k1", later - Duration::hours(24))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (replaced.body_hash.as_str(), replaced.result.as_str()),
        ("h4", "x")
    );
    assert_eq!(store.idempotency_key_count().await.unwrap(), 2);
}

pub async fn expired_idempotency_keys_are_deleted_in_rounds(store: Arc<dyn Store>) {
    let demo = client("demo");
    for i in 0..5 {
        store
            .record_idempotency_key(
                &key(
                    &demo,
                    &format!("k{i}"),
                    "h",
                    BASE_TIME + Duration::minutes(i),
                ),
                "",
            )
            .await
            .unwrap();
    }
    let before = BASE_TIME + Duration::minutes(3);
    assert_eq!(
        store
            .delete_expired_idempotency_keys(before, 2)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .delete_expired_idempotency_keys(before, 2)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .delete_expired_idempotency_keys(before, 2)
            .await
            .unwrap(),
        0
    );
    assert_eq!(store.idempotency_key_count().await.unwrap(), 2);
    assert!(
        store
            .idempotency_record(&demo, "k4", BASE_TIME)
            .await
            .unwrap()
            .is_some()
    );
}
