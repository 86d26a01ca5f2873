//! Tracking numbers: carrier shapes and check digits, and the parcel checks.

use proptest::prelude::*;
use risk::tracking::{self, Carrier, Place, Problem};
use risk::{Kind, Severity};

/// Valid UPU S10 numbers; the check digits were worked out by hand and by a separate
/// script, including the two special cases (10 becomes 0, 11 becomes 5).
const S10_VALID: [&str; 13] = [
    "RB123456785GB",
    "EE000000005CN", // sum 0: 11 becomes 5
    "RR100000140CN", // 11 - 1 = 10 becomes 0
    "LX473012354CN",
    "RR987654326RU",
    "CP000000014DE",
    "UA555555555CN",
    "EA111111115US",
    "LZ012345675CN",
    "RA999999995NL",
    "CX314159268FR",
    "HA271828189ES",
    "RU000000102CH",
];

#[test]
fn s10_vectors_are_valid() {
    for n in S10_VALID {
        let c = tracking::validate(n);
        assert!(c.format_valid, "{n}: {c:?}");
        assert_eq!(c.carrier, Some(Carrier::UpuS10), "{n}");
        assert_eq!(c.origin_country_str(), Some(&n[11..]), "{n}");
        assert!(c.signal(n).is_none(), "{n}");
    }
}

/// Every number that differs from `n` in one digit of the serial or check digit.
fn corruptions(n: &str) -> Vec<String> {
    let mut out = Vec::new();
    for pos in 2..11 {
        for d in b'0'..=b'9' {
            let mut bytes = n.as_bytes().to_vec();
            if bytes[pos] != d {
                bytes[pos] = d;
                out.push(String::from_utf8(bytes).unwrap());
            }
        }
    }
    out
}

/// The S10 scheme maps both remainder 0 and remainder 6 to check digit 5, so for
/// numbers whose check digit is 5 a few one-digit changes cannot be detected by any
/// validator. Everything else must be rejected.
#[test]
fn every_single_digit_corruption_of_an_s10_number_is_rejected() {
    for n in S10_VALID {
        let accepted: Vec<String> = corruptions(n)
            .into_iter()
            .filter(|bad| {
                let c = tracking::validate(bad);
                if !c.format_valid {
                    assert_eq!(
                        c.problem,
                        Some(Problem::CheckDigit(Carrier::UpuS10)),
                        "{bad}"
                    );
                    let s = c.signal(bad).expect("a malformed number raises a signal");
                    assert_eq!(s.kind(), Kind::FakeTracking);
                }
                c.format_valid
            })
            .collect();
        if &n[10..11] != "5" {
            assert!(accepted.is_empty(), "{n}: accepted {accepted:?}");
        } else {
            assert!(accepted.len() <= 8, "{n}: accepted {accepted:?}");
            assert!(accepted.iter().all(|a| &a[10..11] == "5"), "{accepted:?}");
        }
    }
    // The collisions of the contract's vector, from a separate script.
    let rb: Vec<String> = corruptions("RB123456785GB")
        .into_iter()
        .filter(|bad| tracking::validate(bad).format_valid)
        .collect();
    assert_eq!(
        rb,
        [
            "RB323456785GB",
            "RB113456785GB",
            "RB127456785GB",
            "RB123156785GB",
            "RB123436785GB",
            "RB123457785GB",
            "RB123456745GB"
        ]
    );
    assert!(!tracking::validate("RB123456784GB").format_valid);
}

#[test]
fn s10_service_indicator_and_country_are_checked() {
    // Same digits as RB123456785GB.
    for (n, problem) in [
        ("FB123456785GB", Problem::ServiceIndicator),
        ("IB123456785GB", Problem::ServiceIndicator),
        ("OB123456785GB", Problem::ServiceIndicator),
        ("QZ123456785GB", Problem::ServiceIndicator), // Q only runs QA to QM
        ("RB123456785XX", Problem::Country),
        ("RB123456785UK", Problem::Country), // the UK's ISO code is GB
    ] {
        let c = tracking::validate(n);
        assert!(!c.format_valid, "{n}");
        assert_eq!(c.problem, Some(problem), "{n}");
    }
    let c = tracking::validate("EB123456785GB");
    assert_eq!(c.service, Some("ems"));
}

#[test]
fn input_is_normalised_like_a_buyer_types_it() {
    for n in [
        "rb123456785gb",
        "RB 1234 5678 5 GB",
        "RB-123-456-785-GB",
        " RB123456785GB ",
    ] {
        assert!(tracking::validate(n).format_valid, "{n}");
    }
    assert_eq!(tracking::normalize("rb 123-456 785gb"), "RB123456785GB");
}

