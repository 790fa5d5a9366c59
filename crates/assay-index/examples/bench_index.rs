//! Benchmark of assay-index on random data: exact search (single and
//! batched queries), IVF build, latency and recall@10 against exact
//! search, on Gaussian and on clustered (Gaussian-mixture) vectors.
//!
//! `cargo run --release -p assay-index --example bench_index -- --n 1000000 --d 512`

use std::time::Instant;

use assay_index::{ExactIndex, Hit, IvfConfig, IvfIndex, Metric, SearchOptions};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

struct Args {
    n: usize,
    d: usize,
    queries: usize,
    batch: usize,
    k: usize,
    skip_ivf: bool,
}

fn parse_args() -> Args {
    let mut a = Args {
        n: 1_000_000,
        d: 512,
        queries: 100,
        batch: 16,
        k: 10,
        skip_ivf: false,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        let val = |i: usize| argv.get(i + 1).and_then(|v| v.parse::<usize>().ok());
        match argv[i].as_str() {
            "--n" => a.n = val(i).unwrap_or(a.n),
            "--d" => a.d = val(i).unwrap_or(a.d),
            "--queries" => a.queries = val(i).unwrap_or(a.queries),
            "--batch" => a.batch = val(i).unwrap_or(a.batch),
            "--k" => a.k = val(i).unwrap_or(a.k),
            "--skip-ivf" => {
                a.skip_ivf = true;
                i -= 1;
            }
            other => eprintln!("ignoring argument {other}"),
        }
        i += 2;
    }
    a
}

/// Standard normal values (Box–Muller), reproducible per block.
fn gaussian(n: usize, seed: u64) -> Vec<f32> {
    let mut v = vec![0f32; n];
    v.par_chunks_mut(1 << 16)
        .enumerate()
        .for_each(|(b, chunk)| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ ((b as u64 + 1) << 20));
            for pair in chunk.chunks_mut(2) {
                let u1: f64 = rng.random_range(f64::EPSILON..1.0);
                let u2: f64 = rng.random();
                let r = (-2.0 * u1.ln()).sqrt();
                let t = std::f64::consts::TAU * u2;
                pair[0] = (r * t.cos()) as f32;
                if pair.len() > 1 {
                    pair[1] = (r * t.sin()) as f32;
                }
            }
        });
    v
}

/// Gaussian-mixture rows: `centres` random centres plus noise of
/// standard deviation `sigma` per coordinate.
fn clustered(n: usize, d: usize, centres: usize, sigma: f32, seed: u64) -> Vec<f32> {
    let c = gaussian(centres * d, seed ^ 0xC0FFEE);
    let mut v = gaussian(n * d, seed);
    v.par_chunks_mut(d).enumerate().for_each(|(i, row)| {
        let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_mul(31) ^ i as u64);
        let k = rng.random_range(0..centres);
        for (x, m) in row.iter_mut().zip(&c[k * d..(k + 1) * d]) {
            *x = m + sigma * *x;
        }
    });
    v
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS"))
                .map(|l| l.to_string())
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Exact search timings; returns the exact top-k of every query.
fn bench_exact(index: &ExactIndex, queries: &[f32], a: &Args) -> Vec<Vec<Hit>> {
    let opts = SearchOptions::default();
    let t = Instant::now();
    let single: Vec<Vec<Hit>> = queries
        .chunks(a.d)
        .map(|q| index.search(q, a.k, &opts).expect("search"))
        .collect();
    let per = ms(t) / a.queries as f64;
    let t = Instant::now();
    let mut batched = Vec::new();
    for b in queries.chunks(a.d * a.batch) {
        batched.extend(index.search_batch(b, a.k, &opts).expect("batch"));
    }
    let per_b = ms(t) / a.queries as f64;
    assert_eq!(single, batched, "batched and single results differ");
    println!(
        "  exact: {per:.1} ms/query single, {per_b:.1} ms/query in batches of {}",
        a.batch
    );
    single
}

fn recall(got: &[Vec<Hit>], truth: &[Vec<Hit>]) -> f64 {
    let (mut found, mut total) = (0usize, 0usize);
    for (g, t) in got.iter().zip(truth) {
        total += t.len();
        found += t.iter().filter(|h| g.iter().any(|x| x.id == h.id)).count();
    }
    found as f64 / total.max(1) as f64
}

/// IVF build, latency and recall against the exact results.
fn bench_ivf(data: Vec<f32>, queries: &[f32], truth: &[Vec<Hit>], a: &Args) {
    let t = Instant::now();
    let ivf = IvfIndex::build(Metric::Cosine, a.d, data, &IvfConfig::default()).expect("ivf");
    let build = ms(t) / 1e3;
    let tune = ivf.tuning().expect("tuned");
    println!(
        "  ivf build {build:.1} s: nlist {}, tuned nprobe {} ({:.1}% of lists; sample recall {:.3} on {} rows), index {:.0} MB, process RSS {:.0} MB",
        ivf.nlist(),
        ivf.nprobe(),
        100.0 * ivf.nprobe() as f64 / ivf.nlist() as f64,
        tune.recall,
        tune.queries,
        ivf.memory_bytes() as f64 / 1e6,
        rss_mb()
    );
    let opts = SearchOptions::default();
    let tuned = ivf.nprobe();
    let mut probes = vec![tuned];
    for p in [tuned / 4, tuned / 2, ivf.nlist() / 10] {
        if p >= 1 && !probes.contains(&p) {
            probes.push(p);
        }
    }
    for p in probes {
        let t = Instant::now();
        let got: Vec<Vec<Hit>> = queries
            .chunks(a.d)
            .map(|q| ivf.search_with(q, a.k, p, &opts).expect("ivf search"))
            .collect();
        let per = ms(t) / a.queries as f64;
        println!(
            "  ivf nprobe {p:5}: {per:6.1} ms/query, recall@{} {:.4}",
            a.k,
            recall(&got, truth)
        );
    }
}

fn run_set(name: &str, data: Vec<f32>, queries: Vec<f32>, a: &Args) {
    println!(
        "{name}: n={} d={} queries={} k={}",
        a.n, a.d, a.queries, a.k
    );
    let t = Instant::now();
    let index = ExactIndex::new(Metric::Cosine, a.d, data.clone()).expect("build");
    println!(
        "  exact build {:.1} s, index {:.0} MB, process RSS {:.0} MB",
        ms(t) / 1e3,
        index.memory_bytes() as f64 / 1e6,
        rss_mb()
    );
    let truth = bench_exact(&index, &queries, a);
    drop(index);
    if !a.skip_ivf {
        bench_ivf(data, &queries, &truth, a);
    }
}

fn main() {
    let a = parse_args();
    println!("threads: {}", rayon::current_num_threads());
    let t = Instant::now();
    let mut data = gaussian((a.n + a.queries) * a.d, 1);
    let queries = data.split_off(a.n * a.d);
    println!("generated Gaussian data in {:.1} s", ms(t) / 1e3);
    run_set("Gaussian", data, queries, &a);
    let t = Instant::now();
    // Queries come from the same mixture (same centres) as the rows.
    let mut data = clustered(a.n + a.queries, a.d, 1000, 1.0, 3);
    let queries = data.split_off(a.n * a.d);
    println!("generated clustered data in {:.1} s", ms(t) / 1e3);
    run_set("clustered", data, queries, &a);
}
