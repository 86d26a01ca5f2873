//! Policy: every duration and amount of the protection rules, with the defaults of
//! design.md section 2 (taken from what AliExpress, eBay and Amazon publish).

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Days the seller has to ship after payment when the order sets none.
    pub handling_days_default: i64,
    /// Longest promised delivery after shipment, in days.
    pub delivery_cap_days: i64,
    /// Longer caps for some destination countries (ISO 3166 alpha-2).
    pub delivery_cap_days_by_country: BTreeMap<String, i64>,
    /// Days after completion in which a dispute may still be opened; also the payout hold.
    pub post_completion_window_days: i64,
    /// Days after the promised date (or the end of an extended protection period) after
    /// which an undelivered order is refunded in full by the on-time guarantee.
    pub not_delivered_grace_days: i64,
    /// Compensation for a late delivery, in hundredths of the order currency's major
    /// unit (100 = 1.00 USD, 1 JPY).
    pub late_compensation_hundredths: i64,
    /// Days a buyer keeps to inspect a parcel delivered after the protection period.
    pub inspection_days_after_late_delivery: i64,
    /// Most days one extension may add, and most days all extensions of an order may add.
    pub extension_days_max: i64,
    pub extension_days_total_max: i64,
    /// 3-D Secure exemptions that allow capture without authentication.
    pub allowed_3ds_exemptions: Vec<String>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            handling_days_default: 7,
            delivery_cap_days: 60,
            delivery_cap_days_by_country: [("RU".to_string(), 90), ("BR".to_string(), 120)]
                .into_iter()
                .collect(),
            post_completion_window_days: 15,
            not_delivered_grace_days: 7,
            late_compensation_hundredths: 100,
            inspection_days_after_late_delivery: 5,
            extension_days_max: 30,
            extension_days_total_max: 60,
            allowed_3ds_exemptions: vec!["low_value".to_string()],
        }
    }
}

impl Policy {
    pub fn delivery_cap_days(&self, country: Option<&str>) -> i64 {
        country
            .and_then(|c| self.delivery_cap_days_by_country.get(c))
            .copied()
            .unwrap_or(self.delivery_cap_days)
    }

    /// Checks that the numbers make sense; configuration loading calls this.
    pub fn check(&self) -> Result<(), String> {
        let non_negative = [
            ("handling_days_default", self.handling_days_default),
            ("delivery_cap_days", self.delivery_cap_days),
            (
                "post_completion_window_days",
                self.post_completion_window_days,
            ),
            ("not_delivered_grace_days", self.not_delivered_grace_days),
            (
                "late_compensation_hundredths",
                self.late_compensation_hundredths,
            ),
            (
                "inspection_days_after_late_delivery",
                self.inspection_days_after_late_delivery,
            ),
            ("extension_days_max", self.extension_days_max),
            ("extension_days_total_max", self.extension_days_total_max),
        ];
        for (name, v) in non_negative {
            if !(0..=3650).contains(&v) {
                return Err(format!("policy {name} = {v} is outside 0..=3650"));
            }
        }
        if self.handling_days_default == 0 || self.delivery_cap_days == 0 {
            return Err("policy handling and delivery days must be at least 1".into());
        }
        Ok(())
    }
}
