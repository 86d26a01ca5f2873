//! The link scanner: where does a URL really go, and does it pose as a brand?
//!
//! A URL is parsed with `url` (IDNA applied), its registrable domain comes from the
//! public suffix list (`psl`), and its labels are compared with a list of protected
//! brands and their official domains (`data/brands.toml`, replaceable by
//! configuration). Look-alikes are found by the edits that typo-squatting generators
//! make (one letter added, left out, repeated, replaced, swapped, a vowel swapped, one
//! bit flipped, look-alike letters from other scripts or digits, hyphens, another
//! TLD, the brand plus words such as "-refund", the brand as a subdomain of another
//! site), and by tricks that hide the destination (user-info before an `@`, IP hosts,
//! URL shorteners, punycode and mixed-script names).

use std::collections::HashSet;

use aho_corasick::AhoCorasick;
use serde::Deserialize;
use unicode_security::MixedScript;

use crate::fold::fold_char;
use crate::{Assessment, Finding, Kind, Severity, Thresholds};

/// A brand that scammers imitate, with the domains that really belong to it.
#[derive(Debug, Clone, Deserialize)]
pub struct Brand {
    pub name: String,
    pub domains: Vec<String>,
    /// Whether one-letter typos of the name count as look-alikes; off for names
    /// that are everyday words ("wish", "visa", "apple"), whose typos are other
    /// words and other companies.
    #[serde(default = "yes")]
    pub typos: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
struct BrandFile {
    brand: Vec<Brand>,
}

/// The brand list shipped with marketguard.
pub const BUILTIN_BRANDS: &str = include_str!("../data/brands.toml");
/// URL shorteners: a short link hides where it goes.
const SHORTENERS: &str = include_str!("../data/shorteners.txt");
/// Hosts of chat apps' contact links (wa.me, t.me...).
const MESSENGERS: &[&str] = &[
    "wa.me",
    "api.whatsapp.com",
    "chat.whatsapp.com",
    "whatsapp.com",
    "t.me",
    "telegram.me",
    "telegram.dog",
    "m.me",
    "viber.me",
    "invite.viber.com",
    "line.me",
    "u.wechat.com",
    "weixin.qq.com",
    "signal.me",
];
/// Words that scammers put beside a brand's name.
const LURE_WORDS: &[&str] = &[
    "support",
    "refund",
    "secure",
    "security",
    "login",
    "signin",
    "verify",
    "verification",
    "account",
    "help",
    "helpdesk",
    "service",
    "services",
    "pay",
    "payment",
    "order",
    "orders",
    "delivery",
    "shipping",
    "track",
    "tracking",
    "official",
    "center",
    "centre",
    "club",
    "gift",
    "promo",
    "bonus",
    "prize",
    "claim",
    "update",
    "confirm",
    "customer",
    "care",
    "online",
    "store",
    "shop",
    "sale",
    "deals",
    "app",
    "id",
    "auth",
    "wallet",
    "reembolso",
    "soporte",
    "suporte",
    "remboursement",
    "erstattung",
    "vozvrat",
    "team",
    "dispute",
    "cashback",
];

/// What the link scanner needs: the protected brands and the verdict thresholds.
#[derive(Debug, Clone)]
pub struct LinkScanner {
    brands: Vec<Brand>,
    /// For each brand: its name and the names of its official domains (five
    /// letters or more), the words a look-alike is made from.
    names: Vec<Vec<Name>>,
    /// Every name and official domain, to find the brands whose words occur inside
    /// a host name with one pass instead of one search per name.
    parts: AhoCorasick,
    /// The brand of each pattern of `parts`.
    part_brand: Vec<usize>,
    /// Every official registrable domain.
    official: HashSet<String>,
    shorteners: HashSet<&'static str>,
    thresholds: Thresholds,
}

/// A word a look-alike is made from, with its length in bytes and in characters.
#[derive(Debug, Clone)]
struct Name {
    text: String,
    chars: usize,
    /// [`letters`] of `text`.
    letters: u64,
}

/// The characters of `s` as a set of 64 bits (code point modulo 64). Each edit
/// changes the counts of at most two characters, so two strings [`edit`] can relate
/// differ in at most four of these bits: most labels are ruled out by one test.
fn letters(s: &str) -> u64 {
    s.chars().fold(0, |set, c| set | 1 << (u32::from(c) % 64))
}

/// Whether strings with character sets `a` and `b` may be within [`edit`]'s reach.
fn may_edit(a: u64, b: u64) -> bool {
    (a ^ b).count_ones() <= 4
}

/// What the scanner found about one URL.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkReport {
    pub assessment: Assessment,
    /// The registrable domain (eTLD+1) in ASCII, when the host has one.
    pub registrable_domain: Option<String>,
    /// The official domain of the brand this link poses as.
    pub impersonates: Option<String>,
    /// The link leads to a chat app's contact page (wa.me, t.me...).
    pub messenger: bool,
    /// The brand's own domain.
    pub official: bool,
}

