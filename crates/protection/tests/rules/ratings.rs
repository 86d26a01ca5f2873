//! Store ratings: positive feedback % over 180 days, one feedback per buyer per 10
//! days, neutral left out, orders under the floor left out, and the other figures.

use super::*;
use protection::{seller_ratings, Order, RatingPolicy};

/// A completed order of `buyer` for `price` placed on `day`, with `stars` feedback
/// left two days later (if any).
fn rated(n: usize, buyer: &str, day: f64, price: &str, stars: Option<i64>) -> Order {
    let mut w = World::with_id(&format!("r-{n}"));
    let b = BuyerId::parse(buyer).unwrap();
    w.run(
        &Actor::Platform,
        Command::Place {
            buyer: b.clone(),
            seller: SellerId::parse("s-1").unwrap(),
            price: usd_m(price),
            shipping: usd_m("0"),
            handling_days: None,
            promised_days: 20,
            destination_country: None,
            options: protection::OrderOptions::default(),
        },
        day,
    )
    .unwrap();
    let actor = Actor::Buyer(b);
    w.run(
        &Actor::Platform,
        Command::Pay {
            amount: usd_m(price),
            three_ds: ThreeDs::Authenticated,
        },
        day,
    )
    .unwrap();
    w.run(
        &seller(),
        Command::Ship {
            tracking: "LP1".parse().unwrap(),
        },
        day + 0.5,
    )
    .unwrap();
    w.run(
        &Actor::Carrier,
        Command::Deliver { country: None },
        day + 1.0,
    )
    .unwrap();
    w.run(
        &actor,
        Command::ConfirmReceipt {
            acknowledge_no_delivery: false,
        },
        day + 1.5,
    )
    .unwrap();
    if let Some(stars) = stars {
        w.run(
            &actor,
            Command::LeaveFeedback {
                stars,
                item_as_described: Some(stars),
                communication: Some(5),
                shipping_speed: None,
                text: String::new(),
            },
            day + 2.0,
        )
        .unwrap();
    }
    w.order().unwrap()
}

const NOW: f64 = 400.0;

#[test]
fn feedback_counts_over_180_days() {
    // Feedback lands two days after placing: on day 221 it is 179 days old, on day
    // 219 it is 181 days old.
    for (placed, counted) in [(219.0, 1), (217.0, 0)] {
        let orders = vec![rated(1, "b-1", placed, "10.00", Some(5))];
        let r = seller_ratings(&orders, day(NOW), &RatingPolicy::default());
        assert_eq!(r.positive, counted, "placed on day {placed}");
    }
}

#[test]
fn one_buyer_counts_once_per_10_days_and_neutral_is_left_out() {
    for (gap, expect_negative) in [(9.0, 1), (11.0, 2)] {
        let orders = vec![
            rated(1, "b-1", 300.0, "10.00", Some(1)),
            rated(2, "b-1", 300.0 + gap, "10.00", Some(1)),
            rated(3, "b-2", 300.0, "10.00", Some(5)),
            rated(4, "b-3", 300.0, "10.00", Some(3)),
        ];
        let r = seller_ratings(&orders, day(NOW), &RatingPolicy::default());
        assert_eq!(r.negative, expect_negative, "gap {gap}");
        assert_eq!((r.positive, r.neutral), (1, 1));
        assert_eq!(r.stars, [expect_negative, 0, 1, 0, 1]);
        // Detailed ratings rest on the same counted feedback.
        assert_eq!(r.item_as_described.count, 2 + expect_negative);
        assert_eq!(r.feedback_count, 4);
        assert_eq!(r.positive_share.denominator, 1 + expect_negative);
        assert_eq!(
            r.positive_share.value(),
            Some(1.0 / (1 + expect_negative) as f64)
        );
    }
}

#[test]
fn orders_under_the_floor_are_left_out() {
    let mut policy = RatingPolicy::default();
    policy.min_order_minor.insert(usd(), 300);
    let orders = vec![
        rated(1, "b-1", 300.0, "2.99", Some(1)),
        rated(2, "b-2", 300.0, "3.00", Some(5)),
    ];
    let r = seller_ratings(&orders, day(NOW), &policy);
    assert_eq!((r.positive, r.negative), (1, 0));
    assert_eq!(r.positive_share.value(), Some(1.0));
}

#[test]
fn detailed_ratings_repeat_buyers_disputes_and_on_time_shipping() {
    let mut orders = vec![
        rated(1, "b-1", 300.0, "10.00", Some(4)),
        rated(2, "b-1", 320.0, "10.00", Some(2)),
        rated(3, "b-2", 330.0, "10.00", None),
    ];
    // A paid order never shipped: auto-cancelled after 7 days, late for the rate.
    let mut w = World::with_id("late");
    place(&mut w, 20, None);
    pay(&mut w);
    w.advance(8.0);
    let mut late = w.order().unwrap();
    late.placed_at = day(340.0);
    late.ship_by = Some(day(347.0));
    orders.push(late);
    let r = seller_ratings(&orders, day(NOW), &RatingPolicy::default());
    assert_eq!(r.item_as_described.value, Some(3.0));
    assert_eq!(r.communication.count, 2);
    assert_eq!(r.shipping_speed.value, None);
    assert_eq!((r.orders, r.buyers), (4, 2));
    assert_eq!(
        (r.repeat_buyers.numerator, r.repeat_buyers.denominator),
        (1, 2)
    );
    assert_eq!(r.dispute_rate.numerator, 0);
    assert_eq!(
        (r.on_time_shipping.numerator, r.on_time_shipping.denominator),
        (3, 4)
    );
    assert!(RatingPolicy::default().check().is_ok());
    assert!(RatingPolicy {
        window_days: 0,
        ..RatingPolicy::default()
    }
    .check()
    .is_err());
}

proptest! {
    /// More negative feedback never raises the positive share; more positive never
    /// lowers it.
    #[test]
    fn positive_share_is_monotone(stars in proptest::collection::vec(1i64..=5, 0..12), extra in prop_oneof![Just(1i64), Just(5i64)]) {
        let orders: Vec<Order> = stars.iter().enumerate().map(|(i, s)| rated(i, &format!("b-{i}"), 300.0, "10.00", Some(*s))).collect();
        let before = seller_ratings(&orders, day(NOW), &RatingPolicy::default()).positive_share.value();
        let mut more = orders.clone();
        more.push(rated(99, "b-new", 300.0, "10.00", Some(extra)));
        let after = seller_ratings(&more, day(NOW), &RatingPolicy::default()).positive_share.value().unwrap();
        if let Some(b) = before {
            if extra == 1 { prop_assert!(after <= b); } else { prop_assert!(after >= b); }
        }
    }
}
