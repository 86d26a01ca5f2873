//! `marketguard ledger verify`: checks every ledger invariant on the database;
//! `ledger accounts` lists the accounts (in `list`).

use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::json;

use crate::Format;

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Check every invariant: debits equal credits per currency, balances equal their
    /// transfers, no overdrawn account, each hold resolved at most once, each order's
    /// escrow equals captured minus released minus refunded, no order's buyer got back
    /// more of the price than was paid. Refunds are totalled by source: from escrow,
    /// taken back from sellers after release, from the guarantee fund. Exit 0 when all
    /// hold, 1 with the broken ones.
    Verify(VerifyArgs),
    /// List ledger accounts in id order with their balance, what they can still pay
    /// out and their pending debits and credits; filter by kind and owner.
    Accounts(super::list::AccountsArgs),
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// sqlite://FILE or postgres://USER@HOST/DB
    #[arg(long, env = "MARKETGUARD_DATABASE_URL", default_value = super::DEFAULT_DATABASE_URL)]
    database_url: String,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(command: LedgerCommand) -> anyhow::Result<ExitCode> {
    let args = match command {
        LedgerCommand::Verify(args) => args,
        LedgerCommand::Accounts(args) => return super::list::accounts(args),
    };
    let rt = super::runtime()?;
    let report = rt.block_on(async {
        let store = store::Store::open_read_only(&args.database_url).await?;
        let book = store
            .load_ledger()
            .await
            .context("failed to load the ledger")?;
        store.close().await;
        anyhow::Ok(ledger::verify(book.accounts(), book.recorded()))
    })?;
    match args.format {
        Format::Json => {
            let totals: serde_json::Map<_, _> = report
                .totals
                .iter()
                .map(|(c, t)| {
                    (
                        c.code().to_string(),
                        json!({
                            "debits_posted_minor": t.debits_posted,
                            "credits_posted_minor": t.credits_posted,
                            "debits_pending_minor": t.debits_pending,
                            "credits_pending_minor": t.credits_pending,
                            "captured_minor": t.captured,
                            "released_minor": t.released,
                            "refunded_minor": t.refunded,
                            "compensated_minor": t.compensated,
                            "held_in_escrow_minor": t.held_in_escrow,
                            "refunded_from_escrow_minor": t.refunded_from_escrow,
                            "refunded_from_seller_minor": t.refunded_from_seller,
                            "refunded_from_guarantee_fund_minor": t.refunded_from_guarantee_fund,
                        }),
                    )
                })
                .collect();
            outln!(
                "{}",
                json!({
                    "ok": report.ok(),
                    "accounts": report.accounts,
                    "transfers": report.transfers,
                    "totals": totals,
                    "broken": report.broken,
                })
            );
        }
        Format::Text => {
            outln!(
                "ledger: {} accounts, {} transfers",
                report.accounts,
                report.transfers
            );
            for (c, t) in &report.totals {
                let m = |minor: i64| crate::amounts::money(minor, *c);
                outln!(
                    "  {c}: debits {} = credits {} (pending {} = {}); captured {}, released {}, refunded {} (from escrow {}, taken back from sellers {}, from the guarantee fund {}), compensated {}, held in escrow {}",
                    m(t.debits_posted),
                    m(t.credits_posted),
                    m(t.debits_pending),
                    m(t.credits_pending),
                    m(t.captured),
                    m(t.released),
                    m(t.refunded),
                    m(t.refunded_from_escrow),
                    m(t.refunded_from_seller),
                    m(t.refunded_from_guarantee_fund),
                    m(t.compensated),
                    m(t.held_in_escrow)
                );
            }
            if report.ok() {
                outln!("every invariant holds");
            } else {
                outln!("BROKEN invariants:");
                for b in &report.broken {
                    outln!("  - {b}");
                }
            }
        }
    }
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
