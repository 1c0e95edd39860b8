//! Evaluating a resource body against its schema: arguments, nested and `dynamic` blocks,
//! type conversion, allowed values, required arguments, block counts and cross-argument rules.
//! The result is the instance's configuration object, with defaults filled in and computed
//! attributes unknown.

use std::collections::{BTreeMap, BTreeSet};

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body, Structure};

use crate::diag::{Diagnostic, Diagnostics, FileId, Span, did_you_mean};
use crate::eval::Value;
use crate::eval::expr::Evaluator;
use crate::eval::types::convert;
use crate::schema::{BlockSchema, Rule};

/// Nested blocks of one type collected so far: values, where each was written, and whether a
/// `dynamic` block made their number unknown.
#[derive(Default)]
struct Collected {
    items: Vec<Value>,
    spans: Vec<Option<Span>>,
    unknown: bool,
}

pub(crate) struct BodyEval<'e, 'a> {
    pub ev: &'e mut Evaluator<'a>,
    pub file: FileId,
    pub diags: &'e mut Diagnostics,
    /// Data-source arguments left unset are null (they are query inputs), not unknown.
    pub data_source: bool,
    /// The body uses a sensitive value: evaluation errors are reported without their message.
    pub redact: bool,
    /// For a native type whose provider schema is known: drplan's schema, the provider's and the
    /// block's address, so an argument only the provider has is explained as such (top level).
    pub provider: Option<(&'e BlockSchema, &'e BlockSchema, &'e str)>,
    /// A type the provider host serves: optional computed arguments left unset in nested blocks
    /// are null, as Terraform sends them to the provider (which plans their values), not unknown.
    pub served: bool,
    /// How deep in nested blocks the evaluation is (0: the resource's own arguments).
    pub depth: usize,
    /// With [`BodyEval::provider`]: an argument or block only the provider implements, set,
    /// is no error but makes the block the provider's to serve ([`BodyEval::delegated`]).
    pub may_delegate: bool,
    /// Set when such an argument or block was found.
    pub delegated: bool,
}

impl BodyEval<'_, '_> {
    fn span(&self, s: &impl hcl_edit::Span) -> Option<Span> {
        self.file.range(s.span())
    }

    /// [`BodyEval::block`] for the nested block `name`, one level deeper.
    fn nested(&mut self, b: &Body, s: &BlockSchema, at: Option<Span>, name: &str) -> (Value, BTreeSet<String>) {
        self.depth += 1;
        let out = self.block(b, s, at, &format!("block \"{name}\""));
        self.depth -= 1;
        out
    }

    /// Evaluates `body` as a block of `schema`; `header` is where whole-block errors point.
    /// Returns the block's value and the names of the arguments and blocks it sets.
    pub(super) fn block(
        &mut self,
        body: &Body,
        schema: &BlockSchema,
        header: Option<Span>,
        context: &str,
    ) -> (Value, BTreeSet<String>) {
        // Attributes written as blocks (Terraform's "attributes as blocks"): decoded as blocks,
        // then converted back to the attribute's type below.
        let as_blocks = attributes_as_blocks(body, schema);
        let owned;
        let original = schema;
        let schema = if as_blocks.is_empty() {
            schema
        } else {
            owned = with_blocks_for(schema, &as_blocks);
            &owned
        };
        let mut out: BTreeMap<String, Value> = BTreeMap::new();
        // Names the user wrote (with a non-null value), and where, for rules and messages.
        let mut written: BTreeMap<String, Option<Span>> = BTreeMap::new();
        let mut blocks: BTreeMap<String, Collected> = BTreeMap::new();
        for structure in body.iter() {
            match structure {
                Structure::Attribute(a) => {
                    self.attribute(a.key.as_str(), &a.key, &a.value, schema, context, &mut out, &mut written)
                }
                Structure::Block(b) if b.ident.as_str() == "dynamic" => self.dynamic(b, schema, context, &mut blocks),
                Structure::Block(b) => {
                    let name = b.ident.as_str();
                    let Some(nested) = schema.blocks.get(name) else {
                        self.unsupported_block(name, b, schema, context);
                        continue;
                    };
                    if let Some(label) = b.labels.first() {
                        self.diags.push(
                            Diagnostic::error("Extraneous label")
                                .detail(format!("A {name} block takes no labels."))
                                .at(self.span(label)),
                        );
                    }
                    let (value, _) = self.nested(&b.body, &nested.block, self.span(&b.ident), name);
                    let entry = blocks.entry(name.to_string()).or_default();
                    entry.items.push(value);
                    entry.spans.push(self.span(&b.ident));
                }
            }
        }
        self.collect_blocks(schema, blocks, header, context, &mut out, &mut written);
        self.fill_unset(schema, header, context, &mut out);
        for name in &as_blocks {
            if let (Some(value), Some(attr)) = (out.get(name), original.attrs.get(name))
                && let Ok(converted) = convert(value, &attr.ty)
            {
                out.insert(name.clone(), converted);
            }
        }
        self.rules(schema, &written, &out, header, context);
        (Value::Map(out.into()), written.into_keys().collect())
    }

