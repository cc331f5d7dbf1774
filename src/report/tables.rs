//! CSV exporters: header row, one row per point, bytes out.

use crate::sim::Outcome;
use crate::sim::exact::{Probabilities, Thresholds};
use crate::sim::sweep::GridPoint;

fn p(x: &Probabilities, o: Outcome) -> String {
    format!("{:.6}", x.p(o))
}

fn opt(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// Grid points: `policy,delay_ms,skew_ms,p_rejected,p_in_sync,p_out_of_sync,p_login_fails,outcome`.
pub fn grid_csv(policy: &str, points: &[GridPoint]) -> Result<Vec<u8>, csv::Error> {
    let mut w = GridCsv::new(Vec::new(), policy)?;
    w.write(points)?;
    w.finish()
}

/// [`grid_csv`] written as the points come (a grid of millions of points
/// streamed to a file is never whole in memory): the header at once, then
/// the points of each [`GridCsv::write`].
pub struct GridCsv<'a, W: std::io::Write> {
    writer: csv::Writer<W>,
    policy: &'a str,
}

impl<'a, W: std::io::Write> GridCsv<'a, W> {
    /// Writes the header to `out`.
    ///
    /// # Errors
    /// The writer's error.
    pub fn new(out: W, policy: &'a str) -> Result<Self, csv::Error> {
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record([
            "policy",
            "delay_ms",
            "skew_ms",
            "p_rejected",
            "p_in_sync",
            "p_out_of_sync",
            "p_login_fails",
            "outcome",
        ])?;
        Ok(GridCsv { writer, policy })
    }

    /// Writes the next points, one row each.
    ///
    /// # Errors
    /// The writer's error.
    pub fn write(&mut self, points: &[GridPoint]) -> Result<(), csv::Error> {
        for point in points {
            let x = &point.probabilities;
            self.writer.write_record([
                self.policy,
                &point.delay_ms.to_string(),
                &point.skew_ms.to_string(),
                &p(x, Outcome::Rejected),
                &p(x, Outcome::InSync),
                &p(x, Outcome::OutOfSync),
                &p(x, Outcome::LoginFails),
                x.most_likely().key(),
            ])?;
        }
        Ok(())
    }

    /// Flushes and gives the output back.
    ///
    /// # Errors
    /// The writer's error.
    pub fn finish(self) -> Result<W, csv::Error> {
        self.writer.into_inner().map_err(|e| e.into_error().into())
    }
}

/// Thresholds per skew: `policy,skew_ms,in_sync_uncertain_from_ms,…`; empty cells mean never.
pub fn thresholds_csv(policy: &str, rows: &[(i64, Thresholds)]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "policy",
        "skew_ms",
        "in_sync_uncertain_from_ms",
        "out_of_sync_from_ms",
        "out_of_sync_certain_from_ms",
        "login_fails_from_ms",
        "rejected_from_ms",
        "rejected_certain_from_ms",
    ])?;
    for (skew, t) in rows {
        w.write_record([
            policy.to_owned(),
            skew.to_string(),
            opt(t.in_sync_uncertain_from),
            opt(t.out_of_sync_from()),
            opt(t.out_of_sync_certain_from),
            opt(t.login_fails_from()),
            opt(t.rejected_from()),
            opt(t.rejected_certain_from),
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}
