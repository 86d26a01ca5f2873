//! Reviewer suspicion from the review graph (consensus, reliability, lockstep blocks,
//! extremity) and from dates, texts and shared links when the input has them; then a
//! trust weight per review.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt;

use crate::input::{Reviews, NO_SELLER, NO_TIME};
use crate::stats;
use crate::text::{self, UnionFind};
use statrs::function::factorial::ln_binomial;

/// Ratings at or above count as extreme praise, at or below as extreme blame.
pub const HIGH_RATING_MIN: f32 = 4.5;
pub const LOW_RATING_MAX: f32 = 1.5;
/// Rounds of the reliability / quality iteration.
const RELIABILITY_ROUNDS: usize = 12;
/// Lockstep candidates are looked for only through products with at most this many
/// extreme reviews of one sign: co-reviewing a best seller says nothing.
const LOCKSTEP_PRODUCT_REVIEWS_MAX: usize = 2_000;
/// Dense blocks taken from the candidate graph, at most.
const BLOCKS_MAX: usize = 10_000;
/// Blocks looked for in one component of co-reviewing candidates, at most.
const PEELS_PER_COMPONENT_MAX: usize = 16;
const BLOCK_REVIEWERS_MIN: usize = 3;
const BLOCK_PRODUCTS_MIN: usize = 2;
/// Share of the reviewer x product pairs of a block that must be reviews.
const BLOCK_FILL_MIN: f64 = 0.2;
/// Share of a block's products a member must have rated.
const MEMBER_COVERAGE_MIN: f64 = 0.3;
/// A review this close after its account was made counts as from a new account.
const NEW_ACCOUNT_DAYS_MAX: i64 = 7;
const DAY_SECONDS: i64 = 86_400;
/// Other reviewers of a reviewer's duplicate clusters are counted one by one up to
/// this many members in all.
const DUPLICATE_OTHERS_EXACT_MAX: usize = 10_000;
/// Templated texts are compared from this many words on: shorter ones repeat by chance.
const TEMPLATE_WORDS_MIN: usize = 5;

/// Why a reviewer is suspected, with the numbers behind it.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// Ratings far from what trusted reviewers gave the same products.
    Deviation { mean_gap: f32, reviews: u32 },
    /// Part of a dense block: a group that reviewed the same products alike.
    Lockstep {
        block: u32,
        reviewers: u32,
        products: u32,
        fill: f32,
        /// Natural log of how many times less likely the block is than chance allows.
        surprise: f32,
    },
    /// Only extreme ratings, more than the population's habit explains.
    Extreme { extreme: u32, reviews: u32 },
    /// Reviews on days of unusual volume for the product.
    Burst { reviews: u32 },
    /// Reviews within days of the account's creation.
    NewAccount { reviews: u32 },
    /// Text that nearly repeats other reviewers' texts.
    DuplicateText { reviews: u32, other_reviewers: u32 },
    /// Text that declares a free or discounted product, or a refund, for the review.
    Incentivized { reviews: u32, lang: &'static str },
    /// Shares devices, payment instruments or addresses with other reviewers.
    Ring { accounts: u32 },
    /// Shares a device, payment instrument or address with the seller it reviewed.
    SellerLinked,
    /// Many reviews without a verified purchase.
    Unverified { unverified: u32, reviews: u32 },
}

impl Reason {
    pub fn code(&self) -> &'static str {
        match self {
            Reason::Deviation { .. } => "deviates_from_consensus",
            Reason::Lockstep { .. } => "lockstep_group",
            Reason::Extreme { .. } => "extreme_ratings",
            Reason::Burst { .. } => "review_burst",
            Reason::NewAccount { .. } => "new_account",
            Reason::DuplicateText { .. } => "duplicate_text",
            Reason::Incentivized { .. } => "incentivized",
            Reason::Ring { .. } => "linked_accounts",
            Reason::SellerLinked => "linked_to_seller",
            Reason::Unverified { .. } => "unverified_purchases",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Deviation { mean_gap, reviews } => write!(
                f,
                "ratings differ by {mean_gap:.1} stars on average from trusted reviewers of the same products ({reviews} reviews)"
            ),
            Reason::Lockstep { block, reviewers, products, fill, surprise } => write!(
                f,
                "in lockstep group {block}: {reviewers} reviewers giving the same extreme ratings to {products} products, {:.0}% of which this reviewer rated (about 1 in 10^{:.0} by chance)",
                fill * 100.0,
                surprise / std::f32::consts::LN_10
            ),
            Reason::Extreme { extreme, reviews } => {
                write!(f, "{extreme} of {reviews} ratings are extreme (5 or 1 star)")
            }
            Reason::Burst { reviews } => {
                write!(f, "{reviews} reviews on days of unusual volume for the product")
            }
            Reason::NewAccount { reviews } => write!(
                f,
                "{reviews} reviews within {NEW_ACCOUNT_DAYS_MAX} days of the account's creation"
            ),
            Reason::DuplicateText { reviews, other_reviewers } => write!(
                f,
                "{reviews} review texts nearly repeat those of {other_reviewers} other reviewers"
            ),
            Reason::Incentivized { reviews, lang } => write!(
                f,
                "{reviews} reviews declare a free or discounted product or a refund for the review ({lang})"
            ),
            Reason::Ring { accounts } => write!(
                f,
                "shares devices, payment instruments or addresses with {accounts} other reviewers"
            ),
            Reason::SellerLinked => write!(
                f,
                "shares a device, payment instrument or address with the seller of a product it reviewed"
            ),
            Reason::Unverified { unverified, reviews } => {
                write!(f, "{unverified} of {reviews} reviews without a verified purchase")
            }
        }
    }
}

