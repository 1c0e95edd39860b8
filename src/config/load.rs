//! Reading module directories from disk and resolving local module sources.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::decl::{Module, ModuleCall, ModuleTree};
use super::decode::decode_file;
use super::manifest::{self, Manifest};
use crate::diag::{Diagnostic, Diagnostics, SourceMap, Span};

/// The result of loading: always a (possibly partial) tree, plus everything that was wrong.
#[derive(Debug, Default)]
pub struct Loaded {
    pub sources: SourceMap,
    pub tree: ModuleTree,
    pub diagnostics: Diagnostics,
    /// A file failed to parse, so what it declares is missing: evaluation must not report
    /// follow-on "undeclared" errors (Terraform stops at syntax errors altogether).
    pub syntax_errors: bool,
}

/// Loads the root module in `dir` and every local module it calls.
pub fn load(dir: &Path) -> Loaded {
    let data_dir = std::env::var("TF_DATA_DIR").ok();
    let mut loader = Loader {
        out: Loaded::default(),
        by_path: HashMap::new(),
        stack: Vec::new(),
        root: dir.to_path_buf(),
        manifest: Manifest::read(dir, data_dir.as_deref()),
        manifest_reported: false,
    };
    loader.out.tree.modules.push(Module::default());
    if !dir.is_dir() {
        loader.out.diagnostics.push(
            Diagnostic::error("Configuration directory not found")
                .detail(format!("{} is not a directory.", dir.display())),
        );
        return loader.out;
    }
    loader.load_module(dir, 0, None, "");
    loader.out
}

/// How deep module calls may nest: far beyond any real configuration, and a bound that keeps a
/// generated chain of thousands of modules from exhausting the stack.
pub(super) const MAX_MODULE_DEPTH: usize = 64;

struct Loader {
    out: Loaded,
    by_path: HashMap<PathBuf, usize>,
    /// Directories being loaded, to catch a module that calls itself.
    stack: Vec<PathBuf>,
    root: PathBuf,
    /// `terraform init`'s manifest of installed modules, read once.
    manifest: Result<Option<Manifest>, String>,
    manifest_reported: bool,
}

impl Loader {
    /// `key` is the module's call path as Terraform's manifest spells it (`app.db`; root "").
    fn load_module(&mut self, dir: &Path, index: usize, called_from: Option<Span>, key: &str) {
        let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        self.by_path.insert(canonical.clone(), index);
        self.stack.push(canonical);
        let mut module = Module { dir: dir.to_path_buf(), ..Module::default() };
        let files = match config_files(dir) {
            Ok(files) => files,
            Err(e) => {
                self.out.diagnostics.push(
                    Diagnostic::error("Cannot read configuration directory")
                        .detail(format!("{}: {e}", dir.display()))
                        .at(called_from),
                );
                Vec::new()
            }
        };
        if files.is_empty() {
            self.out.diagnostics.push(
                Diagnostic::error("No configuration files")
                    .detail(format!("{} contains no .tf, .tf.json or .drplan.hcl files.", dir.display()))
                    .at(called_from),
            );
        }
        for path in files {
            let text = match read_config_file(&path) {
                Ok(t) => t,
                Err(e) => {
                    self.out.diagnostics.push(
                        Diagnostic::error("Cannot read configuration file").detail(format!("{}: {e}", path.display())),
                    );
                    continue;
                }
            };
            let file = if path.to_string_lossy().ends_with(".tf.json") {
                let invalid = |file: crate::diag::FileId, e: super::json::JsonError| {
                    Diagnostic::error("Invalid JSON configuration")
                        .detail(format!("{}.", e.message))
                        .at(file.span(e.offset, e.offset + 1))
                };
                match super::json::translate(&text) {
                    super::json::Outcome::Translated(translated, errors) => {
                        let file = self.out.sources.add_translated(path, text, translated.hcl, translated.segments);
                        for e in errors {
                            self.out.diagnostics.push(invalid(file, e));
                        }
                        file
                    }
                    super::json::Outcome::NotJson(e) => {
                        let file = self.out.sources.add(path, text);
                        self.out.syntax_errors = true;
                        self.out.diagnostics.push(
                            invalid(file, e)
                                .hint("Terraform's JSON syntax is strict JSON: no comments or trailing commas"),
                        );
                        continue;
                    }
                }
            } else {
                self.out.sources.add(path, text)
            };
            let parsed = hcl_edit::parser::parse_body(&self.out.sources.file(file).text);
            match parsed {
                Ok(body) => decode_file(&body, file, &mut module, index == 0, &mut self.out.diagnostics),
                Err(e) => {
                    let offset = e.location().offset();
                    let len = self.out.sources.file(file).text[offset.min(self.out.sources.file(file).text.len())..]
                        .chars()
                        .next()
                        .map_or(0, char::len_utf8);
                    let text = &self.out.sources.file(file).text;
                    let (detail, at) = syntax_detail(e.message(), text, offset);
                    let at = at.unwrap_or(offset);
                    self.out.syntax_errors = true;
                    let summary = if detail.starts_with(SINGLE_LINE) {
                        "Invalid single-argument block definition"
                    } else {
                        "Invalid syntax"
                    };
                    let d = Diagnostic::error(summary)
                        .detail(detail)
                        .at(file.span(at, at + if at == offset { len } else { 1 }));
                    self.out.diagnostics.push(d);
                }
            }
        }
        check_duplicates(&module, &self.out.sources, &mut self.out.diagnostics);
        self.resolve_calls(&mut module, key);
        self.out.tree.modules[index] = module;
        self.stack.pop();
    }

