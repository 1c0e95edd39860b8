//! What deleting a DB instance leaves behind. provider-aws keeps `skip_final_snapshot` and
//! `final_snapshot_identifier` in its state and, on destroy, takes the named final snapshot,
//! skips it when told to, and otherwise refuses ("final_snapshot_identifier is required when
//! skip_final_snapshot is false"). drplan keeps no state: every create and update records the
//! decision on the instance itself, in [`TAG`], and a delete follows the tag, or (an instance
//! made before drplan recorded it) the configuration while the instance is declared. One with
//! no decision either way is not deleted: the plan refuses, as Terraform's destroy would,
//! rather than lose the data or guess.
//!
//! Not here: the delete call itself (`write::delete`).

use aws_sdk_rds::types::Tag;

use crate::eval::Value;
use crate::live::LiveObject;

/// The tag holding the decision: a snapshot identifier, or [`SKIP`].
pub const TAG: &str = "drplan:final-snapshot";

/// No final snapshot (`skip_final_snapshot = true`). Not a valid snapshot identifier, which
/// must begin with a letter.
const SKIP: &str = "-";

/// What provider-aws says when a destroy would take no snapshot without being told to.
pub const REFUSED: &str = "final_snapshot_identifier is required when skip_final_snapshot is false";

/// What a delete does with the instance's data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OnDelete {
    Skip,
    Snapshot(String),
    /// Neither skip nor an identifier is known: the delete is refused.
    Refused,
}

/// The decision `config` states, as the tag records it (`Some(None)`: no decision, a destroy
/// will be refused); `None` while an argument is not known yet.
pub fn configured(config: &Value) -> Option<Option<String>> {
    let skip = match config.get("skip_final_snapshot") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return None,
    };
    if skip {
        return Some(Some(SKIP.to_string()));
    }
    match config.get("final_snapshot_identifier") {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(id)) if !id.is_empty() => Some(Some(id.clone())),
        Some(Value::String(_)) => Some(None),
        Some(_) => None,
    }
}

/// The tag a create or update writes for `config`, if it states a decision.
pub fn tag(config: &Value) -> Option<Tag> {
    let value = configured(config).flatten()?;
    Some(Tag::builder().key(TAG).value(value).build())
}

/// What deleting `live` does: what its tag records, else what `config` (the instance's
/// configuration, while it is still declared) states, else refused.
pub fn on_delete(live: &LiveObject, config: Option<&Value>) -> OnDelete {
    let recorded = live.tags.get(TAG).cloned().filter(|t| !t.is_empty());
    match recorded.or_else(|| configured(config?).flatten()).as_deref() {
        Some(SKIP) => OnDelete::Skip,
        Some(id) => OnDelete::Snapshot(id.to_string()),
        None => OnDelete::Refused,
    }
}

/// Why deleting `live` is refused, if it is.
pub fn refusal(live: &LiveObject, config: Option<&Value>) -> Option<String> {
    (on_delete(live, config) == OnDelete::Refused).then(|| {
        format!(
            "{REFUSED}: DB instance {} has no final snapshot decision (drplan records skip_final_snapshot and final_snapshot_identifier on the instance when it creates or updates it, and reads them from the configuration while the instance is declared). Declare it with one of them set and apply, then delete it.",
            live.attr_str("identifier").unwrap_or(&live.id)
        )
    })
}

/// Whether the decision the instance records differs from the configuration's, so an update
/// records it again (`None` while the configuration's is not known). An instance made before
/// drplan recorded it is not a change on its own; any update of it records it.
pub fn differs(live: &LiveObject, config: &Value) -> Option<bool> {
    let wanted = configured(config)?;
    Some(live.tags.contains_key(TAG) && live.tags.get(TAG).cloned() != wanted)
}

/// Whether an update should write the tag (it is missing or stale).
pub fn unrecorded(live: &LiveObject, config: &Value) -> bool {
    configured(config).is_some_and(|wanted| live.tags.get(TAG).cloned() != wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, Value)]) -> Value {
        Value::Map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    fn live(tag: Option<&str>) -> LiveObject {
        let tags = tag.map(|t| (TAG.to_string(), t.to_string())).into_iter().collect();
        let (ty, region, id) = ("aws_db_instance".into(), "us-west-2".into(), "db".into());
        LiveObject { ty, region, id, tags, attributes: Default::default() }
    }

    #[test]
    fn the_configured_decision_is_recorded_and_followed() {
        let skip = config(&[("skip_final_snapshot", Value::Bool(true))]);
        let named = config(&[("final_snapshot_identifier", Value::from("db-final"))]);
        let neither = config(&[("skip_final_snapshot", Value::Bool(false))]);
        assert_eq!(configured(&skip), Some(Some(SKIP.into())));
        assert_eq!(configured(&named), Some(Some("db-final".into())));
        assert_eq!(configured(&neither), Some(None));
        assert_eq!(configured(&config(&[("final_snapshot_identifier", Value::Unknown)])), None);
        assert!(tag(&neither).is_none());
        assert_eq!(on_delete(&live(Some(SKIP)), None), OnDelete::Skip);
        let first = on_delete(&live(Some("db-final")), Some(&skip));
        assert_eq!(first, OnDelete::Snapshot("db-final".into()), "the tag first");
        assert_eq!(on_delete(&live(None), None), OnDelete::Refused);
        assert_eq!(on_delete(&live(None), Some(&named)), OnDelete::Snapshot("db-final".into()));
        assert_eq!(on_delete(&live(None), Some(&neither)), OnDelete::Refused);
        assert!(refusal(&live(None), None).is_some_and(|r| r.starts_with(REFUSED)));
        assert_eq!(differs(&live(Some(SKIP)), &skip), Some(false));
        assert_eq!(differs(&live(Some(SKIP)), &named), Some(true));
        assert_eq!(differs(&live(None), &skip), Some(false), "an instance made before the tag is no change");
        assert!(unrecorded(&live(None), &skip) && !unrecorded(&live(None), &neither));
    }
}
