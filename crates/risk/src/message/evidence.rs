//! Everything the signal rules read about one message, gathered once: the cues by
//! concept, the entities (links, e-mails, phones, handles, cards, IBANs, amounts), who
//! sent it, where the order stands, and the facts several rules share.

use std::cell::OnceCell;
use std::ops::Range;

use super::cues::Cues;
use super::{Context, Message, Sender};
use crate::entities::{self, Phone};
use crate::fold::Folded;
use crate::lexicon::{Concept, Lexicon};
use crate::link::{LinkReport, LinkScanner};
use crate::{Finding, Kind, Severity};

/// A link other than an e-mail address, with what the link scanner found about it.
pub(super) struct ScannedLink {
    pub(super) span: Range<usize>,
    pub(super) report: LinkReport,
}

/// An e-mail address; the platform's own are no contact outside it.
pub(super) struct Email {
    pub(super) span: Range<usize>,
    pub(super) official: bool,
}

/// The evidence about one message. Entities found inside a link (a number in a URL)
/// are part of the link and left out.
pub(super) struct Evidence<'a> {
    /// The text scanned; every span points into it.
    pub(super) text: &'a str,
    pub(super) folded: &'a Folded,
    pub(super) sender: Sender,
    pub(super) context: Context,
    pub(super) cues: Cues,
    /// Links in text order, e-mail addresses apart.
    pub(super) links: Vec<ScannedLink>,
    /// Where every link and e-mail address lies.
    link_spans: Vec<Range<usize>>,
    pub(super) emails: Vec<Email>,
    pub(super) phones: Vec<Phone>,
    /// E-mail addresses spelt out or spaced out ("shop at gmail dot com").
    pub(super) spelt_emails: Vec<Range<usize>>,
    pub(super) handles: Vec<Range<usize>>,
    /// Card numbers, but for digits inside an IBAN.
    pub(super) cards: Vec<Range<usize>>,
    pub(super) ibans: Vec<Range<usize>>,
    /// Money amounts, found only if a rule asks for them.
    amounts: OnceCell<Vec<Range<usize>>>,
    /// The seller wrote, or someone who may pose as one: most rules read only their
    /// messages.
    pub(super) seller_side: bool,
    /// Contact is asked for: a contact verb, or "give me your WhatsApp".
    pub(super) contact: bool,
    /// A warning about scams ("never pay outside the platform"): names of payment
    /// methods and brands in it are no request.
    pub(super) warning: bool,
    /// A buyer reports what the seller asked ("the seller wants a transfer").
    pub(super) relayed: bool,
    /// Something is said to stay on the platform ("pay through the checkout").
    pub(super) on_platform: bool,
}

impl<'a> Evidence<'a> {
    /// Gathers the evidence about `text` (the part of `m` scanned), folded as `folded`.
    pub(super) fn gather(
        text: &'a str,
        folded: &'a Folded,
        m: &Message<'_>,
        lexicon: &Lexicon,
        link_scanner: &LinkScanner,
    ) -> Evidence<'a> {
        let cues = Cues::new(lexicon.find(folded));
        let (links, emails, link_spans) = links_and_emails(text, link_scanner);
        // "Give me your WhatsApp" asks for contact as much as "write me on it".
        let contact = cues.has(Concept::ContactVerb)
            || cues.get(Concept::AskVerb).iter().any(|a| {
                cues.get(Concept::App)
                    .iter()
                    .any(|app| app.words.start >= a.words.end && app.words.start < a.words.end + 3)
            });
        let phone_cue = contact || cues.any(&[Concept::App, Concept::AppShort]);
        let ibans = entities::ibans(text);
        let phones: Vec<_> = entities::phones(text, m.lang, phone_cue)
            .into_iter()
            .filter(|p| !inside(&link_spans, &p.span))
            .filter(|p| {
                !ibans
                    .iter()
                    .any(|i| i.start < p.span.end && p.span.start < i.end)
            })
            .filter(|p| !order_number_near(&cues, folded.word_at(p.span.start)))
            .collect();
        let mut spelt_emails = if may_spell_email(&cues, text) {
            entities::spelt_emails(text)
        } else {
            Vec::new()
        };
        spelt_emails.extend(entities::spaced_out_emails(text));
        let handles: Vec<_> = entities::handles(text)
            .into_iter()
            .filter(|h| !inside(&link_spans, h))
            .collect();
        let cards: Vec<_> = entities::cards(text)
            .into_iter()
            .filter(|span| {
                !inside(&link_spans, span)
                    && !ibans
                        .iter()
                        .any(|i| i.start <= span.start && span.end <= i.end)
            })
            .collect();
        Evidence {
            text,
            folded,
            sender: m.sender,
            context: m.context,
            seller_side: m.sender != Sender::Buyer,
            contact,
            warning: cues.has(Concept::Warning),
            relayed: cues.has(Concept::Relay),
            on_platform: cues.has(Concept::OnPlatform),
            cues,
            links,
            link_spans,
            emails,
            phones,
            spelt_emails,
            handles,
            cards,
            ibans,
            amounts: OnceCell::new(),
        }
    }

    /// Money amounts in the text ("25 USD", "€4"), found on first use.
    pub(super) fn amounts(&self) -> &[Range<usize>] {
        self.amounts.get_or_init(|| entities::amounts(self.text))
    }

    /// Whether `span` lies inside a link or an e-mail address.
    pub(super) fn inside_link(&self, span: &Range<usize>) -> bool {
        inside(&self.link_spans, span)
    }

    /// A finding about the bytes `span` of the text.
    pub(super) fn finding(
        &self,
        kind: Kind,
        severity: Severity,
        score: f64,
        span: Range<usize>,
        why: &str,
    ) -> Finding {
        Finding::in_text(kind, severity, score, self.text, span, why)
    }
}

