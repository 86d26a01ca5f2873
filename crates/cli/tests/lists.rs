//! The list commands as processes, on SQLite and PostgreSQL: `orders list` with its
//! filters, `disputes list`, `cases list`, `ledger accounts`, `keys list`, paging with
//! `--limit` and `--after`, and `keys revoke` refused at once by a running `serve`.

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_marketguard");

/// Runs marketguard and returns its exit code, standard output and standard error.
fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("MARKETGUARD_DATABASE_URL")
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
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Runs a command that must succeed, on `url`, and returns its standard output.
fn ok(url: &str, args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.extend(["--database-url", url]);
    let (code, out, err) = run(&all, "");
    assert_eq!(code, 0, "{all:?}: {out}{err}");
    out
}

/// A list command's JSON page.
fn page(url: &str, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    serde_json::from_str(&ok(url, &all)).unwrap()
}

fn field(page: &Value, name: &str) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i[name].as_str().unwrap().to_string())
        .collect()
}

fn databases() -> (
    tokio::runtime::Runtime,
    Vec<(String, store::testing::tempfile_guard::Guard)>,
) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dbs = rt.block_on(store::testing::databases()).unwrap();
    (rt, dbs)
}

/// RFC 3339 time `days` (fractions allowed) before now.
fn ago(days: f64) -> String {
    let now = domain::Clock::now(&domain::SystemClock);
    now.plus_ms(-(days * domain::MS_PER_DAY as f64) as i64)
        .rfc3339()
}

