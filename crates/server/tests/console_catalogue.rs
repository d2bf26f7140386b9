//! The console's catalogue and certificate registry (docs/console-catalogue.md)
//! on the real server, on both databases: a price scheduled from tomorrow is
//! not used today and is used once the clock reaches that day (no new
//! catalogue version needed), a request keeps the price it was created
//! with, a contract edit takes effect, the TOML editor refuses a broken file
//! naming its line and changes nothing, a certificate registered in the
//! console authenticates and a revoked one is refused, and only the
//! administrator may change anything.

#![allow(clippy::unwrap_used)]

#[macro_use]
mod support;

use maksa_app::auth::{Caller, Channel, Credentials};
use maksa_app::error::AppError;
use maksa_domain::ids::ClientId;
use maksa_domain::request::{ClientInfoInput, PaymentRequestInput, PriceListItemInput};
use reqwest::StatusCode;
use support::Backend;
use support::console::{ConsoleHub, start};
use time::Duration;
use time::macros::datetime;

const DEMO: &str = include_str!("../../../demo/catalog.toml");

async fn hub_with_catalogue(backend: Backend) -> ConsoleHub {
    let hub = start(backend).await;
    hub.state.admin.import_catalog(DEMO).await.unwrap();
    hub.state.requests.reload_catalog().await.unwrap();
    hub
}

fn caller() -> Caller {
    Caller {
        client: ClientId::parse("demo").unwrap(),
        thumbprint: "00".repeat(32),
        roles: Vec::new(),
        services: Vec::new(),
    }
}

fn input(quantity: &str) -> PaymentRequestInput {
    PaymentRequestInput {
        service_step: Some("03G10".into()),
        price_list: vec![PriceListItemInput {
            position: Some("2346".into()),
            item: Some(quantity.into()),
            item_element_name: Some("Quantity".into()),
        }],
        client_info: Some(ClientInfoInput {
            client_name: Some("Paraudziņš".into()),
            client_first_name: Some("Ernests".into()),
            ..Default::default()
        }),
        no_invoice: true,
        response_url: Some("https://tv-vraa.zzdats.lv/MMTests/S2S/?id=".into()),
        return_redirect_url: Some("https://latvija.lv/EP21/".into()),
        ..Default::default()
    }
}

/// Creates a request for `quantity` of 03G10/2346; answers its id.
async fn create(hub: &ConsoleHub, quantity: &str) -> Result<String, AppError> {
    let created = hub.state.requests.save(&caller(), &input(quantity)).await?;
    Ok(created.id.to_string())
}

/// The unit price and amount of the request's one line, in cents.
async fn line_of(hub: &ConsoleHub, id: &str) -> (i64, i64) {
    let request = hub.state.requests.get(&caller(), id).await.unwrap();
    let line = &request.payments[0].lines[0];
    (line.unit_price.minor(), line.amount.minor())
}