    fn resolve_calls(&mut self, module: &mut Module, key: &str) {
        let dir = module.dir.clone();
        for call in &mut module.module_calls {
            let call_key = if key.is_empty() { call.name.clone() } else { format!("{key}.{}", call.name) };
            let child_dir = if manifest::is_local(&call.source) {
                if let Some((_, span)) = &call.version {
                    self.out.diagnostics.push(
                        Diagnostic::error("Invalid module version")
                            .detail(format!("Cannot apply a version constraint to module \"{}\" because it has a relative local path.", call.name))
                            .at(*span)
                            .hint("remove the version argument: a local module has no versions"),
                    );
                }
                normalize(&dir.join(&call.source))
            } else {
                match self.installed(call, &call_key) {
                    Some(d) => d,
                    None => continue,
                }
            };
            if !child_dir.is_dir() {
                self.out.diagnostics.push(
                    Diagnostic::error("Module not found")
                        .detail(format!("The module directory {} does not exist.", child_dir.display()))
                        .at(call.span),
                );
                continue;
            }
            let canonical = child_dir.canonicalize().unwrap_or_else(|_| child_dir.clone());
            if self.stack.contains(&canonical) {
                self.out.diagnostics.push(
                    Diagnostic::error("Module recursion")
                        .detail(format!(
                            "The module {:?} calls itself, directly or through other modules.",
                            call.source
                        ))
                        .at(call.span),
                );
                continue;
            }
            if let Some(&existing) = self.by_path.get(&canonical) {
                call.child = Some(existing);
                continue;
            }
            if self.stack.len() >= MAX_MODULE_DEPTH {
                self.out.diagnostics.push(
                    Diagnostic::error("Modules nested too deeply")
                        .detail(format!(
                            "The module {:?} would be nested {} calls deep; drplan loads at most {MAX_MODULE_DEPTH}.",
                            call.source,
                            self.stack.len() + 1
                        ))
                        .at(call.span),
                );
                continue;
            }
            let index = self.out.tree.modules.len();
            self.out.tree.modules.push(Module::default());
            call.child = Some(index);
            self.load_module(&child_dir, index, Some(call.span), &call_key);
        }
    }
}

