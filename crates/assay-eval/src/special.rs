//! The two distribution tails McNemar's test needs, to double precision:
//! the chi-squared survival function with one degree of freedom (SciPy's
//! `chi2.sf(x, 1)`) and the binomial CDF at `p = 1/2` (SciPy's
//! `binom.cdf(k, n, 0.5)`), and the complementary error function they
//! and `assay-analysis` share.

use std::f64::consts::PI;

/// `chi2.sf(x, 1)`, which is `erfc(sqrt(x / 2))`; 1 for `x <= 0`.
pub(crate) fn chi2_sf_1(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    erfc((x / 2.0).sqrt())
}

/// `erfc(x)` for `x >= 0` (0 at infinity): below 2 by the series of
/// `erf` with positive terms, `erf(x) = 2/sqrt(pi) e^(-x^2) sum (2x^2)^n x
/// / (2n+1)!!` (absolute error near 1e-16, relative below 1e-13 there since
/// erfc(2) is 4.7e-3); above by the continued fraction of `erfc`,
/// evaluated by Lentz's method. The one erfc of the workspace: McNemar's
/// chi-squared tail here, the normal tails of `assay-analysis`.
pub fn erfc(x: f64) -> f64 {
    if x == f64::INFINITY {
        return 0.0;
    }
    if x < 2.0 {
        let x2 = x * x;
        let (mut term, mut sum) = (x, x);
        let mut n = 0.0;
        while term > sum * 1e-17 {
            n += 1.0;
            term *= 2.0 * x2 / (2.0 * n + 1.0);
            sum += term;
        }
        return 1.0 - 2.0 / PI.sqrt() * (-x2).exp() * sum;
    }
    // erfc(x) = e^(-x^2) / sqrt(pi) * 1 / (x + (1/2) / (x + 1 / (x + (3/2) / (x + ...)))).
    let tiny = 1e-300;
    let mut f = x;
    let (mut c, mut d) = (x, 0.0);
    for j in 1..500 {
        let a = j as f64 / 2.0;
        d = x + a * d;
        d = if d.abs() < tiny { tiny } else { d };
        c = x + a / c;
        c = if c.abs() < tiny { tiny } else { c };
        d = 1.0 / d;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    (-x * x).exp() / PI.sqrt() / f
}

/// `binom.cdf(k, n, 0.5)`: `P(X <= k)` for `X ~ Binomial(n, 1/2)`.
///
/// The probability of `k` comes from Loader's saddle-point form (relative
/// error about 1e-14 for any `n`, far below the 1e-12 absolute agreement
/// required of p-values); the lower terms follow
/// by the ratio `P(i - 1) / P(i) = i / (n - i + 1)`, summed until they no
/// longer change the sum.
pub(crate) fn binomial_half_cdf(k: u64, n: u64) -> f64 {
    if k >= n {
        return 1.0;
    }
    if 2 * k > n {
        return 1.0 - binomial_half_cdf(n - k - 1, n);
    }
    let mut term = binomial_half_pmf(k, n);
    let mut sum = term;
    let mut i = k;
    while i > 0 && term >= sum * 1e-17 {
        term *= i as f64 / (n - i + 1) as f64;
        sum += term;
        i -= 1;
    }
    sum
}

/// `P(X = k)` for `X ~ Binomial(n, 1/2)`, `k <= n`.
fn binomial_half_pmf(k: u64, n: u64) -> f64 {
    if k == 0 || k == n {
        return 0.5f64.powf(n as f64);
    }
    let (x, rest, half) = (k as f64, (n - k) as f64, n as f64 / 2.0);
    let exponent = stirling_error(n)
        - stirling_error(k)
        - stirling_error(n - k)
        - deviance(x, half)
        - deviance(rest, half);
    exponent.exp() * (n as f64 / (2.0 * PI * x * rest)).sqrt()
}

/// `ln(n!) - ln(sqrt(2 pi n) (n/e)^n)` for `n >= 1`: directly below 10
/// (where `n!` is exact), else by the Stirling series.
fn stirling_error(n: u64) -> f64 {
    let x = n as f64;
    if n < 10 {
        let factorial: f64 = (1..=n).map(|i| i as f64).product();
        return factorial.ln() - (x + 0.5) * x.ln() + x - 0.5 * (2.0 * PI).ln();
    }
    // B_2k / (2k (2k - 1)) for k = 1..8.
    const COEFFICIENTS: [f64; 8] = [
        1.0 / 12.0,
        -1.0 / 360.0,
        1.0 / 1260.0,
        -1.0 / 1680.0,
        1.0 / 1188.0,
        -691.0 / 360360.0,
        1.0 / 156.0,
        -3617.0 / 122400.0,
    ];
    let inv2 = 1.0 / (x * x);
    let series = COEFFICIENTS
        .iter()
        .rev()
        .fold(0.0, |acc, &c| acc * inv2 + c);
    series / x
}

/// `x ln(x / m) + m - x`, by its series in `v = (x - m) / (x + m)` when `x`
/// is near `m` (where the direct form cancels).
fn deviance(x: f64, m: f64) -> f64 {
    if (x - m).abs() < 0.1 * (x + m) {
        let v = (x - m) / (x + m);
        let mut sum = (x - m) * v;
        let mut power = 2.0 * x * v;
        let v2 = v * v;
        for j in 1..1000 {
            power *= v2;
            let next = sum + power / (2 * j + 1) as f64;
            if next == sum {
                break;
            }
            sum = next;
        }
        return sum;
    }
    x * (x / m).ln() + m - x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chi2_tail_at_known_points() {
        // scipy.stats.chi2.sf([3.841458820694124, 1.0, 25.0], 1)
        assert!((chi2_sf_1(3.841458820694124) - 0.05).abs() < 1e-15);
        assert!((chi2_sf_1(1.0) - 0.3173105078629141).abs() < 1e-15);
        assert!((chi2_sf_1(25.0) / 5.733031437583878e-07 - 1.0).abs() < 1e-13);
        assert_eq!(chi2_sf_1(0.0), 1.0);
        assert_eq!(chi2_sf_1(f64::INFINITY), 0.0);
    }

    #[test]
    fn binomial_cdf_against_exact_sums() {
        // Small n: the exact rational sum C(n, i) / 2^n.
        for n in 0..50u64 {
            let mut c = 1.0f64;
            let mut exact = 0.0;
            for k in 0..=n {
                exact += c / 2f64.powi(n as i32);
                let got = binomial_half_cdf(k, n);
                assert!(
                    (got - exact).abs() <= 5e-14 * exact,
                    "{k} {n}: {got} vs {exact}"
                );
                c = c * (n - k) as f64 / (k + 1) as f64;
            }
        }
    }
}
