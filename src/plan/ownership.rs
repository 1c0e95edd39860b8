//! Proof of ownership for objects AWS cannot tag (routes, listeners, Route 53 records), found
//! by natural key: drplan changes or deletes one only when it is exactly what the configuration
//! declares, or its parent is this stack's, or the configuration claims it (`allow_overwrite`).
//! Each type says which proof applies ([`crate::resources::Proof`]); this module checks it
//! against the inventory. Tagged objects are proven by their tags where they are found
//! ([`super::view::find_live`]), not here.

use crate::eval::Value;
use crate::live::{ADDRESS_TAG, Inventory, LiveObject, STACK_TAG};
use crate::resources::{self, Proof};

/// Why `live` (found by natural key for an instance configured as `config`) cannot be proven
/// this stack's; `None` when it can, or when its type is tagged. `unchanged`: whether the live
/// object already is what the configuration declares (`None`: not known, as when destroying an
/// object the provider serves, which is then not proven by its content).
pub fn unproven(
    inv: &Inventory,
    stack: &str,
    live: &LiveObject,
    config: &Value,
    unchanged: Option<bool>,
) -> Option<String> {
    let proof = resources::proof_of(&live.ty)?;
    if unchanged == Some(true) {
        return None;
    }
    let differs = if unchanged.is_some() { "it differs from the configuration, and " } else { "" };
    match proof {
        Proof::Parent { attr, parent } => {
            let id = live.attr_str(attr).unwrap_or_default();
            (!parent_proves(inv, stack, live)).then(|| {
                format!(
                    "{differs}its {attr} ({id}) is not an {parent} this stack owns (tagged drplan:stack = \"{stack}\" and drplan:address)"
                )
            })
        }
        Proof::ParentOrContent { attr, parent, overwrite } => {
            let id = live.attr_str(attr).unwrap_or_default();
            let claimed = config.get(overwrite) == Some(&Value::Bool(true));
            (!claimed && !parent_proves(inv, stack, live)).then(|| {
                format!(
                    "{differs}its {attr} ({id}) is not an {parent} this stack owns, {} objects carry no ownership tags and the configuration does not set {overwrite} = true",
                    live.ty
                )
            })
        }
        Proof::Content { overwrite } => {
            let claimed = overwrite.is_some_and(|arg| config.get(arg) == Some(&Value::Bool(true)));
            (!claimed).then(|| {
                let claim = overwrite
                    .map(|arg| format!(" and the configuration does not set {arg} = true"))
                    .unwrap_or_default();
                let differs = if unchanged.is_some() { "it differs from the configuration, " } else { "" };
                format!("{differs}{} objects carry no ownership tags{claim}", live.ty)
            })
        }
    }
}

/// What to do about an unproven object: the hint shown with the error.
pub fn hint(ty: &str) -> String {
    match resources::proof_of(ty) {
        Some(Proof::Content { overwrite: Some(arg) } | Proof::ParentOrContent { overwrite: arg, .. }) => {
            format!("set {arg} = true if drplan should take this object over, or give the resource another key")
        }
        Some(Proof::Parent { parent, .. }) => {
            format!("declare the {parent} in this configuration, or make the object match the configuration")
        }
        _ => "make the object match the configuration, or give the resource another key".into(),
    }
}

/// Whether `live`'s parent proves it this stack's (a route by its route table, a record by
/// its zone), whatever its content: for apply's recheck before a delete, as for the plan.
pub fn parent_proves(inv: &Inventory, stack: &str, live: &LiveObject) -> bool {
    match resources::proof_of(&live.ty) {
        Some(Proof::Parent { attr, parent }) => {
            parent_owned(inv, stack, &live.region, parent, live.attr_str(attr).unwrap_or_default())
        }
        Some(Proof::ParentOrContent { attr, parent, .. }) => {
            owned_anywhere(inv, stack, parent, live.attr_str(attr).unwrap_or_default())
        }
        _ => false,
    }
}

/// Whether the object of type `parent` with this id (or ARN) in `region` is tagged with this
/// stack and an address.
pub fn parent_owned(inv: &Inventory, stack: &str, region: &str, parent: &str, id: &str) -> bool {
    inv.of_type(parent, resources::home_region(parent, region)).any(|o| {
        (o.id == id || o.attr_str("arn") == Some(id))
            && o.tags.get(STACK_TAG).is_some_and(|s| s == stack)
            && o.tags.contains_key(ADDRESS_TAG)
    })
}

