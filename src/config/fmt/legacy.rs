//! The rewrites `terraform fmt` makes of Terraform 0.11 idioms, on block-body arguments only
//! (never on the items of an object constructor): an interpolation-only string becomes its
//! expression, and a variable's quoted type constraint its type expression.

use super::Line;
use super::lex::{Kind, Token};

/// Rewrites the one-line arguments of every block body in `lines`.
pub(super) fn rewrite(lines: &mut [super::Line]) {
    // For each open `{`: whether it opened a block body, and the block's type (`variable`).
    let mut braces: Vec<Option<String>> = Vec::new();
    for line in lines.iter_mut() {
        // The file's own body, or a block's: not inside an object constructor.
        let in_body = braces.last().is_none_or(Option::is_some);
        if let Some(at) = line.assign
            && in_body
        {
            let in_variable = braces.len() == 1 && braces[0].as_deref() == Some("variable");
            let name = line.tokens.first().map(|(_, t)| t.text.clone()).unwrap_or_default();
            let end = line.comment.unwrap_or(line.tokens.len());
            let end =
                if line.tokens[..end].last().is_some_and(|(_, t)| t.kind == Kind::Newline) { end - 1 } else { end };
            let value: Vec<Token> = line.tokens[at + 1..end].iter().map(|(_, t)| t.clone()).collect();
            let new = if in_variable && name == "type" { type_expr(&value) } else { unwrapped(&value) };
            if let Some(new) = new {
                replace(line, at + 1, end, new);
            }
        }
        track(line, &mut braces);
    }
}

/// Follows the braces a line opens and closes: a `{` right after a block header (an identifier
/// first, labels, no `=`) opens a block body.
fn track(line: &Line, braces: &mut Vec<Option<String>>) {
    let header = line.tokens.first().is_some_and(|(_, t)| t.kind == Kind::Ident)
        && !line.tokens.iter().any(|(_, t)| matches!(t.kind, Kind::Equal | Kind::Colon));
    for (i, (_, t)) in line.tokens.iter().enumerate() {
        match t.kind {
            Kind::OBrace => {
                let body = header
                    && line.tokens[..i]
                        .iter()
                        .all(|(_, t)| matches!(t.kind, Kind::Ident | Kind::OQuote | Kind::Lit | Kind::CQuote));
                braces.push(body.then(|| line.tokens[0].1.text.clone()));
            }
            Kind::CBrace => {
                braces.pop();
            }
            _ => {}
        }
    }
}

fn replace(line: &mut Line, from: usize, to: usize, new: Vec<Token>) {
    let removed = to - from;
    let added = new.len();
    line.tokens.splice(from..to, new.into_iter().map(|t| (0, t)));
    let shift = |i: usize| if i >= to { i + added - removed } else { i };
    line.comment = line.comment.map(shift);
}

/// `"${expr}"` -> `expr` (one interpolation, nothing else, on one line).
fn unwrapped(value: &[Token]) -> Option<Vec<Token>> {
    let n = value.len();
    if n < 5
        || value[0].kind != Kind::OQuote
        || value[1].kind != Kind::TemplateOpen
        || value[1].text != "${"
        || value[n - 2].kind != Kind::TemplateClose
        || value[n - 2].text != "}"
        || value[n - 1].kind != Kind::CQuote
    {
        return None;
    }
    let inside = &value[2..n - 2];
    // `"${a}-${b}"` closes its first interpolation inside: not one interpolation.
    let mut depth = 0;
    for t in inside {
        match t.kind {
            Kind::TemplateOpen => depth += 1,
            Kind::TemplateClose => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return None;
        }
    }
    Some(inside.to_vec())
}

/// A variable's quoted type constraint as a type expression.
fn type_expr(value: &[Token]) -> Option<Vec<Token>> {
    let ident = |s: &str| Token { kind: Kind::Ident, text: s.into() };
    let paren = |k: Kind, s: &str| Token { kind: k, text: s.into() };
    let quoted = match value {
        [o, lit, c] if o.kind == Kind::OQuote && lit.kind == Kind::Lit && c.kind == Kind::CQuote => lit.text.as_str(),
        _ => return None,
    };
    match quoted {
        "string" => Some(vec![ident("string")]),
        "list" | "map" => {
            Some(vec![ident(quoted), paren(Kind::OParen, "("), ident("string"), paren(Kind::CParen, ")")])
        }
        _ => None,
    }
}
