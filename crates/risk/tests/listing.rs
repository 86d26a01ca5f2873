//! Listing assessment: one table per rule, the word lists, and properties.

use domain::{Currency, Money, Timestamp};
use proptest::prelude::*;
use risk::listing::{self, ComplianceClaim, Listing, ListingConfig, Shipping};
use risk::seller::SellerProfile;
use risk::{Kind, Severity, Verdict};

fn now() -> Timestamp {
    Timestamp::parse("2026-11-25").unwrap()
}

fn cur(code: &str) -> Currency {
    Currency::parse(code).unwrap()
}

fn usd(text: &str) -> Money {
    Money::parse(text, cur("USD")).unwrap()
}

/// A plain, complete listing; each test changes what its rule looks at.
fn plain() -> Listing {
    Listing {
        title: "Ceramic coffee mug 350 ml, matte glaze".into(),
        description:
            "Stoneware mug, 350 ml, 9 cm high, dishwasher safe. Ships in 3 days; 15-day returns."
                .into(),
        price: usd("8.99"),
        category: "Kitchen".into(),
        brand: None,
        photos: 6,
        attributes: vec![("material".into(), "ceramic".into())],
        compliance_claims: vec![],
        shipping: Some(Shipping {
            cost: usd("1.50"),
            days_max: Some(15),
        }),
        weight_g: Some(320),
        peer_prices: ["7.99", "9.50", "8.49", "10.99", "9.20", "8.75"]
            .map(usd)
            .to_vec(),
    }
}

/// The strongest severity of the signals of `kind`.
fn check(l: &Listing, kind: Kind) -> Option<Severity> {
    let a = listing::assess(l, None, now(), &ListingConfig::default()).unwrap();
    a.assessment
        .signals()
        .iter()
        .filter(|s| s.kind() == kind)
        .map(|s| s.severity())
        .max()
}

#[test]
fn a_plain_listing_is_allowed() {
    let a = listing::assess(&plain(), None, now(), &ListingConfig::default()).unwrap();
    assert_eq!(a.assessment.verdict(), Verdict::Allow, "{a:?}");
    assert!(a.assessment.signals().is_empty(), "{a:?}");
    assert_eq!(a.peer_median, Some(usd("8.98"))); // (8.75 + 9.20) / 2, rounded
}

#[test]
fn data_lists_are_big_enough() {
    let brands = include_str!("../data/brands.txt")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .count();
    assert!(brands >= 200, "{brands} brands");
    let langs: std::collections::BTreeSet<&str> = include_str!("../data/counterfeit.txt")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split('|').next())
        .collect();
    assert_eq!(
        langs.into_iter().collect::<Vec<_>>(),
        ["de", "en", "es", "fr", "pt", "ru"]
    );
}

#[test]
fn price_anomaly_table() {
    let table = [
        ("8.99", None),
        ("6.00", Some(Severity::Low)), // an outlier, but not half price
        ("4.00", Some(Severity::Medium)),
        ("1.99", Some(Severity::High)),
        ("25.00", None), // dear is not "too good to be true"
    ];
    for (price, expect) in table {
        let mut l = plain();
        l.price = usd(price);
        assert_eq!(check(&l, Kind::PriceAnomaly), expect, "{price}");
    }
    // Too few peers: no comparison.
    let mut l = plain();
    l.price = usd("1.00");
    l.peer_prices.truncate(4);
    assert_eq!(check(&l, Kind::PriceAnomaly), None);
    // Identical peers (MAD 0) still catch a price far under them.
    l.peer_prices = vec![usd("9.00"); 6];
    assert_eq!(check(&l, Kind::PriceAnomaly), Some(Severity::High));
    // ... but not a cent under them.
    l.price = usd("8.99");
    assert_eq!(check(&l, Kind::PriceAnomaly), None);
}

#[test]
fn median_and_mad() {
    assert_eq!(listing::median_mad(&[1, 2, 3, 4, 100]), (3.0, 1.0));
    assert_eq!(listing::median_mad(&[5, 1, 3, 2]), (2.5, 1.0));
}

