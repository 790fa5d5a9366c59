//! Issue types on measured synthetic images.

use super::*;
use crate::image_metrics::tests::{encode_jpeg, encode_png};
use crate::image_metrics::{measure_bytes, ImageMetrics};
use image::ExtendedColorType;

/// A smooth colour texture that differs with `seed`.
fn texture(w: u32, h: u32, seed: f64) -> Vec<u8> {
    (0..h)
        .flat_map(|y| {
            (0..w).flat_map(move |x| {
                let (fx, fy) = (f64::from(x) / f64::from(w), f64::from(y) / f64::from(h));
                let v = |k: f64| {
                    let s = (fx * (3.0 + seed) * k + seed).sin() * (fy * (2.0 + k) * seed).cos();
                    (127.5 + 120.0 * s) as u8
                };
                [v(1.0), v(1.7), v(2.3)]
            })
        })
        .collect()
}

fn rgb_png(w: u32, h: u32, data: &[u8]) -> ImageMetrics {
    measure_bytes(&encode_png(w, h, ExtendedColorType::Rgb8, data)).unwrap()
}

fn flat(w: u32, h: u32, v: u8) -> ImageMetrics {
    rgb_png(w, h, &vec![v; (w * h * 3) as usize])
}

fn run(images: &[ImageMetrics], config: &IssueConfig) -> IssueReport {
    let measured: Vec<Measured<'_>> = images.iter().map(Ok).collect();
    find_issues(&measured, config)
}

fn flagged(report: &IssueReport, t: IssueType) -> Vec<usize> {
    let mut v: Vec<usize> = report
        .get(t)
        .unwrap()
        .flagged
        .iter()
        .map(|f| f.image)
        .collect();
    v.sort_unstable();
    v
}

#[test]
fn dark_light_and_low_information() {
    let images = [
        flat(32, 32, 0),
        flat(32, 32, 255),
        rgb_png(64, 48, &texture(64, 48, 1.0)),
    ];
    let report = run(&images, &IssueConfig::default());
    assert_eq!(flagged(&report, IssueType::Dark), vec![0]);
    assert_eq!(flagged(&report, IssueType::Light), vec![1]);
    assert_eq!(flagged(&report, IssueType::LowInformation), vec![0, 1]);
    let dark = report.get(IssueType::Dark).unwrap();
    assert_eq!(dark.scores[0], Some(0.0));
    assert!(dark
        .scores
        .iter()
        .flatten()
        .all(|s| (0.0..=1.0).contains(s)));
}

#[test]
fn odd_aspect_ratio_and_grayscale_rules() {
    let grey_l = measure_bytes(&encode_png(20, 20, ExtendedColorType::L8, &[9; 400])).unwrap();
    let grey_rgb = flat(20, 20, 9);
    let long = flat(100, 10, 120);
    let images = [grey_l, grey_rgb, long];
    let report = run(&images, &IssueConfig::default());
    assert_eq!(flagged(&report, IssueType::OddAspectRatio), vec![2]);
    assert_eq!(flagged(&report, IssueType::Grayscale), vec![0]);
    let by_pixels = IssueConfig {
        grayscale_rule: GrayscaleRule::Pixels,
        ..IssueConfig::default()
    };
    assert_eq!(
        flagged(&run(&images, &by_pixels), IssueType::Grayscale),
        vec![0, 1, 2]
    );
}

#[test]
fn blurry_flags_the_smooth_copy() {
    let (w, h) = (128u32, 128u32);
    let board: Vec<u8> = (0..h)
        .flat_map(|y| {
            (0..w).flat_map(move |x| [if (x / 4 + y / 4) % 2 == 0 { 40 } else { 220 }; 3])
        })
        .collect();
    // A smooth bump, dark at the border: few edges, values spread widely.
    let bump: Vec<u8> = (0..h)
        .flat_map(|y| {
            (0..w).flat_map(move |x| {
                let s =
                    |v: u32, n: u32| (std::f64::consts::PI * f64::from(v) / f64::from(n - 1)).sin();
                [(255.0 * s(x, w) * s(y, h)) as u8; 3]
            })
        })
        .collect();
    let images = [rgb_png(w, h, &board), rgb_png(w, h, &bump)];
    let report = run(&images, &IssueConfig::default());
    assert_eq!(flagged(&report, IssueType::Blurry), vec![1]);
}

