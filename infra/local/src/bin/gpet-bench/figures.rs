//! The figures' arithmetic (percentiles, milliseconds, ratios to an anchor) and the one table
//! every section prints its figures in.

use std::fmt;
use std::time::Duration;

/// Nearest-rank percentile; zero for no samples.
pub fn percentile(samples: &[Duration], q: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let mut sorted = samples.to_vec();
    sorted.sort();
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Milliseconds, to two decimals.
pub fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e5).round() / 1e2
}

/// Seconds, to two decimals.
pub fn secs(d: Duration) -> f64 {
    (d.as_secs_f64() * 100.0).round() / 100.0
}

/// `n` a second over `d`, to the unit.
pub fn per_s(n: f64, d: Duration) -> f64 {
    (n / d.as_secs_f64().max(f64::EPSILON)).round()
}

pub fn ratio(value: f64, anchor: f64) -> Option<f64> {
    (anchor > 0.0).then(|| (value / anchor * 100.0).round() / 100.0)
}

/// A ratio well below one, to three decimals.
pub fn fine_ratio(value: f64, anchor: f64) -> Option<f64> {
    (anchor > 0.0).then(|| (value / anchor * 1000.0).round() / 1000.0)
}

/// A figure to two decimals.
pub fn num(v: f64) -> String {
    format!("{v:.2}")
}

/// A rate, to the unit.
pub fn rate(v: f64) -> String {
    format!("{v:.0}")
}

/// A ratio as `1.23x`, `-` when there is none.
pub fn times(v: Option<f64>) -> String {
    v.map_or("-".to_owned(), |n| format!("{n:.2}x"))
}

/// A ratio well below one as `0.123x`, `-` when there is none.
pub fn fine_times(v: Option<f64>) -> String {
    v.map_or("-".to_owned(), |n| format!("{n:.3}x"))
}

/// `equal` or `DIFFERENT`, for the cross-checks the bench prints.
pub fn same(equal: bool) -> &'static str {
    if equal { "equal" } else { "DIFFERENT" }
}

enum Align {
    Left,
    Right,
}

/// A section's figures as printed: `== title`, lines about what was measured, a header and
/// rows in columns, then lines of notes and cross-checks. A row may have fewer cells than
/// there are columns, or more: cells past the columns follow unpadded.
pub struct Table {
    title: String,
    intro: Vec<String>,
    columns: Vec<(String, usize, Align)>,
    rows: Vec<Vec<String>>,
    notes: Vec<String>,
}

impl Table {
    pub fn new(title: impl Into<String>) -> Table {
        Table { title: title.into(), intro: Vec::new(), columns: Vec::new(), rows: Vec::new(), notes: Vec::new() }
    }

    /// A line between the title and the header.
    pub fn intro(mut self, line: impl Into<String>) -> Table {
        self.intro.push(line.into());
        self
    }

    pub fn left(mut self, header: &str, width: usize) -> Table {
        self.columns.push((header.to_owned(), width, Align::Left));
        self
    }

    pub fn right(mut self, header: &str, width: usize) -> Table {
        self.columns.push((header.to_owned(), width, Align::Right));
        self
    }

    pub fn row<S: ToString>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(cells.into_iter().map(|c| c.to_string()).collect());
    }

    /// A line after the rows.
    pub fn note(&mut self, line: impl Into<String>) {
        self.notes.push(line.into());
    }

    fn line(&self, cells: &[String]) -> String {
        let mut line = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                line.push(' ');
            }
            match self.columns.get(i) {
                Some((_, width, Align::Left)) => line.push_str(&format!("{cell:<width$}")),
                Some((_, width, Align::Right)) => line.push_str(&format!("{cell:>width$}")),
                None => line.push_str(cell),
            }
        }
        line.trim_end().to_owned()
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "\n== {}", self.title)?;
        for line in &self.intro {
            writeln!(f, "{line}")?;
        }
        if !self.columns.is_empty() {
            let header: Vec<String> = self.columns.iter().map(|(h, _, _)| h.clone()).collect();
            writeln!(f, "{}", self.line(&header))?;
        }
        for row in &self.rows {
            writeln!(f, "{}", self.line(row))?;
        }
        for line in &self.notes {
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}
