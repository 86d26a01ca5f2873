//! `marketguard watch ORDERS`: reads the files, runs the `watch` crate on them and prints
//! the table (or JSON), the supplier scorecard and, on request, an iCalendar file.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Args, ValueEnum};

use watch::input::{self, Warning, INPUT_BYTES_MAX};
use watch::scorecard::{self, Supplier};
use watch::{self as core, ics, Advice, Code, DeadlineKind, Marketplace, Rules, Urgency};

use crate::Format;

/// Arguments of `marketguard watch`; the help text is on `Command::Watch` in lib.rs.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Orders: CSV or JSON Lines FILE, or - for standard input.
    orders: String,
    /// Chat messages: CSV or JSON Lines with order_id, sent_at, sender (seller, buyer,
    /// unknown), text. Seller messages are scanned for pressure to close a dispute or
    /// confirm receipt and for payment outside the platform.
    #[arg(long, value_name = "FILE")]
    messages: Option<String>,
    /// Whose protection rules apply.
    #[arg(long, value_enum, default_value_t)]
    marketplace: MarketplaceArg,
    /// The date to judge on (YYYY-MM-DD), for repeatable output; today (UTC) if absent.
    #[arg(long, value_name = "DATE", value_parser = parse_today)]
    today: Option<NaiveDate>,
    /// Also write the deadlines and sample-order reminders as an iCalendar file
    /// (- for standard output instead of the report).
    #[arg(long, value_name = "FILE")]
    ics: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// `--marketplace`: the values of `watch::Marketplace` (the core knows nothing of clap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
enum MarketplaceArg {
    /// Buyer protection until the promised delivery date; disputes per design.md section 2.
    #[default]
    Aliexpress,
    /// Money Back Guarantee: report within 30 days of the estimated delivery date.
    Ebay,
    /// A-to-z Guarantee: claim within 90 days of the latest estimated delivery date,
    /// after contacting the seller and waiting 2 days.
    Amazon,
}

impl From<MarketplaceArg> for Marketplace {
    fn from(m: MarketplaceArg) -> Marketplace {
        match m {
            MarketplaceArg::Aliexpress => Marketplace::Aliexpress,
            MarketplaceArg::Ebay => Marketplace::Ebay,
            MarketplaceArg::Amazon => Marketplace::Amazon,
        }
    }
}

fn parse_today(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| format!("{s:?} is not YYYY-MM-DD: {e}"))
}

fn read_all(path: &str) -> anyhow::Result<String> {
    let mut text = String::new();
    let limit = INPUT_BYTES_MAX as u64 + 1;
    if path == "-" {
        std::io::stdin()
            .lock()
            .take(limit)
            .read_to_string(&mut text)
            .context("cannot read standard input")?;
    } else {
        std::fs::File::open(path)
            .with_context(|| format!("cannot open {path}"))?
            .take(limit)
            .read_to_string(&mut text)
            .with_context(|| format!("cannot read {path}"))?;
    }
    if text.len() > INPUT_BYTES_MAX {
        anyhow::bail!("{path} is larger than {} MiB", INPUT_BYTES_MAX >> 20);
    }
    Ok(text)
}

