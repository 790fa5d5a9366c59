//! Embedding matrices (row-major `f32`, `n x dim`) and the distance
//! between their mean embeddings.

use super::DriftError;

/// A checked view of a row-major matrix.
pub(crate) struct Rows<'a> {
    pub data: &'a [f32],
    pub dim: usize,
}

impl<'a> Rows<'a> {
    /// Checks the shape and that every value is finite.
    pub fn new(data: &'a [f32], dim: usize, side: &'static str) -> Result<Self, DriftError> {
        if dim == 0 || !data.len().is_multiple_of(dim) {
            return Err(DriftError::Shape {
                side,
                len: data.len(),
                dim,
            });
        }
        if let Some(index) = data.iter().position(|v| !v.is_finite()) {
            return Err(DriftError::NotFinite { side, index });
        }
        Ok(Rows { data, dim })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.data.len() / self.dim
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &'a [f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }
}

/// The distance between the mean embeddings.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CentroidDistance {
    /// Euclidean distance between the means.
    pub euclidean: f64,
    /// Cosine distance `1 - cos` between the means
    /// (`scipy.spatial.distance.cosine`); `None` when a mean is zero.
    pub cosine: Option<f64>,
    /// Reference rows.
    pub n_reference: usize,
    /// Current rows.
    pub n_current: usize,
}

fn mean(rows: &Rows<'_>) -> Vec<f64> {
    let mut m = vec![0.0f64; rows.dim];
    for i in 0..rows.len() {
        for (acc, &v) in m.iter_mut().zip(rows.row(i)) {
            *acc += f64::from(v);
        }
    }
    let n = rows.len() as f64;
    m.iter_mut().for_each(|v| *v /= n);
    m
}

/// Euclidean and cosine distance between the mean reference and current
/// embeddings (means in `f64`).
pub fn centroid_distance(
    reference: &[f32],
    current: &[f32],
    dim: usize,
) -> Result<CentroidDistance, DriftError> {
    let r = Rows::new(reference, dim, "reference")?;
    let c = Rows::new(current, dim, "current")?;
    for (side, rows) in [("reference", &r), ("current", &c)] {
        if rows.len() == 0 {
            return Err(DriftError::TooFew {
                what: "a centroid distance",
                side,
                needed: 1,
                got: 0,
            });
        }
    }
    let (a, b) = (mean(&r), mean(&c));
    let euclidean = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt();
    let uv: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
    let uu: f64 = a.iter().map(|x| x * x).sum();
    let vv: f64 = b.iter().map(|x| x * x).sum();
    let cosine = (uu > 0.0 && vv > 0.0).then(|| (1.0 - uv / (uu * vv).sqrt()).clamp(0.0, 2.0));
    Ok(CentroidDistance {
        euclidean,
        cosine,
        n_reference: r.len(),
        n_current: c.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_between_means() {
        let r = [0.0f32, 1.0, 0.0, 3.0]; // mean (0, 2)
        let c = [2.0f32, 0.0]; // mean (2, 0)
        let d = centroid_distance(&r, &c, 2).unwrap();
        assert!((d.euclidean - 8f64.sqrt()).abs() < 1e-15);
        assert!((d.cosine.unwrap() - 1.0).abs() < 1e-15);
        assert!(matches!(
            centroid_distance(&r, &c[..1], 2),
            Err(DriftError::Shape { .. })
        ));
        assert!(matches!(
            centroid_distance(&[f32::NAN, 0.0], &c, 2),
            Err(DriftError::NotFinite { .. })
        ));
    }
}
