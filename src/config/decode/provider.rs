//! Decoding `provider "aws"` blocks (every argument and block of provider-aws 5.100's provider
//! schema; those drplan acts on are kept, the rest noted for a warning) and the `terraform`
//! block's version constraints. Values are evaluated in `expand::providers`.

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Structure};

use super::Decoder;
use crate::config::Expr;
use crate::config::decl::{ASSUME_ROLE_ARGUMENTS, AssumeRoleDecl, ProviderDecl, Requirement, WEB_IDENTITY_ARGUMENTS};

/// provider-aws 5.100's provider arguments (`terraform providers schema -json`, `provider`).
const PROVIDER_ARGUMENTS: &[&str] = &[
    "access_key",
    "alias",
    "allowed_account_ids",
    "custom_ca_bundle",
    "ec2_metadata_service_endpoint",
    "ec2_metadata_service_endpoint_mode",
    "forbidden_account_ids",
    "http_proxy",
    "https_proxy",
    "insecure",
    "max_retries",
    "no_proxy",
    "profile",
    "region",
    "retry_mode",
    "s3_us_east_1_regional_endpoint",
    "s3_use_path_style",
    "secret_key",
    "shared_config_files",
    "shared_credentials_files",
    "skip_credentials_validation",
    "skip_metadata_api_check",
    "skip_region_validation",
    "skip_requesting_account_id",
    "sts_region",
    "token",
    "token_bucket_rate_limiter_capacity",
    "use_dualstack_endpoint",
    "use_fips_endpoint",
];

/// provider-aws 5.100's provider blocks.
const PROVIDER_BLOCKS: &[&str] =
    &["assume_role", "assume_role_with_web_identity", "default_tags", "endpoints", "ignore_tags"];

/// What changes where or as whom drplan acts, or what it compares, and that drplan does not
/// apply yet (issue #33): each gets a warning saying what drplan does instead.
const NOT_HONOURED: &[&str] = &[];

