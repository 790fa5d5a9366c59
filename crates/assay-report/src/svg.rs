//! Inline SVG charts: horizontal bars, line charts on [0, 1] axes (PR
//! curves), a heatmap (confusion matrix) and a scatter plot (embedding
//! map). Pure functions from numbers to markup; labels are escaped, and
//! missing values (NaN, negative "not measured" markers) draw nothing.

use std::fmt::Write as _;

use crate::escape::html;

/// Series colours (colour-blind friendly, Okabe–Ito).
pub const PALETTE: [&str; 8] = [
    "#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#f0e442", "#000000",
];

/// One bar: label, value, and the value as printed.
#[derive(Debug, Clone)]
pub struct Bar {
    /// What the bar is.
    pub label: String,
    /// Its length (NaN or negative: no bar).
    pub value: f64,
    /// The value as the CLI prints it.
    pub text: String,
}

/// Horizontal bars, longest scaled to the width; an empty message when
/// there are none.
pub fn bar_chart(title: &str, bars: &[Bar]) -> String {
    if bars.is_empty() {
        return empty(title);
    }
    let (label_w, bar_w, row_h) = (170.0, 300.0, 22.0);
    let max = bars
        .iter()
        .map(|b| b.value)
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold(0.0, f64::max);
    let height = row_h * bars.len() as f64 + 8.0;
    let mut out = open(title, label_w + bar_w + 90.0, height);
    for (i, b) in bars.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        let len = if max > 0.0 && b.value.is_finite() && b.value > 0.0 {
            bar_w * b.value / max
        } else {
            0.0
        };
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" class="lbl">{}</text><rect x="{label_w}" y="{:.1}" width="{len:.1}" height="{:.1}" fill="{}"/><text x="{:.1}" y="{:.1}" class="val">{}</text>"#,
            label_w - 6.0,
            y + 15.0,
            html(&b.label),
            y + 3.0,
            row_h - 6.0,
            PALETTE[0],
            label_w + len + 6.0,
            y + 15.0,
            html(&b.text)
        );
    }
    out + "</svg>"
}

/// A named line of (x, y) points.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend text.
    pub name: String,
    /// Points; a point with a non-finite or negative coordinate breaks
    /// the line.
    pub points: Vec<(f64, f64)>,
    /// Drawn thick and dark (a mean over the other series).
    pub bold: bool,
}

/// Lines on [0, 1] × [0, 1] axes with a legend.
pub fn line_chart(title: &str, x_label: &str, y_label: &str, series: &[Series]) -> String {
    let drawable = series.iter().any(|s| s.points.iter().any(|p| valid(*p)));
    if !drawable {
        return empty(title);
    }
    let (left, top, size) = (44.0, 10.0, 240.0);
    let mut out = open(title, left + size + 190.0, top + size + 40.0);
    out += &axes(left, top, size, x_label, y_label);
    for (i, s) in series.iter().enumerate() {
        // The last palette colour (black) is kept for the bold series.
        let (colour, width) = match s.bold {
            true => (PALETTE[PALETTE.len() - 1], 2.6),
            false => (PALETTE[i % (PALETTE.len() - 1)], 1.4),
        };
        let path = line_path(&s.points, |(x, y)| {
            (left + x * size, top + (1.0 - y) * size)
        });
        if !path.is_empty() {
            let _ = write!(
                out,
                r#"<path d="{path}" fill="none" stroke="{colour}" stroke-width="{width}"/>"#
            );
        }
        let ly = top + 12.0 + 16.0 * i as f64;
        let _ = write!(
            out,
            r#"<rect x="{:.1}" y="{:.1}" width="10" height="10" fill="{colour}"/><text x="{:.1}" y="{:.1}" class="lbl">{}</text>"#,
            left + size + 14.0,
            ly - 9.0,
            left + size + 28.0,
            ly,
            html(&s.name)
        );
    }
    out + "</svg>"
}

fn valid((x, y): (f64, f64)) -> bool {
    x.is_finite() && y.is_finite() && x >= 0.0 && y >= 0.0
}

