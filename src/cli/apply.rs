//! `drplan apply` and `drplan destroy`: show the plan, ask for `yes`, execute with progress
//! lines and a journal under `.drplan/`, and print the summary. Ctrl-C stops new steps and
//! lets running ones finish; a second Ctrl-C exits at once.

use std::io::{BufRead as _, IsTerminal as _};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::exit::Status as Exit;
use super::{ConfigArgs, DrillArgs, RunArgs, print};
use crate::apply::journal::FileJournal;
use crate::apply::{self, Journal, JournalEvent, Status};
use crate::error::Error;
use crate::ops::LoadOptions;
use crate::ops::apply::{ExecuteOptions, Source, prepare};
use crate::ops::stages::{Gate, Gatekeeper, Replan, apply_staged};
use crate::render::{self, Format, Style, progress};
use crate::resources::sdk::Polling;

/// Writes the journal file and shows progress: on a terminal, a live spinner per running step
/// with its elapsed time (indicatif) above which finished steps scroll; otherwise plain lines,
/// one per start and end, for logs and CI.
struct Progress {
    file: FileJournal,
    live: Option<Live>,
}

struct Live {
    bars: indicatif::MultiProgress,
    running: std::sync::Mutex<std::collections::HashMap<String, indicatif::ProgressBar>>,
}

impl Progress {
    fn new(file: FileJournal) -> Self {
        let live = std::io::stdout()
            .is_terminal()
            .then(|| Live { bars: indicatif::MultiProgress::new(), running: Default::default() });
        Progress { file, live }
    }
}

impl Journal for Progress {
    fn record(&self, event: &JournalEvent) {
        self.file.record(event);
        let line = progress::event_line(event);
        let Some(live) = &self.live else {
            println!("{line}");
            return;
        };
        let mut running = live.running.lock().expect("progress lock");
        match event {
            JournalEvent::Start { address, .. } => {
                let bar = running.entry(address.clone()).or_insert_with(|| {
                    let bar = live.bars.add(indicatif::ProgressBar::new_spinner());
                    bar.set_style(
                        indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
                    );
                    bar.enable_steady_tick(std::time::Duration::from_millis(120));
                    bar
                });
                bar.set_message(line);
            }
            JournalEvent::End { address, .. } => {
                if let Some(bar) = running.remove(address) {
                    bar.finish_and_clear();
                    live.bars.remove(&bar);
                }
                let _ = live.bars.println(line);
            }
            JournalEvent::Note { .. } => {
                let _ = live.bars.println(line);
            }
        }
    }
}

/// What `apply` runs: an apply (with when the failure was declared, for the data checks before
/// a cutover), or a destroy.
pub(super) enum Verb {
    Apply { declared_at: Option<std::time::SystemTime> },
    Destroy,
}

