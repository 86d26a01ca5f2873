//! The watch core at its boundary: orders and messages in (as the CSV or JSON Lines a
//! user writes), findings, scorecard rows and warnings out. Scenario tables with a fixed
//! `today` for every action and both sides of each deadline, per marketplace; bad input
//! reported with line and column, never guessed.

use std::sync::OnceLock;

use chrono::NaiveDate;
use watch::rules::{RulesError, WatchFile};
use watch::{input, scorecard, DeadlineKind as K, Marketplace, Rules, Urgency, Watch};

const HEADER: &str = "order_id,store,paid_at,shipped_at,promised_delivery,tracking,tracking_updated_at,status,delivered_at,dispute_opened_at,dispute_status,dispute_reason,kind";

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn defaults(marketplace: Marketplace) -> Rules {
    Rules::defaults(marketplace, &protection::Policy::default())
}

/// The scanner is built once: its automata are the slow part of a run.
fn scanner() -> &'static risk::MessageScanner {
    static SCANNER: OnceLock<risk::MessageScanner> = OnceLock::new();
    SCANNER.get_or_init(risk::MessageScanner::default)
}

/// Orders rows (under `HEADER`) and message rows in, the watch on `today` out; every
/// row must be read.
fn watch_rows(rules: &Rules, today: &str, rows: &[&str], messages: &[&str]) -> Watch {
    let orders = input::orders("orders.csv", &format!("{HEADER}\n{}\n", rows.join("\n"))).unwrap();
    assert_eq!(orders.skipped, 0, "{:?}", orders.warnings);
    let messages = input::messages(
        "messages.csv",
        &format!("order_id,sent_at,sender,text\n{}\n", messages.join("\n")),
    )
    .unwrap();
    assert_eq!(messages.skipped, 0, "{:?}", messages.warnings);
    watch::watch(&orders.rows, &messages.rows, rules, scanner(), date(today))
}

/// What the watch says about order `A`: (action code, deadline kind, days left), or
/// None when the order is closed.
fn verdict(
    rules: &Rules,
    today: &str,
    rows: &[&str],
    messages: &[&str],
) -> Option<(String, K, i64)> {
    let w = watch_rows(rules, today, rows, messages);
    let f = w.findings.iter().find(|f| f.order_id == "A")?;
    let d = f.deadline.expect("every open order has a deadline");
    Some((f.action.code.to_string(), d.kind, d.days_left))
}

struct Case {
    name: &'static str,
    today: &'static str,
    rows: &'static [&'static str],
    messages: &'static [&'static str],
    expect: Option<(&'static str, K, i64)>,
}

