//! The pure core of `marketguard watch`: a buyer's or dropshipper's orders in, the next
//! deadline of each and one plain action out, most urgent first. Pure: the orders,
//! messages, rules and today's date are arguments (the binary reads the files and parses
//! the flags). Tracking checks and the message scanner come from `risk`.

mod evaluate;
pub mod ics;
pub mod input;
pub mod rules;
pub mod scorecard;

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use domain::Money;
use serde::Serialize;

use evaluate::evaluate;

pub use rules::{Marketplace, Rules};

/// Order lifecycle names of design.md section 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Placed,
    Paid,
    Shipped,
    Delivered,
    Completed,
    Cancelled,
    Disputed,
    Resolved,
}

impl Status {
    pub fn parse(s: &str) -> Option<Status> {
        Some(match s.to_ascii_lowercase().as_str() {
            "placed" => Status::Placed,
            "paid" => Status::Paid,
            "shipped" => Status::Shipped,
            "delivered" => Status::Delivered,
            "completed" => Status::Completed,
            "cancelled" => Status::Cancelled,
            "disputed" => Status::Disputed,
            "resolved" => Status::Resolved,
            _ => return None,
        })
    }
}

/// Where a dispute stands: open, or one of design.md's outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisputeStatus {
    Open,
    Escalated,
    RefundFull,
    RefundPartial,
    ReturnAndRefund,
    Rejected,
    Withdrawn,
}

impl DisputeStatus {
    pub fn parse(s: &str) -> Option<DisputeStatus> {
        Some(match s.to_ascii_lowercase().as_str() {
            "open" => DisputeStatus::Open,
            "escalated" => DisputeStatus::Escalated,
            "refund_full" => DisputeStatus::RefundFull,
            "refund_partial" => DisputeStatus::RefundPartial,
            "return_and_refund" => DisputeStatus::ReturnAndRefund,
            "rejected" => DisputeStatus::Rejected,
            "withdrawn" => DisputeStatus::Withdrawn,
            _ => return None,
        })
    }
    pub fn is_open(self) -> bool {
        matches!(self, DisputeStatus::Open | DisputeStatus::Escalated)
    }
    pub fn refunded(self) -> bool {
        matches!(
            self,
            DisputeStatus::RefundFull
                | DisputeStatus::RefundPartial
                | DisputeStatus::ReturnAndRefund
        )
    }
}

/// The promised delivery as the order gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Promised {
    Date(NaiveDate),
    DaysAfterShipment(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderKind {
    Regular,
    /// A test order a dropshipper places to check a supplier.
    Sample,
}

/// One order as read from the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub line: u64,
    pub order_id: String,
    pub store: Option<String>,
    pub item: Option<String>,
    pub amount: Option<Money>,
    pub paid_at: NaiveDate,
    pub shipped_at: Option<NaiveDate>,
    pub promised: Option<Promised>,
    pub tracking: Option<String>,
    /// Date of the carrier's last event.
    pub tracking_updated_at: Option<NaiveDate>,
    /// The carrier's last event (the engine's carrier event names); a `delivered` one
    /// gives `delivered_at` its date when the row has none.
    pub tracking_event: Option<protection::CarrierEventKind>,
    pub status: Option<Status>,
    pub delivered_at: Option<NaiveDate>,
    pub dispute_opened_at: Option<NaiveDate>,
    pub dispute_status: Option<DisputeStatus>,
    pub dispute_reason: Option<String>,
    pub kind: OrderKind,
}

impl Order {
    /// The estimated (promised) delivery date: the order's, or shipment (else the
    /// ship-by date) plus the marketplace's default transit days.
    /// On AliExpress days after shipment are capped as the engine caps them
    /// (`Policy::promised_at`).
    pub fn estimated_delivery(&self, rules: &Rules) -> NaiveDate {
        let shipped = self
            .shipped_at
            .unwrap_or(self.paid_at + Duration::days(rules.handling_days));
        match self.promised {
            Some(Promised::Date(d)) => d,
            Some(Promised::DaysAfterShipment(n))
                if rules.marketplace == Marketplace::Aliexpress =>
            {
                day_of(rules.policy.promised_at(moment(shipped), n, None))
            }
            Some(Promised::DaysAfterShipment(n)) => shipped + Duration::days(n),
            None => shipped + Duration::days(rules.delivery_days_default),
        }
    }

    fn delivered(&self) -> bool {
        self.delivered_at.is_some()
    }

    fn dispute_open(&self) -> bool {
        match self.dispute_status {
            Some(s) => s.is_open(),
            None => self.dispute_opened_at.is_some() || self.status == Some(Status::Disputed),
        }
    }

