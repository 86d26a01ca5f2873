//! One module per command.

pub mod assess;
pub mod chaos;
pub mod ledger;
pub mod list;
pub mod orders;
pub mod reviews;
pub mod scan;
pub mod sellers;
pub mod serve;
pub mod simulate;
pub mod timers;
pub mod watch;

use anyhow::Context;

/// The database every stateful command uses unless told otherwise: a SQLite file in
/// the working directory, created on first use.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://marketguard.db";

/// A runtime for the commands that talk to the database.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("failed to start the async runtime")
}

/// A line reader over FILE, or standard input for `-`.
pub fn open_input(path: &str) -> anyhow::Result<Box<dyn std::io::BufRead>> {
    Ok(if path == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::io::BufReader::new(
            std::fs::File::open(path).with_context(|| format!("cannot open {path}"))?,
        ))
    })
}
