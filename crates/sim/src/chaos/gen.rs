//! The generator: from a seed, each step's operations. It reads the orders' states
//! (as the last check loaded them) to reach deep states often, and sends the odd
//! command at any moment; every choice comes from its one seeded random source.

use std::collections::BTreeMap;

use domain::{MS_PER_DAY, MS_PER_HOUR};
use protection::{Actor, Order, Policy, Status};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use super::amounts;
use super::bodies::{self, Kind};
use crate::START_MS;

/// Most orders one seed plans, and how many it keeps going at once.
const ORDERS_MAX: usize = 16;
const LIVE_MAX: usize = 3;
const BUYERS: usize = 4;
const SELLERS: usize = 3;

/// One operation of a step.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Call(Call),
    /// The timer loop runs the deadlines due at `at`.
    Timers {
        at: i64,
    },
}

/// A command as a caller sends it: the order id and the body as raw text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Call {
    pub key: Option<String>,
    pub order: String,
    pub actor: Actor,
    pub at: i64,
    pub body: String,
}

/// An order the generator means to place, with what it placed it with.
#[derive(Debug, Clone)]
pub(crate) struct Planned {
    pub id: String,
    pub buyer: String,
    pub seller: String,
    pub currency: &'static str,
    pub country: Option<&'static str>,
}

pub(crate) struct Gen {
    pub(crate) rng: StdRng,
    pub(crate) policy: Policy,
    prefix: String,
    now: i64,
    pub(crate) orders: Vec<Planned>,
    /// Tracking numbers used so far, to paste into other orders.
    pub(crate) trackings: Vec<String>,
    /// Keyed calls sent so far, for replays.
    keyed: Vec<Call>,
    keys: u64,
    /// Most operations of a racing step: the workers, at least two.
    width: usize,
}

impl Gen {
    pub(crate) fn new(seed: u64, prefix: &str, policy: Policy, workers: usize) -> Gen {
        let mut gen = Gen {
            rng: StdRng::seed_from_u64(seed),
            policy,
            prefix: prefix.to_string(),
            now: START_MS,
            orders: Vec::new(),
            trackings: Vec::new(),
            keyed: Vec::new(),
            keys: 0,
            width: workers.max(2),
        };
        for _ in 0..3 {
            gen.plan_order();
        }
        gen
    }

    pub(crate) fn order_ids(&self) -> Vec<String> {
        self.orders.iter().map(|o| o.id.clone()).collect()
    }

    fn plan_order(&mut self) {
        let n = self.orders.len();
        let rng = &mut self.rng;
        let currency = amounts::CURRENCIES[rng.random_range(0..amounts::CURRENCIES.len())];
        let country =
            [None, Some("DE"), Some("US"), Some("BR"), Some("FR")][rng.random_range(0..5)];
        let buyer = format!("{}b{}", self.prefix, rng.random_range(0..BUYERS));
        let seller = format!("{}s{}", self.prefix, rng.random_range(0..SELLERS));
        self.orders.push(Planned {
            id: format!("{}o{n}", self.prefix),
            buyer,
            seller,
            currency,
            country,
        });
    }

    /// The operations of the next step, given the orders' states.
    pub(crate) fn step(&mut self, states: &BTreeMap<String, Order>) -> Vec<Op> {
        self.advance_clock();
        let live = self.live(states);
        if self.orders.len() < ORDERS_MAX && live.len() < LIVE_MAX && self.rng.random_bool(0.3) {
            self.plan_order();
        }
        match self.rng.random_range(0..100) {
            0..=54 => vec![Op::Call(self.fresh(states))],
            55..=64 => self.replay(states, true),
            65..=69 => self.replay(states, false),
            // Duplicates racing: the same request several times at once, with its key
            // or without one.
            70..=79 => {
                let mut call = self.fresh(states);
                if self.rng.random_bool(0.4) {
                    call.key = None;
                }
                let n = self.rng.random_range(2..=self.width);
                vec![Op::Call(call); n]
            }
            // Several commands on one order at once.
            80..=86 => {
                let i = self.pick(states);
                let n = self.rng.random_range(2..=self.width);
                (0..n).map(|_| Op::Call(self.call_on(i, states))).collect()
            }
            // Deadlines interleaved with a command.
            87..=94 => vec![Op::Timers { at: self.now }, Op::Call(self.fresh(states))],
            _ => vec![Op::Timers { at: self.now }],
        }
    }

    /// Minutes to hours mostly, a day or two often, weeks now and then (deadlines
    /// pass).
    fn advance_clock(&mut self) {
        let rng = &mut self.rng;
        self.now += match rng.random_range(0..100) {
            0..=87 => rng.random_range(MS_PER_HOUR / 60..3 * MS_PER_HOUR),
            88..=97 => rng.random_range(MS_PER_DAY / 2..2 * MS_PER_DAY),
            _ => rng.random_range(5 * MS_PER_DAY..20 * MS_PER_DAY),
        };
    }

    /// Orders still going: not placed yet, or not cancelled, resolved or completed.
    fn live(&self, states: &BTreeMap<String, Order>) -> Vec<usize> {
        (0..self.orders.len())
            .filter(|i| {
                states.get(&self.orders[*i].id).is_none_or(|o| {
                    !matches!(
                        o.status,
                        Status::Cancelled | Status::Resolved | Status::Completed
                    )
                })
            })
            .collect()
    }

    /// An order to act on: a live one three times in four.
    fn pick(&mut self, states: &BTreeMap<String, Order>) -> usize {
        let live = self.live(states);
        if !live.is_empty() && self.rng.random_bool(0.75) {
            live[self.rng.random_range(0..live.len())]
        } else {
            self.rng.random_range(0..self.orders.len())
        }
    }

