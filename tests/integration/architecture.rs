//! The rules of docs/architecture.md that code can check: the top-level modules form a DAG in the
//! documented order (no import runs against it), and every function fits on a screen.
//!
//! Both read the sources as text through a small Rust lexer (comments, strings and character
//! literals blanked, `#[cfg(test)]` items dropped), so they need no compiler plug-in and run
//! everywhere the suite does.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::harness::root;

/// The longest function allowed, in lines (signature to closing brace).
const MAX_FUNCTION_LINES: usize = 100;

#[test]
fn no_import_runs_against_the_documented_module_order() {
    let order = documented_order();
    let declared = declared_modules();
    assert_eq!(
        order.iter().cloned().collect::<BTreeSet<_>>(),
        declared,
        "docs/architecture.md's module order must name exactly the modules src/lib.rs declares"
    );
    let rank: BTreeMap<&str, usize> = order.iter().enumerate().map(|(i, m)| (m.as_str(), i)).collect();
    let mut against = Vec::new();
    for file in rust_files(&root().join("src")) {
        let Some(from) = top_module(&file) else { continue };
        let text = without_test_items(&blank(&std::fs::read_to_string(&file).unwrap()));
        for (line, to) in crate_references(&text, &module_path(&file)) {
            let (Some(&a), Some(&b)) = (rank.get(from.as_str()), rank.get(to.as_str())) else { continue };
            if to != from && b > a {
                against.push(format!("{}:{line}: {from} imports {to}", relative(&file)));
            }
        }
    }
    assert!(against.is_empty(), "imports against the module order ({}):\n{}", order.join(" -> "), against.join("\n"));
}

#[test]
fn every_function_fits_on_a_screen() {
    let mut long = Vec::new();
    for dir in ["src", "tests"] {
        for file in rust_files(&root().join(dir)) {
            let text = blank(&std::fs::read_to_string(&file).unwrap());
            for (name, line, lines) in functions(&text) {
                if lines > MAX_FUNCTION_LINES {
                    long.push(format!("{}:{line}: fn {name} is {lines} lines", relative(&file)));
                }
            }
        }
    }
    assert!(long.is_empty(), "functions over {MAX_FUNCTION_LINES} lines:\n{}", long.join("\n"));
}

/// The guards themselves: an import against the order and a long function are both caught.
#[test]
fn the_guards_catch_what_they_guard() {
    let text = blank("use crate::plan::Plan;\n// crate::apply in a comment\nlet s = \"crate::ops\";\n");
    let refs: Vec<String> = crate_references(&text, &["resources".into()]).into_iter().map(|(_, m)| m).collect();
    assert_eq!(refs, ["plan"]);
    let nested = blank("fn f() { super::super::cli::run(); super::x(); }");
    let refs: Vec<String> =
        crate_references(&nested, &["apply".into(), "executor".into()]).into_iter().map(|(_, m)| m).collect();
    assert_eq!(refs, ["cli"], "super::super from apply::executor reaches the crate root");
    let grouped = blank("use crate::{eval::Value, live};");
    let refs: Vec<String> = crate_references(&grouped, &["plan".into()]).into_iter().map(|(_, m)| m).collect();
    assert_eq!(refs, ["eval", "live"]);
    let body = format!("fn long() {{\n{}}}\nfn short(c: char) -> bool {{ c == '{{' }}\n", "    x();\n".repeat(120));
    let found = functions(&blank(&body));
    assert_eq!(found, [("long".to_string(), 1, 122), ("short".to_string(), 123, 1)]);
    let tests = without_test_items("fn a() {}\n#[cfg(test)]\nmod tests {\n    use crate::cli;\n}\n");
    assert!(!tests.contains("crate::cli") && tests.lines().count() == 5, "{tests:?}");
}

/// The order in docs/architecture.md: the line after `<!-- module-order -->`, names in
/// backticks, lowest first.
fn documented_order() -> Vec<String> {
    let doc = std::fs::read_to_string(root().join("docs/architecture.md")).unwrap();
    let line = doc
        .lines()
        .skip_while(|l| !l.contains("<!-- module-order -->"))
        .nth(1)
        .expect("docs/architecture.md has a <!-- module-order --> line");
    line.split('`').skip(1).step_by(2).map(str::to_string).collect()
}

