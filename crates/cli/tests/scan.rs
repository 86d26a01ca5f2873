//! `marketguard scan messages|links` at the process boundary: JSON Lines in and
//! out in the same order, spans into the original text, bad lines reported in
//! place with exit code 2.

use std::io::Write;
use std::process::{Command, Stdio};

fn run(args: &[&str], input: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_marketguard"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("marketguard runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn messages_keep_their_order_and_spans_point_into_the_text() {
    let messages = [
        r#"{"id": 1, "text": "Hi, when will you ship my order?", "sender": "buyer", "context": "pre_order"}"#,
        r#"{"id": "b", "text": "escríbeme al wh4tsapp +34 612-345-678, te hago descuento si pagas por transferencia", "sender": "seller", "context": "pre_order"}"#,
        r#"{"id": "c", "text": "пожалуйста подтвердите получение сейчас, потом отправлю", "sender": "seller", "context": "in_transit"}"#,
    ];
    let (code, out, err) = run(
        &["scan", "messages", "-", "--format", "json"],
        &messages.join("\n"),
    );
    assert_eq!(code, 0, "{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["id"], 1);
    assert_eq!(lines[0]["verdict"], "allow");
    assert_eq!(lines[1]["id"], "b");
    let kinds: Vec<&str> = lines[1]["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"offsite_contact") && kinds.contains(&"offsite_payment"),
        "{kinds:?}"
    );
    for (line, input) in lines.iter().zip(messages) {
        let text = serde_json::from_str::<serde_json::Value>(input).unwrap()["text"]
            .as_str()
            .unwrap()
            .to_string();
        for s in line["signals"].as_array().unwrap() {
            let (a, b) = (
                s["span"][0].as_u64().unwrap() as usize,
                s["span"][1].as_u64().unwrap() as usize,
            );
            assert_eq!(&text[a..b], s["excerpt"].as_str().unwrap());
        }
    }
    assert_eq!(lines[2]["signals"][0]["kind"], "confirm_receipt_pressure");
}

#[test]
fn bad_lines_are_reported_in_place_and_the_rest_is_scanned() {
    let input = "{\"text\": \"ok\", \"context\": \"shipped\"}\nnot json\n{\"text\": \"pay with western union\", \"sender\": \"seller\"}\n";
    let (code, out, err) = run(&["scan", "messages", "--format", "json"], input);
    assert_eq!(code, 2);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["line"], 1);
    assert!(lines[0]["error"].as_str().unwrap().contains("context"));
    assert_eq!(lines[1]["line"], 2);
    assert_eq!(lines[2]["signals"][0]["kind"], "offsite_payment");
    assert!(err.contains("line 1") && err.contains("line 2"), "{err}");
}

#[test]
fn links_name_the_brand_they_pose_as() {
    let input = "hxxps://aliexpress-refund[.]com/claim\n{\"url\": \"https://www.aliexpress.com/item/1.html\"}\nnot a url at all\n";
    let (code, out, err) = run(&["scan", "links", "-", "--format", "json"], input);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["impersonates"], "aliexpress.com");
    assert_eq!(lines[0]["url"], "hxxps://aliexpress-refund[.]com/claim");
    assert_eq!(lines[1]["registrable_domain"], "aliexpress.com");
    assert_eq!(lines[1]["verdict"], "allow");
    assert!(lines[2]["registrable_domain"].is_null());
    let (code, out, _) = run(&["scan", "links"], "paypa1.com\n");
    assert_eq!(code, 0);
    assert!(out.contains("BLOCK") || out.contains("REVIEW"), "{out}");
    assert!(out.contains("poses as: paypal.com"), "{out}");
}

#[test]
fn extra_fields_and_a_byte_order_mark_are_read_as_people_script_them() {
    // Regression: a labelled corpus line, a BOM, and `"text": 123` all got "not a JSON
    // object with a \"text\" field", and the labelled lines were not scanned.
    let input = "\u{feff}{\"id\": \"m1\", \"text\": \"pay with western union\", \"kinds\": [\"offsite_payment\"]}\n\
                 {\"id\": \"m2\", \"text\": \"thanks\", \"label\": \"honest\"}\n\
                 {\"id\": \"m3\", \"text\": 123}\n\
                 {\"id\": \"m4\"}\n";
    let (code, out, err) = run(&["scan", "messages", "--format", "json"], input);
    assert_eq!(code, 2, "{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["id"], "m1");
    assert_eq!(lines[0]["signals"][0]["kind"], "offsite_payment");
    assert_eq!(lines[1]["id"], "m2");
    assert_eq!(lines[1]["verdict"], "allow");
    let e3 = lines[2]["error"].as_str().unwrap();
    assert!(
        e3.contains("\"text\"") && e3.contains("integer `123`"),
        "{e3}"
    );
    let e4 = lines[3]["error"].as_str().unwrap();
    assert!(e4.contains("missing field `text`"), "{e4}");
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning")).collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(
        warnings[0].contains("\"kinds\" (first on line 1)")
            && warnings[0].contains("\"label\" (first on line 2)"),
        "{err}"
    );

    let links = "\u{feff}{\"url\": \"https://www.aliexpress.com/item/1.html\", \"malicious\": false}\n\u{feff}paypal.com\n";
    let (code, out, err) = run(&["scan", "links", "--format", "json"], links);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["registrable_domain"], "aliexpress.com");
    assert_eq!(lines[1]["url"], "paypal.com");
    assert!(err.contains("\"malicious\" (first on line 1)"), "{err}");
}