pub fn run(
    args: WatchArgs,
    config: Option<&Path>,
    policy: &protection::Policy,
) -> anyhow::Result<ExitCode> {
    let rules = crate::config::load_watch(config, args.marketplace.into(), policy, &|name| {
        std::env::var(name).ok()
    })?;
    let today = args
        .today
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    let name = |p: &str| {
        if p == "-" {
            "stdin".to_string()
        } else {
            p.to_string()
        }
    };
    let mut orders = input::orders(&name(&args.orders), &read_all(&args.orders)?)?;
    core::refuse_impossible(&mut orders, &name(&args.orders), today);
    let messages = match &args.messages {
        Some(path) => input::messages(&name(path), &read_all(path)?)?,
        None => input::Parsed::default(),
    };
    let mut warnings = orders.warnings.clone();
    warnings.extend(messages.warnings.iter().cloned());
    warnings.extend(core::cross_check(
        &orders.rows,
        &messages.rows,
        &name(&args.orders),
        &args.messages.as_deref().map(name).unwrap_or_default(),
    ));
    let skipped = orders.skipped + messages.skipped;
    for w in &warnings {
        eprintln!("warning: {}", describe(w));
    }
    if skipped > 0 {
        eprintln!(
            "warning: {skipped} row{} skipped",
            if skipped == 1 { "" } else { "s" }
        );
    }

    let scanner = risk::MessageScanner::default();
    let result = core::watch(&orders.rows, &messages.rows, &rules, &scanner, today);
    let suppliers = scorecard::scorecard(&orders.rows, &rules, today);

    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if let Some(path) = &args.ics {
        let calendar = ics::calendar(&result.findings, &suppliers, &rules, today);
        if path == "-" {
            out.write_all(calendar.as_bytes())?;
            out.flush()?;
            return Ok(exit_code(skipped));
        }
        std::fs::write(path, calendar).with_context(|| format!("cannot write {path}"))?;
    }
    match args.format {
        Format::Json => {
            let rules_json: serde_json::Map<String, serde_json::Value> = rules
                .numbers()
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.into()))
                .collect();
            let report = serde_json::json!({
                "today": today,
                "marketplace": rules.marketplace.as_str(),
                "orders": result.findings,
                "closed_orders": result.closed_orders,
                "suppliers": suppliers,
                "warnings": warnings,
                "skipped_rows": skipped,
                "rules": rules_json,
            });
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        Format::Text => {
            let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            out.write_all(
                text_report(
                    &result.findings,
                    result.closed_orders,
                    &suppliers,
                    &rules,
                    today,
                    skipped,
                    colour,
                )
                .as_bytes(),
            )?;
        }
    }
    out.flush()?;
    Ok(exit_code(skipped))
}

/// Skipped rows were bad input: the report of the others is printed, and the exit code
/// says 2, as `scan messages` does for an unreadable line.
fn exit_code(skipped: usize) -> ExitCode {
    if skipped == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

/// The end of `watch --help`: urgencies, deadline kinds and action codes with their
/// meaning, from the code itself.
pub fn codes_help() -> String {
    let mut s = String::from(
        "Urgency: overdue (the deadline has passed), now (within urgent_days), soon (within soon_days), later.\n\nDeadline kinds (deadline.kind in JSON):\n",
    );
    for k in DeadlineKind::ALL {
        s.push_str(&format!("  {:<20} {}\n", k.as_str(), k.meaning()));
    }
    s.push_str("\nAction codes (action.code in JSON):\n");
    for c in Code::ALL {
        s.push_str(&format!("  {:<23} {}\n", c.as_str(), c.meaning()));
    }
    s
}

fn describe(w: &Warning) -> String {
    let at = match &w.column {
        Some(c) => format!("{} line {}, column {c}", w.file, w.line),
        None => format!("{} line {}", w.file, w.line),
    };
    format!(
        "{at}: {}{}",
        w.message,
        if w.row_skipped { "; row skipped" } else { "" }
    )
}

fn paint(text: &str, urgency: Urgency, colour: bool) -> String {
    if !colour {
        return text.to_string();
    }
    match urgency {
        Urgency::Overdue | Urgency::Now => format!("\x1b[1;31m{text}\x1b[0m"),
        Urgency::Soon => format!("\x1b[33m{text}\x1b[0m"),
        Urgency::Later => text.to_string(),
    }
}

/// Pads every cell of a column to its widest value (in characters).
fn table(rows: &[Vec<String>]) -> Vec<String> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    rows.iter()
        .map(|r| {
            let mut line = String::new();
            for (i, cell) in r.iter().enumerate() {
                if i + 1 == r.len() {
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    line.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
                }
            }
            line
        })
        .collect()
}

