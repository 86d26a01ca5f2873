//! The rules: `decide(order, command, actor, now, policy)` returns the events, the
//! ledger transfers and the deadlines a command causes, or the rule that refuses it.

use domain::{BuyerId, Money, OrderId, SellerId, Timestamp, TransferId};
use ledger::{AccountId, AccountKind, Clawback, Code, Op, Transfer};

use crate::dispute::{self, DisputeCommand};
use crate::order::{Actor, CancelReason, Event, Order, Status};
use crate::policy::Policy;

/// Longest tracking number accepted; real ones are at most about 35 characters.
pub const TRACKING_BYTES_MAX: usize = 40;

/// 3-D Secure outcome reported by the payment provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreeDs {
    Authenticated,
    Attempted,
    Failed,
    NotEnrolled,
    /// An exemption claimed by the acquirer, such as `low_value`.
    Exempt(String),
}

impl ThreeDs {
    pub fn parse(s: &str) -> Option<ThreeDs> {
        Some(match s {
            "authenticated" => ThreeDs::Authenticated,
            "attempted" => ThreeDs::Attempted,
            "failed" => ThreeDs::Failed,
            "not_enrolled" => ThreeDs::NotEnrolled,
            _ => ThreeDs::Exempt(s.strip_prefix("exempt:")?.to_string()),
        })
    }

    pub fn as_string(&self) -> String {
        match self {
            ThreeDs::Authenticated => "authenticated".into(),
            ThreeDs::Attempted => "attempted".into(),
            ThreeDs::Failed => "failed".into(),
            ThreeDs::NotEnrolled => "not_enrolled".into(),
            ThreeDs::Exempt(e) => format!("exempt:{e}"),
        }
    }
}

/// Deadlines the engine stores and the timer loop fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimerKind {
    /// The seller's handling time ran out: cancel and refund if not shipped.
    HandlingDeadline,
    /// The protection period ended: auto-confirm if delivered.
    ProtectionEnds,
    /// The on-time guarantee: refund in full if still not delivered.
    GuaranteeDeadline,
    /// The post-completion window closed: released money becomes available.
    PayoutHoldEnds,
    /// The seller did not answer a dispute in time: the request is granted.
    SellerResponseDue,
    /// Day 15 of a dispute: it goes to the platform by itself.
    AutoEscalate,
    /// The buyer did not ship the return in time: the dispute closes for the seller.
    ReturnShipDeadline,
    /// 10 days after the return was delivered: refund even without the seller.
    RefundAfterReturn,
    /// A shipped return that never arrives goes to the platform.
    ReturnOverdue,
    /// No carrier event for `parcel_stale_days`: the parcel is marked stale.
    ParcelStale,
}

