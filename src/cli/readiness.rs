//! `drplan readiness`: a thin command over [`crate::ops::readiness`].

use clap::Args;

use super::exit::Status;
use super::{AwsArgs, ConfigArgs, FormatArg, live_or_aws, print};
use crate::cloud::Offline;
use crate::error::Error;
use crate::expand::Phase;

#[derive(Debug, Args)]
pub struct ReadinessArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Live state: a snapshot file, or `empty`. Without it, drplan reads AWS (and can also ask
    /// what the DR region offers: instance types, AMIs).
    #[arg(long, value_name = "PATH|empty", value_parser = Offline::parse)]
    pub live: Option<Offline>,
    /// Output format: human, json (stable, for monitors) or markdown (a CI job, a ticket).
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    /// Also write the result as Prometheus metrics to this file (replaced atomically), for
    /// node_exporter's textfile collector and alarms on a scheduled run.
    #[arg(long, value_name = "PATH")]
    pub textfile: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub aws: AwsArgs,
}

pub(super) fn exec(args: &ReadinessArgs, order: &[String]) -> Result<Status, Error> {
    let aws = args.aws.cloud();
    let cloud = live_or_aws(args.live.as_ref(), &aws);
    let mut load = args.config.load_options(order);
    load.phase = Some(load.phase.unwrap_or(Phase::Failover));
    let report = crate::ops::readiness::readiness(&load, cloud)?;
    let text = match args.format {
        FormatArg::Human => crate::render::readiness::human(&report),
        FormatArg::Json => report.to_json(),
        FormatArg::Markdown => crate::render::readiness::markdown(&report),
    };
    if let Some(path) = &args.textfile {
        write_atomically(path, &crate::render::metrics::prometheus(&report))?;
    }
    print(&text)?;
    Ok(if report.ready { Status::Success } else { Status::NeedsAttention })
}

/// Writes `text` beside `path`, then renames it into place: a collector reading the file
/// never sees half of it.
fn write_atomically(path: &std::path::Path, text: &str) -> Result<(), Error> {
    let io = |e: std::io::Error| Error::Io { context: format!("writing {}", path.display()), source: e };
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let partial = path.with_file_name(format!(".{name}.{}.partial", std::process::id()));
    std::fs::write(&partial, text).map_err(io)?;
    std::fs::rename(&partial, path).map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        io(e)
    })
}
