//! `watch`: a buyer's or dropshipper's orders in, the next deadline of each and one
//! plain action out, most urgent first. Pure: the orders, messages, rules and today's
//! date are arguments. Tracking checks and the message scanner come from `risk`.

pub mod ics;
pub mod input;
pub mod rules;
pub mod scorecard;

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use domain::Money;
use risk::Kind;
use serde::Serialize;

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
    pub fn estimated_delivery(&self, rules: &Rules) -> NaiveDate {
        let shipped = self
            .shipped_at
            .unwrap_or(self.paid_at + Duration::days(rules.handling_days));
        match self.promised {
            Some(Promised::Date(d)) => d,
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

/// How soon the action matters; sorts first to last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Now,
    Soon,
    Later,
}

/// The one thing to do about an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    /// Stable name for scripts, e.g. `open_dispute_now`.
    pub code: &'static str,
    pub text: String,
}

/// The verdict on one order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
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

/// Findings of the open orders, most urgent first, and how many orders were closed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Watch {
    pub findings: Vec<Finding>,
    pub closed_orders: usize,
}

fn action(code: &'static str, text: String) -> Action {
    Action { code, text }
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

fn message_context(order: &Order, at: NaiveDate) -> risk::Context {
    if order.dispute_opened_at.is_some_and(|d| d <= at) {
        risk::Context::DisputeOpen
    } else if order.delivered_at.is_some_and(|d| d <= at) {
        risk::Context::Delivered
    } else if order.shipped_at.is_some_and(|d| d <= at) {
        risk::Context::InTransit
    } else {
        risk::Context::PreOrder
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

fn deadline(kind: DeadlineKind, date: NaiveDate, today: NaiveDate) -> Deadline {
    Deadline {
        kind,
        date,
        days_left: (date - today).num_days(),
    }
}

fn evaluate(
    order: &Order,
    messages: &[&Message],
    by_tracking: &HashMap<String, Vec<&Order>>,
    rules: &Rules,
    scanner: &risk::MessageScanner,
    today: NaiveDate,
) -> Option<Finding> {
    if order.closed() {
        return None;
    }
    let mut notes = Vec::new();
    // What the seller said: the scanner decides, the context follows the order's state
    // on the day the message was sent.
    let mut seller_kinds: Vec<Kind> = Vec::new();
    for m in messages.iter().filter(|m| m.sender != risk::Sender::Buyer) {
        let report = scanner.scan(&risk::Message {
            text: &m.text,
            sender: m.sender,
            context: message_context(order, m.sent_at),
            lang: None,
        });
        for s in report.assessment.signals() {
            if !seller_kinds.contains(&s.kind()) {
                seller_kinds.push(s.kind());
                notes.push(format!("message of {}: {}", m.sent_at, s.explanation()));
            }
        }
        if report.truncated {
            notes.push(format!(
                "message of {}: only the first {} bytes were scanned",
                m.sent_at, report.scanned_bytes
            ));
        }
    }
    let said = |k: Kind| seller_kinds.contains(&k);

    // AliExpress disputes may open at once; eBay and Amazon claims only from the
    // estimated delivery date.
    let claim = if rules.marketplace == Marketplace::Aliexpress {
        "open a not-received dispute"
    } else {
        "claim not received as soon as the marketplace allows"
    };
    // Tracking: the number's format, its reuse on other orders, and carrier movement.
    let mut fake_tracking: Option<Action> = None;
    if let Some(number) = &order.tracking {
        let check = risk::tracking::validate(number);
        if let Some(signal) = check.signal(number) {
            if !check.format_valid {
                notes.push(signal.explanation().to_string());
                fake_tracking = Some(action(
                    "check_tracking",
                    format!(
                        "tracking number {number} is not valid: ask the seller for the real one; {claim} if none comes"
                    ),
                ));
            }
        }
        let others: Vec<&&Order> = by_tracking
            .get(&risk::tracking::normalize(number))
            .map(|v| v.iter().filter(|o| o.order_id != order.order_id).collect())
            .unwrap_or_default();
        if let Some(signal) = risk::tracking::reused(number, others.len()) {
            notes.push(signal.explanation().to_string());
            let same_store = others
                .iter()
                .find(|o| o.store.is_some() && o.store == order.store);
            let other = same_store.unwrap_or(&others[0]);
            fake_tracking = Some(action(
                "fake_tracking",
                format!(
                    "tracking number also used on order {}{}: likely fake tracking; {claim}",
                    other.order_id,
                    if same_store.is_some() {
                        " from the same store"
                    } else {
                        ""
                    }
                ),
            ));
        }
    }
    let stale_days = if order.delivered() || order.shipped_at.is_none() {
        None
    } else {
        let last = order.tracking_updated_at.or(order.shipped_at)?;
        let days = (today - last).num_days();
        u32::try_from(days).ok().and_then(|d| {
            let s = risk::tracking::stale(
                d,
                u32::try_from(rules.stale_after_days).unwrap_or(u32::MAX),
            )?;
            notes.push(s.explanation().to_string());
            Some(days)
        })
    };

    let finding = |deadline: Option<Deadline>,
                   urgency: Urgency,
                   action: Action,
                   notes: Vec<String>| Finding {
        order_id: order.order_id.clone(),
        store: order.store.clone(),
        item: order.item.clone(),
        amount_minor: order.amount.map(Money::amount_minor),
        currency: order.amount.map(|m| m.currency().code()),
        deadline,
        urgency,
        action,
        notes,
    };
    let urgency_of = |d: &Deadline| {
        if d.days_left <= rules.urgent_days {
            Urgency::Now
        } else if d.days_left <= rules.soon_days {
            Urgency::Soon
        } else {
            Urgency::Later
        }
    };

    // An open dispute: the seller's pressure first, then escalation.
    if order.dispute_open() {
        let opened = order.dispute_opened_at.unwrap_or(today);
        let respond = deadline(
            DeadlineKind::SellerResponseDue,
            opened + Duration::days(rules.seller_response_days),
            today,
        );
        if said(Kind::DisputeClosurePressure) {
            return Some(finding(
                Some(respond),
                Urgency::Now,
                action(
                    "keep_dispute_open",
                    "the seller asked you to close your dispute: keep it open, it cannot be reopened".into(),
                ),
                notes,
            ));
        }
        if said(Kind::OffsitePayment) {
            return Some(finding(Some(respond), Urgency::Now, offsite(), notes));
        }
        let escalate = deadline(
            DeadlineKind::EscalationOpens,
            opened + Duration::days(rules.escalation_after_days),
            today,
        );
        if escalate.days_left <= 0 && order.dispute_status != Some(DisputeStatus::Escalated) {
            return Some(finding(
                Some(respond),
                Urgency::Soon,
                action(
                    "escalate_dispute",
                    format!(
                        "escalate the dispute to the platform if the seller has not offered a fair solution: it has been open for {}",
                        plural((today - opened).num_days(), "day")
                    ),
                ),
                notes,
            ));
        }
        let next = if escalate.days_left > 0 {
            escalate
        } else {
            respond
        };
        return Some(finding(
            Some(next),
            Urgency::Later,
            action(
                "wait_for_seller",
                format!(
                    "wait for the seller's answer to your dispute; you may escalate {}",
                    when(escalate.days_left)
                ),
            ),
            notes,
        ));
    }

    if said(Kind::OffsitePayment) {
        let d = not_received_deadline(order, messages, rules, today);
        return Some(finding(d, Urgency::Now, offsite(), notes));
    }

    if let Some(delivered) = order.delivered_at {
        let by = deadline(
            DeadlineKind::DisputeBy,
            delivered + Duration::days(rules.post_delivery_days),
            today,
        );
        if by.days_left < 0 {
            return None;
        }
        if delivered > order.estimated_delivery(rules)
            && rules.marketplace == Marketplace::Aliexpress
        {
            notes.push(format!(
                "delivered {} after the promised date: the on-time guarantee owes you a compensation",
                plural((delivered - order.estimated_delivery(rules)).num_days(), "day")
            ));
        }
        return Some(finding(
            Some(by),
            urgency_of(&by),
            action(
                "inspect_item",
                format!(
                    "check the item now: a dispute about it is possible until {} ({})",
                    by.date,
                    when(by.days_left)
                ),
            ),
            notes,
        ));
    }

    if order.status == Some(Status::Completed) {
        return None;
    }

    if let Some(a) = fake_tracking {
        let d = not_received_deadline(order, messages, rules, today);
        return Some(finding(d, Urgency::Now, a, notes));
    }

    // Pressure to confirm, or a status of "delivered" the carrier never reported: the
    // buyer's protection ends with the confirmation, so nothing is confirmed unseen.
    if said(Kind::ConfirmReceiptPressure) || order.status == Some(Status::Delivered) {
        let d = not_received_deadline(order, messages, rules, today);
        return Some(finding(
            d,
            Urgency::Now,
            action(
                "do_not_confirm",
                "do not confirm receipt: there is no delivery event".into(),
            ),
            notes,
        ));
    }

    if order.shipped_at.is_none() {
        let ship_by = deadline(
            DeadlineKind::ShipBy,
            order.paid_at + Duration::days(rules.handling_days),
            today,
        );
        if ship_by.days_left < 0 {
            return Some(finding(
                Some(ship_by),
                Urgency::Now,
                action(
                    "cancel_not_shipped",
                    format!(
                        "cancel the order for a full refund: the seller has not shipped within {} of payment",
                        plural(rules.handling_days, "day")
                    ),
                ),
                notes,
            ));
        }
        return Some(finding(
            Some(ship_by),
            Urgency::Later,
            action(
                "wait_for_shipment",
                format!("wait: the seller must ship {}", when(ship_by.days_left)),
            ),
            notes,
        ));
    }

    let d = not_received_deadline(order, messages, rules, today)?;
    let stuck = stale_days
        .map(|n| format!(" and the parcel has not moved for {}", plural(n, "day")))
        .unwrap_or_default();
    let (urgency, a) = match (rules.marketplace, d.kind) {
        (Marketplace::Aliexpress, _) if d.days_left < 0 => (
            Urgency::Now,
            action(
                "protection_ended",
                format!(
                    "protection ended {} without a delivery: contact AliExpress support with the order number now",
                    plural(-d.days_left, "day")
                ),
            ),
        ),
        (Marketplace::Aliexpress, _) if d.days_left <= rules.urgent_days || (stale_days.is_some() && d.days_left <= rules.soon_days) => (
            Urgency::Now,
            action(
                "open_dispute_now",
                format!("open a not-received dispute now: protection ends {}{stuck}", when(d.days_left)),
            ),
        ),
        (Marketplace::Aliexpress, _) if d.days_left <= rules.soon_days => (
            Urgency::Soon,
            action(
                "ask_extension",
                format!("ask the seller to extend protection: it ends {} and the parcel has not arrived", when(d.days_left)),
            ),
        ),
        (Marketplace::Aliexpress, _) => (
            Urgency::Later,
            action(
                "wait_for_delivery",
                format!("wait for the parcel: protection ends {}{stuck}", when(d.days_left)),
            ),
        ),
        (_, DeadlineKind::ClaimOpens) => match stale_days {
            Some(n) => (
                Urgency::Soon,
                action(
                    "ask_seller_for_news",
                    format!(
                        "ask the seller where the parcel is: it has not moved for {}; a not-received claim is possible {}",
                        plural(n, "day"),
                        when(d.days_left)
                    ),
                ),
            ),
            None => (
                Urgency::Later,
                action(
                    "wait_for_delivery",
                    format!(
                        "wait for the parcel: if it has not come, a not-received claim is possible {}",
                        when(d.days_left)
                    ),
                ),
            ),
        }
        (_, DeadlineKind::SellerResponseDue) => (
            Urgency::Later,
            action(
                "wait_for_seller",
                format!(
                    "wait for the seller's answer; file an A-to-z claim {} if the parcel has not come",
                    when(d.days_left)
                ),
            ),
        ),
        (_, _) if d.days_left < 0 => (
            Urgency::Now,
            action(
                "claim_window_closed",
                format!(
                    "the claim window closed {}: ask the {} support for an exception with the order number",
                    plural(-d.days_left, "day"),
                    if rules.marketplace == Marketplace::Ebay { "eBay" } else { "Amazon" }
                ),
            ),
        ),
        (Marketplace::Amazon, DeadlineKind::ContactSellerBy) => (
            urgency_of(&d).min(Urgency::Soon),
            action(
                "contact_seller",
                format!(
                    "contact the seller about the missing parcel now: an A-to-z claim needs it and {} of waiting{stuck}",
                    plural(rules.contact_wait_days, "day")
                ),
            ),
        ),
        (Marketplace::Ebay, _) => (
            urgency_of(&d).min(Urgency::Soon),
            action(
                "file_claim_now",
                format!("report the item not received on eBay now: the window ends {}{stuck}", when(d.days_left)),
            ),
        ),
        (_, _) => (
            urgency_of(&d).min(Urgency::Soon),
            action(
                "file_claim_now",
                format!("file an A-to-z claim now: the window ends {}{stuck}", when(d.days_left)),
            ),
        ),
    };
    Some(finding(Some(d), urgency, a, notes))
}

fn offsite() -> Action {
    action(
        "refuse_offsite_payment",
        "the seller asked for payment outside the platform: do not pay, report the message; outside payments are not protected".into(),
    )
}

/// The next not-received deadline of an undelivered order. For Amazon a claim needs
/// a contact with the seller (a buyer message after the estimated delivery date) and
/// `contact_wait_days` of waiting.
fn not_received_deadline(
    order: &Order,
    messages: &[&Message],
    rules: &Rules,
    today: NaiveDate,
) -> Option<Deadline> {
    let edd = order.estimated_delivery(rules);
    match rules.marketplace {
        Marketplace::Aliexpress => Some(deadline(DeadlineKind::ProtectionEnds, edd, today)),
        Marketplace::Ebay | Marketplace::Amazon => {
            let claim_by = edd + Duration::days(rules.claim_window_days);
            if today < edd {
                return Some(deadline(DeadlineKind::ClaimOpens, edd, today));
            }
            if rules.marketplace == Marketplace::Amazon && today <= claim_by {
                let contacted = messages
                    .iter()
                    .filter(|m| m.sender == risk::Sender::Buyer && m.sent_at >= edd)
                    .map(|m| m.sent_at)
                    .min();
                return Some(match contacted {
                    None => deadline(
                        DeadlineKind::ContactSellerBy,
                        claim_by - Duration::days(rules.contact_wait_days),
                        today,
                    ),
                    Some(c) if today < c + Duration::days(rules.contact_wait_days) => deadline(
                        DeadlineKind::SellerResponseDue,
                        c + Duration::days(rules.contact_wait_days),
                        today,
                    ),
                    Some(_) => deadline(DeadlineKind::ClaimBy, claim_by, today),
                });
            }
            Some(deadline(DeadlineKind::ClaimBy, claim_by, today))
        }
    }
}
