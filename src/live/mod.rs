//! The live inventory: the cloud objects drplan can see in the DR and primary regions, with
//! their ids, attributes and tags. The AWS backend and a recorded JSON snapshot produce the same
//! [`LiveSnapshot`], so a plan from a snapshot is exactly the plan AWS would give.
//!
//! This module owns the snapshot format (`docs/live-state.md`), loading it, indexing it, and
//! ownership: which objects belong to a stack (tags `drplan:stack`/`drplan:address`, or natural
//! keys for types AWS cannot tag). Data-source queries over the inventory live in [`data`].
//!
//! ```
//! let snap = drplan::live::LiveSnapshot::empty();
//! let inv = drplan::live::Inventory::new(snap, drplan::resources::natural_key);
//! assert_eq!(inv.owned("webapp").count(), 0);
//! ```

pub mod archive;
pub mod cloudinit;
pub mod computed;
pub mod data;
pub mod http;
pub mod local_files;
mod policy_document;
pub mod remote_state;
pub mod seed;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Error;

pub const FORMAT_VERSION: u32 = 1;
/// Tag naming the stack that owns an object.
pub const STACK_TAG: &str = "drplan:stack";
/// Tag naming the resource address an object was created for.
pub const ADDRESS_TAG: &str = "drplan:address";
/// The "now" of `--live empty`: a fixed instant, so plans stay deterministic.
pub const EMPTY_CAPTURED_AT: &str = crate::timefmt::EPOCH;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveSnapshot {
    pub format_version: u32,
    /// When the snapshot was taken (RFC 3339); offline plans use it as "now".
    pub captured_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// Regions that were read.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Regions that could not be read (a dead primary); data sources there stay unknown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unavailable_regions: Vec<UnavailableRegion>,
    #[serde(default)]
    pub objects: Vec<LiveObject>,
    /// The schema version, per type, of the provider states recorded here (types served through
    /// terraform-provider-aws); a newer provider upgrades them before planning.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub provider_schema_versions: BTreeMap<String, i64>,
    /// The stack's seed, when the configuration derives values from it and the secret exists.
    /// Never recorded: a snapshot file does not hold it ([`seed`]).
    #[serde(skip)]
    pub stack_seed: Option<seed::StackSeed>,
    /// The base times `time_*` resources recorded on the seed's secret, by tag key
    /// (`resources::time`). Not secret: a snapshot keeps them, so offline plans see them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub recorded_times: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnavailableRegion {
    pub region: String,
    pub reason: String,
}

/// One cloud object, in terraform-provider-aws attribute names.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveObject {
    /// The resource type that manages it (`aws_vpc`), or a data-only type (`aws_ami`,
    /// `aws_availability_zone`, `aws_db_snapshot`, `aws_route53_zone`).
    #[serde(rename = "type")]
    pub ty: String,
    pub region: String,
    pub id: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub attributes: BTreeMap<String, serde_json::Value>,
}

impl LiveObject {
    pub fn attr_str(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).and_then(serde_json::Value::as_str)
    }
}

impl LiveSnapshot {
    /// An empty DR region and no primary objects: a first plan of a full rebuild.
    pub fn empty() -> Self {
        LiveSnapshot {
            format_version: FORMAT_VERSION,
            captured_at: EMPTY_CAPTURED_AT.into(),
            account_id: None,
            regions: Vec::new(),
            unavailable_regions: Vec::new(),
            objects: Vec::new(),
            provider_schema_versions: BTreeMap::new(),
            stack_seed: None,
            recorded_times: BTreeMap::new(),
        }
    }

    /// Loads a snapshot file, with the line and column of any format error.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Io { context: format!("reading live snapshot {}", path.display()), source: e })?;
        let snap: LiveSnapshot = serde_json::from_str(&text).map_err(|e| {
            Error::Usage(format!(
                "{}:{}:{}: invalid live snapshot: {e}\nhint: see docs/live-state.md for the format",
                path.display(),
                e.line(),
                e.column()
            ))
        })?;
        if crate::timefmt::epoch_seconds(&snap.captured_at).is_none() {
            let line = text.lines().position(|l| l.contains("\"captured_at\"")).map_or(1, |n| n + 1);
            return Err(Error::Usage(format!(
                "{}:{line}: invalid live snapshot: captured_at {:?} is not an RFC 3339 time (like \"2026-11-21T16:40:00Z\"); offline plans use it as \"now\"",
                path.display(),
                snap.captured_at
            )));
        }
        if snap.format_version != FORMAT_VERSION {
            return Err(Error::Usage(format!(
                "{}: live snapshot format_version {} is not supported (this drplan reads version {FORMAT_VERSION})",
                path.display(),
                snap.format_version
            )));
        }
        Ok(snap)
    }

    /// Objects sorted by (region, type, id): the canonical order files are written in.
    pub fn sort(&mut self) {
        self.objects.sort_by(|a, b| (&a.region, &a.ty, &a.id).cmp(&(&b.region, &b.ty, &b.id)));
        self.regions.sort();
    }
}