/// A brand list that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("brand list: {0}")]
pub struct BrandsError(String);

impl Default for LinkScanner {
    fn default() -> Self {
        LinkScanner::new(BUILTIN_BRANDS, Thresholds::default())
            .expect("the built-in brand list is valid (tested)")
    }
}

impl LinkScanner {
    /// A scanner for the brands in `brands_toml` (the format of `data/brands.toml`).
    pub fn new(brands_toml: &str, thresholds: Thresholds) -> Result<LinkScanner, BrandsError> {
        let file: BrandFile =
            toml::from_str(brands_toml).map_err(|e| BrandsError(e.to_string()))?;
        let mut official = HashSet::new();
        for (i, brand) in file.brand.iter().enumerate() {
            if brand.name.trim().is_empty() || brand.domains.is_empty() {
                return Err(BrandsError(format!(
                    "brand {} needs a name and at least one domain",
                    i + 1
                )));
            }
            for d in &brand.domains {
                official.insert(d.to_ascii_lowercase());
            }
        }
        let names: Vec<Vec<Name>> = file
            .brand
            .iter()
            .map(|brand| {
                let mut names = vec![brand.name.to_ascii_lowercase()];
                for d in &brand.domains {
                    let d = d.to_ascii_lowercase();
                    let suffix = psl::suffix_str(&d).unwrap_or("");
                    let label = d.strip_suffix(suffix).unwrap_or(&d).trim_end_matches('.');
                    let label = label.rsplit('.').next().unwrap_or(label);
                    if label.len() >= 5 && !label.contains('-') && !names.iter().any(|n| n == label)
                    {
                        names.push(label.to_string());
                    }
                }
                names
                    .into_iter()
                    .map(|text| Name {
                        chars: text.chars().count(),
                        letters: letters(&text),
                        text,
                    })
                    .collect()
            })
            .collect();
        let mut patterns = Vec::new();
        let mut part_brand = Vec::new();
        for (b, brand) in file.brand.iter().enumerate() {
            let domains = brand.domains.iter().map(|d| d.to_ascii_lowercase());
            for part in names[b].iter().map(|n| n.text.clone()).chain(domains) {
                patterns.push(part);
                part_brand.push(b);
            }
        }
        let parts = AhoCorasick::new(&patterns).map_err(|e| BrandsError(e.to_string()))?;
        Ok(LinkScanner {
            names,
            parts,
            part_brand,
            brands: file.brand,
            official,
            shorteners: SHORTENERS
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .collect(),
            thresholds,
        })
    }

