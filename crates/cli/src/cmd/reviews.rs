//! `marketguard assess reviews FILE.csv`: reviewer suspicion and product report cards.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use crate::Format;

/// Files with more rows than this get a progress bar (when stderr is a terminal).
const PROGRESS_ROWS_MIN: usize = 100_000;
/// Products listed in the text report, worst grade first.
const TEXT_PRODUCTS_MAX: usize = 50;
/// Reviewers listed in the text report, most suspected first.
const TEXT_REVIEWERS_MAX: usize = 20;

#[derive(Debug, Args)]
pub struct ReviewsArgs {
    /// CSV with a header: reviewer_id, product_id, rating (0-5) required; review_id,
    /// seller_id, created_at (RFC 3339), text, verified_purchase, reviewer_created_at,
    /// reviewer_links, seller_links (semicolon-separated ids of devices, payment
    /// instruments, addresses), linked_to_seller (true/false) optional.
    file: std::path::PathBuf,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(args: ReviewsArgs) -> anyhow::Result<ExitCode> {
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("failed to open {}", args.file.display()))?;
    let data = reviews::parse_csv(std::io::BufReader::new(file))
        .with_context(|| format!("{} refused", args.file.display()))?;
    let bar = (std::io::stderr().is_terminal() && data.len() >= PROGRESS_ROWS_MIN).then(|| {
        let bar = indicatif::ProgressBar::new(reviews::STEPS as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} ({elapsed})")
                .expect("valid template"),
        );
        bar
    });
    let report = reviews::assess_with_progress(&data, &mut |step, label| {
        if let Some(b) = &bar {
            b.set_position(step as u64);
            b.set_message(label.to_string());
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = match args.format {
        Format::Json => server::assess::reviews_json(&mut out, &data, &report),
        Format::Text => out.write_all(report_text(&data, &report).as_bytes()),
    }
    .and_then(|()| out.flush());
    match written {
        // The reader stopped reading (`| head`): nothing is wrong.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        other => {
            other.context("failed to write the report")?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn report_text(data: &reviews::Reviews, report: &reviews::Report) -> String {
    use std::fmt::Write;
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
            c.grade,
            c.rating,
            c.remaining,
            c.reviews
        );
        let a = reviews::card::assessment(c, &risk::Thresholds::default());
        // The verdict line only: the tests below carry the same findings in full.
        let verdict = server::assess::assessment_text(&a);
        let _ = writeln!(out, "  {}", verdict.lines().next().unwrap_or_default());
        for t in &c.tests {
            let _ = writeln!(
                out,
                "  {:4} {}: {}",
                t.result.as_str().to_uppercase(),
                t.name,
                t.detail
            );
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
