//! `marketguard orders`: run order commands from JSON Lines, show an order's timeline.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context};
use clap::{Args, Subcommand};
use domain::{BuyerId, Currency, Money, OrderId, SellerId, Timestamp};
use engine::{Engine, EngineError, Request};
use protection::{
    Actor, Command, DisputeCommand, Evidence, Outcome, Policy, Reason, Response, ThreeDs,
};
use serde_json::{json, Map, Value};

use crate::Format;

/// Longest input line accepted, in bytes.
pub const LINE_BYTES_MAX: usize = 64 * 1024;

#[derive(Debug, Subcommand)]
pub enum OrdersCommand {
    /// Run order commands from JSON Lines (FILE or - for stdin), one result line per
    /// command, printed and flushed once the command is durably stored. Each line:
    /// {"key": idempotency key?, "order": id, "actor": "buyer:ID"|"seller:ID"|"platform"|"carrier",
    /// "at": RFC 3339 (default now), "command": place|pay|ship|deliver|confirm_receipt|
    /// cancel|request_extension|grant_extension, ...its fields}. Place: buyer, seller,
    /// price, shipping, currency, promised_days, handling_days?, destination_country?.
    /// Pay: amount, currency, three_ds. Ship: tracking. Deliver: country?.
    /// Confirm_receipt: acknowledge_no_delivery. Extensions: days. Disputes:
    /// open_dispute (reason, requested?+currency, evidence?), respond_to_dispute
    /// (response accept|partial|return|reject, amount?+currency, evidence?), accept_offer,
    /// counter_offer (requested, currency), add_evidence, escalate, decide_dispute
    /// (outcome, amount?+currency; actor agent:NAME), withdraw_dispute
    /// (confirm_protection_ends), return_shipped (tracking, shipping_cost?+currency),
    /// return_delivered, return_received, eu_withdrawal. Evidence: a list of
    /// {"type":"text","text"}, {"type":"photo","sha256","media_type"},
    /// {"type":"tracking","number"}, {"type":"message","id"}. Leave_feedback: stars 1-5,
    /// item_as_described?, communication?, shipping_speed? (1-5), text?.
    Exec(ExecArgs),
    /// Show one order: state, deadlines, money and its full event log.
    Show(ShowArgs),
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

pub fn run(command: OrdersCommand) -> anyhow::Result<ExitCode> {
    match command {
        OrdersCommand::Exec(args) => exec(args),
        OrdersCommand::Show(args) => show(args),
    }
}

fn field<'a>(o: &'a Map<String, Value>, name: &str) -> anyhow::Result<&'a str> {
    o.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("field {name:?} is missing or not a string"))
}

fn opt_field<'a>(o: &'a Map<String, Value>, name: &str) -> anyhow::Result<Option<&'a str>> {
    match o.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => bail!("field {name:?} must be a string"),
    }
}

fn int_field(o: &Map<String, Value>, name: &str) -> anyhow::Result<Option<i64>> {
    match o.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| anyhow!("field {name:?} must be a whole number")),
    }
}

fn bool_field(o: &Map<String, Value>, name: &str) -> anyhow::Result<bool> {
    match o.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => bail!("field {name:?} must be true or false"),
    }
}

fn evidence_field(o: &Map<String, Value>) -> anyhow::Result<Vec<Evidence>> {
    let Some(v) = o.get("evidence") else {
        return Ok(vec![]);
    };
    let items = v
        .as_array()
        .ok_or_else(|| anyhow!("field \"evidence\" must be a list"))?;
    items
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let e = e
                .as_object()
                .ok_or_else(|| anyhow!("evidence {i} must be an object"))?;
            let ctx = || format!("evidence {i}");
            Ok(match field(e, "type").with_context(ctx)? {
                "text" => Evidence::Text {
                    text: field(e, "text").with_context(ctx)?.to_string(),
                },
                "photo" => Evidence::Photo {
                    sha256: field(e, "sha256").with_context(ctx)?.to_string(),
                    media_type: field(e, "media_type").with_context(ctx)?.to_string(),
                },
                "tracking" => Evidence::Tracking {
                    number: field(e, "number").with_context(ctx)?.to_string(),
                },
                "message" => Evidence::Message {
                    id: field(e, "id").with_context(ctx)?.to_string(),
                },
                other => {
                    bail!("evidence {i}: type {other:?} must be text, photo, tracking or message")
                }
            })
        })
        .collect()
}

