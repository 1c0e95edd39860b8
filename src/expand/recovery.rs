//! drplan's `recovery` block: which stack drplan owns, in which region it rebuilds, and the
//! recovery objectives. Also the duration syntax ("15m", "1h30m") objectives are written in.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::selection::{self, Selection};
use crate::diag::{Diagnostic, Diagnostics, Span, did_you_mean};
use crate::eval::Value;

/// The evaluated `recovery` block.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Recovery {
    pub stack: String,
    /// The DR region, where every managed resource is built.
    pub region: String,
    /// The primary region: read-only, used by data sources only.
    pub primary_region: Option<String>,
    /// Recovery time objective, in seconds.
    pub rto_seconds: Option<u64>,
    /// Recovery point objective, in seconds.
    pub rpo_seconds: Option<u64>,
    /// Overrides of the duration model, by resource type or address, in seconds.
    pub durations: BTreeMap<String, u64>,
    /// The declared replication lag of read replicas, for their RPO.
    pub replica_lag_seconds: Option<u64>,
    /// Managed resources on another region's provider (a two-region root): planned as
    /// read-only counterparts (the default) or refused.
    #[serde(default)]
    pub refuse_primary_resources: bool,
    /// What the operator leaves to other tools (see [`super::selection`]).
    #[serde(skip)]
    pub unmanaged: Selection,
    /// Moves traffic besides the types that always do (Route 53): applied last in failover and
    /// failback, once everything else is built and every check passes.
    #[serde(skip)]
    pub cutover: Selection,
    /// Where apply stops for an operator's approval.
    #[serde(skip)]
    pub approve: Approval,
    /// Resources on the primary region's provider that drplan builds and owns in the failback
    /// phase (the way home: a replica of the DR database in the primary region). In every
    /// other phase they are read-only counterparts, as the rest of the primary.
    #[serde(skip)]
    pub failback: Selection,
}

/// `recovery { approve = ["cutover", "aws_db_instance.db"] }`: apply stops before these steps
/// until an operator approves (a prompt, or `--approve-gates` on the resumed run).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Approval {
    /// Before the cutover (every step that moves traffic), after the checks passed.
    pub cutover: bool,
    /// Before these steps, whatever the phase.
    pub steps: Selection,
}

impl Approval {
    /// The `approve` keyword for the cutover.
    pub const CUTOVER: &'static str = "cutover";
}

/// `primary_resources` values: what to do with managed resources outside the DR region.
const PRIMARY_RESOURCES: &[&str] = &["read-only", "refuse"];

const ARGUMENTS: &[&str] = &[
    "stack",
    "region",
    "primary_region",
    "rto",
    "rpo",
    "durations",
    "replica_lag",
    "primary_resources",
    "unmanaged",
    "cutover",
    "approve",
    "failback",
];

/// Builds [`Recovery`] from evaluated arguments; reports every problem found.
/// `attrs` maps each argument to (name span, value span, value).
/// Whether `r` is an AWS region name: the partitions' own patterns (aws, aws-cn, aws-us-gov,
/// the isolated ones), lower case, as AWS spells them.
pub fn valid_region(r: &str) -> bool {
    static PATTERN: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    PATTERN
        .get_or_init(|| {
            regex::Regex::new(r"^(us|eu|ap|sa|ca|me|af|il|mx|cn)(-(gov|iso|isob|isoe|isof))?-[a-z]+-[0-9]+$")
                .expect("the region pattern compiles")
        })
        .is_match(r)
}

/// The error for a region name AWS does not have, with the lower-case spelling as a hint.
pub fn invalid_region(r: &str, at: Option<crate::diag::Span>) -> Diagnostic {
    let d = Diagnostic::error("Invalid region")
        .detail(format!("{r:?} is not an AWS region name (like \"us-east-1\" or \"eu-central-1\")."))
        .at(at);
    let lower = r.to_ascii_lowercase();
    if lower != r && valid_region(&lower) { d.hint(format!("region names are lower case: \"{lower}\"")) } else { d }
}

