//! Each rule on recorded live states and small configurations, offline; the rules that ask
//! AWS (`instance-type`, `db-class`, `image`, `quota`, `permission`) through a cloud that
//! answers what AWS would (the moto test asks moto).

use std::collections::{BTreeMap, BTreeSet};

use crate::cloud::{self, Cloud, DbOffer, InventoryRequest, Offerings, Offline, Questions, QuotaState};
use crate::error::Error;
use crate::expand::Phase;
use crate::live::LiveSnapshot;
use crate::ops::LoadOptions;
use crate::readiness::{Report, Severity};

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
#[derive(Default)]
struct Answers {
    offerings: Offerings,
    images: BTreeSet<String>,
    db: BTreeMap<(String, String), DbOffer>,
    /// Quota code -> (limit, use); a quota not here fails as moto's unserved ones do.
    quotas: BTreeMap<&'static str, (f64, crate::resources::Usage)>,
    vcpus: BTreeMap<String, u64>,
    denied: BTreeSet<&'static str>,
    /// The dry runs asked for, by action.
    asked: std::sync::Mutex<Vec<(String, &'static str)>>,
    /// Secrets that exist in the DR region.
    secrets: BTreeSet<String>,
}

impl Cloud for Answers {
    fn inventory(&self, request: &InventoryRequest) -> Result<LiveSnapshot, Error> {
        Offline::Empty.inventory(request)
    }

    fn answer(&self, _: &str, q: &Questions) -> Option<cloud::Answers> {
        let permissions = q.dry_runs.iter().map(|(address, run, _)| {
            self.asked.lock().unwrap().push((address.clone(), run.action));
            let said = if self.denied.contains(run.action) {
                crate::resources::Permission::Denied("not authorized".into())
            } else {
                crate::resources::Permission::Allowed
            };
            (address.clone(), run.action, said)
        });
        let quota = |code: &str| match self.quotas.get(code) {
            Some((limit, usage)) => Ok(QuotaState { limit: *limit, usage: usage.clone() }),
            None => Err("NoSuchResourceException".to_string()),
        };
        Some(cloud::Answers {
            offerings: Ok(self.offerings.clone()),
            images: Ok(self.images.clone()),
            db_classes: Ok(q.db_classes.iter().filter_map(|k| Some((k.clone(), self.db.get(k)?.clone()))).collect()),
            quotas: q.quotas.iter().map(|k| (k.quota_code, quota(k.quota_code))).collect(),
            vcpus: Ok(self.vcpus.clone()),
            permissions: permissions.collect(),
            secrets: q.secrets.iter().map(|id| (id.clone(), Ok(self.secrets.contains(id)))).collect(),
        })
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
            (Severity::Blocker, "rpo", "aws_db_instance.db"),
            (Severity::Blocker, "primary-dependency", "data.aws_db_instance.primary[0]"),
        ]
    );
    // With no replica in the DR region, the failover would create the database empty.
    let rpo = r.findings.iter().find(|f| f.rule == "rpo").unwrap();
    assert!(rpo.evidence.contains("empty"), "{}", rpo.evidence);
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
        ..Default::default()
    };
    // Only the rules under test: the empty inventory also has no replica to promote (`rpo`).
    let check = |cloud: &Answers| {
        let mut r = crate::ops::readiness::readiness(&load(&dir, Phase::Failover, &[("ami", "ami-1")]), cloud).unwrap();
        r.findings.retain(|f| f.rule == "instance-type" || f.rule == "image");
        r
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
    // (With the data check's password given: without, `data-check` warns that it has none.)
    let vars = [("db_password", "x")];
    let r = crate::ops::readiness::readiness(&load(&root("examples/backup-restore"), Phase::Failover, &vars), &live);
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

/// A DR region with a VPC, a NAT gateway, two instances and a database, in us-west-2a.
const LAUNCHES: &str = r#"
recovery {
  stack  = "cap"
  region = "us-west-2"
}

resource "aws_vpc" "dr" {
  cidr_block = "10.9.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.dr.id
  cidr_block        = "10.9.1.0/24"
  availability_zone = "us-west-2a"
}

resource "aws_eip" "nat" {
  domain = "vpc"
}

resource "aws_nat_gateway" "a" {
  subnet_id     = aws_subnet.a.id
  allocation_id = aws_eip.nat.id
}

resource "aws_instance" "web" {
  count         = 2
  ami           = "ami-1"
  instance_type = "m5.large"
  subnet_id     = aws_subnet.a.id
}

resource "aws_db_instance" "db" {
  identifier          = "cap-db"
  engine              = "postgres"
  instance_class      = "db.r6g.large"
  allocated_storage   = 20
  username            = "app"
  password            = "not-a-real-password-1"
  skip_final_snapshot = true
}
"#;

fn launches(cloud: &Answers) -> Report {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), LAUNCHES).unwrap();
    crate::ops::readiness::readiness(&load(dir.path(), Phase::Failover, &[]), cloud).unwrap()
}

