//! Public DR repositories (tests/fixtures/real, each with SOURCE.md naming its origin, commit and
//! what Terraform's own `validate` said): drplan must report every remaining problem located,
//! once per cause, and nothing the repository does not have.

use crate::harness::{drplan, name_of, settings, subdirs};

/// Per repository: every kind of error drplan may report there. Anything else is a regression.
const EXPECTED: &[(&str, &[&str])] = &[
    // Terraform: valid. Only the types drplan does not serve yet (#12).
    ("sachinaws-bit-terraform-disaster-recovery", &["Unsupported resource type"]),
    // Terraform: valid but for a file outside the copied directory. Types for #12, and four
    // aws_vpc IPv6 arguments the hand-written schema lacks (the provider schema fixes them).
    (
        "misa1313-terraform-warm-standby-dr",
        &[
            "Unsupported resource type",
            "Unsupported data source type",
            "Unsupported argument",
            "Value for unconfigurable attribute",
        ],
    ),
    // Terraform: invalid (15 x "Provider configuration not present"); drplan finds those and the
    // references to resources the repository never declares.
    (
        "jdtweddle-multi-region-deployment",
        &[
            "Missing recovery block",
            "Provider configuration not present",
            "Reference to undeclared resource",
            "Unsupported resource type",
        ],
    ),
    // Terraform: not checked (its hashicorp/random is not on these machines). Without the
    // provider, the types it serves.
    ("jenny95-hub-mutiregion-disaster-recovery", &["Unsupported resource type", "Unsupported data source type"]),
    // Terraform: plans (TERRAFORM-PLAN.txt). Without the provider, the types it serves.
    ("jimmyperalta-dev-aws-global-dr-platform", &["Unsupported resource type"]),
    ("toriyama237-aws-multi-region-pilot-light", &["Unsupported resource type", "Unsupported data source type"]),
    ("ichithramanna-aws-multiregion-dr-terraform", &["Unsupported resource type", "Unsupported data source type"]),
    // Terraform: plans (TERRAFORM-PLAN.txt). Without the provider, the types it serves and
    // `enabled_cloudwatch_logs_exports`, which the native aws_db_instance does not implement.
    ("sumanth12-afk-aws-disaster-recovery-terraform", &["Unsupported resource type", "Unsupported argument"]),
    // Terraform: plans (TERRAFORM-PLAN.txt). Without the provider, the types it serves and the
    // arguments only it implements (the AMI lookup it recorded in LIVE.json is read back).
    ("techfxsolutions-terraform-aws-dr-infrastructure", &["Unsupported resource type", "Unsupported argument"]),
    // As misa1313's: the registry VPC module's IPv6 arguments, and its routes' `timeouts`
    // blocks, that the hand-written schema lacks (with the provider, they are delegated).
    (
        "joebaho-aws-multi-region-dr-tf",
        &[
            "Unsupported resource type",
            "Unsupported data source type",
            "Unsupported argument",
            "Unsupported block type",
            "Value for unconfigurable attribute",
        ],
    ),
];

/// The live state a repository is planned against: its recorded `LIVE.json` where the plan
/// reads data sources (the zones of each region), else nothing.
fn live_of(root: &str) -> String {
    let recorded = std::path::Path::new(root).join("LIVE.json");
    match crate::harness::root().join(&recorded).exists() {
        true => recorded.to_string_lossy().into_owned(),
        false => "empty".into(),
    }
}

/// The root module of a repository, where it is not the repository's top directory.
fn root_of(dir: &str) -> String {
    match name_of(dir) {
        "jimmyperalta-dev-aws-global-dr-platform" => format!("{dir}/environments/dr"),
        "techfxsolutions-terraform-aws-dr-infrastructure" => format!("{dir}/environments/secondary"),
        "toriyama237-aws-multi-region-pilot-light" => dir.to_string(),
        _ => dir.to_string(),
    }
}

#[test]
fn real_repositories_get_located_errors_only_for_what_is_missing() {
    let dirs = subdirs("tests/fixtures/real");
    assert_eq!(dirs.len(), EXPECTED.len(), "every repository in the corpus has an expectation");
    for dir in &dirs {
        let name = name_of(dir);
        let allowed = EXPECTED.iter().find(|(n, _)| *n == name).map(|(_, a)| *a).unwrap_or_else(|| panic!("{name}"));
        let root = root_of(dir);
        let args = ["validate", root.as_str()];
        let run = drplan(&args);
        assert!(!run.stderr.contains("panicked"), "{name}: {}", run.stderr);
        let errors: Vec<&str> = run.stderr.lines().filter_map(|l| l.strip_prefix("Error: ")).collect();
        for e in &errors {
            assert!(allowed.contains(e), "{name}: unexpected error {e:?}\n{}", run.stderr);
        }
        // Every error is located.
        for block in run.stderr.split("\n\n").filter(|b| b.starts_with("Error: ")) {
            assert!(block.contains("--> "), "{name}: an error without a location:\n{block}");
        }
        settings().bind(|| insta::assert_snapshot!(format!("corpus-{name}"), run.transcript(&args)));
        // Plan stops on the same kinds of problems (nothing is planned while they remain).
        let plan = drplan(&["plan", root.as_str(), "--live", &live_of(&root)]);
        assert_eq!(plan.code, 1, "{name}");
        for e in plan.stderr.lines().filter_map(|l| l.strip_prefix("Error: ")) {
            assert!(allowed.contains(&e), "{name}: plan reports {e:?}\n{}", plan.stderr);
        }
    }
}

