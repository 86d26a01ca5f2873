//! Tracking numbers: format and check-digit validation per carrier, and the pure checks
//! the engine runs on a parcel's facts (reuse across orders, delivery elsewhere, no
//! movement, weight mismatch). No IO: every fact is an argument.

use crate::{Finding, Kind, Severity};

/// Longest tracking number accepted, in bytes after removing spaces and dashes.
pub const NUMBER_BYTES_MAX: usize = 40;

/// The carriers (or numbering schemes) a number can be recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Carrier {
    /// A postal item with a UPU S10 number (China Post, Royal Mail, USPS international...).
    UpuS10,
    Cainiao,
    YunExpress,
    FourPx,
    Ups,
    Usps,
    Dhl,
    FedEx,
}

impl Carrier {
    /// The name used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Carrier::UpuS10 => "upu_s10",
            Carrier::Cainiao => "cainiao",
            Carrier::YunExpress => "yunexpress",
            Carrier::FourPx => "4px",
            Carrier::Ups => "ups",
            Carrier::Usps => "usps",
            Carrier::Dhl => "dhl",
            Carrier::FedEx => "fedex",
        }
    }

    /// A name for people.
    pub fn display_name(self) -> &'static str {
        match self {
            Carrier::UpuS10 => "a postal service (UPU S10 number)",
            Carrier::Cainiao => "Cainiao",
            Carrier::YunExpress => "YunExpress",
            Carrier::FourPx => "4PX",
            Carrier::Ups => "UPS",
            Carrier::Usps => "USPS",
            Carrier::Dhl => "DHL",
            Carrier::FedEx => "FedEx",
        }
    }
}

/// Why a number is not a valid tracking number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Empty,
    TooLong,
    /// Characters other than letters and digits (after spaces and dashes are removed).
    BadCharacters,
    /// The number has the shape of `Carrier` but its check digit is wrong.
    CheckDigit(Carrier),
    /// An S10 number whose first letter is not a service the standard defines.
    ServiceIndicator,
    /// An S10 number whose last two letters are not an ISO 3166 country.
    Country,
    /// No carrier we know numbers parcels like this.
    UnknownFormat,
}

