//! The JSON shapes of order commands, shared by the HTTP API and `marketguard orders
//! exec`. Amounts are decimal strings in the order's currency ("19.99"), never floats.

use domain::{BuyerId, Country, Currency, Money, SellerId, TrackingNumber};
use protection::{
    Command, DecideAs, DisputeCommand, Evidence, OrderOptions, Reason, RespondWith, ThreeDs,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A command on an order, tagged by `command`. A field the command does not have is
/// refused, never dropped: a misspelt `destination_country` or `eu_consumer` would
/// otherwise leave a default in force without a word.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum CommandDto {
    Place {
        buyer: String,
        seller: String,
        /// Item price, a decimal string in `currency`.
        price: String,
        /// Shipping cost; 0 when absent.
        shipping: Option<String>,
        /// ISO 4217 code.
        currency: String,
        /// Days after shipment the delivery is promised.
        promised_days: i64,
        /// Days the seller has to ship; the policy default (7) when absent.
        handling_days: Option<i64>,
        /// ISO 3166 alpha-2 code of the destination.
        destination_country: Option<String>,
        #[serde(default)]
        eu_consumer: bool,
        #[serde(default)]
        choice: bool,
        #[serde(default)]
        legal_guarantee: bool,
        /// The listing carries Guaranteed Genuine (an upheld counterfeit claim is
        /// refunded times the policy's multiplier, backed by the guarantee fund).
        #[serde(default)]
        guaranteed_genuine: bool,
        /// What the items ordered weigh, in grams, for the carrier-weight check.
        weight_grams: Option<i64>,
    },
    Pay {
        amount: String,
        currency: String,
        /// The payment provider's 3-D Secure result, reported by the platform's payment
        /// side (a platform key; a buyer's key is refused): `authenticated`,
        /// `attempted`, `failed`, `not_enrolled` or `exempt:NAME` (`low_value`,
        /// `transaction_risk_analysis`, `trusted_beneficiary`, `recurring`,
        /// `secure_corporate`).
        three_ds: String,
    },
    Ship {
        tracking: String,
    },
    Deliver {
        country: Option<String>,
    },
    /// A carrier's tracking event (a scan) on the order's parcel; `delivered` delivers
    /// the order as `deliver` does. From the platform's carrier feed (platform and
    /// admin keys) or an agent, never a seller's key.
    CarrierEvent {
        /// accepted, in_transit, customs, out_for_delivery, delivered or returned.
        event: String,
        /// The tracking number the order was shipped with.
        tracking: String,
        /// ISO 3166-1 alpha-2 code of where the carrier scanned the parcel.
        country: String,
        /// The carrier's words for the place ("Frankfurt hub"), at most 200 bytes.
        location: Option<String>,
        /// RFC 3339 time of the scan; the command's time when absent.
        scanned_at: Option<String>,
    },
    /// The carrier's weight of the parcel, in grams.
    Weigh {
        grams: i64,
    },
    ConfirmReceipt {
        /// Must be true before any delivery event: confirming ends buyer protection.
        #[serde(default)]
        acknowledge_no_delivery: bool,
    },
    Cancel,
    RequestExtension {
        days: i64,
    },
    GrantExtension {
        days: i64,
    },
    /// A chat message on the order, scanned before it is recorded. Buyers and
    /// sellers post as themselves; the platform says who wrote it in `from`.
    PostMessage {
        /// The marketplace's id for the message, unique within the order.
        id: String,
        /// seller, buyer or unknown; only for platform keys.
        from: Option<String>,
        text: String,
    },
    /// An agent closes a case opened by a message: `scam` or `not_scam`.
    CloseCase {
        case_id: String,
        label: String,
        #[serde(default)]
        note: String,
    },
    LeaveFeedback {
        stars: i64,
        item_as_described: Option<i64>,
        communication: Option<i64>,
        shipping_speed: Option<i64>,
        #[serde(default)]
        text: String,
    },
    OpenDispute {
        /// not_received, not_as_described, counterfeit, damaged, wrong_item,
        /// missing_parts or other.
        reason: String,
        /// A partial refund asked for; a full refund when absent.
        requested: Option<String>,
        currency: Option<String>,
        #[serde(default)]
        evidence: Vec<EvidenceDto>,
    },
    EuWithdrawal,
    RespondToDispute {
        /// accept, partial, return or reject.
        response: String,
        amount: Option<String>,
        currency: Option<String>,
        #[serde(default)]
        evidence: Vec<EvidenceDto>,
    },
    AcceptOffer,
    CounterOffer {
        requested: String,
        currency: String,
    },
    AddEvidence {
        evidence: Vec<EvidenceDto>,
    },
    Escalate,
    DecideDispute {
        /// refund_full, refund_partial, return_and_refund or rejected.
        outcome: String,
        amount: Option<String>,
        currency: Option<String>,
    },
    WithdrawDispute {
        /// Must be true: a closed dispute cannot be reopened and protection ends.
        #[serde(default)]
        confirm_protection_ends: bool,
    },
    ReturnShipped {
        tracking: String,
        shipping_cost: Option<String>,
        currency: Option<String>,
    },
    ReturnDelivered,
    ReturnReceived,
}

