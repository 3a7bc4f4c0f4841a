//! Charts drawn as SVG by the server (readable without JavaScript), each followed by the same
//! figures as a table and, where the page offers one, a CSV link.

use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::money::{format_minor, group_thousands};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChartKind {
    Lines,
    Bars,
}

/// What the values count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unit {
    Count,
    /// Minor units of a currency.
    Money(String),
    /// Millionths of a US dollar (what AI requests cost).
    MicroUsd,
    /// A rate in basis points (95.12% = 9512).
    Basis,
}

impl Unit {
    pub fn format(&self, v: i64) -> String {
        match self {
            Unit::Count => format!("{}{}", if v < 0 { "-" } else { "" }, group_thousands(v.unsigned_abs())),
            Unit::Money(currency) => format_minor(v, currency),
            Unit::MicroUsd => {
                // Cents with two more digits: AI requests cost fractions of a cent.
                let (whole, frac) = (v.unsigned_abs() / 1_000_000, v.unsigned_abs() % 1_000_000 / 100);
                format!("{}${}.{frac:04}", if v < 0 { "-" } else { "" }, group_thousands(whole))
            }
            Unit::Basis => format!("{}.{:02}%", v / 100, (v % 100).abs()),
        }
    }

    /// Plain digits for CSV: cents, micro-dollars and basis points as decimals of the unit.
    pub fn csv(&self, v: i64) -> String {
        match self {
            Unit::Count => v.to_string(),
            Unit::Money(_) => {
                format!("{}{}.{:02}", if v < 0 { "-" } else { "" }, v.unsigned_abs() / 100, v.unsigned_abs() % 100)
            }
            Unit::MicroUsd => format!(
                "{}{}.{:06}",
                if v < 0 { "-" } else { "" },
                v.unsigned_abs() / 1_000_000,
                v.unsigned_abs() % 1_000_000
            ),
            Unit::Basis => format!("{}.{:02}", v / 100, (v % 100).abs()),
        }
    }

    pub fn csv_label(&self) -> String {
        match self {
            Unit::Count => "count".into(),
            Unit::Money(c) => c.to_ascii_uppercase(),
            Unit::MicroUsd => "USD".into(),
            Unit::Basis => "percent".into(),
        }
    }
}

/// A named line (or the bars) of a chart: one value per day, `None` where there is nothing to
/// measure (a rate of nothing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<i64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    /// Stable and URL-safe: names the chart's CSV and its element ids.
    pub id: String,
    pub title: String,
    pub kind: ChartKind,
    pub unit: Unit,
    pub days: Vec<NaiveDate>,
    pub series: Vec<Series>,
}

impl Chart {
    /// The chart as CSV: a day column and one column per series.
    pub fn csv(&self) -> String {
        let mut out = String::from("day");
        for s in &self.series {
            out.push(',');
            out.push_str(&csv_field(&format!("{} ({})", s.name, self.unit.csv_label())));
        }
        out.push('\n');
        for (i, day) in self.days.iter().enumerate() {
            out.push_str(&day.to_string());
            for s in &self.series {
                out.push(',');
                if let Some(Some(v)) = s.values.get(i) {
                    out.push_str(&self.unit.csv(*v));
                }
            }
            out.push('\n');
        }
        out
    }

    fn max(&self) -> i64 {
        self.series.iter().flat_map(|s| s.values.iter().flatten().copied()).max().unwrap_or(0)
    }

    /// One sentence for screen readers: each series' latest value and its highest.
    fn summary(&self) -> String {
        if self.series.is_empty() {
            return format!("{}: nothing in this range.", self.title);
        }
        let parts: Vec<String> = self
            .series
            .iter()
            .map(|s| {
                let last = s.values.iter().rev().flatten().next().map(|v| self.unit.format(*v));
                let high = s.values.iter().flatten().max().map(|v| self.unit.format(*v));
                match (last, high) {
                    (Some(last), Some(high)) => format!("{} last {last}, highest {high}", s.name),
                    _ => format!("{} no data", s.name),
                }
            })
            .collect();
        format!(
            "{} from {} to {}: {}.",
            self.title,
            first_last(&self.days).0,
            first_last(&self.days).1,
            parts.join("; ")
        )
    }
}

