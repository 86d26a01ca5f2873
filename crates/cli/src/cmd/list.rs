//! The list commands (`orders list`, `disputes list`, `cases list`, `ledger accounts`,
//! `keys list`) and `keys revoke`. Lists open the database read-only and page through
//! the store's own cursor reads: each page ends with the cursor of its last row, which
//! `--after` takes to print the next one.

use std::process::ExitCode;

use anyhow::{anyhow, bail, Context};
use clap::{Args, Subcommand};
use domain::{Clock, OrderId, SystemClock, Timestamp};
use engine::Engine;
use protection::{Order, Policy, Stage, Status, TimerKind};
use serde_json::{json, Value};
use store::{OrderFilter, Store};

use crate::Format;

/// Rows a page holds at most.
pub const LIMIT_MAX: i64 = 1000;

/// Paging, the database and the output format: what every list command takes.
#[derive(Debug, Args)]
pub struct PageArgs {
    /// Rows per page, 1 to 1000.
    #[arg(long, default_value_t = 50)]
    limit: i64,
    /// Start after this cursor: the one the previous page ended with ("next page:
    /// --after CURSOR" in text, `next_cursor` in JSON).
    #[arg(long, value_name = "CURSOR")]
    after: Option<String>,
    /// sqlite://FILE or postgres://USER@HOST/DB
    #[arg(long, env = "MARKETGUARD_DATABASE_URL", default_value = super::DEFAULT_DATABASE_URL)]
    database_url: String,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

impl PageArgs {
    fn check(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            (1..=LIMIT_MAX).contains(&self.limit),
            "--limit {} must be 1 to {LIMIT_MAX}",
            self.limit
        );
        Ok(())
    }

    fn bad_cursor(&self) -> anyhow::Error {
        anyhow!(
            "--after {:?} is not a cursor this command printed",
            self.after.as_deref().unwrap_or_default()
        )
    }

    /// A cursor of the form `MS.ID` (orders, keys).
    fn ms_id_cursor(&self) -> anyhow::Result<Option<(i64, String)>> {
        self.after
            .as_deref()
            .map(|c| {
                c.split_once('.')
                    .filter(|(_, id)| !id.is_empty())
                    .and_then(|(ms, id)| Some((ms.parse().ok()?, id.to_string())))
                    .ok_or_else(|| self.bad_cursor())
            })
            .transpose()
    }

    async fn open(&self) -> anyhow::Result<Store> {
        self.check()?;
        Store::open_read_only(&self.database_url).await
    }
}

/// One page: its rows as JSON, each row's text line, and the cursor of the next page.
struct Page {
    items: Vec<(Value, String)>,
    next: Option<String>,
}

impl Page {
    fn print(&self, format: Format, header: &str, empty: &str) {
        match format {
            Format::Json => {
                let items: Vec<&Value> = self.items.iter().map(|(v, _)| v).collect();
                println!("{}", json!({"items": items, "next_cursor": self.next}));
            }
            Format::Text if self.items.is_empty() => println!("{empty}"),
            Format::Text => {
                println!("{header}");
                for (_, line) in &self.items {
                    println!("{line}");
                }
                if let Some(next) = &self.next {
                    println!("next page: --after {next}");
                }
            }
        }
    }
}

fn ts(ms: i64) -> String {
    Timestamp::from_unix_ms(ms).rfc3339()
}

#[derive(Debug, Args)]
pub struct OrdersListArgs {
    /// Only orders in this status: placed, paid, shipped, delivered, completed,
    /// cancelled, disputed, resolved.
    #[arg(long)]
    status: Option<String>,
    /// Only this buyer's orders.
    #[arg(long)]
    buyer: Option<String>,
    /// Only this seller's orders.
    #[arg(long)]
    seller: Option<String>,
    /// Only orders with a deadline that has passed and still acts, not yet fired (the
    /// timer loop, `serve` or `timers run`, has not caught up): a handling deadline
    /// on an unshipped order, a seller's response never given, and so on.
    #[arg(long)]
    overdue: bool,
    #[command(flatten)]
    page: PageArgs,
}

