//! The ledger's invariants, checked over a complete set of accounts and transfers.

use std::collections::BTreeMap;

use domain::Currency;

use crate::{AccountId, AccountKind, Balances, Code, Op, Recorded, Refunds};

/// Sums per currency, in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub debits_posted: i64,
    pub credits_posted: i64,
    pub debits_pending: i64,
    pub credits_pending: i64,
    pub captured: i64,
    pub released: i64,
    /// Everything that went back to buyers: the three sources below.
    pub refunded: i64,
    pub compensated: i64,
    pub held_in_escrow: i64,
    /// Refunded out of orders' escrow.
    pub refunded_from_escrow: i64,
    /// Taken back from sellers after release.
    pub refunded_from_seller: i64,
    /// Paid by the guarantee fund (in a seller's place, or the Guaranteed Genuine extra).
    pub refunded_from_guarantee_fund: i64,
}

#[derive(Debug, Clone, Default)]
pub struct VerifyReport {
    pub totals: BTreeMap<Currency, Totals>,
    pub accounts: usize,
    pub transfers: usize,
    /// Every broken invariant, in words; empty when the ledger is sound.
    pub broken: Vec<String>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.broken.is_empty()
    }
}

/// A balance or total as summed here: i128 cannot overflow on any number of i64
/// amounts a database can hold, so a sum that does not fit an i64 is reported as
/// broken rather than wrapped.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
struct Wide {
    debits_pending: i128,
    debits_posted: i128,
    credits_pending: i128,
    credits_posted: i128,
}

/// Shown as the balances it stands for, so the report reads as before sums were wide.
impl std::fmt::Debug for Wide {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Balances")
            .field("debits_pending", &self.debits_pending)
            .field("debits_posted", &self.debits_posted)
            .field("credits_pending", &self.credits_pending)
            .field("credits_posted", &self.credits_posted)
            .finish()
    }
}

impl Wide {
    fn of(b: &Balances) -> Wide {
        Wide {
            debits_pending: b.debits_pending.into(),
            debits_posted: b.debits_posted.into(),
            credits_pending: b.credits_pending.into(),
            credits_posted: b.credits_posted.into(),
        }
    }
}

/// Per currency, wide.
#[derive(Debug, Clone, Copy, Default)]
struct WideTotals {
    debits_posted: i128,
    credits_posted: i128,
    debits_pending: i128,
    credits_pending: i128,
    captured: i128,
    released: i128,
    refunds: Refunds,
    compensated: i128,
    held_in_escrow: i128,
}

impl WideTotals {
    fn fields(&self) -> [(&'static str, i128); 12] {
        [
            ("posted debits", self.debits_posted),
            ("posted credits", self.credits_posted),
            ("pending debits", self.debits_pending),
            ("pending credits", self.credits_pending),
            ("captured", self.captured),
            ("released", self.released),
            ("refunded", self.refunds.total()),
            ("compensated", self.compensated),
            ("held in escrow", self.held_in_escrow),
            ("refunded from escrow", self.refunds.from_escrow),
            ("refunded from sellers", self.refunds.from_seller),
            (
                "refunded from the guarantee fund",
                self.refunds.from_guarantee_fund,
            ),
        ]
    }

    /// The totals as reported, each clamped to i64, and what is impossible about them:
    /// a negative total or one that does not fit.
    fn narrow(&self, currency: Currency, broken: &mut Vec<String>) -> Totals {
        for (name, v) in self.fields() {
            if v < 0 {
                broken.push(format!("{currency}: {name} total {v} is negative"));
            } else if i64::try_from(v).is_err() {
                broken.push(format!(
                    "{currency}: {name} total {v} overflows a 64-bit amount"
                ));
            }
        }
        let n = |v: i128| i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX });
        Totals {
            debits_posted: n(self.debits_posted),
            credits_posted: n(self.credits_posted),
            debits_pending: n(self.debits_pending),
            credits_pending: n(self.credits_pending),
            captured: n(self.captured),
            released: n(self.released),
            refunded: n(self.refunds.total()),
            compensated: n(self.compensated),
            held_in_escrow: n(self.held_in_escrow),
            refunded_from_escrow: n(self.refunds.from_escrow),
            refunded_from_seller: n(self.refunds.from_seller),
            refunded_from_guarantee_fund: n(self.refunds.from_guarantee_fund),
        }
    }
}