/// [`parent_owned`] in any region: a served zone is recorded where its provider read it, the
/// records in it in the global pseudo-region.
fn owned_anywhere(inv: &Inventory, stack: &str, parent: &str, id: &str) -> bool {
    !id.is_empty() && inv.owned(stack).any(|o| o.ty == parent && (o.id == id || o.attr_str("arn") == Some(id)))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::live::LiveSnapshot;

    fn object(ty: &str, id: &str, tags: &[(&str, &str)], attrs: serde_json::Value) -> LiveObject {
        LiveObject {
            ty: ty.into(),
            region: "us-west-2".into(),
            id: id.into(),
            tags: tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            attributes: serde_json::from_value::<BTreeMap<String, serde_json::Value>>(attrs).unwrap(),
        }
    }

    fn inventory(objects: Vec<LiveObject>) -> Inventory {
        Inventory::new(LiveSnapshot { objects, ..LiveSnapshot::empty() }, crate::resources::natural_key)
    }

    #[test]
    fn a_route_is_proven_by_its_owned_route_table_only() {
        let owned = object("aws_route_table", "rtb-1", &[(STACK_TAG, "s"), (ADDRESS_TAG, "aws_route_table.a")], json());
        let half = object("aws_route_table", "rtb-2", &[(STACK_TAG, "s")], json());
        let inv = inventory(vec![owned, half]);
        let route = |table: &str| object("aws_route", "r", &[], serde_json::json!({ "route_table_id": table }));
        assert_eq!(unproven(&inv, "s", &route("rtb-1"), &Value::Null, Some(false)), None);
        let why = unproven(&inv, "s", &route("rtb-2"), &Value::Null, Some(false)).unwrap();
        assert!(why.contains("rtb-2") && why.contains("not an aws_route_table this stack owns"), "{why}");
        assert!(unproven(&inv, "other", &route("rtb-1"), &Value::Null, Some(false)).is_some());
        // Exactly as configured needs no proof.
        assert_eq!(unproven(&inv, "s", &route("rtb-2"), &Value::Null, Some(true)), None);
    }

    #[test]
    fn a_record_in_the_stacks_own_zone_is_proven_by_its_zone() {
        let zone = object("aws_route53_zone", "Z1", &[(STACK_TAG, "s"), (ADDRESS_TAG, "aws_route53_zone.z")], json());
        let inv = inventory(vec![zone]);
        let record = |zone: &str| object("aws_route53_record", "r", &[], serde_json::json!({ "zone_id": zone }));
        assert_eq!(unproven(&inv, "s", &record("Z1"), &Value::Null, Some(false)), None);
        let why = unproven(&inv, "s", &record("Z2"), &Value::Null, Some(false)).unwrap();
        assert!(why.contains("not an aws_route53_zone this stack owns"), "{why}");
        assert!(unproven(&inv, "other", &record("Z1"), &Value::Null, Some(false)).is_some());
    }

    #[test]
    fn a_record_that_differs_is_proven_only_by_allow_overwrite() {
        let inv = inventory(Vec::new());
        let record = object("aws_route53_record", "Z_www_A_", &[], serde_json::json!({ "name": "www" }));
        let why = unproven(&inv, "s", &record, &Value::Null, Some(false)).unwrap();
        assert!(why.contains("does not set allow_overwrite = true"), "{why}");
        let claim = Value::Map([("allow_overwrite".to_string(), Value::Bool(true))].into());
        assert_eq!(unproven(&inv, "s", &record, &claim, Some(false)), None);
        assert!(hint("aws_route53_record").contains("allow_overwrite = true"));
    }

    /// What apply rechecks before deleting an untagged object the plan proved by its parent.
    #[test]
    fn routes_and_records_are_proven_by_their_parents_at_apply_too() {
        let table = object("aws_route_table", "rtb-1", &[(STACK_TAG, "s"), (ADDRESS_TAG, "aws_route_table.a")], json());
        let mut zone =
            object("aws_route53_zone", "Z1", &[(STACK_TAG, "s"), (ADDRESS_TAG, "aws_route53_zone.z")], json());
        // A served zone is recorded in the region of its provider, its records in Route 53's.
        zone.region = "us-east-1".into();
        let inv = inventory(vec![table, zone]);
        let route = |t: &str| object("aws_route", "r", &[], serde_json::json!({ "route_table_id": t }));
        let record = |z: &str| object("aws_route53_record", "r", &[], serde_json::json!({ "zone_id": z }));
        assert!(parent_proves(&inv, "s", &route("rtb-1")) && parent_proves(&inv, "s", &record("Z1")));
        assert!(!parent_proves(&inv, "s", &route("rtb-2")) && !parent_proves(&inv, "s", &record("Z2")));
        assert!(!parent_proves(&inv, "other", &record("Z1")));
        assert!(!parent_proves(&inv, "s", &object("aws_vpc", "vpc-1", &[], json())));
    }

    #[test]
    fn tagged_types_are_not_this_modules_concern() {
        let vpc = object("aws_vpc", "vpc-1", &[], json());
        assert_eq!(unproven(&inventory(Vec::new()), "s", &vpc, &Value::Null, Some(false)), None);
    }

    fn json() -> serde_json::Value {
        serde_json::json!({})
    }
}