/// Orders, newest first, as the filters narrow them.
pub fn orders(args: OrdersListArgs, policy: Policy) -> anyhow::Result<ExitCode> {
    if let Some(s) = &args.status {
        Status::parse(s).ok_or_else(|| {
            anyhow!("--status {s:?} must be one of placed, paid, shipped, delivered, completed, cancelled, disputed, resolved")
        })?;
    }
    let now = SystemClock.now();
    let filter = OrderFilter {
        buyer: args.buyer.as_deref(),
        seller: args.seller.as_deref(),
        status: args.status.as_deref(),
        due_by: args.overdue.then_some(now),
    };
    let page = super::runtime()?.block_on(async {
        let store = args.page.open().await?;
        let engine = Engine::new(store.clone(), policy);
        let overdue_at = args.overdue.then_some(now);
        let page = order_page(&engine, &filter, &args.page, overdue_at, order_row).await;
        store.close().await;
        page
    })?;
    page.print(
        args.page.format,
        "order          status      placed                buyer / seller           total",
        "no orders",
    );
    Ok(ExitCode::SUCCESS)
}

/// The deadlines of an order that are overdue, with when each was due.
type Overdue = [(TimerKind, Timestamp)];

/// A page of orders from `list_orders`, each loaded and made a row by `row` (None
/// leaves it out), and with `overdue_at` only those with a deadline due by then that
/// still acts. Rows left out do not shorten the page: the next store page is read
/// until the page is full.
async fn order_page(
    engine: &Engine,
    filter: &OrderFilter<'_>,
    args: &PageArgs,
    overdue_at: Option<Timestamp>,
    row: impl Fn(&Order, &Overdue) -> Option<(Value, String)>,
) -> anyhow::Result<Page> {
    let mut after = args.ms_id_cursor()?;
    let mut items = Vec::new();
    loop {
        let rows = engine
            .store()
            .list_orders(filter, after.clone(), args.limit)
            .await?;
        let exhausted = (rows.len() as i64) < args.limit;
        for (id, _, placed_ms) in rows {
            after = Some((placed_ms, id.clone()));
            let order_id = OrderId::parse(&id).context("stored order id")?;
            let Some((o, _)) = engine.order(&order_id).await? else {
                continue;
            };
            let overdue = match overdue_at {
                Some(at) => engine.live_deadlines(&o, at).await?,
                None => Vec::new(),
            };
            if overdue_at.is_some() && overdue.is_empty() {
                continue;
            }
            let Some(item) = row(&o, &overdue) else {
                continue;
            };
            items.push(item);
            if items.len() as i64 == args.limit {
                let next = after.map(|(ms, id)| format!("{ms}.{id}"));
                return Ok(Page { items, next });
            }
        }
        if exhausted {
            return Ok(Page { items, next: None });
        }
    }
}

fn order_row(o: &Order, overdue: &Overdue) -> Option<(Value, String)> {
    let late: Vec<Value> = overdue
        .iter()
        .map(|(k, t)| json!({"deadline": k.as_str(), "due": t.rfc3339()}))
        .collect();
    let mut line = format!(
        "{:<14} {:<11} {:<21} {:<24} {} {}",
        o.id.as_str(),
        o.status.as_str(),
        o.placed_at.rfc3339(),
        format!("{} / {}", o.buyer, o.seller),
        o.total().decimal(),
        o.currency
    );
    for (k, t) in overdue {
        line.push_str(&format!(
            "\n    overdue: {} was due {}",
            k.as_str().replace('_', " "),
            t.rfc3339()
        ));
    }
    let value = json!({"order": o.id.as_str(), "status": o.status.as_str(), "placed_at": o.placed_at.rfc3339(),
        "buyer": o.buyer.as_str(), "seller": o.seller.as_str(), "currency": o.currency.code(),
        "total": o.total().decimal(), "overdue": late});
    Some((value, line))
}

