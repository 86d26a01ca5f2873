//! Configuration: built-in defaults, then a TOML file (`--config` or
//! `MARKETGUARD_CONFIG`), then the environment (`MARKETGUARD_POLICY_<FIELD>`), then
//! flags (the database URL and bind address have their own flags and variables).
//! Only the rules' numbers live here; secrets never do.

use std::path::Path;

use anyhow::{bail, Context};
use protection::Policy;
use serde::Deserialize;

/// Largest configuration file read, in bytes.
pub const CONFIG_BYTES_MAX: u64 = 1 << 20;

macro_rules! policy_fields {
    ($($field:ident),* $(,)?) => {
        /// `[policy]` in the file: any subset of the fields of `protection::Policy`.
        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct PolicyFile {
            $($field: Option<i64>,)*
            allowed_3ds_exemptions: Option<Vec<String>>,
            delivery_cap_days_by_country: Option<std::collections::BTreeMap<String, i64>>,
            amount_max_major_by_currency: Option<std::collections::BTreeMap<String, i64>>,
            three_ds_exemption_max_major_by_currency: Option<std::collections::BTreeMap<String, i64>>,
            case_kinds: Option<Vec<String>>,
            hold_blocked_messages: Option<bool>,
            refund_overdue_escalations: Option<bool>,
        }

        /// Applies the file; the case kinds come back as written, checked once the
        /// environment has had its say.
        fn apply_file(p: &mut Policy, f: PolicyFile) -> Option<Vec<String>> {
            $(if let Some(v) = f.$field { p.$field = v; })*
            if let Some(v) = f.allowed_3ds_exemptions { p.allowed_3ds_exemptions = v; }
            if let Some(v) = f.delivery_cap_days_by_country { p.delivery_cap_days_by_country = v; }
            // Currencies the file names replace their default; the others keep theirs.
            if let Some(v) = f.amount_max_major_by_currency {
                for (code, major) in v {
                    p.amount_max_major_by_currency.insert(code.to_ascii_uppercase(), major);
                }
            }
            if let Some(v) = f.three_ds_exemption_max_major_by_currency {
                for (code, major) in v {
                    p.three_ds_exemption_max_major_by_currency.insert(code.to_ascii_uppercase(), major);
                }
            }
            if let Some(v) = f.hold_blocked_messages { p.hold_blocked_messages = v; }
            if let Some(v) = f.refund_overdue_escalations { p.refund_overdue_escalations = v; }
            f.case_kinds
        }

        /// The policy's fields that a `MARKETGUARD_POLICY_<FIELD>` variable sets.
        const ENV_FIELDS: &[&str] = &[
            $(stringify!($field),)* "hold_blocked_messages", "refund_overdue_escalations", "case_kinds",
        ];

        /// Applies the environment; the case kinds as in [`apply_file`].
        fn apply_env(p: &mut Policy, get: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Option<Vec<String>>> {
            $(
                let name = format!("MARKETGUARD_POLICY_{}", stringify!($field).to_ascii_uppercase());
                if let Some(v) = get(&name) {
                    p.$field = v.trim().parse().with_context(|| format!("{name}={v:?} is not a whole number"))?;
                }
            )*
            if let Some(v) = get("MARKETGUARD_POLICY_HOLD_BLOCKED_MESSAGES") {
                p.hold_blocked_messages = v.trim().parse().with_context(|| {
                    format!("MARKETGUARD_POLICY_HOLD_BLOCKED_MESSAGES={v:?} is not true or false")
                })?;
            }
            if let Some(v) = get("MARKETGUARD_POLICY_REFUND_OVERDUE_ESCALATIONS") {
                p.refund_overdue_escalations = v.trim().parse().with_context(|| {
                    format!("MARKETGUARD_POLICY_REFUND_OVERDUE_ESCALATIONS={v:?} is not true or false")
                })?;
            }
            Ok(get("MARKETGUARD_POLICY_CASE_KINDS").map(|v| {
                v.split(',').map(|k| k.trim().to_string()).filter(|k| !k.is_empty()).collect()
            }))
        }
    };
}

policy_fields!(
    handling_days_default,
    delivery_cap_days,
    post_completion_window_days,
    not_delivered_grace_days,
    late_compensation_hundredths,
    inspection_days_after_late_delivery,
    extension_days_max,
    extension_days_total_max,
    seller_response_days,
    escalation_after_days,
    auto_escalate_days,
    escalation_agent_days,
    dispute_rounds_max,
    return_ship_days,
    refund_after_return_days,
    return_transit_days_max,
    genuine_multiplier_bps,
    eu_withdrawal_days,
    legal_guarantee_days,
    parcel_stale_days,
    amount_max_major,
    three_ds_exemption_max_major,
);

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    policy: Option<PolicyFile>,
    /// `[watch.<marketplace>]`: read by [`load_watch`].
    watch: Option<watch::rules::WatchFile>,
}

