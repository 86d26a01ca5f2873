//! The invariants checked after every step: the ledger's `verify`, and per order what
//! the ledger moved against what was paid and what the order's state says.

use std::collections::BTreeMap;

use engine::Engine;
use ledger::{AccountKind, Code, Op, Recorded};
use protection::{Order, Policy};

/// Money one order moved, from its ledger transfers, in minor units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Flows {
    /// Captured from the buyer.
    pub paid: i64,
    /// Back to the buyer: refunds from escrow, clawbacks, the guarantee fund.
    pub back: i64,
    /// The on-time guarantee's compensation.
    pub compensated: i64,
    /// Return shipping the platform paid the buyer back (Choice).
    pub return_shipping: i64,
    pub released: i64,
    /// Taken back from the seller's accounts, and the seller's debt recorded.
    pub taken_from_seller: i64,
}

impl Flows {
    /// What the seller keeps of the order.
    pub(crate) fn seller_net(&self) -> i64 {
        self.released - self.taken_from_seller
    }

    fn add(&mut self, r: &Recorded) {
        let posted = matches!(r.transfer.op, Op::Posted { .. } | Op::PostPending { .. });
        if !posted {
            return;
        }
        let minor = r.amount.amount_minor();
        match r.transfer.code {
            Code::Capture => self.paid += minor,
            Code::Release => self.released += minor,
            Code::Compensation => self.compensated += minor,
            Code::ReturnShipping => self.return_shipping += minor,
            Code::SellerDebt => self.taken_from_seller += minor,
            Code::Clawback => self.taken_from_seller += minor,
            _ => {}
        }
        // Compensation and return shipping are paid on top of the order's money.
        let extra = matches!(r.transfer.code, Code::Compensation | Code::ReturnShipping);
        if r.credit.kind() == AccountKind::BuyerFunding && !extra {
            self.back += minor;
        }
    }
}

/// Flows by order id, from every transfer of the ledger.
pub(crate) fn flows<'a>(transfers: impl Iterator<Item = &'a Recorded>) -> BTreeMap<String, Flows> {
    let mut out: BTreeMap<String, Flows> = BTreeMap::new();
    for r in transfers {
        if let Some(order) = &r.transfer.order {
            out.entry(order.to_string()).or_default().add(r);
        }
    }
    out
}

/// Checks every invariant after a step; loads the orders' states into `states` for
/// the next step. `Ok(Err(why))` is a broken invariant; `Err` a database failure.
pub(crate) async fn after_step(
    engine: &Engine,
    ids: &[String],
    states: &mut BTreeMap<String, Order>,
) -> anyhow::Result<Result<usize, String>> {
    let book = engine.store().load_ledger().await?;
    let verify = ledger::verify(book.accounts(), book.recorded());
    if !verify.ok() {
        return Ok(Err(format!("ledger verify: {}", verify.broken.join("; "))));
    }
    let flows = flows(book.recorded());
    let mut checks = 1;
    for id in ids {
        let order_id = domain::OrderId::parse(id)?;
        let Some((order, _)) = engine.order(&order_id).await? else {
            continue;
        };
        let f = flows.get(id).copied().unwrap_or_default();
        if let Err(why) = order_holds(&order, &f, engine.policy()) {
            return Ok(Err(format!("order {id}: {why} ({f:?})")));
        }
        checks += ORDER_CHECKS;
        states.insert(id.clone(), order);
    }
    Ok(Ok(checks))
}

/// How many checks `order_holds` makes.
const ORDER_CHECKS: usize = 8;

