//! Each rule on recorded live states and small configurations, offline; `instance-type` and
//! `image` through a cloud that answers what AWS would (the moto test asks moto).

use std::collections::BTreeSet;

use crate::cloud::{Cloud, InventoryRequest, Offerings, Offline};
use crate::error::Error;
use crate::live::LiveSnapshot;
use crate::ops::LoadOptions;
use crate::readiness::{Report, Severity};
use crate::recovery::Phase;

fn load(dir: &std::path::Path, phase: Phase, vars: &[(&str, &str)]) -> LoadOptions {
    LoadOptions {
        dir: dir.to_path_buf(),
        vars: crate::expand::inputs::VarArgs {
            items: vars.iter().map(|(k, v)| Ok((k.to_string(), v.to_string()))).collect(),
        },
        workspace: "default".into(),
        phase: Some(phase),
        lenient_keys: false,
        provider: crate::provider::Env::off(),
    }
}

fn root(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn found(r: &Report) -> Vec<(Severity, &str, &str)> {
    r.findings.iter().map(|f| (f.severity, f.rule.as_str(), f.address.as_str())).collect()
}

/// What AWS would answer about the DR region, over an empty inventory.
struct Answers {
    offerings: Offerings,
    images: BTreeSet<String>,
}

impl Cloud for Answers {
    fn inventory(&self, request: &InventoryRequest) -> Result<LiveSnapshot, Error> {
        Offline::Empty.inventory(request)
    }

    fn instance_type_offerings(&self, _: &str, _: &BTreeSet<String>) -> Option<Result<Offerings, Error>> {
        Some(Ok(self.offerings.clone()))
    }

    fn images(&self, _: &str, _: &BTreeSet<String>) -> Option<Result<BTreeSet<String>, Error>> {
        Some(Ok(self.images.clone()))
    }
}

#[test]
fn a_converged_pilot_light_is_ready_for_a_failover() {
    let live = Offline::Snapshot(root("examples/pilot-light/live/converged.json"));
    let r =
        crate::ops::readiness::readiness(&load(&root("examples/pilot-light"), Phase::Failover, &[]), &live).unwrap();
    assert!(r.ready, "{:?}", r.findings);
    assert_eq!(found(&r), []);
    assert_eq!(r.steps, 5);
    assert!(r.need_primary.is_empty());
    let scope = |rule: &str| r.rules.iter().find(|x| x.rule == rule).unwrap().scope.clone();
    assert_eq!(scope("rpo"), "1 database(s)", "the promoted replica's lag is its RPO");
    assert!(scope("instance-type").starts_with("not checked: offline"), "offline is said, not passed silently");
}

#[test]
fn reading_or_copying_from_the_primary_is_a_blocker() {
    let dir = root("tests/fixtures/plans/readiness");
    let empty = Offline::Empty;
    let vars = [("ami", "ami-1"), ("read_primary_always", "true")];
    let r = crate::ops::readiness::readiness(&load(&dir, Phase::Failover, &vars), &empty).unwrap();
    assert_eq!(
        found(&r),
        [
            (Severity::Blocker, "primary-dependency", "aws_db_instance.db"),
            (Severity::Blocker, "primary-dependency", "data.aws_db_instance.primary[0]"),
        ]
    );
    assert_eq!(r.need_primary, ["aws_db_instance.db", "aws_instance.web[0]", "data.aws_db_instance.primary[0]"]);
    // The standby creates the replica from the primary: without a DR-side copy, it needs it.
    let recorded = Offline::Snapshot(root("examples/pilot-light/live/empty.json"));
    let r = crate::ops::readiness::readiness(&load(&root("examples/pilot-light"), Phase::Standby, &[]), &recorded);
    let r = r.unwrap();
    assert!(
        found(&r).contains(&(Severity::Blocker, "primary-source", "module.database.aws_db_instance.this")),
        "{r:#?}"
    );
}

#[test]
fn an_artifact_of_another_region_is_a_blocker() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        r#"
recovery {
  stack  = "art"
  region = "us-west-2"
}

resource "aws_db_instance" "db" {
  identifier        = "art-db"
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  allocated_storage = 20
  username          = "app"
  password          = "not-a-real-password-1"
  storage_encrypted = true
  kms_key_id        = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
}
"#,
    )
    .unwrap();
    let r = crate::ops::readiness::readiness(&load(dir.path(), Phase::Failover, &[]), &Offline::Empty).unwrap();
    assert_eq!(found(&r), [(Severity::Blocker, "regional-artifact", "aws_db_instance.db")]);
    assert!(r.findings[0].evidence.starts_with("kms_key_id = arn:aws:kms:us-east-1:"), "{}", r.findings[0].evidence);
    assert!(!r.findings[0].evidence.contains("not-a-real-password"), "sensitive values never appear");
}

