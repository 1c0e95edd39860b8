//! Expansion: evaluating a loaded module tree into resource and data-source *instances*.
//!
//! This module owns the evaluation order inside each module (a topological order of its
//! declarations, with cycles reported by name and location), `count`/`for_each` expansion of
//! resources and modules, input variables (types, defaults, validation), locals, outputs,
//! providers and the `recovery` block, and the dependency sets between instances. Values that
//! exist only after apply are unknown. Data sources are read through [`LiveView`], so the
//! same expansion serves `validate` (nothing known) and `plan` (live inventory).

mod body;
pub mod checks;
mod count;
mod data_waits;
pub mod focus;
mod global;
pub mod inputs;
mod instance_config;
mod instances;
mod kinds;
mod marks;
mod module_cycles;
mod order;
pub mod phase;
mod providers;
pub mod recovery;
mod regions;
pub mod selection;
mod unsupported;
mod variables;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use crate::config::refs::{Reference, Target, expr_refs};
use crate::config::{Loaded, Mode, Module};
use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::eval::Value;
use crate::eval::expr::{Evaluator, Scope};

pub use count::InstanceKey;
use inputs::RawInput;
use order::{ModulePlan, Node};
pub use phase::Phase;
pub use providers::AccountGuard;
pub use recovery::Recovery;

/// A managed instance as [`LiveView::planned_value`] sees it.
pub struct ManagedRef<'a> {
    pub addr: &'a str,
    pub ty: &'a str,
    /// Top-level arguments the configuration sets explicitly.
    pub written: &'a BTreeSet<String>,
    pub lifecycle: &'a crate::config::Lifecycle,
    pub recovery: Option<&'a Recovery>,
    /// The region its provider names (the DR region when it names none).
    pub region: Option<&'a str>,
    /// A primary-side counterpart: looked up, never changed (see [`Instance::read_only`]).
    pub read_only: bool,
    /// A `count` or `for_each` of its module reads it: its instance keys may come from what
    /// the provider knows while planning it (an ACM certificate's validation options).
    pub decides_keys: bool,
}

/// A data source the evaluation reads.
pub struct DataRead<'a> {
    pub addr: &'a str,
    pub ty: &'a str,
    pub region: Option<&'a str>,
    pub config: &'a Value,
    /// It waits for managed instances ([`Instance::waits_on`]): a plan may find it is to be
    /// read during apply, and the read now is then moot.
    pub waits: bool,
}

/// What the evaluation may know about the live world.
pub trait LiveView {
    /// Reads a data source; `Ok(None)` means "not known now" (attributes stay unknown).
    fn read_data(&self, read: &DataRead) -> Result<Option<Value>, String>;

    /// The value references to a managed instance see. `None`: its configuration with computed
    /// attributes unknown (it will be created or replaced). A plan returns the live object's
    /// attributes for instances it keeps, so `aws_vpc.main.id` is known when the VPC exists.
    fn planned_value(&self, _instance: &ManagedRef, _config: &Value) -> Option<Value> {
        None
    }
}

/// The view for `validate` and `graph`: nothing is read, everything computed stays unknown.
pub struct NothingKnown;

impl LiveView for NothingKnown {
    fn read_data(&self, _: &DataRead) -> Result<Option<Value>, String> {
        Ok(None)
    }
}

