//! The run history under `reports/history/`: every judged run, appended and never rewritten, so
//! stability can be judged over many nights.

mod record;
mod store;

pub use record::{RunRecord, SCHEMA_VERSION, TestOutcome, TestRecord, run_id, spec_hash};
pub use store::{HistoryError, HistoryStore};
