//! Calibrating the duration model from apply journals: the median measured duration of each
//! (resource type, action) over the journals given with `--calibrate`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::apply::{JournalEvent, Status};
use crate::error::Error;
use crate::resources::StepAction;

/// One calibrated figure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Measured {
    pub seconds: u64,
    pub samples: usize,
    /// The journal files, for the "source" of the figure.
    pub journals: String,
}

/// Median measured durations by (type, action).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Calibration {
    figures: BTreeMap<(String, String), Measured>,
}

/// `module.a.aws_instance.web[0]` -> `aws_instance`.
pub fn type_of(address: &str) -> Option<&str> {
    let path = address.split('[').next()?;
    let parts: Vec<&str> = path.split('.').collect();
    parts.iter().rev().nth(1).copied().filter(|t| t.starts_with("aws_"))
}

impl Calibration {
    pub fn get(&self, ty: &str, action: StepAction) -> Option<&Measured> {
        self.figures.get(&(ty.to_string(), action.to_string()))
    }

    /// Reads journals (files, or directories of `*.jsonl`). Only succeeded steps count.
    pub fn from_paths(paths: &[impl AsRef<Path>]) -> Result<Calibration, Error> {
        let mut files = Vec::new();
        for p in paths {
            let p = p.as_ref();
            if p.is_dir() {
                let mut entries: Vec<_> = std::fs::read_dir(p)
                    .map_err(|e| Error::Io { context: format!("reading {}", p.display()), source: e })?
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|f| f.extension().is_some_and(|x| x == "jsonl"))
                    .collect();
                entries.sort();
                files.extend(entries);
            } else {
                files.push(p.to_path_buf());
            }
        }
        let mut samples: BTreeMap<(String, String), Vec<u64>> = BTreeMap::new();
        for f in &files {
            let text = std::fs::read_to_string(f)
                .map_err(|e| Error::Io { context: format!("reading journal {}", f.display()), source: e })?;
            for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                let event: JournalEvent = serde_json::from_str(line)
                    .map_err(|e| Error::Usage(format!("{}:{}: not a drplan journal line: {e}", f.display(), n + 1)))?;
                if let JournalEvent::End { address, action, status: Status::Succeeded, duration_ms, .. } = event
                    && let Some(ty) = type_of(&address)
                {
                    samples.entry((ty.to_string(), action.to_string())).or_default().push(duration_ms.div_ceil(1000));
                }
            }
        }
        let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        let journals = if names.len() == 1 { names[0].clone() } else { format!("{} journals", names.len()) };
        let figures = samples
            .into_iter()
            .map(|(k, mut v)| {
                v.sort_unstable();
                let median = v[v.len() / 2];
                (k, Measured { seconds: median, samples: v.len(), journals: journals.clone() })
            })
            .collect();
        Ok(Calibration { figures })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_come_from_succeeded_steps_only() {
        let dir = tempfile::tempdir().unwrap();
        let lines = [
            r#"{"event":"end","address":"module.db.aws_db_instance.this","action":"create","status":"succeeded","attempts":1,"at_ms":1,"duration_ms":1500000}"#,
            r#"{"event":"end","address":"aws_db_instance.other","action":"create","status":"succeeded","attempts":1,"at_ms":1,"duration_ms":1100000}"#,
            r#"{"event":"end","address":"aws_db_instance.x","action":"create","status":"succeeded","attempts":1,"at_ms":1,"duration_ms":1300000}"#,
            r#"{"event":"end","address":"aws_db_instance.y","action":"create","status":"failed","attempts":1,"at_ms":1,"duration_ms":10}"#,
            r#"{"event":"start","address":"aws_instance.web[0]","action":"create","attempt":1,"at_ms":0}"#,
        ];
        std::fs::write(dir.path().join("apply-a.jsonl"), lines.join("\n")).unwrap();
        let c = Calibration::from_paths(&[dir.path()]).unwrap();
        let m = c.get("aws_db_instance", StepAction::Create).unwrap();
        assert_eq!((m.seconds, m.samples), (1300, 3));
        assert!(c.get("aws_instance", StepAction::Create).is_none());
        assert_eq!(type_of("module.a.aws_instance.web[\"x.y\"]"), Some("aws_instance"));
    }
}