pub struct Options<'a> {
    pub workspace: String,
    /// Seen as `drplan.phase`.
    pub phase: crate::expand::Phase,
    pub inputs: BTreeMap<String, RawInput>,
    pub live: &'a dyn LiveView,
    /// Validate mode (validate, graph): defer `count`/`for_each` values not known yet instead
    /// of reporting them, and treat unset required root variables as unknown.
    pub lenient_keys: bool,
    /// Evaluate only the root module's variables, locals, providers and `recovery` block: enough
    /// to know which stack and regions to read before planning.
    pub settings_only: bool,
    /// Evaluate only the declarations one instance needs (apply-time resolution).
    pub focus: Option<&'a focus::Focus>,
    /// Module evaluation orders computed once and shared across evaluations.
    pub plans: Option<&'a focus::Plans>,
    /// Schemas from terraform-provider-aws for the types drplan does not serve natively.
    pub hosted: &'a crate::provider::Hosted,
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
    /// For a data source: the managed instances whose pending changes defer its read to apply,
    /// as Terraform defers it ([`data_waits`]).
    pub waits_on: BTreeSet<usize>,
    pub lifecycle: crate::config::Lifecycle,
    /// Top-level attributes whose values must never be shown: sensitive in the schema, or
    /// computed from a sensitive variable or output.
    pub sensitive_attrs: BTreeSet<String>,
    /// Top-level arguments and blocks the configuration sets explicitly.
    pub written: BTreeSet<String>,
    /// `aws` or `aws.primary`.
    pub provider: String,
    /// The region the instance lives in, when known.
    pub region: Option<String>,
    /// A managed resource of a two-region root whose provider is another region than the DR
    /// region (the primary): drplan never creates, changes or deletes it, and only looks it up
    /// so references to it resolve to live values.
    pub read_only: bool,
    /// Left to other tools by this `recovery.unmanaged` entry: validated, planned around,
    /// never created, changed or deleted.
    pub unmanaged: Option<String>,
    /// Planned and applied through terraform-provider-aws: a type drplan does not serve
    /// natively, or a native type whose block sets an argument only the provider implements
    /// (the native module's DR layer still gives its estimate and runbook text).
    pub via_provider: bool,
    /// The block's own `tags` (null when it sets none) when the provider configuration's
    /// `default_tags` were merged into `config.tags`, which is what writes send and drift checks
    /// compare. Plans show these as `tags`, and the merged map as `tags_all`, as Terraform does.
    pub own_tags: Option<Value>,
}

/// A root `check` block, evaluated (values referring to resources not yet created are unknown
/// until after apply).
#[derive(Clone, Debug)]
pub struct CheckValue {
    pub name: String,
    /// http, tcp, dns or sql.
    pub kind: String,
    pub span: Span,
    pub args: BTreeMap<String, Value>,
    /// Arguments whose value is sensitive (it refers to a sensitive value, or it is a password):
    /// never shown.
    pub sensitive_args: BTreeSet<String>,
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
    /// Every region a root provider configuration names, plus the recovery regions.
    pub regions: BTreeSet<String>,
    /// Root `check` blocks.
    pub checks: Vec<CheckValue>,
    /// The root `contacts` block: role -> who.
    pub contacts: BTreeMap<String, String>,
    /// Root module variables: (value, sensitive), for the plan's `variables`.
    pub root_variables: BTreeMap<String, (Value, bool)>,
    /// The account guards of the root provider configurations.
    pub account_guards: Vec<AccountGuard>,
    /// How the root provider configurations authenticate (profile, role), by their region
    /// (`None`: the provider names no region, so it is the DR region's).
    pub identities: Vec<(Option<String>, crate::cloud::Identity)>,
    /// The root provider configurations' `ignore_tags`, by their region (as `identities`).
    pub ignore_tags: Vec<(Option<String>, crate::config::IgnoreTags)>,
}

/// The absolute working directory, as `path.cwd` gives it ("." if it cannot be read).
fn cwd() -> String {
    std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_else(|_| ".".into())
}

/// Evaluates the whole tree. Problems go to `diags`; the expansion is as complete as they allow.
pub fn expand(loaded: &Loaded, opts: &Options, diags: &mut Diagnostics) -> Expansion {
    let local = focus::Plans::default();
    let plans = opts.plans.unwrap_or(&local);
    let mut engine = Engine {
        loaded,
        opts,
        diags,
        plans,
        planned: Default::default(),
        unsupported: BTreeMap::new(),
        not_planned: BTreeSet::new(),
        warned_default_provider: false,
        call_waits: BTreeSet::new(),
        out: Expansion::default(),
    };
    if loaded.tree.modules.is_empty() {
        return engine.out;
    }
    if loaded.tree.root().recovery.is_none() && !loaded.sources_empty() && !loaded.syntax_errors {
        engine.diags.push(missing_recovery(loaded.tree.root()));
    }
    let root_dir = loaded.tree.root().dir.clone();
    engine.module(0, String::new(), BTreeMap::new(), None, &root_dir);
    engine.check_regions();
    engine.summarize_unsupported();
    if loaded.syntax_errors {
        // What a broken file declares is missing; references to it are not the user's error.
        engine.diags.0.retain(|d| !d.summary.starts_with("Reference to undeclared"));
    }
    engine.out
}

