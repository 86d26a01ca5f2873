//! The signal rules, one function per kind of signal, each reading the evidence
//! gathered about a message and adding what it finds.
//!
//! Most rules stand alone; three read what the others found: an off-site contact is
//! asked for to take a payment off-site, pressure counts on a scam already found, and
//! a brand that opens a message poses as the platform when anything else is wrong.

use std::ops::Range;

use super::evidence::Evidence;
use super::{Context, Sender};
use crate::lexicon::{Concept, Hit};
use crate::{Finding, Kind, Severity, Thresholds};

/// The evidence a finding rests on. Findings are listed in this order (and, for one
/// piece of evidence, in the order of its variant's fields) whatever order the rules
/// run in: the report sorts findings by severity and place, keeping this order among
/// equals, and the risk is a product over them in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Source {
    /// The `n`-th link (e-mail addresses apart).
    Link(u32),
    ChatApp,
    Phone,
    Email,
    SpeltEmail,
    Handle,
    /// A payment method named, or a deal for paying directly.
    PayMethod,
    PayLink,
    /// Contact details asked for to deal outside the platform.
    ContactAsked,
    /// The `index`-th card number: a buyer's payment with it, then the number itself.
    Card {
        index: u32,
        as_data: bool,
    },
    /// The `index`-th IBAN: the number itself, then the payment into it.
    Iban {
        index: u32,
        as_payment: bool,
    },
    Password,
    Credential,
    Fee,
    Dispute,
    Confirm,
    Review,
    Urgency,
    Brand,
}

/// The findings so far, in the order of what they rest on.
#[derive(Default)]
struct Findings {
    list: Vec<Finding>,
    /// What each finding of `list` rests on, in order.
    sources: Vec<Source>,
}

impl Findings {
    /// Adds `finding` after every finding that rests on `source` or on evidence
    /// listed before it. Kept in order as it grows, the list is handed out as it is.
    fn push(&mut self, source: Source, finding: Finding) {
        let at = self.sources.partition_point(|s| *s <= source);
        self.sources.insert(at, source);
        self.list.insert(at, finding);
    }
    fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
    fn iter(&self) -> impl Iterator<Item = &Finding> {
        self.list.iter()
    }
    fn has(&self, kind: Kind) -> bool {
        self.iter().any(|f| f.kind() == kind)
    }
    fn rests_on(&self, sources: &[Source]) -> bool {
        self.sources.iter().any(|s| sources.contains(s))
    }
    fn into_vec(self) -> Vec<Finding> {
        self.list
    }
}

/// Every signal in the evidence. The rules that read others' findings run after them.
pub(super) fn find(ev: &Evidence<'_>, thresholds: &Thresholds) -> Vec<Finding> {
    let mut out = Findings::default();
    phishing_link(ev, thresholds, &mut out);
    offsite_payment(ev, &mut out);
    offsite_contact(ev, &mut out);
    sensitive_data_shared(ev, &mut out);
    credential_request(ev, &mut out);
    extra_charge(ev, &mut out);
    dispute_closure_pressure(ev, &mut out);
    confirm_receipt_pressure(ev, &mut out);
    review_manipulation(ev, &mut out);
    urgency_pressure(ev, &mut out);
    platform_impersonation(ev, &mut out);
    out.into_vec()
}

/// Links the link scanner finds risky enough to warn about.
fn phishing_link(ev: &Evidence<'_>, thresholds: &Thresholds, out: &mut Findings) {
    for (i, link) in (0..).zip(&ev.links) {
        let report = &link.report;
        if report.messenger {
            continue;
        }
        let Some(top) = report
            .assessment
            .signals()
            .iter()
            .find(|s| s.kind() == Kind::PhishingLink)
        else {
            continue;
        };
        let score = f64::from(report.assessment.risk()) / 100.0;
        if report.assessment.risk() >= thresholds.warn {
            out.push(
                Source::Link(i),
                ev.finding(
                    Kind::PhishingLink,
                    top.severity(),
                    score.max(top.score()),
                    link.span.clone(),
                    top.explanation(),
                ),
            );
        }
    }
}

