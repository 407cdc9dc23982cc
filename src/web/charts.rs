//! Charts as inline SVG drawn on the server: no script, nothing to download. Each chart is an
//! image with a text alternative, followed by the same figures as a table, so that screen
//! readers and keyboard users get every number.

use maud::{Markup, html};

/// One bar: a label and its value, with an optional link (the filtered product list).
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub href: Option<String>,
}

const WIDTH: i64 = 640;
const ROW: i64 = 26;
const LABEL: i64 = 180;
/// The most characters of a label drawn in the `LABEL` units before the bars (13-unit text,
/// wide letters included); longer labels are cut, with the full text as their `title`.
const LABEL_CHARS: usize = 22;

/// `label` cut to fit before the bars, ending in `…`; `None` when it fits as it is.
fn truncated(label: &str) -> Option<String> {
    if label.chars().count() <= LABEL_CHARS {
        return None;
    }
    let kept: String = label.chars().take(LABEL_CHARS - 1).collect();
    Some(format!("{kept}…"))
}

/// A horizontal bar chart titled `title`, with its data table.
pub fn bars(id: &str, title: &str, unit: &str, bars: &[Bar]) -> Markup {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let height = ROW * bars.len().max(1) as i64;
    let room = WIDTH - LABEL - 60;
    html! {
        figure class="chart" {
            figcaption id=(format!("{id}-title")) { (title) }
            @if bars.is_empty() {
                p { "Nothing yet." }
            } @else {
                svg role="img" aria-labelledby=(format!("{id}-title")) viewBox=(format!("0 0 {WIDTH} {height}"))
                    width="100%" preserveAspectRatio="xMinYMin meet" {
                    @for (i, bar) in bars.iter().enumerate() {
                        @let y = i as i64 * ROW;
                        @let w = (bar.value * room / max).max(if bar.value > 0 { 2 } else { 0 });
                        g {
                            title { (bar.label) ": " (bar.value) " " (unit) }
                            text x="0" y=(y + 17) class="label" {
                                @if let Some(short) = truncated(&bar.label) {
                                    title { (bar.label) }
                                    (short)
                                } @else {
                                    (bar.label)
                                }
                            }
                            rect x=(LABEL) y=(y + 4) width=(w) height=(ROW - 8) class="bar" {}
                            text x=(LABEL + w + 6) y=(y + 17) class="value" { (bar.value) }
                        }
                    }
                }
                details {
                    summary { "Data table: " (title) }
                    (table(unit, bars))
                }
            }
        }
    }
}

fn table(unit: &str, bars: &[Bar]) -> Markup {
    html! {
        table {
            thead { tr { th scope="col" { "" } th scope="col" class="num" { (unit) } } }
            tbody {
                @for bar in bars {
                    tr {
                        th scope="row" {
                            @if let Some(href) = &bar.href { a href=(href) { (bar.label) } }
                            @else { (bar.label) }
                        }
                        td class="num" data-figure=(bar.label) { (bar.value) }
                    }
                }
            }
        }
    }
}

/// Stacked weekly columns (registrations, minor, major), with the data table.
pub fn weekly(id: &str, title: &str, weeks: &[(String, [i64; 3])]) -> Markup {
    const KINDS: [&str; 3] = ["registrations", "minor", "major"];
    let max = weeks
        .iter()
        .map(|(_, k)| k.iter().sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let col = 24;
    let height = 160;
    let width = col * weeks.len() as i64;
    // Each week's segments, bottom up: (kind, y, height).
    let stacks: Vec<Vec<(&str, i64, i64)>> = weeks
        .iter()
        .map(|(_, counts)| {
            let mut top = height;
            KINDS
                .iter()
                .zip(counts)
                .map(|(kind, count)| {
                    let h = count * (height - 10) / max;
                    top -= h;
                    (*kind, top, h)
                })
                .collect()
        })
        .collect();
    html! {
        figure class="chart" {
            figcaption id=(format!("{id}-title")) { (title) }
            svg role="img" aria-labelledby=(format!("{id}-title")) viewBox=(format!("0 0 {width} {height}"))
                width="100%" preserveAspectRatio="xMinYMin meet" {
                @for (i, ((week, counts), stack)) in weeks.iter().zip(&stacks).enumerate() {
                    g {
                        title { "Week of " (week) ": " (counts[0]) " registrations, " (counts[1]) " minor, " (counts[2]) " major" }
                        @for (kind, y, h) in stack {
                            rect x=(i as i64 * col + 3) y=(y) width=(col - 6) height=(h) class=(format!("bar {kind}")) {}
                        }
                    }
                }
            }
            p class="legend" {
                span class="key registrations" {} " registrations "
                span class="key minor" {} " minor "
                span class="key major" {} " major (breaking)"
            }
            details {
                summary { "Data table: " (title) }
                table {
                    thead { tr {
                        th scope="col" { "Week of" }
                        @for kind in KINDS { th scope="col" class="num" { (kind) } }
                    } }
                    tbody {
                        @for (week, counts) in weeks {
                            tr {
                                th scope="row" { (week) }
                                @for count in counts { td class="num" { (count) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_labels_too_long_to_fit_are_cut() {
        assert_eq!(truncated("HMPPS · draft"), None);
        assert_eq!(truncated(&"a".repeat(LABEL_CHARS)), None);
        let cut = truncated("Courts & Tribunals · published").unwrap();
        assert_eq!(cut, "Courts & Tribunals · …");
        assert_eq!(cut.chars().count(), LABEL_CHARS);
        assert_eq!(
            truncated(&"é".repeat(30)).unwrap().chars().count(),
            LABEL_CHARS
        );
    }
}
