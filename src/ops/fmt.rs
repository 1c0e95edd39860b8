//! `drplan fmt`: rewrites configuration files in `terraform fmt`'s canonical layout
//! ([`crate::config::fmt`]). Files that do not parse are refused, with the located error, and
//! left untouched.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diag::{Diagnostic, Diagnostics, SourceMap};
use crate::error::Error;

/// What `terraform fmt` reads in a directory (and drplan's own `.drplan.hcl` files).
const SUFFIXES: &[&str] = &[".tf", ".tfvars", ".tftest.hcl", ".drplan.hcl"];

pub struct FmtOptions {
    /// Files or directories (none: the current directory).
    pub targets: Vec<PathBuf>,
    pub recursive: bool,
    /// Write the result back to each file.
    pub write: bool,
}

/// One file that is not canonically formatted: its path, text and formatted text.
pub struct Unformatted {
    pub path: PathBuf,
    pub before: String,
    pub after: String,
}

/// Formats every target file; returns those that were not formatted (and, with `write`, are now).
pub fn fmt(opts: &FmtOptions) -> Result<Vec<Unformatted>, Error> {
    let targets = if opts.targets.is_empty() { vec![PathBuf::from(".")] } else { opts.targets.clone() };
    let mut files = Vec::new();
    for t in &targets {
        if t.is_dir() {
            collect(t, opts.recursive, &mut files)?;
        } else if t.exists() {
            files.push(t.clone());
        } else {
            return Err(Error::Usage(format!("no file or directory at {}", t.display())));
        }
    }
    let mut sources = SourceMap::default();
    let mut diagnostics = Diagnostics::default();
    let mut out = Vec::new();
    for path in files {
        let before = std::fs::read_to_string(&path)
            .map_err(|e| Error::Io { context: format!("reading {}", path.display()), source: e })?;
        if let Err(e) = hcl_edit::parser::parse_body(&before) {
            let at = e.location().offset().min(before.len());
            let file = sources.add(path.clone(), before.clone());
            diagnostics.push(Diagnostic::error("Invalid syntax").detail(e.message().to_string()).at(file.span(at, at)));
            continue;
        }
        let after = crate::config::fmt::format(&before);
        if after != before {
            out.push(Unformatted { path, before, after });
        }
    }
    // Nothing is written unless every file parses.
    if diagnostics.has_errors() {
        return Err(Error::Config { diagnostics, sources: Arc::new(sources) });
    }
    if opts.write {
        for f in &out {
            std::fs::write(&f.path, &f.after)
                .map_err(|e| Error::Io { context: format!("writing {}", f.path.display()), source: e })?;
        }
    }
    Ok(out)
}

fn collect(dir: &Path, recursive: bool, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let read =
        std::fs::read_dir(dir).map_err(|e| Error::Io { context: format!("reading {}", dir.display()), source: e })?;
    let mut entries: Vec<PathBuf> = read.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        if path.is_dir() {
            // Downloaded modules and hidden directories are not the user's to reformat.
            if recursive && !name.starts_with('.') {
                collect(&path, recursive, out)?;
            }
        } else if SUFFIXES.iter().any(|s| name.ends_with(s)) {
            out.push(path);
        }
    }
    Ok(())
}
