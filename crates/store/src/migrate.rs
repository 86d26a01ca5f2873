//! Embedded, append-only migrations: each runs once, in its own transaction, recorded
//! in `schema_migrations`. One SQL dialect serves both backends.

use anyhow::Context;
use sqlx::AnyPool;

use crate::Backend;

/// (version, name, SQL). Never edit an applied entry: add a new one.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../migrations/0001_foundation.sql"),
    ),
    (
        2,
        "api_keys",
        include_str!("../migrations/0002_api_keys.sql"),
    ),
    (
        3,
        "webhooks",
        include_str!("../migrations/0003_webhooks.sql"),
    ),
    (
        4,
        "console_sessions",
        include_str!("../migrations/0004_console_sessions.sql"),
    ),
    (5, "cases", include_str!("../migrations/0005_cases.sql")),
];

pub(crate) async fn run(pool: &AnyPool, backend: Backend) -> anyhow::Result<()> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations \
         (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)",
    )
    .execute(pool)
    .await
    .context("failed to create schema_migrations")?;
    for (version, name, sql) in MIGRATIONS {
        let mut tx = pool.begin().await?;
        if backend == Backend::Postgres {
            // Several processes may start at once: one migrates, the others wait.
            sqlx::query("SELECT pg_advisory_xact_lock(7201)")
                .execute(&mut *tx)
                .await?;
        }
        let done = sqlx::query("SELECT version FROM schema_migrations WHERE version = $1")
            .bind(*version)
            .fetch_optional(&mut *tx)
            .await?;
        if done.is_some() {
            continue;
        }
        sqlx::raw_sql(sql)
            .execute(&mut *tx)
            .await
            .with_context(|| format!("migration {version} {name} failed"))?;
        let now = chrono_free_now_ms();
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_ms) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(*version)
        .bind(*name)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Migration bookkeeping is the one place the store reads the clock: it records when
/// the schema changed, which no rule depends on.
fn chrono_free_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
