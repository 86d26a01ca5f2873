//! Tail probabilities for the report card tests (from `statrs`), and the PASS/WARN/FAIL
//! rule that turns a p-value and an effect into a result.

use statrs::distribution::{Binomial, ChiSquared, ContinuousCDF, DiscreteCDF, Poisson};

/// p-value below which a test warns.
pub const WARN_P: f64 = 0.01;
/// p-value below which a test fails.
pub const FAIL_P: f64 = 1e-4;

/// P(X >= k) for X ~ Binomial(n, p).
pub fn binomial_upper(k: u64, n: u64, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    let p = p.clamp(1e-9, 1.0 - 1e-9);
    Binomial::new(p, n).map_or(1.0, |b| b.sf(k - 1))
}

/// P(X <= k) for X ~ Binomial(n, p), from the distribution's own CDF so that small
/// lower tails keep their precision.
pub fn binomial_lower(k: u64, n: u64, p: f64) -> f64 {
    if k >= n {
        return 1.0;
    }
    let p = p.clamp(1e-9, 1.0 - 1e-9);
    Binomial::new(p, n).map_or(1.0, |b| b.cdf(k))
}

/// P(X >= k) for X ~ Poisson(mean).
pub fn poisson_upper(k: u64, mean: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    Poisson::new(mean.max(1e-9)).map_or(1.0, |d| d.sf(k - 1))
}

/// Survival function of the chi-squared distribution.
pub fn chi_squared_upper(x: f64, df: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    ChiSquared::new(df).map_or(1.0, |d| d.sf(x))
}

/// G-test of observed counts against expected shares; returns (G, p-value) with
/// degrees of freedom = bins with a nonzero expectation, less one.
pub fn g_test(observed: &[u64], expected_share: &[f64]) -> (f64, f64) {
    let n: u64 = observed.iter().sum();
    let mut g = 0.0;
    let mut bins = 0;
    for (&o, &e) in observed.iter().zip(expected_share) {
        let e = e.max(1e-6) * n as f64;
        bins += 1;
        if o > 0 {
            g += 2.0 * o as f64 * (o as f64 / e).ln();
        }
    }
    let df = (bins - 1).max(1) as f64;
    (g, chi_squared_upper(g, df))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tails_match_hand_computed_values() {
        // P(X >= 2) for Binomial(2, 0.5) = 0.25
        assert!((binomial_upper(2, 2, 0.5) - 0.25).abs() < 1e-9);
        assert!((binomial_upper(0, 10, 0.3) - 1.0).abs() < 1e-12);
        // P(X <= 0) for Binomial(100, 0.08) = 0.92^100
        assert!((binomial_lower(0, 100, 0.08) / 0.92f64.powi(100) - 1.0).abs() < 1e-9);
        assert!((binomial_lower(1, 2, 0.5) - 0.75).abs() < 1e-12);
        // P(X >= 1) for Poisson(1) = 1 - e^-1
        assert!((poisson_upper(1, 1.0) - (1.0 - (-1f64).exp())).abs() < 1e-9);
        // chi2 with 2 df: sf(x) = exp(-x/2)
        assert!((chi_squared_upper(3.0, 2.0) - (-1.5f64).exp()).abs() < 1e-9);
        let (_, p_same) = g_test(&[50, 50], &[0.5, 0.5]);
        assert!(p_same > 0.99);
        let (_, p_off) = g_test(&[95, 5], &[0.5, 0.5]);
        assert!(p_off < 1e-10);
    }
}
