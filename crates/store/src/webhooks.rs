//! Webhook endpoints, fan-out of the outbox and the delivery log.

use anyhow::Context;
use domain::Timestamp;
use sqlx::Row;

use crate::{Backend, Store, StoreError, StoreResult};

/// One delivery to attempt.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub endpoint_id: String,
    pub url: String,
    pub secret: String,
    pub order_id: String,
    pub seq: i64,
    pub attempts: i64,
    pub event: String,
    pub actor: String,
    pub at_ms: i64,
    pub body: String,
}

/// One row of the delivery log.
#[derive(Debug, Clone)]
pub struct DeliveryLog {
    pub endpoint_id: String,
    pub order_id: String,
    pub seq: i64,
    pub attempts: i64,
    pub delivered_ms: Option<i64>,
    pub failed_ms: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub next_attempt_ms: i64,
}

impl Store {
    fn skip_locked(&self) -> &'static str {
        match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        }
    }

    pub async fn add_webhook(
        &self,
        id: &str,
        url: &str,
        secret: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO webhook_endpoints (id, url, secret, created_ms) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(url)
        .bind(secret)
        .bind(now.unix_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Creates a delivery per active endpoint for up to `limit` outbox rows not yet
    /// fanned out; returns how many rows it took.
    pub async fn fan_out(&self, now: Timestamp, limit: i64) -> StoreResult<usize> {
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "SELECT order_id, seq FROM outbox WHERE fanned_ms IS NULL \
             ORDER BY created_ms, order_id, seq LIMIT $1{}",
            self.skip_locked()
        );
        let rows = sqlx::query(&sql).bind(limit).fetch_all(&mut *tx).await?;
        for r in &rows {
            let order: String = r.try_get("order_id")?;
            let seq: i64 = r.try_get("seq")?;
            sqlx::query(
                "INSERT INTO webhook_deliveries (endpoint_id, order_id, seq, next_attempt_ms) \
                 SELECT id, $1, $2, $3 FROM webhook_endpoints WHERE disabled_ms IS NULL \
                 ON CONFLICT DO NOTHING",
            )
            .bind(&order)
            .bind(seq)
            .bind(now.unix_ms())
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE outbox SET fanned_ms = $1 WHERE order_id = $2 AND seq = $3")
                .bind(now.unix_ms())
                .bind(&order)
                .bind(seq)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(rows.len())
    }

    /// Claims up to `limit` due deliveries for `lease_ms`: another process will not
    /// take them until then, and if this one dies they are retried after it.
    pub async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<Delivery>> {
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "SELECT d.endpoint_id, d.order_id, d.seq, d.attempts FROM webhook_deliveries d \
             WHERE d.delivered_ms IS NULL AND d.failed_ms IS NULL AND d.next_attempt_ms <= $1 \
             ORDER BY d.next_attempt_ms LIMIT $2{}",
            self.skip_locked()
        );
        let due = sqlx::query(&sql)
            .bind(now.unix_ms())
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        let mut out = Vec::with_capacity(due.len());
        for r in &due {
            let endpoint_id: String = r.try_get("endpoint_id")?;
            let order_id: String = r.try_get("order_id")?;
            let seq: i64 = r.try_get("seq")?;
            sqlx::query(
                "UPDATE webhook_deliveries SET next_attempt_ms = $1 \
                 WHERE endpoint_id = $2 AND order_id = $3 AND seq = $4",
            )
            .bind(now.unix_ms() + lease_ms)
            .bind(&endpoint_id)
            .bind(&order_id)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
            let row = sqlx::query(
                "SELECT w.url, w.secret, e.name, e.actor, e.at_ms, e.body \
                 FROM webhook_endpoints w, events e \
                 WHERE w.id = $1 AND e.order_id = $2 AND e.seq = $3",
            )
            .bind(&endpoint_id)
            .bind(&order_id)
            .bind(seq)
            .fetch_one(&mut *tx)
            .await
            .context("delivery without its endpoint or event")?;
            out.push(Delivery {
                endpoint_id,
                url: row.try_get("url")?,
                secret: row.try_get("secret")?,
                order_id,
                seq,
                attempts: r.try_get("attempts")?,
                event: row.try_get("name")?,
                actor: row.try_get("actor")?,
                at_ms: row.try_get("at_ms")?,
                body: row.try_get("body")?,
            });
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Records an attempt: delivered, retried at `next_attempt`, or given up on.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_attempt(
        &self,
        d: &Delivery,
        delivered: bool,
        status: Option<u16>,
        error: Option<&str>,
        next_attempt: Option<Timestamp>,
        now: Timestamp,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = $1, \
             last_error = $2, delivered_ms = $3, failed_ms = $4, next_attempt_ms = $5 \
             WHERE endpoint_id = $6 AND order_id = $7 AND seq = $8",
        )
        .bind(status.map(i64::from))
        .bind(error.map(|e| e.chars().take(500).collect::<String>()))
        .bind(delivered.then_some(now.unix_ms()))
        .bind((!delivered && next_attempt.is_none()).then_some(now.unix_ms()))
        .bind(next_attempt.map_or(now.unix_ms(), |t| t.unix_ms()))
        .bind(&d.endpoint_id)
        .bind(&d.order_id)
        .bind(d.seq)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The most recent deliveries, newest attempt first.
    pub async fn delivery_log(&self, limit: i64) -> StoreResult<Vec<DeliveryLog>> {
        let rows = sqlx::query(
            "SELECT endpoint_id, order_id, seq, attempts, delivered_ms, failed_ms, last_status, \
             last_error, next_attempt_ms FROM webhook_deliveries \
             ORDER BY next_attempt_ms DESC, order_id, seq LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DeliveryLog {
                    endpoint_id: r.try_get("endpoint_id")?,
                    order_id: r.try_get("order_id")?,
                    seq: r.try_get("seq")?,
                    attempts: r.try_get("attempts")?,
                    delivered_ms: r.try_get("delivered_ms")?,
                    failed_ms: r.try_get("failed_ms")?,
                    last_status: r.try_get("last_status")?,
                    last_error: r.try_get("last_error")?,
                    next_attempt_ms: r.try_get("next_attempt_ms")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }
}
