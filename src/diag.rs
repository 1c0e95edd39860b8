//! Diagnostics: located errors and warnings that are *collected*, never thrown one at a time.
//!
//! This module owns the source map (every file drplan read, so a byte span can become
//! `file:line:col` and a snippet) and the rendering of a diagnostic with a caret under the
//! offending text. It does not decide what is an error: the loader, evaluator and schema checks do.
//!
//! ```
//! use drplan::diag::{Diagnostic, SourceMap};
//! let mut sources = SourceMap::default();
//! let file = sources.add("main.tf".into(), "resource \"aws_vpc\" \"x\" {\n  cidr = 1\n}\n".into());
//! let d = Diagnostic::error("Unsupported argument")
//!     .at(file.span(27, 31))
//!     .hint("did you mean \"cidr_block\"?");
//! let text = d.render(&sources);
//! assert!(text.contains("main.tf:2:3"));
//! assert!(text.contains("^^^^"));
//! ```

use std::fmt::Write as _;
use std::path::PathBuf;

/// Identifies one source file inside a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl FileId {
    /// A span inside this file.
    pub fn span(self, start: usize, end: usize) -> Span {
        Span { file: self, start: start as u32, end: end.max(start) as u32 }
    }

    /// Converts an optional hcl-edit range (absent for synthesized nodes) into a span.
    pub fn range(self, range: Option<std::ops::Range<usize>>) -> Option<Span> {
        range.map(|r| self.span(r.start, r.end))
    }
}

/// One file drplan has read, kept for rendering snippets.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    /// What spans index: the file's text, or the HCL translated from a `.tf.json` file.
    pub text: String,
    line_starts: Vec<usize>,
    /// For a translated file: the text the user wrote, and where each span lands in it.
    shown: Option<Box<Shown>>,
}

#[derive(Clone, Debug)]
struct Shown {
    text: String,
    line_starts: Vec<usize>,
    segments: Vec<Segment>,
}

/// One run of a translated file's text: `len` bytes at `at` in the translation come from `from`
/// in the original, byte for byte when `verbatim`, else all from that one place (syntax the
/// translation added).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub at: usize,
    pub from: usize,
    pub len: usize,
    pub verbatim: bool,
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    starts
}

impl SourceFile {
    /// 1-based line and column (in characters) of a byte offset, in the text the user wrote.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let (text, starts, offset) = self.shown_at(offset);
        let offset = offset.min(text.len());
        let line = starts.partition_point(|&s| s <= offset) - 1;
        let start = starts[line];
        let col = text.get(start..offset).map_or(offset - start, |s| s.chars().count());
        (line + 1, col + 1)
    }

    /// Line and column just past the last character of a span ending at `end`: the column
    /// after the one `end - 1` lands on (in a translated file, `end` itself may land elsewhere).
    pub fn line_col_end(&self, start: usize, end: usize) -> (usize, usize) {
        if end <= start || self.shown.is_none() {
            return self.line_col(end);
        }
        let (line, col) = self.line_col(end - 1);
        (line, col + 1)
    }

    /// A byte offset of `text` as a byte offset of the text the user wrote.
    pub fn shown_offset(&self, offset: usize) -> usize {
        self.shown_at(offset).2
    }

    /// The text of a 1-based line, without its newline, as the user wrote it.
    pub fn line_text(&self, line: usize) -> &str {
        let (text, starts, _) = self.shown_at(0);
        let start = starts[line - 1];
        let end = starts.get(line).copied().unwrap_or(text.len());
        text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// The text shown to the user, its line starts, and `offset` (of `text`) translated there.
    fn shown_at(&self, offset: usize) -> (&str, &[usize], usize) {
        let Some(shown) = &self.shown else { return (&self.text, &self.line_starts, offset) };
        let i = shown.segments.partition_point(|s| s.at <= offset).saturating_sub(1);
        let mapped =
            shown.segments.get(i).map_or(0, |s| if s.verbatim { s.from + (offset - s.at).min(s.len) } else { s.from });
        (&shown.text, &shown.line_starts, mapped)
    }
}