async fn scheduled_prices_take_effect_on_their_day(backend: Backend) {
    let hub = hub_with_catalogue(backend).await;
    let mut anna = hub.signed_in("anna").await;
    // 20:00 UTC on 30 November is 22:00 in Riga: today is 2026-11-30.
    let before = create(&hub, "2").await.unwrap();
    assert_eq!(line_of(&hub, &before).await, (100, 200));

    let (status, page, headers) = hub
        .post_from(
            &mut anna,
            "/admin/catalogue",
            "/admin/catalogue/prices",
            &[
                ("position", "03G10/2346"),
                ("from", "2026-12-01"),
                ("unit_price", "2.50"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert_eq!(headers["location"], "/admin/catalogue?notice=scheduled");
    let (status, page, _) = hub
        .get(&mut anna, "/admin/catalogue?notice=scheduled")
        .await;
    assert_eq!(status, StatusCode::OK);
    let row = page
        .split("data-position=\"03G10/2346\"")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    assert!(row.contains("data-price-today=\"1.00\""), "{row}");
    assert!(row.contains("data-from=\"2026-12-01\""), "{row}");
    assert!(row.contains("2.50 EUR"), "{row}");
    assert!(page.contains("data-notice=\"saved\""));

    // Still today: the old price.
    let today = create(&hub, "2").await.unwrap();
    assert_eq!(line_of(&hub, &today).await, (100, 200));

    // Midnight in Riga: the new price, without a new catalogue version.
    hub.clock.advance(Duration::hours(2));
    let tomorrow = create(&hub, "2").await.unwrap();
    assert_eq!(line_of(&hub, &tomorrow).await, (250, 500));
    // Requests created before keep theirs.
    assert_eq!(line_of(&hub, &before).await, (100, 200));
    assert_eq!(line_of(&hub, &today).await, (100, 200));
    let (_, page, _) = hub.get(&mut anna, "/admin/catalogue").await;
    assert!(page.contains("data-price-today=\"2.50\""));

    // A past day, or one not after the last change: refused, nothing changed.
    let version_before = hub.state.admin.export_catalog().await.unwrap();
    for from in ["2026-11-30", "2026-12-01"] {
        let (status, page, _) = hub
            .post_from(
                &mut anna,
                "/admin/catalogue",
                "/admin/catalogue/prices",
                &[
                    ("position", "03G10/2346"),
                    ("from", from),
                    ("unit_price", "9.00"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{from}: {page}");
        assert!(page.contains("data-state=\"refused\""), "{page}");
    }
    for (from, price) in [("1.12.2026", "3.00"), ("2027-01-01", "3.001")] {
        let (status, _, _) = hub
            .post_from(
                &mut anna,
                "/admin/catalogue",
                "/admin/catalogue/prices",
                &[
                    ("position", "03G10/2346"),
                    ("from", from),
                    ("unit_price", price),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{from} {price}");
    }
    assert_eq!(
        hub.state.admin.export_catalog().await.unwrap(),
        version_before
    );
    // The export holds the schedule and reads back.
    let (status, toml, headers) = hub.get(&mut anna, "/admin/catalogue.toml").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/toml")
    );
    assert!(
        toml.contains("{ from = \"2026-12-01\", unit_price = \"2.50\" }"),
        "{toml}"
    );
    maksa_app::catalog_file::parse_catalog(&toml).unwrap();
}

async fn contract_edits_and_the_toml_editor(backend: Backend) {
    let hub = hub_with_catalogue(backend).await;
    let mut anna = hub.signed_in("anna").await;
    create(&hub, "1").await.unwrap();
    let (status, page, _) = hub
        .post_from(
            &mut anna,
            "/admin/catalogue",
            "/admin/catalogue/contracts/demo",
            &[
                ("services", "DEMO-DOCUMENTS"),
                ("providers", "DEMO0000, HABALV22"),
                (
                    "origins",
                    "https://tv-vraa.zzdats.lv\nhttps://LATVIJA.lv:443/",
                ),
                ("wire_profile", "precise"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let catalog = hub.state.admin.catalog().await.unwrap().unwrap();
    let contract = catalog.contract(&ClientId::parse("demo").unwrap()).unwrap();
    assert_eq!(contract.services, vec!["DEMO-DOCUMENTS".to_owned()]);
    assert_eq!(contract.providers.len(), 2);
    assert_eq!(contract.origins[1], "https://latvija.lv");
    assert!(!contract.notify_cancelled);
    // Taken into account at once: 03G10 belongs to DEMO-SERVICE.
    let refused = create(&hub, "1").await.unwrap_err();
    assert!(
        refused.to_string().contains("not in your contract"),
        "{refused}"
    );
    // An unknown provider: refused, nothing changed.
    let (status, page, _) = hub
        .post_from(
            &mut anna,
            "/admin/catalogue",
            "/admin/catalogue/contracts/demo",
            &[
                ("services", "*"),
                ("providers", "NOSUCHBANK"),
                ("wire_profile", "original"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("unknown provider"), "{page}");
    assert_eq!(hub.state.admin.catalog().await.unwrap().unwrap(), catalog);

    // The editor shows the current catalogue; a broken one is refused with
    // its line, and nothing changes.
    let (status, page, _) = hub.get(&mut anna, "/admin/catalogue/edit").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("[[position]]"));
    let current = hub.state.admin.export_catalog().await.unwrap().unwrap();
    let broken = current.replacen("kind = \"demo\"", "kind = \"teller\"", 1);
    let line = broken.lines().position(|l| l.contains("teller")).unwrap() + 1;
    let (status, page, _) = hub
        .post_from(
            &mut anna,
            "/admin/catalogue/edit",
            "/admin/catalogue/edit",
            &[("toml", &broken)],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("data-state=\"invalid\""));
    assert!(page.contains(&format!("data-line=\"{line}\"")), "{page}");
    assert!(page.contains("teller"), "the text is kept");
    assert_eq!(
        hub.state.admin.export_catalog().await.unwrap().unwrap(),
        current
    );
    // A valid edit is a new version.
    let renamed = current.replacen("name = \"Demo banka\"", "name = \"Demo banka 2\"", 1);
    let (status, _, headers) = hub
        .post_from(
            &mut anna,
            "/admin/catalogue/edit",
            "/admin/catalogue/edit",
            &[("toml", &renamed)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/admin/catalogue?notice=imported");
    let (_, page, _) = hub.get(&mut anna, "/admin/catalogue").await;
    assert!(page.contains("Demo banka 2"));
}

async fn only_the_administrator_changes_anything(backend: Backend) {
    let hub = hub_with_catalogue(backend).await;
    let revoke = format!("/admin/certificates/{}/revoke", "ab".repeat(32));
    let catalogue_before = format!("{:?}", hub.state.admin.catalog().await.unwrap());
    for name in ["berta", "vera"] {
        let mut jar = hub.signed_in(name).await;
        for page in ["/admin/catalogue", "/admin/certificates"] {
            let (status, body, _) = hub.get(&mut jar, page).await;
            assert_eq!(status, StatusCode::OK, "{name} {page}");
            assert!(!body.contains("data-action=\"schedule-price\""), "{name}");
            assert!(
                !body.contains("data-action=\"register-certificate\""),
                "{name}"
            );
        }
        let (status, _, _) = hub.get(&mut jar, "/admin/catalogue.toml").await;
        assert_eq!(status, StatusCode::OK, "{name} may export");
        let (status, _, _) = hub.get(&mut jar, "/admin/catalogue/edit").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
        for (path, form) in [
            (
                "/admin/catalogue/prices",
                vec![
                    ("position", "03G10/2346"),
                    ("from", "2027-01-01"),
                    ("unit_price", "9.00"),
                ],
            ),
            (
                "/admin/catalogue/contracts/demo",
                vec![
                    ("services", "*"),
                    ("providers", "DEMO0000"),
                    ("wire_profile", "original"),
                ],
            ),
            ("/admin/catalogue/edit", vec![("toml", "")]),
            (
                "/admin/certificates",
                vec![("client", "x"), ("certificate", "x")],
            ),
            ("/admin/certificates/secrets/demo", vec![]),
            (revoke.as_str(), vec![("confirm", "yes")]),
        ] {
            let (status, body, _) = hub
                .post_from(&mut jar, "/admin/catalogue", path, &form)
                .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{name} {path}: {body}");
        }
    }
    assert_eq!(
        format!("{:?}", hub.state.admin.catalog().await.unwrap()),
        catalogue_before,
        "no refused action changed the catalogue"
    );
    assert!(hub.state.admin.clients().await.unwrap().is_empty());
}

async fn certificates_register_rotate_and_revoke(backend: Backend) {
    let hub = hub_with_catalogue(backend).await;
    let mut anna = hub.signed_in("anna").await;
    let pki = maksa_x509::generate_demo_pki(&["localhost".into()], "console test").unwrap();
    let (pem, _) = maksa_x509::issue_client_cert(
        &pki.ca_cert_pem,
        &pki.ca_key_pem,
        "e-service of the console test",
        datetime!(2026-01-01 00:00 UTC),
        datetime!(2027-12-31 00:00 UTC),
    )
    .unwrap();
    let info = maksa_x509::parse_mm_cert(&pem).unwrap();
    let credentials = Credentials {
        channel: Channel::Tls {
            peer: Some(maksa_server::presented(&info)),
        },
        body_certificate: None,
    };
    let refused = hub.state.auth.authenticate(&credentials).await.unwrap_err();
    assert!(refused.to_string().contains("not registered"), "{refused}");

    // A certificate that cannot be read is refused, nothing registered.
    let (status, _, _) = hub
        .post_from(
            &mut anna,
            "/admin/certificates",
            "/admin/certificates",
            &[
                ("client", "demo"),
                ("certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(hub.state.admin.clients().await.unwrap().is_empty());

    let (status, page, _) = hub
        .post_from(
            &mut anna,
            "/admin/certificates",
            "/admin/certificates",
            &[
                ("client", "demo"),
                ("certificate", &pem),
                ("roles", "MM_INVOICE_SERVICE"),
                ("services", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("data-state=\"registered\""));
    let secret = page
        .split("data-secret=\"\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(secret.len(), 64);
    let caller = hub.state.auth.authenticate(&credentials).await.unwrap();
    assert_eq!(caller.client.as_str(), "demo");
    assert_eq!(caller.roles, vec!["MM_INVOICE_SERVICE".to_owned()]);
    let thumbprint = info.thumbprint_sha256.clone();

    // The registry lists it; the secret is never shown again.
    let (status, page, _) = hub.get(&mut anna, "/admin/certificates").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&thumbprint));
    assert!(!page.contains(&secret));

    // Roles and services.
    let detail = format!("/admin/certificates/{thumbprint}");
    let (status, page, _) = hub
        .post_from(
            &mut anna,
            &detail,
            &format!("{detail}/access"),
            &[("roles", ""), ("services", "DEMO-SERVICE")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let caller = hub.state.auth.authenticate(&credentials).await.unwrap();
    assert!(caller.roles.is_empty());
    assert_eq!(caller.services, vec!["DEMO-SERVICE".to_owned()]);

    // Rotation: a new secret shown once, the old one still signs.
    let (status, page, _) = hub
        .post_from(
            &mut anna,
            "/admin/certificates",
            "/admin/certificates/secrets/demo",
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("data-secret"));
    let active = hub
        .state
        .admin
        .notification_secrets(&ClientId::parse("demo").unwrap())
        .await
        .unwrap();
    assert_eq!(active.len(), 2);
    assert!(active.contains(&secret));

    // Revoking needs the confirmation step.
    let revoke = format!("{detail}/revoke");
    let (status, _, headers) = hub.post_from(&mut anna, &detail, &revoke, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], revoke.as_str());
    assert!(hub.state.auth.authenticate(&credentials).await.is_ok());
    let (status, page, _) = hub.get(&mut anna, &revoke).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-action=\"confirm-revoke\""));
    let (status, _, headers) = hub
        .post_from(&mut anna, &revoke, &revoke, &[("confirm", "yes")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/admin/certificates?notice=revoked");
    let refused = hub.state.auth.authenticate(&credentials).await.unwrap_err();
    assert!(refused.to_string().contains("revoked"), "{refused}");
    let (_, page, _) = hub.get(&mut anna, "/admin/certificates").await;
    assert!(page.contains("data-revoked=\"true\""));
}

on_both_backends!(
    scheduled_prices_take_effect_on_their_day,
    contract_edits_and_the_toml_editor,
    only_the_administrator_changes_anything,
    certificates_register_rotate_and_revoke,
);
