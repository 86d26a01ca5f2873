//! What review texts say: incentive phrases in six languages, near-duplicate texts
//! (MinHash signatures from `gaoya`, banded by sorting), and word counts.

use aho_corasick::{AhoCorasick, MatchKind};
use gaoya::minhash::{MinHasher, MinHasher32};

const PHRASES: &str = include_str!("../data/incentive_phrases.txt");

/// Texts with fewer words are left out of near-duplicate search: "good product" twice
/// says nothing.
pub const DUPLICATE_WORDS_MIN: usize = 5;
/// MinHash signature length: BANDS x ROWS.
const BANDS: usize = 16;
const ROWS: usize = 4;
/// Estimated Jaccard similarity of word-pair sets above which two texts are near-duplicates.
pub const DUPLICATE_JACCARD_MIN: f64 = 0.6;

/// The incentive phrase list, compiled once.
pub struct IncentiveMatcher {
    automaton: AhoCorasick,
    langs: Vec<&'static str>,
}

impl IncentiveMatcher {
    pub fn new() -> Self {
        let mut phrases = Vec::new();
        let mut langs = Vec::new();
        for line in PHRASES.lines() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (lang, phrase) = line.split_once('\t').expect("lang<TAB>phrase");
            langs.push(lang);
            phrases.push(phrase);
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&phrases)
            .expect("incentive phrases compile");
        Self { automaton, langs }
    }

    /// The language of the first incentive phrase in `text`, if any.
    pub fn find(&self, text: &str) -> Option<&'static str> {
        if text.is_empty() {
            return None;
        }
        let norm = normalize(text);
        self.automaton
            .find(&norm)
            .map(|m| self.langs[m.pattern().as_usize()])
    }

    /// Languages covered by the list.
    pub fn languages(&self) -> Vec<&'static str> {
        let mut l = self.langs.clone();
        l.dedup();
        l
    }
}

impl Default for IncentiveMatcher {
    fn default() -> Self {
        Self::new()
    }
}

fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        let c = match c {
            '\u{2019}' | '\u{2018}' | '`' => '\'',
            c => c,
        };
        if c.is_whitespace() {
            if !space {
                out.push(' ');
            }
            space = true;
            continue;
        }
        space = false;
        out.extend(c.to_lowercase());
    }
    out
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// Number of words in a text.
pub fn word_count(text: &str) -> usize {
    words(text).count()
}

fn word_hash(w: &str) -> u64 {
    // FNV-1a over the lower-cased characters: the same word in any case hashes alike.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for c in w.chars().flat_map(char::to_lowercase) {
        let mut buf = [0u8; 4];
        for b in c.encode_utf8(&mut buf).bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Near-duplicate clusters: for each text, a cluster id shared with the texts it nearly
/// repeats, or `u32::MAX` when it repeats none (or is too short to tell).
pub fn near_duplicates(texts: &[Box<str>]) -> Vec<u32> {
    let hasher = MinHasher32::new(BANDS * ROWS);
    let mut docs: Vec<u32> = Vec::new();
    let mut sigs: Vec<u32> = Vec::new();
    let mut pairs: Vec<u64> = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        pairs.clear();
        let mut prev: Option<u64> = None;
        let mut n = 0;
        for w in words(t) {
            let h = word_hash(w);
            if let Some(p) = prev {
                pairs.push(h ^ p.rotate_left(17).wrapping_mul(31));
            }
            prev = Some(h);
            n += 1;
        }
        if n < DUPLICATE_WORDS_MIN {
            continue;
        }
        pairs.sort_unstable();
        pairs.dedup();
        let sig = hasher.create_signature(pairs.iter());
        docs.push(i as u32);
        sigs.extend_from_slice(&sig);
    }
    let width = BANDS * ROWS;
    let sig = |d: usize| &sigs[d * width..(d + 1) * width];
    let mut sets = UnionFind::new(docs.len());
    let mut keyed: Vec<(u64, u32)> = Vec::with_capacity(docs.len());
    for b in 0..BANDS {
        keyed.clear();
        for d in 0..docs.len() {
            let band = &sig(d)[b * ROWS..(b + 1) * ROWS];
            let mut h: u64 = b as u64;
            for &x in band {
                h = (h ^ u64::from(x)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            }
            keyed.push((h, d as u32));
        }
        keyed.sort_unstable();
        let mut start = 0;
        while start < keyed.len() {
            let mut end = start + 1;
            while end < keyed.len() && keyed[end].0 == keyed[start].0 {
                end += 1;
            }
            // Each member is checked against the run's first text only: linear in the
            // run, however many texts share a band.
            let first = keyed[start].1 as usize;
            for &(_, d) in &keyed[start + 1..end] {
                let d = d as usize;
                if sets.find(first) != sets.find(d)
                    && similarity(sig(first), sig(d)) >= DUPLICATE_JACCARD_MIN
                {
                    sets.union(first, d);
                }
            }
            start = end;
        }
    }
    let mut size = vec![0u32; docs.len()];
    for d in 0..docs.len() {
        size[sets.find(d)] += 1;
    }
    let mut out = vec![u32::MAX; texts.len()];
    for (d, &i) in docs.iter().enumerate() {
        let root = sets.find(d);
        if size[root] >= 2 {
            out[i as usize] = root as u32;
        }
    }
    out
}

fn similarity(a: &[u32], b: &[u32]) -> f64 {
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len() as f64
}

/// Disjoint sets with path halving and union by size.
pub(crate) struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    pub(crate) fn new(n: usize) -> Self {
        Self {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }
    pub(crate) fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] as usize != x {
            let gp = self.parent[self.parent[x] as usize];
            self.parent[x] = gp;
            x = gp as usize;
        }
        x
    }
    pub(crate) fn union(&mut self, a: usize, b: usize) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a as u32;
        self.size[a] += self.size[b];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incentive_phrases_in_six_languages() {
        let m = IncentiveMatcher::new();
        assert_eq!(m.languages(), ["en", "es", "pt", "fr", "de", "ru"]);
        for (text, lang) in [
            (
                "Great! I received this product for free in exchange for my honest review",
                "en",
            ),
            ("Lo recibí. A cambio de mi opinión honesta", "es"),
            ("Recebi de graça, adorei", "pt"),
            ("J’ai reçu ce produit gratuitement", "fr"),
            ("Ich habe das Produkt KOSTENLOS ERHALTEN", "de"),
            ("Получила бесплатно, спасибо", "ru"),
        ] {
            assert_eq!(m.find(text), Some(lang), "{text}");
        }
        assert_eq!(
            m.find("Free shipping, arrived in 10 days, works fine"),
            None
        );
        assert_eq!(m.find("Спасибо за отзыв"), None);
    }

    #[test]
    fn near_duplicates_cluster_lightly_edited_copies() {
        let texts: Vec<Box<str>> = [
            "Amazing quality, fast shipping, the seller is very kind, highly recommend this store",
            "amazing quality fast shipping the seller is very kind highly recommend this store!!",
            "Amazing quality, fast shipping, the seller is very kind, highly recommend this shop",
            "Broke after two days, the plastic is thin and the charger does not fit at all",
            "good",
            "good",
        ]
        .iter()
        .map(|s| (*s).into())
        .collect();
        let c = near_duplicates(&texts);
        assert_ne!(c[0], u32::MAX);
        assert_eq!(c[0], c[1]);
        assert_eq!(c[0], c[2]);
        assert_eq!(c[3], u32::MAX);
        assert_eq!(c[4], u32::MAX, "too short to count");
    }
}
