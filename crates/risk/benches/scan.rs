//! Scanner speed on one thread, next to a baseline measured in the same run: a bare
//! Aho-Corasick pass (ASCII case-insensitive, overlapping matches counted) over the
//! same messages with the same phrases. Rounds alternate so that both see the same
//! machine. Links are timed next to parsing them with `url` alone, the same way.
//! Run: `cargo bench -p risk --bench scan` (BENCH_ROUNDS, BENCH_MESSAGES).

use std::hint::black_box;
use std::time::{Duration, Instant};

use aho_corasick::{AhoCorasickBuilder, MatchKind};
use risk::{Context, LinkScanner, Message, MessageScanner, Sender};

fn corpus(file: &str, field: &str) -> Vec<String> {
    let path = format!("{}/tests/corpus/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v[field].as_str().map(str::to_string))
        .collect()
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let rounds = env("BENCH_ROUNDS", 5);
    let want = env("BENCH_MESSAGES", 50_000);
    let chat: Vec<String> = corpus("messages.jsonl", "text")
        .into_iter()
        .filter(|t| (60..=300).contains(&t.len()))
        .collect();
    let messages: Vec<&str> = chat.iter().cycle().take(want).map(String::as_str).collect();
    let bytes: usize = messages.iter().map(|m| m.len()).sum();
    let scanner = MessageScanner::default();
    let baseline = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(scanner.lexicon().patterns())
        .expect("patterns compile");
    println!(
        "messages: {} of 60-300 bytes (mean {} bytes), {} phrases, {rounds} rounds",
        messages.len(),
        bytes / messages.len(),
        scanner.lexicon().patterns().len()
    );
    let (mut t_scan, mut t_base) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..rounds {
        let start = Instant::now();
        let mut n = 0usize;
        for m in &messages {
            n += baseline.find_overlapping_iter(m.as_bytes()).count();
        }
        black_box(n);
        t_base += start.elapsed();
        let start = Instant::now();
        let mut risk = 0usize;
        for m in &messages {
            let r = scanner.scan(&Message {
                text: m,
                sender: Sender::Seller,
                context: Context::InTransit,
                lang: None,
            });
            risk += usize::from(r.assessment.risk());
        }
        black_box(risk);
        t_scan += start.elapsed();
    }
    let per_sec = |d: Duration| (want * rounds) as f64 / d.as_secs_f64();
    let (scan, base) = (per_sec(t_scan), per_sec(t_base));
    println!("baseline Aho-Corasick: {base:>12.0} messages/s");
    println!(
        "message scanner:       {scan:>12.0} messages/s  ({:.1}x the baseline's time)",
        base / scan
    );

    let urls: Vec<String> = corpus("links.jsonl", "url");
    let links: Vec<&str> = urls.iter().cycle().take(want).map(String::as_str).collect();
    let links_scanner = LinkScanner::default();
    let (mut t_links, mut t_parse) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..rounds {
        // The machine's pace for links: parsing each with `url` alone (and a scheme
        // added where it has none), which every link scan starts with.
        let start = Instant::now();
        let mut hosts = 0usize;
        for l in &links {
            let parsed = if l.contains("://") {
                url::Url::parse(l)
            } else {
                url::Url::parse(&format!("http://{l}"))
            };
            hosts += usize::from(parsed.is_ok_and(|u| u.host().is_some()));
        }
        black_box(hosts);
        t_parse += start.elapsed();
        let start = Instant::now();
        let mut risk = 0usize;
        for l in &links {
            risk += usize::from(links_scanner.scan(l).assessment.risk());
        }
        black_box(risk);
        t_links += start.elapsed();
    }
    let (rate, parse) = (per_sec(t_links), per_sec(t_parse));
    println!("url::Url::parse alone: {parse:>12.0} links/s");
    println!(
        "link scanner:          {rate:>12.0} links/s  ({:.1}x the parse's time)",
        parse / rate
    );
}