    /// Scans one URL, with or without a scheme, defanged or not.
    pub fn scan(&self, raw: &str) -> LinkReport {
        let mut signals = Vec::new();
        let mut impersonates: Option<usize> = None;
        let refanged = refang(raw.trim());
        let with_scheme = if refanged.contains("://") {
            refanged.clone()
        } else {
            format!("http://{refanged}")
        };
        let parsed = url::Url::parse(&with_scheme);
        let empty = |signals| LinkReport {
            assessment: Assessment::combine(signals, &self.thresholds),
            registrable_domain: None,
            impersonates: None,
            messenger: false,
            official: false,
        };
        let Ok(url) = parsed else {
            return empty(signals);
        };
        if !matches!(url.scheme(), "http" | "https") {
            return empty(signals);
        }
        let host = match url.host() {
            Some(url::Host::Domain(d)) => d.trim_end_matches('.').to_ascii_lowercase(),
            Some(url::Host::Ipv4(_)) | Some(url::Host::Ipv6(_)) => {
                let brand = self
                    .brand_in_text(url.username())
                    .or_else(|| self.brand_in_text(url.path()));
                signals.push(Finding::new(
                    Kind::PhishingLink,
                    if brand.is_some() { Severity::Critical } else { Severity::High },
                    0.85,
                    raw,
                    match brand {
                        Some(b) => format!(
                            "goes to a bare IP address, not a named site, and names {} in its path",
                            self.brands[b].name
                        ),
                        None => "goes to a bare IP address, not a named site: shops and platforms never send those".to_string(),
                    },
                ));
                let mut report = empty(signals);
                report.impersonates = brand.map(|b| self.brands[b].domains[0].clone());
                return report;
            }
            None => return empty(signals),
        };
        let registrable = psl::domain_str(&host).map(str::to_string);
        let suffix = psl::suffix_str(&host).unwrap_or("");

        // The user-info trick: https://aliexpress.com@evil.example/...
        if !url.username().is_empty() || url.password().is_some() {
            let shown = url.username();
            let brand = self.brand_in_text(shown);
            signals.push(Finding::new(
                Kind::PhishingLink,
                Severity::Critical,
                0.95,
                raw,
                format!(
                    "the part before '@' ({shown}) is decoration: the link really goes to {host}"
                ),
            ));
            if brand.is_some() {
                impersonates = brand;
            }
        }

        let official = registrable
            .as_deref()
            .is_some_and(|r| self.official.contains(r));
        if official && signals.is_empty() {
            return LinkReport {
                assessment: Assessment::combine(vec![], &self.thresholds),
                registrable_domain: registrable,
                impersonates: None,
                messenger: false,
                official: true,
            };
        }

        if MESSENGERS.contains(&host.as_str())
            || registrable
                .as_deref()
                .is_some_and(|r| MESSENGERS.contains(&r) && r != "whatsapp.com")
        {
            signals.push(Finding::new(
                Kind::OffsiteContact,
                Severity::High,
                0.85,
                raw,
                format!(
                    "a chat-app contact link ({host}): talks there are outside buyer protection"
                ),
            ));
            let mut report = LinkReport {
                assessment: Assessment::combine(signals, &self.thresholds),
                registrable_domain: registrable,
                impersonates: None,
                messenger: true,
                official: false,
            };
            report.impersonates = impersonates.map(|b| self.brands[b].domains[0].clone());
            return report;
        }

        if registrable
            .as_deref()
            .is_some_and(|r| self.shorteners.contains(r) || self.shorteners.contains(host.as_str()))
        {
            signals.push(Finding::new(
                Kind::PhishingLink,
                Severity::Medium,
                0.6,
                raw,
                format!("a shortened link ({host}) hides where it really goes"),
            ));
        }

        // Names in other scripts: punycode and mixed scripts.
        let unicode_host = if host.contains("xn--") {
            idna::domain_to_unicode(&host).0
        } else {
            host.clone()
        };
        let punycode = host.split('.').any(|l| l.starts_with("xn--"));
        let mixed = unicode_host
            .split('.')
            .any(|label| !label.is_ascii() && !label.is_single_script());
        if mixed {
            signals.push(Finding::new(
                Kind::PhishingLink,
                Severity::High,
                0.85,
                raw,
                format!("the name {unicode_host} mixes letters of different alphabets, a trick to look like another site"),
            ));
        } else if punycode && !unicode_host.is_ascii() {
            signals.push(Finding::new(
                Kind::PhishingLink,
                Severity::Low,
                0.35,
                raw,
                format!("an internationalised name ({unicode_host})"),
            ));
        }

        if !official {
            if let Some((b, technique)) =
                self.look_alike(&host, &unicode_host, registrable.as_deref(), suffix)
            {
                impersonates = Some(b);
                let brand = &self.brands[b];
                signals.push(Finding::new(
                    Kind::PhishingLink,
                    Severity::Critical,
                    technique.score(),
                    raw,
                    format!(
                        "{host} is not {}'s: {}",
                        brand.domains[0],
                        technique.explain(&brand.name)
                    ),
                ));
            }
        }

        LinkReport {
            assessment: Assessment::combine(signals, &self.thresholds),
            registrable_domain: registrable,
            impersonates: impersonates.map(|b| self.brands[b].domains[0].clone()),
            messenger: false,
            official,
        }
    }

