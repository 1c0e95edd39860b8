//! Numbers as Terraform has them: binary floating point with an arbitrary mantissa, each value
//! carrying its precision (cty's `*big.Float`).
//!
//! Terraform parses a number literal, `tonumber` and JSON into 512 bits, so `0.1 + 0.2` prints
//! `0.3` and integers stay exact far beyond 2^53; integers from functions (`length`) carry 64
//! bits and floats from the provider 53. Arithmetic rounds to the nearest, ties to even, at the
//! larger precision of its operands (`*` at up to 512 bits), and printing writes the fewest
//! digits that read back as the same value at the value's own precision, never an exponent:
//! `1/3` has 155 digits, `pow(2, 0.5)` (computed in float64, as Terraform does) 17.
//!
//! This module owns the arithmetic and the decimal conversions. It does not own operator
//! semantics (division by zero is the evaluator's error) nor the functions built on it.

use std::cmp::Ordering;
use std::fmt;

use num_bigint::BigUint;

/// The precision Terraform parses decimal text into.
pub const DECIMAL_PRECISION: u32 = 512;
/// The precision of integers made by functions (`NumberIntVal`).
const INT_PRECISION: u32 = 64;
/// Decimal exponents beyond this are refused, so `1e999999999` cannot exhaust memory.
const MAX_DECIMAL_EXPONENT: i64 = 10_000;
/// Binary exponents beyond this (about 10^±30,000) are out of range: printing such a number
/// takes a power of five that large, so squaring through locals must stop here, not hang.
/// (Go's `big.Float` allows an int32 exponent; no configuration comes near either.)
const MAX_BINARY_EXPONENT: i64 = 100_000;
/// Digits beyond this in decimal text are refused: parsing is quadratic in them.
pub(crate) const MAX_DIGITS: usize = 100_000;

/// A finite number: `(-1)^neg × mant × 2^exp`, `mant` odd or zero, rounded to `prec` bits.
#[derive(Clone, Debug)]
pub struct Number {
    neg: bool,
    mant: BigUint,
    exp: i64,
    prec: u32,
}

impl Number {
    fn zero(prec: u32) -> Number {
        Number { neg: false, mant: BigUint::ZERO, exp: 0, prec }
    }

    pub fn is_zero(&self) -> bool {
        self.mant.bits() == 0
    }

    pub fn is_negative(&self) -> bool {
        self.neg
    }

    /// An exact float, at 53 bits; `None` for NaN and infinities.
    pub fn from_f64(f: f64) -> Option<Number> {
        if !f.is_finite() {
            return None;
        }
        let bits = f.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i64;
        let fraction = bits & ((1 << 52) - 1);
        let (mant, exp) = if biased == 0 { (fraction, -1074) } else { (fraction | 1 << 52, biased - 1075) };
        Some(round(f.is_sign_negative(), BigUint::from(mant), exp, false, 53))
    }

    /// An integer as Terraform's functions return one: 64 bits, more when it needs them.
    pub fn from_big_int(neg: bool, magnitude: BigUint) -> Number {
        let prec = INT_PRECISION.max(magnitude.bits() as u32);
        round(neg, magnitude, 0, false, prec)
    }

