//! Everything one command writes, as one unit: transfers, pending resolutions,
//! account balances, events, the order projection, deadlines, the fired deadline and
//! the idempotency record. On PostgreSQL the parts travel as one statement (a chain of
//! data-modifying CTEs: one round trip), cut in two where a table would be modified
//! twice (see [`statements`]); on SQLite, where a statement costs no network
//! trip, they run one after another. Either way they share the caller's transaction.

use domain::{OrderId, Timestamp};
use futures_util::TryStreamExt;
use ledger::{AccountId, Applied, Book, Op, Recorded as RecordedTransfer};
use protection::{Event, Order, Recorded, Timer};
use sqlx::Row;

use crate::{codec, event_to_json, Backend, StoreError, StoreResult, StoredOutcome, Tx};

/// What one command changes.
pub struct WriteSet<'a> {
    pub order: &'a OrderId,
    pub applied: &'a [Applied],
    pub book: &'a Book,
    pub events: &'a [Recorded],
    /// The order after the events, and its version before them (None: new order).
    pub state: Option<(&'a Order, Option<i64>)>,
    pub timers: &'a [Timer],
    /// The deadline this command fires, marked fired in the same transaction.
    pub fired: Option<&'a Timer>,
    pub idempotency: Option<(&'a str, &'a StoredOutcome)>,
    pub now: Timestamp,
}

/// What the write found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Done,
    /// The idempotency key was recorded by another transaction first: roll back and
    /// answer from the stored outcome.
    KeyTaken,
}

/// `($1, $2), ($3, $4)` for `rows` rows of `cols` columns numbered from `first`; with
/// `casts`, each is `CAST($n AS type)` so that PostgreSQL knows the types of a bare
/// VALUES list.
pub(crate) fn placeholders(
    first: usize,
    rows: usize,
    cols: usize,
    casts: Option<&[&str]>,
) -> String {
    let mut out = String::with_capacity(rows * cols * 6);
    for r in 0..rows {
        out.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..cols {
            if c > 0 {
                out.push_str(", ");
            }
            let n = first + r * cols + c;
            match casts {
                Some(types) => out.push_str(&format!("CAST(${n} AS {})", types[c])),
                None => out.push_str(&format!("${n}")),
            }
        }
        out.push(')');
    }
    out
}

#[derive(Debug, Clone)]
enum Bind {
    Text(String),
    OptText(Option<String>),
    Int(i64),
}

/// One statement with its binds, and the rows it must affect (None: any number).
struct Part {
    sql: String,
    binds: Vec<Bind>,
    expect_rows: Option<u64>,
    /// A zero-row result means the idempotency key exists.
    is_idempotency: bool,
}

/// Builds statements with `$n` numbered by one running count: both backends receive
/// every part in one string with one argument list.
struct Builder {
    next: usize,
    parts: Vec<Part>,
}

impl Builder {
    fn values(&mut self, rows: usize, cols: usize, casts: Option<&[&str]>) -> String {
        let out = placeholders(self.next, rows, cols, casts);
        self.next += rows * cols;
        out
    }

    fn push(&mut self, sql: String, binds: Vec<Bind>, expect_rows: Option<u64>) {
        self.parts.push(Part {
            sql,
            binds,
            expect_rows,
            is_idempotency: false,
        });
    }
}

fn text(s: impl Into<String>) -> Bind {
    Bind::Text(s.into())
}

impl Tx {
    /// Writes the whole set; a lost race (projection at another version, a unique key
    /// taken) is `StoreError::Conflict` and the caller retries.
    pub async fn write(&mut self, w: &WriteSet<'_>) -> StoreResult<Written> {
        let mut b = Builder {
            next: 1,
            parts: Vec::new(),
        };
        build(&mut b, w);
        if b.parts.is_empty() {
            return Ok(Written::Done);
        }
        let rows: Vec<u64> = match self.backend {
            Backend::Sqlite => {
                // SQLite runs several statements from one string, binding `$n` to the
                // n-th argument in each, and reports each statement's changes.
                let sql = b
                    .parts
                    .iter()
                    .map(|p| p.sql.as_str())
                    .collect::<Vec<_>>()
                    .join(";\n");
                let mut q = sqlx::query(&sql);
                for p in &b.parts {
                    for v in &p.binds {
                        q = bind(q, v);
                    }
                }
                #[allow(deprecated)] // multi-statement results: SQLite supports them
                let mut stream = sqlx::Executor::fetch_many(&mut *self.tx, q);
                let mut rows = Vec::with_capacity(b.parts.len());
                while let Some(item) = stream.try_next().await? {
                    if let sqlx::Either::Left(result) = item {
                        rows.push(result.rows_affected());
                    }
                }
                rows
            }
            Backend::Postgres => {
                let mut rows = Vec::with_capacity(b.parts.len());
                for chunk in statements(&b.parts) {
                    rows.extend(self.write_chain(chunk).await?);
                }
                rows
            }
        };
        if rows.len() != b.parts.len() {
            return Err(StoreError::Other(anyhow::anyhow!(
                "{} results for {} statements",
                rows.len(),
                b.parts.len()
            )));
        }
        for (p, n) in b.parts.iter().zip(rows) {
            if p.is_idempotency && n == 0 {
                return Ok(Written::KeyTaken);
            }
            check(p, n)?;
        }
        Ok(Written::Done)
    }
}

