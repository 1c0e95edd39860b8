//! Terraform's version constraint syntax (`">= 1.2.0, < 2.0.0"`, `"~> 5.0"`), as `required_version`
//! and `required_providers` write it: parsing, and whether a version satisfies it.
//!
//! ```
//! use drplan::config::version::Constraint;
//! let c = Constraint::parse("~> 5.0").unwrap();
//! assert!(c.allows("5.100.0") && !c.allows("6.28.0"));
//! assert!(!Constraint::parse(">= 6.28").unwrap().allows("5.100.0"));
//! ```

/// A version as numbers (a pre-release suffix is ignored for ordering).
type Version = Vec<u64>;

fn parse_version(text: &str) -> Option<Version> {
    let core = text.trim().trim_start_matches('v').split(['-', '+']).next()?;
    core.split('.').map(|p| p.parse().ok()).collect::<Option<Version>>().filter(|v| !v.is_empty() && v.len() <= 3)
}

fn padded(v: &[u64]) -> [u64; 3] {
    [v.first().copied().unwrap_or(0), v.get(1).copied().unwrap_or(0), v.get(2).copied().unwrap_or(0)]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    /// `~>`: the rightmost given part may grow (`~> 5.0` is `>= 5.0, < 6.0`).
    Pessimistic,
}

/// Every condition of one constraint string (all must hold).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Constraint(Vec<(Op, Version)>);

impl Constraint {
    /// `None` when the text is not Terraform's constraint syntax.
    pub fn parse(text: &str) -> Option<Constraint> {
        let mut out = Vec::new();
        for part in text.split(',') {
            let part = part.trim();
            let (op, rest) = [
                ("~>", Op::Pessimistic),
                (">=", Op::Ge),
                ("<=", Op::Le),
                ("!=", Op::Ne),
                (">", Op::Gt),
                ("<", Op::Lt),
                ("=", Op::Eq),
            ]
            .iter()
            .find_map(|(s, op)| part.strip_prefix(s).map(|rest| (*op, rest)))
            .unwrap_or((Op::Eq, part));
            out.push((op, parse_version(rest)?));
        }
        Some(Constraint(out))
    }

    /// Whether `version` meets every condition; a version that does not parse meets none.
    pub fn allows(&self, version: &str) -> bool {
        let Some(v) = parse_version(version) else { return false };
        let have = padded(&v);
        self.0.iter().all(|(op, want)| {
            let w = padded(want);
            match op {
                Op::Eq => have == w,
                Op::Ne => have != w,
                Op::Gt => have > w,
                Op::Ge => have >= w,
                Op::Lt => have < w,
                Op::Le => have <= w,
                Op::Pessimistic => {
                    // The parts before the last given one stay; the last may grow.
                    let fixed = want.len().saturating_sub(1).max(1);
                    have >= w && have[..fixed] == w[..fixed]
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terraforms_operators_and_the_pessimistic_one() {
        let c = |t: &str| Constraint::parse(t).unwrap();
        assert!(c(">= 6.28").allows("6.28.0") && !c(">= 6.28").allows("5.100.0"));
        assert!(c("~> 5.0").allows("5.100.0") && !c("~> 5.0").allows("6.0.0") && !c("~> 5.0").allows("4.9.9"));
        assert!(c("~> 5.100.0").allows("5.100.3") && !c("~> 5.100.0").allows("5.101.0"));
        assert!(c("~> 5").allows("5.9.0") && !c("~> 5").allows("6.0.0"));
        assert!(c(">= 4.0, < 6.0").allows("5.100.0") && !c(">= 4.0, < 5.0").allows("5.100.0"));
        assert!(c("5.100.0").allows("5.100.0") && c("= 5.100").allows("5.100.0") && c("!= 5.99.0").allows("5.100.0"));
        assert!(Constraint::parse(">= banana").is_none() && Constraint::parse("").is_none());
    }
}
