//! Command-line definitions (clap) and each command's thin `exec`, which calls one `ops`
//! function and prints its result. Exit codes are decided in `main`.

mod apply;
pub mod exit;
mod fmt;
mod output;
mod readiness;
pub mod terraform_flags;

use std::io::Write as _;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::cloud::Offline;
use crate::error::{Error, plural};
use crate::expand::inputs::VarArgs;
use crate::ops::plan::PlanOptions;
use crate::ops::{self, LoadOptions, graph::GraphFormat};
use crate::render::{self, Format, Style};
use exit::Status;

/// drplan: plan and rehearse the recovery of an AWS topology in a secondary region.
///
/// Describe in HCL (Terraform syntax) what must exist in the DR region; drplan checks the
/// description, shows its dependency graph, and plans it against live state.
#[derive(Debug, Parser)]
#[command(name = "drplan", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a configuration: syntax, references, types, schemas and the dependency graph.
    Validate(ValidateArgs),
    /// Print the dependency graph of resource instances (DOT or Mermaid).
    Graph(GraphArgs),
    /// Compare the configuration with live state and show what recovery would do.
    Plan(PlanArgs),
    /// Show a plan saved with `drplan plan --out`.
    Show(ShowArgs),
    /// Record the live state a plan needs (DR and primary regions) for offline and CI plans.
    Snapshot(SnapshotArgs),
    /// Build the DR region: plan, confirm, and execute concurrently in dependency order.
    Apply(ApplyArgs),
    /// Delete everything the stack owns in the DR region (never the primary region).
    Destroy(DestroyArgs),
    /// Write the Markdown runbook for this recovery: objectives, topology, steps, checks.
    Runbook(RunbookArgs),
    /// Rehearse: apply into an isolated workspace, run the checks, measure, clean up.
    Drill(DrillArgs),
    /// Would a failover work right now? Findings with evidence and fixes, read-only.
    ///
    /// Plans the failover phase unless --phase says otherwise. Exit 0 ready, 3 when a blocker is
    /// found, 1 on errors.
    Readiness(readiness::ReadinessArgs),
    /// Print the root module's outputs, evaluated from the live state (there is no state file).
    ///
    /// `--format json` and `--raw` as Terraform's `output -json` and `output -raw NAME`.
    Output(output::OutputArgs),
    /// Print a shell completion script: drplan completions bash > /etc/bash_completion.d/drplan
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Rewrite configuration files in the canonical layout, as `terraform fmt` does.
    ///
    /// Lists the files it changed. Exit 0, or 3 with --check when a file is not formatted.
    Fmt(fmt::FmtArgs),
    /// Print drplan's version (as --version does).
    Version,
}

#[derive(Debug, Args)]
pub struct DrillArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Keep what the drill created (destroy it later with drplan destroy --workspace NAME).
    #[arg(long)]
    pub keep: bool,
    /// Where the reports (Markdown and JSON) go (default: .drplan/ in the configuration directory).
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// Steps running at once, over all services.
    #[arg(long, value_name = "N", default_value_t = 32)]
    pub parallelism: usize,
    /// When the failure was declared (RFC 3339, e.g. 2026-12-04T06:00:00Z): `sql` checks with
    /// `max_age` measure the recovery point as how much older than this the newest row is
    /// (default: when this command started).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub failure_declared_at: Option<std::time::SystemTime>,
    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Debug, Args)]
