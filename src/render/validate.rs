//! Diagnostics as Terraform's `validate -json` document (format 1.0), for editors and CI:
//! `valid`, the counts, and each diagnostic's severity, summary, detail, range (file relative to
//! the configuration directory, 1-based line and column, byte offset) and snippet, in
//! Terraform's field order. drplan's hint, which Terraform has no field for, ends the detail.

use serde::Serialize;

use crate::diag::{Diagnostic, Diagnostics, Severity, SourceMap};

#[derive(Serialize)]
struct Document {
    format_version: &'static str,
    valid: bool,
    error_count: usize,
    warning_count: usize,
    diagnostics: Vec<Entry>,
}

#[derive(Serialize)]
struct Entry {
    severity: &'static str,
    summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    range: Option<Range>,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<Snippet>,
}

#[derive(Serialize)]
struct Range {
    filename: String,
    start: Pos,
    end: Pos,
}

#[derive(Serialize)]
struct Pos {
    line: usize,
    column: usize,
    byte: usize,
}

#[derive(Serialize)]
struct Snippet {
    context: Option<String>,
    code: String,
    start_line: usize,
    highlight_start_offset: usize,
    highlight_end_offset: usize,
    values: Vec<()>,
}

pub fn document(diags: &Diagnostics, sources: &SourceMap, dir: &std::path::Path) -> String {
    let errors = diags.error_count();
    let doc = Document {
        format_version: "1.0",
        valid: errors == 0,
        error_count: errors,
        warning_count: diags.0.iter().filter(|d| d.severity == Severity::Warning).count(),
        diagnostics: diags.0.iter().map(|d| entry(d, sources, dir)).collect(),
    };
    serde_json::to_string_pretty(&doc).expect("a document serializes") + "\n"
}

fn entry(d: &Diagnostic, sources: &SourceMap, dir: &std::path::Path) -> Entry {
    let detail = match (&d.detail, &d.hint) {
        (Some(detail), Some(hint)) => Some(format!("{detail}\n\nHint: {hint}")),
        (Some(detail), None) => Some(detail.clone()),
        (None, Some(hint)) => Some(format!("Hint: {hint}")),
        (None, None) => None,
    };
    let mut out = Entry {
        severity: if d.severity == Severity::Error { "error" } else { "warning" },
        summary: d.summary.clone(),
        detail,
        range: None,
        snippet: None,
    };
    let Some(span) = d.span else { return out };
    let file = sources.file(span.file);
    let (start, end) = (span.start as usize, span.end as usize);
    let (line, column) = file.line_col(start);
    let (end_line, end_column) = file.line_col_end(start, end);
    let filename = file.path.strip_prefix(dir).unwrap_or(&file.path);
    out.range = Some(Range {
        filename: filename.display().to_string(),
        start: Pos { line, column, byte: file.shown_offset(start) },
        end: Pos { line: end_line, column: end_column, byte: file.shown_offset(end) },
    });
    let code = file.line_text(line).to_string();
    let highlight_end = if end_line == line { end_column - 1 } else { code.chars().count() };
    out.snippet = Some(Snippet {
        context: None,
        code,
        start_line: line,
        highlight_start_offset: column - 1,
        highlight_end_offset: highlight_end,
        values: Vec::new(),
    });
    out
}
