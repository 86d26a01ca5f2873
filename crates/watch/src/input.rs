//! Reading orders and messages from CSV (with a header) or JSON Lines. A bad value is
//! reported with its line and column and its row skipped; unknown columns are reported
//! once and ignored. Nothing is guessed.

use chrono::NaiveDate;
use domain::{Currency, Money};

use super::{DisputeStatus, Message, Order, OrderKind, Promised, Status};

/// Largest input read, in bytes.
pub const INPUT_BYTES_MAX: usize = 64 << 20;

/// Input that cannot be read at all: no row of it is usable.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{file}: cannot read the CSV header: {error}")]
    Header { file: String, error: csv::Error },
    #[error("{file}: the header has no {column:?} column (required)")]
    MissingColumn { file: String, column: &'static str },
}

/// Something wrong with the input that did not stop the run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    pub file: String,
    /// 1-based; 0 for the header.
    pub line: u64,
    pub column: Option<String>,
    pub message: String,
    pub row_skipped: bool,
}

/// Rows read and what went wrong.
#[derive(Debug)]
pub struct Parsed<T> {
    pub rows: Vec<T>,
    pub warnings: Vec<Warning>,
    pub skipped: usize,
}

impl<T> Default for Parsed<T> {
    fn default() -> Self {
        Parsed {
            rows: Vec::new(),
            warnings: Vec::new(),
            skipped: 0,
        }
    }
}

pub const ORDER_COLUMNS: &[&str] = &[
    "order_id",
    "store",
    "item",
    "amount",
    "currency",
    "paid_at",
    "shipped_at",
    "promised_delivery",
    "tracking",
    "tracking_updated_at",
    "tracking_event",
    "status",
    "delivered_at",
    "dispute_opened_at",
    "dispute_status",
    "dispute_reason",
    "kind",
];

pub const MESSAGE_COLUMNS: &[&str] = &["order_id", "sent_at", "sender", "text"];

/// One record as (column, value) pairs, with the line it started on.
struct Record {
    line: u64,
    fields: Vec<(String, String)>,
}

impl Record {
    fn get(&self, column: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(c, _)| c == column)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }
}

/// Splits the text into records: JSON Lines when the first non-blank character is `{`,
/// CSV with a header otherwise.
fn records(
    file: &str,
    text: &str,
    known: &[&str],
    required: &[&'static str],
) -> Result<(Vec<Record>, Vec<Warning>), InputError> {
    let mut split = Split {
        file,
        known,
        unknown_seen: Vec::new(),
        records: Vec::new(),
        warnings: Vec::new(),
    };
    if text.trim_start().starts_with('{') {
        split.json_lines(text);
    } else {
        split.csv(text, required)?;
    }
    Ok((split.records, split.warnings))
}

/// The records of one file as they are split, and the warnings so far.
struct Split<'a> {
    file: &'a str,
    known: &'a [&'a str],
    /// Unknown columns already reported: each is reported once.
    unknown_seen: Vec<String>,
    records: Vec<Record>,
    warnings: Vec<Warning>,
}

