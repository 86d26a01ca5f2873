//! The message scanner: chat messages in, signals with spans out.
//!
//! A message is folded (`fold.rs`), the lexicons' cues are found with one
//! Aho-Corasick automaton (`lexicon.rs`), the things that are not words are found on
//! the original text (`entities.rs`: phones, e-mails, handles, cards, IBANs, amounts,
//! links), and the rules below combine them with who sent the message and where the
//! order stands.
//! Every signal's span points into the text as it was sent.

use std::ops::Range;

use crate::entities;
use crate::fold::{fold_into, Folded};
use crate::lexicon::{Concept, Hit, Lexicon};
use crate::link::LinkScanner;
use crate::{Assessment, Finding, Kind, Severity, Thresholds};

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

/// The cues found in one message, by concept.
struct Cues {
    /// The hits ordered by concept, in text order within one.
    hits: Vec<Hit>,
    /// Where each concept's hits start in `hits`, and where the last one's end.
    starts: [u32; Concept::ALL.len() + 1],
}

impl Cues {
    fn new(mut hits: Vec<Hit>) -> Cues {
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
    fn get(&self, c: Concept) -> &[Hit] {
        let c = c as usize;
        &self.hits[self.starts[c] as usize..self.starts[c + 1] as usize]
    }
    fn has(&self, c: Concept) -> bool {
        !self.get(c).is_empty()
    }
    fn any(&self, cs: &[Concept]) -> bool {
        cs.iter().any(|c| self.has(*c))
    }
    /// Whether a cue of `c` ends within `words` words before `hit` starts.
    fn before(&self, c: Concept, hit: &Hit, words: usize) -> bool {
        self.get(c)
            .iter()
            .any(|h| h.words.end <= hit.words.start && hit.words.start - h.words.end < words)
    }
    /// Whether a cue of `c` lies within `words` words of `hit` on either side.
    fn near(&self, c: Concept, hit: &Hit, words: usize) -> bool {
        self.get(c)
            .iter()
            .any(|h| h.words.start < hit.words.end + words && hit.words.start < h.words.end + words)
    }
    /// Whether `hit` is negated: a negation right before it ("don't close", "no
    /// cierres"), unless the negation is itself conditional ("if you don't confirm
    /// today...", which is pressure).
    fn negated(&self, hit: &Hit) -> bool {
        self.get(Concept::Negation)
            .iter()
            .any(|n| n.words.end == hit.words.start && !self.before(Concept::Conditional, n, 3))
    }
    /// Whether any negation but a bare "no" (the Portuguese "in the") stands within
    /// five words before `hit`: "don't write me on WhatsApp", "ne passez pas par
    /// whatsapp", "не пишите в вотсап". Looser than [`Cues::name_negated`].
    fn refused(&self, hit: &Hit, text: &str) -> bool {
        self.get(Concept::Negation).iter().any(|n| {
            n.words.end <= hit.words.start
                && hit.words.start - n.words.end < 5
                && !text[n.span.clone()].eq_ignore_ascii_case("no")
        })
    }
    /// Like [`Cues::negated`] for a name (a payment method, an app), before which a
    /// bare "no" is as often the Portuguese "in the" ("no pix") as a negation; and a
    /// strong negation ("never", "nunca", "никогда") a few words before counts.
    fn name_negated(&self, hit: &Hit, text: &str) -> bool {
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
    fn overlaps(&self, c: Concept, hit: &Hit) -> bool {
        self.get(c)
            .iter()
            .any(|h| h.span.start < hit.span.end && hit.span.start < h.span.end)
    }
    fn first(&self, c: Concept) -> Option<&Hit> {
        self.get(c).first()
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
            let signals = self.signals_folded(text, folded, m);
            // A long message's buffers are not kept.
            if folded.text.capacity() > 4096 {
                *folded = Folded::default();
            }
            signals
        })
    }

