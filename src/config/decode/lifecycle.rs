//! Decoding `lifecycle` blocks: literal flags, `ignore_changes`, and the custom conditions
//! (`precondition`, `postcondition`), which are checked for shape and not yet evaluated.

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Structure};

use super::Decoder;
use crate::config::decl::Lifecycle;
use crate::diag::{Diagnostic, did_you_mean};

impl Decoder<'_> {
    /// A `precondition` or `postcondition` block needs `condition` and `error_message`.
    fn condition_block(&mut self, b: &Block) {
        let names: Vec<&str> = b
            .body
            .iter()
            .filter_map(|s| match s {
                Structure::Attribute(a) => Some(a.key.as_str()),
                Structure::Block(_) => None,
            })
            .collect();
        for required in ["condition", "error_message"] {
            if !names.contains(&required) {
                self.error(
                    Diagnostic::error("Missing required argument")
                        .detail(format!("The argument \"{required}\" is required in a {} block.", b.ident.as_str()))
                        .at(self.span(b)),
                );
            }
        }
    }

    pub(super) fn lifecycle(&mut self, block: &Block) -> Lifecycle {
        let mut lc = Lifecycle::default();
        for structure in block.body.iter() {
            let a = match structure {
                Structure::Attribute(a) => a,
                // Terraform's custom conditions: accepted (checked for their two arguments),
                // not yet evaluated.
                Structure::Block(b) if matches!(b.ident.as_str(), "precondition" | "postcondition") => {
                    self.condition_block(b);
                    continue;
                }
                _ => {
                    self.error(
                        Diagnostic::error("Unsupported block type")
                            .detail("Blocks of this type are not expected inside lifecycle.")
                            .at(self.span(structure))
                            .hint("lifecycle takes prevent_destroy, create_before_destroy, ignore_changes, replace_triggered_by, and precondition / postcondition blocks"),
                    );
                    continue;
                }
            };
            match a.key.as_str() {
                "prevent_destroy" => lc.prevent_destroy = self.literal_bool(&a.value, "prevent_destroy"),
                "create_before_destroy" => {
                    lc.create_before_destroy = self.literal_bool(&a.value, "create_before_destroy")
                }
                "ignore_changes" => match &a.value {
                    Expression::Variable(v) if v.as_str() == "all" => lc.ignore_all_changes = true,
                    Expression::Array(items) => {
                        for item in items.iter() {
                            match item {
                                Expression::Variable(v) => lc.ignore_changes.push(v.as_str().to_string()),
                                Expression::Traversal(t) => match &t.expr {
                                    Expression::Variable(v) => lc.ignore_changes.push(v.as_str().to_string()),
                                    other => self.error(
                                        Diagnostic::error("Invalid ignore_changes entry")
                                            .detail("Each entry must be an attribute name.")
                                            .at(self.span(other)),
                                    ),
                                },
                                Expression::String(s) => lc.ignore_changes.push(s.value().clone()),
                                other => self.error(
                                    Diagnostic::error("Invalid ignore_changes entry")
                                        .detail("Each entry must be an attribute name.")
                                        .at(self.span(other)),
                                ),
                            }
                        }
                    }
                    other => self.error(
                        Diagnostic::error("Invalid ignore_changes")
                            .detail("ignore_changes must be a list of attribute names, or all.")
                            .at(self.span(other)),
                    ),
                },
                "replace_triggered_by" | "precondition" | "postcondition" => {}
                other => {
                    let d = Diagnostic::error("Unsupported argument")
                        .detail(format!("An argument named \"{other}\" is not expected in a lifecycle block."))
                        .at(self.span(&a.key));
                    let d = match did_you_mean(other, ["prevent_destroy", "create_before_destroy", "ignore_changes"]) {
                        Some(s) => d.hint(format!("did you mean \"{s}\"?")),
                        None => d,
                    };
                    self.error(d);
                }
            }
        }
        lc
    }
}