fn first_last(days: &[NaiveDate]) -> (String, String) {
    let f = |d: Option<&NaiveDate>| d.map(|d| d.format("%-d %b %Y").to_string()).unwrap_or_default();
    (f(days.first()), f(days.last()))
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// Colour and dash per series, so lines differ without colour too.
const STYLES: &[(&str, &str)] = &[
    ("#4338ca", ""),
    ("#b45309", "6 3"),
    ("#047857", "2 3"),
    ("#be123c", "8 3 2 3"),
    ("#0369a1", "1 2"),
    ("#7e22ce", "10 4"),
];

const W: f64 = 640.0;
const H: f64 = 180.0;
const TOP: f64 = 18.0;

/// The chart, a legend, and its numbers as a table (collapsed), with an optional CSV link.
#[component]
pub fn ChartFigure(chart: Chart, #[prop(optional, into)] csv_href: Option<String>) -> impl IntoView {
    let title_id = format!("chart-{}-title", chart.id);
    let summary = chart.summary();
    let n = chart.days.len().max(1);
    let max = chart.max().max(1) as f64;
    let x = move |i: usize| if n == 1 { W / 2.0 } else { i as f64 * W / (n - 1) as f64 };
    let y = move |v: i64| TOP + (H - TOP) * (1.0 - v as f64 / max);
    let plot = match chart.kind {
        ChartKind::Bars => {
            let bar = W / n as f64;
            chart
                .series
                .first()
                .map(|s| {
                    s.values
                        .iter()
                        .enumerate()
                        .filter_map(|(i, v)| v.map(|v| (i, v)))
                        .map(|(i, v)| {
                            let top = y(v);
                            view! {
                                <rect x=format!("{:.1}", i as f64 * bar + bar * 0.1) y=format!("{top:.1}")
                                    width=format!("{:.1}", (bar * 0.8).max(1.0)) height=format!("{:.1}", H - top)
                                    fill=STYLES[0].0/>
                            }
                        })
                        .collect_view()
                })
                .into_any()
        }
        ChartKind::Lines => chart
            .series
            .iter()
            .enumerate()
            .map(|(k, s)| {
                let (colour, dash) = STYLES[k % STYLES.len()];
                // A gap in the data breaks the line.
                let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
                for (i, v) in s.values.iter().enumerate() {
                    match v {
                        Some(v) => runs.last_mut().map(|r| r.push((x(i), y(*v)))).unwrap_or(()),
                        None => runs.push(Vec::new()),
                    }
                }
                runs.into_iter()
                    .filter(|r| !r.is_empty())
                    .map(|r| {
                        let points = r.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect::<Vec<_>>().join(" ");
                        let dot = (r.len() == 1).then(|| view! { <circle cx=format!("{:.1}", r[0].0) cy=format!("{:.1}", r[0].1) r="3" fill=colour/> });
                        view! {
                            <polyline points=points fill="none" stroke=colour stroke-width="2" stroke-dasharray=dash/>
                            {dot}
                        }
                    })
                    .collect_view()
            })
            .collect_view()
            .into_any(),
    };
    let (first, last) = first_last(&chart.days);
    let unit = chart.unit.clone();
    let top_label = unit.format(chart.max());
    view! {
        <figure class="mt-6 rounded-lg border border-slate-300 p-4 dark:border-slate-700" aria-labelledby=title_id.clone()>
            <figcaption id=title_id.clone() class="text-lg font-semibold">{chart.title.clone()}</figcaption>
            <svg viewBox=format!("0 0 {W} {}", H + 22.0) role="img" aria-label=summary.clone()
                class="mt-2 h-auto w-full text-slate-600 dark:text-slate-300">
                <title>{summary.clone()}</title>
                <line x1="0" y1=H x2=W y2=H stroke="currentColor" stroke-opacity="0.5"/>
                <line x1="0" y1=TOP x2=W y2=TOP stroke="currentColor" stroke-opacity="0.15"/>
                <text x="0" y="12" font-size="12" fill="currentColor">{top_label}</text>
                {plot}
                <text x="0" y=H + 16.0 font-size="12" fill="currentColor">{first}</text>
                <text x=W y=H + 16.0 font-size="12" text-anchor="end" fill="currentColor">{last}</text>
            </svg>
            {(chart.kind == ChartKind::Lines && !chart.series.is_empty()).then(|| view! {
                <ul class="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-sm" aria-label="Legend">
                    {chart.series.iter().enumerate().map(|(k, s)| {
                        let (colour, dash) = STYLES[k % STYLES.len()];
                        view! {
                            <li class="inline-flex items-center gap-2">
                                <svg width="28" height="8" aria-hidden="true"><line x1="0" y1="4" x2="28" y2="4" stroke=colour stroke-width="3" stroke-dasharray=dash/></svg>
                                {s.name.clone()}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
            <div class="mt-2 flex flex-wrap items-center gap-x-4">
                <details class="min-w-0 flex-auto">
                    <summary class="inline-flex min-h-11 cursor-pointer items-center underline">{format!("{} as a table", chart.title)}</summary>
                    <ChartTable chart=chart.clone()/>
                </details>
                {csv_href.map(|href| view! {
                    <a href=href download=format!("threadr-{}.csv", chart.id) class="inline-flex min-h-11 items-center underline">
                        {format!("Download {} as CSV", chart.title.to_lowercase())}
                    </a>
                })}
            </div>
        </figure>
    }
}

#[component]
fn ChartTable(chart: Chart) -> impl IntoView {
    let unit = chart.unit.clone();
    view! {
        <div class="mt-2 max-h-96 overflow-auto" tabindex="0" role="region" aria-label=format!("{} figures", chart.title)>
            <table class="w-full text-left text-sm">
                <caption class="sr-only">{format!("{}, per day", chart.title)}</caption>
                <thead>
                    <tr>
                        <th scope="col" class="py-1 pr-3">"Day"</th>
                        {chart.series.iter().map(|s| view! { <th scope="col" class="pr-3 text-right">{s.name.clone()}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {chart.days.iter().enumerate().rev().map(|(i, d)| view! {
                        <tr class="border-t border-slate-200 dark:border-slate-800">
                            <th scope="row" class="py-1 pr-3 font-normal whitespace-nowrap">{d.format("%-d %b %Y").to_string()}</th>
                            {chart.series.iter().map(|s| view! {
                                <td class="pr-3 text-right">{s.values.get(i).copied().flatten().map(|v| unit.format(v)).unwrap_or_else(|| "—".into())}</td>
                            }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_read_as_people_write_them() {
        assert_eq!(Unit::Count.format(1_234_567), "1,234,567");
        assert_eq!(Unit::Money("usd".into()).format(123_456), "$1,234.56");
        assert_eq!(Unit::MicroUsd.format(1_234_567), "$1.2345");
        assert_eq!(Unit::Basis.format(9512), "95.12%");
        assert_eq!(Unit::Basis.format(10_000), "100.00%");
    }

    #[test]
    fn csv_has_a_column_per_series_and_empty_cells_for_gaps() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let c = Chart {
            id: "gmv".into(),
            title: "Sales".into(),
            kind: ChartKind::Lines,
            unit: Unit::Money("usd".into()),
            days: vec![d("2026-11-01"), d("2026-11-02")],
            series: vec![
                Series { name: "GMV".into(), values: vec![Some(1050), None] },
                Series { name: "Fees, net".into(), values: vec![Some(52), Some(-3)] },
            ],
        };
        assert_eq!(c.csv(), "day,GMV (USD),\"Fees, net (USD)\"\n2026-11-01,10.50,0.52\n2026-11-02,,-0.03\n");
    }
}
