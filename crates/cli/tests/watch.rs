//! `marketguard watch` at the process boundary: scenario tables with a fixed `--today`
//! for every action and both sides of each deadline, per marketplace; snapshots of the
//! text report and the iCalendar file; bad input reported, never guessed.

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

/// What `watch --format json` says about order `A`: (action code, deadline kind, days
/// left), or None when the order is closed.
fn verdict(
    marketplace: &str,
    today: &str,
    rows: &[&str],
    messages: &[&str],
) -> Option<(String, String, i64)> {
    let orders = format!("{HEADER}\n{}\n", rows.join("\n"));
    let mut args = vec![
        "watch",
        "-",
        "--marketplace",
        marketplace,
        "--today",
        today,
        "--format",
        "json",
    ];
    let messages_path;
    if !messages.is_empty() {
        messages_path = temp_file(
            &format!("messages-{marketplace}-{today}-{}.csv", rows.len()),
            &format!("order_id,sent_at,sender,text\n{}\n", messages.join("\n")),
        );
        args.push("--messages");
        args.push(messages_path.to_str().unwrap());
    }
    let (code, out, err) = run(&args, &orders);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("skipped"), "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let finding = report["orders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["order_id"] == "A")?
        .clone();
    Some((
        finding["action"]["code"].as_str().unwrap().to_string(),
        finding["deadline"]["kind"].as_str().unwrap().to_string(),
        finding["deadline"]["days_left"].as_i64().unwrap(),
    ))
}

struct Case {
    name: &'static str,
    today: &'static str,
    rows: &'static [&'static str],
    messages: &'static [&'static str],
    expect: Option<(&'static str, &'static str, i64)>,
}

