//! The runbook printer: Markdown an on-call engineer can follow at 3 a.m. Objectives,
//! topology, pre-flight checks, every recovery step in execution order (what drplan does, the
//! AWS CLI equivalent, the expected duration, how to verify), the DNS cutover, post-recovery
//! validation, failback and contacts. It reads the runbook model; it decides nothing.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value as Json;

use crate::plan::ResourceChange;
use crate::recovery::runbook::Runbook;
use crate::resources::StepAction;
use crate::resources::{self, StepView};
use crate::timefmt::format_duration;

/// A step as its resource type sees it (a no-op, never a step, as the object it describes).
fn view<'a>(
    c: &'a ResourceChange,
    after: &'a Json,
    region: &'a str,
    changed: &'a [String],
    stack: &'a str,
) -> StepView<'a> {
    StepView { address: &c.address, action: c.verb().unwrap_or(StepAction::Create), after, changed, region, stack }
}

/// The AWS CLI command that does what drplan does for this step.
fn cli(c: &ResourceChange, region: &str, stack: &str) -> String {
    let changed: Vec<String> = c.drplan.attributes.iter().map(|a| a.name.clone()).collect();
    match c.verb() {
        Some(StepAction::Delete) => {
            format!("# drplan deletes {} ({})", c.drplan.live_id.as_deref().unwrap_or("?"), c.ty)
        }
        Some(StepAction::Update) => {
            format!("# drplan modifies {} in place: {}", c.drplan.live_id.as_deref().unwrap_or("?"), changed.join(", "))
        }
        _ => match resources::get(&c.ty) {
            Some(t) => t
                .runbook(&view(c, &c.change.after.value(), region, &changed, stack))
                .by_hand
                .unwrap_or_else(|| format!("# {}: see the plan's JSON for the arguments", c.ty)),
            None => {
                resources::graph_only::by_hand(&c.ty, &c.address, stack, region).unwrap_or_else(|| served_by_hand(c))
            }
        },
    }
}

/// A type applied through terraform-provider-aws has no CLI recipe here: its arguments, ownership
/// tags included, are in the plan, and an object created with them is found by the next apply.
fn served_by_hand(c: &ResourceChange) -> String {
    let found = match crate::resources::imports::find(&c.ty) {
        Some(u) => format!("drplan finds it by its {}", u.key.join(", ")),
        None => "with the tags under \"Every argument apply sends\": drplan finds it by them".into(),
    };
    format!(
        "drplan show dr.plan --format json | jq '.resource_changes[] | select(.address == \"{}\") | .change.after'  # create the {} with these arguments (console or CLI); {found}",
        c.address, c.ty
    )
}

/// How to see that the step worked.
fn verify(c: &ResourceChange, region: &str, stack: &str) -> String {
    let after = c.change.after.value();
    let v = view(c, &after, region, &[], stack);
    if c.verb() == Some(StepAction::Delete) {
        return match taggable(c) {
            true => format!("`{}` prints nothing", v.by_ownership_tags()),
            false => format!("`drplan plan --target '{}'` plans no delete for it", c.address),
        };
    }
    if let Some(cmd) = resources::get(&c.ty).and_then(|t| t.runbook(&v).verify) {
        // A type's check may end with what it prints: `command → `available``.
        return match cmd.split_once(" → ") {
            Some((cmd, expect)) => format!("`{cmd}` prints {expect}"),
            None => format!("`{cmd}`"),
        };
    }
    match taggable(c) {
        true => format!("`{}` prints its ARN", v.by_ownership_tags()),
        false => {
            format!("`drplan plan --target '{}' --detailed-exitcode` exits 0 (nothing left to do for it)", c.address)
        }
    }
}

/// Whether the object carries tags (so both ownership tags find it).
fn taggable(c: &ResourceChange) -> bool {
    let has_tags = |v: &serde_json::Value| v.as_object().is_some_and(|o| o.contains_key("tags"));
    let ch = c.change.parsed();
    has_tags(&ch.after) || has_tags(&ch.before) || ch.after_unknown.get("tags").is_some()
}

