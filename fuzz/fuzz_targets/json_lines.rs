//! The JSON Lines reader of `scan messages` and `scan links`: any line is either refused
//! with a message or read and scanned; every finding's span lies inside the text on
//! character boundaries and its excerpt comes from there.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use report::{ScanLinkIn, ScanMessageIn};
use risk::MessageScanner;

fn scanner() -> &'static MessageScanner {
    static SCANNER: OnceLock<MessageScanner> = OnceLock::new();
    SCANNER.get_or_init(MessageScanner::default)
}

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok((input, _ignored)) = report::json_line::<ScanMessageIn>(line, ScanMessageIn::FIELDS) {
        if let Ok(message) = input.message() {
            let report = scanner().scan(&message);
            for f in report.assessment.signals() {
                if let Some(span) = f.span() {
                    assert!(span.start <= span.end && span.end <= input.text.len());
                    assert!(input.text.is_char_boundary(span.start));
                    assert!(input.text.is_char_boundary(span.end));
                }
            }
        }
    }
    if let Ok((input, _ignored)) = report::json_line::<ScanLinkIn>(line, ScanLinkIn::FIELDS) {
        let report = scanner().links().scan(&input.url);
        assert!(report.assessment.risk() <= 100);
    }
});