/// A snapshot with indexes for ownership and lookups.
#[derive(Clone, Debug)]
pub struct Inventory {
    pub snapshot: LiveSnapshot,
    by_address: HashMap<(String, String), Vec<usize>>,
    by_natural_key: HashMap<(String, String, String), Vec<usize>>,
}

/// How a type AWS cannot tag is keyed: the registry's answer (`resources::natural_key`), handed
/// in because the registry sits above this model. `None` for taggable types.
pub type NaturalKeyOf = fn(ty: &str, attrs: &dyn Fn(&str) -> Option<String>) -> Option<String>;

/// For inventories whose objects are never looked up by natural key (remote states, tests).
pub fn no_natural_keys(_ty: &str, _attrs: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    None
}

impl Inventory {
    pub fn new(snapshot: LiveSnapshot, natural_key: NaturalKeyOf) -> Self {
        let mut by_address: HashMap<(String, String), Vec<usize>> = HashMap::new();
        let mut by_natural_key: HashMap<(String, String, String), Vec<usize>> = HashMap::new();
        for (i, o) in snapshot.objects.iter().enumerate() {
            if let (Some(stack), Some(addr)) = (o.tags.get(STACK_TAG), o.tags.get(ADDRESS_TAG)) {
                by_address.entry((stack.clone(), addr.clone())).or_default().push(i);
            }
            let attr = |f: &str| o.attributes.get(f).map(key_part_json);
            if let Some(key) = natural_key(&o.ty, &attr) {
                by_natural_key.entry((o.region.clone(), o.ty.clone(), key)).or_default().push(i);
            }
        }
        Inventory { snapshot, by_address, by_natural_key }
    }

    pub fn objects(&self) -> &[LiveObject] {
        &self.snapshot.objects
    }

    /// Objects owned by `stack`: tagged with the stack and an address of their own type.
    pub fn owned<'a>(&'a self, stack: &'a str) -> impl Iterator<Item = &'a LiveObject> + 'a {
        self.snapshot
            .objects
            .iter()
            .filter(move |o| o.tags.get(STACK_TAG).is_some_and(|s| s == stack) && claims_itself(o))
    }

    /// Objects tagged with `stack` but no address: not owned (never changed or deleted), worth
    /// a warning.
    pub fn half_tagged<'a>(&'a self, stack: &'a str) -> impl Iterator<Item = &'a LiveObject> + 'a {
        self.snapshot
            .objects
            .iter()
            .filter(move |o| o.tags.get(STACK_TAG).is_some_and(|s| s == stack) && !o.tags.contains_key(ADDRESS_TAG))
    }

    /// Objects tagged with this stack and address (more than one is an error the caller reports).
    pub fn by_owner(&self, stack: &str, address: &str) -> Vec<&LiveObject> {
        self.by_address
            .get(&(stack.to_string(), address.to_string()))
            .map(|ix| ix.iter().map(|&i| &self.snapshot.objects[i]).collect())
            .unwrap_or_default()
    }

    pub fn by_natural_key(&self, region: &str, ty: &str, key: &str) -> Vec<&LiveObject> {
        self.by_natural_key
            .get(&(region.to_string(), ty.to_string(), key.to_string()))
            .map(|ix| ix.iter().map(|&i| &self.snapshot.objects[i]).collect())
            .unwrap_or_default()
    }

    pub fn of_type<'a>(&'a self, ty: &'a str, region: &'a str) -> impl Iterator<Item = &'a LiveObject> + 'a {
        self.snapshot.objects.iter().filter(move |o| o.ty == ty && o.region == region)
    }

    /// Nothing recorded at all (`--live empty`): nothing can be looked up.
    pub fn is_empty(&self) -> bool {
        self.snapshot.objects.is_empty() && self.snapshot.regions.is_empty()
    }

    pub fn region_unavailable(&self, region: &str) -> Option<&UnavailableRegion> {
        self.snapshot.unavailable_regions.iter().find(|u| u.region == region)
    }
}

