//! `drplan fmt` as a Terraform user runs it: lists, checks, diffs and rewrites, refusing files
//! that do not parse without touching any file.

use crate::harness::{drplan_in, root};

const ORACLE: &str = "tests/fixtures/oracle/fmt";

#[test]
fn fmt_checks_diffs_and_rewrites_like_terraform_fmt() {
    let dir = tempfile::tempdir().unwrap();
    let input = std::fs::read_to_string(root().join(ORACLE).join("blocks.tf.in")).unwrap();
    let golden = std::fs::read_to_string(root().join(ORACLE).join("blocks.tf.golden")).unwrap();
    std::fs::write(dir.path().join("main.tf"), &input).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "x   =  1\n").unwrap();

    let check = drplan_in(dir.path(), &["fmt", "-check"], &[]);
    assert_eq!(check.code, 3, "{}", check.stderr);
    assert_eq!(check.stdout, "main.tf\n");
    let diff = drplan_in(dir.path(), &["fmt", "-diff", "-write=false", "-list=false"], &[]);
    assert_eq!(diff.code, 0, "{}", diff.stderr);
    assert!(
        diff.stdout.contains("+  source = \"./net\"") && diff.stdout.contains("-  source=\"./net\""),
        "{}",
        diff.stdout
    );
    assert_eq!(std::fs::read_to_string(dir.path().join("main.tf")).unwrap(), input, "-write=false writes nothing");

    let write = drplan_in(dir.path(), &["fmt"], &[]);
    assert_eq!((write.code, write.stdout.as_str()), (0, "main.tf\n"), "{}", write.stderr);
    assert_eq!(std::fs::read_to_string(dir.path().join("main.tf")).unwrap(), golden);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
        "x   =  1\n",
        "only configuration files"
    );
    let again = drplan_in(dir.path(), &["fmt", "--check"], &[]);
    assert_eq!((again.code, again.stdout.as_str()), (0, ""));
}

#[test]
fn fmt_refuses_what_does_not_parse_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.tf"), "x   =  1\n").unwrap();
    std::fs::write(dir.path().join("b.tf"), "resource \"x\" \"y\" {\n  a = \n}\n").unwrap();
    let run = drplan_in(dir.path(), &["fmt"], &[]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("b.tf:"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(dir.path().join("a.tf")).unwrap(), "x   =  1\n");
}

/// What the repository ships is formatted, by drplan's fmt...
#[test]
fn examples_and_modules_are_fmt_clean() {
    let run = drplan_in(&root(), &["fmt", "-check", "-recursive", "examples", "modules"], &[]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
}

/// ... and by Terraform's own `fmt`.
#[cfg_attr(drplan_no_terraform, ignore = "needs terraform and its provider mirror")]
#[test]
fn examples_and_modules_are_terraform_fmt_clean() {
    let out = std::process::Command::new("terraform")
        .args(["fmt", "-check", "-recursive", "examples", "modules"])
        .current_dir(root())
        .output()
        .expect("terraform runs (the `terraform` tier)");
    assert!(out.status.success(), "terraform fmt -check: {}", String::from_utf8_lossy(&out.stdout));
}
