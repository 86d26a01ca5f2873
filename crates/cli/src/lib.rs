//! The `marketguard` command line: argument parsing and output formatting around the
//! library crates. Each command lives in its own module under `cmd`.

mod amounts;
mod cmd;
mod config;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// marketguard: buyer protection (escrow, disputes, guarantees) and scam detection
/// (chat messages, links, sellers, listings, reviews, tracking numbers) for online
/// marketplaces, and a deadline watch for shoppers' and dropshippers' orders.
///
/// Run `marketguard COMMAND --help` for the details of each command.
#[derive(Debug, Parser)]
#[command(name = "marketguard", version, about, long_about)]
pub struct Cli {
    /// TOML file with the policy's numbers (`[policy]`) and those of `watch`
    /// (`[watch.aliexpress]`, `[watch.ebay]`, `[watch.amazon]`);
    /// MARKETGUARD_POLICY_<FIELD> and MARKETGUARD_WATCH_<MARKETPLACE>_<NUMBER>
    /// variables override it.
    #[arg(long, global = true, env = "MARKETGUARD_CONFIG", value_name = "FILE")]
    config: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// Output format shared by every command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// A report for people.
    #[default]
    Text,
    /// Machine-readable JSON (JSON Lines for line-by-line commands).
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP API (/v1/..., /openapi.json, /healthz, /readyz, /metrics) and the
    /// console (/console), with the timer loop and webhook delivery beside them; stops
    /// gracefully on Ctrl-C or SIGTERM.
    Serve(cmd::serve::ServeArgs),
    /// API keys for `serve`.
    #[command(subcommand)]
    Keys(cmd::serve::KeysCommand),
    /// Webhook endpoints for `serve`, and the delivery log.
    #[command(subcommand)]
    Webhooks(cmd::serve::WebhooksCommand),
    /// Run a whole simulated marketplace through the engine and report what happened:
    /// money held, released, refunded, compensated and taken back, disputes by reason
    /// and outcome, store ratings by seller habit, outcomes against the simulator's
    /// ground truth, events per second, and a ledger verification. With --chaos, the
    /// hostile simulator instead: many seeds of hostile commands, invariants checked
    /// after every step, and the seed and step of any failure.
    Simulate(cmd::simulate::SimulateArgs),
    /// The escrow ledger.
    #[command(subcommand)]
    Ledger(cmd::ledger::LedgerCommand),
    /// Orders: run lifecycle commands from JSON Lines, show an order's timeline.
    #[command(subcommand)]
    Orders(cmd::orders::OrdersCommand),
    /// Sellers: store ratings from the orders the engine holds.
    #[command(subcommand)]
    Sellers(cmd::sellers::SellersCommand),
    /// Scam scanners for chat messages and links.
    #[command(subcommand)]
    Scan(cmd::scan::ScanCommand),
    /// Deadlines: fire the ones that are due (the timer loop).
    #[command(subcommand)]
    Timers(cmd::timers::TimersCommand),
    /// A shopper's checks: a seller's store figures, a listing, tracking numbers,
    /// reviews exported to CSV.
    #[command(subcommand)]
    Assess(cmd::assess::AssessCommand),
    /// A buyer's or dropshipper's orders from any marketplace (CSV or JSON Lines):
    /// the next protection deadline of each and one plain action, most urgent first;
    /// an iCalendar file of the deadlines; a supplier scorecard.
    ///
    /// ORDERS is CSV with a header, or JSON Lines (one object a line), or - for standard
    /// input. Columns: order_id, paid_at (both required), store, item, amount, currency,
    /// shipped_at, promised_delivery (a date, or days after shipment), tracking,
    /// tracking_updated_at (date of the carrier's last event), status (placed, paid,
    /// shipped, delivered, completed, cancelled, disputed, resolved), delivered_at,
    /// dispute_opened_at, dispute_status (open, escalated, refund_full, refund_partial,
    /// return_and_refund, rejected, withdrawn), dispute_reason, kind (regular or sample).
    /// Dates are YYYY-MM-DD or RFC 3339; amounts are decimals in the currency's units.
    /// Unknown columns are reported and ignored; a row with a bad date, amount or value is
    /// reported with its line and column and skipped, and the report counts it.
    ///
    /// Every number (handling_days, delivery_days_default, claim_window_days,
    /// contact_wait_days, post_delivery_days, seller_response_days,
    /// escalation_after_days, stale_after_days, urgent_days, soon_days,
    /// sample_interval_days, supplier_active_days, reminder_days, scorecard_orders_min,
    /// keep_on_time_pct, replace_on_time_pct, keep_dispute_pct, replace_dispute_pct,
    /// replace_not_received_pct) can be set in the --config file under
    /// `[watch.aliexpress]`, `[watch.ebay]` or `[watch.amazon]`; AliExpress defaults come
    /// from `[policy]` (design.md section 2). MARKETGUARD_WATCH_<MARKETPLACE>_<NUMBER>
    /// variables override the file (e.g. MARKETGUARD_WATCH_EBAY_CLAIM_WINDOW_DAYS=30).
    /// `--format json` prints the numbers in force under `rules`.
    ///
    /// Text output is coloured (red: act now, yellow: soon) only when standard output is
    /// a terminal and NO_COLOR is not set.
    Watch(cmd::watch::WatchArgs),
}

/// Parses the command line and runs the command; errors go to stderr with exit code 2
/// for bad input and 1 for a failed check.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let names: Vec<String> = std::env::vars_os()
        .map(|(k, _)| k.to_string_lossy().into_owned())
        .collect();
    if let Err(e) = config::check_policy_variables(names.iter().map(String::as_str)) {
        eprintln!("error: {e:#}");
        return ExitCode::from(2);
    }
    let policy = match config::load_policy(cli.config.as_deref(), &|name| std::env::var(name).ok())
    {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::Serve(args) => cmd::serve::serve(args, policy),
        Command::Keys(command) => cmd::serve::keys(command),
        Command::Webhooks(command) => cmd::serve::webhooks(command),
        Command::Simulate(args) => cmd::simulate::run(args, policy),
        Command::Ledger(command) => cmd::ledger::run(command),
        Command::Orders(command) => cmd::orders::run(command, policy),
        Command::Timers(command) => cmd::timers::run(command, policy),
        Command::Sellers(command) => cmd::sellers::run(command, policy),
        Command::Scan(command) => cmd::scan::run(command),
        Command::Assess(command) => cmd::assess::run(command),
        Command::Watch(args) => cmd::watch::run(args, cli.config.as_deref(), &policy),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
