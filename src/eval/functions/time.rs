//! Time functions on RFC 3339 timestamps: formatdate, timeadd and timecmp. `timestamp()` and
//! `plantimestamp()` are unknown until apply, so plans stay byte-identical run to run.

use super::string_arg;
use crate::eval::value::Value;

/// A parsed RFC 3339 timestamp: civil fields plus the offset it was written with (also what
/// hashicorp/time's resources compute with, `resources::time`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stamp {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// Offset from UTC in minutes; `utc` when written as `Z`.
    offset: i32,
    utc: bool,
}

/// Parses an RFC 3339 timestamp (`2024-01-02T15:04:05Z`, `...+05:30`, fractions ignored).
pub fn parse(text: &str) -> Result<Stamp, String> {
    let bad = || format!("{text:?} is not a valid RFC 3339 timestamp (like \"2024-01-02T15:04:05Z\")");
    let b = text.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Result<u32, String> {
        let s = text.get(r).ok_or_else(bad)?;
        if !s.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse().map_err(|_| bad())
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':' {
        return Err(bad());
    }
    let (year, month, day) = (num(0..4)? as i64, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return Err(bad());
        }
    }
    let (offset, utc) = match &text[i..] {
        "Z" | "z" => (0, true),
        zone if zone.len() == 6 && (zone.starts_with('+') || zone.starts_with('-')) && &zone[3..4] == ":" => {
            let h = num(i + 1..i + 3)? as i32;
            let m = num(i + 4..i + 6)? as i32;
            (if zone.starts_with('-') { -(h * 60 + m) } else { h * 60 + m }, false)
        }
        _ => return Err(bad()),
    };
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return Err(bad());
    }
    Ok(Stamp { year, month, day, hour, minute, second, offset, utc })
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

impl Stamp {
    /// The instant `epoch` (seconds since 1970, UTC) written in UTC (`Z`).
    pub fn utc(epoch: i64) -> Stamp {
        Stamp { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, offset: 0, utc: true }.at(epoch)
    }

    /// Seconds since the epoch (UTC).
    pub fn epoch(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 86_400
            + i64::from(self.hour * 3600 + self.minute * 60 + self.second)
            - i64::from(self.offset) * 60
    }

    /// Go's `time.AddDate`: years, months and days added to the civil date, the result
    /// normalised (January 31 plus one month is March 2 or 3), the clock and offset kept.
    pub fn add_date(&self, years: i64, months: i64, days: i64) -> Stamp {
        let month0 = i64::from(self.month) - 1 + months;
        let year = self.year + years + month0.div_euclid(12);
        let month = month0.rem_euclid(12) as u32 + 1;
        let day = days_from_civil(year, month, 1) + i64::from(self.day) - 1 + days;
        let clock = i64::from(self.hour * 3600 + self.minute * 60 + self.second);
        self.at(day * 86_400 + clock - i64::from(self.offset) * 60)
    }

    /// The same offset, another instant.
    pub fn at(&self, epoch: i64) -> Stamp {
        let local = epoch + i64::from(self.offset) * 60;
        let (year, month, day) = civil_from_days(local.div_euclid(86_400));
        let secs = local.rem_euclid(86_400) as u32;
        Stamp { year, month, day, hour: secs / 3600, minute: secs / 60 % 60, second: secs % 60, ..*self }
    }

    fn weekday(&self) -> usize {
        (days_from_civil(self.year, self.month, self.day) + 4).rem_euclid(7) as usize // 0 = Sunday
    }

    /// As Go's `time.RFC3339` layout writes it.
    pub fn rfc3339(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}",
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            self.zone(true, false)
        )
    }

    /// `Z` (when `z_for_utc`), or `+05:30` / `+0530`.
    fn zone(&self, z_for_utc: bool, compact: bool) -> String {
        if self.utc && z_for_utc {
            return "Z".into();
        }
        let sign = if self.offset < 0 { '-' } else { '+' };
        let (h, m) = (self.offset.abs() / 60, self.offset.abs() % 60);
        if compact { format!("{sign}{h:02}{m:02}") } else { format!("{sign}{h:02}:{m:02}") }
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

pub(super) fn formatdate(a: &[Value]) -> Result<Value, String> {
    let spec = string_arg(&a[0], "the format")?;
    let t = parse(&string_arg(&a[1], "the timestamp")?)?;
    let chars: Vec<char> = spec.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // A quoted literal; '' inside (or alone) is a quote.
            i += 1;
            if chars.get(i) == Some(&'\'') {
                out.push('\'');
                i += 1;
                continue;
            }
            loop {
                match chars.get(i) {
                    None => return Err("unterminated literal '".into()),
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        out.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(&ch) => {
                        out.push(ch);
                        i += 1;
                    }
                }
            }
            continue;
        }
        if !c.is_ascii_alphabetic() {
            out.push(c);
            i += 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|&&x| x == c).count();
        i += run;
        let hour12 = if t.hour % 12 == 0 { 12 } else { t.hour % 12 };
        let piece = match (c, run) {
            ('Y', 4) => format!("{:04}", t.year),
            ('Y', 2) => format!("{:02}", t.year.rem_euclid(100)),
            ('M', 4) => MONTHS[t.month as usize - 1].to_string(),
            ('M', 3) => MONTHS[t.month as usize - 1][..3].to_string(),
            ('M', 2) => format!("{:02}", t.month),
            ('M', 1) => t.month.to_string(),
            ('D', 2) => format!("{:02}", t.day),
            ('D', 1) => t.day.to_string(),
            ('E', 4) => DAYS[t.weekday()].to_string(),
            ('E', 3) => DAYS[t.weekday()][..3].to_string(),
            ('h', 2) => format!("{:02}", t.hour),
            ('h', 1) => t.hour.to_string(),
            ('H', 2) => format!("{hour12:02}"),
            ('H', 1) => hour12.to_string(),
            ('A', 2) => if t.hour < 12 { "AM" } else { "PM" }.to_string(),
            ('a', 2) => if t.hour < 12 { "am" } else { "pm" }.to_string(),
            ('m', 2) => format!("{:02}", t.minute),
            ('m', 1) => t.minute.to_string(),
            ('s', 2) => format!("{:02}", t.second),
            ('s', 1) => t.second.to_string(),
            ('Z', 5) => t.zone(false, false),
            ('Z', 4) => t.zone(false, true),
            ('Z', 3) => {
                if t.utc {
                    "UTC".to_string()
                } else {
                    t.zone(false, true)
                }
            }
            ('Z', 1) => t.zone(true, false),
            _ => return Err(format!("invalid date format verb {:?}", c.to_string().repeat(run))),
        };
        out.push_str(&piece);
    }
    Ok(out.into())
}

