//! Links that are not web addresses: contact schemes (mail, phone, messengers),
//! script and file schemes, and `data:` URLs, which carry a whole page inside the link.

use base64::Engine;

/// Schemes that open a conversation outside the platform, with what they open.
const CONTACT: &[(&str, &str)] = &[
    ("mailto", "an e-mail"),
    ("tel", "a phone call"),
    ("callto", "a phone call"),
    ("sms", "a text message"),
    ("smsto", "a text message"),
    ("mms", "a text message"),
    ("facetime", "a FaceTime call"),
    ("facetime-audio", "a FaceTime call"),
    ("skype", "a Skype chat"),
    ("whatsapp", "a WhatsApp chat"),
    ("tg", "a Telegram chat"),
    ("viber", "a Viber chat"),
    ("signal", "a Signal chat"),
    ("sgnl", "a Signal chat"),
    ("line", "a LINE chat"),
    ("weixin", "a WeChat chat"),
    ("wechat", "a WeChat chat"),
    ("fb-messenger", "a Messenger chat"),
    ("threema", "a Threema chat"),
    ("kakaotalk", "a KakaoTalk chat"),
    ("imo", "an imo chat"),
    ("zalo", "a Zalo chat"),
];

/// The most of a `data:` URL's content that is read.
const DATA_BYTES_MAX: usize = 64 * 1024;

/// What a non-web scheme is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Scheme {
    /// Opens a conversation: what kind.
    Contact(&'static str),
    /// Runs code in the browser.
    Script,
    /// Opens a file on the device or network.
    File,
    /// A page inside the link, decoded.
    Data { media: String, content: String },
}

/// The scheme of `link` when it is one the scanner treats apart from web addresses.
pub(super) fn classify(link: &str) -> Option<Scheme> {
    let colon = link.find(':')?;
    let name = link[..colon].to_ascii_lowercase();
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'+')
    {
        return None;
    }
    if let Some((_, what)) = CONTACT.iter().find(|(s, _)| *s == name) {
        return Some(Scheme::Contact(what));
    }
    match name.as_str() {
        "javascript" | "vbscript" => Some(Scheme::Script),
        "file" | "smb" => Some(Scheme::File),
        "data" => Some(decode_data(&link[colon + 1..])),
        _ => None,
    }
}

/// A `data:` URL's media type and content, percent-decoded and, when it says
/// `;base64`, base64-decoded.
fn decode_data(body: &str) -> Scheme {
    let (meta, payload) = body.split_once(',').unwrap_or((body, ""));
    let meta = meta.trim().to_ascii_lowercase();
    let payload = &payload[..floor_char(payload, DATA_BYTES_MAX * 4 / 3 + 4)];
    let bytes: Vec<u8> = percent_encoding::percent_decode_str(payload).collect();
    let content = if meta.ends_with(";base64") {
        let clean: Vec<u8> = bytes
            .into_iter()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let trimmed: &[u8] = {
            let end = clean.iter().rposition(|b| *b != b'=').map_or(0, |i| i + 1);
            &clean[..end]
        };
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(trimmed)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(trimmed))
            .unwrap_or_default()
    } else {
        bytes
    };
    let mut content = String::from_utf8_lossy(&content).into_owned();
    content.truncate(floor_char(&content, DATA_BYTES_MAX));
    let media = meta.split(';').next().unwrap_or("").trim().to_string();
    Scheme::Data {
        media: if media.is_empty() {
            "text/plain".into()
        } else {
            media
        },
        content,
    }
}

/// The largest char boundary of `s` at or below `at`.
fn floor_char(s: &str, at: usize) -> usize {
    let mut at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// What a page inside a `data:` URL does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum PageDoes {
    /// A form with a password field: a log-in page without a website.
    AsksPassword,
    /// Sends the browser on, to the address found (if any).
    Redirects(Option<String>),
    /// Runs a script.
    Script,
    /// Shows a page.
    Page,
}

/// What the decoded page `content` of media type `media` does; `None` for content
/// that is no page (an image, plain text).
pub(super) fn judge_page(media: &str, content: &str) -> Option<PageDoes> {
    let lower = content.to_ascii_lowercase();
    let html = media.contains("html")
        || media.contains("svg")
        || lower.contains("<html")
        || lower.contains("<form");
    if !html {
        return None;
    }
    let squeezed: String = lower
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '"' && *c != '\'')
        .collect();
    if lower.contains("<form") && (squeezed.contains("type=password") || lower.contains("password"))
    {
        return Some(PageDoes::AsksPassword);
    }
    let redirects = squeezed.contains("http-equiv=refresh")
        || [
            "location.href",
            "location.replace",
            "location.assign",
            "window.location",
            "document.location",
            "location=",
        ]
        .iter()
        .any(|w| squeezed.contains(w));
    if redirects {
        return Some(PageDoes::Redirects(first_address(content)));
    }
    if lower.contains("<script") {
        return Some(PageDoes::Script);
    }
    Some(PageDoes::Page)
}

/// The first http(s) address in `text`.
fn first_address(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let at = lower.find("http://").or_else(|| lower.find("https://"))?;
    let rest = &text[at..];
    let end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | ')' | ';'))
        .unwrap_or(rest.len());
    Some(rest[..end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_and_script_schemes() {
        assert_eq!(
            classify("mailto:a@b.test"),
            Some(Scheme::Contact("an e-mail"))
        );
        assert_eq!(
            classify("TEL:+34600000000"),
            Some(Scheme::Contact("a phone call"))
        );
        assert_eq!(
            classify("whatsapp://send?phone=1"),
            Some(Scheme::Contact("a WhatsApp chat"))
        );
        assert_eq!(classify("javascript:alert(1)"), Some(Scheme::Script));
        assert_eq!(classify("example.com:8080/x"), None);
        assert_eq!(classify("https://example.com"), None);
    }

    #[test]
    fn data_urls_are_decoded_both_ways() {
        let form = "<html><form action=x><input type=\"password\"></form></html>";
        let b64 = base64::engine::general_purpose::STANDARD.encode(form);
        for link in [
            format!("data:text/html;base64,{b64}"),
            format!(
                "data:text/html,{}",
                form.replace(' ', "%20").replace('<', "%3C")
            ),
        ] {
            let Some(Scheme::Data { media, content }) = classify(&link) else {
                panic!("{link}")
            };
            assert_eq!(
                judge_page(&media, &content),
                Some(PageDoes::AsksPassword),
                "{link}"
            );
        }
        let refresh = "<meta http-equiv='refresh' content='0;url=https://x.test/a'>";
        assert_eq!(
            judge_page("text/html", refresh),
            Some(PageDoes::Redirects(Some("https://x.test/a".into())))
        );
        assert_eq!(judge_page("image/png", "\u{89}PNG"), None);
    }
}
