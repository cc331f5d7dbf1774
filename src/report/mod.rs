//! Reports: exporters that turn results into bytes (tested without the disk),
//! and one atomic file writer.
//!
//! [`write_atomic`] and [`write_all_atomic`] write whole files or nothing, [`tables`] renders CSV, [`plot`]
//! renders SVG charts with plotters' SVG backend (no system fonts needed),
//! [`bench`](mod@bench) turns criterion's results into dashboard files.

mod atomic;
pub mod bench;
pub mod plot;
pub mod tables;

pub use atomic::{AtomicFiles, exit_removing_pending, write_all_atomic, write_atomic};
