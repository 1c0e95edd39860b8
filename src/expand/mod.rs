//! Expansion: evaluating a loaded module tree into resource and data-source *instances*.
//!
//! This module owns the evaluation order inside each module (a topological order of its
//! declarations, with cycles reported by name and location), `count`/`for_each` expansion of
//! resources and modules, input variables (types, defaults, validation), locals, outputs,
//! providers and the `recovery` block, and the dependency sets between instances. Values that
//! exist only after apply are unknown. Data sources are read through [`DataReader`], so the
//! same expansion serves `validate` (nothing known) and `plan` (live inventory).

mod body;
mod count;
pub mod inputs;
mod order;
pub mod recovery;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use crate::config::refs::{Reference, Target, expr_refs};
use crate::config::{Loaded, Mode, Module, ResourceDecl};
use crate::diag::{Diagnostic, Diagnostics, Span, did_you_mean};
use crate::eval::Value;
use crate::eval::expr::{Evaluator, Scope};
use crate::eval::types::{Type, convert, parse_type};
use crate::schema;

pub use count::InstanceKey;
use inputs::RawInput;
use order::{Node, ModulePlan};
pub use recovery::Recovery;

/// Reads a data source's result; `Ok(None)` means "not known now" (attributes stay unknown).
pub trait DataReader {
    fn read(&self, ty: &str, region: Option<&str>, config: &Value) -> Result<Option<Value>, String>;
}

/// The reader for `validate`: nothing is read, everything computed stays unknown.
pub struct NoData;

impl DataReader for NoData {
    fn read(&self, _: &str, _: Option<&str>, _: &Value) -> Result<Option<Value>, String> {
        Ok(None)
    }
}

pub struct Options<'a> {
    pub workspace: String,
    pub inputs: BTreeMap<String, RawInput>,
    pub data: &'a dyn DataReader,
    /// Defer `count`/`for_each` values not known yet instead of reporting them (validate, graph).
    pub lenient_keys: bool,
}

/// One resource or data-source instance after expansion.
#[derive(Clone, Debug)]
pub struct Instance {
    /// Full address: `module.net.aws_subnet.public[2]`.
    pub addr: String,
    /// Module instance path (`module.net`), empty for the root module.
    pub module: String,
    pub mode: Mode,
    pub ty: String,
    pub name: String,
    pub key: InstanceKey,
    pub span: Span,
    /// The evaluated configuration: every schema attribute, defaults filled, computed unknown.
    pub config: Value,
    /// Indices (into [`Expansion::instances`]) of instances this one depends on.
    pub deps: BTreeSet<usize>,
    pub lifecycle: crate::config::Lifecycle,
    /// `aws` or `aws.primary`.
    pub provider: String,
    /// The region the instance lives in, when known.
    pub region: Option<String>,
}

#[derive(Clone, Debug)]
pub struct OutputValue {
    pub name: String,
    pub value: Value,
    pub sensitive: bool,
    pub description: Option<String>,
}

#[derive(Debug, Default)]
pub struct Expansion {
    pub instances: Vec<Instance>,
    pub outputs: Vec<OutputValue>,
    pub recovery: Option<Recovery>,
    pub module_instances: usize,
}

/// Evaluates the whole tree. Problems go to `diags`; the expansion is as complete as they allow.
pub fn expand(loaded: &Loaded, opts: &Options, diags: &mut Diagnostics) -> Expansion {
    let mut engine = Engine { loaded, opts, diags, plans: HashMap::new(), out: Expansion::default() };
    if loaded.tree.modules.is_empty() {
        return engine.out;
    }
    if loaded.tree.root().recovery.is_none() && !loaded.sources_empty() {
        engine.diags.push(
            Diagnostic::error("Missing recovery block")
                .detail("The root module must declare recovery { stack = \"...\", region = \"...\" } so drplan knows which objects it owns and where to rebuild.")
                .hint("add a recovery block; see docs/configuration.md"),
        );
    }
    let root_dir = loaded.tree.root().dir.clone();
    engine.module(0, String::new(), BTreeMap::new(), None, &root_dir);
    engine.check_regions();
    engine.out
}

