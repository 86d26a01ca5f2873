//! The JSON body of each command, as the API takes it (`report::command::CommandDto`),
//! with hostile values mixed in: amounts at and over the limits, wrong currencies,
//! out-of-range days, stars and weights, reused tracking numbers.

use protection::{Actor, Order};
use rand::rngs::StdRng;
use rand::Rng;
use serde_json::{json, Value};

use super::amounts;
use super::gen::{buyer, seller, Gen, Planned};

/// The commands the generator sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Place,
    Pay,
    Ship,
    Deliver,
    Weigh,
    Confirm,
    Cancel,
    Extension,
    Grant,
    Message,
    CloseCase,
    Feedback,
    Dispute,
    EuWithdrawal,
    Respond,
    Accept,
    Counter,
    Evidence,
    Escalate,
    Decide,
    Withdraw,
    ReturnShipped,
    ReturnDelivered,
    ReturnReceived,
}

impl Kind {
    pub(crate) const ALL: [Kind; 24] = [
        Kind::Place,
        Kind::Pay,
        Kind::Ship,
        Kind::Deliver,
        Kind::Weigh,
        Kind::Confirm,
        Kind::Cancel,
        Kind::Extension,
        Kind::Grant,
        Kind::Message,
        Kind::CloseCase,
        Kind::Feedback,
        Kind::Dispute,
        Kind::EuWithdrawal,
        Kind::Respond,
        Kind::Accept,
        Kind::Counter,
        Kind::Evidence,
        Kind::Escalate,
        Kind::Decide,
        Kind::Withdraw,
        Kind::ReturnShipped,
        Kind::ReturnDelivered,
        Kind::ReturnReceived,
    ];
}

/// Who may send `kind` on the order.
pub(crate) fn right_actor(kind: Kind, o: &Planned) -> Actor {
    use Kind::*;
    match kind {
        // The platform's payment side reports payments; a buyer's key is refused.
        Place | Pay => Actor::Platform,
        Confirm | Cancel | Extension | Feedback | Dispute | EuWithdrawal | Accept | Counter
        | Escalate | Withdraw | ReturnShipped => buyer(&o.buyer),
        Ship | Grant | Respond | ReturnReceived => seller(&o.seller),
        Deliver | Weigh | ReturnDelivered => Actor::Carrier,
        CloseCase | Decide => Actor::Agent("chaos-agent".into()),
        Evidence | Message => buyer(&o.buyer),
    }
}

/// The total of the order in minor units: its state's, or a made-up one before it
/// exists.
fn total(state: Option<&Order>) -> i64 {
    state.map_or(1000, |o| o.price_minor.saturating_add(o.shipping_minor))
}

pub(crate) fn body(gen: &mut Gen, i: usize, kind: Kind, state: Option<&Order>) -> Value {
    match kind {
        Kind::Place => place(gen, i),
        Kind::Pay => pay(gen, i, state),
        Kind::Ship => ship(gen),
        Kind::Deliver => deliver(gen, i),
        Kind::Weigh => {
            json!({"command": "weigh", "grams": pick(&mut gen.rng, &[0, -1, 150, 900, 2500, i64::MAX])})
        }
        Kind::Confirm => {
            json!({"command": "confirm_receipt", "acknowledge_no_delivery": gen.rng.random_bool(0.5)})
        }
        Kind::Cancel => json!({"command": "cancel"}),
        Kind::Extension => json!({"command": "request_extension", "days": days(&mut gen.rng)}),
        Kind::Grant => json!({"command": "grant_extension", "days": days(&mut gen.rng)}),
        Kind::Message => message(gen),
        Kind::CloseCase => close_case(gen, state),
        Kind::Feedback => feedback(&mut gen.rng),
        Kind::Dispute => open_dispute(gen, i, state),
        Kind::EuWithdrawal => json!({"command": "eu_withdrawal"}),
        Kind::Respond => respond(gen, i, state),
        Kind::Accept => json!({"command": "accept_offer"}),
        Kind::Counter => {
            let (amount, currency) = money(gen, i, state);
            json!({"command": "counter_offer", "requested": amount, "currency": currency})
        }
        Kind::Evidence => {
            json!({"command": "add_evidence", "evidence": [{"type": "text", "text": "see the photos"}]})
        }
        Kind::Escalate => json!({"command": "escalate"}),
        Kind::Decide => decide(gen, i, state),
        Kind::Withdraw => {
            json!({"command": "withdraw_dispute", "confirm_protection_ends": gen.rng.random_bool(0.8)})
        }
        Kind::ReturnShipped => return_shipped(gen, i, state),
        Kind::ReturnDelivered => json!({"command": "return_delivered"}),
        Kind::ReturnReceived => json!({"command": "return_received"}),
    }
}

