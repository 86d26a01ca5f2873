//! The lexicons' cues found in one message, grouped by concept, and the questions the
//! signal rules ask about them: is a cue near another, before it, negated?

use crate::lexicon::{Concept, Hit};

/// The cues found in one message, by concept.
pub(super) struct Cues {
    /// The hits ordered by concept, in text order within one.
    hits: Vec<Hit>,
    /// Where each concept's hits start in `hits`, and where the last one's end.
    starts: [u32; Concept::ALL.len() + 1],
}

impl Cues {
    pub(super) fn new(mut hits: Vec<Hit>) -> Cues {
        let mut starts = [0u32; Concept::ALL.len() + 1];
        for h in &hits {
            starts[h.concept as usize + 1] += 1;
        }
        for c in 1..starts.len() {
            starts[c] += starts[c - 1];
        }
        // A stable sort keeps each concept's hits in text order.
        hits.sort_by_key(|h| h.concept as usize);
        Cues { hits, starts }
    }
    pub(super) fn get(&self, c: Concept) -> &[Hit] {
        let c = c as usize;
        &self.hits[self.starts[c] as usize..self.starts[c + 1] as usize]
    }
    pub(super) fn has(&self, c: Concept) -> bool {
        !self.get(c).is_empty()
    }
    pub(super) fn any(&self, cs: &[Concept]) -> bool {
        cs.iter().any(|c| self.has(*c))
    }
    /// Whether a cue of `c` ends within `words` words before `hit` starts.
    pub(super) fn before(&self, c: Concept, hit: &Hit, words: usize) -> bool {
        self.get(c)
            .iter()
            .any(|h| h.words.end <= hit.words.start && hit.words.start - h.words.end < words)
    }
    /// Whether a cue of `c` lies within `words` words of `hit` on either side.
    pub(super) fn near(&self, c: Concept, hit: &Hit, words: usize) -> bool {
        self.get(c)
            .iter()
            .any(|h| h.words.start < hit.words.end + words && hit.words.start < h.words.end + words)
    }
    /// Whether `hit` is negated: a negation right before it ("don't close", "no
    /// cierres"), unless the negation is itself conditional ("if you don't confirm
    /// today...", which is pressure).
    pub(super) fn negated(&self, hit: &Hit) -> bool {
        self.get(Concept::Negation)
            .iter()
            .any(|n| n.words.end == hit.words.start && !self.before(Concept::Conditional, n, 3))
    }
    /// Whether any negation but a bare "no" (the Portuguese "in the") stands within
    /// five words before `hit`: "don't write me on WhatsApp", "ne passez pas par
    /// whatsapp", "не пишите в вотсап". Looser than [`Cues::name_negated`].
    pub(super) fn refused(&self, hit: &Hit, text: &str) -> bool {
        self.get(Concept::Negation).iter().any(|n| {
            n.words.end <= hit.words.start
                && hit.words.start - n.words.end < 5
                && !text[n.span.clone()].eq_ignore_ascii_case("no")
        })
    }
    /// Like [`Cues::negated`] for a name (a payment method, an app), before which a
    /// bare "no" is as often the Portuguese "in the" ("no pix") as a negation; and a
    /// strong negation ("never", "nunca", "никогда") a few words before counts.
    pub(super) fn name_negated(&self, hit: &Hit, text: &str) -> bool {
        self.get(Concept::Negation).iter().any(|n| {
            let word = text[n.span.clone()].to_lowercase();
            let strong = matches!(
                word.as_str(),
                "never" | "nunca" | "никогда" | "jamais" | "nie" | "not"
            );
            n.words.end <= hit.words.start
                && (hit.words.start - n.words.end == 0 && word != "no"
                    || strong && hit.words.start - n.words.end < 5)
        })
    }
    /// Whether `hit` overlaps a cue of `c` in the original text.
    pub(super) fn overlaps(&self, c: Concept, hit: &Hit) -> bool {
        self.get(c)
            .iter()
            .any(|h| h.span.start < hit.span.end && hit.span.start < h.span.end)
    }
    pub(super) fn first(&self, c: Concept) -> Option<&Hit> {
        self.get(c).first()
    }
}
