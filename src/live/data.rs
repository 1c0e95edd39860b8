//! Data sources evaluated over the live inventory, with the filters terraform-provider-aws
//! offers (`owners`, `filter`, `name_regex`, `most_recent`, ...). No match, or several where one
//! is wanted, is an error that names the query and the region.

use std::collections::BTreeMap;

use super::{Inventory, LiveObject};
use crate::eval::Value;

/// Route 53 is global: its objects are recorded under this region.
pub const GLOBAL_REGION: &str = "global";

/// The data sources answered from the live inventory (read natively, in their provider's
/// region); every other one is read through terraform-provider-aws.
pub const NATIVE: &[&str] = &[
    "aws_availability_zones",
    "aws_subnets",
    "aws_ami",
    "aws_db_instance",
    "aws_db_snapshot",
    "aws_route53_zone",
    "aws_lb",
    "aws_vpc",
];

/// Whether drplan reads data source `ty` from the live inventory itself.
pub fn is_native(ty: &str) -> bool {
    NATIVE.contains(&ty)
}

/// Reads data source `ty` in `region`. `Ok(None)`: the region could not be read, values unknown.
pub fn read(inv: &Inventory, ty: &str, region: &str, config: &Value) -> Result<Option<Value>, String> {
    let object_region = if ty == "aws_route53_zone" { GLOBAL_REGION } else { region };
    if inv.region_unavailable(object_region).is_some() {
        return Ok(None);
    }
    let q = Query::new(config, inv.snapshot.account_id.as_deref());
    let candidates: Vec<&LiveObject> = match ty {
        "aws_availability_zones" => return Ok(Some(availability_zones(inv, region, config))),
        "aws_subnets" => return Ok(Some(subnets(inv, region, config))),
        "aws_ami" => inv.of_type("aws_ami", region).filter(|o| q.ami(o)).collect(),
        "aws_db_instance" => inv.of_type("aws_db_instance", region).filter(|o| q.db_instance(o)).collect(),
        "aws_db_snapshot" => inv.of_type("aws_db_snapshot", region).filter(|o| q.db_snapshot(o)).collect(),
        "aws_route53_zone" => inv.of_type("aws_route53_zone", GLOBAL_REGION).filter(|o| q.zone(o)).collect(),
        "aws_lb" => inv.of_type("aws_lb", region).filter(|o| q.lb(o)).collect(),
        "aws_vpc" => inv.of_type("aws_vpc", region).filter(|o| q.vpc(o)).collect(),
        other => return Err(format!("reading {other} from live state is not supported")),
    };
    let most_recent = config.get("most_recent") == Some(&Value::Bool(true));
    let chosen = match candidates.len() {
        0 => {
            return recorded(inv, ty, region, config)
                .map(Some)
                .ok_or_else(|| format!("no {ty} in {object_region} matches {}", describe(config)));
        }
        1 => candidates[0],
        n if most_recent => {
            let key = if ty == "aws_ami" { "creation_date" } else { "snapshot_create_time" };
            candidates
                .iter()
                .max_by_key(|o| (o.attr_str(key).unwrap_or(""), o.id.as_str()))
                .copied()
                .unwrap_or(candidates[n - 1])
        }
        n => {
            let ids: Vec<&str> = candidates.iter().map(|o| o.id.as_str()).collect();
            return Err(format!(
                "{n} objects of type {ty} in {region} match {} ({}); make the query more specific{}",
                describe(config),
                ids.join(", "),
                if matches!(ty, "aws_ami" | "aws_db_snapshot") { " or set most_recent = true" } else { "" }
            ));
        }
    };
    Ok(Some(result(ty, chosen, config)))
}

/// The type a data source's recorded reads of `ty` are kept under in a snapshot (`data.<type>`,
/// written by `provider::recorded`).
pub fn recorded_type(ty: &str) -> String {
    format!("data.{ty}")
}

/// What the provider read with the same arguments in `region`, recorded with the live state
/// as `data.<type>` (a public AMI the inventory does not hold): a plan without the provider
/// reads it too. `None` unless exactly one recorded read matches.
fn recorded(inv: &Inventory, ty: &str, region: &str, config: &Value) -> Option<Value> {
    let recorded_type = recorded_type(ty);
    let mut found = inv.of_type(&recorded_type, region).filter(|o| {
        let recorded = serde_json::Value::Object(o.attributes.clone().into_iter().collect());
        same_arguments(config, &recorded)
    });
    let object = found.next().filter(|_| found.next().is_none())?;
    let mut out: BTreeMap<String, Value> = config.as_map().cloned().unwrap_or_default();
    out.extend(object.attributes.iter().map(|(k, v)| (k.clone(), Value::from_json(v))));
    Some(Value::Map(out.into()))
}

