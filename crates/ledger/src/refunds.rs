//! Money back to a buyer, by where it came from: the order's escrow while it held the
//! money, the seller after release (a clawback from its payable or available account),
//! or the guarantee fund (in the seller's place, or the Guaranteed Genuine extra).

use crate::{AccountKind, Code, Op, Recorded};

/// Sums of posted transfers to the buyer, in minor units. Wide, so a sum of any number
/// of i64 amounts cannot overflow; [`Refunds::minor`] narrows a figure for display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Refunds {
    /// Refunded out of the order's escrow (`refund`).
    pub from_escrow: i128,
    /// Taken back from the seller after release (`clawback`).
    pub from_seller: i128,
    /// Paid by the guarantee fund (`guarantee_cover`).
    pub from_guarantee_fund: i128,
    /// What the fund paid in the seller's place, recorded as the seller's debt
    /// (`seller_debt`); the rest of `from_guarantee_fund` is the fund's own payment,
    /// the Guaranteed Genuine extra the policy may set above the price.
    pub fund_for_seller: i128,
}

impl Refunds {
    /// The refunds among `transfers` (of one order, or of many).
    pub fn of<'a>(transfers: impl IntoIterator<Item = &'a Recorded>) -> Refunds {
        let mut refunds = Refunds::default();
        for r in transfers {
            refunds.add(r);
        }
        refunds
    }

    /// Counts `r` if it is posted money back to a buyer, or a seller's debt to the fund.
    pub fn add(&mut self, r: &Recorded) {
        if !matches!(r.transfer.op, Op::Posted { .. } | Op::PostPending { .. }) {
            return;
        }
        let minor = i128::from(r.amount.amount_minor());
        let to_buyer = r.credit.kind() == AccountKind::BuyerFunding;
        match r.transfer.code {
            Code::Refund if to_buyer => self.from_escrow += minor,
            Code::Clawback if to_buyer => self.from_seller += minor,
            Code::GuaranteeCover if to_buyer => self.from_guarantee_fund += minor,
            Code::SellerDebt => self.fund_for_seller += minor,
            _ => {}
        }
    }

    /// Everything that went back to the buyer.
    pub fn total(&self) -> i128 {
        self.from_escrow + self.from_seller + self.from_guarantee_fund
    }

    /// What went back of the price the buyer paid: from escrow, from the seller and
    /// from the fund in the seller's place. It can never be more than was paid.
    pub fn of_price(&self) -> i128 {
        self.from_escrow + self.from_seller + self.fund_for_seller.min(self.from_guarantee_fund)
    }

    /// A figure narrowed to i64 for display, clamped at the ends.
    pub fn minor(v: i128) -> i64 {
        i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
    }
}
