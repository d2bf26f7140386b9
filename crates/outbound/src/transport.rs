//! The notifier's transport port, implemented by the guarded client: every
//! notification goes through the SSRF rules.

use crate::OutboundClient;
use async_trait::async_trait;
use maksa_app::notifications::{Transport, TransportAnswer};

#[async_trait]
impl Transport for OutboundClient {
    async fn get(
        &self,
        url: &str,
        headers: &[(String, String)],
    ) -> Result<TransportAnswer, String> {
        let response = OutboundClient::get(self, url, headers)
            .await
            .map_err(|e| e.to_string())?;
        Ok(TransportAnswer {
            status: response.status,
            elapsed: response.elapsed,
        })
    }

    async fn post(
        &self,
        url: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
    ) -> Result<TransportAnswer, String> {
        let response = self
            .send(crate::client::Method::Post, url, headers, Some(body))
            .await
            .map_err(|e| e.to_string())?;
        Ok(TransportAnswer {
            status: response.status,
            elapsed: response.elapsed,
        })
    }
}
