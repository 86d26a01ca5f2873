//! The message scanner: chat messages in, signals with spans out.
//!
//! A message is folded (`fold.rs`), the lexicons' cues are found with one
//! Aho-Corasick automaton (`lexicon.rs`), the things that are not words are found on
//! the original text (`entities.rs`: phones, e-mails, handles, cards, IBANs, amounts,
//! links). All of it is gathered once (`message/evidence.rs`), then one rule per kind
//! of signal (`message/kinds.rs`) combines it with who sent the message and where the
//! order stands.
//! Every signal's span points into the text as it was sent.

mod cues;
mod evidence;
mod kinds;

use std::borrow::Cow;

use crate::fold::{fold_into, Folded};
use crate::lexicon::Lexicon;
use crate::link::LinkScanner;
use crate::{Assessment, Finding, Thresholds};
use evidence::Evidence;

// Longest text scanned: the rest of a longer message is not read, and the scan says so.
use domain::MESSAGE_BYTES_MAX;

/// Who wrote the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sender {
    Seller,
    Buyer,
    #[default]
    Unknown,
}

impl Sender {
    pub fn parse(s: &str) -> Option<Sender> {
        Some(match s {
            "seller" => Sender::Seller,
            "buyer" => Sender::Buyer,
            "unknown" => Sender::Unknown,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Sender::Seller => "seller",
            Sender::Buyer => "buyer",
            Sender::Unknown => "unknown",
        }
    }
}

/// Where the order stood when the message was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Context {
    PreOrder,
    InTransit,
    Delivered,
    DisputeOpen,
    #[default]
    Unknown,
}

impl Context {
    pub fn parse(s: &str) -> Option<Context> {
        Some(match s {
            "pre_order" => Context::PreOrder,
            "in_transit" => Context::InTransit,
            "delivered" => Context::Delivered,
            "dispute_open" => Context::DisputeOpen,
            "unknown" => Context::Unknown,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Context::PreOrder => "pre_order",
            Context::InTransit => "in_transit",
            Context::Delivered => "delivered",
            Context::DisputeOpen => "dispute_open",
            Context::Unknown => "unknown",
        }
    }
}

/// One message to scan.
#[derive(Debug, Clone, Copy, Default)]
pub struct Message<'a> {
    pub text: &'a str,
    pub sender: Sender,
    pub context: Context,
    /// ISO 639-1 code when known; it picks the regions tried for national phone
    /// numbers. Every language's cues are always looked for.
    pub lang: Option<&'a str>,
}

/// The result of scanning one message.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageReport {
    pub assessment: Assessment,
    /// Bytes read; less than the text's length when it was cut at
    /// [`MESSAGE_BYTES_MAX`].
    pub scanned_bytes: usize,
    pub truncated: bool,
}

/// The message scanner: lexicons, link scanner and thresholds, built once.
#[derive(Debug, Clone)]
pub struct MessageScanner {
    lexicon: Lexicon,
    links: LinkScanner,
    thresholds: Thresholds,
}

impl Default for MessageScanner {
    fn default() -> Self {
        MessageScanner::new(
            Lexicon::builtin(),
            LinkScanner::default(),
            Thresholds::default(),
        )
    }
}

impl MessageScanner {
    pub fn new(lexicon: Lexicon, links: LinkScanner, thresholds: Thresholds) -> MessageScanner {
        MessageScanner {
            lexicon,
            links,
            thresholds,
        }
    }

    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    pub fn links(&self) -> &LinkScanner {
        &self.links
    }

    /// Scans one message.
    pub fn scan(&self, message: &Message<'_>) -> MessageReport {
        let mut end = message.text.len().min(MESSAGE_BYTES_MAX);
        while !message.text.is_char_boundary(end) {
            end -= 1;
        }
        let text = &message.text[..end];
        let mut signals = self.signals(text, message);
        // One signal per piece of evidence: a cue found inside a longer one of the
        // same kind ("W h a t s A p" inside "W h a t s A p p") adds nothing.
        let spans: Vec<_> = signals.iter().map(|s| (s.kind(), s.span())).collect();
        let mut i = 0;
        signals.retain(|s| {
            let me = i;
            i += 1;
            let Some(span) = s.span() else { return true };
            !spans.iter().enumerate().any(|(j, (kind, other))| {
                j != me
                    && *kind == s.kind()
                    && other.as_ref().is_some_and(|o| {
                        o.start <= span.start
                            && span.end <= o.end
                            && (o.len() > span.len() || j < me)
                    })
            })
        });
        // Card numbers are shown masked in every excerpt (only the last four digits),
        // as they are stored: the span still points at the number in the text.
        if let Cow::Owned(masked) = mask_cards(text) {
            for s in signals.iter_mut() {
                if let Some(span) = s.span() {
                    *s = Finding::in_text(
                        s.kind(),
                        s.severity(),
                        s.score(),
                        &masked,
                        span,
                        s.explanation(),
                    );
                }
            }
        }
        MessageReport {
            assessment: Assessment::combine(signals, &self.thresholds),
            scanned_bytes: end,
            truncated: end < message.text.len(),
        }
    }

