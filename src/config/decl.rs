//! Typed declarations decoded from top-level blocks, and the decoding itself.

use std::path::PathBuf;

use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use hcl_edit::structure::Body;

use crate::diag::{FileId, Span};

pub use crate::schema::Mode;

/// An expression together with the file it was written in.
#[derive(Clone, Debug)]
pub struct Expr {
    pub file: FileId,
    pub expr: Expression,
}

impl Expr {
    pub fn span(&self) -> Option<Span> {
        self.file.range(self.expr.span())
    }
}

#[derive(Clone, Debug, Default)]
pub struct Lifecycle {
    pub prevent_destroy: bool,
    pub create_before_destroy: bool,
    /// `ignore_changes = all`.
    pub ignore_all_changes: bool,
    /// Top-level attribute names listed in `ignore_changes`.
    pub ignore_changes: Vec<String>,
    /// The tag keys the instance's provider configuration ignores (its `ignore_tags`), filled
    /// in at expansion: neither compared nor written, nor removed where AWS has them.
    pub ignored_tags: IgnoreTags,
}

/// A provider configuration's `ignore_tags { keys, key_prefixes }`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IgnoreTags {
    pub keys: Vec<String>,
    pub key_prefixes: Vec<String>,
}

impl IgnoreTags {
    /// Whether tag `key` is ignored (drplan's ownership tags never are).
    pub fn ignores(&self, key: &str) -> bool {
        !key.starts_with("drplan:")
            && (self.keys.iter().any(|k| k == key) || self.key_prefixes.iter().any(|p| key.starts_with(p.as_str())))
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.key_prefixes.is_empty()
    }
}

/// A `resource` or `data` block.
#[derive(Clone, Debug)]
pub struct ResourceDecl {
    pub mode: Mode,
    pub ty: String,
    pub name: String,
    pub file: FileId,
    /// The block header (`resource "aws_vpc" "main"`), where errors about the whole block point.
    pub span: Span,
    pub body: Body,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub depends_on: Vec<Expr>,
    /// `aws.primary` style provider reference.
    pub provider: Option<(String, Span)>,
    pub lifecycle: Lifecycle,
}

