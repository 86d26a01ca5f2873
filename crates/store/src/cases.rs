//! The cases queue: cases opened by scanned messages, for agents.

use domain::Kind;
use sqlx::Row;

use crate::{Store, StoreError, StoreResult};

/// One case as the queue shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    pub case_id: String,
    pub order_id: String,
    /// Seq of the message_posted event holding the message.
    pub message_seq: i64,
    pub seller_id: String,
    pub buyer_id: String,
    /// The finding kinds that opened it (stored comma-joined).
    pub kinds: Vec<Kind>,
    pub risk: i64,
    /// `open` or `closed`.
    pub status: String,
    /// `scam` or `not_scam` once closed.
    pub label: Option<String>,
    pub opened_ms: i64,
    pub closed_ms: Option<i64>,
    pub closed_by: Option<String>,
}

const COLUMNS: &str = "case_id, order_id, message_seq, seller_id, buyer_id, kinds, risk, \
                       status, label, opened_ms, closed_ms, closed_by";

fn row(r: &sqlx::any::AnyRow) -> Result<CaseRow, sqlx::Error> {
    let kinds: String = r.try_get("kinds")?;
    Ok(CaseRow {
        case_id: r.try_get("case_id")?,
        order_id: r.try_get("order_id")?,
        message_seq: r.try_get("message_seq")?,
        seller_id: r.try_get("seller_id")?,
        buyer_id: r.try_get("buyer_id")?,
        kinds: kinds_from_column(&kinds)?,
        risk: r.try_get("risk")?,
        status: r.try_get("status")?,
        label: r.try_get("label")?,
        opened_ms: r.try_get("opened_ms")?,
        closed_ms: r.try_get("closed_ms")?,
        closed_by: r.try_get("closed_by")?,
    })
}

/// The `kinds` column: kind names joined by commas.
pub(crate) fn kinds_column(kinds: &[Kind]) -> String {
    kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn kinds_from_column(column: &str) -> Result<Vec<Kind>, sqlx::Error> {
    column
        .split(',')
        .filter(|k| !k.is_empty())
        .map(|k| {
            Kind::parse(k).ok_or_else(|| {
                sqlx::Error::Decode(format!("stored case kind {k:?} is not a finding kind").into())
            })
        })
        .collect()
}

impl Store {
    /// Cases with `status` (`open` or `closed`), riskiest and oldest first, after the
    /// cursor `(risk, opened_ms, case_id)` of the last one seen.
    pub async fn list_cases(
        &self,
        status: &str,
        after: Option<(i64, i64, String)>,
        limit: i64,
    ) -> StoreResult<Vec<CaseRow>> {
        let (risk, opened, id) = after.unwrap_or((i64::MAX, i64::MIN, String::new()));
        let sql = format!(
            "SELECT {COLUMNS} FROM cases WHERE status = $1 \
             AND (risk < $2 OR (risk = $2 AND (opened_ms > $3 OR (opened_ms = $3 AND case_id > $4)))) \
             ORDER BY risk DESC, opened_ms ASC, case_id ASC LIMIT $5"
        );
        let rows = sqlx::query(&sql)
            .bind(status)
            .bind(risk)
            .bind(opened)
            .bind(id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(row)
            .collect::<Result<_, _>>()
            .map_err(StoreError::from)
    }

    pub async fn case(&self, case_id: &str) -> StoreResult<Option<CaseRow>> {
        // No case id holds a NUL byte, and PostgreSQL would refuse one with an error.
        if case_id.contains('\0') {
            return Ok(None);
        }
        let sql = format!("SELECT {COLUMNS} FROM cases WHERE case_id = $1");
        let r = sqlx::query(&sql)
            .bind(case_id)
            .fetch_optional(&self.pool)
            .await?;
        r.as_ref().map(row).transpose().map_err(StoreError::from)
    }

    /// How many cases are open, and how the closed ones were labelled:
    /// (open, scam, not scam).
    pub async fn case_counts(&self) -> StoreResult<(i64, i64, i64)> {
        let r = sqlx::query(
            "SELECT \
             COALESCE(SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END), 0) AS open, \
             COALESCE(SUM(CASE WHEN label = 'scam' THEN 1 ELSE 0 END), 0) AS scam, \
             COALESCE(SUM(CASE WHEN label = 'not_scam' THEN 1 ELSE 0 END), 0) AS not_scam \
             FROM cases",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((
            r.try_get("open")?,
            r.try_get("scam")?,
            r.try_get("not_scam")?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_keep_their_column_format() {
        let kinds = [Kind::OffsitePayment, Kind::ShipAndSwitch];
        assert_eq!(kinds_column(&kinds), "offsite_payment,ship_and_switch");
        assert_eq!(kinds_from_column(&kinds_column(&kinds)).unwrap(), kinds);
        assert_eq!(kinds_from_column("").unwrap(), []);
        assert!(kinds_from_column("offsite_payment,nope").is_err());
    }
}
