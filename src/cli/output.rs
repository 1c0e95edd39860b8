//! `drplan output`: the root module's outputs. Terraform reads them from its state; drplan has
//! none, so they are evaluated against the live state (`--live` for a recorded one), as the
//! plan's "Outputs after apply" are. Sensitive outputs are never printed.

use clap::Args;

use super::exit::Status;
use super::{AwsArgs, ConfigArgs, live_or_aws, print};
use crate::cloud::Offline;
use crate::error::Error;
use crate::ops::plan::{PlanOptions, plan};

#[derive(Debug, Args)]
pub struct OutputArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// One output's name, after the directory (default: all of them).
    pub name: Option<String>,
    /// Live state: a snapshot file, or `empty`. Without it, drplan reads AWS.
    #[arg(long, value_name = "PATH|empty", value_parser = Offline::parse)]
    pub live: Option<Offline>,
    /// JSON, as `terraform output -json`: {"NAME": {"sensitive", "type", "value"}}.
    #[arg(long, value_enum, default_value = "human")]
    pub format: OutputFormat,
    /// The value of one string, number or bool output, without quotes (as `-raw`).
    #[arg(long, requires = "name")]
    pub raw: bool,
    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Human,
    Json,
}

pub(super) fn exec(args: &OutputArgs, order: &[String]) -> Result<Status, Error> {
    let aws = args.aws.cloud();
    let cloud = live_or_aws(args.live.as_ref(), &aws);
    let opts = PlanOptions {
        load: args.config.load_options(order),
        cloud,
        targets: Vec::new(),
        destroy: false,
        calibration: Default::default(),
    };
    let planned = plan(&opts)?;
    let outputs = &planned.plan.output_changes;
    let chosen: Vec<(&String, &crate::plan::OutputChange)> = match &args.name {
        Some(name) => match outputs.get_key_value(name) {
            Some(pair) => vec![pair],
            None => {
                let names: Vec<&str> = outputs.keys().map(String::as_str).collect();
                let hint = crate::diag::did_you_mean(name, names.iter().copied())
                    .map(|s| format!(" (did you mean \"{s}\"?)"))
                    .unwrap_or_default();
                return Err(Error::Usage(format!("output \"{name}\" is not declared in the root module{hint}")));
            }
        },
        None => outputs.iter().collect(),
    };
    let shown = |name: &str, o: &crate::plan::OutputChange| -> Result<Option<serde_json::Value>, Error> {
        if o.after_sensitive {
            return Ok(None);
        }
        if o.after_unknown {
            return Err(Error::Usage(format!(
                "output \"{name}\" is not known until after apply (what it reads does not exist yet)"
            )));
        }
        Ok(Some(o.after.clone()))
    };
    let text = if args.raw {
        let (name, o) = chosen[0];
        match shown(name, o)? {
            Some(serde_json::Value::String(s)) => s,
            Some(v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => v.to_string(),
            Some(_) => {
                return Err(Error::Usage(format!("--raw prints strings, numbers and bools; \"{name}\" is not one")));
            }
            None => return Err(Error::Usage(format!("output \"{name}\" is sensitive: drplan never prints it"))),
        }
    } else if args.format == OutputFormat::Json {
        let mut doc = serde_json::Map::new();
        for (name, o) in &chosen {
            let value = shown(name, o)?;
            let ty = value.as_ref().map(cty_type).unwrap_or(serde_json::Value::Null);
            let entry = serde_json::json!({ "sensitive": o.after_sensitive, "type": ty, "value": value });
            doc.insert((*name).clone(), entry);
        }
        let doc = match &args.name {
            Some(_) => doc.into_iter().next().map(|(_, v)| v["value"].clone()).unwrap_or_default(),
            None => serde_json::Value::Object(doc),
        };
        serde_json::to_string_pretty(&doc).expect("outputs serialize") + "\n"
    } else {
        let mut out = String::new();
        for (name, o) in &chosen {
            let value = match shown(name, o)? {
                Some(v) => serde_json::to_string(&v).expect("a value serializes"),
                None => "<sensitive>".into(),
            };
            match &args.name {
                Some(_) => out.push_str(&format!("{value}\n")),
                None => out.push_str(&format!("{name} = {value}\n")),
            }
        }
        out
    };
    print(&text)?;
    Ok(Status::Success)
}

/// The type Terraform's `output -json` gives a value (cty's JSON type notation).
fn cty_type(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::{Value, json};
    match v {
        Value::Null => json!("dynamic"),
        Value::Bool(_) => json!("bool"),
        Value::Number(_) => json!("number"),
        Value::String(_) => json!("string"),
        Value::Array(items) => json!(["tuple", items.iter().map(cty_type).collect::<Vec<_>>()]),
        Value::Object(map) => {
            json!(["object", map.iter().map(|(k, v)| (k.clone(), cty_type(v))).collect::<serde_json::Map<_, _>>()])
        }
    }
}