#[test]
fn counterfeit_words_in_six_languages() {
    let table = [
        ("Handbag replica premium", true),
        ("Bolso réplica calidad original", true),
        ("Bolsa primeira linha", true),
        ("Sac réplique cuir", true),
        ("Tasche Replik Leder", true),
        ("Сумка реплика люкс", true),
        ("Sneakers 1:1 top", true),
        ("Watch AAA quality", true),
        ("Replicate your garden with seeds", false), // a word containing a term
        ("Copyright-free poster", false),
        // Regression: honest uses of "copy" words, and battery sizes.
        ("Fake plants for home decor", false),
        ("Imitation pearl necklace", false),
        ("AAA batteries 1.5V alkaline 24 pack", false),
        ("Rechargeable AA/AAA battery charger", false),
        ("Fake Gucci belt", true),
        ("Copia Nike zapatillas", true),
        ("Копия Chanel сумка", true),
    ];
    for (title, fires) in table {
        let mut l = plain();
        l.title = title.into();
        let got = check(&l, Kind::CounterfeitRisk);
        assert_eq!(got.is_some(), fires, "{title}: {got:?}");
    }
}

#[test]
fn brands_under_peer_price_and_luxury_floor() {
    let table = [
        // (title, price, peer median 8.98, expected)
        ("Nike running socks", "8.99", None),
        ("Nike Air Max 90", "3.99", Some(Severity::High)), // far under peers
        ("Gucci belt leather", "9.50", Some(Severity::High)), // luxury under its floor
        ("Gucci belt leather", "450.00", None),
        ("Rolex Submariner 1:1", "9.00", Some(Severity::Critical)), // copy word + brand
    ];
    for (title, price, expect) in table {
        let mut l = plain();
        l.title = title.into();
        l.price = usd(price);
        if price == "450.00" {
            l.peer_prices = ["420.00", "480.00", "455.00", "470.00", "430.00"]
                .map(usd)
                .to_vec();
        }
        assert_eq!(
            check(&l, Kind::CounterfeitRisk),
            expect,
            "{title} at {price}"
        );
    }
}

/// Regression: brand names that name what an accessory fits, and words that share a
/// brand's name, are not brand claims.
#[test]
fn compatibility_and_ordinary_words_are_not_brand_claims() {
    let table = [
        ("Silicone case for iPhone 15 Pro", None),
        ("Strap compatible with Apple Watch 45mm", None),
        ("Funda para Samsung Galaxy S24", None),
        ("Armband für Apple Watch", None),
        ("Чехол для iPhone 15", None),
        ("Omega-3 fish oil capsules", None),
        ("Diesel engine glow plug", None),
        ("Fossil shark tooth necklace", None),
        ("iPhone 15 Pro Max 256GB", Some(Severity::High)),
        ("Running shoes for men Nike Air Max", Some(Severity::High)),
    ];
    for (title, expect) in table {
        let mut l = plain();
        l.title = title.into();
        l.price = usd("2.00");
        assert_eq!(check(&l, Kind::CounterfeitRisk), expect, "{title}");
    }
}

#[test]
fn authenticity_claims_with_a_big_discount() {
    let table = [
        ("Original wireless earbuds", "8.99", None),
        ("Original wireless earbuds", "4.50", Some(Severity::Medium)),
        ("Оригинальный чехол", "4.50", Some(Severity::Medium)),
        ("Auriculares 100% original", "4.50", Some(Severity::Medium)),
    ];
    for (title, price, expect) in table {
        let mut l = plain();
        l.title = title.into();
        l.price = usd(price);
        assert_eq!(
            check(&l, Kind::CounterfeitRisk),
            expect,
            "{title} at {price}"
        );
    }
}

