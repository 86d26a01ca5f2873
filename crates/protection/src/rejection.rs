//! Why a command was refused: one variant per refusal, each naming its rule.
//!
//! `rule()` is the stable name clients see in problem details (`rule`); the text
//! (`Display`) is `rule NAME: why`, for people. The name is written once, in `rule()`,
//! and the text is built from it, so the two cannot drift apart.

use std::fmt;

use domain::{OrderId, Timestamp};

/// Why a command was refused. Each names the rule; nothing changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    UnknownOrder(OrderId),
    OrderExists(OrderId),
    InvalidState {
        command: &'static str,
        status: &'static str,
        hint: &'static str,
    },
    NotPermitted {
        actor: String,
        command: &'static str,
    },
    WrongCurrency {
        got: String,
        expected: String,
    },
    WrongAmount {
        got: String,
        expected: String,
    },
    /// An amount above the policy's limit for its currency.
    AmountLimit {
        /// The command's field: `price`, `amount`, `requested`, ...
        field: &'static str,
        amount: String,
        max: String,
    },
    NotAuthenticated(String),
    /// A buyer's key reported a 3-D Secure result: only the platform's payment side
    /// reports what the payment provider said.
    ThreeDsFromBuyer,
    /// `exempt:NAME` with a name that is no 3-D Secure exemption.
    UnknownExemption(String),
    /// An exemption asked for a payment above the policy's cap in its currency.
    ExemptionLimit {
        exemption: String,
        amount: String,
        max: String,
    },
    NeedsAcknowledgement,
    InvalidInput(String),
    ExtensionLimit(String),
    /// The buyer left feedback on this order already.
    OneFeedback(OrderId),
    /// A message id is used once per order.
    MessageIdTaken {
        order: OrderId,
        id: String,
    },
    NoOpenCase {
        order: OrderId,
        case_id: String,
    },
    /// A refund asked, offered or decided is zero or more than what is left.
    RefundExceeds {
        /// `the requested refund`, `the offered refund`, `the decided refund`.
        what: &'static str,
        amount: String,
        left: String,
    },
    NoOpenDispute(OrderId),
    /// An order has at most one dispute in its life.
    OneDispute(OrderId),
    DisputeWindow(Window),
    EuWithdrawal(Withdrawal),
    DisputeStage(WrongStage),
    SellerResponseDeadline {
        days: i64,
    },
    RejectNeedsEvidence,
    DisputeRounds {
        max: i64,
    },
    EscalationWait {
        days: i64,
        from: Timestamp,
    },
    /// An agent's decision cannot be a withdrawal.
    AgentWithdrawal,
    ConfirmWithdrawal,
    ReturnShipDeadline {
        ship_by: Timestamp,
    },
    /// A carrier event for another tracking number than the order's shipment.
    TrackingMismatch {
        got: String,
        shipped: String,
    },
}

/// Why a dispute cannot be opened now (`dispute_window`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Window {
    /// The order's status allows no dispute.
    Status(&'static str),
    /// The window after completion closed (and no legal guarantee applies).
    AfterCompletion { days: i64, closes: Timestamp },
    /// `not_received` before the promised delivery date.
    BeforePromisedDate(Option<Timestamp>),
    /// Any other reason before delivery; holds the reason's name.
    BeforeDelivery(&'static str),
}

/// Why the EU right of withdrawal does not apply (`eu_withdrawal`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withdrawal {
    NotDelivered,
    NotEuConsumer,
    PeriodEnded { days: i64 },
}

/// A dispute command that does not fit where the dispute stands (`dispute_stage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrongStage {
    NotAwaitingSeller,
    NoOfferToAccept,
    NoOfferToAnswer,
    WithPlatformOrReturn,
    NotEscalated,
    NoReturnAgreed,
    ReturnShippedAlready,
    NoReturnOnItsWay,
    NoReturnShipped,
}