fn check(marketplace: Marketplace, cases: &[Case]) {
    let rules = defaults(marketplace);
    let mut failures = Vec::new();
    for c in cases {
        let got = verdict(&rules, c.today, c.rows, c.messages);
        let want = c.expect.map(|(a, k, d)| (a.to_string(), k, d));
        if got != want {
            failures.push(format!(
                "{marketplace:?} / {} (today {}): got {got:?}, want {want:?}",
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
const DELIVERED_LATE: &[&str] =
    &["A,Shop,2026-01-01,2026-01-03,2026-02-10,LX402177355CN,2026-02-12,delivered,2026-02-12,,,,"];
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
        Marketplace::Aliexpress,
        &[
            Case {
                name: "ship-by day",
                today: "2026-01-08",
                rows: NOT_SHIPPED,
                messages: &[],
                expect: Some(("wait_for_shipment", K::ShipBy, 0)),
            },
            Case {
                name: "day after ship-by",
                today: "2026-01-09",
                rows: NOT_SHIPPED,
                messages: &[],
                expect: Some(("cancel_not_shipped", K::ShipBy, -1)),
            },
            Case {
                name: "8 days left",
                today: "2026-02-02",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("wait_for_delivery", K::ProtectionEnds, 8)),
            },
            Case {
                name: "7 days left",
                today: "2026-02-03",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("ask_extension", K::ProtectionEnds, 7)),
            },
            Case {
                name: "4 days left",
                today: "2026-02-06",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("ask_extension", K::ProtectionEnds, 4)),
            },
            // The engine refuses a not-received dispute until protection has ended
            // (crates/watch/tests/engine.rs): until then, an extension.
            Case {
                name: "3 days left",
                today: "2026-02-07",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("ask_extension", K::ProtectionEnds, 3)),
            },
            Case {
                name: "last day",
                today: "2026-02-10",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("ask_extension", K::ProtectionEnds, 0)),
            },
            Case {
                name: "day after",
                today: "2026-02-11",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("open_dispute_now", K::ProtectionEnds, -1)),
            },
            Case {
                name: "11 days without movement",
                today: "2026-02-03",
                rows: in_transit_stale,
                messages: &[],
                expect: Some(("ask_extension", K::ProtectionEnds, 7)),
            },
            Case {
                name: "10 days without movement",
                today: "2026-02-03",
                rows: in_transit_limit,
                messages: &[],
                expect: Some(("ask_extension", K::ProtectionEnds, 7)),
            },
            Case {
                name: "reused tracking",
                today: "2026-01-20",
                rows: REUSED,
                messages: &[],
                expect: Some(("fake_tracking", K::ProtectionEnds, 21)),
            },
            Case {
                name: "bad check digit",
                today: "2026-01-20",
                rows: BAD_NUMBER,
                messages: &[],
                expect: Some(("check_tracking", K::ProtectionEnds, 21)),
            },
            Case {
                name: "confirm pressure",
                today: "2026-01-20",
                rows: IN_TRANSIT,
                messages: CONFIRM_PRESSURE,
                expect: Some(("do_not_confirm", K::ProtectionEnds, 21)),
            },
            Case {
                name: "marked delivered without a delivery date",
                today: "2026-01-20",
                rows: &["A,Shop,2026-01-01,2026-01-03,2026-02-10,LX402177355CN,2026-01-19,delivered,,,,,"],
                messages: &[],
                expect: Some(("do_not_confirm", K::ProtectionEnds, 21)),
            },
            Case {
                name: "harmless message",
                today: "2026-01-20",
                rows: IN_TRANSIT,
                messages: HARMLESS,
                expect: Some(("wait_for_delivery", K::ProtectionEnds, 21)),
            },
            Case {
                name: "offsite payment",
                today: "2026-01-20",
                rows: IN_TRANSIT,
                messages: OFFSITE,
                expect: Some(("refuse_offsite_payment", K::ProtectionEnds, 21)),
            },
            Case {
                name: "closure pressure",
                today: "2026-02-03",
                rows: DISPUTED,
                messages: CLOSE_PRESSURE,
                expect: Some(("keep_dispute_open", K::SellerResponseDue, 3)),
            },
            Case {
                name: "dispute day 2",
                today: "2026-02-03",
                rows: DISPUTED,
                messages: &[],
                expect: Some(("wait_for_seller", K::EscalationOpens, 1)),
            },
            Case {
                name: "dispute day 3",
                today: "2026-02-04",
                rows: DISPUTED,
                messages: &[],
                expect: Some(("escalate_dispute", K::SellerResponseDue, 2)),
            },
            // Delivered 2026-02-05, before the promised 2026-02-10: the order completes
            // (auto-confirms) when protection ends on 2026-02-10, and a dispute is
            // possible for 15 days after completion, not after delivery.
            Case {
                name: "day before the window closes",
                today: "2026-02-24",
                rows: DELIVERED,
                messages: &[],
                expect: Some(("inspect_item", K::DisputeBy, 1)),
            },
            Case {
                name: "last day of the window",
                today: "2026-02-25",
                rows: DELIVERED,
                messages: &[],
                expect: Some(("inspect_item", K::DisputeBy, 0)),
            },
            Case {
                name: "window over",
                today: "2026-02-26",
                rows: DELIVERED,
                messages: &[],
                expect: None,
            },
            // Delivered 2026-02-12, after the promised date: 5 days to inspect, so the
            // order completes 2026-02-17 and disputes run to 2026-03-04.
            Case {
                name: "late parcel: last day of the window",
                today: "2026-03-04",
                rows: DELIVERED_LATE,
                messages: &[],
                expect: Some(("inspect_item", K::DisputeBy, 0)),
            },
            Case {
                name: "late parcel: window over",
                today: "2026-03-05",
                rows: DELIVERED_LATE,
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
        Marketplace::Ebay,
        &[
            Case {
                name: "ship-by day",
                today: "2026-01-04",
                rows: NOT_SHIPPED,
                messages: &[],
                expect: Some(("wait_for_shipment", K::ShipBy, 0)),
            },
            Case {
                name: "day after ship-by",
                today: "2026-01-05",
                rows: NOT_SHIPPED,
                messages: &[],
                expect: Some(("cancel_not_shipped", K::ShipBy, -1)),
            },
            Case {
                name: "11 days without movement",
                today: "2026-02-09",
                rows: stale,
                messages: &[],
                expect: Some(("ask_seller_for_news", K::ClaimOpens, 1)),
            },
            Case {
                name: "10 days without movement",
                today: "2026-02-09",
                rows: limit,
                messages: &[],
                expect: Some(("wait_for_delivery", K::ClaimOpens, 1)),
            },
            Case {
                name: "day before the estimate",
                today: "2026-02-09",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("wait_for_delivery", K::ClaimOpens, 1)),
            },
            Case {
                name: "estimated delivery day",
                today: "2026-02-10",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("file_claim_now", K::ClaimBy, 30)),
            },
            Case {
                name: "last day to report",
                today: "2026-03-12",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("file_claim_now", K::ClaimBy, 0)),
            },
            Case {
                name: "window closed",
                today: "2026-03-13",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("claim_window_closed", K::ClaimBy, -1)),
            },
            Case {
                name: "reused tracking",
                today: "2026-01-20",
                rows: REUSED,
                messages: &[],
                expect: Some(("fake_tracking", K::ClaimOpens, 21)),
            },
            Case {
                name: "confirm pressure",
                today: "2026-01-20",
                rows: IN_TRANSIT,
                messages: CONFIRM_PRESSURE,
                expect: Some(("do_not_confirm", K::ClaimOpens, 21)),
            },
            Case {
                name: "offsite payment",
                today: "2026-01-20",
                rows: IN_TRANSIT,
                messages: OFFSITE,
                expect: Some(("refuse_offsite_payment", K::ClaimOpens, 21)),
            },
            Case {
                name: "closure pressure",
                today: "2026-02-03",
                rows: DISPUTED,
                messages: CLOSE_PRESSURE,
                expect: Some(("keep_dispute_open", K::SellerResponseDue, 1)),
            },
            Case {
                name: "dispute day 2",
                today: "2026-02-03",
                rows: DISPUTED,
                messages: &[],
                expect: Some(("wait_for_seller", K::EscalationOpens, 1)),
            },
            Case {
                name: "dispute day 3",
                today: "2026-02-04",
                rows: DISPUTED,
                messages: &[],
                expect: Some(("escalate_dispute", K::SellerResponseDue, 0)),
            },
            Case {
                name: "30th day after delivery",
                today: "2026-03-07",
                rows: DELIVERED,
                messages: &[],
                expect: Some(("inspect_item", K::DisputeBy, 0)),
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
        Marketplace::Amazon,
        &[
            Case {
                name: "ship-by day",
                today: "2026-01-03",
                rows: NOT_SHIPPED,
                messages: &[],
                expect: Some(("wait_for_shipment", K::ShipBy, 0)),
            },
            Case {
                name: "day after ship-by",
                today: "2026-01-04",
                rows: NOT_SHIPPED,
                messages: &[],
                expect: Some(("cancel_not_shipped", K::ShipBy, -1)),
            },
            Case {
                name: "day before the estimate",
                today: "2026-02-09",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("wait_for_delivery", K::ClaimOpens, 1)),
            },
            Case {
                name: "estimate passed, no contact",
                today: "2026-02-10",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("contact_seller", K::ContactSellerBy, 88)),
            },
            Case {
                name: "contacted, first day of waiting",
                today: "2026-02-12",
                rows: IN_TRANSIT,
                messages: contacted,
                expect: Some(("wait_for_seller", K::SellerResponseDue, 1)),
            },
            Case {
                name: "contacted, waited 2 days",
                today: "2026-02-13",
                rows: IN_TRANSIT,
                messages: contacted,
                expect: Some(("file_claim_now", K::ClaimBy, 87)),
            },
            Case {
                name: "last day to claim",
                today: "2026-05-11",
                rows: IN_TRANSIT,
                messages: contacted,
                expect: Some(("file_claim_now", K::ClaimBy, 0)),
            },
            Case {
                name: "window closed",
                today: "2026-05-12",
                rows: IN_TRANSIT,
                messages: contacted,
                expect: Some(("claim_window_closed", K::ClaimBy, -1)),
            },
            // Never contacted: the last day to contact and wait is day 88; days 89 and
            // 90 after the estimate are still in the window.
            Case {
                name: "no contact, day 88",
                today: "2026-05-09",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("contact_seller", K::ContactSellerBy, 0)),
            },
            Case {
                name: "no contact, day 89",
                today: "2026-05-10",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("contact_seller", K::ClaimBy, 1)),
            },
            Case {
                name: "no contact, day 90",
                today: "2026-05-11",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("contact_seller", K::ClaimBy, 0)),
            },
            Case {
                name: "no contact, day 91",
                today: "2026-05-12",
                rows: IN_TRANSIT,
                messages: &[],
                expect: Some(("claim_window_closed", K::ClaimBy, -1)),
            },
            Case {
                name: "contacted on day 89: claim by day 90",
                today: "2026-05-10",
                rows: IN_TRANSIT,
                messages: &["A,2026-05-10,buyer,\"Hello, my parcel has not arrived\""],
                expect: Some(("file_claim_now", K::ClaimBy, 1)),
            },
            Case {
                name: "bad check digit",
                today: "2026-01-20",
                rows: BAD_NUMBER,
                messages: &[],
                expect: Some(("check_tracking", K::ClaimOpens, 21)),
            },
            Case {
                name: "confirm pressure",
                today: "2026-01-20",
                rows: IN_TRANSIT,
                messages: CONFIRM_PRESSURE,
                expect: Some(("do_not_confirm", K::ClaimOpens, 21)),
            },
            Case {
                name: "closure pressure",
                today: "2026-02-03",
                rows: DISPUTED,
                messages: CLOSE_PRESSURE,
                expect: Some(("keep_dispute_open", K::SellerResponseDue, 0)),
            },
            Case {
                name: "dispute day 1",
                today: "2026-02-02",
                rows: DISPUTED,
                messages: &[],
                expect: Some(("wait_for_seller", K::EscalationOpens, 1)),
            },
            Case {
                name: "dispute day 2",
                today: "2026-02-03",
                rows: DISPUTED,
                messages: &[],
                expect: Some(("escalate_dispute", K::SellerResponseDue, 0)),
            },
            // Delivered 2026-02-05; the window counts 90 days from the latest
            // estimated delivery date (2026-02-10), not from delivery.
            Case {
                name: "90th day after the estimated date",
                today: "2026-05-11",
                rows: DELIVERED,
                messages: &[],
                expect: Some(("inspect_item", K::DisputeBy, 0)),
            },
            Case {
                name: "window over",
                today: "2026-05-12",
                rows: DELIVERED,
                messages: &[],
                expect: None,
            },
            Case {
                name: "dispute day 5: the seller's answer is 3 days overdue",
                today: "2026-02-06",
                rows: DISPUTED,
                messages: &[],
                expect: Some(("escalate_dispute", K::SellerResponseDue, -3)),
            },
        ],
    );
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
    let parsed = input::orders("stdin", &orders).unwrap();
    assert_eq!(parsed.skipped, 3);
    let warnings: Vec<(u64, Option<&str>, bool)> = parsed
        .warnings
        .iter()
        .map(|w| (w.line, w.column.as_deref(), w.row_skipped))
        .collect();
    assert_eq!(
        warnings,
        vec![
            (1, Some("colour"), false),
            (3, Some("paid_at"), true),
            (4, Some("promised_delivery"), true),
            (5, Some("status"), true),
        ]
    );
    assert_eq!(parsed.warnings[0].file, "stdin");
    let w = watch::watch(
        &parsed.rows,
        &[],
        &defaults(Marketplace::Aliexpress),
        scanner(),
        date("2026-01-05"),
    );
    assert_eq!(w.findings.len(), 1);

    let missing = input::orders("stdin", "order_id,store\n1,a\n").unwrap_err();
    assert_eq!(
        missing.to_string(),
        "stdin: the header has no \"paid_at\" column (required)"
    );
    // A row with the wrong number of fields is skipped, not misread.
    let short = input::orders("o.csv", "order_id,paid_at,store\nA,2026-01-01\n").unwrap();
    assert_eq!((short.rows.len(), short.skipped), (0, 1));
    assert_eq!(short.warnings[0].message, "2 fields where the header has 3");
}

