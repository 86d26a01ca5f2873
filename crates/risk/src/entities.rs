//! Things in a message that are not words: phone numbers, e-mail addresses (also
//! spelt out), social handles, card numbers, IBANs, money amounts and links.
//! Every finder returns byte spans into the original text.

use std::ops::Range;

use linkify::{LinkFinder, LinkKind};

/// A payment card number: 13 to 19 digits, Luhn-valid, with the prefix of a card
/// network (ISO/IEC 7812 issuer identification numbers of Visa, Mastercard, American
/// Express, Discover, JCB, UnionPay, Mir, Maestro).
pub fn cards(text: &str) -> Vec<Range<usize>> {
    if digit_count(text) < 13 {
        return Vec::new();
    }
    digit_groups(text, 13, 19, &[' ', '-', '.'])
        .into_iter()
        .filter(|(_, digits)| luhn(digits) && card_network(digits))
        .map(|(span, _)| span)
        .collect()
}

/// How many ASCII digits `text` holds: finders of numbers with a least length skip
/// the texts that cannot hold one.
fn digit_count(text: &str) -> usize {
    // Counted in byte-sized sums of up to 255 bytes, which the compiler turns into
    // vector adds: a tenth of the instructions of counting one byte at a time.
    text.as_bytes()
        .chunks(255)
        .map(|chunk| {
            chunk
                .iter()
                .fold(0u8, |n, &b| n + u8::from(b.wrapping_sub(b'0') < 10))
        })
        .map(usize::from)
        .sum()
}

fn card_network(digits: &[u8]) -> bool {
    let prefix = |n: usize| -> u32 {
        digits[..n]
            .iter()
            .fold(0, |acc, d| acc * 10 + u32::from(*d))
    };
    let len = digits.len();
    match digits[0] {
        4 => matches!(len, 13 | 16 | 19),
        5 => (51..=55).contains(&prefix(2)) && len == 16 || prefix(2) >= 56 && len >= 12,
        2 => (2221..=2720).contains(&prefix(4)) && len == 16 || (2200..=2204).contains(&prefix(4)),
        3 => {
            matches!(prefix(2), 34 | 37) && len == 15
                || (3528..=3589).contains(&prefix(4)) && len >= 16
        }
        6 => prefix(4) == 6011 || prefix(2) == 65 || prefix(2) == 62 || prefix(2) == 67,
        _ => false,
    }
}

/// The Luhn check (ISO/IEC 7812-1 annex B).
pub fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Runs of digits (with single separators from `seps` between them) holding between
/// `min` and `max` digits; returns the span and the digits.
fn digit_groups(text: &str, min: usize, max: usize, seps: &[char]) -> Vec<(Range<usize>, Vec<u8>)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() || (i > 0 && bytes[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let start = i;
        let mut digits = Vec::new();
        let mut end = i;
        while i < bytes.len() {
            let b = bytes[i];
            if b.is_ascii_digit() {
                digits.push(b - b'0');
                i += 1;
                end = i;
            } else if seps.contains(&(b as char))
                && i + 1 < bytes.len()
                && bytes[i + 1].is_ascii_digit()
            {
                i += 1;
            } else {
                break;
            }
        }
        let glued = end < bytes.len() && bytes[end].is_ascii_alphabetic();
        if !glued && (min..=max).contains(&digits.len()) {
            out.push((start..end, digits));
        }
        i = end.max(start + 1);
    }
    out
}

/// IBANs (ISO 13616) with a valid mod-97 check, written with or without spaces.
pub fn ibans(text: &str) -> Vec<Range<usize>> {
    // Two check digits at least.
    if digit_count(text) < 2 {
        return Vec::new();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 4 <= bytes.len() {
        // Digits are rarer than letters: they are looked at first.
        let starts = bytes[i + 2].is_ascii_digit()
            && bytes[i + 3].is_ascii_digit()
            && bytes[i].is_ascii_alphabetic()
            && bytes[i + 1].is_ascii_alphabetic()
            && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric());
        if !starts {
            i += 1;
            continue;
        }
        let mut chars = Vec::with_capacity(34);
        let mut j = i;
        let mut end = i;
        while j < bytes.len() && chars.len() < 34 {
            let b = bytes[j];
            if b.is_ascii_alphanumeric() {
                chars.push(b.to_ascii_uppercase());
                j += 1;
                end = j;
            } else if matches!(b, b' ' | b'-')
                && j + 1 < bytes.len()
                && bytes[j + 1].is_ascii_alphanumeric()
            {
                j += 1;
            } else {
                break;
            }
        }
        // Spaces may also separate the IBAN from the next word: the prefix of the
        // country's length is the only one that can pass the check.
        let found = IBAN_LENGTHS
            .iter()
            .find(|(cc, _)| cc[..] == chars[..2])
            .map(|(_, len)| *len)
            .filter(|&len| len <= chars.len() && iban_valid(&chars[..len]));
        if let Some(len) = found {
            let mut seen = 0;
            let mut k = i;
            while seen < len {
                if bytes[k].is_ascii_alphanumeric() {
                    seen += 1;
                }
                k += 1;
            }
            out.push(i..k);
            i = k;
        } else {
            i = end.max(i + 1);
        }
    }
    out
}

