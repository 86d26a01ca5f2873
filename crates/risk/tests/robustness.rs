//! Robustness over arbitrary Unicode: neither scanner panics, every span lies inside
//! the text on character boundaries and its excerpt is that part of the text, and
//! long input is cut at the documented limit.

use proptest::prelude::*;
use risk::{Context, LinkScanner, Message, MessageScanner, Sender, MESSAGE_BYTES_MAX};

/// Text that looks like chat with disguises: pieces of real cues, digits,
/// separators, invisible and look-alike characters, and arbitrary Unicode.
fn chatty() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("whatsapp".to_string()),
        Just("W h a t s A p p".to_string()),
        Just("wh4tsapp".to_string()),
        Just("\u{200b}".to_string()),
        Just("\u{202e}".to_string()),
        Just("А".to_string()),
        Just("ｗ".to_string()),
        Just("@shop_deals88".to_string()),
        Just("+7 (916) 123-45-67".to_string()),
        Just("4111 1111 1111 1111".to_string()),
        Just("DE89 3704 0044 0532 0130 00".to_string()),
        Just("hxxp://aliexpress-refund[.]com".to_string()),
        Just("name at gmail dot com".to_string()),
        Just("pay 25 USD customs".to_string()),
        Just("закрой спор".to_string()),
        Just("my password is Tiger!2023".to_string()),
        "[ -~]{0,12}",
        any::<char>().prop_map(|c| c.to_string()),
        "\\PC{0,8}",
    ];
    prop::collection::vec(piece, 0..24).prop_map(|p| p.concat())
}

fn context() -> impl Strategy<Value = (Sender, Context)> {
    (
        prop_oneof![
            Just(Sender::Seller),
            Just(Sender::Buyer),
            Just(Sender::Unknown)
        ],
        prop_oneof![
            Just(Context::PreOrder),
            Just(Context::InTransit),
            Just(Context::Delivered),
            Just(Context::DisputeOpen),
            Just(Context::Unknown),
        ],
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn message_spans_stay_on_the_text(text in prop_oneof![chatty(), any::<String>()], (sender, ctx) in context()) {
        let scanner = MessageScanner::default();
        let report = scanner.scan(&Message { text: &text, sender, context: ctx, lang: Some("ru") });
        prop_assert!(report.assessment.risk() <= 100);
        for s in report.assessment.signals() {
            let span = s.span().expect("message signals carry a span");
            prop_assert!(span.start <= span.end && span.end <= text.len());
            prop_assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
            // The excerpt is the text under the span, card numbers masked.
            prop_assert!(risk::mask_cards(&text)[span.clone()].starts_with(s.excerpt()));
            prop_assert!((0.0..=1.0).contains(&s.score()));
        }
    }

    #[test]
    fn links_never_panic(url in prop_oneof![
        any::<String>(),
        "(https?://)?[a-z0-9.@:-]{1,40}(/[ -~]{0,20})?",
        "hxxps?://[a-zа-я0-9\\[\\].-]{1,30}",
    ]) {
        let report = LinkScanner::default().scan(&url);
        prop_assert!(report.assessment.risk() <= 100);
        if let Some(d) = &report.registrable_domain {
            prop_assert!(d.is_ascii());
        }
    }
}

#[test]
fn very_long_input_is_cut_not_scanned_forever() {
    let mut text = "pay by western union ".repeat(MESSAGE_BYTES_MAX);
    text.push('ж');
    let report = MessageScanner::default().scan(&Message {
        text: &text,
        ..Default::default()
    });
    assert!(report.truncated);
    assert!(report.scanned_bytes <= MESSAGE_BYTES_MAX);
    assert!(report
        .assessment
        .signals()
        .iter()
        .all(|s| s.span().unwrap().end <= MESSAGE_BYTES_MAX));
}
