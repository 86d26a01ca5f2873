//! API keys and roles. A key is `mgk_<id>_<secret>`: the id finds the row, the secret
//! is stored only as its SHA-256, and the key is shown once at creation.

use std::fmt;

use domain::{BuyerId, SellerId};
use protection::Actor;
use sha2::{Digest, Sha256};

/// Who a key acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// Reads everything, including the whole ledger, and acts as the platform; it
    /// does not decide disputes (the rules leave that to agents).
    Admin,
    /// A trust-and-safety agent: reads everything, decides disputes.
    Agent,
    /// The marketplace backend: acts for buyers, sellers and carriers.
    Platform,
    Seller(SellerId),
    Buyer(BuyerId),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid role {0:?}: expected admin, agent, platform, seller:ID or buyer:ID")]
pub struct RoleError(pub String);

impl Role {
    pub fn parse(s: &str) -> Result<Role, RoleError> {
        let err = || RoleError(s.to_string());
        Ok(match s.split_once(':') {
            None if s == "admin" => Role::Admin,
            None if s == "agent" => Role::Agent,
            None if s == "platform" => Role::Platform,
            Some(("seller", id)) => Role::Seller(SellerId::parse(id).map_err(|_| err())?),
            Some(("buyer", id)) => Role::Buyer(BuyerId::parse(id).map_err(|_| err())?),
            _ => return Err(err()),
        })
    }

    /// The actor recorded on the events this key causes. The platform may act as a
    /// carrier (delivery events) when the command is a carrier's.
    pub fn actor(&self, key_id: &str, carrier_command: bool) -> Actor {
        match self {
            Role::Admin | Role::Platform if carrier_command => Actor::Carrier,
            Role::Admin | Role::Platform => Actor::Platform,
            Role::Agent => Actor::Agent(key_id.to_string()),
            Role::Seller(s) => Actor::Seller(s.clone()),
            Role::Buyer(b) => Actor::Buyer(b.clone()),
        }
    }

    /// May this role read everything (all orders, the ledger)?
    pub fn reads_all(&self) -> bool {
        matches!(self, Role::Admin | Role::Agent | Role::Platform)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Role::Admin => f.write_str("admin"),
            Role::Agent => f.write_str("agent"),
            Role::Platform => f.write_str("platform"),
            Role::Seller(id) => write!(f, "seller:{id}"),
            Role::Buyer(id) => write!(f, "buyer:{id}"),
        }
    }
}

/// A newly made key: the full text to show once, and what to store.
pub struct NewKey {
    pub id: String,
    pub secret_sha256: String,
    pub full: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// Makes a key from the operating system's random source.
pub fn new_key() -> NewKey {
    let mut id = [0u8; 8];
    let mut secret = [0u8; 24];
    getrandom::fill(&mut id).expect("the operating system's random source works");
    getrandom::fill(&mut secret).expect("the operating system's random source works");
    let (id, secret) = (hex(&id), hex(&secret));
    NewKey {
        full: format!("mgk_{id}_{secret}"),
        secret_sha256: sha256_hex(&secret),
        id,
    }
}

/// Splits a presented key into (id, secret).
pub fn split_key(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix("mgk_")?;
    let (id, secret) = rest.split_once('_')?;
    (id.len() == 16 && secret.len() == 48).then_some((id, secret))
}

/// Compares without an early exit, so timing says nothing about the stored hash.
pub fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_roles_parse() {
        let k = new_key();
        let (id, secret) = split_key(&k.full).unwrap();
        assert_eq!(id, k.id);
        assert!(same_hash(&sha256_hex(secret), &k.secret_sha256));
        assert!(!same_hash(&sha256_hex("other"), &k.secret_sha256));
        assert!(split_key("mgk_short_x").is_none());
        for r in ["admin", "agent", "platform", "seller:s-1", "buyer:b-1"] {
            assert_eq!(Role::parse(r).unwrap().to_string(), r);
        }
        assert!(Role::parse("root").is_err());
        assert!(Role::parse("buyer:").is_err());
    }
}
