//! The escrow ledger: double-entry accounts and immutable transfers in the manner of
//! TigerBeetle. Pure: a [`Book`] holds the accounts and transfers a batch touches, and
//! [`Book::apply`] decides a batch of linked transfers all-or-nothing. The store loads
//! a book, applies, and writes the result in the same database transaction.

mod account;
mod refunds;
mod verify;

use std::collections::{BTreeMap, HashMap};
use std::fmt;

pub use account::{AccountId, AccountIdError, AccountKind, Balances};
use domain::{Currency, Money, OrderId, TransferId};
pub use refunds::Refunds;
pub use verify::{verify, Totals, VerifyReport};

/// What a transfer is for; verification and reports group money by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    /// Card payment captured into the order's escrow.
    Capture,
    /// The escrow hold: pending from order escrow to the seller.
    Hold,
    /// Escrow released to the seller (posting the hold).
    Release,
    /// Money returned to the buyer.
    Refund,
    /// Fixed compensation paid by the platform (on-time guarantee).
    Compensation,
    /// Seller's payable becomes available after the payout hold.
    Payout,
    /// Voiding the escrow hold.
    Void,
    /// Money taken back from a seller after release, for a refund.
    Clawback,
    /// The guarantee fund paying a buyer: what a seller could not cover, or the
    /// Guaranteed Genuine extra.
    GuaranteeCover,
    /// A seller's debt to the guarantee fund, recorded when the fund covered for it.
    SellerDebt,
    /// Return shipping paid by the platform.
    ReturnShipping,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Capture => "capture",
            Code::Hold => "hold",
            Code::Release => "release",
            Code::Refund => "refund",
            Code::Compensation => "compensation",
            Code::Payout => "payout",
            Code::Void => "void",
            Code::Clawback => "clawback",
            Code::GuaranteeCover => "guarantee_cover",
            Code::SellerDebt => "seller_debt",
            Code::ReturnShipping => "return_shipping",
        }
    }

    pub fn parse(s: &str) -> Option<Code> {
        [
            Code::Capture,
            Code::Hold,
            Code::Release,
            Code::Refund,
            Code::Compensation,
            Code::Payout,
            Code::Void,
            Code::Clawback,
            Code::GuaranteeCover,
            Code::SellerDebt,
            Code::ReturnShipping,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// The four kinds of transfer. Post and void resolve an earlier pending transfer, at
/// most once; a post may take less than the pending amount and the rest is voided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Posted {
        debit: AccountId,
        credit: AccountId,
        amount: Money,
    },
    Pending {
        debit: AccountId,
        credit: AccountId,
        amount: Money,
    },
    PostPending {
        pending: TransferId,
        amount: Money,
    },
    VoidPending {
        pending: TransferId,
    },
}

/// An immutable transfer with a client-chosen id: applying the same id twice is a
/// no-op that returns the first result; the same id with other content is an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub id: TransferId,
    pub op: Op,
    pub code: Code,
    pub order: Option<OrderId>,
}

/// A transfer as recorded: post and void carry the accounts and amount they moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub transfer: Transfer,
    pub debit: AccountId,
    pub credit: AccountId,
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("transfer {0} exists with other content: a transfer id can be used once")]
    IdReused(TransferId),
    #[error("transfer {id}: amount must be positive")]
    ZeroAmount { id: TransferId },
    #[error("transfer {id}: debit and credit are the same account {account}")]
    SameAccount { id: TransferId, account: AccountId },
    #[error("transfer {id}: {amount} cannot move between accounts in {account_currency}")]
    CurrencyMismatch {
        id: TransferId,
        amount: Money,
        account_currency: Currency,
    },
    #[error(
        "transfer {id}: {account} has {available_minor} minor units available, {amount} needed"
    )]
    ExceedsBalance {
        id: TransferId,
        account: AccountId,
        available_minor: i64,
        amount: Money,
    },
    #[error("transfer {id}: pending transfer {pending} not found")]
    PendingNotFound { id: TransferId, pending: TransferId },
    #[error("transfer {id}: {pending} is not a pending transfer")]
    NotPending { id: TransferId, pending: TransferId },
    #[error("transfer {id}: pending transfer {pending} was already resolved by {by}")]
    AlreadyResolved {
        id: TransferId,
        pending: TransferId,
        by: TransferId,
    },
    #[error("transfer {id}: posting {amount} exceeds the pending {pending_amount}")]
    ExceedsPending {
        id: TransferId,
        amount: Money,
        pending_amount: Money,
    },
    #[error("transfer {id}: amount overflows the account totals")]
    Overflow { id: TransferId },
}

/// What applying one transfer of a batch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    New(Recorded),
    /// The id was applied before with the same content; nothing moved again.
    Duplicate(TransferId),
}

/// Accounts and transfers, complete (tests, simulations) or just what one batch needs
/// (the store loads that part under lock).
#[derive(Debug, Clone, Default)]
pub struct Book {
    accounts: BTreeMap<AccountId, Balances>,
    transfers: HashMap<TransferId, Recorded>,
    /// pending transfer id -> id of the transfer that posted or voided it.
    resolved: HashMap<TransferId, TransferId>,
}

