//! hashicorp/tls without a state file, on moto. `tls_private_key` (with terraform-provider-aws):
//! the key feeds an EC2 key pair and a secret. The first plan says the key is known after apply
//! and that apply creates the stack seed; a plan from a fresh copy (another machine) derives
//! the same key and shows no changes; the private key appears in no output or file.
//! Certificates (moto alone): a CA, a request and the certificate the CA signs apply once and
//! verify with OpenSSL from another checkout.

use crate::apply::block_on;
use crate::harness::{InstalledProvider, Moto};

const FIXTURE: &str = "tests/fixtures/plans/tls-key";

fn checkout() -> tempfile::TempDir {
    crate::harness::checkout(FIXTURE)
}

/// The secret's value and the key pair's name in moto.
fn stored(moto: &Moto) -> (String, Vec<String>) {
    block_on(async {
        let conf = moto.sdk("us-west-2").await;
        let sm = aws_sdk_secretsmanager::Client::new(&conf);
        let value = sm.get_secret_value().secret_id("dr/ssh-key").send().await.unwrap();
        let pairs = aws_sdk_ec2::Client::new(&conf).describe_key_pairs().send().await.unwrap();
        let names = pairs.key_pairs().iter().filter_map(|k| k.key_name().map(str::to_string)).collect();
        (value.secret_string().unwrap_or_default().to_string(), names)
    })
}

#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[cfg_attr(
    drplan_no_provider,
    ignore = "needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn a_derived_key_pair_applies_and_replans_unchanged_on_another_machine() {
    let (moto, provider) = (Moto::start(), InstalledProvider::required());
    let first = checkout();
    let plan = provider.drplan_moto_in(&moto, first.path(), &["plan", "."]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(plan.stdout.contains("Apply first creates the stack seed"), "{}", plan.stdout);
    assert!(plan.stdout.contains("Plan: 3 to add, 0 to change, 0 to destroy."), "{}", plan.stdout);
    let apply = provider.drplan_moto_in(&moto, first.path(), &["apply", ".", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    let (private, pairs) = stored(&moto);
    assert!(private.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"), "the secret holds the key");
    assert_eq!(pairs, ["dr-ssh"]);

    let second = checkout();
    let again = provider.drplan_moto_in(&moto, second.path(), &["plan", "."]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
    let output = provider.drplan_moto_in(&moto, second.path(), &["output", ".", "public_key", "-raw"]);
    assert!(output.stdout.starts_with("ssh-rsa AAAAB3NzaC1yc2E"), "{}", output.stdout);

    let body: String = private.lines().filter(|l| !l.starts_with("-----")).collect();
    for run in [&plan, &apply, &again, &output] {
        assert!(!run.stdout.contains(&body[..40]) && !run.stderr.contains(&body[..40]), "the private key leaked");
    }
    for dir in [first.path(), second.path()] {
        for entry in crate::harness::files_under(dir) {
            let text = String::from_utf8_lossy(&std::fs::read(&entry).unwrap()).into_owned();
            assert!(!text.contains(&body[..40]), "the private key is in {}", entry.display());
        }
    }
}

/// A CA, a request and the certificate the CA signs, with no state file: the first plan has
/// the two certificates as steps (their validity starts are recorded by apply), a plan from
/// another checkout computes the same certificates byte for byte and changes nothing, and
/// OpenSSL verifies the chain.
#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[cfg_attr(drplan_no_openssh, ignore = "needs ssh-keygen and openssl (Debian: openssh-client, openssl)")]
#[test]
fn certificates_apply_once_and_verify_on_another_machine() {
    let moto = Moto::start();
    let copy = || crate::harness::checkout("tests/fixtures/plans/tls-certs");
    let env = moto.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let run = |dir: &tempfile::TempDir, args: &[&str]| crate::harness::drplan_in(dir.path(), args, &env);
    let first = copy();
    let plan = run(&first, &["plan", "."]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    for line in [
        "# tls_self_signed_cert.ca will be created",
        "# tls_locally_signed_cert.server will be created",
        "Plan: 2 to add, 0 to change, 0 to destroy.",
    ] {
        assert!(plan.stdout.contains(line), "{line}: {}", plan.stdout);
    }
    let apply = run(&first, &["apply", ".", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);

    let second = copy();
    let again = run(&second, &["plan", "."]);
    assert!(again.stdout.contains("No changes."), "{}\n{}", again.stdout, again.stderr);
    let output = |dir: &tempfile::TempDir, name: &str| {
        let out = run(dir, &["output", ".", name, "--raw"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        out.stdout
    };
    let (ca, server) = (output(&second, "ca_cert"), output(&second, "server_cert"));
    assert_eq!(ca, output(&first, "ca_cert"), "the same certificate from either checkout");
    assert!(server.starts_with("-----BEGIN CERTIFICATE-----"), "{server}");
    std::fs::write(second.path().join("ca.pem"), &ca).unwrap();
    std::fs::write(second.path().join("server.pem"), &server).unwrap();
    let verify = std::process::Command::new("openssl")
        .args(["verify", "-CAfile", "ca.pem", "server.pem"])
        .current_dir(second.path())
        .output()
        .unwrap();
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
}