/// Off-site contact: chat-app links, apps in a contact context, numbers, e-mails,
/// handles, and contact details asked for to take a payment off-site.
fn offsite_contact(ev: &Evidence<'_>, out: &mut Findings) {
    for (i, link) in (0..).zip(&ev.links) {
        if link.report.messenger {
            out.push(
                Source::Link(i),
                ev.finding(
                    Kind::OffsiteContact,
                    Severity::High,
                    0.9,
                    link.span.clone(),
                    "a chat-app contact link: talks there are outside buyer protection",
                ),
            );
        }
    }
    chat_apps(ev, out);
    for p in &ev.phones {
        out.push(
            Source::Phone,
            ev.finding(
                Kind::OffsiteContact,
                Severity::High,
                0.85,
                p.span.clone(),
                "a phone number: contact outside the platform",
            ),
        );
    }
    for e in ev.emails.iter().filter(|e| !e.official) {
        out.push(
            Source::Email,
            ev.finding(
                Kind::OffsiteContact,
                Severity::High,
                0.8,
                e.span.clone(),
                "an e-mail address: contact outside the platform",
            ),
        );
    }
    for s in &ev.spelt_emails {
        out.push(
            Source::SpeltEmail,
            ev.finding(
                Kind::OffsiteContact,
                Severity::High,
                0.9,
                s.clone(),
                "an e-mail address spelt out to get past filters",
            ),
        );
    }
    let asked = ev.contact || ev.cues.any(&[Concept::App, Concept::AppShort]);
    for h in &ev.handles {
        out.push(
            Source::Handle,
            ev.finding(
                Kind::OffsiteContact,
                if asked {
                    Severity::High
                } else {
                    Severity::Medium
                },
                if asked { 0.85 } else { 0.55 },
                h.clone(),
                "a social-media handle: contact outside the platform",
            ),
        );
    }
    contact_for_payment(ev, out);
}

/// Chat apps named to move the talk off the platform, but for product features and
/// warnings.
fn chat_apps(ev: &Evidence<'_>, out: &mut Findings) {
    let (cues, text) = (&ev.cues, ev.text);
    let feature = cues.has(Concept::Feature);
    // "on Telegram" is a contact verb that is also the app's name: next to a
    // product feature or a warning it is no request.
    let asked_to_contact = cues.get(Concept::ContactVerb).iter().any(|v| {
        !cues.refused(v, text)
            && !cues
                .get(Concept::App)
                .iter()
                .any(|a| a.span.start >= v.span.start && a.span.end <= v.span.end)
    }) || ev.contact && !cues.has(Concept::ContactVerb);
    let has_channel = !ev.phones.is_empty()
        || !ev.emails.is_empty()
        || !ev.spelt_emails.is_empty()
        || !ev.handles.is_empty();
    let messenger_link = ev.links.iter().any(|l| l.report.messenger);
    for app in cues
        .get(Concept::App)
        .iter()
        .chain(cues.get(Concept::AppShort))
    {
        if ev.inside_link(&app.span) {
            continue;
        }
        let short = app.concept == Concept::AppShort;
        // "Beware of fake accounts on Telegram, we only answer here."
        let warned = cues.any(&[Concept::Warning, Concept::OnPlatform]) || cues.refused(app, text);
        if warned && !asked_to_contact && !has_channel && !messenger_link {
            continue;
        }
        let product_talk =
            (feature || ev.sender == Sender::Buyer) && !asked_to_contact && !has_channel;
        if product_talk || (short && !ev.contact && !has_channel) {
            continue;
        }
        let asked = ev.contact || has_channel || messenger_link;
        out.push(
            Source::ChatApp,
            ev.finding(
                Kind::OffsiteContact,
                if asked { Severity::High } else { Severity::Medium },
                if asked { 0.9 } else { 0.6 },
                app.span.clone(),
                "names a chat app to move the conversation off the platform, where buyer protection cannot see it",
            ),
        );
    }
}

/// "Give me your number and I send you my bank details": contact asked for to take
/// the payment off the platform.
fn contact_for_payment(ev: &Evidence<'_>, out: &mut Findings) {
    let cues = &ev.cues;
    // A direct deal found implies its cue, so the sources and the cues together say
    // whether a payment outside the platform is in the air.
    let off_site = out.rests_on(&[Source::PayMethod, Source::PayLink])
        || cues.any(&[Concept::Direct, Concept::PayMethodWeak]);
    if !ev.seller_side || !off_site {
        return;
    }
    let asked = cues.get(Concept::ContactDetail).iter().find(|d| {
        !cues.near(Concept::OrderWord, d, 2)
            && cues.get(Concept::AskVerb).iter().any(|a| {
                !cues.negated(a)
                    && a.words.start <= d.words.start
                    && d.words.start <= a.words.end + 3
            })
    });
    if let Some(d) = asked {
        out.push(
            Source::ContactAsked,
            ev.finding(
                Kind::OffsiteContact,
                Severity::High,
                0.8,
                d.span.clone(),
                "asks for your phone number or e-mail to deal outside the platform",
            ),
        );
    }
}

