//! hashicorp/time and hashicorp/local's resources without a state file, on moto.
//!
//! Time: the first plan creates `time_static` and `time_rotating` (their base times are known
//! after apply); apply records each base time on the stack seed's secret and tags a VPC with
//! values computed from them; a plan from a fresh copy (another machine, no `.drplan/`) and an
//! offline plan from a snapshot see the same times and plan nothing; new `triggers` plan a new
//! base time and the dependents' changes.
//!
//! Local files: written when missing or edited on disk, nothing planned otherwise; a sensitive
//! file's content reaches no output or journal.

use drplan::eval::functions::time::parse;

use crate::apply::block_on;
use crate::harness::{Moto, Run, drplan_in};

const FIXTURE: &str = "tests/fixtures/plans/time-static";

fn checkout() -> tempfile::TempDir {
    crate::harness::checkout(FIXTURE)
}

fn run(moto: &Moto, dir: &tempfile::TempDir, args: &[&str]) -> Run {
    let env = moto.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    drplan_in(dir.path(), args, &env)
}

/// Tags as key and value pairs, sorted.
type Tags = Vec<(String, String)>;

/// The tags of the stack's VPC and of the stack seed's secret.
fn tags(moto: &Moto) -> (Tags, Tags) {
    block_on(async {
        let conf = moto.sdk("us-west-2").await;
        let vpcs = aws_sdk_ec2::Client::new(&conf)
            .describe_vpcs()
            .filters(aws_sdk_ec2::types::Filter::builder().name("tag:drplan:stack").values("times").build())
            .send()
            .await
            .unwrap();
        let [vpc] = vpcs.vpcs() else { panic!("one VPC: {vpcs:?}") };
        let mut vpc: Vec<_> = vpc.tags().iter().map(|t| (t.key().unwrap().into(), t.value().unwrap().into())).collect();
        let sm = aws_sdk_secretsmanager::Client::new(&conf);
        let seed = sm.describe_secret().secret_id("drplan/times/stack-seed").send().await.unwrap();
        let mut seed: Vec<_> =
            seed.tags().iter().map(|t| (t.key().unwrap().into(), t.value().unwrap().into())).collect();
        vpc.sort();
        seed.sort();
        (vpc, seed)
    })
}

