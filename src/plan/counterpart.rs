//! Primary-side counterparts in a two-region root: managed resources whose provider names
//! another region than the DR region. drplan never plans a change to them; it looks each one
//! up in its region's inventory so references resolve to live values, and the plan lists what
//! it found. This module owns that lookup; [`super::build`] records the result.
//!
//! A counterpart is found by its type's lookup key (an RDS identifier, a load balancer's
//! name), else by a natural key, else by its configured tags (every tag the configuration
//! sets, matched by exactly one object). Terraform-built objects carry no drplan tags, so the
//! ownership tags are not used here.

use serde::{Deserialize, Serialize};

use super::diff;
use crate::config::Mode;
use crate::eval::Value;
use crate::live::{Inventory, LiveObject, json_scalar};
use crate::schema;

/// What the plan says of one counterpart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counterpart {
    pub address: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub region: String,
    /// The live object's id, when found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_id: Option<String>,
    /// How it was found, or why not.
    pub how: String,
}

/// The outcome of a lookup.
pub enum Lookup<'i> {
    Found(&'i LiveObject, String),
    NotFound(String),
}

/// Looks up the live object a counterpart stands for.
pub fn find<'i>(inv: &'i Inventory, ty: &str, region: &str, config: &Value) -> Lookup<'i> {
    if inv.is_empty() {
        return Lookup::NotFound("no live state was given".into());
    }
    if let Some(u) = inv.region_unavailable(region) {
        return Lookup::NotFound(format!("region {region} could not be read ({})", u.reason));
    }
    let key_fields = crate::resources::get(ty).map(|t| t.lookup_key()).unwrap_or_default();
    let key_fields =
        if key_fields.is_empty() { crate::resources::natural_key_fields(ty).unwrap_or_default() } else { key_fields };
    let known =
        |f: &str| config.get(f).filter(|v| v.is_wholly_known() && !v.is_null()).and_then(Value::to_template_string);
    let key: Vec<(&str, String)> = key_fields.iter().filter_map(|f| known(f).map(|v| (*f, v))).collect();
    if !key.is_empty() && key.len() == key_fields.len() {
        let hits: Vec<&LiveObject> = inv
            .objects()
            .iter()
            .filter(|o| o.ty == ty && o.region == region)
            .filter(|o| key.iter().all(|(f, v)| o.attributes.get(*f).map(json_scalar).is_some_and(|a| a == *v)))
            .collect();
        let shown: Vec<String> = key.iter().map(|(f, v)| format!("{f} = {v:?}")).collect();
        return one(hits, format!("by {}", shown.join(", ")));
    }
    match config.get("tags").and_then(Value::as_map) {
        Some(tags) if !tags.is_empty() && tags.values().all(|v| v.as_str().is_some()) => {
            let hits: Vec<&LiveObject> = inv
                .objects()
                .iter()
                .filter(|o| o.ty == ty && o.region == region)
                .filter(|o| tags.iter().all(|(k, v)| o.tags.get(k).map(String::as_str) == v.as_str()))
                .collect();
            let shown: Vec<String> = tags.iter().map(|(k, v)| format!("{k} = {v}")).collect();
            one(hits, format!("by tags {}", shown.join(", ")))
        }
        _ if key_fields.is_empty() => Lookup::NotFound("it sets no tags to find it by".into()),
        _ => Lookup::NotFound(format!("{} is not known before apply", key_fields.join(", "))),
    }
}

fn one(hits: Vec<&LiveObject>, how: String) -> Lookup<'_> {
    match hits.as_slice() {
        [one] => Lookup::Found(one, how),
        [] => Lookup::NotFound(format!("nothing matches {how}")),
        many => Lookup::NotFound(format!("{} objects match {how}", many.len())),
    }
}