fn check(marketplace: &str, cases: &[Case]) {
    let mut failures = Vec::new();
    for c in cases {
        let got = verdict(marketplace, c.today, c.rows, c.messages);
        let want = c.expect.map(|(a, k, d)| (a.to_string(), k.to_string(), d));
        if got != want {
            failures.push(format!(
                "{marketplace} / {} (today {}): got {got:?}, want {want:?}",
                c.name, c.today
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

// Paid 2026-01-01, shipped 2026-01-03, promised 2026-02-10; the carrier moved yesterday
// unless a case says otherwise.
const IN_TRANSIT: &[&str] =
    &["A,Shop,2026-01-01,2026-01-03,2026-02-10,LX402177355CN,2026-02-25,shipped,,,,,"];
const NOT_SHIPPED: &[&str] = &["A,Shop,2026-01-01,,,,,paid,,,,,"];
const DELIVERED: &[&str] =
    &["A,Shop,2026-01-01,2026-01-03,2026-02-10,LX402177355CN,2026-02-05,delivered,2026-02-05,,,,"];
const DISPUTED: &[&str] = &[
    "A,Shop,2026-01-01,2026-01-03,2026-02-10,LX402177355CN,2026-01-20,disputed,,2026-02-01,open,not_received,",
];
const REUSED: &[&str] = &[
    "A,Shop,2026-01-01,2026-01-03,2026-02-10,LX402177355CN,2026-02-25,shipped,,,,,",
    "B,Shop,2026-01-02,2026-01-04,2026-02-10,LX402177355CN,2026-02-25,shipped,,,,,",
];
const BAD_NUMBER: &[&str] =
    &["A,Shop,2026-01-01,2026-01-03,2026-02-10,LX402177356CN,2026-02-25,shipped,,,,,"];
const REFUNDED: &[&str] =
    &["A,Shop,2026-01-01,2026-01-03,2026-02-10,,,disputed,,2026-02-01,refund_full,not_received,"];
const CONFIRM_PRESSURE: &[&str] = &["A,2026-01-20,seller,\"Please confirm receipt now, the parcel will arrive soon, I need the payment\""];
const CLOSE_PRESSURE: &[&str] = &["A,2026-02-02,seller,\"Please close the dispute, I will send a new one. Cancel the dispute and I give you 5 dollars\""];
const OFFSITE: &[&str] = &["A,2026-01-20,seller,\"Pay me directly by bank transfer or Western Union outside AliExpress, I give you 20% discount\""];
const HARMLESS: &[&str] = &["A,2026-01-20,seller,\"Thank you for your order, it has shipped\""];

#[test]
fn aliexpress_actions_on_both_sides_of_each_deadline() {
    // Rules from the policy: ship within 7 days, protection ends on the promised date,
    // 15 days after delivery, escalation from day 3 of a dispute, seller answers in 5.
    let in_transit_stale: &[&str] =
        &["A,Shop,2026-01-01,2026-01-03,2026-02-10,LX402177355CN,2026-01-23,shipped,,,,,"];
    let in_transit_limit: &[&str] =
        &["A,Shop,2026-01-01,2026-01-03,2026-02-10,LX402177355CN,2026-01-24,shipped,,,,,"];
    check(
        "aliexpress",
        &[
            Case {
                name: "ship-by day",
                today: "2026-01-08",
                rows: NOT_SHIPPED,
                messages: &[],
                expect: Some(("wait_for_shipment", "ship_by", 0)),
            },
            Case {
                name: "day after ship-by",
                today: "2026-01-09",
                rows: NOT_SHIPPED,
                messages: &[],
                expect: Some(("cancel_not_shipped", "ship_by", -1)),
            },
            Case {
                name: "8 days left",
                today: "2026-02-02",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("wait_for_delivery", "protection_ends", 8)),
            },
            Case {
                name: "7 days left",
                today: "2026-02-03",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("ask_extension", "protection_ends", 7)),
            },
            Case {
                name: "4 days left",
                today: "2026-02-06",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("ask_extension", "protection_ends", 4)),
            },
            Case {
                name: "3 days left",
                today: "2026-02-07",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("open_dispute_now", "protection_ends", 3)),
            },
            Case {
                name: "last day",
                today: "2026-02-10",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("open_dispute_now", "protection_ends", 0)),
            },
            Case {
                name: "day after",
                today: "2026-02-11",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("protection_ended", "protection_ends", -1)),
            },
            Case {
                name: "11 days without movement",
                today: "2026-02-03",
                rows: in_transit_stale,
                messages: &[],
                expect: Some(("open_dispute_now", "protection_ends", 7)),
            },
            Case {
                name: "10 days without movement",
                today: "2026-02-03",
                rows: in_transit_limit,
                messages: &[],
                expect: Some(("ask_extension", "protection_ends", 7)),
            },
            Case {
                name: "reused tracking",
                today: "2026-01-20",
                rows: REUSED,
                messages: &[],
                expect: Some(("fake_tracking", "protection_ends", 21)),
            },
            Case {
                name: "bad check digit",
                today: "2026-01-20",
                rows: BAD_NUMBER,
                messages: &[],
                expect: Some(("check_tracking", "protection_ends", 21)),
            },
            Case {
                name: "confirm pressure",
                today: "2026-01-20",
                rows: IN_TRANSIT,
                messages: CONFIRM_PRESSURE,
                expect: Some(("do_not_confirm", "protection_ends", 21)),
            },
            Case {
                name: "marked delivered without a delivery date",
                today: "2026-01-20",
                rows: &["A,Shop,2026-01-01,2026-01-03,2026-02-10,LX402177355CN,2026-01-19,delivered,,,,,"],
                messages: &[],
                expect: Some(("do_not_confirm", "protection_ends", 21)),
            },
            Case {
                name: "harmless message",
                today: "2026-01-20",
                rows: IN_TRANSIT,
                messages: HARMLESS,
                expect: Some(("wait_for_delivery", "protection_ends", 21)),
            },
            Case {
                name: "offsite payment",
                today: "2026-01-20",
                rows: IN_TRANSIT,
                messages: OFFSITE,
                expect: Some(("refuse_offsite_payment", "protection_ends", 21)),
            },
            Case {
                name: "closure pressure",
                today: "2026-02-03",
                rows: DISPUTED,
                messages: CLOSE_PRESSURE,
                expect: Some(("keep_dispute_open", "seller_response_due", 3)),
            },
            Case {
                name: "dispute day 2",
                today: "2026-02-03",
                rows: DISPUTED,
                messages: &[],
                expect: Some(("wait_for_seller", "escalation_opens", 1)),
            },
            Case {
                name: "dispute day 3",
                today: "2026-02-04",
                rows: DISPUTED,
                messages: &[],
                expect: Some(("escalate_dispute", "seller_response_due", 2)),
            },
            Case {
                name: "last day after delivery",
                today: "2026-02-20",
                rows: DELIVERED,
                messages: &[],
                expect: Some(("inspect_item", "dispute_by", 0)),
            },
            Case {
                name: "window over",
                today: "2026-02-21",
                rows: DELIVERED,
                messages: &[],
                expect: None,
            },
            Case {
                name: "dispute refunded",
                today: "2026-02-21",
                rows: REFUNDED,
                messages: &[],
                expect: None,
            },
        ],
    );
}

