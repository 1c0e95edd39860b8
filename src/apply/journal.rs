//! The apply journal: one JSON line per step start and end, written as it happens, so a killed
//! run leaves a record of what was in flight (resuming relies on tags and natural keys, never on
//! the journal, which is evidence, not state). Secrets never reach it: it holds addresses,
//! actions, timings and error messages only.

use crate::resources::StepAction;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum JournalEvent {
    Start {
        address: String,
        action: StepAction,
        attempt: u32,
        at_ms: u64,
        /// Why the previous attempt is tried again (its transient error), from the second on.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<String>,
    },
    End {
        address: String,
        action: StepAction,
        status: super::Status,
        attempts: u32,
        at_ms: u64,
        duration_ms: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// Something done for an address outside its step (a duplicate deleted after the run).
    Note { address: String, message: String },
}

/// Where journal events go.
pub trait Journal: Send + Sync + 'static {
    fn record(&self, event: &JournalEvent);
}

/// Discards events (dry runs, tests that do not look).
pub struct NoJournal;

impl Journal for NoJournal {
    fn record(&self, _: &JournalEvent) {}
}

/// Keeps events in memory.
#[derive(Default)]
pub struct MemoryJournal(pub Mutex<Vec<JournalEvent>>);

impl Journal for MemoryJournal {
    fn record(&self, event: &JournalEvent) {
        self.0.lock().expect("journal lock").push(event.clone());
    }
}

/// Appends JSON lines to a file under `.drplan/`, flushed after every event.
pub struct FileJournal {
    pub path: PathBuf,
    file: Mutex<std::fs::File>,
}

impl FileJournal {
    pub fn create(dir: &Path, name: &str) -> std::io::Result<FileJournal> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(name);
        let file = std::fs::OpenOptions::new().create(true).append(true).open(&path)?;
        Ok(FileJournal { path, file: Mutex::new(file) })
    }
}

impl Journal for FileJournal {
    fn record(&self, event: &JournalEvent) {
        let mut line = serde_json::to_string(event).expect("events serialize");
        line.push('\n');
        let mut f = self.file.lock().expect("journal lock");
        // A journal write failing must not stop a recovery; the summary still reports everything.
        let _ = f.write_all(line.as_bytes()).and_then(|()| f.flush());
    }
}
