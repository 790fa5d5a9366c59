//! Image-embedding throughput of an extractor on a folder of images:
//! decode + preprocess + forward pass, in batches, on all the threads rayon
//! is given (`RAYON_NUM_THREADS`). Used by `bench/embed/bench_clip.py`.
//!
//! ```text
//! cargo run --release -p assay-embed --example bench_images -- MODEL IMAGES_DIR [BATCH] [LIMIT]
//! ```

use std::path::PathBuf;
use std::time::Instant;

use assay_embed::Extractor;
use assay_image::decode::decode;
use rayon::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model, images, rest @ ..] = args.as_slice() else {
        return Err("usage: bench_images MODEL IMAGES_DIR [BATCH] [LIMIT]".into());
    };
    let batch: usize = rest.first().map_or(Ok(16), |b| b.parse())?;
    let limit: usize = rest.get(1).map_or(Ok(usize::MAX), |l| l.parse())?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(images)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("jpg") || e.eq_ignore_ascii_case("png"))
        })
        .collect();
    files.sort();
    files.truncate(limit);
    let extractor = Extractor::open(model)?;
    // Warm-up: one batch, not timed.
    let warm: Vec<_> = files
        .iter()
        .take(batch)
        .map(|f| decode(&std::fs::read(f).unwrap()).unwrap().1)
        .collect();
    extractor.embed_images(&warm)?;

    let started = Instant::now();
    let mut forward = 0.0;
    for chunk in files.chunks(batch) {
        let pixels: Vec<_> = chunk
            .par_iter()
            .map(|f| {
                decode(&std::fs::read(f).expect("readable"))
                    .expect("decodable")
                    .1
            })
            .collect();
        let t = Instant::now();
        extractor.embed_images(&pixels)?;
        forward += t.elapsed().as_secs_f64();
    }
    let total = started.elapsed().as_secs_f64();
    println!(
        "{{\"images\": {}, \"batch\": {batch}, \"threads\": {}, \"seconds\": {total:.3}, \"images_per_second\": {:.2}, \"embed_seconds\": {forward:.3}}}",
        files.len(),
        rayon::current_num_threads(),
        files.len() as f64 / total
    );
    Ok(())
}