impl Rejection {
    /// The rule's stable name, as the API returns it; None when no rule refused the
    /// command (the order does not exist, or exists already).
    pub fn rule(&self) -> Option<&'static str> {
        Some(match self {
            Rejection::UnknownOrder(_) | Rejection::OrderExists(_) => return None,
            Rejection::InvalidState { .. } => "invalid_state",
            Rejection::NotPermitted { .. } => "permission",
            Rejection::WrongCurrency { .. } => "currency",
            Rejection::WrongAmount { .. } => "exact_amount",
            Rejection::AmountLimit { .. } => "amount_limit",
            Rejection::NotAuthenticated(_) => "three_ds",
            Rejection::ThreeDsFromBuyer => "three_ds_source",
            Rejection::UnknownExemption(_) => "three_ds_exemption",
            Rejection::ExemptionLimit { .. } => "three_ds_exemption_limit",
            Rejection::NeedsAcknowledgement => "acknowledge_no_delivery",
            Rejection::InvalidInput(_) => "invalid_input",
            Rejection::ExtensionLimit(_) => "extension_limit",
            Rejection::OneFeedback(_) => "one_feedback",
            Rejection::MessageIdTaken { .. } => "message_id_unique",
            Rejection::NoOpenCase { .. } => "case_open",
            Rejection::RefundExceeds { .. } => "refund_exceeds",
            Rejection::NoOpenDispute(_) => "no_open_dispute",
            Rejection::OneDispute(_) => "one_dispute",
            Rejection::DisputeWindow(_) => "dispute_window",
            Rejection::EuWithdrawal(_) => "eu_withdrawal",
            Rejection::DisputeStage(_) => "dispute_stage",
            Rejection::SellerResponseDeadline { .. } => "seller_response_deadline",
            Rejection::RejectNeedsEvidence => "reject_needs_evidence",
            Rejection::DisputeRounds { .. } => "dispute_rounds",
            Rejection::EscalationWait { .. } => "escalation_wait",
            Rejection::AgentWithdrawal => "decision",
            Rejection::ConfirmWithdrawal => "confirm_withdrawal",
            Rejection::ReturnShipDeadline { .. } => "return_ship_deadline",
            Rejection::TrackingMismatch { .. } => "tracking",
        })
    }

    /// What the rule says, after `rule NAME: `.
    fn why(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::UnknownOrder(id) => write!(f, "order {id} does not exist"),
            Rejection::OrderExists(id) => write!(f, "order {id} already exists"),
            Rejection::InvalidState {
                command,
                status,
                hint,
            } => write!(f, "cannot {command} an order that is {status}{hint}"),
            Rejection::NotPermitted { actor, command } => {
                write!(f, "{actor} may not {command} this order")
            }
            Rejection::WrongCurrency { got, expected } => {
                write!(f, "{got} given, but the order is in {expected}")
            }
            Rejection::WrongAmount { got, expected } => write!(
                f,
                "payment of {got} does not match the order total {expected}"
            ),
            Rejection::AmountLimit { field, amount, max } => {
                write!(f, "{field} {amount} is above the limit of {max}")
            }
            Rejection::NotAuthenticated(result) => write!(
                f,
                "payment not captured, 3-D Secure result {result} is not accepted by policy"
            ),
            Rejection::ThreeDsFromBuyer => f.write_str(
                "a buyer's key cannot report a 3-D Secure result: the platform's payment side (a platform key) reports what the payment provider said",
            ),
            Rejection::UnknownExemption(name) => write!(
                f,
                "{name:?} is not a 3-D Secure exemption of PSD2's RTS (Delegated Regulation (EU) 2018/389)"
            ),
            Rejection::ExemptionLimit {
                exemption,
                amount,
                max,
            } => write!(
                f,
                "the {exemption} exemption covers payments up to {max}; {amount} needs 3-D Secure authentication"
            ),
            Rejection::NeedsAcknowledgement => f.write_str("there is no delivery event yet; confirming receipt ends your buyer protection and must be acknowledged explicitly"),
            Rejection::InvalidInput(why) | Rejection::ExtensionLimit(why) => f.write_str(why),
            Rejection::OneFeedback(order) => write!(f, "order {order} has feedback already"),
            Rejection::MessageIdTaken { order, id } => {
                write!(f, "order {order} already has a message {id}")
            }
            Rejection::NoOpenCase { order, case_id } => {
                write!(f, "order {order} has no open case {case_id}")
            }
            Rejection::RefundExceeds { what, amount, left } => write!(
                f,
                "{what} of {amount} must be above zero and at most the {left} left to refund"
            ),
            Rejection::NoOpenDispute(order) => write!(f, "order {order} has no open dispute"),
            Rejection::OneDispute(order) => write!(
                f,
                "order {order} already had a dispute; a closed dispute cannot be reopened"
            ),
            Rejection::DisputeWindow(w) => fmt::Display::fmt(w, f),
            Rejection::EuWithdrawal(w) => fmt::Display::fmt(w, f),
            Rejection::DisputeStage(s) => fmt::Display::fmt(s, f),
            Rejection::SellerResponseDeadline { days } => {
                write!(f, "the {days}-day response time has passed")
            }
            Rejection::RejectNeedsEvidence => {
                f.write_str("a seller rejecting a dispute must give evidence")
            }
            Rejection::DisputeRounds { max } => {
                write!(f, "after {max} rounds, escalate to the platform")
            }
            Rejection::EscalationWait { days, from } => write!(
                f,
                "the buyer may escalate {days} days after opening, from {from}"
            ),
            Rejection::AgentWithdrawal => f.write_str("only the buyer withdraws a dispute"),
            Rejection::ConfirmWithdrawal => f.write_str("a closed dispute cannot be reopened and buyer protection for this order ends: confirm explicitly"),
            Rejection::ReturnShipDeadline { ship_by } => {
                write!(f, "the return had to ship by {ship_by}")
            }
            Rejection::TrackingMismatch { got, shipped } => write!(
                f,
                "the carrier event is for tracking number {got}, but the order was shipped with {shipped}"
            ),
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(rule) = self.rule() {
            write!(f, "rule {rule}: ")?;
        }
        self.why(f)
    }
}

