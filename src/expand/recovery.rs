//! drplan's `recovery` block: which stack drplan owns, in which region it rebuilds, and the
//! recovery objectives (durations in [`crate::timefmt`]'s syntax).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::selection::{self, Selection};
use crate::cloud::InventoryRequest;
use crate::diag::{Diagnostic, Diagnostics, Span, did_you_mean};
use crate::eval::Value;
use crate::timefmt::parse_duration;

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

impl Recovery {
    /// What a plan of this stack in `phase` reads from the cloud; `identities` are the root
    /// provider configurations' (`Expansion::identities`).
    pub fn inventory_request(
        &self,
        regions: std::collections::BTreeSet<String>,
        phase: super::Phase,
        identities: &[(Option<String>, crate::cloud::Identity)],
    ) -> InventoryRequest {
        let identities =
            identities.iter().map(|(r, id)| (r.clone().unwrap_or_else(|| self.region.clone()), id.clone()));
        InventoryRequest {
            stack: self.stack.clone(),
            dr_region: self.region.clone(),
            primary_region: self.primary_region.clone(),
            regions,
            owned_in_primary: phase == super::Phase::Failback && !self.failback.is_empty(),
            stack_seed: false,
            identities: identities.collect(),
        }
    }
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

/// The `recovery` block's evaluated arguments: name to (name span, value span, value).
pub type Arguments = BTreeMap<String, (Span, Span, Value)>;

/// Builds [`Recovery`] from evaluated arguments; reports every problem found. In validate mode
/// (`unknown_ok`), an argument not known yet (an unset variable) is no error; there is then no
/// [`Recovery`] to plan with, and nothing else is checked against it.
pub fn decode(header: Span, attrs: &Arguments, unknown_ok: bool, diags: &mut Diagnostics) -> Option<Recovery> {
    let mut d = Decoder { header, attrs, unknown_ok, diags, ok: true };
    d.unsupported_arguments();
    let stack = d.string("stack", true);
    let region = d.string("region", true);
    let primary_region = d.string("primary_region", false);
    let rto = d.string("rto", false);
    let rpo = d.string("rpo", false);
    let rto_seconds = d.seconds("rto", rto);
    let rpo_seconds = d.seconds("rpo", rpo);
    let lag = match attrs.get("replica_lag") {
        Some((_, _, Value::String(s))) => Some(s.clone()),
        _ => None,
    };
    let replica_lag_seconds = d.seconds("replica_lag", lag);
    let refuse_primary_resources = d.primary_resources();
    let durations = d.durations();
    d.check_stack(stack.as_deref());
    d.check_regions(region.as_deref(), primary_region.as_deref());
    let unmanaged = d.selection("unmanaged", &[]);
    let cutover = d.selection("cutover", &[]);
    let approve = d.selection("approve", &[Approval::CUTOVER]);
    let failback = d.selection("failback", &[]);
    if !d.ok {
        return None;
    }
    let approves_cutover = attrs
        .get("approve")
        .and_then(|(_, _, v)| v.as_seq())
        .is_some_and(|items| items.iter().any(|i| i.as_str() == Some(Approval::CUTOVER)));
    Some(Recovery {
        stack: stack?,
        region: region?,
        primary_region,
        rto_seconds,
        rpo_seconds,
        durations,
        replica_lag_seconds,
        refuse_primary_resources,
        unmanaged,
        cutover,
        approve: Approval { cutover: approves_cutover, steps: approve },
        failback,
    })
}

/// Decoding state: every problem is reported, and any one of them means no [`Recovery`].
struct Decoder<'a> {
    header: Span,
    attrs: &'a Arguments,
    unknown_ok: bool,
    diags: &'a mut Diagnostics,
    ok: bool,
}

