//! The provider host against the real terraform-provider-aws: what it reads over the plugin
//! protocol equals what Terraform itself reports (`tests/fixtures/provider/`).

use drplan::config::Mode;
use drplan::provider::{self, schema};

fn recorded() -> schema::ProviderSchema {
    let text = std::fs::read(crate::harness::root().join("tests/fixtures/provider/schema-subset.json")).unwrap();
    let doc: schema::Document = serde_json::from_slice(&text).unwrap();
    doc.provider_schemas[schema::AWS_SOURCE].clone()
}

/// Terraform's own schema document reads into drplan's schemas as the provider defines them.
#[test]
fn terraforms_schema_document_reads_into_drplans_schemas() {
    let recorded = recorded();
    let secret = recorded.resource_schema(Mode::Managed, "aws_secretsmanager_secret_version").unwrap();
    let attr = |n: &str| &secret.block.attrs[n];
    assert!(attr("secret_id").required && attr("secret_string").sensitive && attr("arn").computed);
    assert!(attr("secret_string_wo").sensitive, "write-only values are never shown");
    let asg = recorded.resource_schema(Mode::Managed, "aws_autoscaling_group").unwrap();
    assert_eq!(asg.block.blocks["launch_template"].max, 1);
    assert!(asg.block.attrs["max_size"].required);
    assert_eq!(asg.block.attrs["vpc_zone_identifier"].ty.to_string(), "set(string)");
    let doc = recorded.resource_schema(Mode::Data, "aws_iam_policy_document").unwrap();
    assert_eq!(doc.block.attrs["json"].ty.to_string(), "string");
    assert!(recorded.resource_schema(Mode::Managed, "aws_no_such_thing").is_none());
}

/// Where provider-aws is installed: started over the plugin protocol, its schema for the
/// recorded types equals Terraform's `providers schema -json`, field for field.
#[test]
fn provider_schema_equals_terraforms() {
    let Some(env) = crate::harness::provider_env() else {
        eprintln!("terraform-provider-aws is not installed here: only the recorded schema is checked");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let located = provider::locate::locate(tmp.path(), &env).unwrap();
    let plugin = provider::Plugin::start(&located.binary, provider::START_LIMIT).unwrap();
    let live = schema::from_wire(&plugin.get_schema(provider::CALL_LIMIT).unwrap());
    assert!(live.resource_schemas.len() > 1000, "{} resource types", live.resource_schemas.len());
    let recorded = recorded();
    let subset = live.subset(
        recorded.resource_schemas.keys().map(String::as_str),
        recorded.data_source_schemas.keys().map(String::as_str),
    );
    for (ty, s) in &recorded.resource_schemas {
        assert_eq!(subset.resource_schemas.get(ty), Some(s), "{ty}");
    }
    for (ty, s) in &recorded.data_source_schemas {
        assert_eq!(subset.data_source_schemas.get(ty), Some(s), "data {ty}");
    }
    assert_eq!(subset.provider, recorded.provider);
}
