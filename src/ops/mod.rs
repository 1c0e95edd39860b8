//! One function per CLI command, over the library. Commands print; ops compute and return data.

pub mod apply;
pub mod drill;
pub mod fmt;
pub mod graph;
pub mod plan;
mod provider_checks;
pub mod readiness;
pub mod runbook;
pub mod snapshot;
pub mod stages;
pub mod validate;

use std::path::PathBuf;
use std::sync::Arc;

use crate::config::{self, Loaded};
use crate::diag::Diagnostics;
use crate::error::Error;
use crate::expand::inputs::{self, VarArgs};
use crate::expand::{self, Expansion, LiveView, Options};
use crate::graph::Dag;
use crate::live::remote_state::{self, S3Location};

/// What every command that reads a configuration needs to know.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    pub dir: PathBuf,
    pub vars: VarArgs,
    pub workspace: String,
    /// The failover phase (`--phase`); `None` when not given (standby, or a saved plan's own).
    pub phase: Option<crate::expand::Phase>,
    /// See [`Options::lenient_keys`]: true for validate and graph, false when planning.
    pub lenient_keys: bool,
    /// Where terraform-provider-aws is, for the types drplan does not serve natively.
    pub provider: crate::provider::Env,
}

/// A configuration that loaded and evaluated without errors.
#[derive(Debug)]
pub struct Configuration {
    pub loaded: Loaded,
    pub expansion: Expansion,
    pub graph: Dag,
    /// Warnings only: errors make [`load_configuration`] fail.
    pub warnings: Diagnostics,
    /// The provider's schemas of the declared types drplan does not serve natively.
    pub hosted: crate::provider::Hosted,
}

/// A configuration read and parsed, with its variable values, not yet evaluated.
pub struct Parsed {
    pub loaded: Loaded,
    inputs: std::collections::BTreeMap<String, expand::inputs::RawInput>,
    diags: Diagnostics,
    workspace: String,
    phase: crate::expand::Phase,
    lenient_keys: bool,
    /// Evaluation orders and per-address foci, computed once (apply evaluates often).
    plans: expand::focus::Plans,
    foci: std::sync::Mutex<std::collections::HashMap<String, Arc<expand::focus::Focus>>>,
    /// The provider's schemas of the declared types it is asked about (see `declared_types`).
    hosted: crate::provider::Hosted,
    /// The configuration requires a provider-aws the one found cannot satisfy (the error is in
    /// `diags`): evaluation stops there.
    unsupported_provider: bool,
}

/// Reads that depend on the evaluated configuration: Route 53 records of the zones it names
/// ([`crate::cloud::Cloud::scoped`]) and the S3 states its `terraform_remote_state` data
/// sources read ([`crate::cloud::Cloud::remote_states`]).
#[derive(Debug, Default)]
pub struct SecondReads {
    pub scopes: crate::cloud::Scopes,
    pub remote_states: Vec<S3Location>,
    /// Instances of types served through the provider host, to be found and read with it.
    pub served: Vec<crate::provider::discover::Wanted>,
    /// Instances of served types AWS cannot tag whose import ids are known, to be imported by
    /// them ([`crate::resources::imports`]).
    pub untagged: Vec<crate::provider::discover::Untagged>,
    /// Whether the configuration declares instances of served types AWS cannot tag that drplan
    /// finds by import id: their ids can depend on objects found by tag first.
    pub declares_untagged: bool,
    /// Whether a scoped instance's scope is not known yet (a record in a zone of this stack
    /// that the provider serves): known once served objects are found.
    pub unscoped: bool,
}

impl SecondReads {
    pub fn is_empty(&self) -> bool {
        self.scopes.is_empty() && self.remote_states.is_empty() && self.served.is_empty() && !self.declares_untagged
    }
}

/// Reads and parses a configuration and its variable values.
pub fn parse_configuration(opts: &LoadOptions) -> Parsed {
    let mut loaded = config::load(&opts.dir);
    let mut diags = std::mem::take(&mut loaded.diagnostics);
    let env: Vec<(String, String)> = std::env::vars().collect();
    let mut inputs = inputs::collect(&opts.dir, &opts.vars, &env, &mut loaded.sources, &mut diags);
    let phase = opts.phase.unwrap_or_default();
    phase_variable(&loaded, phase, &mut inputs, &mut diags);
    // Every command asks the provider about every block it knows, native types included, as
    // `terraform validate` does (see `provider_checks`): a plan refuses what validate refuses.
    // Its schemas of native types also tell an argument drplan does not serve from a misspelt
    // one (and null from unset).
    let declared = declared_types(&loaded);
    let hosted = crate::provider::Hosted::load(&opts.dir, &declared, &opts.provider);
    let found = hosted.located.as_ref().map(|l| l.version.as_str());
    let unsupported_provider = check_requirements(&loaded, found, &mut diags);
    Parsed {
        loaded,
        inputs,
        diags,
        workspace: opts.workspace.clone(),
        phase,
        lenient_keys: opts.lenient_keys,
        plans: Default::default(),
        foci: Default::default(),
        hosted,
        unsupported_provider,
    }
}

