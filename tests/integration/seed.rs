//! What each example expects to find in moto before a recovery: the primary region's database
//! (and snapshot), the AMI, the hosted zone, and a foreign VPC with a security group in the DR
//! region that drplan must never touch.

use aws_sdk_ec2::types::{BlockDeviceMapping, EbsBlockDevice, Tag};

use crate::harness::Moto;

pub struct Example {
    pub dir: &'static str,
    pub stack: &'static str,
    pub dr: &'static str,
    pub primary: &'static str,
    /// Extra arguments moto needs (see docs/aws.md: moto cannot restore across regions).
    pub vars: &'static [&'static str],
    /// `drplan readiness`'s blockers (rule, address) for a failover before the standby is
    /// applied; after, it is ready.
    pub unready_from_empty: &'static [(&'static str, &'static str)],
}

pub const WEBAPP: Example = Example {
    dir: "examples/webapp-dr",
    stack: "webapp",
    dr: "us-west-2",
    primary: "us-east-1",
    vars: &["--var", "pitr_source_db_identifier=webapp-db-dr-source"],
    // Everything it needs is in the DR region already: the AMI, the replicated backups.
    unready_from_empty: &[],
};
pub const PILOT: Example = Example {
    dir: "examples/pilot-light",
    stack: "pilot",
    dr: "eu-west-1",
    primary: "eu-central-1",
    vars: &[],
    // No replica to promote yet: the failover would create an empty database.
    unready_from_empty: &[("rpo", "module.database.aws_db_instance.this")],
};
/// moto's us-west-1 has zones a and b (zone names are per account on AWS too).
pub const LEDGER: Example = Example {
    dir: "examples/backup-restore",
    stack: "ledger",
    dr: "us-west-1",
    primary: "us-east-2",
    vars: &["--var", r#"azs=["us-west-1a","us-west-1b"]"#],
    // The snapshot and the AMI are copied from the primary: no DR-side copy yet.
    unready_from_empty: &[
        ("primary-dependency", "aws_ami_copy.web"),
        ("primary-dependency", "aws_db_snapshot_copy.ledger"),
        ("primary-source", "aws_db_snapshot_copy.ledger"),
    ],
};

async fn db(moto: &Moto, region: &str, id: &str) -> String {
    let rds = aws_sdk_rds::Client::new(&moto.sdk(region).await);
    let out = rds
        .create_db_instance()
        .db_instance_identifier(id)
        .engine("postgres")
        .db_instance_class("db.t3.micro")
        .master_username("admin")
        .master_user_password("seed-password-1")
        .allocated_storage(20)
        .backup_retention_period(7)
        .send()
        .await
        .unwrap();
    out.db_instance().and_then(|d| d.db_instance_arn()).unwrap().to_string()
}

async fn ami(moto: &Moto, region: &str, name: &str, role: Option<&str>) {
    let ec2 = aws_sdk_ec2::Client::new(&moto.sdk(region).await);
    let out = ec2
        .register_image()
        .name(name)
        .root_device_name("/dev/xvda")
        .block_device_mappings(
            BlockDeviceMapping::builder()
                .device_name("/dev/xvda")
                .ebs(EbsBlockDevice::builder().volume_size(8).build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    if let Some(role) = role {
        ec2.create_tags()
            .resources(out.image_id().unwrap())
            .tags(Tag::builder().key("Role").value(role).build())
            .send()
            .await
            .unwrap();
    }
}

async fn zone(moto: &Moto, name: &str) {
    let r53 = aws_sdk_route53::Client::new(&moto.sdk("us-east-1").await);
    r53.create_hosted_zone().name(name).caller_reference(format!("seed-{name}")).send().await.unwrap();
}

/// A VPC and security group in the DR region that belong to nobody drplan knows.
pub async fn foreign(moto: &Moto, region: &str) -> (String, String) {
    let ec2 = aws_sdk_ec2::Client::new(&moto.sdk(region).await);
    let vpc = ec2.create_vpc().cidr_block("10.99.0.0/16").send().await.unwrap();
    let vpc = vpc.vpc().and_then(|v| v.vpc_id()).unwrap().to_string();
    let sg =
        ec2.create_security_group().group_name("foreign").description("not ours").vpc_id(&vpc).send().await.unwrap();
    (vpc, sg.group_id().unwrap().to_string())
}

pub async fn seed(moto: &Moto, ex: &Example) {
    match ex.stack {
        "webapp" => {
            db(moto, "us-east-1", "webapp-db").await;
            db(moto, "us-west-2", "webapp-db-dr-source").await;
            ami(moto, "us-west-2", "webapp-2026-11-20", Some("web")).await;
            zone(moto, "example.com").await;
            // The data check's credentials, replicated to the DR region (readiness looks).
            aws_sdk_secretsmanager::Client::new(&moto.sdk("us-west-2").await)
                .create_secret()
                .name("webapp/db-readonly")
                .secret_string(r#"{"username":"webapp_ro","password":"seeded-ro-password"}"#)
                .send()
                .await
                .unwrap();
        }
        "pilot" => {
            db(moto, "eu-central-1", "shop-db").await;
            // moto looks up a cross-region replica's subnet group in the source region (an
            // emulator bug; AWS uses the DR region's): give it one of that name there.
            let ec2 = aws_sdk_ec2::Client::new(&moto.sdk("eu-central-1").await);
            let subnets: Vec<String> = ec2
                .describe_subnets()
                .send()
                .await
                .unwrap()
                .subnets()
                .iter()
                .filter_map(|s| s.subnet_id().map(str::to_string))
                .take(2)
                .collect();
            aws_sdk_rds::Client::new(&moto.sdk("eu-central-1").await)
                .create_db_subnet_group()
                .db_subnet_group_name("shop-db-dr-subnets")
                .db_subnet_group_description("moto workaround")
                .set_subnet_ids(Some(subnets))
                .send()
                .await
                .unwrap();
            ami(moto, "eu-west-1", "shop-web-2026-11", Some("shop-web")).await;
            zone(moto, "shop.example.org").await;
        }
        "ledger" => {
            db(moto, "us-east-2", "ledger-db").await;
            aws_sdk_rds::Client::new(&moto.sdk("us-east-2").await)
                .create_db_snapshot()
                .db_instance_identifier("ledger-db")
                .db_snapshot_identifier("ledger-db-2026-11-22")
                .send()
                .await
                .unwrap();
            ami(moto, "us-east-2", "ledger-web-2026-11", None).await;
        }
        other => panic!("no seed for {other}"),
    }
}
