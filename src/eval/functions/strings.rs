//! String functions: case, trimming, searching, `format` verbs and RE2-style regexes.

use std::collections::BTreeMap;

use super::{int_arg, seq_arg, string_arg};
use crate::eval::value::Value;

fn s(args: &[Value], i: usize) -> Result<String, String> {
    string_arg(&args[i], &format!("argument {}", i + 1))
}

pub(super) fn lower(a: &[Value]) -> Result<Value, String> {
    Ok(s(a, 0)?.chars().map(|c| simple_case(c, Case::Lower)).collect::<String>().into())
}

pub(super) fn upper(a: &[Value]) -> Result<Value, String> {
    Ok(s(a, 0)?.chars().map(|c| simple_case(c, Case::Upper)).collect::<String>().into())
}

pub(super) fn title(a: &[Value]) -> Result<Value, String> {
    let mut out = String::new();
    let mut at_word_start = true;
    for c in s(a, 0)?.chars() {
        out.push(if at_word_start && c.is_alphabetic() { simple_case(c, Case::Title) } else { c });
        // Go's strings.Title: ASCII letters, digits and `_` continue a word, other ASCII
        // separates; beyond ASCII only white space separates.
        at_word_start = if c.is_ascii() { !(c.is_ascii_alphanumeric() || c == '_') } else { c.is_whitespace() };
    }
    Ok(out.into())
}

#[derive(Clone, Copy, PartialEq)]
enum Case {
    Lower,
    Upper,
    Title,
}

/// One character's case mapping as Go's `unicode.ToUpper`/`ToLower`/`ToTitle` do it, which
/// Terraform's functions use: the simple, one-character mapping of UnicodeData, never the
/// special casing Rust's `to_uppercase` applies (`upper("baﬄe")` is `"BAﬄE"`, `ß` stays).
fn simple_case(c: char, case: Case) -> char {
    let one = |it: &mut dyn ExactSizeIterator<Item = char>| if it.len() == 1 { it.next() } else { None };
    match case {
        Case::Lower if c == '\u{130}' => 'i',
        Case::Lower => one(&mut c.to_lowercase()).unwrap_or(c),
        _ => {
            // Titlecase digraphs (DŽ, LJ, NJ, DZ) differ from their uppercase forms.
            if case == Case::Title {
                match c {
                    '\u{1C4}'..='\u{1C6}' => return '\u{1C5}',
                    '\u{1C7}'..='\u{1C9}' => return '\u{1C8}',
                    '\u{1CA}'..='\u{1CC}' => return '\u{1CB}',
                    '\u{1F1}'..='\u{1F3}' => return '\u{1F2}',
                    _ => {}
                }
            }
            // Greek with ypogegrammeni: the simple mapping is the prosgegrammeni letter.
            match c {
                '\u{1F80}'..='\u{1F87}' | '\u{1F90}'..='\u{1F97}' | '\u{1FA0}'..='\u{1FA7}' => {
                    char::from_u32(c as u32 + 8).unwrap_or(c)
                }
                '\u{1FB3}' | '\u{1FC3}' | '\u{1FF3}' => char::from_u32(c as u32 + 9).unwrap_or(c),
                _ => one(&mut c.to_uppercase()).unwrap_or(c),
            }
        }
    }
}

pub(super) fn trimspace(a: &[Value]) -> Result<Value, String> {
    Ok(s(a, 0)?.trim().into())
}

pub(super) fn chomp(a: &[Value]) -> Result<Value, String> {
    Ok(s(a, 0)?.trim_end_matches(['\n', '\r']).into())
}

pub(super) fn strrev(a: &[Value]) -> Result<Value, String> {
    Ok(s(a, 0)?.chars().rev().collect::<String>().into())
}

pub(super) fn trim(a: &[Value]) -> Result<Value, String> {
    let cutset: Vec<char> = s(a, 1)?.chars().collect();
    Ok(s(a, 0)?.trim_matches(|c| cutset.contains(&c)).into())
}

pub(super) fn trimprefix(a: &[Value]) -> Result<Value, String> {
    let (text, prefix) = (s(a, 0)?, s(a, 1)?);
    Ok(text.strip_prefix(prefix.as_str()).unwrap_or(&text).into())
}

pub(super) fn trimsuffix(a: &[Value]) -> Result<Value, String> {
    let (text, suffix) = (s(a, 0)?, s(a, 1)?);
    Ok(text.strip_suffix(suffix.as_str()).unwrap_or(&text).into())
}

