//! Why a command was refused: one variant per refusal, each naming its rule.

use domain::OrderId;

/// Why a command was refused. Each names the rule; nothing changes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("order {0} does not exist")]
    UnknownOrder(OrderId),
    #[error("order {0} already exists")]
    OrderExists(OrderId),
    #[error("rule invalid_state: cannot {command} an order that is {status}{hint}")]
    InvalidState {
        command: &'static str,
        status: &'static str,
        hint: &'static str,
    },
    #[error("rule permission: {actor} may not {command} this order")]
    NotPermitted {
        actor: String,
        command: &'static str,
    },
    #[error("rule currency: {got} given, but the order is in {expected}")]
    WrongCurrency { got: String, expected: String },
    #[error("rule exact_amount: payment of {got} does not match the order total {expected}")]
    WrongAmount { got: String, expected: String },
    #[error(
        "rule three_ds: payment not captured, 3-D Secure result {0} is not accepted by policy"
    )]
    NotAuthenticated(String),
    #[error("rule acknowledge_no_delivery: there is no delivery event yet; confirming receipt ends your buyer protection and must be acknowledged explicitly")]
    NeedsAcknowledgement,
    #[error("rule invalid_input: {0}")]
    InvalidInput(String),
    #[error("rule extension_limit: {0}")]
    ExtensionLimit(String),
    #[error("rule {rule}: {why}")]
    Rule { rule: &'static str, why: String },
}