/// Off-site payment: a payment method outside the escrow, a direct deal, a payment
/// page of the seller's own, a card given to be charged, a bank account to pay into.
/// A buyer's message counts when it offers a direct payment or reports the seller's
/// request ("the seller wants a transfer, is that ok?").
fn offsite_payment(ev: &Evidence<'_>, out: &mut Findings) {
    let mut paid = payment_method(ev, out);
    if !paid {
        // A direct deal is not counted as a payment found: a payment link or a buyer's
        // card may still be.
        direct_deal(ev, out);
        paid = payment_link(ev, out);
    }
    // A buyer's card number given in the chat, once.
    if ev.sender == Sender::Buyer && !paid {
        if let Some(span) = ev.cards.first() {
            out.push(
                Source::Card {
                    index: 0,
                    as_data: false,
                },
                ev.finding(
                    Kind::OffsitePayment,
                    Severity::High,
                    0.8,
                    span.clone(),
                    "card details given in the chat to be charged outside the checkout: such a payment has no buyer protection",
                ),
            );
        }
    }
    if ev.seller_side {
        for (index, span) in (0..).zip(&ev.ibans) {
            out.push(
                Source::Iban {
                    index,
                    as_payment: true,
                },
                ev.finding(
                    Kind::OffsitePayment,
                    Severity::High,
                    0.9,
                    span.clone(),
                    "gives a bank account to pay into, outside the platform's escrow",
                ),
            );
        }
    }
}

/// A payment method named outside the escrow: a strong name always ("Western
/// Union"), a weak one ("transfer", "card") when payment is being talked about.
/// Says whether one was found.
fn payment_method(ev: &Evidence<'_>, out: &mut Findings) -> bool {
    let cues = &ev.cues;
    let pay_context = !ev.on_platform
        && if ev.seller_side {
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
            ev.relayed || cues.has(Concept::Direct)
        };
    let not_a_method = |hit: &Hit| {
        ev.warning
            || ev.inside_link(&hit.span)
            || cues.name_negated(hit, ev.text)
            || cues.overlaps(Concept::Credential, hit)
            || cues.has(Concept::Prize)
    };
    let strong = cues
        .get(Concept::PayMethodStrong)
        .iter()
        .find(|hit| !(not_a_method(hit) || ev.on_platform && !ev.seller_side));
    let (hit, score, why) = if let Some(hit) = strong {
        (
            hit,
            0.9,
            "asks for a payment method outside the platform's escrow: money sent this way cannot be refunded",
        )
    } else if let Some(hit) = cues
        .get(Concept::PayMethodWeak)
        .iter()
        .find(|hit| pay_context && !not_a_method(hit))
    {
        (
            hit,
            0.8,
            "money to move outside the platform's escrow (a transfer, a card, a payment app): it cannot be refunded if something goes wrong",
        )
    } else {
        return false;
    };
    out.push(
        Source::PayMethod,
        ev.finding(
            Kind::OffsitePayment,
            Severity::High,
            score,
            hit.span.clone(),
            why,
        ),
    );
    true
}

/// A deal for paying directly ("pay me direct and save 10%").
fn direct_deal(ev: &Evidence<'_>, out: &mut Findings) {
    let cues = &ev.cues;
    if ev.on_platform || ev.warning {
        return;
    }
    let offer = cues.any(&[Concept::PayVerb, Concept::Discount]);
    if !offer || !(ev.seller_side || ev.relayed || cues.has(Concept::PayMethodWeak)) {
        return;
    }
    let direct = cues
        .get(Concept::Direct)
        .iter()
        .find(|hit| !cues.name_negated(hit, ev.text));
    if let Some(hit) = direct {
        out.push(
            Source::PayMethod,
            ev.finding(
                Kind::OffsitePayment,
                Severity::High,
                0.85,
                hit.span.clone(),
                "offers a deal for paying directly, outside buyer protection",
            ),
        );
    }
}

