//! The behaviour every storage adapter of maksa must show, written once and run
//! against each backend, plus what integration tests elsewhere reuse: realistic
//! fixtures ([`fixtures`]) and throw-away databases ([`databases`]).
//!
//! A backend crate runs the whole suite from its `tests/suite.rs`:
//!
//! ```text
//! async fn fresh_store() -> (Arc<dyn Store>, impl Sized) { /* new empty, migrated store */ }
//! maksa_store_tests::store_suite!(fresh_store);
//! ```
//!
//! Each scenario becomes its own `#[tokio::test]` with a fresh database. The
//! second value `fresh_store` returns is kept alive for the scenario and dropped
//! after it (e.g. a temporary directory, or a guard that drops a database).
//! The calling crate needs `tokio` (with `macros` and `rt-multi-thread`) as a
//! dev-dependency.

#![allow(clippy::unwrap_used)] // A failed expectation in a test suite should panic.

pub mod dashboard;
pub mod databases;
pub mod fixtures;
pub mod idempotency;
pub mod kdv;
pub mod retention;
pub mod scenarios;
pub mod treasury;

pub use databases::{PostgresTestDatabase, fresh_postgres_database, fresh_sqlite_path};
pub use fixtures::sample_request;

/// Expands to one `#[tokio::test]` per scenario of [`scenarios`], each given the
/// store made by `$fresh_store` (an `async fn() -> (Arc<dyn Store>, G)`).
///
/// Adding a scenario means adding its name to one of the lists below (the
/// `scenarios` module's core or other list, or another module's): they are the
/// only place the suite is enumerated. `store_suite!(@core fresh_store)` runs
/// the core list alone, for a store that holds only that part of the port.
#[macro_export]
macro_rules! store_suite {
    ($fresh_store:path) => {
        $crate::store_suite!(@core $fresh_store);
        $crate::store_suite!(@each $fresh_store;
            owners_are_isolated,
            documents_are_versioned_and_scoped,
            paying_makes_a_receipt_due_until_it_is_stored,
            concurrent_documents_take_each_version_once,
            audit_trail_oldest_first,
            a_parked_receipt_leaves_the_worker_list,
            unit_of_work_dropped_without_commit_leaves_nothing,
            card_reversals_day_closes_and_totals,
        );
        $crate::store_suite!(@in treasury, $fresh_store;
            treasury_import_and_statement_are_stored_once,
            treasury_entries_are_known_by_key_and_a_key_is_stored_once,
            treasury_a_settling_entry_settles_its_payment_once,
            treasury_a_pending_entry_is_booked_and_entries_confirmed,
            treasury_entries_filter_by_day_outcome_payment_and_page,
            treasury_outcome_totals_and_statements_by_day,
            treasury_orders_and_batches,
            treasury_work_dropped_without_commit_leaves_nothing,
            treasury_transactions_run_one_at_a_time,
            treasury_exchange_log_keeps_the_newest,
            treasury_settled_receipts_become_due,
        );
        $crate::store_suite!(@in kdv, $fresh_store;
            kdv_submission_commits_with_its_requests,
            kdv_transactions_end_and_submissions_dispose_once,
            kdv_payer_messages_lease_retry_send_and_remind,
            kdv_sign_in_tokens_are_taken_once,
            kdv_dead_payer_messages_are_listed_and_resent,
        );
        $crate::store_suite!(@in retention, $fresh_store;
            retention_pseudonymises_final_requests_past_the_period_once,
        );
        $crate::store_suite!(@in dashboard, $fresh_store;
            dashboard_rollup_equals_the_rows,
        );
    };
    // The scenarios that need only the core of the port: requests and payments,
    // attempts, the outbox, audit events, the registry and idempotency keys
    // (what the simulation's in-memory model holds: crates/sim/tests/model_contract.rs).
    (@core $fresh_store:path) => {
        $crate::store_suite!(@each $fresh_store;
            empty_store_has_nothing,
            catalog_round_trip_and_newest_wins,
            certificates_register_get_list_upsert_revoke,
            requests_round_trip,
            request_times_are_truncated_to_microseconds,
            number_conflict_fails_only_that_item,
            purpose_id_and_id_conflicts_fail_only_that_item,
            request_status_follows_changes,
            request_filters_by_created_and_expiry,
            request_filters_by_paid_at,
            request_filters_by_amount_currency_and_status,
            request_listing_order_and_limit,
            payment_listing_order_and_limit,
            payment_filters,
            status_change_applies_once,
            status_change_moves_open_payments,
            concurrent_inserts_lose_nothing,
            attempts_round_trip_and_list_oldest_first,
            attempt_start_refusals,
            attempt_starts_again_after_rejection,
            concurrent_attempt_starts_one_wins,
            outcome_executed_pays_a_single_payment_request,
            outcome_pays_a_two_payment_request_one_payment_at_a_time,
            repeated_outcome_changes_nothing_but_is_audited,
            outcomes_converge_whatever_their_order,
            execution_of_a_replaced_attempt_requires_refund,
            execution_for_a_final_request_requires_refund,
            outcome_for_unknown_attempt_is_none,
            recorded_events_join_the_audit_trail,
            concurrent_outcomes_settle_once,
            outbox_row_commits_with_its_status_change,
            outcome_paying_the_request_inserts_its_notification,
            concurrent_notification_claims_never_share_a_row,
            expired_notification_lease_is_taken_over,
            delivery_retry_dead_resend_cycle,
            notification_log_is_scoped_to_owner,
            expiry_candidates_respect_the_grace_rule,
            attempt_queries_claim_note_and_give_up,
            notification_secrets_add_retire_list,
            server_keys_are_stored_once_and_shared,
            compare_and_set_that_loses_changes_nothing,
            a_locked_request_makes_a_racing_change_wait_and_lose,
        );
        $crate::store_suite!(@in idempotency, $fresh_store;
            idempotency_keys_commit_with_their_requests,
            expired_idempotency_keys_are_deleted_in_rounds,
        );
    };
    (@each $fresh_store:path; $($scenario:ident),+ $(,)?) => {
        $crate::store_suite!(@in scenarios, $fresh_store; $($scenario),+);
    };
    (@in $module:ident, $fresh_store:path; $($scenario:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $scenario() {
                let (store, database) = $fresh_store().await;
                $crate::$module::$scenario(store).await;
                // Dropped only now: the database outlives the scenario.
                drop(database);
            }
        )+
    };
}