impl Book {
    pub fn new() -> Book {
        Book::default()
    }

    /// Adds an account as loaded from storage.
    pub fn load_account(&mut self, id: AccountId, balances: Balances) {
        self.accounts.insert(id, balances);
    }

    /// Adds a transfer as loaded from storage, with the id that resolved it if pending.
    pub fn load_transfer(&mut self, recorded: Recorded, resolved_by: Option<TransferId>) {
        if let Some(by) = resolved_by {
            self.resolved.insert(recorded.transfer.id.clone(), by);
        }
        self.transfers
            .insert(recorded.transfer.id.clone(), recorded);
    }

    pub fn account(&self, id: &AccountId) -> Balances {
        self.accounts.get(id).copied().unwrap_or_default()
    }

    pub fn accounts(&self) -> impl Iterator<Item = (&AccountId, &Balances)> {
        self.accounts.iter()
    }

    pub fn transfer(&self, id: &TransferId) -> Option<&Recorded> {
        self.transfers.get(id)
    }

    pub fn resolved_by(&self, pending: &TransferId) -> Option<&TransferId> {
        self.resolved.get(pending)
    }

    /// Applies linked transfers: all succeed, or none does and the book is unchanged.
    pub fn apply(&mut self, batch: &[Transfer]) -> Result<Vec<Applied>, LedgerError> {
        let mut scratch = self.clone();
        let mut applied = Vec::with_capacity(batch.len());
        for t in batch {
            applied.push(scratch.apply_one(t)?);
        }
        *self = scratch;
        Ok(applied)
    }

    fn apply_one(&mut self, t: &Transfer) -> Result<Applied, LedgerError> {
        if let Some(existing) = self.transfers.get(&t.id) {
            return if existing.transfer == *t {
                Ok(Applied::Duplicate(t.id.clone()))
            } else {
                Err(LedgerError::IdReused(t.id.clone()))
            };
        }
        let recorded = match &t.op {
            Op::Posted {
                debit,
                credit,
                amount,
            }
            | Op::Pending {
                debit,
                credit,
                amount,
            } => {
                self.check_pair(t, debit, credit, *amount)?;
                let pending = matches!(t.op, Op::Pending { .. });
                let minor = amount.amount_minor();
                self.check_limit(t, debit, minor, *amount)?;
                let overflow = || LedgerError::Overflow { id: t.id.clone() };
                let mut d = self.account(debit);
                let mut c = self.account(credit);
                if pending {
                    d.debits_pending = d.debits_pending.checked_add(minor).ok_or_else(overflow)?;
                    c.credits_pending =
                        c.credits_pending.checked_add(minor).ok_or_else(overflow)?;
                } else {
                    d.debits_posted = d.debits_posted.checked_add(minor).ok_or_else(overflow)?;
                    c.credits_posted = c.credits_posted.checked_add(minor).ok_or_else(overflow)?;
                }
                self.accounts.insert(debit.clone(), d);
                self.accounts.insert(credit.clone(), c);
                Recorded {
                    transfer: t.clone(),
                    debit: debit.clone(),
                    credit: credit.clone(),
                    amount: *amount,
                }
            }
            Op::PostPending { pending, amount } => {
                let p = self.unresolved_pending(t, pending)?;
                if amount.is_zero() {
                    return Err(LedgerError::ZeroAmount { id: t.id.clone() });
                }
                if amount.currency() != p.amount.currency() {
                    return Err(LedgerError::CurrencyMismatch {
                        id: t.id.clone(),
                        amount: *amount,
                        account_currency: p.amount.currency(),
                    });
                }
                if amount.amount_minor() > p.amount.amount_minor() {
                    return Err(LedgerError::ExceedsPending {
                        id: t.id.clone(),
                        amount: *amount,
                        pending_amount: p.amount,
                    });
                }
                self.resolve(t, pending, &p, amount.amount_minor())?;
                Recorded {
                    transfer: t.clone(),
                    debit: p.debit,
                    credit: p.credit,
                    amount: *amount,
                }
            }
            Op::VoidPending { pending } => {
                let p = self.unresolved_pending(t, pending)?;
                self.resolve(t, pending, &p, 0)?;
                Recorded {
                    transfer: t.clone(),
                    debit: p.debit,
                    credit: p.credit,
                    amount: p.amount,
                }
            }
        };
        self.transfers.insert(t.id.clone(), recorded.clone());
        Ok(Applied::New(recorded))
    }

