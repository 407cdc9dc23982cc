//! The dashboard in a real browser: headless Chromium on the real `daap serve` over a seeded
//! database shows the numbers of `/v1/stats`, applies its stylesheet under the CSP, reflows on
//! a phone, starts keyboard use at the skip link, and follows links to a product and a diff;
//! with authentication on, it signs in at the (fake) identity provider and does the same.
//!
//! The screenshots it takes are the ones `docs/dashboard.md` shows: written to `docs/img/` with
//! `DAAP_UPDATE_SCREENSHOTS=1`, else to the build's scratch directory (a test run leaves the
//! work tree as it found it).

use std::path::PathBuf;
use std::sync::atomic::Ordering;

use serde_json::{Value, json};

use crate::dashboard::catalogue;
use crate::support::browser::{Browser, ENTER, TAB};
use crate::support::identity_provider::{API_CLIENT_ID, FakeIdp, TENANT, WEB_CLIENT_ID, key_a};
use crate::support::served::{Served, command};

const LAPTOP: u32 = 1280;
const PHONE: u32 = 390;

#[tokio::test]
async fn a_browser_sees_the_stats_and_follows_links_to_a_product_and_a_diff() {
    let Some(browser) = Browser::start("dashboard_browser").await else {
        return;
    };
    let app = catalogue().await;
    let (serve, port) = command(&app);
    let mut served = Served::spawn(serve, port);
    served.wait_ready().await;
    let stats: Value = daap::auth::http_client()
        .unwrap()
        .get(served.url("/v1/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    browser.resize(LAPTOP, 800).await;
    browser.goto(&served.url("/dashboard")).await;
    let shown = browser
        .run(
            "return Array.from(document.querySelectorAll('[data-stat]'), \
             e => [e.dataset.stat, e.textContent]);",
            json!([]),
        )
        .await;
    let shown = shown.as_array().unwrap();
    assert!(shown.len() >= 6, "figures shown: {shown:?}");
    for pair in shown {
        let (stat, text) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
        let pointer = format!("/{}", stat.replace('.', "/"));
        let value = stats.pointer(&pointer).unwrap_or_else(|| panic!("{stat}"));
        assert_eq!(text.replace(',', ""), value.to_string(), "{stat}");
    }
    assert!(shown.contains(&json!(["products.total", "2"])));
    assert_styled(&browser).await;
    assert_keyboard_starts_at_the_skip_link(&browser).await;
    save("overview.png", &browser.screenshot(LAPTOP, 2400).await);
    let phone = browser.screenshot(PHONE, 3200).await;
    let overflow = browser
        .run("return document.documentElement.scrollWidth;", json!([]))
        .await;
    assert!(
        overflow.as_u64().unwrap() <= u64::from(PHONE),
        "no sideways scrolling on a phone: {overflow} px wide"
    );
    save("overview-phone.png", &phone);

    browser.resize(LAPTOP, 800).await;
    let link = browser
        .find(r#"main a[href="/dashboard/products/prisons"]"#)
        .await;
    browser.click(&link).await;
    assert_eq!(
        browser.current_url().await,
        served.url("/dashboard/products/prisons")
    );
    assert_eq!(text_of(&browser, "h1").await, "prisons");
    assert_styled(&browser).await;
    save("product.png", &browser.screenshot(LAPTOP, 2400).await);

    let diff = browser
        .find(r#"a[href="/dashboard/products/prisons/diff?from=v1.1&to=v2.0"]"#)
        .await;
    browser.click(&diff).await;
    assert_eq!(
        browser.current_url().await,
        served.url("/dashboard/products/prisons/diff?from=v1.1&to=v2.0")
    );
    let bump = browser
        .run(
            "return document.querySelector('[data-bump]').dataset.bump;",
            json!([]),
        )
        .await;
    assert_eq!(bump, "major");
    save("diff.png", &browser.screenshot(LAPTOP, 2400).await);
}

/// The stylesheet loaded (the CSP allows it) and applies: the skip link is off-screen.
async fn assert_styled(browser: &Browser) {
    let rules = browser
        .run(
            "return Array.from(document.styleSheets, s => s.cssRules.length);",
            json!([]),
        )
        .await;
    assert!(
        rules.as_array().unwrap().len() == 1 && rules[0].as_u64().unwrap() > 10,
        "{rules}"
    );
}

/// The first Tab reaches the skip link, which is then visible, and Enter moves to `main`.
async fn assert_keyboard_starts_at_the_skip_link(browser: &Browser) {
    let before = browser
        .run(
            "const r = document.querySelector('a.skip').getBoundingClientRect(); \
             return r.bottom <= 0 || r.right <= 0;",
            json!([]),
        )
        .await;
    assert_eq!(before, true, "the skip link is hidden until focused");
    browser.press(TAB).await;
    let focused = browser
        .run(
            "const a = document.activeElement, r = a.getBoundingClientRect(); \
             return [a.className, a.getAttribute('href'), r.top >= 0 && r.left >= 0 && r.height > 0];",
            json!([]),
        )
        .await;
    assert_eq!(focused, json!(["skip", "#main", true]));
    browser.press(ENTER).await;
    assert!(browser.current_url().await.ends_with("/dashboard#main"));
}

async fn text_of(browser: &Browser, selector: &str) -> String {
    let text = browser
        .run(
            "return document.querySelector(arguments[0]).textContent;",
            json!([selector]),
        )
        .await;
    text.as_str().unwrap().to_owned()
}

/// A screenshot, checked to be a PNG, into `docs/img/` or the scratch directory.
fn save(name: &str, png: &[u8]) {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{name} is a PNG");
    let update = std::env::var("DAAP_UPDATE_SCREENSHOTS").is_ok_and(|v| v == "1");
    let dir = if update {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/img")
    } else {
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dashboard-screenshots")
    };
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("dashboard-{name}")), png).unwrap();
}

/// With authentication on, the sign-in page's script signs in at the identity provider
/// (authorization code + PKCE, the fake provider checks the verifier) and shows the page asked
/// for; links then work with the token, which is kept nowhere but in memory.
#[tokio::test]
async fn a_browser_signs_in_with_pkce_and_follows_links_with_the_token() {
    let Some(browser) = Browser::start("dashboard_browser sign-in").await else {
        return;
    };
    let idp = FakeIdp::start(&[&key_a()]).await;
    let app = catalogue().await;
    let (mut serve, port) = command(&app);
    serve
        .env("DAAP_AUTH_TENANT_ID", TENANT)
        .env("DAAP_AUTH_CLIENT_ID", API_CLIENT_ID)
        .env("DAAP_AUTH_AUTHORITY", idp.authority())
        .env("DAAP_DOCS_CLIENT_ID", WEB_CLIENT_ID);
    let mut served = Served::spawn(serve, port);
    served.wait_ready().await;

    browser
        .goto(&served.url("/dashboard/products/prisons"))
        .await;
    wait_for_heading(&browser, "prisons").await;

    assert_eq!(idp.state.tokens_issued.load(Ordering::SeqCst), 1);
    assert_eq!(
        browser.current_url().await,
        served.url("/dashboard/products/prisons")
    );
    let kept = browser
        .run(
            "return [sessionStorage.length, localStorage.length, document.cookie];",
            json!([]),
        )
        .await;
    assert_eq!(kept, json!([0, 0, ""]), "the token is kept in memory only");
    let diff = browser
        .find(r#"a[href="/dashboard/products/prisons/diff?from=v1.1&to=v2.0"]"#)
        .await;
    browser.click(&diff).await;
    wait_for_heading(&browser, "prisons v1.1 → v2.0").await;
    let overview = browser.find(r#"nav a[href="/dashboard"]"#).await;
    browser.click(&overview).await;
    wait_for_heading(&browser, "Platform overview").await;
    let total = text_of(&browser, r#"[data-stat="products.total"]"#).await;
    assert_eq!(total, "2");
    assert_eq!(browser.current_url().await, served.url("/dashboard"));
    assert_eq!(
        idp.state.tokens_issued.load(Ordering::SeqCst),
        1,
        "one sign-in"
    );
}

/// Waits up to 20 s for the page's `h1` to read `heading`.
async fn wait_for_heading(browser: &Browser, heading: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let shown = browser
            .run(
                "const h = document.querySelector('h1'); \
                 return [h ? h.textContent : '', document.body.innerText];",
                json!([]),
            )
            .await;
        if shown[0] == heading {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no heading {heading:?}; the page shows: {}",
            shown[1]
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