/// Four orders: o-1 paid and never shipped (its handling deadline passed, not fired:
/// overdue), o-2 shipped in time and delivered (its passed handling deadline does
/// nothing: not overdue), o-3 with an escalated dispute, o-4 only placed; and a scam
/// message on o-1 that opens a case.
fn marketplace(url: &str) {
    let place = |o: &str, b: &str, s: &str, at: &str| {
        json!({"order": o, "actor": "platform", "at": at, "command": "place", "buyer": b, "seller": s,
               "price": "20.00", "currency": "EUR", "promised_days": 20})
    };
    // The platform's payment side reports payments (a buyer's key cannot).
    let pay = |o: &str, _b: &str, at: &str| {
        json!({"order": o, "actor": "platform", "at": at, "command": "pay", "amount": "20.00",
               "currency": "EUR", "three_ds": "authenticated"})
    };
    let lines = [
        place("o-1", "b-1", "s-1", &ago(10.0)),
        pay("o-1", "b-1", &ago(10.0)),
        json!({"order": "o-1", "actor": "seller:s-1", "at": ago(9.5), "command": "post_message", "id": "m1",
               "text": "pay me by western union for 10% off, add me on whatsapp +44 7700 900123"}),
        place("o-2", "b-2", "s-1", &ago(9.99)),
        pay("o-2", "b-2", &ago(9.99)),
        json!({"order": "o-2", "actor": "seller:s-1", "at": ago(9.0), "command": "ship", "tracking": "LP1"}),
        json!({"order": "o-2", "actor": "carrier", "at": ago(8.0), "command": "deliver"}),
        place("o-3", "b-1", "s-2", &ago(9.98)),
        pay("o-3", "b-1", &ago(9.98)),
        json!({"order": "o-3", "actor": "seller:s-2", "at": ago(9.0), "command": "ship", "tracking": "LP3"}),
        json!({"order": "o-3", "actor": "carrier", "at": ago(8.0), "command": "deliver"}),
        json!({"order": "o-3", "actor": "buyer:b-1", "at": ago(4.0), "command": "open_dispute",
               "reason": "damaged", "evidence": [{"type": "text", "text": "cracked"}]}),
        json!({"order": "o-3", "actor": "buyer:b-1", "at": ago(1.0), "command": "escalate"}),
        place("o-4", "b-3", "s-1", &ago(1.0)),
    ]
    .map(|l| l.to_string())
    .join("\n");
    let (code, out, err) = run(
        &[
            "orders",
            "exec",
            "-",
            "--database-url",
            url,
            "--format",
            "json",
        ],
        &lines,
    );
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn orders_disputes_cases_and_accounts_are_listed_by_page_and_filter() {
    let (_rt, dbs) = databases();
    for (url, _guard) in &dbs {
        marketplace(url);
        let all = page(url, &["orders", "list"]);
        assert_eq!(field(&all, "order"), ["o-4", "o-3", "o-2", "o-1"], "{url}");
        assert_eq!(all["next_cursor"], Value::Null);
        assert_eq!(all["items"][3]["total"], "20.00");

        // Pages of two, the second from the first's cursor.
        let first = page(url, &["orders", "list", "--limit", "2"]);
        assert_eq!(field(&first, "order"), ["o-4", "o-3"]);
        let cursor = first["next_cursor"].as_str().unwrap();
        let second = page(url, &["orders", "list", "--limit", "2", "--after", cursor]);
        assert_eq!(field(&second, "order"), ["o-2", "o-1"]);
        let text = ok(url, &["orders", "list", "--limit", "2"]);
        assert!(
            text.contains(&format!("next page: --after {cursor}")),
            "{text}"
        );

        let by = |args: &[&str]| {
            let mut a = vec!["orders", "list"];
            a.extend(args);
            field(&page(url, &a), "order")
        };
        assert_eq!(by(&["--status", "paid"]), ["o-1"]);
        assert_eq!(by(&["--buyer", "b-1"]), ["o-3", "o-1"]);
        assert_eq!(by(&["--seller", "s-2"]), ["o-3"]);
        assert_eq!(
            by(&["--status", "disputed", "--seller", "s-1"]),
            Vec::<String>::new()
        );
        // o-2's handling deadline passed too, but it shipped: that deadline does
        // nothing, so it is not overdue.
        let overdue = page(url, &["orders", "list", "--overdue"]);
        assert_eq!(field(&overdue, "order"), ["o-1"]);
        assert_eq!(
            overdue["items"][0]["overdue"][0]["deadline"],
            "handling_deadline"
        );
        let text = ok(url, &["orders", "list", "--overdue"]);
        assert!(
            text.contains("overdue: handling deadline was due"),
            "{text}"
        );

        let disputes = page(url, &["disputes", "list"]);
        assert_eq!(field(&disputes, "order"), ["o-3"]);
        assert_eq!(disputes["items"][0]["stage"], "escalated");
        assert_eq!(disputes["items"][0]["reason"], "damaged");
        assert_eq!(
            field(
                &page(url, &["disputes", "list", "--escalated", "--buyer", "b-1"]),
                "order"
            ),
            ["o-3"]
        );
        assert!(ok(url, &["disputes", "list"]).contains("o-3"));

        let cases = page(url, &["cases", "list"]);
        assert_eq!(field(&cases, "case"), ["o-1:m1"]);
        assert!(cases["items"][0]["kinds"]
            .as_array()
            .unwrap()
            .contains(&json!("offsite_payment")));
        assert_eq!(
            field(&page(url, &["cases", "list", "--status", "closed"]), "case"),
            Vec::<String>::new()
        );

        let accounts = page(url, &["ledger", "accounts"]);
        let ids = field(&accounts, "account");
        assert!(ids.len() >= 4, "{ids:?}");
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "in id order");
        let escrow = page(url, &["ledger", "accounts", "--kind", "order_escrow"]);
        assert_eq!(field(&escrow, "kind"), ["order_escrow"; 3]);
        assert_eq!(
            field(
                &page(
                    url,
                    &[
                        "ledger",
                        "accounts",
                        "--kind",
                        "order_escrow",
                        "--owner",
                        "o-1"
                    ]
                ),
                "balance"
            ),
            ["20.00"]
        );
        let one = page(url, &["ledger", "accounts", "--limit", "1"]);
        let next = one["next_cursor"].as_str().unwrap();
        assert_eq!(next, ids[0]);
        let two = page(
            url,
            &["ledger", "accounts", "--limit", "1", "--after", next],
        );
        assert_eq!(field(&two, "account"), [ids[1].clone()]);
    }
}

