//! Fresh, migrated databases for tests: a temporary SQLite file, and a new PostgreSQL
//! database per test when `MARKETGUARD_TEST_DATABASE_URL` names a server.

use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;

use crate::Store;

/// Environment variable naming the PostgreSQL server tests may create databases on.
pub const TEST_DATABASE_URL_VAR: &str = "MARKETGUARD_TEST_DATABASE_URL";

static COUNTER: AtomicU64 = AtomicU64::new(0);
static SKIP_NOTICE: std::sync::Once = std::sync::Once::new();

fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{n}",
        std::process::id(),
        nanos % 1_000_000_000
    )
}

/// A database URL of each backend to run a test on: always SQLite; PostgreSQL when
/// configured, else a loud note on stderr that those tests were skipped and why.
pub async fn databases() -> anyhow::Result<Vec<(String, tempfile_guard::Guard)>> {
    sqlx::any::install_default_drivers();
    let mut out = Vec::new();
    let dir = std::env::temp_dir().join(unique("marketguard_test"));
    std::fs::create_dir_all(&dir).context("failed to create a temporary directory")?;
    let url = format!("sqlite://{}/test.db", dir.display());
    out.push((url, tempfile_guard::Guard::Dir(dir)));
    match std::env::var(TEST_DATABASE_URL_VAR) {
        Ok(admin) if !admin.is_empty() => {
            let name = unique("mg_test");
            let admin_store = sqlx::AnyPool::connect(&admin)
                .await
                .with_context(|| format!("failed to connect to {TEST_DATABASE_URL_VAR}"))?;
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&admin_store)
                .await
                .context("failed to create a test database")?;
            admin_store.close().await;
            let base = admin
                .rsplit_once('/')
                .map(|(b, _)| b.to_string())
                .context("test database url has no database name")?;
            out.push((format!("{base}/{name}"), tempfile_guard::Guard::None));
        }
        _ => SKIP_NOTICE.call_once(|| {
            // Written to the real stderr, past the test harness's capture, once per
            // test binary: a skipped backend must not go unnoticed.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED: PostgreSQL variants of the store tests: {TEST_DATABASE_URL_VAR} is unset. \
                 Set it (for example postgres://postgres@127.0.0.1:5432/postgres) to run them; .ci/run does. ***\n"
            );
        }),
    }
    Ok(out)
}

/// Connects a store to a fresh database of each configured backend.
pub async fn stores() -> anyhow::Result<Vec<(Store, tempfile_guard::Guard)>> {
    sqlx::any::install_default_drivers();
    let mut out = Vec::new();
    for (url, guard) in databases().await? {
        out.push((Store::connect(&url).await?, guard));
    }
    Ok(out)
}

pub mod tempfile_guard {
    //! Removes a test's temporary directory when the test ends.
    pub enum Guard {
        Dir(std::path::PathBuf),
        None,
    }

    impl Drop for Guard {
        fn drop(&mut self) {
            if let Guard::Dir(d) = self {
                let _ = std::fs::remove_dir_all(d);
            }
        }
    }
}
