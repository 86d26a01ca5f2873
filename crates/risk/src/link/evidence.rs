//! What a URL says besides the brand's name: the words around the name, the ending of
//! the domain, free hosting, a log-in path. A name that merely resembles a brand's
//! (another company's) is told apart from a look-alike by this evidence.

/// Words that scammers put beside a brand's name.
pub(super) const LURE_WORDS: &[&str] = &[
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
    "parcel",
    "package",
    "redelivery",
    "customs",
    "billing",
    "unlock",
    "alert",
    "notice",
    "prime",
    "vip",
    "reward",
    "rewards",
    "winner",
    "free",
    "coupon",
    "member",
    "card",
    "invoice",
    "resolution",
    "recovery",
    "restore",
    "limited",
    "suspend",
    "locked",
    "session",
    "pending",
    "fee",
    "post",
    "seller",
    "buyer",
    "pago",
    "pagos",
    "pagamento",
    "seguro",
    "segura",
    "aduana",
    "aduanas",
    "envio",
    "cuenta",
    "conta",
    "validar",
    "zahlung",
    "konto",
    "kundenservice",
    "paiement",
    "colis",
    "livraison",
    "oplata",
    "dostavka",
    "pakket",
    "bezorging",
    "betalen",
    "verifica",
    "renew",
    "hold",
    "cancel",
    "check",
    "portal",
    "signon",
    "web",
    "mobile",
    "mall",
    "mart",
    "best",
    "ship",
    "my",
    "giveaway",
    "stamp",
    "aktualisierung",
    "assistance",
    "reschedule",
    "certificado",
    "certificados",
    "receive",
    "amendment",
    "redirect",
    "notification",
    "atualizacao",
    "actualizacion",
    "miseajour",
    "sicherheit",
    "bestaetigung",
    "zustellung",
    "entrega",
    "paquete",
    "encomenda",
    "rastreio",
    "seguimiento",
    "suivi",
    "sendung",
    "pacco",
    "spedizione",
    "consegna",
    "przesylka",
    "paczka",
    "doplata",
    "zaleglosc",
    "pakke",
    "levering",
    "toll",
    "tax",
    "duty",
    "warning",
    "error",
    "problem",
    "issue",
    "blocked",
    "disabled",
    "reactivate",
    "activate",
    "access",
    "client",
    "clients",
    "exchange",
    "checkout",
    "cart",
    "outlet",
    "discount",
    "cheap",
    "lucky",
    "win",
    "usd",
    "eur",
    "gbp",
];

/// The lure words of four letters or more, to find any of them inside a piece in one
/// pass.
static LONG_LURES: std::sync::LazyLock<aho_corasick::AhoCorasick> =
    std::sync::LazyLock::new(|| {
        aho_corasick::AhoCorasick::new(LURE_WORDS.iter().filter(|w| w.len() >= 4))
            .expect("the lure words make an automaton")
    });

/// Short words of a brand's own infrastructure and plain English: beside a name they
/// are no sign of a scam ("cdn-brand", "thebrandblog").
const NEUTRAL_SHORT: &[&str] = &[
    "cdn", "dns", "api", "crl", "ssl", "img", "ads", "js", "css", "ocsp", "aws", "the", "and",
    "for", "of", "by", "in", "blog", "static", "media", "images",
];

/// Words of advertising, analytics and delivery infrastructure, which brands name
/// their own service domains with and scammers do not lure with.
const INFRASTRUCTURE: &[&str] = &[
    "adservice",
    "adsystem",
    "appservice",
    "analytics",
    "tagmanager",
    "usercontent",
    "syndication",
    "telemetry",
    "metrics",
    "static",
    "cdn",
];

/// Everyday words that are one letter from a name ("mail" for "gmail"): a label that
/// is one of them, or a lure word, is that word and no typo.
pub(super) fn everyday(label: &str) -> bool {
    LURE_WORDS.contains(&label) || ["mail", "post", "express", "media", "cloud"].contains(&label)
}

/// Web-address words that scammers glue to a name ("amazoncom-orders").
const ADDRESS_WORDS: &[&str] = &["com", "net", "org", "www", "http", "https"];

/// Path words of log-in and payment pages.
const PATH_LURES: &[&str] = &[
    "login",
    "signin",
    "sign-in",
    "logon",
    "verify",
    "verif",
    "account",
    "update",
    "secure",
    "password",
    "webscr",
    "billing",
    "confirm",
    "unlock",
    "suspend",
    "wallet",
    "auth",
    "session",
    "validat",
    "redeliver",
    "customs",
    "payment",
    "refund",
    "track",
    ".php",
    "service",
    "shipment",
    "delivery",
    "parcel",
    "package",
    "invoice",
    "/card",
    "/pay",
    "recover",
    "restore",
    "limited",
];

