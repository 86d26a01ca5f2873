//! `marketguard simulate --chaos`: the hostile simulator over many seeds, with a
//! summary per seed and the command that replays a failure.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use engine::Engine;
use protection::Policy;
use serde_json::{json, Value};
use sim::chaos::{Options, SeedReport, STEPS_DEFAULT};

use crate::Format;

/// Most seeds, steps and workers one run takes.
const SEEDS_MAX: u64 = 10_000_000;
const STEPS_MAX: usize = 100_000;
const WORKERS_MAX: usize = 64;
/// Steps before a failure that its report shows.
const STEPS_SHOWN: usize = 3;

#[derive(Debug, Args)]
pub struct ChaosArgs {
    /// Run the hostile simulator instead of the marketplace: from each seed, commands
    /// from every actor, hostile ones included (amounts at and over the limits, wrong
    /// currencies, unknown fields, replayed idempotency keys, times going backwards,
    /// duplicates racing, deadlines interleaved, other people's orders, disputes at odd
    /// moments), decoded as the API decodes them and run through the engine; after
    /// every step the ledger verifies, no buyer gets back more than was paid, no seller
    /// keeps more than the price less refunds, and every refusal names a rule. Prints a
    /// summary per seed and, for a failure, the step and the command that replays it;
    /// exit 1 on any failure. On SQLite each seed runs on its own fresh in-memory
    /// database (the --database-url file is not touched); on PostgreSQL the seeds share
    /// the database, their ids kept apart. --sellers, --buyers, --days, --seed and
    /// --report do not apply.
    #[arg(long)]
    chaos: bool,
    /// With --chaos: how many seeds to run.
    #[arg(long, default_value_t = 100, requires = "chaos")]
    seeds: u64,
    /// With --chaos: the first seed; seeds S to S+N-1 run.
    #[arg(long, default_value_t = 1, requires = "chaos")]
    seed_start: u64,
    /// With --chaos: steps per seed.
    #[arg(long, default_value_t = STEPS_DEFAULT, requires = "chaos")]
    steps: usize,
    /// With --chaos: operations of a step run at once, at most [default: 1 on SQLite,
    /// where a seed replays exactly; 2 on PostgreSQL].
    #[arg(long, requires = "chaos")]
    workers: Option<usize>,
}

impl ChaosArgs {
    pub fn enabled(&self) -> bool {
        self.chaos
    }

    fn check(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            (1..=SEEDS_MAX).contains(&self.seeds),
            "--seeds must be 1 to {SEEDS_MAX}"
        );
        anyhow::ensure!(
            self.seed_start.checked_add(self.seeds).is_some(),
            "--seed-start plus --seeds must fit in 64 bits"
        );
        anyhow::ensure!(
            (1..=STEPS_MAX).contains(&self.steps),
            "--steps must be 1 to {STEPS_MAX}"
        );
        if let Some(w) = self.workers {
            anyhow::ensure!(
                (1..=WORKERS_MAX).contains(&w),
                "--workers must be 1 to {WORKERS_MAX}"
            );
        }
        Ok(())
    }
}

/// Where the seeds run: a fresh in-memory SQLite database each, or one shared
/// PostgreSQL database with a prefix per run.
enum Target {
    Sqlite,
    Postgres {
        engine: Box<Engine>,
        run_prefix: String,
    },
}

impl Target {
    async fn open(database_url: &str, policy: &Policy) -> anyhow::Result<Target> {
        if database_url.starts_with("sqlite:") {
            return Ok(Target::Sqlite);
        }
        let store = store::Store::connect(database_url).await?;
        let existing: i64 = store
            .order_counts()
            .await
            .context("failed to read orders")?
            .iter()
            .map(|(_, n)| n)
            .sum();
        Ok(Target::Postgres {
            engine: Box::new(Engine::new(store, policy.clone())),
            run_prefix: format!("x{existing}-"),
        })
    }

    async fn run(&self, options: Options, policy: &Policy) -> anyhow::Result<SeedReport> {
        match self {
            Target::Sqlite => {
                let engine = sim::chaos::sqlite_in_memory(policy.clone()).await?;
                let report = sim::chaos::run_seed(&engine, &options).await;
                engine.store().close().await;
                report
            }
            Target::Postgres { engine, run_prefix } => {
                let options = Options {
                    prefix: format!("{run_prefix}c{}-", options.seed),
                    ..options
                };
                sim::chaos::run_seed(engine, &options).await
            }
        }
    }
}