/// Reads the configuration file, bounded in size.
fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    if meta.len() > CONFIG_BYTES_MAX {
        bail!("config file {} is larger than 1 MiB", path.display());
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("config file {}", path.display()))
}

/// The rules of `watch` for one marketplace: defaults (AliExpress from the policy),
/// then `[watch.<marketplace>]` in the file, then `MARKETGUARD_WATCH_<MARKETPLACE>_<NUMBER>`
/// variables; checked.
pub fn load_watch(
    file: Option<&Path>,
    marketplace: watch::Marketplace,
    policy: &Policy,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<watch::Rules> {
    let mut rules = watch::Rules::defaults(marketplace, policy);
    let section = match file {
        Some(path) => read_file(path)?.watch.unwrap_or_default(),
        None => watch::rules::WatchFile::default(),
    };
    rules
        .apply(section.for_marketplace(marketplace))
        .context("configuration")?;
    rules.apply_env(env)?;
    rules.check().context("configuration")?;
    Ok(rules)
}

/// Refuses a `MARKETGUARD_POLICY_*` variable that sets nothing: a misspelt one would
/// otherwise leave a default in force without a word. Names the nearest known one.
pub fn check_policy_variables<'a>(names: impl IntoIterator<Item = &'a str>) -> anyhow::Result<()> {
    const PREFIX: &str = "MARKETGUARD_POLICY_";
    for name in names {
        let Some(field) = name.strip_prefix(PREFIX) else {
            continue;
        };
        let field = field.to_ascii_lowercase();
        if ENV_FIELDS.contains(&field.as_str()) {
            continue;
        }
        let nearest = report::command::nearest(&field, ENV_FIELDS.iter().copied())
            .map(|f| format!(" (did you mean {PREFIX}{}?)", f.to_ascii_uppercase()))
            .unwrap_or_default();
        let file_only = if matches!(
            field.as_str(),
            "allowed_3ds_exemptions"
                | "delivery_cap_days_by_country"
                | "amount_max_major_by_currency"
                | "three_ds_exemption_max_major_by_currency"
        ) {
            " (set it in the [policy] section of the configuration file)"
        } else {
            ""
        };
        bail!("configuration: {name} is not a policy variable{nearest}{file_only}");
    }
    Ok(())
}