/// "Pay here and save 10%: <link>": a payment page of the seller's own. Says whether
/// one was found.
fn payment_link(ev: &Evidence<'_>, out: &mut Findings) -> bool {
    let cues = &ev.cues;
    if !ev.seller_side
        || ev.warning
        || !cues.has(Concept::PayVerb)
        || !cues.any(&[Concept::Discount, Concept::Direct])
    {
        return false;
    }
    // Links to anywhere but an official domain: a payment page there is off-site.
    let Some(link) = ev
        .links
        .iter()
        .find(|l| !l.report.official && !l.report.messenger)
    else {
        return false;
    };
    out.push(
        Source::PayLink,
        ev.finding(
            Kind::OffsitePayment,
            Severity::High,
            0.85,
            link.span.clone(),
            "a payment link outside the platform, with a deal for using it: money paid there is outside buyer protection",
        ),
    );
    true
}

/// Card numbers, IBANs and passwords in the chat.
fn sensitive_data_shared(ev: &Evidence<'_>, out: &mut Findings) {
    for (index, span) in (0..).zip(&ev.cards) {
        out.push(
            Source::Card {
                index,
                as_data: true,
            },
            ev.finding(
                Kind::SensitiveDataShared,
                Severity::Critical,
                0.95,
                span.clone(),
                "a payment card number (it passes the Luhn check): anyone who reads the chat can use it",
            ),
        );
    }
    for (index, span) in (0..).zip(&ev.ibans) {
        out.push(
            Source::Iban {
                index,
                as_payment: false,
            },
            ev.finding(
                Kind::SensitiveDataShared,
                Severity::High,
                0.85,
                span.clone(),
                "a bank account number (IBAN with a valid checksum) in the chat",
            ),
        );
    }
    let cues = &ev.cues;
    let password = cues
        .get(Concept::PasswordShared)
        .iter()
        .filter(|hit| !cues.before(Concept::AskVerb, hit, 4))
        .find_map(|hit| Some(hit.span.start..password_after(ev.text, hit.span.end)?.end));
    if let Some(span) = password {
        out.push(
            Source::Password,
            ev.finding(
                Kind::SensitiveDataShared,
                Severity::Critical,
                0.9,
                span,
                "a password written in the chat: change it now, nobody needs it to help you",
            ),
        );
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

/// Passwords, codes or card details asked for (a buyer's message counts when it
/// reports such a request).
fn credential_request(ev: &Evidence<'_>, out: &mut Findings) {
    let cues = &ev.cues;
    if !cues.has(Concept::AskVerb) || !(ev.seller_side || ev.relayed) || ev.warning {
        return;
    }
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
            out.push(
                Source::Credential,
                ev.finding(
                    Kind::CredentialRequest,
                    Severity::Critical,
                    0.9,
                    hit.span.clone(),
                    "asks for a password, code or card details: no seller or platform staff ever needs them",
                ),
            );
        }
    }
}

/// Extra charges demanded after the order (before it, a price is a quote).
fn extra_charge(ev: &Evidence<'_>, out: &mut Findings) {
    let cues = &ev.cues;
    let money_talk =
        cues.has(Concept::Fee) || cues.has(Concept::PayVerb) && cues.has(Concept::Demand);
    if !ev.seller_side
        || ev.context == Context::PreOrder
        || cues.has(Concept::FeeCovered)
        || !money_talk
    {
        return;
    }
    let amounts = ev.amounts();
    let demanded = cues.has(Concept::Demand) || !amounts.is_empty();
    let fee = cues.get(Concept::Fee).iter().find(|hit| {
        demanded
            && !cues.near(Concept::Hedge, hit, 6)
            && !cues.negated(hit)
            && !cues.near(Concept::Promise, hit, 4)
            && !cues.near(Concept::Incentive, hit, 4)
    });
    if let Some(hit) = fee {
        let strong = !amounts.is_empty() && cues.has(Concept::Demand);
        out.push(
            Source::Fee,
            ev.finding(
                Kind::ExtraCharge,
                Severity::High,
                if strong { 0.9 } else { 0.8 },
                hit.span.clone(),
                "demands an extra payment after the order (customs, shipping, release fee): the platform's price already covers delivery",
            ),
        );
    } else if !amounts.is_empty()
        && cues.has(Concept::PayVerb)
        && cues.has(Concept::Demand)
        && !cues.any(&[Concept::Promise, Concept::Incentive, Concept::Hedge])
    {
        // "Pay 1.99 EUR on this site": money asked for after the order, with no
        // promise of a refund in sight.
        out.push(
            Source::Fee,
            ev.finding(
                Kind::ExtraCharge,
                Severity::High,
                0.8,
                amounts[0].clone(),
                "asks for money after the order: the platform's price already covers delivery",
            ),
        );
    }
}

