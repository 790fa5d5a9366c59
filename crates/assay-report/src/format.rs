//! Numbers as the command line prints them. `assay runs`, `assay issues`,
//! `assay evaluate` and `assay gen eval|compare` format with these
//! functions, and so does the report, so both show the same digits.

/// A headline or per-class metric, three decimals (`assay runs`, the
/// per-class tables); `-` when it could not be measured (NaN, or COCO's
/// `-1` for a class without ground truth).
pub fn metric(v: f64) -> String {
    if v.is_finite() && v >= 0.0 {
        format!("{v:.3}")
    } else {
        "-".to_string()
    }
}

/// An issue score in [0, 1], three decimals (`assay issues`).
pub fn score(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.3}")
    } else {
        "-".to_string()
    }
}

/// A signed change, such as the AP50 a fixed error kind would add.
pub fn delta(v: f64) -> String {
    if v.is_finite() {
        format!("{v:+.3}")
    } else {
        "-".to_string()
    }
}

/// A generative metric with its spread when it has one (`gen eval`).
pub fn gen_value(value: f64, std: Option<f64>) -> String {
    match std {
        Some(std) => format!("{value:.6} ± {std:.6}"),
        None => format!("{value:.6}"),
    }
}

/// An interval's bounds (`gen eval`); the interval's `note` says how
/// they were computed.
pub fn gen_interval(low: f64, high: f64) -> String {
    format!("[{low:.6}, {high:.6}]")
}

/// A mean in [0, 1] with four decimals (`gen compare`'s mean diversity).
pub fn mean4(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v:.4}"),
        _ => "-".to_string(),
    }
}

/// A byte count for people (`12.3 KiB`).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    match unit {
        0 => format!("{n} B"),
        _ => format!("{value:.1} {}", UNITS[unit]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_have_three_decimals_and_a_dash_when_unmeasured() {
        assert_eq!(metric(0.37879), "0.379");
        assert_eq!(metric(0.0), "0.000");
        assert_eq!(metric(-1.0), "-");
        assert_eq!(metric(f64::NAN), "-");
        assert_eq!(score(0.0), "0.000");
        assert_eq!(delta(0.0896), "+0.090");
        assert_eq!(delta(-0.01), "-0.010");
    }

    #[test]
    fn generative_values_have_six_decimals() {
        assert_eq!(gen_value(0.85161, None), "0.851610");
        assert_eq!(gen_value(1.0, Some(0.25)), "1.000000 ± 0.250000");
        assert_eq!(gen_interval(0.96, 1.06), "[0.960000, 1.060000]");
        assert_eq!(mean4(None), "-");
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(2048), "2.0 KiB");
        assert_eq!(bytes(3 * 1024 * 1024 + 1), "3.0 MiB");
    }
}
