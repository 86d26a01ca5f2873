//! `marketguard simulate`: a whole simulated marketplace through the engine.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use engine::Engine;
use protection::Policy;
use serde_json::{json, Value};
use sim::feedback::Tally;
use sim::{Config, Report};

use crate::amounts::money;
use crate::Format;

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Number of sellers.
    #[arg(long, default_value_t = 20)]
    sellers: usize,
    /// Number of buyers; each places about one order every ten days.
    #[arg(long, default_value_t = 200)]
    buyers: usize,
    /// Simulated days.
    #[arg(long, default_value_t = 30)]
    days: u32,
    /// Random seed: the same seed on an empty database gives the same run.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// sqlite://FILE or postgres://USER@HOST/DB
    #[arg(long, env = "MARKETGUARD_DATABASE_URL", default_value = super::DEFAULT_DATABASE_URL)]
    database_url: String,
    /// Also write the report as an HTML page, with pictures (inline SVG, no scripts):
    /// money held and released, orders by state over time, the dispute funnel,
    /// detection precision and recall.
    #[arg(long, value_name = "FILE.html")]
    report: Option<std::path::PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    #[command(flatten)]
    chaos: super::chaos::ChaosArgs,
}

pub fn run(args: SimulateArgs, policy: Policy) -> anyhow::Result<ExitCode> {
    if args.chaos.enabled() {
        return super::chaos::run(&args.chaos, &args.database_url, args.format, policy);
    }
    let config = Config {
        sellers: args.sellers,
        buyers: args.buyers,
        days: args.days,
        seed: args.seed,
        ..Config::default()
    };
    config.check()?;
    let rt = super::runtime()?;
    let (report, verify) = rt.block_on(async {
        let store = store::Store::connect(&args.database_url).await?;
        // Ids of this run are kept apart from earlier runs on the same database, and
        // every figure of the report is the run's own.
        let prefix = sim::run_prefix(&store).await?;
        let engine = Engine::new(store.clone(), policy.clone());
        let bar = Progress::new(u64::from(config.days));
        let report = sim::run(&engine, &config, &prefix, |d, _| bar.set(u64::from(d))).await?;
        bar.finish();
        let book = store
            .load_ledger()
            .await
            .context("failed to load the ledger")?;
        let verify = Verified {
            whole: ledger::verify(book.accounts(), book.recorded()),
            run: sim::ledger_share(&book, &prefix),
        };
        store.close().await;
        anyhow::Ok((report, verify))
    })?;
    match args.format {
        Format::Json => outln!("{}", to_json(&config, &report, &verify)),
        Format::Text => out!("{}", to_text(&config, &report, &verify)),
    }
    let verify = verify.whole;
    if let Some(path) = &args.report {
        std::fs::write(path, to_html(&config, &report, &verify))
            .with_context(|| format!("failed to write {}", path.display()))?;
    }
    Ok(if verify.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The closing ledger check: the whole database's invariants, and the run's own share
/// of it (accounts its transfers touch, its transfers).
struct Verified {
    whole: ledger::VerifyReport,
    run: (usize, usize),
}

/// A progress bar on stderr, shown only on a terminal and only once the run has taken
/// more than a second.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
    len: u64,
    shown: std::cell::Cell<bool>,
}

impl Progress {
    fn new(len: u64) -> Progress {
        Progress {
            bar: std::io::stderr().is_terminal().then(|| {
                let bar = indicatif::ProgressBar::with_draw_target(
                    Some(len),
                    indicatif::ProgressDrawTarget::hidden(),
                );
                bar.set_style(
                    indicatif::ProgressStyle::with_template(
                        "simulating day {pos}/{len} {wide_bar} {elapsed}",
                    )
                    .expect("valid template"),
                );
                bar
            }),
            started: Instant::now(),
            len,
            shown: std::cell::Cell::new(false),
        }
    }

    fn set(&self, pos: u64) {
        let Some(bar) = &self.bar else { return };
        if !self.shown.get() && self.started.elapsed() > Duration::from_secs(1) {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            self.shown.set(true);
        }
        bar.set_position(pos.min(self.len));
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn money_json(report: &Report) -> Value {
    let m: serde_json::Map<String, Value> = report
        .money
        .iter()
        .map(|(c, t)| {
            (
                c.code().to_string(),
                json!({
                    "captured": money(t.captured, *c),
                    "held": money(t.held, *c),
                    "released": money(t.released, *c),
                    "refunded": money(t.refunded, *c),
                    "compensated": money(t.compensated, *c),
                    "paid_out": money(t.paid_out, *c),
                    "clawed_back": money(t.clawed_back, *c),
                    "guarantee_fund": money(t.guarantee, *c),
                    "back_to_buyers": money(t.back_to_buyers(), *c),
                    "refunded_from_escrow": money(t.refunded_from_escrow, *c),
                    "refunded_from_seller": money(t.clawed_back, *c),
                    "refunded_from_guarantee_fund": money(t.guarantee, *c),
                    "captured_minor": t.captured,
                    "held_minor": t.held,
                    "released_minor": t.released,
                    "refunded_minor": t.refunded,
                    "compensated_minor": t.compensated,
                    "paid_out_minor": t.paid_out,
                    "clawed_back_minor": t.clawed_back,
                    "guarantee_fund_minor": t.guarantee,
                    "back_to_buyers_minor": t.back_to_buyers(),
                    "refunded_from_escrow_minor": t.refunded_from_escrow,
                    "refunded_from_seller_minor": t.clawed_back,
                    "refunded_from_guarantee_fund_minor": t.guarantee,
                }),
            )
        })
        .collect();
    Value::Object(m)
}

fn to_json(config: &Config, r: &Report, verified: &Verified) -> Value {
    let v = &verified.whole;
    json!({
        "config": {"sellers": config.sellers, "buyers": config.buyers, "days": config.days, "seed": config.seed},
        "sellers_by_habit": r.sellers_by_habit,
        "orders": r.orders,
        "orders_by_status": r.by_status,
        "events_by_name": r.by_event,
        "money": money_json(r),
        "early_confirmations": r.early_confirmations,
        "cancellations_by_reason": r.cancel_reasons,
        "sellers_by_dispute_habit": r.sellers_by_dispute_habit,
        "disputes": r.disputes.iter().map(|((reason, outcome), n)| json!({"reason": reason, "outcome": outcome, "disputes": n})).collect::<Vec<_>>(),
        "dispute_outcomes_by_seller_habit": r.dispute_outcomes_by_habit.iter().map(|((habit, outcome), n)| json!({"seller": habit, "outcome": outcome, "disputes": n})).collect::<Vec<_>>(),
        "unfounded_disputes": r.unfounded_disputes,
        "chat": {
            "messages": r.messages,
            "scam_messages": r.scam_messages,
            "scams_flagged": r.message_flagged.0,
            "honest_flagged": r.message_flagged.1,
            "cases_opened": r.cases_opened,
            "detection_by_kind": r.detection.iter().map(|(k, d)| json!({"kind": k, "true_positives": d.tp, "false_positives": d.fp, "missed": d.fn_, "precision": d.precision(), "recall": d.recall()})).collect::<Vec<_>>(),
        },
        "store_ratings_by_seller_habit": r.ratings_by_habit.iter().map(|(h, x)| json!({"habit": h, "sellers": x.sellers, "positive_feedback": x.positive_share, "on_time_shipping": x.on_time_shipping, "dispute_rate": x.dispute_rate, "sellers_rated": x.rated, "feedback": x.feedback, "item_as_described": x.item_as_described, "communication": x.communication, "shipping_speed": x.shipping_speed})).collect::<Vec<_>>(),
        "feedback_by_experience": r.feedback_by_experience.iter().map(|(e, t)| json!({"experience": e, "buyers": t.buyers, "stars": t.mean_stars(), "item_as_described": Tally::mean(t.item_as_described), "communication": Tally::mean(t.communication), "shipping_speed": Tally::mean(t.shipping_speed)})).collect::<Vec<_>>(),
        "dispute_funnel": r.dispute_funnel.stages().iter().map(|(stage, n)| json!({"stage": stage, "disputes": n})).collect::<Vec<_>>(),
        "outcomes": r.fates.iter().map(|((fate, status), n)| json!({"intended": fate, "status": status, "orders": n})).collect::<Vec<_>>(),
        "commands": r.commands,
        "rejected_commands": r.rejected,
        "deadlines_fired": r.deadlines_fired,
        "events": r.events,
        "elapsed_ms": r.elapsed_ms,
        "events_per_second": (r.events_per_second() * 10.0).round() / 10.0,
        "commands_per_second": (r.commands_per_second() * 10.0).round() / 10.0,
        "ledger": {"ok": v.ok(), "accounts": verified.run.0, "transfers": verified.run.1, "broken": v.broken, "database_accounts": v.accounts, "database_transfers": v.transfers},
    })
}

fn list(map: &std::collections::BTreeMap<String, usize>) -> String {
    map.iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn to_text(config: &Config, r: &Report, verified: &Verified) -> String {
    let v = &verified.whole;
    let mut s = String::new();
    s.push_str(&format!(
        "simulated {} days: {} sellers ({}), {} buyers, seed {}\n",
        config.days,
        config.sellers,
        list(&r.sellers_by_habit),
        config.buyers,
        config.seed
    ));
    s.push_str(&format!("orders: {} ({})\n", r.orders, list(&r.by_status)));
    s.push_str("money (order currency):\n");
    for (c, t) in &r.money {
        let m = |x: i64| money(x, *c);
        s.push_str(&format!(
            "  {c}: captured {}  held in escrow {}  released {}  refunded {} (from escrow {}, taken back from sellers {}, from the guarantee fund {})  compensated {}  paid out {}  => back to buyers {}\n",
            m(t.captured),
            m(t.held),
            m(t.released),
            m(t.refunded),
            m(t.refunded_from_escrow),
            m(t.clawed_back),
            m(t.guarantee),
            m(t.compensated),
            m(t.paid_out),
            m(t.back_to_buyers())
        ));
    }
    s.push_str(&format!(
        "protection: {} auto-cancelled (not shipped in time), {} refunded by the on-time guarantee, {} late deliveries compensated, {} auto-confirmed, {} confirmed before delivery (warned)\n",
        count_cancel(r, "not_shipped_in_time"),
        count_cancel(r, "not_delivered_in_time"),
        r.by_event.get("late_compensated").copied().unwrap_or(0),
        r.by_event.get("auto_confirmed").copied().unwrap_or(0),
        r.early_confirmations,
    ));
    let total_disputes: usize = r.disputes.values().sum();
    s.push_str(&format!(
        "disputes: {total_disputes} ({} without a real problem); sellers: {}\n",
        r.unfounded_disputes,
        list(&r.sellers_by_dispute_habit)
    ));
    for ((reason, outcome), n) in &r.disputes {
        s.push_str(&format!("  {reason:<17} -> {outcome:<18} {n}\n"));
    }
    s.push_str("dispute outcomes by seller habit:\n");
    for ((habit, outcome), n) in &r.dispute_outcomes_by_habit {
        s.push_str(&format!("  {habit:<21} -> {outcome:<18} {n}\n"));
    }
    let funnel: Vec<String> = r
        .dispute_funnel
        .stages()
        .iter()
        .map(|(stage, n)| format!("{stage} {n}"))
        .collect();
    s.push_str(&format!("dispute funnel: {}\n", funnel.join(", ")));
    s.push_str(
        "store ratings at the end, mean over the sellers of each habit that have the figure:\n",
    );
    let pct = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{:.1}%", v * 100.0));
    let stars = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{v:.1}"));
    for (habit, x) in &r.ratings_by_habit {
        s.push_str(&format!(
            "  {habit:<11} {:>3} sellers ({} with feedback, {} ratings): positive feedback {}, item as described {}, communication {}, shipping speed {}, shipped on time {}, dispute rate {}\n",
            x.sellers,
            x.rated,
            x.feedback,
            pct(x.positive_share),
            stars(x.item_as_described),
            stars(x.communication),
            stars(x.shipping_speed),
            pct(x.on_time_shipping),
            pct(x.dispute_rate)
        ));
    }
    s.push_str(
        "feedback by what the buyer went through (mean stars; item, communication, shipping):\n",
    );
    for (exp, t) in &r.feedback_by_experience {
        s.push_str(&format!(
            "  {exp:<17} {:>4} buyers: {} stars; {}, {}, {}\n",
            t.buyers,
            stars(t.mean_stars()),
            stars(Tally::mean(t.item_as_described)),
            stars(Tally::mean(t.communication)),
            stars(Tally::mean(t.shipping_speed))
        ));
    }
    s.push_str(&format!(
        "chat: {} messages, {} of them scams; flagged {} of the scams and {} of the honest ones; {} cases opened for agents\n",
        r.messages, r.scam_messages, r.message_flagged.0, r.message_flagged.1, r.cases_opened
    ));
    s.push_str("detection quality per signal kind against the simulator's ground truth:\n");
    for (kind, d) in &r.detection {
        let pct = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{:.0}%", v * 100.0));
        s.push_str(&format!(
            "  {kind:<25} precision {:>5}  recall {:>5}  ({} found, {} false, {} missed)\n",
            pct(d.precision()),
            pct(d.recall()),
            d.tp,
            d.fp,
            d.fn_
        ));
    }
    s.push_str("ground truth (intended parcel fate -> final order status):\n");
    for ((fate, status), n) in &r.fates {
        s.push_str(&format!("  {fate:<13} -> {status:<10} {n}\n"));
    }
    s.push_str(&format!(
        "engine: {} commands ({} refused by a rule), {} deadlines fired, {} events in {:.1} s: {:.0} events/s, {:.0} commands/s\n",
        r.commands,
        r.rejected,
        r.deadlines_fired,
        r.events,
        r.elapsed_ms as f64 / 1000.0,
        r.events_per_second(),
        r.commands_per_second()
    ));
    if v.ok() {
        s.push_str(&format!(
            "ledger verify: OK (this run {} accounts, {} transfers; the whole database {} accounts, {} transfers: debits equal credits in every currency, every escrow matches its order)\n",
            verified.run.0, verified.run.1, v.accounts, v.transfers
        ));
    } else {
        s.push_str("ledger verify: BROKEN\n");
        for b in &v.broken {
            s.push_str(&format!("  - {b}\n"));
        }
    }
    s
}

fn count_cancel(r: &Report, reason: &str) -> usize {
    r.cancel_reasons.get(reason).copied().unwrap_or(0)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn to_html(config: &Config, r: &Report, v: &ledger::VerifyReport) -> String {
    let mut rows = String::new();
    for (c, t) in &r.money {
        let m = |x: i64| money(x, *c);
        rows.push_str(&format!(
            "<tr><td>{c}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            m(t.captured), m(t.held), m(t.released), m(t.refunded), m(t.refunded_from_escrow), m(t.clawed_back), m(t.guarantee),
            m(t.compensated), m(t.paid_out)
        ));
    }
    let mut fates = String::new();
    for ((f, s), n) in &r.fates {
        fates.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{n}</td></tr>",
            esc(f),
            esc(s)
        ));
    }
    let mut detection = String::new();
    for (k, d) in &r.detection {
        let pct = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{:.0}%", v * 100.0));
        detection.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(k),
            pct(d.precision()),
            pct(d.recall()),
            d.tp,
            d.fp,
            d.fn_
        ));
    }
    format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>marketguard simulation</title>
<style>body{{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2433}}
table{{border-collapse:collapse;margin:1rem 0}}td,th{{padding:.3rem .8rem;border-bottom:1px solid #dde;text-align:right}}
td:first-child,th:first-child{{text-align:left}}.ok{{color:#17653a}}.bad{{color:#a11}}
figure{{margin:1.5rem 0}}svg.chart{{max-width:100%;height:auto;background:#fafbfc}}figcaption{{font-size:13px;color:#555}}</style></head><body>
<h1>Simulation: {days} days, {sellers} sellers, {buyers} buyers (seed {seed})</h1>
<p>{orders} orders: {statuses}</p>
<h2>Pictures</h2>{pictures}
<h2>Money</h2><table><tr><th>currency</th><th>captured</th><th>held</th><th>released</th><th>refunded</th><th>from escrow</th><th>taken back from sellers</th><th>from the guarantee fund</th><th>compensated</th><th>paid out</th></tr>{rows}</table>
<h2>Scam detection in chat</h2><p>{messages} messages, {scams} scams; {cases} cases opened for agents</p>
<table><tr><th>signal kind</th><th>precision</th><th>recall</th><th>found</th><th>false</th><th>missed</th></tr>{detection}</table>
<h2>Ground truth</h2><table><tr><th>intended fate</th><th>final status</th><th>orders</th></tr>{fates}</table>
<h2>Ledger</h2><p class="{cls}">{ledger}</p>
<p>{events} events, {eps:.0} events/s</p></body></html>"#,
        pictures = sim::chart::all(r),
        messages = r.messages,
        scams = r.scam_messages,
        cases = r.cases_opened,
        days = config.days,
        sellers = config.sellers,
        buyers = config.buyers,
        seed = config.seed,
        orders = r.orders,
        statuses = esc(&list(&r.by_status)),
        cls = if v.ok() { "ok" } else { "bad" },
        ledger = if v.ok() {
            format!(
                "verified: {} accounts, {} transfers, every invariant holds",
                v.accounts, v.transfers
            )
        } else {
            esc(&v.broken.join("; "))
        },
        events = r.events,
        eps = r.events_per_second(),
    )
}
