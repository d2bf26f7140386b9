//! The console's catalogue and certificate registry (docs/console-catalogue.md)
//! on the real server, on both databases: a price scheduled from tomorrow is
//! not used today and is used once the clock reaches that day (no new
//! catalogue version needed), a request keeps the price it was created
//! with, a contract edit takes effect, the TOML editor refuses a broken file
//! naming its line and changes nothing, a certificate registered in the
//! console (pasted or uploaded as a PEM or DER file) authenticates and a
//! revoked one is refused, old notification secrets are retired after a
//! confirmation, each entry's form (service provider, service, step,
//! position, payee) adds or changes the catalogue, audited, and shows its
//! errors beside the fields changing nothing, and only the administrator may
//! change anything.

#![allow(clippy::unwrap_used)]

#[macro_use]
mod support;

use base64::Engine;
use maksa_app::auth::{Caller, Channel, Credentials};
use maksa_app::error::AppError;
use maksa_app::store::{ActivityQuery, AuditEvent};
use maksa_domain::ids::ClientId;
use maksa_domain::request::{ClientInfoInput, PaymentRequestInput, PriceListItemInput};
use reqwest::StatusCode;
use support::Backend;
use support::console::{ConsoleHub, Jar, csrf_of, start};
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
    let retire = format!("/admin/certificates/{}/retire-secrets", "ab".repeat(32));
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
            assert!(!body.contains("data-action=\"add-position\""), "{name}");
            assert!(!body.contains("data-edit="), "{name}");
        }
        for form in [
            "/admin/catalogue/entries/position",
            "/admin/catalogue/entries/step?key=03G10",
        ] {
            let (status, _, _) = hub.get(&mut jar, form).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{name} {form}");
        }
        let (status, _, _) = upload_certificate(
            &hub,
            &mut jar,
            "/admin/certificates",
            "demo",
            "demo.pem",
            b"-----BEGIN CERTIFICATE-----\n",
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name} uploads nothing");
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
                "/admin/catalogue/entries/service-provider",
                vec![
                    ("code", "NEW"),
                    ("name", "New"),
                    ("registration_number", "1"),
                ],
            ),
            (
                "/admin/catalogue/entries/payee?key=LV12TREL9150000000001",
                vec![
                    ("name", "x"),
                    ("registration_number", "1"),
                    ("iban", "LV12TREL9150000000001"),
                    ("bic", "TRELLV22"),
                ],
            ),
            (retire.as_str(), vec![("confirm", "yes")]),
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
    hub.clock.advance(Duration::minutes(1));
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
    let newest = active[0].clone();
    assert_ne!(newest, secret);

    // Retiring the older secret needs the confirmation step too.
    let (status, page, _) = hub.get(&mut anna, &detail).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-secrets=\"2\""), "{page}");
    assert!(page.contains("data-action=\"retire-secrets\""), "{page}");
    let retire = format!("{detail}/retire-secrets");
    let (status, _, headers) = hub.post_from(&mut anna, &detail, &retire, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], retire.as_str());
    let demo = ClientId::parse("demo").unwrap();
    assert_eq!(
        hub.state
            .admin
            .notification_secrets(&demo)
            .await
            .unwrap()
            .len(),
        2
    );
    let (status, page, _) = hub.get(&mut anna, &retire).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("data-action=\"confirm-retire\""), "{page}");
    let (status, _, headers) = hub
        .post_from(&mut anna, &retire, &retire, &[("confirm", "yes")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        headers["location"],
        format!("{detail}?notice=retired").as_str()
    );
    assert_eq!(
        hub.state.admin.notification_secrets(&demo).await.unwrap(),
        vec![newest],
        "only the newest signs"
    );
    let retired = events(&hub, "client.notification_secrets_retired").await;
    assert_eq!(retired.len(), 1);
    assert_eq!(retired[0].actor, "operator:anna");
    assert_eq!(retired[0].detail["client"], "demo");
    // With one secret left there is nothing to retire.
    let (_, page, _) = hub.get(&mut anna, &detail).await;
    assert!(!page.contains("data-action=\"retire-secrets\""));
    let (_, page, _) = hub.get(&mut anna, &retire).await;
    assert!(page.contains("data-nothing-to-retire"), "{page}");

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

/// The operators' audit events of `kind`, newest first.
async fn events(hub: &ConsoleHub, kind: &str) -> Vec<AuditEvent> {
    hub.store
        .operator_activity(&ActivityQuery {
            kind: Some(kind.into()),
            limit: 50,
            ..ActivityQuery::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect()
}

/// The changes the newest catalogue audit event lists.
async fn last_catalogue_changes(hub: &ConsoleHub) -> Vec<serde_json::Value> {
    let events = events(hub, "catalog.imported").await;
    events[0].detail["changes"].as_array().unwrap().clone()
}

/// GETs an entry's form and posts `form` to it with the page's CSRF token.
async fn save_entry(
    hub: &ConsoleHub,
    jar: &mut Jar,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String, reqwest::header::HeaderMap) {
    hub.post_from(jar, path, path, form).await
}

async fn entry_forms_add_and_change_the_catalogue(backend: Backend) {
    let hub = hub_with_catalogue(backend).await;
    let mut anna = hub.signed_in("anna").await;
    let (status, page, _) = hub.get(&mut anna, "/admin/catalogue").await;
    assert_eq!(status, StatusCode::OK);
    for action in [
        "add-service-provider",
        "add-service",
        "add-step",
        "add-position",
    ] {
        assert!(
            page.contains(&format!("data-action=\"{action}\"")),
            "{action}"
        );
    }
    assert!(
        page.contains("href=\"/admin/catalogue/entries/position?key=03G10%2F2346\""),
        "{page}"
    );
    assert!(page.contains("href=\"/admin/catalogue/entries/payee?key=LV12TREL9150000000001\""));

    // A service provider, a service of it, a step of that and a position of
    // the step with a new payee: each a new version, audited.
    let saved = |status: StatusCode, page: &str, headers: &reqwest::header::HeaderMap| {
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        assert_eq!(headers["location"], "/admin/catalogue?notice=entry");
    };
    let (status, page, headers) = save_entry(
        &hub,
        &mut anna,
        "/admin/catalogue/entries/service-provider",
        &[
            ("code", "RD"),
            ("name", "Rīgas dome"),
            ("registration_number", "90011524360"),
            ("address", ""),
        ],
    )
    .await;
    saved(status, &page, &headers);
    let changes = last_catalogue_changes(&hub).await;
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0]["kind"], "service_provider");
    assert_eq!(changes[0]["key"], "RD");
    assert!(changes[0]["before"].is_null());
    assert_eq!(changes[0]["after"]["name"], "Rīgas dome");
    let audited = events(&hub, "catalog.imported").await;
    assert_eq!(audited[0].actor, "operator:anna");

    let (status, page, headers) = save_entry(
        &hub,
        &mut anna,
        "/admin/catalogue/entries/service",
        &[
            ("code", "RD-PARKING"),
            ("name", "Stāvvietas"),
            ("service_provider", "RD"),
        ],
    )
    .await;
    saved(status, &page, &headers);
    let (status, page, headers) = save_entry(
        &hub,
        &mut anna,
        "/admin/catalogue/entries/step",
        &[
            ("code", "RD001"),
            ("service", "RD-PARKING"),
            ("name", "Atļauja"),
            ("payment_purpose", "Stāvvietas atļauja"),
            ("purpose_changeable", "yes"),
        ],
    )
    .await;
    saved(status, &page, &headers);
    let (status, page, headers) = save_entry(
        &hub,
        &mut anna,
        "/admin/catalogue/entries/position",
        &[
            ("step", "RD001"),
            ("code", "P1"),
            ("name", "Mēneša atļauja"),
            ("unit_price", "12,34"),
            ("payee", "new"),
            ("payee_name", "Rīgas dome"),
            ("payee_registration_number", "90011524360"),
            ("payee_iban", "LV80 BANK 0000 4351 9500 1"),
            ("payee_bic", "trellv22"),
        ],
    )
    .await;
    saved(status, &page, &headers);
    let catalog = hub.state.admin.catalog().await.unwrap().unwrap();
    let step = catalog.steps.iter().find(|s| s.code == "RD001").unwrap();
    assert!(step.purpose_changeable);
    let position = catalog.positions.iter().find(|p| p.code == "P1").unwrap();
    assert_eq!(position.unit_price.minor(), 1234, "parsed exactly");
    assert_eq!(position.currency.as_str(), "EUR");
    assert_eq!(position.payee.iban.as_str(), "LV80BANK0000435195001");
    assert_eq!(position.payee.bic.as_str(), "TRELLV22");
    assert!(!position.amount_allowed);
    let (_, page, _) = hub.get(&mut anna, "/admin/catalogue?notice=entry").await;
    assert!(page.contains("data-notice=\"saved\""));
    assert!(page.contains("data-position=\"RD001/P1\""));

    // A change keeps the key and the scheduled prices; the key sent is ignored.
    hub.state
        .admin
        .schedule_price(
            "03G10",
            "2346",
            time::macros::date!(2027 - 01 - 01),
            maksa_domain::money::Amount::from_minor(300).unwrap(),
        )
        .await
        .unwrap();
    let (status, page, headers) = save_entry(
        &hub,
        &mut anna,
        "/admin/catalogue/entries/position?key=03G10%2F2346",
        &[
            ("step", "DEM11"),
            ("code", "OTHER"),
            ("name", "Izziņa no reģistra (jauna)"),
            ("unit_price", "1.5"),
            ("amount_allowed", "yes"),
            ("payee", "LV12TREL9150000000001"),
        ],
    )
    .await;
    saved(status, &page, &headers);
    let catalog = hub.state.admin.catalog().await.unwrap().unwrap();
    let position = catalog
        .positions
        .iter()
        .find(|p| p.step == "03G10" && p.code == "2346")
        .unwrap();
    assert_eq!(position.name, "Izziņa no reģistra (jauna)");
    assert_eq!(position.unit_price.minor(), 150);
    assert_eq!(position.prices.len(), 1, "the schedule stays");
    assert!(position.amount_allowed);
    assert!(!catalog.positions.iter().any(|p| p.code == "OTHER"));
    let changes = last_catalogue_changes(&hub).await;
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0]["before"]["unit_price"], 100);
    assert_eq!(changes[0]["after"]["unit_price"], 150);

    // A payee's new details reach every position paid to it.
    let paid_before = catalog
        .positions
        .iter()
        .filter(|p| p.payee.iban.as_str() == "LV12TREL9150000000001")
        .count();
    assert!(paid_before > 1);
    let (status, page, headers) = save_entry(
        &hub,
        &mut anna,
        "/admin/catalogue/entries/payee?key=LV12TREL9150000000001",
        &[
            ("name", "VDAA (jaunais nosaukums)"),
            ("registration_number", "90000036859"),
            ("iban", "LV12TREL9150000000001"),
            ("bic", "TRELLV22"),
        ],
    )
    .await;
    saved(status, &page, &headers);
    let catalog = hub.state.admin.catalog().await.unwrap().unwrap();
    let renamed = catalog
        .positions
        .iter()
        .filter(|p| p.payee.name == "VDAA (jaunais nosaukums)")
        .count();
    assert_eq!(renamed, paid_before);
    assert_eq!(last_catalogue_changes(&hub).await.len(), paid_before);

    // Errors: beside their fields, or the catalogue's own above the form;
    // nothing changes, the values sent are kept.
    let before = hub.state.admin.export_catalog().await.unwrap();
    let versions = events(&hub, "catalog.imported").await.len();
    let (status, page, _) = save_entry(
        &hub,
        &mut anna,
        "/admin/catalogue/entries/position",
        &[
            ("step", "RD001"),
            ("code", "P2"),
            ("name", ""),
            ("unit_price", "1.005"),
            ("payee", "new"),
            ("payee_name", "X"),
            ("payee_registration_number", "1"),
            ("payee_iban", "LV81BANK0000435195001"),
            ("payee_bic", "TRELLV22"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    for field in ["name", "unit_price", "payee_iban"] {
        assert!(
            page.contains(&format!("data-error-for=\"{field}\"")),
            "{field}: {page}"
        );
    }
    assert!(
        page.contains("id=\"entry-unit_price\" name=\"unit_price\" type=\"text\" value=\"1.005\""),
        "{page}"
    );
    assert!(page.contains("aria-invalid=\"true\""));
    let (status, page, _) = save_entry(
        &hub,
        &mut anna,
        "/admin/catalogue/entries/payee?key=LV12TREL9150000000001",
        &[
            ("name", "VDAA"),
            ("registration_number", "90000036859"),
            ("iban", "LV12TREL9150000000002"),
            ("bic", "TRELLV22"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("data-error-for=\"iban\""), "{page}");
    // A whole-catalogue error: a service of no known provider.
    let (status, page, _) = save_entry(
        &hub,
        &mut anna,
        "/admin/catalogue/entries/service",
        &[
            ("code", "LOST"),
            ("name", "Lost"),
            ("service_provider", "NOBODY"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("id=\"entry-errors\""), "{page}");
    assert!(page.contains("unknown service provider"), "{page}");
    // A key that is taken.
    let (status, page, _) = save_entry(
        &hub,
        &mut anna,
        "/admin/catalogue/entries/service-provider",
        &[
            ("code", "RD"),
            ("name", "Cits"),
            ("registration_number", "1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert!(page.contains("already"), "{page}");
    // No such entry to change.
    let (status, _, _) = hub
        .get(&mut anna, "/admin/catalogue/entries/step?key=NOSUCH")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = hub
        .get(&mut anna, "/admin/catalogue/entries/contract")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(hub.state.admin.export_catalog().await.unwrap(), before);
    assert_eq!(events(&hub, "catalog.imported").await.len(), versions);
}

/// POSTs the registration form as `multipart/form-data` with the
/// certificate as a file, the CSRF token of the page at `page_path`.
async fn upload_certificate(
    hub: &ConsoleHub,
    jar: &mut Jar,
    page_path: &str,
    client: &str,
    file_name: &str,
    content: &[u8],
) -> (StatusCode, String, reqwest::header::HeaderMap) {
    let (_, page, _) = hub.get(jar, page_path).await;
    let token = csrf_of(&page);
    hub.upload(
        jar,
        "/admin/certificates",
        &[
            ("csrf", token.as_str()),
            ("client", client),
            ("roles", ""),
            ("services", ""),
            ("certificate", ""),
        ],
        "certificate_file",
        file_name,
        content,
    )
    .await
}

async fn certificate_files_pem_and_der(backend: Backend) {
    let hub = hub_with_catalogue(backend).await;
    let mut anna = hub.signed_in("anna").await;
    let pki = maksa_x509::generate_demo_pki(&["localhost".into()], "upload test").unwrap();
    let issue = |name: &str| {
        maksa_x509::issue_client_cert(
            &pki.ca_cert_pem,
            &pki.ca_key_pem,
            name,
            datetime!(2026-01-01 00:00 UTC),
            datetime!(2027-12-31 00:00 UTC),
        )
        .unwrap()
        .0
    };
    let (status, page, _) = hub.get(&mut anna, "/admin/certificates").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("enctype=\"multipart/form-data\""));
    assert!(page.contains("type=\"file\""));

    // A garbage file: refused, saying why, nothing registered.
    let (status, page, _) = upload_certificate(
        &hub,
        &mut anna,
        "/admin/certificates",
        "demo",
        "notes.txt",
        b"\x00\x01 this is not a certificate",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("data-refusal"), "{page}");
    assert!(page.contains("certificate"), "{page}");
    assert!(hub.state.admin.clients().await.unwrap().is_empty());
    // Too large a file: refused.
    let (status, _, _) = upload_certificate(
        &hub,
        &mut anna,
        "/admin/certificates",
        "demo",
        "huge.pem",
        &vec![b'A'; 40 * 1024],
    )
    .await;
    assert!(status.is_client_error(), "{status}");
    assert!(hub.state.admin.clients().await.unwrap().is_empty());

    // A PEM file.
    let pem = issue("uploaded as PEM");
    let (status, page, _) = upload_certificate(
        &hub,
        &mut anna,
        "/admin/certificates",
        "demo",
        "demo.pem",
        pem.as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("data-state=\"registered\""));
    let pem_thumbprint = maksa_x509::parse_mm_cert(&pem).unwrap().thumbprint_sha256;
    assert!(page.contains(&pem_thumbprint), "{page}");

    // A DER file.
    let der_pem = issue("uploaded as DER");
    let base64_body: String = der_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(base64_body)
        .unwrap();
    let (status, page, _) = upload_certificate(
        &hub,
        &mut anna,
        "/admin/certificates",
        "demo",
        "demo.cer",
        &der,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let der_thumbprint = maksa_x509::parse_mm_cert(&der_pem)
        .unwrap()
        .thumbprint_sha256;
    assert!(page.contains(&der_thumbprint), "{page}");
    let registered: Vec<String> = hub
        .state
        .admin
        .clients()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.thumbprint)
        .collect();
    assert_eq!(registered.len(), 2);
    assert!(registered.contains(&pem_thumbprint) && registered.contains(&der_thumbprint));
    let audited = events(&hub, "client_certificate.registered").await;
    assert_eq!(audited.len(), 2);
    assert_eq!(audited[0].actor, "operator:anna");
}

on_both_backends!(
    entry_forms_add_and_change_the_catalogue,
    certificate_files_pem_and_der,
    scheduled_prices_take_effect_on_their_day,
    contract_edits_and_the_toml_editor,
    only_the_administrator_changes_anything,
    certificates_register_rotate_and_revoke,
);
