//! The special functions behind the analysis' p-values, to about 1e-14:
//! the log-gamma function, the regularized upper incomplete gamma function
//! (the chi-squared survival function and the two-sided normal tail of the
//! drift tests), the normal survival function of the slice tests (by
//! `assay_eval::special::erfc`, the workspace's one erfc) and
//! the regularized incomplete beta function (Student's t survival
//! function). Far inside the 1e-9 the parity tests ask of p-values.

use std::f64::consts::PI;

use assay_eval::special::erfc;

/// Lanczos coefficients (g = 7, nine terms).
const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

/// `ln Γ(x)` for `x > 0`.
pub fn ln_gamma(x: f64) -> f64 {
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 - x) = π / sin(πx).
        return (PI / (PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = LANCZOS[0];
    for (i, c) in LANCZOS.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + 7.5;
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// The regularized upper incomplete gamma function `Q(a, x)`
/// (`scipy.special.gammaincc`), for `a > 0`, `x >= 0`.
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    if x.is_infinite() {
        return 0.0;
    }
    let log_prefix = a * x.ln() - x - ln_gamma(a);
    if x < a + 1.0 {
        // P(a, x) by its series, then Q = 1 - P.
        let mut term = 1.0 / a;
        let mut sum = term;
        let mut ap = a;
        for _ in 0..10_000 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-17 {
                break;
            }
        }
        1.0 - (sum * log_prefix.exp())
    } else {
        // Q(a, x) by its continued fraction (modified Lentz).
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        log_prefix.exp() * h
    }
}

/// `scipy.stats.chi2.sf(x, df)`.
pub fn chi2_sf(x: f64, df: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    gamma_q(df / 2.0, x / 2.0).clamp(0.0, 1.0)
}

/// The two-sided normal tail `2 (1 - Φ(|z|))`.
pub fn normal_two_sided(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    // 2 (1 - Φ(|z|)) = erfc(|z| / √2) = Q(1/2, z² / 2).
    gamma_q(0.5, z * z / 2.0).clamp(0.0, 1.0)
}

/// `P(Z > z)` for a standard normal `Z` (`scipy.stats.norm.sf`).
pub fn normal_sf(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    let t = z / std::f64::consts::SQRT_2;
    if t >= 0.0 {
        0.5 * erfc(t)
    } else {
        1.0 - 0.5 * erfc(-t)
    }
}

/// The regularized incomplete beta function `I_x(a, b)`.
fn incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(x, a, b) / a
    } else {
        1.0 - front * beta_fraction(1.0 - x, b, a) / b
    }
}

/// The continued fraction of the incomplete beta function (modified
/// Lentz).
fn beta_fraction(x: f64, a: f64, b: f64) -> f64 {
    let tiny = 1e-300;
    let clamp = |v: f64| if v.abs() < tiny { tiny } else { v };
    let mut c = 1.0;
    let mut d = 1.0 / clamp(1.0 - (a + b) * x / (a + 1.0));
    let mut h = d;
    for m in 1..10_000 {
        let m = m as f64;
        let num = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        d = 1.0 / clamp(1.0 + num * d);
        c = clamp(1.0 + num / c);
        h *= d * c;
        let num = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
        d = 1.0 / clamp(1.0 + num * d);
        c = clamp(1.0 + num / c);
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

/// `P(T > t)` for Student's t with `df` degrees of freedom
/// (`scipy.stats.t.sf`).
pub fn student_t_sf(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if t.is_infinite() {
        return if t > 0.0 { 0.0 } else { 1.0 };
    }
    let tail = 0.5 * incomplete_beta(df / (df + t * t), df / 2.0, 0.5);
    if t >= 0.0 {
        tail
    } else {
        1.0 - tail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_gamma_at_known_points() {
        assert!((ln_gamma(1.0)).abs() < 1e-14);
        assert!((ln_gamma(0.5) - PI.sqrt().ln()).abs() < 1e-14);
        assert!((ln_gamma(10.0) - 362_880f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn tails_at_known_points() {
        // chi2.sf(3.84145882069412, 1) = 0.05; norm two-sided at 1.959963984540054 = 0.05.
        assert!((chi2_sf(3.841_458_820_694_124, 1.0) - 0.05).abs() < 1e-13);
        assert!((normal_two_sided(1.959_963_984_540_054) - 0.05).abs() < 1e-13);
        // chi2.sf(10, 4) = 0.04042768199451279 (closed form 6 e^-5).
        assert!((chi2_sf(10.0, 4.0) - 6.0 * (-5.0f64).exp()).abs() < 1e-14);
        assert_eq!(chi2_sf(f64::INFINITY, 3.0), 0.0);
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-14 * b.abs().max(1e-300)
    }

    #[test]
    fn normal_tail_values() {
        // scipy.stats.norm.sf at 1.96, 0.5 and 5.
        assert!(
            close(normal_sf(1.96), 0.024997895148220435),
            "{}",
            normal_sf(1.96)
        );
        assert!(
            close(normal_sf(0.5), 0.3085375387259869),
            "{}",
            normal_sf(0.5)
        );
        assert!(
            close(normal_sf(5.0), 2.866515718791933e-07),
            "{}",
            normal_sf(5.0)
        );
        assert_eq!(normal_sf(0.0), 0.5);
    }

    #[test]
    fn student_tail_values() {
        // scipy.stats.t.sf(2.0, 5) and t.sf(1.0, 30.5).
        let a = student_t_sf(2.0, 5.0);
        assert!((a - 0.050969739414929174).abs() < 1e-13, "{a}");
        let b = student_t_sf(-1.0, 30.5);
        assert!((b - (1.0 - 0.1625892972175897)).abs() < 1e-12, "{b}");
    }
}
