//! `yamlencode` and `yamldecode` with go-cty-yaml's behaviour, as Terraform has it: encoding
//! quotes every string and key, writes multi-line strings as literal blocks (`|-`, `|`, `|+`),
//! folds long quoted strings at column 80 and ends a top-level plain scalar with `...`;
//! decoding resolves plain scalars by YAML 1.1 rules (`yes` is true, `0x1F` is 31, `~` null).

use std::collections::BTreeMap;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

use super::string_arg;
use crate::eval::Seq;
use crate::eval::number::Number;
use crate::eval::value::Value;

/// yaml.v2's preferred line width, past which quoted strings fold at a space.
const BEST_WIDTH: usize = 80;

pub(super) fn yamlencode(a: &[Value]) -> Result<Value, String> {
    let mut w = Writer::default();
    match &a[0] {
        Value::Map(m) if !m.is_empty() => w.map(m, 0)?,
        Value::List(Seq { items: v, .. }) | Value::Set(v) if !v.is_empty() => w.seq(v, 0)?,
        v => {
            let plain = w.scalar(v, 0)?;
            if plain {
                w.push("\n...");
            }
        }
    }
    w.push("\n");
    Ok(Value::String(w.out))
}

#[derive(Default)]
struct Writer {
    out: String,
    col: usize,
}

impl Writer {
    fn push(&mut self, s: &str) {
        match s.rfind('\n') {
            Some(i) => self.col = s[i + 1..].chars().count(),
            None => self.col += s.chars().count(),
        }
        self.out.push_str(s);
    }

    fn newline(&mut self, indent: usize) {
        self.push("\n");
        self.push(&" ".repeat(indent));
    }

    fn map(&mut self, m: &BTreeMap<String, Value>, indent: usize) -> Result<(), String> {
        for (i, (k, v)) in m.iter().enumerate() {
            if i > 0 {
                self.newline(indent);
            }
            self.quoted(k, indent, false);
            self.push(":");
            match v {
                Value::Map(inner) if !inner.is_empty() => {
                    self.newline(indent + 2);
                    self.map(inner, indent + 2)?;
                }
                Value::List(Seq { items, .. }) | Value::Set(items) if !items.is_empty() => {
                    self.newline(indent);
                    self.seq(items, indent)?;
                }
                other => {
                    self.push(" ");
                    self.scalar(other, indent + 2)?;
                }
            }
        }
        Ok(())
    }

    fn seq(&mut self, items: &[Value], indent: usize) -> Result<(), String> {
        for (i, v) in items.iter().enumerate() {
            if i > 0 {
                self.newline(indent);
            }
            self.push("- ");
            match v {
                Value::Map(inner) if !inner.is_empty() => self.map(inner, indent + 2)?,
                Value::List(Seq { items: inner, .. }) | Value::Set(inner) if !inner.is_empty() => {
                    self.seq(inner, indent + 2)?
                }
                other => {
                    self.scalar(other, indent + 2)?;
                }
            }
        }
        Ok(())
    }

    /// Writes a scalar or an empty collection; true when it was written plain.
    fn scalar(&mut self, v: &Value, indent: usize) -> Result<bool, String> {
        match v {
            Value::Null => self.push("null"),
            Value::Bool(b) => self.push(if *b { "true" } else { "false" }),
            Value::Number(n) => self.push(&n.to_string()),
            Value::Map(_) => {
                self.push("{}");
                return Ok(false);
            }
            Value::List(Seq { items: _, .. }) | Value::Set(_) => {
                self.push("[]");
                return Ok(false);
            }
            Value::String(s) if s.contains('\n') => {
                self.literal(s, indent);
                return Ok(false);
            }
            Value::String(s) => {
                self.quoted(s, indent, true);
                return Ok(false);
            }
            Value::Unknown => return Err("cannot encode a value that is not known yet".into()),
        }
        Ok(true)
    }

    fn literal(&mut self, s: &str, indent: usize) {
        let trailing = s.len() - s.trim_end_matches('\n').len();
        self.push(match trailing {
            0 => "|-",
            1 => "|",
            _ => "|+",
        });
        let body = s.strip_suffix('\n').unwrap_or(s);
        for line in body.split('\n') {
            self.push("\n");
            if !line.is_empty() {
                self.push(&" ".repeat(indent));
                self.push(line);
            }
        }
    }

