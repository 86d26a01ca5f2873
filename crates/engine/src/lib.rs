//! The engine: runs a command against the store. One command is one database
//! transaction: idempotency check, row locks, load, `decide`, ledger checks on locked
//! rows, events, balances, deadlines and the idempotency record, all or nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use domain::{OrderId, Timestamp};
use ledger::LedgerError;
use protection::{
    decide, Actor, Command, Decision, Order, Policy, Recorded, Rejection, Timer, TimerKind,
};
use store::{Store, StoreError, StoredOutcome, Tx, WriteSet, Written};

/// Times a command is tried again after losing a race to another transaction.
pub const CONFLICT_RETRIES_MAX: u32 = 8;
/// Orders whose state one engine keeps in memory; past this the cache starts over.
pub const ORDER_CACHE_MAX: usize = 100_000;

/// One command to run.
#[derive(Debug, Clone)]
pub struct Request {
    /// Client-chosen key: the same key with the same request returns the first
    /// outcome; with another request it is an error.
    pub idempotency_key: Option<String>,
    pub order: OrderId,
    pub actor: Actor,
    pub command: Command,
    pub at: Timestamp,
}

impl Request {
    /// The request as compared under its idempotency key. `at` is left out: a retry
    /// comes later by nature.
    fn fingerprint(&self) -> String {
        format!("{}|{}|{:?}", self.order, self.actor, self.command)
    }

    /// The fingerprint of a posted message as engines wrote it while the command still
    /// had a `scan` field (always `None` from callers): a retry across the upgrade
    /// replays instead of conflicting.
    fn fingerprint_with_scan_field(&self) -> Option<String> {
        let Command::PostMessage { .. } = self.command else {
            return None;
        };
        let now = self.fingerprint();
        let fields = now.strip_suffix(" }")?;
        Some(format!("{fields}, scan: None }}"))
    }
}

/// An assessment as the order log keeps it: risk, verdict, kinds strongest first, the
/// findings, and whether the text was cut before the scan.
fn scan_record(a: &risk::Assessment, truncated: bool) -> protection::MessageScan {
    let mut kinds = Vec::new();
    for s in a.signals() {
        if !kinds.contains(&s.kind()) {
            kinds.push(s.kind());
        }
    }
    protection::MessageScan {
        risk: a.risk(),
        verdict: a.verdict(),
        kinds,
        signals: a.signals().to_vec(),
        truncated,
    }
}

/// Where an order stands, as the message scanner's context.
fn message_context(order: Option<&Order>) -> risk::Context {
    use protection::Status::*;
    match order.map(|o| o.status) {
        Some(Placed | Paid) => risk::Context::PreOrder,
        Some(Shipped) => risk::Context::InTransit,
        Some(Delivered | Completed) => risk::Context::Delivered,
        Some(Disputed) => risk::Context::DisputeOpen,
        Some(Cancelled | Resolved) | None => risk::Context::Unknown,
    }
}

