//! Policy: every duration and amount of the protection rules, with the defaults of
//! design.md section 2 (taken from what AliExpress, eBay and Amazon publish).

use std::collections::BTreeMap;

use domain::{Currency, Kind, Money, Timestamp};

/// The 3-D Secure exemptions a payment provider may report, by the articles of PSD2's
/// RTS on strong customer authentication (Commission Delegated Regulation (EU)
/// 2018/389) that define them: trusted beneficiaries (13), recurring payments (14),
/// low-value payments (16), secure corporate payments (17), transaction risk analysis
/// (18). Any other name is refused.
pub const THREE_DS_EXEMPTIONS: [&str; 5] = [
    "trusted_beneficiary",
    "recurring",
    "low_value",
    "secure_corporate",
    "transaction_risk_analysis",
];

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
    /// 3-D Secure exemptions that allow capture without authentication: names from
    /// `command::THREE_DS_EXEMPTIONS`.
    pub allowed_3ds_exemptions: Vec<String>,
    /// Largest payment an exemption may capture without authentication, in major units
    /// of a currency that `three_ds_exemption_max_major_by_currency` does not list; 0:
    /// no exemption in that currency, every payment authenticates.
    pub three_ds_exemption_max_major: i64,
    /// The same per currency (ISO 4217 code to major units), anchored on PSD2's
    /// low-value exemption, 30 EUR.
    pub three_ds_exemption_max_major_by_currency: BTreeMap<String, i64>,
    /// Days the seller has to respond to a dispute; no response grants the request.
    pub seller_response_days: i64,
    /// Days after opening from which the buyer may escalate.
    pub escalation_after_days: i64,
    /// Days after opening when an unresolved dispute escalates by itself.
    pub auto_escalate_days: i64,
    /// Days an agent has to decide an escalated dispute; past them it is overdue.
    pub escalation_agent_days: i64,
    /// Refund an overdue escalated dispute in full to the buyer at its agent deadline
    /// (rule `escalation_overdue`); when false it stays surfaced as overdue until an
    /// agent decides.
    pub refund_overdue_escalations: bool,
    /// Most rounds of offers and counters before the platform must decide.
    pub dispute_rounds_max: i64,
    /// Days the buyer has to ship a return.
    pub return_ship_days: i64,
    /// Days after a return is delivered when the refund is made anyway.
    pub refund_after_return_days: i64,
    /// Days a shipped return may travel; one that has not arrived by then goes to the
    /// platform.
    pub return_transit_days_max: i64,
    /// Guaranteed Genuine refund of price and shipping, in basis points (10000 = 1.0).
    pub genuine_multiplier_bps: i64,
    /// EU right of withdrawal after delivery, in days.
    pub eu_withdrawal_days: i64,
    /// EU legal guarantee after delivery, in days (2 years).
    pub legal_guarantee_days: i64,
    /// Signal kinds that open a case for agents: in a message from a seller (or an
    /// unknown sender, which also warns the buyer), or from the parcel checks.
    pub case_kinds: Vec<Kind>,
    /// Hold messages whose scan verdict is `block`: they are recorded, never shown
    /// to the buyer.
    pub hold_blocked_messages: bool,
    /// Days without a carrier event after which a shipped parcel is marked stale.
    pub parcel_stale_days: i64,
    /// Largest amount anywhere in a command (a price, shipping, an order's total, a
    /// payment, a refund asked, offered or decided, a return's shipping cost), in major
    /// units of the order's currency: scaled by the currency's exponent, so 1,000,000
    /// is 1,000,000.00 USD and 1,000,000.000 BHD.
    pub amount_max_major: i64,
    /// Other limits for some currencies (ISO 4217 code to major units): those whose
    /// major unit is worth far less than a dollar need more of them.
    pub amount_max_major_by_currency: BTreeMap<String, i64>,
}

