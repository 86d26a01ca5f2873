//! Prints what the scanner sees in a message: the folded text, every cue found and
//! the signals. `cargo run -p risk --example explain -- "text" [seller|buyer|unknown] [context]`
use risk::fold::fold;
use risk::{Context, Message, MessageScanner, Sender};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let text = args.first().map(String::as_str).unwrap_or("");
    let sender = args
        .get(1)
        .and_then(|s| Sender::parse(s))
        .unwrap_or_default();
    let context = args
        .get(2)
        .and_then(|s| Context::parse(s))
        .unwrap_or_default();
    let scanner = MessageScanner::default();
    let folded = fold(text);
    println!("folded: {}", folded.text);
    for hit in scanner.lexicon().find(&folded) {
        println!(
            "  {:<18} words {:?} {:?}",
            hit.concept.name(),
            hit.words,
            &text[hit.span.clone()]
        );
    }
    let report = scanner.scan(&Message {
        text,
        sender,
        context,
        lang: None,
    });
    println!(
        "risk {} {}",
        report.assessment.risk(),
        report.assessment.verdict().as_str()
    );
    for s in report.assessment.signals() {
        println!(
            "  {} {} {:.2} {:?}: {}",
            s.kind().as_str(),
            s.severity().as_str(),
            s.score(),
            s.excerpt(),
            s.explanation()
        );
    }
}