/// IBAN lengths by country, from the SWIFT IBAN registry (ISO 13616).
const IBAN_LENGTHS: &[(&[u8; 2], usize)] = &[
    (b"AD", 24),
    (b"AE", 23),
    (b"AL", 28),
    (b"AT", 20),
    (b"AZ", 28),
    (b"BA", 20),
    (b"BE", 16),
    (b"BG", 22),
    (b"BH", 22),
    (b"BR", 29),
    (b"BY", 28),
    (b"CH", 21),
    (b"CR", 22),
    (b"CY", 28),
    (b"CZ", 24),
    (b"DE", 22),
    (b"DK", 18),
    (b"DO", 28),
    (b"EE", 20),
    (b"EG", 29),
    (b"ES", 24),
    (b"FI", 18),
    (b"FO", 18),
    (b"FR", 27),
    (b"GB", 22),
    (b"GE", 22),
    (b"GI", 23),
    (b"GL", 18),
    (b"GR", 27),
    (b"GT", 28),
    (b"HR", 21),
    (b"HU", 28),
    (b"IE", 22),
    (b"IL", 23),
    (b"IQ", 23),
    (b"IS", 26),
    (b"IT", 27),
    (b"JO", 30),
    (b"KW", 30),
    (b"KZ", 20),
    (b"LB", 28),
    (b"LC", 32),
    (b"LI", 21),
    (b"LT", 20),
    (b"LU", 20),
    (b"LV", 21),
    (b"MC", 27),
    (b"MD", 24),
    (b"ME", 22),
    (b"MK", 19),
    (b"MR", 27),
    (b"MT", 31),
    (b"MU", 30),
    (b"NL", 18),
    (b"NO", 15),
    (b"PK", 24),
    (b"PL", 28),
    (b"PS", 29),
    (b"PT", 25),
    (b"QA", 29),
    (b"RO", 24),
    (b"RS", 22),
    (b"SA", 24),
    (b"SC", 31),
    (b"SE", 24),
    (b"SI", 19),
    (b"SK", 24),
    (b"SM", 27),
    (b"ST", 25),
    (b"SV", 28),
    (b"TL", 23),
    (b"TN", 24),
    (b"TR", 26),
    (b"UA", 29),
    (b"VA", 22),
    (b"VG", 24),
    (b"XK", 20),
];

fn iban_valid(chars: &[u8]) -> bool {
    let length = IBAN_LENGTHS
        .iter()
        .find(|(cc, _)| cc[..] == chars[..2])
        .map(|(_, len)| *len);
    if length != Some(chars.len()) || !chars[2].is_ascii_digit() || !chars[3].is_ascii_digit() {
        return false;
    }
    let mut rem: u32 = 0;
    for &c in chars[4..].iter().chain(&chars[..4]) {
        let value = if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            u32::from(c - b'A') + 10
        };
        rem = if value >= 10 {
            (rem * 100 + value) % 97
        } else {
            (rem * 10 + value) % 97
        };
    }
    rem == 1
}

/// A phone number found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    pub span: Range<usize>,
    /// E.164 form.
    pub number: String,
}

/// Phone numbers: a `+` or `00` international number that `phonenumber` validates,
/// or a national number valid in the region of `lang` when it is written like a
/// phone number (with separators) or `context_cue` says a number is being given.
/// Runs of digits glued to letters (tracking numbers) and runs of more than 15
/// digits (order numbers) are never phones.
pub fn phones(text: &str, lang: Option<&str>, context_cue: bool) -> Vec<Phone> {
    if digit_count(text) < 7 {
        return Vec::new();
    }
    enlarge_phone_regex_cache();
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    // One buffer for the digits of every candidate.
    let mut digits = String::with_capacity(16);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let plus = b == b'+'
            && bytes
                .get(i + 1)
                .is_some_and(|n| n.is_ascii_digit() || *n == b' ');
        let begins = (b.is_ascii_digit()
            || plus
            || (b == b'(' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)))
            && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'/'));
        if !begins {
            i += 1;
            continue;
        }
        let start = i;
        digits.clear();
        let mut separators = 0;
        let mut end = i;
        let mut j = i;
        if plus {
            j += 1;
        }
        while j < bytes.len() {
            let c = bytes[j];
            if c.is_ascii_digit() {
                digits.push(c as char);
                j += 1;
                end = j;
            } else if matches!(c, b' ' | b'-' | b'.' | b'(' | b')' | b'/')
                && bytes
                    .get(j + 1)
                    .is_some_and(|n| n.is_ascii_digit() || *n == b'(' || (*n == b' ' && c == b')'))
            {
                separators += 1;
                j += 1;
            } else if c == b')' {
                j += 1;
            } else {
                break;
            }
        }
        let glued = end < bytes.len() && (bytes[end].is_ascii_alphabetic());
        let n = digits.len();
        if !glued && (7..=15).contains(&n) {
            let candidate = if plus {
                Some(format!("+{digits}"))
            } else {
                digits.strip_prefix("00").map(|rest| format!("+{rest}"))
            };
            let parsed = if let Some(intl) = candidate {
                phonenumber::parse(None, &intl).ok().filter(is_valid_phone)
            } else if separators > 0 || context_cue {
                regions(lang)
                    .iter()
                    .filter(|r| may_be_national(**r, &digits))
                    .find_map(|r| {
                        phonenumber::parse(Some(*r), &digits)
                            .ok()
                            .filter(is_valid_phone)
                    })
            } else {
                None
            };
            if let Some(p) = parsed {
                // What `p.format().mode(Mode::E164)` writes, without the search for
                // a display format that E.164 does not use (a regex per format).
                out.push(Phone {
                    span: start..end,
                    number: format!("+{}{}", p.code().value(), p.national()),
                });
            }
        }
        i = end.max(i + 1);
    }
    out
}

