//! Synthetic scenes: shapes of five classes on textured backgrounds, with
//! their exact polygons, rendered to RGB pixels.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// The demo's classes. `circle` and `ellipse` look alike on purpose.
pub const CLASSES: [&str; 5] = ["circle", "ellipse", "square", "triangle", "star"];

/// One object of a scene.
#[derive(Debug, Clone)]
pub struct Object {
    /// Index into [`CLASSES`].
    pub class: usize,
    /// Outline `[x1, y1, x2, y2, ...]` in pixels.
    pub polygon: Vec<f64>,
    /// Fill colour.
    color: [f32; 3],
}

/// A scene: image size, background and objects in drawing order.
#[derive(Debug, Clone)]
pub struct Scene {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Objects, back to front.
    pub objects: Vec<Object>,
    background: Background,
}

#[derive(Debug, Clone)]
struct Background {
    base: [f32; 3],
    accent: [f32; 3],
    kind: u8,
    frequency: f32,
    angle: f32,
    noise: f32,
}

fn random_color(rng: &mut ChaCha8Rng) -> [f32; 3] {
    [
        rng.random_range(20.0..235.0),
        rng.random_range(20.0..235.0),
        rng.random_range(20.0..235.0),
    ]
}

/// Lays out a random scene; `crowded` scenes hold many small objects.
pub fn random_scene(rng: &mut ChaCha8Rng, crowded: bool) -> Scene {
    let sizes = [(320, 240), (288, 288), (352, 224), (256, 192)];
    let (width, height) = sizes[rng.random_range(0..sizes.len())];
    let background = Background {
        base: random_color(rng),
        accent: random_color(rng),
        kind: rng.random_range(0..3),
        frequency: rng.random_range(0.05..0.4),
        angle: rng.random_range(0.0..std::f32::consts::PI),
        noise: rng.random_range(4.0..22.0),
    };
    let count = if crowded {
        rng.random_range(12..=20)
    } else {
        rng.random_range(1..=6)
    };
    let mut objects: Vec<Object> = Vec::new();
    let mut boxes: Vec<[f64; 4]> = Vec::new();
    for _ in 0..count * 8 {
        if objects.len() == count {
            break;
        }
        let radius = if crowded {
            rng.random_range(5.0..14.0)
        } else {
            (rng.random_range(1.8f64..4.3)).exp()
        };
        let class = rng.random_range(0..CLASSES.len());
        let cx = rng.random_range(radius..f64::from(width) - radius);
        let cy = rng.random_range(radius..f64::from(height) - radius);
        let polygon = outline(
            class,
            cx,
            cy,
            radius,
            rng.random_range(0.0..std::f64::consts::TAU),
        );
        let b = bounds(&polygon);
        if boxes
            .iter()
            .any(|o| overlap(o, &b) > if crowded { 0.3 } else { 0.15 })
        {
            continue;
        }
        boxes.push(b);
        objects.push(Object {
            class,
            polygon,
            color: random_color(rng),
        });
    }
    Scene {
        width,
        height,
        objects,
        background,
    }
}

/// The outline of a shape of `class` centred on `(cx, cy)`.
fn outline(class: usize, cx: f64, cy: f64, r: f64, angle: f64) -> Vec<f64> {
    let radii: Vec<(f64, f64)> = match CLASSES[class] {
        "circle" => (0..32).map(|_| (r, r)).collect(),
        "ellipse" => (0..32).map(|_| (r, r * 0.6)).collect(),
        "square" => (0..4).map(|_| (r, r)).collect(),
        "triangle" => (0..3).map(|_| (r, r)).collect(),
        _ => (0..10)
            .map(|i| {
                if i % 2 == 0 {
                    (r, r)
                } else {
                    (r * 0.45, r * 0.45)
                }
            })
            .collect(),
    };
    let n = radii.len() as f64;
    let (sin, cos) = angle.sin_cos();
    radii
        .iter()
        .enumerate()
        .flat_map(|(i, (rx, ry))| {
            let t = std::f64::consts::TAU * i as f64 / n;
            let (x, y) = (rx * t.cos(), ry * t.sin());
            [cx + x * cos - y * sin, cy + x * sin + y * cos]
        })
        .collect()
}

/// `[x1, y1, x2, y2]` of a polygon.
pub fn bounds(p: &[f64]) -> [f64; 4] {
    let xs = p.iter().step_by(2);
    let ys = p.iter().skip(1).step_by(2);
    [
        xs.clone().copied().fold(f64::INFINITY, f64::min),
        ys.clone().copied().fold(f64::INFINITY, f64::min),
        xs.copied().fold(f64::NEG_INFINITY, f64::max),
        ys.copied().fold(f64::NEG_INFINITY, f64::max),
    ]
}

/// Intersection over union of two corner boxes.
fn overlap(a: &[f64; 4], b: &[f64; 4]) -> f64 {
    let w = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let h = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = w * h;
    let area = |r: &[f64; 4]| (r[2] - r[0]) * (r[3] - r[1]);
    inter / (area(a) + area(b) - inter)
}

/// Even-odd test of the point `(x, y)` against a polygon.
fn inside(p: &[f64], x: f64, y: f64) -> bool {
    let n = p.len() / 2;
    let mut result = false;
    let mut j = n - 1;
    for i in 0..n {
        let (xi, yi, xj, yj) = (p[2 * i], p[2 * i + 1], p[2 * j], p[2 * j + 1]);
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            result = !result;
        }
        j = i;
    }
    result
}

impl Scene {
    /// Renders the scene to interleaved RGB bytes, row-major.
    pub fn render(&self, rng: &mut ChaCha8Rng) -> Vec<u8> {
        let (w, h) = (self.width as usize, self.height as usize);
        let mut px = vec![0f32; w * h * 3];
        for y in 0..h {
            for x in 0..w {
                let c = self.background.at(x as f32, y as f32, rng);
                px[(y * w + x) * 3..][..3].copy_from_slice(&c);
            }
        }
        for o in &self.objects {
            let [x1, y1, x2, y2] = bounds(&o.polygon);
            let span = (x2 - x1).max(1.0);
            for y in (y1.floor().max(0.0) as usize)..(y2.ceil() as usize).min(h) {
                for x in (x1.floor().max(0.0) as usize)..(x2.ceil() as usize).min(w) {
                    if inside(&o.polygon, x as f64 + 0.5, y as f64 + 0.5) {
                        let shade = 0.8 + 0.35 * ((x as f64 - x1) / span) as f32;
                        let noise = rng.random_range(-6.0..6.0);
                        for c in 0..3 {
                            px[(y * w + x) * 3 + c] = o.color[c] * shade + noise;
                        }
                    }
                }
            }
        }
        px.iter().map(|v| v.clamp(0.0, 255.0) as u8).collect()
    }
}

impl Background {
    fn at(&self, x: f32, y: f32, rng: &mut ChaCha8Rng) -> [f32; 3] {
        let (s, c) = self.angle.sin_cos();
        let u = x * c + y * s;
        let t = match self.kind {
            0 => 0.5 + 0.5 * (u * self.frequency).sin(),
            1 => 0.5 + 0.25 * ((x * self.frequency * 0.7).sin() + (y * self.frequency * 1.3).cos()),
            _ => (u / 400.0).clamp(0.0, 1.0),
        };
        let noise = rng.random_range(-self.noise..self.noise);
        std::array::from_fn(|i| self.base[i] * (1.0 - t) + self.accent[i] * t + noise)
    }
}
