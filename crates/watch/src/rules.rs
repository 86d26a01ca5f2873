//! The numbers of each marketplace's buyer protection that `watch` needs, with their
//! defaults: AliExpress from the engine's `protection::Policy` (design.md section 2),
//! eBay and Amazon from what they publish. Every number can be overridden in the
//! configuration file under `[watch.<marketplace>]`.

use serde::Deserialize;

/// The marketplace whose rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Marketplace {
    /// Buyer protection until the promised delivery date; disputes per design.md section 2.
    #[default]
    Aliexpress,
    /// Money Back Guarantee: report within 30 days of the estimated delivery date.
    Ebay,
    /// A-to-z Guarantee: claim within 90 days of the latest estimated delivery date,
    /// after contacting the seller and waiting 2 days.
    Amazon,
}

impl Marketplace {
    pub fn as_str(self) -> &'static str {
        match self {
            Marketplace::Aliexpress => "aliexpress",
            Marketplace::Ebay => "ebay",
            Marketplace::Amazon => "amazon",
        }
    }
}

/// A number of the rules that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    #[error("watch.{marketplace}.{number} = {value} is outside 0..=3650")]
    OutOfRange {
        marketplace: &'static str,
        number: &'static str,
        value: i64,
    },
    /// `variable` is the environment variable's name.
    #[error("{variable}={value:?} is not a whole number")]
    NotANumber { variable: String, value: String },
    /// An AliExpress number that is the engine's: one set of numbers for both.
    #[error("{setting} is the engine's policy number {policy}: set it under [policy] or as MARKETGUARD_POLICY_{env} so that watch and the engine keep one rule")]
    PolicyNumber {
        setting: String,
        policy: &'static str,
        env: String,
    },
}

/// The AliExpress numbers of `watch` that are the engine's policy numbers, by name.
pub const ALIEXPRESS_POLICY_NUMBERS: [(&str, &str); 5] = [
    ("handling_days", "handling_days_default"),
    ("delivery_days_default", "delivery_cap_days"),
    ("post_delivery_days", "post_completion_window_days"),
    ("seller_response_days", "seller_response_days"),
    ("escalation_after_days", "escalation_after_days"),
];

