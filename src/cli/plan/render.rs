//! A plan for people: one line per change with its bump and the version it makes, and under
//! each table the columns added, removed and changed.

use std::fmt::Write;

use super::{Action, Plan, Step};
use crate::cli::output::Paint;
use crate::domain::Bump;
use crate::domain::table::TableChange;

/// The plan as text (ending in a newline), coloured when stdout is a terminal.
pub fn render(plan: &Plan, allow_major: bool) -> String {
    let paint = Paint::for_stdout();
    let mut out = String::new();
    let now = plan
        .current_version
        .map(|v| format!("now {v}"))
        .unwrap_or_else(|| "not registered yet".to_owned());
    if plan.changes.is_empty() {
        let _ = writeln!(out, "No changes: {} is up to date ({now}).", plan.product);
    } else {
        let _ = writeln!(out, "Plan for {} ({now}):\n", paint.bold(&plan.product));
        for step in &plan.changes {
            step_lines(&mut out, step, paint);
        }
    }
    if !plan.unmanaged_tables.is_empty() {
        let _ = writeln!(
            out,
            "\nNot in the file, left as they are (--prune deletes them): {}",
            plan.unmanaged_tables.join(", ")
        );
    }
    if !plan.changes.is_empty() {
        let majors = plan
            .changes
            .iter()
            .filter(|s| s.bump == Bump::Major)
            .count();
        let count = plan.changes.len();
        let from = plan
            .current_version
            .map(|v| format!("{v} → "))
            .unwrap_or_default();
        let to = plan
            .planned_version
            .map(|v| v.to_string())
            .unwrap_or_default();
        let _ = write!(
            out,
            "\n{count} change{}: {} {from}{to}",
            plural(count),
            plan.product
        );
        if majors > 0 {
            let _ = write!(
                out,
                ", {}",
                paint.red(&format!(
                    "{majors} breaking (major) change{}",
                    plural(majors)
                ))
            );
        }
        let _ = writeln!(out, ".");
        if majors > 0 && !allow_major {
            let _ = writeln!(
                out,
                "Breaking changes break the product's consumers: apply them only with --allow-major."
            );
        }
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn step_lines(out: &mut String, step: &Step, paint: Paint) {
    let table = step.table.as_deref().unwrap_or_default();
    let (sign, what) = match step.action {
        Action::RegisterProduct => (paint.green("+"), "register the product".to_owned()),
        Action::UpdateProduct => (
            paint.yellow("~"),
            format!("update the product: {}", step.metadata.join(", ")),
        ),
        Action::CreateTable => (paint.green("+"), format!("create table {table}")),
        Action::ReplaceTable => (paint.yellow("~"), format!("change table {table}")),
        Action::DeleteTable => (paint.red("-"), format!("delete table {table}")),
    };
    let bump = match step.bump {
        Bump::Initial => "initial".to_owned(),
        Bump::Minor => "minor".to_owned(),
        Bump::Major => paint.red("MAJOR"),
    };
    let _ = writeln!(out, "  {sign} {what}  ({bump} → {})", step.version);
    let Some(change) = &step.change else {
        return;
    };
    if step.action == Action::DeleteTable {
        return;
    }
    let type_of = |name: &str| {
        step.desired
            .as_ref()
            .and_then(|d| d.columns.iter().find(|c| c.name == name))
            .map(|c| c.data_type.clone())
            .unwrap_or_default()
    };
    let creating = step.action == Action::CreateTable;
    for line in column_lines(change, paint, type_of, !creating) {
        let _ = writeln!(out, "      {line}");
    }
}

/// The column-level lines of a table change: `+ name type`, `- name`, `~ name from → to`,
/// changed descriptions, the table description and the column order.
pub fn column_lines(
    change: &TableChange,
    paint: Paint,
    type_of: impl Fn(&str) -> String,
    with_table_description: bool,
) -> Vec<String> {
    let mut lines = Vec::new();
    for name in &change.added_columns {
        lines.push(
            format!("{} {name}  {}", paint.green("+"), type_of(name))
                .trim_end()
                .to_owned(),
        );
    }
    for name in &change.removed_columns {
        lines.push(format!("{} {name}", paint.red("-")));
    }
    for typed in &change.types_changed {
        lines.push(format!(
            "{} {}  {} → {}",
            paint.red("~"),
            typed.name,
            typed.from,
            typed.to
        ));
    }
    for name in &change.descriptions_changed {
        lines.push(format!("{} description of {name}", paint.yellow("~")));
    }
    if change.table_description_changed && with_table_description {
        lines.push(format!("{} table description", paint.yellow("~")));
    }
    if change.reordered {
        lines.push(format!("{} column order", paint.yellow("~")));
    }
    lines
}