/// Country-code endings sold to anyone as generic names, where a brand's name is no
/// sign of the brand's own country site.
const MARKETED_CCTLDS: &[&str] = &[
    "co", "cc", "tv", "me", "io", "ws", "la", "to", "ly", "gg", "ai", "fm", "am", "nu", "tk", "ml",
    "ga", "cf", "gq", "pw", "su", "vc", "sh", "ac", "im", "li", "is", "cx", "ms", "bz", "so", "st",
    "cm", "vu", "lc", "ht", "ki", "mn", "tl", "gs", "icu",
];

/// Hosts where anyone can publish under a subdomain, beside the public suffix list's
/// private section (which holds most: blogspot.com, netlify.app, github.io...).
const HOSTING: &[&str] = &[
    "weebly.com",
    "wordpress.com",
    "wix.com",
    "000webhostapp.com",
    "sites.google.com",
    "firebasestorage.googleapis.com",
    "storage.googleapis.com",
    "godaddysites.com",
    "webflow.io",
    "glitch.me",
    "repl.co",
    "replit.app",
    "onrender.com",
    "framer.website",
    "square.site",
    "tilda.ws",
    "jimdosite.com",
    "strikingly.com",
    "yolasite.com",
    "mystrikingly.com",
    "ukit.me",
    "webnode.page",
    "carrd.co",
    "notion.site",
    "typedream.app",
    "ipfs.io",
    "dweb.link",
    "azureedge.net",
    "web.core.windows.net",
    "backblazeb2.com",
    "r2.dev",
    "surge.sh",
    "vercel.app",
    "ngrok-free.app",
    "ngrok.io",
    "trycloudflare.com",
    "workers.dev",
    "pages.dev",
    "duckdns.org",
    "freenom.com",
    "zohosites.com",
    "sharepoint.com",
    "docs.google.com",
    "forms.gle",
    "qualtrics.com",
    "typeform.com",
    "jotform.com",
    "wufoo.com",
    "formstack.com",
];

/// Whether `host` is a subdomain of a host anyone can publish on: a private suffix
/// of the public suffix list, or one of [`HOSTING`].
pub(super) fn hosting(host: &str) -> Option<&str> {
    if let Some(s) = psl::suffix(host.as_bytes()) {
        if s.typ() == Some(psl::Type::Private) && s.as_bytes().len() < host.len() {
            return std::str::from_utf8(s.as_bytes()).ok();
        }
    }
    HOSTING
        .iter()
        .find(|h| {
            host.len() > h.len()
                && host.ends_with(*h)
                && host.as_bytes()[host.len() - h.len() - 1] == b'.'
        })
        .copied()
}

/// The kind of ending a domain has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ending {
    /// com, net, org, a country's own ending: brands own their names there.
    Established,
    /// A new generic ending or a country code sold as one (.shop, .xyz, .co).
    Cheap,
}

/// The kind of the ICANN ending (the last label) of `suffix`.
pub(super) fn ending(suffix: &str) -> Ending {
    let tld = suffix.rsplit('.').next().unwrap_or(suffix);
    let established = matches!(tld, "com" | "net" | "org" | "edu" | "gov" | "mil" | "int")
        || (tld.len() == 2 && !MARKETED_CCTLDS.contains(&tld));
    if established && !(suffix == tld && MARKETED_CCTLDS.contains(&suffix)) {
        Ending::Established
    } else {
        Ending::Cheap
    }
}

/// Government, education and military endings: their names are not for sale.
pub(super) fn public_body(suffix: &str) -> bool {
    suffix
        .split('.')
        .any(|part| matches!(part, "gov" | "edu" | "mil" | "gob" | "gouv"))
}

/// A lure word in a URL's path or query ("/signin", "?cmd=_login").
pub(super) fn path_lure(path_and_query: &str) -> Option<&'static str> {
    let lower = path_and_query.to_ascii_lowercase();
    PATH_LURES.iter().find(|w| lower.contains(*w)).copied()
}

/// Why a piece of a host name left over beside a brand's name is a scammer's word:
/// a lure word, digits, a web-address word, or (for long names) a country code.
pub(super) fn lure_piece(
    piece: &str,
    long_name: bool,
    glued: bool,
    countries: &[&str],
) -> Option<&'static str> {
    if piece.is_empty() {
        return None;
    }
    if piece.bytes().all(|b| b.is_ascii_digit()) {
        return Some("digits");
    }
    if NEUTRAL_SHORT.contains(&piece) || INFRASTRUCTURE.iter().any(|w| piece.contains(w)) {
        return None;
    }
    if ADDRESS_WORDS.contains(&piece) {
        return Some("a web-address word");
    }
    if LURE_WORDS.contains(&piece) {
        return Some("a lure word");
    }
    if LONG_LURES.is_match(piece) {
        return Some("a lure word");
    }
    // A misspelt lure word ("dellivery").
    if piece.len() >= 6
        && LURE_WORDS
            .iter()
            .any(|w| w.len() >= 6 && w.len().abs_diff(piece.len()) <= 1 && one_edit(piece, w))
    {
        return Some("a misspelt lure word");
    }
    let letters = piece.trim_matches(|c: char| c.is_ascii_digit());
    if letters != piece
        && !letters.is_empty()
        && lure_piece(letters, long_name, glued, countries).is_some()
    {
        return Some("digits and a lure word");
    }
    let vowels = piece.bytes().filter(|b| b"aeiouy".contains(b)).count();
    if long_name && piece.len() == 2 && countries.iter().any(|c| c.eq_ignore_ascii_case(piece)) {
        return Some("a country code");
    }
    if glued && (vowels == 0 && piece.len() >= 2 || long_name && piece.len() <= 3) {
        return Some("random letters");
    }
    None
}