impl Tx {
    /// Sends parts as one statement, a chain of data-modifying CTEs, and returns the
    /// rows each affected. Placeholders are renumbered from `$1` for the chain.
    async fn write_chain(&mut self, parts: &[Part]) -> StoreResult<Vec<u64>> {
        let mut sql = String::from("WITH ");
        let mut select = Vec::new();
        let mut shift = 0;
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            let first = first_placeholder(&p.sql).unwrap_or(shift + 1);
            let offset = first - 1 - shift;
            sql.push_str(&format!(
                "p{i} AS ({} RETURNING 1)",
                renumber(&p.sql, offset)
            ));
            select.push(format!("(SELECT COUNT(*) FROM p{i}) AS n{i}"));
            shift += p.binds.len();
        }
        sql.push_str(" SELECT ");
        sql.push_str(&select.join(", "));
        let mut q = sqlx::query(&sql);
        for p in parts {
            for v in &p.binds {
                q = bind(q, v);
            }
        }
        let row = q.fetch_one(&mut *self.tx).await?;
        (0..parts.len())
            .map(|i| row.try_get::<i64, _>(i).map(|n| n as u64))
            .collect::<Result<_, _>>()
            .map_err(StoreError::from)
    }
}

/// The parts cut into statements in which no table is modified twice, unless every
/// modification of it is a plain INSERT. PostgreSQL runs any chain, but distributed
/// SQL databases that speak its dialect refuse two modifications of one table in one
/// statement (CockroachDB: "multiple modification subqueries of the same table",
/// cockroach PR 71595), so the chain is cut where that would happen. Only deadline
/// writes cut it today: firing a deadline (an UPDATE of `timers`) while setting new
/// ones (an INSERT ... ON CONFLICT into `timers`).
fn statements(parts: &[Part]) -> Vec<&[Part]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut seen: Vec<(&str, bool)> = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        let (table, plain) = modified_table(&p.sql);
        let clash = seen
            .iter()
            .any(|(t, seen_plain)| *t == table && !(plain && *seen_plain));
        if clash {
            out.push(&parts[start..i]);
            start = i;
            seen.clear();
        }
        seen.push((table, plain));
    }
    if start < parts.len() {
        out.push(&parts[start..]);
    }
    out
}

/// The table a part's statement modifies, and whether it is a plain INSERT (no
/// `ON CONFLICT`).
fn modified_table(sql: &str) -> (&str, bool) {
    let rest = sql
        .strip_prefix("INSERT INTO ")
        .or_else(|| sql.strip_prefix("UPDATE "))
        .unwrap_or(sql);
    let table = rest.split([' ', '(']).next().unwrap_or(rest);
    let plain = sql.starts_with("INSERT INTO ") && !sql.contains("ON CONFLICT");
    (table, plain)
}

/// The lowest `$n` in a statement.
fn first_placeholder(sql: &str) -> Option<usize> {
    placeholder_numbers(sql).min()
}

fn placeholder_numbers(sql: &str) -> impl Iterator<Item = usize> + '_ {
    sql.split('$').skip(1).filter_map(|rest| {
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    })
}

/// `sql` with every `$n` made `$(n - offset)`.
fn renumber(sql: &str, offset: usize) -> String {
    if offset == 0 {
        return sql.to_string();
    }
    let mut out = String::with_capacity(sql.len());
    let mut pieces = sql.split('$');
    out.push_str(pieces.next().unwrap_or(""));
    for rest in pieces {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&format!("${}{}", n - offset, &rest[digits..])),
            Err(_) => {
                out.push('$');
                out.push_str(rest);
            }
        }
    }
    out
}

fn check(p: &Part, rows: u64) -> StoreResult<()> {
    match p.expect_rows {
        Some(n) if n != rows => Err(StoreError::Conflict),
        _ => Ok(()),
    }
}

