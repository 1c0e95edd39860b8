//! Terraform's JSON configuration syntax (`*.tf.json`), read by translating it into native HCL
//! that the ordinary parser and decoder then read, with a map from every byte of the
//! translation back to the JSON it came from, so diagnostics point into the `.tf.json` file
//! ([`crate::diag::SourceMap::add_translated`]).
//!
//! The rules are Terraform's: the root object's properties are block types; labels are nested
//! object keys (`"resource": {"aws_vpc": {"main": {...}}}`); a string is a template
//! (`"${var.cidr}"`) except where Terraform reads it as an expression (`depends_on`, a
//! `provider` reference, `lifecycle.ignore_changes`, a variable's `type`, a module's
//! `providers`) or literally (a variable's `default`); whether a property of a resource body is
//! a nested block or an attribute comes from the type's schema, as Terraform asks the provider;
//! a `"//"` property is a comment. This module owns that translation; it evaluates nothing.

use jsonc_parser::ast::{Array, Object, ObjectProp, StringLit, Value};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};

use crate::config::Mode;
use crate::diag::Segment;
use crate::schema::{self, BlockSchema};

/// HCL text and where each part of it came from.
#[derive(Debug)]
pub struct Translated {
    pub hcl: String,
    pub segments: Vec<Segment>,
}

/// Why (part of) a JSON file cannot be configuration, at a byte offset of the JSON.
#[derive(Debug, PartialEq, Eq)]
pub struct JsonError {
    pub offset: usize,
    pub message: String,
}

/// What reading a JSON file gave: nothing but errors when it is not JSON; else the translation
/// of what could be read and, in `errors`, what could not (a block's body that is not an
/// object, say), each at an offset of the translation that maps back to its place.
#[derive(Debug)]
pub enum Outcome {
    NotJson(JsonError),
    Translated(Translated, Vec<JsonError>),
}

/// How deep expressions may nest (HCL's own parser recurses on them).
const MAX_DEPTH: usize = 64;

/// Blocks of the root module with no labels, whose properties are all attributes.
const PLAIN_BLOCKS: &[&str] = &["recovery", "contacts", "locals"];

pub fn translate(json: &str) -> Outcome {
    let strict = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let parsed = match parse_to_ast(json, &CollectOptions::default(), &strict) {
        Ok(p) => p,
        Err(e) => return Outcome::NotJson(JsonError { offset: e.range().start, message: format!("{}", e.kind()) }),
    };
    let mut w = Writer { json, hcl: String::new(), segments: Vec::new(), errors: Vec::new() };
    match parsed.value {
        Some(Value::Object(root)) => w.root(&root),
        Some(other) => w.error(other.start(), "a configuration file's JSON must be an object of block types"),
        None => {}
    }
    Outcome::Translated(Translated { hcl: w.hcl, segments: w.segments }, w.errors)
}

/// How a body's properties are read.
#[derive(Clone, Copy)]
enum Kind {
    /// A resource or data source: nested blocks from the schema, plus meta-arguments.
    Resource(Option<&'static BlockSchema>),
    Variable,
    Output,
    Module,
    /// `provider`, `terraform`, `check` and other blocks: object values are nested blocks.
    Nested,
    /// Every property an attribute (`locals`, `recovery`, `contacts`).
    Plain,
    Lifecycle,
    Dynamic(Option<&'static BlockSchema>),
}

struct Writer<'j> {
    json: &'j str,
    hcl: String,
    segments: Vec<Segment>,
    errors: Vec<JsonError>,
}

impl<'j> Writer<'j> {
    /// What cannot be read is left out of the translation, marked by a space that maps to its
    /// place in the JSON (the error's offset in the translation).
    fn error(&mut self, offset: usize, message: impl Into<String>) {
        self.errors.push(JsonError { offset: self.hcl.len(), message: message.into() });
        self.put(" ", offset);
    }

    /// Synthesized text, all of it standing for the JSON at `from`.
    fn put(&mut self, text: &str, from: usize) {
        self.segments.push(Segment { at: self.hcl.len(), from, len: text.len(), verbatim: false });
        self.hcl.push_str(text);
    }

    /// JSON text copied as it is.
    fn copy(&mut self, start: usize, end: usize) {
        self.segments.push(Segment { at: self.hcl.len(), from: start, len: end - start, verbatim: true });
        self.hcl.push_str(&self.json[start..end]);
    }