#[derive(Debug, Subcommand)]
pub enum DisputesCommand {
    /// Open disputes (orders in status disputed), newest order first: reason, stage,
    /// whether escalated to the platform, the refund asked, when opened.
    List(DisputesListArgs),
}

#[derive(Debug, Args)]
pub struct DisputesListArgs {
    /// Only disputes escalated to the platform: they wait for an agent's decision.
    #[arg(long)]
    escalated: bool,
    /// Only this buyer's disputes.
    #[arg(long)]
    buyer: Option<String>,
    /// Only this seller's disputes.
    #[arg(long)]
    seller: Option<String>,
    #[command(flatten)]
    page: PageArgs,
}

pub fn disputes(command: DisputesCommand, policy: Policy) -> anyhow::Result<ExitCode> {
    let DisputesCommand::List(args) = command;
    let filter = OrderFilter {
        buyer: args.buyer.as_deref(),
        seller: args.seller.as_deref(),
        status: Some(Status::Disputed.as_str()),
        due_by: None,
    };
    let page = super::runtime()?.block_on(async {
        let store = args.page.open().await?;
        let engine = Engine::new(store.clone(), policy);
        let escalated = args.escalated;
        let row = |o: &Order, _: &Overdue| {
            let d = o.dispute.as_ref().filter(|d| d.is_open())?;
            (!escalated || d.escalated).then(|| dispute_row(o, d))
        };
        let page = order_page(&engine, &filter, &args.page, None, row).await;
        store.close().await;
        page
    })?;
    page.print(
        args.page.format,
        "order          reason            stage                  asked            opened",
        "no open disputes",
    );
    Ok(ExitCode::SUCCESS)
}

fn stage(d: &protection::Dispute) -> (&'static str, Option<Timestamp>) {
    match &d.stage {
        Stage::AwaitingSeller { due } => ("awaiting_seller", Some(*due)),
        Stage::AwaitingBuyer { .. } => ("awaiting_buyer", None),
        Stage::Escalated => ("escalated", None),
        Stage::Return { .. } => ("return", None),
        Stage::Closed(_) => ("closed", None),
    }
}

fn dispute_row(o: &Order, d: &protection::Dispute) -> (Value, String) {
    let asked = crate::amounts::money(d.requested_minor, o.currency);
    let (stage, seller_due) = stage(d);
    let shown = match stage {
        "escalated" => "escalated".to_string(),
        s if d.escalated => format!("{s}, escalated"),
        s => s.to_string(),
    };
    let line = format!(
        "{:<14} {:<17} {:<22} {:<16} {}{}",
        o.id.as_str(),
        d.reason.as_str(),
        shown,
        format!("{asked} {}", o.currency),
        d.opened_at.rfc3339(),
        seller_due
            .map(|t| format!(" (seller to answer by {})", t.rfc3339()))
            .unwrap_or_default()
    );
    let value = json!({"order": o.id.as_str(), "buyer": o.buyer.as_str(), "seller": o.seller.as_str(),
        "reason": d.reason.as_str(), "stage": stage, "escalated": d.escalated, "currency": o.currency.code(),
        "requested": asked, "opened_at": d.opened_at.rfc3339(), "evidence": d.evidence.len(),
        "seller_due": seller_due.map(Timestamp::rfc3339)});
    (value, line)
}

#[derive(Debug, Subcommand)]
pub enum CasesCommand {
    /// Cases opened by scanned messages and parcel checks, riskiest and oldest first:
    /// the agents' queue (`close_case` closes one).
    List(CasesListArgs),
}

#[derive(Debug, Args)]
pub struct CasesListArgs {
    /// open (the queue) or closed (with their labels).
    #[arg(long, default_value = "open")]
    status: String,
    #[command(flatten)]
    page: PageArgs,
}