    /// A brand whose name appears in `text` (a path, a user-info part).
    fn brand_in_text(&self, text: &str) -> Option<usize> {
        let lower = text.to_ascii_lowercase();
        self.brands
            .iter()
            .position(|b| b.name.len() >= 4 && lower.contains(&b.name))
    }

    fn look_alike(
        &self,
        host: &str,
        unicode_host: &str,
        registrable: Option<&str>,
        suffix: &str,
    ) -> Option<(usize, Technique)> {
        let registrable = registrable?;
        // Government, education and military names are not for sale.
        if suffix
            .split('.')
            .any(|part| matches!(part, "gov" | "edu" | "mil" | "gob" | "gouv"))
        {
            return None;
        }
        let label_ascii = registrable
            .strip_suffix(suffix)
            .map(|l| l.trim_end_matches('.'))
            .unwrap_or(registrable);
        // The registrable label as it looks: Unicode, look-alike letters and digits
        // replaced.
        let unicode_registrable = unicode_host
            .rsplitn(suffix.split('.').count() + 2, '.')
            .nth(suffix.split('.').count())
            .unwrap_or(label_ascii)
            .to_string();
        let looks = visual(&unicode_registrable);
        let plain: String = label_ascii.chars().filter(|c| *c != '-').collect();
        let subdomain = host
            .strip_suffix(registrable)
            .map(|s| s.trim_end_matches('.'))
            .unwrap_or("");
        let sub_labels: Vec<&str> = subdomain
            .split(['.', '-'])
            .filter(|s| !s.is_empty())
            .collect();
        let words: Vec<String> = label_ascii
            .split(['-', '_'])
            .filter(|w| !w.is_empty())
            .map(visual)
            .collect();
        let words: Vec<(&str, u64)> = words.iter().map(|w| (w.as_str(), letters(w))).collect();
        let (plain_letters, looks_letters) = (letters(&plain), letters(&looks));
        let unicode_chars = unicode_registrable.chars().count();

        // Every rule below needs a name inside one of these strings or a name of
        // about the same length as one of them: find those brands first.
        let mut inside = vec![false; self.brands.len()];
        let strings = [label_ascii, plain.as_str(), looks.as_str(), subdomain];
        for hay in strings.into_iter().chain(words.iter().map(|(w, _)| *w)) {
            for m in self.parts.find_overlapping_iter(hay) {
                inside[self.part_brand[m.pattern().as_usize()]] = true;
            }
        }
        let near = |len: usize| {
            [label_ascii.len(), plain.len(), looks.len(), unicode_chars]
                .into_iter()
                .chain(words.iter().map(|(w, _)| w.len()))
                .any(|l| l.abs_diff(len) <= 2)
        };

        let mut best: Option<(usize, Technique)> = None;
        let mut consider = |b: usize, t: Technique| {
            if best.as_ref().is_none_or(|(_, old)| t.score() > old.score()) {
                best = Some((b, t));
            }
        };
        for (b, brand) in self.brands.iter().enumerate() {
            for Name {
                text: name,
                chars: n,
                letters,
            } in &self.names[b]
            {
                let (name, n, letters) = (name.as_str(), *n, *letters);
                if !inside[b] && !near(n) && !near(name.len()) {
                    continue;
                }
                // Equal to a label, inside one, or a subdomain: only where the name
                // or a domain of the brand occurs.
                if inside[b] {
                    if label_ascii == name || plain == name && label_ascii.contains('-') {
                        consider(
                            b,
                            if label_ascii == name {
                                Technique::TldSwap
                            } else {
                                Technique::Hyphenation
                            },
                        );
                        continue;
                    }
                    if looks == name && unicode_registrable != name {
                        consider(b, Technique::Homoglyph);
                        continue;
                    }
                    // The brand's name as a subdomain of another site.
                    if !subdomain.is_empty()
                        && (sub_labels.contains(&name)
                            || (n >= 5 && sub_labels.iter().any(|l| find(l, name).is_some()))
                            || brand.domains.iter().any(|d| find(subdomain, d).is_some()))
                    {
                        consider(b, Technique::BrandSubdomain);
                        continue;
                    }
                    // The brand with words around it.
                    let has_word = words.len() > 1 && words.iter().any(|(w, _)| *w == name);
                    let glued = n >= 5
                        && (plain.len() > n || looks.len() > n)
                        && [&plain, &looks].iter().any(|l| {
                            find(l, name).is_some_and(|at| {
                                let rest = format!("{}{}", &l[..at], &l[at + name.len()..]);
                                !rest.is_empty()
                                    && (n >= 7
                                        || LURE_WORDS.contains(&rest.as_str())
                                        || rest.chars().all(|c| c.is_ascii_digit()))
                            })
                        });
                    let glued_short = n >= 3
                        && plain.len() > n
                        && (plain.starts_with(name) && LURE_WORDS.contains(&&plain[n..])
                            || plain.ends_with(name)
                                && LURE_WORDS.contains(&&plain[..plain.len() - n]));
                    if has_word || glued || glued_short {
                        consider(b, Technique::BrandWords);
                        continue;
                    }
                }
                // A misspelt brand with words around it ("aliexpres-refund").
                if n >= 5
                    && words.len() > 1
                    && words.iter().any(|&(w, set)| {
                        w.len().abs_diff(n) <= 2
                            && may_edit(set, letters)
                            && edit(w, name).is_some()
                    })
                {
                    consider(b, Technique::BrandWords);
                    continue;
                }
                if n < 4 {
                    continue;
                }
                // Letters of another script that TR39 does not map ("т" for "t").
                if !unicode_registrable.is_ascii()
                    && unicode_registrable.chars().count() == n
                    && unicode_registrable
                        .chars()
                        .zip(name.chars())
                        .all(|(a, b)| a == b || !a.is_ascii())
                {
                    consider(b, Technique::Homoglyph);
                    continue;
                }
                if !brand.typos {
                    continue;
                }
                // One or two edits away.
                if let Some(t) = may_edit(plain_letters, letters)
                    .then(|| edit(&plain, name))
                    .flatten()
                {
                    if n >= 4 {
                        consider(b, t);
                        continue;
                    }
                }
                if looks != plain && may_edit(looks_letters, letters) {
                    if let Some(t) = edit(&looks, name) {
                        if n >= 5 {
                            consider(b, t);
                        }
                    }
                }
            }
        }
        best
    }
}

