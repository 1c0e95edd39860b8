//! `drplan fmt`: the command line over [`crate::ops::fmt`] (listing, diffs, `-check`'s exit 3).

use clap::Args;

use super::exit::Status;
use super::print;
use crate::error::Error;
use crate::ops;

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Files or directories (default: the current directory).
    pub targets: Vec<std::path::PathBuf>,
    /// Check only: write nothing, exit 3 if a file is not formatted.
    #[arg(long)]
    pub check: bool,
    /// Print the changes as a unified diff.
    #[arg(long)]
    pub diff: bool,
    /// Also format the subdirectories.
    #[arg(long)]
    pub recursive: bool,
    /// Write the results back (--write=false to only list or diff).
    #[arg(long, default_value_t = true, num_args = 0..=1, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub write: bool,
    /// List the files whose formatting changes (--list=false for silence).
    #[arg(long, default_value_t = true, num_args = 0..=1, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub list: bool,
}

pub(super) fn exec(args: &FmtArgs) -> Result<Status, Error> {
    let opts = ops::fmt::FmtOptions {
        targets: args.targets.clone(),
        recursive: args.recursive,
        write: args.write && !args.check,
    };
    let changed = ops::fmt::fmt(&opts)?;
    let mut out = String::new();
    for f in &changed {
        // As Terraform lists them: `main.tf`, not `./main.tf`.
        let name = f.path.strip_prefix(".").unwrap_or(&f.path).display().to_string();
        if args.list {
            out.push_str(&format!("{name}\n"));
        }
        if args.diff {
            let diff = similar::TextDiff::from_lines(&f.before, &f.after);
            out.push_str(&diff.unified_diff().header(&format!("old/{name}"), &format!("new/{name}")).to_string());
        }
    }
    print(&out)?;
    Ok(if args.check && !changed.is_empty() { Status::NeedsAttention } else { Status::Success })
}
