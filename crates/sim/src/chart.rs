//! Pictures of a run for the HTML report, as inline SVG with no scripts: money held and
//! released over time, orders by state over time, the dispute funnel, and detection
//! precision and recall per signal kind. Drawn here: a few lines, areas, bars and
//! labels need no plotting library.

use std::fmt::Write;

use crate::story::Day;
use crate::Report;

const W: f64 = 640.0;
const H: f64 = 260.0;
/// Plot area margins: left (for the axis labels), right, top (legend), bottom.
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 34.0;
const BOTTOM: f64 = 30.0;

/// Lifecycle order, and a colour each, for the orders-by-state picture.
const STATUSES: [(&str, &str); 8] = [
    ("placed", "#c9ced8"),
    ("paid", "#9bb4d9"),
    ("shipped", "#5b8fd1"),
    ("delivered", "#2f6db5"),
    ("disputed", "#d9822b"),
    ("completed", "#2e8b57"),
    ("resolved", "#8e6cc0"),
    ("cancelled", "#a8a8a8"),
];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One picture: an `<svg>` with a title for screen readers and `data-chart` for tests.
fn svg(name: &str, title: &str, height: f64, body: &str) -> String {
    let t = esc(title);
    format!(
        r#"<figure><svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="{name}" viewBox="0 0 {W} {height}" width="{W}" height="{height}" role="img" aria-label="{t}"><title>{t}</title>{body}</svg><figcaption>{t}</figcaption></figure>"#
    )
}

fn text(x: f64, y: f64, anchor: &str, s: &str) -> String {
    format!(
        r##"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" font-size="11" fill="#333">{}</text>"##,
        esc(s)
    )
}

fn legend(items: &[(&str, &str)]) -> String {
    let mut out = String::new();
    let mut x = LEFT;
    for (name, colour) in items {
        let _ = write!(
            out,
            r#"<rect x="{x:.1}" y="10" width="10" height="10" fill="{colour}"/>{}"#,
            text(x + 14.0, 19.0, "start", name)
        );
        x += 24.0 + 6.5 * name.len() as f64;
    }
    out
}

/// Axes with four gridlines from 0 to `max`, labelled by `label`.
fn axes(days: u32, max: f64, label: &dyn Fn(f64) -> String) -> String {
    let mut out = String::new();
    for k in 0..=4 {
        let v = max * f64::from(k) / 4.0;
        let y = H - BOTTOM - (H - TOP - BOTTOM) * f64::from(k) / 4.0;
        let _ = write!(
            out,
            r##"<line x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#e3e6ec"/>{}"##,
            W - RIGHT,
            text(LEFT - 6.0, y + 4.0, "end", &label(v))
        );
    }
    out.push_str(&text(LEFT, H - 8.0, "start", "day 1"));
    out.push_str(&text(W - RIGHT, H - 8.0, "end", &format!("day {days}")));
    out
}

fn x_of(i: usize, n: usize) -> f64 {
    LEFT + (W - LEFT - RIGHT) * i as f64 / (n.max(2) - 1) as f64
}

fn y_of(v: f64, max: f64) -> f64 {
    H - BOTTOM - (H - TOP - BOTTOM) * (v / max.max(1e-9))
}

/// Money held in escrow, released to sellers and refunded to buyers, one picture per
/// currency, in major units.
pub fn money(days: &[Day]) -> String {
    let currencies: std::collections::BTreeSet<_> =
        days.iter().flat_map(|d| d.money.keys().copied()).collect();
    let mut out = String::new();
    for cur in currencies {
        let scale = cur.minor_per_major() as f64;
        let values = |k: usize| -> Vec<f64> {
            days.iter()
                .map(|d| {
                    let (h, r, f) = d.money.get(&cur).copied().unwrap_or_default();
                    [h, r, f][k] as f64 / scale
                })
                .collect()
        };
        let series: [(&str, &str, Vec<f64>); 3] = [
            ("held in escrow", "#2f6db5", values(0)),
            ("released", "#2e8b57", values(1)),
            ("refunded", "#d9822b", values(2)),
        ];
        let max = series
            .iter()
            .flat_map(|s| s.2.iter().copied())
            .fold(1.0, f64::max);
        let mut body = axes(days.len() as u32, max, &|v| {
            format!("{v:.0} {}", cur.code())
        });
        for (_, colour, v) in &series {
            let points: Vec<String> = v
                .iter()
                .enumerate()
                .map(|(i, y)| format!("{:.1},{:.1}", x_of(i, v.len()), y_of(*y, max)))
                .collect();
            let _ = write!(
                body,
                r#"<polyline class="series" fill="none" stroke="{colour}" stroke-width="2" points="{}"/>"#,
                points.join(" ")
            );
        }
        body.push_str(&legend(&series.each_ref().map(|s| (s.0, s.1))));
        out.push_str(&svg(
            "money",
            &format!("Money held and released over time, {}", cur.code()),
            H,
            &body,
        ));
    }
    out
}