    fn root(&mut self, root: &Object) {
        for prop in &root.properties {
            let name = prop_name(prop);
            let at = prop.range.start;
            match name.as_str() {
                "//" => {}
                "resource" => self.labelled_twice(prop, Mode::Managed),
                "data" => self.labelled_twice(prop, Mode::Data),
                "variable" => self.labelled_once(prop, Kind::Variable),
                "output" => self.labelled_once(prop, Kind::Output),
                "module" => self.labelled_once(prop, Kind::Module),
                "provider" | "check" => self.labelled_once(prop, Kind::Nested),
                plain if PLAIN_BLOCKS.contains(&plain) => self.bodies(&name, &[], &prop.value, Kind::Plain, at),
                other => self.bodies(other, &[], &prop.value, Kind::Nested, at),
            }
        }
    }

    /// `"resource": {"TYPE": {"NAME": {...}}}`.
    fn labelled_twice(&mut self, prop: &ObjectProp, mode: Mode) {
        let Some(types) = self.object(&prop.value, "an object of resource types here") else { return };
        for ty in &types.properties {
            let ty_name = prop_name(ty);
            let Some(names) = self.object(&ty.value, "an object of resource names here") else { continue };
            let kind = Kind::Resource(schema::lookup(mode, &ty_name).map(|s| &s.block));
            for name in &names.properties {
                let labels = [label(ty), label(name)];
                self.bodies(&prop_name(prop), &labels, &name.value, kind, prop.range.start);
            }
        }
    }

    /// `"variable": {"NAME": {...}}`.
    fn labelled_once(&mut self, prop: &ObjectProp, kind: Kind) {
        let Some(names) = self.object(&prop.value, "an object of names here") else { return };
        for name in &names.properties {
            self.bodies(&prop_name(prop), &[label(name)], &name.value, kind, prop.range.start);
        }
    }

    /// One block, or one per element of an array of bodies (Terraform's way of repeating).
    fn bodies(&mut self, ident: &str, labels: &[(String, usize)], value: &Value, kind: Kind, at: usize) {
        match value {
            Value::Array(items) => {
                for item in &items.elements {
                    self.block(ident, labels, item, kind, at);
                }
            }
            other => self.block(ident, labels, other, kind, at),
        }
    }

    fn block(&mut self, ident: &str, labels: &[(String, usize)], value: &Value, kind: Kind, at: usize) {
        let Some(body) = self.object(value, &format!("an object here: the body of a \"{ident}\" block")) else {
            return;
        };
        self.put(ident, at);
        for (text, from) in labels {
            self.put(" ", *from);
            self.put(&hcl_string(text), *from);
        }
        self.put(" {\n", body.range.start);
        for prop in &body.properties {
            self.property(prop, kind);
        }
        self.put("}\n", body.range.end.saturating_sub(1));
    }

    fn property(&mut self, prop: &ObjectProp, kind: Kind) {
        let name = prop_name(prop);
        let at = prop.range.start;
        if name == "//" {
            return;
        }
        if let Some(block) = nested_block(kind, &name, &prop.value) {
            match block {
                Nested::Dynamic(schema) => self.dynamic(prop, schema),
                Nested::Blocks(inner) => self.bodies(&name, &[], &prop.value, inner, at),
            }
            return;
        }
        if !is_identifier(&name) {
            self.error(at, format!("\"{name}\" is not a valid argument name"));
            return;
        }
        // The name as written, so a diagnostic underlines all of it.
        if self.json.get(at + 1..at + 1 + name.len()) == Some(name.as_str()) {
            self.copy(at + 1, at + 1 + name.len());
        } else {
            self.put(&name, at + 1);
        }
        self.put(" = ", at);
        match how_read(kind, &name) {
            Read::Template => self.expr(&prop.value, 0),
            Read::Expression => self.raw(&prop.value),
            Read::Literal => self.literal(&prop.value, 0),
            Read::References => self.references(&prop.value),
            Read::ReferenceMap => self.reference_map(&prop.value),
        }
        self.put("\n", prop.range.end);
    }

    /// `"dynamic": {"LABEL": {"for_each": ..., "iterator": "x", "content": {...}}}`.
    fn dynamic(&mut self, prop: &ObjectProp, schema: Option<&'static BlockSchema>) {
        let Some(labels) = self.object(&prop.value, "an object of dynamic block names here") else { return };
        for dynamic in &labels.properties {
            let inner = schema.and_then(|s| s.blocks.get(&prop_name(dynamic))).map(|b| &b.block);
            self.bodies("dynamic", &[label(dynamic)], &dynamic.value, Kind::Dynamic(inner), prop.range.start);
        }
    }