fn bind<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    v: &Bind,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    match v.clone() {
        Bind::Text(s) => q.bind(s),
        Bind::OptText(s) => q.bind(s),
        Bind::Int(i) => q.bind(i),
    }
}

fn build(b: &mut Builder, w: &WriteSet<'_>) {
    ledger(b, w);
    events(b, w);
    outbox(b, w);
    order(b, w);
    cases_and_tracking_numbers(b, w);
    timers(b, w);
    fired(b, w);
    idempotency(b, w);
}

/// New transfers, the pending transfers they resolve and the balances they touch.
fn ledger(b: &mut Builder, w: &WriteSet<'_>) {
    let new: Vec<&RecordedTransfer> = w
        .applied
        .iter()
        .filter_map(|a| match a {
            Applied::New(r) => Some(r),
            Applied::Duplicate(_) => None,
        })
        .collect();
    if new.is_empty() {
        return;
    }
    transfers(b, w, &new);
    pending_resolutions(b, &new);
    balances(b, w, &new);
}

fn transfers(b: &mut Builder, w: &WriteSet<'_>, new: &[&RecordedTransfer]) {
    let values = b.values(new.len(), 10, None);
    let mut binds = Vec::new();
    for r in new {
        let pending = match &r.transfer.op {
            Op::PostPending { pending, .. } | Op::VoidPending { pending } => {
                Some(pending.to_string())
            }
            _ => None,
        };
        binds.extend([
            text(r.transfer.id.as_str()),
            text(codec::op_name(&r.transfer.op)),
            text(r.transfer.code.as_str()),
            text(r.debit.to_string()),
            text(r.credit.to_string()),
            Bind::Int(r.amount.amount_minor()),
            text(r.amount.currency().code()),
            Bind::OptText(pending),
            Bind::OptText(r.transfer.order.as_ref().map(|o| o.to_string())),
            Bind::Int(w.now.unix_ms()),
        ]);
    }
    b.push(
        format!(
            "INSERT INTO transfers (id, op, code, debit_account, credit_account, \
             amount_minor, currency, pending_id, order_id, at_ms) VALUES {values}"
        ),
        binds,
        Some(new.len() as u64),
    );
}

fn pending_resolutions(b: &mut Builder, new: &[&RecordedTransfer]) {
    let resolutions: Vec<(String, String)> = new
        .iter()
        .filter_map(|r| match &r.transfer.op {
            Op::PostPending { pending, .. } | Op::VoidPending { pending } => {
                Some((pending.to_string(), r.transfer.id.to_string()))
            }
            _ => None,
        })
        .collect();
    if !resolutions.is_empty() {
        let n_resolutions = resolutions.len() as u64;
        let values = b.values(resolutions.len(), 2, None);
        let binds = resolutions
            .into_iter()
            .flat_map(|(p, by)| [text(p), text(by)])
            .collect();
        b.push(
            format!("INSERT INTO pending_resolutions (pending_id, resolved_by) VALUES {values}"),
            binds,
            Some(n_resolutions),
        );
    }
}

fn balances(b: &mut Builder, w: &WriteSet<'_>, new: &[&RecordedTransfer]) {
    let mut touched: Vec<&AccountId> = new.iter().flat_map(|r| [&r.debit, &r.credit]).collect();
    touched.sort();
    touched.dedup();
    let values = b.values(
        touched.len(),
        5,
        Some(&["TEXT", "BIGINT", "BIGINT", "BIGINT", "BIGINT"]),
    );
    let mut binds = Vec::new();
    for id in &touched {
        let bal = w.book.account(id);
        binds.extend([
            text(id.to_string()),
            Bind::Int(bal.debits_pending),
            Bind::Int(bal.debits_posted),
            Bind::Int(bal.credits_pending),
            Bind::Int(bal.credits_posted),
        ]);
    }
    b.push(
        format!(
            "UPDATE accounts SET debits_pending = v.column2, debits_posted = v.column3, \
             credits_pending = v.column4, credits_posted = v.column5 \
             FROM (VALUES {values}) AS v WHERE accounts.id = v.column1"
        ),
        binds,
        Some(touched.len() as u64),
    );
}

fn events(b: &mut Builder, w: &WriteSet<'_>) {
    if !w.events.is_empty() {
        let values = b.values(w.events.len(), 6, None);
        let mut binds = Vec::new();
        for e in w.events {
            binds.extend([
                text(w.order.as_str()),
                Bind::Int(e.seq),
                text(e.event.name()),
                text(e.actor.to_string()),
                Bind::Int(e.at.unix_ms()),
                text(event_to_json(&e.event)),
            ]);
        }
        b.push(
            format!("INSERT INTO events (order_id, seq, name, actor, at_ms, body) VALUES {values}"),
            binds,
            Some(w.events.len() as u64),
        );
    }
}