#[test]
fn ebay_report_within_30_days_of_the_estimated_delivery() {
    let stale: &[&str] =
        &["A,Shop,2026-01-01,2026-01-03,2026-02-10,LX402177355CN,2026-01-29,shipped,,,,,"];
    let limit: &[&str] =
        &["A,Shop,2026-01-01,2026-01-03,2026-02-10,LX402177355CN,2026-01-30,shipped,,,,,"];
    check(
        "ebay",
        &[
            Case {
                name: "ship-by day",
                today: "2026-01-04",
                rows: NOT_SHIPPED,
                messages: &[],
                expect: Some(("wait_for_shipment", "ship_by", 0)),
            },
            Case {
                name: "day after ship-by",
                today: "2026-01-05",
                rows: NOT_SHIPPED,
                messages: &[],
                expect: Some(("cancel_not_shipped", "ship_by", -1)),
            },
            Case {
                name: "11 days without movement",
                today: "2026-02-09",
                rows: stale,
                messages: &[],
                expect: Some(("ask_seller_for_news", "claim_opens", 1)),
            },
            Case {
                name: "10 days without movement",
                today: "2026-02-09",
                rows: limit,
                messages: &[],
                expect: Some(("wait_for_delivery", "claim_opens", 1)),
            },
            Case {
                name: "day before the estimate",
                today: "2026-02-09",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("wait_for_delivery", "claim_opens", 1)),
            },
            Case {
                name: "estimated delivery day",
                today: "2026-02-10",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("file_claim_now", "claim_by", 30)),
            },
            Case {
                name: "last day to report",
                today: "2026-03-12",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("file_claim_now", "claim_by", 0)),
            },
            Case {
                name: "window closed",
                today: "2026-03-13",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("claim_window_closed", "claim_by", -1)),
            },
            Case {
                name: "reused tracking",
                today: "2026-01-20",
                rows: REUSED,
                messages: &[],
                expect: Some(("fake_tracking", "claim_opens", 21)),
            },
            Case {
                name: "confirm pressure",
                today: "2026-01-20",
                rows: IN_TRANSIT,
                messages: CONFIRM_PRESSURE,
                expect: Some(("do_not_confirm", "claim_opens", 21)),
            },
            Case {
                name: "offsite payment",
                today: "2026-01-20",
                rows: IN_TRANSIT,
                messages: OFFSITE,
                expect: Some(("refuse_offsite_payment", "claim_opens", 21)),
            },
            Case {
                name: "closure pressure",
                today: "2026-02-03",
                rows: DISPUTED,
                messages: CLOSE_PRESSURE,
                expect: Some(("keep_dispute_open", "seller_response_due", 1)),
            },
            Case {
                name: "dispute day 2",
                today: "2026-02-03",
                rows: DISPUTED,
                messages: &[],
                expect: Some(("wait_for_seller", "escalation_opens", 1)),
            },
            Case {
                name: "dispute day 3",
                today: "2026-02-04",
                rows: DISPUTED,
                messages: &[],
                expect: Some(("escalate_dispute", "seller_response_due", 0)),
            },
            Case {
                name: "30th day after delivery",
                today: "2026-03-07",
                rows: DELIVERED,
                messages: &[],
                expect: Some(("inspect_item", "dispute_by", 0)),
            },
            Case {
                name: "window over",
                today: "2026-03-08",
                rows: DELIVERED,
                messages: &[],
                expect: None,
            },
        ],
    );
}