impl std::error::Error for Rejection {}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Window::Status(status) => write!(f, "an order that is {status} cannot be disputed"),
            Window::AfterCompletion { days, closes } => write!(
                f,
                "the {days}-day dispute window after completion closed on {closes}"
            ),
            Window::BeforePromisedDate(promised) => {
                let p = promised.map(|p| p.to_string()).unwrap_or_default();
                write!(
                    f,
                    "not_received can be opened once the promised delivery date ({p}) has passed"
                )
            }
            Window::BeforeDelivery(reason) => write!(f, "{reason} can be opened after delivery"),
        }
    }
}

impl fmt::Display for Withdrawal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Withdrawal::NotDelivered => f.write_str(
                "the right of withdrawal runs from delivery; there is no delivery event",
            ),
            Withdrawal::NotEuConsumer => {
                f.write_str("the right of withdrawal applies to EU consumers")
            }
            Withdrawal::PeriodEnded { days } => write!(
                f,
                "the {days}-day withdrawal period after delivery has ended"
            ),
        }
    }
}

impl fmt::Display for WrongStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WrongStage::NotAwaitingSeller => {
                "the seller can respond only while the dispute awaits the seller"
            }
            WrongStage::NoOfferToAccept => "there is no offer to accept",
            WrongStage::NoOfferToAnswer => "there is no offer to answer",
            WrongStage::WithPlatformOrReturn => {
                "the dispute is already with the platform or in a return"
            }
            WrongStage::NotEscalated => "an agent decides escalated disputes",
            WrongStage::NoReturnAgreed => "no return was agreed",
            WrongStage::ReturnShippedAlready => "the return was shipped already",
            WrongStage::NoReturnOnItsWay => "no return is on its way",
            WrongStage::NoReturnShipped => "no return has been shipped",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each refusal's text and rule name must be what clients saw before the refusals
    /// were typed, when the server read the name back out of the text.
    fn check(cases: &[(Rejection, &str)]) {
        for (rejection, text) in cases {
            assert_eq!(rejection.to_string(), *text);
            let from_text = text
                .strip_prefix("rule ")
                .and_then(|rest| rest.split_once(':'))
                .map(|(name, _)| name);
            assert_eq!(rejection.rule(), from_text, "{text}");
        }
    }

    fn order() -> OrderId {
        OrderId::parse("o-1").unwrap()
    }

    #[test]
    fn order_refusals() {
        let order = order();
        check(&[
            (Rejection::UnknownOrder(order.clone()), "order o-1 does not exist"),
            (Rejection::OrderExists(order.clone()), "order o-1 already exists"),
            (
                Rejection::InvalidState { command: "pay", status: "paid", hint: ": it was paid already" },
                "rule invalid_state: cannot pay an order that is paid: it was paid already",
            ),
            (
                Rejection::NotPermitted { actor: "carrier".into(), command: "pay" },
                "rule permission: carrier may not pay this order",
            ),
            (
                Rejection::WrongCurrency { got: "USD".into(), expected: "EUR".into() },
                "rule currency: USD given, but the order is in EUR",
            ),
            (
                Rejection::WrongAmount { got: "1.00 EUR".into(), expected: "2.00 EUR".into() },
                "rule exact_amount: payment of 1.00 EUR does not match the order total 2.00 EUR",
            ),
            (
                Rejection::AmountLimit { field: "price", amount: "2000000.00 USD".into(), max: "1000000.00 USD".into() },
                "rule amount_limit: price 2000000.00 USD is above the limit of 1000000.00 USD",
            ),
            (
                Rejection::NotAuthenticated("failed".into()),
                "rule three_ds: payment not captured, 3-D Secure result failed is not accepted by policy",
            ),
            (
                Rejection::ThreeDsFromBuyer,
                "rule three_ds_source: a buyer's key cannot report a 3-D Secure result: the platform's payment side (a platform key) reports what the payment provider said",
            ),
            (
                Rejection::UnknownExemption("made_up".into()),
                "rule three_ds_exemption: \"made_up\" is not a 3-D Secure exemption of PSD2's RTS (Delegated Regulation (EU) 2018/389)",
            ),
            (
                Rejection::ExemptionLimit { exemption: "low_value".into(), amount: "9000.00 USD".into(), max: "30.00 USD".into() },
                "rule three_ds_exemption_limit: the low_value exemption covers payments up to 30.00 USD; 9000.00 USD needs 3-D Secure authentication",
            ),
            (
                Rejection::NeedsAcknowledgement,
                "rule acknowledge_no_delivery: there is no delivery event yet; confirming receipt ends your buyer protection and must be acknowledged explicitly",
            ),
            (Rejection::InvalidInput("bad".into()), "rule invalid_input: bad"),
            (Rejection::ExtensionLimit("too long".into()), "rule extension_limit: too long"),
            (Rejection::OneFeedback(order.clone()), "rule one_feedback: order o-1 has feedback already"),
            (
                Rejection::MessageIdTaken { order: order.clone(), id: "m1".into() },
                "rule message_id_unique: order o-1 already has a message m1",
            ),
            (
                Rejection::NoOpenCase { order: order.clone(), case_id: "o-1:m1".into() },
                "rule case_open: order o-1 has no open case o-1:m1",
            ),
        ]);
    }

    #[test]
    fn dispute_refusals() {
        let order = order();
        let at = Timestamp::from_unix_ms(0);
        let escalate =
            format!("rule escalation_wait: the buyer may escalate 7 days after opening, from {at}");
        let ship_by = format!("rule return_ship_deadline: the return had to ship by {at}");
        check(&[
            (
                Rejection::RefundExceeds { what: "the offered refund", amount: "9.00 EUR".into(), left: "5.00 EUR".into() },
                "rule refund_exceeds: the offered refund of 9.00 EUR must be above zero and at most the 5.00 EUR left to refund",
            ),
            (Rejection::NoOpenDispute(order.clone()), "rule no_open_dispute: order o-1 has no open dispute"),
            (
                Rejection::OneDispute(order.clone()),
                "rule one_dispute: order o-1 already had a dispute; a closed dispute cannot be reopened",
            ),
            (
                Rejection::SellerResponseDeadline { days: 3 },
                "rule seller_response_deadline: the 3-day response time has passed",
            ),
            (
                Rejection::RejectNeedsEvidence,
                "rule reject_needs_evidence: a seller rejecting a dispute must give evidence",
            ),
            (Rejection::DisputeRounds { max: 3 }, "rule dispute_rounds: after 3 rounds, escalate to the platform"),
            (
                Rejection::EscalationWait { days: 7, from: at },
                &escalate,
            ),
            (Rejection::AgentWithdrawal, "rule decision: only the buyer withdraws a dispute"),
            (
                Rejection::ConfirmWithdrawal,
                "rule confirm_withdrawal: a closed dispute cannot be reopened and buyer protection for this order ends: confirm explicitly",
            ),
            (
                Rejection::ReturnShipDeadline { ship_by: at },
                &ship_by,
            ),
        ]);
    }

    #[test]
    fn dispute_window_withdrawal_and_stage_refusals() {
        let at = Timestamp::from_unix_ms(0);
        let closed = format!(
            "rule dispute_window: the 30-day dispute window after completion closed on {at}"
        );
        let promised = format!(
            "rule dispute_window: not_received can be opened once the promised delivery date ({at}) has passed"
        );
        check(&[
            (
                Rejection::DisputeWindow(Window::Status("placed")),
                "rule dispute_window: an order that is placed cannot be disputed",
            ),
            (
                Rejection::DisputeWindow(Window::AfterCompletion { days: 30, closes: at }),
                &closed,
            ),
            (
                Rejection::DisputeWindow(Window::BeforePromisedDate(None)),
                "rule dispute_window: not_received can be opened once the promised delivery date () has passed",
            ),
            (
                Rejection::DisputeWindow(Window::BeforePromisedDate(Some(at))),
                &promised,
            ),
            (
                Rejection::DisputeWindow(Window::BeforeDelivery("damaged")),
                "rule dispute_window: damaged can be opened after delivery",
            ),
            (
                Rejection::EuWithdrawal(Withdrawal::NotDelivered),
                "rule eu_withdrawal: the right of withdrawal runs from delivery; there is no delivery event",
            ),
            (
                Rejection::EuWithdrawal(Withdrawal::NotEuConsumer),
                "rule eu_withdrawal: the right of withdrawal applies to EU consumers",
            ),
            (
                Rejection::EuWithdrawal(Withdrawal::PeriodEnded { days: 14 }),
                "rule eu_withdrawal: the 14-day withdrawal period after delivery has ended",
            ),
            (
                Rejection::DisputeStage(WrongStage::NotAwaitingSeller),
                "rule dispute_stage: the seller can respond only while the dispute awaits the seller",
            ),
            (Rejection::DisputeStage(WrongStage::NoOfferToAccept), "rule dispute_stage: there is no offer to accept"),
            (Rejection::DisputeStage(WrongStage::NoOfferToAnswer), "rule dispute_stage: there is no offer to answer"),
            (
                Rejection::DisputeStage(WrongStage::WithPlatformOrReturn),
                "rule dispute_stage: the dispute is already with the platform or in a return",
            ),
            (Rejection::DisputeStage(WrongStage::NotEscalated), "rule dispute_stage: an agent decides escalated disputes"),
            (Rejection::DisputeStage(WrongStage::NoReturnAgreed), "rule dispute_stage: no return was agreed"),
            (Rejection::DisputeStage(WrongStage::ReturnShippedAlready), "rule dispute_stage: the return was shipped already"),
            (Rejection::DisputeStage(WrongStage::NoReturnOnItsWay), "rule dispute_stage: no return is on its way"),
            (Rejection::DisputeStage(WrongStage::NoReturnShipped), "rule dispute_stage: no return has been shipped"),
        ]);
    }
}
