//! Expanding `resource`/`data` blocks and `module` calls into instances, per `count` or
//! `for_each` key, and recording what references to them depend on.

use std::collections::BTreeSet;
use std::path::Path;

use super::{Carried, Engine, Exported, Frame, Instance, InstanceKey, ManagedRef, ValuesWithDeps, count};
use crate::config::refs::{Reference, Target, body_refs, expr_refs};
use crate::config::{Mode, ResourceDecl};
use crate::diag::{Diagnostic, did_you_mean};
use crate::eval::Value;
use crate::eval::expr::Evaluator;
use crate::schema;

/// What every instance of one `resource`/`data` block shares.
pub(super) struct BlockFacts<'s> {
    /// The schema the body is checked against.
    pub(super) schema: &'s schema::ResourceSchema,
    /// A native type's schema with the provider's, when both are known (arguments the provider
    /// accepts and drplan does not are reported as such).
    pub(super) checked_against: Option<(&'s schema::ResourceSchema, &'s schema::ResourceSchema)>,
    /// Served by the provider host only.
    pub(super) hosted: bool,
    /// The address without the instance key.
    pub(super) base: String,
    pub(super) provider_key: String,
    pub(super) region: Option<String>,
    pub(super) read_only: bool,
    pub(super) deps: BTreeSet<usize>,
    pub(super) waits_on: BTreeSet<usize>,
    pub(super) sensitive_attrs: BTreeSet<String>,
    pub(super) redact: bool,
    pub(super) decides_keys: bool,
}

impl<'l> Engine<'l> {
    pub(super) fn resource(&mut self, frame: &mut Frame, i: usize, refs: &[Reference]) {
        let decl: &ResourceDecl = &frame.module.resources[i];
        let target = Target::Resource(decl.mode, decl.ty.clone(), decl.name.clone());
        let set_value = |frame: &mut Frame, v: Value| match decl.mode {
            Mode::Managed => frame.scope.set_member(&decl.ty, &decl.name, v),
            Mode::Data => frame.scope.set_member2("data", &decl.ty, &decl.name, v),
        };
        let Some(block) = self.block_facts(frame, i, refs, &target) else {
            set_value(frame, Value::Unknown);
            return;
        };
        let keys = self.instance_keys(frame, decl, block.read_only);
        // References to this resource's sensitive attributes are sensitive in turn.
        let mut exported = Exported { sensitive_outputs: block.sensitive_attrs.clone(), ..Exported::default() };
        let mut values: Vec<(InstanceKey, Value)> = Vec::new();
        for (key, each) in keys.iter() {
            let (index, value) = self.instance(frame, decl, &block, &key, each.as_ref());
            exported.all.insert(index);
            if let Some(k) = key.ref_key() {
                exported.by_key.insert(k, index);
            }
            frame.all.insert(index);
            values.push((key, value));
        }
        set_value(frame, keys.collect(values));
        frame.exported.insert(target, exported);
    }

