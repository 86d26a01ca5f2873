//! Runs a step's operations through the engine, concurrently up to the number of
//! workers, and names what came back: accepted, replayed, refused by a rule (or a
//! field at the edge), or a failure.

use domain::{OrderId, Timestamp};
use engine::{Engine, EngineError, Outcome, Request};
use protection::Rejection;

use super::gen::{Call, Op};

/// Most deadlines one timer operation fires.
const TIMERS_PER_OP_MAX: usize = 1000;

/// What one operation came to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Result {
    Accepted(Outcome),
    /// The stored answer to an earlier request with the same key.
    Replayed(Outcome),
    /// Refused with a name: a rule, `field:NAME` from decoding, `decode:...` from the
    /// JSON shape, or `idempotency_conflict`.
    Refused(String),
    /// Deadlines fired.
    Fired(usize),
    /// Anything else: an internal error. Always a failure.
    Failed(String),
}

/// The engine request a call decodes to, the way the API decodes it, or the name of
/// the refusal at the edge.
pub(crate) fn decode(call: &Call) -> std::result::Result<Request, String> {
    let dto: report::command::CommandDto = serde_json::from_str(&call.body).map_err(|e| {
        let m = e.to_string();
        if m.contains("unknown field") {
            "decode:unknown_field".to_string()
        } else if m.contains("unknown variant") {
            "decode:unknown_command".to_string()
        } else {
            "decode:malformed".to_string()
        }
    })?;
    let order = OrderId::parse(&call.order).map_err(|_| "field:order_id".to_string())?;
    let command = dto
        .into_command()
        .map_err(|e| format!("field:{}", e.field))?;
    Ok(Request {
        idempotency_key: call.key.clone(),
        order,
        actor: call.actor.clone(),
        command,
        at: Timestamp::from_unix_ms(call.at),
    })
}

/// The name of a rule's refusal; the two without a `rule()` (404 and 409 in the API)
/// get their own.
pub(crate) fn rule_name(r: &Rejection) -> String {
    match (r.rule(), r) {
        (Some(rule), _) => rule.to_string(),
        (None, Rejection::UnknownOrder(_)) => "unknown_order".to_string(),
        (None, _) => "order_exists".to_string(),
    }
}

async fn run_one(engine: Engine, op: Op) -> Result {
    match op {
        Op::Timers { at } => match engine
            .run_due_timers(Timestamp::from_unix_ms(at), TIMERS_PER_OP_MAX)
            .await
        {
            Ok(n) => Result::Fired(n),
            Err(e) => Result::Failed(format!("timer loop: {:#}", anyhow::Error::new(e))),
        },
        Op::Call(call) => {
            let request = match decode(&call) {
                Ok(r) => r,
                Err(name) => return Result::Refused(name),
            };
            match engine.execute(&request).await {
                Ok(o) if o.replayed => Result::Replayed(o),
                Ok(o) => Result::Accepted(o),
                Err(EngineError::Rejected(r)) => Result::Refused(rule_name(&r)),
                Err(EngineError::IdempotencyConflict { .. }) => {
                    Result::Refused("idempotency_conflict".to_string())
                }
                Err(e) => Result::Failed(format!(
                    "{} on order {}: {:#}",
                    request.command.name(),
                    request.order,
                    anyhow::Error::new(e)
                )),
            }
        }
    }
}

/// Runs the operations, at most `workers` at a time, and returns their results in
/// their order. One worker runs them one after the other, in order: a deterministic
/// run.
pub(crate) async fn run(engine: &Engine, ops: &[Op], workers: usize) -> Vec<Result> {
    let mut results = Vec::with_capacity(ops.len());
    for chunk in ops.chunks(workers.max(1)) {
        if chunk.len() == 1 {
            results.push(run_one(engine.clone(), chunk[0].clone()).await);
            continue;
        }
        let handles: Vec<_> = chunk
            .iter()
            .map(|op| tokio::spawn(run_one(engine.clone(), op.clone())))
            .collect();
        for h in handles {
            results.push(match h.await {
                Ok(r) => r,
                Err(e) => Result::Failed(format!("worker panicked: {e}")),
            });
        }
    }
    results
}
