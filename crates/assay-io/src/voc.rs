//! Pascal VOC: one XML file per image with `<size>` and `<object>` boxes.
//!
//! Boxes are converted as `x = xmin`, `w = xmax - xmin` (likewise for y),
//! the convention of most COCO converters. Classes are numbered from 1 in
//! name order unless the caller supplies a list.

use std::collections::BTreeMap;
use std::path::Path;

use assay_core::geometry::BBox;
use assay_core::model::{Annotation, Category, Dataset, Sample};
use roxmltree::{Document, Node};

use crate::error::{malformed_xml, read_text, IoError, Result, Warnings};
use crate::images::{list_files, to_file_name};

/// A folder of VOC XML files read into a dataset.
#[derive(Debug)]
pub struct VocRead {
    /// Images in XML file order, boxes in pixels.
    pub dataset: Dataset,
    /// Usable oddities.
    pub warnings: Warnings,
}

struct VocObject {
    name: String,
    bbox: BBox,
    line: usize,
}

struct VocImage {
    file_name: String,
    size: Option<(u32, u32)>,
    objects: Vec<VocObject>,
}

/// Reads every `*.xml` under `dir`. Class names found in the files that are
/// not in `classes` (when given) are errors.
pub fn read_voc(dir: &Path, classes: Option<Vec<String>>) -> Result<VocRead> {
    let mut warnings = Warnings::default();
    let xml_files: Vec<_> = list_files(dir)?
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("xml")))
        .collect();
    if xml_files.is_empty() {
        return Err(IoError::file(
            dir,
            "expected Pascal VOC .xml files, found none",
        ));
    }
    let mut images = Vec::with_capacity(xml_files.len());
    for rel in &xml_files {
        let path = dir.join(rel);
        images.push((
            path.clone(),
            parse_voc_file(&path, &rel.with_extension("jpg"), &mut warnings)?,
        ));
    }
    let names = classes.unwrap_or_else(|| {
        let mut all: Vec<String> = images
            .iter()
            .flat_map(|(_, i)| i.objects.iter().map(|o| o.name.clone()))
            .collect();
        all.sort();
        all.dedup();
        all
    });
    let ids: BTreeMap<&str, i64> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i as i64 + 1))
        .collect();
    let mut dataset = Dataset {
        categories: names
            .iter()
            .enumerate()
            .map(|(i, n)| Category::named(i as i64 + 1, n))
            .collect(),
        ..Dataset::default()
    };
    for (i, (path, image)) in images.into_iter().enumerate() {
        let sample_id = i as i64 + 1;
        for o in image.objects {
            let Some(&category_id) = ids.get(o.name.as_str()) else {
                let msg = format!("class {:?} is not in the class list", o.name);
                return Err(IoError::at(&path, format!("line {}", o.line), msg));
            };
            let mut a =
                Annotation::new(dataset.annotations.len() as i64 + 1, sample_id, category_id);
            a.bbox = Some(o.bbox);
            dataset.annotations.push(a);
        }
        dataset.samples.push(Sample {
            id: sample_id,
            file_name: image.file_name,
            width: image.size.map(|s| s.0),
            height: image.size.map(|s| s.1),
            split: None,
            generation: None,
        });
    }
    Ok(VocRead { dataset, warnings })
}

fn parse_voc_file(path: &Path, default_name: &Path, warnings: &mut Warnings) -> Result<VocImage> {
    let text = read_text(path)?;
    let doc = Document::parse(&text).map_err(|e| malformed_xml(path, e))?;
    let lines = Lines::new(&text);
    let root = doc.root_element();
    if root.tag_name().name() != "annotation" {
        let msg = format!(
            "expected an <annotation> root element, found <{}>",
            root.tag_name().name()
        );
        return Err(IoError::at(path, "line 1", msg));
    }
    let file_name =
        child_text(root, "filename").map_or_else(|| to_file_name(default_name), str::to_string);
    let size = root
        .children()
        .find(|n| n.has_tag_name("size"))
        .map(|s| read_size(path, &lines, s))
        .transpose()?;
    let mut objects = Vec::new();
    for obj in root.children().filter(|n| n.has_tag_name("object")) {
        objects.push(read_object(path, &lines, obj)?);
    }
    if size.is_none() {
        warnings.push(
            "missing_image_size",
            path.display().to_string(),
            "no <size> element; the image's size is taken from its file when found, and a size known from an earlier import is kept",
        );
    }
    if let Some(size) = size {
        for o in &objects {
            let location = || format!("{}: line {}", path.display(), o.line);
            warnings.box_outside_image(&o.bbox, size, location);
        }
    }
    Ok(VocImage {
        file_name,
        size,
        objects,
    })
}