/// The provider-aws release drplan's native schemas follow.
const NATIVE_SCHEMA_PROVIDER: &str = "5.100.0";
/// The Terraform language drplan reads.
const TERRAFORM_LANGUAGE: &str = "1.11.4";

/// The `terraform` blocks' version constraints against what is here: a provider-aws the
/// configuration cannot use is one located error (returned true, so evaluation stops there
/// instead of reporting every argument the found provider lacks); a Terraform constraint
/// drplan's language does not meet, or a provider constraint no provider was found to check,
/// a warning.
fn check_requirements(loaded: &Loaded, found: Option<&str>, diags: &mut Diagnostics) -> bool {
    let mut unsupported = false;
    for r in loaded.tree.modules.iter().flat_map(|m| &m.requirements) {
        let aws = r.of == "aws"
            && r.source.as_deref().is_none_or(|s| s.trim_start_matches("registry.terraform.io/") == "hashicorp/aws");
        if r.of != "terraform" && !aws {
            continue;
        }
        let Some(constraint) = config::version::Constraint::parse(&r.constraint) else {
            let d = crate::diag::Diagnostic::error("Invalid version constraint").detail(format!(
                "{:?} is not a version constraint (like \">= 5.0, < 6.0\" or \"~> 5.100\").",
                r.constraint
            ));
            diags.push(d.at(r.span));
            continue;
        };
        let (have, what) = match (aws, found) {
            (false, _) => (TERRAFORM_LANGUAGE, "drplan reads the language of Terraform"),
            (true, Some(v)) => (v, "terraform-provider-aws found here is"),
            (true, None) => {
                (NATIVE_SCHEMA_PROVIDER, "no terraform-provider-aws was found; drplan's native schemas follow")
            }
        };
        if constraint.allows(have) {
            continue;
        }
        let needs = if aws { "hashicorp/aws" } else { "Terraform" };
        let detail = format!("This configuration requires {needs} {}; {what} {have}.", r.constraint);
        if aws && found.is_some() {
            unsupported = true;
            diags.push(
                crate::diag::Diagnostic::error("Provider version not supported")
                    .detail(detail)
                    .at(r.span)
                    .hint("install a provider that satisfies the constraint (terraform init -upgrade), or point DRPLAN_PROVIDER_AWS at one"),
            );
        } else {
            diags.push(crate::diag::Diagnostic::warning("Version constraint not met").detail(detail).at(r.span));
        }
    }
    unsupported
}

/// A root variable `drplan_phase`, when declared, is the phase (so `.tf` files that read it stay
/// valid Terraform). A value set for it another way that differs is an error: `--phase` decides.
fn phase_variable(
    loaded: &Loaded,
    phase: crate::expand::Phase,
    inputs: &mut std::collections::BTreeMap<String, expand::inputs::RawInput>,
    diags: &mut Diagnostics,
) {
    use expand::inputs::RawInput;
    let name = crate::expand::phase::VARIABLE;
    let Some(decl) = loaded.tree.root().variables.iter().find(|v| v.name == name) else { return };
    let given = match inputs.get(name) {
        Some(RawInput::Text { text, origin }) => Some((text.trim_matches('"').to_string(), origin.clone())),
        Some(RawInput::Value { value, .. }) => {
            Some((value.as_str().unwrap_or_default().to_string(), "a variables file".into()))
        }
        None => None,
    };
    if let Some((text, origin)) = given.filter(|(text, _)| text != phase.as_str()) {
        diags.push(
            crate::diag::Diagnostic::error("Phase set twice")
                .detail(format!(
                    "{name} is {text:?} from {origin}, but the phase is {phase:?}.",
                    phase = phase.as_str()
                ))
                .at(Some(decl.span))
                .hint(format!("choose the phase with --phase {text} instead of setting {name}")),
        );
        return;
    }
    let text = phase.as_str().to_string();
    inputs.insert(name.to_string(), RawInput::Text { text, origin: "--phase".into() });
}