    /// When a command says it happened: now, or (one in ten) up to 20 days earlier.
    fn at(&mut self) -> i64 {
        if self.rng.random_bool(0.1) {
            self.now - self.rng.random_range(MS_PER_HOUR..20 * MS_PER_DAY)
        } else {
            self.now
        }
    }

    fn fresh(&mut self, states: &BTreeMap<String, Order>) -> Call {
        let i = self.pick(states);
        self.call_on(i, states)
    }

    /// A new command on order `i`: what fits its state mostly, anything sometimes;
    /// from the right actor mostly; keyed four times in five.
    fn call_on(&mut self, i: usize, states: &BTreeMap<String, Order>) -> Call {
        let state = states.get(&self.orders[i].id);
        let kind = if self.rng.random_bool(0.15) {
            Kind::ALL[self.rng.random_range(0..Kind::ALL.len())]
        } else {
            self.fitting(state)
        };
        let mut body = bodies::body(self, i, kind, state);
        if self.rng.random_bool(0.05) {
            bodies::add_unknown_field(&mut self.rng, &mut body);
        }
        let actor = self.actor(i, kind);
        let order = self.order_id(i);
        let key = self.rng.random_bool(0.8).then(|| {
            self.keys += 1;
            format!("{}k{}", self.prefix, self.keys)
        });
        let call = Call {
            key,
            order,
            actor,
            at: self.at(),
            body: body.to_string(),
        };
        if call.key.is_some() {
            self.keyed.push(call.clone());
        }
        call
    }

    /// A past keyed call again, later: with the same body, or with another one.
    fn replay(&mut self, states: &BTreeMap<String, Order>, same: bool) -> Vec<Op> {
        if self.keyed.is_empty() {
            return vec![Op::Call(self.fresh(states))];
        }
        let old = self.keyed[self.rng.random_range(0..self.keyed.len())].clone();
        let at = self.at();
        let call = if same {
            Call { at, ..old }
        } else {
            let other = self.fresh(states);
            Call {
                key: old.key,
                at,
                ..other
            }
        };
        vec![Op::Call(call)]
    }

    /// The command that moves an order in `state` on, weighted by what a
    /// marketplace sees.
    fn fitting(&mut self, state: Option<&Order>) -> Kind {
        use Kind::*;
        let menu: &[Kind] = match state.map(|o| o.status) {
            None => &[Place, Place, Place, Place, Pay],
            Some(Status::Placed) => &[Pay, Pay, Pay, Pay, Pay, Pay, Cancel, Message],
            Some(Status::Paid) => &[
                Ship, Ship, Ship, Ship, Ship, Cancel, Message, Extension, Dispute,
            ],
            Some(Status::Shipped) => &[
                Deliver, Deliver, Deliver, Weigh, Confirm, Dispute, Extension, Grant, Message,
                Cancel,
            ],
            Some(Status::Delivered) => &[Confirm, Dispute, Dispute, EuWithdrawal, Feedback],
            Some(Status::Completed) => &[Dispute, Dispute, Feedback, Message, CloseCase],
            Some(Status::Disputed) => &[
                Respond,
                Respond,
                Respond,
                Accept,
                Counter,
                Evidence,
                Escalate,
                Escalate,
                Decide,
                Decide,
                Decide,
                Withdraw,
                ReturnShipped,
                ReturnDelivered,
                ReturnReceived,
                Deliver,
            ],
            Some(Status::Cancelled | Status::Resolved) => &[Feedback, Dispute, Decide, CloseCase],
        };
        menu[self.rng.random_range(0..menu.len())]
    }

    /// Who sends `kind` on order `i`: the right actor mostly, anyone sometimes
    /// (another buyer or seller, an agent, the carrier, the platform).
    fn actor(&mut self, i: usize, kind: Kind) -> Actor {
        let o = &self.orders[i];
        if self.rng.random_bool(0.85) {
            return bodies::right_actor(kind, o);
        }
        let rng = &mut self.rng;
        match rng.random_range(0..5) {
            0 => buyer(&format!("{}b{}", self.prefix, rng.random_range(0..BUYERS))),
            1 => seller(&format!("{}s{}", self.prefix, rng.random_range(0..SELLERS))),
            2 => Actor::Agent("chaos-agent".into()),
            3 => Actor::Carrier,
            _ => Actor::Platform,
        }
    }

    /// The order's id mostly; another order's or a malformed id sometimes.
    fn order_id(&mut self, i: usize) -> String {
        let rng = &mut self.rng;
        match rng.random_range(0..100) {
            0..=91 => self.orders[i].id.clone(),
            92..=96 => self.orders[rng.random_range(0..self.orders.len())]
                .id
                .clone(),
            _ => ["", "a\0b", "../o0", &"o".repeat(300)][rng.random_range(0..4)].to_string(),
        }
    }

    /// A JSON value that a step's trace prints.
    pub(crate) fn describe(ops: &[Op]) -> Vec<Value> {
        ops.iter()
            .map(|op| match op {
                Op::Timers { at } => serde_json::json!({"timers": at}),
                Op::Call(c) => serde_json::json!({
                    "key": c.key, "order": c.order, "actor": c.actor.to_string(),
                    "at": c.at, "body": serde_json::from_str::<Value>(&c.body).unwrap_or(Value::Null),
                }),
            })
            .collect()
    }
}

pub(crate) fn buyer(id: &str) -> Actor {
    Actor::Buyer(domain::BuyerId::parse(id).expect("the simulator's buyer ids are valid"))
}

pub(crate) fn seller(id: &str) -> Actor {
    Actor::Seller(domain::SellerId::parse(id).expect("the simulator's seller ids are valid"))
}