#[test]
fn amazon_claim_within_90_days_after_contacting_the_seller_and_waiting_2_days() {
    let contacted: &[&str] =
        &["A,2026-02-11,buyer,\"Hello, my parcel has not arrived, where is it?\""];
    check(
        "amazon",
        &[
            Case {
                name: "ship-by day",
                today: "2026-01-03",
                rows: NOT_SHIPPED,
                messages: &[],
                expect: Some(("wait_for_shipment", "ship_by", 0)),
            },
            Case {
                name: "day after ship-by",
                today: "2026-01-04",
                rows: NOT_SHIPPED,
                messages: &[],
                expect: Some(("cancel_not_shipped", "ship_by", -1)),
            },
            Case {
                name: "day before the estimate",
                today: "2026-02-09",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("wait_for_delivery", "claim_opens", 1)),
            },
            Case {
                name: "estimate passed, no contact",
                today: "2026-02-10",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("contact_seller", "contact_seller_by", 88)),
            },
            Case {
                name: "contacted, first day of waiting",
                today: "2026-02-12",
                rows: IN_TRANSIT,
                messages: contacted,
                expect: Some(("wait_for_seller", "seller_response_due", 1)),
            },
            Case {
                name: "contacted, waited 2 days",
                today: "2026-02-13",
                rows: IN_TRANSIT,
                messages: contacted,
                expect: Some(("file_claim_now", "claim_by", 87)),
            },
            Case {
                name: "last day to claim",
                today: "2026-05-11",
                rows: IN_TRANSIT,
                messages: contacted,
                expect: Some(("file_claim_now", "claim_by", 0)),
            },
            Case {
                name: "window closed",
                today: "2026-05-12",
                rows: IN_TRANSIT,
                messages: contacted,
                expect: Some(("claim_window_closed", "claim_by", -1)),
            },
            Case {
                name: "bad check digit",
                today: "2026-01-20",
                rows: BAD_NUMBER,
                messages: &[],
                expect: Some(("check_tracking", "claim_opens", 21)),
            },
            Case {
                name: "confirm pressure",
                today: "2026-01-20",
                rows: IN_TRANSIT,
                messages: CONFIRM_PRESSURE,
                expect: Some(("do_not_confirm", "claim_opens", 21)),
            },
            Case {
                name: "closure pressure",
                today: "2026-02-03",
                rows: DISPUTED,
                messages: CLOSE_PRESSURE,
                expect: Some(("keep_dispute_open", "seller_response_due", 0)),
            },
            Case {
                name: "dispute day 1",
                today: "2026-02-02",
                rows: DISPUTED,
                messages: &[],
                expect: Some(("wait_for_seller", "escalation_opens", 1)),
            },
            Case {
                name: "dispute day 2",
                today: "2026-02-03",
                rows: DISPUTED,
                messages: &[],
                expect: Some(("escalate_dispute", "seller_response_due", 0)),
            },
            Case {
                name: "90th day after delivery",
                today: "2026-05-06",
                rows: DELIVERED,
                messages: &[],
                expect: Some(("inspect_item", "dispute_by", 0)),
            },
            Case {
                name: "window over",
                today: "2026-05-07",
                rows: DELIVERED,
                messages: &[],
                expect: None,
            },
        ],
    );
}

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
    assert_eq!(code, 0, "{err}");
    assert!(
        !out.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
    // Urgent first: every "now" line comes before every "soon" and "later" line.
    let urgencies: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| ["now", "soon", "later"].contains(w))
        .collect();
    let rank = |u: &str| {
        ["now", "soon", "later"]
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
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("on amazon"), "{out}");
    snapshot("watch_examples_amazon.txt", &out);
}

