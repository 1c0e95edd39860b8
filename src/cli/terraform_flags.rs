//! Terraform's single-dash spelling of long flags (`-var`, `-out=plan`, `-auto-approve`,
//! `-json`), accepted as drplan's double-dash ones, so commands copied from Terraform habits work.
//! Only names drplan defines are rewritten; anything else reaches clap unchanged (and its error).

use clap::CommandFactory as _;

/// The arguments with `-name` and `-name=value` turned into `--name...` where `name` is a long
/// flag of drplan's, and `-json` into `--format=json`.
pub fn normalize(args: Vec<String>) -> Vec<String> {
    let longs = long_flags();
    args.into_iter()
        .enumerate()
        .map(|(i, arg)| {
            let Some(rest) = arg.strip_prefix('-').filter(|r| i > 0 && r.len() > 1 && !r.starts_with('-')) else {
                return arg;
            };
            let name = rest.split('=').next().unwrap_or_default();
            if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
                return arg;
            }
            if name == "json" && rest == "json" {
                return "--format=json".into();
            }
            if longs.iter().any(|l| l == name) { format!("-{arg}") } else { arg }
        })
        .collect()
}

fn long_flags() -> Vec<String> {
    fn collect(cmd: &clap::Command, out: &mut Vec<String>) {
        out.extend(cmd.get_arguments().filter_map(|a| a.get_long()).map(str::to_string));
        cmd.get_subcommands().for_each(|s| collect(s, out));
    }
    let mut out = Vec::new();
    collect(&super::Cli::command(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn terraform_spellings_become_drplan_flags() {
        assert_eq!(
            normalize(args("drplan plan -var region=x -var-file=a.tfvars -out=p.plan -json -detailed-exitcode .")),
            args("drplan plan --var region=x --var-file=a.tfvars --out=p.plan --format=json --detailed-exitcode ."),
        );
        assert_eq!(normalize(args("drplan apply -auto-approve p.plan")), args("drplan apply --auto-approve p.plan"));
        // Short flags, values, negative numbers and unknown names are left to clap.
        assert_eq!(normalize(args("drplan -h")), args("drplan -h"));
        assert_eq!(normalize(args("drplan plan --var n=-5 -5 -nosuch")), args("drplan plan --var n=-5 -5 -nosuch"));
    }
}
