//! `format` and `formatlist` verbs, as go-cty's stdlib has them: `%v %#v %t %s %q`, the number
//! verbs `%d %b %o %x %X %e %E %f %g %G`, the flags `+ - # 0` and space, widths, precisions
//! (for strings, a maximum length) and explicit argument indexes (`%[2]s`).

use super::{check_len, number_arg, string_arg};
use crate::eval::value::Value;

/// One parsed verb.
#[derive(Default)]
struct Spec {
    plus: bool,
    minus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    precision: Option<usize>,
}

pub(super) fn format_one(spec: &str, args: &[Value]) -> Result<String, String> {
    let mut out = String::new();
    let chars: Vec<char> = spec.chars().collect();
    let mut i = 0;
    let mut next_arg = 0;
    let mut used = vec![false; args.len()];
    // With explicit argument indexes, arguments may be skipped (`%[2]d` of 1, 10 is "10"), as
    // Go's fmt and go-cty allow; without, every argument must be used.
    let mut reordered = false;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.get(i) == Some(&'%') {
            out.push('%');
            i += 1;
            continue;
        }
        let mut f = Spec::default();
        while let Some(&flag) = chars.get(i) {
            match flag {
                '+' => f.plus = true,
                '-' => f.minus = true,
                '#' => f.sharp = true,
                ' ' => f.space = true,
                '0' => f.zero = true,
                _ => break,
            }
            i += 1;
        }
        if chars.get(i) == Some(&'[') {
            let close = chars[i..].iter().position(|&c| c == ']').ok_or("unterminated argument index [")?;
            let n: usize =
                chars[i + 1..i + close].iter().collect::<String>().parse().map_err(|_| "invalid argument index")?;
            if n == 0 || n > args.len() {
                return Err(format!("invalid argument index %[{n}]: there are {} arguments", args.len()));
            }
            next_arg = n - 1;
            reordered = true;
            i += close + 1;
        }
        f.width = digits(&chars, &mut i)?;
        if chars.get(i) == Some(&'.') {
            i += 1;
            f.precision = Some(digits(&chars, &mut i)?.unwrap_or(0));
        }
        let verb = *chars.get(i).ok_or("format string ends with an incomplete verb")?;
        i += 1;
        let arg = args.get(next_arg).ok_or_else(|| format!("not enough arguments for %{verb} in {spec:?}"))?;
        used[next_arg] = true;
        next_arg += 1;
        let text = verb_text(verb, &f, arg)?;
        pad(&mut out, &text, &f, matches!(verb, 'd' | 'b' | 'o' | 'x' | 'X' | 'e' | 'E' | 'f' | 'g' | 'G'))?;
    }
    if let Some(unused) = used.iter().position(|u| !u).filter(|_| !reordered) {
        return Err(format!("too many arguments; argument {} is not used by the format string", unused + 1));
    }
    Ok(out)
}

fn digits(chars: &[char], i: &mut usize) -> Result<Option<usize>, String> {
    let start = *i;
    while chars.get(*i).is_some_and(char::is_ascii_digit) {
        *i += 1;
    }
    if *i == start {
        return Ok(None);
    }
    let n = chars[start..*i].iter().collect::<String>().parse::<usize>().unwrap_or(usize::MAX);
    check_len(n, "the formatted value")?;
    Ok(Some(n))
}