/// How to undo the step if it must be undone.
fn rollback(c: &ResourceChange) -> String {
    let changed: Vec<String> = c.drplan.attributes.iter().map(|a| format!("`{}`", a.name)).collect();
    match c.verb() {
        Some(StepAction::Create) if taggable(c) => format!(
            "delete what the step created (found by its ownership tags); `drplan destroy --target '{}'` does it",
            c.address
        ),
        Some(StepAction::Create) => format!("undo what the step created; `drplan destroy --target '{}'` does it", c.address),
        Some(StepAction::Update) => format!(
            "set {} back to the values under `before` in `drplan show dr.plan --format json`",
            changed.join(", ")
        ),
        Some(StepAction::Replace) => "the old object is gone once the replacement is created: there is no way back to it; fix forward (a new plan and apply)".into(),
        Some(StepAction::Delete) => "a delete cannot be undone: `drplan apply` creates it again from the configuration (its data only from a backup or snapshot)".into(),
        _ => "nothing to undo (nothing is written)".into(),
    }
}

const LATER: &str = "(known after an earlier step)";

/// A planned value for reading: unknown values named, unset (null) arguments left out.
fn readable(v: &Json, unknown: &Json) -> Json {
    without_nulls(super::value::with_unknown_as(v, unknown, &LATER.into()))
}

