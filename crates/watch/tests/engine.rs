//! Watch against the engine's own rules for AliExpress: the same order runs through
//! `protection::decide` (a miniature engine: the log, the deadlines fired in order) and
//! through `watch`, and on the day before, the day of and the day after each deadline
//! watch names, the engine must allow or refuse what watch says.
//!
//! Every event of the order happens at noon. A deadline "by" day X (ship by, dispute
//! by) means the action is still possible at the start of day X and no longer at the
//! start of day X+1; a deadline "from" day X (escalation, a not-received dispute once
//! protection has ended) means the action is refused at the end of day X-1 and
//! allowed at the end of day X.

use std::sync::OnceLock;

use chrono::{Duration, NaiveDate};
use domain::{BuyerId, Currency, Money, OrderId, SellerId, Timestamp, TrackingNumber};
use protection::{
    decide, Actor, Command, DisputeCommand, Order, Policy, Reason, Recorded, Rejection, Status,
    ThreeDs, Timer,
};
use watch::{input, DeadlineKind as K, Marketplace, Rules};

const HEADER: &str = "order_id,store,paid_at,shipped_at,promised_delivery,tracking,tracking_updated_at,status,delivered_at,dispute_opened_at,dispute_status,dispute_reason,kind";

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// `d` at `hour`:00 UTC.
fn at(d: NaiveDate, hour: u32) -> Timestamp {
    Timestamp::from_unix_ms(
        d.and_hms_opt(hour, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis(),
    )
}

fn noon(d: NaiveDate) -> Timestamp {
    at(d, 12)
}
fn start(d: NaiveDate) -> Timestamp {
    at(d, 0)
}
fn end(d: NaiveDate) -> Timestamp {
    Timestamp::from_unix_ms(at(d, 23).unix_ms() + 59 * 60_000)
}

/// One order in the engine's rules: its log and pending deadlines.
#[derive(Clone)]
struct Engine {
    id: OrderId,
    log: Vec<Recorded>,
    timers: Vec<Timer>,
    policy: Policy,
}

impl Engine {
    fn new(policy: &Policy) -> Engine {
        Engine {
            id: OrderId::parse("A").unwrap(),
            log: vec![],
            timers: vec![],
            policy: policy.clone(),
        }
    }

    fn order(&self) -> Option<Order> {
        Order::replay(&self.id, &self.log)
    }

    fn exec(&mut self, actor: &Actor, command: &Command, now: Timestamp) -> Result<(), Rejection> {
        let d = decide(
            self.order().as_ref(),
            &self.id,
            command,
            actor,
            now,
            &self.policy,
        )?;
        for event in d.events {
            let seq = self.log.len() as i64 + 1;
            self.log.push(Recorded {
                seq,
                at: now,
                actor: actor.clone(),
                event,
            });
        }
        for t in d.timers {
            if !self.timers.contains(&t) {
                self.timers.push(t);
            }
        }
        Ok(())
    }

    /// Fires every deadline due by `now`, oldest first, then runs `command`.
    fn run(&mut self, actor: &Actor, command: Command, now: Timestamp) -> Result<(), Rejection> {
        loop {
            self.timers.sort();
            let Some(pos) = self.timers.iter().position(|t| t.due <= now) else {
                break;
            };
            let t = self.timers.remove(pos);
            self.exec(&Actor::System, &Command::Fire(t.kind), t.due)
                .expect("deadlines are never refused");
        }
        self.exec(actor, &command, now)
    }
}

fn buyer() -> Actor {
    Actor::Buyer(BuyerId::parse("b-1").unwrap())
}

fn usd(s: &str) -> Money {
    Money::parse(s, Currency::parse("USD").unwrap()).unwrap()
}

/// An order paid on `paid`, shipped on `shipped` with `promised_days`, delivered on
/// `delivered`: in the engine and as watch's CSV row.
struct Story {
    paid: NaiveDate,
    shipped: Option<NaiveDate>,
    promised_days: i64,
    delivered: Option<NaiveDate>,
}

impl Story {
    fn engine(&self, policy: &Policy) -> Engine {
        let mut e = Engine::new(policy);
        let place = Command::Place {
            buyer: BuyerId::parse("b-1").unwrap(),
            seller: SellerId::parse("s-1").unwrap(),
            price: usd("19.99"),
            shipping: usd("2.01"),
            handling_days: None,
            promised_days: self.promised_days,
            destination_country: None,
            options: protection::OrderOptions::default(),
        };
        e.run(&Actor::Platform, place, noon(self.paid)).unwrap();
        let pay = Command::Pay {
            amount: usd("22.00"),
            three_ds: ThreeDs::Authenticated,
        };
        e.run(&Actor::Platform, pay, noon(self.paid)).unwrap();
        if let Some(shipped) = self.shipped {
            let ship = Command::Ship {
                tracking: TrackingNumber::parse("LX402177355CN").unwrap(),
            };
            let seller = Actor::Seller(SellerId::parse("s-1").unwrap());
            e.run(&seller, ship, noon(shipped)).unwrap();
        }
        if let Some(delivered) = self.delivered {
            let deliver = Command::Deliver { country: None };
            e.run(&Actor::Carrier, deliver, noon(delivered)).unwrap();
        }
        e
    }

    fn row(&self) -> String {
        let d = |x: Option<NaiveDate>| x.map(|d| d.to_string()).unwrap_or_default();
        let (promised, status) = match (self.shipped, self.delivered) {
            (None, _) => (String::new(), "paid"),
            (Some(_), None) => (self.promised_days.to_string(), "shipped"),
            (Some(_), Some(_)) => (self.promised_days.to_string(), "delivered"),
        };
        let tracking = if self.shipped.is_some() {
            "LX402177355CN"
        } else {
            ""
        };
        format!(
            "A,Shop,{},{},{promised},{tracking},{},{status},{},,,,",
            self.paid,
            d(self.shipped),
            // The carrier's last event: the delivery, else the shipment.
            d(self.delivered.or(self.shipped)),
            d(self.delivered),
        )
    }

    /// Watch's (action, deadline kind, date) on `today`, or None when it has closed
    /// the order.
    fn watch(&self, rules: &Rules, today: NaiveDate) -> Option<(String, K, NaiveDate)> {
        let orders = input::orders("o.csv", &format!("{HEADER}\n{}\n", self.row())).unwrap();
        assert_eq!(orders.skipped, 0, "{:?}", orders.warnings);
        let w = watch::watch(&orders.rows, &[], rules, scanner(), today);
        let f = w.findings.first()?;
        let d = f.deadline.expect("a deadline");
        Some((f.action.code.to_string(), d.kind, d.date))
    }
}

fn scanner() -> &'static risk::MessageScanner {
    static SCANNER: OnceLock<risk::MessageScanner> = OnceLock::new();
    SCANNER.get_or_init(risk::MessageScanner::default)
}