/// The invariants of one order: money back never above what was paid (times the
/// Guaranteed Genuine multiplier), the seller's net never above the price less the
/// refunds, compensation at most the policy's, return shipping at most the order's
/// money, the total within the limit, the
/// payment the exact total, and the order's own figures equal to its ledger's.
pub(crate) fn order_holds(o: &Order, f: &Flows, policy: &Policy) -> Result<(), String> {
    let bps = if o.guaranteed_genuine {
        policy.genuine_multiplier_bps
    } else {
        10_000
    };
    // The multiplied refund is rounded to the nearest minor unit (`Money::mul_ratio`).
    if i128::from(f.back) * 10_000 > i128::from(f.paid) * i128::from(bps) + 5_000 {
        return Err(format!("{} back to the buyer, {} paid", f.back, f.paid));
    }
    if f.seller_net() > f.paid - f.back.min(f.paid) {
        return Err(format!(
            "the seller keeps {} of {} paid with {} back to the buyer",
            f.seller_net(),
            f.paid,
            f.back
        ));
    }
    let minor_per_major = o.currency.minor_per_major();
    let compensation_max = (policy.late_compensation_hundredths * minor_per_major + 99) / 100;
    if f.compensated > compensation_max {
        return Err(format!(
            "compensated {} above {compensation_max}",
            f.compensated
        ));
    }
    let total = o.price_minor.checked_add(o.shipping_minor);
    let limit = policy.amount_max(o.currency).amount_minor();
    if total.is_none_or(|t| t > limit) {
        return Err(format!("total {total:?} above the limit {limit}"));
    }
    if f.return_shipping > f.paid || f.return_shipping != o.return_shipping_paid_minor {
        return Err(format!(
            "return shipping {} paid back ({} shown) on {} paid",
            f.return_shipping, o.return_shipping_paid_minor, f.paid
        ));
    }
    if f.paid != 0 && Some(f.paid) != total {
        return Err(format!("paid {} but the total is {total:?}", f.paid));
    }
    let shown_back = o.refunded_minor + o.clawed_back_minor + o.guarantee_minor;
    if (
        o.captured_minor,
        o.released_minor,
        shown_back,
        o.compensated_minor,
    ) != (f.paid, f.released, f.back, f.compensated)
    {
        return Err(format!(
            "the order shows captured {} released {} back {} compensated {}, its ledger differs",
            o.captured_minor, o.released_minor, shown_back, o.compensated_minor
        ));
    }
    if o.held_minor() < 0 {
        return Err(format!("{} held in escrow", o.held_minor()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use domain::{OrderId, Timestamp};
    use protection::{Actor, Event, Recorded};

    use super::*;

    /// An order of 10.00 USD, paid, with or without Guaranteed Genuine.
    fn paid_order(genuine: bool) -> Order {
        let at = Timestamp::from_unix_ms(0);
        let events = [
            Event::Placed {
                buyer: "b".into(),
                seller: "s".into(),
                currency: "USD".into(),
                price_minor: 900,
                shipping_minor: 100,
                handling_days: 7,
                promised_days: 20,
                destination_country: None,
                eu_consumer: false,
                choice: false,
                legal_guarantee: false,
                weight_grams: None,
                guaranteed_genuine: genuine,
            },
            Event::Paid {
                amount_minor: 1000,
                three_ds: "authenticated".into(),
                ship_by_ms: 0,
            },
        ];
        let log: Vec<Recorded> = events
            .into_iter()
            .enumerate()
            .map(|(i, event)| Recorded {
                seq: i as i64 + 1,
                at,
                actor: Actor::Platform,
                event,
            })
            .collect();
        Order::replay(&OrderId::parse("o").unwrap(), &log).unwrap()
    }

    fn paid(back: i64) -> Flows {
        Flows {
            paid: 1000,
            back,
            ..Flows::default()
        }
    }

    fn holds(o: &Order, f: &Flows, policy: &Policy) -> std::result::Result<(), String> {
        order_holds(o, f, policy)
    }

    #[test]
    fn more_back_than_paid_is_caught() {
        let policy = Policy::default();
        let o = paid_order(false);
        assert_eq!(holds(&o, &paid(0), &policy), Ok(()));
        let e = holds(&o, &paid(1001), &policy).unwrap_err();
        assert!(e.starts_with("1001 back to the buyer, 1000 paid"), "{e}");
    }

    #[test]
    fn the_genuine_multiplier_allows_its_rounded_refund_and_no_more() {
        let policy = Policy {
            genuine_multiplier_bps: 15_005,
            ..Policy::default()
        };
        let o = paid_order(true);
        // 1000 * 1.5005 = 1500.5, rounded half up by `Money::mul_ratio`.
        let rounded = |back: i64| {
            let mut o = o.clone();
            o.refunded_minor = 1000;
            o.guarantee_minor = back - 1000;
            holds(&o, &paid(back), &policy)
        };
        assert_eq!(rounded(1501), Ok(()));
        let e = rounded(1502).unwrap_err();
        assert!(e.contains("1502 back to the buyer"), "{e}");
        let e = holds(&paid_order(false), &paid(1001), &policy).unwrap_err();
        assert!(e.contains("back to the buyer"), "{e}");
    }

    #[test]
    fn a_seller_keeping_refunded_money_is_caught() {
        let mut o = paid_order(false);
        o.refunded_minor = 400;
        o.released_minor = 700;
        let f = Flows {
            released: 700,
            ..paid(400)
        };
        let e = holds(&o, &f, &Policy::default()).unwrap_err();
        assert!(
            e.contains("the seller keeps 700 of 1000 paid with 400 back"),
            "{e}"
        );
        let f = Flows {
            released: 600,
            ..paid(400)
        };
        o.released_minor = 600;
        assert_eq!(holds(&o, &f, &Policy::default()), Ok(()));
    }

    #[test]
    fn an_order_showing_other_figures_than_its_ledger_is_caught() {
        let o = paid_order(false);
        let e = holds(&o, &paid(300), &Policy::default()).unwrap_err();
        assert!(e.contains("its ledger differs"), "{e}");
    }
}
