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

mod evidence;
mod scheme;
mod wrap;

use std::collections::HashSet;

use aho_corasick::AhoCorasick;
use serde::Deserialize;
use unicode_security::MixedScript;

use crate::fold::fold_char;
use crate::{Assessment, Finding, Kind, Severity, Thresholds};
use evidence::{Ending, LURE_WORDS};
use scheme::{PageDoes, Scheme};

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
    /// More domains the brand owns (cloud, CDN, corporate, jobs...), each group with
    /// the public source that names them. They are the brand's own, but not names a
    /// look-alike is made from.
    #[serde(default)]
    pub group: Vec<DomainGroup>,
}

/// Domains a brand owns, named by one source.
#[derive(Debug, Clone, Deserialize)]
pub struct DomainGroup {
    pub source: String,
    pub domains: Vec<String>,
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
    /// Every name of `names` as [`evidence::skeleton`], to find brands glued to other
    /// letters, spelt with look-alike letters or split over labels.
    shapes: AhoCorasick,
    /// The brand and the length in characters of each pattern of `shapes`,
    /// and whether it is the name with one letter left out.
    shape_brand: Vec<(usize, usize, bool)>,
    wrappers: Vec<wrap::Wrapper>,
    /// ISO 3166-1 alpha-2 codes, upper case.
    countries: Vec<&'static str>,
    thresholds: Thresholds,
}

/// The most redirect wrappers and `data:` pages followed into one another.
const DEPTH_MAX: u8 = 3;

/// ISO 3166-1 alpha-2 codes, one a line.
const COUNTRIES: &str = include_str!("../data/countries.txt");

/// Where a brand's name sits in a host name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// A whole word between dots or hyphens.
    Word,
    /// Glued to other letters or digits.
    Glued,
    /// Spelt across two labels or words ("ama.zon", "pay-pal").
    Split,
    /// With one letter left out, glued to other letters ("fedxscan").
    MisspeltGlued,
}