/// The resource and data-source types the configuration declares that the provider host is
/// asked about: all of them, or (`native_too` false) those drplan does not serve natively.
fn declared_types(loaded: &Loaded) -> std::collections::BTreeSet<(config::Mode, String)> {
    let declared = loaded.tree.modules.iter().flat_map(|m| &m.resources);
    let mut types: std::collections::BTreeSet<_> = declared.map(|r| (r.mode, r.ty.clone())).collect();
    // Finding some objects takes a data source read: of the same type (by name), or one an
    // untaggable type needs. Types the provider has no data source for are left out later.
    let untaggable =
        types.iter().filter_map(|(_, ty)| crate::resources::imports::find(ty)).flat_map(|u| u.data_sources());
    let same = types.iter().filter(|(mode, ty)| *mode == config::Mode::Managed && crate::resources::get(ty).is_none());
    let same = same.map(|(_, ty)| ty.clone());
    let reads: Vec<_> = untaggable.map(|ty| ty.to_string()).chain(same).map(|ty| (config::Mode::Data, ty)).collect();
    types.extend(reads);
    types
}

impl Parsed {
    /// The provider's schemas of the declared types it was asked about.
    pub fn hosted(&self) -> &crate::provider::Hosted {
        &self.hosted
    }

    fn options<'a>(&'a self, live: &'a dyn LiveView, settings_only: bool) -> Options<'a> {
        Options {
            workspace: self.workspace.clone(),
            phase: self.phase,
            inputs: self.inputs.clone(),
            live,
            lenient_keys: self.lenient_keys,
            settings_only,
            focus: None,
            plans: Some(&self.plans),
            hosted: &self.hosted,
        }
    }

    /// Evaluates only what the instance at `address` needs (see [`expand::focus`]); the
    /// expansion holds that instance and what it references. `None` when the address names
    /// no declaration.
    pub fn expand_focused(&self, live: &dyn LiveView, address: &str) -> Option<(Expansion, Diagnostics)> {
        let focus = {
            let mut foci = self.foci.lock().unwrap_or_else(|e| e.into_inner());
            match foci.get(address) {
                Some(f) => f.clone(),
                None => {
                    let f = Arc::new(expand::focus::focus(&self.loaded, &self.plans, address)?);
                    foci.insert(address.to_string(), f.clone());
                    f
                }
            }
        };
        let mut diags = self.diags.clone();
        let opts = Options { focus: Some(&focus), ..self.options(live, false) };
        let exp = expand::expand(&self.loaded, &opts, &mut diags);
        Some((exp, diags))
    }

    /// Evaluates the configuration against `live`, returning the expansion even when it has
    /// errors (they are in the diagnostics). Apply re-evaluates this way before every step.
    pub fn expand_with(&self, live: &dyn LiveView) -> (Expansion, Diagnostics) {
        let mut diags = self.diags.clone();
        let exp = expand::expand(&self.loaded, &self.options(live, false), &mut diags);
        (exp, diags)
    }

    /// What a plan reads once the configuration is known ([`SecondReads`]): the configuration
    /// evaluated against a first read of `live`, each managed instance of a scoped type asked
    /// for its scoping attribute, each `terraform_remote_state` for its S3 location. Errors are
    /// left for the evaluation that follows.
    pub fn second_reads(&self, live: &dyn LiveView) -> SecondReads {
        let mut reads = SecondReads::default();
        let scoped = |ty: &str| crate::resources::get(ty).and_then(|t| Some((t.name(), t.read_scope()?)));
        let remote_state = |mode: config::Mode, ty: &str| mode == config::Mode::Data && ty == remote_state::TYPE;
        let mut declared = self.loaded.tree.modules.iter().flat_map(|m| &m.resources);
        if !declared
            .any(|r| (r.mode == config::Mode::Managed && scoped(&r.ty).is_some()) || remote_state(r.mode, &r.ty))
            && !self.declares_served_types()
            && !self.declares_provider_data()
        {
            return reads;
        }
        let mut diags = self.diags.clone();
        let exp = expand::expand(&self.loaded, &self.options(live, false), &mut diags);
        let mut states = std::collections::BTreeSet::new();
        for inst in exp.instances.iter().filter(|i| !i.read_only) {
            if remote_state(inst.mode, &inst.ty) {
                // A bad configuration is reported when the data source is evaluated.
                states.extend(S3Location::from_config(&inst.config).ok().flatten());
                continue;
            }
            if self.served(inst)
                && let Some(untaggable) = self.untaggable(&inst.ty)
            {
                reads.declares_untagged = true;
                if let Some(import) = untaggable.import_id(&inst.config, &inst.written) {
                    reads.untagged.push(crate::provider::discover::Untagged {
                        address: inst.addr.clone(),
                        ty: inst.ty.clone(),
                        import,
                    });
                }
                continue;
            }
            if self.served(inst) {
                let ids = crate::provider::discover::config_ids(&inst.config);
                reads.served.push(crate::provider::discover::Wanted {
                    address: inst.addr.clone(),
                    ty: inst.ty.clone(),
                    ids,
                    config: inst.config.clone(),
                    claim_untagged: false,
                });
                continue;
            }
            let Some((ty, attr)) = scoped(&inst.ty).filter(|_| inst.mode == config::Mode::Managed) else { continue };
            match inst.config.get(attr) {
                Some(crate::eval::Value::String(value)) => {
                    reads.scopes.entry(ty).or_default().insert(value.to_string());
                }
                Some(v) if !v.is_wholly_known() => reads.unscoped = true,
                _ => {}
            }
        }
        reads.remote_states = states.into_iter().collect();
        reads
    }

