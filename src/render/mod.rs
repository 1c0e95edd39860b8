//! Printers over the [`Plan`] model: human (Terraform-like), JSON and Markdown. They only read
//! the plan; nothing here decides what changes.

pub mod drill;
mod human;
mod markdown;
pub mod metrics;
pub mod objectives;
pub mod progress;
pub mod readiness;
pub mod runbook;
pub mod validate;
mod value;

use crate::plan::Plan;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Markdown,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    /// ANSI colours (decided by `cli::stdout_color`: a terminal, NO_COLOR unset, ...).
    pub color: bool,
    /// One line per resource.
    pub compact: bool,
}

pub fn render(plan: &Plan, format: Format, style: Style) -> String {
    match format {
        Format::Human => human::render(plan, style),
        Format::Json => json(plan),
        Format::Markdown => markdown::render(plan),
    }
}

/// The plan as pretty JSON: the same document `--out` writes.
pub fn json(plan: &Plan) -> String {
    plan.to_json()
}

/// [`render`] into `out`; JSON is streamed rather than built as one string first.
pub fn write(plan: &Plan, format: Format, style: Style, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    match format {
        Format::Json => plan.write_json(out),
        other => out.write_all(render(plan, other, style).as_bytes()),
    }
}