impl Problem {
    pub fn describe(self) -> String {
        match self {
            Problem::Empty => "the tracking number is empty".into(),
            Problem::TooLong => "the tracking number is far longer than any carrier's".into(),
            Problem::BadCharacters => "the tracking number contains characters no carrier uses".into(),
            Problem::CheckDigit(c) => format!(
                "looks like a number of {} but its check digit is wrong: mistyped or made up",
                c.display_name()
            ),
            Problem::ServiceIndicator => {
                "looks like a postal (UPU S10) number but starts with a service letter the standard does not define".into()
            }
            Problem::Country => {
                "looks like a postal (UPU S10) number but does not end with a country code".into()
            }
            Problem::UnknownFormat => {
                "matches no carrier's numbering we know: ask the seller which carrier and check on its site".into()
            }
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl std::error::Error for Problem {}

/// A tracking number that passed [`validate`], kept as carriers print it. The way in
/// for code that stores or compares numbers (the engine's reuse check).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrackingNumber {
    normalized: String,
    carrier: Carrier,
    origin_country: Option<[u8; 2]>,
}

impl TrackingNumber {
    pub fn parse(number: &str) -> Result<TrackingNumber, Problem> {
        let check = validate(number);
        match (check.carrier, check.problem) {
            (Some(carrier), None) => Ok(TrackingNumber {
                normalized: normalize(number),
                carrier,
                origin_country: check.origin_country,
            }),
            (_, problem) => Err(problem.unwrap_or(Problem::UnknownFormat)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.normalized
    }

    pub fn carrier(&self) -> Carrier {
        self.carrier
    }

    /// For S10 numbers, the country whose post issued the number.
    pub fn origin_country(&self) -> Option<&str> {
        self.origin_country
            .as_ref()
            .and_then(|c| std::str::from_utf8(c).ok())
    }
}

/// The result of [`validate`]. `carrier` is set only for a valid number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackingCheck {
    pub format_valid: bool,
    pub carrier: Option<Carrier>,
    pub problem: Option<Problem>,
    /// For S10 numbers: the country of the postal operator that issued the number
    /// (usually the country the parcel left from).
    pub origin_country: Option<[u8; 2]>,
    /// For S10 numbers: the kind of postal service.
    pub service: Option<&'static str>,
}

impl TrackingCheck {
    fn valid(carrier: Carrier) -> TrackingCheck {
        TrackingCheck {
            format_valid: true,
            carrier: Some(carrier),
            problem: None,
            origin_country: None,
            service: None,
        }
    }

    fn invalid(problem: Problem) -> TrackingCheck {
        TrackingCheck {
            format_valid: false,
            carrier: None,
            problem: Some(problem),
            origin_country: None,
            service: None,
        }
    }

    pub fn origin_country_str(&self) -> Option<&str> {
        self.origin_country
            .as_ref()
            .and_then(|c| std::str::from_utf8(c).ok())
    }

    /// The `fake_tracking` signal of a malformed number, if it is one.
    pub fn signal(&self, number: &str) -> Option<Finding> {
        let problem = self.problem?;
        let (severity, score) = match problem {
            Problem::CheckDigit(_) | Problem::ServiceIndicator | Problem::Country => {
                (Severity::High, 0.9)
            }
            Problem::Empty | Problem::TooLong | Problem::BadCharacters => (Severity::High, 0.85),
            Problem::UnknownFormat => (Severity::Medium, 0.6),
        };
        Some(Finding::new(
            Kind::FakeTracking,
            severity,
            score,
            number,
            problem.describe(),
        ))
    }
}

/// Validates a tracking number as a buyer would type it: spaces and dashes are ignored,
/// letters may be lower case. No allocation.
pub fn validate(number: &str) -> TrackingCheck {
    let mut buf = [0u8; NUMBER_BYTES_MAX];
    let mut len = 0;
    for b in number.bytes() {
        if b == b' ' || b == b'-' || b == b'\t' {
            continue;
        }
        if len == NUMBER_BYTES_MAX {
            return TrackingCheck::invalid(Problem::TooLong);
        }
        if !b.is_ascii_alphanumeric() {
            return TrackingCheck::invalid(Problem::BadCharacters);
        }
        buf[len] = b.to_ascii_uppercase();
        len += 1;
    }
    let n = &buf[..len];
    if n.is_empty() {
        return TrackingCheck::invalid(Problem::Empty);
    }
    if let Some(check) = s10(n) {
        return check;
    }
    if let Some(check) = ups(n) {
        return check;
    }
    // Carrier-specific prefixes before the all-digit shapes.
    if n.len() == 18 && n.starts_with(b"YT") && all_digits(&n[2..]) {
        return TrackingCheck::valid(Carrier::YunExpress);
    }
    if n.starts_with(b"LP") && (14..=16).contains(&(n.len() - 2)) && all_digits(&n[2..]) {
        return TrackingCheck::valid(Carrier::Cainiao);
    }
    if let Some(check) = cainiao_cn(n) {
        return check;
    }
    if n.starts_with(b"4PX") {
        let body = n[3..].strip_suffix(b"CN").unwrap_or(&n[3..]);
        if (10..=16).contains(&body.len()) && all_digits(body) {
            return TrackingCheck::valid(Carrier::FourPx);
        }
    }
    if let Some(check) = dhl_prefixed(n) {
        return check;
    }
    if all_digits(n) {
        return digits_only(n);
    }
    TrackingCheck::invalid(Problem::UnknownFormat)
}

fn all_digits(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(u8::is_ascii_digit)
}

fn digit(b: u8) -> u32 {
    u32::from(b - b'0')
}

/// The UPU S10 check digit of an 8-digit serial number.
pub fn s10_check_digit(serial: &[u8; 8]) -> u8 {
    const WEIGHTS: [u32; 8] = [8, 6, 4, 2, 3, 5, 9, 7];
    let sum: u32 = serial.iter().zip(WEIGHTS).map(|(&b, w)| digit(b) * w).sum();
    match 11 - sum % 11 {
        10 => 0,
        11 => 5,
        c => c as u8,
    }
}

/// The S10 service indicator's meaning; `None` for letters the standard does not use.
fn s10_service(first: u8, second: u8) -> Option<&'static str> {
    Some(match first {
        b'C' => "parcel",
        b'E' => "ems",
        b'H' => "ecommerce_parcel",
        b'L' => "letter_tracked",
        b'M' => "m_bag",
        b'Q' if second <= b'M' => "ibrs",
        b'R' => "registered",
        b'U' => "letter",
        b'V' => "insured_letter",
        // Ranges left to domestic or bilateral use by the standard.
        b'A' | b'B' | b'D' | b'G' | b'K' | b'N' | b'P' | b'S' | b'T' | b'W' | b'X' | b'Y'
        | b'Z' => "domestic_or_bilateral",
        _ => return None,
    })
}

fn is_country(code: &[u8]) -> bool {
    static COUNTRIES: std::sync::LazyLock<std::collections::HashSet<[u8; 2]>> =
        std::sync::LazyLock::new(|| {
            include_str!("../data/countries.txt")
                .lines()
                .map(str::trim)
                .filter(|l| l.len() == 2 && !l.starts_with('#'))
                .map(|l| [l.as_bytes()[0], l.as_bytes()[1]])
                .collect()
        });
    code.len() == 2 && COUNTRIES.contains(&[code[0], code[1]])
}

/// AA 12345678 9 CC: two letters, eight digits of serial, the check digit, a country.
fn s10(n: &[u8]) -> Option<TrackingCheck> {
    if n.len() != 13
        || !n[..2].iter().all(u8::is_ascii_uppercase)
        || !all_digits(&n[2..11])
        || !n[11..].iter().all(u8::is_ascii_uppercase)
    {
        return None;
    }
    let Some(service) = s10_service(n[0], n[1]) else {
        return Some(TrackingCheck::invalid(Problem::ServiceIndicator));
    };
    if !is_country(&n[11..]) {
        return Some(TrackingCheck::invalid(Problem::Country));
    }
    let serial: [u8; 8] = n[2..10].try_into().expect("eight bytes");
    if s10_check_digit(&serial) != n[10] - b'0' {
        return Some(TrackingCheck::invalid(Problem::CheckDigit(Carrier::UpuS10)));
    }
    let mut check = TrackingCheck::valid(Carrier::UpuS10);
    check.origin_country = Some([n[11], n[12]]);
    check.service = Some(service);
    Some(check)
}

/// The UPS check digit over the 15 characters after "1Z" (letters count as digits:
/// A=2, B=3 ... the value of the letter's code minus 63, modulo 10).
pub fn ups_check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            let v = if b.is_ascii_digit() {
                digit(b)
            } else {
                u32::from(b - 63) % 10
            };
            if i % 2 == 1 {
                v * 2
            } else {
                v
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

fn ups(n: &[u8]) -> Option<TrackingCheck> {
    if n.len() != 18 || !n.starts_with(b"1Z") {
        return None;
    }
    if !n[17].is_ascii_digit() {
        return Some(TrackingCheck::invalid(Problem::UnknownFormat));
    }
    Some(if ups_check_digit(&n[2..17]) == n[17] - b'0' {
        TrackingCheck::valid(Carrier::Ups)
    } else {
        TrackingCheck::invalid(Problem::CheckDigit(Carrier::Ups))
    })
}

/// Cainiao's own numbers: "CN" followed by letters (often a destination code) and at
/// least ten digits, 14 to 22 characters in all.
fn cainiao_cn(n: &[u8]) -> Option<TrackingCheck> {
    if !n.starts_with(b"CN") || !(14..=22).contains(&n.len()) {
        return None;
    }
    let rest = &n[2..];
    let letters = rest.iter().take_while(|b| b.is_ascii_uppercase()).count();
    let digits = &rest[letters..];
    (letters <= 4 && digits.len() >= 10 && all_digits(digits))
        .then(|| TrackingCheck::valid(Carrier::Cainiao))
}

/// DHL eCommerce (GM + 16 to 20 digits) and DHL Paket (JJD + 16 to 20 digits).
fn dhl_prefixed(n: &[u8]) -> Option<TrackingCheck> {
    let body = n.strip_prefix(b"GM").or_else(|| n.strip_prefix(b"JJD"))?;
    ((16..=20).contains(&body.len()) && all_digits(body))
        .then(|| TrackingCheck::valid(Carrier::Dhl))
}

/// The GS1 mod-10 check digit (weights 3 and 1 from the right), used by USPS and by
/// FedEx Ground.
pub fn mod10_check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &b)| digit(b) * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// The FedEx Express check digit of a 12-digit number (weights 1, 3, 7 from the right
/// over the first 11 digits, sum modulo 11, then modulo 10).
pub fn fedex12_check_digit(body: &[u8]) -> u8 {
    const WEIGHTS: [u32; 3] = [1, 3, 7];
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &b)| digit(b) * WEIGHTS[i % 3])
        .sum();
    (sum % 11 % 10) as u8
}