#[test]
fn list_commands_refuse_bad_input_and_never_create_a_database() {
    let dir = std::env::temp_dir().join(format!("mg-lists-missing-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let missing = format!("sqlite://{}/none.db", dir.display());
    for args in [
        vec!["orders", "list"],
        vec!["disputes", "list"],
        vec!["cases", "list"],
        vec!["ledger", "accounts"],
        vec!["keys", "list"],
    ] {
        let mut a = args.clone();
        a.extend(["--database-url", &missing]);
        let (code, out, err) = run(&a, "");
        assert_eq!(code, 2, "{a:?}: {out}{err}");
        assert!(err.contains("does not exist"), "{a:?}: {err}");
    }
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "a list created a file"
    );

    let url = format!("sqlite://{}/o.db", dir.display());
    marketplace(&url);
    for (args, says) in [
        (
            vec!["orders", "list", "--limit", "0"],
            "--limit 0 must be 1 to 1000",
        ),
        (
            vec!["orders", "list", "--after", "yesterday"],
            "--after \"yesterday\" is not a cursor",
        ),
        (
            vec!["orders", "list", "--status", "lost"],
            "--status \"lost\" must be one of placed",
        ),
        (vec!["cases", "list", "--after", "1.2"], "is not a cursor"),
        (
            vec!["cases", "list", "--status", "all"],
            "must be open or closed",
        ),
        (
            vec!["ledger", "accounts", "--kind", "escrow"],
            "must be one of buyer_funding",
        ),
        (vec!["keys", "list", "--limit", "1001"], "must be 1 to 1000"),
    ] {
        let mut a = args.clone();
        a.extend(["--database-url", &url]);
        let (code, out, err) = run(&a, "");
        assert_eq!(code, 2, "{a:?}: {out}{err}");
        assert!(err.contains(says), "{a:?}: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Sends `GET path` with a bearer key to 127.0.0.1:`port` and returns the status code.
fn http_status(port: u16, path: &str, key: &str) -> Option<u16> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    s.read_to_string(&mut response).ok()?;
    response.split(' ').nth(1)?.parse().ok()
}

#[test]
fn keys_are_listed_without_secrets_and_a_revoked_key_is_refused_by_serve_at_once() {
    let (_rt, dbs) = databases();
    for (url, _guard) in &dbs {
        let created: Vec<Value> = ["agent", "seller:s-1"]
            .iter()
            .map(|role| {
                serde_json::from_str(&ok(
                    url,
                    &["keys", "create", "--role", role, "--format", "json"],
                ))
                .unwrap()
            })
            .collect();
        let key = created[0]["key"].as_str().unwrap().to_string();
        let id = key.split('_').nth(1).unwrap().to_string();
        let listed = page(url, &["keys", "list"]);
        assert_eq!(field(&listed, "role"), ["agent", "seller:s-1"]);
        assert_eq!(listed["items"][0]["id"], id.as_str());
        assert_eq!(listed["items"][0]["revoked_at"], Value::Null);
        let text = ok(url, &["keys", "list"]);
        for k in &created {
            let full = k["key"].as_str().unwrap();
            let secret = full.rsplit('_').next().unwrap();
            assert!(!listed.to_string().contains(secret) && !text.contains(secret));
        }
        let first = page(url, &["keys", "list", "--limit", "1"]);
        let cursor = first["next_cursor"].as_str().unwrap();
        assert_eq!(
            field(
                &page(url, &["keys", "list", "--limit", "1", "--after", cursor]),
                "role"
            ),
            ["seller:s-1"]
        );

        // A running server takes the key, then refuses it as soon as it is revoked.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let bind = format!("127.0.0.1:{port}");
        let mut serve = Command::new(BIN)
            .args(["serve", "--database-url", url, "--bind", &bind])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut status = None;
        for _ in 0..200 {
            status = http_status(port, "/v1/orders", &key);
            if status.is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert_eq!(status, Some(200), "{url}: the key works before");
        let out = ok(url, &["keys", "revoke", &id]);
        assert!(out.contains(&format!("revoked key {id} (agent)")), "{out}");
        let refused = http_status(port, "/v1/orders", &key);
        serve.kill().unwrap();
        serve.wait().unwrap();
        assert_eq!(
            refused,
            Some(401),
            "{url}: a revoked key is refused at once"
        );

        let listed = page(url, &["keys", "list"]);
        assert!(listed["items"][0]["revoked_at"].is_string());
        assert_eq!(listed["items"][1]["revoked_at"], Value::Null);
        let again = ok(url, &["keys", "revoke", &key]);
        assert!(again.contains("was already revoked at"), "{again}");
        let (code, _, err) = run(
            &["keys", "revoke", "0123456789abcdef", "--database-url", url],
            "",
        );
        assert_eq!(code, 2);
        assert!(err.contains("no API key has the id"), "{err}");
    }
}
