//! CVAT for images 1.1: one XML file, `<annotations>` holding `<meta>`
//! (the task's labels, its owner) and one `<image id name width height>`
//! per image with `<box label xtl ytl xbr ybr>` and `<polygon label
//! points="x,y;x,y;...">` shapes. Boxes become `x = xtl`, `w = xbr - xtl`;
//! a polygon becomes a segmentation with its bounding box. Classes come
//! from the task's labels (in their order), then any other label used.

use std::path::Path;

use assay_core::geometry::{polygon_area, polygon_bbox, BBox};
use assay_core::model::{Annotation, Category, Dataset, Sample, Segmentation};
use roxmltree::{Document, Node};

use crate::error::{malformed_xml, read_text, IoError, Result};

/// A CVAT file read into a dataset.
#[derive(Debug)]
pub struct CvatRead {
    /// Images with their boxes and polygons.
    pub dataset: Dataset,
    /// The task owner's user name, when the file names one (the annotator).
    pub owner: Option<String>,
}

/// Reads a CVAT for images 1.1 XML file.
pub fn read_cvat(path: &Path) -> Result<CvatRead> {
    let text = read_text(path)?;
    let doc = Document::parse(&text).map_err(|e| malformed_xml(path, e))?;
    let root = doc.root_element();
    if root.tag_name().name() != "annotations" {
        return Err(IoError::file(
            path,
            format!(
                "expected CVAT's <annotations> root element, found <{}>",
                root.tag_name().name()
            ),
        ));
    }
    let line = |n: Node| format!("line {}", doc.text_pos_at(n.range().start).row);
    let mut names: Vec<String> = root
        .descendants()
        .filter(|n| n.has_tag_name("labels"))
        .flat_map(|labels| labels.children().filter(|n| n.has_tag_name("label")))
        .filter_map(|label| child_text(label, "name"))
        .collect();
    let owner = root
        .descendants()
        .find(|n| n.has_tag_name("owner"))
        .and_then(|o| child_text(o, "username"));
    let mut dataset = Dataset::default();
    for image in root.children().filter(|n| n.has_tag_name("image")) {
        let at = line(image);
        let attr = |name: &str| -> Result<&str> {
            image.attribute(name).ok_or_else(|| {
                IoError::at(path, at.clone(), format!("<image> has no {name} attribute"))
            })
        };
        let id: i64 = number(path, &at, "id", attr("id")?)?;
        let width: f64 = number(path, &at, "width", attr("width")?)?;
        let height: f64 = number(path, &at, "height", attr("height")?)?;
        dataset.samples.push(Sample {
            id,
            file_name: attr("name")?.to_string(),
            width: Some(width as u32),
            height: Some(height as u32),
            split: None,
            generation: None,
        });
        for shape in image.children().filter(|n| n.is_element()) {
            let at = line(shape);
            let Some(label) = shape.attribute("label") else {
                return Err(IoError::at(
                    path,
                    at,
                    format!("<{}> has no label", shape.tag_name().name()),
                ));
            };
            let class = match names.iter().position(|n| n == label) {
                Some(i) => i,
                None => {
                    names.push(label.to_string());
                    names.len() - 1
                }
            };
            let mut a = Annotation::new(dataset.annotations.len() as i64 + 1, id, class as i64 + 1);
            match shape.tag_name().name() {
                "box" => {
                    let corner = |k: &str| -> Result<f64> {
                        let v = shape.attribute(k).ok_or_else(|| {
                            IoError::at(path, at.clone(), format!("<box> has no {k} attribute"))
                        })?;
                        number(path, &at, k, v)
                    };
                    let (x1, y1, x2, y2) = (
                        corner("xtl")?,
                        corner("ytl")?,
                        corner("xbr")?,
                        corner("ybr")?,
                    );
                    a.bbox = Some(BBox::from_corners(x1, y1, x2, y2));
                }
                "polygon" => {
                    let points =
                        polygon_points(path, &at, shape.attribute("points").unwrap_or(""))?;
                    a.area = Some(polygon_area(&points));
                    a.bbox = polygon_bbox(std::slice::from_ref(&points));
                    a.segmentation = Some(Segmentation::Polygons(vec![points]));
                }
                // Points, polylines, ellipses, cuboids, tags: not objects
                // assay evaluates; left out.
                _ => continue,
            }
            dataset.annotations.push(a);
        }
    }
    dataset.categories = names
        .iter()
        .enumerate()
        .map(|(i, n)| Category::named(i as i64 + 1, n))
        .collect();
    Ok(CvatRead { dataset, owner })
}

