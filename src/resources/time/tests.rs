//! Values as hashicorp/time 0.13's provider code computes them (Go's `time.AddDate` and
//! `time.Add`, the last `offset_*`/`rotation_*` that is set winning), and the recorded base.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::eval::Value;

fn config(pairs: &[(&str, Value)]) -> Value {
    Value::Map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}

fn s(text: &str) -> Value {
    Value::from(text)
}

fn n(number: i64) -> Value {
    Value::from(number)
}

/// `value` with every argument of `config` written.
fn value(ty: &str, address: &str, config: &Value, recorded: &BTreeMap<String, String>, now: i64) -> Value {
    let written = config.as_map().map(|m| m.keys().cloned().collect()).unwrap_or_default();
    super::value(ty, &Inputs { address, config, written: &written, recorded, now })
}

/// `pending` with every argument of `config` written.
fn pending(ty: &str, address: &str, config: &Value, recorded: &BTreeMap<String, String>, now: i64) -> Option<String> {
    let written = config.as_map().map(|m| m.keys().cloned().collect()).unwrap_or_default();
    super::pending(ty, &Inputs { address, config, written: &written, recorded, now })
}

const NOW: i64 = 1_700_000_000; // 2023-11-14T22:13:20Z

#[test]
fn a_configured_static_time_gives_the_providers_attributes() {
    let v = value(
        "time_static",
        "time_static.t",
        &config(&[("rfc3339", s("2020-02-12T06:36:13Z"))]),
        &BTreeMap::new(),
        NOW,
    );
    // The provider's documentation pairs exactly these two values.
    assert_eq!(v.get("unix"), Some(&n(1_581_489_373)));
    assert_eq!(v.get("id"), Some(&s("2020-02-12T06:36:13Z")));
    let clock: Vec<_> =
        ["year", "month", "day", "hour", "minute", "second"].iter().map(|a| v.get(a).cloned()).collect();
    assert_eq!(clock, [2020, 2, 12, 6, 36, 13].map(|x| Some(n(x))));
    assert_eq!(
        pending(
            "time_static",
            "time_static.t",
            &config(&[("rfc3339", s("2020-02-12T06:36:13Z"))]),
            &BTreeMap::new(),
            NOW
        ),
        None
    );
}

#[test]
fn offsets_follow_gos_add_date_and_the_last_offset_set_wins() {
    let base = ("base_rfc3339", s("2019-01-31T10:00:00Z"));
    let at = |extra: &[(&str, Value)]| {
        let mut pairs = vec![base.clone()];
        pairs.extend_from_slice(extra);
        value("time_offset", "time_offset.o", &config(&pairs), &BTreeMap::new(), NOW).get("rfc3339").cloned()
    };
    // January 31 plus a month is "February 31", normalised to March 3 (2019 is not a leap year).
    assert_eq!(at(&[("offset_months", n(1))]), Some(s("2019-03-03T10:00:00Z")));
    assert_eq!(at(&[("offset_years", n(1)), ("offset_days", n(1))]), Some(s("2020-01-31T10:00:00Z")));
    // Days then hours: each applies to the base, and hours come later in the provider's order.
    assert_eq!(at(&[("offset_days", n(1)), ("offset_hours", n(1))]), Some(s("2019-01-31T11:00:00Z")));
    assert_eq!(at(&[("offset_days", n(-31))]), Some(s("2018-12-31T10:00:00Z")));
    let v = value("time_offset", "time_offset.o", &config(&[base, ("offset_seconds", n(90))]), &BTreeMap::new(), NOW);
    assert_eq!(v.get("base_rfc3339"), Some(&s("2019-01-31T10:00:00Z")));
    assert_eq!(v.get("id"), Some(&s("2019-01-31T10:00:00Z")));
    assert_eq!(v.get("minute"), Some(&n(1)));
    assert_eq!(v.get("second"), Some(&n(30)));
}