fn without_nulls(v: Json) -> Json {
    match v {
        Json::Object(o) => {
            Json::Object(o.into_iter().filter(|(_, x)| !x.is_null()).map(|(k, x)| (k, without_nulls(x))).collect())
        }
        Json::Array(items) => Json::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

/// Every argument apply sends for the step (ownership tags included; secrets never), for a
/// by-hand command that cannot carry them all.
fn arguments(c: &ResourceChange, stack: &str) -> Option<String> {
    let ch = c.change.parsed();
    let after = ch.after.as_object()?;
    let names: Vec<&str> = match c.verb() {
        Some(StepAction::Create | StepAction::Replace) => c.drplan.shown.iter().map(String::as_str).collect(),
        Some(StepAction::Update) => c.drplan.attributes.iter().map(|a| a.name.as_str()).collect(),
        _ => return None,
    };
    let mut args = serde_json::Map::new();
    for n in names {
        let sensitive = ch.after_sensitive.get(n) == Some(&Json::Bool(true));
        let value = match (sensitive, after.get(n)) {
            (true, _) => "(sensitive: from the configuration, never written here)".into(),
            (false, Some(v)) if !v.is_null() => readable(v, ch.after_unknown.get(n).unwrap_or(&Json::Bool(false))),
            _ => LATER.into(),
        };
        args.insert(n.to_string(), value);
    }
    if c.verb() != Some(StepAction::Update) {
        let mut tags = view(c, &c.change.after.value(), "", &[], stack).tags();
        if let Some(digest) = &c.drplan.config_digest {
            tags.insert(crate::provider::ownership::CONFIG_TAG.into(), digest.clone());
        }
        match after.get("tag") {
            // `tag` blocks (an Auto Scaling group's): ownership tags as blocks, never propagated.
            Some(Json::Array(blocks)) if !taggable(c) => {
                let ours = tags
                    .into_iter()
                    .map(|(key, value)| serde_json::json!({"key": key, "propagate_at_launch": false, "value": value}));
                args.insert("tag".into(), Json::Array(blocks.iter().cloned().chain(ours).collect()));
            }
            _ if taggable(c) => {
                args.insert("tags".into(), serde_json::json!(tags));
            }
            _ => {}
        }
    }
    serde_json::to_string_pretty(&args).ok()
}

fn what(c: &ResourceChange) -> String {
    let verb = match c.verb() {
        Some(StepAction::Create) => "creates",
        Some(StepAction::Update) => "updates in place",
        Some(StepAction::Replace) => "replaces",
        Some(StepAction::Delete) => "deletes",
        Some(StepAction::Read) => "reads",
        _ => "checks",
    };
    format!("drplan {verb} `{}`", c.ty)
}

pub fn render(rb: &Runbook) -> String {
    let mut out = String::new();
    header(&mut out, rb);
    declare(&mut out, rb);
    objectives(&mut out, rb);
    let _ = writeln!(out, "## 2. Topology\n\n```mermaid\n{}```\n", rb.topology);
    preflight(&mut out, rb);
    let cutover = steps(&mut out, rb);
    dns_cutover(&mut out, rb, &cutover);
    validation(&mut out, rb);
    failback(&mut out, rb);
    out
}

fn primary(rb: &Runbook) -> &str {
    rb.plan.primary_region.as_deref().unwrap_or("(not declared)")
}

fn header(out: &mut String, rb: &Runbook) {
    let plan = &rb.plan;
    let primary = primary(rb);
    let _ = writeln!(out, "# Recovery runbook: stack `{}` into `{}`\n", plan.stack, plan.region);
    let writes = if plan.failback_writes.is_empty() {
        "read-only: nothing in this runbook changes it".to_string()
    } else {
        format!(
            "the failback writes {} object(s) there, marked below; nothing else changes it",
            plan.failback_writes.len()
        )
    };
    let _ = writeln!(
        out,
        "Generated by drplan from the configuration and the live state as of {}. Primary region: `{primary}` ({writes}). Workspace: `{}`. Phase: `{}`.\n",
        plan.live_captured_at, plan.workspace, plan.phase
    );
    let phase = if plan.phase.is_standby() { String::new() } else { format!(" --phase {}", plan.phase) };
    let gated = if plan.execution.steps.iter().any(|s| s.cutover) {
        "; apply moves traffic last, once the checks pass"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "**The short version:** check credentials, run `drplan plan{phase} --out dr.plan`, review it, run `drplan apply dr.plan`{gated}, verify, cut DNS over if Route 53 has not.\n"
    );
}

fn objectives(out: &mut String, rb: &Runbook) {
    let r = &rb.plan.recovery;
    let _ = writeln!(out, "## 1. Objectives\n\n| | objective | estimate | verdict | source |\n|---|---|---|---|---|");
    let verdict = |o: &str| {
        r.verdicts.iter().find(|v| v.objective == o).map(|v| match v.met {
            Some(true) => "met",
            Some(false) => "**BREACHED**",
            None => "not known",
        })
    };
    let rto_source = if r.critical_path.is_empty() {
        "nothing to do".to_string()
    } else {
        format!("critical path: {}", r.critical_path.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(" → "))
    };
    let _ = writeln!(
        out,
        "| RTO | {} | {} | {} | {rto_source} |",
        r.rto_objective_seconds.map(format_duration).unwrap_or_else(|| "-".into()),
        format_duration(r.rto_estimate_seconds),
        verdict("rto").unwrap_or("-"),
    );
    for e in &r.rpo_estimates {
        let _ = writeln!(
            out,
            "| RPO `{}` | {} | {} | {} | {} |",
            e.address,
            r.rpo_objective_seconds.map(format_duration).unwrap_or_else(|| "-".into()),
            e.seconds.map(format_duration).unwrap_or_else(|| "unknown".into()),
            verdict("rpo").unwrap_or("-"),
            e.source
        );
    }
    out.push('\n');
}

fn preflight(out: &mut String, rb: &Runbook) {
    let (plan, r) = (&rb.plan, &rb.plan.recovery);
    let _ = writeln!(out, "## 3. Pre-flight checks\n");
    let _ =
        writeln!(out, "- [ ] Credentials for the DR account: `aws sts get-caller-identity --region {}`", plan.region);
    let _ =
        writeln!(out, "- [ ] The DR region answers: `aws ec2 describe-availability-zones --region {}`", plan.region);
    for e in &r.rpo_estimates {
        let _ = writeln!(
            out,
            "- [ ] Source data for `{}` is fresh enough: {} ({})",
            e.address,
            e.seconds.map(format_duration).unwrap_or_else(|| "age unknown".into()),
            e.source
        );
    }
    // Per quota: how many creates take one unit each, and how many instances of each type take vCPUs.
    let mut capacity: BTreeMap<(&str, &str, &str, bool), BTreeMap<resources::Amount, usize>> = BTreeMap::new();
    for c in plan.resource_changes.iter().filter(|c| matches!(c.verb(), Some(StepAction::Create | StepAction::Replace)))
    {
        let after = c.change.after.value();
        if let Some(q) =
            resources::get(&c.ty).and_then(|t| t.capacity(&view(c, &after, &plan.region, &[], &plan.stack)))
        {
            let key = (q.quota.name, q.quota.service_code, q.quota.quota_code, q.quota.per_zone);
            *capacity.entry(key).or_default().entry(q.amount).or_default() += 1;
        }
    }
    for ((name, service, code, per_zone), amounts) in &capacity {
        let room = amounts
            .iter()
            .map(|(amount, n)| match amount {
                resources::Amount::One => format!("{n} more"),
                resources::Amount::VcpusOf(ty) => format!("the vCPUs of {n} x {ty}"),
            })
            .collect::<Vec<_>>()
            .join(" and ");
        let zones = if *per_zone { " (counted per Availability Zone)" } else { "" };
        let _ = writeln!(
            out,
            "- [ ] Quota \"{name}\" has room for {room} in `{}`{zones} (`aws service-quotas get-service-quota --service-code {service} --quota-code {code} --region {}`; `drplan readiness` compares it with what the region uses)",
            plan.region, plan.region
        );
    }
    for u in &plan.unmanaged {
        let kind = if u.mode == crate::config::Mode::Data { "data source" } else { "resource" };
        let before = match u.dependents.as_slice() {
            [] => String::new(),
            deps => format!(", before {}", deps.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(", ")),
        };
        let _ = writeln!(
            out,
            "- [ ] Manual: `{}` ({kind} `{}`) is left to other tools (`recovery.unmanaged`): make sure it is in place in `{}`{before}",
            u.address, u.ty, plan.region
        );
    }
    let phase = format!(" --phase {}", plan.phase);
    let r = &rb.readiness;
    let verdict = if r.ready { "ready" } else { "NOT ready" };
    let _ = writeln!(
        out,
        "- [ ] Readiness: `drplan readiness{phase}` says the region is ready (when this runbook was written: {verdict}, {} blocker(s), {} warning(s))",
        r.count(crate::readiness::Severity::Blocker),
        r.count(crate::readiness::Severity::Warning)
    );
    for f in &r.findings {
        let _ = writeln!(out, "  - [ ] {:?} `{}` ({}): {}. Fix: {}", f.severity, f.address, f.rule, f.evidence, f.fix);
    }
    let _ = writeln!(out, "- [ ] Review the plan: `drplan plan --out dr.plan` then `drplan show dr.plan`\n");
}

/// The recovery steps, in the order apply's stages run them, with the gates where apply stops;
/// returns the ones that move traffic, for the cutover section.
fn steps<'p>(out: &mut String, rb: &'p Runbook) -> Vec<&'p ResourceChange> {
    let (plan, r) = (&rb.plan, &rb.plan.recovery);
    let _ = writeln!(
        out,
        "## 4. Recovery steps\n\nRun `drplan apply dr.plan` (everything below, concurrently, in dependency order, stopping at the gates), or follow the steps by hand. Steps are in an order where each comes after what it depends on.\n"
    );
    let by_addr: BTreeMap<&str, &ResourceChange> =
        plan.resource_changes.iter().map(|c| (c.address.as_str(), c)).collect();
    let estimates: BTreeMap<&str, u64> = r.step_estimates.iter().map(|s| (s.address.as_str(), s.seconds)).collect();
    let stages = crate::plan::gates::Stages::of(&plan.execution);
    let stage = |a: &str| usize::from(stages.approved.contains(a)) + 2 * usize::from(stages.cutover.contains(a));
    let mut ordered: Vec<&crate::plan::Step> = plan.execution.steps.iter().collect();
    ordered.sort_by_key(|s| stage(&s.address));
    let mut cutover = Vec::new();
    let mut gate_shown = 0;
    for (n, step) in ordered.into_iter().enumerate() {
        let Some(c) = by_addr.get(step.address.as_str()) else { continue };
        let this_stage = stage(&step.address);
        if this_stage > gate_shown {
            gate(out, &stages, this_stage);
            gate_shown = this_stage;
        }
        let is_cutover = step.cutover || resources::get(&c.ty).is_some_and(|t| t.moves_traffic());
        if is_cutover {
            cutover.push(*c);
        }
        let primary_write = plan.failback_writes.contains(&c.address);
        let mark = match (is_cutover, primary_write) {
            (true, _) => " (DNS)",
            (false, true) => " (writes to the primary region)",
            _ => "",
        };
        let region = if primary_write { c.drplan.region.as_str() } else { plan.region.as_str() };
        let _ = writeln!(out, "### 4.{} `{}`{mark}\n", n + 1, c.address);
        let _ = writeln!(out, "- **What:** {}", what(c));
        if !step.depends_on.is_empty() {
            let _ = writeln!(
                out,
                "- **After:** {}",
                step.depends_on.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(", ")
            );
        }
        let _ = writeln!(
            out,
            "- **Expected duration:** {}",
            estimates.get(step.address.as_str()).map(|s| format_duration(*s)).unwrap_or_else(|| "-".into())
        );
        // One command per line, in a block a person can copy (placeholders like <new VpcId>
        // are filled from the output of the command before).
        let commands = cli(c, region, &plan.stack).replace(" && ", "\n  ");
        let _ = writeln!(out, "- **By hand:**\n\n  ```sh\n  {commands}\n  ```\n");
        let _ = writeln!(out, "- **Verify:** {}", verify(c, region, &plan.stack));
        let _ = writeln!(out, "- **Rollback:** {}\n", rollback(c));
        if let Some(args) = arguments(c, &plan.stack) {
            let _ = writeln!(
                out,
                "<details><summary>Every argument apply sends</summary>\n\n```json\n{args}\n```\n\n</details>\n"
            );
        }
    }
    cutover
}