#[test]
fn carrier_shapes_table() {
    let table: &[(&str, Option<Carrier>)] = &[
        // UPS 1Z: 6 shipper, 2 service, 7 package digits and a check digit.
        ("1Z5R89390357567127", Some(Carrier::Ups)),
        ("1Z879E930346834440", Some(Carrier::Ups)),
        ("1Z879E930346834441", None),
        ("1Z5R89390357567120", None),
        // USPS IMpb with the GS1 mod-10 check digit, with and without routing.
        ("9405511899223197428490", Some(Carrier::Usps)),
        ("9405511899223197428491", None),
        ("920559017554770000008", None), // 21 digits: no USPS length
        ("93612898787003176339", Some(Carrier::Usps)),
        ("420902109405511899223197428490", Some(Carrier::Usps)),
        ("420902109405511899223197428499", None),
        // FedEx Express (12 digits, mod 11) and Ground (15 digits, mod 10).
        ("986578788855", Some(Carrier::FedEx)),
        ("986578788854", None),
        ("449044304137821", Some(Carrier::FedEx)),
        ("449044304137822", None),
        // DHL Express: ten digits, the last is the first nine mod 7.
        ("1234567891", Some(Carrier::Dhl)),
        ("1234567890", None),
        ("GM2951173225174494", Some(Carrier::Dhl)),
        ("JJD0123456789012345", Some(Carrier::Dhl)),
        // Cainiao, YunExpress, 4PX.
        ("LP00123456789012", Some(Carrier::Cainiao)),
        ("LP001234567", None),
        ("CNFR00123456789012", Some(Carrier::Cainiao)),
        ("CNUSAB1234567890", Some(Carrier::Cainiao)),
        ("YT2012345678901234", Some(Carrier::YunExpress)),
        ("YT20123456789012", None),
        ("4PX3000123456789CN", Some(Carrier::FourPx)),
        ("4PX30001234567", Some(Carrier::FourPx)),
        // Nonsense.
        ("hello", None),
        ("", None),
        ("12345", None),
        ("RB12345678!GB", None),
        ("ЯB123456785GB", None),
    ];
    for &(n, carrier) in table {
        let c = tracking::validate(n);
        assert_eq!(c.carrier, carrier, "{n}: {c:?}");
        assert_eq!(c.format_valid, carrier.is_some(), "{n}");
    }
}

#[test]
fn parsed_numbers_are_normalised_and_keep_their_carrier() {
    let n = tracking::TrackingNumber::parse("rb 1234 5678 5 gb").unwrap();
    assert_eq!(n.as_str(), "RB123456785GB");
    assert_eq!(n.carrier(), Carrier::UpuS10);
    assert_eq!(n.origin_country(), Some("GB"));
    assert_eq!(
        tracking::TrackingNumber::parse("RB123456784GB"),
        Err(Problem::CheckDigit(Carrier::UpuS10))
    );
    assert_eq!(
        tracking::TrackingNumber::parse("nope"),
        Err(Problem::UnknownFormat)
    );
}

/// The GS1 mod-10 check digit (weights 3 and 1) catches every single-digit error, so
/// every corruption of a USPS number must be rejected.
#[test]
fn every_single_digit_corruption_of_a_usps_number_is_rejected() {
    for n in ["9405511899223197428490", "93612898787003176339"] {
        assert!(tracking::validate(n).format_valid, "{n}");
        for pos in 0..n.len() {
            for d in b'0'..=b'9' {
                let mut bytes = n.as_bytes().to_vec();
                if bytes[pos] == d {
                    continue;
                }
                bytes[pos] = d;
                let bad = String::from_utf8(bytes).unwrap();
                assert!(!tracking::validate(&bad).format_valid, "{bad} (from {n})");
            }
        }
    }
}

#[test]
fn too_long_input_is_refused_without_work() {
    let n = "1".repeat(10_000);
    assert_eq!(tracking::validate(&n).problem, Some(Problem::TooLong));
}

#[test]
fn malformed_numbers_raise_fake_tracking_by_how_sure_we_are() {
    let bad_check = tracking::validate("RB123456784GB");
    let s = bad_check.signal("RB123456784GB").unwrap();
    assert_eq!(
        (s.kind(), s.severity()),
        (Kind::FakeTracking, Severity::High)
    );
    let unknown = tracking::validate("ABC123");
    let s = unknown.signal("ABC123").unwrap();
    assert_eq!(s.severity(), Severity::Medium);
}

