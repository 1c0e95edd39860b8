//! Numeric functions and the CIDR calculators (IPv4 and IPv6) VPC layouts depend on.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{int_arg, number_arg, seq_arg, string_arg};
use crate::eval::value::Value;

fn n(a: &[Value], i: usize) -> Result<f64, String> {
    number_arg(&a[i], &format!("argument {}", i + 1))
}

pub fn abs(a: &[Value]) -> Result<Value, String> {
    Ok(n(a, 0)?.abs().into())
}

pub fn ceil(a: &[Value]) -> Result<Value, String> {
    Ok(n(a, 0)?.ceil().into())
}

pub fn floor(a: &[Value]) -> Result<Value, String> {
    Ok(n(a, 0)?.floor().into())
}

pub fn signum(a: &[Value]) -> Result<Value, String> {
    let x = n(a, 0)?;
    Ok(Value::Number(if x == 0.0 { 0.0 } else { x.signum() }))
}

pub fn pow(a: &[Value]) -> Result<Value, String> {
    Ok(n(a, 0)?.powf(n(a, 1)?).into())
}

fn numbers(a: &[Value]) -> Result<Vec<f64>, String> {
    a.iter().enumerate().map(|(i, v)| number_arg(v, &format!("argument {}", i + 1))).collect()
}

pub fn max(a: &[Value]) -> Result<Value, String> {
    Ok(numbers(a)?.into_iter().fold(f64::NEG_INFINITY, f64::max).into())
}

pub fn min(a: &[Value]) -> Result<Value, String> {
    Ok(numbers(a)?.into_iter().fold(f64::INFINITY, f64::min).into())
}

pub fn sum(a: &[Value]) -> Result<Value, String> {
    let items = seq_arg(&a[0], "the argument")?;
    if items.is_empty() {
        return Err("cannot sum an empty list".into());
    }
    Ok(numbers(items)?.into_iter().sum::<f64>().into())
}

pub fn parseint(a: &[Value]) -> Result<Value, String> {
    let text = string_arg(&a[0], "the number")?;
    let base = int_arg(&a[1], "the base")?;
    if !(2..=62).contains(&base) {
        return Err(format!("the base must be between 2 and 62, but got {base}"));
    }
    parse_radix(&text, base as u32)
        .map(|v| Value::Number(v as f64))
        .ok_or_else(|| format!("cannot parse {text:?} as a base {base} integer"))
}

/// An integer in base 2 to 62, as Terraform reads it: an optional sign, then digits 0-9, and
/// letters; up to base 36 letters are case-insensitive, above it `a-z` are 10-35 and `A-Z`
/// 36-61. `None` for an empty string, a digit out of range, or a value beyond 128 bits.
fn parse_radix(text: &str, base: u32) -> Option<i128> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() {
        return None;
    }
    let mut value: i128 = 0;
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
        value = value.checked_mul(base as i128)?.checked_add(d as i128)?;
    }
    Some(if negative { -value } else { value })
}