    /// Whether the configuration declares types served through the provider host (managed
    /// types, or data sources drplan neither reads nor computes itself).
    /// Whether a data source the provider may read (drplan computes none of its values
    /// itself) is declared: its read is recorded with the live state.
    fn declares_provider_data(&self) -> bool {
        let mut declared = self.loaded.tree.modules.iter().flat_map(|m| &m.resources);
        declared.any(|r| {
            r.mode == config::Mode::Data
                && !crate::live::computed::is_computed(&r.ty)
                && self.hosted.block(r.mode, &r.ty).is_some()
        })
    }

    pub fn declares_served_types(&self) -> bool {
        let mut declared = self.loaded.tree.modules.iter().flat_map(|m| &m.resources);
        declared.any(|r| {
            let native = match r.mode {
                config::Mode::Managed => crate::resources::get(&r.ty).is_some(),
                config::Mode::Data => crate::schema::lookup(r.mode, &r.ty).is_some(),
            };
            !native && self.hosted.block(r.mode, &r.ty).is_some()
        })
    }

    /// The import facts of a served type AWS cannot tag (its schema has no tags), if drplan
    /// knows how to find its objects again.
    fn untaggable(&self, ty: &str) -> Option<&'static crate::resources::imports::Untaggable> {
        let block = self.hosted.block(config::Mode::Managed, ty)?;
        crate::provider::ownership::carrier(block).is_none().then(|| crate::resources::imports::find(ty)).flatten()
    }

    /// Whether an instance is planned through the provider host.
    fn served(&self, inst: &expand::Instance) -> bool {
        inst.mode == config::Mode::Managed
            && inst.unmanaged.is_none()
            && crate::resources::get(&inst.ty).is_none()
            && self.hosted.block(config::Mode::Managed, &inst.ty).is_some()
    }

    /// The root module's stack and regions (from `recovery` and `provider` blocks), evaluated
    /// without resources: what to read from the cloud before planning.
    pub fn settings(&self) -> Result<Settings, Error> {
        let mut diags = self.diags.clone();
        let exp = expand::expand(&self.loaded, &self.options(&expand::NothingKnown, true), &mut diags);
        let diags = diags.sorted();
        match exp.recovery {
            Some(recovery) if !diags.has_errors() => {
                let seeded = self.loaded.tree.modules.iter().flat_map(|m| &m.resources);
                let derives_from_seed =
                    seeded.into_iter().any(|r| crate::resources::graph_only::derives_from_seed(&r.ty));
                Ok(Settings {
                    recovery,
                    regions: exp.regions,
                    identities: exp.identities,
                    ignore_tags: exp.ignore_tags,
                    derives_from_seed,
                })
            }
            _ => Err(Error::Config { diagnostics: diags, sources: Arc::new(self.loaded.sources.clone()) }),
        }
    }
}

/// What the cheap settings pass learns: the `recovery` block, every region the configuration
/// names, and how its provider configurations authenticate.
pub struct Settings {
    pub recovery: expand::Recovery,
    pub regions: std::collections::BTreeSet<String>,
    pub identities: Vec<(Option<String>, crate::cloud::Identity)>,
    /// The root provider configurations' `ignore_tags`, by region (`None`: the DR region's).
    pub ignore_tags: Vec<(Option<String>, crate::config::IgnoreTags)>,
    /// A resource's values come from the stack's seed (`live::seed`).
    pub derives_from_seed: bool,
}

impl Settings {
    /// The `ignore_tags` of the provider configuration for `region` (the DR region's when it
    /// names none), which the provider host serving that region is configured with.
    pub fn ignore_tags_in(&self, region: &str) -> crate::config::IgnoreTags {
        let dr = self.recovery.region.as_str();
        let of = |r: &Option<String>| r.as_deref().unwrap_or(dr) == region;
        self.ignore_tags.iter().find(|(r, _)| of(r)).map(|(_, i)| i.clone()).unwrap_or_default()
    }

