//! Turning decoded images into model inputs the way each reference
//! preprocesses them: Hugging Face's PIL image processors for CLIP
//! (`CLIPImageProcessorPil`, the arithmetic of OpenAI's own preprocessing)
//! and DINOv2 (`BitImageProcessorPil`): resize the shortest edge with PIL's
//! bicubic filter, crop the centre, scale to [0, 1], normalise per channel.

use assay_image::decode::{ColorMode, Pixels};
use assay_image::resample::{resize, Filter};

use crate::error::{EmbedError, Result};

/// OpenAI CLIP's channel means.
pub const CLIP_MEAN: [f32; 3] = [0.481_454_66, 0.457_827_5, 0.408_210_73];
/// OpenAI CLIP's channel standard deviations.
pub const CLIP_STD: [f32; 3] = [0.268_629_55, 0.261_302_6, 0.275_777_1];
/// ImageNet's channel means (DINOv2).
pub const IMAGENET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
/// ImageNet's channel standard deviations (DINOv2).
pub const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];

/// Resize-crop-normalise preprocessing.
#[derive(Debug, Clone, PartialEq)]
pub struct ImagePreprocess {
    /// The shortest edge after resizing (the other keeps the aspect ratio,
    /// rounded down as `transformers` does).
    pub shortest_edge: usize,
    /// The side of the centre crop (square).
    pub crop: usize,
    /// Per-channel mean subtracted after scaling to [0, 1].
    pub mean: [f32; 3],
    /// Per-channel standard deviation divided by.
    pub std: [f32; 3],
}

impl ImagePreprocess {
    /// CLIP's: shortest edge and crop both `image_size` (224 for ViT-B/32).
    pub fn clip(image_size: usize) -> Self {
        ImagePreprocess {
            shortest_edge: image_size,
            crop: image_size,
            mean: CLIP_MEAN,
            std: CLIP_STD,
        }
    }

    /// DINOv2's: shortest edge 256 and crop 224 for the trained size 224,
    /// in the same proportion for other sizes.
    pub fn dinov2(image_size: usize) -> Self {
        ImagePreprocess {
            shortest_edge: (image_size * 256).div_ceil(224),
            crop: image_size,
            mean: IMAGENET_MEAN,
            std: IMAGENET_STD,
        }
    }

    /// This preprocessing with the values a `preprocessor_config.json`
    /// gives (`size` as `shortest_edge`, `height`/`width` or a number;
    /// `crop_size`; `image_mean`; `image_std`); missing ones keep their
    /// value here.
    pub fn with_hf_config(mut self, json: &serde_json::Value) -> std::result::Result<Self, String> {
        if let Some(size) = json.get("size") {
            self.shortest_edge = side(size, "shortest_edge")
                .ok_or_else(|| format!("unsupported \"size\": {size}"))?;
        }
        if let Some(crop) = json.get("crop_size") {
            self.crop =
                side(crop, "height").ok_or_else(|| format!("unsupported \"crop_size\": {crop}"))?;
        }
        for (key, target) in [("image_mean", &mut self.mean), ("image_std", &mut self.std)] {
            if let Some(values) = json.get(key) {
                *target = triple(values).ok_or_else(|| {
                    format!("expected three numbers at \"{key}\", found {values}")
                })?;
            }
        }
        if self.crop == 0 || self.shortest_edge == 0 || self.std.contains(&0.0) {
            return Err("zero size, crop or standard deviation".into());
        }
        Ok(self)
    }

    /// The model input for one image: `3 x crop x crop` values, channel
    /// planes one after the other.
    pub fn apply(&self, pixels: &Pixels) -> Result<Vec<f32>> {
        if pixels.is_empty() {
            return Err(EmbedError::Input("the image has no pixels".into()));
        }
        let rgb = to_rgb(pixels);
        let (width, height) = self.resized_size(pixels.width, pixels.height);
        let resized = resize(
            &rgb,
            (pixels.width, pixels.height),
            3,
            (width, height),
            Filter::Bicubic,
        );
        let top = (height - self.crop) / 2;
        let left = (width - self.crop) / 2;
        let mut out = vec![0f32; 3 * self.crop * self.crop];
        for (c, plane) in out.chunks_exact_mut(self.crop * self.crop).enumerate() {
            for y in 0..self.crop {
                let row = &resized[((top + y) * width + left) * 3..];
                for x in 0..self.crop {
                    let scaled = (f64::from(row[x * 3 + c]) * (1.0 / 255.0)) as f32;
                    plane[y * self.crop + x] = (scaled - self.mean[c]) / self.std[c];
                }
            }
        }
        Ok(out)
    }