/// Whether what a data source was read with (`recorded`, as the provider keeps it) has every
/// argument `config` sets, equal: blocks in any order, attributes the configuration leaves
/// unset (or computed, unknown) ignored.
fn same_arguments(config: &Value, recorded: &serde_json::Value) -> bool {
    match (config, recorded) {
        (Value::Null | Value::Unknown, _) => true,
        (Value::Map(args), serde_json::Value::Object(got)) => {
            args.iter().all(|(k, v)| v.is_null() || v.is_unknown() || got.get(k).is_some_and(|g| same_arguments(v, g)))
        }
        (Value::List(crate::eval::Seq { items, .. }) | Value::Set(items), serde_json::Value::Array(got)) => {
            items.len() == got.len() && items.iter().all(|i| got.iter().any(|g| same_arguments(i, g)))
        }
        (v, g) => *v == Value::from_json(g),
    }
}

struct Query<'a> {
    config: &'a Value,
    account: Option<&'a str>,
    /// `name_regex`, compiled once per query (an invalid pattern matches nothing).
    name_regex: Option<Option<regex::Regex>>,
    /// `filter` blocks: name and the value patterns, compiled once per query.
    filters: Vec<(String, Vec<regex::Regex>)>,
}

impl<'a> Query<'a> {
    fn new(config: &'a Value, account: Option<&'a str>) -> Self {
        let name_regex = config.get("name_regex").and_then(Value::as_str).map(|re| regex::Regex::new(re).ok());
        let filters = config
            .get("filter")
            .and_then(Value::as_seq)
            .unwrap_or(&[])
            .iter()
            .map(|f| {
                let name = f.get("name").and_then(Value::as_str).unwrap_or("").to_string();
                let values = f
                    .get("values")
                    .and_then(Value::as_seq)
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(Value::as_str)
                    .filter_map(glob)
                    .collect();
                (name, values)
            })
            .collect();
        Query { config, account, name_regex, filters }
    }
}