#[test]
fn exact_and_near_duplicate_groups() {
    let (w, h) = (160u32, 120u32);
    let a = texture(w, h, 1.0);
    let b = texture(w, h, 4.0);
    let png_a = encode_png(w, h, ExtendedColorType::Rgb8, &a);
    let mut png_a_again = png_a.clone();
    png_a_again.push(0);
    let jpeg_a = encode_jpeg(w, h, &a, 80);
    let small_a = assay_image::resample::resize(
        &a,
        (w as usize, h as usize),
        3,
        (120, 90),
        assay_image::resample::Filter::Bicubic,
    );
    let images: Vec<ImageMetrics> = [
        png_a,
        png_a_again,
        jpeg_a,
        encode_png(120, 90, ExtendedColorType::Rgb8, &small_a),
        encode_png(w, h, ExtendedColorType::Rgb8, &b),
    ]
    .iter()
    .map(|bytes| measure_bytes(bytes).unwrap())
    .collect();
    let report = run(
        &images,
        &IssueConfig {
            near_radius: 8,
            ..IssueConfig::default()
        },
    );
    let exact = report.get(IssueType::ExactDuplicates).unwrap();
    assert_eq!(exact.groups, vec![vec![0, 1]]);
    assert_eq!(exact.scores[0], Some(0.5));
    assert_eq!(exact.scores[4], Some(1.0));
    let near = report.get(IssueType::NearDuplicates).unwrap();
    assert_eq!(
        near.groups,
        vec![vec![0, 1, 2, 3]],
        "distances to 0: {:?}",
        distances(&images)
    );
    assert_eq!(near.scores[3], Some(0.25));
    assert!(!near.is_flagged(4));
}

fn distances(images: &[ImageMetrics]) -> Vec<u32> {
    images
        .iter()
        .map(|m| m.phash.distance(images[0].phash))
        .collect()
}

#[test]
fn near_groups_equal_to_exact_groups_are_dropped() {
    let a = texture(64, 64, 2.0);
    let png = encode_png(64, 64, ExtendedColorType::Rgb8, &a);
    let mut again = png.clone();
    again.push(1);
    let images = [measure_bytes(&png).unwrap(), measure_bytes(&again).unwrap()];
    let report = run(&images, &IssueConfig::default());
    assert_eq!(
        report.get(IssueType::ExactDuplicates).unwrap().groups.len(),
        1
    );
    assert!(report
        .get(IssueType::NearDuplicates)
        .unwrap()
        .groups
        .is_empty());
}

#[test]
fn odd_size_is_relative_to_the_dataset() {
    let mut images: Vec<ImageMetrics> = (0..9).map(|i| flat(60 + i, 60, 100)).collect();
    images.push(flat(600, 600, 100));
    let report = run(&images, &IssueConfig::default());
    let odd = report.get(IssueType::OddSize).unwrap();
    assert_eq!(odd.threshold, 0.5);
    assert_eq!(flagged(&report, IssueType::OddSize), vec![9]);
    // All equal sizes: CleanVision's threshold becomes 1 and nothing is odd.
    let same: Vec<ImageMetrics> = (0..4).map(|_| flat(50, 50, 10)).collect();
    let report = run(&same, &IssueConfig::default());
    assert_eq!(report.get(IssueType::OddSize).unwrap().threshold, 1.0);
    assert!(flagged(&report, IssueType::OddSize).is_empty());
}

#[test]
fn unusual_size_compares_the_longer_side_with_the_median() {
    // Longer sides 100..=108, a 24 px thumbnail, a 500 px image and a
    // 20x400 strip (its longer side is typical: shape is not size).
    let mut images: Vec<ImageMetrics> = (0..9).map(|i| flat(100 + i, 60, 100)).collect();
    images.push(flat(24, 18, 100));
    images.push(flat(500, 300, 100));
    images.push(flat(20, 104, 100));
    let report = run(&images, &IssueConfig::default());
    assert_eq!(flagged(&report, IssueType::UnusualSize), vec![9, 10]);
    let result = report.get(IssueType::UnusualSize).unwrap();
    // Median longer side 104 (an even count: the mean of the middle two,
    // 104 and 104).
    assert!((result.scores[9].unwrap() - 24.0 / 104.0).abs() < 1e-12);
    assert!((result.scores[10].unwrap() - 104.0 / 500.0).abs() < 1e-12);
    // Two images are no dataset to be typical of.
    let report = run(&images[9..11], &IssueConfig::default());
    assert!(report
        .get(IssueType::UnusualSize)
        .unwrap()
        .scores
        .iter()
        .all(Option::is_none));
}

#[test]
fn low_contrast_is_judged_against_the_room_the_exposure_leaves() {
    let scaled = |k: f64| -> ImageMetrics {
        let px: Vec<u8> = texture(64, 64, 2.0)
            .iter()
            .map(|&v| (127.5 + (f64::from(v) - 127.5) * k).round() as u8)
            .collect();
        rgb_png(64, 64, &px)
    };
    let images = [
        scaled(1.0),
        // Faded to 3% of its contrast around mid-grey.
        scaled(0.03),
        // Washed out, as the demo injects it: squeezed next to white.
        rgb_png(
            64,
            64,
            &texture(64, 64, 2.0)
                .iter()
                .map(|&v| 255 - ((255.0 - f64::from(v)) * 0.12) as u8)
                .collect::<Vec<u8>>(),
        ),
        // Flat.
        flat(64, 64, 90),
    ];
    let report = run(&images, &IssueConfig::default());
    assert_eq!(flagged(&report, IssueType::LowContrast), vec![1, 3]);
    let m = &images[1];
    let room = m.grey_mean.min(1.0 - m.grey_mean).max(0.1);
    assert_eq!(
        low_contrast_score(m),
        (m.contrast / room / 0.1).clamp(0.0, 1.0)
    );
}