pub struct RunbookArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Live state: a snapshot file, or `empty`. Without it, drplan reads AWS.
    #[arg(long, value_name = "PATH|empty", value_parser = Offline::parse)]
    pub live: Option<Offline>,
    /// Write the runbook here instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Calibrate step durations from apply journals (files or directories; repeatable).
    #[arg(long, value_name = "JOURNAL")]
    pub calibrate: Vec<PathBuf>,
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// How apply and destroy execute.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Skip the interactive "yes" confirmation of the plan (not the approval gates).
    #[arg(long)]
    pub auto_approve: bool,
    /// Approve the gates `recovery { approve = [...] }` sets (before the cutover, before the
    /// steps it names) without asking: how a stopped apply resumes.
    #[arg(long)]
    pub approve_gates: bool,
    /// Steps running at once, over all services.
    #[arg(long, value_name = "N", default_value_t = 32)]
    pub parallelism: usize,
    /// Steps running at once per AWS service, e.g. --service-limit rds=4 (repeatable); `provider`
    /// names the writes of types served through terraform-provider-aws.
    #[arg(long = "service-limit", value_name = "SERVICE=N", value_parser = parse_limit)]
    pub service_limits: Vec<(String, usize)>,
    /// Plan and execute only this resource or module and what it depends on (repeatable).
    #[arg(long = "target", value_name = "ADDRESS")]
    pub targets: Vec<String>,
    /// Where the JSON-lines journal goes (default: .drplan/ in the configuration directory).
    #[arg(long, value_name = "DIR")]
    pub journal_dir: Option<PathBuf>,
    #[command(flatten)]
    pub aws: AwsArgs,
}

fn parse_time(text: &str) -> Result<std::time::SystemTime, String> {
    aws_smithy_types::DateTime::from_str(text, aws_smithy_types::date_time::Format::DateTime)
        .ok()
        .and_then(|t| std::time::SystemTime::try_from(t).ok())
        .ok_or_else(|| format!("{text:?} is not an RFC 3339 time, like 2026-12-04T06:00:00Z"))
}

fn parse_limit(text: &str) -> Result<(String, usize), String> {
    let (k, v) = text.split_once('=').ok_or("expected SERVICE=N, e.g. rds=4")?;
    Ok((k.to_string(), v.parse().map_err(|_| format!("{v:?} is not a number"))?))
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A configuration directory, or a plan file saved with `drplan plan --out` (applied exactly,
    /// without asking, and refused when stale).
    #[arg(value_name = "DIR|PLANFILE", default_value = ".")]
    pub source: PathBuf,
    #[command(flatten)]
    pub vars: VarFlags,
    /// When the failure was declared (RFC 3339, e.g. 2026-12-04T06:00:00Z): `sql` checks with
    /// `max_age` measure the recovery point as how much older than this the newest row is
    /// (default: when this command started).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub failure_declared_at: Option<std::time::SystemTime>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args)]
pub struct DestroyArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

/// Variables and workspace, for commands whose positional argument is not a directory.
#[derive(Debug, Args)]
pub struct VarFlags {
    /// Set a root variable: --var NAME=VALUE (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = VarArgs::parse_var)]
    pub vars: Vec<(String, String)>,
    /// Read variables from a .tfvars or .tfvars.json file (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// Workspace name, seen as drplan.workspace and terraform.workspace.
    #[arg(long, default_value = "default", env = "DRPLAN_WORKSPACE")]
    pub workspace: String,
    /// Failover phase, seen as drplan.phase; a saved plan is applied only in its own [default: standby]
    #[arg(long, value_enum, env = "DRPLAN_PHASE")]
    pub phase: Option<crate::expand::Phase>,
}

/// How to reach AWS.
#[derive(Debug, Args)]
pub struct AwsArgs {
    /// Send every AWS call to this endpoint (moto, LocalStack). AWS_ENDPOINT_URL works too.
    #[arg(long, value_name = "URL", env = "AWS_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    /// How long the primary region may take to answer before planning goes on without it.
    #[arg(long, value_name = "DURATION", default_value = "20s", value_parser = parse_seconds)]
    pub primary_timeout: u64,
    /// How long one AWS call may take (connecting, and each attempt) before it fails with the
    /// operation and region named: an endpoint that accepts connections and never answers
    /// cannot hang drplan.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_seconds)]
    pub aws_timeout: u64,
}

impl AwsArgs {
    fn cloud(&self) -> crate::cloud::aws::Aws {
        crate::cloud::aws::Aws {
            endpoint_url: self.endpoint_url.clone(),
            primary_timeout: std::time::Duration::from_secs(self.primary_timeout),
            call_timeout: std::time::Duration::from_secs(self.aws_timeout.max(1)),
            ..Default::default()
        }
    }
}

fn parse_seconds(text: &str) -> Result<u64, String> {
    crate::timefmt::parse_duration(text).map_err(|e| format!("{e} (write e.g. 20s or 1m)"))
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Where to write the snapshot (JSON, see docs/live-state.md).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Live state: a snapshot file recorded with `drplan snapshot`, or `empty` for an empty DR
    /// region with no primary objects. Without it, drplan reads AWS.
    #[arg(long, value_name = "PATH|empty", value_parser = Offline::parse)]
    pub live: Option<Offline>,
    /// Save the plan (JSON) for `drplan show` and `drplan apply`.
    #[arg(long, value_name = "PLANFILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Exit 0 when there are no changes, 2 when there are (1 is always an error).
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Plan only this resource or module and what it depends on (repeatable).
    #[arg(long = "target", value_name = "ADDRESS")]
    pub targets: Vec<String>,
    /// Plan the deletion of everything the stack owns (what `drplan destroy` would do).
    #[arg(long)]
    pub destroy: bool,
    /// Exit 3 when the plan's estimates breach the recovery block's rto or rpo.
    #[arg(long)]
    pub enforce_objectives: bool,
    /// Calibrate step durations from apply journals (files or directories; repeatable).
    #[arg(long, value_name = "JOURNAL")]
    pub calibrate: Vec<PathBuf>,
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// `--format` of plan and show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    Human,
    Json,
    Markdown,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Human => Format::Human,
            FormatArg::Json => Format::Json,
            FormatArg::Markdown => Format::Markdown,
        }
    }
}

