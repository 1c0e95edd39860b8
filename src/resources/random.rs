//! hashicorp/random's resources, served natively and statelessly: `random_password` and
//! `random_string` from the stack's seed secret (`live::seed`), `random_integer`, `random_uuid`,
//! `random_shuffle` and `random_pet` (and `random_id`, in `graph_only`) from the stack and the
//! address.
//!
//! Terraform draws these once and keeps them in state; a change of any argument (they are all
//! `ForceNew`, `keepers` included) draws again. drplan has no state: a value is a function of
//! what identifies the instance and of its arguments, so the same configuration gives the same
//! value on every plan and machine, and a changed argument a new value, as a replacement would.
//!
//! - Seeded (`random_password`, `random_string`): values that can be secrets come from the
//!   seed, which only the DR region's Secrets Manager holds. Before the seed exists (the first
//!   plan) they are unknown, "known after apply"; `random_password.result` is sensitive.
//! - The rest are not secrets (Terraform does not mark them sensitive): derived from the stack
//!   and address with SHA-256, known on the first plan. Their `seed` argument feeds the
//!   derivation; the numbers are not those Go's `math/rand` gives for it.
//!
//! Character choice follows the provider: the minimum counts of each class first, the rest from
//! the whole set, then shuffled.

use sha2::Digest as _;

use crate::eval::Value;
use crate::live::seed::StackSeed;

/// The types served here.
pub const TYPES: &[&str] =
    &["random_password", "random_string", "random_integer", "random_uuid", "random_shuffle", "random_pet"];

/// The types whose values come from the seed.
pub const SEEDED: &[&str] = &["random_password", "random_string"];

/// Attributes the types compute (never arguments).
const COMPUTED: &[&str] = &["id", "result", "bcrypt_hash"];

const DEFAULT_SPECIAL: &str = "!@#$%&*()-_=+[]{}<>:?";

/// The value references to an instance see: its arguments with the provider's defaults and its
/// computed attributes; `Value::Unknown` while an argument (or the seed it needs) is not known.
pub fn value(ty: &str, stack: &str, address: &str, config: &Value, seed: Option<&StackSeed>) -> Value {
    // The computed attributes come in unknown; the arguments must be known.
    let arguments_known = config
        .as_map()
        .is_some_and(|m| m.iter().filter(|(k, _)| !COMPUTED.contains(&k.as_str())).all(|(_, v)| v.is_wholly_known()));
    if !arguments_known {
        return Value::Unknown;
    }
    let context = format!("drplan random v1\0{ty}\0{stack}\0{address}\0{}", config_key(config));
    if ty == "random_pet" {
        // Its one computed attribute is `id`.
        let mut out = config.as_map().cloned().unwrap_or_default();
        let id = pet(config, &mut public_stream(&context)).map_or(Value::Unknown, Value::from);
        out.insert("id".into(), id);
        return Value::Map(out.into());
    }
    let derived = match ty {
        "random_password" | "random_string" => match seed {
            Some(seed) => characters(config, &mut seed.stream(&context)).map(Value::from),
            None => return Value::Unknown,
        },
        "random_integer" => integer(config, &mut public_stream(&context)),
        "random_uuid" => Some(Value::from(uuid(&mut public_stream(&context)))),
        "random_shuffle" => shuffle(config, &mut public_stream(&context)),
        _ => None,
    };
    let Some(result) = derived else { return Value::Unknown };
    let mut out = with_defaults(ty, config);
    if let (Some(seed), Value::String(password)) = (seed.filter(|_| ty == "random_password"), &result) {
        let salt: Vec<u8> = seed.stream(&format!("{context}\0bcrypt")).take(16).collect();
        out.insert("bcrypt_hash".into(), bcrypt_hash(password, &salt).map_or(Value::Unknown, Value::from));
    }
    let id = match ty {
        "random_password" => Value::from("none"),
        "random_shuffle" => Value::from("-"),
        _ => Value::String(result.to_template_string().unwrap_or_default()),
    };
    out.insert("result".into(), result);
    out.insert("id".into(), id);
    Value::Map(out.into())
}