/// Every file read during one run.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn add(&mut self, path: PathBuf, text: String) -> FileId {
        let line_starts = line_starts(&text);
        self.files.push(SourceFile { path, text, line_starts, shown: None });
        FileId(self.files.len() as u32 - 1)
    }

    /// A file read through a translation (Terraform's JSON syntax): spans index `translated`,
    /// and diagnostics show `original` at the places `segments` map them to.
    pub fn add_translated(
        &mut self,
        path: PathBuf,
        original: String,
        translated: String,
        segments: Vec<Segment>,
    ) -> FileId {
        let shown = Shown { line_starts: line_starts(&original), text: original, segments };
        let id = self.add(path, translated);
        self.files[id.0 as usize].shown = Some(Box::new(shown));
        id
    }

    /// Every file read, in the order it was read.
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// `path:line:col` of the start of a span.
    pub fn location(&self, span: Span) -> String {
        let file = self.file(span.file);
        let (line, col) = file.line_col(span.start as usize);
        format!("{}:{}:{}", file.path.display(), line, col)
    }

    /// `path:line` of the start of a span, for lists of places.
    pub fn short_location(&self, span: Span) -> String {
        let file = self.file(span.file);
        format!("{}:{}", file.path.display(), file.line_col(span.start as usize).0)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// A problem found in the user's input, with where it is and what might fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: Option<String>,
    pub span: Option<Span>,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Error, summary: summary.into(), detail: None, span: None, hint: None }
    }

    /// The same problem with its message withheld, because it would show a sensitive value
    /// (what Terraform does for errors and validation messages that include one).
    pub fn redacted(self) -> Self {
        Diagnostic {
            detail: Some("The message is not shown because it would include a sensitive value.".into()),
            hint: None,
            ..self
        }
    }

    pub fn warning(summary: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(summary) }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn at(mut self, span: impl Into<Option<Span>>) -> Self {
        self.span = span.into();
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Renders as `Error: summary`, the location, the source line with carets, detail and hint.
    pub fn render(&self, sources: &SourceMap) -> String {
        let mut out = String::new();
        let label = match self.severity {
            Severity::Error => "Error",
            Severity::Warning => "Warning",
        };
        let _ = writeln!(out, "{label}: {}", self.summary);
        if let Some(span) = self.span {
            let file = sources.file(span.file);
            let (line, col) = file.line_col(span.start as usize);
            let (end_line, end_col) = file.line_col_end(span.start as usize, span.end as usize);
            let text = file.line_text(line);
            let width = line.to_string().len();
            let carets = if end_line == line { end_col.saturating_sub(col).max(1) } else { 1 };
            let _ = writeln!(out, "{:width$}--> {}:{}:{}", "", file.path.display(), line, col);
            let _ = writeln!(out, "{:width$} |", "");
            let _ = writeln!(out, "{line} | {text}");
            let pad: String = text.chars().take(col - 1).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
            let _ = writeln!(out, "{:width$} | {pad}{}", "", "^".repeat(carets));
        }
        if let Some(detail) = &self.detail {
            let _ = writeln!(out, "{detail}");
        }
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "hint: {hint}");
        }
        out
    }
}

/// An ordered collection of diagnostics; the unit every loading and checking phase returns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        // The same mistake reached through several instances (count = 3) is reported once.
        if !self.0.contains(&d) {
            self.0.push(d);
        }
    }

    pub fn extend(&mut self, other: Diagnostics) {
        for d in other.0 {
            self.push(d);
        }
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.severity == Severity::Error).count()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sorted by file and position so output is deterministic whatever order checks ran in.
    pub fn sorted(mut self) -> Self {
        self.0.sort_by(|a, b| (a.span, a.severity, &a.summary).cmp(&(b.span, b.severity, &b.summary)));
        self
    }

    pub fn render(&self, sources: &SourceMap) -> String {
        self.0.iter().map(|d| d.render(sources)).collect::<Vec<_>>().join("\n")
    }
}

/// Closest candidate by edit distance (optimal string alignment: a swap of neighbours counts as
/// one edit), for "did you mean" hints.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let candidates: Vec<&str> = candidates.into_iter().collect();
    let max = (name.len() / 5).max(2);
    let closest =
        candidates.iter().map(|c| (strsim::osa_distance(name, c), *c)).filter(|(d, _)| *d <= max).min().map(|(_, c)| c);
    // A truncated name ("cidr" for "cidr_block") is far in edit distance but an obvious intent.
    closest.or_else(|| {
        candidates.iter().copied().filter(|c| name.len() >= 3 && c.starts_with(name)).min_by_key(|c| c.len())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_multibyte_columns() {
        let mut sm = SourceMap::default();
        let f = sm.add("a.tf".into(), "x = \"é\"\ny = bad\n".into());
        let text = Diagnostic::error("oops").at(f.span(13, 16)).render(&sm);
        assert!(text.contains("a.tf:2:5"), "{text}");
        assert!(text.contains("2 | y = bad\n  |     ^^^"), "{text}");
    }

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(did_you_mean("cidr", ["cidr_block", "tags"]), Some("cidr_block"));
        assert_eq!(did_you_mean("cidr_blok", ["cidr_block", "tags"]), Some("cidr_block"));
        assert_eq!(did_you_mean("zzzz", ["cidr_block"]), None);
        assert_eq!(did_you_mean("aws_vcp", ["aws_eip", "aws_vpc"]), Some("aws_vpc"));
    }
}