/// The text of `node`'s child `<name>`.
fn child_text(node: Node, name: &str) -> Option<String> {
    node.children()
        .find(|n| n.has_tag_name(name))
        .and_then(|n| n.text())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

fn number<T: std::str::FromStr>(path: &Path, at: &str, key: &str, value: &str) -> Result<T> {
    value.trim().parse().map_err(|_| {
        IoError::at(
            path,
            at.to_string(),
            format!("{key}: expected a number, found {value:?}"),
        )
    })
}

/// `x,y;x,y;...` as a flat polygon of at least three points.
fn polygon_points(path: &Path, at: &str, text: &str) -> Result<Vec<f64>> {
    let mut out = Vec::new();
    for pair in text.split(';').filter(|p| !p.trim().is_empty()) {
        let Some((x, y)) = pair.split_once(',') else {
            return Err(IoError::at(
                path,
                at.to_string(),
                format!("points: {pair:?} is not x,y"),
            ));
        };
        out.push(number(path, at, "points", x)?);
        out.push(number(path, at, "points", y)?);
    }
    if out.len() < 6 {
        return Err(IoError::at(
            path,
            at.to_string(),
            "points: a polygon needs at least three points",
        ));
    }
    Ok(out)
}

/// Writes `dataset` as CVAT for images 1.1 XML: boxes as `<box>`,
/// polygon segmentations as `<polygon>` (one per part); `owner`, when
/// given, as the task's owner.
pub fn write_cvat(dataset: &Dataset, owner: Option<&str>, path: &Path) -> Result<()> {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<annotations>\n  <version>1.1</version>\n  <meta>\n    <task>\n      <labels>\n");
    for c in &dataset.categories {
        xml += &format!(
            "        <label>\n          <name>{}</name>\n        </label>\n",
            escape(&c.name)
        );
    }
    xml += "      </labels>\n";
    if let Some(owner) = owner {
        xml += &format!(
            "      <owner>\n        <username>{}</username>\n      </owner>\n",
            escape(owner)
        );
    }
    xml += "    </task>\n  </meta>\n";
    let name = |id: i64| {
        dataset
            .categories
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| id.to_string(), |c| c.name.clone())
    };
    for s in &dataset.samples {
        xml += &format!(
            "  <image id=\"{}\" name=\"{}\" width=\"{}\" height=\"{}\">\n",
            s.id,
            escape(&s.file_name),
            s.width.unwrap_or(0),
            s.height.unwrap_or(0)
        );
        for a in dataset.annotations.iter().filter(|a| a.sample_id == s.id) {
            let label = escape(&name(a.category_id));
            match (&a.segmentation, a.bbox) {
                (Some(Segmentation::Polygons(parts)), _) => {
                    for part in parts {
                        let points: Vec<String> = part
                            .chunks(2)
                            .map(|p| format!("{},{}", p[0], p[1]))
                            .collect();
                        xml += &format!(
                            "    <polygon label=\"{label}\" occluded=\"0\" points=\"{}\" z_order=\"0\"/>\n",
                            points.join(";")
                        );
                    }
                }
                (_, Some(b)) => {
                    xml += &format!(
                        "    <box label=\"{label}\" occluded=\"0\" xtl=\"{}\" ytl=\"{}\" xbr=\"{}\" ybr=\"{}\" z_order=\"0\"/>\n",
                        b.x,
                        b.y,
                        b.x + b.w,
                        b.y + b.h
                    );
                }
                _ => {}
            }
        }
        xml += "  </image>\n";
    }
    xml += "</annotations>\n";
    std::fs::write(path, xml).map_err(|e| IoError::file(path, format!("cannot write: {e}")))
}

/// Text escaped for an XML attribute or element.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}
