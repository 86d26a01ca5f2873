//! Which reviews to believe (`assess reviews`, `POST /v1/assess/reviews`): reviewers
//! with suspicion and reasons, products and sellers with report cards, as JSON
//! (written one element at a time) and as a report for people.

use std::fmt::Write as _;

use domain::finding::FindingJson;
use risk::{Thresholds, Verdict};
use serde::Serialize;
use utoipa::ToSchema;

use crate::text::assessment_text;
use crate::{sorted_findings, SortedFinding};

/// Products listed in the text report, worst grade first.
pub const TEXT_PRODUCTS_MAX: usize = 50;
/// Reviewers listed in the text report, most suspected first.
pub const TEXT_REVIEWERS_MAX: usize = 20;

/// A reviewer's suspicion. Keys are in alphabetical order, as the first version wrote
/// them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewerOut {
    /// The reasons' codes, in the order of `reasons`.
    pub reason_codes: Vec<&'static str>,
    /// The reasons, one sentence each.
    pub reasons: Vec<String>,
    pub reviewer_id: String,
    /// 0 (trusted) to 1, three decimals.
    pub suspicion: f64,
}

/// One test of a report card.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TestOut {
    pub detail: String,
    pub name: &'static str,
    /// `pass`, `warn` or `fail`.
    pub result: &'static str,
}

/// A product's or a seller's report card. Keys are in alphabetical order, as the first
/// version wrote them; a card has `product_id` or `seller_id`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CardOut {
    /// The mean rating of the trusted reviews, two decimals; null when none remain.
    pub adjusted_rating: Option<f64>,
    /// `A` (best) to `D`, or `F`, the grades of the CLI contract. A card of fewer than
    /// 5 reviews has too few to grade: `graded` is false and `grade` is `C`, neither
    /// a recommendation nor a warning (never `A`: one happy buyer is no evidence).
    pub grade: String,
    /// False when the card has too few reviews to grade (fewer than 5).
    pub graded: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    /// The mean of all ratings, two decimals.
    pub rating: f64,
    /// Reviews kept as trusted.
    pub remaining: usize,
    pub reviews: usize,
    /// 0 (nothing found) to 100.
    pub risk: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seller_id: Option<String>,
    #[schema(value_type = Vec<FindingJson>)]
    pub signals: Vec<SortedFinding>,
    pub tests: Vec<TestOut>,
    pub verdict: Verdict,
}

/// The whole result, as [`reviews_json`] writes it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewsOut {
    pub reviewers: Vec<ReviewerOut>,
    pub products: Vec<CardOut>,
    /// Empty when the file names no sellers.
    pub sellers: Vec<CardOut>,
}

fn round(x: f32, places: i32) -> f64 {
    let m = 10f64.powi(places);
    (x as f64 * m).round() / m
}

fn reviewer_out(data: &reviews::Reviews, report: &reviews::Report, u: usize) -> ReviewerOut {
    let s = &report.reviewers[u];
    ReviewerOut {
        reason_codes: s.reasons.iter().map(|r| r.code()).collect(),
        reasons: s.reasons.iter().map(|r| r.to_string()).collect(),
        reviewer_id: data.reviewer_name(u).to_string(),
        suspicion: round(s.score, 3),
    }
}

/// Whose card it is.
#[derive(Debug, Clone, Copy)]
enum Owner {
    Product,
    Seller,
}

fn card_out(data: &reviews::Reviews, c: &reviews::Card, owner: Owner, i: usize) -> CardOut {
    let a = reviews::card::assessment(c, &Thresholds::default());
    let (product_id, seller_id) = match owner {
        Owner::Product => (Some(data.product_name(i).to_string()), None),
        Owner::Seller => (None, Some(data.seller_name(i).to_string())),
    };
    CardOut {
        adjusted_rating: c.adjusted_rating.map(|x| round(x, 2)),
        grade: contract_grade(c.grade).to_string(),
        graded: c.grade != reviews::card::GRADE_NOT_ENOUGH,
        product_id,
        rating: round(c.rating, 2),
        remaining: c.remaining,
        reviews: c.reviews,
        risk: a.risk(),
        seller_id,
        signals: sorted_findings(&a),
        tests: c
            .tests
            .iter()
            .map(|t| TestOut {
                detail: t.detail.clone(),
                name: t.name,
                result: t.result.as_str(),
            })
            .collect(),
        verdict: a.verdict(),
    }
}

