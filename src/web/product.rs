//! `/dashboard/products/{name}`: one product for people: its metadata, its versions as a
//! timeline with each change explained, its tables with their columns and latest uploads, and
//! its sync status.

use axum::extract::{Path, State};
use axum::response::Response;
use maud::{Markup, html};

use crate::domain::changes::{ChangeSet, TableChangeEntry};
use crate::domain::table::ChangeBump;
use crate::domain::{Bump, DataProductName};
use crate::error::ApiError;
use crate::http::AppState;
use crate::store::uploads::UploadRow;
use crate::store::{outbox, products, tables, versions};

use super::layout;

/// The most versions the timeline shows (newest first).
const TIMELINE: i64 = 100;
/// The most uploads shown per table (newest first; the rest through the API).
const UPLOADS: usize = 5;

/// The product called `raw`, or a 404 problem.
pub async fn find(
    conn: &mut sqlx::PgConnection,
    raw: &str,
) -> Result<products::ProductVersionRow, ApiError> {
    let name = DataProductName::parse(raw)
        .map_err(|why| ApiError::NotFound(format!("no product {raw:?}: {why}")))?;
    products::find_head(conn, &name, None)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("dp:{name} does not exist")))
}

pub async fn page(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let mut conn = state.pool.acquire().await?;
    let head = find(&mut conn, &name).await?;
    let history = versions::list_versions(&mut conn, head.product_id, i32::MAX, TIMELINE).await?;
    let schemas = tables::tables_at(&mut conn, head.product_id, head.seq).await?;
    let sync = outbox::status(&mut conn, head.product_id).await?;
    let mut uploads = Vec::with_capacity(schemas.len());
    for t in &schemas {
        let recent = crate::http::uploads::recent(
            &state,
            &mut conn,
            head.product_id,
            &t.table_name,
            UPLOADS,
        );
        uploads.push(recent.await?);
    }
    let versions: Vec<String> = history
        .iter()
        .map(|v| format!("v{}.{}", v.major, v.minor))
        .collect();
    let body = html! {
        p class="lead" { (head.description) }
        dl class="metadata" {
            dt { "Id" } dd { code { "dp:" (head.name) } }
            dt { "Latest version" } dd { (head.version()) }
            dt { "Domain" } dd { a href=(format!("/dashboard/products?domain={}", layout::query_value(&head.domain))) { (head.domain) } }
            dt { "Status" } dd { (head.status.as_str()) }
            dt { "Owner" } dd { (head.data_product_owner_display_name) " <" (head.data_product_owner) ">" }
            dt { "Maintainer" } dd {
                @if let Some(m) = &head.data_product_maintainer { (m) } @else { span class="warn" { "none" } }
            }
            dt { "Contact" } dd { (head.email) }
            dt { "Retention" } dd { (head.retention_period) " days" }
            dt { "DPIA required" } dd { @if head.dpia_required { "yes" } @else { "no" } }
            dt { "Tags" } dd {
                @if head.tags.0.is_empty() { "none" }
                @for (k, v) in head.tags.0.iter() { span class="tag" { (k) ": " (v) } " " }
            }
            dt { "Last changed" } dd { (head.updated_at.date()) " by " (head.updated_by) }
        }
        section aria-labelledby="compare" {
            h2 id="compare" { "Compare two versions" }
            form method="get" action=(format!("/dashboard/products/{}/diff", head.name)) class="filters" {
                label { "From " select name="from" {
                    @for (i, v) in versions.iter().enumerate() { option value=(v) selected[i == 1] { (v) } }
                } }
                label { "To " select name="to" {
                    @for v in &versions { option value=(v) { (v) } }
                } }
                button type="submit" { "Show differences" }
            }
        }
        section aria-labelledby="timeline" {
            h2 id="timeline" { "Versions" }
            ol class="timeline" reversed {
                @for (i, v) in history.iter().enumerate() {
                    @let changes: ChangeSet = serde_json::from_value(v.changes.clone()).unwrap_or_default();
                    li class=(bump_class(v.bump)) {
                        h3 { "v" (v.major) "." (v.minor) " " span class="badge" { (bump_label(v.bump)) } }
                        p class="muted" { (v.created_at.date()) " " (v.created_at.time().hour()) ":" (format!("{:02}", v.created_at.time().minute())) " UTC, by "
                            (v.created_by_name.as_deref().unwrap_or(&v.created_by)) }
                        p { (changes.summary()) }
                        (explain(&changes))
                        @if let Some(previous) = versions.get(i + 1) {
                            p { a href=(format!("/dashboard/products/{}/diff?from={previous}&to={}", head.name, versions[i])) {
                                "Differences from " (previous) } }
                        }
                    }
                }
            }
        }
        section aria-labelledby="tables" {
            h2 id="tables" { "Tables (" (schemas.len()) ")" }
            @if schemas.is_empty() { p class="muted" { "No tables yet." } }
            @for (t, (recent, more)) in schemas.iter().zip(&uploads) {
                table {
                    caption { code { (t.table_name) } ": "
                        @if t.table_description.trim().is_empty() { span class="warn" { "no description" } }
                        @else { (t.table_description) } }
                    thead { tr { th scope="col" { "Column" } th scope="col" { "Type" } th scope="col" { "Description" } } }
                    tbody { @for c in &t.columns.0 { tr {
                        th scope="row" { code { (c.name) } } td { code { (c.data_type) } }
                        td { @if c.description.trim().is_empty() { span class="warn" { "none" } } @else { (c.description) } }
                    } } }
                }
                @if state.uploads.is_some() {
                    (upload_list(&head.name, &t.table_name, recent, *more))
                }
            }
        }
        section aria-labelledby="sync" {
            h2 id="sync" { "Catalogue sync" }
            @if sync.is_empty() { p class="muted" { "Not configured for this product." } }
            @else {
                table {
                    thead { tr { th scope="col" { "Target" } th scope="col" { "Shows" } th scope="col" class="num" { "Pending" } th scope="col" { "Last error" } } }
                    tbody { @for s in &sync { tr {
                        th scope="row" { (s.target) }
                        td { @match (s.synced_major, s.synced_minor) { (Some(a), Some(b)) => { "v" (a) "." (b) }, _ => "nothing yet" } }
                        td class="num" { (s.pending) @if s.parked { " (parked)" } }
                        td { (s.last_error.as_deref().unwrap_or("")) }
                    } } }
                }
            }
        }
    };
    Ok(layout::page(&head.name, body))
}