fn pick<T: Copy>(rng: &mut StdRng, from: &[T]) -> T {
    from[rng.random_range(0..from.len())]
}

fn days(rng: &mut StdRng) -> i64 {
    match rng.random_range(0..10) {
        0 => pick(rng, &[0, -3, 1000, i64::MAX]),
        _ => rng.random_range(1..35),
    }
}

/// A part of the order's total, or a hostile amount, in the order's currency or not.
fn money(gen: &mut Gen, i: usize, state: Option<&Order>) -> (String, &'static str) {
    let wanted = amounts::part(&mut gen.rng, total(state));
    amounts::hostile(&mut gen.rng, &gen.policy, wanted, gen.orders[i].currency)
}

fn place(gen: &mut Gen, i: usize) -> Value {
    let o = gen.orders[i].clone();
    let rng = &mut gen.rng;
    let limit = amounts::limit_minor(&gen.policy, o.currency);
    let shipping = if rng.random_bool(0.5) {
        0
    } else {
        rng.random_range(1..3000)
    };
    // Most prices are ordinary; some sit exactly at the limit with their shipping, some
    // one unit over it.
    let price = match rng.random_range(0..10) {
        0 => limit - shipping,
        1 => limit - shipping + 1,
        _ => rng.random_range(100..60_000),
    };
    let (price, currency) = if rng.random_bool(0.85) {
        (amounts::text(price, o.currency), o.currency)
    } else {
        amounts::hostile(rng, &gen.policy, price, o.currency)
    };
    let mut body = json!({
        "command": "place", "buyer": o.buyer, "seller": o.seller,
        "price": price, "shipping": amounts::text(shipping, o.currency), "currency": currency,
        "promised_days": pick(rng, &[20, 20, 30, 45, 12, 0, -1, 400]),
        "guaranteed_genuine": rng.random_bool(0.3), "choice": rng.random_bool(0.3),
        "eu_consumer": rng.random_bool(0.3), "legal_guarantee": rng.random_bool(0.2),
    });
    if let Some(c) = o.country {
        body["destination_country"] = json!(c);
    }
    if rng.random_bool(0.3) {
        body["weight_grams"] = json!(pick(rng, &[500, 1200, 0, -5]));
    }
    if rng.random_bool(0.2) {
        body["handling_days"] = json!(pick(rng, &[1, 3, 0, -2, 99_999]));
    }
    body
}

fn pay(gen: &mut Gen, i: usize, state: Option<&Order>) -> Value {
    let (amount, currency) = amounts::hostile(
        &mut gen.rng,
        &gen.policy,
        total(state),
        gen.orders[i].currency,
    );
    let three_ds = pick(
        &mut gen.rng,
        &[
            "authenticated",
            "authenticated",
            "authenticated",
            "authenticated",
            "authenticated",
            "authenticated",
            "exempt:low_value",
            "exempt:trusted_beneficiary",
            "failed",
            "attempted",
            "not_enrolled",
        ],
    );
    json!({"command": "pay", "amount": amount, "currency": currency, "three_ds": three_ds})
}

/// A new tracking number, or (one in five) one pasted from another order.
fn ship(gen: &mut Gen) -> Value {
    let rng = &mut gen.rng;
    let number = if !gen.trackings.is_empty() && rng.random_bool(0.2) {
        gen.trackings[rng.random_range(0..gen.trackings.len())].clone()
    } else {
        let n = format!("LP{:014}", rng.random_range(0..100_000_000_000_000_i64));
        gen.trackings.push(n.clone());
        n
    };
    json!({"command": "ship", "tracking": number})
}

