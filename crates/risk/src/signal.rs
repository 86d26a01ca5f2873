//! How findings combine into a risk and a verdict. The taxonomy itself (`Kind`,
//! `Severity`, `Verdict`, `Finding`) lives in `domain::finding`.

pub use domain::finding::{Finding, Kind, Severity, Verdict, EXCERPT_BYTES_MAX};

/// How much a finding of this severity counts towards the combined risk.
fn weight(severity: Severity) -> f64 {
    match severity {
        Severity::Low => 0.35,
        Severity::Medium => 0.65,
        Severity::High => 0.9,
        Severity::Critical => 1.0,
    }
}

/// Risk from which each verdict starts; configuration may change them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub warn: u8,
    pub review: u8,
    pub block: u8,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            warn: 25,
            review: 55,
            block: 85,
        }
    }
}

impl Thresholds {
    pub fn verdict(&self, risk: u8) -> Verdict {
        if risk >= self.block {
            Verdict::Block
        } else if risk >= self.review {
            Verdict::Review
        } else if risk >= self.warn {
            Verdict::Warn
        } else {
            Verdict::Allow
        }
    }
}

/// Signals combined: risk 0-100 and the verdict it implies.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    risk: u8,
    verdict: Verdict,
    signals: Vec<Finding>,
}

impl Assessment {
    /// Combines signals as independent evidence (noisy-OR of severity-weighted scores):
    /// each signal can only raise the risk, and no number of weak signals reaches 100.
    pub fn combine(mut signals: Vec<Finding>, thresholds: &Thresholds) -> Assessment {
        let clean: f64 = signals
            .iter()
            .map(|s| 1.0 - s.score() * weight(s.severity()))
            .product();
        let risk = ((1.0 - clean) * 100.0).round().clamp(0.0, 100.0) as u8;
        signals.sort_by_key(|s| {
            (
                std::cmp::Reverse(s.severity()),
                s.span().map_or(usize::MAX, |r| r.start),
            )
        });
        Assessment {
            risk,
            verdict: thresholds.verdict(risk),
            signals,
        }
    }

    pub fn risk(&self) -> u8 {
        self.risk
    }
    pub fn verdict(&self) -> Verdict {
        self.verdict
    }
    pub fn signals(&self) -> &[Finding] {
        &self.signals
    }
    pub fn into_signals(self) -> Vec<Finding> {
        self.signals
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combining_only_raises_risk() {
        let t = Thresholds::default();
        let none = Assessment::combine(vec![], &t);
        assert_eq!((none.risk(), none.verdict()), (0, Verdict::Allow));
        let one = Assessment::combine(
            vec![Finding::new(
                Kind::OffsitePayment,
                Severity::High,
                0.9,
                "",
                "",
            )],
            &t,
        );
        let two = Assessment::combine(
            vec![
                Finding::new(Kind::OffsitePayment, Severity::High, 0.9, "", ""),
                Finding::new(Kind::UrgencyPressure, Severity::Low, 0.5, "", ""),
            ],
            &t,
        );
        assert!(two.risk() > one.risk() && one.risk() > 0);
        assert_eq!(one.verdict(), Verdict::Review);
    }
}