#[test]
fn outlier_names_its_metric() {
    let mut images: Vec<ImageMetrics> = (0..10)
        .map(|i| rgb_png(48, 48, &texture(48, 48, 1.0 + f64::from(i) * 0.37)))
        .collect();
    images.push(flat(48, 48, 250));
    let report = run(&images, &IssueConfig::default());
    let out = report.get(IssueType::Outlier).unwrap();
    assert_eq!(out.flagged.len(), 1, "{:?}", out.flagged);
    assert_eq!(out.flagged[0].image, 10);
    assert!(out.flagged[0].detail.is_some());
}

#[test]
fn unreadable_images_are_flagged_and_skipped_elsewhere() {
    let good = flat(10, 10, 3);
    let measured: Vec<Measured<'_>> = vec![Ok(&good), Err("the file is empty")];
    let report = find_issues(&measured, &IssueConfig::default());
    let unreadable = report.get(IssueType::Unreadable).unwrap();
    assert_eq!(unreadable.flagged.len(), 1);
    assert_eq!(
        unreadable.flagged[0].detail.as_deref(),
        Some("the file is empty")
    );
    assert_eq!(report.get(IssueType::Dark).unwrap().scores[1], None);
}

#[test]
fn issue_names_parse() {
    for t in IssueType::ALL {
        assert_eq!(t.name().parse::<IssueType>().unwrap(), t);
        assert!(!t.explanation().is_empty());
    }
    assert_eq!(
        "near-duplicates".parse::<IssueType>().unwrap(),
        IssueType::NearDuplicates
    );
    assert!("fuzzy".parse::<IssueType>().is_err());
}

#[test]
fn monochrome_flags_grey_pixels_not_washed_out_colour() {
    let (w, h) = (64u32, 64u32);
    let colour = texture(w, h, 1.3);
    let grey: Vec<u8> = colour.chunks_exact(3).flat_map(|p| [p[0]; 3]).collect();
    // Washed out: 255 - (255 - v) * 0.03 squeezes colours under a few levels.
    let washed: Vec<u8> = colour
        .iter()
        .map(|&v| 255 - ((255.0 - f64::from(v)) * 0.03).round() as u8)
        .collect();
    let images = [
        rgb_png(w, h, &colour),
        rgb_png(w, h, &grey),
        rgb_png(w, h, &washed),
    ];
    assert!(
        images[2].coloured_fraction < 0.001,
        "the washed copy lost its colour spread"
    );
    let report = run(&images, &IssueConfig::default());
    assert_eq!(flagged(&report, IssueType::Monochrome), vec![1]);
}

/// A palette PNG: indices 0 to 5 over the image, the palette inverted
/// (index `i` is grey `255 - i`): dark by its indices, light by its colours.
fn inverted_palette_png(w: u32, h: u32) -> Vec<u8> {
    let indices: Vec<u8> = (0..w * h).map(|i| ((i * 7 + i / w) % 6) as u8).collect();
    let palette: Vec<u8> = (0..=255u8).flat_map(|i| [255 - i; 3]).collect();
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Indexed);
    encoder.set_palette(palette);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&indices).unwrap();
    writer.finish().unwrap();
    out
}

#[test]
fn the_cleanvision_preset_measures_palette_images_by_their_indices() {
    let palette = measure_bytes(&inverted_palette_png(64, 48)).unwrap();
    assert_eq!(palette.mode, assay_image::decode::ColorMode::Rgb);
    assert_eq!(palette.pil_mode.name(), "P");
    let images = [palette, rgb_png(64, 48, &texture(64, 48, 1.0))];
    let decoded = IssueConfig {
        issue_types: IssueType::CLEANVISION.to_vec(),
        ..IssueConfig::default()
    };
    let report = run(&images, &decoded);
    assert_eq!(flagged(&report, IssueType::Dark), Vec::<usize>::new());
    assert_eq!(flagged(&report, IssueType::Light), vec![0]);
    let preset = run(&images, &IssueConfig::cleanvision());
    assert_eq!(flagged(&preset, IssueType::Dark), vec![0]);
    assert_eq!(flagged(&preset, IssueType::Light), Vec::<usize>::new());
    assert_eq!(flagged(&preset, IssueType::Grayscale), Vec::<usize>::new());
}