    /// Decimal text (`-12.5e3`, `.5`, `+7`) at 512 bits, correctly rounded; `None` when it is
    /// not a number or its exponent is out of range.
    pub fn parse(text: &str) -> Option<Number> {
        let (neg, rest) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (digits_part, exponent) = match rest.find(['e', 'E']) {
            Some(at) => (&rest[..at], rest[at + 1..].parse::<i64>().ok()?),
            None => (rest, 0),
        };
        if digits_part.len() > MAX_DIGITS {
            return None;
        }
        let (int_part, frac_part) = digits_part.split_once('.').unwrap_or((digits_part, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int_part.len() + frac_part.len() == 0 || !all_digits(int_part) || !all_digits(frac_part) {
            return None;
        }
        let digits = BigUint::parse_bytes(format!("{int_part}{frac_part}").as_bytes(), 10)?;
        let exp10 = exponent.checked_sub(frac_part.len() as i64)?;
        if exp10.abs() > MAX_DECIMAL_EXPONENT + digits_part.len() as i64 {
            return None;
        }
        let ten = BigUint::from(10u32);
        Some(if exp10 >= 0 {
            round(neg, digits * ten.pow(exp10 as u32), 0, false, DECIMAL_PRECISION)
        } else {
            quotient(neg, &digits, &ten.pow((-exp10) as u32), 0, DECIMAL_PRECISION)
        })
    }

    /// The nearest float64 (what Terraform's float functions, `pow` and `log`, compute with).
    pub fn to_f64(&self) -> f64 {
        if self.is_zero() {
            return 0.0;
        }
        let r = round(self.neg, self.mant.clone(), self.exp, false, 53);
        let m = r.mant.iter_u64_digits().next().unwrap_or(0) as f64;
        // Two steps, so that 2^exp alone cannot overflow or underflow where the product would not.
        let half = (r.exp / 2).clamp(-1100, 1100) as i32;
        let rest = (r.exp - i64::from(half)).clamp(-1100, 1100) as i32;
        let magnitude = m * 2f64.powi(half) * 2f64.powi(rest);
        if r.neg { -magnitude } else { magnitude }
    }

    /// The magnitude with exactly `places` digits after the point, correctly rounded (ties to
    /// even), as Go's `big.Float` formats `%f` for Terraform's `format`: every digit of a
    /// 39-digit integer is kept, where a float64 would not.
    pub fn fixed_magnitude(&self, places: usize) -> String {
        let mut d = if self.is_zero() {
            Decimal { digits: Vec::new(), point: 0 }
        } else {
            Decimal::exact(&self.mant, self.exp)
        };
        let keep = d.point + places as i64;
        if keep < 0 {
            d.digits.clear();
        } else if (keep as usize) < d.digits.len() {
            let up = rounds_half_up(&d.digits, keep as usize);
            d.digits.truncate(keep as usize);
            if up {
                increment(&mut d);
            }
        }
        let digit = |i: i64| if i >= 0 { d.digits.get(i as usize).map_or('0', |&b| b as char) } else { '0' };
        let mut out: String = if d.point <= 0 { "0".into() } else { (0..d.point).map(digit).collect() };
        if places > 0 {
            out.push('.');
            out.extend((d.point..d.point + places as i64).map(digit));
        }
        out
    }

    /// The value as an `i64` when it is an integer in range.
    pub fn to_i64(&self) -> Option<i64> {
        let (neg, magnitude) = self.integer_parts()?;
        let m = i64::try_from(magnitude).ok().or_else(|| (neg && magnitude == 1u128 << 63).then_some(i64::MIN));
        m.map(|m| if neg && m != i64::MIN { -m } else { m })
    }

    /// Sign and magnitude when the value is an integer below 2^128.
    pub fn integer_parts(&self) -> Option<(bool, u128)> {
        if self.exp < 0 || self.mant.bits() as i64 + self.exp > 128 {
            return None;
        }
        let magnitude: u128 = (&self.mant << self.exp as u64).try_into().ok()?;
        Some((self.neg, magnitude))
    }

    /// The value as a non-negative index or count, when it is one.
    pub fn to_usize(&self) -> Option<usize> {
        match self.integer_parts()? {
            (false, m) | (true, m @ 0) => usize::try_from(m).ok(),
            _ => None,
        }
    }

    pub fn is_integer(&self) -> bool {
        self.exp >= 0
    }

    /// Rounded toward zero to an integer, at the same precision.
    pub fn trunc(&self) -> Number {
        if self.exp >= 0 {
            return self.clone();
        }
        let magnitude = &self.mant >> (-self.exp) as u64;
        round(self.neg && magnitude.bits() > 0, magnitude, 0, false, self.prec)
    }

    pub fn neg(&self) -> Number {
        Number { neg: !self.neg && !self.is_zero(), ..self.clone() }
    }

    pub fn abs(&self) -> Number {
        Number { neg: false, ..self.clone() }
    }

    /// `a + b` at the larger precision of the two.
    pub fn add(&self, other: &Number) -> Number {
        add_at(self, other, self.prec.max(other.prec))
    }

    pub fn sub(&self, other: &Number) -> Number {
        self.add(&other.neg())
    }

    /// `a * b` rounded at 512 bits, kept at the operands' precision or what the product needs.
    pub fn mul(&self, other: &Number) -> Option<Number> {
        let mut product = mul_at(self, other, DECIMAL_PRECISION)?;
        product.prec = self.prec.max(other.prec).max(product.mant.bits() as u32);
        Some(product)
    }

    /// `a / b` at the larger precision; `None` when `b` is zero or the result is out of range.
    pub fn div(&self, other: &Number) -> Option<Number> {
        if other.is_zero() {
            return None;
        }
        let exp = self.exp.checked_sub(other.exp)?;
        let q = quotient(self.neg != other.neg, &self.mant, &other.mant, exp, self.prec.max(other.prec));
        in_range(q)
    }

    /// Terraform's `%`: `a - b × trunc(a / b)`, rounded as cty rounds it (`11 % 5.1` is 0.8 and
    /// a few units in the 155th digit). `None` when `b` is zero.
    pub fn rem(&self, other: &Number) -> Option<Number> {
        let times = self.div(other)?.trunc();
        let times = round(times.neg, times.mant.clone(), times.exp, false, self.prec);
        let whole = mul_at(other, &times, self.prec)?;
        Some(add_at(self, &whole.neg(), self.prec))
    }

    /// Compares values (precision aside), as `==`, `<` and sorting do.
    pub fn compare(&self, other: &Number) -> Ordering {
        match (self.is_zero(), other.is_zero()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return if other.neg { Ordering::Greater } else { Ordering::Less },
            (false, true) => return if self.neg { Ordering::Less } else { Ordering::Greater },
            _ => {}
        }
        if self.neg != other.neg {
            return if self.neg { Ordering::Less } else { Ordering::Greater };
        }
        let magnitude = compare_magnitude(self, other);
        if self.neg { magnitude.reverse() } else { magnitude }
    }
}

fn compare_magnitude(a: &Number, b: &Number) -> Ordering {
    let top = |n: &Number| n.exp + n.mant.bits() as i64;
    top(a).cmp(&top(b)).then_with(|| {
        let base = a.exp.min(b.exp);
        (&a.mant << (a.exp - base) as u64).cmp(&(&b.mant << (b.exp - base) as u64))
    })
}

/// Rounds `(-1)^neg × mant × 2^exp` (plus a nonzero tail below it when `sticky`) to `prec`
/// bits, to nearest with ties to even, and normalises the mantissa to odd.
fn round(neg: bool, mant: BigUint, exp: i64, sticky: bool, prec: u32) -> Number {
    let bits = mant.bits();
    let (mut mant, mut exp) = (mant, exp);
    if bits > u64::from(prec) {
        let drop = bits - u64::from(prec);
        let half = mant.bit(drop - 1);
        let below_half = sticky || mant.trailing_zeros().is_some_and(|tz| tz < drop - 1);
        let mut kept = &mant >> drop;
        if half && (below_half || kept.bit(0)) {
            kept += 1u32;
        }
        mant = kept;
        exp += drop as i64;
    }
    match mant.trailing_zeros() {
        None => Number::zero(prec),
        Some(tz) => Number { neg, mant: mant >> tz, exp: exp + tz as i64, prec },
    }
}

/// `(-1)^neg × (n / d) × 2^exp`, correctly rounded to `prec` bits.
fn quotient(neg: bool, n: &BigUint, d: &BigUint, exp: i64, prec: u32) -> Number {
    // Enough quotient bits to round: at least prec + 2, with the remainder as the sticky bit.
    let shift = (i64::from(prec) + 2 + d.bits() as i64 - n.bits() as i64).max(0) as u64;
    let scaled = n << shift;
    let (q, r) = (&scaled / d, &scaled % d);
    round(neg, q, exp - shift as i64, r.bits() > 0, prec)
}

fn add_at(a: &Number, b: &Number, prec: u32) -> Number {
    if b.is_zero() {
        return round(a.neg, a.mant.clone(), a.exp, false, prec);
    }
    if a.is_zero() {
        return round(b.neg, b.mant.clone(), b.exp, false, prec);
    }
    let (big, small) = if compare_magnitude(a, b) == Ordering::Less { (b, a) } else { (a, b) };
    let top = |n: &Number| n.exp + n.mant.bits() as i64;
    if top(small) + 2 < top(big) - i64::from(prec) {
        // Far below half an ulp of the larger: it cannot move the rounded result, and skipping
        // the exact sum keeps 1e9999 + 1e-9999 from building a huge integer.
        return round(big.neg, big.mant.clone(), big.exp, false, prec);
    }
    let base = a.exp.min(b.exp);
    let (x, y) = (&big.mant << (big.exp - base) as u64, &small.mant << (small.exp - base) as u64);
    let sum = if big.neg == small.neg { x + y } else { x - y };
    round(big.neg, sum, base, false, prec)
}

fn mul_at(a: &Number, b: &Number, prec: u32) -> Option<Number> {
    let exp = a.exp.checked_add(b.exp)?;
    in_range(round(a.neg != b.neg, &a.mant * &b.mant, exp, false, prec))
}

fn in_range(n: Number) -> Option<Number> {
    (n.exp.abs() <= MAX_BINARY_EXPONENT).then_some(n)
}

impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        self.compare(other) == Ordering::Equal
    }
}