/// How a look-alike name was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Technique {
    Addition,
    Omission,
    Repetition,
    Replacement,
    VowelSwap,
    BitFlip,
    Transposition,
    Homoglyph,
    Hyphenation,
    TldSwap,
    BrandWords,
    BrandSubdomain,
    TwoEdits,
}

impl Technique {
    fn score(self) -> f64 {
        match self {
            Technique::TwoEdits => 0.75,
            Technique::Addition | Technique::Omission | Technique::Replacement => 0.85,
            Technique::BrandWords => 0.85,
            _ => 0.9,
        }
    }

    fn explain(self, brand: &str) -> String {
        match self {
            Technique::Addition => format!("one letter added to \"{brand}\""),
            Technique::Omission => format!("one letter left out of \"{brand}\""),
            Technique::Repetition => format!("a letter of \"{brand}\" doubled"),
            Technique::Replacement => format!("one letter of \"{brand}\" replaced"),
            Technique::VowelSwap => format!("a vowel of \"{brand}\" swapped"),
            Technique::BitFlip => format!("one letter of \"{brand}\" a bit flip away"),
            Technique::Transposition => format!("two letters of \"{brand}\" swapped"),
            Technique::Homoglyph => {
                format!("look-alike letters or digits spell \"{brand}\"")
            }
            Technique::Hyphenation => format!("\"{brand}\" split by a hyphen"),
            Technique::TldSwap => {
                format!("\"{brand}\" under a domain ending the brand does not use")
            }
            Technique::BrandWords => {
                format!("\"{brand}\" with extra words, a site the brand does not own")
            }
            Technique::BrandSubdomain => {
                format!("\"{brand}\" is only a subdomain of another site")
            }
            Technique::TwoEdits => format!("two letters away from \"{brand}\""),
        }
    }
}

