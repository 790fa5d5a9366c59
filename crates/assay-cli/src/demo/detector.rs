//! A simulated detector with the failure modes of real ones: it misses
//! small objects and objects in dark or blurred images, confuses circles with
//! ellipses, fires twice on some objects and sometimes on the background.
//! Like a trained detector it is confident on what it sees clearly: clear
//! objects of the right class mostly score above 0.95.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::problems::Exposure;
use super::scene::{bounds, Scene, CLASSES};

/// One detection: class index, `[x, y, w, h]` box and score.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// Index into [`CLASSES`].
    pub class: usize,
    /// Box in pixels.
    pub bbox: [f64; 4],
    /// Confidence in (0, 1).
    pub score: f64,
}

/// How well the detector sees an image shown with `exposure`, or with the
/// milder planted shift (`shifted`), from 0 to 1.
pub fn visibility(exposure: Option<Exposure>, shifted: bool) -> f64 {
    match exposure {
        Some(Exposure::Dark) => 0.35,
        Some(Exposure::Light) => 0.6,
        Some(Exposure::Blurry) => 0.7,
        None if shifted => 0.85,
        None => 1.0,
    }
}

/// Runs the simulated detector on a scene seen with `visibility`.
pub fn detect(scene: &Scene, visibility: f64, rng: &mut ChaCha8Rng) -> Vec<Detection> {
    let mut out = Vec::new();
    for o in &scene.objects {
        let [x1, y1, x2, y2] = bounds(&o.polygon);
        let size = ((x2 - x1) * (y2 - y1)).sqrt();
        let p_found = visibility * 0.97 / (1.0 + (-(size - 16.0) / 4.0).exp());
        if rng.random::<f64>() >= p_found {
            continue;
        }
        let class = confuse(o.class, rng);
        let score = confidence(p_found / 0.97, class == o.class, rng);
        let bbox = jitter([x1, y1, x2 - x1, y2 - y1], 0.05 * size, scene, rng);
        if rng.random::<f64>() < 0.05 {
            let twin = jitter(bbox, 0.12 * size, scene, rng);
            out.push(Detection {
                class,
                bbox: twin,
                score: score * 0.6,
            });
        }
        out.push(Detection { class, bbox, score });
    }
    for _ in 0..rng.random_range(0..=2) {
        out.push(background_detection(scene, rng));
    }
    out
}

/// The score of a detection of an object seen with `clarity` in (0, 1)
/// (its size and the image's exposure), as a trained detector gives it: the
/// logistic of a margin that grows with clarity, plus noise. A clear object
/// of the right class typically scores about 0.98 (most above 0.95, as real
/// detectors score easy objects); small or dark ones score far lower, and a
/// wrong class scores lower still (about 0.8 when clear).
fn confidence(clarity: f64, right_class: bool, rng: &mut ChaCha8Rng) -> f64 {
    let noise = 2.0 * (rng.random::<f64>() + rng.random::<f64>() + rng.random::<f64>() - 1.5);
    let margin = if right_class {
        7.0 * clarity - 3.0
    } else {
        4.0 * clarity - 2.5
    };
    1.0 / (1.0 + (-(margin + noise)).exp())
}

/// Circles and ellipses are confused a quarter of the time; other classes rarely.
fn confuse(class: usize, rng: &mut ChaCha8Rng) -> usize {
    let u: f64 = rng.random();
    match CLASSES[class] {
        "circle" if u < 0.25 => 1,
        "ellipse" if u < 0.25 => 0,
        _ if u < 0.03 => rng.random_range(0..CLASSES.len()),
        _ => class,
    }
}

fn jitter(b: [f64; 4], sigma: f64, scene: &Scene, rng: &mut ChaCha8Rng) -> [f64; 4] {
    let mut d = || sigma * (rng.random::<f64>() + rng.random::<f64>() + rng.random::<f64>() - 1.5);
    let x1 = (b[0] + d()).clamp(0.0, f64::from(scene.width) - 1.0);
    let y1 = (b[1] + d()).clamp(0.0, f64::from(scene.height) - 1.0);
    let x2 = (b[0] + b[2] + d()).clamp(x1 + 1.0, f64::from(scene.width));
    let y2 = (b[1] + b[3] + d()).clamp(y1 + 1.0, f64::from(scene.height));
    [x1, y1, x2 - x1, y2 - y1]
}

fn background_detection(scene: &Scene, rng: &mut ChaCha8Rng) -> Detection {
    let w = rng.random_range(8.0..60.0);
    let h = rng.random_range(8.0..60.0);
    let x = rng.random_range(0.0..f64::from(scene.width) - w);
    let y = rng.random_range(0.0..f64::from(scene.height) - h);
    Detection {
        class: rng.random_range(0..CLASSES.len()),
        bbox: [x, y, w, h],
        score: rng.random_range(0.05..0.45),
    }
}
