//! Resource and data-source schemas: argument names, nested blocks and types as in
//! terraform-provider-aws, with required/optional/computed, force-new, sensitive, defaults,
//! allowed values and cross-argument rules.
//!
//! The tables live in `aws.schema` (a small line-based format described at its top) and are
//! parsed once. This module only *describes*; checking a configured block against a schema
//! happens in [`crate::expand`] where the values are evaluated.
//!
//! ```
//! let vpc = drplan::schema::lookup(drplan::schema::Mode::Managed, "aws_vpc").unwrap();
//! assert!(vpc.block.attrs["cidr_block"].force_new);
//! assert!(drplan::schema::lookup(drplan::schema::Mode::Managed, "aws_s3_bucket").is_none());
//! ```

pub mod docs;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::eval::Value;
use crate::eval::types::{Type, parse_type};

/// Whether a block declares a managed resource or a data source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Managed,
    Data,
}

#[derive(Clone, Debug)]
pub struct AttrSchema {
    pub ty: Type,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub force_new: bool,
    pub sensitive: bool,
    pub default: Option<Value>,
    pub one_of: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct BlockSchema {
    pub attrs: BTreeMap<String, AttrSchema>,
    pub blocks: BTreeMap<String, NestedBlock>,
    pub rules: Vec<Rule>,
}

#[derive(Clone, Debug)]
pub struct NestedBlock {
    pub block: BlockSchema,
    pub min: usize,
    /// 0 means unlimited.
    pub max: usize,
    pub force_new: bool,
}

/// A cross-argument rule, checked on the evaluated block.
#[derive(Clone, Debug, PartialEq)]
pub enum Rule {
    Conflicts(String, String),
    ExactlyOneOf(Vec<String>),
    AtLeastOneOf(Vec<String>),
    Requires(String, String),
}

#[derive(Clone, Debug)]
pub struct ResourceSchema {
    pub mode: Mode,
    pub ty: String,
    pub block: BlockSchema,
}

impl BlockSchema {
    /// Argument and block names a user may write, for "did you mean".
    pub fn settable_names(&self) -> impl Iterator<Item = &str> {
        self.attrs
            .iter()
            .filter(|(_, a)| a.required || a.optional)
            .map(|(k, _)| k.as_str())
            .chain(self.blocks.keys().map(String::as_str))
    }
}

static SCHEMAS: OnceLock<Vec<ResourceSchema>> = OnceLock::new();

/// All schemas, parsed on first use.
pub fn all() -> &'static [ResourceSchema] {
    SCHEMAS.get_or_init(|| parse(include_str!("aws.schema")).unwrap_or_else(|e| panic!("aws.schema is invalid: {e}")))
}

pub fn lookup(mode: Mode, ty: &str) -> Option<&'static ResourceSchema> {
    all().iter().find(|s| s.mode == mode && s.ty == ty)
}

/// Supported type names of one mode, sorted.
pub fn type_names(mode: Mode) -> Vec<&'static str> {
    let mut names: Vec<&str> = all().iter().filter(|s| s.mode == mode).map(|s| s.ty.as_str()).collect();
    names.sort_unstable();
    names
}

