//! Quality on the labelled corpus in `tests/corpus/`: precision and recall per signal
//! kind for messages, and for links, with the floors issue #4 sets.
//!
//! `cargo test -p risk --test corpus -- --nocapture` prints the tables and every miss.

use std::collections::BTreeMap;

use risk::{Context, Kind, LinkScanner, Message, MessageScanner, Sender, Verdict};
use serde_json::Value;

/// Floors for the second corpus (`holdout.jsonl`). Its author wrote it blind, without
/// the rules or lexicons; measured blind, the scanner had message-level recall 0.918
/// and a false-positive rate of 0.049 on it. Its misses were then studied and the
/// gaps they showed fixed in general form (card re-entry requests, passwords given
/// in any wording, deadlines such as "tomorrow" and "48 hours", scam warnings from
/// honest sellers, Latin letters in Russian words), so it is no longer blind: the
/// floors below keep those fixes from regressing. A fresh blind set is the way to
/// measure generalisation again.
const HOLDOUT_RECALL: f64 = 0.95;
const HOLDOUT_FPR: f64 = 0.02;

/// Floors for the second blind set (`blind2_*.jsonl`: 420 messages, 47% clean, and 260
/// links), written by another author who saw neither the rules, the lexicons nor the
/// other corpora. Measured blind on its first run: message-level recall 0.946 with a
/// false-positive rate of 0.056 (11 of 198), links precision 0.979 and recall 0.993.
/// The gaps it showed were then fixed in general form (carriers and marketplaces as
/// brands in notification headings, deadlines in hours and minutes, honest sellers'
/// warnings about fake accounts, payment links with a discount, contact details asked
/// for to pay directly, regional official domains), so it is no longer blind either:
/// message recall, false-positive rate, link recall, link precision.
const BLIND2: (f64, f64, f64, f64) = (0.97, 0.02, 0.97, 0.97);

/// Floors for the third blind set (`blind3_disguises.jsonl`: 360 messages, 45% clean),
/// written blind by a third author around disguises: split and spaced letters,
/// leetspeak, look-alike letters, zero-width and full-width characters, mathematical
/// letters, spelt e-mails, glued words, defanged and IP links. Measured blind on its
/// first run: recall 0.899, false-positive rate 0.068 (11 of 162). Fixed in general form
/// after (refusals such as "don't write me on WhatsApp", on-platform payment pages,
/// bracketed and Cyrillic spelt e-mails, cards and IBANs with dots and dashes, IP links
/// with a path, app names inside run-together words, cards a buyer gives to be charged
/// directly, account threats on a scam): message recall, false-positive rate.
const BLIND3: (f64, f64) = (0.95, 0.02);

const MESSAGE_KINDS: [Kind; 11] = [
    Kind::OffsiteContact,
    Kind::OffsitePayment,
    Kind::PhishingLink,
    Kind::CredentialRequest,
    Kind::SensitiveDataShared,
    Kind::ExtraCharge,
    Kind::DisputeClosurePressure,
    Kind::ConfirmReceiptPressure,
    Kind::ReviewManipulation,
    Kind::UrgencyPressure,
    Kind::PlatformImpersonation,
];

fn lines(path: &str) -> Vec<Value> {
    let full = format!("{}/tests/corpus/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full)
        .unwrap_or_else(|e| panic!("{full}: {e}"))
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| serde_json::from_str(l).unwrap_or_else(|e| panic!("{path}:{}: {e}", n + 1)))
        .collect()
}

#[derive(Default, Debug, Clone, Copy)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Counts {
    fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

struct MessageScore {
    total: usize,
    clean: usize,
    languages: usize,
    recall: f64,
    fpr: f64,
    per_kind: BTreeMap<&'static str, Counts>,
}