#[test]
fn reuse_table() {
    assert!(tracking::reused("RB123456785GB", 0).is_none());
    let one = tracking::reused("RB123456785GB", 1).unwrap();
    assert_eq!(
        (one.kind(), one.severity()),
        (Kind::FakeTracking, Severity::High)
    );
    let many = tracking::reused("RB123456785GB", 5).unwrap();
    assert_eq!(many.severity(), Severity::Critical);
    assert!(many.explanation().contains("5 other orders"));
}

#[test]
fn delivered_elsewhere_table() {
    let place = |country, postal_code| Place {
        country,
        postal_code,
    };
    let table = [
        (place("US", Some("94103")), place("us", Some("94107")), None),
        (
            place("US", Some("94103")),
            place("MX", None),
            Some(Severity::Critical),
        ),
        (
            place("US", Some("94103")),
            place("US", Some("10001")),
            Some(Severity::High),
        ),
        (
            place("GB", Some("SW1A 1AA")),
            place("GB", Some("sw1a2aa")),
            None,
        ),
        (place("GB", Some("SW1A 1AA")), place("GB", None), None),
    ];
    for (order, delivered, expect) in table {
        let s = tracking::delivered_elsewhere(order, delivered);
        assert_eq!(
            s.as_ref().map(|s| s.severity()),
            expect,
            "{order:?} {delivered:?}"
        );
        if let Some(s) = s {
            assert_eq!(s.kind(), Kind::FakeTracking);
        }
    }
}

#[test]
fn issued_at_destination_table() {
    let us = tracking::validate("EA111111115US");
    assert!(tracking::issued_at_destination(&us, "CN", "US").is_some());
    assert!(tracking::issued_at_destination(&us, "US", "US").is_none());
    let cn = tracking::validate("LX473012354CN");
    assert!(tracking::issued_at_destination(&cn, "CN", "US").is_none());
    let ups = tracking::validate("1Z5R89390357567127");
    assert!(tracking::issued_at_destination(&ups, "CN", "US").is_none());
}

#[test]
fn stale_table() {
    assert!(tracking::stale(10, 10).is_none());
    let s = tracking::stale(11, 10).unwrap();
    assert_eq!(
        (s.kind(), s.severity()),
        (Kind::FakeTracking, Severity::Medium)
    );
    assert_eq!(tracking::stale(25, 10).unwrap().severity(), Severity::High);
    assert!(tracking::stale(3, 0).is_some());
}

#[test]
fn weight_mismatch_table() {
    let table = [
        (500, 500, None),
        (520, 450, None),                   // within 35%
        (80, 30, None),                     // light items: under 60 g of difference
        (900, 500, Some(Severity::Medium)), // 80% more
        (40, 1200, Some(Severity::High)),   // a feather in a laptop box
        (0, 400, Some(Severity::High)),
        // Regression: `diff * 100` overflowed on an absurd listing weight.
        (500, u64::MAX, Some(Severity::High)),
        (u64::MAX, u64::MAX - 1, None),
    ];
    for (carrier, expected, expect) in table {
        let s = tracking::weight_mismatch(carrier, expected);
        assert_eq!(
            s.as_ref().map(|s| s.severity()),
            expect,
            "{carrier} vs {expected}"
        );
        if let Some(s) = s {
            assert_eq!(s.kind(), Kind::ShipAndSwitch);
        }
    }
}

proptest! {
    #[test]
    fn validate_never_panics(s in "\\PC{0,60}") {
        let c = tracking::validate(&s);
        prop_assert_eq!(c.format_valid, c.carrier.is_some());
        prop_assert_eq!(c.format_valid, c.problem.is_none());
    }

    #[test]
    fn generated_s10_numbers_validate(prefix in "[CERLUV][A-Z]", serial in 0u32..100_000_000) {
        let digits = format!("{serial:08}");
        let check = tracking::s10_check_digit(digits.as_bytes().try_into().unwrap());
        let n = format!("{prefix}{digits}{check}CN");
        prop_assert!(tracking::validate(&n).format_valid, "{}", n);
        let wrong = format!("{prefix}{digits}{}CN", (check + 1) % 10);
        prop_assert!(!tracking::validate(&wrong).format_valid, "{}", wrong);
    }

    #[test]
    fn stale_score_stays_in_range(days in 0u32..10_000, limit in 0u32..400) {
        if let Some(s) = tracking::stale(days, limit) {
            prop_assert!((0.0..=1.0).contains(&s.score()));
        }
    }
}