impl From<i64> for Number {
    fn from(i: i64) -> Number {
        Number::from_big_int(i < 0, BigUint::from(i.unsigned_abs()))
    }
}

impl From<usize> for Number {
    fn from(i: usize) -> Number {
        Number::from_big_int(false, BigUint::from(i))
    }
}

impl From<u64> for Number {
    fn from(i: u64) -> Number {
        Number::from_big_int(false, BigUint::from(i))
    }
}

impl From<u16> for Number {
    fn from(i: u16) -> Number {
        Number::from(i64::from(i))
    }
}

impl From<i32> for Number {
    fn from(i: i32) -> Number {
        Number::from(i64::from(i))
    }
}

impl From<f64> for Number {
    /// Exact for finite floats. NaN is zero and infinities the largest finite float: callers with
    /// a float that may not be finite use [`Number::from_f64`] and report the error.
    fn from(f: f64) -> Number {
        let clamped = if f.is_nan() { 0.0 } else { f.clamp(f64::MIN, f64::MAX) };
        Number::from_f64(clamped).unwrap_or_else(|| Number::zero(53))
    }
}

impl fmt::Display for Number {
    /// The fewest digits that identify the value at its precision, without an exponent.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_zero() {
            return f.write_str("0");
        }
        let (digits, point) = shortest_digits(self);
        let sign = if self.neg { "-" } else { "" };
        f.write_str(&fixed_notation(sign, &digits, point))
    }
}

