//! A lossless tokenizer for HCL native syntax, as `terraform fmt` sees a file: every byte of
//! the input is in exactly one token, except the spaces and tabs between tokens (which the
//! formatter decides). Heredoc bodies and block comments are kept as they are written.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Newline,
    /// `#` or `//` to the end of the line (the newline included), or `/* ... */`.
    Comment,
    Ident,
    Number,
    OQuote,
    CQuote,
    /// Literal text inside a quoted template or a heredoc.
    Lit,
    /// `${` or `%{` (with a `~` strip marker, if any).
    TemplateOpen,
    /// The `}` (or `~}`) closing a template interpolation or directive.
    TemplateClose,
    /// `<<EOT` or `<<-EOT` and its newline.
    OHeredoc,
    /// The heredoc's closing marker line, without its newline.
    CHeredoc,
    OBrace,
    CBrace,
    OBrack,
    CBrack,
    OParen,
    CParen,
    Equal,
    Comma,
    Dot,
    Ellipsis,
    Colon,
    DoubleColon,
    Question,
    Minus,
    Bang,
    /// `+ * / % == != < <= > >= && || =>`.
    Operator,
    /// Anything else (kept as written; the parser has already accepted the file).
    Other,
}

#[derive(Clone, Debug)]
pub(super) struct Token {
    pub kind: Kind,
    pub text: String,
}

impl Token {
    /// +1 for what opens a bracket, -1 for what closes one.
    pub(super) fn bracket_change(&self) -> i32 {
        match self.kind {
            Kind::OBrace | Kind::OBrack | Kind::OParen | Kind::TemplateOpen => 1,
            Kind::CBrace | Kind::CBrack | Kind::CParen | Kind::TemplateClose => -1,
            _ => 0,
        }
    }
}

/// Where the lexer is: in expressions (with the kind of each open brace, to tell a template's
/// closing `}` from an object's), or in a quoted template.
#[derive(Clone, Copy, PartialEq)]
enum Frame {
    Brace,
    Template,
    Quoted,
}

pub(super) fn tokens(src: &str) -> Vec<Token> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    let push = |out: &mut Vec<Token>, kind, text: &str| out.push(Token { kind, text: text.to_string() });
    while i < b.len() {
        if stack.last() == Some(&Frame::Quoted) {
            i = quoted(src, i, &mut out, &mut stack);
            continue;
        }
        let c = b[i];
        let rest = &src[i..];
        let start = i;
        match c {
            b' ' | b'\t' => {
                i += 1;
                continue;
            }
            b'\r' if rest.starts_with("\r\n") => {
                push(&mut out, Kind::Newline, "\n");
                i += 2;
            }
            b'\n' => {
                push(&mut out, Kind::Newline, "\n");
                i += 1;
            }
            b'#' => i = comment_to_eol(src, i, &mut out),
            b'/' if rest.starts_with("//") => i = comment_to_eol(src, i, &mut out),
            b'/' if rest.starts_with("/*") => {
                let end = rest.find("*/").map_or(b.len(), |e| i + e + 2);
                push(&mut out, Kind::Comment, &src[i..end]);
                i = end;
            }
            b'"' => {
                push(&mut out, Kind::OQuote, "\"");
                stack.push(Frame::Quoted);
                i += 1;
            }
            b'<' if rest.starts_with("<<") && heredoc_marker(rest).is_some() => i = heredoc(src, i, &mut out),
            b'{' => {
                stack.push(Frame::Brace);
                push(&mut out, Kind::OBrace, "{");
                i += 1;
            }
            b'~' if rest.starts_with("~}") && stack.last() == Some(&Frame::Template) => {
                stack.pop();
                push(&mut out, Kind::TemplateClose, "~}");
                i += 2;
            }
            b'}' => {
                let kind = match stack.pop() {
                    Some(Frame::Template) => Kind::TemplateClose,
                    _ => Kind::CBrace,
                };
                push(&mut out, kind, "}");
                i += 1;
            }
            _ if c.is_ascii_digit() => {
                i += rest.find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '.')).unwrap_or(rest.len());
                // `1.e` is not a number; a trailing `.` belongs to what follows.
                while src[start..i].ends_with('.') {
                    i -= 1;
                }
                push(&mut out, Kind::Number, &src[start..i]);
            }
            _ if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                i += rest.find(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == '-')).unwrap_or(rest.len());
                push(&mut out, Kind::Ident, &src[start..i]);
            }
            _ => {
                let (kind, len) = punctuation(rest);
                push(&mut out, kind, &rest[..len]);
                i += len;
            }
        }
    }
    out
}

fn punctuation(rest: &str) -> (Kind, usize) {
    const TWO: &[(&str, Kind)] = &[
        ("==", Kind::Operator),
        ("!=", Kind::Operator),
        ("<=", Kind::Operator),
        (">=", Kind::Operator),
        ("&&", Kind::Operator),
        ("||", Kind::Operator),
        ("=>", Kind::Operator),
        ("::", Kind::DoubleColon),
    ];
    if rest.starts_with("...") {
        return (Kind::Ellipsis, 3);
    }
    if let Some((_, k)) = TWO.iter().find(|(p, _)| rest.starts_with(p)) {
        return (*k, 2);
    }
    let kind = match rest.as_bytes()[0] {
        b'[' => Kind::OBrack,
        b']' => Kind::CBrack,
        b'(' => Kind::OParen,
        b')' => Kind::CParen,
        b'=' => Kind::Equal,
        b',' => Kind::Comma,
        b'.' => Kind::Dot,
        b':' => Kind::Colon,
        b'?' => Kind::Question,
        b'-' => Kind::Minus,
        b'!' => Kind::Bang,
        b'+' | b'*' | b'/' | b'%' | b'<' | b'>' => Kind::Operator,
        _ => Kind::Other,
    };
    (kind, rest.chars().next().map_or(1, char::len_utf8))
}

