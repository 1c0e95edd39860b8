//! `drplan validate`: the examples pass; every bad configuration gets located diagnostics.

use crate::harness::{drplan, drplan_with_env, name_of, root, settings, subdirs};

/// Cases whose error is about the directory or the whole configuration, not a place in a file.
const UNLOCATED: &[&str] = &["empty-directory"];

#[test]
fn bad_configurations_get_clear_located_errors() {
    let cases = subdirs("tests/fixtures/bad");
    assert!(cases.len() >= 40, "the corpus has {} cases", cases.len());
    for dir in &cases {
        let name = name_of(dir);
        let args = ["validate", dir.as_str()];
        let run = drplan(&args);
        assert_eq!(run.code, 1, "{name}: expected failure\n{}", run.transcript(&args));
        assert!(!run.stderr.contains("panicked"), "{name} panicked:\n{}", run.stderr);
        assert!(run.stdout.is_empty(), "{name}: nothing on stdout on failure");
        assert!(run.stderr.starts_with("Error: "), "{name}: {}", run.stderr);
        if !UNLOCATED.contains(&name) {
            assert!(run.stderr.contains(&format!("--> {dir}/")), "{name}: no file:line:col\n{}", run.stderr);
            assert!(run.stderr.contains('^'), "{name}: no caret\n{}", run.stderr);
        }
        settings().bind(|| insta::assert_snapshot!(format!("validate-bad-{name}"), run.transcript(&args)));
    }
}

#[test]
fn every_diagnostic_is_reported_not_just_the_first() {
    let run = drplan(&["validate", "tests/fixtures/bad/many-errors-in-one-file"]);
    assert_eq!(run.stderr.matches("Error: ").count(), 5, "{}", run.stderr);
    assert!(run.stderr.trim_end().ends_with("5 errors in the configuration."), "{}", run.stderr);
}

#[test]
fn examples_validate() {
    examples_validate_for(crate::harness::plain_examples());
}

#[cfg_attr(
    drplan_no_provider,
    ignore = "needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn provider_examples_validate() {
    examples_validate_for(crate::harness::provider_examples());
}

fn examples_validate_for(examples: Vec<(String, crate::harness::Runner)>) {
    for (dir, runner) in examples {
        let args = ["validate", dir.as_str()];
        let run = runner.drplan(&args);
        assert_eq!(run.code, 0, "{}", run.transcript(&args));
        assert!(run.stdout.starts_with("Success! "), "{}", run.stdout);
        settings()
            .bind(|| insta::assert_snapshot!(format!("validate-example-{}", name_of(&dir)), run.transcript(&args)));
    }
}

#[test]
fn variable_sources_follow_terraform_precedence() {
    let dir = "tests/fixtures/vars";
    // terraform.tfvars says 2, a.auto.tfvars says 3: the auto file wins over the default file.
    assert!(drplan(&["validate", dir]).stdout.starts_with("Success! 3 resources"));
    // Environment variables are the weakest source.
    let run = drplan_with_env(&["validate", dir], &[("DRPLAN_VAR_n", "7"), ("TF_VAR_n", "8")]);
    assert!(run.stdout.starts_with("Success! 3 resources"), "{}", run.stdout);
    // The command line is the strongest, applied in order.
    let run = drplan(&["validate", dir, "--var", "n=4", "--var-file", "tests/fixtures/vars/five.tfvars"]);
    assert!(run.stdout.starts_with("Success! 5 resources"), "{}", run.stdout);
    let run = drplan(&["validate", dir, "--var-file", "tests/fixtures/vars/five.tfvars", "--var", "n=4"]);
    assert!(run.stdout.starts_with("Success! 4 resources"), "{}", run.stdout);
}

