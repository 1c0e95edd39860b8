//! `time_sleep` (hashicorp/time): a wait between what it depends on and what depends on it, the
//! usual remedy for IAM's eventual consistency. Terraform waits `create_duration` once, when
//! the resource is created, and keeps it in state; drplan has no state, so a `time_sleep` is
//! pending exactly when something that depends on it is created or replaced in the same plan
//! (which is when Terraform's would be new too): it is then a step of the plan that waits, and
//! otherwise nothing is planned for it. `destroy_duration` is not waited (drplan plans no
//! deletion of it: there is no object).

use std::time::Duration;

use crate::eval::Value;

pub const TYPE: &str = "time_sleep";

/// Whether `ty` is this type.
pub fn is(ty: &str) -> bool {
    ty == TYPE
}

/// The wait a step of `ty` performs instead of a write: `None` for every other type.
pub fn wait_of(ty: &str, config: &Value) -> Option<Result<Duration, String>> {
    is(ty).then(|| create_wait(config).map(Option::unwrap_or_default))
}

/// Its step takes `create_duration` (rounded up to a second), whatever the model says.
pub fn estimate(ty: &str, step: &super::StepView) -> Option<super::Estimate> {
    let text = step.after.get("create_duration").and_then(serde_json::Value::as_str);
    let wait = text.and_then(|t| go_duration(t).ok()).unwrap_or_default();
    is(ty).then(|| super::Estimate::new(wait.as_secs_f64().ceil() as u64, "its create_duration"))
}

/// The wait before its dependents, from `create_duration` (Go's duration syntax: "30s",
/// "1m30s", "500ms", "1.5h"); none when unset.
pub fn create_wait(config: &Value) -> Result<Option<Duration>, String> {
    match config.get("create_duration") {
        Some(Value::String(text)) => go_duration(text).map(Some),
        Some(Value::Null) | None => Ok(None),
        Some(other) => Err(format!("create_duration must be a duration string, not {other}")),
    }
}

/// Parses Go's `time.ParseDuration` syntax (unsigned): decimal numbers, each with a unit.
fn go_duration(text: &str) -> Result<Duration, String> {
    const UNITS: &[(&str, f64)] =
        &[("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1.0), ("m", 60.0), ("h", 3600.0)];
    let bad = || format!("{text:?} is not a duration (\"30s\", \"1m30s\", \"500ms\")");
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let (mut rest, mut seconds) = (text, 0f64);
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let number_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(bad)?;
        let number: f64 = rest[..number_len].parse().map_err(|_| bad())?;
        rest = &rest[number_len..];
        // The longest unit that matches ("ms" before "m").
        let (unit, factor) =
            UNITS.iter().filter(|(u, _)| rest.starts_with(u)).max_by_key(|(u, _)| u.len()).ok_or_else(bad)?;
        seconds += number * factor;
        rest = &rest[unit.len()..];
    }
    Duration::try_from_secs_f64(seconds).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_gos() {
        assert_eq!(go_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(go_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(go_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(go_duration("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(go_duration("0"), Ok(Duration::ZERO));
        assert!(go_duration("30").is_err() && go_duration("s").is_err() && go_duration("").is_err());
        let c = |v: Value| Value::Map([("create_duration".to_string(), v)].into());
        assert_eq!(create_wait(&c(Value::from("2m"))), Ok(Some(Duration::from_secs(120))));
        assert_eq!(create_wait(&c(Value::Null)), Ok(None));
    }
}