/// With terraform-provider-aws installed, what is left in each repository (run from inside
/// it, as a user would): what Terraform itself says, nothing else; and how many resources a
/// plan of it from nothing creates (every type drplan does not serve natively goes through
/// the provider).
const WITH_PROVIDER: &[(&str, &[&str], Option<usize>)] = &[
    ("sachinaws-bit-terraform-disaster-recovery", &[], Some(19)),
    // Its user data is `file("../setup.sh")`: tests/fixtures/real/setup.sh stands in for it.
    ("misa1313-terraform-warm-standby-dr", &[], Some(17)),
    // A two-region root: the Tokyo half is planned (random_id derived), Mumbai's 34 instances
    // read-only counterparts, one with a count not known from nothing deferred.
    ("jenny95-hub-mutiregion-disaster-recovery", &[], Some(33)),
    (
        "jdtweddle-multi-region-deployment",
        &["Missing recovery block", "Provider configuration not present", "Reference to undeclared resource"],
        None,
    ),
    // A pilot light with random_password and random_id (derived, not counted: Terraform's 38
    // less those 2), the read replica and an Amazon Linux AMI lookup.
    ("jimmyperalta-dev-aws-global-dr-platform", &[], Some(36)),
    // A two-region root (eu-west-1 primary, eu-west-3 DR) with the ACM validation pattern on
    // both halves and the AMI lookup on the primary's provider.
    ("toriyama237-aws-multi-region-pilot-light", &[], Some(42)),
    // An Aurora global database across two regions, a failover Lambda, CloudFront and Global
    // Accelerator: Terraform's 113 are 47 created and 66 primary-side counterparts. The DR
    // instances' role, its policies and profile, declared on the primary's provider and used
    // by the DR side only, are built (expand::global); CloudFront, Global Accelerator and the
    // primary's role are looked up.
    ("ichithramanna-aws-multiregion-dr-terraform", &[], Some(47)),
    // The registry VPC module per region, three provider configurations: Terraform's 74 are
    // 32 created and 42 counterparts.
    ("joebaho-aws-multi-region-dr-tf", &[], Some(32)),
    // A two-region root whose default provider is the primary: Terraform's 110 are 35 created
    // in the DR region, 74 counterparts and the derived bucket suffix. Planned against the
    // zones moto reported (LIVE.json), as Terraform was.
    ("sumanth12-afk-aws-disaster-recovery-terraform", &[], Some(35)),
    // A warm standby root: Terraform's 87 are 86 created and the derived password. Planned
    // against LIVE.json: the global stack's remote state and the AMI lookup, as recorded.
    ("techfxsolutions-terraform-aws-dr-infrastructure", &[], Some(86)),
];

/// Where the provider is installed, every block of the repositories is checked against its
/// schema (attributes written as blocks included) and by its own validations, nothing but the
/// expected kinds of error remain, and the valid ones plan.
#[cfg_attr(
    drplan_no_provider,
    ignore = "needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn real_repositories_with_the_provider() {
    let installed = crate::harness::InstalledProvider::required();
    for dir in subdirs("tests/fixtures/real") {
        let name = name_of(&dir);
        let (_, allowed, creates) =
            WITH_PROVIDER.iter().find(|(n, _, _)| *n == name).unwrap_or_else(|| panic!("{name}"));
        let inside = crate::harness::root().join(root_of(&dir));
        let run = installed.drplan_in(&inside, &["validate", "."]);
        assert_eq!(run.code, if allowed.is_empty() { 0 } else { 1 }, "{name}: {}", run.stderr);
        for e in run.stderr.lines().filter_map(|l| l.strip_prefix("Error: ")) {
            assert!(allowed.contains(&e), "{name}: unexpected error {e:?}\n{}", run.stderr);
        }
        assert!(!run.stderr.contains("Unsupported resource type"), "{name}: {}", run.stderr);
        if let Some(creates) = creates {
            let live = if inside.join("LIVE.json").exists() { "LIVE.json" } else { "empty" };
            let plan = installed.drplan_in(&inside, &["plan", ".", "--live", live]);
            assert_eq!(plan.code, 0, "{name}: {}", plan.stderr);
            let summary = format!("Plan: {creates} to add, 0 to change, 0 to destroy.");
            assert!(plan.stdout.contains(&summary), "{name}: {}", plan.stdout);
            same_addresses_as_terraform(&installed, &dir, &inside, live);
            same_values_as_terraform(&installed, &dir, &inside, live);
        }
    }
}