/// Most minor units a configured amount limit may reach: one account holds over
/// 900,000 orders at that limit before its totals (i64) would overflow, and checked
/// arithmetic refuses the one that would. The defaults sit far under it.
pub const AMOUNT_MAX_MINOR_CEILING: i64 = 10_000_000_000_000;

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
            // Currencies the map below does not list: no exemption (authenticate).
            three_ds_exemption_max_major: 0,
            three_ds_exemption_max_major_by_currency: three_ds_exemption_caps(),
            seller_response_days: 5,
            escalation_after_days: 3,
            auto_escalate_days: 15,
            // An escalated dispute has waited up to 15 days already; 10 more for an
            // agent keeps the buyer's money held under a month in all.
            escalation_agent_days: 10,
            // The platform's own deadline: missing it must not cost the buyer (design.md
            // section 2, "disputes never hurt the buyer").
            refund_overdue_escalations: true,
            dispute_rounds_max: 10,
            return_ship_days: 10,
            refund_after_return_days: 10,
            return_transit_days_max: 30,
            genuine_multiplier_bps: 10_000,
            eu_withdrawal_days: 14,
            legal_guarantee_days: 730,
            case_kinds: vec![
                Kind::OffsitePayment,
                Kind::PhishingLink,
                Kind::DisputeClosurePressure,
                Kind::FakeTracking,
                Kind::ShipAndSwitch,
            ],
            hold_blocked_messages: true,
            parcel_stale_days: 10,
            // A million dollars, euros or pounds is far above any retail order on a
            // marketplace of this kind, and 10^8 cents leave an account room for 9*10^10
            // such orders before an i64 total could overflow: the bound refuses the
            // hostile amount (92233720368547758.07 USD) without refusing a real one.
            amount_max_major: 1_000_000,
            // Currencies whose major unit is worth about a hundredth of a dollar or less
            // get a limit of the same order in their money (rounded up to a power of ten).
            amount_max_major_by_currency: [
                ("JPY", 1_000_000_000),
                ("KRW", 10_000_000_000),
                ("IDR", 100_000_000_000),
                ("VND", 100_000_000_000),
                ("CLP", 10_000_000_000),
                ("COP", 10_000_000_000),
                ("HUF", 1_000_000_000),
                ("KZT", 1_000_000_000),
                ("NGN", 10_000_000_000),
                ("PKR", 1_000_000_000),
                ("UZS", 100_000_000_000),
            ]
            .into_iter()
            .map(|(c, v)| (c.to_string(), v))
            .collect(),
        }
    }
}

/// The default caps on 3-D Secure exemptions per currency, in major units.
///
/// The anchor is PSD2's low-value exemption: Commission Delegated Regulation (EU)
/// 2018/389 (the RTS on strong customer authentication), Article 16(a), exempts a
/// remote electronic payment that does not exceed 30 EUR. Its cumulative conditions
/// (100 EUR or five payments since the last authentication, Article 16(b) and (c)) are
/// counted per card by the issuer and the payment provider, which see the card; this
/// engine never does. Other currencies get about 30 EUR, rounded down to a round
/// figure; an operator sets its own (`[policy.three_ds_exemption_max_major_by_currency]`).
fn three_ds_exemption_caps() -> BTreeMap<String, i64> {
    [
        ("EUR", 30), // Delegated Regulation (EU) 2018/389, Article 16(a)
        ("USD", 30),
        ("GBP", 25),
        ("CHF", 28),
        ("CAD", 45),
        ("AUD", 50),
        ("NZD", 55),
        ("SGD", 45),
        ("HKD", 250),
        ("CNY", 230),
        ("JPY", 4_000),
        ("KRW", 45_000),
        ("INR", 2_700),
        ("BRL", 180),
        ("MXN", 600),
        ("ZAR", 600),
        ("AED", 120),
        ("SAR", 120),
        ("ILS", 120),
        ("PLN", 130),
        ("CZK", 750),
        ("HUF", 12_000),
        ("RON", 150),
        ("BGN", 58),
        ("SEK", 340),
        ("NOK", 350),
        ("DKK", 220),
        ("BHD", 10),
        ("KWD", 9),
        ("OMR", 11),
        ("JOD", 21),
    ]
    .into_iter()
    .map(|(c, v)| (c.to_string(), v))
    .collect()
}

impl Policy {
    /// The largest payment in `currency` that a 3-D Secure exemption may capture.
    pub fn three_ds_exemption_max(&self, currency: Currency) -> Money {
        let major = self
            .three_ds_exemption_max_major_by_currency
            .get(currency.code())
            .copied()
            .unwrap_or(self.three_ds_exemption_max_major);
        // `check` keeps the cap within the amount limit; saturate for a policy built
        // in code without it.
        let minor = major
            .checked_mul(currency.minor_per_major())
            .unwrap_or(AMOUNT_MAX_MINOR_CEILING)
            .clamp(0, AMOUNT_MAX_MINOR_CEILING);
        Money::from_minor(minor, currency).expect("clamped to non-negative")
    }

    pub fn delivery_cap_days(&self, country: Option<&str>) -> i64 {
        country
            .and_then(|c| self.delivery_cap_days_by_country.get(c))
            .copied()
            .unwrap_or(self.delivery_cap_days)
    }

    /// The promised delivery date of an order shipped at `shipped` with
    /// `promised_days`, capped by the destination's delivery cap. Buyer protection ends
    /// then, unless extended.
    pub fn promised_at(
        &self,
        shipped: Timestamp,
        promised_days: i64,
        country: Option<&str>,
    ) -> Timestamp {
        shipped.plus_days(promised_days.min(self.delivery_cap_days(country)))
    }

    /// When protection ends for a parcel delivered at `delivered`, with the protection
    /// period ending at `protection_ends`: a parcel that came in time keeps that end; one
    /// that came at or after it gets `inspection_days_after_late_delivery` from delivery.
    /// With no open dispute or parcel flag the order auto-confirms then: that is its
    /// completion, from which the post-completion dispute window runs.
    pub fn protection_ends_on_delivery(
        &self,
        protection_ends: Timestamp,
        delivered: Timestamp,
    ) -> Timestamp {
        let inspect_until = delivered.plus_days(self.inspection_days_after_late_delivery);
        if protection_ends <= delivered && inspect_until > protection_ends {
            inspect_until
        } else {
            protection_ends
        }
    }