    fn signals(&self, text: &str, m: &Message<'_>) -> Vec<Finding> {
        thread_local! {
            /// The folded text's buffers, reused from one message to the next.
            static FOLDED: std::cell::RefCell<Folded> = Default::default();
        }
        FOLDED.with_borrow_mut(|folded| {
            fold_into(text, folded);
            let signals = {
                let evidence = Evidence::gather(text, folded, m, &self.lexicon, &self.links);
                kinds::find(&evidence, &self.thresholds)
            };
            // A long message's buffers are not kept.
            if folded.text.capacity() > 4096 {
                *folded = Folded::default();
            }
            signals
        })
    }
}

/// `text` with every payment card number in it masked: each digit but the last four
/// becomes `*` (one byte for one byte, so byte offsets into the text stay right).
/// Borrowed when the text holds no card number.
pub fn mask_cards(text: &str) -> Cow<'_, str> {
    let cards = crate::entities::cards(text);
    if cards.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut bytes = text.as_bytes().to_vec();
    for span in cards {
        let digits: Vec<usize> = span
            .clone()
            .filter(|&i| bytes[i].is_ascii_digit())
            .collect();
        for &i in &digits[..digits.len().saturating_sub(4)] {
            bytes[i] = b'*';
        }
    }
    Cow::Owned(String::from_utf8(bytes).expect("ASCII digits replaced by an ASCII star"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str, sender: Sender, context: Context) -> Vec<&'static str> {
        let scanner = MessageScanner::default();
        let report = scanner.scan(&Message {
            text,
            sender,
            context,
            lang: None,
        });
        let mut kinds: Vec<_> = report
            .assessment
            .signals()
            .iter()
            .map(|s| s.kind().as_str())
            .collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }

    #[test]
    fn context_decides_confirm_receipt() {
        let text = "please confirm receipt so I get paid";
        assert_eq!(
            kinds(text, Sender::Seller, Context::InTransit),
            ["confirm_receipt_pressure"]
        );
        assert!(kinds(text, Sender::Seller, Context::Delivered).is_empty());
    }

    #[test]
    fn customs_information_is_not_a_demand() {
        assert!(kinds(
            "customs may take a week",
            Sender::Seller,
            Context::InTransit
        )
        .is_empty());
        assert_eq!(
            kinds(
                "pay 25 USD customs to release your parcel",
                Sender::Seller,
                Context::InTransit
            ),
            ["extra_charge"]
        );
    }

    #[test]
    fn product_features_are_not_contact_requests() {
        assert!(kinds(
            "does the watch support WhatsApp notifications?",
            Sender::Buyer,
            Context::PreOrder
        )
        .is_empty());
        assert_eq!(
            kinds(
                "add me on W h a t s A p p for a better price",
                Sender::Seller,
                Context::PreOrder
            ),
            ["offsite_contact"]
        );
    }

    #[test]
    fn spans_point_into_the_original_text() {
        let text = "Ｗｈａｔｓａｐｐ me: +34 612-345-678";
        let scanner = MessageScanner::default();
        let report = scanner.scan(&Message {
            text,
            ..Default::default()
        });
        for s in report.assessment.signals() {
            let span = s.span().unwrap();
            assert_eq!(&text[span], s.excerpt());
        }
        assert!(report.assessment.signals().len() >= 2);
    }

    #[test]
    fn long_input_is_cut_with_a_note() {
        let text = "hello ".repeat(MESSAGE_BYTES_MAX / 4);
        let report = MessageScanner::default().scan(&Message {
            text: &text,
            ..Default::default()
        });
        assert!(report.truncated);
        assert_eq!(report.scanned_bytes, MESSAGE_BYTES_MAX);
    }

    #[test]
    fn card_numbers_are_masked_in_every_excerpt_keeping_the_last_four() {
        let text = "my card 4111-1111-1111-1111 charge it, pay me by western union";
        assert_eq!(
            mask_cards(text),
            "my card ****-****-****-1111 charge it, pay me by western union"
        );
        assert!(matches!(mask_cards("no card here 1234"), Cow::Borrowed(_)));
        let report = MessageScanner::default().scan(&Message {
            text,
            sender: Sender::Buyer,
            context: Context::PreOrder,
            lang: None,
        });
        let findings = report.assessment.signals();
        assert!(findings.len() >= 2, "{findings:?}");
        for f in findings {
            assert!(!f.excerpt().contains("4111"), "{f:?}");
        }
        let card = findings
            .iter()
            .find(|f| f.kind() == crate::Kind::SensitiveDataShared)
            .unwrap();
        assert_eq!(card.excerpt(), "****-****-****-1111");
        assert_eq!(&text[card.span().unwrap()], "4111-1111-1111-1111");
    }
}