macro_rules! rules {
    ($($(#[$doc:meta])* $field:ident,)*) => {
        /// Every number `watch` uses, in days unless the name says otherwise.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Rules {
            pub marketplace: Marketplace,
            /// The engine's policy. On AliExpress it is the only source of the
            /// protection numbers and its functions compute the deadlines (ship by,
            /// protection end, completion, dispute window), as the engine does.
            pub policy: protection::Policy,
            $($(#[$doc])* pub $field: i64,)*
        }

        /// `[watch.<marketplace>]` in the configuration file: any subset of the numbers.
        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct RulesFile {
            $($field: Option<i64>,)*
        }

        impl Rules {
            /// Overrides the numbers the file sets, then checks them all.
            pub fn apply(&mut self, file: &RulesFile) -> Result<(), RulesError> {
                $(if let Some(v) = file.$field {
                    self.refuse_policy_number(stringify!($field), None)?;
                    self.$field = v;
                })*
                self.check()
            }

            /// Every number within 0..=3650.
            pub fn check(&self) -> Result<(), RulesError> {
                $(
                    if !(0..=3650).contains(&self.$field) {
                        return Err(RulesError::OutOfRange {
                            marketplace: self.marketplace.as_str(),
                            number: stringify!($field),
                            value: self.$field,
                        });
                    }
                )*
                Ok(())
            }

            /// Overrides from `MARKETGUARD_WATCH_<MARKETPLACE>_<NUMBER>` variables
            /// (after the file); call [`Rules::check`] afterwards.
            pub fn apply_env(&mut self, get: &dyn Fn(&str) -> Option<String>) -> Result<(), RulesError> {
                $(
                    let name = format!(
                        "MARKETGUARD_WATCH_{}_{}",
                        self.marketplace.as_str().to_ascii_uppercase(),
                        stringify!($field).to_ascii_uppercase()
                    );
                    if let Some(v) = get(&name) {
                        self.refuse_policy_number(stringify!($field), Some(&name))?;
                        self.$field = v.trim().parse().map_err(|_| RulesError::NotANumber {
                            variable: name,
                            value: v,
                        })?;
                    }
                )*
                Ok(())
            }

            /// (name, value) of every number, for `--help`-like listings and JSON.
            pub fn numbers(&self) -> Vec<(&'static str, i64)> {
                vec![$((stringify!($field), self.$field),)*]
            }
        }
    };
}

rules!(
    /// Days the seller has to ship after payment.
    handling_days,
    /// Days from shipment to the estimated delivery date when the order gives none.
    delivery_days_default,
    /// Days after the estimated delivery date in which a not-received claim may be
    /// made (0 on AliExpress: protection ends on the promised date).
    claim_window_days,
    /// Days to wait after contacting the seller before a claim may be filed (Amazon).
    contact_wait_days,
    /// eBay: days after delivery in which a return may be opened. AliExpress: days
    /// after completion (the policy's `post_completion_window_days`). Amazon: not used,
    /// its window is `claim_window_days` from the latest estimated delivery date.
    post_delivery_days,
    /// Days the seller has to answer a dispute.
    seller_response_days,
    /// Days after opening a dispute from which the buyer may escalate it.
    escalation_after_days,
    /// Days without carrier movement after which a parcel counts as stuck.
    stale_after_days,
    /// Days left at or below which the action is "now".
    urgent_days,
    /// Days left at or below which the buyer should ask for an extension (AliExpress)
    /// or prepare a claim.
    soon_days,
    /// Days between sample orders with each active supplier.
    sample_interval_days,
    /// Days since its last order within which a supplier counts as active.
    supplier_active_days,
    /// Days before a deadline when the calendar reminder fires.
    reminder_days,
    /// Fewest orders for a scorecard recommendation other than `watch`.
    scorecard_orders_min,
    /// Lowest on-time rate (percent) to keep a supplier; below `replace_on_time_pct` replace it.
    keep_on_time_pct,
    replace_on_time_pct,
    /// Highest dispute rate (percent) to keep a supplier; above `replace_dispute_pct` replace it.
    keep_dispute_pct,
    replace_dispute_pct,
    /// Highest not-received rate (percent) before a supplier is replaced.
    replace_not_received_pct,
);

impl Rules {
    /// Refuses setting an AliExpress number that belongs to the policy (`variable`:
    /// the environment variable that tried, else the file).
    fn refuse_policy_number(&self, field: &str, variable: Option<&str>) -> Result<(), RulesError> {
        if self.marketplace != Marketplace::Aliexpress {
            return Ok(());
        }
        let Some((_, policy)) = ALIEXPRESS_POLICY_NUMBERS.iter().find(|(f, _)| *f == field) else {
            return Ok(());
        };
        Err(RulesError::PolicyNumber {
            setting: variable.map_or_else(|| format!("watch.aliexpress.{field}"), String::from),
            policy,
            env: policy.to_ascii_uppercase(),
        })
    }

    /// The defaults of a marketplace. AliExpress takes the policy's numbers.
    pub fn defaults(marketplace: Marketplace, policy: &protection::Policy) -> Rules {
        let common = Rules {
            marketplace,
            policy: policy.clone(),
            handling_days: policy.handling_days_default,
            delivery_days_default: policy.delivery_cap_days,
            claim_window_days: 0,
            contact_wait_days: 0,
            post_delivery_days: policy.post_completion_window_days,
            seller_response_days: policy.seller_response_days,
            escalation_after_days: policy.escalation_after_days,
            stale_after_days: 10,
            urgent_days: 3,
            soon_days: 7,
            sample_interval_days: 90,
            supplier_active_days: 90,
            reminder_days: 2,
            scorecard_orders_min: 3,
            keep_on_time_pct: 90,
            replace_on_time_pct: 70,
            keep_dispute_pct: 5,
            replace_dispute_pct: 15,
            replace_not_received_pct: 10,
        };
        match marketplace {
            Marketplace::Aliexpress => common,
            Marketplace::Ebay => Rules {
                handling_days: 3,
                delivery_days_default: 10,
                claim_window_days: 30,
                post_delivery_days: 30,
                seller_response_days: 3,
                escalation_after_days: 3,
                ..common
            },
            Marketplace::Amazon => Rules {
                handling_days: 2,
                delivery_days_default: 7,
                claim_window_days: 90,
                contact_wait_days: 2,
                post_delivery_days: 90,
                seller_response_days: 2,
                escalation_after_days: 2,
                ..common
            },
        }
    }
}

/// `[watch]` in the configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchFile {
    #[serde(default)]
    pub aliexpress: RulesFile,
    #[serde(default)]
    pub ebay: RulesFile,
    #[serde(default)]
    pub amazon: RulesFile,
}

impl WatchFile {
    pub fn for_marketplace(&self, m: Marketplace) -> &RulesFile {
        match m {
            Marketplace::Aliexpress => &self.aliexpress,
            Marketplace::Ebay => &self.ebay,
            Marketplace::Amazon => &self.amazon,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliexpress_takes_the_policy_numbers_and_the_file_overrides_them() {
        let policy = protection::Policy {
            post_completion_window_days: 20,
            ..protection::Policy::default()
        };
        let mut rules = Rules::defaults(Marketplace::Aliexpress, &policy);
        assert_eq!(rules.post_delivery_days, 20);
        assert_eq!(rules.delivery_days_default, policy.delivery_cap_days);
        let file: WatchFile = toml::from_str("[aliexpress]\nstale_after_days = 4\n").unwrap();
        rules
            .apply(file.for_marketplace(Marketplace::Aliexpress))
            .unwrap();
        assert_eq!(rules.stale_after_days, 4);
        let bad: RulesFile = toml::from_str("urgent_days = -1").unwrap();
        assert!(rules.apply(&bad).is_err());
        assert!(toml::from_str::<RulesFile>("no_such_number = 1").is_err());
    }
}
