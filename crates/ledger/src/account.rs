//! Accounts: a kind, an owner and one currency; balances in minor units.

use std::fmt;

use domain::Currency;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccountKind {
    /// Where a buyer's money comes from and refunds go back to (the card side).
    BuyerFunding,
    /// Captured money of one order, held until release or refund.
    OrderEscrow,
    /// Released to a seller but still reclaimable during the payout hold.
    SellerPayable,
    /// Free for the seller to withdraw.
    SellerAvailable,
    /// The platform's compensation budget (on-time guarantee).
    CompensationExpense,
    /// The platform's guarantee fund (Guaranteed Genuine, sellers that cannot pay).
    GuaranteeFund,
    /// What a seller owes the guarantee fund: runs negative by the debt.
    SellerDebt,
    /// Return shipping the platform pays (Choice orders).
    ReturnShippingExpense,
}

impl AccountKind {
    pub const ALL: [AccountKind; 8] = [
        AccountKind::BuyerFunding,
        AccountKind::OrderEscrow,
        AccountKind::SellerPayable,
        AccountKind::SellerAvailable,
        AccountKind::CompensationExpense,
        AccountKind::GuaranteeFund,
        AccountKind::SellerDebt,
        AccountKind::ReturnShippingExpense,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::BuyerFunding => "buyer_funding",
            AccountKind::OrderEscrow => "order_escrow",
            AccountKind::SellerPayable => "seller_payable",
            AccountKind::SellerAvailable => "seller_available",
            AccountKind::CompensationExpense => "compensation_expense",
            AccountKind::GuaranteeFund => "guarantee_fund",
            AccountKind::SellerDebt => "seller_debt",
            AccountKind::ReturnShippingExpense => "return_shipping_expense",
        }
    }

    pub fn parse(s: &str) -> Option<AccountKind> {
        AccountKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Accounts that hold real money of someone: they can never go below zero, pending
    /// debits included. The funding and platform accounts are the outside world and
    /// may run negative.
    pub fn debits_must_not_exceed_credits(self) -> bool {
        matches!(
            self,
            AccountKind::OrderEscrow | AccountKind::SellerPayable | AccountKind::SellerAvailable
        )
    }
}

/// `kind:owner:CUR`, e.g. `order_escrow:o-17:USD`. One account per kind, owner and
/// currency, so a transfer between currencies cannot be expressed.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId {
    kind: AccountKind,
    owner: String,
    currency: Currency,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid account id {0:?}: expected kind:owner:CUR")]
pub struct AccountIdError(pub String);

impl AccountId {
    /// `owner` is an id already checked by its own type (order, buyer, seller) or a
    /// fixed platform name.
    pub fn new(kind: AccountKind, owner: &str, currency: Currency) -> AccountId {
        AccountId {
            kind,
            owner: owner.to_string(),
            currency,
        }
    }

    pub fn parse(s: &str) -> Result<AccountId, AccountIdError> {
        let err = || AccountIdError(s.to_string());
        let (kind, rest) = s.split_once(':').ok_or_else(err)?;
        let (owner, code) = rest.rsplit_once(':').ok_or_else(err)?;
        let kind = AccountKind::parse(kind).ok_or_else(err)?;
        let currency = Currency::parse(code).map_err(|_| err())?;
        if owner.is_empty() {
            return Err(err());
        }
        Ok(AccountId::new(kind, owner, currency))
    }

    pub fn kind(&self) -> AccountKind {
        self.kind
    }
    pub fn owner(&self) -> &str {
        &self.owner
    }
    pub fn currency(&self) -> Currency {
        self.currency
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.kind.as_str(), self.owner, self.currency)
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Totals in minor units of the account's currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Balances {
    pub debits_pending: i64,
    pub debits_posted: i64,
    pub credits_pending: i64,
    pub credits_posted: i64,
}

impl Balances {
    /// What a limited account can still pay out: posted credits less every debit,
    /// pending ones included.
    ///
    /// Computed wide and clamped to i64, so totals near the limits cannot wrap into a
    /// large positive figure that would let a limited account pay out what it lacks.
    pub fn available(&self) -> i64 {
        clamp(
            i128::from(self.credits_posted)
                - i128::from(self.debits_posted)
                - i128::from(self.debits_pending),
        )
    }

    /// Posted credit balance, clamped like [`Balances::available`].
    pub fn balance(&self) -> i64 {
        clamp(i128::from(self.credits_posted) - i128::from(self.debits_posted))
    }
}

fn clamp(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}