fn outbox(b: &mut Builder, w: &WriteSet<'_>) {
    if !w.events.is_empty() {
        let values = b.values(w.events.len(), 3, None);
        let binds = w
            .events
            .iter()
            .flat_map(|e| {
                [
                    text(w.order.as_str()),
                    Bind::Int(e.seq),
                    Bind::Int(w.now.unix_ms()),
                ]
            })
            .collect();
        b.push(
            format!("INSERT INTO outbox (order_id, seq, created_ms) VALUES {values}"),
            binds,
            Some(w.events.len() as u64),
        );
    }
}

fn order(b: &mut Builder, w: &WriteSet<'_>) {
    if let Some((order, previous)) = w.state {
        match previous {
            None => {
                let values = b.values(1, 9, None);
                b.push(
                    format!(
                        "INSERT INTO orders (order_id, buyer_id, seller_id, currency, \
                         total_minor, status, version, placed_ms, updated_ms) VALUES {values}"
                    ),
                    vec![
                        text(order.id.as_str()),
                        text(order.buyer.as_str()),
                        text(order.seller.as_str()),
                        text(order.currency.code()),
                        Bind::Int(order.total().amount_minor()),
                        text(order.status.as_str()),
                        Bind::Int(order.version),
                        Bind::Int(order.placed_at.unix_ms()),
                        Bind::Int(w.now.unix_ms()),
                    ],
                    Some(1),
                );
            }
            Some(v) => {
                let n = b.next;
                b.next += 5;
                b.push(
                    format!(
                        "UPDATE orders SET status = ${}, version = ${}, updated_ms = ${} \
                         WHERE order_id = ${} AND version = ${}",
                        n,
                        n + 1,
                        n + 2,
                        n + 3,
                        n + 4
                    ),
                    vec![
                        text(order.status.as_str()),
                        Bind::Int(order.version),
                        Bind::Int(w.now.unix_ms()),
                        text(order.id.as_str()),
                        Bind::Int(v),
                    ],
                    Some(1),
                );
            }
        }
    }
}

fn cases_and_tracking_numbers(b: &mut Builder, w: &WriteSet<'_>) {
    // The cases queue: a projection of case_opened and case_closed.
    for e in w.events {
        match &e.event {
            Event::CaseOpened {
                case_id,
                message_id,
                kinds,
                risk,
            } => {
                let Some((order, _)) = w.state else { continue };
                let message_seq = w
                    .events
                    .iter()
                    .find(
                        |m| matches!(&m.event, Event::MessagePosted { id, .. } if id == message_id),
                    )
                    .map_or(e.seq, |m| m.seq);
                let values = b.values(1, 9, None);
                b.push(
                    format!(
                        "INSERT INTO cases (case_id, order_id, message_seq, seller_id, buyer_id, \
                         kinds, risk, status, opened_ms) VALUES {values}"
                    ),
                    vec![
                        text(case_id.as_str()),
                        text(w.order.as_str()),
                        Bind::Int(message_seq),
                        text(order.seller.as_str()),
                        text(order.buyer.as_str()),
                        text(crate::cases::kinds_column(kinds)),
                        Bind::Int(i64::from(*risk)),
                        text("open"),
                        Bind::Int(e.at.unix_ms()),
                    ],
                    Some(1),
                );
            }
            Event::Shipped { tracking, .. } => {
                let values = b.values(1, 3, None);
                b.push(
                    format!("INSERT INTO tracking_numbers (number, order_id, at_ms) VALUES {values} ON CONFLICT DO NOTHING"),
                    vec![
                        text(domain::normalize_tracking(tracking)),
                        text(w.order.as_str()),
                        Bind::Int(e.at.unix_ms()),
                    ],
                    None,
                );
            }
            Event::CaseClosed { case_id, label, .. } => {
                let n = b.next;
                b.next += 4;
                b.push(
                    format!(
                        "UPDATE cases SET status = 'closed', label = ${}, closed_ms = ${}, \
                         closed_by = ${} WHERE case_id = ${} AND status = 'open'",
                        n,
                        n + 1,
                        n + 2,
                        n + 3
                    ),
                    vec![
                        text(label.as_str()),
                        Bind::Int(e.at.unix_ms()),
                        text(e.actor.to_string()),
                        text(case_id.as_str()),
                    ],
                    Some(1),
                );
            }
            _ => {}
        }
    }
}