impl Split<'_> {
    fn note_unknown(&mut self, column: &str, line: u64) {
        if !self.known.contains(&column) && !self.unknown_seen.iter().any(|c| c == column) {
            self.unknown_seen.push(column.to_string());
            self.warnings.push(Warning {
                file: self.file.to_string(),
                line,
                column: Some(column.to_string()),
                message: format!("unknown column {column:?} ignored"),
                row_skipped: false,
            });
        }
    }

    /// A record that cannot be split: reported, and kept empty so that it is counted
    /// as skipped.
    fn unreadable(&mut self, line: u64, message: String) {
        self.warnings.push(Warning {
            file: self.file.to_string(),
            line,
            column: None,
            message,
            row_skipped: true,
        });
        self.records.push(Record {
            line,
            fields: Vec::new(),
        });
    }

    fn json_lines(&mut self, text: &str) {
        for (n, line) in text.lines().enumerate() {
            let line_no = n as u64 + 1;
            if line.trim().is_empty() {
                continue;
            }
            let object: serde_json::Map<String, serde_json::Value> =
                match serde_json::from_str(line) {
                    Ok(o) => o,
                    Err(e) => {
                        self.unreadable(line_no, format!("not a JSON object: {e}"));
                        continue;
                    }
                };
            let mut fields = Vec::new();
            for (k, v) in object {
                self.note_unknown(&k, line_no);
                let value = match v {
                    serde_json::Value::Null => String::new(),
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                fields.push((k, value));
            }
            self.records.push(Record {
                line: line_no,
                fields,
            });
        }
    }

    fn csv(&mut self, text: &str, required: &[&'static str]) -> Result<(), InputError> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|error| InputError::Header {
                file: self.file.to_string(),
                error,
            })?
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        for h in &headers {
            self.note_unknown(h, 1);
        }
        for &column in required {
            if !headers.iter().any(|h| h == column) {
                return Err(InputError::MissingColumn {
                    file: self.file.to_string(),
                    column,
                });
            }
        }
        for result in reader.records() {
            match result {
                Ok(record) => {
                    let line = record.position().map_or(0, |p| p.line());
                    if record.len() != headers.len() {
                        self.unreadable(
                            line,
                            format!(
                                "{} fields where the header has {}",
                                record.len(),
                                headers.len()
                            ),
                        );
                        continue;
                    }
                    let fields = headers
                        .iter()
                        .cloned()
                        .zip(record.iter().map(str::to_string))
                        .collect();
                    self.records.push(Record { line, fields });
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    self.unreadable(line, format!("unreadable CSV record: {e}"));
                }
            }
        }
        Ok(())
    }
}

/// A date as `YYYY-MM-DD`, or the date of an RFC 3339 timestamp.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().or_else(|| {
        chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|d| d.date_naive())
    })
}

/// Collects the problems of one row; the row is kept only when there are none.
struct RowCheck<'a> {
    file: &'a str,
    record: &'a Record,
    problems: Vec<Warning>,
}

