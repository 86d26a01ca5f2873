//! A listing's check (`assess listing`, `POST /v1/assess/listing`): price against
//! peers, counterfeit and compliance risks, implausible materials, listing quality,
//! and the seller's check when its figures come along.

use domain::finding::FindingJson;
use domain::Timestamp;
use risk::listing::{self, ComplianceClaim, Listing, ListingConfig, Shipping};
use risk::{Assessment, Kind, Verdict};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::input::{count, currency, field_error, money, opt_count};
use crate::seller::SellerInput;
use crate::text::report;
use crate::{sorted_findings, Assessed, SortedFinding};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ClaimInput {
    mark: String,
    certificate: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
enum ClaimOrMark {
    Claim(ClaimInput),
    Mark(String),
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ShippingInput {
    cost: Value,
    days_max: Option<i64>,
}

/// A listing as a marketplace shows it (see examples/listing.json).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListingInput {
    title: String,
    #[serde(default)]
    description: String,
    price: Value,
    currency: String,
    category: String,
    brand: Option<String>,
    photos: i64,
    #[serde(default)]
    #[schema(value_type = Object)]
    attributes: Map<String, Value>,
    #[serde(default)]
    compliance_claims: Vec<ClaimOrMark>,
    shipping: Option<ShippingInput>,
    weight_g: Option<i64>,
    #[serde(default)]
    peer_prices: Vec<Value>,
    seller: Option<SellerInput>,
}

/// The seller's standing inside a listing's check.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ListingSellerOut {
    /// `very_low`, `low`, `medium` or `high` trust.
    pub tier: String,
    /// 0 to 100.
    pub trust_score: u8,
}

/// A listing's check. Keys are in alphabetical order, as the first version wrote them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ListingOut {
    /// What to do, one sentence a line.
    pub advice: Vec<String>,
    /// The median of the comparable listings' prices ("19.99"), or null without them.
    pub peer_median: Option<String>,
    /// 0 (nothing found) to 100.
    pub risk: u8,
    /// Present when the listing came with its seller's figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seller: Option<ListingSellerOut>,
    #[schema(value_type = Vec<FindingJson>)]
    pub signals: Vec<SortedFinding>,
    pub title: String,
    pub verdict: Verdict,
}

/// A listing from its JSON.
pub fn listing_report(input: ListingInput, now: Timestamp) -> anyhow::Result<Assessed<ListingOut>> {
    let cur = currency("currency", &input.currency)?;
    let price = money("price", &input.price, cur)?;
    let photos = count("photos", input.photos)?;
    let shipping = input
        .shipping
        .map(|s| {
            Ok::<_, anyhow::Error>(Shipping {
                cost: money("shipping.cost", &s.cost, cur)?,
                days_max: opt_count("shipping.days_max", s.days_max)?
                    .map(|d| u32::try_from(d).unwrap_or(u32::MAX)),
            })
        })
        .transpose()?;
    let peer_prices = input
        .peer_prices
        .iter()
        .enumerate()
        .map(|(i, v)| money(&format!("peer_prices[{i}]"), v, cur))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let attributes = input
        .attributes
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (k, v)
        })
        .collect();
    let compliance_claims = input
        .compliance_claims
        .into_iter()
        .map(|c| match c {
            ClaimOrMark::Claim(c) => ComplianceClaim {
                mark: c.mark,
                certificate: c.certificate,
            },
            ClaimOrMark::Mark(mark) => ComplianceClaim {
                mark,
                certificate: None,
            },
        })
        .collect();
    let seller = input.seller.map(|s| s.parse("seller.")).transpose()?;
    let listing = Listing {
        title: input.title,
        description: input.description,
        price,
        category: input.category,
        brand: input.brand,
        photos: u32::try_from(photos).unwrap_or(u32::MAX),
        attributes,
        compliance_claims,
        shipping,
        weight_g: opt_count("weight_g", input.weight_g)?,
        peer_prices,
    };
    let mut config = ListingConfig::default();
    if let Some((_, seller_config)) = &seller {
        config.seller = seller_config.clone();
    }
    let a = listing::assess(&listing, seller.as_ref().map(|(p, _)| p), now, &config)
        .map_err(field_error)?;
    let advice = listing_advice(&a.assessment);
    let mut context = format!(
        "listing {:?} at {} {}",
        listing.title,
        listing.price.decimal(),
        cur
    );
    if let Some(m) = a.peer_median {
        context.push_str(&format!("; comparable listings: median {}", m.decimal()));
    }
    if let Some(s) = &a.seller {
        context.push_str(&format!("; seller trust {}/100", s.trust_score));
    }
    let text = report(&a.assessment, &context, &advice);
    let json = ListingOut {
        advice,
        peer_median: a.peer_median.map(|m| m.decimal()),
        risk: a.assessment.risk(),
        seller: a.seller.as_ref().map(|s| ListingSellerOut {
            tier: s.tier.as_str().to_string(),
            trust_score: s.trust_score,
        }),
        signals: sorted_findings(&a.assessment),
        title: listing.title,
        verdict: a.assessment.verdict(),
    };
    Ok(Assessed { json, text })
}

fn listing_advice(a: &Assessment) -> Vec<String> {
    let has = |k: Kind| a.signals().iter().any(|s| s.kind() == k);
    let mut out = Vec::new();
    if has(Kind::CounterfeitRisk) {
        out.push("expect a copy, not the brand's product: buy brand goods from the brand's official store".to_string());
    }
    if has(Kind::PriceAnomaly) {
        out.push("a price far under everyone else's is the bait of fake stores: do not pay outside the marketplace to get it".into());
    }
    if has(Kind::ComplianceRisk) {
        out.push("ask the seller for the certificate number and check it with the issuing body; avoid uncertified chargers, batteries and children's products".into());
    }
    if has(Kind::ListingQuality) {
        out.push("ask for the missing details in the marketplace's chat, so the answer counts as evidence in a not-as-described dispute".into());
    }
    if has(Kind::SellerRisk) {
        out.push("check the seller's record before paying (marketguard assess seller)".into());
    }
    if out.is_empty() {
        out.push(
            "buy as usual, paying through the marketplace so that buyer protection applies".into(),
        );
    }
    out
}
