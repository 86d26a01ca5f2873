//! The message lexicons (`data/lexicon/*.txt`): cues by concept, compiled into one
//! Aho-Corasick automaton over folded text.
//!
//! A cue counts only where a word starts (or, for an app's name, inside a long run of
//! letters), so the automaton is walked from each word's start, anchored, and stops
//! as soon as no cue can go on: a few bytes per word instead of every byte of a text
//! that has no spaces left to bring the automaton back to its start.

use std::ops::Range;

use aho_corasick::automaton::Automaton;
use aho_corasick::nfa::contiguous::NFA;
use aho_corasick::{Anchored, Input, MatchKind, PatternID};

use crate::fold::{fold_cue, Folded};

macro_rules! concepts {
    ($($variant:ident = $name:literal),* $(,)?) => {
        /// What a cue stands for; the rules in `message.rs` combine them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Concept { $($variant),* }

        impl Concept {
            pub const ALL: &'static [Concept] = &[$(Concept::$variant),*];
            pub fn name(self) -> &'static str {
                match self { $(Concept::$variant => $name),* }
            }
            fn parse(name: &str) -> Option<Concept> {
                match name { $($name => Some(Concept::$variant),)* _ => None }
            }
        }
    };
}

concepts! {
    App = "app",
    AppShort = "app_short",
    ContactVerb = "contact_verb",
    Feature = "feature",
    Direct = "direct",
    PayMethodStrong = "pay_method_strong",
    PayMethodWeak = "pay_method_weak",
    PayVerb = "pay_verb",
    Discount = "discount",
    Fee = "fee",
    FeeCovered = "fee_covered",
    Demand = "demand",
    Hedge = "hedge",
    MoneyWord = "money_word",
    Dispute = "dispute",
    CloseVerb = "close_verb",
    Negation = "negation",
    Promise = "promise",
    Confirm = "confirm",
    Receipt = "receipt",
    PressureNow = "pressure_now",
    Review = "review",
    Incentive = "incentive",
    Change = "change",
    NegativeReview = "negative_review",
    UrgencyStrong = "urgency_strong",
    TimeLimit = "time_limit",
    Threat = "threat",
    Brand = "brand",
    Staff = "staff",
    Account = "account",
    AskVerb = "ask_verb",
    Credential = "credential",
    PasswordShared = "password_shared",
    CardWord = "card_word",
    OrderWord = "order_word",
    OnPlatform = "on_platform",
    Conditional = "conditional",
    Prize = "prize",
    Relay = "relay",
    AfterReceipt = "after_receipt",
    Countdown = "countdown",
    Warning = "warning",
    ContactDetail = "contact_detail",
    SpeltAt = "spelt_at",
    SpeltDot = "spelt_dot",
}

/// Folded length from which a word is read as several words run together.
const RUN_TOGETHER_MIN: usize = 20;

/// The lexicon files shipped with marketguard, by language.
pub const BUILTIN: &[(&str, &str)] = &[
    ("en", include_str!("../data/lexicon/en.txt")),
    ("es", include_str!("../data/lexicon/es.txt")),
    ("pt", include_str!("../data/lexicon/pt.txt")),
    ("fr", include_str!("../data/lexicon/fr.txt")),
    ("de", include_str!("../data/lexicon/de.txt")),
    ("ru", include_str!("../data/lexicon/ru.txt")),
];

#[derive(Debug, Clone)]
struct Cue {
    concept: Concept,
    /// The cue may end inside a word.
    stem: bool,
    /// The cue must be exactly one whole word (short cues such as "tg").
    whole_word: bool,
}

/// A cue found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub concept: Concept,
    /// First and last word of the match (word indexes of the folded text).
    pub words: Range<usize>,
    /// Bytes of the original text.
    pub span: Range<usize>,
}

/// A compiled set of lexicons.
#[derive(Debug, Clone)]
pub struct Lexicon {
    automaton: NFA,
    cues: Vec<Cue>,
    /// Folded cue strings, kept for the baseline benchmark.
    patterns: Vec<String>,
}

/// A line of a lexicon file that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("lexicon {file}, line {line}: {problem}")]
pub struct LexiconError {
    pub file: String,
    pub line: usize,
    pub problem: String,
}

impl Lexicon {
    /// The lexicons shipped with marketguard.
    pub fn builtin() -> Lexicon {
        Lexicon::parse(BUILTIN).expect("the built-in lexicons are valid (tested)")
    }