/// What a label looks like: folded, TR39 skeleton of other scripts, digits that pass
/// for letters; hyphens dropped.
fn visual(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    for c in label.chars() {
        if c == '-' {
            continue;
        }
        let mapped = match c {
            '0' => Some('o'),
            '1' | '!' | '|' => Some('l'),
            '3' => Some('e'),
            '4' | '@' => Some('a'),
            '5' | '$' => Some('s'),
            '7' => Some('t'),
            _ => None,
        };
        if let Some(m) = mapped {
            out.push(m);
        } else if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            let skeleton: String =
                unicode_security::confusable_detection::skeleton(c.encode_utf8(&mut [0; 4]))
                    .collect();
            if skeleton.chars().all(|s| s.is_ascii_alphanumeric()) && !skeleton.is_empty() {
                out.extend(skeleton.chars().map(|s| s.to_ascii_lowercase()));
            } else {
                fold_char(c, &mut out);
            }
        }
    }
    // "rn" passes for "m", "vv" for "w".
    if out.contains("rn") || out.contains("vv") {
        out = out.replace("rn", "m").replace("vv", "w");
    }
    out
}

/// Where `needle` first occurs in `hay`. Host names and brand names are a few bytes
/// long: a plain scan costs less than setting up the standard library's searcher.
fn find(hay: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return (needle.is_empty()).then_some(0);
    }
    let needle = needle.as_bytes();
    hay.as_bytes()
        .windows(needle.len())
        .position(|w| w[0] == needle[0] && w == needle)
}

/// The single edit (or two, for long names) that turns `name` into `label`.
fn edit(label: &str, name: &str) -> Option<Technique> {
    if label.len().abs_diff(name.len()) > 2 || label == name {
        return None;
    }
    if label.is_ascii() && name.is_ascii() {
        return edit_units(label.as_bytes(), name.as_bytes());
    }
    let a: Vec<u32> = label.chars().map(u32::from).collect();
    let b: Vec<u32> = name.chars().map(u32::from).collect();
    edit_units(&a, &b)
}

/// Characters as numbers: bytes of ASCII names, code points of the others.
trait Unit: Copy + Eq + Into<u32> {}
impl Unit for u8 {}
impl Unit for u32 {}

fn edit_units<T: Unit>(a: &[T], b: &[T]) -> Option<Technique> {
    let vowel = |c: T| char::from_u32(c.into()).is_some_and(|c| "aeiouy".contains(c));
    let first_diff = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    if a.len() == b.len() + 1 {
        let i = first_diff;
        if a[i + 1..] == b[i..] {
            let removed = a[i];
            let repeated = (i > 0 && a[i - 1] == removed) || a.get(i + 1) == Some(&removed);
            return Some(if repeated {
                Technique::Repetition
            } else {
                Technique::Addition
            });
        }
    } else if a.len() + 1 == b.len() {
        let i = first_diff;
        if a[i..] == b[i + 1..] {
            return Some(Technique::Omission);
        }
    } else if a.len() == b.len() {
        let i = first_diff;
        if i < a.len() {
            if a[i + 1..] == b[i + 1..] {
                let (x, y): (u32, u32) = (a[i].into(), b[i].into());
                return Some(if vowel(a[i]) && vowel(b[i]) {
                    Technique::VowelSwap
                } else if x < 128 && y < 128 && (x ^ y).count_ones() == 1 {
                    Technique::BitFlip
                } else {
                    Technique::Replacement
                });
            }
            if i + 1 < a.len() && a[i] == b[i + 1] && a[i + 1] == b[i] && a[i + 2..] == b[i + 2..] {
                return Some(Technique::Transposition);
            }
        }
    }
    if b.len() >= 8 && a.len().abs_diff(b.len()) <= 1 && damerau(a, b) <= 2 {
        return Some(Technique::TwoEdits);
    }
    None
}

