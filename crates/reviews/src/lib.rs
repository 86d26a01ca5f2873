//! Review integrity: which reviewers to believe (suspicion in [0, 1] with reasons), and
//! per product and seller a report card, an adjusted rating and a grade. Pure code: no
//! clock, no files; the caller reads the CSV and prints.

// Columnar code: one index walks several parallel vectors at once.
#![allow(clippy::needless_range_loop)]

pub mod assess;
pub mod card;
pub mod eval;
pub mod gen;
pub mod input;
pub mod stats;
pub mod text;

pub use assess::{Reason, Suspicion};
pub use card::{Card, Outcome, Test};
pub use input::{parse_csv, Builder, ParseError, Reviews, Row};

/// Everything found in one file.
#[derive(Debug, Clone)]
pub struct Report {
    /// One per reviewer, in the order of [`Reviews::reviewer_name`].
    pub reviewers: Vec<Suspicion>,
    /// One per product, in the order of [`Reviews::product_name`].
    pub products: Vec<Card>,
    /// One per seller, in the order of [`Reviews::seller_name`].
    pub sellers: Vec<Card>,
    /// Trust in each review, in [0, 1].
    pub trust: Vec<f32>,
    /// Lockstep blocks found.
    pub blocks: usize,
}

/// Steps reported to `progress`, for a progress bar's length.
pub const STEPS: usize = assess::STEPS + 1;

/// Assesses every reviewer, product and seller.
pub fn assess(r: &Reviews) -> Report {
    assess_with_progress(r, &mut |_, _| {})
}

/// [`assess`], calling `progress(steps_done, label)` as it goes.
pub fn assess_with_progress(r: &Reviews, progress: &mut dyn FnMut(usize, &str)) -> Report {
    let by_reviewer = assess::Groups::new(&r.reviewer, r.reviewer_count());
    let by_product = assess::Groups::new(&r.product, r.product_count());
    let analysis = assess::analyse(r, &by_reviewer, &by_product, progress);
    progress(STEPS, "report cards");
    let facts = card::Facts::new(r, &by_reviewer, &analysis);
    let products = (0..r.product_count())
        .map(|p| card::card(r, &analysis, &facts, by_product.get(p)))
        .collect();
    let seller_of_review: Vec<u32> = r
        .product
        .iter()
        .map(|&p| r.product_seller[p as usize])
        .collect();
    let mut by_seller: Vec<Vec<u32>> = vec![Vec::new(); r.seller_count()];
    for (i, &s) in seller_of_review.iter().enumerate() {
        if s != input::NO_SELLER {
            by_seller[s as usize].push(i as u32);
        }
    }
    let sellers = by_seller
        .iter()
        .map(|items| card::card(r, &analysis, &facts, items))
        .collect();
    Report {
        reviewers: analysis.suspicion,
        products,
        sellers,
        trust: analysis.trust,
        blocks: analysis.blocks,
    }
}