    /// Compiles lexicon files given as `(name, contents)`.
    pub fn parse(files: &[(&str, &str)]) -> Result<Lexicon, LexiconError> {
        let mut cues = Vec::new();
        let mut patterns = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (file, contents) in files {
            let mut concept = None;
            for (n, raw) in contents.lines().enumerate() {
                let line = raw.trim();
                let error = |problem: String| LexiconError {
                    file: file.to_string(),
                    line: n + 1,
                    problem,
                };
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                    concept = Some(
                        Concept::parse(name)
                            .ok_or_else(|| error(format!("unknown concept [{name}]")))?,
                    );
                    continue;
                }
                let concept =
                    concept.ok_or_else(|| error("a cue before the first [concept]".into()))?;
                let (cue, stem) = match line.strip_suffix('*') {
                    Some(stem) => (stem, true),
                    None => (line, false),
                };
                let folded = fold_cue(cue);
                if folded.is_empty() {
                    return Err(error(format!("cue {line:?} has no letters or digits")));
                }
                if !seen.insert((folded.clone(), concept, stem)) {
                    continue;
                }
                let whole_word = !stem && folded.chars().count() <= 3;
                cues.push(Cue {
                    concept,
                    stem,
                    whole_word,
                });
                patterns.push(folded);
            }
        }
        // The words of spelt e-mail addresses, so that one pass tells whether the
        // search for those is worth it ("@" and "." fold to nothing: not cues).
        for (concept, words) in [
            (Concept::SpeltAt, crate::entities::SPELT_AT),
            (Concept::SpeltDot, crate::entities::SPELT_DOT),
        ] {
            for word in words {
                let folded = fold_cue(word);
                if !folded.is_empty() && seen.insert((folded.clone(), concept, false)) {
                    cues.push(Cue {
                        concept,
                        stem: false,
                        whole_word: folded.chars().count() <= 3,
                    });
                    patterns.push(folded);
                }
            }
        }
        let automaton = NFA::builder()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .map_err(|e| LexiconError {
                file: "(all)".into(),
                line: 0,
                problem: e.to_string(),
            })?;
        Ok(Lexicon {
            automaton,
            cues,
            patterns,
        })
    }

    /// The folded cues, in pattern order.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// Every cue that occurs in `folded` with its word boundaries respected.
    pub fn find(&self, folded: &Folded) -> Vec<Hit> {
        let mut found = self.occurrences(folded);
        // In the order an overlapping search of the whole text reports them: by end,
        // the longest first, then by pattern.
        found.sort_unstable();
        self.keep(folded, found)
    }

    /// The occurrences `(end, start, pattern)` that respect their cue's word
    /// boundaries, as hits.
    fn keep(
        &self,
        folded: &Folded,
        found: impl IntoIterator<Item = (usize, usize, PatternID)>,
    ) -> Vec<Hit> {
        let found = found.into_iter();
        let mut hits = Vec::with_capacity(found.size_hint().0);
        for (end, start, pattern) in found {
            let cue = &self.cues[pattern.as_usize()];
            let first = folded.word_of(start);
            let last = folded.word_of(end - 1);
            // "addmeonwhatsapp8615012345678forbestprice": in a run of twenty letters
            // and digits without a space, an app's full name counts where it stands.
            let run_together = cue.concept == Concept::App
                && end - start >= 6
                && first == last
                && folded.word_len(first) >= RUN_TOGETHER_MIN;
            if !folded.is_boundary(start) && !run_together {
                continue;
            }
            if !cue.stem && !folded.is_boundary(end) && !run_together {
                continue;
            }
            if (cue.whole_word || cue.stem && end - start <= 3) && first != last {
                continue;
            }
            if cue.whole_word && !folded.is_boundary(end) {
                continue;
            }
            hits.push(Hit {
                concept: cue.concept,
                words: first..last + 1,
                span: folded.original(start..end),
            });
        }
        hits
    }

    /// Every cue occurrence that [`Lexicon::find`] may keep, as `(end, start,
    /// pattern)`: those that start a word, and those inside a run of letters long
    /// enough to be several words run together.
    fn occurrences(&self, folded: &Folded) -> Vec<(usize, usize, PatternID)> {
        let aut = &self.automaton;
        let text = folded.text.as_bytes();
        let mut found = Vec::with_capacity(32);
        let anchored = aut
            .start_state(Anchored::Yes)
            .expect("an NFA supports anchored searches");
        let starts = folded.word_starts();
        for (k, &from) in starts.iter().enumerate() {
            let from = from as usize;
            let mut sid = anchored;
            for (at, &b) in text.iter().enumerate().skip(from) {
                sid = aut.next_state(Anchored::Yes, sid, b);
                if aut.is_dead(sid) {
                    break;
                }
                if !aut.is_match(sid) {
                    continue;
                }
                // A state's matches include the shorter cues that end here too.
                for i in 0..aut.match_len(sid) {
                    let pattern = aut.match_pattern(sid, i);
                    if aut.pattern_len(pattern) == at + 1 - from {
                        found.push((at + 1, from, pattern));
                    }
                }
            }
            let end = starts.get(k + 1).map_or(text.len(), |&e| e as usize);
            if end - from >= RUN_TOGETHER_MIN {
                let word = Input::new(text).span(from..end);
                for m in aut
                    .try_find_overlapping_iter(word)
                    .expect("an NFA supports overlapping searches")
                {
                    if m.start() != from {
                        found.push((m.end(), m.start(), m.pattern()));
                    }
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fold::fold;

    fn concepts(text: &str) -> Vec<&'static str> {
        let lexicon = Lexicon::builtin();
        let mut names: Vec<_> = lexicon
            .find(&fold(text))
            .into_iter()
            .map(|h| h.concept.name())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    proptest::proptest! {
        /// Walking the automaton from each word's start (and searching long runs of
        /// letters) keeps the same hits, in the same order, as one overlapping
        /// search of the whole folded text.
        #[test]
        fn word_start_walks_find_what_a_full_search_finds(
            words in proptest::collection::vec(proptest::sample::select(vec![
                "add", "me", "on", "whatsapp", "W h a t s A p p", "wh4tsapp", "telegram",
                "pay", "paypal", "friends", "family", "direct", "bank", "transfer", "no",
                "don't", "close", "the", "dispute", "confirm", "receipt", "customs", "fee",
                "оплата", "на", "карту", "ватсап", "pagar", "por", "fora", "da", "plataforma",
                "addmeonwhatsapp8615012345678forbestprice", "aliexpress", "staff", "code",
                "tg", "pix", "zelle", "écrivez", "moi", "überweisung", "1", "x", "🙂",
            ]), 0..14),
            seps in proptest::collection::vec(proptest::sample::select(vec![
                " ", "", ".", " - ", ", ", "\u{200b}", "\n",
            ]), 14),
        ) {
            static BUILT: std::sync::LazyLock<(Lexicon, aho_corasick::AhoCorasick)> =
                std::sync::LazyLock::new(|| {
                    let lexicon = Lexicon::builtin();
                    let everywhere = aho_corasick::AhoCorasick::builder()
                        .match_kind(MatchKind::Standard)
                        .build(lexicon.patterns())
                        .expect("the lexicon's patterns compile");
                    (lexicon, everywhere)
                });
            let (lexicon, everywhere) = &*BUILT;
            let mut text = String::new();
            for (word, sep) in words.iter().zip(&seps) {
                text.push_str(word);
                text.push_str(sep);
            }
            let folded = fold(&text);
            let all = everywhere
                .find_overlapping_iter(&folded.text)
                .map(|m| (m.end(), m.start(), m.pattern()));
            proptest::prop_assert_eq!(lexicon.find(&folded), lexicon.keep(&folded, all));
        }
    }

    #[test]
    fn builtin_lexicons_compile_and_every_concept_has_cues() {
        let lexicon = Lexicon::builtin();
        for concept in Concept::ALL {
            assert!(
                lexicon.cues.iter().any(|c| c.concept == *concept),
                "no cue for {}",
                concept.name()
            );
        }
    }

    #[test]
    fn cues_respect_word_boundaries() {
        assert!(concepts("add me on W h a t s A p p").contains(&"app"));
        assert!(!concepts("that's appropriate").contains(&"app"));
        assert!(concepts("message me on tg").contains(&"app_short"));
        assert!(!concepts("the tgv train").contains(&"app_short"));
        assert!(concepts("transferred the money").contains(&"pay_verb"));
        assert!(concepts("addmeonwhatsapp8615012345678forbestprice").contains(&"app"));
        assert!(!concepts("mywhatsappnumber").contains(&"app"));
    }

    #[test]
    fn bad_lexicon_lines_are_reported_with_their_place() {
        let err = Lexicon::parse(&[("x", "[app]\nok\n[nope]\n")]).unwrap_err();
        assert_eq!((err.line, err.file.as_str()), (3, "x"));
        assert!(err.to_string().contains("unknown concept"));
        let err = Lexicon::parse(&[("x", "cue\n")]).unwrap_err();
        assert_eq!(err.line, 1);
    }
}