/// An SVG path through the valid points, starting a new piece after each
/// invalid one.
fn line_path(points: &[(f64, f64)], to_px: impl Fn((f64, f64)) -> (f64, f64)) -> String {
    let mut d = String::new();
    let mut pen_down = false;
    for &p in points {
        if !valid(p) {
            pen_down = false;
            continue;
        }
        let (x, y) = to_px((p.0.min(1.0), p.1.min(1.0)));
        let _ = write!(d, "{}{x:.1},{y:.1}", if pen_down { "L" } else { "M" });
        pen_down = true;
    }
    d
}

fn axes(left: f64, top: f64, size: f64, x_label: &str, y_label: &str) -> String {
    let mut out = format!(
        r##"<rect x="{left}" y="{top}" width="{size}" height="{size}" fill="none" stroke="#999"/>"##
    );
    for i in 0..=4 {
        let f = i as f64 / 4.0;
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" class="tick">{f:.2}</text><text x="{:.1}" y="{:.1}" text-anchor="end" class="tick">{f:.2}</text>"#,
            left + f * size,
            top + size + 14.0,
            left - 4.0,
            top + (1.0 - f) * size + 4.0
        );
    }
    let _ = write!(
        out,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" class="lbl">{}</text><text x="12" y="{:.1}" text-anchor="middle" class="lbl" transform="rotate(-90 12 {:.1})">{}</text>"#,
        left + size / 2.0,
        top + size + 32.0,
        html(x_label),
        top + size / 2.0,
        top + size / 2.0,
        html(y_label)
    );
    out
}

/// A square matrix of counts as shaded cells with row and column labels
/// (rows: ground truth, columns: prediction).
pub fn heatmap(title: &str, labels: &[String], counts: &[Vec<u64>]) -> String {
    let n = labels.len();
    if n == 0 || counts.len() != n || counts.iter().any(|r| r.len() != n) {
        return empty(title);
    }
    // Cells shrink so that large matrices stay about 720 pixels wide;
    // counts are written in cells large enough to hold them, and every
    // cell names its count on hover.
    let (left, top) = (110.0, 110.0);
    let cell = (720.0 / n as f64).clamp(6.0, 34.0);
    let font = cell.clamp(6.0, 12.0) - 1.0;
    let max = counts.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let side = cell * n as f64;
    let mut out = open(title, left + side + 80.0, top + side + 10.0);
    for (i, label) in labels.iter().enumerate() {
        let c = left + cell * i as f64 + cell / 2.0;
        let r = top + cell * i as f64 + cell / 2.0 + 4.0;
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{r:.1}" text-anchor="end" class="lbl" font-size="{font}">{}</text><text x="{c:.1}" y="{:.1}" class="lbl" font-size="{font}" transform="rotate(-45 {c:.1} {:.1})">{}</text>"#,
            left - 6.0,
            html(label),
            top - 6.0,
            top - 6.0,
            html(label)
        );
    }
    for (i, row) in counts.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            let tip = format!("{} → {}: {v}", labels[i], labels[j]);
            out += &heat_cell(
                (left + cell * j as f64, top + cell * i as f64),
                cell,
                v,
                max,
                i == j,
                &tip,
            );
        }
    }
    out + "</svg>"
}

fn heat_cell((x, y): (f64, f64), cell: f64, v: u64, max: f64, diagonal: bool, tip: &str) -> String {
    let shade = v as f64 / max;
    let fill = if diagonal { "0,114,178" } else { "213,94,0" };
    let ink = if shade > 0.55 { "#fff" } else { "#222" };
    let mut out = format!(
        r##"<rect x="{x:.1}" y="{y:.1}" width="{cell:.1}" height="{cell:.1}" fill="rgba({fill},{:.3})" stroke="#ddd"><title>{}</title></rect>"##,
        0.08 + 0.92 * shade,
        html(tip)
    );
    if cell >= 20.0 {
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" class="val" style="fill:{ink}">{v}</text>"#,
            x + cell / 2.0,
            y + cell / 2.0 + 4.0
        );
    }
    out
}