pub fn cases(command: CasesCommand) -> anyhow::Result<ExitCode> {
    let CasesCommand::List(args) = command;
    if !matches!(args.status.as_str(), "open" | "closed") {
        bail!("--status {:?} must be open or closed", args.status);
    }
    let after = args
        .page
        .after
        .as_deref()
        .map(|c| {
            let mut parts = c.splitn(3, '.');
            let risk = parts.next().and_then(|p| p.parse::<i64>().ok());
            let ms = parts.next().and_then(|p| p.parse::<i64>().ok());
            match (risk, ms, parts.next()) {
                (Some(r), Some(m), Some(id)) if !id.is_empty() => Ok((r, m, id.to_string())),
                _ => Err(args.page.bad_cursor()),
            }
        })
        .transpose()?;
    let rows = super::runtime()?.block_on(async {
        let store = args.page.open().await?;
        let rows = store.list_cases(&args.status, after, args.page.limit).await;
        store.close().await;
        anyhow::Ok(rows?)
    })?;
    let next = (rows.len() as i64 == args.page.limit)
        .then(|| {
            rows.last()
                .map(|c| format!("{}.{}.{}", c.risk, c.opened_ms, c.case_id))
        })
        .flatten();
    let items = rows.iter().map(case_row).collect();
    Page { items, next }.print(
        args.page.format,
        "risk case                   order          seller       kinds",
        &format!("no {} cases", args.status),
    );
    Ok(ExitCode::SUCCESS)
}

fn case_row(c: &store::CaseRow) -> (Value, String) {
    let kinds: Vec<&str> = c.kinds.iter().map(|k| k.as_str()).collect();
    let mut line = format!(
        "{:>4} {:<22} {:<14} {:<12} {}",
        c.risk,
        c.case_id,
        c.order_id,
        c.seller_id,
        kinds.join(",")
    );
    if let Some(label) = &c.label {
        line.push_str(&format!(" -> {label}"));
    }
    let value = json!({"case": c.case_id, "order": c.order_id, "seller": c.seller_id, "buyer": c.buyer_id,
        "kinds": kinds, "risk": c.risk, "status": c.status, "label": c.label,
        "opened_at": ts(c.opened_ms), "closed_at": c.closed_ms.map(ts), "closed_by": c.closed_by});
    (value, line)
}

#[derive(Debug, Args)]
pub struct AccountsArgs {
    /// Only accounts of this kind: buyer_funding, order_escrow, seller_payable,
    /// seller_available, seller_debt, platform_fees, guarantee_fund,
    /// compensation_expense (see ARCHITECTURE.md for what each holds).
    #[arg(long)]
    kind: Option<String>,
    /// Only accounts of this owner (an order, buyer or seller id, or platform).
    #[arg(long)]
    owner: Option<String>,
    #[command(flatten)]
    page: PageArgs,
}

/// Ledger accounts in id order with their balances.
pub fn accounts(args: AccountsArgs) -> anyhow::Result<ExitCode> {
    if let Some(k) = &args.kind {
        if ledger::AccountKind::parse(k).is_none() {
            let kinds: Vec<&str> = ledger::AccountKind::ALL
                .iter()
                .map(|k| k.as_str())
                .collect();
            bail!("--kind {k:?} must be one of {}", kinds.join(", "));
        }
    }
    let rows = super::runtime()?.block_on(async {
        let store = args.page.open().await?;
        let rows = store
            .list_accounts(
                args.kind.as_deref(),
                args.owner.as_deref(),
                args.page.after.as_deref(),
                args.page.limit,
            )
            .await;
        store.close().await;
        anyhow::Ok(rows?)
    })?;
    let next = (rows.len() as i64 == args.page.limit)
        .then(|| rows.last().map(|(id, _)| id.to_string()))
        .flatten();
    let items = rows
        .iter()
        .map(|(id, b)| {
            let m = |minor: i64| crate::amounts::money(minor, id.currency());
            let line = format!(
                "{:<48} {:>16} {:>16} {:>14} {:>14}",
                id.to_string(),
                m(b.balance()),
                m(b.available()),
                m(b.debits_pending),
                m(b.credits_pending)
            );
            let value = json!({"account": id.to_string(), "kind": id.kind().as_str(), "owner": id.owner(),
                "currency": id.currency().code(), "balance": m(b.balance()), "available": m(b.available()),
                "pending_debits": m(b.debits_pending), "pending_credits": m(b.credits_pending)});
            (value, line)
        })
        .collect();
    Page { items, next }.print(
        args.page.format,
        "account                                                   balance        available pending debits pending credits",
        "no accounts",
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Args)]
pub struct KeysListArgs {
    #[command(flatten)]
    page: PageArgs,
}