    /// Nothing left to watch: cancelled, completed past its windows, or a dispute decided.
    fn closed(&self) -> bool {
        matches!(self.status, Some(Status::Cancelled | Status::Resolved))
            || self.dispute_status.is_some_and(|s| !s.is_open())
    }
}

/// One chat message about an order.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub line: u64,
    pub order_id: String,
    pub sent_at: NaiveDate,
    pub sender: risk::Sender,
    pub text: String,
}

/// What the deadline is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// The seller must ship by then.
    ShipBy,
    /// AliExpress: buyer protection ends (auto-confirm) on this date.
    ProtectionEnds,
    /// eBay and Amazon: a not-received claim may be made from this date.
    ClaimOpens,
    /// The last day for a not-received claim.
    ClaimBy,
    /// Last day of the window for a dispute about a delivered item.
    DisputeBy,
    /// The seller's answer to the dispute is due.
    SellerResponseDue,
    /// From this date the buyer may escalate the dispute.
    EscalationOpens,
    /// Amazon: the last day to contact the seller so that a claim is still possible.
    ContactSellerBy,
    /// A sample order with this supplier is due.
    SampleOrderDue,
}

impl DeadlineKind {
    pub const ALL: [DeadlineKind; 9] = [
        DeadlineKind::ShipBy,
        DeadlineKind::ProtectionEnds,
        DeadlineKind::ClaimOpens,
        DeadlineKind::ClaimBy,
        DeadlineKind::DisputeBy,
        DeadlineKind::SellerResponseDue,
        DeadlineKind::EscalationOpens,
        DeadlineKind::ContactSellerBy,
        DeadlineKind::SampleOrderDue,
    ];

    /// The name in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineKind::ShipBy => "ship_by",
            DeadlineKind::ProtectionEnds => "protection_ends",
            DeadlineKind::ClaimOpens => "claim_opens",
            DeadlineKind::ClaimBy => "claim_by",
            DeadlineKind::DisputeBy => "dispute_by",
            DeadlineKind::SellerResponseDue => "seller_response_due",
            DeadlineKind::EscalationOpens => "escalation_opens",
            DeadlineKind::ContactSellerBy => "contact_seller_by",
            DeadlineKind::SampleOrderDue => "sample_order_due",
        }
    }

    /// What the date means, for `--help` and README.
    pub fn meaning(self) -> &'static str {
        match self {
            DeadlineKind::ShipBy => "the seller must ship by then (payment + handling days)",
            DeadlineKind::ProtectionEnds => {
                "AliExpress: buyer protection ends (the promised date); a not-received dispute opens after it"
            }
            DeadlineKind::ClaimOpens => "eBay, Amazon: a not-received claim is possible from then (the estimated delivery date)",
            DeadlineKind::ClaimBy => "eBay, Amazon: the last day of the claim window",
            DeadlineKind::DisputeBy => {
                "the last day for a dispute or claim about a delivered item (AliExpress: completion + window; eBay: delivery + window; Amazon: estimated date + claim window)"
            }
            DeadlineKind::SellerResponseDue => "the seller's answer is due (a dispute, or an Amazon contact)",
            DeadlineKind::EscalationOpens => "the buyer may escalate the dispute from then",
            DeadlineKind::ContactSellerBy => "Amazon: the last day to contact the seller and still wait the days a claim needs",
            DeadlineKind::SampleOrderDue => "a sample order with this supplier is due",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            DeadlineKind::ShipBy => "ship by",
            DeadlineKind::ProtectionEnds => "protection ends",
            DeadlineKind::ClaimOpens => "claim opens",
            DeadlineKind::ClaimBy => "claim by",
            DeadlineKind::DisputeBy => "dispute by",
            DeadlineKind::SellerResponseDue => "seller answers by",
            DeadlineKind::EscalationOpens => "escalate from",
            DeadlineKind::ContactSellerBy => "contact seller by",
            DeadlineKind::SampleOrderDue => "sample order due",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Deadline {
    pub kind: DeadlineKind,
    pub date: NaiveDate,
    /// Negative once passed.
    pub days_left: i64,
}

/// How soon the action matters; sorts first to last. `overdue`: the deadline has
/// passed; `now`: within `urgent_days`; `soon`: within `soon_days`; `later`: the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// The deadline has passed (negative days left); the action is still to do.
    Overdue,
    Now,
    Soon,
    Later,
}

/// The action codes, each with its meaning: `watch --help` prints this list and
/// README's table is checked against it, so neither can drift from the code.
macro_rules! codes {
    ($($variant:ident => $code:literal: $meaning:literal,)*) => {
        /// What to do about an order, as a stable name for scripts.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)*
                }
            }

            pub fn meaning(self) -> &'static str {
                match self {
                    $(Code::$variant => $meaning,)*
                }
            }
        }
    };
}