/// Evidence for a dispute. Photos are referenced by SHA-256 and media type.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum EvidenceDto {
    Text { text: String },
    Photo { sha256: String, media_type: String },
    Tracking { number: String },
    Message { id: String },
}

impl EvidenceDto {
    fn into_evidence(self) -> Result<Evidence, FieldError> {
        Ok(match self {
            EvidenceDto::Text { text } => Evidence::Text { text },
            EvidenceDto::Photo { sha256, media_type } => Evidence::Photo { sha256, media_type },
            EvidenceDto::Tracking { number } => Evidence::Tracking {
                number: tracking("evidence", &number)?,
            },
            EvidenceDto::Message { id } => Evidence::Message { id },
        })
    }
}

/// Which field was wrong and why: the same error as the scans' input.
pub use crate::input::FieldError;

/// The known name nearest to a misspelt `given` one, if any is near enough to be
/// what was meant (at most 3 edits, or a third of the name's length for long names).
pub fn nearest<'a>(given: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|n| (strsim::damerau_levenshtein(n, given), n))
        .min()
        .filter(|(d, n)| *d <= 3.max(n.len() / 3))
        .map(|(_, n)| n)
}

/// A decoding error of a command, with the nearest known name added where serde names
/// an unknown field or command and lists the expected ones ("unknown field
/// `destinaton_country`, expected one of ..." gets "did you mean
/// `destination_country`?").
pub fn with_suggestion(message: &str) -> String {
    let suggestion = (|| {
        let (_, rest) = message
            .split_once("unknown field `")
            .or_else(|| message.split_once("unknown variant `"))?;
        let (given, rest) = rest.split_once('`')?;
        // "expected `a`", "expected `a` or `b`", "expected one of `a`, `b`, ...".
        let (_, expected) = rest.split_once("expected ")?;
        nearest(given, expected.split('`').skip(1).step_by(2)).map(str::to_string)
    })();
    match suggestion {
        Some(n) => format!("{message} (did you mean `{n}`?)"),
        None => message.to_string(),
    }
}

fn bad(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field,
        message: message.into(),
    }
}

fn currency(field: &'static str, code: Option<&str>) -> Result<Currency, FieldError> {
    let code = code.ok_or_else(|| bad(field, "is missing"))?;
    Currency::parse(code).map_err(|e| bad(field, e.to_string()))
}

fn money(field: &'static str, text: &str, c: Currency) -> Result<Money, FieldError> {
    Money::parse(text, c).map_err(|e| bad(field, e.to_string()))
}

fn evidence(list: Vec<EvidenceDto>) -> Result<Vec<Evidence>, FieldError> {
    list.into_iter().map(EvidenceDto::into_evidence).collect()
}

fn tracking(field: &'static str, number: &str) -> Result<TrackingNumber, FieldError> {
    TrackingNumber::parse(number).map_err(|e| bad(field, e.to_string()))
}

fn country(field: &'static str, code: Option<String>) -> Result<Option<Country>, FieldError> {
    code.map(|c| Country::parse(&c).map_err(|e| bad(field, e.to_string())))
        .transpose()
}