    /// What every instance of a block shares; `None` (after an error) for a type nobody serves.
    fn block_facts(&mut self, frame: &Frame, i: usize, refs: &[Reference], target: &Target) -> Option<BlockFacts<'l>> {
        let decl: &ResourceDecl = &frame.module.resources[i];
        let opts = self.opts;
        let native = schema::lookup(decl.mode, &decl.ty);
        let provider_schema = opts.hosted.lookup(decl.mode, &decl.ty);
        let hosted = if native.is_none() { provider_schema } else { None };
        // A native type left to other tools is checked against the provider's schema when it is
        // known: drplan does not manage it, so every argument Terraform accepts is fine.
        let base = format!("{}{}", frame.prefix, decl.address_base());
        let left = self.out.recovery.as_ref().is_some_and(|r| r.unmanaged.matching(&decl.ty, &base).is_some());
        let schema = if left && native.is_some() { provider_schema.or(native) } else { native.or(hosted) };
        let Some(schema) = schema else {
            // Left to other tools, of another provider's type (drplan hosts provider-aws only):
            // planned around, its values unknown; no schema to check it against. An AWS type
            // without a schema means the provider is missing or broken, which is said.
            if !left || decl.ty.starts_with("aws_") {
                self.unsupported_type(decl);
            }
            return None;
        };
        let (provider_key, mut region) = self.provider_region(frame, decl);
        let outside = decl.mode == Mode::Managed && self.outside_dr_region(&decl.ty, region.as_deref());
        // A global object the DR stack builds lives where the DR stack's objects do.
        if outside && super::global::is_global(&decl.ty) && self.dr_builds_global(frame, i) {
            region = self.out.recovery.as_ref().map(|r| r.region.clone());
        }
        let read_only =
            outside && self.outside_dr_region(&decl.ty, region.as_deref()) && !self.written_in_failback(decl, &base);
        Some(BlockFacts {
            schema,
            checked_against: native.zip(provider_schema),
            hosted: hosted.is_some(),
            base,
            provider_key,
            region,
            read_only,
            deps: Self::deps_of(frame, refs),
            waits_on: self.data_waits_on(frame, decl, refs),
            sensitive_attrs: Self::sensitive_attrs(frame, decl, &schema.block),
            redact: Self::sensitive_of(frame, refs),
            decides_keys: frame.plan.key_targets.contains(target),
        })
    }

    /// The provider configuration a block names (`aws` when none) and its region; an undeclared
    /// one is an error, with the region unknown.
    fn provider_region(&mut self, frame: &Frame, decl: &ResourceDecl) -> (String, Option<String>) {
        let provider_key = decl.provider.as_ref().map_or_else(|| "aws".to_string(), |(k, _)| k.clone());
        let region = match frame.providers.get(&provider_key) {
            Some(p) => p.region.clone(),
            None if provider_key == "aws" => {
                let region = self.out.recovery.as_ref().map(|r| r.region.clone());
                self.assumed_default_provider(frame, decl, region.as_deref());
                region
            }
            None => {
                let declared: Vec<&str> = frame.providers.keys().map(String::as_str).collect();
                let d = Diagnostic::error("Provider configuration not present")
                    .detail(format!(
                        "{} refers to provider {provider_key}, which is not declared.",
                        decl.address_base()
                    ))
                    .at(decl.provider.as_ref().map(|(_, s)| *s));
                self.diags.push(match did_you_mean(&provider_key, declared) {
                    Some(s) => d.hint(format!("did you mean {s}?")),
                    None => d.hint(format!(
                        "declare provider \"aws\" {{ alias = \"{}\" }}",
                        provider_key.trim_start_matches("aws.")
                    )),
                });
                None
            }
        };
        (provider_key, region)
    }

    /// A two-region root (aliased providers declared) whose resources use the default `aws`
    /// provider without declaring it: drplan builds them in the DR region, which may not be what
    /// the configuration means (Terraform would use the environment's region). Said once.
    fn assumed_default_provider(&mut self, frame: &Frame, decl: &ResourceDecl, region: Option<&str>) {
        let aliased = frame.providers.keys().any(|k| k.starts_with("aws."));
        if self.warned_default_provider || !frame.prefix.is_empty() || !aliased || decl.mode != Mode::Managed {
            return;
        }
        self.warned_default_provider = true;
        let region = region.unwrap_or("the DR region");
        self.diags.push(
            Diagnostic::warning("Default provider not declared")
                .detail(format!("{} (and every other resource without a provider argument) uses the default aws provider, which this configuration does not declare: drplan builds them in {region}, the recovery region.", decl.address_base()))
                .at(decl.span)
                .hint(format!("declare provider \"aws\" {{ region = \"{region}\" }} to say so, or set provider = aws.ALIAS on the resources meant for another region")),
        );
    }

    fn instance_keys(&mut self, frame: &Frame, decl: &ResourceDecl, read_only: bool) -> count::Keys {
        if self.sensitive_for_each(frame, decl.for_each.as_ref()) {
            return count::Keys::Invalid;
        }
        let mut ev = Evaluator::new(&frame.scope, decl.file);
        // A primary-side counterpart is never created: a count or for_each not known yet
        // (it reads something the DR side creates) defers it instead of failing the DR plan.
        // One that reads a type nobody serves (already an error) is deferred too: its
        // "known only after apply" would be noise after that error.
        let lenient = self.opts.lenient_keys || read_only || self.reads_unserved(decl);
        count::keys(&mut ev, decl.count.as_ref(), decl.for_each.as_ref(), lenient, self.diags)
    }

    /// Whether `count`/`for_each` reads a resource of a type neither drplan nor the provider
    /// serves.
    fn reads_unserved(&self, decl: &ResourceDecl) -> bool {
        let refs = decl.count.iter().chain(&decl.for_each).flat_map(expr_refs);
        refs.into_iter().any(|r| match &r.target {
            Target::Resource(mode, ty, _) => {
                schema::lookup(*mode, ty).is_none() && self.opts.hosted.lookup(*mode, ty).is_none()
            }
            _ => false,
        })
    }

    /// Evaluates one instance of a block and records it; returns its index and the value
    /// references to it see.
    fn instance(
        &mut self,
        frame: &Frame,
        decl: &ResourceDecl,
        block: &BlockFacts,
        key: &InstanceKey,
        each: Option<&Value>,
    ) -> (usize, Value) {
        let (config, written, via_provider) = self.body(frame, decl, block, key, each);
        let provider = frame.providers.get(&block.provider_key);
        let taggable = decl.mode == Mode::Managed && block.schema.block.attrs.contains_key("tags");
        let (config, written, own_tags) = match provider.map(|p| &p.default_tags) {
            Some(tags) if taggable => super::instance_config::with_default_tags(config, written, tags),
            _ => (config, written, None),
        };
        let mut lifecycle = decl.lifecycle.clone();
        let mut config = match provider.map(|p| &p.ignore_tags).filter(|i| taggable && !i.is_empty()) {
            Some(ignored) => {
                lifecycle.ignored_tags = ignored.clone();
                super::instance_config::without_ignored_tags(config, ignored)
            }
            None => config,
        };
        // Marked before it is shared with references and the plan (see `kinds`).
        super::kinds::mark_block(&mut config, &block.schema.block);
        let addr = format!("{}{}{}", frame.prefix, decl.address_base(), key.suffix());
        let unmanaged =
            self.out.recovery.as_ref().and_then(|r| r.unmanaged.matching(&decl.ty, &addr)).map(str::to_string);
        // Planned (and read) through the provider when it is installed.
        let plannable = self.opts.hosted.located.is_some();
        if block.hosted && unmanaged.is_none() && !plannable {
            self.not_planned_yet(decl);
        }
        let value = if unmanaged.is_some() && block.hosted {
            // Left to other tools, and drplan cannot read it: what it computes is unknown to its
            // dependents. (A native type's live object is read as usual.)
            unread(&config, &block.schema.block)
        } else {
            let mut value = self.instance_value(decl, block, &addr, &config, &written, &lifecycle);
            // As its schema types it (a live object's attributes are read as tuples and objects).
            super::kinds::mark_block(&mut value, &block.schema.block);
            value
        };
        let index = self.out.instances.len();
        self.out.instances.push(Instance {
            addr,
            module: frame.prefix.trim_end_matches('.').to_string(),
            mode: decl.mode,
            ty: decl.ty.clone(),
            name: decl.name.clone(),
            key: key.clone(),
            span: decl.span,
            config,
            deps: block.deps.clone(),
            waits_on: block.waits_on.clone(),
            lifecycle,
            sensitive_attrs: block.sensitive_attrs.clone(),
            written,
            provider: block.provider_key.clone(),
            region: block.region.clone(),
            read_only: block.read_only,
            unmanaged,
            via_provider,
            own_tags,
        });
        (index, value)
    }

    /// What references to an instance see: a data source's result, or a managed instance's
    /// planned value (its live object's attributes where the plan keeps them).
    fn instance_value(
        &mut self,
        decl: &ResourceDecl,
        block: &BlockFacts,
        addr: &str,
        config: &Value,
        written: &BTreeSet<String>,
        lifecycle: &crate::config::Lifecycle,
    ) -> Value {
        if decl.mode == Mode::Data {
            let read = super::DataRead {
                addr,
                ty: &decl.ty,
                region: block.region.as_deref(),
                config,
                waits: !block.waits_on.is_empty(),
            };
            return match self.opts.live.read_data(&read) {
                Ok(Some(v)) => v,
                Ok(None) => unread(config, &block.schema.block),
                Err(msg) => {
                    self.diags.push(
                        Diagnostic::error("Data source lookup failed")
                            .detail(format!("{}: {msg}.", decl.address_base()))
                            .at(decl.span),
                    );
                    // Unknown, not null: one failed lookup must not cascade into more errors.
                    unread(config, &block.schema.block)
                }
            };
        }
        let managed = ManagedRef {
            addr,
            ty: &decl.ty,
            written,
            lifecycle,
            recovery: self.out.recovery.as_ref(),
            region: block.region.as_deref(),
            read_only: block.read_only,
            decides_keys: block.decides_keys,
        };
        self.opts.live.planned_value(&managed, config).unwrap_or_else(|| config.clone())
    }

    /// A `for_each` over a sensitive value is refused, as in Terraform: its keys become
    /// instance addresses, which are shown everywhere and written into ownership tags.
    fn sensitive_for_each(&mut self, frame: &Frame, for_each: Option<&crate::config::Expr>) -> bool {
        let Some(fe) = for_each else { return false };
        if !Self::keys_sensitive_of(frame, &crate::config::refs::whole_value_refs(fe)) {
            return false;
        }
        self.diags.push(
            Diagnostic::error("Invalid for_each argument")
                .detail("Sensitive values, or values derived from sensitive values, cannot be used as for_each arguments: the keys would become instance addresses, which are shown in plans and written into the drplan:address tag.")
                .at(fe.span())
                .hint("iterate over a value that is not sensitive, such as a separate variable holding only the keys"),
        );
        true
    }

    /// Attributes sensitive in the schema, or whose expression reaches a sensitive value.
    fn sensitive_attrs(frame: &Frame, decl: &ResourceDecl, schema: &crate::schema::BlockSchema) -> BTreeSet<String> {
        let mut out: BTreeSet<String> =
            schema.attrs.iter().filter(|(_, a)| a.sensitive).map(|(k, _)| k.clone()).collect();
        // A for_each whose values (not keys) are sensitive makes `each.value` sensitive.
        let each_value_sensitive = decl.for_each.as_ref().is_some_and(|fe| Self::sensitive_of(frame, &expr_refs(fe)));
        for s in decl.body.iter() {
            if each_value_sensitive && crate::config::refs::reads_each_value(s, decl.file) {
                out.insert(match s {
                    hcl_edit::structure::Structure::Attribute(a) => a.key.as_str().to_string(),
                    hcl_edit::structure::Structure::Block(b) if b.ident.as_str() == "dynamic" => {
                        b.labels.first().map(|l| l.as_str().to_string()).unwrap_or_default()
                    }
                    hcl_edit::structure::Structure::Block(b) => b.ident.as_str().to_string(),
                });
            }
            let (name, refs) = match s {
                hcl_edit::structure::Structure::Attribute(a) => {
                    let e = crate::config::Expr { file: decl.file, expr: a.value.clone() };
                    (a.key.as_str().to_string(), expr_refs(&e))
                }
                hcl_edit::structure::Structure::Block(b) => {
                    let name = match b.ident.as_str() {
                        "dynamic" => b.labels.first().map(|l| l.as_str().to_string()).unwrap_or_default(),
                        other => other.to_string(),
                    };
                    (name, body_refs(&b.body, decl.file))
                }
            };
            if Self::sensitive_of(frame, &refs) {
                out.insert(name);
            }
        }
        // `tags_all` holds every tag of `tags`.
        if out.contains("tags") && schema.attrs.contains_key("tags_all") {
            out.insert("tags_all".into());
        }
        out
    }

    /// Module calls whose cycle is not real per output (see `module_cycles`): evaluated in
    /// rounds, each seeing the outputs the previous round computed; every round but the last is
    /// discarded (its instances and diagnostics), so only the final values remain.
    pub(super) fn module_group(
        &mut self,
        frame: &mut Frame,
        group: &[usize],
        nodes: &[super::order::Node],
        root_dir: &Path,
    ) {
        use super::order::Node;
        let calls: Vec<usize> =
            group.iter().filter_map(|&n| if let Node::Module(i) = nodes[n] { Some(i) } else { None }).collect();
        for &i in &calls {
            frame.scope.set_member("module", &frame.module.module_calls[i].name, Value::Unknown);
        }
        let locals: Vec<usize> =
            group.iter().filter_map(|&n| if let Node::Local(i) = nodes[n] { Some(i) } else { None }).collect();
        for &i in &locals {
            frame.scope.set_member("local", &frame.module.locals[i].name, Value::Unknown);
        }
        // Instances land at the same positions every round, so references a member takes from
        // another member's previous round name the final round's instances, as long as the
        // rounds agree on what they create (checked below).
        let mut previous = None;
        for round in 0..=group.len() {
            let last = round == group.len();
            let (instances, diags, modules) = (self.out.instances.len(), self.diags.0.len(), self.out.module_instances);
            let (unsupported, planned) = (self.unsupported.clone(), self.planned.clone());
            let not_planned = self.not_planned.clone();
            for &i in &locals {
                self.local(frame, i);
            }
            for &i in &calls {
                self.module_call(frame, i, root_dir);
            }
            let made: Vec<String> = self.out.instances[instances..].iter().map(|i| i.addr.clone()).collect();
            if last && previous.as_ref().is_some_and(|p| p != &made) {
                let call = &frame.module.module_calls[calls[0]];
                self.diags.push(
                    crate::diag::Diagnostic::error("Cycle in configuration")
                        .detail(format!("The module calls {} read each other's outputs, and their instances did not settle: which instances exist depends on the cycle itself.", calls.iter().map(|&i| format!("module.{}", frame.module.module_calls[i].name)).collect::<Vec<_>>().join(", ")))
                        .at(call.span),
                );
            }
            previous = Some(made);
            if !last {
                self.out.instances.truncate(instances);
                self.diags.0.truncate(diags);
                self.out.module_instances = modules;
                self.unsupported = unsupported;
                self.not_planned = not_planned;
                self.planned = planned;
                frame.all.retain(|&ix| ix < instances);
            }
        }
    }

    pub(super) fn module_call(&mut self, frame: &mut Frame, i: usize, root_dir: &Path) {
        let call = &frame.module.module_calls[i];
        let Some(child_index) = call.child else {
            frame.scope.set_member("module", &call.name, Value::Unknown);
            return;
        };
        let child = &self.loaded.tree.modules[child_index];
        let keys = if self.sensitive_for_each(frame, call.for_each.as_ref()) {
            count::Keys::Invalid
        } else {
            let mut ev = Evaluator::new(&frame.scope, call.span.file);
            count::keys(&mut ev, call.count.as_ref(), call.for_each.as_ref(), self.opts.lenient_keys, self.diags)
        };
        // What every input inherits: the call's own meta-arguments, not the other inputs.
        let meta_refs: Vec<Reference> =
            call.count.iter().chain(&call.for_each).chain(&call.depends_on).flat_map(expr_refs).collect();
        let call_deps = Self::deps_of(frame, &meta_refs);
        let call_waits = self.call_waits_on(frame, &call.depends_on);
        let declared: BTreeSet<&str> = child.variables.iter().map(|v| v.name.as_str()).collect();
        for (name, span, _) in &call.inputs {
            if !declared.contains(name.as_str()) {
                let d = Diagnostic::error("Unsupported argument").detail(format!("An argument named \"{name}\" is not expected here: module \"{}\" declares no variable \"{name}\".", call.name)).at(*span);
                self.diags.push(match did_you_mean(name, declared.iter().copied()) {
                    Some(s) => d.hint(format!("did you mean \"{s}\"?")),
                    None => d,
                });
            }
        }
        for v in &child.variables {
            if v.default.is_none() && !call.inputs.iter().any(|(n, _, _)| n == &v.name) {
                self.diags.push(
                    Diagnostic::error("Missing required argument")
                        .detail(format!(
                            "The argument \"{}\" is required by module \"{}\", but no definition was found.",
                            v.name, call.name
                        ))
                        .at(call.span),
                );
            }
        }
        let mut providers = frame.providers.clone();
        for (child_key, parent_key) in &call.providers {
            match frame.providers.get(parent_key) {
                Some(p) => {
                    providers.insert(child_key.clone(), p.clone());
                }
                None => self.diags.push(
                    Diagnostic::error("Provider configuration not present")
                        .detail(format!(
                            "module \"{}\" is passed provider {parent_key}, which is not declared.",
                            call.name
                        ))
                        .at(call.span),
                ),
            }
        }
        let mut exported = Exported::default();
        let mut values = Vec::new();
        for (key, each) in keys.iter() {
            let mut child_inputs = ValuesWithDeps::new();
            {
                let mut ev = Evaluator::new(&frame.scope, call.span.file);
                count::bind(&mut ev, &key, each.as_ref());
                for (name, _, expr) in &call.inputs {
                    let value = ev.eval(&expr.expr).unwrap_or_else(|d| {
                        self.diags.push(d);
                        Value::Unknown
                    });
                    let mut deps = Self::deps_of(frame, &expr_refs(expr));
                    deps.extend(&call_deps);
                    let sensitive = Self::sensitive_of(frame, &expr_refs(expr));
                    let only_within = sensitive && Self::keys_insensitive(frame, expr);
                    child_inputs.insert(name.clone(), Carried { value, deps, sensitive, only_within });
                }
            }
            let prefix = format!("{}module.{}{}.", frame.prefix, call.name, key.suffix());
            self.out.module_instances += 1;
            let outer_waits = std::mem::replace(&mut self.call_waits, call_waits.clone());
            let (outputs, all) = self.module(child_index, prefix, providers.clone(), Some(child_inputs), root_dir);
            self.call_waits = outer_waits;
            for (name, out) in &outputs {
                exported.outputs.entry(name.clone()).or_default().extend(&out.deps);
                if out.sensitive {
                    exported.sensitive_outputs.insert(name.clone());
                }
            }
            exported.all.extend(&all);
            frame.all.extend(&all);
            values.push((key, Value::Map(outputs.into_iter().map(|(k, c)| (k, c.value)).collect())));
        }
        frame.scope.set_member("module", &call.name, keys.collect(values));
        frame.exported.insert(Target::Module(call.name.clone()), exported);
    }
}

/// A data source not read yet: its computed attributes (including computed arguments left
/// unset) are unknown until it is.
fn unread(config: &Value, schema: &crate::schema::BlockSchema) -> Value {
    let Some(m) = config.as_map() else { return config.clone() };
    let mut out = m.clone();
    for (name, attr) in &schema.attrs {
        if attr.computed && out.get(name).is_none_or(Value::is_null) {
            out.insert(name.clone(), Value::Unknown);
        }
    }
    Value::Map(out.into())
}