/// `phonenumber` compiles its metadata's patterns on first use into a shared cache of
/// 100; the regions of six languages and the countries of international numbers need
/// a few thousand, and a cache that small recompiles them over and over (most of the
/// scan time). Enlarged once, every pattern is compiled once per process.
fn enlarge_phone_regex_cache() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let cache = phonenumber::metadata::DATABASE.cache();
        let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
        *cache = regex_cache::RegexCache::new(16_384);
    });
}

/// `phonenumber::is_valid` with patterns of our own. The crate looks every pattern up
/// in its regex cache, which locks a mutex and hashes the pattern's source (kilobytes
/// for some regions) on each use: about 235k instructions a call, most of the phone
/// search. Same rules as the crate's (private) `validator::source_for` and
/// `number_type`, over the same patterns compiled once per region; a test checks that
/// both agree.
fn is_valid_phone(number: &phonenumber::PhoneNumber) -> bool {
    let db = &*phonenumber::metadata::DATABASE;
    let code = number.code().value();
    let national = number.national().to_string();
    let Some(regions) = db.region(&code) else {
        return false;
    };
    // The region whose metadata decide, as `source_for` picks it.
    let meta = match regions[..] {
        ["001"] => db.by_code(&code).and_then(|m| m.into_iter().next()),
        [only] => only
            .parse::<phonenumber::country::Id>()
            .ok()
            .and_then(|id| db.by_id(id.as_ref())),
        _ => regions
            .iter()
            .filter_map(|r| db.by_id(*r))
            .find(|meta| match meta.leading_digits() {
                Some(leading) => leading.find(&national).is_some_and(|m| m.start() == 0),
                None => has_number_type(meta, &national),
            }),
    };
    meta.is_some_and(|meta| has_number_type(meta, &national))
}

/// Whether `national` is of a known type in `meta` (`number_type` is not `Unknown`):
/// it matches the general descriptor and one of the typed ones.
fn has_number_type(meta: &phonenumber::Metadata, national: &str) -> bool {
    let patterns = compiled(meta);
    patterns.general.is_match(national) && patterns.types.iter().any(|t| t.is_match(national))
}

/// The descriptors of `meta` compiled, on first use.
fn compiled(meta: &phonenumber::Metadata) -> std::sync::Arc<TypePatterns> {
    use std::collections::HashMap;
    use std::sync::{Arc, LazyLock, Mutex};
    // Keyed by the address of the metadata, which live as long as the process.
    static COMPILED: LazyLock<Mutex<HashMap<usize, Arc<TypePatterns>>>> =
        LazyLock::new(Mutex::default);
    let key = std::ptr::from_ref(meta) as usize;
    COMPILED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(key)
        .or_insert_with(|| Arc::new(TypePatterns::new(meta)))
        .clone()
}

/// A region's descriptors compiled: the general one and every type `number_type`
/// tells apart (premium rate, toll free, shared cost, VoIP, personal, pager, UAN,
/// voicemail, fixed line, mobile).
struct TypePatterns {
    general: NumberPattern,
    types: Vec<NumberPattern>,
}

impl TypePatterns {
    fn new(meta: &phonenumber::Metadata) -> TypePatterns {
        let d = meta.descriptors();
        TypePatterns {
            general: NumberPattern::new(d.general()),
            types: [
                d.premium_rate(),
                d.toll_free(),
                d.shared_cost(),
                d.voip(),
                d.personal_number(),
                d.pager(),
                d.uan(),
                d.voicemail(),
                d.fixed_line(),
                d.mobile(),
            ]
            .into_iter()
            .flatten()
            .map(NumberPattern::new)
            .collect(),
        }
    }
}

/// `Descriptor::is_match` on a pattern of our own: a possible length, and a match
/// of the national number pattern that starts at the first digit.
struct NumberPattern {
    lengths: Vec<u16>,
    regex: regex::Regex,
}

impl NumberPattern {
    fn new(d: &phonenumber::metadata::Descriptor) -> NumberPattern {
        // The crate compiles its patterns with `ignore_whitespace`; the newline ends
        // a `#` comment, should a pattern ever hold one, before the group closes.
        let source = format!("^(?:{}\n)", d.national_number().as_str());
        let build = |unicode| {
            regex::RegexBuilder::new(&source)
                .ignore_whitespace(true)
                .unicode(unicode)
                .build()
        };
        // National numbers are ASCII digits, for which `\d` means the same with or
        // without Unicode classes, and without them compiling costs far less.
        let regex = build(false)
            .or_else(|_| build(true))
            .expect("the phonenumber metadata patterns compile");
        NumberPattern {
            lengths: d.possible_length().to_vec(),
            regex,
        }
    }

    fn is_match(&self, national: &str) -> bool {
        let length = u16::try_from(national.len()).unwrap_or(u16::MAX);
        (self.lengths.is_empty() || self.lengths.contains(&length)) && self.regex.is_match(national)
    }
}

