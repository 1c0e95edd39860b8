//! `drplan apply` and `drplan destroy`: make a plan (or read a saved one and refuse it when
//! stale), turn its steps into scheduler steps, and run them against AWS with the executor.
//! Printing, prompting and Ctrl-C belong to the CLI; this module returns data.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::plan::{PlanOptions, Planned, plan, read_plan};
use super::{LoadOptions, Parsed, parse_configuration};
use crate::apply::executor::{Executor, Resolve, Resolved};
use crate::apply::{self, Journal, Report, StepSpec};
use crate::cloud::Provider;
use crate::cloud::aws::Aws;
use crate::cloud::aws::provider::AwsProvider;
use crate::config::Mode;
use crate::error::Error;
use crate::expand::Recovery;
use crate::live::Inventory;
use crate::plan::Plan;
use crate::plan::decide::decide;
use crate::plan::view::{PlanView, find_live};
use crate::resources::BoxFuture;
use crate::resources::sdk::Polling;
use crate::schema;

/// Evaluates the configuration at apply time, for the executor.
pub struct ConfigResolver {
    parsed: Parsed,
    recovery: Recovery,
    /// Reads data sources drplan does not serve natively.
    host: Option<Arc<crate::provider::Host>>,
    /// Reads them in the other regions.
    regional: Option<Arc<crate::provider::regional::Regional>>,
}

impl Resolve for ConfigResolver {
    fn resolve(&self, inventory: &Inventory, address: &str) -> Result<Resolved, String> {
        let view = PlanView::new(inventory)
            .rooted(&self.parsed.loaded.tree.root().dir)
            .with_host(self.host.clone())
            .with_regional(self.regional.clone());
        let (exp, diags) = match self.parsed.expand_focused(&view, address) {
            Some(focused) => focused,
            None => self.parsed.expand_with(&view),
        };
        if diags.has_errors() {
            let first = diags.0.iter().find(|d| d.severity == crate::diag::Severity::Error);
            let text = first.map(|d| d.render(&self.parsed.loaded.sources)).unwrap_or_default();
            return Err(format!("evaluating the configuration at apply time failed:\n{text}"));
        }
        let Some(inst) = exp.instances.iter().find(|i| i.addr == address) else {
            return Err(format!("{address} is no longer in the configuration"));
        };
        let mut resolved = Resolved {
            config: inst.config.clone(),
            live: None,
            changed: Vec::new(),
            replace: false,
            create_before_destroy: inst.lifecycle.create_before_destroy,
            via_provider: inst.via_provider,
        };
        if inst.mode == Mode::Data {
            return Ok(resolved);
        }
        let r = &self.recovery;
        let region = inst.region.as_deref().unwrap_or(&r.region);
        resolved.live =
            find_live(inventory, &r.stack, region, &inst.addr, &inst.ty, &inst.config, &inst.written)?.cloned();
        // Tags the provider configuration ignores are someone else's: a write that sets the
        // object's tags keeps them (it removes only the tags it sees).
        if let Some(live) = resolved.live.as_mut() {
            live.tags.retain(|k, _| !inst.lifecycle.ignored_tags.ignores(k));
        }
        // A type the provider serves gets its configuration in the provider's form; the
        // provider decides the change when the step writes.
        if inst.via_provider
            && let Some(block) = self.parsed.hosted().block(Mode::Managed, &inst.ty)
        {
            let config = crate::plan::served::provider_config(block, inst, &r.stack);
            // `ignore_changes` keeps the object's own values, as the plan kept them: a write
            // after a lost answer (the object found, then updated) must not undo them.
            resolved.config = match &resolved.live {
                Some(live) => {
                    let prior = crate::resources::sdk::args::live_value(live);
                    crate::plan::decide::served_config(config, &prior, &inst.lifecycle)
                }
                None => config,
            };
            return Ok(resolved);
        }
        if let (Some(live), Some(schema)) = (&resolved.live, schema::lookup(Mode::Managed, &inst.ty)) {
            let decision = decide(&inst.ty, &schema.block, &inst.config, &inst.written, &inst.lifecycle, live);
            resolved.replace = decision.replace();
            resolved.changed = decision.diffs.into_iter().map(|d| d.name).collect();
        }
        Ok(resolved)
    }

    fn outputs(&self, inventory: &Inventory) -> Vec<(String, Option<serde_json::Value>, bool)> {
        let view = PlanView::new(inventory)
            .rooted(&self.parsed.loaded.tree.root().dir)
            .with_host(self.host.clone())
            .with_regional(self.regional.clone());
        let (exp, _) = self.parsed.expand_with(&view);
        exp.outputs
            .iter()
            .map(|o| {
                let value = if o.value.is_wholly_known() { o.value.to_json().ok() } else { None };
                (o.name.clone(), if o.sensitive { None } else { value }, o.sensitive)
            })
            .collect()
    }
}

