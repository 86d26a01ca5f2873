//! Prints every finding of the message scanner on every message corpus, under each
//! sender and order context, so that a change meant to keep the scanner's output can
//! be checked with `diff`: `cargo run -p risk --example dump_messages > before.txt`.
//! Each message is scanned alone and joined to the next one (more cues side by side),
//! with its language and without.
use risk::{Context, Message, MessageScanner, Sender};

const CORPORA: [&str; 4] = [
    "messages.jsonl",
    "holdout.jsonl",
    "blind2_messages.jsonl",
    "blind3_disguises.jsonl",
];
const SENDERS: [Sender; 3] = [Sender::Seller, Sender::Buyer, Sender::Unknown];
const CONTEXTS: [Context; 5] = [
    Context::PreOrder,
    Context::InTransit,
    Context::Delivered,
    Context::DisputeOpen,
    Context::Unknown,
];

fn main() {
    let scanner = MessageScanner::default();
    for file in CORPORA {
        let path = format!("{}/tests/corpus/{file}", env!("CARGO_MANIFEST_DIR"));
        let lines = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let rows: Vec<serde_json::Value> = lines
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{path}: {e}")))
            .collect();
        for (i, row) in rows.iter().enumerate() {
            let id = row["id"].as_str().unwrap_or("?");
            let text = row["text"].as_str().unwrap_or("");
            let next = rows[(i + 1) % rows.len()]["text"].as_str().unwrap_or("");
            let joined = format!("{text} {next}");
            let lang = row["lang"].as_str();
            for (variant, text, lang) in [
                ("alone", text, lang),
                ("no_lang", text, None),
                ("joined", joined.as_str(), lang),
            ] {
                for sender in SENDERS {
                    for context in CONTEXTS {
                        let report = scanner.scan(&Message {
                            text,
                            sender,
                            context,
                            lang,
                        });
                        let a = &report.assessment;
                        println!(
                            "{file} {id} {variant} {} {}: risk {} {} scanned {} truncated {}",
                            sender.as_str(),
                            context.as_str(),
                            a.risk(),
                            a.verdict().as_str(),
                            report.scanned_bytes,
                            report.truncated
                        );
                        for s in a.signals() {
                            println!(
                                "  {} {} {:?} {:?} {:?}: {}",
                                s.kind().as_str(),
                                s.severity().as_str(),
                                s.score(),
                                s.span(),
                                s.excerpt(),
                                s.explanation()
                            );
                        }
                    }
                }
            }
        }
    }
}
