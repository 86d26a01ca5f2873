//! The rules' entry point: `decide(order, command, actor, now, policy)` returns the
//! events, the ledger transfers and the deadlines a command causes, or the rule that
//! refuses it. It only dispatches: each command family has its module.

use domain::{OrderId, Timestamp};

use crate::command::{Command, Scan};
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
        (None, Command::Place { .. }) => return lifecycle::place(command, actor, policy),
        (None, _) => return Err(Rejection::UnknownOrder(order_id.clone())),
        (Some(o), _) => o,
    };
    let c = Ctx::new(o, command, actor, now, policy);
    match command {
        Command::Place { .. } => unreachable!("handled above"),
        Command::Pay { amount, three_ds } => lifecycle::pay(&c, *amount, three_ds),
        Command::Ship { tracking } => lifecycle::ship(&c, tracking),
        Command::Weigh { grams } => lifecycle::weigh(&c, *grams),
        Command::Deliver { country } => lifecycle::deliver(&c, *country),
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
