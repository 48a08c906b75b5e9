//! The bench's samples reduced to what it prints: per measure, the median and the spread
//! (lowest to highest) of the harness's and anvil's runs, and of their ratio within each run.

/// One measure's samples, one per run, for both nodes (anvil's empty where it has none).
pub struct Measure {
    pub what: String,
    pub unit: &'static str,
    /// Whether larger is better (a rate) or smaller (a time or a size).
    pub rate: bool,
    /// Whether the harness and anvil are compared (a ratio is shown).
    compared: bool,
    pub harness: Vec<f64>,
    pub anvil: Vec<f64>,
}

impl Measure {
    pub const fn new(what: String, unit: &'static str, rate: bool) -> Self {
        Self { what, unit, rate, compared: true, harness: Vec::new(), anvil: Vec::new() }
    }

    /// A measure shown for each node alone, without a ratio (a diagnostic, not a race).
    pub fn alone(self) -> Self {
        Self { compared: false, ..self }
    }

    /// How many times better the harness did than anvil in each run (above 1: better).
    fn ratios(&self) -> Vec<f64> {
        let better = |(h, a): (&f64, &f64)| if self.rate { h / a } else { a / h };
        self.harness.iter().zip(&self.anvil).filter(|_| self.compared).map(better).collect()
    }
}

/// The median and the lowest and highest of `samples` (none when empty).
pub struct Spread {
    pub median: f64,
    pub low: f64,
    pub high: f64,
}

impl Spread {
    pub fn of(samples: &[f64]) -> Option<Self> {
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let middle = sorted.len() / 2;
        let median = match sorted.len() {
            0 => return None,
            n if n % 2 == 1 => sorted[middle],
            _ => (sorted[middle - 1] + sorted[middle]) / 2.0,
        };
        Some(Self { median, low: sorted[0], high: sorted[sorted.len() - 1] })
    }

    /// `median (low–high)` with `decimals` decimals.
    fn show(&self, decimals: usize) -> String {
        format!("{:.decimals$} ({:.decimals$}–{:.decimals$})", self.median, self.low, self.high)
    }
}

/// Enough decimals to tell runs apart: three below 10, one below 1,000, none above.
fn decimals(value: f64) -> usize {
    match value.abs() {
        v if v < 10.0 => 3,
        v if v < 1000.0 => 1,
        _ => 0,
    }
}

/// The table: one row per measure, medians with their spread in brackets.
pub fn table(measures: &[Measure], runs: usize, anvil_version: &str) -> String {
    let mut out = format!(
        "| measure ({runs} runs: median (lowest–highest)) | harness | {anvil_version} | harness vs anvil, per run |\n| --- | ---: | ---: | ---: |\n"
    );
    for measure in measures {
        let cell = |samples: &[f64]| Spread::of(samples).map_or("-".to_owned(), |s| s.show(decimals(s.median)));
        let ratio = Spread::of(&measure.ratios()).map_or("-".to_owned(), |s| format!("{}x", s.show(2)));
        out += &format!("| {}, {} | {} | {} | {ratio} |\n", measure.what, measure.unit, cell(&measure.harness), cell(&measure.anvil));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_counts() {
        let odd = Spread::of(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((odd.median, odd.low, odd.high), (2.0, 1.0, 3.0));
        assert_eq!(Spread::of(&[4.0, 1.0, 2.0, 3.0]).unwrap().median, 2.5);
        assert!(Spread::of(&[]).is_none());
    }

    /// A time is better when smaller, a rate when larger; the ratio says "better" above 1.
    #[test]
    fn ratios_say_how_many_times_better_the_harness_did() {
        let time = Measure { harness: vec![1.0, 2.0], anvil: vec![2.0, 2.0], ..Measure::new("start".into(), "s", false) };
        assert_eq!(time.ratios(), [2.0, 1.0]);
        let rate = Measure { harness: vec![300.0], anvil: vec![100.0], ..Measure::new("blocks".into(), "per s", true) };
        assert_eq!(rate.ratios(), [3.0]);
    }
}
