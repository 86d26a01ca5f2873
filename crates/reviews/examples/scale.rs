//! Scale benchmark: 1,000,000 reviews (100,000 reviewers, 50,000 products).
//!
//! cargo run --release -p reviews --example scale -- generate DIR
//!     writes DIR/reviews-100k.csv and DIR/reviews-1m.csv from the generator
//! cargo run --release -p reviews --example scale -- measure DIR
//!     parses and assesses each file, printing the time and the peak memory
//!
//! Generation runs in its own process so that the peak memory measured is the
//! assessment's alone.

use std::time::Instant;

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (mode, dir) = match args.as_slice() {
        [_, mode, dir] => (mode.as_str(), std::path::PathBuf::from(dir)),
        _ => return Err("usage: scale generate|measure DIR".into()),
    };
    let small = dir.join("reviews-100k.csv");
    let large = dir.join("reviews-1m.csv");
    match mode {
        "generate" => {
            let t = Instant::now();
            let p = reviews::gen::Params {
                seed: 7,
                honest_reviewers: 98_000,
                products: 50_000,
                sellers: 5_000,
                reviews_per_reviewer: 10.8,
                independent_fakes: 1_000,
                colluding_groups: 40,
                bomber_groups: 20,
                camouflaged_groups: 20,
                group_size: 12,
                group_targets: 8,
                incentivized: 500,
                ..reviews::gen::Params::default()
            };
            let mut g = reviews::gen::generate(&p);
            // Interleave so that the first 100,000 rows are a fair sample.
            use rand::seq::SliceRandom;
            use rand::SeedableRng;
            g.rows.shuffle(&mut rand::rngs::StdRng::seed_from_u64(1));
            std::fs::create_dir_all(&dir)?;
            let file = |p: &std::path::Path| -> std::io::Result<std::io::BufWriter<std::fs::File>> {
                Ok(std::io::BufWriter::new(std::fs::File::create(p)?))
            };
            reviews::input::write_csv(&g.rows[..100_000.min(g.rows.len())], file(&small)?)?;
            reviews::input::write_csv(&g.rows, file(&large)?)?;
            let mut labels = String::from("reviewer_id,label\n");
            for (id, l) in &g.labels {
                labels.push_str(&format!("{id},{}\n", l.as_str()));
            }
            std::fs::write(dir.join("labels.csv"), labels)?;
            let reviewers = g.labels.len();
            println!(
                "wrote {} reviews by {reviewers} reviewers in {:.1} s",
                g.rows.len(),
                t.elapsed().as_secs_f64()
            );
        }
        "measure" => {
            for path in [&small, &large] {
                let t = Instant::now();
                let data = reviews::parse_csv(std::io::BufReader::new(std::fs::File::open(path)?))?;
                let parsed = t.elapsed().as_secs_f64();
                let mut steps = Vec::new();
                let mut last = Instant::now();
                let report = reviews::assess_with_progress(&data, &mut |_, label| {
                    steps.push((label.to_string(), last.elapsed().as_secs_f64()));
                    last = Instant::now();
                });
                let total = t.elapsed().as_secs_f64();
                let suspects = report.reviewers.iter().filter(|s| s.score >= 0.5).count();
                println!(
                    "{}: {} reviews, {} reviewers, {} products: parse {parsed:.2} s, total {total:.2} s; {suspects} reviewers at 0.5 or more, {} lockstep groups; peak memory so far {:.0} MiB",
                    path.display(),
                    data.len(),
                    data.reviewer_count(),
                    data.product_count(),
                    report.blocks,
                    peak_rss_mib().unwrap_or(f64::NAN)
                );
                if let Ok(labels) = std::fs::read_to_string(dir.join("labels.csv")) {
                    let truth: std::collections::HashMap<&str, reviews::gen::Label> = labels
                        .lines()
                        .skip(1)
                        .filter_map(|l| l.split_once(','))
                        .filter_map(|(id, l)| {
                            let label = [reviews::gen::Label::Honest]
                                .into_iter()
                                .chain(reviews::gen::Label::ANOMALIES)
                                .find(|x| x.as_str() == l)?;
                            Some((id, label))
                        })
                        .collect();
                    let scored: Vec<(f32, reviews::gen::Label)> = (0..data.reviewer_count())
                        .filter_map(|u| {
                            Some((
                                report.reviewers[u].score,
                                *truth.get(data.reviewer_name(u))?,
                            ))
                        })
                        .collect();
                    for l in reviews::gen::Label::ANOMALIES {
                        if let Some(s) = reviews::eval::score(&scored, l) {
                            println!(
                                "  {:17} {:5} reviewers: AUC {:.3}, P@k {:.3}, nDCG {:.3}",
                                l.as_str(),
                                s.positives,
                                s.auc,
                                s.precision_at_k,
                                s.ndcg_at_k
                            );
                        }
                    }
                }
                // Each label is printed with the time spent before it was reached.
                let detail: Vec<String> = steps
                    .iter()
                    .skip(1)
                    .map(|(l, s)| format!("{s:.2}s before {l}"))
                    .collect();
                println!("  {}", detail.join(", "));
            }
        }
        _ => return Err("usage: scale generate|measure DIR".into()),
    }
    Ok(())
}
