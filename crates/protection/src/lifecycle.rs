//! The rules of the order lifecycle: place, pay, ship, weigh, deliver, confirm, cancel,
//! extend the protection period, leave feedback, and the deadlines that act alone.

use domain::{Country, Money, Timestamp, TrackingNumber};
use ledger::{Code, Op};

use crate::command::{
    CarrierEvent, CarrierEventKind, Command, Evidence, ThreeDs, Timer, TimerKind,
    CARRIER_LOCATION_BYTES_MAX, EVIDENCE_PER_DISPUTE_MAX, FEEDBACK_TEXT_BYTES_MAX,
};
use crate::context::{money, permit, Ctx, Decision};
use crate::dispute;
use crate::order::{Actor, CancelReason, Event, Order, Status};
use crate::policy::{Policy, THREE_DS_EXEMPTIONS};
use crate::rejection::Rejection;

/// Takes the payment into escrow and holds it for the seller, if 3-D Secure (or an
/// exemption the policy accepts, up to its cap) backs it.
///
/// As with a payment provider's webhook, the result comes from the platform's payment
/// side, which heard it from the provider: a buyer's key that reports one is refused
/// (`three_ds_source`), since a buyer would declare itself authenticated.
pub(crate) fn pay(c: &Ctx<'_>, amount: Money, three_ds: &ThreeDs) -> Result<Decision, Rejection> {
    let (o, a, now, policy) = (c.order, &c.accounts, c.now, c.policy);
    let mut d = Decision::default();
    if matches!(c.actor, Actor::Buyer(_)) {
        c.permit(c.is_buyer)?;
        return Err(Rejection::ThreeDsFromBuyer);
    }
    c.permit(*c.actor == Actor::Platform)?;
    if o.status != Status::Placed {
        return Err(c.invalid(": it was paid already"));
    }
    if amount.currency() != o.currency {
        return Err(Rejection::WrongCurrency {
            got: amount.currency().to_string(),
            expected: o.currency.to_string(),
        });
    }
    if amount != o.total() {
        return Err(Rejection::WrongAmount {
            got: amount.to_string(),
            expected: o.total().to_string(),
        });
    }
    check_three_ds(three_ds, amount, policy)?;
    let ship_by = now.plus_days(o.handling_days);
    d.events.push(Event::Paid {
        amount_minor: amount.amount_minor(),
        three_ds: three_ds.as_string(),
        ship_by_ms: ship_by.unix_ms(),
    });
    d.transfers.push(a.t(
        "capture",
        Op::Posted {
            debit: a.buyer.clone(),
            credit: a.escrow.clone(),
            amount,
        },
        Code::Capture,
    ));
    d.transfers.push(a.t(
        "hold",
        Op::Pending {
            debit: a.escrow.clone(),
            credit: a.seller_payable.clone(),
            amount,
        },
        Code::Hold,
    ));
    d.timers.push(Timer {
        kind: TimerKind::HandlingDeadline,
        due: ship_by,
    });
    Ok(d)
}

/// An authenticated payment, or an exemption that is known, allowed by the policy and
/// within its cap in the payment's currency.
fn check_three_ds(three_ds: &ThreeDs, amount: Money, policy: &Policy) -> Result<(), Rejection> {
    let ThreeDs::Exempt(name) = three_ds else {
        return match three_ds {
            ThreeDs::Authenticated => Ok(()),
            _ => Err(Rejection::NotAuthenticated(three_ds.as_string())),
        };
    };
    if !THREE_DS_EXEMPTIONS.contains(&name.as_str()) {
        return Err(Rejection::UnknownExemption(name.clone()));
    }
    if !policy.allowed_3ds_exemptions.contains(name) {
        return Err(Rejection::NotAuthenticated(three_ds.as_string()));
    }
    let max = policy.three_ds_exemption_max(amount.currency());
    if amount.amount_minor() > max.amount_minor() {
        return Err(Rejection::ExemptionLimit {
            exemption: name.clone(),
            amount: amount.to_string(),
            max: max.to_string(),
        });
    }
    Ok(())
}

