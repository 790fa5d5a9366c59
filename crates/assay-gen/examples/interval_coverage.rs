//! Measures how often the distribution metrics' 95% intervals cover the
//! metric's mean at the sample size, on Gaussian features, beside the
//! bootstrap they replaced: `cargo run --release -p assay-gen --example
//! interval_coverage [reps] [draws]` (defaults 200 and 100).

#[path = "../tests/interval_harness/mod.rs"]
mod interval_harness;

use interval_harness::{measure, Setting, METRICS};

fn main() {
    let arg = |i: usize, default: usize| {
        std::env::args()
            .nth(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or(default)
    };
    let (reps, draws) = (arg(1, 200), arg(2, 100));
    println!("{reps} repetitions, {draws} draws per interval, 95% level");
    println!("n\tdim\tshift\tmetric\tE[θ_n]\tcoverage\tholds θ_n\twidth\tbootstrap coverage\tbootstrap holds θ_n");
    for (n, dim, shift, scale) in [(100, 4, 0.3, 1.2), (400, 16, 0.2, 1.1), (200, 8, 0.0, 1.0)] {
        let setting = Setting {
            n,
            dim,
            shift,
            scale,
            reps,
            draws,
            truth_reps: 2000,
            seed: 5,
            bootstrap: true,
        };
        for (name, metric) in METRICS {
            let c = measure(metric, &setting);
            println!(
                "{n}\t{dim}\t{shift}\t{name}\t{:.5}\t{:.3}\t{:.3}\t{:.5}\t{:.3}\t{:.3}",
                c.truth,
                c.subsampling,
                c.holds_estimate,
                c.width,
                c.bootstrap,
                c.bootstrap_holds_estimate
            );
        }
    }
}