    /// The last moment a dispute may be opened on an order completed at `completed`
    /// (confirmed or auto-confirmed); also when the seller's payout hold ends.
    pub fn dispute_window_closes(&self, completed: Timestamp) -> Timestamp {
        completed.plus_days(self.post_completion_window_days)
    }

    /// The largest amount a command may carry in `currency`.
    pub fn amount_max(&self, currency: Currency) -> Money {
        let major = self
            .amount_max_major_by_currency
            .get(currency.code())
            .copied()
            .unwrap_or(self.amount_max_major);
        // `check` keeps the product within the ceiling; saturate for a policy built
        // in code without it.
        let minor = major
            .checked_mul(currency.minor_per_major())
            .unwrap_or(AMOUNT_MAX_MINOR_CEILING)
            .clamp(0, AMOUNT_MAX_MINOR_CEILING);
        Money::from_minor(minor, currency).expect("clamped to non-negative")
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
            ("seller_response_days", self.seller_response_days),
            ("escalation_after_days", self.escalation_after_days),
            ("auto_escalate_days", self.auto_escalate_days),
            ("escalation_agent_days", self.escalation_agent_days),
            ("dispute_rounds_max", self.dispute_rounds_max),
            ("return_ship_days", self.return_ship_days),
            ("refund_after_return_days", self.refund_after_return_days),
            ("return_transit_days_max", self.return_transit_days_max),
            ("eu_withdrawal_days", self.eu_withdrawal_days),
            ("legal_guarantee_days", self.legal_guarantee_days),
            ("parcel_stale_days", self.parcel_stale_days),
        ];
        for (name, v) in non_negative {
            if !(0..=3650).contains(&v) {
                return Err(format!("policy {name} = {v} is outside 0..=3650"));
            }
        }
        if !(10_000..=50_000).contains(&self.genuine_multiplier_bps) {
            return Err("policy genuine_multiplier_bps must be 10000 (1.0) to 50000".into());
        }
        if self.parcel_stale_days == 0 {
            return Err("policy parcel_stale_days must be at least 1".into());
        }
        if self.handling_days_default == 0 || self.delivery_cap_days == 0 {
            return Err("policy handling and delivery days must be at least 1".into());
        }
        if self.escalation_agent_days == 0 {
            return Err("policy escalation_agent_days must be at least 1".into());
        }
        let limits = std::iter::once(("amount_max_major".to_string(), None, self.amount_max_major))
            .chain(self.amount_max_major_by_currency.iter().map(|(code, v)| {
                (
                    format!("amount_max_major_by_currency.{code}"),
                    Some(code),
                    *v,
                )
            }));
        for (name, code, major) in limits {
            // The default applies to every currency: it must fit the one with the most
            // decimals (3: BHD, KWD...; CLF's 4 is covered by the check below).
            let exponent = match code {
                Some(code) => {
                    let c = Currency::parse(code).map_err(|e| format!("policy {name}: {e}"))?;
                    if c.code() != code {
                        return Err(format!("policy {name}: write the code as {}", c.code()));
                    }
                    c.exponent()
                }
                None => 3,
            };
            let minor = major.checked_mul(10_i64.pow(u32::from(exponent)));
            if major < 1 || minor.is_none_or(|m| m > AMOUNT_MAX_MINOR_CEILING) {
                return Err(format!(
                    "policy {name} = {major} must be at least 1 and at most {AMOUNT_MAX_MINOR_CEILING} minor units"
                ));
            }
        }
        self.check_three_ds()
    }

    /// Exemptions are known names, and their caps whole major units from 0 up to the
    /// currency's amount limit.
    fn check_three_ds(&self) -> Result<(), String> {
        for name in &self.allowed_3ds_exemptions {
            if !THREE_DS_EXEMPTIONS.contains(&name.as_str()) {
                return Err(format!(
                    "policy allowed_3ds_exemptions: {name:?} is not a 3-D Secure exemption ({})",
                    THREE_DS_EXEMPTIONS.join(", ")
                ));
            }
        }
        let caps =
            std::iter::once((
                "three_ds_exemption_max_major".to_string(),
                None,
                self.three_ds_exemption_max_major,
            ))
            .chain(self.three_ds_exemption_max_major_by_currency.iter().map(
                |(code, v)| {
                    (
                        format!("three_ds_exemption_max_major_by_currency.{code}"),
                        Some(code),
                        *v,
                    )
                },
            ));
        for (name, code, major) in caps {
            let limit = match code {
                Some(code) => {
                    let c = Currency::parse(code).map_err(|e| format!("policy {name}: {e}"))?;
                    if c.code() != code {
                        return Err(format!("policy {name}: write the code as {}", c.code()));
                    }
                    self.amount_max(c).amount_minor() / c.minor_per_major()
                }
                None => self.amount_max_major,
            };
            if !(0..=limit).contains(&major) {
                return Err(format!(
                    "policy {name} = {major} must be 0 to {limit}, the amount limit"
                ));
            }
        }
        Ok(())
    }
}
