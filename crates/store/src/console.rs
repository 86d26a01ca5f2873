//! Queries for the console: sessions, and the overview figures of the dashboard.

use domain::Timestamp;
use sqlx::Row;

use crate::{Store, StoreError, StoreResult};

/// A due deadline, for "due soon".
#[derive(Debug, Clone)]
pub struct DueTimer {
    pub order_id: String,
    pub kind: String,
    pub due_ms: i64,
}

fn due_timer(r: &sqlx::any::AnyRow) -> Result<DueTimer, sqlx::Error> {
    Ok(DueTimer {
        order_id: r.try_get("order_id")?,
        kind: r.try_get("kind")?,
        due_ms: r.try_get("due_ms")?,
    })
}

impl Store {
    pub async fn create_session(
        &self,
        id_sha256: &str,
        key_id: &str,
        csrf: &str,
        expires: Timestamp,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO console_sessions (id_sha256, key_id, csrf, expires_ms) VALUES ($1, $2, $3, $4)",
        )
        .bind(id_sha256)
        .bind(key_id)
        .bind(csrf)
        .bind(expires.unix_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A live session: (key id, role, CSRF token).
    pub async fn session(
        &self,
        id_sha256: &str,
        now: Timestamp,
    ) -> StoreResult<Option<(String, String, String)>> {
        let row = sqlx::query(
            "SELECT s.key_id, k.role, s.csrf FROM console_sessions s \
             JOIN api_keys k ON k.id = s.key_id \
             WHERE s.id_sha256 = $1 AND s.expires_ms > $2 AND k.revoked_ms IS NULL",
        )
        .bind(id_sha256)
        .bind(now.unix_ms())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((r.try_get("key_id")?, r.try_get("role")?, r.try_get("csrf")?)))
            .transpose()
            .map_err(|e: sqlx::Error| e.into())
    }

    pub async fn end_session(&self, id_sha256: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM console_sessions WHERE id_sha256 = $1")
            .bind(id_sha256)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Money held in escrow per currency, in minor units; None for a total that does
    /// not fit an i64 (only a ledger written before amounts were bounded can hold one:
    /// `ledger verify` names it).
    pub async fn escrow_held(&self) -> StoreResult<Vec<(String, Option<i64>)>> {
        // Summed in two parts, millions and the rest, so that neither database's SUM
        // overflows (SQLite fails the query, PostgreSQL's cast does) on such a ledger;
        // the parts are put together in i128.
        let rows = sqlx::query(
            "SELECT currency, \
             CAST(SUM((credits_posted - debits_posted) / 1000000) AS BIGINT) AS millions, \
             CAST(SUM((credits_posted - debits_posted) % 1000000) AS BIGINT) AS rest \
             FROM accounts WHERE kind = 'order_escrow' GROUP BY currency ORDER BY currency",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let millions: i64 = r.try_get("millions")?;
                let rest: i64 = r.try_get("rest")?;
                let held = i128::from(millions) * 1_000_000 + i128::from(rest);
                Ok((r.try_get("currency")?, i64::try_from(held).ok()))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Deadlines not yet fired, soonest first, due before `until`.
    pub async fn due_soon(&self, until: Timestamp, limit: i64) -> StoreResult<Vec<DueTimer>> {
        let rows = sqlx::query(
            "SELECT order_id, kind, due_ms FROM timers WHERE fired_ms IS NULL AND due_ms <= $1 \
             ORDER BY due_ms LIMIT $2",
        )
        .bind(until.unix_ms())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(due_timer)
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// The deadlines of one order not yet fired, due by `until`, soonest first.
    pub async fn order_due_timers(
        &self,
        order_id: &str,
        until: Timestamp,
    ) -> StoreResult<Vec<DueTimer>> {
        let rows = sqlx::query(
            "SELECT order_id, kind, due_ms FROM timers \
             WHERE order_id = $1 AND fired_ms IS NULL AND due_ms <= $2 ORDER BY due_ms, kind",
        )
        .bind(order_id)
        .bind(until.unix_ms())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(due_timer)
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Escalated disputes whose agent deadline has passed by `now` with no agent's
    /// decision: the order is still disputed, its `escalation_deadline` is due, and no
    /// `dispute_decided` was recorded (an order has one dispute, escalated once).
    pub async fn overdue_disputes(&self, now: Timestamp) -> StoreResult<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM orders o WHERE o.status = 'disputed' \
             AND EXISTS (SELECT 1 FROM timers t WHERE t.order_id = o.order_id \
             AND t.kind = 'escalation_deadline' AND t.due_ms <= $1) \
             AND NOT EXISTS (SELECT 1 FROM events e WHERE e.order_id = o.order_id \
             AND e.name = 'dispute_decided')",
        )
        .bind(now.unix_ms())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }

    /// Orders in one status, oldest change first: (order id, updated_ms).
    pub async fn orders_in_status(
        &self,
        status: &str,
        limit: i64,
    ) -> StoreResult<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT order_id, updated_ms FROM orders WHERE status = $1 ORDER BY updated_ms LIMIT $2",
        )
        .bind(status)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("order_id")?, r.try_get("updated_ms")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }
}
