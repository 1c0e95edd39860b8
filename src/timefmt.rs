//! Time as drplan reads and writes it: durations in the `recovery` block's syntax ("45s",
//! "1h30m", "1d") and RFC 3339 timestamps. A leaf: every layer that shows or parses a time uses
//! these, so they sit below all of them.
//!
//! ```
//! assert_eq!(drplan::timefmt::parse_duration("1h30m"), Ok(5400));
//! assert_eq!(drplan::timefmt::format_duration(5400), "1h30m");
//! ```

/// The epoch as RFC 3339: the time of a snapshot nothing was read into.
pub const EPOCH: &str = "1970-01-01T00:00:00Z";

/// Parses "90s", "15m", "1h30m", "2h", "1d": units d, h, m, s, each at most once, in order.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("the duration is empty".into());
    }
    let mut total = 0u64;
    let mut digits = String::new();
    let mut last_unit = 0usize;
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let Some(rank) = ['d', 'h', 'm', 's'].iter().position(|u| *u == c) else {
            return Err(format!("unknown unit {c:?}"));
        };
        if digits.is_empty() {
            return Err(format!("the unit {c:?} has no number before it"));
        }
        if rank < last_unit {
            return Err("units must appear once each, largest first (d, h, m, s)".into());
        }
        last_unit = rank + 1;
        let n: u64 = digits.parse().map_err(|_| "the number is too large".to_string())?;
        total = total.saturating_add(n.saturating_mul([86_400, 3_600, 60, 1][rank]));
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(format!("the number {digits} has no unit"));
    }
    Ok(total)
}

/// "1h30m" style rendering of seconds, the inverse of [`parse_duration`].
pub fn format_duration(seconds: u64) -> String {
    if seconds == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let mut rest = seconds;
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    out
}

/// The clock as RFC 3339 (snapshots and drill reports).
pub fn now_rfc3339() -> String {
    rfc3339(std::time::SystemTime::now())
}

/// A time as RFC 3339 (UTC).
pub fn rfc3339(time: std::time::SystemTime) -> String {
    aws_smithy_types::DateTime::from(time)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_else(|_| EPOCH.into())
}

/// An RFC 3339 time (`2026-11-21T16:40:00Z`) as seconds since the epoch; `None` if it is not one.
pub fn epoch_seconds(text: &str) -> Option<i64> {
    aws_smithy_types::DateTime::from_str(text, aws_smithy_types::date_time::Format::DateTime).ok().map(|t| t.secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_trip() {
        assert_eq!(parse_duration("15m"), Ok(900));
        assert_eq!(parse_duration("1h30m"), Ok(5400));
        assert_eq!(parse_duration("1d2h"), Ok(93_600));
        assert!(parse_duration("15").is_err());
        assert!(parse_duration("30m1h").is_err());
        assert!(parse_duration("5x").is_err());
        assert_eq!(format_duration(5400), "1h30m");
        assert_eq!(format_duration(61), "1m1s");
    }
}