#[test]
fn json_lines_and_amounts_in_minor_units() {
    let orders = "{\"order_id\": \"A\", \"paid_at\": \"2026-01-01\", \"amount\": \"12.5\", \"currency\": \"EUR\"}\n\
                  {\"order_id\": \"B\", \"paid_at\": \"2026-01-01\", \"amount\": \"12.555\", \"currency\": \"EUR\"}\n\
                  not json\n";
    let parsed = input::orders("stdin", orders).unwrap();
    assert_eq!(parsed.skipped, 2, "three decimals in EUR are not rounded");
    // Lines that are not JSON are reported while splitting, before the values are read.
    let warnings: Vec<(u64, Option<&str>)> = parsed
        .warnings
        .iter()
        .map(|w| (w.line, w.column.as_deref()))
        .collect();
    assert_eq!(warnings, [(3, None), (2, Some("amount"))]);
    let w = watch::watch(
        &parsed.rows,
        &[],
        &defaults(Marketplace::Aliexpress),
        scanner(),
        date("2026-01-05"),
    );
    let f = &w.findings[0];
    assert_eq!(f.action.code, "wait_for_shipment");
    assert_eq!((f.amount_minor, f.currency), (Some(1250), Some("EUR")));
}

#[test]
fn configured_numbers_change_the_actions() {
    let file: WatchFile =
        toml::from_str("[aliexpress]\nurgent_days = 5\n\n[ebay]\nclaim_window_days = 10\n")
            .unwrap();
    let configured = |m: Marketplace| {
        let mut rules = defaults(m);
        rules.apply(file.for_marketplace(m)).unwrap();
        rules
    };
    let code_and_days = |rules: &Rules, today: &str| {
        let (code, _, days) = verdict(rules, today, IN_TRANSIT, &[]).unwrap();
        (code, days)
    };
    // 4 days left asks for an extension soon by default; with urgent_days = 5, now.
    let aliexpress = configured(Marketplace::Aliexpress);
    let urgency =
        |rules: &Rules| watch_rows(rules, "2026-02-06", IN_TRANSIT, &[]).findings[0].urgency;
    assert_eq!(
        code_and_days(&defaults(Marketplace::Aliexpress), "2026-02-06"),
        ("ask_extension".into(), 4)
    );
    assert_eq!(urgency(&defaults(Marketplace::Aliexpress)), Urgency::Soon);
    assert_eq!(urgency(&aliexpress), Urgency::Now);
    // The AliExpress protection numbers are the engine's: set in [policy], refused here.
    let theirs: WatchFile = toml::from_str("[aliexpress]\npost_delivery_days = 30\n").unwrap();
    let err = defaults(Marketplace::Aliexpress)
        .apply(theirs.for_marketplace(Marketplace::Aliexpress))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "watch.aliexpress.post_delivery_days is the engine's policy number post_completion_window_days: set it under [policy] or as MARKETGUARD_POLICY_POST_COMPLETION_WINDOW_DAYS so that watch and the engine keep one rule"
    );
    let err = defaults(Marketplace::Aliexpress)
        .apply_env(&|name| {
            (name == "MARKETGUARD_WATCH_ALIEXPRESS_HANDLING_DAYS").then(|| "3".into())
        })
        .unwrap_err();
    assert!(err.to_string().starts_with("MARKETGUARD_WATCH_ALIEXPRESS_HANDLING_DAYS is the engine's policy number handling_days_default"), "{err}");
    assert_eq!(
        code_and_days(&configured(Marketplace::Ebay), "2026-02-10"),
        ("file_claim_now".into(), 10)
    );
    // The AliExpress numbers come from the policy.
    let policy = protection::Policy {
        handling_days_default: 10,
        ..protection::Policy::default()
    };
    let rules = Rules::defaults(Marketplace::Aliexpress, &policy);
    assert_eq!(rules.handling_days, 10);
    assert_eq!(
        verdict(&rules, "2026-01-09", NOT_SHIPPED, &[]).map(|v| v.0),
        Some("wait_for_shipment".into())
    );
    // Variables override; bad values are refused with the variable's name.
    let mut rules = defaults(Marketplace::Ebay);
    rules
        .apply_env(&|name| (name == "MARKETGUARD_WATCH_EBAY_URGENT_DAYS").then(|| "6".into()))
        .unwrap();
    assert_eq!(rules.urgent_days, 6);
    let err = rules
        .apply_env(&|name| (name == "MARKETGUARD_WATCH_EBAY_SOON_DAYS").then(|| "x".into()))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "MARKETGUARD_WATCH_EBAY_SOON_DAYS=\"x\" is not a whole number"
    );
    rules.urgent_days = -1;
    assert_eq!(
        rules.check(),
        Err(RulesError::OutOfRange {
            marketplace: "ebay",
            number: "urgent_days",
            value: -1
        })
    );
    assert!(toml::from_str::<WatchFile>("[ebay]\nclaim_days = 10\n").is_err());
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
    let orders = input::orders("o.csv", &format!("{HEADER}\n{}\n", rows.join("\n"))).unwrap();
    assert_eq!(orders.skipped, 0);
    let rules = defaults(Marketplace::Aliexpress);
    let s = scorecard::scorecard(&orders.rows, &rules, date("2026-03-22"));
    let stores: Vec<&str> = s.iter().map(|x| x.store.as_str()).collect();
    assert_eq!(stores, ["Bad", "Good"], "one row per store, by name");
    let (bad, good) = (&s[0], &s[1]);
    assert_eq!(good.recommendation, scorecard::Recommendation::Keep);
    assert_eq!(good.on_time_pct, Some(100));
    assert_eq!(bad.recommendation, scorecard::Recommendation::Replace);
    assert_eq!(bad.on_time_pct, Some(0));
    assert_eq!(bad.rejected, 1);
    // Sample every 90 days: the Good store's next one is due 2026-04-01.
    let due = good.sample_due.unwrap();
    assert_eq!((due.date, due.days_left), (date("2026-04-01"), 10));
    assert_eq!(
        bad.sample_due.unwrap().days_left,
        0,
        "no sample yet: due now"
    );
    // A supplier with no order for more than 90 days (last 2026-02-01) is not active: no reminder.
    let later = scorecard::scorecard(&orders.rows, &rules, date("2026-05-03"));
    assert_eq!(later[1].store, "Good");
    assert_eq!(later[1].sample_due, None);
}

