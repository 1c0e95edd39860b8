//! `drplan fmt`: the canonical layout of `terraform fmt` (HashiCorp's hclwrite rules): two
//! spaces per bracket level, one space between tokens except where the rules say none
//! (`a.b`, `f(x)`, `[0]`, `-1`, `${x}`), `=` aligned down runs of one-line arguments and line
//! comments aligned after them. Comments, blank lines and literal text (strings, heredoc bodies)
//! are kept; interpolations in them are spaced like any expression. It formats tokens; a file
//! that does not parse is refused before (see `ops::fmt`).
//!
//! Like `terraform fmt`, it also rewrites what Terraform 0.11 needed and 0.12 made redundant: an
//! argument that is only an interpolation (`"${var.x}"` becomes `var.x`) and a variable's quoted
//! type (`"string"` becomes `string`, `"list"` `list(string)`, `"map"` `map(string)`).

mod legacy;
mod lex;

use lex::{Kind, Token};

/// One output line: its tokens with the spaces before each (the first's is the indent).
struct Line {
    tokens: Vec<(usize, Token)>,
    /// Index of the `=` that starts the aligned cell, if the line is a one-line argument.
    assign: Option<usize>,
    /// Index of a trailing line comment.
    comment: Option<usize>,
}

/// `src` laid out as `terraform fmt` would.
pub fn format(src: &str) -> String {
    let mut lines = split(lex::tokens(src));
    legacy::rewrite(&mut lines);
    indent(&mut lines);
    spaces(&mut lines);
    align(&mut lines);
    let mut out = String::with_capacity(src.len());
    for line in &lines {
        for (spaces, t) in &line.tokens {
            out.extend(std::iter::repeat_n(' ', *spaces));
            out.push_str(&t.text);
        }
    }
    // Like `terraform fmt`, a file ends with a newline.
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// Splits tokens into lines after each newline (a line comment carries its own).
fn split(tokens: Vec<Token>) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut current: Vec<(usize, Token)> = Vec::new();
    for t in tokens {
        let ends = t.kind == Kind::Newline || (t.kind == Kind::Comment && t.text.ends_with('\n'));
        current.push((0, t));
        if ends {
            lines.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines.into_iter().map(cells).collect()
}

/// Finds a line's aligned cells: the `=` of a one-line argument, a trailing comment.
fn cells(tokens: Vec<(usize, Token)>) -> Line {
    let content = tokens.iter().filter(|(_, t)| t.kind != Kind::Newline).count();
    let comment = (content > 1
        && tokens
            .iter()
            .rposition(|(_, t)| t.kind != Kind::Newline)
            .is_some_and(|i| tokens[i].1.kind == Kind::Comment))
    .then(|| tokens.iter().rposition(|(_, t)| t.kind == Kind::Comment))
    .flatten();
    let end = comment.unwrap_or(tokens.len());
    let assign =
        tokens[..end].iter().enumerate().skip(1).find(|(_, (_, t))| t.kind == Kind::Equal).and_then(|(i, _)| {
            // Only when the value ends on this line (no bracket left open).
            let mut net = 0;
            for (_, t) in &tokens[i..end] {
                net += t.bracket_change();
                if t.kind == Kind::OHeredoc {
                    break;
                }
            }
            (net == 0).then_some(i)
        });
    Line { tokens, assign, comment }
}

/// Indentation: two spaces per bracket level still open, as hclwrite's indent stack counts it.
fn indent(lines: &mut [Line]) {
    let mut stack: Vec<i32> = Vec::new();
    for line in lines.iter_mut() {
        let Some((first, t)) = line.tokens.first_mut() else { continue };
        if t.kind == Kind::Newline {
            *first = 0;
            continue;
        }
        let mut net = 0;
        for (_, t) in &line.tokens {
            net += t.bracket_change();
            if t.kind == Kind::OHeredoc {
                break;
            }
        }
        if net < 0 {
            let mut closed = -net;
            while closed > 0 {
                let Some(top) = stack.last_mut() else { break };
                if closed >= *top {
                    closed -= *top;
                    stack.pop();
                } else {
                    *top -= closed;
                    closed = 0;
                }
            }
        }
        line.tokens[0].0 = 2 * stack.len();
        if net > 0 {
            stack.push(net);
        }
    }
}

/// Spaces between tokens (hclwrite's `spaceAfterToken`).
fn spaces(lines: &mut [Line]) {
    for line in lines.iter_mut() {
        for i in 1..line.tokens.len() {
            let before = if i >= 2 { Some(line.tokens[i - 2].1.kind) } else { None };
            let space = space_between(&line.tokens[i - 1].1, before, &line.tokens[i].1);
            line.tokens[i].0 = usize::from(space);
        }
    }
}

fn space_between(subject: &Token, before: Option<Kind>, after: &Token) -> bool {
    use Kind::*;
    let (s, a) = (subject.kind, after.kind);
    match () {
        _ if matches!(a, Newline) => false,
        _ if matches!(s, Ident) && matches!(a, OParen) => false,
        _ if (s == Ident && a == DoubleColon) || (s == DoubleColon && a == Ident) => false,
        _ if s == Dot || a == Dot => false,
        _ if a == Comma || a == Ellipsis => false,
        _ if s == Comma => true,
        _ if matches!(s, Lit | OQuote | OHeredoc) || matches!(a, Lit | CQuote | CHeredoc) => false,
        _ if s == Ident && subject.text == "in" && before == Some(Ident) => true,
        _ if a == OBrack && (s == Ident || s == Number || subject.bracket_change() < 0) => false,
        _ if s == Minus => !matches!(
            before,
            None | Some(OParen | OBrace | OBrack | Equal | Colon | Comma | Question | Minus | Operator | Bang)
        ),
        _ if s == Bang => false,
        _ if s == OBrace || a == CBrace => !(s == OBrace && a == CBrace),
        _ if s == TemplateOpen && a == OBrace => true,
        _ if s == CBrace && a == TemplateClose => true,
        _ if s == TemplateClose && a == TemplateOpen => false,
        _ if subject.bracket_change() > 0 => false,
        _ if after.bracket_change() < 0 => false,
        _ => true,
    }
}

/// Aligns `=` down each run of one-line arguments, then line comments down each run of lines
/// that have one.
fn align(lines: &mut [Line]) {
    align_column(lines, |l| l.assign);
    align_column(lines, |l| l.comment);
}

/// Pads the token `cell` picks (the `=`, the comment) so that it starts in one column down each
/// run of consecutive lines that have one.
fn align_column(lines: &mut [Line], cell: fn(&Line) -> Option<usize>) {
    let width = |line: &Line, upto: usize| -> usize {
        line.tokens[..upto].iter().map(|(sp, t)| sp + t.text.chars().count()).sum()
    };
    let mut run_start = None;
    for i in 0..=lines.len() {
        match (lines.get(i).and_then(cell), run_start) {
            (Some(_), None) => run_start = Some(i),
            (None, Some(start)) => {
                let max = lines[start..i].iter().map(|l| width(l, cell(l).unwrap_or(0))).max().unwrap_or(0);
                for l in &mut lines[start..i] {
                    let at = cell(l).unwrap_or(0);
                    l.tokens[at].0 = max - width(l, at) + 1;
                }
                run_start = None;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