/// The whole result as one value (the API's schema; small files).
pub fn reviews_out(data: &reviews::Reviews, report: &reviews::Report) -> ReviewsOut {
    ReviewsOut {
        reviewers: (0..report.reviewers.len())
            .map(|u| reviewer_out(data, report, u))
            .collect(),
        products: (report.products.iter().enumerate())
            .map(|(i, c)| card_out(data, c, Owner::Product, i))
            .collect(),
        sellers: (report.sellers.iter().enumerate())
            .map(|(i, c)| card_out(data, c, Owner::Seller, i))
            .collect(),
    }
}

/// The contract's JSON ([`ReviewsOut`]): reviewers with suspicion and reasons,
/// products with ratings, grade and tests; sellers beside them when the file names
/// sellers. Written one element at a time, so that a million reviews never become one
/// tree in memory.
pub fn reviews_json(
    out: &mut impl std::io::Write,
    data: &reviews::Reviews,
    report: &reviews::Report,
) -> std::io::Result<()> {
    out.write_all(b"{\"reviewers\":[")?;
    for u in 0..report.reviewers.len() {
        if u > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut *out, &reviewer_out(data, report, u))?;
    }
    for (key, owner, cards) in [
        ("products", Owner::Product, &report.products),
        ("sellers", Owner::Seller, &report.sellers),
    ] {
        write!(out, "],\"{key}\":[")?;
        for (i, c) in cards.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            serde_json::to_writer(&mut *out, &card_out(data, c, owner, i))?;
        }
    }
    out.write_all(b"]}\n")?;
    Ok(())
}

/// A grade as the contract has it (A-D or F): a card too small to grade is a `C`, with
/// `graded` false beside it.
fn contract_grade(grade: char) -> char {
    if grade == reviews::card::GRADE_NOT_ENOUGH {
        'C'
    } else {
        grade
    }
}

/// A grade for people: `-` spelled out.
fn grade_text(grade: char) -> String {
    if grade == reviews::card::GRADE_NOT_ENOUGH {
        format!(
            "- (not enough reviews: fewer than {})",
            reviews::card::GRADE_REVIEWS_MIN
        )
    } else {
        grade.to_string()
    }
}