fn open_dispute(reason: Reason) -> Command {
    Command::Dispute(DisputeCommand::Open {
        reason,
        requested: None,
        evidence: vec![],
    })
}

/// The date watch gives for `kind` on the order, judged on `today`.
fn watch_deadline(story: &Story, rules: &Rules, today: NaiveDate, kind: K) -> NaiveDate {
    let (code, k, d) = story.watch(rules, today).expect("an open order");
    assert_eq!(k, kind, "{code}");
    d
}

fn policies() -> Vec<Policy> {
    vec![
        Policy::default(),
        Policy {
            post_completion_window_days: 20,
            inspection_days_after_late_delivery: 9,
            handling_days_default: 4,
            ..Policy::default()
        },
    ]
}

#[test]
fn dispute_by_after_delivery_is_the_engines_dispute_window() {
    let (paid, shipped) = (date("2026-01-01"), date("2026-01-03"));
    for policy in policies() {
        let rules = Rules::defaults(Marketplace::Aliexpress, &policy);
        let promised = shipped + Duration::days(30);
        // Early, on the promised date, late, and late by more than the inspection days.
        for delivered_offset in [-10, -1, 0, 1, 4, 6] {
            let story = Story {
                paid,
                shipped: Some(shipped),
                promised_days: 30,
                delivered: Some(promised + Duration::days(delivered_offset)),
            };
            let engine = story.engine(&policy);
            let today = story.delivered.unwrap();
            let by = watch_deadline(&story, &rules, today, K::DisputeBy);
            let case = format!("{policy:?} delivered {delivered_offset:+} days: dispute by {by}");
            for (now, allowed) in [
                (start(by - Duration::days(1)), true),
                (start(by), true),
                (start(by + Duration::days(1)), false),
            ] {
                let mut e = engine.clone();
                let got = e.run(&buyer(), open_dispute(Reason::NotAsDescribed), now);
                assert_eq!(got.is_ok(), allowed, "{case}, engine at {now}: {got:?}");
                if allowed {
                    // The engine completed the order first (the auto-confirmation) unless
                    // the window is still the protection period.
                    assert!(e.order().unwrap().status == Status::Disputed, "{case}");
                }
            }
            // Watch: open the day before and the day of, closed the day after.
            let day = |n: i64| story.watch(&rules, by + Duration::days(n));
            assert_eq!(
                day(-1).map(|v| (v.0, v.1)),
                Some(("inspect_item".to_string(), K::DisputeBy)),
                "{case}"
            );
            assert_eq!(day(0).map(|v| v.2), Some(by), "{case}");
            assert_eq!(day(1), None, "{case}");
        }
    }
}