pub fn range(a: &[Value]) -> Result<Value, String> {
    let nums = numbers(a)?;
    let (start, end, step) = match nums.as_slice() {
        [end] => (0.0, *end, 1.0),
        [start, end] => (*start, *end, if end >= start { 1.0 } else { -1.0 }),
        [start, end, step] => (*start, *end, *step),
        _ => unreachable!("arity is checked by the registry"),
    };
    if step == 0.0 {
        return Err("the step must not be zero".into());
    }
    let count = ((end - start) / step).ceil();
    if count > 1_048_576.0 {
        return Err("range() would produce more than 1048576 elements".into());
    }
    Ok(Value::List((0..count.max(0.0) as usize).map(|i| Value::Number(start + step * i as f64)).collect()))
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

fn subnet(p: &Prefix, newbits: i64, netnum: i64) -> Result<(u128, u32), String> {
    let new_len = p.len as i64 + newbits;
    if newbits < 0 || new_len > p.bits as i64 {
        return Err(format!("cannot extend a /{} prefix by {newbits} bits (the address has {} bits)", p.len, p.bits));
    }
    if newbits < 127 && (netnum < 0 || netnum as u128 >= 1u128 << newbits) {
        return Err(format!("network number {netnum} does not fit in {newbits} bits"));
    }
    let new_len = new_len as u32;
    Ok((p.addr | ((netnum as u128) << (p.bits - new_len)), new_len))
}

pub fn cidrsubnet(a: &[Value]) -> Result<Value, String> {
    let p = parse_prefix(&string_arg(&a[0], "the prefix")?)?;
    let (addr, len) = subnet(&p, int_arg(&a[1], "newbits")?, int_arg(&a[2], "netnum")?)?;
    Ok(format!("{}/{len}", format_addr(addr, p.bits)).into())
}

pub fn cidrsubnets(a: &[Value]) -> Result<Value, String> {
    let p = parse_prefix(&string_arg(&a[0], "the prefix")?)?;
    let host_bits = p.bits - p.len;
    let last = p.addr | if host_bits >= 128 { u128::MAX } else { (1u128 << host_bits) - 1 };
    let mut next: u128 = p.addr;
    let mut out = Vec::new();
    for (i, v) in a[1..].iter().enumerate() {
        let newbits = int_arg(v, &format!("newbits {}", i + 1))?;
        let len = p.len as i64 + newbits;
        if newbits < 1 || len > p.bits as i64 {
            return Err(format!("newbits {newbits} does not fit a /{} prefix", p.len));
        }
        let size = 1u128 << (p.bits - len as u32);
        let start = next.div_ceil(size) * size;
        if start.checked_add(size - 1).is_none_or(|end| end > last) {
            return Err(format!("not enough address space in /{} for all the requested subnets", p.len));
        }
        out.push(Value::from(format!("{}/{len}", format_addr(start, p.bits))));
        next = start + size;
    }
    Ok(Value::List(out))
}

pub fn cidrhost(a: &[Value]) -> Result<Value, String> {
    let p = parse_prefix(&string_arg(&a[0], "the prefix")?)?;
    let host_bits = p.bits - p.len;
    let capacity: i128 = if host_bits >= 127 { i128::MAX } else { 1i128 << host_bits };
    let mut host = int_arg(&a[1], "hostnum")? as i128;
    if host < 0 {
        host += capacity;
    }
    if host < 0 || host >= capacity {
        return Err(format!(
            "host number {} does not fit in the {host_bits} host bits of /{}",
            int_arg(&a[1], "")?,
            p.len
        ));
    }
    Ok(format_addr(p.addr | host as u128, p.bits).into())
}

pub fn cidrnetmask(a: &[Value]) -> Result<Value, String> {
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
        Value::Number(x)
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
        let subnets = call("cidrsubnets", vec!["10.1.0.0/16".into(), num(4.0), num(4.0), num(8.0)]).unwrap();
        assert_eq!(subnets, Value::List(vec!["10.1.0.0/20".into(), "10.1.16.0/20".into(), "10.1.32.0/24".into()]));
    }

    #[test]
    fn numeric_functions() {
        assert_eq!(call("max", vec![num(1.0), num(5.0), num(3.0)]).unwrap(), num(5.0));
        assert_eq!(call("range", vec![num(3.0)]).unwrap(), Value::List(vec![num(0.0), num(1.0), num(2.0)]));
        assert_eq!(call("range", vec![num(1.0), num(7.0), num(3.0)]).unwrap(), Value::List(vec![num(1.0), num(4.0)]));
        assert_eq!(call("parseint", vec!["ff".into(), num(16.0)]).unwrap(), num(255.0));
        // Bases above 36 tell the cases apart (Terraform's vectors): "aA" is 10 * 62 + 36.
        assert_eq!(call("parseint", vec!["aA".into(), num(62.0)]).unwrap(), num(656.0));
        assert_eq!(call("parseint", vec!["FF".into(), num(16.0)]).unwrap(), num(255.0));
        assert_eq!(call("parseint", vec!["-11".into(), num(2.0)]).unwrap(), num(-3.0));
        assert!(call("parseint", vec!["12".into(), num(2.0)]).is_err());
        assert!(call("parseint", vec!["".into(), num(10.0)]).is_err());
        assert!(call("parseint", vec!["z".repeat(40).into(), num(62.0)]).is_err(), "beyond 128 bits");
        assert_eq!(call("sum", vec![Value::List(vec![num(1.0), num(2.5)])]).unwrap(), num(3.5));
        assert_eq!(call("ceil", vec![num(1.2)]).unwrap(), num(2.0));
    }
}