/// Optimal string alignment distance, or 3 for anything further than 2.
fn damerau<T: Unit>(a: &[T], b: &[T]) -> usize {
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > 2 {
        return 3;
    }
    // Each edit changes the letter counts by at most two: most labels are far from a
    // name by their letters alone, without the table.
    let mut counts = [0i32; 64];
    for &x in a {
        counts[(x.into() % 64) as usize] += 1;
    }
    for &y in b {
        counts[(y.into() % 64) as usize] -= 1;
    }
    if counts.iter().map(|c| c.unsigned_abs()).sum::<u32>() > 4 {
        return 3;
    }
    let width = m + 1;
    let mut d = vec![0usize; (n + 1) * width];
    for i in 0..=n {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[n * width + m]
}

/// Undoes defanging: "hxxp" → "http", "[.]" → "." (the same rules as for links in
/// messages).
pub fn refang(s: &str) -> String {
    crate::entities::refang(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(url: &str) -> LinkReport {
        LinkScanner::default().scan(url)
    }

    proptest::proptest! {
        /// The character-set test before [`edit`] never rules out a pair that
        /// [`edit`] relates: names with up to two edits of any kind, in any script.
        #[test]
        fn the_letter_set_test_never_hides_an_edit(
            name in proptest::sample::select(vec![
                "aliexpress", "paypal", "amazon", "cainiao", "mercadolibre", "алиэкспресс",
            ]),
            edits in proptest::collection::vec(
                (0usize..16, 0u8..4, proptest::sample::select(vec!['a', 'x', '0', 'е', 'ß', '-'])),
                0..3,
            ),
        ) {
            let mut label: Vec<char> = name.chars().collect();
            for (at, kind, c) in edits {
                let at = at % (label.len() + 1);
                match kind {
                    0 => label.insert(at, c),
                    1 if at < label.len() => {
                        label.remove(at);
                    }
                    2 if at < label.len() => label[at] = c,
                    _ if at + 1 < label.len() => label.swap(at, at + 1),
                    _ => {}
                }
            }
            let label: String = label.into_iter().collect();
            if edit(&label, name).is_some() {
                proptest::prop_assert!(may_edit(letters(&label), letters(name)), "{}", label);
            }
        }
    }

    #[test]
    fn official_domains_are_fine() {
        for url in [
            "https://www.aliexpress.com/item/1005006.html",
            "aliexpress.ru/store/123",
            "https://global.cainiao.com/detail.htm?mailNoList=LP00123456789012",
            "https://m.ebay.de/itm/123",
        ] {
            let r = scan(url);
            assert_eq!(r.assessment.risk(), 0, "{url}: {:?}", r.assessment);
            assert!(r.official && r.impersonates.is_none());
        }
    }

    #[test]
    fn look_alikes_of_every_kind() {
        for (url, brand) in [
            ("aliexprss.com", "aliexpress.com"),
            ("alliexpress.com", "aliexpress.com"),
            ("aliexpresss.com", "aliexpress.com"),
            ("ailexpress.com", "aliexpress.com"),
            ("alexpress.com", "aliexpress.com"),
            ("aliexpriss.com", "aliexpress.com"),
            ("alieypress.com", "aliexpress.com"),
            ("a1iexpress.com", "aliexpress.com"),
            ("ali-express.com", "aliexpress.com"),
            ("aliexpress.shop", "aliexpress.com"),
            ("aliexpress-refund.com", "aliexpress.com"),
            ("refund-aliexpress.net", "aliexpress.com"),
            ("aliexpress.com.secure-login.ru", "aliexpress.com"),
            ("https://aliexpress.com@evil.ru/login", "aliexpress.com"),
            ("http://45.67.12.9/aliexpress/refund", "aliexpress.com"),
            ("paypa1.com", "paypal.com"),
            ("amaz0n-security.com", "amazon.com"),
            ("ebay-support-center.com", "ebay.com"),
            ("xn--liexpress-zyh.com", "aliexpress.com"),
            ("hxxps://aliexpress-help[.]com/x", "aliexpress.com"),
        ] {
            let r = scan(url);
            assert_eq!(r.impersonates.as_deref(), Some(brand), "{url}: {r:?}");
            assert!(r.assessment.risk() >= 55, "{url}: {:?}", r.assessment);
        }
    }

    #[test]
    fn hidden_destinations_and_benign_sites() {
        let r = scan("bit.ly/3xYz12");
        assert!(r.assessment.risk() >= 25 && r.impersonates.is_none());
        let r = scan("https://wa.me/34612345678");
        assert!(r.messenger);
        assert_eq!(r.assessment.signals()[0].kind(), Kind::OffsiteContact);
        for url in [
            "https://en.wikipedia.org/wiki/Escrow",
            "github.com/rust-lang",
            "bbc.co.uk/news",
        ] {
            assert_eq!(scan(url).assessment.risk(), 0, "{url}");
        }
    }
}