/// Where apply stops before a stage: an approval (stage 1), or the checks and, when asked, an
/// approval before the cutover (stage 2). Stage 2 without stage 1 shows only its own gate.
fn gate(out: &mut String, stages: &crate::plan::gates::Stages, stage: usize) {
    let list =
        |set: &std::collections::BTreeSet<String>| set.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
    if stage == 1 {
        let _ = writeln!(
            out,
            "### Gate: approval\n\n`recovery.approve` asks for a person before {}. On a terminal apply asks; otherwise it stops with exit status 4 and prints the command that resumes (`--approve-gates`). Everything above is done by then.\n",
            list(&stages.approval_roots)
        );
        return;
    }
    let approval = if stages.cutover_approval {
        " Then, because `recovery.approve` lists `\"cutover\"`, apply asks for approval (or stops with exit status 4 and the command that resumes)."
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "### Gate: checks before the cutover\n\nThe steps below move traffic. apply runs them only after every step above succeeded and every check in section 6 passed against what now exists; if a check fails, it stops with `traffic was not moved` and everything above stays built (run the same apply again after the fix).{approval}\n"
    );
}

fn dns_cutover(out: &mut String, rb: &Runbook, cutover: &[&ResourceChange]) {
    let plan = &rb.plan;
    let _ = writeln!(out, "## 5. DNS cutover\n");
    if cutover.is_empty() {
        let _ = writeln!(
            out,
            "This plan changes no Route 53 record: clients reach the DR region however they reached it before (check the configuration's outputs).\n"
        );
    } else {
        for c in cutover.iter().copied() {
            let after = c.change.after.value();
            let v = view(c, &after, &plan.region, &[], &plan.stack);
            let failover = v.nested("failover_routing_policy", "type");
            let _ = writeln!(
                out,
                "- `{}` = `{}` {}",
                c.address,
                v.arg("name"),
                failover
                    .as_deref()
                    .map(|f| format!("(failover {f}, set `{}`)", v.arg("set_identifier")))
                    .unwrap_or_default()
            );
        }
        let _ = writeln!(
            out,
            "\nWith failover routing, Route 53 answers with the DR record as soon as the primary record's health check fails; nothing to do but verify: `dig +short <name>` returns the DR load balancer. If the primary is degraded but its health check still passes, force the cutover from the Route 53 console or by inverting the primary's health check (`aws route53 update-health-check --health-check-id <primary check> --inverted`); drplan never changes the primary's records. Allow about 60 s plus the record TTL for resolvers to follow.\n"
        );
    }
}