codes!(
    WaitForShipment => "wait_for_shipment": "the seller has until the ship-by date to ship",
    CancelNotShipped => "cancel_not_shipped": "not shipped in time: cancel for a full refund",
    WaitForDelivery => "wait_for_delivery": "the parcel is on its way and the next deadline is far",
    AskExtension => "ask_extension": "AliExpress: protection ends soon without a delivery: ask the seller to extend it",
    OpenDisputeNow => "open_dispute_now": "AliExpress: protection ended without a delivery: open a not-received dispute",
    AskSellerForNews => "ask_seller_for_news": "eBay, Amazon: the parcel has stopped moving before a claim is possible: ask the seller",
    ContactSeller => "contact_seller": "Amazon: contact the seller, which an A-to-z claim needs",
    FileClaimNow => "file_claim_now": "eBay, Amazon: a not-received claim is possible now: file it before the window ends",
    ClaimWindowClosed => "claim_window_closed": "eBay, Amazon: the claim window has closed: ask support for an exception",
    InspectItem => "inspect_item": "delivered: check the item while a dispute or claim about it is possible",
    CheckTracking => "check_tracking": "the tracking number is malformed: ask for the real one",
    FakeTracking => "fake_tracking": "the tracking number is used on another order: likely fake tracking",
    DoNotConfirm => "do_not_confirm": "pressure to confirm, or marked delivered with no delivery date: do not confirm receipt",
    RefuseOffsitePayment => "refuse_offsite_payment": "the seller asked for payment outside the platform: do not pay",
    KeepDisputeOpen => "keep_dispute_open": "the seller asked to close the dispute: keep it open",
    WaitForSeller => "wait_for_seller": "a dispute or an Amazon contact awaits the seller's answer",
    EscalateDispute => "escalate_dispute": "the dispute may be escalated to the platform: do it if no fair offer came",
    WaitForPlatform => "wait_for_platform": "the dispute is escalated: the platform decides",
    ParcelReturned => "parcel_returned": "the carrier is returning the parcel to the seller: dispute or claim not received as soon as the marketplace allows",
);

/// The one thing to do about an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    /// Stable name for scripts, e.g. `open_dispute_now`.
    pub code: &'static str,
    pub text: String,
}

/// The advice on one order: its next deadline, how urgent it is and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Advice {
    pub order_id: String,
    pub store: Option<String>,
    pub item: Option<String>,
    /// The order's amount in minor units (cents), with `currency`.
    pub amount_minor: Option<i64>,
    pub currency: Option<&'static str>,
    pub deadline: Option<Deadline>,
    pub urgency: Urgency,
    pub action: Action,
    /// Other things worth knowing (signals from the tracking checks and the scanner).
    pub notes: Vec<String>,
}

/// The advice on the open orders, most urgent first, and how many orders were closed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Watch {
    pub findings: Vec<Advice>,
    pub closed_orders: usize,
}

fn action(code: Code, text: String) -> Action {
    Action {
        code: code.as_str(),
        text,
    }
}

