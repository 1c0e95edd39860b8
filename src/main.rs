//! The `drplan` binary: parse the command line, run the command, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser as _;
use drplan::cli::exit::Status;
use drplan::cli::{self, Cli};
use drplan::error::Error;

fn main() -> ExitCode {
    let raw = cli::terraform_flags::normalize(std::env::args().collect());
    // A usage error exits 1, as in Terraform: clap's 2 would read as `--detailed-exitcode`'s
    // "changes present" in a CI script. Help and version exit 0.
    let cli = match Cli::try_parse_from(&raw) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { Status::Failed } else { Status::Success }.into();
        }
    };
    match cli::exec(cli, &raw) {
        Ok(status) => status.into(),
        Err(err) => report(&err),
    }
}

/// The one place errors become output; their exit status is [`Status::of`]'s.
fn report(err: &Error) -> ExitCode {
    match err {
        Error::Config { diagnostics, sources } => {
            eprint!("{}", diagnostics.render(sources));
            eprintln!("\n{err}.");
        }
        other => eprintln!("Error: {other}"),
    }
    Status::of(err).into()
}