/// Checks: debits equal credits per currency (posted and pending); every stored
/// balance equals the sum of its transfers; no limited account is overdrawn or below
/// zero; no stored figure is negative and no total overflows; each pending transfer is
/// resolved at most once; every order's escrow equals captured minus released minus
/// refunded, release plus refund never exceed capture, and the money back to an
/// order's buyer (from escrow, from the seller, from the fund in the seller's place)
/// never exceeds what the buyer paid. Sums are made in i128, so a
/// ledger whose totals would wrap an i64 is reported broken, never shown wrapped.
pub fn verify<'a>(
    accounts: impl IntoIterator<Item = (&'a AccountId, &'a Balances)>,
    transfers: impl IntoIterator<Item = &'a Recorded>,
) -> VerifyReport {
    let mut report = VerifyReport::default();
    let stored: BTreeMap<&AccountId, &Balances> = accounts.into_iter().collect();
    report.accounts = stored.len();
    let mut totals: BTreeMap<Currency, WideTotals> = BTreeMap::new();
    let mut recomputed: BTreeMap<AccountId, Wide> = BTreeMap::new();
    let mut pending: BTreeMap<&domain::TransferId, &Recorded> = BTreeMap::new();
    let mut resolutions: BTreeMap<&domain::TransferId, usize> = BTreeMap::new();
    let mut orders: BTreeMap<String, (i128, i128, i128)> = BTreeMap::new();
    let mut clawed: BTreeMap<String, i128> = BTreeMap::new();
    let mut refunds: BTreeMap<String, Refunds> = BTreeMap::new();
    let transfers: Vec<&Recorded> = transfers.into_iter().collect();
    report.transfers = transfers.len();
    for r in &transfers {
        if let Op::Pending { .. } = r.transfer.op {
            pending.insert(&r.transfer.id, r);
        }
    }
    for r in &transfers {
        let cur = r.amount.currency();
        let totals = totals.entry(cur).or_default();
        let minor = i128::from(r.amount.amount_minor());
        match &r.transfer.op {
            Op::Posted { .. } => {
                recomputed.entry(r.debit.clone()).or_default().debits_posted += minor;
                recomputed
                    .entry(r.credit.clone())
                    .or_default()
                    .credits_posted += minor;
            }
            Op::Pending { .. } => {
                recomputed
                    .entry(r.debit.clone())
                    .or_default()
                    .debits_pending += minor;
                recomputed
                    .entry(r.credit.clone())
                    .or_default()
                    .credits_pending += minor;
            }
            Op::PostPending { pending: p, .. } | Op::VoidPending { pending: p } => {
                *resolutions.entry(p).or_default() += 1;
                let Some(held) = pending.get(p) else {
                    report
                        .broken
                        .push(format!("{} resolves unknown pending {p}", r.transfer.id));
                    continue;
                };
                let held = i128::from(held.amount.amount_minor());
                let d = recomputed.entry(r.debit.clone()).or_default();
                d.debits_pending -= held;
                if matches!(r.transfer.op, Op::PostPending { .. }) {
                    d.debits_posted += minor;
                }
                let c = recomputed.entry(r.credit.clone()).or_default();
                c.credits_pending -= held;
                if matches!(r.transfer.op, Op::PostPending { .. }) {
                    c.credits_posted += minor;
                }
            }
        }
        totals.refunds.add(r);
        if let Some(order) = &r.transfer.order {
            refunds.entry(order.to_string()).or_default().add(r);
        }
        let posted = matches!(r.transfer.op, Op::Posted { .. } | Op::PostPending { .. });
        if posted {
            match r.transfer.code {
                Code::Capture => totals.captured += minor,
                Code::Release => totals.released += minor,
                Code::Compensation => totals.compensated += minor,
                _ => {}
            }
            if r.transfer.code == Code::Clawback {
                if let Some(order) = &r.transfer.order {
                    *clawed.entry(order.to_string()).or_default() += minor;
                }
            }
            // The escrow account's owner is the order: no need to trust `transfer.order`.
            if r.credit.kind() == AccountKind::OrderEscrow {
                orders.entry(r.credit.owner().to_string()).or_default().0 += minor;
            }
            if r.debit.kind() == AccountKind::OrderEscrow {
                let e = orders.entry(r.debit.owner().to_string()).or_default();
                match r.transfer.code {
                    Code::Release => e.1 += minor,
                    _ => e.2 += minor,
                }
            }
        }
    }
    for (p, n) in &resolutions {
        if *n > 1 {
            report
                .broken
                .push(format!("pending transfer {p} resolved {n} times"));
        }
    }
    for (id, b) in &recomputed {
        let s = stored.get(id).map(|s| Wide::of(s)).unwrap_or_default();
        if s != *b {
            report.broken.push(format!(
                "account {id}: stored balances {s:?} differ from its transfers {b:?}"
            ));
        }
    }
    for (id, s) in &stored {
        if !recomputed.contains_key(*id) && **s != Balances::default() {
            report
                .broken
                .push(format!("account {id} has balances but no transfers"));
        }
        let w = Wide::of(s);
        let t = totals.entry(id.currency()).or_default();
        t.debits_posted += w.debits_posted;
        t.credits_posted += w.credits_posted;
        t.debits_pending += w.debits_pending;
        t.credits_pending += w.credits_pending;
        let balance = w.credits_posted - w.debits_posted;
        if id.kind() == AccountKind::OrderEscrow {
            t.held_in_escrow += balance;
        }
        if id.kind().debits_must_not_exceed_credits() {
            let available = balance - w.debits_pending;
            if available < 0 {
                report.broken.push(format!(
                    "account {id} is overdrawn: {available} minor units available"
                ));
            }
            if balance < 0 {
                report
                    .broken
                    .push(format!("account {id} has a balance below zero: {balance}"));
            }
        }
        if s.debits_pending < 0 || s.credits_pending < 0 {
            report
                .broken
                .push(format!("account {id} has negative pending totals"));
        }
        if s.debits_posted < 0 || s.credits_posted < 0 {
            report
                .broken
                .push(format!("account {id} has negative posted totals"));
        }
    }
    for (cur, t) in &totals {
        if t.debits_posted != t.credits_posted {
            report.broken.push(format!(
                "{cur}: posted debits {} differ from posted credits {}",
                t.debits_posted, t.credits_posted
            ));
        }
        if t.debits_pending != t.credits_pending {
            report.broken.push(format!(
                "{cur}: pending debits {} differ from pending credits {}",
                t.debits_pending, t.credits_pending
            ));
        }
    }
    for (cur, t) in &totals {
        let narrow = t.narrow(*cur, &mut report.broken);
        report.totals.insert(*cur, narrow);
    }
    check_orders(&stored, &orders, &clawed, &refunds, &mut report.broken);
    report
}