    /// What a plan in `phase` reads.
    pub fn inventory_request(&self, phase: expand::Phase) -> crate::cloud::InventoryRequest {
        let request = self.recovery.inventory_request(self.regions.clone(), phase, &self.identities);
        crate::cloud::InventoryRequest { stack_seed: self.derives_from_seed, ..request }
    }
}

/// Refuses an output path that is one of the command's inputs: a configuration or variables
/// file of the configuration directory, a `--var-file`, or the `--live` snapshot. (With no
/// state file, a configuration file overwritten by a plan would lose its objects.)
pub fn refuse_overwriting_inputs(
    out: &std::path::Path,
    load: &LoadOptions,
    live: Option<&std::path::Path>,
) -> Result<(), Error> {
    let canonical = |p: &std::path::Path| -> Option<PathBuf> {
        match p.canonicalize() {
            Ok(c) => Some(c),
            // Not there yet: its directory, canonical, and its name.
            Err(_) => {
                let parent = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
                Some(parent.canonicalize().ok()?.join(p.file_name()?))
            }
        }
    };
    let Some(target) = canonical(out) else { return Ok(()) };
    let name = target.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let config_file = [".tf", ".tf.json", ".tfvars", ".tfvars.json", ".hcl"].iter().any(|ext| name.ends_with(ext));
    let in_config_dir = target.parent().zip(load.dir.canonicalize().ok()).is_some_and(|(a, b)| a == b);
    let var_files = load.vars.items.iter().filter_map(|i| i.as_ref().err());
    let input = live.into_iter().chain(var_files.map(PathBuf::as_path)).any(|i| canonical(i).as_ref() == Some(&target));
    if (config_file && in_config_dir) || input {
        return Err(Error::Usage(format!(
            "refusing to write {}: it is one of this command's inputs\nhint: write the output elsewhere (e.g. --out dr.plan)",
            out.display()
        )));
    }
    Ok(())
}

/// The instance graph: one node per resource or data-source instance, in expansion order.
pub fn instance_graph(expansion: &Expansion) -> Dag {
    let mut dag = Dag::default();
    for inst in &expansion.instances {
        dag.add(inst.addr.clone());
    }
    for (i, inst) in expansion.instances.iter().enumerate() {
        for &d in &inst.deps {
            dag.edge(d, i);
        }
    }
    dag
}

/// Loads, evaluates and orders a configuration, collecting every diagnostic.
pub fn load_configuration(opts: &LoadOptions, live: &dyn LiveView) -> Result<Configuration, Error> {
    evaluate(parse_configuration(opts), live)
}

/// Evaluates a parsed configuration and orders its instances.
pub fn evaluate(parsed: Parsed, live: &dyn LiveView) -> Result<Configuration, Error> {
    evaluate_with(parsed, live, None)
}

/// [`evaluate`], with the provider's validations asked of `running` when a provider was already
/// started for this command (a plan's host) rather than of one started for them.
pub fn evaluate_with(
    parsed: Parsed,
    live: &dyn LiveView,
    running: Option<&crate::provider::Plugin>,
) -> Result<Configuration, Error> {
    let mut diags = parsed.diags.clone();
    if parsed.unsupported_provider {
        // Every argument the found provider lacks would be one more error: the constraint says it.
        return Err(Error::Config { diagnostics: diags.sorted(), sources: Arc::new(parsed.loaded.sources.clone()) });
    }
    let expansion = expand::expand(&parsed.loaded, &parsed.options(live, false), &mut diags);
    if !diags.has_errors() {
        provider_checks::check(&parsed.hosted, &parsed.loaded, &expansion, running, &mut diags);
    }
    let (loaded, hosted) = (parsed.loaded, parsed.hosted);
    let graph = instance_graph(&expansion);
    if let Err(cycles) = graph.topo_order() {
        for cycle in cycles {
            let names: Vec<&str> = cycle.iter().map(|&n| graph.nodes[n].as_str()).collect();
            let first = &expansion.instances[cycle[0]];
            diags.push(
                crate::diag::Diagnostic::error("Cycle between resource instances")
                    .detail(format!("These instances depend on each other: {}.", names.join(", ")))
                    .at(first.span),
            );
        }
    }
    let diags = diags.sorted();
    if diags.has_errors() {
        return Err(Error::Config { diagnostics: diags, sources: Arc::new(loaded.sources) });
    }
    Ok(Configuration { loaded, expansion, graph, warnings: diags, hosted })
}