impl ResourceDecl {
    /// `aws_vpc.main` or `data.aws_ami.web`, without module path or instance key.
    pub fn address_base(&self) -> String {
        match self.mode {
            Mode::Managed => format!("{}.{}", self.ty, self.name),
            Mode::Data => format!("data.{}.{}", self.ty, self.name),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Validation {
    pub condition: Expr,
    pub error_message: Option<Expr>,
}

#[derive(Clone, Debug)]
pub struct VariableDecl {
    pub name: String,
    pub span: Span,
    pub type_expr: Option<Expr>,
    pub default: Option<Expr>,
    pub description: Option<String>,
    pub sensitive: bool,
    pub nullable: bool,
    pub validations: Vec<Validation>,
}

#[derive(Clone, Debug)]
pub struct LocalDecl {
    pub name: String,
    pub span: Span,
    pub value: Expr,
}

#[derive(Clone, Debug)]
pub struct OutputDecl {
    pub name: String,
    pub span: Span,
    pub value: Option<Expr>,
    pub description: Option<String>,
    pub sensitive: bool,
    pub depends_on: Vec<Expr>,
}

#[derive(Clone, Debug)]
pub struct ModuleCall {
    pub name: String,
    pub span: Span,
    pub source: String,
    /// `version = "~> 5.0"` (registry sources), with its span.
    pub version: Option<(String, Span)>,
    /// Index of the loaded child in [`ModuleTree::modules`], once resolved.
    pub child: Option<usize>,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub inputs: Vec<(String, Span, Expr)>,
    /// `providers = { aws.primary = aws.dr }`: child key -> parent key.
    pub providers: Vec<(String, String)>,
    pub depends_on: Vec<Expr>,
}

#[derive(Clone, Debug)]
pub struct ProviderDecl {
    pub name: String,
    pub alias: Option<String>,
    pub span: Span,
    pub region: Option<Expr>,
    /// Terraform's account guards: drplan refuses to write with credentials of an account
    /// outside `allowed_account_ids` or inside `forbidden_account_ids`.
    pub allowed_account_ids: Option<Expr>,
    pub forbidden_account_ids: Option<Expr>,
    pub assume_role: Option<AssumeRoleDecl>,
    /// `assume_role_with_web_identity`, in the same shape.
    pub web_identity: Option<AssumeRoleDecl>,
    /// `endpoints { <service> = <url> }`: service, where it is written, value.
    pub endpoints: Vec<(String, Span, Expr)>,
    /// The provider's other arguments (`max_retries`, `use_fips_endpoint`, `s3_use_path_style`,
    /// ...): name, where it is written, value. The provider host gets them as written; drplan's
    /// own clients honour those the AWS SDK has (`cloud::Identity::client`).
    pub settings: Vec<(String, Span, Expr)>,
    /// `access_key`, `secret_key`, `token`, `profile`, `shared_config_files`,
    /// `shared_credentials_files`: name, where the name is written, value.
    pub credentials: Vec<(String, Span, Expr)>,
    /// `default_tags { tags = ... }`: the tags expression.
    pub default_tags: Option<Expr>,
    /// `ignore_tags { keys, key_prefixes }`: each argument, where its name is written, its value.
    pub ignore_tags: Vec<(String, Span, Expr)>,
    /// Arguments and blocks drplan accepts but does not act on yet (credentials, default tags,
    /// endpoints), with where each is written: each gets a warning.
    pub not_honoured: Vec<(String, Span)>,
}

/// A provider's `assume_role` (or `assume_role_with_web_identity`) block.
#[derive(Clone, Debug)]
pub struct AssumeRoleDecl {
    /// The block's header.
    pub span: Span,
    /// Its arguments: name, where the name is written, value.
    pub attrs: Vec<(String, Span, Expr)>,
}

impl ProviderDecl {
    /// `aws` or `aws.primary`: how resources refer to it.
    pub fn key(&self) -> String {
        match &self.alias {
            Some(a) => format!("{}.{a}", self.name),
            None => self.name.clone(),
        }
    }
}

/// drplan's own `recovery { stack, region, primary_region, rto, rpo }` block.
#[derive(Clone, Debug)]
pub struct RecoveryDecl {
    pub span: Span,
    pub attrs: Vec<(String, Span, Expr)>,
}

/// A smoke test run after recovery (`drplan drill`, the runbook's validation section):
/// `check "name" { http { ... } }`, or `tcp`, `dns` or `sql { ... }`.
#[derive(Clone, Debug)]
pub struct CheckDecl {
    pub name: String,
    pub span: Span,
    /// http, tcp, dns or sql.
    pub kind: String,
    pub attrs: Vec<(String, Span, Expr)>,
}

/// Who to call: `contacts { primary = "...", escalation = "..." }` (root module only).
#[derive(Clone, Debug)]
pub struct ContactsDecl {
    pub span: Span,
    pub attrs: Vec<(String, Span, Expr)>,
}

/// Everything declared in one module directory.
#[derive(Clone, Debug, Default)]
pub struct Module {
    pub dir: PathBuf,
    pub recovery: Option<RecoveryDecl>,
    pub providers: Vec<ProviderDecl>,
    pub variables: Vec<VariableDecl>,
    pub locals: Vec<LocalDecl>,
    pub outputs: Vec<OutputDecl>,
    pub module_calls: Vec<ModuleCall>,
    pub resources: Vec<ResourceDecl>,
    pub checks: Vec<CheckDecl>,
    pub contacts: Option<ContactsDecl>,
    /// The `terraform` block's `required_version` and `required_providers` versions.
    pub requirements: Vec<Requirement>,
}

/// A version constraint the configuration states.
#[derive(Clone, Debug)]
pub struct Requirement {
    /// `terraform`, or the provider's local name (`aws`).
    pub of: String,
    /// The provider's source (`hashicorp/aws`), when given.
    pub source: Option<String>,
    /// The constraint as written (`>= 6.28`).
    pub constraint: String,
    /// Where the constraint is written.
    pub span: Span,
}

/// The root module (index 0) and every module it calls, each loaded once.
#[derive(Clone, Debug, Default)]
pub struct ModuleTree {
    pub modules: Vec<Module>,
}

impl ModuleTree {
    pub fn root(&self) -> &Module {
        &self.modules[0]
    }
}

/// The provider a resource or data source type belongs to, as Terraform infers it from the
/// type's name when the block names none: `aws_vpc` is `aws`'s, `kubernetes_namespace`
/// `kubernetes`'s.
pub fn implied_provider(ty: &str) -> &str {
    ty.split_once('_').map_or(ty, |(provider, _)| provider)
}

/// provider-aws's `assume_role` arguments; drplan acts on all of them.
pub const ASSUME_ROLE_ARGUMENTS: &[&str] = &[
    "role_arn",
    "session_name",
    "external_id",
    "duration",
    "policy",
    "policy_arns",
    "tags",
    "transitive_tag_keys",
    "source_identity",
];

/// provider-aws's `assume_role_with_web_identity` arguments; drplan acts on all of them.
pub const WEB_IDENTITY_ARGUMENTS: &[&str] =
    &["role_arn", "session_name", "web_identity_token", "web_identity_token_file", "duration", "policy", "policy_arns"];