    fn signals_folded(&self, text: &str, folded: &Folded, m: &Message<'_>) -> Vec<Finding> {
        let cues = Cues::new(self.lexicon.find(folded));
        let mut out = Vec::new();
        let seller_side = m.sender != Sender::Buyer;
        let sig = |kind, severity, score, span: Range<usize>, why: &str| {
            Finding::in_text(kind, severity, score, text, span, why)
        };

        // Links first: they are evidence for several kinds.
        let mut messenger_link = false;
        let mut link_spans: Vec<Range<usize>> = Vec::new();
        let mut emails = Vec::new();
        // Links to anywhere but an official domain: a payment page there is off-site.
        let mut foreign_links: Vec<Range<usize>> = Vec::new();
        for found in entities::links(text) {
            link_spans.push(found.span.clone());
            if found.email {
                emails.push(found);
                continue;
            }
            let report = self.links.scan(&found.text);
            if !report.official && !report.messenger {
                foreign_links.push(found.span.clone());
            }
            if report.messenger {
                messenger_link = true;
                out.push(sig(
                    Kind::OffsiteContact,
                    Severity::High,
                    0.9,
                    found.span,
                    "a chat-app contact link: talks there are outside buyer protection",
                ));
            } else if let Some(top) = report
                .assessment
                .signals()
                .iter()
                .find(|s| s.kind() == Kind::PhishingLink)
            {
                let score = f64::from(report.assessment.risk()) / 100.0;
                if report.assessment.risk() >= self.thresholds.warn {
                    out.push(sig(
                        Kind::PhishingLink,
                        top.severity(),
                        score.max(top.score()),
                        found.span,
                        top.explanation(),
                    ));
                }
            }
        }
        // Money amounts, found once and only if a rule asks for them.
        let amounts_found = std::cell::OnceCell::new();
        let amounts =
            || -> &[Range<usize>] { amounts_found.get_or_init(|| entities::amounts(text)) };
        let inside_link = |span: &Range<usize>| {
            link_spans
                .iter()
                .any(|l| l.start <= span.start && span.end <= l.end)
        };

        // Off-site contact: apps in a contact context, numbers, e-mails, handles.
        // "Give me your WhatsApp" asks for contact as much as "write me on it".
        let contact = cues.has(Concept::ContactVerb)
            || cues.get(Concept::AskVerb).iter().any(|a| {
                cues.get(Concept::App)
                    .iter()
                    .any(|app| app.words.start >= a.words.end && app.words.start < a.words.end + 3)
            });
        let feature = cues.has(Concept::Feature);
        // "on Telegram" is a contact verb that is also the app's name: next to a
        // product feature or a warning it is no request.
        let asked_to_contact = cues.get(Concept::ContactVerb).iter().any(|v| {
            !cues.refused(v, text)
                && !cues
                    .get(Concept::App)
                    .iter()
                    .any(|a| a.span.start >= v.span.start && a.span.end <= v.span.end)
        }) || contact && !cues.has(Concept::ContactVerb);
        let phone_cue = contact || cues.any(&[Concept::App, Concept::AppShort]);
        let ibans = entities::ibans(text);
        let phones: Vec<_> = entities::phones(text, m.lang, phone_cue)
            .into_iter()
            .filter(|p| !inside_link(&p.span))
            .filter(|p| {
                !ibans
                    .iter()
                    .any(|i| i.start < p.span.end && p.span.start < i.end)
            })
            .filter(|p| !order_number_near(&cues, folded.word_at(p.span.start)))
            .collect();
        let mut spelt = if may_spell_email(&cues, text) {
            entities::spelt_emails(text)
        } else {
            Vec::new()
        };
        spelt.extend(entities::spaced_out_emails(text));
        let handles: Vec<_> = entities::handles(text)
            .into_iter()
            .filter(|h| !inside_link(h))
            .collect();
        let has_channel =
            !phones.is_empty() || !emails.is_empty() || !spelt.is_empty() || !handles.is_empty();
        for app in cues
            .get(Concept::App)
            .iter()
            .chain(cues.get(Concept::AppShort))
        {
            if inside_link(&app.span) {
                continue;
            }
            let short = app.concept == Concept::AppShort;
            // "Beware of fake accounts on Telegram, we only answer here."
            let warned =
                cues.any(&[Concept::Warning, Concept::OnPlatform]) || cues.refused(app, text);
            if warned && !asked_to_contact && !has_channel && !messenger_link {
                continue;
            }
            let product_talk =
                (feature || m.sender == Sender::Buyer) && !asked_to_contact && !has_channel;
            if product_talk || (short && !contact && !has_channel) {
                continue;
            }
            let asked = contact || has_channel || messenger_link;
            out.push(sig(
                Kind::OffsiteContact,
                if asked { Severity::High } else { Severity::Medium },
                if asked { 0.9 } else { 0.6 },
                app.span.clone(),
                "names a chat app to move the conversation off the platform, where buyer protection cannot see it",
            ));
        }
        for p in &phones {
            out.push(sig(
                Kind::OffsiteContact,
                Severity::High,
                0.85,
                p.span.clone(),
                "a phone number: contact outside the platform",
            ));
        }
        for e in &emails {
            if self.is_official_email(&e.text) {
                continue;
            }
            out.push(sig(
                Kind::OffsiteContact,
                Severity::High,
                0.8,
                e.span.clone(),
                "an e-mail address: contact outside the platform",
            ));
        }
        for s in &spelt {
            out.push(sig(
                Kind::OffsiteContact,
                Severity::High,
                0.9,
                s.clone(),
                "an e-mail address spelt out to get past filters",
            ));
        }
        for h in &handles {
            let asked = contact || cues.any(&[Concept::App, Concept::AppShort]);
            out.push(sig(
                Kind::OffsiteContact,
                if asked {
                    Severity::High
                } else {
                    Severity::Medium
                },
                if asked { 0.85 } else { 0.55 },
                h.clone(),
                "a social-media handle: contact outside the platform",
            ));
        }

        // Off-site payment. A buyer's message counts when it offers a direct payment
        // or reports the seller's request ("the seller wants a transfer, is that ok?").
        let on_platform = cues.has(Concept::OnPlatform);
        let relayed = cues.has(Concept::Relay);
        let pay_context = !on_platform
            && if seller_side {
                cues.any(&[
                    Concept::PayVerb,
                    Concept::Direct,
                    Concept::Discount,
                    Concept::Demand,
                    Concept::Promise,
                    Concept::Incentive,
                    Concept::AskVerb,
                ])
            } else {
                relayed || cues.has(Concept::Direct)
            };
        let warning = cues.has(Concept::Warning);
        let not_a_method = |hit: &Hit| {
            warning
                || inside_link(&hit.span)
                || cues.name_negated(hit, text)
                || cues.overlaps(Concept::Credential, hit)
                || cues.has(Concept::Prize)
        };
        let mut paid_off_site = false;
        for hit in cues.get(Concept::PayMethodStrong) {
            if not_a_method(hit) || on_platform && !seller_side {
                continue;
            }
            paid_off_site = true;
            out.push(sig(
                Kind::OffsitePayment,
                Severity::High,
                0.9,
                hit.span.clone(),
                "asks for a payment method outside the platform's escrow: money sent this way cannot be refunded",
            ));
            break;
        }
        for hit in cues.get(Concept::PayMethodWeak) {
            if paid_off_site || !pay_context || not_a_method(hit) {
                continue;
            }
            paid_off_site = true;
            out.push(sig(
                Kind::OffsitePayment,
                Severity::High,
                0.8,
                hit.span.clone(),
                "money to move outside the platform's escrow (a transfer, a card, a payment app): it cannot be refunded if something goes wrong",
            ));
            break;
        }
        for hit in cues.get(Concept::Direct) {
            if paid_off_site || on_platform || warning || cues.name_negated(hit, text) {
                continue;
            }
            let offer = cues.any(&[Concept::PayVerb, Concept::Discount]);
            if offer && (seller_side || relayed || cues.has(Concept::PayMethodWeak)) {
                out.push(sig(
                    Kind::OffsitePayment,
                    Severity::High,
                    0.85,
                    hit.span.clone(),
                    "offers a deal for paying directly, outside buyer protection",
                ));
                break;
            }
        }

        // "Pay here and save 10%: <link>": a payment page of the seller's own.
        if !paid_off_site
            && seller_side
            && !warning
            && cues.has(Concept::PayVerb)
            && cues.any(&[Concept::Discount, Concept::Direct])
        {
            if let Some(link) = foreign_links.first() {
                paid_off_site = true;
                out.push(sig(
                    Kind::OffsitePayment,
                    Severity::High,
                    0.85,
                    link.clone(),
                    "a payment link outside the platform, with a deal for using it: money paid there is outside buyer protection",
                ));
            }
        }
        // "Give me your number and I send you my bank details": contact asked for to
        // take the payment off the platform.
        if seller_side && (paid_off_site || cues.any(&[Concept::Direct, Concept::PayMethodWeak])) {
            let asked = cues.get(Concept::ContactDetail).iter().find(|d| {
                !cues.near(Concept::OrderWord, d, 2)
                    && cues.get(Concept::AskVerb).iter().any(|a| {
                        !cues.negated(a)
                            && a.words.start <= d.words.start
                            && d.words.start <= a.words.end + 3
                    })
            });
            if let Some(d) = asked {
                out.push(sig(
                    Kind::OffsiteContact,
                    Severity::High,
                    0.8,
                    d.span.clone(),
                    "asks for your phone number or e-mail to deal outside the platform",
                ));
            }
        }

        // Card numbers, IBANs and passwords in the chat.
        for span in entities::cards(text) {
            if inside_link(&span)
                || ibans
                    .iter()
                    .any(|i| i.start <= span.start && span.end <= i.end)
            {
                continue;
            }
            if m.sender == Sender::Buyer && !paid_off_site {
                paid_off_site = true;
                out.push(sig(
                    Kind::OffsitePayment,
                    Severity::High,
                    0.8,
                    span.clone(),
                    "card details given in the chat to be charged outside the checkout: such a payment has no buyer protection",
                ));
            }
            out.push(sig(
                Kind::SensitiveDataShared,
                Severity::Critical,
                0.95,
                span,
                "a payment card number (it passes the Luhn check): anyone who reads the chat can use it",
            ));
        }
        for span in &ibans {
            out.push(sig(
                Kind::SensitiveDataShared,
                Severity::High,
                0.85,
                span.clone(),
                "a bank account number (IBAN with a valid checksum) in the chat",
            ));
            if seller_side {
                out.push(sig(
                    Kind::OffsitePayment,
                    Severity::High,
                    0.9,
                    span.clone(),
                    "gives a bank account to pay into, outside the platform's escrow",
                ));
            }
        }
        for hit in cues.get(Concept::PasswordShared) {
            let requested = cues.before(Concept::AskVerb, hit, 4);
            if requested {
                continue;
            }
            if let Some(value) = password_after(text, hit.span.end) {
                out.push(sig(
                    Kind::SensitiveDataShared,
                    Severity::Critical,
                    0.9,
                    hit.span.start..value.end,
                    "a password written in the chat: change it now, nobody needs it to help you",
                ));
                break;
            }
        }

        // Credential requests (a buyer's message counts when it reports one).
        if cues.has(Concept::AskVerb) && (seller_side || relayed) && !warning {
            for hit in cues.get(Concept::Credential) {
                if cues.negated(hit)
                    || cues.before(Concept::Negation, hit, 5) && !cues.has(Concept::Conditional)
                {
                    continue;
                }
                let asked = cues.get(Concept::AskVerb).iter().any(|a| {
                    !cues.negated(a)
                        && a.words.start < hit.words.end + 8
                        && hit.words.start < a.words.end + 8
                });
                if asked {
                    out.push(sig(
                        Kind::CredentialRequest,
                        Severity::Critical,
                        0.9,
                        hit.span.clone(),
                        "asks for a password, code or card details: no seller or platform staff ever needs them",
                    ));
                }
            }
        }

        // Extra charges demanded after the order (before it, a price is a quote).
        let money_talk =
            cues.has(Concept::Fee) || cues.has(Concept::PayVerb) && cues.has(Concept::Demand);
        if seller_side
            && m.context != Context::PreOrder
            && !cues.has(Concept::FeeCovered)
            && money_talk
        {
            let amounts = amounts();
            let demanded = cues.has(Concept::Demand) || !amounts.is_empty();
            let mut found = false;
            for hit in cues.get(Concept::Fee) {
                if !demanded
                    || cues.near(Concept::Hedge, hit, 6)
                    || cues.negated(hit)
                    || cues.near(Concept::Promise, hit, 4)
                    || cues.near(Concept::Incentive, hit, 4)
                {
                    continue;
                }
                let strong = !amounts.is_empty() && cues.has(Concept::Demand);
                out.push(sig(
                    Kind::ExtraCharge,
                    Severity::High,
                    if strong { 0.9 } else { 0.8 },
                    hit.span.clone(),
                    "demands an extra payment after the order (customs, shipping, release fee): the platform's price already covers delivery",
                ));
                found = true;
                break;
            }
            // "Pay 1.99 EUR on this site": money asked for after the order, with no
            // promise of a refund in sight.
            if !found
                && !amounts.is_empty()
                && cues.has(Concept::PayVerb)
                && cues.has(Concept::Demand)
                && !cues.any(&[Concept::Promise, Concept::Incentive, Concept::Hedge])
            {
                out.push(sig(
                    Kind::ExtraCharge,
                    Severity::High,
                    0.8,
                    amounts[0].clone(),
                    "asks for money after the order: the platform's price already covers delivery",
                ));
            }
        }

        // Pressure to close a dispute.
        if seller_side && cues.has(Concept::Dispute) {
            for hit in cues.get(Concept::CloseVerb) {
                let near =
                    cues.near(Concept::Dispute, hit, 12) || m.context == Context::DisputeOpen;
                if cues.negated(hit) || !near {
                    continue;
                }
                let promise = cues.has(Concept::Promise);
                out.push(sig(
                    Kind::DisputeClosurePressure,
                    Severity::High,
                    if promise { 0.9 } else { 0.7 },
                    hit.span.clone(),
                    "asks you to close or cancel your dispute: a closed dispute cannot be reopened, keep it open until you have your money or the item",
                ));
                break;
            }
        }

        // Pressure to confirm receipt before delivery.
        if seller_side && !matches!(m.context, Context::Delivered | Context::DisputeOpen) {
            for hit in cues.get(Concept::Confirm) {
                // "the confirmation code from the SMS" asks for a code, not for receipt.
                if cues.negated(hit) || cues.overlaps(Concept::Credential, hit) {
                    continue;
                }
                let about_receipt = cues.near(Concept::Receipt, hit, 5);
                let before_delivery = matches!(m.context, Context::PreOrder | Context::InTransit);
                let waits = cues.has(Concept::AfterReceipt);
                if about_receipt && !waits && (before_delivery || cues.has(Concept::PressureNow)) {
                    out.push(sig(
                        Kind::ConfirmReceiptPressure,
                        Severity::High,
                        if before_delivery { 0.85 } else { 0.7 },
                        hit.span.clone(),
                        "asks you to confirm receipt before the item has arrived: that releases your money to the seller and ends your protection",
                    ));
                    break;
                }
            }
        }

        // Review manipulation.
        if seller_side {
            for hit in cues.get(Concept::Review) {
                // "5 stars with a photo = 4 EUR back": money next to the review.
                let paid = cues.near(Concept::Incentive, hit, 10)
                    || !cues.any(&[Concept::Demand, Concept::Fee])
                        && amounts().iter().any(|a| {
                            let w = folded.word_at(a.start);
                            w + 10 >= hit.words.start && w <= hit.words.end + 10
                        });
                let changed = cues.near(Concept::Change, hit, 6)
                    && (cues.has(Concept::NegativeReview) || cues.near(Concept::Review, hit, 6));
                if paid || changed {
                    out.push(sig(
                        Kind::ReviewManipulation,
                        Severity::Medium,
                        0.8,
                        hit.span.clone(),
                        if changed {
                            "asks you to change or remove your review: reviews must say what you found"
                        } else {
                            "offers something in return for a review: paid reviews mislead other buyers"
                        },
                    ));
                    break;
                }
            }
        }

        // Urgency and threats.
        if seller_side {
            let threat = cues.first(Concept::Threat);
            let strong = cues
                .get(Concept::UrgencyStrong)
                .iter()
                .find(|h| !cues.negated(h));
            // A deadline next to a promise ("I send a new one tomorrow") is no pressure.
            let promised = |word: usize| {
                cues.get(Concept::Promise)
                    .iter()
                    .any(|p| p.words.start.abs_diff(word) <= 3)
            };
            let limit = cues
                .get(Concept::TimeLimit)
                .iter()
                .find(|h| !promised(h.words.start))
                .map(|h| h.span.clone())
                .or_else(|| {
                    entities::deadlines(text)
                        .into_iter()
                        .find(|d| !promised(folded.word_at(d.start)))
                });
            let scam_so_far = out.iter().any(|s| {
                matches!(
                    s.kind(),
                    Kind::ExtraCharge
                        | Kind::PhishingLink
                        | Kind::CredentialRequest
                        | Kind::ConfirmReceiptPressure
                        | Kind::OffsitePayment
                        | Kind::DisputeClosurePressure
                )
            });
            let demand = cues.any(&[Concept::Demand, Concept::PayVerb, Concept::Confirm]);
            let span = match (strong, limit, threat) {
                (Some(s), _, _)
                    if !cues.has(Concept::OnPlatform)
                        && (threat.is_some() || demand || scam_so_far) =>
                {
                    Some(s.span.clone())
                }
                // A deadline on a scam ("pay within 12h", "send the code in 15 min") or
                // on closing a dispute ("close it today"), not the seller's own timing.
                (_, Some(l), _)
                    if threat.is_some()
                        || cues.has(Concept::Prize)
                        || out.iter().any(|s| match s.kind() {
                            Kind::PhishingLink | Kind::ExtraCharge | Kind::CredentialRequest => {
                                true
                            }
                            Kind::DisputeClosurePressure => s.span().is_some_and(|v| {
                                let (verb, at) = (folded.word_at(v.start), folded.word_at(l.start));
                                verb.abs_diff(at) <= 5
                            }),
                            _ => false,
                        }) =>
                {
                    Some(l)
                }
                // "Your account will be blocked" on a scam already found.
                (_, _, Some(t)) if cues.has(Concept::Account) && scam_so_far => {
                    Some(t.span.clone())
                }
                _ => match (cues.first(Concept::Countdown), threat) {
                    (Some(c), _) if demand || threat.is_some() || cues.has(Concept::Prize) => {
                        Some(c.span.clone())
                    }
                    _ => None,
                },
            };
            if let Some(span) = span {
                out.push(sig(
                    Kind::UrgencyPressure,
                    Severity::Medium,
                    0.7,
                    span,
                    "a false deadline or a threat to make you act before you think",
                ));
            }
        }

        // Posing as the platform.
        if seller_side {
            let official_tone = cues.any(&[Concept::Account, Concept::Threat, Concept::Credential])
                || m.sender == Sender::Unknown
                || out.iter().any(|s| s.kind() == Kind::PhishingLink);
            // Where a notification's heading ends: "DHL:", "[AliExpress]".
            let heading_end =
                memchr::memchr3(b':', b']', b'|', text.as_bytes()).filter(|&end| end <= 60);
            for hit in cues.get(Concept::Brand) {
                // "AliExpress staff never ask for your code": a warning, not a pose.
                if inside_link(&hit.span) || warning && out.is_empty() {
                    continue;
                }
                let staff = cues.near(Concept::Staff, hit, 3);
                let prize = cues.has(Concept::Prize);
                // "AliExpress: your order is suspended...", "[DHL] Shipment on hold" from
                // no known sender: the brand opens the message or its heading.
                let heading = heading_end.is_some_and(|end| hit.span.end <= end);
                let header = (hit.words.start <= 1 || heading)
                    && m.sender == Sender::Unknown
                    && (!out.is_empty()
                        || !foreign_links.is_empty()
                        || cues.any(&[
                            Concept::Account,
                            Concept::Threat,
                            Concept::Fee,
                            Concept::Credential,
                        ]));
                if (staff || prize) && official_tone || header {
                    out.push(sig(
                        Kind::PlatformImpersonation,
                        Severity::High,
                        0.85,
                        hit.span.clone(),
                        "claims to be the platform or its staff: the platform writes only through its own notifications, never in a chat, and never asks for codes or payments",
                    ));
                    break;
                }
            }
        }
        out
    }

    fn is_official_email(&self, email: &str) -> bool {
        let domain = email.rsplit('@').next().unwrap_or("");
        let report = self.links.scan(domain);
        report.official && !domain.ends_with("gmail.com") && !domain.ends_with("icloud.com")
    }
}

/// A password-like word (six characters or more, letters with digits or symbols)
/// within a few words after byte `from`: the password someone just gave away.
fn password_after(text: &str, from: usize) -> Option<Range<usize>> {
    let rest = &text[from..];
    let mut offset = from;
    for (i, word) in rest.split_whitespace().enumerate() {
        if i >= 5 {
            break;
        }
        let at = text[offset..].find(word).map_or(offset, |p| offset + p);
        offset = at + word.len();
        let word = word.trim_end_matches([',', '.', ';', ')', '?', '!', ':']);
        let letters = word.chars().filter(|c| c.is_alphabetic()).count();
        let other = word
            .chars()
            .filter(|c| c.is_ascii_digit() || c.is_ascii_punctuation())
            .count();
        if word.chars().count() >= 6 && letters > 0 && other > 0 && !word.contains("://") {
            return Some(at..at + word.len());
        }
    }
    None
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
}
