//! The console's charts (docs/dashboard.md): inline SVG drawn on the server
//! (no script — the console's CSP forbids inline script and style), bars,
//! stacked bars, grouped bars and a simple line. Every chart is
//! `role="img"` with a `<title>` and a `<desc>`; its series differ without
//! colour (fill patterns for bars, dash patterns for lines, and a legend),
//! and the page puts the same numbers in a table right after it
//! ([`table`]). Amounts are integer minor units throughout: heights are
//! scaled with integer arithmetic.

use maud::{Markup, html};

/// The plot's height in pixels.
const PLOT_HEIGHT: i64 = 200;
/// Room for the value axis' labels.
const AXIS: i64 = 64;
/// Top margin above the plot.
const TOP: i64 = 10;
/// Most categories drawn (the table lists every one): a year of days.
pub const MAX_CATEGORIES: usize = 400;
/// Most category labels written under the axis; the others are skipped.
const MAX_AXIS_LABELS: usize = 16;
const INK: &str = "#1a1a1a";

/// A series: its name (the legend's) and one value per category.
pub struct Series {
    pub name: String,
    pub values: Vec<i64>,
}

/// What a chart shows: categories along the axis and one or more series.
pub struct Chart<'a> {
    /// Unique on the page: the ids of the title, the description and the
    /// patterns start with it.
    pub id: &'a str,
    pub title: &'a str,
    pub desc: &'a str,
    /// The full label of each category (the table's first column).
    pub categories: Vec<String>,
    /// The short label drawn under the axis (e.g. the day of the month).
    pub short: Vec<String>,
    pub series: Vec<Series>,
    /// How a value is written (e.g. minor units as `12.34`).
    pub format: fn(i64) -> String,
}

/// A series' look: a fill pattern for bars, a dash pattern for lines.
struct Look {
    colour: &'static str,
    dash: &'static str,
}

const LOOKS: [Look; 6] = [
    Look {
        colour: "#0b4f8a",
        dash: "",
    },
    Look {
        colour: "#9c4a00",
        dash: "8 4",
    },
    Look {
        colour: "#2d6a2d",
        dash: "2 3",
    },
    Look {
        colour: "#6a2d6a",
        dash: "10 3 2 3",
    },
    Look {
        colour: "#1a1a1a",
        dash: "4 4",
    },
    Look {
        colour: "#5a5a00",
        dash: "1 5",
    },
];

const PLAIN: Look = Look {
    colour: "#0b4f8a",
    dash: "",
};

fn look(index: usize) -> &'static Look {
    LOOKS
        .get(index.checked_rem(LOOKS.len()).unwrap_or(0))
        .unwrap_or(&PLAIN)
}

/// The fill of series `index`: solid, hatched, dotted, cross-hatched,
/// striped, or an outline — told apart without colour.
fn fill(id: &str, index: usize) -> String {
    match index.checked_rem(LOOKS.len()).unwrap_or(0) {
        0 => look(0).colour.to_owned(),
        n => format!("url(#{id}-p{n})"),
    }
}

/// The patterns of series 1 to 5.
fn patterns(id: &str) -> Markup {
    html! {
        defs {
            pattern id={ (id) "-p1" } width="6" height="6" patternUnits="userSpaceOnUse"
                patternTransform="rotate(45)" {
                rect width="6" height="6" fill="#ffffff" {}
                line x1="0" y1="0" x2="0" y2="6" stroke=(look(1).colour) stroke-width="3" {}
            }
            pattern id={ (id) "-p2" } width="5" height="5" patternUnits="userSpaceOnUse" {
                rect width="5" height="5" fill="#ffffff" {}
                circle cx="2.5" cy="2.5" r="1.5" fill=(look(2).colour) {}
            }
            pattern id={ (id) "-p3" } width="6" height="6" patternUnits="userSpaceOnUse" {
                rect width="6" height="6" fill="#ffffff" {}
                path d="M0 0L6 6M6 0L0 6" stroke=(look(3).colour) stroke-width="1.5" {}
            }
            pattern id={ (id) "-p4" } width="6" height="4" patternUnits="userSpaceOnUse" {
                rect width="6" height="4" fill="#ffffff" {}
                line x1="0" y1="1" x2="6" y2="1" stroke=(look(4).colour) stroke-width="2" {}
            }
            pattern id={ (id) "-p5" } width="4" height="4" patternUnits="userSpaceOnUse" {
                rect width="4" height="4" fill="#ffffff" {}
            }
        }
    }
}

/// `value` of `max` as a height in pixels, without overflow.
pub fn scaled(value: i64, max: i64) -> i64 {
    if max <= 0 {
        return 0;
    }
    let scaled = i128::from(value.max(0))
        .checked_mul(i128::from(PLOT_HEIGHT))
        .and_then(|v| v.checked_div(i128::from(max)))
        .unwrap_or(0);
    i64::try_from(scaled)
        .unwrap_or(PLOT_HEIGHT)
        .min(PLOT_HEIGHT)
}

