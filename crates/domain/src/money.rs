//! Money as an integer count of minor units in an ISO 4217 currency; never a float.

use std::fmt;

/// An ISO 4217 currency with its real minor-unit exponent (JPY 0, USD 2, BHD 3).
///
/// Only currencies with a defined exponent are accepted: fund and metal codes such as
/// XAU have none and cannot carry a price.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency(iso_currency::Currency);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("unknown currency code {0:?}: expected an ISO 4217 code such as USD or EUR")]
    UnknownCurrency(String),
    #[error("currency {0} has no minor unit and cannot be used for prices")]
    NoMinorUnit(String),
    #[error("amount {text:?} is not a decimal number like 19.99")]
    Malformed { text: String },
    #[error("amount {text:?} has {decimals} decimals but {currency} allows {allowed}")]
    TooManyDecimals {
        text: String,
        decimals: usize,
        currency: Currency,
        allowed: u8,
    },
    #[error("amount {0:?} is negative")]
    Negative(String),
    #[error("amount {0:?} is too large")]
    Overflow(String),
    #[error("currencies differ: {0} and {1}")]
    CurrencyMismatch(Currency, Currency),
}

impl Currency {
    pub fn parse(code: &str) -> Result<Currency, MoneyError> {
        let upper = code.trim().to_ascii_uppercase();
        let currency = iso_currency::Currency::from_code(&upper)
            .ok_or_else(|| MoneyError::UnknownCurrency(code.to_string()))?;
        if currency.exponent().is_none() {
            return Err(MoneyError::NoMinorUnit(upper));
        }
        Ok(Currency(currency))
    }

    pub fn code(self) -> &'static str {
        self.0.code()
    }

    /// Number of decimal digits of the minor unit.
    pub fn exponent(self) -> u8 {
        // Checked in `parse`: every `Currency` value has an exponent.
        self.0.exponent().expect("currency without exponent") as u8
    }

    /// Minor units in one major unit (100 for USD, 1 for JPY, 1000 for BHD).
    pub fn minor_per_major(self) -> i64 {
        10_i64.pow(u32::from(self.exponent()))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A non-negative amount of money. Arithmetic is checked and refuses mixed currencies.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    amount_minor: i64,
    currency: Currency,
}

impl Money {
    pub fn from_minor(amount_minor: i64, currency: Currency) -> Result<Money, MoneyError> {
        if amount_minor < 0 {
            return Err(MoneyError::Negative(amount_minor.to_string()));
        }
        Ok(Money {
            amount_minor,
            currency,
        })
    }

    pub fn zero(currency: Currency) -> Money {
        Money {
            amount_minor: 0,
            currency,
        }
    }

    /// Parses a decimal string exactly: "19.99" USD is 1999 minor units. No floats.
    pub fn parse(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let t = text.trim();
        let malformed = || MoneyError::Malformed {
            text: text.to_string(),
        };
        if t.starts_with('-') {
            return Err(MoneyError::Negative(text.to_string()));
        }
        let t = t.strip_prefix('+').unwrap_or(t);
        let (whole, frac) = match t.split_once('.') {
            Some((w, f)) => (w, f),
            None => (t, ""),
        };
        if whole.is_empty() && frac.is_empty() {
            return Err(malformed());
        }
        if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        if t.ends_with('.') {
            return Err(malformed());
        }
        let allowed = currency.exponent();
        // Trailing zeros beyond the exponent carry no value ("19.990" USD is fine).
        let significant = frac.trim_end_matches('0');
        if significant.len() > usize::from(allowed) {
            return Err(MoneyError::TooManyDecimals {
                text: text.to_string(),
                decimals: frac.len(),
                currency,
                allowed,
            });
        }
        let overflow = || MoneyError::Overflow(text.to_string());
        let mut major: i64 = 0;
        for b in whole.bytes() {
            major = major
                .checked_mul(10)
                .and_then(|m| m.checked_add(i64::from(b - b'0')))
                .ok_or_else(overflow)?;
        }
        let mut minor: i64 = 0;
        for i in 0..usize::from(allowed) {
            let digit = significant.as_bytes().get(i).map_or(0, |b| b - b'0');
            minor = minor * 10 + i64::from(digit);
        }
        let amount_minor = major
            .checked_mul(currency.minor_per_major())
            .and_then(|m| m.checked_add(minor))
            .ok_or_else(overflow)?;
        Ok(Money {
            amount_minor,
            currency,
        })
    }

    pub fn amount_minor(self) -> i64 {
        self.amount_minor
    }

    pub fn currency(self) -> Currency {
        self.currency
    }

