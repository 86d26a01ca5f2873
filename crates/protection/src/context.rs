//! What every rule reads (`Ctx`: the order, who acts, when, under which policy) and
//! writes (`Decision`), and the helpers they share: the order's ledger accounts, the
//! permission check, the invalid-state refusal.

use domain::{Money, OrderId, Timestamp, TransferId};
use ledger::{AccountId, AccountKind, Clawback, Code, Op, Transfer};

use crate::command::{Command, Timer};
use crate::order::{Actor, Event, Order};
use crate::policy::Policy;
use crate::rejection::Rejection;

/// One command on an existing order, with everything its rule reads.
pub(crate) struct Ctx<'a> {
    pub(crate) order: &'a Order,
    pub(crate) actor: &'a Actor,
    /// The command's name, for refusals.
    pub(crate) command: &'static str,
    pub(crate) now: Timestamp,
    pub(crate) policy: &'a Policy,
    pub(crate) accounts: Accounts<'a>,
    /// The order's buyer, or the platform acting for them.
    pub(crate) is_buyer: bool,
    /// The order's seller, or the platform acting for them.
    pub(crate) is_seller: bool,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(
        order: &'a Order,
        command: &Command,
        actor: &'a Actor,
        now: Timestamp,
        policy: &'a Policy,
    ) -> Ctx<'a> {
        let platform = *actor == Actor::Platform;
        Ctx {
            order,
            actor,
            command: command.name(),
            now,
            policy,
            accounts: Accounts::of(order),
            is_buyer: platform || matches!(actor, Actor::Buyer(b) if *b == order.buyer),
            is_seller: platform || matches!(actor, Actor::Seller(s) if *s == order.seller),
        }
    }

    /// Refuses the command for this actor unless `ok`.
    pub(crate) fn permit(&self, ok: bool) -> Result<(), Rejection> {
        permit(ok, self.actor, self.command)
    }

    /// The command does not fit the order's status; `hint` says what would.
    pub(crate) fn invalid(&self, hint: &'static str) -> Rejection {
        Rejection::InvalidState {
            command: self.command,
            status: self.order.status.as_str(),
            hint,
        }
    }
}

/// Everything one command causes. The engine stores it in one transaction.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Decision {
    pub events: Vec<Event>,
    pub transfers: Vec<Transfer>,
    /// Money to take back from the seller; split by balances on the locked book.
    pub clawbacks: Vec<Clawback>,
    pub timers: Vec<Timer>,
}

/// Ledger accounts of one order, and the ids of its transfers. Ids derive from the
/// order so that a retried command produces the very same transfers.
pub(crate) struct Accounts<'a> {
    order: &'a OrderId,
    pub(crate) buyer: AccountId,
    pub(crate) escrow: AccountId,
    pub(crate) seller_payable: AccountId,
    pub(crate) seller_available: AccountId,
    pub(crate) compensation: AccountId,
    pub(crate) guarantee_fund: AccountId,
    pub(crate) seller_debt: AccountId,
    pub(crate) return_shipping: AccountId,
}

impl<'a> Accounts<'a> {
    pub(crate) fn of(o: &'a Order) -> Accounts<'a> {
        let c = o.currency;
        Accounts {
            order: &o.id,
            buyer: AccountId::new(AccountKind::BuyerFunding, o.buyer.as_str(), c),
            escrow: AccountId::new(AccountKind::OrderEscrow, o.id.as_str(), c),
            seller_payable: AccountId::new(AccountKind::SellerPayable, o.seller.as_str(), c),
            seller_available: AccountId::new(AccountKind::SellerAvailable, o.seller.as_str(), c),
            compensation: AccountId::new(AccountKind::CompensationExpense, "platform", c),
            guarantee_fund: AccountId::new(AccountKind::GuaranteeFund, "platform", c),
            seller_debt: AccountId::new(AccountKind::SellerDebt, o.seller.as_str(), c),
            return_shipping: AccountId::new(AccountKind::ReturnShippingExpense, "platform", c),
        }
    }

    pub(crate) fn id(&self, what: &str) -> TransferId {
        transfer_id(self.order, what)
    }

    /// Voids the escrow hold; `what` names the transfer.
    pub(crate) fn void_hold(&self, what: &str) -> Transfer {
        self.t(
            what,
            Op::VoidPending {
                pending: self.id("hold"),
            },
            Code::Void,
        )
    }

    /// Moves money out of the order's escrow (after the hold was voided).
    pub(crate) fn out_of_escrow(
        &self,
        what: &str,
        to: &AccountId,
        amount: Money,
        code: Code,
    ) -> Transfer {
        self.t(
            what,
            Op::Posted {
                debit: self.escrow.clone(),
                credit: to.clone(),
                amount,
            },
            code,
        )
    }

    pub(crate) fn t(&self, what: &str, op: Op, code: Code) -> Transfer {
        Transfer {
            id: self.id(what),
            op,
            code,
            order: Some(self.order.clone()),
        }
    }
}

/// `order-id:what`; transfer ids are allowed twice an order id's length, so it fits.
pub fn transfer_id(order: &OrderId, what: &str) -> TransferId {
    TransferId::parse(&format!("{order}:{what}")).expect("order id + suffix is a valid transfer id")
}

pub(crate) fn money(minor: i64, o: &Order) -> Money {
    Money::from_minor(minor, o.currency).expect("non-negative")
}

/// Refuses `command` for `actor` unless `ok`.
pub(crate) fn permit(ok: bool, actor: &Actor, command: &'static str) -> Result<(), Rejection> {
    if ok {
        Ok(())
    } else {
        Err(Rejection::NotPermitted {
            actor: actor.to_string(),
            command,
        })
    }
}