/// Whether `digits` can be a valid number of `region` written the national way: its
/// national significant number (the digits after a national prefix or carrier code
/// of at most four digits) matches the region's general pattern and lengths in the
/// metadata, or it starts with the region's international prefix. A cheap test that
/// `parse` would fail anyway, so that digit runs that are no phone number (dates,
/// amounts, references) do not pay for a full parse in each region, which costs a
/// thousand times more. Regions whose national prefix
/// rewrites the number (Argentina's "15", Mexico's "1") are always parsed.
fn may_be_national(region: phonenumber::country::Id, digits: &str) -> bool {
    let Some(meta) = phonenumber::metadata::DATABASE.by_id(region.as_ref()) else {
        return true;
    };
    let international = meta
        .international_prefix()
        .and_then(|p| p.find(digits))
        .is_some_and(|m| m.start() == 0);
    if international || meta.national_prefix_transform_rule().is_some() {
        return true;
    }
    let general = &compiled(meta).general;
    (0..=4.min(digits.len().saturating_sub(1))).any(|k| general.is_match(&digits[k..]))
}

fn regions(lang: Option<&str>) -> &'static [phonenumber::country::Id] {
    use phonenumber::country::Id::*;
    match lang.map(|l| l.get(..2).unwrap_or(l)) {
        Some("en") => &[US, GB, IN, AU],
        Some("es") => &[ES, MX, AR, CO],
        Some("pt") => &[BR, PT],
        Some("fr") => &[FR, BE, CA],
        Some("de") => &[DE, AT, CH],
        Some("ru") => &[RU, UA, BY, KZ],
        _ => &[US, GB, ES, MX, BR, PT, FR, DE, RU],
    }
}

/// Short deadlines written with a number: "12h", "within 30 min", "24 Stunden",
/// "15 минут", and clock times such as "23:59" or "23h59". Days are left out: "ships
/// in 3 days" is ordinary talk. On their own these are no scam; the rules count them
/// only next to a threat or a scam already found.
pub fn deadlines(text: &str) -> Vec<Range<usize>> {
    const UNITS: &[&str] = &[
        "h",
        "hr",
        "hrs",
        "hour",
        "hours",
        "hora",
        "horas",
        "heure",
        "heures",
        "std",
        "stunde",
        "stunden",
        "час",
        "часа",
        "часов",
        "min",
        "mins",
        "minute",
        "minutes",
        "minuto",
        "minutos",
        "minuten",
        "минут",
        "минуты",
        "минуту",
        "мин",
    ];
    if digit_count(text) == 0 {
        return Vec::new();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts = bytes[i].is_ascii_digit()
            && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'.'));
        if !starts {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i - start > 3 {
            continue;
        }
        // A clock time: "23:59", "23h59".
        if i + 2 < bytes.len()
            && matches!(bytes[i], b':' | b'h')
            && bytes[i + 1].is_ascii_digit()
            && bytes[i + 2].is_ascii_digit()
            && bytes.get(i + 3).is_none_or(|b| !b.is_ascii_alphanumeric())
        {
            let hours: u32 = text[start..i].parse().unwrap_or(99);
            let minutes: u32 = text[i + 1..i + 3].parse().unwrap_or(99);
            if hours < 24 && minutes < 60 {
                out.push(start..i + 3);
                i += 3;
                continue;
            }
        }
        let mut u = i;
        while u < bytes.len() && bytes[u] == b' ' {
            u += 1;
        }
        let unit_end = text[u..]
            .char_indices()
            .find(|(_, c)| !c.is_alphabetic())
            .map_or(text.len(), |(at, _)| u + at);
        // An ASCII unit is compared in place; others lower-cased first.
        let unit = &text[u..unit_end];
        let known = if unit.is_ascii() {
            UNITS.iter().any(|w| unit.eq_ignore_ascii_case(w))
        } else {
            UNITS.contains(&unit.to_lowercase().as_str())
        };
        if known {
            out.push(start..unit_end);
            i = unit_end;
        }
    }
    out
}

/// Money amounts: a number with a currency sign or code next to it ("25 USD", "$25",
/// "25$", "R$ 30", "500 руб").
pub fn amounts(text: &str) -> Vec<Range<usize>> {
    const MARKS: &[&str] = &[
        "usd",
        "us$",
        "$",
        "eur",
        "€",
        "euro",
        "gbp",
        "£",
        "dollar",
        "dólar",
        "dolar",
        "r$",
        "brl",
        "reais",
        "real",
        "rub",
        "руб",
        "₽",
        "mxn",
        "ars",
        "cop",
        "pln",
        "zł",
        "chf",
        "bucks",
        "доллар",
        "евро",
    ];
    let lower = text.to_lowercase();
    if lower.len() != text.len() {
        return amounts_unmapped(text);
    }
    let bytes = lower.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() || (i > 0 && bytes[i - 1].is_ascii_alphabetic()) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len()
            && (bytes[i].is_ascii_digit()
                || (matches!(bytes[i], b'.' | b',')
                    && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)))
        {
            i += 1;
        }
        let end = i;
        let after = lower[end..].trim_start();
        let before = lower[..start].trim_end();
        let is_money = MARKS
            .iter()
            .any(|m| after.starts_with(m) || before.ends_with(m));
        if is_money && end - start <= 9 {
            out.push(start..end);
        }
    }
    out
}

fn amounts_unmapped(text: &str) -> Vec<Range<usize>> {
    // Lower-casing changed byte lengths (rare letters): look on the original with a
    // case-insensitive comparison of ASCII marks and the exact non-ASCII ones.
    let mut out = Vec::new();
    for (start, _) in text.match_indices(|c: char| c.is_ascii_digit()) {
        if start > 0 && text.as_bytes()[start - 1].is_ascii_digit() {
            continue;
        }
        let end = text[start..]
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
            .map_or(text.len(), |e| start + e);
        let after = text[end..].trim_start().to_lowercase();
        let before = text[..start].trim_end().to_lowercase();
        if [
            "usd",
            "$",
            "eur",
            "€",
            "руб",
            "₽",
            "dollar",
            "reais",
            "доллар",
            "евро",
        ]
        .iter()
        .any(|m| after.starts_with(m) || before.ends_with(m))
        {
            out.push(start..end);
        }
    }
    out
}