fn score_messages(file: &str) -> MessageScore {
    let scanner = MessageScanner::default();
    let corpus = lines(file);
    let mut per_kind: BTreeMap<&str, Counts> = BTreeMap::new();
    let mut languages: BTreeMap<String, usize> = BTreeMap::new();
    let (mut pos, mut neg, mut caught, mut false_alarms) = (0, 0, 0, 0);
    let mut misses = Vec::new();
    for m in &corpus {
        let text = m["text"].as_str().expect("text");
        let lang = m["lang"].as_str();
        *languages
            .entry(lang.unwrap_or("?").to_string())
            .or_default() += 1;
        let message = Message {
            text,
            sender: m["sender"]
                .as_str()
                .and_then(Sender::parse)
                .unwrap_or_default(),
            context: m["context"]
                .as_str()
                .and_then(Context::parse)
                .unwrap_or_default(),
            lang,
        };
        let report = scanner.scan(&message);
        for s in report.assessment.signals() {
            let span = s.span().expect("message signals have spans");
            assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
        }
        let expected: Vec<&str> = m["kinds"]
            .as_array()
            .expect("kinds")
            .iter()
            .map(|k| k.as_str().expect("kind name"))
            .collect();
        let found: Vec<&str> = report
            .assessment
            .signals()
            .iter()
            .map(|s| s.kind().as_str())
            .collect();
        let flagged = report.assessment.verdict() != Verdict::Allow;
        if expected.is_empty() {
            neg += 1;
            if flagged {
                false_alarms += 1;
            }
        } else {
            pos += 1;
            if flagged {
                caught += 1;
            }
        }
        for kind in MESSAGE_KINDS {
            let k = kind.as_str();
            let e = expected.contains(&k);
            let f = found.contains(&k);
            let c = per_kind.entry(k).or_default();
            match (e, f) {
                (true, true) => c.tp += 1,
                (false, true) => c.fp += 1,
                (true, false) => c.fn_ += 1,
                _ => {}
            }
            if e != f {
                misses.push(format!(
                    "{} {}: {} {k} [{}/{}]: {text}",
                    m["id"].as_str().unwrap_or("?"),
                    lang.unwrap_or("?"),
                    if e { "MISSED" } else { "FALSE" },
                    message.sender.as_str(),
                    message.context.as_str(),
                ));
            }
        }
    }
    let recall = ratio(caught, pos);
    let fpr = ratio(false_alarms, neg);
    println!(
        "{file}: {} messages ({} with a scam, {} clean); languages {languages:?}",
        corpus.len(),
        pos,
        neg
    );
    println!(
        "message level: recall {recall:.3}, false-positive rate {fpr:.3} ({false_alarms} of {neg})"
    );
    println!(
        "{:<26} {:>5} {:>5} {:>5} {:>9} {:>7} {:>6}",
        "kind", "tp", "fp", "fn", "precision", "recall", "f1"
    );
    for (k, c) in &per_kind {
        println!(
            "{k:<26} {:>5} {:>5} {:>5} {:>9.3} {:>7.3} {:>6.3}",
            c.tp,
            c.fp,
            c.fn_,
            c.precision(),
            c.recall(),
            c.f1()
        );
    }
    for miss in &misses {
        println!("  {miss}");
    }
    MessageScore {
        total: corpus.len(),
        clean: neg,
        languages: languages.len(),
        recall,
        fpr,
        per_kind,
    }
}

/// The corpus the rules were written against: issue #4's floors.
#[test]
fn message_corpus_meets_the_floors() {
    let s = score_messages("messages.jsonl");
    assert!(s.total >= 500, "the corpus needs at least 500 messages");
    assert!(s.clean * 10 >= s.total * 4, "at least 40% clean messages");
    assert!(s.languages >= 6, "six languages");
    assert!(
        s.recall >= 0.95,
        "message-level recall {:.3} < 0.95",
        s.recall
    );
    assert!(s.fpr <= 0.02, "false-positive rate {:.3} > 0.02", s.fpr);
    for (k, c) in &s.per_kind {
        assert!(c.f1() >= 0.85, "{k}: F1 {:.3} < 0.85 ({c:?})", c.f1());
    }
}

/// A second corpus, written blind by another author (see `HOLDOUT_RECALL`).
#[test]
fn held_out_corpus_generalises() {
    let s = score_messages("holdout.jsonl");
    assert!(s.total >= 300 && s.languages >= 6);
    assert!(
        s.recall >= HOLDOUT_RECALL,
        "held-out recall {:.3}",
        s.recall
    );
    assert!(
        s.fpr <= HOLDOUT_FPR,
        "held-out false-positive rate {:.3}",
        s.fpr
    );
}

/// The brand whose official domains include `domain`, from the built-in brand list.
fn brand_of(domain: &str) -> Option<String> {
    let list: toml::Value = toml::from_str(include_str!("../data/brands.toml")).expect("brands");
    list["brand"].as_array()?.iter().find_map(|b| {
        let domains = b["domains"].as_array()?;
        domains
            .iter()
            .any(|d| d.as_str() == Some(domain))
            .then(|| b["name"].as_str().map(str::to_string))?
    })
}

struct LinkScore {
    total: usize,
    counts: Counts,
    brand_right: usize,
    brand_total: usize,
}