impl Loaded {
    fn sources_empty(&self) -> bool {
        self.tree.root().resources.is_empty() && self.tree.root().variables.is_empty() && self.tree.root().module_calls.is_empty() && self.tree.root().outputs.is_empty() && self.tree.root().locals.is_empty()
    }
}

/// What a reference to a declaration means in terms of instances.
#[derive(Clone, Debug, Default)]
struct Exported {
    all: BTreeSet<usize>,
    by_key: BTreeMap<String, usize>,
    outputs: BTreeMap<String, BTreeSet<usize>>,
}

#[derive(Clone, Debug)]
struct ProviderConf {
    region: Option<String>,
}

/// Values passed into a child module's variables: value, dependencies, and where they were set.
type ChildInputs = BTreeMap<String, (Value, BTreeSet<usize>)>;

struct Engine<'l> {
    loaded: &'l Loaded,
    opts: &'l Options<'l>,
    diags: &'l mut Diagnostics,
    plans: HashMap<usize, std::rc::Rc<ModulePlan>>,
    out: Expansion,
}

/// The state of one module instance while it is evaluated.
struct Frame<'m> {
    module: &'m Module,
    prefix: String,
    scope: Scope,
    exported: HashMap<Target, Exported>,
    providers: BTreeMap<String, ProviderConf>,
    outputs: BTreeMap<String, (Value, BTreeSet<usize>)>,
    all: BTreeSet<usize>,
}

impl<'l> Engine<'l> {
    fn plan(&mut self, index: usize) -> std::rc::Rc<ModulePlan> {
        if let Some(p) = self.plans.get(&index) {
            return p.clone();
        }
        let plan = std::rc::Rc::new(order::plan(&self.loaded.tree.modules[index], &self.loaded.sources, self.diags));
        self.plans.insert(index, plan.clone());
        plan
    }

    /// Evaluates one module instance; returns its outputs and every instance it contains.
    fn module(&mut self, index: usize, prefix: String, providers: BTreeMap<String, ProviderConf>, inputs: Option<ChildInputs>, root_dir: &Path) -> (BTreeMap<String, (Value, BTreeSet<usize>)>, BTreeSet<usize>) {
        let module = &self.loaded.tree.modules[index];
        let plan = self.plan(index);
        let mut scope = Scope::default();
        let ws = Value::Map([("workspace".to_string(), Value::from(self.opts.workspace.as_str()))].into());
        scope.set("terraform", ws.clone());
        scope.set("drplan", ws);
        scope.set(
            "path",
            Value::Map(
                [
                    ("module".to_string(), Value::from(module.dir.display().to_string())),
                    ("root".to_string(), Value::from(root_dir.display().to_string())),
                    ("cwd".to_string(), Value::from(".")),
                ]
                .into(),
            ),
        );
        for root in ["var", "local", "module", "data"] {
            scope.set(root, Value::Map(BTreeMap::new()));
        }
        let mut frame = Frame { module, prefix, scope, exported: HashMap::new(), providers, outputs: BTreeMap::new(), all: BTreeSet::new() };
        let Some(order) = &plan.order else {
            return (frame.outputs, frame.all);
        };
        for &node in order {
            match plan.nodes[node] {
                Node::Var(i) => self.variable(&mut frame, i, inputs.as_ref()),
                Node::Local(i) => {
                    let decl = &module.locals[i];
                    let (value, deps) = self.eval_expr(&frame, &decl.value, &expr_refs(&decl.value));
                    frame.scope.set_member("local", &decl.name, value);
                    frame.exported.insert(Target::Local(decl.name.clone()), Exported { all: deps, ..Exported::default() });
                }
                Node::Provider(i) => self.provider(&mut frame, i),
                Node::Recovery => self.recovery(&frame),
                Node::Resource(i) => self.resource(&mut frame, i, &plan.refs[node]),
                Node::Module(i) => self.module_call(&mut frame, i, root_dir),
                Node::Output(i) => {
                    let decl = &module.outputs[i];
                    let Some(expr) = &decl.value else { continue };
                    let (value, deps) = self.eval_expr(&frame, expr, &plan.refs[node]);
                    if frame.prefix.is_empty() {
                        self.out.outputs.push(OutputValue { name: decl.name.clone(), value: value.clone(), sensitive: decl.sensitive, description: decl.description.clone() });
                    }
                    frame.outputs.insert(decl.name.clone(), (value, deps));
                }
            }
        }
        if frame.prefix.is_empty() {
            self.check_undeclared_inputs(module);
        }
        (frame.outputs, frame.all)
    }