#[test]
fn declared_brand_against_the_title() {
    let mut l = plain();
    l.title = "Adidas style mug".into();
    l.brand = Some("No brand".into());
    assert_eq!(check(&l, Kind::CounterfeitRisk), Some(Severity::Medium));
    l.brand = Some("Adidas".into());
    assert_eq!(check(&l, Kind::CounterfeitRisk), None);
}

#[test]
fn implausible_material_claims_table() {
    let table = [
        ("100% human hair wig 26 inch", "12.00", "USD", true),
        ("100% human hair wig 26 inch", "129.00", "USD", false),
        ("925 sterling silver ring", "1.20", "USD", true),
        ("925 sterling silver ring", "19.00", "USD", false),
        ("18k gold chain", "15.00", "EUR", true),
        ("Genuine leather wallet", "3.00", "GBP", true),
        ("Кошелёк натуральная кожа", "300", "RUB", true),
        ("Кошелёк натуральная кожа", "3000", "RUB", false),
    ];
    for (title, price, code, fires) in table {
        let mut l = plain();
        l.title = title.into();
        l.price = Money::parse(price, cur(code)).unwrap();
        l.peer_prices.clear();
        l.shipping = None;
        let got = check(&l, Kind::CounterfeitRisk);
        assert_eq!(got.is_some(), fires, "{title} at {price} {code}: {got:?}");
    }
}

#[test]
fn compliance_claims_table() {
    let claim = |mark: &str, cert: Option<&str>| ComplianceClaim {
        mark: mark.into(),
        certificate: cert.map(String::from),
    };
    // (title, category, claims, expected)
    let table = [
        ("Mug", "Kitchen", vec![], None),
        (
            "Mug",
            "Kitchen",
            vec![claim("CE", None)],
            Some(Severity::Medium),
        ),
        (
            "Mug",
            "Kitchen",
            vec![claim("CE", Some("SGS-2024-118833"))],
            None,
        ),
        (
            "Mug",
            "Kitchen",
            vec![claim("CE", Some("yes"))],
            Some(Severity::Medium),
        ),
        (
            "Power bank 20000mAh CE FCC",
            "Electronics",
            vec![],
            Some(Severity::High),
        ),
        (
            "Power bank 20000mAh CE FCC, FCC ID: 2AOKB-A1263",
            "Electronics",
            vec![],
            None,
        ),
        (
            "Wooden toy train EN71",
            "Toys",
            vec![],
            Some(Severity::High),
        ),
        ("Kids tablet", "Toys", vec![], Some(Severity::Low)), // regulated, no mark at all
        (
            "Face cream FDA approved",
            "Beauty",
            vec![],
            Some(Severity::High),
        ),
        ("Ce produit est joli", "Kitchen", vec![], None), // French "ce" is not the CE mark
    ];
    for (title, category, claims, expect) in table {
        let mut l = plain();
        l.title = title.into();
        l.category = category.into();
        l.compliance_claims = claims;
        assert_eq!(check(&l, Kind::ComplianceRisk), expect, "{title}");
    }
}

#[test]
fn regulated_goods_from_a_young_store() {
    let mut l = plain();
    l.title = "Lithium battery 18650 3000mAh".into();
    l.category = "Batteries".into();
    l.compliance_claims = vec![ComplianceClaim {
        mark: "UKCA".into(),
        certificate: Some("UKCA-77812-2025".into()),
    }];
    let young = SellerProfile::new(now().plus_days(-20), 100.0, 30, 200);
    let old = SellerProfile::new(now().plus_days(-900), 98.0, 3000, 20_000);
    let severity = |s: &SellerProfile| {
        listing::assess(&l, Some(s), now(), &ListingConfig::default())
            .unwrap()
            .assessment
            .signals()
            .iter()
            .filter(|s| s.kind() == Kind::ComplianceRisk)
            .map(|s| s.severity())
            .max()
    };
    assert_eq!(severity(&young), Some(Severity::Medium));
    assert_eq!(severity(&old), None);
}