#[test]
fn rotation_is_due_when_now_passes_it() {
    let c = config(&[("rfc3339", s("2023-11-01T00:00:00Z")), ("rotation_days", n(30))]);
    let v = value("time_rotating", "time_rotating.r", &c, &BTreeMap::new(), NOW);
    assert_eq!(v.get("rotation_rfc3339"), Some(&s("2023-12-01T00:00:00Z")));
    assert_eq!(v.get("month"), Some(&n(12)), "the clock attributes are the rotation time's");
    assert_eq!(v.get("rfc3339"), Some(&s("2023-11-01T00:00:00Z")));
    assert_eq!(pending("time_rotating", "time_rotating.r", &c, &BTreeMap::new(), NOW), None);
    let later = NOW + 30 * 86_400;
    let why = pending("time_rotating", "time_rotating.r", &c, &BTreeMap::new(), later).unwrap();
    assert!(why.contains("2023-12-01T00:00:00Z has passed"), "{why}");
    assert_eq!(
        value("time_rotating", "time_rotating.r", &c, &BTreeMap::new(), later).get("unix"),
        Some(&Value::Unknown)
    );
    // Years come last in the provider's order, after a configured rotation_rfc3339.
    let both = config(&[
        ("rfc3339", s("2023-11-01T00:00:00Z")),
        ("rotation_rfc3339", s("2023-11-02T00:00:00Z")),
        ("rotation_years", n(1)),
    ]);
    let v = value("time_rotating", "time_rotating.r", &both, &BTreeMap::new(), NOW);
    assert_eq!(v.get("rotation_rfc3339"), Some(&s("2024-11-01T00:00:00Z")));
}

#[test]
fn a_recorded_base_holds_until_the_triggers_change() {
    let address = "time_static.created";
    let c = config(&[("triggers", config(&[("ami", s("ami-1"))]))]);
    let none = BTreeMap::new();
    assert_eq!(value("time_static", address, &c, &none, NOW).get("rfc3339"), Some(&Value::Unknown));
    assert!(pending("time_static", address, &c, &none, NOW).unwrap().contains("no base time"));
    let (key, tag) = record("time_static", address, &c, NOW).unwrap().unwrap();
    assert!(key.starts_with(TAG_PREFIX) && key.len() <= 128, "{key}");
    assert!(tag.starts_with("2023-11-14T22:13:20Z "), "{tag}");
    let recorded = BTreeMap::from([(key, tag)]);
    assert_eq!(pending("time_static", address, &c, &recorded, NOW + 999), None);
    let v = value("time_static", address, &c, &recorded, NOW + 999);
    assert_eq!(v.get("rfc3339"), Some(&s("2023-11-14T22:13:20Z")));
    assert_eq!(v.get("unix"), Some(&n(NOW)));
    // Another address has no base; new triggers need a new one.
    assert!(pending("time_static", "time_static.other", &c, &recorded, NOW).is_some());
    let changed = config(&[("triggers", config(&[("ami", s("ami-2"))]))]);
    assert_eq!(pending("time_static", address, &changed, &recorded, NOW).as_deref(), Some("its triggers changed"));
    // Triggers known only after apply: a step, whose apply keeps a time recorded for them.
    let unknown = config(&[("triggers", Value::Unknown)]);
    assert!(pending("time_static", address, &unknown, &recorded, NOW).unwrap().contains("known only after apply"));
    assert_eq!(value("time_static", address, &unknown, &recorded, NOW).get("rfc3339"), Some(&Value::Unknown));
    // A configured base is never recorded.
    assert!(record("time_static", address, &config(&[("rfc3339", s("2020-02-12T06:36:13Z"))]), NOW).is_none());
}

#[test]
fn an_unwritten_base_argument_is_not_configured() {
    // The expansion leaves an optional, computed argument that is not written unknown.
    let c = config(&[("rfc3339", Value::Unknown), ("triggers", Value::Null)]);
    let none = BTreeMap::new();
    let inputs = Inputs { address: "time_static.t", config: &c, written: &BTreeSet::new(), recorded: &none, now: NOW };
    assert!(super::pending("time_static", &inputs).is_some());
    assert!(record("time_static", "time_static.t", &c, NOW).is_some());
}
