//! Tracking numbers and countries: values that come from sellers, carriers and buyers,
//! each with one normalisation so that a shipment, a return and a reuse check all
//! compare the same thing.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest tracking number accepted; real ones are at most about 35 characters.
pub const TRACKING_BYTES_MAX: usize = 40;

/// A value from outside that is not a valid tracking number or country.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {value:?} {reason}")]
pub struct PlaceError {
    pub what: &'static str,
    pub value: String,
    pub reason: &'static str,
}

fn refuse<T>(what: &'static str, value: &str, reason: &'static str) -> Result<T, PlaceError> {
    Err(PlaceError {
        what,
        value: value.chars().take(80).collect(),
        reason,
    })
}

/// A tracking number as carriers print it and as it is compared: upper case, without
/// the spaces, tabs and dashes people type into it, 1 to [`TRACKING_BYTES_MAX`] ASCII
/// letters and digits. `"rb-1234 5678 5gb"` and `"RB123456785GB"` are one number.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TrackingNumber(String);

impl TrackingNumber {
    pub fn parse(raw: &str) -> Result<TrackingNumber, PlaceError> {
        const WHAT: &str = "tracking number";
        let number = normalize_tracking(raw);
        if number.is_empty() {
            return refuse(WHAT, raw, "is empty");
        }
        if number.len() > TRACKING_BYTES_MAX {
            return refuse(WHAT, raw, "is longer than 40 characters");
        }
        if !number.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return refuse(
                WHAT,
                raw,
                "must be letters and digits (spaces and dashes are ignored)",
            );
        }
        Ok(TrackingNumber(number))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The normalisation of [`TrackingNumber`], for text that is only compared (a
/// number in a buyer's spreadsheet, say) and need not be valid.
pub fn normalize_tracking(number: &str) -> String {
    number
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '\t'))
        .flat_map(char::to_uppercase)
        .collect()
}

impl std::str::FromStr for TrackingNumber {
    type Err = PlaceError;
    fn from_str(raw: &str) -> Result<Self, PlaceError> {
        TrackingNumber::parse(raw)
    }
}

impl TryFrom<String> for TrackingNumber {
    type Error = PlaceError;
    fn try_from(raw: String) -> Result<Self, PlaceError> {
        TrackingNumber::parse(&raw)
    }
}

impl From<TrackingNumber> for String {
    fn from(t: TrackingNumber) -> String {
        t.0
    }
}

impl fmt::Display for TrackingNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for TrackingNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// A country as an ISO 3166-1 alpha-2 code (`DE`, `BR`), upper case. Only assigned
/// codes are accepted (the `iso_country` crate's table); `UK` is refused with a hint,
/// since the code of the United Kingdom is `GB`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Country([u8; 2]);

impl Country {
    pub fn parse(raw: &str) -> Result<Country, PlaceError> {
        const WHAT: &str = "country";
        let code = raw.trim().to_ascii_uppercase();
        if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            return refuse(
                WHAT,
                raw,
                "must be an ISO 3166-1 alpha-2 code of two letters, such as DE",
            );
        }
        if code == "UK" {
            return refuse(
                WHAT,
                raw,
                "is not an ISO 3166-1 code: the United Kingdom is GB",
            );
        }
        match code.parse::<iso_country::Country>() {
            Ok(c) if c != iso_country::Country::Unspecified => {
                let b = code.as_bytes();
                Ok(Country([b[0], b[1]]))
            }
            _ => refuse(WHAT, raw, "is not an assigned ISO 3166-1 alpha-2 code"),
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("country codes are ASCII")
    }
}

impl std::str::FromStr for Country {
    type Err = PlaceError;
    fn from_str(raw: &str) -> Result<Self, PlaceError> {
        Country::parse(raw)
    }
}

impl TryFrom<String> for Country {
    type Error = PlaceError;
    fn try_from(raw: String) -> Result<Self, PlaceError> {
        Country::parse(&raw)
    }
}

impl From<Country> for String {
    fn from(c: Country) -> String {
        c.as_str().to_string()
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_tracking(raw: &str, expect: Result<&str, &str>) {
        let got = TrackingNumber::parse(raw);
        match expect {
            Ok(n) => assert_eq!(got.unwrap().as_str(), n, "{raw:?}"),
            Err(reason) => assert!(
                got.as_ref().unwrap_err().to_string().contains(reason),
                "{raw:?}: {got:?}"
            ),
        }
    }

    #[test]
    fn tracking_numbers_have_one_normalisation() {
        check_tracking("RB123456785GB", Ok("RB123456785GB"));
        check_tracking(" rb-1234 5678\t5gb ", Ok("RB123456785GB"));
        check_tracking("RB-1", Ok("RB1"));
        check_tracking("", Err("is empty"));
        check_tracking(" - ", Err("is empty"));
        check_tracking(&"1".repeat(41), Err("longer than 40"));
        check_tracking("RB12/34", Err("letters and digits"));
        check_tracking("RB12\u{0}34", Err("letters and digits"));
        check_tracking("ЯB1234", Err("letters and digits"));
    }

    #[test]
    fn json_decodes_through_the_checks() {
        let t: TrackingNumber = serde_json::from_str("\"rb-123\"").unwrap();
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"RB123\"");
        assert!(serde_json::from_str::<TrackingNumber>("\"a/b\"").is_err());
        let c: Country = serde_json::from_str("\"de\"").unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"DE\"");
        assert!(serde_json::from_str::<Country>("\"XX\"").is_err());
    }

    #[test]
    fn countries_are_assigned_alpha_2_codes() {
        assert_eq!(Country::parse("DE").unwrap().as_str(), "DE");
        assert_eq!(Country::parse(" br ").unwrap().as_str(), "BR");
        for bad in ["", "D", "DEU", "ZZ", "12", "D1", "ÄÖ", &"X".repeat(5000)] {
            assert!(Country::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Country::parse("UK").unwrap_err().to_string().contains("GB"));
    }
}
