//! The `drplan` binary: parse the command line, run the command, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser as _;
use drplan::cli::{self, Cli};
use drplan::error::Error;

fn main() -> ExitCode {
    let raw: Vec<String> = std::env::args().collect();
    let cli = Cli::parse();
    match cli::exec(cli, &raw) {
        Ok(code) => code,
        Err(err) => report(&err),
    }
}

/// The one place errors become output and exit codes. Exit 1 for every error, as Terraform.
fn report(err: &Error) -> ExitCode {
    match err {
        Error::Config { diagnostics, sources } => {
            eprint!("{}", diagnostics.render(sources));
            eprintln!("\n{err}.");
        }
        other => eprintln!("Error: {other}"),
    }
    ExitCode::from(1)
}
