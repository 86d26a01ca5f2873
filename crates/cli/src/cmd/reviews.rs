//! `marketguard assess reviews FILE.csv`: reviewer suspicion and product report cards.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use crate::Format;

/// Files with more rows than this get a progress bar (when stderr is a terminal).
const PROGRESS_ROWS_MIN: usize = 100_000;

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
        Format::Json => report::reviews::reviews_json(&mut out, &data, &report),
        Format::Text => out.write_all(report::reviews::reviews_text(&data, &report).as_bytes()),
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