#[test]
fn listing_quality_table() {
    type Spoil = fn(&mut Listing);
    let table: [(Spoil, Option<Severity>); 7] = [
        (|_| {}, None),
        // One gap alone is no thin listing; two are.
        (|l| l.photos = 1, None),
        (
            |l| {
                l.photos = 1;
                l.shipping = None;
            },
            Some(Severity::Low),
        ),
        (
            |l| {
                l.photos = 1;
                l.shipping = None;
                l.attributes.clear();
                l.description = "Nice mug.".into();
                l.title = "Mug".into();
            },
            Some(Severity::Medium),
        ),
        (
            |l| {
                l.description = "A mug for coffee or tea, nice for gifts and every day use".into();
                l.title = "Mug".into();
                l.weight_g = None;
                l.photos = 2;
            },
            Some(Severity::Low),
        ),
        // Shipping more than half the price: the price hides in the shipping.
        (
            |l| {
                l.shipping = Some(Shipping {
                    cost: usd("12.00"),
                    days_max: None,
                })
            },
            Some(Severity::Medium),
        ),
        (
            |l| {
                l.shipping = Some(Shipping {
                    cost: usd("0.00"),
                    days_max: None,
                })
            },
            None,
        ),
    ];
    for (i, (spoil, expect)) in table.into_iter().enumerate() {
        let mut l = plain();
        spoil(&mut l);
        assert_eq!(check(&l, Kind::ListingQuality), expect, "row {i}");
    }
}

#[test]
fn bad_input_names_the_field() {
    let mut l = plain();
    l.peer_prices[2] = Money::parse("9.00", cur("EUR")).unwrap();
    let e = listing::assess(&l, None, now(), &ListingConfig::default()).unwrap_err();
    assert_eq!(e.field, "peer_prices[2]");
    let mut l = plain();
    l.shipping = Some(Shipping {
        cost: Money::parse("1.00", cur("EUR")).unwrap(),
        days_max: None,
    });
    let e = listing::assess(&l, None, now(), &ListingConfig::default()).unwrap_err();
    assert_eq!(e.field, "shipping.cost");
    let mut l = plain();
    l.title = "  ".into();
    let e = listing::assess(&l, None, now(), &ListingConfig::default()).unwrap_err();
    assert_eq!(e.field, "title");
    let mut bad = SellerProfile::new(now().plus_days(-20), 130.0, 3, 3);
    bad.on_time_pct = None;
    let e = listing::assess(&plain(), Some(&bad), now(), &ListingConfig::default()).unwrap_err();
    assert_eq!(e.field, "seller.positive_feedback_pct");
}

proptest! {
    #[test]
    fn assessing_never_panics_and_stays_in_range(
        title in "\\PC{0,120}",
        description in "\\PC{0,400}",
        price in 0i64..10_000_000,
        peers in proptest::collection::vec(0i64..10_000_000, 0..20),
    ) {
        let mut l = plain();
        l.title = format!("x {title}");
        l.description = description;
        l.price = Money::from_minor(price, cur("USD")).unwrap();
        l.peer_prices = peers.into_iter().map(|p| Money::from_minor(p, cur("USD")).unwrap()).collect();
        let a = listing::assess(&l, None, now(), &ListingConfig::default()).unwrap();
        prop_assert!(a.assessment.risk() <= 100);
        for s in a.assessment.signals() {
            prop_assert!((0.0..=1.0).contains(&s.score()));
        }
    }

    #[test]
    fn a_lower_price_never_lowers_price_risk(price in 1i64..2_000, cut in 0i64..2_000) {
        let risk_at = |minor: i64| {
            let mut l = plain();
            l.price = Money::from_minor(minor, cur("USD")).unwrap();
            listing::assess(&l, None, now(), &ListingConfig::default())
                .unwrap()
                .assessment
                .signals()
                .iter()
                .filter(|s| s.kind() == Kind::PriceAnomaly)
                .map(|s| s.score())
                .fold(0.0, f64::max)
        };
        let lower = (price - cut).max(0);
        prop_assert!(risk_at(lower) >= risk_at(price));
    }
}
