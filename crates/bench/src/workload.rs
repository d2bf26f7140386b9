//! What the benchmark sends: the REST example of the integration instructions
//! (004 §2.1.1.1: service step 03G10, position 2346 by quantity 12.00) as a
//! `savepaymentrequest` body, status checks of the ids it created, and the
//! same request as the domain input for the bare-insert ceiling.

use crate::load::BodyMaker;
use hyper::body::Bytes;
use maksa_domain::request::{ClientInfoInput, PaymentRequestInput, PriceListItemInput};
use rand::Rng;
use serde_json::json;
use std::sync::Arc;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// An expiry a month ahead, so every request of the run is valid when made.
pub fn expiry(now: OffsetDateTime) -> anyhow::Result<String> {
    Ok((now + time::Duration::days(30)).format(&Rfc3339)?)
}

/// The `savepaymentrequest` body. `mm_cert` is the client certificate for
/// plain HTTP (legacy body authentication); over HTTPS the TLS client
/// certificate identifies the caller and the body carries none.
pub fn create_body(expiry: &str, mm_cert: Option<&str>) -> Bytes {
    // A JSON number with its two decimals, as the example sends it (the
    // workspace's serde_json keeps numbers' digits).
    let item: serde_json::Value = serde_json::from_str("12.00").unwrap_or_else(|_| json!("12.00"));
    let mut request = json!({
        "PaymentsDataStructure": {
            "PaymentRequest": {
                "AllowedBanks": [{"SwiftCode": "DEMO0000"}, {"SwiftCode": "FIRSTDATA"}, {"SwiftCode": "HABALV22"}],
                "ClientInfo": {
                    "ClientAddress": "Rātslaukums 1, LV-1050, Rīga",
                    "ClientCode": "07018710513",
                    "ClientEMail": "e@p.lv",
                    "ClientFirstName": "Ernests",
                    "ClientName": "Paraudziņš",
                    "ClientPhone": "26620000"
                },
                "ExpiryDate": expiry,
                "NoInvoice": true,
                "PaymentObject": "DEM11 payment",
                "PriceList": [{"Item": item, "ItemElementName": "Quantity", "Position": "2346"}],
                "ResponseUrl": "https://tv-vraa.zzdats.lv/MMTests/S2S/?id=",
                "ServerResponseUrl": "https://tv-vraa.zzdats.lv/MMTests/S2S/ok1?id=",
                "ServiceStep": "03G10",
                "SwiftCode": "DEMO0000",
                "ReturnRedirectUrl": "https://latvija.lv/EP21/"
            }
        }
    });
    if let (Some(cert), Some(object)) = (mm_cert, request.as_object_mut()) {
        object.insert("MM_Cert".into(), json!(cert));
    }
    Bytes::from(request.to_string())
}

/// The same request as the domain sees it after the door has read the body.
pub fn create_input(expiry: &str) -> PaymentRequestInput {
    PaymentRequestInput {
        service_step: Some("03G10".into()),
        price_list: vec![PriceListItemInput {
            position: Some("2346".into()),
            item: Some("12.00".into()),
            item_element_name: Some("Quantity".into()),
        }],
        client_info: Some(ClientInfoInput {
            client_name: Some("Paraudziņš".into()),
            client_first_name: Some("Ernests".into()),
            client_code: Some("07018710513".into()),
            client_email: Some("e@p.lv".into()),
            client_phone: Some("26620000".into()),
            client_address: Some("Rātslaukums 1, LV-1050, Rīga".into()),
        }),
        expiry_date: Some(expiry.to_owned()),
        no_invoice: true,
        payment_object: Some("DEM11 payment".into()),
        response_url: Some("https://tv-vraa.zzdats.lv/MMTests/S2S/?id=".into()),
        server_response_url: Some("https://tv-vraa.zzdats.lv/MMTests/S2S/ok1?id=".into()),
        return_redirect_url: Some("https://latvija.lv/EP21/".into()),
        swift_code: Some("DEMO0000".into()),
        allowed_banks: vec!["DEMO0000".into(), "FIRSTDATA".into(), "HABALV22".into()],
        ..Default::default()
    }
}

/// The same buffer every time (a reference-counted clone, no copy).
pub fn constant(body: Bytes) -> BodyMaker {
    Arc::new(move || body.clone())
}

/// `checkpaymentrequeststatus` of a randomly chosen id from `ids` (not empty).
pub fn status_bodies(ids: Arc<Vec<String>>, mm_cert: Option<String>) -> BodyMaker {
    let tail = match mm_cert {
        Some(cert) => format!(r#"","MM_Cert":"{cert}"}}"#),
        None => r#""}"#.to_owned(),
    };
    Arc::new(move || {
        let id = ids
            .get(rand::rng().random_range(0..ids.len().max(1)))
            .map_or("", String::as_str);
        Bytes::from(format!(r#"{{"PaymentRequestId":"{id}{tail}"#))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn bodies_are_json() {
        let body: serde_json::Value =
            serde_json::from_slice(&create_body("2030-01-01T00:00:00Z", Some("QUJD"))).unwrap();
        assert_eq!(body["MM_Cert"], "QUJD");
        assert_eq!(
            body["PaymentsDataStructure"]["PaymentRequest"]["ServiceStep"],
            "03G10"
        );
        let status = status_bodies(Arc::new(vec!["abc".into()]), Some("QUJD".into()))();
        let status: serde_json::Value = serde_json::from_slice(&status).unwrap();
        assert_eq!(status["PaymentRequestId"], "abc");
        assert_eq!(status["MM_Cert"], "QUJD");
        let bare: serde_json::Value =
            serde_json::from_slice(&status_bodies(Arc::new(vec!["abc".into()]), None)()).unwrap();
        assert_eq!(bare, json!({"PaymentRequestId": "abc"}));
    }
}