fn parse_dispute(o: &Map<String, Value>, command: &str) -> anyhow::Result<DisputeCommand> {
    let currency = || -> anyhow::Result<Currency> {
        Currency::parse(field(o, "currency")?).context("field \"currency\"")
    };
    let minor = |name: &str| -> anyhow::Result<i64> {
        Ok(money_field(o, name, currency()?)?.amount_minor())
    };
    Ok(match command {
        "open_dispute" => {
            let reason = field(o, "reason")?;
            DisputeCommand::Open {
                reason: Reason::parse(reason).ok_or_else(|| {
                    anyhow!("field \"reason\" {reason:?} must be one of not_received, not_as_described, counterfeit, damaged, wrong_item, missing_parts, other")
                })?,
                requested: match o.get("requested") {
                    None | Some(Value::Null) => None,
                    Some(_) => Some(money_field(o, "requested", currency()?)?),
                },
                evidence: evidence_field(o)?,
            }
        }
        "eu_withdrawal" => DisputeCommand::EuWithdrawal,
        "respond_to_dispute" => {
            let response = match field(o, "response")? {
                "accept" => Response::Accept,
                "partial" => Response::Partial {
                    amount_minor: minor("amount")?,
                },
                "return" => Response::Return,
                "reject" => Response::Reject,
                other => bail!("field \"response\" {other:?} must be accept, partial, return or reject"),
            };
            DisputeCommand::Respond {
                response,
                evidence: evidence_field(o)?,
            }
        }
        "accept_offer" => DisputeCommand::AcceptOffer,
        "counter_offer" => DisputeCommand::Counter {
            requested: money_field(o, "requested", currency()?)?,
        },
        "add_evidence" => DisputeCommand::AddEvidence {
            evidence: evidence_field(o)?,
        },
        "escalate" => DisputeCommand::Escalate,
        "decide_dispute" => DisputeCommand::Decide {
            outcome: match field(o, "outcome")? {
                "refund_full" => Outcome::RefundFull,
                "refund_partial" => Outcome::RefundPartial {
                    amount_minor: minor("amount")?,
                },
                "return_and_refund" => Outcome::ReturnAndRefund,
                "rejected" => Outcome::Rejected,
                other => bail!("field \"outcome\" {other:?} must be refund_full, refund_partial, return_and_refund or rejected"),
            },
        },
        "withdraw_dispute" => DisputeCommand::Withdraw {
            confirm_protection_ends: bool_field(o, "confirm_protection_ends")?,
        },
        "return_shipped" => DisputeCommand::ReturnShipped {
            tracking: field(o, "tracking")?.to_string(),
            shipping_cost: match o.get("shipping_cost") {
                None | Some(Value::Null) => None,
                Some(_) => Some(money_field(o, "shipping_cost", currency()?)?),
            },
        },
        "return_delivered" => DisputeCommand::ReturnDelivered,
        "return_received" => DisputeCommand::ReturnReceived,
        other => bail!("field \"command\": unknown command {other:?}"),
    })
}

fn money_field(o: &Map<String, Value>, name: &str, currency: Currency) -> anyhow::Result<Money> {
    let text = match o.get(name) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) if n.is_u64() => n.to_string(),
        Some(_) => bail!("field {name:?} must be a decimal string such as \"19.99\""),
        None => bail!("field {name:?} is missing"),
    };
    Money::parse(&text, currency).with_context(|| format!("field {name:?}"))
}

