//! The hostile simulator (after TigerBeetle's VOPR): from a seed, command sequences
//! from every actor, hostile ones included (amounts at and over the limits, wrong
//! currencies, unknown fields, replays, out-of-order times, duplicates racing,
//! deadlines interleaved, other people's orders, disputes at odd moments), decoded as
//! the API decodes them and run through the real engine; after every step the
//! invariants of `check` must hold and every refusal must name a rule. A seed replays
//! its run: the same seed gives the same commands.

mod amounts;
mod bodies;
mod check;
mod exec;
mod gen;

use std::collections::{BTreeMap, HashMap};

use engine::{Engine, Outcome, Request};
use serde_json::Value;

use exec::Result as Res;
use gen::{Call, Gen, Op};

/// Steps one seed runs by default.
pub const STEPS_DEFAULT: usize = 200;

/// One seed's run.
#[derive(Debug, Clone)]
pub struct Options {
    pub seed: u64,
    pub steps: usize,
    /// Operations of a step run at once, at most (1: one after the other, a
    /// deterministic run); racing steps send up to this many (at least two).
    pub workers: usize,
    /// Keeps the ids and idempotency keys of runs sharing a database apart.
    pub prefix: String,
}

/// What broke, and where.
#[derive(Debug, Clone)]
pub struct Failure {
    pub step: usize,
    pub what: String,
}

/// One seed's summary.
#[derive(Debug, Clone, Default)]
pub struct SeedReport {
    pub seed: u64,
    pub steps: usize,
    pub commands: usize,
    pub accepted: usize,
    pub replayed: usize,
    /// Refusals by the rule (or edge field) that named them.
    pub refused: BTreeMap<String, usize>,
    pub deadlines_fired: usize,
    /// Invariant checks made.
    pub checks: usize,
    pub orders: usize,
    /// Orders by their status at the end.
    pub statuses: BTreeMap<String, usize>,
    /// The orders' events by name: how far the run got.
    pub events: BTreeMap<String, usize>,
    /// The orders' ledger transfers by code (clawbacks, guarantee covers...).
    pub transfers: BTreeMap<String, usize>,
    pub failure: Option<Failure>,
    /// Each step's operations, as JSON, for the replay.
    pub trace: Vec<Vec<Value>>,
}

/// The first accepted answer to each idempotency key, with the request it answered.
#[derive(Default)]
struct Answers(HashMap<String, (Request, Outcome)>);

impl Answers {
    /// What a call must get, given the earlier answers to its key: the same outcome
    /// replayed for the same request, a conflict for another.
    fn expected(&self, call: &Call) -> Option<Res> {
        let (first, outcome) = self.0.get(call.key.as_ref()?)?;
        let request = exec::decode(call).ok()?;
        let same = (&request.order, &request.actor, &request.command)
            == (&first.order, &first.actor, &first.command);
        Some(if same {
            Res::Replayed(Outcome {
                replayed: true,
                ..outcome.clone()
            })
        } else {
            Res::Refused("idempotency_conflict".to_string())
        })
    }
}

/// Runs one seed through `engine`. `Err` is a failure to run (the database went
/// away); a broken invariant or an internal error is the report's `failure`.
pub async fn run_seed(engine: &Engine, options: &Options) -> anyhow::Result<SeedReport> {
    let mut gen = Gen::new(
        options.seed,
        &options.prefix,
        engine.policy().clone(),
        options.workers,
    );
    let mut report = SeedReport {
        seed: options.seed,
        ..SeedReport::default()
    };
    let mut answers = Answers::default();
    let mut states = BTreeMap::new();
    for step in 0..options.steps {
        let ops = gen.step(&states);
        report.trace.push(Gen::describe(&ops));
        report.steps = step + 1;
        let expected: Vec<Option<Res>> = ops
            .iter()
            .map(|op| match op {
                Op::Call(c) => answers.expected(c),
                Op::Timers { .. } => None,
            })
            .collect();
        let results = exec::run(engine, &ops, options.workers).await;
        let verdict = tally(&mut report, &mut answers, &ops, &expected, &results);
        let verdict = match verdict {
            Ok(()) => check::after_step(engine, &gen.order_ids(), &mut states).await?,
            Err(why) => Err(why),
        };
        match verdict {
            Ok(n) => report.checks += n,
            Err(what) => {
                report.failure = Some(Failure { step, what });
                break;
            }
        }
    }
    report.orders = states.len();
    for o in states.values() {
        *report
            .statuses
            .entry(o.status.as_str().to_string())
            .or_default() += 1;
        let log = engine.order(&o.id).await?.map(|(_, log)| log);
        for r in log.unwrap_or_default() {
            *report.events.entry(r.event.name().to_string()).or_default() += 1;
        }
    }
    count_transfers(engine, &gen.order_ids(), &mut report).await?;
    Ok(report)
}

async fn count_transfers(
    engine: &Engine,
    ids: &[String],
    report: &mut SeedReport,
) -> anyhow::Result<()> {
    let book = engine.store().load_ledger().await?;
    for r in book.recorded() {
        let ours = r
            .transfer
            .order
            .as_ref()
            .is_some_and(|o| ids.iter().any(|id| id == o.as_str()));
        if ours {
            *report
                .transfers
                .entry(r.transfer.code.as_str().to_string())
                .or_default() += 1;
        }
    }
    Ok(())
}

/// Counts the step's results and checks each against what it had to be.
fn tally(
    report: &mut SeedReport,
    answers: &mut Answers,
    ops: &[Op],
    expected: &[Option<Res>],
    results: &[Res],
) -> Result<(), String> {
    for ((op, want), got) in ops.iter().zip(expected).zip(results) {
        count(report, got);
        if let Res::Failed(why) = got {
            return Err(format!("internal error: {why}"));
        }
        if let Some(want) = want {
            if want != got {
                return Err(format!("idempotency: expected {want:?}, got {got:?}"));
            }
        }
        if let (Op::Call(call), Res::Accepted(outcome)) = (op, got) {
            record(answers, call, outcome)?;
        }
    }
    Ok(())
}

/// Remembers an accepted keyed call's answer; a second fresh acceptance under one key
/// (duplicates racing) is a failure.
fn record(answers: &mut Answers, call: &Call, outcome: &Outcome) -> Result<(), String> {
    let Some(key) = &call.key else {
        return Ok(());
    };
    if let Some((_, first)) = answers.0.get(key) {
        return Err(format!(
            "idempotency key {key} ran twice: {first:?}, then {outcome:?}"
        ));
    }
    let request = exec::decode(call).map_err(|e| format!("accepted but undecodable: {e}"))?;
    answers.0.insert(key.clone(), (request, outcome.clone()));
    Ok(())
}

fn count(report: &mut SeedReport, got: &Res) {
    match got {
        Res::Fired(n) => report.deadlines_fired += n,
        Res::Accepted(_) => report.accepted += 1,
        Res::Replayed(_) => report.replayed += 1,
        Res::Refused(rule) => *report.refused.entry(rule.clone()).or_default() += 1,
        Res::Failed(_) => {}
    }
    if !matches!(got, Res::Fired(_)) {
        report.commands += 1;
    }
}

/// An engine on a fresh in-memory SQLite database: each seed starts empty, so a seed
/// replays exactly.
pub async fn sqlite_in_memory(policy: protection::Policy) -> anyhow::Result<Engine> {
    let store = store::Store::connect("sqlite::memory:").await?;
    Ok(Engine::new(store, policy))
}