/// `bcrypt_hash`: Go's `bcrypt.GenerateFromPassword(result, 10)` (`$2a$10$...`), its salt
/// derived from the seed (Go draws it at random and Terraform keeps it in state), so every plan
/// computes the same hash. Hashed once per process: bcrypt is slow by design.
fn bcrypt_hash(password: &str, salt: &[u8]) -> Option<String> {
    use std::sync::{Mutex, OnceLock};
    type Hashes = std::collections::HashMap<(String, Vec<u8>), String>;
    static DONE: OnceLock<Mutex<Hashes>> = OnceLock::new();
    let done = DONE.get_or_init(Mutex::default);
    let key = (password.to_string(), salt.to_vec());
    if let Some(hash) = done.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Some(hash.clone());
    }
    let parts = bcrypt::hash_with_salt(password, 10, salt.try_into().ok()?).ok()?;
    let hash = parts.format_for_version(bcrypt::Version::TwoA);
    done.lock().unwrap_or_else(|e| e.into_inner()).insert(key, hash.clone());
    Some(hash)
}

/// The arguments in a stable text, so equal configurations derive equal values.
fn config_key(config: &Value) -> String {
    let Value::Map(fields) = config else { return String::new() };
    fields
        .iter()
        .filter(|(k, v)| !matches!(v, Value::Null) && !COMPUTED.contains(&k.as_str()))
        .map(|(k, v)| format!("{k}={v}\n"))
        .collect()
}

fn with_defaults(ty: &str, config: &Value) -> std::collections::BTreeMap<String, Value> {
    let mut out = config.as_map().cloned().unwrap_or_default();
    if SEEDED.contains(&ty) {
        for flag in ["special", "upper", "lower", "numeric", "number"] {
            out.entry(flag.into()).and_modify(|v| null_to(v, Value::Bool(true))).or_insert(Value::Bool(true));
        }
        for min in ["min_numeric", "min_upper", "min_lower", "min_special"] {
            out.entry(min.into()).and_modify(|v| null_to(v, Value::from(0i64))).or_insert(Value::from(0i64));
        }
    }
    out
}

fn null_to(v: &mut Value, default: Value) {
    if matches!(v, Value::Null) {
        *v = default;
    }
}

/// SHA-256 in counter mode over the context: not secret, stable.
fn public_stream(context: &str) -> impl Iterator<Item = u8> + '_ {
    (0u32..).flat_map(move |n| {
        let mut h = sha2::Sha256::new();
        h.update(context.as_bytes());
        h.update(n.to_be_bytes());
        h.finalize().to_vec()
    })
}

/// A uniform index below `n` (rejection sampling, so no index is likelier than another).
fn index(stream: &mut dyn Iterator<Item = u8>, n: usize) -> usize {
    let n = n.max(1) as u64;
    let zone = u64::MAX - (u64::MAX % n);
    loop {
        let mut word = [0u8; 8];
        for b in &mut word {
            *b = stream.next().unwrap_or_default();
        }
        let x = u64::from_be_bytes(word);
        if x < zone {
            return (x % n) as usize;
        }
    }
}

fn flag(config: &Value, name: &str) -> bool {
    !matches!(config.get(name), Some(Value::Bool(false)))
}

fn count(config: &Value, name: &str) -> usize {
    match config.get(name) {
        Some(Value::Number(n)) => n.to_usize().unwrap_or(0),
        _ => 0,
    }
}

/// `random_password` / `random_string`: `None` when the arguments cannot make a result (an
/// empty character set), which the provider refuses too.
fn characters(config: &Value, stream: &mut dyn Iterator<Item = u8>) -> Option<String> {
    const NUM: &str = "0123456789";
    const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
    const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let special = config.get("override_special").and_then(Value::as_str).filter(|s| !s.is_empty());
    let special = special.unwrap_or(DEFAULT_SPECIAL);
    let numeric = flag(config, "numeric") && flag(config, "number");
    let classes = [(UPPER, "upper"), (LOWER, "lower"), (NUM, ""), (special, "special")];
    let set: String = classes
        .iter()
        .filter(|(_, f)| if f.is_empty() { numeric } else { flag(config, f) })
        .map(|(chars, _)| *chars)
        .collect();
    if set.is_empty() {
        return None;
    }
    let length = count(config, "length");
    let mut out: Vec<char> = Vec::with_capacity(length);
    let minimums = [(NUM, "min_numeric"), (LOWER, "min_lower"), (UPPER, "min_upper"), (special, "min_special")];
    for (chars, min) in minimums {
        let chars: Vec<char> = chars.chars().collect();
        for _ in 0..count(config, min) {
            out.push(chars[index(stream, chars.len())]);
        }
    }
    let all: Vec<char> = set.chars().collect();
    while out.len() < length {
        out.push(all[index(stream, all.len())]);
    }
    // Fisher-Yates, so the minimums are not all at the front.
    for i in (1..out.len()).rev() {
        out.swap(i, index(stream, i + 1));
    }
    Some(out.into_iter().collect())
}