/// Where Terraform's plan of a repository was recorded (TERRAFORM-PLAN.txt: its managed
/// addresses), drplan accounts for each of them: created in the DR region, a primary-side
/// read-only counterpart, or a hashicorp/random value it derives; and plans nothing else.
fn same_addresses_as_terraform(
    installed: &crate::harness::InstalledProvider,
    dir: &str,
    inside: &std::path::Path,
    live: &str,
) {
    use std::collections::BTreeSet;
    let Ok(oracle) = std::fs::read_to_string(crate::harness::root().join(dir).join("TERRAFORM-PLAN.txt")) else {
        return;
    };
    let theirs: BTreeSet<&str> = oracle.lines().filter(|l| !l.is_empty()).collect();
    let run = installed.drplan_in(inside, &["plan", ".", "--live", live, "--format", "json"]);
    assert_eq!(run.code, 0, "{dir}: {}", run.stderr);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let address = |c: &serde_json::Value| c["address"].as_str().unwrap_or_default().to_string();
    let created: BTreeSet<String> =
        crate::harness::changes(&plan).iter().filter(|c| c["mode"] == "managed").map(address).collect();
    let counterparts: BTreeSet<String> = plan["counterparts"].as_array().into_iter().flatten().map(address).collect();
    let derived = |a: &str| a.split('.').any(|part| part.starts_with("random_"));
    for a in &theirs {
        let accounted = created.contains(*a) || counterparts.contains(*a) || derived(a);
        assert!(accounted, "{dir}: Terraform plans {a}; drplan neither creates it nor reads it as a counterpart");
    }
    for a in created.iter().chain(&counterparts) {
        assert!(theirs.contains(a.as_str()), "{dir}: drplan plans {a}, which Terraform does not");
    }
}

/// Where Terraform's planned values were recorded (TERRAFORM-VALUES.json: per created address,
/// every value it knows at plan time), drplan's plan has each of them for every address it
/// creates (the others are primary-side counterparts), equal: none missing,
/// none different. An empty list or map and null are the same (Terraform's JSON plan mixes them).
fn same_values_as_terraform(
    installed: &crate::harness::InstalledProvider,
    dir: &str,
    inside: &std::path::Path,
    live: &str,
) {
    let Ok(oracle) = std::fs::read_to_string(crate::harness::root().join(dir).join("TERRAFORM-VALUES.json")) else {
        return;
    };
    let theirs: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&oracle).unwrap();
    let run = installed.drplan_in(inside, &["plan", ".", "--live", live, "--format", "json"]);
    assert_eq!(run.code, 0, "{dir}: {}", run.stderr);
    let plan: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let changes = crate::harness::changes(&plan);
    let ours: std::collections::BTreeMap<&str, &serde_json::Value> =
        changes.iter().filter_map(|c| Some((c["address"].as_str()?, &c["change"]["after"]))).collect();
    let counterparts: Vec<&str> =
        plan["counterparts"].as_array().into_iter().flatten().filter_map(|c| c["address"].as_str()).collect();
    let mut wrong = Vec::new();
    for (address, values) in theirs.iter().filter(|(a, _)| !counterparts.contains(&a.as_str())) {
        let Some(after) = ours.get(address.as_str()) else {
            wrong.push(format!("{address}: not created"));
            continue;
        };
        differences(values, after, address, &mut wrong);
    }
    assert!(wrong.is_empty(), "{dir}: {} values differ from Terraform's:\n{}", wrong.len(), wrong.join("\n"));
}

/// Where `ours` lacks or differs from a value of `theirs` (a known value Terraform plans).
fn differences(theirs: &serde_json::Value, ours: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    use serde_json::Value as Json;
    let empty = |v: &Json| {
        v.is_null() || v.as_array().is_some_and(Vec::is_empty) || v.as_object().is_some_and(|m| m.is_empty())
    };
    match (theirs, ours) {
        (Json::Object(t), Json::Object(o)) => {
            for (k, v) in t {
                differences(v, o.get(k).unwrap_or(&Json::Null), &format!("{path}.{k}"), out);
            }
        }
        (Json::Array(t), Json::Array(o)) if t.len() == o.len() => {
            for (i, (tv, ov)) in t.iter().zip(o).enumerate() {
                differences(tv, ov, &format!("{path}[{i}]"), out);
            }
        }
        (t, o) if t == o || empty(t) && empty(o) => {}
        (t, Json::Null) => out.push(format!("{path}: missing (Terraform: {t})")),
        (t, o) => out.push(format!("{path}: {o} (Terraform: {t})")),
    }
}
