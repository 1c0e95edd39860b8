//! hashicorp/time's `time_static`, `time_offset` and `time_rotating`, without state.
//!
//! In Terraform each keeps, in state, the time it was created (its base) and computes its
//! attributes from it. drplan has no state file, so the base time is recorded in the DR region
//! on the stack seed's secret (`live::seed`), as a tag per address: key
//! `drplan:time:<digest of the address>`, value `<RFC 3339 UTC> <digest of triggers>`. The tag
//! is read with the seed while planning, so every plan on every machine sees the same base;
//! it is not secret (Terraform does not mark these values sensitive either).
//!
//! - No base recorded yet (the first plan), or `triggers` changed since it was recorded: the
//!   instance is pending, a create step of the plan; its computed attributes are known after
//!   apply, and apply records the time it runs as the new base.
//! - `time_rotating` past its rotation time is pending too (Terraform's read drops it from
//!   state, so its plan creates it again); "now" is when the live state was read.
//! - A base set in the configuration (`rfc3339`, `base_rfc3339`) is used as written: nothing
//!   is recorded for it.
//!
//! This module owns the tag's key and value and the values Terraform's provider computes;
//! reading and writing the tag belong to the cloud backends, scheduling the step to
//! `plan::build`.

use std::collections::{BTreeMap, BTreeSet};

use sha2::Digest as _;

use crate::eval::Value;
use crate::eval::functions::time::{Stamp, parse};

/// The types this module serves.
pub const TYPES: &[&str] = &["time_offset", "time_rotating", "time_static"];

/// The prefix of the seed secret's tags that record base times.
pub const TAG_PREFIX: &str = "drplan:time:";

/// The attributes every one of them computes from its timestamp.
const CLOCK: &[&str] = &["year", "month", "day", "hour", "minute", "second", "unix"];

/// Whether `ty` is one of hashicorp/time's types served here.
pub fn is(ty: &str) -> bool {
    TYPES.contains(&ty)
}

/// The tag key that records the base time of the instance at `address`.
pub fn key(address: &str) -> String {
    format!("{TAG_PREFIX}{}", digest_of(address))
}

/// A short digest of `text` (16 hex digits), what a recorded time is kept under.
pub fn digest_of(text: &str) -> String {
    hex::encode(&sha2::Sha256::digest(text.as_bytes())[..8])
}

/// The argument that sets the base in the configuration.
fn base_argument(ty: &str) -> &'static str {
    if ty == "time_offset" { "base_rfc3339" } else { "rfc3339" }
}

/// The digest of `triggers` a recorded base belongs to; `None` while they are not known.
fn triggers_digest(config: &Value) -> Option<String> {
    let triggers = config.get("triggers").cloned().unwrap_or(Value::Null);
    triggers.is_wholly_known().then(|| digest_of(&triggers.to_string()))
}

/// Where an instance's base time stands.
enum Base {
    /// Known: configured, or recorded for the current triggers (and, rotating, not yet due).
    Known(Stamp),
    /// An argument it depends on is not known yet.
    Unknown,
    /// Apply must record a new base (why, for the plan).
    Pending(String),
}

/// The inputs every computation here takes: the instance's configuration, the top-level
/// arguments it writes (an optional and computed argument left unset is unknown in it, not
/// null), the base times recorded for the stack, and "now" (when the live state was read).
pub struct Inputs<'a> {
    pub address: &'a str,
    pub config: &'a Value,
    pub written: &'a BTreeSet<String>,
    pub recorded: &'a BTreeMap<String, String>,
    pub now: i64,
}

fn base(ty: &str, i: &Inputs) -> Base {
    let (address, config, recorded, now) = (i.address, i.config, i.recorded, i.now);
    let argument = base_argument(ty);
    let configured = if i.written.contains(argument) { config.get(argument) } else { None };
    let stamp = match configured {
        Some(Value::String(text)) => match parse(text) {
            Ok(stamp) => stamp,
            Err(_) => return Base::Unknown, // validation reports it
        },
        Some(Value::Null) | None => match recorded_base(address, config, recorded) {
            Ok(stamp) => stamp,
            Err(base) => return base,
        },
        Some(_) => return Base::Unknown,
    };
    if ty == "time_rotating" {
        match rotation(config, i.written, &stamp) {
            Some(Some(due)) if due.epoch() < now => {
                return Base::Pending(format!("its rotation time {} has passed", due.rfc3339()));
            }
            Some(_) => {}
            None => return Base::Unknown,
        }
    }
    Base::Known(stamp)
}

fn recorded_base(address: &str, config: &Value, recorded: &BTreeMap<String, String>) -> Result<Stamp, Base> {
    // Triggers known only after apply: apply records a time unless one is recorded for them.
    let Some(digest) = triggers_digest(config) else {
        return Err(Base::Pending("its triggers are known only after apply".into()));
    };
    lookup(address, &digest, recorded, "its triggers changed").map_err(Base::Pending)
}

/// The time recorded for `address` under `digest` (of what, changed, asks for a new time);
/// otherwise why a new one must be recorded (`changed` when one was, for other inputs).
pub fn lookup(
    address: &str,
    digest: &str,
    recorded: &BTreeMap<String, String>,
    changed: &str,
) -> Result<Stamp, String> {
    let Some(entry) = recorded.get(&key(address)) else {
        return Err("no base time is recorded for it yet".into());
    };
    let (time, for_inputs) = entry.split_once(' ').unwrap_or((entry, ""));
    if for_inputs != digest {
        return Err(changed.into());
    }
    parse(time).map_err(|_| "the recorded base time is not a timestamp".into())
}