fn verb_text(verb: char, f: &Spec, arg: &Value) -> Result<String, String> {
    Ok(match verb {
        'v' if f.sharp => arg.to_json()?.to_string(),
        'v' => match arg.to_template_string() {
            Some(s) => s,
            None => arg.to_json()?.to_string(),
        },
        't' => match crate::eval::types::convert(arg, &crate::eval::types::Type::Bool)? {
            Value::Bool(b) => b.to_string(),
            other => return Err(format!("%t needs a bool, but got {other}")),
        },
        's' => {
            let s = string_arg(arg, "a %s argument")?;
            match f.precision {
                Some(p) => s.chars().take(p).collect(),
                None => s,
            }
        }
        // A precision cuts the string before it is quoted (`%.2q` of "hello" is `"he"`).
        'q' => {
            let s = string_arg(arg, "a %q argument")?;
            let s = match f.precision {
                Some(p) => s.chars().take(p).collect(),
                None => s,
            };
            serde_json::Value::String(s).to_string()
        }
        'd' | 'b' | 'o' | 'x' | 'X' => integer(verb, f, number_arg(arg, &format!("a %{verb} argument"))?)?,
        'f' => {
            let n = super::exact_number_arg(arg, "a %f argument")?;
            let places = f.precision.unwrap_or(6);
            super::check_len(places, "The formatted number")?;
            signed(f, n.is_negative() && !n.is_zero(), &n.fixed_magnitude(places))
        }
        'e' | 'E' | 'g' | 'G' => {
            let n = number_arg(arg, &format!("a %{verb} argument"))?;
            signed(f, n.is_sign_negative() && n != 0.0, &float(verb, f.precision, n.abs()))
        }
        other => return Err(format!("unsupported format verb %{other}")),
    })
}

fn integer(verb: char, f: &Spec, n: f64) -> Result<String, String> {
    if n.fract() != 0.0 || !n.is_finite() || n.abs() >= 1.7e38 {
        return Err(format!("a %{verb} argument must be a whole number, but got {n}"));
    }
    let magnitude = n.abs() as u128;
    let body = match verb {
        'b' => format!("{magnitude:b}"),
        'o' if f.sharp => format!("0{magnitude:o}"),
        'o' => format!("{magnitude:o}"),
        'x' if f.sharp => format!("0x{magnitude:x}"),
        'x' => format!("{magnitude:x}"),
        'X' if f.sharp => format!("0X{magnitude:X}"),
        'X' => format!("{magnitude:X}"),
        _ => magnitude.to_string(),
    };
    Ok(signed(f, n < 0.0, &body))
}

fn signed(f: &Spec, negative: bool, body: &str) -> String {
    let sign = if negative {
        "-"
    } else if f.plus {
        "+"
    } else if f.space {
        " "
    } else {
        ""
    };
    format!("{sign}{body}")
}

/// Go's `%e`, `%f` and `%g` of a non-negative number.
fn float(verb: char, precision: Option<usize>, n: f64) -> String {
    match verb {
        'f' => format!("{n:.*}", precision.unwrap_or(6)),
        'e' | 'E' => {
            let s = go_exponent(&format!("{n:.*e}", precision.unwrap_or(6)));
            if verb == 'E' { s.to_uppercase() } else { s }
        }
        _ => {
            let s = go_g(n, precision);
            if verb == 'G' { s.to_uppercase() } else { s }
        }
    }
}

/// Rust writes `1.5e5`; Go writes `1.5e+05`.
fn go_exponent(rust: &str) -> String {
    let Some((mantissa, exp)) = rust.split_once('e') else { return rust.to_string() };
    let (sign, digits) = match exp.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', exp),
    };
    format!("{mantissa}e{sign}{digits:0>2}")
}