/// Parses one line of `orders exec` into an engine request.
pub fn parse_request(line: &str) -> anyhow::Result<Request> {
    let v: Value = serde_json::from_str(line).context("not a JSON object")?;
    let o = v.as_object().ok_or_else(|| anyhow!("not a JSON object"))?;
    let order = OrderId::parse(field(o, "order")?).context("field \"order\"")?;
    let actor_text = field(o, "actor")?;
    let actor = Actor::parse(actor_text)
        .filter(|a| *a != Actor::System)
        .ok_or_else(|| {
            anyhow!("field \"actor\" {actor_text:?} must be buyer:ID, seller:ID, platform, carrier or agent:NAME")
        })?;
    let at = match opt_field(o, "at")? {
        Some(t) => Timestamp::parse(t).context("field \"at\"")?,
        None => domain::Clock::now(&domain::SystemClock),
    };
    let currency = || -> anyhow::Result<Currency> {
        Currency::parse(field(o, "currency")?).context("field \"currency\"")
    };
    let command = match field(o, "command")? {
        "place" => {
            let c = currency()?;
            Command::Place {
                buyer: BuyerId::parse(field(o, "buyer")?).context("field \"buyer\"")?,
                seller: SellerId::parse(field(o, "seller")?).context("field \"seller\"")?,
                price: money_field(o, "price", c)?,
                shipping: match o.get("shipping") {
                    None => Money::zero(c),
                    Some(_) => money_field(o, "shipping", c)?,
                },
                handling_days: int_field(o, "handling_days")?,
                promised_days: int_field(o, "promised_days")?
                    .ok_or_else(|| anyhow!("field \"promised_days\" is missing"))?,
                destination_country: opt_field(o, "destination_country")?.map(str::to_string),
                options: protection::OrderOptions {
                    eu_consumer: bool_field(o, "eu_consumer")?,
                    choice: bool_field(o, "choice")?,
                    legal_guarantee: bool_field(o, "legal_guarantee")?,
                },
            }
        }
        "pay" => {
            let c = currency()?;
            let three_ds = field(o, "three_ds")?;
            Command::Pay {
                amount: money_field(o, "amount", c)?,
                three_ds: ThreeDs::parse(three_ds).ok_or_else(|| {
                    anyhow!("field \"three_ds\" {three_ds:?} must be authenticated, attempted, failed, not_enrolled or exempt:REASON")
                })?,
            }
        }
        "ship" => Command::Ship {
            tracking: field(o, "tracking")?.to_string(),
        },
        "deliver" => Command::Deliver {
            country: opt_field(o, "country")?.map(str::to_string),
        },
        "confirm_receipt" => Command::ConfirmReceipt {
            acknowledge_no_delivery: o
                .get("acknowledge_no_delivery")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        },
        "cancel" => Command::Cancel,
        "request_extension" | "grant_extension" => {
            let days = int_field(o, "days")?.ok_or_else(|| anyhow!("field \"days\" is missing"))?;
            if field(o, "command")? == "request_extension" {
                Command::RequestExtension { days }
            } else {
                Command::GrantExtension { days }
            }
        }
        "leave_feedback" => Command::LeaveFeedback {
            stars: int_field(o, "stars")?.ok_or_else(|| anyhow!("field \"stars\" is missing"))?,
            item_as_described: int_field(o, "item_as_described")?,
            communication: int_field(o, "communication")?,
            shipping_speed: int_field(o, "shipping_speed")?,
            text: opt_field(o, "text")?.unwrap_or_default().to_string(),
        },
        other => Command::Dispute(parse_dispute(o, other)?),
    };
    Ok(Request {
        idempotency_key: opt_field(o, "key")?.map(str::to_string),
        order,
        actor,
        command,
        at,
    })
}

fn exec(args: ExecArgs) -> anyhow::Result<ExitCode> {
    let input: Box<dyn BufRead> = if args.input == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::io::BufReader::new(
            std::fs::File::open(&args.input)
                .with_context(|| format!("cannot open {}", args.input))?,
        ))
    };
    let rt = super::runtime()?;
    rt.block_on(async {
        let store = store::Store::connect(&args.database_url).await?;
        let engine = Engine::new(store.clone(), Policy::default());
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

fn show(args: ShowArgs) -> anyhow::Result<ExitCode> {
    let id = OrderId::parse(&args.order)?;
    let rt = super::runtime()?;
    rt.block_on(async {
        let store = store::Store::connect(&args.database_url).await?;
        let engine = Engine::new(store.clone(), Policy::default());
        let Some((o, log)) = engine.order(&id).await? else {
            bail!("order {id} does not exist");
        };
        store.close().await;
        let c = o.currency;
        let m = |x: i64| crate::report::money(x, c);
        let ts = |t: Option<Timestamp>| t.map(|t| t.rfc3339());
        match args.format {
            Format::Json => {
                let events: Vec<Value> = log
                    .iter()
                    .map(|r| json!({"seq": r.seq, "at": r.at.rfc3339(), "actor": r.actor.to_string(), "event": r.event.name(), "body": store::event_to_json(&r.event)}))
                    .collect();
                println!(
                    "{}",
                    json!({"order": o.id.as_str(), "status": o.status.as_str(), "buyer": o.buyer.as_str(), "seller": o.seller.as_str(),
                           "currency": c.code(), "total": o.total().decimal(), "held": m(o.held_minor()), "released": m(o.released_minor),
                           "refunded": m(o.refunded_minor), "compensated": m(o.compensated_minor), "paid_out": m(o.paid_out_minor),
                           "ship_by": ts(o.ship_by), "promised": ts(o.promised_at), "protection_ends": ts(o.protection_ends_at),
                           "guarantee": ts(o.guarantee_at), "payout": ts(o.payout_at), "events": events})
                );
            }
            Format::Text => {
                println!("order {} is {} ({} {}; buyer {}, seller {})", o.id, o.status.as_str(), o.total().decimal(), c, o.buyer, o.seller);
                println!("money: held {}, released {}, refunded {}, compensated {}, paid out {}", m(o.held_minor()), m(o.released_minor), m(o.refunded_minor), m(o.compensated_minor), m(o.paid_out_minor));
                for (name, t) in [("ship by", o.ship_by), ("promised delivery", o.promised_at), ("protection ends", o.protection_ends_at), ("guarantee refund", o.guarantee_at), ("payout", o.payout_at)] {
                    if let Some(t) = t {
                        println!("  {name:<18} {t}");
                    }
                }
                println!("timeline:");
                for r in &log {
                    println!("  {:>3} {} {:<20} by {}", r.seq, r.at, r.event.name(), r.actor);
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
