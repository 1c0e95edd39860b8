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
    print(&text)?;
    Ok(if report.ready { Status::Success } else { Status::NeedsAttention })
}
