//! Durability: a child `marketguard orders exec` on SQLite is killed with SIGKILL at
//! random moments and restarted, many times. Afterwards the ledger verifies and every
//! command the child acknowledged is stored exactly once.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use domain::OrderId;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_marketguard");
const ORDERS: usize = 100;
const KILLS: usize = 12;

fn commands() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for i in 0..ORDERS {
        let order = format!("d-{i}");
        let at = "2026-11-01T10:00:00Z";
        let lines = [
            json!({"key": format!("{order}-place"), "order": order, "actor": "platform", "at": at, "command": "place",
                   "buyer": "b-1", "seller": "s-1", "price": "10.00", "shipping": "1.00", "currency": "EUR", "promised_days": 20}),
            json!({"key": format!("{order}-pay"), "order": order, "actor": "platform", "at": at, "command": "pay",
                   "amount": "11.00", "currency": "EUR", "three_ds": "authenticated"}),
            json!({"key": format!("{order}-ship"), "order": order, "actor": "seller:s-1", "at": at, "command": "ship", "tracking": format!("LP{i:010}")}),
        ];
        for l in lines {
            out.push((l["key"].as_str().unwrap().to_string(), l.to_string()));
        }
    }
    out
}

/// key -> (seq_from, seq_to) as acknowledged.
type Acks = Arc<Mutex<BTreeMap<String, (i64, i64)>>>;

/// Runs the child on every command; kills it after `kill_after` if given.
fn run_child(url: &str, acks: &Acks, kill_after: Option<Duration>) -> bool {
    let mut child = Command::new(BIN)
        .args([
            "orders",
            "exec",
            "-",
            "--format",
            "json",
            "--database-url",
            url,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn marketguard");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        for (_, line) in commands() {
            if writeln!(stdin, "{line}").is_err() {
                return;
            }
        }
    });
    let stdout = child.stdout.take().unwrap();
    let acks2 = acks.clone();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            let v: Value = serde_json::from_str(&line).expect("json line");
            assert_eq!(v["ok"], true, "command refused: {v}");
            let key = v["key"].as_str().unwrap().to_string();
            let seqs = (
                v["seq_from"].as_i64().unwrap(),
                v["seq_to"].as_i64().unwrap(),
            );
            let mut acks = acks2.lock().unwrap();
            if let Some(first) = acks.get(&key) {
                // A replay must report the very same events as the first answer.
                assert_eq!(*first, seqs, "{key} answered differently after a restart");
                assert_eq!(v["replayed"], true, "{key} ran twice");
            } else {
                acks.insert(key, seqs);
            }
        }
    });
    let killed = if let Some(after) = kill_after {
        std::thread::sleep(after);
        child.kill().is_ok()
    } else {
        false
    };
    let status = child.wait().unwrap();
    writer.join().unwrap();
    reader.join().unwrap();
    killed || status.success()
}

#[test]
fn sigkill_at_random_moments_loses_and_duplicates_nothing() {
    let dir = std::env::temp_dir().join(format!("mg-durability-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/d.db", dir.display());
    let acks: Acks = Arc::default();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    // Kills that landed while commands were still coming in.
    let mut kills_mid_stream = 0;
    for _ in 0..KILLS {
        let after = Duration::from_millis(rng.random_range(10..120));
        run_child(&url, &acks, Some(after));
        if acks.lock().unwrap().len() < ORDERS * 3 {
            kills_mid_stream += 1;
        }
    }
    assert!(
        kills_mid_stream >= 3,
        "only {kills_mid_stream} kills hit a running stream"
    );
    let kills = kills_mid_stream;
    let acked_before_final = acks.lock().unwrap().len();
    assert!(run_child(&url, &acks, None), "final run failed");
    assert_eq!(acks.lock().unwrap().len(), ORDERS * 3);
    eprintln!("{kills} kills; {acked_before_final} commands acknowledged before the last run");

    let verify = Command::new(BIN)
        .args(["ledger", "verify", "--database-url", &url])
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = store::Store::connect(&url).await.unwrap();
        let acks = acks.lock().unwrap().clone();
        for i in 0..ORDERS {
            let order = OrderId::parse(&format!("d-{i}")).unwrap();
            let log = store.events(&order).await.unwrap();
            let names: Vec<_> = log.iter().map(|r| r.event.name()).collect();
            assert_eq!(names, ["placed", "paid", "shipped"], "order {order}");
            for (k, seq) in [("place", 1), ("pay", 2), ("ship", 3)] {
                assert_eq!(acks[&format!("{order}-{k}")], (seq, seq));
            }
        }
        let book = store.load_ledger().await.unwrap();
        let escrow_total: i64 = book
            .accounts()
            .filter(|(id, _)| id.kind() == ledger::AccountKind::OrderEscrow)
            .map(|(_, b)| b.balance())
            .sum();
        assert_eq!(escrow_total, ORDERS as i64 * 1100);
    });
    let _ = std::fs::remove_dir_all(&dir);
}