/// Social handles such as `@shop_deals88` (an `@` not preceded by a letter or digit,
/// so not an e-mail address, then 3 to 30 letters, digits, `_` or `.`, at least one
/// of them a letter).
pub fn handles(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    for (at, _) in text.match_indices('@') {
        if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'.') {
            continue;
        }
        let mut end = at + 1;
        while end < bytes.len()
            && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_' || bytes[end] == b'.')
        {
            end += 1;
        }
        while end > at + 1 && bytes[end - 1] == b'.' {
            end -= 1;
        }
        let name = &text[at + 1..end];
        if (3..=30).contains(&name.len())
            && name.bytes().any(|b| b.is_ascii_alphabetic())
            && !(end < bytes.len() && bytes[end] == b'@')
        {
            out.push(at..end);
        }
    }
    out
}

/// E-mail addresses spelt out to get past filters: "name at gmail dot com",
/// "name (at) mail [dot] ru", "nombre arroba gmail punto com", "имя собака mail точка ru".
/// Each needs a word of [`SPELT_AT`] and one of [`SPELT_DOT`]: the message scanner
/// finds those with its lexicon and calls this only when both may be there.
pub fn spelt_emails(text: &str) -> Vec<Range<usize>> {
    // "at", "(at)", "[AT]" and "{at}" are one word.
    let spelt = |w: &str, list: &[&str]| {
        let w = w.trim_matches(|c| matches!(c, '(' | ')' | '[' | ']' | '{' | '}'));
        if w.len() > 12 {
            return false;
        }
        if w.is_ascii() {
            list.iter().any(|l| w.eq_ignore_ascii_case(l))
        } else {
            list.iter()
                .any(|l| w.len() == l.len() && w.chars().flat_map(char::to_lowercase).eq(l.chars()))
        }
    };
    // Words, with a bracketed part glued to its neighbours ("shop(at)web(dot)de") as a
    // word of its own.
    let mut words: Vec<(usize, &str)> = Vec::with_capacity(text.len() / 4);
    for w in text.split_whitespace() {
        let at = w.as_ptr() as usize - text.as_ptr() as usize;
        let mut from = 0;
        for (i, c) in w.char_indices() {
            let cut = match c {
                '(' | '[' | '{' => Some(i),
                ')' | ']' | '}' => Some(i + 1),
                _ => None,
            };
            if let Some(cut) = cut.filter(|&cut| cut > from) {
                words.push((at + from, &w[from..cut]));
                from = cut;
            }
        }
        if from < w.len() {
            words.push((at + from, &w[from..]));
        }
    }
    let mut out = Vec::new();
    let is_name = |w: &str| {
        w.chars().count() >= 2
            && w.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '+'))
    };
    let tld = |w: &str| {
        let w = w.trim_end_matches(|c: char| !c.is_alphanumeric());
        (2..=6).contains(&w.chars().count()) && w.chars().all(char::is_alphabetic)
    };
    for k in 0..words.len().saturating_sub(4) {
        let (start, name) = words[k];
        let (_, domain) = words[k + 2];
        let (tld_at, tld_word) = words[k + 4];
        if spelt(words[k + 1].1, SPELT_AT)
            && spelt(words[k + 3].1, SPELT_DOT)
            && is_name(name)
            && is_name(domain)
            && tld(tld_word)
        {
            let end = tld_at
                + tld_word
                    .trim_end_matches(|c: char| !c.is_alphanumeric())
                    .len();
            out.push(start..end);
        }
    }
    out
}

/// The words for "at" in a spelt e-mail address.
pub const SPELT_AT: &[&str] = &["at", "ät", "arroba", "arobase", "собака", "@"];

/// The words for "dot" in a spelt e-mail address.
pub const SPELT_DOT: &[&str] = &["dot", "punto", "ponto", "point", "punkt", "точка", "."];

/// Whether `text` has a "." standing alone between spaces or brackets, a word of
/// [`SPELT_DOT`] that no lexicon sees (it folds to nothing).
pub fn lone_dot(text: &str) -> bool {
    let bytes = text.as_bytes();
    // A separator as `split_whitespace` and the bracket cuts see it; any non-ASCII
    // byte counts, for the Unicode spaces.
    let apart = |b: Option<&u8>| {
        b.is_none_or(|&b| {
            b >= 0x80
                || matches!(
                    b,
                    b' ' | b'\t'
                        | b'\n'
                        | b'\r'
                        | 0x0B
                        | 0x0C
                        | b'('
                        | b')'
                        | b'['
                        | b']'
                        | b'{'
                        | b'}'
                )
        })
    };
    memchr::memchr_iter(b'.', bytes)
        .any(|at| apart(at.checked_sub(1).map(|p| &bytes[p])) && apart(bytes.get(at + 1)))
}