/// Pressure to close a dispute.
fn dispute_closure_pressure(ev: &Evidence<'_>, out: &mut Findings) {
    let cues = &ev.cues;
    if !ev.seller_side || !cues.has(Concept::Dispute) {
        return;
    }
    let close = cues.get(Concept::CloseVerb).iter().find(|hit| {
        let near = cues.near(Concept::Dispute, hit, 12) || ev.context == Context::DisputeOpen;
        !cues.negated(hit) && near
    });
    if let Some(hit) = close {
        let promise = cues.has(Concept::Promise);
        out.push(
            Source::Dispute,
            ev.finding(
                Kind::DisputeClosurePressure,
                Severity::High,
                if promise { 0.9 } else { 0.7 },
                hit.span.clone(),
                "asks you to close or cancel your dispute: a closed dispute cannot be reopened, keep it open until you have your money or the item",
            ),
        );
    }
}

/// Pressure to confirm receipt before delivery.
fn confirm_receipt_pressure(ev: &Evidence<'_>, out: &mut Findings) {
    let cues = &ev.cues;
    if !ev.seller_side || matches!(ev.context, Context::Delivered | Context::DisputeOpen) {
        return;
    }
    let before_delivery = matches!(ev.context, Context::PreOrder | Context::InTransit);
    let waits = cues.has(Concept::AfterReceipt);
    let confirm = cues.get(Concept::Confirm).iter().find(|hit| {
        // "the confirmation code from the SMS" asks for a code, not for receipt.
        let about_receipt = cues.near(Concept::Receipt, hit, 5);
        !cues.negated(hit)
            && !cues.overlaps(Concept::Credential, hit)
            && about_receipt
            && !waits
            && (before_delivery || cues.has(Concept::PressureNow))
    });
    if let Some(hit) = confirm {
        out.push(
            Source::Confirm,
            ev.finding(
                Kind::ConfirmReceiptPressure,
                Severity::High,
                if before_delivery { 0.85 } else { 0.7 },
                hit.span.clone(),
                "asks you to confirm receipt before the item has arrived: that releases your money to the seller and ends your protection",
            ),
        );
    }
}

/// Reviews paid for, or asked to be changed.
fn review_manipulation(ev: &Evidence<'_>, out: &mut Findings) {
    let cues = &ev.cues;
    if !ev.seller_side {
        return;
    }
    for hit in cues.get(Concept::Review) {
        // "5 stars with a photo = 4 EUR back": money next to the review.
        let paid = cues.near(Concept::Incentive, hit, 10)
            || !cues.any(&[Concept::Demand, Concept::Fee])
                && ev.amounts().iter().any(|a| {
                    let w = ev.folded.word_at(a.start);
                    w + 10 >= hit.words.start && w <= hit.words.end + 10
                });
        let changed = cues.near(Concept::Change, hit, 6)
            && (cues.has(Concept::NegativeReview) || cues.near(Concept::Review, hit, 6));
        if paid || changed {
            out.push(
                Source::Review,
                ev.finding(
                    Kind::ReviewManipulation,
                    Severity::Medium,
                    0.8,
                    hit.span.clone(),
                    if changed {
                        "asks you to change or remove your review: reviews must say what you found"
                    } else {
                        "offers something in return for a review: paid reviews mislead other buyers"
                    },
                ),
            );
            return;
        }
    }
}

/// A false deadline or a threat, when it pushes a demand or a scam already found.
fn urgency_pressure(ev: &Evidence<'_>, out: &mut Findings) {
    if !ev.seller_side {
        return;
    }
    if let Some(span) = urgency_span(ev, out) {
        out.push(
            Source::Urgency,
            ev.finding(
                Kind::UrgencyPressure,
                Severity::Medium,
                0.7,
                span,
                "a false deadline or a threat to make you act before you think",
            ),
        );
    }
}