#[test]
fn environment_variables_apply_when_no_file_sets_the_variable() {
    let dir = "tests/fixtures/vars";
    let run = drplan_with_env(&["validate", dir], &[("DRPLAN_VAR_zone", "z9"), ("TF_VAR_zone", "ignored")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = drplan_with_env(&["validate", dir, "--var", "zone=bad zone"], &[]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("zone must not contain spaces"), "{}", run.stderr);
}

#[test]
fn undeclared_command_line_variables_are_errors() {
    let run = drplan(&["validate", "tests/fixtures/vars", "--var", "m=1"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("Value for undeclared variable"), "{}", run.stderr);
    assert!(run.stderr.contains("did you mean \"n\"?"), "{}", run.stderr);
}

#[test]
fn a_missing_directory_is_an_error_not_a_panic() {
    let run = drplan(&["validate", "no/such/dir"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("Configuration directory not found"), "{}", run.stderr);
}

#[test]
fn help_reads_well() {
    let run = drplan(&["--help"]);
    assert_eq!(run.code, 0);
    settings().bind(|| insta::assert_snapshot!("help", run.stdout));
    let run = drplan(&["validate", "--help"]);
    settings().bind(|| insta::assert_snapshot!("help-validate", run.stdout));
}

/// A file named like configuration that cannot be read is an error, never silently left out:
/// with no state file, its objects would be planned for deletion.
#[test]
fn unreadable_configuration_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), "recovery {\n  stack  = \"s\"\n  region = \"us-west-2\"\n}\n").unwrap();
    std::fs::write(dir.path().join("extra.tf.json"), "{,}").unwrap();
    std::os::unix::fs::symlink("nowhere.tf", dir.path().join("dangling.tf")).unwrap();
    std::os::unix::fs::symlink("loop.tf", dir.path().join("loop.tf")).unwrap();
    let fifo = dir.path().join("pipe.tf");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let r = crate::harness::drplan(&["validate", &dir.path().display().to_string()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    for (file, why) in [
        ("dangling.tf", "dangling or looping link"),
        ("loop.tf", "dangling or looping link"),
        ("extra.tf.json", "Invalid JSON configuration"),
        ("pipe.tf", "not a regular file"),
    ] {
        assert!(r.stderr.contains(file) && r.stderr.contains(why), "{file}: {}", r.stderr);
    }
    assert!(r.stderr.contains("4 errors"), "{}", r.stderr);
}

/// A chain of thousands of modules is a located error at the first call past the limit, not
/// a stack overflow.
#[test]
fn deeply_chained_modules_are_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(
        root.join("main.tf"),
        "recovery {\n  stack  = \"s\"\n  region = \"us-west-2\"\n}\n\nmodule \"m\" {\n  source = \"../m0\"\n}\n",
    )
    .unwrap();
    for i in 0..5000 {
        let m = dir.path().join(format!("m{i}"));
        std::fs::create_dir_all(&m).unwrap();
        std::fs::write(m.join("main.tf"), format!("module \"m\" {{\n  source = \"../m{}\"\n}}\n", i + 1)).unwrap();
    }
    std::fs::create_dir_all(dir.path().join("m5000")).unwrap();
    std::fs::write(dir.path().join("m5000/main.tf"), "locals {\n  x = 1\n}\n").unwrap();
    let r = crate::harness::drplan(&["validate", &root.display().to_string()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("Modules nested too deeply") && r.stderr.contains("at most 64"), "{}", r.stderr);
    assert!(r.stderr.contains("m62/main.tf:1:1"), "located at the 64th call: {}", r.stderr);
}

/// Error messages never show a sensitive value: not a function's error about it, not a
/// validation message that interpolates it (the snapshot of the same fixture shows the text).
#[test]
fn errors_about_sensitive_values_do_not_show_them() {
    let r = drplan(&["validate", "tests/fixtures/bad/sensitive-value-in-errors"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("3 errors"), "{}", r.stderr);
    assert!(!r.stderr.contains("hunter2"), "{}", r.stderr);
    let r = drplan(&["validate", "tests/fixtures/bad/sensitive-value-in-errors", "--var", "secret=swordfish"]);
    assert!(!r.stderr.contains("swordfish"), "{}", r.stderr);
}

/// A malformed .tfvars.json is located (line and column, the reason); a malformed --var is
/// reported without its text, which may be the secret itself; terraform.tfvars.json and
/// *.auto.tfvars.json are read, as in Terraform.
#[test]
fn variable_file_and_flag_errors_are_located_and_never_echo_values() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), "recovery {\n  stack  = \"s\"\n  region = \"us-west-2\"\n}\n\nvariable \"n\" {\n  type = number\n}\n\nvariable \"m\" {\n  type    = number\n  default = 0\n}\n").unwrap();
    std::fs::write(dir.path().join("terraform.tfvars.json"), "{ \"n\": 3 }\n").unwrap();
    std::fs::write(dir.path().join("b.auto.tfvars.json"), "{ \"m\": 4 }\n").unwrap();
    let config = dir.path().display().to_string();
    let r = drplan(&["validate", &config]);
    assert_eq!(r.code, 0, "the JSON variable files are read: {}", r.stderr);

    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\n  \"n\": 3,\n  \"m\": [1,\n}\n").unwrap();
    let r = drplan(&["validate", &config, "--var-file", &bad.display().to_string()]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("bad.json:4:1") && r.stderr.contains("not valid JSON"), "{}", r.stderr);

    let r = drplan(&["validate", &config, "--var", "hunter2"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("Invalid --var") && !r.stderr.contains("hunter2"), "{}", r.stderr);
}

#[test]
fn validate_treats_unset_required_variables_as_unknown_and_plan_requires_them() {
    let dir = "tests/fixtures/plans/required-variable-unset";
    let run = drplan(&["validate", dir]);
    assert_eq!(run.code, 0, "as terraform validate, values are not needed: {}", run.stderr);
    let run = drplan(&["plan", dir, "--live", "empty"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("Error: No value for required variable"), "{}", run.stderr);
    assert!(run.stderr.contains(&format!("--> {dir}/main.tf:1:1")), "{}", run.stderr);
    let run = drplan(&["plan", dir, "--live", "empty", "--var", "domain=dr.example.com"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// Copies a fixture directory (with its hidden `.terraform`) into a temporary one.
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn registry_and_git_modules_load_from_terraform_inits_manifest() {
    let fixture = crate::harness::root().join("tests/fixtures/plans/registry-module");
    let run = drplan(&["validate", fixture.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("3 resources"), "{}", run.stdout);

    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&fixture, tmp.path());
    let dir = tmp.path().to_str().unwrap();
    let manifest = tmp.path().join(".terraform/modules/modules.json");
    let original = std::fs::read_to_string(&manifest).unwrap();
    let main = tmp.path().join("main.tf");
    let main_text = std::fs::read_to_string(&main).unwrap();
    let expect = |what: &str, needle: &str| {
        let run = drplan(&["validate", dir]);
        assert_eq!(run.code, 1, "{what}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{what}: {}", run.stderr);
        assert!(run.stderr.contains("main.tf:"), "{what}: located: {}", run.stderr);
        assert_eq!(run.stderr.matches("Error: ").count(), 1, "{what}: reported once: {}", run.stderr);
    };
    std::fs::write(&manifest, original.replace("5.8.1", "6.0.0")).unwrap();
    expect("version", "The installed version 6.0.0 of module \"vpc\" does not match the constraint \"~> 5.0\"");
    std::fs::write(&manifest, original.replace("vpc/aws", "rds/aws")).unwrap();
    expect("source", "Module source has changed");
    std::fs::write(&manifest, original.replace("\"Key\":\"dns\"", "\"Key\":\"other\"")).unwrap();
    expect("entry", "lists no module \"dns\"");
    std::fs::write(&manifest, "{ not json").unwrap();
    expect("malformed", "Cannot read the module manifest");
    std::fs::remove_file(&manifest).unwrap();
    let run = drplan(&["validate", dir]);
    assert_eq!(run.stderr.matches("Error: Module not installed").count(), 2, "{}", run.stderr);
    assert!(run.stderr.contains("run terraform init in"), "{}", run.stderr);
    std::fs::write(&manifest, &original).unwrap();
    std::fs::write(
        &main,
        main_text
            .replace("git::https://example.com/platform/dns-failover.git?ref=v1.2.0\"", "./dns\"\n  version = \"1.0\""),
    )
    .unwrap();
    std::fs::create_dir(tmp.path().join("dns")).unwrap();
    std::fs::copy(tmp.path().join(".terraform/modules/dns/main.tf"), tmp.path().join("dns/main.tf")).unwrap();
    expect("local version", "Cannot apply a version constraint to module \"dns\" because it has a relative local path");
}

#[test]
fn unsupported_types_are_reported_once_per_block_with_one_summary() {
    let run = drplan(&["validate", "tests/fixtures/bad/unsupported-types-said-once"]);
    // Four blocks (one in a module called twice), each once; the supported list once.
    assert_eq!(run.stderr.matches("Error: Unsupported").count(), 4, "{}", run.stderr);
    assert_eq!(run.stderr.matches("Supported resource types:").count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("4 blocks of 3 unsupported types: aws_ecs_service, aws_s3_bucket, data.aws_iam_role."));
}

/// A `--var` value the fuzzer found (nested, unclosed objects): it took minutes to reject
/// through hcl-edit's expression parser; now a prompt, located error.
#[test]
fn a_pathological_var_value_is_rejected_promptly() {
    let text = std::fs::read_to_string(crate::harness::root().join("tests/fixtures/vars/slow-var.txt")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let decl = "variable \"l\" {\n  type    = list(object({ name = string }))\n  default = []\n}\nrecovery {\n  stack  = \"f\"\n  region = \"us-west-2\"\n}\n";
    std::fs::write(dir.path().join("main.tf"), decl).unwrap();
    let r = crate::harness::drplan(&["validate", &dir.path().display().to_string(), "--var", text.trim_end()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("Invalid value for input variable") && r.stderr.contains("main.tf:1:1"), "{}", r.stderr);
}

/// Inputs the fuzzer found on which hcl-edit backtracked exponentially (operator chains around
/// unclosed objects), as a `.tf` file, a tfvars file and a `--var`: each is a prompt, located
/// error. The limit only turns a regression into a failure instead of a stalled CI; the parse
/// itself takes well under a millisecond (vendor/hcl-edit/DRPLAN-PATCH.md).
#[test]
fn a_pathological_config_is_rejected_promptly() {
    let limit = std::time::Duration::from_secs(60);
    let recovery = "recovery {\n  stack  = \"f\"\n  region = \"us-west-2\"\n}\nvariable \"l\" {\n  type    = list(any)\n  default = []\n}\n";
    for name in ["slow-parse-1.bin", "slow-parse-2.bin"] {
        let bytes = std::fs::read(crate::harness::root().join("tests/fixtures/hostile").join(name)).unwrap();
        // The `vars` fuzz target's format: one selector byte, then one `NAME=VALUE` per line.
        let text = String::from_utf8_lossy(&bytes[1..]).into_owned();
        let line = text.lines().max_by_key(|l| l.len()).unwrap();
        let value = line.strip_prefix("l=").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().display().to_string();
        std::fs::write(dir.path().join("main.tf"), format!("{recovery}locals {{\n  l = {value}\n}}\n")).unwrap();
        let r = crate::harness::drplan_within(&["validate", &path], limit);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(r.stderr.contains("main.tf:11:"), "{name}: {}", r.stderr);
        std::fs::write(dir.path().join("main.tf"), recovery).unwrap();
        std::fs::write(dir.path().join("hostile.tfvars"), format!("l = {value}\n")).unwrap();
        let tfvars = dir.path().join("hostile.tfvars").display().to_string();
        let r = crate::harness::drplan_within(&["validate", &path, "--var-file", &tfvars], limit);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(r.stderr.contains("hostile.tfvars:1:"), "{name}: {}", r.stderr);
        let r = crate::harness::drplan_within(&["validate", &path, "--var", line], limit);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(r.stderr.contains("Invalid value for input variable"), "{name}: {}", r.stderr);
    }
}

/// Only `*.tf`, `*.tf.json` and `*.drplan.hcl` are configuration: a `terragrunt.hcl` beside it
/// (another tool's file, not valid Terraform) is not read, and the `recovery` block may live in a
/// `*.drplan.hcl` file of its own.
#[test]
fn other_tools_hcl_files_are_not_configuration() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("main.tf"), "provider \"aws\" {\n  region = \"us-west-2\"\n}\n\nresource \"aws_vpc\" \"main\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n").unwrap();
    std::fs::write(
        tmp.path().join("recovery.drplan.hcl"),
        "recovery {\n  stack  = \"hcl\"\n  region = \"us-west-2\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("terragrunt.hcl"),
        "include \"root\" {\n  path = find_in_parent_folders()\n}\ninputs = {\n",
    )
    .unwrap();
    let dir = tmp.path().display().to_string();
    let run = drplan(&["validate", &dir]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let plan = drplan(&["plan", &dir, "--live", "empty"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(
        plan.stdout.contains("Stack \"hcl\""),
        "the recovery block in recovery.drplan.hcl is read: {}",
        plan.stdout
    );
}

/// Terraform's CLI habits: a usage error exits 1 (2 is `--detailed-exitcode`'s "changes"),
/// help and version 0, `drplan version`, and single-dash long flags (`-var`, `-json`).
#[test]
fn usage_errors_exit_1_and_terraform_spellings_work() {
    let run = drplan(&["plan", "--no-such-flag"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(drplan(&["--help"]).code, 0);
    let version = drplan(&["version"]);
    assert_eq!(version.code, 0);
    assert_eq!(version.stdout, format!("drplan v{}\n", env!("CARGO_PKG_VERSION")));
    let dir = "tests/fixtures/plans/phases";
    let run = drplan(&["plan", dir, "-var", "drplan_phase=standby", "-json", "-live", "empty"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(plan["phase"], "standby");
}

/// `validate -json` is Terraform's document: for the same files (drplan's recovery block in a
/// `.drplan.hcl` file Terraform does not read), every field matches what `terraform validate
/// -json` printed (committed), except the snippet's enclosing-block `context`, which drplan
/// leaves null. Exit 1 when invalid, as Terraform.
#[test]
fn validate_json_is_terraforms_document() {
    let dir = "tests/fixtures/oracle/validate-json";
    let run = drplan(&["validate", dir, "-json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let mut ours: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let text = std::fs::read_to_string(format!("{dir}/terraform.json")).unwrap();
    let mut terraform: serde_json::Value = serde_json::from_str(&text).unwrap();
    for doc in [&mut ours, &mut terraform] {
        for d in doc["diagnostics"].as_array_mut().unwrap() {
            d["snippet"].as_object_mut().unwrap().remove("context");
        }
    }
    assert_eq!(ours, terraform);
    assert!(run.stdout.starts_with("{\n  \"format_version\": \"1.0\",\n  \"valid\": false,"), "Terraform's order");

    let ok = drplan(&["validate", "examples/webapp-dr", "--format", "json"]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let doc: serde_json::Value = serde_json::from_str(&ok.stdout).unwrap();
    assert_eq!((doc["valid"].as_bool(), doc["error_count"].as_u64()), (Some(true), Some(0)));
}

/// Terraform's habits: `drplan output` (evaluated from the live state, as there is no state
/// file), `-json` with Terraform's shape, `-raw NAME`; `completions` for the shells.
#[test]
fn outputs_and_completions_work_as_terraforms() {
    let live = "examples/pilot-light/live/converged.json";
    let all = drplan(&["output", "examples/pilot-light", "--live", live]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    assert_eq!(
        all.stdout,
        "database_endpoint = \"shop-db-dr.caa7280c06a.eu-west-1.rds.amazonaws.com:5432\"\nsite = \"https://shop.example.org\"\n"
    );
    let raw = drplan(&["output", "examples/pilot-light", "site", "--live", live, "-raw"]);
    assert_eq!((raw.code, raw.stdout.as_str()), (0, "https://shop.example.org"));
    let json = drplan(&["output", "examples/pilot-light", "--live", live, "-json"]);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        doc["site"],
        serde_json::json!({"sensitive": false, "type": "string", "value": "https://shop.example.org"})
    );
    let typo = drplan(&["output", "examples/pilot-light", "sit", "--live", live]);
    assert_eq!(typo.code, 1);
    assert!(typo.stderr.contains("did you mean \"site\"?"), "{}", typo.stderr);
    for shell in ["bash", "zsh", "fish"] {
        let script = drplan(&["completions", shell]);
        assert_eq!(script.code, 0, "{}", script.stderr);
        assert!(script.stdout.contains("readiness") && script.stdout.contains("approve-gates"), "{shell}");
    }
}

/// Every example (and the modules it calls) is valid Terraform: drplan's own blocks live in
/// `*.drplan.hcl` files, which Terraform does not read, and the phase is read through
/// `var.drplan_phase`. Runs `terraform init` (from the provider mirror) and `terraform validate`
/// where Terraform and the provider are installed, and says so where they are not.
#[cfg_attr(drplan_no_terraform, ignore = "needs terraform and its provider mirror")]
#[test]
fn examples_are_valid_terraform() {
    let mirror = std::env::var("DRPLAN_TEST_PROVIDER_MIRROR").unwrap_or_else(|_| "/opt/tf-plugins".into());
    let tmp = tempfile::tempdir().unwrap();
    let rc = tmp.path().join("terraformrc");
    std::fs::write(
        &rc,
        format!("provider_installation {{\n  filesystem_mirror {{\n    path = \"{mirror}\"\n  }}\n}}\n"),
    )
    .unwrap();
    let copy = |from: &str, to: &std::path::Path| {
        let status = std::process::Command::new("cp")
            .args(["-r", &crate::harness::root().join(from).display().to_string(), &to.display().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    };
    copy("modules", &tmp.path().join("modules"));
    std::fs::create_dir_all(tmp.path().join("examples")).unwrap();
    for ex in crate::harness::subdirs("examples") {
        let name = crate::harness::name_of(&ex).to_string();
        let dir = tmp.path().join("examples").join(&name);
        copy(&ex, &dir);
        let terraform = |args: &[&str]| {
            std::process::Command::new("terraform")
                .args(args)
                .current_dir(&dir)
                .env("TF_CLI_CONFIG_FILE", &rc)
                .env("TF_IN_AUTOMATION", "1")
                .output()
                .unwrap()
        };
        let init = terraform(&["init", "-backend=false", "-input=false", "-no-color"]);
        assert!(init.status.success(), "{name}: {}", String::from_utf8_lossy(&init.stderr));
        let validate = terraform(&["validate", "-no-color"]);
        let out = String::from_utf8_lossy(&validate.stdout);
        assert!(
            validate.status.success(),
            "{name} is not valid Terraform:\n{out}{}",
            String::from_utf8_lossy(&validate.stderr)
        );
        assert!(out.contains("Success! The configuration is valid."), "{name}: {out}");
        assert!(dir.join("dr.drplan.hcl").is_file(), "{name} keeps drplan's blocks apart");
    }
}

/// Terraform 1.11's answers (`terraform console`, recorded in the fixture's header) for what
/// real configurations trip on: a heredoc variable description, path.cwd absolute, a redefined
/// object key (the later wins), `null` as an object key, range() of a negative end, substr()
/// past the end, join() of several lists, a remainder by zero.
#[test]
fn language_semantics_match_terraform() {
    let run = drplan(&["output", "tests/fixtures/plans/language-semantics", "--live", "empty", "-json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let value = |name: &str| out[name]["value"].clone();
    assert_eq!(value("cwd_abs"), true);
    assert_eq!(value("dup"), serde_json::json!({"a": 2}));
    assert_eq!(value("nullkey"), serde_json::json!({"null": "yes"}));
    assert_eq!(value("range_neg"), serde_json::json!([0, -1, -2, -3, -4]));
    assert_eq!(value("substr_far"), "");
    assert_eq!(value("join_many"), "chicken-egg");
    assert_eq!(value("mod_zero"), 0);
}

/// Conflicts are checked on what is known, as the provider checks them while planning: two
/// arguments that conflict but are not known yet (either may be null at apply) are no error;
/// known, they are.
#[test]
fn conflicts_are_checked_only_on_known_values() {
    let tmp = tempfile::tempdir().unwrap();
    let config = "recovery {\n  stack  = \"az\"\n  region = \"us-west-2\"\n}\n\nvariable \"az\" {\n  type = string\n}\n\nvariable \"az_id\" {\n  type = string\n}\n\nresource \"aws_subnet\" \"a\" {\n  vpc_id               = \"vpc-1\"\n  cidr_block           = \"10.0.0.0/24\"\n  availability_zone    = var.az\n  availability_zone_id = var.az_id\n}\n";
    std::fs::write(tmp.path().join("main.tf"), config).unwrap();
    let dir = tmp.path().display().to_string();
    let unknown = drplan(&["validate", &dir]);
    assert_eq!(unknown.code, 0, "{}", unknown.stderr);
    let known = drplan(&["validate", &dir, "--var", "az=us-west-2a", "--var", "az_id=usw2-az1"]);
    assert_eq!(known.code, 1, "{}", known.stdout);
    assert!(known.stderr.contains("Conflicting configuration arguments"), "{}", known.stderr);
}

/// References to resources of any provider's types (terraform_data, null_resource, random_id),
/// declared later in the file or in another file, resolve as references to aws_* types do.
#[test]
fn references_to_any_resource_type_resolve_whatever_the_declaration_order() {
    let dir = "tests/fixtures/plans/later-references";
    let run = drplan(&["validate", dir]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let plan = drplan(&["plan", dir, "--live", "empty"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(plan.stdout.contains("Plan: 1 to add"), "{}", plan.stdout);
}

/// Sensitivity follows values, as Terraform's marks do: every output of
/// tests/fixtures/plans/sensitive-marks (members of a local object beside a secret,
/// `nonsensitive`, `issensitive`, `keys` and `length` of such an object) is Terraform 1.11.4's
/// value, and none needs `sensitive = true`; what Terraform refuses as sensitive, drplan refuses.
#[test]
fn sensitivity_follows_values_as_terraform_marks_do() {
    let dir = "tests/fixtures/plans/sensitive-marks";
    let run = drplan(&["output", dir, "--live", "empty", "-json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ours: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let theirs: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(root().join(dir).join("terraform-outputs.json")).unwrap())
            .unwrap();
    assert!(theirs.len() >= 19);
    for (name, value) in &theirs {
        assert_eq!(&ours[name]["value"], value, "output {name}");
        assert_eq!(ours[name]["sensitive"], false, "output {name}");
    }
    let head = "recovery {\n  stack  = \"s\"\n  region = \"us-west-2\"\n}\n\nvariable \"secret\" {\n  type      = string\n  sensitive = true\n  default   = \"hunter2\"\n}\n\nlocals {\n  db     = { username = \"admin\", password = var.secret }\n  nested = { inner = { x = \"1\", y = var.secret } }\n}\n\nvariable \"secret_map\" {\n  type      = map(string)\n  sensitive = true\n  default   = { a = \"b\" }\n}\n";
    // Each refused by `terraform plan` 1.11.4 as "Output refers to sensitive values".
    for refused in [
        "local.db",
        "local.db.password",
        "local.nested.inner",
        "length(var.secret)",
        "jsonencode(local.db)",
        "merge(local.db, {})",
        "\"${local.db.password}!\"",
        "[for k, v in local.db : v]",
        "[for k, v in var.secret_map : k]",
    ] {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("main.tf"), format!("{head}\noutput \"o\" {{\n  value = {refused}\n}}\n"))
            .unwrap();
        let run = drplan(&["validate", &tmp.path().display().to_string()]);
        assert_eq!(run.code, 1, "{refused}: {}", run.stdout);
        assert!(run.stderr.contains("Output refers to sensitive values"), "{refused}: {}", run.stderr);
        assert!(!run.stderr.contains("hunter2"), "{refused}: the secret leaked: {}", run.stderr);
    }
}

/// Sensitivity follows values, as Terraform's marks do: the size of a resource whose schema has
/// a sensitive attribute (`length(aws_db_instance.replica)`) and its other attributes are not
/// sensitive, so an output of them needs no `sensitive = true`; the whole object, or its
/// password, or the length of the password, still does.
#[test]
fn only_sensitive_attributes_make_an_output_sensitive() {
    let db = "resource \"aws_db_instance\" \"replica\" {\n  count               = 1\n  identifier          = \"replica\"\n  instance_class      = \"db.t3.micro\"\n  replicate_source_db = \"arn:aws:rds:us-east-1:123456789012:db:primary\"\n  password            = \"not-a-secret-to-anyone\"\n}\n";
    let head = "recovery {\n  stack  = \"s\"\n  region = \"us-west-2\"\n}\n\n";
    let check = |output: &str| {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("main.tf"), format!("{head}{db}\noutput \"x\" {{\n  value = {output}\n}}\n"))
            .unwrap();
        drplan(&["validate", &tmp.path().display().to_string()])
    };
    for fine in [
        "length(aws_db_instance.replica) > 0 ? aws_db_instance.replica[0].id : null",
        "aws_db_instance.replica[0].identifier",
    ] {
        let run = check(fine);
        assert_eq!(run.code, 0, "{fine}: {}", run.stderr);
    }
    for sensitive in [
        "aws_db_instance.replica[0]",
        "aws_db_instance.replica[0].password",
        "length(aws_db_instance.replica[0].password)",
    ] {
        let run = check(sensitive);
        assert_eq!(run.code, 1, "{sensitive}: {}", run.stdout);
        assert!(run.stderr.contains("Output refers to sensitive values"), "{sensitive}: {}", run.stderr);
    }
}

/// `for_each` over a map whose keys are known and some of whose values are sensitive is valid
/// (through a module input and through a local), as in Terraform; over a value sensitive as a
/// whole it is refused (tests/fixtures/bad/for-each-sensitive).
#[test]
fn for_each_over_a_map_with_sensitive_values_is_valid() {
    let dir = "tests/fixtures/plans/for-each-sensitive-values";
    let run = drplan(&["validate", dir]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("not-shown-anywhere") && !run.stderr.contains("not-shown-anywhere"));
    for format in ["human", "json"] {
        let plan = drplan(&["plan", dir, "--live", "empty", "--format", format]);
        assert_eq!(plan.code, 0, "{}", plan.stderr);
        assert!(!plan.stdout.contains("not-shown-anywhere"), "the sensitive value leaked:\n{}", plan.stdout);
    }
    let bad = drplan(&["validate", "tests/fixtures/bad/for-each-sensitive"]);
    assert_eq!(bad.code, 1, "{}", bad.stdout);
    assert!(bad.stderr.contains("Invalid for_each argument"), "{}", bad.stderr);
    // Sensitive as a whole, as `terraform plan` refuses them: a key from a sensitive value, and
    // a `for` expression over a sensitive collection.
    for whole in ["{ (var.secret) = 1 }", "{ for k, v in var.secrets : k => v }"] {
        let tmp = tempfile::tempdir().unwrap();
        let body = format!(
            "recovery {{\n  stack  = \"s\"\n  region = \"us-west-2\"\n}}\n\nvariable \"secret\" {{\n  default   = \"k\"\n  sensitive = true\n}}\n\nvariable \"secrets\" {{\n  default   = {{ k = \"v\" }}\n  sensitive = true\n}}\n\nresource \"aws_security_group\" \"s\" {{\n  for_each = {whole}\n  name     = each.key\n}}\n"
        );
        std::fs::write(tmp.path().join("main.tf"), body).unwrap();
        let run = drplan(&["validate", &tmp.path().display().to_string()]);
        assert_eq!(run.code, 1, "{whole}: {}", run.stdout);
        assert!(run.stderr.contains("Invalid for_each argument"), "{whole}: {}", run.stderr);
        assert!(!run.stderr.contains("\"k\""), "{whole}: the key leaked: {}", run.stderr);
    }
}

/// `template_file` and `local_file` are computed while planning, as their providers compute
/// them: a rendered template from its variables only, a file's content and digests.
#[test]
fn template_and_local_file_data_sources_are_computed() {
    let run = drplan(&["output", "tests/fixtures/plans/template-file", "--live", "empty", "-json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        out["user_data"]["value"],
        "#!/bin/sh\necho \"Recovered in the DR region\" > /etc/motd\necho \"DB_HOST=db.internal\" >> /etc/app.env\n"
    );
    // sha1("Recovered in the DR region\n"), as `sha1sum banner.txt` prints it.
    let sha1 = {
        use sha1::Digest as _;
        hex::encode(sha1::Sha1::digest(b"Recovered in the DR region\n"))
    };
    assert_eq!(out["banner_sha1"]["value"], serde_json::Value::String(sha1));
}

/// `cloudinit_config`, the data source and the resource, renders while planning: an instance's
/// user data is known on the first plan, the same on every plan, and no step is planned for it.
#[test]
fn cloudinit_documents_render_while_planning() {
    let dir = "tests/fixtures/plans/cloudinit";
    let run = drplan(&["plan", dir, "--live", "empty", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let after = |address: &str| {
        let changes = plan["resource_changes"].as_array().unwrap();
        changes.iter().find(|c| c["address"] == address).map(|c| c["change"]["after"].clone()).unwrap()
    };
    let user_data = after("aws_instance.app")["user_data"].as_str().unwrap().to_string();
    assert!(user_data.starts_with("Content-Type: multipart/mixed; boundary=\"MIMEBOUNDARY\"\nMIME-Version: 1.0\r\n"));
    assert!(user_data.contains("--MIMEBOUNDARY\r\nContent-Disposition: attachment; filename=\"boot.sh\"\r\nContent-Transfer-Encoding: 7bit\r\nContent-Type: text/x-shellscript\r\n"));
    let yaml = "\"packages\":\n- \"nginx\"\n";
    assert!(user_data.contains(&format!("X-Merge-Type: list(append)+dict(recurse_array)+str()\r\n\r\n{yaml}")));
    assert!(user_data.ends_with("\r\n--MIMEBOUNDARY--\r\n"), "{user_data}");
    let web = after("aws_instance.web")["user_data_base64"].as_str().unwrap().to_string();
    assert!(web.starts_with("H4sI"), "gzip, then base64: {web}");
    assert!(plan["resource_changes"].as_array().unwrap().iter().all(|c| c["type"] != "cloudinit_config"));
    let again = drplan(&["plan", dir, "--live", "empty", "--format", "json"]);
    assert_eq!(again.stdout, run.stdout, "the same document on every plan");
    let id = drplan(&["output", dir, "app_id", "-raw", "--live", "empty"]);
    assert_eq!(id.stdout.trim(), crc32fast::hash(user_data.as_bytes()).to_string(), "{}", id.stderr);
}

/// hashicorp/null's `null_data_source` gives its inputs back as outputs, while planning.
#[test]
fn null_data_sources_give_their_inputs_back() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "recovery {\n  stack  = \"n\"\n  region = \"us-west-2\"\n}\n\ndata \"null_data_source\" \"names\" {\n  inputs = {\n    bucket = \"dr-${upper(\"logs\")}\"\n  }\n}\n\noutput \"bucket\" {\n  value = data.null_data_source.names.outputs[\"bucket\"]\n}\n";
    std::fs::write(tmp.path().join("main.tf"), text).unwrap();
    let run = drplan(&["output", &tmp.path().display().to_string(), "bucket", "-raw", "--live", "empty"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "dr-LOGS"), "{}", run.stderr);
}

/// `recovery.unmanaged` takes any provider's types, not only AWS's: a type drplan cannot
/// serve (integrations/github here) is then planned around instead of being an error.
#[test]
fn any_providers_types_can_be_left_unmanaged() {
    let body = |unmanaged: &str| {
        format!(
            "recovery {{\n  stack     = \"s\"\n  region    = \"us-west-2\"\n  unmanaged = [{unmanaged}]\n}}\n\nresource \"github_repository\" \"runbooks\" {{\n  name       = \"dr-runbooks\"\n  visibility = \"private\"\n}}\n\nresource \"aws_vpc\" \"main\" {{\n  cidr_block = \"10.0.0.0/16\"\n  tags       = {{ Key = github_repository.runbooks.id }}\n}}\n"
        )
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().display().to_string();
    unmanaged_then_refused(tmp.path(), &body, "\"github_repository\"");
    std::fs::write(tmp.path().join("main.tf"), body("\"github\"")).unwrap();
    let bad = drplan(&["validate", &dir]);
    assert!(bad.stderr.contains("not a resource type"), "{}", bad.stderr);
}

/// An EKS DR configuration's `provider "kubernetes"` and `provider "helm"` blocks: once their
/// types are left to other tools, the blocks that configure those tools are accepted too; while
/// they are not, each resource says so (one error per type, with the hint), not its provider.
#[test]
fn other_providers_blocks_are_accepted_when_their_types_are_unmanaged() {
    let body = |unmanaged: &str| {
        format!(
            "recovery {{\n  stack     = \"s\"\n  region    = \"us-west-2\"\n  unmanaged = [{unmanaged}]\n}}\n\nprovider \"kubernetes\" {{\n  host                   = \"https://eks.example\"\n  cluster_ca_certificate = \"x\"\n}}\n\nprovider \"helm\" {{\n  kubernetes {{\n    host = \"https://eks.example\"\n  }}\n}}\n\nresource \"kubernetes_namespace\" \"app\" {{\n  metadata {{\n    name = \"app\"\n  }}\n}}\n\nresource \"aws_vpc\" \"main\" {{\n  cidr_block = \"10.0.0.0/16\"\n}}\n"
        )
    };
    let tmp = tempfile::tempdir().unwrap();
    let refused = unmanaged_then_refused(tmp.path(), &body, "\"kubernetes_*\"");
    assert_eq!(refused.stderr.matches("Error: ").count(), 1, "{}", refused.stderr);
    assert!(refused.stderr.contains("unmanaged"), "the hint: {}", refused.stderr);
}

/// Writes `body(unmanaged)` into `dir`: it validates and plans its one AWS resource. Then
/// `body("")`, refused with "Unsupported resource type", which is returned.
fn unmanaged_then_refused(
    dir: &std::path::Path,
    body: &dyn Fn(&str) -> String,
    unmanaged: &str,
) -> crate::harness::Run {
    let path = dir.display().to_string();
    std::fs::write(dir.join("main.tf"), body(unmanaged)).unwrap();
    let run = drplan(&["validate", &path]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let plan = drplan(&["plan", &path, "--live", "empty"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(plan.stdout.contains("Plan: 1 to add"), "{}", plan.stdout);
    std::fs::write(dir.join("main.tf"), body("")).unwrap();
    let refused = drplan(&["validate", &path]);
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    assert!(refused.stderr.contains("Unsupported resource type"), "{}", refused.stderr);
    refused
}