/// E-mail addresses typed one letter at a time ("m a r i . t i e n d a @ g m a i l .
/// c o m"): the spaces are taken out and the result searched again.
pub fn spaced_out_emails(text: &str) -> Vec<Range<usize>> {
    if !text.contains('@') {
        return Vec::new();
    }
    let singles = text
        .split_whitespace()
        .filter(|w| w.chars().count() == 1)
        .count();
    if singles < 8 || !text.contains('.') {
        return Vec::new();
    }
    let mut squeezed = String::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len() + 1);
    for (at, c) in text.char_indices() {
        if c.is_whitespace() {
            continue;
        }
        for _ in 0..c.len_utf8() {
            origin.push(at);
        }
        squeezed.push(c);
    }
    origin.push(text.len());
    let mut finder = LinkFinder::new();
    finder.kinds(&[LinkKind::Email]);
    finder
        .links(&squeezed)
        .map(|l| {
            let last = origin[l.end() - 1];
            let end = last + text[last..].chars().next().map_or(1, char::len_utf8);
            origin[l.start()]..end
        })
        .collect()
}

/// A link or e-mail address found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Bytes of the original text.
    pub span: Range<usize>,
    /// The link as written, defanging undone ("hxxp" → "http", "[.]" → ".").
    pub text: String,
    pub email: bool,
}

/// Links (with or without a scheme) and e-mail addresses, also when defanged.
pub fn links(text: &str) -> Vec<Found> {
    // Most messages have no link at all: no dot, no "@", nothing defanged.
    let marked = |b: &u8| matches!(b, b'.' | b'@' | b'[' | b'(');
    if !text.as_bytes().iter().any(marked) && !text.contains("://") {
        return Vec::new();
    }
    let refanged = Refanged::new(text);
    let mut finder = LinkFinder::new();
    finder.url_must_have_scheme(false);
    finder.kinds(&[LinkKind::Url, LinkKind::Email]);
    finder
        .links(&refanged.text)
        .filter_map(|link| {
            let email = *link.kind() == LinkKind::Email;
            let s = link.as_str();
            if !email && !s.contains("://") && !plausible_bare_domain(s) {
                return None;
            }
            Some(Found {
                span: refanged.original(link.start()..link.end()),
                text: s.to_string(),
                email,
            })
        })
        .collect()
}

/// A bare "word.word" is a link only when it ends in a known public suffix and is
/// not a number ("1.5kg") or an abbreviation.
fn plausible_bare_domain(s: &str) -> bool {
    let host = s.split(['/', '?', '#', ':']).next().unwrap_or(s);
    // "192.0.2.44/login": an address with a path is a link, a bare one may be a version.
    if host.parse::<std::net::Ipv4Addr>().is_ok() {
        return s.len() > host.len();
    }
    if host.len() < 4 || !host.contains('.') || host.starts_with('.') {
        return false;
    }
    let lower = host.to_ascii_lowercase();
    psl::suffix(lower.as_bytes()).is_some_and(|suffix| suffix.is_known())
        && psl::domain(lower.as_bytes()).is_some()
}

/// `text` with defanging undone ("hxxp" → "http", "[.]" → ".", "[at]" → "@").
pub fn refang(text: &str) -> String {
    Refanged::new(text).text.into_owned()
}

/// Defanged forms and what they stand for, tried in this order.
const SWAPS: &[(&str, &str)] = &[
    ("hxxps", "https"),
    ("hxxp", "http"),
    ("[.]", "."),
    ("(.)", "."),
    ("{.}", "."),
    ("[dot]", "."),
    ("(dot)", "."),
    ("[:]", ":"),
    ("[at]", "@"),
    ("(at)", "@"),
    ("{at}", "@"),
    ("[arroba]", "@"),
    ("[ponto]", "."),
    ("[punto]", "."),
];

/// Whether a swap of [`SWAPS`] may start at byte `b` (in any case): the text between
/// such bytes is copied as it is.
fn starts_swap(b: &u8) -> bool {
    matches!(b, b'h' | b'H' | b'[' | b'(' | b'{')
}

/// Defanged links made clickable again, with a map back to the original bytes.
struct Refanged<'a> {
    text: std::borrow::Cow<'a, str>,
    /// Original byte offset for each byte of `text`, plus one for the end; `None`
    /// when nothing was defanged and each byte is where it was.
    origin: Option<Vec<usize>>,
}

impl<'a> Refanged<'a> {
    fn new(text: &'a str) -> Refanged<'a> {
        // Defanged when one of these is written somewhere (any case): "hxxp", or a
        // bracketed dot, colon or at.
        const BRACKETED: &[&str] = &[
            "[.]", "(.)", "[dot]", "(dot)", "{.}", "[:]", "[at]", "(at)", "[arroba]",
        ];
        let bytes = text.as_bytes();
        let written = |i: usize, from: &str| {
            bytes
                .get(i..i + from.len())
                .is_some_and(|b| b.eq_ignore_ascii_case(from.as_bytes()))
        };
        // "hxxp" looked for at its "xx": an "x" is rarer than an "h".
        let defanged = memchr::memchr2_iter(b'x', b'X', bytes)
            .any(|i| i > 0 && written(i - 1, "hxxp"))
            || memchr::memchr3_iter(b'[', b'(', b'{', bytes)
                .any(|i| BRACKETED.iter().any(|t| written(i, t)));
        if !defanged {
            return Refanged {
                text: text.into(),
                origin: None,
            };
        }
        let mut out = String::with_capacity(text.len());
        let mut origin = Vec::with_capacity(text.len() + 1);
        let mut i = 0;
        'outer: while i < text.len() {
            if !starts_swap(&bytes[i]) {
                let next = bytes[i..]
                    .iter()
                    .position(starts_swap)
                    .map_or(text.len(), |p| i + p);
                for (at, c) in text[i..next].char_indices() {
                    for _ in 0..c.len_utf8() {
                        origin.push(i + at);
                    }
                }
                out.push_str(&text[i..next]);
                i = next;
                continue;
            }
            for (from, to) in SWAPS {
                if written(i, from) && text.is_char_boundary(i + from.len()) {
                    for _ in 0..to.len() {
                        origin.push(i);
                    }
                    out.push_str(to);
                    i += from.len();
                    continue 'outer;
                }
            }
            let c = text[i..].chars().next().expect("in bounds");
            for _ in 0..c.len_utf8() {
                origin.push(i);
            }
            out.push(c);
            i += c.len_utf8();
        }
        origin.push(text.len());
        Refanged {
            text: out.into(),
            origin: Some(origin),
        }
    }