fn comment_to_eol(src: &str, i: usize, out: &mut Vec<Token>) -> usize {
    let end = src[i..].find('\n').map_or(src.len(), |e| i + e + 1);
    let text = src[i..end].trim_end_matches(['\n', '\r']).trim_end();
    let newline = if end > i && src[..end].ends_with('\n') { "\n" } else { "" };
    out.push(Token { kind: Kind::Comment, text: format!("{text}{newline}") });
    end
}

/// Inside a quoted template at `i`: literal text up to `${`, `%{` or the closing quote.
fn quoted(src: &str, mut i: usize, out: &mut Vec<Token>, stack: &mut Vec<Frame>) -> usize {
    let b = src.as_bytes();
    let start = i;
    while i < b.len() {
        let rest = &src[i..];
        if rest.starts_with("$${") || rest.starts_with("%%{") {
            i += 3;
        } else if rest.starts_with("${") || rest.starts_with("%{") || rest.starts_with(['"', '\n']) {
            break;
        } else {
            let mut chars = rest.chars();
            let first = chars.next().map_or(1, char::len_utf8);
            // An escape takes the character after the backslash with it.
            let second = if rest.starts_with('\\') { chars.next().map_or(0, char::len_utf8) } else { 0 };
            i += first + second;
        }
    }
    let i = i.min(b.len());
    if i > start {
        out.push(Token { kind: Kind::Lit, text: src[start..i].to_string() });
    }
    match b.get(i) {
        Some(b'"') => {
            stack.pop();
            out.push(Token { kind: Kind::CQuote, text: "\"".into() });
            i + 1
        }
        Some(b'$' | b'%') => {
            let len = if src[i + 2..].starts_with('~') { 3 } else { 2 };
            stack.push(Frame::Template);
            out.push(Token { kind: Kind::TemplateOpen, text: src[i..i + len].to_string() });
            i + len
        }
        _ => {
            // An unterminated string: the parser reports it; keep the rest as it is.
            stack.pop();
            i
        }
    }
}

/// `<<EOT` / `<<-EOT` at the start of `rest`: the marker.
fn heredoc_marker(rest: &str) -> Option<&str> {
    let after = rest.strip_prefix("<<")?;
    let after = after.strip_prefix('-').unwrap_or(after);
    let len = after.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(after.len());
    (len > 0 && after[len..].starts_with(['\n', '\r'])).then(|| &after[..len])
}

/// A heredoc body: literal text, and its interpolations and directives as tokens (so they are
/// spaced like any expression, as `terraform fmt` does).
fn template_body(body: &str, out: &mut Vec<Token>) {
    let mut lit_start = 0;
    let mut i = 0;
    while i < body.len() {
        let rest = &body[i..];
        if rest.starts_with("$${") || rest.starts_with("%%{") {
            i += 3;
            continue;
        }
        if !(rest.starts_with("${") || rest.starts_with("%{")) {
            i += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        }
        let Some(close) = closing_brace(&rest[2..]) else { break };
        if i > lit_start {
            out.push(Token { kind: Kind::Lit, text: body[lit_start..i].to_string() });
        }
        let strip_open = rest[2..].starts_with('~');
        let inner_start = 2 + usize::from(strip_open);
        let strip_close = rest[..2 + close].ends_with('~');
        let inner_end = 2 + close - usize::from(strip_close);
        out.push(Token { kind: Kind::TemplateOpen, text: rest[..inner_start].to_string() });
        out.extend(tokens(&rest[inner_start..inner_end.max(inner_start)]));
        out.push(Token { kind: Kind::TemplateClose, text: if strip_close { "~}".into() } else { "}".into() } });
        i += 2 + close + 1;
        lit_start = i;
    }
    if body.len() > lit_start {
        out.push(Token { kind: Kind::Lit, text: body[lit_start..].to_string() });
    }
}

/// The offset of the `}` that closes an interpolation whose text starts at `s` (after `${`),
/// skipping nested braces and quoted strings; `None` when it is not closed on the text given.
fn closing_brace(s: &str) -> Option<usize> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, c) in s.char_indices() {
        match (in_string, c) {
            (true, '\\') if !escaped => escaped = true,
            (true, '"') if !escaped => in_string = false,
            (true, _) => escaped = false,
            (false, '"') => in_string = true,
            (false, '{') => depth += 1,
            (false, '}') if depth == 0 => return Some(i),
            (false, '}') => depth -= 1,
            (false, '\n') => return None,
            _ => {}
        }
    }
    None
}

/// A heredoc: its opening line, its body (literal text and interpolations), its closing marker line.
fn heredoc(src: &str, i: usize, out: &mut Vec<Token>) -> usize {
    let marker = heredoc_marker(&src[i..]).unwrap_or_default().to_string();
    let open_end = src[i..].find('\n').map_or(src.len(), |e| i + e + 1);
    out.push(Token { kind: Kind::OHeredoc, text: src[i..open_end].replace("\r\n", "\n") });
    let mut pos = open_end;
    while pos < src.len() {
        let line_end = src[pos..].find('\n').map_or(src.len(), |e| pos + e);
        if src[pos..line_end].trim() == marker {
            template_body(&src[open_end..pos], out);
            out.push(Token { kind: Kind::CHeredoc, text: src[pos..line_end].trim_end().to_string() });
            return line_end;
        }
        pos = line_end + 1;
    }
    out.push(Token { kind: Kind::Lit, text: src[open_end..].to_string() });
    src.len()
}
