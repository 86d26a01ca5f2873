use proptest::prelude::*;

use super::*;

fn usd() -> Currency {
    Currency::parse("USD").unwrap()
}
fn eur() -> Currency {
    Currency::parse("EUR").unwrap()
}
fn m(minor: i64, c: Currency) -> Money {
    Money::from_minor(minor, c).unwrap()
}
fn tid(s: &str) -> TransferId {
    TransferId::parse(s).unwrap()
}
fn acct(kind: AccountKind, owner: &str, c: Currency) -> AccountId {
    AccountId::new(kind, owner, c)
}
fn escrow(order: &str) -> AccountId {
    acct(AccountKind::OrderEscrow, order, usd())
}
fn posted(id: &str, debit: AccountId, credit: AccountId, minor: i64, code: Code) -> Transfer {
    let amount = m(minor, debit.currency());
    Transfer {
        id: tid(id),
        op: Op::Posted {
            debit,
            credit,
            amount,
        },
        code,
        order: Some(OrderId::parse("o1").unwrap()),
    }
}

/// Capture 1000 into o1's escrow and hold it for seller s1.
fn paid_book() -> Book {
    let mut book = Book::new();
    let buyer = acct(AccountKind::BuyerFunding, "b1", usd());
    let seller = acct(AccountKind::SellerPayable, "s1", usd());
    book.apply(&[
        posted("cap", buyer, escrow("o1"), 1000, Code::Capture),
        Transfer {
            id: tid("hold"),
            op: Op::Pending {
                debit: escrow("o1"),
                credit: seller,
                amount: m(1000, usd()),
            },
            code: Code::Hold,
            order: Some(OrderId::parse("o1").unwrap()),
        },
    ])
    .unwrap();
    book
}

fn assert_sound(book: &Book) {
    let report = verify(book.accounts(), book.recorded());
    assert!(report.ok(), "{:?}", report.broken);
}

#[test]
fn same_id_same_content_is_a_no_op_and_other_content_an_error() {
    let mut book = paid_book();
    let buyer = acct(AccountKind::BuyerFunding, "b1", usd());
    let again = posted("cap", buyer.clone(), escrow("o1"), 1000, Code::Capture);
    assert_eq!(
        book.apply(std::slice::from_ref(&again)).unwrap(),
        vec![Applied::Duplicate(tid("cap"))]
    );
    assert_eq!(book.account(&escrow("o1")).credits_posted, 1000);
    let other = posted("cap", buyer, escrow("o1"), 999, Code::Capture);
    assert_eq!(book.apply(&[other]), Err(LedgerError::IdReused(tid("cap"))));
    assert_sound(&book);
}

#[test]
fn escrow_cannot_pay_out_more_than_it_holds() {
    let mut book = paid_book();
    let buyer = acct(AccountKind::BuyerFunding, "b1", usd());
    // The hold already covers all 1000: a refund on top would overdraw.
    let refund = posted("r1", escrow("o1"), buyer.clone(), 1, Code::Refund);
    assert!(matches!(
        book.apply(&[refund]),
        Err(LedgerError::ExceedsBalance { .. })
    ));
    // Post 600 of the hold; then 400 can be refunded, and not a cent more.
    book.apply(&[Transfer {
        id: tid("rel"),
        op: Op::PostPending {
            pending: tid("hold"),
            amount: m(600, usd()),
        },
        code: Code::Release,
        order: None,
    }])
    .unwrap();
    assert!(book
        .apply(&[posted("r2", escrow("o1"), buyer.clone(), 401, Code::Refund)])
        .is_err());
    book.apply(&[posted("r3", escrow("o1"), buyer, 400, Code::Refund)])
        .unwrap();
    assert_eq!(book.account(&escrow("o1")).balance(), 0);
    assert_sound(&book);
}

#[test]
fn a_pending_transfer_resolves_once() {
    let mut book = paid_book();
    let void = |id: &str| Transfer {
        id: tid(id),
        op: Op::VoidPending {
            pending: tid("hold"),
        },
        code: Code::Void,
        order: None,
    };
    book.apply(&[void("v1")]).unwrap();
    assert!(matches!(
        book.apply(&[void("v2")]),
        Err(LedgerError::AlreadyResolved { .. })
    ));
    let post = Transfer {
        id: tid("p1"),
        op: Op::PostPending {
            pending: tid("hold"),
            amount: m(1, usd()),
        },
        code: Code::Release,
        order: None,
    };
    assert!(matches!(
        book.apply(&[post]),
        Err(LedgerError::AlreadyResolved { .. })
    ));
    assert_sound(&book);
}

