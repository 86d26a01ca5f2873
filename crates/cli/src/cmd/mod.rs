//! One module per command.

pub mod ledger;
pub mod orders;
pub mod reviews;
pub mod sellers;
pub mod serve;
pub mod simulate;
pub mod timers;

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
