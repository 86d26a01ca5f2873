//! 3-D Secure: the result comes from the platform's payment side, never from a buyer's
//! own key, and an exemption captures only up to the policy's cap in the order's
//! currency (PSD2's low-value exemption: 30 EUR).

use super::*;

fn eur_m(s: &str) -> Money {
    Money::parse(s, Currency::parse("EUR").unwrap()).unwrap()
}

/// An order of `price` (no shipping), placed on day 0.
fn placed(price: Money) -> World {
    let mut w = World::new();
    w.run(
        &Actor::Platform,
        Command::Place {
            buyer: BuyerId::parse("b-1").unwrap(),
            seller: SellerId::parse("s-1").unwrap(),
            price,
            shipping: Money::zero(price.currency()),
            handling_days: None,
            promised_days: 20,
            destination_country: None,
            options: protection::OrderOptions::default(),
        },
        0.0,
    )
    .unwrap();
    w
}

/// Pays the whole order as `actor` with `three_ds`; the rule that refused it, or "ok".
/// A refusal must leave the log and the ledger as they were.
fn pay_as(w: &mut World, actor: &Actor, three_ds: ThreeDs) -> String {
    let amount = w.order().unwrap().total();
    let log = w.log.clone();
    match w.run(actor, Command::Pay { amount, three_ds }, 0.1) {
        Ok(()) => "ok".into(),
        Err(e) => {
            assert_eq!(w.log, log, "a refused payment changed the log");
            assert_eq!(w.balance(ledger::AccountKind::OrderEscrow, "o-1"), 0);
            e.rule().unwrap_or("none").to_string()
        }
    }
}

#[test]
fn a_buyers_key_cannot_declare_its_own_three_ds_result() {
    // Regression: a buyer's key reported `authenticated` (or any exemption) for its
    // own payment and the money was captured on its word.
    for three_ds in [ThreeDs::Authenticated, ThreeDs::Exempt("low_value".into())] {
        let mut w = placed(usd_m("10.00"));
        assert_eq!(
            pay_as(&mut w, &buyer(), three_ds.clone()),
            "three_ds_source"
        );
        let err = w
            .run(
                &buyer(),
                Command::Pay {
                    amount: usd_m("10.00"),
                    three_ds,
                },
                0.2,
            )
            .unwrap_err();
        assert!(err.to_string().contains("payment side"), "{err}");
    }
    // Another buyer, a seller, an agent and the carrier are not the payment side either.
    let b2 = Actor::Buyer(BuyerId::parse("b-2").unwrap());
    for actor in [b2, seller(), Actor::Agent("ann".into()), Actor::Carrier] {
        let mut w = placed(usd_m("10.00"));
        let rule = pay_as(&mut w, &actor, ThreeDs::Authenticated);
        assert!(
            rule == "permission" || rule == "three_ds_source",
            "{actor}: {rule}"
        );
    }
    let mut w = placed(usd_m("10.00"));
    assert_eq!(
        pay_as(&mut w, &Actor::Platform, ThreeDs::Authenticated),
        "ok"
    );
    assert_eq!(w.balance(ledger::AccountKind::OrderEscrow, "o-1"), 1000);
}

#[test]
fn exempt_low_value_no_longer_captures_9000_usd() {
    // Regression: `"three_ds":"exempt:low_value"` captured 9000.00 USD.
    let mut w = placed(usd_m("9000.00"));
    assert_eq!(
        pay_as(
            &mut w,
            &Actor::Platform,
            ThreeDs::Exempt("low_value".into())
        ),
        "three_ds_exemption_limit"
    );
    assert_eq!(
        pay_as(&mut w, &Actor::Platform, ThreeDs::Authenticated),
        "ok"
    );
}

#[test]
fn the_low_value_exemption_is_capped_at_30_eur_per_payment() {
    for (price, expect) in [
        ("30.00", "ok"),
        ("30.01", "three_ds_exemption_limit"),
        ("0.01", "ok"),
    ] {
        let mut w = placed(eur_m(price));
        let got = pay_as(
            &mut w,
            &Actor::Platform,
            ThreeDs::Exempt("low_value".into()),
        );
        assert_eq!(got, expect, "{price} EUR");
    }
    let mut w = placed(eur_m("30.01"));
    let err = w
        .run(
            &Actor::Platform,
            Command::Pay {
                amount: eur_m("30.01"),
                three_ds: ThreeDs::Exempt("low_value".into()),
            },
            0.1,
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("30.00 EUR"),
        "names the cap: {err}"
    );
}

#[test]
fn every_currency_has_its_own_cap_and_unlisted_ones_need_authentication() {
    let p = Policy::default();
    let cap = |code: &str| {
        p.three_ds_exemption_max(Currency::parse(code).unwrap())
            .to_string()
    };
    assert_eq!(cap("EUR"), "30.00 EUR");
    assert_eq!(cap("USD"), "30.00 USD");
    assert_eq!(cap("JPY"), "4000 JPY");
    assert_eq!(cap("BHD"), "10.000 BHD");
    // A currency the policy does not list gets no exemption: authenticate.
    assert_eq!(cap("XAF"), "0 XAF");
    let mut w = placed(Money::parse("100", Currency::parse("XAF").unwrap()).unwrap());
    assert_eq!(
        pay_as(
            &mut w,
            &Actor::Platform,
            ThreeDs::Exempt("low_value".into())
        ),
        "three_ds_exemption_limit"
    );
}

#[test]
fn unknown_exemption_names_are_refused() {
    // Regression: any `exempt:NAME` was taken as an exemption, and one the policy
    // listed by mistake would have captured.
    assert_eq!(ThreeDs::parse("exempt:made_up"), None);
    assert_eq!(ThreeDs::parse("exempt:"), None);
    assert_eq!(
        ThreeDs::parse("exempt:low_value"),
        Some(ThreeDs::Exempt("low_value".into()))
    );
    let mut w = placed(usd_m("5.00"));
    assert_eq!(
        pay_as(&mut w, &Actor::Platform, ThreeDs::Exempt("made_up".into())),
        "three_ds_exemption"
    );
    // A known exemption the policy does not allow is refused by the policy.
    assert_eq!(
        pay_as(
            &mut w,
            &Actor::Platform,
            ThreeDs::Exempt("recurring".into())
        ),
        "three_ds"
    );
    let mut p = Policy::default();
    p.allowed_3ds_exemptions.push("low_valeu".into());
    let e = p.check().unwrap_err();
    assert!(e.contains("low_valeu") && e.contains("low_value"), "{e}");
    let mut p = Policy::default();
    p.three_ds_exemption_max_major_by_currency
        .insert("EUR".into(), -1);
    assert!(p
        .check()
        .unwrap_err()
        .contains("three_ds_exemption_max_major_by_currency.EUR"));
}
