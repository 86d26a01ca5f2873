//! Carrier events (scans): recorded with place and time, staleness counted from the
//! latest, a `delivered` scan on `deliver`'s path, and scans recorded during a dispute.

use super::*;
use protection::{CarrierEvent, CarrierEventKind as K, DisputeCommand as D, Evidence, Reason};

const TRACKING: &str = "RB123456785GB";

fn scan(kind: K, country: &str, scanned_at: Option<f64>) -> Command {
    Command::CarrierEvent(CarrierEvent {
        kind,
        tracking: TRACKING.parse().unwrap(),
        country: country.parse().unwrap(),
        location: Some("Frankfurt hub".into()),
        scanned_at: scanned_at.map(day),
    })
}

fn run_scan(w: &mut World, kind: K, at: f64) -> Result<(), Rejection> {
    w.run(&Actor::Carrier, scan(kind, "DE", None), at)
}

fn stale(w: &World) -> bool {
    w.events().contains(&"parcel_stale")
}

fn rule(r: Result<(), Rejection>) -> Option<&'static str> {
    r.err().and_then(|e| e.rule())
}

#[test]
fn parcel_stale_counts_from_the_latest_scan() {
    // Shipped day 1, promised day 21: scans on days 5, 9 and 15 keep it moving until
    // day 25, ten days after the last one.
    let mut w = shipped();
    for (kind, at) in [(K::Accepted, 5.0), (K::InTransit, 9.0), (K::Customs, 15.0)] {
        run_scan(&mut w, kind, at).unwrap();
    }
    w.advance(24.99);
    assert!(!stale(&w), "{:?}", w.events());
    w.advance(25.0);
    assert!(stale(&w), "{:?}", w.events());
    // Moving again clears it, and staleness starts over from that scan.
    run_scan(&mut w, K::OutForDelivery, 25.5).unwrap();
    assert!(!w.order().unwrap().parcel_stale);
}

#[test]
fn a_scan_reported_late_counts_from_when_it_was_scanned() {
    let mut w = shipped();
    w.run(&Actor::Carrier, scan(K::InTransit, "CN", Some(3.0)), 10.0)
        .unwrap();
    assert_eq!(w.order().unwrap().last_carrier_at, Some(day(3.0)));
    w.advance(12.99);
    assert!(!stale(&w));
    w.advance(13.0);
    assert!(stale(&w));
}

#[test]
fn a_delivered_scan_delivers_and_the_parcel_is_never_stale_after() {
    let mut w = shipped();
    w.run(&Actor::Carrier, scan(K::Delivered, "DE", Some(4.5)), 5.0)
        .unwrap();
    let o = w.order().unwrap();
    assert_eq!(o.status, Status::Delivered);
    assert_eq!(o.delivered_at, Some(day(4.5)));
    assert_eq!(
        w.events(),
        ["placed", "paid", "shipped", "carrier_scanned", "delivered"]
    );
    w.advance(40.0);
    assert!(!stale(&w), "{:?}", w.events());
    assert_eq!(w.status(), Status::Completed);
    // One delivery per parcel, by scan or by `deliver`.
    let again = w.run(&Actor::Carrier, Command::Deliver { country: None }, 41.0);
    assert_eq!(rule(again), Some("invalid_state"));
}

#[test]
fn a_delivery_scanned_on_time_is_on_time_even_if_reported_late() {
    // Promised day 21: scanned on day 20, reported on day 22.
    let mut w = shipped();
    w.run(&Actor::Carrier, scan(K::Delivered, "DE", Some(20.0)), 22.0)
        .unwrap();
    assert!(
        !w.events().contains(&"late_compensated"),
        "{:?}",
        w.events()
    );
    let mut w = shipped();
    w.run(&Actor::Carrier, scan(K::Delivered, "DE", Some(21.5)), 22.0)
        .unwrap();
    assert!(w.events().contains(&"late_compensated"), "{:?}", w.events());
}

#[test]
fn a_scan_for_another_tracking_number_is_refused_and_changes_nothing() {
    let mut w = shipped();
    let other = Command::CarrierEvent(CarrierEvent {
        kind: K::Delivered,
        tracking: "LP00123456789012".parse().unwrap(),
        country: "DE".parse().unwrap(),
        location: None,
        scanned_at: None,
    });
    let before = w.log.len();
    let r = w.run(&Actor::Carrier, other, 5.0);
    assert_eq!(rule(r.clone()), Some("tracking"), "{r:?}");
    assert!(r.unwrap_err().to_string().contains("RB123456785GB"));
    assert_eq!(w.log.len(), before);
    // Spaces and case are the same number.
    let spaced = Command::CarrierEvent(CarrierEvent {
        kind: K::InTransit,
        tracking: "rb 1234 5678 5gb".parse().unwrap(),
        country: "DE".parse().unwrap(),
        location: None,
        scanned_at: None,
    });
    w.run(&Actor::Carrier, spaced, 5.0).unwrap();
}