fn parse(text: &str) -> Result<Vec<ResourceSchema>, String> {
    let mut out = Vec::new();
    // Stack of open blocks: (name, block, min, max, force_new); the bottom one is the resource.
    let mut stack: Vec<(String, BlockSchema, usize, usize, bool)> = Vec::new();
    let mut current: Option<(Mode, String)> = None;
    for (lineno, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |m: &str| format!("line {}: {m}: {line}", lineno + 1);
        let words = split_words(line);
        match words[0] {
            "resource" | "data" if stack.is_empty() => {
                let mode = if words[0] == "resource" { Mode::Managed } else { Mode::Data };
                current = Some((mode, words.get(1).ok_or_else(|| err("missing type"))?.to_string()));
                stack.push((String::new(), BlockSchema::default(), 0, 0, false));
            }
            "block" => {
                let name = words.get(1).ok_or_else(|| err("missing block name"))?.to_string();
                let (mut min, mut max, mut force_new) = (0, 0, false);
                for w in &words[2..] {
                    match w.split_once('=') {
                        Some(("min", n)) => min = n.parse().map_err(|_| err("bad min"))?,
                        Some(("max", n)) => max = n.parse().map_err(|_| err("bad max"))?,
                        None if *w == "force_new" => force_new = true,
                        _ => return Err(err("unknown block flag")),
                    }
                }
                stack.push((name, BlockSchema::default(), min, max, force_new));
            }
            "end" => {
                let (name, block, min, max, force_new) = stack.pop().ok_or_else(|| err("unbalanced end"))?;
                match stack.last_mut() {
                    Some(parent) => {
                        parent.1.blocks.insert(name, NestedBlock { block, min, max, force_new });
                    }
                    None => {
                        let (mode, ty) = current.take().ok_or_else(|| err("end without resource"))?;
                        out.push(finish(mode, ty, block));
                    }
                }
            }
            "conflicts" | "requires" if words.len() == 3 => {
                let block = &mut stack.last_mut().ok_or_else(|| err("rule outside a schema"))?.1;
                let (a, b) = (words[1].to_string(), words[2].to_string());
                block.rules.push(if words[0] == "conflicts" { Rule::Conflicts(a, b) } else { Rule::Requires(a, b) });
            }
            "exactly_one_of" | "at_least_one_of" => {
                let block = &mut stack.last_mut().ok_or_else(|| err("rule outside a schema"))?.1;
                let names = words[1..].iter().map(ToString::to_string).collect();
                block.rules.push(if words[0] == "exactly_one_of" {
                    Rule::ExactlyOneOf(names)
                } else {
                    Rule::AtLeastOneOf(names)
                });
            }
            name => {
                let block = &mut stack.last_mut().ok_or_else(|| err("attribute outside a schema"))?.1;
                let attr = attribute(&words, &err)?;
                block.attrs.insert(name.to_string(), attr);
            }
        }
    }
    if !stack.is_empty() {
        return Err("missing end at end of file".into());
    }
    Ok(out)
}

/// An attribute line: `name type flag...` (`required`, `optional`, `computed`, `force_new`,
/// `sensitive`, `default=JSON`, `one_of=a|b`).
fn attribute(words: &[&str], err: &dyn Fn(&str) -> String) -> Result<AttrSchema, String> {
    let ty_text = words.get(1).ok_or_else(|| err("missing type"))?;
    let ty_expr = hcl_edit::parser::parse_expr(ty_text).map_err(|e| err(&e.to_string()))?;
    let ty = parse_type(&ty_expr, &|_| Err("no defaults in schema types".into())).map_err(|e| err(&e))?;
    let mut attr = AttrSchema {
        ty,
        required: false,
        optional: false,
        computed: false,
        force_new: false,
        sensitive: false,
        default: None,
        one_of: Vec::new(),
    };
    for flag in &words[2..] {
        match flag.split_once('=') {
            Some(("default", json)) => {
                attr.default = Some(Value::from_json(&serde_json::from_str(json).map_err(|_| err("bad default"))?));
            }
            Some(("one_of", list)) => attr.one_of = list.split('|').map(ToString::to_string).collect(),
            _ => match *flag {
                "required" => attr.required = true,
                "optional" => attr.optional = true,
                "computed" => attr.computed = true,
                "force_new" => attr.force_new = true,
                "sensitive" => attr.sensitive = true,
                _ => return Err(err("unknown flag")),
            },
        }
    }
    if !(attr.required || attr.optional || attr.computed) {
        return Err(err("an attribute must be required, optional or computed"));
    }
    Ok(attr)
}

