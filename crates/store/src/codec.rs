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

#[cfg(test)]
mod tests {
    use domain::{Kind, OrderId, Verdict};
    use protection::Event;

    use crate::testing::stores;

    /// The log of one order as the engine of commit 534db01 wrote it: findings inside
    /// JSON strings.
    const OLD_ROWS: [(&str, &str); 8] = [
        (
            "platform",
            r#"{"type":"placed","buyer":"b-1","seller":"s-1","currency":"USD","price_minor":1000,"shipping_minor":50,"handling_days":7,"promised_days":20,"destination_country":null,"eu_consumer":false,"choice":false,"legal_guarantee":false,"weight_grams":null}"#,
        ),
        (
            "buyer:b-1",
            r#"{"type":"paid","amount_minor":1050,"three_ds":"authenticated","ship_by_ms":1790604800000}"#,
        ),
        (
            "seller:s-1",
            r#"{"type":"message_posted","id":"m1","from":"seller","text":"pay me by western union, add me on whatsapp +44 7700 900123","risk":96,"verdict":"block","kinds":["offsite_payment","offsite_contact"],"signals":"[{\"excerpt\":\"western union\",\"explanation\":\"asks for a payment method outside the platform's escrow: money sent this way cannot be refunded\",\"kind\":\"offsite_payment\",\"score\":0.9,\"severity\":\"high\",\"span\":[10,23]},{\"excerpt\":\"whatsapp\",\"explanation\":\"names a chat app to move the conversation off the platform, where buyer protection cannot see it\",\"kind\":\"offsite_contact\",\"score\":0.9,\"severity\":\"high\",\"span\":[35,43]}]","held":true}"#,
        ),
        (
            "seller:s-1",
            r#"{"type":"case_opened","case_id":"o-9:m1","message_id":"m1","kinds":["offsite_payment"],"risk":96}"#,
        ),
        (
            "seller:s-1",
            r#"{"type":"buyer_warned","message_id":"m1","kinds":["offsite_payment"],"warning":"A message from the seller was held back: it asks you to pay outside the platform: pay only at checkout, money sent any other way cannot be refunded. Our team is looking at it."}"#,
        ),
        (
            "seller:s-1",
            r#"{"type":"shipped","tracking":"RB123456784GB","promised_ms":1791745280000,"protection_ends_ms":1791745280000,"guarantee_ms":1792350080000}"#,
        ),
        (
            "seller:s-1",
            r#"{"type":"parcel_flagged","stage":"shipped","risk":81,"kinds":["fake_tracking"],"signals":"[{\"excerpt\":\"RB123456784GB\",\"explanation\":\"looks like a number of a postal service (UPU S10 number) but its check digit is wrong: mistyped or made up\",\"kind\":\"fake_tracking\",\"score\":0.9,\"severity\":\"high\",\"span\":null}]"}"#,
        ),
        (
            "seller:s-1",
            r#"{"type":"case_opened","case_id":"o-9:shipped","message_id":"shipped","kinds":["fake_tracking"],"risk":81}"#,
        ),
    ];

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_order_logged_before_findings_were_typed_still_reads() {
        for (store, _guard) in stores().await.unwrap() {
            for (seq, (actor, body)) in OLD_ROWS.iter().enumerate() {
                let name: serde_json::Value = serde_json::from_str(body).unwrap();
                sqlx::query(
                    "INSERT INTO events (order_id, seq, name, actor, at_ms, body) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind("o-9")
                .bind(seq as i64 + 1)
                .bind(name["type"].as_str().unwrap())
                .bind(*actor)
                .bind(1_790_000_000_000_i64)
                .bind(*body)
                .execute(&store.pool)
                .await
                .unwrap();
            }
            let log = store.events(&OrderId::parse("o-9").unwrap()).await.unwrap();
            assert_eq!(log.len(), OLD_ROWS.len());
            let posted = log
                .iter()
                .find_map(|r| match &r.event {
                    Event::MessagePosted {
                        verdict, signals, ..
                    } => Some((*verdict, signals.clone())),
                    _ => None,
                })
                .unwrap();
            assert_eq!(posted.0, Verdict::Block);
            assert_eq!(
                posted.1.iter().map(|s| s.kind()).collect::<Vec<_>>(),
                [Kind::OffsitePayment, Kind::OffsiteContact]
            );
            assert_eq!(posted.1[0].span(), Some(10..23));
            assert!(log.iter().any(|r| matches!(&r.event,
                Event::ParcelFlagged { signals, .. } if signals[0].span().is_none())));
            // Written again, the findings are an array.
            for r in &log {
                assert!(!super::event_to_json(&r.event).contains(r#""signals":""#));
            }
        }
    }
}