    /// Releases the pending amounts of `p`, posts `posted_minor` of it (0 voids it)
    /// and records that `t` resolved it.
    fn resolve(
        &mut self,
        t: &Transfer,
        pending: &TransferId,
        p: &Recorded,
        posted_minor: i64,
    ) -> Result<(), LedgerError> {
        let held = p.amount.amount_minor();
        let overflow = || LedgerError::Overflow { id: t.id.clone() };
        let mut d = self.account(&p.debit);
        let mut c = self.account(&p.credit);
        d.debits_pending = d.debits_pending.checked_sub(held).ok_or_else(overflow)?;
        c.credits_pending = c.credits_pending.checked_sub(held).ok_or_else(overflow)?;
        d.debits_posted = d
            .debits_posted
            .checked_add(posted_minor)
            .ok_or_else(overflow)?;
        c.credits_posted = c
            .credits_posted
            .checked_add(posted_minor)
            .ok_or_else(overflow)?;
        self.accounts.insert(p.debit.clone(), d);
        self.accounts.insert(p.credit.clone(), c);
        self.resolved.insert(pending.clone(), t.id.clone());
        Ok(())
    }

    fn check_pair(
        &self,
        t: &Transfer,
        debit: &AccountId,
        credit: &AccountId,
        amount: Money,
    ) -> Result<(), LedgerError> {
        if amount.is_zero() {
            return Err(LedgerError::ZeroAmount { id: t.id.clone() });
        }
        if debit == credit {
            return Err(LedgerError::SameAccount {
                id: t.id.clone(),
                account: debit.clone(),
            });
        }
        for account in [debit, credit] {
            if account.currency() != amount.currency() {
                return Err(LedgerError::CurrencyMismatch {
                    id: t.id.clone(),
                    amount,
                    account_currency: account.currency(),
                });
            }
        }
        Ok(())
    }

    fn check_limit(
        &self,
        t: &Transfer,
        debit: &AccountId,
        minor: i64,
        amount: Money,
    ) -> Result<(), LedgerError> {
        if !debit.kind().debits_must_not_exceed_credits() {
            return Ok(());
        }
        let available = self.account(debit).available();
        if minor > available {
            return Err(LedgerError::ExceedsBalance {
                id: t.id.clone(),
                account: debit.clone(),
                available_minor: available,
                amount,
            });
        }
        Ok(())
    }

    fn unresolved_pending(
        &self,
        t: &Transfer,
        pending: &TransferId,
    ) -> Result<Recorded, LedgerError> {
        let p = self
            .transfers
            .get(pending)
            .ok_or_else(|| LedgerError::PendingNotFound {
                id: t.id.clone(),
                pending: pending.clone(),
            })?;
        if !matches!(p.transfer.op, Op::Pending { .. }) {
            return Err(LedgerError::NotPending {
                id: t.id.clone(),
                pending: pending.clone(),
            });
        }
        if let Some(by) = self.resolved.get(pending) {
            return Err(LedgerError::AlreadyResolved {
                id: t.id.clone(),
                pending: pending.clone(),
                by: by.clone(),
            });
        }
        Ok(p.clone())
    }

    /// All transfers, for verification of a complete book.
    pub fn recorded(&self) -> impl Iterator<Item = &Recorded> {
        self.transfers.values()
    }
}

impl fmt::Display for Transfer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.id, self.code.as_str())
    }
}

/// Money to take back from a seller after release: from the payable account first,
/// then the available one; what neither covers the guarantee fund pays, and the seller's
/// debt to the fund is recorded. The split depends on balances, so it is made on the
/// locked book, not by the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clawback {
    /// Prefix of the ids of the transfers it expands to.
    pub id: TransferId,
    pub order: OrderId,
    pub seller_payable: AccountId,
    pub seller_available: AccountId,
    pub guarantee_fund: AccountId,
    pub seller_debt: AccountId,
    pub buyer: AccountId,
    pub amount: Money,
}

impl Clawback {
    pub fn accounts(&self) -> [&AccountId; 5] {
        [
            &self.seller_payable,
            &self.seller_available,
            &self.guarantee_fund,
            &self.seller_debt,
            &self.buyer,
        ]
    }

    /// The transfers that take `amount` back for the buyer, given current balances.
    pub fn expand(&self, book: &Book) -> Vec<Transfer> {
        let mut rest = self.amount.amount_minor();
        let mut out = Vec::new();
        let t = |suffix: &str, debit: &AccountId, credit: &AccountId, minor: i64, code| Transfer {
            id: TransferId::parse(&format!("{}-{suffix}", self.id))
                .expect("clawback ids leave room for a suffix"),
            op: Op::Posted {
                debit: debit.clone(),
                credit: credit.clone(),
                amount: Money::from_minor(minor, self.amount.currency()).expect("positive"),
            },
            code,
            order: Some(self.order.clone()),
        };
        for (suffix, from) in [
            ("payable", &self.seller_payable),
            ("available", &self.seller_available),
        ] {
            let take = rest.min(book.account(from).available().max(0));
            if take > 0 {
                out.push(t(suffix, from, &self.buyer, take, Code::Clawback));
                rest -= take;
            }
        }
        if rest > 0 {
            out.push(t(
                "fund",
                &self.guarantee_fund,
                &self.buyer,
                rest,
                Code::GuaranteeCover,
            ));
            out.push(t(
                "debt",
                &self.seller_debt,
                &self.guarantee_fund,
                rest,
                Code::SellerDebt,
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests;