/// A Go duration ("1h30m", "-1.5h", "300ms") in nanoseconds.
fn duration_nanos(text: &str) -> Result<i128, String> {
    let bad = || format!("{text:?} is not a duration (like \"1h30m\", \"-10s\" or \"1.5h\")");
    let (sign, mut rest) = match text.strip_prefix('-') {
        Some(r) => (-1, r),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let n = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(bad)?;
        let value: f64 = rest[..n].parse().map_err(|_| bad())?;
        rest = &rest[n..];
        let u = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let unit = match &rest[..u] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(bad()),
        };
        total += value * unit;
        rest = &rest[u..];
    }
    Ok(sign * total.round() as i128)
}

pub(super) fn timeadd(a: &[Value]) -> Result<Value, String> {
    let t = parse(&string_arg(&a[0], "the timestamp")?)?;
    let nanos = duration_nanos(&string_arg(&a[1], "the duration")?)?;
    let secs = i64::try_from(nanos.div_euclid(1_000_000_000)).map_err(|_| "the duration is too long".to_string())?;
    Ok(t.at(t.epoch() + secs).rfc3339().into())
}

pub(super) fn timecmp(a: &[Value]) -> Result<Value, String> {
    let x = parse(&string_arg(&a[0], "the first timestamp")?)?.epoch();
    let y = parse(&string_arg(&a[1], "the second timestamp")?)?.epoch();
    Ok(Value::from(x.cmp(&y) as i64))
}

#[cfg(test)]
mod tests {
    use crate::eval::functions::test_call as call;
    use crate::eval::value::Value;

    fn s(v: &str) -> Value {
        Value::from(v)
    }

    #[test]
    fn formatdate_matches_terraform() {
        // Expected values from terraform console 1.11.4 and Terraform's formatdate docs.
        let f = |spec: &str, t: &str| call("formatdate", vec![s(spec), s(t)]).unwrap();
        assert_eq!(f("EEEE, DD-MMM-YY hh:mm:ss ZZZ", "2018-01-02T23:12:01Z"), s("Tuesday, 02-Jan-18 23:12:01 UTC"));
        assert_eq!(f("h:mm AA 'o''clock' ZZZZZ", "2018-01-02T03:04:05-08:00"), s("3:04 AM o'clock -08:00"));
        assert_eq!(f("DD MMM YYYY hh:mm ZZZ", "2018-01-02T23:12:01Z"), s("02 Jan 2018 23:12 UTC"));
        assert_eq!(
            f("EEE, DD MMM YYYY hh:mm:ss ZZZ", "2018-01-02T23:12:01-08:00"),
            s("Tue, 02 Jan 2018 23:12:01 -0800")
        );
        assert_eq!(f("MMM DD, YYYY", "2018-01-02T23:12:01Z"), s("Jan 02, 2018"));
        assert_eq!(f("HH:mmaa", "2018-01-02T23:12:01Z"), s("11:12pm"));
        assert!(call("formatdate", vec![s("YYY"), s("2018-01-02T23:12:01Z")]).is_err());
        assert!(call("formatdate", vec![s("YYYY"), s("2018-01-02")]).is_err());
    }

    #[test]
    fn timeadd_and_timecmp() {
        assert_eq!(call("timeadd", vec![s("2017-11-22T00:00:00Z"), s("-1.5h")]).unwrap(), s("2017-11-21T22:30:00Z"));
        assert_eq!(call("timeadd", vec![s("2017-11-22T00:00:00Z"), s("10m")]).unwrap(), s("2017-11-22T00:10:00Z"));
        assert_eq!(
            call("timeadd", vec![s("2024-02-28T23:00:00+05:30"), s("24h")]).unwrap(),
            s("2024-02-29T23:00:00+05:30"),
            "leap day, offset kept"
        );
        assert!(call("timeadd", vec![s("2017-11-22T00:00:00Z"), s("1 day")]).is_err());
        assert_eq!(
            call("timecmp", vec![s("2017-11-22T00:00:00Z"), s("2017-11-22T01:00:00+01:00")]).unwrap(),
            Value::from(0.0)
        );
        assert_eq!(
            call("timecmp", vec![s("2017-11-22T00:00:00Z"), s("2017-11-22T00:00:01Z")]).unwrap(),
            Value::from(-1.0)
        );
        assert_eq!(call("timestamp", vec![]).unwrap(), Value::Unknown);
    }
}
