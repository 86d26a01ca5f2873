//! Ranking quality of reviewer suspicion against generator labels: ROC AUC, precision
//! at k and nDCG at k, per anomaly type (each type against the honest reviewers).

use crate::gen::Label;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    pub auc: f64,
    /// Precision in the top k, with k the number of anomalies of the type.
    pub precision_at_k: f64,
    pub ndcg_at_k: f64,
    pub positives: usize,
}

/// Metrics for one anomaly type: `scored` holds (suspicion, label) for every reviewer;
/// only the honest ones and those of `anomaly` take part. None without both kinds.
pub fn score(scored: &[(f32, Label)], anomaly: Label) -> Option<Scores> {
    let mut v: Vec<(f32, bool)> = scored
        .iter()
        .filter(|(_, l)| *l == anomaly || *l == Label::Honest)
        .map(|&(s, l)| (s, l == anomaly))
        .collect();
    let pos = v.iter().filter(|x| x.1).count();
    let neg = v.len() - pos;
    if pos == 0 || neg == 0 {
        return None;
    }
    // AUC by ranks, ties shared (Mann-Whitney U).
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j < v.len() && v[j].0 == v[i].0 {
            j += 1;
        }
        let mid = (i + 1 + j) as f64 / 2.0;
        rank_sum += mid * v[i..j].iter().filter(|x| x.1).count() as f64;
        i = j;
    }
    let auc = (rank_sum - (pos * (pos + 1)) as f64 / 2.0) / (pos * neg) as f64;
    // Top k by suspicion; among ties, anomalies last, so ties never flatter.
    v.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let k = pos;
    let hits = v[..k].iter().filter(|x| x.1).count();
    let dcg: f64 = v[..k]
        .iter()
        .enumerate()
        .filter(|(_, x)| x.1)
        .map(|(r, _)| 1.0 / (r as f64 + 2.0).log2())
        .sum();
    let ideal: f64 = (0..k).map(|r| 1.0 / (r as f64 + 2.0).log2()).sum();
    Some(Scores {
        auc,
        precision_at_k: hits as f64 / k as f64,
        ndcg_at_k: dcg / ideal,
        positives: pos,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_random_and_inverted_rankings() {
        let h = Label::Honest;
        let c = Label::Colluding;
        let perfect = [(0.9, c), (0.8, c), (0.2, h), (0.1, h)];
        let s = score(&perfect, c).unwrap();
        assert_eq!((s.auc, s.precision_at_k, s.ndcg_at_k), (1.0, 1.0, 1.0));
        let inverted = [(0.1, c), (0.2, c), (0.8, h), (0.9, h)];
        let s = score(&inverted, c).unwrap();
        assert_eq!((s.auc, s.precision_at_k, s.ndcg_at_k), (0.0, 0.0, 0.0));
        let ties = [(0.5, c), (0.5, h)];
        let s = score(&ties, c).unwrap();
        assert_eq!(s.auc, 0.5);
        assert_eq!(s.precision_at_k, 0.0);
        assert!(score(&[(0.5, h)], c).is_none());
    }
}