#[test]
fn linked_transfers_fail_together_and_change_nothing() {
    let mut book = paid_book();
    let before = verify(book.accounts(), book.recorded()).totals;
    let buyer = acct(AccountKind::BuyerFunding, "b1", usd());
    let batch = [
        Transfer {
            id: tid("v"),
            op: Op::VoidPending {
                pending: tid("hold"),
            },
            code: Code::Void,
            order: None,
        },
        posted("r", escrow("o1"), buyer, 1001, Code::Refund),
    ];
    assert!(book.apply(&batch).is_err());
    assert!(book.resolved_by(&tid("hold")).is_none());
    assert_eq!(verify(book.accounts(), book.recorded()).totals, before);
}

#[test]
fn currencies_never_mix() {
    let mut book = paid_book();
    let t = Transfer {
        id: tid("x"),
        op: Op::Posted {
            debit: acct(AccountKind::BuyerFunding, "b1", eur()),
            credit: escrow("o1"),
            amount: m(5, eur()),
        },
        code: Code::Capture,
        order: None,
    };
    assert!(matches!(
        book.apply(&[t]),
        Err(LedgerError::CurrencyMismatch { .. })
    ));
}

#[test]
fn account_ids_round_trip() {
    let id = AccountId::new(AccountKind::SellerPayable, "s:1", usd());
    assert_eq!(AccountId::parse(&id.to_string()).unwrap(), id);
    assert!(AccountId::parse("nope").is_err());
    assert!(AccountId::parse("order_escrow::USD").is_err());
}

/// Two orders of one seller whose totals reach past i64 together.
fn huge_orders() -> (Book, Vec<Transfer>) {
    let mut book = Book::new();
    let seller = acct(AccountKind::SellerPayable, "s1", usd());
    let order = |n: &str, minor: i64| {
        vec![
            posted(
                &format!("{n}:capture"),
                acct(AccountKind::BuyerFunding, n, usd()),
                escrow(n),
                minor,
                Code::Capture,
            ),
            Transfer {
                id: tid(&format!("{n}:hold")),
                op: Op::Pending {
                    debit: escrow(n),
                    credit: seller.clone(),
                    amount: m(minor, usd()),
                },
                code: Code::Hold,
                order: Some(OrderId::parse(n).unwrap()),
            },
        ]
    };
    book.apply(&order("o1", i64::MAX)).unwrap();
    (book, order("o2", 1))
}

#[test]
fn a_second_payment_to_a_seller_holding_i64_max_is_an_overflow_error_and_changes_nothing() {
    let (mut book, second) = huge_orders();
    let before = book.account(&acct(AccountKind::SellerPayable, "s1", usd()));
    assert_eq!(
        book.apply(&second),
        Err(LedgerError::Overflow { id: tid("o2:hold") })
    );
    assert_eq!(
        book.account(&acct(AccountKind::SellerPayable, "s1", usd())),
        before
    );
    assert!(book.transfer(&tid("o2:capture")).is_none());
}

#[test]
fn verify_reports_totals_that_overflow_instead_of_wrapping_them_negative() {
    // Regression: after an order of 92233720368547758.07 USD, `ledger verify` printed
    // negative totals and said every invariant held.
    let (book, _) = huge_orders();
    let mut accounts: Vec<(AccountId, Balances)> =
        book.accounts().map(|(a, b)| (a.clone(), *b)).collect();
    let mut transfers: Vec<Recorded> = book.recorded().cloned().collect();
    // A second buyer's capture, as a store holding both orders would have it: the
    // posted totals of the currency no longer fit an i64.
    let buyer2 = acct(AccountKind::BuyerFunding, "b2", usd());
    let t = posted(
        "o2:capture",
        buyer2.clone(),
        escrow("o2"),
        1000,
        Code::Capture,
    );
    transfers.push(Recorded {
        transfer: t,
        debit: buyer2.clone(),
        credit: escrow("o2"),
        amount: m(1000, usd()),
    });
    let b = |d: i64, c: i64| Balances {
        debits_posted: d,
        credits_posted: c,
        ..Balances::default()
    };
    accounts.push((buyer2, b(1000, 0)));
    accounts.push((escrow("o2"), b(0, 1000)));
    let report = verify(accounts.iter().map(|(a, b)| (a, b)), transfers.iter());
    assert!(!report.ok());
    assert!(
        report
            .broken
            .iter()
            .any(|b| b.contains("overflows a 64-bit amount")),
        "{:?}",
        report.broken
    );
    let t = report.totals[&usd()];
    assert!(t.debits_posted >= 0 && t.captured >= 0, "{t:?}");
}