pub fn run(
    args: &ChaosArgs,
    database_url: &str,
    format: Format,
    policy: Policy,
) -> anyhow::Result<ExitCode> {
    args.check()?;
    let rt = super::runtime()?;
    let postgres = !database_url.starts_with("sqlite:");
    let workers = args.workers.unwrap_or(if postgres { 2 } else { 1 });
    let reports = rt.block_on(async {
        let target = Target::open(database_url, &policy).await?;
        let mut reports = Vec::new();
        for seed in args.seed_start..args.seed_start + args.seeds {
            let options = Options {
                seed,
                steps: args.steps,
                workers,
                prefix: String::new(),
            };
            let report = target.run(options, &policy).await?;
            if format == Format::Text {
                print!(
                    "{}",
                    seed_text(&report, &replay(args, workers, postgres, seed))
                );
            }
            reports.push(report);
        }
        anyhow::Ok(reports)
    })?;
    let failed = reports.iter().filter(|r| r.failure.is_some()).count();
    match format {
        Format::Text => print!("{}", summary_text(&reports)),
        Format::Json => println!("{}", to_json(args, workers, postgres, &reports)),
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The command that runs `seed` again as it ran.
fn replay(args: &ChaosArgs, workers: usize, postgres: bool, seed: u64) -> String {
    let mut s = format!("marketguard simulate --chaos --seeds 1 --seed-start {seed}");
    if args.steps != STEPS_DEFAULT {
        s.push_str(&format!(" --steps {}", args.steps));
    }
    if postgres {
        s.push_str(&format!(
            " --workers {workers} --database-url postgres://..."
        ));
    } else if workers != 1 {
        s.push_str(&format!(" --workers {workers}"));
    }
    s
}

fn refused_total(r: &SeedReport) -> usize {
    r.refused.values().sum()
}

fn seed_text(r: &SeedReport, replay: &str) -> String {
    let mut s = format!(
        "seed {}: {} steps, {} commands ({} accepted, {} replayed, {} refused), {} deadlines fired, {} orders, {} checks: ",
        r.seed,
        r.steps,
        r.commands,
        r.accepted,
        r.replayed,
        refused_total(r),
        r.deadlines_fired,
        r.orders,
        r.checks
    );
    let Some(f) = &r.failure else {
        s.push_str("ok\n");
        return s;
    };
    s.push_str(&format!("FAILED at step {}: {}\n", f.step, f.what));
    let from = f.step.saturating_sub(STEPS_SHOWN - 1);
    for (n, ops) in r.trace.iter().enumerate().skip(from).take(STEPS_SHOWN) {
        for op in ops {
            s.push_str(&format!("  step {n}: {op}\n"));
        }
    }
    s.push_str(&format!("  replay: {replay}\n"));
    s
}

/// One of the reports' counts, summed over the seeds.
fn merged(
    reports: &[SeedReport],
    field: fn(&SeedReport) -> &BTreeMap<String, usize>,
) -> BTreeMap<&str, usize> {
    let mut out: BTreeMap<&str, usize> = BTreeMap::new();
    for r in reports {
        for (name, n) in field(r) {
            *out.entry(name.as_str()).or_default() += n;
        }
    }
    out
}

fn list(map: &BTreeMap<&str, usize>) -> String {
    map.iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn summary_text(reports: &[SeedReport]) -> String {
    let sum = |f: fn(&SeedReport) -> usize| reports.iter().map(f).sum::<usize>();
    let failed: Vec<String> = reports
        .iter()
        .filter(|r| r.failure.is_some())
        .map(|r| r.seed.to_string())
        .collect();
    let mut s = format!(
        "chaos: {} seeds, {} failed{}; {} commands: {} accepted, {} replayed, {} refused; {} deadlines fired; {} checks\n",
        reports.len(),
        failed.len(),
        if failed.is_empty() {
            String::new()
        } else {
            format!(" (seeds {})", failed.join(", "))
        },
        sum(|r| r.commands),
        sum(|r| r.accepted),
        sum(|r| r.replayed),
        sum(refused_total),
        sum(|r| r.deadlines_fired),
        sum(|r| r.checks)
    );
    s.push_str(&format!(
        "orders at the end: {}\n",
        list(&merged(reports, |r| &r.statuses))
    ));
    s.push_str(&format!(
        "events reached: {}\n",
        list(&merged(reports, |r| &r.events))
    ));
    s.push_str(&format!(
        "transfers made: {}\n",
        list(&merged(reports, |r| &r.transfers))
    ));
    s.push_str("refused by rule:\n");
    for (rule, n) in merged(reports, |r| &r.refused) {
        s.push_str(&format!("  {rule:<28} {n}\n"));
    }
    s
}

fn to_json(args: &ChaosArgs, workers: usize, postgres: bool, reports: &[SeedReport]) -> Value {
    let seeds: Vec<Value> = reports
        .iter()
        .map(|r| {
            json!({
                "seed": r.seed, "steps": r.steps, "commands": r.commands,
                "accepted": r.accepted, "replayed": r.replayed, "refused_by_rule": r.refused,
                "deadlines_fired": r.deadlines_fired, "orders": r.orders,
                "orders_by_status": r.statuses, "events": r.events, "checks": r.checks,
                "failure": r.failure.as_ref().map(|f| json!({
                    "step": f.step, "what": f.what,
                    "trace": r.trace[..=f.step.min(r.trace.len().saturating_sub(1))],
                    "replay": replay(args, workers, postgres, r.seed),
                })),
            })
        })
        .collect();
    json!({
        "chaos": {"seeds": args.seeds, "seed_start": args.seed_start, "steps": args.steps, "workers": workers},
        "failed": reports.iter().filter(|r| r.failure.is_some()).count(),
        "refused_by_rule": merged(reports, |r| &r.refused),
        "orders_by_status": merged(reports, |r| &r.statuses),
        "events": merged(reports, |r| &r.events),
        "transfers": merged(reports, |r| &r.transfers),
        "seeds": seeds,
    })
}
