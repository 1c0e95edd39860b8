//! Numeric functions and the CIDR calculators (IPv4 and IPv6) VPC layouts depend on.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use num_bigint::BigUint;

use super::{exact_number_arg, int_arg, number_arg, seq_arg, string_arg};
use crate::eval::number::Number;
use crate::eval::value::Value;

fn n(a: &[Value], i: usize) -> Result<f64, String> {
    number_arg(&a[i], &format!("argument {}", i + 1))
}

fn exact(a: &[Value], i: usize) -> Result<Number, String> {
    exact_number_arg(&a[i], &format!("argument {}", i + 1))
}

pub(super) fn abs(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Number(exact(a, 0)?.abs()))
}

/// `ceil` and `floor` work in float64 and return an integer, as Terraform's do.
pub(super) fn ceil(a: &[Value]) -> Result<Value, String> {
    float_to_int(n(a, 0)?.ceil())
}

pub(super) fn floor(a: &[Value]) -> Result<Value, String> {
    float_to_int(n(a, 0)?.floor())
}

fn float_to_int(f: f64) -> Result<Value, String> {
    let whole = Number::from_f64(f).ok_or("the result is not a finite number")?;
    Ok(Value::Number(match whole.integer_parts() {
        Some((neg, m)) => Number::from_big_int(neg, BigUint::from(m)),
        None => whole,
    }))
}

/// `signum` of a whole number only, as Terraform's (it reads its argument as a Go int).
pub(super) fn signum(a: &[Value]) -> Result<Value, String> {
    Ok(Value::from(super::int_arg(&a[0], "the argument")?.signum()))
}

pub(super) fn pow(a: &[Value]) -> Result<Value, String> {
    let v = n(a, 0)?.powf(n(a, 1)?);
    Number::from_f64(v).map(Value::Number).ok_or_else(|| "the result is not a finite number".into())
}

/// `log(number, base)`, in float64 as Terraform computes it.
pub(super) fn log(a: &[Value]) -> Result<Value, String> {
    let (x, base) = (n(a, 0)?, n(a, 1)?);
    let v = x.ln() / base.ln();
    if !v.is_finite() {
        return Err(format!("the logarithm of {x} in base {base} is not a finite number"));
    }
    Ok(v.into())
}

fn numbers(a: &[Value]) -> Result<Vec<Number>, String> {
    a.iter().enumerate().map(|(i, v)| exact_number_arg(v, &format!("argument {}", i + 1))).collect()
}

pub(super) fn max(a: &[Value]) -> Result<Value, String> {
    let most = numbers(a)?.into_iter().reduce(|m, x| if x.compare(&m).is_gt() { x } else { m });
    most.map(Value::Number).ok_or_else(|| "at least one number is required".into())
}

pub(super) fn min(a: &[Value]) -> Result<Value, String> {
    let least = numbers(a)?.into_iter().reduce(|m, x| if x.compare(&m).is_lt() { x } else { m });
    least.map(Value::Number).ok_or_else(|| "at least one number is required".into())
}

pub(super) fn sum(a: &[Value]) -> Result<Value, String> {
    let items = seq_arg(&a[0], "the argument")?;
    let total = numbers(items)?.into_iter().reduce(|t, x| t.add(&x));
    total.map(Value::Number).ok_or_else(|| "cannot sum an empty list".into())
}

pub(super) fn parseint(a: &[Value]) -> Result<Value, String> {
    let text = string_arg(&a[0], "the number")?;
    let base = int_arg(&a[1], "the base")?;
    if !(2..=62).contains(&base) {
        return Err(format!("the base must be between 2 and 62, but got {base}"));
    }
    parse_radix(&text, base as u32)
        .map(|(negative, magnitude)| Value::Number(Number::from_big_int(negative, magnitude)))
        .ok_or_else(|| format!("cannot parse {text:?} as a base {base} integer"))
}

/// An integer in base 2 to 62, as Terraform reads it: an optional sign, then digits 0-9, and
/// letters; up to base 36 letters are case-insensitive, above it `a-z` are 10-35 and `A-Z`
/// 36-61, of any length (Go's big.Int). `None` for an empty string or a digit out of range.
fn parse_radix(text: &str, base: u32) -> Option<(bool, BigUint)> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    // Past Number's own limit on literal digits, the work (quadratic) is refused, not started.
    if digits.is_empty() || digits.len() > crate::eval::number::MAX_DIGITS {
        return None;
    }
    let mut value = BigUint::ZERO;
    for c in digits.chars() {
        let d = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 10,
            'A'..='Z' if base <= 36 => c as u32 - 'A' as u32 + 10,
            'A'..='Z' => c as u32 - 'A' as u32 + 36,
            _ => return None,
        };
        if d >= base {
            return None;
        }
        value = value * base + d;
    }
    Some((negative && value != BigUint::ZERO, value))
}