    pub fn is_zero(self) -> bool {
        self.amount_minor == 0
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let sum = self
            .amount_minor
            .checked_add(other.amount_minor)
            .ok_or_else(|| MoneyError::Overflow(format!("{self} + {other}")))?;
        Money::from_minor(sum, self.currency)
    }

    /// `self - other`; an error when the result would be negative.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        Money::from_minor(self.amount_minor - other.amount_minor, self.currency)
    }

    pub fn min(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        Ok(if self.amount_minor <= other.amount_minor {
            self
        } else {
            other
        })
    }

    /// Multiplies by a ratio of integers, rounding half up; used for policy multipliers
    /// given in basis points, so that no float touches money.
    pub fn mul_ratio(self, numerator: i64, denominator: i64) -> Result<Money, MoneyError> {
        assert!(denominator > 0, "denominator must be positive");
        let product = i128::from(self.amount_minor) * i128::from(numerator);
        let rounded = (product + i128::from(denominator) / 2) / i128::from(denominator);
        let amount = i64::try_from(rounded).map_err(|_| MoneyError::Overflow(self.to_string()))?;
        Money::from_minor(amount, self.currency)
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(self.currency, other.currency));
        }
        Ok(())
    }

    /// The amount as a decimal string without the currency code: "19.99".
    pub fn decimal(self) -> String {
        let exp = usize::from(self.currency.exponent());
        if exp == 0 {
            return self.amount_minor.to_string();
        }
        let per = self.currency.minor_per_major();
        format!(
            "{}.{:0width$}",
            self.amount_minor / per,
            self.amount_minor % per,
            width = exp
        )
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.decimal(), self.currency)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    fn check(text: &str, code: &str, expect: Result<i64, &str>) {
        let got = Money::parse(text, cur(code));
        match (got, expect) {
            (Ok(m), Ok(minor)) => assert_eq!(m.amount_minor(), minor, "{text} {code}"),
            (Err(e), Err(fragment)) => {
                assert!(e.to_string().contains(fragment), "{text} {code}: {e}")
            }
            (got, expect) => panic!("{text} {code}: got {got:?}, expected {expect:?}"),
        }
    }

    #[test]
    fn parses_amounts_exactly_with_the_real_exponent() {
        check("19.99", "USD", Ok(1999));
        check("0.1", "USD", Ok(10));
        check("19.990", "USD", Ok(1999));
        check("1000", "JPY", Ok(1000));
        check("1.5", "JPY", Err("allows 0"));
        check("1.234", "BHD", Ok(1234));
        check("1.2345", "BHD", Err("allows 3"));
        check("0.07", "EUR", Ok(7));
        check("19.999", "USD", Err("3 decimals"));
        check("-1.00", "USD", Err("negative"));
        check("abc", "USD", Err("not a decimal"));
        check("1.", "USD", Err("not a decimal"));
        check("", "USD", Err("not a decimal"));
        check("1e3", "USD", Err("not a decimal"));
        check("92233720368547758.07", "USD", Ok(i64::MAX));
        check("92233720368547758.08", "USD", Err("too large"));
        check("99999999999999999999", "JPY", Err("too large"));
    }

    #[test]
    fn currency_codes_are_checked() {
        assert_eq!(cur("usd").code(), "USD");
        assert_eq!(cur("KWD").exponent(), 3);
        assert!(matches!(
            Currency::parse("XYZ"),
            Err(MoneyError::UnknownCurrency(_))
        ));
        assert!(matches!(
            Currency::parse("XAU"),
            Err(MoneyError::NoMinorUnit(_))
        ));
    }

    #[test]
    fn arithmetic_refuses_mixed_currencies_and_negatives() {
        let a = Money::parse("5", cur("USD")).unwrap();
        let b = Money::parse("5", cur("EUR")).unwrap();
        assert!(matches!(
            a.checked_add(b),
            Err(MoneyError::CurrencyMismatch(..))
        ));
        let c = Money::parse("6", cur("USD")).unwrap();
        assert!(a.checked_sub(c).is_err());
        assert_eq!(c.checked_sub(a).unwrap().amount_minor(), 100);
        assert_eq!(a.mul_ratio(15_000, 10_000).unwrap().amount_minor(), 750);
        assert_eq!(a.to_string(), "5.00 USD");
    }

    proptest::proptest! {
        #[test]
        fn display_round_trips(minor in 0_i64..i64::MAX, code in proptest::sample::select(vec!["USD", "JPY", "BHD", "CLF"])) {
            let m = Money::from_minor(minor, cur(code)).unwrap();
            let back = Money::parse(&m.decimal(), cur(code)).unwrap();
            proptest::prop_assert_eq!(m, back);
        }
    }
}