impl Query<'_> {
    fn arg(&self, name: &str) -> Option<&str> {
        self.config.get(name).and_then(Value::as_str)
    }

    fn list(&self, name: &str) -> Vec<String> {
        self.config
            .get(name)
            .and_then(Value::as_seq)
            .map(|items| items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }

    fn tags_match(&self, o: &LiveObject) -> bool {
        match self.config.get("tags").and_then(Value::as_map) {
            Some(want) => want.iter().all(|(k, v)| v.as_str().is_some_and(|v| o.tags.get(k).is_some_and(|t| t == v))),
            None => true,
        }
    }

    /// `filter { name = "tag:Role", values = ["web"] }` blocks, with `*`/`?` wildcards.
    fn filters_match(&self, o: &LiveObject) -> bool {
        self.filters.iter().all(|(name, values)| {
            let actual = match name.strip_prefix("tag:") {
                Some(tag) => o.tags.get(tag).cloned(),
                None if name == "tag-key" => return values.iter().any(|v| o.tags.keys().any(|k| v.is_match(k))),
                None => o
                    .attributes
                    .get(&name.replace('-', "_"))
                    .map(super::json_scalar)
                    .or_else(|| (name == "id" || name.ends_with("-id")).then(|| o.id.clone())),
            };
            actual.is_some_and(|a| values.iter().any(|v| v.is_match(&a)))
        })
    }

    fn ami(&self, o: &LiveObject) -> bool {
        let owners = self.list("owners");
        let owner = o.attr_str("owner_id").unwrap_or("");
        let alias = o.attr_str("image_owner_alias").unwrap_or("");
        let owner_ok = owners.is_empty()
            || owners
                .iter()
                .any(|w| w == owner || w == alias || (w == "self" && self.account.is_some_and(|a| a == owner)));
        let name_ok = match &self.name_regex {
            Some(re) => re.as_ref().is_some_and(|re| re.is_match(o.attr_str("name").unwrap_or(""))),
            None => true,
        };
        owner_ok && name_ok && self.filters_match(o) && self.tags_match(o)
    }

    fn db_instance(&self, o: &LiveObject) -> bool {
        self.arg("db_instance_identifier").is_none_or(|id| o.attr_str("identifier").unwrap_or(&o.id) == id)
            && self.tags_match(o)
    }

    fn db_snapshot(&self, o: &LiveObject) -> bool {
        self.arg("db_instance_identifier").is_none_or(|id| o.attr_str("db_instance_identifier") == Some(id))
            && self
                .arg("db_snapshot_identifier")
                .is_none_or(|id| o.attr_str("db_snapshot_identifier").unwrap_or(&o.id) == id)
            && self.arg("snapshot_type").is_none_or(|t| o.attr_str("snapshot_type") == Some(t))
            && self.tags_match(o)
    }

    fn zone(&self, o: &LiveObject) -> bool {
        let norm = |s: &str| s.trim_end_matches('.').to_ascii_lowercase();
        let private = o.attributes.get("private_zone").and_then(serde_json::Value::as_bool).unwrap_or(false);
        let want_private = self.config.get("private_zone") == Some(&Value::Bool(true));
        self.arg("zone_id").is_none_or(|z| o.id == z)
            && self.arg("name").is_none_or(|n| norm(o.attr_str("name").unwrap_or("")) == norm(n))
            && private == want_private
            && self.tags_match(o)
    }

    fn lb(&self, o: &LiveObject) -> bool {
        self.arg("name").is_none_or(|n| o.attr_str("name") == Some(n))
            && self.arg("arn").is_none_or(|a| o.attr_str("arn").unwrap_or(&o.id) == a)
            && self.tags_match(o)
    }

    fn vpc(&self, o: &LiveObject) -> bool {
        self.arg("id").is_none_or(|id| o.id == id)
            && self.arg("cidr_block").is_none_or(|c| o.attr_str("cidr_block") == Some(c))
            && self.arg("dhcp_options_id").is_none_or(|d| o.attr_str("dhcp_options_id") == Some(d))
            && self
                .config
                .get("default")
                .and_then(|d| if let Value::Bool(b) = d { Some(*b) } else { None })
                .is_none_or(|d| o.attributes.get("default").and_then(serde_json::Value::as_bool).unwrap_or(false) == d)
            && self.tags_match(o)
            && self.filters_match(o)
    }
}

fn availability_zones(inv: &Inventory, region: &str, config: &Value) -> Value {
    let q = Query::new(config, None);
    let state = q.arg("state");
    let (exclude_names, exclude_ids) = (q.list("exclude_names"), q.list("exclude_zone_ids"));
    let mut zones: Vec<&LiveObject> = inv
        .of_type("aws_availability_zone", region)
        .filter(|o| state.is_none_or(|s| o.attr_str("state") == Some(s)))
        .filter(|o| !exclude_names.iter().any(|n| o.attr_str("name") == Some(n)))
        .filter(|o| !exclude_ids.iter().any(|n| o.attr_str("zone_id") == Some(n)))
        .filter(|o| q.filters_match(o))
        .collect();
    zones.sort_by_key(|o| o.attr_str("name").unwrap_or(""));
    let list = |key: &str| Value::List(zones.iter().map(|o| Value::from(o.attr_str(key).unwrap_or(""))).collect());
    let mut out = config.as_map().cloned().unwrap_or_default();
    out.insert("id".into(), Value::from(region));
    out.insert("names".into(), list("name"));
    out.insert("zone_ids".into(), list("zone_id"));
    out.insert(
        "group_names".into(),
        Value::set(zones.iter().map(|o| Value::from(o.attr_str("group_name").unwrap_or(region))).collect()),
    );
    Value::Map(out.into())
}

fn subnets(inv: &Inventory, region: &str, config: &Value) -> Value {
    let q = Query::new(config, None);
    let mut ids: Vec<&str> = inv
        .of_type("aws_subnet", region)
        .filter(|o| q.filters_match(o) && q.tags_match(o))
        .map(|o| o.id.as_str())
        .collect();
    ids.sort_unstable();
    let mut out = config.as_map().cloned().unwrap_or_default();
    out.insert("id".into(), Value::from(region));
    out.insert("ids".into(), Value::List(ids.into_iter().map(Value::from).collect()));
    Value::Map(out.into())
}