fn int(value: usize) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// The frame every chart shares: the svg element, title, description,
/// patterns, axes, the top and zero labels, the category labels and the
/// legend; `plot` draws the data.
fn frame(chart: &Chart<'_>, slot: i64, max: i64, plot: Markup) -> Markup {
    let count = chart.categories.len().min(MAX_CATEGORIES);
    let plot_width = int(count).saturating_mul(slot).max(slot);
    let width = AXIS.saturating_add(plot_width).saturating_add(12);
    let base = TOP.saturating_add(PLOT_HEIGHT);
    let legend_y = base.saturating_add(36);
    let height = legend_y.saturating_add(if chart.series.len() > 1 { 14 } else { 0 });
    let every = count.div_ceil(MAX_AXIS_LABELS).max(1);
    let id = chart.id;
    html! {
        svg.chart role="img" aria-labelledby={ (id) "-title " (id) "-desc" }
            width=(width) height=(height) viewBox={ "0 0 " (width) " " (height) }
            xmlns="http://www.w3.org/2000/svg" data-chart=(id) {
            title id={ (id) "-title" } { (chart.title) }
            desc id={ (id) "-desc" } { (chart.desc) }
            (patterns(id))
            line x1=(AXIS) y1=(TOP) x2=(AXIS) y2=(base) stroke=(INK) {}
            line x1=(AXIS) y1=(base) x2=(width) y2=(base) stroke=(INK) {}
            text x=(AXIS.saturating_sub(4)) y=(TOP.saturating_add(6)) font-size="11"
                text-anchor="end" fill=(INK) { ((chart.format)(max)) }
            text x=(AXIS.saturating_sub(4)) y=(base) font-size="11" text-anchor="end" fill=(INK) {
                ((chart.format)(0))
            }
            (plot)
            @for (index, label) in chart.short.iter().take(count).enumerate() {
                @if index.checked_rem(every) == Some(0) {
                    text x=(AXIS.saturating_add(int(index).saturating_mul(slot)).saturating_add(2))
                        y=(base.saturating_add(14)) font-size="9" fill=(INK) { (label) }
                }
            }
            @if chart.series.len() > 1 {
                @for (index, series) in chart.series.iter().enumerate() {
                    @let x = AXIS.saturating_add(int(index).saturating_mul(170));
                    rect x=(x) y=(legend_y.saturating_sub(10)) width="12" height="12"
                        fill=(fill(id, index)) stroke=(INK) {}
                    text x=(x.saturating_add(16)) y=(legend_y) font-size="11" fill=(INK) {
                        (series.name.chars().take(24).collect::<String>())
                    }
                }
            }
        }
    }
}

/// Bars per category, the series stacked on each other (the bar's height
/// is the categories' sum).
pub fn stacked_bars(chart: &Chart<'_>) -> Markup {
    let count = chart.categories.len().min(MAX_CATEGORIES);
    let sums: Vec<i64> = (0..count)
        .map(|at| {
            chart.series.iter().fold(0i64, |sum, series| {
                sum.saturating_add(series.values.get(at).copied().unwrap_or(0).max(0))
            })
        })
        .collect();
    let max = sums.iter().copied().max().unwrap_or(0);
    let slot = slot_width(count);
    let bar = slot.saturating_sub(2).max(1);
    let base = TOP.saturating_add(PLOT_HEIGHT);
    // (x, top, height, series) of every piece of every stack.
    let mut pieces = Vec::new();
    for at in 0..count {
        let x = AXIS
            .saturating_add(int(at).saturating_mul(slot))
            .saturating_add(1);
        let mut below = 0i64;
        for (index, series) in chart.series.iter().enumerate() {
            let value = series.values.get(at).copied().unwrap_or(0).max(0);
            let bottom = scaled(below, max);
            below = below.saturating_add(value);
            let top = scaled(below, max);
            if top > bottom {
                pieces.push((
                    x,
                    base.saturating_sub(top),
                    top.saturating_sub(bottom),
                    index,
                ));
            }
        }
    }
    let plot = html! {
        @for (x, y, height, index) in pieces {
            rect x=(x) y=(y) width=(bar) height=(height) fill=(fill(chart.id, index))
                stroke=(INK) stroke-width="0.5" {}
        }
    };
    frame(chart, slot, max, plot)
}

/// Bars per category, the series side by side.
pub fn grouped_bars(chart: &Chart<'_>) -> Markup {
    let count = chart.categories.len().min(MAX_CATEGORIES);
    let max = chart
        .series
        .iter()
        .flat_map(|s| s.values.iter().take(count).copied())
        .max()
        .unwrap_or(0);
    let groups = int(chart.series.len().max(1));
    let bar: i64 = if count > 60 { 3 } else { 12 };
    let slot = bar.saturating_mul(groups).saturating_add(bar);
    let base = TOP.saturating_add(PLOT_HEIGHT);
    let plot = html! {
        @for at in 0..count {
            @let x = AXIS.saturating_add(int(at).saturating_mul(slot)).saturating_add(2);
            @for (index, series) in chart.series.iter().enumerate() {
                @let height = scaled(series.values.get(at).copied().unwrap_or(0), max);
                rect x=(x.saturating_add(int(index).saturating_mul(bar))) y=(base.saturating_sub(height))
                    width=(bar) height=(height) fill=(fill(chart.id, index))
                    stroke=(INK) stroke-width="0.5" {}
            }
        }
    };
    frame(chart, slot, max, plot)
}

