//! The stack seed: 32 secret bytes per stack, from which drplan derives what Terraform keeps
//! only in its state and must stay secret (`random_password`, `random_string`).
//!
//! drplan keeps no state file, so a random value must come out the same on every plan, on
//! every machine, without being written anywhere readable. The seed is a Secrets Manager secret
//! in the DR region, `drplan/<stack>/stack-seed`, created by the first apply that needs it
//! (from the operating system's random source), tagged with the stack and [`SEED_TAG`] and
//! never with an address, so no plan ever adopts, changes or deletes it as a resource. Each
//! value is HMAC-SHA256 of the seed over its type, address and arguments, in counter mode.
//!
//! The threat model (docs/configuration.md, "Random values"): whoever can read the secret can
//! recompute every derived value, exactly as whoever can read Terraform's state can read them;
//! without it, the values are not predictable from the configuration, the stack name or the
//! addresses. The primary region plays no part. The seed's bytes never reach a snapshot
//! (`LiveSnapshot` skips it), a plan file, a journal or a tag.
//!
//! This module owns the seed's name, its encoding and the derivation; reading and creating the
//! secret belong to the cloud backends, deriving values per type to `resources::random`.

use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The tag (value `"true"`) that marks the secret as a stack's seed.
pub const SEED_TAG: &str = "drplan:stack-seed";

/// The secret's name in the DR region.
pub fn secret_name(stack: &str) -> String {
    format!("drplan/{stack}/stack-seed")
}

/// A stack's seed. Its `Debug` never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct StackSeed(Arc<[u8; 32]>);

impl std::fmt::Debug for StackSeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StackSeed(..)")
    }
}

impl StackSeed {
    /// A new seed from the operating system's random source.
    pub fn generate() -> Result<StackSeed, String> {
        let mut bytes = [0u8; 32];
        getrandom::getrandom(&mut bytes).map_err(|e| format!("the operating system's random source failed: {e}"))?;
        Ok(StackSeed(Arc::new(bytes)))
    }

    /// The seed a secret's string holds (64 hex digits); the error never repeats the string.
    pub fn from_secret_string(text: &str) -> Result<StackSeed, String> {
        let bytes = hex::decode(text.trim()).ok().and_then(|b| <[u8; 32]>::try_from(b).ok());
        bytes.map(|b| StackSeed(Arc::new(b))).ok_or_else(|| "it does not hold 64 hexadecimal digits".to_string())
    }

    /// What the secret stores.
    pub fn to_secret_string(&self) -> String {
        hex::encode(self.0.as_ref())
    }

    /// A byte stream for `context` (type, address and arguments): the same context gives the
    /// same stream; another context, or another seed, an unrelated one.
    pub fn stream(&self, context: &str) -> impl Iterator<Item = u8> + '_ {
        let context = context.to_string();
        (0u32..).flat_map(move |counter| {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.0.as_ref()).expect("HMAC takes any key length");
            mac.update(context.as_bytes());
            mac.update(&counter.to_be_bytes());
            mac.finalize().into_bytes().to_vec()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_round_trips_and_never_shows() {
        let seed = StackSeed::generate().unwrap();
        let text = seed.to_secret_string();
        assert_eq!(text.len(), 64);
        assert_eq!(StackSeed::from_secret_string(&text).unwrap(), seed);
        assert_eq!(format!("{seed:?}"), "StackSeed(..)");
        let err = StackSeed::from_secret_string("hunter2").unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
        assert_ne!(StackSeed::generate().unwrap(), seed);
    }

    #[test]
    fn streams_depend_on_the_context_and_the_seed() {
        let a = StackSeed::from_secret_string(&"11".repeat(32)).unwrap();
        let b = StackSeed::from_secret_string(&"22".repeat(32)).unwrap();
        let take = |s: &StackSeed, c: &str| s.stream(c).take(80).collect::<Vec<u8>>();
        assert_eq!(take(&a, "x"), take(&a, "x"));
        assert_ne!(take(&a, "x"), take(&a, "y"));
        assert_ne!(take(&a, "x"), take(&b, "x"));
        // Past one HMAC block the stream goes on (counter mode), not repeating the first block.
        let long = take(&a, "x");
        assert_ne!(long[..32], long[32..64]);
    }
}