#[test]
fn verify_refuses_negative_and_impossible_figures() {
    let book = paid_book();
    let mut accounts: Vec<(AccountId, Balances)> =
        book.accounts().map(|(a, b)| (a.clone(), *b)).collect();
    for (id, b) in accounts.iter_mut() {
        if *id == escrow("o1") {
            // An escrow balance below zero, as a corrupted row would have it.
            b.debits_posted = 2000;
            b.credits_posted = 1000;
        }
    }
    let report = verify(accounts.iter().map(|(a, b)| (a, b)), book.recorded());
    assert!(
        report
            .broken
            .iter()
            .any(|b| b.contains("balance below zero")),
        "{:?}",
        report.broken
    );
    let mut accounts: Vec<(AccountId, Balances)> =
        book.accounts().map(|(a, b)| (a.clone(), *b)).collect();
    accounts[0].1.debits_posted = -5;
    let report = verify(accounts.iter().map(|(a, b)| (a, b)), book.recorded());
    assert!(
        report
            .broken
            .iter()
            .any(|b| b.contains("negative posted totals")),
        "{:?}",
        report.broken
    );
}

/// o1's 1000 released to s1; then `clawed` taken back for the buyer after release.
fn released_book(clawed: i64) -> Book {
    let mut book = paid_book();
    book.apply(&[Transfer {
        id: tid("release"),
        op: Op::PostPending {
            pending: tid("hold"),
            amount: m(1000, usd()),
        },
        code: Code::Release,
        order: Some(OrderId::parse("o1").unwrap()),
    }])
    .unwrap();
    let clawback = Clawback {
        id: tid("o1:clawback"),
        order: OrderId::parse("o1").unwrap(),
        seller_payable: acct(AccountKind::SellerPayable, "s1", usd()),
        seller_available: acct(AccountKind::SellerAvailable, "s1", usd()),
        guarantee_fund: acct(AccountKind::GuaranteeFund, "platform", usd()),
        seller_debt: acct(AccountKind::SellerDebt, "s1", usd()),
        buyer: acct(AccountKind::BuyerFunding, "b1", usd()),
        amount: m(clawed, usd()),
    };
    let batch = clawback.expand(&book);
    book.apply(&batch).unwrap();
    book
}

#[test]
fn a_refund_after_release_counts_as_refunded_with_its_source() {
    // Regression: `ledger verify` said refunded 0.00 for money taken back from the
    // seller after release.
    let book = released_book(600);
    let report = verify(book.accounts(), book.recorded());
    assert!(report.ok(), "{:?}", report.broken);
    let t = report.totals[&usd()];
    assert_eq!(t.refunded, 600, "{t:?}");
    assert_eq!(
        (
            t.refunded_from_escrow,
            t.refunded_from_seller,
            t.refunded_from_guarantee_fund
        ),
        (0, 600, 0)
    );
    let r = Refunds::of(book.recorded());
    assert_eq!((r.total(), r.from_seller, r.of_price()), (600, 600, 600));
}

#[test]
fn verify_fails_an_order_whose_buyer_got_back_more_than_was_paid() {
    // All 1000 taken back from the seller, then the fund pays 300 more in the
    // seller's place (with the debt recorded): 1300 back on a 1000 order.
    let mut book = released_book(1000);
    let fund = acct(AccountKind::GuaranteeFund, "platform", usd());
    let buyer = acct(AccountKind::BuyerFunding, "b1", usd());
    let debt = acct(AccountKind::SellerDebt, "s1", usd());
    book.apply(&[
        posted("extra-fund", fund.clone(), buyer, 300, Code::GuaranteeCover),
        posted("extra-debt", debt, fund, 300, Code::SellerDebt),
    ])
    .unwrap();
    let report = verify(book.accounts(), book.recorded());
    assert!(
        report
            .broken
            .iter()
            .any(|b| b.contains("order o1: 1300 back to the buyer") && b.contains("1000 paid")),
        "{:?}",
        report.broken
    );
    assert_eq!(report.totals[&usd()].refunded_from_guarantee_fund, 300);
}

#[test]
fn the_guaranteed_genuine_extra_comes_from_the_fund_on_top_of_the_price() {
    // A counterfeit claim upheld with a multiplier of 1.5: the escrow refunds the
    // 1000 paid, the fund adds 500 of its own (no seller debt).
    let mut book = paid_book();
    let buyer = acct(AccountKind::BuyerFunding, "b1", usd());
    let fund = acct(AccountKind::GuaranteeFund, "platform", usd());
    book.apply(&[
        Transfer {
            id: tid("void"),
            op: Op::VoidPending {
                pending: tid("hold"),
            },
            code: Code::Void,
            order: Some(OrderId::parse("o1").unwrap()),
        },
        posted("refund", escrow("o1"), buyer.clone(), 1000, Code::Refund),
        posted("genuine", fund, buyer, 500, Code::GuaranteeCover),
    ])
    .unwrap();
    let report = verify(book.accounts(), book.recorded());
    assert!(report.ok(), "{:?}", report.broken);
    let t = report.totals[&usd()];
    assert_eq!(
        (
            t.refunded,
            t.refunded_from_escrow,
            t.refunded_from_seller,
            t.refunded_from_guarantee_fund
        ),
        (1500, 1000, 0, 500)
    );
}