    /// Instances a set of references stands for.
    fn deps_of(frame: &Frame, refs: &[Reference]) -> BTreeSet<usize> {
        let mut deps = BTreeSet::new();
        for r in refs {
            let Some(exp) = frame.exported.get(&r.target) else { continue };
            match (&r.key, &r.output) {
                (Some(k), _) if exp.by_key.contains_key(k) => {
                    deps.insert(exp.by_key[k]);
                }
                (_, Some(o)) if exp.outputs.contains_key(o) => deps.extend(&exp.outputs[o]),
                _ => deps.extend(&exp.all),
            }
        }
        deps
    }

    fn eval_expr(&mut self, frame: &Frame, expr: &crate::config::Expr, refs: &[Reference]) -> (Value, BTreeSet<usize>) {
        let deps = Self::deps_of(frame, refs);
        let mut ev = Evaluator::new(&frame.scope, expr.file, &frame.module.dir);
        match ev.eval(&expr.expr) {
            Ok(v) => (v, deps),
            Err(d) => {
                self.diags.push(d);
                (Value::Unknown, deps)
            }
        }
    }

    fn variable(&mut self, frame: &mut Frame, i: usize, inputs: Option<&ChildInputs>) {
        let decl = &frame.module.variables[i];
        let empty = Scope::default();
        let default_eval = |e: &hcl_edit::expr::Expression| Evaluator::new(&empty, decl.span.file, &frame.module.dir).eval(e).map_err(|d| d.detail.unwrap_or(d.summary));
        let ty = match &decl.type_expr {
            None => Type::Any,
            Some(t) => parse_type(&t.expr, &default_eval).unwrap_or_else(|msg| {
                self.diags.push(Diagnostic::error("Invalid type specification").detail(format!("{msg}.")).at(t.span()));
                Type::Any
            }),
        };
        let mut deps = BTreeSet::new();
        let mut at = decl.span;
        let given: Option<Value> = match inputs {
            Some(child) => child.get(&decl.name).map(|(v, d)| {
                deps = d.clone();
                v.clone()
            }),
            None => match self.opts.inputs.get(&decl.name) {
                Some(RawInput::Value { value, span }) => {
                    at = span.unwrap_or(decl.span);
                    Some(value.clone())
                }
                Some(RawInput::Text { text, origin }) if matches!(ty, Type::String | Type::Any) => {
                    let _ = origin;
                    Some(Value::from(text.as_str()))
                }
                Some(RawInput::Text { text, origin }) => match hcl_edit::parser::parse_expr(text).map_err(|e| e.message().to_string()).and_then(|e| default_eval(&e)) {
                    Ok(v) => Some(v),
                    Err(msg) => {
                        self.diags.push(Diagnostic::error("Invalid value for input variable").detail(format!("The value given by {origin} for variable \"{}\" is not a valid {ty}: {msg}.", decl.name)).at(decl.span));
                        Some(Value::Unknown)
                    }
                },
                None => None,
            },
        };
        let value = match (given, &decl.default) {
            (Some(v), _) => v,
            (None, Some(d)) => default_eval(&d.expr).unwrap_or_else(|msg| {
                self.diags.push(Diagnostic::error("Invalid default value for variable").detail(format!("{msg}.")).at(d.span()));
                Value::Unknown
            }),
            (None, None) => {
                if inputs.is_none() {
                    self.diags.push(
                        Diagnostic::error("No value for required variable")
                            .detail(format!("The root module input variable \"{}\" is not set, and has no default value.", decl.name))
                            .at(decl.span)
                            .hint(format!("set it with --var {0}=..., a .tfvars file, or DRPLAN_VAR_{0}", decl.name)),
                    );
                }
                Value::Unknown
            }
        };
        let value = match convert(&value, &ty) {
            Ok(v) => v,
            Err(msg) => {
                self.diags.push(Diagnostic::error("Invalid value for input variable").detail(format!("The given value is not suitable for variable \"{}\": {msg}.", decl.name)).at(at));
                Value::Unknown
            }
        };
        if value.is_null() && !decl.nullable {
            self.diags.push(Diagnostic::error("Required variable not set").detail(format!("Variable \"{}\" is declared nullable = false, but its value is null.", decl.name)).at(at));
        }
        frame.scope.set_member("var", &decl.name, value.clone());
        frame.exported.insert(Target::Var(decl.name.clone()), Exported { all: deps, ..Exported::default() });
        if value.is_wholly_known() {
            for v in &decl.validations {
                self.validation(frame, decl, v);
            }
        }
    }