/// Whether `a` and `b` are one letter added, left out or replaced apart.
fn one_edit(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    let first = long
        .iter()
        .zip(short)
        .position(|(x, y)| x != y)
        .unwrap_or(short.len());
    if long.len() == short.len() {
        first < long.len() && long[first + 1..] == short[first + 1..]
    } else {
        long.len() == short.len() + 1 && long[first + 1..] == short[first..]
    }
}

/// [`skeleton`] of `s` with, for each of its bytes, the byte of `s` it starts at
/// (and one more entry for the end).
pub(super) fn skeleton_map(s: &str) -> (String, Vec<usize>) {
    let lower = s.to_ascii_lowercase();
    let b = lower.as_bytes();
    let (mut out, mut at) = (
        String::with_capacity(s.len()),
        Vec::with_capacity(s.len() + 1),
    );
    let mut i = 0;
    while i < b.len() {
        let pair = b.get(i..i + 2);
        let two = match pair {
            Some(b"rn") => Some('m'),
            Some(b"vv") => Some('w'),
            Some(b"cl") => Some('d'),
            _ => None,
        };
        if let Some(c) = two {
            out.push(c);
            at.push(i);
            i += 2;
            continue;
        }
        let c = lower[i..].chars().next().unwrap_or(' ');
        let mapped = match c {
            '0' => 'o',
            '1' | '!' | '|' | 'i' => 'l',
            '3' => 'e',
            '4' | '@' => 'a',
            '5' | '$' => 's',
            '7' => 't',
            c => c,
        };
        out.push(mapped);
        at.extend(std::iter::repeat_n(i, mapped.len_utf8()));
        i += c.len_utf8();
    }
    at.push(b.len());
    (out, at)
}

/// What a name looks like once letters that pass for others are made one: digits
/// for letters, "rn" for "m", "vv" for "w", "cl" for "d", "i" and "l" alike. Applied
/// to both sides of a comparison; `keep` characters (separators) stay.
pub(super) fn skeleton(s: &str) -> String {
    skeleton_map(s).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endings_are_told_apart() {
        for s in ["com", "de", "co.uk", "com.au", "org", "fr"] {
            assert_eq!(ending(s), Ending::Established, "{s}");
        }
        for s in ["xyz", "shop", "top", "co", "cc", "online", "icu"] {
            assert_eq!(ending(s), Ending::Cheap, "{s}");
        }
    }

    #[test]
    fn free_hosting_is_found_by_the_suffix_list_and_the_extra_list() {
        assert_eq!(hosting("brand-x.netlify.app"), Some("netlify.app"));
        assert_eq!(hosting("brand.blogspot.com"), Some("blogspot.com"));
        assert_eq!(
            hosting("x.blob.core.windows.net"),
            Some("blob.core.windows.net")
        );
        assert_eq!(hosting("brand.weebly.com"), Some("weebly.com"));
        assert_eq!(hosting("netlify.app"), None);
        assert_eq!(hosting("www.example.com"), None);
    }

    #[test]
    fn pieces_beside_a_name() {
        let cc = ["US", "DE"];
        assert_eq!(lure_piece("562", false, true, &cc), Some("digits"));
        assert_eq!(
            lure_piece("com", false, true, &cc),
            Some("a web-address word")
        );
        assert_eq!(lure_piece("vipshops", true, true, &cc), Some("a lure word"));
        assert_eq!(lure_piece("us", true, true, &cc), Some("a country code"));
        assert_eq!(lure_piece("us", false, true, &cc), None);
        assert_eq!(lure_piece("frontlines", true, true, &cc), None);
        assert_eq!(lure_piece("ottery", false, true, &cc), None);
    }

    #[test]
    fn skeletons_make_look_alike_letters_one() {
        assert_eq!(skeleton("arnazon"), skeleton("amazon"));
        assert_eq!(skeleton("paypa1"), skeleton("paypal"));
        assert_eq!(skeleton("paypai"), skeleton("paypal"));
        assert_eq!(skeleton("ebav"), "ebav");
        assert_eq!(skeleton("vvish"), skeleton("wish"));
        assert_eq!(skeleton("clhl"), skeleton("dhl"));
    }
}
