//! `marketguard assess seller|listing|tracking` at the process boundary: the example
//! files, the JSON shapes of design.md section 5, and bad input (exit code 2 with the
//! field named).

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_marketguard");
const AS_OF: &str = "2026-11-25";

fn examples(name: &str) -> String {
    format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("marketguard starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn json_of(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON document")
}

fn assert_assessment(o: &Value) {
    let risk = o["risk"].as_u64().expect("risk");
    assert!(risk <= 100);
    assert!(["allow", "warn", "review", "block"].contains(&o["verdict"].as_str().unwrap()));
    for s in o["signals"].as_array().expect("signals") {
        assert!(s["kind"].is_string() && s["severity"].is_string());
        let score = s["score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&score));
        assert!(s["excerpt"].is_string() && s["explanation"].is_string());
    }
}

#[test]
fn example_files_table() {
    let table = [
        ("seller", "seller.json", "block"),
        ("seller", "seller-established.json", "allow"),
        ("listing", "listing.json", "block"),
        ("listing", "listing-ok.json", "allow"),
    ];
    for (what, file, verdict) in table {
        let o = json_of(&run(
            &[
                "assess",
                what,
                &examples(file),
                "--as-of",
                AS_OF,
                "--format",
                "json",
            ],
            "",
        ));
        assert_assessment(&o);
        assert_eq!(o["verdict"], verdict, "{file}: {o}");
        if what == "seller" {
            let trust = o["trust_score"].as_u64().expect("trust_score");
            assert!(trust <= 100);
        }
    }
}

#[test]
fn text_report_puts_the_verdict_first_and_says_what_to_do() {
    let out = run(
        &[
            "assess",
            "seller",
            &examples("seller.json"),
            "--as-of",
            AS_OF,
        ],
        "",
    );
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("BLOCK (risk "), "{text}");
    assert!(
        text.contains("Why:") && text.contains("What to do:"),
        "{text}"
    );
}

#[test]
fn tracking_json_lines_keep_order_and_shape() {
    let input = std::fs::read_to_string(examples("tracking.jsonl")).unwrap();
    let out = run(&["assess", "tracking", "-", "--format", "json"], &input);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let sent: Vec<Value> = input
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), sent.len());
    for (o, s) in lines.iter().zip(&sent) {
        assert_eq!(o["number"], s["number"]);
        assert!(o["format_valid"].is_boolean());
        assert!(o["carrier"].is_string() || o["carrier"].is_null());
        assert_assessment(o);
    }
    // The same Cainiao number on two orders of the input: reused.
    for o in &lines[1..3] {
        assert!(o["signals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["explanation"]
                .as_str()
                .unwrap()
                .contains("also used on 1 other order")));
    }
    assert_eq!(lines[4]["signals"][0]["kind"], "ship_and_switch");
    assert_eq!(lines[5]["format_valid"], false);
}

#[test]
fn tracking_numbers_as_arguments() {
    let out = run(
        &[
            "assess",
            "tracking",
            "RB123456785GB",
            "RB123456784GB",
            "--format",
            "json",
        ],
        "",
    );
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let valid: Vec<bool> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["format_valid"]
                .as_bool()
                .unwrap()
        })
        .collect();
    assert_eq!(valid, [true, false]);
}

#[test]
fn bad_input_exits_2_naming_the_field() {
    let seller = |extra: &str| {
        format!(r#"{{"opened": "2026-01-01", "feedback_count": 3, "items_sold": 3{extra}}}"#)
    };
    let table = [
        ("seller", seller(r#", "positive_feedback_pct": 104"#), "positive_feedback_pct"),
        ("seller", r#"{"opened": "2026-01-01", "positive_feedback_pct": 90, "feedback_count": -3, "items_sold": 3}"#.to_string(), "feedback_count"),
        ("seller", r#"{"opened": "2027-03-01", "positive_feedback_pct": 90, "feedback_count": 3, "items_sold": 3}"#.to_string(), "opened"),
        ("seller", seller(""), "positive_feedback_pct"),
        ("seller", seller(r#", "positive_feedback_pct": 90, "currency": "XYZ", "price_max": "9.00""#), "currency"),
        ("listing", r#"{"title": "x", "price": "1.00", "currency": "ABC", "category": "c", "photos": 1}"#.to_string(), "currency"),
        ("listing", r#"{"title": "x", "price": "1.00", "currency": "USD", "photos": 1}"#.to_string(), "category"),
        ("listing", r#"{"title": "x", "price": "1.00", "currency": "USD", "category": "c", "photos": -2}"#.to_string(), "photos"),
        ("listing", r#"{"title": "x", "price": "1.00", "currency": "USD", "category": "c", "photos": 1, "peer_prices": ["1.00", "-2"]}"#.to_string(), "peer_prices[1]"),
        ("listing", format!(r#"{{"title": "x", "price": "1.00", "currency": "USD", "category": "c", "photos": 1, "seller": {}}}"#, seller(r#", "positive_feedback_pct": 101"#)), "seller.positive_feedback_pct"),
    ];
    let dir = std::env::temp_dir().join(format!("mg-assess-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (i, (what, json, field)) in table.iter().enumerate() {
        let path = dir.join(format!("{i}.json"));
        std::fs::write(&path, json).unwrap();
        let out = run(
            &["assess", what, path.to_str().unwrap(), "--as-of", AS_OF],
            "",
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{json}: {err}");
        assert!(err.contains(field), "{json}: {err}");
        assert!(out.stdout.is_empty(), "{json}: a score was printed");
    }
    std::fs::remove_dir_all(&dir).unwrap();
    let out = run(
        &["assess", "tracking", "-"],
        "{\"number\": \"LP00123456789012\", \"days_since_last_event\": -4}\n",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1: days_since_last_event"));
}

#[test]
fn seller_from_the_store_s_own_orders() {
    let dir = std::env::temp_dir().join(format!("mg-assess-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/m.db", dir.display());
    // A store reads an existing database (it never creates one): an empty run of
    // `orders exec` makes and migrates it.
    let made = run(&["orders", "exec", "-", "--database-url", &url], "");
    assert!(made.status.success(), "{made:?}");
    let out = run(
        &[
            "assess",
            "seller",
            "--store",
            "s-1",
            "--opened",
            "2026-11-01",
            "--as-of",
            AS_OF,
            "--database-url",
            &url,
            "--format",
            "json",
        ],
        "",
    );
    let o = json_of(&out);
    assert_assessment(&o);
    assert_eq!(o["name"], "s-1");
    // A new store without orders: unproven, neither trusted nor condemned (issue 19:
    // thin evidence is the middle of the scale, and the tier follows the score).
    let trust = o["trust_score"].as_u64().unwrap();
    assert!((60..80).contains(&trust) && o["tier"] == "medium", "{o}");
    assert_ne!(o["verdict"], "allow", "{o}");
    // Without --opened the store counts as open since its first order.
    let out = run(
        &[
            "assess",
            "seller",
            "--store",
            "s-1",
            "--as-of",
            AS_OF,
            "--database-url",
            &url,
            "--format",
            "json",
        ],
        "",
    );
    assert_eq!(json_of(&out)["tier"], "medium", "{out:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}