pub(super) fn apply(
    config: &ConfigArgs,
    run: &RunArgs,
    raw_args: &[String],
    order: &[String],
    what: Verb,
) -> Result<Exit, Error> {
    let (destroy, declared_at) = match what {
        Verb::Apply { declared_at } => (false, declared_at),
        Verb::Destroy => (true, None),
    };
    let verb = if destroy { "Destroy" } else { "Apply" };
    let aws = run.aws.cloud();
    let (source, dir) = if config.dir.is_file() {
        let saved = crate::ops::plan::read_plan(&config.dir)?;
        let dir = PathBuf::from(saved.config_dir.as_deref().unwrap_or("."));
        (Source::PlanFile(config.dir.clone()), dir)
    } else {
        (Source::Dir, config.dir.clone())
    };
    let load = ConfigArgs { dir: dir.clone(), ..config.clone() }.load_options(order);
    let prepared = prepare(&load, &aws, &source, destroy, &run.targets)?;
    let config_warnings = &prepared.planned.config.warnings;
    if !config_warnings.is_empty() {
        eprint!("{}", config_warnings.render(&prepared.planned.config.loaded.sources));
        eprintln!();
    }
    let plan = &prepared.planned.plan;
    if plan.execution.steps.is_empty() {
        // Nothing to do can still leave something to say (an object left in place).
        let warnings: String = plan.warnings.iter().map(|w| format!("Warning: {w}\n\n")).collect();
        print(&format!("{warnings}No changes. The DR region matches the configuration.\n"))?;
        return Ok(Exit::Success);
    }
    if !prepared.from_file {
        print(&render::render(plan, Format::Human, Style { color: super::stdout_color(), compact: false }))?;
        if !run.auto_approve {
            confirm(verb, plan)?;
        }
    }
    // Later stages plan again from the directory, in the plan's own phase and workspace.
    let stage_load = LoadOptions { phase: Some(plan.phase), workspace: plan.workspace.clone(), ..load.clone() };
    let resume = resume_command(raw_args, matches!(source, Source::PlanFile(_)).then_some((&config.dir, &dir)));
    let journal_dir = run.journal_dir.clone().unwrap_or_else(|| dir.join(".drplan"));
    let name = format!("{}-{}-{}-{}.jsonl", verb.to_lowercase(), plan.stack, unix_time(), std::process::id());
    let file = FileJournal::create(&journal_dir, &name)
        .map_err(|e| Error::Io { context: format!("creating the journal in {}", journal_dir.display()), source: e })?;
    let journal_path = file.path.clone();
    let cancel = Arc::new(AtomicBool::new(false));
    let schedule = apply::Options {
        parallelism: run.parallelism.max(1),
        service_limits: run.service_limits.iter().cloned().collect(),
        cancel: cancel.clone(),
        ..apply::Options::default()
    };
    on_interrupt(cancel);
    // A failover applied without --failure-declared-at declares the failure now.
    let declared_at = Some(declared_at.unwrap_or_else(std::time::SystemTime::now));
    let opts = ExecuteOptions { aws, schedule, polling: Polling::default(), declared_at };
    let keeper = Keeper { approve_gates: run.approve_gates, resume };
    let replan = Replan { load: &stage_load, targets: &run.targets };
    let staged = apply_staged(prepared, &replan, &opts, Arc::new(Progress::new(file)), &keeper)?;
    let report = &staged.executed.report;
    print(&progress::summary(report, verb))?;
    if staged.stopped.is_none() {
        print(&progress::outputs(&staged.executed.outputs))?;
    }
    print(&format!("Journal: {}\n", journal_path.display()))?;
    if let Some(stopped) = staged.stopped {
        return Err(stopped);
    }
    if report.succeeded() {
        Ok(Exit::Success)
    } else {
        Err(Error::Incomplete {
            verb: verb.into(),
            failed: report.count(Status::Failed),
            skipped: report.count(Status::Skipped),
            cancelled: report.count(Status::Cancelled),
        })
    }
}

/// The CLI's side of the approval gates: `--approve-gates` approves; a terminal asks; otherwise
/// apply stops with the command that resumes.
struct Keeper {
    approve_gates: bool,
    resume: String,
}

impl Gatekeeper for Keeper {
    fn say(&self, line: &str) {
        println!("{line}");
    }

    fn waiting(&self, line: &str) {
        eprintln!("{line}");
    }

    fn approve(&self, gate: &Gate) -> Result<(), Error> {
        let steps = gate.steps.join(", ");
        let what = if gate.name == "cutover" { "the cutover (moves traffic)" } else { "these steps" };
        if self.approve_gates {
            eprintln!("Approval gate before {what}: {steps}: approved by --approve-gates.");
            return Ok(());
        }
        let stopped = |why: String| Error::AwaitingApproval { why, steps: steps.clone(), resume: self.resume.clone() };
        if !std::io::stdin().is_terminal() {
            return Err(stopped(format!("approval needed before {what}, and there is no terminal to ask")));
        }
        print(&format!(
            "\nApproval gate: {what}: {steps}.\n  Everything before it is done.\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: "
        ))?;
        let mut answer = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .map_err(|e| Error::Io { context: "reading the approval".into(), source: e })?;
        if answer.trim() == "yes" { Ok(()) } else { Err(stopped(format!("{what} not approved"))) }
    }
}