/// The report for people: the worst graded products with their tests, the sellers
/// graded D or F, and the most suspected reviewers with their reasons.
pub fn reviews_text(data: &reviews::Reviews, report: &reviews::Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} reviews, {} reviewers, {} products; {} lockstep groups",
        data.len(),
        data.reviewer_count(),
        data.product_count(),
        report.blocks
    );
    let mut order: Vec<usize> = (0..report.products.len()).collect();
    order.sort_by_key(|&p| (std::cmp::Reverse(report.products[p].grade), p));
    if order.len() > TEXT_PRODUCTS_MAX {
        let _ = writeln!(
            out,
            "the {TEXT_PRODUCTS_MAX} worst graded of {} products (--format json lists all)",
            order.len()
        );
    }
    for p in order.into_iter().take(TEXT_PRODUCTS_MAX) {
        let c = &report.products[p];
        let adjusted = c
            .adjusted_rating
            .map_or("none".to_string(), |x| format!("{x:.2}"));
        let _ = writeln!(
            out,
            "\nproduct {}: grade {}, rating {:.2}, adjusted {adjusted} ({} of {} reviews remain)",
            data.product_name(p),
            grade_text(c.grade),
            c.rating,
            c.remaining,
            c.reviews
        );
        let a = reviews::card::assessment(c, &Thresholds::default());
        // The verdict line only: the tests below carry the same findings in full.
        let verdict = assessment_text(&a);
        let _ = writeln!(out, "  {}", verdict.lines().next().unwrap_or_default());
        // Plain words for people: test names and p-values are in `--format json`.
        for t in &c.tests {
            let _ = writeln!(out, "  {:4} {}", t.result.as_str().to_uppercase(), t.plain);
        }
    }
    let mut poor_sellers: Vec<usize> = (0..report.sellers.len())
        .filter(|&s| matches!(report.sellers[s].grade, 'D' | 'F'))
        .collect();
    poor_sellers.sort_by_key(|&s| (std::cmp::Reverse(report.sellers[s].grade), s));
    if !report.sellers.is_empty() {
        let _ = writeln!(
            out,
            "\n{} of {} sellers graded D or F",
            poor_sellers.len(),
            report.sellers.len()
        );
    }
    for &s in poor_sellers.iter().take(TEXT_PRODUCTS_MAX) {
        let c = &report.sellers[s];
        let failed: Vec<&str> = c
            .tests
            .iter()
            .filter(|t| t.result == reviews::Outcome::Fail)
            .map(|t| t.name)
            .collect();
        let _ = writeln!(
            out,
            "  {}: grade {}, rating {:.2}, adjusted {} ({} of {} reviews remain){}",
            data.seller_name(s),
            c.grade,
            c.rating,
            c.adjusted_rating
                .map_or("none".to_string(), |x| format!("{x:.2}")),
            c.remaining,
            c.reviews,
            if failed.is_empty() {
                String::new()
            } else {
                format!("; fails {}", failed.join(", "))
            }
        );
    }
    let mut suspects: Vec<usize> = (0..report.reviewers.len())
        .filter(|&u| report.reviewers[u].score >= 0.5)
        .collect();
    suspects.sort_by(|&a, &b| {
        report.reviewers[b]
            .score
            .total_cmp(&report.reviewers[a].score)
    });
    let _ = writeln!(
        out,
        "\n{} reviewers with suspicion 0.5 or more{}",
        suspects.len(),
        if suspects.len() > TEXT_REVIEWERS_MAX {
            format!(" (the first {TEXT_REVIEWERS_MAX}; --format json lists all)")
        } else {
            String::new()
        }
    );
    for &u in suspects.iter().take(TEXT_REVIEWERS_MAX) {
        let s = &report.reviewers[u];
        let _ = writeln!(out, "  {} {:.2}", data.reviewer_name(u), s.score);
        for r in &s.reasons {
            let _ = writeln!(out, "    - {r}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_people_s_report_says_the_guide_s_pattern_in_plain_words() {
        let mut csv = String::from("reviewer_id,product_id,rating\n");
        for i in 0..100 {
            csv += &format!("r{i},guide,{}\n", if i == 0 { 1 } else { 5 });
        }
        csv += "solo,lone,5\n";
        let data = reviews::parse_csv(csv.as_bytes()).unwrap();
        let report = reviews::assess(&data);
        let text = reviews_text(&data, &report);
        assert!(
            text.contains("FAIL 99 of 100 ratings are 5 stars, 1 is 1 star, none between: honest products with this many reviews show about 8% in 2-4 stars"),
            "{text}"
        );
        assert!(
            !text.contains("p = ") && !text.contains("rating_distribution"),
            "{text}"
        );
        assert!(
            text.contains("product lone: grade - (not enough reviews"),
            "{text}"
        );
        let out = reviews_out(&data, &report);
        let lone = out
            .products
            .iter()
            .find(|c| c.product_id.as_deref() == Some("lone"))
            .unwrap();
        assert_eq!((lone.grade.as_str(), lone.graded), ("C", false));
        assert!(out
            .products
            .iter()
            .all(|c| "ABCDF".contains(c.grade.as_str())));
        let guide = out
            .products
            .iter()
            .find(|c| c.product_id.as_deref() == Some("guide"))
            .unwrap();
        let t = guide
            .tests
            .iter()
            .find(|t| t.name == "rating_distribution")
            .unwrap();
        assert_eq!(t.result, "fail");
        assert!(t.detail.contains("p = "), "{}", t.detail);
    }

    #[test]
    fn the_streamed_json_is_the_schema_s_value() {
        let csv = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/reviews.csv"
        ))
        .unwrap();
        let data = reviews::parse_csv(&csv[..]).unwrap();
        let report = reviews::assess(&data);
        let mut streamed = Vec::new();
        reviews_json(&mut streamed, &data, &report).unwrap();
        let whole = serde_json::to_string(&reviews_out(&data, &report)).unwrap() + "\n";
        assert_eq!(String::from_utf8(streamed).unwrap(), whole);
        let out = reviews_out(&data, &report);
        assert!(!out.products.is_empty() && !out.sellers.is_empty());
        assert!(out
            .products
            .iter()
            .all(|c| c.product_id.is_some() && c.seller_id.is_none()));
    }
}
