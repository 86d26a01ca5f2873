//! Persistence: the only crate that knows SQL. SQLite (the embedded default) and
//! PostgreSQL through one `sqlx::Any` pool and one set of portable statements; the
//! few differences (row locks, connection settings) are switched on [`Backend`].

mod cases;
mod codec;
mod console;
mod migrate;
pub mod testing;
mod webhooks;
mod write;

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use domain::{OrderId, Timestamp};
use ledger::{AccountId, Book, Op, Transfer};
use protection::{Recorded, Timer, TimerKind};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Row, Transaction};

pub use cases::CaseRow;
pub use codec::{actor_from_str, event_from_json, event_to_json};
pub use console::DueTimer;
pub use webhooks::{Delivery, DeliveryLog};
pub use write::{WriteSet, Written};

/// Connections a PostgreSQL pool keeps at most. SQLite has exactly one: it allows one
/// writer, and one connection means no `SQLITE_BUSY` and no lost upgrades.
pub const PG_CONNECTIONS_MAX: u32 = 16;
/// How long a statement waits for a lock before giving up.
pub const LOCK_TIMEOUT_MS: u64 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// An API key as `keys list` shows it: never its secret or the secret's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRow {
    pub id: String,
    pub role: String,
    pub created_ms: i64,
    pub revoked_ms: Option<i64>,
}

fn api_key_row(r: &AnyRow) -> Result<ApiKeyRow, sqlx::Error> {
    Ok(ApiKeyRow {
        id: r.try_get("id")?,
        role: r.try_get("role")?,
        created_ms: r.try_get("created_ms")?,
        revoked_ms: r.try_get("revoked_ms")?,
    })
}

/// What `list_orders` narrows the orders to; `None` leaves a field open.
#[derive(Debug, Clone, Copy, Default)]
pub struct OrderFilter<'a> {
    pub buyer: Option<&'a str>,
    pub seller: Option<&'a str>,
    pub status: Option<&'a str>,
    /// Only orders with a deadline not yet fired that was due by this time.
    pub due_by: Option<Timestamp>,
}

/// A failure the caller can act on: a conflict is retried, the rest is reported.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another transaction won a race (unique key, serialization, deadlock): retry.
    #[error("conflicting concurrent write")]
    Conflict,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            let code = db.code().unwrap_or_default();
            // PostgreSQL: unique violation, serialization failure, deadlock.
            // SQLite: SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE, SQLITE_BUSY.
            if matches!(&*code, "23505" | "40001" | "40P01" | "1555" | "2067" | "5") {
                return StoreError::Conflict;
            }
        }
        StoreError::Other(anyhow::Error::new(e))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Whether `e` (one link of a cause chain) is the database's own failure, not the
/// caller's input: the CLI exits 3 on one.
pub fn is_database_error(e: &(dyn std::error::Error + 'static)) -> bool {
    if e.is::<sqlx::Error>() {
        return true;
    }
    // `StoreError::Other` is transparent: its source skips the wrapped error itself.
    match e.downcast_ref::<StoreError>() {
        Some(StoreError::Conflict) => true,
        Some(StoreError::Other(inner)) => inner.chain().any(|c| c.is::<sqlx::Error>()),
        None => false,
    }
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({:?})", self.backend)
    }
}

/// `sqlite://path` gets `mode=rwc` so that the file is created on first use.
fn normalise_url(url: &str) -> anyhow::Result<(String, Backend)> {
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let mut u = format!("sqlite:{rest}");
        if !rest.contains("mode=") && !rest.contains(":memory:") {
            u.push(if rest.contains('?') { '&' } else { '?' });
            u.push_str("mode=rwc");
        }
        Ok((u, Backend::Sqlite))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok((url.to_string(), Backend::Postgres))
    } else {
        anyhow::bail!(
            "unsupported database url {url:?}: use sqlite://FILE or postgres://USER@HOST/DB"
        )
    }
}