impl<'a> RowCheck<'a> {
    fn problem(&mut self, column: &str, message: String) {
        self.problems.push(Warning {
            file: self.file.to_string(),
            line: self.record.line,
            column: Some(column.to_string()),
            message,
            row_skipped: true,
        });
    }
    fn required(&mut self, column: &str) -> Option<&'a str> {
        let v = self.record.get(column);
        if v.is_none() {
            self.problem(column, format!("{column} is empty (required)"));
        }
        v
    }
    fn date(&mut self, column: &str) -> Option<NaiveDate> {
        let v = self.record.get(column)?;
        let d = parse_date(v);
        if d.is_none() {
            self.problem(
                column,
                format!("{v:?} is not a date (YYYY-MM-DD or RFC 3339)"),
            );
        }
        d
    }
    fn text(&self, column: &str) -> Option<String> {
        self.record.get(column).map(str::to_string)
    }

    fn promised(&mut self) -> Option<Promised> {
        let v = self.record.get("promised_delivery")?;
        match (v.parse::<i64>(), parse_date(v)) {
            (Ok(days), _) if (0..=3650).contains(&days) => Some(Promised::DaysAfterShipment(days)),
            (_, Some(d)) => Some(Promised::Date(d)),
            _ => {
                self.problem(
                    "promised_delivery",
                    format!("{v:?} is neither a date nor a number of days after shipment"),
                );
                None
            }
        }
    }

    fn amount(&mut self) -> Option<Money> {
        match (self.record.get("amount"), self.record.get("currency")) {
            (None, _) => None,
            (Some(a), None) => {
                self.problem("currency", format!("amount {a:?} has no currency"));
                None
            }
            (Some(a), Some(code)) => match Currency::parse(code) {
                Err(e) => {
                    self.problem("currency", format!("{code:?}: {e}"));
                    None
                }
                Ok(cur) => match Money::parse(a, cur) {
                    Ok(m) => Some(m),
                    Err(e) => {
                        self.problem("amount", format!("{a:?}: {e}"));
                        None
                    }
                },
            },
        }
    }

    fn status(&mut self) -> Option<Status> {
        let v = self.record.get("status")?;
        let s = Status::parse(v);
        if s.is_none() {
            self.problem("status", format!("{v:?} is not an order status (placed, paid, shipped, delivered, completed, cancelled, disputed, resolved)"));
        }
        s
    }

    fn dispute_status(&mut self) -> Option<DisputeStatus> {
        let v = self.record.get("dispute_status")?;
        let s = DisputeStatus::parse(v);
        if s.is_none() {
            self.problem("dispute_status", format!("{v:?} is not a dispute status (open, escalated, refund_full, refund_partial, return_and_refund, rejected, withdrawn)"));
        }
        s
    }

    /// The carrier's last event, by the engine's names.
    fn tracking_event(&mut self) -> Option<protection::CarrierEventKind> {
        let v = self.record.get("tracking_event")?;
        let k = protection::CarrierEventKind::parse(&v.to_ascii_lowercase());
        if k.is_none() {
            self.problem("tracking_event", format!("{v:?} is not a carrier event (accepted, in_transit, customs, out_for_delivery, delivered, returned)"));
        }
        k
    }

    /// The delivery date: the row's, else the date of a `delivered` carrier event.
    fn delivered_at(
        &mut self,
        event: Option<protection::CarrierEventKind>,
        updated: Option<NaiveDate>,
    ) -> Option<NaiveDate> {
        let given = self.date("delivered_at");
        if given.is_some() || event != Some(protection::CarrierEventKind::Delivered) {
            return given;
        }
        if updated.is_none() && self.record.get("tracking_updated_at").is_none() {
            self.problem(
                "tracking_updated_at",
                "is needed with tracking_event delivered: it is the delivery date".into(),
            );
        }
        updated
    }

    /// Regular when absent; None (with a problem) when not a kind.
    fn kind(&mut self) -> Option<OrderKind> {
        match self.record.get("kind") {
            None => Some(OrderKind::Regular),
            Some(v) if v.eq_ignore_ascii_case("sample") => Some(OrderKind::Sample),
            Some(v) if v.eq_ignore_ascii_case("regular") || v.eq_ignore_ascii_case("order") => {
                Some(OrderKind::Regular)
            }
            Some(v) => {
                self.problem(
                    "kind",
                    format!("{v:?} is not an order kind (regular or sample)"),
                );
                None
            }
        }
    }
}

fn finish<T>(parsed: &mut Parsed<T>, check: RowCheck<'_>, row: Option<T>) {
    if check.problems.is_empty() {
        if let Some(row) = row {
            parsed.rows.push(row);
            return;
        }
    }
    parsed.skipped += 1;
    parsed.warnings.extend(check.problems);
}

/// Orders from `text`; `file` names it in warnings.
pub fn orders(file: &str, text: &str) -> Result<Parsed<Order>, InputError> {
    let (records, warnings) = records(file, text, ORDER_COLUMNS, &["order_id", "paid_at"])?;
    let mut parsed = Parsed {
        warnings,
        ..Parsed::default()
    };
    for record in &records {
        if record.fields.is_empty() {
            parsed.skipped += 1;
            continue;
        }
        let mut c = RowCheck {
            file,
            record,
            problems: Vec::new(),
        };
        let order_id = c.required("order_id").map(str::to_string);
        let paid_at = match c.required("paid_at") {
            Some(_) => c.date("paid_at"),
            None => None,
        };
        let shipped_at = c.date("shipped_at");
        let dispute_opened_at = c.date("dispute_opened_at");
        let tracking_updated_at = c.date("tracking_updated_at");
        let tracking_event = c.tracking_event();
        let delivered_at = c.delivered_at(tracking_event, tracking_updated_at);
        let promised = c.promised();
        let amount = c.amount();
        let status = c.status();
        let dispute_status = c.dispute_status();
        let kind = c.kind();
        let row = match (order_id, paid_at, kind) {
            (Some(order_id), Some(paid_at), Some(kind)) => Some(Order {
                line: record.line,
                order_id,
                store: c.text("store"),
                item: c.text("item"),
                amount,
                paid_at,
                shipped_at,
                promised,
                tracking: c.text("tracking"),
                tracking_updated_at,
                tracking_event,
                status,
                delivered_at,
                dispute_opened_at,
                dispute_status,
                dispute_reason: c.text("dispute_reason"),
                kind,
            }),
            _ => None,
        };
        finish(&mut parsed, c, row);
    }
    Ok(parsed)
}