fn timers(b: &mut Builder, w: &WriteSet<'_>) {
    if !w.timers.is_empty() {
        let values = b.values(w.timers.len(), 3, None);
        let binds = w
            .timers
            .iter()
            .flat_map(|t| {
                [
                    text(w.order.as_str()),
                    text(t.kind.as_str()),
                    Bind::Int(t.due.unix_ms()),
                ]
            })
            .collect();
        b.push(
            format!(
                "INSERT INTO timers (order_id, kind, due_ms) VALUES {values} ON CONFLICT DO NOTHING"
            ),
            binds,
            None,
        );
    }
}

fn fired(b: &mut Builder, w: &WriteSet<'_>) {
    if let Some(t) = w.fired {
        let n = b.next;
        b.next += 4;
        b.push(
            format!(
                "UPDATE timers SET fired_ms = ${} WHERE order_id = ${} AND kind = ${} \
                 AND due_ms = ${} AND fired_ms IS NULL",
                n,
                n + 1,
                n + 2,
                n + 3
            ),
            vec![
                Bind::Int(w.now.unix_ms()),
                text(w.order.as_str()),
                text(t.kind.as_str()),
                Bind::Int(t.due.unix_ms()),
            ],
            Some(1),
        );
    }
}

fn idempotency(b: &mut Builder, w: &WriteSet<'_>) {
    if let Some((key, outcome)) = w.idempotency {
        let values = b.values(1, 7, None);
        b.parts.push(Part {
            sql: format!(
                "INSERT INTO idempotency (key, request, order_id, seq_from, seq_to, status, \
                 created_ms) VALUES {values} ON CONFLICT DO NOTHING"
            ),
            binds: vec![
                text(key),
                text(outcome.request.as_str()),
                text(outcome.order_id.as_str()),
                Bind::Int(outcome.seq_from),
                Bind::Int(outcome.seq_to),
                text(outcome.status.as_str()),
                Bind::Int(w.now.unix_ms()),
            ],
            expect_rows: None,
            is_idempotency: true,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(sql: &str, binds: usize) -> Part {
        Part {
            sql: sql.to_string(),
            binds: vec![Bind::Int(0); binds],
            expect_rows: None,
            is_idempotency: false,
        }
    }

    #[test]
    fn no_statement_modifies_a_table_twice_unless_all_plain_inserts() {
        let parts = [
            part("INSERT INTO events (a) VALUES ($1), ($2)", 2),
            part("INSERT INTO events (a) VALUES ($3)", 1),
            part("UPDATE orders SET v = $4 WHERE id = $5", 2),
            part(
                "INSERT INTO timers (a) VALUES ($6) ON CONFLICT DO NOTHING",
                1,
            ),
            part("UPDATE timers SET fired_ms = $7 WHERE id = $8", 2),
            part(
                "INSERT INTO idempotency (k) VALUES ($9) ON CONFLICT DO NOTHING",
                1,
            ),
        ];
        let chunks = statements(&parts);
        let sizes: Vec<usize> = chunks.iter().map(|c| c.len()).collect();
        assert_eq!(
            sizes,
            [4, 2],
            "cut before the second modification of timers"
        );
        for chunk in &chunks {
            for (i, p) in chunk.iter().enumerate() {
                let (t, plain) = modified_table(&p.sql);
                for q in &chunk[..i] {
                    let (u, plain_before) = modified_table(&q.sql);
                    assert!(
                        t != u || (plain && plain_before),
                        "{t} twice in one statement"
                    );
                }
            }
        }
        let one = [part("INSERT INTO events (a) VALUES ($1)", 1)];
        assert_eq!(statements(&one).len(), 1);
        assert!(statements(&[]).is_empty());
    }

    #[test]
    fn placeholders_are_renumbered_from_one_per_statement() {
        assert_eq!(
            renumber(
                "UPDATE timers SET fired_ms = $7 WHERE id = $8 AND x = $10",
                6
            ),
            "UPDATE timers SET fired_ms = $1 WHERE id = $2 AND x = $4"
        );
        assert_eq!(renumber("SELECT $1", 0), "SELECT $1");
        assert_eq!(first_placeholder("VALUES ($12, $11), ($13, $14)"), Some(11));
        assert_eq!(first_placeholder("SELECT 1"), None);
        assert_eq!(
            modified_table("INSERT INTO timers (order_id) VALUES ($1) ON CONFLICT DO NOTHING"),
            ("timers", false)
        );
        assert_eq!(
            modified_table("UPDATE accounts SET x = 1"),
            ("accounts", false)
        );
        assert_eq!(
            modified_table("INSERT INTO events(a) VALUES ($1)"),
            ("events", true)
        );
    }
}
