//! What a simulated buyer says in feedback: stars and detailed ratings that follow
//! what happened to the order (on time, late, not received, not as described,
//! counterfeit, refunded or refused), as the engine recorded it and as the simulator
//! knows the item really was.

use protection::{Order, Outcome, Reason, Stage};

use crate::DisputeHabit;

/// What the buyer went through, as the report groups feedback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Experience {
    OnTime,
    /// Delivered after the promised date.
    Late,
    /// Delivered more than a week after the promised date.
    VeryLate,
    /// Never delivered (refunded or not).
    NotReceived,
    /// Delivered with a real problem.
    Problem(Reason),
}

impl Experience {
    /// The buyer's experience of `order`, whose item had the `problem` the simulator
    /// gave it.
    pub fn of(order: &Order, problem: Option<Reason>) -> Experience {
        let Some(delivered) = order.delivered_at else {
            return Experience::NotReceived;
        };
        if let Some(r) = problem {
            return Experience::Problem(r);
        }
        match order.promised_at {
            Some(p) if delivered > p.plus_days(7) => Experience::VeryLate,
            Some(p) if delivered > p => Experience::Late,
            _ => Experience::OnTime,
        }
    }

    pub fn label(self) -> String {
        match self {
            Experience::OnTime => "on time".into(),
            Experience::Late => "late".into(),
            Experience::VeryLate => "very late".into(),
            Experience::NotReceived => "not received".into(),
            Experience::Problem(r) => r.as_str().replace('_', " "),
        }
    }
}

/// Stars (1-5) and the three detailed ratings; `None` where the buyer has nothing to
/// rate (an item never received).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Feedback {
    pub stars: i64,
    pub item_as_described: Option<i64>,
    pub communication: Option<i64>,
    pub shipping_speed: Option<i64>,
}

/// The feedback of a buyer with this experience of `order`, whose seller handles
/// disputes as `habit`; `mood` (-1, 0 or 1) is the buyer's own leaning.
pub fn feedback(order: &Order, exp: Experience, habit: DisputeHabit, mood: i64) -> Feedback {
    let outcome = order.dispute.as_ref().and_then(|d| match d.stage {
        Stage::Closed(o) => Some(o),
        _ => None,
    });
    let money_back = order.refunded_minor + order.clawed_back_minor + order.guarantee_minor > 0;
    // (stars, item as described, shipping speed) for the experience itself.
    let (stars, item, shipping) = match exp {
        Experience::OnTime => (5, Some(5), 5),
        Experience::Late => (4, Some(5), 3),
        Experience::VeryLate => (3, Some(5), 1),
        Experience::NotReceived => (1, None, 1),
        Experience::Problem(Reason::Counterfeit) => (1, Some(1), 4),
        Experience::Problem(Reason::NotAsDescribed | Reason::WrongItem) => (2, Some(1), 4),
        Experience::Problem(_) => (2, Some(2), 4),
    };
    // Money back softens a bad experience; a refused claim hardens it.
    let stars = match (exp, outcome) {
        (Experience::OnTime | Experience::Late | Experience::VeryLate, _) => stars,
        (_, Some(Outcome::Rejected)) => 1,
        _ if money_back => stars + 1,
        _ => stars,
    };
    let communication = match (order.dispute.is_some(), habit) {
        (false, _) => 5 - i64::from(exp != Experience::OnTime),
        (true, DisputeHabit::Honest) => 4,
        (true, DisputeHabit::Slow) => 3,
        (true, _) => 1,
    };
    let lean = |v: i64| (v + mood).clamp(1, 5);
    Feedback {
        stars: lean(stars),
        item_as_described: item.map(lean),
        communication: Some(lean(communication)),
        shipping_speed: Some(shipping),
    }
}

/// Feedback left for one experience, summed: the report's means.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    pub buyers: usize,
    pub stars: i64,
    /// (sum, count) of each detailed rating.
    pub item_as_described: (i64, usize),
    pub communication: (i64, usize),
    pub shipping_speed: (i64, usize),
}

impl Tally {
    pub fn add(&mut self, f: &Feedback) {
        self.buyers += 1;
        self.stars += f.stars;
        for (sum, v) in [
            (&mut self.item_as_described, f.item_as_described),
            (&mut self.communication, f.communication),
            (&mut self.shipping_speed, f.shipping_speed),
        ] {
            if let Some(v) = v {
                sum.0 += v;
                sum.1 += 1;
            }
        }
    }

    pub fn mean_stars(&self) -> Option<f64> {
        (self.buyers > 0).then(|| self.stars as f64 / self.buyers as f64)
    }

    pub fn mean(part: (i64, usize)) -> Option<f64> {
        (part.1 > 0).then(|| part.0 as f64 / part.1 as f64)
    }
}
