//! `marketguard scan messages|links`: the scam scanners on what a shopper or a
//! marketplace has, JSON Lines or plain lines in, one result a line out.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use report::scan::{link_text, message_text};
use report::{ScanLinkIn, ScanLinkOut, ScanMessageIn, ScanMessageOut};
use risk::{LinkScanner, MessageScanner, Thresholds};

use crate::Format;

#[derive(Debug, Subcommand)]
pub enum ScanCommand {
    /// Scan chat messages for off-site contact and payment, phishing links, requests
    /// for passwords or codes, extra charges, pressure to close a dispute or confirm
    /// receipt early, paid reviews, false deadlines and fake platform staff, in
    /// English, Spanish, Portuguese, French, German and Russian, however disguised.
    /// Input: JSON Lines `{"id", "text", "sender": seller|buyer|unknown, "context":
    /// pre_order|in_transit|delivered|dispute_open, "lang"}` (only `text` needed).
    /// Output: one result a line, same order (`--format json`: JSON Lines with risk,
    /// verdict and signals whose spans are byte offsets into the text). Other fields
    /// (a label, say) are ignored, with one warning on stderr naming them; a UTF-8
    /// byte-order mark is skipped. A line that cannot be read gives `{"line": N,
    /// "error": ...}` in its place, naming the cause, and exit code 2.
    Messages(ScanArgs),
    /// Scan links: look-alikes of marketplace, payment and carrier brands (typos,
    /// look-alike letters, punycode, brand glued to other words or split over labels,
    /// brand as a subdomain or on free hosting, another TLD; a name that only
    /// resembles a brand, with nothing else suspect, is noted, not flagged),
    /// user-info tricks, IP hosts, URL shorteners, chat-app links, redirect wrappers
    /// (the target is scanned), `data:` pages, and contact (mailto:, tel:, sms:,
    /// messenger), script and file schemes. Input: one URL a line, or JSON Lines
    /// with `url`. Output adds `registrable_domain` and `impersonates`.
    Links(ScanArgs),
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// FILE, or - for standard input.
    #[arg(default_value = "-")]
    input: String,
    /// A brand list replacing the built-in one (TOML: [[brand]] name, domains,
    /// typos, and [[brand.group]] source, domains for more domains the brand owns).
    #[arg(long, value_name = "FILE")]
    brands: Option<std::path::PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn run(command: ScanCommand) -> anyhow::Result<ExitCode> {
    let (args, messages) = match command {
        ScanCommand::Messages(a) => (a, true),
        ScanCommand::Links(a) => (a, false),
    };
    let links = match &args.brands {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            LinkScanner::new(&text, Thresholds::default())
                .with_context(|| format!("{}", path.display()))?
        }
        None => LinkScanner::default(),
    };
    let scanner = MessageScanner::new(
        risk::lexicon::Lexicon::builtin(),
        links,
        Thresholds::default(),
    );
    let input = super::open_input(&args.input)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut bad = 0usize;
    let mut flagged = 0usize;
    let mut total = 0usize;
    // Fields outside the input format, each with the first line it was on: ignored,
    // and named once at the end.
    let mut ignored: BTreeMap<String, usize> = BTreeMap::new();
    for (n, line) in input.lines().enumerate() {
        let line = line.with_context(|| format!("{}: line {}", args.input, n + 1))?;
        if line.trim().trim_start_matches('\u{feff}').is_empty() {
            continue;
        }
        total += 1;
        let result = if messages {
            scan_message(&scanner, &line, args.format)
        } else {
            scan_link(scanner.links(), &line, args.format)
        };
        match result {
            Ok((text, risky, extra)) => {
                flagged += usize::from(risky);
                for name in extra {
                    ignored.entry(name).or_insert(n + 1);
                }
                writeln!(out, "{text}")?;
            }
            Err(e) => {
                bad += 1;
                eprintln!("error: {}: line {}: {e}", args.input, n + 1);
                match args.format {
                    Format::Json => writeln!(
                        out,
                        "{}",
                        serde_json::json!({"line": n + 1, "error": e.to_string()})
                    )?,
                    Format::Text => writeln!(out, "line {}: not scanned: {e}\n", n + 1)?,
                }
            }
        }
    }
    out.flush()?;
    if !ignored.is_empty() {
        let names: Vec<String> = ignored
            .iter()
            .map(|(name, line)| format!("{name:?} (first on line {line})"))
            .collect();
        eprintln!(
            "warning: {}: fields outside the input format were ignored: {}",
            args.input,
            names.join(", ")
        );
    }
    if args.format == Format::Text && total > 1 {
        outln!("{total} scanned, {flagged} to look at, {bad} unreadable");
    }
    Ok(if bad > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// A line's output, whether it is worth a look, and the fields it had outside the
/// input format.
type Scanned = (String, bool, Vec<String>);

fn scan_message(scanner: &MessageScanner, line: &str, format: Format) -> anyhow::Result<Scanned> {
    let (input, ignored): (ScanMessageIn, _) = report::json_line(line, ScanMessageIn::FIELDS)?;
    let message = input.message()?;
    let report = scanner.scan(&message);
    let risky = report.assessment.verdict() != risk::Verdict::Allow;
    let text = match format {
        Format::Json => serde_json::to_string(&ScanMessageOut::new(input.id.clone(), &report))?,
        Format::Text => message_text(input.id.as_ref(), &report),
    };
    Ok((text, risky, ignored))
}

fn scan_link(scanner: &LinkScanner, line: &str, format: Format) -> anyhow::Result<Scanned> {
    let line = line.strip_prefix('\u{feff}').unwrap_or(line);
    let (url, ignored) = if line.trim_start().starts_with('{') {
        let (input, ignored): (ScanLinkIn, _) = report::json_line(line, ScanLinkIn::FIELDS)?;
        (input.url, ignored)
    } else {
        (line.trim().to_string(), Vec::new())
    };
    let report = scanner.scan(&url);
    let risky = report.assessment.verdict() != risk::Verdict::Allow;
    let text = match format {
        Format::Json => serde_json::to_string(&ScanLinkOut::new(url, &report))?,
        Format::Text => link_text(&url, &report),
    };
    Ok((text, risky, ignored))
}