    fn original(&self, range: Range<usize>) -> Range<usize> {
        let Some(origin) = &self.origin else {
            return range;
        };
        let start = origin[range.start];
        // The end maps to the byte after the last original character used.
        let last = origin[range.end - 1];
        let end = origin[range.end].max(last + 1);
        start..end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Counting digits by chunks counts each ASCII digit once, in any text.
        #[test]
        fn digit_count_counts_ascii_digits(text in "[0-9a-zé٣ ]{0,700}") {
            proptest::prop_assert_eq!(
                digit_count(&text),
                text.bytes().filter(u8::is_ascii_digit).count()
            );
        }

        /// Refanging copies the text between swaps in runs: the same text and map
        /// as trying every swap at every character.
        #[test]
        fn refanging_in_runs_is_refanging_each_character(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "hxxps", "HXXP", "hxx", "h", "[.]", "(.)", "{.}", "[DOT]", "(dot)", "[:]",
                "[at]", "(At)", "{at}", "[arroba]", "[ponto]", "[punto]", "[", "(", "{",
                "shop", "é", "ж", "😊", " ", ".", "://", "x",
            ]), 0..12),
        ) {
            let text = parts.concat();
            let mut out = String::new();
            let mut origin = Vec::new();
            let mut i = 0;
            'chars: while i < text.len() {
                for (from, to) in SWAPS {
                    let written = text
                        .as_bytes()
                        .get(i..i + from.len())
                        .is_some_and(|b| b.eq_ignore_ascii_case(from.as_bytes()));
                    if written && text.is_char_boundary(i + from.len()) {
                        origin.extend(std::iter::repeat_n(i, to.len()));
                        out.push_str(to);
                        i += from.len();
                        continue 'chars;
                    }
                }
                let c = text[i..].chars().next().expect("in bounds");
                origin.extend(std::iter::repeat_n(i, c.len_utf8()));
                out.push(c);
                i += c.len_utf8();
            }
            origin.push(text.len());
            let refanged = Refanged::new(&text);
            match &refanged.origin {
                Some(map) => {
                    proptest::prop_assert_eq!(refanged.text.as_ref(), out.as_str());
                    proptest::prop_assert_eq!(map, &origin);
                }
                None => proptest::prop_assert_eq!(refanged.text.as_ref(), text.as_str()),
            }
        }
    }

    #[test]
    fn every_swap_starts_with_a_byte_looked_for() {
        for (from, _) in SWAPS {
            let first = from.as_bytes()[0];
            assert!(
                starts_swap(&first.to_ascii_lowercase())
                    && starts_swap(&first.to_ascii_uppercase()),
                "{from}"
            );
        }
    }

    #[test]
    fn cards_need_luhn_and_a_network_prefix() {
        let text = "card 4111 1111 1111 1111 and order 8123456789012345";
        let found = cards(text);
        assert_eq!(found.len(), 1);
        assert_eq!(&text[found[0].clone()], "4111 1111 1111 1111");
        assert!(cards("4111 1111 1111 1112").is_empty());
    }

    #[test]
    fn ibans_need_a_valid_checksum() {
        let text = "IBAN: DE89 3704 0044 0532 0130 00 thanks";
        let found = ibans(text);
        assert_eq!(found.len(), 1);
        assert_eq!(&text[found[0].clone()], "DE89 3704 0044 0532 0130 00");
        assert!(ibans("DE88 3704 0044 0532 0130 00").is_empty());
        assert_eq!(ibans("GB82WEST12345698765432").len(), 1);
    }

    #[test]
    fn phones_and_not_order_or_tracking_numbers() {
        let text = "call +34 612-345-678 about order 8123456789012345, tracking LP00123456789012";
        let found = phones(text, None, false);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(&text[found[0].span.clone()], "+34 612-345-678");
        assert_eq!(found[0].number, "+34612345678");
        let ru = "мой номер +7 (916) 123-45-67";
        let found = phones(ru, Some("ru"), true);
        assert_eq!(&ru[found[0].span.clone()], "+7 (916) 123-45-67");
        assert!(phones("RB123456785GB", None, true).is_empty());
    }

    /// The next number of a fixed xorshift sequence.
    fn next(x: &mut u64) -> u64 {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        *x
    }

    /// A run of 7 to 15 digits from the sequence.
    fn digit_run(x: &mut u64) -> String {
        let x = next(x);
        let len = 7 + (x % 9) as usize;
        format!("{:015}", x % 1_000_000_000_000_000)[..len].to_string()
    }

    #[test]
    fn the_national_prefilter_never_drops_a_valid_number() {
        use phonenumber::country::Id::*;
        let mut candidates: Vec<String> = Vec::new();
        for region in [
            US, GB, IN, AU, ES, MX, AR, CO, BR, PT, FR, BE, CA, DE, AT, CH, RU, UA, BY, KZ,
        ] {
            let meta = phonenumber::metadata::DATABASE
                .by_id(region.as_ref())
                .unwrap();
            let d = meta.descriptors();
            for example in [d.mobile(), d.fixed_line(), d.toll_free()]
                .into_iter()
                .flatten()
                .filter_map(|x| x.example())
            {
                candidates.push(example.to_string());
                if let Some(prefix) = meta.national_prefix() {
                    candidates.push(format!("{prefix}{example}"));
                }
            }
        }
        // And digit runs of every length from a fixed pseudo-random sequence.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..3000 {
            candidates.push(digit_run(&mut x));
        }
        let mut valid = 0;
        for digits in &candidates {
            for region in regions(None).iter().chain(regions(Some("es"))) {
                let parsed = phonenumber::parse(Some(*region), digits)
                    .ok()
                    .filter(phonenumber::is_valid);
                if parsed.is_some() {
                    valid += 1;
                    assert!(may_be_national(*region, digits), "{digits} in {region:?}");
                }
            }
        }
        assert!(valid > 100, "only {valid} valid numbers in the sample");
    }

    #[test]
    fn our_phone_validation_and_e164_agree_with_the_crate() {
        enlarge_phone_regex_cache();
        let mut numbers: Vec<String> = Vec::new();
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for meta in phonenumber::metadata::DATABASE.iter() {
            let d = meta.descriptors();
            let code = meta.country_code();
            for example in [
                Some(d.general()),
                d.fixed_line(),
                d.mobile(),
                d.toll_free(),
                d.premium_rate(),
                d.voip(),
                d.uan(),
            ]
            .into_iter()
            .flatten()
            .filter_map(|x| x.example())
            {
                numbers.push(format!("+{code}{example}"));
                // A digit changed, one added, one taken away.
                next(&mut x);
                let mut changed: Vec<u8> = example.bytes().collect();
                let at = (x % changed.len() as u64) as usize;
                changed[at] = b'0' + ((changed[at] - b'0' + 1 + (x >> 8) as u8 % 9) % 10);
                numbers.push(format!("+{code}{}", String::from_utf8(changed).unwrap()));
                numbers.push(format!("+{code}{example}{}", x % 10));
                numbers.push(format!("+{code}{}", &example[..example.len() - 1]));
                if let Some(prefix) = meta.national_prefix() {
                    numbers.push(format!("+{code}{prefix}{example}"));
                }
            }
        }
        for _ in 0..3000 {
            numbers.push(format!("+{}", digit_run(&mut x)));
        }
        let mut valid = 0;
        let mut invalid = 0;
        for n in &numbers {
            let Ok(parsed) = phonenumber::parse(None, n) else {
                continue;
            };
            let expected = phonenumber::is_valid(&parsed);
            assert_eq!(is_valid_phone(&parsed), expected, "{n}");
            if expected {
                assert_eq!(
                    format!("+{}{}", parsed.code().value(), parsed.national()),
                    parsed.format().mode(phonenumber::Mode::E164).to_string(),
                );
                valid += 1;
            } else {
                invalid += 1;
            }
        }
        assert!(
            valid > 500 && invalid > 500,
            "{valid} valid, {invalid} invalid"
        );
    }

    #[test]
    fn spelt_and_defanged() {
        let text = "mail me: shop.deals at gmail dot com";
        let found = spelt_emails(text);
        assert_eq!(&text[found[0].clone()], "shop.deals at gmail dot com");
        let text = "go to hxxp://aliexpress-refund[.]com/claim now";
        let found = links(text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].text, "http://aliexpress-refund.com/claim");
        assert_eq!(
            &text[found[0].span.clone()],
            "hxxp://aliexpress-refund[.]com/claim"
        );
        let found = links("see aliexpress.com/item/1.html or 1.5kg");
        assert_eq!(found.len(), 1);
        assert_eq!(
            handles("add @shop_deals88 on insta, mail a@b.com"),
            vec![4..17]
        );
    }

    #[test]
    fn disguised_numbers_and_addresses() {
        let text = "mail: shop.berlin(ät)web(punkt)de or opt.china собака яндекс точка ру";
        let found: Vec<&str> = spelt_emails(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(
            found,
            [
                "shop.berlin(ät)web(punkt)de",
                "opt.china собака яндекс точка ру"
            ]
        );
        assert_eq!(cards("card 5425.4994.5206.7838 exp").len(), 1);
        assert_eq!(ibans("pay GB82-WEST-1234-5698-7654-32 now").len(), 1);
        let found = links("click 192.0.2.44/aliexpress/litige, version 1.2.3.4");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].text, "192.0.2.44/aliexpress/litige");
    }

    #[test]
    fn deadlines_are_hours_minutes_and_clock_times() {
        let text = "pay within 12h or in 30 min, before 23:59 or 23h59; 24 Stunden, 15 минут";
        let found: Vec<&str> = deadlines(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(
            found,
            ["12h", "30 min", "23:59", "23h59", "24 Stunden", "15 минут"]
        );
        assert!(deadlines("ships in 3 days, size 42, model X200h, 1.5h, 25:99").is_empty());
    }

    #[test]
    fn amounts_have_a_currency() {
        let text = "pay 25 USD or $30 or 500 руб, size 42";
        assert_eq!(amounts(text).len(), 3);
    }
}
