//! Exit codes and closed pipes at the process boundary: every command ends quietly when
//! its reader goes away (`marketguard ... | head`), with no panic and no "Broken pipe"
//! on standard error; an internal error (a database that cannot be read) exits 3, apart
//! from bad input (2) and a failed check (1); `--help` says so.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_marketguard");

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mg-exit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs marketguard with its standard output closed before it writes a byte (the read
/// end is dropped at once, as `head` does once it has its lines), feeding `stdin` from
/// a thread. Returns the exit code (None when killed by a signal) and standard error.
fn run_with_closed_stdout(args: &[&str], stdin: String) -> (Option<i32>, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("MARKETGUARD_CONFIG")
        .env_remove("MARKETGUARD_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("marketguard runs");
    drop(child.stdout.take());
    let mut input = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        // The command may stop reading once it cannot write: a closed pipe here is its
        // right.
        if let Err(e) = input.write_all(stdin.as_bytes()) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .env_remove("MARKETGUARD_CONFIG")
        .env_remove("MARKETGUARD_DATABASE_URL")
        .stdin(Stdio::null())
        .output()
        .expect("marketguard runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_quiet(what: &str, (code, err): (Option<i32>, String)) {
    assert_eq!(code, Some(0), "{what}: exit {code:?}, stderr: {err}");
    assert!(
        !err.contains("panicked") && !err.to_lowercase().contains("broken pipe"),
        "{what}: {err}"
    );
    assert!(err.is_empty(), "{what}: nothing on stderr, got {err:?}");
}

#[test]
fn webhooks_add_on_a_closed_pipe_saves_the_endpoint_and_ends_quietly() {
    let dir = temp_dir("webhooks");
    let url = format!("sqlite://{}", dir.join("mg.db").display());
    for format in ["text", "json"] {
        let got = run_with_closed_stdout(
            &[
                "webhooks",
                "add",
                "https://example.com/hook",
                "--database-url",
                &url,
                "--format",
                format,
            ],
            String::new(),
        );
        assert_quiet(&format!("webhooks add --format {format}"), got);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let saved: i64 = rt.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        let row: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM webhook_endpoints")
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        row.0
    });
    assert_eq!(
        saved, 2,
        "both endpoints were saved before the output failed"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn timers_run_on_a_closed_pipe_ends_quietly() {
    let dir = temp_dir("timers");
    let url = format!("sqlite://{}", dir.join("mg.db").display());
    for format in ["text", "json"] {
        let got = run_with_closed_stdout(
            &["timers", "run", "--database-url", &url, "--format", format],
            String::new(),
        );
        assert_quiet(&format!("timers run --format {format}"), got);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn scan_messages_of_a_large_input_on_a_closed_pipe_ends_quietly() {
    let line = r#"{"id": "m", "text": "pay me by western union and write me on whatsapp +34 612 345 678"}"#;
    let input = format!("{line}\n").repeat(20_000);
    for format in ["text", "json"] {
        let got = run_with_closed_stdout(
            &["scan", "messages", "-", "--format", format],
            input.clone(),
        );
        assert_quiet(&format!("scan messages --format {format}"), got);
    }
}

#[test]
fn watch_and_assess_on_a_closed_pipe_end_quietly() {
    let orders = "order_id,paid_at\nA,2026-01-01\n".to_string();
    let got = run_with_closed_stdout(&["watch", "-", "--today", "2026-01-05"], orders);
    assert_quiet("watch", got);
    let got = run_with_closed_stdout(
        &["assess", "tracking", "LX402177355CN", "RB123456785GB"],
        String::new(),
    );
    assert_quiet("assess tracking", got);
}

#[test]
fn a_database_that_fails_is_an_internal_error_exit_3() {
    let dir = temp_dir("internal");
    let url = format!("sqlite://{}", dir.join("mg.db").display());
    // A migrated database whose tables then went missing: the queries fail inside the
    // database, which no input of the command's caused.
    let (code, _, err) = run(&["timers", "run", "--database-url", &url]);
    assert_eq!(code, 0, "{err}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        for table in ["accounts", "timers"] {
            sqlx::query(&format!("DROP TABLE {table}"))
                .execute(&pool)
                .await
                .unwrap();
        }
        pool.close().await;
    });
    for args in [
        vec!["ledger", "verify", "--database-url", &url],
        vec!["timers", "run", "--database-url", &url],
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 3, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{err}");
    }
    // Bad input stays 2: a database that does not exist for a command that only reads,
    // a time that is not one.
    let missing = format!("sqlite://{}", dir.join("missing.db").display());
    let (code, _, err) = run(&["ledger", "verify", "--database-url", &missing]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(&["timers", "run", "--until", "soon", "--database-url", &url]);
    assert_eq!(code, 2, "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn help_gives_the_exit_codes_of_every_command() {
    let (code, help, _) = run(&["--help"]);
    assert_eq!(code, 0);
    for line in [
        "0  done",
        "1  a check failed or a command was refused",
        "2  bad input",
        "3  internal error",
    ] {
        assert!(help.contains(line), "--help lacks {line:?}:\n{help}");
    }
    let architecture = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ARCHITECTURE.md"),
    )
    .unwrap();
    assert!(
        architecture.contains("**3** an internal error"),
        "ARCHITECTURE.md"
    );
}