/// One reviewer's suspicion in [0, 1] and its reasons, strongest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Suspicion {
    pub score: f32,
    pub reasons: Vec<Reason>,
}

/// Per-review flags the report cards count.
#[derive(Debug, Clone, Default)]
pub struct ReviewFlags {
    pub incentive: Vec<bool>,
    pub duplicate: Vec<bool>,
    pub burst: Vec<bool>,
    pub words: Vec<u32>,
}

/// What the reviewer analysis hands to the report cards.
#[derive(Debug, Clone)]
pub struct ReviewerAnalysis {
    pub suspicion: Vec<Suspicion>,
    /// Per review, in [0, 1].
    pub trust: Vec<f32>,
    /// Per review, in [0, 1]: trust from the evidence that owes nothing to consensus
    /// (no deviation part), for telling a campaign's side of a product.
    pub evidence_trust: Vec<f32>,
    /// Per reviewer: in an accepted lockstep block.
    pub in_block: Vec<bool>,
    /// Per product: reliability-weighted consensus rating.
    pub quality: Vec<f32>,
    /// Per reviewer: reliability from the consensus rounds, in [0.05, 1].
    pub reliability: Vec<f32>,
    pub flags: ReviewFlags,
    pub blocks: usize,
}

/// Offsets into a list of review indices, grouped by a key (reviewer or product).
#[derive(Debug, Clone)]
pub struct Groups {
    offsets: Vec<u32>,
    items: Vec<u32>,
}