/// The command line that resumes a stopped apply: the same arguments with `--approve-gates`;
/// a saved plan is replaced by its configuration directory (the plan is stale once its first
/// stage ran, and the resumed run plans again).
fn resume_command(raw_args: &[String], plan_file: Option<(&PathBuf, &PathBuf)>) -> String {
    let mut args: Vec<String> = raw_args.iter().skip(1).cloned().collect();
    if let Some((file, dir)) = plan_file
        && let Some(arg) = args.iter_mut().find(|a| std::path::Path::new(a.as_str()) == file.as_path())
    {
        *arg = dir.display().to_string();
    }
    if !args.iter().any(|a| a == "--approve-gates") {
        let at = args.iter().position(|a| a == "apply").map_or(0, |i| i + 1);
        args.insert(at, "--approve-gates".into());
    }
    let quoted: Vec<String> =
        args.iter().map(|a| shlex::try_quote(a).map(|q| q.into_owned()).unwrap_or_else(|_| a.clone())).collect();
    format!("drplan {}", quoted.join(" "))
}

fn confirm(verb: &str, plan: &crate::plan::Plan) -> Result<(), Error> {
    let what = if plan.destroy { "destroy every object this stack owns in" } else { "perform these actions in" };
    print(&format!(
        "\nDo you want to {what} {}?\n  drplan will {what} the DR region as shown above.\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ",
        plan.region
    ))?;
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::Io { context: "reading the confirmation".into(), source: e })?;
    if answer.trim() == "yes" { Ok(()) } else { Err(Error::NotApproved(verb.into())) }
}

/// Ctrl-C (or SIGTERM, what CI sends on cancel) sets `cancel`: no new steps start and running
/// ones finish. A second one exits at once. The handlers are in place when this returns.
fn on_interrupt(cancel: Arc<AtomicBool>) {
    use tokio::signal::unix::{SignalKind, signal};
    let (ready, installed) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
        rt.block_on(async {
            let (Ok(mut int), Ok(mut term)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) else {
                return;
            };
            let _ = ready.send(());
            for n in 0.. {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
                if n > 0 {
                    std::process::exit(Exit::Interrupted.code().into());
                }
                cancel.store(true, std::sync::atomic::Ordering::SeqCst);
                eprintln!("\nInterrupt received: no new steps will start; waiting for running steps to finish (Ctrl-C again to exit now).");
            }
        });
    });
    let _ = installed.recv_timeout(std::time::Duration::from_secs(5));
}

fn unix_time() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// `drplan drill`: never in the default workspace (that is the real recovery's).
pub(super) fn drill(args: &DrillArgs, order: &[String]) -> Result<Exit, Error> {
    let mut config = args.config.clone();
    if config.workspace == "default" {
        config.workspace = "drill".into();
    }
    let load = config.load_options(order);
    let dir = args.report_dir.clone().unwrap_or_else(|| config.dir.join(".drplan"));
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::Io { context: format!("creating {}", dir.display()), source: e })?;
    let stamp = format!("{}-{}", unix_time(), std::process::id());
    let file = FileJournal::create(&dir, &format!("drill-{stamp}.jsonl"))
        .map_err(|e| Error::Io { context: format!("creating the journal in {}", dir.display()), source: e })?;
    let execute = ExecuteOptions {
        aws: args.aws.cloud(),
        schedule: apply::Options { parallelism: args.parallelism.max(1), ..apply::Options::default() },
        polling: Polling::default(),
        declared_at: args.failure_declared_at,
    };
    let check_progress = Box::new(|line: String| eprintln!("{line}"));
    let opts = crate::ops::drill::DrillOptions { load, execute, keep: args.keep, check_progress };
    let started_at = crate::timefmt::now_rfc3339();
    eprintln!(
        "Drill of workspace \"{}\": applying, checking, then cleaning up{}.",
        config.workspace,
        if args.keep { " (no: --keep)" } else { "" }
    );
    let report = crate::ops::drill::drill(&opts, Arc::new(Progress::new(file)), started_at)?;
    let markdown = render::drill::markdown(&report);
    let md_path = dir.join(format!("drill-{stamp}.md"));
    let json_path = dir.join(format!("drill-{stamp}.json"));
    let json = serde_json::to_string_pretty(&report).expect("a report serializes") + "\n";
    for (path, text) in [(&md_path, &markdown), (&json_path, &json)] {
        std::fs::write(path, text)
            .map_err(|e| Error::Io { context: format!("writing {}", path.display()), source: e })?;
    }
    print(&format!("\n{markdown}\nReports: {} and {}\n", md_path.display(), json_path.display()))?;
    if report.passed { Ok(Exit::Success) } else { Err(Error::DrillFailed(report.failures.join("; "))) }
}