pub(super) fn startswith(a: &[Value]) -> Result<Value, String> {
    Ok(s(a, 0)?.starts_with(&s(a, 1)?).into())
}

pub(super) fn endswith(a: &[Value]) -> Result<Value, String> {
    Ok(s(a, 0)?.ends_with(&s(a, 1)?).into())
}

pub(super) fn strcontains(a: &[Value]) -> Result<Value, String> {
    Ok(s(a, 0)?.contains(&s(a, 1)?).into())
}

pub(super) fn indent(a: &[Value]) -> Result<Value, String> {
    let text = s(a, 1)?;
    let spaces = int_arg(&a[0], "spaces")?.max(0) as usize;
    let lines = text.matches('\n').count();
    super::check_len(text.len().saturating_add(spaces.saturating_mul(lines)), "the indented string")?;
    let pad = " ".repeat(spaces);
    Ok(text.replace('\n', &format!("\n{pad}")).into())
}

pub(super) fn substr(a: &[Value]) -> Result<Value, String> {
    let chars: Vec<char> = s(a, 0)?.chars().collect();
    let len = chars.len() as i64;
    let mut offset = int_arg(&a[1], "offset")?;
    if offset < 0 {
        offset += len;
    }
    if offset < 0 {
        return Err(format!("offset {offset} is outside the string of length {len}"));
    }
    if offset >= len {
        // Past the end there is nothing to take (Terraform: substr("hello", 10, 10) is "").
        return Ok(Value::from(""));
    }
    let length = int_arg(&a[2], "length")?;
    let end = if length < 0 { len } else { offset.saturating_add(length).min(len) };
    Ok(chars[offset as usize..end as usize].iter().collect::<String>().into())
}

/// `join(separator, list...)`: the elements of every list, in order, with the separator.
pub(super) fn join(a: &[Value]) -> Result<Value, String> {
    let sep = s(a, 0)?;
    let mut parts = Vec::new();
    for list in &a[1..] {
        for v in seq_arg(list, "the list to join")?.iter().filter(|v| !v.is_null()) {
            parts.push(string_arg(v, "each joined element")?);
        }
    }
    Ok(parts.join(&sep).into())
}

pub(super) fn split(a: &[Value]) -> Result<Value, String> {
    let (sep, text) = (s(a, 0)?, s(a, 1)?);
    if text.is_empty() {
        return Ok(Value::List(vec![Value::from("")].into()));
    }
    Ok(Value::List(text.split(sep.as_str()).map(Value::from).collect()))
}

pub(super) fn replace(a: &[Value]) -> Result<Value, String> {
    let (text, search, with) = (s(a, 0)?, s(a, 1)?, s(a, 2)?);
    // Terraform treats a search string wrapped in slashes as a regular expression.
    if search.len() >= 2 && search.starts_with('/') && search.ends_with('/') {
        let re = compile(&search[1..search.len() - 1])?;
        return Ok(re.replace_all(&text, with.as_str()).into_owned().into());
    }
    Ok(text.replace(&search, &with).into())
}

fn compile(pattern: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(pattern).map_err(|e| format!("invalid regular expression: {e}"))
}

fn captures_value(re: &regex::Regex, caps: &regex::Captures) -> Value {
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    if names.is_empty() {
        return caps.get(0).map_or(Value::Null, |m| m.as_str().into());
    }
    if names.iter().all(Option::is_some) {
        let map: BTreeMap<String, Value> = names
            .iter()
            .flatten()
            .map(|n| (n.to_string(), caps.name(n).map_or(Value::Null, |m| m.as_str().into())))
            .collect();
        return Value::Map(map.into());
    }
    Value::List((1..caps.len()).map(|i| caps.get(i).map_or(Value::Null, |m| m.as_str().into())).collect())
}

pub(super) fn regex(a: &[Value]) -> Result<Value, String> {
    let (pattern, text) = (s(a, 0)?, s(a, 1)?);
    let re = compile(&pattern)?;
    let caps = re.captures(&text).ok_or_else(|| format!("pattern {pattern:?} did not match {text:?}"))?;
    Ok(captures_value(&re, &caps))
}

pub(super) fn regexall(a: &[Value]) -> Result<Value, String> {
    let (pattern, text) = (s(a, 0)?, s(a, 1)?);
    let re = compile(&pattern)?;
    Ok(Value::List(re.captures_iter(&text).map(|c| captures_value(&re, &c)).collect()))
}

pub(super) fn format(a: &[Value]) -> Result<Value, String> {
    Ok(super::format::format_one(&s(a, 0)?, &a[1..])?.into())
}