/// One part of a natural key, from a configured value: lists as their sorted members, and
/// unset, false and empty all alike (AWS reads back `false` and `[]` for what was never set).
pub fn key_part(value: &crate::eval::Value) -> String {
    use crate::eval::Value;
    match value {
        Value::List(crate::eval::Seq { items, .. }) | Value::Set(items) => {
            let mut parts: Vec<String> = items.iter().filter_map(Value::to_template_string).collect();
            parts.sort();
            parts.join(",")
        }
        Value::Bool(false) | Value::Null => String::new(),
        other => other.to_template_string().unwrap_or_default(),
    }
}

/// [`key_part`] of a read-back (JSON) value.
pub fn key_part_json(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Array(items) => {
            let mut parts: Vec<String> = items.iter().map(json_scalar).collect();
            parts.sort();
            parts.join(",")
        }
        serde_json::Value::Bool(false) | serde_json::Value::Null => String::new(),
        other => json_scalar(other),
    }
}

/// A JSON scalar as the string natural keys and filters compare.
pub fn json_scalar(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The resource type an address names: `module.app["x"].aws_sns_topic.alerts[0]` ->
/// `aws_sns_topic`.
pub fn type_of_address(address: &str) -> Option<String> {
    let mut parts = Vec::new();
    let (mut current, mut depth) = (String::new(), 0usize);
    for c in address.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => parts.push(std::mem::take(&mut current)),
            _ if depth == 0 => current.push(c),
            _ => {}
        }
    }
    parts.push(current);
    let ty = parts.get(parts.len().checked_sub(2)?)?;
    (ty.starts_with("aws_") && parts.first().map(String::as_str) != Some("data")).then(|| ty.clone())
}

/// Whether `o`'s address tag names a resource of `o`'s own type. AWS copies tags onto what
/// it makes from an object (a database's snapshots with `copy_tags_to_snapshot`, an
/// instance's volumes and images): such a copy carries the owner's tags but is not the object
/// at that address, so drplan never changes or deletes it.
fn claims_itself(o: &LiveObject) -> bool {
    o.tags.get(ADDRESS_TAG).is_some_and(|a| type_of_address(a).as_deref() == Some(o.ty.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Value;

    #[test]
    fn an_address_names_its_type() {
        assert_eq!(type_of_address("aws_sns_topic.alerts").as_deref(), Some("aws_sns_topic"));
        assert_eq!(type_of_address("module.app[\"a.b\"].aws_iam_role.r[0]").as_deref(), Some("aws_iam_role"));
        assert_eq!(type_of_address("data.aws_ami.x"), None);
        assert_eq!(type_of_address("alerts"), None);
    }

    #[test]
    fn a_copy_carrying_its_owners_tags_is_not_owned() {
        let object = |ty: &str, id: &str| LiveObject {
            ty: ty.into(),
            region: "us-west-2".into(),
            id: id.into(),
            tags: [(STACK_TAG, "s"), (ADDRESS_TAG, "module.db.aws_db_instance.main")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .into(),
            attributes: BTreeMap::new(),
        };
        let objects =
            vec![object("aws_db_instance", "app"), object("aws_db_snapshot_copy", "rds:app-2026-12-07-00-01")];
        let inv = Inventory::new(LiveSnapshot { objects, ..LiveSnapshot::empty() }, crate::resources::natural_key);
        let owned: Vec<&str> = inv.owned("s").map(|o| o.id.as_str()).collect();
        assert_eq!(owned, ["app"], "the snapshot has the database's tags, copied by AWS");
    }

    #[test]
    fn configured_and_read_back_key_parts_compare_equal() {
        let list = Value::List(vec!["b".into(), "a".into()].into());
        assert_eq!(key_part(&list), key_part_json(&serde_json::json!(["a", "b"])));
        assert_eq!(key_part(&Value::Null), key_part_json(&serde_json::json!(false)));
        assert_eq!(key_part(&Value::Null), key_part_json(&serde_json::json!([])));
        assert_eq!(key_part(&Value::from(80.0)), key_part_json(&serde_json::json!(80)));
        assert_eq!(key_part(&Value::from("x")), key_part_json(&serde_json::json!("x")));
    }
}
