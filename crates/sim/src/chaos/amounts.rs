//! Amounts as a hostile caller writes them: right, at the policy's limit, one minor
//! unit over it, far over any i64 total, negative, with too many decimals, malformed,
//! or in another currency than the order's.

use domain::{Currency, Money};
use protection::Policy;
use rand::rngs::StdRng;
use rand::Rng;

/// The currencies orders are placed in: exponents 2, 0 and 3, and one with its own
/// limit in the default policy (JPY).
pub(crate) const CURRENCIES: [&str; 5] = ["USD", "EUR", "JPY", "BHD", "KWD"];

/// The amount issue 15 reproduced: i64::MAX cents.
const HUGE: &str = "92233720368547758.07";

pub(crate) fn currency(code: &str) -> Currency {
    Currency::parse(code).expect("the simulator's currencies are ISO 4217 codes")
}

/// `minor` units of `code` as the decimal text commands carry.
pub(crate) fn text(minor: i64, code: &str) -> String {
    match Money::from_minor(minor, currency(code)) {
        Ok(m) => m.decimal(),
        Err(_) => format!("-{}", text(minor.saturating_abs(), code)),
    }
}

/// The largest amount a command may carry in `code`, in minor units.
pub(crate) fn limit_minor(policy: &Policy, code: &str) -> i64 {
    policy.amount_max(currency(code)).amount_minor()
}

/// A currency other than `code`.
pub(crate) fn other_currency(rng: &mut StdRng, code: &str) -> &'static str {
    let others: Vec<&'static str> = CURRENCIES.iter().copied().filter(|c| *c != code).collect();
    others[rng.random_range(0..others.len())]
}

/// An amount meant to be `wanted` minor units of `code`, or, one time in three, a
/// hostile variant of it: (decimal text, currency code).
pub(crate) fn hostile(
    rng: &mut StdRng,
    policy: &Policy,
    wanted: i64,
    code: &'static str,
) -> (String, &'static str) {
    if rng.random_bool(0.67) {
        return (text(wanted, code), code);
    }
    let limit = limit_minor(policy, code);
    match rng.random_range(0..9) {
        0 => (text(limit, code), code),
        1 => (text(limit.saturating_add(1), code), code),
        2 => (HUGE.to_string(), code),
        3 => (format!("-{}", text(wanted.max(1), code)), code),
        4 => (format!("{}1", with_point(&text(wanted, code))), code),
        5 => (
            ["", "abc", "1e5", "1,00", " "][rng.random_range(0..5)].to_string(),
            code,
        ),
        6 => (text(0, code), code),
        // The same digits in another currency: issue 15 refunded 10.00 USD for
        // "1.000" BHD.
        _ => (text(wanted, code), other_currency(rng, code)),
    }
}

/// The text with a decimal point, so one more digit is one decimal too many.
fn with_point(t: &str) -> String {
    if t.contains('.') {
        t.to_string()
    } else {
        format!("{t}.")
    }
}

/// A random part of `total`, at least one minor unit.
pub(crate) fn part(rng: &mut StdRng, total: i64) -> i64 {
    rng.random_range(1..=total.max(1))
}
