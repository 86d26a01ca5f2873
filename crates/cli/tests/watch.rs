//! `marketguard watch` at the process boundary: snapshots of the text report and the
//! iCalendar file of the examples (they prove the report is unchanged), the
//! configuration file reaching the rules, warnings on standard error and
//! exit codes. The deadline rules themselves are tested by calling the `watch` crate
//! (`crates/watch/tests`).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const HEADER: &str = "order_id,store,paid_at,shipped_at,promised_delivery,tracking,tracking_updated_at,status,delivered_at,dispute_opened_at,dispute_status,dispute_reason,kind";

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mg-watch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_marketguard"))
        .args(args)
        .env_remove("MARKETGUARD_CONFIG")
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("marketguard runs");
    // A command that fails before reading its input closes the pipe: not our concern.
    let written = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    if let Err(e) = written {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

// Paid 2026-01-01, shipped 2026-01-03, promised 2026-02-10; the carrier moved 2026-02-05.
const IN_TRANSIT: &str =
    "A,Shop,2026-01-01,2026-01-03,2026-02-10,LX402177355CN,2026-02-05,shipped,,,,,";
const NOT_SHIPPED: &str = "A,Shop,2026-01-01,,,,,paid,,,,,";

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Compares with a snapshot file; UPDATE_SNAPSHOTS=1 writes it instead (check by eye).
fn snapshot(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_SNAPSHOTS=1)", path.display()));
    assert!(
        expected == actual,
        "{name} differs from the snapshot:\n{actual}"
    );
}