/// A decimal `0.d1d2d3... × 10^point`, digits without trailing zeros.
struct Decimal {
    digits: Vec<u8>,
    point: i64,
}

impl Decimal {
    /// The exact decimal form of `mant × 2^exp`.
    fn exact(mant: &BigUint, exp: i64) -> Decimal {
        let (integer, fraction_digits) =
            if exp >= 0 { (mant << exp as u64, 0) } else { (mant * BigUint::from(5u32).pow((-exp) as u32), -exp) };
        let text = integer.to_str_radix(10);
        let point = text.len() as i64 - fraction_digits;
        let mut digits = text.into_bytes();
        while digits.last() == Some(&b'0') {
            digits.pop();
        }
        Decimal { digits, point }
    }

    fn at(&self, i: usize) -> u8 {
        self.digits.get(i).copied().unwrap_or(b'0')
    }
}

/// The shortest decimal that rounds back to `n` at its precision: the digits of the exact value,
/// cut where they leave the interval of half an ulp either side (ends included when the
/// mantissa is even, as ties round to it). The same walk as Go's `big.Float` `Text('f', -1)`.
fn shortest_digits(n: &Number) -> (Vec<u8>, i64) {
    let mut exact = Decimal::exact(&n.mant, n.exp);
    let widen = i64::from(n.prec) + 1 - n.mant.bits() as i64;
    let twice = &n.mant << widen as u64;
    let half_ulp_exp = n.exp - widen;
    let lower = Decimal::exact(&(&twice - 1u32), half_ulp_exp);
    let upper = Decimal::exact(&(&twice + 1u32), half_ulp_exp);
    let inclusive = !twice.bit(1);
    for i in 0..exact.digits.len() {
        let (l, m, u) = (lower.at(i), exact.digits[i], upper.at(i));
        let down = l != m || (inclusive && i + 1 == lower.digits.len());
        let up = m != u && (inclusive || m + 1 < u || i + 1 < upper.digits.len());
        let round_up = match (down, up) {
            (true, true) => rounds_half_up(&exact.digits, i + 1),
            (true, false) => false,
            (false, true) => true,
            (false, false) => continue,
        };
        exact.digits.truncate(i + 1);
        if round_up {
            increment(&mut exact);
        }
        break;
    }
    while exact.digits.last() == Some(&b'0') {
        exact.digits.pop();
    }
    (exact.digits, exact.point)
}

/// Whether cutting `digits` to `keep` rounds up: above half, or exactly half after an odd digit.
fn rounds_half_up(digits: &[u8], keep: usize) -> bool {
    match digits.get(keep) {
        Some(b'5') if keep + 1 == digits.len() => keep > 0 && (digits[keep - 1] - b'0') % 2 == 1,
        Some(&d) => d >= b'5',
        None => false,
    }
}