/// API keys, oldest first: id, role, created, revoked. Never a secret: only its hash is
/// stored, and this does not print that either.
pub fn keys(args: KeysListArgs) -> anyhow::Result<ExitCode> {
    let after = args.page.ms_id_cursor()?;
    let rows = super::runtime()?.block_on(async {
        let store = args.page.open().await?;
        let rows = store.list_api_keys(after, args.page.limit).await;
        store.close().await;
        anyhow::Ok(rows?)
    })?;
    let next = (rows.len() as i64 == args.page.limit)
        .then(|| rows.last().map(|k| format!("{}.{}", k.created_ms, k.id)))
        .flatten();
    let items = rows.iter().map(key_row).collect();
    Page { items, next }.print(
        args.page.format,
        "id               role                 created               revoked",
        "no API keys",
    );
    Ok(ExitCode::SUCCESS)
}

fn key_row(k: &store::ApiKeyRow) -> (Value, String) {
    let line = format!(
        "{:<16} {:<20} {:<21} {}",
        k.id,
        k.role,
        ts(k.created_ms),
        k.revoked_ms.map_or("-".to_string(), ts)
    );
    let value = json!({"id": k.id, "role": k.role, "created_at": ts(k.created_ms),
        "revoked_at": k.revoked_ms.map(ts)});
    (value, line)
}

#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The key's id (the 16 hexadecimal digits after `mgk_`, as `keys list` shows
    /// them), or the whole key.
    key: String,
    /// sqlite://FILE or postgres://USER@HOST/DB
    #[arg(long, env = "MARKETGUARD_DATABASE_URL", default_value = super::DEFAULT_DATABASE_URL)]
    database_url: String,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// Revokes a key: `serve` refuses it from its next request on, and its console
/// sessions end. Revoking a revoked key changes nothing and says when it was revoked.
pub fn revoke(args: RevokeArgs) -> anyhow::Result<ExitCode> {
    let id = server::auth::split_key(&args.key)
        .map(|(id, _)| id)
        .unwrap_or(&args.key);
    let now = SystemClock.now();
    let key = super::runtime()?.block_on(async {
        let store = Store::connect(&args.database_url).await?;
        let key = store.revoke_api_key(id, now).await;
        store.close().await;
        anyhow::Ok(key?)
    })?;
    let Some(key) = key else {
        bail!("no API key has the id {id:?} (`marketguard keys list` shows them)");
    };
    let revoked_ms = key.revoked_ms.context("a revoked key has its time")?;
    let before = revoked_ms < now.unix_ms();
    match args.format {
        Format::Json => println!(
            "{}",
            json!({"id": key.id, "role": key.role, "revoked_at": ts(revoked_ms), "already_revoked": before})
        ),
        Format::Text if before => println!(
            "key {} ({}) was already revoked at {}",
            key.id,
            key.role,
            ts(revoked_ms)
        ),
        Format::Text => println!(
            "revoked key {} ({}); serve refuses it from now on",
            key.id, key.role
        ),
    }
    Ok(ExitCode::SUCCESS)
}