impl Loader {
    /// Where `terraform init` installed a registry or Git module; each way it can be missing or
    /// out of date is a located error saying what to run.
    fn installed(&mut self, call: &ModuleCall, key: &str) -> Option<PathBuf> {
        let init = format!("run terraform init in {}", self.root.display());
        let err = match &self.manifest {
            // Said once, at the first call that needs it.
            Err(_) if self.manifest_reported => return None,
            Err(msg) => Diagnostic::error("Cannot read the module manifest").detail(format!("{msg}.")).hint(init),
            Ok(None) => Diagnostic::error("Module not installed")
                .detail(format!(
                    "Module \"{}\" has source {:?}, which is not a local path, and there is no module manifest ({}/modules/modules.json). drplan reads registry and Git modules where terraform init installed them; it never downloads them, so a recovery does not depend on a registry or Git host.",
                    call.name,
                    call.source,
                    std::env::var("TF_DATA_DIR").unwrap_or_else(|_| ".terraform".into())
                ))
                .hint(format!("{init}, or vendor the module and use a path starting with ./")),
            Ok(Some(m)) => match m.get(key) {
                None => Diagnostic::error("Module not installed")
                    .detail(format!("{} lists no module \"{key}\": the configuration has changed since terraform init ran.", m.path.display()))
                    .hint(init),
                Some(i) if !manifest::same_source(&call.source, &i.source) => Diagnostic::error("Module source has changed")
                    .detail(format!("Module \"{key}\" was installed from {:?}, but its source is now {:?}.", i.source, call.source))
                    .hint(init),
                Some(i) => match (&call.version, &i.version) {
                    (Some((constraint, span)), Some(v)) => match manifest::satisfies(v, constraint) {
                        Ok(true) => return Some(normalize(&self.root.join(&i.dir))),
                        Ok(false) => Diagnostic::error("Module version requirements have changed")
                            .detail(format!("The installed version {v} of module \"{key}\" does not match the constraint {constraint:?}."))
                            .at(*span)
                            .hint(format!("run terraform init -upgrade in {}", self.root.display())),
                        Err(e) => Diagnostic::error("Invalid version constraint").detail(format!("{e}.")).at(*span),
                    },
                    _ => return Some(normalize(&self.root.join(&i.dir))),
                },
            },
        };
        self.manifest_reported = true;
        let located = if err.span.is_some() { err } else { err.at(call.span) };
        self.out.diagnostics.push(located);
        None
    }
}

/// Removes `.` and resolves `..` lexically, so errors show `modules/vpc/main.tf`, not
/// `examples/app/../../modules/vpc/main.tf`. A leading `..` is kept.
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.is_empty() { PathBuf::from(".") } else { out.iter().collect() }
}

/// hcl-edit's messages are terse ("expected `}`"); say what that means for a user.
/// Returns the detail, and a better place to point at when one is evident.
const SINGLE_LINE: &str = "Single-line block syntax can include only one argument definition.";