impl CommandDto {
    pub fn into_command(self) -> Result<Command, FieldError> {
        Ok(match self {
            CommandDto::Place {
                buyer,
                seller,
                price,
                shipping,
                currency: code,
                promised_days,
                handling_days,
                destination_country,
                eu_consumer,
                choice,
                legal_guarantee,
                guaranteed_genuine,
                weight_grams,
            } => {
                let c = currency("currency", Some(&code))?;
                Command::Place {
                    buyer: BuyerId::parse(&buyer).map_err(|e| bad("buyer", e.to_string()))?,
                    seller: SellerId::parse(&seller).map_err(|e| bad("seller", e.to_string()))?,
                    price: money("price", &price, c)?,
                    shipping: match shipping {
                        Some(s) => money("shipping", &s, c)?,
                        None => Money::zero(c),
                    },
                    handling_days,
                    promised_days,
                    destination_country: country("destination_country", destination_country)?,
                    options: OrderOptions {
                        eu_consumer,
                        choice,
                        legal_guarantee,
                        guaranteed_genuine,
                        weight_grams,
                    },
                }
            }
            CommandDto::Pay {
                amount,
                currency: code,
                three_ds,
            } => Command::Pay {
                amount: money("amount", &amount, currency("currency", Some(&code))?)?,
                three_ds: ThreeDs::parse(&three_ds).ok_or_else(|| {
                    bad(
                        "three_ds",
                        format!(
                            "{three_ds:?} must be authenticated, attempted, failed, not_enrolled or exempt:NAME with NAME one of {}",
                            protection::THREE_DS_EXEMPTIONS.join(", ")
                        ),
                    )
                })?,
            },
            CommandDto::Ship { tracking: t } => Command::Ship {
                tracking: tracking("tracking", &t)?,
            },
            CommandDto::Deliver { country: c } => Command::Deliver {
                country: country("country", c)?,
            },
            CommandDto::CarrierEvent {
                event,
                tracking: t,
                country: c,
                location,
                scanned_at,
            } => Command::CarrierEvent(protection::CarrierEvent {
                kind: protection::CarrierEventKind::parse(&event).ok_or_else(|| {
                    bad("event", format!("{event:?} must be one of accepted, in_transit, customs, out_for_delivery, delivered, returned"))
                })?,
                tracking: tracking("tracking", &t)?,
                country: country("country", Some(c))?.expect("given"),
                location,
                scanned_at: scanned_at
                    .map(|t| {
                        domain::Timestamp::parse(&t)
                            .map_err(|e| bad("scanned_at", e.to_string()))
                    })
                    .transpose()?,
            }),
            CommandDto::Weigh { grams } => Command::Weigh { grams },
            CommandDto::ConfirmReceipt {
                acknowledge_no_delivery,
            } => Command::ConfirmReceipt {
                acknowledge_no_delivery,
            },
            CommandDto::Cancel => Command::Cancel,
            CommandDto::RequestExtension { days } => Command::RequestExtension { days },
            CommandDto::GrantExtension { days } => Command::GrantExtension { days },
            CommandDto::PostMessage { id, from, text } => Command::PostMessage {
                id,
                from: match from {
                    None => None,
                    Some(f) => Some(protection::Party::parse(&f).ok_or_else(|| {
                        bad("from", format!("{f:?} must be one of seller, buyer, unknown"))
                    })?),
                },
                text,
            },
            CommandDto::CloseCase {
                case_id,
                label,
                note,
            } => Command::CloseCase {
                case_id,
                label: protection::CaseLabel::parse(&label)
                    .ok_or_else(|| bad("label", format!("{label:?} must be scam or not_scam")))?,
                note,
            },
            CommandDto::LeaveFeedback {
                stars,
                item_as_described,
                communication,
                shipping_speed,
                text,
            } => Command::LeaveFeedback {
                stars,
                item_as_described,
                communication,
                shipping_speed,
                text,
            },
            CommandDto::OpenDispute {
                reason,
                requested,
                currency: code,
                evidence: ev,
            } => Command::Dispute(DisputeCommand::Open {
                reason: Reason::parse(&reason).ok_or_else(|| {
                    bad("reason", format!("{reason:?} must be one of not_received, not_as_described, counterfeit, damaged, wrong_item, missing_parts, other"))
                })?,
                requested: match requested {
                    Some(r) => Some(money("requested", &r, currency("currency", code.as_deref())?)?),
                    None => None,
                },
                evidence: evidence(ev)?,
            }),
            CommandDto::EuWithdrawal => Command::Dispute(DisputeCommand::EuWithdrawal),
            CommandDto::RespondToDispute {
                response,
                amount,
                currency: code,
                evidence: ev,
            } => {
                let response = match response.as_str() {
                    "accept" => RespondWith::Accept,
                    "partial" => {
                        let amount = amount.ok_or_else(|| bad("amount", "is missing"))?;
                        let c = currency("currency", code.as_deref())?;
                        RespondWith::Partial(money("amount", &amount, c)?)
                    }
                    "return" => RespondWith::Return,
                    "reject" => RespondWith::Reject,
                    other => {
                        return Err(bad(
                            "response",
                            format!("{other:?} must be accept, partial, return or reject"),
                        ))
                    }
                };
                Command::Dispute(DisputeCommand::Respond {
                    response,
                    evidence: evidence(ev)?,
                })
            }
            CommandDto::AcceptOffer => Command::Dispute(DisputeCommand::AcceptOffer),
            CommandDto::CounterOffer {
                requested,
                currency: code,
            } => Command::Dispute(DisputeCommand::Counter {
                requested: money("requested", &requested, currency("currency", Some(&code))?)?,
            }),
            CommandDto::AddEvidence { evidence: ev } => {
                Command::Dispute(DisputeCommand::AddEvidence {
                    evidence: evidence(ev)?,
                })
            }
            CommandDto::Escalate => Command::Dispute(DisputeCommand::Escalate),
            CommandDto::DecideDispute {
                outcome,
                amount,
                currency: code,
            } => {
                let outcome = match outcome.as_str() {
                    "refund_full" => DecideAs::RefundFull,
                    "refund_partial" => {
                        let amount = amount.ok_or_else(|| bad("amount", "is missing"))?;
                        let c = currency("currency", code.as_deref())?;
                        DecideAs::RefundPartial(money("amount", &amount, c)?)
                    }
                    "return_and_refund" => DecideAs::ReturnAndRefund,
                    "rejected" => DecideAs::Rejected,
                    other => {
                        return Err(bad(
                            "outcome",
                            format!("{other:?} must be refund_full, refund_partial, return_and_refund or rejected"),
                        ))
                    }
                };
                Command::Dispute(DisputeCommand::Decide { outcome })
            }
            CommandDto::WithdrawDispute {
                confirm_protection_ends,
            } => Command::Dispute(DisputeCommand::Withdraw {
                confirm_protection_ends,
            }),
            CommandDto::ReturnShipped {
                tracking: t,
                shipping_cost,
                currency: code,
            } => Command::Dispute(DisputeCommand::ReturnShipped {
                tracking: tracking("tracking", &t)?,
                shipping_cost: match shipping_cost {
                    Some(s) => Some(money("shipping_cost", &s, currency("currency", code.as_deref())?)?),
                    None => None,
                },
            }),
            CommandDto::ReturnDelivered => Command::Dispute(DisputeCommand::ReturnDelivered),
            CommandDto::ReturnReceived => Command::Dispute(DisputeCommand::ReturnReceived),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(json: &str) -> Result<Command, FieldError> {
        serde_json::from_str::<CommandDto>(json)
            .expect("the JSON shape is right")
            .into_command()
    }

    #[test]
    fn carrier_events_decode_with_each_bad_field_named() {
        let ok = decode(
            r#"{"command":"carrier_event","event":"out_for_delivery","tracking":"rb 1234 5678 5gb","country":"de","location":"Berlin","scanned_at":"2026-12-01T10:00:00Z"}"#,
        )
        .unwrap();
        let Command::CarrierEvent(e) = ok else {
            panic!("{ok:?}")
        };
        assert_eq!(e.kind, protection::CarrierEventKind::OutForDelivery);
        assert_eq!(e.tracking.as_str(), "RB123456785GB");
        assert_eq!(e.country.as_str(), "DE");
        assert_eq!(e.location.as_deref(), Some("Berlin"));
        assert_eq!(
            e.scanned_at.map(|t| t.rfc3339()).as_deref(),
            Some("2026-12-01T10:00:00Z")
        );
        for (json, field) in [
            (
                r#""event":"lost","tracking":"RB123456785GB","country":"DE""#,
                "event",
            ),
            (
                r#""event":"delivered","tracking":"R!","country":"DE""#,
                "tracking",
            ),
            (
                r#""event":"delivered","tracking":"RB123456785GB","country":"XX""#,
                "country",
            ),
            (
                r#""event":"delivered","tracking":"RB123456785GB","country":"DE","scanned_at":"yesterday""#,
                "scanned_at",
            ),
        ] {
            let e = decode(&format!(r#"{{"command":"carrier_event",{json}}}"#)).unwrap_err();
            assert_eq!(e.field, field, "{json}: {e}");
        }
    }

    #[test]
    fn shipments_and_returns_share_one_tracking_number_rule() {
        // Regression: "RB-1..." was accepted on shipping and refused on a return.
        let ship = decode(r#"{"command":"ship","tracking":"rb-1234 5678 5gb"}"#).unwrap();
        let ret = decode(
            r#"{"command":"return_shipped","tracking":"rb-1234 5678 5gb","currency":"USD"}"#,
        )
        .unwrap();
        let Command::Ship { tracking: shipped } = ship else {
            panic!("not a shipment: {ship:?}")
        };
        let Command::Dispute(DisputeCommand::ReturnShipped {
            tracking: returned, ..
        }) = ret
        else {
            panic!("not a return: {ret:?}")
        };
        assert_eq!(shipped.as_str(), "RB123456785GB");
        assert_eq!(shipped, returned);
        for json in [
            r#"{"command":"ship","tracking":"RB12/34"}"#,
            r#"{"command":"return_shipped","tracking":"RB12/34"}"#,
            r#"{"command":"add_evidence","evidence":[{"type":"tracking","number":"RB12/34"}]}"#,
        ] {
            let e = decode(json).unwrap_err();
            assert!(e.message.contains("letters and digits"), "{json}: {e}");
        }
    }

    #[test]
    fn unknown_three_ds_exemptions_are_refused_naming_the_known_ones() {
        // Regression: any `exempt:NAME` decoded as an exemption.
        let e = decode(
            r#"{"command":"pay","amount":"1.00","currency":"USD","three_ds":"exempt:made_up"}"#,
        )
        .unwrap_err();
        assert_eq!(e.field, "three_ds");
        assert!(e.message.contains("low_value, secure_corporate"), "{e}");
        let ok = decode(
            r#"{"command":"pay","amount":"1.00","currency":"USD","three_ds":"exempt:low_value"}"#,
        );
        assert!(
            matches!(ok, Ok(Command::Pay { three_ds: ThreeDs::Exempt(n), .. }) if n == "low_value")
        );
    }

    #[test]
    fn countries_are_iso_codes_naming_the_field() {
        let e = decode(r#"{"command":"deliver","country":"XX"}"#).unwrap_err();
        assert_eq!(e.field, "country");
        let long = format!(
            r#"{{"command":"deliver","country":"{}"}}"#,
            "D".repeat(5000)
        );
        assert_eq!(decode(&long).unwrap_err().field, "country");
        let ok = decode(r#"{"command":"deliver","country":"de"}"#).unwrap();
        assert!(matches!(ok, Command::Deliver { country: Some(c) } if c.as_str() == "DE"));
        let e = decode(
            r#"{"command":"place","buyer":"b","seller":"s","price":"1.00","currency":"USD","promised_days":20,"destination_country":"UK"}"#,
        )
        .unwrap_err();
        assert_eq!(e.field, "destination_country");
        assert!(e.message.contains("GB"), "{e}");
    }

    #[test]
    fn misspelt_fields_are_refused_naming_the_nearest() {
        // Regression: `"destinaton_country":"BR"` or `"handling_day":2` in `place` were
        // dropped in silence and the order placed with the defaults.
        for (json, field, nearest) in [
            (
                r#"{"command":"place","buyer":"b","seller":"s","price":"1.00","currency":"USD","promised_days":20,"destinaton_country":"BR"}"#,
                "destinaton_country",
                "destination_country",
            ),
            (
                r#"{"command":"place","buyer":"b","seller":"s","price":"1.00","currency":"USD","promised_days":20,"handling_day":2}"#,
                "handling_day",
                "handling_days",
            ),
            (
                r#"{"command":"place","buyer":"b","seller":"s","price":"1.00","currency":"USD","promised_days":20,"eu_consumr":true}"#,
                "eu_consumr",
                "eu_consumer",
            ),
            (
                r#"{"command":"add_evidence","evidence":[{"type":"text","text":"x","txt":"y"}]}"#,
                "txt",
                "text",
            ),
        ] {
            let e = serde_json::from_str::<CommandDto>(json)
                .unwrap_err()
                .to_string();
            let msg = with_suggestion(&e);
            assert!(msg.contains(&format!("unknown field `{field}`")), "{msg}");
            assert!(
                msg.ends_with(&format!("(did you mean `{nearest}`?)")),
                "{msg}"
            );
        }
        let e = serde_json::from_str::<CommandDto>(r#"{"command":"shipp","tracking":"x"}"#)
            .unwrap_err()
            .to_string();
        assert!(
            with_suggestion(&e).ends_with("(did you mean `ship`?)"),
            "{e}"
        );
        let e = serde_json::from_str::<CommandDto>(r#"{"command":"ship","xyzzyxyzzy":1}"#)
            .unwrap_err()
            .to_string();
        assert_eq!(with_suggestion(&e), e, "nothing near: no suggestion");
    }
}
