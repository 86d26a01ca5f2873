//! The `marketguard` command line: argument parsing and output formatting around the
//! library crates. Each command lives in its own module under `cmd`.

mod cmd;
mod report;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// marketguard: buyer protection and scam detection for online marketplaces.
///
/// Run `marketguard COMMAND --help` for the details of each command.
#[derive(Debug, Parser)]
#[command(name = "marketguard", version, about, long_about)]
pub struct Cli {
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
enum Command {}

/// Parses the command line and runs the command; errors go to stderr with exit code 2
/// for bad input and 1 for a failed check.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result: anyhow::Result<ExitCode> = match cli.command {};
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