/// The tag that records `now` as the base time of `address` under `digest`.
pub fn entry(address: &str, digest: &str, now: i64) -> (String, String) {
    (key(address), format!("{} {digest}", Stamp::utc(now).rfc3339()))
}

/// Why apply must record a base time for this instance (a create step); `None` when its
/// base is known or cannot be known yet.
pub fn pending(ty: &str, inputs: &Inputs) -> Option<String> {
    match base(ty, inputs) {
        Base::Pending(why) => Some(why),
        Base::Known(_) | Base::Unknown => None,
    }
}

/// What apply records for the instance at `address` when it runs at `now`: the tag's key and
/// value. `None` when the configuration sets the base (nothing to record). At apply time every
/// written argument is known, so an unknown base argument is one left unset.
pub fn record(ty: &str, address: &str, config: &Value, now: i64) -> Option<Result<(String, String), String>> {
    if !is(ty) || matches!(config.get(base_argument(ty)), Some(Value::String(_))) {
        return None;
    }
    let Some(digest) = triggers_digest(config) else {
        return Some(Err(format!("{address}: its triggers are not known at apply time")));
    };
    Some(Ok(entry(address, &digest, now)))
}

/// What references to the instance see: its arguments and, once its base is known, what the
/// provider computes from it; the computed attributes are unknown until then.
pub fn value(ty: &str, inputs: &Inputs) -> Value {
    let config = inputs.config;
    let Value::Map(fields) = config else { return config.clone() };
    let mut out = fields.clone();
    let computed = CLOCK.iter().copied().chain(["id", "rfc3339"]).chain(match ty {
        "time_offset" => Some("base_rfc3339"),
        "time_rotating" => Some("rotation_rfc3339"),
        _ => None,
    });
    for name in computed {
        if matches!(out.get(name), None | Some(Value::Null)) {
            out.insert(name.into(), Value::Unknown);
        }
    }
    let Base::Known(base) = base(ty, inputs) else { return Value::Map(out) };
    let (shown, timestamp) = match ty {
        "time_offset" => (offset(config, &base), "rfc3339"),
        "time_rotating" => match rotation(config, inputs.written, &base) {
            Some(Some(due)) => (due, "rotation_rfc3339"),
            _ => return Value::Map(out),
        },
        _ => (base, "rfc3339"),
    };
    let clock = [shown.year, shown.month.into(), shown.day.into(), shown.hour.into(), shown.minute.into()];
    for (name, number) in CLOCK.iter().zip(clock.into_iter().chain([shown.second.into(), shown.epoch()])) {
        out.insert((*name).into(), Value::from(number));
    }
    out.insert(timestamp.into(), shown.rfc3339().into());
    let base_name = if ty == "time_offset" { "base_rfc3339" } else { "rfc3339" };
    out.insert(base_name.into(), base.rfc3339().into());
    out.insert("id".into(), base.rfc3339().into());
    Value::Map(out)
}

fn whole(config: &Value, name: &str) -> i64 {
    match config.get(name) {
        Some(Value::Number(n)) => n.to_i64().unwrap_or_default(),
        _ => 0,
    }
}

/// `time_offset`'s timestamp: as the provider computes it, each `offset_*` that is set applied
/// to the base alone, the last one in its order (days, hours, minutes, months, seconds, years)
/// winning.
fn offset(config: &Value, base: &Stamp) -> Stamp {
    let mut shown = *base;
    for (name, step) in [
        ("offset_days", Step::Days),
        ("offset_hours", Step::Seconds(3600)),
        ("offset_minutes", Step::Seconds(60)),
        ("offset_months", Step::Months),
        ("offset_seconds", Step::Seconds(1)),
        ("offset_years", Step::Years),
    ] {
        let amount = whole(config, name);
        if amount != 0 {
            shown = step.apply(base, amount);
        }
    }
    shown
}

/// `time_rotating`'s rotation time, in the provider's order (days, hours, minutes, months, a
/// configured `rotation_rfc3339`, years; the last that is set wins). `None` while an argument
/// is unknown, `Some(None)` when nothing sets it. `rotation_rfc3339` counts when `written`.
fn rotation(config: &Value, written: &BTreeSet<String>, base: &Stamp) -> Option<Option<Stamp>> {
    let configured = config.get("rotation_rfc3339").filter(|_| written.contains("rotation_rfc3339"));
    let names = ["rotation_days", "rotation_hours", "rotation_minutes", "rotation_months", "rotation_years"];
    let unknown = |v: &Value| !v.is_wholly_known();
    if names.iter().filter_map(|n| config.get(n)).chain(configured).any(unknown) {
        return None;
    }
    let mut due = None;
    for (name, step) in [
        ("rotation_days", Step::Days),
        ("rotation_hours", Step::Seconds(3600)),
        ("rotation_minutes", Step::Seconds(60)),
        ("rotation_months", Step::Months),
    ] {
        let amount = whole(config, name);
        if amount != 0 {
            due = Some(step.apply(base, amount));
        }
    }
    if let Some(Value::String(text)) = configured {
        due = Some(parse(text).ok()?);
    }
    let years = whole(config, "rotation_years");
    if years != 0 {
        due = Some(Step::Years.apply(base, years));
    }
    Some(due)
}

/// One of the provider's steps: Go's `AddDate` for calendar units, `Add` for clock units.
enum Step {
    Years,
    Months,
    Days,
    Seconds(i64),
}

impl Step {
    fn apply(&self, base: &Stamp, amount: i64) -> Stamp {
        match self {
            Step::Years => base.add_date(amount, 0, 0),
            Step::Months => base.add_date(0, amount, 0),
            Step::Days => base.add_date(0, 0, amount),
            Step::Seconds(unit) => base.at(base.epoch() + unit * amount),
        }
    }
}

#[cfg(test)]
mod tests;
