//! Amounts in commands: every one bounded by the policy's limit for its currency and
//! in the order's currency, or refused naming the rule (issue 15, items 1 and 2).

use super::*;
use protection::{DecideAs, DisputeCommand as D, Evidence, Reason, RespondWith};

fn cur(code: &str) -> Currency {
    Currency::parse(code).unwrap()
}

fn place_cmd(price: Money, shipping: Money) -> Command {
    Command::Place {
        buyer: BuyerId::parse("b-1").unwrap(),
        seller: SellerId::parse("s-1").unwrap(),
        price,
        shipping,
        handling_days: None,
        promised_days: 20,
        destination_country: None,
        options: protection::OrderOptions::default(),
    }
}

fn refusal(r: Result<(), Rejection>) -> (String, String) {
    let e = r.expect_err("refused");
    (e.rule().unwrap_or_default().to_string(), e.to_string())
}

#[test]
fn an_order_of_i64_max_cents_is_refused_by_amount_limit() {
    // Regression: 92233720368547758.07 USD was placed and paid; afterwards every payment
    // to that seller overflowed the seller's account totals.
    let mut w = World::new();
    let huge = Money::parse("92233720368547758.07", usd()).unwrap();
    let (rule, text) = refusal(w.run(&Actor::Platform, place_cmd(huge, usd_m("0")), 0.0));
    assert_eq!(rule, "amount_limit");
    assert!(
        text.contains("price") && text.contains("1000000.00 USD"),
        "{text}"
    );
    assert!(w.log.is_empty());
}

#[test]
fn amount_limit_per_currency_on_both_sides() {
    let policy = Policy::default();
    for (code, at_limit, over) in [
        ("USD", "1000000.00", "1000000.01"),
        ("BHD", "1000000.000", "1000000.001"),
        ("JPY", "1000000000", "1000000001"),
    ] {
        let c = cur(code);
        assert_eq!(policy.amount_max(c).decimal(), at_limit, "{code}");
        let mut w = World::new();
        let ok = w.run(
            &Actor::Platform,
            place_cmd(Money::parse(at_limit, c).unwrap(), Money::zero(c)),
            0.0,
        );
        assert!(ok.is_ok(), "{code} {at_limit}: {ok:?}");
        let mut w = World::new();
        let (rule, _) = refusal(w.run(
            &Actor::Platform,
            place_cmd(Money::parse(over, c).unwrap(), Money::zero(c)),
            0.0,
        ));
        assert_eq!(rule, "amount_limit", "{code} {over}");
    }
    // Price and shipping each within the limit, the total above it.
    let mut w = World::new();
    let (rule, text) = refusal(w.run(
        &Actor::Platform,
        place_cmd(usd_m("999999.00"), usd_m("2.00")),
        0.0,
    ));
    assert_eq!(rule, "amount_limit");
    assert!(text.contains("plus shipping 1000001.00 USD"), "{text}");
}

#[test]
fn amounts_in_every_command_are_bounded() {
    let mut w = shipped();
    let huge = usd_m("92233720368547758.07");
    let (rule, text) = refusal(w.run(
        &buyer(),
        Command::Pay {
            amount: huge,
            three_ds: ThreeDs::Authenticated,
        },
        1.5,
    ));
    assert_eq!(
        (rule.as_str(), text.contains("amount")),
        ("amount_limit", true),
        "{text}"
    );
    deliver(&mut w, 10.0);
    let before = w.log.clone();
    let (rule, text) = refusal(w.run(
        &buyer(),
        Command::Dispute(D::Open {
            reason: Reason::Damaged,
            requested: Some(huge),
            evidence: vec![],
        }),
        11.0,
    ));
    assert_eq!(rule, "amount_limit");
    assert!(text.starts_with("rule amount_limit: requested "), "{text}");
    assert_eq!(w.log, before, "a refused command changes nothing");
}

fn escalated() -> World {
    let mut w = shipped();
    deliver(&mut w, 10.0);
    let evidence = vec![Evidence::Text {
        text: "torn".into(),
    }];
    w.run(
        &buyer(),
        Command::Dispute(D::Open {
            reason: Reason::NotAsDescribed,
            requested: None,
            evidence: evidence.clone(),
        }),
        11.0,
    )
    .unwrap();
    w.run(
        &seller(),
        Command::Dispute(D::Respond {
            response: RespondWith::Reject,
            evidence,
        }),
        11.5,
    )
    .unwrap();
    w.run(&buyer(), Command::Dispute(D::Escalate), 14.5)
        .unwrap();
    w
}

#[test]
fn a_partial_refund_decided_in_bhd_on_a_usd_order_is_refused_by_currency() {
    // Regression: "amount":"1.000","currency":"BHD" refunded 10.00 USD.
    let mut w = escalated();
    let before = w.log.clone();
    let bhd = Money::parse("1.000", cur("BHD")).unwrap();
    let (rule, text) = refusal(w.run(
        &Actor::Agent("ann".into()),
        Command::Dispute(D::Decide {
            outcome: DecideAs::RefundPartial(bhd),
        }),
        15.0,
    ));
    assert_eq!(rule, "currency");
    assert_eq!(text, "rule currency: BHD given, but the order is in USD");
    assert_eq!(w.log, before);
    assert_eq!(w.balance(AccountKind::BuyerFunding, "b-1"), -2200);
}

#[test]
fn a_partial_offer_in_jpy_on_a_usd_order_is_refused_by_currency() {
    // Regression: a seller's offer of 5 JPY was recorded as 0.05 USD.
    let mut w = shipped();
    deliver(&mut w, 10.0);
    w.run(
        &buyer(),
        Command::Dispute(D::Open {
            reason: Reason::Damaged,
            requested: None,
            evidence: vec![],
        }),
        11.0,
    )
    .unwrap();
    let before = w.log.clone();
    let jpy = Money::parse("5", cur("JPY")).unwrap();
    let (rule, _) = refusal(w.run(
        &seller(),
        Command::Dispute(D::Respond {
            response: RespondWith::Partial(jpy),
            evidence: vec![],
        }),
        11.5,
    ));
    assert_eq!(rule, "currency");
    assert_eq!(w.log, before);
    // The same offer in dollars is recorded in dollars.
    w.run(
        &seller(),
        Command::Dispute(D::Respond {
            response: RespondWith::Partial(usd_m("5")),
            evidence: vec![],
        }),
        11.5,
    )
    .unwrap();
    assert!(w.log.iter().any(|r| matches!(
        &r.event,
        Event::SellerResponded {
            response: protection::Response::Partial { amount_minor: 500 },
            ..
        }
    )));
}

#[test]
fn policy_amount_limits_are_checked() {
    let mut p = Policy::default();
    assert!(p.check().is_ok());
    p.amount_max_major = 0;
    assert!(p.check().unwrap_err().contains("amount_max_major"));
    let mut p = Policy::default();
    p.amount_max_major_by_currency.insert("XYZ".into(), 5);
    assert!(p.check().unwrap_err().contains("XYZ"));
    let mut p = Policy::default();
    p.amount_max_major_by_currency
        .insert("USD".into(), i64::MAX);
    assert!(p
        .check()
        .unwrap_err()
        .contains("amount_max_major_by_currency.USD"));
}