#[test]
fn duplicate_orders_and_messages_about_unknown_orders_are_reported() {
    let orders = input::orders(
        "stdin",
        &format!("{HEADER}\n{}\n{}\n", NOT_SHIPPED[0], NOT_SHIPPED[0]),
    )
    .unwrap();
    let messages = input::messages(
        "m.csv",
        "order_id,sent_at,sender,text\nZ,2026-01-02,seller,hello\n",
    )
    .unwrap();
    let warnings = watch::cross_check(&orders.rows, &messages.rows, "stdin", "m.csv");
    let seen: Vec<(&str, u64, &str, bool)> = warnings
        .iter()
        .map(|w| (w.file.as_str(), w.line, w.message.as_str(), w.row_skipped))
        .collect();
    assert_eq!(
        seen,
        [
            ("stdin", 3, "order A also appears on line 2", false),
            (
                "m.csv",
                2,
                "order Z is not in the orders file; message ignored",
                false
            ),
        ]
    );
    // Both rows of the duplicate are watched.
    let w = watch::watch(
        &orders.rows,
        &messages.rows,
        &defaults(Marketplace::Aliexpress),
        scanner(),
        date("2026-01-05"),
    );
    assert_eq!(w.findings.len(), 2);
}

#[test]
fn urgency_changes_on_both_sides_of_soon_days_and_urgent_days() {
    let cases = [
        (Marketplace::Aliexpress, "2026-02-02", Urgency::Later),
        (Marketplace::Aliexpress, "2026-02-03", Urgency::Soon),
        (Marketplace::Aliexpress, "2026-02-06", Urgency::Soon),
        (Marketplace::Aliexpress, "2026-02-07", Urgency::Now),
        // eBay: waiting until the estimated date; from then a claim is due soon, and
        // now in the last 3 days.
        (Marketplace::Ebay, "2026-02-09", Urgency::Later),
        (Marketplace::Ebay, "2026-02-10", Urgency::Soon),
        (Marketplace::Ebay, "2026-03-08", Urgency::Soon),
        (Marketplace::Ebay, "2026-03-09", Urgency::Now),
        (Marketplace::Ebay, "2026-03-13", Urgency::Overdue),
    ];
    let mut failures = Vec::new();
    for (marketplace, today, want) in cases {
        let w = watch_rows(&defaults(marketplace), today, IN_TRANSIT, &[]);
        let got = w.findings[0].urgency;
        if got != want {
            failures.push(format!(
                "{marketplace:?} {today}: got {got:?}, want {want:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn findings_sort_by_urgency_then_days_left_and_closed_orders_are_counted() {
    let rows = [
        // later: ship-by in 3 days
        "L,Shop,2026-01-05,,,,,paid,,,,,",
        // overdue: not shipped within 7 days
        "N,Shop,2026-01-01,,,,,paid,,,,,",
        // closed: cancelled
        "C,Shop,2026-01-01,,,,,cancelled,,,,,",
        // soon: protection ends in 4 days
        "S,Shop,2026-01-01,2026-01-03,2026-01-13,LX402177355CN,2026-01-07,shipped,,,,,",
    ];
    let w = watch_rows(&defaults(Marketplace::Aliexpress), "2026-01-09", &rows, &[]);
    let order: Vec<(&str, Urgency)> = w
        .findings
        .iter()
        .map(|f| (f.order_id.as_str(), f.urgency))
        .collect();
    assert_eq!(
        order,
        [
            ("N", Urgency::Overdue),
            ("S", Urgency::Soon),
            ("L", Urgency::Later)
        ]
    );
    assert_eq!(w.closed_orders, 1);
}

#[test]
fn a_message_longer_than_the_scanner_reads_says_so() {
    // Past the limit the scanner stops: the report must not pass the rest off as read.
    let long = format!(
        "A,2026-01-20,seller,\"{}\"",
        "Thank you for your order, it has shipped. ".repeat(2000)
    );
    assert!(long.len() > risk::MESSAGE_BYTES_MAX);
    let w = watch_rows(
        &defaults(Marketplace::Aliexpress),
        "2026-01-25",
        IN_TRANSIT,
        &[&long],
    );
    let notes = &w.findings.iter().find(|f| f.order_id == "A").unwrap().notes;
    let expect = format!(
        "message of 2026-01-20: only the first {} bytes were scanned",
        risk::MESSAGE_BYTES_MAX
    );
    assert!(notes.contains(&expect), "{notes:?}");
}

#[test]
fn a_passed_deadline_is_overdue_and_only_a_passed_one() {
    let rows: &[&[&str]] = &[
        IN_TRANSIT,
        NOT_SHIPPED,
        DELIVERED,
        DELIVERED_LATE,
        DISPUTED,
        REUSED,
        BAD_NUMBER,
    ];
    let mut failures = Vec::new();
    for marketplace in [
        Marketplace::Aliexpress,
        Marketplace::Ebay,
        Marketplace::Amazon,
    ] {
        let rules = defaults(marketplace);
        for orders in rows {
            let mut today = date("2026-01-01");
            while today <= date("2026-06-30") {
                let w = watch_rows(&rules, &today.to_string(), orders, &[]);
                for f in &w.findings {
                    let passed = f.deadline.is_some_and(|d| d.days_left < 0);
                    if passed != (f.urgency == Urgency::Overdue) {
                        failures.push(format!(
                            "{marketplace:?} {today} {}: {:?} {:?} {}",
                            f.order_id, f.urgency, f.deadline, f.action.code
                        ));
                    }
                }
                today += chrono::Duration::days(1);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{}",
        failures[..failures.len().min(10)].join("\n")
    );
}

#[test]
fn ebay_and_amazon_orders_get_their_own_words_never_aliexpress_protection() {
    let stale: &[&str] =
        &["A,Shop,2026-01-01,2026-01-03,2026-02-10,LX402177355CN,2026-01-05,shipped,,,,,"];
    let mut failures = Vec::new();
    for marketplace in [Marketplace::Ebay, Marketplace::Amazon] {
        let rules = defaults(marketplace);
        for orders in [stale, IN_TRANSIT, DELIVERED, DISPUTED, NOT_SHIPPED, REUSED] {
            let mut today = date("2026-01-01");
            while today <= date("2026-06-30") {
                let w = watch_rows(&rules, &today.to_string(), orders, &[]);
                for f in &w.findings {
                    let said = std::iter::once(&f.action.text).chain(&f.notes);
                    for text in said {
                        if text.contains("protection") || text.contains("AliExpress") {
                            failures.push(format!("{marketplace:?} {today}: {text}"));
                        }
                    }
                }
                today += chrono::Duration::days(7);
            }
        }
    }
    failures.dedup();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rows_that_cannot_be_true_are_skipped_with_line_and_field() {
    let rows = [
        "A,Shop,2026-03-01,,,,,paid,,,,,",
        "B,Shop,2026-01-10,2026-01-05,,,,shipped,,,,,",
        "C,Shop,2026-01-01,2026-01-10,,,,delivered,2026-01-08,,,,",
        "D,Shop,2026-01-10,,2026-01-05,,,paid,,,,,",
        "E,Shop,2026-01-10,,,,,disputed,,2026-01-02,open,other,",
        "F,Shop,2026-01-01,2026-01-03,,,,delivered,2026-02-05,,,,",
        // Shipped after the promised date, scanned before marked shipped: both happen.
        "G,Shop,2026-01-01,2026-01-12,2026-01-10,LX402177355CN,2026-01-11,shipped,,,,,",
    ];
    let mut parsed = input::orders("o.csv", &format!("{HEADER}\n{}\n", rows.join("\n"))).unwrap();
    assert_eq!(parsed.skipped, 0, "every value reads");
    watch::refuse_impossible(&mut parsed, "o.csv", date("2026-02-01"));
    let warnings: Vec<(u64, &str, &str, bool)> = parsed
        .warnings
        .iter()
        .map(|w| {
            (
                w.line,
                w.column.as_deref().unwrap(),
                w.message.as_str(),
                w.row_skipped,
            )
        })
        .collect();
    assert_eq!(
        warnings,
        [
            (
                2,
                "paid_at",
                "paid_at 2026-03-01 is after today (2026-02-01)",
                true
            ),
            (
                3,
                "shipped_at",
                "shipped_at 2026-01-05 is before paid_at 2026-01-10",
                true
            ),
            (
                4,
                "delivered_at",
                "delivered_at 2026-01-08 is before shipped_at 2026-01-10",
                true
            ),
            (
                5,
                "promised_delivery",
                "promised_delivery 2026-01-05 is before paid_at 2026-01-10",
                true
            ),
            (
                6,
                "dispute_opened_at",
                "dispute_opened_at 2026-01-02 is before paid_at 2026-01-10",
                true
            ),
            (
                7,
                "delivered_at",
                "delivered_at 2026-02-05 is after today (2026-02-01)",
                true
            ),
        ]
    );
    assert_eq!(parsed.skipped, 6);
    let kept: Vec<&str> = parsed.rows.iter().map(|o| o.order_id.as_str()).collect();
    assert_eq!(kept, ["G"]);
}

#[test]
fn every_deadline_kind_and_action_code_has_its_meaning_and_json_name() {
    for k in K::ALL {
        assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        assert!(!k.meaning().is_empty());
    }
    let mut names: Vec<&str> = watch::Code::ALL.iter().map(|c| c.as_str()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), watch::Code::ALL.len(), "codes are unique");
}

#[test]
fn an_escalated_dispute_waits_for_the_platform_not_for_a_passed_escalation_date() {
    let escalated: &[&str] = &[
        "A,Shop,2026-01-01,2026-01-03,2026-02-10,LX402177355CN,2026-01-20,disputed,,2026-02-01,escalated,not_received,",
    ];
    let w = watch_rows(
        &defaults(Marketplace::Aliexpress),
        "2026-02-20",
        escalated,
        &[],
    );
    let f = &w.findings[0];
    assert_eq!(f.action.code, "wait_for_platform");
    assert_eq!(f.deadline, None, "no date of the buyer's is due");
    assert!(!f.action.text.contains("ago"), "{}", f.action.text);
}

/// Rows with the carrier's last event (`tracking_event`) as the engine names it.
fn watch_with_scans(marketplace: Marketplace, today: &str, row: &str) -> Option<(String, K, i64)> {
    let header = "order_id,store,paid_at,shipped_at,promised_delivery,tracking,tracking_updated_at,tracking_event,status,delivered_at";
    let orders = input::orders("orders.csv", &format!("{header}\n{row}\n")).unwrap();
    assert_eq!(orders.skipped, 0, "{:?}", orders.warnings);
    let w = watch::watch(
        &orders.rows,
        &[],
        &defaults(marketplace),
        scanner(),
        date(today),
    );
    let f = w.findings.iter().find(|f| f.order_id == "A")?;
    let d = f.deadline.expect("every open order has a deadline");
    Some((f.action.code.to_string(), d.kind, d.days_left))
}

#[test]
fn the_advice_follows_the_carriers_last_event() {
    // Last scan on 2026-01-20, 14 days before today: without a delivered scan the
    // parcel is stuck; with one it is delivered on that day, exactly as a row that
    // gives delivered_at.
    let today = "2026-02-03";
    let base = "A,Shop,2026-01-01,2026-01-03,2026-02-10,LX402177355CN,2026-01-20";
    for m in [
        Marketplace::Aliexpress,
        Marketplace::Ebay,
        Marketplace::Amazon,
    ] {
        let moving = watch_with_scans(m, today, &format!("{base},in_transit,shipped,"));
        let scanned = watch_with_scans(m, today, &format!("{base},delivered,shipped,"));
        let given = watch_with_scans(m, today, &format!("{base},,delivered,2026-01-20"));
        assert_eq!(scanned, given, "{m:?}");
        assert_ne!(scanned, moving, "{m:?}");
        assert_ne!(
            scanned.as_ref().map(|v| v.0.as_str()),
            Some("do_not_confirm"),
            "{m:?}"
        );
    }
    assert_eq!(
        watch_with_scans(
            Marketplace::Aliexpress,
            today,
            &format!("{base},in_transit,shipped,")
        ),
        Some(("ask_extension".into(), K::ProtectionEnds, 7))
    );
    // Going back to the seller: it will not come.
    let returned = format!("{base},returned,shipped,");
    assert_eq!(
        watch_with_scans(Marketplace::Aliexpress, "2026-01-22", &returned),
        Some(("parcel_returned".into(), K::ProtectionEnds, 19))
    );
    let ebay = watch_with_scans(Marketplace::Ebay, "2026-01-22", &returned).unwrap();
    assert_eq!(ebay.0, "parcel_returned");
}

#[test]
fn a_carrier_event_the_engine_does_not_know_is_reported_with_its_column() {
    let header = "order_id,paid_at,shipped_at,tracking_updated_at,tracking_event";
    for (row, column) in [
        ("A,2026-01-01,2026-01-03,2026-01-20,lost", "tracking_event"),
        ("A,2026-01-01,2026-01-03,,delivered", "tracking_updated_at"),
    ] {
        let orders = input::orders("orders.csv", &format!("{header}\n{row}\n")).unwrap();
        assert_eq!(orders.skipped, 1, "{row}");
        assert_eq!(
            orders.warnings[0].column.as_deref(),
            Some(column),
            "{:?}",
            orders.warnings
        );
    }
}
