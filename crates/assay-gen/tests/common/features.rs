//! Seeded feature matrices, bit-identical to `tests/oracles/gen_features.py`.
//!
//! A [`Spec`] (seed, rows, dimension, kind) names a matrix built from NumPy's
//! legacy `RandomState(seed).random_sample` stream with elementwise IEEE
//! operations only, so Python (the fixtures, the oracles) and Rust build
//! the same `f64` values. The kinds are documented in `gen_features.py`.

use assay_gen::numpy_random::RandomState;
use assay_gen::Features;
use serde_json::{json, Value};

/// How the matrix is built from the uniform stream.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `u - 0.5`.
    Uniform,
    /// Each column `(u - 0.5) + 0.75 * previous column`.
    Correlated,
    /// `Correlated * scale + offset`.
    Shifted {
        /// Added after scaling.
        offset: f64,
        /// The factor.
        scale: f64,
    },
    /// Columns repeat (rescaled) with period `rank`.
    RankDeficient {
        /// The period, and the covariance's rank.
        rank: usize,
    },
    /// Logit-like rows with one boosted class each, low classes dominant.
    Logits,
}

/// A seeded matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// The `RandomState` seed.
    pub seed: u32,
    /// Rows.
    pub n: usize,
    /// Columns.
    pub d: usize,
    /// How it is built.
    pub kind: Kind,
}

const RHO: f64 = 0.75;

impl Spec {
    /// A spec.
    pub fn new(seed: u32, n: usize, d: usize, kind: Kind) -> Spec {
        Spec { seed, n, d, kind }
    }

    /// The spec from its JSON form (as the fixture stores it).
    pub fn from_json(value: &Value) -> Spec {
        let int = |k: &str| {
            value[k]
                .as_u64()
                .unwrap_or_else(|| panic!("{k} in {value}"))
        };
        let float = |k: &str| {
            value[k]
                .as_f64()
                .unwrap_or_else(|| panic!("{k} in {value}"))
        };
        let kind = match value["kind"].as_str().expect("kind") {
            "uniform" => Kind::Uniform,
            "correlated" => Kind::Correlated,
            "shifted" => Kind::Shifted {
                offset: float("offset"),
                scale: float("scale"),
            },
            "rank_deficient" => Kind::RankDeficient {
                rank: int("rank") as usize,
            },
            "logits" => Kind::Logits,
            other => panic!("unknown kind {other}"),
        };
        Spec::new(
            int("seed") as u32,
            int("n") as usize,
            int("d") as usize,
            kind,
        )
    }

    /// The JSON form that `gen_features.py` reads.
    pub fn to_json(&self) -> Value {
        let mut v = json!({"seed": self.seed, "n": self.n, "d": self.d});
        let extra = match &self.kind {
            Kind::Uniform => json!({"kind": "uniform"}),
            Kind::Correlated => json!({"kind": "correlated"}),
            Kind::Shifted { offset, scale } => {
                json!({"kind": "shifted", "offset": offset, "scale": scale})
            }
            Kind::RankDeficient { rank } => json!({"kind": "rank_deficient", "rank": rank}),
            Kind::Logits => json!({"kind": "logits"}),
        };
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    }

    /// The row-major values.
    pub fn values(&self) -> Vec<f64> {
        let mut rs = RandomState::new(self.seed);
        let (n, d) = (self.n, self.d);
        match self.kind {
            Kind::Uniform => rs.random_samples(n * d).iter().map(|u| u - 0.5).collect(),
            Kind::Correlated => correlated(rs.random_samples(n * d), d),
            Kind::Shifted { offset, scale } => correlated(rs.random_samples(n * d), d)
                .iter()
                .map(|x| x * scale + offset)
                .collect(),
            Kind::RankDeficient { rank } => rank_deficient(&mut rs, n, d, rank),
            Kind::Logits => logits(&mut rs, n, d),
        }
    }

    /// The matrix.
    pub fn features(&self) -> Features {
        Features::new(self.values(), self.d).expect("finite generated features")
    }
}

fn correlated(u: Vec<f64>, d: usize) -> Vec<f64> {
    let mut x: Vec<f64> = u.iter().map(|u| u - 0.5).collect();
    for row in x.chunks_mut(d) {
        for j in 1..d {
            row[j] += RHO * row[j - 1];
        }
    }
    x
}

fn rank_deficient(rs: &mut RandomState, n: usize, d: usize, rank: usize) -> Vec<f64> {
    let u = rs.random_samples(n * rank);
    let mut x = Vec::with_capacity(n * d);
    for row in u.chunks(rank) {
        for j in 0..d {
            let scale = 1.0 + 0.5 * (j / rank) as f64;
            x.push((row[j % rank] - 0.5) * scale);
        }
    }
    x
}

fn logits(rs: &mut RandomState, n: usize, d: usize) -> Vec<f64> {
    let mut x: Vec<f64> = rs
        .random_samples(n * d)
        .iter()
        .map(|u| (u - 0.5) * 6.0)
        .collect();
    let s = rs.random_samples(n);
    let b = rs.random_samples(n);
    for i in 0..n {
        let class = ((s[i] * s[i] * d as f64).floor() as usize).min(d - 1);
        x[i * d + class] += 4.0 + 8.0 * b[i];
    }
    x
}