/// The database a read-only command names: `sqlite:` URLs without their `mode`, set to
/// `rw` (open, never create; `query_only` then refuses writes), after checking that the
/// file exists; PostgreSQL URLs as given. Also the URL as shown in errors, without any
/// password.
fn read_only_url(url: &str) -> anyhow::Result<(String, Backend, String)> {
    if let Some(rest) = url.strip_prefix("sqlite:") {
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let file = path.strip_prefix("//").unwrap_or(path);
        if file.is_empty() || file.contains(":memory:") || !std::path::Path::new(file).is_file() {
            anyhow::bail!("database {url} does not exist");
        }
        let mut params: Vec<&str> = query
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("mode="))
            .collect();
        params.push("mode=rw");
        Ok((
            format!("sqlite:{path}?{}", params.join("&")),
            Backend::Sqlite,
            url.to_string(),
        ))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let shown = match url.split_once("://").zip(url.rsplit_once('@')) {
            Some(((scheme, _), (_, host))) => format!("{scheme}://{host}"),
            None => url.to_string(),
        };
        Ok((url.to_string(), Backend::Postgres, shown))
    } else {
        // The same refusal as a connection that may write.
        normalise_url(url).and_then(|_| anyhow::bail!("unsupported database url {url:?}"))
    }
}