/// The seller ships: the protection period and the on-time guarantee start.
pub(crate) fn ship(c: &Ctx<'_>, tracking: &TrackingNumber) -> Result<Decision, Rejection> {
    let (o, now, policy) = (c.order, c.now, c.policy);
    let mut d = Decision::default();
    c.permit(c.is_seller)?;
    if o.status != Status::Paid {
        let hint = if o.status == Status::Placed {
            ": wait until it is paid"
        } else {
            ""
        };
        return Err(c.invalid(hint));
    }
    let promised = policy.promised_at(now, o.promised_days, o.destination_country.as_deref());
    let guarantee = promised.plus_days(policy.not_delivered_grace_days);
    d.events.push(Event::Shipped {
        tracking: tracking.to_string(),
        promised_ms: promised.unix_ms(),
        protection_ends_ms: promised.unix_ms(),
        guarantee_ms: guarantee.unix_ms(),
    });
    d.timers.push(Timer {
        kind: TimerKind::ProtectionEnds,
        due: promised,
    });
    d.timers.push(Timer {
        kind: TimerKind::GuaranteeDeadline,
        due: guarantee,
    });
    d.timers.push(Timer {
        kind: TimerKind::ParcelStale,
        due: now.plus_days(policy.parcel_stale_days),
    });
    Ok(d)
}

/// The heaviest parcel a weight may claim, in grams (a tonne): beyond it a figure is a
/// mistake or an attack, not a parcel.
pub const WEIGHT_GRAMS_MAX: i64 = 1_000_000;

/// The carrier weighed the parcel.
pub(crate) fn weigh(c: &Ctx<'_>, grams: i64) -> Result<Decision, Rejection> {
    let (o, now, policy) = (c.order, c.now, c.policy);
    let mut d = Decision::default();
    c.permit(matches!(c.actor, Actor::Carrier | Actor::Platform))?;
    if !matches!(o.status, Status::Shipped | Status::Delivered) {
        return Err(c.invalid(": the carrier weighs a parcel in its care"));
    }
    if !(1..=WEIGHT_GRAMS_MAX).contains(&grams) {
        return Err(Rejection::InvalidInput(format!(
            "weight {grams} g must be 1 to {WEIGHT_GRAMS_MAX} grams"
        )));
    }
    d.events.push(Event::Weighed { grams });
    d.timers.push(Timer {
        kind: TimerKind::ParcelStale,
        due: now.plus_days(policy.parcel_stale_days),
    });
    Ok(d)
}

/// The carrier delivered (`deliver`, a delivery without a scan): the same path as a
/// `delivered` carrier event.
pub(crate) fn deliver(c: &Ctx<'_>, country: Option<Country>) -> Result<Decision, Rejection> {
    c.permit(matches!(c.actor, Actor::Carrier | Actor::Platform))?;
    let mut d = Decision::default();
    delivery(c, &mut d, country, None)?;
    Ok(d)
}

/// A carrier's scan: recorded, and movement for the stale-parcel deadline. A
/// `delivered` scan delivers the order (the delivery checks then compare its country
/// with the order's); during an open dispute every scan is also evidence for the agent,
/// and a delivery does not close the dispute.
pub(crate) fn carrier_event(c: &Ctx<'_>, e: &CarrierEvent) -> Result<Decision, Rejection> {
    let (o, now, policy) = (c.order, c.now, c.policy);
    c.permit(matches!(
        c.actor,
        Actor::Carrier | Actor::Platform | Actor::Agent(_)
    ))?;
    let (Some(shipped), Some(shipped_at)) = (o.tracking.as_deref(), o.shipped_at) else {
        return Err(c.invalid(": there is no shipment to track"));
    };
    if !matches!(
        o.status,
        Status::Shipped | Status::Delivered | Status::Disputed
    ) {
        return Err(c.invalid(": carrier events are recorded from shipment until completion"));
    }
    if domain::normalize_tracking(shipped) != e.tracking.as_str() {
        return Err(Rejection::TrackingMismatch {
            got: e.tracking.to_string(),
            shipped: shipped.to_string(),
        });
    }
    let location = check_location(e.location.as_deref())?;
    let at = e.scanned_at.unwrap_or(now);
    if at > now {
        return Err(Rejection::InvalidInput(format!(
            "scanned_at {at} is after the time the event is reported ({now})"
        )));
    }
    if at < shipped_at {
        return Err(Rejection::InvalidInput(format!(
            "scanned_at {at} is before the shipment ({shipped_at})"
        )));
    }
    let mut d = Decision::default();
    d.events.push(Event::CarrierScanned {
        kind: e.kind,
        tracking: e.tracking.to_string(),
        country: e.country.to_string(),
        location: location.clone(),
        scanned_ms: at.unix_ms(),
    });
    if e.kind == CarrierEventKind::Delivered {
        delivery(c, &mut d, Some(e.country), Some(at))?;
    } else if o.delivered_at.is_none() {
        d.timers.push(Timer {
            kind: TimerKind::ParcelStale,
            due: at.plus_days(policy.parcel_stale_days),
        });
    }
    let room = o
        .dispute
        .as_ref()
        .filter(|x| x.is_open())
        .is_some_and(|x| x.evidence.len() < EVIDENCE_PER_DISPUTE_MAX);
    if room {
        let place = match &location {
            Some(l) => format!("{} ({l})", e.country),
            None => e.country.to_string(),
        };
        d.events.push(Event::EvidenceAdded {
            evidence: vec![Evidence::Text {
                text: format!(
                    "carrier event {} in {place} at {at}, tracking {}",
                    e.kind.as_str(),
                    e.tracking
                ),
            }],
        });
    }
    Ok(d)
}

