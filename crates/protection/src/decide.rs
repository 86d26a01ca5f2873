//! The rules' entry point: `decide(order, command, actor, now, policy)` returns the
//! events, the ledger transfers and the deadlines a command causes, or the rule that
//! refuses it. It only dispatches: each command family has its module.

use domain::{Currency, OrderId, Timestamp};

use crate::command::{Command, Scan, TimerKind};
use crate::context::{Ctx, Decision};
use crate::order::{Actor, Order};
use crate::policy::Policy;
use crate::rejection::Rejection;
use crate::{dispute, lifecycle, messages};

/// Decides a command against the current state (None for an order not placed yet).
pub fn decide(
    order: Option<&Order>,
    order_id: &OrderId,
    command: &Command,
    actor: &Actor,
    now: Timestamp,
    policy: &Policy,
) -> Result<Decision, Rejection> {
    let o = match (order, command) {
        (Some(_), Command::Place { .. }) => return Err(Rejection::OrderExists(order_id.clone())),
        (None, Command::Place { .. }) => {
            check_amounts(command, None, policy)?;
            return lifecycle::place(command, actor, policy);
        }
        (None, _) => return Err(Rejection::UnknownOrder(order_id.clone())),
        (Some(o), _) => o,
    };
    check_amounts(command, Some(o.currency), policy)?;
    let c = Ctx::new(o, command, actor, now, policy);
    match command {
        Command::Place { .. } => unreachable!("handled above"),
        Command::Pay { amount, three_ds } => lifecycle::pay(&c, *amount, three_ds),
        Command::Ship { tracking } => lifecycle::ship(&c, tracking),
        Command::Weigh { grams } => lifecycle::weigh(&c, *grams),
        Command::Deliver { country } => lifecycle::deliver(&c, *country),
        Command::CarrierEvent(e) => lifecycle::carrier_event(&c, e),
        Command::ConfirmReceipt {
            acknowledge_no_delivery,
        } => lifecycle::confirm_receipt(&c, *acknowledge_no_delivery),
        Command::Cancel => lifecycle::cancel(&c),
        Command::RequestExtension { days } => lifecycle::request_extension(&c, *days),
        Command::GrantExtension { days } => lifecycle::grant_extension(&c, *days),
        Command::Fire(kind) => lifecycle::fire_timer(&c, *kind),
        Command::Dispute(command) => dispute::decide(&c, command),
        Command::PostMessage { .. } => Err(Rejection::InvalidInput(
            "the message has not been scanned (the engine scans it)".into(),
        )),
        Command::CloseCase {
            case_id,
            label,
            note,
        } => messages::close_case(&c, case_id, *label, note),
        Command::LeaveFeedback {
            stars,
            item_as_described,
            communication,
            shipping_speed,
            text,
        } => lifecycle::leave_feedback(
            &c,
            *stars,
            [*item_as_described, *communication, *shipping_speed],
            text,
        ),
    }
}

/// Whether a deadline of `kind`, firing at `at` on the order as it is now, would
/// still act: a shipment, an extension, an escalation or a closed dispute makes a
/// deadline moot, and a moot deadline does nothing when it fires. The same rules
/// decide it as fire it.
pub fn deadline_acts(order: &Order, kind: TimerKind, at: Timestamp, policy: &Policy) -> bool {
    decide(
        Some(order),
        &order.id,
        &Command::Fire(kind),
        &Actor::System,
        at,
        policy,
    )
    .is_ok_and(|d| !d.events.is_empty())
}

/// Every amount of a command is in the order's currency (`currency`; a new order's is
/// its price's) and within the policy's limit (`amount_limit`), and so is a new order's
/// total: the rules below may then add and compare amounts without overflow.
fn check_amounts(
    command: &Command,
    order_currency: Option<Currency>,
    policy: &Policy,
) -> Result<(), Rejection> {
    let amounts = command.amounts();
    let Some(currency) = order_currency.or(amounts.first().map(|(_, m)| m.currency())) else {
        return Ok(());
    };
    let max = policy.amount_max(currency);
    let over = |field, amount: String| Rejection::AmountLimit {
        field,
        amount,
        max: max.to_string(),
    };
    for &(field, m) in &amounts {
        if m.currency() != currency {
            return Err(Rejection::WrongCurrency {
                got: m.currency().to_string(),
                expected: currency.to_string(),
            });
        }
        if m.amount_minor() > max.amount_minor() {
            return Err(over(field, m.to_string()));
        }
    }
    if let Command::Place {
        price, shipping, ..
    } = command
    {
        match price.checked_add(*shipping) {
            Ok(total) if total.amount_minor() <= max.amount_minor() => {}
            Ok(total) => return Err(over("price", format!("plus shipping {total}"))),
            Err(_) => return Err(over("price", format!("{price} plus shipping {shipping}"))),
        }
    }
    Ok(())
}

/// Decides a posted message with the scan the engine made of it. `decide` refuses a
/// `PostMessage`: the scan is an argument here, never part of the command, so a
/// message's sender cannot supply its own.
pub fn decide_message(
    order: Option<&Order>,
    order_id: &OrderId,
    command: &Command,
    actor: &Actor,
    now: Timestamp,
    scan: &Scan,
    policy: &Policy,
) -> Result<Decision, Rejection> {
    let Command::PostMessage { id, from, text } = command else {
        return Err(Rejection::InvalidInput(format!(
            "{} is not a message: only messages are decided with a scan",
            command.name()
        )));
    };
    let Some(o) = order else {
        return Err(Rejection::UnknownOrder(order_id.clone()));
    };
    messages::post(
        &Ctx::new(o, command, actor, now, policy),
        id,
        *from,
        text,
        scan,
    )
}