fn declared_modules() -> BTreeSet<String> {
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).unwrap();
    lib.lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod ").or_else(|| l.trim().strip_prefix("mod ")))
        .map(|l| l.trim_end_matches(';').to_string())
        .collect()
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if !path.ends_with("fixtures") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn relative(file: &Path) -> String {
    file.strip_prefix(root()).unwrap_or(file).display().to_string()
}

/// The module path of a file under src/ (`src/apply/executor.rs` is `apply::executor`).
fn module_path(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(root().join("src")).unwrap_or(file);
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if !matches!(stem, "mod" | "lib" | "main") {
        parts.push(stem.to_string());
    }
    parts
}

/// The top-level module a file belongs to; `None` for the crate roots and test-only files.
fn top_module(file: &Path) -> Option<String> {
    let path = module_path(file);
    let is_test_file = path.last().is_some_and(|m| m == "tests");
    (!is_test_file).then(|| path.first().cloned()).flatten()
}

/// Every top-level module a text names through `crate::` or enough `super::`s to reach the
/// crate root, with the line it is named on.
fn crate_references(text: &str, module: &[String]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut previous = ' ';
    for (i, c) in text.char_indices() {
        let boundary = !(previous.is_alphanumeric() || previous == '_' || previous == ':');
        previous = c;
        if !boundary || !matches!(c, 'c' | 's') {
            continue;
        }
        let rest = &text[i..];
        let supers = leading_supers(rest);
        let after = match rest.strip_prefix("crate::") {
            Some(after) => after,
            None if supers > 0 && supers == module.len() => &rest[supers * "super::".len()..],
            None => continue,
        };
        let line = text[..i].matches('\n').count() + 1;
        out.extend(first_segments(after).into_iter().map(|name| (line, name)));
    }
    out
}

fn leading_supers(mut text: &str) -> usize {
    let mut n = 0;
    while let Some(r) = text.strip_prefix("super::") {
        n += 1;
        text = r;
    }
    n
}

/// `plan::Plan` gives `plan`; `{eval::Value, live}` gives both.
fn first_segments(after: &str) -> Vec<String> {
    let ident = |s: &str| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    match after.strip_prefix('{') {
        Some(group) => {
            let end = matching_close(group, '{', '}').unwrap_or(group.len());
            split_top_level(&group[..end]).iter().map(|item| ident(item.trim())).filter(|s| !s.is_empty()).collect()
        }
        None => vec![ident(after)].into_iter().filter(|s| !s.is_empty()).collect(),
    }
}

fn split_top_level(group: &str) -> Vec<&str> {
    let (mut depth, mut start, mut out) = (0, 0, Vec::new());
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&group[start..]);
    out
}