impl Decoder<'_> {
    fn fail(&mut self, d: Diagnostic) {
        self.diags.push(d);
        self.ok = false;
    }

    fn value_span(&self, name: &str) -> Option<Span> {
        self.attrs.get(name).map(|(_, s, _)| *s)
    }

    fn unsupported_arguments(&mut self) {
        for (name, (span, _, _)) in self.attrs {
            if ARGUMENTS.contains(&name.as_str()) {
                continue;
            }
            let d = Diagnostic::error("Unsupported argument")
                .detail(format!("An argument named \"{name}\" is not expected in the recovery block."))
                .at(*span);
            self.fail(match did_you_mean(name, ARGUMENTS.iter().copied()) {
                Some(s) => d.hint(format!("did you mean \"{s}\"?")),
                None => d.hint(format!("the recovery block takes {}", ARGUMENTS.join(", "))),
            });
        }
    }

    /// A non-empty string argument; `None` (after a diagnostic where one is due) otherwise.
    fn string(&mut self, name: &str, required: bool) -> Option<String> {
        match self.attrs.get(name) {
            Some((_, _, Value::String(s))) if !s.is_empty() => Some(s.clone()),
            Some((_, _, v)) if v.is_unknown() && self.unknown_ok => {
                self.ok = false;
                None
            }
            Some((_, span, v)) => {
                let why = if v.is_unknown() {
                    "must be known before apply".to_string()
                } else {
                    format!("must be a non-empty string, but is {v}")
                };
                self.fail(
                    Diagnostic::error("Invalid recovery argument").detail(format!("\"{name}\" {why}.")).at(*span),
                );
                None
            }
            None if required => {
                let d = Diagnostic::error("Missing required argument")
                    .detail(format!("The recovery block needs \"{name}\"."))
                    .at(self.header);
                self.fail(d);
                None
            }
            None => None,
        }
    }

    fn seconds(&mut self, name: &str, text: Option<String>) -> Option<u64> {
        let text = text?;
        match parse_duration(&text) {
            Ok(s) => Some(s),
            Err(e) => {
                let d = Diagnostic::error("Invalid duration")
                    .detail(format!("\"{name}\" = {text:?}: {e}."))
                    .at(self.value_span(name))
                    .hint("write durations like \"45s\", \"15m\", \"1h30m\" or \"2h\"");
                self.fail(d);
                None
            }
        }
    }

    /// `primary_resources`: whether managed resources on another region's provider are refused.
    fn primary_resources(&mut self) -> bool {
        match self.attrs.get("primary_resources") {
            None => false,
            Some((_, _, Value::String(s))) if PRIMARY_RESOURCES.contains(&s.as_str()) => s == "refuse",
            Some((_, span, v)) => {
                let d = Diagnostic::error("Invalid recovery argument")
                    .detail(format!("\"primary_resources\" must be \"read-only\" or \"refuse\", but is {v}."))
                    .at(*span)
                    .hint("\"read-only\" plans managed resources on another region's provider as read-only counterparts; \"refuse\" reports them as errors");
                self.fail(d);
                false
            }
        }
    }

    /// Overrides of the duration model: by resource type or by address.
    fn durations(&mut self) -> BTreeMap<String, u64> {
        let mut durations = BTreeMap::new();
        let Some((_, span, value)) = self.attrs.get("durations") else { return durations };
        let Some(map) = value.as_map() else {
            let d = Diagnostic::error("Invalid recovery argument")
                .detail(format!("\"durations\" must be a map of resource type or address to duration, but is {value}."))
                .at(*span);
            self.fail(d);
            return durations;
        };
        for (key, v) in map {
            let why = match v.as_str().map(parse_duration) {
                Some(Ok(secs)) => {
                    durations.insert(key.clone(), secs);
                    continue;
                }
                Some(Err(e)) => e,
                None => "expected a duration string".to_string(),
            };
            let d = Diagnostic::error("Invalid duration")
                .detail(format!("durations[{key:?}] = {v}: {why}."))
                .at(*span)
                .hint("write durations like \"45s\", \"15m\", \"1h30m\"");
            self.fail(d);
        }
        durations
    }

    fn check_stack(&mut self, stack: Option<&str>) {
        if let Some(stack) = stack
            && !stack.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            let d = Diagnostic::error("Invalid stack name")
                .detail(format!("The stack name {stack:?} goes into AWS tags and names; use only letters, digits, dashes and underscores."))
                .at(self.value_span("stack"));
            self.fail(d);
        }
    }

    fn check_regions(&mut self, region: Option<&str>, primary_region: Option<&str>) {
        for (name, value) in [("region", region), ("primary_region", primary_region)] {
            if let Some(r) = value
                && !valid_region(r)
            {
                let d = invalid_region(r, self.value_span(name));
                self.fail(d);
            }
        }
        if let (Some(r), Some(p)) = (region, primary_region)
            && r == p
        {
            let d = Diagnostic::error("DR region equals primary region")
                .detail(format!("region and primary_region are both {r:?}; drplan rebuilds in a region other than the one that failed."))
                .at(self.value_span("region"));
            self.fail(d);
        }
    }

    /// An address list (`unmanaged`, `cutover`, `approve`, `failback`), with the keywords it
    /// also takes.
    fn selection(&mut self, name: &str, keywords: &[&str]) -> Selection {
        let decoded = selection::decode(name, self.attrs.get(name), keywords, self.diags);
        self.ok &= decoded.is_some();
        decoded.unwrap_or_default()
    }
}