/// The data source's value: its arguments, then the object's attributes under the data source's
/// attribute names.
fn result(ty: &str, o: &LiveObject, config: &Value) -> Value {
    let mut out: BTreeMap<String, Value> = config.as_map().cloned().unwrap_or_default();
    for (k, v) in &o.attributes {
        out.insert(k.clone(), Value::from_json(v));
    }
    out.insert("id".into(), Value::from(o.id.as_str()));
    if !o.tags.is_empty() || out.contains_key("tags") {
        out.insert(
            "tags".into(),
            Value::Map(o.tags.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect()),
        );
    }
    // The aws_db_instance data source names some attributes differently from the resource.
    if ty == "aws_db_instance" {
        for (data_name, resource_name) in [
            ("db_instance_arn", "arn"),
            ("db_instance_class", "instance_class"),
            ("db_instance_identifier", "identifier"),
            ("db_instance_status", "status"),
            ("db_subnet_group", "db_subnet_group_name"),
            ("master_username", "username"),
            ("vpc_security_groups", "vpc_security_group_ids"),
        ] {
            if let Some(v) = o.attributes.get(resource_name)
                && out.get(data_name).is_none_or(|x| x.is_null() || x.is_unknown())
            {
                out.insert(data_name.to_string(), Value::from_json(v));
            }
        }
    }
    // Attributes provider-aws derives from the id.
    let id_alias = match ty {
        "aws_ami" => Some("image_id"),
        "aws_route53_zone" => Some("zone_id"),
        "aws_lb" => Some("arn"),
        "aws_db_snapshot" => Some("db_snapshot_identifier"),
        "aws_db_instance" => Some("db_instance_identifier"),
        _ => None,
    };
    if let Some(alias) = id_alias
        && out.get(alias).is_none_or(|x| x.is_null() || x.is_unknown())
    {
        out.insert(alias.into(), Value::from(o.id.as_str()));
    }
    // Once read, everything is known: what the object does not have is null.
    for v in out.values_mut() {
        if v.is_unknown() {
            *v = Value::Null;
        }
    }
    Value::Map(out.into())
}

/// The query's arguments, for error messages: `name = "x", owners = ["self"]`.
fn describe(config: &Value) -> String {
    let Some(m) = config.as_map() else { return "the query".into() };
    let parts: Vec<String> = m
        .iter()
        .filter(|(k, v)| {
            !v.is_null() && !v.is_unknown() && k.as_str() != "id" && !matches!(v, Value::List(l) if l.is_empty())
        })
        .filter(|(k, v)| {
            !(k.as_str() == "most_recent" || k.as_str() == "include_deprecated" || k.as_str().starts_with("include_"))
                || **v == Value::Bool(true)
        })
        .map(|(k, v)| format!("{k} = {v}"))
        .collect();
    if parts.is_empty() { "the query (no arguments)".into() } else { parts.join(", ") }
}