    /// yaml.v2's double-quoted style: escapes, and with `breaks`, a fold at a single space
    /// once past the preferred width.
    fn quoted(&mut self, s: &str, indent: usize, breaks: bool) {
        self.push("\"");
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if breaks && !spaces && self.col > BEST_WIDTH && i != 0 && i != chars.len() - 1 {
                    self.newline(indent);
                    if chars.get(i + 1) == Some(&' ') {
                        self.push("\\");
                    }
                } else {
                    self.push(" ");
                }
                spaces = true;
                continue;
            }
            spaces = false;
            match c {
                '"' => self.push("\\\""),
                '\\' => self.push("\\\\"),
                '\0' => self.push("\\0"),
                '\x07' => self.push("\\a"),
                '\x08' => self.push("\\b"),
                '\t' => self.push("\\t"),
                '\n' => self.push("\\n"),
                '\x0b' => self.push("\\v"),
                '\x0c' => self.push("\\f"),
                '\r' => self.push("\\r"),
                '\x1b' => self.push("\\e"),
                '\u{85}' => self.push("\\N"),
                '\u{a0}' => self.push("\\_"),
                '\u{2028}' => self.push("\\L"),
                '\u{2029}' => self.push("\\P"),
                '\u{feff}' => self.push("\\uFEFF"),
                c if (c as u32) < 0x20 || c == '\x7f' || ('\u{80}'..'\u{a0}').contains(&c) => {
                    self.push(&format!("\\x{:02X}", c as u32));
                }
                c => self.push(c.encode_utf8(&mut [0; 4])),
            }
        }
        self.push("\"");
    }
}

pub(super) fn yamldecode(a: &[Value]) -> Result<Value, String> {
    let text = string_arg(&a[0], "the argument")?;
    let mut parser = Parser::new_from_str(&text);
    let mut anchors: BTreeMap<usize, Value> = BTreeMap::new();
    let mut docs = Vec::new();
    loop {
        let (event, _) = parser.next_token().map_err(|e| format!("invalid YAML: {e}"))?;
        match event {
            Event::StreamEnd => break,
            Event::StreamStart | Event::DocumentStart | Event::DocumentEnd | Event::Nothing => {}
            first => docs.push(node(&mut parser, first, &mut anchors)?),
        }
    }
    match docs.len() {
        0 => Err("the YAML is empty: it holds no document".into()),
        1 => Ok(docs.remove(0)),
        _ => Err("the YAML holds more than one document; yamldecode reads only one".into()),
    }
}

fn node(p: &mut Parser<std::str::Chars>, event: Event, anchors: &mut BTreeMap<usize, Value>) -> Result<Value, String> {
    let next =
        |p: &mut Parser<std::str::Chars>| p.next_token().map(|(e, _)| e).map_err(|e| format!("invalid YAML: {e}"));
    let (value, anchor) = match event {
        Event::Alias(id) => {
            return anchors.get(&id).cloned().ok_or_else(|| "the YAML uses an unknown alias".to_string());
        }
        Event::Scalar(text, style, anchor, tag) => {
            let tag = tag.map(|t| t.suffix);
            (scalar(&text, style, tag.as_deref())?, anchor)
        }
        Event::SequenceStart(anchor, _) => {
            let mut items = Vec::new();
            loop {
                match next(p)? {
                    Event::SequenceEnd => break,
                    e => items.push(node(p, e, anchors)?),
                }
            }
            (Value::List(items.into()), anchor)
        }
        Event::MappingStart(anchor, _) => {
            let mut map = BTreeMap::new();
            loop {
                let key = match next(p)? {
                    Event::MappingEnd => break,
                    e => node(p, e, anchors)?,
                };
                let key = key
                    .to_template_string()
                    .ok_or("the YAML has a mapping key that is not a string, number or bool")?;
                let e = next(p)?;
                map.insert(key, node(p, e, anchors)?);
            }
            (Value::Map(map.into()), anchor)
        }
        other => return Err(format!("unexpected YAML event {other:?}")),
    };
    if anchor > 0 {
        anchors.insert(anchor, value.clone());
    }
    Ok(value)
}

/// A scalar by YAML 1.1's resolution rules for plain ones; quoted and block ones are strings.
fn scalar(text: &str, style: TScalarStyle, tag: Option<&str>) -> Result<Value, String> {
    match tag {
        Some("str") => return Ok(Value::from(text)),
        Some("int" | "float") => {
            return number(text).map(Value::Number).ok_or_else(|| format!("{text:?} is not a number"));
        }
        Some("bool") => return bool_of(text).map(Value::Bool).ok_or_else(|| format!("{text:?} is not a bool")),
        Some("null") => return Ok(Value::Null),
        _ => {}
    }
    if style != TScalarStyle::Plain {
        return Ok(Value::from(text));
    }
    if matches!(text, "" | "~" | "null" | "Null" | "NULL") {
        return Ok(Value::Null);
    }
    if let Some(b) = bool_of(text) {
        return Ok(Value::Bool(b));
    }
    if let Some(n) = number(text) {
        return Ok(Value::Number(n));
    }
    Ok(Value::from(text))
}