/// `formatlist`: list arguments are iterated in step, other arguments repeat.
pub(super) fn formatlist(a: &[Value]) -> Result<Value, String> {
    let spec = s(a, 0)?;
    let len = a[1..].iter().filter_map(Value::as_seq).map(<[Value]>::len).max();
    let Some(len) = len else {
        return Ok(Value::List(vec![super::format::format_one(&spec, &a[1..])?.into()].into()));
    };
    let mut out = Vec::with_capacity(len);
    for i in 0..len {
        let row = a[1..]
            .iter()
            .map(|v| match v.as_seq() {
                Some(items) if items.len() == len => Ok(items[i].clone()),
                Some(items) => Err(format!("all list arguments must have the same length ({len} and {})", items.len())),
                None => Ok(v.clone()),
            })
            .collect::<Result<Vec<_>, _>>()?;
        out.push(super::format::format_one(&spec, &row)?.into());
    }
    Ok(Value::List(out.into()))
}

#[cfg(test)]
mod tests {
    use crate::eval::functions::test_call as call;
    use crate::eval::value::Value;

    /// Huge numeric arguments are errors or are clamped, never a panic or an abort.
    #[test]
    fn huge_arguments_are_bounded() {
        let n = |x: f64| Value::from(x);
        // Terraform 1.11: "value must be a whole number, between -9223372036854775808 and ...".
        let err = call("substr", vec!["hello".into(), n(1.0), n(1e19)]).unwrap_err();
        assert!(err.contains("whole number within 64 bits"), "{err}");
        assert_eq!(call("substr", vec!["hello".into(), n(1.0), n(1e15)]).unwrap(), Value::from("ello"));
        let err = call("format", vec!["%.99999999999f".into(), n(1.0)]).unwrap_err();
        assert!(err.contains("more than the 16777216"), "{err}");
        assert!(call("format", vec!["%999999999999d".into(), n(1.0)]).is_err());
        let err = call("indent", vec![n(1e12), "a\nb".into()]).unwrap_err();
        assert!(err.contains("1000000000003 bytes"), "{err}");
        assert_eq!(call("indent", vec![n(2.0), "a\nb".into()]).unwrap(), Value::from("a\n  b"));
    }

    #[test]
    fn format_handles_common_verbs() {
        let v = call("format", vec!["%s-%03d-%.1f %%".into(), "web".into(), Value::from(7.0), Value::from(2.26)]);
        assert_eq!(v.unwrap(), Value::from("web-007-2.3 %"));
        assert!(call("format", vec!["%s %s".into(), "a".into()]).is_err());
    }

    #[test]
    fn formatlist_iterates_lists_in_step() {
        let v = call("formatlist", vec!["%s=%s".into(), Value::List(vec!["a".into(), "b".into()].into()), "x".into()])
            .unwrap();
        assert_eq!(v, Value::List(vec!["a=x".into(), "b=x".into()].into()));
    }

    #[test]
    fn regex_returns_match_list_or_map() {
        assert_eq!(call("regex", vec!["[a-z]+".into(), "123abc".into()]).unwrap(), Value::from("abc"));
        let m = call("regex", vec!["(?P<az>[a-z]+)-(?P<n>\\d)".into(), "us-1".into()]).unwrap();
        assert_eq!(m.get("n"), Some(&Value::from("1")));
        assert_eq!(
            call("regexall", vec!["\\d".into(), "a1b2".into()]).unwrap(),
            Value::List(vec!["1".into(), "2".into()].into())
        );
        assert!(call("regex", vec!["x".into(), "abc".into()]).is_err());
    }

    #[test]
    fn substr_and_trim_family() {
        assert_eq!(
            call("substr", vec!["hello".into(), Value::from(1.0), Value::from(3.0)]).unwrap(),
            Value::from("ell")
        );
        assert_eq!(
            call("substr", vec!["hello".into(), Value::from(-3.0), Value::from(-1.0)]).unwrap(),
            Value::from("llo")
        );
        assert_eq!(call("trim", vec!["?!hi!?".into(), "!?".into()]).unwrap(), Value::from("hi"));
        assert_eq!(call("trimprefix", vec!["prod-db".into(), "prod-".into()]).unwrap(), Value::from("db"));
        assert_eq!(call("title", vec!["hello world".into()]).unwrap(), Value::from("Hello World"));
        assert_eq!(call("replace", vec!["a-b-c".into(), "/[-]/".into(), "_".into()]).unwrap(), Value::from("a_b_c"));
    }
}
