//! How the DataHub target fails: GMS down, throttling, server errors and timeouts are
//! transient; refused proposals and tokens are permanent; settings are checked and the token
//! is never shown.

use std::time::Duration;

use axum::http::StatusCode;
use daap::sync::datahub::{DataHubSettings, DataHubTarget};
use daap::sync::snapshot::{Delivery, RemovedProduct};
use daap::sync::target::{DeliveryError, Target};

use crate::fake_gms::FakeGms;
use crate::sync_datahub_fixtures::{TIMEOUT, incidents, snapshot, target};

#[tokio::test]
async fn datahub_gms_down_is_transient() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let target = DataHubTarget::new(DataHubSettings::new(url)).unwrap();
    let error = target
        .apply(
            &Delivery::Publish(snapshot(0, vec![incidents()], &[])),
            TIMEOUT,
        )
        .await
        .unwrap_err();
    assert!(matches!(error, DeliveryError::Transient(_)), "{error:?}");
}

#[tokio::test]
async fn datahub_refused_proposal_is_permanent() {
    let gms = FakeGms::start().await;
    gms.force(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Failed to validate record",
    );
    let error = target(&gms, None)
        .apply(
            &Delivery::Publish(snapshot(0, vec![incidents()], &[])),
            TIMEOUT,
        )
        .await
        .unwrap_err();
    let DeliveryError::Permanent(message) = error else {
        panic!("{error:?}")
    };
    assert!(message.contains("Failed to validate record"), "{message}");

    for status in [StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN] {
        gms.force(status, "no");
        let error = target(&gms, Some("wrong"))
            .apply(
                &Delivery::Publish(snapshot(0, vec![incidents()], &[])),
                TIMEOUT,
            )
            .await
            .unwrap_err();
        assert!(
            matches!(error, DeliveryError::Permanent(_)),
            "{status}: {error:?}"
        );
        assert!(
            !error.to_string().contains("wrong"),
            "the token is never shown"
        );
    }
}

#[tokio::test]
async fn datahub_throttling_and_server_errors_are_transient() {
    let gms = FakeGms::start().await;
    for status in [
        StatusCode::TOO_MANY_REQUESTS,
        StatusCode::INTERNAL_SERVER_ERROR,
        StatusCode::SERVICE_UNAVAILABLE,
    ] {
        gms.force(status, "busy");
        let removal = Delivery::Remove(RemovedProduct {
            name: "prison_incidents".into(),
            domain: "HMPPS".into(),
            majors: vec![],
        });
        let error = target(&gms, None)
            .apply(&removal, TIMEOUT)
            .await
            .unwrap_err();
        assert!(
            matches!(error, DeliveryError::Transient(_)),
            "{status}: {error:?}"
        );
    }
}

#[tokio::test]
async fn datahub_apply_gives_up_at_the_timeout() {
    let gms = FakeGms::start().await;
    gms.delay(Duration::from_secs(5));
    let started = std::time::Instant::now();
    let error = target(&gms, None)
        .apply(
            &Delivery::Publish(snapshot(0, vec![incidents()], &[])),
            Duration::from_millis(200),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, DeliveryError::Transient(_)), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn datahub_settings_are_checked_and_never_show_the_token() {
    let mut settings = DataHubSettings::new("http://gms:8080");
    assert_eq!(settings.environment, "PROD");
    settings.token = Some("very-secret".into());
    let shown = format!("{settings:?}");
    assert!(!shown.contains("very-secret"), "{shown}");
    assert!(shown.contains("<redacted>"), "{shown}");
    let target = DataHubTarget::new(settings.clone()).unwrap();
    assert!(!format!("{target:?}").contains("very-secret"));

    assert!(DataHubTarget::new(DataHubSettings::new("gms:8080")).is_err());
    assert!(DataHubTarget::new(DataHubSettings::new("ftp://gms")).is_err());
    let mut bad_env = DataHubSettings::new("http://gms:8080");
    bad_env.environment = "PRODUCTION".into();
    assert!(DataHubTarget::new(bad_env).is_err());
    let mut dev = DataHubSettings::new("http://gms:8080");
    dev.environment = "dev".into();
    assert_eq!(DataHubTarget::new(dev).unwrap().environment(), "DEV");
}
