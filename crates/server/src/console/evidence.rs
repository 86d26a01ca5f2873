//! A dispute's evidence as the console shows it: each piece with who gave it and when,
//! texts and message excerpts as text (escaped like everything maud renders), photos
//! by hash and media type, tracking numbers against the order's shipment.

use maud::{html, Markup};
use protection::{Event, Evidence, Order, Recorded};

use super::when;
use crate::auth::Role;

/// Characters of a referenced message shown in the evidence table.
const EXCERPT_CHARS: usize = 280;

/// Every piece of evidence the dispute's events carry, oldest first.
fn pieces(log: &[Recorded]) -> Vec<(&Recorded, &Evidence)> {
    log.iter()
        .flat_map(|r| {
            let evidence: &[Evidence] = match &r.event {
                Event::DisputeOpened { evidence, .. }
                | Event::SellerResponded { evidence, .. }
                | Event::EvidenceAdded { evidence } => evidence,
                _ => &[],
            };
            evidence.iter().map(move |e| (r, e))
        })
        .collect()
}

fn excerpt(text: &str) -> String {
    match text.char_indices().nth(EXCERPT_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// The evidence table of the order's dispute; nothing when it has none.
pub(super) fn section(order: &Order, log: &[Recorded], role: &Role) -> Markup {
    let pieces = pieces(log);
    let messages = crate::scan::message_views(log, role);
    html! {
        h3 { "Evidence" }
        @if pieces.is_empty() { p.muted { "No evidence given." } } @else {
            table class="evidence" {
                tr { th { "When" } th { "From" } th { "Kind" } th { "Evidence" } }
                @for (r, e) in &pieces {
                    tr {
                        td { (when(r.at.unix_ms())) }
                        td { (r.actor.to_string()) }
                        @match e {
                            Evidence::Text { text } => {
                                td { "text" } td.text { (text) }
                            }
                            Evidence::Photo { sha256, media_type } => {
                                td { "photo" } td { code { (sha256) } " · " (media_type) }
                            }
                            Evidence::Tracking { number } => {
                                td { "tracking" }
                                td {
                                    code { (number.as_str()) }
                                    @if order.tracking.as_deref() == Some(number.as_str()) {
                                        span.muted { " · the order's shipment" }
                                    } @else {
                                        span.muted { " · not the order's tracking number" }
                                    }
                                }
                            }
                            Evidence::Message { id } => {
                                td { "message" }
                                @match messages.iter().find(|m| &m.id == id) {
                                    Some(m) => td.text {
                                        span.muted { (id) " from the " (m.from) ": " }
                                        @match &m.text {
                                            Some(t) => { (excerpt(t)) }
                                            None => { span.muted { "(held: not shown)" } }
                                        }
                                    },
                                    None => td { code { (id) } span.muted { " · not among this order's messages" } },
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_cut_on_a_character_boundary() {
        let long = "é".repeat(EXCERPT_CHARS + 5);
        let e = excerpt(&long);
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert!(e.ends_with('…'));
        assert_eq!(excerpt("short"), "short");
    }
}