/// The index in `text` of the `close` that balances an `open` already consumed.
fn matching_close(text: &str, open: char, close: char) -> Option<usize> {
    let mut depth = 1;
    for (i, c) in text.char_indices() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// Every `fn` with a body: its name, first line and length in lines.
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut search = 0;
    while let Some(found) = text[search..].find("fn ") {
        let at = search + found;
        search = at + 3;
        let word_start = at == 0 || !text.as_bytes()[at - 1].is_ascii_alphanumeric() && text.as_bytes()[at - 1] != b'_';
        let name: String = text[at + 3..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if !word_start || name.is_empty() {
            continue;
        }
        let Some(open) = text[at..].find(['{', ';']).map(|o| at + o) else { break };
        if text.as_bytes()[open] == b';' {
            continue;
        }
        let Some(close) = matching_close(&text[open + 1..], '{', '}').map(|c| open + 1 + c) else { break };
        let first = text[..at].matches('\n').count() + 1;
        let last = text[..close].matches('\n').count() + 1;
        out.push((name, first, last - first + 1));
    }
    out
}

/// Drops every item marked `#[cfg(test)]` (a `mod tests { ... }`, a test helper), keeping the
/// line count so reported lines stay true.
fn without_test_items(text: &str) -> String {
    let mut out = text.to_string();
    while let Some(at) = out.find("#[cfg(test)]") {
        let after = at + "#[cfg(test)]".len();
        let Some(end_rel) = out[after..].find(['{', ';']) else { break };
        let mut end = after + end_rel;
        if out.as_bytes()[end] == b'{' {
            end = matching_close(&out[end + 1..], '{', '}').map_or(out.len() - 1, |c| end + 1 + c);
        }
        let kept_lines = "\n".repeat(out[at..=end].matches('\n').count());
        out.replace_range(at..=end, &kept_lines);
    }
    out
}

/// `src` with comments, string literals and character literals replaced by spaces (newlines
/// kept), so braces and paths inside them are not read as code.
fn blank(src: &str) -> String {
    let chars: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let keep_lines = |span: &[char], out: &mut String| {
        for c in span {
            out.push(if *c == '\n' { '\n' } else { ' ' });
        }
    };
    while i < chars.len() {
        let end = literal_end(&chars, i);
        match end {
            Some(end) => {
                keep_lines(&chars[i..end], &mut out);
                i = end;
            }
            None => {
                out.push(chars[i]);
                i += 1;
            }
        }
    }
    out
}

/// Where a comment, string or character literal starting at `i` ends; `None` when none starts.
fn literal_end(c: &[char], i: usize) -> Option<usize> {
    let at = |k: usize| c.get(k).copied().unwrap_or('\0');
    let ident_before = i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_');
    match (at(i), at(i + 1)) {
        ('/', '/') => Some((i..c.len()).find(|&k| c[k] == '\n').unwrap_or(c.len())),
        ('/', '*') => {
            let mut depth = 0;
            let mut k = i;
            while k < c.len() {
                if at(k) == '/' && at(k + 1) == '*' {
                    depth += 1;
                    k += 2;
                } else if at(k) == '*' && at(k + 1) == '/' {
                    depth -= 1;
                    k += 2;
                    if depth == 0 {
                        return Some(k);
                    }
                } else {
                    k += 1;
                }
            }
            Some(c.len())
        }
        ('r', '#') | ('r', '"') if !ident_before => raw_string_end(c, i + 1),
        ('b', 'r') if !ident_before && matches!(at(i + 2), '#' | '"') => raw_string_end(c, i + 2),
        ('b', '"') if !ident_before => Some(string_end(c, i + 1)),
        ('"', _) => Some(string_end(c, i)),
        ('\'', _) => char_literal_end(c, i),
        ('b', '\'') if !ident_before => char_literal_end(c, i + 1),
        _ => None,
    }
}

fn string_end(c: &[char], open: usize) -> usize {
    let mut k = open + 1;
    while k < c.len() {
        match c[k] {
            '\\' => k += 2,
            '"' => return k + 1,
            _ => k += 1,
        }
    }
    c.len()
}

/// `r#"..."#` from the first `#` or `"`; `None` for an identifier such as `r#type`.
fn raw_string_end(c: &[char], from: usize) -> Option<usize> {
    let hashes = c[from..].iter().take_while(|&&ch| ch == '#').count();
    if c.get(from + hashes) != Some(&'"') {
        return None;
    }
    let mut k = from + hashes + 1;
    while k < c.len() {
        if c[k] == '"' && c[k + 1..].iter().take(hashes).filter(|&&ch| ch == '#').count() == hashes {
            return Some(k + 1 + hashes);
        }
        k += 1;
    }
    Some(c.len())
}

/// `'x'`, `'\n'`, `'\u{1F600}'`; `None` for a lifetime (`'a`).
fn char_literal_end(c: &[char], quote: usize) -> Option<usize> {
    let next = *c.get(quote + 1)?;
    if next == '\\' {
        let close = (quote + 2..c.len()).find(|&k| c[k] == '\'')?;
        return Some(close + 1);
    }
    (c.get(quote + 2) == Some(&'\'')).then_some(quote + 3)
}