/// What an execution did, and the outputs afterwards (empty unless every step succeeded).
pub struct Executed {
    pub report: Report,
    /// (name, value, sensitive): values of sensitive outputs are never returned.
    pub outputs: Vec<(String, Option<serde_json::Value>, bool)>,
}

/// What `prepare` starts from: the configuration directory, or a saved plan file.
pub enum Source {
    Dir,
    PlanFile(PathBuf),
}

/// A plan ready to execute, with what executing it needs.
pub struct Prepared {
    pub planned: Planned,
    /// True when the plan came from a file (it was reviewed already: no prompt).
    pub from_file: bool,
    resolver: ConfigResolver,
}

/// Makes the plan, or checks a saved one against a fresh plan and refuses it when the
/// configuration or the live objects it was computed from have changed.
pub fn prepare(
    load: &LoadOptions,
    cloud: &dyn crate::cloud::Cloud,
    source: &Source,
    destroy: bool,
    targets: &[String],
) -> Result<Prepared, Error> {
    let saved = match source {
        Source::PlanFile(path) => Some(read_plan(path)?),
        Source::Dir => None,
    };
    let (destroy, targets) = match &saved {
        Some(p) => (p.destroy, p.targets.clone()),
        None => (destroy, targets.to_vec()),
    };
    if let (Some(p), Some(asked)) = (&saved, load.phase)
        && asked != p.phase
    {
        return Err(Error::Usage(format!(
            "this plan is for the {} phase, not {asked}: plan again with --phase {asked}",
            p.phase
        )));
    }
    let load = match &saved {
        Some(p) => LoadOptions { workspace: p.workspace.clone(), phase: Some(p.phase), ..load.clone() },
        None => load.clone(),
    };
    let calibration = crate::recovery::Calibration::default();
    let fresh = plan(&PlanOptions { load: load.clone(), cloud, targets, destroy, calibration })?;
    if let (Some(saved), Source::PlanFile(path)) = (&saved, source) {
        check_same_account(saved, &fresh.plan, path)?;
        check_not_stale(saved, &fresh.plan, path)?;
    }
    let parsed = parse_configuration(&LoadOptions { lenient_keys: false, ..load });
    let recovery = parsed.settings()?.recovery;
    let from_file = saved.is_some();
    let planned = match saved {
        // Execute exactly the saved plan (the fresh one matched it).
        Some(saved) => Planned { plan: saved, ..fresh },
        None => fresh,
    };
    let (host, regional) = (planned.host.clone(), planned.regional.clone());
    Ok(Prepared { planned, from_file, resolver: ConfigResolver { parsed, recovery, host, regional } })
}

/// A saved plan is applied only with credentials of the account it was made in.
fn check_same_account(saved: &Plan, fresh: &Plan, path: &Path) -> Result<(), Error> {
    match (&saved.account_id, &fresh.account_id) {
        (Some(was), Some(now)) if was != now => Err(Error::Usage(format!(
            "{} was planned in AWS account {was}, but the credentials are for account {now}; nothing was written",
            path.display()
        ))),
        _ => Ok(()),
    }
}

fn check_not_stale(saved: &Plan, fresh: &Plan, path: &Path) -> Result<(), Error> {
    let name = path.display();
    if saved.stack != fresh.stack || saved.region != fresh.region {
        return Err(Error::Usage(format!(
            "{name} is a plan for stack {} in {}, but the configuration is stack {} in {}",
            saved.stack, saved.region, fresh.stack, fresh.region
        )));
    }
    if saved.fingerprint.config != fresh.fingerprint.config {
        return Err(Error::Usage(format!(
            "{name} is stale: the configuration or its variables changed since it was made\nhint: run drplan plan --out {name} again and review the new plan"
        )));
    }
    if saved.fingerprint.live != fresh.fingerprint.live {
        let before: std::collections::BTreeSet<&String> = saved.fingerprint.live_objects.iter().collect();
        let after: std::collections::BTreeSet<&String> = fresh.fingerprint.live_objects.iter().collect();
        let mut what: Vec<String> = after.difference(&before).map(|o| format!("  + {o} (appeared)")).collect();
        what.extend(before.difference(&after).map(|o| format!("  - {o} (gone)")));
        if what.is_empty() {
            what.push("  ~ one or more of the objects it read changed".into());
        }
        return Err(Error::Usage(format!(
            "{name} is stale: live state changed since it was made:\n{}\nhint: run drplan plan --out {name} again and review the new plan",
            what.join("\n")
        )));
    }
    // Same configuration, same live state: the file must say what a fresh plan says. A file
    // whose actions were edited is refused before any call.
    if executable(saved) != executable(fresh) {
        return Err(Error::Usage(format!(
            "{name} does not match the plan its configuration and live state give: its changes or steps were edited, so it is not applied\nhint: run drplan plan --out {name} again and review the new plan"
        )));
    }
    Ok(())
}