    /// `transformers`' `get_resize_output_image_size` with
    /// `default_to_square=False`, never smaller than the crop.
    fn resized_size(&self, width: usize, height: usize) -> (usize, usize) {
        let target = self.shortest_edge.max(self.crop);
        let (short, long) = if width <= height {
            (width, height)
        } else {
            (height, width)
        };
        let new_long = ((target as f64 * long as f64 / short as f64) as usize).max(target);
        if width <= height {
            (target, new_long)
        } else {
            (new_long, target)
        }
    }
}

/// A side from a size entry: a number, or `key` (else `shortest_edge`,
/// else `height`) of an object.
fn side(value: &serde_json::Value, key: &str) -> Option<usize> {
    if let Some(n) = value.as_u64() {
        return Some(n as usize);
    }
    [key, "shortest_edge", "height"]
        .iter()
        .find_map(|k| value.get(*k).and_then(serde_json::Value::as_u64))
        .map(|n| n as usize)
}

fn triple(value: &serde_json::Value) -> Option<[f32; 3]> {
    let list = value.as_array()?;
    match list.as_slice() {
        [a, b, c] => Some([a.as_f64()? as f32, b.as_f64()? as f32, c.as_f64()? as f32]),
        _ => None,
    }
}

/// The image as 8-bit RGB, converted as PIL's `convert("RGB")` does:
/// grey replicated to three channels, alpha dropped.
pub fn to_rgb(pixels: &Pixels) -> Vec<u8> {
    let channels = pixels.mode.channels();
    match pixels.mode {
        ColorMode::Rgb => pixels.data.clone(),
        ColorMode::Rgba => pixels
            .data
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect(),
        ColorMode::L | ColorMode::La => pixels
            .data
            .chunks_exact(channels)
            .flat_map(|p| [p[0], p[0], p[0]])
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(width: usize, height: usize, mode: ColorMode) -> Pixels {
        let data = (0..width * height * mode.channels())
            .map(|i| (i * 7 % 256) as u8)
            .collect();
        Pixels {
            width,
            height,
            mode,
            data,
        }
    }

    #[test]
    fn shortest_edge_follows_transformers_rounding() {
        let p = ImagePreprocess::clip(224);
        assert_eq!(p.resized_size(640, 480), (298, 224));
        assert_eq!(p.resized_size(480, 640), (224, 298));
        assert_eq!(p.resized_size(224, 224), (224, 224));
        assert_eq!(ImagePreprocess::dinov2(224).shortest_edge, 256);
    }

    #[test]
    fn a_preprocessor_config_overrides_the_defaults() {
        let json = serde_json::json!({"size": {"shortest_edge": 256}, "crop_size": {"height": 224, "width": 224},
                                      "image_mean": [0.5, 0.5, 0.5]});
        let p = ImagePreprocess::clip(518).with_hf_config(&json).unwrap();
        assert_eq!(
            (p.shortest_edge, p.crop, p.mean, p.std),
            (256, 224, [0.5; 3], CLIP_STD)
        );
        let bad = serde_json::json!({"image_std": [1.0, 2.0]});
        assert!(ImagePreprocess::clip(224).with_hf_config(&bad).is_err());
    }

    #[test]
    fn every_mode_gives_a_full_input() {
        let p = ImagePreprocess::clip(16);
        for mode in [ColorMode::L, ColorMode::La, ColorMode::Rgb, ColorMode::Rgba] {
            assert_eq!(p.apply(&image(20, 33, mode)).unwrap().len(), 3 * 16 * 16);
        }
        assert!(p.apply(&image(0, 0, ColorMode::Rgb)).is_err());
    }

    #[test]
    fn grey_becomes_three_equal_channels() {
        let rgb = to_rgb(&image(2, 1, ColorMode::La));
        assert_eq!(rgb, vec![0, 0, 0, 14, 14, 14]);
    }
}
