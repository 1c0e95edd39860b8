//! hashicorp/random without a state file, on moto with terraform-provider-aws: a
//! `random_password` feeding a Secrets Manager secret. The first plan says the values are known
//! after apply and that apply creates the stack seed; apply creates it, then the secret with the
//! derived password; a plan from a fresh copy of the configuration (another machine: no
//! `.drplan/`) derives the same values and shows no changes; the password appears in no output,
//! plan file, snapshot or journal.

use crate::apply::block_on;
use crate::harness::{InstalledProvider, Moto, files_under};

const FIXTURE: &str = "tests/fixtures/plans/random-password";

fn checkout() -> tempfile::TempDir {
    crate::harness::checkout(FIXTURE)
}

/// A secret's name, value and tags.
type Secret = (String, String, Vec<(String, String)>);

/// The Secrets Manager secrets in us-west-2.
fn secrets(moto: &Moto) -> Vec<Secret> {
    block_on(async {
        let sm = aws_sdk_secretsmanager::Client::new(&moto.sdk("us-west-2").await);
        let list = sm.list_secrets().send().await.unwrap();
        let mut out = Vec::new();
        for s in list.secret_list() {
            let name = s.name().unwrap_or_default().to_string();
            let value = sm.get_secret_value().secret_id(&name).send().await.unwrap();
            let tags =
                s.tags().iter().map(|t| (t.key().unwrap_or("").into(), t.value().unwrap_or("").into())).collect();
            out.push((name, value.secret_string().unwrap_or_default().to_string(), tags));
        }
        out.sort();
        out
    })
}

#[cfg_attr(drplan_no_moto, ignore = "needs moto_server (scripts/install-moto.sh, or DRPLAN_MOTO_SERVER)")]
#[cfg_attr(
    drplan_no_provider,
    ignore = "needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn random_password_applies_and_replans_unchanged_on_another_machine() {
    let (moto, provider) = (Moto::start(), InstalledProvider::required());
    let first = checkout();
    let plan = provider.drplan_moto_in(&moto, first.path(), &["plan", "."]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(
        plan.stdout.contains("Apply first creates the stack seed, secret drplan/random-pw/stack-seed in us-west-2"),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("Plan: 2 to add, 0 to change, 0 to destroy."), "{}", plan.stdout);

    let apply = provider.drplan_moto_in(&moto, first.path(), &["apply", ".", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    let found = secrets(&moto);
    assert_eq!(found.len(), 2, "the seed and the application's secret, once each: {found:?}");
    let seed = found.iter().find(|(n, _, _)| n == "drplan/random-pw/stack-seed").expect("the stack seed");
    assert!(seed.2.contains(&("drplan:stack".into(), "random-pw".into())), "{:?}", seed.2);
    assert!(seed.2.iter().all(|(k, _)| k != "drplan:address"), "the seed is no resource a plan could delete");
    let (name, value, _) = found.iter().find(|(n, _, _)| n.starts_with("app/db-")).expect("the application's secret");
    let suffix = name.trim_start_matches("app/db-");
    assert!(suffix.len() == 6 && suffix.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()), "{name}");
    let json: serde_json::Value = serde_json::from_str(value).unwrap();
    let password = json["password"].as_str().unwrap().to_string();
    assert_eq!(password.chars().count(), 24, "random_password.length");

    // Another machine: a fresh copy, no .drplan/. The same values, so nothing to change.
    let second = checkout();
    let again = provider.drplan_moto_in(&moto, second.path(), &["plan", ".", "--out", "saved.plan"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
    assert!(!again.stdout.contains("stack seed"), "the seed exists now: {}", again.stdout);
    let json = provider.drplan_moto_in(&moto, second.path(), &["plan", ".", "--format", "json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    assert!(json.stdout.contains("\"resource_changes\""), "{}", json.stdout);
    let snapshot = provider.drplan_moto_in(&moto, second.path(), &["snapshot", ".", "--out", "live.json"]);
    assert_eq!(snapshot.code, 0, "{}", snapshot.stderr);
    let output = provider.drplan_moto_in(&moto, second.path(), &["output", "."]);
    assert!(output.stdout.contains("password = <sensitive>"), "{}", output.stdout);

    for run in [&plan, &apply, &again, &json, &snapshot, &output] {
        assert!(
            !run.stdout.contains(&password) && !run.stderr.contains(&password),
            "the password leaked:\n{}",
            run.stdout
        );
    }
    let written: Vec<_> = files_under(first.path()).into_iter().chain(files_under(second.path())).collect();
    assert!(written.iter().any(|p| p.to_string_lossy().contains(".drplan")), "apply keeps a journal");
    for file in written {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        assert!(!text.contains(&password), "the password is in {}", file.display());
        assert!(!text.contains(&seed.1), "the seed is in {}", file.display());
    }
}
