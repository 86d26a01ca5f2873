//! iCalendar (RFC 5545) of the deadlines: one all-day event per deadline with a
//! reminder `reminder_days` before, so the deadlines land in the buyer's calendar.
//! Written by hand: a dozen fixed lines per event do not need a crate.

use chrono::NaiveDate;

use super::scorecard::Supplier;
use super::{Advice, Rules, Urgency};

/// Longest content line, in octets, before folding (RFC 5545 section 3.1).
const LINE_OCTETS_MAX: usize = 75;

/// Escapes a TEXT value (RFC 5545 section 3.3.11).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded at 75 octets without splitting a character.
fn line(out: &mut String, content: &str) {
    let mut rest = content;
    let mut first = true;
    while !rest.is_empty() {
        let limit = if first {
            LINE_OCTETS_MAX
        } else {
            LINE_OCTETS_MAX - 1
        };
        let mut end = rest.len().min(limit);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        if !first {
            out.push(' ');
        }
        out.push_str(&rest[..end]);
        out.push_str("\r\n");
        rest = &rest[end..];
        first = false;
    }
}

/// A stable UID from its parts: letters and digits kept, anything else becomes `_`.
fn uid(parts: &[&str], rules: &Rules) -> String {
    let clean: Vec<String> = parts
        .iter()
        .map(|p| {
            p.chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect()
        })
        .collect();
    format!(
        "{}@{}.watch.marketguard",
        clean.join("-"),
        rules.marketplace.as_str()
    )
}

fn date(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

fn event(
    out: &mut String,
    uid: &str,
    stamp: &str,
    day: NaiveDate,
    summary: &str,
    description: &str,
    reminder_days: i64,
) {
    line(out, "BEGIN:VEVENT");
    line(out, &format!("UID:{}", escape(uid)));
    line(out, &format!("DTSTAMP:{stamp}"));
    line(out, &format!("DTSTART;VALUE=DATE:{}", date(day)));
    line(
        out,
        &format!("DTEND;VALUE=DATE:{}", date(day.succ_opt().unwrap_or(day))),
    );
    line(out, &format!("SUMMARY:{}", escape(summary)));
    line(out, &format!("DESCRIPTION:{}", escape(description)));
    line(out, "BEGIN:VALARM");
    line(out, "ACTION:DISPLAY");
    line(out, &format!("TRIGGER:-P{reminder_days}D"));
    line(out, &format!("DESCRIPTION:{}", escape(summary)));
    line(out, "END:VALARM");
    line(out, "END:VEVENT");
}

/// The calendar of every deadline still ahead (or today). `today` stamps the events so
/// the output is the same for the same input.
pub fn calendar(
    findings: &[Advice],
    suppliers: &[Supplier],
    rules: &Rules,
    today: NaiveDate,
) -> String {
    let mut out = String::new();
    let stamp = format!("{}T000000Z", date(today));
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//marketguard//watch//EN");
    line(&mut out, "CALSCALE:GREGORIAN");
    for f in findings {
        let Some(d) = f.deadline else { continue };
        // A passed deadline whose action is still to do goes on today: the calendar
        // is where people look, and a day in the past is never seen.
        let (day, summary) = if d.days_left >= 0 {
            (
                d.date,
                format!("Order {}: {}", f.order_id, d.kind.describe()),
            )
        } else if f.urgency == Urgency::Overdue {
            (
                today,
                format!(
                    "Order {}: act today ({} {} passed)",
                    f.order_id,
                    d.kind.describe(),
                    d.date
                ),
            )
        } else {
            continue;
        };
        let kind = serde_json::to_value(d.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let mut description = f.action.text.clone();
        if let Some(store) = &f.store {
            description = format!("{store}: {description}");
        }
        event(
            &mut out,
            &uid(&[&f.order_id, &kind, &date(day)], rules),
            &stamp,
            day,
            &summary,
            &description,
            rules.reminder_days,
        );
    }
    for s in suppliers {
        let Some(d) = s.sample_due else { continue };
        let day = d.date.max(today);
        event(
            &mut out,
            &uid(&["sample", &s.store, &date(day)], rules),
            &stamp,
            day,
            &format!("Sample order with {}", s.store),
            &format!(
                "place a sample order with {} to check quality and shipping (every {} days)",
                s.store, rules.sample_interval_days
            ),
            rules.reminder_days,
        );
    }
    line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let mut out = String::new();
        let text = format!("DESCRIPTION:{}", "é".repeat(60));
        line(&mut out, &text);
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= LINE_OCTETS_MAX, "{l}");
        }
        let unfolded = out.replace("\r\n ", "").replace("\r\n", "");
        assert_eq!(unfolded, text);
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }
}