/// The invariants of each order: what was taken back from the seller against what was
/// released, release and refund against capture, the escrow balance against its
/// transfers, and the money back to the buyer against what the buyer paid.
fn check_orders(
    stored: &BTreeMap<&AccountId, &Balances>,
    orders: &BTreeMap<String, (i128, i128, i128)>,
    clawed: &BTreeMap<String, i128>,
    refunds: &BTreeMap<String, Refunds>,
    broken: &mut Vec<String>,
) {
    let mut escrow_by_order: BTreeMap<&str, i128> = BTreeMap::new();
    for (id, b) in stored {
        if id.kind() == AccountKind::OrderEscrow {
            let w = Wide::of(b);
            *escrow_by_order.entry(id.owner()).or_default() += w.credits_posted - w.debits_posted;
        }
    }
    for (order, taken) in clawed {
        let released = orders.get(order).map_or(0, |o| o.1);
        if *taken > released {
            broken.push(format!(
                "order {order}: {taken} taken back from the seller but only {released} released"
            ));
        }
    }
    for (order, r) in refunds {
        let paid = orders.get(order).map_or(0, |o| o.0);
        if r.of_price() > paid {
            broken.push(format!(
                "order {order}: {} back to the buyer (from escrow {}, from the seller {}, from the guarantee fund in the seller's place {}) exceeds the {paid} paid",
                r.of_price(),
                r.from_escrow,
                r.from_seller,
                r.fund_for_seller.min(r.from_guarantee_fund)
            ));
        }
    }
    for (order, (captured, released, refunded)) in orders {
        if released + refunded > *captured {
            broken.push(format!(
                "order {order}: released {released} plus refunded {refunded} exceed captured {captured}"
            ));
        }
        let escrow = escrow_by_order.get(order.as_str()).copied().unwrap_or(0);
        if escrow != captured - released - refunded {
            broken.push(format!(
                "order {order}: escrow {escrow} is not captured {captured} - released {released} - refunded {refunded}"
            ));
        }
    }
}