fn child_text<'a>(node: Node<'a, '_>, tag: &str) -> Option<&'a str> {
    node.children()
        .find(|n| n.has_tag_name(tag))
        .and_then(|n| n.text())
        .map(str::trim)
}

/// Line numbers of byte offsets, from the offsets where lines start: a
/// binary search per lookup (roxmltree's `text_pos_at` scans from the start
/// each time, quadratic over a file with many objects).
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines(starts)
    }

    fn of(&self, node: Node) -> usize {
        self.0.partition_point(|&s| s <= node.range().start)
    }
}

fn number(path: &Path, lines: &Lines, node: Node, tag: &str) -> Result<f64> {
    let location = || format!("line {}", lines.of(node));
    let text = child_text(node, tag)
        .ok_or_else(|| IoError::at(path, location(), format!("expected a <{tag}> element")))?;
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| {
            IoError::at(
                path,
                location(),
                format!("expected a number in <{tag}>, found {text:?}"),
            )
        })
}

fn read_size(path: &Path, lines: &Lines, size: Node) -> Result<(u32, u32)> {
    let w = number(path, lines, size, "width")?;
    let h = number(path, lines, size, "height")?;
    if w < 1.0 || h < 1.0 {
        let msg = format!("expected a positive image size, found {w}x{h}");
        return Err(IoError::at(path, format!("line {}", lines.of(size)), msg));
    }
    Ok((w as u32, h as u32))
}

fn read_object(path: &Path, lines: &Lines, obj: Node) -> Result<VocObject> {
    let line = lines.of(obj);
    let name = child_text(obj, "name")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            IoError::at(
                path,
                format!("line {line}"),
                "expected a <name> in <object>",
            )
        })?;
    let bndbox = obj
        .children()
        .find(|n| n.has_tag_name("bndbox"))
        .ok_or_else(|| {
            IoError::at(
                path,
                format!("line {line}"),
                "expected a <bndbox> in <object>",
            )
        })?;
    let [x1, y1, x2, y2] = ["xmin", "ymin", "xmax", "ymax"].map(|t| number(path, lines, bndbox, t));
    let bbox = BBox::from_corners(x1?, y1?, x2?, y2?);
    if bbox.w < 0.0 || bbox.h < 0.0 {
        let msg = format!(
            "expected xmin <= xmax and ymin <= ymax, found {:?}",
            [bbox.x, bbox.y, bbox.x2(), bbox.y2()]
        );
        return Err(IoError::at(path, format!("line {}", lines.of(bndbox)), msg));
    }
    Ok(VocObject {
        name: name.to_string(),
        bbox,
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = r#"<annotation>
  <filename>street.jpg</filename>
  <size><width>200</width><height>100</height><depth>3</depth></size>
  <object><name>person</name><difficult>0</difficult>
    <bndbox><xmin>10</xmin><ymin>20</ymin><xmax>50</xmax><ymax>90</ymax></bndbox></object>
  <object><name>car</name>
    <bndbox><xmin>100</xmin><ymin>40</ymin><xmax>230</xmax><ymax>80</ymax></bndbox></object>
</annotation>"#;

    #[test]
    fn reads_boxes_classes_and_sizes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("street.xml"), XML).unwrap();
        let read = read_voc(dir.path(), None).unwrap();
        let d = &read.dataset;
        assert_eq!(d.samples[0].file_name, "street.jpg");
        assert_eq!(
            (d.samples[0].width, d.samples[0].height),
            (Some(200), Some(100))
        );
        let names: Vec<&str> = d.categories.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["car", "person"]);
        assert_eq!(
            d.annotations[0].bbox,
            Some(BBox::new(10.0, 20.0, 40.0, 70.0))
        );
        assert_eq!(d.annotations[0].category_id, 2);
        // The car leaves the 200 px wide image: usable, but warned about.
        assert_eq!(read.warnings.counts().get("box_outside_image"), Some(&1));
    }

    #[test]
    fn a_class_missing_from_the_given_list_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("street.xml"), XML).unwrap();
        let err = read_voc(dir.path(), Some(vec!["person".into()])).unwrap_err();
        assert!(
            err.to_string()
                .contains("class \"car\" is not in the class list"),
            "{err}"
        );
        assert!(err.to_string().contains("street.xml: line 6"), "{err}");
    }
}