fn increment(d: &mut Decimal) {
    while let Some(last) = d.digits.pop() {
        if last < b'9' {
            d.digits.push(last + 1);
            return;
        }
    }
    d.digits.push(b'1');
    d.point += 1;
}

fn fixed_notation(sign: &str, digits: &[u8], point: i64) -> String {
    let digit = |i: i64| if i >= 0 && (i as usize) < digits.len() { digits[i as usize] as char } else { '0' };
    let mut out = String::from(sign);
    if point <= 0 {
        out.push('0');
    } else {
        out.extend((0..point).map(digit));
    }
    let fraction = digits.len() as i64 - point;
    if fraction > 0 {
        out.push('.');
        out.extend((point..point + fraction).map(digit));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    // Expected values from terraform console 1.11.4 (tests/fixtures/oracle/functions).
    #[test]
    fn decimal_arithmetic_prints_like_terraform() {
        assert_eq!(n("0.1").add(&n("0.2")).to_string(), "0.3");
        assert_eq!(n("0.1").mul(&n("3")).unwrap().to_string(), "0.3");
        assert_eq!(n("9007199254740993").add(&n("0")).to_string(), "9007199254740993");
        assert_eq!(n("12345678901234567890").mul(&n("10")).unwrap().to_string(), "123456789012345678900");
        assert_eq!(n("10").div(&n("4")).unwrap().to_string(), "2.5");
        assert_eq!(n("5.1e-3").to_string(), "0.0051");
        assert_eq!(n("-7").rem(&n("3")).unwrap().to_string(), "-1");
        let third = n("1").div(&n("3")).unwrap().to_string();
        assert_eq!(third.len(), 157, "{third}");
        assert!(third.starts_with("0.3333") && third.ends_with("335"), "{third}");
        let modulo = n("11").rem(&n("5.1")).unwrap().to_string();
        assert!(modulo.starts_with("0.8000") && modulo.ends_with("024"), "{modulo}");
        assert_eq!(n("1e20").to_string(), "100000000000000000000");
        assert_eq!(n("0.000001").to_string(), "0.000001");
    }

    #[test]
    fn precision_follows_the_operands() {
        // Floats from float64 functions print as float64 does; integers from functions are exact.
        assert_eq!(Number::from(2f64.sqrt()).to_string(), "1.4142135623730951");
        assert_eq!(Number::from(0.1).to_string(), "0.1");
        assert_eq!(Number::from(3i64).div(&Number::from(4i64)).unwrap().to_string(), "0.75");
        assert_eq!(Number::from(-12i64).to_string(), "-12");
        assert_eq!(Number::from(i64::MIN).to_i64(), Some(i64::MIN));
    }

    #[test]
    fn compares_by_value_across_precisions() {
        assert_eq!(n("0.1").add(&n("0.2")), n("0.3"));
        assert_ne!(Number::from(0.1).add(&Number::from(0.2)), Number::from(0.3));
        assert_eq!(n("2"), Number::from(2i64));
        assert_eq!(n("-1").compare(&n("0.5")), Ordering::Less);
        assert_eq!(n("-1").compare(&n("-2")), Ordering::Greater);
        assert_eq!(n("1e-9999").compare(&n("0")), Ordering::Greater);
    }

    #[test]
    fn conversions_are_exact_or_refused() {
        assert_eq!(n("1.5").to_f64(), 1.5);
        assert_eq!(n("-0.1").to_f64(), -0.1);
        assert_eq!(n("1e400").to_f64(), f64::INFINITY);
        assert_eq!(n("42").to_usize(), Some(42));
        assert_eq!(n("-1").to_usize(), None);
        assert_eq!(n("2.5").to_i64(), None);
        assert_eq!(n("-2.5").trunc().to_string(), "-2");
        assert!(Number::parse("1e99999999").is_none());
        assert!(Number::parse("1.2.3").is_none() && Number::parse("").is_none() && Number::parse("-").is_none());
        assert_eq!(n(".5").to_string(), "0.5");
        assert!(n("1").div(&n("0")).is_none());
        assert_eq!(n("1e9999").add(&n("1e-9999")), n("1e9999"));
        // Squaring past the range is refused rather than left to print for ever.
        let squared = (0..4).try_fold(n("1e-9999"), |x, _| x.mul(&x));
        assert!(squared.is_none());
        assert!(Number::parse(&"9".repeat(MAX_DIGITS + 1)).is_none());
    }
}
