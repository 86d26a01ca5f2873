//! The `marketguard` command line: argument parsing and output formatting around the
//! library crates. Each command lives in its own module under `cmd`.

/// `print!` that returns the write's error instead of panicking: a closed pipe
/// (`marketguard ... | head`) ends the command quietly (see [`exit_code`]).
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($arg)*)?
    }};
}

/// `println!` that returns the write's error instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?
    }};
}

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
#[command(name = "marketguard", version, about, long_about, after_help = EXIT_CODES)]
pub struct Cli {
    /// TOML file with the policy's numbers (`[policy]`) and those of `watch`
    /// (`[watch.aliexpress]`, `[watch.ebay]`, `[watch.amazon]`);
    /// MARKETGUARD_POLICY_<FIELD> and MARKETGUARD_WATCH_<MARKETPLACE>_<NUMBER>
    /// variables override it (e.g. MARKETGUARD_POLICY_ESCALATION_AGENT_DAYS, the days
    /// an agent has to decide an escalated dispute, 10;
    /// MARKETGUARD_POLICY_REFUND_OVERDUE_ESCALATIONS, refund it in full when they pass,
    /// true; MARKETGUARD_POLICY_THREE_DS_EXEMPTION_MAX_MAJOR, the 3-D Secure exemption
    /// cap of currencies the file's [policy.three_ds_exemption_max_major_by_currency]
    /// does not list, 0).
    #[arg(long, global = true, env = "MARKETGUARD_CONFIG", value_name = "FILE")]
    config: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// The exit codes, the same in every command (`--help` prints them; ARCHITECTURE.md
/// "Errors and exit codes" says where each is set).
const EXIT_CODES: &str = "Exit codes (every command):
  0  done (also when the reader of the output went away, as `| head` does)
  1  a check failed or a command was refused (ledger verify, simulate's verification,
     orders exec with a refused command)
  2  bad input: arguments, files, lines, configuration, a database that does not exist
  3  internal error: the database failed or could not be read, or a bug";

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
    /// API keys for `serve`: create, list, revoke.
    #[command(subcommand)]
    Keys(cmd::serve::KeysCommand),
    /// Webhook endpoints for `serve`, and the delivery log.
    #[command(subcommand)]
    Webhooks(cmd::serve::WebhooksCommand),
    /// Run a whole simulated marketplace through the engine and report what happened:
    /// money held, released, refunded, compensated and taken back, disputes by reason
    /// and outcome, the dispute funnel, store ratings by seller habit, feedback by what
    /// the buyers went through, outcomes against the simulator's ground truth, events
    /// per second, and a ledger verification. Every figure is the run's own, also on a
    /// database that holds earlier runs.
    /// With --chaos, the hostile simulator instead: many seeds of hostile commands,
    /// invariants checked after every step, and the seed and step of any failure.
    Simulate(cmd::simulate::SimulateArgs),
    /// The escrow ledger.
    #[command(subcommand)]
    Ledger(cmd::ledger::LedgerCommand),
    /// Orders: run lifecycle commands from JSON Lines, show an order's timeline, list
    /// orders.
    #[command(subcommand)]
    Orders(cmd::orders::OrdersCommand),
    /// Disputes: list the open ones.
    #[command(subcommand)]
    Disputes(cmd::list::DisputesCommand),
    /// Scam cases for agents: list the queue.
    #[command(subcommand)]
    Cases(cmd::list::CasesCommand),
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
    /// tracking_updated_at (date of the carrier's last event), tracking_event (that
    /// event: accepted, in_transit, customs, out_for_delivery, delivered, returned; a
    /// delivered one dates the delivery, a returned one says claim now), status (placed, paid,
    /// shipped, delivered, completed, cancelled, disputed, resolved), delivered_at,
    /// dispute_opened_at, dispute_status (open, escalated, refund_full, refund_partial,
    /// return_and_refund, rejected, withdrawn), dispute_reason, kind (regular or sample).
    /// Dates are YYYY-MM-DD or RFC 3339; amounts are decimals in the currency's units.
    /// Unknown columns are reported and ignored; a row with a bad date, amount or value,
    /// or one that cannot be true (a date after --today, shipped before paid, delivered
    /// before shipped or paid, promised or disputed before paid) is reported with its
    /// line and column and skipped; the report counts it and the exit code is 2.
    ///
    /// AliExpress follows the engine's own rules: protection ends on the promised date
    /// and a not-received dispute opens after it; a delivered order completes when
    /// protection ends (a parcel delivered at or after the end gets
    /// inspection_days_after_late_delivery from delivery; an order marked completed,
    /// from delivery) and may be disputed for post_completion_window_days after.
    /// eBay: report within claim_window_days of the estimated delivery date, a return
    /// within post_delivery_days of delivery. Amazon: claim within claim_window_days of
    /// the latest estimated delivery date (delivered or not), open through its last day.
    ///
    /// Every number (handling_days, delivery_days_default, claim_window_days,
    /// contact_wait_days, post_delivery_days, seller_response_days,
    /// escalation_after_days, stale_after_days, urgent_days, soon_days,
    /// sample_interval_days, supplier_active_days, reminder_days, scorecard_orders_min,
    /// keep_on_time_pct, replace_on_time_pct, keep_dispute_pct, replace_dispute_pct,
    /// replace_not_received_pct) can be set in the --config file under
    /// `[watch.aliexpress]`, `[watch.ebay]` or `[watch.amazon]`, except AliExpress's
    /// handling_days, delivery_days_default, post_delivery_days, seller_response_days
    /// and escalation_after_days: those are the engine's, set under `[policy]`
    /// (design.md section 2). MARKETGUARD_WATCH_<MARKETPLACE>_<NUMBER> variables
    /// override the file (e.g. MARKETGUARD_WATCH_EBAY_CLAIM_WINDOW_DAYS=30).
    /// `--format json` prints the numbers in force under `rules`.
    ///
    /// Text output is coloured (red: act now, yellow: soon) only when standard output is
    /// a terminal and NO_COLOR is not set.
    #[command(after_long_help = cmd::watch::codes_help())]
    Watch(cmd::watch::WatchArgs),
}