/// What executing a plan does: each change's address, type, actions, live object and the
/// attributes it changes, and the steps with their order. (Planned values are not in it: apply
/// evaluates them again.)
fn executable(plan: &Plan) -> serde_json::Value {
    let changes: Vec<serde_json::Value> = plan
        .resource_changes
        .iter()
        .filter(|c| c.verb().is_some())
        .map(|c| {
            let attributes: Vec<&str> = c.drplan.attributes.iter().map(|a| a.name.as_str()).collect();
            serde_json::json!([c.address, c.ty, c.change.actions, c.drplan.live_id, c.drplan.region, attributes])
        })
        .collect();
    serde_json::json!({ "changes": changes, "steps": plan.execution.steps, "destroy": plan.destroy, "targets": plan.targets })
}

/// The scheduler's view of a plan's steps.
pub fn steps(plan: &Plan) -> Vec<StepSpec> {
    let index: std::collections::HashMap<&str, usize> =
        plan.execution.steps.iter().enumerate().map(|(i, s)| (s.address.as_str(), i)).collect();
    let changes: std::collections::HashMap<&str, &crate::plan::ResourceChange> =
        plan.resource_changes.iter().map(|c| (c.address.as_str(), c)).collect();
    plan.execution
        .steps
        .iter()
        .map(|s| {
            let change = changes.get(s.address.as_str()).copied();
            let ty = change.map(|c| c.ty.as_str()).unwrap_or_default();
            StepSpec {
                address: s.address.clone(),
                action: s.action,
                deps: s.depends_on.iter().filter_map(|d| index.get(d.as_str()).copied()).collect(),
                service: crate::resources::service_of(ty).into(),
                estimate: std::time::Duration::from_secs(
                    crate::recovery::model_estimate(&s.address, ty, s.action, change).seconds,
                ),
            }
        })
        .collect()
}

/// How to execute.
pub struct ExecuteOptions {
    pub aws: Aws,
    pub schedule: apply::Options,
    pub polling: Polling,
    /// When the failure was declared: `sql` checks measure the recovery point from it (see
    /// [`crate::recovery::checks::Context`]).
    pub declared_at: Option<std::time::SystemTime>,
}

/// Runs a prepared plan's steps against AWS and reports every outcome.
pub fn execute<J: Journal>(prepared: Prepared, opts: &ExecuteOptions, journal: Arc<J>) -> Result<Executed, Error> {
    execute_with(prepared, aws_provider(opts), opts, journal)
}

/// Builds the AWS provider for a plan in a region (its DR region, or the primary for the
/// failback's writes): its stack, and a run id (client tokens) from its fingerprints.
pub fn aws_provider(opts: &ExecuteOptions) -> impl Fn(&Plan, &str) -> BoxFuture<'static, AwsProvider> + '_ {
    move |plan, region| {
        let (aws, polling) = (opts.aws.clone(), opts.polling);
        let (region, stack) = (region.to_string(), plan.stack.clone());
        let f = &plan.fingerprint;
        let run_id = format!("{}{}", &f.config[..16.min(f.config.len())], &f.live[..16.min(f.live.len())]);
        Box::pin(async move { AwsProvider::new(&aws, &region, &stack, &run_id, polling).await })
    }
}

