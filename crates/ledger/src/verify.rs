//! The ledger's invariants, checked over a complete set of accounts and transfers.

use std::collections::BTreeMap;

use domain::Currency;

use crate::{AccountId, AccountKind, Balances, Code, Op, Recorded};

/// Sums per currency, in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub debits_posted: i64,
    pub credits_posted: i64,
    pub debits_pending: i64,
    pub credits_pending: i64,
    pub captured: i64,
    pub released: i64,
    pub refunded: i64,
    pub compensated: i64,
    pub held_in_escrow: i64,
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

/// Checks: debits equal credits per currency (posted and pending); every stored
/// balance equals the sum of its transfers; no limited account is overdrawn; each
/// pending transfer is resolved at most once; every order's escrow equals captured
/// minus released minus refunded, and release plus refund never exceed capture.
pub fn verify<'a>(
    accounts: impl IntoIterator<Item = (&'a AccountId, &'a Balances)>,
    transfers: impl IntoIterator<Item = &'a Recorded>,
) -> VerifyReport {
    let mut report = VerifyReport::default();
    let stored: BTreeMap<&AccountId, &Balances> = accounts.into_iter().collect();
    report.accounts = stored.len();
    let mut recomputed: BTreeMap<AccountId, Balances> = BTreeMap::new();
    let mut pending: BTreeMap<&domain::TransferId, &Recorded> = BTreeMap::new();
    let mut resolutions: BTreeMap<&domain::TransferId, usize> = BTreeMap::new();
    let mut orders: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    let mut clawed: BTreeMap<String, i64> = BTreeMap::new();
    let transfers: Vec<&Recorded> = transfers.into_iter().collect();
    report.transfers = transfers.len();
    for r in &transfers {
        if let Op::Pending { .. } = r.transfer.op {
            pending.insert(&r.transfer.id, r);
        }
    }
    for r in &transfers {
        let cur = r.amount.currency();
        let totals = report.totals.entry(cur).or_default();
        let minor = r.amount.amount_minor();
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
                let held = held.amount.amount_minor();
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
        let posted = matches!(r.transfer.op, Op::Posted { .. } | Op::PostPending { .. });
        if posted {
            match r.transfer.code {
                Code::Capture => totals.captured += minor,
                Code::Release => totals.released += minor,
                Code::Refund => totals.refunded += minor,
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
        let s = stored.get(id).copied().copied().unwrap_or_default();
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
        let t = report.totals.entry(id.currency()).or_default();
        t.debits_posted += s.debits_posted;
        t.credits_posted += s.credits_posted;
        t.debits_pending += s.debits_pending;
        t.credits_pending += s.credits_pending;
        if id.kind() == AccountKind::OrderEscrow {
            t.held_in_escrow += s.balance();
        }
        if id.kind().debits_must_not_exceed_credits() && s.available() < 0 {
            report.broken.push(format!(
                "account {id} is overdrawn: {} minor units available",
                s.available()
            ));
        }
        if s.debits_pending < 0 || s.credits_pending < 0 {
            report
                .broken
                .push(format!("account {id} has negative pending totals"));
        }
    }
    for (cur, t) in &report.totals {
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
    let mut escrow_by_order: BTreeMap<&str, i64> = BTreeMap::new();
    for (id, b) in &stored {
        if id.kind() == AccountKind::OrderEscrow {
            *escrow_by_order.entry(id.owner()).or_default() += b.balance();
        }
    }
    for (order, taken) in &clawed {
        let released = orders.get(order).map_or(0, |o| o.1);
        if *taken > released {
            report.broken.push(format!(
                "order {order}: {taken} taken back from the seller but only {released} released"
            ));
        }
    }
    for (order, (captured, released, refunded)) in &orders {
        if released + refunded > *captured {
            report.broken.push(format!(
                "order {order}: released {released} plus refunded {refunded} exceed captured {captured}"
            ));
        }
        let escrow = escrow_by_order.get(order.as_str()).copied().unwrap_or(0);
        if escrow != captured - released - refunded {
            report.broken.push(format!(
                "order {order}: escrow {escrow} is not captured {captured} - released {released} - refunded {refunded}"
            ));
        }
    }
    report
}