#[test]
fn instance_types_and_images_are_checked_against_what_the_region_offers() {
    let dir = root("tests/fixtures/plans/readiness");
    let zones = |z: &[&str]| z.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    let answers = |offered: &[&str], images: &[&str]| Answers {
        offerings: Offerings::from([("t3.micro".to_string(), zones(offered))]),
        images: images.iter().map(|s| s.to_string()).collect(),
    };
    let check = |cloud: &Answers| {
        crate::ops::readiness::readiness(&load(&dir, Phase::Failover, &[("ami", "ami-1")]), cloud).unwrap()
    };
    let r = check(&answers(&["us-west-2a", "us-west-2b"], &["ami-1"]));
    assert_eq!(found(&r), [], "offered in the subnet's zone, the AMI exists");
    let r = check(&answers(&["us-west-2b"], &["ami-1"]));
    assert_eq!(found(&r), [(Severity::Blocker, "instance-type", "aws_instance.web[0]")]);
    assert!(r.findings[0].evidence.contains("not offered in the zones used (us-west-2a), only in us-west-2b"));
    let r = check(&answers(&[], &[]));
    assert_eq!(
        found(&r),
        [
            (Severity::Blocker, "image", "aws_instance.web[0]"),
            (Severity::Blocker, "instance-type", "aws_instance.web[0]")
        ],
        "worst first, then by address and rule"
    );
}

#[test]
fn an_rpo_over_the_objective_is_a_blocker_and_an_unknown_one_a_warning() {
    let live = Offline::Snapshot(root("examples/pilot-light/live/converged.json"));
    // pilot-light declares a 30s replica lag against a 5m RPO: met. A configuration whose
    // objective is tighter than the lag is not ready.
    let tmp = tempfile::tempdir().unwrap();
    let example = tmp.path().join("examples/pilot-light");
    copy_tf(&root("examples/pilot-light"), &example);
    for module in ["vpc", "rds-recovery", "web-tier", "dns-failover"] {
        copy_tf(&root(&format!("modules/{module}")), &tmp.path().join("modules").join(module));
    }
    let settings = example.join("dr.drplan.hcl");
    let text = std::fs::read_to_string(&settings).unwrap();
    let tighter = text.replace("rpo            = \"5m\"", "rpo            = \"10s\"");
    assert_ne!(text, tighter, "the recovery block's rpo line changed");
    std::fs::write(&settings, tighter).unwrap();
    let r = crate::ops::readiness::readiness(&load(&example, Phase::Failover, &[]), &live).unwrap();
    assert_eq!(found(&r), [(Severity::Blocker, "rpo", "module.database.aws_db_instance.this")]);
    // backup-restore's snapshot is not in its recorded state: the age is unknown, a warning.
    let live = Offline::Snapshot(root("examples/backup-restore/live/converged.json"));
    let r = crate::ops::readiness::readiness(&load(&root("examples/backup-restore"), Phase::Failover, &[]), &live);
    let r = r.unwrap();
    assert_eq!(found(&r), [(Severity::Warning, "rpo", "module.database.aws_db_instance.this")]);
    assert!(r.ready, "warnings do not block");
}

/// Copies the configuration files of `from` (`.tf`, `.drplan.hcl`) into `to`.
fn copy_tf(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "tf" || e == "hcl") {
            std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
}