#[test]
fn ics_of_the_examples_matches_the_snapshot() {
    let args = example_args(&["--ics", "-"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = run(&args, "");
    assert_eq!(code, 0, "{err}");
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
fn bad_input_is_reported_with_line_and_column_and_counted() {
    let orders = format!(
        "{HEADER},colour\n\
         A,Shop,2026-01-01,2026-01-03,2026-02-10,,,shipped,,,,,,red\n\
         B,Shop,2026-01-32,,,,,paid,,,,,,red\n\
         C,Shop,2026-01-01,,soon,,,paid,,,,,,red\n\
         D,Shop,2026-01-01,,,,,lost,,,,,,red\n"
    );
    let (code, out, err) = run(
        &["watch", "-", "--today", "2026-01-05", "--format", "json"],
        &orders,
    );
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["skipped_rows"], 3);
    let warnings: Vec<(u64, String, bool)> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["line"].as_u64().unwrap(),
                w["column"].as_str().unwrap().to_string(),
                w["row_skipped"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        warnings,
        vec![
            (1, "colour".to_string(), false),
            (3, "paid_at".to_string(), true),
            (4, "promised_delivery".to_string(), true),
            (5, "status".to_string(), true),
        ]
    );
    assert_eq!(report["orders"].as_array().unwrap().len(), 1);
    assert!(err.contains("3 rows skipped"), "{err}");

    let (code, _, err) = run(&["watch", "-"], "order_id,store\n1,a\n");
    assert_eq!(code, 2);
    assert!(err.contains("paid_at"), "{err}");
}

#[test]
fn json_lines_on_stdin_and_amounts_in_minor_units() {
    let orders = "{\"order_id\": \"A\", \"paid_at\": \"2026-01-01\", \"amount\": \"12.5\", \"currency\": \"EUR\"}\n\
                  {\"order_id\": \"B\", \"paid_at\": \"2026-01-01\", \"amount\": \"12.555\", \"currency\": \"EUR\"}\n";
    let (code, out, err) = run(
        &["watch", "-", "--today", "2026-01-05", "--format", "json"],
        orders,
    );
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        report["skipped_rows"], 1,
        "three decimals in EUR are not rounded"
    );
    assert_eq!(report["warnings"][0]["column"], "amount");
    assert_eq!(report["orders"][0]["action"]["code"], "wait_for_shipment");
}

#[test]
fn configuration_overrides_the_numbers() {
    let config = temp_file(
        "watch.toml",
        "[watch.aliexpress]\nurgent_days = 5\n\n[watch.ebay]\nclaim_window_days = 10\n",
    );
    let orders = format!("{HEADER}\n{}\n", IN_TRANSIT[0]);
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
        )
    };
    // 4 days left asks for an extension by default; with urgent_days = 5 it is now.
    assert_eq!(
        run_with("aliexpress", "2026-02-06"),
        ("open_dispute_now".into(), 4)
    );
    assert_eq!(
        run_with("ebay", "2026-02-10"),
        ("file_claim_now".into(), 10)
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
        &format!("{HEADER}\n{}\n", NOT_SHIPPED[0]),
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
fn supplier_scorecard_recommends_and_reminds_of_sample_orders() {
    let rows = [
        // Good store: four orders on time, a sample 80 days before today.
        "G1,Good,2026-01-01,2026-01-02,2026-01-20,,,completed,2026-01-15,,,,sample",
        "G2,Good,2026-01-05,2026-01-06,2026-01-25,,,completed,2026-01-20,,,,",
        "G3,Good,2026-01-10,2026-01-11,2026-01-30,,,completed,2026-01-25,,,,",
        "G4,Good,2026-02-01,2026-02-02,2026-02-20,,,completed,2026-02-15,,,,",
        // Bad store: late deliveries and a not-received dispute, never a sample.
        "B1,Bad,2026-01-01,2026-01-02,2026-01-20,,,completed,2026-01-25,,,,",
        "B2,Bad,2026-01-05,2026-01-06,2026-01-25,,,completed,2026-02-01,,,,",
        "B3,Bad,2026-01-10,2026-01-11,2026-01-30,,,disputed,,2026-02-01,rejected,not_received,",
    ];
    let orders = format!("{HEADER}\n{}\n", rows.join("\n"));
    let scorecard = |today: &str| {
        let (code, out, err) = run(
            &["watch", "-", "--today", today, "--format", "json"],
            &orders,
        );
        assert_eq!(code, 0, "{err}");
        let r: serde_json::Value = serde_json::from_str(&out).unwrap();
        r["suppliers"].as_array().unwrap().clone()
    };
    let s = scorecard("2026-03-22");
    let bad = s.iter().find(|x| x["store"] == "Bad").unwrap();
    let good = s.iter().find(|x| x["store"] == "Good").unwrap();
    assert_eq!(good["recommendation"], "keep");
    assert_eq!(good["on_time_pct"], 100);
    assert_eq!(bad["recommendation"], "replace");
    assert_eq!(bad["on_time_pct"], 0);
    assert_eq!(bad["rejected"], 1);
    // Sample every 90 days: the Good store's next one is due 2026-04-01.
    assert_eq!(good["sample_due"]["date"], "2026-04-01");
    assert_eq!(good["sample_due"]["days_left"], 10);
    assert_eq!(bad["sample_due"]["days_left"], 0, "no sample yet: due now");
    // A supplier with no order for more than 90 days (last 2026-02-01) is not active: no reminder.
    let later = scorecard("2026-05-03");
    let good = later.iter().find(|x| x["store"] == "Good").unwrap();
    assert_eq!(good["sample_due"], serde_json::Value::Null);
}

#[test]
fn duplicate_orders_and_messages_about_unknown_orders_are_reported() {
    let messages = temp_file(
        "stray-messages.csv",
        "order_id,sent_at,sender,text\nZ,2026-01-02,seller,hello\n",
    );
    let orders = format!("{HEADER}\n{}\n{}\n", NOT_SHIPPED[0], NOT_SHIPPED[0]);
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
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("stdin line 3, column order_id: order A also appears on line 2"),
        "{err}"
    );
    assert!(
        err.contains("line 2, column order_id: order Z is not in the orders file"),
        "{err}"
    );
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["warnings"].as_array().unwrap().len(), 2);
    assert_eq!(r["skipped_rows"], 0);
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
fn urgency_changes_on_both_sides_of_soon_days_and_urgent_days() {
    let orders = format!("{HEADER}\n{}\n", IN_TRANSIT[0]);
    let cases = [
        ("aliexpress", "2026-02-02", "later"),
        ("aliexpress", "2026-02-03", "soon"),
        ("aliexpress", "2026-02-06", "soon"),
        ("aliexpress", "2026-02-07", "now"),
        // eBay: waiting until the estimated date; from then a claim is due soon, and
        // now in the last 3 days.
        ("ebay", "2026-02-09", "later"),
        ("ebay", "2026-02-10", "soon"),
        ("ebay", "2026-03-08", "soon"),
        ("ebay", "2026-03-09", "now"),
        ("ebay", "2026-03-13", "now"),
    ];
    let mut failures = Vec::new();
    for (marketplace, today, want) in cases {
        let (code, out, err) = run(
            &[
                "watch",
                "-",
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
        let got = r["orders"][0]["urgency"].as_str().unwrap().to_string();
        if got != want {
            failures.push(format!("{marketplace} {today}: got {got}, want {want}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn a_message_longer_than_the_scanner_reads_says_so() {
    // Past the limit the scanner stops: the report must not pass the rest off as read.
    let long = format!(
        "A,2026-01-20,seller,\"{}\"",
        "Thank you for your order, it has shipped. ".repeat(2000)
    );
    assert!(long.len() > risk::MESSAGE_BYTES_MAX);
    let messages = temp_file(
        "messages-long.csv",
        &format!("order_id,sent_at,sender,text\n{long}\n"),
    );
    let orders = format!("{HEADER}\n{}\n", IN_TRANSIT.join("\n"));
    let (code, out, err) = run(
        &[
            "watch",
            "-",
            "--marketplace",
            "aliexpress",
            "--today",
            "2026-01-25",
            "--format",
            "json",
            "--messages",
            messages.to_str().unwrap(),
        ],
        &orders,
    );
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let notes = report["orders"][0]["notes"].to_string();
    assert!(
        notes.contains(&format!(
            "message of 2026-01-20: only the first {} bytes were scanned",
            risk::MESSAGE_BYTES_MAX
        )),
        "{notes}"
    );
}
