//! One order on one day. The evidence (the seller's messages, the tracking number, the
//! carrier's silence) is gathered once; then the order's state picks the one function
//! that names its next deadline and action: an open dispute, a delivered item, an order
//! not shipped yet, or a parcel on its way (AliExpress protection, or an eBay or Amazon
//! not-received claim).

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use domain::Money;
use risk::Kind;

use super::{
    action, day_of, deadline, moment, plural, when, Action, Advice, Code, Deadline, DeadlineKind,
    DisputeStatus, Marketplace, Message, Order, Rules, Status, Urgency,
};

/// What is known about an order before its state is looked at.
struct Evidence {
    /// Notes for the report, in the order they were found.
    notes: Vec<String>,
    /// Signal kinds the scanner found in the seller's messages, first seen first.
    seller_kinds: Vec<Kind>,
    /// The action a malformed or reused tracking number calls for.
    fake_tracking: Option<Action>,
    /// Days without carrier movement, set once the parcel counts as stuck.
    stale_days: Option<i64>,
}

impl Evidence {
    fn said(&self, kind: Kind) -> bool {
        self.seller_kinds.contains(&kind)
    }
}

/// One order judged on `today` under `rules`, with the messages about it.
struct Judge<'a> {
    order: &'a Order,
    messages: &'a [&'a Message],
    rules: &'a Rules,
    today: NaiveDate,
}

/// The finding of one order on `today`, or None when nothing is left to watch.
pub(crate) fn evaluate(
    order: &Order,
    messages: &[&Message],
    by_tracking: &HashMap<String, Vec<&Order>>,
    rules: &Rules,
    scanner: &risk::MessageScanner,
    today: NaiveDate,
) -> Option<Advice> {
    if order.closed() {
        return None;
    }
    let mut notes = Vec::new();
    let seller_kinds = scan_seller_messages(order, messages, scanner, &mut notes);
    let fake_tracking = check_tracking(order, by_tracking, rules, &mut notes);
    let stale_days = stale_days(order, rules, today, &mut notes);
    let evidence = Evidence {
        notes,
        seller_kinds,
        fake_tracking,
        stale_days,
    };
    let judge = Judge {
        order,
        messages,
        rules,
        today,
    };
    judge.decide(evidence)
}

