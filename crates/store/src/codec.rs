//! Rows to domain values and back. Stored data was written by us, so a row that does
//! not decode is corruption: an error with the row named, never a guess.

use anyhow::{anyhow, Context};
use domain::{Currency, Money, OrderId, Timestamp, TransferId};
use ledger::{AccountId, Balances, Code, Op, Recorded as RecordedTransfer, Transfer};
use protection::{Actor, Event, Recorded};
use sqlx::Row;

use crate::{DbRow, StoreError, StoreResult};

pub fn event_to_json(event: &Event) -> String {
    serde_json::to_string(event).expect("events serialize")
}

pub fn event_from_json(body: &str) -> anyhow::Result<Event> {
    serde_json::from_str(body).with_context(|| format!("stored event {body:?} does not decode"))
}

pub fn actor_from_str(s: &str) -> anyhow::Result<Actor> {
    Actor::parse(s).ok_or_else(|| anyhow!("stored actor {s:?} does not decode"))
}

pub(crate) fn event_from_row(r: &DbRow) -> StoreResult<Recorded> {
    let seq: i64 = r.try_get("seq")?;
    let at: i64 = r.try_get("at_ms")?;
    let actor: String = r.try_get("actor")?;
    let body: String = r.try_get("body")?;
    Ok(Recorded {
        seq,
        at: Timestamp::from_unix_ms(at),
        actor: actor_from_str(&actor)?,
        event: event_from_json(&body)?,
    })
}

pub(crate) fn account_from_row(r: &DbRow) -> StoreResult<(AccountId, Balances)> {
    let id: String = r.try_get("id")?;
    let id = AccountId::parse(&id).map_err(|e| StoreError::Other(e.into()))?;
    Ok((
        id,
        Balances {
            debits_pending: r.try_get("debits_pending")?,
            debits_posted: r.try_get("debits_posted")?,
            credits_pending: r.try_get("credits_pending")?,
            credits_posted: r.try_get("credits_posted")?,
        },
    ))
}

pub(crate) fn op_name(op: &Op) -> &'static str {
    match op {
        Op::Posted { .. } => "posted",
        Op::Pending { .. } => "pending",
        Op::PostPending { .. } => "post_pending",
        Op::VoidPending { .. } => "void_pending",
    }
}

pub(crate) fn transfer_from_row(r: &DbRow) -> StoreResult<(RecordedTransfer, Option<TransferId>)> {
    let id: String = r.try_get("id")?;
    let decode = || -> anyhow::Result<(RecordedTransfer, Option<TransferId>)> {
        let op: String = r.try_get("op")?;
        let code: String = r.try_get("code")?;
        let debit = AccountId::parse(&r.try_get::<String, _>("debit_account")?)?;
        let credit = AccountId::parse(&r.try_get::<String, _>("credit_account")?)?;
        let currency = Currency::parse(&r.try_get::<String, _>("currency")?)?;
        let amount = Money::from_minor(r.try_get("amount_minor")?, currency)?;
        let pending: Option<String> = r.try_get("pending_id")?;
        let pending = pending.map(|p| TransferId::parse(&p)).transpose()?;
        let order: Option<String> = r.try_get("order_id")?;
        let resolved_by: Option<String> = r.try_get("resolved_by")?;
        let need_pending = || pending.clone().ok_or_else(|| anyhow!("no pending_id"));
        let op = match op.as_str() {
            "posted" => Op::Posted {
                debit: debit.clone(),
                credit: credit.clone(),
                amount,
            },
            "pending" => Op::Pending {
                debit: debit.clone(),
                credit: credit.clone(),
                amount,
            },
            "post_pending" => Op::PostPending {
                pending: need_pending()?,
                amount,
            },
            "void_pending" => Op::VoidPending {
                pending: need_pending()?,
            },
            other => return Err(anyhow!("unknown op {other:?}")),
        };
        let transfer = Transfer {
            id: TransferId::parse(&id)?,
            op,
            code: Code::parse(&code).ok_or_else(|| anyhow!("unknown code {code:?}"))?,
            order: order.map(|o| OrderId::parse(&o)).transpose()?,
        };
        Ok((
            RecordedTransfer {
                transfer,
                debit,
                credit,
                amount,
            },
            resolved_by.map(|b| TransferId::parse(&b)).transpose()?,
        ))
    };
    decode()
        .with_context(|| format!("stored transfer {id:?} does not decode"))
        .map_err(StoreError::Other)
}
