//! Embedded, append-only migrations: each runs once, in its own transaction, recorded
//! in `schema_migrations` with the SHA-256 of its text, and a database whose applied
//! migration differs from the binary's is refused. One SQL dialect serves both backends.

use anyhow::Context;
use sha2::{Digest, Sha256};
use sqlx::{Any, AnyPool, Row, Transaction};

use crate::Backend;

/// One embedded migration.
pub(crate) struct Migration {
    pub(crate) version: i64,
    pub(crate) name: &'static str,
    pub(crate) sql: &'static str,
}

/// Never edit an applied entry: add a new one (0006 is the repair of an edit to 0005).
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sql: include_str!("../migrations/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "api_keys",
        sql: include_str!("../migrations/0002_api_keys.sql"),
    },
    Migration {
        version: 3,
        name: "webhooks",
        sql: include_str!("../migrations/0003_webhooks.sql"),
    },
    Migration {
        version: 4,
        name: "console_sessions",
        sql: include_str!("../migrations/0004_console_sessions.sql"),
    },
    Migration {
        version: 5,
        name: "cases",
        sql: include_str!("../migrations/0005_cases.sql"),
    },
    Migration {
        version: 6,
        name: "tracking_numbers",
        sql: include_str!("../migrations/0006_tracking_numbers.sql"),
    },
];

/// Lowercase hex SHA-256 of a migration's text, as recorded in `schema_migrations`.
pub(crate) fn checksum(sql: &str) -> String {
    Sha256::digest(sql.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(crate) async fn run(pool: &AnyPool, backend: Backend) -> anyhow::Result<()> {
    prepare(pool, backend).await?;
    for migration in MIGRATIONS {
        let mut tx = pool.begin().await?;
        lock(&mut tx, backend).await?;
        let recorded = sqlx::query("SELECT checksum FROM schema_migrations WHERE version = $1")
            .bind(migration.version)
            .fetch_optional(&mut *tx)
            .await
            .context("failed to read schema_migrations")?;
        match recorded {
            Some(row) => {
                let recorded: Option<String> = row.try_get("checksum")?;
                verify(&mut tx, migration, recorded).await?;
            }
            None => apply(&mut tx, migration).await?,
        }
        tx.commit().await?;
    }
    Ok(())
}

/// Checks, without writing, that every embedded migration was applied with the text
/// this binary has: a read-only command must not migrate, and must not read a schema
/// it does not know.
pub(crate) async fn check_current(pool: &AnyPool) -> anyhow::Result<()> {
    let rows = sqlx::query("SELECT version FROM schema_migrations")
        .fetch_all(pool)
        .await
        .context("is not a marketguard database (no schema_migrations table)")?;
    let mut applied = std::collections::BTreeMap::new();
    for row in rows {
        applied.insert(row.try_get::<i64, _>("version")?, None);
    }
    // A table made before checksums were recorded has no such column: the next
    // command that writes adds it.
    if let Ok(rows) = sqlx::query("SELECT version, checksum FROM schema_migrations")
        .fetch_all(pool)
        .await
    {
        for row in rows {
            let checksum: Option<String> = row.try_get("checksum")?;
            applied.insert(row.try_get("version")?, checksum);
        }
    }
    for m in MIGRATIONS {
        match applied.get(&m.version) {
            None => anyhow::bail!(
                "lacks migration {:04}_{}: run a command that writes (such as `marketguard serve`) to migrate it",
                m.version,
                m.name
            ),
            Some(Some(recorded)) if *recorded != checksum(m.sql) => anyhow::bail!(
                "migration {:04}_{} was applied with checksum {recorded}, but this binary's has checksum {}",
                m.version,
                m.name,
                checksum(m.sql)
            ),
            // No checksum: a database migrated before checksums were recorded; the
            // next command that writes records it.
            Some(_) => {}
        }
    }
    Ok(())
}

/// Creates the bookkeeping table, and gives a table made before checksums were
/// recorded its `checksum` column (SQLite has no `ADD COLUMN IF NOT EXISTS`).
async fn prepare(pool: &AnyPool, backend: Backend) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    lock(&mut tx, backend).await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations \
         (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL, \
         checksum TEXT)",
    )
    .execute(&mut *tx)
    .await
    .context("failed to create schema_migrations")?;
    let has_checksum = match backend {
        Backend::Postgres => false,
        Backend::Sqlite => {
            let row = sqlx::query(
                "SELECT COUNT(*) AS n FROM pragma_table_info('schema_migrations') \
                 WHERE name = 'checksum'",
            )
            .fetch_one(&mut *tx)
            .await
            .context("failed to read the columns of schema_migrations")?;
            row.try_get::<i64, _>("n")? > 0
        }
    };
    if !has_checksum {
        let sql = match backend {
            Backend::Postgres => {
                "ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum TEXT"
            }
            Backend::Sqlite => "ALTER TABLE schema_migrations ADD COLUMN checksum TEXT",
        };
        sqlx::query(sql)
            .execute(&mut *tx)
            .await
            .context("failed to add the checksum column to schema_migrations")?;
    }
    tx.commit().await?;
    Ok(())
}

/// Several processes may start at once on PostgreSQL: one migrates, the others wait.
/// SQLite's pool has one connection, so its transactions are already serial.
async fn lock(tx: &mut Transaction<'_, Any>, backend: Backend) -> anyhow::Result<()> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(7201)")
            .execute(&mut **tx)
            .await
            .context("failed to take the migration lock")?;
    }
    Ok(())
}

/// Checks an applied migration's recorded checksum against the binary's text.
async fn verify(
    tx: &mut Transaction<'_, Any>,
    migration: &Migration,
    recorded: Option<String>,
) -> anyhow::Result<()> {
    let embedded = checksum(migration.sql);
    match recorded {
        Some(recorded) if recorded == embedded => Ok(()),
        Some(recorded) => anyhow::bail!(
            "migration {:04}_{} applied to this database has checksum {recorded}, \
             but this binary's has checksum {embedded}: an applied migration was edited; \
             put its applied text back and make the change in a new migration",
            migration.version,
            migration.name
        ),
        None => {
            // Trust on first use: databases migrated before checksums were recorded
            // have none, and the text they applied is no longer knowable, so the
            // binary's text is recorded as the applied one on their first start. From
            // then on an edit is caught. (The few databases that applied 0005 before
            // its edit get the edited text's checksum; 0006 gives them its table.)
            sqlx::query("UPDATE schema_migrations SET checksum = $1 WHERE version = $2")
                .bind(embedded)
                .bind(migration.version)
                .execute(&mut **tx)
                .await
                .with_context(|| {
                    format!(
                        "failed to record the checksum of migration {}",
                        migration.version
                    )
                })?;
            Ok(())
        }
    }
}

async fn apply(tx: &mut Transaction<'_, Any>, migration: &Migration) -> anyhow::Result<()> {
    let Migration { version, name, sql } = migration;
    sqlx::raw_sql(sql)
        .execute(&mut **tx)
        .await
        .with_context(|| format!("migration {version} {name} failed"))?;
    sqlx::query(
        "INSERT INTO schema_migrations (version, name, applied_ms, checksum) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(*version)
    .bind(*name)
    .bind(chrono_free_now_ms())
    .bind(checksum(sql))
    .execute(&mut **tx)
    .await
    .with_context(|| format!("failed to record migration {version} {name}"))?;
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