/// What the seller said: the scanner decides, the context follows the order's state on
/// the day the message was sent. One note per signal kind, from its first message.
fn scan_seller_messages(
    order: &Order,
    messages: &[&Message],
    scanner: &risk::MessageScanner,
    notes: &mut Vec<String>,
) -> Vec<Kind> {
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
    seller_kinds
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

/// Tracking: the number's format and its reuse on other orders (a reuse outranks a bad
/// format, as the later finding).
fn check_tracking(
    order: &Order,
    by_tracking: &HashMap<String, Vec<&Order>>,
    rules: &Rules,
    notes: &mut Vec<String>,
) -> Option<Action> {
    let number = order.tracking.as_ref()?;
    // AliExpress disputes may open at once; eBay and Amazon claims only from the
    // estimated delivery date.
    let claim = if rules.marketplace == Marketplace::Aliexpress {
        "open a not-received dispute"
    } else {
        "claim not received as soon as the marketplace allows"
    };
    let mut fake_tracking = None;
    let check = risk::tracking::validate(number);
    if let Some(signal) = check.signal(number) {
        if !check.format_valid {
            notes.push(signal.explanation().to_string());
            fake_tracking = Some(action(
                Code::CheckTracking,
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
            Code::FakeTracking,
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
    fake_tracking
}

/// Days since the carrier's last event (else the shipment) of a shipped, undelivered
/// parcel, when that makes it stuck.
fn stale_days(
    order: &Order,
    rules: &Rules,
    today: NaiveDate,
    notes: &mut Vec<String>,
) -> Option<i64> {
    if order.delivered() {
        return None;
    }
    let shipped = order.shipped_at?;
    let last = order.tracking_updated_at.unwrap_or(shipped);
    let days = (today - last).num_days();
    risk::tracking::stale(
        u32::try_from(days).ok()?,
        u32::try_from(rules.stale_after_days).unwrap_or(u32::MAX),
    )?;
    // The marketplace's own words: the tracking check's sentence is AliExpress's.
    let next = match rules.marketplace {
        Marketplace::Aliexpress => {
            "ask the seller to extend protection, and open a not-received dispute once it has ended"
        }
        Marketplace::Ebay => {
            "ask the seller, and report it not received from the estimated delivery date"
        }
        Marketplace::Amazon => {
            "contact the seller, and file an A-to-z claim from the estimated delivery date"
        }
    };
    notes.push(format!(
        "no carrier movement for {} (limit {}): the parcel may never have been handed over; {next}",
        plural(days, "day"),
        rules.stale_after_days
    ));
    Some(days)
}

fn offsite() -> Action {
    action(
        Code::RefuseOffsitePayment,
        "the seller asked for payment outside the platform: do not pay, report the message; outside payments are not protected".into(),
    )
}

impl Judge<'_> {
    /// The state of the order picks the rule; the first that applies decides.
    fn decide(&self, mut evidence: Evidence) -> Option<Advice> {
        let order = self.order;
        // An open dispute: the seller's pressure first, then escalation.
        if order.dispute_open() {
            return Some(self.open_dispute(evidence));
        }
        if evidence.said(Kind::OffsitePayment) {
            let d = self.not_received_deadline();
            return Some(self.finding(d, Urgency::Now, offsite(), evidence.notes));
        }
        if let Some(delivered) = order.delivered_at {
            return self.delivered(delivered, evidence.notes);
        }
        if order.status == Some(Status::Completed) {
            return None;
        }
        if let Some(a) = evidence.fake_tracking.take() {
            let d = self.not_received_deadline();
            return Some(self.finding(d, Urgency::Now, a, evidence.notes));
        }
        if order.tracking_event == Some(protection::CarrierEventKind::Returned) {
            let d = self.not_received_deadline();
            return Some(self.finding(d, Urgency::Now, self.returned(), evidence.notes));
        }
        // Pressure to confirm, or a status of "delivered" the carrier never reported: the
        // buyer's protection ends with the confirmation, so nothing is confirmed unseen.
        if evidence.said(Kind::ConfirmReceiptPressure) || order.status == Some(Status::Delivered) {
            let d = self.not_received_deadline();
            return Some(self.finding(
                d,
                Urgency::Now,
                action(
                    Code::DoNotConfirm,
                    "do not confirm receipt: there is no delivery event".into(),
                ),
                evidence.notes,
            ));
        }
        if order.shipped_at.is_none() {
            return Some(self.not_shipped(evidence.notes));
        }
        self.in_transit(evidence)
    }

    /// The carrier sends the parcel back to the seller: it will not come.
    fn returned(&self) -> Action {
        let claim = if self.rules.marketplace == Marketplace::Aliexpress {
            "open a not-received dispute now"
        } else {
            "claim not received as soon as the marketplace allows"
        };
        action(
            Code::ParcelReturned,
            format!("the carrier is returning the parcel to the seller: {claim}"),
        )
    }

    fn finding(
        &self,
        deadline: Option<Deadline>,
        urgency: Urgency,
        action: Action,
        notes: Vec<String>,
    ) -> Advice {
        let order = self.order;
        // A passed deadline is overdue whatever the action: never "soon" or "later".
        let urgency = if deadline.is_some_and(|d| d.days_left < 0) {
            Urgency::Overdue
        } else {
            urgency
        };
        Advice {
            order_id: order.order_id.clone(),
            store: order.store.clone(),
            item: order.item.clone(),
            amount_minor: order.amount.map(Money::amount_minor),
            currency: order.amount.map(|m| m.currency().code()),
            deadline,
            urgency,
            action,
            notes,
        }
    }

    fn urgency_of(&self, d: &Deadline) -> Urgency {
        if d.days_left <= self.rules.urgent_days {
            Urgency::Now
        } else if d.days_left <= self.rules.soon_days {
            Urgency::Soon
        } else {
            Urgency::Later
        }
    }

    fn deadline(&self, kind: DeadlineKind, date: NaiveDate) -> Deadline {
        deadline(kind, date, self.today)
    }

    /// A dispute still open: keep it open against the seller's pressure, refuse an
    /// outside payment, escalate once allowed, else wait for the seller.
    fn open_dispute(&self, evidence: Evidence) -> Advice {
        let (rules, today) = (self.rules, self.today);
        let opened = self.order.dispute_opened_at.unwrap_or(today);
        let respond = self.deadline(
            DeadlineKind::SellerResponseDue,
            opened + Duration::days(rules.seller_response_days),
        );
        if evidence.said(Kind::DisputeClosurePressure) {
            return self.finding(
                Some(respond),
                Urgency::Now,
                action(
                    Code::KeepDisputeOpen,
                    "the seller asked you to close your dispute: keep it open, it cannot be reopened".into(),
                ),
                evidence.notes,
            );
        }
        if evidence.said(Kind::OffsitePayment) {
            return self.finding(Some(respond), Urgency::Now, offsite(), evidence.notes);
        }
        if self.order.dispute_status == Some(DisputeStatus::Escalated) {
            return self.finding(
                None,
                Urgency::Later,
                action(
                    Code::WaitForPlatform,
                    "the platform decides your escalated dispute: answer its questions and keep your evidence".into(),
                ),
                evidence.notes,
            );
        }
        let escalate = self.deadline(
            DeadlineKind::EscalationOpens,
            opened + Duration::days(rules.escalation_after_days),
        );
        if escalate.days_left <= 0 {
            return self.finding(
                Some(respond),
                Urgency::Soon,
                action(
                    Code::EscalateDispute,
                    format!(
                        "escalate the dispute to the platform if the seller has not offered a fair solution: it has been open for {}",
                        plural((today - opened).num_days(), "day")
                    ),
                ),
                evidence.notes,
            );
        }
        let next = if escalate.days_left > 0 {
            escalate
        } else {
            respond
        };
        self.finding(
            Some(next),
            Urgency::Later,
            action(
                Code::WaitForSeller,
                format!(
                    "wait for the seller's answer to your dispute; you may escalate {}",
                    when(escalate.days_left)
                ),
            ),
            evidence.notes,
        )
    }

    /// A delivered item: inspect it while a dispute about it is possible; nothing once
    /// that window has closed.
    fn delivered(&self, delivered: NaiveDate, mut notes: Vec<String>) -> Option<Advice> {
        let rules = self.rules;
        let promised = self.order.estimated_delivery(rules);
        let (last, claim) = match rules.marketplace {
            Marketplace::Aliexpress => {
                (self.aliexpress_dispute_by(delivered, promised), "a dispute")
            }
            // A-to-z: within `claim_window_days` of the latest estimated delivery date.
            Marketplace::Amazon => (
                promised + Duration::days(rules.claim_window_days),
                "an A-to-z claim",
            ),
            Marketplace::Ebay => (
                delivered + Duration::days(rules.post_delivery_days),
                "a return request",
            ),
        };
        let by = self.deadline(DeadlineKind::DisputeBy, last);
        if by.days_left < 0 {
            return None;
        }
        if delivered > promised && rules.marketplace == Marketplace::Aliexpress {
            notes.push(format!(
                "delivered {} after the promised date: the on-time guarantee owes you a compensation",
                plural((delivered - promised).num_days(), "day")
            ));
        }
        Some(self.finding(
            Some(by),
            self.urgency_of(&by),
            action(
                Code::InspectItem,
                format!(
                    "check the item now: {claim} about it is possible until {} ({})",
                    by.date,
                    when(by.days_left)
                ),
            ),
            notes,
        ))
    }

    /// AliExpress, by the engine's rules (`protection::Policy`): the order completes when
    /// protection ends (the auto-confirmation; a parcel delivered at or after the end
    /// gets inspection days from delivery), or, marked completed, when the buyer
    /// confirmed (the delivery day, the earliest that can have been); a dispute is
    /// possible until the post-completion window closes.
    fn aliexpress_dispute_by(&self, delivered: NaiveDate, promised: NaiveDate) -> NaiveDate {
        let policy = &self.rules.policy;
        let completed = if self.order.status == Some(Status::Completed) {
            moment(delivered)
        } else {
            policy.protection_ends_on_delivery(moment(promised), moment(delivered))
        };
        day_of(policy.dispute_window_closes(completed))
    }

    /// Not shipped yet: wait until the ship-by date, then cancel.
    fn not_shipped(&self, notes: Vec<String>) -> Advice {
        let rules = self.rules;
        let ship_by = self.deadline(
            DeadlineKind::ShipBy,
            self.order.paid_at + Duration::days(rules.handling_days),
        );
        if ship_by.days_left < 0 {
            return self.finding(
                Some(ship_by),
                Urgency::Now,
                action(
                    Code::CancelNotShipped,
                    format!(
                        "cancel the order for a full refund: the seller has not shipped within {} of payment",
                        plural(rules.handling_days, "day")
                    ),
                ),
                notes,
            );
        }
        self.finding(
            Some(ship_by),
            Urgency::Later,
            action(
                Code::WaitForShipment,
                format!("wait: the seller must ship {}", when(ship_by.days_left)),
            ),
            notes,
        )
    }

    /// Shipped and not delivered: the marketplace's not-received deadline decides.
    fn in_transit(&self, evidence: Evidence) -> Option<Advice> {
        let d = self.not_received_deadline()?;
        let stale_days = evidence.stale_days;
        let stuck = stale_days
            .map(|n| format!(" and the parcel has not moved for {}", plural(n, "day")))
            .unwrap_or_default();
        let (urgency, a) = match self.rules.marketplace {
            Marketplace::Aliexpress => self.protection_action(d, stale_days, &stuck),
            Marketplace::Ebay | Marketplace::Amazon => self.claim_action(d, stale_days, &stuck),
        };
        Some(self.finding(Some(d), urgency, a, evidence.notes))
    }

    /// AliExpress, by the engine's rules: protection ends on the promised date, and a
    /// not-received dispute opens once it has ended (at once for a parcel in doubt,
    /// which `check_tracking` handles); until then ask for an extension when the end
    /// comes near or the parcel is stuck. After the end, the on-time guarantee refunds
    /// in full `not_delivered_grace_days` later if nothing comes.
    fn protection_action(
        &self,
        d: Deadline,
        stale_days: Option<i64>,
        stuck: &str,
    ) -> (Urgency, Action) {
        let rules = self.rules;
        if d.days_left < 0 {
            let refund = d.date + Duration::days(rules.policy.not_delivered_grace_days);
            (
                Urgency::Now,
                action(
                    Code::OpenDisputeNow,
                    format!(
                        "open a not-received dispute now: protection ended {} without a delivery; if nothing comes, the on-time guarantee refunds you in full on {refund}",
                        plural(-d.days_left, "day")
                    ),
                ),
            )
        } else if d.days_left <= rules.soon_days {
            let urgency = if d.days_left <= rules.urgent_days || stale_days.is_some() {
                Urgency::Now
            } else {
                Urgency::Soon
            };
            (
                urgency,
                action(
                    Code::AskExtension,
                    format!(
                        "ask the seller to extend protection: it ends {} and the parcel {}; a not-received dispute opens once it has ended",
                        when(d.days_left),
                        match stale_days {
                            Some(n) => format!("has not moved for {}", plural(n, "day")),
                            None => "has not arrived".to_string(),
                        }
                    ),
                ),
            )
        } else {
            (
                Urgency::Later,
                action(
                    Code::WaitForDelivery,
                    format!(
                        "wait for the parcel: protection ends {}{stuck}",
                        when(d.days_left)
                    ),
                ),
            )
        }
    }

    /// eBay and Amazon: a not-received claim opens on the estimated delivery date and
    /// closes `claim_window_days` later; Amazon wants the seller contacted first.
    fn claim_action(&self, d: Deadline, stale_days: Option<i64>, stuck: &str) -> (Urgency, Action) {
        let rules = self.rules;
        match (rules.marketplace, d.kind) {
            (_, DeadlineKind::ClaimOpens) => match stale_days {
                Some(n) => (
                    Urgency::Soon,
                    action(
                        Code::AskSellerForNews,
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
                        Code::WaitForDelivery,
                        format!(
                            "wait for the parcel: if it has not come, a not-received claim is possible {}",
                            when(d.days_left)
                        ),
                    ),
                ),
            },
            (_, DeadlineKind::SellerResponseDue) => (
                Urgency::Later,
                action(
                    Code::WaitForSeller,
                    format!(
                        "wait for the seller's answer; file an A-to-z claim {} if the parcel has not come",
                        when(d.days_left)
                    ),
                ),
            ),
            _ if d.days_left < 0 => (
                Urgency::Now,
                action(
                    Code::ClaimWindowClosed,
                    format!(
                        "the claim window closed {}: ask the {} support for an exception with the order number",
                        plural(-d.days_left, "day"),
                        if rules.marketplace == Marketplace::Ebay { "eBay" } else { "Amazon" }
                    ),
                ),
            ),
            // The contact-by date has passed but the window has not: open through its
            // last day.
            (Marketplace::Amazon, DeadlineKind::ClaimBy) if self.amazon_contacted().is_none() => (
                Urgency::Now,
                action(
                    Code::ContactSeller,
                    format!(
                        "contact the seller about the missing parcel and file an A-to-z claim now: the window ends {}{stuck}",
                        when(d.days_left)
                    ),
                ),
            ),
            (Marketplace::Amazon, DeadlineKind::ContactSellerBy) => (
                self.urgency_of(&d).min(Urgency::Soon),
                action(
                    Code::ContactSeller,
                    format!(
                        "contact the seller about the missing parcel now: an A-to-z claim needs it and {} of waiting{stuck}",
                        plural(rules.contact_wait_days, "day")
                    ),
                ),
            ),
            (Marketplace::Ebay, _) => (
                self.urgency_of(&d).min(Urgency::Soon),
                action(
                    Code::FileClaimNow,
                    format!(
                        "report the item not received on eBay now: the window ends {}{stuck}",
                        when(d.days_left)
                    ),
                ),
            ),
            _ => (
                self.urgency_of(&d).min(Urgency::Soon),
                action(
                    Code::FileClaimNow,
                    format!(
                        "file an A-to-z claim now: the window ends {}{stuck}",
                        when(d.days_left)
                    ),
                ),
            ),
        }
    }

    /// The next not-received deadline of an undelivered order. For Amazon a claim needs
    /// a contact with the seller (a buyer message after the estimated delivery date) and
    /// `contact_wait_days` of waiting.
    fn not_received_deadline(&self) -> Option<Deadline> {
        let rules = self.rules;
        let edd = self.order.estimated_delivery(rules);
        match rules.marketplace {
            Marketplace::Aliexpress => Some(self.deadline(DeadlineKind::ProtectionEnds, edd)),
            Marketplace::Ebay | Marketplace::Amazon => {
                let claim_by = edd + Duration::days(rules.claim_window_days);
                if self.today < edd {
                    return Some(self.deadline(DeadlineKind::ClaimOpens, edd));
                }
                if rules.marketplace == Marketplace::Amazon && self.today <= claim_by {
                    return Some(self.amazon_contact_deadline(claim_by));
                }
                Some(self.deadline(DeadlineKind::ClaimBy, claim_by))
            }
        }
    }

    /// The buyer's first message to the seller from the estimated delivery date on.
    fn amazon_contacted(&self) -> Option<NaiveDate> {
        let edd = self.order.estimated_delivery(self.rules);
        self.messages
            .iter()
            .filter(|m| m.sender == risk::Sender::Buyer && m.sent_at >= edd)
            .map(|m| m.sent_at)
            .min()
    }

    /// Amazon between the estimated delivery date and the end of the claim window
    /// (open through its last day): contact the seller, wait `contact_wait_days`,
    /// claim; a contact too late to wait the days out claims by the window's end.
    fn amazon_contact_deadline(&self, claim_by: NaiveDate) -> Deadline {
        let wait = Duration::days(self.rules.contact_wait_days);
        match self.amazon_contacted() {
            None if self.today <= claim_by - wait => {
                self.deadline(DeadlineKind::ContactSellerBy, claim_by - wait)
            }
            Some(c) if self.today < c + wait && c + wait <= claim_by => {
                self.deadline(DeadlineKind::SellerResponseDue, c + wait)
            }
            _ => self.deadline(DeadlineKind::ClaimBy, claim_by),
        }
    }
}
