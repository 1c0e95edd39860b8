//! An instance's configuration: its body evaluated against drplan's schema of its type, or
//! against the provider's when the block sets what only the provider implements, and the
//! provider configuration's default tags under its own.

use std::collections::{BTreeMap, BTreeSet};

use super::instances::BlockFacts;
use super::{Engine, Frame, InstanceKey, body, count};
use crate::config::{Mode, ResourceDecl};
use crate::eval::Value;
use crate::eval::expr::Evaluator;

impl Engine<'_> {
    /// The instance's configuration, checked against drplan's schema of its type; a native block
    /// that sets what only the provider implements is checked against the provider's schema
    /// instead, and served by it (the third value) when the provider can plan it.
    pub(super) fn body(
        &mut self,
        frame: &Frame,
        decl: &ResourceDecl,
        block: &BlockFacts,
        key: &InstanceKey,
        each: Option<&Value>,
    ) -> (Value, BTreeSet<String>, bool) {
        let managed = decl.mode == Mode::Managed;
        let context = format!("{} \"{}\"", if managed { "resource" } else { "data" }, decl.ty);
        let plannable = self.opts.hosted.located.is_some();
        let may_delegate = managed && plannable && block.checked_against.is_some();
        let mut scratch = crate::diag::Diagnostics::default();
        let mut ev = Evaluator::new(&frame.scope, decl.file);
        count::bind(&mut ev, key, each);
        let mut native = body::BodyEval {
            ev: &mut ev,
            file: decl.file,
            diags: &mut scratch,
            data_source: !managed,
            redact: block.redact,
            provider: block.checked_against.map(|(n, p)| (&n.block, &p.block, block.base.as_str())),
            served: managed && crate::resources::get(&decl.ty).is_none(),
            depth: 0,
            may_delegate,
            delegated: false,
        };
        let (config, written) = native.block(&decl.body, &block.schema.block, Some(decl.span), &context);
        let unapplied =
            if managed { not_applied(&decl.ty, &config, &written, &block.schema.block) } else { Vec::new() };
        let delegated = native.delegated || (may_delegate && !unapplied.is_empty());
        if !unapplied.is_empty() && !may_delegate {
            scratch.push(unapplied_warning(decl, &unapplied));
        }
        let theirs = block.checked_against.map(|(_, p)| p).filter(|_| delegated);
        let Some(theirs) = theirs else {
            self.diags.extend(scratch);
            return (config, written, managed && block.hosted);
        };
        let mut ev = Evaluator::new(&frame.scope, decl.file);
        count::bind(&mut ev, key, each);
        let (config, written) = body::BodyEval {
            ev: &mut ev,
            file: decl.file,
            diags: self.diags,
            data_source: false,
            redact: block.redact,
            provider: None,
            served: true,
            depth: 0,
            may_delegate: false,
            delegated: false,
        }
        .block(&decl.body, &theirs.block, Some(decl.span), &context);
        (config, written, true)
    }
}

/// The arguments the block sets (`written`), to anything but their defaults, that drplan's
/// native writes of `ty` do not apply ([`crate::resources::ResourceType::not_applied`]).
fn not_applied(
    ty: &str,
    config: &Value,
    written: &BTreeSet<String>,
    schema: &crate::schema::BlockSchema,
) -> Vec<&'static str> {
    let Some(native) = crate::resources::get(ty) else { return Vec::new() };
    let default = |name: &str| schema.attrs.get(name).and_then(|a| a.default.clone()).unwrap_or(Value::Null);
    let set = |name: &&str| match config.get(name).filter(|_| written.contains(*name)) {
        None | Some(Value::Null) => false,
        Some(Value::List(items)) if schema.blocks.contains_key(*name) => !items.is_empty(),
        Some(v) => *v != default(name),
    };
    native.not_applied().iter().copied().filter(set).collect()
}

/// Where the provider is not installed: the arguments are planned, and not applied.
fn unapplied_warning(decl: &ResourceDecl, names: &[&str]) -> crate::diag::Diagnostic {
    let list = names.join(", ");
    crate::diag::Diagnostic::warning("Arguments drplan applies only through terraform-provider-aws")
        .detail(format!(
            "resource \"{}\" \"{}\" sets {list}, which drplan's native {} does not apply: without terraform-provider-aws, AWS's defaults are used for {}.",
            decl.ty,
            decl.name,
            decl.ty,
            if names.len() == 1 { "it" } else { "them" },
        ))
        .hint("install terraform-provider-aws (terraform init): drplan then serves this resource through it, with every argument")
        .at(decl.span)
}

/// The instance's tags without those its provider configuration's `ignore_tags` names: they are
/// neither written nor compared (as provider-aws leaves them out of `tags_all`).
pub(super) fn without_ignored_tags(config: Value, ignored: &crate::config::IgnoreTags) -> Value {
    let Value::Map(mut fields) = config else { return config };
    if let Some(Value::Map(tags)) = fields.get_mut("tags") {
        tags.retain(|k, _| !ignored.ignores(k));
    }
    Value::Map(fields)
}

/// The provider's `default_tags` under a taggable instance's own `tags` (its own win, as in
/// Terraform's `tags_all`): what every write sends and every drift check compares. Unknown tags
/// stay unknown. The third value is the block's own `tags` when the defaults were merged.
pub(super) fn with_default_tags(
    config: Value,
    mut written: BTreeSet<String>,
    defaults: &BTreeMap<String, String>,
) -> (Value, BTreeSet<String>, Option<Value>) {
    let Value::Map(mut fields) = config else { return (config, written, None) };
    if defaults.is_empty() {
        return (Value::Map(fields), written, None);
    }
    let mut tags: BTreeMap<String, Value> =
        defaults.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect();
    let own = match fields.remove("tags") {
        Some(Value::Map(own)) => {
            tags.extend(own.clone());
            Value::Map(own)
        }
        Some(Value::Null) | None => Value::Null,
        Some(other) => {
            fields.insert("tags".into(), other);
            return (Value::Map(fields), written, None);
        }
    };
    fields.insert("tags".into(), Value::Map(tags.into()));
    written.insert("tags".into());
    (Value::Map(fields), written, Some(own))
}
