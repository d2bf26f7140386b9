//! The console's search of payment requests in SQLite
//! (`maksa_app::store::ConsoleStore`). Each filter is a condition an index of
//! migration 0013 (or an older one) answers: the creation order
//! `(created_at, id)`, `(status, created_at, id)`, the owner's listing index,
//! the payer code's and the service code's expression indexes, the number's
//! and the purpose id's unique indexes, the primary key.

use crate::SqliteStore;
use crate::convert::{client_id, micros, request_id_text, status_letter, store_error};
use crate::rows;
use async_trait::async_trait;
use maksa_app::store::{ConsoleFilter, ConsoleRequest, ConsoleStore, StoreError};
use sqlx::{QueryBuilder, Row, Sqlite};

#[async_trait]
impl ConsoleStore for SqliteStore {
    async fn search_requests(
        &self,
        filter: &ConsoleFilter,
    ) -> Result<Vec<ConsoleRequest>, StoreError> {
        let mut query = QueryBuilder::<Sqlite>::new(
            "SELECT owner, id, number, created_at, expires_at, paid_at, service_provider_name, \
             service_name, total_minor, currency, status FROM payment_requests WHERE 1 = 1",
        );
        if let Some(client) = &filter.client {
            query
                .push(" AND owner = ")
                .push_bind(client.as_str().to_owned());
        }
        if let Some(status) = filter.status {
            query
                .push(" AND status = ")
                .push_bind(status_letter(status));
        }
        if let Some(from) = filter.created_from {
            query.push(" AND created_at >= ").push_bind(micros(from)?);
        }
        if let Some(till) = filter.created_till {
            query.push(" AND created_at < ").push_bind(micros(till)?);
        }
        // The same expressions as the indexes of 0013, so that SQLite uses them.
        if let Some(code) = &filter.service_code {
            query
                .push(" AND json_extract(terms, '$.service_code') = ")
                .push_bind(code.clone());
        }
        if let Some(step) = &filter.service_step {
            query
                .push(" AND json_extract(terms, '$.service_step') = ")
                .push_bind(step.clone());
        }
        if let Some(code) = &filter.payer_code {
            query
                .push(" AND json_extract(terms, '$.payer.code') = ")
                .push_bind(code.clone());
        }
        if let Some(provider) = &filter.provider {
            query
                .push(
                    " AND EXISTS (SELECT 1 FROM attempts WHERE attempts.request_id = \
                     payment_requests.id AND attempts.provider = ",
                )
                .push_bind(provider.as_str().to_owned())
                .push(")");
        }
        if let Some(from) = filter.amount_from {
            query.push(" AND total_minor >= ").push_bind(from.minor());
        }
        if let Some(till) = filter.amount_till {
            query.push(" AND total_minor <= ").push_bind(till.minor());
        }
        if let Some(number) = &filter.number {
            query.push(" AND number = ").push_bind(number.clone());
        }
        if let Some(id) = filter.id {
            query.push(" AND id = ").push_bind(request_id_text(id));
        }
        if let Some(purpose_id) = &filter.purpose_id {
            query
                .push(" AND id IN (SELECT request_id FROM payments WHERE purpose_id = ")
                .push_bind(purpose_id.clone())
                .push(")");
        }
        if let Some((at, id)) = filter.before {
            let at = micros(at)?;
            query
                .push(" AND (created_at < ")
                .push_bind(at)
                .push(" OR (created_at = ")
                .push_bind(at)
                .push(" AND id < ")
                .push_bind(request_id_text(id))
                .push("))");
        }
        query
            .push(" ORDER BY created_at DESC, id DESC LIMIT ")
            .push_bind(i64::from(filter.limit));
        let found = query
            .build()
            .fetch_all(&self.readers)
            .await
            .map_err(store_error)?;
        found
            .iter()
            .map(|row| {
                Ok(ConsoleRequest {
                    owner: client_id(&row.try_get::<String, _>("owner").map_err(store_error)?)?,
                    summary: rows::request_summary(row)?,
                })
            })
            .collect()
    }
}