/// The error for a root module without `recovery`, at its first declaration, with the block
/// to paste.
fn missing_recovery(root: &Module) -> Diagnostic {
    let first = root
        .providers
        .iter()
        .map(|p| p.span)
        .chain(root.resources.iter().map(|r| r.span))
        .chain(root.module_calls.iter().map(|m| m.span))
        .chain(root.variables.iter().map(|v| v.span))
        .chain(root.locals.iter().map(|l| l.span))
        .chain(root.outputs.iter().map(|o| o.span))
        .min_by_key(|s| (s.file, s.start));
    Diagnostic::error("Missing recovery block")
        .detail(concat!(
            "The root module must say which stack drplan owns and where it rebuilds. Add this block to a file of the root module (the values are examples):\n\n",
            "recovery {\n",
            "  stack          = \"orders\"    # names what drplan owns (its drplan:stack tag)\n",
            "  region         = \"us-west-2\" # the DR region, where drplan builds\n",
            "  primary_region = \"us-east-1\" # read-only: the region that may fail\n",
            "  rto            = \"1h\"        # recovery time objective (optional)\n",
            "  rpo            = \"15m\"       # recovery point objective (optional)\n",
            "}"
        ))
        .at(first)
}

impl Loaded {
    fn sources_empty(&self) -> bool {
        self.tree.root().resources.is_empty()
            && self.tree.root().variables.is_empty()
            && self.tree.root().module_calls.is_empty()
            && self.tree.root().outputs.is_empty()
            && self.tree.root().locals.is_empty()
    }
}

/// What a reference to a declaration means in terms of instances.
#[derive(Clone, Debug, Default)]
struct Exported {
    all: BTreeSet<usize>,
    by_key: BTreeMap<String, usize>,
    outputs: BTreeMap<String, BTreeSet<usize>>,
    /// The value derives from a sensitive variable or output.
    sensitive: bool,
    /// ...but only values inside it do (an object constructor with a sensitive value): its
    /// keys are not sensitive, so it may be iterated by `for_each`, as Terraform's marks allow.
    only_within: bool,
    sensitive_outputs: BTreeSet<String>,
    /// A local built by object constructors with literal keys: where its sensitive values are.
    members: Option<marks::Members>,
}

#[derive(Clone, Debug)]
struct ProviderConf {
    region: Option<String>,
    /// `default_tags`: merged under every taggable resource's own tags on this provider.
    default_tags: BTreeMap<String, String>,
    /// `ignore_tags`: the tag keys its resources neither compare nor write.
    ignore_tags: crate::config::IgnoreTags,
}

/// A value passed across a module boundary, with the instances it depends on and whether it
/// derives from something sensitive.
#[derive(Clone, Debug)]
struct Carried {
    value: Value,
    deps: BTreeSet<usize>,
    sensitive: bool,
    /// See [`Exported::only_within`].
    only_within: bool,
}

/// A child module's inputs, or its outputs.
type ValuesWithDeps = BTreeMap<String, Carried>;

struct Engine<'l> {
    loaded: &'l Loaded,
    opts: &'l Options<'l>,
    diags: &'l mut Diagnostics,
    plans: &'l focus::Plans,
    /// Modules whose plan this evaluation has fetched.
    planned: std::collections::HashSet<usize>,
    /// Blocks of types drplan does not serve, reported once each.
    unsupported: BTreeMap<Span, (Mode, String)>,
    /// Blocks of provider-served types not listed as unmanaged, reported once each.
    not_planned: BTreeSet<Span>,
    /// Whether the undeclared default provider was warned about (once per configuration).
    warned_default_provider: bool,
    /// What the `depends_on` of the module calls being evaluated names ([`data_waits`]).
    call_waits: BTreeSet<usize>,
    out: Expansion,
}

/// The state of one module instance while it is evaluated.
struct Frame<'m> {
    module: &'m Module,
    /// The module's evaluation order and what its `count`/`for_each` read.
    plan: std::sync::Arc<order::ModulePlan>,
    prefix: String,
    scope: Scope,
    exported: HashMap<Target, Exported>,
    providers: BTreeMap<String, ProviderConf>,
    outputs: ValuesWithDeps,
    all: BTreeSet<usize>,
    /// The side of each global resource on another region's provider ([`global`]), decided
    /// once per module instance when the first one is expanded.
    global_sides: std::cell::OnceCell<BTreeMap<usize, global::Side>>,
}