fn validation(out: &mut String, rb: &Runbook) {
    let _ = writeln!(out, "## 6. Post-recovery validation\n");
    if rb.checks.is_empty() {
        let _ = writeln!(
            out,
            "The configuration declares no `check` blocks. Add them (http, tcp, dns, sql) so `drplan drill` and this section can verify the recovery.\n"
        );
    } else {
        let _ = writeln!(out, "| check | probe | arguments |\n|---|---|---|");
        for c in &rb.checks {
            let args: Vec<String> = c.args.iter().map(|(k, v)| format!("{k} = `{v}`")).collect();
            let _ = writeln!(out, "| `{}` | {} | {} |", c.name, c.kind, args.join(", "));
        }
        let _ = writeln!(
            out,
            "\n`drplan drill` runs these until they pass or time out. By hand (a `<name>` is a value known once the steps above ran, e.g. from `drplan output`):\n\n```sh"
        );
        for c in &rb.checks {
            if let Some(cmd) = crate::recovery::checks::by_hand(&c.kind, &c.args, &rb.plan.region) {
                let _ = writeln!(out, "# {}\n{cmd}", c.name);
            }
        }
        let _ = writeln!(out, "```\n");
    }
}

fn failback(out: &mut String, rb: &Runbook) {
    let (plan, primary) = (&rb.plan, primary(rb));
    let _ = writeln!(out, "## 7. Failback\n");
    if !plan.failback_writes.is_empty() {
        let list: Vec<String> = plan.failback_writes.iter().map(|a| format!("`{a}`")).collect();
        let _ = writeln!(
            out,
            "This runbook is the failback phase: the steps above build {} in the primary region `{primary}` (`recovery.failback`); nothing else there is changed, and drplan never deletes what it built there.\n",
            list.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "1. Keep serving from `{}` until the primary region `{primary}` is healthy and stable.",
        plan.region
    );
    let _ = writeln!(
        out,
        "2. Replicate data written in the DR region back to the primary (a read replica of the DR database in the primary, or a snapshot copied back), and stop writes before the switch. Resources listed in `recovery.failback` are built there by `drplan apply --phase failback`; `drplan runbook --phase failback` writes that runbook."
    );
    let _ = writeln!(
        out,
        "3. Restore the primary's health checks; Route 53 failover returns traffic to the primary record once it passes."
    );
    let _ = writeln!(
        out,
        "4. When traffic is back and verified, return the DR region to standby with `drplan apply --phase standby`, or remove the DR stack: `drplan destroy` (only objects tagged `drplan:stack = {}` are deleted; the primary is never touched).\n",
        plan.stack
    );
}

/// First, before anything is changed: who to page, and the decision that starts the clock.
fn declare(out: &mut String, rb: &Runbook) {
    let plan = &rb.plan;
    let _ = writeln!(
        out,
        "## 0. Page, and declare the {}\n",
        if plan.phase.is_standby() { "recovery" } else { plan.phase.as_str() }
    );
    if rb.contacts.is_empty() {
        let _ = writeln!(out, "No `contacts` block in the configuration: page your incident commander now.\n");
    } else {
        let _ = writeln!(out, "| role | who |\n|---|---|");
        for (role, who) in &rb.contacts {
            let _ = writeln!(out, "| {role} | {who} |");
        }
        out.push('\n');
    }
    use crate::expand::Phase;
    let (decide, announce) = match plan.phase {
        Phase::Standby => ("to recover", format!("Recovering stack `{}` into `{}`", plan.stack, plan.region)),
        Phase::Failover => ("to fail over", format!("Failing over stack `{}` to `{}`", plan.stack, plan.region)),
        Phase::Failback => ("to fail back", format!("Failing back stack `{}` to `{}`", plan.stack, primary(rb))),
    };
    let _ = writeln!(
        out,
        "1. Page the people above; one person (the incident commander) decides {decide}.\n2. Confirm the primary region `{}` {}.\n3. Write down the time of the decision: the recovery point and the recovery time are measured from it.\n4. Say in the incident channel: \"{announce}, runbook generated from the state of {}\".\n",
        primary(rb),
        match plan.phase {
            Phase::Failback => "is healthy and has been stable for long enough",
            _ => "is impaired (AWS Health Dashboard, your own monitoring), not only one service of yours",
        },
        plan.live_captured_at
    );
}