#[test]
fn only_the_carrier_feed_the_platform_and_agents_record_scans() {
    for (actor, ok) in [
        (Actor::Carrier, true),
        (Actor::Platform, true),
        (Actor::Agent("ann".into()), true),
        (seller(), false),
        (buyer(), false),
    ] {
        let mut w = shipped();
        let r = w.run(&actor, scan(K::InTransit, "DE", None), 5.0);
        assert_eq!(r.is_ok(), ok, "{actor}: {r:?}");
        if !ok {
            assert_eq!(rule(r), Some("permission"));
        }
    }
}

#[test]
fn bad_scans_are_refused_naming_what_is_wrong() {
    let long = "x".repeat(protection::CARRIER_LOCATION_BYTES_MAX + 1);
    for (location, scanned_at, words) in [
        (Some(long.as_str()), None, "location"),
        (Some("  "), None, "location"),
        (Some("hub\u{0}"), None, "location"),
        (None, Some(6.0), "after the time"),
        (None, Some(0.5), "before the shipment"),
    ] {
        let mut w = shipped();
        let r = w.run(
            &Actor::Carrier,
            Command::CarrierEvent(CarrierEvent {
                kind: K::InTransit,
                tracking: TRACKING.parse().unwrap(),
                country: "DE".parse().unwrap(),
                location: location.map(str::to_string),
                scanned_at: scanned_at.map(day),
            }),
            5.0,
        );
        let e = r.unwrap_err();
        assert_eq!(e.rule(), Some("invalid_input"), "{e}");
        assert!(e.to_string().contains(words), "{e}");
        assert_eq!(w.events(), ["placed", "paid", "shipped"]);
    }
    // Before shipment there is nothing to track.
    let mut w = World::new();
    place(&mut w, 20, None);
    pay(&mut w);
    assert_eq!(
        rule(run_scan(&mut w, K::Accepted, 1.0)),
        Some("invalid_state")
    );
}

#[test]
fn a_delivery_during_a_not_received_dispute_is_evidence_and_the_dispute_goes_on() {
    // Promised day 21; the buyer disputes on day 22; the carrier delivers on day 23.
    let mut w = shipped();
    w.run(
        &buyer(),
        Command::Dispute(D::Open {
            reason: Reason::NotReceived,
            requested: None,
            evidence: vec![],
        }),
        22.0,
    )
    .unwrap();
    run_scan(&mut w, K::OutForDelivery, 22.5).unwrap();
    w.run(&Actor::Carrier, scan(K::Delivered, "DE", None), 23.0)
        .unwrap();
    let o = w.order().unwrap();
    assert_eq!(o.status, Status::Disputed);
    assert_eq!(o.delivered_at, Some(day(23.0)));
    let dispute = o.dispute.as_ref().unwrap();
    assert!(dispute.is_open());
    let texts: Vec<&str> = dispute
        .evidence
        .iter()
        .filter_map(|e| match e {
            Evidence::Text { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(
        texts[1].starts_with("carrier event delivered in DE (Frankfurt hub)"),
        "{texts:?}"
    );
    assert!(texts[1].contains(TRACKING), "{texts:?}");
    // Late as it is: the on-time guarantee's compensation is paid.
    assert!(w.events().contains(&"late_compensated"));
    // The money stays held until the dispute is decided.
    assert_eq!(w.balance(AccountKind::OrderEscrow, "o-1"), 2200);
}

#[test]
fn deliver_during_a_dispute_takes_the_same_path() {
    let mut w = shipped();
    w.run(
        &buyer(),
        Command::Dispute(D::Open {
            reason: Reason::NotReceived,
            requested: None,
            evidence: vec![],
        }),
        22.0,
    )
    .unwrap();
    w.run(&Actor::Carrier, Command::Deliver { country: None }, 23.0)
        .unwrap();
    let o = w.order().unwrap();
    assert_eq!(
        (o.status, o.delivered_at),
        (Status::Disputed, Some(day(23.0)))
    );
}

#[test]
fn a_parcel_returned_to_the_sender_lets_the_buyer_open_not_received_at_once() {
    let open = |w: &mut World, at| {
        w.run(
            &buyer(),
            Command::Dispute(D::Open {
                reason: Reason::NotReceived,
                requested: None,
                evidence: vec![],
            }),
            at,
        )
    };
    let mut w = shipped();
    assert_eq!(rule(open(&mut w, 8.0)), Some("dispute_window"));
    run_scan(&mut w, K::Returned, 9.0).unwrap();
    open(&mut w, 9.5).unwrap();
    assert_eq!(w.status(), Status::Disputed);
}
