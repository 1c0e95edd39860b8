//! Renders the schemas as Markdown: the body of `docs/resources.md`, kept current by a test.

use std::fmt::Write as _;

use super::Mode;
use super::{BlockSchema, Rule, all};

pub fn markdown() -> String {
    let mut out = String::from(
        "# Resource and data source reference\n\n\
         Generated from `src/schema/aws.schema` (run `DRPLAN_BLESS=1 cargo test --lib resources_doc` after changing it).\n\
         Argument names, types and behaviour follow terraform-provider-aws v5. Every resource also has a computed\n\
         `id`; resources with `tags` have a computed `tags_all`.\n\n\
         Legend: **required**, optional, *computed* (set by AWS); \u{2020} forces replacement when changed;\n\
         (sensitive) never appears in output.\n\n",
    );
    for (mode, title) in [(Mode::Managed, "Resources"), (Mode::Data, "Data sources")] {
        let _ = writeln!(out, "## {title}\n");
        for s in all().iter().filter(|s| s.mode == mode) {
            let _ = writeln!(out, "### `{}`\n", s.ty);
            block(&mut out, &s.block, 0);
            out.push('\n');
        }
    }
    out
}

fn block(out: &mut String, b: &BlockSchema, depth: usize) {
    let indent = "  ".repeat(depth);
    for (name, a) in &b.attrs {
        if name == "id" || name == "tags_all" {
            continue;
        }
        let kind = match (a.required, a.optional, a.computed) {
            (true, _, _) => "**required**",
            (_, true, true) => "optional, *computed*",
            (_, true, false) => "optional",
            _ => "*computed*",
        };
        let mut extra = Vec::new();
        if a.force_new {
            extra.push("\u{2020}".to_string());
        }
        if a.sensitive {
            extra.push("(sensitive)".to_string());
        }
        if let Some(d) = &a.default {
            extra.push(format!("default `{d}`"));
        }
        if !a.one_of.is_empty() {
            extra.push(format!("one of `{}`", a.one_of.join("`, `")));
        }
        let extra = if extra.is_empty() { String::new() } else { format!("; {}", extra.join("; ")) };
        let _ = writeln!(out, "{indent}- `{name}` ({}) {kind}{extra}", a.ty);
    }
    for (name, nested) in &b.blocks {
        let count = match (nested.min, nested.max) {
            (0, 0) => "any number".to_string(),
            (min, 0) => format!("at least {min}"),
            (0, max) => format!("at most {max}"),
            (min, max) => format!("{min} to {max}"),
        };
        let fnew = if nested.force_new { " \u{2020}" } else { "" };
        let _ = writeln!(out, "{indent}- block `{name}` ({count}){fnew}:");
        block(out, &nested.block, depth + 1);
    }
    for rule in &b.rules {
        let text = match rule {
            Rule::Conflicts(a, c) => format!("`{a}` conflicts with `{c}`"),
            Rule::ExactlyOneOf(v) => format!("exactly one of `{}`", v.join("`, `")),
            Rule::AtLeastOneOf(v) => format!("at least one of `{}`", v.join("`, `")),
            Rule::Requires(a, c) => format!("`{a}` requires `{c}`"),
        };
        let _ = writeln!(out, "{indent}- rule: {text}");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn resources_doc_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/resources.md");
        let want = super::markdown();
        if std::env::var_os("DRPLAN_BLESS").is_some() {
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(have == want, "docs/resources.md is stale: run DRPLAN_BLESS=1 cargo test --lib resources_doc");
    }
}