/// A line per series through its values, each with its own dash pattern and
/// a mark at every point.
pub fn line(chart: &Chart<'_>) -> Markup {
    let count = chart.categories.len().min(MAX_CATEGORIES);
    let max = chart
        .series
        .iter()
        .flat_map(|s| s.values.iter().take(count).copied())
        .max()
        .unwrap_or(0);
    let slot = slot_width(count);
    let base = TOP.saturating_add(PLOT_HEIGHT);
    let point = |at: usize, value: i64| {
        (
            AXIS.saturating_add(int(at).saturating_mul(slot))
                .saturating_add(slot.checked_div(2).unwrap_or(0)),
            base.saturating_sub(scaled(value, max)),
        )
    };
    let plot = html! {
        @for (index, series) in chart.series.iter().enumerate() {
            @let points: Vec<(i64, i64)> = series.values.iter().take(count).enumerate()
                .map(|(at, value)| point(at, *value)).collect();
            polyline fill="none" stroke=(look(index).colour) stroke-width="2"
                stroke-dasharray=(look(index).dash)
                points=(points.iter().map(|(x, y)| format!("{x},{y}")).collect::<Vec<_>>().join(" ")) {}
            @if count <= 62 {
                @for (x, y) in &points {
                    rect x=(x.saturating_sub(2)) y=(y.saturating_sub(2)) width="4" height="4"
                        fill=(fill(chart.id, index)) stroke=(look(index).colour) {}
                }
            }
        }
    };
    frame(chart, slot, max, plot)
}

/// Pixels per category: wide for a month, narrow for a year.
fn slot_width(count: usize) -> i64 {
    match count {
        0..=40 => 18,
        41..=100 => 8,
        _ => 3,
    }
}

/// The chart's numbers as a table: a row per category, a column per series
/// (and a total column when `total` is set). `caption` says what it is;
/// `data_table` names it for tests.
pub fn table(chart: &Chart<'_>, caption: &str, first_column: &str, total: Option<&str>) -> Markup {
    html! {
        div.scroll role="region" aria-label=(caption) tabindex="0" {
            table data-table=(chart.id) {
                caption { (caption) }
                thead {
                    tr {
                        th scope="col" { (first_column) }
                        @for series in &chart.series {
                            th scope="col" { (series.name) }
                        }
                        @if let Some(total) = total {
                            th scope="col" { (total) }
                        }
                    }
                }
                tbody {
                    @for (at, category) in chart.categories.iter().enumerate() {
                        tr {
                            th scope="row" { (category) }
                            @for series in &chart.series {
                                td.num { ((chart.format)(series.values.get(at).copied().unwrap_or(0))) }
                            }
                            @if total.is_some() {
                                td.num {
                                    ((chart.format)(chart.series.iter().fold(0i64, |sum, s| {
                                        sum.saturating_add(s.values.get(at).copied().unwrap_or(0))
                                    })))
                                }
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

    fn sample() -> Chart<'static> {
        Chart {
            id: "sample",
            title: "Sample",
            desc: "Two series",
            categories: vec!["2026-11-01".into(), "2026-11-02".into()],
            short: vec!["1".into(), "2".into()],
            series: vec![
                Series {
                    name: "A".into(),
                    values: vec![100, 300],
                },
                Series {
                    name: "B<".into(),
                    values: vec![100, 0],
                },
            ],
            format: |v| v.to_string(),
        }
    }

    #[test]
    fn heights_scale_without_overflow() {
        assert_eq!(scaled(50, 100), PLOT_HEIGHT / 2);
        assert_eq!(scaled(i64::MAX, i64::MAX), PLOT_HEIGHT);
        assert_eq!(scaled(10, 0), 0);
        assert_eq!(scaled(-5, 10), 0);
    }

    #[test]
    fn charts_are_labelled_images_with_patterns_and_escaped_names() {
        for svg in [
            stacked_bars(&sample()),
            grouped_bars(&sample()),
            line(&sample()),
        ] {
            let svg = svg.into_string();
            assert!(svg.contains("role=\"img\""), "{svg}");
            assert!(svg.contains("<title id=\"sample-title\">Sample</title>"));
            assert!(svg.contains("<desc id=\"sample-desc\">Two series</desc>"));
            assert!(svg.contains("url(#sample-p1)"));
            assert!(svg.contains("B&lt;"));
            assert!(
                !svg.contains("/>"),
                "every element closed explicitly: {svg}"
            );
        }
        let stacked = stacked_bars(&sample()).into_string();
        // The tallest stack (300) fills the plot.
        assert!(stacked.contains(&format!("height=\"{PLOT_HEIGHT}\"")));
    }

    #[test]
    fn the_table_has_the_same_numbers() {
        let table = table(&sample(), "Caption", "Day", Some("Total")).into_string();
        assert!(table.contains("<th scope=\"row\">2026-11-01</th><td class=\"num\">100</td><td class=\"num\">100</td><td class=\"num\">200</td>"), "{table}");
    }
}