/// Messages from `text`; `file` names it in warnings.
pub fn messages(file: &str, text: &str) -> Result<Parsed<Message>, InputError> {
    let (records, warnings) = records(
        file,
        text,
        MESSAGE_COLUMNS,
        &["order_id", "sent_at", "text"],
    )?;
    let mut parsed = Parsed {
        warnings,
        ..Parsed::default()
    };
    for record in &records {
        if record.fields.is_empty() {
            parsed.skipped += 1;
            continue;
        }
        let mut c = RowCheck {
            file,
            record,
            problems: Vec::new(),
        };
        let order_id = c.required("order_id").map(str::to_string);
        let sent_at = match c.required("sent_at") {
            Some(_) => c.date("sent_at"),
            None => None,
        };
        let text = c.required("text").map(str::to_string);
        let sender = match record.get("sender") {
            None => Some(risk::Sender::Unknown),
            Some(v) => {
                let s = risk::Sender::parse(&v.to_ascii_lowercase());
                if s.is_none() {
                    c.problem("sender", format!("{v:?} is not seller, buyer or unknown"));
                }
                s
            }
        };
        let row = match (order_id, sent_at, text, sender) {
            (Some(order_id), Some(sent_at), Some(text), Some(sender)) => Some(Message {
                line: record.line,
                order_id,
                sent_at,
                sender,
                text,
            }),
            _ => None,
        };
        finish(&mut parsed, c, row);
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_skip_the_row_with_line_and_column_and_unknown_columns_are_reported() {
        let csv = "order_id,paid_at,amount,currency,colour\n\
                   A1,2026-01-05,12.50,USD,red\n\
                   A2,2026-13-01,3.00,USD,blue\n\
                   A3,2026-01-07,1.234,USD,green\n";
        let p = orders("o.csv", csv).unwrap();
        assert_eq!(p.rows.len(), 1);
        assert_eq!(p.rows[0].amount.unwrap().amount_minor(), 1250);
        assert_eq!(p.skipped, 2);
        let lines: Vec<(u64, Option<&str>, bool)> = p
            .warnings
            .iter()
            .map(|w| (w.line, w.column.as_deref(), w.row_skipped))
            .collect();
        assert_eq!(
            lines,
            vec![
                (1, Some("colour"), false),
                (3, Some("paid_at"), true),
                (4, Some("amount"), true)
            ]
        );
    }

    #[test]
    fn json_lines_read_like_csv() {
        let text = "{\"order_id\": 7, \"paid_at\": \"2026-01-05T10:00:00Z\", \"promised_delivery\": 20, \"x\": 1}\n";
        let p = orders("o.jsonl", text).unwrap();
        assert_eq!(p.rows[0].order_id, "7");
        assert_eq!(p.rows[0].promised, Some(Promised::DaysAfterShipment(20)));
        assert_eq!(p.warnings.len(), 1);
    }

    #[test]
    fn a_missing_required_column_is_an_error() {
        assert!(orders("o.csv", "order_id,store\n1,a\n").is_err());
    }
}