fn syntax_detail(message: &str, text: &str, offset: usize) -> (String, Option<usize>) {
    let m = message.trim();
    let base = if m.is_empty() {
        "The configuration could not be parsed here.".to_string()
    } else {
        format!("The configuration could not be parsed here: {m}.")
    };
    // A string left open swallows the rest of the line; the parser then complains elsewhere.
    let line_start = text[..offset.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[line_start..].find('\n').map_or(text.len(), |i| line_start + i);
    let line = &text[line_start..line_end];
    let quotes: Vec<usize> =
        line.char_indices().filter(|&(i, c)| c == '"' && !line[..i].ends_with('\\')).map(|(i, _)| i).collect();
    if quotes.len() % 2 == 1 && !line.contains("${") {
        let at = line_start + quotes[quotes.len() - 1];
        return (
            "This string is not terminated: the closing \" is missing before the end of the line.".into(),
            Some(at),
        );
    }
    if let Some((start, number)) = number_out_of_range(text, offset) {
        return (
            format!(
                "The number {number} is out of range: drplan's numbers are 64-bit floating point, up to about 1.8e308 (Terraform's go further)."
            ),
            Some(start),
        );
    }
    if single_line_block_with_more(line, offset - line_start) {
        return (
            format!(
                "{SINGLE_LINE} To define multiple arguments, use the multi-line block syntax with one argument definition per line."
            ),
            None,
        );
    }
    if text[offset.min(text.len())..].trim().is_empty() && text.matches('{').count() > text.matches('}').count() {
        return (format!("{base} The file ends before every block is closed: a closing }} is missing."), None);
    }
    (base, None)
}

/// A number literal around `offset` too large for an f64 (`1e999999`): the parser stops at its
/// exponent. Its start and text.
fn number_out_of_range(text: &str, offset: usize) -> Option<(usize, &str)> {
    let offset = offset.min(text.len());
    let is_digit = |c: char| c.is_ascii_digit() || c == '.';
    let start = text[..offset].rfind(|c: char| !is_digit(c)).map_or(0, |i| i + 1);
    let mut end = offset;
    for (i, c) in text[offset..].char_indices() {
        let sign_after_e = (c == '+' || c == '-') && i > 0 && text[offset..][..i].ends_with(['e', 'E']);
        if !(is_digit(c) || c == 'e' || c == 'E' || sign_after_e) {
            break;
        }
        end = offset + i + c.len_utf8();
    }
    let literal = &text[start..end];
    let starts_as_number = literal.starts_with(|c: char| c.is_ascii_digit());
    (starts_as_number && literal.parse::<f64>().is_ok_and(f64::is_infinite)).then_some((start, literal))
}

/// `variable "x" { type = string  default = "a" }`: the parser stops at a second argument
/// on the line of a block's opening brace.
fn single_line_block_with_more(line: &str, at: usize) -> bool {
    let Some(brace) = line[..at.min(line.len())].rfind('{') else { return false };
    let between = &line[brace + 1..at.min(line.len())];
    let rest = &line[at.min(line.len())..];
    between.contains('=')
        && rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && rest
            .split_once('=')
            .is_some_and(|(name, _)| name.trim().chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
}

/// Entries of `dir` named like configuration (`*.tf`, Terraform's JSON syntax `*.tf.json`,
/// and `*.drplan.hcl` for blocks only drplan reads), sorted by name; hidden ones are skipped.
/// Other `*.hcl` files are other tools' (`terragrunt.hcl`). Chosen by name alone, so a dangling
/// link or a FIFO with such a name is reported, not silently left out.
fn config_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !name.starts_with('.') && [".tf", ".tf.json", ".drplan.hcl"].iter().any(|ext| name.ends_with(ext))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// A configuration file's text, or why it cannot be read. A missing target (a dangling or
/// looping link), something not a regular file (a FIFO would block) and non-UTF-8 text are
/// all errors: with no state file, a file left out would
/// have its objects planned for deletion.
fn read_config_file(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{e} (a dangling or looping link?)"))?;
    if !meta.is_file() {
        return Err("it is not a regular file".into());
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| "the file is not valid UTF-8".to_string())
}

fn check_duplicates(module: &Module, sources: &SourceMap, diags: &mut Diagnostics) {
    let mut seen: HashMap<(&str, String), Span> = HashMap::new();
    let mut check = |kind: &'static str, key: String, span: Span, what: String| {
        if let Some(first) = seen.get(&(kind, key.clone())) {
            diags.push(
                Diagnostic::error(format!("Duplicate {kind}"))
                    .detail(format!("{what} was already declared at {}.", sources.short_location(*first)))
                    .at(span),
            );
        } else {
            seen.insert((kind, key), span);
        }
    };
    for r in &module.resources {
        let kind = if r.mode == super::Mode::Managed { "resource" } else { "data source" };
        check(kind, r.address_base(), r.span, format!("A {kind} \"{}\" \"{}\"", r.ty, r.name));
    }
    for v in &module.variables {
        check("variable", v.name.clone(), v.span, format!("A variable named \"{}\"", v.name));
    }
    for l in &module.locals {
        check("local value", l.name.clone(), l.span, format!("A local value named \"{}\"", l.name));
    }
    for o in &module.outputs {
        check("output", o.name.clone(), o.span, format!("An output named \"{}\"", o.name));
    }
    for m in &module.module_calls {
        check("module call", m.name.clone(), m.span, format!("A module call named \"{}\"", m.name));
    }
    for p in &module.providers {
        check("provider configuration", p.key(), p.span, format!("A provider configuration {}", p.key()));
    }
}