fn integer(config: &Value, stream: &mut dyn Iterator<Item = u8>) -> Option<Value> {
    let bound = |k: &str| match config.get(k) {
        Some(Value::Number(n)) => n.to_i64(),
        _ => None,
    };
    let (min, max) = (bound("min")?, bound("max")?);
    if max < min {
        return None;
    }
    let span = (max as i128 - min as i128 + 1) as u128;
    let offset = if span > usize::MAX as u128 { index(stream, usize::MAX) } else { index(stream, span as usize) };
    Some(Value::from(min + offset as i64))
}

/// `random_pet`: `length - 2` adverbs, an adjective and a name from the upstream petname word
/// lists (those the provider's come from), joined by `separator`, after `prefix`.
fn pet(config: &Value, stream: &mut dyn Iterator<Item = u8>) -> Option<String> {
    let words = petname::Petnames::small();
    let length = match config.get("length") {
        Some(Value::Number(n)) => n.to_usize().filter(|n| *n >= 1)?,
        _ => 2,
    };
    let separator = config.get("separator").and_then(Value::as_str).unwrap_or("-");
    let mut pick = |list: &[&str]| list[index(stream, list.len())].to_string();
    let mut parts: Vec<String> = Vec::with_capacity(length + 1);
    if let Some(prefix) = config.get("prefix").and_then(Value::as_str) {
        parts.push(prefix.to_string());
    }
    for _ in 2..length {
        parts.push(pick(&words.adverbs));
    }
    if length >= 2 {
        parts.push(pick(&words.adjectives));
    }
    parts.push(pick(&words.nouns));
    Some(parts.join(separator))
}

fn uuid(stream: &mut dyn Iterator<Item = u8>) -> String {
    let mut bytes = [0u8; 16];
    for b in &mut bytes {
        *b = stream.next().unwrap_or_default();
    }
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}