/// In validate mode (`unknown_ok`), an argument not known yet (an unset variable) is no error;
/// there is then no [`Recovery`] to plan with, and nothing else is checked against it.
pub fn decode(
    header: Span,
    attrs: &BTreeMap<String, (Span, Span, Value)>,
    unknown_ok: bool,
    diags: &mut Diagnostics,
) -> Option<Recovery> {
    let mut ok = true;
    for (name, (span, _, _)) in attrs {
        if !ARGUMENTS.contains(&name.as_str()) {
            let d = Diagnostic::error("Unsupported argument")
                .detail(format!("An argument named \"{name}\" is not expected in the recovery block."))
                .at(*span);
            diags.push(match did_you_mean(name, ARGUMENTS.iter().copied()) {
                Some(s) => d.hint(format!("did you mean \"{s}\"?")),
                None => d.hint(format!("the recovery block takes {}", ARGUMENTS.join(", "))),
            });
            ok = false;
        }
    }
    let mut string = |name: &str, required: bool| -> Option<String> {
        match attrs.get(name) {
            Some((_, _, Value::String(s))) if !s.is_empty() => Some(s.clone()),
            Some((_, _, v)) if v.is_unknown() && unknown_ok => {
                ok = false;
                None
            }
            Some((_, span, v)) => {
                let why = if v.is_unknown() {
                    "must be known before apply".to_string()
                } else {
                    format!("must be a non-empty string, but is {v}")
                };
                diags.push(
                    Diagnostic::error("Invalid recovery argument").detail(format!("\"{name}\" {why}.")).at(*span),
                );
                ok = false;
                None
            }
            None if required => {
                diags.push(
                    Diagnostic::error("Missing required argument")
                        .detail(format!("The recovery block needs \"{name}\"."))
                        .at(header),
                );
                ok = false;
                None
            }
            None => None,
        }
    };
    let stack = string("stack", true);
    let region = string("region", true);
    let primary_region = string("primary_region", false);
    let rto = string("rto", false);
    let rpo = string("rpo", false);
    let mut seconds = |name: &str, text: Option<String>| -> Option<u64> {
        let text = text?;
        match parse_duration(&text) {
            Ok(s) => Some(s),
            Err(e) => {
                diags.push(
                    Diagnostic::error("Invalid duration")
                        .detail(format!("\"{name}\" = {text:?}: {e}."))
                        .at(attrs.get(name).map(|(_, s, _)| *s))
                        .hint("write durations like \"45s\", \"15m\", \"1h30m\" or \"2h\""),
                );
                ok = false;
                None
            }
        }
    };
    let rto_seconds = seconds("rto", rto);
    let rpo_seconds = seconds("rpo", rpo);
    let lag = match attrs.get("replica_lag") {
        Some((_, _, Value::String(s))) => Some(s.clone()),
        _ => None,
    };
    let replica_lag_seconds = seconds("replica_lag", lag);
    let refuse_primary_resources = match attrs.get("primary_resources") {
        None => false,
        Some((_, _, Value::String(s))) if PRIMARY_RESOURCES.contains(&s.as_str()) => s == "refuse",
        Some((_, span, v)) => {
            diags.push(
                Diagnostic::error("Invalid recovery argument")
                    .detail(format!("\"primary_resources\" must be \"read-only\" or \"refuse\", but is {v}."))
                    .at(*span)
                    .hint("\"read-only\" plans managed resources on another region's provider as read-only counterparts; \"refuse\" reports them as errors"),
            );
            ok = false;
            false
        }
    };
    // Overrides of the duration model: by resource type or by address.
    let mut durations = BTreeMap::new();
    if let Some((_, span, value)) = attrs.get("durations") {
        match value.as_map() {
            Some(map) => {
                for (key, v) in map {
                    match v.as_str().map(parse_duration) {
                        Some(Ok(secs)) => {
                            durations.insert(key.clone(), secs);
                        }
                        other => {
                            let why = match other {
                                Some(Err(e)) => e,
                                _ => "expected a duration string".to_string(),
                            };
                            diags.push(
                                Diagnostic::error("Invalid duration")
                                    .detail(format!("durations[{key:?}] = {v}: {why}."))
                                    .at(*span)
                                    .hint("write durations like \"45s\", \"15m\", \"1h30m\""),
                            );
                            ok = false;
                        }
                    }
                }
            }
            None => {
                diags.push(
                    Diagnostic::error("Invalid recovery argument")
                        .detail(format!(
                            "\"durations\" must be a map of resource type or address to duration, but is {value}."
                        ))
                        .at(*span),
                );
                ok = false;
            }
        }
    }
    if let Some(stack) = &stack
        && !stack.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        diags.push(
            Diagnostic::error("Invalid stack name")
                .detail(format!("The stack name {stack:?} goes into AWS tags and names; use only letters, digits, dashes and underscores."))
                .at(attrs.get("stack").map(|(_, s, _)| *s)),
        );
        ok = false;
    }
    for (name, value) in [("region", &region), ("primary_region", &primary_region)] {
        if let Some(r) = value
            && !valid_region(r)
        {
            diags.push(invalid_region(r, attrs.get(name).map(|(_, s, _)| *s)));
            ok = false;
        }
    }
    if let (Some(r), Some(p)) = (&region, &primary_region)
        && r == p
    {
        diags.push(
            Diagnostic::error("DR region equals primary region")
                .detail(format!("region and primary_region are both {r:?}; drplan rebuilds in a region other than the one that failed."))
                .at(attrs.get("region").map(|(_, s, _)| *s)),
        );
        ok = false;
    }
    let unmanaged = selection::decode("unmanaged", attrs.get("unmanaged"), &[], diags);
    let cutover = selection::decode("cutover", attrs.get("cutover"), &[], diags);
    let approve = selection::decode("approve", attrs.get("approve"), &[Approval::CUTOVER], diags);
    let failback = selection::decode("failback", attrs.get("failback"), &[], diags);
    ok &= unmanaged.is_some() && cutover.is_some() && approve.is_some() && failback.is_some();
    if !ok {
        return None;
    }
    Some(Recovery {
        stack: stack?,
        region: region?,
        primary_region,
        rto_seconds,
        rpo_seconds,
        durations,
        replica_lag_seconds,
        refuse_primary_resources,
        unmanaged: unmanaged.unwrap_or_default(),
        cutover: cutover.unwrap_or_default(),
        approve: Approval {
            cutover: attrs
                .get("approve")
                .and_then(|(_, _, v)| v.as_seq())
                .is_some_and(|items| items.iter().any(|i| i.as_str() == Some(Approval::CUTOVER))),
            steps: approve.unwrap_or_default(),
        },
        failback: failback.unwrap_or_default(),
    })
}

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
