//! Migrations on SQLite and PostgreSQL: a database migrated before `0005_cases` was
//! edited reaches today's schema, checksums are recorded (and filled in on databases
//! migrated before they were), and an edited applied migration is refused.

use sqlx::{AnyPool, Row};
use store::testing;
use store::Store;

/// The migrations as they shipped: 0001-0004 never changed; 0005 is its text of
/// 97e4da2, before `tracking_numbers` was added to it in place.
const SHIPPED: [(i64, &str, &str); 5] = [
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
    (5, "cases", include_str!("0005_cases_as_shipped.sql")),
];

async fn pool(url: &str) -> AnyPool {
    sqlx::any::install_default_drivers();
    // SQLite creates the file only when asked to (the store adds the same).
    let url = if url.starts_with("sqlite:") {
        format!("{url}?mode=rwc")
    } else {
        url.to_string()
    };
    AnyPool::connect(&url).await.unwrap()
}

/// Migrates a database the way the runner of 0001-0005 did: its bookkeeping table had
/// no checksum column.
async fn migrate_as_shipped(url: &str) {
    let pool = pool(url).await;
    sqlx::query(
        "CREATE TABLE schema_migrations \
         (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)",
    )
    .execute(&pool)
    .await
    .unwrap();
    for (version, name, sql) in SHIPPED {
        sqlx::raw_sql(sql).execute(&pool).await.unwrap();
        sqlx::query("INSERT INTO schema_migrations (version, name, applied_ms) VALUES ($1, $2, 0)")
            .bind(version)
            .bind(name)
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
}

/// Every table's columns and every index, one sorted line each, on either backend.
async fn schema(url: &str) -> Vec<String> {
    let pool = pool(url).await;
    let queries: [&str; 2] = if url.starts_with("sqlite:") {
        [
            "SELECT m.name || '.' || p.name || ' ' || p.type || ' notnull=' || p.\"notnull\" \
             || ' pk=' || p.pk AS d FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table'",
            "SELECT 'index ' || name || ' on ' || tbl_name || ' ' || COALESCE(sql, '') AS d \
             FROM sqlite_master WHERE type = 'index'",
        ]
    } else {
        [
            "SELECT table_name || '.' || column_name || ' ' || data_type || ' nullable=' \
             || is_nullable AS d FROM information_schema.columns \
             WHERE table_schema = current_schema()",
            "SELECT 'index ' || indexname || ' ' || indexdef AS d FROM pg_indexes \
             WHERE schemaname = current_schema()",
        ]
    };
    let mut out = Vec::new();
    for q in queries {
        for row in sqlx::query(q).fetch_all(&pool).await.unwrap() {
            out.push(row.get::<String, _>("d"));
        }
    }
    pool.close().await;
    out.sort();
    out
}

async fn checksums(url: &str) -> Vec<(i64, Option<String>)> {
    let pool = pool(url).await;
    let rows = sqlx::query("SELECT version, checksum FROM schema_migrations ORDER BY version")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    rows.iter()
        .map(|r| (r.get("version"), r.get("checksum")))
        .collect()
}

async fn execute(url: &str, sql: &str) {
    let pool = pool(url).await;
    sqlx::query(sql).execute(&pool).await.unwrap();
    pool.close().await;
}

#[tokio::test]
async fn database_migrated_before_0005_was_edited_reaches_todays_schema() {
    let old = testing::databases().await.unwrap();
    let fresh = testing::databases().await.unwrap();
    for ((old_url, _g1), (fresh_url, _g2)) in old.iter().zip(&fresh) {
        migrate_as_shipped(old_url).await;
        let before = schema(old_url).await;
        assert!(
            !before.iter().any(|l| l.starts_with("tracking_numbers.")),
            "the shipped 0005 has no tracking_numbers: {before:?}"
        );

        Store::connect(old_url).await.unwrap().close().await;
        Store::connect(fresh_url).await.unwrap().close().await;
        let repaired = schema(old_url).await;
        assert!(repaired
            .iter()
            .any(|l| l.starts_with("tracking_numbers.number ")));
        assert_eq!(repaired, schema(fresh_url).await, "{old_url}");

        // Checksums: filled in for 0001-0005 on first start (trust on first use),
        // recorded for 0006 when it ran, the same as a fresh database's.
        let recorded = checksums(old_url).await;
        assert_eq!(recorded.len(), 6);
        assert!(recorded
            .iter()
            .all(|(_, c)| c.as_ref().is_some_and(|c| c.len() == 64)));
        assert_eq!(recorded, checksums(fresh_url).await);

        // A second start changes nothing.
        Store::connect(old_url).await.unwrap().close().await;
        assert_eq!(schema(old_url).await, repaired);
        assert_eq!(checksums(old_url).await, recorded);
    }
}

#[tokio::test]
async fn database_migrated_by_the_edited_0005_without_checksums_starts() {
    for (url, _g) in testing::databases().await.unwrap() {
        Store::connect(&url).await.unwrap().close().await;
        let recorded = checksums(&url).await;
        let fresh_schema = schema(&url).await;
        // As today's code left it: 0005 with tracking_numbers, 0006 not yet run
        // (its table stays: 0006 must be a no-op here), no checksums.
        execute(&url, "DELETE FROM schema_migrations WHERE version = 6").await;
        execute(&url, "UPDATE schema_migrations SET checksum = NULL").await;
        execute(
            &url,
            "INSERT INTO tracking_numbers (number, order_id, at_ms) VALUES ('LP1', 'o1', 1)",
        )
        .await;

        Store::connect(&url).await.unwrap().close().await;
        assert_eq!(checksums(&url).await, recorded);
        assert_eq!(schema(&url).await, fresh_schema);
        let pool = pool(&url).await;
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM tracking_numbers")
            .fetch_one(&pool)
            .await
            .unwrap()
            .get("n");
        pool.close().await;
        assert_eq!(n, 1, "0006 kept the rows of an existing table");
    }
}

#[tokio::test]
async fn edited_applied_migration_is_refused_naming_it_and_both_checksums() {
    for (url, _g) in testing::databases().await.unwrap() {
        Store::connect(&url).await.unwrap().close().await;
        let binarys = checksums(&url).await[4].1.clone().unwrap();
        let tampered = "0".repeat(64);
        execute(
            &url,
            &format!("UPDATE schema_migrations SET checksum = '{tampered}' WHERE version = 5"),
        )
        .await;

        let err = Store::connect(&url).await.unwrap_err();
        let message = format!("{err:#}");
        assert!(message.contains("migration 0005_cases"), "{message}");
        assert!(message.contains(&tampered), "{message}");
        assert!(message.contains(&binarys), "{message}");
        // Refused before anything else ran: the recorded checksum is left as found.
        assert_eq!(
            checksums(&url).await[4].1.as_deref(),
            Some(tampered.as_str())
        );
    }
}

/// `url` with its last path segment (the SQLite file or the PostgreSQL database)
/// replaced by one that does not exist.
fn missing(url: &str) -> String {
    let (base, _) = url.rsplit_once('/').unwrap();
    format!("{base}/mg_does_not_exist_{}", std::process::id())
}

#[tokio::test]
async fn read_only_open_of_a_missing_database_fails_and_creates_nothing() {
    // Regression: `ledger verify --database-url sqlite://does-not-exist.db` created
    // the file and reported every invariant holding.
    for (url, _guard) in testing::databases().await.unwrap() {
        let gone = missing(&url);
        let err = Store::open_read_only(&gone).await.unwrap_err();
        assert!(
            format!("{err:#}").contains("does not exist"),
            "{gone}: {err:#}"
        );
        if let Some(path) = gone.strip_prefix("sqlite://") {
            assert!(!std::path::Path::new(path).exists(), "{path} was created");
        } else {
            // The password, if any, never appears in the error.
            assert!(!format!("{err:#}").contains("postgres@"), "{err:#}");
        }
    }
}

#[tokio::test]
async fn read_only_open_reads_a_migrated_database_and_refuses_writes() {
    for (url, _guard) in testing::databases().await.unwrap() {
        Store::connect(&url).await.unwrap().close().await;
        let store = Store::open_read_only(&url).await.unwrap();
        let book = store.load_ledger().await.unwrap();
        assert_eq!(book.accounts().count(), 0);
        let write = sqlx::query("DELETE FROM accounts")
            .execute(store.pool())
            .await;
        assert!(write.is_err(), "{url}: a read-only store wrote");
        store.close().await;
    }
}

#[tokio::test]
async fn read_only_open_refuses_an_unmigrated_database_without_migrating_it() {
    for (url, _guard) in testing::databases().await.unwrap() {
        // An existing database (the SQLite file is created) with no schema.
        pool(&url).await.close().await;
        let err = Store::open_read_only(&url).await.unwrap_err();
        assert!(
            format!("{err:#}").contains("not a marketguard database"),
            "{url}: {err:#}"
        );
        assert!(schema(&url).await.is_empty(), "{url} was migrated");
        // Behind by a migration: named, and nothing applied.
        migrate_as_shipped(&url).await;
        let err = Store::open_read_only(&url).await.unwrap_err();
        assert!(
            format!("{err:#}").contains("lacks migration 0006_tracking_numbers"),
            "{url}: {err:#}"
        );
        let pool = pool(&url).await;
        let applied: i64 = sqlx::query("SELECT COUNT(*) AS n FROM schema_migrations")
            .fetch_one(&pool)
            .await
            .unwrap()
            .get("n");
        pool.close().await;
        assert_eq!(applied, 5, "{url} was migrated");
    }
}

#[tokio::test]
async fn escrow_held_of_a_ledger_beyond_i64_is_none_not_an_error() {
    // Regression: after an order of 92233720368547758.07 USD the console dashboard
    // answered 500 (the SUM of escrow overflowed).
    for (url, _guard) in testing::databases().await.unwrap() {
        let store = Store::connect(&url).await.unwrap();
        for (id, owner, currency, credits) in [
            ("order_escrow:o-1:USD", "o-1", "USD", i64::MAX),
            ("order_escrow:o-2:USD", "o-2", "USD", 1_000),
            ("order_escrow:o-3:EUR", "o-3", "EUR", 1_050),
            ("order_escrow:o-4:EUR", "o-4", "EUR", 2_999_999),
        ] {
            sqlx::query(
                "INSERT INTO accounts (id, kind, owner, currency, credits_posted) \
                 VALUES ($1, 'order_escrow', $2, $3, $4)",
            )
            .bind(id)
            .bind(owner)
            .bind(currency)
            .bind(credits)
            .execute(store.pool())
            .await
            .unwrap();
        }
        assert_eq!(
            store.escrow_held().await.unwrap(),
            vec![
                ("EUR".to_string(), Some(3_001_049)),
                ("USD".to_string(), None)
            ],
            "{url}"
        );
        store.close().await;
    }
}