/// A brand's name seen in a host, with what else the URL says.
#[derive(Debug, Clone)]
struct Sighting {
    brand: usize,
    place: Place,
    /// A whole word beside other words, a label of another site's subdomain, or
    /// split over labels: a look-alike whatever else the link says.
    strong: bool,
    /// In a subdomain label of a site that is no free host.
    in_subdomain: bool,
    /// Evidence that the URL is a scam besides the name ("a lure word (support)").
    clues: Vec<String>,
    hosting: Option<String>,
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
            for d in brand
                .domains
                .iter()
                .chain(brand.group.iter().flat_map(|g| &g.domains))
            {
                official.insert(d.to_ascii_lowercase());
            }
            if let Some(g) = brand.group.iter().find(|g| g.source.trim().is_empty()) {
                return Err(BrandsError(format!(
                    "brand {}: a domain group ({}) needs its source",
                    brand.name,
                    g.domains.join(", ")
                )));
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
        let mut shape_patterns = Vec::new();
        let mut shape_brand = Vec::new();
        for (b, names) in names.iter().enumerate() {
            for n in names.iter().filter(|n| n.text.len() >= 3) {
                shape_patterns.push(evidence::skeleton(&n.text));
                shape_brand.push((b, n.chars, false));
                // One letter left out, for names long enough that this is still the
                // name ("fedx" glued in "fedxscan").
                if !file.brand[b].typos || !n.text.is_ascii() || n.chars < 5 {
                    continue;
                }
                for i in 0..n.text.len() {
                    let short = format!("{}{}", &n.text[..i], &n.text[i + 1..]);
                    let shape = evidence::skeleton(&short);
                    if !evidence::everyday(&short) && !shape_patterns.contains(&shape) {
                        shape_patterns.push(shape);
                        shape_brand.push((b, n.chars, true));
                    }
                }
            }
        }
        let shapes = AhoCorasick::new(&shape_patterns).map_err(|e| BrandsError(e.to_string()))?;
        Ok(LinkScanner {
            shapes,
            shape_brand,
            wrappers: wrap::wrappers(),
            countries: COUNTRIES
                .lines()
                .map(str::trim)
                .filter(|l| l.len() == 2)
                .collect(),
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
        self.scan_at(raw, 0)
    }

    /// A report with these signals and nothing else known.
    fn bare(&self, signals: Vec<Finding>) -> LinkReport {
        LinkReport {
            assessment: Assessment::combine(signals, &self.thresholds),
            registrable_domain: None,
            impersonates: None,
            messenger: false,
            official: false,
        }
    }

    /// [`LinkScanner::scan`], `depth` wrappers or `data:` pages deep.
    fn scan_at(&self, raw: &str, depth: u8) -> LinkReport {
        let mut signals = Vec::new();
        let mut impersonates: Option<usize> = None;
        let refanged = refang(raw.trim());
        if let Some(s) = scheme::classify(&refanged) {
            return self.scan_scheme(raw, s, depth);
        }
        let with_scheme = if refanged.contains("://") {
            refanged.clone()
        } else {
            format!("http://{refanged}")
        };
        let Ok(url) = url::Url::parse(&with_scheme) else {
            return self.bare(signals);
        };
        let host = match url.host() {
            Some(url::Host::Domain(d)) => d.trim_end_matches('.').to_ascii_lowercase(),
            Some(url::Host::Ipv4(_)) | Some(url::Host::Ipv6(_)) => return self.ip_host(raw, &url),
            None => return self.bare(signals),
        };
        let registrable = psl::domain_str(&host).map(str::to_string);
        let suffix = psl::suffix_str(&host).unwrap_or("");

        if depth < DEPTH_MAX {
            let inner = registrable
                .as_deref()
                .and_then(|r| wrap::unwrap(&self.wrappers, &url, &host, r, suffix));
            if let Some(inner) = inner {
                let mut report = self.leads_to(raw, &host, &inner, depth);
                report.registrable_domain = registrable;
                return report;
            }
        }

        if let Some((finding, brand)) = self.user_info(raw, &url, &host) {
            signals.push(finding);
            impersonates = brand;
        }

        let official = self.is_official(&host, registrable.as_deref());
        // A home page hides nothing and invites no one: only a link with a path or a
        // query is a short link or a contact link.
        let home = matches!(url.path(), "" | "/") && url.query().is_none_or(str::is_empty);
        if official && signals.is_empty() {
            return LinkReport {
                assessment: Assessment::combine(vec![], &self.thresholds),
                registrable_domain: registrable,
                impersonates: None,
                messenger: false,
                official: true,
            };
        }

        if !home
            && (MESSENGERS.contains(&host.as_str())
                || registrable
                    .as_deref()
                    .is_some_and(|r| MESSENGERS.contains(&r) && r != "whatsapp.com"))
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
            let mut report = self.bare(signals);
            report.registrable_domain = registrable;
            report.messenger = true;
            report.impersonates = impersonates.map(|b| self.brands[b].domains[0].clone());
            return report;
        }

        if !home
            && registrable.as_deref().is_some_and(|r| {
                self.shorteners.contains(r) || self.shorteners.contains(host.as_str())
            })
        {
            signals.push(Finding::new(
                Kind::PhishingLink,
                Severity::Medium,
                0.6,
                raw,
                format!("a shortened link ({host}) hides where it really goes"),
            ));
        }

        let unicode_host = self.script_signals(raw, &host, &mut signals);
        if !official {
            let rest = &url[url::Position::AfterHost..];
            if let Some((b, finding)) = self.brand_finding(
                raw,
                &host,
                &unicode_host,
                registrable.as_deref(),
                suffix,
                rest,
            ) {
                if finding.severity() > Severity::Low {
                    impersonates = Some(b);
                }
                signals.push(finding);
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

    /// Whether `host` is a brand's own: the host or a parent of it is listed ("amazon.com.be",
    /// though the public suffix list does not know "com.be"), or its ending is a brand's
    /// own top-level domain (".dhl").
    fn is_official(&self, host: &str, registrable: Option<&str>) -> bool {
        if self
            .brands
            .iter()
            .any(|b| host.rsplit('.').next() == Some(b.name.as_str()))
        {
            return true;
        }
        registrable.is_some_and(|r| {
            let mut name = host;
            loop {
                if self.official.contains(name) {
                    return true;
                }
                match name.split_once('.') {
                    Some((_, parent)) if parent.len() >= r.len() => name = parent,
                    _ => return false,
                }
            }
        })
    }

    /// The user-info trick: https://aliexpress.com@evil.example/...
    fn user_info(&self, raw: &str, url: &url::Url, host: &str) -> Option<(Finding, Option<usize>)> {
        if url.username().is_empty() && url.password().is_none() {
            return None;
        }
        let shown = url.username();
        let finding = Finding::new(
            Kind::PhishingLink,
            Severity::Critical,
            0.95,
            raw,
            format!("the part before '@' ({shown}) is decoration: the link really goes to {host}"),
        );
        Some((finding, self.brand_in_text(shown)))
    }

    /// A bare IP address as the host.
    fn ip_host(&self, raw: &str, url: &url::Url) -> LinkReport {
        let brand = self
            .brand_in_text(url.username())
            .or_else(|| self.brand_in_text(url.path()));
        let finding = Finding::new(
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
        );
        let mut report = self.bare(vec![finding]);
        report.impersonates = brand.map(|b| self.brands[b].domains[0].clone());
        report
    }

    /// Names in other scripts: punycode and mixed scripts. Returns the host in Unicode.
    fn script_signals(&self, raw: &str, host: &str, signals: &mut Vec<Finding>) -> String {
        let unicode_host = if host.contains("xn--") {
            idna::domain_to_unicode(host).0
        } else {
            host.to_string()
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
        unicode_host
    }

    /// A wrapper's target scanned: its findings, said of where the link leads.
    fn leads_to(&self, raw: &str, host: &str, inner: &str, depth: u8) -> LinkReport {
        let report = self.scan_at(inner, depth + 1);
        let target = report
            .registrable_domain
            .clone()
            .unwrap_or_else(|| inner.to_string());
        let mut signals: Vec<Finding> = report
            .assessment
            .signals()
            .iter()
            .map(|f| {
                Finding::new(
                    f.kind(),
                    f.severity(),
                    f.score(),
                    raw,
                    format!(
                        "{host} redirects: the link leads to {target}, and {}",
                        f.explanation()
                    ),
                )
            })
            .collect();
        if signals.is_empty() {
            signals.push(Finding::new(
                Kind::PhishingLink,
                Severity::Low,
                0.2,
                raw,
                format!("{host} redirects: the link leads to {target}"),
            ));
        }
        LinkReport {
            assessment: Assessment::combine(signals, &self.thresholds),
            registrable_domain: None,
            impersonates: report.impersonates,
            messenger: report.messenger,
            official: false,
        }
    }

    /// Links that are not web addresses: contact, script, file and `data:` schemes.
    fn scan_scheme(&self, raw: &str, s: Scheme, depth: u8) -> LinkReport {
        let (kind, severity, score, text) = match s {
            Scheme::Contact(what) => (
                Kind::OffsiteContact,
                Severity::High,
                0.85,
                format!(
                    "opens {what} outside the platform: talks there are outside buyer protection"
                ),
            ),
            Scheme::Script => (
                Kind::PhishingLink,
                Severity::High,
                0.85,
                "runs a script in your browser instead of opening a page".to_string(),
            ),
            Scheme::File => (
                Kind::PhishingLink,
                Severity::Medium,
                0.6,
                "opens a file on your device or network instead of a web page".to_string(),
            ),
            Scheme::Data { media, content } => return self.scan_data(raw, &media, &content, depth),
        };
        let messenger = kind == Kind::OffsiteContact;
        let mut report = self.bare(vec![Finding::new(kind, severity, score, raw, text)]);
        report.messenger = messenger;
        report
    }

    /// A `data:` URL: the page inside judged by what it does.
    fn scan_data(&self, raw: &str, media: &str, content: &str, depth: u8) -> LinkReport {
        let Some(does) = scheme::judge_page(media, content) else {
            return self.bare(vec![]);
        };
        let brand = self.brand_in_text(content);
        let (severity, score, text) = match &does {
            PageDoes::AsksPassword => (
                Severity::Critical,
                0.95,
                "holds a whole web page with a password form: a log-in page that no website stands behind".to_string(),
            ),
            PageDoes::Redirects(to) => (
                Severity::High,
                0.85,
                match to {
                    Some(to) => format!("holds a page that sends you on to {to}"),
                    None => "holds a page that sends you on to another address".to_string(),
                },
            ),
            PageDoes::Script => (Severity::High, 0.75, "holds a page that runs a script".to_string()),
            PageDoes::Page => (Severity::Medium, 0.6, "holds a whole web page inside the link, with no website behind it".to_string()),
        };
        let mut signals = vec![Finding::new(Kind::PhishingLink, severity, score, raw, text)];
        let mut impersonates = brand.map(|b| self.brands[b].domains[0].clone());
        if let (PageDoes::Redirects(Some(to)), true) = (&does, depth < DEPTH_MAX) {
            let inner = self.leads_to(raw, "the page", to, depth);
            impersonates = impersonates.or(inner.impersonates);
            signals.extend(
                inner
                    .assessment
                    .into_signals()
                    .into_iter()
                    .filter(|f| f.severity() > Severity::Low),
            );
        }
        let mut report = self.bare(signals);
        report.impersonates = impersonates;
        report
    }

    /// The finding about a brand this host poses as, if any: the look-alike rules,
    /// then the brand's name anywhere in the host, weighed by the other evidence.
    fn brand_finding(
        &self,
        raw: &str,
        host: &str,
        unicode_host: &str,
        registrable: Option<&str>,
        suffix: &str,
        rest: &str,
    ) -> Option<(usize, Finding)> {
        let look = self.look_alike(host, unicode_host, registrable, suffix);
        let sighting = self.sighting(host, suffix, rest, look.map(|(b, _)| b));
        let strong = sighting.as_ref().is_some_and(|s| s.strong);
        let (b, technique, clues, hosting) = match (look, sighting) {
            (Some((b, t)), s) => {
                let s = s.filter(|s| s.brand == b);
                let clues = s
                    .as_ref()
                    .map(|s| s.clues.clone())
                    .unwrap_or_else(|| self.clues(host, suffix, rest, b));
                let hosting = evidence::hosting(host).map(str::to_string);
                (b, t, clues, hosting)
            }
            (None, Some(s)) => {
                let t = match s.place {
                    Place::Split => Technique::Split,
                    Place::MisspeltGlued => Technique::MisspeltWords,
                    _ if s.hosting.is_some() || s.in_subdomain && s.place == Place::Word => {
                        Technique::BrandSubdomain
                    }
                    _ => Technique::BrandWords,
                };
                (s.brand, t, s.clues, s.hosting)
            }
            (None, None) => return None,
        };
        let brand = &self.brands[b];
        let weighed = !strong
            && matches!(
                technique,
                Technique::BrandWords | Technique::TldSwap | Technique::MisspeltWords
            );
        if weighed && clues.is_empty() {
            return Some((
                b,
                Finding::new(
                    Kind::PhishingLink,
                    Severity::Low,
                    0.3,
                    raw,
                    format!(
                        "{host} carries the name \"{}\" but is not among {}'s known domains; nothing else in the link points to phishing (another company's name, or a domain of the brand not listed)",
                        brand.name, brand.domains[0]
                    ),
                ),
            ));
        }
        let mut text = format!(
            "{host} is not {}'s: {}",
            brand.domains[0],
            technique.explain(&brand.name)
        );
        if let Some(h) = hosting {
            text.push_str(&format!(", on {h}, where anyone can publish"));
        }
        if weighed {
            text.push_str(&format!(" ({})", clues.join(", ")));
        }
        Some((
            b,
            Finding::new(
                Kind::PhishingLink,
                Severity::Critical,
                technique.score(),
                raw,
                text,
            ),
        ))
    }

    /// Evidence besides the name of brand `b`: the words beside it in the host, free
    /// hosting, a cheap ending, a log-in path.
    fn clues(&self, host: &str, suffix: &str, rest: &str, b: usize) -> Vec<String> {
        let owner = host
            .strip_suffix(suffix)
            .unwrap_or(host)
            .trim_end_matches('.');
        let owner = owner.strip_prefix("www.").unwrap_or(owner);
        let long = self.names[b][0].chars >= 5;
        let mut clues = Vec::new();
        for token in owner.split(['.', '-', '_']).filter(|t| !t.is_empty()) {
            let (sk, at) = evidence::skeleton_map(token);
            let lower = token.to_ascii_lowercase();
            // The name itself before a misspelt one, the longest first.
            let seen = self
                .shapes
                .find_overlapping_iter(&sk)
                .filter(|m| self.shape_brand[m.pattern().as_usize()].0 == b)
                .max_by_key(|m| (!self.shape_brand[m.pattern().as_usize()].2, m.len()))
                .map(|m| (m.start(), m.len()));
            let pieces: Vec<&str> = match seen {
                Some((start, len)) => [&lower[..at[start]], &lower[at[start + len]..]]
                    .into_iter()
                    .filter(|p| !p.is_empty())
                    .collect(),
                None => vec![lower.as_str()],
            };
            // Random letters count glued to one side of the name; country codes
            // also as words of their own.
            let glued_one_side = seen.is_some() && pieces.len() == 1;
            for piece in pieces {
                let why = evidence::lure_piece(piece, long, glued_one_side, &self.countries)
                    .or_else(|| {
                        (seen.is_none() && piece.len() == 2)
                            .then(|| evidence::lure_piece(piece, true, false, &self.countries))
                            .flatten()
                    });
                if let Some(why) = why {
                    clues.push(format!("{why} beside it: \"{piece}\""));
                }
            }
            let other = self.shapes.find_overlapping_iter(&sk).find(|m| {
                let (o, chars, typo) = self.shape_brand[m.pattern().as_usize()];
                o != b && chars >= 4 && !typo
            });
            if let Some(m) = other {
                let o = self.shape_brand[m.pattern().as_usize()].0;
                clues.push(format!(
                    "another brand's name beside it: \"{}\"",
                    self.brands[o].name
                ));
            }
        }
        if let Some(h) = evidence::hosting(host) {
            clues.push(format!("hosted on {h}"));
        }
        if evidence::ending(suffix) == Ending::Cheap && evidence::hosting(host).is_none() {
            clues.push(format!("a .{suffix} domain"));
        }
        if let Some(w) = evidence::path_lure(rest) {
            clues.push(format!("\"{w}\" in its path"));
        }
        clues
    }

    /// The brand whose name (in look-alike letters too) sits in a token of the host,
    /// glued to other letters, or spelt across two labels; `prefer` first. Short
    /// names count only as whole words or at a word's start beside a scammer's word,
    /// so that "ups" in "groups" or "dhl" in "dhlottery" is nobody's.
    fn sighting(
        &self,
        host: &str,
        suffix: &str,
        rest: &str,
        prefer: Option<usize>,
    ) -> Option<Sighting> {
        if evidence::public_body(suffix) {
            return None;
        }
        let owner = host
            .strip_suffix(suffix)
            .unwrap_or(host)
            .trim_end_matches('.');
        let owner = owner.strip_prefix("www.").unwrap_or(owner);
        let hosting = evidence::hosting(host).map(str::to_string);
        // A new generic ending (not a country's, even one sold as generic: ".io" is
        // full of startups named "ups...").
        let cheap = hosting.is_some()
            || evidence::ending(suffix) == Ending::Cheap
                && suffix.rsplit('.').next().is_some_and(|t| t.len() > 2);
        let path_lure = evidence::path_lure(rest).is_some();
        let labels: Vec<&str> = owner.split('.').collect();
        let mut found: Option<(usize, Place, bool, bool)> = None;
        for (i, label) in labels.iter().enumerate() {
            let tokens: Vec<&str> = label.split(['-', '_']).filter(|t| !t.is_empty()).collect();
            // A whole label of another site's subdomain: a look-alike whatever the
            // words. Beside other words of the site's own name, the words decide.
            let in_subdomain = i + 1 < labels.len() && hosting.is_none();
            for token in &tokens {
                let (sk, at) = evidence::skeleton_map(token);
                for m in self.shapes.find_overlapping_iter(&sk) {
                    let (b, chars, typo) = self.shape_brand[m.pattern().as_usize()];
                    let whole = m.start() == 0 && m.end() == sk.len();
                    if typo && whole {
                        continue;
                    }
                    if chars < 5 && !whole {
                        let lower = token.to_ascii_lowercase();
                        let after = &lower[at[m.end()]..];
                        let before = &lower[..at[m.start()]];
                        let lure = |p: &str| {
                            evidence::lure_piece(p, false, true, &self.countries).is_some()
                        };
                        // Names that are everyday words ("visa") need a lure word.
                        let loose = self.brands[b].typos && (cheap || path_lure);
                        let at_start = m.start() == 0 && (loose || lure(after));
                        if !(at_start || m.end() == sk.len() && LURE_WORDS.contains(&before)) {
                            continue;
                        }
                    }
                    let strong = whole && in_subdomain;
                    let place = match (whole, typo) {
                        (true, _) => Place::Word,
                        (false, false) => Place::Glued,
                        (false, true) => Place::MisspeltGlued,
                    };
                    let better =
                        found.is_none_or(|(_, p, _, _)| p == Place::MisspeltGlued && !typo);
                    if better || Some(b) == prefer && !typo || strong {
                        found = Some((b, place, strong, in_subdomain));
                    }
                }
            }
        }
        if found.is_none() {
            found = self.split_sighting(owner).map(|(b, p)| (b, p, true, false));
        }
        let (brand, place, strong, in_subdomain) = found?;
        Some(Sighting {
            brand,
            place,
            strong,
            in_subdomain,
            clues: self.clues(host, suffix, rest, brand),
            hosting,
        })
    }

    /// A name of five letters or more spelt across labels or words ("ama.zon-x").
    fn split_sighting(&self, owner: &str) -> Option<(usize, Place)> {
        let mut joined = String::with_capacity(owner.len());
        let mut cuts = Vec::new();
        for token in owner.split(['.', '-', '_']).filter(|t| !t.is_empty()) {
            let sk = evidence::skeleton(token);
            if !joined.is_empty() {
                cuts.push(joined.len());
            }
            joined.push_str(&sk);
        }
        if cuts.is_empty() {
            return None;
        }
        self.shapes.find_overlapping_iter(&joined).find_map(|m| {
            let (b, chars, typo) = self.shape_brand[m.pattern().as_usize()];
            (!typo && chars >= 5 && cuts.iter().any(|c| *c > m.start() && *c < m.end()))
                .then_some((b, Place::Split))
        })
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
        if evidence::public_body(suffix) {
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
                                    && (LURE_WORDS.contains(&rest.as_str())
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
                    consider(b, Technique::MisspeltWords);
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
                // A label that is itself an everyday word ("mail", "post") is that
                // word, not a typo of a name.
                if !brand.typos || evidence::everyday(&plain) {
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
    /// A misspelt name with words around it ("aliexpres-refund").
    MisspeltWords,
    /// The name spelt across two labels or words ("ama.zon-login").
    Split,
}

impl Technique {
    fn score(self) -> f64 {
        match self {
            Technique::TwoEdits => 0.75,
            Technique::Addition | Technique::Omission | Technique::Replacement => 0.85,
            Technique::BrandWords | Technique::MisspeltWords | Technique::Split => 0.85,
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
            Technique::MisspeltWords => {
                format!("a misspelt \"{brand}\" with extra words")
            }
            Technique::Split => format!("\"{brand}\" spelt across two parts of the name"),
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

    fn flagged(url: &str) -> bool {
        scan(url).assessment.verdict() != crate::Verdict::Allow
    }

    fn poses_as(url: &str, brand: &str) {
        let r = scan(url);
        assert_eq!(r.impersonates.as_deref(), Some(brand), "{url}: {r:?}");
        assert!(r.assessment.risk() >= 55, "{url}: {:?}", r.assessment);
    }

    #[test]
    fn a_brands_service_domains_are_its_own() {
        for url in [
            "https://www.paypalobjects.com/js/sdk.js",
            "https://payments.braintree-api.com/graphql",
            "https://mybucket.s3.eu-west-1.amazonaws.com/",
            "https://www.primevideo.com/detail/x",
            "https://amazon.com.be/",
            "https://i.ebayimg.com/images/g/x/s-l500.jpg",
            "https://www.paypal-community.com/t5/help",
        ] {
            let r = scan(url);
            assert!(!flagged(url), "{url}: {r:?}");
            assert!(r.impersonates.is_none(), "{url}: {r:?}");
        }
        let err = LinkScanner::new(
            "[[brand]]\nname = \"x\"\ndomains = [\"x.com\"]\n[[brand.group]]\nsource = \"\"\ndomains = [\"x.net\"]\n",
            Thresholds::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("needs its source"), "{err}");
    }

    #[test]
    fn a_brand_glued_to_other_letters() {
        poses_as("amazonbestsale.com", "amazon.com");
        poses_as("https://ebay7781.shop/", "ebay.com");
        poses_as("http://paypalfr.net/", "paypal.com");
        poses_as("paypalcom-help.org", "paypal.com");
        poses_as("https://fedxtracking.com/", "fedex.com");
        poses_as("https://dhlparcelhelp.com/", "dhl.com");
    }

    #[test]
    fn a_brand_spelt_with_look_alike_letters_or_across_labels() {
        poses_as("https://arnazon-orders.com/", "amazon.com");
        poses_as("https://clhl-parcel.info/", "dhl.com");
        poses_as("https://paypai-wallet.com/", "paypal.com");
        poses_as("https://amaz0nsecure.com/", "amazon.com");
        poses_as("https://ama.zon-signin.com/", "amazon.com");
        poses_as("http://pay.pal-wallet.net/", "paypal.com");
    }

    #[test]
    fn a_brand_on_free_hosting_or_cloud_storage() {
        poses_as("https://paypal-verify-3.netlify.app/", "paypal.com");
        poses_as("https://amazonorders.blogspot.com/", "amazon.com");
        poses_as("https://ebayhelp.web.app/", "ebay.com");
        poses_as(
            "https://paypalbox.blob.core.windows.net/x/index.html",
            "paypal.com",
        );
        poses_as(
            "https://amazon-gift.s3.amazonaws.com/index.html",
            "amazon.com",
        );
        poses_as("https://dhlpakket.firebaseapp.com/", "dhl.com");
        assert!(!flagged("https://my-recipes.netlify.app/"));
    }

    #[test]
    fn short_brands_inside_ordinary_words_are_nobodys() {
        for url in [
            "https://startups-weekly.com/",
            "https://cups-and-mugs.org/",
            "https://adhlamp.com/",
            "https://upsilon-robotics.io/",
            "https://temuco-news.cl/",
            "https://www.groupsetups.net/",
        ] {
            assert!(!flagged(url), "{url}: {:?}", scan(url));
        }
    }

    #[test]
    fn another_company_with_a_similar_name_is_told_apart_by_evidence() {
        // The name alone: a note, no alarm.
        let r = scan("https://amazonrainforest-trust.org/");
        assert!(!flagged("https://amazonrainforest-trust.org/"), "{r:?}");
        assert!(r.impersonates.is_none());
        assert_eq!(r.assessment.signals()[0].severity(), Severity::Low);
        assert!(!flagged("https://etsy.se/"));
        // The same name with a log-in path or a cheap ending: phishing.
        assert!(flagged("https://amazonrainforest-trust.org/signin/verify"));
        assert!(flagged("https://amazonrainforest-trust.top/"));
        assert!(flagged("https://etsy.top/"));
    }

    #[test]
    fn redirect_wrappers_are_unwrapped() {
        for url in [
            "https://www.google.com/url?sa=t&q=https%3A%2F%2Fpaypal-billing-help.xyz%2Flogin",
            "https://l.facebook.com/l.php?u=https%3A%2F%2Fpaypal-billing-help.xyz%2F&h=AT0",
            "https://eur02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fpaypal-billing-help.xyz%2F&data=x",
            "https://vk.com/away.php?to=https%3A%2F%2Fpaypal-billing-help.xyz%2F",
            "https://www.youtube.com/redirect?q=https://paypal-billing-help.xyz/&v=x",
        ] {
            let r = scan(url);
            assert_eq!(r.impersonates.as_deref(), Some("paypal.com"), "{url}: {r:?}");
            assert!(r.assessment.risk() >= 55, "{url}");
            let text = r.assessment.signals()[0].explanation();
            assert!(text.contains("leads to paypal-billing-help.xyz"), "{text}");
        }
        assert!(!flagged(
            "https://www.google.com/url?q=https://en.wikipedia.org/wiki/Escrow"
        ));
    }

    #[test]
    fn data_urls_are_decoded_and_judged() {
        use base64::Engine;
        let form = "<html><body><h1>PayPal</h1><form action='https://x.test/p'><input name=e><input type='password' name=p></form></body></html>";
        let b64 = base64::engine::general_purpose::STANDARD.encode(form);
        let r = scan(&format!("data:text/html;base64,{b64}"));
        assert_eq!(r.assessment.signals()[0].kind(), Kind::PhishingLink);
        assert_eq!(r.assessment.signals()[0].severity(), Severity::Critical);
        assert_eq!(r.impersonates.as_deref(), Some("paypal.com"));
        let refresh = "data:text/html,%3Cmeta%20http-equiv%3D%22refresh%22%20content%3D%220%3Burl%3Dhttps%3A%2F%2Famazon-orders-help.top%2F%22%3E";
        let r = scan(refresh);
        assert!(r.assessment.risk() >= 55, "{r:?}");
        assert_eq!(r.impersonates.as_deref(), Some("amazon.com"));
        assert!(!flagged("data:image/png;base64,iVBORw0KGgo="));
    }

    #[test]
    fn every_scheme_is_handled() {
        for url in [
            "mailto:seller@example.com",
            "tel:+34600111222",
            "sms:+34600111222?body=hi",
            "whatsapp://send?phone=34600111222",
            "tg://resolve?domain=seller",
            "viber://chat?number=34600111222",
            "skype:seller.shop?chat",
            "sgnl://signal.me/#p/+34600111222",
        ] {
            let r = scan(url);
            assert!(r.messenger, "{url}");
            assert_eq!(
                r.assessment.signals()[0].kind(),
                Kind::OffsiteContact,
                "{url}"
            );
            assert!(flagged(url), "{url}");
        }
        assert!(flagged("javascript:document.location='https://x.test'"));
        poses_as("ftp://paypal-login.top/form.html", "paypal.com");
        assert!(flagged("file:///C:/Users/x/invoice.html"));
        // Home pages of shorteners and messengers invite no one and hide nothing.
        assert!(!flagged("https://bit.ly/"));
        assert!(!flagged("https://t.me/"));
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
