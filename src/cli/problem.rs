//! What a refusal from daap says, for people: the problem's title and detail, every field
//! pointer it lists (one per line), and what to do about it.

use serde_json::Value;

/// The message for a problem daap answered with `status`. One line when the problem names no
/// fields; otherwise the fields follow, one per line, each as `  <pointer>: <detail>`.
pub fn message(status: u16, body: &str) -> String {
    let problem: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let title = problem["title"].as_str().unwrap_or_default().trim();
    let detail = problem["detail"].as_str().unwrap_or(body).trim();
    let mut text = format!("daap refused the request ({status})");
    if !title.is_empty() {
        text.push_str(&format!(" {title}"));
    }
    if !detail.is_empty() {
        text.push_str(&format!(": {detail}"));
    }
    if let Some(id) = problem["errorId"].as_str() {
        text.push_str(&format!(" (error id {id})"));
    }
    let fields: Vec<String> = problem["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|error| {
            // A problem in the body names a JSON `pointer`; one in the query, its `parameter`.
            let pointer = error["pointer"].as_str().filter(|p| !p.is_empty());
            let parameter = error["parameter"].as_str().map(|p| format!("?{p}"));
            let pointer = pointer
                .map(str::to_owned)
                .or(parameter)
                .unwrap_or_else(|| "(body)".to_owned());
            format!(
                "  {pointer}: {}",
                error["detail"].as_str().unwrap_or_default()
            )
        })
        .collect();
    let advice = advice(status);
    if fields.is_empty() {
        format!("{text}; {advice}")
    } else {
        format!("{text}\n{}\n{advice}", fields.join("\n"))
    }
}

fn advice(status: u16) -> &'static str {
    match status {
        401 => "run `daap login`, or pass a token with --token (or DAAP_TOKEN)",
        403 => "ask the product's owner or a data steward for access",
        404 => "check the id (dp:<name>, dp:<name>:<table>) and that it exists",
        409 => "run the command again once the conflict is resolved",
        412 => "someone else changed it since it was read: read it again (`daap plan`) and retry",
        422 => "fix the request and run the command again",
        428 => "this server requires If-Match: read the resource first",
        429 => "too many requests: wait and try again",
        503 => "the server or its upload store is unavailable; try again later",
        _ => "try again; if it persists, report it with the error id",
    }
}
