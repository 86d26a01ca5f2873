//! Money amounts as the commands print them.

/// Minor units shown as a decimal amount of `currency` ("-12.50" allowed: platform
/// accounts run negative).
pub fn money(minor: i64, currency: domain::Currency) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = domain::Money::from_minor(minor.unsigned_abs().min(i64::MAX as u64) as i64, currency)
        .expect("absolute value is non-negative");
    format!("{sign}{}", abs.decimal())
}