/// A region that offers everything LAUNCHES needs, with room in every quota.
fn roomy() -> Answers {
    let zones = |z: &[&str]| z.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    let usage = |region: u64, zones: &[(&str, u64)]| crate::resources::Usage {
        region,
        by_zone: zones.iter().map(|(z, n)| (z.to_string(), *n)).collect(),
    };
    Answers {
        offerings: Offerings::from([("m5.large".to_string(), zones(&["us-west-2a"]))]),
        images: zones(&["ami-1"]),
        db: BTreeMap::from([(("postgres".into(), "db.r6g.large".into()), DbOffer::Zones(zones(&["us-west-2a"])))]),
        quotas: BTreeMap::from([
            ("L-F678F1CE", (5.0, usage(1, &[]))),
            ("L-0263D0A3", (5.0, usage(0, &[]))),
            ("L-FE5A380F", (5.0, usage(4, &[("us-west-2a", 4), ("us-west-2b", 0)]))),
            ("L-1216C47A", (32.0, usage(28, &[]))),
            ("L-7B6409FD", (40.0, usage(0, &[]))),
        ]),
        vcpus: BTreeMap::from([("m5.large".to_string(), 2)]),
        ..Default::default()
    }
}

#[test]
fn quotas_are_compared_with_what_the_region_uses_plus_what_the_plan_creates() {
    let r = launches(&roomy());
    assert_eq!(found(&r), [], "{:#?}", r.findings);
    let scope = |r: &Report, rule: &str| r.rules.iter().find(|x| x.rule == rule).unwrap().scope.clone();
    assert_eq!(scope(&r, "quota"), "5 quota(s)");

    // 28 of 32 vCPUs used; two m5.large (2 vCPUs each) more is 32: still fits. One more vCPU in use does not.
    let mut tight = roomy();
    tight.quotas.get_mut("L-1216C47A").unwrap().1.region = 29;
    let r = launches(&tight);
    assert_eq!(found(&r), [(Severity::Blocker, "quota", "aws_instance.web[0]")]);
    assert!(
        r.findings[0].evidence.contains("needs 4 more of \"Running On-Demand Standard"),
        "{}",
        r.findings[0].evidence
    );
    assert!(r.findings[0].evidence.contains("us-west-2 uses 29 of 32"), "{}", r.findings[0].evidence);
    assert!(r.findings[0].fix.contains("--quota-code L-1216C47A"));

    // NAT gateways count per zone: the subnet's zone (us-west-2a) is full, another is not.
    let mut full = roomy();
    full.quotas.get_mut("L-FE5A380F").unwrap().1.by_zone.insert("us-west-2a".into(), 5);
    let r = launches(&full);
    assert_eq!(found(&r), [(Severity::Blocker, "quota", "aws_nat_gateway.a")]);
    assert!(
        r.findings[0]
            .evidence
            .contains("1 more of \"NAT gateways per Availability Zone\" (L-FE5A380F) in us-west-2a: it has 5 of 5")
    );
    let mut elsewhere = roomy();
    elsewhere.quotas.get_mut("L-FE5A380F").unwrap().1.by_zone = BTreeMap::from([("us-west-2b".into(), 5)]);
    assert_eq!(found(&launches(&elsewhere)), []);

    // A quota AWS does not answer for is said, not passed.
    let mut unserved = roomy();
    unserved.quotas.remove("L-7B6409FD");
    let r = launches(&unserved);
    assert_eq!(found(&r), []);
    assert_eq!(scope(&r, "quota"), "5 quota(s); L-7B6409FD not checked: NoSuchResourceException");
}

