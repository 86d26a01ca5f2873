//! `marketguard orders exec` then `orders show`: a long chat message's finding, deep in
//! the text, shows in the text report with its bytes and in the JSON as an array.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_marketguard");

fn marketguard(args: &[&str], stdin: &str) -> String {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn marketguard");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn orders_show_gives_the_findings_of_a_long_message() {
    let dir = std::env::temp_dir().join(format!("mg-orders-show-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/o.db", dir.display());
    let filler = "The parcel is packed and the colour is the one you chose. ";
    let needle = "add me on whatsapp +44 7700 900123";
    let mut text = filler.repeat(30_000 / filler.len());
    let start = text.len();
    text.push_str(needle);
    while text.len() < 40_000 {
        text.push_str(filler);
    }
    text.truncate(40_000);
    let at = "2026-11-01T10:00:00Z";
    let lines = [
        json!({"order": "o-1", "actor": "platform", "at": at, "command": "place", "buyer": "b-1", "seller": "s-1",
               "price": "10.00", "shipping": "1.00", "currency": "EUR", "promised_days": 20}),
        json!({"order": "o-1", "actor": "buyer:b-1", "at": at, "command": "pay", "amount": "11.00", "currency": "EUR",
               "three_ds": "authenticated"}),
        json!({"order": "o-1", "actor": "seller:s-1", "at": at, "command": "post_message", "id": "m1", "text": text}),
    ]
    .map(|l| l.to_string())
    .join("\n");
    marketguard(&["orders", "exec", "-", "--database-url", &url], &lines);

    let report = marketguard(&["orders", "show", "o-1", "--database-url", &url], "");
    let line = report
        .lines()
        .find(|l| l.contains("] offsite_contact: "))
        .unwrap_or_else(|| panic!("no finding line:\n{report}"));
    let bytes = line.rsplit_once(" at bytes ").expect("a span").1;
    let (a, b) = bytes.split_once("..").unwrap();
    let (a, b): (usize, usize) = (a.parse().unwrap(), b.parse().unwrap());
    assert!(start <= a && b <= start + needle.len(), "{line}");
    assert!(!report.contains("note:"), "read whole: {report}");

    let json: Value = serde_json::from_str(&marketguard(
        &[
            "orders",
            "show",
            "o-1",
            "--format",
            "json",
            "--database-url",
            &url,
        ],
        "",
    ))
    .unwrap();
    let posted = json["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == "message_posted")
        .unwrap();
    let signals = posted["body"]["signals"].as_array().expect("an array");
    assert!(signals
        .iter()
        .any(|s| s["kind"] == "offsite_contact" && s["span"][0] == json!(a)));
    assert!(posted["body"]["verdict"].is_string());
    let _ = std::fs::remove_dir_all(&dir);
}