impl TimerKind {
    pub const ALL: [TimerKind; 10] = [
        TimerKind::HandlingDeadline,
        TimerKind::ProtectionEnds,
        TimerKind::GuaranteeDeadline,
        TimerKind::PayoutHoldEnds,
        TimerKind::SellerResponseDue,
        TimerKind::AutoEscalate,
        TimerKind::ReturnShipDeadline,
        TimerKind::RefundAfterReturn,
        TimerKind::ReturnOverdue,
        TimerKind::ParcelStale,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TimerKind::HandlingDeadline => "handling_deadline",
            TimerKind::ProtectionEnds => "protection_ends",
            TimerKind::GuaranteeDeadline => "guarantee_deadline",
            TimerKind::PayoutHoldEnds => "payout_hold_ends",
            TimerKind::SellerResponseDue => "seller_response_due",
            TimerKind::AutoEscalate => "auto_escalate",
            TimerKind::ReturnShipDeadline => "return_ship_deadline",
            TimerKind::RefundAfterReturn => "refund_after_return",
            TimerKind::ReturnOverdue => "return_overdue",
            TimerKind::ParcelStale => "parcel_stale",
        }
    }

    pub fn parse(s: &str) -> Option<TimerKind> {
        TimerKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timer {
    pub kind: TimerKind,
    pub due: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Place {
        buyer: BuyerId,
        seller: SellerId,
        price: Money,
        shipping: Money,
        handling_days: Option<i64>,
        promised_days: i64,
        destination_country: Option<String>,
        options: OrderOptions,
    },
    Pay {
        amount: Money,
        three_ds: ThreeDs,
    },
    Ship {
        tracking: String,
    },
    Deliver {
        country: Option<String>,
    },
    /// The carrier reports the parcel's weight in grams.
    Weigh {
        grams: i64,
    },
    ConfirmReceipt {
        /// Must be true when there is no delivery event yet: the buyer acknowledges
        /// that confirming ends buyer protection.
        acknowledge_no_delivery: bool,
    },
    Cancel,
    RequestExtension {
        days: i64,
    },
    GrantExtension {
        days: i64,
    },
    /// A deadline fired; only the `system` actor sends these.
    Fire(TimerKind),
    Dispute(DisputeCommand),
    /// A chat message on the order. `from` is needed when the platform posts for a
    /// party; buyers and sellers post as themselves. The engine scans the text (the
    /// `risk` crate's message scanner) and decides it with `decide_message`.
    PostMessage {
        id: String,
        from: Option<crate::Party>,
        text: String,
    },
    /// An agent closes a case with a finding: the message was a scam or a false alarm.
    CloseCase {
        case_id: String,
        label: crate::CaseLabel,
        note: String,
    },
    /// The buyer's feedback on a completed order: 1 to 5 stars, optional detailed
    /// ratings (1 to 5) and text.
    LeaveFeedback {
        stars: i64,
        item_as_described: Option<i64>,
        communication: Option<i64>,
        shipping_speed: Option<i64>,
        text: String,
    },
}

/// Longest feedback text, in bytes.
pub const FEEDBACK_TEXT_BYTES_MAX: usize = 2000;

/// Terms set when an order is placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrderOptions {
    /// The buyer is an EU consumer: 14-day withdrawal and the legal guarantee apply.
    pub eu_consumer: bool,
    /// A Choice order: the platform pays return shipping.
    pub choice: bool,
    /// The item is eligible for the 2-year EU legal guarantee.
    pub legal_guarantee: bool,
    /// What the items ordered weigh, in grams (the listing's weight times the
    /// quantity), when known: a carrier weight far from it is ship-and-switch.
    pub weight_grams: Option<i64>,
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Place { .. } => "place",
            Command::Pay { .. } => "pay",
            Command::Ship { .. } => "ship",
            Command::Deliver { .. } => "deliver",
            Command::Weigh { .. } => "weigh",
            Command::ConfirmReceipt { .. } => "confirm_receipt",
            Command::Cancel => "cancel",
            Command::RequestExtension { .. } => "request_extension",
            Command::GrantExtension { .. } => "grant_extension",
            Command::Fire(_) => "fire_timer",
            Command::Dispute(c) => c.name(),
            Command::LeaveFeedback { .. } => "leave_feedback",
            Command::PostMessage { .. } => "post_message",
            Command::CloseCase { .. } => "close_case",
        }
    }
}

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
    compensation: AccountId,
    pub(crate) guarantee_fund: AccountId,
    pub(crate) seller_debt: AccountId,
    pub(crate) return_shipping: AccountId,
}