fn text_report(
    findings: &[Advice],
    closed: usize,
    suppliers: &[Supplier],
    rules: &Rules,
    today: NaiveDate,
    skipped: usize,
    colour: bool,
) -> String {
    let mut s = format!(
        "{} open order{} on {}, judged on {today}; {closed} closed",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        rules.marketplace.as_str()
    );
    if skipped > 0 {
        s.push_str(&format!(
            "; {skipped} row{} skipped (see warnings)",
            if skipped == 1 { "" } else { "s" }
        ));
    }
    s.push_str("\n\n");
    let mut rows = vec![[
        "URGENCY", "ORDER", "STORE", "DEADLINE", "DATE", "LEFT", "ACTION",
    ]
    .map(String::from)
    .to_vec()];
    for f in findings {
        let urgency = match f.urgency {
            Urgency::Overdue => "overdue",
            Urgency::Now => "now",
            Urgency::Soon => "soon",
            Urgency::Later => "later",
        };
        rows.push(vec![
            urgency.to_string(),
            f.order_id.clone(),
            f.store.clone().unwrap_or_else(|| "-".into()),
            f.deadline
                .map_or("-".into(), |d| d.kind.describe().to_string()),
            f.deadline.map_or("-".into(), |d| d.date.to_string()),
            f.deadline.map_or("-".into(), |d| d.days_left.to_string()),
            f.action.text.clone(),
        ]);
    }
    for (i, line) in table(&rows).into_iter().enumerate() {
        if i == 0 {
            s.push_str(&line);
        } else {
            let f = &findings[i - 1];
            s.push_str(&paint(&line, f.urgency, colour));
            for note in &f.notes {
                s.push_str(&format!("\n    note: {note}"));
            }
        }
        s.push('\n');
    }
    if !suppliers.is_empty() {
        s.push_str("\nsuppliers\n");
        s.push_str(&suppliers_table(suppliers));
    }
    s
}

/// The supplier scorecard as a table, each supplier's reasons under its row.
fn suppliers_table(suppliers: &[Supplier]) -> String {
    let mut s = String::new();
    let mut rows = vec![[
        "STORE",
        "ORDERS",
        "ON TIME",
        "NOT RECEIVED",
        "DISPUTES",
        "REFUNDED",
        "REJECTED",
        "VERDICT",
        "SAMPLE DUE",
    ]
    .map(String::from)
    .to_vec()];
    for p in suppliers {
        rows.push(vec![
            p.store.clone(),
            p.orders.to_string(),
            p.on_time_pct.map_or("-".into(), |v| format!("{v}%")),
            format!("{}%", p.not_received_pct),
            format!("{}%", p.dispute_pct),
            p.refunded.to_string(),
            p.rejected.to_string(),
            p.recommendation.as_str().to_string(),
            p.sample_due.map_or("-".into(), |d| {
                if d.days_left <= 0 {
                    format!("{} (now)", d.date)
                } else {
                    d.date.to_string()
                }
            }),
        ]);
    }
    for (i, line) in table(&rows).into_iter().enumerate() {
        s.push_str(&line);
        if i > 0 {
            let p = &suppliers[i - 1];
            if !p.reasons.is_empty() {
                s.push_str(&format!("\n    {}", p.reasons.join("; ")));
            }
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_when_asked_and_columns_line_up() {
        assert_eq!(paint("x", Urgency::Now, false), "x");
        assert_eq!(paint("x", Urgency::Now, true), "\x1b[1;31mx\x1b[0m");
        assert_eq!(paint("x", Urgency::Later, true), "x");
        let rows = vec![
            vec!["A".to_string(), "é".to_string(), "z".to_string()],
            vec!["long".to_string(), "b".to_string(), "z".to_string()],
        ];
        assert_eq!(table(&rows), vec!["A     é  z", "long  b  z"]);
    }
}
