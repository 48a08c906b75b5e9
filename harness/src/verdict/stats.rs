//! The statistics behind the pass-rate condition: a Wilson score interval, which stays honest
//! for the few dozen runs a feature gets (a plain `passes / runs` calls 5 of 5 certain).

/// The Wilson score interval `(lower, upper)` for `successes` of `trials` at a two-sided
/// `confidence` in (0, 1). With no trials nothing is known: `(0, 1)`.
pub fn wilson(successes: usize, trials: usize, confidence: f64) -> (f64, f64) {
    if trials == 0 {
        return (0.0, 1.0);
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z = z_score(confidence);
    let z2 = z * z;
    let center = p + z2 / (2.0 * n);
    let spread = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    let scale = 1.0 + z2 / n;
    (((center - spread) / scale).max(0.0), ((center + spread) / scale).min(1.0))
}

/// The `z` with `P(|Z| <= z) = confidence` for a standard normal `Z`: 1.96 at 95%.
pub fn z_score(confidence: f64) -> f64 {
    normal_quantile(0.5 + confidence / 2.0)
}

/// The standard normal quantile for `p` in (0, 1), by Acklam's rational approximation
/// (relative error below 1.2e-9): good to far more digits than a verdict prints.
fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
    const B: [f64; 5] = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
    const C: [f64; 6] = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
    const D: [f64; 4] = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    const TAIL: f64 = 0.02425;
    let tail = |q: f64| horner(&C, q) / (horner(&D, q) * q + 1.0);
    if p < TAIL {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - TAIL {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        horner(&A, r) * q / (horner(&B, r) * r + 1.0)
    }
}

fn horner(coefficients: &[f64], x: f64) -> f64 {
    coefficients.iter().fold(0.0, |acc, c| acc * x + c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-4
    }

    #[test]
    fn z_scores_match_the_normal_table() {
        assert!(close(z_score(0.95), 1.959_96), "{}", z_score(0.95));
        assert!(close(z_score(0.99), 2.575_83), "{}", z_score(0.99));
        assert!(close(z_score(0.90), 1.644_85), "{}", z_score(0.90));
        assert!(close(z_score(0.999), 3.290_53), "{}", z_score(0.999));
    }

    #[test]
    fn wilson_bounds_match_worked_values() {
        let (lower, upper) = wilson(19, 20, 0.95);
        assert!(close(lower, 0.763_9), "{lower}");
        assert!(close(upper, 0.991_1), "{upper}");
        assert!(close(wilson(10, 10, 0.95).0, 0.722_5));
        assert!(close(wilson(0, 10, 0.95).1, 0.277_5));
        assert_eq!(wilson(0, 0, 0.95), (0.0, 1.0));
    }

    #[test]
    fn more_evidence_narrows_the_interval() {
        assert!(wilson(50, 50, 0.95).0 > wilson(10, 10, 0.95).0);
        assert!(wilson(10, 10, 0.99).0 < wilson(10, 10, 0.95).0);
    }
}