#[test]
fn ship_by_is_the_engines_handling_deadline() {
    for policy in policies() {
        let rules = Rules::defaults(Marketplace::Aliexpress, &policy);
        let story = Story {
            paid: date("2026-01-01"),
            shipped: None,
            promised_days: 30,
            delivered: None,
        };
        let engine = story.engine(&policy);
        let by = watch_deadline(&story, &rules, story.paid, K::ShipBy);
        let ship = || Command::Ship {
            tracking: TrackingNumber::parse("LX402177355CN").unwrap(),
        };
        let seller = Actor::Seller(SellerId::parse("s-1").unwrap());
        for (now, allowed) in [
            (start(by - Duration::days(1)), true),
            (start(by), true),
            (start(by + Duration::days(1)), false),
        ] {
            let mut e = engine.clone();
            let got = e.run(&seller, ship(), now);
            assert_eq!(
                got.is_ok(),
                allowed,
                "ship by {by}, engine at {now}: {got:?}"
            );
        }
        let code = |n: i64| story.watch(&rules, by + Duration::days(n)).unwrap().0;
        assert_eq!(code(-1), "wait_for_shipment");
        assert_eq!(code(0), "wait_for_shipment");
        assert_eq!(code(1), "cancel_not_shipped");
    }
}

#[test]
fn protection_ends_where_the_engine_lets_a_not_received_dispute_open() {
    for policy in policies() {
        let rules = Rules::defaults(Marketplace::Aliexpress, &policy);
        let story = Story {
            paid: date("2026-01-01"),
            shipped: Some(date("2026-01-03")),
            promised_days: 30,
            delivered: None,
        };
        let engine = story.engine(&policy);
        let ends = watch_deadline(&story, &rules, story.paid, K::ProtectionEnds);
        assert_eq!(
            noon(ends),
            engine.order().unwrap().protection_ends_at.unwrap(),
            "the same date"
        );
        // The engine opens a not-received dispute once protection has ended.
        for (now, allowed) in [
            (end(ends - Duration::days(1)), false),
            (end(ends), true),
            (end(ends + Duration::days(1)), true),
        ] {
            let mut e = engine.clone();
            let got = e.run(&buyer(), open_dispute(Reason::NotReceived), now);
            assert_eq!(
                got.is_ok(),
                allowed,
                "ends {ends}, engine at {now}: {got:?}"
            );
        }
        // Watch asks for an extension up to the end and tells to open the dispute after.
        let code = |n: i64| story.watch(&rules, ends + Duration::days(n)).unwrap().0;
        assert_eq!(code(-1), "ask_extension");
        assert_eq!(code(0), "ask_extension");
        assert_eq!(code(1), "open_dispute_now");
    }
}

#[test]
fn escalation_opens_when_the_engine_lets_the_buyer_escalate() {
    for policy in policies() {
        let rules = Rules::defaults(Marketplace::Aliexpress, &policy);
        let shipped = date("2026-01-03");
        let story = Story {
            paid: date("2026-01-01"),
            shipped: Some(shipped),
            promised_days: 30,
            delivered: Some(date("2026-01-20")),
        };
        let mut engine = story.engine(&policy);
        let opened = date("2026-01-22");
        engine
            .run(&buyer(), open_dispute(Reason::NotAsDescribed), noon(opened))
            .unwrap();
        let row = format!(
            "A,Shop,2026-01-01,{shipped},30,LX402177355CN,2026-01-20,disputed,2026-01-20,{opened},open,not_as_described,"
        );
        let orders = input::orders("o.csv", &format!("{HEADER}\n{row}\n")).unwrap();
        let w = watch::watch(&orders.rows, &[], &rules, scanner(), opened);
        let d = w.findings[0].deadline.unwrap();
        assert_eq!(d.kind, K::EscalationOpens);
        let from = d.date;
        for (now, allowed) in [
            (end(from - Duration::days(1)), false),
            (end(from), true),
            (end(from + Duration::days(1)), true),
        ] {
            let mut e = engine.clone();
            let got = e.run(&buyer(), Command::Dispute(DisputeCommand::Escalate), now);
            assert_eq!(
                got.is_ok(),
                allowed,
                "escalate from {from}, engine at {now}: {got:?}"
            );
        }
        let code = |today: NaiveDate| {
            watch::watch(&orders.rows, &[], &rules, scanner(), today).findings[0]
                .action
                .code
        };
        assert_eq!(code(from - Duration::days(1)), "wait_for_seller");
        assert_eq!(code(from), "escalate_dispute");
    }
}