/// Orders by state at the end of each day, stacked.
pub fn orders(days: &[Day]) -> String {
    let max = days
        .iter()
        .map(|d| d.by_status.values().sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let mut body = axes(days.len() as u32, max, &|v| format!("{v:.0}"));
    let mut below = vec![0.0; days.len()];
    for (status, colour) in STATUSES {
        let top: Vec<f64> = days
            .iter()
            .zip(&below)
            .map(|(d, b)| b + d.by_status.get(status).copied().unwrap_or(0) as f64)
            .collect();
        if top == below {
            continue;
        }
        let n = days.len();
        let upper = top
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x_of(i, n), y_of(*v, max)));
        let lower = below
            .iter()
            .enumerate()
            .rev()
            .map(|(i, v)| format!("{:.1},{:.1}", x_of(i, n), y_of(*v, max)));
        let _ = write!(
            body,
            r#"<polygon class="series" fill="{colour}" points="{}"><title>{status}</title></polygon>"#,
            upper.chain(lower).collect::<Vec<_>>().join(" ")
        );
        below = top;
    }
    let shown: Vec<(&str, &str)> = STATUSES
        .iter()
        .filter(|(s, _)| days.iter().any(|d| d.by_status.contains_key(*s)))
        .copied()
        .collect();
    body.push_str(&legend(&shown));
    svg("orders", "Orders by state over time", H, &body)
}

/// A row of horizontal bars: its label, and per bar the value (0-1) and its text.
type BarRow = (String, Vec<(Option<f64>, String)>);

/// Horizontal bars of `rows` (label, value in 0-1, text at the bar's end), each row
/// with one bar per colour.
fn bars(rows: &[BarRow], colours: &[&str]) -> (String, f64) {
    let per_row = 14.0 * colours.len() as f64 + 8.0;
    let label_w = 200.0;
    let width = W - label_w - 110.0;
    let mut body = String::new();
    for (k, (label, values)) in rows.iter().enumerate() {
        let y = TOP + per_row * k as f64;
        body.push_str(&text(label_w - 8.0, y + per_row / 2.0, "end", label));
        for (j, ((v, note), colour)) in values.iter().zip(colours).enumerate() {
            let yb = y + 14.0 * j as f64;
            let w = v.unwrap_or(0.0).clamp(0.0, 1.0) * width;
            let _ = write!(
                body,
                r#"<rect class="bar" x="{label_w}" y="{yb:.1}" width="{w:.1}" height="12" fill="{colour}"/>{}"#,
                text(label_w + w + 4.0, yb + 10.0, "start", note)
            );
        }
    }
    (body, TOP + per_row * rows.len() as f64 + 10.0)
}

/// The dispute funnel: how many disputes reached each stage.
pub fn funnel(report: &Report) -> String {
    let opened = report.dispute_funnel.opened.max(1) as f64;
    let rows: Vec<BarRow> = report
        .dispute_funnel
        .stages()
        .iter()
        .map(|(name, n)| {
            let share = *n as f64 / opened;
            (
                name.to_string(),
                vec![(Some(share), format!("{n} ({:.0}%)", share * 100.0))],
            )
        })
        .collect();
    let (body, height) = bars(&rows, &["#8e6cc0"]);
    svg("funnel", "The dispute funnel", height, &body)
}

/// Detection precision and recall per signal kind against the simulator's truth.
pub fn detection(report: &Report) -> String {
    let pct = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{:.0}%", v * 100.0));
    let rows: Vec<BarRow> = report
        .detection
        .iter()
        .map(|(kind, d)| {
            (
                kind.clone(),
                vec![
                    (d.precision(), format!("precision {}", pct(d.precision()))),
                    (d.recall(), format!("recall {}", pct(d.recall()))),
                ],
            )
        })
        .collect();
    let (mut body, height) = bars(&rows, &["#2f6db5", "#d9822b"]);
    body.push_str(&legend(&[("precision", "#2f6db5"), ("recall", "#d9822b")]));
    svg(
        "detection",
        "Detection precision and recall per signal kind",
        height.max(80.0),
        &body,
    )
}

/// Every picture of the run, in the report's order.
pub fn all(report: &Report) -> String {
    [
        money(&report.timeline),
        orders(&report.timeline),
        funnel(report),
        detection(report),
    ]
    .concat()
}