/// `--format` of graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormatArg {
    Dot,
    Mermaid,
}

impl From<GraphFormatArg> for GraphFormat {
    fn from(f: GraphFormatArg) -> GraphFormat {
        match f {
            GraphFormatArg::Dot => GraphFormat::Dot,
            GraphFormatArg::Mermaid => GraphFormat::Mermaid,
        }
    }
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    /// One line per resource (human format).
    #[arg(long)]
    pub compact: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A plan file written by `drplan plan --out`.
    pub planfile: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Options shared by every command that reads a configuration directory.
#[derive(Clone, Debug, Args)]
pub struct ConfigArgs {
    /// Configuration directory.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Set a root variable: --var NAME=VALUE (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = VarArgs::parse_var)]
    pub vars: Vec<(String, String)>,
    /// Read variables from a .tfvars or .tfvars.json file (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// Workspace name, seen as drplan.workspace and terraform.workspace.
    #[arg(long, default_value = "default", env = "DRPLAN_WORKSPACE")]
    pub workspace: String,
    /// Failover phase, seen as drplan.phase (and var.drplan_phase when declared) [default: standby]
    #[arg(long, value_enum, env = "DRPLAN_PHASE")]
    pub phase: Option<crate::expand::Phase>,
}

impl ConfigArgs {
    /// Clap gives --var and --var-file separately; Terraform applies them in command-line order.
    pub(crate) fn load_options(&self, matches_order: &[String]) -> LoadOptions {
        let mut vars = self.vars.iter();
        let mut files = self.var_files.iter();
        let mut items = Vec::new();
        for flag in matches_order {
            match flag.as_str() {
                "var" => items.extend(vars.next().cloned().map(Ok)),
                _ => items.extend(files.next().cloned().map(Err)),
            }
        }
        items.extend(vars.cloned().map(Ok));
        items.extend(files.cloned().map(Err));
        LoadOptions {
            dir: self.dir.clone(),
            vars: VarArgs { items },
            workspace: self.workspace.clone(),
            phase: self.phase,
            lenient_keys: true,
            provider: crate::provider::Env::from_process(),
        }
    }
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Output format: human, or json (Terraform's `validate -json` document, for editors).
    #[arg(long, value_enum, default_value = "human")]
    pub format: ValidateFormatArg,
}

/// `--format` of validate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ValidateFormatArg {
    Human,
    Json,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "dot")]
    pub format: GraphFormatArg,
}