    fn validation(&mut self, frame: &Frame, decl: &crate::config::VariableDecl, v: &crate::config::Validation) {
        let mut ev = Evaluator::new(&frame.scope, v.condition.file, &frame.module.dir);
        let ok = match ev.eval(&v.condition.expr) {
            Ok(Value::Bool(b)) => b,
            Ok(Value::Unknown) => return,
            Ok(other) => {
                self.diags.push(Diagnostic::error("Invalid validation condition").detail(format!("The condition must be a bool, but is a {}.", other.type_name())).at(v.condition.span()));
                return;
            }
            Err(d) => {
                self.diags.push(d);
                return;
            }
        };
        if ok {
            return;
        }
        let message = v.error_message.as_ref().and_then(|m| Evaluator::new(&frame.scope, m.file, &frame.module.dir).eval(&m.expr).ok()).and_then(|m| m.as_str().map(str::to_string));
        self.diags.push(
            Diagnostic::error("Invalid value for variable")
                .detail(format!("{}\n\nThis was checked by the validation rule of variable \"{}\".", message.unwrap_or_else(|| "The validation condition is false.".into()), decl.name))
                .at(v.condition.span()),
        );
    }

    fn check_undeclared_inputs(&mut self, module: &Module) {
        let declared: BTreeSet<&str> = module.variables.iter().map(|v| v.name.as_str()).collect();
        for (name, raw) in &self.opts.inputs {
            if declared.contains(name.as_str()) {
                continue;
            }
            let hint = did_you_mean(name, declared.iter().copied()).map(|s| format!("did you mean \"{s}\"?"));
            let d = match raw {
                RawInput::Text { origin, .. } if origin.starts_with("--var") => Diagnostic::error("Value for undeclared variable").detail(format!("A variable named \"{name}\" was assigned on the command line, but the root module does not declare it.")),
                RawInput::Value { span, .. } => Diagnostic::warning("Value for undeclared variable").detail(format!("The root module does not declare a variable named \"{name}\"; the value is ignored.")).at(*span),
                RawInput::Text { .. } => continue,
            };
            self.diags.push(match hint {
                Some(h) => d.hint(h),
                None => d,
            });
        }
    }

    fn provider(&mut self, frame: &mut Frame, i: usize) {
        let decl = &frame.module.providers[i];
        let region = decl.region.as_ref().and_then(|r| {
            let (v, _) = self.eval_expr(frame, r, &[]);
            match v {
                Value::String(s) => Some(s),
                Value::Unknown => None,
                other => {
                    self.diags.push(Diagnostic::error("Invalid provider region").detail(format!("region must be a string, but is a {}.", other.type_name())).at(r.span()));
                    None
                }
            }
        });
        frame.providers.insert(decl.key(), ProviderConf { region });
    }