fn example_args(extra: &[&str]) -> Vec<String> {
    let root = repo_root();
    let mut args: Vec<String> = vec![
        "watch".into(),
        root.join("examples/watch/orders.csv")
            .to_str()
            .unwrap()
            .into(),
        "--messages".into(),
        root.join("examples/watch/messages.csv")
            .to_str()
            .unwrap()
            .into(),
        "--today".into(),
        "2026-03-10".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

#[test]
fn text_report_of_the_examples_matches_the_snapshot_without_colour() {
    let args = example_args(&[]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = run(&args, "");
    assert_eq!(code, 2, "the examples have two bad rows: {err}");
    assert!(
        !out.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
    // Urgent first: every "now" line comes before every "soon" and "later" line.
    let urgencies: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| ["overdue", "now", "soon", "later"].contains(w))
        .collect();
    let rank = |u: &str| {
        ["overdue", "now", "soon", "later"]
            .iter()
            .position(|x| *x == u)
            .unwrap()
    };
    assert!(
        urgencies.windows(2).all(|w| rank(w[0]) <= rank(w[1])),
        "{urgencies:?}"
    );
    snapshot("watch_examples.txt", &out);
    // The bad rows of the example are reported with line and column, and counted.
    assert!(err.contains("orders.csv line 12, column paid_at"), "{err}");
    assert!(err.contains("orders.csv line 13, column amount"), "{err}");
    assert!(err.contains("unknown column \"notes\" ignored"), "{err}");
    assert!(out.contains("2 rows skipped"), "{out}");
}

#[test]
fn amazon_text_report_of_the_examples_matches_the_snapshot() {
    let args = example_args(&["--marketplace", "amazon"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = run(&args, "");
    assert_eq!(code, 2, "{err}");
    assert!(out.contains("on amazon"), "{out}");
    snapshot("watch_examples_amazon.txt", &out);
}

#[test]
fn ics_of_the_examples_matches_the_snapshot() {
    let args = example_args(&["--ics", "-"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = run(&args, "");
    assert_eq!(code, 2, "{err}");
    assert!(out.starts_with("BEGIN:VCALENDAR\r\n") && out.ends_with("END:VCALENDAR\r\n"));
    assert_eq!(
        out.matches("BEGIN:VEVENT").count(),
        out.matches("BEGIN:VALARM").count()
    );
    assert!(
        out.split("\r\n")
            .all(|l| l.len() <= 75 && !l.contains('\n')),
        "lines end in CRLF and are folded at 75 octets"
    );
    snapshot("watch_examples.ics", &out);
}

#[test]
fn configuration_overrides_the_numbers() {
    let config = temp_file(
        "watch.toml",
        "[watch.aliexpress]\nurgent_days = 5\n\n[watch.ebay]\nclaim_window_days = 10\n",
    );
    let orders = format!("{HEADER}\n{}\n", IN_TRANSIT);
    let run_with = |marketplace: &str, today: &str| {
        let (code, out, err) = run(
            &[
                "watch",
                "-",
                "--config",
                config.to_str().unwrap(),
                "--marketplace",
                marketplace,
                "--today",
                today,
                "--format",
                "json",
            ],
            &orders,
        );
        assert_eq!(code, 0, "{err}");
        let r: serde_json::Value = serde_json::from_str(&out).unwrap();
        (
            r["orders"][0]["action"]["code"]
                .as_str()
                .unwrap()
                .to_string(),
            r["orders"][0]["deadline"]["days_left"].as_i64().unwrap(),
            r["orders"][0]["urgency"].as_str().unwrap().to_string(),
        )
    };
    // 4 days left asks for an extension soon by default; with urgent_days = 5, now.
    assert_eq!(
        run_with("aliexpress", "2026-02-06"),
        ("ask_extension".into(), 4, "now".into())
    );
    assert_eq!(
        run_with("ebay", "2026-02-10"),
        ("file_claim_now".into(), 10, "soon".into())
    );
    // AliExpress's protection numbers are the engine's: refused under [watch.aliexpress].
    let theirs = temp_file(
        "theirs.toml",
        "[watch.aliexpress]\npost_delivery_days = 30\n",
    );
    let (code, _, err) = run(
        &["watch", "-", "--config", theirs.to_str().unwrap()],
        &orders,
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("policy number post_completion_window_days"),
        "{err}"
    );
    // The AliExpress numbers come from [policy].
    let policy = temp_file("policy.toml", "[policy]\nhandling_days_default = 10\n");
    let (_, out, _) = run(
        &[
            "watch",
            "-",
            "--config",
            policy.to_str().unwrap(),
            "--today",
            "2026-01-09",
            "--format",
            "json",
        ],
        &format!("{HEADER}\n{}\n", NOT_SHIPPED),
    );
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["orders"][0]["action"]["code"], "wait_for_shipment");
    assert_eq!(r["rules"]["handling_days"], 10);
    let bad = temp_file("bad.toml", "[watch.ebay]\nclaim_days = 10\n");
    let (code, _, err) = run(&["watch", "-", "--config", bad.to_str().unwrap()], &orders);
    assert_eq!(code, 2);
    assert!(err.contains("claim_days"), "{err}");
}

#[test]
fn warnings_go_to_stderr_with_file_line_and_column_and_bad_headers_exit_2() {
    let messages = temp_file(
        "stray-messages.csv",
        "order_id,sent_at,sender,text\nZ,2026-01-02,seller,hello\n",
    );
    let orders =
        format!("{HEADER}\n{NOT_SHIPPED}\n{NOT_SHIPPED}\nB,Shop,2026-01-32,,,,,paid,,,,,\n");
    let (code, out, err) = run(
        &[
            "watch",
            "-",
            "--messages",
            messages.to_str().unwrap(),
            "--today",
            "2026-01-05",
            "--format",
            "json",
        ],
        &orders,
    );
    assert_eq!(code, 2, "a skipped row is bad input: {err}");
    assert!(
        err.contains("warning: stdin line 3, column order_id: order A also appears on line 2\n"),
        "{err}"
    );
    assert!(
        err.contains(
            "line 2, column order_id: order Z is not in the orders file; message ignored\n"
        ),
        "{err}"
    );
    assert!(
        err.contains("warning: stdin line 4, column paid_at: \"2026-01-32\" is not a date (YYYY-MM-DD or RFC 3339); row skipped\n"),
        "{err}"
    );
    assert!(err.ends_with("warning: 1 row skipped\n"), "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["warnings"].as_array().unwrap().len(), 3);
    assert_eq!(r["skipped_rows"], 1);
    assert_eq!(r["orders"].as_array().unwrap().len(), 2);

    let (code, _, err) = run(&["watch", "-"], "order_id,store\n1,a\n");
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: stdin: the header has no \"paid_at\" column (required)\n"
    );
}

#[test]
fn help_names_every_number_that_configuration_can_set() {
    let (_, out, _) = run(
        &["watch", "-", "--today", "2026-01-05", "--format", "json"],
        "order_id,paid_at\n",
    );
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let (code, help, _) = run(&["watch", "--help"], "");
    assert_eq!(code, 0);
    let numbers = report["rules"].as_object().unwrap();
    assert!(numbers.len() > 10);
    for name in numbers.keys() {
        assert!(help.contains(name.as_str()), "--help does not name {name}");
    }
    assert!(help.contains("[watch.ebay]") && help.contains("NO_COLOR"));
}

#[test]
fn rows_that_cannot_be_true_are_named_and_exit_2() {
    let orders = format!(
        "{HEADER}\n{NOT_SHIPPED}\nB,Shop,2026-01-10,2026-01-05,,,,shipped,,,,,\nC,Shop,2026-02-01,,,,,paid,,,,,\n"
    );
    let (code, out, err) = run(&["watch", "-", "--today", "2026-01-20"], &orders);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("warning: stdin line 3, column shipped_at: shipped_at 2026-01-05 is before paid_at 2026-01-10; row skipped\n"),
        "{err}"
    );
    assert!(
        err.contains("warning: stdin line 4, column paid_at: paid_at 2026-02-01 is after today (2026-01-20); row skipped\n"),
        "{err}"
    );
    assert!(
        out.contains("1 open order on aliexpress") && out.contains("2 rows skipped"),
        "{out}"
    );
}

#[test]
fn help_gives_every_deadline_kind_and_action_code_and_the_amazon_rule_in_force() {
    let (code, help, _) = run(&["watch", "--help"], "");
    assert_eq!(code, 0);
    let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
    for k in watch::DeadlineKind::ALL {
        let line = format!("{} {}", k.as_str(), k.meaning());
        assert!(flat.contains(&line), "--help lacks {line:?}");
    }
    for c in watch::Code::ALL {
        let line = format!("{} {}", c.as_str(), c.meaning());
        assert!(flat.contains(&line), "--help lacks {line:?}");
    }
    assert!(flat.contains("overdue (the deadline has passed)"));
    // The Amazon rule as the code has it: from the latest estimated delivery date.
    let amazon = watch::Rules::defaults(watch::Marketplace::Amazon, &protection::Policy::default());
    let rule = format!(
        "claim within {} days of the latest estimated delivery date",
        amazon.claim_window_days
    );
    assert!(flat.contains(&rule), "--help lacks {rule:?}");
    // Delivered or not, the window counts from the estimated date (2026-02-10), not
    // from delivery (2026-02-05).
    let delivered =
        "A,Shop,2026-01-01,2026-01-03,2026-02-10,LX402177355CN,2026-02-05,delivered,2026-02-05,,,,";
    let (code, out, err) = run(
        &[
            "watch",
            "-",
            "--marketplace",
            "amazon",
            "--today",
            "2026-03-01",
            "--format",
            "json",
        ],
        &format!("{HEADER}\n{delivered}\n"),
    );
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    let edd = chrono::NaiveDate::from_ymd_opt(2026, 2, 10).unwrap();
    let by = edd + chrono::Duration::days(amazon.claim_window_days);
    assert_eq!(r["orders"][0]["deadline"]["date"], by.to_string());
}

#[test]
fn readme_tables_of_deadline_kinds_and_action_codes_match_the_code() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    // The section "Watch: deadline kinds and action codes", up to the next heading.
    let section = readme
        .split("\n### Watch: deadline kinds and action codes\n")
        .nth(1)
        .expect("README.md has the section");
    let section = section.split("\n#").next().unwrap();
    let rows: Vec<&str> = section.lines().filter(|l| l.starts_with("| `")).collect();
    let mut want: Vec<String> = watch::DeadlineKind::ALL
        .iter()
        .map(|k| format!("| `{}` | {} |", k.as_str(), k.meaning()))
        .chain(
            watch::Code::ALL
                .iter()
                .map(|c| format!("| `{}` | {} |", c.as_str(), c.meaning())),
        )
        .collect();
    for w in &want {
        assert!(rows.contains(&w.as_str()), "README.md lacks the row\n{w}");
    }
    // No row names a code the code does not have.
    want.sort();
    let mut got: Vec<String> = rows.iter().map(|r| r.to_string()).collect();
    got.sort();
    got.dedup();
    assert_eq!(got, want, "README's two-column code tables");
}
