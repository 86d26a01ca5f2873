//! Engine command throughput on SQLite and PostgreSQL, each next to a baseline measured
//! in the same run on the same pool and durability settings: a bare loop of single-row
//! INSERT transactions. Run: `cargo bench -p engine --bench throughput`
//! (PostgreSQL when MARKETGUARD_TEST_DATABASE_URL is set). Sizes: BENCH_COMMANDS.

use std::time::Instant;

use domain::{BuyerId, Currency, Money, OrderId, SellerId, Timestamp, MS_PER_DAY};
use engine::{Engine, Request};
use protection::{Actor, Command, Policy, ThreeDs};
use store::{Backend, Store};

const T0: i64 = 1_790_000_000_000;

/// The five commands of an order's normal life, as one cycle.
fn order_cycle(i: usize) -> Vec<Request> {
    let order = OrderId::parse(&format!("bench-{i}")).unwrap();
    let usd = |s: &str| Money::parse(s, Currency::parse("USD").unwrap()).unwrap();
    let at = |d: f64| Timestamp::from_unix_ms(T0 + (d * MS_PER_DAY as f64) as i64);
    let r = |actor: Actor, command: Command, d: f64| Request {
        idempotency_key: Some(format!("{order}-{}", command.name())),
        order: order.clone(),
        actor,
        command,
        at: at(d),
    };
    let buyer = Actor::Buyer(BuyerId::parse(&format!("b-{}", i % 97)).unwrap());
    let seller = Actor::Seller(SellerId::parse(&format!("s-{}", i % 13)).unwrap());
    vec![
        r(
            Actor::Platform,
            Command::Place {
                buyer: BuyerId::parse(&format!("b-{}", i % 97)).unwrap(),
                seller: SellerId::parse(&format!("s-{}", i % 13)).unwrap(),
                price: usd("12.34"),
                shipping: usd("1.00"),
                handling_days: None,
                promised_days: 20,
                destination_country: None,
                options: protection::OrderOptions::default(),
            },
            0.0,
        ),
        r(
            Actor::Platform,
            Command::Pay {
                amount: usd("13.34"),
                three_ds: ThreeDs::Authenticated,
            },
            0.0,
        ),
        r(
            seller,
            Command::Ship {
                tracking: format!("LP{i:012}").parse().unwrap(),
            },
            1.0,
        ),
        r(Actor::Carrier, Command::Deliver { country: None }, 9.0),
        r(
            buyer,
            Command::ConfirmReceipt {
                acknowledge_no_delivery: false,
            },
            10.0,
        ),
    ]
}

async fn baseline(store: &Store, n: usize, clients: usize) -> f64 {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS bench_baseline (id BIGINT PRIMARY KEY, v TEXT NOT NULL)",
    )
    .execute(store.pool())
    .await
    .unwrap();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let pool = store.pool().clone();
        tasks.push(tokio::spawn(async move {
            for i in (c..n).step_by(clients) {
                let mut tx = pool.begin().await.unwrap();
                sqlx::query("INSERT INTO bench_baseline (id, v) VALUES ($1, $2)")
                    .bind(i as i64)
                    .bind("baseline row")
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    n as f64 / started.elapsed().as_secs_f64()
}

async fn commands(engine: &Engine, n: usize, clients: usize, offset: usize) -> f64 {
    let cycles = n / 5;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let engine = engine.clone();
        tasks.push(tokio::spawn(async move {
            for i in (c..cycles).step_by(clients) {
                for r in order_cycle(offset + i) {
                    engine.execute(&r).await.unwrap();
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    (cycles * 5) as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let n: usize = std::env::var("BENCH_COMMANDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        println!("engine throughput, {n} transactions each (single-row INSERT baseline vs engine commands)");
        for (url, _guard) in store::testing::databases().await.unwrap() {
            let store = Store::connect(&url).await.unwrap();
            let engine = Engine::new(store.clone(), Policy::default());
            let client_counts: &[usize] = match store.backend() {
                Backend::Sqlite => &[1],
                Backend::Postgres => &[1, 8],
            };
            for (k, &clients) in client_counts.iter().enumerate() {
                // Alternate runs so that drift in machine load hits both alike.
                let b1 = baseline(&store, n, clients).await;
                let e1 = commands(&engine, n, clients, k * 2 * n).await;
                sqlx::query("DELETE FROM bench_baseline").execute(store.pool()).await.unwrap();
                let b2 = baseline(&store, n, clients).await;
                let e2 = commands(&engine, n, clients, k * 2 * n + n).await;
                sqlx::query("DELETE FROM bench_baseline").execute(store.pool()).await.unwrap();
                let (b, e) = ((b1 + b2) / 2.0, (e1 + e2) / 2.0);
                println!(
                    "{:?} clients={clients}: baseline {b:.0} tx/s, engine {e:.0} commands/s, ratio {:.2} (target >= 0.50)",
                    store.backend(),
                    e / b
                );
            }
            let book = store.load_ledger().await.unwrap();
            assert!(ledger::verify(book.accounts(), book.recorded()).ok());
            store.close().await;
        }
    });
}