/// Points scaled into a square, coloured by cluster.
pub fn scatter(title: &str, points: &[(f32, f32, Option<i64>)]) -> String {
    let finite: Vec<_> = points
        .iter()
        .filter(|p| p.0.is_finite() && p.1.is_finite())
        .collect();
    if finite.is_empty() {
        return empty(title);
    }
    let bounds = |f: fn(&&(f32, f32, Option<i64>)) -> f32| {
        let (lo, hi) = finite
            .iter()
            .map(f)
            .fold((f32::MAX, f32::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
        (lo, (hi - lo).max(f32::EPSILON))
    };
    let ((x0, xs), (y0, ys)) = (bounds(|p| p.0), bounds(|p| p.1));
    let size = 320.0f32;
    let mut out = open(title, f64::from(size) + 20.0, f64::from(size) + 20.0);
    for p in finite {
        let colour = PALETTE[p.2.unwrap_or(0).rem_euclid(PALETTE.len() as i64) as usize];
        let _ = write!(
            out,
            r#"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="{colour}" fill-opacity="0.7"/>"#,
            10.0 + (p.0 - x0) / xs * size,
            10.0 + (1.0 - (p.1 - y0) / ys) * size
        );
    }
    out + "</svg>"
}

fn open(title: &str, width: f64, height: f64) -> String {
    format!(
        r#"<svg class="chart" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" role="img"><title>{}</title>"#,
        html(title)
    )
}

/// The placeholder for a chart with nothing to draw.
fn empty(title: &str) -> String {
    format!(r#"<p class="note">{}: nothing to draw.</p>"#, html(title))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, value: f64) -> Bar {
        Bar {
            label: label.into(),
            value,
            text: crate::format::metric(value),
        }
    }

    #[test]
    fn empty_charts_say_so() {
        assert!(bar_chart("AP", &[]).contains("nothing to draw"));
        assert!(line_chart("PR", "recall", "precision", &[]).contains("nothing to draw"));
        let only_missing = Series {
            name: "cat".into(),
            points: vec![(0.0, -1.0), (f64::NAN, 0.5)],
            bold: false,
        };
        assert!(line_chart("PR", "r", "p", &[only_missing]).contains("nothing to draw"));
        assert!(heatmap("m", &[], &[]).contains("nothing to draw"));
        assert!(scatter("map", &[(f32::NAN, 0.0, None)]).contains("nothing to draw"));
    }

    #[test]
    fn nan_and_negative_bars_have_no_length_and_a_dash() {
        let svg = bar_chart("AP", &[bar("a", f64::NAN), bar("b", -1.0), bar("c", 0.5)]);
        assert!(!svg.contains("NaN"), "{svg}");
        assert_eq!(svg.matches(r#"width="0.0""#).count(), 2, "{svg}");
        assert!(svg.contains(r#"width="300.0""#), "{svg}");
        assert_eq!(svg.matches(">-</text>").count(), 2);
    }

    #[test]
    fn all_zero_bars_draw_without_dividing_by_zero() {
        let svg = bar_chart("AP", &[bar("a", 0.0)]);
        assert!(
            svg.contains(r#"width="0.0""#) && !svg.contains("NaN"),
            "{svg}"
        );
    }

    #[test]
    fn invalid_points_break_a_line() {
        let d = line_path(&[(0.0, 1.0), (0.5, -1.0), (0.6, 0.5), (1.0, 0.0)], |p| p);
        assert_eq!(d, "M0.0,1.0M0.6,0.5L1.0,0.0");
    }

    #[test]
    fn labels_are_escaped_in_charts() {
        let svg = bar_chart("<t>", &[bar("<script>", 1.0)]);
        assert!(!svg.contains("<script>") && svg.contains("&lt;script&gt;"));
        let m = heatmap("m", &["<a>".into()], &[vec![3]]);
        assert!(m.contains("&lt;a&gt;") && m.contains(">3</text>"), "{m}");
        assert!(m.contains("<title>&lt;a&gt; → &lt;a&gt;: 3</title>"), "{m}");
    }

    #[test]
    fn large_matrices_shrink_and_drop_the_cell_text() {
        let n = 81;
        let labels: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
        let counts = vec![vec![1u64; n]; n];
        let m = heatmap("m", &labels, &counts);
        assert!(!m.contains(">1</text>"), "counts written in tiny cells");
        assert_eq!(m.matches("<title>").count(), n * n + 1);
        let width: f64 = m
            .split("width=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(width < 1000.0, "{width}");
    }
}