impl<'l> Engine<'l> {
    /// A module's evaluation order; its diagnostics (cycles) are reported once per evaluation.
    fn plan(&mut self, index: usize) -> std::sync::Arc<ModulePlan> {
        let (plan, diags) = self.plans.get(self.loaded, index);
        if self.planned.insert(index) {
            self.diags.extend(diags);
        }
        plan
    }

    /// Evaluates one module instance; returns its outputs and every instance it contains.
    fn module(
        &mut self,
        index: usize,
        prefix: String,
        providers: BTreeMap<String, ProviderConf>,
        inputs: Option<ValuesWithDeps>,
        root_dir: &Path,
    ) -> (ValuesWithDeps, BTreeSet<usize>) {
        let module = &self.loaded.tree.modules[index];
        let plan = self.plan(index);
        let scope = self.module_scope(module, root_dir);
        let mut frame = Frame {
            module,
            plan: plan.clone(),
            prefix,
            scope,
            exported: HashMap::new(),
            providers,
            outputs: BTreeMap::new(),
            all: BTreeSet::new(),
            global_sides: std::cell::OnceCell::new(),
        };
        for &node in &plan.order {
            if plan.cyclic.contains(&node) {
                Self::stand_in_unknown(&mut frame, plan.nodes[node]);
                continue;
            }
            if !self.opts.settings_only && self.opts.focus.is_none_or(|f| f.wants(index, node)) {
                if let Some(group) = plan.groups.get(&node) {
                    self.module_group(&mut frame, group, &plan.nodes, root_dir);
                    continue;
                }
                if plan.groups.values().any(|g| g.contains(&node)) {
                    continue; // evaluated with its group
                }
            }
            let in_group = || plan.groups.values().any(|g| g.contains(&node));
            if self.opts.settings_only
                && (matches!(plan.nodes[node], Node::Resource(_) | Node::Module(_) | Node::Output(_) | Node::Check(_))
                    || in_group())
            {
                // Not evaluated, but a local the settings do not need may still name it.
                Self::stand_in_unknown(&mut frame, plan.nodes[node]);
                continue;
            }
            if self.opts.focus.is_some_and(|f| !f.wants(index, node)) {
                continue;
            }
            match plan.nodes[node] {
                Node::Var(i) => self.variable(&mut frame, i, inputs.as_ref()),
                Node::Local(i) => self.local(&mut frame, i),
                Node::Provider(i) => self.provider(&mut frame, i),
                Node::Recovery(_) => self.recovery(&frame),
                Node::Resource(i) => self.resource(&mut frame, i, &plan.refs[node]),
                Node::Module(i) => self.module_call(&mut frame, i, root_dir),
                Node::Check(i) => {
                    // Checks run after recovery; only the root module's are collected.
                    if frame.prefix.is_empty() {
                        let check = self.check(&frame, &module.checks[i]);
                        self.out.checks.push(check);
                    }
                }
                Node::Output(i) => self.output(&mut frame, i, &plan.refs[node]),
            }
        }
        if frame.prefix.is_empty() {
            self.check_undeclared_inputs(module);
        }
        (frame.outputs, frame.all)
    }

    /// The names every module sees besides its declarations: `terraform`, `drplan`, `path`, and
    /// the empty roots of what it declares.
    fn module_scope(&self, module: &crate::config::Module, root_dir: &Path) -> Scope {
        let mut scope = Scope::default();
        let ws = Value::Map([("workspace".to_string(), Value::from(self.opts.workspace.as_str()))].into());
        scope.set("terraform", ws.clone());
        let mut drplan = ws.as_map().cloned().unwrap_or_default();
        drplan.insert("phase".into(), Value::from(self.opts.phase.as_str()));
        scope.set("drplan", Value::Map(drplan.into()));
        scope.set(
            "path",
            Value::Map(
                [
                    ("module".to_string(), Value::from(module.dir.display().to_string())),
                    ("root".to_string(), Value::from(root_dir.display().to_string())),
                    // Terraform's path.cwd: the absolute directory drplan runs in.
                    ("cwd".to_string(), Value::from(cwd().as_str())),
                ]
                .into(),
            ),
        );
        for root in ["var", "local", "module", "data"] {
            scope.set(root, Value::Map(Default::default()));
        }
        scope
    }