fn digits_only(n: &[u8]) -> TrackingCheck {
    let (body, last) = (&n[..n.len() - 1], n[n.len() - 1] - b'0');
    // Many regional couriers also use 10, 12 and 15 digits: a failed check digit there
    // means "not a DHL or FedEx number", not "fake".
    let known_or_unknown = |valid: bool, carrier| {
        if valid {
            TrackingCheck::valid(carrier)
        } else {
            TrackingCheck::invalid(Problem::UnknownFormat)
        }
    };
    match n.len() {
        // DHL Express waybill: the last digit is the first nine modulo 7.
        10 => {
            let value: u64 = body.iter().fold(0, |a, &b| a * 10 + u64::from(b - b'0'));
            known_or_unknown((value % 7) as u8 == last, Carrier::Dhl)
        }
        12 => known_or_unknown(fedex12_check_digit(body) == last, Carrier::FedEx),
        15 => known_or_unknown(mod10_check_digit(body) == last, Carrier::FedEx),
        // USPS: IMpb numbers of 20 to 34 digits starting with 9, or of 22 digits behind
        // the 420+ZIP (or ZIP+4) routing prefix, which the check digit does not cover.
        30 | 34 if n.starts_with(b"420") => {
            let impb = &n[n.len() - 22..];
            usps(&impb[..21], last)
        }
        20 | 22 | 26 | 30 | 34 if n[0] == b'9' => usps(body, last),
        _ => TrackingCheck::invalid(Problem::UnknownFormat),
    }
}