fn bool_of(text: &str) -> Option<bool> {
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => Some(true),
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

/// Exactly, as go-cty-yaml reads numbers (decimal text at 512 bits); `.inf` is not a number
/// drplan can hold, so it stays a string (or is an error where tagged `!!float`).
fn number(text: &str) -> Option<Number> {
    let t = text.replace('_', "");
    let (sign, digits) = match t.strip_prefix('-') {
        Some(rest) => (-1.0, rest.to_string()),
        None => (1.0, t.trim_start_matches('+').to_string()),
    };
    let int = |s: &str, radix: u32| {
        u128::from_str_radix(s, radix).ok().map(|n| Number::from_big_int(sign < 0.0 && n != 0, n.into()))
    };
    if let Some(hex) = digits.strip_prefix("0x") {
        return int(hex, 16);
    }
    if let Some(bin) = digits.strip_prefix("0b") {
        return int(bin, 2);
    }
    if digits.len() > 1 && digits.starts_with('0') && digits.chars().all(|c| c.is_ascii_digit()) {
        return int(&digits[1..], 8);
    }
    match digits.as_str() {
        ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN" => return None,
        _ => {}
    }
    let numeric = digits.chars().next().is_some_and(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'));
    if !numeric {
        return None;
    }
    match digits.parse::<u64>() {
        Ok(whole) => Some(Number::from_big_int(sign < 0.0 && whole != 0, whole.into())),
        Err(_) => Number::parse(&format!("{}{digits}", if sign < 0.0 { "-" } else { "" })),
    }
}

#[cfg(test)]
mod tests {
    use crate::eval::functions::test_call as call;
    use crate::eval::value::Value;

    fn enc(v: Value) -> String {
        match call("yamlencode", vec![v]).unwrap() {
            Value::String(s) => s,
            other => panic!("{other:?}"),
        }
    }

    fn map(pairs: Vec<(&str, Value)>) -> Value {
        Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    #[test]
    fn encoding_matches_terraform() {
        // Each expected text is what terraform console 1.11.4 printed.
        let v = map(vec![
            ("a", Value::from(1.0)),
            ("b", "x".into()),
            ("c", Value::List(vec![Value::Bool(true), Value::Null, "y: z".into()].into())),
            ("d", map(vec![("e", Value::from(1.5))])),
            ("k y", "multi\nline".into()),
        ]);
        assert_eq!(
            enc(v),
            "\"a\": 1\n\"b\": \"x\"\n\"c\":\n- true\n- null\n- \"y: z\"\n\"d\":\n  \"e\": 1.5\n\"k y\": |-\n  multi\n  line\n"
        );
        assert_eq!(enc("hello".into()), "\"hello\"\n");
        assert_eq!(enc(Value::List(vec![].into())), "[]\n");
        assert_eq!(enc(Value::from(1.5e30)), "1500000000000000000000000000000\n...\n");
        assert_eq!(enc(map(vec![("m", "a\nb\n\n".into())])), "\"m\": |+\n  a\n  b\n\n");
        let nested = Value::List(
            vec![
                map(vec![("a", Value::from(1.0)), ("b", Value::List(vec![Value::from(1.0), Value::from(2.0)].into()))]),
                Value::List(vec![Value::from(3.0), Value::List(vec![Value::from(4.0)].into())].into()),
                map(vec![]),
            ]
            .into(),
        );
        assert_eq!(enc(nested), "- \"a\": 1\n  \"b\":\n  - 1\n  - 2\n- - 3\n  - - 4\n- {}\n");
        let words: Vec<String> = (0..30).map(|i| format!("word{i}")).collect();
        assert_eq!(
            enc(map(vec![("k", words.join(" ").into())])),
            "\"k\": \"word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12\n  word13 word14 word15 word16 word17 word18 word19 word20 word21 word22 word23 word24\n  word25 word26 word27 word28 word29\"\n"
        );
        assert_eq!(enc(map(vec![("s", "tab\there \"q\" é ☃".into())])), "\"s\": \"tab\\there \\\"q\\\" é ☃\"\n");
    }

    #[test]
    fn decoding_resolves_scalars_as_yaml_1_1() {
        let v = call("yamldecode", vec!["a: 1\nb: [x, 2]\nc: ~\nd: yes\ne: '010'\nf: 0x1F\ng: !!str 5\nh: 1e3".into()])
            .unwrap();
        assert_eq!(v.get("a"), Some(&Value::from(1.0)));
        assert_eq!(v.get("b"), Some(&Value::List(vec!["x".into(), Value::from(2.0)].into())));
        assert_eq!(v.get("c"), Some(&Value::Null));
        assert_eq!(v.get("d"), Some(&Value::Bool(true)));
        assert_eq!(v.get("e"), Some(&Value::from("010")));
        assert_eq!(v.get("f"), Some(&Value::from(31.0)));
        assert_eq!(v.get("g"), Some(&Value::from("5")));
        assert_eq!(v.get("h"), Some(&Value::from(1000.0)));
        let aliases = call("yamldecode", vec!["- &a 1\n- *a\n".into()]).unwrap();
        assert_eq!(aliases, Value::List(vec![Value::from(1.0), Value::from(1.0)].into()));
        assert!(call("yamldecode", vec!["a: [".into()]).unwrap_err().starts_with("invalid YAML"));
        assert!(call("yamldecode", vec!["".into()]).is_err());
    }
}