fn shuffle(config: &Value, stream: &mut dyn Iterator<Item = u8>) -> Option<Value> {
    let mut items = config.get("input")?.as_seq()?.to_vec();
    for i in (1..items.len()).rev() {
        items.swap(i, index(stream, i + 1));
    }
    // As the provider: result_count may exceed the input, repeating it in order.
    let wanted = match config.get("result_count") {
        Some(Value::Number(n)) => n.to_usize()?,
        _ => items.len(),
    };
    let result = items.iter().cycle().take(if items.is_empty() { 0 } else { wanted }).cloned().collect();
    Some(Value::List(result))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, Value)]) -> Value {
        Value::Map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    fn seed(byte: &str) -> StackSeed {
        StackSeed::from_secret_string(&byte.repeat(32)).unwrap()
    }

    fn result(v: &Value) -> String {
        v.get("result").and_then(Value::as_str).unwrap().to_string()
    }

    #[test]
    fn passwords_come_from_the_seed_with_the_providers_character_rules() {
        // As the evaluator passes it: the computed attributes unknown.
        let c = config(&[
            ("length", Value::from(24i64)),
            ("min_special", Value::from(3i64)),
            ("result", Value::Unknown),
            ("id", Value::Unknown),
        ]);
        assert_eq!(value("random_password", "s", "random_password.db", &c, None), Value::Unknown);
        let a = value("random_password", "s", "random_password.db", &c, Some(&seed("11")));
        let pw = result(&a);
        assert_eq!(pw.chars().count(), 24);
        assert!(pw.chars().filter(|ch| DEFAULT_SPECIAL.contains(*ch)).count() >= 3, "{pw}");
        assert_eq!(a.get("id"), Some(&Value::from("none")));
        assert_eq!(a.get("special"), Some(&Value::Bool(true)));
        // bcrypt_hash: Go's format and cost, a hash of this password, the same on every plan.
        let hash = a.get("bcrypt_hash").and_then(Value::as_str).unwrap().to_string();
        assert!(hash.starts_with("$2a$10$") && hash.len() == 60, "{hash}");
        assert!(bcrypt::verify(&pw, &hash).unwrap());
        let again = value("random_password", "s", "random_password.db", &c, Some(&seed("11")));
        assert_eq!(again.get("bcrypt_hash"), a.get("bcrypt_hash"));
        // Same seed, address and arguments: the same password; any of them changed: another.
        assert_eq!(result(&value("random_password", "s", "random_password.db", &c, Some(&seed("11")))), pw);
        assert_ne!(result(&value("random_password", "s", "random_password.db", &c, Some(&seed("22")))), pw);
        assert_ne!(result(&value("random_password", "s", "random_password.x", &c, Some(&seed("11")))), pw);
        let keepers = config(&[("length", Value::from(24i64)), ("keepers", config(&[("k", Value::from("2"))]))]);
        assert_ne!(result(&value("random_password", "s", "random_password.db", &keepers, Some(&seed("11")))), pw);
    }

    #[test]
    fn character_classes_are_honoured() {
        let c = config(&[
            ("length", Value::from(40i64)),
            ("special", Value::Bool(false)),
            ("upper", Value::Bool(false)),
            ("numeric", Value::Bool(false)),
        ]);
        let s = result(&value("random_string", "s", "random_string.suffix", &c, Some(&seed("33"))));
        assert!(s.chars().all(|ch| ch.is_ascii_lowercase()), "{s}");
        let v = value("random_string", "s", "random_string.suffix", &c, Some(&seed("33")));
        assert_eq!(v.get("id"), v.get("result"));
        let o = config(&[
            ("length", Value::from(30i64)),
            ("override_special", Value::from("_")),
            ("min_special", Value::from(30i64)),
        ]);
        assert_eq!(result(&value("random_string", "s", "random_string.o", &o, Some(&seed("33")))), "_".repeat(30));
        let none = config(&[
            ("length", Value::from(4i64)),
            ("special", Value::Bool(false)),
            ("upper", Value::Bool(false)),
            ("lower", Value::Bool(false)),
            ("numeric", Value::Bool(false)),
        ]);
        assert_eq!(value("random_string", "s", "random_string.n", &none, Some(&seed("33"))), Value::Unknown);
    }

    #[test]
    fn public_values_are_known_without_a_seed_and_stable() {
        let c = config(&[("min", Value::from(1i64)), ("max", Value::from(6i64))]);
        let a = value("random_integer", "s", "random_integer.az", &c, None);
        let n = a.get("result").and_then(|v| if let Value::Number(n) = v { n.to_i64() } else { None }).unwrap();
        assert!((1..=6).contains(&n));
        assert_eq!(a.get("id"), Some(&Value::from(n.to_string())));
        assert_eq!(value("random_integer", "s", "random_integer.az", &c, None), a);
        let u = value("random_uuid", "s", "random_uuid.x", &config(&[]), None);
        let text = result(&u);
        assert_eq!(text.len(), 36);
        assert_eq!(&text[14..15], "4");
        assert_ne!(result(&value("random_uuid", "other", "random_uuid.x", &config(&[]), None)), text);
        let list = Value::List(["a", "b", "c", "d"].iter().map(|s| Value::from(*s)).collect());
        let s = value("random_shuffle", "s", "random_shuffle.az", &config(&[("input", list.clone())]), None);
        let Some(Value::List(out)) = s.get("result") else { panic!("{s:?}") };
        let mut sorted: Vec<String> = out.iter().map(|v| v.as_str().unwrap().to_string()).collect();
        sorted.sort();
        assert_eq!(sorted, ["a", "b", "c", "d"]);
        let two = config(&[("input", list), ("result_count", Value::from(2i64))]);
        let Some(Value::List(out)) =
            value("random_shuffle", "s", "random_shuffle.az", &two, None).get("result").cloned()
        else {
            panic!()
        };
        assert_eq!(out.len(), 2);
        assert_eq!(
            value("random_integer", "s", "random_integer.u", &config(&[("min", Value::Unknown)]), None),
            Value::Unknown
        );
        let pet = value("random_pet", "s", "random_pet.name", &config(&[]), None);
        let id = pet.get("id").and_then(Value::as_str).unwrap().to_string();
        assert_eq!(id.split('-').count(), 2, "{id}");
        assert_eq!(value("random_pet", "s", "random_pet.name", &config(&[]), None), pet);
        let long =
            config(&[("length", Value::from(3i64)), ("prefix", Value::from("dr")), ("separator", Value::from("_"))]);
        let long = value("random_pet", "s", "random_pet.name", &long, None);
        let id = long.get("id").and_then(Value::as_str).unwrap().to_string();
        assert!(id.starts_with("dr_") && id.split('_').count() == 4, "{id}");
    }
}