/// `%g`: the shortest representation, or `precision` significant digits; exponent form when
/// the exponent is below -4 or at least the precision (6 for the shortest form).
fn go_g(n: f64, precision: Option<usize>) -> String {
    if n == 0.0 {
        return "0".into();
    }
    let sci = match precision {
        Some(p) => format!("{n:.*e}", p.max(1) - 1),
        None => format!("{n:e}"),
    };
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits = mantissa.replace('.', "");
    let nd = digits.trim_end_matches('0').len().max(1) as i32;
    // Go: the shortest form switches at exponent 6; a precision p at p (or at the digit count
    // when that is smaller and the number has no fraction digits to show).
    let eprec = match precision {
        None => 6,
        Some(p) => {
            let p = p.max(1) as i32;
            if p > nd && nd > exp { nd } else { p }
        }
    };
    if exp < -4 || exp >= eprec {
        let m = mantissa.trim_end_matches('0').trim_end_matches('.');
        return go_exponent(&format!("{m}e{exp}"));
    }
    // Positional, without trailing zeros.
    let decimals = (digits.len() as i32 - 1 - exp).max(0) as usize;
    let s = format!("{n:.decimals$}");
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

fn pad(out: &mut String, text: &str, f: &Spec, numeric: bool) -> Result<(), String> {
    let width = f.width.unwrap_or(0);
    check_len(width, "the padded value")?;
    let pad = width.saturating_sub(text.chars().count());
    if f.minus {
        out.push_str(text);
        out.push_str(&" ".repeat(pad));
    } else if f.zero && numeric {
        let (sign, digits) = match text.chars().next() {
            Some(c @ ('-' | '+' | ' ')) => (c.to_string(), &text[1..]),
            _ => (String::new(), text),
        };
        out.push_str(&sign);
        out.push_str(&"0".repeat(pad));
        out.push_str(digits);
    } else {
        let fill = if f.zero { "0" } else { " " };
        out.push_str(&fill.repeat(pad));
        out.push_str(text);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::eval::functions::test_call as call;
    use crate::eval::value::Value;

    fn fmt(spec: &str, args: Vec<Value>) -> String {
        let mut all = vec![Value::from(spec)];
        all.extend(args);
        match call("format", all) {
            Ok(Value::String(s)) => s,
            other => panic!("{spec}: {other:?}"),
        }
    }

    /// Recorded with `terraform console` (2026-12-06).
    #[test]
    fn explicit_indexes_skip_arguments_and_q_precision_cuts_before_quoting() {
        let call = |spec: &str, args: Vec<Value>| super::format_one(spec, &args);
        assert_eq!(call("%[2]d things", vec![Value::from(1.0), Value::from(10.0)]).unwrap(), "10 things");
        assert_eq!(call("%.2q", vec!["hello".into()]).unwrap(), "\"he\"");
        assert_eq!(call("%6.2q", vec!["hello".into()]).unwrap(), "  \"he\"");
        assert!(call("%d", vec![Value::from(1.0), Value::from(2.0)]).is_err(), "unused without indexes");
    }

    #[test]
    fn verbs_match_terraform() {
        // Expected values from terraform console 1.11.4 (see tests/fixtures/oracle/functions).
        let n = |x: f64| Value::from(x);
        assert_eq!(fmt("%[2]s %[1]s %[2]s", vec!["a".into(), "b".into()]), "b a b");
        assert_eq!(fmt("%x %X %o %b", vec![n(255.0), n(255.0), n(8.0), n(5.0)]), "ff FF 10 101");
        assert_eq!(fmt("%e %g %g", vec![n(123456.789), n(0.000012), n(100000000.0)]), "1.234568e+05 1.2e-05 1e+08");
        assert_eq!(
            fmt(
                "[%+d] [% d] [%-5d] [%5s] [%.2s] [%q]",
                vec![n(5.0), n(5.0), n(5.0), "ab".into(), "hello".into(), "q\"x".into()]
            ),
            "[+5] [ 5] [5    ] [   ab] [he] [\"q\\\"x\"]"
        );
        assert_eq!(
            fmt("%05.2f|%06d|%g|%.3g", vec![n(1.23456), n(-42.0), n(123456.789), n(1.23456)]),
            "01.23|-00042|123456.789|1.23"
        );
        assert!(call("format", vec!["%d".into(), n(1.5)]).is_err());
        assert!(call("format", vec!["%s".into(), "a".into(), "b".into()]).is_err(), "too many arguments");
        assert!(call("format", vec!["%[3]s".into(), "a".into()]).is_err());
    }
}
