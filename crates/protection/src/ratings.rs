//! Store ratings, the figures buyers judge a seller by: positive feedback %, detailed
//! ratings, feedback count, repeat buyers, dispute rate and on-time shipping rate,
//! computed from the seller's orders as of a given time.

use std::collections::{BTreeMap, HashMap};

use domain::{Currency, Timestamp};

use crate::order::{CancelReason, Order, Status};

/// How ratings are counted. Defaults follow what AliExpress shows on a store page:
/// positive feedback over the past 6 months (taken as 180 days), 4-5 stars positive,
/// 3 neutral and left out, 1-2 negative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingPolicy {
    /// Feedback and orders older than this many days are left out.
    pub window_days: i64,
    /// Feedback from one buyer within this many days of their last counted one counts
    /// once (the first counts): ten small orders cannot outweigh other buyers.
    pub same_buyer_days: i64,
    /// Orders under this amount, per currency in minor units, are left out of feedback.
    pub min_order_minor: BTreeMap<Currency, i64>,
}

impl Default for RatingPolicy {
    fn default() -> Self {
        RatingPolicy {
            window_days: 180,
            same_buyer_days: 10,
            min_order_minor: BTreeMap::new(),
        }
    }
}

impl RatingPolicy {
    pub fn check(&self) -> Result<(), String> {
        if !(1..=3650).contains(&self.window_days) {
            return Err(format!(
                "rating window_days {} is outside 1..=3650",
                self.window_days
            ));
        }
        if !(0..=365).contains(&self.same_buyer_days) {
            return Err(format!(
                "rating same_buyer_days {} is outside 0..=365",
                self.same_buyer_days
            ));
        }
        if let Some((c, v)) = self.min_order_minor.iter().find(|(_, v)| **v < 0) {
            return Err(format!("rating min_order_minor for {c} is negative: {v}"));
        }
        Ok(())
    }
}

/// An average of 1-5 ratings and how many it rests on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Average {
    pub value: Option<f64>,
    pub count: u64,
}

/// A share and the counts behind it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub numerator: u64,
    pub denominator: u64,
}