fn usps(body: &[u8], check: u8) -> TrackingCheck {
    if mod10_check_digit(body) == check {
        TrackingCheck::valid(Carrier::Usps)
    } else {
        TrackingCheck::invalid(Problem::CheckDigit(Carrier::Usps))
    }
}

/// The number as carriers print it: upper case, no spaces or dashes.
pub fn normalize(number: &str) -> String {
    domain::normalize_tracking(number)
}

/// `fake_tracking` when the number was already given for other orders. Sellers who ship
/// nothing paste one real number (often of a delivered parcel) into many orders.
pub fn reused(number: &str, other_orders: usize) -> Option<Finding> {
    if other_orders == 0 {
        return None;
    }
    let (severity, score) = if other_orders >= 3 {
        (Severity::Critical, 0.95)
    } else {
        (Severity::High, 0.85)
    };
    Some(Finding::new(
        Kind::FakeTracking,
        severity,
        score,
        number,
        format!(
            "this tracking number is also used on {other_orders} other order{}: one parcel cannot deliver them all",
            if other_orders == 1 { "" } else { "s" }
        ),
    ))
}

/// Where an order goes, or where the carrier says it went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place<'a> {
    /// ISO 3166 alpha-2, any case.
    pub country: &'a str,
    pub postal_code: Option<&'a str>,
}