    fn recovery(&mut self, frame: &Frame) {
        let Some(decl) = &frame.module.recovery else { return };
        let mut attrs = BTreeMap::new();
        for (name, span, expr) in &decl.attrs {
            let (v, _) = self.eval_expr(frame, expr, &expr_refs(expr));
            attrs.insert(name.clone(), (*span, expr.span().unwrap_or(*span), v));
        }
        self.out.recovery = recovery::decode(decl.span, &attrs, self.diags);
    }

    fn resource(&mut self, frame: &mut Frame, i: usize, refs: &[Reference]) {
        let decl: &ResourceDecl = &frame.module.resources[i];
        let target = Target::Resource(decl.mode, decl.ty.clone(), decl.name.clone());
        let set_value = |frame: &mut Frame, v: Value| match decl.mode {
            Mode::Managed => frame.scope.set_member(&decl.ty, &decl.name, v),
            Mode::Data => frame.scope.set_member2("data", &decl.ty, &decl.name, v),
        };
        let Some(schema) = schema::lookup(decl.mode, &decl.ty) else {
            let kind = if decl.mode == Mode::Managed { "resource" } else { "data source" };
            let supported = schema::type_names(decl.mode);
            let d = Diagnostic::error(format!("Unsupported {kind} type"))
                .detail(format!("drplan does not support the {kind} type \"{}\". Supported: {}.", decl.ty, supported.join(", ")))
                .at(decl.span);
            self.diags.push(match did_you_mean(&decl.ty, supported.iter().copied()) {
                Some(s) => d.hint(format!("did you mean \"{s}\"?")),
                None => d,
            });
            set_value(frame, Value::Unknown);
            return;
        };
        let provider_key = decl.provider.as_ref().map_or_else(|| "aws".to_string(), |(k, _)| k.clone());
        let region = match frame.providers.get(&provider_key) {
            Some(p) => p.region.clone(),
            None if provider_key == "aws" => self.out.recovery.as_ref().map(|r| r.region.clone()),
            None => {
                let declared: Vec<&str> = frame.providers.keys().map(String::as_str).collect();
                let d = Diagnostic::error("Provider configuration not present")
                    .detail(format!("{} refers to provider {provider_key}, which is not declared.", decl.address_base()))
                    .at(decl.provider.as_ref().map(|(_, s)| *s));
                self.diags.push(match did_you_mean(&provider_key, declared) {
                    Some(s) => d.hint(format!("did you mean {s}?")),
                    None => d.hint(format!("declare provider \"aws\" {{ alias = \"{}\" }}", provider_key.trim_start_matches("aws."))),
                });
                None
            }
        };
        let keys = {
            let mut ev = Evaluator::new(&frame.scope, decl.file, &frame.module.dir);
            count::keys(&mut ev, decl.count.as_ref(), decl.for_each.as_ref(), self.opts.lenient_keys, self.diags)
        };
        let deps = Self::deps_of(frame, refs);
        let mut exported = Exported::default();
        let mut values: Vec<(InstanceKey, Value)> = Vec::new();
        for (key, each) in keys.iter() {
            let mut ev = Evaluator::new(&frame.scope, decl.file, &frame.module.dir);
            count::bind(&mut ev, &key, each.as_ref());
            let config = body::BodyEval { ev: &mut ev, file: decl.file, diags: self.diags }.block(&decl.body, &schema.block, Some(decl.span), &format!("{} \"{}\"", if decl.mode == Mode::Managed { "resource" } else { "data" }, decl.ty));
            let value = if decl.mode == Mode::Data {
                match self.opts.data.read(&decl.ty, region.as_deref(), &config) {
                    Ok(Some(v)) => v,
                    Ok(None) => config.clone(),
                    Err(msg) => {
                        self.diags.push(Diagnostic::error("Data source lookup failed").detail(format!("{}: {msg}", decl.address_base())).at(decl.span));
                        config.clone()
                    }
                }
            } else {
                config.clone()
            };
            let index = self.out.instances.len();
            let addr = format!("{}{}{}", frame.prefix, decl.address_base(), key.suffix());
            self.out.instances.push(Instance {
                addr,
                module: frame.prefix.trim_end_matches('.').to_string(),
                mode: decl.mode,
                ty: decl.ty.clone(),
                name: decl.name.clone(),
                key: key.clone(),
                span: decl.span,
                config: value.clone(),
                deps: deps.clone(),
                lifecycle: decl.lifecycle.clone(),
                provider: provider_key.clone(),
                region: region.clone(),
            });
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

    fn module_call(&mut self, frame: &mut Frame, i: usize, root_dir: &Path) {
        let call = &frame.module.module_calls[i];
        let Some(child_index) = call.child else {
            frame.scope.set_member("module", &call.name, Value::Unknown);
            return;
        };
        let child = &self.loaded.tree.modules[child_index];
        let keys = {
            let mut ev = Evaluator::new(&frame.scope, call.span.file, &frame.module.dir);
            count::keys(&mut ev, call.count.as_ref(), call.for_each.as_ref(), self.opts.lenient_keys, self.diags)
        };
        // What every input inherits: the call's own meta-arguments, not the other inputs.
        let meta_refs: Vec<Reference> = call.count.iter().chain(&call.for_each).chain(&call.depends_on).flat_map(expr_refs).collect();
        let call_deps = Self::deps_of(frame, &meta_refs);
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
                        .detail(format!("The argument \"{}\" is required by module \"{}\", but no definition was found.", v.name, call.name))
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
                None => self.diags.push(Diagnostic::error("Provider configuration not present").detail(format!("module \"{}\" is passed provider {parent_key}, which is not declared.", call.name)).at(call.span)),
            }
        }
        let mut exported = Exported::default();
        let mut values = Vec::new();
        for (key, each) in keys.iter() {
            let mut child_inputs = ChildInputs::new();
            {
                let mut ev = Evaluator::new(&frame.scope, call.span.file, &frame.module.dir);
                count::bind(&mut ev, &key, each.as_ref());
                for (name, _, expr) in &call.inputs {
                    let value = ev.eval(&expr.expr).unwrap_or_else(|d| {
                        self.diags.push(d);
                        Value::Unknown
                    });
                    let mut deps = Self::deps_of(frame, &expr_refs(expr));
                    deps.extend(&call_deps);
                    child_inputs.insert(name.clone(), (value, deps));
                }
            }
            let prefix = format!("{}module.{}{}.", frame.prefix, call.name, key.suffix());
            self.out.module_instances += 1;
            let (outputs, all) = self.module(child_index, prefix, providers.clone(), Some(child_inputs), root_dir);
            for (name, (_, deps)) in &outputs {
                exported.outputs.entry(name.clone()).or_default().extend(deps);
            }
            exported.all.extend(&all);
            frame.all.extend(&all);
            values.push((key, Value::Map(outputs.into_iter().map(|(k, (v, _))| (k, v)).collect())));
        }
        frame.scope.set_member("module", &call.name, keys.collect(values));
        frame.exported.insert(Target::Module(call.name.clone()), exported);
    }

    /// Managed resources live in the DR region only; the primary region is read-only.
    fn check_regions(&mut self) {
        let Some(recovery) = &self.out.recovery else { return };
        for inst in &self.out.instances {
            if inst.mode != Mode::Managed {
                continue;
            }
            if let Some(region) = &inst.region
                && region != &recovery.region
            {
                let primary = recovery.primary_region.as_deref() == Some(region.as_str());
                self.diags.push(
                    Diagnostic::error("Managed resource outside the DR region")
                        .detail(format!(
                            "{} would be managed in {region} through provider {}, but the DR region is {}.{}",
                            inst.addr.split('[').next().unwrap_or(&inst.addr),
                            inst.provider,
                            recovery.region,
                            if primary { " That is the primary region, which drplan treats as read-only: it may be the region that failed, and drplan never changes it." } else { "" }
                        ))
                        .at(inst.span)
                        .hint("only data sources may use another region's provider; remove the provider argument to build it in the DR region"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests;