fn score_links(file: &str) -> LinkScore {
    let scanner = LinkScanner::default();
    let corpus = lines(file);
    let mut counts = Counts::default();
    let mut by_technique: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut brand_right = 0;
    let mut brand_total = 0;
    let mut misses = Vec::new();
    for l in &corpus {
        let url = l["url"].as_str().expect("url");
        let malicious = l["malicious"].as_bool().expect("malicious");
        let technique = l["technique"].as_str().unwrap_or("?").to_string();
        let report = scanner.scan(url);
        let flagged = report.assessment.verdict() != Verdict::Allow;
        let t = by_technique.entry(technique.clone()).or_default();
        t.1 += 1;
        if flagged == malicious {
            t.0 += 1;
        }
        match (malicious, flagged) {
            (true, true) => counts.tp += 1,
            (false, true) => counts.fp += 1,
            (true, false) => counts.fn_ += 1,
            _ => {}
        }
        if flagged != malicious {
            misses.push(format!(
                "{} {technique}: {url} -> risk {} {:?}",
                if malicious { "MISSED" } else { "FALSE" },
                report.assessment.risk(),
                report.impersonates
            ));
        }
        // The brand a look-alike is named for; official links name none.
        if let Some(brand) = l["impersonates"].as_str().filter(|_| malicious) {
            brand_total += 1;
            // Named by its official domain ("paypal.com") or by the brand ("paypal").
            let named = report.impersonates.as_deref().is_some_and(|domain| {
                domain == brand || brand_of(domain).as_deref() == Some(brand)
            });
            if named {
                brand_right += 1;
            } else {
                misses.push(format!(
                    "BRAND {technique}: {url} -> {:?}, expected {brand}",
                    report.impersonates
                ));
            }
        }
    }
    println!(
        "{file}: {} links; precision {:.3}, recall {:.3}, F1 {:.3}; brand named right {brand_right} of {brand_total}",
        corpus.len(),
        counts.precision(),
        counts.recall(),
        counts.f1()
    );
    for (t, (right, total)) in &by_technique {
        println!("  {t:<16} {right:>4} of {total:>4} right");
    }
    for miss in &misses {
        println!("  {miss}");
    }
    LinkScore {
        total: corpus.len(),
        counts,
        brand_right,
        brand_total,
    }
}

#[test]
fn link_corpus_meets_the_floors() {
    let LinkScore {
        total,
        counts,
        brand_right,
        brand_total,
    } = score_links("links.jsonl");
    assert!(total >= 400, "the corpus needs at least 400 URLs");
    assert!(
        counts.recall() >= 0.95,
        "link recall {:.3}",
        counts.recall()
    );
    assert!(
        counts.precision() >= 0.95,
        "link precision {:.3}",
        counts.precision()
    );
    assert!(
        ratio(brand_right, brand_total) >= 0.9,
        "impersonated brand named right {brand_right} of {brand_total}"
    );
}

/// The third blind set: disguises (`blind3_disguises.jsonl`, see `BLIND3`).
#[test]
fn disguised_blind_corpus_generalises() {
    let s = score_messages("blind3_disguises.jsonl");
    assert!(s.total >= 350 && s.languages >= 6);
    assert!(s.recall >= BLIND3.0, "blind recall {:.3}", s.recall);
    assert!(s.fpr <= BLIND3.1, "blind false-positive rate {:.3}", s.fpr);
}

/// The second blind set (`blind2_*.jsonl`, see `BLIND2`).
#[test]
fn second_blind_corpus_generalises() {
    let s = score_messages("blind2_messages.jsonl");
    assert!(s.total >= 400 && s.languages >= 6);
    assert!(s.recall >= BLIND2.0, "blind recall {:.3}", s.recall);
    assert!(s.fpr <= BLIND2.1, "blind false-positive rate {:.3}", s.fpr);
    let l = score_links("blind2_links.jsonl");
    assert!(l.total >= 250);
    assert!(
        l.counts.recall() >= BLIND2.2,
        "blind link recall {:.3}",
        l.counts.recall()
    );
    assert!(
        l.counts.precision() >= BLIND2.3,
        "blind link precision {:.3}",
        l.counts.precision()
    );
}

/// Link figures on real-world data no one here wrote (`../shared/real-world/` beside
/// the repository: phishing URLs from public feeds and legitimate domains, among them
/// the brands' own). The files stay outside the repository; without them this test
/// says so loudly and checks nothing.
#[test]
fn real_world_links_meet_the_floors() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/real-world");
    let (Ok(phishing), Ok(benign)) = (
        std::fs::read_to_string(dir.join("phishing_urls.jsonl")),
        std::fs::read_to_string(dir.join("benign_urls.jsonl")),
    ) else {
        eprintln!(
            "\n*** REAL-WORLD LINK DATA ABSENT: {} not found; real-world link floors NOT checked ***\n",
            dir.display()
        );
        return;
    };
    let scanner = LinkScanner::default();
    let flagged = |text: &str| {
        let urls: Vec<String> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("json line");
                v["url"].as_str().expect("url").to_string()
            })
            .collect();
        let n = urls
            .iter()
            .filter(|u| scanner.scan(u).assessment.verdict() != Verdict::Allow)
            .count();
        (n, urls.len())
    };
    let (caught, phish) = flagged(&phishing);
    let (alarms, legit) = flagged(&benign);
    let (recall, false_alarms) = (ratio(caught, phish), ratio(alarms, legit));
    println!(
        "real-world links: phishing recall {recall:.3} ({caught}/{phish}); legitimate flagged {false_alarms:.3} ({alarms}/{legit})"
    );
    assert!(phish >= 500 && legit >= 700, "real-world files too small");
    assert!(
        recall >= REAL_WORLD_LINKS.0,
        "real-world phishing recall {recall:.3}"
    );
    assert!(
        false_alarms <= REAL_WORLD_LINKS.1,
        "real-world legitimate flagged {false_alarms:.3}"
    );
}

/// Floors on `../shared/real-world/`: phishing recall, share of legitimate domains
/// flagged (before this round: 0.806 and 0.206).
const REAL_WORLD_LINKS: (f64, f64) = (0.95, 0.02);