impl Groups {
    pub fn new(keys: &[u32], n: usize) -> Self {
        let mut offsets = vec![0u32; n + 1];
        for &k in keys {
            offsets[k as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut items = vec![0u32; keys.len()];
        for (i, &k) in keys.iter().enumerate() {
            items[fill[k as usize] as usize] = i as u32;
            fill[k as usize] += 1;
        }
        Self { offsets, items }
    }
    pub fn get(&self, k: usize) -> &[u32] {
        &self.items[self.offsets[k] as usize..self.offsets[k + 1] as usize]
    }
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Steps of a run, for a progress bar.
pub const STEPS: usize = 7;

/// Scores every reviewer. `progress` is called with the number of steps done and a label.
pub fn analyse(
    r: &Reviews,
    by_reviewer: &Groups,
    by_product: &Groups,
    progress: &mut dyn FnMut(usize, &str),
) -> ReviewerAnalysis {
    let nu = r.reviewer_count();
    let ne = r.len();

    progress(1, "lockstep blocks");
    let (block_of, blocks) = lockstep_blocks(r, by_reviewer);

    progress(2, "texts");
    let mut flags = ReviewFlags {
        incentive: vec![false; ne],
        duplicate: vec![false; ne],
        burst: vec![false; ne],
        words: vec![0; ne],
    };
    let mut incentive_lang: Vec<Option<&'static str>> = vec![None; ne];
    let mut dup_cluster = vec![u32::MAX; ne];
    if r.has_text() {
        let m = text::IncentiveMatcher::new();
        for i in 0..ne {
            incentive_lang[i] = m.find(&r.text[i]);
            flags.incentive[i] = incentive_lang[i].is_some();
            flags.words[i] = text::word_count(&r.text[i]) as u32;
        }
        dup_cluster = text::near_duplicates(&r.text);
        templated(r, &mut dup_cluster);
    }
    // Reviewers per duplicate cluster, counted once each.
    let mut cluster_reviewers: std::collections::HashMap<u32, Vec<u32>> = Default::default();
    for i in 0..ne {
        if dup_cluster[i] != u32::MAX {
            cluster_reviewers
                .entry(dup_cluster[i])
                .or_default()
                .push(r.reviewer[i]);
        }
    }
    for v in cluster_reviewers.values_mut() {
        v.sort_unstable();
        v.dedup();
    }
    for i in 0..ne {
        flags.duplicate[i] =
            dup_cluster[i] != u32::MAX && cluster_reviewers[&dup_cluster[i]].len() >= 2;
    }

    progress(3, "dates");
    if r.has_dates() {
        flags.burst = bursts(r, by_product);
    }

    progress(4, "links");
    let (ring_size, seller_linked) = rings(r, by_reviewer);

    progress(5, "independent evidence");
    // Population habits the per-reviewer tests compare against.
    let extreme = |x: f32| !(LOW_RATING_MAX..HIGH_RATING_MIN).contains(&x);
    let extreme_rate = r.rating.iter().filter(|&&x| extreme(x)).count() as f64 / ne as f64;
    let said: Vec<usize> = (0..ne).filter(|&i| r.verified[i] != 2).collect();
    let unverified_rate = if said.is_empty() {
        0.0
    } else {
        said.iter().filter(|&&i| r.verified[i] == 0).count() as f64 / said.len() as f64
    };

    // Everything but the deviation from consensus first: the evidence on a reviewer
    // that owes nothing to the other reviewers' ratings.
    let mut parts_of: Vec<Vec<(f64, Reason)>> = Vec::with_capacity(nu);
    let mut in_block = vec![false; nu];
    for u in 0..nu {
        let items = by_reviewer.get(u);
        let n = items.len() as u32;
        let mut parts: Vec<(f64, Reason)> = Vec::new();

        if let Some(&(b, reviewers, products, fill, surprise)) = block_of[u].as_ref() {
            in_block[u] = true;
            let s = (0.5 + 0.5 * fill as f64) * (surprise as f64 / 10.0).min(1.0);
            parts.push((
                0.95 * s,
                Reason::Lockstep {
                    block: b,
                    reviewers,
                    products,
                    fill,
                    surprise,
                },
            ));
        }

        let ext = items
            .iter()
            .filter(|&&i| extreme(r.rating[i as usize]))
            .count() as u64;
        if ext == n as u64 && n >= 2 {
            let p = stats::binomial_upper(ext, n as u64, extreme_rate);
            let s = (-p.log10() / 4.0).clamp(0.0, 1.0);
            if s > 0.05 {
                parts.push((
                    0.5 * s,
                    Reason::Extreme {
                        extreme: ext as u32,
                        reviews: n,
                    },
                ));
            }
        }

        let burst_extreme = items
            .iter()
            .filter(|&&i| flags.burst[i as usize] && extreme(r.rating[i as usize]))
            .count() as u32;
        if burst_extreme > 0 {
            let s = burst_extreme as f64 / n as f64;
            parts.push((
                0.6 * s,
                Reason::Burst {
                    reviews: burst_extreme,
                },
            ));
        }

        let made = r.reviewer_created_at[u];
        if made != NO_TIME {
            let young = items
                .iter()
                .filter(|&&i| {
                    let t = r.created_at[i as usize];
                    t != NO_TIME && t - made <= NEW_ACCOUNT_DAYS_MAX * DAY_SECONDS
                })
                .count() as u32;
            if young > 0 {
                let s = young as f64 / n as f64;
                parts.push((0.4 * s, Reason::NewAccount { reviews: young }));
            }
        }

        let dups: Vec<u32> = items
            .iter()
            .filter(|&&i| flags.duplicate[i as usize])
            .copied()
            .collect();
        if !dups.is_empty() {
            let mut clusters: Vec<u32> = dups.iter().map(|&i| dup_cluster[i as usize]).collect();
            clusters.sort_unstable();
            clusters.dedup();
            let sizes = clusters.iter().map(|c| cluster_reviewers[c].len());
            // Counted exactly up to a bound; past it (a campaign of thousands of
            // reviewers on one template), the largest cluster alone: listing every
            // member for every member would cost the square of the campaign.
            let others = if sizes.clone().sum::<usize>() <= DUPLICATE_OTHERS_EXACT_MAX {
                let mut others: Vec<u32> = clusters
                    .iter()
                    .flat_map(|c| cluster_reviewers[c].iter().copied())
                    .filter(|&v| v as usize != u)
                    .collect();
                others.sort_unstable();
                others.dedup();
                others.len()
            } else {
                sizes.max().unwrap_or(1) - 1
            };
            let s = (dups.len() as f64 / n as f64) * (others as f64 / 2.0).min(1.0);
            parts.push((
                0.85 * s,
                Reason::DuplicateText {
                    reviews: dups.len() as u32,
                    other_reviewers: others as u32,
                },
            ));
        }

        let inc: Vec<&'static str> = items
            .iter()
            .filter_map(|&i| incentive_lang[i as usize])
            .collect();
        if let Some(&lang) = inc.first() {
            let s = (0.7 + 0.3 * inc.len() as f64 / n as f64).min(1.0);
            parts.push((
                0.9 * s,
                Reason::Incentivized {
                    reviews: inc.len() as u32,
                    lang,
                },
            ));
        }

        if ring_size[u] >= 2 {
            let others = ring_size[u] - 1;
            let s = (0.4 + 0.15 * others as f64).min(1.0);
            parts.push((0.7 * s, Reason::Ring { accounts: others }));
        }
        if seller_linked[u] {
            parts.push((0.95, Reason::SellerLinked));
        }

        let said_n = items
            .iter()
            .filter(|&&i| r.verified[i as usize] != 2)
            .count() as u64;
        let unver = items
            .iter()
            .filter(|&&i| r.verified[i as usize] == 0)
            .count() as u64;
        if unver > 0 && said_n > 0 {
            let p = stats::binomial_upper(unver, said_n, unverified_rate);
            let s = (-p.log10() / 3.0).clamp(0.0, 1.0);
            if s > 0.05 {
                parts.push((
                    0.3 * s,
                    Reason::Unverified {
                        unverified: unver as u32,
                        reviews: said_n as u32,
                    },
                ));
            }
        }

        parts_of.push(parts);
    }
    // Noisy-or: each part is a separate way of being caught.
    let noisy_or =
        |parts: &[(f64, Reason)]| 1.0 - parts.iter().map(|(s, _)| 1.0 - s).product::<f64>();
    let independent: Vec<f64> = parts_of.iter().map(|p| noisy_or(p)).collect();

    // The consensus a reviewer is measured against weighs every other review by the
    // independent evidence on its reviewer, and the 5-star reviews of a product with
    // the guide's brushing pattern by that pattern's strength: a brushed majority
    // cannot make its critics look wrong.
    let mut hist = vec![[0u64; 5]; r.product_count()];
    for i in 0..ne {
        hist[r.product[i] as usize][(r.rating[i].round().clamp(1.0, 5.0) as usize) - 1] += 1;
    }
    let pattern: Vec<f64> = hist
        .iter()
        .map(crate::card::guide_pattern_strength)
        .collect();
    let credibility: Vec<f64> = (0..ne)
        .map(|i| {
            let own = 1.0 - independent[r.reviewer[i] as usize];
            if r.rating[i] >= HIGH_RATING_MIN {
                own * (1.0 - pattern[r.product[i] as usize])
            } else {
                own
            }
        })
        .collect();
    progress(6, "consensus");
    let (reliability, quality, gap) = reliability(r, by_reviewer, by_product, &credibility);
    let (gap_mean, gap_sd) = {
        let (mut s, mut s2, mut w) = (0.0f64, 0.0f64, 0.0f64);
        for i in 0..ne {
            let (g, c) = gap[i];
            s += c as f64 * g as f64;
            s2 += c as f64 * (g as f64).powi(2);
            w += c as f64;
        }
        let m = if w > 0.0 { s / w } else { 0.0 };
        (m, (s2 / w.max(1e-9) - m * m).max(1e-6).sqrt())
    };

    let mut suspicion = Vec::with_capacity(nu);
    for (u, mut parts) in parts_of.into_iter().enumerate() {
        let items = by_reviewer.get(u);
        let n = items.len() as u32;
        // Deviation from consensus, as a z-score of the mean gap against the population.
        let (mut gs, mut cs) = (0.0f64, 0.0f64);
        for &i in items {
            let (g, c) = gap[i as usize];
            gs += c as f64 * g as f64;
            cs += c as f64;
        }
        if cs > 0.3 {
            let mean = gs / cs;
            // Evidence grows with reviews, but only up to a few: a habit of mild
            // disagreement over many reviews is not worse than one wild rating.
            let z = (mean - gap_mean) * cs.min(3.0).sqrt() / gap_sd;
            let s = ((z - 1.0) / 3.0).clamp(0.0, 1.0);
            if s > 0.0 {
                parts.push((
                    0.85 * s,
                    Reason::Deviation {
                        mean_gap: mean as f32,
                        reviews: n,
                    },
                ));
            }
        }
        let keep = noisy_or(&parts);
        parts.sort_by(|a, b| b.0.total_cmp(&a.0));
        suspicion.push(Suspicion {
            score: keep.clamp(0.0, 1.0) as f32,
            reasons: parts
                .into_iter()
                .filter(|(s, _)| *s >= 0.05)
                .map(|(_, r)| r)
                .collect(),
        });
    }

    progress(7, "trust");
    let review_trust = |i: usize, suspected: f64| {
        let mut t = 1.0 - suspected as f32;
        if flags.incentive[i] {
            t *= 0.2;
        }
        if flags.duplicate[i] {
            t *= 0.5;
        }
        if r.verified[i] == 0 {
            t *= 0.8;
        }
        t.clamp(0.0, 1.0)
    };
    let trust: Vec<f32> = (0..ne)
        .map(|i| review_trust(i, suspicion[r.reviewer[i] as usize].score as f64))
        .collect();
    let evidence_trust: Vec<f32> = (0..ne)
        .map(|i| review_trust(i, independent[r.reviewer[i] as usize]))
        .collect();
    ReviewerAnalysis {
        suspicion,
        trust,
        evidence_trust,
        in_block,
        quality,
        reliability,
        flags,
        blocks,
    }
}

/// Templated texts join a duplicate cluster: texts with numbers in them that are the
/// same words once every number is blanked ("nice product number 17 works well"). A
/// campaign numbers its texts to slip past near-duplicate detection, which on a short
/// text sees a changed word as a changed text.
fn templated(r: &Reviews, dup_cluster: &mut [u32]) {
    let mut next = dup_cluster
        .iter()
        .filter(|&&c| c != u32::MAX)
        .max()
        .map_or(0, |&c| c + 1);
    let mut by_template: std::collections::HashMap<String, u32> = Default::default();
    let mut key = String::new();
    for i in 0..r.len() {
        let t = &r.text[i];
        if dup_cluster[i] != u32::MAX || !t.bytes().any(|b| b.is_ascii_digit()) {
            continue;
        }
        key.clear();
        let mut words = 0;
        for w in t
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            if w.chars().any(|c| c.is_ascii_digit()) {
                key.push('#');
            } else {
                key.extend(w.chars().flat_map(char::to_lowercase));
            }
            key.push(' ');
            words += 1;
        }
        if words < TEMPLATE_WORDS_MIN {
            continue;
        }
        dup_cluster[i] = match by_template.get(&key) {
            Some(&id) => id,
            None => {
                by_template.insert(key.clone(), next);
                next += 1;
                next - 1
            }
        };
    }
}

/// Mutual reinforcement: a product's quality is the mean of its ratings weighted by
/// reliability times `credibility` (per review, in [0, 1]: the evidence on it that
/// owes nothing to consensus); a reviewer's reliability falls with its gap to that
/// quality (leaving its own rating out). Returns reliability per reviewer, quality
/// per product, and per review (gap, confidence), where confidence grows with the
/// credible weight of the others and shrinks with the share of them not credible.
fn reliability(
    r: &Reviews,
    by_reviewer: &Groups,
    by_product: &Groups,
    credibility: &[f64],
) -> (Vec<f32>, Vec<f32>, Vec<(f32, f32)>) {
    let nu = r.reviewer_count();
    let np = r.product_count();
    let ne = r.len();
    let mean = r.rating.iter().map(|&x| x as f64).sum::<f64>() / ne as f64;
    // Prior pseudo-reviews: a product with few ratings leans on the population mean; a
    // reviewer with few reviews is assumed to miss by PRIOR_GAP.
    const PRIOR_PRODUCT_WEIGHT: f64 = 0.5;
    const PRIOR_REVIEWS: f64 = 3.0;
    const PRIOR_GAP: f64 = 1.2;
    let mut rel = vec![0.6f64; nu];
    let mut sum = vec![0.0f64; np];
    let mut weight = vec![0.0f64; np];
    let mut raw_weight = vec![0.0f64; np];
    let mut gap = vec![(0.0f32, 0.0f32); ne];
    for round in 0..=RELIABILITY_ROUNDS {
        for p in 0..np {
            let (mut s, mut w) = (PRIOR_PRODUCT_WEIGHT * mean, PRIOR_PRODUCT_WEIGHT);
            let mut raw = PRIOR_PRODUCT_WEIGHT;
            for &i in by_product.get(p) {
                let u = r.reviewer[i as usize] as usize;
                let c = rel[u] * credibility[i as usize];
                s += c * r.rating[i as usize] as f64;
                w += c;
                raw += rel[u];
            }
            sum[p] = s;
            weight[p] = w;
            raw_weight[p] = raw;
        }
        for u in 0..nu {
            let items = by_reviewer.get(u);
            let mut total = 0.0;
            for &i in items {
                let i = i as usize;
                let p = r.product[i] as usize;
                let x = r.rating[i] as f64;
                let own = rel[u] * credibility[i];
                let w_other = weight[p] - own;
                let q = (sum[p] - own * x) / w_other.max(1e-9);
                let g = (x - q).abs();
                total += g;
                if round == RELIABILITY_ROUNDS {
                    let c = (w_other - PRIOR_PRODUCT_WEIGHT).max(0.0);
                    let raw = (raw_weight[p] - rel[u] - PRIOR_PRODUCT_WEIGHT).max(1e-9);
                    let credible_share = (c / raw).min(1.0);
                    gap[i] = (g as f32, (credible_share * c / (c + 2.0)) as f32);
                }
            }
            let smoothed =
                (total + PRIOR_REVIEWS * PRIOR_GAP) / (items.len() as f64 + PRIOR_REVIEWS);
            rel[u] = (1.0 - smoothed / 2.5).clamp(0.05, 1.0);
        }
    }
    let quality = (0..np).map(|p| (sum[p] / weight[p]) as f32).collect();
    (rel.into_iter().map(|x| x as f32).collect(), quality, gap)
}

type BlockInfo = (u32, u32, u32, f32, f32);

/// Dense lockstep blocks. Candidates are reviewers that share at least two extreme
/// ratings of the same sign on the same products with at least two others, where the
/// shared products are a good part of both reviewers' extreme ratings. FRAUDAR's greedy
/// peeling (edge weights 1/ln(product degree + 5), so that popular products and
/// camouflage reviews count little) then takes the densest block out of the candidate
/// graph, again and again; a block is kept when most of its reviewer x product pairs
/// are reviews.
fn lockstep_blocks(r: &Reviews, by_reviewer: &Groups) -> (Vec<Option<BlockInfo>>, usize) {
    let nu = r.reviewer_count();
    let np = r.product_count();
    // Sign-split products: node 2p for praise, 2p+1 for blame.
    let node_of = |i: usize| -> Option<u32> {
        let x = r.rating[i];
        if x >= HIGH_RATING_MIN {
            Some(2 * r.product[i])
        } else if x <= LOW_RATING_MAX {
            Some(2 * r.product[i] + 1)
        } else {
            None
        }
    };
    let mut node_reviewers: Vec<Vec<u32>> = vec![Vec::new(); 2 * np];
    let mut reviewer_nodes: Vec<Vec<u32>> = vec![Vec::new(); nu];
    for u in 0..nu {
        for &i in by_reviewer.get(u) {
            if let Some(n) = node_of(i as usize) {
                reviewer_nodes[u].push(n);
            }
        }
        reviewer_nodes[u].sort_unstable();
        reviewer_nodes[u].dedup();
        for &n in &reviewer_nodes[u] {
            node_reviewers[n as usize].push(u as u32);
        }
    }

    // Candidates by co-review counting with a dense scratch array; partners are joined
    // into components, each searched for blocks on its own, so that a large sparse set
    // of honest co-reviewers never hides a small dense group.
    let mut count = vec![0u32; nu];
    let mut touched: Vec<u32> = Vec::new();
    let mut partners_of = vec![0u32; nu];
    let mut components = UnionFind::new(nu);
    for u in 0..nu {
        let du = reviewer_nodes[u].len();
        if du < 2 {
            continue;
        }
        for &n in &reviewer_nodes[u] {
            let rs = &node_reviewers[n as usize];
            if rs.len() > LOCKSTEP_PRODUCT_REVIEWS_MAX {
                continue;
            }
            for &v in rs {
                if v as usize == u {
                    continue;
                }
                if count[v as usize] == 0 {
                    touched.push(v);
                }
                count[v as usize] += 1;
            }
        }
        for &v in &touched {
            let c = count[v as usize] as usize;
            let dv = reviewer_nodes[v as usize].len();
            if c >= 2 && c * 4 >= du.min(dv) {
                partners_of[u] += 1;
                if (v as usize) > u {
                    components.union(u, v as usize);
                }
            }
            count[v as usize] = 0;
        }
        touched.clear();
    }
    let candidate: Vec<bool> = partners_of.iter().map(|&k| k >= 2).collect();
    let mut members: std::collections::HashMap<usize, Vec<u32>> = Default::default();
    for u in 0..nu {
        if candidate[u] {
            members
                .entry(components.find(u))
                .or_default()
                .push(u as u32);
        }
    }
    let mut groups: Vec<Vec<u32>> = members
        .into_values()
        .filter(|m| m.len() >= BLOCK_REVIEWERS_MIN)
        .collect();
    groups.sort_unstable();

    let extreme_edges = reviewer_nodes.iter().map(Vec::len).sum::<usize>().max(1) as f64;
    let extreme_reviewers = reviewer_nodes.iter().filter(|n| !n.is_empty()).count() as u64;
    let extreme_nodes = node_reviewers.iter().filter(|r| !r.is_empty()).count() as u64;
    let mut out: Vec<Option<BlockInfo>> = vec![None; nu];
    let mut blocks = 0usize;
    for group in &groups {
        if blocks >= BLOCKS_MAX {
            break;
        }
        // The component's graph: members x sign-split products at least two of them rated.
        let mut node_members: std::collections::HashMap<u32, u32> = Default::default();
        for &u in group {
            for &n in &reviewer_nodes[u as usize] {
                *node_members.entry(n).or_default() += 1;
            }
        }
        let mut local_of_node: std::collections::HashMap<u32, u32> = Default::default();
        let mut node_ids: Vec<u32> = Vec::new();
        let mut edges: Vec<(u32, u32)> = Vec::new();
        for (lu, &u) in group.iter().enumerate() {
            for &n in &reviewer_nodes[u as usize] {
                if node_members[&n] >= 2 {
                    let ln = *local_of_node.entry(n).or_insert_with(|| {
                        node_ids.push(n);
                        (node_ids.len() - 1) as u32
                    });
                    edges.push((lu as u32, ln));
                }
            }
        }
        let weight_of: Vec<f64> = node_ids
            .iter()
            .map(|&n| 1.0 / (node_reviewers[n as usize].len() as f64 + 5.0).ln())
            .collect();
        let mut alive_user = vec![true; group.len()];
        for _ in 0..PEELS_PER_COMPONENT_MAX {
            let live: Vec<(u32, u32)> = edges
                .iter()
                .copied()
                .filter(|&(u, _)| alive_user[u as usize])
                .collect();
            if live.len() < BLOCK_REVIEWERS_MIN * BLOCK_PRODUCTS_MIN {
                break;
            }
            let (users, nodes) = fraudar_peel(group.len(), node_ids.len(), &live, &weight_of);
            if users.is_empty() {
                break;
            }
            let in_nodes: std::collections::HashSet<u32> = nodes.iter().copied().collect();
            let in_users: std::collections::HashSet<u32> = users.iter().copied().collect();
            let inside = live
                .iter()
                .filter(|(u, n)| in_users.contains(u) && in_nodes.contains(n))
                .count();
            let fill = inside as f64 / (users.len() * nodes.len()).max(1) as f64;
            let mut into_block: std::collections::HashMap<u32, usize> = Default::default();
            for &(u, n) in &live {
                if in_users.contains(&u) && in_nodes.contains(&n) {
                    *into_block.entry(u).or_default() += 1;
                }
            }
            // Surprise, in nats: how unlikely these reviews are if each reviewer picked
            // products in proportion to their popularity, less the log of the number
            // of blocks of this size there are to find (so chance blocks score below 0).
            let mut surprise = 0.0;
            for &(u, n) in &live {
                if in_users.contains(&u) && in_nodes.contains(&n) {
                    let du = reviewer_nodes[group[u as usize] as usize].len() as f64;
                    let dn = node_reviewers[node_ids[n as usize] as usize].len() as f64;
                    surprise -= (du * dn / extreme_edges).min(1.0).ln();
                }
            }
            surprise -= ln_binomial(extreme_reviewers, users.len() as u64)
                + ln_binomial(extreme_nodes, nodes.len() as u64);
            // Members rated a good part of the block's products; two groups that share
            // targets come out as one block whose members each cover their own part.
            let coverage =
                |u: &u32| into_block.get(u).copied().unwrap_or(0) as f64 / nodes.len() as f64;
            let members: Vec<u32> = users
                .iter()
                .copied()
                .filter(|u| {
                    into_block.get(u).copied().unwrap_or(0) >= 2
                        && coverage(u) >= MEMBER_COVERAGE_MIN
                })
                .collect();
            if members.len() >= BLOCK_REVIEWERS_MIN
                && nodes.len() >= BLOCK_PRODUCTS_MIN
                && fill >= BLOCK_FILL_MIN
                && surprise > 0.0
            {
                blocks += 1;
                for &u in &members {
                    alive_user[u as usize] = false;
                    out[group[u as usize] as usize] = Some((
                        blocks as u32,
                        members.len() as u32,
                        nodes.len() as u32,
                        coverage(&u) as f32,
                        surprise as f32,
                    ));
                }
                continue;
            }
            // Not a block: the loose members leave and the rest is looked at again; when
            // none are loose, the whole set is done with.
            let loose: Vec<u32> = users
                .iter()
                .copied()
                .filter(|u| coverage(u) < MEMBER_COVERAGE_MIN)
                .collect();
            let drop = if !loose.is_empty() && loose.len() < users.len() {
                loose
            } else {
                users
            };
            for &u in &drop {
                alive_user[u as usize] = false;
            }
        }
    }
    (out, blocks)
}

/// FRAUDAR's greedy peeling on a bipartite graph: remove the node whose removal loses
/// the least edge weight, and keep the node set with the highest total weight per node.
/// Returns the (users, nodes) of that set.
fn fraudar_peel(
    users: usize,
    nodes: usize,
    edges: &[(u32, u32)],
    weight_of: &[f64],
) -> (Vec<u32>, Vec<u32>) {
    let total_nodes = users + nodes;
    let mut adj: Vec<Vec<u32>> = vec![Vec::new(); total_nodes];
    let mut present = vec![false; total_nodes];
    let mut priority = vec![0.0f64; total_nodes];
    let mut total_weight = 0.0;
    for (e, &(u, n)) in edges.iter().enumerate() {
        let (a, b) = (u as usize, users + n as usize);
        adj[a].push(e as u32);
        adj[b].push(e as u32);
        present[a] = true;
        present[b] = true;
        let w = weight_of[n as usize];
        priority[a] += w;
        priority[b] += w;
        total_weight += w;
    }
    let mut edge_alive = vec![true; edges.len()];
    let mut alive = present.clone();
    let mut count = present.iter().filter(|&&p| p).count();
    let key = |x: f64| Reverse((x * 1e9) as i64);
    let mut heap: BinaryHeap<(Reverse<i64>, u32)> = (0..total_nodes)
        .filter(|&i| present[i])
        .map(|i| (key(priority[i]), i as u32))
        .collect();
    let mut best = total_weight / count.max(1) as f64;
    let mut removed_order: Vec<u32> = Vec::new();
    let mut best_removed = 0;
    while let Some((Reverse(k), i)) = heap.pop() {
        let i = i as usize;
        if !alive[i] || key(priority[i]).0 != k {
            continue;
        }
        alive[i] = false;
        count -= 1;
        removed_order.push(i as u32);
        for &e in &adj[i] {
            if !edge_alive[e as usize] {
                continue;
            }
            edge_alive[e as usize] = false;
            let (u, n) = edges[e as usize];
            let w = weight_of[n as usize];
            total_weight -= w;
            let other = if i == u as usize {
                users + n as usize
            } else {
                u as usize
            };
            priority[other] -= w;
            heap.push((key(priority[other]), other as u32));
        }
        if count > 0 {
            let d = total_weight / count as f64;
            if d > best {
                best = d;
                best_removed = removed_order.len();
            }
        }
    }
    let mut gone = vec![false; total_nodes];
    for &i in &removed_order[..best_removed] {
        gone[i as usize] = true;
    }
    let us = (0..users)
        .filter(|&i| present[i] && !gone[i])
        .map(|i| i as u32)
        .collect();
    let ns = (0..nodes)
        .filter(|&n| present[users + n] && !gone[users + n])
        .map(|n| n as u32)
        .collect();
    (us, ns)
}

/// Reviews on a product's days of unusual volume: a day whose count is improbable under
/// a Poisson rate of the product's reviews over its active days (Bonferroni over days).
fn bursts(r: &Reviews, by_product: &Groups) -> Vec<bool> {
    let mut flag = vec![false; r.len()];
    let mut days: Vec<(i64, u32)> = Vec::new();
    for p in 0..by_product.len() {
        days.clear();
        for &i in by_product.get(p) {
            let t = r.created_at[i as usize];
            if t != NO_TIME {
                days.push((t.div_euclid(DAY_SECONDS), i));
            }
        }
        if days.len() < 3 {
            continue;
        }
        days.sort_unstable();
        let span = (days[days.len() - 1].0 - days[0].0 + 1).max(30) as f64;
        let rate = days.len() as f64 / span;
        let mut s = 0;
        while s < days.len() {
            let mut e = s + 1;
            while e < days.len() && days[e].0 == days[s].0 {
                e += 1;
            }
            let c = (e - s) as u64;
            if c >= 3 && stats::poisson_upper(c, rate) * span < 0.01 {
                for &(_, i) in &days[s..e] {
                    flag[i as usize] = true;
                }
            }
            s = e;
        }
    }
    flag
}

/// Rings of reviewers that share link ids (devices, payment instruments, addresses), and
/// reviewers that share one with the seller of a product they reviewed.
fn rings(r: &Reviews, by_reviewer: &Groups) -> (Vec<u32>, Vec<bool>) {
    let nu = r.reviewer_count();
    let mut ring = vec![1u32; nu];
    let mut seller_linked = r.seller_flagged.clone();
    if r.link_count() == 0 {
        return (ring, seller_linked);
    }
    let mut first_of_link = vec![u32::MAX; r.link_count()];
    let mut sets = UnionFind::new(nu);
    for u in 0..nu {
        for &l in &r.reviewer_links[u] {
            let f = &mut first_of_link[l as usize];
            if *f == u32::MAX {
                *f = u as u32;
            } else {
                sets.union(*f as usize, u);
            }
        }
    }
    let mut size = vec![0u32; nu];
    for u in 0..nu {
        size[sets.find(u)] += 1;
    }
    for u in 0..nu {
        ring[u] = size[sets.find(u)];
        let links = &r.reviewer_links[u];
        if links.is_empty() {
            continue;
        }
        seller_linked[u] |= by_reviewer.get(u).iter().any(|&i| {
            let s = r.product_seller[r.product[i as usize] as usize];
            s != NO_SELLER
                && r.seller_links[s as usize]
                    .iter()
                    .any(|l| links.binary_search(l).is_ok())
        });
    }
    (ring, seller_linked)
}