/// Splits on whitespace outside double quotes, so `default="Managed by Terraform"` is one word.
fn split_words(line: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let (mut start, mut quoted) = (None, false);
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if let Some(s) = start.take() {
                    words.push(&line[s..i]);
                }
                continue;
            }
            _ => {}
        }
        start.get_or_insert(i);
    }
    words.extend(start.map(|s| &line[s..]));
    words
}

fn finish(mode: Mode, ty: String, mut block: BlockSchema) -> ResourceSchema {
    let computed_string = |ty: Type| AttrSchema {
        ty,
        required: false,
        optional: false,
        computed: true,
        force_new: false,
        sensitive: false,
        default: None,
        one_of: Vec::new(),
    };
    block.attrs.entry("id".into()).or_insert_with(|| computed_string(Type::String));
    if mode == Mode::Managed && block.attrs.contains_key("tags") {
        block.attrs.entry("tags_all".into()).or_insert_with(|| computed_string(Type::Map(Box::new(Type::String))));
    }
    ResourceSchema { mode, ty, block }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_the_docs_promise_is_present() {
        let managed = type_names(Mode::Managed);
        for ty in [
            "aws_vpc",
            "aws_subnet",
            "aws_internet_gateway",
            "aws_eip",
            "aws_nat_gateway",
            "aws_route_table",
            "aws_route",
            "aws_route_table_association",
            "aws_security_group",
            "aws_vpc_security_group_ingress_rule",
            "aws_vpc_security_group_egress_rule",
            "aws_instance",
            "aws_ami_copy",
            "aws_lb",
            "aws_lb_target_group",
            "aws_lb_listener",
            "aws_lb_target_group_attachment",
            "aws_db_subnet_group",
            "aws_db_instance",
            "aws_db_snapshot_copy",
            "aws_route53_health_check",
            "aws_route53_record",
        ] {
            assert!(managed.contains(&ty), "{ty} missing");
        }
        let data = type_names(Mode::Data);
        for ty in [
            "aws_availability_zones",
            "aws_ami",
            "aws_db_instance",
            "aws_db_snapshot",
            "aws_route53_zone",
            "aws_lb",
            "aws_vpc",
            "aws_subnets",
        ] {
            assert!(data.contains(&ty), "data {ty} missing");
        }
    }

    #[test]
    fn rules_and_flags_are_parsed() {
        let db = lookup(Mode::Managed, "aws_db_instance").unwrap();
        assert!(db.block.attrs["password"].sensitive);
        let pitr = &db.block.blocks["restore_to_point_in_time"];
        assert_eq!(pitr.max, 1);
        assert!(
            pitr.block.rules.contains(&Rule::Conflicts("restore_time".into(), "use_latest_restorable_time".into()))
        );
        let rec = lookup(Mode::Managed, "aws_route53_record").unwrap();
        assert_eq!(
            rec.block.blocks["failover_routing_policy"].block.attrs["type"].one_of,
            vec!["PRIMARY", "SECONDARY"]
        );
        assert!(rec.block.attrs.contains_key("id"));
        assert_eq!(
            lookup(Mode::Managed, "aws_vpc").unwrap().block.attrs["instance_tenancy"].default,
            Some(Value::from("default"))
        );
    }

    #[test]
    fn rules_name_real_arguments() {
        fn check(ty: &str, b: &BlockSchema) {
            let known = |n: &String| b.attrs.contains_key(n) || b.blocks.contains_key(n);
            for rule in &b.rules {
                let names: Vec<&String> = match rule {
                    Rule::Conflicts(a, c) | Rule::Requires(a, c) => vec![a, c],
                    Rule::ExactlyOneOf(v) | Rule::AtLeastOneOf(v) => v.iter().collect(),
                };
                for n in names {
                    assert!(known(n), "{ty}: rule names unknown argument {n}");
                }
            }
            for nested in b.blocks.values() {
                check(ty, &nested.block);
            }
        }
        for s in all() {
            check(&s.ty, &s.block);
        }
    }
}