    /// A value as an expression: strings are templates.
    fn expr(&mut self, value: &Value, depth: usize) {
        if depth > MAX_DEPTH {
            self.error(value.start(), format!("expressions nest more than {MAX_DEPTH} deep"));
            return;
        }
        match value {
            Value::StringLit(s) => self.template(s),
            Value::NumberLit(_) | Value::BooleanLit(_) | Value::NullKeyword(_) => self.copy(value.start(), value.end()),
            Value::Array(items) => self.list(items, depth, Self::expr),
            Value::Object(obj) => {
                self.put("{", obj.range.start);
                for (i, prop) in obj.properties.iter().enumerate() {
                    if i > 0 {
                        self.put(", ", prop.range.start);
                    }
                    self.key(prop);
                    self.put(" = ", prop.range.start);
                    self.expr(&prop.value, depth + 1);
                }
                self.put("}", obj.range.end.saturating_sub(1));
            }
        }
    }

    /// An object key as a quoted template (`"${var.k}"` works as in Terraform).
    fn key(&mut self, prop: &ObjectProp) {
        match &prop.name {
            jsonc_parser::ast::ObjectPropName::String(s) => self.template(s),
            jsonc_parser::ast::ObjectPropName::Word(w) => self.put(&hcl_string(w.value), w.range.start),
        }
    }

    /// A JSON string as an HCL template. Terraform parses the *decoded* string as a template,
    /// so escapes belong to JSON, not to the template: without a backslash the JSON text is
    /// the HCL text as it stands; otherwise the decoded value is written again, its literal
    /// parts escaped for a quoted string and its `${...}`/`%{...}` sequences as they are.
    fn template(&mut self, s: &StringLit) {
        let raw = &self.json[s.range.start..s.range.end];
        if raw.contains('\\') {
            self.put(&quoted_template(&s.value), s.range.start);
        } else {
            self.copy(s.range.start, s.range.end);
        }
    }

    /// A string whose content is an expression (`"list(string)"`, `"aws.west"`); other values
    /// are expressions as they are.
    fn raw(&mut self, value: &Value) {
        match value {
            Value::StringLit(s) => self.put(&s.value, s.range.start + 1),
            other => self.expr(other, 0),
        }
    }

    /// A list of references written as strings (`depends_on`, `ignore_changes`), or one
    /// (`"all"`).
    fn references(&mut self, value: &Value) {
        match value {
            Value::Array(items) => self.list(items, 0, |w, item, _| w.raw(item)),
            other => self.raw(other),
        }
    }

    /// `[a, b]`, each element written by `element` one level deeper.
    fn list(&mut self, items: &Array, depth: usize, element: fn(&mut Self, &Value, usize)) {
        if depth > MAX_DEPTH {
            self.error(items.range.start, format!("expressions nest more than {MAX_DEPTH} deep"));
            return;
        }
        self.put("[", items.range.start);
        for (i, item) in items.elements.iter().enumerate() {
            if i > 0 {
                self.put(", ", item.start());
            }
            element(self, item, depth + 1);
        }
        self.put("]", items.range.end.saturating_sub(1));
    }

    /// A module's `providers`: `{"aws.primary": "aws.dr"}` is `{ aws.primary = aws.dr }`.
    fn reference_map(&mut self, value: &Value) {
        let Some(obj) = self.object(value, "an object of provider references here") else { return };
        self.put("{", obj.range.start);
        for (i, prop) in obj.properties.iter().enumerate() {
            if i > 0 {
                self.put(", ", prop.range.start);
            }
            self.put(&prop_name(prop), prop.range.start + 1);
            self.put(" = ", prop.range.start);
            self.raw(&prop.value);
        }
        self.put("}", obj.range.end.saturating_sub(1));
    }

    /// A value taken literally: `${` and `%{` in its strings are not templates.
    fn literal(&mut self, value: &Value, depth: usize) {
        match value {
            Value::StringLit(s) => {
                let raw = &self.json[s.range.start..s.range.end];
                let escaped = raw.replace("${", "$${").replace("%{", "%%{");
                self.put(&escaped, s.range.start);
            }
            Value::Array(items) => self.list(items, depth, Self::literal),
            Value::Object(obj) if depth > MAX_DEPTH => {
                self.error(obj.range.start, format!("expressions nest more than {MAX_DEPTH} deep"));
            }
            Value::Object(obj) => {
                self.put("{", obj.range.start);
                for (i, prop) in obj.properties.iter().enumerate() {
                    if i > 0 {
                        self.put(", ", prop.range.start);
                    }
                    self.put(&hcl_string(&prop_name(prop)), prop.range.start);
                    self.put(" = ", prop.range.start);
                    self.literal(&prop.value, depth + 1);
                }
                self.put("}", obj.range.end.saturating_sub(1));
            }
            other => self.copy(other.start(), other.end()),
        }
    }