/// The value references to a counterpart see, and the object it came from: its live
/// attributes under the configuration when found; `None` (configuration, computed attributes
/// unknown) when not.
pub fn planned_value<'i>(
    inv: &'i Inventory,
    ty: &str,
    region: &str,
    config: &Value,
) -> Option<(Value, &'i LiveObject)> {
    let Lookup::Found(live, _) = find(inv, ty, region, config) else { return None };
    let schema = &schema::lookup(Mode::Managed, ty)?.block;
    Some((diff::planned(&diff::normalize_live(schema, live), config), live))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::LiveSnapshot;

    fn inventory(objects: serde_json::Value) -> Inventory {
        let snap: LiveSnapshot = serde_json::from_value(serde_json::json!({
            "format_version": 1, "captured_at": "2026-01-01T00:00:00Z", "regions": ["us-east-1"],
            "objects": objects,
        }))
        .unwrap();
        Inventory::new(snap, crate::resources::natural_key)
    }

    fn config(pairs: &[(&str, Value)]) -> Value {
        Value::Map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    #[test]
    fn a_database_is_found_by_its_identifier_and_lends_its_live_attributes() {
        let inv = inventory(serde_json::json!([
            {"region": "us-east-1", "type": "aws_db_instance", "id": "db-1",
             "attributes": {"identifier": "orders", "arn": "arn:aws:rds:us-east-1:1:db:orders"}},
            {"region": "us-east-1", "type": "aws_db_instance", "id": "db-2", "attributes": {"identifier": "other"}},
        ]));
        let cfg = config(&[("identifier", "orders".into()), ("arn", Value::Unknown)]);
        let Lookup::Found(o, how) = find(&inv, "aws_db_instance", "us-east-1", &cfg) else { panic!("not found") };
        assert_eq!((o.id.as_str(), how.as_str()), ("db-1", "by identifier = \"orders\""));
        let (v, _) = planned_value(&inv, "aws_db_instance", "us-east-1", &cfg).unwrap();
        assert_eq!(v.get("arn"), Some(&Value::from("arn:aws:rds:us-east-1:1:db:orders")));
    }

    #[test]
    fn by_tags_exactly_one_object_must_match() {
        let vpc = |id: &str, name: &str| serde_json::json!({"region": "us-east-1", "type": "aws_vpc", "id": id, "tags": {"Name": name, "env": "prod"}});
        let inv = inventory(serde_json::json!([vpc("vpc-1", "main"), vpc("vpc-2", "main"), vpc("vpc-3", "edge")]));
        let tags = |name: &str| config(&[("tags", config(&[("Name", name.into())]))]);
        assert!(matches!(find(&inv, "aws_vpc", "us-east-1", &tags("edge")), Lookup::Found(o, _) if o.id == "vpc-3"));
        let Lookup::NotFound(why) = find(&inv, "aws_vpc", "us-east-1", &tags("main")) else { panic!("ambiguous") };
        assert_eq!(why, "2 objects match by tags Name = \"main\"");
        let Lookup::NotFound(why) = find(&inv, "aws_vpc", "us-east-1", &config(&[])) else { panic!() };
        assert_eq!(why, "it sets no tags to find it by");
        let Lookup::NotFound(why) = find(&inv, "aws_vpc", "eu-west-1", &tags("edge")) else { panic!() };
        assert_eq!(why, "nothing matches by tags Name = \"edge\"");
    }

    #[test]
    fn an_unknown_key_or_an_unreadable_region_finds_nothing() {
        let mut inv = inventory(serde_json::json!([]));
        let cfg = config(&[("identifier", Value::Unknown)]);
        let Lookup::NotFound(why) = find(&inv, "aws_db_instance", "us-east-1", &cfg) else { panic!() };
        assert_eq!(why, "identifier is not known before apply");
        inv.snapshot
            .unavailable_regions
            .push(crate::live::UnavailableRegion { region: "us-east-1".into(), reason: "timed out".into() });
        let Lookup::NotFound(why) = find(&inv, "aws_db_instance", "us-east-1", &cfg) else { panic!() };
        assert_eq!(why, "region us-east-1 could not be read (timed out)");
    }
}