/// The links with what the link scanner found, the e-mail addresses, and where all
/// of them lie.
fn links_and_emails(
    text: &str,
    link_scanner: &LinkScanner,
) -> (Vec<ScannedLink>, Vec<Email>, Vec<Range<usize>>) {
    let mut links = Vec::new();
    let mut emails = Vec::new();
    let mut spans = Vec::new();
    for found in entities::links(text) {
        spans.push(found.span.clone());
        if found.email {
            let official = is_official_email(link_scanner, &found.text);
            emails.push(Email {
                span: found.span,
                official,
            });
        } else {
            let report = link_scanner.scan(&found.text);
            links.push(ScannedLink {
                span: found.span,
                report,
            });
        }
    }
    (links, emails, spans)
}

/// Whether `span` lies inside one of `spans`.
fn inside(spans: &[Range<usize>], span: &Range<usize>) -> bool {
    spans
        .iter()
        .any(|l| l.start <= span.start && span.end <= l.end)
}

/// Whether an e-mail address is the platform's own (a free mail service never is).
fn is_official_email(link_scanner: &LinkScanner, email: &str) -> bool {
    let domain = email.rsplit('@').next().unwrap_or("");
    let report = link_scanner.scan(domain);
    report.official && !domain.ends_with("gmail.com") && !domain.ends_with("icloud.com")
}

/// Whether `text` may hold an e-mail address spelt out: a word for "at" and one for
/// "dot" (the lexicon finds them) or their signs standing alone. Most messages have
/// no such pair and skip the word-by-word search.
fn may_spell_email(cues: &Cues, text: &str) -> bool {
    (cues.has(Concept::SpeltAt) || memchr::memchr(b'@', text.as_bytes()).is_some())
        && (cues.has(Concept::SpeltDot) || entities::lone_dot(text))
}

/// Whether an "order" or "tracking" word stands just before word `word`.
fn order_number_near(cues: &Cues, word: usize) -> bool {
    cues.get(Concept::OrderWord)
        .iter()
        .any(|h| h.words.end <= word + 1 && word < h.words.end + 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The quick test before the spelt e-mail search never hides one.
        #[test]
        fn the_quick_test_never_hides_a_spelt_email(
            before in proptest::collection::vec(proptest::sample::select(vec![
                "write", "me", "x.y", ".", "(", "2", "точка", "ok."
            ]), 0..3),
            name in proptest::sample::select(vec!["shop", "Maria.Tienda", "ivan_88"]),
            at in proptest::sample::select(vec![
                "at", "AT", "(at)", "[At]", "{ät}", "arroba", "СОБАКА", "собака", "@"
            ]),
            domain in proptest::sample::select(vec!["gmail", "web", "mail"]),
            dot in proptest::sample::select(vec![
                "dot", "(DOT)", "[.]", "(.)", ".", ".)", "punto", "Ponto", "POINT", "punkt",
                "точка", "ТоЧкА", "{dot}"
            ]),
            tld in proptest::sample::select(vec!["com", "de", "ru", "es"]),
            gaps in proptest::collection::vec(proptest::sample::select(vec![
                " ", "  ", "\u{a0}", "\u{3000}", "\n", "\t", ""
            ]), 4),
        ) {
            let mut text = before.join(" ");
            text.push(' ');
            for (part, gap) in [name, at, domain, dot].iter().zip(&gaps) {
                text.push_str(part);
                text.push_str(gap);
            }
            text.push_str(tld);
            static LEXICON: std::sync::LazyLock<Lexicon> =
                std::sync::LazyLock::new(Lexicon::builtin);
            let cues = Cues::new(LEXICON.find(&crate::fold::fold(&text)));
            proptest::prop_assert!(
                entities::spelt_emails(&text).is_empty() || may_spell_email(&cues, &text),
                "{:?}", text
            );
        }
    }
}