/// What a command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub order: OrderId,
    pub status: String,
    /// Seqs of the events it appended (empty range when it changed nothing).
    pub seq_from: i64,
    pub seq_to: i64,
    /// True when this is the stored answer to an earlier request with the same key.
    pub replayed: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A rule refused the command; nothing changed.
    #[error(transparent)]
    Rejected(#[from] Rejection),
    #[error("idempotency key {key:?} was used with another request")]
    IdempotencyConflict { key: String },
    /// The ledger refused the money movement; nothing changed.
    #[error("ledger refused: {0}")]
    Ledger(#[from] LedgerError),
    #[error("too many concurrent writes on order {0}; try again")]
    Busy(OrderId),
    #[error("storage failed")]
    Store(#[source] anyhow::Error),
}

impl From<StoreError> for EngineError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => EngineError::Store(anyhow::anyhow!("unexpected conflict")),
            StoreError::Other(e) => EngineError::Store(e),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Engine {
    store: Store,
    policy: Policy,
    /// Order states as of this process's last committed command. Only a speed-up: a
    /// stale entry (another process moved the order on) fails the version check of
    /// the write or gets a rule refusal, and the command is retried from the log.
    cache: Arc<Mutex<HashMap<OrderId, Order>>>,
    /// Scans messages posted on orders before the rules see them.
    scanner: Arc<risk::MessageScanner>,
}

enum Attempt {
    Done(Outcome, Option<Box<Order>>),
    /// Lost a race to another transaction: roll back and try again.
    Retry,
    /// The idempotency key was recorded by a concurrent request first.
    KeyTaken,
}

impl Engine {
    pub fn new(store: Store, policy: Policy) -> Engine {
        Engine {
            store,
            policy,
            cache: Arc::default(),
            scanner: Arc::new(risk::MessageScanner::default()),
        }
    }

    /// The message scanner the engine uses (built once; the API scans with it too).
    pub fn scanner(&self) -> &risk::MessageScanner {
        &self.scanner
    }

    /// The parcel checks on a shipment or a delivery the rules just accepted: the
    /// tracking number's format and check digit, its reuse on other orders, and the
    /// delivery country against the order's.
    async fn parcel_signals(
        &self,
        tx: &mut Tx,
        order: &Order,
        events: &[protection::Event],
    ) -> Result<Option<(&'static str, protection::MessageScan)>, StoreError> {
        let mut signals = Vec::new();
        let mut stage = "";
        for e in events {
            match e {
                protection::Event::Shipped { tracking, .. } => {
                    stage = "shipped";
                    // A shape no carrier list knows is no evidence (carriers vary); a
                    // failed check digit is.
                    let check = risk::tracking::validate(tracking);
                    signals.extend(
                        check
                            .signal(tracking)
                            .filter(|s| s.severity() >= risk::Severity::High),
                    );
                    let others = tx.tracking_reuse(tracking, &order.id).await?;
                    signals.extend(risk::tracking::reused(tracking, others.max(0) as usize));
                }
                protection::Event::Weighed { grams } => {
                    stage = "weighed";
                    if let Some(expected) = order.weight_grams {
                        signals.extend(risk::tracking::weight_mismatch(
                            (*grams).max(0) as u64,
                            expected.max(0) as u64,
                        ));
                    }
                }
                protection::Event::Delivered {
                    country: Some(country),
                    ..
                } => {
                    stage = "delivered";
                    if let Some(dest) = &order.destination_country {
                        signals.extend(risk::tracking::delivered_elsewhere(
                            risk::tracking::Place {
                                country: dest,
                                postal_code: None,
                            },
                            risk::tracking::Place {
                                country,
                                postal_code: None,
                            },
                        ));
                    }
                }
                _ => {}
            }
        }
        if signals.is_empty() {
            return Ok(None);
        }
        let a = risk::Assessment::combine(signals, &risk::Thresholds::default());
        Ok(Some((stage, scan_record(&a, false))))
    }

    /// Decides a command; a posted message is scanned here first, with the sender and
    /// the order's stage as context. The scan is always the engine's own: a command
    /// has no way to carry one.
    fn decide(&self, order: Option<&Order>, request: &Request) -> Result<Decision, Rejection> {
        let Command::PostMessage { id, from, text } = &request.command else {
            return decide(
                order,
                &request.order,
                &request.command,
                &request.actor,
                request.at,
                &self.policy,
            );
        };
        let sender = match (from, &request.actor) {
            (Some(protection::Party::Seller), _) | (None, Actor::Seller(_)) => risk::Sender::Seller,
            (Some(protection::Party::Buyer), _) | (None, Actor::Buyer(_)) => risk::Sender::Buyer,
            _ => risk::Sender::Unknown,
        };
        let report = self.scanner.scan(&risk::Message {
            text,
            sender,
            context: message_context(order),
            lang: None,
        });
        // Card numbers are recorded masked (all but the last four digits), so the log,
        // the API, the console and webhooks never hold one whole; the scan's spans
        // stay right, the mask being one byte for one byte.
        let recorded = Command::PostMessage {
            id: id.clone(),
            from: *from,
            text: risk::mask_cards(text).into_owned(),
        };
        protection::decide_message(
            order,
            &request.order,
            &recorded,
            &request.actor,
            request.at,
            &scan_record(&report.assessment, report.truncated),
            &self.policy,
        )
    }

    fn cached(&self, order: &OrderId) -> Option<Order> {
        self.cache.lock().expect("cache lock").get(order).cloned()
    }

    fn remember(&self, order: Option<Box<Order>>, id: &OrderId) {
        let mut cache = self.cache.lock().expect("cache lock");
        match order {
            Some(o) => {
                if cache.len() >= ORDER_CACHE_MAX {
                    cache.clear();
                }
                cache.insert(id.clone(), *o);
            }
            None => {
                cache.remove(id);
            }
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Runs one command, retrying when a concurrent transaction won a race.
    pub async fn execute(&self, request: &Request) -> Result<Outcome, EngineError> {
        let mut use_cache = true;
        for attempt in 0..CONFLICT_RETRIES_MAX {
            let mut tx = self.store.begin().await?;
            let cached = if use_cache {
                self.cached(&request.order)
            } else {
                None
            };
            let from_cache = cached.is_some();
            match self.execute_in(&mut tx, request, None, cached).await {
                Ok(Attempt::Done(outcome, after)) => match tx.commit().await {
                    Ok(()) => {
                        self.remember(after, &request.order);
                        return Ok(outcome);
                    }
                    Err(StoreError::Conflict) => {
                        self.remember(None, &request.order);
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                },
                Ok(Attempt::Retry) => {
                    self.remember(None, &request.order);
                    use_cache = false;
                    continue;
                }
                // A refusal may come from a state another process has moved on from:
                // decide again on the log before answering.
                Err(EngineError::Rejected(_)) if from_cache => {
                    tx.rollback().await?;
                    self.remember(None, &request.order);
                    use_cache = false;
                    continue;
                }
                // The ledger refuses what a concurrent command already did (a hold
                // resolved while this one read the order before that commit): decide
                // again on a fresh read, where the rules give the answer.
                Err(EngineError::Ledger(_)) if attempt + 1 < CONFLICT_RETRIES_MAX => {
                    tx.rollback().await?;
                    self.remember(None, &request.order);
                    use_cache = false;
                    continue;
                }
                Ok(Attempt::KeyTaken) => {
                    tx.rollback().await?;
                    return match self.replay(request).await? {
                        Some(outcome) => Ok(outcome),
                        None => Err(EngineError::Store(anyhow::anyhow!(
                            "idempotency key {:?} taken but not found",
                            request.idempotency_key
                        ))),
                    };
                }
                // A retried request that succeeded before is refused by the rules now
                // (the order moved on): answer with the first result instead.
                Err(e @ (EngineError::Rejected(_) | EngineError::Ledger(_))) => {
                    tx.rollback().await?;
                    return match self.replay(request).await? {
                        Some(outcome) => Ok(outcome),
                        None => Err(e),
                    };
                }
                Err(e) => return Err(e),
            }
        }
        Err(EngineError::Busy(request.order.clone()))
    }

    /// The stored answer to an earlier request with the same idempotency key.
    async fn replay(&self, request: &Request) -> Result<Option<Outcome>, EngineError> {
        let Some(key) = &request.idempotency_key else {
            return Ok(None);
        };
        let Some(stored) = self.store.idempotency(key).await? else {
            return Ok(None);
        };
        if stored.request != request.fingerprint()
            && Some(&stored.request) != request.fingerprint_with_scan_field().as_ref()
        {
            return Err(EngineError::IdempotencyConflict { key: key.clone() });
        }
        Ok(Some(Outcome {
            order: request.order.clone(),
            status: stored.status,
            seq_from: stored.seq_from,
            seq_to: stored.seq_to,
            replayed: true,
        }))
    }

    async fn execute_in(
        &self,
        tx: &mut Tx,
        request: &Request,
        fired: Option<&Timer>,
        cached: Option<Order>,
    ) -> Result<Attempt, EngineError> {
        macro_rules! conflict_retries {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(StoreError::Conflict) => return Ok(Attempt::Retry),
                    Err(e) => return Err(e.into()),
                }
            };
        }
        // Optimistic concurrency: a racing command on the same order appends the same
        // event seq or finds the projection at another version, and one of the two
        // retries. Money is guarded separately, by the locked account rows.
        let before = match cached {
            Some(order) => Some(order),
            None => {
                let log = conflict_retries!(tx.load_events(&request.order).await);
                Order::replay(&request.order, &log)
            }
        };
        let version = before.as_ref().map(|o| o.version);
        let mut decision = self.decide(before.as_ref(), request)?;
        if let Some(order) = before.as_ref() {
            let signals = conflict_retries!(self.parcel_signals(tx, order, &decision.events).await);
            if let Some((stage, scan)) = signals {
                decision
                    .events
                    .extend(protection::parcel_flags(order, stage, &scan, &self.policy));
            }
        }
        let also: Vec<_> = decision
            .clawbacks
            .iter()
            .flat_map(|c| c.accounts())
            .collect();
        let mut book = conflict_retries!(tx.load_book(&decision.transfers, &also).await);
        let mut applied = book.apply(&decision.transfers)?;
        // Clawbacks split by the balances of the rows just locked, after the
        // decision's own transfers.
        for c in &decision.clawbacks {
            let transfers = c.expand(&book);
            applied.extend(book.apply(&transfers)?);
        }
        let first_seq = version.unwrap_or(0) + 1;
        let recorded: Vec<Recorded> = decision
            .events
            .into_iter()
            .enumerate()
            .map(|(i, event)| Recorded {
                seq: first_seq + i as i64,
                at: request.at,
                actor: request.actor.clone(),
                event,
            })
            .collect();
        let mut after = before.clone();
        for r in &recorded {
            after = Some(protection::apply(after, &request.order, r));
        }
        let outcome = Outcome {
            order: request.order.clone(),
            status: after
                .as_ref()
                .map_or("none", |o| o.status.as_str())
                .to_string(),
            seq_from: first_seq,
            seq_to: first_seq + recorded.len() as i64 - 1,
            replayed: false,
        };
        let stored = request.idempotency_key.as_ref().map(|key| {
            (
                key.as_str(),
                StoredOutcome {
                    request: request.fingerprint(),
                    order_id: request.order.to_string(),
                    seq_from: outcome.seq_from,
                    seq_to: outcome.seq_to,
                    status: outcome.status.clone(),
                },
            )
        });
        let written = conflict_retries!(
            tx.write(&WriteSet {
                order: &request.order,
                applied: &applied,
                book: &book,
                events: &recorded,
                state: after
                    .as_ref()
                    .filter(|_| !recorded.is_empty())
                    .map(|o| (o, version)),
                timers: &decision.timers,
                fired,
                idempotency: stored.as_ref().map(|(k, s)| (*k, s)),
                now: request.at,
            })
            .await
        );
        Ok(match written {
            Written::Done => Attempt::Done(outcome, after.map(Box::new)),
            Written::KeyTaken => Attempt::KeyTaken,
        })
    }

    /// Fires deadlines due at `now`, each in its own transaction together with its
    /// effects, so a deadline fires exactly once, also across a crash. Returns how many
    /// fired; stops after `max`.
    pub async fn run_due_timers(&self, now: Timestamp, max: usize) -> Result<usize, EngineError> {
        self.run_due_timers_each(now, max, |_| {}).await
    }

    /// As `run_due_timers`, calling `each` with the order of every deadline that fired
    /// (the simulator counts only its own run's).
    pub async fn run_due_timers_each(
        &self,
        now: Timestamp,
        max: usize,
        mut each: impl FnMut(&OrderId),
    ) -> Result<usize, EngineError> {
        let mut fired = 0;
        let mut conflicts = 0;
        while fired < max {
            let mut tx = self.store.begin().await?;
            let claimed = match tx.claim_due_timer(now).await {
                Ok(c) => c,
                Err(StoreError::Conflict) => {
                    conflicts += 1;
                    if conflicts > CONFLICT_RETRIES_MAX {
                        break;
                    }
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let Some((order, timer)) = claimed else {
                tx.rollback().await?;
                break;
            };
            let request = Request {
                idempotency_key: None,
                order: order.clone(),
                actor: Actor::System,
                command: Command::Fire(timer.kind),
                // The deadline takes effect when it was due, even if this loop runs
                // late (after a restart, say): a payout hold still starts at the
                // auto-confirmation it follows.
                at: timer.due,
            };
            // Deadlines always decide on the log: a no-op decided on a stale cached
            // state would write nothing that a version check could catch.
            match self.execute_in(&mut tx, &request, Some(&timer), None).await {
                Ok(Attempt::Done(_, after)) => match tx.commit().await {
                    Ok(()) => {
                        fired += 1;
                        each(&order);
                        self.remember(after, &order);
                    }
                    Err(StoreError::Conflict) => self.remember(None, &order),
                    Err(e) => return Err(e.into()),
                },
                // Lost a race, or the ledger refused what a concurrent commit already
                // did: claim again and decide on a fresh read.
                Ok(Attempt::Retry | Attempt::KeyTaken) | Err(EngineError::Ledger(_))
                    if conflicts < CONFLICT_RETRIES_MAX =>
                {
                    conflicts += 1;
                    tx.rollback().await?;
                    continue;
                }
                Ok(Attempt::Retry | Attempt::KeyTaken) => return Err(EngineError::Busy(order)),
                Err(EngineError::Rejected(r)) => {
                    // The rules never refuse a deadline; if one is, the timer stays
                    // unfired and the operator sees why.
                    return Err(EngineError::Store(anyhow::anyhow!(
                        "deadline {:?} of order {order} refused: {r}",
                        timer.kind
                    )));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(fired)
    }

    /// The seller's store ratings as of `now`, from the orders of the rating window, with
    /// its first order and items sold over all its orders.
    pub async fn seller_ratings(
        &self,
        seller: &domain::SellerId,
        now: Timestamp,
        policy: &protection::RatingPolicy,
    ) -> Result<protection::SellerRatings, EngineError> {
        // Feedback in the window may belong to an order placed before it: look back a
        // further 180 days, more than any order takes from placing to completion.
        let since = now.plus_days(-policy.window_days - 180);
        let logs = self.store.seller_order_logs(seller.as_str(), since).await?;
        let orders: Vec<Order> = logs
            .iter()
            .filter_map(|(id, log)| Order::replay(id, log))
            .collect();
        let mut ratings = protection::seller_ratings(&orders, now, policy);
        // Store age and items sold count every order, not only the window's.
        let (first, sold) = self.store.seller_record(seller.as_str(), now).await?;
        ratings.first_order_at = first.or(ratings.first_order_at);
        ratings.items_sold = sold.max(ratings.items_sold);
        Ok(ratings)
    }

    /// The order's deadlines not yet fired and due by `until` that would still act when
    /// they fire (`protection::deadline_acts`), soonest first. Due before now, they are
    /// overdue: the timer loop has not fired them yet.
    pub async fn live_deadlines(
        &self,
        order: &Order,
        until: Timestamp,
    ) -> Result<Vec<(TimerKind, Timestamp)>, EngineError> {
        let due = self
            .store
            .order_due_timers(order.id.as_str(), until)
            .await?;
        Ok(due
            .iter()
            .filter_map(|t| {
                let kind = TimerKind::parse(&t.kind)?;
                let at = Timestamp::from_unix_ms(t.due_ms);
                protection::deadline_acts(order, kind, at, &self.policy).then_some((kind, at))
            })
            .collect())
    }

    /// The order's current state and its full event log.
    pub async fn order(&self, id: &OrderId) -> Result<Option<(Order, Vec<Recorded>)>, EngineError> {
        let log = self.store.events(id).await?;
        Ok(Order::replay(id, &log).map(|o| (o, log)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_stored_with_the_old_fingerprint_still_matches() {
        let request = Request {
            idempotency_key: Some("k".into()),
            order: OrderId::parse("o-1").unwrap(),
            actor: Actor::Buyer(domain::BuyerId::parse("b-1").unwrap()),
            command: Command::PostMessage {
                id: "m1".into(),
                from: None,
                text: "hi \"there\" }".into(),
            },
            at: Timestamp::from_unix_ms(0),
        };
        // As the engine wrote it before `PostMessage` lost its `scan` field.
        let old = r#"o-1|buyer:b-1|PostMessage { id: "m1", from: None, text: "hi \"there\" }", scan: None }"#;
        assert_eq!(request.fingerprint_with_scan_field().as_deref(), Some(old));
        assert_ne!(request.fingerprint(), old);
        let other = Request {
            command: Command::Cancel,
            ..request
        };
        assert_eq!(other.fingerprint_with_scan_field(), None);
    }
}