impl Store {
    /// Opens an existing, migrated database for a command that only reads: nothing is
    /// created and no migration runs. SQLite connections are `query_only`; PostgreSQL
    /// transactions are read-only. A missing database, or one this binary's
    /// migrations have not all been applied to, is an error naming it.
    pub async fn open_read_only(url: &str) -> anyhow::Result<Store> {
        sqlx::any::install_default_drivers();
        let (url, backend, shown) = read_only_url(url)?;
        let options = AnyConnectOptions::from_str(&url)
            .with_context(|| format!("invalid database url for {backend:?}"))?;
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(1)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            for pragma in ["PRAGMA query_only = ON", "PRAGMA busy_timeout = 10000"]
                            {
                                sqlx::query(pragma).execute(&mut *conn).await?;
                            }
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(2)
                    .acquire_timeout(Duration::from_secs(30))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            sqlx::query("SET default_transaction_read_only = on")
                                .execute(&mut *conn)
                                .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await
            }
        };
        let pool = match pool {
            Ok(pool) => pool,
            // PostgreSQL's invalid_catalog_name: the database does not exist.
            Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("3D000") => {
                anyhow::bail!("database {shown} does not exist")
            }
            Err(e) => {
                return Err(anyhow::Error::new(e)
                    .context(format!("failed to open the {backend:?} database {shown}")))
            }
        };
        migrate::check_current(&pool)
            .await
            .with_context(|| format!("database {shown}"))?;
        Ok(Store { pool, backend })
    }

    /// Connects and runs the embedded migrations.
    pub async fn connect(url: &str) -> anyhow::Result<Store> {
        sqlx::any::install_default_drivers();
        let (url, backend) = normalise_url(url)?;
        let options = AnyConnectOptions::from_str(&url)
            .with_context(|| format!("invalid database url for {backend:?}"))?;
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(1)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // WAL with synchronous=FULL: a commit is on disk when it returns.
                            for pragma in [
                                "PRAGMA journal_mode = WAL",
                                "PRAGMA synchronous = FULL",
                                "PRAGMA foreign_keys = ON",
                                "PRAGMA busy_timeout = 10000",
                            ] {
                                sqlx::query(pragma).execute(&mut *conn).await?;
                            }
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(PG_CONNECTIONS_MAX)
                    .acquire_timeout(Duration::from_secs(30))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            let sql = format!("SET lock_timeout = {LOCK_TIMEOUT_MS}");
                            sqlx::query(&sql).execute(&mut *conn).await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await
            }
        }
        .with_context(|| format!("failed to connect to the {backend:?} database"))?;
        let store = Store { pool, backend };
        migrate::run(&store.pool, backend)
            .await
            .context("failed to run database migrations")?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn begin(&self) -> StoreResult<Tx> {
        let tx = self
            .pool
            .begin()
            .await
            .map_err(|e| StoreError::Other(anyhow::Error::new(e).context("failed to begin")))?;
        Ok(Tx {
            tx,
            backend: self.backend,
        })
    }

    /// Events of one order, oldest first.
    pub async fn events(&self, order: &OrderId) -> StoreResult<Vec<Recorded>> {
        let mut tx = self.begin().await?;
        let events = tx.load_events(order).await?;
        tx.rollback().await?;
        Ok(events)
    }

    /// What an idempotency key recorded, if anything.
    pub async fn idempotency(&self, key: &str) -> StoreResult<Option<StoredOutcome>> {
        let mut tx = self.begin().await?;
        let stored = tx.idempotency(key).await?;
        tx.rollback().await?;
        Ok(stored)
    }

    /// The earliest deadline not yet fired.
    pub async fn next_due(&self) -> StoreResult<Option<Timestamp>> {
        let row = sqlx::query("SELECT MIN(due_ms) AS due FROM timers WHERE fired_ms IS NULL")
            .fetch_one(&self.pool)
            .await?;
        let due: Option<i64> = row.try_get("due").map_err(StoreError::from)?;
        Ok(due.map(Timestamp::from_unix_ms))
    }

    /// Every account and transfer, for `ledger verify`.
    pub async fn load_ledger(&self) -> StoreResult<Book> {
        let mut book = Book::new();
        let rows = sqlx::query(
            "SELECT id, debits_pending, debits_posted, credits_pending, credits_posted FROM accounts",
        )
        .fetch_all(&self.pool)
        .await?;
        for r in rows {
            let (id, b) = codec::account_from_row(&r)?;
            book.load_account(id, b);
        }
        let rows = sqlx::query(
            "SELECT t.id, t.op, t.code, t.debit_account, t.credit_account, t.amount_minor, \
             t.currency, t.pending_id, t.order_id, r.resolved_by \
             FROM transfers t LEFT JOIN pending_resolutions r ON r.pending_id = t.id",
        )
        .fetch_all(&self.pool)
        .await?;
        for r in rows {
            let (recorded, resolved_by) = codec::transfer_from_row(&r)?;
            book.load_transfer(recorded, resolved_by);
        }
        Ok(book)
    }

    /// The transfers of one order, oldest first.
    pub async fn order_transfers(
        &self,
        order: &OrderId,
    ) -> StoreResult<Vec<(ledger::Recorded, i64)>> {
        let rows = sqlx::query(
            "SELECT t.id, t.op, t.code, t.debit_account, t.credit_account, t.amount_minor, \
             t.currency, t.pending_id, t.order_id, r.resolved_by, t.at_ms \
             FROM transfers t LEFT JOIN pending_resolutions r ON r.pending_id = t.id \
             WHERE t.order_id = $1 ORDER BY t.at_ms, t.id",
        )
        .bind(order.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let (recorded, _) = codec::transfer_from_row(r)?;
                Ok((recorded, r.try_get("at_ms")?))
            })
            .collect()
    }

    /// Count of orders per status.
    pub async fn order_counts(&self) -> StoreResult<Vec<(String, i64)>> {
        let rows =
            sqlx::query("SELECT status, COUNT(*) AS n FROM orders GROUP BY status ORDER BY status")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("status")?, r.try_get("n")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Count of events per name, e.g. how many orders were auto-confirmed.
    pub async fn event_counts(&self) -> StoreResult<Vec<(String, i64)>> {
        let rows =
            sqlx::query("SELECT name, COUNT(*) AS n FROM events GROUP BY name ORDER BY name")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("name")?, r.try_get("n")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Number of idempotency keys recorded.
    pub async fn idempotency_count(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM idempotency")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }

    /// Stores a new API key (its id, the hash of its secret and its role).
    pub async fn insert_api_key(
        &self,
        id: &str,
        secret_sha256: &str,
        role: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO api_keys (id, secret_sha256, role, created_ms) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(secret_sha256)
        .bind(role)
        .bind(now.unix_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// An unrevoked API key: (secret hash, role).
    pub async fn api_key(&self, id: &str) -> StoreResult<Option<(String, String)>> {
        let row = sqlx::query(
            "SELECT secret_sha256, role FROM api_keys WHERE id = $1 AND revoked_ms IS NULL",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((r.try_get("secret_sha256")?, r.try_get("role")?)))
            .transpose()
            .map_err(|e: sqlx::Error| e.into())
    }

    /// API keys, oldest first, after the cursor `(created_ms, id)` of the last one
    /// seen; revoked ones too. Never their secrets' hashes.
    pub async fn list_api_keys(
        &self,
        after: Option<(i64, String)>,
        limit: i64,
    ) -> StoreResult<Vec<ApiKeyRow>> {
        let (cursor_ms, cursor_id) = after.unwrap_or((i64::MIN, String::new()));
        let rows = sqlx::query(
            "SELECT id, role, created_ms, revoked_ms FROM api_keys \
             WHERE created_ms > $1 OR (created_ms = $1 AND id > $2) \
             ORDER BY created_ms, id LIMIT $3",
        )
        .bind(cursor_ms)
        .bind(cursor_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(api_key_row)
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Revokes API key `id` at `now`: the key and its console sessions stop working.
    /// Returns the key as it now is (revoked earlier keeps its first revocation time),
    /// or None when there is no such key.
    pub async fn revoke_api_key(&self, id: &str, now: Timestamp) -> StoreResult<Option<ApiKeyRow>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE api_keys SET revoked_ms = $1 WHERE id = $2 AND revoked_ms IS NULL")
            .bind(now.unix_ms())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM console_sessions WHERE key_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let row =
            sqlx::query("SELECT id, role, created_ms, revoked_ms FROM api_keys WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        tx.commit().await?;
        row.as_ref()
            .map(api_key_row)
            .transpose()
            .map_err(StoreError::from)
    }

    /// Ledger accounts in id order after the account id `after`, optionally of one
    /// kind and one owner: (id, balances).
    pub async fn list_accounts(
        &self,
        kind: Option<&str>,
        owner: Option<&str>,
        after: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<(AccountId, ledger::Balances)>> {
        let rows = sqlx::query(
            "SELECT id, debits_pending, debits_posted, credits_pending, credits_posted FROM accounts \
             WHERE ($1 = '' OR kind = $1) AND ($2 = '' OR owner = $2) AND id > $3 \
             ORDER BY id LIMIT $4",
        )
        .bind(kind.unwrap_or(""))
        .bind(owner.unwrap_or(""))
        .bind(after.unwrap_or(""))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(codec::account_from_row).collect()
    }

    /// Orders, newest first, after the cursor `(placed_ms, order_id)` of the last one
    /// seen, as `filter` narrows them: (order id, status, placed_ms).
    pub async fn list_orders(
        &self,
        filter: &OrderFilter<'_>,
        after: Option<(i64, String)>,
        limit: i64,
    ) -> StoreResult<Vec<(String, String, i64)>> {
        let (cursor_ms, cursor_id) = after.unwrap_or((i64::MAX, String::new()));
        let rows = sqlx::query(
            "SELECT order_id, status, placed_ms FROM orders \
             WHERE ($1 = '' OR buyer_id = $1) AND ($2 = '' OR seller_id = $2) \
             AND ($3 = '' OR status = $3) \
             AND ($4 = 0 OR EXISTS (SELECT 1 FROM timers t \
                  WHERE t.order_id = orders.order_id AND t.fired_ms IS NULL AND t.due_ms <= $5)) \
             AND (placed_ms < $6 OR (placed_ms = $6 AND order_id < $7)) \
             ORDER BY placed_ms DESC, order_id DESC LIMIT $8",
        )
        .bind(filter.buyer.unwrap_or(""))
        .bind(filter.seller.unwrap_or(""))
        .bind(filter.status.unwrap_or(""))
        .bind(i64::from(filter.due_by.is_some()))
        .bind(filter.due_by.map_or(0, Timestamp::unix_ms))
        .bind(cursor_ms)
        .bind(cursor_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("order_id")?,
                    r.try_get("status")?,
                    r.try_get("placed_ms")?,
                ))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// The event logs of every order of a seller placed at or after `since`, in one
    /// query: (order id, its events oldest first).
    pub async fn seller_order_logs(
        &self,
        seller: &str,
        since: Timestamp,
    ) -> StoreResult<Vec<(OrderId, Vec<Recorded>)>> {
        let rows = sqlx::query(
            "SELECT e.order_id, e.seq, e.at_ms, e.actor, e.body FROM events e \
             JOIN orders o ON o.order_id = e.order_id \
             WHERE o.seller_id = $1 AND o.placed_ms >= $2 ORDER BY e.order_id, e.seq",
        )
        .bind(seller)
        .bind(since.unix_ms())
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<(OrderId, Vec<Recorded>)> = Vec::new();
        for r in &rows {
            let id: String = r.try_get("order_id")?;
            let event = codec::event_from_row(r)?;
            match out.last_mut() {
                Some((last, log)) if last.as_str() == id => log.push(event),
                _ => out.push((OrderId::parse(&id).context("stored order id")?, vec![event])),
            }
        }
        Ok(out)
    }

    /// A seller's record over all its orders placed by `until`: when the first was
    /// placed and how many were paid and not cancelled (items sold: the engine counts
    /// no quantities).
    pub async fn seller_record(
        &self,
        seller: &str,
        until: Timestamp,
    ) -> StoreResult<(Option<Timestamp>, u64)> {
        let row = sqlx::query(
            "SELECT MIN(placed_ms) AS first_ms, \
             CAST(COALESCE(SUM(CASE WHEN status NOT IN ('placed', 'cancelled') THEN 1 ELSE 0 END), 0) AS BIGINT) AS sold \
             FROM orders WHERE seller_id = $1 AND placed_ms <= $2",
        )
        .bind(seller)
        .bind(until.unix_ms())
        .fetch_one(&self.pool)
        .await?;
        let first: Option<i64> = row.try_get("first_ms")?;
        let sold: i64 = row.try_get("sold")?;
        Ok((
            first.map(Timestamp::from_unix_ms),
            u64::try_from(sold).unwrap_or(0),
        ))
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// What an idempotency key recorded: the request it was used with and what it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOutcome {
    pub request: String,
    pub order_id: String,
    pub seq_from: i64,
    pub seq_to: i64,
    pub status: String,
}

/// One database transaction. Dropped without `commit`, it rolls back.
pub struct Tx {
    tx: Transaction<'static, Any>,
    backend: Backend,
}

impl Tx {
    pub async fn commit(self) -> StoreResult<()> {
        self.tx.commit().await?;
        Ok(())
    }

    pub async fn rollback(self) -> StoreResult<()> {
        self.tx.rollback().await?;
        Ok(())
    }

    pub async fn idempotency(&mut self, key: &str) -> StoreResult<Option<StoredOutcome>> {
        let row = sqlx::query(
            "SELECT request, order_id, seq_from, seq_to, status FROM idempotency WHERE key = $1",
        )
        .bind(key)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.map(|r| {
            Ok(StoredOutcome {
                request: r.try_get("request")?,
                order_id: r.try_get("order_id")?,
                seq_from: r.try_get("seq_from")?,
                seq_to: r.try_get("seq_to")?,
                status: r.try_get("status")?,
            })
        })
        .transpose()
        .map_err(|e: sqlx::Error| e.into())
    }

    /// How many other orders were given tracking number `number` (normalised).
    pub async fn tracking_reuse(&mut self, number: &str, order: &OrderId) -> StoreResult<i64> {
        let r = sqlx::query(
            "SELECT COUNT(*) AS n FROM tracking_numbers WHERE number = $1 AND order_id <> $2",
        )
        .bind(domain::normalize_tracking(number))
        .bind(order.as_str())
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(r.try_get("n")?)
    }

    pub async fn load_events(&mut self, order: &OrderId) -> StoreResult<Vec<Recorded>> {
        let rows = sqlx::query(
            "SELECT seq, at_ms, actor, body FROM events WHERE order_id = $1 ORDER BY seq",
        )
        .bind(order.as_str())
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter().map(codec::event_from_row).collect()
    }

    /// Claims the earliest due deadline. On PostgreSQL the row stays locked until this
    /// transaction ends and other processes skip it, so several `serve` processes share
    /// the work without firing anything twice.
    pub async fn claim_due_timer(
        &mut self,
        now: Timestamp,
    ) -> StoreResult<Option<(OrderId, Timer)>> {
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "SELECT order_id, kind, due_ms FROM timers WHERE fired_ms IS NULL AND due_ms <= $1 \
             ORDER BY due_ms, order_id, kind LIMIT 1{lock}"
        );
        let row = sqlx::query(&sql)
            .bind(now.unix_ms())
            .fetch_optional(&mut *self.tx)
            .await?;
        let Some(r) = row else { return Ok(None) };
        let order: String = r.try_get("order_id")?;
        let kind: String = r.try_get("kind")?;
        let due: i64 = r.try_get("due_ms")?;
        let order = OrderId::parse(&order).context("stored timer order id")?;
        let kind =
            TimerKind::parse(&kind).with_context(|| format!("stored timer kind {kind:?}"))?;
        Ok(Some((
            order,
            Timer {
                kind,
                due: Timestamp::from_unix_ms(due),
            },
        )))
    }

    /// Loads, and locks, everything a batch of transfers touches: the accounts (created
    /// when new) and the pending transfers it resolves. The limits are then checked on
    /// locked rows, in this transaction. New transfer ids are not looked up: they
    /// derive from the order, and the primary key refuses a second insert.
    pub async fn load_book(
        &mut self,
        batch: &[Transfer],
        also: &[&AccountId],
    ) -> StoreResult<Book> {
        let mut book = Book::new();
        let mut accounts: Vec<AccountId> = also.iter().map(|a| (*a).clone()).collect();
        for t in batch {
            match &t.op {
                Op::Posted { debit, credit, .. } | Op::Pending { debit, credit, .. } => {
                    accounts.push(debit.clone());
                    accounts.push(credit.clone());
                }
                Op::PostPending { pending, .. } | Op::VoidPending { pending } => {
                    if book.transfer(pending).is_some() {
                        continue;
                    }
                    let row = sqlx::query(
                        "SELECT t.id, t.op, t.code, t.debit_account, t.credit_account, \
                         t.amount_minor, t.currency, t.pending_id, t.order_id, r.resolved_by \
                         FROM transfers t LEFT JOIN pending_resolutions r ON r.pending_id = t.id \
                         WHERE t.id = $1",
                    )
                    .bind(pending.as_str())
                    .fetch_optional(&mut *self.tx)
                    .await?;
                    if let Some(r) = row {
                        let (recorded, resolved_by) = codec::transfer_from_row(&r)?;
                        accounts.push(recorded.debit.clone());
                        accounts.push(recorded.credit.clone());
                        book.load_transfer(recorded, resolved_by);
                    }
                }
            }
        }
        accounts.sort();
        accounts.dedup();
        if accounts.is_empty() {
            return Ok(book);
        }
        // One upsert creates missing accounts and returns all of them; on PostgreSQL
        // `DO UPDATE` also locks each row, in sorted order so that two transactions
        // never wait on each other in a cycle.
        let sql = format!(
            "INSERT INTO accounts (id, kind, owner, currency) VALUES {} \
             ON CONFLICT (id) DO UPDATE SET kind = excluded.kind \
             RETURNING id, debits_pending, debits_posted, credits_pending, credits_posted",
            write::placeholders(1, accounts.len(), 4, None)
        );
        let mut q = sqlx::query(&sql);
        for id in &accounts {
            q = q
                .bind(id.to_string())
                .bind(id.kind().as_str())
                .bind(id.owner().to_string())
                .bind(id.currency().code());
        }
        for row in q.fetch_all(&mut *self.tx).await? {
            let (id, b) = codec::account_from_row(&row)?;
            book.load_account(id, b);
        }
        Ok(book)
    }
}

/// Rows as read back; used by `codec`.
pub(crate) type DbRow = AnyRow;
