//! Decoding top-level blocks into declarations, with the static checks that need no evaluation:
//! labels, known block and argument names, literal meta-arguments, `count` with `for_each`.

use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body, Structure};

use super::decl::*;

mod check;
mod lifecycle;
mod provider;
use crate::diag::{Diagnostic, Diagnostics, FileId, Span, did_you_mean};

const TOP_LEVEL_BLOCKS: &[&str] = &[
    "check",
    "contacts",
    "data",
    "locals",
    "module",
    "output",
    "provider",
    "recovery",
    "resource",
    "terraform",
    "variable",
];

struct Decoder<'d> {
    file: FileId,
    diags: &'d mut Diagnostics,
}

impl Decoder<'_> {
    fn span(&self, s: &impl hcl_edit::Span) -> Option<Span> {
        self.file.range(s.span())
    }

    fn header_span(&self, block: &Block) -> Option<Span> {
        let start = block.ident.span()?.start;
        let end = block.labels.last().and_then(|l| l.span()).map_or(block.ident.span()?.end, |r| r.end);
        Some(self.file.span(start, end))
    }

    fn expr(&self, e: &Expression) -> Expr {
        Expr { file: self.file, expr: e.clone() }
    }

    fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn labels(&mut self, block: &Block, want: &[&str]) -> Option<Vec<String>> {
        let labels: Vec<String> = block.labels.iter().map(|l| l.as_str().to_string()).collect();
        if labels.len() == want.len() {
            return Some(labels);
        }
        let kind = block.ident.as_str();
        let expected = if want.is_empty() {
            "no labels".to_string()
        } else {
            format!("{} label(s): {}", want.len(), want.join(", "))
        };
        self.error(
            Diagnostic::error(if labels.len() < want.len() { "Missing block label" } else { "Extraneous block label" })
                .detail(format!("A {kind} block takes {expected}, but has {}.", labels.len()))
                .at(self.header_span(block)),
        );
        None
    }

    fn literal_bool(&mut self, e: &Expression, what: &str) -> bool {
        match e {
            Expression::Bool(b) => *b.value(),
            other => {
                self.error(
                    Diagnostic::error("Invalid value")
                        .detail(format!("{what} must be the literal true or false."))
                        .at(self.span(other)),
                );
                false
            }
        }
    }

    fn literal_string(&mut self, e: &Expression, what: &str) -> Option<String> {
        match e {
            Expression::String(s) => Some(s.value().clone()),
            Expression::StringTemplate(t) if t.iter().all(|el| el.is_literal()) => {
                Some(t.iter().filter_map(|el| el.as_literal().map(|l| l.value().clone())).collect())
            }
            Expression::HeredocTemplate(h) if crate::eval::expr::heredoc_literal(h).is_some() => {
                crate::eval::expr::heredoc_literal(h)
            }
            other => {
                self.error(
                    Diagnostic::error("Invalid value")
                        .detail(format!("{what} must be a literal string."))
                        .at(self.span(other)),
                );
                None
            }
        }
    }

    /// `depends_on = [aws_vpc.main, module.net]`: each element must be a plain reference.
    fn depends_on(&mut self, e: &Expression) -> Vec<Expr> {
        match e {
            Expression::Array(items) => items
                .iter()
                .filter_map(|item| match item {
                    Expression::Traversal(_) | Expression::Variable(_) => Some(self.expr(item)),
                    other => {
                        self.error(Diagnostic::error("Invalid depends_on reference").detail("Each element of depends_on must be a reference to a resource, data source or module.").at(self.span(other)));
                        None
                    }
                })
                .collect(),
            other => {
                self.error(Diagnostic::error("Invalid depends_on").detail("depends_on must be a list of references.").at(self.span(other)));
                Vec::new()
            }
        }
    }

    fn resource(&mut self, block: &Block, mode: Mode) -> Option<ResourceDecl> {
        let labels = self.labels(block, &["type", "name"])?;
        let span = self.header_span(block)?;
        let mut decl = ResourceDecl {
            mode,
            ty: labels[0].clone(),
            name: labels[1].clone(),
            file: self.file,
            span,
            body: Body::default(),
            count: None,
            for_each: None,
            depends_on: Vec::new(),
            provider: None,
            lifecycle: Lifecycle::default(),
        };
        check_name(self, &decl.name, span, "resource");
        let mut provisioners = Vec::new();
        for structure in block.body.iter() {
            match structure {
                Structure::Attribute(a) => match a.key.as_str() {
                    "count" => decl.count = Some(self.expr(&a.value)),
                    "for_each" => decl.for_each = Some(self.expr(&a.value)),
                    "depends_on" => decl.depends_on = self.depends_on(&a.value),
                    "provider" => decl.provider = self.provider_ref(&a.value),
                    _ => decl.body.push(structure.clone()),
                },
                Structure::Block(b) if b.ident.as_str() == "lifecycle" && mode == Mode::Managed => {
                    decl.lifecycle = self.lifecycle(b)
                }
                // Terraform's meta-blocks for provisioners: valid, never run by drplan.
                Structure::Block(b)
                    if matches!(b.ident.as_str(), "provisioner" | "connection") && mode == Mode::Managed =>
                {
                    if b.ident.as_str() == "provisioner" {
                        provisioners.push(b.labels.first().map(|l| l.as_str().to_string()).unwrap_or_default());
                    }
                }
                Structure::Block(_) => decl.body.push(structure.clone()),
            }
        }
        if !provisioners.is_empty() {
            self.error(
                Diagnostic::warning("Provisioners are not run")
                    .detail(format!(
                        "drplan runs no provisioners: the {} of {}.{} {} ignored.",
                        provisioners.iter().map(|p| format!("\"{p}\" provisioner")).collect::<Vec<_>>().join(", "),
                        decl.ty,
                        decl.name,
                        if provisioners.len() == 1 { "is" } else { "are" }
                    ))
                    .at(span)
                    .hint("run what it does as a step of your own, before or after drplan apply"),
            );
        }
        if let (Some(_), Some(fe)) = (&decl.count, &decl.for_each) {
            self.error(
                Diagnostic::error("Invalid combination of \"count\" and \"for_each\"")
                    .detail("The \"count\" and \"for_each\" meta-arguments are mutually exclusive; only one may be used in a block.")
                    .at(fe.span()),
            );
        }
        Some(decl)
    }

    fn provider_ref(&mut self, e: &Expression) -> Option<(String, Span)> {
        let span = self.span(e)?;
        let text = match e {
            Expression::Variable(v) => Some(v.as_str().to_string()),
            Expression::Traversal(t) => match (&t.expr, t.operators.as_slice()) {
                (Expression::Variable(v), [op]) => match op.value() {
                    hcl_edit::expr::TraversalOperator::GetAttr(a) => Some(format!("{}.{}", v.as_str(), a.as_str())),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        };
        if text.is_none() {
            self.error(
                Diagnostic::error("Invalid provider reference")
                    .detail(
                        "The provider argument takes a provider name, optionally with an alias: aws or aws.primary.",
                    )
                    .at(span),
            );
        }
        text.map(|t| (t, span))
    }

    fn variable(&mut self, block: &Block) -> Option<VariableDecl> {
        let name = self.labels(block, &["name"])?.remove(0);
        let span = self.header_span(block)?;
        check_name(self, &name, span, "variable");
        let mut v = VariableDecl {
            name,
            span,
            type_expr: None,
            default: None,
            description: None,
            sensitive: false,
            nullable: true,
            validations: Vec::new(),
        };
        for structure in block.body.iter() {
            match structure {
                Structure::Attribute(a) => match a.key.as_str() {
                    "type" => v.type_expr = Some(self.expr(&a.value)),
                    "default" => v.default = Some(self.expr(&a.value)),
                    "description" => v.description = self.literal_string(&a.value, "description"),
                    "sensitive" => v.sensitive = self.literal_bool(&a.value, "sensitive"),
                    "nullable" => v.nullable = self.literal_bool(&a.value, "nullable"),
                    "ephemeral" => {}
                    other => self.unsupported_arg(
                        other,
                        &a.key,
                        "variable",
                        &["type", "default", "description", "sensitive", "nullable"],
                    ),
                },
                Structure::Block(b) if b.ident.as_str() == "validation" => {
                    let condition = b.body.get_attribute("condition").map(|a| self.expr(&a.value));
                    let error_message = b.body.get_attribute("error_message").map(|a| self.expr(&a.value));
                    match condition {
                        Some(condition) => v.validations.push(Validation { condition, error_message }),
                        None => self.error(
                            Diagnostic::error("Missing required argument")
                                .detail("A validation block needs a condition.")
                                .at(self.header_span(b)),
                        ),
                    }
                }
                Structure::Block(b) => self.unsupported_block(b, "variable", &["validation"]),
            }
        }
        Some(v)
    }

    fn unsupported_arg(&mut self, name: &str, key: &impl hcl_edit::Span, context: &str, known: &[&str]) {
        let d = Diagnostic::error("Unsupported argument")
            .detail(format!("An argument named \"{name}\" is not expected in a {context} block."))
            .at(self.span(key));
        let d = match did_you_mean(name, known.iter().copied()) {
            Some(s) => d.hint(format!("did you mean \"{s}\"?")),
            None => d,
        };
        self.error(d);
    }

    fn unsupported_block(&mut self, b: &Block, context: &str, known: &[&str]) {
        let name = b.ident.as_str();
        let d = Diagnostic::error("Unsupported block type")
            .detail(format!("Blocks of type \"{name}\" are not expected in a {context} block."))
            .at(self.span(&b.ident));
        let d = match did_you_mean(name, known.iter().copied()) {
            Some(s) => d.hint(format!("did you mean \"{s}\"?")),
            None => d,
        };
        self.error(d);
    }

    fn output(&mut self, block: &Block) -> Option<OutputDecl> {
        let name = self.labels(block, &["name"])?.remove(0);
        let span = self.header_span(block)?;
        check_name(self, &name, span, "output");
        let mut o = OutputDecl { name, span, value: None, description: None, sensitive: false, depends_on: Vec::new() };
        for structure in block.body.iter() {
            match structure {
                Structure::Attribute(a) => match a.key.as_str() {
                    "value" => o.value = Some(self.expr(&a.value)),
                    "description" => o.description = self.literal_string(&a.value, "description"),
                    "sensitive" => o.sensitive = self.literal_bool(&a.value, "sensitive"),
                    "depends_on" => o.depends_on = self.depends_on(&a.value),
                    "ephemeral" => {}
                    other => self.unsupported_arg(
                        other,
                        &a.key,
                        "output",
                        &["value", "description", "sensitive", "depends_on"],
                    ),
                },
                Structure::Block(b) if b.ident.as_str() == "precondition" => {}
                Structure::Block(b) => self.unsupported_block(b, "output", &["precondition"]),
            }
        }
        if o.value.is_none() {
            self.error(
                Diagnostic::error("Missing required argument")
                    .detail("The argument \"value\" is required in an output block.")
                    .at(span),
            );
        }
        Some(o)
    }

    fn module_call(&mut self, block: &Block) -> Option<ModuleCall> {
        let name = self.labels(block, &["name"])?.remove(0);
        let span = self.header_span(block)?;
        check_name(self, &name, span, "module");
        let mut m = ModuleCall {
            name,
            span,
            source: String::new(),
            version: None,
            child: None,
            count: None,
            for_each: None,
            inputs: Vec::new(),
            providers: Vec::new(),
            depends_on: Vec::new(),
        };
        let mut has_source = false;
        for structure in block.body.iter() {
            match structure {
                Structure::Attribute(a) => match a.key.as_str() {
                    "source" => {
                        has_source = true;
                        m.source = self.literal_string(&a.value, "A module source")?;
                    }
                    "version" => {
                        let text = self.literal_string(&a.value, "A module version constraint")?;
                        m.version = Some((text, self.span(&a.value)?));
                    }
                    "count" => m.count = Some(self.expr(&a.value)),
                    "for_each" => m.for_each = Some(self.expr(&a.value)),
                    "depends_on" => m.depends_on = self.depends_on(&a.value),
                    "providers" => m.providers = self.providers_map(&a.value),
                    other => m.inputs.push((other.to_string(), self.span(&a.key)?, self.expr(&a.value))),
                },
                Structure::Block(b) => self.unsupported_block(b, "module", &[]),
            }
        }
        if !has_source {
            self.error(
                Diagnostic::error("Missing required argument")
                    .detail("The argument \"source\" is required in a module block.")
                    .at(span),
            );
            return None;
        }
        if let (Some(_), Some(fe)) = (&m.count, &m.for_each) {
            self.error(Diagnostic::error("Invalid combination of \"count\" and \"for_each\"").detail("The \"count\" and \"for_each\" meta-arguments are mutually exclusive; only one may be used in a block.").at(fe.span()));
        }
        Some(m)
    }

    fn providers_map(&mut self, e: &Expression) -> Vec<(String, String)> {
        let Expression::Object(obj) = e else {
            self.error(
                Diagnostic::error("Invalid providers argument")
                    .detail("providers must be a map such as { aws.primary = aws.primary }.")
                    .at(self.span(e)),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, v) in obj.iter() {
            let key = match k {
                hcl_edit::expr::ObjectKey::Ident(id) => Some(id.as_str().to_string()),
                hcl_edit::expr::ObjectKey::Expression(e) => self.provider_ref(e).map(|(t, _)| t),
            };
            if let (Some(key), Some((value, _))) = (key, self.provider_ref(v.expr())) {
                out.push((key, value));
            }
        }
        out
    }

    fn recovery(&mut self, block: &Block) -> Option<RecoveryDecl> {
        self.labels(block, &[])?;
        let span = self.header_span(block)?;
        let mut r = RecoveryDecl { span, attrs: Vec::new() };
        for structure in block.body.iter() {
            match structure {
                Structure::Attribute(a) => {
                    r.attrs.push((a.key.as_str().to_string(), self.span(&a.key)?, self.expr(&a.value)))
                }
                Structure::Block(b) => self.unsupported_block(b, "recovery", &[]),
            }
        }
        Some(r)
    }
}

fn check_name(d: &mut Decoder, name: &str, span: Span, what: &str) {
    let valid = name.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if !valid {
        d.error(
            Diagnostic::error("Invalid name")
                .detail(format!("The {what} name {name:?} is not valid: a name must start with a letter or underscore and contain only letters, digits, underscores and dashes."))
                .at(span),
        );
    }
}

/// Decodes one file's body into `module`, reporting anything not understood.
pub(crate) fn decode_file(body: &Body, file: FileId, module: &mut Module, is_root: bool, diags: &mut Diagnostics) {
    let mut d = Decoder { file, diags };
    for structure in body.iter() {
        let block = match structure {
            Structure::Block(b) => b,
            Structure::Attribute(a) => {
                d.error(
                    Diagnostic::error("Unexpected attribute")
                        .detail(format!(
                            "An argument \"{}\" is not expected at the top level; arguments belong inside blocks.",
                            a.key.as_str()
                        ))
                        .at(d.span(&a.key)),
                );
                continue;
            }
        };
        match block.ident.as_str() {
            "resource" => module.resources.extend(d.resource(block, Mode::Managed)),
            "data" => module.resources.extend(d.resource(block, Mode::Data)),
            "variable" => module.variables.extend(d.variable(block)),
            "output" => module.outputs.extend(d.output(block)),
            "module" => module.module_calls.extend(d.module_call(block)),
            "provider" => module.providers.extend(d.provider(block)),
            "locals" => {
                if d.labels(block, &[]).is_some() {
                    for s in block.body.iter() {
                        match s {
                            Structure::Attribute(a) => {
                                let Some(span) = d.span(&a.key) else { continue };
                                module.locals.push(LocalDecl { name: a.key.as_str().to_string(), span, value: d.expr(&a.value) });
                            }
                            Structure::Block(b) => d.unsupported_block(b, "locals", &[]),
                        }
                    }
                }
            }
            "terraform" => module.requirements.extend(d.requirements(block)),
            "check" => module.checks.extend(d.check(block)),
            "contacts" if !is_root => d.error(
                Diagnostic::error("Unexpected contacts block")
                    .detail("A contacts block belongs in the root module only.")
                    .at(d.header_span(block)),
            ),
            "contacts" => {
                if d.labels(block, &[]).is_some()
                    && let Some(span) = d.header_span(block)
                {
                    let mut attrs = Vec::new();
                    for s in block.body.iter() {
                        match s {
                            Structure::Attribute(a) => {
                                let Some(k) = d.span(&a.key) else { continue };
                                attrs.push((a.key.as_str().to_string(), k, d.expr(&a.value)));
                            }
                            Structure::Block(b) => d.unsupported_block(b, "contacts", &[]),
                        }
                    }
                    module.contacts = Some(ContactsDecl { span, attrs });
                }
            }
            "recovery" if !is_root => d.error(
                Diagnostic::error("Unexpected recovery block")
                    .detail("A recovery block belongs in the root module only; child modules inherit the root's stack and regions.")
                    .at(d.header_span(block)),
            ),
            "recovery" => {
                if let Some(r) = d.recovery(block) {
                    if module.recovery.is_some() {
                        d.error(Diagnostic::error("Duplicate recovery block").detail("Only one recovery block is allowed per configuration.").at(r.span));
                    } else {
                        module.recovery = Some(r);
                    }
                }
            }
            other => {
                let d2 = Diagnostic::error("Unsupported block type").detail(format!("Blocks of type \"{other}\" are not expected here.")).at(d.span(&block.ident));
                let d2 = match did_you_mean(other, TOP_LEVEL_BLOCKS.iter().copied()) {
                    Some(s) => d2.hint(format!("did you mean \"{s}\"?")),
                    None => d2,
                };
                d.error(d2);
            }
        }
    }
}