/// A delivery to the order's country mostly, elsewhere or to no country sometimes.
fn deliver(gen: &mut Gen, i: usize) -> Value {
    let rng = &mut gen.rng;
    let country = match rng.random_range(0..10) {
        0..=5 => gen.orders[i].country,
        6 | 7 => None,
        _ => Some(pick(rng, &["NG", "CN", "RU"])),
    };
    match country {
        Some(c) => json!({"command": "deliver", "country": c}),
        None => json!({"command": "deliver"}),
    }
}

fn message(gen: &mut Gen) -> Value {
    let rng = &mut gen.rng;
    let text = pick(
        rng,
        &[
            "hello, when will it ship?",
            "pay me by western union and I give 20% discount, whatsapp +1 555 0100",
            "please close the dispute and I will send a new one",
            "my card is 4111 1111 1111 1111 exp 12/29",
            "confirm receipt now or the order is cancelled in 2 hours",
        ],
    );
    json!({"command": "post_message", "id": format!("m{}", rng.random_range(0..40)), "text": text})
}

fn close_case(gen: &mut Gen, state: Option<&Order>) -> Value {
    let rng = &mut gen.rng;
    let case = state
        .and_then(|o| o.open_cases.first().cloned())
        .filter(|_| rng.random_bool(0.8))
        .unwrap_or_else(|| "case-x".to_string());
    let label = pick(rng, &["scam", "not_scam", "maybe"]);
    json!({"command": "close_case", "case_id": case, "label": label, "note": "checked"})
}

fn feedback(rng: &mut StdRng) -> Value {
    json!({"command": "leave_feedback", "stars": pick(rng, &[5, 4, 1, 0, 6, -1]),
        "item_as_described": pick(rng, &[5, 3, 9]), "text": "ok"})
}

fn open_dispute(gen: &mut Gen, i: usize, state: Option<&Order>) -> Value {
    let reason = pick(
        &mut gen.rng,
        &[
            "not_received",
            "not_as_described",
            "counterfeit",
            "damaged",
            "wrong_item",
            "missing_parts",
            "other",
            "bored",
        ],
    );
    let mut body = json!({"command": "open_dispute", "reason": reason,
        "evidence": [{"type": "text", "text": "it is broken"}]});
    if gen.rng.random_bool(0.4) {
        let (amount, currency) = money(gen, i, state);
        body["requested"] = json!(amount);
        body["currency"] = json!(currency);
    }
    body
}

fn respond(gen: &mut Gen, i: usize, state: Option<&Order>) -> Value {
    let response = pick(
        &mut gen.rng,
        &["accept", "partial", "return", "reject", "ignore"],
    );
    let mut body = json!({"command": "respond_to_dispute", "response": response});
    if response == "partial" {
        let (amount, currency) = money(gen, i, state);
        body["amount"] = json!(amount);
        body["currency"] = json!(currency);
    }
    if gen.rng.random_bool(0.7) {
        body["evidence"] = json!([{"type": "tracking", "number": "RR123456785CN"}]);
    }
    body
}

fn decide(gen: &mut Gen, i: usize, state: Option<&Order>) -> Value {
    let outcome = pick(
        &mut gen.rng,
        &[
            "refund_full",
            "refund_partial",
            "return_and_refund",
            "rejected",
            "withdrawn",
        ],
    );
    let mut body = json!({"command": "decide_dispute", "outcome": outcome});
    if outcome == "refund_partial" {
        let (amount, currency) = money(gen, i, state);
        body["amount"] = json!(amount);
        body["currency"] = json!(currency);
    }
    body
}

fn return_shipped(gen: &mut Gen, i: usize, state: Option<&Order>) -> Value {
    let n = format!("RR{:09}CN", gen.rng.random_range(0..1_000_000_000_u64));
    let mut body = json!({"command": "return_shipped", "tracking": n});
    if gen.rng.random_bool(0.5) {
        let (amount, currency) = money(gen, i, state);
        body["shipping_cost"] = json!(amount);
        body["currency"] = json!(currency);
    }
    body
}

/// A field the command does not have: misspelt, or made up.
pub(crate) fn add_unknown_field(rng: &mut StdRng, body: &mut Value) {
    let name = pick(
        rng,
        &[
            "destinaton_country",
            "handling_day",
            "eu_consumr",
            "amount_minor",
            "scan",
            "admin",
        ],
    );
    body[name] = json!(true);
}