/// `fake_tracking` when the carrier delivered to another country or postal area than
/// the order's address. Postal codes are compared on their first three characters
/// (the area), ignoring spaces and case.
pub fn delivered_elsewhere(order: Place<'_>, delivered: Place<'_>) -> Option<Finding> {
    if !order
        .country
        .trim()
        .eq_ignore_ascii_case(delivered.country.trim())
    {
        return Some(Finding::new(
            Kind::FakeTracking,
            Severity::Critical,
            0.95,
            delivered.country.trim().to_ascii_uppercase(),
            format!(
                "the carrier shows delivery in {} but the order goes to {}: this tracking is not your parcel",
                delivered.country.trim().to_ascii_uppercase(),
                order.country.trim().to_ascii_uppercase()
            ),
        ));
    }
    let area = |p: &str| -> String {
        p.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_uppercase)
            .take(3)
            .collect()
    };
    match (order.postal_code, delivered.postal_code) {
        (Some(a), Some(b)) if !area(a).is_empty() && area(a) != area(b) => Some(Finding::new(
            Kind::FakeTracking,
            Severity::High,
            0.85,
            b.trim(),
            format!(
                "the carrier shows delivery in postal area {} but the order goes to {}",
                area(b),
                area(a)
            ),
        )),
        _ => None,
    }
}

/// `fake_tracking` when an S10 number was issued by the destination's post although
/// the seller ships from elsewhere: a local parcel's number passed off as yours.
pub fn issued_at_destination(
    check: &TrackingCheck,
    ship_from: &str,
    destination: &str,
) -> Option<Finding> {
    let origin = check.origin_country_str()?;
    if origin.eq_ignore_ascii_case(destination.trim())
        && !origin.eq_ignore_ascii_case(ship_from.trim())
    {
        return Some(Finding::new(
            Kind::FakeTracking,
            Severity::High,
            0.8,
            origin,
            format!(
                "the number was issued by the post of {origin}, the destination, but the seller ships from {}: likely a local parcel's number",
                ship_from.trim().to_ascii_uppercase()
            ),
        ));
    }
    None
}

/// `fake_tracking` (stale) when the carrier has shown no movement for more than
/// `stale_after_days` days.
pub fn stale(days_since_last_event: u32, stale_after_days: u32) -> Option<Finding> {
    if days_since_last_event <= stale_after_days {
        return None;
    }
    let over = f64::from(days_since_last_event) / f64::from(stale_after_days.max(1));
    let score = (0.4 + 0.2 * (over - 1.0)).min(0.8);
    Some(Finding::new(
        Kind::FakeTracking,
        if over >= 2.0 {
            Severity::High
        } else {
            Severity::Medium
        },
        score,
        format!("{days_since_last_event} days"),
        format!(
            "no carrier movement for {days_since_last_event} days (limit {stale_after_days}): the parcel may never have been handed over; open a not-received dispute before protection ends"
        ),
    ))
}

/// Allowed difference between carrier weight and listing weight before it counts,
/// in percent of the larger one, and an absolute floor for light items.
pub const WEIGHT_TOLERANCE_PCT: u64 = 35;
pub const WEIGHT_TOLERANCE_G: u64 = 60;

/// `ship_and_switch` when the weight the carrier measured is far from what the listing
/// (times the quantity ordered) weighs: the parcel holds something else.
pub fn weight_mismatch(carrier_weight_g: u64, expected_weight_g: u64) -> Option<Finding> {
    let (hi, lo) = if carrier_weight_g > expected_weight_g {
        (carrier_weight_g, expected_weight_g)
    } else {
        (expected_weight_g, carrier_weight_g)
    };
    let diff = hi - lo;
    // In u128: weights come from outside, and `diff * 100` overflowed u64 on a listing
    // that claimed an absurd weight (found by schemathesis).
    if diff <= WEIGHT_TOLERANCE_G
        || u128::from(diff) * 100 <= u128::from(hi) * u128::from(WEIGHT_TOLERANCE_PCT)
    {
        return None;
    }
    let ratio = if lo == 0 {
        f64::INFINITY
    } else {
        hi as f64 / lo as f64
    };
    let (severity, score) = if ratio >= 3.0 {
        (Severity::High, 0.85)
    } else {
        (Severity::Medium, 0.6)
    };
    Some(Finding::new(
        Kind::ShipAndSwitch,
        severity,
        score,
        format!("{carrier_weight_g} g vs {expected_weight_g} g"),
        format!(
            "the carrier weighed {carrier_weight_g} g but the item ordered weighs about {expected_weight_g} g: the parcel likely holds something else (keep the weight as evidence for a wrong-item dispute)"
        ),
    ))
}
