//! Money parsing: any text in any currency code either parses to a non-negative amount
//! that prints back to the same value, or is refused; it never panics.
#![no_main]

use domain::{Currency, Money};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, &str)| {
    let (code, text) = input;
    let Ok(currency) = Currency::parse(code) else {
        return;
    };
    let Ok(money) = Money::parse(text, currency) else {
        return;
    };
    assert!(money.amount_minor() >= 0, "{text:?} parsed negative");
    let again = Money::parse(&money.decimal(), currency).expect("a printed amount parses");
    assert_eq!(again, money, "{text:?} does not survive printing");
});
