//! The page shell every dashboard page shares: language, title, the stylesheet, a skip link,
//! the navigation and one `main` landmark.

use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

/// A whole page titled `title` around `body`, as an HTML response.
pub fn page(title: &str, body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · daap dashboard" }
                link rel="stylesheet" href="/dashboard/dashboard.css";
            }
            body {
                a class="skip" href="#main" { "Skip to content" }
                header {
                    nav aria-label="Dashboard" {
                        a href="/dashboard" { "Overview" }
                        a href="/dashboard/products" { "Products" }
                        a href="/v1/stats" { "Statistics (JSON)" }
                    }
                }
                main id="main" {
                    h1 { (title) }
                    (body)
                }
            }
        }
    };
    Html(markup.into_string()).into_response()
}

/// A number with thousands separators, as people read it.
pub fn number(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// `value` percent-encoded for a query string.
pub fn query_value(value: &str) -> String {
    serde_urlencoded::to_string([("v", value)])
        .map(|pair| pair[2..].to_owned())
        .unwrap_or_default()
}
