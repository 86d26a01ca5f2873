//! Throughput of listing assessment and tracking validation on one thread.
//! Issue 5 asks for at least 20,000 listing assessments and 1,000,000 tracking
//! validations a second; the figures are printed after criterion's own report.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion, Throughput};
use domain::{Currency, Money, Timestamp};
use risk::listing::{self, ComplianceClaim, Listing, ListingConfig, Shipping};
use risk::seller::SellerProfile;
use risk::tracking;

const LISTING_PER_SECOND_MIN: f64 = 20_000.0;
const TRACKING_PER_SECOND_MIN: f64 = 1_000_000.0;

fn usd(text: &str) -> Money {
    Money::parse(text, Currency::parse("USD").unwrap()).unwrap()
}

/// Listings of realistic size: a title, a description of a few hundred bytes,
/// attributes, claims and a dozen peers.
fn listings() -> Vec<Listing> {
    let titles = [
        "Luxury Men Watch 1:1 Rolex Submariner Automatic AAA",
        "USB-C to USB-C cable 100W 2 m, braided nylon",
        "100% human hair wig 26 inch body wave lace front",
        "Power bank 20000mAh fast charging CE FCC RoHS",
        "Kids wooden toy train set EN71 certified",
        "Bolso réplica calidad original cuero genuino",
        "Сумка женская натуральная кожа оригинал",
        "925 sterling silver ring with moissanite",
    ];
    let description = "Brand new, high quality. Size: 42 x 13 mm, weight 160 g. Material: stainless steel and sapphire glass. \
        Water resistant 50 m. Package includes box and manual. Ships within 3 days from our warehouse, delivery 15-25 days. \
        Please contact us before leaving negative feedback, we will solve any problem. Colour may differ slightly due to monitor settings.";
    titles
        .iter()
        .enumerate()
        .map(|(i, t)| Listing {
            title: t.to_string(),
            description: description.to_string(),
            price: usd([
                "39.99", "6.49", "12.00", "9.99", "14.50", "25.00", "18.00", "3.20",
            ][i]),
            category: [
                "Watches",
                "Cables",
                "Wigs",
                "Batteries",
                "Toys",
                "Bags",
                "Bags",
                "Jewelry",
            ][i]
                .into(),
            brand: Some("No brand".into()),
            photos: 4,
            attributes: vec![
                ("material".into(), "alloy".into()),
                ("colour".into(), "black".into()),
            ],
            compliance_claims: vec![ComplianceClaim {
                mark: "CE".into(),
                certificate: None,
            }],
            shipping: Some(Shipping {
                cost: usd("2.00"),
                days_max: Some(30),
            }),
            weight_g: Some(160),
            peer_prices: [
                "29.00", "35.00", "41.50", "38.00", "30.99", "44.00", "36.50", "33.00", "39.00",
                "42.00", "31.00", "37.25",
            ]
            .map(usd)
            .to_vec(),
        })
        .collect()
}

const NUMBERS: [&str; 10] = [
    "RB123456785GB",
    "RB123456784GB",
    "LX473012354CN",
    "1Z5R89390357567127",
    "9405511899223197428490",
    "LP00123456789012",
    "YT2012345678901234",
    "986578788855",
    "4PX3000123456789CN",
    "hello world",
];

/// Runs `f` over `n` items for about a second and returns items per second.
fn per_second(n: usize, mut f: impl FnMut(usize)) -> f64 {
    let start = Instant::now();
    let mut done = 0usize;
    while start.elapsed() < Duration::from_secs(1) {
        for i in 0..n {
            f(i);
        }
        done += n;
    }
    done as f64 / start.elapsed().as_secs_f64()
}

fn benches(c: &mut Criterion) {
    let now = Timestamp::parse("2026-11-25").unwrap();
    let config = ListingConfig::default();
    let ls = listings();
    let seller = SellerProfile::new(now.plus_days(-40), 100.0, 12, 30);
    let mut g = c.benchmark_group("assess");
    g.throughput(Throughput::Elements(ls.len() as u64));
    g.bench_function("listing", |b| {
        b.iter(|| {
            for l in &ls {
                black_box(listing::assess(black_box(l), None, now, &config).unwrap());
            }
        })
    });
    g.bench_function("listing_with_seller", |b| {
        b.iter(|| {
            for l in &ls {
                black_box(listing::assess(black_box(l), Some(&seller), now, &config).unwrap());
            }
        })
    });
    g.throughput(Throughput::Elements(NUMBERS.len() as u64));
    g.bench_function("tracking_validate", |b| {
        b.iter(|| {
            for n in NUMBERS {
                black_box(tracking::validate(black_box(n)));
            }
        })
    });
    g.finish();
}

criterion_group!(group, benches);

fn main() {
    group();
    Criterion::default().configure_from_args().final_summary();

    let now = Timestamp::parse("2026-11-25").unwrap();
    let config = ListingConfig::default();
    let ls = listings();
    let listing_rate = per_second(ls.len(), |i| {
        black_box(listing::assess(black_box(&ls[i]), None, now, &config).unwrap());
    });
    let tracking_rate = per_second(NUMBERS.len(), |i| {
        black_box(tracking::validate(black_box(NUMBERS[i])));
    });
    println!(
        "listing assessments: {listing_rate:.0}/s on one thread (goal {LISTING_PER_SECOND_MIN:.0}/s): {}",
        if listing_rate >= LISTING_PER_SECOND_MIN { "ok" } else { "TOO SLOW" }
    );
    println!(
        "tracking validations: {tracking_rate:.0}/s on one thread (goal {TRACKING_PER_SECOND_MIN:.0}/s): {}",
        if tracking_rate >= TRACKING_PER_SECOND_MIN { "ok" } else { "TOO SLOW" }
    );
}