    fn local(&mut self, frame: &mut Frame, i: usize) {
        let decl = &frame.module.locals[i];
        let refs = expr_refs(&decl.value);
        let sensitive = Self::sensitive_of(frame, &refs);
        let only_within = sensitive && Self::keys_insensitive(frame, &decl.value);
        let members = marks::Members::of(&decl.value, &|e| Self::sensitive_of(frame, &expr_refs(e)));
        let (value, deps) = self.eval_expr(frame, &decl.value, &refs);
        frame.scope.set_member("local", &decl.name, value);
        let exported = Exported { all: deps, sensitive, only_within, members, ..Exported::default() };
        frame.exported.insert(Target::Local(decl.name.clone()), exported);
    }

    /// An output: into the module's outputs, and the root's into the expansion.
    fn output(&mut self, frame: &mut Frame, i: usize, refs: &[Reference]) {
        let decl = &frame.module.outputs[i];
        let Some(expr) = &decl.value else { return };
        let (value, deps) = self.eval_expr(frame, expr, refs);
        let derived = Self::sensitive_of(frame, refs);
        let sensitive = decl.sensitive || derived;
        if frame.prefix.is_empty() && derived && !decl.sensitive {
            // As Terraform: a root output must say it shows something sensitive.
            self.diags.push(
                Diagnostic::error("Output refers to sensitive values")
                    .detail("To reduce the risk of accidentally exporting sensitive data that was intended to be only internal, Terraform requires that any root module output containing sensitive data be explicitly marked as sensitive, to confirm your intent.")
                    .at(decl.span)
                    .hint("add sensitive = true to this output block"),
            );
        }
        if frame.prefix.is_empty() {
            self.out.outputs.push(OutputValue {
                name: decl.name.clone(),
                value: value.clone(),
                sensitive,
                description: decl.description.clone(),
            });
        }
        frame.outputs.insert(decl.name.clone(), Carried { value, deps, sensitive, only_within: false });
    }

    /// Binds a declaration that is skipped to unknown, so references to it evaluate.
    fn stand_in_unknown(frame: &mut Frame, node: Node) {
        match node {
            Node::Resource(i) => {
                let decl = &frame.module.resources[i];
                match decl.mode {
                    Mode::Managed => frame.scope.set_member(&decl.ty, &decl.name, Value::Unknown),
                    Mode::Data => frame.scope.set_member2("data", &decl.ty, &decl.name, Value::Unknown),
                }
            }
            Node::Module(i) => frame.scope.set_member("module", &frame.module.module_calls[i].name, Value::Unknown),
            Node::Local(i) => frame.scope.set_member("local", &frame.module.locals[i].name, Value::Unknown),
            Node::Var(i) => frame.scope.set_member("var", &frame.module.variables[i].name, Value::Unknown),
            _ => {}
        }
    }