/// Each element is the previous one plus the step, in exact arithmetic, as Terraform adds them
/// (`range(0, 1, 0.1)` has `0.3`, not `0.30000000000000004`).
pub(super) fn range(a: &[Value]) -> Result<Value, String> {
    let mut nums = numbers(a)?.into_iter();
    let (start, end, step) = match (nums.next(), nums.next(), nums.next()) {
        // One argument counts from 0 towards it, down for a negative end (range(-5) is 0..-4).
        (Some(end), None, None) => {
            let step = Number::from(if end.is_negative() { -1i64 } else { 1 });
            (Number::from(0i64), end, step)
        }
        (Some(start), Some(end), None) => {
            let step = Number::from(if end.compare(&start).is_ge() { 1i64 } else { -1 });
            (start, end, step)
        }
        (Some(start), Some(end), Some(step)) => (start, end, step),
        _ => return Err("range() takes one to three numbers".into()),
    };
    if step.is_zero() {
        return Err("the step must not be zero".into());
    }
    let count = end.sub(&start).to_f64() / step.to_f64();
    if count.ceil() > 1_048_576.0 {
        return Err("range() would produce more than 1048576 elements".into());
    }
    let ascending = !step.is_negative();
    let mut out = Vec::new();
    let mut at = start;
    while if ascending { at.compare(&end).is_lt() } else { at.compare(&end).is_gt() } {
        let next = at.add(&step);
        // A step below the precision of the start (2^60 + 1 in float64) would never arrive.
        if next == at || out.len() >= 1_048_576 {
            return Err("range() cannot reach its end: the step is lost in the precision of the start".into());
        }
        out.push(Value::Number(at));
        at = next;
    }
    Ok(Value::List(out.into()))
}

/// A parsed CIDR prefix: the address as an integer, its family width and prefix length.
struct Prefix {
    addr: u128,
    bits: u32,
    len: u32,
}

fn parse_prefix(text: &str) -> Result<Prefix, String> {
    let (ip, len) = text.split_once('/').ok_or_else(|| format!("invalid CIDR address {text:?}: missing /prefix"))?;
    let ip: IpAddr = ip.parse().map_err(|_| format!("invalid CIDR address {text:?}"))?;
    let (addr, bits) = match ip {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
        IpAddr::V6(v6) => (u128::from(v6), 128),
    };
    let len: u32 = len.parse().map_err(|_| format!("invalid prefix length in {text:?}"))?;
    if len > bits {
        return Err(format!("prefix length {len} is too long for {text:?}"));
    }
    Ok(Prefix { addr: addr & network_mask(bits, len), bits, len })
}

fn network_mask(bits: u32, len: u32) -> u128 {
    let all = if bits == 128 { u128::MAX } else { (1u128 << bits) - 1 };
    if len == 0 { 0 } else { all & !((1u128 << (bits - len)) - 1) }
}

fn format_addr(addr: u128, bits: u32) -> String {
    if bits == 32 { Ipv4Addr::from(addr as u32).to_string() } else { Ipv6Addr::from(addr).to_string() }
}

/// A whole number argument of the CIDR functions, exactly: beyond 2^63 or fractional is an error
/// (a network number is never silently rounded or saturated).
fn exact_int(v: &Value, what: &str) -> Result<i64, String> {
    let n = exact_number_arg(v, what)?;
    n.to_i64().ok_or_else(|| format!("{what} must be a whole number within 64 bits, but got {n}"))
}

/// 2^bits as a u128, `None` for 2^128 (the whole IPv6 space).
fn pow2(bits: u32) -> Option<u128> {
    1u128.checked_shl(bits).filter(|_| bits < 128)
}

fn subnet(p: &Prefix, newbits: i64, netnum: i64) -> Result<(u128, u32), String> {
    let new_len = p.len as i64 + newbits;
    if newbits < 0 || new_len > p.bits as i64 {
        return Err(format!("cannot extend a /{} prefix by {newbits} bits (the address has {} bits)", p.len, p.bits));
    }
    let fits = netnum >= 0 && pow2(newbits as u32).is_none_or(|limit| (netnum as u128) < limit);
    if !fits {
        return Err(format!("network number {netnum} does not fit in {newbits} bits"));
    }
    let new_len = new_len as u32;
    let shifted = (netnum as u128).checked_shl(p.bits - new_len).unwrap_or(0);
    Ok((p.addr | shifted, new_len))
}