/// A carrier event's free-text place: trimmed, not empty, no control characters, at
/// most `CARRIER_LOCATION_BYTES_MAX` bytes.
fn check_location(location: Option<&str>) -> Result<Option<String>, Rejection> {
    let Some(l) = location.map(str::trim) else {
        return Ok(None);
    };
    if l.is_empty() || l.len() > CARRIER_LOCATION_BYTES_MAX || l.chars().any(char::is_control) {
        return Err(Rejection::InvalidInput(format!(
            "location must be 1 to {CARRIER_LOCATION_BYTES_MAX} bytes of text without control characters"
        )));
    }
    Ok(Some(l.to_string()))
}

/// The parcel reached its address at `scanned_at` (the command's time when None):
/// late compensation, and time to inspect a parcel that came after the protection
/// period. A shipped order becomes delivered; during an open dispute the delivery is
/// recorded and the dispute goes on.
fn delivery(
    c: &Ctx<'_>,
    d: &mut Decision,
    country: Option<Country>,
    scanned_at: Option<Timestamp>,
) -> Result<(), Rejection> {
    let (o, a, policy) = (c.order, &c.accounts, c.policy);
    if o.delivered_at.is_some() {
        return Err(c.invalid(": the parcel was delivered already"));
    }
    let disputed = o.status == Status::Disputed && o.shipped_at.is_some();
    if o.status != Status::Shipped && !disputed {
        return Err(c.invalid(""));
    }
    let at = scanned_at.unwrap_or(c.now);
    let promised = o.promised_at.expect("shipped orders have a promised date");
    let late = at > promised;
    d.events.push(Event::Delivered {
        country: country.map(String::from),
        late,
        delivered_ms: scanned_at.map(Timestamp::unix_ms),
    });
    if late && policy.late_compensation_hundredths > 0 {
        let amount = money(
            o.currency.minor_per_major() * policy.late_compensation_hundredths / 100,
            o,
        );
        if !amount.is_zero() {
            d.events.push(Event::LateCompensated {
                amount_minor: amount.amount_minor(),
            });
            d.transfers.push(a.t(
                "late-compensation",
                Op::Posted {
                    debit: a.compensation.clone(),
                    credit: a.buyer.clone(),
                    amount,
                },
                Code::Compensation,
            ));
        }
    }
    // Delivered after the protection period: the buyer still gets time to look
    // at the parcel before it is confirmed for them.
    let ends = o.protection_ends_at.expect("shipped orders have one");
    let inspect_until = policy.protection_ends_on_delivery(ends, at);
    if inspect_until != ends {
        let guarantee = o.guarantee_at.expect("shipped").max(inspect_until);
        d.events.push(Event::ProtectionExtended {
            days: ends.days_until(inspect_until),
            protection_ends_ms: inspect_until.unix_ms(),
            guarantee_ms: guarantee.unix_ms(),
            reason: "delivered after the protection period: time to inspect".into(),
        });
        d.timers.push(Timer {
            kind: TimerKind::ProtectionEnds,
            due: inspect_until,
        });
    }
    Ok(())
}