    /// Checks the nested blocks against their `min`/`max` and puts each kind into `out` as a
    /// list (unknown when a `dynamic` block's `for_each` is not known).
    fn collect_blocks(
        &mut self,
        schema: &BlockSchema,
        mut blocks: BTreeMap<String, Collected>,
        header: Option<Span>,
        context: &str,
        out: &mut BTreeMap<String, Value>,
        written: &mut BTreeMap<String, Option<Span>>,
    ) {
        for (name, nested) in &schema.blocks {
            let Collected { items, spans, unknown } = blocks.remove(name).unwrap_or_default();
            if unknown {
                written.insert(name.clone(), None);
                out.insert(name.clone(), Value::Unknown);
                continue;
            }
            if nested.max > 0 && items.len() > nested.max {
                self.diags.push(
                    Diagnostic::error(format!("Too many {name} blocks"))
                        .detail(format!("No more than {} \"{name}\" block(s) are allowed in {context}.", nested.max))
                        .at(spans.get(nested.max).copied().flatten()),
                );
            }
            if items.len() < nested.min {
                self.diags.push(
                    Diagnostic::error(format!("Insufficient {name} blocks"))
                        .detail(format!("At least {} \"{name}\" block(s) are required in {context}.", nested.min))
                        .at(header),
                );
            }
            if !items.is_empty() {
                written.insert(name.clone(), spans.first().copied().flatten());
            }
            out.insert(name.clone(), Value::List(items.into()));
        }
    }