fn plural(n: i64, word: &str) -> String {
    if n.abs() == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// "in 2 days", "today", "2 days ago".
fn when(days_left: i64) -> String {
    match days_left {
        0 => "today".to_string(),
        d if d > 0 => format!("in {}", plural(d, "day")),
        d => format!("{} ago", plural(-d, "day")),
    }
}

/// Evaluates every order on `today`.
pub fn watch(
    orders: &[Order],
    messages: &[Message],
    rules: &Rules,
    scanner: &risk::MessageScanner,
    today: NaiveDate,
) -> Watch {
    let mut by_tracking: HashMap<String, Vec<&Order>> = HashMap::new();
    for o in orders {
        if let Some(t) = &o.tracking {
            by_tracking
                .entry(risk::tracking::normalize(t))
                .or_default()
                .push(o);
        }
    }
    let mut by_order: HashMap<&str, Vec<&Message>> = HashMap::new();
    for m in messages.iter().filter(|m| m.sent_at <= today) {
        by_order.entry(m.order_id.as_str()).or_default().push(m);
    }
    let mut findings = Vec::new();
    let mut closed_orders = 0;
    for order in orders {
        let own = by_order
            .get(order.order_id.as_str())
            .map_or(&[][..], Vec::as_slice);
        match evaluate(order, own, &by_tracking, rules, scanner, today) {
            Some(f) => findings.push(f),
            None => closed_orders += 1,
        }
    }
    findings.sort_by(|a, b| {
        (a.urgency, a.deadline.map(|d| d.days_left), &a.order_id).cmp(&(
            b.urgency,
            b.deadline.map(|d| d.days_left),
            &b.order_id,
        ))
    });
    Watch {
        findings,
        closed_orders,
    }
}

/// Why a row cannot be true on `today`, naming the field: a date after today, or
/// events out of order (shipped before paid, delivered before shipped or paid, a
/// promised date or a dispute before payment). A seller may ship after the promised
/// date and a carrier may scan a parcel before the seller marks it shipped: those stay.
fn impossible(o: &Order, today: NaiveDate) -> Option<(&'static str, String)> {
    let promised = match o.promised {
        Some(Promised::Date(d)) => Some(d),
        _ => None,
    };
    let dates = [
        ("paid_at", Some(o.paid_at)),
        ("shipped_at", o.shipped_at),
        ("tracking_updated_at", o.tracking_updated_at),
        ("delivered_at", o.delivered_at),
        ("dispute_opened_at", o.dispute_opened_at),
    ];
    for (field, d) in dates {
        if let Some(d) = d.filter(|d| *d > today) {
            return Some((field, format!("{field} {d} is after today ({today})")));
        }
    }
    // (field, its date, the field it cannot come before, that date)
    let order = [
        ("shipped_at", o.shipped_at, "paid_at", Some(o.paid_at)),
        ("promised_delivery", promised, "paid_at", Some(o.paid_at)),
        ("delivered_at", o.delivered_at, "paid_at", Some(o.paid_at)),
        ("delivered_at", o.delivered_at, "shipped_at", o.shipped_at),
        (
            "dispute_opened_at",
            o.dispute_opened_at,
            "paid_at",
            Some(o.paid_at),
        ),
    ];
    for (field, d, earlier, e) in order {
        if let (Some(d), Some(e)) = (d, e) {
            if d < e {
                return Some((field, format!("{field} {d} is before {earlier} {e}")));
            }
        }
    }
    None
}

/// Skips the orders that cannot be true on `today` (see [`impossible`]), each with a
/// warning naming its line and field, like a row with a bad value.
pub fn refuse_impossible(parsed: &mut input::Parsed<Order>, file: &str, today: NaiveDate) {
    let mut kept = Vec::with_capacity(parsed.rows.len());
    for o in parsed.rows.drain(..) {
        match impossible(&o, today) {
            None => kept.push(o),
            Some((field, message)) => {
                parsed.warnings.push(input::Warning {
                    file: file.to_string(),
                    line: o.line,
                    column: Some(field.to_string()),
                    message,
                    row_skipped: true,
                });
                parsed.skipped += 1;
            }
        }
    }
    parsed.rows = kept;
}

/// Problems between rows: an order id given twice (both rows are watched, the report
/// says so) and messages about orders the orders file does not have (ignored).
pub fn cross_check(
    orders: &[Order],
    messages: &[Message],
    orders_file: &str,
    messages_file: &str,
) -> Vec<input::Warning> {
    let mut warnings = Vec::new();
    let mut first_line: HashMap<&str, u64> = HashMap::new();
    for o in orders {
        if let Some(line) = first_line.get(o.order_id.as_str()) {
            warnings.push(input::Warning {
                file: orders_file.to_string(),
                line: o.line,
                column: Some("order_id".into()),
                message: format!("order {} also appears on line {line}", o.order_id),
                row_skipped: false,
            });
        } else {
            first_line.insert(&o.order_id, o.line);
        }
    }
    for m in messages {
        if !first_line.contains_key(m.order_id.as_str()) {
            warnings.push(input::Warning {
                file: messages_file.to_string(),
                line: m.line,
                column: Some("order_id".into()),
                message: format!(
                    "order {} is not in the orders file; message ignored",
                    m.order_id
                ),
                row_skipped: false,
            });
        }
    }
    warnings
}

/// A date as one moment for the engine's rules: every date of an order stands for the
/// same time of its day (midnight UTC, as the engine reads a bare date), so the
/// policy's day arithmetic gives the day the engine would.
fn moment(d: NaiveDate) -> domain::Timestamp {
    let ms = d
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc()
        .timestamp_millis();
    domain::Timestamp::from_unix_ms(ms)
}

/// The day of a moment of the engine's rules.
fn day_of(t: domain::Timestamp) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(t.unix_ms())
        .map_or(NaiveDate::MAX, |dt| dt.date_naive())
}

fn deadline(kind: DeadlineKind, date: NaiveDate, today: NaiveDate) -> Deadline {
    Deadline {
        kind,
        date,
        days_left: (date - today).num_days(),
    }
}