/// The buyer confirms receipt, early only when acknowledging that protection ends.
pub(crate) fn confirm_receipt(
    c: &Ctx<'_>,
    acknowledge_no_delivery: bool,
) -> Result<Decision, Rejection> {
    let o = c.order;
    let mut d = Decision::default();
    c.permit(c.is_buyer)?;
    let early = match o.status {
        Status::Delivered => false,
        Status::Shipped | Status::Paid => true,
        _ => return Err(c.invalid("")),
    };
    if early && !acknowledge_no_delivery {
        return Err(Rejection::NeedsAcknowledgement);
    }
    let warning = early.then(|| {
        "confirmed before any delivery event: buyer protection for this order ended at the buyer's request".to_string()
    });
    release(c, &mut d, Some(warning));
    Ok(d)
}

/// Cancels an order not shipped yet and refunds what was captured.
pub(crate) fn cancel(c: &Ctx<'_>) -> Result<Decision, Rejection> {
    let o = c.order;
    let mut d = Decision::default();
    let reason = match c.actor {
        Actor::Buyer(_) if c.is_buyer => CancelReason::BuyerRequest,
        Actor::Seller(_) if c.is_seller => CancelReason::SellerRequest,
        Actor::Platform => CancelReason::PlatformRequest,
        _ => return c.permit(false).map(|()| d),
    };
    if !matches!(o.status, Status::Placed | Status::Paid) {
        return Err(c.invalid(": only orders not yet shipped can be cancelled"));
    }
    refund_all(c, &mut d, reason);
    Ok(d)
}

/// The buyer asks the seller for a longer protection period.
pub(crate) fn request_extension(c: &Ctx<'_>, days: i64) -> Result<Decision, Rejection> {
    let mut d = Decision::default();
    c.permit(c.is_buyer)?;
    check_extension(c, days)?;
    d.events.push(Event::ExtensionRequested { days });
    Ok(d)
}

/// The seller extends the protection period and the guarantee.
pub(crate) fn grant_extension(c: &Ctx<'_>, days: i64) -> Result<Decision, Rejection> {
    let o = c.order;
    let mut d = Decision::default();
    c.permit(c.is_seller)?;
    check_extension(c, days)?;
    let ends = o
        .protection_ends_at
        .expect("checked: shipped")
        .plus_days(days);
    let guarantee = o.guarantee_at.expect("shipped").plus_days(days);
    d.events.push(Event::ProtectionExtended {
        days,
        protection_ends_ms: ends.unix_ms(),
        guarantee_ms: guarantee.unix_ms(),
        reason: "granted by the seller".into(),
    });
    d.timers.push(Timer {
        kind: TimerKind::ProtectionEnds,
        due: ends,
    });
    d.timers.push(Timer {
        kind: TimerKind::GuaranteeDeadline,
        due: guarantee,
    });
    Ok(d)
}

/// The buyer rates a completed order.
/// `detail` holds the optional ratings of the item as described, the communication
/// and the shipping speed.
pub(crate) fn leave_feedback(
    c: &Ctx<'_>,
    stars: i64,
    detail: [Option<i64>; 3],
    text: &str,
) -> Result<Decision, Rejection> {
    let [item_as_described, communication, shipping_speed] = detail;
    let o = c.order;
    let mut d = Decision::default();
    c.permit(c.is_buyer)?;
    if !matches!(o.status, Status::Completed | Status::Resolved) {
        return Err(c.invalid(": feedback comes after completion"));
    }
    if o.feedback_stars.is_some() {
        return Err(Rejection::OneFeedback(o.id.clone()));
    }
    let in_range = |name: &str, v: i64| {
        if (1..=5).contains(&v) {
            Ok(())
        } else {
            Err(Rejection::InvalidInput(format!(
                "{name} {v} must be 1 to 5"
            )))
        }
    };
    in_range("stars", stars)?;
    for (name, v) in [
        ("item_as_described", item_as_described),
        ("communication", communication),
        ("shipping_speed", shipping_speed),
    ] {
        if let Some(v) = v {
            in_range(name, v)?;
        }
    }
    if text.len() > FEEDBACK_TEXT_BYTES_MAX {
        return Err(Rejection::InvalidInput(format!(
            "feedback text is longer than {FEEDBACK_TEXT_BYTES_MAX} bytes"
        )));
    }
    d.events.push(Event::FeedbackLeft {
        stars,
        item_as_described,
        communication,
        shipping_speed,
        text: text.to_string(),
    });
    Ok(d)
}