    /// Instances a set of references stands for.
    fn deps_of(frame: &Frame, refs: &[Reference]) -> BTreeSet<usize> {
        let mut deps = BTreeSet::new();
        for r in refs {
            let Some(exp) = frame.exported.get(&r.target) else {
                continue;
            };
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

    /// Whether `expr` builds an object whose keys reach nothing sensitive (its values may).
    fn keys_insensitive(frame: &Frame, expr: &crate::config::Expr) -> bool {
        let hcl_edit::expr::Expression::Object(object) = &expr.expr else { return false };
        object.iter().all(|(key, _)| match key {
            hcl_edit::expr::ObjectKey::Ident(_) => true,
            hcl_edit::expr::ObjectKey::Expression(k) => {
                let key = crate::config::Expr { expr: k.clone(), file: expr.file };
                !Self::sensitive_of(frame, &expr_refs(&key))
            }
        })
    }

    /// `issensitive(expr)`, as Terraform's marks answer it, where references tell: a value
    /// built by a constructor, or a declaration sensitive only within, is not sensitive as a
    /// whole; anything derived from a sensitive reference is. Unknown where the expression reads
    /// `each`, `self` or names bound by `for` (their marks are per value).
    fn marked_as_a_whole(frame: &Frame, e: &hcl_edit::expr::Expression, file: crate::diag::FileId) -> Option<bool> {
        use hcl_edit::expr::Expression as E;
        if !crate::config::refs::roots_are_declarations(e) {
            return None;
        }
        if matches!(e, E::Object(_) | E::Array(_)) {
            return Some(false);
        }
        let refs = expr_refs(&crate::config::Expr { expr: e.clone(), file });
        let direct = matches!(e, E::Variable(_) | E::Traversal(_)) && refs.len() == 1 && !refs[0].unmasked;
        if let (true, Some(exp)) = (direct, refs.first().and_then(|r| frame.exported.get(&r.target))) {
            let r = &refs[0];
            if let (Some(members), false) = (&exp.members, r.within.is_empty()) {
                return Some(members.find(&r.within) == marks::Found::Whole);
            }
            if r.output.is_none() && exp.only_within {
                return Some(false);
            }
        }
        Some(Self::sensitive_of(frame, &refs))
    }

    /// Whether iterating these references would expose a sensitive value as a key: as
    /// [`Engine::sensitive_of`], except that a whole value sensitive only within is not.
    fn keys_sensitive_of(frame: &Frame, refs: &[Reference]) -> bool {
        let within = |r: &Reference| r.output.is_none() && frame.exported.get(&r.target).is_some_and(|e| e.only_within);
        let rest: Vec<Reference> = refs.iter().filter(|r| !within(r)).cloned().collect();
        Self::sensitive_of(frame, &rest)
    }

    /// Whether any of the references reaches a sensitive variable or output.
    fn sensitive_of(frame: &Frame, refs: &[Reference]) -> bool {
        refs.iter().filter(|r| !r.unmasked).any(|r| {
            if r.target == Target::SensitiveCall {
                return true;
            }
            frame.exported.get(&r.target).is_some_and(|exp| match (&r.target, &r.output) {
                // A resource's sensitive attributes: reading one (or the whole object) is sensitive.
                (Target::Resource(..), Some(attr)) => exp.sensitive_outputs.contains(attr),
                (Target::Local(_), _) if exp.members.is_some() && !r.within.is_empty() => {
                    let found = exp.members.as_ref().map_or(marks::Found::Whole, |m| m.find(&r.within));
                    found == marks::Found::Whole || found == marks::Found::Within && !r.shape
                }
                // `length(x)` and `keys(x)` see only a mark on `x` itself.
                (_, None) if r.shape && exp.only_within => false,
                (_, Some(o)) if exp.outputs.contains_key(o) => exp.sensitive_outputs.contains(o),
                _ => exp.sensitive || !exp.sensitive_outputs.is_empty(),
            })
        })
    }

    fn eval_expr(&mut self, frame: &Frame, expr: &crate::config::Expr, refs: &[Reference]) -> (Value, BTreeSet<usize>) {
        let deps = Self::deps_of(frame, refs);
        let sensitivity = |e: &hcl_edit::expr::Expression, file| Self::marked_as_a_whole(frame, e, file);
        let mut ev = Evaluator::new(&frame.scope, expr.file).with_sensitivity(&sensitivity);
        match ev.eval(&expr.expr) {
            Ok(v) => (v, deps),
            Err(d) => {
                self.diags.push(if Self::sensitive_of(frame, refs) { d.redacted() } else { d });
                (Value::Unknown, deps)
            }
        }
    }

    fn recovery(&mut self, frame: &Frame) {
        let Some(decl) = &frame.module.recovery else {
            return;
        };
        let mut attrs = BTreeMap::new();
        for (name, span, expr) in &decl.attrs {
            let (v, _) = self.eval_expr(frame, expr, &expr_refs(expr));
            attrs.insert(name.clone(), (*span, expr.span().unwrap_or(*span), v));
        }
        self.out.recovery = recovery::decode(decl.span, &attrs, self.opts.lenient_keys, self.diags);
        // Another workspace (a drill) owns its own objects: the workspace is part of the
        // ownership tag, so nothing collides with a real recovery of the same stack.
        if let Some(r) = &mut self.out.recovery
            && self.opts.workspace != "default"
        {
            r.stack = format!("{}@{}", r.stack, self.opts.workspace);
        }
        if let Some(r) = &self.out.recovery {
            self.out.regions.insert(r.region.clone());
            self.out.regions.extend(r.primary_region.clone());
        }
        // The contacts block travels with the recovery settings (runbooks print it).
        if let Some(contacts) = &frame.module.contacts {
            for (name, span, expr) in &contacts.attrs {
                let (v, _) = self.eval_expr(frame, expr, &expr_refs(expr));
                match v.to_template_string() {
                    Some(text) => {
                        self.out.contacts.insert(name.clone(), text);
                    }
                    None => self.diags.push(
                        Diagnostic::error("Invalid contact")
                            .detail(format!("contacts.{name} must be a string known before apply, but is {v}."))
                            .at(*span),
                    ),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
