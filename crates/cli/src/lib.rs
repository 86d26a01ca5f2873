//! The `marketguard` command line: argument parsing and output formatting around the
//! library crates. Each command lives in its own module under `cmd`.

mod cmd;
mod config;
mod report;
mod watch;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// marketguard: buyer protection (escrow, disputes, guarantees) and scam detection
/// (chat messages, links) for online marketplaces.
///
/// Run `marketguard COMMAND --help` for the details of each command.
#[derive(Debug, Parser)]
#[command(name = "marketguard", version, about, long_about)]
pub struct Cli {
    /// TOML file with the policy's numbers (`[policy]`); MARKETGUARD_POLICY_<FIELD>
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
    /// ground truth, events per second, and a ledger verification.
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
    /// A shopper's checks: a seller's store figures, a listing, tracking numbers.
    #[command(subcommand)]
    Assess(cmd::assess::AssessCommand),
    /// A buyer's or dropshipper's orders from any marketplace (CSV or JSON Lines):
    /// the next protection deadline of each and one plain action, most urgent first;
    /// an iCalendar file of the deadlines; a supplier scorecard.
    Watch(cmd::watch::WatchArgs),
}

/// Parses the command line and runs the command; errors go to stderr with exit code 2
/// for bad input and 1 for a failed check.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
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