/// A deadline fired; only the `system` actor fires them.
pub(crate) fn fire_timer(c: &Ctx<'_>, kind: TimerKind) -> Result<Decision, Rejection> {
    c.permit(*c.actor == Actor::System)?;
    let mut d = Decision::default();
    fire(c, &mut d, kind);
    Ok(d)
}

pub(crate) fn place(
    command: &Command,
    actor: &Actor,
    policy: &Policy,
) -> Result<Decision, Rejection> {
    let Command::Place {
        buyer,
        seller,
        price,
        shipping,
        handling_days,
        promised_days,
        destination_country,
        options,
    } = command
    else {
        unreachable!("only place")
    };
    permit(
        *actor == Actor::Platform || *actor == Actor::Buyer(buyer.clone()),
        actor,
        command.name(),
    )?;
    if price.currency() != shipping.currency() {
        return Err(Rejection::WrongCurrency {
            got: shipping.currency().to_string(),
            expected: price.currency().to_string(),
        });
    }
    price
        .checked_add(*shipping)
        .map_err(|e| Rejection::InvalidInput(format!("order total: {e}")))?;
    if price.is_zero() {
        return Err(Rejection::InvalidInput("price must be above zero".into()));
    }
    if let Some(g) = options
        .weight_grams
        .filter(|g| !(1..=WEIGHT_GRAMS_MAX).contains(g))
    {
        // Regression: weights of 0 or -1 grams were accepted, and the carrier-weight
        // check then compared a parcel with nothing.
        return Err(Rejection::InvalidInput(format!(
            "weight_grams {g} must be 1 to {WEIGHT_GRAMS_MAX} grams"
        )));
    }
    let handling = handling_days.unwrap_or(policy.handling_days_default);
    if !(1..=90).contains(&handling) {
        return Err(Rejection::InvalidInput(format!(
            "handling_days {handling} must be 1 to 90"
        )));
    }
    if !(1..=365).contains(promised_days) {
        return Err(Rejection::InvalidInput(format!(
            "promised_days {promised_days} must be 1 to 365"
        )));
    }
    Ok(Decision {
        events: vec![Event::Placed {
            buyer: buyer.to_string(),
            seller: seller.to_string(),
            currency: price.currency().to_string(),
            price_minor: price.amount_minor(),
            shipping_minor: shipping.amount_minor(),
            handling_days: handling,
            promised_days: *promised_days,
            destination_country: destination_country.map(String::from),
            eu_consumer: options.eu_consumer,
            choice: options.choice,
            legal_guarantee: options.legal_guarantee,
            guaranteed_genuine: options.guaranteed_genuine,
            weight_grams: options.weight_grams,
        }],
        ..Decision::default()
    })
}

fn check_extension(c: &Ctx<'_>, days: i64) -> Result<(), Rejection> {
    let (o, policy) = (c.order, c.policy);
    if !matches!(o.status, Status::Shipped | Status::Delivered) {
        return Err(c.invalid(
            ": protection can be extended once the order is shipped and until it completes",
        ));
    }
    if !(1..=policy.extension_days_max).contains(&days) {
        return Err(Rejection::ExtensionLimit(format!(
            "an extension is 1 to {} days, not {days}",
            policy.extension_days_max
        )));
    }
    if o.extension_days_total + days > policy.extension_days_total_max {
        return Err(Rejection::ExtensionLimit(format!(
            "extensions may add at most {} days in all; {} used",
            policy.extension_days_total_max, o.extension_days_total
        )));
    }
    Ok(())
}

/// Releases the held escrow to the seller and starts the payout hold.
fn release(c: &Ctx<'_>, d: &mut Decision, confirmed: Option<Option<String>>) {
    let (o, a, now, policy) = (c.order, &c.accounts, c.now, c.policy);
    let held = o.held_minor();
    let payout = policy.dispute_window_closes(now);
    if held > 0 {
        d.transfers.push(a.t(
            "release",
            Op::PostPending {
                pending: a.id("hold"),
                amount: money(held, o),
            },
            Code::Release,
        ));
    }
    d.events.push(match confirmed {
        Some(warning) => Event::Confirmed {
            early: warning.is_some(),
            warning,
            released_minor: held,
            payout_ms: payout.unix_ms(),
        },
        None => Event::AutoConfirmed {
            released_minor: held,
            payout_ms: payout.unix_ms(),
        },
    });
    d.timers.push(Timer {
        kind: TimerKind::PayoutHoldEnds,
        due: payout,
    });
}