/// An AWS filter value (`*` and `?` wildcards) as an anchored regex.
fn glob(pattern: &str) -> Option<regex::Regex> {
    regex::Regex::new(&format!("^{}$", regex::escape(pattern).replace("\\*", ".*").replace("\\?", "."))).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_native_data_source_is_answered_from_the_inventory() {
        let inv = Inventory::new(LiveSnapshot::empty(), crate::live::no_natural_keys);
        for ty in NATIVE {
            let read = read(&inv, ty, "us-west-2", &Value::Map(Default::default()));
            assert!(!read.as_ref().is_err_and(|e| e.contains("not supported")), "{ty}: {read:?}");
        }
        assert!(read(&inv, "aws_kms_key", "us-west-2", &Value::Null).unwrap_err().contains("not supported"));
    }
    use crate::live::{Inventory, LiveSnapshot};

    fn obj(ty: &str, region: &str, id: &str, attrs: serde_json::Value, tags: &[(&str, &str)]) -> LiveObject {
        LiveObject {
            ty: ty.into(),
            region: region.into(),
            id: id.into(),
            tags: tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            attributes: serde_json::from_value(attrs).unwrap(),
        }
    }

    fn inv() -> Inventory {
        let mut s = LiveSnapshot::empty();
        s.account_id = Some("123456789012".into());
        s.objects = vec![
            obj(
                "aws_ami",
                "us-west-2",
                "ami-1",
                serde_json::json!({"name": "webapp-1", "owner_id": "123456789012", "creation_date": "2026-10-01T00:00:00Z"}),
                &[("Role", "web")],
            ),
            obj(
                "aws_ami",
                "us-west-2",
                "ami-2",
                serde_json::json!({"name": "webapp-2", "owner_id": "123456789012", "creation_date": "2026-11-01T00:00:00Z"}),
                &[("Role", "web")],
            ),
            obj("aws_ami", "us-west-2", "ami-x", serde_json::json!({"name": "other", "owner_id": "999"}), &[]),
            obj(
                "aws_availability_zone",
                "us-west-2",
                "usw2-az2",
                serde_json::json!({"name": "us-west-2b", "zone_id": "usw2-az2", "state": "available"}),
                &[],
            ),
            obj(
                "aws_availability_zone",
                "us-west-2",
                "usw2-az1",
                serde_json::json!({"name": "us-west-2a", "zone_id": "usw2-az1", "state": "available"}),
                &[],
            ),
        ];
        Inventory::new(s, crate::live::no_natural_keys)
    }

    fn config(pairs: serde_json::Value) -> Value {
        Value::from_json(&pairs)
    }

    /// A lookup the inventory cannot answer takes what the provider read with the same
    /// arguments, recorded with the live state; other arguments, or another region, do not.
    #[test]
    fn a_recorded_provider_read_answers_the_same_lookup() {
        let mut s = LiveSnapshot::empty();
        let attrs = serde_json::json!({
            "id": "ami-public", "image_id": "ami-public", "most_recent": true, "owners": ["amazon"],
            "filter": [{"name": "name", "values": ["amzn2-ami-hvm-*"]}], "name_regex": null,
        });
        s.objects = vec![obj("data.aws_ami", "us-east-1", "5f1d2c", attrs, &[])];
        let inv = Inventory::new(s, crate::live::no_natural_keys);
        let q = |pattern: &str| {
            config(serde_json::json!({"most_recent": true, "owners": ["amazon"],
                "filter": [{"name": "name", "values": [pattern]}]}))
        };
        let v = read(&inv, "aws_ami", "us-east-1", &q("amzn2-ami-hvm-*")).unwrap().unwrap();
        assert_eq!(v.get("id"), Some(&Value::from("ami-public")));
        assert!(read(&inv, "aws_ami", "us-east-1", &q("al2023-*")).is_err());
        assert!(read(&inv, "aws_ami", "us-west-2", &q("amzn2-ami-hvm-*")).is_err());
    }

    #[test]
    fn ami_filters_and_most_recent() {
        let q = config(
            serde_json::json!({"owners": ["self"], "most_recent": true, "name_regex": "^webapp-", "filter": [{"name": "tag:Role", "values": ["w*"]}]}),
        );
        let v = read(&inv(), "aws_ami", "us-west-2", &q).unwrap().unwrap();
        assert_eq!(v.get("id"), Some(&Value::from("ami-2")));
        let q = config(serde_json::json!({"owners": ["self"], "name_regex": "^webapp-"}));
        let err = read(&inv(), "aws_ami", "us-west-2", &q).unwrap_err();
        assert!(err.contains("2 objects") && err.contains("most_recent"), "{err}");
        let q = config(serde_json::json!({"owners": ["amazon"]}));
        let err = read(&inv(), "aws_ami", "us-west-2", &q).unwrap_err();
        assert!(err.contains("no aws_ami in us-west-2 matches owners = [\"amazon\"]"), "{err}");
    }

    #[test]
    fn availability_zones_are_sorted_by_name() {
        let v = read(&inv(), "aws_availability_zones", "us-west-2", &config(serde_json::json!({"state": "available"})))
            .unwrap()
            .unwrap();
        assert_eq!(v.get("names"), Some(&Value::List(vec!["us-west-2a".into(), "us-west-2b".into()].into())));
    }

    #[test]
    fn an_unavailable_region_yields_unknown() {
        let mut i = inv();
        i.snapshot
            .unavailable_regions
            .push(crate::live::UnavailableRegion { region: "us-east-1".into(), reason: "timeout".into() });
        assert_eq!(read(&i, "aws_db_instance", "us-east-1", &Value::Map(Default::default())), Ok(None));
    }
}
