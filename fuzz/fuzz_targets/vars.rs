//! Fuzz variable values: `terraform.tfvars` (HCL), `terraform.tfvars.json` and `--var NAME=VALUE`
//! arguments, checked against declarations of every type constraint, then the whole front end
//! and the diagnostics printer. Any panic is a bug. The first byte picks the input kind.
//! Run: `cargo +nightly fuzz run vars fuzz/seeds/vars -- -max_total_time=1800`.
#![no_main]

use std::sync::OnceLock;

use drplan::expand::inputs::VarArgs;
use drplan::ops::{LoadOptions, load_configuration};
use libfuzzer_sys::fuzz_target;

const DECLARATIONS: &str = r#"
recovery {
  stack  = "fuzz"
  region = "us-west-2"
}

variable "s" {
  type    = string
  default = "a"
}
variable "n" {
  type    = number
  default = 1
}
variable "b" {
  type    = bool
  default = true
}
variable "l" {
  type    = list(object({ name = string, size = optional(number, 2) }))
  default = []
}
variable "m" {
  type    = map(set(string))
  default = {}
}
variable "t" {
  type    = tuple([string, number])
  default = ["x", 1]
}
variable "secret" {
  type      = string
  default   = "x"
  sensitive = true
  validation {
    condition     = length(var.secret) < 40
    error_message = "too long: ${var.secret}"
  }
}
variable "any" {
  default = null
}

resource "aws_eip" "x" {
  count  = var.n < 3 && var.n >= 0 ? floor(var.n) : 0
  domain = "vpc"
  tags   = { S = var.s, L = jsonencode(var.l), M = jsonencode(var.m), T = var.t[0], Any = jsonencode(var.any) }
}
"#;

fn dir() -> &'static std::path::Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = tempfile::tempdir().expect("temp dir");
        std::fs::write(d.path().join("main.tf"), DECLARATIONS).expect("write declarations");
        d
    })
    .path()
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let dir = dir();
    let (hcl, json) = (dir.join("terraform.tfvars"), dir.join("terraform.tfvars.json"));
    let _ = std::fs::remove_file(&hcl);
    let _ = std::fs::remove_file(&json);
    let mut vars = VarArgs::default();
    match mode % 3 {
        0 => std::fs::write(&hcl, text).expect("write tfvars"),
        1 => std::fs::write(&json, text).expect("write tfvars.json"),
        _ => vars.items = text.lines().map(|l| Ok(VarArgs::parse_var(l).unwrap_or_default())).collect(),
    }
    let opts = LoadOptions { dir: dir.to_path_buf(), vars, workspace: "default".into(), phase: None, lenient_keys: false, provider: drplan::provider::Env::off() };
    if let Err(drplan::error::Error::Config { diagnostics, sources }) =
        load_configuration(&opts, &drplan::expand::NothingKnown)
    {
        let _ = diagnostics.render(&sources);
    }
});