pub(super) fn cidrsubnet(a: &[Value]) -> Result<Value, String> {
    let p = parse_prefix(&string_arg(&a[0], "the prefix")?)?;
    let (addr, len) = subnet(&p, exact_int(&a[1], "newbits")?, exact_int(&a[2], "netnum")?)?;
    Ok(format!("{}/{len}", format_addr(addr, p.bits)).into())
}

/// Consecutive subnets, each aligned to its own size; an overflow of the address space (the
/// second /1 of `::/0` ends it) means the next request does not fit.
pub(super) fn cidrsubnets(a: &[Value]) -> Result<Value, String> {
    let p = parse_prefix(&string_arg(&a[0], "the prefix")?)?;
    let host_bits = p.bits - p.len;
    let last = p.addr | pow2(host_bits).map_or(u128::MAX, |n| n - 1);
    let mut next: Option<u128> = Some(p.addr);
    let mut out = Vec::new();
    for (i, v) in a[1..].iter().enumerate() {
        let newbits = exact_int(v, &format!("newbits {}", i + 1))?;
        let len = p.len as i64 + newbits;
        if newbits < 1 || len > p.bits as i64 {
            return Err(format!("newbits {newbits} does not fit a /{} prefix", p.len));
        }
        let no_room = || format!("not enough address space in /{} for all the requested subnets", p.len);
        // Sizes below 2^128: a subnet of a prefix is at least one bit longer.
        let size = pow2(p.bits - len as u32).ok_or_else(no_room)?;
        let start = next.and_then(|n| n.div_ceil(size).checked_mul(size)).ok_or_else(no_room)?;
        let end = start.checked_add(size - 1).filter(|end| *end <= last).ok_or_else(no_room)?;
        out.push(Value::from(format!("{}/{len}", format_addr(start, p.bits))));
        next = end.checked_add(1);
    }
    Ok(Value::List(out.into()))
}

/// A host in a prefix; negative numbers count back from the end (-1 is the last address).
pub(super) fn cidrhost(a: &[Value]) -> Result<Value, String> {
    let p = parse_prefix(&string_arg(&a[0], "the prefix")?)?;
    let host_bits = p.bits - p.len;
    let host = exact_int(&a[1], "hostnum")?;
    let last = pow2(host_bits).map_or(u128::MAX, |n| n - 1);
    let offset = if host >= 0 {
        Some(host as u128).filter(|h| *h <= last)
    } else {
        // -1 is `last`, -2 is `last - 1`, ...
        (host.unsigned_abs() as u128 - 1).le(&last).then(|| last - (host.unsigned_abs() as u128 - 1))
    };
    let offset =
        offset.ok_or_else(|| format!("host number {host} does not fit in the {host_bits} host bits of /{}", p.len))?;
    Ok(format_addr(p.addr | offset, p.bits).into())
}

pub(super) fn cidrnetmask(a: &[Value]) -> Result<Value, String> {
    let p = parse_prefix(&string_arg(&a[0], "the prefix")?)?;
    if p.bits != 32 {
        return Err("cidrnetmask() only supports IPv4 prefixes".into());
    }
    Ok(format_addr(network_mask(32, p.len), 32).into())
}

#[cfg(test)]
mod tests {
    use crate::eval::functions::test_call as call;
    use crate::eval::value::Value;

    fn num(x: f64) -> Value {
        Value::from(x)
    }

    #[test]
    fn a_range_whose_step_is_lost_in_the_start_is_an_error_not_a_hang() {
        let start = Value::Number(crate::eval::Number::from(2f64.powi(60)));
        let end = Value::Number(crate::eval::Number::from(2f64.powi(60) + 4096.0));
        let err = call("range", vec![start, end, num(1.0)]).unwrap_err();
        assert!(err.contains("cannot reach its end"), "{err}");
        assert_eq!(call("range", vec![num(0.0), num(1.0), num(0.25)]).unwrap().to_string(), "[0, 0.25, 0.5, 0.75]");
    }

    #[test]
    fn cidr_functions_match_terraform() {
        assert_eq!(
            call("cidrsubnet", vec!["10.0.0.0/16".into(), num(8.0), num(2.0)]).unwrap(),
            Value::from("10.0.2.0/24")
        );
        assert_eq!(
            call("cidrsubnet", vec!["fd00::/56".into(), num(8.0), num(1.0)]).unwrap(),
            Value::from("fd00:0:0:1::/64")
        );
        assert_eq!(call("cidrhost", vec!["10.0.1.0/24".into(), num(5.0)]).unwrap(), Value::from("10.0.1.5"));
        assert_eq!(call("cidrhost", vec!["10.0.1.0/24".into(), num(-2.0)]).unwrap(), Value::from("10.0.1.254"));
        assert_eq!(call("cidrnetmask", vec!["172.16.0.0/12".into()]).unwrap(), Value::from("255.240.0.0"));
        assert!(call("cidrsubnet", vec!["10.0.0.0/16".into(), num(8.0), num(256.0)]).is_err());
        assert!(call("cidrhost", vec!["10.0.1.0/24".into(), num(256.0)]).is_err());
    }

