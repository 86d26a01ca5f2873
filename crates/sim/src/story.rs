//! A run told over time, from the engine's event logs of its orders: orders by state
//! and money held, released and refunded at the end of each simulated day, and the
//! dispute funnel.

use std::collections::BTreeMap;

use domain::{Currency, OrderId, MS_PER_DAY};
use protection::{apply, Event, Order, Recorded};

use crate::START_MS;

/// The state of the run at the end of one simulated day.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Day {
    /// Days since the start: 1 is the end of the first day.
    pub day: u32,
    pub by_status: BTreeMap<String, usize>,
    /// Per currency, in minor units: (held in escrow, released so far, refunded so far).
    pub money: BTreeMap<Currency, (i64, i64, i64)>,
}

/// How far the run's disputes went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Funnel {
    pub opened: usize,
    /// The seller answered (accepted, offered or refused).
    pub seller_answered: usize,
    /// Escalated to the platform, by the buyer or by the 15-day rule.
    pub escalated: usize,
    /// Decided by an agent.
    pub decided: usize,
    pub closed: usize,
    /// Closed with money back to the buyer.
    pub refunded: usize,
}

/// Changes per day, summed into `Day`s at the end.
#[derive(Debug, Default)]
pub struct Timeline {
    days: u32,
    status: Vec<BTreeMap<String, i64>>,
    money: Vec<BTreeMap<Currency, (i64, i64, i64)>>,
}

/// The order's figures the timeline follows.
fn figures(o: &Order) -> (String, (i64, i64, i64)) {
    (
        o.status.as_str().to_string(),
        (
            o.held_minor(),
            o.released_minor,
            o.refunded_minor + o.clawed_back_minor + o.guarantee_minor,
        ),
    )
}

impl Timeline {
    pub fn new(days: u32) -> Timeline {
        let n = days as usize + 1;
        Timeline {
            days,
            status: vec![BTreeMap::new(); n],
            money: vec![BTreeMap::new(); n],
        }
    }

    /// The first day whose end is at or after `at_ms`.
    fn day_of(&self, at_ms: i64) -> usize {
        let d = (at_ms - START_MS + MS_PER_DAY - 1).div_euclid(MS_PER_DAY);
        d.clamp(1, i64::from(self.days)) as usize
    }

    /// Folds one order's log event by event, recording each change on its day.
    pub fn add(&mut self, id: &OrderId, log: &[Recorded]) {
        let mut state: Option<Order> = None;
        for r in log {
            let before = state.as_ref().map(figures);
            let next = apply(state, id, r);
            let after = figures(&next);
            state = Some(next);
            if before.as_ref() == Some(&after) {
                continue;
            }
            let d = self.day_of(r.at.unix_ms());
            let cur = state.as_ref().map(|o| o.currency).expect("just applied");
            if let Some((status, _)) = &before {
                *self.status[d].entry(status.clone()).or_default() -= 1;
            }
            *self.status[d].entry(after.0.clone()).or_default() += 1;
            let (h0, r0, f0) = before.map_or((0, 0, 0), |b| b.1);
            let m = self.money[d].entry(cur).or_default();
            m.0 += after.1 .0 - h0;
            m.1 += after.1 .1 - r0;
            m.2 += after.1 .2 - f0;
        }
    }

    /// The state at the end of every day.
    pub fn days(&self) -> Vec<Day> {
        let mut status: BTreeMap<String, i64> = BTreeMap::new();
        let mut money: BTreeMap<Currency, (i64, i64, i64)> = BTreeMap::new();
        (1..=self.days)
            .map(|d| {
                for (k, v) in &self.status[d as usize] {
                    *status.entry(k.clone()).or_default() += v;
                }
                for (c, (h, r, f)) in &self.money[d as usize] {
                    let m = money.entry(*c).or_default();
                    m.0 += h;
                    m.1 += r;
                    m.2 += f;
                }
                Day {
                    day: d,
                    by_status: status
                        .iter()
                        .filter(|(_, n)| **n > 0)
                        .map(|(k, n)| (k.clone(), *n as usize))
                        .collect(),
                    money: money.clone(),
                }
            })
            .collect()
    }
}

impl Funnel {
    /// Counts the dispute of one order, if it had one.
    pub fn add(&mut self, order: &Order, log: &[Recorded]) {
        let Some(dispute) = &order.dispute else {
            return;
        };
        let seen = |f: fn(&Event) -> bool| log.iter().any(|r| f(&r.event));
        self.opened += 1;
        self.seller_answered += usize::from(seen(|e| matches!(e, Event::SellerResponded { .. })));
        self.escalated += usize::from(dispute.escalated);
        self.decided += usize::from(seen(|e| matches!(e, Event::DisputeDecided { .. })));
        if !dispute.is_open() {
            self.closed += 1;
            let back = order.refunded_minor + order.clawed_back_minor + order.guarantee_minor;
            self.refunded += usize::from(back > 0);
        }
    }

    /// The stages in order, with their names for people.
    pub fn stages(&self) -> [(&'static str, usize); 6] {
        [
            ("opened", self.opened),
            ("answered by the seller", self.seller_answered),
            ("escalated to the platform", self.escalated),
            ("decided by an agent", self.decided),
            ("closed", self.closed),
            ("closed with money back", self.refunded),
        ]
    }
}