#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[test]
fn base_times_are_recorded_once_and_seen_by_every_later_plan() {
    let moto = Moto::start();
    let first = checkout();
    let plan = run(&moto, &first, &["plan", "."]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    for line in [
        "# time_static.built will be created",
        "# time_rotating.credentials will be created",
        "# (no base time is recorded for it yet)",
        "\"BuiltAt\"   = (known after apply)",
        "Plan: 3 to add, 0 to change, 0 to destroy.",
        "Apply first creates the stack seed, secret drplan/times/stack-seed in us-west-2",
    ] {
        assert!(plan.stdout.contains(line), "{line}: {}", plan.stdout);
    }
    // time_offset takes its base from the configuration: nothing to record for it.
    assert!(!plan.stdout.contains("time_offset.review will be created"), "{}", plan.stdout);

    let apply = run(&moto, &first, &["apply", ".", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    let (vpc, seed) = tags(&moto);
    let tag = |name: &str| vpc.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).expect(name);
    let built = parse(&tag("BuiltAt")).expect("an RFC 3339 time");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!((now - built.epoch()).abs() < 600, "the time apply ran: {}", built.rfc3339());
    assert_eq!(tag("ReviewBy"), built.add_date(0, 0, 90).rfc3339(), "time_offset: 90 days after time_static");
    let rotates = parse(&tag("RotatesAt")).unwrap();
    assert!((rotates.epoch() - now - 30 * 86_400).abs() < 600, "time_rotating: 30 days on: {}", rotates.rfc3339());
    let recorded: Vec<_> = seed.iter().filter(|(k, _)| k.starts_with("drplan:time:")).collect();
    assert_eq!(recorded.len(), 2, "time_static and time_rotating, once each: {seed:?}");
    assert!(recorded.iter().any(|(_, v)| v.starts_with(&built.rfc3339())), "{seed:?}");

    // Another machine: the same times, nothing to change; offline from a snapshot too.
    let second = checkout();
    let again = run(&moto, &second, &["plan", "."]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
    assert!(again.stdout.contains(&format!("built = \"{}\"", built.rfc3339())), "{}", again.stdout);
    let snapshot = run(&moto, &second, &["snapshot", ".", "--out", "live.json"]);
    assert_eq!(snapshot.code, 0, "{}", snapshot.stderr);
    let offline = run(&moto, &second, &["plan", ".", "--live", "live.json"]);
    assert!(offline.stdout.contains("No changes."), "{}\n{}", offline.stdout, offline.stderr);

    // New triggers: a new base time, and what is computed from it changes with it.
    let changed = run(&moto, &second, &["plan", ".", "-var", "ami=ami-2"]);
    assert_eq!(changed.code, 0, "{}", changed.stderr);
    for line in [
        "# time_static.built will be created",
        "# (its triggers changed)",
        &format!("~ \"BuiltAt\"   = \"{}\" -> (known after apply)", built.rfc3339()),
        "Plan: 1 to add, 1 to change, 0 to destroy.",
    ] {
        assert!(changed.stdout.contains(line), "{line}: {}", changed.stdout);
    }
    assert!(!changed.stdout.contains("time_rotating.credentials will be"), "{}", changed.stdout);
}

#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[test]
fn local_files_are_written_when_they_do_not_hold_their_content() {
    let moto = Moto::start();
    let dir = crate::harness::checkout("tests/fixtures/plans/local-file");
    let plan = run(&moto, &dir, &["plan", "."]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    for line in [
        "# local_file.hosts will be created",
        "# (./out/hosts.ini does not exist)",
        "# local_sensitive_file.token will be created",
        "Plan: 2 to add, 0 to change, 0 to destroy.",
        // sha1("[dr]\nregion = us-west-2\n"), known while planning.
        "hosts_sha1 = \"",
    ] {
        assert!(plan.stdout.contains(line), "{line}: {}", plan.stdout);
    }
    assert!(!plan.stdout.contains("s3cr3t"), "{}", plan.stdout);

    let apply = run(&moto, &dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    let hosts = dir.path().join("out/hosts.ini");
    assert_eq!(std::fs::read_to_string(&hosts).unwrap(), "[dr]\nregion = us-west-2\n");
    assert_eq!(std::fs::read_to_string(dir.path().join("out/token")).unwrap(), "s3cr3t-token");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join("out/token")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "local_sensitive_file's default file_permission");
    }
    for file in crate::harness::files_under(&dir.path().join(".drplan")) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(!text.contains("s3cr3t"), "the token reached {}", file.display());
    }
    assert!(!apply.stdout.contains("s3cr3t") && !apply.stderr.contains("s3cr3t"));

    let again = run(&moto, &dir, &["plan", "."]);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
    // Changed on disk: written again, as Terraform's refresh drops it from state.
    std::fs::write(&hosts, "edited by hand\n").unwrap();
    let edited = run(&moto, &dir, &["plan", "."]);
    assert!(edited.stdout.contains("# (./out/hosts.ini does not hold the configured content)"), "{}", edited.stdout);
    assert!(edited.stdout.contains("Plan: 1 to add, 0 to change, 0 to destroy."), "{}", edited.stdout);
    assert_eq!(run(&moto, &dir, &["apply", ".", "--auto-approve"]).code, 0);
    assert_eq!(std::fs::read_to_string(&hosts).unwrap(), "[dr]\nregion = us-west-2\n");
}

/// The runbook says what a step that owns no cloud object does, and how to run it alone.
#[test]
fn the_runbook_says_how_to_record_a_time_or_write_a_file() {
    let time = crate::harness::drplan(&["runbook", FIXTURE, "--live", "empty"]);
    assert_eq!(time.code, 0, "{}", time.stderr);
    let key = drplan::resources::time::key("time_static.built");
    let want = format!(
        "drplan apply --target 'time_static.built'  # records the time it runs as tag {key} of secret drplan/times/stack-seed in us-west-2"
    );
    assert!(time.stdout.contains(&want), "{}", time.stdout);
    let files = crate::harness::drplan(&["runbook", "tests/fixtures/plans/local-file", "--live", "empty"]);
    assert!(
        files.stdout.contains("drplan apply --target 'local_file.hosts'  # writes the configured content"),
        "{}",
        files.stdout
    );
}