impl Rate {
    pub fn value(self) -> Option<f64> {
        (self.denominator > 0).then(|| self.numerator as f64 / self.denominator as f64)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SellerRatings {
    pub as_of: Timestamp,
    pub window_days: i64,
    /// Counted feedback: 4-5 stars positive, 3 neutral, 1-2 negative.
    pub positive: u64,
    pub neutral: u64,
    pub negative: u64,
    /// Counted feedback by stars: `stars[0]` is 1 star, `stars[4]` 5 stars.
    pub stars: [u64; 5],
    /// positive / (positive + negative); None without counted feedback.
    pub positive_share: Rate,
    /// All feedback in the window, before de-duplication and the amount floor.
    pub feedback_count: u64,
    pub item_as_described: Average,
    pub communication: Average,
    pub shipping_speed: Average,
    pub orders: u64,
    pub buyers: u64,
    /// Buyers with two or more orders in the window.
    pub repeat_buyers: Rate,
    /// Paid orders in the window that had a dispute.
    pub dispute_rate: Rate,
    /// Orders due to ship in the window that shipped by their handling deadline.
    pub on_time_shipping: Rate,
    /// When the seller's first order was placed, of the orders given (the engine gives
    /// the first of all its orders): the store is at least this old.
    pub first_order_at: Option<Timestamp>,
    /// Orders paid and not cancelled by `as_of`, of the orders given (the engine counts
    /// all its orders): items sold, since orders carry no quantities.
    pub items_sold: u64,
}

fn average(values: impl Iterator<Item = i64>) -> Average {
    let (mut sum, mut count) = (0_i64, 0_u64);
    for v in values {
        sum += v;
        count += 1;
    }
    Average {
        value: (count > 0).then(|| sum as f64 / count as f64),
        count,
    }
}

/// The ratings of the seller whose `orders` these are, as of `now`.
pub fn seller_ratings(orders: &[Order], now: Timestamp, policy: &RatingPolicy) -> SellerRatings {
    let from = now.plus_days(-policy.window_days);
    let in_window = |t: Timestamp| t > from && t <= now;

    // Feedback: per buyer in time order, one per same-buyer period, over the floor.
    let mut feedback: Vec<&Order> = orders
        .iter()
        .filter(|o| o.feedback_at.is_some_and(in_window) && o.feedback_stars.is_some())
        .collect();
    feedback.sort_by_key(|o| (o.buyer.clone(), o.feedback_at));
    let (mut positive, mut neutral, mut negative) = (0, 0, 0);
    let mut stars = [0_u64; 5];
    // Detailed ratings average the same feedback the positive % counts.
    let mut counted: Vec<&Order> = Vec::new();
    let mut last_counted: HashMap<&str, Timestamp> = HashMap::new();
    for o in &feedback {
        let at = o.feedback_at.expect("filtered");
        let floor = policy
            .min_order_minor
            .get(&o.currency)
            .copied()
            .unwrap_or(0);
        if o.total().amount_minor() < floor {
            continue;
        }
        if let Some(last) = last_counted.get(o.buyer.as_str()) {
            if at < last.plus_days(policy.same_buyer_days) {
                continue;
            }
        }
        last_counted.insert(o.buyer.as_str(), at);
        counted.push(*o);
        let given = o.feedback_stars.expect("filtered");
        stars[(given.clamp(1, 5) - 1) as usize] += 1;
        match given {
            4..=5 => positive += 1,
            3 => neutral += 1,
            _ => negative += 1,
        }
    }
    let detail = |i: usize| average(counted.iter().filter_map(|o| o.feedback_detail[i]));

    let placed: Vec<&Order> = orders.iter().filter(|o| in_window(o.placed_at)).collect();
    let mut per_buyer: HashMap<&str, u64> = HashMap::new();
    for o in &placed {
        *per_buyer.entry(o.buyer.as_str()).or_default() += 1;
    }
    let paid: Vec<&&Order> = placed.iter().filter(|o| o.paid_at.is_some()).collect();
    let disputed = paid.iter().filter(|o| o.dispute.is_some()).count() as u64;
    // Due to ship: shipped, or past the handling deadline and not cancelled by a party
    // before it (an order auto-cancelled for not shipping counts against the seller).
    let cancelled_by_a_party = |o: &Order| {
        o.status == Status::Cancelled && o.cancel_reason != Some(CancelReason::NotShippedInTime)
    };
    let due: Vec<&&&Order> = paid
        .iter()
        .filter(|o| {
            o.shipped_at.is_some()
                || (o.ship_by.is_some_and(|t| t <= now) && !cancelled_by_a_party(o))
        })
        .collect();
    let on_time = due
        .iter()
        .filter(|o| matches!((o.shipped_at, o.ship_by), (Some(s), Some(by)) if s <= by))
        .count() as u64;
    SellerRatings {
        as_of: now,
        window_days: policy.window_days,
        positive,
        neutral,
        negative,
        stars,
        positive_share: Rate {
            numerator: positive,
            denominator: positive + negative,
        },
        feedback_count: feedback.len() as u64,
        item_as_described: detail(0),
        communication: detail(1),
        shipping_speed: detail(2),
        orders: placed.len() as u64,
        buyers: per_buyer.len() as u64,
        repeat_buyers: Rate {
            numerator: per_buyer.values().filter(|n| **n >= 2).count() as u64,
            denominator: per_buyer.len() as u64,
        },
        dispute_rate: Rate {
            numerator: disputed,
            denominator: paid.len() as u64,
        },
        on_time_shipping: Rate {
            numerator: on_time,
            denominator: due.len() as u64,
        },
        first_order_at: orders
            .iter()
            .map(|o| o.placed_at)
            .filter(|t| *t <= now)
            .min(),
        items_sold: orders
            .iter()
            .filter(|o| o.placed_at <= now && o.paid_at.is_some())
            .filter(|o| o.status != Status::Cancelled)
            .count() as u64,
    }
}