/// Voids the hold and returns everything captured to the buyer.
fn refund_all(c: &Ctx<'_>, d: &mut Decision, reason: CancelReason) {
    let (o, a) = (c.order, &c.accounts);
    let held = o.held_minor();
    if o.captured_minor > 0 {
        d.transfers.push(a.void_hold("void"));
    }
    if held > 0 {
        d.transfers
            .push(a.out_of_escrow("refund", &a.buyer, money(held, o), Code::Refund));
    }
    d.events.push(Event::Cancelled {
        reason,
        refunded_minor: held,
    });
}

/// The order is in an open dispute that began before `milestone` (shipment, delivery)
/// and before any completion: a buyer who had stayed silent would be refunded by the
/// deadline now firing, so the disputing buyer is too.
fn disputed_before(o: &Order, milestone: Option<domain::Timestamp>) -> bool {
    o.status == Status::Disputed
        && milestone.is_none()
        && o.completed_at.is_none()
        && o.dispute.as_ref().is_some_and(|x| x.is_open())
}

/// A deadline fired. It acts only if it is still due: an extension or an earlier
/// command may have made it moot, and then it does nothing.
fn fire(c: &Ctx<'_>, d: &mut Decision, kind: TimerKind) {
    let (o, a, now, policy) = (c.order, &c.accounts, c.now, c.policy);
    match kind {
        TimerKind::ParcelStale => {
            // Counted from the latest scan; a delivered parcel is never stale.
            let last = o.last_carrier_at.or(o.shipped_at);
            let quiet = last.is_some_and(|t| t.plus_days(policy.parcel_stale_days) <= now);
            let moving = o.status == Status::Shipped && o.delivered_at.is_none();
            if moving && quiet && !o.parcel_stale {
                let days = last.map_or(0, |t| (now.unix_ms() - t.unix_ms()) / domain::MS_PER_DAY);
                d.events.push(Event::ParcelStale {
                    days_without_movement: days,
                });
            }
        }
        TimerKind::HandlingDeadline => {
            if o.ship_by.is_some_and(|t| t <= now) {
                if o.status == Status::Paid {
                    refund_all(c, d, CancelReason::NotShippedInTime);
                } else if disputed_before(o, o.shipped_at) {
                    // A buyer is never worse off for having disputed.
                    dispute::refund_by_rule(c, d, "not_shipped_in_time");
                }
            }
        }
        TimerKind::ProtectionEnds => {
            // A parcel in doubt is not confirmed for the seller: the agent who clears
            // it sets this deadline again (`close_case`).
            if o.status == Status::Delivered
                && o.protection_ends_at.is_some_and(|t| t <= now)
                && !o.parcel_in_doubt()
            {
                release(c, d, None);
            }
        }
        TimerKind::GuaranteeDeadline => {
            if o.guarantee_at.is_some_and(|t| t <= now) {
                if o.status == Status::Shipped {
                    refund_all(c, d, CancelReason::NotDeliveredInTime);
                } else if o.shipped_at.is_some() && disputed_before(o, o.delivered_at) {
                    // A buyer is never worse off for having disputed: the seller's
                    // rejection (a tracking number, say) does not stop the guarantee.
                    dispute::refund_by_rule(c, d, "on_time_guarantee");
                }
            }
        }
        TimerKind::PayoutHoldEnds => {
            let due = o.payout_at.is_some_and(|t| t <= now);
            // What was taken back before the payout came out of the payable account.
            let owed = o.released_minor - o.clawed_back_minor - o.paid_out_minor;
            let settled = matches!(o.status, Status::Completed | Status::Resolved);
            if settled && due && owed > 0 {
                d.events.push(Event::PaidOut { amount_minor: owed });
                d.transfers.push(a.t(
                    "payout",
                    Op::Posted {
                        debit: a.seller_payable.clone(),
                        credit: a.seller_available.clone(),
                        amount: money(owed, o),
                    },
                    Code::Payout,
                ));
            }
        }
        TimerKind::SellerResponseDue
        | TimerKind::AutoEscalate
        | TimerKind::ReturnShipDeadline
        | TimerKind::RefundAfterReturn
        | TimerKind::ReturnOverdue
        | TimerKind::EscalationDeadline => dispute::fire(c, d, kind),
    }
}
