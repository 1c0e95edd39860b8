//! Heredocs as HCL reads them: strip markers per line, then a flush heredoc's indentation.
//!
//! HCL scans a heredoc into one literal token per line. A `~` marker trims only the token next
//! to it (`%{~ if }` the spaces before it on its own line, `~}` the rest of its line), and only
//! then does a flush heredoc (`<<-`) find the smallest indentation among the tokens that start a
//! line (a line joined to the previous one by a strip marker does not start one, and a line that
//! starts with `${` or `%{` has none) and remove it from them. [`prepare`] returns the template
//! with both done, and no strip markers left, for the ordinary renderer.

use hcl_edit::template::{Directive, Element, HeredocTemplate, Strip, Template};

/// One token of the flattened heredoc: a line of a literal, or a `${ }`/`%{ }` sequence with
/// its markers.
enum Token {
    Line { literal: usize, text: String },
    Sequence { strip_before: bool, strip_after: bool },
}

/// The heredoc's template with strip markers and flush indentation applied.
pub(super) fn prepare(heredoc: &HeredocTemplate) -> Template {
    let mut tokens = Vec::new();
    let mut literals = 0;
    flatten(&heredoc.template, &mut tokens, &mut literals);
    apply_strip_markers(&mut tokens);
    if heredoc.indent().is_some() {
        remove_indentation(&mut tokens);
    }
    let mut texts = vec![String::new(); literals];
    for token in tokens {
        if let Token::Line { literal, text } = token {
            texts[literal].push_str(&text);
        }
    }
    let mut template = heredoc.template.clone();
    write_back(&mut template, &mut texts.into_iter());
    template
}

fn flatten(template: &Template, tokens: &mut Vec<Token>, literals: &mut usize) {
    let sequence = |strip: Strip| Token::Sequence { strip_before: strip.strip_start(), strip_after: strip.strip_end() };
    for element in template.iter() {
        match element {
            Element::Literal(text) => {
                let literal = *literals;
                *literals += 1;
                tokens.extend(text.split_inclusive('\n').map(|line| Token::Line { literal, text: line.to_string() }));
            }
            Element::Interpolation(i) => tokens.push(sequence(i.strip)),
            Element::Directive(d) => match d.as_ref() {
                Directive::If(i) => {
                    tokens.push(sequence(i.if_expr.strip));
                    flatten(&i.if_expr.template, tokens, literals);
                    if let Some(e) = &i.else_expr {
                        tokens.push(sequence(e.strip));
                        flatten(&e.template, tokens, literals);
                    }
                    tokens.push(sequence(i.endif_expr.strip));
                }
                Directive::For(f) => {
                    tokens.push(sequence(f.for_expr.strip));
                    flatten(&f.for_expr.template, tokens, literals);
                    tokens.push(sequence(f.endfor_expr.strip));
                }
            },
        }
    }
}

fn apply_strip_markers(tokens: &mut [Token]) {
    for at in 0..tokens.len() {
        let Token::Sequence { strip_before, strip_after } = tokens[at] else { continue };
        if strip_before
            && at > 0
            && let Token::Line { text, .. } = &mut tokens[at - 1]
        {
            text.truncate(text.trim_end().len());
        }
        if strip_after && let Some(Token::Line { text, .. }) = tokens.get_mut(at + 1) {
            *text = text.trim_start().to_string();
        }
    }
}

fn remove_indentation(tokens: &mut [Token]) {
    let mut starts_line = true;
    let mut smallest = usize::MAX;
    let mut adjust = Vec::new();
    for (at, token) in tokens.iter().enumerate() {
        if std::mem::take(&mut starts_line) {
            let spaces = match token {
                // A blank line does not count.
                Token::Line { text, .. } if text.trim_start().is_empty() && text.ends_with('\n') => usize::MAX,
                Token::Line { text, .. } => {
                    adjust.push(at);
                    text.chars().take_while(|c| c.is_whitespace()).count()
                }
                Token::Sequence { .. } => 0,
            };
            smallest = smallest.min(spaces);
        }
        if let Token::Line { text, .. } = token {
            starts_line = text.ends_with('\n');
        }
    }
    if smallest == usize::MAX {
        return;
    }
    for at in adjust {
        if let Token::Line { text, .. } = &mut tokens[at] {
            *text = text.chars().skip(smallest).collect();
        }
    }
}

fn write_back(template: &mut Template, texts: &mut impl Iterator<Item = String>) {
    for element in template.iter_mut() {
        match element {
            Element::Literal(text) => *text.as_mut() = texts.next().unwrap_or_default(),
            Element::Interpolation(i) => i.strip = Strip::None,
            Element::Directive(d) => match d.as_mut() {
                Directive::If(i) => {
                    i.if_expr.strip = Strip::None;
                    write_back(&mut i.if_expr.template, texts);
                    if let Some(e) = &mut i.else_expr {
                        e.strip = Strip::None;
                        write_back(&mut e.template, texts);
                    }
                    i.endif_expr.strip = Strip::None;
                }
                Directive::For(f) => {
                    f.for_expr.strip = Strip::None;
                    write_back(&mut f.for_expr.template, texts);
                    f.endfor_expr.strip = Strip::None;
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diag::FileId;
    use crate::eval::expr::{Evaluator, Scope};

    fn heredoc(body: &str) -> String {
        let expr = hcl_edit::parser::parse_expr(&format!("<<-EOT\n{body}  EOT")).unwrap();
        Evaluator::new(&Scope::default(), FileId(0)).eval(&expr).unwrap().to_string()
    }

    // Expected values from Terraform 1.11.4 (tests/fixtures/oracle/functions, tmpl_heredoc_*).
    #[test]
    fn strip_markers_act_per_line_before_the_indentation_is_removed() {
        assert_eq!(heredoc("  a\n  b\n"), r#""a\nb\n""#);
        assert_eq!(
            heredoc("  %{ for x in [\"a\", \"b\"] ~}\n  item ${x}\n  %{ endfor ~}\n"),
            r#""  item a\n  item b\n""#
        );
        assert_eq!(heredoc("  x = ${~ \"v\" ~}\n  y\n"), r#""x =v  y\n""#);
        assert_eq!(heredoc("  a\n  %{~ if true ~}\n  b\n  %{~ endif }\n  c\n"), r#""  a\n  b\n\n  c\n""#);
        assert_eq!(heredoc("    a\n\n    b\n"), r#""a\n\nb\n""#, "blank lines do not count");
    }
}
