//! The hostile simulator over a bounded number of seeds: on SQLite always, on
//! PostgreSQL with two concurrent workers when MARKETGUARD_TEST_DATABASE_URL is set.

use protection::Policy;
use sim::chaos::{run_seed, sqlite_in_memory, Options, SeedReport, STEPS_DEFAULT};

/// Seeds `cargo test` runs on SQLite; `marketguard simulate --chaos --seeds N` runs more.
const SQLITE_SEEDS: u64 = 6;
const POSTGRES_SEEDS: u64 = 3;

fn options(seed: u64, workers: usize, prefix: &str) -> Options {
    Options {
        seed,
        steps: STEPS_DEFAULT,
        workers,
        prefix: prefix.to_string(),
    }
}

fn assert_held(r: &SeedReport) {
    if let Some(f) = &r.failure {
        let steps: Vec<String> = r.trace[f.step.saturating_sub(3)..=f.step]
            .iter()
            .map(|s| serde_json::to_string(s).unwrap())
            .collect();
        panic!(
            "seed {} failed at step {}: {}\nlast steps:\n{}\nreplay: marketguard simulate --chaos --seeds 1 --seed-start {}",
            r.seed,
            f.step,
            f.what,
            steps.join("\n"),
            r.seed
        );
    }
}

async fn sqlite_seed(seed: u64) -> SeedReport {
    let engine = sqlite_in_memory(Policy::default()).await.unwrap();
    run_seed(&engine, &options(seed, 1, "")).await.unwrap()
}

#[tokio::test]
async fn hostile_seeds_hold_on_sqlite() {
    let mut total = SeedReport::default();
    for seed in 1..=SQLITE_SEEDS {
        let r = sqlite_seed(seed).await;
        assert_held(&r);
        total.accepted += r.accepted;
        total.replayed += r.replayed;
        total.deadlines_fired += r.deadlines_fired;
        total.checks += r.checks;
        for (s, n) in r.statuses {
            *total.statuses.entry(s).or_default() += n;
        }
        for (rule, n) in r.refused {
            *total.refused.entry(rule).or_default() += n;
        }
    }
    eprintln!(
        "{:?}",
        (
            total.accepted,
            total.replayed,
            total.deadlines_fired,
            total.checks,
            &total.refused,
            &total.statuses
        )
    );
    // The generator reaches what it is for: hostile input of every kind is refused by
    // its rule, replays answer, deadlines fire, disputes get decided.
    for rule in [
        "amount_limit",
        "currency",
        "exact_amount",
        "three_ds",
        "permission",
        "idempotency_conflict",
        "decode:unknown_field",
        "field:order_id",
        "invalid_state",
    ] {
        assert!(
            total.refused.contains_key(rule),
            "no refusal {rule}: {:?}",
            total.refused
        );
    }
    assert!(total.accepted > 150, "{}", total.accepted);
    assert!(total.replayed > 10, "{}", total.replayed);
    assert!(total.deadlines_fired > 10, "{}", total.deadlines_fired);
}

#[tokio::test]
async fn a_seed_replays_the_same_run() {
    let (a, b) = (sqlite_seed(7).await, sqlite_seed(7).await);
    assert_eq!(a.trace, b.trace);
    assert_eq!(
        (
            a.accepted,
            a.replayed,
            &a.refused,
            a.deadlines_fired,
            a.checks
        ),
        (
            b.accepted,
            b.replayed,
            &b.refused,
            b.deadlines_fired,
            b.checks
        )
    );
    assert_ne!(a.trace, sqlite_seed(8).await.trace);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_seeds_hold_on_postgres_with_two_workers() {
    let dbs = store::testing::databases().await.unwrap();
    let Some((url, _guard)) = dbs.into_iter().find(|(u, _)| u.starts_with("postgres")) else {
        eprintln!("*** SKIPPED: hostile_seeds_hold_on_postgres_with_two_workers: MARKETGUARD_TEST_DATABASE_URL is unset ***");
        return;
    };
    let store = store::Store::connect(&url).await.unwrap();
    let engine = engine::Engine::new(store, Policy::default());
    for seed in 1..=POSTGRES_SEEDS {
        let r = run_seed(&engine, &options(seed, 2, &format!("p{seed}-")))
            .await
            .unwrap();
        assert_held(&r);
    }
}