/// The words that press: a strong urgency word, a deadline, a threat or a countdown.
fn urgency_span(ev: &Evidence<'_>, out: &Findings) -> Option<Range<usize>> {
    let cues = &ev.cues;
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
            crate::entities::deadlines(ev.text)
                .into_iter()
                .find(|d| !promised(ev.folded.word_at(d.start)))
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
    match (strong, limit, threat) {
        (Some(s), _, _) if !ev.on_platform && (threat.is_some() || demand || scam_so_far) => {
            Some(s.span.clone())
        }
        // A deadline on a scam ("pay within 12h", "send the code in 15 min") or on
        // closing a dispute ("close it today"), not the seller's own timing.
        (_, Some(l), _)
            if threat.is_some()
                || cues.has(Concept::Prize)
                || out.iter().any(|s| match s.kind() {
                    Kind::PhishingLink | Kind::ExtraCharge | Kind::CredentialRequest => true,
                    Kind::DisputeClosurePressure => s.span().is_some_and(|v| {
                        let (verb, at) = (ev.folded.word_at(v.start), ev.folded.word_at(l.start));
                        verb.abs_diff(at) <= 5
                    }),
                    _ => false,
                }) =>
        {
            Some(l)
        }
        // "Your account will be blocked" on a scam already found.
        (_, _, Some(t)) if cues.has(Concept::Account) && scam_so_far => Some(t.span.clone()),
        _ => match (cues.first(Concept::Countdown), threat) {
            (Some(c), _) if demand || threat.is_some() || cues.has(Concept::Prize) => {
                Some(c.span.clone())
            }
            _ => None,
        },
    }
}

/// Posing as the platform or its staff, or a brand heading a notification that is
/// not one.
fn platform_impersonation(ev: &Evidence<'_>, out: &mut Findings) {
    let cues = &ev.cues;
    if !ev.seller_side || !cues.has(Concept::Brand) {
        return;
    }
    let official_tone = cues.any(&[Concept::Account, Concept::Threat, Concept::Credential])
        || ev.sender == Sender::Unknown
        || out.has(Kind::PhishingLink);
    // Where a notification's heading ends: "DHL:", "[AliExpress]".
    let heading_end =
        memchr::memchr3(b':', b']', b'|', ev.text.as_bytes()).filter(|&end| end <= 60);
    let suspicious = !out.is_empty()
        || ev
            .links
            .iter()
            .any(|l| !l.report.official && !l.report.messenger)
        || cues.any(&[
            Concept::Account,
            Concept::Threat,
            Concept::Fee,
            Concept::Credential,
        ]);
    let prize = cues.has(Concept::Prize);
    let posing = cues.get(Concept::Brand).iter().find(|hit| {
        // "AliExpress staff never ask for your code": a warning, not a pose.
        if ev.inside_link(&hit.span) || ev.warning && out.is_empty() {
            return false;
        }
        let staff = cues.near(Concept::Staff, hit, 3);
        // "AliExpress: your order is suspended...", "[DHL] Shipment on hold" from
        // no known sender: the brand opens the message or its heading.
        let heading = heading_end.is_some_and(|end| hit.span.end <= end);
        let header =
            (hit.words.start <= 1 || heading) && ev.sender == Sender::Unknown && suspicious;
        (staff || prize) && official_tone || header
    });
    if let Some(hit) = posing {
        out.push(
            Source::Brand,
            ev.finding(
                Kind::PlatformImpersonation,
                Severity::High,
                0.85,
                hit.span.clone(),
                "claims to be the platform or its staff: the platform writes only through its own notifications, never in a chat, and never asks for codes or payments",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::{Context, Message, MessageScanner, Sender};

    fn findings(text: &str, sender: Sender) -> Vec<(&'static str, &'static str)> {
        let report = MessageScanner::default().scan(&Message {
            text,
            sender,
            context: Context::InTransit,
            lang: None,
        });
        report
            .assessment
            .signals()
            .iter()
            .map(|s| (s.kind().as_str(), s.severity().as_str()))
            .collect()
    }

    /// Findings of one severity on one span stay in the order of what they rest on
    /// (an IBAN as data, then as a place to pay), though the payment rule runs first.
    #[test]
    fn findings_on_one_iban_keep_their_order() {
        assert_eq!(
            findings(
                "send it to DE89 3704 0044 0532 0130 00 today",
                Sender::Seller
            ),
            [
                ("sensitive_data_shared", "high"),
                ("offsite_payment", "high")
            ]
        );
    }

    /// A buyer's card: charged off-site once, and shared in the chat.
    #[test]
    fn a_buyers_card_is_a_payment_and_sensitive_data() {
        assert_eq!(
            findings("my card 4111 1111 1111 1111 charge it", Sender::Buyer),
            [
                ("sensitive_data_shared", "critical"),
                ("offsite_payment", "high")
            ]
        );
    }
}
