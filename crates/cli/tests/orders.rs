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
        json!({"order": "o-1", "actor": "platform", "at": at, "command": "pay", "amount": "11.00", "currency": "EUR",
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

/// Runs marketguard and returns its exit code, standard output and standard error.
fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
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
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mg-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn exec_lines(url: &str, lines: &[Value]) -> (i32, Vec<Value>) {
    let input = lines
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    let (code, out, err) = run(
        &[
            "orders",
            "exec",
            "-",
            "--format",
            "json",
            "--database-url",
            url,
        ],
        &input,
    );
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    let results = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (code, results)
}

#[test]
fn an_order_of_i64_max_cents_is_refused_and_the_seller_is_still_paid_after() {
    // Regression: this order was placed and paid; then every payment to the seller
    // answered "amount overflows the account totals" and `ledger verify` printed
    // negative totals with exit 0.
    let dir = temp_dir("huge-order");
    let url = format!("sqlite://{}/o.db", dir.display());
    let at = "2026-11-01T10:00:00Z";
    let place = |order: &str, buyer: &str, price: &str| {
        json!({"order": order, "actor": "platform", "at": at, "command": "place", "buyer": buyer, "seller": "s-1",
               "price": price, "currency": "USD", "promised_days": 20})
    };
    let pay = |order: &str, amount: &str| {
        json!({"order": order, "actor": "platform", "at": at, "command": "pay", "amount": amount,
               "currency": "USD", "three_ds": "authenticated"})
    };
    let (code, results) = exec_lines(
        &url,
        &[
            place("o-1", "b-1", "92233720368547758.07"),
            pay("o-1", "92233720368547758.07"),
            place("o-2", "b-2", "10.00"),
            pay("o-2", "10.00"),
        ],
    );
    assert_eq!(code, 1, "{results:?}");
    let error = results[0]["error"].as_str().unwrap();
    assert!(
        error.contains("rule amount_limit: price 92233720368547758.07 USD is above the limit of 1000000.00 USD"),
        "{error}"
    );
    assert_eq!(results[1]["ok"], false, "no order o-1 to pay");
    assert_eq!(results[3]["ok"], true, "{:?}", results[3]);
    let (code, out, err) = run(&["ledger", "verify", "--database-url", &url], "");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("captured 10.00"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn refunds_and_offers_in_another_currency_than_the_order_are_refused_by_currency() {
    // Regression: on a 100.00 USD order, refund_partial "1.000" BHD refunded 10.00 USD
    // and a seller's partial offer of 5 JPY was recorded as 0.05 USD.
    let dir = temp_dir("wrong-currency");
    let url = format!("sqlite://{}/o.db", dir.display());
    let line = |at: &str, actor: &str, body: Value| {
        let mut v = json!({"order": "o-1", "actor": actor, "at": at});
        v.as_object_mut()
            .unwrap()
            .extend(body.as_object().unwrap().clone());
        v
    };
    let text = json!([{"type": "text", "text": "the item was packed whole"}]);
    let (code, results) = exec_lines(
        &url,
        &[
            line(
                "2026-11-01T10:00:00Z",
                "platform",
                json!({"command": "place", "buyer": "b-1", "seller": "s-1",
                 "price": "100.00", "currency": "USD", "promised_days": 20}),
            ),
            line(
                "2026-11-01T10:00:00Z",
                "platform",
                json!({"command": "pay", "amount": "100.00", "currency": "USD",
                 "three_ds": "authenticated"}),
            ),
            line(
                "2026-11-02T10:00:00Z",
                "seller:s-1",
                json!({"command": "ship", "tracking": "RB123456785GB"}),
            ),
            line(
                "2026-11-05T10:00:00Z",
                "carrier",
                json!({"command": "deliver"}),
            ),
            line(
                "2026-11-06T10:00:00Z",
                "buyer:b-1",
                json!({"command": "open_dispute", "reason": "damaged"}),
            ),
            line(
                "2026-11-06T11:00:00Z",
                "seller:s-1",
                json!({"command": "respond_to_dispute", "response": "partial",
                 "amount": "5", "currency": "JPY"}),
            ),
            line(
                "2026-11-06T12:00:00Z",
                "seller:s-1",
                json!({"command": "respond_to_dispute", "response": "reject",
                 "evidence": text}),
            ),
            line(
                "2026-11-10T10:00:00Z",
                "buyer:b-1",
                json!({"command": "escalate"}),
            ),
            line(
                "2026-11-10T11:00:00Z",
                "agent:ann",
                json!({"command": "decide_dispute", "outcome": "refund_partial",
                 "amount": "1.000", "currency": "BHD"}),
            ),
            line(
                "2026-11-10T12:00:00Z",
                "agent:ann",
                json!({"command": "decide_dispute", "outcome": "refund_partial",
                 "amount": "10.00", "currency": "USD"}),
            ),
        ],
    );
    assert_eq!(code, 1);
    for (i, r) in results.iter().enumerate() {
        match i {
            5 | 8 => {
                let e = r["error"].as_str().unwrap();
                assert!(e.starts_with("rule currency: "), "line {}: {e}", i + 1);
            }
            _ => assert_eq!(r["ok"], true, "line {}: {r}", i + 1),
        }
    }
    let (_, out, _) = run(
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
    );
    let order: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(order["refunded"], "10.00", "{order}");
    let responses: Vec<&Value> = order["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "seller_responded")
        .collect();
    assert_eq!(
        responses.len(),
        1,
        "only the reject is recorded: {responses:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn read_only_commands_on_a_missing_database_exit_2_and_create_nothing() {
    // Regression: `ledger verify --database-url sqlite://does-not-exist.db` created
    // the file and reported every invariant holding.
    let dir = temp_dir("missing-db");
    let mut urls = vec![format!("sqlite://{}/does-not-exist.db", dir.display())];
    if let Ok(admin) = std::env::var("MARKETGUARD_TEST_DATABASE_URL") {
        let (base, _) = admin.rsplit_once('/').unwrap();
        urls.push(format!("{base}/mg_does_not_exist_{}", std::process::id()));
    }
    for url in &urls {
        for args in [
            vec!["ledger", "verify"],
            vec!["orders", "show", "o-1"],
            vec!["sellers", "profile", "s-1"],
            vec!["webhooks", "log"],
            vec![
                "assess",
                "seller",
                "--store",
                "s-1",
                "--opened",
                "2025-01-01",
            ],
        ] {
            let mut args = args.clone();
            args.extend(["--database-url", url]);
            let (code, out, err) = run(&args, "");
            assert_eq!(code, 2, "{args:?}: {out}{err}");
            assert!(err.contains("does not exist"), "{args:?}: {err}");
        }
    }
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "a read-only command created a file"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ledger_verify_fails_naming_a_total_that_overflows_instead_of_printing_it_negative() {
    // Regression: with an order of 92233720368547758.07 USD stored, `ledger verify`
    // printed negative totals and said every invariant held (exit 0).
    let dir = temp_dir("verify-overflow");
    let url = format!("sqlite://{}/o.db", dir.display());
    let at = "2026-11-01T10:00:00Z";
    let (code, _) = exec_lines(
        &url,
        &[
            json!({"order": "o-1", "actor": "platform", "at": at, "command": "place", "buyer": "b-1", "seller": "s-1",
                   "price": "10.00", "currency": "USD", "promised_days": 20}),
            json!({"order": "o-1", "actor": "platform", "at": at, "command": "pay", "amount": "10.00",
                   "currency": "USD", "three_ds": "authenticated"}),
        ],
    );
    assert_eq!(code, 0);
    // What a database written before amounts were bounded can hold: an account whose
    // posted credits, added to the others', pass i64::MAX.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        sqlx::query(
            "INSERT INTO accounts (id, kind, owner, currency, credits_posted) \
             VALUES ('guarantee_fund:platform:USD', 'guarantee_fund', 'platform', 'USD', $1)",
        )
        .bind(i64::MAX)
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    });
    let (code, out, err) = run(&["ledger", "verify", "--database-url", &url], "");
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("USD: posted credits total ") && out.contains("overflows a 64-bit amount"),
        "{out}"
    );
    assert!(!out.contains("every invariant holds"), "{out}");
    assert!(
        !out.contains("-92"),
        "no wrapped, negative figure is printed: {out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn read_only_commands_read_an_existing_database_on_both_backends() {
    let dir = temp_dir("read-only");
    let mut urls = vec![format!("sqlite://{}/o.db", dir.display())];
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let admin = std::env::var("MARKETGUARD_TEST_DATABASE_URL").ok();
    let pg_name = format!("mg_read_only_{}", std::process::id());
    if let Some(admin) = &admin {
        rt.block_on(async {
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(admin).await.unwrap();
            sqlx::query(&format!("CREATE DATABASE {pg_name}"))
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
        });
        let (base, _) = admin.rsplit_once('/').unwrap();
        urls.push(format!("{base}/{pg_name}"));
    }
    for url in &urls {
        let (code, _) = exec_lines(
            url,
            &[
                json!({"order": "o-1", "actor": "platform", "at": "2026-11-01T10:00:00Z", "command": "place",
                     "buyer": "b-1", "seller": "s-1", "price": "10.00", "currency": "USD", "promised_days": 20}),
            ],
        );
        assert_eq!(code, 0, "{url}");
        for args in [
            vec!["ledger", "verify"],
            vec!["orders", "show", "o-1"],
            vec!["sellers", "profile", "s-1"],
            vec!["webhooks", "log"],
            vec![
                "assess",
                "seller",
                "--store",
                "s-1",
                "--opened",
                "2025-01-01",
            ],
        ] {
            let mut args = args.clone();
            args.extend(["--database-url", url]);
            let (code, out, err) = run(&args, "");
            assert_eq!(code, 0, "{args:?}: {out}{err}");
        }
    }
    if let Some(admin) = &admin {
        rt.block_on(async {
            let pool = sqlx::AnyPool::connect(admin).await.unwrap();
            sqlx::query(&format!("DROP DATABASE {pg_name}"))
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
        });
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn carrier_scans_are_recorded_by_orders_exec_and_listed_by_orders_show() {
    // Regression: there was no way to record a carrier's scans, so a parcel moving
    // normally was marked stale 10 days after shipment.
    let dir = temp_dir("carrier-scans");
    let url = format!("sqlite://{}/o.db", dir.display());
    let line = |at: &str, actor: &str, body: Value| {
        let mut v = json!({"order": "o-1", "actor": actor, "at": at});
        v.as_object_mut()
            .unwrap()
            .extend(body.as_object().unwrap().clone());
        v
    };
    let scan = |event: &str, country: &str, location: &str, scanned_at: &str| {
        json!({"command": "carrier_event", "event": event, "tracking": "RB123456785GB",
               "country": country, "location": location, "scanned_at": scanned_at})
    };
    let (code, results) = exec_lines(
        &url,
        &[
            line(
                "2026-11-01T10:00:00Z",
                "platform",
                json!({"command": "place", "buyer": "b-1", "seller": "s-1",
                 "price": "10.00", "currency": "USD", "promised_days": 30, "destination_country": "DE"}),
            ),
            line(
                "2026-11-01T10:00:00Z",
                "platform",
                json!({"command": "pay", "amount": "10.00", "currency": "USD",
                 "three_ds": "authenticated"}),
            ),
            line(
                "2026-11-02T10:00:00Z",
                "seller:s-1",
                json!({"command": "ship", "tracking": "RB123456785GB"}),
            ),
            line(
                "2026-11-03T12:00:00Z",
                "carrier",
                scan("accepted", "CN", "Shenzhen", "2026-11-03T08:00:00Z"),
            ),
            line(
                "2026-11-10T12:00:00Z",
                "platform",
                scan(
                    "in_transit",
                    "CN",
                    "Guangzhou airport",
                    "2026-11-10T09:00:00Z",
                ),
            ),
            line(
                "2026-11-17T12:00:00Z",
                "agent:ann",
                scan("customs", "DE", "Frankfurt", "2026-11-17T07:30:00Z"),
            ),
            // A seller's key is not the carrier.
            line(
                "2026-11-18T12:00:00Z",
                "seller:s-1",
                scan("delivered", "DE", "Berlin", "2026-11-18T11:00:00Z"),
            ),
        ],
    );
    assert_eq!(code, 1, "{results:?}");
    assert!(results[..6].iter().all(|r| r["ok"] == true), "{results:?}");
    assert!(
        results[6]["error"]
            .as_str()
            .unwrap()
            .starts_with("rule permission"),
        "{results:?}"
    );
    // Timers fired by day 24 find the parcel moving (the last scan was on day 17).
    let (code, out, err) = run(
        &[
            "timers",
            "run",
            "--until",
            "2026-11-25T00:00:00Z",
            "--database-url",
            &url,
        ],
        "",
    );
    assert_eq!(code, 0, "{out}{err}");
    let report = marketguard(&["orders", "show", "o-1", "--database-url", &url], "");
    assert!(report.contains("carrier scans:"), "{report}");
    assert!(
        report.contains("2026-11-17T07:30:00Z customs          DE Frankfurt"),
        "{report}"
    );
    assert!(!report.contains("parcel_stale"), "{report}");
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
    let kinds: Vec<&str> = json["scans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["accepted", "in_transit", "customs"]);
    assert_eq!(json["scans"][1]["location"], "Guangzhou airport");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A fresh PostgreSQL database named `name` when `MARKETGUARD_TEST_DATABASE_URL` is set:
/// its URL, and the server's admin URL to drop it with.
fn postgres_database(rt: &tokio::runtime::Runtime, name: &str) -> Option<(String, String)> {
    let admin = std::env::var("MARKETGUARD_TEST_DATABASE_URL").ok()?;
    rt.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&admin).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    });
    let (base, _) = admin.rsplit_once('/').unwrap();
    Some((format!("{base}/{name}"), admin))
}

fn drop_postgres_database(rt: &tokio::runtime::Runtime, admin: &str, name: &str) {
    rt.block_on(async {
        let pool = sqlx::AnyPool::connect(admin).await.unwrap();
        sqlx::query(&format!("DROP DATABASE {name}"))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    });
}

/// o-1: 100.00 released to the seller, then refunded in full by the seller after
/// release. o-2: a Guaranteed Genuine order of 200.00 whose counterfeit claim is upheld
/// with a multiplier of 1.5: 200.00 from escrow and 100.00 from the guarantee fund.
fn refunded_orders(url: &str) {
    let line = |order: &str, actor: &str, at: &str, body: Value| {
        let mut v = json!({"order": order, "actor": actor, "at": format!("2026-11-{at}Z")});
        v.as_object_mut()
            .unwrap()
            .extend(body.as_object().unwrap().clone());
        v
    };
    let text = |t: &str| json!([{"type": "text", "text": t}]);
    let lines = [
        line(
            "o-1",
            "platform",
            "01T10:00:00",
            json!({"command": "place", "buyer": "b-1", "seller": "s-1", "price": "95.00", "shipping": "5.00", "currency": "USD", "promised_days": 20}),
        ),
        line(
            "o-1",
            "platform",
            "01T11:00:00",
            json!({"command": "pay", "amount": "100.00", "currency": "USD", "three_ds": "authenticated"}),
        ),
        line(
            "o-1",
            "seller:s-1",
            "02T10:00:00",
            json!({"command": "ship", "tracking": "LP123456789CN"}),
        ),
        line(
            "o-1",
            "carrier",
            "08T10:00:00",
            json!({"command": "deliver"}),
        ),
        line(
            "o-1",
            "buyer:b-1",
            "09T10:00:00",
            json!({"command": "confirm_receipt"}),
        ),
        line(
            "o-1",
            "buyer:b-1",
            "12T10:00:00",
            json!({"command": "open_dispute", "reason": "not_as_described", "evidence": text("the colour is wrong")}),
        ),
        line(
            "o-1",
            "seller:s-1",
            "13T10:00:00",
            json!({"command": "respond_to_dispute", "response": "accept"}),
        ),
        line(
            "o-2",
            "platform",
            "01T10:00:00",
            json!({"command": "place", "buyer": "b-2", "seller": "s-2", "price": "200.00", "currency": "USD", "promised_days": 20, "guaranteed_genuine": true}),
        ),
        line(
            "o-2",
            "platform",
            "01T11:00:00",
            json!({"command": "pay", "amount": "200.00", "currency": "USD", "three_ds": "authenticated"}),
        ),
        line(
            "o-2",
            "seller:s-2",
            "02T10:00:00",
            json!({"command": "ship", "tracking": "LP223456789CN"}),
        ),
        line(
            "o-2",
            "carrier",
            "08T10:00:00",
            json!({"command": "deliver"}),
        ),
        line(
            "o-2",
            "buyer:b-2",
            "09T10:00:00",
            json!({"command": "open_dispute", "reason": "counterfeit", "evidence": text("the logo is fake")}),
        ),
        line(
            "o-2",
            "seller:s-2",
            "10T10:00:00",
            json!({"command": "respond_to_dispute", "response": "accept"}),
        ),
    ];
    let input = lines
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    let out = Command::new(BIN)
        .args([
            "orders",
            "exec",
            "-",
            "--format",
            "json",
            "--database-url",
            url,
        ])
        .env("MARKETGUARD_POLICY_GENUINE_MULTIPLIER_BPS", "15000")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child.stdin.take().unwrap().write_all(input.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn orders_show_and_verify_give_refunds_after_release_and_from_the_guarantee_fund() {
    // Regression: `orders show` and `ledger verify` said refunded 0.00 on an order
    // refunded by its seller after release, left out what the guarantee fund paid, and
    // listed a payout date on orders refunded in full.
    let dir = temp_dir("refunds-shown");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let pg_name = format!("mg_refunds_shown_{}", std::process::id());
    let pg = postgres_database(&rt, &pg_name);
    let mut urls = vec![format!("sqlite://{}/o.db", dir.display())];
    urls.extend(pg.iter().map(|(url, _)| url.clone()));
    for url in &urls {
        refunded_orders(url);
        let show = |order: &str| marketguard(&["orders", "show", order, "--database-url", url], "");
        let o1 = show("o-1");
        assert!(
            o1.contains("refunded 100.00 (from escrow 0.00, taken back from the seller 100.00, from the guarantee fund 0.00)"),
            "{url}: {o1}"
        );
        let o2 = show("o-2");
        assert!(
            o2.contains("refunded 300.00 (from escrow 200.00, taken back from the seller 0.00, from the guarantee fund 100.00)"),
            "{url}: {o2}"
        );
        for text in [&o1, &o2] {
            assert!(!text.contains("  payout "), "refunded in full: {text}");
        }
        let json = |order: &str| -> Value {
            serde_json::from_str(&marketguard(
                &[
                    "orders",
                    "show",
                    order,
                    "--format",
                    "json",
                    "--database-url",
                    url,
                ],
                "",
            ))
            .unwrap()
        };
        let (j1, j2) = (json("o-1"), json("o-2"));
        let sources = |j: &Value| {
            [
                "refunded",
                "refunded_from_escrow",
                "refunded_from_seller",
                "refunded_from_guarantee_fund",
            ]
            .map(|k| j[k].as_str().unwrap_or("missing").to_string())
        };
        assert_eq!(sources(&j1), ["100.00", "0.00", "100.00", "0.00"], "{j1}");
        assert_eq!(sources(&j2), ["300.00", "200.00", "0.00", "100.00"], "{j2}");
        assert_eq!(j1["payout"], Value::Null, "{j1}");
        assert_eq!(j2["payout"], Value::Null, "{j2}");

        let (code, out, err) = run(
            &[
                "ledger",
                "verify",
                "--format",
                "json",
                "--database-url",
                url,
            ],
            "",
        );
        assert_eq!(code, 0, "{out}{err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        let usd = &v["totals"]["USD"];
        assert_eq!(usd["captured_minor"], 30000, "{v}");
        assert_eq!(
            [
                &usd["refunded_minor"],
                &usd["refunded_from_escrow_minor"],
                &usd["refunded_from_seller_minor"],
                &usd["refunded_from_guarantee_fund_minor"]
            ],
            [&json!(40000), &json!(20000), &json!(10000), &json!(10000)],
            "{v}"
        );
        let (_, text, _) = run(&["ledger", "verify", "--database-url", url], "");
        assert!(
            text.contains("refunded 400.00 (from escrow 200.00, taken back from sellers 100.00, from the guarantee fund 100.00)"),
            "{text}"
        );
    }
    if let Some((_, admin)) = &pg {
        drop_postgres_database(&rt, admin, &pg_name);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn simulate_counts_refunds_taken_back_from_sellers_as_the_ledger_does() {
    // Regression: simulate's money summary said "refunded" for what escrow refunded
    // alone, leaving out refunds taken back from sellers after release and those the
    // guarantee fund paid.
    let dir = temp_dir("simulate-refunds");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let pg_name = format!("mg_simulate_refunds_{}", std::process::id());
    let pg = postgres_database(&rt, &pg_name);
    let mut urls = vec![format!("sqlite://{}/s.db", dir.display())];
    urls.extend(pg.iter().map(|(url, _)| url.clone()));
    let html = dir.join("report.html");
    let mut eur_clawed = String::new();
    for url in &urls {
        let run_args = [
            "simulate",
            "--days",
            "45",
            "--sellers",
            "5",
            "--buyers",
            "60",
            "--seed",
            "1",
        ];
        let mut args = run_args.to_vec();
        args.extend([
            "--format",
            "json",
            "--report",
            html.to_str().unwrap(),
            "--database-url",
            url,
        ]);
        let sim: Value = serde_json::from_str(&marketguard(&args, "")).unwrap();
        let (code, out, err) = run(
            &[
                "ledger",
                "verify",
                "--format",
                "json",
                "--database-url",
                url,
            ],
            "",
        );
        assert_eq!(code, 0, "{out}{err}");
        let verify: Value = serde_json::from_str(&out).unwrap();
        let mut clawed = 0;
        let page = std::fs::read_to_string(&html).unwrap();
        for (currency, m) in sim["money"].as_object().unwrap() {
            let t = &verify["totals"][currency];
            let minor =
                |v: &Value, k: &str| v[k].as_i64().unwrap_or_else(|| panic!("{k} missing: {v}"));
            let sources = [
                "refunded_from_escrow_minor",
                "refunded_from_seller_minor",
                "refunded_from_guarantee_fund_minor",
            ];
            let sum: i64 = sources.iter().map(|k| minor(m, k)).sum();
            assert_eq!(minor(m, "refunded_minor"), sum, "{currency}: {m}");
            for k in sources.iter().chain(&["refunded_minor"]) {
                assert_eq!(
                    minor(m, k),
                    minor(t, k),
                    "{currency} {k}: simulate {m}, ledger {t}"
                );
            }
            assert_eq!(
                minor(m, "clawed_back_minor"),
                minor(m, "refunded_from_seller_minor")
            );
            clawed += minor(m, "refunded_from_seller_minor");
            if currency == "EUR" {
                eur_clawed = m["refunded_from_seller"].as_str().unwrap().to_string();
            }
            let refunded = m["refunded"].as_str().unwrap();
            assert!(
                page.contains(&format!("<td>{refunded}</td>")),
                "{currency} {refunded}: {page}"
            );
        }
        assert!(
            clawed > 0,
            "seed 1 no longer takes a refund back from a seller: pick a seed that does"
        );
        assert!(page.contains("<th>taken back from sellers</th>"), "{page}");
    }
    // The printed summary (the same run on a fresh database): one line per currency
    // with the refunds by source.
    let (code, text, err) = run(
        &[
            "simulate",
            "--days",
            "45",
            "--sellers",
            "5",
            "--buyers",
            "60",
            "--seed",
            "3",
            "--database-url",
            &format!("sqlite://{}/t.db", dir.display()),
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let eur = text
        .lines()
        .find(|l| l.trim_start().starts_with("EUR:"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        eur.contains("(from escrow ")
            && eur.contains(&format!(
                ", taken back from sellers {eur_clawed}, from the guarantee fund "
            )),
        "{eur}"
    );
    if let Some((_, admin)) = &pg {
        drop_postgres_database(&rt, admin, &pg_name);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