    fn object<'v, 'a>(&mut self, value: &'v Value<'a>, what: &str) -> Option<&'v Object<'a>> {
        match value {
            Value::Object(o) => Some(o),
            other => {
                self.error(other.start(), format!("expected {what}"));
                None
            }
        }
    }
}

/// How a property's value is read.
enum Read {
    Template,
    Expression,
    Literal,
    References,
    ReferenceMap,
}

fn how_read(kind: Kind, name: &str) -> Read {
    match (kind, name) {
        (_, "depends_on") => Read::References,
        (Kind::Resource(_), "provider") | (Kind::Variable, "type") => Read::Expression,
        (Kind::Module, "providers") => Read::ReferenceMap,
        (Kind::Dynamic(_), "iterator") => Read::Expression,
        (Kind::Lifecycle, "ignore_changes" | "replace_triggered_by") => Read::References,
        (Kind::Variable, "default") => Read::Literal,
        _ => Read::Template,
    }
}

enum Nested {
    Blocks(Kind),
    Dynamic(Option<&'static BlockSchema>),
}

/// Whether a property is a nested block, and how its body is read.
fn nested_block(kind: Kind, name: &str, value: &Value) -> Option<Nested> {
    let object_like = match value {
        Value::Object(_) => true,
        Value::Array(a) => !a.elements.is_empty() && a.elements.iter().all(|e| matches!(e, Value::Object(_))),
        _ => false,
    };
    match kind {
        Kind::Resource(schema) | Kind::Dynamic(schema) => {
            if matches!(kind, Kind::Dynamic(_)) && name == "content" {
                return Some(Nested::Blocks(Kind::Resource(schema)));
            }
            match name {
                "lifecycle" => Some(Nested::Blocks(Kind::Lifecycle)),
                "dynamic" => Some(Nested::Dynamic(schema)),
                "provisioner" | "connection" => Some(Nested::Blocks(Kind::Nested)),
                _ => schema.and_then(|s| s.blocks.get(name)).map(|b| Nested::Blocks(Kind::Resource(Some(&b.block)))),
            }
        }
        Kind::Variable if name == "validation" => Some(Nested::Blocks(Kind::Plain)),
        Kind::Output | Kind::Lifecycle if matches!(name, "precondition" | "postcondition") => {
            Some(Nested::Blocks(Kind::Plain))
        }
        Kind::Nested if object_like => Some(Nested::Blocks(Kind::Nested)),
        _ => None,
    }
}

/// `text` (a template's source) as an HCL quoted template: literal parts escaped, template
/// sequences verbatim (their expressions may hold quotes of their own).
fn quoted_template(text: &str) -> String {
    let mut out = String::from("\"");
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if rest.starts_with("$${") || rest.starts_with("%%{") {
            out.push_str(&rest[..3]);
            i += 3;
        } else if rest.starts_with("${") || rest.starts_with("%{") {
            let end = sequence_end(text, i + 2);
            out.push_str(&text[i..end]);
            i = end;
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
            i += c.len_utf8();
        }
    }
    out.push('"');
    out
}

/// Where a `${`/`%{` sequence whose body starts at `from` ends (just past its `}`), skipping
/// braces inside quoted strings; the end of the text if it never closes (the parser then says
/// what is wrong).
fn sequence_end(text: &str, from: usize) -> usize {
    let bytes = text.as_bytes();
    let (mut depth, mut i, mut in_string) = (1usize, from, false);
    while i < bytes.len() {
        match (in_string, bytes[i]) {
            (true, b'\\') => i += 1,
            (true, b'"') => in_string = false,
            (false, b'"') => in_string = true,
            (false, b'{') => depth += 1,
            (false, b'}') => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    text.len()
}

fn prop_name(prop: &ObjectProp) -> String {
    prop.name.as_str().to_string()
}

/// A label: its text and where it is.
fn label(prop: &ObjectProp) -> (String, usize) {
    (prop_name(prop), prop.range.start)
}

/// `text` as an HCL quoted string, with nothing in it interpolated.
fn hcl_string(text: &str) -> String {
    let json = serde_json::Value::String(text.to_string()).to_string();
    json.replace("${", "$${").replace("%{", "%%{")
}

fn is_identifier(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hcl(json: &str) -> String {
        match translate(json) {
            Outcome::Translated(t, errors) if errors.is_empty() => t.hcl,
            other => panic!("{other:?}"),
        }
    }

    /// The errors, each with the JSON text at its place.
    fn errors(json: &str) -> Vec<(String, &str)> {
        match translate(json) {
            Outcome::NotJson(e) => vec![(e.message, &json[e.offset..])],
            Outcome::Translated(t, errors) => errors
                .into_iter()
                .map(|e| {
                    let seg = t.segments.iter().rev().find(|s| s.at <= e.offset).unwrap();
                    (e.message, &json[seg.from..])
                })
                .collect(),
        }
    }

    #[test]
    fn resources_become_blocks_with_two_labels_and_strings_templates() {
        let out = hcl(r#"{"resource": {"aws_vpc": {"main": {"cidr_block": "${var.cidr}", "count": 2}}}}"#);
        assert_eq!(out, "resource \"aws_vpc\" \"main\" {\ncidr_block = \"${var.cidr}\"\ncount = 2\n}\n");
    }

    #[test]
    fn schema_blocks_meta_arguments_and_literals() {
        let out = hcl(r#"{
              "resource": {"aws_security_group": {"web": {
                "//": "a comment",
                "ingress": [{"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}],
                "depends_on": ["aws_vpc.main"],
                "lifecycle": {"ignore_changes": ["tags"], "prevent_destroy": true},
                "tags": {"Name": "web"}
              }}},
              "variable": {"cidr": {"type": "list(string)", "default": ["${not.a.template}"]}},
              "locals": {"x": "${var.cidr[0]}"}
            }"#);
        assert!(out.contains("ingress {\nfrom_port = 443\n"), "{out}");
        assert!(out.contains("depends_on = [aws_vpc.main]\n"), "{out}");
        assert!(out.contains("lifecycle {\nignore_changes = [tags]\nprevent_destroy = true\n}\n"), "{out}");
        assert!(out.contains("tags = {\"Name\" = \"web\"}\n"), "{out}");
        assert!(out.contains("type = list(string)\n"), "{out}");
        assert!(out.contains("default = [\"$${not.a.template}\"]\n"), "{out}");
        assert!(out.contains("locals {\nx = \"${var.cidr[0]}\"\n}\n"), "{out}");
        assert!(!out.contains("comment"), "{out}");
        hcl_edit::parser::parse_body(&out).expect("the translation is HCL");
    }

    #[test]
    fn escapes_belong_to_json_not_to_the_template() {
        let out = hcl(r#"{"locals": {"l": "say \"${upper(\"y\")}\"\n", "m": "${x}"}}"#);
        assert!(out.contains(r#"l = "say \"${upper("y")}\"\n""#), "{out}");
        assert!(out.contains(r#"m = "${x}""#), "{out}");
        hcl_edit::parser::parse_body(&out).expect("the translation is HCL");
        assert_eq!(
            quoted_template(r#"a ${f("}")} %{ if x }b%{ endif } $${lit}"#),
            r#""a ${f("}")} %{ if x }b%{ endif } $${lit}""#
        );
    }

    #[test]
    fn every_byte_maps_back_into_the_json() {
        let json = "{\n  \"resource\": {\"aws_vpc\": {\"main\": {\"cidr_block\": \"10.0.0.0/16\"}}}\n}";
        let Outcome::Translated(t, _) = translate(json) else { panic!("not JSON") };
        let at = t.hcl.find("\"10.0.0.0/16\"").unwrap();
        let seg = t.segments.iter().rev().find(|s| s.at <= at).unwrap();
        assert!(seg.verbatim);
        assert_eq!(&json[seg.from + (at - seg.at)..][..13], "\"10.0.0.0/16\"");
        assert_eq!(t.segments.last().map(|s| s.at + s.len), Some(t.hcl.len()));
    }

    #[test]
    fn bad_json_is_located_and_the_rest_still_read() {
        let e = errors("{\n  \"resource\": [1,\n}");
        assert_eq!(e[0].1, "}", "at the closing brace: {e:?}");
        let e = errors(r#"{"resource": {"aws_vpc": 3}, "locals": {"x": 1}}"#);
        assert_eq!(e.len(), 1);
        assert!(e[0].0.contains("an object of resource names here") && e[0].1.starts_with("3}"), "{e:?}");
        let e = errors(r#"{"locals": {"not valid": 1, "fine": 2}}"#);
        assert!(e[0].0.contains("not a valid argument name") && e[0].1.starts_with("\"not valid\""), "{e:?}");
        let Outcome::Translated(t, _) = translate(r#"{"locals": {"not valid": 1, "fine": 2}}"#) else { panic!() };
        assert!(t.hcl.contains("fine = 2"), "{}", t.hcl);
        let deep = format!("{{\"locals\": {{\"x\": {}1{}}}}}", "[".repeat(70), "]".repeat(70));
        assert!(errors(&deep)[0].0.contains("nest more than 64 deep"));
    }
}
