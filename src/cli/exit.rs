//! Exit statuses: the one table of what drplan's exit codes mean to a calling script, and the
//! one place an error becomes one. Commands return a [`Status`]; `main` turns it (or the error's
//! [`Status::of`]) into the process's exit code.

use std::process::ExitCode;

use crate::error::Error;

/// How a command ended, as a script sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// 0: done (`plan --detailed-exitcode`: and no changes).
    Success,
    /// 1: an error (and usage errors, as Terraform; clap's 2 would read as "changes present"),
    /// or `validate -json` found the configuration invalid after printing its document.
    Failed,
    /// 2: `plan --detailed-exitcode`: the plan has changes.
    Changes,
    /// 3: done, but a person must look: `fmt -check` found files to format, `readiness` found a
    /// blocker, `plan --enforce-objectives` breaches an objective.
    NeedsAttention,
    /// 4: `apply` stopped at an approval gate; the resume command was printed.
    AwaitingApproval,
    /// 130: a second interrupt while apply waited for its running steps.
    Interrupted,
}

impl Status {
    pub fn code(self) -> u8 {
        match self {
            Status::Success => 0,
            Status::Failed => 1,
            Status::Changes => 2,
            Status::NeedsAttention => 3,
            Status::AwaitingApproval => 4,
            Status::Interrupted => 130,
        }
    }

    /// An error's status: waiting for an approval is not a failure a script should retry.
    pub fn of(err: &Error) -> Status {
        match err {
            Error::AwaitingApproval { .. } => Status::AwaitingApproval,
            _ => Status::Failed,
        }
    }
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        ExitCode::from(status.code())
    }
}