/// Runs a prepared plan's steps through the providers `make_provider` builds (inside the
/// runtime): one for the DR region, and one for the primary when the plan writes there (the
/// failback). Reports every outcome.
pub fn execute_with<J, P, F, Fut>(
    prepared: Prepared,
    make_provider: F,
    opts: &ExecuteOptions,
    journal: Arc<J>,
) -> Result<Executed, Error>
where
    J: Journal,
    P: Provider,
    F: Fn(&Plan, &str) -> Fut,
    Fut: std::future::Future<Output = P>,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .map_err(|e| Error::Io { context: "starting the async runtime".into(), source: e })?;
    let plan = &prepared.planned.plan;
    let steps = steps(plan);
    let host = prepared.planned.host.clone();
    rt.block_on(async {
        let provider = crate::apply::served::WithHost::new(make_provider(plan, &plan.region).await, host, &plan.region);
        let mut inventory = prepared.planned.inventory;
        if plan.creates_stack_seed {
            inventory.snapshot.stack_seed = Some(stack_seed(&provider, &plan.region).await?);
        }
        let mut executor = Executor::new(provider, prepared.resolver, plan, inventory);
        let elsewhere: std::collections::BTreeSet<&str> = plan
            .resource_changes
            .iter()
            .filter(|c| plan.failback_writes.contains(&c.address))
            .map(|c| c.drplan.region.as_str())
            .collect();
        for region in elsewhere {
            // Served types are refused outside the DR region while expanding: no host here.
            let provider = crate::apply::served::WithHost::new(make_provider(plan, region).await, None, region);
            executor = executor.with_region(region, provider);
        }
        let executor = Arc::new(executor);
        let report = apply::run(&steps, executor.clone(), journal.clone(), &opts.schedule).await;
        executor.remove_duplicates(journal.as_ref()).await;
        // Outputs are worth a re-read only when the run completed (and not for a destroy).
        let outputs = if report.succeeded() && !plan.destroy { executor.outputs() } else { Vec::new() };
        Ok(Executed { report, outputs })
    })
}