/// Parses the command line and runs the command; errors go to stderr, and the exit
/// code is one of [`EXIT_CODES`].
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
    // A panic is a bug: its message is printed by the default hook, the code is 3.
    let config = cli.config;
    let result = std::panic::catch_unwind(move || match cli.command {
        Command::Serve(args) => cmd::serve::serve(args, policy),
        Command::Keys(command) => cmd::serve::keys(command),
        Command::Webhooks(command) => cmd::serve::webhooks(command),
        Command::Simulate(args) => cmd::simulate::run(args, policy),
        Command::Ledger(command) => cmd::ledger::run(command),
        Command::Orders(command) => cmd::orders::run(command, policy),
        Command::Disputes(command) => cmd::list::disputes(command, policy),
        Command::Cases(command) => cmd::list::cases(command),
        Command::Timers(command) => cmd::timers::run(command, policy),
        Command::Sellers(command) => cmd::sellers::run(command, policy),
        Command::Scan(command) => cmd::scan::run(command),
        Command::Assess(command) => cmd::assess::run(command),
        Command::Watch(args) => cmd::watch::run(args, config.as_deref(), &policy),
    });
    match result {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => exit_code(&e),
        Err(_) => ExitCode::from(3),
    }
}

/// What an error ends a command with: a closed output pipe ends it quietly (0: its
/// reader wanted no more); a database failure is internal (3); anything else stopped
/// the command on bad input (2). The message goes to stderr with its cause chain.
fn exit_code(e: &anyhow::Error) -> ExitCode {
    let closed_pipe = e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    });
    if closed_pipe {
        return ExitCode::SUCCESS;
    }
    eprintln!("error: {e:#}");
    let internal = e.chain().any(|c| {
        store::is_database_error(c)
            || matches!(
                c.downcast_ref::<engine::EngineError>(),
                Some(engine::EngineError::Store(_) | engine::EngineError::Busy(_))
            )
    });
    ExitCode::from(if internal { 3 } else { 2 })
}
