//! Typed identifiers: an order id can never be passed where a seller id is expected.

use std::fmt;

/// Longest id accepted from outside; ids are keys in every table and log line.
pub const ID_BYTES_MAX: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} id {value:?}: {reason}")]
pub struct IdError {
    pub kind: &'static str,
    pub value: String,
    pub reason: &'static str,
}

fn check_id(kind: &'static str, value: &str, bytes_max: usize) -> Result<(), IdError> {
    let fail = |reason| {
        Err(IdError {
            kind,
            value: value.chars().take(80).collect(),
            reason,
        })
    };
    if value.is_empty() {
        return fail("empty");
    }
    if value.len() > bytes_max {
        return fail(if bytes_max == ID_BYTES_MAX {
            "longer than 64 bytes"
        } else {
            "longer than 128 bytes"
        });
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
    {
        return fail("only letters, digits and - _ . : are allowed");
    }
    Ok(())
}

macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident, $kind:literal) => {
        typed_id!($(#[$meta])* $name, $kind, ID_BYTES_MAX);
    };
    ($(#[$meta:meta])* $name:ident, $kind:literal, $max:expr) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub fn parse(value: &str) -> Result<$name, IdError> {
                check_id($kind, value, $max)?;
                Ok($name(value.to_string()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", $kind, self.0)
            }
        }
    };
}

typed_id!(
    /// An order, chosen by the marketplace.
    OrderId,
    "order"
);
typed_id!(
    /// A buyer account.
    BuyerId,
    "buyer"
);
typed_id!(
    /// A seller's store.
    SellerId,
    "seller"
);
typed_id!(
    /// A ledger transfer, chosen by the client: the idempotency key of money movement.
    /// Twice as long as other ids, so that it can be derived from one.
    TransferId,
    "transfer",
    2 * ID_BYTES_MAX
);
typed_id!(
    /// A dispute on an order.
    DisputeId,
    "dispute"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked() {
        assert_eq!(OrderId::parse("o-1").unwrap().as_str(), "o-1");
        assert!(OrderId::parse("").is_err());
        assert!(OrderId::parse("a b").is_err());
        assert!(SellerId::parse(&"x".repeat(65)).is_err());
        let e = BuyerId::parse("a/b").unwrap_err();
        assert_eq!(e.kind, "buyer");
        assert!(e.to_string().contains("invalid buyer id"));
    }
}