#[derive(Debug, Clone)]
enum Step {
    Pay { order: u8, minor: i64 },
    Release { order: u8, minor: i64 },
    Void { order: u8 },
    Refund { order: u8, minor: i64 },
    Payout { seller: u8, minor: i64 },
    Replay { index: usize },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u8..4, 1i64..5000).prop_map(|(order, minor)| Step::Pay { order, minor }),
        (0u8..4, 1i64..5000).prop_map(|(order, minor)| Step::Release { order, minor }),
        (0u8..4).prop_map(|order| Step::Void { order }),
        (0u8..4, 1i64..5000).prop_map(|(order, minor)| Step::Refund { order, minor }),
        (0u8..2, 1i64..5000).prop_map(|(seller, minor)| Step::Payout { seller, minor }),
        (0usize..64).prop_map(|index| Step::Replay { index }),
    ]
}

proptest! {
    /// Random sequences, racing resolutions of one hold and replays included: every
    /// invariant holds after every step, and a refused batch changes nothing.
    #[test]
    fn invariants_hold_after_every_step(steps in proptest::collection::vec(step(), 1..60)) {
        let mut book = Book::new();
        let mut history: Vec<Vec<Transfer>> = Vec::new();
        for (n, s) in steps.iter().enumerate() {
            let order = |o: u8| format!("o{o}");
            let seller = |o: u8| acct(AccountKind::SellerPayable, &format!("s{}", o % 2), usd());
            let oid = |o: u8| Some(OrderId::parse(&order(o)).unwrap());
            let batch: Vec<Transfer> = match s {
                Step::Pay { order: o, minor } => vec![
                    Transfer { id: tid(&format!("cap-{n}")), op: Op::Posted { debit: acct(AccountKind::BuyerFunding, "b", usd()), credit: escrow(&order(*o)), amount: m(*minor, usd()) }, code: Code::Capture, order: oid(*o) },
                    Transfer { id: tid(&format!("hold-{o}-{n}")), op: Op::Pending { debit: escrow(&order(*o)), credit: seller(*o), amount: m(*minor, usd()) }, code: Code::Hold, order: oid(*o) },
                ],
                Step::Release { order: o, minor } | Step::Refund { order: o, minor } => {
                    // Resolve the most recent hold of this order, racing earlier resolutions.
                    let hold = history.iter().flatten().rev().find(|t| t.code == Code::Hold && t.order == oid(*o)).map(|t| t.id.clone());
                    match (s, hold) {
                        (Step::Release { .. }, Some(h)) => vec![Transfer { id: tid(&format!("rel-{n}")), op: Op::PostPending { pending: h, amount: m(*minor, usd()) }, code: Code::Release, order: oid(*o) }],
                        (Step::Refund { .. }, Some(h)) => vec![
                            Transfer { id: tid(&format!("void-{n}")), op: Op::VoidPending { pending: h }, code: Code::Void, order: oid(*o) },
                            Transfer { id: tid(&format!("ref-{n}")), op: Op::Posted { debit: escrow(&order(*o)), credit: acct(AccountKind::BuyerFunding, "b", usd()), amount: m(*minor, usd()) }, code: Code::Refund, order: oid(*o) },
                        ],
                        _ => continue,
                    }
                }
                Step::Void { order: o } => {
                    let Some(h) = history.iter().flatten().rev().find(|t| t.code == Code::Hold && t.order == oid(*o)).map(|t| t.id.clone()) else { continue };
                    vec![Transfer { id: tid(&format!("void-{n}")), op: Op::VoidPending { pending: h }, code: Code::Void, order: oid(*o) }]
                }
                Step::Payout { seller: sl, minor } => vec![Transfer { id: tid(&format!("pay-{n}")), op: Op::Posted { debit: acct(AccountKind::SellerPayable, &format!("s{sl}"), usd()), credit: acct(AccountKind::SellerAvailable, &format!("s{sl}"), usd()), amount: m(*minor, usd()) }, code: Code::Payout, order: None }],
                Step::Replay { index } => match history.get(*index) { Some(b) => b.clone(), None => continue },
            };
            let before = book.clone();
            match book.apply(&batch) {
                Ok(applied) => {
                    if let Step::Replay { .. } = s {
                        prop_assert!(applied.iter().all(|a| matches!(a, Applied::Duplicate(_))));
                    }
                    history.push(batch);
                }
                Err(_) => {
                    let a = verify(before.accounts(), before.recorded());
                    let b = verify(book.accounts(), book.recorded());
                    prop_assert_eq!(a.totals, b.totals);
                    prop_assert_eq!(a.transfers, b.transfers);
                }
            }
            let report = verify(book.accounts(), book.recorded());
            prop_assert!(report.ok(), "after step {}: {:?}", n, report.broken);
        }
    }
}