/// The order in which --var and --var-file appeared, from the raw arguments.
pub fn var_flag_order(args: &[String]) -> Vec<String> {
    args.iter()
        .filter_map(|a| {
            let flag = a.split('=').next().unwrap_or("");
            match flag {
                "--var" => Some("var".to_string()),
                "--var-file" => Some("var-file".to_string()),
                _ => None,
            }
        })
        .collect()
}

pub fn exec(cli: Cli, raw_args: &[String]) -> Result<Status, Error> {
    let order = var_flag_order(raw_args);
    match cli.command {
        Command::Validate(args) => validate(&args.config.load_options(&order), args.format),
        Command::Fmt(args) => fmt::exec(&args),
        Command::Version => {
            print(&format!("drplan v{}\n", env!("CARGO_PKG_VERSION")))?;
            Ok(Status::Success)
        }
        Command::Plan(args) => plan(&args, &order),
        Command::Snapshot(args) => {
            let aws = args.aws.cloud();
            ops::refuse_overwriting_inputs(&args.out, &args.config.load_options(&order), None)?;
            let snap = ops::snapshot::snapshot(&args.config.load_options(&order), &aws)?;
            ops::snapshot::write(&args.out, &snap)?;
            let unavailable: Vec<String> =
                snap.unavailable_regions.iter().map(|u| format!("{} ({})", u.region, u.reason)).collect();
            eprintln!(
                "Recorded {} objects in {} to {} ({} API calls).",
                snap.objects.len(),
                snap.regions.join(", "),
                args.out.display(),
                aws.calls.load(std::sync::atomic::Ordering::Relaxed)
            );
            if !unavailable.is_empty() {
                eprintln!("Warning: could not read {}.", unavailable.join(", "));
            }
            Ok(Status::Success)
        }
        Command::Show(args) => {
            let mut plan = ops::plan::read_plan(&args.planfile)?;
            // Where the configuration lives is file metadata, not part of the plan shown.
            plan.config_dir = None;
            print_with(|out| render::write(&plan, args.output.format.into(), style(&args.output), out))?;
            Ok(Status::Success)
        }
        Command::Apply(args) => {
            let config = ConfigArgs {
                dir: args.source.clone(),
                vars: args.vars.vars.clone(),
                var_files: args.vars.var_files.clone(),
                workspace: args.vars.workspace.clone(),
                phase: args.vars.phase,
            };
            let what = apply::Verb::Apply { declared_at: args.failure_declared_at };
            apply::apply(&config, &args.run, raw_args, &order, what)
        }
        Command::Destroy(args) => apply::apply(&args.config, &args.run, raw_args, &order, apply::Verb::Destroy),
        Command::Drill(args) => apply::drill(&args, &order),
        Command::Readiness(args) => readiness::exec(&args, &order),
        Command::Output(args) => output::exec(&args, &order),
        Command::Completions { shell } => {
            use clap::CommandFactory as _;
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "drplan", &mut out);
            print(&String::from_utf8_lossy(&out))?;
            Ok(Status::Success)
        }
        Command::Runbook(args) => {
            let aws = args.aws.cloud();
            let cloud = live_or_aws(args.live.as_ref(), &aws);
            let opts = PlanOptions {
                load: args.config.load_options(&order),
                cloud,
                targets: Vec::new(),
                destroy: false,
                calibration: crate::recovery::Calibration::from_paths(&args.calibrate)?,
            };
            let text = render::runbook::render(&ops::runbook::runbook(&opts)?);
            match &args.out {
                Some(path) => {
                    std::fs::write(path, text)
                        .map_err(|e| Error::Io { context: format!("writing {}", path.display()), source: e })?;
                    eprintln!("Wrote the runbook to {}.", path.display());
                }
                None => print(&text)?,
            }
            Ok(Status::Success)
        }
        Command::Graph(args) => {
            let text = ops::graph::graph(&args.config.load_options(&order), args.format.into())?;
            print(&text)?;
            Ok(Status::Success)
        }
    }
}

/// Where a read-only command reads live state: a recorded snapshot or nothing (`--live`), else
/// AWS.
fn live_or_aws<'a>(live: Option<&'a Offline>, aws: &'a crate::cloud::aws::Aws) -> &'a dyn crate::cloud::Cloud {
    match live {
        Some(offline) => offline,
        None => aws,
    }
}