/// The stack's seed, created before any step that derives a value from it; a lost answer or a
/// throttled call is retried (the backend finds a seed that exists before creating one).
async fn stack_seed<P: Provider>(provider: &P, region: &str) -> Result<crate::live::seed::StackSeed, Error> {
    let mut attempt = 0;
    loop {
        match provider.stack_seed().await {
            Ok(seed) => return Ok(seed),
            Err(e) if e.retryable && attempt < 4 => {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(250 << attempt)).await;
            }
            Err(e) => {
                return Err(Error::Cloud {
                    operation: "creating the stack seed (Secrets Manager)".into(),
                    region: region.to_string(),
                    message: format!("{}; nothing else was written", e.message),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::journal::NoJournal;
    use crate::cloud::memory::InMemory;

    const CONFIG: &str = r#"
recovery {
  stack  = "t"
  region = "us-west-2"
}

provider "aws" {
  region = "us-west-2"
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(aws_vpc.main.cidr_block, 8, 1)
}

resource "aws_security_group" "web" {
  name   = "web"
  vpc_id = aws_vpc.main.id
}
"#;

    /// A directory holding [`CONFIG`], and the options that load it.
    fn config_dir() -> (tempfile::TempDir, LoadOptions) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), CONFIG).unwrap();
        let load = LoadOptions {
            dir: dir.path().to_path_buf(),
            vars: Default::default(),
            workspace: "default".into(),
            phase: None,
            lenient_keys: false,
            provider: crate::provider::Env::off(),
        };
        (dir, load)
    }

    fn run(cloud: &Arc<InMemory>, load: &LoadOptions, destroy: bool) -> (usize, Executed) {
        let prepared = prepare(load, cloud.as_ref(), &Source::Dir, destroy, &[]).unwrap();
        let s = prepared.planned.plan.summary;
        let opts = ExecuteOptions {
            aws: Aws::default(),
            schedule: apply::Options::default(),
            polling: Polling::default(),
            declared_at: None,
        };
        let provider = cloud.clone();
        let make = |_: &Plan, _: &str| {
            let provider = provider.clone();
            async move { provider }
        };
        let executed = execute_with(prepared, make, &opts, Arc::new(NoJournal)).unwrap();
        (s.add + s.change + s.destroy, executed)
    }

    /// Only objects with both ownership tags, of a type drplan manages, are ever planned for
    /// deletion: a stack-only tag is reported, never trusted; an AMI or an unsupported type is
    /// left alone whatever its tags.
    #[test]
    fn only_fully_owned_objects_of_managed_types_are_deleted() {
        let (_dir, load) = config_dir();
        let cloud = Arc::new(InMemory::new("us-west-2", "t"));
        let object = |ty: &str, id: &str, tags: &[(&str, &str)]| crate::live::LiveObject {
            ty: ty.into(),
            region: "us-west-2".into(),
            id: id.into(),
            tags: tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            attributes: Default::default(),
        };
        let both = [("drplan:stack", "t"), ("drplan:address", "aws_vpc.old")];
        cloud.insert(object("aws_vpc", "vpc-half", &[("drplan:stack", "t")]));
        cloud.insert(object(
            "aws_s3_bucket",
            "bucket",
            &[("drplan:stack", "t"), ("drplan:address", "aws_s3_bucket.b")],
        ));
        cloud.insert(object("aws_ami", "ami-1", &[("drplan:stack", "t"), ("drplan:address", "data.aws_ami.web")]));
        cloud.insert(object("aws_vpc", "vpc-old", &both));
        let calibration = crate::recovery::Calibration::default();
        let opts = PlanOptions { load, cloud: cloud.as_ref(), targets: vec![], destroy: true, calibration };
        for destroy in [false, true] {
            let planned = plan(&PlanOptions { destroy, ..opts.clone() }).unwrap();
            let deleted: Vec<&str> = planned
                .plan
                .resource_changes
                .iter()
                .filter(|c| c.change.actions.contains(&crate::plan::Action::Delete))
                .filter_map(|c| c.drplan.live_id.as_deref())
                .collect();
            assert_eq!(deleted, ["vpc-old"], "destroy: {destroy}");
            let warning = planned.plan.warnings.iter().find(|w| w.contains("without drplan:address")).unwrap();
            assert!(warning.contains("aws_vpc vpc-half"), "{warning}");
        }
    }

    /// A saved plan is applied only as planned: the same file passes, one whose actions were
    /// edited (a delete of an object nothing declares) is refused before any write.
    #[test]
    fn an_edited_plan_file_is_refused() {
        let (dir, load) = config_dir();
        let cloud = Arc::new(InMemory::new("us-west-2", "t"));
        let calibration = crate::recovery::Calibration::default();
        let planned = plan(&PlanOptions {
            load: load.clone(),
            cloud: cloud.as_ref(),
            targets: vec![],
            destroy: false,
            calibration,
        })
        .unwrap();
        let file = dir.path().join("saved.plan");
        super::super::plan::write_plan(&file, &planned.plan).unwrap();
        assert!(prepare(&load, cloud.as_ref(), &Source::PlanFile(file.clone()), false, &[]).is_ok());

        let mut edited = planned.plan.clone();
        let mut foreign = edited.resource_changes[0].clone();
        foreign.address = "aws_route53_record.prod".into();
        foreign.ty = "aws_route53_record".into();
        foreign.change.actions = vec![crate::plan::Action::Delete];
        foreign.drplan.live_id = Some("Z1_prod.example.com_A".into());
        edited.resource_changes.push(foreign);
        edited.execution.steps.push(crate::plan::Step {
            address: "aws_route53_record.prod".into(),
            action: crate::resources::StepAction::Delete,
            depends_on: vec![],
            cutover: false,
            approval: false,
            delegated: false,
        });
        super::super::plan::write_plan(&file, &edited).unwrap();
        let err = prepare(&load, cloud.as_ref(), &Source::PlanFile(file), false, &[]).err().expect("refused");
        assert!(err.to_string().contains("were edited"), "{err}");
        assert!(cloud.writes.lock().unwrap().is_empty(), "nothing was written");
    }

    /// Apply through a provider: values known only after a create reach the steps that need
    /// them, a re-plan finds nothing to do, and destroy removes dependents first.
    #[test]
    fn apply_resolves_created_ids_and_converges_then_destroys_in_order() {
        let (_dir, load) = config_dir();
        let cloud = Arc::new(InMemory::new("us-west-2", "t"));
        let (changes, executed) = run(&cloud, &load, false);
        assert_eq!(changes, 3);
        assert!(executed.report.succeeded(), "{:?}", executed.report);
        let objects = cloud.objects();
        let vpc = objects.iter().find(|o| o.ty == "aws_vpc").unwrap();
        let subnet = objects.iter().find(|o| o.ty == "aws_subnet").unwrap();
        assert_eq!(subnet.attr_str("vpc_id"), Some(vpc.id.as_str()), "the subnet got the new VPC's id");
        assert_eq!(subnet.attr_str("cidr_block"), Some("10.0.1.0/24"), "computed from the VPC's attributes");
        assert_eq!(subnet.tags.get("drplan:address").map(String::as_str), Some("aws_subnet.a"));

        let (changes, _) = run(&cloud, &load, false);
        assert_eq!(changes, 0, "a second apply has nothing to do");

        let (changes, executed) = run(&cloud, &load, true);
        assert_eq!(changes, 3);
        assert!(executed.report.succeeded(), "{:?}", executed.report);
        assert!(cloud.objects().is_empty());
        let writes = cloud.writes.lock().unwrap().clone();
        let at = |w: &str| writes.iter().position(|x| x == w).unwrap();
        assert!(at("delete aws_subnet aws_subnet.a") < at("delete aws_vpc aws_vpc.main"), "{writes:?}");
        assert!(at("delete aws_security_group aws_security_group.web") < at("delete aws_vpc aws_vpc.main"));
    }
}