impl Decoder<'_> {
    /// A `provider "aws"` block: every argument and block of provider-aws 5.100's provider
    /// schema is accepted; those drplan does not act on yet are noted for a warning.
    pub(super) fn provider(&mut self, block: &Block) -> Option<ProviderDecl> {
        let name = self.labels(block, &["name"])?.remove(0);
        let span = self.header_span(block)?;
        // Another provider's configuration (kubernetes, helm, random, ...) configures nothing
        // drplan does: its resources either are types drplan serves without it (random, time,
        // ...) or get their own error with the `recovery.unmanaged` hint, and once unmanaged
        // they are other tools' business, so is the block that configures them.
        if name != "aws" {
            return None;
        }
        let mut p = ProviderDecl {
            name,
            alias: None,
            span,
            region: None,
            allowed_account_ids: None,
            forbidden_account_ids: None,
            assume_role: None,
            web_identity: None,
            endpoints: Vec::new(),
            settings: Vec::new(),
            credentials: Vec::new(),
            default_tags: None,
            ignore_tags: Vec::new(),
            not_honoured: Vec::new(),
        };
        for structure in block.body.iter() {
            let (key, at) = match structure {
                Structure::Attribute(a) => (a.key.as_str(), self.span(&a.key)),
                Structure::Block(b) => (b.ident.as_str(), self.span(&b.ident)),
            };
            match (structure, key) {
                (Structure::Attribute(a), "region") => p.region = Some(self.expr(&a.value)),
                (Structure::Attribute(a), "alias") => p.alias = self.literal_string(&a.value, "alias"),
                (Structure::Attribute(a), "allowed_account_ids") => p.allowed_account_ids = Some(self.expr(&a.value)),
                (Structure::Attribute(a), "forbidden_account_ids") => {
                    p.forbidden_account_ids = Some(self.expr(&a.value))
                }
                (Structure::Block(b), "assume_role") => p.assume_role = self.assume_role(b, ASSUME_ROLE_ARGUMENTS),
                (Structure::Block(b), "assume_role_with_web_identity") => {
                    p.web_identity = self.assume_role(b, WEB_IDENTITY_ARGUMENTS)
                }
                (
                    Structure::Attribute(a),
                    "profile"
                    | "shared_config_files"
                    | "shared_credentials_files"
                    | "access_key"
                    | "secret_key"
                    | "token",
                ) => p.credentials.extend(at.map(|at| (key.to_string(), at, self.expr(&a.value)))),
                (Structure::Block(b), "default_tags") => p.default_tags = self.default_tags(b),
                (Structure::Block(b), "endpoints") => p.endpoints = self.endpoints(b),
                (Structure::Block(b), "ignore_tags") => p.ignore_tags = self.ignore_tags(b),
                (_, k) if NOT_HONOURED.contains(&k) => p.not_honoured.extend(at.map(|at| (k.to_string(), at))),
                (Structure::Attribute(a), k) if PROVIDER_ARGUMENTS.contains(&k) => {
                    p.settings.extend(at.map(|at| (k.to_string(), at, self.expr(&a.value))))
                }
                (Structure::Block(_), k) if PROVIDER_BLOCKS.contains(&k) => {}
                (Structure::Attribute(a), other) => self.unsupported_arg(other, &a.key, "provider", PROVIDER_ARGUMENTS),
                (Structure::Block(b), _) => self.unsupported_block(b, "provider", PROVIDER_BLOCKS),
            }
        }
        Some(p)
    }

    /// `assume_role { role_arn, session_name, external_id, duration }` (or
    /// `assume_role_with_web_identity`, whose arguments are `allowed`): its arguments, evaluated
    /// with the provider's.
    fn assume_role(&mut self, block: &Block, allowed: &[&str]) -> Option<AssumeRoleDecl> {
        let span = self.header_span(block)?;
        let mut attrs = Vec::new();
        let name = block.ident.as_str();
        for structure in block.body.iter() {
            match structure {
                Structure::Attribute(a) if allowed.contains(&a.key.as_str()) => {
                    attrs.push((a.key.as_str().to_string(), self.span(&a.key)?, self.expr(&a.value)))
                }
                Structure::Attribute(a) => self.unsupported_arg(a.key.as_str(), &a.key, name, allowed),
                Structure::Block(b) => self.unsupported_block(b, name, &[]),
            }
        }
        Some(AssumeRoleDecl { span, attrs })
    }

    /// `endpoints { ec2 = "...", sts = "..." }`: each service's custom endpoint, evaluated with
    /// the provider's arguments (which services exist is the provider's schema's business).
    fn endpoints(&mut self, block: &Block) -> Vec<(String, crate::diag::Span, Expr)> {
        let mut out = Vec::new();
        for structure in block.body.iter() {
            match structure {
                Structure::Attribute(a) => {
                    if let Some(at) = self.span(&a.key) {
                        out.push((a.key.as_str().to_string(), at, self.expr(&a.value)));
                    }
                }
                Structure::Block(b) => self.unsupported_block(b, "endpoints", &[]),
            }
        }
        out
    }

    /// The `terraform` block's version constraints (literal strings; everything else in the block
    /// is Terraform's own business: backends, cloud, experiments).
    pub(super) fn requirements(&mut self, block: &Block) -> Vec<Requirement> {
        let mut out = Vec::new();
        for structure in block.body.iter() {
            match structure {
                Structure::Attribute(a) if a.key.as_str() == "required_version" => {
                    let (Some(constraint), Some(span)) =
                        (self.literal_string(&a.value, "required_version"), self.span(&a.value))
                    else {
                        continue;
                    };
                    out.push(Requirement { of: "terraform".into(), source: None, constraint, span });
                }
                Structure::Block(b) if b.ident.as_str() == "required_providers" => {
                    out.extend(self.required_providers(b))
                }
                _ => {}
            }
        }
        out
    }

    /// `required_providers { aws = { source = "hashicorp/aws", version = "~> 5.0" } }`.
    fn required_providers(&mut self, block: &Block) -> Vec<Requirement> {
        let mut out = Vec::new();
        for structure in block.body.iter() {
            let Structure::Attribute(a) = structure else { continue };
            let Expression::Object(object) = &a.value else { continue };
            let mut source = None;
            let mut version = None;
            for (key, value) in object.iter() {
                let key = match key {
                    hcl_edit::expr::ObjectKey::Ident(i) => i.as_str().to_string(),
                    hcl_edit::expr::ObjectKey::Expression(Expression::String(s)) => s.value().to_string(),
                    _ => continue,
                };
                let value = value.expr();
                match key.as_str() {
                    "source" => source = self.literal_string(value, "source"),
                    "version" => version = self.literal_string(value, "version").zip(self.span(value)),
                    _ => {}
                }
            }
            if let Some((constraint, span)) = version {
                out.push(Requirement { of: a.key.as_str().to_string(), source, constraint, span });
            }
        }
        out
    }

    /// `default_tags { tags = { ... } }`: the tags expression.
    fn default_tags(&mut self, block: &Block) -> Option<Expr> {
        let mut tags = None;
        for structure in block.body.iter() {
            match structure {
                Structure::Attribute(a) if a.key.as_str() == "tags" => tags = Some(self.expr(&a.value)),
                Structure::Attribute(a) => self.unsupported_arg(a.key.as_str(), &a.key, "default_tags", &["tags"]),
                Structure::Block(b) => self.unsupported_block(b, "default_tags", &[]),
            }
        }
        tags
    }

    /// `ignore_tags { keys, key_prefixes }`: its arguments, evaluated with the provider's.
    fn ignore_tags(&mut self, block: &Block) -> Vec<(String, crate::diag::Span, Expr)> {
        const ARGUMENTS: &[&str] = &["keys", "key_prefixes"];
        let mut out = Vec::new();
        for structure in block.body.iter() {
            match structure {
                Structure::Attribute(a) if ARGUMENTS.contains(&a.key.as_str()) => {
                    out.extend(self.span(&a.key).map(|at| (a.key.as_str().to_string(), at, self.expr(&a.value))))
                }
                Structure::Attribute(a) => self.unsupported_arg(a.key.as_str(), &a.key, "ignore_tags", ARGUMENTS),
                Structure::Block(b) => self.unsupported_block(b, "ignore_tags", &[]),
            }
        }
        out
    }
}