/// A table's latest uploads: when, which file, checked against which version, and their
/// status now (as `GET /v1/schemas/{id}/uploads` says).
fn upload_list(product: &str, table: &str, recent: &[UploadRow], more: bool) -> Markup {
    let api = format!("/v1/schemas/dp:{product}:{table}/uploads");
    html! {
        @if recent.is_empty() {
            p class="muted" { "No uploads to " code { (table) } " yet." }
        } @else {
            table class="uploads" {
                caption { "Latest uploads to " code { (table) } }
                thead { tr {
                    th scope="col" { "Issued (UTC)" } th scope="col" { "File" }
                    th scope="col" { "Version" } th scope="col" { "Status" } th scope="col" class="num" { "Bytes" }
                } }
                tbody { @for u in recent { tr {
                    td { (u.created_at.date()) " " (format!("{:02}:{:02}", u.created_at.hour(), u.created_at.minute())) }
                    th scope="row" { (u.filename) }
                    td { (u.version()) }
                    td data-upload-status=(u.status) { (u.status) }
                    td class="num" { @if let Some(n) = u.received_length.or(u.content_length) { (layout::number(n)) } }
                } } }
            }
            @if more { p { a href=(api) { "All uploads to " (table) " (JSON)" } } }
        }
    }
}

fn bump_label(bump: Bump) -> &'static str {
    match bump {
        Bump::Initial => "registered",
        Bump::Minor => "minor",
        Bump::Major => "major: breaking",
    }
}

fn bump_class(bump: Bump) -> &'static str {
    match bump {
        Bump::Initial => "initial",
        Bump::Minor => "minor",
        Bump::Major => "major",
    }
}

/// Each table change in words, and why it is major or minor.
pub fn explain(changes: &ChangeSet) -> Markup {
    html! {
        @if !changes.metadata.is_empty() {
            p { "Metadata changed: " (changes.metadata.join(", ")) " (minor: consumers are not affected)." }
        }
        @if !changes.tables.is_empty() {
            ul class="changes" {
                @for entry in &changes.tables { li { (table_change(entry)) } }
            }
        }
    }
}

fn table_change(entry: &TableChangeEntry) -> Markup {
    use crate::domain::changes::TableChangeKind;
    let c = &entry.change;
    let why = match (entry.kind, entry.bump()) {
        (TableChangeKind::Created, _) => "minor: a new table breaks no consumer",
        (TableChangeKind::Deleted, _) => "major: consumers of this table lose it",
        (_, ChangeBump::Major) => "major: columns were removed or changed type",
        (_, ChangeBump::Minor) => "minor: only additions or descriptions",
        (_, ChangeBump::None) => "no effect on consumers",
    };
    html! {
        strong { code { (entry.table) } }
        " " (match entry.kind { TableChangeKind::Created => "created", TableChangeKind::Updated => "updated", TableChangeKind::Deleted => "deleted" })
        " — " (why) "."
        @if !c.added_columns.is_empty() { br; "Added: " (c.added_columns.join(", ")) }
        @if !c.removed_columns.is_empty() { br; "Removed: " (c.removed_columns.join(", ")) }
        @for t in &c.types_changed { br; "Type of " code { (t.name) } ": " code { (t.from) } " → " code { (t.to) } }
        @if !c.descriptions_changed.is_empty() { br; "Descriptions changed: " (c.descriptions_changed.join(", ")) }
        @if c.table_description_changed { br; "Table description changed" }
        @if c.reordered { br; "Columns reordered" }
    }
}