/// The policy in force: defaults, the file, then the environment; checked.
pub fn load_policy(
    file: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<Policy> {
    let mut policy = Policy::default();
    let mut case_kinds = None;
    if let Some(path) = file {
        let parsed = read_file(path)?;
        if let Some(p) = parsed.policy {
            case_kinds = apply_file(&mut policy, p);
        }
    }
    case_kinds = apply_env(&mut policy, env)?.or(case_kinds);
    if let Some(names) = case_kinds {
        policy.case_kinds = names
            .iter()
            .map(|k| {
                risk::Kind::parse(k).ok_or_else(|| {
                    anyhow::anyhow!(
                        "configuration: case_kinds: {k:?} is not a signal kind (see design.md section 1)"
                    )
                })
            })
            .collect::<anyhow::Result<_>>()?;
    }
    policy
        .check()
        .map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
    Ok(policy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_environment_override_the_defaults() {
        let dir = std::env::temp_dir().join(format!("mg-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("marketguard.toml");
        std::fs::write(
            &path,
            "[policy]\nseller_response_days = 7\nauto_escalate_days = 20\nallowed_3ds_exemptions = []\n",
        )
        .unwrap();
        let env = |name: &str| {
            (name == "MARKETGUARD_POLICY_AUTO_ESCALATE_DAYS").then(|| "21".to_string())
        };
        let p = load_policy(Some(&path), &env).unwrap();
        assert_eq!(p.seller_response_days, 7);
        assert_eq!(
            p.auto_escalate_days, 21,
            "the environment wins over the file"
        );
        assert!(p.allowed_3ds_exemptions.is_empty());
        assert_eq!(
            p.handling_days_default, 7,
            "untouched fields keep their defaults"
        );

        std::fs::write(&path, "[policy]\nseller_respons_days = 7\n").unwrap();
        let err = load_policy(Some(&path), &|_| None).unwrap_err();
        assert!(
            format!("{err:#}").contains("seller_respons_days"),
            "{err:#}"
        );
        std::fs::write(
            &path,
            "[policy]\namount_max_major = 5000\n[policy.amount_max_major_by_currency]\njpy = 800000\n",
        )
        .unwrap();
        let env = |name: &str| {
            (name == "MARKETGUARD_POLICY_AMOUNT_MAX_MAJOR").then(|| "7000".to_string())
        };
        let p = load_policy(Some(&path), &env).unwrap();
        let usd = domain::Currency::parse("USD").unwrap();
        let jpy = domain::Currency::parse("JPY").unwrap();
        let krw = domain::Currency::parse("KRW").unwrap();
        assert_eq!(p.amount_max(usd).to_string(), "7000.00 USD");
        assert_eq!(p.amount_max(jpy).to_string(), "800000 JPY");
        assert_eq!(
            p.amount_max(krw).to_string(),
            "10000000000 KRW",
            "kept its default"
        );
        std::fs::write(&path, "[policy.amount_max_major_by_currency]\nXYZ = 5\n").unwrap();
        let err = load_policy(Some(&path), &|_| None).unwrap_err();
        assert!(format!("{err:#}").contains("XYZ"), "{err:#}");
        std::fs::write(&path, "[policy]\nhandling_days_default = -1\n").unwrap();
        assert!(load_policy(Some(&path), &|_| None).is_err());
        let bad_env =
            |name: &str| (name == "MARKETGUARD_POLICY_RETURN_SHIP_DAYS").then(|| "ten".to_string());
        let err = load_policy(None, &bad_env).unwrap_err();
        assert!(err
            .to_string()
            .contains("MARKETGUARD_POLICY_RETURN_SHIP_DAYS"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn three_ds_caps_and_the_agent_deadline_come_from_the_file_and_the_environment() {
        let dir = std::env::temp_dir().join(format!("mg-config-3ds-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("p.toml");
        std::fs::write(
            &path,
            "[policy]\nrefund_overdue_escalations = false\n[policy.three_ds_exemption_max_major_by_currency]\neur = 20\nTHB = 1000\n",
        )
        .unwrap();
        let env = |name: &str| match name {
            "MARKETGUARD_POLICY_ESCALATION_AGENT_DAYS" => Some("4".to_string()),
            "MARKETGUARD_POLICY_THREE_DS_EXEMPTION_MAX_MAJOR" => Some("5".to_string()),
            _ => None,
        };
        let p = load_policy(Some(&path), &env).unwrap();
        let cap = |c: &str| {
            p.three_ds_exemption_max(domain::Currency::parse(c).unwrap())
                .to_string()
        };
        assert_eq!(cap("EUR"), "20.00 EUR");
        assert_eq!(cap("THB"), "1000.00 THB");
        assert_eq!(cap("USD"), "30.00 USD", "the other defaults stay");
        assert_eq!(cap("XAF"), "5 XAF");
        assert_eq!(p.escalation_agent_days, 4);
        assert!(!p.refund_overdue_escalations);
        let env = |name: &str| {
            (name == "MARKETGUARD_POLICY_REFUND_OVERDUE_ESCALATIONS")
                .then(|| "sometimes".to_string())
        };
        let e = load_policy(None, &env).unwrap_err().to_string();
        assert!(e.contains("REFUND_OVERDUE_ESCALATIONS"), "{e}");
        std::fs::write(&path, "[policy]\nallowed_3ds_exemptions = [\"anything\"]\n").unwrap();
        let e = format!(
            "{:#}",
            load_policy(Some(&path), &|_: &str| None).unwrap_err()
        );
        assert!(
            e.contains("\"anything\" is not a 3-D Secure exemption"),
            "{e}"
        );
        assert!(check_policy_variables([
            "MARKETGUARD_POLICY_ESCALATION_AGENT_DAYS",
            "MARKETGUARD_POLICY_REFUND_OVERDUE_ESCALATIONS",
            "MARKETGUARD_POLICY_THREE_DS_EXEMPTION_MAX_MAJOR",
        ])
        .is_ok());
    }

    #[test]
    fn unknown_policy_variables_are_refused_naming_the_nearest() {
        // Regression: an unknown MARKETGUARD_POLICY_* variable was ignored.
        assert!(check_policy_variables([
            "PATH",
            "MARKETGUARD_POLICY_SELLER_RESPONSE_DAYS",
            "MARKETGUARD_POLICY_CASE_KINDS",
            "MARKETGUARD_DATABASE_URL",
        ])
        .is_ok());
        let e = check_policy_variables(["MARKETGUARD_POLICY_SELLER_RESPONSE_DAY"])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("MARKETGUARD_POLICY_SELLER_RESPONSE_DAY is not a policy variable")
                && e.contains("did you mean MARKETGUARD_POLICY_SELLER_RESPONSE_DAYS?"),
            "{e}"
        );
        let e = check_policy_variables(["MARKETGUARD_POLICY_ALLOWED_3DS_EXEMPTIONS"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("configuration file"), "{e}");
        assert!(check_policy_variables(["MARKETGUARD_POLICY_XYZZY"])
            .unwrap_err()
            .to_string()
            .ends_with("is not a policy variable"));
    }
}