pub(crate) fn style(out: &OutputArgs) -> Style {
    Style { color: out.format == FormatArg::Human && stdout_color(), compact: out.compact }
}

/// Whether to colour standard output, decided once for every command: a terminal, unless
/// `NO_COLOR` or `TERM=dumb`; `CLICOLOR_FORCE` colours anyway (anstream's rules, as clap's).
pub(crate) fn stdout_color() -> bool {
    anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
}

fn plan(args: &PlanArgs, order: &[String]) -> Result<Status, Error> {
    let aws = args.aws.cloud();
    let cloud = live_or_aws(args.live.as_ref(), &aws);
    let opts = PlanOptions {
        load: args.config.load_options(order),
        cloud,
        targets: args.targets.clone(),
        destroy: args.destroy,
        calibration: crate::recovery::Calibration::from_paths(&args.calibrate)?,
    };
    if let Some(out) = &args.out {
        let live = match &args.live {
            Some(Offline::Snapshot(p)) => Some(p.as_path()),
            _ => None,
        };
        ops::refuse_overwriting_inputs(out, &opts.load, live)?;
    }
    let planned = ops::plan::plan(&opts)?;
    if !planned.config.warnings.is_empty() {
        eprint!("{}", planned.config.warnings.render(&planned.config.loaded.sources));
        eprintln!();
    }
    let mut plan = planned.plan;
    print_with(|out| render::write(&plan, args.output.format.into(), style(&args.output), out))?;
    if let Some(out) = &args.out {
        plan.config_dir = Some(args.config.dir.to_string_lossy().into_owned());
        ops::plan::write_plan(out, &plan)?;
        eprintln!("Saved the plan to {}. Apply exactly this plan with: drplan apply {}", out.display(), out.display());
    }
    if args.enforce_objectives && plan.recovery.breached() {
        eprintln!("Error: the plan breaches a recovery objective (see the estimates above).");
        return Ok(Status::NeedsAttention);
    }
    if args.enforce_objectives && plan.recovery.unproven() {
        eprintln!(
            "Error: the recovery time estimate rests on guesses for types with no known duration (see the estimates above); give them in recovery.durations, or calibrate from a drill's journal."
        );
        return Ok(Status::NeedsAttention);
    }
    Ok(if args.detailed_exitcode && plan.summary.has_changes() { Status::Changes } else { Status::Success })
}

fn validate(opts: &LoadOptions, format: ValidateFormatArg) -> Result<Status, Error> {
    if format == ValidateFormatArg::Json {
        // As `terraform validate -json`: the document on stdout, valid or not; exit 1 if not.
        let (text, valid) = match ops::validate::validate(opts) {
            Ok((config, _)) => (render::validate::document(&config.warnings, &config.loaded.sources, &opts.dir), true),
            Err(Error::Config { diagnostics, sources }) => {
                (render::validate::document(&diagnostics, &sources, &opts.dir), false)
            }
            Err(other) => return Err(other),
        };
        print(&text)?;
        return Ok(if valid { Status::Success } else { Status::Failed });
    }
    let (config, counts) = ops::validate::validate(opts)?;
    if !config.warnings.is_empty() {
        eprint!("{}", config.warnings.render(&config.loaded.sources));
        eprintln!();
    }
    print(&format!(
        "Success! {}, {}, {}.\n",
        plural(counts.resources, "resource"),
        plural(counts.data_sources, "data source"),
        plural(counts.modules, "module")
    ))?;
    Ok(Status::Success)
}

pub(crate) fn print(text: &str) -> Result<(), Error> {
    print_with(|out| out.write_all(text.as_bytes()))
}

/// Runs `write` over buffered standard output.
pub(crate) fn print_with(write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) -> Result<(), Error> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match write(&mut out).and_then(|()| out.flush()) {
        // A closed pipe (drplan graph | head) is not an error worth reporting.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|e| Error::Io { context: "writing to standard output".into(), source: e }),
    }
}
