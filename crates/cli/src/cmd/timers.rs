//! `marketguard timers run`: the timer loop on its own, for deployments that run it
//! apart from the API, and to catch up after downtime.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};
use domain::{Clock, SystemClock, Timestamp};
use engine::Engine;
use protection::Policy;
use serde_json::json;

use crate::Format;

/// Deadlines fired per batch before the loop looks at the clock again.
pub const BATCH_MAX: usize = 500;
/// Pause between polls when nothing is due, in milliseconds.
pub const POLL_INTERVAL_MS: u64 = 1000;

#[derive(Debug, Subcommand)]
pub enum TimersCommand {
    /// Fire every deadline due now (or by --until) exactly once, then exit; with
    /// --follow keep polling until Ctrl-C. Safe to run in several processes at once on
    /// PostgreSQL: each deadline is claimed by one of them.
    Run(RunArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Fire deadlines due by this time (RFC 3339) instead of now.
    #[arg(long, conflicts_with = "follow")]
    until: Option<String>,
    /// Keep running, polling every second, until interrupted.
    #[arg(long)]
    follow: bool,
    /// sqlite://FILE or postgres://USER@HOST/DB
    #[arg(long, env = "MARKETGUARD_DATABASE_URL", default_value = super::DEFAULT_DATABASE_URL)]
    database_url: String,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(command: TimersCommand, policy: Policy) -> anyhow::Result<ExitCode> {
    let TimersCommand::Run(args) = command;
    let until = args
        .until
        .as_deref()
        .map(Timestamp::parse)
        .transpose()
        .context("--until")?;
    let rt = super::runtime()?;
    let fired = rt.block_on(async {
        let store = store::Store::connect(&args.database_url).await?;
        let engine = Engine::new(store.clone(), policy.clone());
        let mut total = 0;
        loop {
            let now = until.unwrap_or_else(|| SystemClock.now());
            let n = engine.run_due_timers(now, BATCH_MAX).await?;
            total += n;
            if n == BATCH_MAX {
                continue;
            }
            if !args.follow {
                break;
            }
            tokio::select! {
                _ = tokio::signal::ctrl_c() => break,
                _ = tokio::time::sleep(Duration::from_millis(POLL_INTERVAL_MS)) => {}
            }
        }
        store.close().await;
        anyhow::Ok(total)
    })?;
    match args.format {
        Format::Json => outln!("{}", json!({ "fired": fired })),
        Format::Text => outln!("{fired} deadlines fired"),
    }
    Ok(ExitCode::SUCCESS)
}
