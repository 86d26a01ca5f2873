//! `marketguard orders`: run order commands from JSON Lines, show an order's timeline.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context};
use clap::{Args, Subcommand};
use domain::{OrderId, Timestamp};
use engine::{Engine, EngineError, Request};
use protection::{Actor, Policy};
use serde_json::{json, Value};

use crate::Format;

/// Longest input line accepted, in bytes.
pub const LINE_BYTES_MAX: usize = 64 * 1024;

#[derive(Debug, Subcommand)]
pub enum OrdersCommand {
    /// Run order commands from JSON Lines (FILE or - for stdin), one result line per
    /// command, printed and flushed once the command is durably stored. Each line:
    /// {"key": idempotency key?, "order": id, "actor": "buyer:ID"|"seller:ID"|"platform"|
    /// "carrier"|"agent:NAME", "at": RFC 3339 (default now), "command": NAME, ...its
    /// fields}. A field a command does not have is refused, naming the nearest known
    /// one. Amounts are decimal strings in the order's currency. Every command and its
    /// fields (? optional):
    /// place (buyer, seller, price, shipping?, currency, promised_days, handling_days?,
    /// destination_country? ISO 3166 alpha-2, eu_consumer?, choice?, legal_guarantee?,
    /// guaranteed_genuine?,
    /// weight_grams?);
    /// pay (amount, currency, three_ds authenticated|attempted|failed|not_enrolled|
    /// exempt:low_value|transaction_risk_analysis|trusted_beneficiary|recurring|
    /// secure_corporate; as platform: a buyer's key cannot report 3-D Secure);
    /// ship (tracking); deliver (country?); weigh (grams);
    /// carrier_event (event accepted|in_transit|customs|out_for_delivery|delivered|
    /// returned, tracking the order's, country ISO 3166 alpha-2, location? at most 200
    /// bytes, scanned_at? RFC 3339, default "at"; actor carrier, platform or
    /// agent:NAME; recorded also during a dispute);
    /// confirm_receipt (acknowledge_no_delivery?); cancel;
    /// request_extension (days); grant_extension (days);
    /// post_message (id, from? seller|buyer|unknown, text);
    /// close_case (case_id, label scam|not_scam, note?);
    /// leave_feedback (stars 1-5, item_as_described?, communication?, shipping_speed?
    /// 1-5, text?);
    /// open_dispute (reason not_received|not_as_described|counterfeit|damaged|
    /// wrong_item|missing_parts|other, requested?, currency?, evidence?);
    /// eu_withdrawal;
    /// respond_to_dispute (response accept|partial|return|reject, amount?, currency?,
    /// evidence?); accept_offer; counter_offer (requested, currency);
    /// add_evidence (evidence); escalate;
    /// decide_dispute (outcome refund_full|refund_partial|return_and_refund|rejected,
    /// amount?, currency?; actor agent:NAME);
    /// withdraw_dispute (confirm_protection_ends);
    /// return_shipped (tracking, shipping_cost?, currency?); return_delivered;
    /// return_received.
    /// Evidence: a list of {"type":"text","text"}, {"type":"photo","sha256",
    /// "media_type"}, {"type":"tracking","number"}, {"type":"message","id"}.
    Exec(ExecArgs),
    /// Show one order: state, deadlines, money, the carrier's scans and its full event
    /// log.
    Show(ShowArgs),
    /// List orders, newest first: status, buyer, seller, total; filter by status,
    /// buyer, seller, or overdue deadlines. A page of --limit rows; --after takes the
    /// cursor a page ends with.
    List(super::list::OrdersListArgs),
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// JSON Lines file, or - for standard input.
    #[arg(default_value = "-")]
    input: String,
    /// Before each command, fire the deadlines due by its time.
    #[arg(long)]
    fire_timers: bool,
    /// sqlite://FILE or postgres://USER@HOST/DB
    #[arg(long, env = "MARKETGUARD_DATABASE_URL", default_value = super::DEFAULT_DATABASE_URL)]
    database_url: String,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    order: String,
    /// sqlite://FILE or postgres://USER@HOST/DB
    #[arg(long, env = "MARKETGUARD_DATABASE_URL", default_value = super::DEFAULT_DATABASE_URL)]
    database_url: String,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(command: OrdersCommand, policy: Policy) -> anyhow::Result<ExitCode> {
    match command {
        OrdersCommand::Exec(args) => exec(args, policy),
        OrdersCommand::Show(args) => show(args, policy),
        OrdersCommand::List(args) => super::list::orders(args, policy),
    }
}

/// One line of `orders exec`: who, which order, when, and the command in the API's
/// JSON shape (`report::command::CommandDto`).
#[derive(Debug, serde::Deserialize)]
struct ExecLine {
    key: Option<String>,
    order: String,
    actor: String,
    at: Option<String>,
    #[serde(flatten)]
    command: report::command::CommandDto,
}

/// Parses one line of `orders exec` into an engine request.
pub fn parse_request(line: &str) -> anyhow::Result<Request> {
    let l: ExecLine = serde_json::from_str(line)
        .map_err(|e| anyhow!(report::command::with_suggestion(&e.to_string())))?;
    let order = OrderId::parse(&l.order).context("field \"order\"")?;
    let actor = Actor::parse(&l.actor)
        .filter(|a| *a != Actor::System)
        .ok_or_else(|| {
            anyhow!(
                "field \"actor\" {:?} must be buyer:ID, seller:ID, platform, carrier or agent:NAME",
                l.actor
            )
        })?;
    let at = match &l.at {
        Some(t) => Timestamp::parse(t).context("field \"at\"")?,
        None => domain::Clock::now(&domain::SystemClock),
    };
    Ok(Request {
        idempotency_key: l.key,
        order,
        actor,
        command: l.command.into_command()?,
        at,
    })
}

fn exec(args: ExecArgs, policy: Policy) -> anyhow::Result<ExitCode> {
    let input = super::open_input(&args.input)?;
    let rt = super::runtime()?;
    rt.block_on(async {
        let store = store::Store::connect(&args.database_url).await?;
        let engine = Engine::new(store.clone(), policy.clone());
        let mut out = std::io::stdout().lock();
        let mut refused = 0;
        for (n, line) in input.lines().enumerate() {
            let line_no = n + 1;
            let line = line.with_context(|| format!("line {line_no}: cannot read"))?;
            if line.trim().is_empty() {
                continue;
            }
            if line.len() > LINE_BYTES_MAX {
                bail!("line {line_no}: longer than {LINE_BYTES_MAX} bytes");
            }
            let request = parse_request(&line).with_context(|| format!("line {line_no}"))?;
            if args.fire_timers {
                engine.run_due_timers(request.at, usize::MAX).await?;
            }
            let result = engine.execute(&request).await;
            let (ok, value) = match &result {
                Ok(o) => (
                    true,
                    json!({"line": line_no, "key": request.idempotency_key, "order": o.order.as_str(), "ok": true,
                           "status": o.status, "seq_from": o.seq_from, "seq_to": o.seq_to, "replayed": o.replayed}),
                ),
                Err(EngineError::Store(e)) => return Err(anyhow!("line {line_no}: {e:#}")),
                Err(e) => (
                    false,
                    json!({"line": line_no, "key": request.idempotency_key, "order": request.order.as_str(), "ok": false, "error": e.to_string()}),
                ),
            };
            if !ok {
                refused += 1;
            }
            match args.format {
                Format::Json => writeln!(out, "{value}")?,
                Format::Text => match &result {
                    Ok(o) => writeln!(
                        out,
                        "line {line_no}: order {} {} ({}{})",
                        o.order,
                        o.status,
                        if o.seq_to >= o.seq_from { format!("events {}..{}", o.seq_from, o.seq_to) } else { "no change".into() },
                        if o.replayed { ", replayed" } else { "" }
                    )?,
                    Err(e) => writeln!(out, "line {line_no}: REFUSED {e}")?,
                },
            }
            out.flush()?;
        }
        store.close().await;
        Ok(if refused == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
    })
}

fn show(args: ShowArgs, policy: Policy) -> anyhow::Result<ExitCode> {
    let id = OrderId::parse(&args.order)?;
    let rt = super::runtime()?;
    rt.block_on(async {
        let store = store::Store::open_read_only(&args.database_url).await?;
        let engine = Engine::new(store.clone(), policy.clone());
        let Some((o, log)) = engine.order(&id).await? else {
            bail!("order {id} does not exist");
        };
        let transfers = store
            .order_transfers(&id)
            .await
            .context("failed to read the order's transfers")?;
        store.close().await;
        let refunds = ledger::Refunds::of(transfers.iter().map(|(r, _)| r));
        let r = |v: i128| ledger::Refunds::minor(v);
        let c = o.currency;
        let m = |x: i64| crate::amounts::money(x, c);
        let ts = |t: Option<Timestamp>| t.map(|t| t.rfc3339());
        match args.format {
            Format::Json => {
                let events: Vec<Value> = log
                    .iter()
                    .map(|r| json!({"seq": r.seq, "at": r.at.rfc3339(), "actor": r.actor.to_string(), "event": r.event.name(), "body": serde_json::to_value(&r.event).expect("events serialize")}))
                    .collect();
                outln!(
                    "{}",
                    json!({"order": o.id.as_str(), "status": o.status.as_str(), "buyer": o.buyer.as_str(), "seller": o.seller.as_str(),
                           "currency": c.code(), "total": o.total().decimal(), "held": m(o.held_minor()), "released": m(o.released_minor),
                           "refunded": m(r(refunds.total())), "compensated": m(o.compensated_minor), "paid_out": m(o.paid_out_minor),
                           "refunded_from_escrow": m(r(refunds.from_escrow)), "refunded_from_seller": m(r(refunds.from_seller)),
                           "refunded_from_guarantee_fund": m(r(refunds.from_guarantee_fund)),
                           "ship_by": ts(o.ship_by), "promised": ts(o.promised_at), "protection_ends": ts(o.protection_ends_at),
                           "guarantee": ts(o.guarantee_at), "payout": ts(o.payout_due_at()), "scans": scans_json(&log), "events": events})
                );
            }
            Format::Text => {
                outln!("order {} is {} ({} {}; buyer {}, seller {})", o.id, o.status.as_str(), o.total().decimal(), c, o.buyer, o.seller);
                outln!(
                    "money: held {}, released {}, refunded {} (from escrow {}, taken back from the seller {}, from the guarantee fund {}), compensated {}, paid out {}",
                    m(o.held_minor()), m(o.released_minor), m(r(refunds.total())), m(r(refunds.from_escrow)), m(r(refunds.from_seller)),
                    m(r(refunds.from_guarantee_fund)), m(o.compensated_minor), m(o.paid_out_minor)
                );
                for (name, t) in [("ship by", o.ship_by), ("promised delivery", o.promised_at), ("protection ends", o.protection_ends_at), ("guarantee refund", o.guarantee_at), ("payout", o.payout_due_at())] {
                    if let Some(t) = t {
                        outln!("  {name:<18} {t}");
                    }
                }
                let scans = scans_text(&log);
                if !scans.is_empty() {
                    outln!("carrier scans:\n{scans}");
                }
                outln!("timeline:");
                for r in &log {
                    outln!("  {:>3} {} {:<20} by {}", r.seq, r.at, r.event.name(), r.actor);
                    out!("{}", findings_text(&r.event));
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// The carrier's scans of the parcel, as the log recorded them: (kind, scanned at,
/// country, location, tracking), in the order they were recorded.
fn scans(log: &[protection::Recorded]) -> Vec<(&'static str, Timestamp, &str, Option<&str>, &str)> {
    log.iter()
        .filter_map(|r| match &r.event {
            protection::Event::CarrierScanned {
                kind,
                tracking,
                country,
                location,
                scanned_ms,
            } => Some((
                kind.as_str(),
                Timestamp::from_unix_ms(*scanned_ms),
                country.as_str(),
                location.as_deref(),
                tracking.as_str(),
            )),
            _ => None,
        })
        .collect()
}

fn scans_json(log: &[protection::Recorded]) -> Vec<Value> {
    scans(log)
        .into_iter()
        .map(|(kind, at, country, location, tracking)| {
            json!({"event": kind, "scanned_at": at.rfc3339(), "country": country, "location": location, "tracking": tracking})
        })
        .collect()
}

/// One line a scan: `  2026-12-01T10:00:00Z in_transit  DE Leipzig hub`.
fn scans_text(log: &[protection::Recorded]) -> String {
    let mut out = String::new();
    for (kind, at, country, location, _) in scans(log) {
        let place = location.map_or(country.to_string(), |l| format!("{country} {l}"));
        out.push_str(&format!("  {at} {kind:<16} {place}\n"));
    }
    out.trim_end().to_string()
}

/// The findings a message or a parcel check recorded, one line each under its event,
/// with the bytes of the text they point at; and a note when the text was cut.
fn findings_text(event: &protection::Event) -> String {
    use std::fmt::Write;
    let (signals, truncated) = match event {
        protection::Event::MessagePosted {
            signals, truncated, ..
        } => (signals, *truncated),
        protection::Event::ParcelFlagged { signals, .. } => (signals, false),
        _ => return String::new(),
    };
    let mut out = String::new();
    for s in signals {
        let _ = write!(
            out,
            "        [{}] {}: {}",
            s.severity().as_str(),
            s.kind(),
            s.explanation()
        );
        if !s.excerpt().is_empty() {
            let _ = write!(out, " (\"{}\")", s.excerpt());
        }
        if let Some(span) = s.span() {
            let _ = write!(out, " at bytes {}..{}", span.start, span.end);
        }
        out.push('\n');
    }
    if truncated {
        out.push_str("        note: the text was longer than the scanner reads; only its start was scanned\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every command and every field of the API's command schema, as `orders exec
    /// --help` must list them (regression: `post_message`, `weigh`, `close_case` and
    /// four of `place`'s fields were missing).
    #[test]
    fn exec_help_lists_every_command_with_every_field() {
        use utoipa::PartialSchema;
        let schema = serde_json::to_value(report::command::CommandDto::schema()).unwrap();
        let mut cli = crate::Cli::command();
        let help = cli
            .find_subcommand_mut("orders")
            .unwrap()
            .find_subcommand_mut("exec")
            .unwrap()
            .render_long_help()
            .to_string();
        let variants = schema["oneOf"].as_array().expect("one schema per command");
        assert!(variants.len() >= 24, "{schema}");
        let mut missing = Vec::new();
        for v in variants {
            let props = v["properties"].as_object().expect("an object per command");
            let name = props["command"]["enum"][0].as_str().unwrap();
            if !help.contains(name) {
                missing.push(name.to_string());
            }
            for field in props.keys().filter(|k| *k != "command") {
                if !help.contains(field.as_str()) {
                    missing.push(format!("{name}.{field}"));
                }
            }
        }
        assert!(missing.is_empty(), "missing from --help: {missing:?}");
    }
}