    /// Arguments not written: a required one is an error; the rest take their default, or null,
    /// or unknown when AWS computes them.
    fn fill_unset(
        &mut self,
        schema: &BlockSchema,
        header: Option<Span>,
        context: &str,
        out: &mut BTreeMap<String, Value>,
    ) {
        for (name, attr) in &schema.attrs {
            if out.contains_key(name) {
                continue;
            }
            if attr.required {
                self.diags.push(
                    Diagnostic::error("Missing required argument")
                        .detail(format!(
                            "The argument \"{name}\" is required in {context}, but no definition was found."
                        ))
                        .at(header)
                        .hint(format!("add {name} = <{}>", attr.ty)),
                );
            }
            let fill = match (&attr.default, attr.computed) {
                (Some(d), _) => d.clone(),
                (None, true) if attr.optional && (self.data_source || (self.served && self.depth > 0)) => Value::Null,
                (None, true) => Value::Unknown,
                (None, false) => Value::Null,
            };
            out.insert(name.clone(), fill);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn attribute(
        &mut self,
        name: &str,
        key: &impl hcl_edit::Span,
        expr: &Expression,
        schema: &BlockSchema,
        context: &str,
        out: &mut BTreeMap<String, Value>,
        written: &mut BTreeMap<String, Option<Span>>,
    ) {
        let key_span = self.span(key);
        let provider_settable = self
            .provider
            .filter(|(ours, _, _)| std::ptr::eq(*ours, schema))
            .and_then(|(_, theirs, _)| theirs.attrs.get(name))
            .is_some_and(|a| a.required || a.optional);
        // An argument the provider takes but drplan's native type does not serve, set to null,
        // is unset (Terraform's rule): a registry module passing its variables' null defaults
        // through (terraform-aws-modules/vpc's IPv6 arguments) is fine.
        let native_lacks = schema.attrs.get(name).is_none_or(|a| !a.required && !a.optional);
        if native_lacks && provider_settable && matches!(self.ev.eval(expr), Ok(Value::Null)) {
            return;
        }
        if native_lacks && provider_settable && self.may_delegate {
            self.delegated = true;
            return;
        }
        let Some(attr) = schema.attrs.get(name) else {
            let d = self.unsupported_argument(name, key_span, schema, context);
            self.diags.push(d);
            return;
        };
        if !attr.required && !attr.optional {
            self.diags.push(
                Diagnostic::error("Value for unconfigurable attribute")
                    .detail(format!("Can't configure a value for \"{name}\" in {context}: its value is decided by AWS when the resource is created."))
                    .at(key_span),
            );
            return;
        }
        let value = match self.ev.eval(expr) {
            Ok(v) => v,
            Err(d) => {
                self.diags.push(if self.redact { d.redacted() } else { d });
                out.insert(name.to_string(), Value::Unknown);
                return;
            }
        };
        let value = match convert(&value, &attr.ty) {
            Ok(v) => v,
            Err(msg) => {
                self.diags.push(
                    Diagnostic::error("Incorrect attribute value type")
                        .detail(format!("Inappropriate value for attribute \"{name}\": {msg}."))
                        .at(self.span(expr)),
                );
                Value::Unknown
            }
        };
        self.check_value(name, attr, &value, expr, context);
        if !value.is_null() {
            written.insert(name.to_string(), key_span);
        }
        let value = if value.is_null() { attr.default.clone().unwrap_or(Value::Null) } else { value };
        out.insert(name.to_string(), value);
    }

    /// Why an argument the schema lacks is refused, with the likeliest fix.
    fn unsupported_argument(
        &self,
        name: &str,
        key_span: Option<Span>,
        schema: &BlockSchema,
        context: &str,
    ) -> Diagnostic {
        let d = Diagnostic::error("Unsupported argument").at(key_span);
        let provider_has =
            self.provider.filter(|(ours, theirs, _)| std::ptr::eq(*ours, schema) && theirs.attrs.contains_key(name));
        if let Some((_, _, address)) = provider_has {
            d.detail(format!(
                "drplan serves {context} natively, without the argument \"{name}\" (terraform-provider-aws has it)."
            ))
            .hint(format!(
                "remove it, or leave the resource to other tools: recovery {{ unmanaged = [\"{address}\"] }}"
            ))
        } else if schema.blocks.contains_key(name) {
            d.detail(format!("\"{name}\" is a block in {context}, not an argument."))
                .hint(format!("write it as {name} {{ ... }}, or use a dynamic \"{name}\" block"))
        } else {
            let d = d.detail(format!("An argument named \"{name}\" is not expected in {context}."));
            // A native type's argument drplan does not implement may be the provider's: with it
            // installed, such a block is planned and applied through it.
            let native = self.provider.is_none() && !self.served && !self.data_source && self.depth == 0;
            match did_you_mean(name, schema.settable_names()) {
                Some(s) => d.hint(format!("did you mean \"{s}\"?")),
                None if native => d.hint(
                    "drplan's native module does not implement it; if terraform-provider-aws does, install it (`terraform init`, or DRPLAN_PROVIDER_AWS) and drplan plans this resource through the provider",
                ),
                None => d,
            }
        }
    }

    /// A value outside `one_of`, or null for a required argument.
    fn check_value(
        &mut self,
        name: &str,
        attr: &crate::schema::AttrSchema,
        value: &Value,
        expr: &Expression,
        context: &str,
    ) {
        if let Value::String(s) = value
            && !attr.one_of.is_empty()
            && !attr.one_of.contains(s)
        {
            self.diags.push(
                Diagnostic::error("Invalid value")
                    .detail(format!("\"{name}\" must be one of {}, but is {s:?}.", attr.one_of.join(", ")))
                    .at(self.span(expr))
                    .hint(match did_you_mean(s, attr.one_of.iter().map(String::as_str)) {
                        Some(close) => format!("did you mean \"{close}\"?"),
                        None => format!("allowed values: {}", attr.one_of.join(", ")),
                    }),
            );
        }
        if value.is_null() && attr.required {
            self.diags.push(
                Diagnostic::error("Missing required argument")
                    .detail(format!("The argument \"{name}\" is required in {context}, but it is null."))
                    .at(self.span(expr)),
            );
        }
    }

    fn unsupported_block(&mut self, name: &str, b: &Block, schema: &BlockSchema, context: &str) {
        let provider_has = self
            .provider
            .is_some_and(|(ours, theirs, _)| std::ptr::eq(ours, schema) && theirs.blocks.contains_key(name));
        if provider_has && self.may_delegate {
            self.delegated = true;
            return;
        }
        let d = Diagnostic::error("Unsupported block type").at(self.span(&b.ident));
        let d = if schema.attrs.contains_key(name) {
            d.detail(format!("\"{name}\" is an argument in {context}, not a block."))
                .hint(format!("write it as {name} = ..."))
        } else {
            let d = d.detail(format!("Blocks of type \"{name}\" are not expected in {context}."));
            match did_you_mean(name, schema.blocks.keys().map(String::as_str)) {
                Some(s) => d.hint(format!("did you mean \"{s}\"?")),
                None => d,
            }
        };
        self.diags.push(d);
    }

    /// `dynamic "ingress" { for_each = ..., iterator = rule, content { ... } }`
    fn dynamic(&mut self, b: &Block, schema: &BlockSchema, context: &str, blocks: &mut BTreeMap<String, Collected>) {
        let Some(name) = b.labels.first().map(|l| l.as_str().to_string()) else {
            self.diags.push(
                Diagnostic::error("Missing block label")
                    .detail(
                        "A dynamic block needs the name of the block type it generates: dynamic \"ingress\" { ... }.",
                    )
                    .at(self.span(&b.ident)),
            );
            return;
        };
        let Some(nested) = schema.blocks.get(&name) else {
            self.unsupported_block(&name, b, schema, context);
            return;
        };
        let iterator = match b.body.get_attribute("iterator").map(|a| &a.value) {
            Some(Expression::Variable(v)) => v.as_str().to_string(),
            Some(other) => {
                self.diags.push(
                    Diagnostic::error("Invalid iterator").detail("iterator must be a bare name.").at(self.span(other)),
                );
                return;
            }
            None => name.clone(),
        };
        let Some(for_each) = b.body.get_attribute("for_each") else {
            self.diags.push(
                Diagnostic::error("Missing required argument")
                    .detail("A dynamic block needs a for_each argument.")
                    .at(self.span(&b.ident)),
            );
            return;
        };
        let Some(content) = b.body.get_blocks("content").next() else {
            self.diags.push(
                Diagnostic::error("Missing content block")
                    .detail("A dynamic block needs a content block that describes each generated block.")
                    .at(self.span(&b.ident)),
            );
            return;
        };
        for s in b.body.iter() {
            let known = match s {
                Structure::Attribute(a) => ["for_each", "iterator", "labels"].contains(&a.key.as_str()),
                Structure::Block(c) => c.ident.as_str() == "content",
            };
            if !known {
                self.diags.push(
                    Diagnostic::error("Unsupported argument")
                        .detail("A dynamic block takes for_each, iterator, labels and one content block.")
                        .at(self.span(s)),
                );
            }
        }
        let collection = match self.ev.eval(&for_each.value) {
            Ok(v) => v,
            Err(d) => {
                self.diags.push(d);
                return;
            }
        };
        let pairs = match collection {
            Value::Unknown => {
                blocks.entry(name.clone()).or_default().unknown = true;
                return;
            }
            Value::Null => Vec::new(),
            other => match other.iteration_pairs() {
                Some(pairs) => pairs,
                None => {
                    self.diags.push(
                        Diagnostic::error("Invalid dynamic for_each value")
                            .detail(format!("for_each must be a collection, but is a {}.", other.type_name()))
                            .at(self.span(&for_each.value)),
                    );
                    return;
                }
            },
        };
        let span = self.span(&b.ident);
        for (key, value) in pairs {
            self.ev.push(&iterator, Value::Map([("key".to_string(), key), ("value".to_string(), value)].into()));
            let (v, _) = self.nested(&content.body, &nested.block, span, &name);
            self.ev.pop();
            let entry = blocks.entry(name.clone()).or_default();
            entry.items.push(v);
            entry.spans.push(span);
        }
    }

    /// Cross-argument rules, as the provider checks them while planning: an argument whose value
    /// is not known yet may still be null, so it counts for "one of these is set" but never
    /// makes a conflict.
    fn rules(
        &mut self,
        schema: &BlockSchema,
        written: &BTreeMap<String, Option<Span>>,
        values: &BTreeMap<String, Value>,
        header: Option<Span>,
        context: &str,
    ) {
        let known = |n: &String| written.contains_key(n) && values.get(n).is_none_or(|v| !v.is_unknown());
        for rule in &schema.rules {
            match rule {
                Rule::Conflicts(a, b) if known(a) && known(b) => {
                    self.diags.push(
                        Diagnostic::error("Conflicting configuration arguments")
                            .detail(format!("\"{b}\": conflicts with {a} in {context}; set only one of them."))
                            .at(written[b].or(header)),
                    );
                }
                Rule::ExactlyOneOf(names) | Rule::AtLeastOneOf(names) => {
                    let set: Vec<&String> = names.iter().filter(|n| written.contains_key(*n)).collect();
                    if set.is_empty() {
                        self.diags.push(
                            Diagnostic::error("Missing required argument")
                                .detail(format!("{context} needs one of: {}.", names.join(", ")))
                                .at(header),
                        );
                    } else if set.iter().filter(|n| known(n)).count() > 1 && matches!(rule, Rule::ExactlyOneOf(_)) {
                        let set: Vec<&&String> = set.iter().filter(|n| known(n)).collect();
                        let list: Vec<&str> = set.iter().map(|s| s.as_str()).collect();
                        self.diags.push(
                            Diagnostic::error("Invalid combination of arguments")
                                .detail(format!(
                                    "Only one of {} may be set in {context}, but {} are.",
                                    names.join(", "),
                                    list.join(" and ")
                                ))
                                .at(written[*set[1]].or(header)),
                        );
                    }
                }
                Rule::Requires(a, b) if known(a) && !written.contains_key(b) => {
                    self.diags.push(
                        Diagnostic::error("Missing required argument")
                            .detail(format!("\"{a}\" requires \"{b}\" to be set in {context}."))
                            .at(written[a].or(header)),
                    );
                }
                _ => {}
            }
        }
    }
}

/// Arguments of type list or set of objects that `body` writes as blocks (static or `dynamic`)
/// and never as an argument: Terraform accepts that form for provider schemas
/// (`ingress { ... }` on `aws_default_security_group`, `route { ... }` on route tables).
fn attributes_as_blocks(body: &Body, schema: &BlockSchema) -> Vec<String> {
    use crate::eval::types::Type;
    let mut names: Vec<String> = Vec::new();
    for structure in body.iter() {
        let Structure::Block(b) = structure else { continue };
        let name = match b.ident.as_str() {
            "dynamic" => match b.labels.first() {
                Some(l) => l.as_str().to_string(),
                None => continue,
            },
            other => other.to_string(),
        };
        let objects = schema.attrs.get(&name).is_some_and(|a| {
            (a.required || a.optional)
                && matches!(&a.ty, Type::List(t) | Type::Set(t) if matches!(**t, Type::Object(_)))
        });
        if objects
            && !schema.blocks.contains_key(&name)
            && body.get_attribute(&name).is_none()
            && !names.contains(&name)
        {
            names.push(name);
        }
    }
    names
}

/// `schema` with each of `names` (list or set of objects) as a nested block whose arguments are
/// the object's attributes, all optional, as Terraform decodes that form.
fn with_blocks_for(schema: &BlockSchema, names: &[String]) -> BlockSchema {
    use crate::eval::types::Type;
    let mut out = schema.clone();
    for name in names {
        let Some(attr) = out.attrs.remove(name) else { continue };
        let (Type::List(t) | Type::Set(t)) = &attr.ty else { continue };
        let Type::Object(fields) = &**t else { continue };
        let attrs = fields
            .iter()
            .map(|(k, f)| {
                let a = crate::schema::AttrSchema {
                    ty: f.ty.clone(),
                    required: false,
                    optional: true,
                    computed: false,
                    force_new: false,
                    sensitive: attr.sensitive,
                    default: None,
                    one_of: Vec::new(),
                };
                (k.clone(), a)
            })
            .collect();
        let block = BlockSchema { attrs, blocks: Default::default(), rules: Vec::new() };
        out.blocks
            .insert(name.clone(), crate::schema::NestedBlock { block, min: 0, max: 0, force_new: attr.force_new });
    }
    out
}