    /// IPv6 maths is exact over 128 bits (Terraform's vectors and the edge of the space).
    #[test]
    fn ipv6_prefixes_use_all_128_bits() {
        let subnets = |args: Vec<Value>| call("cidrsubnets", args);
        let strs = |v: &[&str]| Value::List(v.iter().map(|s| Value::from(*s)).collect());
        assert_eq!(
            subnets(vec!["fe80::/48".into(), num(16.0), num(16.0), num(16.0), num(32.0)]).unwrap(),
            strs(&["fe80::/64", "fe80:0:0:1::/64", "fe80:0:0:2::/64", "fe80:0:0:3::/80"])
        );
        assert_eq!(subnets(vec!["::/0".into(), num(1.0), num(1.0)]).unwrap(), strs(&["::/1", "8000::/1"]));
        assert!(subnets(vec!["::/0".into(), num(1.0), num(1.0), num(1.0)]).is_err(), "the space is full");
        assert_eq!(
            call("cidrhost", vec!["::/0".into(), num(-1.0)]).unwrap(),
            Value::from("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
        );
        assert_eq!(call("cidrhost", vec!["10.0.1.0/24".into(), num(-256.0)]).unwrap(), Value::from("10.0.1.0"));
        assert!(call("cidrhost", vec!["10.0.1.0/24".into(), num(-257.0)]).is_err());
        assert!(call("cidrsubnet", vec!["10.0.0.0/8".into(), num(8.0), num(-1.0)]).is_err(), "negative netnum");
        assert!(call("cidrsubnet", vec!["::/0".into(), num(127.0), num(-1.0)]).is_err(), "negative netnum, wide");
        assert!(call("cidrsubnet", vec!["::/0".into(), num(100.0), num(1e30)]).is_err(), "never saturated");
        assert_eq!(call("cidrsubnet", vec!["::/0".into(), num(128.0), num(1.0)]).unwrap(), Value::from("::1/128"));
        let subnets = call("cidrsubnets", vec!["10.1.0.0/16".into(), num(4.0), num(4.0), num(8.0)]).unwrap();
        assert_eq!(
            subnets,
            Value::List(vec!["10.1.0.0/20".into(), "10.1.16.0/20".into(), "10.1.32.0/24".into()].into())
        );
    }

    #[test]
    fn numeric_functions() {
        assert_eq!(call("max", vec![num(1.0), num(5.0), num(3.0)]).unwrap(), num(5.0));
        assert_eq!(call("range", vec![num(3.0)]).unwrap(), Value::List(vec![num(0.0), num(1.0), num(2.0)].into()));
        assert_eq!(
            call("range", vec![num(1.0), num(7.0), num(3.0)]).unwrap(),
            Value::List(vec![num(1.0), num(4.0)].into())
        );
        assert_eq!(call("parseint", vec!["ff".into(), num(16.0)]).unwrap(), num(255.0));
        // Bases above 36 tell the cases apart (Terraform's vectors): "aA" is 10 * 62 + 36.
        assert_eq!(call("parseint", vec!["aA".into(), num(62.0)]).unwrap(), num(656.0));
        assert_eq!(call("parseint", vec!["FF".into(), num(16.0)]).unwrap(), num(255.0));
        assert_eq!(call("parseint", vec!["-11".into(), num(2.0)]).unwrap(), num(-3.0));
        assert!(call("parseint", vec!["12".into(), num(2.0)]).is_err());
        assert!(call("parseint", vec!["".into(), num(10.0)]).is_err());
        let wide = call("parseint", vec!["1".repeat(60).into(), num(10.0)]).unwrap();
        assert_eq!(wide.to_template_string().unwrap(), "1".repeat(60), "beyond 128 bits, as Go's big.Int");
        assert!(call("parseint", vec!["1".repeat(100_001).into(), num(10.0)]).is_err(), "a documented limit");
        assert_eq!(call("sum", vec![Value::List(vec![num(1.0), num(2.5)].into())]).unwrap(), num(3.5));
        assert_eq!(call("ceil", vec![num(1.2)]).unwrap(), num(2.0));
    }
}