impl<'a> Accounts<'a> {
    fn of(o: &'a Order) -> Accounts<'a> {
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

fn money(minor: i64, o: &Order) -> Money {
    Money::from_minor(minor, o.currency).expect("non-negative")
}

fn invalid(command: &Command, status: Status, hint: &'static str) -> Rejection {
    Rejection::InvalidState {
        command: command.name(),
        status: status.as_str(),
        hint,
    }
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
        (None, Command::Place { .. }) => return place(order_id, command, actor, policy),
        (None, _) => return Err(Rejection::UnknownOrder(order_id.clone())),
        (Some(o), _) => o,
    };
    let is_buyer = matches!(actor, Actor::Buyer(b) if *b == o.buyer) || *actor == Actor::Platform;
    let is_seller =
        matches!(actor, Actor::Seller(s) if *s == o.seller) || *actor == Actor::Platform;
    let a = Accounts::of(o);
    let mut d = Decision::default();
    match command {
        Command::Place { .. } => unreachable!("handled above"),
        Command::Pay { amount, three_ds } => {
            permit(is_buyer, actor, command.name())?;
            if o.status != Status::Placed {
                return Err(invalid(command, o.status, ": it was paid already"));
            }
            if amount.currency() != o.currency {
                return Err(Rejection::WrongCurrency {
                    got: amount.currency().to_string(),
                    expected: o.currency.to_string(),
                });
            }
            if *amount != o.total() {
                return Err(Rejection::WrongAmount {
                    got: amount.to_string(),
                    expected: o.total().to_string(),
                });
            }
            let accepted = match three_ds {
                ThreeDs::Authenticated => true,
                ThreeDs::Exempt(e) => policy.allowed_3ds_exemptions.contains(e),
                _ => false,
            };
            if !accepted {
                return Err(Rejection::NotAuthenticated(three_ds.as_string()));
            }
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
                    amount: *amount,
                },
                Code::Capture,
            ));
            d.transfers.push(a.t(
                "hold",
                Op::Pending {
                    debit: a.escrow.clone(),
                    credit: a.seller_payable.clone(),
                    amount: *amount,
                },
                Code::Hold,
            ));
            d.timers.push(Timer {
                kind: TimerKind::HandlingDeadline,
                due: ship_by,
            });
        }
        Command::Ship { tracking } => {
            permit(is_seller, actor, command.name())?;
            if o.status != Status::Paid {
                let hint = if o.status == Status::Placed {
                    ": wait until it is paid"
                } else {
                    ""
                };
                return Err(invalid(command, o.status, hint));
            }
            let t = tracking.trim();
            if t.is_empty()
                || t.len() > TRACKING_BYTES_MAX
                || !t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            {
                return Err(Rejection::InvalidInput(format!(
                    "tracking number {t:?} must be 1 to {TRACKING_BYTES_MAX} letters, digits or -"
                )));
            }
            let cap = policy.delivery_cap_days(o.destination_country.as_deref());
            let promised = now.plus_days(o.promised_days.min(cap));
            let guarantee = promised.plus_days(policy.not_delivered_grace_days);
            d.events.push(Event::Shipped {
                tracking: t.to_ascii_uppercase(),
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
        }
        Command::Weigh { grams } => {
            permit(
                matches!(actor, Actor::Carrier | Actor::Platform),
                actor,
                command.name(),
            )?;
            if !matches!(o.status, Status::Shipped | Status::Delivered) {
                return Err(invalid(
                    command,
                    o.status,
                    ": the carrier weighs a parcel in its care",
                ));
            }
            if !(1..=1_000_000).contains(grams) {
                return Err(Rejection::InvalidInput(format!(
                    "weight {grams} g must be 1 to 1000000 grams"
                )));
            }
            d.events.push(Event::Weighed { grams: *grams });
            d.timers.push(Timer {
                kind: TimerKind::ParcelStale,
                due: now.plus_days(policy.parcel_stale_days),
            });
        }
        Command::Deliver { country } => {
            permit(
                matches!(actor, Actor::Carrier | Actor::Platform),
                actor,
                command.name(),
            )?;
            if o.status != Status::Shipped {
                return Err(invalid(command, o.status, ""));
            }
            let promised = o.promised_at.expect("shipped orders have a promised date");
            let late = now > promised;
            d.events.push(Event::Delivered {
                country: country.clone(),
                late,
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
            let inspect_until = now.plus_days(policy.inspection_days_after_late_delivery);
            if ends <= now && inspect_until > ends {
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
        }
        Command::ConfirmReceipt {
            acknowledge_no_delivery,
        } => {
            permit(is_buyer, actor, command.name())?;
            let early = match o.status {
                Status::Delivered => false,
                Status::Shipped | Status::Paid => true,
                s => return Err(invalid(command, s, "")),
            };
            if early && !acknowledge_no_delivery {
                return Err(Rejection::NeedsAcknowledgement);
            }
            let warning = early.then(|| {
                "confirmed before any delivery event: buyer protection for this order ended at the buyer's request".to_string()
            });
            release(o, &a, &mut d, now, policy, Some(warning));
        }
        Command::Cancel => {
            let reason = match actor {
                Actor::Buyer(_) if is_buyer => CancelReason::BuyerRequest,
                Actor::Seller(_) if is_seller => CancelReason::SellerRequest,
                Actor::Platform => CancelReason::PlatformRequest,
                _ => return permit(false, actor, command.name()).map(|_| d),
            };
            if !matches!(o.status, Status::Placed | Status::Paid) {
                return Err(invalid(
                    command,
                    o.status,
                    ": only orders not yet shipped can be cancelled",
                ));
            }
            refund_all(o, &a, &mut d, reason);
        }
        Command::RequestExtension { days } => {
            permit(is_buyer, actor, command.name())?;
            check_extension(o, *days, policy, command)?;
            d.events.push(Event::ExtensionRequested { days: *days });
        }
        Command::GrantExtension { days } => {
            permit(is_seller, actor, command.name())?;
            check_extension(o, *days, policy, command)?;
            let ends = o
                .protection_ends_at
                .expect("checked: shipped")
                .plus_days(*days);
            let guarantee = o.guarantee_at.expect("shipped").plus_days(*days);
            d.events.push(Event::ProtectionExtended {
                days: *days,
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
        }
        Command::Fire(kind) => {
            permit(*actor == Actor::System, actor, command.name())?;
            fire(o, &a, &mut d, *kind, now, policy);
        }
        Command::Dispute(c) => {
            dispute::decide_dispute(o, &a, &mut d, c, actor, is_buyer, is_seller, now, policy)?
        }
        Command::PostMessage { .. } => {
            return Err(Rejection::InvalidInput(
                "the message has not been scanned (the engine scans it)".into(),
            ));
        }
        Command::CloseCase {
            case_id,
            label,
            note,
        } => {
            return crate::messages::close_case(o, actor, case_id, *label, note);
        }
        Command::LeaveFeedback {
            stars,
            item_as_described,
            communication,
            shipping_speed,
            text,
        } => {
            permit(is_buyer, actor, command.name())?;
            if !matches!(o.status, Status::Completed | Status::Resolved) {
                return Err(invalid(
                    command,
                    o.status,
                    ": feedback comes after completion",
                ));
            }
            if o.feedback_stars.is_some() {
                return Err(Rejection::Rule {
                    rule: "one_feedback",
                    why: format!("order {} has feedback already", o.id),
                });
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
            in_range("stars", *stars)?;
            for (name, v) in [
                ("item_as_described", item_as_described),
                ("communication", communication),
                ("shipping_speed", shipping_speed),
            ] {
                if let Some(v) = v {
                    in_range(name, *v)?;
                }
            }
            if text.len() > FEEDBACK_TEXT_BYTES_MAX {
                return Err(Rejection::InvalidInput(format!(
                    "feedback text is longer than {FEEDBACK_TEXT_BYTES_MAX} bytes"
                )));
            }
            d.events.push(Event::FeedbackLeft {
                stars: *stars,
                item_as_described: *item_as_described,
                communication: *communication,
                shipping_speed: *shipping_speed,
                text: text.clone(),
            });
        }
    }
    Ok(d)
}

fn place(
    order_id: &OrderId,
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
    if let Some(c) = destination_country {
        if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(Rejection::InvalidInput(format!(
                "destination_country {c:?} must be an ISO 3166 alpha-2 code such as DE"
            )));
        }
    }
    let _ = order_id;
    Ok(Decision {
        events: vec![Event::Placed {
            buyer: buyer.to_string(),
            seller: seller.to_string(),
            currency: price.currency().to_string(),
            price_minor: price.amount_minor(),
            shipping_minor: shipping.amount_minor(),
            handling_days: handling,
            promised_days: *promised_days,
            destination_country: destination_country.clone(),
            eu_consumer: options.eu_consumer,
            choice: options.choice,
            legal_guarantee: options.legal_guarantee,
            weight_grams: options.weight_grams,
        }],
        ..Decision::default()
    })
}

fn check_extension(
    o: &Order,
    days: i64,
    policy: &Policy,
    command: &Command,
) -> Result<(), Rejection> {
    if !matches!(o.status, Status::Shipped | Status::Delivered) {
        return Err(invalid(
            command,
            o.status,
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
fn release(
    o: &Order,
    a: &Accounts<'_>,
    d: &mut Decision,
    now: Timestamp,
    policy: &Policy,
    confirmed: Option<Option<String>>,
) {
    let held = o.held_minor();
    let payout = now.plus_days(policy.post_completion_window_days);
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
fn refund_all(o: &Order, a: &Accounts<'_>, d: &mut Decision, reason: CancelReason) {
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

/// A deadline fired. It acts only if it is still due: an extension or an earlier
/// command may have made it moot, and then it does nothing.
fn fire(
    o: &Order,
    a: &Accounts<'_>,
    d: &mut Decision,
    kind: TimerKind,
    now: Timestamp,
    policy: &Policy,
) {
    match kind {
        TimerKind::ParcelStale => {
            let last = o.last_carrier_at.or(o.shipped_at);
            let quiet = last.is_some_and(|t| t.plus_days(policy.parcel_stale_days) <= now);
            if o.status == Status::Shipped && quiet && !o.parcel_stale {
                let days = last.map_or(0, |t| (now.unix_ms() - t.unix_ms()) / domain::MS_PER_DAY);
                d.events.push(Event::ParcelStale {
                    days_without_movement: days,
                });
            }
        }
        TimerKind::HandlingDeadline => {
            if o.status == Status::Paid && o.ship_by.is_some_and(|t| t <= now) {
                refund_all(o, a, d, CancelReason::NotShippedInTime);
            }
        }
        TimerKind::ProtectionEnds => {
            if o.status == Status::Delivered && o.protection_ends_at.is_some_and(|t| t <= now) {
                release(o, a, d, now, policy, None);
            }
        }
        TimerKind::GuaranteeDeadline => {
            if o.status == Status::Shipped && o.guarantee_at.is_some_and(|t| t <= now) {
                refund_all(o, a, d, CancelReason::NotDeliveredInTime);
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
        | TimerKind::ReturnOverdue => dispute::fire(o, a, d, kind, now, policy),
    }
}
