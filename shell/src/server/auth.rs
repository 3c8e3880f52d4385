//! API tokens: random 256-bit secrets handed out once; only their SHA-256
//! digests are stored (in the database and in memory). A token's subject is
//! `admin` or `agent:ID`. Tokens are high-entropy random values, not
//! passwords, so a fast digest is enough: nothing can be guessed from it.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use rand::RngExt;
use sha2::{Digest, Sha256};

/// Digest -> subject, shared by the API tasks (lookups) and the actor (issuing).
#[derive(Clone, Default)]
pub struct Tokens(Arc<RwLock<BTreeMap<String, String>>>);

impl Tokens {
    pub fn new(entries: Vec<(String, String)>) -> Tokens {
        Tokens(Arc::new(RwLock::new(entries.into_iter().collect())))
    }

    pub fn insert(&self, digest: String, subject: String) {
        if let Ok(mut m) = self.0.write() {
            m.insert(digest, subject);
        }
    }

    /// Forgets tokens by digest.
    pub fn remove(&self, digests: &[String]) {
        if let Ok(mut m) = self.0.write() {
            for d in digests {
                m.remove(d);
            }
        }
    }

    /// The subject of a presented token, if it is one of ours.
    pub fn subject(&self, token: &str) -> Option<String> {
        let d = digest(token);
        self.0.read().ok()?.get(&d).cloned()
    }

    /// Whether a token (by digest) is still valid: a push stream opened with
    /// it ends when it is revoked.
    pub fn holds(&self, digest: &str) -> bool {
        self.0.read().is_ok_and(|m| m.contains_key(digest))
    }

    /// The digests of the tokens a revocation names, and whether any admin
    /// token would be left after it.
    pub fn select(&self, which: &Revoke) -> (Vec<String>, bool) {
        let Ok(m) = self.0.read() else {
            return (Vec::new(), true);
        };
        let chosen: Vec<String> = match which {
            Revoke::Token(t) => {
                let d = digest(t);
                m.contains_key(&d).then_some(d).into_iter().collect()
            }
            Revoke::Agent(id) => {
                let subject = format!("agent:{id}");
                m.iter()
                    .filter(|(_, s)| **s == subject)
                    .map(|(d, _)| d.clone())
                    .collect()
            }
        };
        let admin_left = m.iter().any(|(d, s)| s == "admin" && !chosen.contains(d));
        (chosen, admin_left)
    }

    /// Whether any admin token exists.
    pub fn has_admin(&self) -> bool {
        self.0
            .read()
            .map(|m| m.values().any(|s| s == "admin"))
            .unwrap_or(false)
    }
}

/// What a revocation names: one token, or every token of an agent.
#[derive(Clone, Debug)]
pub enum Revoke {
    Token(String),
    Agent(String),
}

/// The hex SHA-256 digest of a token.
pub fn digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new token and its digest.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    let token = format!("sb_{}", hex(&bytes));
    let d = digest(&token);
    (token, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_found_by_digest_only() {
        let (token, d) = new_token();
        assert_ne!(token, d);
        assert_eq!(d.len(), 64);
        let t = Tokens::new(vec![(d, "agent:a1".into())]);
        assert_eq!(t.subject(&token).as_deref(), Some("agent:a1"));
        assert_eq!(t.subject("sb_nope"), None);
        assert!(!t.has_admin());
    }
}