#[test]
fn db_classes_are_checked_against_what_the_region_can_order() {
    let mut cloud = roomy();
    let key = ("postgres".to_string(), "db.r6g.large".to_string());
    cloud.db.insert(key.clone(), DbOffer::Zones(["us-west-2b".to_string()].into()));
    let r = launches(&cloud);
    assert_eq!(found(&r), [(Severity::Blocker, "db-class", "aws_db_instance.db")]);
    assert!(r.findings[0].evidence.contains("db.r6g.large (postgres) is not offered in the zones used (us-west-2a)"));
    cloud.db.insert(key, DbOffer::EngineUnlisted);
    let r = launches(&cloud);
    assert_eq!(found(&r), []);
    let scope = r.rules.iter().find(|x| x.rule == "db-class").unwrap().scope.clone();
    assert_eq!(
        scope,
        "0 class(es) in 1 zone(s); not checked for postgres: us-west-2 lists no orderable options for it"
    );
}

#[test]
fn a_denied_dry_run_is_a_warning_and_each_action_is_tried_once() {
    let mut cloud = roomy();
    cloud.denied.insert("ec2:RunInstances");
    let r = launches(&cloud);
    assert_eq!(found(&r), [(Severity::Warning, "permission", "aws_instance.web[0]")]);
    assert!(r.ready, "a denial is a warning: the failover may run as another role");
    let asked = cloud.asked.lock().unwrap().clone();
    assert_eq!(
        asked,
        [("aws_eip.nat".to_string(), "ec2:AllocateAddress"), ("aws_instance.web[0]".to_string(), "ec2:RunInstances")]
    );
}

#[test]
fn a_data_check_whose_secret_is_missing_in_the_dr_region_is_a_blocker() {
    let dir = tempfile::tempdir().unwrap();
    let sql = |name: &str, credentials: &str| {
        format!(
            "check \"{name}\" {{\n  sql {{\n    engine = \"postgres\"\n    host = \"db.local\"\n    query = \"select 1\"\n    {credentials}\n  }}\n}}\n"
        )
    };
    let config = [
        "recovery {\n  stack = \"t\"\n  region = \"us-west-2\"\n}\n".to_string(),
        "variable \"pw\" {\n  type = string\n  sensitive = true\n  default = null\n}\n".into(),
        sql("replicated", "secret_id = \"orders/ro\""),
        sql("missing", "secret_id = \"orders/gone\""),
        sql("unset", "password = var.pw\n    username = \"ro\""),
    ]
    .concat();
    std::fs::write(dir.path().join("main.tf"), config).unwrap();
    let cloud = Answers { secrets: BTreeSet::from(["orders/ro".to_string()]), ..Default::default() };
    let r = crate::ops::readiness::readiness(&load(dir.path(), Phase::Failover, &[]), &cloud).unwrap();
    let data: Vec<_> = found(&r).into_iter().filter(|(_, rule, _)| *rule == "data-check").collect();
    assert_eq!(
        data,
        [(Severity::Blocker, "data-check", "check.missing"), (Severity::Warning, "data-check", "check.unset")]
    );
    let missing = r.findings.iter().find(|f| f.address == "check.missing").unwrap();
    assert!(missing.evidence.starts_with("its secret orders/gone does not exist in us-west-2"), "{}", missing.evidence);
    let scope = |r: &Report| r.rules.iter().find(|x| x.rule == "data-check").unwrap().scope.clone();
    assert_eq!(scope(&r), "3 sql check(s)");
    let offline = crate::ops::readiness::readiness(&load(dir.path(), Phase::Failover, &[]), &Offline::Empty).unwrap();
    assert_eq!(scope(&offline), "3 sql check(s); secrets not checked: offline");
    assert!(!offline.findings.iter().any(|f| f.address == "check.missing"), "offline, nothing is claimed");
}
